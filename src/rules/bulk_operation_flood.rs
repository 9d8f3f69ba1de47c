//! `bulk-operation-flood`: many writes to one resource collection, faster than a
//! sustainable rate, one request per item.
//!
//! Writes are grouped by collection (the template with action segments and the
//! trailing `{id}` removed), and a window of `min_operations` consecutive writes slides
//! over each collection, so a group costs O(n log n) for the grouping and O(n) after.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;

use super::config::{RuleConfigError, RuleOverride, RuleSpec, parse_rule_file_with};
use super::window::{rate_per_s, round2, top_counts};
use super::{Confidence, Context, Finding, Rule};
use crate::model::time::format_duration_micros;
use crate::model::{Exchange, TimePrecision};

pub const NAME: &str = "bulk-operation-flood";

const DEFINITION: &str = include_str!("../../rules/bulk-operation-flood.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub min_operations: usize,
    pub max_operations_per_s: f64,
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
    let file = "rules/bulk-operation-flood.toml";
    let (spec, thresholds): (RuleSpec, Thresholds) =
        parse_rule_file_with(file, DEFINITION, NAME, overrides)?;
    let invalid = |message: &str| RuleConfigError {
        file: file.to_string(),
        message: message.to_string(),
    };
    if thresholds.min_operations < 2 {
        return Err(invalid("invalid `min_operations`: expected at least 2"));
    }
    if !(thresholds.max_operations_per_s > 0.0 && thresholds.max_operations_per_s.is_finite()) {
        return Err(invalid(
            "invalid `max_operations_per_s`: expected a rate above 0",
        ));
    }
    Ok(Box::new(Detector { spec, thresholds }))
}

/// Path segments that name an action on an item rather than a sub-collection, such as
/// Okta's `/api/v1/users/{id}/lifecycle/deactivate`.
const ACTION_SEGMENTS: [&str; 36] = [
    "lifecycle",
    "activate",
    "deactivate",
    "reactivate",
    "suspend",
    "unsuspend",
    "unlock",
    "expire_password",
    "expire_password_with_temp_password",
    "reset_password",
    "reset_factors",
    "change_password",
    "change_recovery_question",
    "forgot_password",
    "credentials",
    "execute",
    "run",
    "start",
    "stop",
    "cancel",
    "approve",
    "reject",
    "archive",
    "unarchive",
    "enable",
    "disable",
    "publish",
    "unpublish",
    "restore",
    "lock",
    "merge",
    "close",
    "reopen",
    "refund",
    "capture",
    "confirm",
];

/// Last template segments of endpoints that take a POST body but only read: queries
/// and token requests are not bulk writes.
const READ_BY_POST: [&str; 7] = [
    "graphql",
    "search",
    "_search",
    "_msearch",
    "query",
    "token",
    "introspect",
];

/// Returns whether the request changes state on a collection item.
fn is_write(exchange: &Exchange) -> bool {
    let method_writes = matches!(
        exchange.method.as_ref(),
        "POST" | "PUT" | "PATCH" | "DELETE"
    );
    let last = exchange.template.rsplit('/').next().unwrap_or("");
    method_writes && !(exchange.method.as_ref() == "POST" && READ_BY_POST.contains(&last))
}

/// Returns the resource collection of a template: trailing action segments and then a
/// trailing identifier are removed, so that `/api/v1/users/{id}/lifecycle/deactivate`
/// and `DELETE /api/v1/users/{id}` both act on `/api/v1/users`.
pub fn collection_of(template: &str) -> &str {
    let mut head = template.strip_suffix('/').unwrap_or(template);
    while let Some((parent, last)) = head.rsplit_once('/')
        && !parent.is_empty()
        && ACTION_SEGMENTS.contains(&last)
    {
        head = parent;
    }
    match head.rsplit_once('/') {
        Some((parent, last)) if !parent.is_empty() && last.starts_with("{id}") => parent,
        _ => head,
    }
}

