//! `concurrency-burst`: too many API requests in flight at once from one client to one
//! host.
//!
//! A sweep over start and end instants finds the episodes above the threshold. One
//! finding per episode, and only the worst few per client and host, because a bulk job
//! without a concurrency cap produces hundreds of episodes that all need the same fix.
//! Requests whose input recorded only the end and no duration have no known start, and
//! requests with a whole-second start and no duration could have been in flight for
//! any part of that second, so both are left out, and the rule's limitations report it.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;

use super::config::{RuleConfigError, RuleOverride, RuleSpec, parse_rule_file_with};
use super::stats::{Episode, in_flight_episodes};
use super::{ClientHostGroup, Confidence, Context, Finding, Need, Needs, Requirement, Rule};
use crate::model::time::format_duration_micros;
use crate::model::{Endpoint, Exchange, StartOrigin, TimePrecision};

pub const NAME: &str = "concurrency-burst";

const DEFINITION: &str = include_str!("../../rules/concurrency-burst.toml");

/// Number of endpoints named in a finding; the others are summed up.
const TOP_ENDPOINTS: usize = 3;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// A burst starts when more requests than this are in flight at once.
    pub max_in_flight: usize,
    /// Number of episodes reported per client and host, worst first.
    pub max_reported_episodes: usize,
}

pub struct Detector {
    spec: RuleSpec,
    thresholds: Thresholds,
}

/// Loads the rule from its embedded definition.
pub fn load() -> Result<Box<dyn Rule>, RuleConfigError> {
    load_with(&RuleOverride::default())
}

/// Loads the rule from its embedded definition with the user's `overrides` applied.
pub fn load_with(overrides: &RuleOverride) -> Result<Box<dyn Rule>, RuleConfigError> {
    let file = "rules/concurrency-burst.toml";
    let (spec, thresholds): (RuleSpec, Thresholds) =
        parse_rule_file_with(file, DEFINITION, NAME, overrides)?;
    let invalid = |key: &str| RuleConfigError {
        file: file.to_string(),
        message: format!("invalid thresholds.{key}: expected a whole number of 1 or more"),
    };
    if thresholds.max_in_flight < 1 {
        return Err(invalid("max_in_flight"));
    }
    if thresholds.max_reported_episodes < 1 {
        return Err(invalid("max_reported_episodes"));
    }
    Ok(Box::new(Detector { spec, thresholds }))
}

impl Rule for Detector {
    fn spec(&self) -> &RuleSpec {
        &self.spec
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        ctx.api_groups()
            .iter()
            .flat_map(|group| self.check_group(group))
            .collect()
    }

    fn needs(&self) -> Needs {
        Needs(vec![
            Need::new(
                Requirement::StartTimes,
                "requests in flight cannot be counted for those calls, and the rule skips them",
            ),
            Need::new(
                Requirement::Durations,
                "those with whole-second starts are skipped, and the others count as in \
                 flight for 0 ms and overlap only calls that start in the same instant",
            ),
            Need::new(
                Requirement::SubSecondTimes,
                "calls with a duration can seem to overlap by rounding, and findings have \
                 low confidence",
            ),
        ])
    }
}

impl Detector {
    fn check_group(&self, group: &ClientHostGroup<'_>) -> Vec<Finding> {
        let measurable: Vec<&Exchange> = group
            .exchanges
            .iter()
            .copied()
            .filter(|e| in_flight_known(e))
            .collect();
        let intervals: Vec<(i64, i64)> = measurable
            .iter()
            .map(|e| (e.start.micros(), e.end().micros()))
            .collect();
        let mut episodes = in_flight_episodes(&intervals, self.thresholds.max_in_flight);
        let total = episodes.len();

        // Worst first: highest peak, then the longest time at that peak, then earliest.
        episodes.sort_by(|a, b| {
            b.peak
                .cmp(&a.peak)
                .then(peak_span(b).cmp(&peak_span(a)))
                .then(a.start.cmp(&b.start))
        });
        episodes.truncate(self.thresholds.max_reported_episodes);
        episodes
            .iter()
            .enumerate()
            .map(|(rank, episode)| self.finding(&measurable, episode, rank + 1, total))
            .collect()
    }

