//! Turning one parsed HAR entry into an [`Exchange`].

use std::sync::Arc;

use super::body;
use super::entry::{Entry, Header, Number, Response, Timings};
use super::kind::{self, KindHints};
use super::timestamp::parse_started;
use crate::ingest::common::hash::{self, Fnv64};
use crate::ingest::common::retry::retry_attempt;
use crate::ingest::common::url::{self, UrlProblem};
use crate::model::template::template_path;
use crate::model::{Exchange, Position, RateLimitSignals, Source, StartOrigin};

/// Input index and client, shared by every exchange of one file.
pub(super) struct Origin {
    pub input: u32,
    pub client: Arc<str>,
}

/// Converts an entry, or returns why it cannot be used.
pub(super) fn to_exchange(
    entry: &Entry<'_>,
    index: u64,
    origin: &Origin,
) -> Result<Exchange, String> {
    let request = entry
        .request
        .as_ref()
        .ok_or("the entry has no request object")?;
    let request_headers = request.headers.as_deref().unwrap_or_default();

    let raw_url = request
        .url
        .as_ref()
        .map(|url| url.as_str().trim())
        .filter(|url| !url.is_empty())
        .ok_or("the request has no URL")?;
    let rebuilt;
    let raw_url = if raw_url.starts_with('/') {
        rebuilt = url_from_pseudo_headers(raw_url, request_headers)
            .ok_or("the request URL is relative and has no :scheme and :authority")?;
        rebuilt.as_str()
    } else {
        raw_url
    };
    let url = url::split_url(raw_url).map_err(|problem| match problem {
        UrlProblem::NotNetwork(scheme) => {
            format!("a {scheme}: URL, which the browser serves without a network request")
        }
        UrlProblem::UnsupportedScheme(scheme) => {
            format!("the URL scheme {scheme}: is not HTTP or WebSocket")
        }
        UrlProblem::Invalid => "the request URL is not an absolute URL with a host".to_string(),
    })?;

    let started = entry
        .started
        .as_ref()
        .map(|s| s.as_str())
        .ok_or("the entry has no startedDateTime")?;
    let (start, precision) = parse_started(started).ok_or_else(|| {
        let shown_value = body::prefix_at_char(started, 40);
        format!("startedDateTime {shown_value:?} is not an ISO 8601 date-time")
    })?;

    let method = request
        .method
        .as_ref()
        .map(|m| m.as_str().trim())
        .filter(|m| !m.is_empty())
        .ok_or("the request has no method")?
        .to_ascii_uppercase();

    let response = entry.response.as_ref();
    let status = response.map_or(0, |r| status_code(r.status));
    let duration_us = duration_us(entry.time, entry.timings.as_ref());
    let content = response.and_then(|r| r.content.as_ref());
    let mime_type = content
        .and_then(|c| c.mime_type.as_ref())
        .map_or("", |m| m.as_str());
    let response_text = content.and_then(|c| c.text.as_ref()).map(|t| t.as_str());
    let encoding = content
        .and_then(|c| c.encoding.as_ref())
        .map(|e| e.as_str());
    let response_size = content
        .and_then(|c| c.size.non_negative())
        .or_else(|| response.and_then(|r| r.body_size.non_negative()))
        .map(|size| size as u64);

    let mut request_hash = Fnv64::new();
    request_hash.write(method.as_bytes());
    request_hash.separate();
    request_hash.write(url.sent.as_bytes());
    request_hash.separate();
    if let Some(text) = request.post_data.as_ref().and_then(|p| p.text.as_ref()) {
        request_hash.write(text.as_str().as_bytes());
    }

    let kind = kind::resource_kind(&KindHints {
        resource_type: entry.resource_type.as_ref().map(|t| t.as_str()),
        fetch_dest: header_value(request_headers, "sec-fetch-dest"),
        accept: header_value(request_headers, "accept"),
        user_agent: header_value(request_headers, "user-agent"),
        websocket: url.scheme.starts_with("ws") || status == 101,
        preflight: method == "OPTIONS"
            && header_value(request_headers, "access-control-request-method").is_some(),
        method: &method,
        status,
        mime_type,
        path: url.path,
    });

    let received_at = start.saturating_add_micros(duration_us.unwrap_or(0).max(0));
    let response_headers: Vec<(&str, &str)> = response
        .and_then(|r| r.headers.as_deref())
        .map(header_pairs)
        .unwrap_or_default();
    let json = body::is_json(mime_type);
    let body_prefix = match (json, response_text) {
        (true, Some(text)) => {
            body::decode_text(text, encoding, body_prefix_encoded_limit(encoding))
        }
        _ => None,
    };
    let body_prefix = body_prefix
        .as_deref()
        .map(|text| body::prefix_at_char(text, body::BODY_PREFIX_BYTES));
    let signals =
        RateLimitSignals::from_response(status, &response_headers, body_prefix, received_at);

    let listed_ids = match (json, response_text) {
        (true, Some(text)) => listed_ids(text, encoding),
        _ => Vec::new(),
    };

    Ok(Exchange {
        source: Source {
            input: origin.input,
            position: Position::Entry(index),
        },
        client: origin.client.clone(),
        start,
        start_origin: StartOrigin::Recorded,
        precision,
        duration_us,
        method: method.into(),
        scheme: url.scheme.into(),
        host: url.host.into(),
        path: url.path.into(),
        template: template_path(url.path).into(),
        query_keys: url::query_keys(url.query),
        request_hash: request_hash.finish(),
        status,
        response_size,
        response_hash: response_text.map(hash::hash_text),
        cache_hit: is_cache_hit(entry, status),
        kind,
        signals,
        retry_attempt: retry_attempt(&header_pairs(request_headers)),
        listed_ids,
    })
}

