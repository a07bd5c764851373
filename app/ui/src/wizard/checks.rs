//! The check list widget shared by the steps: one row per check as it lands (mark, title, the raw
//! detail selectable with a Copy button, the remediation), a spinner while the run goes on, and
//! the gate that decides whether Next may be pressed.

use super::Gate;
use super::protocol::{WizardReply, WizardRequest};
use crate::protocol::{BackendLink, Ticket};
use egui::{Color32, RichText, Ui};
use ks_core::check::{CheckFix, CheckGroup, CheckResult, CheckStatus};
use ks_core::{PipelineConfig, Secret};

// In egui's bundled fonts with `monochrome_emoji_fonts` (✓ ✗ are missing and would not draw);
// the unit test below and the snapshot images check them.
pub const MARK_PASS: &str = "✔";
pub const MARK_WARN: &str = "⚠";
pub const MARK_FAIL: &str = "❌";
pub const MARK_SKIPPED: &str = "–";
/// The detail line of the check that is running now.
pub const RUNNING: &str = "running…";

pub fn mark(status: CheckStatus) -> &'static str {
    match status {
        CheckStatus::Pass => MARK_PASS,
        CheckStatus::Warn => MARK_WARN,
        CheckStatus::Fail => MARK_FAIL,
        CheckStatus::Skipped => MARK_SKIPPED,
    }
}

pub fn pass_color(ui: &Ui) -> Color32 {
    if ui.visuals().dark_mode {
        Color32::from_rgb(0x5c, 0xc8, 0x6e)
    } else {
        Color32::from_rgb(0x1a, 0x7f, 0x37)
    }
}

pub fn warn_color(ui: &Ui) -> Color32 {
    ui.visuals().warn_fg_color
}

pub fn status_color(ui: &Ui, status: CheckStatus) -> Color32 {
    match status {
        CheckStatus::Pass => pass_color(ui),
        CheckStatus::Warn => warn_color(ui),
        CheckStatus::Fail => ui.visuals().error_fg_color,
        CheckStatus::Skipped => ui.visuals().weak_text_color(),
    }
}

/// One Test run of a step: its ticket, the results so far, and the inputs it ran with.
#[derive(Default)]
pub struct CheckRun {
    ticket: Option<Ticket>,
    results: Vec<CheckResult>,
    /// The check running now (id, title): its row shows a spinner.
    current: Option<(String, String)>,
    done: bool,
    /// Fingerprint of the step's inputs when Test was pressed: results of other inputs are stale.
    inputs: Option<u64>,
}

impl CheckRun {
    /// Sends `RunChecks` and forgets the previous results.
    pub fn start(
        &mut self,
        backend: &BackendLink,
        config: PipelineConfig,
        password: Option<Secret>,
        groups: Vec<CheckGroup>,
        inputs: u64,
    ) {
        self.results.clear();
        self.current = None;
        self.done = false;
        self.inputs = Some(inputs);
        self.ticket = Some(backend.wizard(WizardRequest::RunChecks {
            config: Box::new(config),
            password,
            groups,
        }));
    }

    /// True once Test was pressed in this session (a resumed draft has no results).
    pub fn tested(&self) -> bool {
        self.inputs.is_some()
    }

    /// True when the last test ran with `inputs` and a check failed.
    pub fn failed_with(&self, inputs: u64) -> bool {
        self.inputs == Some(inputs)
            && self.done
            && self.results.iter().any(|r| r.status == CheckStatus::Fail)
    }

    pub fn running(&self) -> bool {
        self.ticket.is_some() && !self.done
    }

    pub fn results(&self) -> &[CheckResult] {
        &self.results
    }

    /// True when the reply belonged to this run (replies to an older run are dropped).
    pub fn on_reply(&mut self, ticket: Ticket, reply: &WizardReply) -> bool {
        if self.ticket != Some(ticket) {
            return false;
        }
        match reply {
            WizardReply::CheckBegun { id, title } => {
                self.current = Some((id.clone(), title.clone()));
                true
            }
            WizardReply::CheckLanded(r) => {
                if self.current.as_ref().is_some_and(|(id, _)| *id == r.id) {
                    self.current = None;
                }
                // A re-sent result replaces the earlier one with the same id.
                match self.results.iter_mut().find(|x| x.id == r.id) {
                    Some(x) => *x = r.clone(),
                    None => self.results.push(r.clone()),
                }
                true
            }
            WizardReply::ChecksDone(report) => {
                self.results = report.checks.clone();
                self.current = None;
                self.done = true;
                true
            }
            _ => false,
        }
    }

