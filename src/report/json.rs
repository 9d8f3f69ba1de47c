//! `--format json`: the report for programs, with a versioned schema.
//!
//! The output is built from the view structs below rather than by serializing the
//! analysis types directly, so that renaming a field inside ratelint cannot change the
//! schema by accident. Serde writes struct fields in declaration order and metrics come
//! from a sorted map, so the key order is stable. docs/json-schema.md documents every
//! field; keep it in step with this file.

use std::collections::BTreeMap;
use std::io;

use serde::Serialize;

use super::{ReportOptions, Reporter, input_path};
use crate::analyze::{Analysis, InputSummary, Summary};
use crate::baseline::{BaselineOutcome, Entry};
use crate::ingest::InputFormat;
use crate::model::overview::EndpointStats;
use crate::model::{Endpoint, Position, Timestamp};
use crate::rules::finding::MAX_EVIDENCE;
use crate::rules::{Confidence, Finding, Severity};

/// Version of the JSON schema. It is raised when a field is removed or renamed, or its
/// type or meaning changes; adding a field does not raise it.
pub const SCHEMA_VERSION: u32 = 1;

/// Renders the report as pretty-printed JSON.
pub struct JsonReporter {
    pub options: ReportOptions,
}

impl Reporter for JsonReporter {
    fn write(&self, analysis: &Analysis, out: &mut dyn io::Write) -> io::Result<()> {
        let report = JsonReport::new(analysis);
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)
    }
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    tool: Tool,
    inputs: Vec<JsonInput<'a>>,
    summary: JsonSummary,
    overview: Vec<JsonEndpointStats<'a>>,
    findings: Vec<JsonFinding<'a>>,
    limitations: Vec<JsonLimitation<'a>>,
    /// Present only when a baseline was given, so that other reports keep their shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<JsonBaseline<'a>>,
}

/// Baseline result: the number of suppressed findings and the expired and stale entries.
#[derive(Serialize)]
struct JsonBaseline<'a> {
    file: &'a str,
    suppressed: usize,
    expired: Vec<JsonBaselineEntry<'a>>,
    stale: Vec<JsonBaselineEntry<'a>>,
}

/// A baseline entry, with its line in the baseline file.
#[derive(Serialize)]
struct JsonBaselineEntry<'a> {
    fingerprint: &'a str,
    line: usize,
    rule: &'a str,
    host: &'a str,
    endpoint: &'a str,
    client: &'a str,
    reason: &'a str,
    expires: Option<String>,
    /// For expired entries: findings of this run that the entry no longer suppresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<usize>,
}

impl<'a> JsonBaselineEntry<'a> {
    fn new(entry: &'a Entry, findings: Option<usize>) -> Self {
        JsonBaselineEntry {
            fingerprint: &entry.fingerprint,
            line: entry.line,
            rule: &entry.rule,
            host: &entry.host,
            endpoint: &entry.endpoint,
            client: &entry.client,
            reason: &entry.reason,
            expires: entry.expires.map(|date| date.to_string()),
            findings,
        }
    }
}

impl<'a> JsonBaseline<'a> {
    fn new(outcome: &'a BaselineOutcome) -> Self {
        JsonBaseline {
            file: &outcome.path,
            suppressed: outcome.suppressed.len(),
            expired: outcome
                .expired
                .iter()
                .map(|expired| JsonBaselineEntry::new(&expired.entry, Some(expired.findings)))
                .collect(),
            stale: outcome
                .stale
                .iter()
                .map(|entry| JsonBaselineEntry::new(entry, None))
                .collect(),
        }
    }
}

/// A rule that some inputs cannot fully support.
#[derive(Serialize)]
struct JsonLimitation<'a> {
    rule: &'a str,
    inputs: &'a [String],
    reason: &'a str,
}

