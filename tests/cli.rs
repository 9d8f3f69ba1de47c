//! The `ratelint` binary as a user runs it: exit codes, formats, samples, errors.

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// The samples and the rules each must fire; `clean.har` must fire none.
const SAMPLES: [(&str, &[&str]); 10] = [
    ("concurrency-burst.har", &["concurrency-burst"]),
    ("tight-polling.har", &["tight-polling"]),
    ("retry-without-backoff.har", &["retry-without-backoff"]),
    ("n-plus-one.har", &["n-plus-one"]),
    ("endpoint-hotspot.har", &["endpoint-hotspot"]),
    ("retry-after-ignored.har", &["retry-after-ignored"]),
    ("bulk-operation-flood.har", &["bulk-operation-flood"]),
    ("remaining-quota-ignored.har", &["remaining-quota-ignored"]),
    ("clean.har", &[]),
    (
        "nginx-api.log",
        &[
            "bulk-operation-flood",
            "concurrency-burst",
            "retry-after-ignored",
            "tight-polling",
        ],
    ),
];

/// Strings planted in the samples as fake credentials; none may reach a report.
const PLANTED_SECRETS: [&str; 4] = ["SSWS", "Bearer", "ghp_", "FAKE"];

fn ratelint() -> Command {
    let mut command = Command::cargo_bin("ratelint").expect("binary is built");
    command.env_remove("COLUMNS").env_remove("NO_COLOR");
    command
}

fn analyze_json(args: &[&str]) -> (Value, i32) {
    let output = ratelint()
        .arg("analyze")
        .args(args)
        .args(["--format", "json"])
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

fn fired_rules(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule name").to_string())
        .collect()
}

#[test]
fn each_sample_fires_only_its_rules() {
    for (file, rules) in SAMPLES {
        let path = format!("samples/{file}");
        let (report, _) = analyze_json(&[&path, "--fail-on", "never"]);
        let fired = fired_rules(&report);
        let expected: BTreeSet<String> = rules.iter().map(|r| r.to_string()).collect();
        assert_eq!(fired, expected, "rules fired on {path}");
    }
}

#[test]
fn samples_directory_reports_every_rule() {
    let (report, code) = analyze_json(&["samples/"]);
    let fired = fired_rules(&report);
    for (_, rules) in SAMPLES {
        for rule in rules {
            assert!(
                fired.contains(rule as &str),
                "{rule} missing from samples/ report"
            );
        }
    }
    assert_eq!(code, 1, "error findings exit with 1");
    assert_eq!(report["schema_version"], 1);
    assert_eq!(
        report["inputs"].as_array().map(Vec::len),
        Some(SAMPLES.len())
    );
}

#[test]
fn clean_sample_exits_zero() {
    let (report, code) = analyze_json(&["samples/clean.har", "--fail-on", "info"]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["findings"], 0);
}

#[test]
fn fail_on_threshold_sets_exit_code() {
    // tight-polling is a warning by default.
    let sample = "samples/tight-polling.har";
    let cases = [("error", 0), ("warning", 1), ("info", 1), ("never", 0)];
    for (fail_on, expected) in cases {
        let code = ratelint()
            .args(["analyze", sample, "--fail-on", fail_on])
            .output()
            .expect("ratelint runs")
            .status
            .code();
        assert_eq!(code, Some(expected), "--fail-on {fail_on}");
    }
}

#[test]
fn missing_input_exits_two() {
    let output = ratelint()
        .args(["analyze", "samples/does-not-exist.har"])
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("does-not-exist.har"), "stderr: {stderr}");
}

#[test]
fn broken_input_reported_and_run_continues() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = dir.path().join("broken.har");
    std::fs::write(&broken, "{\"log\": {\"entries\": [ {\"request\": ").expect("write");
    let output = ratelint()
        .args(["analyze", "--format", "json", "--fail-on", "never"])
        .arg(&broken)
        .arg("samples/clean.har")
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2), "an unreadable input exits 2");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("broken.har"),
        "stderr names the file: {stderr}"
    );
    assert!(
        stderr.contains("line 1"),
        "stderr gives the position: {stderr}"
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("report still written");
    let inputs = report["inputs"].as_array().expect("inputs");
    assert_eq!(inputs.len(), 2);
    assert!(inputs.iter().any(|i| i["error"].is_string()));
    assert!(inputs.iter().any(|i| i["exchanges"].as_u64() > Some(0)));
}

#[test]
fn empty_directory_is_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = ratelint()
        .arg("analyze")
        .arg(dir.path())
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no HAR files"), "stderr: {stderr}");
}

