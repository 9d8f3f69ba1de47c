//! Fuzzes the cloud formats: AWS ALB, AWS Classic ELB and the W3C extended logs of
//! CloudFront and IIS, whose `#Fields:` directives carry state across lines.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use ratelint::ingest::log::formats::{FormatOptions, LogFormatName};

fuzz_target!(|data: &[u8]| {
    common::run_formats(
        data,
        &[
            LogFormatName::AwsAlb,
            LogFormatName::AwsElb,
            LogFormatName::Cloudfront,
            LogFormatName::Iis,
        ],
        &FormatOptions::default(),
    );
});
