//! Access logs of reverse proxies: Envoy's default format and HAProxy's HTTP log
//! format.
//!
//! Both proxies share their log stream with other messages (Envoy's own log lines,
//! HAProxy's startup and connection-error messages, other programs in the same syslog
//! file), and both log TCP connections in a similar shape. Such lines are
//! [`LineOutcome::NotAccess`], so that only damaged HTTP entries count as invalid.

use std::borrow::Cow;

use super::scan::{self, Tokens};
use super::{LineOutcome, LineParser, LogRecord, LoggedTime, ParseState};
use crate::model::Throttle;

/// Envoy access logs in the default format (Envoy documentation, "Access logging",
/// default format string):
///
/// ```text
/// [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
/// %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
/// %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
/// "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Envoy;

/// HAProxy's HTTP log format (`option httplog`), with or without a syslog prefix
/// (HAProxy configuration manual, section "HTTP log format"):
///
/// ```text
/// client_ip:port [accept_date] frontend backend/server TR/Tw/Tc/Tr/Ta status bytes_read
/// req_cookie resp_cookie termination_state actconn/feconn/beconn/srv_conn/retries
/// srv_queue/backend_queue {captured request headers} {captured response headers}
/// "request line"
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Haproxy;

impl LineParser for Envoy {
    fn name(&self) -> &'static str {
        "envoy"
    }

    fn parse_line<'a>(&self, line: &'a [u8], _state: &mut ParseState) -> LineOutcome<'a> {
        let line = line.trim_ascii();
        if line.is_empty() {
            return LineOutcome::Blank;
        }
        let Some(after_bracket) = line.strip_prefix(b"[") else {
            return LineOutcome::NotAccess;
        };
        let Some(close) = memchr::memchr(b']', after_bracket) else {
            return invalid("unterminated start time");
        };
        let rest = &after_bracket[close + 1..];
        // Envoy's own log lines start with `[date time][thread][level]`.
        if rest.starts_with(b"[") {
            return LineOutcome::NotAccess;
        }
        let Some(start) = scan::parse_iso8601(&after_bracket[..close]) else {
            return invalid("invalid start time");
        };
        parse_envoy_fields(rest, start)
    }
}

/// Names of the fields after the start time and the request line, in order.
const ENVOY_FIELDS: [&str; 11] = [
    "response_code",
    "response_flags",
    "bytes_received",
    "bytes_sent",
    "duration",
    "upstream_service_time",
    "x_forwarded_for",
    "user_agent",
    "request_id",
    "authority",
    "upstream_host",
];

