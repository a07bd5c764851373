//! The Stream Load checks against the real StarRocks stand-in (in-process, ephemeral ports): a
//! passing run through the FE's 307, a load-url that is a BE, and each failure with its
//! remediation text.

mod common;

use common::{
    blackhole, create_stock_table, dead_port, detail, remediation, run_group, status, tls_files,
};
use ks_core::check::{CheckGroup, CheckReport, CheckStatus};
use ks_core::{PipelineConfig, Secret};
use ks_local::PipelineToml;
use ks_local::world::{Endpoints, STREAM, pipeline_config};
use ks_preflight::PreflightContext;
use ks_starrocks::MysqlAdmin;
use starrocks_sim::{SimConfig, StarRocksSim};
use std::time::Duration;

/// Distinctive, so that its absence from every detail and remediation means something.
const PASSWORD: &str = "Pw-h1-load-5d81a0-never-shown";

const IDS: [&str; 3] = ["load.http", "load.auth", "load.redirect"];

async fn start(config: SimConfig) -> StarRocksSim {
    let sim = StarRocksSim::start(SimConfig {
        password: PASSWORD.into(),
        ..config
    })
    .await
    .expect("start the stand-in");
    create_stock_table(&admin(&sim).await).await;
    sim
}

async fn admin(sim: &StarRocksSim) -> MysqlAdmin {
    ks_local::root_admin(sim, PASSWORD)
        .await
        .expect("admin login")
}

async fn rows_in_table(sim: &StarRocksSim) -> String {
    let rows = admin(sim)
        .await
        .query("select count(*) from example_db.stock")
        .await
        .unwrap();
    rows[0][0].clone().unwrap_or_default()
}

fn config(load: &str, sink_extra: &str) -> PipelineConfig {
    let sink = format!("properties.format = \"json\"\n{sink_extra}");
    let p = PipelineToml {
        name: "h1-load",
        sink: &sink,
        ..PipelineToml::default()
    };
    let at = Endpoints::new(STREAM, "jdbc:mysql://127.0.0.1:9030", load);
    pipeline_config(&at, &p).unwrap_or_else(|e| panic!("{e}"))
}

fn ctx(load: &str, password: Option<&str>) -> PreflightContext {
    ctx_with(load, "", password)
}

fn ctx_with(load: &str, sink_extra: &str, password: Option<&str>) -> PreflightContext {
    let mut ctx = PreflightContext::new(config(load, sink_extra), password.map(Secret::new));
    ctx.timeout = Duration::from_secs(5);
    ctx
}

async fn run(ctx: &PreflightContext) -> CheckReport {
    let report = run_group(ctx, CheckGroup::StreamLoad, &IDS, PASSWORD).await;
    for c in &report.checks {
        // Nor the password's Basic-auth form.
        let text = format!("{} {:?}", c.detail, c.remediation);
        assert!(!text.contains("Basic "), "{}: {text}", c.id);
    }
    report
}

