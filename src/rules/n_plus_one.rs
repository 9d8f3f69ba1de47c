//! `n-plus-one`: a list request followed by one request per listed item.
//!
//! Item requests are matched to the list by concrete path (the list's path is the part
//! of the item path before the identifier), so lists of different parents never mix.
//! Every index is built once per client and host, which keeps the rule O(n log n).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;

use super::config::{RuleConfigError, RuleOverride, RuleSpec, parse_rule_file_with};
use super::stats::millis_to_micros;
use super::{ClientHostGroup, Confidence, Context, Finding, Need, Needs, Requirement, Rule};
use crate::model::Exchange;
use crate::model::template::ID_PLACEHOLDER;
use crate::model::time::format_duration_micros;

pub const NAME: &str = "n-plus-one";

const DEFINITION: &str = include_str!("../../rules/n-plus-one.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Minimum number of distinct items requested after one list request.
    pub min_item_requests: usize,
    /// Time after the list response in which item requests count, in ms, when the
    /// list body's identifiers are unknown.
    pub window_ms: u64,
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
    let file = "rules/n-plus-one.toml";
    let (spec, thresholds): (RuleSpec, Thresholds) =
        parse_rule_file_with(file, DEFINITION, NAME, overrides)?;
    let invalid = |key: &str, expected: &str| RuleConfigError {
        file: file.to_string(),
        message: format!("invalid thresholds.{key}: expected {expected}"),
    };
    if thresholds.min_item_requests < 2 {
        return Err(invalid("min_item_requests", "a whole number of 2 or more"));
    }
    if thresholds.window_ms < 1 {
        return Err(invalid(
            "window_ms",
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
            Requirement::ResponseBodies,
            "item requests are tied to a list by time alone, with low confidence",
        )])
    }
}

/// One request for an item, seen from the collection above it.
#[derive(Clone, Copy, Debug)]
struct Hit<'a> {
    id: &'a str,
    exchange: &'a Exchange,
}

/// Requests for the items of one collection path under one item template, in start
/// order.
#[derive(Debug)]
struct ItemSeries<'a> {
    template: Arc<str>,
    hits: Vec<Hit<'a>>,
    /// Positions in `hits` by item identifier.
    by_id: HashMap<&'a str, Vec<usize>>,
}

/// Qualifying list requests and their item requests for one list template and one item
/// template.
#[derive(Debug, Default)]
struct Pattern<'a> {
    lists: Vec<&'a Exchange>,
    items: Vec<&'a Exchange>,
    ids: BTreeSet<&'a str>,
    linked: bool,
    /// Largest number of distinct items requested after one list request.
    max_per_list: usize,
}

impl Detector {
    fn check_group(&self, group: &ClientHostGroup<'_>) -> Vec<Finding> {
        let (items, lists) = index_group(group);
        let window_us = millis_to_micros(self.thresholds.window_ms);

        let mut patterns: HashMap<(Arc<str>, Arc<str>), Pattern<'_>> = HashMap::new();
        let mut order: Vec<(Arc<str>, Arc<str>)> = Vec::new();
        for (path, requests) in &lists {
            let Some(series_list) = items.get(path) else {
                continue;
            };
            for (position, list) in requests.iter().enumerate() {
                // Without the list's identifiers, items count only until the same list
                // is requested again (for example its next page).
                let next_list_start = requests.get(position + 1).map(|e| e.start.micros());
                for series in series_list {
                    let (hits, linked) = if list.listed_ids.is_empty() {
                        (window_hits(series, list, window_us, next_list_start), false)
                    } else {
                        (linked_hits(series, list), true)
                    };
                    let distinct: HashSet<&str> = hits.iter().map(|h| h.id).collect();
                    if distinct.len() < self.thresholds.min_item_requests {
                        continue;
                    }
                    let key = (list.template.clone(), series.template.clone());
                    let pattern = patterns.entry(key.clone()).or_insert_with(|| {
                        order.push(key);
                        Pattern::default()
                    });
                    pattern.lists.push(list);
                    pattern.items.extend(hits.iter().map(|h| h.exchange));
                    pattern.ids.extend(distinct.iter().copied());
                    pattern.linked |= linked;
                    pattern.max_per_list = pattern.max_per_list.max(distinct.len());
                }
            }
        }

        let mut findings: Vec<Finding> = order
            .iter()
            .filter_map(|key| patterns.remove(key))
            .map(|pattern| self.finding(pattern))
            .collect();
        findings.sort_by_key(|f| (f.start, f.evidence.sources.first().copied()));
        findings
    }