fn parse_envoy_fields<'a>(
    rest: &'a [u8],
    start: (crate::model::Timestamp, crate::model::TimePrecision),
) -> LineOutcome<'a> {
    let mut tokens = Tokens::new(rest);
    let request = match tokens.next_token() {
        Some(Ok(request)) => request,
        Some(Err(_)) => return invalid("unterminated request line"),
        None => return invalid("missing request line"),
    };
    // TCP proxy entries share the format with `-` for the method, path and protocol.
    if request.trim_ascii() == b"- - -" {
        return LineOutcome::NotAccess;
    }
    let Some((method, target)) = scan::split_request_line(request) else {
        return invalid("malformed request line");
    };

    let mut values: [&[u8]; 11] = [b""; 11];
    let mut count = 0;
    while let Some(token) = tokens.next_token() {
        let Ok(token) = token else {
            return invalid("unterminated quoted field");
        };
        if count < values.len() {
            values[count] = token;
        }
        count += 1;
    }
    if count < 5 {
        return invalid("missing fields after the request line");
    }
    let Some(status) = scan::parse_status(values[0]) else {
        return invalid("invalid response code");
    };

    let mut record = scan::new_record(start, LoggedTime::Start, method, target);
    record.status = status;
    // DURATION is the total time from the start to the last byte out, in milliseconds.
    record.duration_us = scan::parse_millis_micros(values[4]).filter(|micros| *micros >= 0);
    record.response_size = scan::parse_u64(values[3]);
    record.forwarded_for = scan::present(values[6]).map(scan::text);
    record.user_agent = scan::present(values[7]).map(scan::text);
    record.host = scan::present(values[9]).map(scan::text);
    // RESPONSE_FLAGS is `-` or a comma-separated list. `RL` is the only flag for rate
    // limiting: the request was rate limited by the local or global HTTP rate limit
    // filter, besides a 429 by default. `RLSE` is an error of the rate limit service
    // and `UO` upstream circuit breaking, neither of which is a rate limit.
    if values[1].split(|b| *b == b',').any(|flag| flag == b"RL") {
        record.throttle = Some(Throttle::ProxyRateLimit);
    }
    for (index, name) in ENVOY_FIELDS.iter().enumerate().take(count) {
        if matches!(index, 0 | 3 | 4 | 6 | 7 | 9) {
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

impl LineParser for Haproxy {
    fn name(&self) -> &'static str {
        "haproxy"
    }

    fn parse_line<'a>(&self, line: &'a [u8], _state: &mut ParseState) -> LineOutcome<'a> {
        let line = line.trim_ascii();
        if line.is_empty() {
            return LineOutcome::Blank;
        }
        match haproxy_payload(line) {
            Some(payload) => parse_haproxy_entry(payload),
            None => LineOutcome::NotAccess,
        }
    }
}

/// Returns the part of a line after its syslog prefix (`Feb 25 16:19:49 host
/// haproxy[7]: `, or the RFC 5424 form `<134>1 2019-02-25T16:19:49Z host haproxy 7 - - `),
/// or the line itself when it starts with the client address. Returns `None` when no
/// part starts like an HAProxy entry.
fn haproxy_payload(line: &[u8]) -> Option<&[u8]> {
    /// Syslog prefixes are a handful of words, so the search for the entry stops early.
    const MAX_PREFIX_WORDS: usize = 12;

    if starts_like_entry(line) {
        return Some(line);
    }
    if let Some(tag) = memchr::memmem::find(line, b"]: ") {
        let payload = &line[tag + 3..];
        if starts_like_entry(payload) {
            return Some(payload);
        }
    }
    memchr::memchr_iter(b' ', line)
        .take(MAX_PREFIX_WORDS)
        .map(|space| &line[space + 1..])
        .find(|payload| starts_like_entry(payload))
}

/// Checks for `address:port [`, the start of every HAProxy connection log line.
fn starts_like_entry(bytes: &[u8]) -> bool {
    let Some(space) = memchr::memchr(b' ', bytes) else {
        return false;
    };
    let peer = &bytes[..space];
    peer.contains(&b':')
        && peer
            .first()
            .is_some_and(|b| b.is_ascii_hexdigit() || *b == b':' || *b == b'[')
        && bytes[space + 1..].starts_with(b"[")
}

