//! `tight-polling`: one client requests the same endpoint again and again at a short,
//! steady interval and mostly receives the same response.
//!
//! Regularity is judged with the median and the median absolute deviation of the
//! intervals, because a poll loop is interrupted by the odd slow response or pause, and
//! those outliers must neither hide the loop nor split it into pieces.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use serde_json::json;

use super::config::{RuleConfigError, RuleOverride, RuleSpec, parse_rule_file_with};
use super::stats::{median, median_absolute_deviation, millis_to_micros};
use super::{ClientHostGroup, Confidence, Context, Finding, Need, Needs, Requirement, Rule};
use crate::model::time::format_duration_micros;
use crate::model::{Exchange, TimePrecision};

pub const NAME: &str = "tight-polling";

const DEFINITION: &str = include_str!("../../rules/tight-polling.toml");

/// A pause longer than this many times `max_interval_ms` ends a polling run.
const RUN_BREAK_FACTOR: i64 = 3;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Minimum number of requests in a run.
    pub min_requests: usize,
    /// Maximum median interval between requests that still counts as tight, in ms.
    pub max_interval_ms: u64,
    /// Maximum median absolute deviation of the intervals, relative to their median.
    pub max_relative_spread: f64,
    /// Minimum fraction of responses equal to the previous one.
    pub min_unchanged_fraction: f64,
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
    let file = "rules/tight-polling.toml";
    let (spec, thresholds): (RuleSpec, Thresholds) =
        parse_rule_file_with(file, DEFINITION, NAME, overrides)?;
    let invalid = |key: &str, expected: &str| RuleConfigError {
        file: file.to_string(),
        message: format!("invalid thresholds.{key}: expected {expected}"),
    };
    if thresholds.min_requests < 3 {
        return Err(invalid(
            "min_requests",
            "a whole number of 3 or more, as regularity needs two intervals",
        ));
    }
    if thresholds.max_interval_ms < 1 {
        return Err(invalid(
            "max_interval_ms",
            "a number of milliseconds of 1 or more",
        ));
    }
    if !(0.0..=1.0).contains(&thresholds.max_relative_spread) {
        return Err(invalid("max_relative_spread", "a fraction from 0 to 1"));
    }
    if !(0.0..=1.0).contains(&thresholds.min_unchanged_fraction) {
        return Err(invalid("min_unchanged_fraction", "a fraction from 0 to 1"));
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
                Requirement::SubSecondTimes,
                "intervals under a second cannot be measured: polling faster than once a \
                 second goes unreported, and slower polling has low confidence",
            ),
            Need::new(
                Requirement::ResponseBodies,
                "unchanged responses are recognised by equal status and size only, with \
                 low confidence",
            ),
        ])
    }
}

/// Key of a polled series: method, template and the set of query keys.
type SeriesKey<'a> = (&'a str, &'a str, &'a [Box<str>]);

/// The measured shape of one qualifying run.
#[derive(Clone, Debug)]
struct Run<'a> {
    exchanges: Vec<&'a Exchange>,
    median_interval_ms: f64,
    relative_spread: f64,
    unchanged_fraction: f64,
    /// Whether every compared pair had a response body hash.
    hashed: bool,
}

impl Detector {
    fn check_group(&self, group: &ClientHostGroup<'_>) -> Vec<Finding> {
        // Series in order of their first request, so findings come out in a stable
        // order.
        let mut order: Vec<SeriesKey<'_>> = Vec::new();
        let mut series: HashMap<SeriesKey<'_>, Vec<&Exchange>> = HashMap::new();
        // Polling reads; repeated writes are retries or bulk operations, which other
        // rules judge.
        for exchange in group
            .exchanges
            .iter()
            .filter(|e| matches!(&*e.method, "GET" | "HEAD"))
        {
            let key: SeriesKey<'_> = (
                &exchange.method,
                &exchange.template,
                exchange.query_keys.as_slice(),
            );
            let members = series.entry(key).or_insert_with(|| {
                order.push(key);
                Vec::new()
            });
            members.push(exchange);
        }

