//! The app's figures (issue 12 §5): cold start to the first presented frame, the monitor's frame
//! time with an hour of snapshots at 4/s, and idle CPU with the monitor open on a running
//! pipeline. The window runs under the session's DISPLAY, or under an Xvfb started here.

use crate::procstat;
use ks_core::ShardId;
use ks_core::snapshot::{LoadSummary, PipelineState, ShardSnapshot, ShardState, Snapshot};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct AppArgs {
    /// The release `kinesis-starrocks` binary.
    pub binary: PathBuf,
    /// Cold starts to time (each with a fresh profile).
    pub starts: usize,
    /// Frames to time for the frame-time figure.
    pub frames: usize,
    /// Seconds of CPU time sampled for the idle figure.
    pub idle_s: u64,
}

pub fn run(args: &AppArgs) -> anyhow::Result<Value> {
    anyhow::ensure!(
        args.binary.exists(),
        "{} does not exist: build it first with `cargo build --release -p kinesis-starrocks`",
        args.binary.display()
    );
    let display = Display::get()?;
    eprintln!("app figures on DISPLAY {}", display.name);
    let starts = cold_starts(args, &display)?;
    let frames = frame_times(args.frames);
    let idle = idle_cpu(args, &display)?;
    Ok(json!({"cold_start": starts, "frame_time": frames, "idle": idle}))
}

/// The X display: the session's, or a private Xvfb (stopped when dropped).
struct Display {
    name: String,
    xvfb: Option<Child>,
}

impl Display {
    fn get() -> anyhow::Result<Display> {
        if let Some(d) = std::env::var_os("DISPLAY").filter(|d| !d.is_empty()) {
            return Ok(Display {
                name: d.to_string_lossy().into_owned(),
                xvfb: None,
            });
        }
        let name = format!(":{}", 90 + std::process::id() % 100);
        let xvfb = Command::new("Xvfb")
            .args([
                name.as_str(),
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                anyhow::anyhow!("no DISPLAY and Xvfb cannot start ({e}): apt-get install xvfb")
            })?;
        std::thread::sleep(Duration::from_millis(700));
        Ok(Display {
            name,
            xvfb: Some(xvfb),
        })
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        if let Some(x) = &mut self.xvfb {
            let _ = x.kill();
            let _ = x.wait();
        }
    }
}

/// The app as a user starts it, with a fresh profile in `home`.
fn app_command(binary: &Path, display: &Display, home: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(binary);
    c.args(args)
        .env("DISPLAY", &display.name)
        .env("HOME", home)
        .env("XDG_RUNTIME_DIR", home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null());
    c
}

/// Process start to the first presented frame (the app prints a line and closes itself).
fn cold_starts(args: &AppArgs, display: &Display) -> anyhow::Result<Value> {
    let mut ms = Vec::new();
    for _ in 0..args.starts {
        let home = tempfile::tempdir()?;
        let started = Instant::now();
        let mut child = app_command(&args.binary, display, home.path(), &[])
            .env("KS_BENCH_FIRST_FRAME", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().expect("piped");
        let mut at = None;
        let mut log = String::new();
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
            let line = line?;
            if at.is_none() && line.contains("KS_BENCH first frame presented") {
                at = Some(started.elapsed());
            }
            log.push_str(&line);
            log.push('\n');
        }
        let status = child.wait()?;
        let at = at.ok_or_else(|| {
            anyhow::anyhow!("the app showed no frame ({status}); its log:\n{log}")
        })?;
        ms.push(at.as_secs_f64() * 1000.0);
    }
    let first = ms[0];
    let mut sorted = ms.clone();
    sorted.sort_by(f64::total_cmp);
    Ok(json!({
        "runs_ms": ms,
        "first_ms": first,
        "median_ms": sorted[sorted.len() / 2],
        "target_ms": 400,
    }))
}

/// A running pipeline's snapshot number `i` (4 shards, the last 50 loads).
fn snapshot(i: u64) -> Snapshot {
    let mut s = Snapshot::new("stock");
    s.state = PipelineState::Running;
    s.totals.records_read = i * 250;
    s.totals.bytes_read = i * 250 * 1024;
    s.totals.rows_loaded = i * 250;
    s.totals.bytes_loaded = i * 250 * 1024;
    s.totals.loads_ok = i / 4;
    s.totals.get_records_calls = i * 4;
    s.shards = (0..4)
        .map(|n| ShardSnapshot {
            millis_behind_latest: Some(((i * 37 + n * 101) % 2000) as i64),
            records_read: i * 60,
            bytes_read: i * 60 * 1024,
            ..ShardSnapshot::new(
                ShardId(format!("shardId-00000000000{n}")),
                ShardState::Reading,
            )
        })
        .collect();
    s.recent_loads = (0..50)
        .map(|k| LoadSummary {
            label: format!("ks-stock-0a1b2c3d-{}", i / 4 + k),
            rows: 250,
            bytes: 256_000,
            loaded_rows: 250,
            filtered_rows: 0,
            ms: 40 + (i + k) % 60,
            status: "Loaded".into(),
            finished_ms: 1_700_000_000_000 + (i as i64) * 250,
        })
        .collect();
    s
}

