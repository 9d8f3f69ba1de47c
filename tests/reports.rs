//! Snapshot and property tests of the three report formats, over analyses built by hand.

use std::collections::BTreeMap;

use ratelint::analyze::{Analysis, InputSummary, Summary};
use ratelint::ingest::{InputFormat, Skipped};
use ratelint::model::overview::EndpointStats;
use ratelint::model::testkit::T0_MS;
use ratelint::model::{Endpoint, Position, Source, Timestamp};
use ratelint::report::{self, Format, ReportOptions};
use ratelint::rules::{self, Confidence, Evidence, Finding, Limitation, Severity};

// ---------------------------------------------------------------------------------
// Builders

fn at(offset_ms: i64) -> Timestamp {
    Timestamp::from_millis(T0_MS + offset_ms)
}

fn endpoint(method: &str, template: &str) -> Option<Endpoint> {
    Some(Endpoint {
        method: method.into(),
        template: template.into(),
    })
}

fn input(path: &str, records: u64, cache_hits: u64) -> InputSummary {
    InputSummary {
        path: path.to_string(),
        format: Some(InputFormat::Har),
        records,
        exchanges: records,
        cache_hits,
        skipped: Vec::new(),
        skipped_total: 0,
        not_access: 0,
        lines: 0,
        blank: 0,
        warnings: Vec::new(),
        error: None,
        entry_lines: Vec::new(),
    }
}

fn stats(host: &str, method: &str, template: &str, numbers: [u64; 3]) -> EndpointStats {
    let [requests, throttled, peak_per_minute] = numbers;
    EndpointStats {
        host: host.into(),
        endpoint: Endpoint {
            method: method.into(),
            template: template.into(),
        },
        requests,
        throttled,
        peak_per_minute,
        limit_seen: None,
    }
}

/// Evidence of `count` requests at entries 0, 2, 4, ... of input `input`; the
/// sources are capped as rules cap them.
fn evidence(input: u32, count: usize) -> Evidence {
    let all: Vec<Source> = (0..count as u64)
        .map(|i| Source {
            input,
            position: Position::Entry(i * 2),
        })
        .collect();
    let listed = all.len().min(rules::finding::MAX_EVIDENCE);
    Evidence {
        sources: all[..listed].to_vec(),
        more: count - listed,
    }
}

struct FindingSpec {
    rule: &'static str,
    severity: Severity,
    cause: u8,
    cause_title: &'static str,
    client: &'static str,
    endpoint: Option<Endpoint>,
    start_ms: i64,
    end_ms: i64,
    message: &'static str,
    fix: &'static str,
}

fn finding(spec: FindingSpec, evidence: Evidence) -> Finding {
    Finding {
        rule: spec.rule,
        severity: spec.severity,
        cause: spec.cause,
        cause_title: spec.cause_title.into(),
        client: spec.client.into(),
        host: "api.example.com".into(),
        endpoint: spec.endpoint,
        start: at(spec.start_ms),
        end: at(spec.end_ms),
        message: spec.message.to_string(),
        fix: spec.fix.into(),
        confidence: Confidence::High,
        metrics: BTreeMap::new(),
        evidence,
        fixed_fingerprint: None,
    }
}

/// Completes an analysis: sorts the findings into report order and counts them.
fn analysis(
    inputs: Vec<InputSummary>,
    mut summary: Summary,
    mut findings: Vec<Finding>,
) -> Analysis {
    findings.sort_by(Finding::report_order);
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    summary.inputs = inputs.len();
    summary.inputs_failed = inputs.iter().filter(|i| i.error.is_some()).count();
    summary.findings = findings.len();
    summary.errors = count(Severity::Error);
    summary.warnings = count(Severity::Warning);
    summary.infos = count(Severity::Info);
    Analysis {
        inputs,
        summary,
        overview: Vec::new(),
        findings,
        limitations: Vec::new(),
        baseline: None,
    }
}

// ---------------------------------------------------------------------------------
// Analyses

