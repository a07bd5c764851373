//! The monitor, driven through its widgets (egui_kittest, headless) over the real backend:
//! ferrokinesis in-process, the StarRocks stand-in, the engine. Start from the monitor's Start
//! button, rows arrive, a filtered row shows in the errors panel with its ErrorURL lines, an
//! outage of the stand-in shows as a stall with its reason and then recovers, Stop
//! flushes (rows in the stand-in == records produced − filtered). A rendered image of the monitor
//! goes to the test's tmp dir (and to assets/screenshots/monitor.png with UPDATE_SCREENSHOTS=1).

mod common;

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use kinesis_starrocks::backend;
use ks_core::PipelineConfig;
use ks_local::world::{Endpoints, pipeline_toml, query_u64};
use ks_local::{
    EmbeddedKinesis, LocalWorld, PipelineToml, WorldOptions, put_json_records, root_admin,
};
use ks_tests::image;
use ks_tests::kittest;
use ks_ui::protocol::RunStatus;
use ks_ui::{KsApp, app::Page};
use starrocks_sim::{SimConfig, StarRocksSim};
use std::path::Path;
use std::time::{Duration, Instant};

const PASSWORD: &str = "monitor-pw";
const STREAM: &str = "stock-stream";

async fn rows(sim: &StarRocksSim) -> u64 {
    let admin = root_admin(sim, PASSWORD).await.expect("mysql login");
    query_u64(&admin, "select count(*) from example_db.stock")
        .await
        .unwrap()
}

fn record(id: u64, with_ticker: bool) -> serde_json::Value {
    let mut v = serde_json::json!({
        "id": id,
        "event_time": format!("2024-05-28T19:00:{:02}.{:06}", id % 60, id),
        "price": id as f64 / 10.0,
    });
    if with_ticker {
        v["ticker"] = "AMZN".into();
    }
    v
}

/// ferrokinesis with a 2-shard stream and the stand-in with `example_db.stock`.
async fn world() -> (EmbeddedKinesis, StarRocksSim, aws_sdk_kinesis::Client) {
    let LocalWorld {
        kinesis,
        client,
        sim,
        ..
    } = LocalWorld::start(WorldOptions {
        stream: STREAM.into(),
        sim: SimConfig {
            password: PASSWORD.into(),
            ..Default::default()
        },
        ..Default::default()
    })
    .await
    .unwrap();
    (kinesis, sim, client)
}

/// The pipeline "stock" against `world()`, with `sink_extra` lines in [sink].
fn config_text(
    dir: &Path,
    kinesis: &EmbeddedKinesis,
    sim: &StarRocksSim,
    sink_extra: &str,
) -> String {
    let at = Endpoints {
        stream: STREAM,
        kinesis: Some(kinesis.endpoint_url().to_string()),
        state_dir: Some(dir.join("state")),
        jdbc: sim.jdbc_url(),
        load: sim.load_url(),
    };
    pipeline_toml(
        &at,
        &PipelineToml {
            source: "initial-position = \"TRIM_HORIZON\"\ndiscovery-interval-ms = 500",
            sink: &format!(
                "buffer-flush.interval-ms = 300\nproperties.format = \"json\"\n{sink_extra}"
            ),
            ..PipelineToml::default()
        },
    )
}

/// The app with `config` saved as "stock" and its monitor open.
fn app_on(dir: &Path, config: PipelineConfig) -> (backend::Backend, Harness<'static, KsApp>) {
    assert_eq!(config.name, "stock");
    common::monitor_app(dir, vec![config], PASSWORD)
}

/// The latest snapshot of pipeline "stock" the monitor holds.
fn stock_snapshot(app: &KsApp) -> Option<&ks_core::snapshot::Snapshot> {
    app.monitor("stock").and_then(|m| m.snapshot.as_ref())
}

/// Steps the UI (draining the backend's replies) until `pred` holds; panics with `what`.
fn step_until(
    harness: &mut Harness<'_, KsApp>,
    what: &str,
    secs: u64,
    pred: impl Fn(&KsApp) -> bool,
) {
    kittest::step_until_explained(
        harness,
        what,
        secs,
        |h| pred(h.state()),
        |app| {
            let m = app
                .monitor("stock")
                .map(|m| format!("status {:?}\nsnapshot {:#?}", m.status, m.snapshot));
            format!("messages {:?}; {m:?}", app.messages)
        },
    );
}

