//! The Table group's run: connect, sample, then `table.database`, `table.exists` and the
//! mapping/drift checks, each skipped with the reason when an earlier one failed.

use super::{
    CHECK_SAMPLE_BUDGET, CHECK_SAMPLE_RECORDS, G, INIT_TABLE_HINT, column_spec, connect,
    drift_check, mapping_check, skipped_with,
};
use crate::sample::{SampleFrom, sample_within};
use crate::{Checklist, PreflightContext};
use ks_core::check::{CheckFix, CheckResult, CheckStatus};
use ks_core::sample::SampledRecord;
use ks_core::schema::{ColumnSpec, infer_table, quote_ident};

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
    list.begin(ids[0].0, ids[0].1);
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
    list.begin(ids[1].0, ids[1].1);
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
