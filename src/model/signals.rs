//! Rate-limit signals read from response headers and bodies.
//!
//! Every response of a capture passes through [`RateLimitSignals::from_response`], so
//! header names are compared in place, values are parsed without regular expressions,
//! and nothing is allocated for a response without rate-limit headers. Servers send
//! many non-standard variants, so values are read leniently and never cause an error.
//! docs/rate-limit-signals.md lists the families read and the rules applied.

mod headers;
mod http_date;
mod quota;
mod structured;
mod values;

use serde::Serialize;

use super::time::Timestamp;
use headers::Field;
use quota::QuotaReader;

/// The rate-limit information that one response carries.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RateLimitSignals {
    pub retry_after: Option<RetryAfter>,
    pub quota: Option<Quota>,
    /// Set when the response throttles the client.
    pub throttle: Option<Throttle>,
    /// A `Retry-After` header was present (outside a redirect) and at least one of its
    /// values could not be read. `retry_after` still contains any value that could.
    pub retry_after_malformed: bool,
}

/// A parsed `Retry-After` value.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RetryAfter {
    pub form: RetryAfterForm,
    /// Wait requested by the server, in milliseconds from the moment the response was
    /// received, never negative. For an HTTP-date it is measured against the response's
    /// own `Date` header when present (server clock), else against the exchange time.
    pub delay_ms: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryAfterForm {
    /// Delta-seconds, including the non-standard decimal (`2.0`) and Go duration
    /// (`1m0s`) forms.
    Seconds,
    /// `Sun, 06 Nov 1994 08:49:37 GMT`
    ImfFixdate,
    /// `Sunday, 06-Nov-94 08:49:37 GMT`
    Rfc850,
    /// `Sun Nov  6 08:49:37 1994`
    Asctime,
}

/// The header family a quota was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum QuotaFamily {
    /// `X-Rate-Limit-*` (Okta, X).
    XRateDashLimit,
    /// `X-RateLimit-*` (GitHub and many others).
    XRateLimit,
    /// `RateLimit-Limit`/`-Remaining`/`-Reset` (IETF draft up to -06).
    RateLimitDraft,
    /// Structured `RateLimit` and `RateLimit-Policy` fields (IETF draft -07 and later).
    RateLimitStructured,
    /// `X-Shopify-Shop-Api-Call-Limit: used/bucket`.
    Shopify,
}

/// Quota state announced by a response.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Quota {
    pub family: QuotaFamily,
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    pub used: Option<u64>,
    /// Time until the quota resets, in milliseconds from the moment the response was
    /// received (converted from epoch seconds or milliseconds against the server's `Date`
    /// when needed). The earliest value wins when the header appears twice.
    pub reset_delay_ms: Option<i64>,
    /// Quota window in seconds, from a policy field (`w=60`), when announced.
    pub window_s: Option<u64>,
    /// GitHub's `X-RateLimit-Resource` or a structured field's policy name.
    pub resource: Option<String>,
}

/// Reason a response counts as throttled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Throttle {
    /// 429 Too Many Requests.
    TooManyRequests,
    /// 503 with a Retry-After header.
    ServiceUnavailable,
    /// 403 with a remaining quota of 0 (GitHub's primary and secondary limits).
    QuotaExhausted,
    /// A response carrying Okta's rate-limit error code `E0000047`.
    OktaRateLimit,
    /// Okta's concurrency violation, announced with `X-Rate-Limit-Limit: 0`.
    ConcurrencyLimit,
    /// A proxy or CDN marked the request as rate limited in its own access log: Envoy's
    /// `RL` response flag, CloudFront's `LimitExceeded` or `CapacityExceeded` edge
    /// result. Such responses need not be 429: CloudFront sends 503 when an edge location
    /// lacks capacity (CloudFront developer guide, "HTTP 503 status code").
    ProxyRateLimit,
    /// A status that the user declared as throttling for this input
    /// (`--throttle-status`), such as nginx `limit_req`'s default 503.
    DeclaredStatus,
}

