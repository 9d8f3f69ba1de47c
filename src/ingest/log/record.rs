//! The format-independent access-log record, and its conversion into an exchange.

use std::borrow::Cow;
use std::sync::Arc;

use crate::model::{Exchange, Source, Throttle, TimePrecision, Timestamp};

/// Which instant a log line's timestamp marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoggedTime {
    /// The request arrived (Apache `%t`, AWS ALB `request_creation_time`, Envoy
    /// `START_TIME`, HAProxy's accept date).
    Start,
    /// The response was complete (nginx `$time_local`, `$time_iso8601` and `$msec`,
    /// IIS and CloudFront `date time`, AWS ALB and ELB `time`).
    End,
}

/// One access-log entry, borrowing from its line where it can.
#[derive(Clone, Debug)]
pub struct LogRecord<'a> {
    pub time: Timestamp,
    pub logged_time: LoggedTime,
    pub precision: TimePrecision,
    /// Time from request to complete response, in microseconds, when logged.
    pub duration_us: Option<i64>,
    /// Address of the peer that sent the request, without the port.
    pub client_addr: Option<Cow<'a, str>>,
    /// The `X-Forwarded-For` value as logged (a comma-separated list, client first).
    pub forwarded_for: Option<Cow<'a, str>>,
    pub user_agent: Option<Cow<'a, str>>,
    /// Request method as logged; converted to upper case later.
    pub method: Cow<'a, str>,
    /// `http`/`https` when the format logs it.
    pub scheme: Option<Cow<'a, str>>,
    /// Host the request went to (`Host` header, SNI, CloudFront distribution), when
    /// logged.
    pub host: Option<Cow<'a, str>>,
    /// Request target: origin form (`/path?query`) or absolute URL.
    pub target: Cow<'a, str>,
    /// Response status; 0 when the server sent none (client closed, ALB `-`).
    pub status: u16,
    pub response_size: Option<u64>,
    /// Response headers that the format logged (`$sent_http_retry_after`,
    /// `%{Retry-After}o`, Caddy `resp_headers`), as (name, value).
    pub response_headers: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Request headers that the format logged (`$http_x_okta_retry_count`, `%{...}i`).
    pub request_headers: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    /// Throttling that the server marked in the log itself: Envoy's `RL` response
    /// flag, CloudFront's `LimitExceeded` edge result.
    pub throttle: Option<Throttle>,
    /// Every other named field, for `--client-key field:NAME`.
    pub fields: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

/// How the client of a log line is identified.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum ClientKey {
    /// The first `X-Forwarded-For` hop when logged, else the peer address.
    #[default]
    Auto,
    /// The peer address.
    Ip,
    /// The first `X-Forwarded-For` hop, falling back to the peer address.
    Xff,
    UserAgent,
    /// A named field of the format (`field:NAME`).
    Field(String),
}

/// Settings for turning records into exchanges.
#[derive(Clone, Debug, Default)]
pub struct ConvertOptions {
    pub client_key: ClientKey,
    /// Host for records whose format logs none, e.g. the file's server name.
    pub default_host: Option<Arc<str>>,
}

/// Turns a record into an exchange, or returns why it cannot become one.
pub fn to_exchange(
    record: &LogRecord<'_>,
    source: Source,
    options: &ConvertOptions,
) -> Result<Exchange, Cow<'static, str>> {
    let _ = (record, source, options);
    Err(Cow::Borrowed("log conversion is not implemented yet"))
}
