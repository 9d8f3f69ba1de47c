//! `retry-after-ignored`: after the server asked the client to wait (Retry-After, or
//! Remaining 0 with a Reset), the client sent again to the same bucket too early.
//!
//! A wait is known to the client only once its response has arrived, so the rule
//! sweeps response arrivals and request starts in time order, O(n log n) per group.
//! A request that was itself early and got a new wait continues the same finding, so
//! a client that hammers through fifty 429s gets one finding, not fifty.
//!
//! Most access logs record no response headers, so the wait a 429 asked for is unknown.
//! On a log in which no response carries Retry-After or quota headers, the rule infers
//! a minimum wait (`inferred_min_wait_ms`). Retry-After counts whole seconds (RFC 9110
//! section 10.2.3) and a throttling server rarely sends 0, so a request to the same
//! bucket sooner than a second after the 429 was almost surely early.
//! Such findings have low confidence and state that Retry-After was not logged.

use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;
use serde_json::json;

use super::config::{RuleConfigError, RuleOverride, RuleSpec, parse_rule_file_with};
use super::window::{BucketKey, BucketResolver, MethodClass};
use super::{ClientHostGroup, Confidence, Context, Finding, Need, Needs, Requirement, Rule};
use crate::model::time::format_duration_micros;
use crate::model::{Exchange, Throttle, TimePrecision};

pub const NAME: &str = "retry-after-ignored";

const DEFINITION: &str = include_str!("../../rules/retry-after-ignored.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub tolerance_ms: i64,
    /// Wait assumed after a throttled response on a log that records no Retry-After and
    /// no quota headers, in milliseconds.
    pub inferred_min_wait_ms: i64,
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
    let file = "rules/retry-after-ignored.toml";
    let (spec, thresholds): (RuleSpec, Thresholds) =
        parse_rule_file_with(file, DEFINITION, NAME, overrides)?;
    if thresholds.tolerance_ms < 0 {
        return Err(RuleConfigError {
            file: file.to_string(),
            message: "invalid `tolerance_ms`: expected 0 or more milliseconds".to_string(),
        });
    }
    if thresholds.inferred_min_wait_ms < 1 {
        return Err(RuleConfigError {
            file: file.to_string(),
            message: "invalid `inferred_min_wait_ms`: expected 1 or more milliseconds".to_string(),
        });
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
                Requirement::WaitHeaders,
                format!(
                    "the wait after a 429 is inferred: a request to the same bucket within \
                     {} ms is reported with low confidence, and later early requests are \
                     missed",
                    self.thresholds.inferred_min_wait_ms
                ),
            ),
            Need::new(
                Requirement::SubSecondTimes,
                "a request less than a second early cannot be told from one on time, and \
                 findings have low confidence",
            ),
        ])
    }
}

/// The requests a wait applies to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Scope {
    /// Every request of the client to the host.
    Host,
    /// One bucket: a shared profile bucket, or a template with a method class.
    Bucket(BucketKey),
}

impl Scope {
    fn label(&self, host: &str) -> String {
        match self {
            Scope::Host => format!("any endpoint on {host}"),
            Scope::Bucket(BucketKey::Endpoint { method, template }) => {
                format!("{template} ({method})")
            }
            Scope::Bucket(key) => format!("bucket {}", key.label()),
        }
    }
}

/// A wait in force: the instant before which the client should not send, and the
/// response that asked for it.
#[derive(Clone, Copy)]
struct Wait {
    allowed_us: i64,
    /// A request that starts before this instant is early: the allowed time minus the
    /// tolerance for a wait the server gave, the allowed time itself for an inferred one.
    early_before_us: i64,
    source: usize,
    inferred: bool,
}

/// The instant a response allowed the client to send again, in microseconds, and
/// whether the wait was inferred because the input does not log Retry-After.
#[derive(Clone, Copy)]
struct Allowed {
    at_us: i64,
    inferred: bool,
}

/// Ignored waits that belong together: the responses that asked for them and the
/// requests sent too early.
#[derive(Default)]
struct Episode {
    sources: BTreeSet<usize>,
    /// Early requests with how early they were, in microseconds.
    early: Vec<(usize, i64)>,
}

