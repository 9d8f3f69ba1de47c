//! Any NDJSON access log, read through a field mapping given on the command line.
//!
//! Each `--field NAME=PATH` option names a record field and the dotted path of its
//! value in every line, e.g. `--field status=response.code`. The names are known only
//! at run time, so each line is parsed into a [`serde_json::Value`] and its values are
//! copied out. This costs allocations that the fixed formats avoid.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::time::{parse_duration_number, parse_time_text};
use super::{is_credential_header, json_error_reason, json_object, offset_in, trim_line};
use crate::ingest::log::{LineOutcome, LineParser, LogRecord, LoggedTime, ParseState};

/// The names accepted by `--field`, in the order the error message lists them.
const VALID_NAMES: &str = "time, start_time, method, url, path, host, status, duration_s, \
    duration_ms, duration_us, client, user_agent, forwarded_for, bytes, header.<Name>, \
    request_header.<Name>";

/// A dotted path into a JSON object, e.g. `request.headers.User-Agent`. A segment that
/// is a number indexes an array; `\.` is a literal dot inside a key.
#[derive(Clone, Debug, PartialEq, Eq)]
struct JsonPath {
    /// The path as written, for messages.
    text: Box<str>,
    segments: Box<[Box<str>]>,
}

impl JsonPath {
    fn parse(text: &str) -> Option<JsonPath> {
        let mut segments = Vec::new();
        let mut current = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => current.push(chars.next().unwrap_or('\\')),
                '.' => segments.push(std::mem::take(&mut current).into_boxed_str()),
                _ => current.push(c),
            }
        }
        segments.push(current.into_boxed_str());
        if segments.iter().any(|segment| segment.is_empty()) {
            return None;
        }
        Some(JsonPath {
            text: text.into(),
            segments: segments.into_boxed_slice(),
        })
    }

    /// Returns the value at this path; `null` counts as absent.
    fn lookup<'v>(&self, object: &'v Map<String, Value>) -> Option<&'v Value> {
        let (first, rest) = self.segments.split_first()?;
        let mut value = object.get(first.as_ref())?;
        for segment in rest {
            value = match value {
                Value::Object(map) => map.get(segment.as_ref())?,
                Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        (!value.is_null()).then_some(value)
    }

    /// Returns the text of the value at this path. An array gives its first member,
    /// because loggers such as Caddy write header values as arrays.
    fn text<'v>(&self, object: &'v Map<String, Value>) -> Option<Cow<'v, str>> {
        match self.lookup(object)? {
            Value::Array(items) => items.first().and_then(scalar_text),
            value => scalar_text(value),
        }
    }

    /// Returns every text value at this path: each member of an array, else the value.
    fn texts<'v>(&self, object: &'v Map<String, Value>) -> Vec<Cow<'v, str>> {
        match self.lookup(object) {
            Some(Value::Array(items)) => items.iter().filter_map(scalar_text).collect(),
            Some(value) => scalar_text(value).into_iter().collect(),
            None => Vec::new(),
        }
    }
}

fn scalar_text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(text) => Some(Cow::Borrowed(text.as_str())),
        Value::Number(number) => Some(Cow::Owned(number.to_string())),
        Value::Bool(flag) => Some(Cow::Borrowed(if *flag { "true" } else { "false" })),
        _ => None,
    }
}

/// Unit of a mapped duration field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DurationUnit {
    Seconds,
    Milliseconds,
    Microseconds,
}

impl DurationUnit {
    fn nanos(self) -> i64 {
        match self {
            DurationUnit::Seconds => 1_000_000_000,
            DurationUnit::Milliseconds => 1_000_000,
            DurationUnit::Microseconds => 1_000,
        }
    }
}

/// Paths of the record fields in the lines of a JSON log, from `--field NAME=PATH`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldMapping {
    /// The timestamp and which instant it marks.
    time: Option<(LoggedTime, JsonPath)>,
    method: Option<JsonPath>,
    /// The request target; `url` and `path` both set it, the first may be absolute.
    target: Option<JsonPath>,
    host: Option<JsonPath>,
    status: Option<JsonPath>,
    duration: Option<(DurationUnit, JsonPath)>,
    client: Option<JsonPath>,
    user_agent: Option<JsonPath>,
    forwarded_for: Option<JsonPath>,
    bytes: Option<JsonPath>,
    response_headers: Vec<(Box<str>, JsonPath)>,
    request_headers: Vec<(Box<str>, JsonPath)>,
}