/// Builds a run over one capture in which no rule fired.
fn clean_run() -> Analysis {
    let summary = Summary {
        exchanges: 120,
        api_calls: 96,
        cache_hits: 24,
        throttled: 0,
        clients: 1,
        hosts: 1,
        first_request: Some(at(0)),
        last_request: Some(at(750_500)),
        ..Summary::default()
    };
    let mut analysis = analysis(
        vec![input("captures/web.har", 120, 24)],
        summary,
        Vec::new(),
    );
    analysis.overview = vec![
        stats("api.example.com", "GET", "/api/v1/users/{id}", [64, 0, 12]),
        stats("api.example.com", "POST", "/api/v1/orders", [32, 0, 5]),
    ];
    analysis
}

const RETRY_FIX: &str = "Wait for the delay the server gives in Retry-After before sending \
                         the request again, and retry only idempotent requests.";
const N_PLUS_ONE_FIX: &str = "Fetch the items in one request with an `include` or batch \
                              parameter.\n\n- Cache items that do not change.\n- Ask for \
                              a bulk endpoint.";

/// Builds a run with findings of every severity and four causes, a low-confidence finding,
/// evidence over the cap, skipped entries, an input that could not be read and two
/// limitations, one shared by two inputs.
fn busy_run() -> Analysis {
    let mut web = input("captures/web.har", 140, 6);
    web.exchanges = 127;
    web.skipped_total = 13;
    web.skipped = (0..12)
        .map(|i| Skipped {
            position: Position::Entry(100 + i),
            reason: if i % 2 == 0 {
                "request URL is not absolute".to_string()
            } else {
                "invalid startedDateTime `yesterday`".to_string()
            },
        })
        .collect();
    let mobile = input("captures/mobile.har", 480, 0);
    let broken = InputSummary {
        path: "captures/broken.har".to_string(),
        format: None,
        records: 0,
        exchanges: 0,
        cache_hits: 0,
        skipped: Vec::new(),
        skipped_total: 0,
        not_access: 0,
        lines: 0,
        blank: 0,
        warnings: Vec::new(),
        error: Some("captures/broken.har: invalid JSON at line 1, column 2".to_string()),
        entry_lines: Vec::new(),
    };

    let retry = finding(
        FindingSpec {
            rule: "retry-after-ignored",
            severity: Severity::Error,
            cause: 5,
            cause_title: "Ignoring Retry-After",
            client: "captures/mobile.har",
            endpoint: endpoint("GET", "/api/v1/users/{id}"),
            start_ms: 60_000,
            end_ms: 64_250,
            message: "Sent 25 requests within 4.2 s after a 429 that asked for a 30 s wait \
                      (Retry-After: 30); the first came 120 ms after the 429.",
            fix: RETRY_FIX,
        },
        evidence(1, 25),
    );
    let mut metrics = BTreeMap::new();
    metrics.insert("requests", serde_json::json!(25));
    metrics.insert("retry_after_s", serde_json::json!(30));
    metrics.insert("first_gap_ms", serde_json::json!(120.5));
    let retry = Finding { metrics, ..retry };

    let burst = finding(
        FindingSpec {
            rule: "concurrency-burst",
            severity: Severity::Error,
            cause: 1,
            cause_title: "Too many concurrent requests",
            client: "captures/mobile.har",
            endpoint: None,
            start_ms: 1_000,
            end_ms: 1_900,
            message: "Had 48 requests in flight at once to api.example.com; the threshold \
                      is 20.",
            fix: "Put the requests in a queue with at most 10 in flight.",
        },
        evidence(1, 48),
    );

    let n_plus_one_users = finding(
        FindingSpec {
            rule: "n-plus-one",
            severity: Severity::Warning,
            cause: 3,
            cause_title: "Inefficient API usage (N+1 calls)",
            client: "captures/web.har",
            endpoint: endpoint("GET", "/api/v1/users/{id}"),
            start_ms: 2_000,
            end_ms: 5_500,
            message: "Fetched 30 users one by one right after listing them with \
                      GET /api/v1/users.",
            fix: N_PLUS_ONE_FIX,
        },
        evidence(0, 4),
    );
    let n_plus_one_orders = Finding {
        confidence: Confidence::Low,
        endpoint: endpoint("GET", "/api/v1/orders/{id}"),
        start: at(300_000),
        end: at(303_000),
        message: "Fetched 12 orders one by one after a list response whose body was not \
                  captured."
            .to_string(),
        evidence: evidence(0, 12),
        ..n_plus_one_users.clone()
    };

    let polling = finding(
        FindingSpec {
            rule: "tight-polling",
            severity: Severity::Info,
            cause: 2,
            cause_title: "Aggressive polling and retries without backoff",
            client: "captures/web.har",
            endpoint: endpoint("GET", "/api/v1/jobs/{id}/status"),
            start_ms: 10_000,
            end_ms: 70_000,
            message: "Polled every 500 ms for 60 s; the response did not change.",
            fix: "Poll with a growing interval, or use a webhook.",
        },
        evidence(0, 2),
    );

    let summary = Summary {
        exchanges: 607,
        api_calls: 590,
        throttled: 57,
        clients: 2,
        hosts: 1,
        first_request: Some(at(0)),
        last_request: Some(at(754_000)),
        ..Summary::default()
    };
    let mut analysis = analysis(
        vec![web, mobile, broken],
        summary,
        vec![polling, n_plus_one_orders, retry, n_plus_one_users, burst],
    );
    let mut users = stats(
        "api.example.com",
        "GET",
        "/api/v1/users/{id}",
        [420, 57, 180],
    );
    users.limit_seen = Some(100);
    analysis.overview = vec![
        users,
        stats(
            "api.example.com",
            "GET",
            "/api/v1/orders/{id}",
            [140, 0, 40],
        ),
        stats(
            "api.example.com",
            "GET",
            "/api/v1/jobs/{id}/status",
            [30, 0, 120],
        ),
    ];
    analysis.limitations = vec![
        Limitation {
            rule: "concurrency-burst",
            inputs: vec!["logs/access.log".to_string()],
            reason: "All API calls record when they ended but neither their start nor \
                     their duration, so requests in flight cannot be counted for those \
                     calls, and the rule skips them."
                .to_string(),
        },
        Limitation {
            rule: "tight-polling",
            inputs: vec![
                "captures/mobile.har".to_string(),
                "logs/access.log".to_string(),
            ],
            reason: "No response bodies are recorded, so unchanged responses are \
                     recognised by equal status and size only, with low confidence."
                .to_string(),
        },
    ];
    analysis
}

