//! `retry-without-backoff`: a client retries a throttled request without waiting longer
//! each time.
//!
//! The verdict comes from timestamps alone, so it is built on the gaps between one
//! attempt's end and the next attempt's start. Constant gaps are a fixed delay, and
//! gaps whose logarithm grows linearly are exponential. A low spread around that
//! fitted curve means no jitter. Whole-second timestamps (most access logs) hide jitter
//! and every gap under a second, so on them only the verdicts the data can show stand:
//! retries within the same second are immediate, and equal gaps of whole seconds are
//! fixed. Growth shapes are not judged there, and the rule's limitations report it.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use super::config::{RuleConfigError, RuleOverride, RuleSpec, parse_rule_file_with};
use super::stats::{linear_fit, median};
use super::{
    ClientHostGroup, Confidence, Context, Finding, Need, Needs, Requirement, Rule, Severity,
};
use crate::model::time::format_duration_micros;
use crate::model::{Exchange, Throttle, TimePrecision};

pub const NAME: &str = "retry-without-backoff";

const DEFINITION: &str = include_str!("../../rules/retry-without-backoff.toml");

/// Gaps listed in a message; the metrics hold them all.
const GAPS_IN_MESSAGE: usize = 8;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Minimum number of retries (and so of gaps) needed to judge a chain.
    pub min_retries: usize,
    /// Gaps up to this many milliseconds count as an immediate retry.
    pub immediate_gap_ms: u64,
    /// Gaps within this fraction of their median count as a fixed delay.
    pub fixed_tolerance_fraction: f64,
    /// Smallest growth factor per retry that counts as exponential.
    pub min_exponential_factor: f64,
    /// Smallest deviation from the fitted exponential curve that counts as jitter.
    pub jitter_min_fraction: f64,
    /// A throttled request sent again more than this long after the wait the server
    /// requested starts over instead of continuing a chain, in ms.
    pub max_retry_gap_ms: u64,
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
    let file = "rules/retry-without-backoff.toml";
    let (spec, thresholds): (RuleSpec, Thresholds) =
        parse_rule_file_with(file, DEFINITION, NAME, overrides)?;
    let invalid = |key: &str, expected: &str| RuleConfigError {
        file: file.to_string(),
        message: format!("invalid thresholds.{key}: expected {expected}"),
    };
    let t = &thresholds;
    if t.min_retries < 2 {
        return Err(invalid(
            "min_retries",
            "a whole number of 2 or more, as a shape needs two gaps",
        ));
    }
    if !(0.0..=1.0).contains(&t.fixed_tolerance_fraction) {
        return Err(invalid(
            "fixed_tolerance_fraction",
            "a fraction from 0 to 1",
        ));
    }
    if !(0.0..=1.0).contains(&t.jitter_min_fraction) {
        return Err(invalid("jitter_min_fraction", "a fraction from 0 to 1"));
    }
    if !(t.min_exponential_factor > 1.0 && t.min_exponential_factor.is_finite()) {
        return Err(invalid("min_exponential_factor", "a number greater than 1"));
    }
    if t.max_retry_gap_ms < 1 {
        return Err(invalid(
            "max_retry_gap_ms",
            "a number of milliseconds of 1 or more",
        ));
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
        Needs(vec![Need::new(
            Requirement::SubSecondTimes,
            "jitter and sub-second gaps are invisible: the backoff shape cannot be judged \
             from whole-second timestamps, and only immediate and fixed retries are \
             reported, with low confidence",
        )])
    }
}

/// The shape of a retry chain's gaps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Immediate,
    Fixed,
    Linear,
    Shrinking,
    ExponentialWithoutJitter,
    ExponentialWithJitter,
    /// No shape fits: the gaps neither stay constant nor grow or shrink steadily.
    Irregular,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Immediate => "immediate",
            Verdict::Fixed => "fixed",
            Verdict::Linear => "linear",
            Verdict::Shrinking => "shrinking",
            Verdict::ExponentialWithoutJitter => "exponential-without-jitter",
            Verdict::ExponentialWithJitter => "exponential-with-jitter",
            Verdict::Irregular => "irregular",
        }
    }
}

/// Attempts of one request: the first throttled response, then every retry.
type Chain<'a> = Vec<&'a Exchange>;

