//! The security-groups group: this machine's egress address (config `[network] egress-ip`, else
//! detected over HTTP), the cluster's security groups (config `[network] security-group-ids`, else
//! discovered from the cluster hosts' addresses with DescribeNetworkInterfaces), and their inbound
//! rules evaluated for the MySQL port and the load-url ports against that address.
//!
//! The evaluation ([`evaluate_port`]) is pure over a small rule model ([`InboundRule`]); the EC2
//! calls only fill the model. A missing rule comes with the exact rule to add
//! ([`CheckFix::AddIngressRule`]), which [`apply_fix`] adds after the user confirms.

use crate::aws::{self, AwsError, error_chain};
use crate::{Checklist, PreflightContext};
use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, Ipv6Range};
use ks_core::check::{CheckFix, CheckGroup, CheckResult, CheckStatus, IngressRule};
use std::collections::BTreeSet;
use std::fmt;
use std::net::IpAddr;

const GROUP: CheckGroup = CheckGroup::Network;

pub const ID_EGRESS_IP: &str = "network.egress-ip";
pub const ID_SECURITY_GROUPS: &str = "network.security-groups";
pub const ID_OPEN_WORLD: &str = "network.sg-open-world";

/// The id of the inbound-rule check for one port: `network.sg-9030`, `network.sg-443`.
pub fn port_check_id(port: u16) -> String {
    format!("network.sg-{port}")
}

// -------------------------------------------------------------------------------------------------
// Rule model and evaluation (pure)

/// An IPv4 or IPv6 network: address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// `10.0.0.0/8`, `2001:db8::/32`; a bare address is a /32 (/128).
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Cidr { addr, prefix })
    }

    /// The host route for an address (`/32`, `/128`).
    pub fn host(addr: IpAddr) -> Cidr {
        Cidr {
            addr,
            prefix: if addr.is_ipv4() { 32 } else { 128 },
        }
    }

    /// Whether `ip` is in this network (an IPv4 address is never in an IPv6 network and back).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }

    /// `0.0.0.0/0` or `::/0`: anyone on the internet.
    pub fn is_world(&self) -> bool {
        self.prefix == 0
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Where an inbound rule lets traffic come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSource {
    Cidr(Cidr),
    /// A managed prefix list; its entries when they could be read, else why not.
    PrefixList {
        id: String,
        entries: Result<Vec<Cidr>, String>,
    },
    /// Members of another security group (instances, not addresses on the internet).
    Group {
        id: String,
    },
}

/// One inbound permission of a security group, one source per rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundRule {
    pub group_id: String,
    /// `tcp`, `udp`, `icmp`, `-1` (all) or a protocol number.
    pub protocol: String,
    /// None or -1: all ports.
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub source: RuleSource,
    pub description: Option<String>,
}

impl InboundRule {
    fn all_protocols(&self) -> bool {
        matches!(self.protocol.to_ascii_lowercase().as_str(), "-1" | "all")
    }

    /// TCP (or all protocols) and the port in range.
    pub fn covers_tcp_port(&self, port: u16) -> bool {
        if self.all_protocols() {
            return true;
        }
        if !matches!(self.protocol.to_ascii_lowercase().as_str(), "tcp" | "6") {
            return false;
        }
        match (self.from_port, self.to_port) {
            (None | Some(-1), _) | (_, None | Some(-1)) => true,
            (Some(from), Some(to)) => (from..=to).contains(&i32::from(port)),
        }
    }

    fn ports_text(&self) -> String {
        if self.all_protocols() {
            return "all traffic".to_string();
        }
        let proto = self.protocol.to_ascii_lowercase();
        match (self.from_port, self.to_port) {
            (None | Some(-1), _) | (_, None | Some(-1)) => format!("{proto} all ports"),
            (Some(a), Some(b)) if a == b => format!("{proto} {a}"),
            (Some(a), Some(b)) => format!("{proto} {a}-{b}"),
        }
    }

    fn source_text(&self) -> String {
        match &self.source {
            RuleSource::Cidr(c) => c.to_string(),
            RuleSource::PrefixList { id, .. } => format!("prefix list {id}"),
            RuleSource::Group { id } => format!("security group {id}"),
        }
    }