        let mut findings = Vec::new();
        for key in order {
            let Some(members) = series.get(&key) else {
                continue;
            };
            let polls = drop_retries(members);
            let runs: Vec<Run<'_>> = split_runs(&polls, self.break_gap_us())
                .into_iter()
                .filter_map(|run| self.measure(run))
                .collect();
            if let Some(finding) = self.finding(&runs) {
                findings.push(finding);
            }
        }
        findings
    }

    fn break_gap_us(&self) -> i64 {
        millis_to_micros(self.thresholds.max_interval_ms).saturating_mul(RUN_BREAK_FACTOR)
    }

    /// Measures a run and keeps it when it crosses every threshold.
    fn measure<'a>(&self, run: &[&'a Exchange]) -> Option<Run<'a>> {
        let t = &self.thresholds;
        if run.len() < t.min_requests {
            return None;
        }
        let intervals_ms: Vec<f64> = run
            .windows(2)
            .map(|pair| pair[1].start.micros_since(pair[0].start) as f64 / 1_000.0)
            .collect();
        let median_interval_ms = median(&intervals_ms)?;
        // Requests with a median interval under 1 ms are sent together: a burst, not a
        // poll loop, and concurrency-burst reports them.
        if median_interval_ms < 1.0 || median_interval_ms > t.max_interval_ms as f64 {
            return None;
        }
        let relative_spread = median_absolute_deviation(&intervals_ms)? / median_interval_ms;
        if relative_spread > t.max_relative_spread {
            return None;
        }

        // A poll loop sends the same requests again. A run in which most requests are new
        // (user 1, user 2, ..., or `?page=1`, `?page=2`, ...) is a walk over items or
        // pages, which n-plus-one and bulk-operation-flood cover.
        let distinct_requests: HashSet<u64> = run.iter().map(|e| e.request_hash).collect();
        if distinct_requests.len() * 2 > run.len() {
            return None;
        }

        let mut unchanged = 0usize;
        let mut hashed = true;
        for pair in run.windows(2) {
            let (previous, current) = (pair[0], pair[1]);
            let same = match (previous.response_hash, current.response_hash) {
                (Some(a), Some(b)) => a == b,
                _ => {
                    hashed = false;
                    previous.status == current.status
                        && previous.response_size == current.response_size
                }
            };
            if same {
                unchanged += 1;
            }
        }
        let unchanged_fraction = unchanged as f64 / (run.len() - 1) as f64;
        if unchanged_fraction < t.min_unchanged_fraction {
            return None;
        }
        Some(Run {
            exchanges: run.to_vec(),
            median_interval_ms,
            relative_spread,
            unchanged_fraction,
            hashed,
        })
    }

    /// Reports all qualifying runs of one series in one finding, measured on the
    /// longest run, so that a poll loop restarted every few minutes gives one finding.
    fn finding(&self, runs: &[Run<'_>]) -> Option<Finding> {
        let longest = runs
            .iter()
            .max_by(|a, b| a.exchanges.len().cmp(&b.exchanges.len()))?;
        let first = *longest.exchanges.first()?;
        let last = *longest.exchanges.last()?;
        let involved: Vec<&Exchange> = runs
            .iter()
            .flat_map(|r| r.exchanges.iter().copied())
            .collect();
        let requests = involved.len();
        let t = &self.thresholds;

        let run_duration_us = last.start.micros_since(first.start);
        let interval_us = (longest.median_interval_ms * 1_000.0).round() as i64;
        let mut message = format!(
            "{} polled {} times every {} (median, threshold {}) with a spread of {:.0}% \
             (threshold {:.0}%) over {}; {:.0}% of responses unchanged (threshold {:.0}%).",
            first.endpoint(),
            longest.exchanges.len(),
            format_duration_micros(interval_us),
            format_duration_micros(millis_to_micros(t.max_interval_ms)),
            longest.relative_spread * 100.0,
            t.max_relative_spread * 100.0,
            format_duration_micros(run_duration_us),
            longest.unchanged_fraction * 100.0,
            t.min_unchanged_fraction * 100.0,
        );
        if runs.len() > 1 {
            message.push_str(&format!(
                " {} such runs with {requests} requests in total.",
                runs.len()
            ));
        }

        let mut finding = self.spec.finding(&involved, message);
        finding.endpoint = Some(first.endpoint());
        // Without body hashes, equal sizes only suggest equal content. One-second
        // timestamps cannot show the jitter that would make the loop harmless.
        if !longest.hashed
            || longest
                .exchanges
                .iter()
                .any(|e| e.precision == TimePrecision::Seconds)
        {
            finding.confidence = Confidence::Low;
        }
        let query_keys: Vec<&str> = first.query_keys.iter().map(|k| k.as_ref()).collect();
        let metrics = &mut finding.metrics;
        metrics.insert("requests", json!(longest.exchanges.len()));
        metrics.insert(
            "median_interval_ms",
            json!(round3(longest.median_interval_ms)),
        );
        metrics.insert("max_interval_ms", json!(t.max_interval_ms));
        metrics.insert("relative_spread", json!(round3(longest.relative_spread)));
        metrics.insert("max_relative_spread", json!(t.max_relative_spread));
        metrics.insert(
            "unchanged_fraction",
            json!(round3(longest.unchanged_fraction)),
        );
        metrics.insert("min_unchanged_fraction", json!(t.min_unchanged_fraction));
        metrics.insert("min_requests", json!(t.min_requests));
        metrics.insert("duration_ms", json!(run_duration_us / 1_000));
        metrics.insert("runs", json!(runs.len()));
        metrics.insert("requests_total", json!(requests));
        metrics.insert("query_keys", json!(query_keys));
        Some(finding)
    }
}

