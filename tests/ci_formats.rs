//! Tests of the CI report formats (SARIF, JUnit, GitHub annotations, GitLab Code
//! Quality) and of `--report FORMAT=FILE`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

use ratelint::analyze::{self, Analysis, InputSummary, Summary};
use ratelint::ingest::InputFormat;
use ratelint::model::testkit::T0_MS;
use ratelint::model::{Endpoint, Position, Source, Timestamp};
use ratelint::report::{self, Format, ReportOptions};
use ratelint::rules::{self, Confidence, Evidence, Finding, Profiles, Severity};

// ---------------------------------------------------------------------------------
// Builders

fn options() -> ReportOptions {
    let rules = rules::builtin_rules().expect("built-in rules load");
    ReportOptions {
        color: false,
        width: 80,
        rules: rules.iter().map(|r| r.spec().clone()).collect(),
    }
}

fn analyze_samples() -> Analysis {
    let rules = rules::builtin_rules().expect("built-in rules load");
    let profiles = Profiles::builtin().expect("built-in profiles load");
    let files = analyze::collect_inputs(&[PathBuf::from("samples")]);
    let (exchanges, inputs) = analyze::load_inputs(&files, &Default::default());
    analyze::analyze_exchanges(&exchanges, inputs, &rules, &profiles)
}

fn render(analysis: &Analysis, format: Format) -> String {
    let mut out = Vec::new();
    report::reporter(format, options())
        .write(analysis, &mut out)
        .expect("report renders");
    let text = String::from_utf8(out).expect("UTF-8 report");
    text.replace(env!("CARGO_PKG_VERSION"), "[version]")
}

fn input(path: &str, entry_lines: Vec<u32>) -> InputSummary {
    InputSummary {
        path: path.to_string(),
        format: Some(InputFormat::Har),
        records: entry_lines.len() as u64,
        exchanges: entry_lines.len() as u64,
        entry_lines,
        ..InputSummary::default()
    }
}

/// Builds a finding of `rule` at entry `entry` of input 0, `offset_ms` after the
/// testkit's start time.
fn finding(rule: &'static str, severity: Severity, entry: u64, offset_ms: i64) -> Finding {
    Finding {
        rule,
        severity,
        cause: 2,
        cause_title: "Retry storms".into(),
        client: "captures/web.har".into(),
        host: "api.example.com".into(),
        endpoint: Some(Endpoint {
            method: "GET".into(),
            template: format!("/v1/items/{entry}").into(),
        }),
        start: Timestamp::from_millis(T0_MS + offset_ms),
        end: Timestamp::from_millis(T0_MS + offset_ms + 500),
        message: format!("Finding at entry {entry}: 50% <over> the \"limit\"\nsecond line"),
        fix: "Back off & retry.".into(),
        confidence: Confidence::High,
        metrics: BTreeMap::new(),
        evidence: Evidence {
            sources: vec![Source {
                input: 0,
                position: Position::Entry(entry),
            }],
            more: 0,
        },
        fixed_fingerprint: None,
    }
}

/// Builds an analysis over one HAR whose entry `i` starts on line `i + 10`.
fn analysis_with(mut findings: Vec<Finding>) -> Analysis {
    findings.sort_by(Finding::report_order);
    let inputs = vec![input("captures/web.har", (10..110).collect())];
    let summary = Summary {
        inputs: inputs.len(),
        findings: findings.len(),
        ..Summary::default()
    };
    Analysis {
        inputs,
        summary,
        overview: Vec::new(),
        findings,
        limitations: Vec::new(),
        baseline: None,
    }
}

/// Builds `count` findings of one severity at entries `first..first + count`.
fn many(rule: &'static str, severity: Severity, first: u64, count: u64) -> Vec<Finding> {
    (first..first + count)
        .map(|entry| finding(rule, severity, entry, entry as i64 * 1000))
        .collect()
}

// ---------------------------------------------------------------------------------
// Snapshots on the samples

#[test]
fn samples_sarif_report() {
    insta::assert_snapshot!(render(&analyze_samples(), Format::Sarif));
}

#[test]
fn samples_junit_report() {
    insta::assert_snapshot!(render(&analyze_samples(), Format::Junit));
}