impl FieldMapping {
    /// Parses the values of repeated `--field NAME=PATH` options.
    ///
    /// Returns an error for a value without `=`, an empty path or path segment, an
    /// unknown NAME (the message lists the valid ones), or two options that set the same
    /// field (`url` and `path`, two duration units, `time` and `start_time`).
    pub fn parse(options: &[String]) -> Result<FieldMapping, String> {
        let mut mapping = FieldMapping::default();
        for option in options {
            let Some((name, path_text)) = option.split_once('=') else {
                return Err(format!(
                    "invalid --field `{option}`: expected NAME=PATH, e.g. status=response.code"
                ));
            };
            mapping.insert(name, path_text)?;
        }
        Ok(mapping)
    }

    /// Builds a mapping from (NAME, PATH) pairs already split at `=`, with the same
    /// checks as [`FieldMapping::parse`].
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<FieldMapping, String> {
        let mut mapping = FieldMapping::default();
        for (name, path_text) in pairs {
            mapping.insert(name, path_text)?;
        }
        Ok(mapping)
    }

    fn insert(&mut self, name: &str, path_text: &str) -> Result<(), String> {
        let name = name.trim();
        let Some(path) = JsonPath::parse(path_text.trim()) else {
            return Err(format!(
                "invalid --field `{name}={path_text}`: the path must be keys separated by \
                 dots, none of them empty"
            ));
        };
        self.set(name, path)
    }

    fn set(&mut self, name: &str, path: JsonPath) -> Result<(), String> {
        if let Some(header) = name.strip_prefix("header.") {
            return push_header(&mut self.response_headers, name, header, path);
        }
        if let Some(header) = name.strip_prefix("request_header.") {
            return push_header(&mut self.request_headers, name, header, path);
        }
        let slot = match name {
            "time" => {
                return set_once(
                    &mut self.time,
                    (LoggedTime::End, path),
                    "time or start_time",
                );
            }
            "start_time" => {
                return set_once(
                    &mut self.time,
                    (LoggedTime::Start, path),
                    "time or start_time",
                );
            }
            "duration_s" => {
                return set_once(
                    &mut self.duration,
                    (DurationUnit::Seconds, path),
                    "a duration",
                );
            }
            "duration_ms" => {
                return set_once(
                    &mut self.duration,
                    (DurationUnit::Milliseconds, path),
                    "a duration",
                );
            }
            "duration_us" => {
                return set_once(
                    &mut self.duration,
                    (DurationUnit::Microseconds, path),
                    "a duration",
                );
            }
            "url" | "path" => return set_once(&mut self.target, path, "url or path"),
            "method" => &mut self.method,
            "host" => &mut self.host,
            "status" => &mut self.status,
            "client" => &mut self.client,
            "user_agent" => &mut self.user_agent,
            "forwarded_for" => &mut self.forwarded_for,
            "bytes" => &mut self.bytes,
            _ => {
                return Err(format!(
                    "unknown --field name `{name}`; valid names: {VALID_NAMES}"
                ));
            }
        };
        set_once(slot, path, name)
    }

    /// Returns the names of the required fields that have no path.
    fn missing_required(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.time.is_none() {
            missing.push("time (or start_time)");
        }
        if self.method.is_none() {
            missing.push("method");
        }
        if self.target.is_none() {
            missing.push("url (or path)");
        }
        if self.status.is_none() {
            missing.push("status");
        }
        missing
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T, field_label: &str) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!(
            "--field sets {field_label} more than once; give it once"
        ));
    }
    *slot = Some(value);
    Ok(())
}

fn push_header(
    headers: &mut Vec<(Box<str>, JsonPath)>,
    name: &str,
    header: &str,
    path: JsonPath,
) -> Result<(), String> {
    if header.is_empty() {
        return Err(format!(
            "--field `{name}` names no header; write e.g. header.Retry-After=PATH"
        ));
    }
    headers.push((header.into(), path));
    Ok(())
}

/// NDJSON access logs of any layout, read through a [`FieldMapping`].
#[derive(Clone, Debug)]
pub struct JsonLines {
    mapping: FieldMapping,
}

impl JsonLines {
    /// Creates the parser. Returns an error naming the required fields that the mapping
    /// lacks: time (or start_time), method, url (or path) and status.
    pub fn new(mapping: FieldMapping) -> Result<JsonLines, String> {
        let missing = mapping.missing_required();
        if !missing.is_empty() {
            return Err(format!(
                "the JSON log mapping needs a --field for: {}",
                missing.join(", ")
            ));
        }
        Ok(JsonLines { mapping })
    }
}

