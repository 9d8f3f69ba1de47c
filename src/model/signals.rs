//! Rate-limit signals read from response headers and bodies.

use serde::Serialize;

use super::time::Timestamp;

/// Everything a response says about rate limiting.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RateLimitSignals {
    pub retry_after: Option<RetryAfter>,
    pub quota: Option<Quota>,
    /// Set when the response is a throttling answer.
    pub throttle: Option<Throttle>,
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

/// Why a response counts as throttled.
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
}

impl RateLimitSignals {
    /// Reads the signals of one response.
    ///
    /// `headers` are the response headers as captured (any case, duplicates kept),
    /// `body` the start of the response body when the capture holds it, and
    /// `received_at` the instant the response was complete, used when no `Date`
    /// header gives the server clock.
    pub fn from_response(
        status: u16,
        headers: &[(&str, &str)],
        body: Option<&str>,
        received_at: Timestamp,
    ) -> Self {
        let _ = (status, headers, body, received_at);
        RateLimitSignals::default()
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
