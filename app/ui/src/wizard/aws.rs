//! Step 2, AWS & network: which AWS credentials (profile from the AWS config files, region, an
//! endpoint for emulators), who they belong to ("Who am I"), and whether the cluster's security
//! groups let this machine in — with the missing rules listed and an "Add rule for my IP" button
//! behind a confirmation that shows the exact rule. "Test AWS & network" runs the AWS and Network
//! check groups.

use super::call::Call;
use super::checks::CheckRun;
use super::fields::{self, text_row};
use super::protocol::{CallerIdentity, WizardReply, WizardRequest};
use super::{Draft, Gate};
use crate::protocol::{BackendLink, Ticket};
use egui::RichText;
use ks_core::check::{CheckFix, CheckGroup, IngressRule};

pub const TEST_LABEL: &str = "Test AWS & network";
pub const DEFAULT_CHAIN: &str = "(default credential chain)";

#[derive(Default)]
pub struct AwsStep {
    checks: CheckRun,
    profiles: Call<Vec<String>>,
    identity: Call<CallerIdentity>,
    /// The rule the user asked to add, awaiting confirmation.
    confirm: Option<IngressRule>,
    applied: Call<String>,
    show_advanced: bool,
    /// A rule was added: test again so the list shows the group as it is now.
    retest: bool,
}

#[derive(Default, Debug)]
pub struct AwsErrors {
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub security_group_ids: Option<String>,
    pub egress_ip: Option<String>,
}

impl AwsErrors {
    pub fn of(d: &Draft) -> AwsErrors {
        let mut e = AwsErrors::default();
        let region = d.region.trim();
        // Empty: the profile's region or AWS_REGION (the credentials check says when there is none).
        if !region.is_empty()
            && !region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            e.region = Some(format!(
                "expected a region such as us-west-2 (lower-case letters, digits, '-'), got {region:?}"
            ));
        }
        let ep = d.endpoint_url.trim();
        if !ep.is_empty() {
            let ok = ep
                .split_once("://")
                .is_some_and(|(s, rest)| (s == "http" || s == "https") && !rest.is_empty());
            if !ok {
                e.endpoint_url = Some(format!(
                    "expected http(s)://host[:port], e.g. http://127.0.0.1:4567, got {ep:?}"
                ));
            }
        }
        if let Some(bad) = d.parse_security_group_ids().into_iter().find(|id| {
            !id.strip_prefix("sg-")
                .is_some_and(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()))
        }) {
            e.security_group_ids = Some(format!(
                "expected ids like sg-0123456789abcdef0, got {bad:?}"
            ));
        }
        let ip = d.egress_ip.trim();
        if !ip.is_empty()
            && ip
                .strip_suffix("/32")
                .unwrap_or(ip)
                .parse::<std::net::IpAddr>()
                .is_err()
        {
            e.egress_ip = Some(format!(
                "expected this machine's public IP address such as 203.0.113.7, got {ip:?}"
            ));
        }
        e
    }

    pub fn first(&self) -> Option<&str> {
        fields::first_error([
            &self.region,
            &self.endpoint_url,
            &self.security_group_ids,
            &self.egress_ip,
        ])
    }
}

/// The step's own fields: its ✓ in the wizard holds while they stay as they were.
pub(super) fn own_fields(d: &Draft) -> impl std::hash::Hash + '_ {
    (
        &d.profile,
        &d.region,
        &d.endpoint_url,
        &d.security_group_ids,
        &d.egress_ip,
    )
}

/// The inputs of a Test run: this step's fields and the cluster address (the security-group check
/// looks up the cluster's groups from it).
fn inputs(d: &Draft) -> u64 {
    super::fingerprint_of(&(own_fields(d), &d.host, &d.jdbc_url, &d.load_url, &d.stream))
}

