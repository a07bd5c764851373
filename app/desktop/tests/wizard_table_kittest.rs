//! The wizard's Stream and Table steps under egui_kittest, driven by their labels, against the
//! real backend (`backend::spawn`) talking to in-process ferrokinesis and the StarRocks stand-in.
//!
//! Records are stock.py-shaped (`event_time` ISO-8601 with microseconds, `ticker`, `price`) plus
//! an `id` and a `ts` in epoch milliseconds: the user types DATETIME for `ts` in the grid, the
//! mapping preview shows NULL (it does not convert), and the one-click fix makes it a value.

mod common;

use common::{BackendErrors, wait_until};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use kinesis_starrocks::backend::{self, Backend, BackendOptions};
use ks_core::{PipelineConfig, Secret};
use ks_local::{LocalWorld, PipelineToml, WorldOptions, create_stream, put_json_records};
use ks_starrocks::MysqlAdmin;
use ks_tests::kittest::{click, has, set_text};
use ks_ui::protocol::Reply;
use ks_ui::wizard::{Step, Wizard};

const PASSWORD: &str = ks_local::world::PASSWORD;
const STREAM: &str = "stock-ticks";
const RECORDS: u64 = 10;
/// 2024-05-28T19:53:17.497Z in epoch milliseconds.
const TS0_MS: u64 = 1_716_925_997_497;

/// The seed's stock record `id` with `ts`, its time in epoch milliseconds.
fn stock_record(id: u64) -> serde_json::Value {
    let mut record = ks_local::stock::stock_record(id);
    record["ts"] = (TS0_MS + id * 1000).into();
    record
}

/// Everything the test stands up; dropped at the end (the backend first, then the services).
struct World {
    local: LocalWorld,
    config: PipelineConfig,
    rt: tokio::runtime::Runtime,
}

impl World {
    async fn admin(&self) -> MysqlAdmin {
        self.local.admin().await.expect("mysql login")
    }
}

fn world(database: &str, table: &str) -> World {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let local = rt.block_on(async {
        let local = LocalWorld::start(WorldOptions {
            stream: STREAM.into(),
            setup_sql: Vec::new(),
            ..WorldOptions::default()
        })
        .await
        .expect("the stand-in and ferrokinesis");
        create_stream(&local.client, "clicks", 1)
            .await
            .expect("create stream");
        let records: Vec<_> = (1..=RECORDS).map(stock_record).collect();
        let keys: Vec<String> = (0..RECORDS).map(|i| format!("pk-{i}")).collect();
        put_json_records(&local.client, STREAM, &records, &keys)
            .await
            .expect("put records");
        local
    });
    let config = local
        .config(&PipelineToml {
            database,
            table,
            source: "initial-position = \"TRIM_HORIZON\"",
            sink: "ssl-mode = \"disabled\"\nproperties.format = \"json\"",
            ..PipelineToml::default()
        })
        .expect("config");
    World { local, config, rt }
}

struct App {
    wizard: Wizard,
    backend: Backend,
    replies: std::sync::mpsc::Receiver<Reply>,
    themed: bool,
    errors: Vec<String>,
}

fn app_ui(ui: &mut egui::Ui, app: &mut App) {
    if !app.themed {
        // As the app does: its fonts (symbol fallback) and style.
        ks_ui::theme::install(ui.ctx());
        app.themed = true;
    }
    while let Ok(reply) = app.replies.try_recv() {
        match reply {
            Reply::Wizard { ticket, reply } => app.wizard.on_reply(ticket, reply),
            Reply::Error(error) => app.errors.push(error.to_string()),
            _ => {}
        }
    }
    app.wizard.ui(ui, &app.backend.link);
}

