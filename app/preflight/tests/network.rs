//! The security-groups group against moto_server's EC2 (VPC, groups, rules, network interfaces,
//! managed prefix lists) and a local HTTP server standing in for checkip.amazonaws.com.

use ks_core::PipelineConfig;
use ks_core::check::{CheckFix, CheckGroup, CheckReport, CheckResult, CheckStatus, IngressRule};
use ks_local::world::{Endpoints, pipeline_config};
use ks_local::{PipelineToml, emulator_credentials};
use ks_preflight::network;
use ks_preflight::{AwsOverrides, PreflightContext};
use ks_tests::emulators::Emulator;
use ks_tests::moto::{Ingress, Moto};
use std::net::IpAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const EGRESS: &str = "203.0.113.7";
const CLUSTER_IP: &str = "10.0.1.25";

/// A stand-in for checkip.amazonaws.com: answers every request with `status` and `body`.
async fn checkip(status: u16, body: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let resp = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}/")
}

fn config(load_url: &str, group_ids: &[&str], egress_ip: Option<&str>) -> PipelineConfig {
    let mut network = String::new();
    if !group_ids.is_empty() {
        let ids: Vec<String> = group_ids.iter().map(|g| format!("{g:?}")).collect();
        network.push_str(&format!("security-group-ids = [{}]\n", ids.join(", ")));
    }
    if let Some(ip) = egress_ip {
        network.push_str(&format!("egress-ip = {ip:?}\n"));
    }
    let at = Endpoints::new(
        "stock",
        &format!("jdbc:mysql://{CLUSTER_IP}:9030"),
        load_url,
    );
    let p = PipelineToml {
        username: "admin",
        network: &network,
        ..PipelineToml::default()
    };
    pipeline_config(&at, &p).expect("a valid test config")
}

fn context(config: PipelineConfig, moto: &Emulator, egress_url: String) -> PreflightContext {
    let mut ctx = PreflightContext::new(config, None);
    ctx.aws = AwsOverrides {
        credentials: Some(emulator_credentials()),
        sts_endpoint_url: Some(moto.endpoint.clone()),
        ec2_endpoint_url: Some(moto.endpoint.clone()),
    };
    ctx.egress_ip_url = egress_url;
    ctx.timeout = Duration::from_secs(10);
    ctx
}

/// moto_server with a VPC, a subnet and the cluster's empty security group in it.
struct Cloud {
    moto: Emulator,
    ec2: Moto,
    vpc: String,
    subnet: String,
    /// The cluster's group.
    sg: String,
}

impl Cloud {
    async fn start() -> Cloud {
        let moto = Emulator::moto();
        let ec2 = moto.api();
        let vpc = ec2.create_vpc("10.0.0.0/16");
        let subnet = ec2.create_subnet(&vpc, "10.0.1.0/24");
        let sg = ec2.create_security_group("cluster", "StarRocks cluster", Some(&vpc));
        Cloud {
            moto,
            ec2,
            vpc,
            subnet,
            sg,
        }
    }
}

/// The inbound rules of group `sg` that have a CIDR source, one per range.
fn cidr_rules(ec2: &Moto, sg: &str) -> Vec<Ingress> {
    ec2.ingress(sg)
        .into_iter()
        .filter(|r| r.source.contains('/'))
        .collect()
}

async fn run_network(ctx: &PreflightContext) -> CheckReport {
    ks_preflight::run(ctx, &[CheckGroup::Network], &mut |_| {}).await
}

fn check<'a>(report: &'a CheckReport, id: &str) -> &'a CheckResult {
    report
        .get(id)
        .unwrap_or_else(|| panic!("no {id} in {report:#?}"))
}

/// Check `id` of `report`, asserted to have `status` and a detail containing each of `parts`.
fn check_is<'a>(
    report: &'a CheckReport,
    id: &str,
    status: CheckStatus,
    parts: &[&str],
) -> &'a CheckResult {
    let c = check(report, id);
    assert_eq!(c.status, status, "{c:#?}");
    for part in parts {
        assert!(c.detail.contains(part), "{part:?} missing from {c:#?}");
    }
    c
}

