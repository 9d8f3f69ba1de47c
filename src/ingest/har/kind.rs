//! Resource kind of an entry: API call, document or static asset.
//!
//! Rules count only API calls, so this decides whether a browser page load of sixty
//! images looks like sixty API calls. Evidence is taken from the most to the least
//! direct, and the first that decides wins:
//!
//! 1. Chrome's `_resourceType` (`xhr` and `fetch` are API calls).
//! 2. The `Sec-Fetch-Dest` request header that Chromium and Firefox send (`empty` is
//!    `fetch()` or XHR).
//! 3. A WebSocket upgrade (a `ws:` or `wss:` URL, or status 101) or a CORS preflight
//!    (`OPTIONS` with `Access-Control-Request-Method`) is `Other`, as Chrome marks them.
//! 4. A `User-Agent` that does not start with `Mozilla/`, which every current browser
//!    sends: the request came from a program (curl, an SDK, an API client), so it is an
//!    API call whatever it fetched.
//! 5. A method other than GET or HEAD: browsers load assets with GET, so anything else
//!    is an API call.
//! 6. For a successful response, its MIME type: JSON, XML, plain text, GraphQL and the
//!    like are API responses, HTML is a document, and scripts, styles, images, fonts and
//!    media are assets. An error response (status 0 or at least 400) or a redirect (3xx
//!    other than 304) carries the MIME type of its error or redirect page instead, so for
//!    those steps 7 and 8 come first and an HTML type decides nothing.
//! 7. The extension of the last path segment (`.js`, `.css`, `.png`, `.woff2`, ...),
//!    which also decides 304 and cached responses that carry no MIME type.
//! 8. An `Accept` header that requests HTML, CSS or images first.
//! 9. Otherwise an empty or untyped response is an API call, because proxies and API
//!    clients (mitmproxy, Insomnia, Polly.js) record calls that carry no browser hints.
//!    A response with some other explicit MIME type (a PDF, a ZIP) is `Other`.
//!
//! The HAR reader also marks every entry of a capture written by an API client
//! (Insomnia, Polly.js, Postman, ...) as an API call; see `is_api_client`.

use crate::ingest::common::kind::from_extension;
use crate::model::ResourceKind;

/// Evidence about the resource kind of an entry.
#[derive(Debug, Default)]
pub(super) struct KindHints<'a> {
    pub resource_type: Option<&'a str>,
    pub fetch_dest: Option<&'a str>,
    pub accept: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    /// A `ws:`/`wss:` URL or a 101 Switching Protocols response.
    pub websocket: bool,
    /// An `OPTIONS` request with `Access-Control-Request-Method`.
    pub preflight: bool,
    pub method: &'a str,
    pub status: u16,
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
    if hints.websocket || hints.preflight {
        return ResourceKind::Other;
    }
    if hints
        .user_agent
        .is_some_and(|agent| !agent.trim_start().starts_with("Mozilla/"))
    {
        return ResourceKind::Api;
    }
    if !hints.method.eq_ignore_ascii_case("GET") && !hints.method.eq_ignore_ascii_case("HEAD") {
        return ResourceKind::Api;
    }

    let mime = MimeClass::of(hints.mime_type);
    let request_side = || from_extension(hints.path).or_else(|| hints.accept.and_then(from_accept));
    let redirect = (300..400).contains(&hints.status) && hints.status != 304;
    let failed = hints.status == 0 || hints.status >= 400;
    if failed || redirect {
        if let Some(kind) = request_side() {
            return kind;
        }
        return match mime {
            MimeClass::Known(kind) if kind != ResourceKind::Document => kind,
            _ => ResourceKind::Api,
        };
    }
    if let MimeClass::Known(kind) = mime {
        return kind;
    }
    if let Some(kind) = request_side() {
        return kind;
    }
    match mime {
        MimeClass::Other => ResourceKind::Other,
        _ => ResourceKind::Api,
    }
}

/// Returns whether a HAR `log.creator.name` is an API client or HTTP mocking library,
/// whose captures hold API calls only even when a response is HTML.
pub(super) fn is_api_client(creator: &str) -> bool {
    const API_CLIENTS: &[&str] = &[
        "insomnia",
        "polly",
        "postman",
        "newman",
        "httpie",
        "bruno",
        "hoppscotch",
        "rapidapi",
        "hurl",
        "k6",
    ];
    let creator = creator.to_ascii_lowercase();
    API_CLIENTS.iter().any(|client| creator.contains(client))
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

/// Classification of a response MIME type.
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
            status: 200,
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
            status: 200,
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
            status: 200,
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
            status: 200,
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
            status: 200,
            path: "/",
            ..KindHints::default()
        };
        assert_eq!(resource_kind(&hints), ResourceKind::Document);
    }

    #[test]
    fn kind_program_user_agent_is_api() {
        let hints = KindHints {
            user_agent: Some("curl/7.86.0"),
            method: "GET",
            status: 200,
            mime_type: "text/html",
            path: "/",
            ..KindHints::default()
        };
        assert_eq!(resource_kind(&hints), ResourceKind::Api);
    }

    #[test]
    fn kind_browser_user_agent_decides_nothing() {
        let hints = KindHints {
            user_agent: Some("Mozilla/5.0 (X11; Linux x86_64) Firefox/111.0"),
            method: "GET",
            status: 200,
            mime_type: "text/html",
            path: "/",
            ..KindHints::default()
        };
        assert_eq!(resource_kind(&hints), ResourceKind::Document);
    }

    #[test]
    fn kind_redirect_uses_request_side() {
        let pixel = KindHints {
            method: "GET",
            status: 302,
            mime_type: "text/html",
            path: "/rum.gif",
            ..KindHints::default()
        };
        assert_eq!(resource_kind(&pixel), ResourceKind::Image);
        let script = KindHints {
            path: "/rum.debug.js",
            ..pixel
        };
        assert_eq!(resource_kind(&script), ResourceKind::Script);
    }

    #[test]
    fn kind_error_page_uses_request_side() {
        let image = KindHints {
            accept: Some("image/webp,image/apng,image/*,*/*;q=0.8"),
            method: "GET",
            status: 503,
            mime_type: "text/html",
            path: "/672/764/weather",
            ..KindHints::default()
        };
        assert_eq!(resource_kind(&image), ResourceKind::Image);
        let api = KindHints {
            accept: Some("*/*"),
            status: 503,
            ..image
        };
        assert_eq!(resource_kind(&api), ResourceKind::Api);
    }

    #[test]
    fn kind_websocket_and_preflight_other() {
        let websocket = KindHints {
            websocket: true,
            method: "GET",
            status: 101,
            ..KindHints::default()
        };
        assert_eq!(resource_kind(&websocket), ResourceKind::Other);
        let preflight = KindHints {
            preflight: true,
            method: "OPTIONS",
            status: 204,
            ..KindHints::default()
        };
        assert_eq!(resource_kind(&preflight), ResourceKind::Other);
    }

    #[test]
    fn api_client_creators_recognised() {
        assert!(is_api_client("Insomnia REST Client"));
        assert!(is_api_client("Polly.JS"));
        assert!(!is_api_client("WebInspector"));
        assert!(!is_api_client("Firefox"));
    }
}