/// Encoded characters to decode for the body prefix: base64 needs 4 characters per
/// 3 bytes, and a cut is rounded down to a whole group.
fn body_prefix_encoded_limit(encoding: Option<&str>) -> usize {
    match encoding {
        Some(_) => (body::BODY_PREFIX_BYTES / 3 + 1) * 4,
        None => body::BODY_PREFIX_BYTES,
    }
}

/// Parses the ids of a list response, skipping bodies over the size cap.
fn listed_ids(text: &str, encoding: Option<&str>) -> Vec<Box<str>> {
    // Base64 text is 4/3 of the decoded size; anything longer is over the cap.
    if text.len() > body::MAX_LISTED_BODY_BYTES / 3 * 4 + 4 {
        return Vec::new();
    }
    match body::decode_text(text, encoding, usize::MAX) {
        Some(decoded) if decoded.len() <= body::MAX_LISTED_BODY_BYTES => body::listed_ids(&decoded),
        _ => Vec::new(),
    }
}

/// Reads a status code; -1, 0, fractions and values outside 0 to 999 become 0, "no
/// response".
fn status_code(status: Number) -> u16 {
    match status.value() {
        Some(code) if (1.0..1000.0).contains(&code) => code as u16,
        _ => 0,
    }
}

/// Total time in microseconds: `time` when it is a number of at least 0; when `time` is
/// absent, the sum of the timings that apply (HAR 1.2 defines `time` as that sum).
/// `time: null` or a negative `time` mean unknown.
fn duration_us(time: Number, timings: Option<&Timings>) -> Option<i64> {
    let millis = match time {
        Number::Missing => {
            let phases: Vec<f64> = timings?
                .phases()
                .iter()
                .filter_map(|p| p.non_negative())
                .collect();
            if phases.is_empty() {
                return None;
            }
            phases.iter().sum()
        }
        other => other.non_negative()?,
    };
    Some((millis * 1_000.0).round() as i64)
}

/// Decides whether a browser served the entry from its cache instead of the network.
///
/// A 304 response is not a cache hit by itself: the browser sent a conditional request,
/// and it counts against server limits like any other. Cache hits are:
/// - Chrome's `_fromCache` (`"memory"` or `"disk"`) and Safari's `_fetchType`
///   (`"Memory Cache"` or `"Disk Cache"`);
/// - a 2xx or 3xx response with no network timing (`time` and every phase 0 or -1) that
///   shows no bytes on the wire. Firefox 47 exports cached responses with `bodySize` or
///   `headersSize` 0, and Firefox 111 with no timings, no headers and `bodySize` -1.
fn is_cache_hit(entry: &Entry<'_>, status: u16) -> bool {
    let flag = entry
        .from_cache
        .as_ref()
        .map(|v| v.as_str().trim().to_ascii_lowercase());
    if flag.is_some_and(|v| !v.is_empty() && v != "false" && v != "no" && v != "0") {
        return true;
    }
    let safari = entry
        .fetch_type
        .as_ref()
        .map(|v| v.as_str().to_ascii_lowercase());
    if safari.is_some_and(|v| v.contains("cache")) {
        return true;
    }

    let Some(response) = entry.response.as_ref() else {
        return false;
    };
    if !(200..400).contains(&status) || !no_network_timing(entry) {
        return false;
    }
    nothing_transferred(response)
}

/// Returns whether the entry records timing and none of it shows network activity.
fn no_network_timing(entry: &Entry<'_>) -> bool {
    let phases = entry.timings.as_ref().map(Timings::phases);
    let recorded = entry.time != Number::Missing
        || phases.is_some_and(|p| p.iter().any(|n| *n != Number::Missing));
    let idle = |n: &Number| n.value().is_none_or(|v| v <= 0.0);
    recorded && idle(&entry.time) && phases.is_none_or(|p| p.iter().all(idle))
}

/// Returns whether the response shows no bytes on the wire.
fn nothing_transferred(response: &Response<'_>) -> bool {
    let zero = |n: Number| n.value() == Some(0.0);
    let no_headers = response.headers.as_ref().is_none_or(|h| h.is_empty());
    zero(response.transfer_size)
        || zero(response.body_size)
        || zero(response.headers_size)
        || (no_headers && response.body_size.non_negative().is_none())
}

/// Returns the (name, value) pairs of headers, without HTTP/2 and HTTP/3 pseudo-headers
/// (`:status`, `:authority`, ...) and without headers that lack a name.
fn header_pairs<'h>(headers: &'h [Header<'_>]) -> Vec<(&'h str, &'h str)> {
    headers
        .iter()
        .filter_map(|h| {
            let name = h.name.as_ref()?.as_str();
            let value = h.value.as_ref().map_or("", |v| v.as_str());
            (!name.starts_with(':') && !name.is_empty()).then_some((name, value))
        })
        .collect()
}

/// Returns the first value of a regular header, matched without regard to case.
fn header_value<'h>(headers: &'h [Header<'_>], name: &str) -> Option<&'h str> {
    headers.iter().find_map(|h| {
        let header = h.name.as_ref()?.as_str();
        header
            .eq_ignore_ascii_case(name)
            .then(|| h.value.as_ref().map_or("", |v| v.as_str()))
    })
}

/// Rebuilds an absolute URL from the `:scheme` and `:authority` pseudo-headers, for
/// exporters that write only the path of an HTTP/2 request.
fn url_from_pseudo_headers(path: &str, headers: &[Header<'_>]) -> Option<String> {
    let scheme = header_value(headers, ":scheme")?.trim();
    let authority = header_value(headers, ":authority")?.trim();
    (!scheme.is_empty() && !authority.is_empty()).then(|| format!("{scheme}://{authority}{path}"))
}
