//! `n-plus-one`.

use serde::Deserialize;

use super::config::{RuleConfigError, RuleSpec, parse_rule_file};
use super::{Context, Finding, Rule};

pub const NAME: &str = "n-plus-one";

const DEFINITION: &str = include_str!("../../rules/n-plus-one.toml");

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {}

pub struct Detector {
    spec: RuleSpec,
    #[allow(dead_code)]
    thresholds: Thresholds,
}

pub fn load() -> Result<Box<dyn Rule>, RuleConfigError> {
    let (spec, thresholds) = parse_rule_file("rules/n-plus-one.toml", DEFINITION, NAME)?;
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
