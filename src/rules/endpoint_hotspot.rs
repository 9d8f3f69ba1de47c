//! `endpoint-hotspot`: one rate-limit bucket runs near or over its own limit while it
//! carries most of the client's traffic to the host.
//!
//! The limit of a bucket comes from the response headers when they describe that
//! bucket, else from a vendor profile. Windows slide over request starts, and the host
//! total of each window is found by binary search, so a group costs O(n log n).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;

use super::config::{RuleConfigError, RuleOverride, RuleSpec, parse_rule_file_with};
use super::profiles::Bucket;
use super::window::{BucketKey, BucketResolver, count_between, round2, top_counts};
use super::{ClientHostGroup, Confidence, Context, Finding, Need, Needs, Requirement, Rule};
use crate::model::{Endpoint, Exchange, Throttle};

pub const NAME: &str = "endpoint-hotspot";

const DEFINITION: &str = include_str!("../../rules/endpoint-hotspot.toml");

/// Cause of a bucket's hotspot finding.
#[derive(Clone, Copy)]
struct Trigger {
    /// The densest window reached the near-limit threshold.
    near_limit: bool,
    /// Throttled responses in windows where the bucket carried enough of the traffic.
    throttled: usize,
}

/// Largest `*-Limit` value taken as a real limit; larger ones are placeholders.
const MAX_PLAUSIBLE_LIMIT: u64 = 100_000_000;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub near_limit_fraction: f64,
    pub min_share_fraction: f64,
    pub default_window_s: u64,
    pub min_window_requests: usize,
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
    let file = "rules/endpoint-hotspot.toml";
    let (spec, thresholds): (RuleSpec, Thresholds) =
        parse_rule_file_with(file, DEFINITION, NAME, overrides)?;
    let invalid = |message: &str| RuleConfigError {
        file: file.to_string(),
        message: message.to_string(),
    };
    if !(thresholds.near_limit_fraction > 0.0 && thresholds.near_limit_fraction <= 1.0) {
        return Err(invalid(
            "invalid `near_limit_fraction`: expected a fraction above 0 and at most 1",
        ));
    }
    if !(0.0..=1.0).contains(&thresholds.min_share_fraction) {
        return Err(invalid(
            "invalid `min_share_fraction`: expected a fraction from 0 to 1",
        ));
    }
    if thresholds.default_window_s == 0 {
        return Err(invalid("invalid `default_window_s`: expected at least 1"));
    }
    if thresholds.min_window_requests == 0 {
        return Err(invalid(
            "invalid `min_window_requests`: expected at least 1",
        ));
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
        Needs(vec![Need::new(
            Requirement::QuotaHeaders,
            "bucket limits come from vendor profiles alone, and on hosts without a \
             profile only throttled buckets are reported",
        )])
    }
}

/// Requests of one bucket within a client and host, and what is known of its limit.
#[derive(Default)]
struct BucketTraffic<'a> {
    exchanges: Vec<&'a Exchange>,
    profile_bucket: Option<Bucket>,
    /// Largest limit announced by responses of this bucket.
    observed_limit: Option<u64>,
    observed_window_s: Option<u64>,
    throttled: Vec<usize>,
}

/// A bucket's limit and its source.
struct Limit {
    requests: u64,
    window_s: u64,
    source: String,
    /// The window length was not announced and had to be assumed.
    window_assumed: bool,
}

/// The window reported for a bucket.
struct Window {
    /// Index range into the bucket's exchanges.
    first: usize,
    end: usize,
    host_requests: usize,
}

