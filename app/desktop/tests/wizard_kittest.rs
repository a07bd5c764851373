//! The setup wizard under egui_kittest, driven by its labels, against the real backend
//! (`backend::spawn`) talking to the StarRocks stand-in (in-process), ferrokinesis (in-process) and
//! moto_server (STS and EC2, a child process):
//!
//! * a failing check shows its remediation and blocks Next (wrong password → ERROR 1045);
//! * the whole wizard from an empty profile to Start, and the pipeline's rows in the stand-in.
//!
//! Snapshot images of the Cluster, AWS & network and Review steps go to `tests/snapshots/`.

mod common;

use common::{BackendErrors, wait_until};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use kinesis_starrocks::backend::{self, Backend, BackendOptions};
use ks_local::{LocalWorld, WorldOptions, put_json_records};
use ks_tests::emulators::Emulator;
use ks_tests::kittest::{enabled, has, screen_text, scroll_click, set_text};
use ks_ui::protocol::{Reply, Request, SaveInfo};
use ks_ui::wizard::{Step, Wizard, WizardOutcome};
use starrocks_sim::StarRocksSim;
use std::process::Command;
use std::time::{Duration, Instant};

const PASSWORD: &str = ks_local::world::PASSWORD;
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
    let backend = backend::spawn(options, |_| {});
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

