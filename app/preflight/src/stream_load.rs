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

use crate::cluster::{TcpFailKind, resolve, tcp_connect};
use crate::{Checklist, PreflightContext};
use base64::Engine;
use ks_core::check::{CheckGroup, CheckResult};
use ks_core::config::LoadUrl;
use reqwest::Url;
use reqwest::header::HeaderValue;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

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

fn http_client(ctx: &PreflightContext) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        // The 307 is analysed, never followed.
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(ctx.timeout)
        .timeout(ctx.timeout)
        .user_agent(concat!(
            "kinesis-starrocks-check/",
            env!("CARGO_PKG_VERSION")
        ))
        .http1_only();
    if let Some(path) = &ctx.config.sink.ssl_ca {
        let pem = std::fs::read(path)
            .map_err(|e| format!("cannot read sink.ssl-ca {}: {e}", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            format!(
                "sink.ssl-ca {}: not a PEM certificate ({e})",
                path.display()
            )
        })?;
        builder = builder.tls_certs_merge(certs);
    }
    builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", error_chain(&e)))
}

/// DNS, TCP, then one GET of the base URL: `Ok(detail)` when any HTTP answer came back,
/// `Err((detail, remediation))` otherwise.
async fn probe_http(
    client: &reqwest::Client,
    url: &LoadUrl,
    timeout: Duration,
) -> Result<String, (String, String)> {
    let addrs = match resolve(&url.host, url.port, timeout).await {
        Ok(r) => r.addrs,
        Err(why) => {
            return Err((
                format!("resolving {}: {why}", url.host),
                format!(
                    "The host {} in sink.load-url does not resolve: copy the load endpoint from the CelerData console (https://<cluster>.cloud-app.celerdata.com) or use the FE's host name/address (http://<fe>:8030).",
                    url.host
                ),
            ));
        }
    };
    if let Err(f) = tcp_connect(&addrs, timeout).await {
        let remediation = match f.kind {
            TcpFailKind::Refused => closed_port_remediation(url),
            TcpFailKind::Timeout => format!(
                "no route: the security group or network blocks port {} from this machine; add an inbound rule for this machine's address (see the Security groups checks).",
                url.port
            ),
            TcpFailKind::Other => format!(
                "This machine cannot open a TCP connection to {}: check its network (VPN, proxy, firewall) and sink.load-url.",
                url.authority()
            ),
        };
        return Err((f.detail, remediation));
    }
    let started = Instant::now();
    match client.get(format!("{}/", url.base)).send().await {
        Ok(resp) => {
            let server = resp
                .headers()
                .get(reqwest::header::SERVER)
                .and_then(|v| v.to_str().ok())
                .map(|s| format!(", Server: {s}"))
                .unwrap_or_default();
            Ok(format!(
                "TCP connect ok; GET {}/ answered HTTP {}{server} in {} ms{}",
                url.base,
                resp.status().as_u16(),
                started.elapsed().as_millis(),
                if url.scheme == "https" {
                    " (TLS handshake and certificate ok)"
                } else {
                    ""
                }
            ))
        }
        Err(e) => {
            let chain = error_chain(&e);
            let lower = chain.to_ascii_lowercase();
            let detail = format!("TCP connect ok; GET {}/ failed: {chain}", url.base);
            let remediation = if e.is_timeout() {
                format!(
                    "{} accepts TCP but sent no HTTP answer within {} ms: check that sink.load-url names the FE HTTP port (8030) or CelerData's HTTPS endpoint (443), not the MySQL port (9030).",
                    url.authority(),
                    timeout.as_millis()
                )
            } else if url.scheme == "https"
                && (lower.contains("certificate")
                    || lower.contains("unknownissuer")
                    || lower.contains("notvalidforname"))
            {
                format!(
                    "The HTTPS certificate of {} is not trusted: set sink.ssl-ca to the PEM of the CA that signed it (a private CA), or use the host name the certificate was issued for.",
                    url.host
                )
            } else if url.scheme == "https" {
                format!(
                    "Failed to connect to address (FAQ 3): {} does not speak TLS, SSL is not enabled on that port: for a self-managed cluster use http://{}:8030 (FE) or :8040 (BE); CelerData's load endpoint is https on 443.",
                    url.authority(),
                    url.host
                )
            } else {
                format!(
                    "{} did not answer plain HTTP: if it is an HTTPS endpoint (CelerData, port 443) write https:// in sink.load-url, else use the FE HTTP port (8030).",
                    url.authority()
                )
            };
            Err((detail, remediation))
        }
    }
}

