//! Who the client is, for the login limiter: the peer of the connection, or the address a
//! trusted reverse proxy says it forwarded for.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use kaifang_store::config::{IpRange, canonical};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use crate::state::AppState;

/// Most `X-Forwarded-For` entries looked at, from the right: a long forged chain costs
/// nothing to walk.
const MAX_FORWARDED_HOPS: usize = 16;

/// The client's address as the server can defend it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

/// The rightmost address in `X-Forwarded-For` that is not one of our proxies: entries to its
/// left were written by the client and prove nothing. Only when the peer itself is a trusted
/// proxy; otherwise the peer.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpRange]) -> IpAddr {
    let peer = canonical(peer);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.rsplit(','))
        .take(MAX_FORWARDED_HOPS);
    let mut client = peer;
    for entry in forwarded {
        let Ok(ip) = entry.trim().parse::<IpAddr>() else {
            break;
        };
        client = canonical(ip);
        if !is_trusted(client) {
            break;
        }
    }
    client
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ClientIp, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        Ok(ClientIp(client_ip(
            peer,
            &parts.headers,
            &state.config.server.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn xff(v: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static(v));
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_ignored_from_untrusted_peers() {
        let h = xff("1.2.3.4");
        assert_eq!(client_ip(ip("203.0.113.9"), &h, &[]), ip("203.0.113.9"));
        let proxies = ["10.0.0.5".parse().unwrap()];
        assert_eq!(
            client_ip(ip("203.0.113.9"), &h, &proxies),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn forwarded_for_names_the_client_behind_trusted_proxies() {
        let proxies = ["10.0.0.0/8".parse().unwrap()];
        // The client forged the first entry; the proxy appended what it saw.
        let h = xff("6.6.6.6, 198.51.100.7, 10.0.0.9");
        assert_eq!(client_ip(ip("10.0.0.5"), &h, &proxies), ip("198.51.100.7"));
        assert_eq!(
            client_ip(ip("::ffff:10.0.0.5"), &xff("198.51.100.7"), &proxies),
            ip("198.51.100.7")
        );
        // Without a usable header the proxy itself is the client.
        assert_eq!(
            client_ip(ip("10.0.0.5"), &HeaderMap::new(), &proxies),
            ip("10.0.0.5")
        );
        assert_eq!(
            client_ip(ip("10.0.0.5"), &xff("junk"), &proxies),
            ip("10.0.0.5")
        );
    }
}
