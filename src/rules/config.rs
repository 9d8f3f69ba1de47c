//! Rule definitions loaded from `rules/*.toml`.
//!
//! Each rule file contains the rule's metadata, severity, fix text, documentation and a
//! `[thresholds]` table whose shape the rule itself defines. Unknown keys are rejected,
//! and every error names the file, line and column.
//!
//! A [`RuleOverride`] from the user's configuration is merged into the embedded
//! definition as TOML before it is deserialized, so that every rule's thresholds can be
//! overridden without code per rule, and the rule's own validation applies to them.

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

/// User settings that replace parts of a rule's embedded definition.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleOverride {
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
    /// Threshold keys and values that replace those of the `[thresholds]` table.
    pub thresholds: toml::Table,
}

impl RuleOverride {
    /// Returns whether the override changes nothing.
    pub fn is_empty(&self) -> bool {
        self.enabled.is_none() && self.severity.is_none() && self.thresholds.is_empty()
    }
}

/// Parses a rule file. `file` names it in errors; `expected_name` must match its
/// `name` key.
pub fn parse_rule_file<T: DeserializeOwned>(
    file: &str,
    text: &str,
    expected_name: &'static str,
) -> Result<(RuleSpec, T), RuleConfigError> {
    parse_rule_file_with(file, text, expected_name, &RuleOverride::default())
}

/// Parses a rule file and applies `overrides` to it.
///
/// A threshold key that the file does not define, or a value of the wrong type, is an
/// error whose message starts with `unknown thresholds.KEY` or `invalid thresholds.KEY`,
/// so that callers can point at the user's key.
pub fn parse_rule_file_with<T: DeserializeOwned>(
    file: &str,
    text: &str,
    expected_name: &'static str,
    overrides: &RuleOverride,
) -> Result<(RuleSpec, T), RuleConfigError> {
    let error = |message: String| RuleConfigError {
        file: file.to_string(),
        message,
    };
    // The toml crate's message already carries "line L, column C" and the offending
    // line, so it is passed on whole.
    let parsed: RuleFile<T> = if overrides.is_empty() {
        toml::from_str(text).map_err(|e| error(e.to_string()))?
    } else {
        let defaults: toml::Table = toml::from_str(text).map_err(|e| error(e.to_string()))?;
        let mut table = defaults.clone();
        merge_override(&mut table, overrides).map_err(error)?;
        match toml::Value::Table(table).try_into() {
            Ok(parsed) => parsed,
            Err(e) => return Err(error(blame_threshold::<T>(&defaults, overrides, e))),
        }
    };
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

/// Merges `overrides` into the parsed rule file `table`. A threshold key that the file
/// does not define, or a value whose type differs from the default's, is an error that
/// names the key.
fn merge_override(table: &mut toml::Table, overrides: &RuleOverride) -> Result<(), String> {
    if let Some(enabled) = overrides.enabled {
        table.insert("enabled".into(), toml::Value::Boolean(enabled));
    }
    if let Some(severity) = overrides.severity {
        table.insert("severity".into(), severity.as_str().into());
    }
    let Some(toml::Value::Table(defaults)) = table.get_mut("thresholds") else {
        return Err("the rule file has no [thresholds] table".into());
    };
    for (key, value) in &overrides.thresholds {
        let Some(default) = defaults.get(key) else {
            let known: Vec<&str> = defaults.keys().map(String::as_str).collect();
            return Err(format!(
                "unknown thresholds.{key}: expected one of {}",
                known.join(", ")
            ));
        };
        if !same_type(default, value) {
            return Err(format!(
                "invalid thresholds.{key}: expected {}, got {}",
                type_name(default),
                type_name(value)
            ));
        }
    }
    for (key, value) in &overrides.thresholds {
        defaults.insert(key.clone(), value.clone());
    }
    Ok(())
}

/// Names the overridden threshold behind a deserialization error, found by applying
/// each override alone, because the error of a value deserializer carries no key.
fn blame_threshold<T: DeserializeOwned>(
    defaults: &toml::Table,
    overrides: &RuleOverride,
    error: toml::de::Error,
) -> String {
    for (key, value) in &overrides.thresholds {
        let mut table = defaults.clone();
        if let Some(toml::Value::Table(thresholds)) = table.get_mut("thresholds") {
            thresholds.insert(key.clone(), value.clone());
        }
        if let Err(e) = toml::Value::Table(table).try_into::<RuleFile<T>>() {
            return format!("invalid thresholds.{key}: {}", e.message());
        }
    }
    error.message().to_string()
}

/// Returns whether an override value can replace a default of the rule file. An
/// integer may replace a float, as `0` and `1` are natural ways to write fractions.
fn same_type(default: &toml::Value, value: &toml::Value) -> bool {
    use toml::Value;
    match (default, value) {
        (Value::Float(_), Value::Integer(_)) => true,
        (Value::Array(_), Value::Array(_)) => true,
        _ => std::mem::discriminant(default) == std::mem::discriminant(value),
    }
}

fn type_name(value: &toml::Value) -> &'static str {
    use toml::Value;
    match value {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "true or false",
        Value::Datetime(_) => "a date-time",
        Value::Array(_) => "an array",
        Value::Table(_) => "a table",
    }
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
            fixed_fingerprint: None,
        }
    }
}
