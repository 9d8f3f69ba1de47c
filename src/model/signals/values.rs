//! Readers for single header values: Retry-After, reset times, counts and
//! comma-separated lists.
//!
//! Servers and proxies send many variants that no standard allows, so each reader
//! accepts the variants seen in the wild and returns `None` for anything else instead
//! of failing. Nothing here allocates.

use chrono::{DateTime, NaiveDateTime};

use super::http_date::{is_day_name, parse_http_date};
use super::{RetryAfter, RetryAfterForm};
use crate::model::time::Timestamp;

/// Largest delay in seconds that a value may announce. RFC 9111 section 1.2.2 requires
/// caches to read any larger delta-seconds value as 2^31 seconds (about 68 years), and
/// the same cap keeps later arithmetic free of overflow.
const MAX_DELAY_S: f64 = 2_147_483_648.0;

/// Parses one `Retry-After` value into a delay from the moment the response was
/// received.
///
/// Accepted: delta-seconds (RFC 9110 section 10.2.3), decimals such as `2.0`, Go
/// durations such as `1m0s` and the three HTTP-date forms. A date is measured against
/// `server_now`, the response's `Date` when present. Negative delays and dates in the
/// past give 0. Returns `None` for anything else.
pub(crate) fn parse_retry_after(value: &str, server_now: Timestamp) -> Option<RetryAfter> {
    let value = value.trim();
    if let Some(seconds) = parse_decimal(value).or_else(|| parse_go_duration(value)) {
        return Some(RetryAfter {
            form: RetryAfterForm::Seconds,
            delay_ms: seconds_to_delay_ms(seconds),
        });
    }
    let (instant, form) = parse_http_date(value, server_now)?;
    Some(RetryAfter {
        form,
        delay_ms: delay_until_ms(instant, server_now),
    })
}

/// Parses one reset value (`X-RateLimit-Reset` and the like) into a delay in
/// milliseconds from the moment the response was received, never negative.
///
/// The unit is decided by the value itself, because vendors disagree and none states
/// the unit in the response:
/// - letters, `-` after the first character or `:` mean a date (HTTP-date or ISO 8601,
///   as Jira sends);
/// - a number of at least 1e12 is epoch milliseconds, at least 1e9 epoch seconds
///   (fractions allowed, as Discord sends), anything smaller delta seconds.
///
/// Epoch values and dates are measured against `server_now`, the response's `Date`
/// when present, so that a skewed client clock does not shift them.
pub(crate) fn parse_reset(value: &str, server_now: Timestamp) -> Option<i64> {
    let value = value.trim();
    if let Some(number) = parse_decimal(value) {
        return Some(reset_number_to_delay_ms(number, server_now));
    }
    let instant = parse_http_date(value, server_now)
        .map(|(instant, _)| instant)
        .or_else(|| parse_iso8601(value))?;
    Some(delay_until_ms(instant, server_now))
}

/// Converts a numeric reset to a delay in milliseconds with the magnitude rule of
/// [`parse_reset`].
pub(crate) fn reset_number_to_delay_ms(number: f64, server_now: Timestamp) -> i64 {
    let now_ms = server_now.micros() as f64 / 1_000.0;
    let delay_ms = if number >= 1e12 {
        number - now_ms
    } else if number >= 1e9 {
        number * 1_000.0 - now_ms
    } else {
        number.min(MAX_DELAY_S) * 1_000.0
    };
    // `as` saturates, and NaN cannot occur because inputs are finite.
    delay_ms.round().clamp(0.0, MAX_DELAY_S * 1_000.0) as i64
}

/// Parses a count such as a limit or a remaining quota. Decimals are truncated,
/// negative values clamp to 0 and values beyond `u64` saturate.
pub(crate) fn parse_count(value: &str) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value.parse().unwrap_or(u64::MAX));
    }
    parse_decimal(value).map(|number| number.max(0.0) as u64)
}

/// Parses seconds (or a count) written as an optionally negative decimal number:
/// `120`, `2.0`, `-5`. Exponents, `inf` and `NaN` are rejected.
pub(crate) fn parse_decimal(value: &str) -> Option<f64> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    let mut dots = 0;
    let mut has_digit = false;
    for byte in digits.bytes() {
        match byte {
            b'0'..=b'9' => has_digit = true,
            b'.' => dots += 1,
            _ => return None,
        }
    }
    if !has_digit || dots > 1 {
        return None;
    }
    value.parse().ok().filter(|n: &f64| n.is_finite())
}

/// Parses a Go duration (`1m0s`, `1.5s`, `500ms`, `1h`), as `time.Duration.String`
/// writes it, into seconds. A leading `-` is kept, so the caller clamps it.
fn parse_go_duration(value: &str) -> Option<f64> {
    let (sign, mut rest) = match value.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, value),
    };
    if rest.is_empty() {
        return None;
    }
    let mut seconds = 0.0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = parse_decimal(rest.get(..number_end)?)?;
        rest = rest.get(number_end..)?;
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match rest.get(..unit_end)? {
            "h" => 3_600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" | "μs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        seconds += number * factor;
        rest = rest.get(unit_end..)?;
    }
    Some(sign * seconds)
}

/// Parses an ISO 8601 timestamp as Jira sends it in `X-RateLimit-Reset`, with or
/// without seconds. A missing offset is read as UTC.
fn parse_iso8601(value: &str) -> Option<Timestamp> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(value) {
        return Some(dt.to_utc().into());
    }
    for format in ["%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M:%S%.f%z"] {
        if let Ok(dt) = DateTime::parse_from_str(value, format) {
            return Some(dt.to_utc().into());
        }
    }
    let local = value
        .strip_suffix('Z')
        .or_else(|| value.strip_suffix('z'))
        .unwrap_or(value);
    for format in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(local, format) {
            return Some(dt.and_utc().into());
        }
    }
    None
}

