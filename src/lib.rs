//! ratelint: finds the client behaviour that gets an application rate-limited, in
//! captured HTTP traffic.
//!
//! Data flows one way: [`ingest`] parses inputs into [`model::Exchange`]s, [`rules`]
//! turn exchanges into findings, and [`report`] renders them. [`analyze`] wires the
//! steps together.

pub mod analyze;
pub mod baseline;
pub mod config;
pub mod ingest;
pub mod model;
pub mod redact;
pub mod report;
pub mod rules;
pub mod sanitize;
