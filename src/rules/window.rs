//! Helpers shared by the rate-limit bucket rules: which bucket a request counts
//! against, counts over time windows, and rates.
//!
//! Rules run over millions of exchanges, so lookups are cached per endpoint and window
//! counts use binary search over sorted start times instead of rescans.

use std::collections::HashMap;
use std::sync::Arc;

use super::profiles::{Bucket, BucketScope, Profile, Profiles, QuotaHeaders};
use crate::model::Exchange;

/// Whether a method only reads (`GET`, `HEAD`, `OPTIONS`) or changes state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MethodClass {
    Read,
    Write,
}

impl MethodClass {
    pub fn of(method: &str) -> Self {
        match method {
            "GET" | "HEAD" | "OPTIONS" => MethodClass::Read,
            _ => MethodClass::Write,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MethodClass::Read => "reads",
            MethodClass::Write => "writes",
        }
    }
}

/// Identity of a rate-limit bucket within one client and host.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BucketKey {
    /// A bucket of a vendor profile shared by every request it matches.
    Profile(Arc<str>),
    /// One endpoint: method and template, also used for per-endpoint profile buckets.
    Endpoint {
        method: Arc<str>,
        template: Arc<str>,
    },
}

impl BucketKey {
    /// Returns a label for messages: `okta/logs` or `GET /api/v1/users/{id}`.
    pub fn label(&self) -> String {
        match self {
            BucketKey::Profile(label) => label.to_string(),
            BucketKey::Endpoint { method, template } => format!("{method} {template}"),
        }
    }
}

/// The bucket a request falls in: its key, and the profile bucket when one matched.
#[derive(Clone, Debug)]
pub struct ResolvedBucket {
    pub key: BucketKey,
    pub profile_bucket: Option<Bucket>,
}

/// Resolves requests to one host into buckets, caching the profile lookup per
/// method and template.
pub struct BucketResolver<'p> {
    profiles: &'p Profiles,
    host: Arc<str>,
    cache: HashMap<(Arc<str>, Arc<str>), ResolvedBucket>,
}

impl<'p> BucketResolver<'p> {
    pub fn new(profiles: &'p Profiles, host: Arc<str>) -> Self {
        BucketResolver {
            profiles,
            host,
            cache: HashMap::new(),
        }
    }

    /// Returns the profile that covers this host, if any.
    pub fn profile(&self) -> Option<&'p Profile> {
        self.profiles.profile_for(&self.host)
    }

    /// Returns whether the host's quota headers describe a token-wide quota rather than
    /// the bucket of the request.
    pub fn token_wide_headers(&self) -> bool {
        self.profile()
            .is_some_and(|p| p.quota_headers == QuotaHeaders::Token)
    }

    /// Returns the bucket of one request: the most specific profile bucket, else the
    /// request's own method and template.
    pub fn resolve(&mut self, exchange: &Exchange) -> &ResolvedBucket {
        let cache_key = (exchange.method.clone(), exchange.template.clone());
        let profiles = self.profiles;
        let host = &self.host;
        self.cache.entry(cache_key).or_insert_with(|| {
            let bucket = profiles.bucket_for(host, &exchange.method, &exchange.template);
            let key = match &bucket {
                Some(b) if b.scope == BucketScope::Shared => BucketKey::Profile(b.label().into()),
                _ => BucketKey::Endpoint {
                    method: exchange.method.clone(),
                    template: exchange.template.clone(),
                },
            };
            ResolvedBucket {
                key,
                profile_bucket: bucket,
            }
        })
    }
}

/// Returns how many of the sorted `times` lie in `[from, to)`.
pub fn count_between(times: &[i64], from: i64, to: i64) -> usize {
    let start = times.partition_point(|t| *t < from);
    let end = times.partition_point(|t| *t < to);
    end.saturating_sub(start)
}

/// Returns the rate of `intervals` gaps over `span_us` microseconds, per second. A span
/// shorter than 1 ms counts as 1 ms, so that simultaneous requests give a finite rate.
pub fn rate_per_s(intervals: usize, span_us: i64) -> f64 {
    intervals as f64 * 1_000_000.0 / span_us.max(1_000) as f64
}

/// Rounds a ratio or rate to two decimals for reports.
pub fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Counts items by name and returns the `max` most frequent as `name (count)`, most
/// frequent first, ties by name.
pub fn top_counts<'a>(
    names: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Vec<(String, usize)> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for name in names {
        *counts.entry(name).or_default() += 1;
    }
    let mut sorted: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(name, count)| (name.to_string(), count))
        .collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    sorted.truncate(max);
    sorted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_between_half_open() {
        let times = [0, 10, 20, 30];
        assert_eq!(count_between(&times, 10, 30), 2);
        assert_eq!(count_between(&times, 31, 40), 0);
    }

    #[test]
    fn rate_of_zero_span_finite() {
        assert_eq!(rate_per_s(4, 0), 4_000.0);
        assert_eq!(rate_per_s(10, 2_000_000), 5.0);
    }

    #[test]
    fn method_classes() {
        assert_eq!(MethodClass::of("HEAD"), MethodClass::Read);
        assert_eq!(MethodClass::of("PATCH"), MethodClass::Write);
    }

    #[test]
    fn top_counts_orders_by_count() {
        let top = top_counts(["b", "a", "b", "c"], 2);
        assert_eq!(top, vec![("b".to_string(), 2), ("a".to_string(), 1)]);
    }
}
