//! `ratelint sanitize`: writes a copy of a HAR capture with its credentials replaced,
//! so that the capture can be attached to a ticket or shared with a vendor.
//!
//! Unlike the HAR reader, this command builds the whole `serde_json::Value` tree,
//! because the copy must keep every field, vendor fields included. Secrets that the
//! analysis compares (query values, request and response bodies) become numbered
//! placeholders, equal for equal secrets, so that `ratelint analyze` reports the same
//! findings on the copy as on the original.
//!
//! Object keys come out in alphabetical order: `serde_json`'s `preserve_order`
//! feature would keep the input's order, but it also reorders the keys of every JSON
//! report, so it stays off.

mod names;
mod text;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_PAD_INDIFFERENT};
use serde_json::{Map, Value};

use self::names::{is_credential_header, is_credential_name};

/// Value written over credential headers and cookies. The analysis never compares
/// these, so they need no number.
pub const REDACTED: &str = "[redacted]";

/// Advice appended to errors about the input.
const HAR_HINT: &str = "expected a HAR file: a JSON object with log.entries";

/// Scrubbing beyond the credentials, which are always replaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Removes every response body (`content.text` and its `encoding`), keeping
    /// `content.size`.
    pub drop_bodies: bool,
}

/// Counts of replaced values, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Entries in `log.entries`.
    pub entries: usize,
    /// Request and response header values.
    pub headers: usize,
    /// `cookies[]` values.
    pub cookies: usize,
    /// Query and fragment parameter values, and the `user:password@` of URLs. A
    /// parameter found both in a request's `url` and in its `queryString` counts once.
    pub query_values: usize,
    /// Form fields and JSON values in request and response bodies.
    pub body_fields: usize,
    /// JWT signatures found anywhere else.
    pub jwts: usize,
    /// Response bodies removed by `--drop-bodies`.
    pub bodies_dropped: usize,
}

impl Summary {
    /// Renders one line per kind of replaced value, for standard error.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![
            format!("headers          {}", self.headers),
            format!("cookies          {}", self.cookies),
            format!("query values     {}", self.query_values),
            format!("body fields      {}", self.body_fields),
            format!("JWT signatures   {}", self.jwts),
        ];
        if self.bodies_dropped > 0 {
            lines.push(format!("bodies dropped   {}", self.bodies_dropped));
        }
        lines
    }
}

/// Placeholders for secrets, numbered by first occurrence in the file.
#[derive(Debug, Default)]
pub(crate) struct Redactions {
    numbers: HashMap<String, usize>,
}

impl Redactions {
    /// Returns `[redacted-N]`, where N is the same for equal secrets.
    fn placeholder(&mut self, secret: &str) -> String {
        format!("[redacted-{}]", self.number(secret))
    }

    /// Returns `redacted-N`, which is valid base64url, to stand for a JWT signature.
    fn signature_placeholder(&mut self, signature: &str) -> String {
        format!("redacted-{}", self.number(signature))
    }

    fn number(&mut self, secret: &str) -> usize {
        let next = self.numbers.len() + 1;
        *self.numbers.entry(secret.to_string()).or_insert(next)
    }

    /// Returns whether `text` is a placeholder, which a second run leaves alone.
    fn is_placeholder(text: &str) -> bool {
        text == REDACTED || (text.starts_with("[redacted-") && text.ends_with(']'))
    }
}

/// Returns the default output path: the input with `.har` replaced by
/// `.sanitized.har` (`capture.har` gives `capture.sanitized.har`).
pub fn default_output(input: &Path) -> PathBuf {
    let name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = match name.len().checked_sub(4) {
        Some(cut) if name.is_char_boundary(cut) && name[cut..].eq_ignore_ascii_case(".har") => {
            &name[..cut]
        }
        _ => name.as_str(),
    };
    input.with_file_name(format!("{stem}.sanitized.har"))
}