impl Detector {
    fn check_group(&self, group: &ClientHostGroup<'_>) -> Vec<Finding> {
        let mut chains: Vec<Chain<'_>> = Vec::new();
        // Open chains by request hash, and by endpoint for retries that the client
        // numbered (their URL or body may differ, e.g. a new timestamp parameter).
        let mut open: HashMap<u64, Chain<'_>> = HashMap::new();
        let mut open_by_endpoint: HashMap<(Arc<str>, Arc<str>), u64> = HashMap::new();

        for &exchange in &group.exchanges {
            let mut key = exchange.request_hash;
            if !open.contains_key(&key) && exchange.retry_attempt.is_some_and(|n| n >= 1) {
                let endpoint = (exchange.method.clone(), exchange.template.clone());
                if let Some(&hash) = open_by_endpoint.get(&endpoint) {
                    key = hash;
                }
            }

            if let Some(mut chain) = open.remove(&key) {
                if self.continues(&chain, exchange) {
                    chain.push(exchange);
                    if exchange.is_throttled() {
                        open.insert(key, chain);
                    } else {
                        chains.push(chain);
                    }
                    continue;
                }
                chains.push(chain);
            }
            if exchange.is_throttled() {
                open.insert(exchange.request_hash, vec![exchange]);
                open_by_endpoint.insert(
                    (exchange.method.clone(), exchange.template.clone()),
                    exchange.request_hash,
                );
            }
        }
        chains.extend(open.into_values());
        chains.sort_by_key(|chain| chain.first().map(|e| (e.start, e.source)));

        chains
            .iter()
            .filter(|chain| chain.len() > self.thresholds.min_retries)
            .filter_map(|chain| self.judge(chain))
            .collect()
    }

    /// Checks whether `next` is a retry of the chain's last attempt rather than a new
    /// request sent much later.
    fn continues(&self, chain: &Chain<'_>, next: &Exchange) -> bool {
        let Some(last) = chain.last() else {
            return false;
        };
        let gap_ms = next.start.micros_since(last.end()) / 1_000;
        let requested_wait_ms = last
            .retry_allowed_at()
            .map_or(0, |at| at.micros_since(last.end()).max(0) / 1_000);
        let limit_ms = i64::try_from(self.thresholds.max_retry_gap_ms)
            .unwrap_or(i64::MAX)
            .saturating_add(requested_wait_ms);
        gap_ms <= limit_ms
    }

    fn judge(&self, chain: &Chain<'_>) -> Option<Finding> {
        let first = *chain.first()?;
        let (_, earlier) = chain.split_last()?;
        let gaps_ms: Vec<i64> = chain
            .windows(2)
            .map(|pair| (pair[1].start.micros_since(pair[0].end()) / 1_000).max(0))
            .collect();

        let verdict = self.classify(&gaps_ms);
        // One-second timestamps round every gap to whole seconds (give or take the
        // durations), so growth and jitter cannot be distinguished from rounding. Only
        // retries within the same second and exactly equal gaps are judged.
        let whole_seconds = chain.iter().any(|e| e.precision == TimePrecision::Seconds);
        if whole_seconds && !matches!(verdict, Verdict::Immediate | Verdict::Fixed) {
            return None;
        }
        let severity = match verdict {
            Verdict::Immediate | Verdict::Fixed | Verdict::Linear | Verdict::Shrinking => {
                self.spec.severity
            }
            Verdict::ExponentialWithoutJitter => Severity::Warning,
            Verdict::ExponentialWithJitter | Verdict::Irregular => return None,
        };

        // The wait each throttled response requested: Retry-After, else the quota reset
        // when Remaining was 0. A client that waited at least that long before every
        // retry obeys the server, whatever the shape of its gaps.
        let requested_wait_ms: Vec<Option<i64>> = earlier
            .iter()
            .map(|e| {
                e.retry_allowed_at()
                    .map(|at| at.micros_since(e.end()).max(0) / 1_000)
            })
            .collect();
        let honours_server = requested_wait_ms
            .iter()
            .zip(&gaps_ms)
            .all(|(requested, gap)| requested.is_some_and(|wait| *gap >= wait));
        if honours_server {
            return None;
        }

        Some(self.finding(
            first,
            chain,
            &gaps_ms,
            &requested_wait_ms,
            verdict,
            severity,
        ))
    }

