//! [`LocalWorld`]: the StarRocks stand-in and the embedded Kinesis on 127.0.0.1, one stream, a
//! database with its tables, a state directory, admin sessions, and the pipeline TOML that reads
//! the one into the other. The local demo and the tests build on it.

use crate::kinesis::{EmbeddedKinesis, LocalError, StoreOptions, create_stream};
use crate::stock::{STOCK_DDL, put_stock};
use aws_sdk_kinesis::Client;
use ks_core::{PipelineConfig, Secret};
use ks_starrocks::MysqlAdmin;
use starrocks_sim::{SimConfig, StarRocksSim};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The stand-in's root password in a default world.
pub const PASSWORD: &str = "sim-pw";
/// The seed's source stream name, a world's default stream.
pub const STREAM: &str = "ExampleInputStream";

/// What a world starts with.
pub struct WorldOptions {
    pub stream: String,
    pub shards: i32,
    pub kinesis: StoreOptions,
    /// The stand-in's settings; its `password` is root's.
    pub sim: SimConfig,
    /// Statements run as root once the stand-in is up (databases, tables).
    pub setup_sql: Vec<String>,
}

impl Default for WorldOptions {
    /// [`STREAM`] with 2 shards, and `example_db.stock` ([`STOCK_DDL`]) behind [`PASSWORD`].
    fn default() -> Self {
        WorldOptions {
            stream: STREAM.into(),
            shards: 2,
            kinesis: EmbeddedKinesis::options(),
            sim: SimConfig {
                password: PASSWORD.into(),
                ..Default::default()
            },
            setup_sql: vec![
                "CREATE DATABASE IF NOT EXISTS example_db".into(),
                STOCK_DDL.into(),
            ],
        }
    }
}

impl WorldOptions {
    /// `stream` with `shards`, root's `password`, and `example_db` holding the table `table_ddl`
    /// creates.
    pub fn with_table(stream: &str, shards: i32, password: &str, table_ddl: &str) -> WorldOptions {
        WorldOptions {
            stream: stream.into(),
            shards,
            sim: SimConfig {
                password: password.into(),
                ..Default::default()
            },
            setup_sql: vec!["CREATE DATABASE example_db".into(), table_ddl.into()],
            ..Default::default()
        }
    }
}

/// The extra TOML lines of a pipeline in a world: the world writes the connection keys (stream,
/// region, endpoint, state dir, URLs, user, database, table), the caller its knobs.
#[derive(Debug, Clone)]
pub struct PipelineToml<'a> {
    pub name: &'a str,
    /// The sink's user.
    pub username: &'a str,
    pub database: &'a str,
    pub table: &'a str,
    /// Top-level lines (before `[source]`).
    pub top: &'a str,
    /// Lines of `[source]`.
    pub source: &'a str,
    /// Lines of `[sink]`.
    pub sink: &'a str,
    /// Lines of `[network]`; empty leaves the table out.
    pub network: &'a str,
}

impl Default for PipelineToml<'_> {
    /// Pipeline `stock` into `example_db.stock` as root, no extra lines.
    fn default() -> Self {
        PipelineToml {
            name: "stock",
            username: "root",
            database: "example_db",
            table: "stock",
            top: "",
            source: "",
            sink: "",
            network: "",
        }
    }
}

/// A running world; dropping it stops Kinesis (the stand-in stops with [`Self::shutdown`] or at
/// the end of the runtime).
pub struct LocalWorld {
    pub kinesis: EmbeddedKinesis,
    pub client: Client,
    pub sim: StarRocksSim,
    /// The world's temporary directory (the state dir is `state/` in it).
    pub dir: tempfile::TempDir,
    pub stream: String,
    password: String,
}

