//! The Table checks (`table.database`, `table.exists`, `table.mapping`, `table.drift`) and the
//! table tools the CLI (`init-table`) and the wizard use: create, describe, list.
//!
//! The checks sample a few records from trim-horizon (bounded in time) and compare them with the
//! table's columns and the sink's jsonpaths/columns through the mapping preview, so a finding
//! here is what a load would do.

use crate::preview::{
    Locator, Mapping, PreviewError, preview, properties_with_fixes, suggest_fixes,
};
use crate::sample::{SampleFrom, sample_within};
use crate::{Checklist, PreflightContext};
use ks_core::check::{CheckFix, CheckGroup, CheckResult, CheckStatus};
use ks_core::preview::{PreviewCell, RowOutcome};
use ks_core::sample::SampledRecord;
use ks_core::schema::{ColumnSpec, TableSpec, add_column_ddl, infer, infer_table, quote_ident};
use ks_starrocks::{ColumnInfo, MysqlAdmin};
use std::collections::BTreeMap;
use std::time::Duration;

const G: CheckGroup = CheckGroup::Table;
/// How many records the checks sample, and for how long at most.
pub const CHECK_SAMPLE_RECORDS: usize = 20;
pub const CHECK_SAMPLE_BUDGET: Duration = Duration::from_secs(10);
const INIT_TABLE_HINT: &str = "kinesis-starrocks init-table --config <your config file>";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("sink.jdbc-url is not set: the table tools need the cluster's MySQL port")]
    NoJdbcUrl,
    #[error(
        "no StarRocks password: give one with password-file, STARROCKS_PASSWORD or the keyring"
    )]
    NoPassword,
    /// Connecting or a statement failed (StarRocks' message, never the password).
    #[error("{0}")]
    Admin(String),
    #[error("the table is not valid: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<ks_core::schema::SchemaError>),
    #[error("table `{database}`.`{table}` does not exist")]
    NotFound { database: String, table: String },
    /// Sampling the stream failed (for a proposal).
    #[error("{0}")]
    Sample(String),
    /// The stream holds no JSON object records to infer columns from.
    #[error("no JSON records to infer columns from: {0}")]
    NoRecords(String),
}

/// Samples `n` records from trim-horizon and proposes the sink's table from them (`init-table`,
/// the wizard's "Propose table"). Returns the proposal and the samples (for the preview).
pub async fn propose_table(
    ctx: &PreflightContext,
    n: usize,
) -> Result<(TableSpec, Vec<SampledRecord>), TableError> {
    let samples = crate::sample::sample(ctx, n, SampleFrom::TrimHorizon)
        .await
        .map_err(|e| TableError::Sample(e.to_string()))?;
    let docs: Vec<serde_json::Value> = samples.iter().filter_map(|r| r.json()).collect();
    let spec = infer_table(
        &ctx.config.sink.database_name,
        &ctx.config.sink.table_name,
        &docs,
    );
    if spec.columns.is_empty() {
        return Err(TableError::NoRecords(if samples.is_empty() {
            format!(
                "stream {:?} has no records (sampled from trim-horizon)",
                ctx.config.source.stream_name
            )
        } else {
            format!(
                "none of the {} sampled records is a JSON object",
                samples.len()
            )
        }));
    }
    Ok((spec, samples))
}

/// Connects to the cluster with the context's config and password.
pub async fn connect(ctx: &PreflightContext) -> Result<MysqlAdmin, TableError> {
    let sink = &ctx.config.sink;
    let jdbc = sink.jdbc_url.as_ref().ok_or(TableError::NoJdbcUrl)?;
    let password = ctx.password.as_ref().ok_or(TableError::NoPassword)?;
    let attempt = tokio::time::timeout(
        ctx.timeout * 2,
        MysqlAdmin::connect_with_ca(
            jdbc,
            &sink.username,
            password,
            sink.ssl_mode,
            sink.ssl_ca.clone(),
            ctx.timeout,
        ),
    )
    .await;
    match attempt {
        Err(_) => Err(TableError::Admin(format!(
            "connecting to {} timed out after {} ms",
            jdbc.text,
            (ctx.timeout * 2).as_millis()
        ))),
        Ok(r) => r.map_err(|e| TableError::Admin(e.to_string())),
    }
}