impl Detector {
    fn check_group(&self, ctx: &Context<'_>, group: &ClientHostGroup<'_>, out: &mut Vec<Finding>) {
        let mut resolver = BucketResolver::new(ctx.profiles, group.host.clone());
        // Token-wide headers (GitHub's primary quota) give no limit for one endpoint.
        let headers_per_bucket = !resolver.token_wide_headers();
        let mut buckets: BTreeMap<BucketKey, BucketTraffic<'_>> = BTreeMap::new();
        for exchange in &group.exchanges {
            let resolved = resolver.resolve(exchange);
            let traffic = buckets.entry(resolved.key.clone()).or_default();
            if traffic.exchanges.is_empty() {
                traffic.profile_bucket = resolved.profile_bucket.clone();
            }
            // Okta announces a concurrency violation with `X-Rate-Limit-Limit: 0`: that
            // is an org-wide limit, not this bucket's.
            let concurrency = exchange.signals.throttle == Some(Throttle::ConcurrencyLimit);
            if exchange.is_throttled() && !concurrency {
                traffic.throttled.push(traffic.exchanges.len());
            }
            if let Some(quota) = &exchange.signals.quota
                && headers_per_bucket
                && !concurrency
                && let Some(limit) = quota.limit.filter(|l| *l > 0)
            {
                // A limit beyond any real API's (such as 2^64 - 1) is a placeholder.
                if limit <= MAX_PLAUSIBLE_LIMIT {
                    traffic.observed_limit = traffic.observed_limit.max(Some(limit));
                }
                traffic.observed_window_s = quota.window_s.or(traffic.observed_window_s);
            }
            traffic.exchanges.push(exchange);
        }

        let host_times: Vec<i64> = group.exchanges.iter().map(|e| e.start.micros()).collect();
        for (key, traffic) in &buckets {
            if let Some(finding) = self.check_bucket(key, traffic, &host_times) {
                out.push(finding);
            }
        }
    }

    fn limit_of(&self, traffic: &BucketTraffic<'_>) -> Option<Limit> {
        let profile_window = traffic.profile_bucket.as_ref().map(|b| b.window_s);
        if let Some(requests) = traffic.observed_limit {
            let window_s = traffic.observed_window_s.or(profile_window);
            return Some(Limit {
                requests,
                window_s: window_s.unwrap_or(self.thresholds.default_window_s),
                source: "response headers".into(),
                window_assumed: window_s.is_none(),
            });
        }
        traffic.profile_bucket.as_ref().map(|bucket| Limit {
            requests: bucket.limit,
            window_s: bucket.window_s,
            source: format!("{} profile", bucket.profile),
            window_assumed: false,
        })
    }

    fn check_bucket(
        &self,
        key: &BucketKey,
        traffic: &BucketTraffic<'_>,
        host_times: &[i64],
    ) -> Option<Finding> {
        let limit = self.limit_of(traffic);
        let window_s = limit
            .as_ref()
            .map_or(self.thresholds.default_window_s, |l| l.window_s);
        let window_us = i64::try_from(window_s)
            .unwrap_or(i64::MAX)
            .saturating_mul(1_000_000);
        let times: Vec<i64> = traffic.exchanges.iter().map(|e| e.start.micros()).collect();
        let share_of = |count: usize, host: usize| count as f64 / host.max(1) as f64;
        let min_share = self.thresholds.min_share_fraction;
        let min_requests = self.thresholds.min_window_requests;

        // Densest window starting at a request of the bucket, among those where the
        // bucket carries enough of the host traffic.
        let mut peak: Option<Window> = None;
        let mut end = 0;
        for first in 0..times.len() {
            let until = times[first].saturating_add(window_us);
            end = end.max(first);
            while end < times.len() && times[end] < until {
                end += 1;
            }
            let host_requests = count_between(host_times, times[first], until);
            let count = end - first;
            if share_of(count, host_requests) >= min_share
                && count >= min_requests
                && peak.as_ref().is_none_or(|p| count > p.end - p.first)
            {
                peak = Some(Window {
                    first,
                    end,
                    host_requests,
                });
            }
        }
        let near_limit = match (&limit, &peak) {
            (Some(limit), Some(p)) => {
                (p.end - p.first) as f64
                    >= self.thresholds.near_limit_fraction * limit.requests as f64
            }
            _ => false,
        };

        // Throttled responses count when, in the window that ends with them, the bucket
        // carries enough requests and enough of the host traffic. The densest such window
        // is reported.
        let mut throttled_window: Option<Window> = None;
        let mut throttled_count = 0;
        for &index in &traffic.throttled {
            let until = times[index].saturating_add(1);
            let from = until.saturating_sub(window_us);
            let first = times.partition_point(|t| *t < from);
            let end = times.partition_point(|t| *t < until);
            let count = end - first;
            let host_requests = count_between(host_times, from, until);
            if count >= min_requests && share_of(count, host_requests) >= min_share {
                throttled_count += 1;
                if throttled_window
                    .as_ref()
                    .is_none_or(|w| count > w.end - w.first)
                {
                    throttled_window = Some(Window {
                        first,
                        end,
                        host_requests,
                    });
                }
            }
        }

        let window = if near_limit { peak? } else { throttled_window? };
        Some(self.finding(
            key,
            traffic,
            &limit,
            window_s,
            &window,
            Trigger {
                near_limit,
                throttled: throttled_count,
            },
        ))
    }