impl AwsStep {
    pub fn ui(&mut self, ui: &mut egui::Ui, draft: &mut Draft, backend: &BackendLink) {
        if self.profiles.untouched() {
            self.profiles.sent(backend.wizard(WizardRequest::Profiles));
        }
        ui.label(
            "Which AWS credentials read the stream, and can this machine reach the cluster? \
             Credentials come from the AWS SDK's chain (profiles, environment, SSO); the app never stores them.",
        );
        ui.add_space(6.0);
        let errors = AwsErrors::of(draft);
        egui::Grid::new("aws_form")
            .num_columns(2)
            .spacing([12.0, 8.0])
            .show(ui, |ui| {
                let l = ui.label("Profile");
                let selected = if draft.profile.is_empty() {
                    DEFAULT_CHAIN.to_string()
                } else {
                    draft.profile.clone()
                };
                ui.vertical(|ui| {
                    egui::ComboBox::from_id_salt("aws_profile")
                        .selected_text(selected)
                        .width(fields::FIELD_WIDTH)
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut draft.profile, String::new(), DEFAULT_CHAIN);
                            if let Some(Ok(list)) = self.profiles.answer() {
                                for p in list {
                                    ui.selectable_value(&mut draft.profile, p.clone(), p);
                                }
                            }
                        })
                        .response
                        .labelled_by(l.id);
                    match self.profiles.answer() {
                        None => {
                            ui.label(RichText::new("reading ~/.aws/config…").weak().small());
                        }
                        Some(Err(e)) => fields::error_line(ui, Some(e)),
                        Some(Ok(list)) if list.is_empty() => {
                            ui.label(
                                RichText::new(
                                    "no profiles in ~/.aws/config or ~/.aws/credentials: the default chain is used",
                                )
                                .weak()
                                .small(),
                            );
                        }
                        Some(Ok(_)) => {}
                    }
                });
                ui.end_row();
                text_row(
                    ui,
                    "Region",
                    &mut draft.region,
                    "us-west-2 (empty: the profile's region or AWS_REGION)",
                    errors.region.as_deref(),
                );
                text_row(
                    ui,
                    "Security group ids",
                    &mut draft.security_group_ids,
                    "optional: sg-0123456789abcdef0 (else found from the cluster's address)",
                    errors.security_group_ids.as_deref(),
                );
                text_row(
                    ui,
                    "Egress IP",
                    &mut draft.egress_ip,
                    "optional: this machine's public address (else detected)",
                    errors.egress_ip.as_deref(),
                );
                ui.label("");
                // An endpoint URL in use keeps the advanced settings open (and the box ticked):
                // a setting that applies is never hidden behind an unticked box.
                if !draft.endpoint_url.is_empty() {
                    self.show_advanced = true;
                }
                ui.add_enabled(
                    draft.endpoint_url.is_empty(),
                    egui::Checkbox::new(&mut self.show_advanced, "Advanced"),
                )
                .on_disabled_hover_text("An endpoint URL is set: clear it to hide these settings");
                ui.end_row();
                if self.show_advanced {
                    text_row(
                        ui,
                        "Endpoint URL",
                        &mut draft.endpoint_url,
                        "optional: http://127.0.0.1:4567 (emulators, VPC endpoints)",
                        errors.endpoint_url.as_deref(),
                    );
                }
            });
        ui.add_space(8.0);

        let valid = errors.first().is_none();
        if std::mem::take(&mut self.retest) && valid && !self.checks.running() {
            self.run_checks(draft, backend);
        }
        ui.horizontal(|ui| {
            if ui
                .add_enabled(
                    valid && !self.identity.pending(),
                    egui::Button::new("Who am I"),
                )
                .clicked()
            {
                self.identity.clear();
                self.identity.sent(backend.wizard(WizardRequest::WhoAmI {
                    config: Box::new(draft.build_config()),
                }));
            }
            if ui
                .add_enabled(
                    valid && !self.checks.running(),
                    egui::Button::new(TEST_LABEL),
                )
                .clicked()
            {
                self.run_checks(draft, backend);
            }
        });
        if self.identity.pending() {
            ui.horizontal(|ui| {
                ui.add(egui::Spinner::new());
                ui.label("asking STS…");
            });
        }
        match self.identity.answer() {
            Some(Ok(id)) => {
                let text = format!(
                    "account {} · {}{}",
                    id.account,
                    id.arn,
                    id.source
                        .as_deref()
                        .map(|s| format!(" · credentials from {s}"))
                        .unwrap_or_default()
                );
                fields::copyable(ui, &text, "Copy identity");
            }
            Some(Err(e)) => {
                ui.add(
                    egui::Label::new(RichText::new(e).color(ui.visuals().error_fg_color))
                        .selectable(true),
                );
            }
            None => {}
        }
        ui.add_space(6.0);
        if let Some(CheckFix::AddIngressRule(rule)) = self.checks.ui(ui) {
            self.confirm = Some(rule);
            self.applied.clear();
        }
        if self.applied.pending() {
            ui.horizontal(|ui| {
                ui.add(egui::Spinner::new());
                ui.label("adding the rule…");
            });
        }
        match self.applied.answer() {
            Some(Ok(m)) => {
                ui.label(
                    RichText::new(format!("Rule added: {m}")).color(super::checks::pass_color(ui)),
                );
            }
            Some(Err(e)) => {
                ui.add(
                    egui::Label::new(
                        RichText::new(format!("The rule was not added: {e}"))
                            .color(ui.visuals().error_fg_color),
                    )
                    .selectable(true),
                );
            }
            None => {}
        }
        self.confirm_dialog(ui, draft, backend);
    }

    fn run_checks(&mut self, draft: &Draft, backend: &BackendLink) {
        self.checks.start(
            backend,
            draft.build_config(),
            draft.password_opt(),
            vec![CheckGroup::Aws, CheckGroup::Network],
            inputs(draft),
        );
    }

    /// The consent step: the exact rule, then Add or Cancel.
    fn confirm_dialog(&mut self, ui: &mut egui::Ui, draft: &Draft, backend: &BackendLink) {
        let Some(rule) = self.confirm.clone() else {
            return;
        };
        let mut close = false;
        egui::Modal::new(egui::Id::unique("confirm_ingress_rule")).show(ui.ctx(), |ui| {
            ui.set_max_width(520.0);
            ui.heading("Add this inbound rule?");
            ui.label("This changes the security group in your AWS account:");
            ui.add_space(4.0);
            egui::Grid::new("rule_grid").num_columns(2).show(ui, |ui| {
                let ports = if rule.from_port == rule.to_port {
                    rule.from_port.to_string()
                } else {
                    format!("{}-{}", rule.from_port, rule.to_port)
                };
                for (k, v) in [
                    ("Security group", rule.group_id.as_str()),
                    ("Protocol", rule.protocol.as_str()),
                    ("Port", ports.as_str()),
                    ("Source", rule.cidr.as_str()),
                    ("Description", rule.description.as_str()),
                ] {
                    ui.label(k);
                    ui.add(egui::Label::new(RichText::new(v).monospace()).selectable(true));
                    ui.end_row();
                }
            });
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button("Add this rule").clicked() {
                    self.applied
                        .sent(backend.wizard(WizardRequest::ApplyIngressRule {
                            config: Box::new(draft.build_config()),
                            rule: rule.clone(),
                        }));
                    close = true;
                }
                if ui.button("Do not add").clicked() {
                    close = true;
                }
            });
        });
        if close {
            self.confirm = None;
        }
    }

    pub fn on_reply(&mut self, ticket: Ticket, reply: &WizardReply, _draft: &mut Draft) -> bool {
        if self.checks.on_reply(ticket, reply) {
            return true;
        }
        match reply {
            WizardReply::Profiles(r) => self.profiles.settle(ticket, r),
            WizardReply::Identity(r) => self.identity.settle(ticket, r),
            WizardReply::IngressRuleApplied(r) if self.applied.settle(ticket, r) => {
                self.retest = r.is_ok();
                true
            }
            _ => false,
        }
    }

    /// True when its checks, run with the current values, failed.
    pub fn failed(&self, draft: &Draft) -> bool {
        self.checks.failed_with(inputs(draft))
    }

    pub fn gate(&self, draft: &Draft) -> Gate {
        if let Some(e) = AwsErrors::of(draft).first() {
            return Gate::Blocked(e.to_string());
        }
        self.checks.gate(inputs(draft), TEST_LABEL)
    }
}