impl LineParser for JsonLines {
    fn name(&self) -> &'static str {
        "json"
    }

    fn parse_line<'a>(&self, line: &'a [u8], _state: &mut ParseState) -> LineOutcome<'a> {
        if trim_line(line).is_none() {
            return LineOutcome::Blank;
        }
        let Some(object) = json_object(line) else {
            return LineOutcome::Invalid(Cow::Borrowed("line is not a JSON object"));
        };
        let map = match serde_json::from_slice::<Value>(object) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return LineOutcome::Invalid(Cow::Borrowed("line is not a JSON object")),
            Err(error) => {
                return LineOutcome::Invalid(json_error_reason(
                    object,
                    offset_in(line, object),
                    &error,
                ));
            }
        };
        match self.record(map) {
            Ok(record) => LineOutcome::Record(record),
            Err(reason) => LineOutcome::Invalid(Cow::Owned(reason)),
        }
    }
}

impl JsonLines {
    fn record(&self, map: Map<String, Value>) -> Result<LogRecord<'static>, String> {
        let mapping = &self.mapping;
        let (logged_time, time_path) = mapping.time.as_ref().ok_or("no time mapping")?;
        let (time, precision) = {
            let text = require_text(&map, time_path, "time")?;
            parse_time_text(&text).ok_or_else(|| {
                format!(
                    "time at `{}` is neither an RFC 3339 date-time nor an epoch number",
                    time_path.text
                )
            })?
        };
        let method = owned(require_text(&map, required(&mapping.method)?, "method")?);
        let target = owned(require_text(&map, required(&mapping.target)?, "url")?);
        let status_path = required(&mapping.status)?;
        let status = require_text(&map, status_path, "status")?
            .parse::<u16>()
            .map_err(|_| {
                format!(
                    "status at `{}` is not an HTTP status code",
                    status_path.text
                )
            })?;
        let duration_us = match &mapping.duration {
            None => None,
            Some((unit, path)) => match path.text(&map).filter(|text| !is_empty_value(text)) {
                None => None,
                Some(text) => {
                    Some(parse_duration_number(&text, unit.nanos()).ok_or_else(|| {
                        format!("duration at `{}` is not a non-negative number", path.text)
                    })?)
                }
            },
        };
        let optional = |path: &Option<JsonPath>| {
            path.as_ref()
                .and_then(|path| path.text(&map))
                .filter(|text| !is_empty_value(text))
                .map(owned)
        };
        let response_size = optional(&mapping.bytes).and_then(|text| text.parse::<u64>().ok());
        let headers = |list: &[(Box<str>, JsonPath)]| {
            let mut headers = Vec::new();
            for (name, path) in list {
                for value in path.texts(&map) {
                    headers.push((Cow::Owned(name.to_string()), owned(value)));
                }
            }
            headers
        };

        let mut record = LogRecord {
            time,
            logged_time: *logged_time,
            precision,
            duration_us,
            client_addr: optional(&mapping.client),
            forwarded_for: optional(&mapping.forwarded_for),
            user_agent: optional(&mapping.user_agent),
            method,
            scheme: None,
            host: optional(&mapping.host),
            target,
            status,
            response_size,
            response_headers: headers(&mapping.response_headers),
            request_headers: headers(&mapping.request_headers),
            throttle: None,
            fields: Vec::new(),
        };
        // Top-level scalars become named fields for `--client-key field:NAME`. The map
        // is consumed here, so its strings move instead of being copied.
        for (key, value) in map {
            if is_credential_header(&key) {
                continue;
            }
            let text = match value {
                Value::String(text) => text,
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => flag.to_string(),
                _ => continue,
            };
            record.fields.push((Cow::Owned(key), Cow::Owned(text)));
        }
        Ok(record)
    }
}

/// Returns whether a logged value means "none": loggers write `""` or `-`.
fn is_empty_value(text: &str) -> bool {
    text.is_empty() || text == "-"
}

fn required(path: &Option<JsonPath>) -> Result<&JsonPath, String> {
    path.as_ref()
        .ok_or_else(|| "the JSON log mapping lacks a required field".to_owned())
}

fn require_text<'v>(
    map: &'v Map<String, Value>,
    path: &JsonPath,
    name: &str,
) -> Result<Cow<'v, str>, String> {
    path.text(map)
        .ok_or_else(|| format!("no {name} value at `{}`", path.text))
}

