//! Byte-level helpers shared by the nginx and Apache format compilers: quoted-field
//! scanning, escape decoding, timestamps and numbers.
//!
//! They run once per field of every line, so they work on `&[u8]`, borrow from the line
//! and allocate only when a value carries escapes or invalid UTF-8. Timestamps are parsed
//! by hand instead of through chrono's format strings, which would cost an allocation
//! and a format-string walk per line.

use std::borrow::Cow;

use crate::model::{TimePrecision, Timestamp};

/// Returns `None` for an empty value or nginx's and Apache's `-` placeholder.
pub fn non_empty(value: &[u8]) -> Option<&[u8]> {
    match value {
        b"" | b"-" => None,
        _ => Some(value),
    }
}

/// Finds the end of a quoted value that starts at `from`: the index of the first `"`
/// that no backslash escapes. Apache writes a quote inside a value as `\"`, nginx as
/// `\x22`, and both write a backslash as `\\`, so a `\` always starts an escape pair.
pub fn find_closing_quote(line: &[u8], from: usize) -> Option<usize> {
    let mut index = from;
    while let Some(offset) = memchr::memchr2(b'"', b'\\', line.get(index..)?) {
        let at = index + offset;
        if line[at] == b'"' {
            return Some(at);
        }
        index = at + 2;
    }
    None
}

/// Decodes a logged value into text, borrowing when it has no escapes and is valid
/// UTF-8. Understands the escapes of Apache (`\"`, `\\`, `\n`, `\t`, `\xhh`), nginx's
/// default escaping (`\xHH`) and nginx's `escape=json` (`\uXXXX`, `\/`, `\b`, `\f`, `\r`).
/// An unknown escape keeps its backslash, and invalid UTF-8 becomes U+FFFD.
pub fn decode(value: &[u8]) -> Cow<'_, str> {
    if memchr::memchr(b'\\', value).is_none() {
        return String::from_utf8_lossy(value);
    }
    let mut bytes = Vec::with_capacity(value.len());
    let mut index = 0;
    while index < value.len() {
        let byte = value[index];
        if byte != b'\\' || index + 1 >= value.len() {
            bytes.push(byte);
            index += 1;
            continue;
        }
        let next = value[index + 1];
        let simple = match next {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'n' => Some(b'\n'),
            b't' => Some(b'\t'),
            b'r' => Some(b'\r'),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            _ => None,
        };
        if let Some(decoded) = simple {
            bytes.push(decoded);
            index += 2;
            continue;
        }
        if next == b'x'
            && let Some(decoded) = value.get(index + 2..index + 4).and_then(parse_hex)
        {
            bytes.push(decoded as u8);
            index += 4;
            continue;
        }
        if next == b'u'
            && let Some(code) = value.get(index + 2..index + 6).and_then(parse_hex)
        {
            let character = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
            let mut buffer = [0u8; 4];
            bytes.extend_from_slice(character.encode_utf8(&mut buffer).as_bytes());
            index += 6;
            continue;
        }
        bytes.push(byte);
        index += 1;
    }
    match String::from_utf8(bytes) {
        Ok(text) => Cow::Owned(text),
        Err(error) => Cow::Owned(String::from_utf8_lossy(error.as_bytes()).into_owned()),
    }
}

fn parse_hex(digits: &[u8]) -> Option<u32> {
    let mut value = 0u32;
    for &digit in digits {
        value = value * 16 + (digit as char).to_digit(16)?;
    }
    Some(value)
}

/// Parses an unsigned decimal integer; `None` for `-`, empty values or overflow.
pub fn parse_u64(value: &[u8]) -> Option<u64> {
    let value = non_empty(value)?;
    let mut number = 0u64;
    for &digit in value {
        if !digit.is_ascii_digit() {
            return None;
        }
        number = number
            .checked_mul(10)?
            .checked_add(u64::from(digit - b'0'))?;
    }
    Some(number)
}

/// Parses a non-negative decimal such as `0.004` or `12` into millionths, so that
/// seconds become microseconds. Digits past the sixth decimal are dropped.
pub fn parse_decimal_micros(value: &[u8]) -> Option<i64> {
    let value = non_empty(value)?;
    let (whole, fraction) = match memchr::memchr(b'.', value) {
        Some(dot) => (&value[..dot], &value[dot + 1..]),
        None => (value, &b""[..]),
    };
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let whole = if whole.is_empty() {
        0
    } else {
        parse_u64(whole)?
    };
    let mut micros = i64::try_from(whole).ok()?.checked_mul(1_000_000)?;
    let mut scale = 100_000;
    for &digit in fraction {
        if !digit.is_ascii_digit() {
            return None;
        }
        micros += i64::from(digit - b'0') * scale;
        scale /= 10;
    }
    Some(micros)
}