/// The checks of the rules on ports 9030 and 8030 and of world-open rules.
const RULE_CHECKS: [&str; 3] = [
    "network.sg-9030",
    "network.sg-8030",
    "network.sg-open-world",
];

/// A context for a cluster at `load_url` with `groups`, where this machine's address is detected
/// as [`EGRESS`].
async fn ctx_detecting_egress(
    moto: &Emulator,
    load_url: &str,
    groups: &[&str],
) -> PreflightContext {
    let url = checkip(200, EGRESS).await;
    context(config(load_url, groups, None), moto, url)
}

/// A context for a cluster at `load_url` with `groups`, where this machine's address is
/// `egress_ip` from the config: no HTTP detection happens (the checkip URL points nowhere).
fn ctx_with_egress_ip(
    moto: &Emulator,
    load_url: &str,
    groups: &[&str],
    egress_ip: &str,
) -> PreflightContext {
    let nowhere = "http://127.0.0.1:9/".to_string();
    context(config(load_url, groups, Some(egress_ip)), moto, nowhere)
}

/// The rule `network.sg-9030` offers to add.
fn rule_to_add(report: &CheckReport) -> IngressRule {
    let c9030 = check(report, "network.sg-9030");
    let Some(CheckFix::AddIngressRule(rule)) = c9030.fix.clone() else {
        panic!("no fix: {c9030:#?}")
    };
    rule
}

