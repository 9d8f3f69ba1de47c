//! nginx access logs written by any `log_format`.
//!
//! Users paste either the bare format string or the whole directive from nginx.conf
//! (`log_format main '...' '...';`), so the directive's name, `escape=` parameter and
//! quoting are removed and its quoted pieces concatenated, as nginx itself joins them.
//! The variables become fields of a [`CompiledFormat`]. nginx writes `$time_local`,
//! `$time_iso8601` and `$msec` when it logs the request, after the response is
//! complete (ngx_http_log_module), so those times are [`LoggedTime::End`].

use super::compiled::{
    CompiledFormat, Field, FieldKind, FormatError, Item, Problem, TimeSyntax, intern,
};
use super::{LineOutcome, LineParser, LoggedTime, ParseState};

/// nginx's predefined `combined` format (ngx_http_log_module documentation).
pub const COMBINED: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent""#;

/// The default `log-format-upstream` of the ingress-nginx controller (its ConfigMap
/// documentation, unchanged since controller 0.x): `combined` followed by request
/// length, request time, upstream names, upstream address, response length, response
/// time, status and request id.
pub const INGRESS: &str = r#"$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id"#;

/// A compiled nginx `log_format`.
#[derive(Clone, Debug)]
pub struct NginxFormat {
    compiled: CompiledFormat,
    name: &'static str,
}

impl NginxFormat {
    /// Compiles a `log_format` string, or the whole `log_format` directive.
    pub fn compile(format: &str) -> Result<NginxFormat, FormatError> {
        let text = extract_format(format)?;
        let items = compile_items(&text)?;
        let compiled = CompiledFormat::new(items).map_err(|problem| explain(&text, problem))?;
        Ok(NginxFormat {
            compiled,
            name: "nginx",
        })
    }

    /// Returns nginx's predefined `combined` format.
    pub fn combined() -> NginxFormat {
        Self::preset(COMBINED, "nginx")
    }

    /// Returns the ingress-nginx controller's default format.
    pub fn ingress() -> NginxFormat {
        Self::preset(INGRESS, "nginx-ingress")
    }

    fn preset(format: &str, name: &'static str) -> NginxFormat {
        let compiled = compile_items(format)
            .ok()
            .and_then(|items| CompiledFormat::new(items).ok());
        // The presets are constants that the tests compile; an empty format is
        // unreachable but keeps this constructor free of panics.
        let compiled = compiled.unwrap_or_else(|| CompiledFormat::unchecked(Vec::new()));
        NginxFormat { compiled, name }
    }

    /// Returns the compiled items, for inspection and tests.
    pub fn compiled(&self) -> &CompiledFormat {
        &self.compiled
    }
}

impl LineParser for NginxFormat {
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
            "invalid log format: two variables with no separator between them".into(),
            "nginx writes values of any length, so a line cannot be split between two adjacent \
             variables; put a space or another literal character between them in nginx.conf",
        ),
        Problem::NoTime => FormatError::new(
            format,
            format.len(),
            "invalid log format: no time variable".into(),
            "ratelint needs the time of each request: add $time_local, $time_iso8601 or $msec \
             to the log_format",
        ),
        Problem::NoRequest => FormatError::new(
            format,
            format.len(),
            "invalid log format: no request variable".into(),
            "ratelint needs the method and target of each request: add \"$request\", or \
             $request_method and $request_uri",
        ),
        Problem::NoStatus => FormatError::new(
            format,
            format.len(),
            "invalid log format: no $status variable".into(),
            "ratelint needs the response status of each request: add $status to the log_format",
        ),
    }
}

