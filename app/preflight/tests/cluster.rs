//! The Cluster checks against the real StarRocks stand-in (in-process, ephemeral ports): a
//! passing run and each failure with its remediation text.

mod common;

use common::{blackhole, create_stock_table, dead_port, remediation, run_group, status, tls_files};
use ks_core::check::{CheckGroup, CheckReport, CheckStatus};
use ks_core::config::{JdbcUrl, SslMode};
use ks_core::{PipelineConfig, Secret};
use ks_local::PipelineToml;
use ks_local::world::{Endpoints, STREAM, pipeline_config};
use ks_preflight::PreflightContext;
use ks_starrocks::MysqlAdmin;
use starrocks_sim::{SimConfig, StarRocksSim};
use std::time::Duration;

/// Distinctive, so that its absence from every detail and remediation means something.
const PASSWORD: &str = "Pw-h1-7f3c9e-never-shown";

const IDS: [&str; 6] = [
    "cluster.dns",
    "cluster.tcp",
    "cluster.tls",
    "cluster.login",
    "cluster.version",
    "cluster.grants",
];

async fn start(config: SimConfig) -> StarRocksSim {
    StarRocksSim::start(SimConfig {
        password: PASSWORD.into(),
        ..config
    })
    .await
    .expect("start the stand-in")
}

async fn create_table(sim: &StarRocksSim, ssl_mode: SslMode) {
    let jdbc = JdbcUrl::parse(&sim.jdbc_url()).unwrap();
    let admin = MysqlAdmin::connect(
        &jdbc,
        "root",
        &Secret::new(PASSWORD),
        ssl_mode,
        Duration::from_secs(10),
    )
    .await
    .expect("admin login");
    create_stock_table(&admin).await;
}

fn config(jdbc: &str, load: &str, sink_extra: &str) -> PipelineConfig {
    let p = PipelineToml {
        name: "h1-cluster",
        sink: sink_extra,
        ..PipelineToml::default()
    };
    pipeline_config(&Endpoints::new(STREAM, jdbc, load), &p).unwrap_or_else(|e| panic!("{e}"))
}

fn ctx(config: PipelineConfig, password: Option<&str>) -> PreflightContext {
    let mut ctx = PreflightContext::new(config, password.map(Secret::new));
    ctx.timeout = Duration::from_secs(5);
    ctx
}

async fn run(ctx: &PreflightContext) -> CheckReport {
    run_group(ctx, CheckGroup::Cluster, &IDS, PASSWORD).await
}

fn assert_skipped_from(report: &CheckReport, first: &str, because: &str) {
    let from = IDS.iter().position(|i| *i == first).unwrap();
    for id in &IDS[from..] {
        let c = report.get(id).unwrap();
        assert_eq!(c.status, CheckStatus::Skipped, "{id}: {report:#?}");
        assert!(c.detail.contains(because), "{id}: {}", c.detail);
    }
}

