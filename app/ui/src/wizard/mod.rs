//! The setup wizard: Cluster → AWS & network → Stream → Table → Review, one file per step.
//!
//! The frame (this file) draws the left-hand step list, the current step and the Back / Next /
//! Continue anyway row; the steps edit one shared [`Draft`] (the form's values as typed) and ask
//! the backend questions through [`BackendLink`]. Replies come back through [`Wizard::on_reply`].
//!
//! Persistence: [`Wizard::draft`] gives a serde-able [`WizardDraft`] (never the password) that the
//! app stores; [`Wizard::from_draft`] resumes at the first incomplete step.

pub mod aws;
mod call;
pub mod checks;
pub mod cluster;
mod draft;
pub mod fields;
pub mod protocol;
pub mod review;
pub mod stream;
pub mod table;

pub use draft::Draft;

use crate::protocol::{BackendLink, SaveInfo, Ticket};
use ks_core::{PipelineConfig, Secret};
use protocol::WizardReply;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// What the wizard tells the app shell when the user is done with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WizardOutcome {
    /// Saved under this pipeline name.
    Saved(String),
    /// Saved, and the user pressed Start.
    Start(String),
    Cancelled,
}

/// The five steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Step {
    Cluster,
    Aws,
    Stream,
    Table,
    Review,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::Cluster,
        Step::Aws,
        Step::Stream,
        Step::Table,
        Step::Review,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Step::Cluster => "Cluster",
            Step::Aws => "AWS & network",
            Step::Stream => "Stream",
            Step::Table => "Table",
            Step::Review => "Review",
        }
    }

    pub fn index(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    pub fn next(self) -> Option<Step> {
        Step::ALL.get(self.index() + 1).copied()
    }

    pub fn prev(self) -> Option<Step> {
        self.index().checked_sub(1).map(|i| Step::ALL[i])
    }
}

/// What the app persists so the wizard resumes after a restart. Never holds the password.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WizardDraft {
    pub draft: Draft,
    /// Steps the user got past, each with the fingerprint of its fields at that moment: a step
    /// stays complete while its fields are unchanged.
    pub completed: BTreeMap<Step, u64>,
}

/// A fingerprint of `value` that stays the same across Rust releases and runs (it is saved with
/// the draft): XxHash64 with seed 0 over `Hash`'s byte stream.
pub fn fingerprint_of(value: &impl std::hash::Hash) -> u64 {
    use std::hash::Hasher;
    let mut h = twox_hash::XxHash64::with_seed(0);
    value.hash(&mut h);
    h.finish()
}

/// Shown on the Cluster step of a resumed draft: the password was not kept.
pub const RESUMED_PASSWORD: &str = "The setup resumed where you left it, but the password is \
never saved with a draft: type it again and press Test connection. The steps after this one keep \
their values.";

/// Whether Next may be pressed on a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Required values valid and checks passed.
    Ready,
    /// Checks passed with warnings: "Continue anyway" is offered.
    Warnings,
    /// Why not (shown beside the disabled Next).
    Blocked(String),
}

/// The setup wizard.
pub struct Wizard {
    draft: Draft,
    step: Step,
    completed: BTreeMap<Step, u64>,
    cluster: cluster::ClusterStep,
    aws: aws::AwsStep,
    stream: stream::StreamStep,
    table: table::TableStep,
    review: review::ReviewStep,
    /// "Cancel setup" was pressed with values typed: asking before they are dropped.
    confirm_cancel: bool,
}

impl Default for Wizard {
    fn default() -> Self {
        Wizard::new()
    }
}

impl Wizard {
    /// An empty wizard at the Cluster step.
    pub fn new() -> Wizard {
        Wizard::from_parts(Draft::default(), BTreeMap::new())
    }

    /// The wizard over an existing (or imported, or demo) pipeline's config.
    pub fn prefilled(name: String, config: PipelineConfig, password: Option<Secret>) -> Wizard {
        let mut draft = Draft::from_config(&config);
        draft.name = name;
        draft.password = password.unwrap_or_default();
        Wizard::from_parts(draft, BTreeMap::new())
    }

    /// Resumes a persisted draft at its first incomplete step.
    pub fn from_draft(saved: WizardDraft) -> Wizard {
        Wizard::from_parts(saved.draft, saved.completed)
    }

