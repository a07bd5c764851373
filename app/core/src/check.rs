//! Preflight check results (docs/preflight.md): what `check` prints, what `check --json` emits and what
//! the wizard's Test buttons draw. The checks themselves live in `ks-preflight`; the types live here
//! (no I/O, no tokio) so that the UI crate can draw them.

use serde::{Deserialize, Serialize};

/// The groups of checks, in the order they run. Each wizard step runs one or two groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckGroup {
    /// DNS, TCP, TLS, MySQL login, version, grants (the jdbc-url side).
    Cluster,
    /// The load-url: HTTP(S), Basic auth, the 307 target.
    StreamLoad,
    /// Credentials, identity, the stream, read permissions.
    Aws,
    /// The cluster's security groups against this machine's egress address.
    Network,
    /// Database and table, columns vs. sampled records, schema drift.
    Table,
}

impl CheckGroup {
    pub const ALL: [CheckGroup; 5] = [
        CheckGroup::Cluster,
        CheckGroup::StreamLoad,
        CheckGroup::Aws,
        CheckGroup::Network,
        CheckGroup::Table,
    ];

    pub fn title(self) -> &'static str {
        match self {
            CheckGroup::Cluster => "Cluster",
            CheckGroup::StreamLoad => "Stream Load",
            CheckGroup::Aws => "AWS",
            CheckGroup::Network => "Security groups",
            CheckGroup::Table => "Table",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    Pass,
    Warn,
    Fail,
    /// Not run because an earlier check it depends on failed (the detail names which).
    Skipped,
}

impl CheckStatus {
    /// The mark `check` prints (ASCII-safe fallbacks are the GUI's business).
    pub fn mark(self) -> &'static str {
        match self {
            CheckStatus::Pass => "✓",
            CheckStatus::Warn => "!",
            CheckStatus::Fail => "✗",
            CheckStatus::Skipped => "-",
        }
    }
}

/// A change a check can make for the user, only after they confirm it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CheckFix {
    /// Add one inbound rule to a security group (EC2 AuthorizeSecurityGroupIngress).
    AddIngressRule(IngressRule),
    /// Run SQL against the cluster (CREATE DATABASE/TABLE, ALTER TABLE … ADD COLUMN).
    Sql { statements: Vec<String> },
    /// Change config values: `(key, value)` pairs such as `("sink.properties.columns", "…")`.
    Config { changes: Vec<(String, String)> },
}

/// One inbound rule, exactly as it would be added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct IngressRule {
    pub group_id: String,
    /// "tcp".
    pub protocol: String,
    pub from_port: u16,
    pub to_port: u16,
    /// `203.0.113.7/32` or `2001:db8::7/128`.
    pub cidr: String,
    pub description: String,
}

impl std::fmt::Display for IngressRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ports = if self.from_port == self.to_port {
            self.from_port.to_string()
        } else {
            format!("{}-{}", self.from_port, self.to_port)
        };
        write!(
            f,
            "{}: inbound {} {} from {} (\"{}\")",
            self.group_id, self.protocol, ports, self.cidr, self.description
        )
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct CheckResult {
    /// Stable id, `group.name` (e.g. `cluster.tcp`, `network.sg-9030`): documented, used by `--json`.
    pub id: String,
    pub group: CheckGroup,
    /// Short human title ("TCP to 9030").
    pub title: String,
    pub status: CheckStatus,
    /// The raw detail: what was tried and what came back (selectable, copyable; never a secret).
    pub detail: String,
    /// One sentence that says what to change; present for warn and fail.
    pub remediation: Option<String>,
    /// Something the tool can do about it, with the user's consent.
    pub fix: Option<CheckFix>,
}

/// The constructors of a result that asks the user to act (`warn`, `fail`): one body, the
/// status differs.
macro_rules! needs_action {
    ($(#[$doc:meta])* $name:ident => $status:ident) => {
        $(#[$doc])*
        pub fn $name(
            group: CheckGroup,
            id: &str,
            title: impl Into<String>,
            detail: impl Into<String>,
            remediation: impl Into<String>,
        ) -> Self {
            CheckResult {
                status: CheckStatus::$status,
                remediation: Some(remediation.into()),
                ..CheckResult::pass(group, id, title, detail)
            }
        }
    };
}

impl CheckResult {
    pub fn pass(
        group: CheckGroup,
        id: &str,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        CheckResult {
            id: id.to_string(),
            group,
            title: title.into(),
            status: CheckStatus::Pass,
            detail: detail.into(),
            remediation: None,
            fix: None,
        }
    }

    needs_action! {
        /// Works, but something is likely to bite later: the remediation says what to change.
        warn => Warn
    }

    needs_action! {
        /// Does not work as configured: the remediation says what to change.
        fail => Fail
    }

    /// Not run: `because` names the check that failed first.
    pub fn skipped(group: CheckGroup, id: &str, title: impl Into<String>, because: &str) -> Self {
        CheckResult {
            status: CheckStatus::Skipped,
            ..CheckResult::pass(group, id, title, format!("skipped: {because} failed"))
        }
    }

    pub fn with_fix(mut self, fix: CheckFix) -> Self {
        self.fix = Some(fix);
        self
    }
}

/// Results of a run, in order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CheckReport {
    pub checks: Vec<CheckResult>,
}

impl CheckReport {
    pub fn passed(&self) -> bool {
        !self.checks.iter().any(|c| c.status == CheckStatus::Fail)
    }

    pub fn get(&self, id: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.id == id)
    }

    pub fn count(&self, status: CheckStatus) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }
}
