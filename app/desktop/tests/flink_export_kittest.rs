//! "Export as Flink job…" driven through its widgets (egui_kittest, headless) over the real
//! backend: ferrokinesis in-process and the StarRocks stand-in with `example_db.stock`. From the
//! monitor: the folder, Export, the files in the folder and the panel naming them with the next
//! commands; a folder under a regular file and a pipeline with `on-data-error = "dead-letter"`
//! show the error naming the path and the setting. From the wizard's Review step (Edit on the
//! monitor): the draft exports with the saved pipeline's password. A rendered image of the
//! monitor with the result goes to the test's tmp dir (`monitor-flink-export.png`).

mod common;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use kinesis_starrocks::backend;
use ks_core::PipelineConfig;
use ks_local::{LocalWorld, PipelineToml, WorldOptions};
use ks_tests::kittest::{has, scroll_click, set_text};
use ks_ui::flink_export_panel::{EXPORT, FOLDER, OPEN};
use ks_ui::folder_picker;
use ks_ui::protocol::FlinkExportDone;
use ks_ui::wizard::Step;
use ks_ui::{KsApp, app::Page};
use std::path::Path;

const PASSWORD: &str = ks_local::world::PASSWORD;

/// `buffer-flush.max-rows` has no effect on Flink (exactly-once loads at checkpoints): a warning.
const SINK: &str = "properties.format = \"json\"\nbuffer-flush.max-rows = 5000";

/// The app with `configs` saved and the first one's monitor open.
fn app_on(dir: &Path, configs: Vec<PipelineConfig>) -> (backend::Backend, Harness<'static, KsApp>) {
    common::monitor_app(dir, configs, PASSWORD)
}

/// The last export's answer in the monitor of `name`.
fn monitor_result(app: &KsApp, name: &str) -> Option<Result<FlinkExportDone, String>> {
    app.monitor(name)
        .and_then(|m| m.flink_export.result().cloned())
}

fn step_until(h: &mut Harness<'_, KsApp>, what: &str, secs: u64, pred: impl Fn(&KsApp) -> bool) {
    ks_tests::kittest::step_until_explained(
        h,
        what,
        secs,
        |h| pred(h.state()),
        |app| format!("messages {:?}", app.messages),
    );
}

/// Opens the section (unless open), types `folder` and presses Export.
fn export_to(h: &mut Harness<'_, KsApp>, folder: &Path) {
    if h.query_by_label(FOLDER).is_none() {
        scroll_click(h, OPEN);
    }
    h.get_by_label(FOLDER).scroll_to_me();
    h.run_steps(1);
    set_text(h, FOLDER, &folder.display().to_string());
    scroll_click(h, EXPORT);
}

