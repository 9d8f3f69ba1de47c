//! Apache httpd access logs written by any `LogFormat` (mod_log_config).
//!
//! Users paste the format as httpd.conf has it, with `\"` around quoted directives, or
//! the whole `LogFormat "..." nickname` line. Directives become fields of a
//! [`CompiledFormat`]. Apache's `%t` is the time the request was received
//! ([`LoggedTime::Start`]) unless the directive is `%{end:...}t`, and `%D` is in
//! microseconds while `%T` is in whole seconds (mod_log_config documentation, httpd 2.4).

use super::compiled::{
    CompiledFormat, Field, FieldKind, FormatError, Item, Problem, Strftime, TimeSyntax, intern,
};
use super::{LineOutcome, LineParser, LoggedTime, ParseState};

/// The NCSA common log format, as httpd.conf defines the `common` nickname.
pub const COMMON: &str = r#"%h %l %u %t "%r" %>s %b"#;

/// The NCSA combined log format, as httpd.conf defines the `combined` nickname.
pub const COMBINED: &str = r#"%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-agent}i""#;

/// A compiled Apache `LogFormat`.
#[derive(Clone, Debug)]
pub struct ApacheFormat {
    compiled: CompiledFormat,
    name: &'static str,
}

impl ApacheFormat {
    /// Compiles a `LogFormat` string, or a whole `LogFormat "..." nickname` line.
    pub fn compile(format: &str) -> Result<ApacheFormat, FormatError> {
        let text = extract_format(format);
        let items = compile_items(&text)?;
        let compiled = CompiledFormat::new(items).map_err(|problem| explain(&text, problem))?;
        Ok(ApacheFormat {
            compiled,
            name: "apache",
        })
    }

    /// Returns the NCSA common log format (`%h %l %u %t "%r" %>s %b`).
    pub fn common() -> ApacheFormat {
        Self::preset(COMMON, "common")
    }

    /// Returns the NCSA combined log format: common followed by the quoted Referer and
    /// User-Agent.
    pub fn combined() -> ApacheFormat {
        Self::preset(COMBINED, "combined")
    }

    fn preset(format: &str, name: &'static str) -> ApacheFormat {
        let compiled = compile_items(format)
            .ok()
            .and_then(|items| CompiledFormat::new(items).ok());
        // The presets are constants that the tests compile; the empty fallback is
        // unreachable but keeps this constructor free of panics.
        let compiled = compiled.unwrap_or_else(|| CompiledFormat::unchecked(Vec::new()));
        ApacheFormat { compiled, name }
    }

    /// Returns the compiled items, for inspection and tests.
    pub fn compiled(&self) -> &CompiledFormat {
        &self.compiled
    }
}

impl LineParser for ApacheFormat {
    fn name(&self) -> &'static str {
        self.name
    }

    fn parse_line<'a>(&self, line: &'a [u8], _state: &mut ParseState) -> LineOutcome<'a> {
        self.compiled.parse_line(line)
    }
}

fn explain(format: &str, problem: Problem) -> FormatError {
    match problem {
        Problem::AdjacentFields(position) => FormatError::new(
            format,
            position,
            "invalid LogFormat: two directives with no separator between them".into(),
            "Apache writes values of any length, so a line cannot be split between two \
             adjacent directives; put a space or another literal character between them",
        ),
        Problem::NoTime => FormatError::new(
            format,
            format.len(),
            "invalid LogFormat: no time directive".into(),
            "ratelint needs the time of each request: add %t (or %{msec}t) to the LogFormat",
        ),
        Problem::NoRequest => FormatError::new(
            format,
            format.len(),
            "invalid LogFormat: no request directive".into(),
            "ratelint needs the method and target of each request: add \\\"%r\\\", or %m and %U%q",
        ),
        Problem::NoStatus => FormatError::new(
            format,
            format.len(),
            "invalid LogFormat: no status directive".into(),
            "ratelint needs the response status of each request: add %>s to the LogFormat",
        ),
    }
}