/// The app on a real backend, its wizard prefilled with `config` (password `password`) and at the
/// Stream step.
fn wizard_app(w: &World, config: PipelineConfig, password: &str) -> App {
    let dir = w.local.dir.path().join("pipelines");
    let backend = backend::spawn(BackendOptions::for_tests(dir), |_| {});
    let mut wizard = Wizard::prefilled("stock".into(), config, Some(Secret::new(password)));
    wizard.go_to(Step::Stream);
    App {
        wizard,
        replies: backend.take_replies(),
        themed: false,
        backend,
        errors: Vec::new(),
    }
}

fn harness(w: &World) -> Harness<'static, App> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 1500.0))
        .wgpu()
        .build_ui_state(app_ui, wizard_app(w, w.config.clone(), PASSWORD))
}

impl BackendErrors for App {
    fn backend_errors(&self) -> &[String] {
        &self.errors
    }
}

/// The Stream Load property `name` as the wizard's draft holds it.
fn property(h: &Harness<'_, App>, name: &str) -> Option<String> {
    h.state().wizard.values().properties.get(name).cloned()
}

/// How many rows the column grid has.
fn grid_len(h: &Harness<'_, App>) -> usize {
    (1..=50)
        .take_while(|n| h.query_by_label(&format!("Column {n} name")).is_some())
        .count()
}

/// The 1-based grid row whose name field holds `name`.
fn grid_row(h: &Harness<'_, App>, name: &str) -> usize {
    for n in 1..=20 {
        let label = format!("Column {n} name");
        let Some(node) = h.query_by_label(&label) else {
            break;
        };
        if node.value().as_deref() == Some(name) {
            return n;
        }
    }
    panic!("no grid row named {name}");
}

fn masked_snapshot(h: &mut Harness<'_, App>, name: &str) {
    // Sequence numbers differ from run to run: mask them.
    let rects: Vec<egui::Rect> = h
        .query_all_by_label_contains("…")
        .map(|n| n.rect())
        .collect();
    for r in rects {
        h.mask(r.expand(2.0));
    }
    h.snapshot(name);
}

