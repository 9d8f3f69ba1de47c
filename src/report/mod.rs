//! Reporters: each renders an [`Analysis`] in one output format.
//!
//! A reporter never detects anything: it only renders what the analysis contains, in the
//! order given (findings arrive most severe first). Each format is one module with one
//! type implementing [`Reporter`]; adding a format means adding a module, a [`Format`]
//! variant and a line in [`reporter`].

pub mod explain;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod table;

use std::io;

use crate::analyze::{Analysis, Summary};
use crate::model::{Position, Source, Timestamp};
use crate::rules::{Finding, RuleSpec, Severity};

/// Output formats of `ratelint analyze`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for the terminal.
    Table,
    /// An audit report in Markdown.
    Markdown,
    /// The versioned JSON schema.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML, for the test report views of CI servers.
    Junit,
    /// GitHub Actions workflow commands that annotate the pull request.
    Github,
    /// GitLab Code Quality JSON, for the merge request widget.
    Gitlab,
}

/// Settings shared by the reporters.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Use ANSI colours (table only).
    pub color: bool,
    /// Terminal width in columns (table only).
    pub width: u16,
    /// The rules that ran, for listing in reports.
    pub rules: Vec<RuleSpec>,
}

/// Renders an analysis in one output format.
pub trait Reporter {
    /// Writes the whole report to `out`, ending with a newline. Only I/O errors of
    /// `out` are returned: every analysis can be rendered.
    fn write(&self, analysis: &Analysis, out: &mut dyn io::Write) -> io::Result<()>;
}

/// Returns the reporter for a format.
pub fn reporter(format: Format, options: ReportOptions) -> Box<dyn Reporter> {
    match format {
        Format::Table => Box::new(table::TableReporter { options }),
        Format::Markdown => Box::new(markdown::MarkdownReporter { options }),
        Format::Json => Box::new(json::JsonReporter { options }),
        Format::Sarif => Box::new(sarif::SarifReporter { options }),
        Format::Junit => Box::new(junit::JunitReporter { options }),
        Format::Github => Box::new(github::GithubReporter),
        Format::Gitlab => Box::new(gitlab::GitlabReporter),
    }
}

// Helpers shared by the reporters. They format what every report shows the same way,
// so that the formats agree on numbers and wording.

/// Returns `"1 finding"` or `"3 findings"`: `count` followed by the singular or plural.
pub(crate) fn count_noun(count: u64, singular: &str, plural: &str) -> String {
    if count == 1 {
        format!("{count} {singular}")
    } else {
        format!("{count} {plural}")
    }
}

/// Counts the findings by severity, most severe first, leaving out severities with no
/// finding: `1 error, 2 warnings`. Returns an empty string when there are no findings.
/// The count is taken from the findings rather than the summary, so that it always
/// matches the findings a report lists.
pub(crate) fn severity_breakdown(findings: &[Finding]) -> String {
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    let parts = [
        (count(Severity::Error), "error", "errors"),
        (count(Severity::Warning), "warning", "warnings"),
        (count(Severity::Info), "info", "infos"),
    ];
    parts
        .iter()
        .filter(|(count, _, _)| *count > 0)
        .map(|(count, singular, plural)| count_noun(*count as u64, singular, plural))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Returns the path of the input a source belongs to, or `?` when the index names no
/// input (the same fallback as [`Analysis::source_label`]).
pub(crate) fn input_path<'a>(analysis: &'a Analysis, source: &Source) -> &'a str {
    analysis
        .inputs
        .get(source.input as usize)
        .map(|input| input.path.as_str())
        .unwrap_or("?")
}

/// Names a position inside an input: `entry 12` or `line 34`.
pub(crate) fn position_label(position: Position) -> String {
    match position {
        Position::Entry(index) => format!("entry {index}"),
        Position::Line(line) => format!("line {line}"),
    }
}

/// Returns the one-based line of the file at which a source starts: the line itself
/// for a log, the line where the entry's object opens for a HAR entry. Returns `None`
/// when the reader recorded no line for the entry.
pub(crate) fn source_line(analysis: &Analysis, source: &Source) -> Option<u64> {
    match source.position {
        Position::Line(line) => Some(line).filter(|line| *line > 0),
        Position::Entry(index) => {
            let input = analysis.inputs.get(source.input as usize)?;
            let line = *input.entry_lines.get(usize::try_from(index).ok()?)?;
            (line > 0).then_some(u64::from(line))
        }
    }
}

/// Returns the first and last request start of the run, when it had any request.
pub(crate) fn time_span(summary: &Summary) -> Option<(Timestamp, Timestamp)> {
    Some((summary.first_request?, summary.last_request?))
}

/// Returns the first finding of each rule that fired, in report order, so that each
/// rule's fix can be shown once.
pub(crate) fn fired_rules(findings: &[Finding]) -> Vec<&Finding> {
    let mut seen: Vec<&Finding> = Vec::new();
    for finding in findings {
        if !seen.iter().any(|f| f.rule == finding.rule) {
            seen.push(finding);
        }
    }
    seen
}

/// Makes a value from an input safe to print on one line: line breaks and tabs become
/// spaces, and other control characters (such as the ESC of a terminal escape sequence
/// smuggled into a URL) are printed escaped, as `\u{1b}`.
pub(crate) fn one_line(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out
}

/// Accounts for every line of a text log, e.g. `47 lines: 40 access entries, 2 blank,
/// 0 other, 5 invalid`. Returns `None` for HAR files, which have entries, not lines.
pub(crate) fn line_accounting(input: &crate::analyze::InputSummary) -> Option<String> {
    if input.lines == 0 {
        return None;
    }
    let invalid = input
        .lines
        .saturating_sub(input.records + input.blank + input.not_access);
    Some(format!(
        "{} lines: {} access entries, {} blank, {} other (not access entries), {} invalid",
        input.lines, input.records, input.blank, input.not_access, invalid
    ))
}

/// Names what an input's skipped items are: lines of a log, entries of a HAR file.
pub(crate) fn skipped_of(input: &crate::analyze::InputSummary) -> String {
    if input.lines > 0 {
        format!("{} of {} lines skipped", input.skipped_total, input.lines)
    } else {
        format!(
            "{} of {} entries skipped",
            input.skipped_total, input.records
        )
    }
}