/// Builds a run whose values contain Markdown and table syntax: `|`, `*`, `_` and backticks.
fn special_characters_run() -> Analysis {
    let summary = Summary {
        exchanges: 10,
        api_calls: 10,
        throttled: 2,
        clients: 1,
        hosts: 1,
        first_request: Some(at(0)),
        last_request: Some(at(9_000)),
        ..Summary::default()
    };
    let finding = finding(
        FindingSpec {
            rule: "endpoint-hotspot",
            severity: Severity::Warning,
            cause: 4,
            cause_title: "Per-endpoint rate limits",
            client: "captures/odd|name*.har",
            endpoint: endpoint("GET", "/search/a|b/*/`raw`_x"),
            start_ms: 0,
            end_ms: 9_000,
            message: "Sent 10 requests | 2 throttled to **one** endpoint _fast_ <b>.",
            fix: "Spread | batch the *search* calls.",
        },
        evidence(0, 2),
    );
    let mut analysis = analysis(
        vec![input("captures/odd|name*.har", 10, 0)],
        summary,
        vec![finding],
    );
    analysis.overview = vec![stats(
        "api.example.com",
        "GET",
        "/search/a|b/*/`raw`_x",
        [10, 2, 10],
    )];
    analysis.limitations = vec![Limitation {
        rule: "n-plus-one",
        inputs: vec!["captures/odd|name*.har".to_string()],
        reason: "No response bodies are recorded, so item requests | lists are tied \
                 by *time* alone."
            .to_string(),
    }];
    analysis
}

// ---------------------------------------------------------------------------------
// Rendering

fn options(width: u16, color: bool) -> ReportOptions {
    let rules = rules::builtin_rules().expect("embedded rule files are valid");
    ReportOptions {
        color,
        width,
        rules: rules.iter().map(|r| r.spec().clone()).collect(),
    }
}

fn render_with(format: Format, options: ReportOptions, analysis: &Analysis) -> String {
    let mut out = Vec::new();
    report::reporter(format, options)
        .write(analysis, &mut out)
        .expect("writing to a Vec succeeds");
    String::from_utf8(out).expect("reports are UTF-8")
}

fn render(format: Format, analysis: &Analysis) -> String {
    render_with(format, options(80, false), analysis)
}

/// Renders JSON with the tool version replaced, so snapshots survive a release.
fn render_json(analysis: &Analysis) -> String {
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    render(Format::Json, analysis).replace(&version, "\"version\": \"[version]\"")
}

