//! `kinesis-starrocks`: the desktop app (no arguments) and, as later issues land, the headless
//! subcommands (`run`, `check`, `sample`, `init-table`, `demo`, …) of the same binary.

mod cli;
mod gui;

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// mimalloc gives freed memory back to the OS: after an outage's backlog has been loaded, the
/// process shrinks again instead of keeping glibc's high-water mark (BENCHMARKS.md, the soak).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Amazon Kinesis Data Streams → StarRocks / CelerData, exactly once.
///
/// Run with no arguments to open the desktop app.
#[derive(Debug, Parser)]
#[command(name = "kinesis-starrocks", version, about, long_about)]
struct Cli {
    /// Graphics back end for the window. `auto` tries OpenGL (glow) first and falls back to
    /// wgpu (Vulkan, or GL through EGL).
    #[arg(long, value_enum, default_value_t = gui::RendererChoice::Auto)]
    renderer: gui::RendererChoice,

    #[command(subcommand)]
    command: Option<Command>,
}

/// Headless subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Run a pipeline headless: Kinesis → StarRocks Stream Load, exactly once.
    Run(cli::run::RunArgs),
    /// Run every preflight check (cluster, Stream Load, AWS, security groups, table) and say
    /// what to change; `--fix` offers the fixes, each after a confirmation.
    Check(cli::check::CheckArgs),
    /// Print N records from the stream (JSON when they parse, else escaped bytes).
    Sample(cli::sample::SampleArgs),
    /// Infer a table from sampled records, print its DDL, and create it.
    InitTable(cli::init_table::InitTableArgs),
    /// Store or remove the StarRocks password in the OS keyring.
    Secret(cli::secrets::SecretArgs),
    /// Open the app on the local demo: Kinesis (ferrokinesis) and a StarRocks stand-in on
    /// 127.0.0.1 with a stock-ticker producer; the wizard is pre-filled against them.
    Demo(DemoArgs),
    /// Export the pipeline to run elsewhere: `export flink` writes a Managed Service for Apache
    /// Flink application (Flink SQL, its Maven build, the CreateApplication request, a README).
    Export(cli::export::ExportArgs),
    /// Turn a Kinesis Data Analytics / MSF application's runtime properties into a pipeline
    /// config.
    ImportKda(cli::import_kda::ImportKdaArgs),
}

#[derive(Debug, clap::Args)]
struct DemoArgs {
    /// Run the demo pipeline in the terminal (status lines; Ctrl-C stops it) instead of the window.
    #[arg(long)]
    headless: bool,
    /// Skip the setup wizard: save the demo pipeline, start it and open its monitor.
    #[arg(long, conflicts_with = "headless")]
    monitor: bool,
}

fn main() -> Result<()> {
    kinesis_starrocks::allocator::configure_for_flat_memory();
    // The packaging hook stays out of `Cli`: clap_complete's scripts would offer even a hidden
    // subcommand, and the man pages and completions it writes describe `Cli` alone.
    if std::env::args_os()
        .nth(1)
        .is_some_and(|a| a == cli::assets::COMMAND)
    {
        std::process::exit(cli::assets::run(
            Cli::command(),
            std::env::args_os().skip(1),
        ));
    }
    let cli = Cli::parse();
    // After parsing: `run --log-format` decides the format; clap prints its own errors.
    init_logging(match &cli.command {
        Some(Command::Run(args)) => args.log_format,
        _ => cli::run::LogFormat::Text,
    });
    match cli.command {
        None => gui::open_window(cli.renderer, gui::StartPage::Remembered),
        Some(Command::Demo(args)) if args.headless => std::process::exit(cli::demo::run()),
        Some(Command::Demo(args)) if args.monitor => {
            gui::open_window(cli.renderer, gui::StartPage::DemoMonitor)
        }
        Some(Command::Demo(_)) => gui::open_window(cli.renderer, gui::StartPage::Demo),
        Some(Command::Run(args)) => std::process::exit(cli::run::run(args)),
        Some(Command::Check(args)) => std::process::exit(cli::check::run(args)),
        Some(Command::Sample(args)) => std::process::exit(cli::sample::run(args)),
        Some(Command::InitTable(args)) => std::process::exit(cli::init_table::run(args)),
        Some(Command::Secret(args)) => std::process::exit(cli::secrets::run(args)),
        Some(Command::Export(args)) => std::process::exit(cli::export::run(args)),
        Some(Command::ImportKda(args)) => std::process::exit(cli::import_kda::run(args)),
    }
}

/// Logs go to stderr, as text or one JSON object per line. `RUST_LOG` overrides the default
/// filter (warnings, plus our own info lines).
fn init_logging(format: cli::run::LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,kinesis_starrocks=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        cli::run::LogFormat::Text => builder.init(),
        // Flattened: `message` sits beside `timestamp`, `level` and `target`, where log
        // collectors look for it.
        cli::run::LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}
