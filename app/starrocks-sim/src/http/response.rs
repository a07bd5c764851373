//! Building responses: plain, JSON (with StarRocks' indentation), RestBaseResult failures and
//! 401s, and the marks the request recorder reads.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::HeaderValue;
use hyper::{Response, StatusCode};
use serde_json::{Value, json};

pub(super) type Resp = Response<Full<Bytes>>;

/// Set on a response so the request recorder knows what a load answered.
#[derive(Clone)]
pub(super) struct LoadStatus(pub(super) String);
#[derive(Clone, Copy)]
pub(super) struct BodyBytes(pub(super) u64);

pub(super) fn respond(status: StatusCode, content_type: &str, body: String) -> Resp {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        "content-type",
        HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("text/plain")),
    );
    r
}

/// A JSON body: BE answers are rapidjson-pretty (4 spaces), FE `TransactionResult` Gson-pretty (2).
fn json_body(v: &Value, indent: &[u8]) -> String {
    use serde::Serialize;
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(indent);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    let _ = v.serialize(&mut ser);
    String::from_utf8(out).unwrap_or_default()
}

pub(super) fn json_resp(v: &Value, indent: &[u8]) -> Resp {
    respond(
        StatusCode::OK,
        "application/json; charset=UTF-8",
        json_body(v, indent),
    )
}

/// RestBaseResult: `{"status":"FAILED","code":"1","msg":…,"message":…}`.
pub(super) fn rest_failed(status: StatusCode, msg: &str) -> Resp {
    let body = json!({"status": "FAILED", "code": "1", "msg": msg, "message": msg});
    respond(status, "application/json", body.to_string())
}

pub(super) fn unauthorized(msg: &str) -> Resp {
    let mut r = rest_failed(StatusCode::UNAUTHORIZED, msg);
    r.headers_mut().insert(
        "www-authenticate",
        HeaderValue::from_static("Basic realm=\"\""),
    );
    r
}
