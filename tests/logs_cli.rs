//! The `ratelint analyze` inputs for access logs as a user gives them: standard input,
//! compressed files, directories of rotated logs, glob patterns and the new options.

use std::io::Write;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const COMBINED_LINE: &str = "192.0.2.1 - - [20/Jul/2009:22:59:26 +0000] \"GET /v1/items HTTP/1.1\" \
                             200 134 \"-\" \"curl/8.5.0\"\n";

fn ratelint() -> Command {
    let mut command = Command::cargo_bin("ratelint").expect("binary is built");
    command.env_remove("COLUMNS").env_remove("NO_COLOR");
    command
}

/// Runs `analyze --format json` and returns the report and the exit code.
fn analyze_json(command: &mut Command) -> (Value, i32) {
    let output = command
        .args(["--format", "json", "--fail-on", "never"])
        .output()
        .expect("ratelint runs");
    let code = output.status.code().expect("exit code");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (json, code)
}

fn input_paths(report: &Value) -> Vec<String> {
    report["inputs"]
        .as_array()
        .expect("inputs array")
        .iter()
        .map(|input| input["path"].as_str().expect("path").to_string())
        .collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

fn sample_har() -> Vec<u8> {
    std::fs::read(Path::new("samples").join("clean.har")).expect("samples/clean.har")
}

/// Checks that a combined-format input was detected as such and read.
fn assert_combined(input: &Value) {
    let path = input["path"].as_str().unwrap_or("?");
    assert_eq!(input["error"], Value::Null, "{path}");
    assert_eq!(input["format"], "combined", "{path}");
    assert!(input["records"].as_u64() > Some(0), "{path}");
}

#[test]
fn stdin_har_read() {
    let (report, code) = analyze_json(ratelint().args(["analyze", "-"]).write_stdin(sample_har()));
    assert_eq!(code, 0);
    assert_eq!(input_paths(&report), ["-"]);
    assert_eq!(report["inputs"][0]["format"], "har");
    assert_eq!(report["inputs"][0]["records"], 106);
}

#[test]
fn stdin_log_detected() {
    let (report, _) = analyze_json(
        ratelint()
            .args(["analyze", "-"])
            .write_stdin(COMBINED_LINE.repeat(3)),
    );
    assert_eq!(input_paths(&report), ["-"]);
    assert_combined(&report["inputs"][0]);
}

#[test]
fn gzip_har_decompressed() {
    let dir = tempfile::tempdir().expect("temp dir");
    // No `.gz` suffix: compression is recognised by its magic bytes.
    let path = dir.path().join("capture.har");
    std::fs::write(&path, gzip(&sample_har())).expect("write");
    let (report, code) = analyze_json(ratelint().arg("analyze").arg(&path));
    assert_eq!(code, 0);
    assert_eq!(report["inputs"][0]["format"], "har");
    assert_eq!(report["inputs"][0]["records"], 106);
}

#[test]
fn rotated_logs_oldest_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let logs = dir.path().join("nginx");
    std::fs::create_dir(&logs).expect("mkdir");
    std::fs::write(logs.join("access.log"), COMBINED_LINE).expect("write");
    std::fs::write(logs.join("access.log.1"), COMBINED_LINE).expect("write");
    std::fs::write(logs.join("access.log.2.gz"), gzip(COMBINED_LINE.as_bytes())).expect("write");
    std::fs::write(
        logs.join("access.log.10.gz"),
        gzip(COMBINED_LINE.as_bytes()),
    )
    .expect("write");
    std::fs::write(logs.join("notes.txt"), "not an input").expect("write");

    let (report, _) = analyze_json(ratelint().arg("analyze").arg(&logs));
    let names: Vec<String> = input_paths(&report)
        .iter()
        .map(|p| {
            Path::new(p)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "access.log.10.gz",
            "access.log.2.gz",
            "access.log.1",
            "access.log"
        ]
    );
    for input in report["inputs"].as_array().expect("inputs") {
        assert_combined(input);
    }
}

#[test]
fn quoted_glob_expanded() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("a.har"), sample_har()).expect("write");
    std::fs::write(dir.path().join("b.har"), sample_har()).expect("write");
    std::fs::write(dir.path().join("c.txt"), "x").expect("write");
    let pattern = dir.path().join("*.har");
    let (report, code) = analyze_json(ratelint().arg("analyze").arg(&pattern));
    assert_eq!(code, 0);
    assert_eq!(input_paths(&report).len(), 2);
}

#[test]
fn glob_without_match_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = ratelint()
        .arg("analyze")
        .arg(dir.path().join("*.log"))
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("matches no file"), "stderr: {stderr}");
}

#[test]
fn application_log_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("app.log");
    std::fs::write(
        &path,
        "2015-03-12T23:16:52.071:INFO:com.root:Response :\n<tiptop>\n",
    )
    .expect("write");
    let output = ratelint()
        .arg("analyze")
        .arg(&path)
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("app.log"), "stderr: {stderr}");
    assert!(
        stderr.contains("not a recognised access log or HAR file"),
        "stderr: {stderr}"
    );
}

#[test]
fn forced_format_skips_detection() {
    let (report, _) = analyze_json(
        ratelint()
            .args(["analyze", "--input-format", "har", "-"])
            .write_stdin(COMBINED_LINE),
    );
    let error = report["inputs"][0]["error"].as_str().unwrap_or("");
    assert!(error.contains("expected a HAR file"), "{error}");
}

#[test]
fn log_format_needs_nginx_or_apache() {
    let output = ratelint()
        .args(["analyze", "--log-format", "$remote_addr", "-"])
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--input-format nginx"), "stderr: {stderr}");
}

#[test]
fn client_key_values_checked() {
    let output = ratelint()
        .args(["analyze", "--client-key", "cookie", "-"])
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("field:NAME"), "stderr: {stderr}");
}

#[test]
fn field_option_needs_equals() {
    let output = ratelint()
        .args([
            "analyze",
            "--input-format",
            "json",
            "--field",
            "status",
            "-",
        ])
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("NAME=FIELD"), "stderr: {stderr}");
}

#[test]
fn broken_har_keeps_har_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.har");
    std::fs::write(&path, "not json at all\n").expect("write");
    let output = ratelint()
        .arg("analyze")
        .arg(&path)
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not valid JSON"), "stderr: {stderr}");
}
