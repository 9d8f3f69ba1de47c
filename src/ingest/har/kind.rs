//! Resource kind of an entry: API call, document or static asset.
//!
//! Rules count only API calls, so this decides whether a browser page load of sixty
//! images looks like sixty API calls. Evidence is taken from the most to the least
//! direct, and the first that decides wins:
//!
//! 1. Chrome's `_resourceType` (`xhr` and `fetch` are API calls).
//! 2. The `Sec-Fetch-Dest` request header that Chromium and Firefox send (`empty` is
//!    `fetch()` or XHR).
//! 3. A method other than GET or HEAD: browsers load assets with GET, so anything else
//!    is an API call.
//! 4. The response MIME type: JSON, XML, plain text, GraphQL and the like are API
//!    responses, HTML is a document, scripts, styles, images, fonts and media are assets.
//! 5. The extension of the last path segment (`.js`, `.css`, `.png`, `.woff2`, ...),
//!    which decides 304 and failed responses that carry no MIME type.
//! 6. An `Accept` header asking for HTML, CSS or images.
//! 7. Otherwise an empty or untyped response is an API call, because proxies and API
//!    clients (mitmproxy, Insomnia, Polly.js) record calls that carry no browser hints.
//!    A response with some other explicit MIME type (a PDF, a ZIP) is `Other`.

use crate::model::ResourceKind;

/// What an entry tells about its resource kind.
#[derive(Debug, Default)]
pub(super) struct KindHints<'a> {
    pub resource_type: Option<&'a str>,
    pub fetch_dest: Option<&'a str>,
    pub accept: Option<&'a str>,
    pub method: &'a str,
    pub mime_type: &'a str,
    pub path: &'a str,
}

/// Decides the resource kind of an entry from its hints.
pub(super) fn resource_kind(hints: &KindHints<'_>) -> ResourceKind {
    if let Some(kind) = hints.resource_type.and_then(from_chrome_type) {
        return kind;
    }
    if let Some(kind) = hints.fetch_dest.and_then(from_fetch_dest) {
        return kind;
    }
    if !hints.method.eq_ignore_ascii_case("GET") && !hints.method.eq_ignore_ascii_case("HEAD") {
        return ResourceKind::Api;
    }
    let mime = MimeClass::of(hints.mime_type);
    if let MimeClass::Known(kind) = mime {
        return kind;
    }
    if let Some(kind) = from_extension(hints.path) {
        return kind;
    }
    if let Some(kind) = hints.accept.and_then(from_accept) {
        return kind;
    }
    match mime {
        MimeClass::Other => ResourceKind::Other,
        _ => ResourceKind::Api,
    }
}

/// Maps Chrome's `_resourceType`; `other`, `prefetch` and unknown values decide nothing.
fn from_chrome_type(value: &str) -> Option<ResourceKind> {
    let kind = match value.trim().to_ascii_lowercase().as_str() {
        "xhr" | "fetch" | "eventsource" => ResourceKind::Api,
        "document" => ResourceKind::Document,
        "script" => ResourceKind::Script,
        "stylesheet" => ResourceKind::Style,
        "image" => ResourceKind::Image,
        "font" => ResourceKind::Font,
        "media" => ResourceKind::Media,
        "websocket" | "ping" | "preflight" | "manifest" | "texttrack" | "signedexchange"
        | "cspviolationreport" | "fedcm" => ResourceKind::Other,
        _ => return None,
    };
    Some(kind)
}

/// Maps the Fetch Metadata destination (`Sec-Fetch-Dest`).
fn from_fetch_dest(value: &str) -> Option<ResourceKind> {
    let kind = match value.trim().to_ascii_lowercase().as_str() {
        "empty" => ResourceKind::Api,
        "document" | "iframe" | "frame" => ResourceKind::Document,
        "script" | "worker" | "sharedworker" | "serviceworker" | "audioworklet"
        | "paintworklet" => ResourceKind::Script,
        "style" => ResourceKind::Style,
        "image" => ResourceKind::Image,
        "font" => ResourceKind::Font,
        "audio" | "video" | "track" => ResourceKind::Media,
        "manifest" | "report" | "object" | "embed" | "webidentity" => ResourceKind::Other,
        _ => return None,
    };
    Some(kind)
}

/// What a response MIME type says.
enum MimeClass {
    Known(ResourceKind),
    /// Missing or untyped (`x-unknown`, `application/octet-stream`).
    Unknown,
    /// An explicit type that is neither an API format nor a web asset.
    Other,
}

impl MimeClass {
    fn of(mime_type: &str) -> MimeClass {
        let essence = mime_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let (top, sub) = essence.split_once('/').unwrap_or((essence.as_str(), ""));
        let kind = match (top, sub) {
            ("" | "x-unknown", _) | ("application", "octet-stream" | "binary") => {
                return MimeClass::Unknown;
            }
            ("application", "manifest+json") => ResourceKind::Other,
            ("text", "html") | ("application", "xhtml+xml") => ResourceKind::Document,
            (_, "javascript" | "x-javascript" | "ecmascript" | "x-ecmascript") => {
                ResourceKind::Script
            }
            ("text", "css") => ResourceKind::Style,
            ("image", _) => ResourceKind::Image,
            ("font", _) => ResourceKind::Font,
            ("application", sub) if sub.starts_with("font-") || sub.starts_with("x-font") => {
                ResourceKind::Font
            }
            ("application", "vnd.ms-fontobject") => ResourceKind::Font,
            ("audio" | "video", _) => ResourceKind::Media,
            ("application", "vnd.apple.mpegurl" | "x-mpegurl" | "dash+xml") => ResourceKind::Media,
            ("text", "plain" | "xml" | "json" | "csv" | "event-stream")
            | (
                "application",
                "json"
                | "xml"
                | "graphql"
                | "x-ndjson"
                | "ndjson"
                | "x-www-form-urlencoded"
                | "grpc"
                | "grpc-web"
                | "x-protobuf"
                | "protobuf"
                | "jose"
                | "cbor",
            ) => ResourceKind::Api,
            (_, sub) if sub.ends_with("+json") || sub.ends_with("+xml") => ResourceKind::Api,
            (_, sub) if sub.starts_with("grpc") || sub.ends_with("+proto") => ResourceKind::Api,
            _ => return MimeClass::Other,
        };
        MimeClass::Known(kind)
    }
}