impl BackendErrors for App {
    fn backend_errors(&self) -> &[String] {
        &self.errors
    }
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

/// Runs a step's Test and waits for the run to finish (the summary line appears).
fn run_test(h: &mut Harness<'_, App>, button: &str) {
    scroll_click(h, button);
    wait_until(h, &format!("{button} to finish"), 60, |h| {
        has(h, " passed, ") && !has(h, "Running checks")
    });
}

fn choose_tls_disabled(h: &mut Harness<'_, App>) {
    scroll_click(h, "TLS mode");
    scroll_click(h, "disabled");
    assert_eq!(h.state().wizard.values().ssl_mode, "disabled");
}

fn sim_port(url: &str) -> String {
    url.rsplit(':').next().expect("a port").to_string()
}

/// The stand-in (root's password [`PASSWORD`], no tables) and ferrokinesis with [`STREAM`].
fn world(rt: &tokio::runtime::Runtime) -> LocalWorld {
    rt.block_on(LocalWorld::start(WorldOptions {
        stream: STREAM.into(),
        setup_sql: Vec::new(),
        ..WorldOptions::default()
    }))
    .expect("the stand-in and ferrokinesis start")
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
    let world = world(&rt);
    let sim = &world.sim;
    let mut h = harness(BackendOptions::for_tests(
        world.dir.path().join("pipelines"),
    ));
    h.run_steps(2);
    assert_eq!(h.state().wizard.step(), Step::Cluster);

    fields_validate_as_typed(&mut h, sim);
    a_wrong_password_fails_with_its_remediation(&mut h, sim);
    the_right_password_opens_next(&mut h, sim);
    a_failed_retest_takes_the_mark_away(&mut h);
    a_resumed_draft_asks_for_the_password(&mut h);
    cancel_asks_before_dropping_values(&mut h);
}

/// The Cluster fields validate as they are typed; the password is masked until shown.
fn fields_validate_as_typed(h: &mut Harness<'_, App>, sim: &StarRocksSim) {
    // Fields validate as they are typed.
    assert!(has(h, "required: the FE host name"), "{}", screen_text(h));
    set_text(h, "Host", "jdbc:mysql://127.0.0.1:9030");
    assert!(has(h, "is a URL: give only the host name"));
    set_text(h, "Load URL", "ftp://127.0.0.1");
    assert!(has(h, "expected http(s)://host[:port]"));
    assert!(!enabled(h, "Test connection"), "invalid fields: no Test");
    assert!(!enabled(h, "Next"));

    // The other way to give the address: a JDBC URL, parsed as it is typed.
    scroll_click(h, "A JDBC URL");
    set_text(h, "JDBC URL", "jdbc:postgresql://127.0.0.1:5432");
    assert!(
        has(h, "expected jdbc:mysql://host:port"),
        "{}",
        screen_text(h)
    );
    scroll_click(h, "Host and port");
    fill_cluster(h, sim, "not-the-password");
    assert!(enabled(h, "Test connection"), "{}", screen_text(h));
    // The password field is masked by default; the toggle shows it.
    assert_ne!(
        h.get_by_label("Password").value().as_deref(),
        Some("not-the-password"),
        "masked"
    );
    scroll_click(h, "Show password");
    assert_eq!(
        h.get_by_label("Password").value().as_deref(),
        Some("not-the-password"),
        "shown"
    );
    scroll_click(h, "Show password");
}

/// A wrong password: ERROR 1045, its remediation, and Next blocked with the reason.
fn a_wrong_password_fails_with_its_remediation(h: &mut Harness<'_, App>, sim: &StarRocksSim) {
    run_test(h, "Test connection");
    assert!(
        has(h, "ERROR 1045"),
        "the login failure says 1045: {}",
        screen_text(h)
    );
    assert!(
        has(
            h,
            "Fix: StarRocks refused the login of \"root\" (ERROR 1045): fix sink.username or the password"
        ),
        "the remediation is shown: {}",
        screen_text(h)
    );
    assert!(!enabled(h, "Next"), "a failed check blocks Next");
    assert!(has(h, "check(s) failed"), "Next says why it is blocked");
    masked_snapshot(h, "wizard_cluster_failed", &sim_varying(sim));
}

/// The right password: every check passes and Next opens; Back keeps the values.
fn the_right_password_opens_next(h: &mut Harness<'_, App>, sim: &StarRocksSim) {
    // The right password: every check passes and Next opens; Back keeps the values.
    set_text(h, "Password", PASSWORD);
    assert!(!enabled(h, "Next"), "a changed password needs a new test");
    run_test(h, "Test connection");
    assert!(
        !has(h, "ERROR 1045"),
        "the old result is gone: {}",
        screen_text(h)
    );
    assert_eq!(h.state().wizard.values().host, "127.0.0.1");
    assert!(
        enabled(h, "Next") || enabled(h, "Continue anyway"),
        "checks passed: {}",
        screen_text(h)
    );
    masked_snapshot(h, "wizard_cluster_passed", &sim_varying(sim));
    if enabled(h, "Next") {
        scroll_click(h, "Next");
    } else {
        scroll_click(h, "Continue anyway");
    }
    assert_eq!(h.state().wizard.step(), Step::Aws);
    scroll_click(h, "Back");
    assert_eq!(h.state().wizard.step(), Step::Cluster);
    assert_eq!(h.state().wizard.values().username, "root");
    assert_eq!(h.state().wizard.values().password.expose(), PASSWORD);
}

/// The Cluster step's entry in the step list when it is complete (✓).
fn cluster_done() -> String {
    format!("1 Cluster  {}", ks_ui::wizard::checks::MARK_PASS)
}

/// A failed re-test takes the step's ✓ away and blocks Next; a passing one gives it back.
fn a_failed_retest_takes_the_mark_away(h: &mut Harness<'_, App>) {
    // A step keeps its ✓ only while its last test passed with the current inputs: a failed
    // re-test takes it away and blocks Next.
    let cluster_done = cluster_done();
    assert!(has(h, &cluster_done), "{}", screen_text(h));
    set_text(h, "Password", "not-the-password");
    run_test(h, "Test connection");
    assert!(has(h, "ERROR 1045"), "{}", screen_text(h));
    assert!(!has(h, &cluster_done), "a failed re-test keeps ✓");
    assert!(!enabled(h, "Next"), "a failed re-test leaves Next enabled");
    assert!(!h.state().wizard.completed_steps().contains(&Step::Cluster));
    set_text(h, "Password", PASSWORD);
    run_test(h, "Test connection");
    next_or_continue(h);
    assert_eq!(h.state().wizard.step(), Step::Aws);
}

/// A resumed draft (without its password) asks for it on the Cluster step.
fn a_resumed_draft_asks_for_the_password(h: &mut Harness<'_, App>) {
    let cluster_done = cluster_done();
    // A restart resumes the draft without its password: the Cluster step asks for it (no ✓, no
    // Next) before anything that needs it runs.
    let saved = serde_json::to_string(&h.state().wizard.draft()).unwrap();
    assert!(!saved.contains(PASSWORD));
    h.state_mut().wizard = Wizard::from_draft(serde_json::from_str(&saved).unwrap());
    h.run_steps(2);
    assert_eq!(h.state().wizard.step(), Step::Cluster);
    assert!(
        has(h, "the password is never saved with a draft"),
        "{}",
        screen_text(h)
    );
    assert!(!has(h, &cluster_done));
    assert!(!enabled(h, "Next"));
    set_text(h, "Password", PASSWORD);
    run_test(h, "Test connection");
    assert!(has(h, &cluster_done), "{}", screen_text(h));
    assert!(!has(h, "the password is never saved with a draft"));
}

/// Cancel asks before typed values are dropped.
fn cancel_asks_before_dropping_values(h: &mut Harness<'_, App>) {
    // Cancel asks before typed values are dropped.
    scroll_click(h, "Cancel setup");
    // A modal's first frame only measures it.
    h.run_steps(2);
    assert!(has(h, "Discard this setup?"), "{:?}", h.state().outcomes);
    scroll_click(h, "Keep editing");
    assert!(!has(h, "Discard this setup?"));
    assert!(h.state().outcomes.is_empty());
    scroll_click(h, "Cancel setup");
    h.run_steps(2);
    scroll_click(h, "Discard");
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

/// The security groups the AWS step is tested with (in moto).
struct Groups {
    /// Lets nothing in: the step lists the missing rules with a fix each.
    closed: String,
    /// Open to the world on the cluster's ports: lets this machine in, with a warning.
    open: String,
}

#[test]
fn whole_wizard_from_empty_profile_to_running_pipeline() {
    let rt = runtime();
    let world = world(&rt);
    rt.block_on(put_ticks(&world));
    let moto = Emulator::moto();
    let groups = create_groups(&moto, &world.sim);
    let mut h = harness(backend_options(&world, &moto));
    h.run_steps(2);
    let mut aws_varying = sim_varying(&world.sim);
    aws_varying.push(sim_port(world.kinesis.endpoint_url()));
    aws_varying.push(std::process::id().to_string());

    pass_cluster_step(&mut h, &world.sim);
    warn_on_a_group_open_to_the_world(&mut h, world.kinesis.endpoint_url(), &groups);
    add_the_missing_rules(&mut h, &moto, &groups, &aws_varying);
    pick_the_stream_and_sample(&mut h);
    create_the_table_from_the_samples(&mut h);
    edit_a_step_from_review(&mut h);
    let name = save_and_start(&mut h, &aws_varying);
    see_every_record_land(&mut h, &rt, &world);
    stop_and_clean_up(h, &name);
}

/// [`RECORDS`] stock.py-shaped records (no id: the table is inferred from them) into [`STREAM`].
async fn put_ticks(world: &LocalWorld) {
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
    put_json_records(&world.client, STREAM, &records, &keys)
        .await
        .expect("put records");
}

fn create_groups(moto: &Emulator, sim: &StarRocksSim) -> Groups {
    let closed = moto_python(
        moto,
        "print(ec2.create_security_group(GroupName='starrocks-fe', Description='fe')['GroupId'])",
    );
    assert!(closed.starts_with("sg-"), "{closed}");
    let open = moto_python(
        moto,
        &format!(
            "g = ec2.create_security_group(GroupName='starrocks-open', Description='open')['GroupId']\n\
             for p in ({}, {}):\n    \
                 ec2.authorize_security_group_ingress(GroupId=g, IpProtocol='tcp', FromPort=p, ToPort=p, CidrIp='0.0.0.0/0')\n\
             print(g)",
            sim.mysql_addr().port(),
            sim.http_addr().port()
        ),
    );
    Groups { closed, open }
}

/// The backend with moto for STS and EC2, and no keyring.
fn backend_options(world: &LocalWorld, moto: &Emulator) -> BackendOptions {
    let mut options = BackendOptions::for_tests(world.dir.path().join("pipelines"));
    options.aws.sts_endpoint_url = Some(moto.endpoint.clone());
    options.aws.ec2_endpoint_url = Some(moto.endpoint.clone());
    // Never write a test password into a developer's real keyring: the session keeps it (the
    // keyring has its own test under a private Secret Service).
    options.keyring = false;
    options
}

fn pass_cluster_step(h: &mut Harness<'_, App>, sim: &StarRocksSim) {
    fill_cluster(h, sim, PASSWORD);
    run_test(h, "Test connection");
    next_or_continue(h);
    assert_eq!(h.state().wizard.step(), Step::Aws);
}

/// The AWS step's fields validate; a group open to 0.0.0.0/0 on the MySQL port is a warning,
/// which Next does not pass but "Continue anyway" does.
fn warn_on_a_group_open_to_the_world(
    h: &mut Harness<'_, App>,
    kinesis_endpoint: &str,
    groups: &Groups,
) {
    wait_until(h, "the profile list", 10, |h| {
        !has(h, "reading ~/.aws/config")
    });
    set_text(h, "Region", "US East");
    assert!(has(h, "expected a region such as us-west-2"));
    set_text(h, "Region", "us-east-1");
    scroll_click(h, "Advanced");
    set_text(h, "Endpoint URL", kinesis_endpoint);
    set_text(h, "Egress IP", EGRESS_IP);
    set_text(h, "Security group ids", &groups.open);
    run_test(h, "Test AWS & network");
    assert!(has(h, "0.0.0.0/0"), "{}", screen_text(h));
    assert!(!enabled(h, "Next"), "a warning needs an explicit choice");
    assert!(enabled(h, "Continue anyway"), "{}", screen_text(h));
    set_text(h, "Security group ids", "sg-nothex");
    assert!(has(h, "expected ids like sg-0123456789abcdef0"));
    assert!(!enabled(h, "Test AWS & network"));
    set_text(h, "Security group ids", &groups.closed);
    assert!(
        h.query_by_label("Continue anyway").is_none(),
        "the result was for other values"
    );
}

/// The closed group lets nothing in: each missing rule has a fix that asks first, adds the rule
/// for the egress IP, and re-tests; then the step passes.
fn add_the_missing_rules(
    h: &mut Harness<'_, App>,
    moto: &Emulator,
    groups: &Groups,
    varying: &[String],
) {
    scroll_click(h, "Who am I");
    wait_until(h, "the caller identity", 30, |h| has(h, "account "));
    run_test(h, "Test AWS & network");
    assert!(has(h, "AWS credentials and identity"), "{}", screen_text(h));
    let fixes = h.query_all_by_label("Add rule for my IP").count();
    assert!(fixes >= 1, "missing rules offer a fix: {}", screen_text(h));
    assert!(!enabled(h, "Next"), "missing inbound rules block Next");
    for i in 0..fixes {
        let fix = h
            .query_all_by_label("Add rule for my IP")
            .next()
            .expect("a fix button");
        fix.scroll_to_me();
        // Let the scroll animation settle: the click goes where the button is drawn.
        h.run_steps(20);
        h.query_all_by_label("Add rule for my IP")
            .next()
            .expect("a fix button")
            .click();
        h.run_steps(2);
        assert!(
            has(h, "Add this inbound rule?"),
            "the confirmation shows first (fix {i}): {}",
            screen_text(h)
        );
        assert!(
            has(h, &format!("{EGRESS_IP}/32")),
            "it shows the exact rule"
        );
        if i == 0 {
            masked_snapshot(h, "wizard_aws_confirm_rule", varying);
        }
        scroll_click(h, "Add this rule");
        wait_until(h, "the rule to be added", 30, |h| {
            has(h, "Rule added") || has(h, "was not added")
        });
        assert!(has(h, "Rule added"), "{}", screen_text(h));
        // The step re-tests by itself after a rule was added.
        wait_until(h, "the re-test", 60, |h| {
            has(h, " passed, ") && !has(h, "Running checks")
        });
        if h.query_all_by_label("Add rule for my IP").count() == 0 {
            break;
        }
    }
    let rules = moto_python(
        moto,
        &format!(
            "g = ec2.describe_security_groups(GroupIds=['{}'])['SecurityGroups'][0]\n\
             print(sorted((p['FromPort'], r['CidrIp']) for p in g['IpPermissions'] for r in p['IpRanges']))",
            groups.closed
        ),
    );
    assert!(
        rules.contains(&format!("'{EGRESS_IP}/32'")),
        "the rule is in the group: {rules}"
    );
    masked_snapshot(h, "wizard_aws_step", varying);
    next_or_continue(h);
    assert_eq!(h.state().wizard.step(), Step::Stream, "{}", screen_text(h));
}

/// The Stream step (H6b's), driven by its labels.
fn pick_the_stream_and_sample(h: &mut Harness<'_, App>) {
    wait_until(h, "the stream list", 30, |h| has(h, STREAM));
    scroll_click(h, STREAM);
    scroll_click(h, "TRIM_HORIZON");
    scroll_click(h, "Sample");
    wait_until(h, "the samples", 30, |h| {
        !h.state().wizard.values().samples.is_empty()
    });
    next_or_continue(h);
    assert_eq!(h.state().wizard.step(), Step::Table, "{}", screen_text(h));
}

fn create_the_table_from_the_samples(h: &mut Harness<'_, App>) {
    wait_until(h, "the column grid", 10, |h| {
        h.query_by_label("Column 1 name").is_some()
    });
    set_text(h, "Database", "market");
    set_text(h, "Table", "ticks");
    scroll_click(h, "Create table");
    wait_until(h, "the table", 30, |h| has(h, "Created. Statements run"));
    wait_until(h, "Next to open", 30, |h| {
        enabled(h, "Next") || has(h, "Continue anyway")
    });
    next_or_continue(h);
    assert_eq!(h.state().wizard.step(), Step::Review, "{}", screen_text(h));
}

/// Review's Edit goes back with the values kept; the step list comes back to Review.
fn edit_a_step_from_review(h: &mut Harness<'_, App>) {
    scroll_click(h, "Edit Cluster");
    assert_eq!(h.state().wizard.step(), Step::Cluster);
    assert_eq!(h.state().wizard.values().host, "127.0.0.1");
    assert!(enabled(h, "Next"), "a completed step stays complete");
    scroll_click(h, "5 Review");
    assert_eq!(h.state().wizard.step(), Step::Review);
}

/// Save alone keeps the wizard open with where it went; then Save and start. Returns the name.
fn save_and_start(h: &mut Harness<'_, App>, varying: &[String]) -> String {
    // A unique name: the pipeline's state goes to the default (per-name) state dir.
    let name = format!("wiz-{}", std::process::id());
    set_text(h, "Pipeline name", &name);
    masked_snapshot(h, "wizard_review_step", varying);
    scroll_click(h, "Save");
    wait_until(h, "the save", 30, |h| !h.state().saved.is_empty());
    assert!(has(h, &format!("Saved {name} to")), "{}", screen_text(h));
    assert!(h.query_by_label("Close").is_some(), "Close ends the wizard");
    assert!(h.state().outcomes.is_empty());
    scroll_click(h, "Save and start");
    wait_until(h, "the second save", 30, |h| h.state().saved.len() == 2);
    let saved = h.state().saved[1].clone().expect("saved");
    assert!(saved.path.exists(), "{}", saved.path.display());
    let text = std::fs::read_to_string(&saved.path).expect("config file");
    assert!(!text.contains(PASSWORD), "no password in the config file");
    assert!(text.contains(&format!("stream = \"{STREAM}\"")), "{text}");
    assert!(has(h, &format!("Saved {name} to")), "{}", screen_text(h));
    assert_eq!(saved.keyring_warning, None, "the keyring was not asked");
    wait_until(h, "the Start outcome", 10, |h| {
        h.state()
            .outcomes
            .contains(&WizardOutcome::Start(name.clone()))
    });
    name
}

/// The running pipeline's rows land in the stand-in.
fn see_every_record_land(
    h: &mut Harness<'_, App>,
    rt: &tokio::runtime::Runtime,
    world: &LocalWorld,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let rows = loop {
        h.step();
        let n = rt
            .block_on(world.query_u64("SELECT COUNT(*) FROM `market`.`ticks`"))
            .unwrap_or(0);
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
}

fn stop_and_clean_up(mut h: Harness<'_, App>, name: &str) {
    h.state_mut().backend.link.send(Request::Stop {
        name: name.to_string(),
    });
    h.run_steps(2);
    drop(h);
    if let Some(state) = ks_core::config::default_state_dir(name) {
        let _ = std::fs::remove_dir_all(state);
    }
}

fn next_or_continue(h: &mut Harness<'_, App>) {
    if enabled(h, "Next") {
        scroll_click(h, "Next");
    } else if h.query_by_label("Continue anyway").is_some() {
        scroll_click(h, "Continue anyway");
    } else {
        panic!("Next is blocked: {}", screen_text(h));
    }
}