impl LocalWorld {
    pub async fn start(options: WorldOptions) -> Result<LocalWorld, LocalError> {
        let (_, kinesis) = EmbeddedKinesis::start(options.kinesis).await.map_err(|e| {
            LocalError(format!(
                "the local Kinesis (ferrokinesis) did not start: {e}"
            ))
        })?;
        let client = kinesis.client().await;
        create_stream(&client, &options.stream, options.shards)
            .await
            .map_err(|e| LocalError(format!("creating stream {}: {e}", options.stream)))?;
        let password = options.sim.password.clone();
        let sim = StarRocksSim::start(options.sim)
            .await
            .map_err(|e| LocalError(format!("the StarRocks stand-in did not start: {e}")))?;
        let dir = tempfile::Builder::new()
            .prefix("kinesis-starrocks-local-")
            .tempdir()
            .map_err(|e| LocalError(format!("a temporary directory: {e}")))?;
        let world = LocalWorld {
            kinesis,
            client,
            sim,
            dir,
            stream: options.stream,
            password,
        };
        let admin = world.admin().await?;
        for sql in &options.setup_sql {
            admin
                .execute(sql)
                .await
                .map_err(|e| LocalError(format!("{sql}: {e}")))?;
        }
        Ok(world)
    }

    /// Root's password on the stand-in.
    pub fn password(&self) -> Secret {
        Secret::new(self.password.clone())
    }

    /// The pipelines' state directory (not created: the engine creates it).
    pub fn state_dir(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// A fresh MySQL session on the stand-in, as root.
    pub async fn admin(&self) -> Result<MysqlAdmin, LocalError> {
        root_admin(&self.sim, &self.password).await
    }

    /// Runs one statement as root.
    pub async fn sql(&self, sql: &str) -> Result<(), LocalError> {
        self.admin()
            .await?
            .execute(sql)
            .await
            .map_err(|e| LocalError(format!("{sql}: {e}")))
    }

    /// The first column of the first row of `sql`, as a number (0 for NULL).
    pub async fn query_u64(&self, sql: &str) -> Result<u64, LocalError> {
        query_u64(&self.admin().await?, sql).await
    }

    /// Where this world's pipelines read and write.
    pub fn endpoints(&self) -> Endpoints<'_> {
        Endpoints {
            stream: &self.stream,
            kinesis: Some(self.kinesis.endpoint_url().to_string()),
            state_dir: Some(self.state_dir()),
            jdbc: self.sim.jdbc_url(),
            load: self.sim.load_url(),
        }
    }

    /// A pipeline's TOML reading this world's stream into its stand-in.
    pub fn pipeline_toml(&self, p: &PipelineToml) -> String {
        pipeline_toml(&self.endpoints(), p)
    }

    /// [`Self::pipeline_toml`], parsed as the app parses a saved pipeline.
    pub fn config(&self, p: &PipelineToml) -> Result<PipelineConfig, LocalError> {
        pipeline_config(&self.endpoints(), p)
    }

    /// Puts test stock records with ids `from..from + n` ([`crate::stock::stock_record`]).
    pub async fn put_stock(&self, from: u64, n: u64) -> Result<(), LocalError> {
        put_stock(&self.client, &self.stream, from, n).await
    }

    /// Stops the stand-in and Kinesis.
    pub async fn shutdown(self) {
        self.sim.shutdown().await;
    }
}

/// `s` as a TOML basic string.
pub fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A fresh MySQL session on `sim` as root (TLS off): for tests with a stand-in but no world.
pub async fn root_admin(sim: &StarRocksSim, password: &str) -> Result<MysqlAdmin, LocalError> {
    let jdbc = ks_core::config::JdbcUrl::parse(&sim.jdbc_url()).map_err(LocalError)?;
    MysqlAdmin::connect(
        &jdbc,
        "root",
        &Secret::new(password),
        ks_core::config::SslMode::Disabled,
        Duration::from_secs(5),
    )
    .await
    .map_err(|e| LocalError(format!("the stand-in's MySQL port: {e}")))
}

/// The first column of the first row of `sql`, as a number (0 for NULL).
pub async fn query_u64(admin: &MysqlAdmin, sql: &str) -> Result<u64, LocalError> {
    let rows = admin
        .query(sql)
        .await
        .map_err(|e| LocalError(format!("{sql}: {e}")))?;
    let cell = rows.first().and_then(|r| r.first().cloned().flatten());
    match cell {
        None => Ok(0),
        Some(v) => v
            .parse()
            .map_err(|_| LocalError(format!("{sql}: {v:?} is not a number"))),
    }
}

/// Where a pipeline reads and writes: what [`pipeline_toml`] writes around a [`PipelineToml`].
#[derive(Debug, Clone)]
pub struct Endpoints<'a> {
    pub stream: &'a str,
    /// `endpoint-url` of `[source]`; `None` leaves it out (AWS's own endpoint).
    pub kinesis: Option<String>,
    /// `state-dir`; `None` leaves it out (the default per-name state dir).
    pub state_dir: Option<PathBuf>,
    /// `jdbc-url`; empty leaves it out (a pipeline that only loads, as the benchmarks' do).
    pub jdbc: String,
    pub load: String,
}

