//! Rendering of the effective configuration for `ratelint config`.
//!
//! The output is itself a valid configuration file: every rule with its enabled flag,
//! severity and thresholds (defaults merged with overrides), so that it can be saved as
//! `ratelint.toml` and edited.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Config, FailOn, client_key_name};

#[derive(Serialize)]
struct Effective<'a> {
    fail_on: FailOn,
    client_key: String,
    endpoints: BTreeMap<&'a str, &'a [String]>,
    profiles: EffectiveProfiles<'a>,
    rules: BTreeMap<&'a str, EffectiveRule>,
}

#[derive(Serialize)]
struct EffectiveProfiles<'a> {
    builtin: &'a BTreeMap<String, bool>,
    files: Vec<String>,
}

#[derive(Serialize)]
struct EffectiveRule {
    enabled: bool,
    severity: &'static str,
    #[serde(flatten)]
    thresholds: toml::Table,
}

pub(super) fn render(config: &Config) -> Result<String, toml::ser::Error> {
    let rules = config
        .rules
        .iter()
        .map(|rule| {
            let spec = rule.spec();
            let mut thresholds = default_thresholds(&spec.thresholds_toml);
            if let Some(rule_override) = config.overrides.get(spec.name) {
                for (key, value) in &rule_override.thresholds {
                    thresholds.insert(key.clone(), value.clone());
                }
            }
            let rule = EffectiveRule {
                enabled: spec.enabled,
                severity: spec.severity.as_str(),
                thresholds,
            };
            (spec.name, rule)
        })
        .collect();
    let effective = Effective {
        fail_on: config.fail_on.unwrap_or_default(),
        client_key: client_key_name(&config.client_key.clone().unwrap_or_default()),
        endpoints: config
            .endpoints
            .groups
            .iter()
            .map(|group| (group.alias.as_ref(), group.templates.as_slice()))
            .collect(),
        profiles: EffectiveProfiles {
            builtin: &config.builtin_profiles,
            files: config
                .profile_files
                .iter()
                .map(|path| path.display().to_string())
                .collect(),
        },
        rules,
    };

    let origin = match &config.source {
        Some(path) => format!("built-in defaults with {} applied", path.display()),
        None => format!(
            "built-in defaults (no --config given and no {} in the working directory)",
            super::DEFAULT_FILE
        ),
    };
    let body = toml::to_string_pretty(&effective)?;
    Ok(format!(
        "# Effective ratelint configuration: {origin}.\n\n{body}"
    ))
}

/// Parses the `[thresholds]` section that a rule spec keeps as written. The embedded
/// rule files were validated when the rules loaded, so an empty table is unreachable in
/// practice.
fn default_thresholds(section: &str) -> toml::Table {
    let parsed: Result<toml::Table, _> = toml::from_str(section);
    match parsed.ok().and_then(|mut t| t.remove("thresholds")) {
        Some(toml::Value::Table(table)) => table,
        _ => toml::Table::new(),
    }
}
