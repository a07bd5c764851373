//! `load.http`'s probe: the HTTP client the checks share, and DNS, TCP, then one GET of each
//! load-url, with the remediation for each way it fails.

use super::error_chain;
use crate::PreflightContext;
use crate::cluster::{
    TcpFailKind, no_route_remediation, resolve, tcp_connect, unreachable_remediation,
};
use ks_core::config::LoadUrl;
use std::time::{Duration, Instant};

pub(super) fn http_client(ctx: &PreflightContext) -> Result<reqwest::Client, String> {
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
pub(super) async fn probe_http(
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
            TcpFailKind::Timeout => no_route_remediation(url.port, ""),
            TcpFailKind::Other => unreachable_remediation(&url.authority(), "sink.load-url"),
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