/// Returns the scope key of a request: its profile bucket, else its template with
/// the method class, because servers count reads and writes of one resource apart.
fn bucket_scope(resolver: &mut BucketResolver<'_>, exchange: &Exchange) -> BucketKey {
    match &resolver.resolve(exchange).key {
        BucketKey::Profile(label) => BucketKey::Profile(label.clone()),
        BucketKey::Endpoint { method, template } => BucketKey::Endpoint {
            method: MethodClass::of(method).as_str().into(),
            template: template.clone(),
        },
    }
}

impl Detector {
    fn check_group(&self, ctx: &Context<'_>, group: &ClientHostGroup<'_>, out: &mut Vec<Finding>) {
        let exchanges = &group.exchanges;
        let mut resolver = BucketResolver::new(ctx.profiles, group.host.clone());
        // GitHub's quota headers describe the token-wide quota, so its waits cover the host.
        let token_wide = resolver.token_wide_headers();
        let tolerance_us = self.thresholds.tolerance_ms.saturating_mul(1_000);

        let scopes: Vec<BucketKey> = exchanges
            .iter()
            .map(|e| bucket_scope(&mut resolver, e))
            .collect();
        let allowed: Vec<Option<Allowed>> =
            exchanges.iter().map(|e| self.allowed_at(ctx, e)).collect();
        let mut waits: Vec<(i64, usize, Scope)> = Vec::new();
        for (index, exchange) in exchanges.iter().enumerate() {
            let Some(allowed) = allowed[index] else {
                continue;
            };
            let end = exchange.end().micros();
            if !allowed.inferred && allowed.at_us.saturating_sub(end) <= tolerance_us {
                continue;
            }
            // Okta's concurrency 429 and a 429 without quota headers do not say which
            // bucket is full, so the wait covers every request to the host. An inferred
            // wait stays on the bucket, because nothing at all is known about its scope.
            let host_wide = !allowed.inferred
                && (token_wide
                    || exchange.signals.throttle == Some(Throttle::ConcurrencyLimit)
                    || (exchange.is_throttled() && exchange.signals.quota.is_none()));
            let scope = if host_wide {
                Scope::Host
            } else {
                Scope::Bucket(scopes[index].clone())
            };
            waits.push((end, index, scope));
        }
        if waits.is_empty() {
            return;
        }
        waits.sort_by_key(|(end, index, _)| (*end, *index));

        let mut host_wait: Option<Wait> = None;
        let mut bucket_waits: HashMap<BucketKey, Option<Wait>> = HashMap::new();
        let mut episodes: Vec<Episode> = Vec::new();
        // Episode of each early request, and of each response whose wait was ignored.
        let mut episode_of: HashMap<usize, usize> = HashMap::new();
        let mut next_wait = 0;
        for (index, exchange) in exchanges.iter().enumerate() {
            let start = exchange.start.micros();
            // A response that arrived by the time this request started is known to it.
            while let Some((end, source, scope)) = waits.get(next_wait)
                && *end <= start
            {
                let (allowed_us, early_before_us) = match allowed[*source] {
                    Some(a) if a.inferred => (a.at_us, a.at_us),
                    Some(a) => (a.at_us, a.at_us.saturating_sub(tolerance_us)),
                    None => (0, 0),
                };
                let wait = Wait {
                    allowed_us,
                    early_before_us,
                    source: *source,
                    inferred: allowed[*source].is_some_and(|a| a.inferred),
                };
                match scope {
                    Scope::Host => replace_if_later(&mut host_wait, wait),
                    Scope::Bucket(key) => {
                        replace_if_later(bucket_waits.entry(key.clone()).or_default(), wait)
                    }
                }
                next_wait += 1;
            }

            let candidates = [
                host_wait,
                bucket_waits.get(&scopes[index]).copied().flatten(),
            ];
            let Some(wait) = candidates
                .into_iter()
                .flatten()
                // A response without a duration ends when it starts, so its own wait is
                // already registered; only responses listed before it can have applied.
                .filter(|w| w.source < index && start < w.early_before_us)
                .filter(|w| !w.inferred || is_retry_after(exchanges[w.source], exchange))
                .max_by_key(|w| w.allowed_us)
            else {
                continue;
            };
            let episode = *episode_of.entry(wait.source).or_insert_with(|| {
                episodes.push(Episode::default());
                episodes.len() - 1
            });
            episodes[episode].sources.insert(wait.source);
            episodes[episode]
                .early
                .push((index, wait.allowed_us.saturating_sub(start)));
            episode_of.insert(index, episode);
        }

        for episode in &episodes {
            out.push(self.finding(group, &scopes, &waits, &allowed, episode));
        }
    }