    fn from_parts(draft: Draft, completed: BTreeMap<Step, u64>) -> Wizard {
        let mut w = Wizard {
            draft,
            step: Step::Cluster,
            completed,
            cluster: cluster::ClusterStep::default(),
            aws: aws::AwsStep::default(),
            stream: stream::StreamStep::default(),
            table: table::TableStep::default(),
            review: review::ReviewStep::default(),
            confirm_cancel: false,
        };
        w.step = Step::ALL
            .into_iter()
            .find(|s| !w.is_complete(*s))
            .unwrap_or(Step::Review);
        w
    }

    /// What to persist (no password).
    pub fn draft(&self) -> WizardDraft {
        WizardDraft {
            draft: self.draft.clone(),
            completed: self.completed.clone(),
        }
    }

    /// The values as typed (tests and the app shell read them).
    pub fn values(&self) -> &Draft {
        &self.draft
    }

    pub fn values_mut(&mut self) -> &mut Draft {
        &mut self.draft
    }

    pub fn step(&self) -> Step {
        self.step
    }

    pub fn go_to(&mut self, step: Step) {
        self.step = step;
    }

    fn fingerprint(&self, step: Step) -> u64 {
        let d = &self.draft;
        match step {
            Step::Cluster => fingerprint_of(&cluster::own_fields(d)),
            Step::Aws => fingerprint_of(&aws::own_fields(d)),
            Step::Stream => {
                fingerprint_of(&(&d.stream, d.initial_position as u8, &d.initial_timestamp))
            }
            Step::Table => fingerprint_of(&(&d.database, &d.table, &d.properties)),
            Step::Review => fingerprint_of(&d.name),
        }
    }

    /// True when the step was passed, its fields did not change since, and its own test still
    /// holds.
    fn is_complete(&self, step: Step) -> bool {
        self.completed.get(&step) == Some(&self.fingerprint(step)) && self.test_holds(step)
    }

    /// Whether the step's test still holds. The Cluster step must have passed in this session
    /// with the current values, password included: the password is never saved with a draft, so
    /// a resumed draft asks for it before anything that needs it runs. The AWS step loses its ✓
    /// when a test with the current values failed (its checks also read values of other steps,
    /// such as the stream, so a result made stale by those does not undo the step).
    fn test_holds(&self, step: Step) -> bool {
        match step {
            Step::Cluster => matches!(self.cluster.gate(&self.draft), Gate::Ready | Gate::Warnings),
            Step::Aws => !self.aws.failed(&self.draft),
            Step::Stream | Step::Table | Step::Review => true,
        }
    }

    /// A resumed draft whose Cluster step was passed before the restart: say why it must be
    /// tested again.
    fn resumed_without_password(&self) -> bool {
        self.step == Step::Cluster
            && self.completed.contains_key(&Step::Cluster)
            && self.draft.password.is_empty()
            && !self.cluster.tested()
    }

    fn gate(&self, step: Step) -> Gate {
        let live = match step {
            Step::Cluster => self.cluster.gate(&self.draft),
            Step::Aws => self.aws.gate(&self.draft),
            Step::Stream => self.stream.gate(&self.draft),
            Step::Table => self.table.gate(&self.draft),
            Step::Review => Gate::Blocked(String::new()),
        };
        match live {
            Gate::Blocked(_) if self.is_complete(step) => Gate::Ready,
            other => other,
        }
    }

    fn mark_complete(&mut self, step: Step) {
        let fp = self.fingerprint(step);
        self.completed.insert(step, fp);
    }

