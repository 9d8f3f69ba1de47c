//! Fuzzes the nginx and Apache parsers, whose formats compile from a format string:
//! the presets, and a format string taken from the input's first line.

#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use ratelint::ingest::log::formats::{FormatOptions, LogFormatName};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    // Even selectors read the rest with a preset; odd ones compile the first line of
    // the rest as an nginx or Apache format string and read the other lines with it.
    if selector % 2 == 0 {
        common::run_formats(
            data,
            &[
                LogFormatName::Nginx,
                LogFormatName::NginxIngress,
                LogFormatName::Common,
                LogFormatName::Combined,
            ],
            &FormatOptions::default(),
        );
        return;
    }
    let (format, lines) = match rest.iter().position(|b| *b == b'\n') {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let options = FormatOptions {
        log_format: Some(String::from_utf8_lossy(format).into_owned()),
        fields: Vec::new(),
    };
    let name = if selector & 2 == 0 {
        LogFormatName::Nginx
    } else {
        LogFormatName::Apache
    };
    if let Ok(parser) = ratelint::ingest::log::formats::parser_for(name, &options) {
        common::run_parser(parser.as_ref(), lines);
    }
});
