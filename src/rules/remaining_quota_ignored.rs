//! `remaining-quota-ignored`: responses announce that little quota remains, and the
//! client keeps its pace until it is throttled or the quota is gone.
//!
//! Only a client that reached the end (a throttled response or Remaining 0) is
//! reported, because a capture that stops earlier cannot show whether the client would
//! have slowed down. One pass per bucket, so a group costs O(n log n).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;

use super::config::{RuleConfigError, RuleOverride, RuleSpec, parse_rule_file_with};
use super::window::{BucketKey, BucketResolver, rate_per_s, round2};
use super::{ClientHostGroup, Confidence, Context, Finding, Need, Needs, Requirement, Rule};
use crate::model::time::format_duration_micros;
use crate::model::{Exchange, Quota, Throttle, TimePrecision};

pub const NAME: &str = "remaining-quota-ignored";

const DEFINITION: &str = include_str!("../../rules/remaining-quota-ignored.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub low_remaining_fraction: f64,
    pub kept_rate_fraction: f64,
    pub min_requests_per_side: usize,
    pub rate_window_s: u64,
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
    let file = "rules/remaining-quota-ignored.toml";
    let (spec, thresholds): (RuleSpec, Thresholds) =
        parse_rule_file_with(file, DEFINITION, NAME, overrides)?;
    let invalid = |message: &str| RuleConfigError {
        file: file.to_string(),
        message: message.to_string(),
    };
    if !(thresholds.low_remaining_fraction > 0.0 && thresholds.low_remaining_fraction <= 1.0) {
        return Err(invalid(
            "invalid `low_remaining_fraction`: expected a fraction above 0 and at most 1",
        ));
    }
    if !(0.0..=1.0).contains(&thresholds.kept_rate_fraction) {
        return Err(invalid(
            "invalid `kept_rate_fraction`: expected a fraction from 0 to 1",
        ));
    }
    if thresholds.min_requests_per_side < 2 {
        return Err(invalid(
            "invalid `min_requests_per_side`: expected at least 2",
        ));
    }
    if thresholds.rate_window_s == 0 {
        return Err(invalid("invalid `rate_window_s`: expected at least 1"));
    }
    Ok(Box::new(Detector { spec, thresholds }))
}

impl Rule for Detector {
    fn spec(&self) -> &RuleSpec {
        &self.spec
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut findings = Vec::new();
        for group in ctx.api_groups() {
            self.check_group(ctx, group, &mut findings);
        }
        findings
    }

    fn needs(&self) -> Needs {
        Needs(vec![
            Need::new(
                Requirement::QuotaHeaders,
                "whether the client slowed down as its quota ran low cannot be seen, and \
                 the rule cannot fire",
            ),
            Need::new(
                Requirement::SubSecondTimes,
                "request rates are measured over whole seconds, with low confidence",
            ),
        ])
    }
}

/// The quota a request counts against.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum QuotaBucket {
    /// A quota named by the response, such as GitHub's `core` or `search`.
    Resource(String),
    /// One quota for every request to the host.
    Host,
    Bucket(BucketKey),
}

impl QuotaBucket {
    fn label(&self, host: &str) -> String {
        match self {
            QuotaBucket::Resource(name) => format!("the {name} quota"),
            QuotaBucket::Host => format!("the quota of {host}"),
            QuotaBucket::Bucket(key) => key.label(),
        }
    }
}

/// End of a low-quota episode.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Throttled,
    Exhausted,
}

/// A low-quota episode: indices into a bucket's requests.
struct Episode {
    /// First request counted for the rate before the low reading.
    before_first: usize,
    /// The first response with a low remaining quota.
    low: usize,
    /// The throttled or exhausted response that ended the episode.
    end: usize,
    outcome: Outcome,
}

/// Returns the limit and remaining of a quota that can judge a low reading. Okta's
/// concurrency responses carry a limit of 0, which is no information about the rate quota.
fn usable(quota: Option<&Quota>) -> Option<(u64, u64)> {
    let quota = quota?;
    match (quota.limit, quota.remaining) {
        (Some(limit), Some(remaining)) if limit > 0 => Some((limit, remaining)),
        _ => None,
    }
}

impl Detector {
    fn check_group(&self, ctx: &Context<'_>, group: &ClientHostGroup<'_>, out: &mut Vec<Finding>) {
        let mut resolver = BucketResolver::new(ctx.profiles, group.host.clone());
        let token_wide = resolver.token_wide_headers();
        let mut buckets: BTreeMap<QuotaBucket, Vec<&Exchange>> = BTreeMap::new();
        for exchange in &group.exchanges {
            let resource = exchange
                .signals
                .quota
                .as_ref()
                .and_then(|q| q.resource.clone());
            let key = match resource {
                Some(name) => QuotaBucket::Resource(name),
                None if token_wide => QuotaBucket::Host,
                None => QuotaBucket::Bucket(resolver.resolve(exchange).key.clone()),
            };
            buckets.entry(key).or_default().push(exchange);
        }
        for (key, requests) in &buckets {
            for episode in self.episodes(requests) {
                if let Some(finding) = self.judge(&key.label(&group.host), requests, &episode) {
                    out.push(finding);
                }
            }
        }
    }

