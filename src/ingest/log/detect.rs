//! Detection of an input's format from its first lines (`--input-format auto`).
//!
//! Structure decides first, because it is unambiguous: a JSON document with `log` is a
//! HAR file, `#Version`/`#Fields` directives open a W3C extended log, and JSON lines
//! are distinguished by their keys. Line formats are then scored on up to
//! [`SAMPLE_LINES`] non-blank lines: each candidate's parser counts the lines it
//! parses, and a candidate whose parser is not built yet is scored with a cheap
//! signature of its layout instead. The highest score wins; ties go to the earlier
//! candidate in [`LINE_CANDIDATES`], which lists specific formats before the general
//! ones they extend.

use super::formats::{FormatOptions, LogFormatName, parser_for};
use super::{LineOutcome, ParseState};

/// Maximum number of non-blank lines looked at.
pub const SAMPLE_LINES: usize = 50;

/// Bytes of a HAR file searched for its `"log"` key.
const HAR_PROBE_BYTES: usize = 64 * 1024;

/// Line formats tried on unstructured text, in tie-breaking order: nginx-ingress lines
/// also parse as combined, and combined lines also parse as common.
const LINE_CANDIDATES: &[LogFormatName] = &[
    LogFormatName::NginxIngress,
    LogFormatName::Combined,
    LogFormatName::Common,
    LogFormatName::AwsAlb,
    LogFormatName::AwsElb,
    LogFormatName::Envoy,
    LogFormatName::Haproxy,
];

/// A detected input format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detected {
    Har,
    Log(LogFormatName),
}

/// Rejection of an input that is no supported format.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DetectError {
    #[error(
        "this is an Okta System Log export (events, not HTTP requests); ratelint reads \
         access logs"
    )]
    OktaEvents,
    #[error(
        "not a recognised access log or HAR file; give --input-format and, for custom \
         formats, --log-format"
    )]
    Unrecognised,
}

/// Detects the format of an input from its first bytes (a few hundred KiB suffice).
pub fn detect(sample: &[u8]) -> Result<Detected, DetectError> {
    let text = sample.strip_prefix(b"\xef\xbb\xbf").unwrap_or(sample);
    let lines = sample_lines(text);
    if lines.is_empty() {
        return Err(DetectError::Unrecognised);
    }

    if let Some(found) = detect_json(text, &lines)? {
        return Ok(found);
    }
    if lines
        .iter()
        .any(|l| l.starts_with(b"#Fields:") || l.starts_with(b"#Version:"))
    {
        let cloudfront = lines
            .iter()
            .any(|l| l.starts_with(b"#Fields:") && memchr::memmem::find(l, b"x-edge-").is_some());
        return Ok(Detected::Log(if cloudfront {
            LogFormatName::Cloudfront
        } else {
            LogFormatName::Iis
        }));
    }
    best_line_format(&lines)
        .map(Detected::Log)
        .ok_or(DetectError::Unrecognised)
}

/// Returns the first non-blank lines of the sample, without line terminators. The last
/// line is dropped when the sample cuts it.
fn sample_lines(text: &[u8]) -> Vec<&[u8]> {
    let complete = match memchr::memrchr(b'\n', text) {
        Some(end) if text.len() >= HAR_PROBE_BYTES => &text[..end],
        _ => text,
    };
    complete
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.trim_ascii().is_empty())
        .take(SAMPLE_LINES)
        .collect()
}

/// Recognises HAR files and JSON lines. Returns `Ok(None)` for text that is not JSON.
fn detect_json(text: &[u8], lines: &[&[u8]]) -> Result<Option<Detected>, DetectError> {
    let trimmed = text.trim_ascii_start();
    let first_object = lines.first().and_then(|line| json_object(line));
    if first_object.is_none() {
        // A HAR document spread over many lines, or wrapped in a JSONP call. Lines
        // inside it may be complete objects, so only the first line decides.
        let probe = &trimmed[..trimmed.len().min(HAR_PROBE_BYTES)];
        let opens_json = trimmed.starts_with(b"{") || starts_with_call(trimmed);
        if opens_json && memchr::memmem::find(probe, b"\"log\"").is_some() {
            return Ok(Some(Detected::Har));
        }
    }
    let objects: Vec<serde_json::Map<String, serde_json::Value>> =
        lines.iter().filter_map(|line| json_object(line)).collect();
    if objects.is_empty() {
        return Ok(None);
    }
    if lines.len() == 1 && objects[0].contains_key("log") {
        return Ok(Some(Detected::Har));
    }
    if objects.iter().any(is_okta_event) {
        return Err(DetectError::OktaEvents);
    }
    if objects.iter().any(|o| {
        o.contains_key("ClientRequestHost")
            || o.contains_key("EdgeStartTimestamp")
            || o.contains_key("RayID")
    }) {
        return Ok(Some(Detected::Log(LogFormatName::Cloudflare)));
    }
    if objects.iter().any(is_caddy_access) {
        return Ok(Some(Detected::Log(LogFormatName::Caddy)));
    }
    // JSON lines that no preset describes: the user maps the fields with `--field`.
    Ok(Some(Detected::Log(LogFormatName::Json)))
}

