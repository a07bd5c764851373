//! Step 1, Cluster: where StarRocks is (jdbc-url or host + port, load-url), who loads (username,
//! password — masked, never in the config: it goes to the OS keyring on Save), and TLS.
//! "Test connection" runs the Cluster and Stream Load check groups.

use super::checks::CheckRun;
use super::fields::{self, text_row};
use super::protocol::WizardReply;
use super::{Draft, Gate};
use crate::protocol::{BackendLink, Ticket};
use ks_core::SslMode;
use ks_core::check::CheckGroup;

pub const TEST_LABEL: &str = "Test connection";

#[derive(Default)]
pub struct ClusterStep {
    checks: CheckRun,
    show_password: bool,
    /// The password as typed (the draft keeps it as a `Secret`); filled from the draft once.
    password_buffer: Option<String>,
}

/// What is wrong with each field, if anything (shown under it as the user types).
#[derive(Default, Debug)]
pub struct ClusterErrors {
    pub host: Option<String>,
    pub query_port: Option<String>,
    pub jdbc_url: Option<String>,
    pub load_url: Option<String>,
    pub username: Option<String>,
}

impl ClusterErrors {
    pub fn of(d: &Draft) -> ClusterErrors {
        let mut e = ClusterErrors::default();
        if d.use_jdbc_url {
            e.jdbc_url = match d.parse_jdbc_url() {
                Ok(None) => Some("required: jdbc:mysql://host:9030 (the FE query port)".into()),
                Ok(Some(_)) => None,
                Err(m) => Some(m),
            };
        } else {
            let host = d.host.trim();
            if host.is_empty() {
                e.host = Some("required: the FE host name or address".into());
            } else if host.contains("://") || host.contains('/') {
                e.host = Some(format!(
                    "{host:?} is a URL: give only the host name (or switch to \"A JDBC URL\")"
                ));
            } else if let Err(m) = fields::parse_port(&d.query_port) {
                e.query_port = Some(m);
            } else if let Err(m) = d.parse_jdbc_url() {
                e.host = Some(m);
            }
        }
        e.load_url = match d.parse_load_urls() {
            Ok(v) if v.is_empty() => Some(
                "required: the FE HTTP address, e.g. http://fe-host:8030 or https://xxxx.cloud-app.celerdata.com"
                    .into(),
            ),
            Ok(_) => None,
            Err(m) => Some(m),
        };
        if d.username.trim().is_empty() {
            e.username = Some("required: the StarRocks user that loads (it needs INSERT)".into());
        }
        e
    }

    pub fn first(&self) -> Option<&str> {
        fields::first_error([
            &self.host,
            &self.query_port,
            &self.jdbc_url,
            &self.load_url,
            &self.username,
        ])
    }
}

/// The step's own fields: its ✓ in the wizard holds while they stay as they were.
pub(super) fn own_fields(d: &Draft) -> impl std::hash::Hash + '_ {
    (
        d.use_jdbc_url,
        &d.host,
        &d.query_port,
        &d.jdbc_url,
        &d.load_url,
        &d.username,
        &d.ssl_mode,
    )
}

/// The inputs of a Test run (the password included: a new password needs a new test).
fn inputs(d: &Draft) -> u64 {
    super::fingerprint_of(&(own_fields(d), d.password.expose()))
}

impl ClusterStep {
    pub fn ui(&mut self, ui: &mut egui::Ui, draft: &mut Draft, backend: &BackendLink) {
        ui.label("Where is your StarRocks or CelerData cluster, and who loads into it?");
        ui.add_space(6.0);
        let errors = ClusterErrors::of(draft);
        egui::Grid::new("cluster_form")
            .num_columns(2)
            .spacing([12.0, 8.0])
            .show(ui, |ui| {
                ui.label("Address as");
                ui.horizontal(|ui| {
                    ui.radio_value(&mut draft.use_jdbc_url, false, "Host and port");
                    ui.radio_value(&mut draft.use_jdbc_url, true, "A JDBC URL");
                });
                ui.end_row();
                if draft.use_jdbc_url {
                    text_row(
                        ui,
                        "JDBC URL",
                        &mut draft.jdbc_url,
                        "jdbc:mysql://xxxx.cloud-app.celerdata.com:9030",
                        errors.jdbc_url.as_deref(),
                    );
                } else {
                    text_row(
                        ui,
                        "Host",
                        &mut draft.host,
                        "xxxx.cloud-app.celerdata.com",
                        errors.host.as_deref(),
                    );
                    text_row(
                        ui,
                        "Query port",
                        &mut draft.query_port,
                        "9030",
                        errors.query_port.as_deref(),
                    );
                }
                let load = text_row(
                    ui,
                    "Load URL",
                    &mut draft.load_url,
                    "https://xxxx.cloud-app.celerdata.com or http://fe-host:8030",
                    errors.load_url.as_deref(),
                );
                load.on_hover_text(
                    "The FE HTTP address Stream Load goes to (several: separate with ';'). \
                     CelerData: the https:// endpoint; self-managed: http://fe-host:8030.",
                );
                text_row(
                    ui,
                    "Username",
                    &mut draft.username,
                    "admin",
                    errors.username.as_deref(),
                );
                let buffer = self
                    .password_buffer
                    .get_or_insert_with(|| draft.password.expose().to_string());
                fields::password_row(
                    ui,
                    "Password",
                    buffer,
                    &mut draft.password,
                    &mut self.show_password,
                );
                let l = ui.label("TLS mode");
                let mut mode = draft.parse_ssl_mode();
                egui::ComboBox::from_id_salt("ssl_mode")
                    .selected_text(mode.as_str())
                    .show_ui(ui, |ui| {
                        for m in SslMode::ALL {
                            ui.selectable_value(&mut mode, m, m.as_str());
                        }
                    })
                    .response
                    .labelled_by(l.id);
                if mode.as_str() != draft.ssl_mode {
                    draft.ssl_mode = mode.as_str().to_string();
                }
                ui.end_row();
            });
        ui.label(
            egui::RichText::new(
                "The password is kept in the OS keyring when you save, never in the config file.",
            )
            .weak()
            .small(),
        );
        ui.add_space(8.0);

        let valid = errors.first().is_none();
        if ui
            .add_enabled(
                valid && !self.checks.running(),
                egui::Button::new(TEST_LABEL),
            )
            .clicked()
        {
            self.checks.start(
                backend,
                draft.build_config(),
                draft.password_opt(),
                vec![CheckGroup::Cluster, CheckGroup::StreamLoad],
                inputs(draft),
            );
        }
        ui.add_space(6.0);
        self.checks.ui(ui);
    }

    pub fn on_reply(&mut self, ticket: Ticket, reply: &WizardReply, _draft: &mut Draft) -> bool {
        self.checks.on_reply(ticket, reply)
    }

    /// True once its checks ran in this session.
    pub fn tested(&self) -> bool {
        self.checks.tested()
    }

    pub fn gate(&self, draft: &Draft) -> Gate {
        if let Some(e) = ClusterErrors::of(draft).first() {
            return Gate::Blocked(e.to_string());
        }
        self.checks.gate(inputs(draft), TEST_LABEL)
    }
}
