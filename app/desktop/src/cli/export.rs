//! `kinesis-starrocks export flink --config F --out DIR`: the pipeline as a Managed Service for
//! Apache Flink application (kinesis_starrocks::flink_export; docs/flink-export.md).

use super::{EXIT_FAILED, EXIT_USAGE, load_config, runtime, secrets};
use kinesis_starrocks::flink_export::{ExportFailure, ExportSources, export_flink};
use std::path::PathBuf;

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
    let ExportTarget::Flink(args) = args.target;
    let config = match load_config(&args.config) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if args.parallelism == Some(0) {
        eprintln!("error: --parallelism must be at least 1");
        return EXIT_USAGE;
    }
    // The password only serves to read the table's columns from the cluster.
    let password = match &args.table_ddl {
        Some(_) => None,
        None => match secrets::password_for(&config.sink) {
            Ok((p, _)) => Some(p),
            Err(e) => {
                eprintln!("error: {e} (or give the table's CREATE TABLE with --table-ddl FILE)");
                return EXIT_USAGE;
            }
        },
    };
    let Some(rt) = runtime() else {
        return EXIT_FAILED;
    };
    let sources = ExportSources {
        table_ddl: args.table_ddl.clone(),
        parallelism: args.parallelism,
        ..Default::default()
    };
    let report = match rt.block_on(export_flink(
        &config,
        password.as_ref(),
        &args.out,
        &sources,
    )) {
        Ok(r) => r,
        Err(failure) => {
            eprintln!("error: {failure}");
            // A pipeline Flink cannot run is a config problem (docs/config.md §5).
            return match failure {
                ExportFailure::Refused(_) => EXIT_USAGE,
                ExportFailure::NoPassword | ExportFailure::Failed(_) => EXIT_FAILED,
            };
        }
    };
    for note in report.notes.iter().filter(|n| n.changed) {
        eprintln!("warning: {}: {}", note.key, note.text);
    }
    println!(
        "wrote {} files to {} (parallelism {}):",
        report.files.len(),
        report.dir.display(),
        report.parallelism
    );
    for file in &report.files {
        println!("  {file}");
    }
    println!("next: {}", report.next_steps());
    0
}
