//! `load.redirect`: where the FE's 307 points, judged address by address without connecting to
//! anything but loopback.

use super::address::{
    AddrClass, Reach, classify_ip, has_specific_route, judge_private, route_source,
};
use super::{G, REDIRECT, REDIRECT_FIXES, REDIRECT_TITLE};
use crate::PreflightContext;
use crate::cluster::{resolve, tcp_connect};
use ks_core::check::CheckResult;
use ks_core::config::LoadUrl;
use reqwest::Url;
use std::net::SocketAddr;
use std::time::Duration;

pub(super) async fn redirect_check(
    ctx: &PreflightContext,
    base: &LoadUrl,
    location: &str,
) -> CheckResult {
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
