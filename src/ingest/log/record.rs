//! The format-independent access-log record, and its conversion into an exchange.

use std::borrow::Cow;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use crate::ingest::common::hash::Fnv64;
use crate::ingest::common::kind::from_extension;
use crate::ingest::common::retry::retry_attempt;
use crate::ingest::common::url::{normalise_host, query_keys, split_url};
use crate::model::template::template_path;
use crate::model::{
    Exchange, RateLimitSignals, ResourceKind, Source, StartOrigin, Throttle, TimePrecision,
    Timestamp,
};

/// The instant that a log line's timestamp marks.
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

impl LogRecord<'_> {
    /// Returns the value of a named field, matching the name exactly, else ignoring
    /// ASCII case.
    pub fn field(&self, name: &str) -> Option<&str> {
        let found = self
            .fields
            .iter()
            .find(|(field, _)| field == name)
            .or_else(|| {
                self.fields
                    .iter()
                    .find(|(field, _)| field.eq_ignore_ascii_case(name))
            });
        found.map(|(_, value)| value.as_ref())
    }
}

/// Method of identifying the client of a log line.
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
    /// Statuses that the operator declares as throttling (`--throttle-status`), such as
    /// nginx `limit_req`'s default 503.
    pub throttle_statuses: Vec<u16>,
}

/// Host of records whose format logs no host and whose target is not absolute. Reports
/// show it as it is, so it reads as a phrase.
pub const UNKNOWN_HOST: &str = "(host not logged)";

/// Turns a record into an exchange, or returns why it cannot become one.
///
/// This builds a fresh [`Interner`] per call; readers that convert many records use
/// [`Interner::to_exchange`] so that lines share their client, host and template strings.
pub fn to_exchange(
    record: &LogRecord<'_>,
    source: Source,
    options: &ConvertOptions,
) -> Result<Exchange, Cow<'static, str>> {
    Interner::default().to_exchange(record, source, options)
}

/// Shared copies of the strings that many lines repeat: clients, hosts, methods,
/// schemes and templates. One interner serves one chunk of one input.
#[derive(Debug, Default)]
pub struct Interner {
    strings: HashMap<Box<str>, Arc<str>>,
    templates: HashMap<Box<str>, Arc<str>>,
}

impl Interner {
    /// Returns the shared copy of `value`, creating it on first use.
    pub fn intern(&mut self, value: &str) -> Arc<str> {
        if let Some(shared) = self.strings.get(value) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(value);
        self.strings.insert(Box::from(value), shared.clone());
        shared
    }

    /// Returns the shared endpoint template of `path`, computing it once per path.
    /// NOTE: the path cache grows with every distinct path of a chunk, so a log with
    /// a unique path per line keeps one entry per line.
    fn template(&mut self, path: &str) -> Arc<str> {
        if let Some(shared) = self.templates.get(path) {
            return shared.clone();
        }
        // Paths that differ only in ids share one template string.
        let shared = self.intern(&template_path(path));
        self.templates.insert(Box::from(path), shared.clone());
        shared
    }

    /// Turns a record into an exchange, or returns why it cannot become one.
    pub fn to_exchange(
        &mut self,
        record: &LogRecord<'_>,
        source: Source,
        options: &ConvertOptions,
    ) -> Result<Exchange, Cow<'static, str>> {
        let method = record.method.trim();
        if method.is_empty() || method == "-" {
            return Err(Cow::Borrowed("the line logs no request method"));
        }
        // Most logs write methods in upper case already, so this rarely allocates.
        let method: Cow<'_, str> = if method.bytes().any(|b| b.is_ascii_lowercase()) {
            Cow::Owned(method.to_ascii_uppercase())
        } else {
            Cow::Borrowed(method)
        };
        let target = Target::parse(&method, record.target.trim())?;

        let scheme: Cow<'_, str> = record
            .scheme
            .as_deref()
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty() && s != "-")
            .or_else(|| target.scheme.clone())
            .map_or(Cow::Borrowed("-"), Cow::Owned);
        let host: Cow<'_, str> = record
            .host
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty() && *h != "-")
            .and_then(|h| normalise_host(h, default_port(&scheme)))
            .or_else(|| target.host.clone())
            .map(Cow::Owned)
            .or_else(|| options.default_host.as_deref().map(Cow::Borrowed))
            .unwrap_or(Cow::Borrowed(UNKNOWN_HOST));

        let (start, start_origin) = match (record.logged_time, record.duration_us) {
            (LoggedTime::Start, _) => (record.time, StartOrigin::Recorded),
            (LoggedTime::End, Some(duration)) => (
                record.time.saturating_add_micros(-duration.max(0)),
                StartOrigin::EndMinusDuration,
            ),
            (LoggedTime::End, None) => (record.time, StartOrigin::EndWithoutDuration),
        };
        let received_at = start.saturating_add_micros(record.duration_us.unwrap_or(0).max(0));

        let response_headers: Vec<(&str, &str)> = record
            .response_headers
            .iter()
            .map(|(name, value)| (&**name, &**value))
            .collect();
        let mut signals =
            RateLimitSignals::from_response(record.status, &response_headers, None, received_at);
        // A mark the server wrote itself (Envoy's `RL` flag, CloudFront's
        // `LimitExceeded`) is more direct evidence than any header.
        if record.throttle.is_some() {
            signals.throttle = record.throttle;
        }
        // nginx `limit_req` and `limit_conn` respond with a bare 503 unless configured
        // otherwise, but an overloaded upstream does too, so a 503 without Retry-After is
        // throttling only when the operator says so.
        if signals.throttle.is_none() && options.throttle_statuses.contains(&record.status) {
            signals.throttle = Some(Throttle::DeclaredStatus);
        }

        let request_headers: Vec<(&str, &str)> = record
            .request_headers
            .iter()
            .map(|(name, value)| (&**name, &**value))
            .collect();

        // The whole target, query values included, goes only into this hash.
        let mut request_hash = Fnv64::new();
        request_hash.write(method.as_bytes());
        request_hash.separate();
        request_hash.write(record.target.trim().as_bytes());
        request_hash.separate();
        request_hash.write(host.as_bytes());

        let kind = match from_extension(target.path) {
            Some(kind) if kind.is_static_asset() => kind,
            _ => ResourceKind::Api,
        };
        let client = client_key(record, &options.client_key);

        Ok(Exchange {
            source,
            client: self.intern(&client),
            start,
            start_origin,
            precision: record.precision,
            duration_us: record.duration_us,
            method: self.intern(&method),
            scheme: self.intern(&scheme),
            host: self.intern(&host),
            path: target.path.into(),
            template: self.template(target.path),
            query_keys: query_keys(target.query),
            request_hash: request_hash.finish(),
            status: record.status,
            response_size: record.response_size,
            response_hash: None,
            cache_hit: false,
            kind,
            signals,
            retry_attempt: retry_attempt(&request_headers),
            listed_ids: Vec::new(),
        })
    }
}

