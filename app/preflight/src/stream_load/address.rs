//! How reachable an address is from here, judged from its class (loopback, private block, …) and
//! this machine's routes: pure where it can be, so it is tested.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Reach {
    Unreachable,
    Unsure,
    Reachable,
}

/// Reachability of a private redirect target from what the routing table says (pure, tested).
pub(crate) fn judge_private(
    ip: IpAddr,
    block: &str,
    source: Option<IpAddr>,
    specific_route: Option<bool>,
) -> (Reach, &'static str) {
    let Some(src) = source else {
        return (Reach::Unreachable, "unreachable");
    };
    if specific_route == Some(true) {
        return (
            Reach::Reachable,
            "this machine sits in (or is routed into) that network, so the BE is likely reachable",
        );
    }
    match classify_ip(src) {
        AddrClass::Private(b) if b == block && same_prefix(ip, src, 16) => (
            Reach::Reachable,
            "this machine's own address is in the same private network, so the BE is likely reachable",
        ),
        AddrClass::Private(_) => (
            Reach::Unsure,
            "this machine is in a private network too but not evidently the same one; reachable only through VPC peering, a transit gateway or a VPN",
        ),
        _ => (
            Reach::Unreachable,
            "this machine reaches it only through its default route with a public address, and private addresses are not routed on the internet: unreachable",
        ),
    }
}

fn same_prefix(a: IpAddr, b: IpAddr, bits: u32) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            (u32::from(a) & mask) == (u32::from(b) & mask)
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let bits = bits.max(48);
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            (u128::from(a) & mask) == (u128::from(b) & mask)
        }
        _ => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddrClass {
    Loopback,
    Unspecified,
    LinkLocal,
    /// With the block it is in, e.g. `10.0.0.0/8`.
    Private(&'static str),
    Public,
}

pub(crate) fn classify_ip(ip: IpAddr) -> AddrClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return classify_v4(v4);
            }
            let seg0 = v6.segments()[0];
            if v6.is_loopback() {
                AddrClass::Loopback
            } else if v6.is_unspecified() {
                AddrClass::Unspecified
            } else if seg0 & 0xffc0 == 0xfe80 {
                AddrClass::LinkLocal
            } else if seg0 & 0xfe00 == 0xfc00 {
                AddrClass::Private("fc00::/7")
            } else {
                AddrClass::Public
            }
        }
    }
}

fn classify_v4(v4: Ipv4Addr) -> AddrClass {
    let o = v4.octets();
    if v4.is_loopback() {
        AddrClass::Loopback
    } else if v4.is_unspecified() {
        AddrClass::Unspecified
    } else if v4.is_link_local() {
        AddrClass::LinkLocal
    } else if o[0] == 10 {
        AddrClass::Private("10.0.0.0/8")
    } else if o[0] == 172 && (16..32).contains(&o[1]) {
        AddrClass::Private("172.16.0.0/12")
    } else if o[0] == 192 && o[1] == 168 {
        AddrClass::Private("192.168.0.0/16")
    } else if o[0] == 100 && (64..128).contains(&o[1]) {
        AddrClass::Private("100.64.0.0/10")
    } else {
        AddrClass::Public
    }
}

/// The local address the kernel would send from to reach `addr`: a UDP `connect` picks the route
/// and sends no packet.
pub(super) fn route_source(addr: SocketAddr) -> std::io::Result<IpAddr> {
    let bind: SocketAddr = if addr.is_ipv4() {
        (Ipv4Addr::UNSPECIFIED, 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    };
    let socket = std::net::UdpSocket::bind(bind)?;
    socket.connect(addr)?;
    Ok(socket.local_addr()?.ip())
}

/// Whether the IPv4 routing table (`/proc/net/route`, Linux) has a non-default route covering
/// `ip`: the machine sits in, or is routed into, that network. `None` when it cannot tell.
pub(super) fn has_specific_route(ip: IpAddr) -> Option<bool> {
    let IpAddr::V4(v4) = ip else { return None };
    let table = std::fs::read_to_string("/proc/net/route").ok()?;
    Some(specific_route_in(&table, v4))
}

pub(crate) fn specific_route_in(table: &str, ip: Ipv4Addr) -> bool {
    // Destination and Mask are hex in host (little-endian on the platforms we ship) byte order.
    let target = u32::from_le_bytes(ip.octets());
    table.lines().skip(1).any(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        let (Some(dest), Some(mask)) = (cols.get(1), cols.get(7)) else {
            return false;
        };
        let (Ok(dest), Ok(mask)) = (u32::from_str_radix(dest, 16), u32::from_str_radix(mask, 16))
        else {
            return false;
        };
        mask != 0 && target & mask == dest
    })
}
