//! The app shell: the pipeline list on the left, the page (welcome, wizard or a pipeline's
//! monitor) in the middle, theme and zoom at the top. `logic` drains the backend's replies;
//! `ui` draws. No I/O: everything goes through [`BackendLink`].

use crate::frame_pace::FramePace;
use crate::monitor::{Monitor, ShellAction};
use crate::protocol::{
    BackendError, BackendLink, PipelineEntry, Reply, Request, RunStatus, Ticket,
};
use crate::settings::{Settings, Theme, ZOOM_STEP};
use crate::welcome;
use crate::wizard::{Wizard, WizardOutcome};
use ks_core::snapshot::PipelineState;
use std::collections::HashMap;
use std::sync::mpsc::Receiver;

/// Side-panel button labels.
pub const SIDE_NEW: &str = "+ New pipeline";
pub const SIDE_DEMO: &str = "▶ Try a local demo";
pub const HOME: &str = "Home";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    Welcome,
    Wizard,
    Monitor(String),
}

pub struct KsApp {
    backend: BackendLink,
    replies: Receiver<Reply>,
    pub settings: Settings,
    pub page: Page,
    pub pipelines: Vec<PipelineEntry>,
    pub monitors: HashMap<String, Monitor>,
    pub wizard: Option<Wizard>,
    import: Option<String>,
    import_error: Option<String>,
    demo_pending: bool,
    /// Errors and notices from the backend, newest last (dismissable).
    pub messages: Vec<String>,
    confirm_close: bool,
    close_confirmed: bool,
    applied_theme: Option<Theme>,
    /// The open wizard is the local demo's: not resumed after a restart (its services are gone).
    wizard_is_demo: bool,
    /// `demo --monitor`: once the demo is ready, save its pipeline, start it and show its
    /// monitor instead of the wizard. Holds the save's ticket while it is under way.
    demo_to_monitor: Option<Option<Ticket>>,
    /// Whether the user is there; shared with the backend's wake callback.
    frame_pace: FramePace,
}

impl KsApp {
    /// The shell over a running backend. Restores an unfinished wizard, else the last pipeline.
    pub fn new(backend: BackendLink, replies: Receiver<Reply>, settings: Settings) -> KsApp {
        backend.send(Request::ListPipelines);
        let mut app = KsApp {
            backend,
            replies,
            page: Page::Welcome,
            pipelines: Vec::new(),
            monitors: HashMap::new(),
            wizard: None,
            import: None,
            import_error: None,
            demo_pending: false,
            messages: Vec::new(),
            confirm_close: false,
            close_confirmed: false,
            applied_theme: None,
            wizard_is_demo: false,
            demo_to_monitor: None,
            frame_pace: FramePace::default(),
            settings,
        };
        if let Some(draft) = app.settings.wizard_draft.clone() {
            app.wizard = Some(Wizard::from_draft(draft));
            app.page = Page::Wizard;
        } else if let Some(name) = app.settings.last_pipeline.clone() {
            app.open_monitor(&name);
        }
        app
    }

    /// Shares `pace` with the backend's wake callback (the desktop shell creates it first, since
    /// the backend starts before the app).
    pub fn with_frame_pace(mut self, pace: FramePace) -> KsApp {
        self.frame_pace = pace;
        self
    }

    pub fn backend(&self) -> &BackendLink {
        &self.backend
    }

    /// The settings to persist now (with the wizard's draft, if one is open).
    pub fn settings_to_save(&self) -> Settings {
        let mut s = self.settings.clone();
        s.wizard_draft = self
            .wizard
            .as_ref()
            .filter(|_| !self.wizard_is_demo)
            .map(|w| w.draft());
        s.last_pipeline = match &self.page {
            Page::Monitor(n) => Some(n.clone()),
            _ => self.settings.last_pipeline.clone(),
        };
        s
    }