/// Returns the format string of a `LogFormat` line, or the input itself, with httpd.conf's
/// `\"` turned into `"`.
fn extract_format(input: &str) -> String {
    let trimmed = input.trim();
    let mut body = trimmed;
    if let Some(rest) = trimmed.strip_prefix("LogFormat")
        && rest.starts_with(char::is_whitespace)
    {
        body = rest.trim_start();
        if body.starts_with('"') {
            if let Some(end) = closing_config_quote(body) {
                body = &body[..=end];
            }
        } else if let Some(end) = body.find(char::is_whitespace) {
            body = &body[..end];
        }
    }
    // A whole quoted argument: drop the outer quotes.
    if body.len() >= 2
        && body.starts_with('"')
        && body.ends_with('"')
        && !body.ends_with("\\\"")
        && closing_config_quote(body) == Some(body.len() - 1)
    {
        body = &body[1..body.len() - 1];
    }
    unescape_config(body)
}

/// Index of the quote that closes the argument opening at index 0, skipping `\"`.
fn closing_config_quote(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut index = 1;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            b'"' => return Some(index),
            _ => index += 1,
        }
    }
    None
}

/// Applies the escapes that httpd.conf and mod_log_config give a format string: `\"`,
/// `\\`, `\n` and `\t`. Other backslashes stay.
fn unescape_config(text: &str) -> String {
    let mut output = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let replacement = match chars.peek() {
                Some('"') => Some('"'),
                Some('\\') => Some('\\'),
                Some('n') => Some('\n'),
                Some('t') => Some('\t'),
                _ => None,
            };
            if let Some(replacement) = replacement {
                output.push(replacement);
                chars.next();
                continue;
            }
        }
        output.push(c);
    }
    output
}

struct ItemList {
    items: Vec<Item>,
    literal: Vec<u8>,
}

impl ItemList {
    fn literal(&mut self, bytes: &[u8]) {
        self.literal.extend_from_slice(bytes);
    }

    fn field(&mut self, field: Field) {
        if !self.literal.is_empty() {
            let literal = std::mem::take(&mut self.literal).into_boxed_slice();
            self.items.push(Item::Literal(literal));
        }
        self.items.push(Item::Field(field));
    }

    fn finish(mut self) -> Vec<Item> {
        if !self.literal.is_empty() {
            self.items
                .push(Item::Literal(self.literal.into_boxed_slice()));
        }
        self.items
    }
}

/// One parsed `%` directive.
struct Directive<'f> {
    letter: u8,
    argument: Option<&'f str>,
    /// `>` (final status) was given.
    last: bool,
    label: &'f str,
    position: usize,
}

fn compile_items(format: &str) -> Result<Vec<Item>, FormatError> {
    let bytes = format.as_bytes();
    let mut list = ItemList {
        items: Vec::new(),
        literal: Vec::new(),
    };
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] != b'%' {
            list.literal(&bytes[index..index + 1]);
            index += 1;
            continue;
        }
        if bytes.get(index + 1) == Some(&b'%') {
            list.literal(b"%");
            index += 2;
            continue;
        }
        let (directive, end) = parse_directive(format, index)?;
        add_directive(&mut list, format, &directive)?;
        index = end;
    }
    Ok(list.finish())
}

/// Parses the directive at `start` (a `%`): status conditions such as `400,501` or
/// `!200`, the `<` and `>` modifiers, an optional `{argument}`, then the letter.
fn parse_directive(format: &str, start: usize) -> Result<(Directive<'_>, usize), FormatError> {
    let bytes = format.as_bytes();
    let mut index = start + 1;
    let mut argument = None;
    let mut last = false;
    loop {
        match bytes.get(index) {
            Some(b'!' | b',' | b'<' | b'0'..=b'9') => index += 1,
            Some(b'>') => {
                last = true;
                index += 1;
            }
            Some(b'{') if argument.is_none() => {
                let Some(close) = memchr::memchr(b'}', &bytes[index + 1..]) else {
                    return Err(FormatError::new(
                        format,
                        start,
                        "invalid LogFormat: unterminated %{".into(),
                        "close the argument with }, e.g. %{User-Agent}i",
                    ));
                };
                argument = Some(&format[index + 1..index + 1 + close]);
                index += close + 2;
            }
            Some(byte) if byte.is_ascii_alphabetic() => {
                let directive = Directive {
                    letter: *byte,
                    argument,
                    last,
                    label: &format[start..=index],
                    position: start,
                };
                return Ok((directive, index + 1));
            }
            _ => {
                return Err(FormatError::new(
                    format,
                    start,
                    "invalid LogFormat: incomplete directive".into(),
                    "a directive is % followed by a letter, e.g. %h; write %% for a literal percent sign",
                ));
            }
        }
    }
}