    /// `sg-1: tcp 9030 from 10.0.0.0/8 ("office")`.
    pub fn summary(&self) -> String {
        let desc = self
            .description
            .as_deref()
            .filter(|d| !d.is_empty())
            .map(|d| format!(" ({d:?})"))
            .unwrap_or_default();
        format!(
            "{}: {} from {}{desc}",
            self.group_id,
            self.ports_text(),
            self.source_text()
        )
    }
}

/// What the rules of the cluster's groups say about one port from one address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortVerdict {
    pub port: u16,
    /// Rules that let the address in, each with why.
    pub allowed_by: Vec<String>,
    /// Rules on this port that do not let the address in, each with what they do allow.
    pub others: Vec<String>,
    /// Rules open to 0.0.0.0/0 or ::/0 on this port.
    pub open_world: Vec<String>,
}

impl PortVerdict {
    pub fn allowed(&self) -> bool {
        !self.allowed_by.is_empty()
    }
}

/// Evaluates the inbound rules for TCP `port` from `egress`.
pub fn evaluate_port(rules: &[InboundRule], egress: IpAddr, port: u16) -> PortVerdict {
    let mut v = PortVerdict {
        port,
        ..PortVerdict::default()
    };
    for rule in rules.iter().filter(|r| r.covers_tcp_port(port)) {
        let s = rule.summary();
        match &rule.source {
            RuleSource::Cidr(c) => {
                if c.is_world() {
                    v.open_world.push(s.clone());
                }
                if c.contains(egress) {
                    v.allowed_by.push(format!("{s}: includes {egress}"));
                } else {
                    v.others.push(format!("{s}: does not include {egress}"));
                }
            }
            RuleSource::PrefixList {
                entries: Ok(entries),
                ..
            } => {
                match entries.iter().find(|c| c.contains(egress)) {
                    Some(c) => v
                        .allowed_by
                        .push(format!("{s}: its entry {c} includes {egress}")),
                    None => {
                        let list: Vec<String> = entries.iter().map(Cidr::to_string).collect();
                        let allows = if list.is_empty() {
                            "it has no entries".to_string()
                        } else {
                            format!("it allows {}", list.join(", "))
                        };
                        v.others
                            .push(format!("{s}: {allows}, which does not include {egress}"));
                    }
                }
                if entries.iter().any(Cidr::is_world) {
                    v.open_world.push(s);
                }
            }
            RuleSource::PrefixList {
                entries: Err(why), ..
            } => v.others.push(format!(
                "{s}: its entries could not be read ({why}), so it is not known to include {egress}"
            )),
            RuleSource::Group { id } => v.others.push(format!(
                "{s}: allows traffic from members of {id}, which does not include this machine"
            )),
        }
    }
    v
}

// -------------------------------------------------------------------------------------------------
// Egress address

/// Why the egress address is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EgressError {
    #[error("`[network] egress-ip` = {value:?} is not an IP address")]
    BadConfig { value: String },
    #[error("could not detect this machine's public address from {url}: {message}")]
    Detect { url: String, message: String },
}

/// This machine's public address: `[network] egress-ip`, else the body of GET `ctx.egress_ip_url`
/// (checkip.amazonaws.com answers with the bare address). Returns it and where it came from.
pub async fn egress_ip(ctx: &PreflightContext) -> Result<(IpAddr, String), EgressError> {
    if let Some(value) = ctx.config.network.egress_ip.as_deref() {
        let ip = value
            .trim()
            .parse::<IpAddr>()
            .map_err(|_| EgressError::BadConfig {
                value: value.to_string(),
            })?;
        return Ok((ip, "from `[network] egress-ip`".into()));
    }
    let url = ctx.egress_ip_url.clone();
    let detect = |message: String| EgressError::Detect {
        url: url.clone(),
        message,
    };
    let client = reqwest::Client::builder()
        .timeout(ctx.timeout)
        .connect_timeout(ctx.timeout)
        .build()
        .map_err(|e| detect(error_chain(&e)))?;
    let resp = client
        .get(&url)
        .send()
        .await
        .map_err(|e| detect(error_chain(&e)))?;
    let status = resp.status();
    let body = resp.text().await.map_err(|e| detect(error_chain(&e)))?;
    if !status.is_success() {
        return Err(detect(format!("HTTP {status}")));
    }
    let text = body.trim();
    let ip = text.parse::<IpAddr>().map_err(|_| {
        let shown: String = text.chars().take(80).collect();
        detect(format!("the answer {shown:?} is not an IP address"))
    })?;
    Ok((ip, format!("detected from {url}")))
}

