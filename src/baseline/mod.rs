//! Baselines: findings a team has accepted, which `analyze --baseline FILE` leaves out.
//!
//! A baseline lets a build fail only on new anti-patterns. It lists finding
//! fingerprints ([`Finding::fingerprint`]), which leave out times and counts, so an
//! entry keeps matching when the same client behaviour is captured again tomorrow. An
//! entry with an `expires` date is an acknowledgement: after that day (UTC) it stops
//! suppressing, so accepted debt comes back instead of hiding forever. Entries that
//! match nothing are reported as stale, so the file shrinks as problems are fixed.
//! The file format is TOML, read and written in [`file`].

pub mod file;

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::analyze::Analysis;
use crate::rules::{Finding, Severity};

pub use file::{BaselineError, render};

/// File that `ratelint baseline` writes when no `--output` is given.
pub const DEFAULT_FILE: &str = "ratelint-baseline.toml";

/// Maximum number of stale or expired entries printed to standard error; the reports
/// list all of them.
const MAX_WARNINGS: usize = 20;

/// A baseline file as read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Baseline {
    /// The path as given, for messages.
    pub path: String,
    /// Entries in file order, with unique fingerprints.
    pub entries: Vec<Entry>,
}

/// One accepted finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// 16 lowercase hex digits, as [`Finding::fingerprint`] returns.
    pub fingerprint: String,
    /// The rule, host, endpoint, client and message of the finding when the entry was
    /// written. They are for people reading the file and are never matched.
    pub rule: String,
    pub host: String,
    pub endpoint: String,
    pub client: String,
    pub message: String,
    /// Reason the finding is accepted, empty when none was given.
    pub reason: String,
    /// Last day (UTC) on which the entry suppresses its findings.
    pub expires: Option<NaiveDate>,
    /// Line of the entry's `fingerprint` key in the file, counted from 1.
    pub line: usize,
}

impl Entry {
    /// Tells whether the entry has stopped suppressing: only after its `expires` day.
    pub fn is_expired(&self, today: NaiveDate) -> bool {
        self.expires.is_some_and(|expires| today > expires)
    }

    /// Describes the entry on one line: `0123456789abcdef tight-polling GET /v1/x on
    /// api.example.com, client app.har`.
    pub fn describe(&self) -> String {
        let mut text = format!("{} {}", self.fingerprint, self.rule);
        if !self.endpoint.is_empty() {
            text.push(' ');
            text.push_str(&self.endpoint);
        }
        if !self.host.is_empty() {
            text.push_str(" on ");
            text.push_str(&self.host);
        }
        if !self.client.is_empty() {
            text.push_str(", client ");
            text.push_str(&self.client);
        }
        text
    }
}

/// A finding left out of the report because a baseline entry matched it.
#[derive(Clone, Debug)]
pub struct Suppressed {
    pub finding: Finding,
    /// The matching entry's reason; empty when it has none.
    pub reason: String,
}

/// An acknowledgement past its `expires` day.
#[derive(Clone, Debug)]
pub struct Expired {
    pub entry: Entry,
    /// Findings of this run that the entry would have suppressed, which are reported.
    pub findings: usize,
}

/// Result of applying a baseline to a run.
#[derive(Clone, Debug)]
pub struct BaselineOutcome {
    /// The baseline file as given.
    pub path: String,
    /// Findings left out of the report, in report order.
    pub suppressed: Vec<Suppressed>,
    /// Unexpired entries that matched no finding of this run, in file order.
    pub stale: Vec<Entry>,
    /// Entries past their `expires` day, in file order, whether or not they matched.
    pub expired: Vec<Expired>,
}

impl BaselineOutcome {
    /// Returns `2 findings suppressed by the baseline ratelint-baseline.toml.`
    pub fn suppressed_line(&self) -> String {
        format!(
            "{} suppressed by the baseline {}.",
            crate::report::count_noun(self.suppressed.len() as u64, "finding", "findings"),
            crate::report::one_line(&self.path)
        )
    }