fn parse_haproxy_entry(payload: &[u8]) -> LineOutcome<'_> {
    let mut tokens = Tokens::new(payload);
    let Some(Ok(peer)) = tokens.next_token() else {
        return invalid("missing client address");
    };
    let Some(Ok(date)) = tokens.next_token() else {
        return invalid("missing accept date");
    };
    let Some(frontend) = tokens.next_token().and_then(Result::ok) else {
        return invalid("missing frontend name");
    };
    // Connection errors read `frontend/bind: SSL handshake failure` in place of the
    // backend and timers: they are not requests.
    if frontend.ends_with(b":") {
        return LineOutcome::NotAccess;
    }
    let Some(backend) = tokens.next_token().and_then(Result::ok) else {
        return invalid("missing backend and server");
    };
    let Some(timers) = tokens.next_token().and_then(Result::ok) else {
        return invalid("missing timers");
    };
    let timer_count = timers.split(|b| *b == b'/').count();
    // The TCP log format has three timers (Tw/Tc/Tt) and no request.
    if timer_count == 3 {
        return LineOutcome::NotAccess;
    }
    if timer_count != 5 {
        return invalid("timers are not TR/Tw/Tc/Tr/Ta");
    }
    let Some(accept) = date
        .strip_prefix(b"[")
        .and_then(|d| d.strip_suffix(b"]"))
        .and_then(scan::parse_haproxy_date)
    else {
        return invalid("invalid accept date");
    };

    let mut fixed: [&[u8]; 7] = [b""; 7];
    for slot in &mut fixed {
        match tokens.next_token() {
            Some(Ok(value)) => *slot = value,
            _ => return invalid("missing fields before the request line"),
        }
    }
    let [status, bytes_read, _, _, termination_state, _, _] = fixed;
    let Some(status) = scan::parse_status(status) else {
        return invalid("invalid status");
    };

    let Some(request) = request_after_captures(tokens.rest()) else {
        return invalid("missing or unterminated request line");
    };
    let Some((method, target)) = scan::split_request_line(request) else {
        return invalid("malformed request line");
    };

    let mut record = haproxy_record(accept, method, target);
    record.status = status;
    record.client_addr = Some(scan::text(scan::strip_port(peer)));
    record.response_size = scan::parse_u64(bytes_read);
    // The last timer is Ta, the total active time in milliseconds (Tt before HAProxy
    // 1.7). A leading `+` marks a value logged before the end (`option logasap`), and
    // -1 an aborted request.
    record.duration_us = timers
        .rsplit(|b| *b == b'/')
        .next()
        .and_then(scan::parse_millis_micros)
        .filter(|micros| *micros >= 0);
    // HAProxy appends `~` to the frontend name when the connection used TLS.
    let frontend_name = match frontend.strip_suffix(b"~") {
        Some(name) => {
            record.scheme.get_or_insert(Cow::Borrowed("https"));
            name
        }
        None => frontend,
    };
    let (backend_name, server_name) = match memchr::memchr(b'/', backend) {
        Some(slash) => (&backend[..slash], &backend[slash + 1..]),
        None => (backend, &b""[..]),
    };
    let named = [
        ("frontend_name", frontend_name),
        ("backend_name", backend_name),
        ("server_name", server_name),
        ("termination_state", termination_state),
    ];
    for (name, value) in named {
        if let Some(value) = scan::present(value) {
            record.fields.push((Cow::Borrowed(name), scan::text(value)));
        }
    }
    LineOutcome::Record(record)
}

fn haproxy_record<'a>(
    accept: (crate::model::Timestamp, crate::model::TimePrecision),
    method: &'a [u8],
    target: &'a [u8],
) -> LogRecord<'a> {
    // NOTE: the accept date is the proxy's local time without a zone, so it is read
    // as UTC, and the logs of a proxy on another zone come out shifted by its offset.
    let mut record = scan::new_record(accept, LoggedTime::Start, method, target);
    if let Some(url) = scan::split_absolute_url(target) {
        record.scheme = Some(scan::text(url.scheme));
        record.host = Some(scan::text(url.host));
        record.target = scan::text(url.path);
    }
    record
}

/// Skips the optional `{captured request headers}` and `{captured response headers}`
/// blocks and returns the quoted request line. The captured headers are dropped: their
/// names depend on the configuration, and they may hold cookies or credentials.
fn request_after_captures(mut rest: &[u8]) -> Option<&[u8]> {
    while let Some(block) = rest.strip_prefix(b"{") {
        let close = memchr::memchr(b'}', block)?;
        rest = block[close + 1..].trim_ascii_start();
    }
    let mut tokens = Tokens::new(rest);
    if !rest.starts_with(b"\"") {
        return None;
    }
    tokens.next_token()?.ok()
}