/// FAQ 3's "Failed to connect to address": the port is closed.
fn closed_port_remediation(url: &LoadUrl) -> String {
    if url.scheme == "https" {
        format!(
            "Failed to connect to address (FAQ 3): nothing listens on {}{}: CelerData's load endpoint is https on 443; a self-managed cluster without SSL answers http://{}:8030 (FE) or :8040 (BE).",
            url.authority(),
            if url.port == 443 {
                ", so HTTPS is not enabled there"
            } else {
                ""
            },
            url.host
        )
    } else {
        format!(
            "Nothing listens on {}: use the FE HTTP port (http://{}:8030) or a BE's (8040) for a self-managed cluster; CelerData's load endpoint is https://<cluster>.cloud-app.celerdata.com on 443.",
            url.authority(),
            url.host
        )
    }
}

struct AuthProbe {
    detail: String,
    /// The 307 target; `None` when the load-url answered the load itself.
    location: Option<String>,
}

/// The header-only probe; `Err` is the failed `load.auth` result.
async fn auth_probe(
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

// ---------------------------------------------------------------------------------------------
// The redirect target

async fn redirect_check(ctx: &PreflightContext, base: &LoadUrl, location: &str) -> CheckResult {
    let fail = |detail: String, remediation: String| {
        CheckResult::fail(G, REDIRECT, REDIRECT_TITLE, detail, remediation)
    };
    let target = match Url::parse(&base.base).and_then(|b| b.join(location)) {
        Ok(u) => u,
        Err(e) => {
            return fail(
                format!("the FE redirects to {location:?}, which is not a URL ({e})"),
                format!("The FE's redirect cannot be followed: {REDIRECT_FIXES}."),
            );
        }
    };
    let Some(host) = target
        .host_str()
        .map(|h| h.trim_matches(['[', ']']).to_string())
    else {
        return fail(
            format!("the FE redirects to {location:?}, which names no host"),
            format!("The FE's redirect cannot be followed: {REDIRECT_FIXES}."),
        );
    };
    let port = target.port_or_known_default().unwrap_or(80);
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let resolved = match resolve(&host, port, ctx.timeout).await {
        Ok(r) => r,
        Err(why) => {
            return fail(
                format!(
                    "the FE at {} redirects Stream Load to {location}; its host {host}: {why} from this machine (the BE/CN registered under an internal name); not connected to",
                    base.authority()
                ),
                format!(
                    "The FE redirects Stream Load to {host}, a name this machine cannot resolve: {REDIRECT_FIXES}."
                ),
            );
        }
    };
    let base_is_loopback = resolve(&base.host, base.port, ctx.timeout)
        .await
        .is_ok_and(|r| r.addrs.iter().all(|a| a.ip().is_loopback()));
    let mut verdicts = Vec::new();
    for addr in &resolved.addrs {
        verdicts.push(judge_address(*addr, base_is_loopback, ctx.timeout).await);
    }
    let header = format!(
        "the FE at {} redirects Stream Load to {location} ({})",
        base.authority(),
        resolved.detail
    );
    let detail = std::iter::once(header)
        .chain(verdicts.iter().map(|v| format!("{}: {}", v.addr, v.text)))
        .collect::<Vec<_>>()
        .join("\n");
    // The best address decides: a client tries them in turn.
    let best = verdicts
        .iter()
        .map(|v| v.reach)
        .max()
        .unwrap_or(Reach::Unreachable);
    match best {
        Reach::Reachable => CheckResult::pass(G, REDIRECT, REDIRECT_TITLE, detail),
        Reach::Unsure => CheckResult::warn(
            G,
            REDIRECT,
            REDIRECT_TITLE,
            detail,
            format!(
                "If this machine is not in the cluster's network (VPC peering, VPN), Stream Load to {authority} will fail: {REDIRECT_FIXES}."
            ),
        ),
        Reach::Unreachable => fail(
            detail,
            format!(
                "The FE redirects Stream Load to {authority}, which this machine cannot reach: {REDIRECT_FIXES}."
            ),
        ),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Reach {
    Unreachable,
    Unsure,
    Reachable,
}

struct AddressVerdict {
    addr: SocketAddr,
    reach: Reach,
    text: String,
}

async fn judge_address(
    addr: SocketAddr,
    base_is_loopback: bool,
    timeout: Duration,
) -> AddressVerdict {
    let ip = addr.ip();
    let class = classify_ip(ip);
    let verdict = |reach: Reach, text: String| AddressVerdict { addr, reach, text };
    match class {
        AddrClass::Loopback if !base_is_loopback => verdict(
            Reach::Unreachable,
            "a loopback address: the BE registered itself as localhost; from this machine that is this machine, not the BE (not connected to)".into(),
        ),
        AddrClass::Loopback => match tcp_connect(&[addr], timeout).await {
            Ok(d) => verdict(
                Reach::Reachable,
                format!("loopback, like the load-url (a local cluster): {d}"),
            ),
            Err(f) => verdict(Reach::Unreachable, format!("loopback: {}", f.detail)),
        },
        AddrClass::Unspecified => verdict(
            Reach::Unreachable,
            "an unspecified address (0.0.0.0 / ::): the BE advertises no usable address".into(),
        ),
        AddrClass::LinkLocal => verdict(
            Reach::Unreachable,
            "a link-local address: only reachable on the BE's own network segment (not connected to)".into(),
        ),
        AddrClass::Public => verdict(
            Reach::Reachable,
            "a public address: routable from here (not connected to; whether port is open is the Security groups checks' business)".into(),
        ),
        AddrClass::Private(block) => {
            let route = route_source(addr);
            let specific = has_specific_route(ip);
            let (reach, conclusion) = judge_private(ip, block, route.as_ref().ok().copied(), specific);
            let route_text = match &route {
                Ok(src) => format!("this machine would send from {src}"),
                Err(e) => format!("this machine has no route to it ({e})"),
            };
            verdict(
                reach,
                format!("a private address ({block}); {route_text}{}: {conclusion} (not connected to)",
                    match specific {
                        Some(true) => ", over a route specific to that network",
                        Some(false) => ", over the default route",
                        None => "",
                    }),
            )
        }
    }
}

/// Reachability of a private redirect target from what the routing table says (pure, tested).
pub(crate) fn judge_private(
    ip: IpAddr,
    block: &str,
    source: Option<IpAddr>,
    specific_route: Option<bool>,
) -> (Reach, &'static str) {
    let Some(src) = source else {
        return (Reach::Unreachable, "unreachable");
    };
    if specific_route == Some(true) {
        return (
            Reach::Reachable,
            "this machine sits in (or is routed into) that network, so the BE is likely reachable",
        );
    }
    match classify_ip(src) {
        AddrClass::Private(b) if b == block && same_prefix(ip, src, 16) => (
            Reach::Reachable,
            "this machine's own address is in the same private network, so the BE is likely reachable",
        ),
        AddrClass::Private(_) => (
            Reach::Unsure,
            "this machine is in a private network too but not evidently the same one; reachable only through VPC peering, a transit gateway or a VPN",
        ),
        _ => (
            Reach::Unreachable,
            "this machine reaches it only through its default route with a public address, and private addresses are not routed on the internet: unreachable",
        ),
    }
}

fn same_prefix(a: IpAddr, b: IpAddr, bits: u32) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            (u32::from(a) & mask) == (u32::from(b) & mask)
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let bits = bits.max(48);
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            (u128::from(a) & mask) == (u128::from(b) & mask)
        }
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddrClass {
    Loopback,
    Unspecified,
    LinkLocal,
    /// With the block it is in, e.g. `10.0.0.0/8`.
    Private(&'static str),
    Public,
}

pub(crate) fn classify_ip(ip: IpAddr) -> AddrClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return classify_v4(v4);
            }
            let seg0 = v6.segments()[0];
            if v6.is_loopback() {
                AddrClass::Loopback
            } else if v6.is_unspecified() {
                AddrClass::Unspecified
            } else if seg0 & 0xffc0 == 0xfe80 {
                AddrClass::LinkLocal
            } else if seg0 & 0xfe00 == 0xfc00 {
                AddrClass::Private("fc00::/7")
            } else {
                AddrClass::Public
            }
        }
    }
}

