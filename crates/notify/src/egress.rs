//! The egress guard: webhooks go to public addresses only.
//!
//! A webhook URL is chosen by a customer, so without a guard the server could
//! be made to call its own admin ports, the cloud metadata service
//! (169.254.169.254) or anything else on the private network (SSRF). Two
//! checks close that door:
//!
//! * [`validate_url`] runs before every send (and when an endpoint is saved):
//!   scheme, length, host, and the address itself when the host is an IP
//!   literal, because reqwest connects to literals without asking a resolver.
//! * [`GuardedResolver`] is the HTTP client's DNS resolver. It drops forbidden
//!   addresses from every answer, so a name that resolves (or re-resolves, as
//!   in DNS rebinding) to a private address is never connected to.
//!
//! Self-hosters whose receivers live on their own network turn both off with
//! `allow_private`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The longest webhook URL accepted.
pub const MAX_URL_LEN: usize = 2048;

/// Why a URL or address may not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EgressError {
    /// Longer than [`MAX_URL_LEN`].
    #[error("the URL is longer than {MAX_URL_LEN} characters")]
    TooLong,
    /// Not a URL at all.
    #[error("the URL is not valid: {0}")]
    Invalid(String),
    /// Neither `http` nor `https`.
    #[error("the URL scheme must be http or https, not {0}")]
    UnsupportedScheme(String),
    /// No host, as in `http:///path`.
    #[error("the URL has no host")]
    MissingHost,
    /// The host is an address (or `localhost`) on a private or special network.
    #[error(
        "the host {0} is a private or reserved address (allowed only with the setting \
         webhook_allow_private = true, INTERVIEWD_WEBHOOK_ALLOW_PRIVATE=true)"
    )]
    ForbiddenAddress(String),
    /// Every address the name resolved to is private or reserved.
    #[error(
        "the host {0} resolves only to private or reserved addresses (allowed only with the \
         setting webhook_allow_private = true, INTERVIEWD_WEBHOOK_ALLOW_PRIVATE=true)"
    )]
    ForbiddenResolution(String),
}

/// True for addresses a webhook must not reach: loopback, private, link-local,
/// unique-local, carrier-grade NAT, unspecified, multicast, broadcast and other
/// reserved ranges, including IPv4 addresses embedded in IPv6 ones.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_forbidden_v4(v4),
        IpAddr::V6(v6) => is_forbidden_v6(v6),
    }
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_loopback() // 127/8
        || ip.is_private() // 10/8, 172.16/12, 192.168/16
        || ip.is_link_local() // 169.254/16
        || ip.is_unspecified()
        || ip.is_multicast() // 224/4
        || ip.is_broadcast()
        || a == 0 // "this network", 0/8
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT, 100.64/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments, 192.0.0/24
        || (a == 198 && (b == 18 || b == 19)) // benchmarking, 198.18/15
        || a >= 240 // reserved, 240/4
}

fn is_forbidden_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    if let Some(v4) = embedded_v4(ip) {
        return is_forbidden_v4(v4);
    }
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast() // ff00::/8
        || (segments[0] & 0xffc0) == 0xfe80 // link-local, fe80::/10
        || (segments[0] & 0xffc0) == 0xfec0 // deprecated site-local, fec0::/10
        || (segments[0] & 0xfe00) == 0xfc00 // unique-local, fc00::/7
        || segments[..6].iter().all(|s| *s == 0) // IPv4-compatible, ::/96
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), NAT64
/// (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`) address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    let from_pair = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return Some(from_pair(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return Some(from_pair(s[1], s[2]));
    }
    None
}

/// Checks a webhook URL: at most [`MAX_URL_LEN`] characters, `http` or
/// `https`, a host, and unless `allow_private`, a host that is neither
/// `localhost` nor a forbidden IP literal. Names are checked again at
/// connection time by [`GuardedResolver`].
pub fn validate_url(url: &str, allow_private: bool) -> Result<Url, EgressError> {
    if url.len() > MAX_URL_LEN {
        return Err(EgressError::TooLong);
    }
    let parsed = Url::parse(url).map_err(|e| EgressError::Invalid(e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(EgressError::UnsupportedScheme(parsed.scheme().to_owned()));
    }
    let host = parsed.host().ok_or(EgressError::MissingHost)?;
    if !allow_private {
        check_host(&host)?;
    }
    Ok(parsed)
}

fn check_host(host: &url::Host<&str>) -> Result<(), EgressError> {
    let forbidden = match host {
        url::Host::Ipv4(ip) => is_forbidden_v4(*ip),
        url::Host::Ipv6(ip) => is_forbidden_v6(*ip),
        url::Host::Domain(name) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
    };
    if forbidden {
        Err(EgressError::ForbiddenAddress(host.to_string()))
    } else {
        Ok(())
    }
}

/// A DNS resolver for reqwest that never returns a forbidden address
/// (unless `allow_private`). It resolves with the system resolver and keeps
/// only the public addresses; when none is left it fails with
/// [`EgressError::ForbiddenResolution`], which the sender reports as refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct GuardedResolver {
    allow_private: bool,
}

