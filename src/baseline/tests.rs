use super::*;
use crate::analyze::{Analysis, Summary};
use crate::model::testkit::exchange;
use crate::rules::builtin_rules;

fn finding(path: &str, client: &str) -> Finding {
    let rules = builtin_rules().expect("built-in rules load");
    let request = exchange("GET", path, 0).client(client).build();
    let mut finding = rules[0].spec().finding(&[&request], "message".to_string());
    finding.endpoint = Some(request.endpoint());
    finding
}

fn analysis(findings: Vec<Finding>) -> Analysis {
    Analysis {
        inputs: Vec::new(),
        summary: Summary {
            findings: findings.len(),
            ..Summary::default()
        },
        overview: Vec::new(),
        findings,
        limitations: Vec::new(),
        baseline: None,
    }
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("test date")
}

fn entry_text(fingerprint: &str, extra: &str) -> String {
    format!("[[finding]]\nfingerprint = \"{fingerprint}\"\n{extra}\n")
}

fn parse_error(text: &str) -> (usize, usize, String) {
    match Baseline::parse(text, "b.toml") {
        Err(BaselineError::Invalid {
            line,
            column,
            message,
            ..
        }) => (line, column, message),
        other => panic!("expected an invalid baseline, got {other:?}"),
    }
}

#[test]
fn render_then_parse_round_trip() {
    let findings = vec![finding("/v1/items/1", "a"), finding("/v1/orders/1", "a")];
    let text = render(&findings, None);
    let baseline = Baseline::parse(&text, "b.toml").expect("rendered baseline parses");
    assert_eq!(baseline.entries.len(), 2);
    assert!(
        baseline
            .entries
            .iter()
            .any(|e| e.fingerprint == findings[0].fingerprint())
    );
    assert!(baseline.entries.iter().all(|e| e.reason.is_empty()));
    assert!(baseline.entries.iter().all(|e| e.expires.is_none()));
}

#[test]
fn render_merges_shared_fingerprints() {
    let findings = vec![finding("/v1/items/1", "a"), finding("/v1/items/2", "a")];
    let baseline = Baseline::parse(&render(&findings, None), "b.toml").expect("parses");
    assert_eq!(baseline.entries.len(), 1);
}

#[test]
fn render_keeps_previous_acknowledgement() {
    let findings = vec![finding("/v1/items/1", "a")];
    let print = findings[0].fingerprint();
    let previous = Baseline::parse(
        &entry_text(&print, "reason = \"vendor fix\"\nexpires = \"2027-01-31\""),
        "old.toml",
    )
    .expect("parses");
    let baseline = Baseline::parse(&render(&findings, Some(&previous)), "b.toml").expect("parses");
    assert_eq!(baseline.entries[0].reason, "vendor fix");
    assert_eq!(baseline.entries[0].expires, Some(date("2027-01-31")));
}

#[test]
fn render_quotes_special_characters() {
    let findings = vec![finding("/v1/items/1", "c\"lient\\\n")];
    let baseline = Baseline::parse(&render(&findings, None), "b.toml").expect("parses");
    assert_eq!(baseline.entries[0].client, "c\"lient\\\n");
}

#[test]
fn apply_suppresses_matching_finding() {
    let findings = vec![finding("/v1/items/1", "a"), finding("/v1/orders/1", "a")];
    let baseline =
        Baseline::parse(&entry_text(&findings[0].fingerprint(), ""), "b.toml").expect("parses");
    let mut run = analysis(findings);
    apply(&mut run, &baseline, date("2026-12-04"));
    let outcome = run.baseline.as_ref().expect("outcome recorded");
    assert_eq!(run.findings.len(), 1);
    assert_eq!(run.summary.findings, 1);
    assert_eq!(outcome.suppressed.len(), 1);
    assert!(outcome.stale.is_empty());
    assert!(outcome.expired.is_empty());
}

#[test]
fn expiry_day_still_suppresses() {
    let findings = vec![finding("/v1/items/1", "a")];
    let text = entry_text(&findings[0].fingerprint(), "expires = \"2027-01-31\"");
    let baseline = Baseline::parse(&text, "b.toml").expect("parses");
    let mut run = analysis(findings);
    apply(&mut run, &baseline, date("2027-01-31"));
    assert!(run.findings.is_empty());
}

