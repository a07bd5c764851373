//! HTTP Basic auth against the configured user, and the INSERT-privilege denial message.

use super::request::header;
use crate::SimContext;
use base64::Engine;
use hyper::header::HeaderMap;
use std::net::SocketAddr;

pub(super) enum Auth {
    Ok,
    Missing,
    Denied(String),
}

pub(super) fn check_auth(headers: &HeaderMap, ctx: &SimContext, peer: SocketAddr) -> Auth {
    let Some(value) = header(headers, "authorization") else {
        return Auth::Missing;
    };
    let Some(encoded) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    else {
        return Auth::Missing;
    };
    let decoded = match base64::engine::general_purpose::STANDARD.decode(encoded.trim()) {
        Ok(d) => String::from_utf8_lossy(&d).into_owned(),
        Err(_) => return Auth::Missing,
    };
    let (user, password) = decoded.split_once(':').unwrap_or((&decoded, ""));
    if user == ctx.info.user && password == ctx.info.password {
        Auth::Ok
    } else {
        Auth::Denied(format!("Access denied for {user}@{}", peer.ip()))
    }
}

pub(super) fn insert_denied(ctx: &SimContext, table: &str) -> String {
    let _ = ctx;
    format!(
        "Access denied; you need (at least one of) the INSERT privilege(s) on TABLE {table} for this operation. \
         Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. \
         Current role(s): NONE. Inactivated role(s): NONE."
    )
}