    fn finding(
        &self,
        key: &BucketKey,
        traffic: &BucketTraffic<'_>,
        limit: &Option<Limit>,
        window_s: u64,
        window: &Window,
        trigger: Trigger,
    ) -> Finding {
        let Trigger {
            near_limit,
            throttled,
        } = trigger;
        let involved = &traffic.exchanges[window.first..window.end];
        let count = involved.len();
        let share = count as f64 / window.host_requests.max(1) as f64;
        let label = key.label();
        let near = self.thresholds.near_limit_fraction;

        let share_text = format!(
            "{:.0}% of the client's {} requests to this host in that window (threshold {:.0}%)",
            share * 100.0,
            window.host_requests,
            self.thresholds.min_share_fraction * 100.0,
        );
        let mut message = match limit {
            Some(limit) if near_limit => format!(
                "Bucket {label} peaked at {count} requests in {window_s} s against its limit of {} \
                 from the {} (threshold {:.0}% of the limit), {share_text}.",
                limit.requests,
                limit.source,
                near * 100.0,
            ),
            Some(limit) => format!(
                "Bucket {label} was throttled with {count} requests in {window_s} s, below its \
                 limit of {} from the {}, while it carried {share_text}.",
                limit.requests, limit.source,
            ),
            None => format!(
                "Bucket {label} was throttled with {count} requests in {window_s} s while it \
                 carried {share_text}; its limit is not known."
            ),
        };
        if throttled > 0 && near_limit {
            message.push_str(&format!(" It got {throttled} throttled responses."));
        }

        let mut finding = self.spec.finding(involved, message);
        let endpoints = top_counts(involved.iter().map(|e| e.template.as_ref()), usize::MAX);
        finding.endpoint = match key {
            BucketKey::Endpoint { method, template } => Some(Endpoint {
                method: method.clone(),
                template: template.clone(),
            }),
            BucketKey::Profile(_) => endpoints.first().and_then(|(template, _)| {
                involved
                    .iter()
                    .find(|e| e.template.as_ref() == template)
                    .map(|e| e.endpoint())
            }),
        };
        if limit.as_ref().is_none_or(|l| l.window_assumed) {
            finding.confidence = Confidence::Low;
        }
        let host_rate_per_min = window.host_requests as f64 * 60.0 / window_s.max(1) as f64;
        let metrics = &mut finding.metrics;
        metrics.insert("bucket", json!(label));
        metrics.insert("peak_requests", json!(count));
        metrics.insert("window_s", json!(window_s));
        metrics.insert("limit", json!(limit.as_ref().map(|l| l.requests)));
        metrics.insert(
            "limit_source",
            json!(limit.as_ref().map(|l| l.source.clone())),
        );
        metrics.insert(
            "peak_fraction_of_limit",
            json!(
                limit
                    .as_ref()
                    .map(|l| round2(count as f64 / l.requests as f64))
            ),
        );
        metrics.insert("near_limit_fraction", json!(near));
        metrics.insert("host_requests_in_window", json!(window.host_requests));
        metrics.insert("host_rate_per_min", json!(round2(host_rate_per_min)));
        metrics.insert("share_fraction", json!(round2(share)));
        metrics.insert(
            "min_share_fraction",
            json!(self.thresholds.min_share_fraction),
        );
        metrics.insert("throttled_responses", json!(throttled));
        metrics.insert(
            "min_window_requests",
            json!(self.thresholds.min_window_requests),
        );
        metrics.insert(
            "templates",
            json!(
                endpoints
                    .iter()
                    .take(5)
                    .map(|(t, n)| json!({"template": t, "requests": n}))
                    .collect::<Vec<_>>()
            ),
        );
        if let Some(bucket) = &traffic.profile_bucket {
            metrics.insert("profile_bucket", json!(bucket.label()));
        }
        finding
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::{exchange, finish};
    use crate::rules::{Profiles, Severity};

    const OKTA: &str = "acme.okta.com";

    fn run(exchanges: Vec<crate::model::Exchange>) -> Vec<Finding> {
        let exchanges = finish(exchanges);
        let profiles = Profiles::builtin().expect("embedded profiles are valid");
        let ctx = Context::new(&exchanges, &profiles);
        load().expect("rule file is valid").check(&ctx)
    }

    /// `count` requests `method path` to `host`, one every `step_ms` from `offset_ms`.
    fn series(
        host: &str,
        method: &str,
        path: &str,
        count: i64,
        step_ms: i64,
        offset_ms: i64,
    ) -> Vec<crate::model::Exchange> {
        (0..count)
            .map(|i| {
                exchange(method, path, offset_ms + i * step_ms)
                    .host(host)
                    .build()
            })
            .collect()
    }

    #[test]
    fn okta_logs_near_limit_fires() {
        // 100 System Log queries in 50 s: over 80% of Okta's 120 per minute.
        let mut traffic = series(OKTA, "GET", "/api/v1/logs", 100, 500, 0);
        traffic.extend(series(OKTA, "GET", "/api/v1/groups", 10, 5_000, 0));
        let findings = run(traffic);
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.metrics["peak_requests"], json!(100));
        assert_eq!(f.metrics["limit"], json!(120));
        assert_eq!(f.metrics["bucket"], json!("okta/logs"));
        assert_eq!(f.metrics["host_requests_in_window"], json!(110));
        assert_eq!(f.confidence, Confidence::High);
    }