/// Scrubs the bytes of a HAR file and returns the sanitized HAR, pretty-printed, with
/// its summary. The error is a message for the user without the file name, and it
/// never quotes the input.
pub fn sanitize_har(bytes: &[u8], options: Options) -> Result<(Vec<u8>, Summary), String> {
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if text.trim().is_empty() {
        return Err(format!("the file is empty; {HAR_HINT}"));
    }
    // serde_json's syntax messages describe the position, never the content, but only
    // the position is reported anyway.
    let mut root: Value = serde_json::from_str(text).map_err(|error| {
        format!(
            "not valid JSON at line {} column {}; {HAR_HINT}",
            error.line(),
            error.column()
        )
    })?;

    let mut scrubber = Scrubber {
        options,
        redactions: Redactions::default(),
        summary: Summary::default(),
    };
    let entries = root
        .get_mut("log")
        .and_then(|log| log.get_mut("entries"))
        .and_then(Value::as_array_mut)
        .ok_or_else(|| format!("no log.entries array; {HAR_HINT}"))?;
    scrubber.summary.entries = entries.len();
    for entry in entries.iter_mut() {
        scrubber.scrub_entry(entry);
    }
    // Last, so that the JWTs and URLs still left anywhere (pages, redirects, vendor
    // fields such as `_initiator`) are found. Placeholders are skipped, so nothing
    // is counted twice.
    scrubber.scrub_strings(&mut root);

    let mut output = serde_json::to_vec_pretty(&root)
        .map_err(|error| format!("cannot serialize the sanitized HAR: {error}"))?;
    output.push(b'\n');
    Ok((output, scrubber.summary))
}

/// Walks one HAR document and replaces what it finds.
struct Scrubber {
    options: Options,
    redactions: Redactions,
    summary: Summary,
}

