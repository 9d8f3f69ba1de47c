//! HAR reader: turns a browser, proxy or API-client capture into exchanges.
//!
//! Captures run to hundreds of megabytes, so the document is never built as a
//! `serde_json::Value` tree. A serde visitor walks `log` and streams `log.entries` one
//! raw, borrowed element at a time. Each element is parsed on its own into lenient
//! borrowed structs and converted before the next one is read. An entry that cannot be used is counted and
//! reported with its index, and the other entries are still read. Only a file that is
//! not JSON, or has no `log.entries`, is an error.

mod body;
mod convert;
mod entry;
mod kind;
mod timestamp;

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use self::convert::Origin;
use self::entry::{Creator, Entry};
use super::{InputError, Loaded, MAX_SKIPPED_LISTED, Skipped};
use crate::model::{Position, ResourceKind, sort_exchanges};

/// Advice appended to every file-level error.
const HAR_HINT: &str =
    "expected a HAR file: a JSON object with log.entries; export the capture again as HAR";

/// Reads a HAR file and returns its exchanges, sorted by start time.
///
/// `input` is the index of this file in the run's input list and `client` the client
/// key given to every exchange.
pub fn read_har(path: &Path, input: u32, client: Arc<str>) -> Result<Loaded, InputError> {
    let bytes = std::fs::read(path).map_err(|source| InputError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_har(&bytes, input, client).map_err(|message| InputError::invalid(path, message))
}

/// Parses the bytes of a HAR file; see [`read_har`]. The error is a message for the
/// user, without the file name.
///
/// Accepted around the JSON: a UTF-8 byte-order mark, and a JSONP wrapper such as
/// `onInputData({...});` written by old HAR viewers. Invalid UTF-8 is replaced with
/// U+FFFD instead of rejecting the file.
pub fn parse_har(bytes: &[u8], input: u32, client: Arc<str>) -> Result<Loaded, String> {
    let text = String::from_utf8_lossy(bytes);
    let text: &str = &text;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(format!("the file is empty; {HAR_HINT}"));
    }
    let (json, json_offset) = unwrap_jsonp(text);

    let mut sink = EntrySink {
        origin: Origin { input, client },
        loaded: Loaded::default(),
        creator: None,
        text,
        line_cursor: (0, 1),
    };
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let result = DocumentSeed { sink: &mut sink }
        .deserialize(&mut deserializer)
        .and_then(|()| deserializer.end());
    if let Err(error) = result {
        return Err(describe_file_error(&error, text, json_offset));
    }

    let mut loaded = sink.loaded;
    // `creator` may follow `entries`, so its verdict is applied after streaming.
    if sink.creator.as_deref().is_some_and(kind::is_api_client) {
        for exchange in &mut loaded.exchanges {
            exchange.kind = ResourceKind::Api;
        }
    }
    sort_exchanges(&mut loaded.exchanges);
    Ok(loaded)
}

/// Returns the JSON inside a JSONP call `name( ... )` and its byte offset in `text`, or
/// the whole text when it is not wrapped.
fn unwrap_jsonp(text: &str) -> (&str, usize) {
    let trimmed = text.trim_start();
    let leading = text.len() - trimmed.len();
    let name_len = trimmed
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | '.')))
        .unwrap_or(trimmed.len());
    if name_len == 0 || trimmed.starts_with(|c: char| c.is_ascii_digit()) {
        return (text, 0);
    }
    let Some(after_name) = trimmed[name_len..].trim_start().strip_prefix('(') else {
        return (text, 0);
    };
    let tail = after_name.trim_end();
    let tail = tail.strip_suffix(';').unwrap_or(tail).trim_end();
    let Some(inner) = tail.strip_suffix(')') else {
        return (text, 0);
    };
    (inner, leading + (trimmed.len() - after_name.len()))
}

/// Builds the file-level error message: what failed, where, and what to do.
fn describe_file_error(error: &serde_json::Error, text: &str, json_offset: usize) -> String {
    let detail = redact_strings(&message_without_position(error));
    let (line, column) = shift_position(text, json_offset, error.line(), error.column());
    let what = match error.classify() {
        serde_json::error::Category::Syntax => "not valid JSON",
        serde_json::error::Category::Eof => "the JSON ends early (the file is truncated)",
        serde_json::error::Category::Data | serde_json::error::Category::Io => "not a HAR file",
    };
    format!("{what} at line {line} column {column} ({detail}); {HAR_HINT}")
}

/// Returns serde_json's message without its trailing ` at line L column C`.
fn message_without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    match message.strip_suffix(&suffix) {
        Some(stripped) => stripped.to_string(),
        None => message,
    }
}

/// Converts a line and column counted from byte `offset` of `text` into a line and
/// column of the whole text. Both are one-based; columns count bytes like serde_json.
fn shift_position(text: &str, offset: usize, line: usize, column: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or("");
    let base_line = before.matches('\n').count() + 1;
    let base_column = before.len() - before.rfind('\n').map_or(0, |i| i + 1);
    // serde_json reports column 0 right after a newline; editors start at 1.
    if line <= 1 {
        (base_line, (base_column + column).max(1))
    } else {
        (base_line + line - 1, column.max(1))
    }
}

