//! Tests of the rule model and evaluation, and of the fix rule's description.

use super::*;
use std::net::IpAddr;

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
    assert!(
        v.others[0]
            .contains("allows traffic from members of sg-app, which does not include this machine")
    );
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
