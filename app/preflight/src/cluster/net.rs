//! DNS and TCP: resolving a host and connecting to its addresses with a timeout, failures
//! classified (refused, timed out). The Stream Load checks use them too.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub(crate) struct Resolved {
    pub addrs: Vec<SocketAddr>,
    pub detail: String,
}

/// Resolves `host` (an IP literal resolves to itself) within `timeout`.
pub(crate) async fn resolve(host: &str, port: u16, timeout: Duration) -> Result<Resolved, String> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(Resolved {
            addrs: vec![SocketAddr::new(ip, port)],
            detail: format!("{host} is an IP address: nothing to resolve"),
        });
    }
    let started = Instant::now();
    match tokio::time::timeout(timeout, tokio::net::lookup_host((host, port))).await {
        Err(_) => Err(format!(
            "the DNS lookup did not answer within {} ms",
            timeout.as_millis()
        )),
        Ok(Err(e)) => Err(format!("the name does not resolve ({e})")),
        Ok(Ok(it)) => {
            let mut addrs: Vec<SocketAddr> = Vec::new();
            for a in it {
                if !addrs.contains(&a) {
                    addrs.push(a);
                }
            }
            if addrs.is_empty() {
                return Err("the name resolves to no address".into());
            }
            let list: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
            Ok(Resolved {
                detail: format!(
                    "{host} → {} ({} ms)",
                    list.join(", "),
                    started.elapsed().as_millis()
                ),
                addrs,
            })
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TcpFailKind {
    Refused,
    Timeout,
    Other,
}

/// What to do about a dropped connect to `port`: an inbound rule for this machine; `or_else`
/// may add another way out.
pub(crate) fn no_route_remediation(port: u16, or_else: &str) -> String {
    format!(
        "no route: the security group or network blocks port {port} from this machine; add an inbound rule for this machine's address (see the Security groups checks){or_else}."
    )
}

/// What to do about a connect to `authority` that failed otherwise: look at this machine's
/// network and at `setting`.
pub(crate) fn unreachable_remediation(authority: &str, setting: &str) -> String {
    format!(
        "This machine cannot open a TCP connection to {authority}: check its network (VPN, proxy, firewall) and {setting}."
    )
}

pub(crate) struct TcpFailure {
    pub kind: TcpFailKind,
    pub detail: String,
}

/// Connects to each address in turn until one accepts; `timeout` per address.
pub(crate) async fn tcp_connect(
    addrs: &[SocketAddr],
    timeout: Duration,
) -> Result<String, TcpFailure> {
    let mut tried = Vec::new();
    let mut kinds = Vec::new();
    for addr in addrs {
        let started = Instant::now();
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_)) => {
                let mut detail = format!(
                    "TCP connect to {addr} succeeded in {} ms",
                    started.elapsed().as_millis()
                );
                if !tried.is_empty() {
                    detail.push_str(&format!(" (before that: {})", tried.join("; ")));
                }
                return Ok(detail);
            }
            Ok(Err(e)) => {
                let kind = match e.kind() {
                    std::io::ErrorKind::ConnectionRefused => TcpFailKind::Refused,
                    std::io::ErrorKind::TimedOut => TcpFailKind::Timeout,
                    _ => TcpFailKind::Other,
                };
                kinds.push(kind);
                tried.push(format!(
                    "{addr}: {}",
                    if kind == TcpFailKind::Refused {
                        format!("connection refused ({e}): nothing listens on that port")
                    } else {
                        e.to_string()
                    }
                ));
            }
            Err(_) => {
                kinds.push(TcpFailKind::Timeout);
                tried.push(format!(
                    "{addr}: no answer within {} ms (packets dropped: a security group or firewall, or no route)",
                    timeout.as_millis()
                ));
            }
        }
    }
    // A timeout anywhere means a filter on the way; all refused means a wrong port.
    let kind = if kinds.contains(&TcpFailKind::Timeout) {
        TcpFailKind::Timeout
    } else if !kinds.is_empty() && kinds.iter().all(|k| *k == TcpFailKind::Refused) {
        TcpFailKind::Refused
    } else {
        TcpFailKind::Other
    };
    Err(TcpFailure {
        kind,
        detail: format!("TCP connect: {}", tried.join("; ")),
    })
}
