//! Stream Load on the BE: labels, parameters, the body, conversion and filtering, ErrorURL, and
//! the answer (shared with the transaction API).

use super::auth::{Auth, check_auth, insert_denied};
use super::request::{header, params_of, read_body};
use super::response::{BodyBytes, LoadStatus, Resp, json_resp, respond};
use super::server::reset_this_connection;
use crate::SimContext;
use crate::catalog::{CatalogError, LoadStats, TxnState};
use crate::faults::Fault;
use crate::load::{self, Format, LoadParams};
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request, StatusCode};
use serde_json::{Map, Value, json};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

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

pub(super) fn valid_label(label: &str) -> bool {
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
pub(super) fn error_url(ctx: &SimContext, lines: Vec<String>) -> Option<String> {
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
pub(super) fn too_many_filtered(stats: &LoadStats, ratio: f64) -> bool {
    let considered = stats.total_rows.saturating_sub(stats.unselected_rows);
    stats.filtered_rows > 0
        && considered > 0
        && (stats.filtered_rows as f64 / considered as f64) > ratio
}

pub(super) fn decode_body(
    ctx: &SimContext,
    params: &LoadParams,
    raw: &[u8],
) -> Result<Vec<u8>, String> {
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

pub(super) async fn stream_load(
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
    let fault = ctx.faults.take_for(&label);
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
