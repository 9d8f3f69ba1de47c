//! Vendor profiles: per-endpoint rate limits of known APIs, from `rules/profiles/*.toml`.

/// Every loaded vendor profile.
#[derive(Clone, Debug, Default)]
pub struct Profiles {}

impl Profiles {
    /// Loads the profiles shipped with ratelint.
    pub fn builtin() -> Result<Self, super::RuleConfigError> {
        Ok(Profiles {})
    }
}
