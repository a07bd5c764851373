//! `starrocks-sim`: the StarRocks stand-in as a process, for manual testing with `mysql` and
//! `curl --location-trusted`, and for tests that need a process to kill.

use anyhow::Context;
use clap::Parser;
use starrocks_sim::{SimConfig, StarRocksSim, TlsFiles};
use std::net::IpAddr;
use std::path::PathBuf;

/// A StarRocks stand-in: MySQL protocol, FE HTTP (auth, 100-continue, 307) and BE Stream Load.
#[derive(Parser, Debug)]
#[command(name = "starrocks-sim", about, disable_version_flag = true)]
struct Args {
    /// MySQL-protocol query port (StarRocks' default is 9030; 0 picks a free port).
    #[arg(long, default_value_t = 9030)]
    mysql_port: u16,
    /// FE HTTP port (StarRocks' default is 8030).
    #[arg(long, default_value_t = 8030)]
    http_port: u16,
    /// BE HTTP port, where Stream Loads are redirected (StarRocks' default is 8040).
    #[arg(long, default_value_t = 8040)]
    be_port: u16,
    #[arg(long, default_value = "root")]
    user: String,
    /// The user's password (empty by default, like a fresh StarRocks).
    #[arg(
        long,
        default_value = "",
        env = "STARROCKS_SIM_PASSWORD",
        hide_env_values = true
    )]
    password: String,
    /// Address to listen on. Only loopback makes sense for tests.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Keep databases, tables, rows and labels here across restarts.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Host name the FE's 307 points at (default: the bind address). A name that does not
    /// resolve reproduces the "redirect to an internal BE address" failure.
    #[arg(long)]
    be_host: Option<String>,
    /// Port in the 307 Location (default: --be-port).
    #[arg(long)]
    be_redirect_port: Option<u16>,
    /// StarRocks version to report.
    #[arg(long, default_value = "3.3.5")]
    version: String,
    /// PEM certificate: enables TLS on the MySQL port and HTTPS on the FE HTTP port.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Refuse MySQL logins without TLS (as CelerData does).
    #[arg(long, requires = "tls_cert")]
    require_secure_transport: bool,
    /// Limit INSERT to these tables (`db.table` or `db.*`, repeatable); default: all.
    #[arg(long = "grant-insert")]
    grant_insert: Vec<String>,
    /// The JSON body limit in bytes (StarRocks: 100 MB); lower it to test the limit cheaply.
    #[arg(long, default_value_t = starrocks_sim::load::DEFAULT_MAX_JSON_BYTES)]
    max_json_bytes: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "starrocks_sim=info".into()),
        )
        .init();
    let args = Args::parse();
    let config = SimConfig {
        bind: args.bind,
        mysql_port: args.mysql_port,
        http_port: args.http_port,
        be_port: args.be_port,
        user: args.user,
        password: args.password,
        be_host: args.be_host,
        be_redirect_port: args.be_redirect_port,
        version: args.version,
        data_dir: args.data_dir,
        tls: match (args.tls_cert, args.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            _ => None,
        },
        require_secure_transport: args.require_secure_transport,
        insert_grants: (!args.grant_insert.is_empty()).then_some(args.grant_insert),
        max_json_bytes: args.max_json_bytes,
    };
    let sim = StarRocksSim::start(config)
        .await
        .context("starting starrocks-sim")?;
    // One line a script can wait for.
    println!(
        "starrocks-sim ready: mysql={} http={} be={}",
        sim.mysql_addr(),
        sim.http_addr(),
        sim.be_addr()
    );
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("installing the SIGTERM handler")?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    sim.shutdown().await;
    Ok(())
}