    fn finding(&self, mut pattern: Pattern<'_>) -> Finding {
        let t = &self.thresholds;
        sort_unique(&mut pattern.items);
        sort_unique(&mut pattern.lists);
        let list_endpoint = pattern.lists.first().map(|e| e.endpoint());
        let item_endpoint = pattern.items.first().map(|e| e.endpoint());
        let first_list_end = pattern.lists.first().map(|e| e.end());
        let last_item_start = pattern.items.last().map(|e| e.start);
        let span_us = match (first_list_end, last_item_start) {
            (Some(from), Some(to)) => to.micros_since(from).max(0),
            _ => 0,
        };

        let list_name = list_endpoint
            .as_ref()
            .map_or_else(String::new, |e| e.to_string());
        let item_name = item_endpoint
            .as_ref()
            .map_or_else(String::new, |e| e.to_string());
        let lists_text = if pattern.lists.len() == 1 {
            format!("one {list_name} list request")
        } else {
            format!("{} {list_name} list requests", pattern.lists.len())
        };
        let basis = if pattern.linked {
            "identifiers taken from the list response".to_string()
        } else {
            format!(
                "within {} of a list response",
                format_duration_micros(millis_to_micros(t.window_ms))
            )
        };
        let message = format!(
            "{} requests to {item_name} for {} distinct items after {lists_text}, over {} \
             (threshold {} items per list, {basis}).",
            pattern.items.len(),
            pattern.ids.len(),
            format_duration_micros(span_us),
            t.min_item_requests,
        );

        let mut involved: Vec<&Exchange> = pattern.lists.clone();
        involved.extend(pattern.items.iter().copied());
        sort_unique(&mut involved);
        let mut finding = self.spec.finding(&involved, message);
        finding.endpoint = item_endpoint;
        // Without the list body, a burst of item requests may have another cause, such
        // as a user opening items one by one or a cache warm-up.
        if !pattern.linked {
            finding.confidence = Confidence::Low;
        }
        let metrics = &mut finding.metrics;
        metrics.insert("list_endpoint", json!(list_name));
        metrics.insert("item_endpoint", json!(item_name));
        metrics.insert("list_requests", json!(pattern.lists.len()));
        metrics.insert("item_requests", json!(pattern.items.len()));
        metrics.insert("distinct_items", json!(pattern.ids.len()));
        metrics.insert("max_items_per_list", json!(pattern.max_per_list));
        metrics.insert("duration_ms", json!(span_us / 1_000));
        metrics.insert("linked_to_list_body", json!(pattern.linked));
        metrics.insert("min_item_requests", json!(t.min_item_requests));
        metrics.insert("window_ms", json!(t.window_ms));
        finding
    }
}

/// Item requests under each collection path, and list requests by path.
type GroupIndex<'a> = (
    HashMap<&'a str, Vec<ItemSeries<'a>>>,
    HashMap<&'a str, Vec<&'a Exchange>>,
);

