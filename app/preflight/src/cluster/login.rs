//! What `cluster.tls` and `cluster.login` say about one connect attempt: the pass detail per
//! ssl-mode, and the failure (TLS refused, not offered, untrusted; access denied) with its fix.

use super::{G, LOGIN, TLS, skip_from};
use crate::{Checklist, PreflightContext};
use ks_core::Secret;
use ks_core::check::CheckResult;
use ks_core::config::{JdbcUrl, SslMode};
use ks_starrocks::{AdminError, MysqlAdmin};
use std::time::Duration;

/// How long one login may take: the TCP connect, the TLS handshake and the login are three
/// round trips at least.
pub(crate) fn login_timeout(ctx: &PreflightContext) -> Duration {
    ctx.timeout * 2
}

/// Logs in to `jdbc` as the sink's user with the sink's TLS settings, within [`login_timeout`];
/// `Err(Elapsed)` when that ran out.
pub(crate) async fn log_in(
    ctx: &PreflightContext,
    jdbc: &JdbcUrl,
    password: &Secret,
) -> Result<Result<MysqlAdmin, AdminError>, tokio::time::error::Elapsed> {
    let sink = &ctx.config.sink;
    tokio::time::timeout(
        login_timeout(ctx),
        MysqlAdmin::connect_with_ca(
            jdbc,
            &sink.username,
            password,
            sink.ssl_mode,
            sink.ssl_ca.clone(),
            ctx.timeout,
        ),
    )
    .await
}

/// What a TLS check that passed says, per ssl-mode.
pub(super) fn tls_pass_detail(
    mode: SslMode,
    tls: bool,
    jdbc: &JdbcUrl,
    ca: Option<&std::path::Path>,
) -> String {
    let ca = ca
        .map(|p| {
            format!(
                " (trusting {} in addition to the system roots)",
                p.display()
            )
        })
        .unwrap_or_default();
    match (mode, tls) {
        (SslMode::Disabled, _) => format!(
            "ssl-mode disabled: plain connection to {}; the server did not ask for TLS (traffic, including the login, is not encrypted)",
            jdbc.authority()
        ),
        (SslMode::Preferred, false) => format!(
            "ssl-mode preferred: {} does not offer TLS on its MySQL port, so the connection fell back to plain (not encrypted)",
            jdbc.authority()
        ),
        (SslMode::Preferred | SslMode::Required, true) => format!(
            "ssl-mode {}: TLS handshake with {} completed; the certificate is not verified in this mode (verify-ca checks the chain, verify-identity also the name)",
            mode.as_str(),
            jdbc.authority()
        ),
        (SslMode::VerifyCa, _) => format!(
            "ssl-mode verify-ca: TLS handshake with {} completed and the certificate chains to a trusted CA{ca} (the host name is not checked in this mode)",
            jdbc.authority()
        ),
        (SslMode::VerifyIdentity, _) => format!(
            "ssl-mode verify-identity: TLS handshake with {} completed, the certificate chains to a trusted CA{ca} and names {}",
            jdbc.authority(),
            jdbc.host
        ),
        (SslMode::Required, false) => format!(
            "ssl-mode required but the session is not encrypted ({})",
            jdbc.authority()
        ),
    }
}

/// `cluster.tls` and `cluster.login` (and the skips after them) for a failed connect.
pub(super) fn login_failure(
    list: &mut Checklist<'_>,
    titles: &[String],
    jdbc: &JdbcUrl,
    user: &str,
    mode: SslMode,
    e: AdminError,
) {
    let detail = format!("ssl-mode {}: {e}", mode.as_str());
    let tls_fail =
        |remediation: String| CheckResult::fail(G, TLS, &titles[2], detail.clone(), remediation);
    let tls_result = match &e {
        AdminError::TlsRequired { .. } => Some(tls_fail(format!(
            "{} refuses connections without TLS (CelerData always does): set ssl-mode = \"required\" in [sink] (or \"verify-identity\" to also check the certificate).",
            jdbc.authority()
        ))),
        AdminError::TlsNotOffered { .. } => Some(tls_fail(format!(
            "{} does not offer TLS on its MySQL port: set ssl-mode = \"preferred\" (or \"disabled\") for a self-managed cluster without TLS, or enable TLS on the FE.",
            jdbc.authority()
        ))),
        AdminError::Tls { .. } => Some(tls_fail(match mode {
            SslMode::VerifyCa | SslMode::VerifyIdentity => format!(
                "The server certificate of {} did not verify: set sink.ssl-ca to the PEM of the CA that signed it (a private CA){}, or use ssl-mode = \"required\" to encrypt without verifying.",
                jdbc.authority(),
                if mode == SslMode::VerifyIdentity {
                    ", connect with the host name the certificate was issued for"
                } else {
                    ""
                }
            ),
            _ => format!(
                "The TLS handshake with {} failed: check that sink.jdbc-url names the FE query port (9030) and that the FE's TLS is configured.",
                jdbc.authority()
            ),
        })),
        AdminError::Unreachable { .. } | AdminError::Other { .. } => Some(tls_fail(format!(
            "Failed to get StarRocks version (FAQ 2): the connection to {} broke during the MySQL handshake, so sink.jdbc-url is wrong: it must name the FE query port (9030; CelerData: the console's query endpoint), not the HTTP port (8030) or another service.",
            jdbc.authority()
        ))),
        _ => None,
    };
    if let Some(r) = tls_result {
        list.push(r);
        skip_from(list, titles.to_vec(), 3, TLS);
        return;
    }
    // The handshake reached the login: TLS (if any) worked.
    list.push(CheckResult::pass(
        G,
        TLS,
        &titles[2],
        match mode {
            SslMode::Disabled => format!(
                "ssl-mode disabled: plain connection to {}; the server did not ask for TLS before the login",
                jdbc.authority()
            ),
            SslMode::Preferred => format!(
                "ssl-mode preferred: the handshake with {} reached the login step (TLS used if the server offers it)",
                jdbc.authority()
            ),
            _ => format!(
                "ssl-mode {}: the TLS handshake with {} completed (the login was then refused, see cluster.login)",
                mode.as_str(),
                jdbc.authority()
            ),
        },
    ));
    let remediation = match &e {
        AdminError::AccessDenied { .. } => format!(
            "StarRocks refused the login of {user:?} (ERROR 1045): fix sink.username or the password (password-file, the STARROCKS_PASSWORD environment variable, or the OS keyring via `kinesis-starrocks secret set --config FILE`)."
        ),
        _ => format!(
            "The login of {user:?} at {} failed: check sink.username, the password and that the user exists on this cluster.",
            jdbc.authority()
        ),
    };
    list.push(CheckResult::fail(
        G,
        LOGIN,
        &titles[3],
        e.to_string(),
        remediation,
    ));
    skip_from(list, titles.to_vec(), 4, LOGIN);
}
