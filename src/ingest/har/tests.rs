use std::sync::Arc;

use serde_json::{Value, json};

use super::parse_har;
use crate::ingest::{Loaded, MAX_SKIPPED_LISTED};
use crate::model::{Position, ResourceKind, TimePrecision};

fn parse(text: &str) -> Loaded {
    match parse_har(text.as_bytes(), 0, Arc::from("capture")) {
        Ok(loaded) => loaded,
        Err(message) => panic!("parse failed: {message}"),
    }
}

fn parse_error(text: &str) -> String {
    match parse_har(text.as_bytes(), 0, Arc::from("capture")) {
        Ok(loaded) => panic!("expected an error, got {} records", loaded.records),
        Err(message) => message,
    }
}

/// Builds a minimal valid entry: GET `url` at `started`, with a 200 response after
/// 120 ms.
fn entry(url: &str, started: &str) -> Value {
    json!({
        "startedDateTime": started,
        "time": 120.5,
        "request": {"method": "get", "url": url, "headers": []},
        "response": {"status": 200, "headers": [], "content": {"size": 10, "mimeType": "application/json"}}
    })
}

fn har(entries: Vec<Value>) -> String {
    json!({"log": {"version": "1.2", "creator": {"name": "test"}, "entries": entries}}).to_string()
}

fn one(entry: Value) -> Loaded {
    parse(&har(vec![entry]))
}

const T: &str = "2026-03-01T10:00:00.000Z";

#[test]
fn minimal_entry_fills_exchange() {
    let loaded = one(entry("https://API.example.com:443/v1/users?b=2&a=1&b=3", T));
    assert_eq!(loaded.records, 1);
    assert_eq!(loaded.skipped_total, 0);
    let exchange = &loaded.exchanges[0];
    assert_eq!(&*exchange.method, "GET");
    assert_eq!(&*exchange.scheme, "https");
    assert_eq!(&*exchange.host, "api.example.com");
    assert_eq!(&*exchange.path, "/v1/users");
    assert_eq!(&*exchange.client, "capture");
    assert_eq!(exchange.start.micros(), 1_772_359_200_000_000);
    assert_eq!(exchange.precision, TimePrecision::Milliseconds);
    assert_eq!(exchange.duration_us, Some(120_500));
    assert_eq!(exchange.status, 200);
    assert_eq!(exchange.response_size, Some(10));
    assert_eq!(exchange.kind, ResourceKind::Api);
    assert!(!exchange.cache_hit);
    let keys: Vec<&str> = exchange.query_keys.iter().map(|k| &**k).collect();
    assert_eq!(keys, ["a", "b"]);
}

#[test]
fn bom_is_accepted() {
    let text = format!("\u{feff}{}", har(vec![entry("https://a.io/", T)]));
    assert_eq!(parse(&text).exchanges.len(), 1);
}

#[test]
fn jsonp_wrapper_is_accepted() {
    let text = format!("onInputData({});\n", har(vec![entry("https://a.io/", T)]));
    assert_eq!(parse(&text).exchanges.len(), 1);
}

#[test]
fn versions_and_missing_sections_accepted() {
    for version in ["1.1", "1.2", "1.3"] {
        let text = json!({"log": {"version": version, "entries": [entry("https://a.io/", T)]}});
        assert_eq!(
            parse(&text.to_string()).exchanges.len(),
            1,
            "version {version}"
        );
    }
    let bare = json!({"log": {"entries": [{
        "startedDateTime": T,
        "request": {"method": "GET", "url": "https://a.io/"},
        "response": {"status": 200}
    }]}});
    let loaded = parse(&bare.to_string());
    assert_eq!(loaded.exchanges.len(), 1);
    assert_eq!(loaded.exchanges[0].duration_us, None);
    assert_eq!(loaded.exchanges[0].response_size, None);
}

#[test]
fn not_json_error_names_position() {
    let message = parse_error("{\n  \"log\": {\n    \"entries\": [,]\n  }\n}");
    assert!(message.contains("line 3 column"), "{message}");
    assert!(message.contains("log.entries"), "{message}");
    assert!(
        message.contains("export the capture again as HAR"),
        "{message}"
    );
}

#[test]
fn jsonp_error_position_counts_wrapper() {
    let message = parse_error("cb({\"log\": x})");
    assert!(message.contains("line 1 column 12"), "{message}");
}

