//! Access logs of cloud load balancers and CDNs: AWS Application and Classic Load
//! Balancer logs, and W3C extended logs as written by CloudFront and IIS.
//!
//! AWS logs have a fixed field order that grows at the end over the years, so trailing
//! fields beyond the known ones are ignored. W3C logs name their columns in a
//! `#Fields:` directive that may repeat anywhere in a file, so their column layout is
//! parser state ([`ParseState::fields`]) and a chunk recovers it from the bytes before
//! it ([`LineParser::state_before`]).

use std::borrow::Cow;
use std::net::IpAddr;
use std::sync::Arc;

use super::scan::{self, Tokens};
use super::{LineOutcome, LineParser, LoggedTime, ParseState};
use crate::model::Throttle;

/// AWS Application Load Balancer access logs.
///
/// Field order from the AWS documentation "Access logs for your Application Load
/// Balancer": `type time elb client:port target:port request_processing_time
/// target_processing_time response_processing_time elb_status_code target_status_code
/// received_bytes sent_bytes "request" "user_agent" ssl_cipher ssl_protocol
/// target_group_arn "trace_id" "domain_name" "chosen_cert_arn" matched_rule_priority
/// request_creation_time "actions_executed" "redirect_url" "error_reason" ...`.
#[derive(Clone, Copy, Debug, Default)]
pub struct AwsAlb;

/// AWS Classic Load Balancer (ELB) access logs, HTTP and HTTPS listeners.
///
/// Field order from the AWS documentation "Access logs for your Classic Load
/// Balancer": `time elb client:port backend:port request_processing_time
/// backend_processing_time response_processing_time elb_status_code
/// backend_status_code received_bytes sent_bytes "request" "user_agent" ssl_cipher
/// ssl_protocol`.
#[derive(Clone, Copy, Debug, Default)]
pub struct AwsElb;

/// Names of the ALB fields, in order. Fields that AWS adds later are ignored.
const ALB_FIELDS: [&str; 30] = [
    "type",
    "time",
    "elb",
    "client:port",
    "target:port",
    "request_processing_time",
    "target_processing_time",
    "response_processing_time",
    "elb_status_code",
    "target_status_code",
    "received_bytes",
    "sent_bytes",
    "request",
    "user_agent",
    "ssl_cipher",
    "ssl_protocol",
    "target_group_arn",
    "trace_id",
    "domain_name",
    "chosen_cert_arn",
    "matched_rule_priority",
    "request_creation_time",
    "actions_executed",
    "redirect_url",
    "error_reason",
    "target:port_list",
    "target_status_code_list",
    "classification",
    "classification_reason",
    "conn_trace_id",
];

const ELB_FIELDS: [&str; 15] = [
    "time",
    "elb",
    "client:port",
    "backend:port",
    "request_processing_time",
    "backend_processing_time",
    "response_processing_time",
    "elb_status_code",
    "backend_status_code",
    "received_bytes",
    "sent_bytes",
    "request",
    "user_agent",
    "ssl_cipher",
    "ssl_protocol",
];

/// The fields both AWS load balancers log, located by their index in each format.
struct AwsLayout {
    names: &'static [&'static str],
    time: usize,
    client: usize,
    timings: [usize; 3],
    status: usize,
    sent_bytes: usize,
    request: usize,
    user_agent: usize,
    /// ALB only: when the load balancer received the request.
    request_creation_time: Option<usize>,
    /// ALB only: the SNI host name of a TLS connection.
    domain_name: Option<usize>,
    /// Classic ELB logs TCP and SSL listeners in the same file with `"- - - "`.
    tcp_request_is_not_access: bool,
}

const ALB_LAYOUT: AwsLayout = AwsLayout {
    names: &ALB_FIELDS,
    time: 1,
    client: 3,
    timings: [5, 6, 7],
    status: 8,
    sent_bytes: 11,
    request: 12,
    user_agent: 13,
    request_creation_time: Some(21),
    domain_name: Some(18),
    tcp_request_is_not_access: false,
};

const ELB_LAYOUT: AwsLayout = AwsLayout {
    names: &ELB_FIELDS,
    time: 0,
    client: 2,
    timings: [4, 5, 6],
    status: 7,
    sent_bytes: 10,
    request: 11,
    user_agent: 12,
    request_creation_time: None,
    domain_name: None,
    tcp_request_is_not_access: true,
};

impl LineParser for AwsAlb {
    fn name(&self) -> &'static str {
        "aws-alb"
    }

    fn parse_line<'a>(&self, line: &'a [u8], _state: &mut ParseState) -> LineOutcome<'a> {
        parse_aws(line, &ALB_LAYOUT)
    }
}

impl LineParser for AwsElb {
    fn name(&self) -> &'static str {
        "aws-elb"
    }

    fn parse_line<'a>(&self, line: &'a [u8], _state: &mut ParseState) -> LineOutcome<'a> {
        parse_aws(line, &ELB_LAYOUT)
    }
}

