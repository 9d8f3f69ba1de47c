//! Parsing of `startedDateTime`.
//!
//! HAR 1.2 requires ISO 8601 with a UTC offset, but exporters vary: Fiddler writes 7
//! fractional digits, Charles writes `-07:00`, others write none or `-0700`. chrono's
//! RFC 3339 parser rejects some of these, so the fields are read by hand and only the
//! calendar check is left to chrono.

use chrono::{NaiveDate, NaiveTime};

use crate::model::{TimePrecision, Timestamp};

/// Parses an ISO 8601 date-time into a UTC instant and the precision its text carries.
///
/// Accepted: `T`, `t` or a space between date and time; 0 to 9 fractional digits after
/// `.` or `,` (digits past the sixth are cut, not rounded); an offset written `Z`,
/// `+HH:MM`, `+HHMM` or `+HH`. A missing offset is read as UTC. The precision is
/// `Microseconds` when the text has more than 3 fractional digits, else `Milliseconds`.
pub(super) fn parse_started(text: &str) -> Option<(Timestamp, TimePrecision)> {
    let mut cursor = Cursor {
        bytes: text.trim().as_bytes(),
        at: 0,
    };

    let year = cursor.digits(4)?;
    cursor.expect(b'-')?;
    let month = cursor.digits(2)?;
    cursor.expect(b'-')?;
    let day = cursor.digits(2)?;
    if !matches!(cursor.next()?, b'T' | b't' | b' ') {
        return None;
    }
    let hour = cursor.digits(2)?;
    cursor.expect(b':')?;
    let minute = cursor.digits(2)?;
    cursor.expect(b':')?;
    let second = cursor.digits(2)?;

    let mut micros = 0u32;
    let mut fraction_digits = 0;
    if matches!(cursor.peek(), Some(b'.' | b',')) {
        cursor.at += 1;
        while let Some(digit) = cursor.peek().filter(u8::is_ascii_digit) {
            if fraction_digits < 6 {
                micros = micros * 10 + u32::from(digit - b'0');
            }
            fraction_digits += 1;
            cursor.at += 1;
        }
        if fraction_digits == 0 || fraction_digits > 9 {
            return None;
        }
        for _ in fraction_digits..6 {
            micros *= 10;
        }
    }

    let offset_seconds = cursor.offset()?;
    if cursor.peek().is_some() {
        return None;
    }

    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    let time = NaiveTime::from_hms_micro_opt(hour, minute, second, micros)?;
    let utc_micros = date
        .and_time(time)
        .and_utc()
        .timestamp_micros()
        .checked_sub(i64::from(offset_seconds) * 1_000_000)?;
    let precision = if fraction_digits > 3 {
        TimePrecision::Microseconds
    } else {
        TimePrecision::Milliseconds
    };
    Some((Timestamp::from_micros(utc_micros), precision))
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, wanted: u8) -> Option<()> {
        (self.next()? == wanted).then_some(())
    }

    fn digits(&mut self, count: usize) -> Option<u32> {
        let mut value = 0u32;
        for _ in 0..count {
            let byte = self.next().filter(u8::is_ascii_digit)?;
            value = value * 10 + u32::from(byte - b'0');
        }
        Some(value)
    }

    /// Reads the UTC offset in seconds east of UTC; no offset at all reads as UTC.
    fn offset(&mut self) -> Option<i32> {
        let sign = match self.peek() {
            None => return Some(0),
            Some(b'Z' | b'z') => {
                self.at += 1;
                return Some(0);
            }
            Some(b'+') => 1,
            Some(b'-') => -1,
            Some(_) => return None,
        };
        self.at += 1;
        let hours = self.digits(2)?;
        let minutes = match self.peek() {
            None => 0,
            Some(b':') => {
                self.at += 1;
                self.digits(2)?
            }
            Some(_) => self.digits(2)?,
        };
        if hours > 23 || minutes > 59 {
            return None;
        }
        Some(sign * (hours * 3600 + minutes * 60) as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2023-03-30T00:00:54Z in microseconds.
    const BASE: i64 = 1_680_134_454_000_000;

    fn micros(text: &str) -> i64 {
        parse_started(text).unwrap().0.micros()
    }

    #[test]
    fn started_zulu_milliseconds() {
        let (ts, precision) = parse_started("2023-03-30T00:00:54.250Z").unwrap();
        assert_eq!(ts.micros(), BASE + 250_000);
        assert_eq!(precision, TimePrecision::Milliseconds);
    }

    #[test]
    fn started_offsets_all_forms() {
        assert_eq!(micros("2023-03-30T02:00:54+02:00"), BASE);
        assert_eq!(micros("2023-03-29T17:00:54-07:00"), BASE);
        assert_eq!(micros("2023-03-29T17:00:54-0700"), BASE);
        assert_eq!(micros("2023-03-29T17:00:54-07"), BASE);
        assert_eq!(micros("2023-03-30T00:00:54"), BASE);
        assert_eq!(micros("2023-03-30 00:00:54z"), BASE);
    }

    #[test]
    fn started_fraction_digit_counts() {
        assert_eq!(micros("2023-03-30T00:00:54Z"), BASE);
        assert_eq!(micros("2023-03-30T00:00:54.5Z"), BASE + 500_000);
        assert_eq!(micros("2023-03-30T00:00:54.123456Z"), BASE + 123_456);
        assert_eq!(micros("2023-03-30T00:00:54.1234567Z"), BASE + 123_456);
        assert_eq!(micros("2023-03-30T00:00:54,25Z"), BASE + 250_000);
    }

    #[test]
    fn started_seven_digits_is_microseconds() {
        let (_, precision) = parse_started("2016-06-28T21:42:02.7221474+01:00").unwrap();
        assert_eq!(precision, TimePrecision::Microseconds);
    }

    #[test]
    fn started_invalid_rejected() {
        assert!(parse_started("").is_none());
        assert!(parse_started("yesterday").is_none());
        assert!(parse_started("2023-02-30T00:00:00Z").is_none());
        assert!(parse_started("2023-03-30T24:00:00Z").is_none());
        assert!(parse_started("2023-03-30T00:00:00.Z").is_none());
        assert!(parse_started("2023-03-30T00:00:00Zjunk").is_none());
        assert!(parse_started("2023-03-30T00:00:00+25:00").is_none());
    }
}
