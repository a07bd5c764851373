//! `load.auth`'s header-only Stream Load probe, and reading the StarRocks answer it gets.

use super::{AUTH, AUTH_TITLE, G, error_chain};
use crate::PreflightContext;
use base64::Engine;
use ks_core::check::CheckResult;
use ks_core::config::LoadUrl;
use reqwest::Url;
use reqwest::header::HeaderValue;
use std::time::Instant;

pub(super) struct AuthProbe {
    pub(super) detail: String,
    /// The 307 target; `None` when the load-url answered the load itself.
    pub(super) location: Option<String>,
}

/// The header-only probe; `Err` is the failed `load.auth` result.
pub(super) async fn auth_probe(
    ctx: &PreflightContext,
    client: &reqwest::Client,
    base: &LoadUrl,
) -> Result<AuthProbe, CheckResult> {
    let sink = &ctx.config.sink;
    let (db, table, user) = (&sink.database_name, &sink.table_name, &sink.username);
    let fail = |detail: String, remediation: String| {
        CheckResult::fail(G, AUTH, AUTH_TITLE, detail, remediation)
    };
    let Some(password) = ctx.password.as_ref() else {
        return Err(fail(
            "no StarRocks password: Stream Load needs HTTP Basic auth with sink.username and the password".into(),
            "Give the StarRocks password one of three ways: password-file = \"…\" in [sink], the STARROCKS_PASSWORD environment variable, or the OS keyring (`kinesis-starrocks secret set --config FILE`).".into(),
        ));
    };
    if user.contains(':') {
        return Err(fail(
            format!("sink.username {user:?} contains ':'"),
            "HTTP Basic auth cannot carry a user name with ':': use a StarRocks user without it."
                .into(),
        ));
    }
    let mut auth = HeaderValue::from_str(&format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", password.expose()))
    ))
    .map_err(|_| {
        fail(
            "the user name or password cannot be sent in an HTTP header".into(),
            "Use a user name and password of visible ASCII/UTF-8 text (no line breaks).".into(),
        )
    })?;
    auth.set_sensitive(true);
    let mut url = Url::parse(&base.base).map_err(|e| {
        fail(
            format!("{} is not a URL: {e}", base.base),
            "Fix sink.load-url.".into(),
        )
    })?;
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.clear().extend(["api", db, table, "_stream_load"]);
    }
    let started = Instant::now();
    let sent = client
        .put(url.clone())
        .header(reqwest::header::AUTHORIZATION, auth)
        .header(reqwest::header::EXPECT, "100-continue")
        .header(reqwest::header::CONTENT_LENGTH, "0")
        .body(Vec::new())
        .send()
        .await;
    let tried = format!(
        "PUT {url} (header-only: Expect: 100-continue, Content-Length: 0, no label) as {user:?}"
    );
    let resp = match sent {
        Ok(r) => r,
        Err(e) => {
            return Err(fail(
                format!("{tried}: {}", error_chain(&e)),
                format!(
                    "{} answered GET but not the Stream Load request: check that sink.load-url is the FE HTTP port (8030) or CelerData's HTTPS endpoint.",
                    base.authority()
                ),
            ));
        }
    };
    let status = resp.status();
    let ms = started.elapsed().as_millis();
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp.text().await.unwrap_or_default();
    let body_short: String = body.trim().chars().take(400).collect();
    let message = answer_message(&body);
    let detail = format!(
        "{tried}: HTTP {}{} in {ms} ms{}",
        status.as_u16(),
        location
            .as_deref()
            .map(|l| format!(", Location: {l}"))
            .unwrap_or_default(),
        if body_short.is_empty() {
            String::new()
        } else {
            format!("\n{body_short}")
        }
    );
    let privilege_missing = |m: &str| m.contains("INSERT privilege");
    let denied = |m: &str| {
        let l = m.to_ascii_lowercase();
        l.contains("access denied")
            || l.contains("no valid basic authorization")
            || l.contains("need auth")
    };
    let grant = format!("GRANT INSERT ON {db}.{table} TO USER '{user}'@'%'");
    if status.is_redirection() {
        let Some(location) = location else {
            return Err(fail(
                detail,
                "The load-url redirected without a Location header: put the FE HTTP port (8030) or CelerData's HTTPS endpoint in sink.load-url.".into(),
            ));
        };
        return Ok(AuthProbe {
            detail: format!(
                "the FE accepted the credentials of {user:?} and redirects the load (307) to {location}\n{detail}"
            ),
            location: Some(location),
        });
    }
    if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
        if message.as_deref().is_some_and(privilege_missing) {
            return Err(fail(
                detail,
                format!(
                    "The credentials of {user:?} are accepted but it may not load into {db}.{table}: have an admin run `{grant};`."
                ),
            ));
        }
        return Err(fail(
            detail,
            format!(
                "StarRocks refused the Stream Load credentials of user {user:?} (HTTP {}): fix sink.username or the password (password-file, STARROCKS_PASSWORD or the OS keyring); the HTTP port checks the same user and password as the MySQL login.",
                status.as_u16()
            ),
        ));
    }
    if status.is_success() {
        let m = message.unwrap_or_default();
        if privilege_missing(&m) {
            return Err(fail(
                detail,
                format!(
                    "The credentials of {user:?} are accepted but it may not load into {db}.{table}: have an admin run `{grant};`."
                ),
            ));
        }
        if denied(&m) {
            return Err(fail(
                detail,
                format!(
                    "StarRocks refused the Stream Load credentials of user {user:?}: fix sink.username or the password (password-file, STARROCKS_PASSWORD or the OS keyring)."
                ),
            ));
        }
        if m.contains("100-continue") {
            return Err(fail(
                detail,
                "Something between this machine and the FE drops the `Expect: 100-continue` header StarRocks requires: point sink.load-url at the FE (8030) or a BE (8040) directly, or configure the proxy to pass the header.".into(),
            ));
        }
        if body.contains("TxnId") || body.contains("NumberTotalRows") {
            return Ok(AuthProbe {
                detail: format!(
                    "{} answered the empty, label-less probe itself (no redirect), like a BE/CN node: the credentials of {user:?} were accepted; {}\n{detail}",
                    base.base,
                    match loaded_rows(&body) {
                        Some(0) | None => "the empty body loaded no rows".to_string(),
                        Some(n) => format!("it reports {n} loaded rows for an empty body"),
                    }
                ),
                location: None,
            });
        }
    }
    Err(fail(
        detail,
        format!(
            "{} does not answer like a StarRocks FE or BE (HTTP {}): set sink.load-url to the FE HTTP port (http://<fe>:8030) or CelerData's HTTPS endpoint.",
            base.authority(),
            status.as_u16()
        ),
    ))
}

/// `NumberLoadedRows` of a BE's answer.
fn loaded_rows(body: &str) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v.get("NumberLoadedRows")?.as_u64()
}

/// `Message` / `msg` / `message` of a StarRocks JSON answer.
fn answer_message(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let obj = v.as_object()?;
    ["Message", "msg", "message"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(|m| m.as_str()).map(str::to_string))
}
