//! Findings: what a rule reports.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::{Endpoint, Exchange, Source, Timestamp};

/// Seriousness of a finding, ordered from least to most severe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Severity::Info),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!(
                "invalid severity `{other}`: expected error, warning or info"
            )),
        }
    }
}

/// Certainty of a finding. Low confidence means a step had to be inferred,
/// for example a wait that the input did not record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    High,
    Low,
}

/// Maximum number of source locations listed as evidence; the rest are counted.
pub const MAX_EVIDENCE: usize = 20;

/// The requests behind a finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// The first [`MAX_EVIDENCE`] requests, in time order.
    pub sources: Vec<Source>,
    /// Number of involved requests not listed in `sources`.
    pub more: usize,
}

impl Evidence {
    /// Builds evidence from exchanges given in time order.
    pub fn from_exchanges<'a>(exchanges: impl IntoIterator<Item = &'a Exchange>) -> Self {
        let mut sources = Vec::new();
        let mut more = 0;
        for exchange in exchanges {
            if sources.len() < MAX_EVIDENCE {
                sources.push(exchange.source);
            } else {
                more += 1;
            }
        }
        Evidence { sources, more }
    }

    pub fn total(&self) -> usize {
        self.sources.len() + self.more
    }
}

/// One detected anti-pattern.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Kebab-case rule name, e.g. `retry-after-ignored`.
    pub rule: &'static str,
    pub severity: Severity,
    /// Number of the client habit behind the finding (1 to 7).
    pub cause: u8,
    pub cause_title: Arc<str>,
    pub client: Arc<str>,
    pub host: Arc<str>,
    /// The endpoint concerned, when the finding is about one.
    pub endpoint: Option<Endpoint>,
    pub start: Timestamp,
    pub end: Timestamp,
    /// One sentence with the measured numbers and the threshold they crossed.
    pub message: String,
    pub fix: Arc<str>,
    pub confidence: Confidence,
    /// The measured numbers behind `message`, by name, for machine consumers.
    pub metrics: BTreeMap<&'static str, serde_json::Value>,
    pub evidence: Evidence,
}

impl Finding {
    /// Orders findings for every report: most severe first, then by time, rule and
    /// place, so that output is deterministic.
    pub fn report_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
        b.severity
            .cmp(&a.severity)
            .then(a.start.cmp(&b.start))
            .then(a.rule.cmp(b.rule))
            .then(a.client.cmp(&b.client))
            .then(a.host.cmp(&b.host))
            .then(a.endpoint.cmp(&b.endpoint))
            .then(a.evidence.sources.cmp(&b.evidence.sources))
    }
}