impl Rule for Detector {
    fn spec(&self) -> &RuleSpec {
        &self.spec
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut findings = Vec::new();
        for group in ctx.api_groups() {
            let mut collections: BTreeMap<&str, Vec<&Exchange>> = BTreeMap::new();
            for exchange in group.exchanges.iter().filter(|e| is_write(e)) {
                collections
                    .entry(collection_of(&exchange.template))
                    .or_default()
                    .push(exchange);
            }
            for (collection, writes) in &collections {
                self.check_collection(collection, writes, &mut findings);
            }
        }
        findings
    }
}

impl Detector {
    /// Span of `writes[first..=last]` in microseconds. One-second timestamps widen it by
    /// a second, so that a log line's rounding never makes writes look faster.
    fn span_us(writes: &[&Exchange], first: usize, last: usize) -> i64 {
        let coarse = writes[first].precision == TimePrecision::Seconds
            || writes[last].precision == TimePrecision::Seconds;
        let span = writes[last].start.micros_since(writes[first].start);
        if coarse { span + 1_000_000 } else { span }
    }

    fn check_collection(&self, collection: &str, writes: &[&Exchange], out: &mut Vec<Finding>) {
        let k = self.thresholds.min_operations;
        if writes.len() < k {
            return;
        }
        let max_rate = self.thresholds.max_operations_per_s;
        // Episodes are unions of overlapping windows of `k` writes faster than the
        // threshold. Each window's rate is its k - 1 intervals over its span.
        let mut episode: Option<(usize, usize, f64)> = None;
        for first in 0..=writes.len() - k {
            let last = first + k - 1;
            let rate = rate_per_s(k - 1, Self::span_us(writes, first, last));
            if rate <= max_rate {
                continue;
            }
            episode = match episode {
                Some((start, end, peak)) if first <= end => Some((start, last, peak.max(rate))),
                Some(done) => {
                    out.push(self.finding(collection, writes, done));
                    Some((first, last, rate))
                }
                None => Some((first, last, rate)),
            };
        }
        if let Some(done) = episode {
            out.push(self.finding(collection, writes, done));
        }
    }

