//! Endpoint templates: concrete URL paths folded into patterns such as
//! `/api/v1/users/{id}`, so that requests to different items of one collection count
//! against the same endpoint.
//!
//! A path segment becomes `{id}` when it looks like an identifier. Identifiers are
//! integers, UUIDs, hex strings of 8 or more characters, Okta object ids (`00u…`, `00g…`,
//! `0oa…`), Stripe-style prefixed ids (`cus_…`), email addresses, and long opaque tokens
//! that mix letters and digits. Words stay as
//! they are, including short ones with digits such as `v1` or `oauth2`, and action names
//! such as `me`, `lifecycle` and `activate`.

/// The placeholder that replaces an identifier segment.
pub const ID_PLACEHOLDER: &str = "{id}";

/// Turns a URL path (without query) into its endpoint template.
///
/// ```
/// use ratelint::model::template::template_path;
/// assert_eq!(template_path("/api/v1/users/00u1ab2CDefGhIJk3l4"), "/api/v1/users/{id}");
/// assert_eq!(template_path("/api/v1/users/me"), "/api/v1/users/me");
/// ```
pub fn template_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_string();
    }
    let mut template = String::with_capacity(path.len());
    for (index, segment) in path.split('/').enumerate() {
        if index > 0 {
            template.push('/');
        }
        push_segment(&mut template, segment);
    }
    // A path of matrix parameters only (`;jsessionid=...`) leaves nothing, and the
    // template of the empty path is `/`, so that templating a template changes nothing.
    if template.is_empty() {
        template.push('/');
    }
    template
}

fn push_segment(template: &mut String, segment: &str) {
    // Matrix parameters (`search;jsessionid=...`) are dropped like query values: they
    // often carry session ids.
    let segment = segment.split(';').next().unwrap_or(segment);
    if is_identifier(segment) {
        template.push_str(ID_PLACEHOLDER);
        return;
    }
    // `bot123456:AAH...` (a Telegram bot token), `{name}:batchGet` (a Google custom
    // method): template each colon-separated piece on its own.
    if segment.contains(':') {
        for (index, piece) in segment.split(':').enumerate() {
            if index > 0 {
                template.push(':');
            }
            push_piece(template, piece);
        }
        return;
    }
    push_piece(template, segment);
}

fn push_piece(template: &mut String, segment: &str) {
    if is_identifier(segment) {
        template.push_str(ID_PLACEHOLDER);
        return;
    }
    // `123.json`, `00u1ab2CDefGhIJk3l4.xml`: keep a short alphabetic extension.
    if let Some((stem, extension)) = segment.rsplit_once('.')
        && !stem.is_empty()
        && (1..=5).contains(&extension.len())
        && extension.bytes().all(|b| b.is_ascii_alphabetic())
        && is_identifier(stem)
    {
        template.push_str(ID_PLACEHOLDER);
        template.push('.');
        template.push_str(extension);
        return;
    }
    template.push_str(segment);
}

/// Decides whether one path segment is an identifier rather than a word.
pub fn is_identifier(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    if bytes.iter().all(u8::is_ascii_digit) {
        return true;
    }
    is_uuid(bytes)
        || is_long_hex(bytes)
        || is_okta_id(bytes)
        || is_email(segment)
        || is_opaque_token(bytes)
        || is_prefixed_id(bytes)
        || is_upper_case_token(bytes)
}

