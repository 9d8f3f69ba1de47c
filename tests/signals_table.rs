//! Table tests of `RateLimitSignals::from_response` over the header forms seen in the
//! wild: every Retry-After form, each quota header family, and each throttle case.

use ratelint::model::{Quota, QuotaFamily, RateLimitSignals, RetryAfterForm, Throttle, Timestamp};

/// 2026-03-01T10:00:00Z, a Sunday: when every test response is received.
const NOW_MS: i64 = 1_772_359_200_000;
/// `NOW_MS` in epoch seconds.
const NOW_S: i64 = NOW_MS / 1_000;
/// The server clock agreeing with the client.
const DATE_NOW: &str = "Sun, 01 Mar 2026 10:00:00 GMT";
/// The server clock 20 s ahead of the client.
const DATE_AHEAD: &str = "Sun, 01 Mar 2026 10:00:20 GMT";
/// RFC 9111 section 1.2.2 cap on delays: 2^31 seconds, in milliseconds.
const MAX_DELAY_MS: i64 = 2_147_483_648_000;

fn read(status: u16, headers: &[(&str, &str)], body: Option<&str>) -> RateLimitSignals {
    RateLimitSignals::from_response(status, headers, body, Timestamp::from_millis(NOW_MS))
}

/// A Retry-After case: name, status, headers, expected delay, form and malformed flag.
struct RetryCase {
    name: &'static str,
    status: u16,
    headers: &'static [(&'static str, &'static str)],
    delay_ms: Option<i64>,
    form: Option<RetryAfterForm>,
    malformed: bool,
}

const fn retry(
    name: &'static str,
    headers: &'static [(&'static str, &'static str)],
    delay_ms: Option<i64>,
    form: Option<RetryAfterForm>,
    malformed: bool,
) -> RetryCase {
    RetryCase {
        name,
        status: 429,
        headers,
        delay_ms,
        form,
        malformed,
    }
}

const SECONDS: Option<RetryAfterForm> = Some(RetryAfterForm::Seconds);
const IMF: Option<RetryAfterForm> = Some(RetryAfterForm::ImfFixdate);
const RFC850: Option<RetryAfterForm> = Some(RetryAfterForm::Rfc850);
const ASCTIME: Option<RetryAfterForm> = Some(RetryAfterForm::Asctime);

