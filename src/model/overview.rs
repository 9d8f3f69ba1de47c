//! Per-endpoint traffic statistics for the throttling overview of a report.
//!
//! The overview runs once over every exchange of a run, so it groups in one pass and
//! finds the busiest minute with a two-pointer sweep instead of counting per window.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::{Endpoint, Exchange, Timestamp};

/// Width of the sliding window behind [`EndpointStats::peak_per_minute`].
const WINDOW_MICROS: i64 = 60_000_000;

/// Traffic of one endpoint on one host, over the whole run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EndpointStats {
    pub host: Arc<str>,
    pub endpoint: Endpoint,
    /// API requests that reached the network.
    pub requests: u64,
    /// Responses that were throttling answers (429, 503 with Retry-After, ...).
    pub throttled: u64,
    /// Highest number of requests in any sliding 60-second window.
    pub peak_per_minute: u64,
    /// Highest `*-Limit` value announced by the responses, when any.
    pub limit_seen: Option<u64>,
}

/// Host, method and template of an endpoint.
type GroupKey = (Arc<str>, Arc<str>, Arc<str>);

/// Exchanges of one endpoint, gathered before the statistics are computed.
#[derive(Default)]
struct Group {
    starts: Vec<Timestamp>,
    throttled: u64,
    limit_seen: Option<u64>,
}

/// Computes the overview of every endpoint that received API calls, most throttled
/// first, then busiest first, then by host and endpoint.
///
/// Only exchanges for which [`Exchange::is_api_call`] is true are counted. `exchanges`
/// should be sorted by start time; unsorted start times are sorted per endpoint
/// before the sweep, so the peak is right either way.
pub fn endpoint_overview(exchanges: &[Exchange]) -> Vec<EndpointStats> {
    let mut groups: HashMap<GroupKey, Group> = HashMap::new();
    for exchange in exchanges.iter().filter(|e| e.is_api_call()) {
        let key = (
            exchange.host.clone(),
            exchange.method.clone(),
            exchange.template.clone(),
        );
        let group = groups.entry(key).or_default();
        group.starts.push(exchange.start);
        if exchange.is_throttled() {
            group.throttled += 1;
        }
        if let Some(limit) = exchange.signals.quota.as_ref().and_then(|q| q.limit) {
            group.limit_seen = Some(group.limit_seen.map_or(limit, |seen| seen.max(limit)));
        }
    }

    let mut overview: Vec<EndpointStats> = groups
        .into_iter()
        .map(|((host, method, template), mut group)| {
            if !group.starts.is_sorted() {
                group.starts.sort_unstable();
            }
            EndpointStats {
                host,
                endpoint: Endpoint { method, template },
                requests: group.starts.len() as u64,
                throttled: group.throttled,
                peak_per_minute: peak_in_window(&group.starts, WINDOW_MICROS),
                limit_seen: group.limit_seen,
            }
        })
        .collect();
    overview.sort_by(|a, b| {
        b.throttled
            .cmp(&a.throttled)
            .then(b.requests.cmp(&a.requests))
            .then_with(|| a.host.cmp(&b.host))
            .then_with(|| a.endpoint.cmp(&b.endpoint))
    });
    overview
}