/// Upper-case tokens of 16 or more letters and digits (`AKIAIOSFODNN7EXAMPLE`, base32
/// keys): path words are not written that way.
fn is_upper_case_token(bytes: &[u8]) -> bool {
    bytes.len() >= 16
        && bytes
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Stripe-style ids: a short lower-case type prefix, an underscore and a random base62
/// part (`cus_ALYqEcMnGYvTio`, `ch_3MmlLrLkdIwHu7ix0snN0B15`). The random part has a
/// digit or mixes cases, which distinguishes it from snake_case words such as
/// `balance_transactions`.
fn is_prefixed_id(bytes: &[u8]) -> bool {
    // The random part follows the last underscore; the prefix may have two words
    // (`sk_test_...`, `pk_live_...`).
    let Some(underscore) = bytes.iter().rposition(|b| *b == b'_') else {
        return false;
    };
    let (prefix, random) = (&bytes[..underscore], &bytes[underscore + 1..]);
    let words = prefix.split(|b| *b == b'_').collect::<Vec<_>>();
    words.len() <= 2
        && words
            .iter()
            .all(|w| (1..=8).contains(&w.len()) && w.iter().all(u8::is_ascii_lowercase))
        && random.len() >= 8
        && random.iter().all(u8::is_ascii_alphanumeric)
        && (random.iter().any(u8::is_ascii_digit)
            || (random.iter().any(u8::is_ascii_uppercase)
                && random.iter().any(u8::is_ascii_lowercase)))
}

/// `123e4567-e89b-12d3-a456-426614174000`, any case.
fn is_uuid(bytes: &[u8]) -> bool {
    bytes.len() == 36
        && bytes.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Hex strings of 8 or more characters: commit SHAs, hashes, Mongo object ids. A pure
/// letter string such as `deadbeef` or `facade` is taken as a word unless it is 16 or
/// more characters long.
fn is_long_hex(bytes: &[u8]) -> bool {
    bytes.len() >= 8
        && bytes.iter().all(u8::is_ascii_hexdigit)
        && (bytes.len() >= 16 || bytes.iter().any(u8::is_ascii_digit))
}

/// Okta object ids are 20 alphanumeric characters that start with `0` and a two-letter
/// type prefix: `00u` users, `00g` groups, `0oa` apps and clients, `0pr` profiles, and so
/// on. Some ids in documentation are a character or two shorter.
fn is_okta_id(bytes: &[u8]) -> bool {
    (15..=24).contains(&bytes.len())
        && bytes[0] == b'0'
        && bytes.iter().all(u8::is_ascii_alphanumeric)
        && bytes[3..].iter().any(u8::is_ascii_digit)
}

/// `jane.doe@example.com`, also percent-encoded (`jane.doe%40example.com`), as Okta
/// accepts a login in place of a user id.
fn is_email(segment: &str) -> bool {
    let at = segment.find('@').or_else(|| {
        let lower = segment.to_ascii_lowercase();
        lower.find("%40")
    });
    match at {
        Some(position) => position > 0 && segment[position..].contains('.'),
        None => false,
    }
}

/// Long opaque tokens: 16 or more characters from the URL-safe alphabet that mix letters
/// and digits, such as API-generated keys or base64url ids. Long words (`application_
/// instances`, `getUserPermissions`) contain no digit and stay.
fn is_opaque_token(bytes: &[u8]) -> bool {
    bytes.len() >= 16
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'='))
        && bytes.iter().any(u8::is_ascii_digit)
        && bytes.iter().any(u8::is_ascii_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_cases() {
        let cases = [
            ("/api/v1/users/00u1ab2CDefGhIJk3l4", "/api/v1/users/{id}"),
            (
                "/api/v1/users/00u1ab2CDefGhIJk3l4/groups",
                "/api/v1/users/{id}/groups",
            ),
            ("/api/v1/groups/00g1emaKYZTWRYYRRTSK", "/api/v1/groups/{id}"),
            ("/api/v1/apps/0oa1gjh63g214q0Hq0g4", "/api/v1/apps/{id}"),
            (
                "/api/v1/users/00u1ab2CDefGhIJk3l4/lifecycle/activate",
                "/api/v1/users/{id}/lifecycle/activate",
            ),
            ("/api/v1/users/me", "/api/v1/users/me"),
            ("/api/v1/users/jane.doe@example.com", "/api/v1/users/{id}"),
            ("/api/v1/users/jane.doe%40example.com", "/api/v1/users/{id}"),
            (
                "/repos/octo/hello/issues/1347",
                "/repos/octo/hello/issues/{id}",
            ),
            (
                "/repos/octo/hello/commits/6dcb09b5b57875f334f61aebed695e2e4193db5e",
                "/repos/octo/hello/commits/{id}",
            ),
            (
                "/v1/jobs/123e4567-e89b-12d3-a456-426614174000/status",
                "/v1/jobs/{id}/status",
            ),
            (
                "/v1/charges/ch_3MmlLrLkdIwHu7ix0snN0B15",
                "/v1/charges/{id}",
            ),
            ("/items/507f1f77bcf86cd799439011", "/items/{id}"),
            ("/v1/customers/cus_ALYqEcMnGYvTio", "/v1/customers/{id}"),
            ("/v1/balance_transactions", "/v1/balance_transactions"),
            (
                "/api/v1/org/preferences/hideEndUserFooter",
                "/api/v1/org/preferences/hideEndUserFooter",
            ),
            ("/v1/subscription_items", "/v1/subscription_items"),
            ("/v1/keys/sk_test_4eC39HqLyjWDarjtT1zdp7dc", "/v1/keys/{id}"),
            ("/v1/search;jsessionid=8A3F2B", "/v1/search"),
            (
                "/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage",
                "/bot123456789:{id}/sendMessage",
            ),
            ("/v1/projects/demo:batchGet", "/v1/projects/demo:batchGet"),
            ("/keys/AKIAIOSFODNN7EXAMPLE", "/keys/{id}"),
            (
                "/api/v1/users/00u1ab2CDefGhIJk3l4;v=2",
                "/api/v1/users/{id}",
            ),
            ("/orders/42.json", "/orders/{id}.json"),
            ("/oauth2/v1/token", "/oauth2/v1/token"),
            ("/api/v2beta1/things", "/api/v2beta1/things"),
            (
                "/api/v1/application_instances",
                "/api/v1/application_instances",
            ),
            ("/deadbeef/facade", "/deadbeef/facade"),
            ("/", "/"),
            ("", "/"),
            ("/users/", "/users/"),
            ("/static/app.js", "/static/app.js"),
        ];
        for (path, expected) in cases {
            assert_eq!(template_path(path), expected, "path {path}");
        }
    }

    #[test]
    fn words_are_not_identifiers() {
        for word in [
            "v1",
            "me",
            "lifecycle",
            "activate",
            "users",
            "2fa",
            "oauth2",
        ] {
            assert!(!is_identifier(word), "{word} taken as an identifier");
        }
    }

    #[test]
    fn short_hex_word_kept() {
        assert!(!is_identifier("abcdef12"[..7].as_ref()));
        assert!(is_identifier("abcdef12"));
    }
}