fn parse_aws<'a>(line: &'a [u8], layout: &AwsLayout) -> LineOutcome<'a> {
    let line = line.trim_ascii();
    if line.is_empty() {
        return LineOutcome::Blank;
    }

    // Every field of the format, in order. The extra fields of newer logs are dropped.
    let mut values: [&[u8]; 30] = [b""; 30];
    let mut count = 0;
    let mut tokens = Tokens::new(line);
    while let Some(token) = tokens.next_token() {
        let Ok(token) = token else {
            return invalid("unterminated quoted field");
        };
        if count < layout.names.len() {
            values[count] = token;
        }
        count += 1;
    }
    if count <= layout.user_agent {
        return invalid("too few fields for this format");
    }

    let request = values[layout.request];
    if request.trim_ascii() == b"- - -" {
        return if layout.tcp_request_is_not_access {
            LineOutcome::NotAccess
        } else {
            invalid("request line not logged")
        };
    }
    let Some((method, target)) = scan::split_request_line(request) else {
        return invalid("malformed request line");
    };
    let Some(end) = scan::parse_iso8601(values[layout.time]) else {
        return invalid("invalid time");
    };
    let Some(status) = scan::parse_status(values[layout.status]) else {
        return invalid("invalid status");
    };

    // ALB's request_creation_time is when the request arrived, and `time` is when the
    // response was sent (AWS documentation, ALB access log entries).
    let start = match layout.request_creation_time {
        Some(index) if count > index && values[index] != b"-" => {
            // A value that is not a time here means the fields before it were
            // shifted, e.g. by a quote missing from the user agent.
            match scan::parse_iso8601(values[index]) {
                Some(start) => Some(start),
                None => return invalid("invalid request_creation_time"),
            }
        }
        _ => None,
    };
    let url = scan::split_absolute_url(target);
    let mut record = match start {
        Some(start) => scan::new_record(start, LoggedTime::Start, method, target),
        None => scan::new_record(end, LoggedTime::End, method, target),
    };
    if let Some(url) = &url {
        record.scheme = Some(scan::text(url.scheme));
        record.host = Some(scan::text(url.host));
        record.target = scan::text(url.path);
    }
    if record.host.is_none() {
        record.host = layout
            .domain_name
            .and_then(|index| scan::present(values[index]))
            .map(scan::text);
    }
    record.status = status;
    record.duration_us = aws_duration(layout.timings.map(|index| values[index]));
    record.client_addr = Some(scan::text(scan::strip_port(values[layout.client])));
    record.user_agent = scan::present(values[layout.user_agent]).map(scan::text);
    record.response_size = scan::parse_u64(values[layout.sent_bytes]);

    let mapped = [
        layout.time,
        layout.client,
        layout.status,
        layout.sent_bytes,
        layout.request,
        layout.user_agent,
    ];
    for (index, name) in layout.names.iter().enumerate().take(count) {
        if mapped.contains(&index) {
            continue;
        }
        if let Some(value) = scan::present(values[index]) {
            record
                .fields
                .push((Cow::Borrowed(*name), scan::text(value)));
        }
    }
    LineOutcome::Record(record)
}

/// Sums the three processing times (seconds). AWS writes `-1` for all three when the
/// load balancer could not send the request to a target (client closed: 460, target
/// timeout: 504), and then the duration is unknown.
fn aws_duration(timings: [&[u8]; 3]) -> Option<i64> {
    let mut total: i64 = 0;
    for timing in timings {
        let micros = scan::parse_seconds_micros(timing)?;
        if micros < 0 {
            return None;
        }
        total = total.saturating_add(micros);
    }
    Some(total)
}

fn invalid(reason: &'static str) -> LineOutcome<'static> {
    LineOutcome::Invalid(Cow::Borrowed(reason))
}

/// Writer of the W3C extended logs a parser expects. The two differ in separators,
/// units and escapes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum W3cFlavor {
    CloudFront,
    Iis,
}

/// W3C extended log format (`#Fields:` directive), as written by CloudFront standard
/// logs and IIS.
#[derive(Clone, Copy, Debug)]
pub struct W3c {
    flavor: W3cFlavor,
}

impl W3c {
    /// CloudFront standard logs: tab-separated, `time-taken` in seconds, user agent
    /// percent-encoded.
    pub fn cloudfront() -> Self {
        W3c {
            flavor: W3cFlavor::CloudFront,
        }
    }

    /// IIS logs in W3C format: space-separated, `time-taken` in milliseconds, spaces in
    /// the user agent written as `+`.
    pub fn iis() -> Self {
        W3c {
            flavor: W3cFlavor::Iis,
        }
    }
}