const RETRY_CASES: &[RetryCase] = &[
    retry(
        "integer",
        &[("Retry-After", "120")],
        Some(120_000),
        SECONDS,
        false,
    ),
    retry(
        "padded",
        &[("Retry-After", " 120 ")],
        Some(120_000),
        SECONDS,
        false,
    ),
    retry(
        "lower-case name",
        &[("retry-after", "7")],
        Some(7_000),
        SECONDS,
        false,
    ),
    retry(
        "upper-case name",
        &[("RETRY-AFTER", "7")],
        Some(7_000),
        SECONDS,
        false,
    ),
    retry("zero", &[("Retry-After", "0")], Some(0), SECONDS, false),
    retry(
        "decimal",
        &[("Retry-After", "2.0")],
        Some(2_000),
        SECONDS,
        false,
    ),
    retry(
        "fraction",
        &[("Retry-After", "0.5")],
        Some(500),
        SECONDS,
        false,
    ),
    retry(
        "go minutes",
        &[("Retry-After", "1m0s")],
        Some(60_000),
        SECONDS,
        false,
    ),
    retry(
        "go seconds",
        &[("Retry-After", "1.5s")],
        Some(1_500),
        SECONDS,
        false,
    ),
    retry(
        "negative",
        &[("Retry-After", "-5")],
        Some(0),
        SECONDS,
        false,
    ),
    retry(
        "huge",
        &[("Retry-After", "99999999999999999999")],
        Some(MAX_DELAY_MS),
        SECONDS,
        false,
    ),
    retry("letters", &[("Retry-After", "abc")], None, None, true),
    retry("empty", &[("Retry-After", "")], None, None, true),
    retry("blank", &[("Retry-After", "  ")], None, None, true),
    retry("exponent", &[("Retry-After", "1e3")], None, None, true),
    retry(
        "unit suffix",
        &[("Retry-After", "30 seconds")],
        None,
        None,
        true,
    ),
    retry(
        "imf-fixdate",
        &[
            ("Date", DATE_NOW),
            ("Retry-After", "Sun, 01 Mar 2026 10:00:30 GMT"),
        ],
        Some(30_000),
        IMF,
        false,
    ),
    retry(
        "rfc850",
        &[
            ("Date", DATE_NOW),
            ("Retry-After", "Sunday, 01-Mar-26 10:00:30 GMT"),
        ],
        Some(30_000),
        RFC850,
        false,
    ),
    retry(
        "asctime",
        &[
            ("Date", DATE_NOW),
            ("Retry-After", "Sun Mar  1 10:00:30 2026"),
        ],
        Some(30_000),
        ASCTIME,
        false,
    ),
    retry(
        "date against server clock",
        &[
            ("Date", DATE_AHEAD),
            ("Retry-After", "Sun, 01 Mar 2026 10:00:30 GMT"),
        ],
        Some(10_000),
        IMF,
        false,
    ),
    retry(
        "date header after retry-after",
        &[
            ("Retry-After", "Sun, 01 Mar 2026 10:00:30 GMT"),
            ("date", DATE_AHEAD),
        ],
        Some(10_000),
        IMF,
        false,
    ),
    retry(
        "second date header readable",
        &[
            ("Date", "garbage"),
            ("Date", DATE_AHEAD),
            ("Retry-After", "Sun, 01 Mar 2026 10:00:30 GMT"),
        ],
        Some(10_000),
        IMF,
        false,
    ),
    retry(
        "date without date header",
        &[("Retry-After", "Sun, 01 Mar 2026 10:00:30 GMT")],
        Some(30_000),
        IMF,
        false,
    ),
    retry(
        "date with unreadable date header",
        &[
            ("Date", "yesterday"),
            ("Retry-After", "Sun, 01 Mar 2026 10:00:30 GMT"),
        ],
        Some(30_000),
        IMF,
        false,
    ),
    retry(
        "date in the past",
        &[
            ("Date", DATE_NOW),
            ("Retry-After", "Sun, 01 Mar 2026 09:59:00 GMT"),
        ],
        Some(0),
        IMF,
        false,
    ),
    retry(
        "two-digit year in the past century",
        &[
            ("Date", DATE_NOW),
            ("Retry-After", "Sunday, 06-Nov-94 08:49:37 GMT"),
        ],
        Some(0),
        RFC850,
        false,
    ),
    retry(
        "two-digit year in this century",
        &[
            ("Date", DATE_NOW),
            ("Retry-After", "Monday, 01-Mar-27 10:00:00 GMT"),
        ],
        Some(365 * 86_400_000),
        RFC850,
        false,
    ),
    retry(
        "invalid calendar date",
        &[("Retry-After", "Mon, 30 Feb 2026 10:00:00 GMT")],
        None,
        None,
        true,
    ),
    retry(
        "duplicate headers keep shortest",
        &[("Retry-After", "30"), ("Retry-After", "10")],
        Some(10_000),
        SECONDS,
        false,
    ),
    retry(
        "comma-joined keeps shortest",
        &[("Retry-After", "30, 10")],
        Some(10_000),
        SECONDS,
        false,
    ),
    retry(
        "comma-joined dates",
        &[
            ("Date", DATE_NOW),
            (
                "Retry-After",
                "Sun, 01 Mar 2026 10:00:40 GMT, Sun, 01 Mar 2026 10:00:30 GMT",
            ),
        ],
        Some(30_000),
        IMF,
        false,
    ),
    retry(
        "partly malformed",
        &[("Retry-After", "120, soon")],
        Some(120_000),
        SECONDS,
        true,
    ),
];