    /// Draws the wizard. Returns an outcome when the user is done (saved, started, cancelled).
    pub fn ui(&mut self, ui: &mut egui::Ui, backend: &BackendLink) -> Option<WizardOutcome> {
        let mut outcome = None;
        egui::Panel::left("wizard_steps")
            .resizable(false)
            .exact_size(170.0)
            .show(ui, |ui| self.step_list(ui));
        // Back / Next stay in view however long the step is.
        egui::Panel::bottom("wizard_nav").show(ui, |ui| {
            ui.add_space(6.0);
            if let Some(o) = self.nav_row(ui) {
                outcome = Some(o);
            }
            ui.add_space(2.0);
        });
        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    ui.heading(format!("{}. {}", self.step.index() + 1, self.step.title()));
                    ui.add_space(6.0);
                    if self.resumed_without_password() {
                        ui.add(
                            egui::Label::new(
                                egui::RichText::new(RESUMED_PASSWORD).color(checks::warn_color(ui)),
                            )
                            .wrap(),
                        );
                        ui.add_space(6.0);
                    }
                    match self.step {
                        Step::Cluster => self.cluster.ui(ui, &mut self.draft, backend),
                        Step::Aws => self.aws.ui(ui, &mut self.draft, backend),
                        Step::Stream => self.stream.ui(ui, &mut self.draft, backend),
                        Step::Table => self.table.ui(ui, &mut self.draft, backend),
                        Step::Review => {
                            let pending: Vec<Step> = Step::ALL[..4]
                                .iter()
                                .copied()
                                .filter(|s| !self.is_complete(*s))
                                .collect();
                            match self.review.ui(ui, &mut self.draft, &pending, backend) {
                                Some(review::ReviewAction::Edit(step)) => self.step = step,
                                Some(review::ReviewAction::Done(o)) => outcome = Some(o),
                                None => {}
                            }
                        }
                    }
                    ui.add_space(10.0);
                });
        });
        outcome
    }

    fn step_list(&mut self, ui: &mut egui::Ui) {
        ui.add_space(8.0);
        ui.strong("New pipeline");
        ui.add_space(8.0);
        for step in Step::ALL {
            let done = self.is_complete(step);
            let text = if done {
                format!(
                    "{} {}  {}",
                    step.index() + 1,
                    step.title(),
                    checks::MARK_PASS
                )
            } else {
                format!("{} {}", step.index() + 1, step.title())
            };
            let mut rich = egui::RichText::new(text);
            if done {
                rich = rich.color(checks::pass_color(ui));
            }
            // A step can be opened when every step before it is complete (or it was visited).
            let reachable = Step::ALL[..step.index()]
                .iter()
                .all(|s| self.is_complete(*s))
                || step <= self.step;
            let resp = ui.add_enabled(reachable, egui::Button::selectable(self.step == step, rich));
            if resp.clicked() {
                self.step = step;
            }
        }
    }

    fn nav_row(&mut self, ui: &mut egui::Ui) -> Option<WizardOutcome> {
        let gate = self.gate(self.step);
        let mut outcome = None;
        if self.confirm_cancel {
            egui::Modal::new(egui::Id::unique("confirm_cancel_setup")).show(ui.ctx(), |ui| {
                ui.heading("Discard this setup?");
                ui.label("The values typed so far are dropped. Saved pipelines are not affected.");
                ui.add_space(8.0);
                ui.horizontal(|ui| {
                    if ui.button("Discard").clicked() {
                        outcome = Some(WizardOutcome::Cancelled);
                        self.confirm_cancel = false;
                    }
                    if ui.button("Keep editing").clicked() {
                        self.confirm_cancel = false;
                    }
                });
            });
        }
        ui.horizontal(|ui| {
            if ui.button("Cancel setup").clicked() {
                let untouched = Draft {
                    samples: Vec::new(),
                    ..self.draft.clone()
                } == Draft::default();
                if untouched {
                    outcome = Some(WizardOutcome::Cancelled);
                } else {
                    self.confirm_cancel = true;
                }
            }
            if let Some(prev) = self.step.prev()
                && ui.button("Back").clicked()
            {
                self.step = prev;
            }
            let Some(next) = self.step.next() else {
                return;
            };
            let ready = gate == Gate::Ready;
            if ui.add_enabled(ready, egui::Button::new("Next")).clicked() {
                self.mark_complete(self.step);
                self.step = next;
            }
            match &gate {
                Gate::Warnings => {
                    if ui.button("Continue anyway").clicked() {
                        self.mark_complete(self.step);
                        self.step = next;
                    }
                    ui.label(
                        egui::RichText::new("Some checks warn: read them before you continue")
                            .color(checks::warn_color(ui)),
                    );
                }
                Gate::Blocked(why) if !why.is_empty() => {
                    ui.label(egui::RichText::new(why).weak());
                }
                _ => {}
            }
        });
        outcome
    }

    /// A reply to one of the wizard's requests.
    pub fn on_reply(&mut self, ticket: Ticket, reply: WizardReply) {
        if self.cluster.on_reply(ticket, &reply, &mut self.draft)
            || self.aws.on_reply(ticket, &reply, &mut self.draft)
            || self.stream.on_reply(ticket, &reply, &mut self.draft)
        {
            return;
        }
        self.table.on_reply(ticket, &reply, &mut self.draft);
    }

    /// The answer to the Review step's `Request::Save`.
    pub fn on_saved(&mut self, ticket: Ticket, result: &Result<SaveInfo, String>) {
        self.review.on_saved(ticket, result);
    }

    /// The answer to the Review step's `Request::ExportFlink`.
    pub fn on_flink_export(
        &mut self,
        ticket: Ticket,
        result: &Result<crate::protocol::FlinkExportDone, String>,
    ) {
        self.review.on_flink_export(ticket, result);
    }

    /// The steps passed whose values did not change since (the step list marks them).
    pub fn completed_steps(&self) -> BTreeSet<Step> {
        Step::ALL
            .into_iter()
            .filter(|s| self.is_complete(*s))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled() -> Draft {
        Draft {
            name: "stock".into(),
            host: "fe.example.com".into(),
            query_port: "9030".into(),
            load_url: "https://fe.example.com".into(),
            username: "admin".into(),
            ssl_mode: "required".into(),
            password: Secret::new("s3cret"),
            region: "us-west-2".into(),
            profile: "dev".into(),
            security_group_ids: "sg-0abc, sg-0def".into(),
            egress_ip: "203.0.113.7".into(),
            stream: "ExampleInputStream".into(),
            database: "example_db".into(),
            table: "stock".into(),
            ..Draft::default()
        }
    }

    #[test]
    fn a_filled_draft_is_a_valid_config_and_round_trips() {
        let d = filled();
        let config = d.config().expect("valid");
        assert_eq!(
            config.sink.jdbc_url.as_ref().unwrap().authority(),
            "fe.example.com:9030"
        );
        assert_eq!(config.sink.load_urls[0].base, "https://fe.example.com:443");
        assert_eq!(config.network.security_group_ids, ["sg-0abc", "sg-0def"]);
        assert_eq!(config.source.profile.as_deref(), Some("dev"));
        let toml = config.to_toml_string();
        assert!(
            !toml.contains("s3cret"),
            "no password in the config: {toml}"
        );
        // Back from the config: the same values (the password stays out).
        let back = Draft::from_config(&config);
        assert_eq!(back.build_config(), config);
        assert!(back.password.is_empty());
    }

    #[test]
    fn every_problem_is_named_by_its_key() {
        let d = Draft {
            load_url: "ftp://x".into(),
            query_port: "70000".into(),
            host: "fe".into(),
            ..Draft::default()
        };
        let errors = d.config().unwrap_err();
        let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
        for k in [
            "name",
            "sink.jdbc-url",
            "sink.load-url",
            "sink.username",
            "source.stream",
        ] {
            assert!(
                keys.iter().any(|x| x.starts_with(k)),
                "{k} missing in {keys:?}"
            );
        }
    }

    #[test]
    fn fingerprints_are_a_fixed_algorithm() {
        // Saved with the draft: a change of algorithm would silently undo every saved step.
        // XxHash64 (seed 0) of the bytes `Hash` writes for the string: "stock" then 0xff.
        assert_eq!(fingerprint_of(&"stock"), 1_439_235_914_284_984_930);
        let mut bytes = b"stock".to_vec();
        bytes.push(0xff);
        assert_eq!(
            fingerprint_of(&"stock"),
            twox_hash::XxHash64::oneshot(0, &bytes)
        );
    }

    #[test]
    fn the_persisted_draft_has_no_password_and_resumes_at_the_first_incomplete_step() {
        let mut w = Wizard::prefilled(
            "stock".into(),
            filled().config().unwrap(),
            Some(Secret::new("s3cret")),
        );
        assert_eq!(w.step(), Step::Cluster);
        w.mark_complete(Step::Cluster);
        w.mark_complete(Step::Aws);
        let json = serde_json::to_string(&w.draft()).unwrap();
        assert!(!json.contains("s3cret"), "{json}");
        let back: WizardDraft = serde_json::from_str(&json).unwrap();
        let resumed = Wizard::from_draft(back.clone());
        // The password was not kept: the Cluster step asks for it and a new test; AWS keeps ✓.
        assert_eq!(resumed.step(), Step::Cluster);
        assert!(resumed.resumed_without_password());
        assert_eq!(resumed.completed_steps(), BTreeSet::from([Step::Aws]));
        assert_eq!(resumed.values().host, "fe.example.com");
        assert!(resumed.values().password.is_empty());
        // A step whose values changed since it was passed is incomplete again.
        let mut changed = back;
        changed.draft.region = "eu-west-1".into();
        assert!(Wizard::from_draft(changed).completed_steps().is_empty());
    }
}