/// Returns the format string of a `log_format` directive, or the input itself when it
/// is a bare format. A bare input made only of quoted pieces is joined too.
fn extract_format(input: &str) -> Result<String, FormatError> {
    let trimmed = input.trim();
    let body = trimmed.strip_suffix(';').unwrap_or(trimmed).trim_end();
    if let Some(rest) = body.strip_prefix("log_format")
        && rest.starts_with(char::is_whitespace)
    {
        let offset = input.len() - input.trim_start().len() + "log_format".len();
        let tokens = tokenize(rest, offset, input)?;
        let mut pieces = tokens.into_iter().skip(1).peekable();
        if pieces
            .peek()
            .is_some_and(|(quoted, text)| !quoted && text.starts_with("escape="))
        {
            pieces.next();
        }
        let format: String = pieces.map(|(_, text)| text).collect();
        if format.is_empty() {
            return Err(FormatError::new(
                input,
                input.len(),
                "invalid log_format directive: no format string after the name".into(),
                "write the format after the name, e.g. log_format main '$remote_addr ...';",
            ));
        }
        return Ok(format);
    }
    if body.starts_with(['\'', '"'])
        && let Ok(tokens) = tokenize(body, 0, body)
        && !tokens.is_empty()
        && tokens.iter().all(|(quoted, _)| *quoted)
    {
        return Ok(tokens.into_iter().map(|(_, text)| text).collect());
    }
    Ok(input.to_owned())
}

/// Splits directive arguments as nginx's configuration parser does: whitespace between
/// arguments, `'` or `"` quoting, and `\"`, `\'`, `\\`, `\n`, `\r`, `\t` escapes inside
/// quotes. Returns (was quoted, text) pairs.
fn tokenize(text: &str, offset: usize, input: &str) -> Result<Vec<(bool, String)>, FormatError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '\'' || c == '"' {
            chars.next();
            let mut piece = String::new();
            let mut closed = false;
            while let Some((_, inner)) = chars.next() {
                if inner == c {
                    closed = true;
                    break;
                }
                if inner == '\\'
                    && let Some(&(_, escaped)) = chars.peek()
                {
                    let replacement = match escaped {
                        '"' | '\'' | '\\' => Some(escaped),
                        'n' => Some('\n'),
                        'r' => Some('\r'),
                        't' => Some('\t'),
                        _ => None,
                    };
                    if let Some(replacement) = replacement {
                        piece.push(replacement);
                        chars.next();
                        continue;
                    }
                }
                piece.push(inner);
            }
            if !closed {
                return Err(FormatError::new(
                    input,
                    offset + start,
                    "invalid log_format directive: unterminated quote".into(),
                    "close the quoted piece with the same quote character that opens it",
                ));
            }
            tokens.push((true, piece));
            continue;
        }
        let mut word = String::new();
        while let Some(&(_, inner)) = chars.peek() {
            if inner.is_whitespace() {
                break;
            }
            word.push(inner);
            chars.next();
        }
        tokens.push((false, word));
    }
    Ok(tokens)
}

fn compile_items(format: &str) -> Result<Vec<Item>, FormatError> {
    let bytes = format.as_bytes();
    let mut items = Vec::new();
    let mut literal = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] != b'$' {
            literal.push(bytes[index]);
            index += 1;
            continue;
        }
        let start = index;
        let (name, end) = if bytes.get(index + 1) == Some(&b'{') {
            let Some(close) = memchr::memchr(b'}', &bytes[index + 2..]) else {
                return Err(FormatError::new(
                    format,
                    start,
                    "invalid log format: unterminated ${".into(),
                    "close the variable name with }, e.g. ${status}",
                ));
            };
            (&format[index + 2..index + 2 + close], index + 3 + close)
        } else {
            let length = bytes[index + 1..]
                .iter()
                .take_while(|byte| byte.is_ascii_alphanumeric() || **byte == b'_')
                .count();
            (&format[index + 1..index + 1 + length], index + 1 + length)
        };
        if name.is_empty()
            || !name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
        {
            return Err(FormatError::new(
                format,
                start,
                "invalid log format: invalid variable name after $".into(),
                "variable names consist of letters, digits and _; write a literal $ only inside a \
                 value nginx produces, not in the format",
            ));
        }
        if !literal.is_empty() {
            items.push(Item::Literal(
                std::mem::take(&mut literal).into_boxed_slice(),
            ));
        }
        items.push(Item::Field(variable_field(
            name,
            &format[start..end],
            start,
        )));
        index = end;
    }
    if !literal.is_empty() {
        items.push(Item::Literal(literal.into_boxed_slice()));
    }
    Ok(items)
}

