//! The FE and BE HTTP ports.
//!
//! FE (`--http-port`): Basic auth (401 + `WWW-Authenticate` + RestBaseResult), the
//! `Expect: 100-continue` rule, 307 to the BE without reading the body, the transaction API
//! (redirected to the BE too), `get_load_state`, `_cancel`, `Not implemented` for other `/api/…`,
//! and the `/_sim/…` admin endpoints for fault injection.
//!
//! BE (`--be-port`): Stream Load (labels, formats, conversion, filtering, ErrorURL), the
//! transaction API, and `/api/_load_error_log`.

use crate::catalog::{CatalogError, LabelRecord, LoadStats, TxnState};
use crate::faults::{Fault, RecordedRequest, redact_header};
use crate::load::{self, Format, LoadParams};
use crate::{SimContext, catalog::now_ms};
use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode, Version};
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value, json};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

type Resp = Response<Full<Bytes>>;

/// Set on a response so the request recorder knows what a load answered.
#[derive(Clone)]
struct LoadStatus(String);
#[derive(Clone, Copy)]
struct BodyBytes(u64);

pub async fn serve_fe(
    listener: TcpListener,
    ctx: Arc<SimContext>,
    shutdown: watch::Receiver<bool>,
) {
    let faults = ctx.faults.clone();
    crate::faults::accept_loop(listener, faults, shutdown, move |stream, peer| {
        let ctx = ctx.clone();
        async move {
            match ctx.tls.as_ref().map(|t| t.https.clone()) {
                Some(config) => {
                    let acceptor = tokio_rustls::TlsAcceptor::from(config);
                    match acceptor.accept(stream).await {
                        Ok(tls) => serve_conn(TokioIo::new(tls), ctx, peer, Port::Fe).await,
                        Err(e) => tracing::debug!("FE TLS handshake with {peer}: {e}"),
                    }
                }
                None => serve_conn(TokioIo::new(stream), ctx, peer, Port::Fe).await,
            }
        }
    })
    .await;
}

pub async fn serve_be(
    listener: TcpListener,
    ctx: Arc<SimContext>,
    shutdown: watch::Receiver<bool>,
) {
    let faults = ctx.faults.clone();
    crate::faults::accept_loop(listener, faults, shutdown, move |stream, peer| {
        let ctx = ctx.clone();
        async move {
            if is_load_request(&stream).await && ctx.faults.take_if_reset() {
                tracing::info!("fault: resetting the load connection from {peer}");
                let _ = stream.set_zero_linger();
                drop(stream);
                return;
            }
            serve_conn(TokioIo::new(stream), ctx, peer, Port::Be).await
        }
    })
    .await;
}