fn owned(text: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TimePrecision;

    fn options(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    fn parser(values: &[&str]) -> JsonLines {
        let mapping = FieldMapping::parse(&options(values)).unwrap();
        JsonLines::new(mapping).unwrap()
    }

    fn standard() -> JsonLines {
        parser(&[
            "time=ts",
            "method=req.method",
            "url=req.url",
            "host=req.host",
            "status=res.status",
            "duration_ms=res.elapsed_ms",
            "client=req.ip",
            "user_agent=req.headers.user-agent",
            "forwarded_for=req.headers.x-forwarded-for",
            "bytes=res.bytes",
            "header.Retry-After=res.headers.retry-after",
            "request_header.X-Okta-Retry-Count=req.headers.x-okta-retry-count",
        ])
    }

    const LINE: &str = r#"{"ts":"2026-03-01T10:00:00.250Z","level":30,"user":"svc-sync","req":{"method":"GET","url":"/api/v1/users?limit=200","host":"api.example.com","ip":"10.1.2.3","headers":{"user-agent":"okta-sdk-python/2.9","x-forwarded-for":"203.0.113.5","x-okta-retry-count":"1"}},"res":{"status":429,"elapsed_ms":12.5,"bytes":"87","headers":{"retry-after":["30"]}}}"#;

    fn record<'a>(parser: &JsonLines, line: &'a str) -> LogRecord<'a> {
        match parser.parse_line(line.as_bytes(), &mut ParseState::default()) {
            LineOutcome::Record(record) => record,
            other => panic!("expected a record, got {other:?}"),
        }
    }

    fn invalid_reason(parser: &JsonLines, line: &str) -> String {
        match parser.parse_line(line.as_bytes(), &mut ParseState::default()) {
            LineOutcome::Invalid(reason) => reason.into_owned(),
            other => panic!("expected an invalid line, got {other:?}"),
        }
    }

    #[test]
    fn mapped_line_fields() {
        let r = record(&standard(), LINE);
        assert_eq!(r.time.micros(), 1_772_359_200_250_000);
        assert_eq!(r.logged_time, LoggedTime::End);
        assert_eq!(r.precision, TimePrecision::Milliseconds);
        assert_eq!(r.duration_us, Some(12_500));
        assert_eq!(r.client_addr.as_deref(), Some("10.1.2.3"));
        assert_eq!(r.forwarded_for.as_deref(), Some("203.0.113.5"));
        assert_eq!(r.user_agent.as_deref(), Some("okta-sdk-python/2.9"));
        assert_eq!(r.method, "GET");
        assert_eq!(r.host.as_deref(), Some("api.example.com"));
        assert_eq!(r.target, "/api/v1/users?limit=200");
        assert_eq!(r.status, 429);
        assert_eq!(r.response_size, Some(87));
    }

    #[test]
    fn mapped_line_headers() {
        let r = record(&standard(), LINE);
        assert_eq!(
            r.response_headers,
            vec![(Cow::from("Retry-After"), Cow::from("30"))]
        );
        assert_eq!(
            r.request_headers,
            vec![(Cow::from("X-Okta-Retry-Count"), Cow::from("1"))]
        );
    }

    #[test]
    fn top_level_scalars_become_fields() {
        let r = record(&standard(), LINE);
        let user = r.fields.iter().find(|(n, _)| n == "user");
        assert_eq!(user.map(|(_, v)| v.as_ref()), Some("svc-sync"));
        let level = r.fields.iter().find(|(n, _)| n == "level");
        assert_eq!(level.map(|(_, v)| v.as_ref()), Some("30"));
        assert!(
            r.fields.iter().all(|(n, _)| n != "req"),
            "objects are skipped"
        );
    }

    #[test]
    fn epoch_times_by_magnitude() {
        let p = parser(&[
            "start_time=t",
            "method=m",
            "path=p",
            "status=s",
            "duration_s=d",
        ]);
        let seconds = record(
            &p,
            r#"{"t":1772359200.25,"m":"GET","p":"/","s":200,"d":0.5}"#,
        );
        assert_eq!(seconds.time.micros(), 1_772_359_200_250_000);
        assert_eq!(seconds.logged_time, LoggedTime::Start);
        assert_eq!(seconds.duration_us, Some(500_000));
        let millis = record(&p, r#"{"t":1772359200250,"m":"GET","p":"/","s":"200"}"#);
        assert_eq!(millis.time.micros(), 1_772_359_200_250_000);
        assert_eq!(millis.precision, TimePrecision::Milliseconds);
        assert!(millis.duration_us.is_none());
    }

    #[test]
    fn empty_optional_values_absent() {
        let line = r#"{"ts":1,"req":{"method":"GET","url":"/","ip":"-","host":""},"res":{"status":200,"elapsed_ms":"-","bytes":null}}"#;
        let r = record(&standard(), line);
        assert!(r.client_addr.is_none());
        assert!(r.host.is_none());
        assert!(r.duration_us.is_none());
        assert!(r.response_size.is_none());
    }

    #[test]
    fn escaped_dot_and_index() {
        let p = parser(&["time=a\\.b", "method=req.0", "url=u", "status=s"]);
        let r = record(
            &p,
            r#"{"a.b":"2026-03-01T10:00:00Z","req":["POST"],"u":"/x","s":201}"#,
        );
        assert_eq!(r.method, "POST");
        assert_eq!(r.precision, TimePrecision::Seconds);
    }

    #[test]
    fn invalid_mapped_lines() {
        let p = standard();
        let cases = [
            ("not json", "line is not a JSON object"),
            ("[1]", "line is not a JSON object"),
            ("{\"ts\":", "JSON object ends early at column 6"),
            (
                r#"{"req":{"method":"GET","url":"/"},"res":{"status":200}}"#,
                "no time value at `ts`",
            ),
            (
                r#"{"ts":"noon","req":{"method":"GET","url":"/"},"res":{"status":200}}"#,
                "time at `ts` is neither an RFC 3339 date-time nor an epoch number",
            ),
            (
                r#"{"ts":1,"req":{"url":"/"},"res":{"status":200}}"#,
                "no method value at `req.method`",
            ),
            (
                r#"{"ts":1,"req":{"method":"GET","url":"/"},"res":{"status":"OK"}}"#,
                "status at `res.status` is not an HTTP status code",
            ),
            (
                r#"{"ts":1,"req":{"method":"GET","url":"/"},"res":{"status":200,"elapsed_ms":-3}}"#,
                "duration at `res.elapsed_ms` is not a non-negative number",
            ),
        ];
        for (line, reason) in cases {
            assert_eq!(invalid_reason(&p, line), reason, "{line}");
        }
    }

    #[test]
    fn okta_event_is_invalid() {
        let line = r#"{"actor":{"id":"00u1"},"eventType":"user.session.end","published":"2020-02-14T22:18:51.843Z"}"#;
        assert_eq!(invalid_reason(&standard(), line), "no time value at `ts`");
    }

    #[test]
    fn parse_rejects_unknown_name() {
        let error = FieldMapping::parse(&options(&["stat=x"])).unwrap_err();
        assert!(error.contains("unknown --field name `stat`"), "{error}");
        assert!(error.contains("header.<Name>"), "{error}");
    }

    #[test]
    fn parse_rejects_bad_options() {
        let missing_equals = FieldMapping::parse(&options(&["status"])).unwrap_err();
        assert!(
            missing_equals.contains("expected NAME=PATH"),
            "{missing_equals}"
        );
        let empty_segment = FieldMapping::parse(&options(&["status=a..b"])).unwrap_err();
        assert!(
            empty_segment.contains("none of them empty"),
            "{empty_segment}"
        );
        let twice = FieldMapping::parse(&options(&["url=a", "path=b"])).unwrap_err();
        assert!(twice.contains("url or path more than once"), "{twice}");
        let no_header = FieldMapping::parse(&options(&["header.=a"])).unwrap_err();
        assert!(no_header.contains("names no header"), "{no_header}");
    }

    #[test]
    fn from_pairs_matches_parse() {
        let pairs = vec![
            ("time".to_owned(), "ts".to_owned()),
            ("status".to_owned(), "res.code".to_owned()),
        ];
        let from_pairs = FieldMapping::from_pairs(&pairs).unwrap();
        let parsed = FieldMapping::parse(&options(&["time=ts", "status=res.code"])).unwrap();
        assert_eq!(from_pairs, parsed);
        let unknown = FieldMapping::from_pairs(&[("stat".to_owned(), "x".to_owned())]);
        assert!(unknown.is_err());
    }

    #[test]
    fn new_lists_missing_fields() {
        let mapping = FieldMapping::parse(&options(&["method=m"])).unwrap();
        let error = JsonLines::new(mapping).unwrap_err();
        assert_eq!(
            error,
            "the JSON log mapping needs a --field for: time (or start_time), url (or path), status"
        );
    }
}