    /// Returns when `exchange` allowed the client to send again: from its Retry-After or
    /// exhausted quota, else, for a throttled response in a log that records neither,
    /// `inferred_min_wait_ms` after it.
    fn allowed_at(&self, ctx: &Context<'_>, exchange: &Exchange) -> Option<Allowed> {
        if let Some(at) = wait_end(exchange) {
            return Some(Allowed {
                at_us: at.micros(),
                inferred: false,
            });
        }
        let unlogged = ctx
            .capability(exchange.source.input)
            .is_some_and(|c| !c.shows_waits());
        (exchange.is_throttled() && unlogged).then(|| Allowed {
            at_us: exchange
                .end()
                .micros()
                .saturating_add(self.thresholds.inferred_min_wait_ms.saturating_mul(1_000)),
            inferred: true,
        })
    }

    fn finding(
        &self,
        group: &ClientHostGroup<'_>,
        scopes: &[BucketKey],
        waits: &[(i64, usize, Scope)],
        allowed: &[Option<Allowed>],
        episode: &Episode,
    ) -> Finding {
        let exchanges = &group.exchanges;
        let first_source = episode.sources.first().copied().unwrap_or(0);
        let source = exchanges[first_source];
        let scope = waits
            .iter()
            .find(|(_, index, _)| *index == first_source)
            .map_or_else(
                || Scope::Bucket(scopes[first_source].clone()),
                |(_, _, scope)| scope.clone(),
            );
        let source_allowed = allowed.get(first_source).copied().flatten();
        let inferred = source_allowed.is_some_and(|a| a.inferred);
        let wait_us = source_allowed.map_or(0, |a| a.at_us.saturating_sub(source.end().micros()));
        let wait_kind = if inferred {
            "inferred"
        } else if source.signals.retry_after.is_some() {
            "Retry-After"
        } else {
            "Reset with Remaining 0"
        };
        let max_early_us = episode.early.iter().map(|(_, us)| *us).max().unwrap_or(0);
        let early_count = episode.early.len();
        let ignored = episode.sources.len();

        let mut early_list: Vec<String> = episode
            .early
            .iter()
            .take(MAX_EARLY_LISTED)
            .map(|(_, us)| format_duration_micros(*us))
            .collect();
        if early_count > MAX_EARLY_LISTED {
            early_list.push(format!("{} more", early_count - MAX_EARLY_LISTED));
        }
        let requests = if early_count == 1 {
            "request"
        } else {
            "requests"
        };
        let not_honoured = if ignored == 1 {
            String::new()
        } else {
            format!("; {ignored} throttled responses in a row were not honoured")
        };
        let whole_seconds = episode
            .sources
            .iter()
            .chain(episode.early.iter().map(|(i, _)| i))
            .any(|i| exchanges[*i].precision == TimePrecision::Seconds);
        let message = if inferred {
            // Whole-second times cannot show how soon a request followed the 429.
            let when = if whole_seconds {
                "logged in the same second".to_string()
            } else {
                let mut sent_after: Vec<String> = episode
                    .early
                    .iter()
                    .take(MAX_EARLY_LISTED)
                    .map(|(_, us)| format_duration_micros(wait_us.saturating_sub(*us).max(0)))
                    .collect();
                if early_count > MAX_EARLY_LISTED {
                    sent_after.push(format!("{} more", early_count - MAX_EARLY_LISTED));
                }
                format!("{} after it", join_words(&sent_after))
            };
            format!(
                "Sent {early_count} {requests} to {} within {} of a {} response \
                 ({when}){not_honoured}. Retry-After was not logged, so the server's wait \
                 is unknown, but a throttling server rarely requests less than that.",
                scope.label(&group.host),
                format_duration_micros(wait_us),
                source.status,
            )
        } else {
            format!(
                "Sent {early_count} {requests} to {} before the server's wait had passed \
                 ({} early; tolerance {} ms): the {} response asked to wait {} \
                 ({wait_kind}){not_honoured}.",
                scope.label(&group.host),
                join_words(&early_list),
                self.thresholds.tolerance_ms,
                source.status,
                format_duration_micros(wait_us),
            )
        };

        let mut indices: Vec<usize> = episode
            .sources
            .iter()
            .copied()
            .chain(episode.early.iter().map(|(i, _)| *i))
            .collect();
        indices.sort_unstable();
        indices.dedup();
        let involved: Vec<&Exchange> = indices.iter().map(|i| exchanges[*i]).collect();
        let mut finding = self.spec.finding(&involved, message);
        finding.endpoint = Some(source.endpoint());
        // Second-precision times cannot show whether a request was a few hundred
        // milliseconds early.
        // An inferred wait is a guess about what the server would have asked for.
        if inferred
            || involved
                .iter()
                .any(|e| e.precision == TimePrecision::Seconds)
        {
            finding.confidence = Confidence::Low;
        }
        let early_ms: Vec<i64> = episode
            .early
            .iter()
            .take(50)
            .map(|(_, us)| us / 1_000)
            .collect();
        let metrics = &mut finding.metrics;
        metrics.insert("early_requests", json!(early_count));
        metrics.insert("max_early_ms", json!(max_early_us / 1_000));
        metrics.insert("early_ms", json!(early_ms));
        metrics.insert("ignored_responses", json!(ignored));
        metrics.insert("wait_ms", json!(wait_us / 1_000));
        metrics.insert("wait_source", json!(wait_kind));
        metrics.insert("scope", json!(scope.label(&group.host)));
        metrics.insert("tolerance_ms", json!(self.thresholds.tolerance_ms));
        if inferred {
            metrics.insert(
                "inferred_min_wait_ms",
                json!(self.thresholds.inferred_min_wait_ms),
            );
        }
        finding
    }
}