impl LineParser for W3c {
    fn name(&self) -> &'static str {
        match self.flavor {
            W3cFlavor::CloudFront => "cloudfront",
            W3cFlavor::Iis => "iis",
        }
    }

    fn parse_line<'a>(&self, line: &'a [u8], state: &mut ParseState) -> LineOutcome<'a> {
        let line = line.trim_ascii();
        if line.is_empty() {
            return LineOutcome::Blank;
        }
        if let Some(directive) = line.strip_prefix(b"#") {
            if let Some(names) = directive.strip_prefix(b"Fields:") {
                state.fields = Some(parse_field_names(names));
            }
            return LineOutcome::NotAccess;
        }
        let Some(names) = state.fields.as_deref() else {
            return invalid("no #Fields directive before this line");
        };
        parse_w3c_row(line, names, self.flavor)
    }

    fn state_before(&self, preceding: &[u8]) -> ParseState {
        ParseState {
            fields: last_fields_directive(preceding).map(parse_field_names),
        }
    }
}

fn parse_field_names(names: &[u8]) -> Arc<[Box<str>]> {
    names
        .split(|b| b.is_ascii_whitespace())
        .filter(|name| !name.is_empty())
        .map(|name| Box::from(scan::text(name).as_ref()))
        .collect()
}

/// Returns the column list of the last `#Fields:` directive that starts a line.
fn last_fields_directive(preceding: &[u8]) -> Option<&[u8]> {
    const DIRECTIVE: &[u8] = b"#Fields:";
    let finder = memchr::memmem::FinderRev::new(DIRECTIVE);
    let mut haystack = preceding;
    while let Some(position) = finder.rfind(haystack) {
        if position == 0 || haystack[position - 1] == b'\n' {
            let rest = &preceding[position + DIRECTIVE.len()..];
            let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            return Some(&rest[..end]);
        }
        haystack = &haystack[..position];
    }
    None
}

/// Byte ranges of a row's values. CloudFront separates values with tabs and IIS with
/// spaces. A row that contains a tab is split on tabs only, so values may contain
/// spaces.
struct Columns<'a> {
    line: &'a [u8],
    separator: u8,
    position: usize,
}

impl<'a> Columns<'a> {
    fn new(line: &'a [u8]) -> Self {
        let separator = if memchr::memchr(b'\t', line).is_some() {
            b'\t'
        } else {
            b' '
        };
        Columns {
            line,
            separator,
            position: 0,
        }
    }

    /// Returns the next value as a range. A run of spaces counts as one separator, but
    /// tabs are not merged, so an empty value between two tabs is kept.
    fn next_range(&mut self) -> Option<(usize, usize)> {
        let line = self.line;
        if self.separator == b' ' {
            while line.get(self.position) == Some(&b' ') {
                self.position += 1;
            }
        }
        if self.position >= line.len() {
            return None;
        }
        let start = self.position;
        let end = memchr::memchr(self.separator, &line[start..]).map_or(line.len(), |i| start + i);
        self.position = end + 1;
        Some((start, end))
    }
}

/// Values of the W3C fields a record is built from.
#[derive(Default)]
struct W3cValues<'a> {
    date: Option<&'a [u8]>,
    time: Option<&'a [u8]>,
    client: Option<&'a [u8]>,
    method: Option<&'a [u8]>,
    stem: Option<&'a [u8]>,
    query: Option<&'a [u8]>,
    status: Option<&'a [u8]>,
    time_taken: Option<&'a [u8]>,
    user_agent: Option<&'a [u8]>,
    host_header: Option<&'a [u8]>,
    distribution: Option<&'a [u8]>,
    forwarded_for: Option<&'a [u8]>,
    bytes_sent: Option<&'a [u8]>,
    protocol: Option<&'a [u8]>,
    server_port: Option<&'a [u8]>,
    rate_limited: bool,
}

fn parse_w3c_row<'a>(line: &'a [u8], names: &[Box<str>], flavor: W3cFlavor) -> LineOutcome<'a> {
    // Count first, so that a space-separated row with a space inside a value can be
    // repaired without collecting the values into a vector.
    let mut counter = Columns::new(line);
    let mut count = 0;
    while counter.next_range().is_some() {
        count += 1;
    }
    if count < names.len() {
        return invalid("fewer values than the #Fields directive names");
    }
    // Rows that were converted from tabs to spaces split `x-forwarded-for` values such
    // as `81.2.69.142, 216.160.83.56` in two: a value ending in a comma joins the next.
    let mut surplus = count - names.len();
    let mut columns = Columns::new(line);
    if surplus > 0 && columns.separator == b'\t' {
        return invalid("more values than the #Fields directive names");
    }

    let mut values = W3cValues::default();
    let mut others: Vec<(Cow<'a, str>, Cow<'a, str>)> = Vec::new();
    for name in names {
        let Some((start, mut end)) = columns.next_range() else {
            break;
        };
        while surplus > 0 && line[..end].ends_with(b",") {
            let Some((_, next_end)) = columns.next_range() else {
                break;
            };
            end = next_end;
            surplus -= 1;
        }
        let value = &line[start..end];
        assign_w3c_value(&mut values, &mut others, name, value);
    }
    if surplus > 0 {
        return invalid("more values than the #Fields directive names");
    }
    build_w3c_record(values, others, flavor)
}

