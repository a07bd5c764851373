//! The AWS group against real components: moto_server for STS (and, for the AccessDenied case, for
//! IAM-enforced Kinesis), in-process ferrokinesis for the stream checks.

use aws_sdk_kinesis::config::Credentials;
use ks_core::PipelineConfig;
use ks_core::check::{CheckGroup, CheckReport, CheckStatus};
use ks_local::world::{Endpoints, pipeline_config};
use ks_local::{EmbeddedKinesis, PipelineToml, create_stream, emulator_credentials};
use ks_preflight::aws::{self, AwsError};
use ks_preflight::{AwsOverrides, PreflightContext};
use ks_tests::emulators::Emulator;
use std::time::Duration;

fn config(stream: &str, kinesis_endpoint: &str) -> PipelineConfig {
    let at = Endpoints {
        kinesis: Some(kinesis_endpoint.to_string()),
        ..Endpoints::new(
            stream,
            "jdbc:mysql://127.0.0.1:9030",
            "http://127.0.0.1:8030",
        )
    };
    let p = PipelineToml {
        username: "admin",
        ..PipelineToml::default()
    };
    pipeline_config(&at, &p).expect("a valid test config")
}

fn context(config: PipelineConfig, credentials: Credentials, moto: &Emulator) -> PreflightContext {
    let mut ctx = PreflightContext::new(config, None);
    ctx.aws = AwsOverrides {
        credentials: Some(credentials),
        sts_endpoint_url: Some(moto.endpoint.clone()),
        ec2_endpoint_url: Some(moto.endpoint.clone()),
    };
    ctx.timeout = Duration::from_secs(10);
    ctx
}

async fn run_aws(ctx: &PreflightContext) -> CheckReport {
    // (id, true) when a check begins, (id, false) when it lands.
    let events = std::sync::Mutex::new(Vec::new());
    let report = ks_preflight::run_observed(
        ctx,
        &[CheckGroup::Aws],
        &mut |id, _| events.lock().unwrap().push((id.to_string(), true)),
        &mut |r| events.lock().unwrap().push((r.id.clone(), false)),
    )
    .await;
    let events = events.into_inner().unwrap();
    assert_eq!(
        events.first(),
        Some(&("aws.credentials".to_string(), true)),
        "the first check says it begins: {events:?}"
    );
    // Every check that began lands next, before another begins.
    for pair in events.windows(2) {
        if pair[0].1 {
            assert_eq!(pair[1], (pair[0].0.clone(), false), "{events:?}");
        }
    }
    let seen: Vec<String> = events
        .iter()
        .filter(|(_, begun)| !begun)
        .map(|(id, _)| id.clone())
        .collect();
    let mut expected = vec![
        "aws.credentials",
        "aws.stream",
        "aws.load-frequency",
        "aws.read-permission",
    ];
    if ctx.config.source.reader == ks_core::ReaderKind::Efo
        && report
            .get("aws.read-permission")
            .is_some_and(|r| r.status == CheckStatus::Pass)
    {
        expected.push("aws.efo-consumer");
    }
    assert_eq!(seen, expected, "every check reported once, in order");
    report
}

