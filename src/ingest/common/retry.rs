//! The retry attempt that a client announces in its request headers, read the same way
//! from HAR request headers and from headers that an access log records.

/// Reads the retry attempt a client announces in its request headers.
pub(crate) fn retry_attempt(headers: &[(&str, &str)]) -> Option<u32> {
    for &(name, value) in headers {
        let attempt = if name.eq_ignore_ascii_case("x-okta-retry-count")
            || name.eq_ignore_ascii_case("retry-attempt")
            || name.eq_ignore_ascii_case("x-stainless-retry-count")
        {
            value.trim().parse().ok()
        } else if name.eq_ignore_ascii_case("amz-sdk-request") {
            // AWS SDKs send `attempt=N; max=M`.
            value
                .split(';')
                .find_map(|part| part.trim().strip_prefix("attempt="))
                .and_then(|n| n.trim().parse().ok())
        } else {
            None
        };
        if attempt.is_some() {
            return attempt;
        }
    }
    None
}