fn unsupported(format: &str, directive: &Directive<'_>, help: &str) -> FormatError {
    FormatError::new(
        format,
        directive.position,
        format!(
            "invalid LogFormat: unsupported directive {}",
            directive.label
        ),
        help,
    )
}

fn add_directive(
    list: &mut ItemList,
    format: &str,
    directive: &Directive<'_>,
) -> Result<(), FormatError> {
    let field = |kind: FieldKind| Field::new(kind, directive.label, directive.position);
    let named = |name: &str| field(FieldKind::Named(intern(name)));
    let header_name = || {
        directive
            .argument
            .filter(|name| !name.is_empty())
            .ok_or_else(|| {
                unsupported(
                    format,
                    directive,
                    "this directive needs a name in braces, e.g. %{User-Agent}i",
                )
            })
    };
    let kind_field = match directive.letter {
        b'h' | b'a' => field(FieldKind::ClientAddr),
        b'A' => named("local_addr"),
        b'l' => field(FieldKind::Ignored),
        b'u' => named("remote_user"),
        b't' => return add_time(list, format, directive),
        b'r' => {
            let mut request = field(FieldKind::Request);
            request.inner_spaces = 2;
            request
        }
        b'm' => field(FieldKind::Method),
        b'U' => field(FieldKind::Path),
        b'q' => field(FieldKind::Query),
        b'H' => field(FieldKind::Protocol),
        b's' => field(FieldKind::Status {
            final_status: directive.last,
        }),
        b'b' | b'B' => field(FieldKind::ResponseSize { rank: 0 }),
        b'O' => field(FieldKind::ResponseSize { rank: 1 }),
        b'I' => named("bytes_received"),
        b'S' => named("bytes_transferred"),
        b'D' => field(FieldKind::Duration {
            micros_per_unit: 1,
            decimal: false,
            rank: 0,
        }),
        b'T' => {
            let (micros_per_unit, rank) = match directive.argument {
                None | Some("s") => (1_000_000, 2),
                Some("ms") => (1_000, 1),
                Some("us") => (1, 0),
                Some(_) => {
                    return Err(unsupported(format, directive, "%{UNIT}T takes s, ms or us"));
                }
            };
            field(FieldKind::Duration {
                micros_per_unit,
                decimal: false,
                rank,
            })
        }
        b'v' => field(FieldKind::Host { rank: 2 }),
        b'V' => field(FieldKind::Host { rank: 1 }),
        b'i' => field(request_header_kind(header_name()?)),
        b'o' => {
            let name = header_name()?.to_ascii_lowercase();
            field(FieldKind::ResponseHeader(intern(&name)))
        }
        b'e' | b'n' => named(header_name()?),
        // Cookies can carry session tokens, which must never reach a report.
        b'C' => {
            header_name()?;
            field(FieldKind::Ignored)
        }
        b'p' => named("port"),
        b'P' => named("pid"),
        b'k' => named("keepalive"),
        b'L' => named("log_id"),
        b'R' => named("handler"),
        b'f' => named("filename"),
        b'X' => named("connection_status"),
        _ => {
            return Err(FormatError::new(
                format,
                directive.position,
                format!("invalid LogFormat: unknown directive {}", directive.label),
                "see the mod_log_config documentation for the directives; write %% for a literal percent sign",
            ));
        }
    };
    list.field(kind_field);
    Ok(())
}

/// Maps a `%{Name}i` request header to the record field it feeds.
fn request_header_kind(name: &str) -> FieldKind {
    let lower = name.to_ascii_lowercase();
    match lower.as_str() {
        "user-agent" => FieldKind::UserAgent,
        "referer" => FieldKind::Referer,
        "x-forwarded-for" => FieldKind::ForwardedFor,
        "host" => FieldKind::Host { rank: 0 },
        // Credentials must never reach a report.
        "authorization" | "proxy-authorization" | "cookie" => FieldKind::Ignored,
        _ => FieldKind::RequestHeader(intern(&lower)),
    }
}