/// Creates the database (if missing) and the table: `CREATE DATABASE IF NOT EXISTS`, then
/// `CREATE TABLE IF NOT EXISTS`. Returns the statements it ran.
pub async fn init_table(
    ctx: &PreflightContext,
    spec: &TableSpec,
) -> Result<Vec<String>, TableError> {
    spec.validate().map_err(TableError::Invalid)?;
    let admin = connect(ctx).await?;
    let statements = vec![spec.create_database_ddl(), spec.ddl()];
    for s in &statements {
        admin
            .execute(s)
            .await
            .map_err(|e| TableError::Admin(format!("{e} (statement: {s})")))?;
    }
    Ok(statements)
}

/// A described column as a grid row.
pub fn column_spec(info: &ColumnInfo) -> ColumnSpec {
    let ty = if info.column_type.trim().is_empty() {
        info.data_type.clone()
    } else {
        info.column_type.clone()
    };
    let sql_type = ks_core::schema::parse_type(&ty)
        .map(|t| t.ddl())
        .unwrap_or_else(|_| ty.to_ascii_uppercase());
    ColumnSpec {
        name: info.name.clone(),
        sql_type,
        nullable: info.nullable,
        key: info.key,
        source: None,
    }
}

/// The columns of `db.table`, in order.
pub async fn describe(
    ctx: &PreflightContext,
    db: &str,
    table: &str,
) -> Result<Vec<ColumnSpec>, TableError> {
    let admin = connect(ctx).await?;
    describe_with(&admin, db, table).await
}

async fn describe_with(
    admin: &MysqlAdmin,
    db: &str,
    table: &str,
) -> Result<Vec<ColumnSpec>, TableError> {
    match admin.table_schema(db, table).await {
        Ok(Some(cols)) => Ok(cols.iter().map(column_spec).collect()),
        Ok(None) => Err(TableError::NotFound {
            database: db.to_string(),
            table: table.to_string(),
        }),
        Err(e) => Err(TableError::Admin(e.to_string())),
    }
}