#[test]
fn start_load_filtered_rows_and_stop_from_the_monitor() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (kinesis, sim, client) = rt.block_on(world());
    let dir = tempfile::tempdir().unwrap();
    let config_text = config_text(
        dir.path(),
        &kinesis,
        &sim,
        "max-retries = 3\nretry-interval-ms = 3000\nproperties.strip_outer_array = \"true\"\n\
         properties.max_filter_ratio = \"0.5\"",
    );
    let config = PipelineConfig::from_toml_str(&config_text, Path::new("stock.toml")).unwrap();

    let (backend, mut harness) = app_on(dir.path(), config);
    step_until(&mut harness, "the saved pipeline in the list", 20, |a| {
        a.pipelines
            .iter()
            .any(|p| p.name == "stock" && p.config.is_ok())
    });
    assert_eq!(harness.state().page, Page::Monitor("stock".into()));
    let saved = std::fs::read_to_string(dir.path().join("pipelines/stock.toml")).unwrap();
    assert!(
        !saved.contains(PASSWORD),
        "the password is in the config file:\n{saved}"
    );

    // 20 records, one without the NOT NULL ticker: StarRocks filters it.
    let first: Vec<_> = (0..20).map(|i| record(i, i != 7)).collect();
    let keys: Vec<String> = (0..4).map(|i| format!("k{i}")).collect();
    rt.block_on(put_json_records(&client, STREAM, &first, &keys))
        .unwrap();

    harness.get_by_label("Start").click();
    step_until(&mut harness, "19 rows loaded and 1 filtered", 60, |a| {
        stock_snapshot(a).is_some_and(|s| s.totals.rows_loaded == 19 && s.totals.rows_filtered == 1)
    });
    assert_eq!(rt.block_on(rows(&sim)), 19);
    harness.run_steps(3);
    // The errors panel: the StarRocks message, the ErrorURL and its lines, inline.
    let snapshot = stock_snapshot(harness.state())
        .cloned()
        .expect("a snapshot");
    let entry = snapshot
        .errors
        .iter()
        .find(|e| e.message.contains("filtered"))
        .expect("a filtered-rows error entry");
    assert!(
        !entry.error_lines.is_empty(),
        "no ErrorURL lines: {entry:?}"
    );
    harness.get_by_label_contains("row(s) filtered by StarRocks");
    harness.get_by_label_contains("ErrorURL: http");
    let first_line: String = entry.error_lines[0].chars().take(40).collect();
    harness.get_by_label_contains(&first_line);
    assert!(harness.query_all_by_label("Copy").count() >= 1);

    // The plot has points; the state reads "running".
    step_until(&mut harness, "throughput points", 20, |a| {
        a.monitor("stock").is_some_and(|m| m.rates.len() >= 2)
    });
    assert!(harness.query_all_by_label("running").count() >= 1);
    let image = harness.render().expect("render the monitor");
    let out = ks_tests::save_screenshot(&image, env!("CARGO_TARGET_TMPDIR"), "monitor");
    assert!(
        ks_tests::distinct_colours(&image::DynamicImage::ImageRgba8(image).to_rgb8()) >= 16,
        "the monitor rendered blank: {}",
        out.display()
    );

    // The stand-in goes down for a minute: the monitor shows the stall with its reason before
    // the load is retried once, then the recovery.
    let attempts_before =
        stock_snapshot(harness.state()).map_or(0, |s| s.totals.loads_failed_attempts);
    sim.faults().go_down(Duration::from_secs(60));
    let down_at = Instant::now();
    let during: Vec<_> = (50..55).map(|i| record(i, true)).collect();
    rt.block_on(put_json_records(&client, STREAM, &during, &keys))
        .unwrap();
    step_until(&mut harness, "a visible stall", 30, |a| {
        stock_snapshot(a)
            .is_some_and(|s| matches!(s.state, ks_core::snapshot::PipelineState::Stalled { .. }))
    });
    let failed = stock_snapshot(harness.state()).map_or(0, |s| s.totals.loads_failed_attempts);
    assert_eq!(
        failed - attempts_before,
        1,
        "the stall showed only after a retry"
    );
    harness.run_steps(2);
    harness.get_by_label_contains("stalled: ");
    assert!(harness.query_all_by_label_contains("127.0.0.1").count() >= 1);
    step_until(&mut harness, "the recovery and 24 rows", 150, |a| {
        stock_snapshot(a).is_some_and(|s| {
            matches!(s.state, ks_core::snapshot::PipelineState::Running)
                && s.totals.rows_loaded == 24
        })
    });
    assert!(down_at.elapsed() >= Duration::from_secs(59));

    // Closing the window while it runs asks first; "Keep running" keeps it.
    let close = |h: &mut Harness<'_, KsApp>, on: bool| {
        let events = &mut h
            .input_mut()
            .viewports
            .get_mut(&egui::ViewportId::ROOT)
            .unwrap()
            .events;
        if on {
            events.push(egui::ViewportEvent::Close);
        } else {
            events.clear();
        }
    };
    close(&mut harness, true);
    harness.step();
    close(&mut harness, false);
    harness.run_steps(2);
    harness.get_by_label("A pipeline is running");
    harness.get_by_label("Keep running").click();
    harness.run_steps(2);
    assert!(harness.query_by_label("A pipeline is running").is_none());
    assert!(harness.state().monitor("stock").unwrap().is_running());

    // 30 more, then Stop at once: the stop flushes what was read and confirms it.
    let more: Vec<_> = (20..50).map(|i| record(i, true)).collect();
    rt.block_on(put_json_records(&client, STREAM, &more, &keys))
        .unwrap();
    step_until(&mut harness, "the new records read", 30, |a| {
        stock_snapshot(a).is_some_and(|s| s.totals.records_read == 55)
    });
    harness.get_by_label("Stop").click();
    step_until(&mut harness, "the engine to end", 60, |a| {
        a.monitor("stock")
            .is_some_and(|m| matches!(m.status, RunStatus::Ended(Ok(_))))
    });
    assert_eq!(
        rt.block_on(rows(&sim)),
        54,
        "rows == produced − filtered after Stop"
    );
    harness.run_steps(2);
    harness.get_by_label("Start");
    // The shards table no longer says "reading".
    assert!(harness.query_all_by_label("reading").next().is_none());
    let shards = stock_snapshot(harness.state()).map_or(0, |s| s.shards.len());
    assert!(shards > 0);
    // Every shard row says stopped (the header and the pipeline list say it too).
    let stopped = harness
        .query_all_by_label(ks_ui::monitor::shards::STOPPED)
        .count();
    assert!(stopped > shards, "{stopped} labels for {shards} shards");

    // Edit opens the saved pipeline in the wizard; Home and the list lead back.
    harness.get_by_label("Edit").click();
    harness.run_steps(2);
    assert_eq!(harness.state().page, Page::Wizard);
    assert!(harness.state().wizard.is_some());
    harness.get_by_label("Home").click();
    harness.run_steps(2);
    assert_eq!(harness.state().page, Page::Welcome);
    // The side panel's entry and the welcome page's link both open it.
    harness.query_all_by_label("stock").next().unwrap().click();
    harness.run_steps(2);
    assert_eq!(harness.state().page, Page::Monitor("stock".into()));
    // Delete asks first, then the config file is gone and the list says so.
    harness.get_by_label("Delete…").click();
    harness.run_steps(2);
    harness.get_by_label("Delete pipeline").click();
    step_until(&mut harness, "the pipeline to leave the list", 20, |a| {
        a.page == Page::Welcome && !a.pipelines.iter().any(|p| p.name == "stock")
    });
    assert!(!dir.path().join("pipelines/stock.toml").exists());
    drop(harness);
    drop(backend);
    rt.block_on(sim.shutdown());
}

