//! The wizard's questions to the backend and its answers. Owned by the wizard; the backend's
//! `backend/wizard.rs` in the desktop crate answers them by calling ks-preflight.

use ks_core::check::CheckResult;

#[derive(Debug, Clone)]
pub enum WizardRequest {
    /// Placeholder so the enum is not empty; replaced by the real requests.
    Ping,
}

#[derive(Debug, Clone)]
pub enum WizardReply {
    Pong,
    /// One check landed (spinner → mark).
    Check(CheckResult),
}