    fn is_low(&self, limit: u64, remaining: u64) -> bool {
        (remaining as f64) < self.thresholds.low_remaining_fraction * limit as f64
    }

    /// Finds the episodes of one bucket: a first low reading, then a throttled or
    /// exhausted response before any reset. After an episode, the next one starts only
    /// once a reading shows the quota refilled.
    fn episodes(&self, requests: &[&Exchange]) -> Vec<Episode> {
        let window_us = i64::try_from(self.thresholds.rate_window_s)
            .unwrap_or(i64::MAX)
            .saturating_mul(1_000_000);
        let mut episodes = Vec::new();
        let mut low: Option<usize> = None;
        let mut waiting_for_refill = false;
        for (index, exchange) in requests.iter().enumerate() {
            let reading = usable(exchange.signals.quota.as_ref());
            let throttled = exchange.is_throttled()
                && exchange.signals.throttle != Some(Throttle::ConcurrencyLimit);
            let exhausted = reading.is_some_and(|(_, remaining)| remaining == 0);
            let refilled = reading.is_some_and(|(limit, remaining)| !self.is_low(limit, remaining));
            if refilled {
                waiting_for_refill = false;
                low = None;
                continue;
            }
            if waiting_for_refill {
                continue;
            }
            match low {
                None => {
                    // A first low reading that is already the end gave no warning.
                    if !throttled && !exhausted && reading.is_some() {
                        low = Some(index);
                    }
                }
                Some(low_index) if throttled || exhausted => {
                    let from = requests[low_index].start.micros().saturating_sub(window_us);
                    let before_first =
                        requests[..low_index].partition_point(|e| e.start.micros() < from);
                    episodes.push(Episode {
                        before_first,
                        low: low_index,
                        end: index,
                        outcome: if throttled {
                            Outcome::Throttled
                        } else {
                            Outcome::Exhausted
                        },
                    });
                    low = None;
                    waiting_for_refill = true;
                }
                Some(_) => {}
            }
        }
        episodes
    }

