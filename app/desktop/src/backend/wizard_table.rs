//! Answers the Stream and Table steps' requests (`ListStreams`, `Sample`, `ListConsumers`, `ListTables`,
//! `DescribeTable`, `Preview`, `CreateTable`, `ApplySql`) by calling ks-preflight, ks-kinesis and
//! ks-starrocks. `backend/wizard.rs` hands these variants here. Every error is readable text
//! that names the host, stream or table it is about.

use super::{BackendCtx, ReplySender};
use ks_core::sample::SampledRecord;
use ks_core::schema::{ColumnSpec, TableSpec};
use ks_core::{PipelineConfig, Secret};
use ks_preflight::PreflightContext;
use ks_ui::protocol::{BackendError, Reply, Ticket};
use ks_ui::wizard::protocol::{
    ConsumerInfo, DriftAnswer, PreviewAnswer, ProposedFix, SampleFrom, StreamInfo, WizardReply,
    WizardRequest,
};

/// True for the variants this module answers.
pub fn handles(request: &WizardRequest) -> bool {
    matches!(
        request,
        WizardRequest::ListStreams { .. }
            | WizardRequest::Sample { .. }
            | WizardRequest::ListConsumers { .. }
            | WizardRequest::ListTables { .. }
            | WizardRequest::DescribeTable { .. }
            | WizardRequest::Preview { .. }
            | WizardRequest::CreateTable { .. }
            | WizardRequest::ApplySql { .. }
    )
}

/// Answers one Stream/Table step request with one reply under `ticket`.
pub async fn handle(ctx: &BackendCtx, ticket: Ticket, request: WizardRequest, reply: &ReplySender) {
    let answer = match request {
        WizardRequest::ListStreams { config } => {
            WizardReply::Streams(list_streams(&preflight_ctx(ctx, *config, None)).await)
        }
        WizardRequest::Sample {
            config,
            count,
            from,
        } => WizardReply::Samples(sample(ctx, &config, count, from).await),
        WizardRequest::ListConsumers { config } => WizardReply::Consumers {
            stream: config.source.stream_name.clone(),
            result: list_consumers(&preflight_ctx(ctx, *config, None)).await,
        },
        WizardRequest::ListTables { config, password } => {
            WizardReply::Tables(list_tables(&preflight_ctx(ctx, *config, password)).await)
        }
        WizardRequest::DescribeTable {
            config,
            password,
            database,
            table,
        } => {
            let pctx = preflight_ctx(ctx, *config, password);
            let result = describe(&pctx, &database, &table).await;
            WizardReply::TableDescribed {
                database,
                table,
                result,
            }
        }
        WizardRequest::Preview {
            config,
            samples,
            columns,
            naive_zone,
        } => WizardReply::Preview(preview(&config, &samples, &columns, naive_zone)),
        WizardRequest::CreateTable {
            config,
            password,
            spec,
        } => WizardReply::TableCreated(
            create_table(&preflight_ctx(ctx, *config, password), &spec).await,
        ),
        WizardRequest::ApplySql {
            config,
            password,
            statements,
        } => {
            let result = apply_sql(&preflight_ctx(ctx, *config, password), &statements).await;
            WizardReply::SqlApplied { statements, result }
        }
        other => {
            reply.send(Reply::Error(BackendError::Unanswered(format!(
                "the Stream/Table handler got a request it does not answer: {other:?}"
            ))));
            return;
        }
    };
    reply.send(Reply::Wizard {
        ticket,
        reply: answer,
    });
}

/// The preflight context for a wizard request: the backend's AWS overrides (emulators, tests)
/// and egress-address URL, the password typed in the wizard.
pub fn preflight_ctx(
    ctx: &BackendCtx,
    config: PipelineConfig,
    password: Option<Secret>,
) -> PreflightContext {
    let mut p = PreflightContext::new(config, password);
    p.aws = ctx.aws_for(&p.config);
    p.egress_ip_url = ctx.options.egress_ip_url.clone();
    p
}

// -------------------------------------------------------------------------------------------------
// Stream step

pub async fn list_streams(ctx: &PreflightContext) -> Result<Vec<StreamInfo>, String> {
    let mut streams: Vec<StreamInfo> = ks_preflight::aws::list_streams(ctx)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|s| StreamInfo {
            name: s.name,
            arn: s.arn,
            status: s.status,
            shards: s.shards as usize,
            // Older endpoints and some emulators do not say.
            mode: s.mode.unwrap_or_else(|| "not reported".into()),
            retention_hours: s.retention_hours,
        })
        .collect();
    streams.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(streams)
}

