//! Running pipelines: start an engine on a saved pipeline, forward its snapshots (at most
//! [`SNAPSHOTS_PER_S`] a second) and every event to the UI, stop it, and say how it ended.

use super::{BackendCtx, secrets, send_list};
use ks_core::Secret;
use ks_core::snapshot::{Event, PipelineState};
use ks_engine::{Command, EngineOptions};
use ks_kinesis::{ConnectOptions, KinesisSource};
use ks_starrocks::{StreamLoadClient, StreamLoadSettings};
use ks_ui::protocol::{Reply, RunStatus};
use std::sync::Arc;
use std::time::Duration;

/// The UI needs no more than this many snapshots a second (the monitor repaints at 4/s).
pub const SNAPSHOTS_PER_S: u64 = 4;

/// A running engine's command line.
pub struct Running {
    commands: tokio::sync::mpsc::Sender<Command>,
}

fn set_status(ctx: &BackendCtx, name: &str, status: RunStatus) {
    ctx.state
        .lock()
        .expect("backend state")
        .statuses
        .insert(name.to_string(), status);
}

/// The password of `name`: typed in this session, else password-file, environment, keyring.
/// Blocking (the keyring): call it from `spawn_blocking`.
pub(crate) fn password(
    ctx: &BackendCtx,
    name: &str,
    sink: &ks_core::SinkConfig,
) -> Result<Secret, String> {
    if let Some(p) = ctx.state.lock().expect("backend state").passwords.get(name) {
        return Ok(p.clone());
    }
    if ctx.options.keyring {
        secrets::password_for(sink).map(|(p, source)| {
            tracing::info!("{name}: password from {source}");
            p
        })
    } else {
        ks_core::config::resolve_password(sink, &|n| std::env::var(n).ok(), &|_, _| Ok(None))
            .map(|(p, _)| p)
            .map_err(|e| e.to_string())
    }
}