/// Parses a line as a JSON object. Caddy lines may carry a `name | ` prefix written by
/// `docker compose logs`, so the object may start after the first `{`.
fn json_object(line: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    let start = memchr::memchr(b'{', line)?;
    let prefix = &line[..start];
    if !(prefix.trim_ascii().is_empty() || prefix.trim_ascii_end().ends_with(b"|")) {
        return None;
    }
    match serde_json::from_slice::<serde_json::Value>(&line[start..]) {
        Ok(serde_json::Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// Okta System Log events carry `eventType`, `actor` and `published`.
fn is_okta_event(object: &serde_json::Map<String, serde_json::Value>) -> bool {
    object.contains_key("eventType")
        && object.contains_key("actor")
        && object.contains_key("published")
}

/// Caddy access entries come from the `http.log.access` logger with a `request` object.
fn is_caddy_access(object: &serde_json::Map<String, serde_json::Value>) -> bool {
    let logger = object.get("logger").and_then(|l| l.as_str()).unwrap_or("");
    logger.starts_with("http.log.access") && object.get("request").is_some_and(|r| r.is_object())
}

/// Checks for a JSONP wrapper such as `onInputData(`.
fn starts_with_call(text: &[u8]) -> bool {
    let name_len = text
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.')))
        .unwrap_or(text.len());
    name_len > 0 && text[name_len..].trim_ascii_start().starts_with(b"(")
}

/// Scores the line formats on the sample and returns the best, if any line matched.
fn best_line_format(lines: &[&[u8]]) -> Option<LogFormatName> {
    let mut best: Option<(LogFormatName, usize)> = None;
    for &format in LINE_CANDIDATES {
        let score = score(format, lines);
        if score > 0 && best.is_none_or(|(_, kept)| score > kept) {
            best = Some((format, score));
        }
    }
    best.map(|(format, _)| format)
}

/// Counts the sample lines that a format reads: with its parser when built, else with
/// its signature.
fn score(format: LogFormatName, lines: &[&[u8]]) -> usize {
    match parser_for(format, &FormatOptions::default()) {
        Ok(parser) => {
            let mut state = ParseState::default();
            lines
                .iter()
                .filter(|line| {
                    matches!(parser.parse_line(line, &mut state), LineOutcome::Record(_))
                })
                .count()
        }
        Err(_) => lines.iter().filter(|line| signature(format, line)).count(),
    }
}

/// Checks the layout of a line against a format's fixed landmarks. Signatures only
/// rank formats whose parser is not built; they do not validate fields.
fn signature(format: LogFormatName, line: &[u8]) -> bool {
    let tokens: Vec<&[u8]> = line
        .split(|b| *b == b' ')
        .filter(|t| !t.is_empty())
        .collect();
    match format {
        LogFormatName::NginxIngress => ncsa_tail(line).is_some_and(|tail| {
            quoted_count(tail) >= 2 && memchr::memmem::find(tail, b" [").is_some()
        }),
        LogFormatName::Combined => ncsa_tail(line).is_some_and(|tail| quoted_count(tail) >= 2),
        LogFormatName::Common => ncsa_tail(line).is_some(),
        LogFormatName::AwsAlb => {
            tokens.len() >= 12
                && matches!(
                    tokens[0],
                    b"http" | b"https" | b"h2" | b"grpcs" | b"ws" | b"wss"
                )
                && is_iso_utc(tokens[1])
        }
        LogFormatName::AwsElb => {
            tokens.len() >= 12 && is_iso_utc(tokens[0]) && tokens[2].contains(&b':')
        }
        LogFormatName::Envoy => {
            line.starts_with(b"[")
                && memchr::memchr(b']', line).is_some_and(|close| {
                    is_iso_utc(&line[1..close]) && line[close + 1..].starts_with(b" \"")
                })
        }
        LogFormatName::Haproxy => haproxy_accept_date(line),
        _ => false,
    }
}

/// Returns what follows `"REQUEST" STATUS SIZE` in an NCSA line
/// (`host ident user [dd/Mon/yyyy:hh:mm:ss +zzzz] "..." 200 123`), or `None`.
fn ncsa_tail(line: &[u8]) -> Option<&[u8]> {
    let open = memchr::memchr(b'[', line)?;
    let close = open + memchr::memchr(b']', &line[open..])?;
    let date = &line[open + 1..close];
    if !(date.len() >= 26 && date.get(2) == Some(&b'/') && date.get(6) == Some(&b'/')) {
        return None;
    }
    let rest = line[close + 1..].strip_prefix(b" \"")?;
    let end = memchr::memchr(b'"', rest)?;
    let after = rest[end + 1..].trim_ascii_start();
    let mut fields = after.splitn(3, |b| *b == b' ');
    let status = fields.next()?;
    let size = fields.next()?;
    let valid = status.len() == 3
        && status.iter().all(u8::is_ascii_digit)
        && (size == b"-" || size.iter().all(u8::is_ascii_digit));
    valid.then(|| fields.next().unwrap_or_default())
}

fn quoted_count(text: &[u8]) -> usize {
    memchr::memchr_iter(b'"', text).count() / 2
}

/// Checks for `2019-10-11T15:01:12.376735Z`.
fn is_iso_utc(token: &[u8]) -> bool {
    token.len() >= 20
        && token.get(4) == Some(&b'-')
        && token.get(10) == Some(&b'T')
        && token.ends_with(b"Z")
}

/// Checks for HAProxy's accept date with milliseconds: `[25/Feb/2019:16:19:48.143]`.
fn haproxy_accept_date(line: &[u8]) -> bool {
    memchr::memchr_iter(b'[', line).any(|open| {
        let date = &line[open + 1..];
        date.len() > 25
            && date.get(2) == Some(&b'/')
            && date.get(20) == Some(&b'.')
            && date.get(24) == Some(&b']')
    })
}

#[cfg(test)]
mod tests;
