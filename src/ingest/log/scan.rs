//! Byte-level helpers shared by the cloud and proxy log parsers.
//!
//! Every helper works on borrowed bytes and returns `None` instead of failing, so that a
//! parser can turn any surprise into an `Invalid` outcome with its own reason. None of
//! them allocates unless a value has to be decoded.

use std::borrow::Cow;

use chrono::NaiveDate;

use super::record::{LogRecord, LoggedTime};
use crate::model::{TimePrecision, Timestamp};

/// Returns a record with the given time and request and every optional field empty.
pub fn new_record<'a>(
    (time, precision): (Timestamp, TimePrecision),
    logged_time: LoggedTime,
    method: &'a [u8],
    target: &'a [u8],
) -> LogRecord<'a> {
    LogRecord {
        time,
        logged_time,
        precision,
        duration_us: None,
        client_addr: None,
        forwarded_for: None,
        user_agent: None,
        method: text(method),
        scheme: None,
        host: None,
        target: text(target),
        status: 0,
        response_size: None,
        response_headers: Vec::new(),
        request_headers: Vec::new(),
        throttle: None,
        fields: Vec::new(),
    }
}

/// Decodes a field as UTF-8, replacing invalid sequences; borrows when the bytes are
/// valid.
pub fn text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// Returns the field unless it is empty or the `-` that logs write for "no value".
pub fn present(bytes: &[u8]) -> Option<&[u8]> {
    match bytes {
        b"" | b"-" => None,
        _ => Some(bytes),
    }
}

/// Parses an unsigned decimal integer made of ASCII digits only.
pub fn parse_u64(bytes: &[u8]) -> Option<u64> {
    if bytes.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for &byte in bytes {
        let digit = byte.checked_sub(b'0').filter(|d| *d <= 9)?;
        value = value.checked_mul(10)?.checked_add(u64::from(digit))?;
    }
    Some(value)
}

/// Parses an HTTP status. `-`, `-1` and `000` mean that no response was sent and give
/// 0; anything but one to three digits gives `None`.
pub fn parse_status(bytes: &[u8]) -> Option<u16> {
    if matches!(bytes, b"-" | b"-1") {
        return Some(0);
    }
    if bytes.len() > 3 {
        return None;
    }
    parse_u64(bytes).and_then(|value| u16::try_from(value).ok())
}

/// Parses a decimal number of seconds (`0.000043`, `12`, `-1`) into microseconds.
/// Digits beyond the sixth decimal are dropped.
pub fn parse_seconds_micros(bytes: &[u8]) -> Option<i64> {
    let (negative, digits) = match bytes.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    let (whole, fraction) = match memchr::memchr(b'.', digits) {
        Some(dot) => (&digits[..dot], &digits[dot + 1..]),
        None => (digits, &b""[..]),
    };
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let whole = if whole.is_empty() {
        0
    } else {
        parse_u64(whole)?
    };
    let mut micros: u64 = 0;
    for position in 0..6 {
        let digit = match fraction.get(position) {
            Some(&byte) => u64::from(byte.checked_sub(b'0').filter(|d| *d <= 9)?),
            None => 0,
        };
        micros = micros * 10 + digit;
    }
    if !fraction.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let total = i64::try_from(whole.checked_mul(1_000_000)?.checked_add(micros)?).ok()?;
    Some(if negative { -total } else { total })
}

/// Parses a whole number of milliseconds, with an optional sign, into microseconds.
pub fn parse_millis_micros(bytes: &[u8]) -> Option<i64> {
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let millis = i64::try_from(parse_u64(digits)?).ok()?;
    let micros = millis.checked_mul(1_000)?;
    Some(if negative { -micros } else { micros })
}

/// Returns the address part of a peer logged with its port: `address:port`,
/// `[v6]:port`, or `v6:port` (HAProxy writes IPv6 peers without brackets). A value
/// whose last colon is not followed by digits is returned as it is.
pub fn strip_port(bytes: &[u8]) -> &[u8] {
    if let Some(rest) = bytes.strip_prefix(b"[") {
        return match memchr::memchr(b']', rest) {
            Some(end) => &rest[..end],
            None => bytes,
        };
    }
    match memchr::memrchr(b':', bytes) {
        Some(colon) if colon > 0 && parse_u64(&bytes[colon + 1..]).is_some() => &bytes[..colon],
        _ => bytes,
    }
}

