//! Preflight checks (docs/preflight.md): the seed's precautions and FAQ as named checks, each with a
//! status, the raw detail and one remediation sentence; plus record sampling, schema inference,
//! the mapping preview and table creation. The CLI's `check`/`sample`/`init-table` and the wizard's
//! Test buttons call [`run`] and the module functions; result types live in `ks_core::check`.

pub mod aws;
pub mod cluster;
pub mod network;
pub mod preview;
pub mod sample;
pub mod stream_load;
pub mod table;

use ks_core::check::{CheckGroup, CheckReport, CheckResult, CheckStatus};
use ks_core::{PipelineConfig, Secret};
use std::time::Duration;

/// Where this machine's public address is detected when `[network] egress-ip` is not set.
pub const DEFAULT_EGRESS_IP_URL: &str = "https://checkip.amazonaws.com";

/// Everything a check run needs. Built by the CLI from the config file, by the GUI from the wizard.
#[derive(Clone)]
pub struct PreflightContext {
    pub config: PipelineConfig,
    /// The StarRocks password (None: the login checks fail with the three ways to give one).
    pub password: Option<Secret>,
    /// AWS overrides for emulators and tests; the default is the config's profile/region/endpoint.
    pub aws: AwsOverrides,
    /// Where the egress address is detected (tests point this at a local server).
    pub egress_ip_url: String,
    /// Per-step network timeout (DNS, TCP, TLS, HTTP): short, checks are interactive.
    pub timeout: Duration,
}

/// Ways to point the AWS clients elsewhere than the config says (emulators, moto, tests).
#[derive(Clone, Default)]
pub struct AwsOverrides {
    /// Static credentials instead of the default chain.
    pub credentials: Option<aws_sdk_kinesis::config::Credentials>,
    /// STS endpoint (moto).
    pub sts_endpoint_url: Option<String>,
    /// EC2 endpoint (moto).
    pub ec2_endpoint_url: Option<String>,
}

impl PreflightContext {
    pub fn new(config: PipelineConfig, password: Option<Secret>) -> PreflightContext {
        PreflightContext {
            config,
            password,
            aws: AwsOverrides::default(),
            egress_ip_url: DEFAULT_EGRESS_IP_URL.to_string(),
            timeout: Duration::from_secs(5),
        }
    }
}

/// Collects results in order and tells an observer about each as it lands (the GUI's spinners).
/// Told (check id, title) as a check begins.
pub type OnBegin<'a> = dyn FnMut(&str, &str) + Send + 'a;

pub struct Checklist<'a> {
    report: CheckReport,
    on_result: &'a mut (dyn FnMut(&CheckResult) + Send),
    /// Told (id, title) when a check that talks to the network starts: the wizard shows its row
    /// with a spinner while it runs.
    on_begin: Option<&'a mut OnBegin<'a>>,
    /// What one check learned that a later one needs (e.g. the port the FE redirects loads to,
    /// which the security-group checks then cover too).
    facts: std::collections::BTreeMap<&'static str, String>,
}

/// Fact: the `host:port` of the BE/CN the FE's 307 points at (set by `load.auth`).
pub const FACT_REDIRECT_AUTHORITY: &str = "stream-load.redirect-authority";

impl<'a> Checklist<'a> {
    pub fn new(on_result: &'a mut (dyn FnMut(&CheckResult) + Send)) -> Checklist<'a> {
        Checklist {
            report: CheckReport::default(),
            on_result,
            on_begin: None,
            facts: Default::default(),
        }
    }

    /// A checklist that also says when each check begins ([`Self::begin`]).
    pub fn observed(
        on_begin: &'a mut OnBegin<'a>,
        on_result: &'a mut (dyn FnMut(&CheckResult) + Send),
    ) -> Checklist<'a> {
        Checklist {
            on_begin: Some(on_begin),
            ..Checklist::new(on_result)
        }
    }

    /// Check `id` ("title") starts now; its result follows with [`Self::push`].
    pub fn begin(&mut self, id: &str, title: &str) {
        if let Some(f) = self.on_begin.as_mut() {
            f(id, title);
        }
    }

    pub fn set_fact(&mut self, key: &'static str, value: String) {
        self.facts.insert(key, value);
    }

    pub fn fact(&self, key: &str) -> Option<&str> {
        self.facts.get(key).map(String::as_str)
    }

    pub fn push(&mut self, result: CheckResult) {
        (self.on_result)(&result);
        self.report.checks.push(result);
    }

    /// The status of an earlier check, if it ran.
    pub fn status(&self, id: &str) -> Option<CheckStatus> {
        self.report.get(id).map(|c| c.status)
    }

    /// True when the check ran and did not fail/skip (later checks depend on it).
    pub fn ok(&self, id: &str) -> bool {
        matches!(self.status(id), Some(CheckStatus::Pass | CheckStatus::Warn))
    }

    pub fn into_report(self) -> CheckReport {
        self.report
    }
}

/// Run the given groups in order (`CheckGroup::ALL` for `check`), reporting each result as it lands.
pub async fn run(
    ctx: &PreflightContext,
    groups: &[CheckGroup],
    on_result: &mut (dyn FnMut(&CheckResult) + Send),
) -> CheckReport {
    run_observed(ctx, groups, &mut |_, _| {}, on_result).await
}

/// [`run`], also told (id, title) as each check that waits on the network begins.
pub async fn run_observed(
    ctx: &PreflightContext,
    groups: &[CheckGroup],
    on_begin: &mut OnBegin<'_>,
    on_result: &mut (dyn FnMut(&CheckResult) + Send),
) -> CheckReport {
    let mut list = Checklist::observed(on_begin, on_result);
    for group in groups {
        match group {
            CheckGroup::Cluster => cluster::run(ctx, &mut list).await,
            CheckGroup::StreamLoad => stream_load::run(ctx, &mut list).await,
            CheckGroup::Aws => aws::run(ctx, &mut list).await,
            CheckGroup::Network => network::run(ctx, &mut list).await,
            CheckGroup::Table => table::run(ctx, &mut list).await,
        }
    }
    list.into_report()
}
