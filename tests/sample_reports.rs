//! Snapshots of the three report formats on the shipped samples.

use std::path::PathBuf;

use ratelint::analyze::{self, Analysis};
use ratelint::report::{self, Format, ReportOptions};
use ratelint::rules::{self, Profiles};

fn analyze_samples() -> (Analysis, ReportOptions) {
    let rules = rules::builtin_rules().expect("built-in rules load");
    let profiles = Profiles::builtin().expect("built-in profiles load");
    let files = analyze::collect_inputs(&[PathBuf::from("samples")]);
    let (exchanges, inputs) = analyze::load_inputs(&files, &Default::default());
    let analysis = analyze::analyze_exchanges(&exchanges, inputs, &rules, &profiles);
    let options = ReportOptions {
        color: false,
        width: 80,
        rules: rules.iter().map(|r| r.spec().clone()).collect(),
    };
    (analysis, options)
}

fn render(format: Format) -> String {
    let (analysis, options) = analyze_samples();
    let mut out = Vec::new();
    report::reporter(format, options)
        .write(&analysis, &mut out)
        .expect("report renders");
    let text = String::from_utf8(out).expect("UTF-8 report");
    text.replace(env!("CARGO_PKG_VERSION"), "[version]")
}

#[test]
fn samples_table_report() {
    insta::assert_snapshot!(render(Format::Table));
}

#[test]
fn samples_markdown_report() {
    insta::assert_snapshot!(render(Format::Markdown));
}

#[test]
fn samples_json_report() {
    insta::assert_snapshot!(render(Format::Json));
}