/// `kinesis-starrocks run` on `config`, with the password in the environment.
fn run_process(config: &Path) -> std::process::Command {
    let mut c = ks_tests::app_command(env!("CARGO_BIN_EXE_kinesis-starrocks"), PASSWORD);
    c.arg("run")
        .arg("--config")
        .arg(config)
        .env("RUST_LOG", "warn,kinesis_starrocks=info,ks_engine=info")
        .stdout(std::process::Stdio::null());
    c
}

#[test]
fn one_engine_per_pipeline_between_the_app_and_run() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (kinesis, sim, client) = rt.block_on(world());
    let dir = tempfile::tempdir().unwrap();
    let config_text = config_text(dir.path(), &kinesis, &sim, "");
    let config_path = dir.path().join("stock.toml");
    std::fs::write(&config_path, &config_text).unwrap();
    let config = PipelineConfig::from_toml_str(&config_text, &config_path).unwrap();
    let keys: Vec<String> = (0..4).map(|i| format!("k{i}")).collect();
    let batch = |from: u64| {
        (from..from + 50)
            .map(|i| record(i, true))
            .collect::<Vec<_>>()
    };
    rt.block_on(put_json_records(&client, STREAM, &batch(0), &keys))
        .unwrap();

    // A `run` in a terminal holds the pipeline before the app opens it.
    let log = dir.path().join("run.log");
    let mut run = ks_tests::ChildGuard::spawn(
        "run",
        run_process(&config_path).stderr(std::fs::File::create(&log).unwrap()),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&log)
        .unwrap_or_default()
        .contains("reading shardId-")
    {
        assert!(Instant::now() < deadline, "`run` did not start");
        std::thread::sleep(Duration::from_millis(100));
    }

    let (backend, mut harness) = app_on(dir.path(), config);
    let held = format!("pipeline stock is already running (pid {} on ", run.id());
    step_until(
        &mut harness,
        "the monitor naming the other engine",
        20,
        |a| {
            a.monitor("stock").is_some_and(|m| {
                m.held_elsewhere
                    .as_ref()
                    .is_some_and(|h| h.contains("kinesis-starrocks run"))
            })
        },
    );
    harness.run_steps(2);
    harness.get_by_label_contains(&held);
    harness.get_by_label_contains("kinesis-starrocks run); stop it first");
    assert!(
        harness.get_by_label("Start").accesskit_node().is_disabled(),
        "Start is enabled while another engine runs the pipeline"
    );
    assert!(harness.query_all_by_label("running elsewhere").count() >= 1);

    // kill -9 frees it at once: the app notices by itself and Start works again.
    run.child_mut().kill().unwrap(); // SIGKILL
    run.child_mut().wait().unwrap();
    step_until(&mut harness, "Start enabled again", 20, |a| {
        a.monitor("stock")
            .is_some_and(|m| m.held_elsewhere.is_none())
    });
    harness.run_steps(2);
    assert!(!harness.get_by_label("Start").accesskit_node().is_disabled());
    assert!(
        harness
            .query_by_label_contains("is already running")
            .is_none()
    );
    rt.block_on(put_json_records(&client, STREAM, &batch(50), &keys))
        .unwrap();
    harness.get_by_label("Start").click();
    // What `run` loaded before the kill stays loaded (its checkpoint says so); the app's engine
    // loads the rest. How much each did depends on timing; the table must end with all 100, once.
    step_until(&mut harness, "the app's engine catching up", 60, |a| {
        stock_snapshot(a).is_some_and(|s| s.caught_up && s.totals.rows_loaded >= 50)
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while rt.block_on(rows(&sim)) < 100 && Instant::now() < deadline {
        harness.run_steps(2);
        std::thread::sleep(Duration::from_millis(100));
    }
    let distinct = rt.block_on(async {
        let admin = root_admin(&sim, PASSWORD).await.expect("mysql login");
        query_u64(&admin, "select count(distinct id) from example_db.stock")
            .await
            .unwrap()
    });
    assert_eq!(
        (rt.block_on(rows(&sim)), distinct),
        (100, 100),
        "every record once, between `run` and the app"
    );

    // Now the app holds it: a `run` is refused, naming the app.
    let out = run_process(&config_path)
        .arg("--stop-when-caught-up")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "pipeline stock is already running (pid {} on ",
            std::process::id()
        )) && stderr.contains("kinesis-starrocks app); stop it first"),
        "{stderr}"
    );
    harness.get_by_label("Stop").click();
    step_until(&mut harness, "the engine to end", 60, |a| {
        a.monitor("stock")
            .is_some_and(|m| matches!(m.status, RunStatus::Ended(Ok(_))))
    });
    assert_eq!(rt.block_on(rows(&sim)), 100, "every row once");
    drop(harness);
    drop(backend);
    rt.block_on(sim.shutdown());
}