/// Returns the instant until which the server requested the client to wait: after a throttled
/// response with Retry-After, or a response with Remaining 0 and a Reset.
fn wait_end(exchange: &Exchange) -> Option<crate::model::Timestamp> {
    let signals = &exchange.signals;
    let throttled_with_retry_after = exchange.is_throttled() && signals.retry_after.is_some();
    let exhausted = signals
        .quota
        .as_ref()
        .is_some_and(|q| q.remaining == Some(0) && q.reset_delay_ms.is_some());
    if !(throttled_with_retry_after || exhausted) {
        return None;
    }
    // A wait of more than a day is a placeholder or a broken header, not a wait a client
    // could be expected to honour, and reporting "24855 d early" helps no one.
    exchange
        .retry_allowed_at()
        .filter(|allowed| allowed.micros_since(exchange.end()) <= MAX_PLAUSIBLE_WAIT_US)
}

/// Maximum server-requested wait that the rule enforces: one day, in microseconds.
const MAX_PLAUSIBLE_WAIT_US: i64 = 86_400 * 1_000_000;

/// Returns whether `request` was surely sent after `throttled` had arrived, or is the
/// same request sent again. Without a duration, a request logged in the same instant
/// may have left before the 429 arrived: in a burst of different requests such a
/// request is not a retry, but the same request sent twice is.
fn is_retry_after(throttled: &Exchange, request: &Exchange) -> bool {
    request.start > throttled.end() || request.request_hash == throttled.request_hash
}

fn replace_if_later(slot: &mut Option<Wait>, wait: Wait) {
    if slot.is_none_or(|current| wait.allowed_us > current.allowed_us) {
        *slot = Some(wait);
    }
}

/// Number of early requests whose lead is spelled out in a message.
const MAX_EARLY_LISTED: usize = 5;