fn assign_w3c_value<'a>(
    values: &mut W3cValues<'a>,
    others: &mut Vec<(Cow<'a, str>, Cow<'a, str>)>,
    name: &str,
    value: &'a [u8],
) {
    let slot = match name {
        "date" => &mut values.date,
        "time" => &mut values.time,
        "c-ip" => &mut values.client,
        "cs-method" => &mut values.method,
        "cs-uri-stem" => &mut values.stem,
        "cs-uri-query" => &mut values.query,
        "sc-status" => &mut values.status,
        "time-taken" => &mut values.time_taken,
        "cs(User-Agent)" => &mut values.user_agent,
        "x-host-header" => &mut values.host_header,
        "cs(Host)" | "cs-host" => &mut values.distribution,
        // IIS has no built-in X-Forwarded-For field: an administrator adds it as a
        // custom field under a name of their choice, usually `X-Forwarded-For`.
        _ if name.eq_ignore_ascii_case("x-forwarded-for") => &mut values.forwarded_for,
        "sc-bytes" => &mut values.bytes_sent,
        "cs-protocol" => &mut values.protocol,
        "s-port" => &mut values.server_port,
        _ => {
            // CloudFront names the result of an edge request in three fields. Any of
            // them set to LimitExceeded (a CloudFront quota was exceeded) or
            // CapacityExceeded (the edge location lacked capacity and sent 503) means
            // that CloudFront itself rejected the request.
            if matches!(
                name,
                "x-edge-result-type"
                    | "x-edge-response-result-type"
                    | "x-edge-detailed-result-type"
            ) && matches!(value, b"LimitExceeded" | b"CapacityExceeded")
            {
                values.rate_limited = true;
            }
            // Cookies may carry session tokens: they never leave the parser.
            let is_cookie = name
                .as_bytes()
                .windows(6)
                .any(|window| window.eq_ignore_ascii_case(b"cookie"));
            if let (false, Some(value)) = (is_cookie, scan::present(value)) {
                others.push((field_name(name), scan::text(value)));
            }
            return;
        }
    };
    *slot = Some(value);
}

/// Field names that CloudFront and IIS write, so that a record can borrow its field
/// names instead of copying them for every line.
const KNOWN_W3C_FIELDS: &[&str] = &[
    "s-sitename",
    "s-computername",
    "s-ip",
    "s-port",
    "cs-username",
    "cs-version",
    "cs(Referer)",
    "cs(Cookie)",
    "sc-substatus",
    "sc-win32-status",
    "cs-bytes",
    "x-edge-location",
    "x-edge-result-type",
    "x-edge-request-id",
    "x-edge-response-result-type",
    "x-edge-detailed-result-type",
    "ssl-protocol",
    "ssl-cipher",
    "cs-protocol-version",
    "fle-status",
    "fle-encrypted-fields",
    "c-port",
    "time-to-first-byte",
    "sc-content-type",
    "sc-content-len",
    "sc-range-start",
    "sc-range-end",
    "cs-uri",
];

fn field_name(name: &str) -> Cow<'static, str> {
    match KNOWN_W3C_FIELDS.iter().find(|known| **known == name) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(name.to_owned()),
    }
}

fn build_w3c_record<'a>(
    values: W3cValues<'a>,
    fields: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    flavor: W3cFlavor,
) -> LineOutcome<'a> {
    let (Some(date), Some(time)) = (values.date, values.time) else {
        return invalid("the #Fields directive names no date and time");
    };
    let Some(end) = scan::parse_w3c_date_time(date, time) else {
        return invalid("invalid date or time");
    };
    let (Some(method), Some(stem)) = (values.method, values.stem) else {
        return invalid("missing cs-method or cs-uri-stem");
    };
    let status = match values.status {
        Some(status) => match scan::parse_status(status) {
            Some(status) => status,
            None => return invalid("invalid sc-status"),
        },
        None => 0,
    };
    let client = match values.client.and_then(scan::present) {
        Some(client) => {
            let address = scan::text(client);
            // IIS and CloudFront write bare addresses; anything else means the row
            // was damaged, e.g. by a tool that rewrote addresses into links.
            if address.parse::<IpAddr>().is_err() {
                return invalid("c-ip is not an IP address");
            }
            Some(address)
        }
        None => None,
    };

    let mut record = scan::new_record(end, LoggedTime::End, method, stem);
    if let Some(query) = values.query.and_then(scan::present) {
        let mut target = String::with_capacity(stem.len() + 1 + query.len());
        target.push_str(&scan::text(stem));
        target.push('?');
        target.push_str(&scan::text(query));
        record.target = Cow::Owned(target);
    }
    record.status = status;
    record.client_addr = client;
    record.fields = fields;
    record.response_size = values.bytes_sent.and_then(scan::parse_u64);
    record.duration_us = values.time_taken.and_then(|taken| match flavor {
        // IIS logs time-taken in milliseconds, CloudFront in seconds with
        // millisecond digits.
        W3cFlavor::Iis => scan::parse_millis_micros(taken),
        W3cFlavor::CloudFront => scan::parse_seconds_micros(taken),
    });
    record.user_agent = values
        .user_agent
        .and_then(scan::present)
        .map(|agent| match flavor {
            W3cFlavor::Iis => scan::plus_to_space(agent),
            W3cFlavor::CloudFront => scan::percent_decode(agent),
        });
    record.forwarded_for = values
        .forwarded_for
        .and_then(scan::present)
        .map(scan::backslash_hex_decode);
    record.host = w3c_host(values.host_header, values.distribution);
    record.scheme = match (values.protocol.and_then(scan::present), values.server_port) {
        (Some(protocol), _) => Some(scan::text(protocol)),
        // IIS logs no scheme, so the server port identifies the two default ones.
        (None, Some(b"443")) => Some(Cow::Borrowed("https")),
        (None, Some(b"80")) => Some(Cow::Borrowed("http")),
        (None, _) => None,
    };
    if values.rate_limited {
        record.throttle = Some(Throttle::ProxyRateLimit);
    }
    LineOutcome::Record(record)
}