    /// Names the shape of the gaps. The checks run from the most to the least certain:
    /// a fixed delay is tested before growth, so steady gaps never count as linear.
    pub fn classify(&self, gaps_ms: &[i64]) -> Verdict {
        let t = &self.thresholds;
        let immediate = i64::try_from(t.immediate_gap_ms).unwrap_or(i64::MAX);
        if gaps_ms.iter().all(|&gap| gap <= immediate) {
            return Verdict::Immediate;
        }

        let gaps: Vec<f64> = gaps_ms.iter().map(|&g| g as f64).collect();
        let centre = median(&gaps).unwrap_or(0.0);
        let tolerance = t.fixed_tolerance_fraction;
        if centre > 0.0
            && gaps
                .iter()
                .all(|g| (g - centre).abs() <= tolerance * centre)
        {
            return Verdict::Fixed;
        }

        // Successive gaps each shorter by more than the tolerance.
        if gaps.windows(2).all(|w| w[1] < w[0] * (1.0 - tolerance)) {
            return Verdict::Shrinking;
        }

        // A gap of 0 ms has no logarithm: count it as 1 ms.
        let logs: Vec<f64> = gaps.iter().map(|g| g.max(1.0).ln()).collect();
        let Some((log_intercept, log_slope)) = linear_fit(&logs) else {
            return Verdict::Irregular;
        };
        let factor = log_slope.exp();
        let exponential_deviation =
            max_relative_deviation(&gaps, |i| (log_intercept + log_slope * i as f64).exp());
        if factor >= t.min_exponential_factor {
            // Linear growth also gives large early ratios (1 s, 2 s, 3 s: 2 then 1.5).
            // With three or more gaps, a straight line that fits better separates the
            // two. A jittered exponential fits a line about as badly as a curve, so the
            // line must also fit well on its own.
            if gaps.len() >= 3
                && let Some((intercept, slope)) = linear_fit(&gaps)
            {
                let linear_deviation =
                    mean_relative_deviation(&gaps, |i| intercept + slope * i as f64);
                let curve_deviation = mean_relative_deviation(&gaps, |i| {
                    (log_intercept + log_slope * i as f64).exp()
                });
                if slope > 0.0
                    && linear_deviation <= tolerance
                    && linear_deviation < curve_deviation
                {
                    return Verdict::Linear;
                }
            }
            if exponential_deviation < t.jitter_min_fraction {
                return Verdict::ExponentialWithoutJitter;
            }
            return Verdict::ExponentialWithJitter;
        }

        // Slower growth: every gap longer than the one before.
        if gaps.windows(2).all(|w| w[1] > w[0]) {
            return Verdict::Linear;
        }
        Verdict::Irregular
    }

