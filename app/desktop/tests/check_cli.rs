//! `kinesis-starrocks check`, `sample` and `init-table` as processes, the way a user runs them:
//! against the StarRocks stand-in and ferrokinesis (in this test process), and moto_server for
//! STS and EC2 (`AWS_ENDPOINT_URL_STS` / `AWS_ENDPOINT_URL_EC2`, as a user would point the SDK
//! at a VPC endpoint). What is asserted is what the user reads.

mod common;

use ks_core::config::JdbcUrl;
use ks_local::{LocalWorld, PipelineToml, WorldOptions};
use ks_starrocks::MysqlAdmin;
use ks_tests::assert_contains;
use ks_tests::emulators::Emulator;
use starrocks_sim::SimConfig;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const PASSWORD: &str = "check-pw";
const STREAM: &str = "ExampleInputStream";
const EGRESS: &str = "203.0.113.7";

/// The stand-in and ferrokinesis with [`STREAM`] ([`LocalWorld`], no tables), and moto for STS
/// and EC2.
struct World {
    local: LocalWorld,
    moto: Emulator,
    ec2: ks_tests::moto::Moto,
}

impl std::ops::Deref for World {
    type Target = LocalWorld;
    fn deref(&self) -> &LocalWorld {
        &self.local
    }
}

impl World {
    async fn new() -> World {
        let local = LocalWorld::start(WorldOptions {
            sim: SimConfig {
                password: PASSWORD.into(),
                ..Default::default()
            },
            setup_sql: Vec::new(),
            ..Default::default()
        })
        .await
        .unwrap();
        let moto = Emulator::moto();
        let ec2 = moto.api();
        let w = World { local, moto, ec2 };
        let records: Vec<serde_json::Value> = (0..40)
            .map(|id| {
                let ticker = ["AAPL", "AMZN", "MSFT"][id % 3];
                serde_json::json!({"id": id, "event_time": "2024-05-28T19:53:17.497201",
                                   "ticker": ticker, "price": 84.27})
            })
            .collect();
        let keys: Vec<String> = (0..40).map(|i| format!("pk{i}")).collect();
        ks_local::put_json_records(&w.client, STREAM, &records, &keys)
            .await
            .unwrap();
        w
    }

    async fn admin(&self) -> MysqlAdmin {
        self.local.admin().await.unwrap()
    }

    /// Whether `example_db.<table>` exists.
    async fn table_exists(&self, table: &str) -> bool {
        self.admin()
            .await
            .table_exists("example_db", table)
            .await
            .unwrap()
    }

    /// The port in the load-url (the stand-in binds an ephemeral one).
    fn load_port(&self) -> u16 {
        self.sim
            .load_url()
            .rsplit(':')
            .next()
            .unwrap()
            .trim_end_matches('/')
            .parse()
            .unwrap()
    }

    fn jdbc_port(&self) -> u16 {
        JdbcUrl::parse(&self.sim.jdbc_url()).unwrap().port
    }

    /// A security group that allows `ports` (tcp) from this machine's /32.
    fn security_group(&self, name: &str, ports: &[u16]) -> String {
        self.ec2
            .security_group_allowing(name, ports, &format!("{EGRESS}/32"))
    }

    fn inbound_cidrs(&self, group: &str, port: u16) -> Vec<String> {
        self.ec2
            .ingress(group)
            .into_iter()
            .filter(|r| r.from_port == Some(i32::from(port)) && r.list == "ipRanges")
            .map(|r| r.source)
            .collect()
    }

    fn write_config(&self, name: &str, table: &str, group: &str) -> PathBuf {
        let path = self.dir.path().join(format!("{name}.toml"));
        let text = self.pipeline_toml(&PipelineToml {
            name,
            table,
            source: "initial-position = \"TRIM_HORIZON\"",
            sink: &format!(
                "properties.format = \"json\"\n\n[network]\nsecurity-group-ids = [\"{group}\"]\n\
                 egress-ip = \"{EGRESS}\""
            ),
            ..PipelineToml::default()
        });
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The binary with AWS test credentials, STS/EC2 on moto, and the password in the environment.
    fn command(&self, args: &[&str], config: &Path, password: &str) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kinesis-starrocks"));
        c.args(args)
            .arg("--config")
            .arg(config)
            .env("STARROCKS_PASSWORD", password)
            .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
            .env("AWS_SECRET_ACCESS_KEY", "test-secret")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env("AWS_ENDPOINT_URL_STS", &self.moto.endpoint)
            .env("AWS_ENDPOINT_URL_EC2", &self.moto.endpoint)
            .env("RUST_LOG", "debug")
            .stdin(Stdio::null());
        c
    }
}

fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Output off the async runtime (the stand-in and ferrokinesis run on it).
async fn output(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// Output with `stdin_text` typed in.
async fn output_with_stdin(mut command: Command, stdin_text: &'static str) -> Output {
    tokio::task::spawn_blocking(move || ks_tests::output_with_stdin(&mut command, stdin_text))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn check_says_what_to_change_and_fix_adds_exactly_one_rule() {
    let w = World::new().await;
    let admin = w.admin().await;
    admin.execute("CREATE DATABASE example_db").await.unwrap();
    admin
        .execute(
            "CREATE TABLE example_db.stock (`id` BIGINT NOT NULL, `event_time` DATETIME NULL, \
             `ticker` VARCHAR(20) NOT NULL, `price` DOUBLE NULL) DUPLICATE KEY(`id`) \
             DISTRIBUTED BY HASH(`id`)",
        )
        .await
        .unwrap();
    // The load port and the BE port the FE redirects to are open to this machine, the query port
    // (9030's role) is not.
    let be_port = w.sim.be_addr().port();
    let group = w.security_group("starrocks-fe", &[w.load_port(), be_port]);
    let config = w.write_config("stock", "stock", &group);
    let jdbc_port = w.jdbc_port();
    let sg_id = format!("network.sg-{jdbc_port}");

    // 1. A wrong password: the login fails in plain words, and the password is never printed.
    let out = output(w.command(&["check"], &config, "not-the-password")).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert_contains(&stdout, "✗ cluster.login");
    assert_contains(&stdout, "Access denied");
    assert!(
        !stdout.contains("not-the-password") && !stderr.contains("not-the-password"),
        "the password leaked:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("failed"), "the summary line: {stdout}");

    // 2. The right password, --json: the only failure is the missing inbound rule, with the fix.
    let out = output(w.command(&["check", "--json"], &config, PASSWORD)).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("check --json is JSON");
    assert_eq!(doc["format-version"], 1);
    assert_eq!(doc["passed"], false);
    let checks = doc["checks"].as_array().unwrap();
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(failed, vec![sg_id.as_str()], "{stdout}");
    for id in [
        "cluster.dns",
        "cluster.tcp",
        "cluster.login",
        "cluster.version",
        "cluster.grants",
        "load.http",
        "load.auth",
        "load.redirect",
        "aws.credentials",
        "aws.stream",
        "aws.load-frequency",
        "aws.read-permission",
        "table.exists",
        "table.mapping",
    ] {
        let c = checks.iter().find(|c| c["id"] == id).unwrap_or_else(|| {
            panic!("{id} missing from {stdout}");
        });
        assert!(
            c["status"] == "pass" || c["status"] == "warn",
            "{id}: {c}\n{stdout}"
        );
    }
    // The redirect target's port is checked too (self-managed: FE 8030 → BE 8040).
    let be_check = checks
        .iter()
        .find(|c| c["id"] == format!("network.sg-{be_port}").as_str())
        .unwrap_or_else(|| panic!("no check for the BE port {be_port}: {stdout}"));
    assert_eq!(be_check["status"], "pass", "{be_check}");
    assert!(
        be_check["title"]
            .as_str()
            .unwrap()
            .contains("Stream Load redirect target"),
        "{be_check}"
    );
    let fix = &checks.iter().find(|c| c["id"] == sg_id.as_str()).unwrap()["fix"];
    assert_eq!(fix["kind"], "add-ingress-rule", "{fix}");
    assert_eq!(fix["cidr"], format!("{EGRESS}/32"));
    assert_eq!(fix["from-port"], jdbc_port);
    assert_eq!(fix["group-id"], group.as_str());

    // 3. --fix, answered "n": the exact rule is shown and nothing changes.
    let out = output_with_stdin(w.command(&["check", "--fix"], &config, PASSWORD), "n\n").await;
    let (stdout, _) = text(&out);
    assert_contains(&stdout, "Add this inbound rule?");
    assert_contains(&stdout, &format!("{EGRESS}/32"));
    assert_contains(&stdout, "not added");
    assert!(w.inbound_cidrs(&group, jdbc_port).is_empty());

    // 4. --fix --yes: exactly one /32 rule is added, and the re-check passes.
    let out = output(w.command(&["check", "--fix", "--yes"], &config, PASSWORD)).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_contains(&stdout, "added:");
    assert_eq!(
        w.inbound_cidrs(&group, jdbc_port),
        vec![format!("{EGRESS}/32")]
    );
    assert_eq!(
        w.inbound_cidrs(&group, w.load_port()),
        vec![format!("{EGRESS}/32")],
        "the load port's rule is untouched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sample_then_init_table_then_check_passes_the_table() {
    let w = World::new().await;
    let group = w.security_group(
        "starrocks-all",
        &[w.jdbc_port(), w.load_port(), w.sim.be_addr().port()],
    );
    let config = w.write_config("inferred", "stock_inferred", &group);

    // sample: JSON lines with shard and sequence.
    let out = output(w.command(&["sample", "-n", "5"], &config, PASSWORD)).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    for line in &lines {
        assert!(line.starts_with("shardId-"), "{line}");
        assert_contains(line, "\"ticker\"");
    }
    let out = output(w.command(&["sample", "-n", "3", "--json"], &config, PASSWORD)).await;
    let (stdout, _) = text(&out);
    for line in stdout.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["record"]["json"]["id"].is_u64(), "{line}");
        assert!(v["sequence"].as_str().unwrap().len() > 20, "{line}");
    }

    // The table does not exist yet: check says so and names init-table.
    let out = output(w.command(&["check", "--only", "table"], &config, PASSWORD)).await;
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_contains(&stdout, "✗ table.exists");
    assert_contains(&stdout, "init-table");

    // init-table --print-ddl prints and does not create.
    let out = output(w.command(&["init-table", "--print-ddl"], &config, PASSWORD)).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_contains(
        &stdout,
        "CREATE TABLE IF NOT EXISTS `example_db`.`stock_inferred`",
    );
    assert_contains(&stdout, "`event_time` DATETIME");
    assert_contains(&stdout, "jsonpaths = '[");
    assert!(!w.table_exists("stock_inferred").await);

    // init-table without --yes and "n" typed: nothing created.
    let out = output_with_stdin(w.command(&["init-table"], &config, PASSWORD), "n\n").await;
    let (stdout, _) = text(&out);
    assert_contains(&stdout, "not created");
    assert!(!w.table_exists("stock_inferred").await);

    // init-table --yes creates it; then the table checks pass.
    let out = output(w.command(&["init-table", "--yes"], &config, PASSWORD)).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_contains(&stdout, "created `example_db`.`stock_inferred`");
    assert!(w.table_exists("stock_inferred").await);
    let out = output(w.command(&["check", "--only", "table"], &config, PASSWORD)).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_contains(&stdout, "✓ table.exists");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unreachable_cluster_and_a_missing_stream_are_named() {
    let w = World::new().await;
    let group = w.security_group("sg-empty", &[]);
    let config = w.write_config("broken", "stock", &group);
    // Point the jdbc-url at a port nothing listens on and the stream at one that does not exist.
    let dead = ks_tests::emulators::free_port();
    let text_config = std::fs::read_to_string(&config)
        .unwrap()
        .replace(&w.sim.jdbc_url(), &format!("jdbc:mysql://127.0.0.1:{dead}"))
        .replace(
            &format!("stream = \"{STREAM}\""),
            "stream = \"NoSuchStream\"",
        );
    std::fs::write(&config, text_config).unwrap();
    let out = output(w.command(&["check"], &config, PASSWORD)).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert_contains(&stdout, "✗ cluster.tcp");
    assert_contains(&stdout, &dead.to_string());
    assert!(
        stdout.contains("- cluster.login"),
        "skipped after tcp: {stdout}"
    );
    assert_contains(&stdout, "✗ aws.stream");
    assert_contains(&stdout, "NoSuchStream");
    assert!(
        stdout.contains(STREAM),
        "the streams that exist are listed: {stdout}"
    );
}