fn invalid(reason: &'static str) -> LineOutcome<'static> {
    LineOutcome::Invalid(Cow::Borrowed(reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TimePrecision;

    const ENVOY_LINE: &str = concat!(
        r#"[2026-03-01T10:00:01.250Z] "GET /v1/items?page=3 HTTP/1.1" 429 RL 0 18 2 - "#,
        r#""203.0.113.9, 10.0.0.2" "sdk/2.1 (go)" "c219f6da" "api.example.com" "-""#,
    );

    const HAPROXY_LINE: &str = concat!(
        "Feb 25 16:19:49 192.168.4.2 haproxy[7]: 141.35.244.171:53332 ",
        "[25/Feb/2019:16:19:48.143] prod_http_in~ bk_admin/nginx_1 0/0/7/1457/1487 429 ",
        "11394 - - PR-- 2/1/0/0/0 0/0 {Mozilla/5.0 (X11) | host.example} {} ",
        r#""GET /admin/stats?survey=130 HTTP/1.1""#,
    );

    fn parse<'a>(parser: &dyn LineParser, line: &'a str) -> LineOutcome<'a> {
        parser.parse_line(line.as_bytes(), &mut ParseState::default())
    }

    fn record<'a>(parser: &dyn LineParser, line: &'a str) -> LogRecord<'a> {
        match parse(parser, line) {
            LineOutcome::Record(record) => record,
            other => panic!("expected a record for {line:?}, got {other:?}"),
        }
    }

    fn reason(parser: &dyn LineParser, line: &str) -> String {
        match parse(parser, line) {
            LineOutcome::Invalid(reason) => reason.into_owned(),
            other => panic!("expected Invalid for {line:?}, got {other:?}"),
        }
    }

    #[test]
    fn envoy_record_fields() {
        let record = record(&Envoy, ENVOY_LINE);
        assert_eq!(record.time.to_rfc3339_millis(), "2026-03-01T10:00:01.250Z");
        assert_eq!(record.logged_time, LoggedTime::Start);
        assert_eq!(record.precision, TimePrecision::Milliseconds);
        assert_eq!(record.duration_us, Some(2_000));
        assert_eq!(record.method, "GET");
        assert_eq!(record.target, "/v1/items?page=3");
        assert_eq!(record.status, 429);
        assert_eq!(record.response_size, Some(18));
        assert_eq!(
            record.forwarded_for.as_deref(),
            Some("203.0.113.9, 10.0.0.2")
        );
        assert_eq!(record.user_agent.as_deref(), Some("sdk/2.1 (go)"));
        assert_eq!(record.host.as_deref(), Some("api.example.com"));
        assert_eq!(record.client_addr, None);
        assert_eq!(record.throttle, Some(Throttle::ProxyRateLimit));
        assert_eq!(record.field("response_flags"), Some("RL"));
        assert_eq!(record.field("request_id"), Some("c219f6da"));
        assert_eq!(record.field("upstream_host"), None);
    }

    #[test]
    fn envoy_flags_other_than_rl() {
        for flags in ["RLSE", "UO", "NR", "-", "URL"] {
            let line = ENVOY_LINE.replace(" 429 RL ", &format!(" 503 {flags} "));
            assert_eq!(record(&Envoy, &line).throttle, None, "flags {flags}");
        }
        let line = ENVOY_LINE.replace(" 429 RL ", " 429 UO,RL ");
        assert_eq!(
            record(&Envoy, &line).throttle,
            Some(Throttle::ProxyRateLimit)
        );
    }

    #[test]
    fn envoy_short_line() {
        // A custom format may stop after DURATION.
        let line = r#"[2026-03-01T10:00:01.250Z] "POST /login HTTP/2" 0 DC 10 0 7"#;
        let record = record(&Envoy, line);
        assert_eq!(record.status, 0);
        assert_eq!(record.duration_us, Some(7_000));
        assert_eq!(record.user_agent, None);
        assert_eq!(record.host, None);
    }

    #[test]
    fn envoy_not_access_lines() {
        let lines = [
            r#"[2019-04-08T16:50:12.533Z] "- - -" 0 - 87 254 4 - "-" "-" "-" "-" "172.27.0.2:80""#,
            "[2026-03-01 10:00:00.000][12][info][main] starting main dispatch loop",
            "starting envoy",
        ];
        for line in lines {
            assert!(
                matches!(parse(&Envoy, line), LineOutcome::NotAccess),
                "{line}"
            );
        }
        assert!(matches!(parse(&Envoy, " "), LineOutcome::Blank));
    }

    #[test]
    fn envoy_invalid_lines() {
        let cases = [
            ("[2026-03-01T10:00:01.250Z", "unterminated start time"),
            (
                &ENVOY_LINE.replace("2026-03-01T", "2026-13-01T"),
                "invalid start time",
            ),
            (
                r#"[2026-03-01T10:00:01.250Z] "GET /v1/items?page=3"#,
                "unterminated request line",
            ),
            ("[2026-03-01T10:00:01.250Z]", "missing request line"),
            (
                r#"[2026-03-01T10:00:01.250Z] "GET" 200 - 0 0 1"#,
                "malformed request line",
            ),
            (
                r#"[2026-03-01T10:00:01.250Z] "GET /a HTTP/1.1" 200 - 0"#,
                "missing fields after the request line",
            ),
            (
                &ENVOY_LINE.replace(" 429 RL ", " OK RL "),
                "invalid response code",
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(reason(&Envoy, line), expected, "line: {line}");
        }
    }

    #[test]
    fn haproxy_record_fields() {
        let record = record(&Haproxy, HAPROXY_LINE);
        assert_eq!(record.time.to_rfc3339_millis(), "2019-02-25T16:19:48.143Z");
        assert_eq!(record.logged_time, LoggedTime::Start);
        assert_eq!(record.precision, TimePrecision::Milliseconds);
        assert_eq!(record.duration_us, Some(1_487_000));
        assert_eq!(record.client_addr.as_deref(), Some("141.35.244.171"));
        assert_eq!(record.method, "GET");
        assert_eq!(record.target, "/admin/stats?survey=130");
        assert_eq!(record.scheme.as_deref(), Some("https"));
        assert_eq!(record.host, None);
        assert_eq!(record.status, 429);
        assert_eq!(record.response_size, Some(11394));
        assert_eq!(record.user_agent, None);
        // Only the status decides throttling for HAProxy, in the conversion.
        assert_eq!(record.throttle, None);
        assert_eq!(record.field("frontend_name"), Some("prod_http_in"));
        assert_eq!(record.field("backend_name"), Some("bk_admin"));
        assert_eq!(record.field("server_name"), Some("nginx_1"));
        assert_eq!(record.field("termination_state"), Some("PR--"));
    }

    #[test]
    fn haproxy_without_syslog_prefix() {
        let line = &HAPROXY_LINE[HAPROXY_LINE.find("]: ").unwrap() + 3..];
        let record = record(&Haproxy, line);
        assert_eq!(record.client_addr.as_deref(), Some("141.35.244.171"));
        assert_eq!(record.status, 429);
    }

    #[test]
    fn haproxy_other_syslog_prefixes() {
        let entry = &HAPROXY_LINE[HAPROXY_LINE.find("]: ").unwrap() + 3..];
        let prefixes = [
            "<134>1 2019-02-25T16:19:49.000Z lb1 haproxy 7 - - ",
            "Feb 25 16:19:49 lb1 haproxy: ",
            "2019-02-25T16:19:49+00:00 lb1 haproxy[7]: ",
        ];
        for prefix in prefixes {
            let line = format!("{prefix}{entry}");
            let record = record(&Haproxy, &line);
            assert_eq!(
                record.client_addr.as_deref(),
                Some("141.35.244.171"),
                "{prefix}"
            );
            assert_eq!(record.status, 429, "{prefix}");
        }
    }

    #[test]
    fn haproxy_variants() {
        let plain = HAPROXY_LINE
            .replace("prod_http_in~", "prod_http_in")
            .replace(" {Mozilla/5.0 (X11) | host.example} {}", "")
            .replace("141.35.244.171:53332", "2001:db8::5:53332")
            .replace("0/0/7/1457/1487", "0/0/7/-1/+1490")
            .replace(" 429 ", " -1 ");
        let record = record(&Haproxy, &plain);
        assert_eq!(record.scheme, None);
        assert_eq!(record.client_addr.as_deref(), Some("2001:db8::5"));
        assert_eq!(record.duration_us, Some(1_490_000));
        assert_eq!(record.status, 0);
        assert_eq!(record.field("frontend_name"), Some("prod_http_in"));

        let aborted = HAPROXY_LINE.replace("0/0/7/1457/1487", "0/0/7/-1/-1");
        assert_eq!(self::record(&Haproxy, &aborted).duration_us, None);

        let absolute = HAPROXY_LINE.replace("GET /admin", "GET https://shop.example:443/admin");
        let record = self::record(&Haproxy, &absolute);
        assert_eq!(record.host.as_deref(), Some("shop.example"));
        assert_eq!(record.target, "/admin/stats?survey=130");
    }

    #[test]
    fn haproxy_not_access_lines() {
        let lines = [
            "Feb 25 16:19:38 192.168.4.2 haproxy[1]: Proxy prod_http_in started.",
            "Feb 25 16:20:15 192.168.4.2 haproxy[7]: 95.216.197.33:56224 \
             [25/Feb/2019:16:20:10.111] prod_http_in/sktst2: SSL handshake failure",
            "Feb 25 16:20:15 192.168.4.2 sshd[88]: Accepted publickey for root",
            "Feb 25 16:20:15 192.168.4.2 haproxy[7]: 10.0.0.1:4000 [25/Feb/2019:16:20:10.111] \
             ssh_in ssh/srv1 0/0/5007 212 -- 1/1/1/1/0 0/0",
        ];
        for line in lines {
            assert!(
                matches!(parse(&Haproxy, line), LineOutcome::NotAccess),
                "{line}"
            );
        }
        assert!(matches!(parse(&Haproxy, ""), LineOutcome::Blank));
    }

    #[test]
    fn haproxy_invalid_lines() {
        let cases = [
            (
                HAPROXY_LINE.replace("25/Feb/2019", "25/Fev/2019"),
                "invalid accept date",
            ),
            (
                HAPROXY_LINE.replace("0/0/7/1457/1487", "0/7/1457/1487"),
                "timers are not TR/Tw/Tc/Tr/Ta",
            ),
            (HAPROXY_LINE.replace(" 429 ", " OK "), "invalid status"),
            (
                HAPROXY_LINE[..HAPROXY_LINE.find(" {").unwrap()].replace("0/0 ", ""),
                "missing fields before the request line",
            ),
            (
                HAPROXY_LINE[..HAPROXY_LINE.len() - 10].to_owned(),
                "missing or unterminated request line",
            ),
            (
                HAPROXY_LINE.replace("{} ", "{"),
                "missing or unterminated request line",
            ),
            (
                HAPROXY_LINE.replace("GET /admin/stats?survey=130 HTTP/1.1", "<BADREQ>"),
                "malformed request line",
            ),
        ];
        for (line, expected) in cases {
            assert_eq!(reason(&Haproxy, &line), expected, "line: {line}");
        }
    }

    #[test]
    fn prefixes_never_panic() {
        let parsers: [(&dyn LineParser, &str); 2] =
            [(&Envoy, ENVOY_LINE), (&Haproxy, HAPROXY_LINE)];
        for (parser, line) in parsers {
            for end in 0..=line.len() {
                let _ = parser.parse_line(&line.as_bytes()[..end], &mut ParseState::default());
                let _ = parser.parse_line(&line.as_bytes()[end..], &mut ParseState::default());
            }
            let _ = parser.parse_line(
                &[b'[', 0xff, b']', b' ', b'"', 0xfe],
                &mut ParseState::default(),
            );
        }
    }
}
