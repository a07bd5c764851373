//! `DESC` and the `SHOW` answers built from the session and the stand-in's own state.

use super::Exec;
use super::select::Relation;
use super::value::like_match;
use crate::catalog::DefaultValue;
use crate::sql::ast::{Expr, TableRef};
use crate::sql::sysvars::SYSVARS;
use crate::sql::{ColType, QueryResult, SqlError};
use crate::types::{Cell, SqlType};

impl Exec<'_> {
    pub(super) fn describe(&self, t: &TableRef) -> Result<QueryResult, SqlError> {
        let (_, def) = self.table_def(t)?;
        let rows = def
            .columns
            .iter()
            .map(|c| {
                let default = match &c.default {
                    None => None,
                    Some(DefaultValue::Literal(v)) => Some(v.clone()),
                    Some(DefaultValue::CurrentTimestamp) => Some("CURRENT_TIMESTAMP".to_string()),
                    Some(DefaultValue::Expr(e)) => Some(e.clone()),
                };
                let extra = match (c.agg, c.auto_increment) {
                    (Some(a), _) => a.sql().to_string(),
                    (None, true) => "AUTO_INCREMENT".to_string(),
                    _ => String::new(),
                };
                vec![
                    Some(c.name.clone()),
                    Some(c.ty.to_string()),
                    Some(if c.nullable { "YES" } else { "NO" }.to_string()),
                    Some(def.is_key(&c.name).to_string()),
                    default,
                    Some(extra),
                ]
            })
            .collect();
        Ok(text_rows(
            &["Field", "Type", "Null", "Key", "Default", "Extra"],
            rows,
        ))
    }

    pub(super) fn show_variables(
        &mut self,
        like: Option<String>,
        filter: Option<Expr>,
    ) -> Result<QueryResult, SqlError> {
        let columns = vec![
            ("Variable_name".to_string(), SqlType::String),
            ("Value".to_string(), SqlType::String),
        ];
        let mut out = Vec::new();
        for (name, _) in SYSVARS {
            let value = self.sysvar(name)?;
            let row = vec![Cell::Str((*name).to_string()), value.cell];
            if let Some(p) = &like
                && !like_match(name, p, true)
            {
                continue;
            }
            if let Some(f) = &filter {
                let rel = Relation { columns: &columns };
                let v = self.eval(f, &rel, Some(&row))?;
                if v.truth() != Some(true) {
                    continue;
                }
            }
            out.push(row.iter().map(Cell::to_text).collect());
        }
        Ok(text_rows(&["Variable_name", "Value"], out))
    }

    pub(super) fn show_grants(&self) -> QueryResult {
        let user = &self.ctx.info.user;
        let ident = format!("'{user}'@'%'");
        let rows = match &self.ctx.info.insert_grants {
            None => vec![vec![
                Some(ident.clone()),
                None,
                Some(format!("GRANT 'root' TO {ident}")),
            ]],
            Some(grants) => {
                let mut rows = Vec::new();
                for g in grants {
                    rows.push(vec![
                        Some(ident.clone()),
                        Some("default".to_string()),
                        Some(format!("GRANT SELECT, INSERT ON TABLE {g} TO USER {ident}")),
                    ]);
                    if let Some(db) = g.strip_suffix(".*") {
                        let on = if db == "*" {
                            "ALL DATABASES".to_string()
                        } else {
                            format!("DATABASE {db}")
                        };
                        rows.push(vec![
                            Some(ident.clone()),
                            Some("default".to_string()),
                            Some(format!("GRANT CREATE TABLE ON {on} TO USER {ident}")),
                        ]);
                    }
                }
                rows
            }
        };
        text_rows(&["UserIdentity", "Catalog", "Grants"], rows)
    }

    pub(super) fn show_backends(&self) -> QueryResult {
        let info = &self.ctx.info;
        let started = fmt_ms(info.started_ms);
        let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
        let tablets: usize = self
            .ctx
            .catalog
            .database_names()
            .iter()
            .map(|d| self.ctx.catalog.table_names(d).map_or(0, |t| t.len()))
            .sum();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let row = [
            "10001".to_string(),
            info.be_host.clone(),
            "9050".to_string(),
            "9060".to_string(),
            info.be_redirect_port.to_string(),
            "8060".to_string(),
            started.clone(),
            now.clone(),
            "true".to_string(),
            "false".to_string(),
            "false".to_string(),
            tablets.to_string(),
            "0.000 B".to_string(),
            "1.000 TB".to_string(),
            "1.000 TB".to_string(),
            "0.00 %".to_string(),
            "0.00 %".to_string(),
            String::new(),
            format!("{}-{}", info.version, info.commit_hash),
            format!("{{\"lastSuccessReportTabletsTime\":\"{now}\"}}"),
            "1.000 TB".to_string(),
            "0.00 %".to_string(),
            cores.to_string(),
        ];
        text_rows(
            &[
                &["BackendId"][..],
                &NODE_COLUMNS,
                &[
                    "ClusterDecommissioned",
                    "TabletNum",
                    "DataUsedCapacity",
                    "AvailCapacity",
                    "TotalCapacity",
                    "UsedPct",
                    "MaxDiskUsedPct",
                    "ErrMsg",
                    "Version",
                    "Status",
                    "DataTotalCapacity",
                    "DataUsedPct",
                    "CpuCores",
                ],
            ]
            .concat(),
            vec![row.into_iter().map(Some).collect()],
        )
    }

    pub(super) fn show_frontends(&self) -> QueryResult {
        let info = &self.ctx.info;
        let ip = info.mysql_addr.ip().to_string();
        let started = fmt_ms(info.started_ms);
        let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
        let row = [
            format!("{ip}_9010_{}", info.started_ms),
            ip,
            "9010".to_string(),
            info.http_addr.port().to_string(),
            info.mysql_addr.port().to_string(),
            "9020".to_string(),
            "LEADER".to_string(),
            "1787392349".to_string(),
            "true".to_string(),
            "true".to_string(),
            "1001".to_string(),
            now,
            "true".to_string(),
            String::new(),
            started,
            format!("{}-{}", info.version, info.commit_hash),
        ];
        text_rows(
            &[
                "Name",
                "IP",
                "EditLogPort",
                "HttpPort",
                "QueryPort",
                "RpcPort",
                "Role",
                "ClusterId",
                "Join",
                "Alive",
                "ReplayedJournalId",
                "LastHeartbeat",
                "IsHelper",
                "ErrMsg",
                "StartTime",
                "Version",
            ],
            vec![row.into_iter().map(Some).collect()],
        )
    }
}

/// The columns SHOW BACKENDS and SHOW COMPUTE NODES share after the node's id.
const NODE_COLUMNS: [&str; 9] = [
    "IP",
    "HeartbeatPort",
    "BePort",
    "HttpPort",
    "BrpcPort",
    "LastStartTime",
    "LastHeartbeat",
    "Alive",
    "SystemDecommissioned",
];

/// `SHOW COMPUTE NODES`: no rows, the stand-in's one node being a BE.
pub(super) fn show_compute_nodes() -> QueryResult {
    let columns = [
        &["ComputeNodeId"][..],
        &NODE_COLUMNS,
        &["ErrMsg", "Version"],
    ]
    .concat();
    text_rows(&columns, Vec::new())
}

pub(super) fn text_rows(cols: &[&str], rows: Vec<Vec<Option<String>>>) -> QueryResult {
    QueryResult::Rows {
        columns: cols
            .iter()
            .map(|c| ((*c).to_string(), ColType::Text))
            .collect(),
        rows,
    }
}

fn fmt_ms(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .map(|d| {
            d.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}
