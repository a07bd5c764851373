//! Opens the real `kinesis-starrocks` window under a private Xvfb, takes a screenshot and checks
//! that something was drawn. Needs Xvfb, xdotool and ImageMagick's `import` (tests/run.sh installs
//! them); a missing tool fails the test with the package to install.
//!
//! The screenshot of the window is saved under the test's target tmp dir. With
//! `UPDATE_SCREENSHOTS=1` it is also copied to `assets/screenshots/welcome.png`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ks_tests::{
    ChildGuard, Xvfb, distinct_colours, image, require_tool, runtime_dir, workspace_root,
};

/// The window's title, matched exactly.
const WINDOW_NAME: &str = "^kinesis-starrocks$";
/// Anti-aliased text alone gives dozens of colours; a blank or single-fill window gives 1 or 2.
const MIN_COLOURS: usize = 16;

/// What a run produced: the window screenshot and the app's log.
struct Shot {
    path: PathBuf,
    log: String,
}

/// Runs the app with `--renderer renderer` and the extra environment `env`; `name` names the
/// output directory. Returns the window screenshot and the app's log.
fn window_screenshot(name: &str, renderer: &str, env: &[(&str, &str)]) -> Shot {
    require_tool("Xvfb", "xvfb");
    require_tool("xdotool", "xdotool");
    require_tool("import", "imagemagick");

    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("gui_smoke")
        .join(name);
    std::fs::create_dir_all(&out_dir).unwrap();
    let log_path = out_dir.join("app.log");
    let log = File::create(&log_path).unwrap();

    let xvfb = Xvfb::start(1280, 800);
    let runtime = runtime_dir();
    // A fresh profile: no saved pipelines, no remembered page (the welcome page shows).
    let home = tempfile::tempdir().unwrap();
    let mut app = ChildGuard::spawn(
        "kinesis-starrocks",
        Command::new(env!("CARGO_BIN_EXE_kinesis-starrocks"))
            .args(["--renderer", renderer])
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("DISPLAY", xvfb.display())
            .env("XDG_RUNTIME_DIR", runtime.path())
            .env("HOME", home.path())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_DATA_HOME")
            .env_remove("WAYLAND_DISPLAY")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log),
    )
    .expect("could not start kinesis-starrocks");
    let app_log = || std::fs::read_to_string(&log_path).unwrap_or_default();

    let window = xvfb
        .wait_for_window(WINDOW_NAME, Duration::from_secs(60), || {
            match app.try_wait() {
                Some(status) => Err(format!(
                    "the app exited ({status}) before its window appeared"
                )),
                None => Ok(()),
            }
        })
        .unwrap_or_else(|e| panic!("{e}\n--- app log ---\n{}", app_log()));
    let (x, y, width, height) = xvfb
        .window_geometry(window)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        width >= 320 && height >= 200,
        "the window is too small: {width}x{height}"
    );

    // Give the software renderer time for the first frames, then retry until the window shows
    // content (or 30 s have passed).
    let root_shot = out_dir.join("root.png");
    let window_shot = out_dir.join("welcome.png");
    let deadline = Instant::now() + Duration::from_secs(30);
    std::thread::sleep(Duration::from_secs(2));
    let colours = loop {
        if let Some(status) = app.try_wait() {
            panic!("the app exited ({status})\n--- app log ---\n{}", app_log());
        }
        xvfb.screenshot_root(&root_shot)
            .unwrap_or_else(|e| panic!("{e}"));
        let screen = image::open(&root_shot)
            .unwrap_or_else(|e| panic!("could not read {}: {e}", root_shot.display()))
            .to_rgb8();
        let width = width.min(screen.width().saturating_sub(x));
        let height = height.min(screen.height().saturating_sub(y));
        let window_image = image::imageops::crop_imm(&screen, x, y, width, height).to_image();
        let colours = distinct_colours(&window_image);
        if colours >= MIN_COLOURS || Instant::now() > deadline {
            window_image.save(&window_shot).unwrap();
            break colours;
        }
        std::thread::sleep(Duration::from_secs(1));
    };
    assert!(
        colours >= MIN_COLOURS,
        "the window looks blank: {colours} distinct colour(s) in {}\n--- app log ---\n{}",
        window_shot.display(),
        app_log()
    );
    assert!(
        app.try_wait().is_none(),
        "the app exited after drawing\n--- app log ---\n{}",
        app_log()
    );
    // No panic or error from the app shell and its backend while it drew.
    let log = app_log();
    assert!(
        !log.contains("panicked") && !log.contains(" ERROR "),
        "the app logged an error:\n{log}"
    );
    println!(
        "{name} (--renderer {renderer}): window {width}x{height} at {x},{y}, {colours} colours; screenshot {}",
        window_shot.display()
    );
    app.kill();
    Shot {
        path: window_shot,
        log: app_log(),
    }
}

#[test]
fn welcome_window_renders_with_the_default_renderer() {
    let shot = window_screenshot("auto", "auto", &[]);
    assert!(
        shot.log
            .contains("opening the window with the Glow renderer"),
        "{}",
        shot.log
    );
    if std::env::var("UPDATE_SCREENSHOTS").is_ok_and(|v| v == "1") {
        let target = workspace_root().join("assets/screenshots/welcome.png");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&shot.path, &target).unwrap();
        println!("updated {}", target.display());
    }
}

#[test]
fn welcome_window_renders_with_wgpu() {
    window_screenshot("wgpu", "wgpu", &[]);
}

/// With Mesa's OpenGL drivers out of reach, glow cannot create a context; the default renderer
/// must then open the window with wgpu (Vulkan through lavapipe) in the same process.
#[test]
fn falls_back_to_wgpu_when_opengl_cannot_start() {
    let shot = window_screenshot(
        "fallback",
        "auto",
        &[
            ("LIBGL_DRIVERS_PATH", "/nonexistent"),
            ("MESA_LOADER_DRIVER_OVERRIDE", "nonexistent"),
        ],
    );
    assert!(
        shot.log.contains("renderer failed") && shot.log.contains("trying wgpu"),
        "glow did not fail, or no fallback was logged:\n{}",
        shot.log
    );
    assert!(
        shot.log
            .contains("opening the window with the Wgpu renderer"),
        "{}",
        shot.log
    );
}
