//! The matcher that nginx `log_format` and Apache `LogFormat` strings compile to.
//!
//! A compiled format is a sequence of literals and fields, matched left to right against
//! the bytes of a line. A field ends at the first byte of the literal after it. A field
//! between two quotes instead ends at the first unescaped `"` that the rest of the format
//! follows. Values with spaces of their own (`$time_local`, `$request`, upstream lists
//! such as `0.100, 0.004`) skip those spaces. Values borrow from the line and are copied
//! only to decode escapes.
//!
//! A line may continue after the last field of the format when the rest starts with a
//! space or a tab, because many logs append fields to a standard prefix (a trailing
//! `"-"`, the ingress-nginx fields after `combined`). The remainder is ignored.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use super::fields::{self, decode, find_closing_quote, non_empty, parse_decimal_micros, parse_u64};
use super::record::{LogRecord, LoggedTime};
use crate::model::{TimePrecision, Timestamp};

/// A format string that cannot be compiled, with the position of the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// The format as compiled: the concatenated pieces of a directive, with the
    /// configuration file's quoting removed.
    pub format: String,
    /// Byte offset in `format` of the offending variable or directive.
    pub position: usize,
    /// Description of the problem.
    pub message: String,
    /// Advice on fixing the format.
    pub help: String,
}

impl FormatError {
    pub(crate) fn new(format: &str, position: usize, message: String, help: &str) -> Self {
        FormatError {
            format: format.to_owned(),
            position: position.min(format.len()),
            message,
            help: help.to_owned(),
        }
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Control characters would shift the caret, so they print as spaces.
        let shown: String = self
            .format
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let column = self
            .format
            .get(..self.position)
            .map_or(0, |prefix| prefix.chars().count());
        writeln!(formatter, "{}", self.message)?;
        writeln!(formatter, "  {shown}")?;
        writeln!(formatter, "  {}^", " ".repeat(column))?;
        write!(formatter, "{}", self.help)
    }
}

impl std::error::Error for FormatError {}

/// Syntax of a logged time value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeSyntax {
    /// `10/Oct/2000:13:55:36 -0700`.
    Ncsa,
    /// `2000-10-10T13:55:36-07:00`, optionally with a fraction.
    Iso8601,
    /// Seconds since the epoch with an optional fraction (`$msec`, `%{sec}t`).
    EpochSeconds,
    /// Whole milliseconds since the epoch (`%{msec}t`).
    EpochMillis,
    /// Whole microseconds since the epoch (`%{usec}t`).
    EpochMicros,
    /// An strftime pattern (`%{%d/%b/%Y %T}t`), possibly one of several parts of a time.
    Strftime(Box<[Strftime]>),
    /// A fraction of a second to add to a time logged in parts: `%{msec_frac}t` (three
    /// digits) or `%{usec_frac}t` (six digits).
    Fraction { digits: u8 },
}

/// One conversion of an strftime pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strftime {
    Literal(u8),
    Year,
    ShortYear,
    Month,
    MonthName,
    Day,
    Hour,
    Minute,
    Second,
    /// `%z`: `+hhmm`.
    Offset,
    /// `%s`: seconds since the epoch.
    Epoch,
    /// `%a`, `%A`, `%Z`: a word that carries no needed information.
    Word,
}

