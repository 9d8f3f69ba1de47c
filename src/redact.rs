//! Redaction of secrets in everything ratelint prints or writes.
//!
//! HAR files carry live tokens, cookies and API keys, and reports end up pasted into
//! tickets and pull requests. The model stores no header values, query values or
//! bodies, but paths, client names, input paths and messages still can carry a
//! secret. [`Redactor`] replaces each secret it finds with
//! `[redacted:<kind>:<8 hex digits>]`, where the digits come from a hash keyed with a
//! random 128-bit key per run. The same secret gets the same marker everywhere in one
//! run, so findings can still be related, but the marker cannot be checked against a
//! guessed value outside that run.

use std::borrow::Cow;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::{Arc, LazyLock};

use regex::{Captures, Regex};

use crate::analyze::Analysis;
use crate::baseline::BaselineOutcome;
use crate::rules::Finding;

/// Finds secrets in text and replaces them with keyed-hash markers.
#[derive(Clone, Debug)]
pub struct Redactor {
    /// SipHash key source; `None` when redaction is turned off (`--show-secrets`).
    key: Option<RandomState>,
}

impl Redactor {
    /// Creates a redactor with a fresh random key. `RandomState` draws its 128-bit
    /// SipHash key from the operating system's random source.
    pub fn new() -> Self {
        Redactor {
            key: Some(RandomState::new()),
        }
    }

    /// Creates a redactor that returns every text unchanged, for `--show-secrets`.
    pub fn disabled() -> Self {
        Redactor { key: None }
    }

    /// Tells whether the redactor changes text at all.
    pub fn is_enabled(&self) -> bool {
        self.key.is_some()
    }

    /// Returns `text` with every secret found replaced by a marker.
    pub fn redact(&self, text: &str) -> String {
        let Some(key) = &self.key else {
            return text.to_string();
        };
        let mut text = Cow::Borrowed(text);
        for (index, pass) in PASSES.iter().enumerate() {
            if index == SEGMENT_PASS_BEFORE
                && let Some(rewritten) = redact_secret_segments(&text, key)
            {
                text = Cow::Owned(rewritten);
            }
            let replaced = pass.apply(&text, key);
            if let Cow::Owned(owned) = replaced {
                text = Cow::Owned(owned);
            }
        }
        text.into_owned()
    }

    /// Returns `text` redacted, in an `Arc` as the model stores names.
    pub fn redact_arc(&self, text: &Arc<str>) -> Arc<str> {
        let redacted = self.redact(text);
        if redacted == **text {
            text.clone()
        } else {
            redacted.into()
        }
    }
}

impl Default for Redactor {
    fn default() -> Self {
        Redactor::new()
    }
}

/// Formats the marker for a secret: its kind and 8 hex digits of its keyed hash.
fn marker(key: &RandomState, kind: &str, secret: &str) -> String {
    let hash = key.hash_one(secret.as_bytes());
    format!("[redacted:{kind}:{:08x}]", hash >> 32)
}

/// One kind of secret: a pattern and how to rewrite a match.
struct Pass {
    pattern: Regex,
    rewrite: fn(&Captures<'_>, &RandomState) -> Option<String>,
}

impl Pass {
    fn apply<'t>(&self, text: &'t str, key: &RandomState) -> Cow<'t, str> {
        self.pattern.replace_all(text, |caps: &Captures<'_>| {
            (self.rewrite)(caps, key).unwrap_or_else(|| caps[0].to_string())
        })
    }
}

fn regex(pattern: &str) -> Regex {
    // The patterns are constants, and the `patterns_compile` test builds all of them,
    // so a broken pattern fails the tests instead of panicking at run time.
    #[allow(clippy::expect_used)]
    Regex::new(pattern).expect("redaction pattern is valid")
}

