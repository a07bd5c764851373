//! The wizard's questions to the backend and its answers. Owned by the wizard; the backend's
//! `backend/wizard.rs` in the desktop crate answers them by calling ks-preflight.
//!
//! Layout: the frame's and the Cluster / AWS & network steps' variants first, then a marked
//! section per other step (Stream, Table) where that step's author appends its own variants.

use ks_core::check::{CheckGroup, CheckReport, CheckResult, IngressRule};
use ks_core::{PipelineConfig, Secret};
// Stream and Table steps
use ks_core::preview::MappingPreview;
use ks_core::sample::SampledRecord;
use ks_core::schema::{ColumnSpec, TableSpec};

#[derive(Debug, Clone)]
pub enum WizardRequest {
    /// Run these preflight groups against `config` (answers: one `CheckLanded` per check as it
    /// lands, then `ChecksDone`). The password goes only to the checks, never into the config.
    RunChecks {
        config: Box<PipelineConfig>,
        password: Option<Secret>,
        groups: Vec<CheckGroup>,
    },
    /// The AWS profiles in `~/.aws/config` and `~/.aws/credentials` (answer: `Profiles`).
    Profiles,
    /// STS GetCallerIdentity with the config's profile/region/endpoint (answer: `Identity`).
    WhoAmI { config: Box<PipelineConfig> },
    /// Add one inbound rule, after the user confirmed it (answer: `IngressRuleApplied`).
    ApplyIngressRule {
        config: Box<PipelineConfig>,
        rule: IngressRule,
    },
    // ---- Stream step (wizard/stream.rs): variants below this line ----
    /// The streams the config's profile/region/endpoint can see (answer: `Streams`).
    ListStreams { config: Box<PipelineConfig> },
    /// Up to `count` records of `config.source.stream_name`, across shards, de-aggregated
    /// (answer: `Samples`).
    Sample {
        config: Box<PipelineConfig>,
        count: usize,
        from: SampleFrom,
    },
    /// The enhanced fan-out consumers registered on `config.source.stream_name` (answer:
    /// `Consumers`).
    ListConsumers { config: Box<PipelineConfig> },

    // ---- Table step (wizard/table.rs): variants below this line ----
    /// Databases and their tables on the cluster (answer: `Tables`).
    ListTables {
        config: Box<PipelineConfig>,
        password: Option<Secret>,
    },
    /// The columns of `database.table` (answer: `TableDescribed`).
    DescribeTable {
        config: Box<PipelineConfig>,
        password: Option<Secret>,
        database: String,
        table: String,
    },
    /// How `samples` land in a table with `columns` under `config.sink.properties` (answer:
    /// `Preview`). Pure computation on the backend (the stand-in's conversion rules).
    Preview {
        config: Box<PipelineConfig>,
        samples: Vec<SampledRecord>,
        columns: Vec<ColumnSpec>,
        /// The zone of date-times that carry none (`None`: the table's zone).
        naive_zone: Option<String>,
    },
    /// CREATE DATABASE IF NOT EXISTS + CREATE TABLE for `spec` (answer: `TableCreated`).
    CreateTable {
        config: Box<PipelineConfig>,
        password: Option<Secret>,
        spec: TableSpec,
    },
    /// Run statements the user confirmed, in order (ALTER TABLE … ADD COLUMN; answer:
    /// `SqlApplied`).
    ApplySql {
        config: Box<PipelineConfig>,
        password: Option<Secret>,
        statements: Vec<String>,
    },
}

/// Who the AWS credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
    /// Where the credentials came from (profile name, environment, …), when known.
    pub source: Option<String>,
}

#[derive(Debug, Clone)]
pub enum WizardReply {
    /// A check that waits on the network began: its row shows a spinner until it lands.
    CheckBegun {
        id: String,
        title: String,
    },
    /// One check landed (spinner → mark).
    CheckLanded(CheckResult),
    /// The run is over; the full report in order.
    ChecksDone(CheckReport),
    Profiles(Result<Vec<String>, String>),
    Identity(Result<CallerIdentity, String>),
    /// What EC2 said (Ok: a short confirmation such as the new rule id).
    IngressRuleApplied(Result<String, String>),
    // ---- Stream step (wizard/stream.rs): variants below this line ----
    Streams(Result<Vec<StreamInfo>, String>),
    Samples(Result<Vec<SampledRecord>, String>),
    /// `(stream, its consumers)`.
    Consumers {
        stream: String,
        result: Result<Vec<ConsumerInfo>, String>,
    },

    // ---- Table step (wizard/table.rs): variants below this line ----
    /// `(database, its tables)`, sorted.
    Tables(Result<Vec<(String, Vec<String>)>, String>),
    TableDescribed {
        database: String,
        table: String,
        result: Result<Vec<ColumnSpec>, String>,
    },
    Preview(Result<PreviewAnswer, String>),
    /// The statements that ran, in order (or what failed, naming the host and table).
    TableCreated(Result<Vec<String>, String>),
    /// `Ok`: every statement ran; `Err`: the first that failed (the ones before it ran).
    SqlApplied {
        statements: Vec<String>,
        result: Result<(), String>,
    },
}

// ================================================================================================
// Stream and Table steps (wizard/stream.rs, wizard/table.rs; answered by backend/wizard_table.rs)

/// One stream of a `ListStreams` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    pub name: String,
    pub arn: String,
    /// `ACTIVE`, `CREATING`, `UPDATING`, `DELETING`.
    pub status: String,
    /// Open shards.
    pub shards: usize,
    /// `PROVISIONED` or `ON_DEMAND`.
    pub mode: String,
    pub retention_hours: u32,
}

/// One enhanced fan-out consumer of a `ListConsumers` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerInfo {
    pub name: String,
    /// `CREATING`, `ACTIVE` or `DELETING`.
    pub status: String,
    /// When it was registered (UTC, to the minute), when the service says.
    pub registered: Option<String>,
}

/// Where `Sample` starts reading each shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleFrom {
    /// The oldest records still kept.
    TrimHorizon,
    /// Only records that arrive while sampling.
    Latest,
    /// Records from this instant on.
    AtTimestamp(chrono::DateTime<chrono::Utc>),
}

/// A conversion fix the mapping preview proposes: a `properties.columns` item that makes a
/// column load values instead of NULL (e.g. `event_time=from_unixtime(ts/1000)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedFix {
    /// The table column it fixes.
    pub column: String,
    /// What goes wrong without it ("epoch milliseconds in a DATETIME column load as NULL").
    pub problem: String,
    /// The derived item, e.g. `event_time=from_unixtime(event_time_src/1000)`.
    pub columns_expression: String,
    pub explanation: String,
    /// The property changes that apply it (`columns`, and `jsonpaths` when it must change).
    pub properties: Vec<(String, String)>,
}

/// Sample fields the table has no column for (schema drift) and how to take them in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftAnswer {
    /// The new columns, typed from the samples (all nullable).
    pub columns: Vec<ColumnSpec>,
    /// `ALTER TABLE … ADD COLUMN …`, one per column.
    pub statements: Vec<String>,
    /// The property changes (`jsonpaths`, `columns`) that load the new columns.
    pub properties: Vec<(String, String)>,
}

/// A mapping preview, the fixes proposed for it and the schema drift against the draft's table.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewAnswer {
    pub preview: MappingPreview,
    pub fixes: Vec<ProposedFix>,
    pub drift: Option<DriftAnswer>,
}
