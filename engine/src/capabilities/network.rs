//! The outbound network allow-list: [`NetworkRule`] parsing and matching, and how it configures WASI sockets.

use std::fmt;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;

use kruntimes_api::validation::{NetworkHost, parse_network_rule};
use serde::{Deserialize, Serialize};
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wasi::sockets::SocketAddrUse;

use super::PolicyError;

/// One outbound TCP allow-list entry: `host:port`.
///
/// `host` is `*` (any address), an IP (`10.1.2.3`, `[fd00::1]`), a CIDR (`10.0.0.0/8`, `[fd00::]/8`) or an exact DNS
/// name (`pypi.org`; matched by resolving it on the host at connect time). `port` is a number or `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkRule {
    host: NetworkHost,
    port: Option<u16>,
    text: String,
}

impl NetworkRule {
    /// Whether this rule names a host that must be resolved (so the guest needs name lookup).
    pub fn needs_name_lookup(&self) -> bool {
        matches!(self.host, NetworkHost::Name(_))
    }

    /// Whether a connection to `addr` matches without resolving names.
    pub(super) fn matches_addr(&self, addr: &SocketAddr) -> bool {
        if self.port.is_some_and(|p| p != addr.port()) {
            return false;
        }
        match &self.host {
            NetworkHost::Any => true,
            NetworkHost::Cidr(net, bits) => in_cidr(addr.ip(), *net, *bits),
            NetworkHost::Name(_) => false,
        }
    }

    /// Whether a connection to `addr` matches, resolving a DNS name on the host.
    async fn matches(&self, addr: &SocketAddr) -> bool {
        if self.matches_addr(addr) {
            return true;
        }
        match &self.host {
            NetworkHost::Name(name) if self.port.is_none_or(|p| p == addr.port()) => {
                match tokio::net::lookup_host((name.as_str(), addr.port())).await {
                    Ok(mut resolved) => resolved.any(|r| r.ip() == addr.ip()),
                    Err(_) => false,
                }
            }
            _ => false,
        }
    }
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    // Compare IPv4-mapped IPv6 addresses as IPv4.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

impl FromStr for NetworkRule {
    type Err = PolicyError;

    /// Parses with the API's grammar ([`parse_network_rule`]), so a rule the API admits is one runtimed enforces.
    fn from_str(rule: &str) -> std::result::Result<Self, PolicyError> {
        let target =
            parse_network_rule(rule).map_err(|problem| PolicyError::InvalidNetworkRule {
                rule: rule.to_owned(),
                problem,
            })?;
        Ok(Self {
            host: target.host,
            port: target.port,
            text: rule.to_owned(),
        })
    }
}

impl fmt::Display for NetworkRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for NetworkRule {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for NetworkRule {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

type AddrCheck = Pin<Box<dyn Future<Output = bool> + Send + Sync>>;

pub(crate) fn configure_network(builder: &mut WasiCtxBuilder, rules: &[NetworkRule]) {
    if rules.is_empty() {
        // wasmtime-wasi already denies every address; also refuse to create sockets at all.
        builder
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        return;
    }
    let rules: Arc<[NetworkRule]> = rules.into();
    builder
        .allow_tcp(true)
        .allow_udp(false)
        .allow_ip_name_lookup(rules.iter().any(NetworkRule::needs_name_lookup))
        .socket_addr_check(move |addr, usage| -> AddrCheck {
            let rules = Arc::clone(&rules);
            Box::pin(async move { check_socket_addr(&rules, addr, usage).await })
        });
}

/// Outbound TCP only: the implicit bind before a connect, then the connect itself.
pub(super) async fn check_socket_addr(
    rules: &[NetworkRule],
    addr: SocketAddr,
    usage: SocketAddrUse,
) -> bool {
    match usage {
        SocketAddrUse::TcpBind => addr.ip().is_unspecified() && addr.port() == 0,
        SocketAddrUse::TcpConnect => {
            for rule in rules {
                if rule.matches(&addr).await {
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}