// -------------------------------------------------------------------------------------------------
// EC2: discovery, rules, prefix lists, the fix

/// The groups of the network interfaces that hold `addresses` (private or public), and one line
/// per interface found.
pub async fn discover_security_groups(
    ec2: &aws_sdk_ec2::Client,
    endpoint: &str,
    addresses: &[IpAddr],
) -> Result<(Vec<String>, Vec<String>), AwsError> {
    let v4: Vec<String> = addresses
        .iter()
        .filter(|a| a.is_ipv4())
        .map(|a| a.to_string())
        .collect();
    let v6: Vec<String> = addresses
        .iter()
        .filter(|a| a.is_ipv6())
        .map(|a| a.to_string())
        .collect();
    let mut queries: Vec<(&str, Vec<String>)> = Vec::new();
    if !v4.is_empty() {
        queries.push(("addresses.private-ip-address", v4.clone()));
        queries.push(("association.public-ip", v4));
    }
    if !v6.is_empty() {
        queries.push(("ipv6-addresses.ipv6-address", v6));
    }
    let mut groups: Vec<String> = Vec::new();
    let mut found = Vec::new();
    let mut first_err: Option<AwsError> = None;
    let mut any_ok = false;
    for (name, values) in queries {
        let filter = Filter::builder()
            .name(name)
            .set_values(Some(values))
            .build();
        match ec2
            .describe_network_interfaces()
            .filters(filter)
            .send()
            .await
        {
            Ok(out) => {
                any_ok = true;
                for eni in out.network_interfaces.unwrap_or_default() {
                    let ids: Vec<String> = eni
                        .groups
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|g| g.group_id)
                        .collect();
                    let line = format!(
                        "{} ({}{}): {}",
                        eni.network_interface_id.as_deref().unwrap_or("?"),
                        eni.private_ip_address.as_deref().unwrap_or("?"),
                        eni.association
                            .and_then(|a| a.public_ip)
                            .map(|p| format!(", public {p}"))
                            .unwrap_or_default(),
                        ids.join(", ")
                    );
                    if !found.contains(&line) {
                        found.push(line);
                    }
                    for id in ids {
                        if !groups.contains(&id) {
                            groups.push(id);
                        }
                    }
                }
            }
            Err(e) => {
                let e = aws::classify("ec2:DescribeNetworkInterfaces", endpoint, &e);
                if matches!(
                    e,
                    AwsError::AccessDenied { .. } | AwsError::CredentialsRejected { .. }
                ) {
                    return Err(e);
                }
                first_err.get_or_insert(e);
            }
        }
    }
    match (any_ok, first_err) {
        (false, Some(e)) => Err(e),
        _ => Ok((groups, found)),
    }
}

/// Reads the entries of a managed prefix list (paginated).
pub async fn prefix_list_entries(
    ec2: &aws_sdk_ec2::Client,
    endpoint: &str,
    id: &str,
) -> Result<Vec<Cidr>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = ec2
            .get_managed_prefix_list_entries()
            .prefix_list_id(id)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| aws::classify("ec2:GetManagedPrefixListEntries", endpoint, &e))?;
        out.extend(
            page.entries
                .unwrap_or_default()
                .into_iter()
                .filter_map(|e| e.cidr.as_deref().and_then(Cidr::parse)),
        );
        match page.next_token {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => break,
        }
    }
    Ok(out)
}

