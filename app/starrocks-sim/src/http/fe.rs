//! The FE port: auth and the `Expect: 100-continue` rule, then 307 to the BE for loads and the
//! transaction API; `get_load_state`, `_cancel`, and `Not implemented` for other `/api/…`.

use super::admin::admin;
use super::auth::{Auth, check_auth, insert_denied};
use super::request::{header, pct_decode, query_param, stream_load_path};
use super::response::{LoadStatus, Resp, json_resp, respond, rest_failed, unauthorized};
use crate::SimContext;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Method, Request, StatusCode, Version};
use serde_json::json;
use std::net::SocketAddr;

pub(super) async fn fe(req: Request<Incoming>, ctx: &SimContext, peer: SocketAddr) -> Resp {
    let path = req.uri().path().to_string();
    if path.starts_with("/_sim/") {
        return admin(req, ctx).await;
    }
    if let Some((db, table)) = stream_load_path(&path) {
        if req.method() != Method::PUT {
            return rest_failed(
                StatusCode::METHOD_NOT_ALLOWED,
                "Only PUT is supported for stream load",
            );
        }
        if let Some(refusal) = auth_refusal(&req, ctx, peer) {
            return refusal;
        }
        if !ctx.info.may_insert(&db, &table) {
            return unauthorized(&insert_denied(ctx, &table));
        }
        let expects_continue =
            header(req.headers(), "expect").is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));
        if req.version() == Version::HTTP_11 && !expects_continue {
            let mut r = json_resp(
                &json!({
                    "Status": "FAILED",
                    "Message": "class com.starrocks.common.DdlException: There is no 100-continue header"
                }),
                b"  ",
            );
            r.headers_mut()
                .insert("connection", HeaderValue::from_static("close"));
            r.extensions_mut().insert(LoadStatus("FAILED".into()));
            return r;
        }
        return redirect_to_be(&req, ctx);
    }
    if let Some(op) = path.strip_prefix("/api/transaction/") {
        if req.method() != Method::POST && req.method() != Method::PUT {
            return rest_failed(
                StatusCode::METHOD_NOT_ALLOWED,
                "Only POST and PUT are supported",
            );
        }
        if let Some(refusal) = auth_refusal(&req, ctx, peer) {
            return refusal;
        }
        if !["begin", "load", "prepare", "commit", "rollback"].contains(&op) {
            return json_resp(
                &json!({"Status": "FAILED", "Message": format!("Unknown transaction operation: {op}")}),
                b"  ",
            );
        }
        if header(req.headers(), "label").is_none_or(|l| l.is_empty()) {
            return json_resp(
                &json!({"Status": "FAILED", "Message": "empty label"}),
                b"  ",
            );
        }
        return redirect_to_be(&req, ctx);
    }
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["api", db, "get_load_state"] if req.method() == Method::GET => {
            if let Some(refusal) = auth_refusal(&req, ctx, peer) {
                return refusal;
            }
            let Some(label) = query_param(&req, "label") else {
                return rest_failed(StatusCode::OK, "No label selected.");
            };
            let db = pct_decode(db);
            if !ctx.catalog.database_exists(&db) {
                return rest_failed(StatusCode::OK, &format!("unknown database, database={db}"));
            }
            let (state, reason) = match ctx.catalog.label(&db, &label) {
                Some(rec) => (rec.state.name().to_string(), rec.reason),
                None => ("UNKNOWN".to_string(), String::new()),
            };
            let body = json!({"status": "OK", "code": "0", "msg": "Success", "message": "Success", "state": state, "reason": reason});
            respond(StatusCode::OK, "application/json", body.to_string())
        }
        ["api", db, _table, "_cancel"] if req.method() == Method::POST => {
            if let Some(refusal) = auth_refusal(&req, ctx, peer) {
                return refusal;
            }
            let Some(label) = query_param(&req, "label") else {
                return rest_failed(StatusCode::OK, "No label selected.");
            };
            match ctx.catalog.abort(&pct_decode(db), &label, "user cancelled") {
                Ok(_) => respond(
                    StatusCode::OK,
                    "application/json",
                    json!({"status": "OK", "code": "0", "msg": "Success", "message": "Success"})
                        .to_string(),
                ),
                Err(e) => rest_failed(StatusCode::OK, &e.to_string()),
            }
        }
        ["api", ..] => respond(
            StatusCode::NOT_FOUND,
            "application/json",
            json!({"status": "FAILED", "msg": "Not implemented"}).to_string(),
        ),
        _ => respond(StatusCode::NOT_FOUND, "text/plain", "Not Found\n".into()),
    }
}

/// The FE's 401 when the request's Basic auth is missing or wrong; `None` when it is good.
fn auth_refusal(req: &Request<Incoming>, ctx: &SimContext, peer: SocketAddr) -> Option<Resp> {
    match check_auth(req.headers(), ctx, peer) {
        Auth::Ok => None,
        Auth::Missing => Some(unauthorized("Need auth information.")),
        Auth::Denied(m) => Some(unauthorized(&m)),
    }
}

/// 307 to the BE with the original path and query, without reading the body.
fn redirect_to_be(req: &Request<Incoming>, ctx: &SimContext) -> Resp {
    let host = if ctx.info.be_host.contains(':') && !ctx.info.be_host.starts_with('[') {
        format!("[{}]", ctx.info.be_host)
    } else {
        ctx.info.be_host.clone()
    };
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| req.uri().path().to_string());
    let location = format!(
        "http://{host}:{}{path_and_query}",
        ctx.info.be_redirect_port
    );
    let mut r = respond(StatusCode::TEMPORARY_REDIRECT, "text/plain", String::new());
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert("location", v);
    }
    r.headers_mut()
        .insert("connection", HeaderValue::from_static("close"));
    r
}
