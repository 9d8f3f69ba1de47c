//! Findings: what a rule reports.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::hash::Fnv64;
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
    /// Fingerprint taken before redaction rewrote `client`, `host` or `endpoint`, so
    /// that redaction with a per-run key leaves [`Finding::fingerprint`] stable.
    #[serde(skip)]
    pub fixed_fingerprint: Option<Arc<str>>,
}

impl Finding {
    /// Returns the finding's fingerprint: 16 hex digits that identify the same problem
    /// across runs. It hashes the rule, host, client and endpoint but no time or count,
    /// so a new capture of the same client behaviour (a CI run recorded tomorrow) has
    /// the same fingerprint, which is what baselines and SARIF `partialFingerprints`
    /// need. Two findings of one rule on one endpoint of one client share it.
    pub fn fingerprint(&self) -> String {
        if let Some(fixed) = &self.fixed_fingerprint {
            return fixed.to_string();
        }
        let mut hasher = Fnv64::new();
        for part in [
            self.rule,
            &self.host,
            &self.client,
            self.endpoint.as_ref().map_or("", |e| &*e.method),
            self.endpoint.as_ref().map_or("", |e| &*e.template),
        ] {
            hasher.write(part.as_bytes());
            hasher.separate();
        }
        format!("{:016x}", hasher.finish())
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::testkit::exchange;
    use crate::rules::builtin_rules;

    fn finding_at(offset_ms: i64, path: &str) -> Finding {
        let rules = builtin_rules().expect("built-in rules load");
        let request = exchange("GET", path, offset_ms).build();
        let mut finding = rules[0].spec().finding(&[&request], "message".to_string());
        finding.endpoint = Some(request.endpoint());
        finding
    }

    #[test]
    fn fingerprint_ignores_time() {
        assert_eq!(
            finding_at(0, "/v1/items/1").fingerprint(),
            finding_at(3_600_000, "/v1/items/2").fingerprint()
        );
    }

    #[test]
    fn fingerprint_tells_endpoints_apart() {
        assert_ne!(
            finding_at(0, "/v1/items/1").fingerprint(),
            finding_at(0, "/v1/orders/1").fingerprint()
        );
        assert_eq!(finding_at(0, "/v1/items/1").fingerprint().len(), 16);
    }
}
