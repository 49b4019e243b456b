//! IP address and CIDR matching, IPv4 and IPv6 alike.
//!
//! Addresses are compared as 128-bit integers, IPv4 mapped into `::ffff:0:0/96`, so one
//! prefix test serves both families. Lookups run once per distinct address (a few thousand
//! even in large tenants), never per row.

use std::net::IpAddr;

/// A network prefix in the 128-bit space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    base: u128,
    len: u8,
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// Parse an address, tolerating the `[v6]` and `v4:port` spellings some exports use.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_start_matches('[');
    let s = s.split(']').next().unwrap_or(s);
    s.parse().ok().or_else(|| s.rsplit_once(':').and_then(|(h, _)| h.parse().ok()))
}

impl Cidr {
    /// `203.0.113.0/24`, `2001:db8::/32`, or a bare address (a /32 or /128).
    pub fn parse(s: &str) -> Option<Cidr> {
        let s = s.trim();
        let (addr, len) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l.trim().parse::<u8>().ok()?)),
            None => (s, None),
        };
        let ip: IpAddr = addr.trim().parse().ok()?;
        let (len, max) = match ip {
            IpAddr::V4(_) => (len.unwrap_or(32), 32u8),
            IpAddr::V6(_) => (len.unwrap_or(128), 128u8),
        };
        if len > max {
            return None;
        }
        let len = if max == 32 { len + 96 } else { len };
        let mask = if len == 0 { 0 } else { u128::MAX << (128 - u32::from(len)) };
        Some(Cidr { base: to_u128(ip) & mask, len })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let mask = if self.len == 0 { 0 } else { u128::MAX << (128 - u32::from(self.len)) };
        to_u128(ip) & mask == self.base
    }
}

/// The network an address belongs to for "same place" comparisons: its /24 (IPv4) or
/// /48 (IPv6), written as a CIDR. `None` for unparsable addresses.
pub fn prefix(ip: &str) -> Option<String> {
    match parse_ip(ip)? {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            Some(format!("{}.{}.{}.0/24", o[0], o[1], o[2]))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            Some(format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2]))
        }
    }
}

/// RFC 1918, loopback, link-local, CGNAT and IPv6 unique-local addresses.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v6) => {
            v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00 || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v4_and_v6_prefixes() {
        let c = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(c.contains(parse_ip("203.0.113.10").unwrap()));
        assert!(!c.contains(parse_ip("203.0.114.10").unwrap()));
        let c6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(c6.contains(parse_ip("2001:db8:1::5").unwrap()));
        assert!(!c6.contains(parse_ip("2001:db9::5").unwrap()));
        assert!(!c6.contains(parse_ip("203.0.113.10").unwrap()));
        assert!(Cidr::parse("198.51.100.7").unwrap().contains(parse_ip("198.51.100.7").unwrap()));
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(parse_ip("8.8.8.8").unwrap()));
    }

    #[test]
    fn private_ranges_and_odd_spellings() {
        assert!(is_private(parse_ip("10.1.2.3").unwrap()));
        assert!(is_private(parse_ip("100.64.0.1").unwrap()));
        assert!(is_private(parse_ip("fd00::1").unwrap()));
        assert!(!is_private(parse_ip("45.153.160.2").unwrap()));
        assert_eq!(parse_ip("[2001:db8::1]:443"), parse_ip("2001:db8::1"));
        assert_eq!(parse_ip("203.0.113.5:8080"), parse_ip("203.0.113.5"));
        assert_eq!(prefix("203.0.113.77").as_deref(), Some("203.0.113.0/24"));
        assert_eq!(prefix("2001:db8:aa:bb::1").as_deref(), Some("2001:db8:aa::/48"));
        assert_eq!(prefix("nope"), None);
    }
}