/// CPU time of one monitor frame (egui layout and tessellation; the GPU's drawing is not in it),
/// after an hour of snapshots at 4/s, one new snapshot every 15 frames as in the app.
fn frame_times(frames: usize) -> Value {
    let hour = 3600 * 4;
    let mut m = ks_ui::monitor::Monitor::new("stock");
    m.on_started();
    for i in 0..hour {
        m.on_snapshot_at(snapshot(i), i as f64 * 0.25);
    }
    let ctx = egui::Context::default();
    ks_ui::theme::install(&ctx);
    let (tx, _rx) = std::sync::mpsc::sync_channel(ks_ui::protocol::REQUEST_QUEUE);
    let link = ks_ui::protocol::BackendLink::new(tx);
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1100.0, 720.0),
        )),
        ..Default::default()
    };
    let mut next = hour;
    let mut times = Vec::with_capacity(frames);
    for f in 0..frames + 30 {
        if f % 15 == 0 {
            m.on_snapshot_at(snapshot(next), next as f64 * 0.25);
            next += 1;
        }
        let t = Instant::now();
        let out = ctx.run_ui(input(), |ui| {
            let _ = m.ui(ui, &link);
        });
        let primitives = ctx.tessellate(out.shapes, out.pixels_per_point);
        std::hint::black_box(primitives);
        if f >= 30 {
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    json!({
        "snapshots_fed": next,
        "points_in_plots": m.rates.len(),
        "frames": times.len(),
        "median_ms": pct(0.5),
        "p99_ms": pct(0.99),
        "max_ms": pct(1.0),
        "target_ms": 8,
    })
}

/// CPU share of `demo --monitor` (window, the demo's emulator, stand-in, producer and engine at
/// 100 records/s) over `idle_s`, and of `demo --headless` (the same without the window) for the
/// window's own share.
fn idle_cpu(args: &AppArgs, display: &Display) -> anyhow::Result<Value> {
    type Threads = std::collections::BTreeMap<String, f64>;
    // Frames painted: the window prints a line per frame under KS_BENCH_FRAMES, with whether it
    // has the focus (under Xvfb without a window manager it never has).
    const FRAME_LINE: &str = "KS_BENCH frame focused=";
    let frames_in = |log: &std::path::Path| {
        std::fs::read_to_string(log)
            .unwrap_or_default()
            .matches(FRAME_LINE)
            .count()
    };
    let sample = |cmd_args: &[&str]| -> anyhow::Result<(f64, Threads, String, f64)> {
        let home = tempfile::tempdir()?;
        let log_path = home.path().join("app.log");
        // Info level, so that the log shows the engine reading its shards.
        let mut child = app_command(&args.binary, display, home.path(), cmd_args)
            .env("RUST_LOG", "info")
            .env("KS_BENCH_FRAMES", "1")
            .stdout(std::fs::File::create(&log_path)?)
            .stderr(std::fs::File::create(&log_path)?)
            .spawn()?;
        // Warm-up: the demo's services start, the pipeline starts and catches up.
        std::thread::sleep(Duration::from_secs(15));
        let pid = child.id();
        let cpu_of = |pid| {
            let (user, sys) = procstat::cpu_seconds_of(pid);
            user + sys
        };
        let before = cpu_of(pid);
        let threads_before = procstat::cpu_seconds_by_thread(pid);
        let frames_before = frames_in(&log_path);
        let t = Instant::now();
        std::thread::sleep(Duration::from_secs(args.idle_s));
        let cpu = cpu_of(pid) - before;
        let threads_after = procstat::cpu_seconds_by_thread(pid);
        let frames = frames_in(&log_path) - frames_before;
        let wall = t.elapsed().as_secs_f64();
        // Each thread name's share of one core over the window (threads that ended are missed).
        let threads: Threads = threads_after
            .iter()
            .map(|(name, after)| {
                let before = threads_before.get(name).copied().unwrap_or(0.0);
                (name.clone(), (after - before) / wall * 100.0)
            })
            .collect();
        let _ = Command::new("kill").arg(pid.to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(40);
        while child.try_wait()?.is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        Ok((cpu / wall * 100.0, threads, log, frames as f64 / wall))
    };
    let (gui, gui_threads, log, frames_per_s) = sample(&["demo", "--monitor"])?;
    let focused = log
        .rsplit(FRAME_LINE)
        .next()
        .is_some_and(|rest| rest.starts_with("true"));
    anyhow::ensure!(
        log.contains("reading shardId"),
        "the demo pipeline did not start in the window; its log:\n{log}"
    );
    let (headless, _, _, _) = sample(&["demo", "--headless"])?;
    // Mesa's software rasterizer (no GPU here) draws in threads named llvmpipe-N: on a machine
    // with a GPU that work is not on the CPU at all.
    let rasterizer: f64 = gui_threads
        .iter()
        .filter(|(name, _)| name.starts_with("llvmpipe"))
        .map(|(_, pct)| pct)
        .sum();
    let mut busiest: Vec<(&String, &f64)> = gui_threads.iter().collect();
    busiest.sort_by(|a, b| b.1.total_cmp(a.1));
    busiest.truncate(8);
    let busiest: Vec<Value> = busiest
        .into_iter()
        .map(|(name, pct)| json!({"thread": name, "pct": pct}))
        .collect();
    Ok(json!({
        "seconds": args.idle_s,
        "gui_demo_cpu_pct": gui,
        "headless_demo_cpu_pct": headless,
        "window_share_pct": gui - headless,
        "software_rasterizer_pct": rasterizer,
        "window_share_without_rasterizer_pct": gui - rasterizer - headless,
        "gui_busiest_threads": busiest,
        "frames_per_s": frames_per_s,
        "focused": focused,
        "target_pct": 1,
    }))
}
