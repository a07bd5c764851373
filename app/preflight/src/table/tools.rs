//! The table tools the CLI (`init-table`) and the wizard use: propose, connect, create, describe, list.

use super::TableError;
use crate::PreflightContext;
use crate::sample::SampleFrom;
use ks_core::sample::SampledRecord;
use ks_core::schema::{ColumnSpec, TableSpec, infer_table, quote_ident};
use ks_starrocks::{ColumnInfo, MysqlAdmin};

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
    let attempt = crate::cluster::log_in(ctx, jdbc, password).await;
    match attempt {
        Err(_) => Err(TableError::Admin(format!(
            "connecting to {} timed out after {} ms",
            jdbc.text,
            crate::cluster::login_timeout(ctx).as_millis()
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
