//! The setup wizard under egui_kittest, driven by its labels, against the real backend
//! (`backend::spawn`) talking to the StarRocks stand-in (in-process), ferrokinesis (in-process) and
//! moto_server (STS and EC2, a child process):
//!
//! * a failing check shows its remediation and blocks Next (wrong password → ERROR 1045);
//! * the whole wizard from an empty profile to Start, and the pipeline's rows in the stand-in.
//!
//! Snapshot images of the Cluster, AWS & network and Review steps go to `tests/snapshots/`.

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use kinesis_starrocks::backend::{self, Backend, BackendOptions};
use ks_core::Secret;
use ks_local::{EmbeddedKinesis, create_stream, put_json_records, wait_active};
use ks_starrocks::MysqlAdmin;
use ks_tests::emulators::Emulator;
use ks_ui::protocol::{Reply, Request, SaveInfo};
use ks_ui::wizard::{Step, Wizard, WizardOutcome};
use starrocks_sim::{SimConfig, StarRocksSim};
use std::process::Command;
use std::time::{Duration, Instant};

const PASSWORD: &str = "sim-pw";
const STREAM: &str = "ticker-stream";
const RECORDS: u64 = 25;
const EGRESS_IP: &str = "203.0.113.7";

struct App {
    wizard: Wizard,
    backend: Backend,
    replies: std::sync::mpsc::Receiver<Reply>,
    errors: Vec<String>,
    outcomes: Vec<WizardOutcome>,
    saved: Vec<Result<SaveInfo, String>>,
    snapshots: u64,
}

fn app_ui(ui: &mut egui::Ui, app: &mut App) {
    while let Ok(reply) = app.replies.try_recv() {
        match reply {
            Reply::Wizard { ticket, reply } => app.wizard.on_reply(ticket, reply),
            Reply::Saved { ticket, result, .. } => {
                app.wizard.on_saved(ticket, &result);
                app.saved.push(result);
            }
            Reply::Snapshot { .. } => app.snapshots += 1,
            Reply::Error(error) => app.errors.push(error.to_string()),
            _ => {}
        }
    }
    if let Some(outcome) = app.wizard.ui(ui, &app.backend.link) {
        // What the app shell does with a Start: ask the backend to run the saved pipeline.
        if let WizardOutcome::Start(name) = &outcome {
            app.backend.link.send(Request::Start { name: name.clone() });
        }
        app.outcomes.push(outcome);
    }
}

fn harness(options: BackendOptions) -> Harness<'static, App> {
    let backend = backend::spawn(options, || {});
    let replies = backend.take_replies();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1100.0, 1100.0))
        .wgpu()
        .build_ui_state(
            app_ui,
            App {
                wizard: Wizard::new(),
                backend,
                replies,
                errors: Vec::new(),
                outcomes: Vec::new(),
                saved: Vec::new(),
                snapshots: 0,
            },
        );
    // The app's fonts and style (the same as the window's).
    ks_ui::theme::install(&h.ctx);
    h.run_steps(1);
    h
}