/// Record field that a format field feeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldKind {
    ClientAddr,
    Time {
        syntax: TimeSyntax,
        logged: LoggedTime,
    },
    /// The whole request line, `METHOD target PROTOCOL`.
    Request,
    Method,
    /// Path and query (`$request_uri`).
    Target,
    /// Path without query (`$uri`, `%U`).
    Path,
    /// Query string, with or without the leading `?` (`$args` has none, `%q` has one).
    Query,
    Protocol,
    Scheme,
    /// Host name. A lower rank wins when several are logged.
    Host {
        rank: u8,
    },
    /// Status. `final_status` marks Apache's `%>s`, the status after internal redirects.
    Status {
        final_status: bool,
    },
    ResponseSize {
        rank: u8,
    },
    /// A duration in units of `micros_per_unit` microseconds. `decimal` values may have
    /// a fraction. A lower rank wins.
    Duration {
        micros_per_unit: i64,
        decimal: bool,
        rank: u8,
    },
    /// `$upstream_response_time`: a list of seconds that is summed. Used as the
    /// duration only when the format logs no other duration.
    UpstreamTime,
    UserAgent,
    Referer,
    ForwardedFor,
    RequestHeader(&'static str),
    ResponseHeader(&'static str),
    /// nginx's `$is_args`: `?` when the request has a query, else empty.
    QueryMark,
    /// Any other value, kept by name for `--client-key field:NAME`.
    Named(&'static str),
    /// A value that is matched and dropped.
    Ignored,
}

/// One field of a compiled format.
#[derive(Clone, Debug)]
pub struct Field {
    pub kind: FieldKind,
    /// The variable or directive as written in the format, for messages.
    pub label: Box<str>,
    /// Byte offset of the variable in the format.
    pub position: usize,
    /// Spaces inside the value itself, skipped when the field ends at a space.
    pub inner_spaces: u8,
    /// The value may be a comma-separated list (`$upstream_addr`).
    pub list: bool,
}

impl Field {
    pub fn new(kind: FieldKind, label: &str, position: usize) -> Self {
        Field {
            kind,
            label: label.into(),
            position,
            inner_spaces: 0,
            list: false,
        }
    }
}

/// One item of a compiled format.
#[derive(Clone, Debug)]
pub enum Item {
    Literal(Box<[u8]>),
    Field(Field),
}

/// Stores a field or header name for the life of the process, once per distinct name,
/// so that records can borrow names without a copy per line. Formats hold a handful of
/// names, so the set stays small.
pub fn intern(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let names = NAMES.get_or_init(|| Mutex::new(HashSet::new()));
    let mut names = match names.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(existing) = names.get(name) {
        return existing;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// A requirement that a compiled format does not meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Two fields with nothing between them, at the position of the second.
    AdjacentFields(usize),
    NoTime,
    NoRequest,
    NoStatus,
}

/// A compiled format that matches lines.
#[derive(Clone, Debug)]
pub struct CompiledFormat {
    items: Box<[Item]>,
}

impl CompiledFormat {
    /// Joins path-and-query idioms, then checks that the items can be matched and yield
    /// a record: a time, a request and a status, and a separator between every two fields.
    pub fn new(items: Vec<Item>) -> Result<Self, Problem> {
        let items = merge_path_and_query(items);
        let mut previous_was_field = false;
        let (mut time, mut request, mut method, mut target, mut status) =
            (false, false, false, false, false);
        for item in &items {
            match item {
                Item::Literal(_) => previous_was_field = false,
                Item::Field(field) => {
                    if previous_was_field {
                        return Err(Problem::AdjacentFields(field.position));
                    }
                    previous_was_field = true;
                    match &field.kind {
                        FieldKind::Time { syntax, .. } => {
                            time |= !matches!(syntax, TimeSyntax::Fraction { .. })
                        }
                        FieldKind::Request => request = true,
                        FieldKind::Method => method = true,
                        FieldKind::Target | FieldKind::Path => target = true,
                        FieldKind::Status { .. } => status = true,
                        _ => {}
                    }
                }
            }
        }
        if !time {
            return Err(Problem::NoTime);
        }
        if !(request || (method && target)) {
            return Err(Problem::NoRequest);
        }
        if !status {
            return Err(Problem::NoStatus);
        }
        Ok(CompiledFormat {
            items: items.into_boxed_slice(),
        })
    }

    /// Wraps items without checking them; a format without fields matches no line.
    pub(crate) fn unchecked(items: Vec<Item>) -> Self {
        CompiledFormat {
            items: items.into_boxed_slice(),
        }
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// Parses one line for a [`LineParser`](super::LineParser): blank, a record, or
    /// invalid with the reason.
    pub fn parse_line<'a>(&self, line: &'a [u8]) -> super::LineOutcome<'a> {
        if line.trim_ascii().is_empty() {
            return super::LineOutcome::Blank;
        }
        match self.match_line(line) {
            Ok(record) => super::LineOutcome::Record(record),
            Err(reason) => super::LineOutcome::Invalid(reason),
        }
    }

    /// Matches one line and builds its record, or returns why the line does not match.
    /// Reasons name the format's variables, never the line's content.
    pub fn match_line<'a>(&self, line: &'a [u8]) -> Result<LogRecord<'a>, Cow<'static, str>> {
        let mut builder = Builder::default();
        let mut position = 0;
        let items = &self.items;
        let mut index = 0;
        while index < items.len() {
            match &items[index] {
                Item::Literal(literal) => {
                    if !line[position..].starts_with(literal) {
                        return Err(literal_mismatch(items, index, line.len() <= position));
                    }
                    position += literal.len();
                    index += 1;
                }
                Item::Field(field) => {
                    let quoted = index > 0
                        && matches!(&items[index - 1], Item::Literal(l) if l.last() == Some(&b'"'));
                    let next = match items.get(index + 1) {
                        Some(Item::Literal(literal)) => Some(&literal[..]),
                        _ => None,
                    };
                    let is_last_literal = index + 2 >= items.len();
                    let (value, unterminated) = match next {
                        Some(next) if quoted && next.first() == Some(&b'"') => {
                            scan_quoted(line, position, next, is_last_literal, field)?
                        }
                        Some(next) => (scan_unquoted(line, position, next[0], field)?, false),
                        None => (scan_last(line, position), false),
                    };
                    builder.apply(field, value)?;
                    position += value.len();
                    if unterminated {
                        // An unterminated final quote: the value ran to the end of the line.
                        position = line.len();
                        index += 1;
                    }
                    index += 1;
                }
            }
        }
        if position < line.len() && !matches!(line[position], b' ' | b'\t') {
            return Err(Cow::Borrowed(
                "unexpected text after the last field of the format",
            ));
        }
        builder.finish()
    }
}

/// Joins the idioms that log a target as adjacent fields, Apache's `%U%q` and nginx's
/// `$uri$is_args$args`, into one target field. The joined value ends at the next literal
/// like any other field.
// NOTE: `%U` and `$uri` log the decoded path, so a path with an encoded space (`%20`)
// misaligns a line whose next literal is a space.
fn merge_path_and_query(items: Vec<Item>) -> Vec<Item> {
    let mut merged: Vec<Item> = Vec::with_capacity(items.len());
    for item in items {
        if let Item::Field(field) = &item
            && matches!(field.kind, FieldKind::Query)
        {
            let preceding: Vec<&FieldKind> = merged
                .iter()
                .rev()
                .take(2)
                .map_while(|item| match item {
                    Item::Field(field) => Some(&field.kind),
                    Item::Literal(_) => None,
                })
                .collect();
            let joined = match preceding.as_slice() {
                [FieldKind::Path, ..] => 1,
                [FieldKind::QueryMark, FieldKind::Path] => 2,
                _ => 0,
            };
            if joined > 0 {
                let start = merged.len() - joined;
                let (position, mut label) = match &merged[start] {
                    Item::Field(path) => (path.position, path.label.to_string()),
                    Item::Literal(_) => (field.position, String::new()),
                };
                for part in merged.drain(start..) {
                    if let Item::Field(part) = part
                        && part.position != position
                    {
                        label.push_str(&part.label);
                    }
                }
                label.push_str(&field.label);
                merged.push(Item::Field(Field::new(FieldKind::Target, &label, position)));
                continue;
            }
        }
        merged.push(item);
    }
    merged
}

fn literal_mismatch(items: &[Item], index: usize, at_end: bool) -> Cow<'static, str> {
    let next_field = items[index..].iter().find_map(|item| match item {
        Item::Field(field) => Some(&*field.label),
        Item::Literal(_) => None,
    });
    let place = match next_field {
        Some(label) => format!("before {label}"),
        None => "at the end of the format".to_owned(),
    };
    if at_end {
        Cow::Owned(format!("the line ends early: missing text {place}"))
    } else {
        Cow::Owned(format!(
            "the line does not match the format {place}: a field is missing, extra or contains a separator"
        ))
    }
}