/// Indexes one group. Every `GET` whose template has an identifier segment is an item
/// request of the collection path before that segment, so a path with two identifiers
/// belongs to two collections. Every successful `GET` whose template does not end in an
/// identifier is a list request.
fn index_group<'a>(group: &ClientHostGroup<'a>) -> GroupIndex<'a> {
    let mut items: HashMap<&'a str, Vec<ItemSeries<'a>>> = HashMap::new();
    let mut lists: HashMap<&'a str, Vec<&'a Exchange>> = HashMap::new();
    for &exchange in &group.exchanges {
        if exchange.method.as_ref() != "GET" {
            continue;
        }
        let template_segments: Vec<&str> = exchange.template.split('/').collect();
        if template_segments.last().is_some_and(|s| !is_id_segment(s))
            && (200..300).contains(&exchange.status)
        {
            let path = exchange.path.trim_end_matches('/');
            lists.entry(path).or_default().push(exchange);
        }

        let path: &'a str = &exchange.path;
        let path_segments: Vec<(usize, &'a str)> = segment_offsets(path);
        if path_segments.len() != template_segments.len() {
            continue;
        }
        for (index, template_segment) in template_segments.iter().enumerate().skip(1) {
            if !is_id_segment(template_segment) {
                continue;
            }
            let Some(&(offset, segment)) = path_segments.get(index) else {
                continue;
            };
            // The collection path ends before the slash that precedes the identifier.
            let parent = &path[..offset.saturating_sub(1)];
            let id = strip_extension(segment, template_segment);
            let series_list = items.entry(parent).or_default();
            let position = match series_list
                .iter()
                .position(|s| s.template == exchange.template)
            {
                Some(position) => position,
                None => {
                    series_list.push(ItemSeries {
                        template: exchange.template.clone(),
                        hits: Vec::new(),
                        by_id: HashMap::new(),
                    });
                    series_list.len() - 1
                }
            };
            let series = &mut series_list[position];
            series.by_id.entry(id).or_default().push(series.hits.len());
            series.hits.push(Hit { id, exchange });
        }
    }
    (items, lists)
}

/// Item requests that start after the list response and within `window_us` of it, and
/// before the same list is requested again.
fn window_hits<'a>(
    series: &ItemSeries<'a>,
    list: &Exchange,
    window_us: i64,
    next_list_start: Option<i64>,
) -> Vec<Hit<'a>> {
    let from = list.end().micros();
    let mut until = from.saturating_add(window_us);
    if let Some(next) = next_list_start {
        until = until.min(next.max(from));
    }
    let first = series
        .hits
        .partition_point(|h| h.exchange.start.micros() < from);
    series.hits[first..]
        .iter()
        .take_while(|h| h.exchange.start.micros() <= until)
        .copied()
        .collect()
}

/// Item requests, after the list response, for identifiers the list returned.
fn linked_hits<'a>(series: &ItemSeries<'a>, list: &Exchange) -> Vec<Hit<'a>> {
    let from = list.end().micros();
    let mut hits = Vec::new();
    let listed: HashSet<&str> = list.listed_ids.iter().map(|id| id.as_ref()).collect();
    for id in listed {
        let Some(positions) = series.by_id.get(id) else {
            continue;
        };
        let first = positions.partition_point(|&p| {
            series
                .hits
                .get(p)
                .is_some_and(|h| h.exchange.start.micros() < from)
        });
        hits.extend(
            positions[first..]
                .iter()
                .filter_map(|&p| series.hits.get(p)),
        );
    }
    hits
}

/// Checks whether a template segment is an identifier placeholder, with or without an
/// extension (`{id}`, `{id}.json`).
fn is_id_segment(segment: &str) -> bool {
    segment.starts_with(ID_PLACEHOLDER)
}

/// Removes the extension that the template kept after the placeholder, so that
/// `42.json` matches the listed identifier `42`.
fn strip_extension<'a>(segment: &'a str, template_segment: &str) -> &'a str {
    let extension_len = template_segment.len() - ID_PLACEHOLDER.len();
    if extension_len == 0 {
        return segment;
    }
    segment
        .len()
        .checked_sub(extension_len)
        .and_then(|end| segment.get(..end))
        .filter(|stem| !stem.is_empty())
        .unwrap_or(segment)
}

