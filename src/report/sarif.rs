//! SARIF 2.1.0 report, for GitHub code scanning and other SARIF viewers.
//!
//! GitHub code scanning reads a subset of SARIF 2.1.0 and places an alert with the
//! result's `physicalLocation`: an `artifactLocation.uri` of a repository file and a
//! `region.startLine`. ratelint's findings are about traffic, not source code, so the
//! location is the capture or log that shows the first request of the finding: the line
//! of a log, or the line on which a HAR entry opens. The rest of the evidence becomes
//! `relatedLocations`. Results carry `partialFingerprints` from
//! [`Finding::fingerprint`], which code scanning uses to track an alert across runs.

use std::io;

use serde_json::{Map, Value, json};

use super::{ReportOptions, Reporter, input_path, position_label, source_line};
use crate::analyze::Analysis;
use crate::ingest::input::is_stdin;
use crate::model::{Position, Source};
use crate::rules::{Finding, RuleSpec, Severity};

/// The schema address that SARIF producers put in `$schema` (the copy hosted by
/// SchemaStore, which editors and validators resolve).
const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The `uriBaseId` of relative input paths: the conventional name of the checkout's
/// root, which marks the URI as relative to the checkout.
// NOTE: not yet checked with a real code scanning upload.
const SRCROOT: &str = "%SRCROOT%";

/// Maximum number of related locations per result. Evidence is capped at
/// [`crate::rules::finding::MAX_EVIDENCE`] already; the cap keeps results small in
/// viewers that list every related location.
const MAX_RELATED: usize = 10;

/// Renders an analysis as a SARIF 2.1.0 log with one run.
pub struct SarifReporter {
    pub options: ReportOptions,
}

impl Reporter for SarifReporter {
    fn write(&self, analysis: &Analysis, out: &mut dyn io::Write) -> io::Result<()> {
        let log = sarif_log(analysis, &self.options.rules);
        serde_json::to_writer_pretty(&mut *out, &log)?;
        writeln!(out)
    }
}

/// Builds the whole SARIF log.
pub fn sarif_log(analysis: &Analysis, rules: &[RuleSpec]) -> Value {
    let results: Vec<Value> = analysis
        .findings
        .iter()
        .map(|finding| result(analysis, rules, finding))
        .collect();
    let mut run = Map::new();
    run.insert(
        "tool".into(),
        json!({
            "driver": {
                "name": "ratelint",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules.iter().map(rule_descriptor).collect::<Vec<_>>(),
            }
        }),
    );
    run.insert("invocations".into(), json!([invocation(analysis)]));
    if has_relative_uri(analysis) {
        // Declared without a `uri`, because only the consumer has the checkout.
        run.insert(
            "originalUriBaseIds".into(),
            json!({ SRCROOT: { "description": { "text": "The directory ratelint ran in." } } }),
        );
    }
    run.insert("results".into(), Value::Array(results));
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [Value::Object(run)],
    })
}

/// Describes one rule for `tool.driver.rules`.
fn rule_descriptor(spec: &RuleSpec) -> Value {
    let help = format!("{}\n\nFix: {}", spec.docs.why.trim(), spec.fix);
    let help_markdown = format!("{}\n\n**Fix:** {}", spec.docs.why.trim(), spec.fix);
    let mut configuration = Map::new();
    configuration.insert("level".into(), json!(level(spec.severity)));
    if !spec.enabled {
        configuration.insert("enabled".into(), json!(false));
    }
    json!({
        "id": spec.name,
        "name": spec.name,
        "shortDescription": { "text": spec.title },
        "fullDescription": { "text": spec.docs.detects.trim() },
        "help": { "text": help, "markdown": help_markdown },
        "defaultConfiguration": configuration,
        "properties": {
            "cause": spec.cause,
            "causeTitle": &*spec.cause_title,
            "tags": ["rate-limit", format!("cause-{}", spec.cause)],
        },
    })
}

