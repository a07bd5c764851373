//! `kinesis-starrocks export flink --config F --out DIR`: the pipeline as a Managed Service for
//! Apache Flink application (ks_export; docs/flink-export.md). The table's columns come from the
//! cluster (or `--table-ddl FILE`), the parallelism from the stream's open shards (or
//! `--parallelism N`).

use super::{EXIT_FAILED, EXIT_USAGE, load_config, runtime, secrets};
use ks_core::PipelineConfig;
use ks_export::{TableColumn, columns_from_create_table};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub target: ExportTarget,
}

#[derive(Debug, clap::Subcommand)]
pub enum ExportTarget {
    /// A Managed Service for Apache Flink application: Flink SQL, its runner and Maven build,
    /// the CreateApplication request, the IAM policy and a README.
    Flink(FlinkArgs),
}

#[derive(Debug, clap::Args)]
pub struct FlinkArgs {
    /// The pipeline's TOML config.
    #[arg(long)]
    pub config: PathBuf,
    /// The folder to write (created; existing files of the export are replaced).
    #[arg(long)]
    pub out: PathBuf,
    /// The table's CREATE TABLE statement, instead of reading the columns from the cluster.
    #[arg(long)]
    pub table_ddl: Option<PathBuf>,
    /// The job's parallelism, instead of the stream's open shard count.
    #[arg(long)]
    pub parallelism: Option<u32>,
}

pub fn run(args: ExportArgs) -> i32 {
    match args.target {
        ExportTarget::Flink(args) => flink(args),
    }
}

fn flink(args: FlinkArgs) -> i32 {
    let config = match load_config(&args.config) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let columns = match &args.table_ddl {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("--table-ddl {}: {e}", path.display()))
            .and_then(|text| {
                columns_from_create_table(&text)
                    .map_err(|e| format!("--table-ddl {}: {e}", path.display()))
            }),
        None => table_columns(&config),
    };
    let columns = match columns {
        Ok(c) => c,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_FAILED;
        }
    };
    let (parallelism, stream_arn) = match args.parallelism {
        Some(n) if n > 0 => (n, None),
        Some(_) => {
            eprintln!("error: --parallelism must be at least 1");
            return EXIT_USAGE;
        }
        None => match open_shards(&config) {
            Ok(found) => found,
            Err(message) => {
                eprintln!("error: {message}");
                return EXIT_FAILED;
            }
        },
    };
    let input = ks_export::FlinkExportInput {
        config: &config,
        columns: &columns,
        parallelism,
        stream_arn,
    };
    let export = match ks_export::export_flink(&input) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: the pipeline cannot be exported to Flink: {e}");
            return EXIT_USAGE;
        }
    };
    if let Err(message) = write_files(&args.out, &export.files) {
        eprintln!("error: {message}");
        return EXIT_FAILED;
    }
    for note in export.notes.iter().filter(|n| n.changed) {
        eprintln!("warning: {}: {}", note.key, note.text);
    }
    println!(
        "wrote {} files to {}:",
        export.files.len(),
        args.out.display()
    );
    for file in &export.files {
        println!("  {}", file.path);
    }
    println!(
        "next: cd {} && mvn -q package   # builds target/{}\n\
         then follow README.md: upload the jar, create and start the application",
        args.out.display(),
        export.jar
    );
    0
}

fn write_files(out: &Path, files: &[ks_export::ExportFile]) -> Result<(), String> {
    for file in files {
        let path = out.join(&file.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        std::fs::write(&path, &file.contents).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// The table's columns from `information_schema` (needs `jdbc-url` and the password).
fn table_columns(config: &PipelineConfig) -> Result<Vec<TableColumn>, String> {
    let sink = &config.sink;
    let jdbc = sink.jdbc_url.as_ref().ok_or(
        "sink.jdbc-url is not set: give the table's CREATE TABLE with --table-ddl FILE instead",
    )?;
    let (password, _) = secrets::password_for(sink).map_err(|e| e.to_string())?;
    let rt = runtime().ok_or("cannot start the async runtime")?;
    rt.block_on(async {
        let admin = ks_starrocks::MysqlAdmin::connect_with_ca(
            jdbc,
            &sink.username,
            &password,
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
                     init-table) or give --table-ddl FILE",
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
                    .map_err(|e| format!("column `{}` ({text}): {e}", c.name))
            })
            .collect()
    })
}

/// The stream's open shard count and ARN.
fn open_shards(config: &PipelineConfig) -> Result<(u32, Option<String>), String> {
    let rt = runtime().ok_or("cannot start the async runtime")?;
    rt.block_on(async {
        let source = ks_kinesis::KinesisSource::connect(&config.source)
            .await
            .map_err(|e| format!("{e} (or give --parallelism N)"))?;
        let shards = source
            .list_shards()
            .await
            .map_err(|e| format!("{e} (or give --parallelism N)"))?;
        let open = shards.iter().filter(|s| !s.is_closed()).count();
        Ok((u32::try_from(open).unwrap_or(u32::MAX), source.stream_arn()))
    })
}