/// The passes, in order: specific shapes first, so that a JWT inside a `token=`
/// parameter is marked `jwt`, and the generic long-token pass last.
static PASSES: LazyLock<Vec<Pass>> = LazyLock::new(|| {
    vec![
        // A JWT (RFC 7519): base64url header, payload and signature joined by dots.
        // The header is a JSON object, which usually starts with `{"`, and `{"`
        // base64url-encodes to `eyJ`.
        Pass {
            pattern: regex(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"),
            rewrite: |caps, key| Some(marker(key, "jwt", &caps[0])),
        },
        // Credentials after an HTTP authentication scheme (RFC 9110 section 11.4):
        // `Bearer` (RFC 6750), `Basic` (RFC 7617) and Okta's `SSWS` API tokens.
        Pass {
            pattern: regex(
                r"(?i)\b(bearer|basic|ssws|token|digest)(\s+|%20|\+)([A-Za-z0-9._~+/=-]{6,})",
            ),
            rewrite: |caps, key| {
                let credential = &caps[3];
                if is_marker_text(credential) {
                    return None;
                }
                let scheme = caps[1].to_ascii_lowercase();
                Some(format!(
                    "{}{}{}",
                    &caps[1],
                    &caps[2],
                    marker(key, &scheme, credential)
                ))
            },
        },
        // Header lines as `name: value`, for headers whose whole value is a secret.
        Pass {
            pattern: regex(
                r#"(?i)\b(x-api-key|api-key|x-auth-token|x-csrf-token|x-xsrf-token|authorization|proxy-authorization)(\s*[:=]\s*)([^\s"',;]+)"#,
            ),
            rewrite: |caps, key| {
                let value = &caps[3];
                if is_marker_text(value) {
                    return None;
                }
                Some(format!(
                    "{}{}{}",
                    &caps[1],
                    &caps[2],
                    marker(key, "header", value)
                ))
            },
        },
        // Query, form and cookie parameters, `name=value`, and JSON members,
        // `"name": "value"`, whose name says they carry a secret.
        Pass {
            pattern: regex(
                r#"(?i)("?)([A-Za-z0-9_.\[\]-]+)("?\s*(?:=|%3D|"\s*:\s*"))([^&\s#"';,<>\\]+)"#,
            ),
            rewrite: |caps, key| {
                let name = &caps[2];
                let value = &caps[4];
                let json = caps[3].contains(':');
                if json && caps[1].is_empty() {
                    return None;
                }
                if !is_secret_name(name) || is_marker_text(value) || is_placeholder(value) {
                    return None;
                }
                Some(format!(
                    "{}{}{}{}",
                    &caps[1],
                    name,
                    &caps[3],
                    marker(key, "param", value)
                ))
            },
        },
        // Email addresses, also with the `@` percent-encoded.
        Pass {
            pattern: regex(
                r"(?i)[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
            ),
            rewrite: |caps, key| Some(marker(key, "email", &caps[0])),
        },
        // Long random-looking tokens of the base64, base64url or hex alphabet.
        Pass {
            pattern: regex(r"[A-Za-z0-9+_=-]{20,}"),
            rewrite: |caps, key| {
                let token = &caps[0];
                is_high_entropy(token).then(|| marker(key, "token", token))
            },
        },
    ]
});

/// Index of the pass before which [`redact_secret_segments`] runs: after the
/// parameter pass, before the email and long-token passes.
const SEGMENT_PASS_BEFORE: usize = 4;

/// Redacts a path segment that follows a segment named like a secret, as in
/// `/token/hunter2`: endpoint templates fold only id-like segments, so a plain word
/// stays in them. Returns `None` when nothing changed. A regex cannot do this in one
/// pass because each segment is both the name of the next and the value of the one
/// before, and regex matches do not overlap.
fn redact_secret_segments(text: &str, key: &RandomState) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut previous_secret = false;
    let mut rest = text;
    while let Some(slash) = rest.find('/') {
        out.push_str(&rest[..=slash]);
        let after = &rest[slash + 1..];
        let length = after
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '[' | ']' | '{' | '}') || c.is_whitespace()
            })
            .unwrap_or(after.len());
        let segment = &after[..length];
        if previous_secret && !segment.is_empty() {
            out.push_str(&marker(key, "path", segment));
            changed = true;
        } else {
            out.push_str(segment);
        }
        previous_secret =
            !segment.is_empty() && after[length..].starts_with('/') && is_secret_segment(segment);
        rest = &after[length..];
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// Words that mark a parameter, cookie or path segment as a secret when its name
/// consists of or contains them, split at `_`, `-`, `.` and lowercase-to-uppercase.
const SECRET_WORDS: &[&str] = &[
    "token",
    "key",
    "secret",
    "password",
    "passwd",
    "pwd",
    "code",
    "state",
    "session",
    "sid",
    "sig",
    "signature",
    "auth",
    "credential",
    "credentials",
    "otp",
];