/// Returns the highest number of `starts` (sorted) inside any half-open window
/// `[t, t + window_micros)`.
fn peak_in_window(starts: &[Timestamp], window_micros: i64) -> u64 {
    let mut peak = 0;
    let mut first = 0;
    for (last, start) in starts.iter().enumerate() {
        while start.micros_since(starts[first]) >= window_micros {
            first += 1;
        }
        peak = peak.max(last + 1 - first);
    }
    peak as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceKind;
    use crate::model::testkit::{exchange, finish};

    fn stats_for<'a>(overview: &'a [EndpointStats], method: &str, path: &str) -> &'a EndpointStats {
        overview
            .iter()
            .find(|s| &*s.endpoint.method == method && &*s.endpoint.template == path)
            .unwrap_or_else(|| panic!("no stats for {method} {path}"))
    }

    #[test]
    fn counts_requests_and_throttles() {
        let exchanges = finish(vec![
            exchange("GET", "/api/v1/users", 0).build(),
            exchange("GET", "/api/v1/users", 1_000)
                .throttled_429(Some(5))
                .build(),
            exchange("GET", "/api/v1/users", 2_000)
                .throttled_429(None)
                .build(),
            exchange("POST", "/api/v1/users", 3_000).build(),
        ]);
        let overview = endpoint_overview(&exchanges);
        assert_eq!(overview.len(), 2);
        let get = stats_for(&overview, "GET", "/api/v1/users");
        assert_eq!(get.requests, 3);
        assert_eq!(get.throttled, 2);
        let post = stats_for(&overview, "POST", "/api/v1/users");
        assert_eq!(post.requests, 1);
        assert_eq!(post.throttled, 0);
    }

    #[test]
    fn skips_cache_hits_and_assets() {
        let exchanges = finish(vec![
            exchange("GET", "/api/v1/users", 0).build(),
            exchange("GET", "/api/v1/users", 10).cache_hit().build(),
            exchange("GET", "/app.js", 20)
                .kind(ResourceKind::Script)
                .build(),
            exchange("GET", "/", 30)
                .kind(ResourceKind::Document)
                .build(),
        ]);
        let overview = endpoint_overview(&exchanges);
        assert_eq!(overview.len(), 1);
        assert_eq!(overview[0].requests, 1);
    }

    #[test]
    fn separates_hosts() {
        let exchanges = finish(vec![
            exchange("GET", "/a", 0).host("one.example.com").build(),
            exchange("GET", "/a", 10).host("two.example.com").build(),
        ]);
        let overview = endpoint_overview(&exchanges);
        assert_eq!(overview.len(), 2);
        assert_eq!(&*overview[0].host, "one.example.com");
        assert_eq!(&*overview[1].host, "two.example.com");
    }

    #[test]
    fn peak_uses_sliding_window() {
        // Three requests at 0-2 s and five at 50-61 s: the window starting at 0 s
        // contains seven of them, the one starting at 50 s only five.
        let offsets_ms = [0, 1_000, 2_000, 50_000, 55_000, 58_000, 59_999, 61_000];
        let exchanges = finish(
            offsets_ms
                .iter()
                .map(|&offset| exchange("GET", "/poll", offset).build())
                .collect(),
        );
        let overview = endpoint_overview(&exchanges);
        assert_eq!(overview[0].requests, 8);
        assert_eq!(overview[0].peak_per_minute, 7);
    }

    #[test]
    fn peak_window_is_half_open() {
        // Requests exactly 60 s apart never share a window.
        let exchanges = finish(vec![
            exchange("GET", "/poll", 0).build(),
            exchange("GET", "/poll", 60_000).build(),
            exchange("GET", "/poll", 120_000).build(),
        ]);
        let overview = endpoint_overview(&exchanges);
        assert_eq!(overview[0].peak_per_minute, 1);
    }

    #[test]
    fn peak_handles_unsorted_input() {
        let exchanges = vec![
            exchange("GET", "/poll", 90_000).build(),
            exchange("GET", "/poll", 0).build(),
            exchange("GET", "/poll", 100_000).build(),
        ];
        let overview = endpoint_overview(&exchanges);
        assert_eq!(overview[0].peak_per_minute, 2);
    }

    #[test]
    fn limit_seen_is_highest() {
        let exchanges = finish(vec![
            exchange("GET", "/a", 0).quota(100, 99, 1_000).build(),
            exchange("GET", "/a", 10).quota(600, 500, 1_000).build(),
            exchange("GET", "/a", 20).build(),
            exchange("GET", "/b", 30).build(),
        ]);
        let overview = endpoint_overview(&exchanges);
        assert_eq!(stats_for(&overview, "GET", "/a").limit_seen, Some(600));
        assert_eq!(stats_for(&overview, "GET", "/b").limit_seen, None);
    }

    #[test]
    fn sorted_by_throttled_then_requests() {
        let mut traffic = vec![
            exchange("GET", "/busy", 0).build(),
            exchange("GET", "/busy", 1).build(),
            exchange("GET", "/busy", 2).build(),
            exchange("GET", "/throttled", 3).throttled_429(None).build(),
            exchange("GET", "/b", 4).build(),
            exchange("GET", "/a", 5).build(),
        ];
        traffic.push(exchange("GET", "/a", 6).host("aaa.example.com").build());
        let overview = endpoint_overview(&finish(traffic));
        let order: Vec<(&str, &str)> = overview
            .iter()
            .map(|s| (&*s.host, &*s.endpoint.template))
            .collect();
        assert_eq!(
            order,
            [
                ("api.example.com", "/throttled"),
                ("api.example.com", "/busy"),
                ("aaa.example.com", "/a"),
                ("api.example.com", "/a"),
                ("api.example.com", "/b"),
            ]
        );
    }

    #[test]
    fn empty_input_gives_empty_overview() {
        assert!(endpoint_overview(&[]).is_empty());
    }
}