    fn finding(
        &self,
        measurable: &[&Exchange],
        episode: &Episode,
        rank: usize,
        total: usize,
    ) -> Finding {
        let involved: Vec<&Exchange> = episode
            .members
            .iter()
            .filter_map(|&i| measurable.get(i).copied())
            .collect();
        let endpoints = count_endpoints(&involved);
        let peak_duration_us = peak_span(episode);
        let episode_duration_us = episode.end.saturating_sub(episode.start);

        let mut message = format!(
            "Peak of {} API requests in flight at once (threshold {}) for {}; {} requests \
             in the burst, mostly {}.",
            episode.peak,
            self.thresholds.max_in_flight,
            format_duration_micros(peak_duration_us),
            involved.len(),
            describe_endpoints(&endpoints, involved.len()),
        );
        if total > self.thresholds.max_reported_episodes {
            message.push_str(&format!(
                " Burst {rank} of {total} from this client to this host, worst first."
            ));
        }

        let mut finding = self.spec.finding(&involved, message);
        finding.endpoint = endpoints.first().map(|(endpoint, _)| endpoint.clone());
        // A duration the input did not record counts as 0 ms, which can hide overlap.
        // Second-precision starts make coincidences that were not there.
        if involved
            .iter()
            .any(|e| e.duration_us.is_none() || e.precision == TimePrecision::Seconds)
        {
            finding.confidence = Confidence::Low;
        }
        let top: Vec<serde_json::Value> = endpoints
            .iter()
            .take(TOP_ENDPOINTS)
            .map(|(endpoint, count)| json!({"endpoint": endpoint.to_string(), "count": count}))
            .collect();
        let metrics = &mut finding.metrics;
        metrics.insert("peak_in_flight", json!(episode.peak));
        metrics.insert("max_in_flight", json!(self.thresholds.max_in_flight));
        metrics.insert(
            "peak_start",
            json!(crate::model::Timestamp::from_micros(episode.peak_start)),
        );
        metrics.insert("peak_duration_ms", json!(peak_duration_us / 1_000));
        metrics.insert("burst_duration_ms", json!(episode_duration_us / 1_000));
        metrics.insert("requests", json!(involved.len()));
        metrics.insert("endpoints", json!(top));
        metrics.insert("burst_rank", json!(rank));
        metrics.insert("bursts_total", json!(total));
        finding
    }
}

/// Returns whether an exchange can be placed among the requests in flight. An end
/// without a duration gives no clue to when the request was sent. A start without a
/// duration counts as in flight for 0 ms, which only means something when the start
/// is finer than a second: eleven calls logged in one second are a rate, not a burst.
fn in_flight_known(exchange: &Exchange) -> bool {
    match exchange.start_origin {
        StartOrigin::EndWithoutDuration => false,
        StartOrigin::EndMinusDuration => true,
        StartOrigin::Recorded => {
            exchange.duration_us.is_some() || exchange.precision != TimePrecision::Seconds
        }
    }
}

/// Returns how long the peak of an episode held, in microseconds.
fn peak_span(episode: &Episode) -> i64 {
    episode.peak_end.saturating_sub(episode.peak_start)
}

/// Counts requests per endpoint, most frequent first, ties in endpoint order.
fn count_endpoints(exchanges: &[&Exchange]) -> Vec<(Endpoint, usize)> {
    let mut counts: BTreeMap<Endpoint, usize> = BTreeMap::new();
    for exchange in exchanges {
        *counts.entry(exchange.endpoint()).or_default() += 1;
    }
    let mut sorted: Vec<(Endpoint, usize)> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    sorted
}