#[test]
fn missing_log_is_error() {
    let message = parse_error(r#"{"version": "1.2"}"#);
    assert!(message.contains("no \"log\""), "{message}");
}

#[test]
fn missing_entries_is_error() {
    let message = parse_error(r#"{"log": {"version": "1.1", "creator": {}}}"#);
    assert!(message.contains("no \"entries\""), "{message}");
}

#[test]
fn non_object_documents_are_errors() {
    for text in [
        "",
        "[]",
        "42",
        "\"text\"",
        r#"{"log": []}"#,
        r#"{"log": {"entries": {}}}"#,
    ] {
        let message = parse_error(text);
        assert!(message.contains("expected a HAR file"), "{text}: {message}");
    }
}

#[test]
fn trailing_garbage_is_error() {
    let text = format!("{} trailing", har(vec![]));
    assert!(parse_error(&text).contains("trailing characters"));
}

#[test]
fn empty_entries_is_empty_capture() {
    let loaded = parse(&har(vec![]));
    assert_eq!(loaded.records, 0);
    assert!(loaded.exchanges.is_empty());
}

#[test]
fn time_null_or_negative_unknown() {
    let mut null_time = entry("https://a.io/", T);
    null_time["time"] = Value::Null;
    let mut negative = entry("https://a.io/", T);
    negative["time"] = json!(-1);
    let loaded = parse(&har(vec![null_time, negative]));
    assert_eq!(loaded.exchanges[0].duration_us, None);
    assert_eq!(loaded.exchanges[1].duration_us, None);
}

#[test]
fn missing_time_sums_timings() {
    let mut value = entry("https://a.io/", T);
    value.as_object_mut().unwrap().remove("time");
    value["timings"] = json!({"blocked": -1, "dns": 2, "connect": 10, "ssl": 6, "send": 0.5, "wait": 30, "receive": 1.5});
    assert_eq!(one(value).exchanges[0].duration_us, Some(44_000));
}

#[test]
fn status_zero_and_negative() {
    let mut zero = entry("https://a.io/", T);
    zero["response"]["status"] = json!(0);
    let mut negative = entry("https://a.io/", T);
    negative["response"]["status"] = json!(-1);
    let mut text = entry("https://a.io/", T);
    text["response"]["status"] = json!("404");
    let mut none = entry("https://a.io/", T);
    none.as_object_mut().unwrap().remove("response");
    let loaded = parse(&har(vec![zero, negative, text, none]));
    let statuses: Vec<u16> = loaded.exchanges.iter().map(|e| e.status).collect();
    assert_eq!(statuses, [0, 0, 404, 0]);
}

#[test]
fn start_offsets_and_fractions() {
    let loaded = parse(&har(vec![
        entry("https://a.io/1", "2026-03-01T11:00:00.0000001+01:00"),
        entry("https://a.io/2", "2026-03-01T03:00:00-0700"),
        entry("https://a.io/3", "2026-03-01T10:00:00.123456Z"),
    ]));
    assert_eq!(loaded.skipped_total, 0);
    let starts: Vec<i64> = loaded.exchanges.iter().map(|e| e.start.micros()).collect();
    let base = 1_772_359_200_000_000;
    assert_eq!(starts, [base, base, base + 123_456]);
    assert_eq!(loaded.exchanges[0].precision, TimePrecision::Microseconds);
    assert_eq!(loaded.exchanges[1].precision, TimePrecision::Milliseconds);
}

#[test]
fn unsorted_entries_sorted() {
    let loaded = parse(&har(vec![
        entry("https://a.io/late", "2026-03-01T10:00:02Z"),
        entry("https://a.io/early", "2026-03-01T10:00:01Z"),
        entry("https://a.io/tie", "2026-03-01T10:00:02Z"),
    ]));
    let order: Vec<&str> = loaded.exchanges.iter().map(|e| &*e.path).collect();
    assert_eq!(order, ["/early", "/late", "/tie"]);
    assert_eq!(loaded.exchanges[0].source.position, Position::Entry(1));
}

#[test]
fn wrong_type_entry_skipped_alone() {
    let mut bad = entry("https://a.io/bad", T);
    bad["request"]["headers"] = json!(["Authorization: Bearer s3cr3t"]);
    let loaded = parse(&har(vec![entry("https://a.io/ok", T), bad, json!(7)]));
    assert_eq!(loaded.records, 3);
    assert_eq!(loaded.exchanges.len(), 1);
    assert_eq!(loaded.skipped_total, 2);
    assert_eq!(loaded.skipped[0].position, Position::Entry(1));
    let reason = &loaded.skipped[0].reason;
    assert!(reason.contains("invalid type"), "{reason}");
    assert!(reason.contains("line 1 column"), "{reason}");
    assert!(!reason.contains("s3cr3t"), "{reason}");
    assert_eq!(loaded.skipped[1].position, Position::Entry(2));
}

#[test]
fn unusable_entries_skipped_with_reasons() {
    let mut no_url = entry("https://a.io/", T);
    no_url["request"].as_object_mut().unwrap().remove("url");
    let mut no_start = entry("https://a.io/", T);
    no_start.as_object_mut().unwrap().remove("startedDateTime");
    let mut no_method = entry("https://a.io/", T);
    no_method["request"]["method"] = json!("");
    let loaded = parse(&har(vec![
        no_url,
        entry("data:image/png;base64,AAAA", T),
        entry("blob:https://a.io/9f", T),
        entry("about:blank", T),
        entry("not a url", T),
        entry("https://a.io/", "yesterday"),
        no_start,
        no_method,
        json!({"startedDateTime": T}),
    ]));
    assert!(loaded.exchanges.is_empty());
    assert_eq!(loaded.skipped_total, 9);
    let reasons: Vec<&str> = loaded.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert!(reasons[0].contains("no URL"), "{}", reasons[0]);
    assert!(reasons[1].contains("data: URL"), "{}", reasons[1]);
    assert!(reasons[2].contains("blob: URL"), "{}", reasons[2]);
    assert!(reasons[3].contains("about: URL"), "{}", reasons[3]);
    assert!(reasons[4].contains("not an absolute URL"), "{}", reasons[4]);
    assert!(reasons[5].contains("\"yesterday\""), "{}", reasons[5]);
    assert!(reasons[6].contains("no startedDateTime"), "{}", reasons[6]);
    assert!(reasons[7].contains("no method"), "{}", reasons[7]);
    assert!(reasons[8].contains("no request"), "{}", reasons[8]);
}

#[test]
fn skipped_list_is_capped() {
    let entries = vec![json!(null); MAX_SKIPPED_LISTED + 7];
    let loaded = parse(&har(entries));
    assert_eq!(loaded.skipped.len(), MAX_SKIPPED_LISTED);
    assert_eq!(loaded.skipped_total, (MAX_SKIPPED_LISTED + 7) as u64);
    assert_eq!(loaded.records, (MAX_SKIPPED_LISTED + 7) as u64);
}

#[test]
fn relative_url_rebuilt_from_pseudo_headers() {
    let mut value = entry("/v1/items?page=2", T);
    value["request"]["headers"] = json!([
        {"name": ":scheme", "value": "https"},
        {"name": ":authority", "value": "api.example.com"},
        {"name": ":path", "value": "/v1/items?page=2"}
    ]);
    let loaded = one(value);
    assert_eq!(loaded.exchanges.len(), 1);
    assert_eq!(&*loaded.exchanges[0].host, "api.example.com");
    assert_eq!(&*loaded.exchanges[0].path, "/v1/items");
}

#[test]
fn vendor_fields_ignored() {
    let mut value = entry("https://a.io/", T);
    value["_initiator"] = json!({"type": "script", "stack": {"callFrames": []}});
    value["_webSocketMessages"] = json!([{"type": "send", "time": 1.5, "opcode": 1, "data": "x"}]);
    value["_id"] = json!("0f9a");
    value["_order"] = json!(0);
    value["_priority"] = json!("High");
    value["cache"] = json!([]);
    assert_eq!(one(value).exchanges.len(), 1);
}

#[test]
fn chrome_resource_type_sets_kind() {
    let mut value = entry("https://a.io/app", T);
    value["_resourceType"] = json!("script");
    assert_eq!(one(value).exchanges[0].kind, ResourceKind::Script);
}

#[test]
fn page_load_assets_are_static() {
    let mut entries = Vec::new();
    for (path, mime) in [
        ("/app.js", "application/javascript"),
        ("/site.css", "text/css"),
        ("/logo.png", "image/png"),
        ("/font.woff2", "font/woff2"),
        ("/img/cached.jpg", ""),
    ] {
        let mut value = entry(&format!("https://a.io{path}"), T);
        value["response"]["content"]["mimeType"] = json!(mime);
        entries.push(value);
    }
    let loaded = parse(&har(entries));
    for exchange in &loaded.exchanges {
        assert!(
            exchange.kind.is_static_asset(),
            "{} is {:?}",
            exchange.path,
            exchange.kind
        );
    }
}

#[test]
fn from_cache_flag_is_cache_hit() {
    let mut memory = entry("https://a.io/1", T);
    memory["_fromCache"] = json!("memory");
    let mut safari = entry("https://a.io/2", T);
    safari["_fetchType"] = json!("Memory Cache");
    let mut network = entry("https://a.io/3", T);
    network["_fetchType"] = json!("Network Load");
    let loaded = parse(&har(vec![memory, safari, network]));
    assert_eq!(loaded.cache_hits, 2);
    assert!(loaded.exchanges[0].cache_hit);
    assert!(loaded.exchanges[1].cache_hit);
    assert!(!loaded.exchanges[2].cache_hit);
}

#[test]
fn firefox_zero_transfer_is_cache_hit() {
    let mut value = entry("https://a.io/app.js", T);
    value["time"] = json!(0);
    value["timings"] =
        json!({"blocked": 0, "dns": 0, "connect": 0, "send": 0, "wait": 0, "receive": 0});
    value["response"]["bodySize"] = json!(0);
    value["response"]["content"]["size"] = json!(18656);
    value["cache"] = json!({"afterRequest": null});
    let loaded = one(value);
    assert_eq!(loaded.cache_hits, 1);
    assert!(loaded.exchanges[0].cache_hit);
}

#[test]
fn conditional_304_is_not_cache_hit() {
    let mut value = entry("https://a.io/app.js", T);
    value["response"]["status"] = json!(304);
    value["response"]["bodySize"] = json!(0);
    value["timings"] =
        json!({"blocked": 1, "dns": -1, "connect": -1, "send": 0.2, "wait": 14, "receive": 0.6});
    let loaded = one(value);
    assert_eq!(loaded.cache_hits, 0);
    assert!(!loaded.exchanges[0].cache_hit);
}

#[test]
fn zero_time_without_hint_not_cache_hit() {
    let mut value = entry("https://a.io/v1/ping", T);
    value["time"] = json!(0);
    value["response"]["status"] = json!(204);
    value["response"]["headers"] = json!([{"name": "Date", "value": "x"}]);
    value["response"]["bodySize"] = json!(-1);
    assert!(!one(value).exchanges[0].cache_hit);
}

#[test]
fn request_hash_tracks_repeats() {
    let mut post = entry("https://a.io/v1/x?q=1", T);
    post["request"]["method"] = json!("POST");
    post["request"]["postData"] = json!({"mimeType": "application/json", "text": "{\"a\":1}"});
    let mut other_body = post.clone();
    other_body["request"]["postData"]["text"] = json!("{\"a\":2}");
    let loaded = parse(&har(vec![
        entry("https://a.io/v1/x?q=1", T),
        entry("https://a.io/v1/x?q=1#frag", T),
        entry("https://a.io/v1/x?q=2", T),
        post.clone(),
        post,
        other_body,
    ]));
    let hashes: Vec<u64> = loaded.exchanges.iter().map(|e| e.request_hash).collect();
    assert_eq!(hashes[0], hashes[1], "the fragment is not sent");
    assert_ne!(hashes[0], hashes[2], "query values count");
    assert_ne!(hashes[0], hashes[3], "the method counts");
    assert_eq!(hashes[3], hashes[4]);
    assert_ne!(hashes[3], hashes[5], "the body counts");
}

#[test]
fn response_hash_from_text() {
    let mut a = entry("https://a.io/1", T);
    a["response"]["content"]["text"] = json!("[1,2]");
    let mut b = entry("https://a.io/2", T);
    b["response"]["content"]["text"] = json!("[1,2]");
    let loaded = parse(&har(vec![a, b, entry("https://a.io/3", T)]));
    assert!(loaded.exchanges[0].response_hash.is_some());
    assert_eq!(
        loaded.exchanges[0].response_hash,
        loaded.exchanges[1].response_hash
    );
    assert_eq!(loaded.exchanges[2].response_hash, None);
}

#[test]
fn response_size_falls_back_to_body_size() {
    let mut value = entry("https://a.io/", T);
    value["response"]["content"]["size"] = json!(-1);
    value["response"]["bodySize"] = json!(77);
    assert_eq!(one(value).exchanges[0].response_size, Some(77));
}

#[test]
fn retry_attempt_headers_read() {
    let cases = [
        ("X-Okta-Retry-Count", "2", Some(2)),
        ("amz-sdk-request", "attempt=3; max=4", Some(3)),
        ("Retry-Attempt", "1", Some(1)),
        ("x-stainless-retry-count", "0", Some(0)),
        ("X-Request-Id", "5", None),
    ];
    for (name, value, expected) in cases {
        let mut request = entry("https://a.io/", T);
        request["request"]["headers"] = json!([{"name": name, "value": value}]);
        assert_eq!(one(request).exchanges[0].retry_attempt, expected, "{name}");
    }
}

#[test]
fn listed_ids_from_base64_json() {
    let mut value = entry("https://a.io/v1/users", T);
    // [{"id":1},{"id":"u2"}]
    value["response"]["content"]["text"] = json!("W3siaWQiOjF9LHsiaWQiOiJ1MiJ9XQ==");
    value["response"]["content"]["encoding"] = json!("base64");
    let ids: Vec<String> = one(value).exchanges[0]
        .listed_ids
        .iter()
        .map(|id| id.to_string())
        .collect();
    assert_eq!(ids, ["1", "u2"]);
}

#[test]
fn listed_ids_need_json_mime() {
    let mut value = entry("https://a.io/v1/users", T);
    value["response"]["content"]["mimeType"] = json!("text/html");
    value["response"]["content"]["text"] = json!("[{\"id\":1}]");
    assert!(one(value).exchanges[0].listed_ids.is_empty());
}

#[test]
fn huge_body_is_hashed_not_parsed() {
    let body = format!("[{}]", vec!["{\"id\":1}"; 2_200_000].join(","));
    assert!(body.len() > 16 * 1024 * 1024);
    let mut value = entry("https://a.io/v1/users", T);
    value["response"]["content"]["text"] = json!(body);
    let exchange = &one(value).exchanges[0];
    assert!(exchange.listed_ids.is_empty());
    assert!(exchange.response_hash.is_some());
}

#[test]
fn invalid_utf8_replaced_not_rejected() {
    let mut bytes = har(vec![entry("https://a.io/", T)]).into_bytes();
    let at = bytes.len() - 3;
    bytes.splice(at..at, [b' ', 0xff, b' '].iter().copied());
    // The byte lands in whitespace near the end, so the file stays usable.
    let result = parse_har(&bytes, 0, Arc::from("capture"));
    assert!(result.is_err() || result.is_ok_and(|l| l.exchanges.len() == 1));
}

#[test]
fn garbage_inputs_do_not_panic() {
    let deep = "[".repeat(10_000);
    let deep_entry = format!("{{\"log\":{{\"entries\":[{}]}}}}", "[".repeat(5_000));
    let inputs: Vec<&[u8]> = vec![
        b"",
        b"\xef\xbb\xbf",
        b"\xff\xfe{",
        b"onInputData(",
        b"x()",
        b"{\"log\":{\"entries\":[{\"request\":{\"url\":\"https://[\"}}]}}",
        b"{\"log\":{\"entries\":[{\"startedDateTime\":\"9999-12-31T23:59:59.999999-23:59\",\"request\":{\"method\":\"GET\",\"url\":\"https://a.io\"},\"time\":1e308}]}}",
        deep.as_bytes(),
        deep_entry.as_bytes(),
    ];
    for input in inputs {
        let _ = parse_har(input, 0, Arc::from("capture"));
    }
}

#[test]
fn redaction_hides_string_values() {
    let redacted = super::redact_strings(r#"invalid type: string "Bearer abc\"def", expected x"#);
    assert_eq!(redacted, r#"invalid type: string "...", expected x"#);
}

#[test]
fn api_client_capture_is_all_api() {
    let mut page = entry("https://a.io/", T);
    page["response"]["content"]["mimeType"] = json!("text/html");
    let text =
        json!({"log": {"entries": [page.clone()], "creator": {"name": "Insomnia REST Client"}}});
    assert_eq!(
        parse(&text.to_string()).exchanges[0].kind,
        ResourceKind::Api
    );
    let text = json!({"log": {"creator": {"name": "WebInspector"}, "entries": [page]}});
    assert_eq!(
        parse(&text.to_string()).exchanges[0].kind,
        ResourceKind::Document
    );
}

#[test]
fn malformed_creator_is_ignored() {
    let text = json!({"log": {"creator": [1], "entries": [entry("https://a.io/", T)]}});
    assert_eq!(parse(&text.to_string()).exchanges.len(), 1);
}

#[test]
fn entry_lines_point_at_entry_start() {
    let first = entry("https://api.example.com/v1/a", T).to_string();
    let second = entry("https://api.example.com/v1/b", T).to_string();
    let text = format!("{{\"log\": {{\n  \"entries\": [\n    {first},\n\n    {second}\n  ]\n}}}}");
    let loaded = parse(&text);
    assert_eq!(loaded.entry_lines, [3, 5]);
}

#[test]
fn entry_lines_count_skipped_entries() {
    let text = format!(
        "{{\"log\": {{\"entries\": [\n{{\"request\": 1}},\n{}\n]}}}}",
        entry("https://api.example.com/v1/a", T)
    );
    let loaded = parse(&text);
    assert_eq!(loaded.skipped_total, 1);
    assert_eq!(loaded.entry_lines, [2, 3]);
}
