//! Builders for exchanges in tests, so that rule tests describe traffic in a few lines.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use super::signals::{Quota, QuotaFamily, RetryAfter, RetryAfterForm, Throttle};
use super::{
    Exchange, Position, ResourceKind, Source, StartOrigin, TimePrecision, Timestamp, template,
};

/// Base instant of test traffic: 2026-03-01T10:00:00Z.
pub const T0_MS: i64 = 1_772_359_200_000;

/// Builds an exchange step by step.
#[derive(Clone, Debug)]
pub struct ExchangeBuilder {
    exchange: Exchange,
}

/// Starts an API call `method path` (the path may carry a query) at `T0_MS + offset_ms`,
/// with a 200 response after 100 ms, from client `test-client` to host `api.example.com`.
pub fn exchange(method: &str, path: &str, offset_ms: i64) -> ExchangeBuilder {
    let (path_only, query) = path.split_once('?').unwrap_or((path, ""));
    let mut query_keys: Vec<Box<str>> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split('=').next().unwrap_or(p).into())
        .collect();
    query_keys.sort();
    query_keys.dedup();
    let mut hasher = DefaultHasher::new();
    (method, path).hash(&mut hasher);
    ExchangeBuilder {
        exchange: Exchange {
            source: Source {
                input: 0,
                position: Position::Entry(0),
            },
            client: "test-client".into(),
            start: Timestamp::from_millis(T0_MS + offset_ms),
            start_origin: StartOrigin::Recorded,
            precision: TimePrecision::Milliseconds,
            duration_us: Some(100_000),
            method: method.into(),
            scheme: "https".into(),
            host: "api.example.com".into(),
            path: path_only.into(),
            template: template::template_path(path_only).into(),
            query_keys,
            request_hash: hasher.finish(),
            status: 200,
            response_size: Some(512),
            response_hash: None,
            cache_hit: false,
            kind: ResourceKind::Api,
            signals: Default::default(),
            retry_attempt: None,
            listed_ids: Vec::new(),
        },
    }
}

impl ExchangeBuilder {
    pub fn entry(mut self, index: u64) -> Self {
        self.exchange.source.position = Position::Entry(index);
        self
    }

    /// Places the exchange on line `line` of a text log. [`finish`] renumbers the
    /// lines but keeps them lines.
    pub fn line(mut self, line: u64) -> Self {
        self.exchange.source.position = Position::Line(line);
        self
    }

    /// Sets the index of the input the exchange comes from.
    pub fn input(mut self, input: u32) -> Self {
        self.exchange.source.input = input;
        self
    }

    /// Sets the timestamp precision. The start is left as it is, so round it first
    /// for [`TimePrecision::Seconds`].
    pub fn precision(mut self, precision: TimePrecision) -> Self {
        self.exchange.precision = precision;
        self
    }

    pub fn start_origin(mut self, origin: StartOrigin) -> Self {
        self.exchange.start_origin = origin;
        self
    }

    /// Removes the duration, as in a log that records none.
    pub fn no_duration(mut self) -> Self {
        self.exchange.duration_us = None;
        self
    }

    /// Makes the exchange look like a line of a coarse access log: whole-second end
    /// time and no duration, so the start is the end (nginx `$time_local` without
    /// `$request_time`). The start is rounded down to the second.
    pub fn coarse_log_line(mut self, line: u64) -> Self {
        let millis = self.exchange.start.micros().div_euclid(1_000);
        self.exchange.start = Timestamp::from_millis(millis - millis.rem_euclid(1_000));
        self.exchange.source.position = Position::Line(line);
        self.exchange.precision = TimePrecision::Seconds;
        self.exchange.start_origin = StartOrigin::EndWithoutDuration;
        self.exchange.duration_us = None;
        self
    }

    pub fn client(mut self, client: &str) -> Self {
        self.exchange.client = Arc::from(client);
        self
    }

    pub fn host(mut self, host: &str) -> Self {
        self.exchange.host = Arc::from(host);
        self
    }

    pub fn status(mut self, status: u16) -> Self {
        self.exchange.status = status;
        self
    }

    pub fn duration_ms(mut self, millis: i64) -> Self {
        self.exchange.duration_us = Some(millis * 1_000);
        self
    }

    pub fn kind(mut self, kind: ResourceKind) -> Self {
        self.exchange.kind = kind;
        self
    }

    pub fn cache_hit(mut self) -> Self {
        self.exchange.cache_hit = true;
        self
    }

    pub fn response_hash(mut self, hash: u64) -> Self {
        self.exchange.response_hash = Some(hash);
        self
    }

    pub fn request_hash(mut self, hash: u64) -> Self {
        self.exchange.request_hash = hash;
        self
    }

    pub fn listed_ids(mut self, ids: &[&str]) -> Self {
        self.exchange.listed_ids = ids.iter().map(|id| (*id).into()).collect();
        self
    }

    /// Marks the response as a 429 with `Retry-After: seconds`.
    pub fn throttled_429(mut self, retry_after_s: Option<i64>) -> Self {
        self.exchange.status = 429;
        self.exchange.signals.throttle = Some(Throttle::TooManyRequests);
        self.exchange.signals.retry_after = retry_after_s.map(|s| RetryAfter {
            form: RetryAfterForm::Seconds,
            delay_ms: s * 1_000,
        });
        self
    }

    /// Sets an Okta-style quota: limit, remaining and reset in milliseconds from the
    /// response.
    pub fn quota(mut self, limit: u64, remaining: u64, reset_delay_ms: i64) -> Self {
        self.exchange.signals.quota = Some(Quota {
            family: QuotaFamily::XRateDashLimit,
            limit: Some(limit),
            remaining: Some(remaining),
            used: None,
            reset_delay_ms: Some(reset_delay_ms),
            window_s: None,
            resource: None,
        });
        self
    }

    pub fn build(self) -> Exchange {
        self.exchange
    }
}

/// Numbers the exchanges' positions in order (entries from 0, log lines from 1) and
/// sorts them by start time.
pub fn finish(mut exchanges: Vec<Exchange>) -> Vec<Exchange> {
    for (index, exchange) in exchanges.iter_mut().enumerate() {
        exchange.source.position = match exchange.source.position {
            Position::Entry(_) => Position::Entry(index as u64),
            Position::Line(_) => Position::Line(index as u64 + 1),
        };
    }
    super::sort_exchanges(&mut exchanges);
    exchanges
}
