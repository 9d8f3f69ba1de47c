//! Vendor profiles: per-endpoint rate limits of known APIs, from `rules/profiles/*.toml`.
//!
//! Vendors publish limits per endpoint bucket, but responses only announce the quota of
//! the bucket a request fell in, and some announce nothing until a 429. A profile lets
//! rules know a bucket's limit before the first throttled response. Profile files are
//! embedded at build time and validated strictly: unknown keys are rejected and every
//! error names the file, line and column.

use std::sync::Arc;

use serde::Deserialize;

use super::RuleConfigError;

const BUILTIN: [(&str, &str); 2] = [
    (
        "rules/profiles/okta.toml",
        include_str!("../../rules/profiles/okta.toml"),
    ),
    (
        "rules/profiles/github.toml",
        include_str!("../../rules/profiles/github.toml"),
    ),
];

/// Every loaded vendor profile.
#[derive(Clone, Debug, Default)]
pub struct Profiles {
    profiles: Vec<Profile>,
}

/// The rate limits of one vendor API.
#[derive(Clone, Debug)]
pub struct Profile {
    pub name: Arc<str>,
    /// One line on which API and plan the numbers describe.
    pub description: Box<str>,
    /// Host patterns: an exact name, or `*.domain` for any subdomain of `domain`.
    pub hosts: Vec<Box<str>>,
    /// Unit of the `Reset` quota header, when the profile states it.
    pub reset: Option<ResetMeaning>,
    /// Scope of the quota that the `Limit`/`Remaining` response headers announce.
    pub quota_headers: QuotaHeaders,
    buckets: Vec<Bucket>,
    /// Patterns of endpoints that are not rate limited at all.
    unlimited: Vec<PathPattern>,
}

/// Unit of a vendor's `Reset` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResetMeaning {
    EpochSeconds,
    EpochMilliseconds,
    DeltaSeconds,
}

/// The scope of the quota that a vendor's `Limit`/`Remaining` headers announce.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QuotaHeaders {
    /// The headers describe the endpoint bucket the request fell in (Okta), so observed
    /// values override the profile's numbers for that bucket.
    #[default]
    Bucket,
    /// The headers describe one quota shared by every request of the token (GitHub's
    /// primary limit), so they give no limit for a single endpoint.
    Token,
}

/// Sharing of a bucket's count between the requests it matches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BucketScope {
    /// All matching requests count against one limit.
    #[default]
    Shared,
    /// Each endpoint (method and template) has its own count with this limit.
    Endpoint,
}

/// One rate-limit bucket of a vendor profile.
#[derive(Clone, Debug, PartialEq)]
pub struct Bucket {
    /// Name of the profile the bucket belongs to, e.g. `okta`.
    pub profile: Arc<str>,
    /// Short name of the bucket, unique within its profile, e.g. `users-item-read`.
    pub name: Arc<str>,
    /// Upper-case methods the bucket applies to; empty means any method.
    pub methods: Arc<[Box<str>]>,
    /// Path patterns as written in the profile.
    pub paths: Arc<[Box<str>]>,
    /// Number of requests allowed per window.
    pub limit: u64,
    pub window_s: u64,
    pub scope: BucketScope,
    pub note: Arc<str>,
    patterns: Arc<[PathPattern]>,
}

impl Bucket {
    /// Returns the bucket as `profile/name`, for messages.
    pub fn label(&self) -> String {
        format!("{}/{}", self.profile, self.name)
    }

    fn applies_to(&self, method: &str) -> bool {
        self.methods.is_empty() || self.methods.iter().any(|m| m.as_ref() == method)
    }
}

/// One segment of a path pattern.
#[derive(Clone, Debug, PartialEq)]
enum PatternSegment {
    Literal(Box<str>),
    /// `*` or `{name}`: exactly one segment, whatever it holds.
    Any,
    /// `**`, last only: one or more segments.
    Rest,
}

#[derive(Clone, Debug, PartialEq)]
struct PathPattern {
    segments: Vec<PatternSegment>,
}

/// Rank of a match, where a larger rank is more specific. Literal segments count first,
/// then the number of segments matched one by one, then whether the bucket names its
/// methods.
type Specificity = (usize, usize, bool);