    /// Whether any pipeline's engine runs (closing the window asks first).
    pub fn any_running(&self) -> bool {
        self.monitors.values().any(|m| m.is_running())
            || self
                .pipelines
                .iter()
                .any(|p| matches!(p.status, RunStatus::Running(_)))
    }

    fn open_monitor(&mut self, name: &str) {
        let entry = self.pipelines.iter().find(|p| p.name == name);
        let held = entry.and_then(|p| p.held_elsewhere.clone());
        let config = entry.map(|p| p.config.clone());
        let m = self
            .monitors
            .entry(name.to_string())
            .or_insert_with(|| Monitor::new(name));
        m.held_elsewhere = held;
        if config.is_some() {
            m.config = config;
        }
        self.page = Page::Monitor(name.to_string());
        self.settings.last_pipeline = Some(name.to_string());
    }

    /// The monitor of `name` (tests read it).
    pub fn monitor(&self, name: &str) -> Option<&Monitor> {
        self.monitors.get(name)
    }

    /// Drains the backend's replies, applies theme and zoom, handles Ctrl +/− and the close
    /// request. Call once per frame before [`KsApp::ui`].
    pub fn logic(&mut self, ctx: &egui::Context) {
        if self.applied_theme.is_none() {
            // Fonts and style once (the glyphs the UI uses need the Hack fallback).
            crate::theme::install(ctx);
        }
        self.frame_pace.observe(ctx);
        while let Ok(reply) = self.replies.try_recv() {
            self.on_reply(reply);
        }
        if self.applied_theme != Some(self.settings.theme) {
            crate::theme::set_preference(ctx, self.settings.theme.preference());
            self.applied_theme = Some(self.settings.theme);
        }
        let (zoom_in, zoom_out, reset) = ctx.input_mut(|i| {
            let cmd = egui::Modifiers::COMMAND;
            (
                i.consume_key(cmd, egui::Key::Plus) || i.consume_key(cmd, egui::Key::Equals),
                i.consume_key(cmd, egui::Key::Minus),
                i.consume_key(cmd, egui::Key::Num0),
            )
        });
        if zoom_in {
            self.settings.zoom = Settings::clamp_zoom(self.settings.zoom + ZOOM_STEP);
        }
        if zoom_out {
            self.settings.zoom = Settings::clamp_zoom(self.settings.zoom - ZOOM_STEP);
        }
        if reset {
            self.settings.zoom = 1.0;
        }
        if (ctx.zoom_factor() - self.settings.zoom).abs() > f32::EPSILON {
            ctx.set_zoom_factor(self.settings.zoom);
        }
        if ctx.input(|i| i.viewport().close_requested())
            && self.any_running()
            && !self.close_confirmed
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.confirm_close = true;
        }
    }

    /// Handles one backend reply.
    pub fn on_reply(&mut self, reply: Reply) {
        match reply {
            Reply::Wizard { ticket, reply } => {
                if let Some(w) = &mut self.wizard {
                    w.on_reply(ticket, reply);
                }
            }
            Reply::Saved {
                ticket,
                name,
                result,
            } => {
                if let Ok(info) = &result
                    && let Some(warning) = &info.keyring_warning
                {
                    self.messages.push(format!("{name}: {warning}"));
                }
                if let Some(w) = &mut self.wizard {
                    w.on_saved(ticket, &result);
                }
                if self.demo_to_monitor == Some(Some(ticket)) {
                    self.demo_to_monitor = None;
                    match &result {
                        Ok(_) => self.backend.send(Request::Start { name }),
                        Err(e) => self.messages.push(format!("{name}: {e}")),
                    }
                }
            }
            Reply::Snapshot { name, snapshot } => {
                self.monitors
                    .entry(name.clone())
                    .or_insert_with(|| Monitor::new(&name))
                    .on_snapshot(*snapshot);
            }
            Reply::Event { name, event } => {
                if let Some(m) = self.monitors.get_mut(&name) {
                    m.on_event(&event);
                }
            }
            Reply::Pipelines(list) => {
                for p in &list {
                    if let Some(m) = self.monitors.get_mut(&p.name) {
                        if !matches!(m.status, RunStatus::Running(_))
                            && matches!(p.status, RunStatus::Running(_))
                        {
                            m.status = p.status.clone();
                        }
                        m.held_elsewhere = p.held_elsewhere.clone();
                        m.config = Some(p.config.clone());
                    }
                }
                self.pipelines = list;
            }
            Reply::Started { name } => {
                self.monitors
                    .entry(name.clone())
                    .or_insert_with(|| Monitor::new(&name))
                    .on_started();
            }
            Reply::Ended { name, result } => {
                if let Err(e) = &result {
                    self.messages.push(format!("{name}: {e}"));
                }
                self.monitors
                    .entry(name.clone())
                    .or_insert_with(|| Monitor::new(&name))
                    .on_ended(result);
            }
            Reply::DemoReady {
                name,
                config,
                password,
                records_per_s,
            } => {
                self.demo_pending = false;
                self.monitors
                    .entry(name.clone())
                    .or_insert_with(|| Monitor::new(&name))
                    .demo_rate = Some(records_per_s);
                if self.demo_to_monitor.is_some() {
                    // Straight to the monitor: the wizard's Save, then Start once it is saved.
                    let ticket = self.backend.ticket();
                    self.backend.send(Request::Save {
                        ticket,
                        name: name.clone(),
                        config,
                        password: Some(password),
                    });
                    self.demo_to_monitor = Some(Some(ticket));
                    self.open_monitor(&name);
                    if let Some(m) = self.monitors.get_mut(&name) {
                        m.start_pending = true;
                    }
                    return;
                }
                self.wizard = Some(Wizard::prefilled(name, *config, Some(password)));
                self.wizard_is_demo = true;
                self.page = Page::Wizard;
            }
            Reply::FlinkExport { ticket, result } => {
                let mine = |m: &mut Monitor| m.flink_export.on_reply(ticket, &result);
                if !self.monitors.values_mut().any(mine)
                    && let Some(w) = &mut self.wizard
                {
                    w.on_flink_export(ticket, &result);
                }
            }
            Reply::Error(error) => {
                if matches!(error, BackendError::DemoFailed(_)) {
                    self.demo_pending = false;
                }
                self.messages.push(error.to_string());
            }
        }
    }

    /// Starts the local demo and, once it is ready, its pipeline, showing its monitor rather than
    /// the wizard (`kinesis-starrocks demo --monitor`).
    pub fn start_demo_running(&mut self) {
        self.demo_to_monitor = Some(None);
        self.start_demo();
    }

    /// Starts the local demo (the welcome and side-panel buttons; `kinesis-starrocks demo`).
    pub fn start_demo(&mut self) {
        self.demo_pending = true;
        self.backend.send(Request::StartDemo);
    }

    /// Opens a saved pipeline in the wizard (the password is not shown: it stays where it is
    /// unless the user types a new one).
    fn edit(&mut self, name: &str) {
        match self
            .pipelines
            .iter()
            .find(|p| p.name == name)
            .map(|p| &p.config)
        {
            Some(Ok(config)) => {
                self.wizard = Some(Wizard::prefilled(name.to_string(), config.clone(), None));
                self.wizard_is_demo = false;
                self.page = Page::Wizard;
            }
            Some(Err(e)) => self.messages.push(format!("{name}: {e}")),
            None => self
                .messages
                .push(format!("{name}: not in the pipeline list")),
        }
    }

    /// Opens the wizard: an unfinished one (not the demo's) resumes, else an empty one.
    fn new_pipeline(&mut self) {
        if self.wizard.is_none() || self.wizard_is_demo {
            self.wizard = Some(Wizard::new());
            self.wizard_is_demo = false;
        }
        self.page = Page::Wizard;
    }

    /// Draws the whole window.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        egui::Panel::top("top-bar").show(ui, |ui| self.top_bar(ui));
        egui::Panel::left("pipelines")
            .resizable(true)
            .default_size(220.0)
            .show(ui, |ui| self.side_panel(ui));
        if !self.messages.is_empty() {
            egui::Panel::bottom("messages").show(ui, |ui| self.messages_bar(ui));
        }
        egui::CentralPanel::default().show(ui, |ui| match self.page.clone() {
            Page::Welcome => self.welcome(ui),
            Page::Wizard => self.wizard_page(ui),
            Page::Monitor(name) => {
                let m = self
                    .monitors
                    .entry(name.clone())
                    .or_insert_with(|| Monitor::new(&name));
                match m.ui(ui, &self.backend) {
                    Some(ShellAction::Edit(name)) => self.edit(&name),
                    Some(ShellAction::Deleted(name)) => {
                        self.monitors.remove(&name);
                        self.settings.last_pipeline = None;
                        self.page = Page::Welcome;
                    }
                    None => {}
                }
            }
        });
        if self.confirm_close {
            self.close_dialog(ui.ctx());
        }
    }

    fn top_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if ui.button(HOME).on_hover_text("The welcome page").clicked() {
                self.page = Page::Welcome;
            }
            ui.label(egui::RichText::new(crate::PRODUCT_NAME).strong());
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Zoom in").on_hover_text("Ctrl +").clicked() {
                    self.settings.zoom = Settings::clamp_zoom(self.settings.zoom + ZOOM_STEP);
                }
                ui.label(format!("{:.0} %", self.settings.zoom * 100.0));
                if ui.button("Zoom out").on_hover_text("Ctrl −").clicked() {
                    self.settings.zoom = Settings::clamp_zoom(self.settings.zoom - ZOOM_STEP);
                }
                ui.separator();
                for theme in Theme::ALL.into_iter().rev() {
                    if ui
                        .selectable_label(self.settings.theme == theme, theme.label())
                        .on_hover_text("Theme")
                        .clicked()
                    {
                        self.settings.theme = theme;
                    }
                }
                ui.label("Theme:");
            });
        });
    }

    fn side_panel(&mut self, ui: &mut egui::Ui) {
        ui.add_space(6.0);
        ui.label(egui::RichText::new("Pipelines").strong().size(16.0));
        ui.add_space(4.0);
        let mut open = None;
        for p in &self.pipelines {
            let status = self
                .monitors
                .get(&p.name)
                .map(|m| m.status.clone())
                .unwrap_or_else(|| p.status.clone());
            let (mut text, mut colour) = crate::monitor::header_state_text(&status);
            let held = p
                .held_elsewhere
                .as_ref()
                .filter(|_| !matches!(status, RunStatus::Running(_)));
            if let Some(holder) = held {
                text = format!("running elsewhere: {holder}");
                colour = egui::Color32::from_rgb(0x2e, 0xa0, 0x43);
            }
            let selected = self.page == Page::Monitor(p.name.clone());
            ui.horizontal(|ui| {
                ui.label(egui::RichText::new("●").color(colour));
                let label = if p.demo {
                    format!("{} (demo)", p.name)
                } else {
                    p.name.clone()
                };
                if ui
                    .selectable_label(selected, label)
                    .on_hover_text(text.clone())
                    .clicked()
                {
                    open = Some(p.name.clone());
                }
                ui.weak(if held.is_some() {
                    "running elsewhere"
                } else {
                    short_status(&status)
                });
            });
        }
        if let Some(name) = open {
            self.open_monitor(&name);
        }
        ui.add_space(12.0);
        if ui.button(SIDE_NEW).clicked() {
            self.new_pipeline();
        }
        if ui
            .add_enabled(!self.demo_pending, egui::Button::new(SIDE_DEMO))
            .clicked()
        {
            self.start_demo();
        }
    }

    fn messages_bar(&mut self, ui: &mut egui::Ui) {
        let mut dismiss = None;
        for (i, m) in self.messages.iter().enumerate().rev().take(3) {
            ui.horizontal(|ui| {
                if ui.button("Dismiss").clicked() {
                    dismiss = Some(i);
                }
                if ui.button("Copy").clicked() {
                    ui.ctx().copy_text(m.clone());
                }
                ui.add(
                    egui::Label::new(egui::RichText::new(m).color(ui.visuals().warn_fg_color))
                        .wrap(),
                );
            });
        }
        if let Some(i) = dismiss {
            self.messages.remove(i);
        }
    }

    fn welcome(&mut self, ui: &mut egui::Ui) {
        let action = welcome::ui(
            ui,
            &self.pipelines,
            &mut self.import,
            self.import_error.as_deref(),
            self.demo_pending,
        );
        match action {
            Some(welcome::Action::New) => self.new_pipeline(),
            Some(welcome::Action::Demo) => self.start_demo(),
            Some(welcome::Action::Open(name)) => self.open_monitor(&name),
            Some(welcome::Action::Import) => {
                let text = self.import.clone().unwrap_or_default();
                match ks_core::config::import::from_kda_properties(&text) {
                    Ok(i) => {
                        if !i.ignored.is_empty() {
                            self.messages
                                .push(format!("import: not used: {}", i.ignored.join(", ")));
                        }
                        self.wizard = Some(Wizard::prefilled(i.name, i.config, i.password));
                        self.wizard_is_demo = false;
                        self.import = None;
                        self.import_error = None;
                        self.page = Page::Wizard;
                    }
                    Err(e) => self.import_error = Some(e),
                }
            }
            None => {}
        }
    }

    fn wizard_page(&mut self, ui: &mut egui::Ui) {
        let Some(wizard) = &mut self.wizard else {
            self.page = Page::Welcome;
            return;
        };
        match wizard.ui(ui, &self.backend) {
            Some(WizardOutcome::Saved(name)) => {
                self.wizard = None;
                self.settings.wizard_draft = None;
                self.backend.send(Request::ListPipelines);
                self.open_monitor(&name);
            }
            Some(WizardOutcome::Start(name)) => {
                self.wizard = None;
                self.settings.wizard_draft = None;
                self.open_monitor(&name);
                if let Some(m) = self.monitors.get_mut(&name) {
                    m.start_pending = true;
                }
                self.backend.send(Request::Start { name });
            }
            Some(WizardOutcome::Cancelled) => {
                self.wizard = None;
                self.settings.wizard_draft = None;
                self.page = Page::Welcome;
            }
            None => {}
        }
    }

    fn close_dialog(&mut self, ctx: &egui::Context) {
        egui::Modal::new(egui::Id::unique("confirm-close")).show(ctx, |ui| {
            ui.heading("A pipeline is running");
            ui.label(
                "Quitting stops it: what was read is loaded, confirmed and checkpointed first \
                 (a few seconds). It resumes from the checkpoint next time.",
            );
            ui.horizontal(|ui| {
                if ui.button("Stop and quit").clicked() {
                    self.close_confirmed = true;
                    self.confirm_close = false;
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
                if ui.button("Keep running").clicked() {
                    self.confirm_close = false;
                }
            });
        });
    }
}

fn short_status(status: &RunStatus) -> &'static str {
    match status {
        RunStatus::Idle | RunStatus::Ended(Ok(_)) => "stopped",
        RunStatus::Ended(Err(_)) => "failed",
        RunStatus::Running(s) => match s {
            PipelineState::Starting | PipelineState::Recovering => "starting",
            PipelineState::Running => "running",
            PipelineState::CatchingUp => "catching up",
            PipelineState::Stalled { .. } => "stalled",
            PipelineState::Stopping => "stopping",
            PipelineState::Stopped => "stopped",
            PipelineState::Failed { .. } => "failed",
        },
    }
}
