//! Endpoint groups: several path templates that rules and reports treat as one
//! endpoint.
//!
//! A group is applied by rewriting [`Exchange::template`] before any rule runs, so every
//! rule, the throttling overview and the fingerprints of findings see the alias and no
//! rule needs to know about groups.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use toml::Spanned;

use crate::model::Exchange;

/// One alias and the templates it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointGroup {
    pub alias: Arc<str>,
    /// Templates as written: exact templates, or a prefix ending in `/**` that matches
    /// the prefix itself and every template below it.
    pub templates: Vec<String>,
}

/// Every endpoint group of the configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointGroups {
    pub groups: Vec<EndpointGroup>,
}

type Sections = BTreeMap<Spanned<String>, Spanned<Vec<Spanned<String>>>>;

impl EndpointGroups {
    /// Validates the `[endpoints]` table. An error carries the span of the key or value
    /// at fault.
    pub(super) fn parse(sections: &Sections) -> Result<EndpointGroups, (Range<usize>, String)> {
        let mut groups: Vec<EndpointGroup> = Vec::new();
        for (alias, templates) in sections {
            if alias.get_ref().trim().is_empty() {
                return Err((alias.span(), "empty endpoint alias".into()));
            }
            if templates.get_ref().is_empty() {
                return Err((
                    templates.span(),
                    format!(
                        "endpoint alias `{}` lists no template: give at least one",
                        alias.get_ref()
                    ),
                ));
            }
            let mut group = EndpointGroup {
                alias: alias.get_ref().as_str().into(),
                templates: Vec::new(),
            };
            for template in templates.get_ref() {
                let text = template.get_ref();
                check_template(text).map_err(|message| (template.span(), message))?;
                let owner = groups
                    .iter()
                    .chain(std::iter::once(&group))
                    .find(|g| g.templates.contains(text));
                if let Some(owner) = owner {
                    return Err((
                        template.span(),
                        format!(
                            "template `{text}` is already in endpoint alias `{}`",
                            owner.alias
                        ),
                    ));
                }
                group.templates.push(text.clone());
            }
            groups.push(group);
        }
        Ok(EndpointGroups { groups })
    }

    /// Returns the alias of `template`: an exact template wins over a `/**` prefix, and
    /// a longer prefix over a shorter one.
    pub fn alias_for(&self, template: &str) -> Option<&Arc<str>> {
        let mut best: Option<(usize, &Arc<str>)> = None;
        for group in &self.groups {
            for pattern in &group.templates {
                let rank = match pattern.strip_suffix("/**") {
                    None if pattern == template => usize::MAX,
                    None => continue,
                    Some(prefix) if covers(prefix, template) => prefix.len(),
                    Some(_) => continue,
                };
                if best.is_none_or(|(b, _)| rank > b) {
                    best = Some((rank, &group.alias));
                }
            }
        }
        best.map(|(_, alias)| alias)
    }

    /// Rewrites the template of every exchange that falls in a group to the group's
    /// alias.
    pub fn apply(&self, exchanges: &mut [Exchange]) {
        if self.groups.is_empty() {
            return;
        }
        for exchange in exchanges {
            if let Some(alias) = self.alias_for(&exchange.template) {
                exchange.template = alias.clone();
            }
        }
    }
}

/// Returns whether `template` is `prefix` or lies below it.
fn covers(prefix: &str, template: &str) -> bool {
    template
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

fn check_template(template: &str) -> Result<(), String> {
    if !template.starts_with('/') {
        return Err(format!(
            "invalid template `{template}`: expected a path that starts with `/`"
        ));
    }
    let stem = template.strip_suffix("/**").unwrap_or(template);
    if stem.contains('*') {
        return Err(format!(
            "invalid template `{template}`: `**` is allowed only as the last segment, \
             after `/`"
        ));
    }
    Ok(())
}