#[test]
fn expired_entry_reports_finding_again() {
    let findings = vec![finding("/v1/items/1", "a")];
    let text = entry_text(&findings[0].fingerprint(), "expires = 2027-01-31");
    let baseline = Baseline::parse(&text, "b.toml").expect("parses");
    let mut run = analysis(findings);
    apply(&mut run, &baseline, date("2027-02-01"));
    let outcome = run.baseline.as_ref().expect("outcome recorded");
    assert_eq!(run.findings.len(), 1);
    assert_eq!(outcome.expired.len(), 1);
    assert_eq!(outcome.expired[0].findings, 1);
    assert!(outcome.suppressed.is_empty());
    assert!(outcome.stale.is_empty());
}

#[test]
fn unmatched_entry_is_stale() {
    let text = format!(
        "version = 1\n\n{}",
        entry_text("00000000000000aa", "rule = \"tight-polling\"")
    );
    let baseline = Baseline::parse(&text, "b.toml").expect("parses");
    let mut run = analysis(vec![finding("/v1/items/1", "a")]);
    apply(&mut run, &baseline, date("2026-12-04"));
    let outcome = run.baseline.as_ref().expect("outcome recorded");
    assert_eq!(outcome.stale.len(), 1);
    assert_eq!(outcome.stale[0].line, 4);
    assert_eq!(run.findings.len(), 1);
    assert!(outcome.stale_lines()[0].contains("b.toml line 4"));
}

#[test]
fn fingerprint_case_is_ignored() {
    let findings = vec![finding("/v1/items/1", "a")];
    let upper = findings[0].fingerprint().to_ascii_uppercase();
    let baseline = Baseline::parse(&entry_text(&upper, ""), "b.toml").expect("parses");
    let mut run = analysis(findings);
    apply(&mut run, &baseline, date("2026-12-04"));
    assert!(run.findings.is_empty());
}

#[test]
fn empty_file_is_valid() {
    let baseline = Baseline::parse("", "b.toml").expect("parses");
    assert!(baseline.entries.is_empty());
}

#[test]
fn unknown_key_has_position() {
    let text = entry_text("00000000000000aa", "reson = \"typo\"");
    let (line, column, message) = parse_error(&text);
    assert_eq!(line, 3);
    assert_eq!(column, 1);
    assert!(message.contains("reson"), "{message}");
}

#[test]
fn bad_date_has_position() {
    let text = entry_text("00000000000000aa", "expires = \"2027-02-30\"");
    let (line, column, message) = parse_error(&text);
    assert_eq!(line, 3);
    assert_eq!(column, 11);
    assert!(message.contains("2027-02-30"), "{message}");
}

#[test]
fn datetime_expiry_rejected() {
    let text = entry_text("00000000000000aa", "expires = 2027-01-31T10:00:00");
    let (line, _, message) = parse_error(&text);
    assert_eq!(line, 3);
    assert!(message.contains("without a time"), "{message}");
}

#[test]
fn duplicate_fingerprint_has_position() {
    let text = format!(
        "{}\n{}",
        entry_text("00000000000000aa", ""),
        entry_text("00000000000000AA", "")
    );
    let (line, column, message) = parse_error(&text);
    assert_eq!(line, 6);
    assert_eq!(column, 15);
    assert!(message.contains("line 2"), "{message}");
}

#[test]
fn malformed_fingerprint_rejected() {
    let (line, _, message) = parse_error(&entry_text("not-a-print", ""));
    assert_eq!(line, 2);
    assert!(message.contains("16 hex digits"), "{message}");
}

#[test]
fn unsupported_version_rejected() {
    let (line, column, message) = parse_error("version = 2\n");
    assert_eq!(line, 1);
    assert_eq!(column, 11);
    assert!(message.contains("version 2"), "{message}");
}

#[test]
fn toml_syntax_error_has_position() {
    let (line, _, _) = parse_error("version = 1\n[[finding]\n");
    assert_eq!(line, 2);
}

#[test]
fn line_column_counts_characters() {
    assert_eq!(file::line_column("é\nab", 4), (2, 2));
}