    fn finding(
        &self,
        first: &Exchange,
        chain: &Chain<'_>,
        gaps_ms: &[i64],
        requested_wait_ms: &[Option<i64>],
        verdict: Verdict,
        severity: Severity,
    ) -> Finding {
        let t = &self.thresholds;
        let retries = chain.len() - 1;
        let succeeded = chain.last().is_some_and(|e| !e.is_throttled());
        // Whole-second timestamps cannot show sub-second gaps: write "<1 s" rather than a
        // misleading "0 ms".
        let whole_seconds = chain.iter().any(|e| e.precision == TimePrecision::Seconds);
        let mut listed: Vec<String> = gaps_ms
            .iter()
            .take(GAPS_IN_MESSAGE)
            .map(|g| match (whole_seconds, *g) {
                (true, g) if g < 1_000 => "<1".to_string(),
                (true, g) => (g / 1_000).to_string(),
                (false, g) => g.to_string(),
            })
            .collect();
        if gaps_ms.len() > GAPS_IN_MESSAGE {
            listed.push("...".to_string());
        }
        let unit = if whole_seconds { "s" } else { "ms" };
        let criterion = match verdict {
            Verdict::Immediate => format!("every gap at most {} ms", t.immediate_gap_ms),
            Verdict::Fixed => format!(
                "every gap within {:.0}% of the median",
                t.fixed_tolerance_fraction * 100.0
            ),
            Verdict::Shrinking => "each gap shorter than the one before".to_string(),
            Verdict::Linear => "gaps grow by a roughly constant step".to_string(),
            Verdict::ExponentialWithoutJitter => format!(
                "gaps grow by a steady factor and stay within {:.0}% of that curve, so \
                 clients throttled together retry together",
                t.jitter_min_fraction * 100.0
            ),
            Verdict::ExponentialWithJitter | Verdict::Irregular => String::new(),
        };
        let outcome = if succeeded {
            "then succeeded"
        } else {
            "still throttled at the end"
        };
        let message = format!(
            "{} retried {retries} times after a {} response with gaps of {} {unit} ({outcome}): \
             verdict {} ({criterion}).",
            first.endpoint(),
            throttle_label(first),
            listed.join(", "),
            verdict.as_str(),
        );

        let mut finding = self.spec.finding(chain, message);
        finding.severity = severity;
        finding.endpoint = Some(first.endpoint());
        // Gaps are measured from the end of an attempt; without a duration the end is
        // the start, and one-second timestamps round gaps to whole seconds. Shapes from
        // only two gaps can also be noise.
        let inferred = chain
            .iter()
            .any(|e| e.duration_us.is_none() || e.precision == TimePrecision::Seconds);
        if inferred || (gaps_ms.len() < 3 && verdict != Verdict::Immediate) {
            finding.confidence = Confidence::Low;
        }
        let total_us = chain
            .last()
            .map_or(0, |last| last.end().micros_since(first.start));
        let metrics = &mut finding.metrics;
        metrics.insert("verdict", json!(verdict.as_str()));
        metrics.insert("retries", json!(retries));
        metrics.insert("gaps_ms", json!(gaps_ms));
        metrics.insert("server_wait_ms", json!(requested_wait_ms));
        metrics.insert("succeeded", json!(succeeded));
        metrics.insert("duration_ms", json!(total_us / 1_000));
        metrics.insert("duration", json!(format_duration_micros(total_us)));
        metrics.insert("min_retries", json!(t.min_retries));
        metrics.insert("immediate_gap_ms", json!(t.immediate_gap_ms));
        metrics.insert(
            "fixed_tolerance_fraction",
            json!(t.fixed_tolerance_fraction),
        );
        metrics.insert("jitter_min_fraction", json!(t.jitter_min_fraction));
        finding
    }
}

/// Returns `|value / fitted - 1|` for each of `values`, with `fitted(i)` the curve at
/// index `i`. A fitted value at or below 0 counts as a deviation of 1.
fn relative_deviations(values: &[f64], fitted: impl Fn(usize) -> f64) -> Vec<f64> {
    values
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let expected = fitted(i);
            if expected <= 0.0 {
                1.0
            } else {
                (value / expected - 1.0).abs()
            }
        })
        .collect()
}

fn max_relative_deviation(values: &[f64], fitted: impl Fn(usize) -> f64) -> f64 {
    relative_deviations(values, fitted)
        .into_iter()
        .fold(0.0, f64::max)
}

fn mean_relative_deviation(values: &[f64], fitted: impl Fn(usize) -> f64) -> f64 {
    let deviations = relative_deviations(values, fitted);
    if deviations.is_empty() {
        return 0.0;
    }
    deviations.iter().sum::<f64>() / deviations.len() as f64
}

