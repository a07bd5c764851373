//! The inbound-rule model ([`Cidr`], [`RuleSource`], [`InboundRule`]) and its evaluation for one
//! port from one address ([`evaluate_port`]): pure, the EC2 calls only fill the model.

use std::fmt;
use std::net::IpAddr;

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
