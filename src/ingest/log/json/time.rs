//! Timestamps and durations as JSON logs write them.
//!
//! Numbers are read from their decimal text, not through `f64`: an epoch in float
//! seconds such as Caddy's `1761019828.6153953` has more digits than an `f64` keeps
//! exactly, and the number of fraction digits sets the precision of the timestamp.

use chrono::DateTime;

use crate::model::{TimePrecision, Timestamp};

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// A decimal number split into its integer part and its fraction digits.
struct Decimal<'a> {
    integer: u64,
    /// Fraction digits as written, without the dot (may be empty).
    fraction: &'a str,
}

/// Splits a non-negative decimal without exponent (`12`, `12.034`). Returns `None` for
/// anything else, including signs and exponents.
fn split_decimal(text: &str) -> Option<Decimal<'_>> {
    let (integer, fraction) = text.split_once('.').unwrap_or((text, ""));
    if integer.is_empty() || !integer.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(Decimal {
        integer: integer.parse().ok()?,
        fraction,
    })
}

/// Converts `decimal`, counted in units of `unit_nanos` nanoseconds, to nanoseconds.
/// Fraction digits beyond nanoseconds are truncated.
fn decimal_to_nanos(decimal: &Decimal<'_>, unit_nanos: i128) -> i128 {
    let mut nanos = i128::from(decimal.integer) * unit_nanos;
    let mut scale = unit_nanos;
    for digit in decimal.fraction.bytes() {
        scale /= 10;
        if scale == 0 {
            break;
        }
        nanos += i128::from(digit - b'0') * scale;
    }
    nanos
}

/// Converts the finest step a value shows (its unit over 10 to the power of its
/// fraction digits) into a precision.
fn precision_of(unit_nanos: i128, fraction_digits: usize) -> TimePrecision {
    let step = unit_nanos / 10_i128.pow(fraction_digits.min(18) as u32);
    if step >= NANOS_PER_SECOND {
        TimePrecision::Seconds
    } else if step >= 1_000_000 {
        TimePrecision::Milliseconds
    } else {
        TimePrecision::Microseconds
    }
}

fn timestamp_from_nanos(nanos: i128) -> Option<Timestamp> {
    i64::try_from(nanos / 1_000)
        .ok()
        .map(Timestamp::from_micros)
}

/// Reads an epoch timestamp from the text of a JSON number or a numeric string.
///
/// The unit follows from the magnitude of the integer part, one step per factor of
/// 1,000, so that any date from 2001 to 2286 is read right: below 10^12 seconds, below
/// 10^15 milliseconds, below 10^18 microseconds, else nanoseconds. This is the same
/// 10^12 boundary between seconds and milliseconds that rate-limit reset headers use.
pub(super) fn parse_epoch(text: &str) -> Option<(Timestamp, TimePrecision)> {
    let Some(decimal) = split_decimal(text) else {
        return parse_epoch_float(text);
    };
    let unit_nanos: i128 = match decimal.integer {
        0..1_000_000_000_000 => NANOS_PER_SECOND,
        1_000_000_000_000..1_000_000_000_000_000 => 1_000_000,
        1_000_000_000_000_000..1_000_000_000_000_000_000 => 1_000,
        _ => 1,
    };
    let time = timestamp_from_nanos(decimal_to_nanos(&decimal, unit_nanos))?;
    Some((time, precision_of(unit_nanos, decimal.fraction.len())))
}

/// Reads the rarer exponent form (`1.7e9`) through `f64`, with the same units.
fn parse_epoch_float(text: &str) -> Option<(Timestamp, TimePrecision)> {
    if !text.contains(['e', 'E']) {
        return None;
    }
    let value: f64 = text.parse().ok()?;
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    let seconds = if value < 1e12 {
        value
    } else if value < 1e15 {
        value / 1e3
    } else if value < 1e18 {
        value / 1e6
    } else {
        value / 1e9
    };
    // Beyond this many seconds the instant no longer fits in i64 microseconds.
    if seconds >= 9.0e12 {
        return None;
    }
    Some((
        Timestamp::from_secs_f64(seconds),
        TimePrecision::Milliseconds,
    ))
}

/// Reads an RFC 3339 date-time (`2022-10-30T00:00:02Z`, `...T00:00:02.123+02:00`),
/// also with a space for the `T` or an offset without colon (`+0200`, Caddy's `iso8601`
/// time format). The precision follows the fraction digits of the seconds.
pub(super) fn parse_date_time(text: &str) -> Option<(Timestamp, TimePrecision)> {
    let parsed = DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%z"))
        .ok()?;
    let time = Timestamp::from_micros(parsed.timestamp_micros());
    Some((time, precision_of(NANOS_PER_SECOND, fraction_digits(text))))
}