/// Steps the UI (replies arrive from the backend thread) until `pred` holds.
fn wait_until(
    h: &mut Harness<'_, App>,
    what: &str,
    secs: u64,
    pred: impl Fn(&Harness<'_, App>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        h.step();
        if pred(h) {
            h.run_steps(2);
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; backend errors: {:?}; on screen: {}",
            h.state().errors,
            screen_text(h)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every label on screen, for failure messages.
fn screen_text(h: &Harness<'_, App>) -> String {
    h.query_all(egui_kittest::kittest::by())
        .filter_map(|n| n.accesskit_node().label().or_else(|| n.value()))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" | ")
}

/// A snapshot with what changes from run to run masked: nodes whose text or value holds one of
/// `varying` (the stand-in's random ports, timings).
fn masked_snapshot(h: &mut Harness<'_, App>, name: &str, varying: &[String]) {
    let mut rects = Vec::new();
    // The rule description carries the host name and today's date.
    for needle in
        varying
            .iter()
            .map(String::as_str)
            .chain([" ms", "sg-", "kinesis-starrocks from "])
    {
        rects.extend(h.query_all_by_label_contains(needle).map(|n| n.rect()));
        let in_value = move |n: &egui_kittest::kittest::AccessKitNode<'_>| {
            n.value().is_some_and(|v| v.contains(needle))
        };
        rects.extend(
            h.query_all(egui_kittest::kittest::by().predicate(in_value))
                .map(|n| n.rect()),
        );
    }
    // To the right edge: a value of another width moves what follows it (Copy buttons).
    let right = h.ctx.content_rect().max.x;
    for r in rects {
        h.mask(egui::Rect::from_min_max(
            r.min - egui::vec2(2.0, 2.0),
            egui::pos2(right, r.max.y + 6.0),
        ));
    }
    h.snapshot(name);
}

fn sim_varying(sim: &StarRocksSim) -> Vec<String> {
    let port = |a: std::net::SocketAddr| a.port().to_string();
    vec![
        port(sim.mysql_addr()),
        port(sim.http_addr()),
        port(sim.be_addr()),
    ]
}

fn has(h: &Harness<'_, App>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

fn click(h: &mut Harness<'_, App>, label: &str) {
    // Long steps scroll: bring the widget into view first (a click lands where it is drawn).
    h.get_by_label(label).scroll_to_me();
    h.run_steps(2);
    h.get_by_label(label).click();
    h.run_steps(2);
}

fn enabled(h: &Harness<'_, App>, label: &str) -> bool {
    !h.get_by_label(label).accesskit_node().is_disabled()
}

/// Replaces a text field's value by its accessible name.
fn set_text(h: &mut Harness<'_, App>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run_steps(1);
    h.get_by_label(label).type_text(text);
    h.run_steps(2);
}

/// Runs a step's Test and waits for the run to finish (the summary line appears).
fn run_test(h: &mut Harness<'_, App>, button: &str) {
    click(h, button);
    wait_until(h, &format!("{button} to finish"), 60, |h| {
        has(h, " passed, ") && !has(h, "Running checks")
    });
}

fn choose_tls_disabled(h: &mut Harness<'_, App>) {
    click(h, "TLS mode");
    click(h, "disabled");
    assert_eq!(h.state().wizard.values().ssl_mode, "disabled");
}

fn sim_port(url: &str) -> String {
    url.rsplit(':').next().expect("a port").to_string()
}

fn stand_in(rt: &tokio::runtime::Runtime) -> StarRocksSim {
    rt.block_on(StarRocksSim::start(SimConfig {
        password: PASSWORD.into(),
        ..SimConfig::default()
    }))
    .expect("the stand-in starts")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Fills the Cluster step against the stand-in with `password`.
fn fill_cluster(h: &mut Harness<'_, App>, sim: &StarRocksSim, password: &str) {
    set_text(h, "Host", "127.0.0.1");
    set_text(h, "Query port", &sim_port(&sim.jdbc_url()));
    set_text(h, "Load URL", &sim.load_url());
    set_text(h, "Username", "root");
    set_text(h, "Password", password);
    choose_tls_disabled(h);
}

#[test]
fn failing_check_shows_remediation_and_blocks_next() {
    let rt = runtime();
    let sim = stand_in(&rt);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut h = harness(BackendOptions::for_tests(dir.path().join("pipelines")));
    h.run_steps(2);
    assert_eq!(h.state().wizard.step(), Step::Cluster);

    // Fields validate as they are typed.
    assert!(has(&h, "required: the FE host name"), "{}", screen_text(&h));
    set_text(&mut h, "Host", "jdbc:mysql://127.0.0.1:9030");
    assert!(has(&h, "is a URL: give only the host name"));
    set_text(&mut h, "Load URL", "ftp://127.0.0.1");
    assert!(has(&h, "expected http(s)://host[:port]"));
    assert!(!enabled(&h, "Test connection"), "invalid fields: no Test");
    assert!(!enabled(&h, "Next"));

    // The other way to give the address: a JDBC URL, parsed as it is typed.
    click(&mut h, "A JDBC URL");
    set_text(&mut h, "JDBC URL", "jdbc:postgresql://127.0.0.1:5432");
    assert!(
        has(&h, "expected jdbc:mysql://host:port"),
        "{}",
        screen_text(&h)
    );
    click(&mut h, "Host and port");
    fill_cluster(&mut h, &sim, "not-the-password");
    assert!(enabled(&h, "Test connection"), "{}", screen_text(&h));
    // The password field is masked by default; the toggle shows it.
    assert_ne!(
        h.get_by_label("Password").value().as_deref(),
        Some("not-the-password"),
        "masked"
    );
    click(&mut h, "Show password");
    assert_eq!(
        h.get_by_label("Password").value().as_deref(),
        Some("not-the-password"),
        "shown"
    );
    click(&mut h, "Show password");

    run_test(&mut h, "Test connection");
    assert!(
        has(&h, "ERROR 1045"),
        "the login failure says 1045: {}",
        screen_text(&h)
    );
    assert!(
        has(
            &h,
            "Fix: StarRocks refused the login of \"root\" (ERROR 1045): fix sink.username or the password"
        ),
        "the remediation is shown: {}",
        screen_text(&h)
    );
    assert!(!enabled(&h, "Next"), "a failed check blocks Next");
    assert!(has(&h, "check(s) failed"), "Next says why it is blocked");
    masked_snapshot(&mut h, "wizard_cluster_failed", &sim_varying(&sim));

    // The right password: every check passes and Next opens; Back keeps the values.
    set_text(&mut h, "Password", PASSWORD);
    assert!(!enabled(&h, "Next"), "a changed password needs a new test");
    run_test(&mut h, "Test connection");
    assert!(
        !has(&h, "ERROR 1045"),
        "the old result is gone: {}",
        screen_text(&h)
    );
    assert_eq!(h.state().wizard.values().host, "127.0.0.1");
    assert!(
        enabled(&h, "Next") || enabled(&h, "Continue anyway"),
        "checks passed: {}",
        screen_text(&h)
    );
    masked_snapshot(&mut h, "wizard_cluster_passed", &sim_varying(&sim));
    if enabled(&h, "Next") {
        click(&mut h, "Next");
    } else {
        click(&mut h, "Continue anyway");
    }
    assert_eq!(h.state().wizard.step(), Step::Aws);
    click(&mut h, "Back");
    assert_eq!(h.state().wizard.step(), Step::Cluster);
    assert_eq!(h.state().wizard.values().username, "root");
    assert_eq!(h.state().wizard.values().password.expose(), PASSWORD);

    // A step keeps its ✓ only while its last test passed with the current inputs: a failed
    // re-test takes it away and blocks Next.
    let cluster_done = format!("1 Cluster  {}", ks_ui::wizard::checks::MARK_PASS);
    assert!(has(&h, &cluster_done), "{}", screen_text(&h));
    set_text(&mut h, "Password", "not-the-password");
    run_test(&mut h, "Test connection");
    assert!(has(&h, "ERROR 1045"), "{}", screen_text(&h));
    assert!(!has(&h, &cluster_done), "a failed re-test keeps ✓");
    assert!(!enabled(&h, "Next"), "a failed re-test leaves Next enabled");
    assert!(!h.state().wizard.completed_steps().contains(&Step::Cluster));
    set_text(&mut h, "Password", PASSWORD);
    run_test(&mut h, "Test connection");
    next_or_continue(&mut h);
    assert_eq!(h.state().wizard.step(), Step::Aws);

    // A restart resumes the draft without its password: the Cluster step asks for it (no ✓, no
    // Next) before anything that needs it runs.
    let saved = serde_json::to_string(&h.state().wizard.draft()).unwrap();
    assert!(!saved.contains(PASSWORD));
    h.state_mut().wizard = Wizard::from_draft(serde_json::from_str(&saved).unwrap());
    h.run_steps(2);
    assert_eq!(h.state().wizard.step(), Step::Cluster);
    assert!(
        has(&h, "the password is never saved with a draft"),
        "{}",
        screen_text(&h)
    );
    assert!(!has(&h, &cluster_done));
    assert!(!enabled(&h, "Next"));
    set_text(&mut h, "Password", PASSWORD);
    run_test(&mut h, "Test connection");
    assert!(has(&h, &cluster_done), "{}", screen_text(&h));
    assert!(!has(&h, "the password is never saved with a draft"));

    // Cancel asks before typed values are dropped.
    click(&mut h, "Cancel setup");
    // A modal's first frame only measures it.
    h.run_steps(2);
    assert!(has(&h, "Discard this setup?"), "{:?}", h.state().outcomes);
    click(&mut h, "Keep editing");
    assert!(!has(&h, "Discard this setup?"));
    assert!(h.state().outcomes.is_empty());
    click(&mut h, "Cancel setup");
    h.run_steps(2);
    click(&mut h, "Discard");
    assert_eq!(h.state().outcomes, [WizardOutcome::Cancelled]);
    assert!(h.state().errors.is_empty(), "{:?}", h.state().errors);
}

/// Creates a security group in moto with boto3 (moto's own venv) and returns its id.
fn moto_python(moto: &Emulator, script: &str) -> String {
    let python = ks_tests::emulators::emulators_dir().join("venv/bin/python");
    let out = Command::new(&python)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .arg("-c")
        .arg(format!(
            "import boto3\nec2 = boto3.client('ec2', region_name='us-east-1', endpoint_url='{}', \
             aws_access_key_id='test', aws_secret_access_key='test')\n{script}",
            moto.endpoint
        ))
        .output()
        .unwrap_or_else(|e| panic!("{} (moto's venv): {e}", python.display()));
    assert!(
        out.status.success(),
        "boto3 against moto failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn whole_wizard_from_empty_profile_to_running_pipeline() {
    let rt = runtime();
    let sim = stand_in(&rt);
    let moto = Emulator::moto();
    let (kinesis_endpoint, _kinesis) = rt.block_on(async {
        let (endpoint, kinesis) = EmbeddedKinesis::start(EmbeddedKinesis::options())
            .await
            .expect("ferrokinesis");
        let client = kinesis.client().await;
        create_stream(&client, STREAM, 2).await.expect("create");
        wait_active(&client, STREAM).await.expect("active");
        let records: Vec<_> = (1..=RECORDS)
            .map(|i| {
                let ticker = ["AAPL", "AMZN", "MSFT", "INTC", "TBV"][(i % 5) as usize];
                serde_json::json!({
                    "event_time": format!("2024-05-28T19:53:{:02}.497201", i % 60),
                    "ticker": ticker,
                    "price": i as f64 * 1.25,
                })
            })
            .collect();
        let keys: Vec<String> = (0..RECORDS).map(|i| format!("pk-{i}")).collect();
        put_json_records(&client, STREAM, &records, &keys)
            .await
            .expect("put records");
        (endpoint, kinesis)
    });
    let sg = moto_python(
        &moto,
        "print(ec2.create_security_group(GroupName='starrocks-fe', Description='fe')['GroupId'])",
    );
    assert!(sg.starts_with("sg-"), "{sg}");
    // A group open to the world on the cluster's ports: it lets this machine in, with a warning.
    let open_sg = moto_python(
        &moto,
        &format!(
            "g = ec2.create_security_group(GroupName='starrocks-open', Description='open')['GroupId']\n\
             for p in ({}, {}):\n    \
                 ec2.authorize_security_group_ingress(GroupId=g, IpProtocol='tcp', FromPort=p, ToPort=p, CidrIp='0.0.0.0/0')\n\
             print(g)",
            sim.mysql_addr().port(),
            sim.http_addr().port()
        ),
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let mut options = BackendOptions::for_tests(dir.path().join("pipelines"));
    options.aws.sts_endpoint_url = Some(moto.endpoint.clone());
    options.aws.ec2_endpoint_url = Some(moto.endpoint.clone());
    // Never write a test password into a developer's real keyring: the session keeps it (the
    // keyring has its own test under a private Secret Service).
    options.keyring = false;
    let mut h = harness(options);
    h.run_steps(2);
    let mut aws_varying = sim_varying(&sim);
    aws_varying.push(sim_port(&kinesis_endpoint));
    aws_varying.push(std::process::id().to_string());

    // ---- Cluster ----
    fill_cluster(&mut h, &sim, PASSWORD);
    run_test(&mut h, "Test connection");
    next_or_continue(&mut h);
    assert_eq!(h.state().wizard.step(), Step::Aws);

    // ---- AWS & network ----
    wait_until(&mut h, "the profile list", 10, |h| {
        !has(h, "reading ~/.aws/config")
    });
    set_text(&mut h, "Region", "US East");
    assert!(has(&h, "expected a region such as us-west-2"));
    set_text(&mut h, "Region", "us-east-1");
    click(&mut h, "Advanced");
    set_text(&mut h, "Endpoint URL", &kinesis_endpoint);
    set_text(&mut h, "Egress IP", EGRESS_IP);
    // A group open to 0.0.0.0/0 on the MySQL port: a warning, which Next does not pass but
    // "Continue anyway" does.
    set_text(&mut h, "Security group ids", &open_sg);
    run_test(&mut h, "Test AWS & network");
    assert!(has(&h, "0.0.0.0/0"), "{}", screen_text(&h));
    assert!(!enabled(&h, "Next"), "a warning needs an explicit choice");
    assert!(enabled(&h, "Continue anyway"), "{}", screen_text(&h));
    set_text(&mut h, "Security group ids", "sg-nothex");
    assert!(has(&h, "expected ids like sg-0123456789abcdef0"));
    assert!(!enabled(&h, "Test AWS & network"));
    set_text(&mut h, "Security group ids", &sg);
    assert!(
        h.query_by_label("Continue anyway").is_none(),
        "the result was for other values"
    );
    click(&mut h, "Who am I");
    wait_until(&mut h, "the caller identity", 30, |h| has(h, "account "));
    run_test(&mut h, "Test AWS & network");
    assert!(
        has(&h, "AWS credentials and identity"),
        "{}",
        screen_text(&h)
    );
    // The security group lets nothing in: the missing rules are listed with a fix each.
    let fixes = h.query_all_by_label("Add rule for my IP").count();
    assert!(fixes >= 1, "missing rules offer a fix: {}", screen_text(&h));
    assert!(!enabled(&h, "Next"), "missing inbound rules block Next");
    for i in 0..fixes {
        h.query_all_by_label("Add rule for my IP")
            .next()
            .expect("a fix button")
            .click();
        h.run_steps(2);
        assert!(
            has(&h, "Add this inbound rule?"),
            "the confirmation shows first"
        );
        assert!(
            has(&h, &format!("{EGRESS_IP}/32")),
            "it shows the exact rule"
        );
        if i == 0 {
            masked_snapshot(&mut h, "wizard_aws_confirm_rule", &aws_varying);
        }
        click(&mut h, "Add this rule");
        wait_until(&mut h, "the rule to be added", 30, |h| {
            has(h, "Rule added") || has(h, "was not added")
        });
        assert!(has(&h, "Rule added"), "{}", screen_text(&h));
        // The step re-tests by itself after a rule was added.
        wait_until(&mut h, "the re-test", 60, |h| {
            has(h, " passed, ") && !has(h, "Running checks")
        });
        if h.query_all_by_label("Add rule for my IP").count() == 0 {
            break;
        }
    }
    let rules = moto_python(
        &moto,
        &format!(
            "g = ec2.describe_security_groups(GroupIds=['{sg}'])['SecurityGroups'][0]\n\
             print(sorted((p['FromPort'], r['CidrIp']) for p in g['IpPermissions'] for r in p['IpRanges']))"
        ),
    );
    assert!(
        rules.contains(&format!("'{EGRESS_IP}/32'")),
        "the rule is in the group: {rules}"
    );
    masked_snapshot(&mut h, "wizard_aws_step", &aws_varying);
    next_or_continue(&mut h);
    assert_eq!(h.state().wizard.step(), Step::Stream, "{}", screen_text(&h));

    // ---- Stream (H6b's step, driven by its labels) ----
    wait_until(&mut h, "the stream list", 30, |h| has(h, STREAM));
    click(&mut h, STREAM);
    click(&mut h, "TRIM_HORIZON");
    click(&mut h, "Sample");
    wait_until(&mut h, "the samples", 30, |h| {
        !h.state().wizard.values().samples.is_empty()
    });
    next_or_continue(&mut h);
    assert_eq!(h.state().wizard.step(), Step::Table, "{}", screen_text(&h));

    // ---- Table: create it from the samples ----
    wait_until(&mut h, "the column grid", 10, |h| {
        h.query_by_label("Column 1 name").is_some()
    });
    set_text(&mut h, "Database", "market");
    set_text(&mut h, "Table", "ticks");
    click(&mut h, "Create table");
    wait_until(&mut h, "the table", 30, |h| {
        has(h, "Created. Statements run")
    });
    wait_until(&mut h, "Next to open", 30, |h| {
        enabled(h, "Next") || has(h, "Continue anyway")
    });
    next_or_continue(&mut h);
    assert_eq!(h.state().wizard.step(), Step::Review, "{}", screen_text(&h));

    // ---- Review: Edit goes back with values kept; Save and start ----
    click(&mut h, "Edit Cluster");
    assert_eq!(h.state().wizard.step(), Step::Cluster);
    assert_eq!(h.state().wizard.values().host, "127.0.0.1");
    assert!(enabled(&h, "Next"), "a completed step stays complete");
    click(&mut h, "5 Review");
    assert_eq!(h.state().wizard.step(), Step::Review);
    // A unique name: the pipeline's state goes to the default (per-name) state dir.
    let name = format!("wiz-{}", std::process::id());
    set_text(&mut h, "Pipeline name", &name);
    masked_snapshot(&mut h, "wizard_review_step", &aws_varying);
    // Save alone keeps the wizard open with where it went; then Save and start.
    click(&mut h, "Save");
    wait_until(&mut h, "the save", 30, |h| !h.state().saved.is_empty());
    assert!(has(&h, &format!("Saved {name} to")), "{}", screen_text(&h));
    assert!(h.query_by_label("Close").is_some(), "Close ends the wizard");
    assert!(h.state().outcomes.is_empty());
    click(&mut h, "Save and start");
    wait_until(&mut h, "the second save", 30, |h| {
        h.state().saved.len() == 2
    });
    let saved = h.state().saved[1].clone().expect("saved");
    assert!(saved.path.exists(), "{}", saved.path.display());
    let text = std::fs::read_to_string(&saved.path).expect("config file");
    assert!(!text.contains(PASSWORD), "no password in the config file");
    assert!(text.contains(&format!("stream = \"{STREAM}\"")), "{text}");
    assert!(has(&h, &format!("Saved {name} to")), "{}", screen_text(&h));
    assert_eq!(saved.keyring_warning, None, "the keyring was not asked");
    wait_until(&mut h, "the Start outcome", 10, |h| {
        h.state()
            .outcomes
            .contains(&WizardOutcome::Start(name.clone()))
    });

    // ---- The running pipeline's rows land in the stand-in ----
    let deadline = Instant::now() + Duration::from_secs(60);
    let rows = loop {
        h.step();
        let n = rt.block_on(count_rows(&sim, "market", "ticks"));
        if n >= RECORDS || Instant::now() > deadline {
            break n;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(
        rows,
        RECORDS,
        "every produced record is in market.ticks; backend errors: {:?}",
        h.state().errors
    );
    assert!(h.state().snapshots > 0, "the backend sends snapshots");
    h.state_mut()
        .backend
        .link
        .send(Request::Stop { name: name.clone() });
    h.run_steps(2);
    drop(h);
    if let Some(state) = ks_core::config::default_state_dir(&name) {
        let _ = std::fs::remove_dir_all(state);
    }
}

fn next_or_continue(h: &mut Harness<'_, App>) {
    if enabled(h, "Next") {
        click(h, "Next");
    } else if h.query_by_label("Continue anyway").is_some() {
        click(h, "Continue anyway");
    } else {
        panic!("Next is blocked: {}", screen_text(h));
    }
}

async fn count_rows(sim: &StarRocksSim, db: &str, table: &str) -> u64 {
    let jdbc = ks_core::config::JdbcUrl::parse(&sim.jdbc_url()).expect("jdbc url");
    let Ok(admin) = MysqlAdmin::connect(
        &jdbc,
        "root",
        &Secret::new(PASSWORD),
        ks_core::config::SslMode::Disabled,
        Duration::from_secs(5),
    )
    .await
    else {
        return 0;
    };
    match admin
        .query(&format!("SELECT COUNT(*) FROM `{db}`.`{table}`"))
        .await
    {
        Ok(rows) => rows
            .first()
            .and_then(|r| r.first().cloned().flatten())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        Err(_) => 0,
    }
}
