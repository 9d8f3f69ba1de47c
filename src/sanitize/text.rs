//! Scrubbing inside strings: URL queries and fragments, form bodies, JSON bodies and
//! JWTs.
//!
//! Every function returns how many values it replaced, so the caller can count them by
//! kind. Replacements come from [`Redactions`], which maps equal secrets to equal
//! placeholders: the analysis compares request URLs and bodies for equality.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::Redactions;
use super::names::is_credential_name;

/// A compact JWS: base64url header (a JSON object, so it starts with `eyJ`), payload
/// and signature, joined by dots (the JWS Compact Serialization of RFC 7515).
static JWT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.([A-Za-z0-9_-]{8,})").ok()
});

/// Replaces the query and fragment values of credential parameters in a URL. Relative
/// URLs (an HTTP/2 `:path`) work too.
pub(crate) fn scrub_url(url: &str, redactions: &mut Redactions) -> (String, usize) {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((head, fragment)) => (head, Some(fragment)),
        None => (url, None),
    };
    let (before_fragment, mut count) = scrub_user_info(before_fragment);
    let mut out = match before_fragment.split_once('?') {
        Some((base, query)) => {
            let (query, replaced) = scrub_pairs(query, redactions);
            count += replaced;
            format!("{base}?{query}")
        }
        None => before_fragment.to_string(),
    };
    // OAuth's implicit flow returns `access_token` and `id_token` in the fragment
    // (RFC 6749, section 4.2.2), so a fragment of pairs is scrubbed like a query.
    if let Some(fragment) = fragment {
        out.push('#');
        if fragment.contains('=') {
            let (fragment, replaced) = scrub_pairs(fragment, redactions);
            count += replaced;
            out.push_str(&fragment);
        } else {
            out.push_str(fragment);
        }
    }
    (out, count)
}

/// Replaces the user information of `scheme://user:password@host/...` by `redacted`,
/// because it is usually a password (RFC 3986, section 3.2.1). Returns the URL and 1
/// when it was replaced, else 0.
fn scrub_user_info(url: &str) -> (String, usize) {
    let Some(scheme_end) = url.find("://") else {
        return (url.to_string(), 0);
    };
    let authority_start = scheme_end + 3;
    let rest = &url[authority_start..];
    let authority_len = rest.find(['/', '?']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_len].rfind('@') else {
        return (url.to_string(), 0);
    };
    if &rest[..at] == "redacted" {
        return (url.to_string(), 0);
    }
    let scrubbed = format!("{}redacted{}", &url[..authority_start], &rest[at..]);
    (scrubbed, 1)
}

/// Replaces the values of credential names in `name=value&...` text: a query, a
/// fragment or an `application/x-www-form-urlencoded` body.
pub(crate) fn scrub_pairs(text: &str, redactions: &mut Redactions) -> (String, usize) {
    let mut count = 0;
    let pieces: Vec<String> = text
        .split('&')
        .map(|piece| {
            let Some((name, value)) = piece.split_once('=') else {
                return piece.to_string();
            };
            let value_text = percent_decode(value);
            if value.is_empty()
                || Redactions::is_placeholder(&value_text)
                || !is_credential_name(&percent_decode(name))
            {
                return piece.to_string();
            }
            count += 1;
            let placeholder = redactions.placeholder(&value_text);
            format!("{name}={}", percent_encode_brackets(&placeholder))
        })
        .collect();
    (pieces.join("&"), count)
}

/// Replaces, recursively, the values under credential keys in a JSON document.
pub(crate) fn scrub_json(value: &mut Value, redactions: &mut Redactions) -> usize {
    match value {
        Value::Object(map) => {
            let mut count = 0;
            for (key, child) in map.iter_mut() {
                if is_credential_name(key) {
                    count += redact_all(child, keeps_numbers(key), redactions);
                } else {
                    count += scrub_json(child, redactions);
                }
            }
            count
        }
        Value::Array(items) => items
            .iter_mut()
            .map(|item| scrub_json(item, redactions))
            .sum(),
        _ => 0,
    }
}

/// Numbers under `code` and `state` are kept: APIs use these names for numeric error
/// codes and states, while OAuth codes and states are strings.
fn keeps_numbers(key: &str) -> bool {
    key.eq_ignore_ascii_case("code") || key.eq_ignore_ascii_case("state")
}

/// Replaces every string (and, unless `keep_numbers`, every number) in a value.
fn redact_all(value: &mut Value, keep_numbers: bool, redactions: &mut Redactions) -> usize {
    match value {
        Value::String(text) if !text.is_empty() && !Redactions::is_placeholder(text) => {
            *text = redactions.placeholder(text);
            1
        }
        Value::Number(number) if !keep_numbers => {
            *value = Value::String(redactions.placeholder(&number.to_string()));
            1
        }
        Value::Array(items) => items
            .iter_mut()
            .map(|item| redact_all(item, keep_numbers, redactions))
            .sum(),
        Value::Object(map) => map
            .values_mut()
            .map(|child| redact_all(child, keep_numbers, redactions))
            .sum(),
        _ => 0,
    }
}

