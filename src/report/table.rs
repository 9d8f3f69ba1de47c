//! `--format table`: the default report, for reading in a terminal.
//!
//! Every line must fit the terminal width given in [`ReportOptions::width`] (80 columns
//! on a default terminal). The findings go into a comfy-table with dynamic content
//! arrangement, which wraps long messages inside their cell, and the text around the
//! table is word-wrapped here. Widths are counted in `char`s, which matches the
//! terminal for the ASCII and box-drawing text this report prints.
//! NOTE: a double-width character (CJK) in a path outside the table counts as one
//! column, so such a line can be wider than the terminal.

use std::io;

use comfy_table::presets::UTF8_FULL;
use comfy_table::{Attribute, Cell, Color, ContentArrangement, Table};

use super::{
    ReportOptions, Reporter, count_noun, fired_rules, input_path, one_line, severity_breakdown,
    time_span,
};
use crate::analyze::{Analysis, InputSummary};
use crate::baseline::BaselineOutcome;
use crate::model::{Position, Source, Timestamp};
use crate::rules::{Finding, Limitation, Severity};

/// Number of evidence locations listed per finding; the rest are counted.
const EVIDENCE_SHOWN: usize = 3;

/// Narrowest width the report is laid out for. A smaller [`ReportOptions::width`] is
/// raised to this, because three table columns cannot be drawn in less.
const MIN_WIDTH: u16 = 40;

/// Renders the report as a terminal table.
pub struct TableReporter {
    pub options: ReportOptions,
}

