//! The network check group: `network.egress-ip`, `network.security-groups`, one
//! `network.sg-<port>` per cluster port and `network.sg-open-world`, with their detail and
//! remediation text.

use super::ec2::{discover_security_groups, inbound_rules};
use super::egress::{EgressError, egress_ip};
use super::fix::{fix_description, this_host};
use super::rules::{Cidr, evaluate_port};
use super::{GROUP, ID_EGRESS_IP, ID_OPEN_WORLD, ID_SECURITY_GROUPS, port_check_id};
use crate::aws::{self, AwsError};
use crate::{Checklist, PreflightContext};
use ks_core::check::{CheckFix, CheckResult, CheckStatus, IngressRule};
use std::collections::BTreeSet;
use std::net::IpAddr;

struct PortToCheck {
    port: u16,
    what: String,
}

fn ports_to_check(ctx: &PreflightContext, list: &Checklist<'_>) -> Vec<PortToCheck> {
    let mut ports: Vec<PortToCheck> = Vec::new();
    if let Some(j) = &ctx.config.sink.jdbc_url {
        ports.push(PortToCheck {
            port: j.port,
            what: "MySQL protocol, jdbc-url".into(),
        });
    }
    for l in &ctx.config.sink.load_urls {
        if !ports.iter().any(|p| p.port == l.port) {
            ports.push(PortToCheck {
                port: l.port,
                what: format!("Stream Load, {}", l.base),
            });
        }
    }
    // Self-managed clusters redirect loads from the FE (8030) to a BE/CN (8040): that port must be
    // open too (the same groups are assumed; BE nodes in other groups need the same rule there).
    if let Some(authority) = list.fact(crate::FACT_REDIRECT_AUTHORITY)
        && let Some(port) = authority
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse::<u16>().ok())
        && !ports.iter().any(|p| p.port == port)
    {
        ports.push(PortToCheck {
            port,
            what: format!("Stream Load redirect target {authority}"),
        });
    }
    ports
}

/// The cluster's hosts (jdbc-url and load-urls) when every one is a loopback address or
/// `localhost`; None otherwise.
fn loopback_only_hosts(ctx: &PreflightContext) -> Option<String> {
    let sink = &ctx.config.sink;
    let mut hosts: Vec<String> = sink.jdbc_url.iter().map(|j| j.host.clone()).collect();
    hosts.extend(sink.load_urls.iter().map(|l| l.host.clone()));
    hosts.dedup();
    let loopback = |h: &str| {
        let h = h.trim_start_matches('[').trim_end_matches(']');
        h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    };
    (!hosts.is_empty() && hosts.iter().all(|h| loopback(h))).then(|| hosts.join(", "))
}

fn skipped_because(id: &str, title: String, detail: String) -> CheckResult {
    CheckResult {
        detail,
        ..CheckResult::skipped(GROUP, id, title, "")
    }
}