/// Names that contain a secret word without a separator, compared after removing
/// `_`, `-` and `.` and lowercasing.
const SECRET_COMPACT: &[&str] = &[
    "token",
    "secret",
    "password",
    "passwd",
    "session",
    "apikey",
    "signature",
    "samlresponse",
    "samlrequest",
    "clientsecret",
    "accesstoken",
    "idtoken",
    "refreshtoken",
    "sessid",
    "xamzsignature",
    "xamzcredential",
    "xamzsecuritytoken",
];

/// Tells whether a parameter or path-segment name says its value is a secret.
pub fn is_secret_name(name: &str) -> bool {
    let compact: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    if compact.is_empty() {
        return false;
    }
    if SECRET_COMPACT.iter().any(|word| compact.contains(word)) {
        return true;
    }
    split_words(name)
        .iter()
        .any(|word| SECRET_WORDS.contains(&word.as_str()))
}

/// Tells whether a path segment names a secret that the next segment contains. It is
/// stricter than [`is_secret_name`], so that a directory such as `secrets/` or
/// `tokens/` keeps the file name after it.
fn is_secret_segment(segment: &str) -> bool {
    let compact = segment
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    SECRET_SEGMENT_COMPACT.contains(&compact.as_str())
        || split_words(segment)
            .iter()
            .any(|word| SECRET_SEGMENT_WORDS.contains(&word.as_str()))
}

/// The [`SECRET_WORDS`] that mark a path segment. Words such as `auth`, `code`,
/// `state` and `session` are left out because routes like `/auth/login` and
/// `/session/refresh` are common and carry no secret in the next segment.
const SECRET_SEGMENT_WORDS: &[&str] = &[
    "token",
    "key",
    "secret",
    "password",
    "passwd",
    "pwd",
    "sig",
    "signature",
    "otp",
];

/// Whole segment names, compared like [`SECRET_COMPACT`], that mark a path segment.
const SECRET_SEGMENT_COMPACT: &[&str] = &[
    "apikey",
    "accesstoken",
    "idtoken",
    "refreshtoken",
    "clientsecret",
];