#[test]
fn unknown_option_is_usage_error() {
    let output = ratelint()
        .args(["analyze", "--bogus", "samples/"])
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn output_option_writes_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("audit.md");
    let output = ratelint()
        .args([
            "analyze",
            "samples/",
            "--format",
            "markdown",
            "--fail-on",
            "never",
        ])
        .arg("--output")
        .arg(&target)
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty(), "nothing on stdout with --output");
    let written = std::fs::read_to_string(&target).expect("report written");
    assert!(written.starts_with('#'), "Markdown report: {written:.80}");
}

#[test]
fn table_fits_eighty_columns_without_colour() {
    let output = ratelint()
        .args(["analyze", "samples/", "--fail-on", "never"])
        .output()
        .expect("ratelint runs");
    let text = String::from_utf8(output.stdout).expect("UTF-8 table");
    assert!(!text.contains('\u{1b}'), "no ANSI escapes when piped");
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "line over 80 columns: {line}");
    }
}

#[test]
fn no_format_leaks_planted_secrets() {
    for format in ["table", "markdown", "json"] {
        let output = ratelint()
            .args([
                "analyze",
                "samples/",
                "--fail-on",
                "never",
                "--format",
                format,
            ])
            .output()
            .expect("ratelint runs");
        let text = String::from_utf8_lossy(&output.stdout);
        for secret in PLANTED_SECRETS {
            assert!(!text.contains(secret), "{format} report contains {secret}");
        }
    }
}

#[test]
fn rules_lists_every_rule() {
    let output = ratelint().arg("rules").output().expect("ratelint runs");
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    for (_, rules) in SAMPLES {
        for rule in rules {
            assert!(text.contains(rule), "{rule} missing from `ratelint rules`");
        }
    }
}

#[test]
fn explain_prints_every_section() {
    let output = ratelint()
        .args(["explain", "retry-after-ignored"])
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    for heading in [
        "What it detects",
        "Why it hurts",
        "Known false positives",
        "Example",
        "Fix",
        "Options",
    ] {
        assert!(text.contains(heading), "explain lacks {heading}");
    }
    assert!(!text.contains("TODO"), "explain text is unfinished");
}

#[test]
fn explain_unknown_rule_exits_two() {
    let output = ratelint()
        .args(["explain", "no-such-rule"])
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("ratelint rules"), "stderr: {stderr}");
}

#[test]
fn samples_exist() {
    for (file, _) in SAMPLES {
        assert!(Path::new("samples").join(file).is_file(), "samples/{file}");
    }
}

#[test]
fn same_file_name_stays_two_clients() {
    let dir = tempfile::tempdir().expect("temp dir");
    for day in ["monday", "tuesday"] {
        let folder = dir.path().join(day);
        std::fs::create_dir(&folder).expect("create folder");
        std::fs::copy("samples/tight-polling.har", folder.join("session.har")).expect("copy");
    }
    let path = dir.path().to_string_lossy().into_owned();
    let (report, _) = analyze_json(&[&path, "--fail-on", "never"]);
    assert_eq!(report["summary"]["clients"], 2);
    let polling = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "tight-polling")
        .count();
    assert_eq!(polling, 2, "one polling finding per capture");
}

#[test]
fn input_named_twice_read_once() {
    let (report, _) = analyze_json(&[
        "samples/",
        "samples/tight-polling.har",
        "--fail-on",
        "never",
    ]);
    assert_eq!(
        report["inputs"].as_array().map(Vec::len),
        Some(SAMPLES.len())
    );
    assert!(fired_rules(&report).contains("tight-polling"));
}

#[test]
fn missing_input_still_reports_others() {
    let output = ratelint()
        .args(["analyze", "samples/tight-polling.har", "missing.har"])
        .args(["--format", "json", "--fail-on", "never"])
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    let report: Value = serde_json::from_slice(&output.stdout).expect("report written");
    assert!(fired_rules(&report).contains("tight-polling"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.matches("No such file").count(),
        1,
        "the cause is printed once: {stderr}"
    );
}

#[test]
fn output_over_input_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let capture = dir.path().join("capture.har");
    std::fs::copy("samples/clean.har", &capture).expect("copy");
    let before = std::fs::read(&capture).expect("read");
    let output = ratelint()
        .arg("analyze")
        .arg(&capture)
        .arg("--output")
        .arg(&capture)
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        std::fs::read(&capture).expect("read"),
        before,
        "input untouched"
    );
}

#[test]
fn narrow_columns_respected() {
    let output = ratelint()
        .env("COLUMNS", "60")
        .args(["analyze", "samples/", "--fail-on", "never"])
        .output()
        .expect("ratelint runs");
    let text = String::from_utf8(output.stdout).expect("UTF-8 table");
    for line in text.lines() {
        assert!(line.chars().count() <= 60, "line over 60 columns: {line}");
    }
    assert!(
        text.contains("retry-after-ignored"),
        "rule names still shown"
    );
}
