//! The setup wizard: Cluster → AWS & network → Stream → Table → Review, one file per step.

pub mod protocol;

use crate::protocol::{BackendLink, Ticket};
use protocol::WizardReply;

/// What the wizard tells the app shell when the user is done with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WizardOutcome {
    /// Saved under this pipeline name.
    Saved(String),
    /// Saved, and the user pressed Start.
    Start(String),
    Cancelled,
}

/// The wizard's state (placeholder until the wizard lands).
#[derive(Default)]
pub struct Wizard {}

impl Wizard {
    pub fn ui(&mut self, ui: &mut egui::Ui, _backend: &BackendLink) -> Option<WizardOutcome> {
        ui.label("Wizard: not built yet");
        None
    }

    pub fn on_reply(&mut self, _ticket: Ticket, _reply: WizardReply) {}
}
