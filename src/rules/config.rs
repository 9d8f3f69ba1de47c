//! Rule definitions loaded from `rules/*.toml`.
//!
//! Each rule file contains the rule's metadata, severity, fix text, documentation and a
//! `[thresholds]` table whose shape the rule itself defines. Unknown keys are rejected,
//! and every error names the file, line and column.

use std::sync::Arc;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::finding::{Confidence, Evidence, Finding, Severity};
use crate::model::Exchange;

/// Documentation sections of a rule, shown by `ratelint explain`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDocs {
    /// Description of what the rule detects and how it measures it.
    pub detects: String,
    /// Reason the pattern gets a client throttled.
    pub why: String,
    /// Traffic that can trigger the rule although nothing is wrong.
    pub false_positives: String,
    /// A short example of traffic that fires the rule.
    pub example: String,
}

/// The parts of a rule definition that every rule shares.
#[derive(Clone, Debug)]
pub struct RuleSpec {
    pub name: &'static str,
    pub title: String,
    pub cause: u8,
    pub cause_title: Arc<str>,
    pub severity: Severity,
    pub enabled: bool,
    pub fix: Arc<str>,
    pub docs: RuleDocs,
    /// The `[thresholds]` table as written, for `ratelint explain`.
    pub thresholds_toml: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile<T> {
    name: String,
    title: String,
    cause: u8,
    cause_title: String,
    severity: Severity,
    #[serde(default = "enabled_by_default")]
    enabled: bool,
    fix: String,
    thresholds: T,
    docs: RuleDocs,
}

fn enabled_by_default() -> bool {
    true
}

/// A rule file that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct RuleConfigError {
    pub file: String,
    pub message: String,
}

/// Parses a rule file. `file` names it in errors; `expected_name` must match its
/// `name` key.
pub fn parse_rule_file<T: DeserializeOwned>(
    file: &str,
    text: &str,
    expected_name: &'static str,
) -> Result<(RuleSpec, T), RuleConfigError> {
    let error = |message: String| RuleConfigError {
        file: file.to_string(),
        message,
    };
    // The toml crate's message already carries "line L, column C" and the offending
    // line, so it is passed on whole.
    let parsed: RuleFile<T> = toml::from_str(text).map_err(|e| error(e.to_string()))?;
    if parsed.name != expected_name {
        return Err(error(format!(
            "rule name `{}` does not match the expected `{expected_name}`",
            parsed.name
        )));
    }
    if !(1..=7).contains(&parsed.cause) {
        return Err(error(format!(
            "invalid cause {}: expected a number from 1 to 7",
            parsed.cause
        )));
    }
    let thresholds_toml = thresholds_section(text);
    let spec = RuleSpec {
        name: expected_name,
        title: parsed.title,
        cause: parsed.cause,
        cause_title: parsed.cause_title.into(),
        severity: parsed.severity,
        enabled: parsed.enabled,
        fix: parsed.fix.trim().to_string().into(),
        docs: parsed.docs,
        thresholds_toml,
    };
    Ok((spec, parsed.thresholds))
}

/// Returns the `[thresholds]` table of a rule file as written, comments included.
fn thresholds_section(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            inside = trimmed.starts_with("[thresholds]");
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.trim_end().to_string()
}

impl RuleSpec {
    /// Starts a finding for this rule from the exchanges behind it (in time order).
    /// The caller sets `endpoint`, `message` and `metrics`.
    ///
    /// # Panics
    /// Never: an empty slice gives a finding with default times and no evidence.
    pub fn finding(&self, involved: &[&Exchange], message: String) -> Finding {
        let first = involved.first();
        let start = involved.iter().map(|e| e.start).min().unwrap_or_default();
        let end = involved.iter().map(|e| e.end()).max().unwrap_or_default();
        Finding {
            rule: self.name,
            severity: self.severity,
            cause: self.cause,
            cause_title: self.cause_title.clone(),
            client: first.map(|e| e.client.clone()).unwrap_or_else(|| "".into()),
            host: first.map(|e| e.host.clone()).unwrap_or_else(|| "".into()),
            endpoint: None,
            start,
            end,
            message,
            fix: self.fix.clone(),
            confidence: Confidence::High,
            metrics: Default::default(),
            evidence: Evidence::from_exchanges(involved.iter().copied()),
        }
    }
}