/// Sums a list of seconds as nginx writes `$upstream_response_time` when a request
/// tried several upstreams (`0.100, 0.004`, or ` : ` between internal redirects).
/// Items that are `-` count as zero; returns `None` when no item is a number.
pub fn sum_seconds_list(value: &[u8]) -> Option<i64> {
    let mut total: Option<i64> = None;
    for item in value.split(|&byte| byte == b',' || byte == b':') {
        if let Some(micros) = parse_decimal_micros(item.trim_ascii()) {
            total = Some(total.unwrap_or(0).saturating_add(micros));
        }
    }
    total
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`), valid for every year an access log can carry.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Parses an English month abbreviation (`Jan` ... `Dec`, any case).
pub fn parse_month(name: &[u8]) -> Option<u32> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    let lower = [
        name.first()?.to_ascii_lowercase(),
        name.get(1)?.to_ascii_lowercase(),
        name.get(2)?.to_ascii_lowercase(),
    ];
    MONTHS
        .iter()
        .position(|month| **month == lower)
        .map(|index| index as u32 + 1)
}

/// Reads exactly `width` ASCII digits at `at`.
pub fn digits(value: &[u8], at: usize, width: usize) -> Option<u32> {
    let slice = value.get(at..at + width)?;
    let mut number = 0u32;
    for &digit in slice {
        if !digit.is_ascii_digit() {
            return None;
        }
        number = number * 10 + u32::from(digit - b'0');
    }
    Some(number)
}

/// Builds an instant from local calendar fields and a UTC offset in seconds, rejecting
/// out-of-range fields.
pub fn civil_to_timestamp(
    date: (i64, u32, u32),
    time: (u32, u32, u32),
    offset_secs: i64,
    micros: i64,
) -> Option<Timestamp> {
    let (year, month, day) = date;
    let (hour, minute, second) = time;
    // A leap second (:60) is accepted and lands on the next second.
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_secs;
    Some(Timestamp::from_micros(
        secs.checked_mul(1_000_000)?.checked_add(micros)?,
    ))
}

/// Parses a numeric UTC offset: `+0330`, `-07:00`, or `Z`.
pub fn parse_offset(value: &[u8]) -> Option<i64> {
    if value == b"Z" || value == b"z" {
        return Some(0);
    }
    let sign = match value.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let rest = &value[1..];
    let (hours, minutes) = match rest.len() {
        4 => (digits(rest, 0, 2)?, digits(rest, 2, 2)?),
        5 if rest[2] == b':' => (digits(rest, 0, 2)?, digits(rest, 3, 2)?),
        2 => (digits(rest, 0, 2)?, 0),
        _ => return None,
    };
    Some(sign * i64::from(hours * 3600 + minutes * 60))
}

/// Parses the NCSA time that nginx's `$time_local` and Apache's `%t` write, without
/// brackets: `10/Oct/2000:13:55:36 -0700`. Whole seconds.
pub fn parse_ncsa_time(value: &[u8]) -> Option<Timestamp> {
    if value.len() != 26
        || value[2] != b'/'
        || value[6] != b'/'
        || value[11] != b':'
        || value[20] != b' '
    {
        return None;
    }
    let day = digits(value, 0, 2)?;
    let month = parse_month(&value[3..6])?;
    let year = digits(value, 7, 4)?;
    if value[14] != b':' || value[17] != b':' {
        return None;
    }
    let hour = digits(value, 12, 2)?;
    let minute = digits(value, 15, 2)?;
    let second = digits(value, 18, 2)?;
    let offset = parse_offset(&value[21..])?;
    civil_to_timestamp(
        (i64::from(year), month, day),
        (hour, minute, second),
        offset,
        0,
    )
}

/// Parses an ISO 8601 date and time with an offset, as nginx's `$time_iso8601` writes
/// it (`2000-10-10T13:55:36-07:00`), also with a fraction or `Z`. Returns the
/// precision that the fraction shows.
pub fn parse_iso8601(value: &[u8]) -> Option<(Timestamp, TimePrecision)> {
    if value.len() < 20
        || value[4] != b'-'
        || value[7] != b'-'
        || !matches!(value[10], b'T' | b't' | b' ')
    {
        return None;
    }
    if value[13] != b':' || value[16] != b':' {
        return None;
    }
    let year = digits(value, 0, 4)?;
    let month = digits(value, 5, 2)?;
    let day = digits(value, 8, 2)?;
    let hour = digits(value, 11, 2)?;
    let minute = digits(value, 14, 2)?;
    let second = digits(value, 17, 2)?;
    let mut rest = &value[19..];
    let mut micros = 0i64;
    let mut precision = TimePrecision::Seconds;
    if rest.first() == Some(&b'.') {
        let count = rest[1..]
            .iter()
            .take_while(|byte| byte.is_ascii_digit())
            .count();
        if count == 0 {
            return None;
        }
        let fraction = &rest[1..1 + count];
        micros = parse_decimal_micros(&[b"0.", fraction].concat())?;
        precision = if count >= 6 {
            TimePrecision::Microseconds
        } else if count >= 3 {
            TimePrecision::Milliseconds
        } else {
            TimePrecision::Seconds
        };
        rest = &rest[1 + count..];
    }
    let offset = parse_offset(rest)?;
    let time = civil_to_timestamp(
        (i64::from(year), month, day),
        (hour, minute, second),
        offset,
        micros,
    )?;
    Some((time, precision))
}

/// Parses seconds since the epoch with an optional fraction, as nginx's `$msec`
/// (`1700000000.123`) and Apache's `%{sec}t` write them.
pub fn parse_epoch_seconds(value: &[u8]) -> Option<(Timestamp, TimePrecision)> {
    let micros = parse_decimal_micros(value)?;
    let fraction_digits = memchr::memchr(b'.', value).map_or(0, |dot| value.len() - dot - 1);
    let precision = match fraction_digits {
        0..=2 => TimePrecision::Seconds,
        3..=5 => TimePrecision::Milliseconds,
        _ => TimePrecision::Microseconds,
    };
    Some((Timestamp::from_micros(micros), precision))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ncsa_time_with_offset() {
        let time = parse_ncsa_time(b"10/Oct/2000:13:55:36 -0700");
        assert_eq!(time, Some(Timestamp::from_micros(971_211_336_000_000)));
    }

    #[test]
    fn ncsa_time_half_hour_offset() {
        let time = parse_ncsa_time(b"22/Jan/2019:03:56:14 +0330");
        let utc = parse_ncsa_time(b"22/Jan/2019:00:26:14 +0000");
        assert_eq!(time, utc);
        assert!(time.is_some());
    }

    #[test]
    fn ncsa_time_rejects_garbage() {
        assert_eq!(parse_ncsa_time(b"10/Foo/2000:13:55:36 -0700"), None);
        assert_eq!(parse_ncsa_time(b"10/Oct/2000:25:55:36 -0700"), None);
        assert_eq!(parse_ncsa_time(b"10/Oct/2000:13:55:36"), None);
        assert_eq!(parse_ncsa_time(b""), None);
    }

    #[test]
    fn iso8601_offset_and_fraction() {
        let (time, precision) = parse_iso8601(b"2000-10-10T13:55:36-07:00").unwrap();
        assert_eq!(time, Timestamp::from_micros(971_211_336_000_000));
        assert_eq!(precision, TimePrecision::Seconds);
        let (time, precision) = parse_iso8601(b"2000-10-10T20:55:36.250Z").unwrap();
        assert_eq!(time, Timestamp::from_micros(971_211_336_250_000));
        assert_eq!(precision, TimePrecision::Milliseconds);
    }

    #[test]
    fn epoch_seconds_msec() {
        let (time, precision) = parse_epoch_seconds(b"1700000000.123").unwrap();
        assert_eq!(time, Timestamp::from_micros(1_700_000_000_123_000));
        assert_eq!(precision, TimePrecision::Milliseconds);
        assert_eq!(parse_epoch_seconds(b"-"), None);
        assert_eq!(parse_epoch_seconds(b"17x"), None);
    }

    #[test]
    fn decimal_micros_cases() {
        assert_eq!(parse_decimal_micros(b"0.004"), Some(4_000));
        assert_eq!(parse_decimal_micros(b"12"), Some(12_000_000));
        assert_eq!(parse_decimal_micros(b"-"), None);
        assert_eq!(parse_decimal_micros(b"."), None);
        assert_eq!(parse_decimal_micros(b"1.2.3"), None);
    }

    #[test]
    fn seconds_list_sums() {
        assert_eq!(sum_seconds_list(b"0.100, 0.004"), Some(104_000));
        assert_eq!(sum_seconds_list(b"0.100, -"), Some(100_000));
        assert_eq!(sum_seconds_list(b"0.5 : 0.25"), Some(750_000));
        assert_eq!(sum_seconds_list(b"-"), None);
    }

    #[test]
    fn closing_quote_skips_escapes() {
        assert_eq!(find_closing_quote(br#"a\"b" x"#, 0), Some(4));
        assert_eq!(find_closing_quote(br#"a\\" x"#, 0), Some(3));
        assert_eq!(find_closing_quote(br#"abc"#, 0), None);
        assert_eq!(find_closing_quote(br#"abc\"#, 0), None);
    }

    #[test]
    fn decode_escape_forms() {
        assert!(matches!(decode(b"plain"), Cow::Borrowed("plain")));
        assert_eq!(decode(br#"a\"b"#), "a\"b");
        assert_eq!(decode(br"a\x22b"), "a\"b");
        assert_eq!(decode(br"a\u0022b"), "a\"b");
        assert_eq!(decode(br"a\\b"), "a\\b");
        assert_eq!(decode(br"a\qb"), "a\\qb");
        assert_eq!(decode(br"\xff"), "\u{fffd}");
        assert_eq!(decode(b"end\\"), "end\\");
    }

    #[test]
    fn numbers_and_placeholders() {
        assert_eq!(parse_u64(b"123"), Some(123));
        assert_eq!(parse_u64(b"-"), None);
        assert_eq!(parse_u64(b"99999999999999999999999"), None);
        assert_eq!(non_empty(b""), None);
    }
}
