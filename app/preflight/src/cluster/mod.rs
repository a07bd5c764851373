//! The Cluster checks: the jdbc-url side (DNS, TCP, TLS, MySQL login, version, grants).
//!
//! TLS is negotiated inside the MySQL handshake (SSLRequest before the login packet), and whether
//! a server *requires* TLS only shows at the login (ERROR 3159). So `cluster.tls` and
//! `cluster.login` are both read from one [`ks_starrocks::MysqlAdmin::connect`] attempt: a TLS
//! failure or a 3159 fails `cluster.tls` (the login is then skipped), a 1045 passes `cluster.tls`
//! (the handshake got as far as the password) and fails `cluster.login`.

mod grants;
mod login;
mod net;
#[cfg(test)]
mod tests;

pub(crate) use net::{
    TcpFailKind, no_route_remediation, resolve, tcp_connect, unreachable_remediation,
};

use crate::{Checklist, PreflightContext};
use grants::grants_check;
use ks_core::check::{CheckGroup, CheckResult, CheckStatus};
use ks_core::config::{JdbcUrl, PasswordError, keyring_account};
use ks_starrocks::AdminError;
pub(crate) use login::{log_in, login_timeout};
use login::{login_failure, tls_pass_detail};
use std::time::Instant;

const G: CheckGroup = CheckGroup::Cluster;

pub const DNS: &str = "cluster.dns";
pub const TCP: &str = "cluster.tcp";
pub const TLS: &str = "cluster.tls";
pub const LOGIN: &str = "cluster.login";
pub const VERSION: &str = "cluster.version";
pub const GRANTS: &str = "cluster.grants";