fn classify_v4(v4: Ipv4Addr) -> AddrClass {
    let o = v4.octets();
    if v4.is_loopback() {
        AddrClass::Loopback
    } else if v4.is_unspecified() {
        AddrClass::Unspecified
    } else if v4.is_link_local() {
        AddrClass::LinkLocal
    } else if o[0] == 10 {
        AddrClass::Private("10.0.0.0/8")
    } else if o[0] == 172 && (16..32).contains(&o[1]) {
        AddrClass::Private("172.16.0.0/12")
    } else if o[0] == 192 && o[1] == 168 {
        AddrClass::Private("192.168.0.0/16")
    } else if o[0] == 100 && (64..128).contains(&o[1]) {
        AddrClass::Private("100.64.0.0/10")
    } else {
        AddrClass::Public
    }
}

/// The local address the kernel would send from to reach `addr`: a UDP `connect` picks the route
/// and sends no packet.
fn route_source(addr: SocketAddr) -> std::io::Result<IpAddr> {
    let bind: SocketAddr = if addr.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = std::net::UdpSocket::bind(bind)?;
    socket.connect(addr)?;
    Ok(socket.local_addr()?.ip())
}

/// Whether the IPv4 routing table (`/proc/net/route`, Linux) has a non-default route covering
/// `ip`: the machine sits in, or is routed into, that network. `None` when it cannot tell.
fn has_specific_route(ip: IpAddr) -> Option<bool> {
    let IpAddr::V4(v4) = ip else { return None };
    let table = std::fs::read_to_string("/proc/net/route").ok()?;
    Some(specific_route_in(&table, v4))
}

