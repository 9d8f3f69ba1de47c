//! Classification of header, query, form and JSON names as credentials.
//!
//! Names are matched by their words (split at punctuation and camelCase), not by
//! substrings, so that `errorCode`, `statusCode` and `monkey` keep their values: the
//! rate-limit signals read Okta's `errorCode`, and a sanitized capture must still
//! analyze the same way.

/// Headers whose whole value is a credential, lower case.
const CREDENTIAL_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// Name words that mark a credential wherever they appear in a name: `api_key`,
/// `accessToken`, `X-Amz-Signature`, `session_id`.
const CREDENTIAL_WORDS: &[&str] = &[
    "token",
    "key",
    "apikey",
    "secret",
    "password",
    "passwd",
    "session",
    "sessionid",
    "sig",
    "signature",
    "jwt",
];

/// Names that are credentials only as a whole. OAuth sends the authorization `code`
/// and the CSRF `state` as query parameters (RFC 6749, section 4.1.2), and SAML posts
/// `SAMLResponse`. As parts of a name (`errorCode`, `termination_state`) they are
/// ordinary data.
const CREDENTIAL_NAMES: &[&str] = &["code", "state", "samlresponse", "samlrequest"];

/// Returns whether a header's value is a credential: the headers above, names ending
/// in `-token` or `-key`, and names with a credential word (see [`is_credential_name`]).
pub(crate) fn is_credential_header(name: &str) -> bool {
    let lower = name.trim().to_ascii_lowercase();
    CREDENTIAL_HEADERS.contains(&lower.as_str())
        || lower.ends_with("-token")
        || lower.ends_with("-key")
        || is_credential_name(&lower)
}

/// Returns whether a query parameter, form field or JSON key names a credential.
///
/// True when the name contains `secret`, `password` or `passwd` anywhere, when one of
/// its words is a credential word (`token`, `key`, `session`, `sig`, ...), or when the
/// whole name is `code`, `state`, `SAMLResponse` or `SAMLRequest`.
pub(crate) fn is_credential_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if ["secret", "password", "passwd"]
        .iter()
        .any(|part| lower.contains(part))
    {
        return true;
    }
    let whole: String = lower.chars().filter(char::is_ascii_alphanumeric).collect();
    if CREDENTIAL_NAMES.contains(&whole.as_str()) {
        return true;
    }
    words(name)
        .iter()
        .any(|word| CREDENTIAL_WORDS.contains(&word.as_str()))
}

/// Splits a name into lower-case words at non-alphanumeric characters and at
/// lower-to-upper camelCase boundaries: `X-Api-Key` and `apiKey` give `api`, `key`.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_headers_matched() {
        for name in [
            "Authorization",
            "proxy-authorization",
            "Cookie",
            "Set-Cookie",
            "X-Api-Key",
            "X-CSRF-Token",
            "x-goog-api-key",
            "X-Client-Secret",
            "X-Amz-Security-Token",
            "X-Session-Id",
        ] {
            assert!(is_credential_header(name), "{name}");
        }
    }

    #[test]
    fn ordinary_headers_kept() {
        for name in [
            "Retry-After",
            "X-RateLimit-Remaining",
            "Keep-Alive",
            "Content-Type",
            "ETag",
            "User-Agent",
        ] {
            assert!(!is_credential_header(name), "{name}");
        }
    }

    #[test]
    fn credential_names_matched() {
        for name in [
            "token",
            "access_token",
            "id_token",
            "refresh_token",
            "client_secret",
            "apiKey",
            "api_key",
            "password",
            "user_passwd",
            "code",
            "state",
            "SAMLResponse",
            "sessionId",
            "sig",
            "X-Amz-Signature",
            "nextPageToken",
        ] {
            assert!(is_credential_name(name), "{name}");
        }
    }

    #[test]
    fn ordinary_names_kept() {
        for name in [
            "errorCode",
            "statusCode",
            "termination_state",
            "monkey",
            "labels",
            "per_page",
            "id",
            "limit",
        ] {
            assert!(!is_credential_name(name), "{name}");
        }
    }
}
