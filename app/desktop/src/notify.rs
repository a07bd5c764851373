//! Desktop notifications (org.freedesktop.Notifications over the D-Bus session bus). Failing to
//! notify (no session bus, no notification daemon) is logged once and never stops anything.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Clone)]
pub struct Notifier {
    enabled: bool,
    failed_once: Arc<AtomicBool>,
}

impl Notifier {
    pub fn new(enabled: bool) -> Notifier {
        Notifier {
            enabled,
            failed_once: Default::default(),
        }
    }

    /// Shows `summary` / `body` (in the background; call from the runtime).
    pub fn notify(&self, summary: &str, body: &str) {
        tracing::info!("notification: {summary}: {body}");
        if !self.enabled {
            return;
        }
        let (summary, body) = (summary.to_string(), body.to_string());
        let failed_once = self.failed_once.clone();
        tokio::spawn(async move {
            if let Err(e) = send(&summary, &body).await
                && !failed_once.swap(true, Ordering::Relaxed)
            {
                tracing::warn!("desktop notifications are not available: {e}");
            }
        });
    }
}

async fn send(summary: &str, body: &str) -> zbus::Result<()> {
    let connection = zbus::Connection::session().await?;
    let hints: HashMap<&str, zbus::zvariant::Value<'_>> = HashMap::new();
    connection
        .call_method(
            Some("org.freedesktop.Notifications"),
            "/org/freedesktop/Notifications",
            Some("org.freedesktop.Notifications"),
            "Notify",
            &(
                "kinesis-starrocks",
                0u32,
                "kinesis-starrocks",
                summary,
                body,
                Vec::<&str>::new(),
                hints,
                -1i32,
            ),
        )
        .await?;
    Ok(())
}