/// Peeks at the request head: is this a Stream Load / transaction `load`?
async fn is_load_request(stream: &TcpStream) -> bool {
    let mut buf = [0u8; 2048];
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let n = match tokio::time::timeout_at(deadline.into(), stream.peek(&mut buf)).await {
            Ok(Ok(n)) => n,
            _ => return false,
        };
        let head = &buf[..n];
        let line_end = head.windows(2).position(|w| w == b"\r\n");
        if let Some(end) = line_end {
            let line = String::from_utf8_lossy(&head[..end]);
            return line.starts_with("PUT ")
                && (line.contains("/_stream_load") || line.contains("/api/transaction/load"));
        }
        if n == 0 || n == buf.len() {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Port {
    Fe,
    Be,
}

async fn serve_conn<IO>(io: TokioIo<IO>, ctx: Arc<SimContext>, peer: SocketAddr, port: Port)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let faults = ctx.faults.clone();
    let reset = Arc::new(tokio::sync::Notify::new());
    let handle = ResetHandle(reset.clone());
    let service = service_fn(move |mut req: Request<Incoming>| {
        let ctx = ctx.clone();
        req.extensions_mut().insert(handle.clone());
        async move { Ok::<_, Infallible>(recorded(req, ctx, peer, port).await) }
    });
    let conn = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::select! {
        res = conn => if let Err(e) = res {
            tracing::debug!("HTTP connection from {peer}: {e}");
        },
        // An outage drops open (keep-alive) connections too.
        _ = faults.outage_started() => {}
        // A `reset_connection` fault taken on a kept-alive connection (the accept-time check
        // only sees a connection's first request): drop it without answering.
        _ = reset.notified() => {
            tracing::info!("fault: dropping the load connection from {peer} without an answer");
        }
    }
}

/// Lets a request handler drop its own (kept-alive) connection without answering.
#[derive(Clone)]
struct ResetHandle(Arc<tokio::sync::Notify>);

/// Applies a `reset_connection` fault taken on a kept-alive connection: the connection is
/// dropped and this never returns.
async fn reset_this_connection(req: &Request<Incoming>) -> ! {
    if let Some(ResetHandle(n)) = req.extensions().get::<ResetHandle>() {
        n.notify_one();
    }
    std::future::pending().await
}

async fn recorded(
    req: Request<Incoming>,
    ctx: Arc<SimContext>,
    peer: SocketAddr,
    port: Port,
) -> Resp {
    let method = req.method().to_string();
    let uri = req.uri().to_string();
    let version = format!("{:?}", req.version());
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            let v = String::from_utf8_lossy(v.as_bytes());
            (k.to_string(), redact_header(k.as_str(), &v))
        })
        .collect();
    let is_admin = req.uri().path().starts_with("/_sim/");
    let resp = match port {
        Port::Fe => fe(req, &ctx, peer).await,
        Port::Be => be(req, &ctx, peer).await,
    };
    if !is_admin {
        ctx.faults.record(RecordedRequest {
            port: if port == Port::Fe { "fe" } else { "be" }.into(),
            method,
            uri,
            version,
            headers,
            body_bytes: resp
                .extensions()
                .get::<BodyBytes>()
                .map(|b| b.0)
                .unwrap_or(0),
            status: resp.status().as_u16(),
            load_status: resp.extensions().get::<LoadStatus>().map(|s| s.0.clone()),
            at_ms: now_ms(),
        });
    }
    resp
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
}

fn respond(status: StatusCode, content_type: &str, body: String) -> Resp {
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

fn json_resp(v: &Value, indent: &[u8]) -> Resp {
    respond(
        StatusCode::OK,
        "application/json; charset=UTF-8",
        json_body(v, indent),
    )
}

/// RestBaseResult: `{"status":"FAILED","code":"1","msg":…,"message":…}`.
fn rest_failed(status: StatusCode, msg: &str) -> Resp {
    let body = json!({"status": "FAILED", "code": "1", "msg": msg, "message": msg});
    respond(status, "application/json", body.to_string())
}

fn unauthorized(msg: &str) -> Resp {
    let mut r = rest_failed(StatusCode::UNAUTHORIZED, msg);
    r.headers_mut().insert(
        "www-authenticate",
        HeaderValue::from_static("Basic realm=\"\""),
    );
    r
}

enum Auth {
    Ok,
    Missing,
    Denied(String),
}

fn check_auth(headers: &HeaderMap, ctx: &SimContext, peer: SocketAddr) -> Auth {
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

fn insert_denied(ctx: &SimContext, table: &str) -> String {
    let _ = ctx;
    format!(
        "Access denied; you need (at least one of) the INSERT privilege(s) on TABLE {table} for this operation. \
         Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. \
         Current role(s): NONE. Inactivated role(s): NONE."
    )
}

/// `/api/{db}/{table}/_stream_load` → (db, table).
fn stream_load_path(path: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["api", db, table, "_stream_load"] => Some((pct_decode(db), pct_decode(table))),
        _ => None,
    }
}

fn pct_decode(s: &str) -> String {
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

fn query_param(req: &Request<Incoming>, name: &str) -> Option<String> {
    req.uri().query().and_then(|q| {
        q.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == name).then(|| pct_decode(v))
        })
    })
}

