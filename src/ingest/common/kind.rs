//! Resource kind from the extension of a URL path, shared by every input format.
//!
//! Access logs carry no MIME type, so for them the extension is the only evidence that
//! a request fetched a static asset instead of calling an API.

use crate::model::ResourceKind;

/// Maps the extension of the last path segment.
pub(crate) fn from_extension(path: &str) -> Option<ResourceKind> {
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
