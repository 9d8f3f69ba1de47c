//! GitLab Code Quality report: the JSON array of issues that a job publishes with
//! `artifacts: reports: codequality`, shown in the merge request widget.
//!
//! GitLab reads a subset of the Code Climate issue format: `description`,
//! `check_name`, `fingerprint`, `severity` and `location.path` with
//! `location.lines.begin`. It treats issues with the same fingerprint as one issue, so
//! a fingerprint must be unique within a report. [`Finding::fingerprint`] is shared
//! by findings of one rule on one endpoint of one client, so the second and later
//! findings with the same fingerprint get `-2`, `-3`, ... appended; the first keeps
//! the plain fingerprint, which baselines and SARIF use too.

use std::collections::HashMap;
use std::io;

use serde_json::{Value, json};

use super::{Reporter, input_path, source_line};
use crate::analyze::Analysis;
use crate::rules::{Finding, Severity};

/// Renders an analysis as a GitLab Code Quality report.
pub struct GitlabReporter;

impl Reporter for GitlabReporter {
    fn write(&self, analysis: &Analysis, out: &mut dyn io::Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &issues(analysis))?;
        writeln!(out)
    }
}

/// Maps a severity onto GitLab's scale (info, minor, major, critical, blocker). An
/// error-level finding is a pattern that gets the client throttled, not a broken
/// build, so it maps to `major` and leaves `critical` and `blocker` unused. The
/// Markdown linter rumdl maps its errors to `major` too.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

/// Builds the array of issues, one per finding, in report order.
fn issues(analysis: &Analysis) -> Value {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let issues: Vec<Value> = analysis
        .findings
        .iter()
        .map(|finding| {
            let fingerprint = finding.fingerprint();
            let occurrence = seen.entry(fingerprint.clone()).or_insert(0);
            *occurrence += 1;
            let fingerprint = if *occurrence == 1 {
                fingerprint
            } else {
                format!("{fingerprint}-{occurrence}")
            };
            issue(analysis, finding, fingerprint)
        })
        .collect();
    Value::Array(issues)
}

/// Builds the issue of one finding, placed on the first request of its evidence. A
/// finding without a known line points at line 1, because GitLab requires
/// `location.lines.begin`.
fn issue(analysis: &Analysis, finding: &Finding, fingerprint: String) -> Value {
    let first = finding.evidence.sources.first();
    let path = first.map_or("?", |source| input_path(analysis, source));
    let line = first
        .and_then(|source| source_line(analysis, source))
        .unwrap_or(1);
    let target = match &finding.endpoint {
        Some(endpoint) => format!(
            "{} {} on {}",
            endpoint.method, endpoint.template, finding.host
        ),
        None => finding.host.to_string(),
    };
    json!({
        "description": format!("{} ({}; client {})", finding.message, target, finding.client),
        "check_name": finding.rule,
        "fingerprint": fingerprint,
        "severity": severity(finding.severity),
        "location": {
            "path": path.strip_prefix("./").unwrap_or(path),
            "lines": { "begin": line },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_maps_to_major() {
        assert_eq!(severity(Severity::Error), "major");
        assert_eq!(severity(Severity::Warning), "minor");
        assert_eq!(severity(Severity::Info), "info");
    }
}