    fn finding(
        &self,
        collection: &str,
        writes: &[&Exchange],
        (first, last, peak_rate): (usize, usize, f64),
    ) -> Finding {
        let involved = &writes[first..=last];
        let count = involved.len();
        let span_us = Self::span_us(writes, first, last);
        let rate = rate_per_s(count - 1, span_us);
        let methods = top_counts(involved.iter().map(|e| e.method.as_ref()), usize::MAX);
        let methods_text = methods
            .iter()
            .map(|(m, n)| format!("{m} {n}"))
            .collect::<Vec<_>>()
            .join(", ");

        let message = format!(
            "{count} writes ({methods_text}) to {collection} in {}: {:.1} writes/s, peaking at \
             {:.1}/s over {} writes (threshold {}/s over {} writes).",
            format_duration_micros(span_us),
            rate,
            peak_rate,
            self.thresholds.min_operations,
            self.thresholds.max_operations_per_s,
            self.thresholds.min_operations,
        );

        let mut finding = self.spec.finding(involved, message);
        let endpoints = top_counts(involved.iter().map(|e| e.template.as_ref()), usize::MAX);
        finding.endpoint = endpoints.first().and_then(|(template, _)| {
            involved
                .iter()
                .find(|e| e.template.as_ref() == template)
                .map(|e| e.endpoint())
        });

        if involved
            .iter()
            .any(|e| e.precision == TimePrecision::Seconds)
        {
            finding.confidence = Confidence::Low;
        }

        let metrics = &mut finding.metrics;
        metrics.insert("collection", json!(collection));
        metrics.insert("operations", json!(count));
        metrics.insert("duration_ms", json!(span_us / 1_000));
        metrics.insert("rate_per_s", json!(round2(rate)));
        metrics.insert("peak_rate_per_s", json!(round2(peak_rate)));
        metrics.insert(
            "methods",
            json!(
                methods
                    .iter()
                    .map(|(m, n)| (m.clone(), json!(n)))
                    .collect::<serde_json::Map<_, _>>()
            ),
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
        metrics.insert("min_operations", json!(self.thresholds.min_operations));
        metrics.insert(
            "max_operations_per_s",
            json!(self.thresholds.max_operations_per_s),
        );
        finding
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::{exchange, finish};
    use crate::rules::{Profiles, Severity};

    fn run(exchanges: Vec<Exchange>) -> Vec<Finding> {
        let exchanges = finish(exchanges);
        let profiles = Profiles::default();
        let ctx = Context::new(&exchanges, &profiles);
        load().expect("rule file is valid").check(&ctx)
    }

    /// `count` requests, one every `step_ms`, alternating deactivate and delete of users.
    fn deprovision(count: i64, step_ms: i64) -> Vec<Exchange> {
        (0..count)
            .map(|i| {
                let id = format!("00u{:016}", i);
                if i % 2 == 0 {
                    exchange(
                        "POST",
                        &format!("/api/v1/users/{id}/lifecycle/deactivate"),
                        i * step_ms,
                    )
                    .build()
                } else {
                    exchange("DELETE", &format!("/api/v1/users/{id}"), i * step_ms).build()
                }
            })
            .collect()
    }

    #[test]
    fn collection_strips_actions_and_id() {
        assert_eq!(
            collection_of("/api/v1/users/{id}/lifecycle/deactivate"),
            "/api/v1/users"
        );
        assert_eq!(collection_of("/api/v1/users/{id}"), "/api/v1/users");
        assert_eq!(collection_of("/api/v1/users"), "/api/v1/users");
        assert_eq!(
            collection_of("/api/v1/groups/{id}/users/{id}"),
            "/api/v1/groups/{id}/users"
        );
        assert_eq!(collection_of("/{id}"), "/{id}");
    }

    #[test]
    fn deprovisioning_flood_fires() {
        // 40 writes every 100 ms: 10 writes/s over 3.9 s.
        let findings = run(deprovision(40, 100));
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.metrics["operations"], json!(40));
        assert_eq!(f.metrics["collection"], json!("/api/v1/users"));
        assert_eq!(f.metrics["duration_ms"], json!(3_900));
        assert_eq!(f.metrics["rate_per_s"], json!(10.0));
        assert_eq!(f.metrics["methods"], json!({"DELETE": 20, "POST": 20}));
    }

    #[test]
    fn exactly_threshold_rate_quiet() {
        // One write every 200 ms is 5 writes/s, not above the threshold.
        assert!(run(deprovision(40, 200)).is_empty());
    }

    #[test]
    fn too_few_writes_quiet() {
        // 19 writes at 20 per second stay under the minimum of 20.
        assert!(run(deprovision(19, 50)).is_empty());
    }

    #[test]
    fn reads_do_not_count() {
        let reads: Vec<Exchange> = (0..50)
            .map(|i| exchange("GET", &format!("/api/v1/users/{}", 1000 + i), i * 50).build())
            .collect();
        assert!(run(reads).is_empty());
    }

    #[test]
    fn graphql_posts_do_not_count() {
        let queries: Vec<Exchange> = (0..50)
            .map(|i| exchange("POST", "/graphql", i * 50).build())
            .collect();
        assert!(run(queries).is_empty());
    }

    #[test]
    fn separate_bursts_two_findings() {
        let mut traffic = deprovision(25, 100);
        traffic.extend(deprovision(25, 100).into_iter().map(|mut e| {
            e.start = e.start.saturating_add_micros(60_000_000);
            e
        }));
        let findings = run(traffic);
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[0].metrics["operations"], json!(25));
        assert_eq!(findings[1].metrics["operations"], json!(25));
    }

    #[test]
    fn clients_not_merged() {
        let mut traffic = deprovision(15, 100);
        traffic.extend(deprovision(15, 100).into_iter().map(|mut e| {
            e.client = "other-client".into();
            e
        }));
        assert!(run(traffic).is_empty());
    }

    #[test]
    fn second_precision_widens_span() {
        // 20 writes over 2.85 s are 6.7/s, but one-second timestamps may hide up to a
        // second more: 19 intervals over 3.85 s are 4.9/s.
        let traffic: Vec<Exchange> = deprovision(20, 150)
            .into_iter()
            .map(|mut e| {
                e.precision = TimePrecision::Seconds;
                e
            })
            .collect();
        assert!(run(traffic).is_empty());
    }
}
