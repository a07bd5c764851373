//! The BE port's routes: Stream Load, the transaction API and `/api/_load_error_log`.

use super::request::{query_param, stream_load_path};
use super::response::{Resp, respond};
use super::stream_load::stream_load;
use super::transaction::transaction;
use crate::SimContext;
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use std::net::SocketAddr;

pub(super) async fn be(req: Request<Incoming>, ctx: &SimContext, peer: SocketAddr) -> Resp {
    let path = req.uri().path().to_string();
    if let Some((db, table)) = stream_load_path(&path) {
        if req.method() != Method::PUT {
            return respond(
                StatusCode::METHOD_NOT_ALLOWED,
                "text/plain",
                "Method Not Allowed\n".into(),
            );
        }
        return stream_load(req, ctx, peer, db, table).await;
    }
    if let Some(op) = path.strip_prefix("/api/transaction/") {
        return transaction(req, ctx, peer, op.to_string()).await;
    }
    if path == "/api/_load_error_log" {
        let file = query_param(&req, "file").unwrap_or_default();
        return match ctx.catalog.error_log(&file) {
            Some(lines) => {
                let mut text = lines.join("\n");
                text.push('\n');
                respond(StatusCode::OK, "text/plain; charset=UTF-8", text)
            }
            None => respond(
                StatusCode::NOT_FOUND,
                "text/plain",
                format!("error log file {file} not found\n"),
            ),
        };
    }
    respond(StatusCode::NOT_FOUND, "text/plain", "Not Found\n".into())
}
