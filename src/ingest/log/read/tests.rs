use std::borrow::Cow;
use std::sync::Arc;

use super::*;
use crate::ingest::log::{LogRecord, LoggedTime, ParseState};
use crate::model::{TimePrecision, Timestamp};

/// A test format: `METHOD TARGET STATUS`, `#` lines are directives, `#set NAME` sets a
/// host that following lines use, and anything else is invalid.
struct Toy;

impl LineParser for Toy {
    fn name(&self) -> &'static str {
        "toy"
    }

    fn parse_line<'a>(&self, line: &'a [u8], state: &mut ParseState) -> LineOutcome<'a> {
        if line.trim_ascii().is_empty() {
            return LineOutcome::Blank;
        }
        if let Some(name) = line.strip_prefix(b"#set ") {
            let name = String::from_utf8_lossy(name).into_owned().into_boxed_str();
            state.fields = Some(Arc::from(vec![name]));
            return LineOutcome::NotAccess;
        }
        if line.starts_with(b"#") {
            return LineOutcome::NotAccess;
        }
        let Ok(text) = std::str::from_utf8(line) else {
            return LineOutcome::Invalid(Cow::Borrowed("invalid UTF-8"));
        };
        let parts: Vec<&str> = text.split(' ').collect();
        let [method, target, status] = parts[..] else {
            return LineOutcome::Invalid(Cow::Borrowed("expected three fields"));
        };
        let Ok(status) = status.parse() else {
            return LineOutcome::Invalid(Cow::Borrowed("status is not a number"));
        };
        let host = state
            .fields
            .as_ref()
            .and_then(|f| f.first())
            .map(|h| Cow::Owned(h.to_string()));
        LineOutcome::Record(LogRecord {
            time: Timestamp::from_micros(1_000_000),
            logged_time: LoggedTime::Start,
            precision: TimePrecision::Seconds,
            duration_us: None,
            client_addr: Some(Cow::Borrowed("192.0.2.1")),
            forwarded_for: None,
            user_agent: None,
            method: Cow::Borrowed(method),
            scheme: None,
            host,
            target: Cow::Borrowed(target),
            status,
            response_size: None,
            response_headers: Vec::new(),
            request_headers: Vec::new(),
            throttle: None,
            fields: Vec::new(),
        })
    }

    fn state_before(&self, preceding: &[u8]) -> ParseState {
        let mut state = ParseState::default();
        for line in preceding.split(|b| *b == b'\n') {
            if line.starts_with(b"#set ") {
                let _ = self.parse_line(line, &mut state);
            }
        }
        state
    }
}

fn read(bytes: &[u8], chunk: usize) -> Loaded {
    read_log_chunked(bytes, &Toy, 0, &ConvertOptions::default(), chunk)
}

fn lines_of(exchanges: &[Exchange]) -> Vec<u64> {
    let mut lines: Vec<u64> = exchanges
        .iter()
        .map(|e| match e.source.position {
            Position::Line(line) => line,
            Position::Entry(_) => 0,
        })
        .collect();
    lines.sort_unstable();
    lines
}

const MIXED: &[u8] = b"GET /a 200\n\n# comment\nbroken\nPOST /b 201\r\n\xff\xfe 1\nGET - 200\n";

#[test]
fn counts_add_up_to_lines() {
    let loaded = read(MIXED, CHUNK_BYTES);
    assert_eq!(loaded.lines, 7);
    assert_eq!(loaded.records, 3);
    assert_eq!(loaded.blank, 1);
    assert_eq!(loaded.not_access, 1);
    assert_eq!(loaded.invalid, 2);
    assert_eq!(
        loaded.records + loaded.blank + loaded.not_access + loaded.invalid,
        loaded.lines
    );
}

#[test]
fn conversion_failure_skipped() {
    let loaded = read(MIXED, CHUNK_BYTES);
    // `GET - 200` parses but has no target.
    assert_eq!(loaded.exchanges.len(), 2);
    assert_eq!(loaded.skipped_total, 3);
}

#[test]
fn skipped_lines_numbered() {
    let loaded = read(MIXED, CHUNK_BYTES);
    let positions: Vec<Position> = loaded.skipped.iter().map(|s| s.position).collect();
    assert_eq!(
        positions,
        [Position::Line(4), Position::Line(6), Position::Line(7)]
    );
    assert_eq!(loaded.skipped[1].reason, "invalid UTF-8");
}

#[test]
fn line_numbers_across_chunks() {
    for chunk in [1, 3, 7, 11, 64] {
        let loaded = read(MIXED, chunk);
        assert_eq!(lines_of(&loaded.exchanges), [1, 5], "chunk size {chunk}");
        assert_eq!(loaded.lines, 7, "chunk size {chunk}");
        assert_eq!(loaded.invalid, 2, "chunk size {chunk}");
    }
}

#[test]
fn crlf_stripped() {
    let loaded = read(b"GET /a 200\r\nGET /b 200\r\n", CHUNK_BYTES);
    assert_eq!(loaded.records, 2);
    assert_eq!(loaded.invalid, 0);
}

#[test]
fn last_line_without_newline() {
    let loaded = read(b"GET /a 200\nGET /b 200", CHUNK_BYTES);
    assert_eq!(loaded.lines, 2);
    assert_eq!(loaded.records, 2);
}

#[test]
fn empty_input_no_lines() {
    let loaded = read(b"", CHUNK_BYTES);
    assert_eq!(loaded.lines, 0);
    assert!(loaded.exchanges.is_empty());
}

#[test]
fn trailing_blank_line_counted() {
    let loaded = read(b"GET /a 200\n\n", CHUNK_BYTES);
    assert_eq!(loaded.lines, 2);
    assert_eq!(loaded.blank, 1);
}

#[test]
fn skipped_list_capped() {
    let input = "x\n".repeat(MAX_SKIPPED_LISTED + 10);
    let loaded = read(input.as_bytes(), 16);
    assert_eq!(loaded.skipped.len(), MAX_SKIPPED_LISTED);
    assert_eq!(loaded.skipped_total, (MAX_SKIPPED_LISTED + 10) as u64);
    assert_eq!(loaded.skipped[0].position, Position::Line(1));
}

#[test]
fn state_carried_into_chunks() {
    let input = b"#set one.example\nGET /a 200\nGET /b 200\n#set two.example\nGET /c 200\n";
    for chunk in [1, 5, 20, 1000] {
        let loaded = read(input, chunk);
        let mut hosts: Vec<(u64, String)> = loaded
            .exchanges
            .iter()
            .map(|e| (lines_of(std::slice::from_ref(e))[0], e.host.to_string()))
            .collect();
        hosts.sort();
        assert_eq!(
            hosts,
            [
                (2, "one.example".to_string()),
                (3, "one.example".to_string()),
                (5, "two.example".to_string())
            ],
            "chunk size {chunk}"
        );
    }
}

#[test]
fn chunk_bounds_cover_input() {
    let input = b"aa\nbbbb\nc\n\nddd";
    for size in [1, 2, 4, 100] {
        let bounds = chunk_bounds(input, size);
        assert_eq!(bounds.first().map(|b| b.0), Some(0), "size {size}");
        assert_eq!(bounds.last().map(|b| b.1), Some(input.len()), "size {size}");
        for pair in bounds.windows(2) {
            assert_eq!(pair[0].1, pair[1].0, "size {size}");
            assert_eq!(input[pair[0].1 - 1], b'\n', "size {size}");
        }
    }
}
