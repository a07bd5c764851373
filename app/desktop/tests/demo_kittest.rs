//! The local demo end to end through the app shell (egui_kittest, headless, real backend): click
//! "Try a local demo", follow the wizard's buttons by their labels to "Save and start", and see
//! the demo's rows arrive in the stand-in and the throughput plot fill. The backend runs with the
//! app's AWS settings (no static credentials): the demo must bring its own, for its own endpoint.

mod common;

use egui_kittest::Harness;
use egui_kittest::kittest::{Queryable as _, by};
use kinesis_starrocks::backend::demo;
use kinesis_starrocks::backend::{self, BackendOptions};
use ks_tests::kittest::{self, click, has, screen_text, shown_enabled};
use ks_ui::KsApp;
use ks_ui::app::Page;
use ks_ui::settings::Settings;
use ks_ui::wizard::Step;
use std::time::{Duration, Instant};

/// Steps the UI until `pred` holds; a timeout names the app's messages.
fn step_until(
    h: &mut Harness<'_, KsApp>,
    what: &str,
    secs: u64,
    pred: impl Fn(&Harness<'_, KsApp>) -> bool,
) {
    kittest::step_until_explained(h, what, secs, pred, |app| {
        format!("messages {:?}", app.messages)
    });
}

/// Renders the window to the test's tmp dir (and to assets/screenshots with UPDATE_SCREENSHOTS=1).
fn screenshot(h: &mut Harness<'_, KsApp>, name: &str) {
    kittest::screenshot(h, env!("CARGO_TARGET_TMPDIR"), name);
}

fn wizard_step(h: &Harness<'_, KsApp>) -> Option<Step> {
    h.state().wizard.as_ref().map(|w| w.step())
}

fn run_test(h: &mut Harness<'_, KsApp>, button: &str) {
    click(h, button);
    step_until(h, &format!("{button} to finish"), 60, |h| {
        has(h, " passed, ") && !has(h, "Running checks")
    });
}

/// Next, or "Continue anyway" when only warnings stand in the way; waits for one of them.
fn next(h: &mut Harness<'_, KsApp>, from: Step) {
    step_until(h, &format!("Next on {from:?}"), 60, |h| {
        shown_enabled(h, "Next") || shown_enabled(h, "Continue anyway")
    });
    if shown_enabled(h, "Next") {
        click(h, "Next");
    } else {
        click(h, "Continue anyway");
    }
    step_until(h, &format!("the step after {from:?}"), 10, |h| {
        wizard_step(h) != Some(from)
    });
}

/// The app shell over a real backend with the app's AWS settings (no static credentials: the
/// demo brings its own) and no keyring; its saved pipelines go to the returned temporary folder.
fn demo_app() -> (tempfile::TempDir, backend::Backend, KsApp) {
    let dir = tempfile::tempdir().unwrap();
    let mut options = BackendOptions::for_tests(dir.path().join("pipelines"));
    options.aws = Default::default();
    options.keyring = false;
    let backend = backend::spawn(options, |_| {});
    let app = KsApp::new(
        backend.link.clone(),
        backend.take_replies(),
        Settings::default(),
    );
    (dir, backend, app)
}

#[test]
fn try_a_local_demo_reaches_a_running_pipeline_with_a_live_plot() {
    let (dir, backend, app) = demo_app();
    let mut h = common::app_harness(app, egui::vec2(1200.0, 1500.0));
    h.run_steps(2);
    click(&mut h, ks_ui::welcome::TRY_DEMO);
    step_until(&mut h, "the wizard on the demo", 60, |h| {
        h.state().page == Page::Wizard
    });

    click(&mut h, "Test connection");
    step_until(&mut h, "the cluster checks", 60, |h| {
        has(h, " passed, ") && !has(h, "Running checks")
    });
    screenshot(&mut h, "wizard-cluster");
    next(&mut h, Step::Cluster);

    run_test(&mut h, "Test AWS & network");
    next(&mut h, Step::Aws);

    step_until(&mut h, "the demo stream in the list", 30, |h| {
        has(h, demo::DEMO_STREAM)
    });
    if shown_enabled(&h, "Sample") {
        click(&mut h, "Sample");
        step_until(&mut h, "the samples", 30, |h| has(h, " records"));
    }
    next(&mut h, Step::Stream);

    if h.query_by_label("Use an existing table").is_some() {
        click(&mut h, "Use an existing table");
    }
    next(&mut h, Step::Table);
    assert_eq!(wizard_step(&h), Some(Step::Review), "{}", screen_text(&h));
    screenshot(&mut h, "wizard-review");
    click(&mut h, "Save and start");
    step_until(&mut h, "the monitor", 30, |h| {
        matches!(h.state().page, Page::Monitor(_))
    });
    let Page::Monitor(name) = h.state().page.clone() else {
        unreachable!()
    };
    // Demo pipelines never land in the saved-pipelines directory.
    assert!(
        !dir.path()
            .join("pipelines")
            .join(format!("{name}.toml"))
            .exists(),
        "the demo pipeline was saved with the real ones"
    );
    step_until(&mut h, "rows loaded and a plot with points", 90, |h| {
        h.state().monitor(&name).is_some_and(|m| {
            m.snapshot
                .as_ref()
                .is_some_and(|s| s.totals.rows_loaded > 0)
                && m.rates.len() >= 3
        })
    });
    let (rows, produced) = backend
        .runtime()
        .block_on(demo::demo_counts(&backend.ctx))
        .unwrap();
    assert!(
        rows > 0 && rows <= produced,
        "rows {rows}, produced {produced}"
    );
    // The demo producer's slider: at 2,000 records/s, 3,000 more records arrive within 10 s
    // (the default 100/s would put 1,000).
    assert_eq!(
        h.state().monitor(&name).and_then(|m| m.demo_rate),
        Some(ks_local::demo::RECORDS_PER_S)
    );
    let produced_before = backend
        .runtime()
        .block_on(demo::demo_counts(&backend.ctx))
        .unwrap()
        .1;
    h.query(
        by().label(ks_ui::monitor::demo_rate::LABEL)
            .role(egui::accesskit::Role::Slider),
    )
    .expect("the demo rate slider")
    .set_value_accesskit(2000.0);
    h.run_steps(2);
    assert_eq!(
        h.state().monitor(&name).and_then(|m| m.demo_rate),
        Some(2000)
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        h.run_steps(1);
        let produced = backend
            .runtime()
            .block_on(demo::demo_counts(&backend.ctx))
            .unwrap()
            .1;
        if produced >= produced_before + 3000 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} records in 10 s after setting 2,000/s",
            produced - produced_before
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    screenshot(&mut h, "demo-monitor");
    click(&mut h, "Stop");
    step_until(&mut h, "the demo pipeline to stop", 60, |h| {
        h.state().monitor(&name).is_some_and(|m| !m.is_running())
    });
}

/// Steps until the demo pipeline's monitor shows it running with rows loaded.
fn wait_for_the_demo_loading(h: &mut Harness<'_, KsApp>) {
    step_until(h, "the demo's monitor with rows loaded", 90, |h| {
        let Page::Monitor(name) = &h.state().page else {
            return false;
        };
        h.state().monitor(name).is_some_and(|m| {
            m.is_running()
                && m.snapshot
                    .as_ref()
                    .is_some_and(|s| s.totals.rows_loaded > 0)
        })
    });
}

/// `kinesis-starrocks demo --monitor`: no wizard; the demo pipeline is saved, started and shown.
#[test]
fn demo_monitor_starts_the_demo_pipeline_without_the_wizard() {
    let (_dir, _backend, mut app) = demo_app();
    app.start_demo_running();
    let mut h = common::app_harness(app, egui::vec2(1200.0, 1000.0));
    wait_for_the_demo_loading(&mut h);
    assert!(h.state().wizard.is_none(), "the wizard was skipped");
    let Page::Monitor(name) = h.state().page.clone() else {
        unreachable!()
    };
    click(&mut h, "Stop");
    step_until(&mut h, "the demo pipeline to stop", 60, |h| {
        h.state().monitor(&name).is_some_and(|m| !m.is_running())
    });
}

/// `kinesis-starrocks demo --headless`: rows arrive; SIGINT stops with a flush, and every
/// record the pipeline read is in the stand-in (none lost, none twice).
#[test]
fn headless_demo_loads_and_stops_cleanly_on_sigint() {
    use std::io::{BufRead as _, BufReader};
    use std::process::{Command, Stdio};
    let home = tempfile::tempdir().unwrap();
    let mut child = ks_tests::ChildGuard::spawn(
        "kinesis-starrocks demo --headless",
        Command::new(env!("CARGO_BIN_EXE_kinesis-starrocks"))
            .args(["demo", "--headless"])
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("HOME", home.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit()),
    )
    .unwrap();
    let stdout = child.child_mut().stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| panic!("no loaded rows in time: {seen:#?}"));
        let loaded = line.split(", ").find_map(|p| {
            p.strip_suffix(" rows loaded in 0 loads")
                .map(|_| 0)
                .or_else(|| {
                    p.split(' ')
                        .next()
                        .filter(|_| p.contains(" rows loaded in "))?
                        .parse::<u64>()
                        .ok()
                })
        });
        seen.push(line);
        if loaded.is_some_and(|n| n > 0) {
            break;
        }
    }
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let last = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no summary after SIGINT: {seen:#?}"));
        seen.push(line.clone());
        if line.starts_with("stopped: ") {
            break line;
        }
    };
    // "stopped: N rows loaded in L loads (0 replayed); R rows in demo.stock, P records produced"
    let num_before = |s: &str, marker: &str| -> u64 {
        let i = s
            .find(marker)
            .unwrap_or_else(|| panic!("{marker:?} in {s:?}"));
        s[..i].rsplit(' ').next().unwrap().parse().unwrap()
    };
    let loaded = num_before(&last, " rows loaded in ");
    let rows = num_before(&last, " rows in demo.stock");
    let produced = num_before(&last, " records produced");
    assert!(loaded > 0, "{last}");
    assert_eq!(
        rows, loaded,
        "rows in the stand-in == rows the pipeline loaded: {last}"
    );
    assert!(rows <= produced, "{last}");
    let exit = (0..100)
        .find_map(|_| {
            std::thread::sleep(Duration::from_millis(100));
            child.try_wait()
        })
        .expect("the demo exits after its summary");
    assert!(exit.success(), "{exit}");
}

