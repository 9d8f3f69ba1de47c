//! `ratelint sanitize` as a user runs it: a sample seeded with every kind of secret is
//! sanitized, and the copy must keep its entries and findings but lose the secrets.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};

/// Every seeded secret contains this marker, so one search finds any leftover.
const MARKER: &str = "SEEDSECRET";

/// A JWT whose signature (base64url of `SEEDSECRET-signature`) must not survive.
const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.U0VFRFNFQ1JFVC1zaWduYXR1cmU";
const JWT_SIGNATURE: &str = "U0VFRFNFQ1JFVC1zaWduYXR1cmU";

const SAMPLE: &str = "samples/retry-after-ignored.har";

fn ratelint() -> Command {
    let mut command = Command::cargo_bin("ratelint").expect("binary is built");
    command.env_remove("COLUMNS").env_remove("NO_COLOR");
    command
}

fn push(list: &mut Value, item: Value) {
    if let Some(items) = list.as_array_mut() {
        items.push(item);
    }
}

/// Adds one secret of every kind to every entry of `har`. The secrets are equal in
/// every entry, so that the seeded copy sends the same repeats as the sample.
fn seed(har: &mut Value) {
    let Some(entries) = har["log"]["entries"].as_array_mut() else {
        panic!("sample has no log.entries");
    };
    for entry in entries {
        let request = &mut entry["request"];
        push(
            &mut request["headers"],
            json!({"name": "Cookie", "value": format!("sid={MARKER}-cookie-header")}),
        );
        push(
            &mut request["headers"],
            json!({"name": "X-Api-Key", "value": format!("{MARKER}-api-key")}),
        );
        push(
            &mut request["cookies"],
            json!({"name": "sid", "value": format!("{MARKER}-cookie")}),
        );
        let url = request["url"].as_str().unwrap_or_default().to_string();
        let separator = if url.contains('?') { '&' } else { '?' };
        request["url"] = json!(format!("{url}{separator}access_token={MARKER}-query"));
        push(
            &mut request["queryString"],
            json!({"name": "access_token", "value": format!("{MARKER}-query")}),
        );
        request["postData"] = json!({
            "mimeType": "application/json",
            "text": format!(r#"{{"login": {{"user": "ann", "password": "{MARKER}-body"}}}}"#),
        });

        let response = &mut entry["response"];
        push(
            &mut response["headers"],
            json!({"name": "X-Debug-Token-Echo", "value": format!("{MARKER}-echo")}),
        );
        push(
            &mut response["headers"],
            json!({"name": "X-Trace", "value": format!("trace {JWT}")}),
        );
        push(
            &mut response["cookies"],
            json!({"name": "sid", "value": format!("{MARKER}-set-cookie")}),
        );
    }
}

/// Writes the seeded sample into `dir` and returns its path.
fn seeded_sample(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(SAMPLE).expect("sample is readable");
    let mut har: Value = serde_json::from_str(&text).expect("sample is JSON");
    seed(&mut har);
    let path = dir.join("seeded.har");
    std::fs::write(&path, har.to_string()).expect("seeded copy is written");
    path
}

/// Runs `ratelint sanitize` and returns its standard error.
fn sanitize(args: &[&Path]) -> String {
    let output = ratelint()
        .arg("sanitize")
        .args(args)
        .output()
        .expect("ratelint runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Runs `ratelint analyze` and returns the parts of each finding that do not name
/// the input file.
fn findings(path: &Path) -> Vec<Value> {
    let output = ratelint()
        .arg("analyze")
        .arg(path)
        .args(["--format", "json", "--exit-zero"])
        .output()
        .expect("ratelint runs");
    let report: Value = serde_json::from_slice(&output.stdout).expect("report is JSON");
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|finding| {
            json!({
                "rule": finding["rule"],
                "severity": finding["severity"],
                "host": finding["host"],
                "endpoint": finding["endpoint"],
                "metrics": finding["metrics"],
                "entries": finding["evidence"]["locations"]
                    .as_array()
                    .map(|l| l.iter().map(|l| l["entry"].clone()).collect::<Vec<_>>()),
                "message": finding["message"],
            })
        })
        .collect()
}

fn paths(har: &Value) -> Vec<String> {
    har["log"]["entries"]
        .as_array()
        .expect("entries array")
        .iter()
        .map(|entry| {
            let url = entry["request"]["url"].as_str().unwrap_or_default();
            url.split(['?', '#']).next().unwrap_or_default().to_string()
        })
        .collect()
}

#[test]
fn seeded_secrets_all_removed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = seeded_sample(dir.path());
    let output = dir.path().join("out.har");
    sanitize(&[&input, Path::new("-o"), &output]);

    let text = std::fs::read_to_string(&output).expect("output is written");
    assert!(!text.contains(MARKER), "a seeded secret remains");
    assert!(!text.contains(JWT_SIGNATURE), "the JWT signature remains");
    assert!(!text.contains("FAKE_TOKEN"), "the sample's token remains");
    assert!(
        text.contains("eyJzdWIiOiJhbm4ifQ"),
        "the JWT payload is kept"
    );
}

#[test]
fn entries_and_paths_unchanged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = seeded_sample(dir.path());
    let output = dir.path().join("out.har");
    sanitize(&[&input, Path::new("-o"), &output]);

    let before: Value =
        serde_json::from_str(&std::fs::read_to_string(&input).expect("input")).expect("JSON");
    let after: Value =
        serde_json::from_str(&std::fs::read_to_string(&output).expect("output")).expect("JSON");
    assert!(after["log"]["entries"].is_array(), "log.entries is kept");
    assert_eq!(
        after["log"]["entries"].as_array().map(Vec::len),
        before["log"]["entries"].as_array().map(Vec::len)
    );
    assert_eq!(paths(&after), paths(&before));
    assert_eq!(after["log"]["creator"], before["log"]["creator"]);
}

