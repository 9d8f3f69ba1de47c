//! Normalised exchanges: what every input format is turned into before any rule runs.
//!
//! An [`Exchange`] is one request and its response, stripped to what rate-limit analysis
//! needs. Query values, bodies and credentials are not kept: URLs and bodies survive only
//! as hashes, so nothing secret can reach a report from here.

pub mod hash;
pub mod overview;
pub mod signals;
pub mod template;
#[doc(hidden)]
pub mod testkit;
pub mod time;

use std::sync::Arc;

use serde::Serialize;

pub use signals::{Quota, QuotaFamily, RateLimitSignals, RetryAfter, RetryAfterForm, Throttle};
pub use time::Timestamp;

/// Origin of an exchange: an input (index into the run's input list) and a position
/// inside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Source {
    pub input: u32,
    pub position: Position,
}

/// Position of a record inside its input file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    /// Zero-based index in a HAR `log.entries` array.
    Entry(u64),
    /// One-based line number in a text log.
    Line(u64),
}

/// Kind of the requested resource, as far as the capture shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    /// An API call: XHR, fetch, or a JSON/XML response from a non-browser client.
    Api,
    Document,
    Script,
    Style,
    Image,
    Font,
    Media,
    /// WebSocket upgrades, beacons, manifests and the like.
    Other,
}

impl ResourceKind {
    /// Static assets are fetched by a browser's page load and never count as API traffic.
    pub fn is_static_asset(self) -> bool {
        matches!(
            self,
            ResourceKind::Script
                | ResourceKind::Style
                | ResourceKind::Image
                | ResourceKind::Font
                | ResourceKind::Media
        )
    }
}

/// Precision of an exchange's start time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimePrecision {
    Microseconds,
    Milliseconds,
    Seconds,
}

/// The instant an input recorded for a request, which determines how
/// [`Exchange::start`] was obtained. HAR files and Apache's `%t` record the start; nginx's `$time_local` and
/// `$msec` are written when the response is complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StartOrigin {
    /// The input recorded the start.
    Recorded,
    /// The input recorded the end; the start is the end minus the logged duration.
    EndMinusDuration,
    /// The input recorded the end and no duration, so `start` is the end: later than
    /// the real start by the unknown duration.
    EndWithoutDuration,
}

/// One request and its response, normalised.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub source: Source,
    /// Client key of the sender. A HAR capture is one client, named after its file.
    pub client: Arc<str>,
    /// When the request started, in UTC.
    pub start: Timestamp,
    pub start_origin: StartOrigin,
    pub precision: TimePrecision,
    /// Total time until the response was complete, in microseconds, when known.
    pub duration_us: Option<i64>,
    /// Upper-case request method, e.g. `GET`.
    pub method: Arc<str>,
    /// `https`, `http`, `wss`, ...
    pub scheme: Arc<str>,
    /// Lower-case host name, with the port when it is not the scheme's default.
    pub host: Arc<str>,
    /// The URL path as sent, without the query.
    pub path: Box<str>,
    /// Endpoint template of `path`, e.g. `/api/v1/users/{id}`.
    pub template: Arc<str>,
    /// Sorted, de-duplicated query parameter names. Values are dropped.
    pub query_keys: Vec<Box<str>>,
    /// Hash of the method, the full URL with query values and the request body: equal
    /// hashes mean the same request was sent again.
    pub request_hash: u64,
    /// Response status; 0 when no response arrived.
    pub status: u16,
    /// Response body size in bytes, when known.
    pub response_size: Option<u64>,
    /// Hash of the response body, when the capture contains it.
    pub response_hash: Option<u64>,
    /// Served from a browser cache, so no request reached the network.
    pub cache_hit: bool,
    pub kind: ResourceKind,
    pub signals: RateLimitSignals,
    /// Retry attempt number announced by the client (`X-Okta-Retry-Count`,
    /// `amz-sdk-request: attempt=N`, `Retry-Attempt`, `x-stainless-retry-count`).
    pub retry_attempt: Option<u32>,
    /// Identifiers of the items in a list response body (the `id` of each object in a
    /// top-level array or in a `data`/`items`/`results` array), capped in number.
    pub listed_ids: Vec<Box<str>>,
}

impl Exchange {
    /// Instant at which the response was complete, or the start when the duration is
    /// unknown.
    pub fn end(&self) -> Timestamp {
        self.start
            .saturating_add_micros(self.duration_us.unwrap_or(0).max(0))
    }

    /// Returns whether this exchange went to the network and is an API call, so it
    /// counts against a rate limit.
    pub fn is_api_call(&self) -> bool {
        !self.cache_hit && self.kind == ResourceKind::Api
    }

    /// Returns whether this exchange reached the network at all (static assets included).
    pub fn is_network(&self) -> bool {
        !self.cache_hit
    }

    pub fn is_throttled(&self) -> bool {
        self.signals.throttle.is_some()
    }

    /// Instant before which the server asked the client not to send again, from
    /// Retry-After, or from a Reset while Remaining is 0. Measured on the client clock.
    pub fn retry_allowed_at(&self) -> Option<Timestamp> {
        self.signals.wait_until(self.end())
    }

    /// Returns the endpoint: method plus template.
    pub fn endpoint(&self) -> Endpoint {
        Endpoint {
            method: self.method.clone(),
            template: self.template.clone(),
        }
    }
}

/// An endpoint: request method plus path template.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Endpoint {
    pub method: Arc<str>,
    pub template: Arc<str>,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.template)
    }
}

/// Sorts exchanges by start time; ties keep input order, so results are stable.
pub fn sort_exchanges(exchanges: &mut [Exchange]) {
    exchanges.sort_by_key(|e| (e.start, e.source));
}