fn check<'a>(report: &'a CheckReport, id: &str) -> &'a ks_core::check::CheckResult {
    report
        .get(id)
        .unwrap_or_else(|| panic!("no {id} in {report:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_and_stream_pass() {
    let moto = Emulator::moto();
    let (url, kinesis) = EmbeddedKinesis::start(EmbeddedKinesis::options())
        .await
        .unwrap();
    create_stream(&kinesis.client().await, "stock", 2)
        .await
        .unwrap();
    let ctx = context(config("stock", &url), emulator_credentials(), &moto);

    let report = run_aws(&ctx).await;
    let creds = check(&report, "aws.credentials");
    assert_eq!(creds.status, CheckStatus::Pass, "{creds:#?}");
    assert!(
        creds.detail.contains("static credentials (ks-local)"),
        "{creds:#?}"
    );
    assert!(creds.detail.contains("account: 123456789012"), "{creds:#?}");
    assert!(creds.detail.contains("principal: arn:aws:"), "{creds:#?}");
    let stream = check(&report, "aws.stream");
    assert_eq!(stream.status, CheckStatus::Pass, "{stream:#?}");
    for part in [
        "status: ACTIVE",
        "open shards: 2",
        "retention: 24 hours",
        "mode: PROVISIONED",
        "arn: arn:aws:kinesis:us-east-1:",
        ":stream/stock",
    ] {
        assert!(stream.detail.contains(part), "{part} in {stream:#?}");
    }
    let read = check(&report, "aws.read-permission");
    assert_eq!(read.status, CheckStatus::Pass, "{read:#?}");
    assert!(read.detail.contains("kinesis:GetRecords: ok"), "{read:#?}");
    // The default flush settings over 2 shards: a load every few seconds at most.
    let frequency = check(&report, "aws.load-frequency");
    assert_eq!(frequency.status, CheckStatus::Pass, "{frequency:#?}");
    assert!(
        frequency.detail.contains("2 open shard(s)"),
        "{frequency:#?}"
    );
    assert!(report.passed());

    // A 200 ms interval: five loads a second, likely "too many tablet versions".
    let mut fast = config("stock", &url);
    fast.sink.buffer_flush.interval_ms = 200;
    let report = run_aws(&context(fast, emulator_credentials(), &moto)).await;
    let frequency = check(&report, "aws.load-frequency");
    assert_eq!(frequency.status, CheckStatus::Warn, "{frequency:#?}");
    assert!(
        frequency
            .detail
            .contains("up to 300 loads a minute, one every 200 ms"),
        "{frequency:#?}"
    );
    assert!(
        frequency.detail.contains("too many tablet versions"),
        "{frequency:#?}"
    );
    let remedy = frequency.remediation.as_deref().unwrap_or_default();
    assert!(
        remedy.contains("raise buffer-flush.interval-ms"),
        "{remedy}"
    );

    // The wizard's helpers on the same set-up.
    let id = aws::who_am_i(&ctx).await.unwrap();
    assert_eq!(id.account, "123456789012");
    assert!(id.arn.starts_with("arn:aws:"), "{id:?}");
    assert_eq!(id.credential_source, "static credentials (ks-local)");
    create_stream(&kinesis.client().await, "orders", 1)
        .await
        .unwrap();
    let mut streams = aws::list_streams(&ctx).await.unwrap();
    streams.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(streams.len(), 2, "{streams:?}");
    assert_eq!(streams[0].name, "orders");
    assert_eq!(streams[0].shards, 1);
    assert_eq!(streams[1].name, "stock");
    assert_eq!(streams[1].shards, 2);
    assert_eq!(streams[1].status, "ACTIVE");
    assert_eq!(streams[1].retention_hours, 24);
    assert!(streams[1].arn.ends_with(":stream/stock"));
}

/// `reader = "efo"` adds `aws.efo-consumer`: the consumer will be registered at start (with its
/// cost for the stream's shards), then, once it exists, is reused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enhanced_fan_out_says_whether_its_consumer_is_registered_and_what_it_costs() {
    let moto = Emulator::moto();
    let (url, kinesis) = EmbeddedKinesis::start(EmbeddedKinesis::options())
        .await
        .unwrap();
    create_stream(&kinesis.client().await, "stock", 3)
        .await
        .unwrap();
    let mut efo = config("stock", &url);
    efo.source.reader = ks_core::ReaderKind::Efo;
    let ctx = context(efo.clone(), emulator_credentials(), &moto);
    let report = run_aws(&ctx).await;
    let consumer = check(&report, "aws.efo-consumer");
    assert_eq!(consumer.status, CheckStatus::Pass, "{consumer:#?}");
    for part in [
        "consumer kinesis-starrocks-stock is not registered yet: the first start registers it",
        "no consumer is registered on the stream",
        "3 open shards, about $32.85 a month plus $0.013 per GB",
        "Deleting the pipeline in the app deregisters it",
    ] {
        assert!(consumer.detail.contains(part), "{part} in {consumer:#?}");
    }
    // Registered (by a first start, here by hand): the next check says it is reused.
    kinesis
        .source("stock")
        .await
        .ensure_consumer("kinesis-starrocks-stock", Duration::from_secs(30))
        .await
        .unwrap();
    efo.source.efo_consumer = ks_core::EfoConsumer::Keep;
    let report = run_aws(&context(efo, emulator_credentials(), &moto)).await;
    let consumer = check(&report, "aws.efo-consumer");
    assert_eq!(consumer.status, CheckStatus::Pass, "{consumer:#?}");
    for part in [
        "consumer kinesis-starrocks-stock is registered (ACTIVE): the pipeline reuses it",
        "registered on the stream: kinesis-starrocks-stock (ACTIVE)",
        "It stays registered, and billed",
    ] {
        assert!(consumer.detail.contains(part), "{part} in {consumer:#?}");
    }
    // Polling adds no such check (run_aws checks the list).
    run_aws(&context(
        config("stock", &url),
        emulator_credentials(),
        &moto,
    ))
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_stream_names_the_streams_that_exist() {
    let moto = Emulator::moto();
    let (url, kinesis) = EmbeddedKinesis::start(EmbeddedKinesis::options())
        .await
        .unwrap();
    let client = kinesis.client().await;
    create_stream(&client, "orders", 1).await.unwrap();
    create_stream(&client, "stock", 1).await.unwrap();
    let ctx = context(config("stocks", &url), emulator_credentials(), &moto);

    let report = run_aws(&ctx).await;
    assert_eq!(check(&report, "aws.credentials").status, CheckStatus::Pass);
    let stream = check(&report, "aws.stream");
    assert_eq!(stream.status, CheckStatus::Fail, "{stream:#?}");
    let remediation = stream.remediation.as_deref().unwrap();
    assert!(
        remediation.contains(&format!(
            "Stream \"stocks\" does not exist in region us-east-1, endpoint {url}; the streams \
             there: orders, stock. Fix `source.stream`"
        )),
        "{remediation}"
    );
    let read = check(&report, "aws.read-permission");
    assert_eq!(read.status, CheckStatus::Skipped);
    assert!(read.detail.contains("aws.stream"), "{read:#?}");
    assert!(!report.passed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_sts_next_to_a_kinesis_emulator_is_a_warning_naming_the_endpoint() {
    // A port nothing listens on: the error names the endpoint. The stream is on a custom endpoint
    // (an emulator, a VPC endpoint), so an unknown identity is a warning, not a failure.
    let dead = format!("http://127.0.0.1:{}", ks_tests::emulators::free_port());
    let (url, kinesis) = EmbeddedKinesis::start(EmbeddedKinesis::options())
        .await
        .unwrap();
    create_stream(&kinesis.client().await, "stock", 1)
        .await
        .unwrap();
    let mut ctx = PreflightContext::new(config("stock", &url), None);
    ctx.aws.credentials = Some(emulator_credentials());
    ctx.aws.sts_endpoint_url = Some(dead.clone());
    let report = run_aws(&ctx).await;
    let creds = check(&report, "aws.credentials");
    assert_eq!(creds.status, CheckStatus::Warn, "{creds:#?}");
    assert!(creds.detail.contains(&dead), "{creds:#?}");
    assert!(creds.detail.contains("Connection refused"), "{creds:#?}");
    assert!(
        !creds.detail.contains("DispatchFailure {"),
        "no Debug dump: {creds:#?}"
    );
    assert!(
        creds
            .remediation
            .as_deref()
            .unwrap()
            .contains("but STS did not answer, so the identity is unknown"),
        "{creds:#?}"
    );
    // The stream checks still run: Kinesis itself answers.
    assert_eq!(check(&report, "aws.stream").status, CheckStatus::Pass);
    let err = aws::who_am_i(&ctx).await.unwrap_err();
    assert!(matches!(err, AwsError::Unreachable { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_denied_prints_the_policy_statement_with_the_real_arn() {
    // moto enforces IAM once /moto-api/reset-auth is told to: a user whose policy lacks
    // kinesis:GetRecords is refused GetRecords by moto's Kinesis.
    let moto = Emulator::moto();
    let kinesis = aws_sdk_kinesis::Client::new(&ks_local::sdk_config(&moto.endpoint).await);
    create_stream(&kinesis, "stock", 1).await.unwrap();
    let arn = kinesis
        .describe_stream_summary()
        .stream_name("stock")
        .send()
        .await
        .unwrap()
        .stream_description_summary
        .unwrap()
        .stream_arn;
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": [
                "kinesis:DescribeStreamSummary",
                "kinesis:ListShards",
                "kinesis:GetShardIterator",
                "kinesis:ListStreams"
            ],
            "Resource": "*"
        }]
    })
    .to_string();
    let (key_id, secret) = moto.api().user_with_policy("reader", &policy);
    let creds = Credentials::new(key_id, secret, None, None, "moto-iam-user");
    moto.api().enforce_iam();

    let ctx = context(config("stock", &moto.endpoint), creds, &moto);
    let report = run_aws(&ctx).await;
    let id = check(&report, "aws.credentials");
    assert_eq!(id.status, CheckStatus::Pass, "{id:#?}");
    assert!(
        id.detail
            .contains("principal: arn:aws:iam::123456789012:user/reader"),
        "{id:#?}"
    );
    assert_eq!(check(&report, "aws.stream").status, CheckStatus::Pass);
    let read = check(&report, "aws.read-permission");
    assert_eq!(read.status, CheckStatus::Fail, "{read:#?}");
    assert!(
        read.detail.contains("kinesis:GetShardIterator: ok"),
        "{read:#?}"
    );
    assert!(
        read.detail.contains("kinesis:GetRecords was refused"),
        "{read:#?}"
    );
    let remediation = read.remediation.as_deref().unwrap();
    let expected = aws::read_policy_statement(&arn);
    assert!(remediation.contains(&expected), "{remediation}");
    assert!(
        remediation.contains(&format!("\"Resource\": \"{arn}\"")),
        "{remediation}"
    );
    assert!(
        remediation.contains("\"kinesis:GetRecords\""),
        "{remediation}"
    );
    // The statement in the remediation is valid JSON on its own.
    let json_start = remediation.find('{').unwrap();
    let v: serde_json::Value = serde_json::from_str(&remediation[json_start..]).unwrap();
    assert_eq!(v["Sid"], "ReadInputStream");
}

/// No credentials anywhere: run in a child copy of this test binary with its own AWS environment
/// (no keys, config files with key-less profiles, instance metadata off), since the default chain
/// and `list_profiles` read the process environment.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_credentials_names_the_ways_to_give_them() {
    const CHILD: &str = "KS_PREFLIGHT_NO_CREDENTIALS_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let (url, _kinesis) = EmbeddedKinesis::start(EmbeddedKinesis::options())
            .await
            .unwrap();
        let mut ctx = PreflightContext::new(config("stock", &url), None);
        ctx.timeout = Duration::from_secs(5);
        let report = run_aws(&ctx).await;
        let creds = check(&report, "aws.credentials");
        assert_eq!(creds.status, CheckStatus::Fail, "{creds:#?}");
        let r = creds.remediation.as_deref().unwrap();
        for way in [
            "No AWS credentials were found",
            "`source.profile = \"name\"`",
            "AWS_PROFILE",
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
            "aws sso login",
        ] {
            assert!(r.contains(way), "{way} in {r}");
        }
        assert!(
            creds.detail.starts_with("no AWS credentials found"),
            "{creds:#?}"
        );
        for id in ["aws.stream", "aws.read-permission"] {
            assert_eq!(check(&report, id).status, CheckStatus::Skipped);
        }
        let err = aws::who_am_i(&ctx).await.unwrap_err();
        assert!(matches!(err, AwsError::NoCredentials { .. }), "{err:?}");
        // The profiles come from the files AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE name.
        assert_eq!(aws::list_profiles(), ["dev", "staging"]);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Profiles without keys: the chain finds no credentials in them.
    let config_file = dir.path().join("config");
    std::fs::write(
        &config_file,
        "[profile dev]\nregion = eu-west-1\n[sso-session corp]\nsso_region = us-east-1\n",
    )
    .unwrap();
    let credentials_file = dir.path().join("credentials");
    std::fs::write(&credentials_file, "[staging]\n").unwrap();
    let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "no_credentials_names_the_ways_to_give_them",
        "--nocapture",
    ]);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .env(CHILD, "1")
        .env("HOME", dir.path())
        .env("AWS_CONFIG_FILE", &config_file)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials_file)
        // Never ask 169.254.169.254: tests stay on 127.0.0.1.
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_keys_are_rejected_without_a_policy_hint() {
    let moto = Emulator::moto();
    let kinesis = aws_sdk_kinesis::Client::new(&ks_local::sdk_config(&moto.endpoint).await);
    create_stream(&kinesis, "stock", 1).await.unwrap();
    reqwest::Client::new()
        .post(format!("{}/moto-api/reset-auth", moto.endpoint))
        .body("0")
        .send()
        .await
        .unwrap();
    let creds = Credentials::new("AKIAUNKNOWNKEY000000", "nope", None, None, "typo");
    let ctx = context(config("stock", &moto.endpoint), creds, &moto);
    let report = run_aws(&ctx).await;
    for id in ["aws.credentials", "aws.stream"] {
        let c = check(&report, id);
        assert_eq!(c.status, CheckStatus::Fail, "{c:#?}");
        let r = c.remediation.as_deref().unwrap();
        assert!(r.contains("The credentials were not accepted"), "{r}");
        assert!(!r.contains("ReadInputStream"), "{r}");
        assert!(c.detail.contains("InvalidClientTokenId"), "{c:#?}");
    }
    let err = aws::who_am_i(&ctx).await.unwrap_err();
    assert!(
        matches!(err, AwsError::CredentialsRejected { .. }),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_stream_is_a_warning() {
    let moto = Emulator::moto();
    // Streams stay CREATING for a minute on this emulator.
    let opts = ks_local::StoreOptions {
        create_stream_ms: 60_000,
        ..EmbeddedKinesis::options()
    };
    let (url, kinesis) = EmbeddedKinesis::start(opts).await.unwrap();
    kinesis
        .client()
        .await
        .create_stream()
        .stream_name("stock")
        .shard_count(1)
        .send()
        .await
        .unwrap();
    let ctx = context(config("stock", &url), emulator_credentials(), &moto);
    let report = run_aws(&ctx).await;
    let stream = check(&report, "aws.stream");
    assert_eq!(stream.status, CheckStatus::Warn, "{stream:#?}");
    assert!(stream.detail.contains("status: CREATING"), "{stream:#?}");
    assert!(
        stream
            .remediation
            .as_deref()
            .unwrap()
            .contains("The stream is CREATING: wait until it is ACTIVE"),
        "{stream:#?}"
    );
    let read = check(&report, "aws.read-permission");
    assert_eq!(read.status, CheckStatus::Skipped, "{read:#?}");
    assert_eq!(read.detail, "skipped: the stream is CREATING");
}