pub async fn run(ctx: &PreflightContext, list: &mut Checklist<'_>) {
    let sink = &ctx.config.sink;
    let Some(jdbc) = sink.jdbc_url.as_ref() else {
        list.push(CheckResult::fail(
            G,
            DNS,
            "DNS of the jdbc-url host",
            "sink.jdbc-url is not set",
            "Set sink.jdbc-url = \"jdbc:mysql://<FE host>:9030\" (CelerData: the query endpoint shown in the console).",
        ));
        skip_from(list, jdbc_titles(None), 1, DNS);
        return;
    };
    let titles = jdbc_titles(Some(jdbc));

    // DNS
    list.begin(DNS, &titles[0]);
    let addrs = match resolve(&jdbc.host, jdbc.port, ctx.timeout).await {
        Ok(r) => {
            list.push(CheckResult::pass(G, DNS, &titles[0], r.detail.clone()));
            r.addrs
        }
        Err(why) => {
            list.push(CheckResult::fail(
                G,
                DNS,
                &titles[0],
                format!("resolving {}: {why}", jdbc.host),
                format!(
                    "The host {} in sink.jdbc-url does not resolve: copy the query endpoint from the CelerData console (or the FE host name/address of a self-managed cluster) into sink.jdbc-url.",
                    jdbc.host
                ),
            ));
            skip_from(list, titles, 1, DNS);
            return;
        }
    };

    // TCP
    list.begin(TCP, &titles[1]);
    match tcp_connect(&addrs, ctx.timeout).await {
        Ok(detail) => list.push(CheckResult::pass(G, TCP, &titles[1], detail)),
        Err(failure) => {
            let remediation = match failure.kind {
                TcpFailKind::Refused => format!(
                    "Nothing listens on {}: check the port in sink.jdbc-url (the FE query port, 9030 unless the cluster changed query_port) and that the FE is running.",
                    jdbc.authority()
                ),
                TcpFailKind::Timeout => {
                    no_route_remediation(jdbc.port, " or run from inside the cluster's network")
                }
                TcpFailKind::Other => {
                    unreachable_remediation(&jdbc.authority(), "the address in sink.jdbc-url")
                }
            };
            list.push(CheckResult::fail(
                G,
                TCP,
                &titles[1],
                failure.detail,
                remediation,
            ));
            skip_from(list, titles, 2, TCP);
            return;
        }
    }

    // TLS + login (one handshake, see the module docs)
    let Some(password) = ctx.password.as_ref() else {
        list.push(CheckResult {
            status: CheckStatus::Skipped,
            ..CheckResult::pass(
                G,
                TLS,
                &titles[2],
                "not tested: TLS is negotiated during the MySQL login, and there is no password to log in with (see cluster.login)",
            )
        });
        let err = PasswordError::NotFound {
            account: keyring_account(sink),
            keyring_error: None,
        };
        list.push(CheckResult::fail(
            G,
            LOGIN,
            &titles[3],
            err.to_string(),
            "Give the StarRocks password one of three ways: password-file = \"…\" in [sink], the STARROCKS_PASSWORD environment variable, or the OS keyring (`kinesis-starrocks secret set --config FILE` or the app's Cluster step).",
        ));
        skip_from(list, titles, 4, LOGIN);
        return;
    };
    let mode = sink.ssl_mode;
    list.begin(LOGIN, &titles[3]);
    let started = Instant::now();
    let attempt = log_in(ctx, jdbc, password).await;
    let ms = started.elapsed().as_millis();
    let admin = match attempt {
        Err(_) => {
            list.push(CheckResult::fail(
                G,
                TLS,
                &titles[2],
                format!(
                    "the MySQL handshake with {} (ssl-mode {}) did not finish within {} ms",
                    jdbc.authority(),
                    mode.as_str(),
                    login_timeout(ctx).as_millis()
                ),
                format!(
                    "Failed to get StarRocks version (FAQ 2): {} accepts TCP but does not complete a MySQL handshake, so sink.jdbc-url is wrong: it must name the FE query port (9030; CelerData: the console's query endpoint), not the HTTP port (8030) or another service.",
                    jdbc.authority()
                ),
            ));
            skip_from(list, titles, 3, TLS);
            return;
        }
        Ok(Ok(admin)) => {
            list.push(CheckResult::pass(
                G,
                TLS,
                &titles[2],
                tls_pass_detail(mode, admin.is_tls(), jdbc, sink.ssl_ca.as_deref()),
            ));
            list.push(CheckResult::pass(
                G,
                LOGIN,
                &titles[3],
                format!(
                    "logged in to {} as {:?} ({}) in {ms} ms",
                    jdbc.authority(),
                    sink.username,
                    if admin.is_tls() {
                        "TLS"
                    } else {
                        "not encrypted"
                    }
                ),
            ));
            admin
        }
        Ok(Err(e)) => {
            login_failure(list, &titles, jdbc, &sink.username, mode, e);
            return;
        }
    };

    // Version (the connector's first query; FAQ 2)
    list.begin(VERSION, &titles[4]);
    match tokio::time::timeout(ctx.timeout, admin.version()).await {
        // Several loads in flight commit in order through the transaction API (StarRocks 2.4+).
        Ok(Ok(v)) if ctx.config.sink.max_inflight_loads > 1 && (v.major, v.minor) < (2, 4) => {
            list.push(CheckResult::fail(
                G,
                VERSION,
                &titles[4],
                format!(
                    "select current_version() → {:?}: StarRocks {v} has no Stream Load transaction API (it came with 2.4), which sink.max-inflight-loads = {} needs",
                    v.text, ctx.config.sink.max_inflight_loads
                ),
                "Set sink.max-inflight-loads = 1 (one plain Stream Load at a time), or upgrade StarRocks to 2.4 or later.",
            ))
        }
        Ok(Ok(v)) => list.push(CheckResult::pass(
            G,
            VERSION,
            &titles[4],
            format!("select current_version() → {:?} (StarRocks {v})", v.text),
        )),
        other => {
            let why = match other {
                Ok(Err(AdminError::Version { message })) => message,
                Ok(Err(e)) => e.to_string(),
                Err(_) => format!("no answer within {} ms", ctx.timeout.as_millis()),
                Ok(Ok(_)) => unreachable!("handled above"),
            };
            list.push(CheckResult::fail(
                G,
                VERSION,
                &titles[4],
                format!("Failed to get StarRocks version: select current_version() on {}: {why}", jdbc.authority()),
                "Failed to get StarRocks version: sink.jdbc-url must point at a StarRocks FE query port (9030 by default; CelerData: the console's query endpoint), not at another MySQL server or the HTTP port.",
            ));
            skip_from(list, titles, 5, VERSION);
            return;
        }
    }

    // Grants
    list.begin(GRANTS, &titles[5]);
    list.push(grants_check(ctx, &admin, &titles[5]).await);
}

/// Titles of the six checks, in order.
fn jdbc_titles(jdbc: Option<&JdbcUrl>) -> Vec<String> {
    let (host, port) = jdbc
        .map(|j| (j.host.clone(), j.port.to_string()))
        .unwrap_or_else(|| ("the jdbc-url host".into(), "9030".into()));
    vec![
        format!("DNS of {host}"),
        format!("TCP to {port}"),
        "TLS".into(),
        "MySQL login".into(),
        "StarRocks version".into(),
        "Grants (INSERT, CREATE TABLE)".into(),
    ]
}

const IDS: [&str; 6] = [DNS, TCP, TLS, LOGIN, VERSION, GRANTS];

/// Pushes checks `from..` as skipped because `because` failed.
fn skip_from(list: &mut Checklist<'_>, titles: Vec<String>, from: usize, because: &str) {
    for (id, title) in IDS.iter().zip(titles).skip(from) {
        list.push(CheckResult::skipped(G, id, title, because));
    }
}
