//! The eframe window. All drawing lives in `ks_ui`; this file only opens the window.

use anyhow::{Result, anyhow};

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

struct DesktopApp;

impl eframe::App for DesktopApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, ks_ui::welcome_page);
    }
}

/// Opens the main window and returns when it is closed.
pub fn open_window(choice: RendererChoice) -> Result<()> {
    let result = match choice {
        RendererChoice::Glow => run(eframe::Renderer::Glow),
        RendererChoice::Wgpu => run(eframe::Renderer::Wgpu),
        RendererChoice::Auto => run(eframe::Renderer::Glow).or_else(|glow_error| {
            tracing::warn!("the OpenGL (glow) renderer failed: {glow_error}; trying wgpu");
            run(eframe::Renderer::Wgpu)
                .map_err(|wgpu_error| anyhow!("glow: {glow_error}; wgpu: {wgpu_error}"))
        }),
    };
    result.map_err(|e| anyhow!("could not open the window: {e}{}", display_hint()))
}

fn run(renderer: eframe::Renderer) -> Result<()> {
    tracing::info!("opening the window with the {renderer:?} renderer");
    let options = eframe::NativeOptions {
        renderer,
        viewport: egui::ViewportBuilder::default()
            .with_title(WINDOW_TITLE)
            .with_app_id("kinesis-starrocks")
            .with_inner_size([960.0, 640.0])
            .with_min_inner_size([640.0, 420.0])
            .with_icon(window_icon()),
        ..Default::default()
    };
    eframe::run_native(
        WINDOW_TITLE,
        options,
        Box::new(|cc| {
            ks_ui::theme::install(&cc.egui_ctx);
            Ok(Box::new(DesktopApp))
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
