//! Every pipeline setting, carried over to a Flink connector option, to the MSF application's
//! configuration, or named in a note: nothing is dropped without a word. A setting that changes
//! what lands in StarRocks and has no Flink equivalent refuses the export.

use crate::ExportError;
use ks_core::config::{
    JdbcUrl, KplOutOfRange, OnDataError, PipelineConfig, ReadLimits, ReaderKind, SslMode, defaults,
};
use ks_core::domain::InitialPosition;

/// Where the pipeline's settings go on Flink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlinkSettings {
    /// The Kinesis table's `WITH` options, in order.
    pub source_options: Vec<(String, String)>,
    /// The StarRocks table's `WITH` options other than the password and `sink.properties.*`.
    pub sink_options: Vec<(String, String)>,
    /// MSF's checkpoint interval: with exactly-once the sink loads at checkpoints, so this is
    /// the pipeline's `buffer-flush.interval-ms`.
    pub checkpoint_interval_ms: u64,
    /// Settings that do not carry over, and what happens instead; `changed` when the config sets
    /// a value other than the default (the CLI prints those as warnings).
    pub notes: Vec<SettingNote>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingNote {
    pub key: &'static str,
    pub text: String,
    pub changed: bool,
}

/// The connector's `sink.label-prefix`: the engine's prefix with `-flink`, so the job's labels
/// never meet the app's if both ever load into the table.
pub fn flink_label_prefix(config: &PipelineConfig) -> String {
    format!("{}-flink", config.label_prefix())
}