pub(crate) fn specific_route_in(table: &str, ip: Ipv4Addr) -> bool {
    // Destination and Mask are hex in host (little-endian on the platforms we ship) byte order.
    let target = u32::from_le_bytes(ip.octets());
    table.lines().skip(1).any(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let (Some(dest), Some(mask)) = (cols.get(1), cols.get(7)) else {
            return false;
        };
        let (Ok(dest), Ok(mask)) = (u32::from_str_radix(dest, 16), u32::from_str_radix(mask, 16))
        else {
            return false;
        };
        mask != 0 && target & mask == dest
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_classes() {
        let c = |s: &str| classify_ip(s.parse().unwrap());
        assert_eq!(c("127.0.0.1"), AddrClass::Loopback);
        assert_eq!(c("::1"), AddrClass::Loopback);
        assert_eq!(c("10.1.2.3"), AddrClass::Private("10.0.0.0/8"));
        assert_eq!(c("172.31.0.9"), AddrClass::Private("172.16.0.0/12"));
        assert_eq!(c("172.32.0.9"), AddrClass::Public);
        assert_eq!(c("192.168.1.1"), AddrClass::Private("192.168.0.0/16"));
        assert_eq!(c("100.64.0.1"), AddrClass::Private("100.64.0.0/10"));
        assert_eq!(c("100.128.0.1"), AddrClass::Public);
        assert_eq!(c("169.254.169.254"), AddrClass::LinkLocal);
        assert_eq!(c("fe80::1"), AddrClass::LinkLocal);
        assert_eq!(c("fd12:3456::1"), AddrClass::Private("fc00::/7"));
        assert_eq!(c("::ffff:10.0.0.1"), AddrClass::Private("10.0.0.0/8"));
        assert_eq!(c("0.0.0.0"), AddrClass::Unspecified);
        assert_eq!(c("203.0.113.7"), AddrClass::Public);
    }

    #[test]
    fn private_targets_are_judged_from_the_route() {
        let ip = |s: &str| -> IpAddr { s.parse().unwrap() };
        let be = ip("10.0.5.3");
        // No route at all.
        assert_eq!(
            judge_private(be, "10.0.0.0/8", None, None).0,
            Reach::Unreachable
        );
        // Routed into that network (VPN, same subnet).
        assert_eq!(
            judge_private(be, "10.0.0.0/8", Some(ip("192.168.1.5")), Some(true)).0,
            Reach::Reachable
        );
        // Same private network by address.
        assert_eq!(
            judge_private(be, "10.0.0.0/8", Some(ip("10.0.9.9")), Some(false)).0,
            Reach::Reachable
        );
        // Another private network: maybe peered.
        assert_eq!(
            judge_private(be, "10.0.0.0/8", Some(ip("172.31.4.4")), Some(false)).0,
            Reach::Unsure
        );
        // A public source over the default route: the internet does not route 10/8.
        assert_eq!(
            judge_private(be, "10.0.0.0/8", Some(ip("203.0.113.7")), Some(false)).0,
            Reach::Unreachable
        );
    }

    #[test]
    fn proc_net_route_is_read() {
        let table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                     eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n\
                     eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n";
        assert!(specific_route_in(table, "192.168.1.77".parse().unwrap()));
        assert!(!specific_route_in(table, "10.0.0.1".parse().unwrap()));
    }
}
