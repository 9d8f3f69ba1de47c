//! Fuzzes the rate-limit header reader with arbitrary status, header names and
//! values, body and clock.

#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ratelint::model::{RateLimitSignals, Timestamp};

/// Header names that the reader recognises, so that most inputs reach the value
/// parsers instead of being ignored as unknown headers.
const NAMES: &[&str] = &[
    "Retry-After",
    "Date",
    "RateLimit",
    "RateLimit-Policy",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "X-RateLimit-Reset-After",
    "X-Rate-Limit-Limit",
    "X-Rate-Limit-Remaining",
    "X-Rate-Limit-Reset",
    "X-RateLimit-Used",
    "X-Ratelimit-Resource",
];

#[derive(Arbitrary, Debug)]
struct Header {
    /// Index into `NAMES`, or `None` for the fuzzed name.
    known: Option<u8>,
    name: String,
    value: String,
}

#[derive(Arbitrary, Debug)]
struct Response {
    status: u16,
    headers: Vec<Header>,
    body: Option<String>,
    received_at_micros: i64,
}

fuzz_target!(|response: Response| {
    let headers: Vec<(&str, &str)> = response
        .headers
        .iter()
        .map(|header| {
            let name = match header.known {
                Some(index) => NAMES[usize::from(index) % NAMES.len()],
                None => header.name.as_str(),
            };
            (name, header.value.as_str())
        })
        .collect();
    let received_at = Timestamp::from_micros(response.received_at_micros);
    let signals = RateLimitSignals::from_response(
        response.status,
        &headers,
        response.body.as_deref(),
        received_at,
    );
    if let Some(retry) = &signals.retry_after {
        assert!(retry.delay_ms >= 0, "negative Retry-After delay {retry:?}");
    }
    let _ = signals.wait_until(received_at);
});
