//! The Stream Load client: one attempt of `PUT /api/{db}/{table}/_stream_load` under a label,
//! with the FE's 307 followed by hand (protocol reference §1), the outcome read from the JSON body
//! (§2), failures classified ([`LoadError`](crate::LoadError)), and the ErrorURL's lines fetched
//! for display.
//!
//! ## How the body reaches the node that loads it
//!
//! hyper/reqwest do not wait for `100 Continue`: a request with a body sends it at once. Sending
//! a 64 MiB batch to an FE that only answers "307, go to the BE" would move it twice. So, like
//! RisingWave's sink, the client first sends the FE a **header-only probe** (`Content-Length: 0`,
//! `Expect: 100-continue`, auth and the properties, but **no label**), reads the 307 `Location`,
//! and PUTs the body (with the label) there; a further 307 (follower FE → leader FE) is followed
//! the same way, at most 3 hops, with loop detection and Basic auth re-attached on every hop
//! (reqwest would strip it across hosts).
//!
//! The probe never carries the label, because a load-url need not be an FE: it may be a BE/CN
//! given directly, or an FE proxy that follows the 307 itself. Those would *load* the probe's
//! empty body; under our label that would burn the label on zero rows and the real batch would
//! come back as "already loaded" — silent data loss. Without a label they load an empty batch
//! under a generated label, which is harmless. When the probe's answer is not a redirect, the
//! base URL is remembered as "does not redirect" and later loads to it send the body directly
//! (one request per load, no probe). A remembered base that does redirect after all is simply
//! followed (the body is then sent twice once, and the memory is corrected).

mod body;
mod client;
mod network_error;
mod redirects;
mod settings;
mod transaction;
mod verdict;

pub use body::LoadBody;
pub use client::StreamLoadClient;
pub use settings::{SettingsError, StreamLoadSettings};
pub use transaction::Prepared;
// The answer-property tests drive the verdict directly.
#[cfg(test)]
pub(crate) use verdict::verdict;

use crate::error::LoadStats;
use std::time::Duration;

/// At most this many redirects are followed for one load (follower FE → leader FE → BE needs 2).
pub const MAX_REDIRECTS: usize = 3;
/// At most this much of an ErrorURL page is read.
pub const ERROR_LOG_MAX_BYTES: usize = 64 * 1024;
/// At most this many ErrorURL lines are kept.
pub const ERROR_LOG_MAX_LINES: usize = 100;

/// How a load ended well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadStatus {
    /// `Success` (or `OK`): the rows are visible.
    Loaded,
    /// `Publish Timeout`: committed, visible shortly; a success (never retry it).
    PublishTimeout,
    /// `Label Already Exists` + `FINISHED`: an earlier attempt of this label loaded the batch.
    AlreadyLoaded,
}

impl LoadStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            LoadStatus::Loaded => "Success",
            LoadStatus::PublishTimeout => "Publish Timeout",
            LoadStatus::AlreadyLoaded => "Label Already Exists (FINISHED)",
        }
    }
}

/// A load StarRocks confirmed.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadOutcome {
    pub label: String,
    pub status: LoadStatus,
    /// Row counts, bytes, `TxnId` and StarRocks' `LoadTimeMs`.
    pub stats: LoadStats,
    /// The ErrorURL of filtered rows, if any.
    pub error_url: Option<String>,
    /// The ErrorURL's first lines (`Error: <reason>. Row: <row>`), or a line saying why they
    /// could not be fetched.
    pub error_lines: Vec<String>,
    /// `host:port` of the node that answered (the BE/CN after a redirect).
    pub node: String,
    /// StarRocks' `Message`.
    pub message: String,
    /// Wall time of the attempt on this side, redirects included.
    pub elapsed: Duration,
}
