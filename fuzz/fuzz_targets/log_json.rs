//! Fuzzes the JSON-lines formats: Caddy, Cloudflare Logpush, and generic JSON read
//! through `--field` mappings.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use ratelint::ingest::log::formats::{FormatOptions, LogFormatName};

fuzz_target!(|data: &[u8]| {
    // A fixed mapping that covers every kind of field, including nested paths.
    let fields = [
        ("time", "ts"),
        ("status", "status"),
        ("method", "request.method"),
        ("path", "request.uri"),
        ("host", "request.host"),
        ("duration_ms", "duration"),
        ("client", "remote_ip"),
        ("user_agent", "headers.User-Agent"),
        ("header.Retry-After", "resp_headers.Retry-After"),
    ]
    .iter()
    .map(|(name, field)| (name.to_string(), field.to_string()))
    .collect();
    let options = FormatOptions {
        log_format: None,
        fields,
    };
    common::run_formats(
        data,
        &[
            LogFormatName::Caddy,
            LogFormatName::Cloudflare,
            LogFormatName::Json,
        ],
        &options,
    );
});