#[tokio::test]
async fn every_check_passes_against_a_healthy_cluster() {
    let sim = start(SimConfig::default()).await;
    create_table(&sim, SslMode::Disabled).await;
    let report = run(&ctx(
        config(&sim.jdbc_url(), &sim.load_url(), "ssl-mode = \"preferred\""),
        Some(PASSWORD),
    ))
    .await;
    for id in IDS {
        assert_eq!(status(&report, id), CheckStatus::Pass, "{report:#?}");
    }
    assert!(
        report
            .get("cluster.dns")
            .unwrap()
            .detail
            .contains("IP address")
    );
    assert!(
        report
            .get("cluster.tcp")
            .unwrap()
            .detail
            .contains(&sim.mysql_addr().to_string())
    );
    assert!(
        report
            .get("cluster.tls")
            .unwrap()
            .detail
            .contains("does not offer TLS"),
        "{report:#?}"
    );
    let version = &report.get("cluster.version").unwrap().detail;
    assert!(version.contains("StarRocks 3.3.5"), "{version}");
    let grants = &report.get("cluster.grants").unwrap().detail;
    assert!(grants.contains("GRANT 'root' TO 'root'@'%'"), "{grants}");
    assert!(
        grants.contains("table example_db.stock: exists"),
        "{grants}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_name_that_does_not_resolve_fails_dns_and_skips_the_rest() {
    let report = run(&ctx(
        config(
            "jdbc:mysql://fe-0.nowhere.invalid:9030",
            "http://fe-0.nowhere.invalid:8030",
            "",
        ),
        Some(PASSWORD),
    ))
    .await;
    assert_eq!(status(&report, "cluster.dns"), CheckStatus::Fail);
    let r = remediation(&report, "cluster.dns");
    assert!(r.contains("fe-0.nowhere.invalid"), "{r}");
    assert!(r.contains("CelerData console"), "{r}");
    assert!(
        report
            .get("cluster.dns")
            .unwrap()
            .detail
            .contains("does not resolve")
    );
    assert_skipped_from(&report, "cluster.tcp", "cluster.dns");
    assert!(!report.passed());
}

#[tokio::test]
async fn a_port_with_nothing_listening_is_refused() {
    let port = dead_port();
    let report = run(&ctx(
        config(
            &format!("jdbc:mysql://127.0.0.1:{port}"),
            "http://127.0.0.1:8030",
            "",
        ),
        Some(PASSWORD),
    ))
    .await;
    assert_eq!(status(&report, "cluster.dns"), CheckStatus::Pass);
    assert_eq!(status(&report, "cluster.tcp"), CheckStatus::Fail);
    let c = report.get("cluster.tcp").unwrap();
    assert!(c.detail.contains("connection refused"), "{}", c.detail);
    let r = remediation(&report, "cluster.tcp");
    assert!(
        r.contains(&format!("Nothing listens on 127.0.0.1:{port}")),
        "{r}"
    );
    assert!(r.contains("9030"), "{r}");
    assert_skipped_from(&report, "cluster.tls", "cluster.tcp");
}

#[tokio::test]
async fn a_wrong_password_fails_the_login_with_1045() {
    let sim = start(SimConfig::default()).await;
    let report = run(&ctx(
        config(&sim.jdbc_url(), &sim.load_url(), "ssl-mode = \"disabled\""),
        Some("not-the-password"),
    ))
    .await;
    assert_eq!(status(&report, "cluster.tcp"), CheckStatus::Pass);
    assert_eq!(status(&report, "cluster.tls"), CheckStatus::Pass);
    assert_eq!(status(&report, "cluster.login"), CheckStatus::Fail);
    let login = report.get("cluster.login").unwrap();
    assert!(
        login.detail.contains("Access denied for user 'root'"),
        "{}",
        login.detail
    );
    assert!(!login.detail.contains("not-the-password"));
    let r = remediation(&report, "cluster.login");
    assert!(r.contains("ERROR 1045"), "{r}");
    assert!(r.contains("\"root\""), "{r}");
    assert!(r.contains("STARROCKS_PASSWORD"), "{r}");
    assert_skipped_from(&report, "cluster.version", "cluster.login");
    sim.shutdown().await;
}

#[tokio::test]
async fn no_password_names_the_three_ways_to_give_one() {
    let sim = start(SimConfig::default()).await;
    let report = run(&ctx(config(&sim.jdbc_url(), &sim.load_url(), ""), None)).await;
    assert_eq!(status(&report, "cluster.tcp"), CheckStatus::Pass);
    assert_eq!(status(&report, "cluster.tls"), CheckStatus::Skipped);
    assert_eq!(status(&report, "cluster.login"), CheckStatus::Fail);
    let detail = &report.get("cluster.login").unwrap().detail;
    // ks_core::resolve_password's text, with the keyring account.
    assert!(detail.contains("root@127.0.0.1"), "{detail}");
    let r = remediation(&report, "cluster.login");
    for way in ["password-file", "STARROCKS_PASSWORD", "keyring"] {
        assert!(r.contains(way), "{way} missing from {r}");
    }
    assert_skipped_from(&report, "cluster.version", "cluster.login");
    sim.shutdown().await;
}

#[tokio::test]
async fn tls_required_by_the_server_but_ssl_mode_disabled() {
    let dir = tempfile::tempdir().unwrap();
    let files = tls_files(dir.path());
    let cert = files.cert.clone();
    let sim = start(SimConfig {
        tls: Some(files),
        require_secure_transport: true,
        ..Default::default()
    })
    .await;
    create_table(&sim, SslMode::Required).await;

    // Off: ERROR 3159, and the remediation says which ssl-mode to set.
    let report = run(&ctx(
        config(&sim.jdbc_url(), &sim.load_url(), "ssl-mode = \"disabled\""),
        Some(PASSWORD),
    ))
    .await;
    assert_eq!(status(&report, "cluster.tcp"), CheckStatus::Pass);
    assert_eq!(status(&report, "cluster.tls"), CheckStatus::Fail);
    let tls = report.get("cluster.tls").unwrap();
    assert!(tls.detail.contains("3159"), "{}", tls.detail);
    let r = remediation(&report, "cluster.tls");
    assert!(r.contains("set ssl-mode = \"required\""), "{r}");
    assert!(r.contains("CelerData"), "{r}");
    assert_skipped_from(&report, "cluster.login", "cluster.tls");

    // verify-ca with a self-signed certificate and no ssl-ca: the chain does not verify.
    let report = run(&ctx(
        config(&sim.jdbc_url(), &sim.load_url(), "ssl-mode = \"verify-ca\""),
        Some(PASSWORD),
    ))
    .await;
    assert_eq!(
        status(&report, "cluster.tls"),
        CheckStatus::Fail,
        "{report:#?}"
    );
    let r = remediation(&report, "cluster.tls");
    assert!(r.contains("sink.ssl-ca"), "{r}");

    // required: encrypted, certificate not checked; everything passes.
    let report = run(&ctx(
        config(&sim.jdbc_url(), &sim.load_url(), "ssl-mode = \"required\""),
        Some(PASSWORD),
    ))
    .await;
    for id in IDS {
        assert_eq!(status(&report, id), CheckStatus::Pass, "{report:#?}");
    }
    let tls = &report.get("cluster.tls").unwrap().detail;
    assert!(tls.contains("TLS handshake"), "{tls}");
    assert!(tls.contains("not verified"), "{tls}");
    assert!(
        report
            .get("cluster.login")
            .unwrap()
            .detail
            .contains("(TLS)")
    );

    // verify-identity with the certificate as ssl-ca: chain and name verified.
    let report = run(&ctx(
        config(
            &sim.jdbc_url(),
            &sim.load_url(),
            &format!(
                "ssl-mode = \"verify-identity\"\nssl-ca = \"{}\"",
                cert.display()
            ),
        ),
        Some(PASSWORD),
    ))
    .await;
    assert_eq!(
        status(&report, "cluster.tls"),
        CheckStatus::Pass,
        "{report:#?}"
    );
    let tls = &report.get("cluster.tls").unwrap().detail;
    assert!(tls.contains("names 127.0.0.1"), "{tls}");
    sim.shutdown().await;
}

#[tokio::test]
async fn no_insert_grant_fails_with_the_grant_statement() {
    let sim = start(SimConfig {
        insert_grants: Some(vec![]),
        ..Default::default()
    })
    .await;
    create_table(&sim, SslMode::Disabled).await;
    let report = run(&ctx(
        config(&sim.jdbc_url(), &sim.load_url(), ""),
        Some(PASSWORD),
    ))
    .await;
    for id in &IDS[..5] {
        assert_eq!(status(&report, id), CheckStatus::Pass, "{report:#?}");
    }
    assert_eq!(status(&report, "cluster.grants"), CheckStatus::Fail);
    let detail = &report.get("cluster.grants").unwrap().detail;
    assert!(
        detail.contains("INSERT on example_db.stock: no"),
        "{detail}"
    );
    let r = remediation(&report, "cluster.grants");
    assert!(
        r.contains("GRANT INSERT ON example_db.stock TO USER 'root'@'%'"),
        "{r}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn insert_without_create_warns_only_while_the_table_is_missing() {
    let sim = start(SimConfig {
        insert_grants: Some(vec!["example_db.stock".into()]),
        ..Default::default()
    })
    .await;
    let cfg = config(&sim.jdbc_url(), &sim.load_url(), "");

    // No table yet: init-table would need CREATE TABLE.
    let report = run(&ctx(cfg.clone(), Some(PASSWORD))).await;
    assert_eq!(
        status(&report, "cluster.grants"),
        CheckStatus::Warn,
        "{report:#?}"
    );
    let detail = &report.get("cluster.grants").unwrap().detail;
    assert!(
        detail.contains("GRANT SELECT, INSERT ON TABLE example_db.stock TO USER 'root'@'%'"),
        "{detail}"
    );
    assert!(detail.contains("does not exist yet"), "{detail}");
    let r = remediation(&report, "cluster.grants");
    assert!(
        r.contains("GRANT CREATE TABLE ON DATABASE example_db TO USER 'root'@'%'"),
        "{r}"
    );

    // With the table in place CREATE is not needed.
    create_table(&sim, SslMode::Disabled).await;
    let report = run(&ctx(cfg, Some(PASSWORD))).await;
    assert_eq!(
        status(&report, "cluster.grants"),
        CheckStatus::Pass,
        "{report:#?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_dropped_connect_says_no_route_with_the_real_port() {
    let (_listener, _held, addr) = blackhole().await;
    let port = addr.port();
    let mut c = ctx(
        config(
            &format!("jdbc:mysql://127.0.0.1:{port}"),
            "http://127.0.0.1:8030",
            "",
        ),
        Some(PASSWORD),
    );
    c.timeout = Duration::from_millis(500);
    let report = run(&c).await;
    assert_eq!(status(&report, "cluster.tcp"), CheckStatus::Fail);
    let d = &report.get("cluster.tcp").unwrap().detail;
    assert!(d.contains("no answer within 500 ms"), "{d}");
    let r = remediation(&report, "cluster.tcp");
    assert!(
        r.starts_with(&format!(
            "no route: the security group or network blocks port {port} from this machine"
        )),
        "{r}"
    );
    assert_skipped_from(&report, "cluster.tls", "cluster.tcp");
}

#[tokio::test]
async fn a_jdbc_url_on_the_http_port_is_faq_2() {
    let sim = start(SimConfig::default()).await;
    let mut c = ctx(
        config(
            &format!("jdbc:mysql://{}", sim.http_addr()),
            &sim.load_url(),
            "ssl-mode = \"disabled\"",
        ),
        Some(PASSWORD),
    );
    c.timeout = Duration::from_secs(1);
    let report = run(&c).await;
    assert_eq!(status(&report, "cluster.tcp"), CheckStatus::Pass);
    assert_eq!(
        status(&report, "cluster.tls"),
        CheckStatus::Fail,
        "{report:#?}"
    );
    let r = remediation(&report, "cluster.tls");
    assert!(r.contains("Failed to get StarRocks version"), "{r}");
    assert!(r.contains("not the HTTP port (8030)"), "{r}");
    assert_skipped_from(&report, "cluster.login", "cluster.tls");
    sim.shutdown().await;
}

/// Before 2.4 StarRocks has no transaction API: several loads in flight cannot keep their commit
/// order there, so the version check says to load one at a time.
#[tokio::test]
async fn several_loads_in_flight_need_starrocks_2_4() {
    let sim = start(SimConfig {
        version: "2.3.12".into(),
        ..SimConfig::default()
    })
    .await;
    create_table(&sim, SslMode::Disabled).await;
    let report = run(&ctx(
        config(&sim.jdbc_url(), &sim.load_url(), ""),
        Some(PASSWORD),
    ))
    .await;
    let v = report.get("cluster.version").unwrap();
    assert_eq!(v.status, CheckStatus::Fail, "{report:#?}");
    assert!(v.detail.contains("StarRocks 2.3.12"), "{}", v.detail);
    let fix = v.remediation.as_deref().unwrap_or_default();
    assert!(fix.contains("sink.max-inflight-loads = 1"), "{fix}");
    let one = run(&ctx(
        config(&sim.jdbc_url(), &sim.load_url(), "max-inflight-loads = 1"),
        Some(PASSWORD),
    ))
    .await;
    assert_eq!(
        status(&one, "cluster.version"),
        CheckStatus::Pass,
        "{one:#?}"
    );
    sim.shutdown().await;
}
