//! Reading requests: headers, the Stream Load path, query parameters, load parameters and the
//! body.

use crate::load::{self, LoadParams};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::Request;
use hyper::body::Incoming;
use hyper::header::HeaderMap;

/// A header's value as UTF-8 (StarRocks reads `columns` and `jsonpaths` naming 价格 that way;
/// `to_str` would refuse anything beyond visible ASCII).
pub(super) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
        .map(|s| s.trim().to_string())
}

/// `/api/{db}/{table}/_stream_load` → (db, table).
pub(super) fn stream_load_path(path: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["api", db, table, "_stream_load"] => Some((pct_decode(db), pct_decode(table))),
        _ => None,
    }
}

pub(super) fn pct_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(
                std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"),
                16,
            )
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn query_param(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.uri().query().and_then(|q| {
        q.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == name).then(|| pct_decode(v))
        })
    })
}

pub(super) fn params_of(headers: &HeaderMap) -> Result<LoadParams, String> {
    load::parse_params(&|name: &str| header(headers, name))
}

pub(super) async fn read_body(body: Incoming) -> Result<Bytes, String> {
    body.collect()
        .await
        .map(|b| b.to_bytes())
        .map_err(|e| format!("receive body failed: {e}"))
}