/// Splits a path at `/` and returns each segment with its byte offset.
fn segment_offsets(path: &str) -> Vec<(usize, &str)> {
    let mut offset = 0;
    path.split('/')
        .map(|segment| {
            let start = offset;
            offset += segment.len() + 1;
            (start, segment)
        })
        .collect()
}

/// Sorts exchanges by start and source and removes duplicates.
fn sort_unique(exchanges: &mut Vec<&Exchange>) {
    exchanges.sort_by_key(|e| (e.start, e.source));
    exchanges.dedup_by(|a, b| std::ptr::eq(*a, *b));
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

    fn user_ids(count: usize) -> Vec<String> {
        (0..count).map(|i| format!("00u{:017}", i)).collect()
    }

    /// Builds a user list at 0 ms (complete at 100 ms), then one `GET` per id every
    /// `step_ms`.
    fn list_then_items(ids: &[String], listed: bool, step_ms: i64) -> Vec<Exchange> {
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut list = exchange("GET", "/api/v1/users?limit=200", 0);
        if listed {
            list = list.listed_ids(&refs);
        }
        let mut exchanges = vec![list.build()];
        for (i, id) in ids.iter().enumerate() {
            let path = format!("/api/v1/users/{id}");
            exchanges.push(exchange("GET", &path, 150 + i as i64 * step_ms).build());
        }
        exchanges
    }

    #[test]
    fn coarse_log_items_fire_low() {
        // A log: whole-second end times, no durations and no list body.
        let ids = user_ids(25);
        let exchanges: Vec<Exchange> = list_then_items(&ids, false, 200)
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                let mut line = e.clone();
                line.source.position = crate::model::Position::Line(i as u64 + 1);
                line.precision = crate::model::TimePrecision::Seconds;
                line.start_origin = crate::model::StartOrigin::EndWithoutDuration;
                line.duration_us = None;
                line
            })
            .collect();
        let findings = run(&finish(exchanges));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["item_requests"], json!(25));
        assert_eq!(findings[0].confidence, Confidence::Low);
    }

    #[test]
    fn linked_items_fire() {
        let findings = run(&finish(list_then_items(&user_ids(25), true, 40)));
        assert_eq!(findings.len(), 1);
        let finding = &findings[0];
        assert_eq!(finding.severity, Severity::Warning);
        assert_eq!(finding.metrics["item_requests"], json!(25));
        assert_eq!(finding.metrics["distinct_items"], json!(25));
        assert_eq!(finding.metrics["linked_to_list_body"], json!(true));
        assert_eq!(finding.metrics["list_endpoint"], json!("GET /api/v1/users"));
        assert_eq!(
            finding.metrics["item_endpoint"],
            json!("GET /api/v1/users/{id}")
        );
        assert_eq!(finding.confidence, Confidence::High);
        assert!(
            finding
                .message
                .contains("25 requests to GET /api/v1/users/{id}")
        );
        assert!(finding.message.contains("(threshold 10 items per list"));
    }

    #[test]
    fn nine_items_are_quiet() {
        assert!(run(&finish(list_then_items(&user_ids(9), true, 40))).is_empty());
        assert!(run(&finish(list_then_items(&user_ids(9), false, 40))).is_empty());
    }

    #[test]
    fn unlinked_items_in_window_fire() {
        let findings = run(&finish(list_then_items(&user_ids(12), false, 500)));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["linked_to_list_body"], json!(false));
        assert_eq!(findings[0].confidence, Confidence::Low);
    }

    #[test]
    fn unlinked_items_after_window_quiet() {
        // 12 items, one per second: only the first 10 s count, that is 10 items...
        let exchanges = list_then_items(&user_ids(12), false, 1_000);
        assert_eq!(run(&finish(exchanges)).len(), 1);
        // ...but one every 1.2 s leaves only 9 in the window.
        let exchanges = list_then_items(&user_ids(12), false, 1_200);
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn unlisted_ids_do_not_link() {
        let ids = user_ids(20);
        let listed: Vec<&str> = ids[..5].iter().map(String::as_str).collect();
        let mut exchanges = list_then_items(&ids, false, 40);
        exchanges[0] = exchange("GET", "/api/v1/users?limit=200", 0)
            .listed_ids(&listed)
            .build();
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn interleaved_calls_do_not_hide() {
        let mut exchanges = list_then_items(&user_ids(15), true, 100);
        for i in 0..30 {
            exchanges.push(exchange("GET", "/api/v1/groups", 120 + i * 50).build());
        }
        let findings = run(&finish(exchanges));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["distinct_items"], json!(15));
    }

    #[test]
    fn sub_resource_items_fire() {
        let ids = user_ids(12);
        let mut exchanges = list_then_items(&ids, true, 40);
        for (i, id) in ids.iter().enumerate() {
            let path = format!("/api/v1/users/{id}/groups");
            exchanges.push(exchange("GET", &path, 2_000 + i as i64 * 40).build());
        }
        let findings = run(&finish(exchanges));
        assert_eq!(findings.len(), 2);
        let items: Vec<&serde_json::Value> = findings
            .iter()
            .map(|f| &f.metrics["item_endpoint"])
            .collect();
        assert!(items.contains(&&json!("GET /api/v1/users/{id}")));
        assert!(items.contains(&&json!("GET /api/v1/users/{id}/groups")));
    }

    #[test]
    fn paginated_list_is_quiet() {
        let exchanges: Vec<Exchange> = (0..30)
            .map(|i| {
                let path = format!("/api/v1/users?after=00u{:017}&limit=200", i * 200);
                exchange("GET", &path, i * 300).build()
            })
            .collect();
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn one_item_repeated_is_quiet() {
        let mut exchanges = vec![exchange("GET", "/api/v1/users", 0).build()];
        for i in 0..20 {
            exchanges
                .push(exchange("GET", "/api/v1/users/00u1ab2CDefGhIJk3l4", 200 + i * 100).build());
        }
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn other_parent_not_matched() {
        // Items of another collection path than the list.
        let mut exchanges = vec![exchange("GET", "/api/v1/groups/00g1/users", 0).build()];
        for i in 0..15 {
            let path = format!("/api/v1/groups/00g2/users/{}", 1_000 + i);
            exchanges.push(exchange("GET", &path, 200 + i * 50).build());
        }
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn other_clients_not_merged() {
        let exchanges: Vec<Exchange> = list_then_items(&user_ids(15), true, 40)
            .into_iter()
            .enumerate()
            .map(|(i, mut e)| {
                if i > 0 && i % 2 == 0 {
                    e.client = "other-client".into();
                }
                if i > 0 && i % 2 == 1 {
                    e.host = "other.example.com".into();
                }
                e
            })
            .collect();
        assert!(run(&finish(exchanges)).is_empty());
    }

    #[test]
    fn pages_with_items_give_one_finding() {
        let mut exchanges = Vec::new();
        for page in 0..3 {
            let ids: Vec<String> = (0..12)
                .map(|i| format!("{}", 5_000 + page * 100 + i))
                .collect();
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let base = page * 5_000;
            let path = format!("/v1/orders?page={page}");
            exchanges.push(exchange("GET", &path, base).listed_ids(&refs).build());
            for (i, id) in ids.iter().enumerate() {
                let item = format!("/v1/orders/{id}.json");
                exchanges.push(exchange("GET", &item, base + 200 + i as i64 * 30).build());
            }
        }
        let findings = run(&finish(exchanges));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].metrics["list_requests"], json!(3));
        assert_eq!(findings[0].metrics["item_requests"], json!(36));
        assert_eq!(
            findings[0].metrics["item_endpoint"],
            json!("GET /v1/orders/{id}.json")
        );
    }

    #[test]
    fn failed_list_is_not_a_list() {
        let mut exchanges = list_then_items(&user_ids(15), false, 40);
        exchanges[0].status = 500;
        assert!(run(&finish(exchanges)).is_empty());
    }
}