/// Maps the extension of the last path segment.
fn from_extension(path: &str) -> Option<ResourceKind> {
    let segment = path.rsplit('/').next().unwrap_or(path);
    let (_, extension) = segment.rsplit_once('.')?;
    let kind = match extension.to_ascii_lowercase().as_str() {
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" => ResourceKind::Script,
        "css" => ResourceKind::Style,
        "png" | "jpg" | "jpeg" | "gif" | "svg" | "webp" | "avif" | "ico" | "bmp" | "apng"
        | "tif" | "tiff" | "cur" => ResourceKind::Image,
        "woff" | "woff2" | "ttf" | "otf" | "eot" => ResourceKind::Font,
        "mp4" | "webm" | "mp3" | "m4a" | "m4s" | "ogg" | "oga" | "ogv" | "wav" | "flac" | "aac"
        | "mov" | "m3u8" | "mpd" | "vtt" => ResourceKind::Media,
        "html" | "htm" | "xhtml" => ResourceKind::Document,
        "json" | "xml" => ResourceKind::Api,
        _ => return None,
    };
    Some(kind)
}

/// Maps an `Accept` header that names one kind of asset first.
fn from_accept(accept: &str) -> Option<ResourceKind> {
    let first = accept.trim_start().to_ascii_lowercase();
    if first.starts_with("text/html") {
        Some(ResourceKind::Document)
    } else if first.starts_with("text/css") {
        Some(ResourceKind::Style)
    } else if first.starts_with("image/") {
        Some(ResourceKind::Image)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(method: &str, mime_type: &str, path: &str) -> ResourceKind {
        resource_kind(&KindHints {
            method,
            mime_type,
            path,
            ..KindHints::default()
        })
    }

    #[test]
    fn kind_chrome_type_wins() {
        let hints = KindHints {
            resource_type: Some("fetch"),
            method: "GET",
            mime_type: "text/html",
            path: "/app.js",
            ..KindHints::default()
        };
        assert_eq!(resource_kind(&hints), ResourceKind::Api);
    }

    #[test]
    fn kind_chrome_other_falls_through() {
        let hints = KindHints {
            resource_type: Some("other"),
            method: "GET",
            mime_type: "image/x-icon",
            path: "/favicon.ico",
            ..KindHints::default()
        };
        assert_eq!(resource_kind(&hints), ResourceKind::Image);
    }

    #[test]
    fn kind_fetch_dest_empty_is_api() {
        let hints = KindHints {
            fetch_dest: Some("empty"),
            method: "GET",
            mime_type: "text/html",
            path: "/",
            ..KindHints::default()
        };
        assert_eq!(resource_kind(&hints), ResourceKind::Api);
    }

    #[test]
    fn kind_non_get_is_api() {
        assert_eq!(kind("POST", "text/html", "/login"), ResourceKind::Api);
        assert_eq!(kind("delete", "", "/a.png"), ResourceKind::Api);
    }

    #[test]
    fn kind_from_mime_type() {
        assert_eq!(
            kind("GET", "application/json; charset=utf-8", "/x"),
            ResourceKind::Api
        );
        assert_eq!(
            kind("GET", "application/problem+json", "/x"),
            ResourceKind::Api
        );
        assert_eq!(kind("GET", "text/plain", "/x"), ResourceKind::Api);
        assert_eq!(kind("GET", "application/graphql", "/x"), ResourceKind::Api);
        assert_eq!(kind("GET", "text/html", "/x"), ResourceKind::Document);
        assert_eq!(kind("GET", "text/javascript", "/x"), ResourceKind::Script);
        assert_eq!(kind("GET", "text/css", "/x"), ResourceKind::Style);
        assert_eq!(kind("GET", "image/svg+xml", "/x"), ResourceKind::Image);
        assert_eq!(kind("GET", "font/woff2", "/x"), ResourceKind::Font);
        assert_eq!(kind("GET", "video/mp4", "/x"), ResourceKind::Media);
        assert_eq!(
            kind("GET", "application/manifest+json", "/x"),
            ResourceKind::Other
        );
        assert_eq!(kind("GET", "application/pdf", "/x"), ResourceKind::Other);
    }

    #[test]
    fn kind_untyped_uses_extension() {
        assert_eq!(kind("GET", "", "/static/app.js"), ResourceKind::Script);
        assert_eq!(kind("GET", "x-unknown", "/logo.PNG"), ResourceKind::Image);
        assert_eq!(kind("GET", "", "/fonts/a.woff2"), ResourceKind::Font);
        assert_eq!(
            kind("GET", "application/octet-stream", "/v.mp4"),
            ResourceKind::Media
        );
    }

    #[test]
    fn kind_untyped_without_hints_is_api() {
        assert_eq!(kind("GET", "", "/api/v1/users"), ResourceKind::Api);
        assert_eq!(kind("GET", "x-unknown", "/"), ResourceKind::Api);
    }

    #[test]
    fn kind_accept_header_decides() {
        let hints = KindHints {
            accept: Some("text/html,application/xhtml+xml"),
            method: "GET",
            path: "/",
            ..KindHints::default()
        };
        assert_eq!(resource_kind(&hints), ResourceKind::Document);
    }
}