#[test]
fn samples_github_report() {
    insta::assert_snapshot!(render(&analyze_samples(), Format::Github));
}

#[test]
fn samples_gitlab_report() {
    insta::assert_snapshot!(render(&analyze_samples(), Format::Gitlab));
}

// ---------------------------------------------------------------------------------
// SARIF

/// The `language` pattern of the official schema, which has a stray `]`. JavaScript
/// reads it as a literal `]` outside the `u` flag, but the Rust regex engines of the
/// `jsonschema` crate reject it, so it is escaped before compiling. ratelint writes no
/// `language` property, so the change cannot hide an error in its output.
const LANGUAGE_PATTERN: &str = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
const LANGUAGE_PATTERN_ESCAPED: &str = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#;

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string("tests/fixtures/sarif/sarif-schema-2.1.0.json")
        .expect("SARIF schema fixture is readable");
    assert!(text.contains(LANGUAGE_PATTERN), "schema fixture changed");
    let text = text.replace(LANGUAGE_PATTERN, LANGUAGE_PATTERN_ESCAPED);
    let schema: Value = serde_json::from_str(&text).expect("SARIF schema is JSON");
    jsonschema::validator_for(&schema).expect("SARIF schema compiles")
}

fn schema_errors(sarif: &Value) -> Vec<String> {
    sarif_validator()
        .iter_errors(sarif)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

#[test]
fn sarif_samples_match_schema() {
    let sarif: Value = serde_json::from_str(&render(&analyze_samples(), Format::Sarif))
        .expect("SARIF report is JSON");
    assert_eq!(schema_errors(&sarif), Vec::<String>::new());
}

#[test]
fn sarif_failed_input_matches_schema() {
    let mut analysis = analysis_with(many("tight-polling", Severity::Warning, 0, 2));
    analysis.inputs.push(InputSummary {
        path: "/abs/broken capture.har".to_string(),
        error: Some("/abs/broken capture.har: not valid JSON".to_string()),
        ..InputSummary::default()
    });
    analysis.summary.inputs_failed = 1;
    let sarif: Value =
        serde_json::from_str(&render(&analysis, Format::Sarif)).expect("SARIF report is JSON");
    assert_eq!(schema_errors(&sarif), Vec::<String>::new());

    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notification = &invocation["toolExecutionNotifications"][0];
    assert_eq!(notification["level"], "error");
    assert_eq!(
        notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "file:///abs/broken%20capture.har"
    );
}

#[test]
fn sarif_result_points_at_entry_line() {
    let analysis = analysis_with(vec![finding("tight-polling", Severity::Warning, 7, 0)]);
    let sarif: Value =
        serde_json::from_str(&render(&analysis, Format::Sarif)).expect("SARIF report is JSON");
    let run = &sarif["runs"][0];
    let result = &run["results"][0];
    let location = &result["locations"][0];
    assert_eq!(location["physicalLocation"]["region"]["startLine"], 17);
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "captures/web.har"
    );
    assert_eq!(
        location["logicalLocations"][0]["fullyQualifiedName"],
        "log.entries[7]"
    );
    assert_eq!(result["level"], "warning");
    let index = result["ruleIndex"].as_u64().expect("ruleIndex is a number") as usize;
    assert_eq!(run["tool"]["driver"]["rules"][index]["id"], "tight-polling");
    assert_eq!(
        result["partialFingerprints"]["ratelint/v1"],
        analysis.findings[0].fingerprint()
    );
}

#[test]
fn sarif_lists_every_rule() {
    let sarif: Value = serde_json::from_str(&render(&analysis_with(Vec::new()), Format::Sarif))
        .expect("SARIF report is JSON");
    let ids: Vec<&str> = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules is an array")
        .iter()
        .filter_map(|rule| rule["id"].as_str())
        .collect();
    assert_eq!(ids, rules::RULE_NAMES);
    assert_eq!(sarif["runs"][0]["results"], Value::Array(Vec::new()));
}

// ---------------------------------------------------------------------------------
// JUnit

fn attribute<'a>(node: roxmltree::Node<'a, '_>, name: &str) -> &'a str {
    node.attribute(name)
        .unwrap_or_else(|| panic!("missing attribute {name}"))
}