fn add_time(
    list: &mut ItemList,
    format: &str,
    directive: &Directive<'_>,
) -> Result<(), FormatError> {
    let field = |syntax: TimeSyntax, logged: LoggedTime| {
        Field::new(
            FieldKind::Time { syntax, logged },
            directive.label,
            directive.position,
        )
    };
    let Some(argument) = directive.argument else {
        // Plain %t writes the NCSA time in brackets.
        list.literal(b"[");
        let mut time = field(TimeSyntax::Ncsa, LoggedTime::Start);
        time.inner_spaces = 1;
        list.field(time);
        list.literal(b"]");
        return Ok(());
    };
    let (logged, pattern) = if let Some(pattern) = argument.strip_prefix("end:") {
        (LoggedTime::End, pattern)
    } else {
        (
            LoggedTime::Start,
            argument.strip_prefix("begin:").unwrap_or(argument),
        )
    };
    let syntax = match pattern {
        "sec" => TimeSyntax::EpochSeconds,
        "msec" => TimeSyntax::EpochMillis,
        "usec" => TimeSyntax::EpochMicros,
        "msec_frac" => TimeSyntax::Fraction { digits: 3 },
        "usec_frac" => TimeSyntax::Fraction { digits: 6 },
        _ => TimeSyntax::Strftime(compile_strftime(pattern).ok_or_else(|| {
            unsupported(
                format,
                directive,
                "ratelint reads the strftime conversions %Y %y %m %b %h %d %H %M %S %T %D %F %R %z \
                 %s %a %A %Z and %%; use %t or %{msec}t",
            )
        })?),
    };
    let mut time = field(syntax, logged);
    time.inner_spaces =
        u8::try_from(pattern.bytes().filter(|byte| *byte == b' ').count()).unwrap_or(u8::MAX);
    list.field(time);
    Ok(())
}

