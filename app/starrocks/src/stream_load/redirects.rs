//! Redirects followed by hand: the FE's 307 (and a gateway's 30x) to the node that loads, at most
//! [`MAX_REDIRECTS`] hops, loops refused; the client re-attaches Basic auth on every hop.

use super::MAX_REDIRECTS;
use crate::error::LoadError;
use ks_core::Label;
use reqwest::Url;

/// The URL being requested and how we got there.
pub(super) struct Hop {
    pub(super) url: Url,
    /// The load-url's URL, for messages.
    pub(super) first: Url,
    /// Redirects followed so far.
    pub(super) hops: usize,
    /// `host:port` of the node that sent the last redirect.
    pub(super) via: Option<String>,
    visited: Vec<Url>,
}

impl Hop {
    pub(super) fn new(url: Url) -> Hop {
        Hop {
            first: url.clone(),
            visited: vec![url.clone()],
            url,
            hops: 0,
            via: None,
        }
    }

    /// Moves to the redirect's `Location` (≤ [`MAX_REDIRECTS`], no loops, http(s) only).
    pub(super) fn follow(
        &mut self,
        resp: &reqwest::Response,
        label: &Label,
    ) -> Result<(), LoadError> {
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok());
        self.follow_location(resp.status().as_u16(), location, label.as_str())
    }

    fn follow_location(
        &mut self,
        status: u16,
        location: Option<&str>,
        label: &str,
    ) -> Result<(), LoadError> {
        let node = authority(&self.url);
        let protocol = |message: String| LoadError::Protocol {
            label: label.to_string(),
            node: node.clone(),
            message,
        };
        let location =
            location.ok_or_else(|| protocol(format!("HTTP {status} without a Location header")))?;
        let next = self
            .url
            .join(location.trim())
            .map_err(|e| protocol(format!("redirect to an invalid Location {location:?}: {e}")))?;
        if next.scheme() != "http" && next.scheme() != "https" {
            return Err(protocol(format!(
                "redirect to {location:?}, which is not http(s)"
            )));
        }
        if self.visited.contains(&next) {
            let chain: Vec<String> = self
                .visited
                .iter()
                .map(authority)
                .chain(std::iter::once(authority(&next)))
                .collect();
            return Err(protocol(format!(
                "redirect loop: {}; check the FE's configuration",
                chain.join(" → ")
            )));
        }
        if self.hops >= MAX_REDIRECTS {
            return Err(protocol(format!(
                "more than {MAX_REDIRECTS} redirects ({} → …); check the FE's configuration",
                self.visited
                    .iter()
                    .map(authority)
                    .collect::<Vec<_>>()
                    .join(" → ")
            )));
        }
        tracing::debug!(label = %label, from = %node, to = %authority(&next), "following redirect");
        self.via = Some(node);
        self.hops += 1;
        self.visited.push(next.clone());
        self.url = next;
        Ok(())
    }
}

pub(super) fn is_redirect(status: reqwest::StatusCode) -> bool {
    // 307 is the FE's; 308/301/302/303 come from gateways (http → https). All keep the PUT.
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// `host:port` of a URL (default port filled in, IPv6 in brackets).
pub(super) fn authority(url: &Url) -> String {
    // `host_str` keeps IPv6 addresses in brackets.
    let host = url.host_str().unwrap_or_default();
    match url.port_or_known_default() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(url: &str) -> Hop {
        Hop::new(Url::parse(url).unwrap())
    }

    #[test]
    fn redirects_are_followed_at_most_three_times_without_loops() {
        let mut h = hop("http://fe1:8030/api/db/t/_stream_load");
        h.follow_location(307, Some("http://fe2:8030/api/db/t/_stream_load"), "L")
            .unwrap();
        assert_eq!((h.hops, h.via.as_deref()), (1, Some("fe1:8030")));
        h.follow_location(307, Some("http://be1:8040/api/db/t/_stream_load?x=1"), "L")
            .unwrap();
        h.follow_location(307, Some("/api/db/t/_stream_load?again"), "L")
            .unwrap();
        assert_eq!(
            authority(&h.url),
            "be1:8040",
            "relative Location keeps the host"
        );
        let e = h
            .follow_location(307, Some("http://be2:8040/api/db/t/_stream_load"), "L")
            .unwrap_err();
        assert!(e.to_string().contains("more than 3 redirects"), "{e}");

        let mut h = hop("http://fe1:8030/api/db/t/_stream_load");
        h.follow_location(307, Some("http://fe2:8030/api/db/t/_stream_load"), "L")
            .unwrap();
        let e = h
            .follow_location(307, Some("http://fe1:8030/api/db/t/_stream_load"), "L")
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("redirect loop: fe1:8030 → fe2:8030 → fe1:8030"),
            "{e}"
        );

        let mut h = hop("http://fe1:8030/x");
        assert!(
            h.follow_location(307, None, "L")
                .unwrap_err()
                .to_string()
                .contains("without a Location")
        );
        assert!(h.follow_location(307, Some("ftp://be/x"), "L").is_err());
    }

    #[test]
    fn authorities_and_redirect_statuses() {
        assert_eq!(
            authority(&Url::parse("https://h.example.com/x").unwrap()),
            "h.example.com:443"
        );
        assert_eq!(
            authority(&Url::parse("http://[::1]:8040/x").unwrap()),
            "[::1]:8040"
        );
        for s in [301, 302, 303, 307, 308] {
            assert!(is_redirect(reqwest::StatusCode::from_u16(s).unwrap()));
        }
        assert!(!is_redirect(reqwest::StatusCode::OK));
    }
}