#[test]
fn junit_counts_match_findings() {
    let mut findings = many("retry-without-backoff", Severity::Error, 0, 3);
    findings.extend(many("tight-polling", Severity::Warning, 10, 2));
    let analysis = analysis_with(findings);
    let xml = render(&analysis, Format::Junit);
    let document = roxmltree::Document::parse(&xml).expect("JUnit report is XML");

    let suite = document
        .descendants()
        .find(|node| node.has_tag_name("testsuite"))
        .expect("one testsuite");
    assert_eq!(attribute(suite, "name"), "ratelint");
    assert_eq!(attribute(suite, "tests"), "8");
    assert_eq!(attribute(suite, "failures"), "2");
    assert_eq!(attribute(suite, "errors"), "0");

    let cases: Vec<_> = suite
        .children()
        .filter(|node| node.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 8);
    let retry = cases
        .iter()
        .find(|case| attribute(**case, "name") == "retry-without-backoff")
        .expect("testcase of retry-without-backoff");
    let failures: Vec<_> = retry
        .children()
        .filter(|node| node.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 3);
    assert_eq!(attribute(failures[0], "type"), "error");
    assert_eq!(
        attribute(failures[0], "message"),
        "Finding at entry 0: 50% <over> the \"limit\"\nsecond line"
    );
    let text = failures[0].text().unwrap_or("");
    assert!(text.contains("Fix: Back off & retry."), "{text}");
}

#[test]
fn junit_unreadable_input_is_error() {
    let mut analysis = analysis_with(Vec::new());
    analysis.inputs.push(InputSummary {
        path: "broken.har".to_string(),
        error: Some("broken.har: the file is empty".to_string()),
        ..InputSummary::default()
    });
    let xml = render(&analysis, Format::Junit);
    let document = roxmltree::Document::parse(&xml).expect("JUnit report is XML");
    let suite = document
        .descendants()
        .find(|node| node.has_tag_name("testsuite"))
        .expect("one testsuite");
    assert_eq!(attribute(suite, "errors"), "1");
    assert_eq!(attribute(suite, "tests"), "9");
    let errors = document
        .descendants()
        .filter(|node| node.has_tag_name("error"))
        .count();
    assert_eq!(errors, 1);
}

// ---------------------------------------------------------------------------------
// GitHub annotations

fn commands(text: &str, level: &str) -> Vec<String> {
    let prefix = format!("::{level} ");
    text.lines()
        .filter(|line| line.starts_with(&prefix))
        .map(str::to_string)
        .collect()
}

#[test]
fn github_caps_annotations_per_level() {
    let mut findings = many("retry-without-backoff", Severity::Error, 0, 15);
    findings.extend(many("tight-polling", Severity::Warning, 20, 12));
    findings.extend(many("n-plus-one", Severity::Info, 40, 3));
    let text = render(&analysis_with(findings), Format::Github);

    let errors = commands(&text, "error");
    assert_eq!(errors.len(), 10);
    assert_eq!(commands(&text, "warning").len(), 10);
    // Three info findings plus the summary notice.
    assert_eq!(commands(&text, "notice").len(), 4);
    let summary: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with("::notice title=ratelint::"))
        .collect();
    assert_eq!(summary.len(), 1);
    assert!(
        summary[0].contains("7 more annotations left out"),
        "{}",
        summary[0]
    );
    // Earliest first: entry 0 is kept, entry 14 is left out.
    assert!(errors[0].contains("line=10,"), "{}", errors[0]);
    assert!(!text.contains("entry 14:"), "{text}");
}

#[test]
fn github_notice_place_kept_for_summary() {
    let mut findings = many("retry-without-backoff", Severity::Error, 0, 11);
    findings.extend(many("n-plus-one", Severity::Info, 40, 10));
    let text = render(&analysis_with(findings), Format::Github);
    let notices = commands(&text, "notice");
    // Nine info findings plus the summary notice, the tenth place.
    assert_eq!(notices.len(), 10);
    assert!(
        notices[9].starts_with("::notice title=ratelint::"),
        "{}",
        notices[9]
    );
    assert!(text.contains("2 more annotations left out"), "{text}");
}

