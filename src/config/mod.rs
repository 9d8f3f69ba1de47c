//! The user's configuration file, `ratelint.toml`.
//!
//! The embedded rule and profile definitions stay the defaults, and the file only
//! overrides them. Every key is validated when the file is loaded, before any input is
//! read, and every error names the file, line and column of the value at fault. Values
//! that are checked after deserializing keep the toml crate's spans for that reason.

mod effective;
mod endpoints;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

pub use endpoints::{EndpointGroup, EndpointGroups};

use crate::ingest::log::ClientKey;
use crate::rules::{self, Profiles, Rule, RuleOverride, Severity};

/// Name of the configuration file looked up in the working directory.
pub const DEFAULT_FILE: &str = "ratelint.toml";

/// Severity at or above which `ratelint analyze` exits with code 1, or `never`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    #[default]
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    /// Returns the lowest severity that fails the run, or `None` for `never`.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

/// A configuration file that could not be read or is invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{file}:{line}:{column}: {message}")]
    Invalid {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
}

/// The effective configuration: built-in defaults with the user's file applied.
pub struct Config {
    /// The file the configuration came from, or `None` for the built-in defaults.
    pub source: Option<PathBuf>,
    /// Rule overrides by rule name, as written in the file.
    pub overrides: BTreeMap<String, RuleOverride>,
    pub endpoints: EndpointGroups,
    /// The client key from the file. `--client-key` wins over it.
    pub client_key: Option<ClientKey>,
    /// Every built-in vendor profile by name, with whether it is enabled.
    pub builtin_profiles: BTreeMap<String, bool>,
    /// Profile files added by the user, resolved against the configuration's folder.
    pub profile_files: Vec<PathBuf>,
    /// The default of `--fail-on` from the file.
    pub fail_on: Option<FailOn>,
    /// Every built-in rule with the overrides applied, in cause order.
    pub rules: Vec<Box<dyn Rule>>,
    /// The enabled vendor profiles: the user's files first, then the built-in ones.
    pub profiles: Profiles,
}

/// The file as written. Keys and values whose checks need more than their type keep
/// their spans.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    #[serde(default)]
    endpoints: BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>,
    client_key: Option<Spanned<String>>,
    #[serde(default)]
    profiles: ProfilesSection,
    fail_on: Option<FailOn>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfilesSection {
    #[serde(default)]
    builtin: BTreeMap<Spanned<String>, bool>,
    #[serde(default)]
    files: Vec<Spanned<String>>,
}

/// Points at a position in the configuration text.
struct Locator<'a> {
    file: &'a str,
    text: &'a str,
}

impl Locator<'_> {
    fn error(&self, span: Range<usize>, message: impl Into<String>) -> ConfigError {
        let (line, column) = line_column(self.text, span.start);
        ConfigError::Invalid {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        }
    }
}

impl Config {
    /// Loads the configuration from `explicit` (`--config FILE`), which must exist, or
    /// else from `ratelint.toml` in the working directory when there is one, or else
    /// returns the built-in defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = explicit.unwrap_or(Path::new(DEFAULT_FILE));
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if explicit.is_none() && e.kind() == std::io::ErrorKind::NotFound => {
                return Config::defaults();
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        let base = path.parent().unwrap_or(Path::new(""));
        let mut config = Config::parse(&path.display().to_string(), &text, base)?;
        config.source = Some(path.to_path_buf());
        Ok(config)
    }

    /// Returns the built-in defaults, as if no configuration file existed.
    pub fn defaults() -> Result<Config, ConfigError> {
        Config::parse("(defaults)", "", Path::new(""))
    }

    /// Parses and validates configuration `text`. `file` names it in errors, and
    /// profile file paths are resolved against `base`.
    pub fn parse(file: &str, text: &str, base: &Path) -> Result<Config, ConfigError> {
        let at = Locator { file, text };
        let parsed: ConfigFile = toml::from_str(text)
            .map_err(|e| at.error(e.span().unwrap_or(0..0), e.message().trim_end().to_string()))?;

        let overrides = parse_rule_overrides(&at, &parsed.rules)?;
        let rules = rules::builtin_rules_with(&overrides).map_err(|e| ConfigError::Invalid {
            file: file.to_string(),
            line: 1,
            column: 1,
            message: e.to_string(),
        })?;
        let endpoints = EndpointGroups::parse(&parsed.endpoints)
            .map_err(|(span, message)| at.error(span, message))?;
        let client_key = match &parsed.client_key {
            Some(value) => Some(
                parse_client_key(value.get_ref())
                    .map_err(|message| at.error(value.span(), message))?,
            ),
            None => None,
        };
        let (builtin_profiles, profile_files, profiles) =
            load_profiles(&at, &parsed.profiles, base)?;

        Ok(Config {
            source: None,
            overrides,
            endpoints,
            client_key,
            builtin_profiles,
            profile_files,
            fail_on: parsed.fail_on,
            rules,
            profiles,
        })
    }

    /// Renders the effective configuration as TOML that `Config::parse` reads back to
    /// the same configuration, with a comment line naming where it came from.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        effective::render(self)
    }
}