#[test]
fn retry_after_table() {
    for case in RETRY_CASES {
        let signals = read(case.status, case.headers, None);
        let delay = signals.retry_after.as_ref().map(|r| r.delay_ms);
        let form = signals.retry_after.as_ref().map(|r| r.form);
        assert_eq!(delay, case.delay_ms, "{}: delay", case.name);
        assert_eq!(form, case.form, "{}: form", case.name);
        assert_eq!(
            signals.retry_after_malformed, case.malformed,
            "{}: malformed",
            case.name
        );
    }
}

#[test]
fn retry_after_ignored_on_redirects() {
    for status in [301, 302, 303, 307, 308] {
        let signals = read(status, &[("Retry-After", "0")], None);
        assert_eq!(signals.retry_after, None, "{status}: retry_after");
        assert!(!signals.retry_after_malformed, "{status}: malformed");
        assert_eq!(signals.throttle, None, "{status}: throttle");
    }
    let malformed = read(302, &[("Retry-After", "abc")], None);
    assert!(!malformed.retry_after_malformed);
}

/// Expected quota of a case; `None` fields must be absent.
struct QuotaCase {
    name: &'static str,
    headers: Vec<(&'static str, String)>,
    expected: Option<Quota>,
}

fn quota(
    family: QuotaFamily,
    limit: Option<u64>,
    remaining: Option<u64>,
    reset_delay_ms: Option<i64>,
) -> Quota {
    Quota {
        family,
        limit,
        remaining,
        used: None,
        reset_delay_ms,
        window_s: None,
        resource: None,
    }
}

fn headers(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs
        .iter()
        .map(|&(name, value)| (name, value.to_string()))
        .collect()
}

fn epoch_s(offset_s: i64) -> String {
    (NOW_S + offset_s).to_string()
}

fn quota_cases() -> Vec<QuotaCase> {
    use QuotaFamily::*;
    vec![
        QuotaCase {
            name: "okta",
            headers: headers(&[
                ("X-Rate-Limit-Limit", "600"),
                ("X-Rate-Limit-Remaining", "599"),
                ("X-Rate-Limit-Reset", &epoch_s(60)),
            ]),
            expected: Some(quota(XRateDashLimit, Some(600), Some(599), Some(60_000))),
        },
        QuotaCase {
            name: "okta duplicate reset keeps earliest",
            headers: headers(&[
                ("x-rate-limit-limit", "600"),
                ("x-rate-limit-remaining", "0"),
                ("x-rate-limit-reset", &epoch_s(60)),
                ("x-rate-limit-reset", &epoch_s(30)),
            ]),
            expected: Some(quota(XRateDashLimit, Some(600), Some(0), Some(30_000))),
        },
        QuotaCase {
            name: "okta comma-joined reset keeps earliest",
            headers: headers(&[
                ("X-Rate-Limit-Remaining", "0, 0"),
                (
                    "X-Rate-Limit-Reset",
                    &format!("{}, {}", epoch_s(60), epoch_s(30)),
                ),
            ]),
            expected: Some(quota(XRateDashLimit, None, Some(0), Some(30_000))),
        },
        QuotaCase {
            name: "github",
            headers: headers(&[
                ("x-ratelimit-limit", "5000"),
                ("x-ratelimit-remaining", "4999"),
                ("x-ratelimit-reset", &epoch_s(3_600)),
                ("x-ratelimit-used", "1"),
                ("x-ratelimit-resource", "core"),
            ]),
            expected: Some(Quota {
                used: Some(1),
                resource: Some("core".to_string()),
                ..quota(XRateLimit, Some(5_000), Some(4_999), Some(3_600_000))
            }),
        },
        QuotaCase {
            name: "epoch reset against server clock",
            headers: headers(&[
                ("Date", DATE_AHEAD),
                ("X-RateLimit-Remaining", "3"),
                ("X-RateLimit-Reset", &epoch_s(30)),
            ]),
            expected: Some(quota(XRateLimit, None, Some(3), Some(10_000))),
        },
        QuotaCase {
            name: "epoch milliseconds reset",
            headers: headers(&[
                ("X-RateLimit-Remaining", "3"),
                ("X-RateLimit-Reset", &((NOW_S + 30) * 1_000).to_string()),
            ]),
            expected: Some(quota(XRateLimit, None, Some(3), Some(30_000))),
        },
        QuotaCase {
            name: "delta seconds reset",
            headers: headers(&[("X-RateLimit-Remaining", "3"), ("X-RateLimit-Reset", "45")]),
            expected: Some(quota(XRateLimit, None, Some(3), Some(45_000))),
        },
        QuotaCase {
            name: "reset in the past",
            headers: headers(&[
                ("X-RateLimit-Remaining", "3"),
                ("X-RateLimit-Reset", &epoch_s(-120)),
            ]),
            expected: Some(quota(XRateLimit, None, Some(3), Some(0))),
        },
        QuotaCase {
            name: "jira iso 8601 reset",
            headers: headers(&[
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", "2026-03-01T10:01Z"),
            ]),
            expected: Some(quota(XRateLimit, None, Some(0), Some(60_000))),
        },
        QuotaCase {
            name: "discord reset-after wins",
            headers: headers(&[
                ("X-RateLimit-Limit", "5"),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", &format!("{}.5", epoch_s(3))),
                ("X-RateLimit-Reset-After", "2.25"),
            ]),
            expected: Some(quota(XRateLimit, Some(5), Some(0), Some(2_250))),
        },
        QuotaCase {
            name: "discord fractional epoch reset",
            headers: headers(&[
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", &format!("{}.5", epoch_s(3))),
            ]),
            expected: Some(quota(XRateLimit, None, Some(0), Some(3_500))),
        },
        QuotaCase {
            name: "draft fields",
            headers: headers(&[
                ("RateLimit-Limit", "100"),
                ("RateLimit-Remaining", "50"),
                ("RateLimit-Reset", "30"),
            ]),
            expected: Some(quota(RateLimitDraft, Some(100), Some(50), Some(30_000))),
        },
        QuotaCase {
            name: "draft policy gives window",
            headers: headers(&[
                ("RateLimit-Limit", "50"),
                ("RateLimit-Remaining", "49"),
                ("RateLimit-Policy", "10;w=1, 50;w=60"),
            ]),
            expected: Some(Quota {
                window_s: Some(60),
                ..quota(RateLimitDraft, Some(50), Some(49), None)
            }),
        },
        QuotaCase {
            name: "draft limit with policies",
            headers: headers(&[("RateLimit-Limit", "10, 10;w=1, 50;w=60")]),
            expected: Some(Quota {
                window_s: Some(1),
                ..quota(RateLimitDraft, Some(10), None, None)
            }),
        },
        QuotaCase {
            name: "draft 07 dictionary",
            headers: headers(&[("RateLimit", "limit=10, remaining=1, reset=7")]),
            expected: Some(quota(RateLimitStructured, Some(10), Some(1), Some(7_000))),
        },
        QuotaCase {
            name: "structured policy and item",
            headers: headers(&[
                ("RateLimit-Policy", r#""burst";q=100;w=60"#),
                ("RateLimit", r#""burst";r=50;t=30"#),
            ]),
            expected: Some(Quota {
                window_s: Some(60),
                resource: Some("burst".to_string()),
                ..quota(RateLimitStructured, Some(100), Some(50), Some(30_000))
            }),
        },
        QuotaCase {
            name: "structured picks tightest policy",
            headers: headers(&[
                (
                    "RateLimit-Policy",
                    r#""burst";q=100;w=60, "daily";q=1000;w=86400"#,
                ),
                ("RateLimit", r#""burst";r=50;t=30, "daily";r=5;t=3600"#),
            ]),
            expected: Some(Quota {
                window_s: Some(86_400),
                resource: Some("daily".to_string()),
                ..quota(RateLimitStructured, Some(1_000), Some(5), Some(3_600_000))
            }),
        },
        QuotaCase {
            name: "structured policies in separate headers",
            headers: headers(&[
                ("ratelimit-policy", r#""burst";q=100;w=60"#),
                ("ratelimit-policy", r#""daily";q=1000;w=86400"#),
                ("ratelimit", r#""daily";r=900;t=3600"#),
            ]),
            expected: Some(Quota {
                window_s: Some(86_400),
                resource: Some("daily".to_string()),
                ..quota(RateLimitStructured, Some(1_000), Some(900), Some(3_600_000))
            }),
        },
        QuotaCase {
            name: "structured token names",
            headers: headers(&[
                ("RateLimit-Policy", "default;q=10;w=1"),
                ("RateLimit", "default;r=0;t=1"),
            ]),
            expected: Some(Quota {
                window_s: Some(1),
                resource: Some("default".to_string()),
                ..quota(RateLimitStructured, Some(10), Some(0), Some(1_000))
            }),
        },
        QuotaCase {
            name: "structured partition key",
            headers: headers(&[
                (
                    "RateLimit-Policy",
                    r#""peruser";q=100;w=60;pk=:cHsdsRa894==:"#,
                ),
                ("RateLimit", r#""peruser";r=7;t=12;pk=:cHsdsRa894==:"#),
            ]),
            expected: Some(Quota {
                window_s: Some(60),
                resource: Some("peruser".to_string()),
                ..quota(RateLimitStructured, Some(100), Some(7), Some(12_000))
            }),
        },
        QuotaCase {
            name: "structured escaped name",
            headers: headers(&[
                ("RateLimit-Policy", r#""a\"b";q=5"#),
                ("RateLimit", r#""a\"b";r=1"#),
            ]),
            expected: Some(Quota {
                resource: Some("a\"b".to_string()),
                ..quota(RateLimitStructured, Some(5), Some(1), None)
            }),
        },
        QuotaCase {
            name: "structured policy alone",
            headers: headers(&[("RateLimit-Policy", r#""default";q=10;w=1"#)]),
            expected: Some(Quota {
                window_s: Some(1),
                resource: Some("default".to_string()),
                ..quota(RateLimitStructured, Some(10), None, None)
            }),
        },
        QuotaCase {
            name: "shopify",
            headers: headers(&[("X-Shopify-Shop-Api-Call-Limit", "32/40")]),
            expected: Some(Quota {
                used: Some(32),
                ..quota(Shopify, Some(40), Some(8), None)
            }),
        },
        QuotaCase {
            name: "shopify over bucket",
            headers: headers(&[("x-shopify-shop-api-call-limit", "41/40")]),
            expected: Some(Quota {
                used: Some(41),
                ..quota(Shopify, Some(40), Some(0), None)
            }),
        },
        QuotaCase {
            name: "mixed families pick lowest remaining",
            headers: headers(&[
                ("X-RateLimit-Limit", "5000"),
                ("X-RateLimit-Remaining", "10"),
                ("RateLimit", "limit=100, remaining=3, reset=20"),
            ]),
            expected: Some(quota(RateLimitStructured, Some(100), Some(3), Some(20_000))),
        },
        QuotaCase {
            name: "unreadable values",
            headers: headers(&[
                ("X-RateLimit-Remaining", "abc"),
                ("X-RateLimit-Reset", ""),
                ("X-Shopify-Shop-Api-Call-Limit", "lots"),
                ("RateLimit", "\"unterminated"),
            ]),
            expected: None,
        },
        QuotaCase {
            name: "huge counts saturate",
            headers: headers(&[
                ("X-RateLimit-Limit", "99999999999999999999999"),
                ("X-RateLimit-Remaining", "-1"),
            ]),
            expected: Some(quota(XRateLimit, Some(u64::MAX), Some(0), None)),
        },
        QuotaCase {
            name: "no rate-limit headers",
            headers: headers(&[("Content-Type", "application/json"), ("Date", DATE_NOW)]),
            expected: None,
        },
    ]
}

#[test]
fn quota_table() {
    for case in quota_cases() {
        let pairs: Vec<(&str, &str)> = case
            .headers
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        let signals = read(200, &pairs, None);
        let name = case.name;
        let (actual, expected) = match (&signals.quota, &case.expected) {
            (Some(actual), Some(expected)) => (actual, expected),
            (actual, expected) => {
                assert_eq!(actual, expected, "{name}: quota presence");
                continue;
            }
        };
        assert_eq!(actual.family, expected.family, "{name}: family");
        assert_eq!(actual.limit, expected.limit, "{name}: limit");
        assert_eq!(actual.remaining, expected.remaining, "{name}: remaining");
        assert_eq!(actual.used, expected.used, "{name}: used");
        assert_eq!(
            actual.reset_delay_ms, expected.reset_delay_ms,
            "{name}: reset_delay_ms"
        );
        assert_eq!(actual.window_s, expected.window_s, "{name}: window_s");
        assert_eq!(actual.resource, expected.resource, "{name}: resource");
        assert_eq!(signals.throttle, None, "{name}: throttle on a 200");
    }
}

/// A throttle case: name, status, headers, body and the expected classification.
type ThrottleCase = (
    &'static str,
    u16,
    &'static [(&'static str, &'static str)],
    Option<&'static str>,
    Option<Throttle>,
);

const OKTA_BODY: &str = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oae1","errorCauses":[]}"#;

const THROTTLE_CASES: &[ThrottleCase] = &[
    ("429", 429, &[], None, Some(Throttle::TooManyRequests)),
    (
        "429 with retry-after",
        429,
        &[("Retry-After", "5")],
        None,
        Some(Throttle::TooManyRequests),
    ),
    (
        "okta concurrency",
        429,
        &[("X-Rate-Limit-Limit", "0"), ("X-Rate-Limit-Remaining", "0")],
        Some(OKTA_BODY),
        Some(Throttle::ConcurrencyLimit),
    ),
    (
        "zero limit outside okta family",
        429,
        &[("X-RateLimit-Limit", "0")],
        None,
        Some(Throttle::TooManyRequests),
    ),
    (
        "okta 429 body",
        429,
        &[
            ("X-Rate-Limit-Limit", "600"),
            ("X-Rate-Limit-Remaining", "0"),
        ],
        Some(OKTA_BODY),
        Some(Throttle::TooManyRequests),
    ),
    (
        "okta code on another status",
        400,
        &[],
        Some(OKTA_BODY),
        Some(Throttle::OktaRateLimit),
    ),
    (
        "okta code with spaces",
        200,
        &[],
        Some("{ \"errorCode\" : \"E0000047\" }"),
        Some(Throttle::OktaRateLimit),
    ),
    (
        "okta code truncated body",
        500,
        &[],
        Some("{\"errorCode\":\"E0000047\",\"errorSumm"),
        Some(Throttle::OktaRateLimit),
    ),
    (
        "other okta code",
        404,
        &[],
        Some(r#"{"errorCode":"E0000007","errorSummary":"Not found"}"#),
        None,
    ),
    (
        "okta code under another key",
        400,
        &[],
        Some(r#"{"errorCode":"E0000001","errorLink":"E0000047"}"#),
        None,
    ),
    (
        "503 with retry-after",
        503,
        &[("Retry-After", "30")],
        None,
        Some(Throttle::ServiceUnavailable),
    ),
    (
        "503 with unreadable retry-after",
        503,
        &[("Retry-After", "soon")],
        None,
        Some(Throttle::ServiceUnavailable),
    ),
    ("503 without retry-after", 503, &[], None, None),
    (
        "503 with quota only",
        503,
        &[("X-RateLimit-Remaining", "0")],
        None,
        None,
    ),
    (
        "403 with remaining 0",
        403,
        &[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1772362800"),
        ],
        None,
        Some(Throttle::QuotaExhausted),
    ),
    (
        "403 with remaining 5",
        403,
        &[("x-ratelimit-remaining", "5")],
        None,
        None,
    ),
    ("403 without quota", 403, &[], None, None),
    (
        "200 with remaining 0",
        200,
        &[("X-RateLimit-Remaining", "0")],
        None,
        None,
    ),
    (
        "301 with retry-after 0",
        301,
        &[("Retry-After", "0")],
        None,
        None,
    ),
    ("302 with okta code", 302, &[], Some(OKTA_BODY), None),
    (
        "307 with remaining 0",
        307,
        &[("RateLimit", "limit=1, remaining=0, reset=1")],
        None,
        None,
    ),
    ("304", 304, &[], None, None),
    ("no response", 0, &[], None, None),
    ("200", 200, &[("Content-Length", "12")], Some("{}"), None),
];

#[test]
fn throttle_table() {
    for &(name, status, headers, body, expected) in THROTTLE_CASES {
        let signals = read(status, headers, body);
        assert_eq!(signals.throttle, expected, "{name}");
    }
}

#[test]
fn retry_after_beats_quota_reset() {
    // The IETF ratelimit-headers drafts give Retry-After precedence over the
    // RateLimit fields when both are present.
    let signals = read(
        429,
        &[
            ("Retry-After", "120"),
            ("RateLimit", "limit=10, remaining=0, reset=30"),
        ],
        None,
    );
    let received = Timestamp::from_millis(NOW_MS);
    let expected = Timestamp::from_millis(NOW_MS + 120_000);
    assert_eq!(signals.wait_until(received), Some(expected));
    let reset = signals.quota.as_ref().and_then(|q| q.reset_delay_ms);
    assert_eq!(reset, Some(30_000));
}

#[test]
fn exhausted_quota_waits_for_reset() {
    let signals = read(
        429,
        &[("X-RateLimit-Remaining", "0"), ("X-RateLimit-Reset", "30")],
        None,
    );
    let received = Timestamp::from_millis(NOW_MS);
    let expected = Timestamp::from_millis(NOW_MS + 30_000);
    assert_eq!(signals.wait_until(received), Some(expected));
}

#[test]
fn remaining_quota_gives_no_wait() {
    let signals = read(
        200,
        &[("X-RateLimit-Remaining", "4"), ("X-RateLimit-Reset", "30")],
        None,
    );
    assert_eq!(signals.wait_until(Timestamp::from_millis(NOW_MS)), None);
}

#[test]
fn odd_inputs_never_panic() {
    let values = [
        "",
        " ",
        ",",
        ";",
        "=",
        "\"",
        "\\",
        "é",
        "ä;q=ö",
        "(",
        "(1 2",
        ":abc",
        "?",
        "-",
        "--1",
        "1/0",
        "/",
        "9223372036854775807",
        "-9223372036854775808",
        "99999999999999999999999999999999",
        "1e308",
        "Sun,",
        "Sunday, , ,",
        "\"a\";r=-9223372036854775808;t=-99999999999999999999",
        "limit=99999999999999999999, reset=1e999",
    ];
    let names = [
        "Retry-After",
        "Date",
        "X-Rate-Limit-Limit",
        "X-Rate-Limit-Reset",
        "X-RateLimit-Reset",
        "X-RateLimit-Reset-After",
        "RateLimit",
        "RateLimit-Policy",
        "RateLimit-Limit",
        "X-Shopify-Shop-Api-Call-Limit",
    ];
    for name in names {
        for value in values {
            for status in [200, 301, 403, 429, 503] {
                let signals = read(status, &[(name, value), (name, value)], Some(value));
                if let Some(retry) = &signals.retry_after {
                    assert!(retry.delay_ms >= 0, "{name}: {value:?}");
                }
                if let Some(reset) = signals.quota.as_ref().and_then(|q| q.reset_delay_ms) {
                    assert!(reset >= 0, "{name}: {value:?}");
                }
            }
        }
    }
}