/// Splits `client_secret`, `api-key` or `apiKey` into lowercase words.
fn split_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        word.push(c.to_ascii_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// Tells whether text is, or starts, a redaction marker, so passes leave it alone.
fn is_marker_text(text: &str) -> bool {
    text.starts_with("[redacted:")
}

/// Tells whether a value is a template placeholder (`{id}`) rather than a value.
fn is_placeholder(value: &str) -> bool {
    value.starts_with('{') && value.ends_with('}')
}

/// Minimum Shannon entropy, in bits per character, of a long token. By estimate,
/// random base64 of 20 characters has about 4 bits per character and random hex of 32
/// characters about 3.6, while repeated characters stay far lower.
const MIN_TOKEN_ENTROPY: f64 = 3.0;

/// Minimum length of the longest run between `-` and `_` in a long token, so that
/// slugs such as `retry-without-backoff-2024` stay readable.
const MIN_TOKEN_PART: usize = 16;

/// Tells whether a run of base64 or hex characters looks like a random token. It
/// needs a long part without separators, letters mixed with digits, and a Shannon
/// entropy of at least [`MIN_TOKEN_ENTROPY`]. From 32 characters, upper- and
/// lowercase letters that change case often also count as mixed.
pub fn is_high_entropy(token: &str) -> bool {
    let longest_part = token.split(['-', '_']).map(str::len).max().unwrap_or(0);
    if longest_part < MIN_TOKEN_PART {
        return false;
    }
    let lower = token.bytes().any(|b| b.is_ascii_lowercase());
    let upper = token.bytes().any(|b| b.is_ascii_uppercase());
    let digit = token.bytes().any(|b| b.is_ascii_digit());
    let mixed = digit && (lower || upper) || (lower && upper && token.len() >= 32);
    let random_case = digit || mean_case_run(token) < MAX_CAMEL_CASE_RUN;
    mixed && random_case && shannon_entropy(token) >= MIN_TOKEN_ENTROPY
}

/// Mean length of runs of same-case letters above which a long token without digits
/// is taken for a CamelCase identifier (`TransportMasterNodeOperationAction` has
/// 3.4), not a random token: random mixed-case letters switch case about every second
/// character.
const MAX_CAMEL_CASE_RUN: f64 = 2.5;

/// Returns the mean length of the runs of letters of one case in `token`.
fn mean_case_run(token: &str) -> f64 {
    let mut runs = 0u32;
    let mut letters = 0u32;
    let mut previous_upper = None;
    for byte in token.bytes().filter(u8::is_ascii_alphabetic) {
        let upper = byte.is_ascii_uppercase();
        if previous_upper != Some(upper) {
            runs += 1;
        }
        previous_upper = Some(upper);
        letters += 1;
    }
    if runs == 0 {
        return 0.0;
    }
    f64::from(letters) / f64::from(runs)
}

/// Computes the Shannon entropy of the bytes of `text`, in bits per byte.
pub fn shannon_entropy(text: &str) -> f64 {
    let mut counts = [0u32; 256];
    for byte in text.bytes() {
        counts[usize::from(byte)] += 1;
    }
    let length = text.len() as f64;
    if length == 0.0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|count| **count > 0)
        .map(|count| {
            let p = f64::from(*count) / length;
            -p * p.log2()
        })
        .sum()
}

/// Redacts every string of an analysis that a report can print: input paths, skip
/// reasons, warnings and errors, endpoints, hosts, clients, messages, metrics,
/// limitations and the baseline outcome. Call it once before any reporter runs.
/// Each finding keeps the fingerprint of its unredacted fields, so baselines and
/// CI fingerprints do not change with the per-run key.
pub fn redact_analysis(analysis: &mut Analysis, redactor: &Redactor) {
    if !redactor.is_enabled() {
        return;
    }
    for input in &mut analysis.inputs {
        input.path = redactor.redact(&input.path);
        for skipped in &mut input.skipped {
            skipped.reason = redactor.redact(&skipped.reason);
        }
        for warning in &mut input.warnings {
            *warning = redactor.redact(warning);
        }
        if let Some(error) = &mut input.error {
            *error = redactor.redact(error);
        }
    }
    for stats in &mut analysis.overview {
        stats.host = redactor.redact_arc(&stats.host);
        stats.endpoint.template = redactor.redact_arc(&stats.endpoint.template);
        stats.endpoint.method = redactor.redact_arc(&stats.endpoint.method);
    }
    for finding in &mut analysis.findings {
        redact_finding(finding, redactor);
    }
    for limitation in &mut analysis.limitations {
        limitation.reason = redactor.redact(&limitation.reason);
        for path in &mut limitation.inputs {
            *path = redactor.redact(path);
        }
    }
    if let Some(outcome) = &mut analysis.baseline {
        redact_baseline_outcome(outcome, redactor);
    }
}

/// Redacts the result of applying a baseline: its path, the suppressed findings and
/// the stale and expired entries, whose fields were copied from the baseline file.
/// Call it after [`crate::baseline::apply`], which runs after [`redact_analysis`].
pub fn redact_baseline_outcome(outcome: &mut BaselineOutcome, redactor: &Redactor) {
    if !redactor.is_enabled() {
        return;
    }
    outcome.path = redactor.redact(&outcome.path);
    for suppressed in &mut outcome.suppressed {
        redact_finding(&mut suppressed.finding, redactor);
        suppressed.reason = redactor.redact(&suppressed.reason);
    }
    let entries = outcome
        .stale
        .iter_mut()
        .chain(outcome.expired.iter_mut().map(|expired| &mut expired.entry));
    for entry in entries {
        for field in [
            &mut entry.host,
            &mut entry.endpoint,
            &mut entry.client,
            &mut entry.message,
            &mut entry.reason,
        ] {
            *field = redactor.redact(field);
        }
    }
}

