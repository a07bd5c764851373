//! The eframe window: the app shell (`ks_ui::KsApp`) over the backend (`backend::spawn`). All
//! drawing lives in `ks_ui`; this file opens the window, persists the settings and stops running
//! pipelines (flush and checkpoint) when the window closes.

use anyhow::{Result, anyhow};
use kinesis_starrocks::backend::{self, Backend, BackendOptions};
use ks_ui::settings::Settings;

/// The window title. The GUI smoke test finds the window by this name.
pub const WINDOW_TITLE: &str = ks_ui::PRODUCT_NAME;

/// Which graphics back end draws the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RendererChoice {
    /// OpenGL (glow) first; if it cannot start, wgpu.
    Auto,
    /// OpenGL through glutin (GLX or EGL).
    Glow,
    /// Vulkan if available, otherwise OpenGL through EGL.
    Wgpu,
}

/// What the window opens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartPage {
    /// The remembered page (an unfinished wizard, the last pipeline) or the welcome page.
    #[default]
    Remembered,
    /// Start the local demo and open the wizard on it (`kinesis-starrocks demo`).
    Demo,
    /// Start the local demo and its pipeline, on the monitor (`kinesis-starrocks demo --monitor`).
    DemoMonitor,
}

struct DesktopApp {
    app: ks_ui::KsApp,
    backend: Backend,
    /// `KS_BENCH_FIRST_FRAME=1` (ks-bench's cold-start figure): frames begun so far.
    first_frame_bench: Option<u32>,
    /// `KS_BENCH_FRAMES=1` (ks-bench's idle figure): a line on stderr per frame.
    frames_bench: bool,
}

/// Set by ks-bench: print when the first frame has been presented, then close the window.
const FIRST_FRAME_ENV: &str = "KS_BENCH_FIRST_FRAME";
/// Set by ks-bench: print a line per frame, to count the frames an idle monitor paints.
const FRAMES_ENV: &str = "KS_BENCH_FRAMES";

impl eframe::App for DesktopApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if self.frames_bench {
            eprintln!("KS_BENCH frame focused={}", ctx.input(|i| i.focused));
        }
        if let Some(frames) = &mut self.first_frame_bench {
            *frames += 1;
            // The second frame begins once the first one was painted and presented.
            if *frames == 2 {
                eprintln!("KS_BENCH first frame presented");
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            } else {
                ctx.request_repaint();
            }
        }
        self.app.logic(ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.app.ui(ui);
    }

    fn clear_color(&self, visuals: &egui::Visuals) -> [f32; 4] {
        // The panels draw no fill (`panels_drawn_by_clearing`): this is their background.
        ks_ui::theme::clear_color(visuals).to_normalized_gamma_f32()
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        storage.set_string(Settings::KEY, self.app.settings_to_save().to_json());
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        // Running pipelines stop cleanly: load what was read, confirm, checkpoint.
        self.backend.shutdown(std::time::Duration::from_secs(30));
    }
}

/// Opens the main window and returns when it is closed.
pub fn open_window(choice: RendererChoice, start: StartPage) -> Result<()> {
    let result = match choice {
        RendererChoice::Glow => run(eframe::Renderer::Glow, start),
        RendererChoice::Wgpu => run(eframe::Renderer::Wgpu, start),
        RendererChoice::Auto => run(eframe::Renderer::Glow, start).or_else(|glow_error| {
            tracing::warn!("the OpenGL (glow) renderer failed: {glow_error}; trying wgpu");
            run(eframe::Renderer::Wgpu, start)
                .map_err(|wgpu_error| anyhow!("glow: {glow_error}; wgpu: {wgpu_error}"))
        }),
    };
    result.map_err(|e| anyhow!("could not open the window: {e}{}", display_hint()))
}

fn run(renderer: eframe::Renderer, start: StartPage) -> Result<()> {
    tracing::info!("opening the window with the {renderer:?} renderer");
    let options = eframe::NativeOptions {
        renderer,
        viewport: egui::ViewportBuilder::default()
            .with_title(WINDOW_TITLE)
            .with_app_id("kinesis-starrocks")
            .with_inner_size([1100.0, 720.0])
            .with_min_inner_size([640.0, 420.0])
            .with_icon(window_icon()),
        // Window size and position are remembered by eframe's persistence.
        persist_window: true,
        ..Default::default()
    };
    eframe::run_native(
        WINDOW_TITLE,
        options,
        Box::new(move |cc| {
            ks_ui::theme::install(&cc.egui_ctx);
            ks_ui::theme::panels_drawn_by_clearing(&cc.egui_ctx);
            let settings = cc
                .storage
                .and_then(|s| s.get_string(Settings::KEY))
                .map(|t| Settings::from_json(&t))
                .unwrap_or_default();
            let ctx = cc.egui_ctx.clone();
            let pace = ks_ui::frame_pace::FramePace::default();
            let backend = backend::spawn(BackendOptions::from_env(), {
                let pace = pace.clone();
                move |wake| pace.wake(&ctx, wake)
            });
            let mut app = ks_ui::KsApp::new(backend.link.clone(), backend.take_replies(), settings)
                .with_frame_pace(pace);
            match start {
                StartPage::Demo => app.start_demo(),
                StartPage::DemoMonitor => app.start_demo_running(),
                StartPage::Remembered => {}
            }
            let first_frame_bench = std::env::var_os(FIRST_FRAME_ENV).map(|_| 0);
            Ok(Box::new(DesktopApp {
                app,
                backend,
                first_frame_bench,
                frames_bench: std::env::var_os(FRAMES_ENV).is_some(),
            }))
        }),
    )
    // eframe's error holds platform types that are not Send + Sync: keep its message.
    .map_err(|e| anyhow!("{e}"))
}

fn window_icon() -> egui::IconData {
    eframe::icon_data::from_png_bytes(include_bytes!("../../../assets/icon-256.png"))
        .unwrap_or_default()
}

/// A hint when no display server is reachable at all (a server, an SSH session without X forwarding).
fn display_hint() -> &'static str {
    let unset = |name| std::env::var_os(name).is_none_or(|v| v.is_empty());
    if cfg!(target_os = "linux") && unset("DISPLAY") && unset("WAYLAND_DISPLAY") {
        " (neither DISPLAY nor WAYLAND_DISPLAY is set: the desktop app needs a graphical session)"
    } else {
        ""
    }
}
