//! Shared driver of the access-log targets: runs one format over fuzzed bytes line by
//! line and through the chunked driver, and checks the line accounting.

use ratelint::ingest::log::formats::{FormatOptions, LogFormatName, parser_for};
use ratelint::ingest::log::read::read_log;
use ratelint::ingest::log::{ConvertOptions, LineParser, ParseState};

/// Parses `data` with the format that its first byte picks from `formats`.
pub fn run_formats(data: &[u8], formats: &[LogFormatName], options: &FormatOptions) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let name = formats[usize::from(selector) % formats.len()];
    // Formats that need options the fuzzer did not give are rejected; that is fine.
    let Ok(parser) = parser_for(name, options) else {
        return;
    };
    run_parser(parser.as_ref(), rest);
}

/// Calls `parse_line` on each line, then `read_log`, and checks that every line is
/// counted exactly once.
pub fn run_parser(parser: &dyn LineParser, data: &[u8]) {
    let mut state = ParseState::default();
    for line in data.split(|b| *b == b'\n') {
        let _ = parser.parse_line(line, &mut state);
    }
    let _ = parser.state_before(data);

    let loaded = read_log(data, parser, 0, &ConvertOptions::default());
    assert_eq!(
        loaded.records + loaded.blank + loaded.not_access + loaded.invalid,
        loaded.lines
    );
}