/// Replaces the signature of every JWT in `text`, keeping its header and payload.
/// Returns `None` when the text has no JWT.
pub(crate) fn scrub_jwts(text: &str, redactions: &mut Redactions) -> Option<(String, usize)> {
    let jwt = JWT.as_ref()?;
    if !text.contains("eyJ") {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut count = 0;
    for captures in jwt.captures_iter(text) {
        let Some(signature) = captures.get(1) else {
            continue;
        };
        // A signature written by an earlier run is already safe.
        if signature.as_str().starts_with("redacted-") {
            continue;
        }
        out.push_str(&text[last..signature.start()]);
        out.push_str(&redactions.signature_placeholder(signature.as_str()));
        last = signature.end();
        count += 1;
    }
    if count == 0 {
        return None;
    }
    out.push_str(&text[last..]);
    Some((out, count))
}

/// Decodes `%XX` escapes and `+` (a space in forms); invalid UTF-8 becomes U+FFFD.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(byte) = hex {
                    out.push(byte);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Escapes the brackets of a placeholder, which are not allowed unescaped in a query
/// (RFC 3986, section 3.4).
fn percent_encode_brackets(text: &str) -> String {
    text.replace('[', "%5B").replace(']', "%5D")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_query_credentials_replaced() {
        let mut redactions = Redactions::default();
        let (url, count) = scrub_url(
            "https://a.example/cb?code=SECRETCODE&state=xyz&page=2#frag",
            &mut redactions,
        );
        assert_eq!(
            url,
            "https://a.example/cb?code=%5Bredacted-1%5D&state=%5Bredacted-2%5D&page=2#frag"
        );
        assert_eq!(count, 2);
    }

    #[test]
    fn url_fragment_tokens_replaced() {
        let mut redactions = Redactions::default();
        let (url, count) = scrub_url("/cb#access_token=AT123&token_type=bearer", &mut redactions);
        assert!(!url.contains("AT123"), "{url}");
        assert!(url.contains("token_type=%5Bredacted-2%5D"), "{url}");
        assert_eq!(count, 2);
    }

    #[test]
    fn url_user_info_replaced() {
        let mut redactions = Redactions::default();
        let (url, count) = scrub_url("https://ann:pa55@a.example/x?y=1", &mut redactions);
        assert_eq!(url, "https://redacted@a.example/x?y=1");
        assert_eq!(count, 1);
        let (again, count) = scrub_url(&url, &mut redactions);
        assert_eq!(again, url);
        assert_eq!(count, 0);
    }

    #[test]
    fn url_without_query_unchanged() {
        let mut redactions = Redactions::default();
        let (url, count) = scrub_url("https://a.example/x/y", &mut redactions);
        assert_eq!(url, "https://a.example/x/y");
        assert_eq!(count, 0);
    }

    #[test]
    fn equal_secrets_equal_placeholders() {
        let mut redactions = Redactions::default();
        let (first, _) = scrub_pairs("token=A&x=1", &mut redactions);
        let (second, _) = scrub_pairs("token=A&x=2", &mut redactions);
        let (third, _) = scrub_pairs("token=B", &mut redactions);
        assert_eq!(first, "token=%5Bredacted-1%5D&x=1");
        assert_eq!(second, "token=%5Bredacted-1%5D&x=2");
        assert_eq!(third, "token=%5Bredacted-2%5D");
    }

    #[test]
    fn encoded_value_decoded_first() {
        let mut redactions = Redactions::default();
        let (_, _) = scrub_pairs("password=a%20b", &mut redactions);
        let (form, _) = scrub_pairs("password=a+b", &mut redactions);
        assert_eq!(form, "password=%5Bredacted-1%5D");
    }

    #[test]
    fn json_nested_credentials_replaced() {
        let mut redactions = Redactions::default();
        let mut value: Value = serde_json::from_str(
            r#"{"user":{"name":"ann","password":"hunter2","pin_secret":1234},
                "errorCode":"E0000047","code":429,"items":[{"apiKey":["k1","k2"]}]}"#,
        )
        .expect("valid JSON");
        let count = scrub_json(&mut value, &mut redactions);
        let text = value.to_string();
        assert_eq!(count, 4, "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("1234"), "{text}");
        assert!(!text.contains("k1"), "{text}");
        assert!(text.contains("E0000047"), "{text}");
        assert!(text.contains("429"), "{text}");
        assert!(text.contains("ann"), "{text}");
    }

    #[test]
    fn jwt_signature_replaced() {
        let mut redactions = Redactions::default();
        let token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXNlY3JldA";
        let text = format!("see {token} here");
        let (out, count) = scrub_jwts(&text, &mut redactions).expect("a JWT");
        assert_eq!(
            out,
            "see eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.redacted-1 here"
        );
        assert_eq!(count, 1);
    }

    #[test]
    fn jwt_absent_returns_none() {
        let mut redactions = Redactions::default();
        assert!(scrub_jwts("eyJ but not a token", &mut redactions).is_none());
    }
}