#[test]
fn stream_step_lists_samples_and_table_step_creates_table_and_fixes_epoch_ms() {
    let w = world("wizard_db", "ticks");
    let mut h = harness(&w);

    // ---- Stream step: the list, the filter, picking, the timestamp field, Sample ----
    wait_until(&mut h, "the stream list", 20, |h| {
        has(h, STREAM) && has(h, "clicks")
    });
    set_text(&mut h, "Filter streams", "stock");
    assert!(
        has(&h, STREAM) && !has(&h, "clicks"),
        "the filter hides other streams"
    );
    assert!(has(&h, "ACTIVE"), "the list shows the stream status");
    assert!(
        has(&h, "PROVISIONED") && has(&h, "24 h"),
        "the list shows the mode and the retention"
    );
    click(&mut h, STREAM);
    assert_eq!(h.state().wizard.values().stream, STREAM);

    click(&mut h, "AT_TIMESTAMP");
    set_text(&mut h, "Start timestamp (RFC 3339)", "yesterday noon");
    assert!(
        has(&h, "not an RFC 3339 timestamp"),
        "the field says what is wrong"
    );
    set_text(&mut h, "Start timestamp (RFC 3339)", "2024-05-28T00:00:00Z");
    assert!(!has(&h, "not an RFC 3339 timestamp"));
    // Sampling from the start timestamp (AT_TIMESTAMP before every record put).
    click(&mut h, "Sample from");
    click(&mut h, "the start timestamp");
    click(&mut h, "Sample");
    wait_until(&mut h, "the samples", 30, |h| {
        has(h, &format!("{RECORDS} records"))
    });
    click(&mut h, "TRIM_HORIZON");
    let combo = h.get_by_label("Sample from").value().unwrap_or_default();
    assert!(
        combo.contains("oldest kept records"),
        "without AT_TIMESTAMP, sampling falls back to the oldest records: {combo:?}"
    );
    assert_eq!(h.state().wizard.values().samples.len(), RECORDS as usize);
    assert!(
        has(&h, "\"ticker\":\"AAPL\""),
        "the sample table shows the JSON records"
    );
    assert!(has(&h, "shardId-"), "the sample table shows shards");
    masked_snapshot(&mut h, "wizard_stream_step");

    click(&mut h, "Next");
    assert_eq!(h.state().wizard.step(), Step::Table);

    // ---- Table step: grid from the samples, live DDL, Create ----
    wait_until(&mut h, "the grid", 5, |h| {
        h.query_by_label("Column 1 name").is_some()
    });
    assert_eq!(
        h.get_by_label("Column 1 name").value().as_deref(),
        Some("id")
    );
    let ts = grid_row(&h, "ts");
    assert_eq!(
        h.get_by_label(&format!("Column {ts} type"))
            .value()
            .as_deref(),
        Some("BIGINT"),
        "epoch milliseconds infer as BIGINT"
    );
    // The user wants a DATETIME: the DDL preview follows every edit.
    set_text(&mut h, &format!("Column {ts} type"), "DATETIME");
    // Every sample has ts, so it was inferred NOT NULL: a NULL would filter every row. Nullable
    // lets the preview show the NULL itself.
    click(&mut h, &format!("Column {ts} nullable"));
    let ddl = h.get_by_label("DDL preview").value().unwrap_or_default();
    assert!(ddl.contains("`ts` DATETIME NULL"), "live DDL: {ddl}");
    assert!(
        ddl.contains("CREATE TABLE IF NOT EXISTS `wizard_db`.`ticks`"),
        "{ddl}"
    );
    // A bad name is named in the validation message and blocks Create.
    set_text(&mut h, &format!("Column {ts} name"), "ts=1");
    assert!(
        has(&h, &format!("column {ts} (ts=1)")),
        "validation names the column"
    );
    set_text(&mut h, &format!("Column {ts} name"), "ts");
    assert!(!has(&h, "(ts=1)"));

    let grid_names: Vec<String> = (1..=grid_len(&h))
        .map(|n| {
            h.get_by_label(&format!("Column {n} name"))
                .value()
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(grid_names.len(), 5, "one column per field: {grid_names:?}");
    click(&mut h, "Create table");
    wait_until(&mut h, "the table to be created", 20, |h| {
        has(h, "Created. Statements run")
    });
    let (tables, columns) = w.rt.block_on(async {
        let a = w.admin().await;
        let tables = a
            .query("SHOW TABLES FROM wizard_db")
            .await
            .expect("show tables");
        let columns = a
            .table_schema("wizard_db", "ticks")
            .await
            .expect("desc")
            .expect("the table exists");
        (tables, columns)
    });
    assert!(
        tables
            .iter()
            .any(|r| r.first().cloned().flatten().as_deref() == Some("ticks")),
        "SHOW TABLES: {tables:?}"
    );
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, grid_names, "DESC shows the grid's columns");
    let ts_col = columns.iter().find(|c| c.name == "ts").expect("ts column");
    assert_eq!(ts_col.data_type, "datetime");

    // ---- The mapping preview: values, the epoch trap, the one-click fix ----
    wait_until(&mut h, "the mapping preview", 20, |h| {
        has(h, "NULL (does not convert)")
    });
    assert!(has(&h, "AAPL"), "loaded values are shown");
    assert!(
        has(&h, "2024-05-28 19:00:01"),
        "the ISO event_time loads as a DATETIME"
    );
    assert!(
        has(&h, "No sample has a value for: ts"),
        "the all-NULL column is called out"
    );
    assert!(
        h.query_by_label("Apply fix for ts").is_some(),
        "a fix is offered"
    );
    click(&mut h, "Apply fix for ts");
    wait_until(&mut h, "the preview with the fix", 20, |h| {
        !has(h, "NULL (does not convert)") && !has(h, "No sample has a value for")
    });
    let columns_prop = property(&h, "columns").unwrap_or_default();
    assert!(
        columns_prop.contains("from_unixtime"),
        "columns = {columns_prop}"
    );
    let jsonpaths = property(&h, "jsonpaths");
    assert!(jsonpaths.is_some_and(|j| j.contains("$.ts")));
    masked_snapshot(&mut h, "wizard_table_step");

    // Every column loads: Next is open.
    click(&mut h, "Next");
    assert_eq!(h.state().wizard.step(), Step::Review);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
}

/// Database `shop` and the table of `ddl` in the stand-in.
fn create_in_shop(w: &World, ddl: &str) {
    w.rt.block_on(async {
        let a = w.admin().await;
        a.execute("CREATE DATABASE IF NOT EXISTS shop")
            .await
            .expect("db");
        a.execute(ddl).await.expect("table");
    });
}

/// On the Stream step: picks [`STREAM`] from the list and samples it.
fn pick_and_sample_the_stream(h: &mut Harness<'_, App>) {
    wait_until(h, "the stream list", 20, |h| has(h, STREAM));
    click(h, STREAM);
    click(h, "Sample");
    wait_until(h, "the samples", 30, |h| {
        has(h, &format!("{RECORDS} records"))
    });
}

/// The wizard at the Stream step: pick the stream, sample it, Next to the Table step.
fn sampled_at_the_table_step(w: &World) -> Harness<'static, App> {
    let mut h = harness(w);
    pick_and_sample_the_stream(&mut h);
    click(&mut h, "Next");
    assert_eq!(h.state().wizard.step(), Step::Table);
    h
}

