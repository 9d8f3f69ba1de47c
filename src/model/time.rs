//! Instants and durations with microsecond precision, in UTC.
//!
//! Rules compare millions of instants, so an instant is a plain count of microseconds
//! since the Unix epoch. chrono is used only at the edges, to parse and to print.

use std::fmt;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{Serialize, Serializer};

/// An instant in UTC, as microseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub const fn from_micros(micros: i64) -> Self {
        Timestamp(micros)
    }

    pub fn from_millis(millis: i64) -> Self {
        Timestamp(millis.saturating_mul(1_000))
    }

    pub fn from_secs_f64(secs: f64) -> Self {
        Timestamp((secs * 1_000_000.0).round() as i64)
    }

    pub const fn micros(self) -> i64 {
        self.0
    }

    pub fn to_datetime(self) -> Option<DateTime<Utc>> {
        Utc.timestamp_micros(self.0).single()
    }

    /// Formats the instant as RFC 3339 with milliseconds, e.g. `2026-03-01T10:00:00.250Z`.
    pub fn to_rfc3339_millis(self) -> String {
        match self.to_datetime() {
            Some(dt) => dt.to_rfc3339_opts(SecondsFormat::Millis, true),
            None => format!("@{}us", self.0),
        }
    }

    pub fn saturating_add_micros(self, micros: i64) -> Self {
        Timestamp(self.0.saturating_add(micros))
    }

    /// Returns `self - earlier` in microseconds.
    pub fn micros_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(dt: DateTime<Utc>) -> Self {
        Timestamp(dt.timestamp_micros())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339_millis())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339_millis())
    }
}

/// Formats a duration given in microseconds for people: `850 ms`, `2.5 s`, `3 min 20 s`.
pub fn format_duration_micros(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let abs = micros.unsigned_abs();
    if abs < 1_000 {
        format!("{sign}{abs} us")
    } else if abs < 1_000_000 {
        format!("{sign}{} ms", abs / 1_000)
    } else if abs < 60_000_000 {
        let tenths = (abs + 50_000) / 100_000;
        if tenths.is_multiple_of(10) {
            format!("{sign}{} s", tenths / 10)
        } else {
            format!("{sign}{}.{} s", tenths / 10, tenths % 10)
        }
    } else if abs < 3_600_000_000 {
        let secs = (abs + 500_000) / 1_000_000;
        format!("{sign}{} min {} s", secs / 60, secs % 60)
    } else if abs < 86_400_000_000 {
        let minutes = (abs + 30_000_000) / 60_000_000;
        format!("{sign}{} h {} min", minutes / 60, minutes % 60)
    } else {
        let hours = (abs + 1_800_000_000) / 3_600_000_000;
        format!("{sign}{} d {} h", hours / 24, hours % 24)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_keeps_milliseconds() {
        let ts = Timestamp::from_micros(1_772_359_200_250_400);
        assert_eq!(ts.to_rfc3339_millis(), "2026-03-01T10:00:00.250Z");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration_micros(850), "850 us");
        assert_eq!(format_duration_micros(850_000), "850 ms");
        assert_eq!(format_duration_micros(2_500_000), "2.5 s");
        assert_eq!(format_duration_micros(30_000_000), "30 s");
        assert_eq!(format_duration_micros(200_000_000), "3 min 20 s");
        assert_eq!(format_duration_micros(-1_500_000), "-1.5 s");
        assert_eq!(format_duration_micros(5_400_000_000), "1 h 30 min");
        assert_eq!(format_duration_micros(1_465_256_000_000), "16 d 23 h");
    }
}