impl PathPattern {
    fn parse(pattern: &str) -> Result<Self, String> {
        let Some(rest) = pattern.strip_prefix('/') else {
            return Err(format!(
                "invalid path pattern `{pattern}`: it must start with `/`"
            ));
        };
        let parts: Vec<&str> = if rest.is_empty() {
            Vec::new()
        } else {
            rest.split('/').collect()
        };
        let mut segments = Vec::with_capacity(parts.len());
        for (index, part) in parts.iter().enumerate() {
            let segment = match *part {
                "**" if index + 1 == parts.len() => PatternSegment::Rest,
                "**" => {
                    return Err(format!(
                        "invalid path pattern `{pattern}`: `**` may only be the last segment"
                    ));
                }
                "*" => PatternSegment::Any,
                p if p.starts_with('{') && p.ends_with('}') && p.len() > 2 => PatternSegment::Any,
                "" => {
                    return Err(format!("invalid path pattern `{pattern}`: empty segment"));
                }
                p if p.contains(['*', '{', '}']) => {
                    return Err(format!(
                        "invalid path pattern `{pattern}`: `{p}` mixes a wildcard with text"
                    ));
                }
                p => PatternSegment::Literal(p.into()),
            };
            segments.push(segment);
        }
        Ok(PathPattern { segments })
    }

    /// Returns the literal and one-by-one segment counts when `template` matches.
    fn matches(&self, template: &str) -> Option<(usize, usize)> {
        let rest = template.strip_prefix('/').unwrap_or(template);
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let parts: Vec<&str> = if rest.is_empty() {
            Vec::new()
        } else {
            rest.split('/').collect()
        };
        let mut literals = 0;
        for (index, segment) in self.segments.iter().enumerate() {
            match segment {
                PatternSegment::Rest => {
                    return (parts.len() > index).then_some((literals, index));
                }
                PatternSegment::Any => {
                    parts.get(index)?;
                }
                PatternSegment::Literal(text) => {
                    if parts.get(index)? != &text.as_ref() {
                        return None;
                    }
                    literals += 1;
                }
            }
        }
        (parts.len() == self.segments.len()).then_some((literals, self.segments.len()))
    }
}

/// Returns whether `host` (a port, if any, is ignored) matches `pattern`.
fn host_matches(pattern: &str, host: &str) -> bool {
    let host = host.split(':').next().unwrap_or(host);
    match pattern.strip_prefix("*.") {
        Some(domain) => host
            .strip_suffix(domain)
            .is_some_and(|prefix| prefix.len() > 1 && prefix.ends_with('.')),
        None => host.eq_ignore_ascii_case(pattern),
    }
}

impl Profile {
    /// Returns whether the profile applies to `host`.
    pub fn covers(&self, host: &str) -> bool {
        self.hosts.iter().any(|p| host_matches(p, host))
    }

    fn bucket_for(&self, method: &str, template: &str) -> Option<&Bucket> {
        let mut best: Option<(Specificity, &Bucket)> = None;
        for bucket in &self.buckets {
            if !bucket.applies_to(method) {
                continue;
            }
            for pattern in bucket.patterns.iter() {
                if let Some((literals, fixed)) = pattern.matches(template) {
                    let rank = (literals, fixed, !bucket.methods.is_empty());
                    if best.as_ref().is_none_or(|(b, _)| rank > *b) {
                        best = Some((rank, bucket));
                    }
                }
            }
        }
        let (rank, bucket) = best?;
        // An unlimited pattern at least as specific as the best bucket wins, so that
        // `/oauth2/v1/keys` escapes the `/oauth2/v1/**` bucket.
        let exempt = self.unlimited.iter().any(|pattern| {
            pattern
                .matches(template)
                .is_some_and(|(literals, fixed)| (literals, fixed) >= (rank.0, rank.1))
        });
        (!exempt).then_some(bucket)
    }
}

impl Profiles {
    /// Loads the profiles shipped with ratelint.
    pub fn builtin() -> Result<Self, RuleConfigError> {
        Self::from_sources(&BUILTIN)
    }

