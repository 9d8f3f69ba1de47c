//! The access-log driver: splits one decompressed input into lines, parses them in
//! parallel and converts the records.
//!
//! Logs run to gigabytes, so the bytes are cut into newline-aligned chunks that rayon
//! parses independently. Each chunk starts from [`LineParser::state_before`] so that
//! W3C `#Fields:` directives still apply across a cut, and line numbers are counted
//! per chunk and shifted afterwards. Invalid UTF-8 is left to the parser and never
//! stops the run.

use std::borrow::Cow;

use rayon::prelude::*;

use super::record::{ConvertOptions, Interner};
use super::{LineOutcome, LineParser};
use crate::ingest::{Loaded, MAX_SKIPPED_LISTED, Skipped};
use crate::model::{Exchange, Position, Source, sort_exchanges};

/// Target size of a chunk parsed by one task.
const CHUNK_BYTES: usize = 4 * 1024 * 1024;

/// Reads every line of `bytes` with `parser` and returns the exchanges sorted by start
/// time, with every line counted as a record, blank, not-access or invalid.
pub fn read_log(
    bytes: &[u8],
    parser: &dyn LineParser,
    input: u32,
    options: &ConvertOptions,
) -> Loaded {
    read_log_chunked(bytes, parser, input, options, CHUNK_BYTES)
}

/// [`read_log`] with a given chunk size, so tests (unit and property tests) can cut
/// small inputs.
#[doc(hidden)]
pub fn read_log_chunked(
    bytes: &[u8],
    parser: &dyn LineParser,
    input: u32,
    options: &ConvertOptions,
    chunk_bytes: usize,
) -> Loaded {
    let chunks = chunk_bounds(bytes, chunk_bytes.max(1));
    let results: Vec<ChunkResult> = chunks
        .par_iter()
        .map(|&(start, end)| parse_chunk(bytes, start, end, parser, input, options))
        .collect();

    let mut loaded = Loaded::default();
    let mut first_line = 1u64;
    for mut chunk in results {
        loaded.lines += chunk.lines;
        loaded.records += chunk.records;
        loaded.blank += chunk.blank;
        loaded.not_access += chunk.not_access;
        loaded.invalid += chunk.invalid;
        loaded.skipped_total += chunk.skipped_total;
        for skipped in chunk.skipped.drain(..) {
            if loaded.skipped.len() >= MAX_SKIPPED_LISTED {
                break;
            }
            loaded.skipped.push(Skipped {
                position: Position::Line(first_line + skipped.0),
                reason: skipped.1.into_owned(),
            });
        }
        for mut exchange in chunk.exchanges {
            if let Position::Line(offset) = exchange.source.position {
                exchange.source.position = Position::Line(first_line + offset);
            }
            loaded.exchanges.push(exchange);
        }
        first_line += chunk.lines;
    }
    sort_exchanges(&mut loaded.exchanges);
    loaded
}

/// Cuts `bytes` into ranges of about `size` bytes that end right after a newline (or
/// at the end of the input).
fn chunk_bounds(bytes: &[u8], size: usize) -> Vec<(usize, usize)> {
    let mut bounds = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let wanted = start.saturating_add(size).min(bytes.len());
        // The chunk ends after the first newline at or past `wanted - 1`, so a chunk
        // is never empty.
        let search_from = wanted - 1;
        let end = memchr::memchr(b'\n', &bytes[search_from..])
            .map_or(bytes.len(), |offset| search_from + offset + 1);
        bounds.push((start, end));
        start = end;
    }
    bounds
}

/// Results of parsing one chunk. Line numbers are zero-based within the chunk.
#[derive(Default)]
struct ChunkResult {
    lines: u64,
    records: u64,
    blank: u64,
    not_access: u64,
    invalid: u64,
    skipped_total: u64,
    skipped: Vec<(u64, Cow<'static, str>)>,
    exchanges: Vec<Exchange>,
}

fn parse_chunk(
    bytes: &[u8],
    start: usize,
    end: usize,
    parser: &dyn LineParser,
    input: u32,
    options: &ConvertOptions,
) -> ChunkResult {
    let mut result = ChunkResult::default();
    if start == end {
        return result;
    }
    let mut state = parser.state_before(&bytes[..start]);
    let mut interner = Interner::default();
    // The terminator of the last line ends the chunk; it does not open another line.
    let chunk = &bytes[start..end];
    let chunk = chunk.strip_suffix(b"\n").unwrap_or(chunk);
    for (index, line) in chunk.split(|b| *b == b'\n').enumerate() {
        let index = index as u64;
        result.lines += 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let reason = match parser.parse_line(line, &mut state) {
            LineOutcome::Blank => {
                result.blank += 1;
                continue;
            }
            LineOutcome::NotAccess => {
                result.not_access += 1;
                continue;
            }
            LineOutcome::Invalid(reason) => {
                result.invalid += 1;
                reason
            }
            LineOutcome::Record(record) => {
                result.records += 1;
                let source = Source {
                    input,
                    position: Position::Line(index),
                };
                match interner.to_exchange(&record, source, options) {
                    Ok(exchange) => {
                        result.exchanges.push(exchange);
                        continue;
                    }
                    Err(reason) => reason,
                }
            }
        };
        result.skipped_total += 1;
        if result.skipped.len() < MAX_SKIPPED_LISTED {
            result.skipped.push((index, reason));
        }
    }
    result
}

#[cfg(test)]
mod tests;