/// A refused batch set aside (`on-data-error = "dead-letter"`) and throttled GetRecords (a proxy
/// refuses every other call): the monitor shows the dead-letter file with its path, reason and
/// count (apart from filtered rows) and a Copy path button, the batch in Recent loads, and the
/// throttled shards in the header, a notice and the shards table.
#[test]
fn dead_letters_and_throttling_show_in_the_monitor() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (kinesis, sim, client) = rt.block_on(world());
    let proxy = rt
        .block_on(ks_local::KinesisProxy::start(kinesis.addr()))
        .unwrap();
    proxy
        .counts
        .throttle
        .store(true, std::sync::atomic::Ordering::Relaxed);
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "on-data-error = \"dead-letter\"\n{}",
        config_text(dir.path(), &kinesis, &sim, "")
    )
    .replace(kinesis.endpoint_url(), &proxy.url);
    let config = PipelineConfig::from_toml_str(&text, Path::new("stock.toml")).unwrap();
    // Six records, one without the NOT NULL ticker: without max_filter_ratio the batch is refused.
    let records: Vec<_> = (0..6).map(|i| record(i, i != 3)).collect();
    rt.block_on(put_json_records(
        &client,
        STREAM,
        &records,
        &["k0".to_string()],
    ))
    .unwrap();

    let (backend, mut harness) = app_on(dir.path(), config);
    step_until(&mut harness, "the saved pipeline in the list", 20, |a| {
        a.pipelines
            .iter()
            .any(|p| p.name == "stock" && p.config.is_ok())
    });
    harness.get_by_label("Start").click();
    step_until(
        &mut harness,
        "6 rows dead-lettered and a throttled shard",
        60,
        |a| {
            stock_snapshot(a).is_some_and(|s| {
                s.totals.rows_dead_lettered == 6
                    && s.shards.iter().any(|sh| sh.last_throttled_ms.is_some())
            })
        },
    );
    harness.run_steps(3);
    let snapshot = stock_snapshot(harness.state())
        .cloned()
        .expect("a snapshot");
    assert_eq!(snapshot.totals.rows_filtered, 0);
    let dead = &snapshot.dead_letters[0];
    assert!(
        Path::new(&dead.path).starts_with(dir.path().join("state").join("dead-letter")),
        "{dead:?}"
    );
    assert!(Path::new(&dead.path).is_file());
    harness.get_by_label_contains("Dead letters: 6 rows set aside this run");
    harness.get_by_label(&dead.path);
    assert!(
        dead.reason
            .contains("NULL value in non-nullable column 'ticker'"),
        "the reason carries StarRocks' first error line: {dead:?}"
    );
    harness.get_by_label(&format!("reason: {}", dead.reason));
    harness.get_by_label("Copy path").click();
    harness.get_by_label("DeadLettered");
    assert!(
        harness
            .query_all_by_label_contains("GetRecords throttled on")
            .count()
            >= 2,
        "the header and the notice say it"
    );
    harness.get_by_label_contains("another application is most likely reading the same shards");
    harness.get_by_label("throttled");
    // "Copy diagnostics": the config, the errors with StarRocks' ErrorURL lines, the snapshot.
    harness
        .get_by_label(ks_ui::monitor::header::COPY_DIAGNOSTICS)
        .click();
    harness.step();
    let copied: Vec<String> = harness
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(copied.len(), 1, "one copy: {copied:?}");
    let bundle = &copied[0];
    for part in [
        "# kinesis-starrocks diagnostics",
        "on-data-error = \"dead-letter\"",
        "NULL value in non-nullable column 'ticker'",
        "\"rows_dead_lettered\": 6",
    ] {
        assert!(bundle.contains(part), "{part} missing:\n{bundle}");
    }
    assert!(
        !bundle.contains(PASSWORD),
        "the password stays out:\n{bundle}"
    );
    // interval-ms = 300 on one open shard: more than one load a second.
    harness.get_by_label(ks_ui::monitor::load_frequency::HEADING);
    harness.get_by_label_contains("up to 200 loads a minute, one every 300 ms");

    let image = harness.render().expect("render the monitor");
    ks_tests::save_screenshot(&image, env!("CARGO_TARGET_TMPDIR"), "monitor-throttled");

    harness.get_by_label("Stop").click();
    step_until(&mut harness, "the engine to end", 60, |a| {
        a.monitor("stock")
            .is_some_and(|m| matches!(m.status, RunStatus::Ended(Ok(_))))
    });
    assert_eq!(rt.block_on(rows(&sim)), 0);
    drop(harness);
    drop(backend);
    rt.block_on(sim.shutdown());
}

