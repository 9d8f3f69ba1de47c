//! The exit codes of `ratelint analyze` through the real binary: every combination of
//! findings, `--fail-on`, `--exit-zero` and an unreadable input.

use assert_cmd::Command;

/// Samples with the maximum severity of their findings, `None` for no finding.
const FINDINGS: [(&str, Option<&str>); 3] = [
    ("samples/clean.har", None),
    ("samples/tight-polling.har", Some("warning")),
    ("samples/concurrency-burst.har", Some("error")),
];

const FAIL_ON: [&str; 4] = ["error", "warning", "info", "never"];

/// Rank of a severity, to compare a finding with `--fail-on`.
fn rank(severity: &str) -> u8 {
    match severity {
        "info" => 1,
        "warning" => 2,
        "error" => 3,
        _ => u8::MAX,
    }
}

/// Returns the documented exit code for one combination.
fn expected_code(max: Option<&str>, fail_on: &str, exit_zero: bool, input_error: bool) -> i32 {
    if input_error {
        return 2;
    }
    if exit_zero || fail_on == "never" {
        return 0;
    }
    match max {
        Some(severity) if rank(severity) >= rank(fail_on) => 1,
        _ => 0,
    }
}

#[test]
fn exit_code_matrix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("missing.har");
    let mut failures = Vec::new();
    let mut runs = 0;
    for (sample, max) in FINDINGS {
        for fail_on in FAIL_ON {
            for exit_zero in [false, true] {
                for input_error in [false, true] {
                    let mut command = Command::cargo_bin("ratelint").expect("binary is built");
                    command.args(["analyze", sample, "--fail-on", fail_on]);
                    if exit_zero {
                        command.arg("--exit-zero");
                    }
                    if input_error {
                        command.arg(&missing);
                    }
                    let code = command.output().expect("ratelint runs").status.code();
                    let expected = expected_code(max, fail_on, exit_zero, input_error);
                    runs += 1;
                    if code != Some(expected) {
                        failures.push(format!(
                            "{sample} --fail-on {fail_on} exit_zero={exit_zero} \
                             input_error={input_error}: expected {expected}, got {code:?}"
                        ));
                    }
                }
            }
        }
    }
    assert_eq!(runs, 48);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn samples_have_expected_severity() {
    // The matrix relies on each sample's most severe finding; check it directly.
    for (sample, max) in FINDINGS {
        let output = Command::cargo_bin("ratelint")
            .expect("binary is built")
            .args(["analyze", sample, "--format", "json", "--fail-on", "never"])
            .output()
            .expect("ratelint runs");
        let report: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("JSON report");
        let severities: Vec<&str> = report["findings"]
            .as_array()
            .expect("findings array")
            .iter()
            .filter_map(|f| f["severity"].as_str())
            .collect();
        let found = severities.iter().copied().max_by_key(|s| rank(s));
        assert_eq!(found, max, "{sample}");
    }
}

#[test]
fn exit_zero_keeps_usage_errors() {
    Command::cargo_bin("ratelint")
        .expect("binary is built")
        .args([
            "analyze",
            "samples/clean.har",
            "--exit-zero",
            "--fail-on",
            "bogus",
        ])
        .assert()
        .code(2);
}

#[test]
fn exit_zero_keeps_invalid_baseline() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("b.toml");
    std::fs::write(&path, "version = 7\n").expect("baseline written");
    Command::cargo_bin("ratelint")
        .expect("binary is built")
        .args(["analyze", "samples/concurrency-burst.har", "--exit-zero"])
        .arg("--baseline")
        .arg(&path)
        .assert()
        .code(2);
}
