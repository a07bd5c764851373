//! Step 5, Review: one section per step with an Edit link, the pipeline name, Save (config file +
//! the password to the OS keyring) and Start (save, then run), and "Export as Flink job…"
//! (crate::flink_export_panel).

use super::{Draft, Step, WizardOutcome};
use crate::flink_export_panel::{ExportSubject, FlinkExportPanel};
use crate::protocol::{BackendLink, FlinkExportDone, Request, SaveInfo, Ticket};
use egui::RichText;

/// What the Review step asks the frame to do.
pub enum ReviewAction {
    Edit(Step),
    Done(WizardOutcome),
}

#[derive(Default)]
pub struct ReviewStep {
    save_ticket: Option<Ticket>,
    /// Start once the save in flight lands.
    start_after_save: bool,
    /// The last save's answer, and the draft it saved.
    saved: Option<(Result<SaveInfo, String>, String)>,
    saved_draft: Option<Draft>,
    pending_outcome: Option<WizardOutcome>,
    /// "Export as Flink job…" of the draft.
    flink_export: FlinkExportPanel,
}

impl ReviewStep {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        draft: &mut Draft,
        incomplete: &[Step],
        backend: &BackendLink,
    ) -> Option<ReviewAction> {
        if let Some(o) = self.pending_outcome.take() {
            return Some(ReviewAction::Done(o));
        }
        let mut action = None;
        if draft.name.trim().is_empty() && !draft.stream.trim().is_empty() {
            // A sensible default: the stream's name, made label-safe.
            draft.name = draft
                .stream
                .trim()
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '-'
                    }
                })
                .take(ks_core::config::MAX_NAME_LEN)
                .collect();
        }
        egui::Grid::new("review_name")
            .num_columns(2)
            .spacing([12.0, 8.0])
            .show(ui, |ui| {
                let err = ks_core::config::validate_name(draft.name.trim()).err();
                super::fields::text_row(
                    ui,
                    "Pipeline name",
                    &mut draft.name,
                    "stock",
                    err.as_deref(),
                );
            });
        ui.add_space(6.0);

        let password = if draft.password.is_empty() {
            "(not entered: the one already in the keyring is kept)"
        } else {
            "•••••• (goes to the OS keyring)"
        };
        let jdbc = draft
            .parse_jdbc_url()
            .ok()
            .flatten()
            .map(|j| j.text)
            .unwrap_or_default();
        let sections: [(Step, Vec<(&str, String)>); 4] = [
            (
                Step::Cluster,
                vec![
                    ("jdbc-url", jdbc),
                    ("load-url", draft.load_url.clone()),
                    ("username", draft.username.clone()),
                    ("password", password.to_string()),
                    ("ssl-mode", draft.ssl_mode.clone()),
                ],
            ),
            (
                Step::Aws,
                vec![
                    (
                        "profile",
                        if draft.profile.is_empty() {
                            super::aws::DEFAULT_CHAIN.to_string()
                        } else {
                            draft.profile.clone()
                        },
                    ),
                    ("region", draft.region.clone()),
                    ("endpoint-url", draft.endpoint_url.clone()),
                    ("security-group-ids", draft.security_group_ids.clone()),
                    ("egress-ip", draft.egress_ip.clone()),
                ],
            ),
            (
                Step::Stream,
                vec![
                    ("stream", draft.stream.clone()),
                    (
                        "initial-position",
                        match draft.initial_position {
                            ks_core::InitialPosition::Latest => "LATEST",
                            ks_core::InitialPosition::TrimHorizon => "TRIM_HORIZON",
                            ks_core::InitialPosition::AtTimestamp => "AT_TIMESTAMP",
                        }
                        .to_string(),
                    ),
                    ("initial-timestamp", draft.initial_timestamp.clone()),
                    (
                        "reader",
                        if draft.enhanced_fan_out {
                            format!(
                                "efo (consumer {}, {})",
                                draft.build_config().efo_consumer_name(),
                                if draft.keep_efo_consumer {
                                    "kept when the pipeline is deleted"
                                } else {
                                    "deregistered when the pipeline is deleted"
                                }
                            )
                        } else {
                            "polling".to_string()
                        },
                    ),
                ],
            ),
            (
                Step::Table,
                std::iter::once(("database-name", draft.database.clone()))
                    .chain(std::iter::once(("table-name", draft.table.clone())))
                    .chain(
                        draft
                            .properties
                            .iter()
                            .map(|(k, v)| ("properties", format!("{k} = {v}"))),
                    )
                    .collect(),
            ),
        ];
        for (step, rows) in sections {
            ui.group(|ui| {
                ui.set_width(ui.available_width());
                ui.horizontal(|ui| {
                    ui.strong(step.title());
                    if incomplete.contains(&step) {
                        ui.label(
                            RichText::new("not complete")
                                .color(ui.visuals().warn_fg_color)
                                .small(),
                        );
                    }
                    if ui.small_button(format!("Edit {}", step.title())).clicked() {
                        action = Some(ReviewAction::Edit(step));
                    }
                });
                egui::Grid::new(("review", step.index()))
                    .num_columns(2)
                    .show(ui, |ui| {
                        for (k, v) in rows.into_iter().filter(|(_, v)| !v.is_empty()) {
                            ui.label(RichText::new(k).weak());
                            ui.add(
                                egui::Label::new(RichText::new(v).monospace())
                                    .selectable(true)
                                    .wrap(),
                            );
                            ui.end_row();
                        }
                    });
            });
        }
        ui.add_space(8.0);

        let config = draft.config();
        if let Err(errors) = &config {
            for e in errors {
                super::fields::error_line(ui, Some(&format!("{}: {}", e.key, e.message)));
            }
        }
        let can_save = config.is_ok() && self.save_ticket.is_none();
        ui.horizontal(|ui| {
            let save = ui.add_enabled(can_save, egui::Button::new("Save"));
            let start = ui.add_enabled(can_save, egui::Button::new("Save and start"));
            if let Ok(config) = &config
                && (save.clicked() || start.clicked())
            {
                let ticket = backend.ticket();
                backend.send(Request::Save {
                    ticket,
                    name: config.name.clone(),
                    config: Box::new(config.clone()),
                    password: draft.password_opt(),
                });
                self.save_ticket = Some(ticket);
                self.start_after_save = start.clicked();
                self.saved = None;
                self.saved_draft = Some(draft.clone());
            }
            if self.save_ticket.is_some() {
                ui.add(egui::Spinner::new());
                ui.label("saving…");
            }
        });
        if let Some((result, name)) = &self.saved {
            match result {
                Ok(info) => {
                    ui.add(
                        egui::Label::new(
                            RichText::new(format!("Saved {name} to {}", info.path.display()))
                                .color(super::checks::pass_color(ui)),
                        )
                        .wrap(),
                    );
                    if let Some(w) = &info.keyring_warning {
                        ui.add(
                            egui::Label::new(RichText::new(w).color(ui.visuals().warn_fg_color))
                                .selectable(true)
                                .wrap(),
                        );
                    }
                    if self.saved_draft.as_ref() == Some(draft) && ui.button("Close").clicked() {
                        action = Some(ReviewAction::Done(WizardOutcome::Saved(name.clone())));
                    }
                }
                Err(e) => {
                    ui.add(
                        egui::Label::new(
                            RichText::new(format!("Not saved: {e}"))
                                .color(ui.visuals().error_fg_color),
                        )
                        .selectable(true)
                        .wrap(),
                    );
                }
            }
        }
        ui.add_space(8.0);
        // The draft as Save would write it, with the password typed (if any: else the backend
        // uses the saved pipeline's).
        let config = config
            .as_ref()
            .map_err(|_| "complete the values above first".to_string());
        let password = (!draft.password.is_empty()).then_some(&draft.password);
        let subject = ExportSubject {
            name: draft.name.trim(),
            config,
            password,
        };
        self.flink_export.ui(ui, subject, backend);
        action
    }

    /// The answer to this step's `Request::ExportFlink`.
    pub fn on_flink_export(&mut self, ticket: Ticket, result: &Result<FlinkExportDone, String>) {
        self.flink_export.on_reply(ticket, result);
    }

    pub fn on_saved(&mut self, ticket: Ticket, result: &Result<SaveInfo, String>) {
        if self.save_ticket != Some(ticket) {
            return;
        }
        self.save_ticket = None;
        let name = self
            .saved_draft
            .as_ref()
            .map(|d| d.name.trim().to_string())
            .unwrap_or_default();
        if result.is_ok() && self.start_after_save {
            self.pending_outcome = Some(WizardOutcome::Start(name.clone()));
        }
        self.start_after_save = false;
        self.saved = Some((result.clone(), name));
    }
}
