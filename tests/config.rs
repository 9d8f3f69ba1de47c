//! `ratelint.toml` as a user writes it: discovery, `--config`, overrides, endpoint
//! groups, profiles, errors with their positions, and `ratelint config`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

fn ratelint(dir: &Path) -> Command {
    let mut command = Command::cargo_bin("ratelint").expect("binary is built");
    command
        .current_dir(dir)
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR");
    command
}

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name)
}

fn temp_dir_with(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write file");
    }
    dir
}

/// Runs `ratelint analyze SAMPLE --format json ARGS` in `dir` and returns the report
/// and the exit code.
fn analyze(dir: &Path, sample_name: &str, args: &[&str]) -> (Value, i32) {
    let output = ratelint(dir)
        .arg("analyze")
        .arg(sample(sample_name))
        .args(["--format", "json"])
        .args(args)
        .output()
        .expect("ratelint runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("JSON report ({e}); stderr: {stderr}"));
    (report, output.status.code().unwrap_or(-1))
}

fn rules_fired(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .filter_map(|f| f["rule"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs `ratelint config ARGS` in `dir` and returns standard output, standard error
/// and the exit code.
fn config_command(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let output = ratelint(dir)
        .arg("config")
        .args(args)
        .output()
        .expect("ratelint runs");
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code().unwrap_or(-1),
    )
}

const DISABLE_N_PLUS_ONE: &str = "[rules.n-plus-one]\nenabled = false\n";

#[test]
fn sample_fires_without_config() {
    let dir = temp_dir_with(&[]);
    let (report, _) = analyze(dir.path(), "n-plus-one.har", &[]);
    assert_eq!(rules_fired(&report), ["n-plus-one"]);
}

#[test]
fn config_found_in_working_directory() {
    let dir = temp_dir_with(&[("ratelint.toml", DISABLE_N_PLUS_ONE)]);
    let (report, code) = analyze(dir.path(), "n-plus-one.har", &[]);
    assert!(rules_fired(&report).is_empty(), "{report}");
    assert_eq!(code, 0);
}

#[test]
fn explicit_config_replaces_default_file() {
    let dir = temp_dir_with(&[
        ("ratelint.toml", DISABLE_N_PLUS_ONE),
        ("other.toml", "[rules.n-plus-one]\nseverity = \"error\"\n"),
    ]);
    let (report, code) = analyze(dir.path(), "n-plus-one.har", &["--config", "other.toml"]);
    assert_eq!(rules_fired(&report), ["n-plus-one"]);
    assert_eq!(report["findings"][0]["severity"], "error");
    assert_eq!(code, 1);
}

#[test]
fn missing_explicit_config_fails() {
    let dir = temp_dir_with(&[]);
    let output = ratelint(dir.path())
        .arg("analyze")
        .arg(sample("n-plus-one.har"))
        .args(["--config", "absent.toml"])
        .output()
        .expect("ratelint runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("cannot read the configuration file absent.toml"),
        "{stderr}"
    );
}

#[test]
fn raised_threshold_silences_rule() {
    // The sample requests 25 items after one list.
    let dir = temp_dir_with(&[(
        "ratelint.toml",
        "[rules.n-plus-one]\nmin_item_requests = 26\n",
    )]);
    let (report, _) = analyze(dir.path(), "n-plus-one.har", &[]);
    assert!(rules_fired(&report).is_empty(), "{report}");
}

#[test]
fn lowered_threshold_still_fires() {
    let dir = temp_dir_with(&[(
        "ratelint.toml",
        "[rules.n-plus-one]\nmin_item_requests = 25\n",
    )]);
    let (report, _) = analyze(dir.path(), "n-plus-one.har", &[]);
    assert_eq!(rules_fired(&report), ["n-plus-one"]);
    assert_eq!(report["findings"][0]["metrics"]["min_item_requests"], 25);
}

#[test]
fn fail_on_from_config_and_flag() {
    let dir = temp_dir_with(&[("ratelint.toml", "fail_on = \"warning\"\n")]);
    let (_, from_config) = analyze(dir.path(), "n-plus-one.har", &[]);
    let (_, from_flag) = analyze(dir.path(), "n-plus-one.har", &["--fail-on", "error"]);
    assert_eq!(from_config, 1);
    assert_eq!(from_flag, 0);
}

#[test]
fn endpoint_group_merges_templates() {
    let dir = temp_dir_with(&[(
        "ratelint.toml",
        "[endpoints]\nmember-lists = [\"/api/v1/groups/{id}/users\", \"/api/v1/apps/{id}/users\"]\n",
    )]);
    let (report, _) = analyze(dir.path(), "concurrency-burst.har", &[]);
    let overview = report["overview"].as_array().expect("overview");
    let templates: Vec<&str> = overview
        .iter()
        .filter_map(|row| row["endpoint"]["template"].as_str())
        .collect();
    let merged = overview
        .iter()
        .find(|row| row["endpoint"]["template"] == "member-lists")
        .expect("merged endpoint in the overview");
    assert!(!templates.contains(&"/api/v1/groups/{id}/users"));
    assert!(!templates.contains(&"/api/v1/apps/{id}/users"));
    assert_eq!(merged["requests"], 25);
    assert_eq!(merged["throttled"], 10);
}

/// Each invalid configuration with the line, column and message fragment its error
/// must show.
const INVALID: [(&str, usize, usize, &str); 14] = [
    ("x = [\n", 1, 6, "unclosed array"),
    ("colour = 1\n", 1, 1, "unknown field `colour`"),
    (
        "fail_on = \"sometimes\"\n",
        1,
        11,
        "unknown variant `sometimes`",
    ),
    (
        "[rules.tight-poling]\nenabled = false\n",
        1,
        8,
        "unknown rule `tight-poling`",
    ),
    (
        "[rules.tight-polling]\nenabled = \"no\"\n",
        2,
        11,
        "invalid `enabled`",
    ),
    (
        "[rules.tight-polling]\nseverity = \"fatal\"\n",
        2,
        12,
        "invalid severity `fatal`",
    ),
    (
        "[rules.tight-polling]\n\nmin_request = 3\n",
        3,
        1,
        "unknown thresholds.min_request",
    ),
    (
        "[rules.retry-after-ignored]\ntolerance_ms = \"100\"\n",
        2,
        16,
        "invalid thresholds.tolerance_ms: expected an integer",
    ),
    (
        "[rules.tight-polling]\nmin_requests = 2\n",
        2,
        16,
        "invalid thresholds.min_requests",
    ),
    (
        "[rules.bulk-operation-flood]\nmax_operations_per_s = 0.0\n",
        2,
        24,
        "invalid `max_operations_per_s`",
    ),
    (
        "[endpoints]\nusers = [\"api/users\"]\n",
        2,
        10,
        "invalid template `api/users`",
    ),
    (
        "[endpoints]\na = [\"/x\"]\nb = [\"/x\"]\n",
        3,
        6,
        "template `/x` is already in endpoint alias `a`",
    ),
    (
        "client_key = \"cookie\"\n",
        1,
        14,
        "invalid client key `cookie`",
    ),
    (
        "[profiles.builtin]\nstripe = false\n",
        2,
        1,
        "unknown built-in profile `stripe`",
    ),
];

#[test]
fn invalid_configs_name_position() {
    for (text, line, column, fragment) in INVALID {
        let dir = temp_dir_with(&[("ratelint.toml", text)]);
        let (_, stderr, code) = config_command(dir.path(), &[]);
        let position = format!("error: ratelint.toml:{line}:{column}: ");
        assert_eq!(code, 2, "{text}");
        assert!(stderr.starts_with(&position), "{text}\n{stderr}");
        assert!(stderr.contains(fragment), "{text}\n{stderr}");
    }
}

#[test]
fn invalid_config_stops_analyze() {
    let dir = temp_dir_with(&[("ratelint.toml", "[rules.n-plus-one]\nwindow = 1\n")]);
    let output = ratelint(dir.path())
        .arg("analyze")
        .arg(sample("n-plus-one.har"))
        .output()
        .expect("ratelint runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("ratelint.toml:2:1: "), "{stderr}");
    assert!(output.stdout.is_empty());
}

const PROFILE: &str = r#"name = "acme"
description = "Acme API, test plan."
hosts = ["api.acme.test"]

[[buckets]]
name = "everything"
paths = ["/**"]
limit = 100
window_s = 60
note = "One limit for every request."
"#;

#[test]
fn profile_file_reuses_builtin_name() {
    let okta = PROFILE.replace("\"acme\"", "\"okta\"");
    let dir = temp_dir_with(&[
        ("okta.toml", okta.as_str()),
        ("ratelint.toml", "[profiles]\nfiles = [\"okta.toml\"]\n"),
    ]);
    let (_, stderr, code) = config_command(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("ratelint.toml:2:10: "), "{stderr}");
    assert!(stderr.contains("okta = false"), "{stderr}");
}

#[test]
fn invalid_profile_file_named() {
    let broken = PROFILE.replace("limit = 100", "limit = 0");
    let dir = temp_dir_with(&[
        ("acme.toml", broken.as_str()),
        ("ratelint.toml", "[profiles]\nfiles = [\"acme.toml\"]\n"),
    ]);
    let (_, stderr, code) = config_command(dir.path(), &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("ratelint.toml:2:10: "), "{stderr}");
    assert!(stderr.contains("acme.toml"), "{stderr}");
    assert!(stderr.contains("`limit` must be at least 1"), "{stderr}");
}

#[test]
fn config_output_without_file() {
    let dir = temp_dir_with(&[]);
    let (stdout, _, code) = config_command(dir.path(), &[]);
    let parsed: toml::Table = toml::from_str(&stdout).expect("output is TOML");
    assert_eq!(code, 0);
    assert!(stdout.starts_with("# Effective ratelint configuration: built-in defaults"));
    assert_eq!(parsed["fail_on"].as_str(), Some("error"));
    assert_eq!(parsed["rules"].as_table().map(|t| t.len()), Some(8));
    assert_eq!(
        parsed["rules"]["tight-polling"]["min_requests"].as_integer(),
        Some(8)
    );
}

const FULL: &str = r#"fail_on = "warning"
client_key = "field:user"

[endpoints]
users = ["/api/v1/users/{id}", "/api/v1/users/{id}/groups"]

[profiles]
files = ["acme.toml"]

[profiles.builtin]
github = false

[rules.tight-polling]
enabled = false
min_requests = 20
max_relative_spread = 1

[rules.concurrency-burst]
severity = "warning"
"#;

#[test]
fn config_output_round_trips() {
    let dir = temp_dir_with(&[("acme.toml", PROFILE), ("ratelint.toml", FULL)]);
    let (first, stderr, code) = config_command(dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    let parsed: toml::Table = toml::from_str(&first).expect("output is TOML");
    let polling = &parsed["rules"]["tight-polling"];
    assert_eq!(polling["enabled"].as_bool(), Some(false));
    assert_eq!(polling["min_requests"].as_integer(), Some(20));
    assert_eq!(polling["max_interval_ms"].as_integer(), Some(10000));
    assert_eq!(
        parsed["rules"]["concurrency-burst"]["severity"].as_str(),
        Some("warning")
    );
    assert_eq!(parsed["client_key"].as_str(), Some("field:user"));
    assert_eq!(
        parsed["profiles"]["builtin"]["github"].as_bool(),
        Some(false)
    );
    assert_eq!(parsed["profiles"]["builtin"]["okta"].as_bool(), Some(true));
    assert_eq!(
        parsed["endpoints"]["users"].as_array().map(Vec::len),
        Some(2)
    );

    // Saved elsewhere and read back, the output describes the same configuration.
    let copy = temp_dir_with(&[("saved.toml", first.as_str())]);
    let (second, stderr, code) = config_command(copy.path(), &["--config", "saved.toml"]);
    assert_eq!(code, 0, "{stderr}");
    let body = |text: &str| text.split_once('\n').map(|(_, rest)| rest.to_string());
    assert_eq!(body(&first), body(&second));
    assert!(first.contains("ratelint.toml applied"), "{first}");
    assert!(second.contains("saved.toml applied"), "{second}");
}

fn finding_clients(report: &Value) -> Vec<String> {
    let mut clients: Vec<String> = report["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .filter_map(|f| f["client"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    clients.sort();
    clients.dedup();
    clients
}

#[test]
fn client_key_from_config_and_flag() {
    // Clients of the sample log reach nginx through a proxy at 10.20.0.5, so only
    // their first X-Forwarded-For address distinguishes them.
    let dir = temp_dir_with(&[("ratelint.toml", "client_key = \"ip\"\n")]);
    let (by_ip, _) = analyze(dir.path(), "nginx-api.log", &[]);
    let (by_xff, _) = analyze(dir.path(), "nginx-api.log", &["--client-key", "xff"]);
    assert!(finding_clients(&by_ip).contains(&"10.20.0.5".to_string()));
    assert!(!finding_clients(&by_xff).contains(&"10.20.0.5".to_string()));
    assert!(finding_clients(&by_xff).contains(&"203.0.113.21".to_string()));
}