/// Converts seconds to milliseconds, clamped to `0..=2^31` seconds.
pub(crate) fn seconds_to_delay_ms(seconds: f64) -> i64 {
    (seconds.clamp(0.0, MAX_DELAY_S) * 1_000.0).round() as i64
}

fn delay_until_ms(instant: Timestamp, server_now: Timestamp) -> i64 {
    let micros = instant.micros_since(server_now).max(0);
    (micros.saturating_add(999) / 1_000).min(MAX_DELAY_S as i64 * 1_000)
}

/// Splits a header value at commas, as a fetch-style client joins repeated headers,
/// and yields the trimmed, non-empty members. A weekday followed by a comma is kept
/// with what follows, so that an HTTP-date (`Sun, 06 Nov 1994 ...`) stays whole.
pub(crate) fn list_members(value: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(value);
    std::iter::from_fn(move || {
        loop {
            let text = rest?;
            let mut end = 0;
            let member = loop {
                match text.get(end..)?.find(',') {
                    Some(offset) => {
                        let comma = end + offset;
                        let piece = text.get(..comma)?.trim();
                        if is_day_name(piece) {
                            end = comma + 1;
                            continue;
                        }
                        rest = text.get(comma + 1..);
                        break piece;
                    }
                    None => {
                        rest = None;
                        break text.trim();
                    }
                }
            };
            if !member.is_empty() {
                return Some(member);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-03-01T10:00:00Z.
    const NOW_MS: i64 = 1_772_359_200_000;

    fn now() -> Timestamp {
        Timestamp::from_millis(NOW_MS)
    }

    fn delay(value: &str) -> Option<i64> {
        parse_retry_after(value, now()).map(|r| r.delay_ms)
    }

    #[test]
    fn retry_after_seconds_variants() {
        assert_eq!(delay("120"), Some(120_000));
        assert_eq!(delay(" 120 "), Some(120_000));
        assert_eq!(delay("2.0"), Some(2_000));
        assert_eq!(delay("0.25"), Some(250));
        assert_eq!(delay("-5"), Some(0));
        assert_eq!(delay("0"), Some(0));
    }

    #[test]
    fn retry_after_go_durations() {
        assert_eq!(delay("1m0s"), Some(60_000));
        assert_eq!(delay("1.5s"), Some(1_500));
        assert_eq!(delay("500ms"), Some(500));
        assert_eq!(delay("1h2m3s"), Some(3_723_000));
        assert_eq!(delay("-1m"), Some(0));
    }

    #[test]
    fn retry_after_huge_capped() {
        assert_eq!(delay("99999999999999999999999"), Some(2_147_483_648_000));
        assert_eq!(delay("4294967296"), Some(2_147_483_648_000));
    }

    #[test]
    fn retry_after_malformed_values() {
        for value in [
            "", "abc", "1e3", "inf", "NaN", "1.2.3", "-", "1m0", "5 s", "m",
        ] {
            assert_eq!(delay(value), None, "{value:?}");
        }
    }

    #[test]
    fn reset_magnitude_rule() {
        // Delta seconds.
        assert_eq!(parse_reset("30", now()), Some(30_000));
        assert_eq!(parse_reset("0.5", now()), Some(500));
        // Epoch seconds, with and without a fraction.
        assert_eq!(parse_reset("1772359230", now()), Some(30_000));
        assert_eq!(parse_reset("1772359230.5", now()), Some(30_500));
        // Epoch milliseconds.
        assert_eq!(parse_reset("1772359230000", now()), Some(30_000));
        // In the past.
        assert_eq!(parse_reset("1772359100", now()), Some(0));
        assert_eq!(parse_reset("-5", now()), Some(0));
    }

    #[test]
    fn reset_dates() {
        assert_eq!(parse_reset("2026-03-01T10:01Z", now()), Some(60_000));
        assert_eq!(parse_reset("2026-03-01T10:00:30Z", now()), Some(30_000));
        assert_eq!(
            parse_reset("2026-03-01T10:00:30.5+00:00", now()),
            Some(30_500)
        );
        assert_eq!(parse_reset("2026-03-01T11:01+0100", now()), Some(60_000));
        assert_eq!(parse_reset("2026-03-01T10:00:30", now()), Some(30_000));
        assert_eq!(
            parse_reset("Sun, 01 Mar 2026 10:00:45 GMT", now()),
            Some(45_000)
        );
        assert_eq!(parse_reset("tomorrow", now()), None);
        assert_eq!(parse_reset("", now()), None);
    }

    #[test]
    fn counts_parse() {
        assert_eq!(parse_count("40"), Some(40));
        assert_eq!(parse_count(" 7 "), Some(7));
        assert_eq!(parse_count("59.0"), Some(59));
        assert_eq!(parse_count("-1"), Some(0));
        assert_eq!(parse_count("99999999999999999999999"), Some(u64::MAX));
        assert_eq!(parse_count("ten"), None);
        assert_eq!(parse_count(""), None);
    }

    #[test]
    fn list_members_keep_dates() {
        let members: Vec<&str> = list_members("10, 20,,30 ").collect();
        assert_eq!(members, ["10", "20", "30"]);
        let dates: Vec<&str> =
            list_members("Sun, 06 Nov 1994 08:49:37 GMT, Sunday, 06-Nov-94 08:49:37 GMT").collect();
        assert_eq!(
            dates,
            [
                "Sun, 06 Nov 1994 08:49:37 GMT",
                "Sunday, 06-Nov-94 08:49:37 GMT"
            ]
        );
        assert_eq!(list_members("").count(), 0);
        assert_eq!(list_members(" , ").count(), 0);
    }
}
