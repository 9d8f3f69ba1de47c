//! Recognition of the response header names that carry rate-limit signals.
//!
//! Every response header of a capture passes through [`classify`], so it compares
//! names in place with `eq_ignore_ascii_case` (names are case-insensitive, and HTTP/2
//! captures write them in lower case) and rejects most names on their first byte.

/// A header field that ratelint reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    /// `Date`: the server clock, against which dates and epoch resets are measured.
    Date,
    RetryAfter,
    /// `X-Rate-Limit-Limit` (Okta, X).
    DashLimit,
    DashRemaining,
    DashReset,
    /// `X-RateLimit-Limit` (GitHub, Discord and many others).
    XLimit,
    XRemaining,
    XReset,
    /// Discord's `X-RateLimit-Reset-After`, in float seconds.
    XResetAfter,
    /// GitHub's `X-RateLimit-Used`.
    XUsed,
    /// GitHub's `X-RateLimit-Resource`.
    XResource,
    /// `RateLimit-Limit` (IETF draft up to -06).
    DraftLimit,
    DraftRemaining,
    DraftReset,
    /// `RateLimit-Policy`, in its older integer form or as named policies.
    Policy,
    /// `RateLimit`, as the draft -07 Dictionary or the later List of named items.
    RateLimit,
    /// `X-Shopify-Shop-Api-Call-Limit`.
    Shopify,
}

const DASH_SUFFIXES: [(&str, Field); 3] = [
    ("limit", Field::DashLimit),
    ("remaining", Field::DashRemaining),
    ("reset", Field::DashReset),
];

const X_SUFFIXES: [(&str, Field); 6] = [
    ("limit", Field::XLimit),
    ("remaining", Field::XRemaining),
    ("reset", Field::XReset),
    ("reset-after", Field::XResetAfter),
    ("used", Field::XUsed),
    ("resource", Field::XResource),
];

const DRAFT_SUFFIXES: [(&str, Field); 4] = [
    ("limit", Field::DraftLimit),
    ("remaining", Field::DraftRemaining),
    ("reset", Field::DraftReset),
    ("policy", Field::Policy),
];

/// Returns the field a header name denotes, or `None` for every other header.
pub(crate) fn classify(name: &str) -> Option<Field> {
    match name.as_bytes().first()?.to_ascii_lowercase() {
        b'd' => name.eq_ignore_ascii_case("date").then_some(Field::Date),
        b'r' => {
            if name.eq_ignore_ascii_case("retry-after") {
                Some(Field::RetryAfter)
            } else if name.eq_ignore_ascii_case("ratelimit") {
                Some(Field::RateLimit)
            } else {
                suffix_field(name, "ratelimit-", &DRAFT_SUFFIXES)
            }
        }
        b'x' => suffix_field(name, "x-ratelimit-", &X_SUFFIXES)
            .or_else(|| suffix_field(name, "x-rate-limit-", &DASH_SUFFIXES))
            .or_else(|| {
                name.eq_ignore_ascii_case("x-shopify-shop-api-call-limit")
                    .then_some(Field::Shopify)
            }),
        _ => None,
    }
}

/// Matches `prefix` + one of `suffixes`, ignoring case.
fn suffix_field(name: &str, prefix: &str, suffixes: &[(&str, Field)]) -> Option<Field> {
    let head = name.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let tail = name.get(prefix.len()..)?;
    suffixes
        .iter()
        .find(|(suffix, _)| suffix.eq_ignore_ascii_case(tail))
        .map(|&(_, field)| field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ignore_case() {
        assert_eq!(classify("Retry-After"), Some(Field::RetryAfter));
        assert_eq!(classify("retry-after"), Some(Field::RetryAfter));
        assert_eq!(classify("RETRY-AFTER"), Some(Field::RetryAfter));
        assert_eq!(classify("DATE"), Some(Field::Date));
        assert_eq!(classify("X-RateLimit-Reset"), Some(Field::XReset));
        assert_eq!(
            classify("x-ratelimit-reset-after"),
            Some(Field::XResetAfter)
        );
        assert_eq!(classify("X-Rate-Limit-Reset"), Some(Field::DashReset));
        assert_eq!(classify("RateLimit-Policy"), Some(Field::Policy));
        assert_eq!(classify("ratelimit"), Some(Field::RateLimit));
        assert_eq!(
            classify("X-Shopify-Shop-Api-Call-Limit"),
            Some(Field::Shopify)
        );
    }

    #[test]
    fn other_names_ignored() {
        for name in [
            "",
            "content-type",
            "x-ratelimit-",
            "x-ratelimit-bucket",
            "x-rate-limit-used",
            "ratelimit-",
            "ratelimits",
            "dates",
            "x-okta-request-id",
            "é",
        ] {
            assert_eq!(classify(name), None, "{name:?}");
        }
    }
}