    /// Whether Next may be pressed, given the step's current inputs.
    pub fn gate(&self, inputs: u64, test_label: &str) -> Gate {
        if self.inputs.is_none() {
            return Gate::Blocked(format!("press {test_label} first"));
        }
        if self.running() {
            return Gate::Blocked("checks are running".into());
        }
        if self.inputs != Some(inputs) {
            return Gate::Blocked(format!(
                "the values changed since the last test: press {test_label} again"
            ));
        }
        let failed = self
            .results
            .iter()
            .filter(|r| r.status == CheckStatus::Fail)
            .count();
        if failed > 0 {
            return Gate::Blocked(format!(
                "{failed} check(s) failed: fix what they say, then press {test_label} again"
            ));
        }
        if self.results.iter().any(|r| r.status == CheckStatus::Warn) {
            return Gate::Warnings;
        }
        Gate::Ready
    }

    /// Draws the list. Returns a fix the user asked for (the step confirms it before applying).
    pub fn ui(&self, ui: &mut Ui) -> Option<CheckFix> {
        let mut asked = None;
        for r in &self.results {
            if let Some(fix) = check_row(ui, r) {
                asked = Some(fix);
            }
        }
        if self.running() {
            match &self.current {
                // The running check's own row: a spinner where its mark will be.
                Some((id, title)) => {
                    ui.push_id(id, |ui| {
                        ui.horizontal(|ui| {
                            ui.add(egui::Spinner::new());
                            ui.label(RichText::new(title).strong());
                        });
                        ui.indent("detail", |ui| {
                            ui.label(RichText::new(RUNNING).weak());
                        });
                    });
                }
                None => {
                    ui.horizontal(|ui| {
                        ui.add(egui::Spinner::new());
                        ui.label("Running checks…");
                    });
                }
            }
        } else if self.done {
            let n = |s| self.results.iter().filter(|r| r.status == s).count();
            ui.label(
                RichText::new(format!(
                    "{} passed, {} warnings, {} failed, {} skipped",
                    n(CheckStatus::Pass),
                    n(CheckStatus::Warn),
                    n(CheckStatus::Fail),
                    n(CheckStatus::Skipped)
                ))
                .weak(),
            );
        }
        asked
    }
}

/// One check: mark and title; detail (selectable, Copy); remediation; a fix button when offered.
fn check_row(ui: &mut Ui, r: &CheckResult) -> Option<CheckFix> {
    let mut asked = None;
    let color = status_color(ui, r.status);
    ui.push_id(&r.id, |ui| {
        ui.horizontal(|ui| {
            ui.label(RichText::new(mark(r.status)).color(color).strong());
            ui.label(RichText::new(&r.title).strong());
        });
        ui.indent("detail", |ui| {
            if !r.detail.is_empty() {
                ui.horizontal_wrapped(|ui| {
                    ui.add(egui::Label::new(RichText::new(&r.detail).monospace()).selectable(true));
                    if ui.small_button("Copy").clicked() {
                        ui.ctx().copy_text(r.detail.clone());
                    }
                });
            }
            if let Some(rem) = &r.remediation {
                ui.add(
                    egui::Label::new(RichText::new(format!("Fix: {rem}")).color(color))
                        .selectable(true),
                );
            }
            if let Some(fix) = &r.fix {
                let label = match fix {
                    CheckFix::AddIngressRule(_) => "Add rule for my IP",
                    CheckFix::Sql { .. } => "Run the SQL",
                    CheckFix::Config { .. } => "Apply to the config",
                };
                if ui.button(label).clicked() {
                    asked = Some(fix.clone());
                }
            }
        });
        ui.add_space(4.0);
    });
    asked
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The marks must be in egui's bundled fonts (a missing glyph draws as a box).
    #[test]
    fn marks_render_with_the_bundled_fonts() {
        let ctx = egui::Context::default();
        let mut out = ctx.run_ui(Default::default(), |_| {});
        out.textures_delta.clear();
        for m in [MARK_PASS, MARK_WARN, MARK_FAIL, MARK_SKIPPED] {
            let ok = ctx.fonts_mut(|f| f.has_glyphs(&egui::FontId::proportional(14.0), m));
            assert!(ok, "{m:?} is not in egui's bundled fonts");
        }
    }
}