/// Picks the host the client asked for: CloudFront's `x-host-header` (the viewer's
/// `Host` header) when it is a plausible host name, else `cs(Host)` (the distribution's
/// domain, or the `Host` header in IIS logs).
fn w3c_host<'a>(
    host_header: Option<&'a [u8]>,
    distribution: Option<&'a [u8]>,
) -> Option<Cow<'a, str>> {
    let plausible = |host: &&[u8]| {
        !host.starts_with(b".")
            && host.iter().all(|&b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_')
            })
    };
    host_header
        .and_then(scan::present)
        .filter(plausible)
        .or_else(|| distribution.and_then(scan::present))
        .map(scan::text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TimePrecision;

    const ALB_LINE: &str = concat!(
        r#"https 2026-03-01T10:00:01.500000Z app/my-lb/50dc6c495c0c9188 [2001:db8::7]:52000 10.0.0.1:80 "#,
        r#"0.001 0.250 0.000 429 429 34 366 "GET https://api.example.com:443/v1/users?page=2 HTTP/1.1" "#,
        r#""sdk/1.0 (linux)" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:tg "Root=1-abc" "api.example.com" "#,
        r#""arn:aws:cert" 0 2026-03-01T10:00:01.249000Z "forward" "-" "-" "10.0.0.1:80" "429" "-" "-" "TID_1""#,
    );

    fn parse<'a>(parser: &dyn LineParser, line: &'a str) -> LineOutcome<'a> {
        parser.parse_line(line.as_bytes(), &mut ParseState::default())
    }

    fn record<'a>(parser: &dyn LineParser, line: &'a str) -> LogRecord<'a> {
        match parse(parser, line) {
            LineOutcome::Record(record) => record,
            other => panic!("expected a record, got {other:?}"),
        }
    }

    fn invalid_reason(parser: &dyn LineParser, line: &str, state: &mut ParseState) -> String {
        match parser.parse_line(line.as_bytes(), state) {
            LineOutcome::Invalid(reason) => reason.into_owned(),
            other => panic!("expected Invalid for {line:?}, got {other:?}"),
        }
    }

    use super::super::LogRecord;

    #[test]
    fn alb_record_fields() {
        let record = record(&AwsAlb, ALB_LINE);
        assert_eq!(record.time.to_rfc3339_millis(), "2026-03-01T10:00:01.249Z");
        assert_eq!(record.logged_time, LoggedTime::Start);
        assert_eq!(record.precision, TimePrecision::Microseconds);
        assert_eq!(record.duration_us, Some(251_000));
        assert_eq!(record.client_addr.as_deref(), Some("2001:db8::7"));
        assert_eq!(record.method, "GET");
        assert_eq!(record.scheme.as_deref(), Some("https"));
        assert_eq!(record.host.as_deref(), Some("api.example.com"));
        assert_eq!(record.target, "/v1/users?page=2");
        assert_eq!(record.status, 429);
        assert_eq!(record.response_size, Some(366));
        assert_eq!(record.user_agent.as_deref(), Some("sdk/1.0 (linux)"));
        assert_eq!(record.forwarded_for, None);
        assert_eq!(record.throttle, None);
        assert_eq!(record.field("trace_id"), Some("Root=1-abc"));
        assert_eq!(record.field("target_status_code"), Some("429"));
        assert_eq!(record.field("conn_trace_id"), Some("TID_1"));
        assert_eq!(record.field("redirect_url"), None);
    }

    #[test]
    fn alb_unreached_target() {
        let line = ALB_LINE
            .replace("0.001 0.250 0.000 429 429", "-1 -1 -1 460 -")
            .replace("\"429\"", "\"-\"");
        let record = record(&AwsAlb, &line);
        assert_eq!(record.duration_us, None);
        assert_eq!(record.status, 460);
        assert_eq!(record.field("target_status_code"), None);
    }

    #[test]
    fn alb_dash_status_is_zero() {
        let line = ALB_LINE.replace(" 429 429 ", " - - ");
        assert_eq!(record(&AwsAlb, &line).status, 0);
    }

    #[test]
    fn alb_extra_trailing_fields() {
        let line = format!("{ALB_LINE} \"new-field\" 17 \"x\"");
        let record = record(&AwsAlb, &line);
        assert_eq!(record.status, 429);
        assert_eq!(record.field("conn_trace_id"), Some("TID_1"));
    }

    #[test]
    fn alb_without_creation_time() {
        // Logs written before request_creation_time existed end after ssl_protocol.
        let end = ALB_LINE.find(" arn:aws:tg").unwrap();
        let record = record(&AwsAlb, &ALB_LINE[..end]);
        assert_eq!(record.time.to_rfc3339_millis(), "2026-03-01T10:00:01.500Z");
        assert_eq!(record.logged_time, LoggedTime::End);
    }

    #[test]
    fn alb_invalid_lines() {
        let cases = [
            (
                ALB_LINE[..ALB_LINE.find(" (linux)").unwrap()].to_owned(),
                "unterminated quoted field",
            ),
            (
                ALB_LINE.replace("\"sdk/1.0 (linux)\" ECDHE", "\"sdk/1.0"),
                "invalid request_creation_time",
            ),
            (
                ALB_LINE[..ALB_LINE.find(" \"GET").unwrap()].to_owned(),
                "too few fields for this format",
            ),
            (
                ALB_LINE.replace("2026-03-01T10:00:01.500000Z", "yesterday"),
                "invalid time",
            ),
            (ALB_LINE.replace(" 429 429 ", " 4x9 429 "), "invalid status"),
            (
                ALB_LINE.replace(
                    "GET https://api.example.com:443/v1/users?page=2 HTTP/1.1",
                    "- - -",
                ),
                "request line not logged",
            ),
            (
                ALB_LINE.replace(
                    "GET https://api.example.com:443/v1/users?page=2 HTTP/1.1",
                    "GET",
                ),
                "malformed request line",
            ),
        ];
        for (line, expected) in cases {
            let reason = invalid_reason(&AwsAlb, &line, &mut ParseState::default());
            assert_eq!(reason, expected, "line: {line}");
        }
    }

    #[test]
    fn invalid_reason_hides_content() {
        let cut = ALB_LINE.find(" (linux)").unwrap();
        let line = ALB_LINE[..cut].replace("sdk/1.0", "token=s3cr3t");
        let reason = invalid_reason(&AwsAlb, &line, &mut ParseState::default());
        assert!(!reason.contains("s3cr3t"));
    }

    const ELB_LINE: &str = concat!(
        r#"2019-10-14T12:01:41.918996Z my-elb 81.2.69.143:54001 10.0.0.169:80 0.000041 0.00491 0.000027 "#,
        r#"503 503 0 612 "POST http://example.com:80/login HTTP/1.1" "curl/7.58.0" - -"#,
    );

    #[test]
    fn elb_record_fields() {
        let record = record(&AwsElb, ELB_LINE);
        assert_eq!(record.time.to_rfc3339_millis(), "2019-10-14T12:01:41.918Z");
        assert_eq!(record.logged_time, LoggedTime::End);
        assert_eq!(record.precision, TimePrecision::Microseconds);
        assert_eq!(record.duration_us, Some(4_978));
        assert_eq!(record.client_addr.as_deref(), Some("81.2.69.143"));
        assert_eq!(record.method, "POST");
        assert_eq!(record.scheme.as_deref(), Some("http"));
        assert_eq!(record.host.as_deref(), Some("example.com"));
        assert_eq!(record.target, "/login");
        assert_eq!(record.status, 503);
        assert_eq!(record.response_size, Some(612));
        assert_eq!(record.user_agent.as_deref(), Some("curl/7.58.0"));
        assert_eq!(record.field("backend:port"), Some("10.0.0.169:80"));
        assert_eq!(record.field("ssl_cipher"), None);
    }

    #[test]
    fn elb_tcp_listener_not_access() {
        let line = ELB_LINE
            .replace("POST http://example.com:80/login HTTP/1.1", "- - - ")
            .replace(" 503 503 ", " - - ");
        assert!(matches!(parse(&AwsElb, &line), LineOutcome::NotAccess));
    }

    #[test]
    fn aws_blank_lines() {
        assert!(matches!(parse(&AwsElb, ""), LineOutcome::Blank));
        assert!(matches!(parse(&AwsAlb, "  \t"), LineOutcome::Blank));
    }

    const IIS_FIELDS: &str = "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port \
                              cs-username c-ip cs(User-Agent) cs(Cookie) cs(Host) sc-status \
                              sc-substatus sc-win32-status sc-bytes time-taken";
    const IIS_ROW: &str = "2015-01-13 00:32:17 100.79.192.81 GET /api/items id=7&x=1 443 - \
                           2001:db8::1 Mozilla/5.0+(compatible;++http://bot) SESSION=abc \
                           shop.example.com 429 0 0 1405 283";

    fn iis_state() -> ParseState {
        let mut state = ParseState::default();
        let outcome = W3c::iis().parse_line(IIS_FIELDS.as_bytes(), &mut state);
        assert!(matches!(outcome, LineOutcome::NotAccess));
        state
    }

    #[test]
    fn iis_record_fields() {
        let mut state = iis_state();
        let LineOutcome::Record(record) = W3c::iis().parse_line(IIS_ROW.as_bytes(), &mut state)
        else {
            panic!("expected a record");
        };
        assert_eq!(record.time.to_rfc3339_millis(), "2015-01-13T00:32:17.000Z");
        assert_eq!(record.logged_time, LoggedTime::End);
        assert_eq!(record.precision, TimePrecision::Seconds);
        assert_eq!(record.duration_us, Some(283_000));
        assert_eq!(record.client_addr.as_deref(), Some("2001:db8::1"));
        assert_eq!(record.method, "GET");
        assert_eq!(record.target, "/api/items?id=7&x=1");
        assert_eq!(record.scheme.as_deref(), Some("https"));
        assert_eq!(record.host.as_deref(), Some("shop.example.com"));
        assert_eq!(record.status, 429);
        assert_eq!(record.response_size, Some(1405));
        assert_eq!(
            record.user_agent.as_deref(),
            Some("Mozilla/5.0 (compatible; +http://bot)")
        );
        assert_eq!(record.field("sc-win32-status"), Some("0"));
        assert_eq!(record.field("cs(Cookie)"), None);
    }

    #[test]
    fn iis_custom_fields() {
        let mut state = ParseState::default();
        let directive = "#Fields: date time cs-method cs-uri-stem c-ip cs-host X-Forwarded-For \
                         sc-status s-sitename x-custom";
        let _ = W3c::iis().parse_line(directive.as_bytes(), &mut state);
        let row = "2026-03-01 10:00:00 GET / 10.0.0.9 api.example.com 203.0.113.5 200 W3SVC1 v";
        let LineOutcome::Record(record) = W3c::iis().parse_line(row.as_bytes(), &mut state) else {
            panic!("expected a record");
        };
        assert_eq!(record.host.as_deref(), Some("api.example.com"));
        assert_eq!(record.forwarded_for.as_deref(), Some("203.0.113.5"));
        assert_eq!(record.field("s-sitename"), Some("W3SVC1"));
        assert!(matches!(record.fields[0].0, Cow::Borrowed(_)));
        assert_eq!(record.field("x-custom"), Some("v"));
    }

    #[test]
    fn w3c_directives_not_access() {
        let mut state = ParseState::default();
        for line in ["#Software: Microsoft IIS 8.5", "#Version: 1.0", "#Date: x"] {
            let outcome = W3c::iis().parse_line(line.as_bytes(), &mut state);
            assert!(matches!(outcome, LineOutcome::NotAccess), "{line}");
        }
        assert!(state.fields.is_none());
    }

    #[test]
    fn w3c_row_without_directive() {
        let reason = invalid_reason(&W3c::iis(), IIS_ROW, &mut ParseState::default());
        assert_eq!(reason, "no #Fields directive before this line");
    }

    #[test]
    fn w3c_invalid_rows() {
        let cases = [
            (
                IIS_ROW.replace("2001:db8::1", "[10.1.1.1](http://10.1.1.1)"),
                "c-ip is not an IP address",
            ),
            (
                IIS_ROW.replace(" 1405 283", ""),
                "fewer values than the #Fields directive names",
            ),
            (
                format!("{IIS_ROW} extra"),
                "more values than the #Fields directive names",
            ),
            (IIS_ROW.replace(" 429 ", " 4290 "), "invalid sc-status"),
            (
                IIS_ROW.replace("00:32:17", "00:61:17"),
                "invalid date or time",
            ),
        ];
        for (line, expected) in cases {
            let reason = invalid_reason(&W3c::iis(), &line, &mut iis_state());
            assert_eq!(reason, expected, "line: {line}");
        }
    }

    const CLOUDFRONT_FIELDS: &str = "#Fields: date time x-edge-location sc-bytes c-ip cs-method \
        cs(Host) cs-uri-stem sc-status cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type \
        x-host-header cs-protocol time-taken x-forwarded-for x-edge-response-result-type \
        x-edge-detailed-result-type";

    fn cloudfront_row(separator: &str, status: &str, result: &str, forwarded: &str) -> String {
        [
            "2026-03-01",
            "10:00:02",
            "SEA19-C2",
            "512",
            "89.160.20.112",
            "GET",
            "d111111abcdef8.cloudfront.net",
            "/v1/orders",
            status,
            "curl/8.0%20(x)",
            "-",
            "token=abc",
            result,
            "api.example.com",
            "https",
            "0.238",
            forwarded,
            result,
            result,
        ]
        .join(separator)
    }

    fn cloudfront_record(line: &str) -> LogRecord<'_> {
        let mut state = ParseState::default();
        let parser = W3c::cloudfront();
        let directive = parser.parse_line(CLOUDFRONT_FIELDS.as_bytes(), &mut state);
        assert!(matches!(directive, LineOutcome::NotAccess));
        match parser.parse_line(line.as_bytes(), &mut state) {
            LineOutcome::Record(record) => record,
            other => panic!("expected a record, got {other:?}"),
        }
    }

    #[test]
    fn cloudfront_tab_row() {
        let line = cloudfront_row("\t", "503", "LimitExceeded", r"1.2.3.4,\x205.6.7.8");
        let record = cloudfront_record(&line);
        assert_eq!(record.time.to_rfc3339_millis(), "2026-03-01T10:00:02.000Z");
        assert_eq!(record.logged_time, LoggedTime::End);
        assert_eq!(record.duration_us, Some(238_000));
        assert_eq!(record.client_addr.as_deref(), Some("89.160.20.112"));
        assert_eq!(record.target, "/v1/orders");
        assert_eq!(record.host.as_deref(), Some("api.example.com"));
        assert_eq!(record.scheme.as_deref(), Some("https"));
        assert_eq!(record.status, 503);
        assert_eq!(record.response_size, Some(512));
        assert_eq!(record.user_agent.as_deref(), Some("curl/8.0 (x)"));
        assert_eq!(record.forwarded_for.as_deref(), Some("1.2.3.4, 5.6.7.8"));
        assert_eq!(record.throttle, Some(Throttle::ProxyRateLimit));
        assert_eq!(record.field("x-edge-location"), Some("SEA19-C2"));
        assert_eq!(record.field("cs(Cookie)"), None);
    }

    #[test]
    fn cloudfront_capacity_exceeded() {
        let line = cloudfront_row("\t", "503", "CapacityExceeded", "-");
        assert_eq!(
            cloudfront_record(&line).throttle,
            Some(Throttle::ProxyRateLimit)
        );
        let line = cloudfront_row("\t", "200", "Miss", "-");
        assert_eq!(cloudfront_record(&line).throttle, None);
    }

    #[test]
    fn cloudfront_space_row_split_xff() {
        let line = cloudfront_row(" ", "000", "Miss", "1.2.3.4, 5.6.7.8");
        let record = cloudfront_record(&line);
        assert_eq!(record.forwarded_for.as_deref(), Some("1.2.3.4, 5.6.7.8"));
        assert_eq!(record.status, 0);
        assert_eq!(record.field("x-edge-response-result-type"), Some("Miss"));
    }

    #[test]
    fn cloudfront_implausible_host_header() {
        let line = cloudfront_row("\t", "200", "Miss", "-").replace("api.example.com", ".0.0/x");
        let record = cloudfront_record(&line);
        assert_eq!(
            record.host.as_deref(),
            Some("d111111abcdef8.cloudfront.net")
        );
    }

    #[test]
    fn state_before_last_directive() {
        let preceding = format!(
            "#Fields: date time a\n2026-03-01 10:00:00 x\n# not #Fields: b\n{IIS_FIELDS}\n{IIS_ROW}\n"
        );
        let state = W3c::iis().state_before(preceding.as_bytes());
        let fields = state.fields.expect("fields");
        assert_eq!(fields.len(), 17);
        assert_eq!(fields.first().map(AsRef::as_ref), Some("date"));
        assert_eq!(fields.last().map(AsRef::as_ref), Some("time-taken"));
    }

    #[test]
    fn state_before_no_directive() {
        let state = W3c::cloudfront().state_before(b"2026-03-01 10:00:00 x\n# x #Fields: a\n");
        assert!(state.fields.is_none());
    }

    #[test]
    fn prefixes_never_panic() {
        let cloudfront = cloudfront_row("\t", "503", "LimitExceeded", r"1.2.3.4,\x2");
        let parsers: [(&dyn LineParser, &str); 4] = [
            (&AwsAlb, ALB_LINE),
            (&AwsElb, ELB_LINE),
            (&W3c::iis(), IIS_ROW),
            (&W3c::cloudfront(), &cloudfront),
        ];
        for (parser, line) in parsers {
            let mut state = iis_state();
            for end in 0..=line.len() {
                let _ = parser.parse_line(&line.as_bytes()[..end], &mut state);
            }
            let _ = parser.parse_line(&[0xff, b' ', b'"', 0xfe, b'\t'], &mut state);
        }
    }
}