#[test]
fn table_step_picks_an_existing_table_and_applies_drift_after_confirmation() {
    // The config names a table that does not exist; the user picks the right one.
    let w = world("shop", "not_there");
    // An older table that knows only some of the fields.
    create_in_shop(
        &w,
        "CREATE TABLE shop.ticks_small (`id` BIGINT NOT NULL, `ticker` VARCHAR(20) NULL) \
         DUPLICATE KEY(`id`) DISTRIBUTED BY HASH(`id`)",
    );
    let mut h = sampled_at_the_table_step(&w);

    click(&mut h, "Use an existing table");
    // The configured table is described without a click: it does not exist, and the error
    // names it and the cluster.
    wait_until(&mut h, "the describe error", 20, |h| {
        has(h, "shop.not_there") && has(h, "does not exist")
    });
    assert!(has(&h, "127.0.0.1:"), "the error names the cluster");
    click(&mut h, "Table");
    click(&mut h, "ticks_small");
    wait_until(&mut h, "the described table", 20, |h| {
        has(h, "shop.ticks_small has 2 columns")
    });
    let jsonpaths = property(&h, "jsonpaths");
    assert_eq!(jsonpaths.as_deref(), Some(r#"["$.id","$.ticker"]"#));
    wait_until(&mut h, "the drift", 20, |h| has(h, "Schema drift"));
    assert!(
        has(&h, "ADD COLUMN `price` DOUBLE NULL"),
        "the ALTER TABLE is shown"
    );

    // Nothing runs before the confirmation; Cancel runs nothing.
    click(&mut h, "Apply ALTER TABLE");
    assert!(has(&h, "Run on the cluster?"));
    masked_snapshot(&mut h, "wizard_table_existing_drift");
    click(&mut h, "Cancel");
    let cols = |w: &World| {
        w.rt.block_on(async {
            w.admin()
                .await
                .table_schema("shop", "ticks_small")
                .await
                .expect("desc")
                .expect("exists")
                .into_iter()
                .map(|c| c.name)
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(cols(&w), ["id", "ticker"]);

    click(&mut h, "Apply ALTER TABLE");
    click(&mut h, "Run it");
    wait_until(&mut h, "the ALTER TABLE", 20, |h| {
        has(h, "Ran: ALTER TABLE")
    });
    let after = cols(&w);
    for c in ["id", "ticker", "price", "event_time", "ts"] {
        assert!(after.iter().any(|a| a == c), "{c} in {after:?}");
    }
    // The table is described again and the new columns are mapped.
    wait_until(&mut h, "the re-described table", 20, |h| {
        has(h, "shop.ticks_small has 5 columns") && !has(h, "Schema drift")
    });
    let jsonpaths = property(&h, "jsonpaths").unwrap_or_default();
    assert!(jsonpaths.contains("$.price"), "{jsonpaths}");
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
}

#[test]
fn errors_name_the_cluster_and_the_stream() {
    let w = world("shop", "missing");
    let mut config = w.config.clone();
    config.source.stream_name = "no-such-stream".into();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 1200.0))
        .build_ui_state(app_ui, wizard_app(&w, config, "wrong-pw"));
    pick_and_sample_the_stream(&mut h);
    // Another stream: the samples of the first one go (they would mislead the Table step).
    set_text(&mut h, "Stream name", "no-such-stream");
    assert!(h.state().wizard.values().samples.is_empty());
    click(&mut h, "Sample");
    wait_until(&mut h, "the sample error", 30, |h| {
        has(h, "cannot sample stream")
    });
    assert!(has(&h, "no-such-stream"), "the error names the stream");
    assert!(
        h.state().wizard.values().samples.is_empty(),
        "no samples from a missing stream"
    );
    // The Table step with a wrong password: the cluster is named, the password is not shown.
    h.state_mut().wizard.go_to(Step::Table);
    h.run_steps(2);
    click(&mut h, "Use an existing table");
    let host = ks_core::config::JdbcUrl::parse(&w.local.sim.jdbc_url())
        .expect("jdbc")
        .authority();
    wait_until(&mut h, "the table list error", 20, |h| {
        has(h, &format!("Cannot list tables: {host}"))
    });
    assert!(!has(&h, "wrong-pw"), "the password never shows");
}

/// The mapping preview tells the truth about an existing `DATETIME NOT NULL` column fed epoch
/// milliseconds: before the fix every row is filtered (and says why) while the columns that do
/// have values are not called empty; after "Apply fix for ts" every sampled record loads and Next
/// opens — as the real load does (the preview sends the engine's Stream Load headers).
#[test]
fn an_epoch_ms_field_into_datetime_not_null_previews_like_the_load() {
    let w = world("shop", "ticks_ms");
    create_in_shop(
        &w,
        "CREATE TABLE shop.ticks_ms (`id` BIGINT NOT NULL, `ticker` VARCHAR(20) NULL, \
         `ts` DATETIME NOT NULL) DUPLICATE KEY(`id`) DISTRIBUTED BY HASH(`id`)",
    );
    let mut h = sampled_at_the_table_step(&w);
    // As a new pipeline's draft holds them: `format = json` only (the config reader adds
    // `strip_outer_array`; the wizard's draft never had it).
    h.state_mut()
        .wizard
        .values_mut()
        .properties
        .remove("strip_outer_array");
    click(&mut h, "Use an existing table");
    wait_until(&mut h, "the described table", 20, |h| {
        has(h, "shop.ticks_ms has 3 columns")
    });
    wait_until(&mut h, "the preview", 20, |h| {
        has(h, &format!("0 of {RECORDS} sampled records load"))
    });
    assert!(
        has(&h, "NULL value in non-nullable column 'ts'"),
        "each filtered row says why"
    );
    assert!(has(&h, "None of the 10 sampled records would load"));
    assert!(has(&h, "AAPL"), "the ticker values are shown");
    assert!(
        has(&h, "No sample has a value for: ts ("),
        "only ts is called empty (not ticker, whose values are shown)"
    );
    assert!(
        h.get_by_label("Next").accesskit_node().is_disabled(),
        "nothing loads: Next stays closed"
    );

    click(&mut h, "Apply fix for ts");
    wait_until(&mut h, "the preview with the fix", 20, |h| {
        has(
            h,
            &format!("{RECORDS} of {RECORDS} sampled records load, 0 filtered"),
        )
    });
    assert!(!has(&h, "NULL value in non-nullable column"));
    assert!(has(&h, "2024-05-2"), "the converted ts is shown");
    assert!(
        !h.get_by_label("Next").accesskit_node().is_disabled(),
        "every record loads: Next opens"
    );
    let image = h.render().expect("render the preview");
    ks_tests::save_screenshot(&image, env!("CARGO_TARGET_TMPDIR"), "wizard-preview-fixed");
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
}

/// Time zones at the Table step (issue 13 §3): a stream whose `at` holds one instant (12:00 UTC)
/// written with +08:00, -05:00, Z and naive in New York time, into an existing DATETIME column.
/// The user picks the table's zone (UTC) and the zone of naive values (New York) from the two
/// combos; the preview proposes `convert_tz`, and once applied shows 12:00 for every record.
#[test]
fn datetimes_with_zones_get_the_convert_tz_fix_from_the_two_zone_choices() {
    let w = world("shop", "zoned_events");
    create_in_shop(
        &w,
        "CREATE TABLE shop.zoned_events (`id` BIGINT NOT NULL, `at` DATETIME NULL) \
         DUPLICATE KEY(`id`) DISTRIBUTED BY HASH(`id`)",
    );
    w.rt.block_on(async {
        create_stream(&w.local.client, "zoned", 1)
            .await
            .expect("create stream");
        let shapes = [
            "2024-05-28T20:00:00+08:00",
            "2024-05-28T07:00:00-05:00",
            "2024-05-28T12:00:00Z",
            "2024-05-28 08:00:00",
        ];
        let records: Vec<_> = (0..4)
            .map(|i| serde_json::json!({ "id": i, "at": shapes[i] }))
            .collect();
        let keys: Vec<String> = (0..4).map(|i| format!("z{i}")).collect();
        put_json_records(&w.local.client, "zoned", &records, &keys)
            .await
            .expect("put records");
    });
    let mut h = harness(&w);
    set_text(&mut h, "Stream name", "zoned");
    click(&mut h, "Sample");
    wait_until(&mut h, "the samples", 30, |h| has(h, "4 records"));
    click(&mut h, "Next");
    assert_eq!(h.state().wizard.step(), Step::Table);
    click(&mut h, "Use an existing table");
    wait_until(&mut h, "the described table", 20, |h| {
        has(h, "shop.zoned_events has 2 columns")
    });
    // StarRocks' default zone (Asia/Shanghai), naive values taken to be in it: the offsets load
    // NULL and the Z value keeps its UTC wall clock.
    wait_until(&mut h, "the zone fix", 20, |h| has(h, "Apply fix for at"));
    assert!(has(
        &h,
        "3 of 4 sampled values at $.at would not land as Asia/Shanghai time"
    ));

    let table_zone = ks_ui::wizard::table::table_zones::TABLE_ZONE;
    let naive_zone = ks_ui::wizard::table::table_zones::NAIVE_ZONE;
    click(&mut h, table_zone);
    click(&mut h, "UTC");
    assert_eq!(property(&h, "timezone").as_deref(), Some("UTC"));
    click(&mut h, naive_zone);
    click(&mut h, "America/New_York");
    assert_eq!(h.state().wizard.values().naive_zone, "America/New_York");
    wait_until(&mut h, "the fix for New York and UTC", 20, |h| {
        has(
            h,
            "3 of 4 sampled values at $.at would not land as UTC time",
        )
    });
    click(&mut h, "Apply fix for at");
    // The column is nullable, so "4 of 4 load" held before the fix too (two of them NULL):
    // wait for the preview computed with the fix, whose cells all read 12:00.
    wait_until(&mut h, "the preview with the fix", 20, |h| {
        has(h, "4 of 4 sampled records load, 0 filtered")
            && h.query_all_by_label_contains("2024-05-28 12:00:00").count() == 4
    });
    let columns = property(&h, "columns").unwrap_or_default();
    assert!(
        columns.contains("convert_tz(") && columns.contains("'America/New_York'"),
        "{columns}"
    );
    let noon = h.query_all_by_label_contains("2024-05-28 12:00:00").count();
    assert_eq!(noon, 4, "every record lands at 12:00 UTC in the preview");
    let image = h.render().expect("render the preview");
    ks_tests::save_screenshot(&image, env!("CARGO_TARGET_TMPDIR"), "wizard-zones-fixed");
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
}

/// A PRIMARY KEY table from the samples (issue 13 §2): the choice says what it does, the live
/// DDL follows it (key, sort key), a nullable key is refused with the reason, and the table the
/// cluster then has is a primary-key table sorted as asked.
#[test]
fn the_create_grid_makes_a_primary_key_table_with_a_sort_key() {
    let w = world("pk_db", "quotes");
    let mut h = sampled_at_the_table_step(&w);
    wait_until(&mut h, "the grid", 5, |h| {
        h.query_by_label("Column 1 name").is_some()
    });
    assert!(has(&h, "Duplicate key: every record becomes a row"));
    click(&mut h, "Primary key");
    assert!(has(
        &h,
        "Primary key: a record replaces the row with the same key"
    ));
    set_text(&mut h, "Sort key (optional)", "ticker");
    let ddl = h.get_by_label("DDL preview").value().unwrap_or_default();
    assert!(
        ddl.contains("PRIMARY KEY(`id`)") && ddl.ends_with("ORDER BY (`ticker`);"),
        "live DDL: {ddl}"
    );
    // The key must be NOT NULL: ticking nullable on it blocks Create and says why.
    click(&mut h, "Column 1 nullable");
    assert!(has(&h, "a primary key column is NOT NULL"));
    click(&mut h, "Column 1 nullable");
    assert!(!has(&h, "a primary key column is NOT NULL"));
    click(&mut h, "Create table");
    wait_until(&mut h, "the table to be created", 20, |h| {
        has(h, "Created. Statements run")
    });
    let create = w.rt.block_on(async {
        w.admin()
            .await
            .query("SHOW CREATE TABLE pk_db.quotes")
            .await
            .expect("show create table")
    });
    let text = format!("{create:?}");
    assert!(
        text.contains("PRIMARY KEY(`id`)") && text.contains("ORDER BY(`ticker`)"),
        "{text}"
    );
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
}

/// Updates and deletes at the Table step (issue 13 §2): on an existing PRIMARY KEY table the user
/// lets records delete rows through a field, then chooses to ignore deletes, and asks for
/// partial updates; each "Apply to the mapping" rewrites the properties the engine sends, and the
/// preview still loads every sampled record.
#[test]
fn updates_and_deletes_rewrite_the_mapping_for_a_primary_key_table() {
    let w = world("shop", "ticks_pk");
    create_in_shop(
        &w,
        "CREATE TABLE shop.ticks_pk (`id` BIGINT NOT NULL, `ticker` VARCHAR(20) NULL, \
         `price` DOUBLE NULL) PRIMARY KEY(`id`) DISTRIBUTED BY HASH(`id`)",
    );
    let mut h = sampled_at_the_table_step(&w);
    click(&mut h, "Use an existing table");
    wait_until(&mut h, "the described table", 20, |h| {
        has(h, "shop.ticks_pk has 3 columns")
    });
    // The page settles first (drift and preview arrive from the backend and move the layout).
    wait_until(&mut h, "the drift and the preview", 20, |h| {
        has(h, "Schema drift") && has(h, &format!("{RECORDS} of {RECORDS} sampled records load"))
    });
    click(&mut h, "Updates and deletes (PRIMARY KEY tables)");
    wait_until(&mut h, "the section open", 5, |h| {
        has(h, "Records can delete rows")
    });
    click(&mut h, "Records can delete rows");
    click(&mut h, "Partial update");
    click(&mut h, "Apply to the mapping");
    assert_eq!(
        property(&h, "columns").as_deref(),
        Some("id, ticker, price, op_src, __op = if(ifnull(op_src, '') = 'd', 1, 0)")
    );
    assert_eq!(
        property(&h, "jsonpaths").as_deref(),
        Some(r#"["$.id","$.ticker","$.price","$.op"]"#)
    );
    assert_eq!(property(&h, "partial_update").as_deref(), Some("true"));
    wait_until(&mut h, "the preview", 20, |h| {
        has(h, &format!("{RECORDS} of {RECORDS} sampled records load"))
    });
    click(&mut h, "Ignore deletes");
    click(&mut h, "Apply to the mapping");
    assert_eq!(
        property(&h, "columns").as_deref(),
        Some("id, ticker, price, op_src")
    );
    assert_eq!(
        property(&h, "where").as_deref(),
        Some("ifnull(op_src, '') != 'd'")
    );
    wait_until(&mut h, "the preview with the where", 20, |h| {
        has(h, &format!("{RECORDS} of {RECORDS} sampled records load"))
    });
    let image = h.render().expect("render the table step");
    ks_tests::save_screenshot(
        &image,
        env!("CARGO_TARGET_TMPDIR"),
        "wizard-updates-deletes",
    );
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
}

/// Enhanced fan-out at the Stream step (issue 13 §1): the choice says what each reader gives and
/// what enhanced fan-out costs for the stream's shards, names the pipeline's consumer, lists the
/// consumers already on the stream (marking the pipeline's own, which a start reuses), and the
/// lifecycle choice reaches the config.
#[test]
fn the_stream_step_offers_enhanced_fan_out_with_its_cost_and_the_registered_consumers() {
    use ks_ui::wizard::stream::stream_reader::{DEREGISTER, EFO, KEEP, POLLING};
    let w = world("wizard_db", "ticks");
    // Another app's consumer, and this pipeline's own from an earlier run.
    w.rt.block_on(async {
        let source = w.local.kinesis.source(STREAM).await;
        for name in ["analytics-lambda", "kinesis-starrocks-stock"] {
            source
                .ensure_consumer(name, std::time::Duration::from_secs(30))
                .await
                .expect("consumer registered");
        }
    });
    let mut h = harness(&w);
    wait_until(&mut h, "the stream list", 20, |h| has(h, STREAM));
    click(&mut h, STREAM);
    assert!(has(&h, POLLING) && has(&h, "GetRecords polling: no extra cost"));
    assert!(
        !h.state().wizard.values().enhanced_fan_out,
        "polling by default"
    );
    click(&mut h, EFO);
    wait_until(&mut h, "the registered consumers", 20, |h| {
        has(h, "analytics-lambda")
    });
    assert!(
        has(&h, "its own 2 MB/s per shard"),
        "what enhanced fan-out gives"
    );
    assert!(
        has(&h, "per consumer-shard-hour ($0.015")
            && has(&h, "2 open shards, about $21.90 a month plus $0.013 per GB"),
        "the cost in words for the stream's 2 shards"
    );
    assert!(has(&h, "this pipeline's: reused at start"));
    assert!(has(&h, "kinesis-starrocks-stock"));
    assert!(has(&h, "Deleting the pipeline in this app deregisters it"));
    let config = h.state().wizard.values().build_config();
    assert_eq!(config.source.reader, ks_core::ReaderKind::Efo);
    assert_eq!(config.source.efo_consumer, ks_core::EfoConsumer::Pipeline);
    assert!(config.validate().is_ok(), "{:?}", config.validate());
    let image = h.render().expect("render the Stream step");
    ks_tests::save_screenshot(
        &image,
        env!("CARGO_TARGET_TMPDIR"),
        "wizard-enhanced-fan-out",
    );

    click(&mut h, KEEP);
    assert!(has(&h, "stays registered, and billed"));
    let config = h.state().wizard.values().build_config();
    assert_eq!(config.source.efo_consumer, ks_core::EfoConsumer::Keep);
    click(&mut h, DEREGISTER);
    click(&mut h, POLLING);
    let config = h.state().wizard.values().build_config();
    assert_eq!(config.source.reader, ks_core::ReaderKind::Polling);
    assert!(config.validate().is_ok(), "polling drops the consumer keys");
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
}
