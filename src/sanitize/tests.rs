use super::*;

/// One entry with a secret of every kind; each secret contains `S3CR3T`.
const SEEDED: &str = r#"{"log": {"version": "1.2", "creator": {"name": "test", "version": "1"},
  "pages": [{"id": "p1", "title": "https://app.example/cb?code=S3CR3T-page"}],
  "entries": [{
    "startedDateTime": "2026-01-01T00:00:00.000Z", "time": 10,
    "request": {"method": "POST", "url": "https://api.example/v1/login?token=S3CR3T-q&page=2",
      "httpVersion": "HTTP/2",
      "headers": [{"name": "Authorization", "value": "Bearer S3CR3T-h"},
                  {"name": ":path", "value": "/v1/login?token=S3CR3T-q&page=2"},
                  {"name": "Accept", "value": "application/json"}],
      "cookies": [{"name": "sid", "value": "S3CR3T-c"}],
      "queryString": [{"name": "token", "value": "S3CR3T-q"}, {"name": "page", "value": "2"}],
      "postData": {"mimeType": "application/json",
        "text": "{\"user\": \"ann\", \"password\": \"S3CR3T-b\"}"},
      "headersSize": -1, "bodySize": 40},
    "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/2",
      "headers": [{"name": "Set-Cookie", "value": "sid=S3CR3T-sc; Path=/"},
                  {"name": "Location", "value": "https://app.example/cb#access_token=S3CR3T-f"}],
      "cookies": [{"name": "sid", "value": "S3CR3T-rc"}],
      "content": {"size": 80, "mimeType": "application/json",
        "text": "{\"note\": \"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.UzNDUjNULWp3dC1zaWc\", \"refresh_token\": \"S3CR3T-r\"}"},
      "redirectURL": "", "headersSize": -1, "bodySize": 80},
    "cache": {}, "timings": {"send": 0, "wait": 10, "receive": 0},
    "_vendor": {"kept": true}
  }]}}"#;

fn sanitize(options: Options) -> (Value, Summary) {
    let (bytes, summary) = sanitize_har(SEEDED.as_bytes(), options).expect("sanitizes");
    let value = serde_json::from_slice(&bytes).expect("output is JSON");
    (value, summary)
}

#[test]
fn seeded_secrets_all_removed() {
    let (value, _) = sanitize(Options::default());
    let text = value.to_string();
    assert!(!text.contains("S3CR3T"), "{text}");
    // The JWT's signature decodes to `S3CR3T-jwt-sig`.
    assert!(!text.contains("UzNDUjNULWp3dC1zaWc"), "{text}");
}

#[test]
fn summary_counts_each_kind() {
    let (_, summary) = sanitize(Options::default());
    assert_eq!(summary.entries, 1);
    assert_eq!(summary.headers, 2, "Authorization and Set-Cookie");
    assert_eq!(summary.cookies, 2);
    // `token` in url and queryString counts once; `:path`, the Location fragment and
    // the page title count once each.
    assert_eq!(summary.query_values, 4);
    assert_eq!(summary.body_fields, 2);
    assert_eq!(summary.jwts, 1);
    assert_eq!(summary.bodies_dropped, 0);
}

#[test]
fn structure_and_other_fields_kept() {
    let (value, _) = sanitize(Options::default());
    let entry = &value["log"]["entries"][0];
    assert_eq!(entry["_vendor"]["kept"], Value::Bool(true));
    assert_eq!(entry["request"]["headers"][2]["value"], "application/json");
    assert_eq!(entry["request"]["queryString"][1]["value"], "2");
    assert_eq!(entry["request"]["headers"][0]["value"], REDACTED);
    assert_eq!(
        entry["request"]["url"],
        "https://api.example/v1/login?token=%5Bredacted-1%5D&page=2"
    );
    assert_eq!(entry["request"]["queryString"][0]["value"], "[redacted-1]");
    assert_eq!(value["log"]["version"], "1.2");
}

#[test]
fn jwt_header_and_payload_kept() {
    let (value, _) = sanitize(Options::default());
    let body = value["log"]["entries"][0]["response"]["content"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        body.contains("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.redacted-"),
        "{body}"
    );
}