/// Scans a field between quotes. Returns the value, and whether the closing quote was
/// missing at the end of the line.
fn scan_quoted<'a>(
    line: &'a [u8],
    start: usize,
    next: &[u8],
    next_is_last: bool,
    field: &Field,
) -> Result<(&'a [u8], bool), Cow<'static, str>> {
    let mut from = start;
    let mut last_quote = None;
    while let Some(quote) = find_closing_quote(line, from) {
        last_quote = Some(quote);
        let rest = &line[quote..];
        let fits = rest.starts_with(next)
            && (next.len() > 1
                || !next_is_last
                || rest.len() == 1
                || matches!(rest[1], b' ' | b'\t'));
        if fits {
            return Ok((&line[start..quote], false));
        }
        from = quote + 1;
    }
    let reason = match last_quote {
        // Seen in real Apache logs: a user agent cut off before its closing quote.
        None if next == b"\"" && next_is_last => return Ok((&line[start..], true)),
        None => format!("unterminated quoted value for {}", field.label),
        Some(quote) if quote + 1 == line.len() => {
            format!("the line ends early: missing text after {}", field.label)
        }
        Some(_) => format!(
            "the quoted value of {} is not followed by the rest of the format",
            field.label
        ),
    };
    Err(Cow::Owned(reason))
}

fn scan_unquoted<'a>(
    line: &'a [u8],
    start: usize,
    separator: u8,
    field: &Field,
) -> Result<&'a [u8], Cow<'static, str>> {
    let mut spaces_left = if separator == b' ' {
        field.inner_spaces
    } else {
        0
    };
    let mut from = start;
    loop {
        let Some(offset) = memchr::memchr(separator, &line[from..]) else {
            return Err(Cow::Owned(format!(
                "the line ends early: missing the separator after {}",
                field.label
            )));
        };
        let at = from + offset;
        let value = &line[start..at];
        let continues_list = field.list
            && separator == b' '
            && (matches!(value.last(), Some(b',') | Some(b':'))
                || line[at + 1..].starts_with(b": "));
        if spaces_left > 0 {
            spaces_left -= 1;
        } else if !continues_list {
            return Ok(value);
        }
        from = at + 1;
    }
}

