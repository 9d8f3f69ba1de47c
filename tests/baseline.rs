//! Baselines end to end: `ratelint baseline`, `analyze --baseline`, acknowledgement
//! expiry through the library with a fixed date, stale entries and invalid files.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chrono::NaiveDate;
use serde_json::Value;

use ratelint::analyze::{self, Analysis};
use ratelint::baseline::{self, Baseline};
use ratelint::ingest::input::InputOptions;
use ratelint::rules::{self, Profiles};

fn ratelint() -> Command {
    let mut command = Command::cargo_bin("ratelint").expect("binary is built");
    command.env_remove("COLUMNS").env_remove("NO_COLOR");
    command
}

/// Writes a baseline of `inputs` to `dir/baseline.toml` and returns its path.
fn write_baseline(dir: &Path, inputs: &[&str]) -> PathBuf {
    let path = dir.join("baseline.toml");
    ratelint()
        .arg("baseline")
        .args(inputs)
        .arg("-o")
        .arg(&path)
        .assert()
        .code(0);
    path
}

/// Runs `analyze --format json` and returns the report, the exit code and stderr.
fn analyze_json(args: &[&str]) -> (Value, i32, String) {
    let output = ratelint()
        .arg("analyze")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("ratelint runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr: {stderr}"));
    (report, output.status.code().expect("exit code"), stderr)
}

/// Analyzes the samples through the library, as the binary does.
fn analyze_samples() -> Analysis {
    let rules = rules::builtin_rules().expect("built-in rules load");
    let profiles = Profiles::builtin().expect("built-in profiles load");
    let files = analyze::collect_inputs(&[PathBuf::from("samples")]);
    let (exchanges, inputs) = analyze::load_inputs(&files, &InputOptions::default());
    analyze::analyze_exchanges(&exchanges, inputs, &rules, &profiles)
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
}

#[test]
fn round_trip_reports_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_baseline(dir.path(), &["samples/"]);
    let path = path.to_str().expect("UTF-8 path");

    let (report, code, _) = analyze_json(&["samples/", "--baseline", path]);
    assert_eq!(code, 0);
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(0));
    assert_eq!(report["summary"]["findings"], 0);
    assert!(report["baseline"]["suppressed"].as_u64() > Some(0));
    assert_eq!(
        report["baseline"]["stale"].as_array().map(Vec::len),
        Some(0)
    );
}

#[test]
fn round_trip_table_says_suppressed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_baseline(dir.path(), &["samples/"]);
    let output = ratelint()
        .args(["analyze", "samples/", "--baseline"])
        .arg(&path)
        .output()
        .expect("ratelint runs");
    let table = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        table.contains("No findings outside the baseline."),
        "{table}"
    );
    assert!(table.contains("suppressed by the baseline"), "{table}");
}

#[test]
fn new_finding_still_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_baseline(dir.path(), &["samples/tight-polling.har"]);
    let path = path.to_str().expect("UTF-8 path");

    let (report, code, _) = analyze_json(&[
        "samples/tight-polling.har",
        "samples/concurrency-burst.har",
        "--baseline",
        path,
    ]);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(code, 1);
    assert!(rules.contains(&"concurrency-burst"), "{rules:?}");
    assert!(!rules.contains(&"tight-polling"), "{rules:?}");
}

#[test]
fn expired_acknowledgement_brings_finding_back() {
    let mut analysis = analyze_samples();
    let total = analysis.findings.len();
    let text = baseline::render(&analysis.findings, None);
    // Acknowledge the first entry until the end of January 2027.
    let text = text.replacen("expires = \"\"", "expires = \"2027-01-31\"", 1);
    let accepted = Baseline::parse(&text, "b.toml").expect("rendered baseline parses");

    let mut before = analysis.clone();
    baseline::apply(&mut before, &accepted, date("2027-01-31"));
    assert!(before.findings.is_empty());

    baseline::apply(&mut analysis, &accepted, date("2027-02-01"));
    let outcome = analysis.baseline.as_ref().expect("outcome recorded");
    assert_eq!(analysis.findings.len(), outcome.expired[0].findings);
    assert_eq!(outcome.expired.len(), 1);
    assert_eq!(outcome.suppressed.len() + analysis.findings.len(), total);
    assert!(outcome.stale.is_empty());
}

