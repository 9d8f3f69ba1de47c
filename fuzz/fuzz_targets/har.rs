//! Feeds arbitrary bytes to the HAR reader, which must return entries or an error
//! message and never panic.

#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(loaded) = ratelint::ingest::har::parse_har(data, 0, Arc::from("fuzz")) {
        // Every exchange comes from a record, so there can never be more of them.
        assert!(loaded.exchanges.len() as u64 <= loaded.records);
    }
});