/// Replaces the content of quoted strings in a serde message (`invalid type: string
/// "..."`), because the string can be a header value such as a token.
fn redact_strings(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find("string \"") {
        let open = start + "string \"".len();
        out.push_str(&rest[..open]);
        out.push_str("...\"");
        let mut escaped = false;
        let mut close = rest.len();
        for (i, c) in rest[open..].char_indices() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    close = open + i + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// Receives the raw entries one by one and collects what they become.
struct EntrySink<'t> {
    origin: Origin,
    loaded: Loaded,
    /// `log.creator.name`, when it is a string.
    creator: Option<String>,
    /// The whole file text, to turn an entry's address into a line number.
    text: &'t str,
    /// Byte offset and one-based line of the last entry start, so that counting the
    /// lines of a large file stays linear: entries arrive in document order.
    line_cursor: (usize, u32),
}

impl EntrySink<'_> {
    fn accept(&mut self, raw: &RawValue) {
        let index = self.loaded.records;
        self.loaded.records += 1;
        let line = self.line_of(raw);
        self.loaded.entry_lines.push(line);

        let result = match serde_json::from_str::<Entry<'_>>(raw.get()) {
            Ok(entry) => convert::to_exchange(&entry, index, &self.origin),
            Err(error) => Err(self.describe_entry_error(raw, &error)),
        };
        match result {
            Ok(exchange) => {
                if exchange.cache_hit {
                    self.loaded.cache_hits += 1;
                }
                self.loaded.exchanges.push(exchange);
            }
            Err(reason) => {
                self.loaded.skipped_total += 1;
                if self.loaded.skipped.len() < MAX_SKIPPED_LISTED {
                    self.loaded.skipped.push(Skipped {
                        position: Position::Entry(index),
                        reason,
                    });
                }
            }
        }
    }

    /// Returns the one-based line on which a raw entry starts, or 0 when its address
    /// is not inside the file text.
    fn line_of(&mut self, raw: &RawValue) -> u32 {
        let offset = (raw.get().as_ptr() as usize).checked_sub(self.text.as_ptr() as usize);
        let Some(offset) = offset.filter(|o| *o <= self.text.len()) else {
            return 0;
        };
        let (last_offset, last_line) = self.line_cursor;
        let line = match self.text.as_bytes().get(last_offset..offset) {
            Some(between) => last_line.saturating_add(
                u32::try_from(memchr::memchr_iter(b'\n', between).count()).unwrap_or(u32::MAX),
            ),
            None => 0,
        };
        if line > 0 {
            self.line_cursor = (offset, line);
        }
        line
    }

    /// Describes a type error inside an entry, with its line and column in the file.
    fn describe_entry_error(&self, raw: &RawValue, error: &serde_json::Error) -> String {
        let detail = redact_strings(&message_without_position(error));
        // The raw entry borrows from `self.text`, so its address gives its offset.
        let offset = (raw.get().as_ptr() as usize).checked_sub(self.text.as_ptr() as usize);
        match offset.filter(|o| *o <= self.text.len()) {
            Some(offset) => {
                let (line, column) =
                    shift_position(self.text, offset, error.line(), error.column());
                format!("invalid entry at line {line} column {column}: {detail}")
            }
            None => format!("invalid entry: {detail}"),
        }
    }
}

/// Visits the top-level object and hands `log` to [`LogVisitor`].
struct DocumentSeed<'s, 't> {
    sink: &'s mut EntrySink<'t>,
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object with log.entries")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "log" && !found {
                map.next_value_seed(LogVisitor {
                    sink: &mut *self.sink,
                })?;
                found = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if found {
            Ok(())
        } else {
            Err(de::Error::custom("the top-level object has no \"log\""))
        }
    }
}

/// Visits `log` and streams its `entries` array.
struct LogVisitor<'s, 't> {
    sink: &'s mut EntrySink<'t>,
}

impl<'de> DeserializeSeed<'de> for LogVisitor<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LogVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("\"log\" to be an object with \"entries\"")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "entries" && !found {
                map.next_value_seed(EntriesVisitor {
                    sink: &mut *self.sink,
                })?;
                found = true;
            } else if key == "creator" {
                // A malformed creator must not cost the whole file, so it is parsed
                // apart from the stream and ignored when it does not fit.
                let raw = map.next_value::<&'de RawValue>()?;
                if let Ok(creator) = serde_json::from_str::<Creator<'_>>(raw.get()) {
                    self.sink.creator = creator.name.map(|name| name.as_str().to_string());
                }
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        if found {
            Ok(())
        } else {
            Err(de::Error::custom("\"log\" has no \"entries\" array"))
        }
    }
}

/// Visits `log.entries`, handing each element to the sink before reading the next.
struct EntriesVisitor<'s, 't> {
    sink: &'s mut EntrySink<'t>,
}

impl<'de> DeserializeSeed<'de> for EntriesVisitor<'_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for EntriesVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("\"log.entries\" to be an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            self.sink.accept(raw);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