#[test]
fn github_escapes_message_and_properties() {
    let text = render(
        &analysis_with(vec![finding("tight-polling", Severity::Warning, 1, 0)]),
        Format::Github,
    );
    let warning = &commands(&text, "warning")[0];
    assert!(
        warning.starts_with(
            "::warning file=captures/web.har,line=11,title=ratelint tight-polling%3A Retry storms::"
        ),
        "{warning}"
    );
    assert!(warning.contains("50%25 <over>"), "{warning}");
    assert!(warning.contains("%0Asecond line"), "{warning}");
    assert_eq!(text.lines().count(), 2);
}

// ---------------------------------------------------------------------------------
// GitLab Code Quality

#[test]
fn gitlab_fingerprints_unique() {
    let mut first = finding("tight-polling", Severity::Warning, 1, 0);
    let mut second = finding("tight-polling", Severity::Warning, 2, 5000);
    // Same endpoint, so the finding fingerprints are equal.
    second.endpoint = first.endpoint.clone();
    first.severity = Severity::Error;
    let base = first.fingerprint();
    assert_eq!(base, second.fingerprint());

    let report: Value =
        serde_json::from_str(&render(&analysis_with(vec![first, second]), Format::Gitlab))
            .expect("GitLab report is JSON");
    let issues = report.as_array().expect("an array of issues");
    assert_eq!(issues.len(), 2);
    assert_eq!(issues[0]["fingerprint"], base);
    assert_eq!(issues[1]["fingerprint"], format!("{base}-2"));
    assert_eq!(issues[0]["severity"], "major");
    assert_eq!(issues[1]["severity"], "minor");
    assert_eq!(issues[0]["location"]["lines"]["begin"], 11);
    assert_eq!(issues[0]["location"]["path"], "captures/web.har");
    assert_eq!(issues[0]["check_name"], "tight-polling");
}

// ---------------------------------------------------------------------------------
// Several reports in one run

#[test]
fn one_run_four_outputs() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let markdown = dir.path().join("audit.md");
    let sarif = dir.path().join("ratelint.sarif");
    let junit = dir.path().join("junit.xml");
    let output = Command::cargo_bin("ratelint")
        .expect("binary builds")
        .args([
            "analyze",
            "samples/retry-after-ignored.har",
            "--format",
            "table",
        ])
        .arg("--report")
        .arg(format!("markdown={}", markdown.display()))
        .arg("--report")
        .arg(format!("sarif={}", sarif.display()))
        .arg("--report")
        .arg(format!("junit={}", junit.display()))
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(1));

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("retry-after-ignored"), "{stdout}");
    assert!(!stdout.contains("\"version\": \"2.1.0\""), "{stdout}");

    let markdown = std::fs::read_to_string(markdown).expect("Markdown report written");
    assert!(markdown.starts_with('#'), "{markdown}");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(sarif).expect("SARIF report written"))
            .expect("SARIF report is JSON");
    assert_eq!(
        sarif["runs"][0]["results"][0]["ruleId"],
        "retry-after-ignored"
    );
    assert_eq!(schema_errors(&sarif), Vec::<String>::new());
    let junit = std::fs::read_to_string(junit).expect("JUnit report written");
    let document = roxmltree::Document::parse(&junit).expect("JUnit report is XML");
    assert_eq!(
        document
            .descendants()
            .filter(|node| node.has_tag_name("failure"))
            .count(),
        1
    );
}

#[test]
fn report_unknown_format_rejected() {
    let output = Command::cargo_bin("ratelint")
        .expect("binary builds")
        .args(["analyze", "samples/clean.har", "--report", "pdf=out.pdf"])
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown report format `pdf`"), "{stderr}");
}

#[test]
fn report_without_equals_rejected() {
    let output = Command::cargo_bin("ratelint")
        .expect("binary builds")
        .args(["analyze", "samples/clean.har", "--report", "out.sarif"])
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("expected FORMAT=FILE"), "{stderr}");
}

#[test]
fn report_over_input_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let capture = dir.path().join("capture.har");
    std::fs::copy("samples/clean.har", &capture).expect("sample copied");
    let before = std::fs::read(&capture).expect("capture readable");
    let output = Command::cargo_bin("ratelint")
        .expect("binary builds")
        .arg("analyze")
        .arg(&capture)
        .arg("--report")
        .arg(format!("sarif={}", capture.display()))
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(std::fs::read(&capture).expect("capture readable"), before);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--report"), "{stderr}");
}