#[test]
fn expired_entry_through_binary() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_baseline(dir.path(), &["samples/tight-polling.har"]);
    let text = std::fs::read_to_string(&path).expect("baseline written");
    let text = text.replacen("expires = \"\"", "expires = \"2000-01-31\"", 1);
    std::fs::write(&path, text).expect("baseline rewritten");
    let path = path.to_str().expect("UTF-8 path");

    let (report, code, stderr) = analyze_json(&["samples/tight-polling.har", "--baseline", path]);
    assert_eq!(code, 0, "tight-polling is a warning");
    assert_eq!(report["findings"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["baseline"]["expired"][0]["expires"], "2000-01-31");
    assert!(stderr.contains("acknowledgement expired"), "{stderr}");
}

#[test]
fn stale_entries_listed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_baseline(dir.path(), &["samples/tight-polling.har"]);
    let path = path.to_str().expect("UTF-8 path");

    let (report, code, stderr) = analyze_json(&["samples/clean.har", "--baseline", path]);
    let stale = report["baseline"]["stale"].as_array().expect("stale array");
    assert_eq!(code, 0);
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0]["rule"], "tight-polling");
    assert!(stale[0]["line"].as_u64() > Some(0));
    assert!(stderr.contains("stale baseline entry"), "{stderr}");
}

#[test]
fn regenerate_keeps_acknowledgement() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_baseline(dir.path(), &["samples/tight-polling.har"]);
    let text = std::fs::read_to_string(&path).expect("baseline written");
    let text = text
        .replacen("reason = \"\"", "reason = \"vendor fixes it\"", 1)
        .replacen("expires = \"\"", "expires = \"2030-06-30\"", 1);
    std::fs::write(&path, text).expect("baseline rewritten");

    write_baseline(dir.path(), &["samples/tight-polling.har"]);
    let accepted = Baseline::load(&path).expect("baseline parses");
    assert_eq!(accepted.entries[0].reason, "vendor fixes it");
    assert_eq!(accepted.entries[0].expires, Some(date("2030-06-30")));
}

#[test]
fn baseline_not_written_on_input_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("baseline.toml");
    let missing = dir.path().join("missing.har");
    ratelint()
        .args(["baseline", "samples/clean.har"])
        .arg(&missing)
        .arg("-o")
        .arg(&path)
        .assert()
        .code(2);
    assert!(!path.exists());
}

#[test]
fn baseline_keeps_foreign_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("notes.toml");
    std::fs::write(&path, "title = \"my notes\"\n").expect("file written");
    ratelint()
        .args(["baseline", "samples/clean.har", "-o"])
        .arg(&path)
        .assert()
        .code(2);
    let text = std::fs::read_to_string(&path).expect("file still there");
    assert_eq!(text, "title = \"my notes\"\n");
}

/// Runs `analyze` with a baseline of the given text and returns exit code and stderr.
fn analyze_with_invalid(text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("b.toml");
    std::fs::write(&path, text).expect("baseline written");
    let output = ratelint()
        .args(["analyze", "samples/clean.har", "--baseline"])
        .arg(&path)
        .output()
        .expect("ratelint runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code().expect("exit code"), stderr)
}

#[test]
fn unknown_key_error_position() {
    let (code, stderr) =
        analyze_with_invalid("[[finding]]\nfingerprint = \"00000000000000aa\"\nreson = \"x\"\n");
    assert_eq!(code, 2);
    assert!(stderr.contains("b.toml:3:1:"), "{stderr}");
    assert!(stderr.contains("reson"), "{stderr}");
}

#[test]
fn bad_date_error_position() {
    let (code, stderr) = analyze_with_invalid(
        "[[finding]]\nfingerprint = \"00000000000000aa\"\nexpires = \"31.01.2027\"\n",
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("b.toml:3:11:"), "{stderr}");
    assert!(stderr.contains("31.01.2027"), "{stderr}");
}

#[test]
fn duplicate_error_position() {
    let entry = "[[finding]]\nfingerprint = \"00000000000000aa\"\n";
    let (code, stderr) = analyze_with_invalid(&format!("{entry}\n{entry}"));
    assert_eq!(code, 2);
    assert!(stderr.contains("b.toml:5:15:"), "{stderr}");
    assert!(stderr.contains("duplicate fingerprint"), "{stderr}");
}

#[test]
fn missing_baseline_is_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = ratelint()
        .args(["analyze", "samples/clean.har", "--baseline"])
        .arg(dir.path().join("none.toml"))
        .output()
        .expect("ratelint runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("cannot read the baseline"), "{stderr}");
}
