//! Where a request came from: the client's address and whether it was made over https.
//!
//! Behind load balancers, `X-Forwarded-For` is a list each proxy appends to, and everything left
//! of the last proxy we trust was written by the client — who can write anything. So the client
//! is the entry just before the `trusted` nearest hops (the peer being the nearest), never the
//! leftmost. With no trusted proxies the headers are ignored entirely.

use std::net::IpAddr;

/// The client's address, given the peer (the TCP connection's other end), the request's
/// `X-Forwarded-For` values (in order) and how many proxies in front of us we trust.
pub fn client_ip<'a>(peer: Option<IpAddr>, forwarded_for: impl IntoIterator<Item = &'a str>, trusted: usize) -> Option<IpAddr> {
    if trusted == 0 {
        return peer;
    }
    let mut hops: Vec<&str> = forwarded_for
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let peer_text = peer.map(|p| p.to_string());
    if let Some(p) = &peer_text {
        hops.push(p);
    }
    // `trusted` hops on the right are our proxies (the peer is the nearest); the one before them
    // is the client. Fewer hops than that means the request skipped a proxy: the peer is all we
    // know for certain.
    match hops.len().checked_sub(trusted + 1) {
        Some(i) => parse_hop(hops[i]).or(peer),
        None => peer,
    }
}

/// An address as proxies write it: `1.2.3.4`, `2001:db8::1`, `[2001:db8::1]:443` or `1.2.3.4:5678`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    hop.rsplit_once(':').and_then(|(ip, _)| ip.parse().ok())
}

/// Whether the request reached the nearest trusted proxy over https (its `X-Forwarded-Proto`,
/// the last value, which that proxy wrote).
pub fn forwarded_https<'a>(forwarded_proto: impl IntoIterator<Item = &'a str>, trusted: usize) -> bool {
    trusted > 0
        && forwarded_proto
            .into_iter()
            .flat_map(|v| v.split(','))
            .last()
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn behind_one_load_balancer_the_rightmost_entry_is_the_client() {
        let alb = Some(ip("10.0.0.2"));
        assert_eq!(client_ip(alb, ["203.0.113.7"], 1), Some(ip("203.0.113.7")));
        // The client wrote the first entry itself: it is ignored.
        assert_eq!(client_ip(alb, ["1.1.1.1, 203.0.113.7"], 1), Some(ip("203.0.113.7")));
        assert_eq!(client_ip(alb, ["1.1.1.1", "203.0.113.7"], 1), Some(ip("203.0.113.7")));
        assert_eq!(client_ip(alb, [], 1), alb, "no header: the peer");
        assert_eq!(client_ip(alb, ["1.1.1.1"], 0), alb, "untrusted headers are ignored");
        assert_eq!(client_ip(alb, ["garbage"], 1), alb);
        assert_eq!(client_ip(alb, ["[2001:db8::1]:443"], 1), Some(ip("2001:db8::1")));
    }

    #[test]
    fn two_trusted_proxies_skip_two_hops() {
        let peer = Some(ip("10.0.0.3"));
        assert_eq!(client_ip(peer, ["9.9.9.9, 203.0.113.7, 10.0.0.2"], 2), Some(ip("203.0.113.7")));
    }

    #[test]
    fn the_protocol_is_the_one_the_proxy_wrote() {
        assert!(forwarded_https(["https"], 1));
        assert!(!forwarded_https(["https, http"], 1));
        assert!(!forwarded_https(["https"], 0), "only a trusted proxy is believed");
    }

    proptest! {
        /// Whatever a client puts in the header, behind N trusted proxies that each append the
        /// address they saw, the answer is the address the first proxy saw.
        #[test]
        fn clients_cannot_choose_their_address(
            forged in proptest::collection::vec("[0-9a-f.:, \\[\\]]{0,20}", 0..4),
            real in any::<[u8; 4]>(),
            proxies in proptest::collection::vec(any::<[u8; 4]>(), 1..4),
        ) {
            let real = IpAddr::from(real);
            let mut header: Vec<String> = forged;
            header.push(real.to_string());
            let hops: Vec<IpAddr> = proxies.iter().map(|p| IpAddr::from(*p)).collect();
            // Each proxy but the nearest appended the address it saw; the nearest is the peer.
            for p in &hops[..hops.len() - 1] {
                header.push(p.to_string());
            }
            let peer = hops.last().copied();
            let got = client_ip(peer, header.iter().map(String::as_str), hops.len());
            prop_assert_eq!(got, Some(real));
        }
    }
}
