//! Schema inference, table creation, the mapping preview, the conversion helpers and the Table
//! checks, against the real stand-in (MySQL protocol and Stream Load) and in-process
//! ferrokinesis; the inferred table then takes a whole pipeline run.

mod common;

use bytes::Bytes;
use ks_core::check::{CheckFix, CheckGroup, CheckReport, CheckStatus};
use ks_core::preview::{PreviewCell, RowOutcome};
use ks_core::sample::SampledRecord;
use ks_core::schema::{ColumnSpec, infer_table};
use ks_core::{Label, PipelineConfig, Secret};
use ks_engine::EngineOptions;
use ks_kinesis::{ConnectOptions, KinesisSource};
use ks_local::world::{Endpoints, STREAM, pipeline_config};
use ks_local::{EmbeddedKinesis, PipelineToml};
use ks_preflight::PreflightContext;
use ks_preflight::preview::{
    FixOptions, preview, properties_with_fixes, suggest_fixes, suggest_fixes_with,
};
use ks_preflight::sample::{SampleFrom, sample};
use ks_preflight::table::{TableError, describe, init_table, list_tables, propose_table};
use ks_starrocks::{MysqlAdmin, StreamLoadClient, StreamLoadSettings};
use starrocks_sim::{SimConfig, StarRocksSim};
use std::collections::BTreeMap;
use std::time::Duration;

const PASSWORD: &str = "sim-pw";

struct World {
    kinesis: EmbeddedKinesis,
    client: aws_sdk_kinesis::Client,
    sim: StarRocksSim,
    state: tempfile::TempDir,
}

impl World {
    async fn new(shards: i32) -> World {
        let (kinesis, client) = common::kinesis_with_stream(STREAM, shards).await;
        let sim = StarRocksSim::start(SimConfig {
            password: PASSWORD.into(),
            ..SimConfig::default()
        })
        .await
        .expect("stand-in");
        World {
            kinesis,
            client,
            sim,
            state: tempfile::tempdir().unwrap(),
        }
    }

    async fn produce(&self, ids: std::ops::Range<u64>) {
        ks_local::stock::put_stock(&self.client, STREAM, ids.start, ids.end - ids.start)
            .await
            .expect("put");
    }

    fn config(&self, sink_extra: &str) -> PipelineConfig {
        let at = Endpoints {
            kinesis: Some(self.kinesis.endpoint_url().to_string()),
            state_dir: Some(self.state.path().to_path_buf()),
            ..Endpoints::new(STREAM, &self.sim.jdbc_url(), &self.sim.load_url())
        };
        let sink = format!(
            "max-retries = 2\nretry-interval-ms = 100\nbuffer-flush.max-rows = 50\n\
             buffer-flush.interval-ms = 200\nproperties.format = \"json\"\n{sink_extra}"
        );
        let p = PipelineToml {
            source: "initial-position = \"TRIM_HORIZON\"\noperation-timeout-ms = 10000\n\
                     discovery-interval-ms = 500",
            sink: &sink,
            ..PipelineToml::default()
        };
        pipeline_config(&at, &p).unwrap_or_else(|e| panic!("{e}"))
    }

    fn ctx(&self, sink_extra: &str) -> PreflightContext {
        common::emulator_ctx(self.config(sink_extra), PASSWORD)
    }

    async fn admin(&self) -> MysqlAdmin {
        admin_of(&self.sim).await
    }

