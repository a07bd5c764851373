//! The stand-in's MySQL port driven by real clients: the `mysql` CLI (Debian's mariadb-client),
//! used exactly as people use it, and the Rust `mysql` crate (text and prepared statements, TLS).

use mysql::prelude::Queryable;
use starrocks_sim::catalog::RowOp;
use starrocks_sim::types::{Cell, SqlType, convert_text};
use starrocks_sim::{SimConfig, StarRocksSim, TlsFiles};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const PASSWORD: &str = "s3cret";

fn seed_ddl_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seed_ddl.sql")
}

/// The `mysql` CLI; a missing one fails the test (it is part of the test environment).
fn mysql_cli() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("mysql"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "the `mysql` command-line client is not installed; install it with \
             `apt-get install mariadb-client`"
        )
    })
}

struct CliOutput {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl std::fmt::Debug for CliOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ok={} stdout=<<{}>> stderr=<<{}>>",
            self.ok, self.stdout, self.stderr
        )
    }
}

/// Runs `mysql --no-defaults -h 127.0.0.1 -P PORT <args…>` (feeding `stdin` if given).
async fn cli(port: u16, args: &[&str], stdin: Option<Vec<u8>>) -> CliOutput {
    let mut full: Vec<String> = vec![
        "--no-defaults".into(),
        "-h".into(),
        "127.0.0.1".into(),
        "-P".into(),
        port.to_string(),
        "--connect-timeout=10".into(),
    ];
    full.extend(args.iter().map(|a| a.to_string()));
    run(mysql_cli(), full, stdin).await
}

