//! Placeholder: filled by the helper that owns this module.

use crate::{Checklist, PreflightContext};

pub async fn run(_ctx: &PreflightContext, _list: &mut Checklist<'_>) {}
