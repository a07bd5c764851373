//! `export flink` as the CLI and the app run it: the table's columns from the cluster (or a
//! CREATE TABLE file), the parallelism from the stream's open shards (or given), ks_export's
//! files written to a folder. docs/flink-export.md.

use ks_core::{PipelineConfig, Secret};
use ks_export::flink::SettingNote;
use ks_export::{FlinkExportInput, TableColumn, columns_from_create_table};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the export's inputs come from.
#[derive(Debug, Clone, Default)]
pub struct ExportSources {
    /// A CREATE TABLE statement's file, instead of asking the cluster.
    pub table_ddl: Option<PathBuf>,
    /// The parallelism, instead of counting the stream's open shards.
    pub parallelism: Option<u32>,
    /// Static credentials for counting the shards, instead of the default chain (the app's
    /// backend passes the local demo's and the tests' here).
    pub credentials: Option<aws_sdk_kinesis::config::Credentials>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportReport {
    pub dir: PathBuf,
    /// Relative paths, in the order written.
    pub files: Vec<String>,
    /// Settings that do not carry over; `changed` ones are the user's own values.
    pub notes: Vec<SettingNote>,
    pub jar: String,
    pub parallelism: u32,
}

impl ExportReport {
    /// The next commands, for the terminal and the app.
    pub fn next_steps(&self) -> String {
        format!(
            "cd {} && mvn -q package   # builds target/{}\n\
             then README.md there: aws s3 cp, create-application, start-application",
            self.dir.display(),
            self.jar
        )
    }
}

/// Why an export did not happen. Each is one line naming the setting, file, host or table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportFailure {
    /// The pipeline asks for what Flink cannot do, or lacks what it needs: a config problem.
    Refused(ks_export::ExportError),
    /// No password to read the table's columns from the cluster with.
    NoPassword,
    /// The table definition, the cluster, the stream or the output folder.
    Failed(String),
}

impl std::fmt::Display for ExportFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportFailure::Refused(e) => write!(f, "the pipeline cannot be exported to Flink: {e}"),
            ExportFailure::NoPassword => {
                f.write_str("no StarRocks password to read the table's columns with")
            }
            ExportFailure::Failed(why) => f.write_str(why),
        }
    }
}

impl From<String> for ExportFailure {
    fn from(why: String) -> Self {
        ExportFailure::Failed(why)
    }
}

/// Exports `config` to `out`. `password` is needed only to read the columns from the cluster.
pub async fn export_flink(
    config: &PipelineConfig,
    password: Option<&Secret>,
    out: &Path,
    sources: &ExportSources,
) -> Result<ExportReport, ExportFailure> {
    let columns = match &sources.table_ddl {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--table-ddl {}: {e}", path.display()))?;
            columns_from_create_table(&text)
                .map_err(|e| format!("--table-ddl {}: {e}", path.display()))?
        }
        None => table_columns(config, password).await?,
    };
    let (parallelism, stream_arn) = match sources.parallelism {
        Some(0) => {
            return Err(ExportFailure::Failed(
                "the parallelism must be at least 1".into(),
            ));
        }
        Some(n) => (n, None),
        None => open_shards(config, sources.credentials.clone()).await?,
    };
    let export = ks_export::export_flink(&FlinkExportInput {
        config,
        columns: &columns,
        parallelism,
        stream_arn,
    })
    .map_err(ExportFailure::Refused)?;
    for file in &export.files {
        let path = out.join(&file.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&path, &file.contents).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(ExportReport {
        dir: out.to_path_buf(),
        files: export.files.iter().map(|f| f.path.clone()).collect(),
        notes: export.notes,
        jar: export.jar,
        parallelism,
    })
}

/// The table's columns from `information_schema` (needs `jdbc-url` and the password).
async fn table_columns(
    config: &PipelineConfig,
    password: Option<&Secret>,
) -> Result<Vec<TableColumn>, ExportFailure> {
    let sink = &config.sink;
    let jdbc = sink.jdbc_url.as_ref().ok_or_else(|| {
        ExportFailure::Refused(ks_export::ExportError::Missing {
            key: "sink.jdbc-url".into(),
            why: "the table's columns are read through it (or give its CREATE TABLE with \
                  --table-ddl FILE)"
                .into(),
        })
    })?;
    let password = password.ok_or(ExportFailure::NoPassword)?;
    let admin = ks_starrocks::MysqlAdmin::connect_with_ca(
        jdbc,
        &sink.username,
        password,
        sink.ssl_mode,
        sink.ssl_ca.clone(),
        Duration::from_millis(sink.connect_timeout_ms),
    )
    .await
    .map_err(|e| e.to_string())?;
    let columns = admin
        .table_schema(&sink.database_name, &sink.table_name)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| {
            format!(
                "table {}.{} does not exist on {}: create it first (kinesis-starrocks \
                 init-table, or the wizard's Table step) or give its CREATE TABLE",
                sink.database_name, sink.table_name, jdbc.text
            )
        })?;
    columns
        .into_iter()
        .map(|c| {
            let text = if c.column_type.is_empty() {
                &c.data_type
            } else {
                &c.column_type
            };
            starrocks_model::parse_type(text)
                .map(|sql_type| TableColumn {
                    name: c.name.clone(),
                    sql_type,
                })
                .map_err(|e| ExportFailure::Failed(format!("column `{}` ({text}): {e}", c.name)))
        })
        .collect()
}

/// The stream's open shard count and ARN.
async fn open_shards(
    config: &PipelineConfig,
    credentials: Option<aws_sdk_kinesis::config::Credentials>,
) -> Result<(u32, Option<String>), String> {
    let options = ks_kinesis::ConnectOptions {
        credentials,
        ..Default::default()
    };
    let source = ks_kinesis::KinesisSource::connect_with(&config.source, options)
        .await
        .map_err(|e| format!("{e} (or give the parallelism)"))?;
    let shards = source
        .list_shards()
        .await
        .map_err(|e| format!("{e} (or give the parallelism)"))?;
    let open = shards.iter().filter(|s| !s.is_closed()).count();
    Ok((
        u32::try_from(open).unwrap_or(u32::MAX).max(1),
        source.stream_arn(),
    ))
}