fn parse_json(analysis: &Analysis) -> serde_json::Value {
    serde_json::from_str(&render(Format::Json, analysis)).expect("the report is valid JSON")
}

fn all_runs() -> [(&'static str, Analysis); 3] {
    [
        ("clean", clean_run()),
        ("busy", busy_run()),
        ("special", special_characters_run()),
    ]
}

// ---------------------------------------------------------------------------------
// Snapshots

#[test]
fn table_clean_snapshot() {
    insta::assert_snapshot!(render(Format::Table, &clean_run()));
}

#[test]
fn table_busy_snapshot() {
    insta::assert_snapshot!(render(Format::Table, &busy_run()));
}

#[test]
fn table_special_snapshot() {
    insta::assert_snapshot!(render(Format::Table, &special_characters_run()));
}

#[test]
fn markdown_clean_snapshot() {
    insta::assert_snapshot!(render(Format::Markdown, &clean_run()));
}

#[test]
fn markdown_busy_snapshot() {
    insta::assert_snapshot!(render(Format::Markdown, &busy_run()));
}

#[test]
fn markdown_special_snapshot() {
    insta::assert_snapshot!(render(Format::Markdown, &special_characters_run()));
}

#[test]
fn json_clean_snapshot() {
    insta::assert_snapshot!(render_json(&clean_run()));
}

#[test]
fn json_busy_snapshot() {
    insta::assert_snapshot!(render_json(&busy_run()));
}

#[test]
fn json_special_snapshot() {
    insta::assert_snapshot!(render_json(&special_characters_run()));
}

// ---------------------------------------------------------------------------------
// Table

#[test]
fn table_lines_fit_80_columns() {
    for (name, analysis) in all_runs() {
        let output = render(Format::Table, &analysis);
        for line in output.lines() {
            let columns = line.chars().count();
            assert!(columns <= 80, "{name}: {columns} columns: {line}");
        }
    }
}

#[test]
fn table_lines_fit_narrow_terminal() {
    for (name, analysis) in all_runs() {
        let output = render_with(Format::Table, options(50, false), &analysis);
        for line in output.lines() {
            let columns = line.chars().count();
            assert!(columns <= 50, "{name}: {columns} columns: {line}");
        }
    }
}

#[test]
fn table_without_color_has_no_escapes() {
    let output = render(Format::Table, &busy_run());
    assert!(!output.contains('\u{1b}'));
}

#[test]
fn table_with_color_colors_severity() {
    let output = render_with(Format::Table, options(80, true), &busy_run());
    assert!(output.contains("\u{1b}["));
    assert!(output.contains("error"));
}

#[test]
fn table_with_color_fits_80_columns() {
    let output = render_with(Format::Table, options(80, true), &busy_run());
    let escapes = regex::Regex::new("\u{1b}\\[[0-9;]*m").expect("valid pattern");
    let plain = escapes.replace_all(&output, "");
    for line in plain.lines() {
        let columns = line.chars().count();
        assert!(columns <= 80, "{columns} columns: {line}");
    }
}

#[test]
fn table_fix_once_per_rule() {
    let output = render(Format::Table, &busy_run());
    assert_eq!(output.matches("Fix for n-plus-one:").count(), 1);
    assert_eq!(output.matches("Fix for retry-after-ignored:").count(), 1);
}

#[test]
fn table_counts_findings() {
    let output = render(Format::Table, &busy_run());
    let last = output.lines().last().unwrap_or_default();
    assert_eq!(last, "5 findings: 2 errors, 2 warnings, 1 info");
}

#[test]
fn table_clean_run_one_line() {
    let output = render(Format::Table, &clean_run());
    let findings_lines: Vec<&str> = output
        .lines()
        .filter(|line| line.contains("finding"))
        .collect();
    assert_eq!(
        findings_lines,
        ["No findings: none of the 8 rules that ran matched the traffic."]
    );
}

#[test]
fn table_notes_failed_input() {
    let output = render(Format::Table, &busy_run());
    assert!(output.contains("Input failed: captures/broken.har: invalid JSON"));
}

#[test]
fn table_counts_more_evidence() {
    let output = render(Format::Table, &busy_run());
    assert!(output.contains("and 45 more"), "48 requests, 3 listed");
}

#[test]
fn table_escapes_control_characters() {
    let mut analysis = special_characters_run();
    analysis.findings[0].message = "bad \u{1b}[31mred".to_string();
    let output = render(Format::Table, &analysis);
    assert!(!output.contains('\u{1b}'));
    assert!(output.contains("\\u{1b}"));
}

// ---------------------------------------------------------------------------------
// Markdown

#[test]
fn markdown_escapes_message() {
    let output = render(Format::Markdown, &special_characters_run());
    assert!(output.contains("Sent 10 requests \\| 2 throttled to \\*\\*one\\*\\*"));
    assert!(output.contains("\\_fast\\_ \\<b\\>"));
}

#[test]
fn markdown_escapes_pipe_in_cells() {
    let output = render(Format::Markdown, &special_characters_run());
    let row = output
        .lines()
        .find(|line| line.starts_with("| `api.example.com`"))
        .unwrap_or_default();
    // Six cells: seven unescaped pipes.
    let unescaped = row.matches('|').count() - row.matches("\\|").count();
    assert_eq!(unescaped, 7, "{row}");
}

#[test]
fn markdown_groups_by_cause() {
    let output = render(Format::Markdown, &busy_run());
    let headings: Vec<&str> = output
        .lines()
        .filter(|line| line.starts_with("### Cause"))
        .collect();
    assert_eq!(
        headings,
        [
            "### Cause 1: Too many concurrent requests",
            "### Cause 2: Aggressive polling and retries without backoff",
            "### Cause 3: Inefficient API usage (N+1 calls)",
            "### Cause 5: Ignoring Retry-After",
        ]
    );
}

#[test]
fn markdown_caps_evidence() {
    let output = render(Format::Markdown, &busy_run());
    assert!(output.contains("Evidence (48 requests):"));
    assert!(output.contains("- and 38 more"));
}

#[test]
fn markdown_lists_skip_reasons() {
    let output = render(Format::Markdown, &busy_run());
    assert!(output.contains("13 of 140 entries skipped:"));
    assert!(output.contains("- entry 100: request URL is not absolute"));
    assert!(output.contains("- and 3 more"));
}

#[test]
fn markdown_has_no_html() {
    for (name, analysis) in all_runs() {
        let output = render(Format::Markdown, &analysis);
        let unescaped_tag = output.replace("\\<", "").contains('<');
        assert!(!unescaped_tag, "{name}");
    }
}

// ---------------------------------------------------------------------------------
// JSON

#[test]
fn json_header_fields() {
    let json = parse_json(&busy_run());
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["tool"]["name"], "ratelint");
    assert_eq!(json["tool"]["version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn json_ends_with_newline() {
    let output = render(Format::Json, &clean_run());
    assert!(output.ends_with("}\n"));
    assert!(!output.ends_with("\n\n"));
}

#[test]
fn json_inputs_fields() {
    let json = parse_json(&busy_run());
    let web = &json["inputs"][0];
    assert_eq!(web["path"], "captures/web.har");
    assert_eq!(web["format"], "har");
    assert_eq!(web["skipped_total"], 13);
    assert_eq!(web["skipped"][0]["entry"], 100);
    assert_eq!(web["skipped"][0]["reason"], "request URL is not absolute");
    assert!(web["error"].is_null());
    let broken = &json["inputs"][2];
    assert!(broken["format"].is_null());
    assert_eq!(
        broken["error"],
        "captures/broken.har: invalid JSON at line 1, column 2"
    );
}

#[test]
fn json_finding_fields() {
    let json = parse_json(&busy_run());
    let findings = json["findings"].as_array().cloned().unwrap_or_default();
    assert_eq!(findings.len(), 5);
    let burst = &findings[0];
    assert_eq!(burst["rule"], "concurrency-burst");
    assert_eq!(burst["severity"], "error");
    assert_eq!(burst["cause"], 1);
    assert!(burst["endpoint"].is_null());
    assert_eq!(burst["start"], "2026-03-01T10:00:01.000Z");
    assert_eq!(burst["confidence"], "high");
    let retry = &findings[1];
    assert_eq!(retry["rule"], "retry-after-ignored");
    assert_eq!(retry["endpoint"]["method"], "GET");
    assert_eq!(retry["endpoint"]["template"], "/api/v1/users/{id}");
    assert_eq!(retry["metrics"]["retry_after_s"], 30);
    assert_eq!(retry["end"], "2026-03-01T10:01:04.250Z");
}

#[test]
fn json_evidence_uses_paths() {
    let json = parse_json(&busy_run());
    let evidence = &json["findings"][1]["evidence"];
    let locations = evidence["locations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(locations.len(), 20);
    assert_eq!(locations[1]["file"], "captures/mobile.har");
    assert_eq!(locations[1]["entry"], 2);
    assert_eq!(evidence["more"], 5);
}

#[test]
fn json_low_confidence() {
    let json = parse_json(&busy_run());
    let low: Vec<&serde_json::Value> = json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["confidence"] == "low")
        .collect();
    assert_eq!(low.len(), 1);
    assert_eq!(low[0]["endpoint"]["template"], "/api/v1/orders/{id}");
}

#[test]
fn json_keeps_special_characters() {
    let json = parse_json(&special_characters_run());
    assert_eq!(
        json["findings"][0]["message"],
        "Sent 10 requests | 2 throttled to **one** endpoint _fast_ <b>."
    );
}

#[test]
fn json_summary_counts() {
    let json = parse_json(&busy_run());
    let summary = &json["summary"];
    assert_eq!(summary["inputs_failed"], 1);
    assert_eq!(summary["throttled"], 57);
    assert_eq!(summary["errors"], 2);
    assert_eq!(summary["first_request"], "2026-03-01T10:00:00.000Z");
}

#[test]
fn json_line_positions() {
    let mut analysis = clean_run();
    analysis.inputs[0].skipped = vec![Skipped {
        position: Position::Line(7),
        reason: "no status".to_string(),
    }];
    analysis.inputs[0].skipped_total = 1;
    let json = parse_json(&analysis);
    let skipped = &json["inputs"][0]["skipped"][0];
    assert_eq!(skipped["line"], 7);
    assert!(skipped.get("entry").is_none());
}

/// Collects the key paths of a JSON value, with `[]` for array items.
fn key_paths(
    value: &serde_json::Value,
    prefix: &str,
    paths: &mut std::collections::BTreeSet<String>,
) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                let path = format!("{prefix}.{key}");
                paths.insert(path.clone());
                key_paths(item, &path, paths);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                key_paths(item, &format!("{prefix}[]"), paths);
            }
        }
        _ => {}
    }
}