/// Names the top endpoints with their counts, e.g. `GET /users/{id} (18), GET /groups
/// (4) and 3 others`.
fn describe_endpoints(endpoints: &[(Endpoint, usize)], total: usize) -> String {
    let named: Vec<String> = endpoints
        .iter()
        .take(TOP_ENDPOINTS)
        .map(|(endpoint, count)| format!("{endpoint} ({count})"))
        .collect();
    let named_count: usize = endpoints.iter().take(TOP_ENDPOINTS).map(|(_, c)| c).sum();
    let mut text = named.join(", ");
    if total > named_count {
        text.push_str(&format!(" and {} others", total - named_count));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceKind;
    use crate::model::testkit::{exchange, finish};
    use crate::rules::{Profiles, Severity};

    fn run(exchanges: &[Exchange]) -> Vec<Finding> {
        let rule = load().expect("embedded definition is valid");
        rule.check(&Context::new(exchanges, &Profiles::default()))
    }

    /// `count` GETs of one user each, all started within `spacing_ms * count` and each
    /// lasting `duration_ms`.
    fn parallel(count: usize, spacing_ms: i64, duration_ms: i64) -> Vec<Exchange> {
        (0..count)
            .map(|i| {
                exchange(
                    "GET",
                    &format!("/api/v1/users/{}", 1000 + i),
                    i as i64 * spacing_ms,
                )
                .duration_ms(duration_ms)
                .build()
            })
            .collect()
    }

    #[test]
    fn burst_of_25_fires() {
        let exchanges = finish(parallel(25, 10, 1000));
        let findings = run(&exchanges);
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.severity, Severity::Error);
        assert_eq!(finding.metrics["peak_in_flight"], json!(25));
        assert_eq!(finding.metrics["max_in_flight"], json!(10));
        // All 25 overlap from the last start (240 ms) to the first end (1000 ms).
        assert_eq!(finding.metrics["peak_duration_ms"], json!(760));
        assert_eq!(finding.metrics["requests"], json!(25));
        assert_eq!(finding.confidence, Confidence::High);
        assert!(finding.message.contains("25 API requests in flight"));
        assert!(finding.message.contains("(threshold 10)"));
        assert!(finding.message.contains("GET /api/v1/users/{id} (25)"));
    }

    #[test]
    fn eleven_in_flight_fires() {
        let findings = run(&finish(parallel(11, 10, 500)));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["peak_in_flight"], json!(11));
    }

    #[test]
    fn ten_in_flight_is_quiet() {
        assert!(run(&finish(parallel(10, 10, 500))).is_empty());
    }

    #[test]
    fn sequential_requests_are_quiet() {
        // 100 requests, each sent when the previous response arrived.
        assert!(run(&finish(parallel(100, 100, 100))).is_empty());
    }

    #[test]
    fn static_assets_do_not_count() {
        let mut exchanges: Vec<Exchange> = (0..60)
            .map(|i| {
                exchange("GET", &format!("/static/img{i}.png"), i)
                    .kind(ResourceKind::Image)
                    .duration_ms(800)
                    .build()
            })
            .collect();
        exchanges.extend(parallel(5, 10, 800));
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn cache_hits_do_not_count() {
        let exchanges: Vec<Exchange> = (0..20)
            .map(|i| {
                exchange("GET", &format!("/api/v1/users/{}", 1000 + i), i)
                    .cache_hit()
                    .build()
            })
            .collect();
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn clients_and_hosts_not_merged() {
        let mut exchanges = Vec::new();
        for (i, e) in parallel(12, 10, 1000).into_iter().enumerate() {
            let mut builder = exchange("GET", &e.path, (i as i64) * 10).duration_ms(1000);
            builder = match i % 3 {
                0 => builder.client("other-client"),
                1 => builder.host("other.example.com"),
                _ => builder,
            };
            exchanges.push(builder.build());
        }
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn unknown_durations_coincide_only() {
        let mut exchanges: Vec<Exchange> = (0..12)
            .map(|i| exchange("GET", &format!("/api/v1/users/{i}"), 0).build())
            .collect();
        for exchange in &mut exchanges {
            exchange.duration_us = None;
        }
        let findings = run(&finish(exchanges.clone()));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["peak_in_flight"], json!(12));
        assert_eq!(findings[0].confidence, Confidence::Low);

        for (i, exchange) in exchanges.iter_mut().enumerate() {
            exchange.start = exchange.start.saturating_add_micros(i as i64 * 1_000);
        }
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn end_without_duration_skipped() {
        // Twelve log lines written in the same second: their starts are unknown.
        let exchanges: Vec<Exchange> = (0..12)
            .map(|i| {
                exchange("GET", &format!("/api/v1/users/{i}"), 0)
                    .coarse_log_line(i + 1)
                    .build()
            })
            .collect();
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn whole_second_starts_without_duration_skipped() {
        // Apache `%t` without `%D`: twelve calls in one second may never have overlapped.
        let exchanges: Vec<Exchange> = (0..12)
            .map(|i| {
                exchange("GET", &format!("/api/v1/users/{i}"), 0)
                    .line(i as u64 + 1)
                    .precision(TimePrecision::Seconds)
                    .no_duration()
                    .build()
            })
            .collect();
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn end_minus_duration_counts() {
        // Whole-second end times with logged durations: starts are reconstructed.
        let exchanges: Vec<Exchange> = (0..12)
            .map(|i| {
                exchange("GET", &format!("/api/v1/users/{i}"), i * 10)
                    .line(i as u64 + 1)
                    .duration_ms(900)
                    .precision(TimePrecision::Seconds)
                    .start_origin(StartOrigin::EndMinusDuration)
                    .build()
            })
            .collect();
        let findings = run(&finish(exchanges));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["peak_in_flight"], json!(12));
        assert_eq!(findings[0].confidence, Confidence::Low);
    }

    #[test]
    fn needs_start_times() {
        let rule = load().expect("embedded definition is valid");
        let needs = rule.needs();
        let requirements: Vec<Requirement> = needs.0.iter().map(|n| n.requirement).collect();
        assert_eq!(
            requirements,
            [
                Requirement::StartTimes,
                Requirement::Durations,
                Requirement::SubSecondTimes
            ]
        );
    }

    #[test]
    fn episodes_capped_worst_first() {
        // Eight separate bursts, one every 10 s; the fourth is the biggest.
        let mut exchanges = Vec::new();
        for burst in 0..8 {
            let size = if burst == 3 { 30 } else { 12 + burst };
            for i in 0..size {
                let path = format!("/api/v1/users/{}", burst * 100 + i);
                exchanges.push(
                    exchange("GET", &path, burst as i64 * 10_000 + i as i64)
                        .duration_ms(500)
                        .build(),
                );
            }
        }
        let findings = run(&finish(exchanges));
        assert_eq!(findings.len(), 5);
        assert_eq!(findings[0].metrics["peak_in_flight"], json!(30));
        assert_eq!(findings[0].metrics["bursts_total"], json!(8));
        assert_eq!(findings[1].metrics["peak_in_flight"], json!(19));
        assert!(findings[0].message.contains("Burst 1 of 8"));
    }
}