/// Tokenizer for space-separated fields where some fields are enclosed in double
/// quotes (AWS load balancers, Envoy, HAProxy). Inside quotes a backslash escapes the
/// next byte, and a quote not followed by a space or the end of the line is content.
pub struct Tokens<'a> {
    line: &'a [u8],
    position: usize,
}

/// A token that could not be read.
#[derive(Debug, PartialEq, Eq)]
pub struct UnterminatedQuote;

impl<'a> Tokens<'a> {
    pub fn new(line: &'a [u8]) -> Self {
        Tokens { line, position: 0 }
    }

    /// Returns the bytes not consumed yet, without leading spaces.
    pub fn rest(&self) -> &'a [u8] {
        self.line
            .get(self.position..)
            .unwrap_or_default()
            .trim_ascii_start()
    }

    /// Reads the next token; quoted tokens are returned without their quotes and with
    /// escapes left in place. Returns `None` at the end of the line.
    pub fn next_token(&mut self) -> Option<Result<&'a [u8], UnterminatedQuote>> {
        let line = self.line;
        while line.get(self.position) == Some(&b' ') {
            self.position += 1;
        }
        let start = self.position;
        match line.get(start)? {
            b'"' => {
                let mut index = start + 1;
                while index < line.len() {
                    match line[index] {
                        b'\\' => index += 2,
                        // A quote ends the token only before a space or the end of
                        // the line, so that a stray quote inside a value does not
                        // shift every later field.
                        b'"' if matches!(line.get(index + 1), None | Some(b' ')) => {
                            self.position = index + 1;
                            return Some(Ok(&line[start + 1..index]));
                        }
                        _ => index += 1,
                    }
                }
                self.position = line.len();
                Some(Err(UnterminatedQuote))
            }
            _ => {
                let end = memchr::memchr(b' ', &line[start..]).map_or(line.len(), |i| start + i);
                self.position = end;
                Some(Ok(&line[start..end]))
            }
        }
    }
}

/// Splits an HTTP request line `METHOD target [VERSION]` into method and target.
pub fn split_request_line(request: &[u8]) -> Option<(&[u8], &[u8])> {
    let request = request.trim_ascii();
    let space = memchr::memchr(b' ', request)?;
    let method = &request[..space];
    let rest = request[space + 1..].trim_ascii_start();
    let target = match memchr::memrchr(b' ', rest) {
        Some(last) if rest[last + 1..].starts_with(b"HTTP/") => rest[..last].trim_ascii_end(),
        _ => rest,
    };
    if method.is_empty() || target.is_empty() {
        return None;
    }
    Some((method, target))
}

/// Parts of an absolute URL target.
pub struct AbsoluteUrl<'a> {
    pub scheme: &'a [u8],
    /// Host, with the port only when it is not the scheme's default.
    pub host: &'a [u8],
    /// Path and query, `/` when the URL has none.
    pub path: &'a [u8],
}

/// Splits `scheme://host[:port]/path?query`, or returns `None` for an origin-form
/// target.
pub fn split_absolute_url(target: &[u8]) -> Option<AbsoluteUrl<'_>> {
    let separator = memchr::memmem::find(target, b"://")?;
    let scheme = &target[..separator];
    if scheme.is_empty() || !scheme.iter().all(u8::is_ascii_alphanumeric) {
        return None;
    }
    let after = &target[separator + 3..];
    let authority_end = after
        .iter()
        .position(|&b| b == b'/' || b == b'?')
        .unwrap_or(after.len());
    let authority = &after[..authority_end];
    let path = match &after[authority_end..] {
        b"" => &b"/"[..],
        rest => rest,
    };
    let default_port: &[u8] = match scheme {
        b"http" | b"ws" => b":80",
        b"https" | b"wss" => b":443",
        _ => b"",
    };
    let host = match authority.strip_suffix(default_port) {
        Some(host) if !default_port.is_empty() => host,
        _ => authority,
    };
    Some(AbsoluteUrl { scheme, host, path })
}

/// Builds an instant from calendar fields in UTC; `None` when a field is out of range.
fn civil_timestamp(date: (i32, u32, u32), time: (u32, u32, u32), micros: i64) -> Option<Timestamp> {
    let seconds = NaiveDate::from_ymd_opt(date.0, date.1, date.2)?
        .and_hms_opt(time.0, time.1, time.2)?
        .and_utc()
        .timestamp();
    Some(Timestamp::from_micros(
        seconds.checked_mul(1_000_000)?.checked_add(micros)?,
    ))
}