impl Scrubber {
    fn scrub_entry(&mut self, entry: &mut Value) {
        if let Some(request) = entry.get_mut("request").and_then(Value::as_object_mut) {
            self.scrub_headers(request);
            self.scrub_cookies(request);
            self.scrub_query(request);
            if let Some(post_data) = request.get_mut("postData").and_then(Value::as_object_mut) {
                self.scrub_post_data(post_data);
            }
        }
        if let Some(response) = entry.get_mut("response").and_then(Value::as_object_mut) {
            self.scrub_headers(response);
            self.scrub_cookies(response);
            if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) {
                self.scrub_content(content);
            }
        }
    }

    /// Replaces credential header values, and the query of an HTTP/2 `:path`.
    fn scrub_headers(&mut self, message: &mut Map<String, Value>) {
        let Some(headers) = message.get_mut("headers").and_then(Value::as_array_mut) else {
            return;
        };
        for header in headers.iter_mut().filter_map(Value::as_object_mut) {
            let name = header
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let Some(Value::String(value)) = header.get_mut("value") else {
                continue;
            };
            if value.is_empty() || Redactions::is_placeholder(value) {
                continue;
            }
            if is_credential_header(&name) {
                *value = REDACTED.to_string();
                self.summary.headers += 1;
            } else if name == ":path" {
                let (scrubbed, count) = text::scrub_url(value, &mut self.redactions);
                *value = scrubbed;
                self.summary.query_values += count;
            }
        }
    }

    fn scrub_cookies(&mut self, message: &mut Map<String, Value>) {
        let Some(cookies) = message.get_mut("cookies").and_then(Value::as_array_mut) else {
            return;
        };
        for cookie in cookies.iter_mut() {
            if let Some(Value::String(value)) = cookie.get_mut("value")
                && !value.is_empty()
                && value != REDACTED
            {
                *value = REDACTED.to_string();
                self.summary.cookies += 1;
            }
        }
    }

    /// Replaces credential values in `queryString` and in `url`, which repeat the same
    /// parameters, so each parameter is counted once.
    fn scrub_query(&mut self, request: &mut Map<String, Value>) {
        let listed = match request.get_mut("queryString") {
            Some(Value::Array(params)) => self.scrub_params(params),
            _ => 0,
        };
        let in_url = match request.get_mut("url") {
            Some(Value::String(url)) => {
                let (scrubbed, count) = text::scrub_url(url, &mut self.redactions);
                *url = scrubbed;
                count
            }
            _ => 0,
        };
        self.summary.query_values += listed.max(in_url);
    }

    /// Replaces the values of credential names in a `[{name, value}]` list.
    fn scrub_params(&mut self, params: &mut [Value]) -> usize {
        let mut count = 0;
        for param in params.iter_mut().filter_map(Value::as_object_mut) {
            let credential = param
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(is_credential_name);
            if !credential {
                continue;
            }
            if let Some(Value::String(value)) = param.get_mut("value")
                && !value.is_empty()
                && !Redactions::is_placeholder(value)
            {
                *value = self.redactions.placeholder(value);
                count += 1;
            }
        }
        count
    }

    fn scrub_post_data(&mut self, post_data: &mut Map<String, Value>) {
        if let Some(Value::Array(params)) = post_data.get_mut("params") {
            self.summary.body_fields += self.scrub_params(params);
        }
        let mime_type = post_data
            .get("mimeType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let Some(Value::String(body)) = post_data.get_mut("text") else {
            return;
        };
        let scrubbed = if mime_type.contains("x-www-form-urlencoded") {
            Some(text::scrub_pairs(body, &mut self.redactions))
        } else {
            self.scrub_json_text(body)
        };
        if let Some((scrubbed, count)) = scrubbed
            && count > 0
        {
            *body = scrubbed;
            self.summary.body_fields += count;
        }
    }

    /// Drops or scrubs a response body. A base64 body is decoded, scrubbed and encoded
    /// again.
    fn scrub_content(&mut self, content: &mut Map<String, Value>) {
        if self.options.drop_bodies {
            if content.remove("text").is_some() {
                self.summary.bodies_dropped += 1;
            }
            content.remove("encoding");
            return;
        }
        let base64 = content
            .get("encoding")
            .and_then(Value::as_str)
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("base64"));
        let Some(Value::String(body)) = content.get_mut("text") else {
            return;
        };
        if !base64 {
            if let Some((scrubbed, count)) = self.scrub_json_text(body)
                && count > 0
            {
                *body = scrubbed;
                self.summary.body_fields += count;
            }
            return;
        }
        let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let Some(decoded) = STANDARD_PAD_INDIFFERENT
            .decode(compact)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
        else {
            return;
        };
        if let Some((scrubbed, count)) = self.scrub_json_text(&decoded)
            && count > 0
        {
            *body = STANDARD.encode(scrubbed);
            self.summary.body_fields += count;
        }
    }

    /// Scrubs a body that is a JSON object or array; returns `None` for other text.
    /// A changed body is written compact, because its layout is not kept.
    fn scrub_json_text(&mut self, body: &str) -> Option<(String, usize)> {
        let trimmed = body.trim_start();
        if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
            return None;
        }
        let mut value: Value = serde_json::from_str(body).ok()?;
        let count = text::scrub_json(&mut value, &mut self.redactions);
        if count == 0 {
            return None;
        }
        Some((value.to_string(), count))
    }

    /// Replaces JWT signatures in every string, and credential parameters in every
    /// absolute URL (`redirectURL`, `Location`, `Referer`, page titles).
    fn scrub_strings(&mut self, value: &mut Value) {
        match value {
            Value::String(string) => {
                if let Some((scrubbed, count)) = text::scrub_jwts(string, &mut self.redactions) {
                    *string = scrubbed;
                    self.summary.jwts += count;
                }
                if is_absolute_url(string) {
                    let (scrubbed, count) = text::scrub_url(string, &mut self.redactions);
                    *string = scrubbed;
                    self.summary.query_values += count;
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.scrub_strings(item);
                }
            }
            Value::Object(map) => {
                for child in map.values_mut() {
                    self.scrub_strings(child);
                }
            }
            _ => {}
        }
    }
}

fn is_absolute_url(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    ["http://", "https://", "ws://", "wss://"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
        && text.contains(['?', '#', '@'])
}

#[cfg(test)]
mod tests;
