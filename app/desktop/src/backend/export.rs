//! "Export as Flink job…" (the wizard's Review step, the monitor): the pipeline as a Managed
//! Service for Apache Flink application, through the CLI's own `flink_export::export_flink`
//! (docs/flink-export.md). Runs in the request's own task: the request loop goes on meanwhile.

use super::{BackendCtx, engine};
use crate::flink_export::{ExportFailure, ExportReport, ExportSources, export_flink};
use ks_core::{PipelineConfig, Secret};
use ks_ui::protocol::{FlinkExportDone, Reply, Ticket};
use std::path::PathBuf;
use std::sync::Arc;

/// Exports `config` to `out_dir` and replies [`Reply::FlinkExport`]. Without a `password`, the
/// one [`engine::start`] would use for pipeline `name` reads the table's columns.
pub async fn export(
    ctx: Arc<BackendCtx>,
    ticket: Ticket,
    name: String,
    config: PipelineConfig,
    password: Option<Secret>,
    out_dir: PathBuf,
) {
    let result = run(&ctx, &name, &config, password, &out_dir)
        .await
        .map(done);
    match &result {
        Ok(d) => tracing::info!(
            "{name}: exported as a Flink job to {} ({} files)",
            d.dir.display(),
            d.files.len()
        ),
        Err(e) => tracing::warn!("{name}: Flink export failed: {e}"),
    }
    ctx.reply.send(Reply::FlinkExport { ticket, result });
}

async fn run(
    ctx: &Arc<BackendCtx>,
    name: &str,
    config: &PipelineConfig,
    password: Option<Secret>,
    out_dir: &std::path::Path,
) -> Result<ExportReport, String> {
    // The saved pipeline's password, found as Start finds it (the keyring blocks: off the
    // runtime's workers). A missing one matters only if the columns are read from the cluster.
    let (password, missing) = match password {
        Some(p) => (Some(p), None),
        None => {
            let (ctx2, n, sink) = (ctx.clone(), name.to_string(), config.sink.clone());
            match tokio::task::spawn_blocking(move || engine::password(&ctx2, &n, &sink)).await {
                Ok(Ok(p)) => (Some(p), None),
                Ok(Err(e)) => (None, Some(e)),
                Err(e) => (None, Some(e.to_string())),
            }
        }
    };
    let sources = ExportSources {
        credentials: ctx.aws_for(config).credentials,
        ..Default::default()
    };
    export_flink(config, password.as_ref(), out_dir, &sources)
        .await
        .map_err(|e| match (e, missing) {
            // Why there was no password says more than that there was none.
            (e @ ExportFailure::NoPassword, Some(why)) => format!("{e}: {why}"),
            (e, _) => e.to_string(),
        })
}

/// The report as the UI shows it.
fn done(report: ExportReport) -> FlinkExportDone {
    let line = |n: &ks_export::flink::SettingNote| format!("{}: {}", n.key, n.text);
    FlinkExportDone {
        next_steps: report.next_steps(),
        warnings: report
            .notes
            .iter()
            .filter(|n| n.changed)
            .map(line)
            .collect(),
        notes: report.notes.iter().map(line).collect(),
        dir: report.dir,
        files: report.files,
        parallelism: report.parallelism,
    }
}