fn two_digits(bytes: &[u8], at: usize) -> Option<u32> {
    let pair = bytes.get(at..at + 2)?;
    parse_u64(pair).map(|v| v as u32)
}

/// Reads an optional fraction of a second starting with `.` and returns the
/// microseconds, the precision it shows and the number of bytes read.
fn fraction(bytes: &[u8]) -> Option<(i64, TimePrecision, usize)> {
    let Some(digits) = bytes.strip_prefix(b".") else {
        return Some((0, TimePrecision::Seconds, 0));
    };
    let count = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    if count == 0 {
        return None;
    }
    let mut micros: i64 = 0;
    for position in 0..6 {
        let digit = digits.get(position).filter(|_| position < count);
        micros = micros * 10 + digit.map_or(0, |d| i64::from(d - b'0'));
    }
    let precision = if count <= 3 {
        TimePrecision::Milliseconds
    } else {
        TimePrecision::Microseconds
    };
    Some((micros, precision, count + 1))
}

/// A time of day read from a log: hours, minutes and seconds, the fraction of a second
/// in microseconds, the precision the fraction shows and the number of bytes read.
type TimeOfDay = ((u32, u32, u32), i64, TimePrecision, usize);

/// Parses `HH:MM:SS[.fraction]`.
fn time_of_day(bytes: &[u8]) -> Option<TimeOfDay> {
    if bytes.get(2) != Some(&b':') || bytes.get(5) != Some(&b':') {
        return None;
    }
    let clock = (
        two_digits(bytes, 0)?,
        two_digits(bytes, 3)?,
        two_digits(bytes, 6)?,
    );
    let (micros, precision, used) = fraction(bytes.get(8..)?)?;
    Some((clock, micros, precision, 8 + used))
}

fn ymd(bytes: &[u8]) -> Option<(i32, u32, u32)> {
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year = i32::try_from(parse_u64(&bytes[..4])?).ok()?;
    Some((year, two_digits(bytes, 5)?, two_digits(bytes, 8)?))
}

/// Parses an ISO 8601 instant, `2019-10-11T15:01:12.376735Z`, with `Z`, a numeric
/// offset (`+02:00`, `+0200`) or no zone (read as UTC).
pub fn parse_iso8601(bytes: &[u8]) -> Option<(Timestamp, TimePrecision)> {
    let date = ymd(bytes.get(..10)?)?;
    if !matches!(bytes.get(10), Some(b'T' | b't' | b' ')) {
        return None;
    }
    let (clock, micros, precision, used) = time_of_day(bytes.get(11..)?)?;
    let zone = &bytes[11 + used..];
    let offset_seconds = match zone {
        b"" | b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (hours, minutes) = match rest {
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => {
                    (parse_u64(&[*h1, *h2])?, parse_u64(&[*m1, *m2])?)
                }
                _ => return None,
            };
            let seconds = i64::try_from(hours * 3600 + minutes * 60).ok()?;
            if *sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    let local = civil_timestamp(date, clock, micros)?;
    Some((
        local.saturating_add_micros(-offset_seconds * 1_000_000),
        precision,
    ))
}

/// Parses a W3C extended log's separate `date` (`2019-12-04`) and `time` (`21:02:31`,
/// maybe with a fraction) fields, which the W3C draft defines as UTC.
pub fn parse_w3c_date_time(date: &[u8], time: &[u8]) -> Option<(Timestamp, TimePrecision)> {
    let date = ymd(date)?;
    let (clock, micros, precision, used) = time_of_day(time)?;
    if used != time.len() {
        return None;
    }
    Some((civil_timestamp(date, clock, micros)?, precision))
}

/// Parses HAProxy's accept date, `25/Feb/2019:16:19:48.143`. It carries no zone.
pub fn parse_haproxy_date(bytes: &[u8]) -> Option<(Timestamp, TimePrecision)> {
    if bytes.get(2) != Some(&b'/') || bytes.get(6) != Some(&b'/') || bytes.get(11) != Some(&b':') {
        return None;
    }
    let day = two_digits(bytes, 0)?;
    let month = match bytes.get(3..6)? {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    };
    let year = i32::try_from(parse_u64(bytes.get(7..11)?)?).ok()?;
    let (clock, micros, precision, used) = time_of_day(bytes.get(12..)?)?;
    if 12 + used != bytes.len() {
        return None;
    }
    Some((
        civil_timestamp((year, month, day), clock, micros)?,
        precision,
    ))
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Decodes escapes of the form `<marker>HH` (`%20`, or `\x20` with a two-byte
/// marker). Escapes that are not followed by two hex digits are kept as they are.
fn decode_hex_escapes<'a>(bytes: &'a [u8], marker: &[u8]) -> Cow<'a, str> {
    if memchr::memmem::find(bytes, marker).is_none() {
        return text(bytes);
    }
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index..].starts_with(marker) {
            let at = index + marker.len();
            let high = bytes.get(at).copied().and_then(hex_value);
            let low = bytes.get(at + 1).copied().and_then(hex_value);
            if let (Some(high), Some(low)) = (high, low) {
                decoded.push(high << 4 | low);
                index = at + 2;
                continue;
            }
        }
        decoded.push(bytes[index]);
        index += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&decoded).into_owned())
}

