//! The `/_sim/…` admin endpoints: fault injection, outages and the recorded requests.

use super::response::{Resp, respond};
use crate::SimContext;
use crate::faults::Fault;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

pub(super) async fn admin(req: Request<Incoming>, ctx: &SimContext) -> Resp {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match (method, path.as_str()) {
        (Method::POST, "/_sim/faults") => {
            let times = parsed.get("times").and_then(Value::as_u64).unwrap_or(1) as usize;
            match parsed
                .get("fault")
                .cloned()
                .map(serde_json::from_value::<Fault>)
            {
                Some(Ok(fault)) => {
                    ctx.faults.inject(fault, times);
                    respond(
                        StatusCode::OK,
                        "application/json",
                        json!({"queued": ctx.faults.pending()}).to_string(),
                    )
                }
                Some(Err(e)) => respond(
                    StatusCode::BAD_REQUEST,
                    "text/plain",
                    format!("bad fault: {e}\n"),
                ),
                None => respond(
                    StatusCode::BAD_REQUEST,
                    "text/plain",
                    "expected {\"fault\": {\"kind\": …}, \"times\": N}\n".into(),
                ),
            }
        }
        (Method::GET, "/_sim/faults") => respond(
            StatusCode::OK,
            "application/json",
            json!({"queued": ctx.faults.pending()}).to_string(),
        ),
        (Method::DELETE, "/_sim/faults") => {
            ctx.faults.clear();
            respond(StatusCode::OK, "application/json", "{}".into())
        }
        (Method::POST, "/_sim/down") => {
            let secs = parsed.get("seconds").and_then(Value::as_f64).unwrap_or(1.0);
            ctx.faults.go_down(Duration::from_secs_f64(secs.max(0.0)));
            respond(
                StatusCode::OK,
                "application/json",
                json!({"down_for_seconds": secs}).to_string(),
            )
        }
        (Method::GET, "/_sim/requests") => respond(
            StatusCode::OK,
            "application/json",
            serde_json::to_string(&ctx.faults.requests()).unwrap_or_default(),
        ),
        (Method::DELETE, "/_sim/requests") => {
            ctx.faults.clear_requests();
            respond(StatusCode::OK, "application/json", "{}".into())
        }
        _ => respond(
            StatusCode::NOT_FOUND,
            "text/plain",
            "unknown admin endpoint\n".into(),
        ),
    }
}