impl GuardedResolver {
    /// A resolver that filters unless `allow_private` is true.
    pub fn new(allow_private: bool) -> Self {
        Self { allow_private }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed = filter_addrs(resolved, allow_private);
            if allowed.is_empty() {
                tracing::warn!(host = %host, "webhook host resolves only to forbidden addresses");
                return Err(EgressError::ForbiddenResolution(host).into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// Keeps the addresses a webhook may reach (all of them if `allow_private`).
fn filter_addrs(addrs: Vec<SocketAddr>, allow_private: bool) -> Vec<SocketAddr> {
    if allow_private {
        return addrs;
    }
    addrs
        .into_iter()
        .filter(|addr| !is_forbidden(addr.ip()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forbids_private_and_special_addresses() {
        for text in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "192.0.0.8",
            "198.18.0.1",
            "::1",
            "::",
            "fe80::1",
            "febf::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::10.0.0.1",
            "2002:c0a8:0101::1",
            "fec0::1",
        ] {
            assert!(is_forbidden(ip(text)), "{text} should be forbidden");
        }
    }

    #[test]
    fn allows_public_addresses() {
        for text in [
            "8.8.8.8",
            "1.1.1.1",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "169.255.0.1",
            "192.0.1.1",
            "198.20.0.1",
            "2606:4700::1111",
            "2001:4860:4860::8888",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:0808:0808::1",
        ] {
            assert!(!is_forbidden(ip(text)), "{text} should be allowed");
        }
    }

    #[test]
    fn validates_urls() {
        assert!(validate_url("https://hooks.example.com/in?x=1", false).is_ok());
        assert!(validate_url("http://203.0.113.7:8080/", false).is_ok());
        assert_eq!(
            validate_url("ftp://example.com/", false),
            Err(EgressError::UnsupportedScheme("ftp".into()))
        );
        assert!(matches!(
            validate_url("not a url", false),
            Err(EgressError::Invalid(_))
        ));
        for no_host in ["http://", "https://:443/"] {
            assert!(
                matches!(validate_url(no_host, false), Err(EgressError::Invalid(_))),
                "{no_host}"
            );
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(validate_url(&long, true), Err(EgressError::TooLong));
    }

    #[test]
    fn refuses_private_literals_and_localhost_unless_allowed() {
        for url in [
            "http://127.0.0.1:9000/",
            "http://[::1]/",
            "http://[::ffff:7f00:1]/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://localhost:8080/",
            "http://LOCALHOST./",
            "http://api.localhost/",
        ] {
            assert!(
                matches!(
                    validate_url(url, false),
                    Err(EgressError::ForbiddenAddress(_))
                ),
                "{url}"
            );
            assert!(validate_url(url, true).is_ok(), "{url}");
        }
    }

    #[test]
    fn filters_resolved_addresses() {
        let addrs: Vec<SocketAddr> = vec![
            "10.0.0.1:0".parse().unwrap(),
            "93.184.216.34:0".parse().unwrap(),
            "[::1]:0".parse().unwrap(),
        ];
        assert_eq!(filter_addrs(addrs.clone(), false), vec![addrs[1]]);
        assert_eq!(filter_addrs(addrs.clone(), true), addrs);
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_that_resolve_only_to_loopback() {
        let name: Name = "localhost".parse().unwrap();
        let err = GuardedResolver::new(false)
            .resolve(name)
            .await
            .err()
            .unwrap();
        assert!(err.downcast_ref::<EgressError>().is_some(), "{err}");
        let name: Name = "localhost".parse().unwrap();
        let addrs: Vec<_> = GuardedResolver::new(true)
            .resolve(name)
            .await
            .unwrap()
            .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()) && !addrs.is_empty());
    }
}