/// The enhanced fan-out consumers registered on the config's stream, by name.
pub async fn list_consumers(ctx: &PreflightContext) -> Result<Vec<ConsumerInfo>, String> {
    let source = ks_kinesis::KinesisSource::connect_with(
        &ctx.config.source,
        ks_kinesis::ConnectOptions {
            credentials: ctx.aws.credentials.clone(),
            max_attempts: Some(1),
            reader: None,
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut consumers: Vec<ConsumerInfo> = source
        .list_consumers()
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|c| ConsumerInfo {
            name: c.name,
            status: c.status,
            registered: c
                .created
                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
        })
        .collect();
    consumers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(consumers)
}

/// Up to `count` records across the stream's shards, de-aggregated, read for a bounded time
/// (`ks_preflight::sample`).
pub async fn sample(
    ctx: &BackendCtx,
    config: &PipelineConfig,
    count: usize,
    from: SampleFrom,
) -> Result<Vec<SampledRecord>, String> {
    if config.source.stream_name.trim().is_empty() {
        return Err("choose a stream first".into());
    }
    let from = match from {
        SampleFrom::TrimHorizon => ks_preflight::sample::SampleFrom::TrimHorizon,
        SampleFrom::Latest => ks_preflight::sample::SampleFrom::Latest,
        SampleFrom::AtTimestamp(t) => ks_preflight::sample::SampleFrom::AtTimestamp(t),
    };
    let pctx = preflight_ctx(ctx, config.clone(), None);
    ks_preflight::sample::sample(&pctx, count, from)
        .await
        .map_err(|e| e.to_string())
}

// -------------------------------------------------------------------------------------------------
// Table step

/// `host:port` of the cluster for messages ("the cluster" when no jdbc-url is set yet).
fn cluster(ctx: &PreflightContext) -> String {
    ctx.config
        .sink
        .jdbc_url
        .as_ref()
        .map(|j| j.authority())
        .unwrap_or_else(|| "the cluster".into())
}

/// Databases (without the system ones) and their tables, sorted.
pub async fn list_tables(ctx: &PreflightContext) -> Result<Vec<(String, Vec<String>)>, String> {
    ks_preflight::table::list_tables(ctx)
        .await
        .map_err(|e| format!("{}: listing tables: {e}", cluster(ctx)))
}

/// The columns of `database.table` as grid rows.
pub async fn describe(
    ctx: &PreflightContext,
    database: &str,
    table: &str,
) -> Result<Vec<ColumnSpec>, String> {
    ks_preflight::table::describe(ctx, database, table)
        .await
        .map_err(|e| format!("{}: describing {database}.{table}: {e}", cluster(ctx)))
}

/// CREATE DATABASE IF NOT EXISTS, then CREATE TABLE: the statements that ran.
pub async fn create_table(ctx: &PreflightContext, spec: &TableSpec) -> Result<Vec<String>, String> {
    ks_preflight::table::init_table(ctx, spec)
        .await
        .map_err(|e| format!("{}: creating {}: {e}", cluster(ctx), spec.qualified_name()))
}

/// Runs the confirmed statements in order; stops at the first failure.
pub async fn apply_sql(ctx: &PreflightContext, statements: &[String]) -> Result<(), String> {
    let admin = ks_preflight::table::connect(ctx)
        .await
        .map_err(|e| format!("{}: {e}", cluster(ctx)))?;
    for sql in statements {
        admin
            .execute(sql)
            .await
            .map_err(|e| format!("{}: {e} (statement: {sql})", cluster(ctx)))?;
    }
    Ok(())
}

/// The mapping preview, its proposed fixes and the drift against `config.sink`'s table, under
/// `config.sink.properties`.
pub fn preview(
    config: &PipelineConfig,
    samples: &[SampledRecord],
    columns: &[ColumnSpec],
    naive_zone: Option<String>,
) -> Result<PreviewAnswer, String> {
    let props = &config.sink.properties;
    let table = format!("{}.{}", config.sink.database_name, config.sink.table_name);
    let err = |e: ks_preflight::preview::PreviewError| format!("preview for {table}: {e}");
    let preview = ks_preflight::preview::preview(samples, columns, props).map_err(err)?;
    let options = ks_preflight::preview::FixOptions { naive_zone };
    let fixes = ks_preflight::preview::suggest_fixes_with(samples, columns, props, &options)
        .map_err(err)?
        .into_iter()
        .map(|f| ProposedFix {
            column: f.column,
            problem: f.problem,
            columns_expression: f.columns_expression,
            explanation: f.explanation,
            properties: f.properties,
        })
        .collect();
    let drift = ks_preflight::table::drift(
        samples,
        &config.sink.database_name,
        &config.sink.table_name,
        columns,
        props,
    )
    .map_err(err)?
    .map(|d| DriftAnswer {
        columns: d.columns,
        statements: d.statements,
        properties: d.properties,
    });
    Ok(PreviewAnswer {
        preview,
        fixes,
        drift,
    })
}