/// Every user database with its tables (system databases left out), sorted.
pub async fn list_tables(ctx: &PreflightContext) -> Result<Vec<(String, Vec<String>)>, TableError> {
    let admin = connect(ctx).await?;
    let err = |e: ks_starrocks::AdminError| TableError::Admin(e.to_string());
    let dbs = admin.query("SHOW DATABASES").await.map_err(err)?;
    let mut out = Vec::new();
    for row in dbs {
        let Some(db) = row.into_iter().next().flatten() else {
            continue;
        };
        if matches!(
            db.to_ascii_lowercase().as_str(),
            "information_schema" | "_statistics_" | "sys" | "_starrocks_audit_db_"
        ) {
            continue;
        }
        let rows = admin
            .query(&format!("SHOW TABLES FROM {}", quote_ident(&db)))
            .await
            .map_err(err)?;
        let mut tables: Vec<String> = rows
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect();
        tables.sort();
        out.push((db, tables));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Fields the samples carry that no column takes in (schema drift).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The new columns, typed from the samples (all nullable).
    pub columns: Vec<ColumnSpec>,
    /// `ALTER TABLE … ADD COLUMN …`, one per column.
    pub statements: Vec<String>,
    /// The property changes that take the new columns in (`jsonpaths`, `columns`); empty when
    /// the load matches JSON fields by column name (no jsonpaths, no columns).
    pub properties: Vec<(String, String)>,
}

/// Compares sampled JSON records with the table's columns and the sink's mapping. `None`: no
/// drift (or a CSV load, which has no field names).
pub fn drift(
    samples: &[SampledRecord],
    database: &str,
    table: &str,
    columns: &[ColumnSpec],
    properties: &BTreeMap<String, String>,
) -> Result<Option<Drift>, PreviewError> {
    let params = crate::preview::load_params(properties)?;
    if params.format != starrocks_model::load::Format::Json {
        return Ok(None);
    }
    let mapping = Mapping::build(columns, &params, properties);
    let mut used: Vec<String> = Vec::new();
    for s in &mapping.sources {
        match &s.locator {
            Locator::Path(p) => {
                // The top-level field of any path (`$.a.b[0]` reads `a`).
                let t = p.text.trim();
                let t = t
                    .strip_prefix("$.")
                    .or_else(|| t.strip_prefix('$'))
                    .unwrap_or(t);
                let first = match t.strip_prefix('"') {
                    Some(q) => q.split('"').next().unwrap_or_default().to_string(),
                    None => t.split(['.', '[']).next().unwrap_or_default().to_string(),
                };
                used.push(first);
            }
            other => used.extend(other.top_field()),
        }
    }
    used.extend(columns.iter().map(|c| c.name.clone()));
    let docs: Vec<serde_json::Value> = samples.iter().filter_map(|s| s.json()).collect();
    let docs: Vec<serde_json::Value> = match &params.json_root {
        Some(root) => docs.iter().filter_map(|d| root.extract(d)).collect(),
        None => docs,
    };
    let taken = |f: &str| used.iter().any(|u| u.eq_ignore_ascii_case(f));
    let mut new: Vec<ColumnSpec> = infer(&docs)
        .into_iter()
        .filter(|c| !taken(c.field()))
        .collect();
    if new.is_empty() {
        return Ok(None);
    }
    // Keep the fields' first-seen order (inference moved a key candidate first).
    let order: Vec<String> = docs
        .iter()
        .filter_map(|d| d.as_object())
        .flat_map(|o| o.keys().cloned())
        .collect();
    new.sort_by_key(|c| {
        order
            .iter()
            .position(|k| k == c.field())
            .unwrap_or(usize::MAX)
    });
    for c in &mut new {
        c.key = false;
        c.nullable = true;
        // A name clash with an existing column (different case or sanitised): suffix it.
        let mut k = 2;
        let base = c.name.clone();
        while columns.iter().any(|e| e.name.eq_ignore_ascii_case(&c.name)) {
            c.name = format!("{base}_{k}");
            c.source.get_or_insert_with(|| base.clone());
            k += 1;
        }
    }
    let statements = new
        .iter()
        .map(|c| add_column_ddl(database, table, c))
        .collect();
    let mut props = Vec::new();
    let jsonpaths = crate::preview::property(properties, "jsonpaths");
    let cols_prop = crate::preview::property(properties, "columns");
    if let Some(jp) = &jsonpaths {
        let mut list: Vec<String> = serde_json::from_str(jp).unwrap_or_default();
        list.extend(new.iter().map(|c| c.jsonpath()));
        props.push((
            "jsonpaths".to_string(),
            serde_json::to_string(&list).unwrap_or_default(),
        ));
    }
    if let Some(cp) = &cols_prop {
        let mut text = cp.trim().trim_end_matches(',').to_string();
        for c in &new {
            text.push_str(", ");
            text.push_str(&c.name);
        }
        props.push(("columns".to_string(), text));
    } else if jsonpaths.is_none() && new.iter().any(|c| c.source.is_some()) {
        // A field whose name is not its column's cannot be matched by name: map every column.
        let mut all: Vec<ColumnSpec> = columns.to_vec();
        all.extend(new.iter().cloned());
        props.push(("jsonpaths".to_string(), ks_core::schema::jsonpaths(&all)));
    }
    Ok(Some(Drift {
        columns: new,
        statements,
        properties: props,
    }))
}

fn skipped_with(id: &str, title: &str, detail: String) -> CheckResult {
    CheckResult {
        status: CheckStatus::Skipped,
        ..CheckResult::pass(G, id, title, detail)
    }
}

/// The Table group: `table.database`, `table.exists`, `table.mapping`, `table.drift`.
pub async fn run(ctx: &PreflightContext, list: &mut Checklist<'_>) {
    let sink = &ctx.config.sink;
    let (db, table) = (sink.database_name.clone(), sink.table_name.clone());
    let ids = [
        ("table.database", "Database exists"),
        ("table.exists", "Table exists"),
        ("table.mapping", "Records map onto the columns"),
        ("table.drift", "No unmapped record fields"),
    ];
    // The cluster checks already said why we cannot log in.
    for dep in ["cluster.login", "cluster.tcp"] {
        if matches!(
            list.status(dep),
            Some(CheckStatus::Fail | CheckStatus::Skipped)
        ) {
            for (id, title) in ids {
                list.push(CheckResult::skipped(G, id, title, dep));
            }
            return;
        }
    }
    let admin = match connect(ctx).await {
        Ok(a) => a,
        Err(e) => {
            list.push(CheckResult::fail(
                G,
                "table.database",
                ids[0].1,
                format!("cannot check database `{db}`: {e}"),
                "fix the connection first (see the Cluster checks: jdbc-url, username, password, ssl-mode)",
            ));
            for (id, title) in &ids[1..] {
                list.push(CheckResult::skipped(G, id, *title, "table.database"));
            }
            return;
        }
    };
    // Samples for the DDL proposal and the mapping checks (AWS problems were reported already).
    // Only the stream checks matter: an unknown identity (STS unreachable next to an emulator or
    // a VPC endpoint) does not stop records from being read.
    let aws_broken = ["aws.stream", "aws.read-permission"]
        .into_iter()
        .find(|id| {
            matches!(
                list.status(id),
                Some(CheckStatus::Fail | CheckStatus::Skipped)
            )
        });
    let sampled: Result<Vec<SampledRecord>, String> = if let Some(id) = aws_broken {
        Err(format!("{id} failed"))
    } else {
        sample_within(
            ctx,
            CHECK_SAMPLE_RECORDS,
            SampleFrom::TrimHorizon,
            CHECK_SAMPLE_BUDGET,
        )
        .await
        .map_err(|e| e.to_string())
    };
    let proposed = match &sampled {
        Ok(s) if !s.is_empty() => {
            let docs: Vec<serde_json::Value> = s.iter().filter_map(|r| r.json()).collect();
            let spec = infer_table(&db, &table, &docs);
            (!spec.columns.is_empty()).then_some(spec)
        }
        _ => None,
    };

    // table.database
    let db_exists = match admin.database_exists(&db).await {
        Ok(b) => b,
        Err(e) => {
            list.push(CheckResult::fail(
                G,
                "table.database",
                ids[0].1,
                format!("looking up database `{db}` failed: {e}"),
                "check that the user may read information_schema (SHOW GRANTS)",
            ));
            for (id, title) in &ids[1..] {
                list.push(CheckResult::skipped(G, id, *title, "table.database"));
            }
            return;
        }
    };
    let create_db = format!("CREATE DATABASE IF NOT EXISTS {}", quote_ident(&db));
    if db_exists {
        list.push(CheckResult::pass(
            G,
            "table.database",
            ids[0].1,
            format!("database `{db}` exists"),
        ));
    } else {
        list.push(
            CheckResult::fail(
                G,
                "table.database",
                ids[0].1,
                format!("database `{db}` does not exist (sink.database-name)"),
                format!(
                    "create it: run `{INIT_TABLE_HINT}` (creates the database and the table), or run `{create_db}`; or correct sink.database-name"
                ),
            )
            .with_fix(CheckFix::Sql {
                statements: vec![create_db.clone()],
            }),
        );
    }

    // table.exists
    let columns = match admin.table_schema(&db, &table).await {
        Ok(Some(cols)) => {
            let specs: Vec<ColumnSpec> = cols.iter().map(column_spec).collect();
            let shown: Vec<String> = specs
                .iter()
                .map(|c| {
                    format!(
                        "{} {}{}{}",
                        c.name,
                        c.sql_type,
                        if c.nullable { "" } else { " NOT NULL" },
                        if c.key { " (key)" } else { "" }
                    )
                })
                .collect();
            list.push(CheckResult::pass(
                G,
                "table.exists",
                ids[1].1,
                format!("`{db}`.`{table}`: {}", shown.join(", ")),
            ));
            specs
        }
        Ok(None) => {
            let mut detail = format!("table `{db}`.`{table}` does not exist (sink.table-name)");
            let mut result;
            match &proposed {
                Some(spec) => {
                    detail.push_str(&format!(
                        "\nproposed from {} sampled records:\n{};\n\nproperties.jsonpaths = '{}'",
                        sampled.as_ref().map(Vec::len).unwrap_or(0),
                        spec.ddl(),
                        spec.jsonpaths()
                    ));
                    result = CheckResult::fail(
                        G,
                        "table.exists",
                        ids[1].1,
                        detail,
                        format!(
                            "create the table: run `{INIT_TABLE_HINT}` (it proposes the DDL from sampled records), or run the CREATE TABLE above; or correct sink.table-name"
                        ),
                    );
                    result = result.with_fix(CheckFix::Sql {
                        statements: vec![spec.create_database_ddl(), spec.ddl()],
                    });
                }
                None => {
                    detail.push_str(&format!(
                        "\nno DDL proposed: {}",
                        match &sampled {
                            Ok(_) =>
                                "the stream has no JSON records to infer columns from".to_string(),
                            Err(e) => format!("sampling failed: {e}"),
                        }
                    ));
                    result = CheckResult::fail(
                        G,
                        "table.exists",
                        ids[1].1,
                        detail,
                        format!(
                            "create the table: run `{INIT_TABLE_HINT}` once the stream has records, or CREATE TABLE yourself; or correct sink.table-name"
                        ),
                    );
                }
            }
            list.push(result);
            for (id, title) in &ids[2..] {
                list.push(CheckResult::skipped(G, id, *title, "table.exists"));
            }
            return;
        }
        Err(e) => {
            list.push(CheckResult::fail(
                G,
                "table.exists",
                ids[1].1,
                format!("reading the columns of `{db}`.`{table}` failed: {e}"),
                "check that the user may read information_schema.COLUMNS",
            ));
            for (id, title) in &ids[2..] {
                list.push(CheckResult::skipped(G, id, *title, "table.exists"));
            }
            return;
        }
    };

    // Both remaining checks need samples.
    let samples = match sampled {
        Err(e) => {
            for (id, title) in &ids[2..] {
                list.push(CheckResult::warn(
                    G,
                    id,
                    *title,
                    format!("not checked: could not sample the stream: {e}"),
                    "fix the AWS checks, then run check again to compare records with the table",
                ));
            }
            return;
        }
        Ok(s) if s.is_empty() => {
            for (id, title) in &ids[2..] {
                list.push(skipped_with(
                    id,
                    title,
                    "not checked: the stream has no records (sampled from trim-horizon)"
                        .to_string(),
                ));
            }
            return;
        }
        Ok(s) => s,
    };
    list.push(mapping_check(&samples, &columns, &sink.properties));
    list.push(drift_check(
        &samples,
        &db,
        &table,
        &columns,
        &sink.properties,
    ));
}

/// Top-level fields of the JSON samples that no jsonpath (or, without jsonpaths, no column name)
/// takes, in first-seen order.
fn unmapped_fields(
    samples: &[SampledRecord],
    columns: &[ColumnSpec],
    properties: &BTreeMap<String, String>,
) -> Vec<String> {
    let taken: Vec<String> = match crate::preview::property(properties, "jsonpaths")
        .and_then(|v| serde_json::from_str::<Vec<String>>(&v).ok())
    {
        Some(paths) => paths
            .iter()
            .map(|p| {
                let p = p.trim();
                let p = p.strip_prefix("$.").unwrap_or(p);
                p.split(['.', '[']).next().unwrap_or(p).to_ascii_lowercase()
            })
            .collect(),
        None => columns
            .iter()
            .map(|c| c.field().to_ascii_lowercase())
            .collect(),
    };
    let mut out: Vec<String> = Vec::new();
    for record in samples {
        if let Some(serde_json::Value::Object(map)) = record.json() {
            for key in map.keys() {
                if !taken.contains(&key.to_ascii_lowercase()) && !out.contains(key) {
                    out.push(key.clone());
                }
            }
        }
    }
    out
}

/// `table.mapping`: what the preview of the samples says about each column.
pub fn mapping_check(
    samples: &[SampledRecord],
    columns: &[ColumnSpec],
    properties: &BTreeMap<String, String>,
) -> CheckResult {
    let (id, title) = ("table.mapping", "Records map onto the columns");
    let n = samples.len();
    let p = match preview(samples, columns, properties) {
        Ok(p) => p,
        Err(e) => {
            return CheckResult::fail(
                G,
                id,
                title,
                format!("{e}"),
                "correct sink.properties (jsonpaths, columns, format) so that they match the table",
            );
        }
    };
    let mut fails: Vec<String> = Vec::new();
    let mut warns: Vec<String> = Vec::new();
    // Fields the records have that no column takes: the likely intended targets of a path that
    // matches nothing ("cost" when the records say "price").
    let unmapped = unmapped_fields(samples, columns, properties);
    let mut all_missing = false;
    let filtered: Vec<&str> = p
        .rows
        .iter()
        .filter_map(|r| match &r.outcome {
            RowOutcome::Filtered { reason, .. } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    for (j, col) in columns.iter().enumerate() {
        let cells: Vec<&PreviewCell> = p
            .rows
            .iter()
            .filter_map(|r| match &r.outcome {
                RowOutcome::Loaded(c) | RowOutcome::Filtered { cells: c, .. } => c.get(j),
                RowOutcome::Unselected => None,
            })
            .collect();
        if cells.is_empty() {
            continue;
        }
        let missing: Vec<&str> = cells
            .iter()
            .filter_map(|c| match c {
                PreviewCell::NullMissing { path } => Some(path.as_str()),
                _ => None,
            })
            .collect();
        if missing.len() == cells.len() {
            all_missing = true;
            let what = format!(
                "every row would load NULL into {}: {} matches no field in any of the {} sampled records",
                col.name,
                missing[0],
                cells.len()
            );
            if col.nullable {
                warns.push(what);
            } else {
                fails.push(format!(
                    "{what}, and {} is NOT NULL, so every row would be filtered",
                    col.name
                ));
            }
            continue;
        }
        let bad: Vec<(&str, &str, &str)> = cells
            .iter()
            .filter_map(|c| match c {
                PreviewCell::NullNotConvertible {
                    value,
                    to_type,
                    reason,
                } => Some((value.as_str(), to_type.as_str(), reason.as_str())),
                _ => None,
            })
            .collect();
        if let Some((value, to_type, reason)) = bad.first() {
            let every = if bad.len() == cells.len() {
                "every row".to_string()
            } else {
                format!("{} of {} sampled rows", bad.len(), cells.len())
            };
            let what = format!(
                "{every} would load NULL into {}: '{value}' does not convert to {to_type} ({reason}); \
                 non-strict StarRocks stores NULL, strict mode filters the row",
                col.name
            );
            if col.nullable {
                warns.push(what);
            } else {
                fails.push(what);
            }
        }
    }
    if !filtered.is_empty() {
        let ratio: f64 = crate::preview::property(properties, "max_filter_ratio")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0);
        let what = if filtered.len() == n {
            format!("every sampled row would be filtered: {}", filtered[0])
        } else {
            format!(
                "{} of {n} sampled rows would be filtered: {}",
                filtered.len(),
                filtered[0]
            )
        };
        if ratio == 0.0 || filtered.len() == n {
            fails.push(format!(
                "{what} (with max_filter_ratio {ratio} a batch with a filtered row fails)"
            ));
        } else {
            warns.push(what);
        }
    }
    let fixes = suggest_fixes(samples, columns, properties).unwrap_or_default();
    let mut detail_lines: Vec<String> = fails.iter().chain(warns.iter()).cloned().collect();
    for f in &fixes {
        detail_lines.push(format!(
            "fix for {}: {} → add `{}` to properties.columns ({})",
            f.column, f.problem, f.columns_expression, f.explanation
        ));
    }
    let config_fix = if fixes.is_empty() {
        None
    } else {
        properties_with_fixes(columns, properties, &fixes)
            .ok()
            .map(|new| {
                let changes: Vec<(String, String)> = new
                    .iter()
                    .filter(|(k, v)| properties.get(*k) != Some(*v))
                    .map(|(k, v)| (format!("sink.properties.{k}"), v.clone()))
                    .collect();
                for (k, v) in &changes {
                    detail_lines.push(format!("{k} = '{v}'"));
                }
                CheckFix::Config { changes }
            })
    };
    if all_missing && !unmapped.is_empty() {
        detail_lines.push(format!(
            "fields in the records that no column takes: {}",
            unmapped.join(", ")
        ));
    }
    let missing_hint = if all_missing && !unmapped.is_empty() {
        format!(
            "point properties.jsonpaths (or the column names) at fields the records have; unused: {}",
            unmapped.join(", ")
        )
    } else if all_missing {
        "point properties.jsonpaths (or the column names) at fields the records have, or drop the column from the mapping".to_string()
    } else {
        String::new()
    };
    let detail = detail_lines.join("\n");
    let mut result = if !fails.is_empty() {
        CheckResult::fail(
            G,
            id,
            title,
            detail,
            if missing_hint.is_empty() {
                "make the jsonpaths/columns match the records (or the records the table): see the detail for each column".to_string()
            } else {
                missing_hint.clone()
            },
        )
    } else if !warns.is_empty() {
        CheckResult::warn(
            G,
            id,
            title,
            detail,
            if missing_hint.is_empty() {
                "check the columns listed: they would be NULL in the table (a conversion fix in the detail, or a column type that fits the values)".to_string()
            } else {
                missing_hint
            },
        )
    } else {
        CheckResult::pass(
            G,
            id,
            title,
            format!(
                "{} sampled records map onto the {} columns{}",
                n,
                columns.len(),
                if detail.is_empty() {
                    String::new()
                } else {
                    format!("\n{detail}")
                }
            ),
        )
    };
    if let Some(f) = config_fix {
        result = result.with_fix(f);
    }
    result
}

/// `table.drift`: sampled fields the table does not take in.
pub fn drift_check(
    samples: &[SampledRecord],
    database: &str,
    table: &str,
    columns: &[ColumnSpec],
    properties: &BTreeMap<String, String>,
) -> CheckResult {
    let (id, title) = ("table.drift", "No unmapped record fields");
    match drift(samples, database, table, columns, properties) {
        Err(e) => skipped_with(id, title, format!("not checked: {e}")),
        Ok(None) => CheckResult::pass(
            G,
            id,
            title,
            format!(
                "every field of the {} sampled records has a column",
                samples.len()
            ),
        ),
        Ok(Some(d)) => {
            let fields: Vec<String> = d.columns.iter().map(|c| c.field().to_string()).collect();
            let mut detail = format!(
                "sampled records carry fields the table does not load: {}\n{};",
                fields.join(", "),
                d.statements.join(";\n")
            );
            if d.properties.is_empty() {
                detail.push_str(
                    "\nno jsonpaths change needed: the load matches JSON fields by column name",
                );
            }
            for (k, v) in &d.properties {
                detail.push_str(&format!("\nsink.properties.{k} = '{v}'"));
            }
            CheckResult::warn(
                G,
                id,
                title,
                detail,
                "those fields are not loaded: add the columns (ALTER TABLE below) and the properties change to take them in, or ignore this",
            )
            .with_fix(CheckFix::Sql {
                statements: d.statements,
            })
        }
    }
}
