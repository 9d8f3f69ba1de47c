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
        let _ = writeln!(text, "## {heading}\n{}\n", trim_blank_lines(body));
    }
    let _ = writeln!(text, "## Options\n{}", spec.thresholds_toml);
    text
}

/// Removes leading and trailing blank lines but keeps the indentation of the first line,
/// which matters for indented examples.
fn trim_blank_lines(text: &str) -> &str {
    let start = text
        .char_indices()
        .find(|(_, c)| !c.is_whitespace())
        .map(|(i, _)| text[..i].rfind('\n').map_or(0, |n| n + 1))
        .unwrap_or(text.len());
    text[start..].trim_end()
}

#[cfg(test)]
mod tests {
    use super::trim_blank_lines;

    #[test]
    fn indentation_of_first_line_kept() {
        assert_eq!(
            trim_blank_lines("\n\n  GET /a\n  GET /b\n\n"),
            "  GET /a\n  GET /b"
        );
        assert_eq!(trim_blank_lines("plain"), "plain");
        assert_eq!(trim_blank_lines("  \n"), "");
    }
}