/// Runs `network.egress-ip`, `network.security-groups`, `network.sg-<port>` for the jdbc-url port and
/// each load-url port, and `network.sg-open-world`.
pub async fn run(ctx: &PreflightContext, list: &mut Checklist<'_>) {
    let ports = ports_to_check(ctx, list);
    let port_title =
        |p: &PortToCheck| format!("Inbound TCP {} ({}) from this machine", p.port, p.what);
    let open_title = "No world-open MySQL port".to_string();
    let skip_rest = |list: &mut Checklist<'_>, detail: &str| {
        for p in &ports {
            list.push(skipped_because(
                &port_check_id(p.port),
                port_title(p),
                detail.to_string(),
            ));
        }
        list.push(skipped_because(
            ID_OPEN_WORLD,
            open_title.clone(),
            detail.to_string(),
        ));
    };

    // A cluster on this machine (a local StarRocks, the stand-in, the demo): no security group
    // sits between, and detecting the public address would only add a network call.
    if ctx.config.network.security_group_ids.is_empty()
        && let Some(hosts) = loopback_only_hosts(ctx)
    {
        let detail = format!(
            "not applicable: the cluster is on this machine ({hosts}); no security group sits \
             between"
        );
        list.push(skipped_because(
            ID_EGRESS_IP,
            "This machine's public address".into(),
            detail.clone(),
        ));
        list.push(skipped_because(
            ID_SECURITY_GROUPS,
            "The cluster's security groups".into(),
            detail.clone(),
        ));
        skip_rest(list, &detail);
        return;
    }

    // ---- network.egress-ip
    list.begin(ID_EGRESS_IP, "This machine's public address");
    let egress = match egress_ip(ctx).await {
        Ok((ip, how)) => {
            list.push(CheckResult::pass(
                GROUP,
                ID_EGRESS_IP,
                "This machine's public address",
                format!("{ip} ({how})"),
            ));
            Some(ip)
        }
        Err(e) => {
            let remediation = match &e {
                EgressError::BadConfig { .. } => {
                    "Set `[network] egress-ip` to this machine's public \
                    IPv4 or IPv6 address, e.g. egress-ip = \"203.0.113.7\"."
                        .to_string()
                }
                EgressError::Detect { url, .. } => format!(
                    "This machine's public address could not be detected from {url}: set \
                     `[network] egress-ip = \"203.0.113.7\"` in the config (the address the \
                     cluster sees connections come from, e.g. the NAT gateway's), or allow HTTPS \
                     to {url}."
                ),
            };
            list.push(CheckResult::fail(
                GROUP,
                ID_EGRESS_IP,
                "This machine's public address",
                e.to_string(),
                remediation,
            ));
            None
        }
    };

    // ---- network.security-groups
    let sg_title = "The cluster's security groups";
    if list.status(aws::ID_CREDENTIALS) == Some(CheckStatus::Fail) {
        list.push(CheckResult::skipped(
            GROUP,
            ID_SECURITY_GROUPS,
            sg_title,
            aws::ID_CREDENTIALS,
        ));
        skip_rest(list, &format!("skipped: {} failed", aws::ID_CREDENTIALS));
        return;
    }
    list.begin(ID_SECURITY_GROUPS, sg_title);
    let sdk = aws::sdk_config(ctx).await;
    let (ec2, endpoint) = aws::ec2_client(ctx, &sdk);
    let configured = &ctx.config.network.security_group_ids;
    let (group_ids, how) = if !configured.is_empty() {
        (
            configured.clone(),
            "from `[network] security-group-ids`".to_string(),
        )
    } else {
        let mut hosts: Vec<String> = Vec::new();
        if let Some(j) = &ctx.config.sink.jdbc_url {
            hosts.push(j.host.clone());
        }
        for l in &ctx.config.sink.load_urls {
            if !hosts.contains(&l.host) {
                hosts.push(l.host.clone());
            }
        }
        let mut addrs: BTreeSet<IpAddr> = BTreeSet::new();
        let mut resolved = Vec::new();
        for h in &hosts {
            let lookup =
                tokio::time::timeout(ctx.timeout, tokio::net::lookup_host((h.as_str(), 0)));
            match lookup.await {
                Ok(Ok(it)) => {
                    let a: Vec<IpAddr> = it.map(|s| s.ip()).collect();
                    resolved.push(format!(
                        "{h} -> {}",
                        a.iter()
                            .map(IpAddr::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    addrs.extend(a);
                }
                Ok(Err(e)) => resolved.push(format!("{h}: does not resolve ({e})")),
                Err(_) => resolved.push(format!("{h}: DNS timed out")),
            }
        }
        let addrs: Vec<IpAddr> = addrs.into_iter().collect();
        let found = if addrs.is_empty() {
            Ok((Vec::new(), Vec::new()))
        } else {
            discover_security_groups(&ec2, &addrs).await
        };
        match found {
            Ok((groups, enis)) if !groups.is_empty() => (
                groups,
                format!(
                    "discovered from the network interfaces of {}:\n{}",
                    resolved.join("; "),
                    enis.join("\n")
                ),
            ),
            Ok(_) => {
                list.push(CheckResult::warn(
                    GROUP,
                    ID_SECURITY_GROUPS,
                    sg_title,
                    format!(
                        "no network interface in this account and region holds {} (checked with \
                         ec2:DescribeNetworkInterfaces at {endpoint})",
                        if resolved.is_empty() {
                            "the cluster's addresses (no jdbc-url or load-url)".to_string()
                        } else {
                            resolved.join("; ")
                        }
                    ),
                    "The cluster's security groups were not found (a managed cluster such as \
                     CelerData lives in another account): set `[network] security-group-ids = \
                     [\"sg-…\"]` in the config to have its inbound rules checked, or check them in \
                     the console; the rule checks are skipped.",
                ));
                skip_rest(list, "skipped: the cluster's security groups are not known");
                return;
            }
            Err(e) => {
                list.push(CheckResult::warn(
                    GROUP,
                    ID_SECURITY_GROUPS,
                    sg_title,
                    format!("{e}\n(resolved: {})", resolved.join("; ")),
                    "The cluster's security groups could not be discovered: set `[network] \
                     security-group-ids = [\"sg-…\"]` in the config (and allow \
                     ec2:DescribeNetworkInterfaces / ec2:DescribeSecurityGroups), or check the \
                     inbound rules in the console; the rule checks are skipped.",
                ));
                skip_rest(list, "skipped: the cluster's security groups are not known");
                return;
            }
        }
    };
    let rules = match inbound_rules(&ec2, &group_ids).await {
        Ok(r) => r,
        Err(e) => {
            let remediation = match &e {
                AwsError::AccessDenied { .. } => "Allow ec2:DescribeSecurityGroups (and \
                    ec2:GetManagedPrefixListEntries) for these credentials, or check the inbound \
                    rules in the console."
                    .to_string(),
                AwsError::NoCredentials { .. } => {
                    format!(
                        "No AWS credentials to read the security groups: {}.",
                        aws::CREDENTIAL_WAYS
                    )
                }
                AwsError::CredentialsRejected { .. } => "The AWS credentials were not accepted: \
                    check the access key or refresh the session (`aws sso login`)."
                    .to_string(),
                AwsError::Unreachable { .. } | AwsError::Timeout { .. } => {
                    format!(
                        "EC2 ({endpoint}) could not be reached: check the network and the region."
                    )
                }
                _ => "Check `[network] security-group-ids` (ids like \"sg-0123456789abcdef0\", in \
                      the cluster's region) and the region."
                    .to_string(),
            };
            list.push(CheckResult::fail(
                GROUP,
                ID_SECURITY_GROUPS,
                sg_title,
                format!("{} ({how})\n{e}", group_ids.join(", ")),
                remediation,
            ));
            skip_rest(list, &format!("skipped: {ID_SECURITY_GROUPS} failed"));
            return;
        }
    };
    let rule_lines: Vec<String> = rules.iter().map(|r| format!("  {}", r.summary())).collect();
    list.push(CheckResult::pass(
        GROUP,
        ID_SECURITY_GROUPS,
        sg_title,
        format!(
            "{} ({how})\ninbound rules:\n{}",
            group_ids.join(", "),
            if rule_lines.is_empty() {
                "  (none)".to_string()
            } else {
                rule_lines.join("\n")
            }
        ),
    ));

    // ---- network.sg-<port>
    let Some(egress) = egress else {
        skip_rest(list, &format!("skipped: {ID_EGRESS_IP} failed"));
        return;
    };
    let host = this_host();
    let today = chrono::Local::now().date_naive();
    for p in &ports {
        let v = evaluate_port(&rules, egress, p.port);
        let id = port_check_id(p.port);
        let others = if v.others.is_empty() {
            String::new()
        } else {
            format!(
                "\nrules on port {} that do not let {egress} in:\n  {}",
                p.port,
                v.others.join("\n  ")
            )
        };
        if v.allowed() {
            list.push(CheckResult::pass(
                GROUP,
                &id,
                port_title(p),
                format!("allowed by:\n  {}{others}", v.allowed_by.join("\n  ")),
            ));
        } else {
            let rule = IngressRule {
                group_id: group_ids[0].clone(),
                protocol: "tcp".into(),
                from_port: p.port,
                to_port: p.port,
                cidr: Cidr::host(egress).to_string(),
                description: fix_description(&host, today),
            };
            let detail = if v.others.is_empty() {
                format!(
                    "no inbound rule of {} allows TCP {} at all",
                    group_ids.join(", "),
                    p.port
                )
            } else {
                format!("no inbound rule lets {egress} in on TCP {}{others}", p.port)
            };
            list.push(
                CheckResult::fail(
                    GROUP,
                    &id,
                    port_title(p),
                    detail,
                    format!(
                        "Add this inbound rule (`check --fix` or the Fix button adds it after you \
                         confirm): {rule}"
                    ),
                )
                .with_fix(CheckFix::AddIngressRule(rule)),
            );
        }
    }

    // ---- network.sg-open-world
    match ctx.config.sink.jdbc_url.as_ref() {
        None => list.push(skipped_because(
            ID_OPEN_WORLD,
            open_title,
            "skipped: no sink.jdbc-url in the config".into(),
        )),
        Some(j) => {
            let v = evaluate_port(&rules, egress, j.port);
            if v.open_world.is_empty() {
                list.push(CheckResult::pass(
                    GROUP,
                    ID_OPEN_WORLD,
                    open_title,
                    format!("no rule opens TCP {} to 0.0.0.0/0 or ::/0", j.port),
                ));
            } else {
                list.push(CheckResult::warn(
                    GROUP,
                    ID_OPEN_WORLD,
                    open_title,
                    format!(
                        "open to the whole internet on TCP {}:\n  {}",
                        j.port,
                        v.open_world.join("\n  ")
                    ),
                    format!(
                        "Port {} (MySQL) is open to anyone on the internet: replace the 0.0.0.0/0 \
                         (::/0) rule with rules for the addresses that need it, e.g. {}.",
                        j.port,
                        Cidr::host(egress)
                    ),
                ));
            }
        }
    }
}
