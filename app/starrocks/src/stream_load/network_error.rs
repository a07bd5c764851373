//! Transport failures (connect, DNS, TLS, timeouts) classified into the [`LoadError`] the caller
//! acts on, with the reason spelled out.

use super::redirects::{Hop, authority};
use crate::error::{LoadError, UnreachableKind};
use ks_core::Label;
use std::time::Duration;

/// A transport error → the classified error for the address it happened on.
pub(super) fn connect_error(
    e: reqwest::Error,
    label: &Label,
    hop: &Hop,
    timeout: Duration,
    connect_timeout: Duration,
) -> LoadError {
    let address = authority(&hop.url);
    let reason = error_chain(&e);
    let redirected = hop.hops > 0;
    if e.is_connect() {
        let kind = connect_kind(&e);
        if redirected || matches!(kind, UnreachableKind::Dns | UnreachableKind::Tls) {
            return LoadError::Unreachable {
                label: label.to_string(),
                address,
                reason,
                kind,
                redirected,
                via: hop.via.clone(),
            };
        }
        let port = hop.url.port_or_known_default().unwrap_or(0);
        let reason = if kind == UnreachableKind::Timeout {
            format!(
                "the connection to {address} timed out after {} ms (sink.connect-timeout-ms): \
                 packets to port {port} are dropped (a security group or firewall), or the host is down",
                connect_timeout.as_millis()
            )
        } else {
            format!(
                "cannot connect to {address} ({reason}); StarRocks may be down or restarting, or this machine is not allowed on port {port} (security group inbound rule)"
            )
        };
        return LoadError::Transient {
            label: label.to_string(),
            node: address.clone(),
            reason,
        };
    }
    if e.is_timeout() {
        return LoadError::Transient {
            label: label.to_string(),
            node: address.clone(),
            reason: format!(
                "no answer from {address} within {} s (sink.socket-timeout-ms); the load may still finish on the server",
                timeout.as_secs_f64()
            ),
        };
    }
    LoadError::Transient {
        label: label.to_string(),
        node: address.clone(),
        reason: format!("the request to {address} failed: {reason}"),
    }
}

/// An error and its sources, joined: reqwest's own `Display` is often just "error sending request".
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = s.source();
    }
    parts.join(": ")
}

fn connect_kind(e: &reqwest::Error) -> UnreachableKind {
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    let mut text = String::new();
    while let Some(s) = cur {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return UnreachableKind::Refused,
                std::io::ErrorKind::TimedOut => return UnreachableKind::Timeout,
                _ => {}
            }
        }
        if s.downcast_ref::<rustls::Error>().is_some() {
            return UnreachableKind::Tls;
        }
        text.push_str(&s.to_string().to_ascii_lowercase());
        text.push(' ');
        cur = s.source();
    }
    if text.contains("dns error")
        || text.contains("failed to lookup address")
        || text.contains("name or service not known")
        || text.contains("no such host")
    {
        UnreachableKind::Dns
    } else if text.contains("connection refused") {
        UnreachableKind::Refused
    } else if e.is_timeout() || text.contains("timed out") || text.contains("deadline has elapsed")
    {
        UnreachableKind::Timeout
    } else if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
        UnreachableKind::Tls
    } else {
        UnreachableKind::Other
    }
}
