//! `kinesis-starrocks export flink`: the pipeline as an MSF application — `pipeline.sql`, the
//! runner (`PipelineJob.java`) and its Maven build, `application_properties.json`,
//! `create-application.json`, `iam-policy.json` and a README.

mod local;
mod mapping;
mod msf;
mod readme;
mod settings;
mod sql;
#[cfg(test)]
mod tests;

pub use local::{local_build_args, local_jvm_args, local_properties, local_run_args};
pub use mapping::{Binding, FlinkMapping, SourceField, flink_mapping};
pub use msf::{RUNTIME_ENVIRONMENT, application_name};
pub use settings::{FlinkSettings, SettingNote, flink_label_prefix, flink_settings};
pub use sql::{PASSWORD_PLACEHOLDER, SINK_TABLE, SOURCE_TABLE, pipeline_sql};

use crate::ExportError;
use crate::ddl::TableColumn;
use ks_core::config::PipelineConfig;

/// The versions the export builds against: the newest that Maven Central serves to this
/// project's machines and that the real-Flink test runs (docs/flink-export.md §Versions).
pub const FLINK_VERSION: &str = "1.20.0";
pub const KINESIS_CONNECTOR_VERSION: &str = "4.3.0-1.19";
pub const STARROCKS_CONNECTOR_VERSION: &str = "1.2.10_flink-1.19";
pub const AWS_SDK_VERSION: &str = "2.29.52";

/// What the export needs besides the config.
#[derive(Debug, Clone)]
pub struct FlinkExportInput<'a> {
    pub config: &'a PipelineConfig,
    /// The target table's columns, in order.
    pub columns: &'a [TableColumn],
    /// The job's parallelism: the stream's open shard count (one reader per shard).
    pub parallelism: u32,
    /// The stream's ARN, for the IAM policy (built from name and region when unknown).
    pub stream_arn: Option<String>,
}

/// One file of the export, relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    pub path: String,
    pub contents: String,
}

#[derive(Debug, Clone)]
pub struct FlinkExport {
    pub files: Vec<ExportFile>,
    /// Settings that do not carry over (every one is in the README too).
    pub notes: Vec<SettingNote>,
    /// The jar `mvn package` writes under `target/`.
    pub jar: String,
}

pub fn export_flink(input: &FlinkExportInput<'_>) -> Result<FlinkExport, ExportError> {
    let config = input.config;
    let settings = flink_settings(config)?;
    let mapping = flink_mapping(&config.sink.properties, input.columns)?;
    let parallelism = input.parallelism.max(1);
    let artifact = format!("kinesis-starrocks-{}", config.name);
    let jar = format!("{artifact}.jar");
    let region = config.source.region.clone().unwrap_or_default();
    let stream_arn = input.stream_arn.clone().unwrap_or_else(|| {
        format!(
            "arn:aws:kinesis:{region}:{}:stream/{}",
            msf::ACCOUNT_PLACEHOLDER,
            config.source.stream_name
        )
    });
    let request = msf::ApplicationRequest {
        pipeline: &config.name,
        jar: &jar,
        checkpoint_interval_ms: settings.checkpoint_interval_ms,
        parallelism,
        region: &region,
    };
    let pretty = |v: &serde_json::Value| {
        let mut text = serde_json::to_string_pretty(v).unwrap_or_default();
        text.push('\n');
        text
    };
    let pom = include_str!("../../templates/pom.xml")
        .replace("{{PIPELINE}}", &config.name)
        .replace("{{ARTIFACT}}", &artifact)
        .replace("{{JAR}}", &jar)
        .replace("{{FLINK_VERSION}}", FLINK_VERSION)
        .replace("{{KINESIS_CONNECTOR_VERSION}}", KINESIS_CONNECTOR_VERSION)
        .replace(
            "{{STARROCKS_CONNECTOR_VERSION}}",
            STARROCKS_CONNECTOR_VERSION,
        )
        .replace("{{AWS_SDK_VERSION}}", AWS_SDK_VERSION);
    let readme = readme::readme(&readme::ReadmeInput {
        config,
        settings: &settings,
        jar: &jar,
        parallelism,
        region: &region,
    });
    let files = vec![
        ExportFile {
            path: "pipeline.sql".into(),
            contents: pipeline_sql(&config.name, &settings, &mapping),
        },
        ExportFile {
            path: "pom.xml".into(),
            contents: pom,
        },
        ExportFile {
            path: "src/main/java/dev/kinesisstarrocks/job/PipelineJob.java".into(),
            contents: include_str!("../../templates/PipelineJob.java").into(),
        },
        ExportFile {
            path: "application_properties.json".into(),
            contents: pretty(&msf::property_groups(&region)),
        },
        ExportFile {
            path: "create-application.json".into(),
            contents: pretty(&msf::create_application(&request)),
        },
        ExportFile {
            path: "iam-policy.json".into(),
            contents: pretty(&msf::iam_policy(&stream_arn, &region)),
        },
        ExportFile {
            path: "README.md".into(),
            contents: readme,
        },
    ];
    Ok(FlinkExport {
        files,
        notes: settings.notes,
        jar,
    })
}