    /// Parses profiles from `(file name, text)` pairs. The file name appears in errors.
    pub fn from_sources(sources: &[(&str, &str)]) -> Result<Self, RuleConfigError> {
        let profiles = sources
            .iter()
            .map(|(file, text)| parse_profile(file, text))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Profiles { profiles })
    }

    /// Returns the loaded profiles, in lookup order.
    pub fn iter(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.iter()
    }

    /// Keeps only the profiles for which `keep` returns true.
    pub fn retain(&mut self, keep: impl FnMut(&Profile) -> bool) {
        self.profiles.retain(keep);
    }

    /// Appends the profiles of `other`, which lose to the present ones for a host that
    /// both cover.
    pub fn extend(&mut self, other: Profiles) {
        self.profiles.extend(other.profiles);
    }

    /// Returns the first profile whose host patterns match `host`.
    pub fn profile_for(&self, host: &str) -> Option<&Profile> {
        self.profiles.iter().find(|p| p.covers(host))
    }

    /// Returns the most specific bucket of the host's profile that a request
    /// `method template` falls in, or `None` when no profile covers the host, no
    /// bucket matches, or the endpoint is not rate limited.
    pub fn bucket_for(&self, host: &str, method: &str, template: &str) -> Option<Bucket> {
        self.profile_for(host)?
            .bucket_for(method, template)
            .cloned()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    name: String,
    description: String,
    hosts: Vec<String>,
    reset: Option<ResetMeaning>,
    #[serde(default)]
    quota_headers: QuotaHeaders,
    #[serde(default)]
    unlimited: Vec<toml::Spanned<String>>,
    buckets: Vec<toml::Spanned<BucketFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BucketFile {
    name: String,
    #[serde(default)]
    methods: Vec<String>,
    paths: Vec<String>,
    limit: u64,
    window_s: u64,
    #[serde(default)]
    scope: BucketScope,
    note: String,
}

const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

fn parse_profile(file: &str, text: &str) -> Result<Profile, RuleConfigError> {
    let error = |message: String| RuleConfigError {
        file: file.to_string(),
        message,
    };
    // The toml crate's message carries "line L, column C" and the offending line.
    let parsed: ProfileFile = toml::from_str(text).map_err(|e| error(e.to_string()))?;
    let at = |span: std::ops::Range<usize>, message: String| {
        let (line, column) = line_column(text, span.start);
        error(format!("line {line}, column {column}: {message}"))
    };
    if parsed.hosts.is_empty() {
        return Err(error(
            "`hosts` is empty: list at least one host pattern".into(),
        ));
    }
    for host in &parsed.hosts {
        let bare = host.strip_prefix("*.").unwrap_or(host);
        if bare.is_empty() || bare.contains(['*', '/', ':']) {
            return Err(error(format!(
                "invalid host pattern `{host}`: expected a host name or `*.domain`"
            )));
        }
    }
    let name: Arc<str> = parsed.name.into();
    let mut buckets: Vec<Bucket> = Vec::with_capacity(parsed.buckets.len());
    for spanned in parsed.buckets {
        let span = spanned.span();
        let def = spanned.into_inner();
        if buckets.iter().any(|b| b.name.as_ref() == def.name) {
            return Err(at(span, format!("duplicate bucket name `{}`", def.name)));
        }
        if def.limit == 0 {
            return Err(at(
                span,
                format!("bucket `{}`: `limit` must be at least 1", def.name),
            ));
        }
        if def.window_s == 0 {
            return Err(at(
                span,
                format!("bucket `{}`: `window_s` must be at least 1", def.name),
            ));
        }
        if def.paths.is_empty() {
            return Err(at(span, format!("bucket `{}`: `paths` is empty", def.name)));
        }
        for method in &def.methods {
            if !METHODS.contains(&method.as_str()) {
                return Err(at(
                    span.clone(),
                    format!(
                        "bucket `{}`: invalid method `{method}`: expected one of {}",
                        def.name,
                        METHODS.join(", ")
                    ),
                ));
            }
        }
        let patterns = def
            .paths
            .iter()
            .map(|p| PathPattern::parse(p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|message| at(span.clone(), format!("bucket `{}`: {message}", def.name)))?;
        buckets.push(Bucket {
            profile: name.clone(),
            name: def.name.into(),
            methods: def
                .methods
                .into_iter()
                .map(String::into_boxed_str)
                .collect(),
            paths: def.paths.into_iter().map(String::into_boxed_str).collect(),
            limit: def.limit,
            window_s: def.window_s,
            scope: def.scope,
            note: def.note.trim().into(),
            patterns: patterns.into(),
        });
    }
    let unlimited = parsed
        .unlimited
        .into_iter()
        .map(|spanned| {
            let span = spanned.span();
            PathPattern::parse(spanned.get_ref()).map_err(|message| at(span, message))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Profile {
        name,
        description: parsed.description.into(),
        hosts: parsed
            .hosts
            .into_iter()
            .map(String::into_boxed_str)
            .collect(),
        reset: parsed.reset,
        quota_headers: parsed.quota_headers,
        buckets,
        unlimited,
    })
}

/// Converts a byte offset into a one-based line and column.
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
mod tests {
    use super::*;

    const OKTA: &str = "acme.okta.com";
    const GITHUB: &str = "api.github.com";

    /// Method, template and the expected bucket name and limit.
    type Case = (&'static str, &'static str, Option<(&'static str, u64)>);

    fn builtin() -> Profiles {
        Profiles::builtin().expect("embedded profiles are valid")
    }

    fn limit_of(host: &str, method: &str, template: &str) -> Option<(String, u64)> {
        builtin()
            .bucket_for(host, method, template)
            .map(|b| (b.name.to_string(), b.limit))
    }

    #[test]
    fn okta_bucket_table() {
        let cases: [Case; 14] = [
            ("GET", "/api/v1/users", Some(("users-collection", 600))),
            ("POST", "/api/v1/users", Some(("users-collection", 600))),
            ("GET", "/api/v1/users/{id}", Some(("users-item-read", 2000))),
            ("GET", "/api/v1/users/me", Some(("users-item-read", 2000))),
            (
                "DELETE",
                "/api/v1/users/{id}",
                Some(("users-item-write", 600)),
            ),
            (
                "POST",
                "/api/v1/users/{id}",
                Some(("users-item-write", 600)),
            ),
            ("GET", "/api/v1/apps/{id}/users", Some(("apps", 100))),
            ("GET", "/api/v1/apps", Some(("apps", 100))),
            ("GET", "/api/v1/apps/{id}", Some(("apps-item", 500))),
            ("GET", "/api/v1/logs", Some(("logs", 120))),
            ("POST", "/oauth2/{id}/v1/token", Some(("oauth2", 2000))),
            ("GET", "/oauth2/v1/clients", Some(("oauth2-clients", 100))),
            (
                "GET",
                "/api/v1/groups/{id}/users",
                Some(("api-other", 1200)),
            ),
            ("GET", "/oauth2/v1/keys", None),
        ];
        for (method, template, expected) in cases {
            let expected = expected.map(|(n, l)| (n.to_string(), l));
            assert_eq!(
                limit_of(OKTA, method, template),
                expected,
                "{method} {template}"
            );
        }
    }

    #[test]
    fn okta_unlimited_metadata() {
        assert_eq!(limit_of(OKTA, "GET", "/oauth2/{id}/v1/keys"), None);
        assert_eq!(
            limit_of(OKTA, "GET", "/.well-known/openid-configuration"),
            None
        );
    }

    #[test]
    fn okta_host_patterns() {
        let profiles = builtin();
        assert!(profiles.profile_for("acme.okta.com").is_some());
        assert!(profiles.profile_for("acme-admin.oktapreview.com").is_some());
        assert!(profiles.profile_for("acme.okta-emea.com:443").is_some());
        assert!(profiles.profile_for("okta.com").is_none());
        assert!(profiles.profile_for("evilokta.com").is_none());
    }

    #[test]
    fn unknown_host_no_bucket() {
        assert_eq!(limit_of("api.example.com", "GET", "/api/v1/users"), None);
    }

    #[test]
    fn github_bucket_table() {
        let cases: [Case; 4] = [
            (
                "GET",
                "/repos/acme/app/issues",
                Some(("endpoint-read", 900)),
            ),
            (
                "PATCH",
                "/repos/acme/app/issues/{id}",
                Some(("endpoint-write", 180)),
            ),
            (
                "POST",
                "/repos/acme/app/issues",
                Some(("content-creation", 80)),
            ),
            (
                "POST",
                "/repos/acme/app/issues/{id}/comments",
                Some(("content-creation", 80)),
            ),
        ];
        for (method, template, expected) in cases {
            let expected = expected.map(|(n, l)| (n.to_string(), l));
            assert_eq!(
                limit_of(GITHUB, method, template),
                expected,
                "{method} {template}"
            );
        }
    }

    #[test]
    fn github_headers_are_token_wide() {
        let profiles = builtin();
        let github = profiles.profile_for(GITHUB).map(|p| p.quota_headers);
        assert_eq!(github, Some(QuotaHeaders::Token));
    }

    #[test]
    fn unknown_key_rejected_with_position() {
        let text = "name = \"x\"\ndescription = \"d\"\nhosts = [\"a.example\"]\nbuckets = []\nlimits = 3\n";
        let err = Profiles::from_sources(&[("rules/profiles/x.toml", text)])
            .expect_err("unknown key must fail");
        let text = err.to_string();
        assert!(text.contains("rules/profiles/x.toml"), "{text}");
        assert!(text.contains("line 5"), "{text}");
        assert!(text.contains("limits"), "{text}");
    }

    #[test]
    fn zero_limit_rejected_with_position() {
        let text = "name = \"x\"\ndescription = \"d\"\nhosts = [\"a.example\"]\n\n[[buckets]]\nname = \"b\"\npaths = [\"/a\"]\nlimit = 0\nwindow_s = 60\nnote = \"n\"\n";
        let err = Profiles::from_sources(&[("x.toml", text)]).expect_err("zero limit");
        let text = err.to_string();
        assert!(text.contains("line 5, column 1"), "{text}");
        assert!(text.contains("`limit` must be at least 1"), "{text}");
    }

    #[test]
    fn inner_double_star_rejected() {
        assert!(PathPattern::parse("/a/**/b").is_err());
        assert!(PathPattern::parse("a/b").is_err());
    }
}