/// Maps an nginx variable to the record field it feeds.
fn variable_field(name: &str, label: &str, position: usize) -> Field {
    let lower = name.to_ascii_lowercase();
    let end = LoggedTime::End;
    let kind = match lower.as_str() {
        "remote_addr" => FieldKind::ClientAddr,
        "time_local" => FieldKind::Time {
            syntax: TimeSyntax::Ncsa,
            logged: end,
        },
        "time_iso8601" => FieldKind::Time {
            syntax: TimeSyntax::Iso8601,
            logged: end,
        },
        "msec" => FieldKind::Time {
            syntax: TimeSyntax::EpochSeconds,
            logged: end,
        },
        "request" => FieldKind::Request,
        "request_method" => FieldKind::Method,
        "request_uri" => FieldKind::Target,
        "uri" | "document_uri" => FieldKind::Path,
        "args" | "query_string" => FieldKind::Query,
        "is_args" => FieldKind::QueryMark,
        "server_protocol" => FieldKind::Protocol,
        "scheme" => FieldKind::Scheme,
        "host" => FieldKind::Host { rank: 0 },
        "http_host" => FieldKind::Host { rank: 1 },
        "server_name" => FieldKind::Host { rank: 2 },
        "status" => FieldKind::Status { final_status: true },
        "body_bytes_sent" => FieldKind::ResponseSize { rank: 0 },
        "bytes_sent" => FieldKind::ResponseSize { rank: 1 },
        // Seconds with millisecond resolution.
        "request_time" => FieldKind::Duration {
            micros_per_unit: 1_000_000,
            decimal: true,
            rank: 0,
        },
        "upstream_response_time" => FieldKind::UpstreamTime,
        "http_user_agent" => FieldKind::UserAgent,
        "http_referer" => FieldKind::Referer,
        "http_x_forwarded_for" => FieldKind::ForwardedFor,
        // Credentials must never reach a report.
        "http_authorization" | "http_proxy_authorization" | "http_cookie" => FieldKind::Ignored,
        _ if lower.starts_with("cookie_") => FieldKind::Ignored,
        _ => {
            if let Some(header) = lower.strip_prefix("http_") {
                FieldKind::RequestHeader(intern(&header.replace('_', "-")))
            } else if let Some(header) = lower
                .strip_prefix("sent_http_")
                .or_else(|| lower.strip_prefix("upstream_http_"))
            {
                FieldKind::ResponseHeader(intern(&header.replace('_', "-")))
            } else {
                FieldKind::Named(intern(name))
            }
        }
    };
    let mut field = Field::new(kind, label, position);
    field.inner_spaces = match lower.as_str() {
        "time_local" => 1,
        "request" => 2,
        _ => 0,
    };
    // nginx writes one value per upstream tried, joined by ", " (and " : " across
    // internal redirects), for every $upstream_ variable except the headers.
    field.list = lower.starts_with("upstream_") && !lower.starts_with("upstream_http_");
    field
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::ingest::log::LogRecord;
    use crate::model::{TimePrecision, Timestamp};

    fn record<'a>(format: &NginxFormat, line: &'a str) -> LogRecord<'a> {
        match format.parse_line(line.as_bytes(), &mut ParseState::default()) {
            LineOutcome::Record(record) => record,
            other => panic!("expected a record for {line:?}, got {other:?}"),
        }
    }

    fn invalid(format: &NginxFormat, line: &str) -> String {
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

    const LINE: &str = r#"10.0.0.1 - alice [10/Oct/2000:13:55:36 -0700] "GET /api/v1/users?page=2 HTTP/1.1" 429 12 "https://example.com/" "curl/8.0""#;

    #[test]
    fn compile_table() {
        // (format, expected error position or None when it compiles)
        let cases: &[(&str, Option<usize>)] = &[
            (COMBINED, None),
            (INGRESS, None),
            ("$remote_addr [$time_local] \"$request\" $status", None),
            ("$msec $request_method $request_uri $status", None),
            ("${msec} ${request_method} ${request_uri} ${status}", None),
            ("$time_iso8601 $request_method $uri?$args $status", None),
            ("$msec $request_method $uri$is_args$args $status", None),
            ("$msec $request_method $uri$args $status", None),
            ("$msec $request_method $args$uri $status", Some(27)),
            (
                "$remote_addr$remote_user [$time_local] \"$request\" $status",
                Some(12),
            ),
            ("$remote_addr \"$request\" $status", Some(31)),
            ("$time_local \"$request_method\" $status", Some(37)),
            ("[$time_local] \"$request\"", Some(24)),
            ("$msec ${request $status", Some(6)),
            ("$msec $ \"$request\" $status", Some(6)),
        ];
        for (format, expected) in cases {
            let result = NginxFormat::compile(format);
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
    fn compile_whole_directive() {
        let directive = "log_format main escape=json '$remote_addr - $remote_user [$time_local] \"$request\" '\n    '$status $body_bytes_sent \"$http_referer\" \"$http_user_agent\"';";
        let format = NginxFormat::compile(directive).unwrap();
        let parsed = record(&format, LINE);
        assert_eq!(parsed.status, 429);
        assert_eq!(parsed.user_agent.as_deref(), Some("curl/8.0"));
    }

    #[test]
    fn compile_quoted_pieces_only() {
        let format = NginxFormat::compile(r#"'$msec "$request" ' "$status""#).unwrap();
        let parsed = record(&format, r#"1700000000.123 "GET / HTTP/1.1" 200"#);
        assert_eq!(parsed.status, 200);
    }

    #[test]
    fn directive_unterminated_quote() {
        let error = NginxFormat::compile("log_format main '$msec $status").unwrap_err();
        assert_eq!(error.position, 16);
        assert!(error.message.contains("unterminated quote"));
    }

    #[test]
    fn error_shows_caret() {
        let error = NginxFormat::compile("$msec$status \"$request\"").unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("\n  $msec$status \"$request\"\n       ^\n"),
            "{text}"
        );
        assert!(text.contains("put a space"), "{text}");
    }

    #[test]
    fn combined_line_fields() {
        let parsed = record(&NginxFormat::combined(), LINE);
        assert_eq!(parsed.time, Timestamp::from_micros(971_211_336_000_000));
        assert_eq!(parsed.logged_time, LoggedTime::End);
        assert_eq!(parsed.precision, TimePrecision::Seconds);
        assert_eq!(parsed.client_addr.as_deref(), Some("10.0.0.1"));
        assert_eq!(field(&parsed, "remote_user"), Some("alice"));
        assert_eq!(parsed.method, "GET");
        assert_eq!(parsed.target, "/api/v1/users?page=2");
        assert_eq!(parsed.status, 429);
        assert_eq!(parsed.response_size, Some(12));
        assert_eq!(parsed.user_agent.as_deref(), Some("curl/8.0"));
        assert_eq!(parsed.request_headers.len(), 1);
        assert_eq!(parsed.request_headers[0].0, "referer");
        assert_eq!(parsed.duration_us, None);
        assert!(matches!(parsed.target, Cow::Borrowed(_)));
    }

    #[test]
    fn variables_table() {
        let format = NginxFormat::compile(
            "$msec $scheme $host $http_host $server_name $request_method $uri $args $status \
             $bytes_sent $request_time \"$http_x_forwarded_for\" $sent_http_retry_after \
             $upstream_http_x_ratelimit_remaining $http_x_client_id $connection $server_protocol",
        )
        .unwrap();
        let parsed = record(
            &format,
            "1700000000.123 https api.example.com api.example.com:443 _ POST /v1/items a=1&b=2 503 \
             900 0.250 \"203.0.113.9, 10.0.0.2\" 30 0 team-7 42 HTTP/2.0",
        );
        assert_eq!(parsed.time, Timestamp::from_micros(1_700_000_000_123_000));
        assert_eq!(parsed.precision, TimePrecision::Milliseconds);
        assert_eq!(parsed.scheme.as_deref(), Some("https"));
        assert_eq!(parsed.host.as_deref(), Some("api.example.com"));
        assert_eq!(parsed.method, "POST");
        assert_eq!(parsed.target, "/v1/items?a=1&b=2");
        assert_eq!(parsed.status, 503);
        assert_eq!(parsed.response_size, Some(900));
        assert_eq!(parsed.duration_us, Some(250_000));
        assert_eq!(
            parsed.forwarded_for.as_deref(),
            Some("203.0.113.9, 10.0.0.2")
        );
        assert_eq!(parsed.response_headers.len(), 2);
        assert_eq!(parsed.response_headers[0].0, "retry-after");
        assert_eq!(parsed.response_headers[0].1, "30");
        assert_eq!(parsed.response_headers[1].0, "x-ratelimit-remaining");
        assert_eq!(parsed.request_headers[0].0, "x-client-id");
        assert_eq!(parsed.request_headers[0].1, "team-7");
        assert_eq!(field(&parsed, "connection"), Some("42"));
    }

    #[test]
    fn iso8601_and_request_uri() {
        let format = NginxFormat::compile(
            "$time_iso8601 \"$request_method $request_uri\" $status $body_bytes_sent",
        )
        .unwrap();
        let parsed = record(&format, "2000-10-10T13:55:36-07:00 \"GET /a?b=1\" 200 -");
        assert_eq!(parsed.time, Timestamp::from_micros(971_211_336_000_000));
        assert_eq!(parsed.logged_time, LoggedTime::End);
        assert_eq!(parsed.target, "/a?b=1");
        assert_eq!(parsed.response_size, None);
    }

    #[test]
    fn unquoted_request_and_time() {
        let format = NginxFormat::compile("$time_local $request $status").unwrap();
        let parsed = record(&format, "10/Oct/2000:13:55:36 -0700 GET /a HTTP/1.1 204");
        assert_eq!(parsed.target, "/a");
        assert_eq!(parsed.status, 204);
    }

    #[test]
    fn raw_quote_in_request() {
        let format =
            NginxFormat::compile("log_format raw escape=none '$msec \"$request\" $status';")
                .unwrap();
        let parsed = record(&format, r#"1700000000.000 "GET /a"b HTTP/1.1" 200"#);
        assert_eq!(parsed.target, "/a\"b");
        assert_eq!(parsed.status, 200);
    }

    #[test]
    fn finest_time_wins() {
        let format = NginxFormat::compile("[$time_local] $msec \"$request\" $status").unwrap();
        let parsed = record(
            &format,
            "[10/Oct/2000:13:55:36 -0700] 971211336.250 \"GET / HTTP/1.1\" 200",
        );
        assert_eq!(parsed.time, Timestamp::from_micros(971_211_336_250_000));
        assert_eq!(parsed.precision, TimePrecision::Milliseconds);
    }

    #[test]
    fn uri_is_args_joined() {
        let format =
            NginxFormat::compile("$msec $request_method $uri$is_args$args $status").unwrap();
        let parsed = record(&format, "1700000000.000 GET /a?b=1 200");
        assert_eq!(parsed.target, "/a?b=1");
        let parsed = record(&format, "1700000000.000 GET /a 200");
        assert_eq!(parsed.target, "/a");
    }

    #[test]
    fn upstream_time_list_sums() {
        let format = NginxFormat::compile(
            "[$time_local] \"$request\" $status $upstream_addr $upstream_response_time $req_id",
        )
        .unwrap();
        let parsed = record(
            &format,
            "[07/Feb/2020:12:02:42 +0000] \"GET / HTTP/1.1\" 200 10.0.0.6:80, 10.0.0.7:80 0.100, 0.004 abc",
        );
        assert_eq!(parsed.duration_us, Some(104_000));
        assert_eq!(
            field(&parsed, "upstream_addr"),
            Some("10.0.0.6:80, 10.0.0.7:80")
        );
        assert_eq!(
            field(&parsed, "upstream_response_time"),
            Some("0.100, 0.004")
        );
        assert_eq!(field(&parsed, "req_id"), Some("abc"));
    }

    #[test]
    fn request_time_beats_upstream_time() {
        let parsed = record(
            &NginxFormat::ingress(),
            r#"1.2.3.4 - - [07/Feb/2020:12:02:42 +0000] "GET / HTTP/1.1" 200 61 "-" "ua" 348 0.001 [up] [] 10.0.0.6:80 61 0.100 200 id"#,
        );
        assert_eq!(parsed.duration_us, Some(1_000));
    }

    #[test]
    fn escaped_quote_decoded() {
        let parsed = record(
            &NginxFormat::combined(),
            r#"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /q?x=\x22a\x22 HTTP/1.1" 200 1 "-" "say \x22hi\x22""#,
        );
        assert_eq!(parsed.target, "/q?x=\"a\"");
        assert_eq!(parsed.user_agent.as_deref(), Some("say \"hi\""));
    }

    #[test]
    fn json_escape_format() {
        let format = NginxFormat::compile(
            r#"log_format api escape=json '{"time":"$time_iso8601","req":"$request","status":$status,"rt":$request_time}';"#,
        )
        .unwrap();
        let parsed = record(
            &format,
            r#"{"time":"2023-11-14T22:13:20+00:00","req":"GET /a\"b HTTP/1.1","status":429,"rt":0.012}"#,
        );
        assert_eq!(parsed.target, "/a\"b");
        assert_eq!(parsed.status, 429);
        assert_eq!(parsed.duration_us, Some(12_000));
    }

    #[test]
    fn invalid_lines_table() {
        let format = NginxFormat::combined();
        let cases = [
            (
                r#"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "-" 400 0 "-" "-""#,
                "no request line",
            ),
            (
                r#"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "\x16\x03\x01 x" 400 0 "-" "-""#,
                "invalid method",
            ),
            (
                r#"10.0.0.1 - - [10/Oct/2000:99:55:36 -0700] "GET / HTTP/1.1" 200 0 "-" "-""#,
                "invalid time in $time_local",
            ),
            (
                r#"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" abc 0 "-" "-""#,
                "invalid status in $status",
            ),
            (
                r#"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1""#,
                "ends early",
            ),
            (
                r#"10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 0 "-" "ua"x"#,
                "not followed by the rest",
            ),
        ];
        for (line, expected) in cases {
            let reason = invalid(&format, line);
            assert!(reason.contains(expected), "{line}: {reason}");
        }
    }

    #[test]
    fn blank_line_outcome() {
        let outcome = NginxFormat::combined().parse_line(b"  ", &mut ParseState::default());
        assert!(matches!(outcome, LineOutcome::Blank));
    }

    #[test]
    fn credentials_not_kept() {
        let format =
            NginxFormat::compile("$msec \"$request\" $status $http_authorization $cookie_session")
                .unwrap();
        let parsed = record(
            &format,
            "1700000000.000 \"GET / HTTP/1.1\" 200 Bearer-abc s3cr3t",
        );
        assert!(parsed.request_headers.is_empty());
        assert!(parsed.fields.is_empty());
    }

    #[test]
    fn any_bytes_no_panic() {
        let format = NginxFormat::ingress();
        let samples: [&[u8]; 6] = [
            b"\xff\xfe\"[",
            b"\"",
            b"a - - [",
            b"a - - [10/Oct/2000:13:55:36 -0700] \"",
            b"a - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\" 200 1 \"\\",
            b"\\\\\\\"\"\"",
        ];
        for sample in samples {
            let _ = format.parse_line(sample, &mut ParseState::default());
        }
    }
}