/// Leaves out requests that retry a throttled response, because they belong to
/// `retry-without-backoff`. A request is a retry when the previous request of its
/// series was throttled, or when the client numbered it as a retry attempt.
fn drop_retries<'a>(members: &[&'a Exchange]) -> Vec<&'a Exchange> {
    let mut polls = Vec::with_capacity(members.len());
    let mut previous_throttled = false;
    for &exchange in members {
        let announced_retry = exchange.retry_attempt.is_some_and(|n| n >= 1);
        if !previous_throttled && !announced_retry {
            polls.push(exchange);
        }
        previous_throttled = exchange.is_throttled();
    }
    polls
}

/// Splits a series where the client paused for longer than `break_gap_us`.
fn split_runs<'s, 'a>(polls: &'s [&'a Exchange], break_gap_us: i64) -> Vec<&'s [&'a Exchange]> {
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..polls.len() {
        if polls[i].start.micros_since(polls[i - 1].start) > break_gap_us {
            runs.push(&polls[start..i]);
            start = i;
        }
    }
    if start < polls.len() {
        runs.push(&polls[start..]);
    }
    runs
}

fn round3(value: f64) -> f64 {
    (value * 1_000.0).round() / 1_000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::{exchange, finish};
    use crate::rules::{Profiles, Severity};

    fn run(exchanges: &[Exchange]) -> Vec<Finding> {
        let rule = load().expect("embedded definition is valid");
        rule.check(&Context::new(exchanges, &Profiles::default()))
    }

    /// `GET /v1/jobs/42/status` at the given offsets, all with the same response body.
    fn polls(offsets_ms: &[i64]) -> Vec<Exchange> {
        offsets_ms
            .iter()
            .map(|&t| {
                exchange("GET", "/v1/jobs/42/status", t)
                    .response_hash(7)
                    .build()
            })
            .collect()
    }

    #[test]
    fn whole_second_polls_fire_low() {
        // A log line every 2 s, no bodies: equal status and size stand in for them.
        let exchanges: Vec<Exchange> = (0..30)
            .map(|i| {
                exchange("GET", "/v1/jobs/42/status", i * 2_000)
                    .coarse_log_line(i as u64 + 1)
                    .build()
            })
            .collect();
        let findings = run(&finish(exchanges));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["median_interval_ms"], json!(2000.0));
        assert_eq!(findings[0].confidence, Confidence::Low);
    }

    #[test]
    fn sub_second_polls_hidden_by_seconds() {
        // Two polls a second look like pairs sent together on a one-second log.
        let exchanges: Vec<Exchange> = (0..60)
            .map(|i| {
                exchange("GET", "/v1/jobs/42/status", i * 500)
                    .coarse_log_line(i as u64 + 1)
                    .build()
            })
            .collect();
        assert!(run(&finish(exchanges)).is_empty());
    }

    /// `count` offsets `interval_ms` apart, each moved by the next value of `jitter_ms`.
    fn offsets(count: usize, interval_ms: i64, jitter_ms: &[i64]) -> Vec<i64> {
        (0..count)
            .map(|i| {
                i as i64 * interval_ms
                    + jitter_ms
                        .get(i % jitter_ms.len().max(1))
                        .copied()
                        .unwrap_or(0)
            })
            .collect()
    }

    #[test]
    fn steady_two_second_poll_fires() {
        let findings = run(&finish(polls(&offsets(20, 2_000, &[0, 30, -20, 10]))));
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.severity, Severity::Warning);
        assert_eq!(finding.metrics["requests"], json!(20));
        assert_eq!(finding.metrics["unchanged_fraction"], json!(1.0));
        assert_eq!(finding.confidence, Confidence::High);
        let interval = finding.metrics["median_interval_ms"]
            .as_f64()
            .unwrap_or(0.0);
        assert!(
            (1_950.0..=2_050.0).contains(&interval),
            "interval {interval}"
        );
        assert!(
            finding
                .message
                .contains("GET /v1/jobs/{id}/status polled 20 times")
        );
        assert!(finding.message.contains("threshold 10 s"));
    }

    #[test]
    fn seven_polls_are_quiet() {
        assert!(run(&finish(polls(&offsets(7, 1_000, &[0])))).is_empty());
    }

    #[test]
    fn eight_polls_fire() {
        assert_eq!(run(&finish(polls(&offsets(8, 1_000, &[0])))).len(), 1);
    }

    #[test]
    fn slow_jittered_poll_is_quiet() {
        // Every 30 to 60 s.
        let jitter = [0, 17_000, 4_000, 29_000, 11_000, 23_000];
        assert!(run(&finish(polls(&offsets(30, 30_000, &jitter)))).is_empty());
    }

    #[test]
    fn interval_over_threshold_is_quiet() {
        assert!(run(&finish(polls(&offsets(20, 10_500, &[0])))).is_empty());
    }

    #[test]
    fn heavy_jitter_is_quiet() {
        // Intervals between 600 ms and 3.4 s around a 1.75 s median: spread about 60%.
        let intervals = [
            2_000, 800, 3_200, 1_200, 2_900, 700, 2_500, 1_500, 3_400, 600,
        ];
        let mut times = vec![0];
        for round in 0..3 {
            for interval in intervals {
                let last = times.last().copied().unwrap_or(0);
                times.push(last + interval + round);
            }
        }
        assert!(run(&finish(polls(&times))).is_empty());
    }

    #[test]
    fn changing_responses_are_quiet() {
        let exchanges: Vec<Exchange> = (0..20)
            .map(|i| {
                exchange("GET", "/v1/jobs/42/status", i * 1_000)
                    .response_hash(i as u64 % 3)
                    .build()
            })
            .collect();
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn paginated_list_is_quiet() {
        let exchanges: Vec<Exchange> = (0..20)
            .map(|i| {
                exchange(
                    "GET",
                    &format!("/api/v1/users?after={i}&limit=200"),
                    i * 500,
                )
                .response_hash(100 + i as u64)
                .build()
            })
            .collect();
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn retries_after_429_not_polling() {
        // One request, retried every second while throttled: retry-without-backoff.
        let mut exchanges: Vec<Exchange> = (0..12)
            .map(|i| {
                exchange("GET", "/v1/jobs/42/status", i * 1_000)
                    .throttled_429(None)
                    .build()
            })
            .collect();
        exchanges.push(exchange("GET", "/v1/jobs/42/status", 12_000).build());
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn other_clients_not_merged() {
        // 7 requests from each of three client and host pairs, 21 if merged.
        let exchanges: Vec<Exchange> = (0..21)
            .map(|i| {
                let builder = exchange("GET", "/v1/jobs/42/status", i * 1_000).response_hash(7);
                match i % 3 {
                    0 => builder.client("other-client").build(),
                    1 => builder.host("other.example.com").build(),
                    _ => builder.build(),
                }
            })
            .collect();
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn query_key_sets_separate_series() {
        let exchanges: Vec<Exchange> = (0..16)
            .map(|i| {
                let path = if i % 2 == 0 {
                    "/v1/jobs/42/status?verbose=1"
                } else {
                    "/v1/jobs/42/status"
                };
                exchange("GET", path, i * 1_000).response_hash(7).build()
            })
            .collect();
        let findings = run(&finish(exchanges));
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[0].metrics["requests"], json!(8));
        assert_eq!(findings[1].metrics["requests"], json!(8));
    }

    #[test]
    fn restarted_loops_give_one_finding() {
        let mut times = offsets(10, 1_000, &[0]);
        times.extend(offsets(12, 1_000, &[0]).iter().map(|t| t + 300_000));
        let findings = run(&finish(polls(&times)));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["runs"], json!(2));
        assert_eq!(findings[0].metrics["requests"], json!(12));
        assert_eq!(findings[0].metrics["requests_total"], json!(22));
    }

    #[test]
    fn sequential_item_walk_is_quiet() {
        // One user after another, every second, with equal sizes and no bodies.
        let exchanges: Vec<Exchange> = (0..20)
            .map(|i| exchange("GET", &format!("/api/v1/users/{}", 1_000 + i), i * 1_000).build())
            .collect();
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn round_robin_jobs_fire() {
        // Four jobs polled in turn, one request every 500 ms.
        let exchanges: Vec<Exchange> = (0..24)
            .map(|i| {
                let path = format!("/v1/jobs/{}/status", 40 + i % 4);
                exchange("GET", &path, i * 500).response_hash(7).build()
            })
            .collect();
        let findings = run(&finish(exchanges));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["requests"], json!(24));
    }

    #[test]
    fn sizes_used_without_hashes() {
        let exchanges: Vec<Exchange> = (0..10)
            .map(|i| exchange("GET", "/v1/jobs/42/status", i * 1_000).build())
            .collect();
        let findings = run(&finish(exchanges));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].confidence, Confidence::Low);
    }
}
