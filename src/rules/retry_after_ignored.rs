//! `retry-after-ignored`.

use serde::Deserialize;

use super::config::{RuleConfigError, RuleSpec, parse_rule_file};
use super::{Context, Finding, Rule};

pub const NAME: &str = "retry-after-ignored";

const DEFINITION: &str = include_str!("../../rules/retry-after-ignored.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {}

pub struct Detector {
    spec: RuleSpec,
    #[allow(dead_code)]
    thresholds: Thresholds,
}

pub fn load() -> Result<Box<dyn Rule>, RuleConfigError> {
    let (spec, thresholds) = parse_rule_file("rules/retry-after-ignored.toml", DEFINITION, NAME)?;
    Ok(Box::new(Detector { spec, thresholds }))
}

impl Rule for Detector {
    fn spec(&self) -> &RuleSpec {
        &self.spec
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let _ = ctx;
        Vec::new()
    }
}