impl Reporter for TableReporter {
    fn write(&self, analysis: &Analysis, out: &mut dyn io::Write) -> io::Result<()> {
        let width = usize::from(self.options.width.max(MIN_WIDTH));
        let mut lines = Vec::new();

        lines.extend(wrap_parts(&header_parts(analysis), width));
        lines.push(String::new());

        if analysis.findings.is_empty() {
            lines.extend(wrap_words(
                &no_findings_line(analysis, &self.options),
                width,
                "",
            ));
        } else {
            let table = findings_table(analysis, &self.options);
            lines.extend(table.lines());
            lines.push(String::new());
            lines.extend(fix_lines(&analysis.findings, width));
        }

        let problems = input_problem_lines(&analysis.inputs, width);
        if !problems.is_empty() {
            lines.push(String::new());
            lines.extend(problems);
        }

        if !analysis.limitations.is_empty() {
            lines.push(String::new());
            lines.extend(limitation_lines(&analysis.limitations, width));
        }

        if let Some(outcome) = &analysis.baseline {
            lines.push(String::new());
            lines.extend(baseline_lines(outcome, width));
        }

        if !analysis.findings.is_empty() {
            lines.push(String::new());
            lines.push(format!(
                "{}: {}",
                count_noun(analysis.findings.len() as u64, "finding", "findings"),
                severity_breakdown(&analysis.findings)
            ));
        }

        for line in lines {
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// Returns the pieces of the header line: inputs, API calls, throttled responses and
/// the time span of the requests.
fn header_parts(analysis: &Analysis) -> Vec<String> {
    let summary = &analysis.summary;
    let span = match time_span(summary) {
        Some((first, last)) => format_span(first, last),
        None => "no requests".to_string(),
    };

    let mut inputs = count_noun(summary.inputs as u64, "input", "inputs");
    if summary.inputs_failed > 0 {
        inputs.push_str(&format!(" ({} failed)", summary.inputs_failed));
    }

    let mut parts = vec![
        inputs,
        count_noun(summary.api_calls, "API call", "API calls"),
    ];
    // Only API calls count against rate limits; the rest is listed so that a capture
    // with few API calls explains itself.
    if summary.static_assets > 0 {
        parts.push(count_noun(
            summary.static_assets,
            "static asset",
            "static assets",
        ));
    }
    if summary.cache_hits > 0 {
        parts.push(count_noun(summary.cache_hits, "cache hit", "cache hits"));
    }
    if summary.other_requests > 0 {
        parts.push(format!("{} other requests", summary.other_requests));
    }

    parts.push(format!("{} throttled", summary.throttled));
    parts.push(span);
    parts
}

/// Formats a time span as `2026-03-01 10:00:00 to 10:12:30 UTC`, repeating the date
/// only when the span crosses midnight.
fn format_span(first: Timestamp, last: Timestamp) -> String {
    let (Some(first), Some(last)) = (first.to_datetime(), last.to_datetime()) else {
        return format!("{first} to {last}");
    };
    let end_format = if first.date_naive() == last.date_naive() {
        "%H:%M:%S"
    } else {
        "%Y-%m-%d %H:%M:%S"
    };
    format!(
        "{} to {} UTC",
        first.format("%Y-%m-%d %H:%M:%S"),
        last.format(end_format)
    )
}

/// Formats a finding's span with milliseconds, which bursts and retries need:
/// `2026-03-01 10:00:01.250 to 10:00:01.900 UTC`.
fn format_finding_span(start: Timestamp, end: Timestamp) -> String {
    let (Some(start), Some(end)) = (start.to_datetime(), end.to_datetime()) else {
        return format!("{start} to {end}");
    };
    let end_format = if start.date_naive() == end.date_naive() {
        "%H:%M:%S%.3f"
    } else {
        "%Y-%m-%d %H:%M:%S%.3f"
    };
    format!(
        "{} to {} UTC",
        start.format("%Y-%m-%d %H:%M:%S%.3f"),
        end.format(end_format)
    )
}

/// Says that nothing was found, with the number of rules that ran when it is known, and
/// warns when some inputs could not be read.
fn no_findings_line(analysis: &Analysis, options: &ReportOptions) -> String {
    let failed = analysis.summary.inputs_failed;
    if failed > 0 {
        return format!(
            "No findings in the inputs that could be read; {} could not be read (see below).",
            count_noun(failed as u64, "input", "inputs")
        );
    }
    if analysis
        .baseline
        .as_ref()
        .is_some_and(|outcome| !outcome.suppressed.is_empty())
    {
        return "No findings outside the baseline.".to_string();
    }
    let enabled = options.rules.iter().filter(|r| r.enabled).count() as u64;
    if enabled == 0 {
        "No findings.".to_string()
    } else {
        format!(
            "No findings: {} matched the traffic.",
            if enabled == 1 {
                "the rule that ran never".to_string()
            } else {
                format!("none of the {enabled} rules that ran")
            }
        )
    }
}

/// Builds the findings table: one row per finding, in report order.
fn findings_table(analysis: &Analysis, options: &ReportOptions) -> Table {
    let mut table = Table::new();
    // The table is written to any writer, so it must not query the process's own
    // terminal. Colour and width come from the options alone.
    let width = options.width.max(MIN_WIDTH);
    // Below this width a separate Rule column leaves too little room for the finding,
    // so the rule name moves into the finding's first line.
    let rule_column = width >= RULE_COLUMN_MIN_WIDTH;
    table
        .load_style(UTF8_FULL)
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width);
    if rule_column {
        table.set_header(vec!["Severity", "Rule", "Finding"]);
    } else {
        table.set_header(vec!["Severity", "Finding"]);
    }
    if options.color {
        table.enforce_styling();
    }
    for finding in &analysis.findings {
        let text = finding_text(analysis, finding);
        if rule_column {
            table.add_row(vec![
                severity_cell(finding.severity, options.color),
                Cell::new(finding.rule),
                Cell::new(text),
            ]);
        } else {
            table.add_row(vec![
                severity_cell(finding.severity, options.color),
                Cell::new(format!("{}\n{text}", finding.rule)),
            ]);
        }
    }
    table
}

/// Narrowest table width that keeps the Rule column.
const RULE_COLUMN_MIN_WIDTH: u16 = 72;

fn severity_cell(severity: Severity, color: bool) -> Cell {
    let cell = Cell::new(severity.as_str());
    if !color {
        return cell;
    }
    match severity {
        Severity::Error => cell.fg(Color::Red).add_attribute(Attribute::Bold),
        Severity::Warning => cell.fg(Color::Yellow),
        Severity::Info => cell.fg(Color::Cyan),
    }
}

/// Returns the text of a finding's cell: where, when, what, how sure, and the evidence.
fn finding_text(analysis: &Analysis, finding: &Finding) -> String {
    let place = match &finding.endpoint {
        Some(endpoint) => format!("{endpoint} on {}", finding.host),
        None => finding.host.to_string(),
    };
    let mut text = one_line(&place);
    // A HAR capture is its own client; in a log of many clients the client is news.
    let capture_path = finding
        .evidence
        .sources
        .first()
        .and_then(|s| analysis.inputs.get(s.input as usize))
        .map(|input| input.path.as_str());
    if capture_path != Some(&*finding.client) {
        text.push_str(&format!("\nclient {}", one_line(&finding.client)));
    }
    text.push('\n');
    text.push_str(&format_finding_span(finding.start, finding.end));
    text.push('\n');
    text.push_str(&one_line(&finding.message));
    if finding.confidence == crate::rules::Confidence::Low {
        text.push_str("\nConfidence: low (part of the pattern was inferred).");
    }
    if let Some(evidence) = evidence_text(analysis, finding) {
        text.push('\n');
        text.push_str(&evidence);
    }
    text
}

/// Lists the first evidence locations and counts the rest. Neighbouring locations in
/// the same input share the path: `Evidence: a.har entries 3, 5 and 12 more`.
fn evidence_text(analysis: &Analysis, finding: &Finding) -> Option<String> {
    let shown = &finding.evidence.sources[..finding.evidence.sources.len().min(EVIDENCE_SHOWN)];
    if shown.is_empty() {
        return None;
    }
    let is_line = |source: &Source| matches!(source.position, Position::Line(_));
    let groups: Vec<String> = shown
        .chunk_by(|a, b| a.input == b.input && is_line(a) == is_line(b))
        .map(|group| location_group(analysis, group))
        .collect();
    let mut text = format!("Evidence: {}", groups.join(", "));
    let rest = finding.evidence.total() - shown.len();
    if rest > 0 {
        text.push_str(&format!(" and {rest} more"));
    }
    Some(one_line(&text))
}

/// Names locations of one input with one kind of position: `a.har entry 3` or
/// `a.har entries 3, 5`.
fn location_group(analysis: &Analysis, sources: &[Source]) -> String {
    let [first, rest @ ..] = sources else {
        return String::new();
    };
    if rest.is_empty() {
        return analysis.source_label(first);
    }
    let noun = match first.position {
        Position::Entry(_) => "entries",
        Position::Line(_) => "lines",
    };
    let numbers: Vec<String> = sources
        .iter()
        .map(|s| position_number(s.position))
        .collect();
    format!(
        "{} {noun} {}",
        input_path(analysis, first),
        numbers.join(", ")
    )
}

fn position_number(position: Position) -> String {
    match position {
        Position::Entry(number) | Position::Line(number) => number.to_string(),
    }
}

/// Returns the fix of each rule that fired, once per rule, wrapped to `width`.
fn fix_lines(findings: &[Finding], width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for finding in fired_rules(findings) {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(format!("Fix for {}:", finding.rule));
        for paragraph in finding.fix.lines() {
            if paragraph.trim().is_empty() {
                lines.push(String::new());
            } else {
                lines.extend(wrap_words(&one_line(paragraph), width, "  "));
            }
        }
    }
    lines
}

/// Notes the inputs that could not be read and those with skipped records.
fn input_problem_lines(inputs: &[InputSummary], width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for input in inputs {
        let mut notes = Vec::new();
        if let Some(error) = &input.error {
            // The error text already names the file.
            notes.push(format!("Input failed: {error}"));
        } else if input.skipped_total > 0 {
            let mut note = format!("Input {}: {}", input.path, super::skipped_of(input));
            if let Some(first) = input.skipped.first() {
                note.push_str(&format!(
                    " (first: {}: {})",
                    super::position_label(first.position),
                    first.reason
                ));
            }
            note.push('.');
            if let Some(accounting) = super::line_accounting(input) {
                note.push_str(&format!(" {accounting}."));
            }
            notes.push(note);
        }
        for warning in &input.warnings {
            notes.push(format!("Input {}: {warning}", input.path));
        }
        for note in notes {
            lines.extend(wrap_words(&one_line(&note), width, ""));
        }
    }
    lines
}

/// Notes what the inputs cannot show, one paragraph per rule and reason.
fn limitation_lines(limitations: &[Limitation], width: usize) -> Vec<String> {
    let mut lines = vec!["What the inputs cannot show:".to_string()];
    for limitation in limitations {
        let note = format!(
            "{} on {}: {}",
            limitation.rule,
            limitation.inputs.join(", "),
            limitation.reason
        );
        // A bullet starts each note, and its continuation lines are indented under it.
        let mut wrapped = wrap_words(&one_line(&note), width, "    ");
        if let Some(first) = wrapped.first_mut() {
            first.replace_range(..3, "  -");
        }
        lines.extend(wrapped);
    }
    lines
}

/// Notes how many findings the baseline suppressed, then its expired and stale
/// entries, one bulleted paragraph each.
fn baseline_lines(outcome: &BaselineOutcome, width: usize) -> Vec<String> {
    let mut lines = wrap_words(&outcome.suppressed_line(), width, "");
    let groups = [
        (
            "Expired acknowledgements (their findings are reported again):",
            outcome.expired_lines(),
        ),
        (
            "Stale baseline entries (they matched no finding):",
            outcome.stale_lines(),
        ),
    ];
    for (title, notes) in groups {
        if notes.is_empty() {
            continue;
        }
        lines.push(title.to_string());
        for note in notes {
            let mut wrapped = wrap_words(&note, width, "    ");
            if let Some(first) = wrapped.first_mut() {
                first.replace_range(..3, "  -");
            }
            lines.extend(wrapped);
        }
    }
    lines
}

/// Joins `parts` with `, `, starting a new line before a part that would not fit.
fn wrap_parts(parts: &[String], width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for part in parts {
        let part = one_line(part);
        if current.is_empty() {
            current = part;
        } else if current.chars().count() + 2 + part.chars().count() < width {
            current.push_str(", ");
            current.push_str(&part);
        } else {
            current.push(',');
            lines.push(std::mem::take(&mut current));
            current = part;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
        .iter()
        .flat_map(|line| wrap_words(line, width, ""))
        .collect()
}

/// Wraps `text` at spaces into lines of at most `width` chars, each starting with
/// `indent`. A word longer than a line is cut.
fn wrap_words(text: &str, width: usize, indent: &str) -> Vec<String> {
    let room = width.saturating_sub(indent.chars().count()).max(1);
    let mut lines = Vec::new();
    let mut current = String::new();
    let mut current_len = 0;
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        // Cut words that cannot fit on any line into line-sized pieces.
        while word.len() > room {
            if current_len > 0 {
                lines.push(format!("{indent}{current}"));
                current.clear();
                current_len = 0;
            }
            let rest = word.split_off(room);
            lines.push(format!("{indent}{}", word.iter().collect::<String>()));
            word = rest;
        }
        if word.is_empty() {
            continue;
        }
        let needed = if current_len == 0 {
            word.len()
        } else {
            current_len + 1 + word.len()
        };
        if needed > room {
            lines.push(format!("{indent}{current}"));
            current.clear();
            current_len = 0;
        }
        if current_len > 0 {
            current.push(' ');
            current_len += 1;
        }
        current.extend(word.iter());
        current_len += word.len();
    }
    if current_len > 0 {
        lines.push(format!("{indent}{current}"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_words_breaks_at_spaces() {
        let lines = wrap_words("one two three four", 9, "");
        assert_eq!(lines, ["one two", "three", "four"]);
    }

    #[test]
    fn wrap_words_cuts_long_words() {
        let lines = wrap_words("abcdefghij", 4, "  ");
        assert_eq!(lines, ["  ab", "  cd", "  ef", "  gh", "  ij"]);
    }

    #[test]
    fn wrap_words_keeps_indent() {
        let lines = wrap_words("aa bb cc", 7, "  ");
        assert_eq!(lines, ["  aa bb", "  cc"]);
    }

    #[test]
    fn wrap_parts_moves_part_to_next_line() {
        let parts = ["aaaa".to_string(), "bbbb".to_string(), "cccc".to_string()];
        let lines = wrap_parts(&parts, 12);
        assert_eq!(lines, ["aaaa, bbbb,", "cccc"]);
    }

    #[test]
    fn span_same_day_omits_end_date() {
        let first = Timestamp::from_millis(1_772_359_200_000);
        let last = Timestamp::from_millis(1_772_359_200_000 + 750_500);
        assert_eq!(
            format_span(first, last),
            "2026-03-01 10:00:00 to 10:12:30 UTC"
        );
    }

    #[test]
    fn span_across_midnight_repeats_date() {
        let first = Timestamp::from_millis(1_772_359_200_000);
        let last = Timestamp::from_millis(1_772_359_200_000 + 15 * 3_600_000);
        assert_eq!(
            format_span(first, last),
            "2026-03-01 10:00:00 to 2026-03-02 01:00:00 UTC"
        );
    }
}
