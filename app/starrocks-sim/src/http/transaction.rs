//! The transaction API on the BE (after the FE's 307): begin, load, prepare, commit, rollback.

use super::auth::{Auth, check_auth};
use super::request::{header, params_of, read_body};
use super::response::{LoadStatus, Resp, json_resp, respond};
use super::server::reset_this_connection;
use super::stream_load::{decode_body, error_url, too_many_filtered, valid_label};
use crate::SimContext;
use crate::catalog::{CatalogError, LabelRecord, TxnState};
use crate::faults::Fault;
use crate::load;
use hyper::body::Incoming;
use hyper::{Request, StatusCode};
use serde_json::{Map, Value, json};
use std::net::SocketAddr;

/// The transaction API on the BE (after the FE's 307).
pub(super) async fn transaction(
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
            let fault = ctx.faults.take_for(&label);
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
            if let Some(Fault::Fail { message }) = &fault {
                let _ = ctx.catalog.abort(&db, &label, message);
                return answer("INTERNAL_ERROR", message, vec![]);
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
                        Ok(rec) => {
                            // Staged now; answered late (a slow BE): later loads may finish
                            // first, which is what commit order must withstand.
                            if let Some(Fault::Delay { ms }) = fault {
                                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                            }
                            answer(
                                "OK",
                                "",
                                vec![
                                    ("TxnId", json!(rec.txn_id)),
                                    ("LoadBytes", json!(raw.len())),
                                    ("StreamLoadPlanTimeMs", json!(0)),
                                    ("ReceivedDataTimeMs", json!(0)),
                                ],
                            )
                        }
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
