//! HTTP-date parsing: the three forms of RFC 9110 section 5.6.7.
//!
//! Hand-written because chrono reads neither of the two obsolete forms (RFC 850 and
//! asctime), and because it runs on every `Date` and `Retry-After` header of large
//! captures, so it must not allocate.

use chrono::{Datelike, NaiveDate};

use super::RetryAfterForm;
use crate::model::time::Timestamp;

/// Parses an HTTP-date in any of its three forms and returns the instant and the form.
///
/// `reference` is the instant used to place the two-digit year of the RFC 850 form.
/// Day and month names are matched without regard to case, and `UTC` is accepted in
/// place of `GMT`, because some servers send it. The weekday name is checked for
/// spelling but not against the date.
pub(crate) fn parse_http_date(
    value: &str,
    reference: Timestamp,
) -> Option<(Timestamp, RetryAfterForm)> {
    let mut parts = value.split_ascii_whitespace();
    let first = parts.next()?;

    let (year, month, day, time, form) = match first.strip_suffix(',') {
        Some(day_name) => {
            if !is_day_name(day_name) {
                return None;
            }
            let date = parts.next()?;
            if date.contains('-') {
                // RFC 850: `Sunday, 06-Nov-94 08:49:37 GMT`.
                let mut fields = date.split('-');
                let day = parse_digits(fields.next()?, 1, 2)?;
                let month = parse_month(fields.next()?)?;
                let year_text = fields.next()?;
                if fields.next().is_some() {
                    return None;
                }
                let year = match year_text.len() {
                    2 => expand_two_digit_year(parse_digits(year_text, 2, 2)?, reference),
                    4 => parse_digits(year_text, 4, 4)?,
                    _ => return None,
                };
                (year, month, day, parts.next()?, RetryAfterForm::Rfc850)
            } else {
                // IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
                let day = parse_digits(date, 1, 2)?;
                let month = parse_month(parts.next()?)?;
                let year = parse_digits(parts.next()?, 4, 4)?;
                (year, month, day, parts.next()?, RetryAfterForm::ImfFixdate)
            }
        }
        None => {
            // asctime: `Sun Nov  6 08:49:37 1994`, no zone (always GMT).
            if !is_day_name(first) {
                return None;
            }
            let month = parse_month(parts.next()?)?;
            let day = parse_digits(parts.next()?, 1, 2)?;
            let time = parts.next()?;
            let year = parse_digits(parts.next()?, 4, 4)?;
            if parts.next().is_some() {
                return None;
            }
            return to_timestamp(year, month, day, time).map(|t| (t, RetryAfterForm::Asctime));
        }
    };

    let zone = parts.next()?;
    if !(zone.eq_ignore_ascii_case("GMT") || zone.eq_ignore_ascii_case("UTC")) {
        return None;
    }
    if parts.next().is_some() {
        return None;
    }
    to_timestamp(year, month, day, time).map(|t| (t, form))
}

/// Places a two-digit year in the century of `reference`, moved back 100 years when it
/// would be more than 50 years in the future (RFC 9110 section 5.6.7). The year
/// alone is compared, not the full timestamp.
fn expand_two_digit_year(two_digits: u32, reference: Timestamp) -> u32 {
    let reference_year = reference
        .to_datetime()
        .map(|dt| dt.year())
        .unwrap_or(2000)
        .clamp(100, 9_899) as u32;
    let candidate = reference_year / 100 * 100 + two_digits;
    if candidate > reference_year + 50 {
        candidate - 100
    } else {
        candidate
    }
}

fn to_timestamp(year: u32, month: u32, day: u32, time: &str) -> Option<Timestamp> {
    let mut fields = time.split(':');
    let hour = parse_digits(fields.next()?, 2, 2)?;
    let minute = parse_digits(fields.next()?, 2, 2)?;
    let second = parse_digits(fields.next()?, 2, 2)?;
    if fields.next().is_some() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)?;
    // A leap second (60) is read as the first second of the next minute.
    let seconds = date
        .and_hms_opt(hour, minute, 0)?
        .and_utc()
        .timestamp()
        .checked_add(i64::from(second))?;
    Some(Timestamp::from_micros(seconds.checked_mul(1_000_000)?))
}

/// Parses `min..=max` ASCII digits.
fn parse_digits(text: &str, min: usize, max: usize) -> Option<u32> {
    if text.len() < min || text.len() > max || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn parse_month(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    MONTHS
        .iter()
        .position(|month| month.eq_ignore_ascii_case(name))
        .map(|index| index as u32 + 1)
}

/// Accepts the short (`Sun`) and long (`Sunday`) weekday names.
pub(crate) fn is_day_name(name: &str) -> bool {
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    DAYS.iter().any(|day| {
        day.eq_ignore_ascii_case(name) || (name.len() == 3 && day[..3].eq_ignore_ascii_case(name))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1994-11-06T08:49:37Z, the example instant of RFC 9110.
    const EXAMPLE_S: i64 = 784_111_777;

    fn reference() -> Timestamp {
        Timestamp::from_millis(1_772_359_200_000)
    }

    fn parse(value: &str) -> Option<(i64, RetryAfterForm)> {
        parse_http_date(value, reference()).map(|(t, form)| (t.micros() / 1_000_000, form))
    }

    #[test]
    fn imf_fixdate_parses() {
        let parsed = parse("Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(parsed, Some((EXAMPLE_S, RetryAfterForm::ImfFixdate)));
    }

    #[test]
    fn rfc850_parses() {
        let parsed = parse("Sunday, 06-Nov-94 08:49:37 GMT");
        assert_eq!(parsed, Some((EXAMPLE_S, RetryAfterForm::Rfc850)));
    }

    #[test]
    fn asctime_parses() {
        assert_eq!(
            parse("Sun Nov  6 08:49:37 1994"),
            Some((EXAMPLE_S, RetryAfterForm::Asctime))
        );
        assert_eq!(
            parse("Sun Nov 06 08:49:37 1994"),
            Some((EXAMPLE_S, RetryAfterForm::Asctime))
        );
    }

    #[test]
    fn two_digit_year_window() {
        // Reference year 2026: up to 2076 stays in this century, later goes back.
        let reference = reference();
        assert_eq!(expand_two_digit_year(26, reference), 2026);
        assert_eq!(expand_two_digit_year(76, reference), 2076);
        assert_eq!(expand_two_digit_year(77, reference), 1977);
        assert_eq!(expand_two_digit_year(0, reference), 2000);
        assert_eq!(expand_two_digit_year(99, reference), 1999);
    }

    #[test]
    fn invalid_dates_rejected() {
        assert_eq!(parse("Sun, 31 Feb 1994 08:49:37 GMT"), None);
        assert_eq!(parse("Sun, 06 Nov 1994 24:00:00 GMT"), None);
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:37 PST"), None);
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:37"), None);
        assert_eq!(parse("Sun, 06 Nov 1994 08:49:37 GMT extra"), None);
        assert_eq!(parse("Xyz, 06 Nov 1994 08:49:37 GMT"), None);
        assert_eq!(parse("Sun, 06 Foo 1994 08:49:37 GMT"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("120"), None);
    }

    #[test]
    fn names_ignore_case() {
        let parsed = parse("sun, 06 nov 1994 08:49:37 gmt");
        assert_eq!(parsed, Some((EXAMPLE_S, RetryAfterForm::ImfFixdate)));
    }
}