fn scan_last(line: &[u8], start: usize) -> &[u8] {
    let rest = &line[start..];
    let end = memchr::memchr2(b' ', b'\t', rest).unwrap_or(rest.len());
    &rest[..end]
}

/// Calendar parts of a time logged in several strftime fields.
#[derive(Default)]
struct TimeParts {
    year: Option<i64>,
    month: Option<u32>,
    day: Option<u32>,
    hour: Option<u32>,
    minute: Option<u32>,
    second: Option<u32>,
    offset: Option<i64>,
    epoch: Option<i64>,
    fraction: Option<(i64, TimePrecision)>,
    logged: Option<LoggedTime>,
}

#[derive(Default)]
struct Builder<'a> {
    time: Option<(Timestamp, TimePrecision, LoggedTime)>,
    parts: TimeParts,
    client_addr: Option<Cow<'a, str>>,
    request: Option<(Cow<'a, str>, Cow<'a, str>)>,
    method: Option<Cow<'a, str>>,
    target: Option<Cow<'a, str>>,
    path: Option<Cow<'a, str>>,
    query: Option<Cow<'a, str>>,
    scheme: Option<Cow<'a, str>>,
    host: Option<(u8, Cow<'a, str>)>,
    status_final: Option<u16>,
    status_other: Option<u16>,
    response_size: Option<(u8, u64)>,
    duration: Option<(u8, i64)>,
    upstream_time: Option<i64>,
    user_agent: Option<Cow<'a, str>>,
    forwarded_for: Option<Cow<'a, str>>,
    request_headers: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    response_headers: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    fields: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

fn keep_lowest<T>(slot: &mut Option<(u8, T)>, rank: u8, value: T) {
    if slot.as_ref().is_none_or(|(held, _)| rank < *held) {
        *slot = Some((rank, value));
    }
}

fn invalid_number(field: &Field) -> Cow<'static, str> {
    Cow::Owned(format!("invalid number in {}", field.label))
}