/// Names the throttling response by its status and reason, e.g. `429`.
fn throttle_label(exchange: &Exchange) -> String {
    match exchange.signals.throttle {
        Some(Throttle::ConcurrencyLimit) => format!("{} (concurrency limit)", exchange.status),
        Some(Throttle::QuotaExhausted) => format!("{} (quota exhausted)", exchange.status),
        _ => exchange.status.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::{exchange, finish};
    use crate::rules::Profiles;

    const PATH: &str = "/api/v1/users/00u1ab2CDefGhIJk3l4";

    fn detector() -> Detector {
        let (spec, thresholds) = crate::rules::config::parse_rule_file(
            "rules/retry-without-backoff.toml",
            DEFINITION,
            NAME,
        )
        .expect("embedded definition is valid");
        Detector { spec, thresholds }
    }

    fn run(exchanges: &[Exchange]) -> Vec<Finding> {
        let rule = load().expect("embedded definition is valid");
        rule.check(&Context::new(exchanges, &Profiles::default()))
    }

    /// Builds a throttled request at 0 ms, retried after each of `gaps_ms`, measured
    /// from the end of the previous attempt. Every attempt lasts 100 ms, the last retry
    /// succeeds, and every 429 carries `retry_after_s`.
    fn chain(gaps_ms: &[i64], retry_after_s: Option<i64>) -> Vec<Exchange> {
        let mut exchanges = Vec::new();
        let mut start = 0;
        for (attempt, gap) in std::iter::once(&0).chain(gaps_ms).enumerate() {
            start += gap;
            if attempt > 0 {
                start += 100;
            }
            let builder = exchange("GET", PATH, start);
            if attempt < gaps_ms.len() {
                exchanges.push(builder.throttled_429(retry_after_s).build());
            } else {
                exchanges.push(builder.build());
            }
        }
        exchanges
    }

    #[test]
    fn immediate_retries_fire() {
        let findings = run(&finish(chain(&[0, 5, 3, 4], None)));
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.severity, Severity::Error);
        assert_eq!(finding.metrics["verdict"], json!("immediate"));
        assert_eq!(finding.metrics["gaps_ms"], json!([0, 5, 3, 4]));
        assert_eq!(finding.metrics["retries"], json!(4));
        assert_eq!(finding.metrics["succeeded"], json!(true));
        assert_eq!(finding.confidence, Confidence::High);
        assert!(finding.message.contains("retried 4 times after a 429"));
        assert!(finding.message.contains("every gap at most 100 ms"));
    }

    #[test]
    fn one_retry_is_quiet() {
        assert!(run(&finish(chain(&[0], None))).is_empty());
    }

    #[test]
    fn two_retries_fire_low_confidence() {
        let findings = run(&finish(chain(&[1_000, 1_000], None)));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["verdict"], json!("fixed"));
        assert_eq!(findings[0].confidence, Confidence::Low);
    }

    #[test]
    fn fixed_delay_fires() {
        let findings = run(&finish(chain(&[1_000, 1_050, 980, 1_000], None)));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Error);
        assert_eq!(findings[0].metrics["verdict"], json!("fixed"));
    }

    #[test]
    fn honoured_retry_after_is_quiet() {
        assert!(run(&finish(chain(&[1_000, 1_000, 1_000], Some(1)))).is_empty());
    }

    #[test]
    fn short_of_retry_after_fires() {
        let findings = run(&finish(chain(&[1_000, 1_000, 1_000], Some(2))));
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].metrics["server_wait_ms"],
            json!([2000, 2000, 2000])
        );
    }

    #[test]
    fn exponential_without_jitter_warns() {
        let findings = run(&finish(chain(&[500, 1_000, 2_000, 4_000], None)));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].severity, Severity::Warning);
        assert_eq!(
            findings[0].metrics["verdict"],
            json!("exponential-without-jitter")
        );
    }

    #[test]
    fn exponential_with_jitter_is_quiet() {
        // Equal jitter on 1, 2, 4, 8 and 16 s.
        let gaps = [700, 1_300, 3_100, 5_200, 13_000];
        assert_eq!(detector().classify(&gaps), Verdict::ExponentialWithJitter);
        assert!(run(&finish(chain(&gaps, None))).is_empty());
    }

    #[test]
    fn full_jitter_is_quiet() {
        // Full jitter on 0.5, 1, 2, 4, 8 and 16 s.
        let gaps = [310, 120, 1_650, 2_900, 1_400, 11_800];
        assert!(run(&finish(chain(&gaps, None))).is_empty());
    }

    #[test]
    fn verdict_cases() {
        let detector = detector();
        let cases: [(&[i64], Verdict); 8] = [
            (&[0, 20, 100], Verdict::Immediate),
            (&[2_000, 2_100, 1_900], Verdict::Fixed),
            (&[1_000, 2_000, 3_000, 4_000], Verdict::Linear),
            (&[1_000, 1_500, 2_000], Verdict::Linear),
            (&[4_000, 2_000, 1_000], Verdict::Shrinking),
            (
                &[300, 600, 1_200, 2_400, 4_800],
                Verdict::ExponentialWithoutJitter,
            ),
            (&[1_000, 3_000, 9_000], Verdict::ExponentialWithoutJitter),
            (&[1_000, 3_000, 1_500, 2_500], Verdict::Irregular),
        ];
        for (gaps, expected) in cases {
            assert_eq!(detector.classify(gaps), expected, "gaps {gaps:?}");
        }
    }

    #[test]
    fn still_throttled_chain_fires() {
        let mut exchanges = chain(&[0, 0, 0], None);
        exchanges.pop();
        exchanges.push(exchange("GET", PATH, 300).throttled_429(None).build());
        let findings = run(&finish(exchanges));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["succeeded"], json!(false));
    }

    #[test]
    fn different_requests_not_chained() {
        let exchanges: Vec<Exchange> = (0..6)
            .map(|i| {
                exchange("GET", &format!("/api/v1/users/{}", 1_000 + i), i * 10)
                    .throttled_429(None)
                    .build()
            })
            .collect();
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn numbered_retries_chain_by_endpoint() {
        // The client adds a fresh nonce to each retry, so the request hashes differ.
        let exchanges: Vec<Exchange> = (0..4)
            .map(|i| {
                let mut e = exchange("POST", &format!("/api/v1/authn?nonce={i}"), i * 110)
                    .request_hash(500 + i as u64);
                if i < 3 {
                    e = e.throttled_429(None);
                }
                let mut built = e.build();
                built.retry_attempt = (i > 0).then_some(i as u32);
                built
            })
            .collect();
        let findings = run(&finish(exchanges));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["verdict"], json!("immediate"));
        assert_eq!(findings[0].metrics["retries"], json!(3));
    }

    #[test]
    fn late_repeat_starts_over() {
        // The same request 20 minutes later is a new request, not a retry.
        let exchanges = vec![
            exchange("GET", PATH, 0).throttled_429(None).build(),
            exchange("GET", PATH, 1_200_000).throttled_429(None).build(),
            exchange("GET", PATH, 2_400_000).build(),
        ];
        assert!(run(&finish(exchanges)).is_empty());
    }

    /// Builds a throttled request retried at each of `offsets_s` seconds, as lines of a
    /// log with whole-second end times and no durations. The last attempt succeeds.
    fn coarse_chain(offsets_s: &[i64]) -> Vec<Exchange> {
        offsets_s
            .iter()
            .enumerate()
            .map(|(i, offset)| {
                let builder = exchange("GET", PATH, offset * 1_000).coarse_log_line(i as u64 + 1);
                if i + 1 < offsets_s.len() {
                    builder.throttled_429(None).build()
                } else {
                    builder.build()
                }
            })
            .collect()
    }

    #[test]
    fn same_second_retries_immediate() {
        let findings = run(&finish(coarse_chain(&[0, 0, 0, 0])));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["verdict"], json!("immediate"));
        assert_eq!(findings[0].confidence, Confidence::Low);
        assert!(
            findings[0].message.contains("gaps of <1, <1, <1 s"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn equal_second_gaps_fixed() {
        let findings = run(&finish(coarse_chain(&[0, 2, 4, 6, 8])));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["verdict"], json!("fixed"));
        assert_eq!(
            findings[0].metrics["gaps_ms"],
            json!([2000, 2000, 2000, 2000])
        );
        assert_eq!(findings[0].confidence, Confidence::Low);
        assert!(findings[0].message.contains("gaps of 2, 2, 2, 2 s"));
    }

    #[test]
    fn whole_second_doubling_not_judged() {
        // Gaps of 1, 2, 4 and 8 s would be exponential without jitter on HAR timing.
        let findings = run(&finish(coarse_chain(&[0, 1, 3, 7, 15])));
        assert!(findings.is_empty());
    }

    #[test]
    fn whole_second_growth_not_judged() {
        let findings = run(&finish(coarse_chain(&[0, 1, 3, 6, 10])));
        assert!(findings.is_empty());
    }

    #[test]
    fn needs_sub_second_times() {
        let needs = detector().needs();
        assert_eq!(needs.0.len(), 1);
        assert_eq!(needs.0[0].requirement, Requirement::SubSecondTimes);
        assert!(
            needs.0[0]
                .without
                .contains("cannot be judged from whole-second")
        );
    }

    #[test]
    fn other_clients_not_chained() {
        let exchanges: Vec<Exchange> = chain(&[0, 0, 0], None)
            .into_iter()
            .enumerate()
            .map(|(i, mut e)| {
                if i % 2 == 1 {
                    e.client = "other-client".into();
                }
                e
            })
            .collect();
        assert!(run(&finish(exchanges)).is_empty());
    }
}
