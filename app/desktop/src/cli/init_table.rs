//! `kinesis-starrocks init-table --config F [--print-ddl] [--yes] [-n N]`: samples the stream,
//! infers a table from the JSON records (ks_core::schema), prints the DDL, and — after a
//! confirmation, or with `--yes` — runs CREATE DATABASE IF NOT EXISTS and CREATE TABLE. Then it
//! says what to put in the config (`[sink.properties]` jsonpaths, and any conversion fixes).

use super::{EXIT_FAILED, EXIT_USAGE, confirm, load_config, runtime, secrets};
use ks_core::sample::SampledRecord;
use ks_core::schema::{TableSpec, infer_table};
use ks_preflight::PreflightContext;
use ks_preflight::sample::SampleFrom;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct InitTableArgs {
    /// The pipeline's TOML config: the stream to sample, the cluster and the table to create.
    #[arg(long)]
    pub config: PathBuf,
    /// Print the DDL and the config lines only; do not connect to StarRocks.
    #[arg(long)]
    pub print_ddl: bool,
    /// Create without asking.
    #[arg(long)]
    pub yes: bool,
    /// How many records to infer the columns from.
    #[arg(short = 'n', long = "count", default_value_t = 100)]
    pub count: usize,
    /// `PROPERTIES("replication_num" = "n")`: 1 on a single-BE self-managed cluster.
    #[arg(long)]
    pub replication_num: Option<u32>,
}

pub fn run(args: InitTableArgs) -> i32 {
    let config = match load_config(&args.config) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let Some(rt) = runtime() else {
        return EXIT_FAILED;
    };
    let (db, table) = (
        config.sink.database_name.clone(),
        config.sink.table_name.clone(),
    );
    let stream = config.source.stream_name.clone();
    let password = if args.print_ddl {
        None
    } else {
        match secrets::password_for(&config.sink) {
            Ok((p, _)) => Some(p),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        }
    };
    let ctx = PreflightContext::new(config, password);
    let records = match rt.block_on(ks_preflight::sample::sample(
        &ctx,
        args.count,
        SampleFrom::TrimHorizon,
    )) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_FAILED;
        }
    };
    let spec = match infer_from(&db, &table, &stream, &records, args.replication_num) {
        Ok(s) => s,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_FAILED;
        }
    };
    println!(
        "-- inferred from {} records of stream {stream:?}\n{};\n{};\n",
        records.len(),
        spec.create_database_ddl(),
        spec.ddl()
    );
    let ok = if args.print_ddl {
        true
    } else {
        match rt.block_on(create(&ctx, &spec, args.yes)) {
            Ok(created) => created,
            Err(message) => {
                eprintln!("error: {message}");
                return EXIT_FAILED;
            }
        }
    };
    if ok {
        print_config_advice(&ctx, &spec, &records);
    }
    0
}

fn infer_from(
    db: &str,
    table: &str,
    stream: &str,
    records: &[SampledRecord],
    replication_num: Option<u32>,
) -> Result<TableSpec, String> {
    if records.is_empty() {
        return Err(format!(
            "stream {stream:?} holds no records to infer a table from: produce a few records \
             first, or write the CREATE TABLE yourself"
        ));
    }
    let objects: Vec<serde_json::Value> = records
        .iter()
        .filter_map(|r| r.json())
        .filter(|v| v.is_object())
        .collect();
    if objects.is_empty() {
        return Err(format!(
            "none of the {} sampled records is a JSON object (first: {} = {}): columns can only \
             be inferred from JSON; for CSV write the CREATE TABLE yourself",
            records.len(),
            records[0].position(),
            truncate(&records[0].display(), 120)
        ));
    }
    if objects.len() < records.len() {
        eprintln!(
            "note: {} of {} sampled records are not JSON objects and were ignored",
            records.len() - objects.len(),
            records.len()
        );
    }
    let mut spec = infer_table(db, table, &objects);
    spec.replication_num = replication_num;
    if let Err(errors) = spec.validate() {
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        return Err(format!(
            "the inferred table is not valid: {}",
            text.join("; ")
        ));
    }
    Ok(spec)
}

/// Ok(true) when the table now exists (created or already there), Ok(false) when declined.
async fn create(ctx: &PreflightContext, spec: &TableSpec, yes: bool) -> Result<bool, String> {
    let admin = ks_preflight::table::connect(ctx)
        .await
        .map_err(|e| e.to_string())?;
    if admin
        .table_exists(&spec.database, &spec.table)
        .await
        .map_err(|e| e.to_string())?
    {
        println!(
            "{} already exists: nothing created (`kinesis-starrocks check` compares it with the records).",
            spec.qualified_name()
        );
        return Ok(true);
    }
    if !yes && !confirm(&format!("Create {}? [y/N] ", spec.qualified_name())) {
        println!("not created");
        return Ok(false);
    }
    let statements = ks_preflight::table::init_table(ctx, spec)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "created {} ({} statements run)",
        spec.qualified_name(),
        statements.len()
    );
    Ok(true)
}

fn print_config_advice(ctx: &PreflightContext, spec: &TableSpec, records: &[SampledRecord]) {
    let mut properties = ctx.config.sink.properties.clone();
    properties.insert("format".into(), "json".into());
    properties.insert("jsonpaths".into(), spec.jsonpaths());
    println!("Put this in the config's [sink.properties] (the columns above, in order):");
    println!("  format = \"json\"");
    println!("  jsonpaths = '{}'", spec.jsonpaths());
    match ks_preflight::preview::suggest_fixes(records, &spec.columns, &properties) {
        Ok(fixes) if !fixes.is_empty() => {
            println!("\nConversion fixes for what the samples hold:");
            for fix in fixes {
                println!("  {}: {}", fix.column, fix.problem);
                println!("    columns item: {}", fix.columns_expression);
            }
        }
        Ok(_) => {}
        Err(e) => eprintln!("note: no conversion advice: {e}"),
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(max_chars).collect::<String>())
    }
}