impl<'a> Builder<'a> {
    fn apply(&mut self, field: &Field, raw: &'a [u8]) -> Result<(), Cow<'static, str>> {
        let Some(value) = non_empty(raw) else {
            if matches!(field.kind, FieldKind::Request) {
                return Err(Cow::Borrowed("no request line (the client sent nothing)"));
            }
            return Ok(());
        };
        match &field.kind {
            FieldKind::ClientAddr => {
                if self.client_addr.is_none() {
                    self.client_addr = Some(decode(value));
                }
            }
            FieldKind::Time { syntax, logged } => self.apply_time(field, syntax, *logged, value)?,
            FieldKind::Request => self.request = Some(split_request(decode(value))?),
            FieldKind::Method => self.method = Some(decode(value)),
            FieldKind::Target => self.target = Some(decode(value)),
            FieldKind::Path => self.path = Some(decode(value)),
            FieldKind::Query => {
                let query = value.strip_prefix(b"?").unwrap_or(value);
                if !query.is_empty() {
                    self.query = Some(decode(query));
                }
            }
            FieldKind::Protocol => {}
            FieldKind::Scheme => self.scheme = Some(decode(value)),
            FieldKind::Host { rank } => keep_lowest(&mut self.host, *rank, decode(value)),
            FieldKind::Status { final_status } => {
                let status = parse_u64(value)
                    .and_then(|status| u16::try_from(status).ok())
                    .ok_or_else(|| Cow::Owned(format!("invalid status in {}", field.label)))?;
                if *final_status {
                    self.status_final = Some(status);
                } else {
                    self.status_other = Some(status);
                }
            }
            FieldKind::ResponseSize { rank } => {
                let size = parse_u64(value).ok_or_else(|| invalid_number(field))?;
                keep_lowest(&mut self.response_size, *rank, size);
            }
            FieldKind::Duration {
                micros_per_unit,
                decimal,
                rank,
            } => {
                let micros = if *decimal {
                    // parse_decimal_micros returns millionths of the logged unit.
                    parse_decimal_micros(value)
                        .map(|millionths| millionths.saturating_mul(*micros_per_unit) / 1_000_000)
                } else {
                    parse_u64(value)
                        .and_then(|units| i64::try_from(units).ok())
                        .map(|units| units.saturating_mul(*micros_per_unit))
                };
                let micros = micros.ok_or_else(|| invalid_number(field))?;
                keep_lowest(&mut self.duration, *rank, micros);
            }
            FieldKind::UpstreamTime => {
                self.upstream_time = fields::sum_seconds_list(value);
                self.fields
                    .push((Cow::Borrowed(intern_label(field)), decode(value)));
            }
            FieldKind::UserAgent => self.user_agent = Some(decode(value)),
            FieldKind::Referer => self
                .request_headers
                .push((Cow::Borrowed("referer"), decode(value))),
            FieldKind::ForwardedFor => self.forwarded_for = Some(decode(value)),
            FieldKind::RequestHeader(name) => self
                .request_headers
                .push((Cow::Borrowed(*name), decode(value))),
            FieldKind::ResponseHeader(name) => self
                .response_headers
                .push((Cow::Borrowed(*name), decode(value))),
            FieldKind::Named(name) => self.fields.push((Cow::Borrowed(*name), decode(value))),
            FieldKind::QueryMark | FieldKind::Ignored => {}
        }
        Ok(())
    }

    fn apply_time(
        &mut self,
        field: &Field,
        syntax: &TimeSyntax,
        logged: LoggedTime,
        value: &[u8],
    ) -> Result<(), Cow<'static, str>> {
        let invalid = || Cow::Owned(format!("invalid time in {}", field.label));
        let parsed = match syntax {
            TimeSyntax::Ncsa => {
                fields::parse_ncsa_time(value).map(|time| (time, TimePrecision::Seconds))
            }
            TimeSyntax::Iso8601 => fields::parse_iso8601(value),
            TimeSyntax::EpochSeconds => fields::parse_epoch_seconds(value),
            TimeSyntax::EpochMillis => parse_u64(value)
                .and_then(|millis| i64::try_from(millis).ok())
                .map(|millis| (Timestamp::from_millis(millis), TimePrecision::Milliseconds)),
            TimeSyntax::EpochMicros => parse_u64(value)
                .and_then(|micros| i64::try_from(micros).ok())
                .map(|micros| (Timestamp::from_micros(micros), TimePrecision::Microseconds)),
            TimeSyntax::Strftime(pattern) => {
                read_strftime(pattern, value, &mut self.parts).ok_or_else(invalid)?;
                self.parts.logged.get_or_insert(logged);
                return Ok(());
            }
            TimeSyntax::Fraction { digits } => {
                let count = usize::from(*digits);
                let number = fields::digits(value, 0, count)
                    .filter(|_| value.len() == count)
                    .ok_or_else(invalid)?;
                let (micros, precision) = if count == 3 {
                    (i64::from(number) * 1_000, TimePrecision::Milliseconds)
                } else {
                    (i64::from(number), TimePrecision::Microseconds)
                };
                self.parts.fraction = Some((micros, precision));
                return Ok(());
            }
        };
        let (time, precision) = parsed.ok_or_else(invalid)?;
        // With several times logged ($time_local and $msec), the finest one wins.
        // TimePrecision orders from finest to coarsest.
        if self.time.is_none_or(|(_, held, _)| precision < held) {
            self.time = Some((time, precision, logged));
        }
        Ok(())
    }