    #[test]
    fn okta_logs_just_under_quiet() {
        // 95 in a minute is 79% of 120, under the 80% threshold.
        let findings = run(series(OKTA, "GET", "/api/v1/logs", 95, 600, 0));
        assert!(findings.is_empty());
    }

    #[test]
    fn busy_host_total_quiet() {
        // The logs bucket is near its limit, but it is only a third of the traffic: the
        // client is fast everywhere, which is another rule's business.
        let mut traffic = series(OKTA, "GET", "/api/v1/logs", 100, 500, 0);
        traffic.extend(series(
            OKTA,
            "GET",
            "/api/v1/groups/00g1ab2CDefGhIJk3l4",
            200,
            250,
            0,
        ));
        let findings = run(traffic);
        assert!(findings.is_empty());
    }

    #[test]
    fn observed_limit_overrides_profile() {
        // A developer org announces 50 per minute for users: 45 reads are near it,
        // while the Workforce profile number (2000) would stay quiet.
        let traffic: Vec<_> = (0..45)
            .map(|i| {
                exchange("GET", "/api/v1/users/00u1ab2CDefGhIJk3l4", i * 1_000)
                    .host(OKTA)
                    .quota(50, 49 - i as u64, 30_000)
                    .build()
            })
            .collect();
        let findings = run(traffic);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["limit"], json!(50));
        assert_eq!(
            findings[0].metrics["limit_source"],
            json!("response headers")
        );
    }

    #[test]
    fn unknown_host_headers_limit() {
        // No profile: the limit comes from headers, the window is assumed.
        let traffic: Vec<_> = (0..30)
            .map(|i| {
                exchange("GET", "/v2/search", i * 1_000)
                    .quota(30, 29 - i as u64, 5_000)
                    .build()
            })
            .collect();
        let findings = run(traffic);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].confidence, Confidence::Low);
        assert_eq!(findings[0].metrics["bucket"], json!("GET /v2/search"));
    }

    #[test]
    fn throttled_bucket_without_limit_fires() {
        let mut traffic = series("api.example.com", "GET", "/v2/search", 12, 1_000, 0);
        traffic.push(
            exchange("GET", "/v2/search", 12_000)
                .throttled_429(Some(2))
                .build(),
        );
        let findings = run(traffic);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["throttled_responses"], json!(1));
        assert_eq!(findings[0].metrics["peak_requests"], json!(13));
        assert_eq!(findings[0].metrics["limit"], json!(null));
    }

    #[test]
    fn few_throttled_requests_quiet() {
        // Five requests and a 429 are a retry problem, not a hot endpoint.
        let mut traffic = series("api.example.com", "GET", "/v2/search", 5, 1_000, 0);
        traffic.push(
            exchange("GET", "/v2/search", 5_000)
                .throttled_429(Some(2))
                .build(),
        );
        assert!(run(traffic).is_empty());
    }

    #[test]
    fn simultaneous_throttled_requests_counted() {
        // Every request starts at the same instant: all of them are in the window.
        let traffic: Vec<_> = (0..20)
            .map(|_| exchange("GET", "/v2/search", 0).throttled_429(None).build())
            .collect();
        let findings = run(traffic);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["peak_requests"], json!(20));
        assert_eq!(findings[0].metrics["host_requests_in_window"], json!(20));
    }

    #[test]
    fn placeholder_limit_ignored() {
        let traffic: Vec<_> = (0..12)
            .map(|i| {
                exchange("GET", "/v2/search", i * 1_000)
                    .quota(u64::MAX, u64::MAX - 1, 5_000)
                    .build()
            })
            .collect();
        assert!(run(traffic).is_empty());
    }

    #[test]
    fn throttled_minor_bucket_quiet() {
        // A 429 on an endpoint that is a small part of the traffic is a host-wide limit.
        let mut traffic = series("api.example.com", "GET", "/v2/items", 40, 500, 0);
        traffic.push(
            exchange("GET", "/v2/search", 5_000)
                .throttled_429(Some(2))
                .build(),
        );
        assert!(run(traffic).is_empty());
    }

    #[test]
    fn cache_hits_do_not_count() {
        let traffic: Vec<_> = (0..100)
            .map(|i| {
                exchange("GET", "/api/v1/logs", i * 500)
                    .host(OKTA)
                    .cache_hit()
                    .build()
            })
            .collect();
        assert!(run(traffic).is_empty());
    }

    #[test]
    fn clients_not_merged() {
        let mut traffic = series(OKTA, "GET", "/api/v1/logs", 50, 500, 0);
        traffic.extend(
            series(OKTA, "GET", "/api/v1/logs", 50, 500, 0)
                .into_iter()
                .map(|mut e| {
                    e.client = "other-client".into();
                    e
                }),
        );
        assert!(run(traffic).is_empty());
    }

    #[test]
    fn apps_subresources_share_bucket() {
        // App users and app groups fall in Okta's apps catch-all of 100 per minute.
        let mut traffic = series(
            OKTA,
            "GET",
            "/api/v1/apps/0oa1ab2CDefGhIJk3l4/users",
            45,
            1_000,
            0,
        );
        traffic.extend(series(
            OKTA,
            "GET",
            "/api/v1/apps/0oa1ab2CDefGhIJk3l4/groups",
            45,
            1_000,
            500,
        ));
        let findings = run(traffic);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["peak_requests"], json!(90));
        assert_eq!(findings[0].metrics["bucket"], json!("okta/apps"));
    }
}