impl RateLimitSignals {
    /// Reads the signals of one response.
    ///
    /// `headers` are the response headers as captured (any case, duplicates kept),
    /// `body` the start of the response body when the capture holds it, and
    /// `received_at` the instant the response was complete, used when no `Date`
    /// header gives the server clock. Unreadable values are skipped (and flagged in
    /// `retry_after_malformed` for Retry-After), so this never fails.
    pub fn from_response(
        status: u16,
        headers: &[(&str, &str)],
        body: Option<&str>,
        received_at: Timestamp,
    ) -> Self {
        // Allocated only when a rate-limit header is present.
        let mut fields: Vec<(Field, &str)> = Vec::new();
        for &(name, value) in headers {
            match headers::classify(name) {
                None | Some(Field::Date) => {}
                Some(field) => fields.push((field, value)),
            }
        }
        if fields.is_empty() {
            return RateLimitSignals {
                throttle: classify_throttle(status, false, None, false, body),
                ..RateLimitSignals::default()
            };
        }

        // The server clock from the first readable `Date`, so that dates and epoch
        // resets are not shifted by the skew of the capturing client's clock.
        let server_now = headers
            .iter()
            .filter(|(name, _)| headers::classify(name) == Some(Field::Date))
            .flat_map(|(_, value)| values::list_members(value))
            .find_map(|member| http_date::parse_http_date(member, received_at))
            .map_or(received_at, |(instant, _)| instant);

        let is_redirect = (300..400).contains(&status);
        let mut retry = RetryAfterReading::default();
        let mut quotas = QuotaReader::default();
        for (field, value) in fields {
            match field {
                // RFC 9110 section 10.2.3: on a redirect, Retry-After is the time to
                // wait before following it. `Retry-After: 0` on a 301 is common and is
                // no throttling signal.
                Field::RetryAfter if is_redirect => {}
                Field::RetryAfter => retry.add(value, server_now),
                _ => quotas.add(field, value, server_now),
            }
        }

        let reading = quotas.finish();
        let throttle = classify_throttle(
            status,
            retry.present,
            reading.quota.as_ref(),
            reading.dash_limit_zero,
            body,
        );
        RateLimitSignals {
            retry_after: retry.value,
            quota: reading.quota,
            throttle,
            retry_after_malformed: retry.malformed,
        }
    }

    /// Instant before which the client should not send again: the Retry-After delay,
    /// else the quota reset when the remaining quota is 0, counted from `received_at`.
    pub fn wait_until(&self, received_at: Timestamp) -> Option<Timestamp> {
        if let Some(retry) = &self.retry_after {
            return Some(received_at.saturating_add_micros(retry.delay_ms.saturating_mul(1_000)));
        }
        let quota = self.quota.as_ref()?;
        if quota.remaining == Some(0) {
            let reset = quota.reset_delay_ms?;
            return Some(received_at.saturating_add_micros(reset.max(0).saturating_mul(1_000)));
        }
        None
    }
}

/// The `Retry-After` headers of a response, read one value at a time.
#[derive(Default)]
struct RetryAfterReading {
    present: bool,
    malformed: bool,
    value: Option<RetryAfter>,
}

impl RetryAfterReading {
    fn add(&mut self, header_value: &str, server_now: Timestamp) {
        self.present = true;
        let mut members = 0;
        for member in values::list_members(header_value) {
            members += 1;
            let Some(parsed) = values::parse_retry_after(member, server_now) else {
                self.malformed = true;
                continue;
            };
            // Repeated values keep the shortest wait, so that a client is only
            // blamed for ignoring every one of them.
            if self
                .value
                .as_ref()
                .is_none_or(|kept| parsed.delay_ms < kept.delay_ms)
            {
                self.value = Some(parsed);
            }
        }
        if members == 0 {
            self.malformed = true;
        }
    }
}

/// Returns why a response counts as throttled, or `None`. Redirects never count.
fn classify_throttle(
    status: u16,
    retry_after_present: bool,
    quota: Option<&Quota>,
    dash_limit_zero: bool,
    body: Option<&str>,
) -> Option<Throttle> {
    if (300..400).contains(&status) {
        return None;
    }
    if status == 429 {
        // During a concurrency violation, Okta's `X-Rate-Limit-*` headers describe the
        // concurrency limit instead of the per-minute bucket (Okta developer
        // documentation, "Rate limit best practices"), and its 429 then carries
        // `X-Rate-Limit-Limit: 0`.
        return Some(if dash_limit_zero {
            Throttle::ConcurrencyLimit
        } else {
            Throttle::TooManyRequests
        });
    }
    if body.is_some_and(has_okta_rate_limit_code) {
        return Some(Throttle::OktaRateLimit);
    }
    // RFC 9110 section 15.6.4: a 503 may carry Retry-After to say how long the
    // overload lasts. Without it, a 503 is read as an outage, not as throttling.
    if status == 503 && retry_after_present {
        return Some(Throttle::ServiceUnavailable);
    }
    // GitHub returns 403 for exhausted primary and secondary limits, with a remaining
    // quota of 0. A 403 without it is an authorisation failure.
    if status == 403 && quota.is_some_and(|q| q.remaining == Some(0)) {
        return Some(Throttle::QuotaExhausted);
    }
    None
}

/// Checks whether a JSON body carries Okta's rate-limit error, `"errorCode": "E0000047"`.
/// The body may be truncated, so it is scanned instead of parsed.
fn has_okta_rate_limit_code(body: &str) -> bool {
    const CODE: &[u8] = b"\"E0000047\"";
    const KEY: &[u8] = b"\"errorCode\"";
    let bytes = body.as_bytes();
    if memchr::memmem::find(bytes, CODE).is_none() {
        return false;
    }
    memchr::memmem::find_iter(bytes, KEY).any(|position| {
        let rest = bytes.get(position + KEY.len()..).unwrap_or_default();
        let rest = rest.trim_ascii_start();
        match rest.strip_prefix(b":") {
            Some(value) => value.trim_ascii_start().starts_with(CODE),
            None => false,
        }
    })
}
