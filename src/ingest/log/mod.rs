//! Access-log readers: server, gateway, load-balancer and proxy logs, one request a line.
//!
//! Each format is a [`LineParser`] that turns one line of bytes into a [`LogRecord`]
//! borrowing from the line, so that no allocation happens per line where the format
//! allows it. Records become [`Exchange`](crate::model::Exchange)s in one shared step
//! ([`record`]), so every format feeds the rate-limit signals and client keys the same
//! way. Parsers hold no state that depends on earlier lines, apart from directives
//! that a chunk's starting state captures ([`LineParser::state_before`]), so a file can
//! be split at newlines and parsed in parallel.

pub mod apache;
pub mod cloud;
pub mod compiled;
pub mod detect;
pub mod fields;
pub mod formats;
pub mod json;
pub mod nginx;
pub mod proxy;
pub mod read;
pub mod record;
pub(crate) mod scan;

use std::borrow::Cow;

pub use record::{ClientKey, ConvertOptions, LogRecord, LoggedTime};

/// Outcome of parsing one line.
// A record is built once per line and moved straight into conversion; boxing it would
// add an allocation per line.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum LineOutcome<'a> {
    /// An access entry.
    Record(LogRecord<'a>),
    /// A line the format expects besides access entries: W3C directives (`#Fields:`),
    /// startup messages, syslog lines of another program. Counted, not an error.
    NotAccess,
    /// An empty or whitespace-only line.
    Blank,
    /// A line that should be an access entry but cannot be parsed, with the reason.
    Invalid(Cow<'static, str>),
}

/// Parser state carried from line to line. Only W3C extended logs need it: their
/// `#Fields:` directive sets the columns of the lines that follow.
#[derive(Clone, Debug, Default)]
pub struct ParseState {
    /// Column names of the last `#Fields:` directive, when the format uses one.
    pub fields: Option<std::sync::Arc<[Box<str>]>>,
}

/// One access-log format.
pub trait LineParser: Send + Sync {
    /// Short name shown in reports, e.g. `nginx`, `aws-alb`.
    fn name(&self) -> &'static str;

    /// Parses one line, without its line terminator (`\n` or `\r\n` removed). The line
    /// may hold invalid UTF-8; a parser replaces it or reports the line as invalid, but
    /// never panics.
    fn parse_line<'a>(&self, line: &'a [u8], state: &mut ParseState) -> LineOutcome<'a>;

    /// Returns the state in force at the start of a chunk, given every byte before the
    /// chunk. The default is the empty state, which suits formats without directives.
    /// The driver calls this once per chunk of about 4 MiB, so an implementation should
    /// search backwards from the end (for the last `#Fields:`), not scan from the start.
    fn state_before(&self, preceding: &[u8]) -> ParseState {
        let _ = preceding;
        ParseState::default()
    }
}