/// The parts of a logged request target.
struct Target<'a> {
    scheme: Option<String>,
    host: Option<String>,
    path: &'a str,
    query: Option<&'a str>,
}

impl<'a> Target<'a> {
    /// Splits an origin-form (`/path?query`), absolute (`https://host/path`),
    /// asterisk (`OPTIONS *`) or authority-form (`CONNECT host:443`) target.
    fn parse(method: &str, target: &'a str) -> Result<Self, Cow<'static, str>> {
        if target.is_empty() || target == "-" {
            return Err(Cow::Borrowed("the line logs no request target"));
        }
        if target.starts_with('/') || target == "*" {
            let target = &target[..target.find('#').unwrap_or(target.len())];
            let (path, query) = match target.split_once('?') {
                Some((path, query)) => (path, Some(query)),
                None => (target, None),
            };
            return Ok(Target {
                scheme: None,
                host: None,
                path,
                query,
            });
        }
        if method == "CONNECT" {
            return Ok(Target {
                scheme: None,
                host: normalise_host(target, ""),
                path: "/",
                query: None,
            });
        }
        match split_url(target) {
            Ok(parts) => Ok(Target {
                scheme: Some(parts.scheme),
                host: Some(parts.host),
                path: parts.path,
                query: parts.query,
            }),
            Err(_) => Err(Cow::Borrowed(
                "the request target is neither a path nor an absolute http(s) URL",
            )),
        }
    }
}

/// Returns the default port of a scheme, or `""` when the scheme is not logged.
fn default_port(scheme: &str) -> &'static str {
    match scheme {
        "http" | "ws" => "80",
        "https" | "wss" => "443",
        _ => "",
    }
}

/// Returns the client key of a record; `-` when the chosen field is not logged.
fn client_key<'r>(record: &'r LogRecord<'_>, key: &ClientKey) -> Cow<'r, str> {
    let peer = || {
        record
            .client_addr
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty() && *a != "-")
            .map(Cow::Borrowed)
    };
    let value = match key {
        ClientKey::Auto | ClientKey::Xff => record
            .forwarded_for
            .as_deref()
            .and_then(first_forwarded_hop)
            .map(Cow::Owned)
            .or_else(peer),
        ClientKey::Ip => peer(),
        ClientKey::UserAgent => record
            .user_agent
            .as_deref()
            .map(str::trim)
            .filter(|ua| !ua.is_empty() && *ua != "-")
            .map(Cow::Borrowed),
        ClientKey::Field(name) => record
            .field(name)
            .map(str::trim)
            .filter(|v| !v.is_empty() && *v != "-")
            .map(Cow::Borrowed),
    };
    value.unwrap_or(Cow::Borrowed("-"))
}

/// Returns the first hop of an `X-Forwarded-For` list when it is an IP address,
/// without a port. Proxies append hops, so the first is the original client. Values
/// such as `unknown`, `-` or obfuscated names are not addresses, so the caller falls
/// back to the peer address.
pub(crate) fn first_forwarded_hop(list: &str) -> Option<String> {
    let first = list.split(',').next()?.trim().trim_matches('"');
    if let Ok(address) = first.parse::<IpAddr>() {
        return Some(address.to_string());
    }
    // `[2001:db8::1]:4711` and `192.0.2.1:4711` carry a port.
    let host = match first.strip_prefix('[') {
        Some(bracketed) => bracketed.split_once(']')?.0,
        None => first.rsplit_once(':').map_or(first, |(host, _)| host),
    };
    host.parse::<IpAddr>()
        .ok()
        .map(|address| address.to_string())
}

#[cfg(test)]
mod tests;
