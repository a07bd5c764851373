//! The Stream Load checks: the load-url answers over HTTP(S) (FAQ 3), Basic auth is accepted,
//! and the FE's 307 target is analysed.
//!
//! The auth check sends the Stream Load client's own header-only probe: `PUT
//! /api/{db}/{table}/_stream_load` with `Expect: 100-continue`, `Content-Length: 0` and no label.
//! An FE answers 401 (bad credentials, or no INSERT privilege) or 307 without reading a body; a
//! BE/CN or a proxy given as load-url loads the empty body under a generated label: no rows.
//!
//! The 307 target is *not* connected to unless it is a loopback address (and the load-url is too):
//! a check must not reach out to whatever address an FE advertises. Its reachability is judged
//! from DNS, the address range and the route this machine would use (a UDP `connect`, which
//! sends nothing).

mod address;
mod auth;
mod http;
mod redirect;
#[cfg(test)]
mod tests;

use crate::{Checklist, PreflightContext};
use auth::auth_probe;
use http::{http_client, probe_http};
use ks_core::check::{CheckGroup, CheckResult};
use ks_core::config::LoadUrl;
use redirect::redirect_check;
use reqwest::Url;

const G: CheckGroup = CheckGroup::StreamLoad;

pub const HTTP: &str = "load.http";
pub const AUTH: &str = "load.auth";
pub const REDIRECT: &str = "load.redirect";

const HTTP_TITLE: &str = "load-url answers over HTTP(S)";
const AUTH_TITLE: &str = "Stream Load credentials";
const REDIRECT_TITLE: &str = "Stream Load redirect target";

/// The fixes users apply when the FE's redirect target cannot be reached from here.
const REDIRECT_FIXES: &str = "set load-url to the BE/CN nodes directly (http://<be-address>:8040, several separated by semicolons), put an FE proxy or load balancer that follows the redirect in front of the cluster, or on CelerData use the HTTPS load endpoint (https://<cluster>.cloud-app.celerdata.com)";

pub async fn run(ctx: &PreflightContext, list: &mut Checklist<'_>) {
    ks_starrocks::ensure_crypto_provider();
    let sink = &ctx.config.sink;
    if sink.load_urls.is_empty() {
        list.push(CheckResult::fail(
            G,
            HTTP,
            HTTP_TITLE,
            "sink.load-url is not set",
            "Set sink.load-url: CelerData's HTTPS endpoint (https://<cluster>.cloud-app.celerdata.com), or a self-managed FE's HTTP port (http://<fe>:8030).",
        ));
        skip_rest(list, HTTP);
        return;
    }
    let client = match http_client(ctx) {
        Ok(c) => c,
        Err(why) => {
            list.push(CheckResult::fail(
                G,
                HTTP,
                HTTP_TITLE,
                why,
                "Fix sink.ssl-ca: it must name a readable PEM file with the CA certificate(s).",
            ));
            skip_rest(list, HTTP);
            return;
        }
    };

    // load.http: every load-url (the loader rotates over the reachable ones).
    let mut lines = Vec::new();
    let mut failures = Vec::new();
    let mut chosen: Option<&LoadUrl> = None;
    list.begin(HTTP, HTTP_TITLE);
    for url in &sink.load_urls {
        match probe_http(&client, url, ctx.timeout).await {
            Ok(line) => {
                lines.push(format!("{}: {line}", url.base));
                chosen.get_or_insert(url);
            }
            Err((line, remediation)) => {
                lines.push(format!("{}: {line}", url.base));
                failures.push((url, remediation));
            }
        }
    }
    let several = sink.load_urls.len() > 1;
    let Some(url) = chosen else {
        let remediation = failures.first().map(|(_, r)| r.clone()).unwrap_or_default();
        list.push(CheckResult::fail(
            G,
            HTTP,
            HTTP_TITLE,
            lines.join("\n"),
            remediation,
        ));
        skip_rest(list, HTTP);
        return;
    };
    let mut detail = lines.join("\n");
    if several {
        detail.push_str(&format!(
            "\nthe next checks use {} (the first that answered)",
            url.base
        ));
    }
    if let Some((bad, remediation)) = failures.first() {
        list.push(CheckResult::warn(
            G,
            HTTP,
            HTTP_TITLE,
            detail,
            format!(
                "{} of {} load-urls did not answer ({} first): {remediation}",
                failures.len(),
                sink.load_urls.len(),
                bad.base
            ),
        ));
    } else {
        list.push(CheckResult::pass(G, HTTP, HTTP_TITLE, detail));
    }

    // load.auth: the probe names a table; without one (the wizard's first step) it waits.
    if sink.database_name.trim().is_empty() || sink.table_name.trim().is_empty() {
        let detail = "not checked yet: no database/table chosen (the Stream Load probe names \
                      one); the MySQL login already tested the same user and password";
        list.push(CheckResult {
            detail: detail.into(),
            ..CheckResult::skipped(G, AUTH, AUTH_TITLE, "")
        });
        list.push(CheckResult {
            detail: detail.into(),
            ..CheckResult::skipped(G, REDIRECT, REDIRECT_TITLE, "")
        });
        return;
    }
    list.begin(AUTH, AUTH_TITLE);
    let probe = match auth_probe(ctx, &client, url).await {
        Ok(p) => p,
        Err(failed) => {
            list.push(failed);
            list.push(CheckResult::skipped(G, REDIRECT, REDIRECT_TITLE, AUTH));
            return;
        }
    };
    list.push(CheckResult::pass(G, AUTH, AUTH_TITLE, probe.detail.clone()));

    // load.redirect
    list.begin(REDIRECT, REDIRECT_TITLE);
    let result = match probe.location {
        None => CheckResult::pass(
            G,
            REDIRECT,
            REDIRECT_TITLE,
            format!(
                "{} answered the load itself, without a redirect: it is a BE/CN node (or a proxy that follows the FE's redirect), so there is no redirect target to reach",
                url.base
            ),
        ),
        Some(location) => {
            if let Some((host, port)) = Url::parse(&url.base)
                .and_then(|b| b.join(&location))
                .ok()
                .and_then(|t| Some((t.host_str()?.to_string(), t.port_or_known_default()?)))
            {
                list.set_fact(crate::FACT_REDIRECT_AUTHORITY, format!("{host}:{port}"));
            }
            redirect_check(ctx, url, &location).await
        }
    };
    list.push(result);
}

fn skip_rest(list: &mut Checklist<'_>, because: &str) {
    list.push(CheckResult::skipped(G, AUTH, AUTH_TITLE, because));
    list.push(CheckResult::skipped(G, REDIRECT, REDIRECT_TITLE, because));
}

pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