/// Replaces every client name of the findings with a marker of kind `client`, for
/// runs whose client key is a field named like a secret (`--client-key
/// field:api_key`): such a value is a secret as a whole, whatever it looks like. The
/// `-` of requests without a value stays. Call it after [`redact_analysis`].
pub fn redact_secret_clients(analysis: &mut Analysis, redactor: &Redactor) {
    let Some(key) = &redactor.key else {
        return;
    };
    let suppressed = analysis
        .baseline
        .iter_mut()
        .flat_map(|outcome| outcome.suppressed.iter_mut().map(|s| &mut s.finding));
    for finding in analysis.findings.iter_mut().chain(suppressed) {
        if finding.fixed_fingerprint.is_none() {
            finding.fixed_fingerprint = Some(finding.fingerprint().into());
        }
        if &*finding.client != "-" && !is_marker_text(&finding.client) {
            finding.client = marker(key, "client", &finding.client).into();
        }
    }
}

/// Redacts one finding, pinning its fingerprint first.
fn redact_finding(finding: &mut Finding, redactor: &Redactor) {
    if finding.fixed_fingerprint.is_none() {
        finding.fixed_fingerprint = Some(finding.fingerprint().into());
    }
    finding.client = redactor.redact_arc(&finding.client);
    finding.host = redactor.redact_arc(&finding.host);
    if let Some(endpoint) = &mut finding.endpoint {
        endpoint.method = redactor.redact_arc(&endpoint.method);
        endpoint.template = redactor.redact_arc(&endpoint.template);
    }
    finding.message = redactor.redact(&finding.message);
    for value in finding.metrics.values_mut() {
        redact_json(value, redactor);
    }
}