/// The inbound rules of `group_ids` (DescribeSecurityGroups), prefix lists resolved when possible.
pub async fn inbound_rules(
    ec2: &aws_sdk_ec2::Client,
    endpoint: &str,
    group_ids: &[String],
) -> Result<Vec<InboundRule>, AwsError> {
    let out = ec2
        .describe_security_groups()
        .set_group_ids(Some(group_ids.to_vec()))
        .send()
        .await
        .map_err(|e| aws::classify("ec2:DescribeSecurityGroups", endpoint, &e))?;
    let mut rules = Vec::new();
    for g in out.security_groups.unwrap_or_default() {
        let group_id = g.group_id.unwrap_or_default();
        for p in g.ip_permissions.unwrap_or_default() {
            let base = |source: RuleSource, description: Option<String>| InboundRule {
                group_id: group_id.clone(),
                protocol: p.ip_protocol.clone().unwrap_or_else(|| "-1".into()),
                from_port: p.from_port,
                to_port: p.to_port,
                source,
                description,
            };
            for r in p.ip_ranges() {
                if let Some(c) = r.cidr_ip.as_deref().and_then(Cidr::parse) {
                    rules.push(base(RuleSource::Cidr(c), r.description.clone()));
                }
            }
            for r in p.ipv6_ranges() {
                if let Some(c) = r.cidr_ipv6.as_deref().and_then(Cidr::parse) {
                    rules.push(base(RuleSource::Cidr(c), r.description.clone()));
                }
            }
            for pl in p.prefix_list_ids() {
                let Some(id) = pl.prefix_list_id.clone() else {
                    continue;
                };
                let entries = prefix_list_entries(ec2, endpoint, &id)
                    .await
                    .map_err(|e| e.to_string());
                rules.push(base(
                    RuleSource::PrefixList { id, entries },
                    pl.description.clone(),
                ));
            }
            for pair in p.user_id_group_pairs() {
                if let Some(id) = pair.group_id.clone() {
                    rules.push(base(RuleSource::Group { id }, pair.description.clone()));
                }
            }
        }
    }
    Ok(rules)
}

/// Adds `rule` to its security group (AuthorizeSecurityGroupIngress, with its description). An
/// identical rule that already exists counts as added. Call only after the user confirmed.
pub async fn apply_fix(ctx: &PreflightContext, rule: &IngressRule) -> Result<(), AwsError> {
    let sdk = aws::sdk_config(ctx).await;
    let (ec2, endpoint) = aws::ec2_client(ctx, &sdk);
    let op = "ec2:AuthorizeSecurityGroupIngress";
    let Some(cidr) = Cidr::parse(&rule.cidr) else {
        return Err(AwsError::Service {
            operation: op.into(),
            endpoint,
            code: None,
            message: format!("{:?} is not a CIDR (expected 203.0.113.7/32)", rule.cidr),
        });
    };
    let mut perm = IpPermission::builder()
        .ip_protocol(&rule.protocol)
        .from_port(i32::from(rule.from_port))
        .to_port(i32::from(rule.to_port));
    perm = if cidr.addr.is_ipv4() {
        perm.ip_ranges(
            IpRange::builder()
                .cidr_ip(cidr.to_string())
                .description(&rule.description)
                .build(),
        )
    } else {
        perm.ipv6_ranges(
            Ipv6Range::builder()
                .cidr_ipv6(cidr.to_string())
                .description(&rule.description)
                .build(),
        )
    };
    match ec2
        .authorize_security_group_ingress()
        .group_id(&rule.group_id)
        .ip_permissions(perm.build())
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = aws::classify(op, &endpoint, &e);
            if e.code() == Some("InvalidPermission.Duplicate") {
                Ok(())
            } else {
                Err(e)
            }
        }
    }
}

/// The description a fix rule carries: `kinesis-starrocks from <host> <YYYY-MM-DD>` (only the
/// characters EC2 accepts in a rule description).
pub fn fix_description(host: &str, date: chrono::NaiveDate) -> String {
    let host: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-:/()#,@[]+=&;{}!$* ".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(120)
        .collect();
    let host = if host.trim().is_empty() {
        "this machine".to_string()
    } else {
        host
    };
    format!("kinesis-starrocks from {host} {}", date.format("%Y-%m-%d"))
}

fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default()
}

