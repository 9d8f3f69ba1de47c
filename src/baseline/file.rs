//! The baseline file: TOML with one `[[finding]]` table per accepted fingerprint.
//!
//! People edit this file by hand (to add a `reason` or an `expires` date) and review
//! it in pull requests. So every mistake is an error that names the file, line and
//! column, and nothing is silently ignored. Unknown keys, bad dates, malformed or
//! duplicate fingerprints all fail. Values are checked after parsing, at their
//! [`toml::Spanned`] positions, so that the messages are ratelint's own.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;
use toml::Spanned;

use super::{Baseline, Entry};
use crate::rules::Finding;

/// Version of the file format that this ratelint reads and writes.
pub const FORMAT_VERSION: i64 = 1;

/// Error from reading or checking a baseline file.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read the baseline {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid baseline {path}:{line}:{column}: {message}")]
    Invalid {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    version: Option<Spanned<i64>>,
    #[serde(default, rename = "finding")]
    findings: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    fingerprint: Spanned<String>,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    host: String,
    #[serde(default)]
    endpoint: String,
    #[serde(default)]
    client: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    reason: String,
    expires: Option<Spanned<toml::Value>>,
}

impl Baseline {
    /// Reads and checks a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let display = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Io {
            path: display.clone(),
            source,
        })?;
        Baseline::parse(&text, &display)
    }

    /// Parses and checks the text of a baseline file; `path` names it in errors.
    pub fn parse(text: &str, path: &str) -> Result<Baseline, BaselineError> {
        let invalid = |span: Option<Range<usize>>, message: String| {
            let (line, column) = line_column(text, span.map_or(0, |s| s.start));
            BaselineError::Invalid {
                path: path.to_string(),
                line,
                column,
                message,
            }
        };
        let raw: RawFile =
            toml::from_str(text).map_err(|e| invalid(e.span(), e.message().trim().to_string()))?;

        if let Some(version) = &raw.version
            && *version.get_ref() != FORMAT_VERSION
        {
            return Err(invalid(
                Some(version.span()),
                format!(
                    "unsupported baseline version {}; this ratelint reads version \
                     {FORMAT_VERSION}",
                    version.get_ref()
                ),
            ));
        }

        let mut entries = Vec::with_capacity(raw.findings.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for raw_entry in raw.findings {
            let span = raw_entry.fingerprint.span();
            let fingerprint = raw_entry.fingerprint.get_ref().to_ascii_lowercase();
            if fingerprint.len() != 16 || !fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(invalid(
                    Some(span),
                    format!(
                        "invalid fingerprint `{}`: expected 16 hex digits as \
                         `ratelint baseline` writes them",
                        raw_entry.fingerprint.get_ref()
                    ),
                ));
            }
            let (line, _) = line_column(text, span.start);
            if let Some(first) = seen.insert(fingerprint.clone(), line) {
                return Err(invalid(
                    Some(span),
                    format!(
                        "duplicate fingerprint {fingerprint}, first given on line {first}; \
                         keep one entry"
                    ),
                ));
            }
            let expires = match &raw_entry.expires {
                Some(value) => parse_expires(value.get_ref())
                    .map_err(|message| invalid(Some(value.span()), message))?,
                None => None,
            };
            entries.push(Entry {
                fingerprint,
                rule: raw_entry.rule,
                host: raw_entry.host,
                endpoint: raw_entry.endpoint,
                client: raw_entry.client,
                message: raw_entry.message,
                reason: raw_entry.reason,
                expires,
                line,
            });
        }
        Ok(Baseline {
            path: path.to_string(),
            entries,
        })
    }
}

/// Reads an `expires` value: a `YYYY-MM-DD` string, a TOML local date, or an empty
/// string for no expiry.
fn parse_expires(value: &toml::Value) -> Result<Option<NaiveDate>, String> {
    let expected = "expected a date such as \"2027-01-31\", or \"\" for no expiry";
    match value {
        toml::Value::String(text) if text.trim().is_empty() => Ok(None),
        toml::Value::String(text) => NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("invalid date \"{text}\" in `expires`: {expected}")),
        toml::Value::Datetime(datetime) if datetime.time.is_none() => {
            let invalid = || format!("invalid date {datetime} in `expires`: {expected}");
            let date = datetime.date.ok_or_else(invalid)?;
            NaiveDate::from_ymd_opt(
                i32::from(date.year),
                u32::from(date.month),
                u32::from(date.day),
            )
            .map(Some)
            .ok_or_else(invalid)
        }
        other => Err(format!(
            "invalid `expires` value {other}: {expected} (a date without a time)"
        )),
    }
}

/// Converts a byte offset into a line and a column, both counted from 1; the column
/// counts characters.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// Writes a baseline that accepts every given finding, one entry per fingerprint,
/// sorted by rule, host, endpoint and client so that a regenerated file diffs well.
/// An entry keeps the `reason` and `expires` of the entry in `previous` with the same
/// fingerprint, so that regenerating a baseline does not drop acknowledgements. Other
/// entries get them empty.
pub fn render(findings: &[Finding], previous: Option<&Baseline>) -> String {
    let mut by_fingerprint: BTreeMap<String, &Finding> = BTreeMap::new();
    for finding in findings {
        by_fingerprint
            .entry(finding.fingerprint())
            .or_insert(finding);
    }
    let mut entries: Vec<(String, &Finding)> = by_fingerprint.into_iter().collect();
    entries.sort_by(|(a_print, a), (b_print, b)| {
        a.rule
            .cmp(b.rule)
            .then(a.host.cmp(&b.host))
            .then(a.endpoint.cmp(&b.endpoint))
            .then(a.client.cmp(&b.client))
            .then(a_print.cmp(b_print))
    });

    let mut text = String::new();
    text.push_str(
        "# ratelint baseline: findings that `ratelint analyze --baseline FILE` leaves out.\n\
         # Entries match by fingerprint; the other keys are for people. Give an entry a\n\
         # `reason` and an `expires` date (YYYY-MM-DD, UTC) to make it an acknowledgement\n\
         # that stops suppressing after that day. Remove entries reported as stale.\n",
    );
    let _ = writeln!(text, "version = {FORMAT_VERSION}");
    for (fingerprint, finding) in entries {
        let kept = previous.and_then(|baseline| {
            baseline
                .entries
                .iter()
                .find(|entry| entry.fingerprint == fingerprint)
        });
        let reason = kept.map_or("", |entry| entry.reason.as_str());
        let expires = kept
            .and_then(|entry| entry.expires)
            .map(|date| date.to_string())
            .unwrap_or_default();

        text.push_str("\n[[finding]]\n");
        let mut key = |name: &str, value: &str| {
            let _ = writeln!(text, "{name} = {}", quote(value));
        };
        key("fingerprint", &fingerprint);
        key("rule", finding.rule);
        key("host", &finding.host);
        if let Some(endpoint) = &finding.endpoint {
            key("endpoint", &endpoint.to_string());
        }
        key("client", &finding.client);
        key("message", &finding.message);
        key("reason", reason);
        key("expires", &expires);
    }
    text
}

/// Quotes a value as a TOML basic string, escaping what TOML requires.
fn quote(value: &str) -> String {
    toml::Value::String(value.to_string()).to_string()
}
