//! The grammar of a Runtime's outbound network allow-list entry (`spec.capabilities.network[]`), one parser for
//! the API rules and for runtimed, which enforces it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Where a rule allows connections to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetworkHost {
    /// `*`: any address.
    Any,
    /// An address (`10.1.2.3`, `[fd00::1]`, full prefix length) or a CIDR (`10.0.0.0/8`, `[fd00::]/8`).
    Cidr(IpAddr, u8),
    /// A DNS name, lowercased (`pypi.org`); the address it resolves to at connect time is allowed.
    Name(String),
}

/// A parsed `host:port` rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetworkTarget {
    /// The host part.
    pub host: NetworkHost,
    /// The port; `None` for `*` (any port).
    pub port: Option<u16>,
}

/// Parses a `host:port` rule: `host` is `*`, an IPv4 address or CIDR, a bracketed IPv6 address or CIDR, or a DNS
/// name; `port` is 1–65535 or `*`. Wildcard names (`*.example.com`) are not accepted: a guest connects to an
/// address, and which name it looked up to get it is not known to the host.
///
/// # Errors
///
/// What is wrong with the rule, as a phrase (`port must be 1-65535 or *`).
pub fn parse_network_rule(rule: &str) -> Result<NetworkTarget, &'static str> {
    let (host, port) = rule.rsplit_once(':').ok_or("must be host:port")?;
    let port = match port {
        "*" => None,
        p => Some(
            p.parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or("port must be 1-65535 or *")?,
        ),
    };
    if host == "*" {
        return Ok(NetworkTarget {
            host: NetworkHost::Any,
            port,
        });
    }
    let (addr, bits) = match host.rsplit_once('/') {
        Some((addr, bits)) => (addr, Some(bits)),
        None => (host, None),
    };
    let ip = match addr.strip_prefix('[').and_then(|a| a.strip_suffix(']')) {
        Some(v6) => Some(
            v6.parse::<Ipv6Addr>()
                .map(IpAddr::V6)
                .map_err(|_| "bracketed host must be an IPv6 address")?,
        ),
        None => addr.parse::<Ipv4Addr>().ok().map(IpAddr::V4),
    };
    let host = match (ip, bits) {
        (Some(ip), bits) => {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                Some(b) => b
                    .parse::<u8>()
                    .ok()
                    .filter(|&b| b <= max)
                    .ok_or("prefix length out of range")?,
                None => max,
            };
            NetworkHost::Cidr(ip, bits)
        }
        (None, Some(_)) => return Err("a prefix length needs an IP address"),
        (None, None) => {
            let name = addr.to_ascii_lowercase();
            let valid = !name.is_empty()
                && name.len() <= 253
                && name.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if !valid {
                return Err(
                    "host must be *, an IP address, a CIDR or a DNS name (no wildcard names)",
                );
            }
            NetworkHost::Name(name)
        }
    };
    Ok(NetworkTarget { host, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_forms() {
        let ok = |rule: &str| parse_network_rule(rule).unwrap();
        assert_eq!(
            ok("Example.COM:443"),
            NetworkTarget {
                host: NetworkHost::Name("example.com".to_owned()),
                port: Some(443)
            }
        );
        assert_eq!(ok("*:*").host, NetworkHost::Any);
        assert_eq!(ok("*:*").port, None);
        assert_eq!(
            ok("10.0.0.0/8:80").host,
            NetworkHost::Cidr("10.0.0.0".parse().unwrap(), 8)
        );
        assert!(matches!(ok("10.1.2.3:80").host, NetworkHost::Cidr(_, 32)));
        assert!(matches!(
            ok("[fd00::]/8:443").host,
            NetworkHost::Cidr(IpAddr::V6(_), 8)
        ));
        assert!(matches!(ok("[::1]:8080").host, NetworkHost::Cidr(_, 128)));
        assert!(matches!(ok("svc:8080").host, NetworkHost::Name(_)));
    }

    #[test]
    fn refused_forms_say_why() {
        for (rule, why) in [
            ("example.com", "must be host:port"),
            ("example.com:0", "port must be 1-65535 or *"),
            ("example.com:99999", "port must be 1-65535 or *"),
            ("*.example.com:443", "no wildcard names"),
            (":443", "no wildcard names"),
            ("-a.com:1", "no wildcard names"),
            ("a..b:1", "no wildcard names"),
            ("10.0.0.0/33:1", "prefix length out of range"),
            ("example.com/8:1", "a prefix length needs an IP address"),
            ("[nope]:1", "bracketed host must be an IPv6 address"),
        ] {
            let err = parse_network_rule(rule).expect_err(rule);
            assert!(err.contains(why), "{rule}: {err}");
        }
    }
}