/// Redacts the strings inside a JSON value, keys excepted.
fn redact_json(value: &mut serde_json::Value, redactor: &Redactor) {
    match value {
        serde_json::Value::String(text) => *text = redactor.redact(text),
        serde_json::Value::Array(items) => {
            for item in items {
                redact_json(item, redactor);
            }
        }
        serde_json::Value::Object(members) => {
            for member in members.values_mut() {
                redact_json(member, redactor);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redact(text: &str) -> String {
        Redactor::new().redact(text)
    }

    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

    #[test]
    fn patterns_compile() {
        assert_eq!(PASSES.len(), 6);
    }

    #[test]
    fn jwt_in_path_redacted() {
        let out = redact(&format!("GET /v1/verify/{JWT}/status"));
        assert!(!out.contains("eyJhbGci"), "{out}");
        assert!(out.contains("[redacted:jwt:"), "{out}");
        assert!(out.ends_with("/status"), "{out}");
    }

    #[test]
    fn bearer_credential_redacted() {
        let out = redact("Authorization: Bearer abc.def-ghi_jkl");
        assert!(!out.contains("abc.def-ghi_jkl"), "{out}");
        assert!(out.contains("[redacted:"), "{out}");
    }

    #[test]
    fn ssws_and_basic_redacted() {
        let out = redact("SSWS 00abcdEFGHijklmnop and Basic dXNlcjpwYXNz");
        assert!(!out.contains("00abcdEFGHijklmnop"), "{out}");
        assert!(!out.contains("dXNlcjpwYXNz"), "{out}");
    }

    #[test]
    fn query_parameters_redacted() {
        for name in [
            "token",
            "api_key",
            "apikey",
            "client_secret",
            "password",
            "passwd",
            "code",
            "state",
            "session",
            "sig",
            "signature",
            "SAMLResponse",
            "access_token",
            "id_token",
            "refresh_token",
            "X-Amz-Signature",
        ] {
            let out = redact(&format!("/cb?page=2&{name}=plainvalue&x=1"));
            assert!(!out.contains("plainvalue"), "{name}: {out}");
            assert!(out.contains("page=2"), "{name}: {out}");
        }
    }

    #[test]
    fn json_member_redacted() {
        let out = redact(r#"{"refresh_token": "plainvalue", "count": "3"}"#);
        assert!(!out.contains("plainvalue"), "{out}");
        assert!(out.contains(r#""count": "3""#), "{out}");
    }

    #[test]
    fn cookie_value_redacted() {
        let out = redact("Cookie: sessionid=plainvalue; theme=dark");
        assert!(!out.contains("plainvalue"), "{out}");
        assert!(out.contains("theme=dark"), "{out}");
    }

    #[test]
    fn secret_path_segment_redacted() {
        let out = redact("GET /v1/reset/token/hunter2/confirm");
        assert!(!out.contains("hunter2"), "{out}");
        assert!(out.contains("/confirm"), "{out}");
    }

    #[test]
    fn route_after_auth_kept() {
        assert_eq!(redact("POST /auth/login"), "POST /auth/login");
        assert_eq!(redact("POST /session/refresh"), "POST /session/refresh");
    }

    #[test]
    fn plural_directory_kept() {
        let path = "tests/fixtures/secrets/seeded.har";
        assert_eq!(redact(path), path);
    }

    #[test]
    fn placeholder_segment_kept() {
        assert_eq!(
            redact("GET /v1/sessions/{id}/keys"),
            "GET /v1/sessions/{id}/keys"
        );
    }

    #[test]
    fn mixed_case_token_redacted() {
        let out = redact("/k/qWeRtYuIoPaSdFgHjKlZxCvBnMqWeRtY/x");
        assert!(out.contains("[redacted:token:"), "{out}");
    }

    #[test]
    fn email_redacted() {
        let out = redact("/users/jane.doe@example.com/x and jane%40example.org");
        assert!(!out.contains("jane"), "{out}");
        assert!(out.contains("[redacted:email:"), "{out}");
    }

    #[test]
    fn long_token_redacted() {
        let out = redact("/files/8f3Kq92LmZx71PqR4tWv0Ya/download");
        assert!(!out.contains("8f3Kq92LmZx71PqR4tWv0Ya"), "{out}");
        assert!(out.contains("[redacted:token:"), "{out}");
    }

    #[test]
    fn ordinary_text_kept() {
        for text in [
            "GET /api/v1/users/{id}/orders",
            "retry-without-backoff-rules-2024",
            "X-RateLimit-Remaining fell to 0 after 120 requests in 60 s",
            "captures/mitmproxy_har_files_chrome.har entry 12",
            "api.example.com",
            "/doc/action/support/TransportMasterNodeOperationAction.html",
        ] {
            assert_eq!(redact(text), text);
        }
    }

    #[test]
    fn same_secret_same_marker() {
        let redactor = Redactor::new();
        let first = redactor.redact("?token=plainvalue");
        let second = redactor.redact("&token=plainvalue");
        let other = redactor.redact("?token=othervalue");
        assert_eq!(first[1..], second[1..]);
        assert_ne!(first, other);
    }

    #[test]
    fn disabled_keeps_text() {
        let text = "?token=plainvalue";
        assert_eq!(Redactor::disabled().redact(text), text);
    }

    #[test]
    fn entropy_of_uniform_text() {
        assert!((shannon_entropy("abcd") - 2.0).abs() < 1e-9);
        assert_eq!(shannon_entropy("aaaa"), 0.0);
        assert_eq!(shannon_entropy(""), 0.0);
    }

    #[test]
    fn secret_names_split() {
        assert!(is_secret_name("apiKey"));
        assert!(is_secret_name("x-api-key"));
        assert!(is_secret_name("JSESSIONID"));
        assert!(!is_secret_name("monkey"));
        assert!(!is_secret_name("page"));
        assert!(!is_secret_name("keys"));
    }
}