    fn finish(self) -> Result<LogRecord<'a>, Cow<'static, str>> {
        let (time, precision, logged_time) = self
            .time
            .or_else(|| self.parts.assemble())
            .ok_or(Cow::Borrowed("missing time"))?;
        let (time, precision) = match (self.parts.fraction, precision) {
            (Some((micros, fraction_precision)), TimePrecision::Seconds) => {
                (time.saturating_add_micros(micros), fraction_precision)
            }
            _ => (time, precision),
        };
        let (method, target) = match self.request {
            Some(request) => request,
            None => {
                let method = self.method.ok_or(Cow::Borrowed("missing request method"))?;
                let target = match (self.target, self.path, self.query) {
                    (Some(target), _, _) => target,
                    (None, Some(path), Some(query)) => Cow::Owned(format!("{path}?{query}")),
                    (None, Some(path), None) => path,
                    (None, None, _) => return Err(Cow::Borrowed("missing request target")),
                };
                (method, target)
            }
        };
        let status = self
            .status_final
            .or(self.status_other)
            .ok_or(Cow::Borrowed("missing status"))?;
        let duration_us = self
            .duration
            .map(|(_, micros)| micros)
            .or(self.upstream_time);
        Ok(LogRecord {
            time,
            logged_time,
            precision,
            duration_us,
            client_addr: self.client_addr,
            forwarded_for: self.forwarded_for,
            user_agent: self.user_agent,
            method,
            scheme: self.scheme,
            host: self.host.map(|(_, host)| host),
            target,
            status,
            response_size: self.response_size.map(|(_, size)| size),
            response_headers: self.response_headers,
            request_headers: self.request_headers,
            throttle: None,
            fields: self.fields,
        })
    }
}

fn intern_label(field: &Field) -> &'static str {
    let label = field
        .label
        .trim_start_matches(['$', '{'])
        .trim_end_matches('}');
    intern(label)
}

impl TimeParts {
    fn assemble(&self) -> Option<(Timestamp, TimePrecision, LoggedTime)> {
        let logged = self.logged?;
        if let Some(epoch) = self.epoch {
            let time = Timestamp::from_micros(epoch.checked_mul(1_000_000)?);
            return Some((time, TimePrecision::Seconds, logged));
        }
        // NOTE: a time logged without %z (only %Z or no zone at all) is read as UTC.
        let time = fields::civil_to_timestamp(
            (self.year?, self.month?, self.day?),
            (self.hour?, self.minute?, self.second.unwrap_or(0)),
            self.offset.unwrap_or(0),
            0,
        )?;
        Some((time, TimePrecision::Seconds, logged))
    }
}

