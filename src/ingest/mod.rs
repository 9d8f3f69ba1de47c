//! Input parsers: each turns one file into [`Exchange`]s and an account of what it could
//! not use.

mod common;
pub mod har;
pub mod input;
pub mod log;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::{Exchange, Position};

/// A record of an input that could not be turned into an exchange.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Skipped {
    pub position: Position,
    pub reason: String,
}

/// Input formats ratelint reads: HAR, or an access-log format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    Har,
    Log(log::formats::LogFormatName),
    /// An empty log (just rotated, say) whose format cannot be detected: it has no
    /// requests, which is not an error.
    Empty,
}

impl InputFormat {
    /// Returns the format's name as `--input-format` spells it, e.g. `har`, `aws-alb`.
    pub fn as_str(self) -> &'static str {
        match self {
            InputFormat::Har => "har",
            InputFormat::Log(name) => name.as_str(),
            InputFormat::Empty => "empty",
        }
    }
}

/// Serialized as the plain name, so reports show `"har"` or `"aws-alb"`.
impl Serialize for InputFormat {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Result of reading one input.
#[derive(Debug, Default)]
pub struct Loaded {
    pub exchanges: Vec<Exchange>,
    /// Records found in the input, used or not: HAR entries, or log lines parsed as
    /// access entries.
    pub records: u64,
    /// Lines of a text log; 0 for HAR files.
    pub lines: u64,
    /// Empty lines of a text log.
    pub blank: u64,
    /// Log lines that the format expects besides access entries (W3C directives,
    /// startup messages).
    pub not_access: u64,
    /// Log lines that should be access entries but could not be parsed. Records that
    /// parsed but could not be converted count in `records`, and both count in
    /// `skipped_total`.
    pub invalid: u64,
    /// Records that were not used for rate purposes although they were valid, such as
    /// browser cache hits. They stay in `exchanges` with `cache_hit` set.
    pub cache_hits: u64,
    /// Records that could not be used at all, with the reason.
    pub skipped: Vec<Skipped>,
    /// Total number of skipped records; `skipped` may hold only the first few.
    pub skipped_total: u64,
    /// Things the user should know about how the input was read, such as fields that a
    /// detected format ignores.
    pub warnings: Vec<String>,
    /// One-based line on which each HAR entry starts, by entry index, so that CI
    /// reports can point at a line. Empty for logs, whose positions are lines already.
    pub entry_lines: Vec<u32>,
}

/// An input file that could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    // The I/O error is part of the message rather than a `#[source]`, so that an
    // error chain printed with `{:#}` does not repeat it.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl InputError {
    pub fn invalid(path: &Path, message: impl Into<String>) -> Self {
        InputError::Invalid {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// Maximum number of skipped records kept with their reasons per input; the rest are
/// only counted.
pub const MAX_SKIPPED_LISTED: usize = 50;