/// The monitor through a backlog (issue 13 §7, the README's two monitor screenshots): the demo
/// pipeline is stopped while the producer runs at 2,000 records/s, then started again at
/// 100/s: the plot shows the catch-up spike, every record lands once, and a minute later the
/// 1-minute window shows the steady rate on its own axis (the spike has scrolled out).
#[test]
fn the_monitor_shows_a_backlog_catch_up_then_the_steady_rate() {
    let (_dir, backend, mut app) = demo_app();
    app.start_demo_running();
    let mut h = common::app_harness(app, egui::vec2(1200.0, 1000.0));
    let counts = |backend: &backend::Backend| {
        backend
            .runtime()
            .block_on(demo::demo_counts(&backend.ctx))
            .unwrap()
    };
    wait_for_the_demo_loading(&mut h);
    let Page::Monitor(name) = h.state().page.clone() else {
        unreachable!()
    };
    let set_rate = |h: &mut Harness<'_, ks_ui::KsApp>, rate: f64| {
        h.query(
            by().label(ks_ui::monitor::demo_rate::LABEL)
                .role(egui::accesskit::Role::Slider),
        )
        .expect("the demo rate slider")
        .set_value_accesskit(rate);
        h.run_steps(2);
    };
    click(&mut h, ks_ui::monitor::header::STOP);
    step_until(&mut h, "the demo pipeline to stop", 60, |h| {
        h.state().monitor(&name).is_some_and(|m| !m.is_running())
    });
    // A backlog: ~16,000 records while nothing reads.
    set_rate(&mut h, 2000.0);
    let (_, before) = counts(&backend);
    let deadline = Instant::now() + Duration::from_secs(30);
    while counts(&backend).1 < before + 16_000 {
        assert!(
            Instant::now() < deadline,
            "the producer did not reach 2,000/s"
        );
        h.run_steps(1);
        std::thread::sleep(Duration::from_millis(200));
    }
    set_rate(&mut h, 100.0);
    click(&mut h, ks_ui::monitor::header::START);
    step_until(&mut h, "the backlog loaded", 90, |h| {
        let (rows, produced) = counts(&backend);
        rows + 200 >= produced
            && h.state()
                .monitor(&name)
                .is_some_and(|m| m.rates.iter().any(|r| r.records_per_s > 2000.0))
    });
    // The loads confirmed in the monitor too, and a few seconds of the plot after the spike.
    step_until(&mut h, "the monitor's totals", 30, |h| {
        h.state().monitor(&name).is_some_and(|m| {
            m.snapshot
                .as_ref()
                .is_some_and(|s| s.totals.rows_loaded >= 16_000)
        })
    });
    let settle = Instant::now();
    step_until(&mut h, "a few seconds after the catch-up", 10, |_| {
        settle.elapsed() > Duration::from_secs(4)
    });
    screenshot(&mut h, "monitor-backlog-catch-up");
    // A minute later, the 1-minute window holds only the steady rate.
    click(&mut h, "1 min");
    let steady_from = Instant::now();
    step_until(&mut h, "a minute at the steady rate", 120, |_| {
        steady_from.elapsed() > Duration::from_secs(65)
    });
    let monitor = h.state().monitor(&name).expect("the monitor");
    let rates: Vec<ks_ui::monitor::Rate> = monitor.rates.iter().copied().collect();
    let peak = |points: Vec<[f64; 2]>| points.iter().map(|p| p[1]).fold(0.0, f64::max);
    let all_time = peak(ks_ui::monitor::throughput::visible(&rates, 1e9, |r| {
        Some(r.records_per_s)
    }));
    let last_minute = peak(ks_ui::monitor::throughput::visible(&rates, 60.0, |r| {
        Some(r.records_per_s)
    }));
    assert!(
        all_time > 2000.0,
        "the catch-up is in the history: {all_time}"
    );
    assert!(
        (50.0..400.0).contains(&last_minute),
        "the last minute's axis fits the steady ~100/s: {last_minute}"
    );
    screenshot(&mut h, "monitor-steady-rate");
    // Nothing lost, nothing twice, across the stop and the backlog.
    click(&mut h, ks_ui::monitor::header::STOP);
    step_until(&mut h, "the demo pipeline to stop", 60, |h| {
        h.state().monitor(&name).is_some_and(|m| !m.is_running())
    });
    let (rows, produced) = counts(&backend);
    assert!(
        rows <= produced && rows + 200 >= produced,
        "rows {rows}, produced {produced}"
    );
}