/// Maps a severity to a SARIF level. SARIF has no `info` level: `note` is its lowest
/// level that still reports a problem.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Builds the result of one finding.
fn result(analysis: &Analysis, rules: &[RuleSpec], finding: &Finding) -> Value {
    let mut result = Map::new();
    result.insert("ruleId".into(), json!(finding.rule));
    if let Some(index) = rules.iter().position(|spec| spec.name == finding.rule) {
        result.insert("ruleIndex".into(), json!(index));
    }
    result.insert("level".into(), json!(level(finding.severity)));
    result.insert("message".into(), json!({ "text": message(finding) }));

    let mut sources = finding.evidence.sources.iter();
    if let Some(first) = sources.next() {
        result.insert("locations".into(), json!([location(analysis, first)]));
    }
    let related: Vec<Value> = sources
        .take(MAX_RELATED)
        .enumerate()
        .map(|(index, source)| {
            let mut related = location(analysis, source);
            if let Value::Object(map) = &mut related {
                // Ids only have to be unique within the result; 0 is left for the
                // primary location.
                map.insert("id".into(), json!(index + 1));
            }
            related
        })
        .collect();
    if !related.is_empty() {
        result.insert("relatedLocations".into(), Value::Array(related));
    }

    result.insert(
        "partialFingerprints".into(),
        json!({ "ratelint/v1": finding.fingerprint() }),
    );
    result.insert("properties".into(), properties(finding));
    Value::Object(result)
}

/// Returns the result message: the finding's message, then where it happened.
fn message(finding: &Finding) -> String {
    let target = match &finding.endpoint {
        Some(endpoint) => format!(
            "{} {} on {}",
            endpoint.method, endpoint.template, finding.host
        ),
        None => finding.host.to_string(),
    };
    format!(
        "{} ({}; client {}; {} request(s) involved)",
        finding.message.trim_end(),
        target,
        finding.client,
        finding.evidence.total()
    )
}

/// Builds a location for one request: the file and line, and the entry index of a HAR
/// entry as a logical location. Standard input has no file to point at, so it only
/// gets the logical location.
fn location(analysis: &Analysis, source: &Source) -> Value {
    let path = input_path(analysis, source);
    let mut location = Map::new();
    if !is_stdin(std::path::Path::new(path)) && path != "?" {
        let mut physical = Map::new();
        physical.insert("artifactLocation".into(), artifact_location(path));
        if let Some(line) = source_line(analysis, source) {
            physical.insert("region".into(), json!({ "startLine": line }));
        }
        location.insert("physicalLocation".into(), Value::Object(physical));
    }
    if let Position::Entry(index) = source.position {
        location.insert(
            "logicalLocations".into(),
            json!([{
                "name": position_label(source.position),
                "fullyQualifiedName": format!("log.entries[{index}]"),
                "kind": "element",
            }]),
        );
    }
    location.insert(
        "message".into(),
        json!({ "text": analysis.source_label(source) }),
    );
    Value::Object(location)
}

/// Builds the `artifactLocation` of an input path: a relative URI reference with
/// `uriBaseId` for a relative path, a `file://` URI for an absolute one.
fn artifact_location(path: &str) -> Value {
    let slashed = path.replace('\\', "/");
    if is_absolute(&slashed) {
        let prefix = if slashed.starts_with('/') {
            "file://"
        } else {
            "file:///"
        };
        json!({ "uri": format!("{prefix}{}", encode_uri_path(&slashed)) })
    } else {
        let relative = slashed.strip_prefix("./").unwrap_or(&slashed);
        json!({ "uri": encode_uri_path(relative), "uriBaseId": SRCROOT })
    }
}

/// Tells whether a path with forward slashes is absolute: `/x` or a Windows drive
/// such as `C:/x`.
fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with('/')
        || (bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && &bytes[1..3] == b":/")
}

