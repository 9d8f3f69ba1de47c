//! `ratelint explain RULE`: a rule's documentation as plain text.

use std::fmt::Write;

use crate::rules::RuleSpec;

/// Renders a rule's documentation sections, fix and thresholds.
pub fn render(spec: &RuleSpec) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "{}: {}", spec.name, spec.title);
    let _ = writeln!(
        text,
        "Cause {} ({}), default severity {}.\n",
        spec.cause, spec.cause_title, spec.severity
    );
    let sections = [
        ("What it detects", spec.docs.detects.as_str()),
        ("Why it hurts", spec.docs.why.as_str()),
        ("Known false positives", spec.docs.false_positives.as_str()),
        ("Example", spec.docs.example.as_str()),
        ("Fix", &spec.fix),
    ];
    for (heading, body) in sections {
        let _ = writeln!(text, "## {heading}\n{}\n", body.trim());
    }
    let _ = writeln!(text, "## Options\n{}", spec.thresholds_toml);
    text
}
