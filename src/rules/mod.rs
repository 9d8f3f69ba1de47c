//! Rules: each module detects one client anti-pattern in normalised exchanges.
//!
//! A rule never parses input and never formats output: it reads [`Exchange`]s through a
//! [`Context`] and returns [`Finding`]s. Thresholds, severities, fix texts and docs come
//! from `rules/<name>.toml`, embedded in the binary at build time, and the user's
//! configuration may override them per rule ([`RuleOverride`]).

pub mod capability;
pub mod config;
pub mod finding;
pub mod profiles;
pub mod stats;
pub mod window;

pub mod bulk_operation_flood;
pub mod concurrency_burst;
pub mod endpoint_hotspot;
pub mod n_plus_one;
pub mod remaining_quota_ignored;
pub mod retry_after_ignored;
pub mod retry_without_backoff;
pub mod tight_polling;

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;

pub use capability::{Capability, Limitation, Need, Needs, Requirement};
pub use config::{RuleConfigError, RuleOverride, RuleSpec};
pub use finding::{Confidence, Evidence, Finding, Severity};
pub use profiles::Profiles;

use crate::model::Exchange;

/// A detector for one anti-pattern.
pub trait Rule: Send + Sync {
    fn spec(&self) -> &RuleSpec;

    /// Returns the findings of this rule over the whole run.
    fn check(&self, ctx: &Context<'_>) -> Vec<Finding>;

    /// Returns what this rule needs from an input to judge it fully, so that reports
    /// can list what an input cannot show. The default is nothing.
    fn needs(&self) -> Needs {
        Needs::default()
    }
}

/// The public rule names, in cause order. They are the command-line and report
/// interface and never change.
pub const RULE_NAMES: [&str; 8] = [
    concurrency_burst::NAME,
    tight_polling::NAME,
    retry_without_backoff::NAME,
    n_plus_one::NAME,
    endpoint_hotspot::NAME,
    retry_after_ignored::NAME,
    bulk_operation_flood::NAME,
    remaining_quota_ignored::NAME,
];

/// Loads every built-in rule from its embedded definition.
pub fn builtin_rules() -> Result<Vec<Box<dyn Rule>>, RuleConfigError> {
    builtin_rules_with(&BTreeMap::new())
}

/// Signature of a rule module's `load_with`.
type Loader = fn(&RuleOverride) -> Result<Box<dyn Rule>, RuleConfigError>;

/// Every rule's loader with its name, in cause order.
const LOADERS: [(&str, Loader); 8] = [
    (concurrency_burst::NAME, concurrency_burst::load_with),
    (tight_polling::NAME, tight_polling::load_with),
    (
        retry_without_backoff::NAME,
        retry_without_backoff::load_with,
    ),
    (n_plus_one::NAME, n_plus_one::load_with),
    (endpoint_hotspot::NAME, endpoint_hotspot::load_with),
    (retry_after_ignored::NAME, retry_after_ignored::load_with),
    (bulk_operation_flood::NAME, bulk_operation_flood::load_with),
    (
        remaining_quota_ignored::NAME,
        remaining_quota_ignored::load_with,
    ),
];

/// Loads every built-in rule with the user's overrides, keyed by rule name, applied.
/// Keys that name no rule are ignored here, so the caller checks them.
pub fn builtin_rules_with(
    overrides: &BTreeMap<String, RuleOverride>,
) -> Result<Vec<Box<dyn Rule>>, RuleConfigError> {
    let none = RuleOverride::default();
    LOADERS
        .iter()
        .map(|(name, load)| load(overrides.get(*name).unwrap_or(&none)))
        .collect()
}

/// API traffic of one client to one host, in start order.
#[derive(Debug)]
pub struct ClientHostGroup<'a> {
    pub client: Arc<str>,
    pub host: Arc<str>,
    pub exchanges: Vec<&'a Exchange>,
}

/// The run's exchanges as a rule reads them.
pub struct Context<'a> {
    /// Every exchange of the run, sorted by start time, cache hits and static assets
    /// included.
    pub exchanges: &'a [Exchange],
    pub profiles: &'a Profiles,
    groups: Vec<ClientHostGroup<'a>>,
    capabilities: Vec<Capability>,
}

impl<'a> Context<'a> {
    /// Builds the context. `exchanges` must be sorted by start time.
    pub fn new(exchanges: &'a [Exchange], profiles: &'a Profiles) -> Self {
        let mut map: BTreeMap<(Arc<str>, Arc<str>), Vec<&'a Exchange>> = BTreeMap::new();
        for exchange in exchanges.iter().filter(|e| e.is_api_call()) {
            map.entry((exchange.client.clone(), exchange.host.clone()))
                .or_default()
                .push(exchange);
        }
        let groups = map
            .into_iter()
            .map(|((client, host), exchanges)| ClientHostGroup {
                client,
                host,
                exchanges,
            })
            .collect();
        Context {
            exchanges,
            profiles,
            groups,
            capabilities: capability::capabilities(exchanges),
        }
    }

    /// Returns what the API calls of input `input` can show, or `None` when it has no
    /// API calls.
    pub fn capability(&self, input: u32) -> Option<&Capability> {
        self.capabilities
            .binary_search_by_key(&input, |c| c.input)
            .ok()
            .and_then(|index| self.capabilities.get(index))
    }

    /// Capabilities of every input that has API calls, in input order.
    pub fn capabilities(&self) -> &[Capability] {
        &self.capabilities
    }

    /// API calls that reached the network, grouped by client and host. Cache hits and
    /// static assets are left out.
    pub fn api_groups(&self) -> &[ClientHostGroup<'a>] {
        &self.groups
    }
}

/// Runs the enabled rules in parallel and returns their findings in report order.
pub fn run_rules(rules: &[Box<dyn Rule>], ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = rules
        .par_iter()
        .filter(|rule| rule.spec().enabled)
        .flat_map_iter(|rule| rule.check(ctx))
        .collect();
    findings.sort_by(Finding::report_order);
    findings
}

/// Returns what the enabled rules cannot judge on the run's inputs, in rule order.
/// `input_paths` names the inputs by index.
pub fn rule_limitations(
    rules: &[Box<dyn Rule>],
    ctx: &Context<'_>,
    input_paths: &[&str],
) -> Vec<Limitation> {
    let needs: Vec<(&'static str, Needs)> = rules
        .iter()
        .filter(|rule| rule.spec().enabled)
        .map(|rule| (rule.spec().name, rule.needs()))
        .collect();
    capability::limitations(&needs, ctx.capabilities(), input_paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load() {
        let rules = builtin_rules().expect("embedded rule files are valid");
        let names: Vec<&str> = rules.iter().map(|r| r.spec().name).collect();
        assert_eq!(names, RULE_NAMES);
    }
}