    async fn sql(&self, sql: &str) {
        self.admin()
            .await
            .execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    async fn rows(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        self.admin()
            .await
            .query(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    async fn check(&self, ctx: &PreflightContext) -> CheckReport {
        let mut seen = Vec::new();
        let report =
            ks_preflight::run(ctx, &[CheckGroup::Table], &mut |r| seen.push(r.id.clone())).await;
        assert_eq!(
            seen,
            vec![
                "table.database",
                "table.exists",
                "table.mapping",
                "table.drift"
            ],
            "every Table check reports, in order"
        );
        report
    }
}

fn rec(data: &str) -> SampledRecord {
    SampledRecord {
        shard: "shardId-000000000000".into(),
        sequence: "1".into(),
        sub: None,
        arrival_ms: None,
        data: data.as_bytes().to_vec(),
    }
}

fn col(name: &str, ty: &str, nullable: bool) -> ColumnSpec {
    ColumnSpec {
        nullable,
        ..ColumnSpec::new(name, ty)
    }
}

fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut m: BTreeMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    m.entry("format".into()).or_insert_with(|| "json".into());
    m.entry("strip_outer_array".into())
        .or_insert_with(|| "true".into());
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn inferred_table_is_accepted_and_a_pipeline_then_loads_every_record() {
    let w = World::new(2).await;
    w.produce(0..300).await;
    let ctx = w.ctx("");
    let samples = sample(&ctx, 50, SampleFrom::TrimHorizon).await.unwrap();
    assert_eq!(samples.len(), 50);
    let docs: Vec<serde_json::Value> = samples.iter().filter_map(|s| s.json()).collect();
    let spec = infer_table("example_db", "stock", &docs);
    let (proposed, _) = propose_table(&ctx, 50).await.unwrap();
    assert_eq!(proposed, spec, "propose_table samples and infers the same");
    let shape: Vec<(&str, &str, bool, bool)> = spec
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.sql_type.as_str(), c.nullable, c.key))
        .collect();
    assert_eq!(
        shape,
        vec![
            ("id", "BIGINT", false, true),
            ("event_time", "DATETIME", false, false),
            ("ticker", "VARCHAR(64)", false, false),
            ("price", "DOUBLE", false, false),
        ]
    );
    // The database does not exist yet: init_table creates both.
    let ran = init_table(&ctx, &spec)
        .await
        .expect("the stand-in accepts the DDL");
    assert_eq!(ran, vec![spec.create_database_ddl(), spec.ddl()]);
    // Idempotent (IF NOT EXISTS).
    init_table(&ctx, &spec).await.expect("again");
    let described = describe(&ctx, "example_db", "stock").await.unwrap();
    assert_eq!(
        described, spec.columns,
        "what was created is what was proposed"
    );
    let listed = list_tables(&ctx).await.unwrap();
    assert!(
        listed.contains(&("example_db".to_string(), vec!["stock".to_string()])),
        "{listed:?}"
    );

    // The pipeline with the proposed jsonpaths loads every record.
    let config = w.config(&format!("properties.jsonpaths = '{}'", spec.jsonpaths()));
    let source = KinesisSource::connect_with(
        &config.source,
        ConnectOptions {
            credentials: Some(ks_local::emulator_credentials()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let client = StreamLoadClient::new(
        StreamLoadSettings::from_sink(&config.sink, Secret::new(PASSWORD)).unwrap(),
    )
    .unwrap();
    let handle = ks_engine::start_with(config, source, client, EngineOptions::until_caught_up())
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(120), handle.wait())
        .await
        .expect("caught up in time")
        .expect("the run ends well");
    let count = w.rows("select count(*) from example_db.stock").await;
    assert_eq!(count[0][0].as_deref(), Some("300"));
    let nulls = w
        .rows("select count(*) from example_db.stock where event_time is null")
        .await;
    assert_eq!(
        nulls[0][0].as_deref(),
        Some("0"),
        "every timestamp converted"
    );
    let one = w
        .rows("select event_time, ticker, price from example_db.stock where id = 61")
        .await;
    assert_eq!(
        one[0],
        vec![
            Some("2024-05-28 19:01:01.000061".to_string()),
            Some("AMZN".to_string()),
            Some("0.61".to_string())
        ]
    );

    // With the table in place and the right mapping, every Table check passes.
    let report = w
        .check(&w.ctx(&format!("properties.jsonpaths = '{}'", spec.jsonpaths())))
        .await;
    for c in &report.checks {
        assert_eq!(c.status, CheckStatus::Pass, "{c:#?}");
    }
}

#[test]
fn preview_says_why_each_cell_is_null_or_the_row_is_filtered() {
    let columns = vec![
        col("id", "BIGINT", false),
        col("event_time", "DATETIME", true),
        col("ticker", "VARCHAR(8)", false),
        col("price", "DOUBLE", true),
    ];
    let samples = vec![
        rec(r#"{"id":1,"event_time":"2024-05-28T19:53:17.497201","ticker":"AAPL","price":84.27}"#),
        rec(r#"{"id":2,"event_time":"2024-05-28 19:53:18","ticker":"AMZN"}"#),
        rec(r#"{"id":3,"event_time":"yesterday","ticker":"MSFT","price":"cheap"}"#),
        rec(r#"{"id":4,"event_time":"2024-05-28T19:53:19Z","price":1.5}"#),
        rec(r#"{"id":5,"ticker":"TOOLONGTICKER","price":null}"#),
        rec("not json"),
    ];
    let p = preview(&samples, &columns, &props(&[])).unwrap();
    assert_eq!(p.columns, vec!["id", "event_time", "ticker", "price"]);
    let cells = |i: usize| match &p.rows[i].outcome {
        RowOutcome::Loaded(c) => c.clone(),
        other => panic!("row {i}: {other:?}"),
    };
    assert_eq!(
        cells(0),
        vec![
            PreviewCell::Value("1".into()),
            PreviewCell::Value("2024-05-28 19:53:17.497201".into()),
            PreviewCell::Value("AAPL".into()),
            PreviewCell::Value("84.27".into()),
        ]
    );
    assert_eq!(
        cells(1)[3],
        PreviewCell::NullMissing {
            path: "$.price".into()
        }
    );
    match &cells(2)[1] {
        PreviewCell::NullNotConvertible { value, to_type, .. } => {
            assert_eq!(
                (value.as_str(), to_type.as_str()),
                ("yesterday", "DATETIME")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        &cells(2)[3],
        PreviewCell::NullNotConvertible { value, .. } if value == "cheap"
    ));
    match &p.rows[4].outcome {
        RowOutcome::Filtered { reason, cells } => {
            assert_eq!(
                reason,
                "NULL value in non-nullable column 'ticker': the row is filtered"
            );
            assert!(
                matches!(&cells[2], PreviewCell::NullNotConvertible { value, to_type, .. }
                if value == "TOOLONGTICKER" && to_type == "VARCHAR(8)")
            );
            assert_eq!(cells[3], PreviewCell::Null);
        }
        other => panic!("{other:?}"),
    }
    // Row 3 has no ticker at all: filtered too, the cell says the field is missing.
    match &p.rows[3].outcome {
        RowOutcome::Filtered { cells, .. } => {
            assert_eq!(
                cells[2],
                PreviewCell::NullMissing {
                    path: "$.ticker".into()
                }
            );
            // The other cells are still shown: the `Z` form converts.
            assert_eq!(cells[1], PreviewCell::Value("2024-05-28 19:53:19".into()));
        }
        other => panic!("row 3 without a ticker: {other:?}"),
    }
    assert!(
        matches!(&p.rows[5].outcome, RowOutcome::Filtered { reason, .. } if reason.starts_with("not JSON"))
    );
    assert_eq!((p.loaded(), p.filtered()), (3, 3));

    // Strict mode filters the rows whose values do not convert instead of storing NULL.
    let strict = preview(&samples, &columns, &props(&[("strict_mode", "true")])).unwrap();
    assert!(
        matches!(&strict.rows[2].outcome, RowOutcome::Filtered { reason, .. }
        if reason.contains("yesterday")),
        "{:?}",
        strict.rows[2]
    );
    // A jsonpaths/columns disagreement fails the whole load, as StarRocks does.
    let err = preview(
        &samples,
        &columns,
        &props(&[("jsonpaths", r#"["$.id"]"#), ("columns", "id, ticker")]),
    )
    .unwrap_err();
    assert!(err.to_string().contains("number of jsonpaths"), "{err}");
}

/// A MySQL session on the stand-in as root.
async fn admin_of(sim: &StarRocksSim) -> MysqlAdmin {
    ks_local::root_admin(sim, PASSWORD).await.expect("login")
}

/// Columns id, event_time (NOT NULL unless `event_time_nullable`), ticker, and 4 samples whose
/// event_time is epoch milliseconds and whose ticker is `ticker(i)`.
fn epoch_ms_case(
    event_time_nullable: bool,
    ticker: impl Fn(u64) -> String,
) -> (Vec<ColumnSpec>, Vec<SampledRecord>) {
    let columns = vec![
        col("id", "BIGINT", false),
        col("event_time", "DATETIME", event_time_nullable),
        col("ticker", "VARCHAR(16)", true),
    ];
    let samples = (0..4)
        .map(|i| {
            rec(&format!(
                r#"{{"id":{i},"event_time":{},"ticker":"{}"}}"#,
                1_716_925_997_000u64 + i * 1000,
                ticker(i)
            ))
        })
        .collect();
    (columns, samples)
}

/// The stand-in with table d.t of `columns` (the first column the key), an admin session on it
/// and its load URL.
async fn stand_in_table(
    columns: &[ColumnSpec],
) -> (StarRocksSim, MysqlAdmin, ks_core::schema::TableSpec, String) {
    let sim = StarRocksSim::start(SimConfig {
        password: PASSWORD.into(),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let admin = admin_of(&sim).await;
    let mut key_first = columns.to_vec();
    key_first[0].key = true;
    let spec = ks_core::schema::TableSpec {
        database: "d".into(),
        table: "t".into(),
        columns: key_first,
        buckets: None,
        replication_num: None,
        ..ks_core::schema::TableSpec::default()
    };
    admin.execute(&spec.create_database_ddl()).await.unwrap();
    admin.execute(&spec.ddl()).await.unwrap();
    let load_url = sim.load_url();
    (sim, admin, spec, load_url)
}

/// d.t's event_time values as the stand-in returns them, by id.
async fn stored_event_times(admin: &MysqlAdmin) -> Vec<String> {
    admin
        .query("select event_time from d.t order by id")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r[0].clone().unwrap_or_default())
        .collect()
}

/// One real Stream Load of `samples` into d.t, in the body shape the engine sends (a JSON array)
/// and with the client the engine uses, under `properties` as the config holds them.
async fn load_samples(
    load_url: &str,
    properties: &BTreeMap<String, String>,
    label: &str,
    samples: &[SampledRecord],
) -> Result<ks_starrocks::LoadOutcome, ks_starrocks::LoadError> {
    let settings = StreamLoadSettings {
        load_urls: vec![ks_core::config::LoadUrl::parse(load_url).unwrap()],
        username: "root".into(),
        password: Secret::new(PASSWORD),
        database: "d".into(),
        table: "t".into(),
        properties: properties.clone(),
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(10),
        extra_root_certs_pem: Vec::new(),
    };
    let client = StreamLoadClient::new(settings).unwrap();
    let body: Vec<String> = samples
        .iter()
        .map(|s| String::from_utf8(s.data.clone()).unwrap())
        .collect();
    client
        .load(
            &Label::new(label).unwrap(),
            Bytes::from(format!("[{}]", body.join(","))),
        )
        .await
}

/// The wizard's case: its draft holds only `format = json` (the config reader is what used to add
/// `strip_outer_array`), a sampled epoch-milliseconds field and an existing `DATETIME NOT NULL`
/// column. The preview must give the verdict a real load of the same samples gives, row by row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preview_sends_the_engines_headers_and_agrees_with_a_real_load() {
    let (columns, samples) = epoch_ms_case(false, |i| format!("T{i}"));
    let draft: BTreeMap<String, String> =
        BTreeMap::from([("format".to_string(), "json".to_string())]);
    let (_sim, admin, _spec, load_url) = stand_in_table(&columns).await;

    // Before the fix: the epoch value does not convert, the NOT NULL column filters every row,
    // and the real load (no max_filter_ratio) fails for the same reason.
    let before = preview(&samples, &columns, &draft).unwrap();
    for row in &before.rows {
        match &row.outcome {
            RowOutcome::Filtered { reason, .. } => assert!(
                reason.contains("NULL value in non-nullable column 'event_time'"),
                "{reason}"
            ),
            other => panic!("row {}: {other:?}", row.source_index),
        }
    }
    let refused = load_samples(&load_url, &draft, "before", &samples)
        .await
        .expect_err("every row filtered fails the load");
    assert!(
        matches!(&refused, ks_starrocks::LoadError::DataQuality { error_lines, .. }
            if error_lines.len() == 4
                && error_lines.iter().all(|l| l.contains("NULL value in non-nullable column 'event_time'"))),
        "{refused:?}"
    );

    // After "Apply fix for event_time": every row loads, in the preview and for real, with the
    // values the preview showed.
    let fixes = suggest_fixes(&samples, &columns, &draft).unwrap();
    assert!(fixes.iter().any(|f| f.column == "event_time"), "{fixes:?}");
    let fixed = properties_with_fixes(&columns, &draft, &fixes).unwrap();
    assert!(
        !fixed.contains_key("strip_outer_array"),
        "the fix does not add headers the config does not hold: {fixed:?}"
    );
    let after = preview(&samples, &columns, &fixed).unwrap();
    let loaded_in_preview = after
        .rows
        .iter()
        .filter(|r| matches!(r.outcome, RowOutcome::Loaded(_)))
        .count() as u64;
    let out = load_samples(&load_url, &fixed, "after", &samples)
        .await
        .unwrap();
    assert_eq!(loaded_in_preview, 4, "{after:?}");
    assert_eq!(out.stats.loaded_rows, loaded_in_preview);
    assert_eq!(out.stats.filtered_rows, 0);
    let stored = stored_event_times(&admin).await;
    let previewed: Vec<String> = after
        .column_cells("event_time")
        .iter()
        .map(|c| c.text())
        .collect();
    assert_eq!(stored, previewed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn epoch_millis_in_a_datetime_column_load_null_until_the_suggested_expression() {
    let (columns, samples) = epoch_ms_case(true, |i| format!("  T{i} "));
    let base = props(&[("timezone", "UTC")]);
    let before = preview(&samples, &columns, &base).unwrap();
    for cell in before.column_cells("event_time") {
        assert!(
            matches!(cell, PreviewCell::NullNotConvertible { to_type, .. } if to_type == "DATETIME"),
            "{cell:?}"
        );
    }
    let fixes = suggest_fixes(&samples, &columns, &base).unwrap();
    let names: Vec<(&str, &str)> = fixes
        .iter()
        .map(|f| (f.column.as_str(), f.columns_expression.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            (
                "event_time",
                "event_time=from_unixtime(event_time_src/1000)"
            ),
            ("ticker", "ticker=trim(ticker_src)"),
        ]
    );
    assert!(
        fixes[0].problem.contains("epoch milliseconds"),
        "{}",
        fixes[0].problem
    );
    let fixed = properties_with_fixes(&columns, &base, &fixes).unwrap();
    assert_eq!(
        fixed.get("columns").map(String::as_str),
        Some(
            "id, event_time_src, ticker_src, event_time=from_unixtime(event_time_src/1000), ticker=trim(ticker_src)"
        )
    );
    assert_eq!(
        fixed.get("jsonpaths").map(String::as_str),
        Some(r#"["$.id","$.event_time","$.ticker"]"#)
    );
    let after = preview(&samples, &columns, &fixed).unwrap();
    let times: Vec<String> = after
        .column_cells("event_time")
        .iter()
        .map(|c| c.text())
        .collect();
    assert_eq!(
        times,
        vec![
            "2024-05-28 19:53:17",
            "2024-05-28 19:53:18",
            "2024-05-28 19:53:19",
            "2024-05-28 19:53:20"
        ]
    );
    assert_eq!(after.column_cells("ticker")[1].text(), "T1");

    // What the preview says is what the stand-in stores: load the same records for real.
    let (_sim, admin, spec, load_url) = stand_in_table(&columns).await;
    for (label, properties) in [("before", &base), ("after", &fixed)] {
        let out = load_samples(&load_url, properties, label, &samples)
            .await
            .unwrap();
        assert_eq!(out.stats.loaded_rows, 4);
        let rows = admin
            .query("select event_time, ticker from d.t order by id")
            .await
            .unwrap();
        let stored: Vec<String> = rows
            .iter()
            .map(|r| r[0].clone().unwrap_or_else(|| "NULL".into()))
            .collect();
        let p = preview(&samples, &columns, properties).unwrap();
        let previewed: Vec<String> = p
            .column_cells("event_time")
            .iter()
            .map(|c| match c {
                PreviewCell::Value(v) => v.clone(),
                _ => "NULL".into(),
            })
            .collect();
        assert_eq!(
            stored, previewed,
            "{label}: the stand-in stored what the preview showed"
        );
        admin.execute("DROP TABLE d.t").await.unwrap();
        admin.execute(&spec.ddl()).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_database_and_table_fail_with_the_inferred_ddl_as_the_fix() {
    let w = World::new(1).await;
    w.produce(0..30).await;
    let report = w.check(&w.ctx("")).await;
    let db = report.get("table.database").unwrap();
    assert_eq!(db.status, CheckStatus::Fail, "{db:#?}");
    assert!(
        db.detail.contains("database `example_db` does not exist"),
        "{}",
        db.detail
    );
    let t = report.get("table.exists").unwrap();
    assert_eq!(t.status, CheckStatus::Fail, "{t:#?}");
    let remediation = t.remediation.as_deref().unwrap();
    assert!(
        remediation.contains("kinesis-starrocks init-table --config"),
        "{remediation}"
    );
    let Some(CheckFix::Sql { statements }) = &t.fix else {
        panic!("{t:#?}")
    };
    assert_eq!(statements[0], "CREATE DATABASE IF NOT EXISTS `example_db`");
    assert!(
        statements[1].starts_with(
            "CREATE TABLE IF NOT EXISTS `example_db`.`stock` (\n    `id` BIGINT NOT NULL,"
        ),
        "{}",
        statements[1]
    );
    assert!(
        t.detail
            .contains(r#"["$.id","$.event_time","$.ticker","$.price"]"#),
        "{}",
        t.detail
    );
    for id in ["table.mapping", "table.drift"] {
        assert_eq!(report.get(id).unwrap().status, CheckStatus::Skipped);
    }
    // The fix, run as given, makes the checks pass.
    for s in statements {
        w.sql(s).await;
    }
    let again = w.check(&w.ctx("")).await;
    assert!(again.passed(), "{again:#?}");
    assert_eq!(again.count(CheckStatus::Pass), 4, "{again:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_jsonpaths_not_null_filters_and_drift_are_reported_in_plain_words() {
    let w = World::new(2).await;
    w.produce(0..30).await;
    w.sql("CREATE DATABASE example_db").await;
    w.sql(
        "CREATE TABLE example_db.stock (`id` BIGINT NOT NULL, `event_time` DATETIME NULL, \
         `ticker` VARCHAR(20) NULL, `price` DOUBLE NULL) DUPLICATE KEY(`id`) DISTRIBUTED BY HASH(`id`)",
    )
    .await;

    // A jsonpath that matches nothing: every row would load NULL into price.
    let r = w
        .check(&w.ctx(r#"properties.jsonpaths = '["$.id","$.event_time","$.ticker","$.cost"]'"#))
        .await;
    let m = r.get("table.mapping").unwrap();
    assert_eq!(m.status, CheckStatus::Warn, "{m:#?}");
    assert!(
        m.detail.contains(
            "every row would load NULL into price: $.cost matches no field in any of the 20 sampled records"
        ),
        "{}",
        m.detail
    );
    // The remediation names the field the records have that nothing takes.
    assert!(
        m.remediation
            .as_deref()
            .unwrap()
            .contains("point properties.jsonpaths (or the column names) at fields the records have; unused: price"),
        "{m:#?}"
    );
    // The table has a price column: that is a mapping problem, not drift.
    assert_eq!(r.get("table.drift").unwrap().status, CheckStatus::Pass);

    // ticker NOT NULL and its path wrong: every row is filtered, a failure.
    w.sql("DROP TABLE example_db.stock").await;
    w.sql(
        "CREATE TABLE example_db.stock (`id` BIGINT NOT NULL, `event_time` DATETIME NULL, \
         `ticker` VARCHAR(20) NOT NULL, `price` DOUBLE NULL) DUPLICATE KEY(`id`) DISTRIBUTED BY HASH(`id`)",
    )
    .await;
    let r = w
        .check(&w.ctx(r#"properties.jsonpaths = '["$.id","$.event_time","$.symbol","$.price"]'"#))
        .await;
    let m = r.get("table.mapping").unwrap();
    assert_eq!(m.status, CheckStatus::Fail, "{m:#?}");
    assert!(
        m.detail
            .contains("every row would load NULL into ticker: $.symbol matches no field")
            && m.detail
                .contains("ticker is NOT NULL, so every row would be filtered"),
        "{}",
        m.detail
    );
    assert!(!r.passed());

    // The table lacks price: drift proposes the ALTER TABLE and the jsonpaths change.
    w.sql("DROP TABLE example_db.stock").await;
    w.sql(
        "CREATE TABLE example_db.stock (`id` BIGINT NOT NULL, `event_time` DATETIME NULL, \
         `ticker` VARCHAR(20) NULL) DUPLICATE KEY(`id`) DISTRIBUTED BY HASH(`id`)",
    )
    .await;
    let r = w
        .check(&w.ctx(r#"properties.jsonpaths = '["$.id","$.event_time","$.ticker"]'"#))
        .await;
    assert_eq!(r.get("table.mapping").unwrap().status, CheckStatus::Pass);
    let d = r.get("table.drift").unwrap();
    assert_eq!(d.status, CheckStatus::Warn, "{d:#?}");
    assert!(
        d.detail
            .contains("ALTER TABLE `example_db`.`stock` ADD COLUMN `price` DOUBLE NULL"),
        "{}",
        d.detail
    );
    assert!(
        d.detail.contains(
            r#"sink.properties.jsonpaths = '["$.id","$.event_time","$.ticker","$.price"]'"#
        ),
        "{}",
        d.detail
    );
    assert_eq!(
        d.fix,
        Some(CheckFix::Sql {
            statements: vec![
                "ALTER TABLE `example_db`.`stock` ADD COLUMN `price` DOUBLE NULL".into()
            ]
        })
    );
    // Without jsonpaths the load matches by name: no property change needed.
    let r = w.check(&w.ctx("")).await;
    let d = r.get("table.drift").unwrap();
    assert!(
        d.detail.contains("no jsonpaths change needed"),
        "{}",
        d.detail
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn epoch_values_in_the_stream_get_a_config_fix_and_an_empty_stream_is_said_so() {
    let w = World::new(1).await;
    w.sql("CREATE DATABASE example_db").await;
    w.sql(
        "CREATE TABLE example_db.stock (`id` BIGINT NOT NULL, `ts` DATETIME NULL) \
         DUPLICATE KEY(`id`) DISTRIBUTED BY HASH(`id`)",
    )
    .await;
    assert!(
        matches!(propose_table(&w.ctx(""), 20).await, Err(TableError::NoRecords(m)) if m.contains("has no records")),
        "an empty stream proposes nothing, and says why"
    );
    // Empty stream: mapping and drift are not checked, and say why.
    let r = w.check(&w.ctx("")).await;
    for id in ["table.mapping", "table.drift"] {
        let c = r.get(id).unwrap();
        assert_eq!(c.status, CheckStatus::Skipped, "{c:#?}");
        assert!(
            c.detail.contains("the stream has no records"),
            "{}",
            c.detail
        );
    }
    let records: Vec<serde_json::Value> = (0..5)
        .map(|i| serde_json::json!({"id": i, "ts": 1_716_925_997 + i}))
        .collect();
    ks_local::put_json_records(&w.client, STREAM, &records, &["k".into()])
        .await
        .unwrap();
    let r = w.check(&w.ctx("")).await;
    let m = r.get("table.mapping").unwrap();
    assert_eq!(m.status, CheckStatus::Warn, "{m:#?}");
    assert!(
        m.detail.contains(
            "every row would load NULL into ts: '1716925997' does not convert to DATETIME"
        ),
        "{}",
        m.detail
    );
    assert_eq!(
        m.fix,
        Some(CheckFix::Config {
            changes: vec![
                (
                    "sink.properties.columns".into(),
                    "id, ts_src, ts=from_unixtime(ts_src)".into()
                ),
                (
                    "sink.properties.jsonpaths".into(),
                    r#"["$.id","$.ts"]"#.into()
                ),
            ]
        })
    );
}

#[test]
fn csv_loads_and_where_filters_preview_like_the_load() {
    let columns = vec![
        col("id", "INT", false),
        col("ts", "DATETIME", true),
        col("n", "TINYINT", true),
    ];
    let p = preview(
        &[
            rec("1,2024-05-28 19:53:17,5"),
            rec("2,\\N,300"),
            rec("3,2024-05-28,7"),
            rec("4,2024-05-28"),
        ],
        &columns,
        &BTreeMap::from([
            ("format".to_string(), "csv".to_string()),
            ("column_separator".to_string(), ",".to_string()),
            ("where".to_string(), "id < 3".to_string()),
        ]),
    )
    .unwrap();
    let RowOutcome::Loaded(first) = &p.rows[0].outcome else {
        panic!("{:?}", p.rows[0])
    };
    assert_eq!(first[1], PreviewCell::Value("2024-05-28 19:53:17".into()));
    let RowOutcome::Loaded(second) = &p.rows[1].outcome else {
        panic!("{:?}", p.rows[1])
    };
    assert_eq!(second[1], PreviewCell::Null, "\\N is NULL");
    assert!(
        matches!(&second[2], PreviewCell::NullNotConvertible { value, to_type, .. } if value == "300" && to_type == "TINYINT"),
        "{second:?}"
    );
    assert_eq!(p.rows[2].outcome, RowOutcome::Unselected);
    assert!(
        matches!(&p.rows[3].outcome, RowOutcome::Filtered { reason, .. } if reason.contains("Value count does not match column count")),
        "{:?}",
        p.rows[3]
    );
}

#[test]
fn inferred_datetime_shapes_are_ones_the_stand_in_parses() {
    for s in [
        "2024-05-28T19:53:17.497201",
        "2024-05-28 19:53:17",
        "2024-05-28T19:53:17Z",
        "2024-05-28T19:53:17.5Z",
        "2024-05-28",
        "2024-05-28T19:53:17+02:00",
        "2024-05-28 19:53",
        "28/05/2024",
        "20240528",
    ] {
        if ks_core::schema::temporal_shape(s).is_some() {
            assert!(
                starrocks_model::parse_datetime(s).is_some(),
                "inference proposes DATETIME for {s:?} but a load would not parse it"
            );
        }
        let spec = infer_table("d", "t", &[serde_json::json!({ "v": s })]);
        let ty = &spec.columns[0].sql_type;
        let loads = starrocks_model::convert_json(
            &serde_json::json!(s),
            &ks_core::schema::parse_type(ty).unwrap(),
        );
        assert!(loads.is_ok(), "{s:?} as {ty}: {loads:?}");
    }
}

/// Time zones (issue 13 §3): one instant, 12:00 UTC, written with +08:00, with -05:00, with Z,
/// and naive in New York time (UTC-4 in May), plus a naive January value (UTC-5). Without a
/// conversion StarRocks loads the offsets as NULL and keeps the other wall clocks; the preview
/// says so, proposes `convert_tz` from the zones the wizard asked for, shows the value that
/// lands, and a real load of the same samples stores exactly what the preview showed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datetimes_with_offsets_z_and_naive_values_land_in_the_table_zone() {
    let columns = vec![
        col("id", "BIGINT", false),
        col("event_time", "DATETIME", true),
    ];
    let values = [
        "2024-05-28T20:00:00+08:00",
        "2024-05-28T07:00:00-05:00",
        "2024-05-28T12:00:00Z",
        "2024-05-28 08:00:00",
        "2024-01-15 07:00:00.5",
    ];
    let samples: Vec<SampledRecord> = values
        .iter()
        .enumerate()
        .map(|(i, v)| rec(&format!(r#"{{"id":{i},"event_time":"{v}"}}"#)))
        .collect();
    let (_sim, admin, _spec, load_url) = stand_in_table(&columns).await;
    let base = props(&[("timezone", "UTC")]);

    // As they are: the offsets load NULL; Z and naive keep their wall clocks.
    let before: Vec<String> = preview(&samples, &columns, &base)
        .unwrap()
        .column_cells("event_time")
        .iter()
        .map(|c| c.text())
        .collect();
    assert!(
        before[0].contains("NULL") && before[1].contains("NULL"),
        "{before:?}"
    );
    assert_eq!(
        &before[2..4],
        ["2024-05-28 12:00:00", "2024-05-28 08:00:00"]
    );

    // With the table's zone for naive values the offsets still need converting.
    let fixes = suggest_fixes(&samples, &columns, &base).unwrap();
    assert_eq!(fixes.len(), 1, "{fixes:?}");
    assert!(fixes[0].problem.contains("2 of 5"), "{}", fixes[0].problem);
    // Naive values in New York: those are wrong too now.
    let options = FixOptions {
        naive_zone: Some("America/New_York".into()),
    };
    let fixes = suggest_fixes_with(&samples, &columns, &base, &options).unwrap();
    assert_eq!(fixes.len(), 1, "{fixes:?}");
    let fix = &fixes[0];
    assert_eq!(fix.column, "event_time");
    assert!(fix.problem.contains("4 of 5"), "{}", fix.problem);
    assert!(
        fix.problem
            .contains("lands as NULL as it is, 2024-05-28 12:00:00 converted"),
        "{}",
        fix.problem
    );
    assert!(
        fix.columns_expression.starts_with("event_time=convert_tz(")
            && fix.columns_expression.contains("'America/New_York'"),
        "{}",
        fix.columns_expression
    );
    let fixed = properties_with_fixes(&columns, &base, &fixes).unwrap();
    let after: Vec<String> = preview(&samples, &columns, &fixed)
        .unwrap()
        .column_cells("event_time")
        .iter()
        .map(|c| c.text())
        .collect();
    assert_eq!(
        after,
        [
            "2024-05-28 12:00:00",
            "2024-05-28 12:00:00",
            "2024-05-28 12:00:00",
            "2024-05-28 12:00:00",
            "2024-01-15 12:00:00.500000",
        ],
        "the preview shows the value that lands"
    );
    // No further fix once applied.
    assert!(
        suggest_fixes_with(&samples, &columns, &fixed, &options)
            .unwrap()
            .is_empty()
    );
    // A real load stores what the preview showed.
    let out = load_samples(&load_url, &fixed, "zones", &samples)
        .await
        .unwrap();
    assert_eq!(out.stats.loaded_rows, 5);
    let stored = stored_event_times(&admin).await;
    assert_eq!(stored, after);
}