#[test]
fn export_from_the_monitor_and_the_review_step() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let world = rt
        .block_on(LocalWorld::start(WorldOptions::default()))
        .expect("ferrokinesis and the stand-in start");
    let stock = world
        .config(&PipelineToml {
            source: "initial-position = \"TRIM_HORIZON\"",
            sink: SINK,
            ..Default::default()
        })
        .unwrap();
    let dead_letter = world
        .config(&PipelineToml {
            name: "refused",
            top: "on-data-error = \"dead-letter\"",
            sink: SINK,
            ..Default::default()
        })
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (backend, mut h) = app_on(dir.path(), vec![stock, dead_letter]);
    step_until(&mut h, "both pipelines in the list", 20, |a| {
        ["stock", "refused"]
            .iter()
            .all(|n| a.pipelines.iter().any(|p| &p.name == n && p.config.is_ok()))
    });
    h.run_steps(2);
    assert_eq!(h.state().page, Page::Monitor("stock".into()));

    // The folder follows the pipeline's name until typed in.
    scroll_click(&mut h, OPEN);
    let default = ks_ui::flink_export_panel::default_folder("stock");
    assert!(
        default.ends_with("kinesis-starrocks-flink/stock"),
        "{default}"
    );
    assert!(
        h.query_all_by_value(&default).next().is_some(),
        "the default folder is in the field"
    );

    // The export: columns from the stand-in, 2 shards from ferrokinesis, the files written.
    let out = dir.path().join("flink").join("stock");
    export_to(&mut h, &out);
    step_until(&mut h, "the export's answer", 60, |a| {
        monitor_result(a, "stock").is_some()
    });
    let done = monitor_result(h.state(), "stock")
        .unwrap()
        .expect("the export succeeds");
    for file in [
        "pipeline.sql",
        "create-application.json",
        "pom.xml",
        "README.md",
    ] {
        assert!(out.join(file).is_file(), "{file} in {}", out.display());
        assert!(done.files.iter().any(|f| f == file), "{file} in {done:?}");
    }
    assert_eq!(done.dir, out);
    assert_eq!(done.parallelism, 2, "one per open shard");
    let sql = std::fs::read_to_string(out.join("pipeline.sql")).unwrap();
    assert!(
        !sql.contains(PASSWORD),
        "the password never lands in the export"
    );
    h.get_by_label("pipeline.sql");
    h.get_by_label("create-application.json");
    assert!(has(&h, &format!("to {} (parallelism 2", out.display())));
    assert!(has(&h, &format!("cd {} && mvn -q package", out.display())));
    assert!(
        has(&h, "sink.buffer-flush.max-rows: "),
        "the user's setting that does not carry over is a warning: {done:?}"
    );
    assert!(
        done.warnings
            .iter()
            .any(|w| w.starts_with("sink.buffer-flush.max-rows: "))
    );

    // The folder picker: it opens at the folder in the field, goes up, creates a sub-folder and
    // puts the chosen folder into the field; the next export goes there.
    scroll_click(&mut h, folder_picker::CHOOSE);
    h.run_steps(2);
    assert!(
        has(&h, &out.display().to_string()),
        "the picker opens at the typed folder"
    );
    h.get_by_label(folder_picker::UP).click();
    h.run_steps(2);
    h.get_by_label("📁 stock");
    set_text(&mut h, folder_picker::NEW_FOLDER, "second");
    h.get_by_label(folder_picker::CREATE).click();
    h.run_steps(2);
    let second = dir.path().join("flink").join("second");
    assert!(second.is_dir(), "Create folder makes {}", second.display());
    let image = h.render().expect("render the picker");
    ks_tests::save_screenshot(&image, env!("CARGO_TARGET_TMPDIR"), "monitor-folder-picker");
    h.get_by_label(folder_picker::USE_THIS).click();
    h.run_steps(2);
    assert!(
        h.query_all_by_value(&second.display().to_string())
            .next()
            .is_some(),
        "the chosen folder is in the field"
    );
    scroll_click(&mut h, EXPORT);
    step_until(&mut h, "the second export", 60, |_| {
        second.join("pipeline.sql").is_file()
    });
    assert!(done.notes.len() > done.warnings.len(), "{done:?}");
    h.get_by_label("Copy");

    let image = h.render().expect("render the monitor");
    let shot =
        ks_tests::save_screenshot(&image, env!("CARGO_TARGET_TMPDIR"), "monitor-flink-export");
    eprintln!("screenshot: {}", shot.display());

    // A folder that cannot be created (under a regular file): the error names the path.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    export_to(&mut h, &file.join("job"));
    step_until(&mut h, "the export's error", 60, |a| {
        monitor_result(a, "stock").is_some_and(|r| r.is_err())
    });
    let error = monitor_result(h.state(), "stock").unwrap().unwrap_err();
    assert!(error.contains(&file.display().to_string()), "{error}");
    assert!(
        has(&h, &format!("Not exported: {}", file.display())),
        "{error}"
    );
    assert!(!has(&h, "mvn -q package"), "the last success is gone");
    let image = h.render().expect("render the monitor");
    ks_tests::save_screenshot(
        &image,
        env!("CARGO_TARGET_TMPDIR"),
        "monitor-flink-export-error",
    );

    // A setting Flink cannot honour: refused, naming it.
    h.query_all_by_label("refused").next().unwrap().click();
    h.run_steps(2);
    assert_eq!(h.state().page, Page::Monitor("refused".into()));
    export_to(&mut h, &dir.path().join("flink").join("refused"));
    step_until(&mut h, "the refusal", 60, |a| {
        monitor_result(a, "refused").is_some()
    });
    let error = monitor_result(h.state(), "refused").unwrap().unwrap_err();
    assert!(
        error.starts_with("the pipeline cannot be exported to Flink: ")
            && error.contains("on-data-error"),
        "{error}"
    );
    assert!(has(
        &h,
        "Not exported: the pipeline cannot be exported to Flink"
    ));
    assert!(has(&h, "on-data-error"));
    assert!(
        !dir.path().join("flink/refused").exists(),
        "nothing written"
    );

    // The Review step: Edit opens the saved pipeline in the wizard (no password typed: the
    // backend uses the saved pipeline's).
    h.query_all_by_label("stock").next().unwrap().click();
    h.run_steps(2);
    h.get_by_label("Edit").click();
    h.run_steps(2);
    assert_eq!(h.state().page, Page::Wizard);
    h.state_mut().wizard.as_mut().unwrap().go_to(Step::Review);
    h.run_steps(2);
    let review_out = dir.path().join("flink").join("from-review");
    export_to(&mut h, &review_out);
    let next = format!("cd {} && mvn -q package", review_out.display());
    ks_tests::kittest::step_until(&mut h, "the Review step's result", 60, |h| has(h, &next));
    h.get_by_label("pipeline.sql");
    let sql = std::fs::read_to_string(review_out.join("pipeline.sql")).unwrap();
    assert!(sql.contains("'sink.semantic' = 'exactly-once'"), "{sql}");
    assert!(
        !sql.contains(PASSWORD),
        "the password never lands in the export"
    );
    drop(h);
    drop(backend);
    rt.block_on(world.sim.shutdown());
}