impl<'a> JsonReport<'a> {
    fn new(analysis: &'a Analysis) -> Self {
        JsonReport {
            schema_version: SCHEMA_VERSION,
            tool: Tool {
                name: env!("CARGO_PKG_NAME"),
                version: env!("CARGO_PKG_VERSION"),
            },
            inputs: analysis.inputs.iter().map(JsonInput::new).collect(),
            summary: JsonSummary::new(&analysis.summary),
            overview: analysis
                .overview
                .iter()
                .map(JsonEndpointStats::new)
                .collect(),
            findings: analysis
                .findings
                .iter()
                .map(|finding| JsonFinding::new(analysis, finding))
                .collect(),
            limitations: analysis
                .limitations
                .iter()
                .map(|limitation| JsonLimitation {
                    rule: limitation.rule,
                    inputs: &limitation.inputs,
                    reason: &limitation.reason,
                })
                .collect(),
            baseline: analysis.baseline.as_ref().map(JsonBaseline::new),
        }
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonInput<'a> {
    path: &'a str,
    format: Option<InputFormat>,
    records: u64,
    lines: u64,
    blank: u64,
    exchanges: u64,
    cache_hits: u64,
    not_access: u64,
    warnings: &'a [String],
    skipped_total: u64,
    skipped: Vec<JsonSkipped<'a>>,
    error: Option<&'a str>,
}

impl<'a> JsonInput<'a> {
    fn new(input: &'a InputSummary) -> Self {
        JsonInput {
            path: &input.path,
            format: input.format,
            records: input.records,
            lines: input.lines,
            blank: input.blank,
            exchanges: input.exchanges,
            cache_hits: input.cache_hits,
            not_access: input.not_access,
            warnings: &input.warnings,
            skipped_total: input.skipped_total,
            skipped: input
                .skipped
                .iter()
                .map(|skipped| JsonSkipped {
                    position: JsonPosition::from(skipped.position),
                    reason: &skipped.reason,
                })
                .collect(),
            error: input.error.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    #[serde(flatten)]
    position: JsonPosition,
    reason: &'a str,
}

/// A position inside an input, serialized as `"entry": N` or `"line": N`.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum JsonPosition {
    Entry(u64),
    Line(u64),
}

impl From<Position> for JsonPosition {
    fn from(position: Position) -> Self {
        match position {
            Position::Entry(index) => JsonPosition::Entry(index),
            Position::Line(line) => JsonPosition::Line(line),
        }
    }
}

#[derive(Serialize)]
struct JsonSummary {
    inputs: usize,
    inputs_failed: usize,
    exchanges: u64,
    api_calls: u64,
    static_assets: u64,
    cache_hits: u64,
    other_requests: u64,
    throttled: u64,
    clients: usize,
    hosts: usize,
    first_request: Option<Timestamp>,
    last_request: Option<Timestamp>,
    findings: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
}

impl JsonSummary {
    fn new(summary: &Summary) -> Self {
        JsonSummary {
            inputs: summary.inputs,
            inputs_failed: summary.inputs_failed,
            exchanges: summary.exchanges,
            api_calls: summary.api_calls,
            static_assets: summary.static_assets,
            cache_hits: summary.cache_hits,
            other_requests: summary.other_requests,
            throttled: summary.throttled,
            clients: summary.clients,
            hosts: summary.hosts,
            first_request: summary.first_request,
            last_request: summary.last_request,
            findings: summary.findings,
            errors: summary.errors,
            warnings: summary.warnings,
            infos: summary.infos,
        }
    }
}

#[derive(Serialize)]
struct JsonEndpoint<'a> {
    method: &'a str,
    template: &'a str,
}

impl<'a> JsonEndpoint<'a> {
    fn new(endpoint: &'a Endpoint) -> Self {
        JsonEndpoint {
            method: &endpoint.method,
            template: &endpoint.template,
        }
    }
}

#[derive(Serialize)]
struct JsonEndpointStats<'a> {
    host: &'a str,
    endpoint: JsonEndpoint<'a>,
    requests: u64,
    throttled: u64,
    peak_per_minute: u64,
    limit_seen: Option<u64>,
}

impl<'a> JsonEndpointStats<'a> {
    fn new(stats: &'a EndpointStats) -> Self {
        JsonEndpointStats {
            host: &stats.host,
            endpoint: JsonEndpoint::new(&stats.endpoint),
            requests: stats.requests,
            throttled: stats.throttled,
            peak_per_minute: stats.peak_per_minute,
            limit_seen: stats.limit_seen,
        }
    }
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: Severity,
    cause: u8,
    cause_title: &'a str,
    client: &'a str,
    host: &'a str,
    endpoint: Option<JsonEndpoint<'a>>,
    start: Timestamp,
    end: Timestamp,
    message: &'a str,
    fix: &'a str,
    confidence: Confidence,
    metrics: &'a BTreeMap<&'static str, serde_json::Value>,
    evidence: JsonEvidence<'a>,
}

impl<'a> JsonFinding<'a> {
    fn new(analysis: &'a Analysis, finding: &'a Finding) -> Self {
        // Rules already cap their evidence. The cap is applied again so that the
        // documented maximum applies to any evidence a rule builds.
        let locations: Vec<JsonLocation<'a>> = finding
            .evidence
            .sources
            .iter()
            .take(MAX_EVIDENCE)
            .map(|source| JsonLocation {
                file: input_path(analysis, source),
                position: JsonPosition::from(source.position),
            })
            .collect();
        JsonFinding {
            rule: finding.rule,
            severity: finding.severity,
            cause: finding.cause,
            cause_title: &finding.cause_title,
            client: &finding.client,
            host: &finding.host,
            endpoint: finding.endpoint.as_ref().map(JsonEndpoint::new),
            start: finding.start,
            end: finding.end,
            message: &finding.message,
            fix: &finding.fix,
            confidence: finding.confidence,
            metrics: &finding.metrics,
            evidence: JsonEvidence {
                more: finding.evidence.total() - locations.len(),
                locations,
            },
        }
    }
}

#[derive(Serialize)]
struct JsonEvidence<'a> {
    locations: Vec<JsonLocation<'a>>,
    more: usize,
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    file: &'a str,
    #[serde(flatten)]
    position: JsonPosition,
}