/// Percent-encodes the bytes of a path that may not appear in a URI path (RFC 3986,
/// section 3.3), keeping `/` as the separator and `:` for drive letters.
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b':'
                    | b'@'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
            );
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Tells whether any location of the log uses the `%SRCROOT%` base.
fn has_relative_uri(analysis: &Analysis) -> bool {
    analysis.inputs.iter().any(|input| {
        let path = input.path.replace('\\', "/");
        !is_stdin(std::path::Path::new(&input.path)) && !is_absolute(&path)
    })
}

/// Builds the finding's details that SARIF has no field for.
fn properties(finding: &Finding) -> Value {
    let mut properties = Map::new();
    properties.insert("cause".into(), json!(finding.cause));
    properties.insert("causeTitle".into(), json!(&*finding.cause_title));
    properties.insert("client".into(), json!(&*finding.client));
    properties.insert("host".into(), json!(&*finding.host));
    if let Some(endpoint) = &finding.endpoint {
        properties.insert("method".into(), json!(&*endpoint.method));
        properties.insert("endpoint".into(), json!(&*endpoint.template));
    }
    properties.insert("start".into(), json!(finding.start));
    properties.insert("end".into(), json!(finding.end));
    properties.insert("confidence".into(), json!(finding.confidence));
    properties.insert("requests".into(), json!(finding.evidence.total()));
    properties.insert("metrics".into(), json!(finding.metrics));
    properties.insert("fix".into(), json!(&*finding.fix));
    Value::Object(properties)
}

/// Describes the run: it failed when an input could not be read, and each unreadable
/// input or skipped record count becomes a notification.
fn invocation(analysis: &Analysis) -> Value {
    let mut notifications = Vec::new();
    for input in &analysis.inputs {
        let artifact = (!is_stdin(std::path::Path::new(&input.path)))
            .then(|| json!([{ "physicalLocation": { "artifactLocation": artifact_location(&input.path) } }]));
        let (level, text) = if let Some(error) = &input.error {
            ("error", error.clone())
        } else if input.skipped_total > 0 {
            let first = input
                .skipped
                .first()
                .map(|skipped| {
                    format!(
                        " (first: {}, {})",
                        position_label(skipped.position),
                        skipped.reason
                    )
                })
                .unwrap_or_default();
            (
                "warning",
                format!(
                    "{}: {} records skipped{first}",
                    input.path, input.skipped_total
                ),
            )
        } else {
            continue;
        };
        let mut notification = Map::new();
        notification.insert("level".into(), json!(level));
        notification.insert("message".into(), json!({ "text": text }));
        if let Some(locations) = artifact {
            notification.insert("locations".into(), locations);
        }
        notifications.push(Value::Object(notification));
    }
    let mut invocation = Map::new();
    invocation.insert(
        "executionSuccessful".into(),
        json!(analysis.summary.inputs_failed == 0),
    );
    if !notifications.is_empty() {
        invocation.insert(
            "toolExecutionNotifications".into(),
            Value::Array(notifications),
        );
    }
    Value::Object(invocation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_path_gets_srcroot() {
        let location = artifact_location("./captures/a b.har");
        assert_eq!(location["uri"], "captures/a%20b.har");
        assert_eq!(location["uriBaseId"], SRCROOT);
    }

    #[test]
    fn absolute_path_becomes_file_uri() {
        let location = artifact_location("/tmp/x#1.har");
        assert_eq!(location["uri"], "file:///tmp/x%231.har");
        assert!(location.get("uriBaseId").is_none());
    }

    #[test]
    fn windows_path_becomes_file_uri() {
        let location = artifact_location("C:\\ci\\a.har");
        assert_eq!(location["uri"], "file:///C:/ci/a.har");
    }

    #[test]
    fn info_maps_to_note() {
        assert_eq!(level(Severity::Info), "note");
        assert_eq!(level(Severity::Warning), "warning");
        assert_eq!(level(Severity::Error), "error");
    }
}