#[test]
fn drop_bodies_keeps_size() {
    let (value, summary) = sanitize(Options { drop_bodies: true });
    let content = &value["log"]["entries"][0]["response"]["content"];
    assert!(content.get("text").is_none());
    assert_eq!(content["size"], 80);
    assert_eq!(summary.bodies_dropped, 1);
}

#[test]
fn second_run_changes_nothing() {
    let (first, _) = sanitize_har(SEEDED.as_bytes(), Options::default()).expect("sanitizes");
    let (second, summary) = sanitize_har(&first, Options::default()).expect("sanitizes");
    assert_eq!(first, second);
    assert_eq!(summary.headers + summary.query_values + summary.jwts, 0);
}

#[test]
fn base64_json_body_scrubbed() {
    let body = STANDARD.encode(r#"{"access_token":"S3CR3T-b64"}"#);
    let har = format!(
        r#"{{"log":{{"entries":[{{"response":{{"content":{{"mimeType":"application/json","encoding":"base64","text":"{body}"}}}}}}]}}}}"#
    );
    let (bytes, summary) = sanitize_har(har.as_bytes(), Options::default()).expect("sanitizes");
    let value: Value = serde_json::from_slice(&bytes).expect("output is JSON");
    let text = value["log"]["entries"][0]["response"]["content"]["text"]
        .as_str()
        .unwrap_or_default();
    let decoded = STANDARD.decode(text).unwrap_or_default();
    let decoded = String::from_utf8_lossy(&decoded);
    assert!(!decoded.contains("S3CR3T"), "{decoded}");
    assert!(decoded.contains("access_token"), "{decoded}");
    assert_eq!(summary.body_fields, 1);
}

#[test]
fn form_body_scrubbed() {
    let har = r#"{"log":{"entries":[{"request":{"postData":{
        "mimeType":"application/x-www-form-urlencoded",
        "text":"grant_type=password&username=ann&password=S3CR3T-p&client_secret=S3CR3T-cs",
        "params":[{"name":"password","value":"S3CR3T-p"},{"name":"username","value":"ann"}]}}}]}}"#;
    let (bytes, summary) = sanitize_har(har.as_bytes(), Options::default()).expect("sanitizes");
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("S3CR3T"), "{text}");
    assert!(text.contains("username=ann"), "{text}");
    assert_eq!(summary.body_fields, 3);
}

#[test]
fn invalid_input_never_quoted() {
    let error = sanitize_har(
        br#"{"log": {"entries": [ "Bearer S3CR3T" "#,
        Options::default(),
    )
    .expect_err("truncated JSON");
    assert!(!error.contains("S3CR3T"), "{error}");
    assert!(error.contains("line 1"), "{error}");
}

#[test]
fn missing_entries_rejected() {
    let error = sanitize_har(br#"{"log": {}}"#, Options::default()).expect_err("no entries");
    assert!(error.contains("log.entries"), "{error}");
}

#[test]
fn hostile_inputs_never_panic() {
    for input in [
        &b""[..],
        b"[]",
        b"null",
        b"{\"log\": {\"entries\": [1, null, [], {\"request\": 3}]}}",
        b"{\"log\": {\"entries\": [{\"request\": {\"headers\": [{\"name\": 1, \"value\": {}}], \"url\": 5, \"cookies\": {}}}]}}",
        b"{\"log\": {\"entries\": [{\"response\": {\"content\": {\"encoding\": \"base64\", \"text\": \"%%%\"}}}]}}",
        b"\xff\xfe{\"log\"",
    ] {
        let _ = sanitize_har(input, Options::default());
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(sanitize_har(deep.as_bytes(), Options::default()).is_err());
}

#[test]
fn default_output_replaces_extension() {
    assert_eq!(
        default_output(Path::new("dir/capture.har")),
        PathBuf::from("dir/capture.sanitized.har")
    );
    assert_eq!(
        default_output(Path::new("capture.json")),
        PathBuf::from("capture.json.sanitized.har")
    );
}