/// Enhanced fan-out from the app (issue 13 §1): the run registers the pipeline's consumer, the
/// header names it, every record lands, and Delete says it deregisters the consumer, then does.
#[test]
fn an_enhanced_fan_out_pipeline_loads_and_delete_deregisters_its_consumer() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (kinesis, sim, client) = rt.block_on(world());
    let dir = tempfile::tempdir().unwrap();
    let text = config_text(dir.path(), &kinesis, &sim, "").replace(
        "initial-position = \"TRIM_HORIZON\"",
        "initial-position = \"TRIM_HORIZON\"\nreader = \"efo\"",
    );
    let config = PipelineConfig::from_toml_str(&text, Path::new("stock.toml")).unwrap();
    assert_eq!(config.source.reader, ks_core::ReaderKind::Efo);
    let (backend, mut harness) = app_on(dir.path(), config);
    step_until(&mut harness, "the saved pipeline in the list", 20, |a| {
        a.pipelines
            .iter()
            .any(|p| p.name == "stock" && p.config.is_ok())
    });
    let records: Vec<_> = (0..30).map(|i| record(i, true)).collect();
    let keys: Vec<String> = (0..4).map(|i| format!("k{i}")).collect();
    rt.block_on(put_json_records(&client, STREAM, &records, &keys))
        .unwrap();
    harness.get_by_label("Start").click();
    step_until(&mut harness, "30 rows loaded", 60, |a| {
        stock_snapshot(a).is_some_and(|s| s.totals.rows_loaded == 30)
    });
    harness.run_steps(3);
    harness.get_by_label_contains("enhanced fan-out: consumer kinesis-starrocks-stock");
    let snapshot = stock_snapshot(harness.state()).cloned().unwrap();
    assert_eq!(
        snapshot.totals.get_records_calls, 0,
        "read by subscriptions"
    );
    let source = rt.block_on(kinesis.source(STREAM));
    let registered = rt
        .block_on(source.describe_consumer("kinesis-starrocks-stock"))
        .unwrap();
    assert_eq!(registered.map(|c| c.status).as_deref(), Some("ACTIVE"));

    harness.get_by_label("Stop").click();
    step_until(&mut harness, "the run to end", 30, |a| {
        a.monitor("stock")
            .is_some_and(|m| matches!(m.status, RunStatus::Ended(Ok(_))))
    });
    assert_eq!(rt.block_on(rows(&sim)), 30);
    harness.run_steps(2);
    harness.get_by_label("Delete…").click();
    harness.run_steps(2);
    harness.get_by_label_contains(
        "Its enhanced fan-out consumer kinesis-starrocks-stock is deregistered",
    );
    harness.get_by_label("Delete pipeline").click();
    step_until(&mut harness, "the pipeline to leave the list", 20, |a| {
        !a.pipelines.iter().any(|p| p.name == "stock")
    });
    assert!(
        harness
            .state()
            .messages
            .iter()
            .all(|m| !m.contains("deregistered")),
        "{:?}",
        harness.state().messages
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = rt
            .block_on(source.describe_consumer("kinesis-starrocks-stock"))
            .unwrap();
        if left.as_ref().is_none_or(|c| c.status == "DELETING") {
            break;
        }
        assert!(Instant::now() < deadline, "still registered: {left:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(harness);
    drop(backend);
    rt.block_on(sim.shutdown());
}