/// Compiles an strftime pattern; `None` when it uses a conversion this reader lacks.
fn compile_strftime(pattern: &str) -> Option<Box<[Strftime]>> {
    let bytes = pattern.as_bytes();
    let mut conversions = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] != b'%' {
            conversions.push(Strftime::Literal(bytes[index]));
            index += 1;
            continue;
        }
        let expanded: &[Strftime] = match bytes.get(index + 1)? {
            b'Y' => &[Strftime::Year],
            b'y' => &[Strftime::ShortYear],
            b'm' => &[Strftime::Month],
            b'b' | b'h' => &[Strftime::MonthName],
            b'd' => &[Strftime::Day],
            b'H' => &[Strftime::Hour],
            b'M' => &[Strftime::Minute],
            b'S' => &[Strftime::Second],
            b'z' => &[Strftime::Offset],
            b's' => &[Strftime::Epoch],
            b'a' | b'A' | b'Z' => &[Strftime::Word],
            b'%' => &[Strftime::Literal(b'%')],
            b'T' => &[
                Strftime::Hour,
                Strftime::Literal(b':'),
                Strftime::Minute,
                Strftime::Literal(b':'),
                Strftime::Second,
            ],
            b'R' => &[Strftime::Hour, Strftime::Literal(b':'), Strftime::Minute],
            b'D' => &[
                Strftime::Month,
                Strftime::Literal(b'/'),
                Strftime::Day,
                Strftime::Literal(b'/'),
                Strftime::ShortYear,
            ],
            b'F' => &[
                Strftime::Year,
                Strftime::Literal(b'-'),
                Strftime::Month,
                Strftime::Literal(b'-'),
                Strftime::Day,
            ],
            _ => return None,
        };
        conversions.extend_from_slice(expanded);
        index += 2;
    }
    Some(conversions.into_boxed_slice())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::log::LogRecord;
    use crate::model::{TimePrecision, Timestamp};

    fn record<'a>(format: &ApacheFormat, line: &'a str) -> LogRecord<'a> {
        match format.parse_line(line.as_bytes(), &mut ParseState::default()) {
            LineOutcome::Record(record) => record,
            other => panic!("expected a record for {line:?}, got {other:?}"),
        }
    }

    fn invalid(format: &ApacheFormat, line: &str) -> String {
        match format.parse_line(line.as_bytes(), &mut ParseState::default()) {
            LineOutcome::Invalid(reason) => reason.into_owned(),
            other => panic!("expected an invalid line for {line:?}, got {other:?}"),
        }
    }

    fn field<'r>(record: &'r LogRecord<'_>, name: &str) -> Option<&'r str> {
        record
            .fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_ref())
    }

    #[test]
    fn compile_table() {
        // (format, expected error position or None when it compiles)
        let cases: &[(&str, Option<usize>)] = &[
            (COMMON, None),
            (COMBINED, None),
            (r#"%h %l %u %t \"%r\" %>s %b %D %{Retry-After}o"#, None),
            (r#"LogFormat "%h %l %u %t \"%r\" %>s %b" common"#, None),
            (r#""%h %t \"%r\" %>s""#, None),
            ("%{msec}t %m %U%q %s", None),
            ("%400,501{User-agent}i %t \"%r\" %<s %>s", None),
            (
                "[%{%d/%b/%Y:%H:%M:%S}t.%{msec_frac}t %{%z}t] \"%r\" %>s",
                None,
            ),
            ("%h%u %t \"%r\" %>s", Some(2)),
            ("%h %t \"%r\"", Some(10)),
            ("%h \"%r\" %>s", Some(11)),
            ("%t \"%r\" %>s %{Referer", Some(12)),
            ("%t \"%r\" %>s %Y", Some(12)),
            ("%t \"%r\" %>s %", Some(12)),
            ("%{%c}t \"%r\" %>s", Some(0)),
            ("%t \"%r\" %>s %{minutes}T", Some(12)),
            ("%t \"%r\" %>s %i", Some(12)),
        ];
        for (format, expected) in cases {
            let result = ApacheFormat::compile(format);
            match expected {
                None => assert!(result.is_ok(), "{format}: {:?}", result.err()),
                Some(position) => {
                    let error = result.expect_err(format);
                    assert_eq!(error.position, *position, "{format}: {error}");
                }
            }
        }
    }

    #[test]
    fn logformat_line_compiles() {
        let format =
            ApacheFormat::compile(r#"LogFormat "%h %t \"%r\" %>s %{Retry-After}o" ratelimit"#)
                .unwrap();
        let parsed = record(
            &format,
            r#"10.0.0.1 [10/Oct/2000:13:55:36 -0700] "GET /x HTTP/1.1" 429 120"#,
        );
        assert_eq!(parsed.status, 429);
        assert_eq!(parsed.response_headers.len(), 1);
        assert_eq!(parsed.response_headers[0].1, "120");
    }

    #[test]
    fn error_points_at_directive() {
        let error = ApacheFormat::compile("%t \"%r\" %>s %Y").unwrap_err();
        let text = error.to_string();
        assert!(text.contains("unknown directive %Y"), "{text}");
        assert!(
            text.contains("\n  %t \"%r\" %>s %Y\n              ^\n"),
            "{text}"
        );
    }

    #[test]
    fn combined_line_fields() {
        let parsed = record(
            &ApacheFormat::combined(),
            r#"192.168.202.254 - - [20/Jul/2009:22:59:26 +0000] "GET /vmw/cgi/tramp HTTP/1.0" 200 134 "-" "gPXE/0.9.7""#,
        );
        assert_eq!(parsed.time, Timestamp::from_micros(1_248_130_766_000_000));
        assert_eq!(parsed.logged_time, LoggedTime::Start);
        assert_eq!(parsed.precision, TimePrecision::Seconds);
        assert_eq!(parsed.client_addr.as_deref(), Some("192.168.202.254"));
        assert_eq!(parsed.method, "GET");
        assert_eq!(parsed.target, "/vmw/cgi/tramp");
        assert_eq!(parsed.status, 200);
        assert_eq!(parsed.response_size, Some(134));
        assert_eq!(parsed.user_agent.as_deref(), Some("gPXE/0.9.7"));
        assert!(parsed.request_headers.is_empty());
    }

    #[test]
    fn directives_table() {
        let format = ApacheFormat::compile(
            r#"%a %{c}a %u %t "%m %U%q %H" %>s %B %O %D %T %v %V %{Retry-After}o "%{X-Forwarded-For}i" %{X-Api-Key-Id}i %{UNIQUE_ID}e %I %{Host}i %%"#,
        )
        .unwrap();
        let parsed = record(
            &format,
            r#"2001:db8::1 10.0.0.9 bob [10/Oct/2000:13:55:36 -0700] "PUT /v1/x?a=1 HTTP/1.1" 429 0 310 2500 0 vhost api.example.com 7 "203.0.113.5" key-9 Zx1 512 api.example.com:8443 %"#,
        );
        assert_eq!(parsed.client_addr.as_deref(), Some("2001:db8::1"));
        assert_eq!(field(&parsed, "remote_user"), Some("bob"));
        assert_eq!(parsed.method, "PUT");
        assert_eq!(parsed.target, "/v1/x?a=1");
        assert_eq!(parsed.status, 429);
        assert_eq!(parsed.response_size, Some(0));
        assert_eq!(parsed.duration_us, Some(2_500));
        assert_eq!(parsed.host.as_deref(), Some("api.example.com:8443"));
        assert_eq!(parsed.response_headers.len(), 1);
        assert_eq!(parsed.response_headers[0].0, "retry-after");
        assert_eq!(parsed.response_headers[0].1, "7");
        assert_eq!(parsed.forwarded_for.as_deref(), Some("203.0.113.5"));
        assert_eq!(parsed.request_headers[0].0, "x-api-key-id");
        assert_eq!(field(&parsed, "UNIQUE_ID"), Some("Zx1"));
        assert_eq!(field(&parsed, "bytes_received"), Some("512"));
    }

    #[test]
    fn path_and_query_join() {
        let format = ApacheFormat::compile("%{msec}t %m %U%q %s").unwrap();
        let parsed = record(&format, "1700000000123 GET /a?b=1 200");
        assert_eq!(parsed.target, "/a?b=1");
        let format = ApacheFormat::compile("%{msec}t %m %U \"%q\" %s").unwrap();
        let parsed = record(&format, "1700000000123 GET /a \"?b=1\" 200");
        assert_eq!(parsed.target, "/a?b=1");
        assert_eq!(parsed.time, Timestamp::from_micros(1_700_000_000_123_000));
        assert_eq!(parsed.precision, TimePrecision::Milliseconds);
        assert_eq!(parsed.status, 200);
    }

    #[test]
    fn time_directive_forms() {
        let cases = [
            (
                "%{sec}t",
                "971211336",
                TimePrecision::Seconds,
                LoggedTime::Start,
            ),
            (
                "%{usec}t",
                "971211336000001",
                TimePrecision::Microseconds,
                LoggedTime::Start,
            ),
            (
                "%{end:msec}t",
                "971211336000",
                TimePrecision::Milliseconds,
                LoggedTime::End,
            ),
            (
                "%{%Y-%m-%dT%H:%M:%S%z}t",
                "2000-10-10T13:55:36-0700",
                TimePrecision::Seconds,
                LoggedTime::Start,
            ),
            (
                "[%{%d/%b/%Y %T}t.%{usec_frac}t]",
                "[10/Oct/2000 20:55:36.000001]",
                TimePrecision::Microseconds,
                LoggedTime::Start,
            ),
        ];
        for (directive, value, precision, logged) in cases {
            let format = ApacheFormat::compile(&format!("{directive} \"%r\" %>s")).unwrap();
            let line = format!("{value} \"GET / HTTP/1.1\" 200");
            let parsed = record(&format, &line);
            let expected_micros = if precision == TimePrecision::Microseconds {
                1
            } else {
                0
            };
            assert_eq!(
                parsed.time,
                Timestamp::from_micros(971_211_336_000_000 + expected_micros),
                "{directive}"
            );
            assert_eq!(parsed.precision, precision, "{directive}");
            assert_eq!(parsed.logged_time, logged, "{directive}");
        }
    }

    #[test]
    fn duration_units() {
        let cases = [
            ("%T", "2", 2_000_000),
            ("%{ms}T", "15", 15_000),
            ("%{us}T", "15", 15),
            ("%D", "15", 15),
        ];
        for (directive, value, micros) in cases {
            let format = ApacheFormat::compile(&format!("%t \"%r\" %>s {directive}")).unwrap();
            let line = format!("[10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 {value}");
            assert_eq!(
                record(&format, &line).duration_us,
                Some(micros),
                "{directive}"
            );
        }
    }

    #[test]
    fn status_original_and_final() {
        let format = ApacheFormat::compile("%t \"%r\" %<s %>s").unwrap();
        let parsed = record(
            &format,
            "[10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 302 429",
        );
        assert_eq!(parsed.status, 429);
    }

    #[test]
    fn conditional_header_dash() {
        let format = ApacheFormat::compile("%t \"%r\" %>s \"%!200{User-agent}i\"").unwrap();
        let parsed = record(
            &format,
            "[10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 \"-\"",
        );
        assert_eq!(parsed.user_agent, None);
    }

    #[test]
    fn escaped_quote_in_agent() {
        let parsed = record(
            &ApacheFormat::combined(),
            r#"::1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 - "-" "a \"b\" c""#,
        );
        assert_eq!(parsed.user_agent.as_deref(), Some("a \"b\" c"));
        assert_eq!(parsed.response_size, None);
    }

    #[test]
    fn unterminated_agent_accepted() {
        let parsed = record(
            &ApacheFormat::combined(),
            r#"1.2.3.4 - - [20/May/2015:12:05:17 +0000] "GET /x HTTP/1.1" 200 235 "-" "Mozilla/5.0 (compatible; bot"#,
        );
        assert_eq!(
            parsed.user_agent.as_deref(),
            Some("Mozilla/5.0 (compatible; bot")
        );
    }

    #[test]
    fn trailing_fields_ignored() {
        let parsed = record(
            &ApacheFormat::combined(),
            r#"1.2.3.4 - - [22/Jan/2019:03:56:14 +0330] "GET /filter/27|13 a HTTP/1.1" 200 1 "-" "ua" "-""#,
        );
        assert_eq!(parsed.target, "/filter/27|13 a");
        assert_eq!(parsed.time, Timestamp::from_micros(1_548_116_774_000_000));
    }

    #[test]
    fn invalid_lines_table() {
        let format = ApacheFormat::combined();
        let cases = [
            (
                r#"192.168.202.254 [20/Jul/2009:22:59:29 +0000] "GET /x HTTP/1.0" 404 46210 "-" "gPXE/0.9.7""#,
                "before %t",
            ),
            (
                r#"1.2.3.4 - - [20/Jul/2009:22:59:29 +0000] "-" 408 - "-" "-""#,
                "no request line",
            ),
            (
                r#"1.2.3.4 - - [20/Jul/2009:22:59:29 +0000] "GET / HTTP/1.0" 200"#,
                "ends early",
            ),
            (
                r#"1.2.3.4 - - [20/Jul/2009:22:59:29 +0000] "GET / HTTP/1.0" 200 x1 "-" "-""#,
                "invalid number in %b",
            ),
        ];
        for (line, expected) in cases {
            let reason = invalid(&format, line);
            assert!(reason.contains(expected), "{line}: {reason}");
        }
    }

    #[test]
    fn common_preset_name() {
        assert_eq!(ApacheFormat::common().name(), "common");
        assert_eq!(ApacheFormat::combined().name(), "combined");
    }

    #[test]
    fn mutated_lines_no_panic() {
        use crate::ingest::log::nginx::NginxFormat;

        let parsers: Vec<Box<dyn LineParser>> = vec![
            Box::new(ApacheFormat::combined()),
            Box::new(
                ApacheFormat::compile("[%{%d/%b/%Y %T}t.%{msec_frac}t] %m %U%q %>s %{ms}T")
                    .unwrap(),
            ),
            Box::new(NginxFormat::ingress()),
            Box::new(
                NginxFormat::compile("$time_iso8601 \"$request\" $status $upstream_response_time")
                    .unwrap(),
            ),
        ];
        let samples: [&[u8]; 3] = [
            br#"1.2.3.4 - - [07/Feb/2020:12:02:42 +0000] "GET /a?b HTTP/1.1" 200 61 "-" "ua" 348 0.001 [up] [] 10.0.0.6:80, 10.0.0.7:80 61, 1 0.100, - 200, 203 id"#,
            b"[10/Oct/2000 20:55:36.123] GET /a?b=1 429 15",
            br#"2000-10-10T13:55:36-07:00 "GET / HTTP/1.1" 200 0.1 : 0.2"#,
        ];
        let replacements = [b'"', b'\\', b' ', b']', b'[', 0xff, b'-', b',', b'?'];
        let mut state = ParseState::default();
        let mut outcomes = 0;
        for parser in &parsers {
            for sample in samples {
                for cut in 0..=sample.len() {
                    let _ = parser.parse_line(&sample[..cut], &mut state);
                    outcomes += 1;
                }
                for at in 0..sample.len() {
                    for replacement in replacements {
                        let mut line = sample.to_vec();
                        line[at] = replacement;
                        let _ = parser.parse_line(&line, &mut state);
                        outcomes += 1;
                    }
                }
            }
        }
        assert!(outcomes > 1_000);
    }
}