#[test]
fn json_schema_doc_example_matches() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/json-schema.md"))
        .expect("the schema page exists");
    let example = doc
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .unwrap_or_default();
    let example: serde_json::Value = serde_json::from_str(example).expect("the example is JSON");
    let mut documented = std::collections::BTreeSet::new();
    key_paths(&example, "", &mut documented);
    let mut produced = std::collections::BTreeSet::new();
    key_paths(&parse_json(&busy_run()), "", &mut produced);
    // Metric names differ from rule to rule, so they are left out of the comparison.
    let strip = |paths: std::collections::BTreeSet<String>| -> Vec<String> {
        paths
            .into_iter()
            .filter(|p| !p.starts_with(".findings[].metrics."))
            .collect()
    };
    assert_eq!(strip(documented), strip(produced));
}

#[test]
fn table_lists_limitations() {
    let text = render(Format::Table, &busy_run());
    assert!(text.contains("What the inputs cannot show:"));
    assert!(text.contains("  - concurrency-burst on logs/access.log: All API calls"));
}

#[test]
fn markdown_limitations_section() {
    let text = render(Format::Markdown, &busy_run());
    assert!(text.contains("## What the inputs cannot show\n"));
    assert!(text.contains("- `tight-polling` on `captures/mobile.har`, `logs/access.log`:"));
}

#[test]
fn clean_run_has_no_limitations() {
    let run = clean_run();
    assert!(!render(Format::Table, &run).contains("cannot show"));
    assert!(!render(Format::Markdown, &run).contains("cannot show"));
    assert_eq!(parse_json(&run)["limitations"], serde_json::json!([]));
}

#[test]
fn json_lists_limitations() {
    let json = parse_json(&busy_run());
    let limitations = json["limitations"].as_array().expect("an array");
    assert_eq!(limitations.len(), 2);
    assert_eq!(limitations[0]["rule"], "concurrency-burst");
    assert_eq!(limitations[1]["inputs"][1], "logs/access.log");
}