/// Turns the `[rules.<name>]` tables into overrides and checks each one against its
/// rule, so that an error points at the user's key or value.
fn parse_rule_overrides(
    at: &Locator<'_>,
    sections: &BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
) -> Result<BTreeMap<String, RuleOverride>, ConfigError> {
    let mut overrides = BTreeMap::new();
    for (name, section) in sections {
        if !rules::RULE_NAMES.contains(&name.get_ref().as_str()) {
            return Err(at.error(
                name.span(),
                format!(
                    "unknown rule `{}`: expected one of {}",
                    name.get_ref(),
                    rules::RULE_NAMES.join(", ")
                ),
            ));
        }
        let mut rule = RuleOverride::default();
        for (key, value) in section {
            match (key.get_ref().as_str(), value.get_ref()) {
                ("enabled", toml::Value::Boolean(enabled)) => rule.enabled = Some(*enabled),
                ("enabled", _) => {
                    return Err(at.error(value.span(), "invalid `enabled`: expected true or false"));
                }
                ("severity", toml::Value::String(severity)) => {
                    let severity = severity.parse::<Severity>().map_err(|_| {
                        at.error(
                            value.span(),
                            format!(
                                "invalid severity `{severity}`: expected error, warning or info"
                            ),
                        )
                    })?;
                    rule.severity = Some(severity);
                }
                ("severity", _) => {
                    return Err(at.error(
                        value.span(),
                        "invalid `severity`: expected \"error\", \"warning\" or \"info\"",
                    ));
                }
                (threshold, value) => {
                    rule.thresholds.insert(threshold.to_string(), value.clone());
                }
            }
        }

        // Loading the rule with only its own override identifies the rule at fault.
        let single = BTreeMap::from([(name.get_ref().clone(), rule.clone())]);
        if let Err(error) = rules::builtin_rules_with(&single) {
            let message = format!("rules.{}: {}", name.get_ref(), error.message);
            let span = blamed_span(section, &error.message).unwrap_or(name.span());
            return Err(at.error(span, message));
        }
        overrides.insert(name.get_ref().clone(), rule);
    }
    Ok(overrides)
}

/// Returns the span of the threshold that a rule's error message names, as
/// `thresholds.KEY` or `` `KEY` ``: the key's span for an unknown key, else the
/// value's.
fn blamed_span(
    section: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    message: &str,
) -> Option<Range<usize>> {
    section.iter().find_map(|(key, value)| {
        let name = key.get_ref();
        if message.starts_with(&format!("unknown thresholds.{name}:")) {
            return Some(key.span());
        }
        let named = message.contains(&format!("thresholds.{name}:"))
            || message.contains(&format!("`{name}`"));
        named.then(|| value.span())
    })
}

/// Parses a client key: the values of `--client-key`, and `auto` for the default.
pub fn parse_client_key(value: &str) -> Result<ClientKey, String> {
    match value {
        "auto" => Ok(ClientKey::Auto),
        "ip" => Ok(ClientKey::Ip),
        "xff" => Ok(ClientKey::Xff),
        "user-agent" => Ok(ClientKey::UserAgent),
        _ => match value.strip_prefix("field:") {
            Some(name) if !name.is_empty() => Ok(ClientKey::Field(name.to_string())),
            _ => Err(format!(
                "invalid client key `{value}`: expected auto, ip, xff, user-agent or field:NAME"
            )),
        },
    }
}

/// Returns a client key as `parse_client_key` reads it.
pub fn client_key_name(key: &ClientKey) -> String {
    match key {
        ClientKey::Auto => "auto".into(),
        ClientKey::Ip => "ip".into(),
        ClientKey::Xff => "xff".into(),
        ClientKey::UserAgent => "user-agent".into(),
        ClientKey::Field(name) => format!("field:{name}"),
    }
}

type LoadedProfiles = (BTreeMap<String, bool>, Vec<PathBuf>, Profiles);

/// Loads the user's profile files and the enabled built-in profiles. A user file may
/// not reuse the name of an enabled built-in profile, so that a replaced profile is
/// always disabled on purpose.
fn load_profiles(
    at: &Locator<'_>,
    section: &ProfilesSection,
    base: &Path,
) -> Result<LoadedProfiles, ConfigError> {
    let mut builtin = Profiles::builtin().map_err(|e| at.error(0..0, e.to_string()))?;
    let mut enabled: BTreeMap<String, bool> = builtin
        .iter()
        .map(|profile| (profile.name.to_string(), true))
        .collect();
    for (name, on) in &section.builtin {
        let Some(flag) = enabled.get_mut(name.get_ref().as_str()) else {
            let known: Vec<&str> = enabled.keys().map(String::as_str).collect();
            return Err(at.error(
                name.span(),
                format!(
                    "unknown built-in profile `{}`: expected one of {}",
                    name.get_ref(),
                    known.join(", ")
                ),
            ));
        };
        *flag = *on;
    }
    builtin.retain(|profile| enabled.get(profile.name.as_ref()) == Some(&true));

    let mut profiles = Profiles::default();
    let mut files = Vec::new();
    for entry in &section.files {
        let path = base.join(entry.get_ref());
        let display_path = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| {
            at.error(
                entry.span(),
                format!("cannot read the profile file {display_path}: {e}"),
            )
        })?;
        let loaded = Profiles::from_sources(&[(display_path.as_str(), text.as_str())])
            .map_err(|e| at.error(entry.span(), format!("invalid profile file {e}")))?;
        for profile in loaded.iter() {
            let name = profile.name.as_ref();
            if enabled.get(name) == Some(&true) {
                return Err(at.error(
                    entry.span(),
                    format!(
                        "profile `{name}` in {display_path} has the name of a built-in profile; \
                         disable the built-in one with `[profiles.builtin] {name} = false`"
                    ),
                ));
            }
            if profiles.iter().any(|p| p.name.as_ref() == name) {
                return Err(at.error(
                    entry.span(),
                    format!("profile `{name}` in {display_path} is defined twice"),
                ));
            }
        }
        profiles.extend(loaded);
        files.push(std::fs::canonicalize(&path).unwrap_or(path));
    }
    profiles.extend(builtin);
    Ok((enabled, files, profiles))
}

/// Converts a byte offset into a one-based line and column (in characters).
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map_or(1, |l| l.chars().count() + 1);
    (line, column)
}

#[cfg(test)]
mod tests;