// ---------------------------------------------------------------------------------------------
// FE

async fn fe(req: Request<Incoming>, ctx: &SimContext, peer: SocketAddr) -> Resp {
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
        match check_auth(req.headers(), ctx, peer) {
            Auth::Ok => {}
            Auth::Missing => return unauthorized("Need auth information."),
            Auth::Denied(m) => return unauthorized(&m),
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
        match check_auth(req.headers(), ctx, peer) {
            Auth::Ok => {}
            Auth::Missing => return unauthorized("Need auth information."),
            Auth::Denied(m) => return unauthorized(&m),
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
            match check_auth(req.headers(), ctx, peer) {
                Auth::Ok => {}
                Auth::Missing => return unauthorized("Need auth information."),
                Auth::Denied(m) => return unauthorized(&m),
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
            match check_auth(req.headers(), ctx, peer) {
                Auth::Ok => {}
                Auth::Missing => return unauthorized("Need auth information."),
                Auth::Denied(m) => return unauthorized(&m),
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

async fn admin(req: Request<Incoming>, ctx: &SimContext) -> Resp {
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

// ---------------------------------------------------------------------------------------------
// BE

async fn be(req: Request<Incoming>, ctx: &SimContext, peer: SocketAddr) -> Resp {
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

/// The BE's Stream Load answer, in `StreamLoadContext::to_json` key order.
struct LoadAnswer {
    txn_id: i64,
    label: String,
    status: String,
    existing_job_status: Option<&'static str>,
    message: String,
    stats: LoadStats,
    load_time_ms: u64,
    begin_ms: u64,
    read_ms: u64,
    write_ms: u64,
    commit_ms: u64,
    error_url: Option<String>,
}

impl LoadAnswer {
    fn fail(txn_id: i64, label: &str, message: impl Into<String>) -> LoadAnswer {
        LoadAnswer {
            txn_id,
            label: label.to_string(),
            status: "Fail".into(),
            existing_job_status: None,
            message: message.into(),
            stats: LoadStats::default(),
            load_time_ms: 0,
            begin_ms: 0,
            read_ms: 0,
            write_ms: 0,
            commit_ms: 0,
            error_url: None,
        }
    }

    fn into_response(self) -> Resp {
        let mut m = Map::new();
        m.insert("TxnId".into(), json!(self.txn_id));
        m.insert("Label".into(), json!(self.label));
        m.insert("Status".into(), json!(self.status));
        if let Some(s) = self.existing_job_status {
            m.insert("ExistingJobStatus".into(), json!(s));
        }
        m.insert("Message".into(), json!(self.message));
        m.insert("NumberTotalRows".into(), json!(self.stats.total_rows));
        m.insert("NumberLoadedRows".into(), json!(self.stats.loaded_rows));
        m.insert("NumberFilteredRows".into(), json!(self.stats.filtered_rows));
        m.insert(
            "NumberUnselectedRows".into(),
            json!(self.stats.unselected_rows),
        );
        m.insert("LoadBytes".into(), json!(self.stats.load_bytes));
        m.insert("LoadTimeMs".into(), json!(self.load_time_ms));
        m.insert("BeginTxnTimeMs".into(), json!(self.begin_ms));
        m.insert("StreamLoadPlanTimeMs".into(), json!(0));
        m.insert("ReadDataTimeMs".into(), json!(self.read_ms));
        m.insert("WriteDataTimeMs".into(), json!(self.write_ms));
        m.insert("CommitAndPublishTimeMs".into(), json!(self.commit_ms));
        if let Some(url) = self.error_url {
            m.insert("ErrorURL".into(), json!(url));
        }
        let mut r = json_resp(&Value::Object(m), b"    ");
        r.extensions_mut().insert(LoadStatus(self.status));
        r.extensions_mut().insert(BodyBytes(self.stats.load_bytes));
        r
    }
}

fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 128
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b':')
}

fn generated_label() -> String {
    let bytes: [u8; 16] = rand::random();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Stores the filtered rows' lines and returns the ErrorURL pointing at this BE.
fn error_url(ctx: &SimContext, lines: Vec<String>) -> Option<String> {
    if lines.is_empty() {
        return None;
    }
    let a: u64 = rand::random();
    let b: u64 = rand::random();
    let file = format!("error_log_{a:016x}_{b:016x}");
    ctx.catalog.put_error_log(&file, lines);
    Some(format!(
        "http://{}:{}/api/_load_error_log?file={file}",
        ctx.info.be_host, ctx.info.be_redirect_port
    ))
}

/// Whether `filtered` rows fail the load under `max_filter_ratio`.
fn too_many_filtered(stats: &LoadStats, ratio: f64) -> bool {
    let considered = stats.total_rows.saturating_sub(stats.unselected_rows);
    stats.filtered_rows > 0
        && considered > 0
        && (stats.filtered_rows as f64 / considered as f64) > ratio
}

fn params_of(headers: &HeaderMap) -> Result<LoadParams, String> {
    load::parse_params(&|name: &str| header(headers, name))
}

async fn read_body(body: Incoming) -> Result<Bytes, String> {
    body.collect()
        .await
        .map(|b| b.to_bytes())
        .map_err(|e| format!("receive body failed: {e}"))
}

fn decode_body(ctx: &SimContext, params: &LoadParams, raw: &[u8]) -> Result<Vec<u8>, String> {
    let body = load::decompress(raw, params.compression)?;
    let limit = ctx.info.max_json_bytes;
    if params.format == Format::Json && !params.ignore_json_size && body.len() as u64 > limit {
        return Err(format!(
            "The size of this batch exceed the max size [{limit}] of json type data  data [{}]. \
             Set ignore_json_size to skip the check, although it may lead huge memory consuming.",
            body.len()
        ));
    }
    Ok(body)
}

async fn stream_load(
    req: Request<Incoming>,
    ctx: &SimContext,
    peer: SocketAddr,
    db: String,
    table: String,
) -> Resp {
    let started = Instant::now();
    let headers = req.headers().clone();
    let label = header(&headers, "label").unwrap_or_else(generated_label);
    match check_auth(&headers, ctx, peer) {
        Auth::Ok => {}
        Auth::Missing => {
            return LoadAnswer::fail(-1, &label, "no valid Basic authorization").into_response();
        }
        Auth::Denied(m) => return LoadAnswer::fail(-1, &label, m).into_response(),
    }
    if !valid_label(&label) {
        return LoadAnswer::fail(
            -1,
            &label,
            format!("Label format error. regex: ^[-_A-Za-z0-9:]{{1,128}}$, label: {label}"),
        )
        .into_response();
    }
    if !ctx.info.may_insert(&db, &table) {
        return LoadAnswer::fail(-1, &label, insert_denied(ctx, &table)).into_response();
    }
    let params = match params_of(&headers) {
        Ok(p) => p,
        Err(m) => return LoadAnswer::fail(-1, &label, m).into_response(),
    };
    let fault = ctx.faults.take();
    if let Some(Fault::ResetConnection) = &fault {
        reset_this_connection(&req).await;
    }
    if let Some(Fault::HttpStatus { status }) = &fault {
        let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = respond(
            status,
            "text/plain",
            format!("{status}: injected by starrocks-sim\n"),
        );
        r.headers_mut()
            .insert("connection", HeaderValue::from_static("close"));
        return r;
    }
    let begin_started = Instant::now();
    let (txn_id, def) = match ctx.catalog.begin(&db, &table, &label) {
        Ok(t) => t,
        Err(CatalogError::LabelAlreadyExists { label: l, state }) => {
            let mut a = LoadAnswer::fail(-1, &l, format!("Label [{l}] has already been used."));
            a.status = "Label Already Exists".into();
            a.existing_job_status = Some(state.existing_job_status());
            a.load_time_ms = started.elapsed().as_millis() as u64;
            return a.into_response();
        }
        Err(e) => return LoadAnswer::fail(-1, &label, e.to_string()).into_response(),
    };
    let begin_ms = begin_started.elapsed().as_millis() as u64;
    let read_started = Instant::now();
    let raw = match read_body(req.into_body()).await {
        Ok(b) => b,
        Err(m) => {
            let _ = ctx.catalog.abort(&db, &label, &m);
            return LoadAnswer::fail(txn_id, &label, m).into_response();
        }
    };
    let read_ms = read_started.elapsed().as_millis() as u64;
    let fail = |message: String, stats: LoadStats, error_url: Option<String>| {
        let _ = ctx.catalog.abort(&db, &label, &message);
        let mut a = LoadAnswer::fail(txn_id, &label, message);
        a.stats = stats;
        a.error_url = error_url;
        a.begin_ms = begin_ms;
        a.read_ms = read_ms;
        a.load_time_ms = started.elapsed().as_millis() as u64;
        a.into_response()
    };
    let mut stats = LoadStats {
        load_bytes: raw.len() as u64,
        ..Default::default()
    };
    if let Some(Fault::Fail { message }) = &fault {
        return fail(message.clone(), stats, None);
    }
    let body = match decode_body(ctx, &params, &raw) {
        Ok(b) => b,
        Err(m) => return fail(m, stats, None),
    };
    let write_started = Instant::now();
    let outcome = match load::execute(&def, &params, &body) {
        Ok(o) => o,
        Err(e) => return fail(e.0, stats, None),
    };
    let write_ms = write_started.elapsed().as_millis() as u64;
    stats.total_rows = outcome.stats.total_rows;
    stats.loaded_rows = outcome.stats.loaded_rows;
    stats.filtered_rows = outcome.stats.filtered_rows;
    stats.unselected_rows = outcome.stats.unselected_rows;
    let url = error_url(ctx, outcome.error_lines);
    if too_many_filtered(&stats, params.max_filter_ratio) {
        stats.loaded_rows = 0;
        return fail("too many filtered rows".into(), stats, url);
    }
    let mut answer = LoadAnswer {
        txn_id,
        label: label.clone(),
        status: "Success".into(),
        existing_job_status: None,
        message: "OK".into(),
        stats,
        load_time_ms: 0,
        begin_ms,
        read_ms,
        write_ms,
        commit_ms: 0,
        error_url: url,
    };
    let commit_started = Instant::now();
    match &fault {
        Some(Fault::LabelRunning { finish_after_ms }) => {
            // Keep the transaction open (RUNNING) for a while, then make it visible.
            let catalog = ctx.catalog.clone();
            let (db2, label2, ops, wait) =
                (db.clone(), label.clone(), outcome.ops, *finish_after_ms);
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(wait)).await;
                if let Err(e) = catalog.commit(&db2, &label2, ops) {
                    tracing::warn!("delayed commit of {label2}: {e}");
                }
            });
            answer.status = "Label Already Exists".into();
            answer.existing_job_status = Some(TxnState::Prepare.existing_job_status());
            answer.message = format!("Label [{label}] has already been used.");
            answer.stats = LoadStats::default();
            answer.txn_id = -1;
            answer.error_url = None;
        }
        _ => {
            if let Err(e) = ctx.catalog.commit(&db, &label, outcome.ops) {
                return fail(e.to_string(), stats, None);
            }
            if let Some(Fault::PublishTimeout) = &fault {
                answer.status = "Publish Timeout".into();
                answer.message =
                    "transaction commit successfully, BUT data will be visible later".into();
            }
        }
    }
    answer.commit_ms = commit_started.elapsed().as_millis() as u64;
    if let Some(Fault::Delay { ms }) = &fault {
        tokio::time::sleep(Duration::from_millis(*ms)).await;
    }
    answer.load_time_ms = started.elapsed().as_millis() as u64;
    answer.into_response()
}

/// The transaction API on the BE (after the FE's 307).
async fn transaction(
    req: Request<Incoming>,
    ctx: &SimContext,
    peer: SocketAddr,
    op: String,
) -> Resp {
    let headers = req.headers().clone();
    let label = header(&headers, "label").unwrap_or_default();
    let db = header(&headers, "db").unwrap_or_default();
    let table = header(&headers, "table").unwrap_or_default();
    let answer = |status: &str, message: &str, extra: Vec<(&str, Value)>| {
        let mut m = Map::new();
        m.insert("Status".into(), json!(status));
        m.insert("Message".into(), json!(message));
        m.insert("Label".into(), json!(label));
        for (k, v) in extra {
            m.insert(k.into(), v);
        }
        let mut r = json_resp(&Value::Object(m), b"    ");
        r.extensions_mut().insert(LoadStatus(status.to_string()));
        r
    };
    match check_auth(&headers, ctx, peer) {
        Auth::Ok => {}
        Auth::Missing => return answer("INTERNAL_ERROR", "no valid Basic authorization", vec![]),
        Auth::Denied(m) => return answer("INTERNAL_ERROR", &m, vec![]),
    }
    if label.is_empty() {
        return answer("INVALID_ARGUMENT", "empty label", vec![]);
    }
    if !valid_label(&label) {
        return answer("INVALID_ARGUMENT", "Invalid label", vec![]);
    }
    if db.is_empty() {
        return answer("INVALID_ARGUMENT", "No database selected.", vec![]);
    }
    let stats_fields = |rec: &LabelRecord, url: Option<String>| {
        let s = rec.staged_stats;
        let mut v = vec![
            ("TxnId", json!(rec.txn_id)),
            ("NumberTotalRows", json!(s.total_rows)),
            ("NumberLoadedRows", json!(s.loaded_rows)),
            ("NumberFilteredRows", json!(s.filtered_rows)),
            ("NumberUnselectedRows", json!(s.unselected_rows)),
            ("LoadBytes", json!(s.load_bytes)),
            ("LoadTimeMs", json!(0)),
            ("StreamLoadPlanTimeMs", json!(0)),
            ("ReceivedDataTimeMs", json!(0)),
            ("WriteDataTimeMs", json!(0)),
            ("CommitAndPublishTimeMs", json!(0)),
        ];
        if let Some(u) = url {
            v.push(("ErrorURL", json!(u)));
        }
        v
    };
    match op.as_str() {
        "begin" => {
            if table.is_empty() {
                return answer("INVALID_ARGUMENT", "table is required", vec![]);
            }
            match ctx.catalog.begin(&db, &table, &label) {
                Ok((txn_id, _)) => answer(
                    "OK",
                    "",
                    vec![("TxnId", json!(txn_id)), ("BeginTxnTimeMs", json!(0))],
                ),
                Err(CatalogError::LabelAlreadyExists { state, .. }) => answer(
                    "LABEL_ALREADY_EXISTS",
                    &format!("Label [{label}] has already been used."),
                    vec![("ExistingJobStatus", json!(state.existing_job_status()))],
                ),
                Err(e) => answer("INTERNAL_ERROR", &e.to_string(), vec![]),
            }
        }
        "load" => {
            let Some(rec) = ctx
                .catalog
                .label(&db, &label)
                .filter(|r| r.state == TxnState::Prepare)
            else {
                return answer(
                    "TXN_NOT_EXISTS",
                    &format!("Transaction with label {label} not exists"),
                    vec![],
                );
            };
            let def = match ctx.catalog.table_def(&db, &rec.table) {
                Ok(d) => d,
                Err(e) => return answer("INTERNAL_ERROR", &e.to_string(), vec![]),
            };
            let params = match params_of(&headers) {
                Ok(p) => p,
                Err(m) => return answer("INVALID_ARGUMENT", &m, vec![]),
            };
            let fault = ctx.faults.take();
            if let Some(Fault::ResetConnection) = &fault {
                reset_this_connection(&req).await;
            }
            if let Some(Fault::HttpStatus { status }) = fault {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return respond(
                    status,
                    "text/plain",
                    format!("{status}: injected by starrocks-sim\n"),
                );
            }
            let raw = match read_body(req.into_body()).await {
                Ok(b) => b,
                Err(m) => return answer("INTERNAL_ERROR", &m, vec![]),
            };
            let body = match decode_body(ctx, &params, &raw) {
                Ok(b) => b,
                Err(m) => {
                    let _ = ctx.catalog.abort(&db, &label, &m);
                    return answer("INTERNAL_ERROR", &m, vec![]);
                }
            };
            match load::execute(&def, &params, &body) {
                Ok(mut outcome) => {
                    outcome.stats.load_bytes = raw.len() as u64;
                    match ctx.catalog.stage(
                        &db,
                        &label,
                        outcome.ops,
                        &outcome.stats,
                        outcome.error_lines,
                    ) {
                        Ok(rec) => answer(
                            "OK",
                            "",
                            vec![
                                ("TxnId", json!(rec.txn_id)),
                                ("LoadBytes", json!(raw.len())),
                                ("StreamLoadPlanTimeMs", json!(0)),
                                ("ReceivedDataTimeMs", json!(0)),
                            ],
                        ),
                        Err(e) => answer("TXN_NOT_EXISTS", &e.to_string(), vec![]),
                    }
                }
                Err(e) => {
                    let _ = ctx.catalog.abort(&db, &label, &e.0);
                    answer("INTERNAL_ERROR", &e.0, vec![])
                }
            }
        }
        "prepare" | "commit" => {
            let Some(rec) = ctx.catalog.label(&db, &label) else {
                return answer(
                    "TXN_NOT_EXISTS",
                    &format!("Transaction with label {label} not exists"),
                    vec![],
                );
            };
            if matches!(rec.state, TxnState::Committed | TxnState::Visible) {
                return if op == "commit" {
                    answer(
                        "OK",
                        "Transaction already commited",
                        stats_fields(&rec, None),
                    )
                } else {
                    answer("INTERNAL_ERROR", "Transaction already commited", vec![])
                };
            }
            if rec.state == TxnState::Aborted {
                return answer(
                    "TXN_NOT_EXISTS",
                    &format!("Transaction with label {label} not exists"),
                    vec![],
                );
            }
            let ratio = params_of(&headers)
                .map(|p| p.max_filter_ratio)
                .unwrap_or(0.0);
            let url = error_url(ctx, rec.staged_errors.clone());
            if too_many_filtered(&rec.staged_stats, ratio) {
                let _ = ctx.catalog.abort(&db, &label, "too many filtered rows");
                return answer(
                    "INTERNAL_ERROR",
                    "too many filtered rows",
                    stats_fields(&rec, url),
                );
            }
            let result = if op == "prepare" {
                ctx.catalog.prepare(&db, &label)
            } else {
                ctx.catalog.commit(&db, &label, Vec::new())
            };
            match result {
                Ok(_) => answer("OK", "", stats_fields(&rec, url)),
                Err(e) => answer("TXN_NOT_EXISTS", &e.to_string(), vec![]),
            }
        }
        "rollback" => match ctx.catalog.abort(&db, &label, "rolled back by the user") {
            Ok(_) => answer("OK", "", vec![]),
            Err(CatalogError::TxnNotExists(_)) => answer(
                "TXN_NOT_EXISTS",
                &format!("Transaction with label {label} not exists"),
                vec![],
            ),
            Err(e) => answer("INTERNAL_ERROR", &e.to_string(), vec![]),
        },
        other => answer(
            "INVALID_ARGUMENT",
            &format!("Unknown transaction operation: {other}"),
            vec![],
        ),
    }
}
