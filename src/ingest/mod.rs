//! Input parsers: each turns one file into [`Exchange`]s and an account of what it could
//! not use.

pub mod har;
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

/// Input formats ratelint reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    Har,
}

/// Result of reading one input.
#[derive(Debug, Default)]
pub struct Loaded {
    pub exchanges: Vec<Exchange>,
    /// Records found in the input, used or not.
    pub records: u64,
    /// Records that were not used for rate purposes although they were valid, such as
    /// browser cache hits. They stay in `exchanges` with `cache_hit` set.
    pub cache_hits: u64,
    /// Records that could not be used at all, with the reason.
    pub skipped: Vec<Skipped>,
    /// Total number of skipped records; `skipped` may hold only the first few.
    pub skipped_total: u64,
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