fn remediation(c: &CheckResult) -> &str {
    c.remediation
        .as_deref()
        .unwrap_or_else(|| panic!("no remediation: {c:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_missing_9030_gets_the_exact_rule_to_add() {
    let Cloud {
        moto, ec2, sg, vpc, ..
    } = Cloud::start().await;
    ec2.allow_tcp_from(&sg, 443, &format!("{EGRESS}/32"));
    // A rule on 9030 for some other network, and one from another group's members.
    ec2.allow_tcp_from(&sg, 9030, "198.51.100.0/24");
    let app_sg = ec2.create_security_group("app", "app servers", Some(&vpc));
    ec2.authorize_ingress(
        &sg,
        &[
            ("IpProtocol", "tcp"),
            ("FromPort", "9030"),
            ("ToPort", "9030"),
            ("Groups.1.GroupId", &app_sg),
        ],
    );

    let url = checkip(200, "203.0.113.7\n").await;
    let ctx = context(
        config("https://cluster.example:443", &[&sg], None),
        &moto,
        url.clone(),
    );
    let report = run_network(&ctx).await;
    let egress = check(&report, "network.egress-ip");
    assert_eq!(egress.status, CheckStatus::Pass);
    assert_eq!(egress.detail, format!("{EGRESS} (detected from {url})"));
    check_is(
        &report,
        "network.security-groups",
        CheckStatus::Pass,
        &[
            "from `[network] security-group-ids`",
            &format!("{sg}: tcp 443 from {EGRESS}/32"),
        ],
    );

    let c9030 = check_is(
        &report,
        "network.sg-9030",
        CheckStatus::Fail,
        &[
            "198.51.100.0/24: does not include 203.0.113.7",
            &format!(
                "allows traffic from members of {app_sg}, which does not include this machine"
            ),
        ],
    );
    let Some(CheckFix::AddIngressRule(rule)) = &c9030.fix else {
        panic!("no rule to add: {c9030:#?}")
    };
    assert_eq!(rule.group_id, sg);
    assert_eq!(rule.protocol, "tcp");
    assert_eq!((rule.from_port, rule.to_port), (9030, 9030));
    assert_eq!(rule.cidr, "203.0.113.7/32");
    assert!(
        rule.description.starts_with("kinesis-starrocks from "),
        "{rule:?}"
    );
    assert!(
        rule.description.ends_with(
            &chrono::Local::now()
                .date_naive()
                .format("%Y-%m-%d")
                .to_string()
        ),
        "{rule:?}"
    );
    assert!(
        remediation(c9030).contains(&format!("{sg}: inbound tcp 9030 from 203.0.113.7/32")),
        "{c9030:#?}"
    );
    check_is(
        &report,
        "network.sg-443",
        CheckStatus::Pass,
        &["includes 203.0.113.7"],
    );
    assert_eq!(
        check(&report, "network.sg-open-world").status,
        CheckStatus::Pass
    );
    assert!(!report.passed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn world_open_9030_is_a_warning() {
    let Cloud { moto, ec2, sg, .. } = Cloud::start().await;
    ec2.allow_tcp_from(&sg, 9030, "0.0.0.0/0");
    ec2.authorize_ingress(
        &sg,
        &[
            ("IpProtocol", "tcp"),
            ("FromPort", "8030"),
            ("ToPort", "8040"),
            ("IpRanges.1.CidrIp", "203.0.113.0/24"),
        ],
    );
    let ctx = ctx_with_egress_ip(&moto, "http://cluster.example:8030", &[&sg], EGRESS);
    let report = run_network(&ctx).await;
    assert_eq!(
        check(&report, "network.egress-ip").detail,
        "203.0.113.7 (from `[network] egress-ip`)"
    );
    assert_eq!(check(&report, "network.sg-9030").status, CheckStatus::Pass);
    check_is(
        &report,
        "network.sg-8030",
        CheckStatus::Pass,
        &["tcp 8030-8040 from 203.0.113.0/24"],
    );
    let open = check_is(
        &report,
        "network.sg-open-world",
        CheckStatus::Warn,
        &[&format!("{sg}: tcp 9030 from 0.0.0.0/0")],
    );
    let r = remediation(open);
    assert!(r.contains("open to anyone on the internet"), "{r}");
    assert!(r.contains("203.0.113.7/32"), "{r}");
    assert!(report.passed(), "a warning does not fail the run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefix_list_only_says_what_it_allows() {
    let Cloud { moto, ec2, sg, .. } = Cloud::start().await;
    let pl = ec2.create_managed_prefix_list("corp", &["10.0.0.0/8", "192.168.0.0/16"]);
    ec2.authorize_ingress(
        &sg,
        &[
            ("IpProtocol", "tcp"),
            ("FromPort", "9030"),
            ("ToPort", "9030"),
            ("PrefixListIds.1.PrefixListId", &pl),
        ],
    );
    let ctx = ctx_detecting_egress(&moto, "http://cluster.example:8030", &[&sg]).await;
    let report = run_network(&ctx).await;
    let c9030 = check_is(
        &report,
        "network.sg-9030",
        CheckStatus::Fail,
        &[&format!(
            "{sg}: tcp 9030 from prefix list {pl}: it allows 10.0.0.0/8, 192.168.0.0/16, which does not include 203.0.113.7"
        )],
    );
    assert!(remediation(c9030).contains("203.0.113.7/32"));
    // Port 8030 has no rule at all.
    check_is(
        &report,
        "network.sg-8030",
        CheckStatus::Fail,
        &["allows TCP 8030 at all"],
    );

    // From inside the prefix list's range the same rule lets the address in.
    let ctx = ctx_with_egress_ip(&moto, "http://cluster.example:8030", &[&sg], "192.168.7.9");
    let report = run_network(&ctx).await;
    check_is(
        &report,
        "network.sg-9030",
        CheckStatus::Pass,
        &["its entry 192.168.0.0/16 includes 192.168.7.9"],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_discovered_from_the_cluster_address() {
    let Cloud {
        moto,
        ec2,
        sg,
        subnet,
        ..
    } = Cloud::start().await;
    ec2.allow_tcp_from(&sg, 9030, &format!("{EGRESS}/32"));
    ec2.allow_tcp_from(&sg, 8030, &format!("{EGRESS}/32"));
    let eni = ec2.create_network_interface(&subnet, CLUSTER_IP, &[&sg]);
    // Another interface in the same subnet with another group: not the cluster's.
    ec2.create_network_interface(&subnet, "10.0.1.99", &[]);
    let ctx = ctx_detecting_egress(&moto, &format!("http://{CLUSTER_IP}:8030"), &[]).await;
    let report = run_network(&ctx).await;
    let groups = check_is(
        &report,
        "network.security-groups",
        CheckStatus::Pass,
        &[&format!("{eni} ({CLUSTER_IP}): {sg}")],
    );
    assert!(
        groups.detail.starts_with(&format!("{sg} (discovered from")),
        "{groups:#?}"
    );
    assert!(!groups.detail.contains("10.0.1.99"), "{groups:#?}");
    assert_eq!(check(&report, "network.sg-9030").status, CheckStatus::Pass);
    assert_eq!(check(&report, "network.sg-8030").status, CheckStatus::Pass);
    assert!(report.passed(), "{report:#?}");

    let sdk = ks_local::sdk_config(&moto.endpoint).await;
    let (client, _) = ks_preflight::aws::Ec2Client::new(&sdk, Some(&moto.endpoint));
    let found =
        network::discover_security_groups(&client, &[CLUSTER_IP.parse::<IpAddr>().unwrap()])
            .await
            .unwrap();
    assert_eq!(found.0, vec![sg]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_groups_found_warns_and_skips_the_rule_checks() {
    let moto = Emulator::moto();
    let ctx = ctx_detecting_egress(&moto, "http://10.9.9.9:8030", &[]).await;
    let report = run_network(&ctx).await;
    let groups = check_is(
        &report,
        "network.security-groups",
        CheckStatus::Warn,
        &["10.0.1.25 -> 10.0.1.25"],
    );
    assert!(
        remediation(groups).contains("set `[network] security-group-ids = [\"sg-…\"]`"),
        "{groups:#?}"
    );
    for id in RULE_CHECKS {
        check_is(
            &report,
            id,
            CheckStatus::Skipped,
            &["security groups are not known"],
        );
    }
    assert!(report.passed(), "skipped and warned, not failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_fix_adds_exactly_one_host_rule() {
    let Cloud { moto, ec2, sg, .. } = Cloud::start().await;
    ec2.allow_tcp_from(&sg, 8030, "203.0.113.0/24");
    let ctx = ctx_detecting_egress(&moto, "http://cluster.example:8030", &[&sg]).await;
    let report = run_network(&ctx).await;
    let rule = rule_to_add(&report);

    let before = cidr_rules(&ec2, &sg);
    network::apply_fix(&ctx, &rule).await.unwrap();
    let after = cidr_rules(&ec2, &sg);
    assert_eq!(after.len(), before.len() + 1, "{after:#?}");
    let added: Vec<&Ingress> = after.iter().filter(|r| r.from_port == Some(9030)).collect();
    assert_eq!(
        added,
        vec![&Ingress {
            protocol: "tcp".into(),
            from_port: Some(9030),
            to_port: Some(9030),
            list: "ipRanges",
            source: "203.0.113.7/32".into(),
            description: Some(rule.description.clone()),
        }],
        "{after:#?}"
    );

    // Applying it again adds nothing; the check now passes.
    network::apply_fix(&ctx, &rule).await.unwrap();
    assert_eq!(cidr_rules(&ec2, &sg), after);
    let report = run_network(&ctx).await;
    assert_eq!(check(&report, "network.sg-9030").status, CheckStatus::Pass);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn egress_detection_failure_says_to_set_egress_ip() {
    let Cloud { moto, sg, .. } = Cloud::start().await;
    for (url, expect) in [
        (checkip(503, "unavailable").await, "HTTP 503"),
        (
            checkip(200, "<html>hello</html>").await,
            "is not an IP address",
        ),
        (
            format!("http://127.0.0.1:{}/", ks_tests::emulators::free_port()),
            "error sending request",
        ),
    ] {
        let ctx = context(
            config("http://cluster.example:8030", &[&sg], None),
            &moto,
            url.clone(),
        );
        let report = run_network(&ctx).await;
        let egress = check_is(
            &report,
            "network.egress-ip",
            CheckStatus::Fail,
            &[
                &format!("could not detect this machine's public address from {url}"),
                expect,
            ],
        );
        let r = remediation(egress);
        assert!(
            r.contains("set `[network] egress-ip = \"203.0.113.7\"`"),
            "{r}"
        );
        // The groups are still read; the port checks cannot be judged.
        assert_eq!(
            check(&report, "network.security-groups").status,
            CheckStatus::Pass
        );
        check_is(
            &report,
            "network.sg-9030",
            CheckStatus::Skipped,
            &["network.egress-ip"],
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ipv6_egress_gets_a_128_rule() {
    let Cloud { moto, ec2, sg, .. } = Cloud::start().await;
    let ctx = ctx_with_egress_ip(&moto, "http://cluster.example:8030", &[&sg], "2001:db8::7");
    let report = run_network(&ctx).await;
    check_is(&report, "network.sg-9030", CheckStatus::Fail, &[]);
    let rule = rule_to_add(&report);
    assert_eq!(rule.cidr, "2001:db8::7/128");
    network::apply_fix(&ctx, &rule).await.unwrap();
    let rules = ec2.ingress(&sg);
    assert_eq!(rules.len(), 1, "{rules:#?}");
    assert_eq!(rules[0].list, "ipv6Ranges");
    assert_eq!(rules[0].source, "2001:db8::7/128");
    assert_eq!(
        (rules[0].from_port, rules[0].to_port),
        (Some(9030), Some(9030))
    );
    let report = run_network(&ctx).await;
    assert_eq!(check(&report, "network.sg-9030").status, CheckStatus::Pass);
    assert_eq!(check(&report, "network.sg-8030").status, CheckStatus::Fail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_group_id_in_the_config_fails_plainly() {
    let moto = Emulator::moto();
    let ctx = ctx_detecting_egress(
        &moto,
        "http://cluster.example:8030",
        &["sg-0123456789abcdef0"],
    )
    .await;
    let report = run_network(&ctx).await;
    let groups = check_is(
        &report,
        "network.security-groups",
        CheckStatus::Fail,
        &["sg-0123456789abcdef0", "InvalidGroup.NotFound"],
    );
    assert!(
        remediation(groups).contains("Check `[network] security-group-ids`"),
        "{groups:#?}"
    );
    for id in RULE_CHECKS {
        check_is(&report, id, CheckStatus::Skipped, &[]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_on_this_machine_needs_no_security_group() {
    // No [network] groups and every host loopback (a local StarRocks, the demo): nothing to check,
    // and no public-address detection either (the checkip URL here answers 503).
    let moto = Emulator::moto();
    let at = Endpoints::new("stock", "jdbc:mysql://127.0.0.1:9030", "localhost:8030");
    let p = PipelineToml {
        name: "local",
        ..PipelineToml::default()
    };
    let config = pipeline_config(&at, &p).unwrap();
    let ctx = context(config, &moto, checkip(503, "down").await);
    let report = ks_preflight::run(&ctx, &[CheckGroup::Network], &mut |_| {}).await;
    assert!(report.passed(), "{report:#?}");
    assert_eq!(report.count(CheckStatus::Skipped), report.checks.len());
    for c in &report.checks {
        assert!(
            c.detail
                .contains("not applicable: the cluster is on this machine (127.0.0.1, localhost)"),
            "{c:#?}"
        );
    }
    // With the groups named in the config, they are checked even for a local address.
    let mut with_groups = ctx.clone();
    with_groups.config.network.security_group_ids = vec!["sg-00000000000000000".into()];
    with_groups.config.network.egress_ip = Some("203.0.113.7".into());
    let report = ks_preflight::run(&with_groups, &[CheckGroup::Network], &mut |_| {}).await;
    assert_eq!(
        report.get("network.egress-ip").unwrap().status,
        CheckStatus::Pass,
        "{report:#?}"
    );
}

/// With IAM enforced, moto checks each request's SigV4 signature (botocore's signer) and the
/// caller's policy: the EC2 calls of discovery, rule reading and the fix are signed right, a wrong
/// secret and a missing permission are told apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec2_calls_are_signed_and_iam_decides() {
    let Cloud {
        moto,
        ec2,
        sg,
        subnet,
        ..
    } = Cloud::start().await;
    ec2.allow_tcp_from(&sg, 9030, &format!("{EGRESS}/32"));
    ec2.create_network_interface(&subnet, CLUSTER_IP, &[&sg]);
    let policy = |actions: &[&str]| {
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]
        })
        .to_string()
    };
    let api = moto.api();
    let (admin_id, admin_secret) = api.user_with_policy(
        "sg-admin",
        &policy(&[
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeSecurityGroups",
            "ec2:AuthorizeSecurityGroupIngress",
        ]),
    );
    let (eni_only_id, eni_only_secret) =
        api.user_with_policy("eni-only", &policy(&["ec2:DescribeNetworkInterfaces"]));
    api.enforce_iam();

    let with_keys = |id: &str, secret: &str, ctx: &mut PreflightContext| {
        ctx.aws.credentials = Some(aws_sdk_kinesis::config::Credentials::new(
            id,
            secret,
            None,
            None,
            "moto-iam-user",
        ));
    };
    let load_url = format!("http://{CLUSTER_IP}:8030");

    // Allowed: groups discovered from the cluster's address, 9030 passes, 8030 is missing.
    let mut ctx = ctx_detecting_egress(&moto, &load_url, &[]).await;
    with_keys(&admin_id, &admin_secret, &mut ctx);
    let report = run_network(&ctx).await;
    check_is(
        &report,
        "network.security-groups",
        CheckStatus::Pass,
        &[&format!("{sg} (discovered from")],
    );
    assert_eq!(check(&report, "network.sg-9030").status, CheckStatus::Pass);
    check_is(&report, "network.sg-8030", CheckStatus::Fail, &[]);
    // The fix is a signed AuthorizeSecurityGroupIngress; then 8030 passes.
    let c8030 = check(&report, "network.sg-8030");
    let Some(CheckFix::AddIngressRule(rule)) = c8030.fix.clone() else {
        panic!("no fix: {c8030:#?}")
    };
    network::apply_fix(&ctx, &rule).await.unwrap();
    let report = run_network(&ctx).await;
    assert_eq!(check(&report, "network.sg-8030").status, CheckStatus::Pass);

    // The right key id with a wrong secret: the signature does not match (EC2 says AuthFailure).
    with_keys(&admin_id, "not-the-secret", &mut ctx);
    let report = run_network(&ctx).await;
    let groups = check_is(
        &report,
        "network.security-groups",
        CheckStatus::Warn,
        &["ec2:DescribeNetworkInterfaces: the credentials were not accepted"],
    );
    assert!(groups.detail.contains("AuthFailure"), "{groups:#?}");

    // Discovery allowed, DescribeSecurityGroups refused: says which permission to add.
    with_keys(&eni_only_id, &eni_only_secret, &mut ctx);
    let report = run_network(&ctx).await;
    let groups = check_is(
        &report,
        "network.security-groups",
        CheckStatus::Fail,
        &["ec2:DescribeSecurityGroups was refused (access denied)"],
    );
    assert!(
        remediation(groups).starts_with("Allow ec2:DescribeSecurityGroups"),
        "{groups:#?}"
    );
}

/// Credentials resolved by the chain, counted, expiring at `expiry`.
#[derive(Debug, Clone)]
struct CountingCredentials {
    calls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    expiry: Option<std::time::SystemTime>,
}

impl aws_credential_types::provider::ProvideCredentials for CountingCredentials {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        aws_credential_types::provider::future::ProvideCredentials::ready(Ok(
            aws_credential_types::Credentials::new(
                "AKIDTEST",
                "secret",
                None,
                self.expiry,
                "count",
            ),
        ))
    }
}

/// The EC2 client resolves credentials once while they are fresh (an assume-role profile would
/// cost a round trip each time), and again when they are about to expire.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ec2_credentials_are_resolved_once_while_fresh() {
    let moto = Emulator::moto();
    for (expiry, resolutions) in [
        (None, 1),
        (
            Some(std::time::SystemTime::now() + Duration::from_secs(3600)),
            1,
        ),
        // Within the refresh margin: resolved for every call.
        (
            Some(std::time::SystemTime::now() + Duration::from_secs(30)),
            3,
        ),
    ] {
        let counting = CountingCredentials {
            calls: Default::default(),
            expiry,
        };
        let sdk = ks_local::sdk_config(&moto.endpoint)
            .await
            .into_builder()
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(counting.clone()),
            )
            .build();
        let (ec2, _) = ks_preflight::aws::Ec2Client::new(&sdk, Some(&moto.endpoint));
        for _ in 0..3 {
            ec2.call("DescribeSecurityGroups", &[]).await.unwrap();
        }
        assert_eq!(
            counting.calls.load(std::sync::atomic::Ordering::SeqCst),
            resolutions,
            "expiry {expiry:?}"
        );
    }
}
