//! Fuzzes the proxy formats: Envoy's default access log and HAProxy's HTTP log.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use ratelint::ingest::log::formats::{FormatOptions, LogFormatName};

fuzz_target!(|data: &[u8]| {
    common::run_formats(
        data,
        &[LogFormatName::Envoy, LogFormatName::Haproxy],
        &FormatOptions::default(),
    );
});