/// Joins words as `a`, `a and b`, `a, b and c`.
fn join_words(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::{exchange, finish};
    use crate::rules::{Profiles, Severity};

    fn run(exchanges: Vec<Exchange>) -> Vec<Finding> {
        let exchanges = finish(exchanges);
        let profiles = Profiles::builtin().expect("embedded profiles are valid");
        let ctx = Context::new(&exchanges, &profiles);
        load().expect("rule file is valid").check(&ctx)
    }

    const ITEM: &str = "/v1/items/42";

    #[test]
    fn early_retries_fire() {
        // The 429 arrives at 100 ms and requests a 30 s wait, so sending is allowed at 30.1 s.
        let findings = run(vec![
            exchange("GET", ITEM, 0)
                .throttled_429(Some(30))
                .quota(100, 0, 30_000)
                .build(),
            exchange("GET", ITEM, 1_000).build(),
            exchange("GET", ITEM, 2_000).build(),
            exchange("GET", ITEM, 3_000).build(),
        ]);
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(f.metrics["early_requests"], json!(3));
        assert_eq!(f.metrics["max_early_ms"], json!(29_100));
        assert_eq!(f.metrics["early_ms"], json!([29_100, 28_100, 27_100]));
        assert_eq!(f.metrics["wait_ms"], json!(30_000));
        assert_eq!(f.metrics["ignored_responses"], json!(1));
        assert_eq!(f.metrics["scope"], json!("/v1/items/{id} (reads)"));
    }

    #[test]
    fn implausible_wait_ignored() {
        // A Retry-After of about 68 years is a broken header, not a wait to honour.
        let findings = run(vec![
            exchange("GET", ITEM, 0)
                .throttled_429(Some(2_147_483_648))
                .build(),
            exchange("GET", ITEM, 1_000).build(),
        ]);
        assert!(findings.is_empty());
    }

    #[test]
    fn day_long_wait_enforced() {
        let findings = run(vec![
            exchange("GET", ITEM, 0).throttled_429(Some(86_400)).build(),
            exchange("GET", ITEM, 1_000).build(),
        ]);
        assert_eq!(findings.len(), 1);
    }

    #[test]
    fn within_tolerance_quiet() {
        // Sending is allowed at 30.1 s, and 30.0 s is exactly the 100 ms tolerance early.
        let findings = run(vec![
            exchange("GET", ITEM, 0).throttled_429(Some(30)).build(),
            exchange("GET", ITEM, 30_000).build(),
        ]);
        assert!(findings.is_empty());
    }

    #[test]
    fn just_past_tolerance_fires() {
        let findings = run(vec![
            exchange("GET", ITEM, 0).throttled_429(Some(30)).build(),
            exchange("GET", ITEM, 29_999).build(),
        ]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["max_early_ms"], json!(101));
    }

    #[test]
    fn honoured_wait_quiet() {
        let findings = run(vec![
            exchange("GET", ITEM, 0).throttled_429(Some(2)).build(),
            exchange("GET", ITEM, 2_500).build(),
        ]);
        assert!(findings.is_empty());
    }

    #[test]
    fn in_flight_request_not_early() {
        // The second request left before the 429 arrived, so it could not know.
        let findings = run(vec![
            exchange("GET", ITEM, 0)
                .duration_ms(500)
                .throttled_429(Some(30))
                .build(),
            exchange("GET", ITEM, 300).build(),
        ]);
        assert!(findings.is_empty());
    }

    #[test]
    fn other_bucket_quiet_with_quota() {
        // A 429 with quota headers names its bucket; other endpoints may go on.
        let findings = run(vec![
            exchange("GET", ITEM, 0)
                .throttled_429(Some(30))
                .quota(100, 0, 30_000)
                .build(),
            exchange("GET", "/v1/orders", 1_000).build(),
            exchange("POST", ITEM, 1_500).build(),
        ]);
        assert!(findings.is_empty());
    }

    #[test]
    fn bare_429_covers_host() {
        let findings = run(vec![
            exchange("GET", ITEM, 0).throttled_429(Some(30)).build(),
            exchange("GET", "/v1/orders", 1_000).build(),
        ]);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].metrics["scope"],
            json!("any endpoint on api.example.com")
        );
    }

    #[test]
    fn exhausted_quota_reset_fires() {
        let findings = run(vec![
            exchange("GET", ITEM, 0).quota(100, 0, 10_000).build(),
            exchange("GET", ITEM, 500).build(),
        ]);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            findings[0].metrics["wait_source"],
            json!("Reset with Remaining 0")
        );
        assert_eq!(findings[0].metrics["max_early_ms"], json!(9_600));
    }

    #[test]
    fn hammering_is_one_finding() {
        let mut traffic: Vec<Exchange> = (0..4)
            .map(|i| {
                exchange("GET", ITEM, i * 200)
                    .throttled_429(Some(10))
                    .build()
            })
            .collect();
        traffic.push(exchange("GET", ITEM, 800).build());
        let findings = run(traffic);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["early_requests"], json!(4));
        assert_eq!(findings[0].metrics["ignored_responses"], json!(4));
    }

    #[test]
    fn other_client_and_host_quiet() {
        let findings = run(vec![
            exchange("GET", ITEM, 0).throttled_429(Some(30)).build(),
            exchange("GET", ITEM, 1_000).client("other-client").build(),
            exchange("GET", ITEM, 1_500)
                .host("api.other.example")
                .build(),
        ]);
        assert!(findings.is_empty());
    }

    #[test]
    fn unlogged_retry_after_inferred() {
        // A log without Retry-After: the retry in the same second as the 429 is early.
        let findings = run(vec![
            exchange("GET", ITEM, 0)
                .coarse_log_line(1)
                .throttled_429(None)
                .build(),
            exchange("GET", ITEM, 400).coarse_log_line(2).build(),
        ]);
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!(f.confidence, Confidence::Low);
        assert_eq!(f.metrics["wait_source"], json!("inferred"));
        assert_eq!(f.metrics["inferred_min_wait_ms"], json!(1_000));
        assert_eq!(f.metrics["early_requests"], json!(1));
        assert!(f.message.contains("Retry-After was not logged"));
        assert!(f.message.contains("within 1 s of a 429 response"));
        assert!(f.message.contains("(logged in the same second)"));
    }

    #[test]
    fn inferred_millisecond_gap_listed() {
        // An nginx log with `$msec` and `$request_time` but no Retry-After column.
        let findings = run(vec![
            exchange("GET", ITEM, 0).line(1).throttled_429(None).build(),
            exchange("GET", ITEM, 350).line(2).build(),
        ]);
        assert_eq!(findings.len(), 1);
        assert!(findings[0].message.contains("(250 ms after it)"));
        assert_eq!(findings[0].confidence, Confidence::Low);
    }

    #[test]
    fn same_second_burst_not_inferred() {
        // Other items of a burst logged in the 429's second may have left before it.
        let findings = run(vec![
            exchange("GET", "/v1/items/1", 0)
                .coarse_log_line(1)
                .throttled_429(None)
                .build(),
            exchange("GET", "/v1/items/2", 300)
                .coarse_log_line(2)
                .build(),
        ]);
        assert!(findings.is_empty());
    }

    #[test]
    fn unlogged_retry_next_second_quiet() {
        let findings = run(vec![
            exchange("GET", ITEM, 0)
                .coarse_log_line(1)
                .throttled_429(None)
                .build(),
            exchange("GET", ITEM, 1_000).coarse_log_line(2).build(),
        ]);
        assert!(findings.is_empty());
    }

    #[test]
    fn inferred_wait_keeps_bucket() {
        // Without headers the bucket is unknown, so only the same bucket counts.
        let findings = run(vec![
            exchange("GET", ITEM, 0)
                .coarse_log_line(1)
                .throttled_429(None)
                .build(),
            exchange("GET", "/v1/orders", 0).coarse_log_line(2).build(),
        ]);
        assert!(findings.is_empty());
    }

    #[test]
    fn logged_headers_prevent_inference() {
        // The log records quota headers, so a 429 without Retry-After requests no wait.
        let findings = run(vec![
            exchange("GET", "/v1/orders", 0)
                .coarse_log_line(1)
                .quota(100, 50, 30_000)
                .build(),
            exchange("GET", ITEM, 1_000)
                .coarse_log_line(2)
                .throttled_429(None)
                .build(),
            exchange("GET", ITEM, 1_000).coarse_log_line(3).build(),
        ]);
        assert!(findings.is_empty());
    }

    #[test]
    fn har_bare_429_not_inferred() {
        // A HAR capture records every header: a 429 without Retry-After asked for none.
        let findings = run(vec![
            exchange("GET", ITEM, 0).throttled_429(None).build(),
            exchange("GET", ITEM, 300).build(),
        ]);
        assert!(findings.is_empty());
    }

    #[test]
    fn needs_wait_headers() {
        let needs = load().expect("rule file is valid").needs();
        assert_eq!(needs.0[0].requirement, Requirement::WaitHeaders);
        assert!(needs.0[0].without.contains("within 1000 ms"));
    }

    #[test]
    fn okta_apps_bucket_shared() {
        // App users and app groups share Okta's apps bucket, so both are early.
        let host = "acme.okta.com";
        let findings = run(vec![
            exchange("GET", "/api/v1/apps/0oa1ab2CDefGhIJk3l4/users", 0)
                .host(host)
                .throttled_429(None)
                .quota(100, 0, 20_000)
                .build(),
            exchange("GET", "/api/v1/apps/0oa1ab2CDefGhIJk3l4/groups", 1_000)
                .host(host)
                .build(),
            exchange("GET", "/api/v1/users", 1_500).host(host).build(),
        ]);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["scope"], json!("bucket okta/apps"));
        assert_eq!(findings[0].metrics["early_requests"], json!(1));
    }
}