// -------------------------------------------------------------------------------------------------
// The checks

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
            discover_security_groups(&ec2, &endpoint, &addrs).await
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
    let rules = match inbound_rules(&ec2, &endpoint, &group_ids).await {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn rule(protocol: &str, from: i32, to: i32, source: RuleSource) -> InboundRule {
        InboundRule {
            group_id: "sg-1".into(),
            protocol: protocol.into(),
            from_port: Some(from),
            to_port: Some(to),
            source,
            description: None,
        }
    }

    fn cidr(s: &str) -> RuleSource {
        RuleSource::Cidr(Cidr::parse(s).unwrap())
    }

    #[test]
    fn cidr_parse_and_contains() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains(ip("10.255.1.2")));
        assert!(!c.contains(ip("11.0.0.1")));
        assert!(
            Cidr::parse("203.0.113.7/32")
                .unwrap()
                .contains(ip("203.0.113.7"))
        );
        assert!(
            !Cidr::parse("203.0.113.7/32")
                .unwrap()
                .contains(ip("203.0.113.8"))
        );
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().is_world());
        assert_eq!(Cidr::parse("1.2.3.4").unwrap().prefix, 32);
        assert_eq!(Cidr::parse("2001:db8::1").unwrap().prefix, 128);
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("2001:db8::/129").is_none());
        assert!(Cidr::parse("nonsense/8").is_none());
        assert!(Cidr::parse("10.0.0.0/x").is_none());
        // Non-aligned network addresses still mask correctly.
        assert!(
            Cidr::parse("192.168.1.77/24")
                .unwrap()
                .contains(ip("192.168.1.3"))
        );
    }

    #[test]
    fn ipv6_cidrs() {
        let c = Cidr::parse("2001:db8::/32").unwrap();
        assert!(c.contains(ip("2001:db8:1::7")));
        assert!(!c.contains(ip("2001:db9::7")));
        assert!(Cidr::parse("::/0").unwrap().contains(ip("2600::1")));
        assert!(Cidr::parse("::/0").unwrap().is_world());
        // Families never mix.
        assert!(!Cidr::parse("::/0").unwrap().contains(ip("1.2.3.4")));
        assert!(
            !Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains(ip("2001:db8::1"))
        );
        assert_eq!(Cidr::host(ip("2001:db8::7")).to_string(), "2001:db8::7/128");
    }

    #[test]
    fn port_ranges_and_protocols() {
        let r = rule("tcp", 9000, 9100, cidr("0.0.0.0/0"));
        assert!(r.covers_tcp_port(9030));
        assert!(r.covers_tcp_port(9000));
        assert!(r.covers_tcp_port(9100));
        assert!(!r.covers_tcp_port(8999));
        assert!(!r.covers_tcp_port(9101));
        assert!(!rule("udp", 9030, 9030, cidr("0.0.0.0/0")).covers_tcp_port(9030));
        assert!(!rule("icmp", -1, -1, cidr("0.0.0.0/0")).covers_tcp_port(9030));
        assert!(rule("6", 9030, 9030, cidr("0.0.0.0/0")).covers_tcp_port(9030));
        assert!(rule("TCP", 9030, 9030, cidr("0.0.0.0/0")).covers_tcp_port(9030));
        // -1: every protocol and port, whatever the port fields say.
        assert!(rule("-1", 0, 0, cidr("0.0.0.0/0")).covers_tcp_port(443));
        assert!(rule("-1", -1, -1, cidr("0.0.0.0/0")).covers_tcp_port(9030));
        let mut no_ports = rule("tcp", 0, 0, cidr("0.0.0.0/0"));
        no_ports.from_port = None;
        no_ports.to_port = None;
        assert!(no_ports.covers_tcp_port(8040));
    }

    #[test]
    fn allowed_by_a_matching_cidr_on_the_port() {
        let rules = vec![
            rule("tcp", 9030, 9030, cidr("203.0.113.0/24")),
            rule("tcp", 8030, 8030, cidr("198.51.100.1/32")),
        ];
        let v = evaluate_port(&rules, ip("203.0.113.7"), 9030);
        assert!(v.allowed());
        assert_eq!(v.allowed_by.len(), 1);
        assert!(v.allowed_by[0].contains("203.0.113.0/24"), "{v:?}");
        assert!(v.open_world.is_empty());
        let v = evaluate_port(&rules, ip("203.0.113.7"), 8030);
        assert!(!v.allowed());
        assert!(
            v.others[0].contains("does not include 203.0.113.7"),
            "{v:?}"
        );
        // A port no rule mentions: nothing allows it, nothing else to say.
        let v = evaluate_port(&rules, ip("203.0.113.7"), 8040);
        assert!(!v.allowed() && v.others.is_empty());
    }

    #[test]
    fn overlapping_cidrs_all_listed() {
        let rules = vec![
            rule("tcp", 9030, 9030, cidr("10.0.0.0/8")),
            rule("tcp", 9000, 9999, cidr("10.1.0.0/16")),
            rule("-1", -1, -1, cidr("10.1.2.3/32")),
            rule("tcp", 9030, 9030, cidr("10.2.0.0/16")),
        ];
        let v = evaluate_port(&rules, ip("10.1.2.3"), 9030);
        assert_eq!(v.allowed_by.len(), 3, "{v:?}");
        assert_eq!(v.others.len(), 1);
        assert!(v.others[0].contains("10.2.0.0/16"));
    }

    #[test]
    fn ipv6_egress_only_matches_ipv6_rules() {
        let rules = vec![
            rule("tcp", 443, 443, cidr("0.0.0.0/0")),
            rule("tcp", 443, 443, cidr("2001:db8::/48")),
        ];
        let v = evaluate_port(&rules, ip("2001:db8:0:1::5"), 443);
        assert_eq!(v.allowed_by.len(), 1);
        assert!(v.allowed_by[0].contains("2001:db8::/48"));
        let v = evaluate_port(&rules, ip("2001:db9::5"), 443);
        assert!(!v.allowed());
        let v = evaluate_port(
            &[rule("tcp", 9030, 9030, cidr("::/0"))],
            ip("2600::1"),
            9030,
        );
        assert!(v.allowed());
        assert_eq!(v.open_world.len(), 1);
    }

    #[test]
    fn world_open_rules_are_flagged() {
        let rules = vec![rule("tcp", 9030, 9030, cidr("0.0.0.0/0"))];
        let v = evaluate_port(&rules, ip("203.0.113.7"), 9030);
        assert!(v.allowed());
        assert_eq!(
            v.open_world,
            vec!["sg-1: tcp 9030 from 0.0.0.0/0".to_string()]
        );
        // Not flagged on another port.
        assert!(
            evaluate_port(&rules, ip("203.0.113.7"), 443)
                .open_world
                .is_empty()
        );
    }

    #[test]
    fn prefix_lists_say_what_they_allow() {
        let pl = |entries: Result<Vec<Cidr>, String>| {
            rule(
                "tcp",
                9030,
                9030,
                RuleSource::PrefixList {
                    id: "pl-1".into(),
                    entries,
                },
            )
        };
        let entries = vec![
            Cidr::parse("10.0.0.0/8").unwrap(),
            Cidr::parse("192.168.0.0/16").unwrap(),
        ];
        let v = evaluate_port(&[pl(Ok(entries.clone()))], ip("203.0.113.7"), 9030);
        assert!(!v.allowed());
        assert!(
            v.others[0].contains("prefix list pl-1: it allows 10.0.0.0/8, 192.168.0.0/16"),
            "{v:?}"
        );
        let v = evaluate_port(&[pl(Ok(entries))], ip("192.168.4.4"), 9030);
        assert!(v.allowed());
        assert!(v.allowed_by[0].contains("its entry 192.168.0.0/16"));
        let v = evaluate_port(&[pl(Err("AccessDenied".into()))], ip("192.168.4.4"), 9030);
        assert!(!v.allowed());
        assert!(v.others[0].contains("could not be read (AccessDenied)"));
        let v = evaluate_port(&[pl(Ok(vec![]))], ip("192.168.4.4"), 9030);
        assert!(v.others[0].contains("no entries"));
    }

    #[test]
    fn group_references_never_include_this_machine() {
        let r = rule(
            "tcp",
            9030,
            9030,
            RuleSource::Group {
                id: "sg-app".into(),
            },
        );
        let v = evaluate_port(&[r], ip("203.0.113.7"), 9030);
        assert!(!v.allowed());
        assert!(v.others[0].contains(
            "allows traffic from members of sg-app, which does not include this machine"
        ));
    }

    #[test]
    fn summaries_and_descriptions() {
        let mut r = rule("tcp", 8030, 8040, cidr("10.0.0.0/8"));
        r.description = Some("office".into());
        assert_eq!(
            r.summary(),
            "sg-1: tcp 8030-8040 from 10.0.0.0/8 (\"office\")"
        );
        assert_eq!(
            rule("-1", -1, -1, cidr("::/0")).summary(),
            "sg-1: all traffic from ::/0"
        );
        let d = fix_description(
            "my host_1",
            chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
        );
        assert_eq!(d, "kinesis-starrocks from my host_1 2026-11-25");
        let d = fix_description(
            "h\u{e9}\"x",
            chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
        );
        assert_eq!(d, "kinesis-starrocks from h--x 2026-01-02");
        let d = fix_description("", chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap());
        assert_eq!(d, "kinesis-starrocks from this machine 2026-01-02");
    }
}