#[test]
fn findings_survive_sanitizing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = seeded_sample(dir.path());
    let output = dir.path().join("out.har");
    sanitize(&[&input, Path::new("-o"), &output]);

    let original = findings(Path::new(SAMPLE));
    let seeded = findings(&input);
    let sanitized = findings(&output);
    assert!(!original.is_empty(), "the sample must have findings");
    assert_eq!(sanitized, seeded);
    assert_eq!(sanitized, original);
}

#[test]
fn summary_lists_every_kind() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = seeded_sample(dir.path());
    let output = dir.path().join("out.har");
    let stderr = sanitize(&[&input, Path::new("-o"), &output]);

    // 60 entries: Authorization, Cookie and X-Api-Key in each request, and
    // X-Debug-Token-Echo in each response.
    assert!(stderr.contains("headers          240"), "{stderr}");
    assert!(stderr.contains("cookies          120"), "{stderr}");
    assert!(stderr.contains("query values"), "{stderr}");
    assert!(stderr.contains("body fields"), "{stderr}");
    assert!(stderr.contains("JWT signatures   60"), "{stderr}");
    assert!(!stderr.contains(MARKER), "{stderr}");
}

#[test]
fn default_output_beside_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = seeded_sample(dir.path());
    sanitize(&[&input]);
    assert!(dir.path().join("seeded.sanitized.har").is_file());
}

#[test]
fn output_over_input_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = seeded_sample(dir.path());
    let before = std::fs::read(&input).expect("input");
    let output = ratelint()
        .arg("sanitize")
        .arg(&input)
        .arg("-o")
        .arg(dir.path().join(".").join("seeded.har"))
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(std::fs::read(&input).expect("input"), before);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("never overwrites"), "{stderr}");
}

#[test]
fn standard_output_when_dash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = seeded_sample(dir.path());
    let output = ratelint()
        .arg("sanitize")
        .arg(&input)
        .args(["-o", "-", "--drop-bodies"])
        .output()
        .expect("ratelint runs");
    assert!(output.status.success());
    let har: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    let content = &har["log"]["entries"][0]["response"]["content"];
    assert!(content.get("text").is_none(), "body is dropped");
    assert!(content["size"].is_number(), "size is kept");
}

#[test]
fn invalid_input_exits_two() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("broken.har");
    std::fs::write(&input, format!(r#"{{"log": {{"entries": ["{MARKER}"#)).expect("write");
    let output = ratelint()
        .arg("sanitize")
        .arg(&input)
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains(MARKER), "{stderr}");
    assert!(!dir.path().join("broken.sanitized.har").exists());
}