    /// Returns one line per stale entry, for people and for standard error.
    pub fn stale_lines(&self) -> Vec<String> {
        self.stale
            .iter()
            .map(|entry| {
                format!(
                    "{} line {}: {} matched no finding; remove the entry",
                    crate::report::one_line(&self.path),
                    entry.line,
                    crate::report::one_line(&entry.describe())
                )
            })
            .collect()
    }

    /// Returns one line per expired acknowledgement, for people and for standard error.
    pub fn expired_lines(&self) -> Vec<String> {
        self.expired
            .iter()
            .map(|expired| {
                let expires = expired
                    .entry
                    .expires
                    .map(|date| date.to_string())
                    .unwrap_or_default();
                format!(
                    "{} line {}: {} expired on {expires}; {} reported again",
                    crate::report::one_line(&self.path),
                    expired.entry.line,
                    crate::report::one_line(&expired.entry.describe()),
                    crate::report::count_noun(expired.findings as u64, "finding", "findings"),
                )
            })
            .collect()
    }

    /// Returns the warnings for standard error: every expired and stale entry, up to
    /// [`MAX_WARNINGS`], then a count of the rest.
    pub fn warning_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .expired_lines()
            .into_iter()
            .map(|line| format!("acknowledgement expired: {line}"))
            .chain(
                self.stale_lines()
                    .into_iter()
                    .map(|line| format!("stale baseline entry: {line}")),
            )
            .collect();
        if lines.len() > MAX_WARNINGS {
            let rest = lines.len() - MAX_WARNINGS;
            lines.truncate(MAX_WARNINGS);
            lines.push(format!(
                "{rest} more expired or stale baseline entries; the report lists all"
            ));
        }
        lines
    }
}

/// Removes the findings that the baseline accepts from the analysis, recounts the
/// summary's findings and records what was removed, what expired and which entries
/// are stale in [`Analysis::baseline`]. `today` is the current UTC date; it is a
/// parameter so that expiry can be tested without the clock.
///
/// Entries are matched by fingerprint, so one entry accepts every finding with that
/// fingerprint (one rule on one endpoint of one client).
pub fn apply(analysis: &mut Analysis, baseline: &Baseline, today: NaiveDate) {
    let index: HashMap<&str, usize> = baseline
        .entries
        .iter()
        .enumerate()
        .map(|(position, entry)| (entry.fingerprint.as_str(), position))
        .collect();
    let mut matches = vec![0usize; baseline.entries.len()];
    let mut suppressed = Vec::new();
    let mut kept = Vec::with_capacity(analysis.findings.len());

    for finding in std::mem::take(&mut analysis.findings) {
        let Some(&position) = index.get(finding.fingerprint().as_str()) else {
            kept.push(finding);
            continue;
        };
        matches[position] += 1;
        let entry = &baseline.entries[position];
        if entry.is_expired(today) {
            kept.push(finding);
        } else {
            suppressed.push(Suppressed {
                finding,
                reason: entry.reason.clone(),
            });
        }
    }

    let mut stale = Vec::new();
    let mut expired = Vec::new();
    for (entry, findings) in baseline.entries.iter().zip(matches) {
        if entry.is_expired(today) {
            expired.push(Expired {
                entry: entry.clone(),
                findings,
            });
        } else if findings == 0 {
            stale.push(entry.clone());
        }
    }

    analysis.findings = kept;
    recount(analysis);
    analysis.baseline = Some(BaselineOutcome {
        path: baseline.path.clone(),
        suppressed,
        stale,
        expired,
    });
}

/// Sets the summary's finding counts from the findings left after filtering, so that
/// every report agrees with the findings it lists.
fn recount(analysis: &mut Analysis) {
    let count = |severity| {
        analysis
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    };
    let (errors, warnings, infos) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let summary = &mut analysis.summary;
    summary.findings = analysis.findings.len();
    summary.errors = errors;
    summary.warnings = warnings;
    summary.infos = infos;
}

/// Returns today's date in UTC from the system clock.
pub fn today_utc() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

#[cfg(test)]
mod tests;