/// Starts pipeline `name`; replies `Started` then snapshots and events, and `Ended` at the end
/// (also when the start itself fails).
pub async fn start(ctx: Arc<BackendCtx>, name: String) {
    let fail = |message: String| {
        tracing::warn!("{name}: start failed: {message}");
        set_status(&ctx, &name, RunStatus::Ended(Err(message.clone())));
        ctx.reply.send(Reply::Ended {
            name: name.clone(),
            result: Err(message),
        });
        send_list(&ctx);
    };
    if ctx
        .state
        .lock()
        .expect("backend state")
        .engines
        .contains_key(&name)
    {
        return; // Already running: a double click.
    }
    let (config, demo) = match super::find(&ctx, &name) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let pw = {
        let ctx2 = ctx.clone();
        let (n, sink) = (name.clone(), config.sink.clone());
        match tokio::task::spawn_blocking(move || password(&ctx2, &n, &sink)).await {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return fail(e),
            Err(e) => return fail(e.to_string()),
        }
    };
    // The demo's static credentials serve only the demo's own endpoint.
    let credentials = if demo {
        Some(ks_local::emulator_credentials())
    } else {
        ctx.options.aws.credentials.clone()
    };
    let source = match KinesisSource::connect_with(
        &config.source,
        ConnectOptions {
            credentials,
            ..Default::default()
        },
    )
    .await
    {
        Ok(s) => s,
        Err(e) => return fail(e.to_string()),
    };
    let client = match StreamLoadSettings::from_sink(&config.sink, pw)
        .map_err(|e| e.to_string())
        .and_then(|s| StreamLoadClient::new(s).map_err(|e| e.to_string()))
    {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let mut handle = match ks_engine::start_with(
        config,
        source,
        client,
        EngineOptions {
            stop_when_caught_up: false,
            holder: if demo {
                "kinesis-starrocks demo".into()
            } else {
                "kinesis-starrocks app".into()
            },
        },
    )
    .await
    {
        Ok(h) => h,
        Err(e) => return fail(e.to_string()),
    };
    ctx.state.lock().expect("backend state").engines.insert(
        name.clone(),
        Running {
            commands: handle.commands(),
        },
    );
    set_status(&ctx, &name, RunStatus::Running(PipelineState::Starting));
    ctx.reply.send(Reply::Started { name: name.clone() });
    send_list(&ctx);

    let events_task = handle.take_events().map(|mut events| {
        let (ctx, name) = (ctx.clone(), name.clone());
        tokio::spawn(async move {
            let mut filtering = false;
            while let Some(event) = events.recv().await {
                match &event {
                    Event::Stalled { reason } => {
                        ctx.notifier.notify(&format!("{name} stalled"), reason)
                    }
                    Event::Recovered => {
                        filtering = false;
                        ctx.notifier
                            .notify(&format!("{name} recovered"), "loads succeed again")
                    }
                    Event::RowsFiltered { rows, label, .. } if !filtering => {
                        filtering = true;
                        ctx.notifier.notify(
                            &format!("{name} is filtering rows"),
                            &format!("StarRocks filtered {rows} row(s) of load {label}"),
                        );
                    }
                    Event::BatchLoaded { summary } if summary.filtered_rows == 0 && filtering => {
                        filtering = false;
                        ctx.notifier
                            .notify(&format!("{name} recovered"), "loads no longer filter rows");
                    }
                    _ => {}
                }
                ctx.reply.send(Reply::Event {
                    name: name.clone(),
                    event,
                });
            }
        })
    });
    let snapshots_task = {
        let (ctx, name) = (ctx.clone(), name.clone());
        let mut rx = handle.snapshot();
        tokio::spawn(async move {
            let mut last_state = None;
            while rx.changed().await.is_ok() {
                let snapshot = rx.borrow_and_update().clone();
                if last_state.as_ref() != Some(&snapshot.state) {
                    last_state = Some(snapshot.state.clone());
                    set_status(&ctx, &name, RunStatus::Running(snapshot.state.clone()));
                    send_list(&ctx);
                }
                ctx.reply.send(Reply::Snapshot {
                    name: name.clone(),
                    snapshot: Box::new(snapshot),
                });
                tokio::time::sleep(Duration::from_millis(1000 / SNAPSHOTS_PER_S)).await;
            }
        })
    };
    let last_snapshot = handle.snapshot();
    let result = handle.wait().await;
    snapshots_task.abort();
    if let Some(t) = events_task {
        // The events channel closes when the engine ends; let the last ones through.
        let _ = tokio::time::timeout(Duration::from_secs(2), t).await;
    }
    let final_snapshot = last_snapshot.borrow().clone();
    ctx.reply.send(Reply::Snapshot {
        name: name.clone(),
        snapshot: Box::new(final_snapshot),
    });
    let result = result
        .map(|s| {
            format!(
                "stopped: {} rows loaded in {} loads ({} replayed)",
                s.rows_loaded, s.loads, s.replayed_intents
            )
        })
        .map_err(|e| e.to_string());
    tracing::info!("{name}: engine ended: {result:?}");
    ctx.state
        .lock()
        .expect("backend state")
        .engines
        .remove(&name);
    set_status(&ctx, &name, RunStatus::Ended(result.clone()));
    ctx.reply.send(Reply::Ended {
        name: name.clone(),
        result,
    });
    send_list(&ctx);
}

/// Asks `name` to stop (flush, confirm, checkpoint); `Ended` follows.
pub fn stop(ctx: &BackendCtx, name: &str) {
    let commands = ctx
        .state
        .lock()
        .expect("backend state")
        .engines
        .get(name)
        .map(|r| r.commands.clone());
    if let Some(c) = commands {
        let _ = c.try_send(Command::Stop);
    }
}

/// Stops every engine and waits until all have ended.
pub async fn stop_all(ctx: &BackendCtx) {
    let names: Vec<String> = ctx
        .state
        .lock()
        .expect("backend state")
        .engines
        .keys()
        .cloned()
        .collect();
    for n in &names {
        stop(ctx, n);
    }
    while !ctx.state.lock().expect("backend state").engines.is_empty() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Whether any engine runs (the window asks before closing).
pub fn any_running(ctx: &BackendCtx) -> bool {
    !ctx.state.lock().expect("backend state").engines.is_empty()
}
