//! Answers the wizard's requests (`ks_ui::protocol::WizardRequest`) by calling ks-preflight.
//! Placeholder until the wizard lands.