pub fn flink_settings(config: &PipelineConfig) -> Result<FlinkSettings, ExportError> {
    let mut notes = Vec::new();
    let mut note = |key: &'static str, changed: bool, text: &str| {
        notes.push(SettingNote {
            key,
            text: text.to_string(),
            changed,
        })
    };
    if config.on_data_error == OnDataError::DeadLetter {
        return Err(ExportError::Unsupported {
            key: "on-data-error".into(),
            value: "dead-letter".into(),
            why: "flink-connector-starrocks has no dead-letter output: a rejected load fails the \
                  job, which restarts from its last checkpoint (on-data-error = \"stop\" is what \
                  Flink does)"
                .into(),
        });
    }
    let source = &config.source;
    let sink = &config.sink;
    let Some(jdbc) = &sink.jdbc_url else {
        return Err(ExportError::Missing {
            key: "sink.jdbc-url".into(),
            why: "flink-connector-starrocks reads the StarRocks version and the table's columns \
                  through it"
                .into(),
        });
    };
    if let Some(ca) = &sink.ssl_ca {
        return Err(ExportError::Unsupported {
            key: "sink.ssl-ca".into(),
            value: ca.display().to_string(),
            why: "a private CA would have to be a Java truststore inside the job; the export \
                  supports public CAs (CelerData's) only"
                .into(),
        });
    }

    let mut source_options = vec![
        ("connector".to_string(), "kinesis".to_string()),
        ("stream".into(), source.stream_name.clone()),
    ];
    let region = source.region.clone().ok_or_else(|| ExportError::Missing {
        key: "source.region".into(),
        why: "the Kinesis connector needs the stream's region (or give the stream's ARN)".into(),
    })?;
    source_options.push(("aws.region".into(), region));
    if let Some(endpoint) = &source.endpoint_url {
        source_options.push(("aws.endpoint".into(), endpoint.clone()));
    }
    let position = match source.initial_position {
        InitialPosition::Latest => "LATEST",
        InitialPosition::TrimHorizon => "TRIM_HORIZON",
        InitialPosition::AtTimestamp => "AT_TIMESTAMP",
    };
    source_options.push(("scan.stream.initpos".into(), position.into()));
    if let (InitialPosition::AtTimestamp, Some(at)) =
        (source.initial_position, source.initial_timestamp)
    {
        source_options.push((
            "scan.stream.initpos-timestamp".into(),
            at.format("%Y-%m-%dT%H:%M:%S%.3f+00:00").to_string(),
        ));
        source_options.push((
            "scan.stream.initpos-timestamp-format".into(),
            "yyyy-MM-dd'T'HH:mm:ss.SSSXXX".into(),
        ));
    }
    if source.reader == ReaderKind::Efo {
        source_options.push(("scan.stream.recordpublisher".into(), "EFO".into()));
        source_options.push((
            "scan.stream.efo.consumername".into(),
            format!("{}-flink", config.name),
        ));
    }
    source_options.push((
        "scan.shard.discovery.intervalmillis".into(),
        source.discovery_interval_ms.to_string(),
    ));
    source_options.push(("format".into(), "json".into()));

    note(
        "source.profile",
        source.profile.is_some(),
        "not used: on MSF the application's service execution role reads the stream",
    );
    note(
        "source.efo-consumer-name",
        source.efo_consumer_name.is_some(),
        "not used: the job registers its own consumer, `<name>-flink`, so it never shares one with \
         this app's pipeline",
    );
    note(
        "source.efo-consumer",
        source.efo_consumer != ks_core::EfoConsumer::Pipeline,
        "not used: the Flink connector registers the job's consumer when the job starts \
         (scan.stream.efo.registration = LAZY); deregister it with \
         `aws kinesis deregister-stream-consumer` when the job is deleted",
    );
    note(
        "source.read-limits",
        source.read_limits != ReadLimits::Aws,
        "Flink's consumer keeps AWS's limits itself (one GetRecords per shard every 200 ms)",
    );
    if source.kpl_out_of_range == KplOutOfRange::Keep {
        note(
            "source.kpl-out-of-range",
            false,
            "keep cannot be honoured: Flink's Kinesis consumer skips KPL sub-records whose hash \
             key lies outside their shard (KCL's rule), as kpl-out-of-range = \"drop\" does; the \
             app keeps them. Producers that aggregate across partition keys lose such records on \
             Flink",
        );
    }
    note(
        "source.operation-timeout-ms",
        source.operation_timeout_ms != defaults::OPERATION_TIMEOUT_MS,
        "no equivalent: the connector's own AWS client timeouts and retries apply",
    );
    note(
        "state-dir",
        false,
        "not used: Flink keeps the shard positions in its checkpoints and snapshots",
    );
    note(
        "network",
        !config.network.security_group_ids.is_empty() || config.network.egress_ip.is_some(),
        "preflight only: an MSF application reaches the cluster from its own VPC or public \
         network configuration (see the README)",
    );

    let load_url = sink
        .load_urls
        .iter()
        .map(|u| {
            if u.scheme == "http" {
                format!("{}:{}", u.host, u.port)
            } else {
                u.base.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(";");
    let sink_options = vec![
        ("connector".to_string(), "starrocks".to_string()),
        ("jdbc-url".into(), jdbc_url(jdbc, sink.ssl_mode)),
        ("load-url".into(), load_url),
        ("database-name".into(), sink.database_name.clone()),
        ("table-name".into(), sink.table_name.clone()),
        ("username".into(), sink.username.clone()),
        ("sink.semantic".into(), "exactly-once".into()),
        ("sink.version".into(), "V2".into()),
        ("sink.label-prefix".into(), flink_label_prefix(config)),
        (
            "sink.buffer-flush.max-bytes".into(),
            sink.buffer_flush.max_bytes.to_string(),
        ),
        (
            "sink.connect.timeout-ms".into(),
            sink.connect_timeout_ms.to_string(),
        ),
        (
            "sink.socket.timeout-ms".into(),
            sink.socket_timeout_ms.to_string(),
        ),
        ("sink.max-retries".into(), sink.max_retries.to_string()),
        (
            "sink.retry.interval-ms".into(),
            sink.retry_interval_ms.to_string(),
        ),
    ];
    note(
        "sink.buffer-flush.interval-ms",
        false,
        "becomes the checkpoint interval: with exactly-once the sink loads at each checkpoint",
    );
    note(
        "sink.buffer-flush.max-rows",
        sink.buffer_flush.max_rows != defaults::BUFFER_FLUSH_MAX_ROWS,
        "no effect with exactly-once: the sink loads at checkpoints (max-bytes still bounds \
         its buffer)",
    );
    note(
        "sink.max-inflight-loads",
        sink.max_inflight_loads != defaults::MAX_INFLIGHT_LOADS,
        "no equivalent: with exactly-once each sink subtask loads through the transaction API, \
         prepares at every checkpoint and commits when the checkpoint completes",
    );
    note(
        "sink.password-file",
        sink.password_file.is_some(),
        "not used: the job reads the password from Secrets Manager or a runtime property \
         (see the README)",
    );
    Ok(FlinkSettings {
        source_options,
        sink_options,
        checkpoint_interval_ms: sink.buffer_flush.interval_ms,
        notes,
    })
}

/// The connector's `jdbc-url` with the pipeline's TLS mode as MySQL Connector/J's `sslMode`.
fn jdbc_url(jdbc: &JdbcUrl, mode: SslMode) -> String {
    let ssl = match mode {
        SslMode::Disabled => "DISABLED",
        SslMode::Preferred => "PREFERRED",
        SslMode::Required => "REQUIRED",
        SslMode::VerifyCa => "VERIFY_CA",
        SslMode::VerifyIdentity => "VERIFY_IDENTITY",
    };
    format!("jdbc:mysql://{}:{}?sslMode={ssl}", jdbc.host, jdbc.port)
}