#[tokio::test]
async fn every_check_passes_through_the_fe_redirect() {
    let sim = start(SimConfig::default()).await;
    let report = run(&ctx(&sim.load_url(), Some(PASSWORD))).await;
    for id in IDS {
        assert_eq!(status(&report, id), CheckStatus::Pass, "{report:#?}");
    }
    assert!(
        detail(&report, "load.http").contains("answered HTTP 404"),
        "{report:#?}"
    );
    let auth = detail(&report, "load.auth");
    assert!(auth.contains("HTTP 307"), "{auth}");
    assert!(
        auth.contains(&format!("Location: http://{}", sim.be_addr())),
        "{auth}"
    );
    let redirect = detail(&report, "load.redirect");
    assert!(redirect.contains("loopback"), "{redirect}");
    assert!(
        redirect.contains(&format!("TCP connect to {} succeeded", sim.be_addr())),
        "{redirect}"
    );
    // The probe loaded nothing.
    assert_eq!(rows_in_table(&sim).await, "0");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_load_url_that_is_a_be_passes_without_a_redirect() {
    let sim = start(SimConfig::default()).await;
    let report = run(&ctx(&format!("http://{}", sim.be_addr()), Some(PASSWORD))).await;
    for id in IDS {
        assert_eq!(status(&report, id), CheckStatus::Pass, "{report:#?}");
    }
    assert!(
        detail(&report, "load.auth").contains("like a BE/CN node")
            && detail(&report, "load.auth").contains("the empty body loaded no rows"),
        "{report:#?}"
    );
    assert!(
        detail(&report, "load.redirect").contains("without a redirect"),
        "{report:#?}"
    );
    assert_eq!(rows_in_table(&sim).await, "0");
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_credentials_get_401_naming_the_user() {
    let sim = start(SimConfig::default()).await;
    let report = run(&ctx(&sim.load_url(), Some("wrong-password"))).await;
    assert_eq!(status(&report, "load.http"), CheckStatus::Pass);
    assert_eq!(status(&report, "load.auth"), CheckStatus::Fail);
    let d = detail(&report, "load.auth");
    assert!(d.contains("HTTP 401"), "{d}");
    assert!(d.contains("Access denied for root@"), "{d}");
    assert!(!d.contains("wrong-password"), "{d}");
    let r = remediation(&report, "load.auth");
    assert!(r.contains("user \"root\""), "{r}");
    assert!(r.contains("refused"), "{r}");
    assert_eq!(status(&report, "load.redirect"), CheckStatus::Skipped);
    assert!(detail(&report, "load.redirect").contains("load.auth"));
    sim.shutdown().await;
}

#[tokio::test]
async fn no_insert_privilege_is_told_apart_from_bad_credentials() {
    let sim = start(SimConfig {
        insert_grants: Some(vec![]),
        ..Default::default()
    })
    .await;
    let report = run(&ctx(&sim.load_url(), Some(PASSWORD))).await;
    assert_eq!(status(&report, "load.auth"), CheckStatus::Fail);
    let r = remediation(&report, "load.auth");
    assert!(r.contains("credentials of \"root\" are accepted"), "{r}");
    assert!(
        r.contains("GRANT INSERT ON example_db.stock TO USER 'root'@'%'"),
        "{r}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_redirect_to_a_name_that_does_not_resolve_fails_without_connecting() {
    let sim = start(SimConfig {
        be_host: Some("be-0.internal.invalid".into()),
        be_redirect_port: Some(8040),
        ..Default::default()
    })
    .await;
    let report = run(&ctx(&sim.load_url(), Some(PASSWORD))).await;
    assert_eq!(status(&report, "load.http"), CheckStatus::Pass);
    assert_eq!(status(&report, "load.auth"), CheckStatus::Pass);
    assert_eq!(status(&report, "load.redirect"), CheckStatus::Fail);
    let d = detail(&report, "load.redirect");
    assert!(
        d.contains("http://be-0.internal.invalid:8040/api/example_db/stock/_stream_load"),
        "{d}"
    );
    assert!(d.contains("does not resolve"), "{d}");
    let r = remediation(&report, "load.redirect");
    assert!(r.contains("be-0.internal.invalid"), "{r}");
    for fix in [
        "BE/CN nodes directly",
        ":8040",
        "FE proxy",
        "HTTPS load endpoint",
    ] {
        assert!(r.contains(fix), "{fix} missing from {r}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_loopback_redirect_with_nothing_listening_fails() {
    let port = dead_port();
    let sim = start(SimConfig {
        be_redirect_port: Some(port),
        ..Default::default()
    })
    .await;
    let report = run(&ctx(&sim.load_url(), Some(PASSWORD))).await;
    assert_eq!(status(&report, "load.redirect"), CheckStatus::Fail);
    let d = detail(&report, "load.redirect");
    assert!(d.contains("connection refused"), "{d}");
    assert!(
        remediation(&report, "load.redirect").contains(&format!("127.0.0.1:{port}")),
        "{report:#?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_closed_port_fails_and_skips_the_rest() {
    let port = dead_port();
    let report = run(&ctx(&format!("http://127.0.0.1:{port}"), Some(PASSWORD))).await;
    assert_eq!(status(&report, "load.http"), CheckStatus::Fail);
    assert!(detail(&report, "load.http").contains("connection refused"));
    let r = remediation(&report, "load.http");
    assert!(
        r.contains(&format!("Nothing listens on 127.0.0.1:{port}")),
        "{r}"
    );
    assert!(r.contains("8030"), "{r}");
    for id in ["load.auth", "load.redirect"] {
        assert_eq!(status(&report, id), CheckStatus::Skipped);
        assert!(detail(&report, id).contains("load.http"));
    }

    // https on a closed port: FAQ 3's "Failed to connect to address".
    let report = run(&ctx(&format!("https://127.0.0.1:{port}"), Some(PASSWORD))).await;
    assert_eq!(status(&report, "load.http"), CheckStatus::Fail);
    let r = remediation(&report, "load.http");
    assert!(r.contains("Failed to connect to address"), "{r}");
    assert!(r.contains("https on 443"), "{r}");
    assert!(r.contains("http://127.0.0.1:8030"), "{r}");
}

#[tokio::test]
async fn https_to_a_plain_http_port_says_ssl_is_not_enabled() {
    let sim = start(SimConfig::default()).await;
    let url = format!("https://{}", sim.http_addr());
    let report = run(&ctx(&url, Some(PASSWORD))).await;
    assert_eq!(
        status(&report, "load.http"),
        CheckStatus::Fail,
        "{report:#?}"
    );
    let r = remediation(&report, "load.http");
    assert!(r.contains("SSL is not enabled"), "{r}");
    assert!(r.contains("http://127.0.0.1:8030"), "{r}");
    sim.shutdown().await;
}

#[tokio::test]
async fn several_load_urls_say_which_one_is_used() {
    let sim = start(SimConfig::default()).await;
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let both = format!("{dead};{}", sim.load_url());
    let report = run(&ctx(&both, Some(PASSWORD))).await;
    assert_eq!(
        status(&report, "load.http"),
        CheckStatus::Warn,
        "{report:#?}"
    );
    let d = detail(&report, "load.http");
    assert!(
        d.contains(&format!("the next checks use {}", sim.load_url())),
        "{d}"
    );
    assert!(
        remediation(&report, "load.http").starts_with("1 of 2 load-urls did not answer"),
        "{report:#?}"
    );
    assert_eq!(status(&report, "load.auth"), CheckStatus::Pass);
    assert_eq!(status(&report, "load.redirect"), CheckStatus::Pass);
    sim.shutdown().await;
}

#[tokio::test]
async fn https_with_a_private_ca_needs_ssl_ca() {
    let dir = tempfile::tempdir().unwrap();
    let files = tls_files(dir.path());
    let cert = files.cert.clone();
    let sim = start(SimConfig {
        tls: Some(files),
        ..Default::default()
    })
    .await;
    assert!(sim.load_url().starts_with("https://"));

    // The self-signed certificate is not trusted without ssl-ca.
    let report = run(&ctx(&sim.load_url(), Some(PASSWORD))).await;
    assert_eq!(
        status(&report, "load.http"),
        CheckStatus::Fail,
        "{report:#?}"
    );
    assert!(
        detail(&report, "load.http").contains("certificate"),
        "{report:#?}"
    );
    let r = remediation(&report, "load.http");
    assert!(r.contains("is not trusted"), "{r}");
    assert!(r.contains("sink.ssl-ca"), "{r}");

    // With it, HTTPS, the credentials and the redirect all pass.
    let report = run(&ctx_with(
        &sim.load_url(),
        &format!("ssl-mode = \"required\"\nssl-ca = \"{}\"", cert.display()),
        Some(PASSWORD),
    ))
    .await;
    for id in IDS {
        assert_eq!(status(&report, id), CheckStatus::Pass, "{report:#?}");
    }
    assert!(
        detail(&report, "load.http").contains("TLS handshake and certificate ok"),
        "{report:#?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_dropped_connect_to_the_load_url_says_no_route() {
    let (listener, _held, addr) = blackhole().await;
    let mut c = ctx(&format!("http://{addr}"), Some(PASSWORD));
    c.timeout = Duration::from_millis(500);
    let report = run(&c).await;
    assert_eq!(status(&report, "load.http"), CheckStatus::Fail);
    let r = remediation(&report, "load.http");
    assert!(
        r.starts_with(&format!(
            "no route: the security group or network blocks port {} from this machine",
            addr.port()
        )),
        "{r}"
    );
    drop(listener);
}