/// Reads a value by an strftime pattern into the time parts. Returns `None` when the
/// value does not fit the pattern.
fn read_strftime(pattern: &[Strftime], value: &[u8], parts: &mut TimeParts) -> Option<()> {
    let mut at = 0;
    for conversion in pattern {
        match conversion {
            Strftime::Literal(byte) => {
                if value.get(at) != Some(byte) {
                    return None;
                }
                at += 1;
            }
            Strftime::Year => {
                parts.year = Some(i64::from(fields::digits(value, at, 4)?));
                at += 4;
            }
            Strftime::ShortYear => {
                parts.year = Some(2000 + i64::from(fields::digits(value, at, 2)?));
                at += 2;
            }
            Strftime::MonthName => {
                parts.month = Some(fields::parse_month(value.get(at..at + 3)?)?);
                at += 3;
            }
            Strftime::Month
            | Strftime::Day
            | Strftime::Hour
            | Strftime::Minute
            | Strftime::Second => {
                let number = fields::digits(value, at, 2)?;
                at += 2;
                let slot = match conversion {
                    Strftime::Month => &mut parts.month,
                    Strftime::Day => &mut parts.day,
                    Strftime::Hour => &mut parts.hour,
                    Strftime::Minute => &mut parts.minute,
                    _ => &mut parts.second,
                };
                *slot = Some(number);
            }
            Strftime::Offset => {
                parts.offset = Some(fields::parse_offset(value.get(at..at + 5)?)?);
                at += 5;
            }
            Strftime::Epoch => {
                let count = value[at..]
                    .iter()
                    .take_while(|byte| byte.is_ascii_digit())
                    .count();
                parts.epoch = Some(i64::try_from(parse_u64(&value[at..at + count])?).ok()?);
                at += count;
            }
            Strftime::Word => {
                let count = value[at..]
                    .iter()
                    .take_while(|byte| byte.is_ascii_alphabetic())
                    .count();
                if count == 0 {
                    return None;
                }
                at += count;
            }
        }
    }
    (at == value.len()).then_some(())
}

/// Splits a request line `METHOD target PROTOCOL` into method and target. A target may
/// contain spaces (clients send them unencoded), so the protocol is the last word when
/// it starts with `HTTP/`; HTTP/0.9 lines have no protocol.
fn split_request<'a>(
    line: Cow<'a, str>,
) -> Result<(Cow<'a, str>, Cow<'a, str>), Cow<'static, str>> {
    let text: &str = &line;
    let Some(space) = text.find(' ') else {
        return Err(Cow::Borrowed("the request line has no target"));
    };
    let method_end = space;
    let rest = &text[space + 1..];
    let target_len = match rest.rfind(' ') {
        Some(last) if rest[last + 1..].starts_with("HTTP/") => last,
        _ => rest.len(),
    };
    let target_start = space + 1;
    let target_end = target_start + target_len;
    if text[..method_end].is_empty() || !text[..method_end].bytes().all(is_token_byte) {
        return Err(Cow::Borrowed("the request line has an invalid method"));
    }
    if text[target_start..target_end].trim().is_empty() {
        return Err(Cow::Borrowed("the request line has no target"));
    }
    Ok(match line {
        Cow::Borrowed(text) => (
            Cow::Borrowed(&text[..method_end]),
            Cow::Borrowed(&text[target_start..target_end]),
        ),
        Cow::Owned(text) => (
            Cow::Owned(text[..method_end].to_owned()),
            Cow::Owned(text[target_start..target_end].to_owned()),
        ),
    })
}

/// Token characters of RFC 9110 section 5.6.2, which a method must consist of.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_split_cases() {
        let (method, target) = split_request(Cow::Borrowed("GET /a b HTTP/1.1")).unwrap();
        assert_eq!(method, "GET");
        assert_eq!(target, "/a b");
        let (_, target) = split_request(Cow::Borrowed("GET /old")).unwrap();
        assert_eq!(target, "/old");
        assert!(split_request(Cow::Borrowed("GET")).is_err());
        assert!(split_request(Cow::Borrowed("\u{16}\u{3} /x HTTP/1.1")).is_err());
        assert!(split_request(Cow::Borrowed("GET  HTTP/1.1")).is_err());
    }

    #[test]
    fn intern_returns_same_pointer() {
        let first = intern("req_id");
        let second = intern(&String::from("req_id"));
        assert!(std::ptr::eq(first, second));
    }

    #[test]
    fn error_caret_under_position() {
        let error = FormatError::new("$a$b", 2, "two variables".into(), "add a space");
        let text = error.to_string();
        assert!(text.contains("  $a$b\n    ^\n"), "{text}");
        assert!(text.ends_with("add a space"));
    }
}