/// Decodes `%HH` percent escapes.
pub fn percent_decode(bytes: &[u8]) -> Cow<'_, str> {
    decode_hex_escapes(bytes, b"%")
}

/// Decodes `\xHH` escapes, which CloudFront writes for spaces and other bytes in some
/// fields (`81.2.69.142,\x20216.160.83.56` in `x-forwarded-for`).
pub fn backslash_hex_decode(bytes: &[u8]) -> Cow<'_, str> {
    decode_hex_escapes(bytes, b"\\x")
}

/// Replaces the `+` that IIS writes for each space in `cs(User-Agent)`. IIS leaves a
/// literal `+` as it is, so `; +http://` is logged as `;++http://`: a `+` right after
/// another one is kept.
pub fn plus_to_space(bytes: &[u8]) -> Cow<'_, str> {
    if memchr::memchr(b'+', bytes).is_none() {
        return text(bytes);
    }
    let mut replaced = Vec::with_capacity(bytes.len());
    let mut previous = 0u8;
    for &byte in bytes {
        let keep_plus = byte == b'+' && previous == b'+';
        replaced.push(if byte == b'+' && !keep_plus {
            b' '
        } else {
            byte
        });
        previous = if keep_plus { 0 } else { byte };
    }
    Cow::Owned(String::from_utf8_lossy(&replaced).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_dash_and_zeros() {
        assert_eq!(parse_status(b"-"), Some(0));
        assert_eq!(parse_status(b"000"), Some(0));
        assert_eq!(parse_status(b"-1"), Some(0));
        assert_eq!(parse_status(b"429"), Some(429));
        assert_eq!(parse_status(b"4290"), None);
        assert_eq!(parse_status(b"4x9"), None);
    }

    #[test]
    fn seconds_to_micros() {
        assert_eq!(parse_seconds_micros(b"0.000043"), Some(43));
        assert_eq!(parse_seconds_micros(b"0.00491"), Some(4_910));
        assert_eq!(parse_seconds_micros(b"-1"), Some(-1_000_000));
        assert_eq!(parse_seconds_micros(b"12"), Some(12_000_000));
        assert_eq!(parse_seconds_micros(b"0.1234567"), Some(123_456));
        assert_eq!(parse_seconds_micros(b"."), None);
        assert_eq!(parse_seconds_micros(b"1.2x"), None);
        assert_eq!(parse_seconds_micros(b""), None);
    }

    #[test]
    fn millis_with_sign() {
        assert_eq!(parse_millis_micros(b"+1487"), Some(1_487_000));
        assert_eq!(parse_millis_micros(b"-1"), Some(-1_000));
        assert_eq!(parse_millis_micros(b"x"), None);
    }

    #[test]
    fn ports_stripped() {
        assert_eq!(strip_port(b"81.2.69.193:56398"), b"81.2.69.193");
        assert_eq!(strip_port(b"[::1]:8080"), b"::1");
        assert_eq!(strip_port(b"2001:db8::1:443"), b"2001:db8::1");
        assert_eq!(strip_port(b"10.0.0.1"), b"10.0.0.1");
    }

    #[test]
    fn tokens_with_quotes() {
        let mut tokens = Tokens::new(br#"a  "b c" "d \" e" "g"h" f"#);
        assert_eq!(tokens.next_token(), Some(Ok(&b"a"[..])));
        assert_eq!(tokens.next_token(), Some(Ok(&b"b c"[..])));
        assert_eq!(tokens.next_token(), Some(Ok(&br#"d \" e"#[..])));
        assert_eq!(tokens.next_token(), Some(Ok(&br#"g"h"#[..])));
        assert_eq!(tokens.next_token(), Some(Ok(&b"f"[..])));
        assert_eq!(tokens.next_token(), None);
    }

    #[test]
    fn tokens_unterminated_quote() {
        let mut tokens = Tokens::new(br#"a "b c"#);
        assert_eq!(tokens.next_token(), Some(Ok(&b"a"[..])));
        assert_eq!(tokens.next_token(), Some(Err(UnterminatedQuote)));
        assert_eq!(tokens.next_token(), None);
    }

    #[test]
    fn request_line_split() {
        let (method, target) = split_request_line(b"GET /a b HTTP/1.1").unwrap();
        assert_eq!(method, b"GET");
        assert_eq!(target, b"/a b");
        assert!(split_request_line(b"GET").is_none());
        let (_, target) = split_request_line(b"GET /truncated").unwrap();
        assert_eq!(target, b"/truncated");
    }

    #[test]
    fn absolute_url_default_port() {
        let url = split_absolute_url(b"http://example.com:80/x?y=1").unwrap();
        assert_eq!(url.scheme, b"http");
        assert_eq!(url.host, b"example.com");
        assert_eq!(url.path, b"/x?y=1");
        let url = split_absolute_url(b"https://example.com:8443").unwrap();
        assert_eq!(url.host, b"example.com:8443");
        assert_eq!(url.path, b"/");
        assert!(split_absolute_url(b"/x").is_none());
    }

    #[test]
    fn iso8601_precisions_and_offsets() {
        let (time, precision) = parse_iso8601(b"2019-10-11T15:01:12.376735Z").unwrap();
        assert_eq!(time.to_rfc3339_millis(), "2019-10-11T15:01:12.376Z");
        assert_eq!(time.micros() % 1_000_000, 376_735);
        assert_eq!(precision, TimePrecision::Microseconds);
        let (time, precision) = parse_iso8601(b"2019-04-08T16:50:12.533+02:00").unwrap();
        assert_eq!(time.to_rfc3339_millis(), "2019-04-08T14:50:12.533Z");
        assert_eq!(precision, TimePrecision::Milliseconds);
        assert!(parse_iso8601(b"2019-02-30T00:00:00Z").is_none());
        assert!(parse_iso8601(b"2019-10-11T15:01:12.Z").is_none());
        assert!(parse_iso8601(b"2019-10-11T15:01").is_none());
    }

    #[test]
    fn w3c_date_time_utc() {
        let (time, precision) = parse_w3c_date_time(b"2019-12-04", b"21:02:31").unwrap();
        assert_eq!(time.to_rfc3339_millis(), "2019-12-04T21:02:31.000Z");
        assert_eq!(precision, TimePrecision::Seconds);
        assert!(parse_w3c_date_time(b"2019-12-04", b"21:02:31x").is_none());
    }

    #[test]
    fn haproxy_date_millis() {
        let (time, precision) = parse_haproxy_date(b"25/Feb/2019:16:19:48.143").unwrap();
        assert_eq!(time.to_rfc3339_millis(), "2019-02-25T16:19:48.143Z");
        assert_eq!(precision, TimePrecision::Milliseconds);
        assert!(parse_haproxy_date(b"25/Fev/2019:16:19:48.143").is_none());
        assert!(parse_haproxy_date(b"25/Feb/2019:16:19:48.143]").is_none());
    }

    #[test]
    fn escapes_decoded() {
        assert_eq!(percent_decode(b"a%20b%2"), "a b%2");
        assert!(matches!(percent_decode(b"plain"), Cow::Borrowed(_)));
        assert_eq!(
            backslash_hex_decode(br"1.2.3.4,\x205.6.7.8"),
            "1.2.3.4, 5.6.7.8"
        );
        assert_eq!(
            plus_to_space(b"Mozilla/4.0+(compatible)"),
            "Mozilla/4.0 (compatible)"
        );
        assert_eq!(
            plus_to_space(b"bingbot/2.0;++http://x"),
            "bingbot/2.0; +http://x"
        );
    }
}