    fn judge(&self, label: &str, requests: &[&Exchange], episode: &Episode) -> Option<Finding> {
        let min = self.thresholds.min_requests_per_side;
        let before_count = episode.low + 1 - episode.before_first;
        let after_count = episode.end - episode.low;
        if before_count < min || after_count < min {
            return None;
        }
        let low = requests[episode.low];
        let end = requests[episode.end];
        let before_span = low.start.micros_since(requests[episode.before_first].start);
        let after_span = end.start.micros_since(low.start);
        let rate_before = rate_per_s(before_count - 1, before_span);
        let rate_after = rate_per_s(after_count, after_span);
        let kept_fraction = rate_after / rate_before;
        if kept_fraction < self.thresholds.kept_rate_fraction {
            return None;
        }

        let (limit, first_low) = usable(low.signals.quota.as_ref())?;
        let remaining: Vec<u64> = requests[episode.low..=episode.end]
            .iter()
            .filter_map(|e| usable(e.signals.quota.as_ref()).map(|(_, r)| r))
            .take(20)
            .collect();
        let outcome = match episode.outcome {
            Outcome::Throttled => "throttled",
            Outcome::Exhausted => "remaining reached 0",
        };
        let message = format!(
            "Remaining requests in {label} fell to {first_low} of {limit} (threshold {:.0}%) and the \
             client kept {:.1} requests/s ({:.0}% of its {:.1}/s before, threshold {:.0}%) until \
             {outcome} {} later.",
            self.thresholds.low_remaining_fraction * 100.0,
            rate_after,
            kept_fraction * 100.0,
            rate_before,
            self.thresholds.kept_rate_fraction * 100.0,
            format_duration_micros(after_span),
        );
        let involved = &requests[episode.before_first..=episode.end];
        let mut finding = self.spec.finding(involved, message);
        finding.endpoint = Some(low.endpoint());
        if involved
            .iter()
            .any(|e| e.precision == TimePrecision::Seconds)
        {
            finding.confidence = Confidence::Low;
        }
        let metrics = &mut finding.metrics;
        metrics.insert("bucket", json!(label));
        metrics.insert("limit", json!(limit));
        metrics.insert("first_low_remaining", json!(first_low));
        metrics.insert("remaining_values", json!(remaining));
        metrics.insert("rate_before_per_s", json!(round2(rate_before)));
        metrics.insert("rate_after_per_s", json!(round2(rate_after)));
        metrics.insert("kept_fraction", json!(round2(kept_fraction)));
        metrics.insert("requests_after_low", json!(after_count));
        metrics.insert("outcome", json!(outcome));
        metrics.insert("outcome_at", json!(end.start.to_rfc3339_millis()));
        metrics.insert("time_to_outcome_ms", json!(after_span / 1_000));
        metrics.insert(
            "low_remaining_fraction",
            json!(self.thresholds.low_remaining_fraction),
        );
        metrics.insert(
            "kept_rate_fraction",
            json!(self.thresholds.kept_rate_fraction),
        );
        Some(finding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::{exchange, finish};
    use crate::rules::{Profiles, Severity};

    const PATH: &str = "/api/v1/users";

    fn run(exchanges: Vec<Exchange>) -> Vec<Finding> {
        let exchanges = finish(exchanges);
        let profiles = Profiles::builtin().expect("embedded profiles are valid");
        let ctx = Context::new(&exchanges, &profiles);
        load().expect("rule file is valid").check(&ctx)
    }

    /// Requests every 100 ms whose remaining quota counts down from 20 of 100. After the
    /// first low reading (remaining 9), they come every `after_step_ms`.
    fn countdown(after_step_ms: i64) -> Vec<Exchange> {
        let mut at = 0;
        (0..=20)
            .map(|i| {
                let remaining = 20 - i as u64;
                let e = exchange("GET", PATH, at)
                    .quota(100, remaining, 30_000)
                    .build();
                at += if remaining <= 9 { after_step_ms } else { 100 };
                e
            })
            .collect()
    }

    #[test]
    fn kept_pace_until_zero_fires() {
        let findings = run(countdown(100));
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.metrics["first_low_remaining"], json!(9));
        assert_eq!(f.metrics["rate_before_per_s"], json!(10.0));
        assert_eq!(f.metrics["rate_after_per_s"], json!(10.0));
        assert_eq!(f.metrics["outcome"], json!("remaining reached 0"));
        assert_eq!(
            f.metrics["remaining_values"],
            json!([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
        );
    }

    #[test]
    fn slowed_down_quiet() {
        assert!(run(countdown(500)).is_empty());
    }

    #[test]
    fn just_under_kept_rate_quiet() {
        // 130 ms apart is 7.7/s, 77% of the 10/s before.
        assert!(run(countdown(130)).is_empty());
    }

    #[test]
    fn just_over_kept_rate_fires() {
        // 120 ms apart is 8.3/s, 83% of the 10/s before.
        assert_eq!(run(countdown(120)).len(), 1);
    }

    #[test]
    fn throttled_end_fires() {
        let mut traffic: Vec<Exchange> = (0..15)
            .map(|i| {
                exchange("GET", PATH, i * 100)
                    .quota(100, 20 - i as u64, 30_000)
                    .build()
            })
            .collect();
        traffic.push(exchange("GET", PATH, 1_500).throttled_429(Some(5)).build());
        let findings = run(traffic);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["outcome"], json!("throttled"));
        assert_eq!(findings[0].metrics["time_to_outcome_ms"], json!(400));
    }

    #[test]
    fn capture_ends_early_quiet() {
        let traffic: Vec<Exchange> = (0..15)
            .map(|i| {
                exchange("GET", PATH, i * 100)
                    .quota(100, 20 - i as u64, 30_000)
                    .build()
            })
            .collect();
        assert!(run(traffic).is_empty());
    }

    #[test]
    fn refill_resets_episode() {
        let mut traffic: Vec<Exchange> = (0..15)
            .map(|i| {
                exchange("GET", PATH, i * 100)
                    .quota(100, 20 - i as u64, 30_000)
                    .build()
            })
            .collect();
        traffic.push(exchange("GET", PATH, 1_500).quota(100, 99, 60_000).build());
        traffic.push(exchange("GET", PATH, 1_600).quota(100, 0, 60_000).build());
        assert!(run(traffic).is_empty());
    }

    #[test]
    fn concurrency_limit_zero_ignored() {
        let traffic: Vec<Exchange> = (0..20)
            .map(|i| exchange("GET", PATH, i * 100).quota(0, 0, 1_000).build())
            .collect();
        assert!(run(traffic).is_empty());
    }

    #[test]
    fn other_client_not_merged() {
        // This client slows down; another client's fast requests must not count.
        let mut traffic = countdown(500);
        traffic.extend((0..40).map(|i| {
            exchange("GET", PATH, 1_100 + i * 50)
                .client("other-client")
                .build()
        }));
        assert!(run(traffic).is_empty());
    }
}