async fn run(bin: PathBuf, args: Vec<String>, stdin: Option<Vec<u8>>) -> CliOutput {
    let run = tokio::task::spawn_blocking(move || {
        // coreutils' `timeout` ends a client that hangs, so a failing test leaves nothing behind.
        let mut child = Command::new("timeout")
            .args(["-k", "5", "60"])
            .arg(bin)
            .args(&args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the client");
        if let Some(input) = stdin {
            let mut s = child.stdin.take().expect("stdin");
            s.write_all(&input).expect("feed the client");
        }
        child.wait_with_output().expect("wait for the client")
    });
    let out = tokio::time::timeout(Duration::from_secs(90), run)
        .await
        .expect("the client finished within 90 s")
        .expect("the client task did not panic");
    CliOutput {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// As root with the right password; `-e SQL` in batch mode without column names.
async fn query(port: u16, sql: &str) -> String {
    let out = cli(
        port,
        &["-u", "root", "-ps3cret", "-N", "-B", "-e", sql],
        None,
    )
    .await;
    assert!(out.ok, "{sql}: {out:?}");
    out.stdout
}

/// The CLI prints `ERROR code (state): msg`, or `ERROR code (state) at line N: msg` for
/// statements of a script or `-e`.
fn has_error(out: &CliOutput, head: &str, message: &str) -> bool {
    !out.ok
        && out.stderr.lines().any(|l| {
            l.starts_with(head)
                && (l[head.len()..].starts_with(": ") || l[head.len()..].starts_with(" at line "))
                && l.ends_with(message)
        })
}

async fn start(config: SimConfig) -> StarRocksSim {
    StarRocksSim::start(config)
        .await
        .expect("the stand-in starts")
}

fn config() -> SimConfig {
    SimConfig {
        password: PASSWORD.into(),
        ..Default::default()
    }
}

async fn load_seed_ddl(port: u16) {
    let ddl = std::fs::read(seed_ddl_path()).expect("the seed DDL fixture");
    let out = cli(port, &["-u", "root", "-ps3cret"], Some(ddl)).await;
    assert!(out.ok, "seed DDL: {out:?}");
}

fn is_current_version(s: &str) -> bool {
    let Some(hash) = s.strip_prefix("3.3.5 ") else {
        return false;
    };
    hash.len() == 7 && hash.chars().all(|c| c.is_ascii_hexdigit())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_ddl_runs_verbatim_through_the_mysql_cli() {
    let sim = start(config()).await;
    let port = sim.mysql_addr().port();
    load_seed_ddl(port).await;

    let version = query(port, "select current_version()").await;
    assert!(is_current_version(version.trim()), "{version:?}");
    let comment = query(port, "select @@version_comment limit 1").await;
    assert_eq!(comment.trim(), "StarRocks version 3.3.5");

    // The database on the command line (COM_INIT_DB in the handshake) and `USE` in a script.
    let out = cli(
        port,
        &[
            "-u",
            "root",
            "-ps3cret",
            "-N",
            "-B",
            "example_db",
            "-e",
            "SHOW TABLES",
        ],
        None,
    )
    .await;
    assert!(out.ok, "{out:?}");
    assert_eq!(out.stdout.trim(), "stock");
    let tables = query(port, "USE example_db; SHOW TABLES; SELECT database()").await;
    assert_eq!(tables, "stock\nexample_db\n");

    let desc = query(port, "DESC example_db.stock").await;
    assert_eq!(
        desc,
        "EVENT_TIME\tdatetime\tNO\ttrue\tNULL\t\n\
         TICKER\tvarchar(65533)\tNO\tfalse\tNULL\t\n\
         PRICE\tfloat\tYES\tfalse\tNULL\t\n"
    );
    let create = query(port, "SHOW CREATE TABLE example_db.stock").await;
    assert!(
        create.starts_with("stock\tCREATE TABLE `stock` ("),
        "{create}"
    );
    assert!(create.contains("DUPLICATE KEY(`EVENT_TIME`)"), "{create}");
    assert!(
        create.contains("DISTRIBUTED BY HASH(`EVENT_TIME`) BUCKETS 2"),
        "{create}"
    );
    assert!(create.contains("\"replication_num\" = \"1\""), "{create}");

    // Running the DDL again: IF NOT EXISTS passes, the table exists.
    let ddl = std::fs::read(seed_ddl_path()).unwrap();
    let again = cli(port, &["-u", "root", "-ps3cret"], Some(ddl)).await;
    assert!(!again.ok);
    assert!(
        has_error(&again, "ERROR 1050 (42S01)", "Table 'stock' already exists"),
        "{again:?}"
    );

    // The other statements a session on the FE uses.
    let backends = query(port, "SHOW BACKENDS").await;
    let fields: Vec<&str> = backends.trim_end().split('\t').collect();
    assert_eq!(fields.len(), 23, "{backends}");
    assert_eq!(fields[1], "127.0.0.1");
    assert_eq!(fields[4], sim.be_addr().port().to_string());
    let frontends = query(port, "SHOW FRONTENDS").await;
    let fields: Vec<&str> = frontends.trim_end().split('\t').collect();
    assert_eq!(fields.len(), 16, "{frontends}");
    assert_eq!(fields[4], port.to_string());
    assert_eq!(fields[3], sim.http_addr().port().to_string());
    let grants = query(port, "SHOW GRANTS").await;
    assert_eq!(grants, "'root'@'%'\tNULL\tGRANT 'root' TO 'root'@'%'\n");
    let vars = query(port, "SHOW VARIABLES LIKE 'wait_timeout'").await;
    assert_eq!(vars, "wait_timeout\t28800\n");
    let set = query(
        port,
        "SET NAMES utf8mb4; SET SESSION query_timeout = 600; SELECT 1",
    )
    .await;
    assert_eq!(set, "1\n");

    sim.shutdown().await;
}

/// Interactively (on a terminal) the CLI answers `USE db` by reading every table's fields for
/// tab completion (COM_FIELD_LIST), which must not hang. `script` gives it a terminal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interactive_use_reads_table_information() {
    let sim = start(config()).await;
    let port = sim.mysql_addr().port();
    load_seed_ddl(port).await;
    let script = PathBuf::from("/usr/bin/script");
    assert!(
        script.is_file(),
        "`script` is missing; install it with `apt-get install bsdutils`"
    );
    let command = format!(
        "{} --no-defaults -h 127.0.0.1 -P {port} -u root -p{PASSWORD}",
        mysql_cli().display()
    );
    let out = run(
        script,
        vec!["-qec".into(), command, "/dev/null".into()],
        Some(b"use example_db\nselect 'rehash-ok' as r;\nquit\n".to_vec()),
    )
    .await;
    assert!(out.ok, "{out:?}");
    assert!(
        out.stdout
            .contains("Reading table information for completion"),
        "{out:?}"
    );
    assert!(out.stdout.contains("Database changed"), "{out:?}");
    assert!(out.stdout.contains("| rehash-ok |"), "{out:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_refused_like_starrocks() {
    let sim = start(config()).await;
    let port = sim.mysql_addr().port();
    let out = cli(port, &["-u", "root", "-pwrong", "-e", "select 1"], None).await;
    assert!(!out.ok, "{out:?}");
    assert!(
        out.stderr
            .contains("ERROR 1045 (28000): Access denied for user 'root' (using password: YES)"),
        "{out:?}"
    );
    let out = cli(port, &["-u", "nobody", "-ps3cret", "-e", "select 1"], None).await;
    assert!(!out.ok);
    assert!(
        out.stderr
            .contains("ERROR 1045 (28000): Access denied for user 'nobody'"),
        "{out:?}"
    );
    let out = cli(port, &["-u", "root", "-e", "select 1"], None).await;
    assert!(!out.ok);
    assert!(out.stderr.contains("(using password: NO)"), "{out:?}");
    // The right password still works afterwards.
    assert_eq!(query(port, "select 1").await, "1\n");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_statements_and_databases_are_errors() {
    let sim = start(config()).await;
    let port = sim.mysql_addr().port();
    let out = cli(
        port,
        &["-u", "root", "-ps3cret", "-e", "FROBNICATE the cluster"],
        None,
    )
    .await;
    assert!(!out.ok);
    assert!(out.stderr.contains("ERROR 1064 (42000)"), "{out:?}");
    assert!(out.stderr.contains("Getting syntax error"), "{out:?}");
    let out = cli(
        port,
        &["-u", "root", "-ps3cret", "-e", "USE nosuchdb"],
        None,
    )
    .await;
    assert!(!out.ok);
    assert!(
        has_error(&out, "ERROR 1049 (42000)", "Unknown database 'nosuchdb'"),
        "{out:?}"
    );
    let out = cli(
        port,
        &["-u", "root", "-ps3cret", "nosuchdb", "-e", "select 1"],
        None,
    )
    .await;
    assert!(!out.ok);
    assert!(out.stderr.contains("ERROR 1049"), "{out:?}");
    let out = cli(
        port,
        &["-u", "root", "-ps3cret", "-e", "select * from nosuchdb.t"],
        None,
    )
    .await;
    assert!(out.stderr.contains("ERROR 1049"), "{out:?}");
    let out = cli(
        port,
        &["-u", "root", "-ps3cret", "-e", "create table t (a int)"],
        None,
    )
    .await;
    assert!(
        has_error(&out, "ERROR 1046 (3D000)", "No database selected"),
        "{out:?}"
    );
    let out = cli(
        port,
        &[
            "-u",
            "root",
            "-ps3cret",
            "-e",
            "create database d; create table d.t (a float, b int) duplicate key(a)",
        ],
        None,
    )
    .await;
    assert!(out.stderr.contains("ERROR 1064"), "{out:?}");
    assert!(
        out.stderr.contains("float or double can not used as a key"),
        "{out:?}"
    );
    let out = cli(
        port,
        &["-u", "root", "-ps3cret", "-e", "select @@nosuch"],
        None,
    )
    .await;
    assert!(
        has_error(
            &out,
            "ERROR 1193 (HY000)",
            "Unknown system variable 'nosuch'"
        ),
        "{out:?}"
    );
    sim.shutdown().await;
}

const CONNECTOR_QUERY: &str = "select `COLUMN_NAME`, `ORDINAL_POSITION`, `COLUMN_KEY`, \
    `DATA_TYPE`, `COLUMN_SIZE`, `DECIMAL_DIGITS` from `information_schema`.`COLUMNS` where \
    `TABLE_SCHEMA`=? and `TABLE_NAME`=?";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_mysql_crate_reads_version_and_columns() {
    let sim = start(config()).await;
    let port = sim.mysql_addr().port();
    tokio::task::spawn_blocking(move || {
        let opts = mysql::Opts::from_url(&format!("mysql://root:{PASSWORD}@127.0.0.1:{port}/"))
            .expect("a valid URL");
        let mut conn = mysql::Conn::new(opts).expect("connect with the mysql crate");
        let ver: Vec<String> = conn
            .query_map("select current_version() as ver;", |row: mysql::Row| {
                row.get::<String, _>("ver").expect("column ver")
            })
            .unwrap();
        assert!(is_current_version(&ver[0]), "{ver:?}");
        let vars: Vec<mysql::Row> = conn
            .query("SELECT @@session.auto_increment_increment AS auto_increment_increment, @@character_set_client AS character_set_client, @@max_allowed_packet AS max_allowed_packet")
            .unwrap();
        assert_eq!(vars[0].get::<u64, _>("auto_increment_increment"), Some(1));
        assert_eq!(vars[0].get::<u64, _>("max_allowed_packet"), Some(67_108_864));

        conn.query_drop("CREATE DATABASE IF NOT EXISTS app_db").unwrap();
        conn.query_drop(
            "CREATE TABLE app_db.events (id BIGINT NOT NULL, ts DATETIME NOT NULL, \
             amount DECIMAL(18, 4), body JSON) PRIMARY KEY (id, ts) \
             DISTRIBUTED BY HASH(id) BUCKETS 4 PROPERTIES (\"replication_num\" = \"1\")",
        )
        .unwrap();

        type ColRow = (String, u64, String, String, Option<u64>, Option<u64>);
        let text_sql = CONNECTOR_QUERY
            .replacen('?', "'app_db'", 1)
            .replacen('?', "'events'", 1);
        let text: Vec<ColRow> = conn.query(&text_sql).unwrap();
        let prepared: Vec<mysql::Row> = conn.exec(CONNECTOR_QUERY, ("app_db", "events")).unwrap();
        assert_eq!(text.len(), 4);
        assert_eq!(prepared.len(), 4);
        assert_eq!(
            text[0],
            ("id".to_string(), 1, "PRI".to_string(), "bigint".to_string(), Some(19), Some(0))
        );
        assert_eq!(text[2].3, "decimal");
        assert_eq!((text[2].4, text[2].5), (Some(18), Some(4)));
        assert_eq!(text[3].2, "");
        for (row, t) in prepared.iter().zip(&text) {
            assert_eq!(row.get::<String, _>("COLUMN_NAME").as_ref(), Some(&t.0));
            assert_eq!(row.get::<u64, _>("ORDINAL_POSITION"), Some(t.1));
            assert_eq!(row.get::<String, _>("COLUMN_KEY").as_ref(), Some(&t.2));
            let data_type: String = row.get("DATA_TYPE").unwrap();
            assert_eq!(data_type, data_type.to_lowercase());
            assert_eq!(&data_type, &t.3);
            assert_eq!(row.get::<Option<u64>, _>("COLUMN_SIZE"), Some(t.4));
        }
        // The same statement again, with other parameters (statement reuse).
        let none: Vec<mysql::Row> = conn.exec(CONNECTOR_QUERY, ("app_db", "nosuch")).unwrap();
        assert!(none.is_empty());
        let count: Option<u64> = conn.query_first("select count(*) from app_db.events").unwrap();
        assert_eq!(count, Some(0));
        let err = conn.query_drop("select * from app_db.nosuch").unwrap_err();
        assert!(err.to_string().contains("Unknown table 'app_db.nosuch'"), "{err}");
    })
    .await
    .unwrap();
    sim.shutdown().await;
}

fn self_signed(dir: &Path) -> TlsFiles {
    // The `mysql` crate's rustls 0.23 finds both ring and aws-lc-rs enabled in this workspace
    // and needs to be told which one to use.
    let _ = rustls::crypto::ring::default_provider().install_default();
    TlsFiles::self_signed(dir)
        .expect("a self-signed certificate")
        .0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_is_offered_and_required() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(SimConfig {
        tls: Some(self_signed(dir.path())),
        require_secure_transport: true,
        ..config()
    })
    .await;
    let port = sim.mysql_addr().port();

    // mariadb-client 10.11: `--ssl` turns TLS on; the server certificate is not verified
    // unless --ssl-verify-server-cert is given.
    let out = cli(
        port,
        &[
            "-u",
            "root",
            "-ps3cret",
            "--ssl",
            "-N",
            "-B",
            "-e",
            "select current_version()",
        ],
        None,
    )
    .await;
    assert!(out.ok, "{out:?}");
    assert!(is_current_version(out.stdout.trim()), "{out:?}");
    let status = cli(
        port,
        &["-u", "root", "-ps3cret", "--ssl", "-e", "status"],
        None,
    )
    .await;
    assert!(status.ok, "{status:?}");
    assert!(status.stdout.contains("Cipher in use"), "{status:?}");
    // A wrong password over TLS is still StarRocks' 1045.
    let out = cli(
        port,
        &["-u", "root", "-pwrong", "--ssl", "-e", "select 1"],
        None,
    )
    .await;
    assert!(out.stderr.contains("ERROR 1045 (28000)"), "{out:?}");

    let out = cli(
        port,
        &["-u", "root", "-ps3cret", "--skip-ssl", "-e", "select 1"],
        None,
    )
    .await;
    assert!(!out.ok);
    assert!(
        out.stderr.contains(
            "ERROR 3159 (08004): Connections using insecure transport are prohibited while \
             --require_secure_transport=ON."
        ),
        "{out:?}"
    );

    tokio::task::spawn_blocking(move || {
        let url = format!("mysql://root:{PASSWORD}@127.0.0.1:{port}/");
        let plain = mysql::Conn::new(mysql::Opts::from_url(&url).unwrap());
        match plain {
            Err(mysql::Error::MySqlError(e)) => assert_eq!(e.code, 3159, "{e}"),
            Err(other) => panic!("expected 3159, got {other}"),
            Ok(_) => panic!("a plain connection must be refused"),
        }
        let opts = mysql::OptsBuilder::from_opts(mysql::Opts::from_url(&url).unwrap())
            .ssl_opts(mysql::SslOpts::default().with_danger_accept_invalid_certs(true));
        let mut conn = mysql::Conn::new(opts).expect("TLS connection with the mysql crate");
        let ver: Option<String> = conn.query_first("select current_version() as ver").unwrap();
        assert!(is_current_version(ver.as_deref().unwrap_or("")), "{ver:?}");
        let rows: Vec<mysql::Row> = conn
            .exec(
                "select SCHEMA_NAME from information_schema.SCHEMATA where SCHEMA_NAME = ?",
                ("information_schema",),
            )
            .unwrap();
        assert_eq!(rows.len(), 1);
    })
    .await
    .unwrap();
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selects_over_loaded_rows() {
    let sim = start(config()).await;
    let port = sim.mysql_addr().port();
    load_seed_ddl(port).await;

    let rows = [
        ("2024-05-28 10:00:00", "AAPL", "190.5"),
        ("2024-05-28 10:00:01", "AAPL", "191.25"),
        ("2024-05-28 10:00:02", "MSFT", "420"),
        ("2024-05-28 10:00:03", "AAPL", "189.75"),
        ("2024-05-28 10:00:04", "AMZN", "185.5"),
    ];
    let ops: Vec<RowOp> = rows
        .iter()
        .map(|(ts, ticker, price)| {
            RowOp::Upsert(vec![
                convert_text(ts, &SqlType::DateTime).unwrap(),
                Cell::Str((*ticker).to_string()),
                convert_text(price, &SqlType::Float).unwrap(),
            ])
        })
        .collect();
    let catalog = sim.catalog();
    catalog
        .begin("example_db", "stock", "test_label_1")
        .unwrap();
    catalog.commit("example_db", "test_label_1", ops).unwrap();

    assert_eq!(
        query(port, "select count(*) from example_db.stock").await,
        "5\n"
    );
    assert_eq!(
        query(port, "select count(DISTINCT ticker) from example_db.stock").await,
        "3\n"
    );
    assert_eq!(
        query(
            port,
            "select ticker, price from example_db.stock where ticker = 'AAPL' order by price desc limit 2"
        )
        .await,
        "AAPL\t191.25\nAAPL\t190.5\n"
    );
    assert_eq!(
        query(
            port,
            "use example_db; select count(*) from stock where price > 190"
        )
        .await,
        "3\n"
    );
    assert_eq!(
        query(port, "select * from example_db.stock where ticker = 'MSFT'").await,
        "2024-05-28 10:00:02\tMSFT\t420\n"
    );
    assert_eq!(
        query(
            port,
            "select ticker, count(*) from example_db.stock group by ticker order by ticker"
        )
        .await,
        "AAPL\t3\nAMZN\t1\nMSFT\t1\n"
    );
    // With column names, as a person reads them.
    let out = cli(
        port,
        &[
            "-u",
            "root",
            "-ps3cret",
            "-t",
            "-e",
            "select count(*) from example_db.stock",
        ],
        None,
    )
    .await;
    assert!(out.stdout.contains("| count(*) |"), "{out:?}");
    assert!(out.stdout.contains("|        5 |"), "{out:?}");
    sim.shutdown().await;
}
