use super::address::{AddrClass, Reach, classify_ip, judge_private, specific_route_in};
use std::net::IpAddr;

#[test]
fn address_classes() {
    let c = |s: &str| classify_ip(s.parse().unwrap());
    assert_eq!(c("127.0.0.1"), AddrClass::Loopback);
    assert_eq!(c("::1"), AddrClass::Loopback);
    assert_eq!(c("10.1.2.3"), AddrClass::Private("10.0.0.0/8"));
    assert_eq!(c("172.31.0.9"), AddrClass::Private("172.16.0.0/12"));
    assert_eq!(c("172.32.0.9"), AddrClass::Public);
    assert_eq!(c("192.168.1.1"), AddrClass::Private("192.168.0.0/16"));
    assert_eq!(c("100.64.0.1"), AddrClass::Private("100.64.0.0/10"));
    assert_eq!(c("100.128.0.1"), AddrClass::Public);
    assert_eq!(c("169.254.169.254"), AddrClass::LinkLocal);
    assert_eq!(c("fe80::1"), AddrClass::LinkLocal);
    assert_eq!(c("fd12:3456::1"), AddrClass::Private("fc00::/7"));
    assert_eq!(c("::ffff:10.0.0.1"), AddrClass::Private("10.0.0.0/8"));
    assert_eq!(c("0.0.0.0"), AddrClass::Unspecified);
    assert_eq!(c("203.0.113.7"), AddrClass::Public);
}

#[test]
fn private_targets_are_judged_from_the_route() {
    let ip = |s: &str| -> IpAddr { s.parse().unwrap() };
    let be = ip("10.0.5.3");
    // No route at all.
    assert_eq!(
        judge_private(be, "10.0.0.0/8", None, None).0,
        Reach::Unreachable
    );
    // Routed into that network (VPN, same subnet).
    assert_eq!(
        judge_private(be, "10.0.0.0/8", Some(ip("192.168.1.5")), Some(true)).0,
        Reach::Reachable
    );
    // Same private network by address.
    assert_eq!(
        judge_private(be, "10.0.0.0/8", Some(ip("10.0.9.9")), Some(false)).0,
        Reach::Reachable
    );
    // Another private network: maybe peered.
    assert_eq!(
        judge_private(be, "10.0.0.0/8", Some(ip("172.31.4.4")), Some(false)).0,
        Reach::Unsure
    );
    // A public source over the default route: the internet does not route 10/8.
    assert_eq!(
        judge_private(be, "10.0.0.0/8", Some(ip("203.0.113.7")), Some(false)).0,
        Reach::Unreachable
    );
}

#[test]
fn proc_net_route_is_read() {
    let table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                 eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n\
                 eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n";
    assert!(specific_route_in(table, "192.168.1.77".parse().unwrap()));
    assert!(!specific_route_in(table, "10.0.0.1".parse().unwrap()));
}