/// Counts the digits after the seconds' decimal point of a date-time.
fn fraction_digits(text: &str) -> usize {
    let time_part = text.get(10..).unwrap_or("");
    match time_part.find('.') {
        Some(dot) => time_part[dot + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count(),
        None => 0,
    }
}

/// Reads a timestamp given either as a date-time string or as an epoch number (also
/// when quoted, as some loggers write every value as a string).
pub(super) fn parse_time_text(text: &str) -> Option<(Timestamp, TimePrecision)> {
    if text.bytes().next().is_some_and(|b| b.is_ascii_digit()) && !text.contains(['-', ':']) {
        parse_epoch(text)
    } else {
        parse_date_time(text)
    }
}

/// Reads a non-negative decimal number of `unit_nanos` nanoseconds as microseconds
/// (`0.001674508` seconds, `12.5` milliseconds). Exponent forms go through `f64`.
pub(super) fn parse_duration_number(text: &str, unit_nanos: i64) -> Option<i64> {
    match split_decimal(text) {
        Some(decimal) => {
            i64::try_from(decimal_to_nanos(&decimal, i128::from(unit_nanos)) / 1_000).ok()
        }
        None => {
            let value: f64 = text.parse().ok()?;
            let micros = value * unit_nanos as f64 / 1_000.0;
            (value.is_finite() && value >= 0.0 && micros < i64::MAX as f64)
                .then(|| micros.round() as i64)
        }
    }
}

/// Reads a Go duration string (`1.5ms`, `2m3.5s`, `150µs`), which Caddy writes for
/// `duration` when its log encoder uses `duration_format string`.
pub(super) fn parse_go_duration(text: &str) -> Option<i64> {
    let mut rest = text;
    let mut total_nanos: i128 = 0;
    if rest.is_empty() {
        return None;
    }
    if rest == "0" {
        return Some(0);
    }
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let decimal = split_decimal(&rest[..number_end])?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit_nanos: i128 = match &rest[..unit_end] {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => NANOS_PER_SECOND,
            "m" => 60 * NANOS_PER_SECOND,
            "h" => 3_600 * NANOS_PER_SECOND,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total_nanos += decimal_to_nanos(&decimal, unit_nanos);
    }
    i64::try_from(total_nanos / 1_000).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(text: &str) -> i64 {
        parse_epoch(text).map(|(t, _)| t.micros()).unwrap_or(-1)
    }

    fn precision(text: &str) -> Option<TimePrecision> {
        parse_epoch(text).map(|(_, p)| p)
    }

    #[test]
    fn epoch_float_seconds_exact() {
        assert_eq!(micros("1761019828.6153953"), 1_761_019_828_615_395);
        assert_eq!(
            precision("1761019828.6153953"),
            Some(TimePrecision::Microseconds)
        );
    }

    #[test]
    fn epoch_units_by_magnitude() {
        assert_eq!(micros("1667088002"), 1_667_088_002_000_000);
        assert_eq!(micros("1667088002123"), 1_667_088_002_123_000);
        assert_eq!(micros("1667088002123456"), 1_667_088_002_123_456);
        assert_eq!(micros("1667088002123456789"), 1_667_088_002_123_456);
    }

    #[test]
    fn epoch_precision_by_digits() {
        assert_eq!(precision("1667088002"), Some(TimePrecision::Seconds));
        assert_eq!(precision("1667088002.5"), Some(TimePrecision::Milliseconds));
        assert_eq!(
            precision("1667088002.123"),
            Some(TimePrecision::Milliseconds)
        );
        assert_eq!(
            precision("1667088002123"),
            Some(TimePrecision::Milliseconds)
        );
        assert_eq!(
            precision("1667088002123.4"),
            Some(TimePrecision::Microseconds)
        );
        assert_eq!(
            precision("1667088002123456789"),
            Some(TimePrecision::Microseconds)
        );
    }

    #[test]
    fn epoch_rejects_garbage() {
        assert!(parse_epoch("-5").is_none());
        assert!(parse_epoch("abc").is_none());
        assert!(parse_epoch("").is_none());
        assert!(parse_epoch("99999999999999999999999").is_none());
    }

    #[test]
    fn epoch_exponent_form() {
        assert_eq!(micros("1.5e9"), 1_500_000_000_000_000);
    }

    #[test]
    fn date_time_forms() {
        let expected = 1_667_088_002_000_000;
        let z = parse_date_time("2022-10-30T00:00:02Z");
        assert_eq!(z, Some((Timestamp(expected), TimePrecision::Seconds)));
        let offset = parse_date_time("2022-10-30T02:00:02.250+02:00");
        assert_eq!(
            offset,
            Some((Timestamp(expected + 250_000), TimePrecision::Milliseconds))
        );
        let no_colon = parse_date_time("2022-10-30T02:00:02.250+0200");
        assert_eq!(
            no_colon,
            Some((Timestamp(expected + 250_000), TimePrecision::Milliseconds))
        );
        let space = parse_date_time("2022-10-30 00:00:02.000001Z");
        assert_eq!(
            space,
            Some((Timestamp(expected + 1), TimePrecision::Microseconds))
        );
    }

    #[test]
    fn date_time_rejects_local_time() {
        assert!(parse_date_time("2022/10/30 00:00:02").is_none());
        assert!(parse_date_time("2022-10-30T00:00:02").is_none());
    }

    #[test]
    fn time_text_picks_form() {
        assert_eq!(
            parse_time_text("1667088002").map(|(t, _)| t.micros()),
            Some(1_667_088_002_000_000)
        );
        assert_eq!(
            parse_time_text("2022-10-30T00:00:02Z").map(|(t, _)| t.micros()),
            Some(1_667_088_002_000_000)
        );
    }

    #[test]
    fn duration_numbers() {
        assert_eq!(
            parse_duration_number("0.001674508", 1_000_000_000),
            Some(1_674)
        );
        assert_eq!(parse_duration_number("12.5", 1_000_000), Some(12_500));
        assert_eq!(parse_duration_number("250", 1_000), Some(250));
        assert_eq!(parse_duration_number("1e-3", 1_000_000_000), Some(1_000));
        assert_eq!(parse_duration_number("-1", 1_000_000_000), None);
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("1.5ms"), Some(1_500));
        assert_eq!(parse_go_duration("2m3.5s"), Some(123_500_000));
        assert_eq!(parse_go_duration("150µs"), Some(150));
        assert_eq!(parse_go_duration("0"), Some(0));
        assert_eq!(parse_go_duration("5"), None);
        assert_eq!(parse_go_duration("1x"), None);
        assert_eq!(parse_go_duration(""), None);
    }
}