impl<'a> Endpoints<'a> {
    /// `stream` on AWS's own Kinesis endpoint, the default state dir, and the cluster at `jdbc`
    /// and `load`.
    pub fn new(stream: &'a str, jdbc: &str, load: &str) -> Endpoints<'a> {
        Endpoints {
            stream,
            kinesis: None,
            state_dir: None,
            jdbc: jdbc.to_string(),
            load: load.to_string(),
        }
    }
}

/// A pipeline's TOML: the connection keys from `at` (stream, region us-east-1, endpoint, state
/// dir, URLs), the user, database, table and the extra lines from `p`.
pub fn pipeline_toml(at: &Endpoints, p: &PipelineToml) -> String {
    let state_dir = at.state_dir.as_ref().map(|d| d.to_string_lossy());
    let state = optional_key("state-dir", state_dir.as_deref());
    let endpoint = optional_key("endpoint-url", at.kinesis.as_deref());
    let jdbc = optional_key("jdbc-url", Some(at.jdbc.as_str()).filter(|j| !j.is_empty()));
    let network = if p.network.is_empty() {
        String::new()
    } else {
        format!("\n[network]\n{}\n", p.network)
    };
    format!(
        r#"name = "{name}"
{state}{top}

[source]
stream = "{stream}"
region = "us-east-1"
{endpoint}{source}

[sink]
{jdbc}load-url = "{load}"
username = {username}
database-name = "{database}"
table-name = "{table}"
{sink}
{network}"#,
        name = p.name,
        top = p.top,
        stream = at.stream,
        source = p.source,
        load = at.load,
        database = p.database,
        table = p.table,
        sink = p.sink,
        username = toml_string(p.username),
    )
}

/// `key = "value"` and a newline, or nothing for `None`.
fn optional_key(key: &str, value: Option<&str>) -> String {
    value
        .map(|v| format!("{key} = {}\n", toml_string(v)))
        .unwrap_or_default()
}

/// [`pipeline_toml`], parsed as the app parses a saved pipeline; the error holds the text.
pub fn pipeline_config(at: &Endpoints, p: &PipelineToml) -> Result<PipelineConfig, LocalError> {
    let text = pipeline_toml(at, p);
    PipelineConfig::from_toml_str(&text, Path::new("local.toml"))
        .map_err(|e| LocalError(format!("{e}\n{text}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_jdbc_url_is_left_out_and_the_rest_parses() {
        let load = "http://127.0.0.1:8030";
        let with = pipeline_config(
            &Endpoints::new(STREAM, "jdbc:mysql://127.0.0.1:9030", load),
            &PipelineToml::default(),
        )
        .unwrap();
        assert_eq!(
            with.sink.jdbc_url.unwrap().text,
            "jdbc:mysql://127.0.0.1:9030"
        );
        let text = pipeline_toml(&Endpoints::new(STREAM, "", load), &PipelineToml::default());
        assert!(!text.contains("jdbc-url"), "{text}");
        let without =
            pipeline_config(&Endpoints::new(STREAM, "", load), &PipelineToml::default()).unwrap();
        assert!(without.sink.jdbc_url.is_none());
        assert_eq!(without.source.stream_name, STREAM);
    }

    #[test]
    fn the_user_and_network_lines_land_in_their_tables() {
        let at = Endpoints::new(
            STREAM,
            "jdbc:mysql://127.0.0.1:9030",
            "http://127.0.0.1:8030",
        );
        let p = PipelineToml {
            username: "loader",
            sink: "max-retries = 2",
            network: "egress-ip = \"203.0.113.7\"",
            ..PipelineToml::default()
        };
        let config = pipeline_config(&at, &p).unwrap();
        assert_eq!(config.sink.username, "loader");
        assert_eq!(config.sink.max_retries, 2);
        assert_eq!(config.network.egress_ip.as_deref(), Some("203.0.113.7"));
        let plain = pipeline_toml(&at, &PipelineToml::default());
        assert!(!plain.contains("[network]"), "{plain}");
    }
}
