//! GitHub Actions annotations: one workflow command per finding, which the runner turns
//! into an annotation on the pull request and the run summary.
//!
//! GitHub keeps at most 10 annotations of each level (error, warning, notice) per step
//! and 50 per job, and drops the rest without a word. So this report emits at most 10
//! per level, most severe and earliest first (the order findings arrive in), and then a
//! notice with the number left out. That notice takes one of the 10 notice places, so
//! notices for findings stop at 9 when anything is left out.
//!
//! Escaping matches `escapeData` and `escapeProperty` in `command.js` of GitHub's
//! `@actions/core` toolkit. In the message, `%`, `\r` and `\n` become `%25`, `%0D` and
//! `%0A`. Property values also get `:` and `,` as `%3A` and `%2C`, because those
//! characters delimit the properties.

use std::io;

use super::{Reporter, input_path, severity_breakdown, source_line};
use crate::analyze::Analysis;
use crate::ingest::input::is_stdin;
use crate::rules::{Finding, Severity};

/// Maximum number of annotations of one level that GitHub shows for a step.
pub const MAX_PER_LEVEL: usize = 10;

/// Renders an analysis as GitHub Actions workflow commands.
pub struct GithubReporter;

impl Reporter for GithubReporter {
    fn write(&self, analysis: &Analysis, out: &mut dyn io::Write) -> io::Result<()> {
        out.write_all(render(analysis).as_bytes())
    }
}

/// One annotation before it is written.
struct Annotation {
    level: &'static str,
    file: Option<String>,
    line: Option<u64>,
    title: String,
    message: String,
}

/// Renders every command line of the report.
fn render(analysis: &Analysis) -> String {
    let mut annotations = Vec::new();
    // Unreadable inputs come first: they make the run exit with an error.
    for input in &analysis.inputs {
        if let Some(error) = &input.error {
            annotations.push(Annotation {
                level: "error",
                file: file_of(&input.path),
                line: None,
                title: "ratelint: input not read".to_string(),
                message: error.clone(),
            });
        }
    }
    for finding in &analysis.findings {
        annotations.push(annotation(analysis, finding));
    }

    let (kept, left_out) = cap(annotations);
    let mut out = String::new();
    for annotation in &kept {
        out.push_str(&command(annotation));
        out.push('\n');
    }
    if left_out > 0 {
        out.push_str(&format!(
            "::notice title=ratelint::{}\n",
            escape_data(&format!(
                "{left_out} more annotations left out, because GitHub shows at most \
                 {MAX_PER_LEVEL} per level and step; write the full report with \
                 `--report markdown=FILE` or `--report sarif=FILE`"
            ))
        ));
    }
    // A plain line, not a command, so that the log shows what the run found.
    let breakdown = severity_breakdown(&analysis.findings);
    let summary = if breakdown.is_empty() {
        "no findings".to_string()
    } else {
        breakdown
    };
    out.push_str(&format!(
        "ratelint: {summary} in {} input(s)\n",
        analysis.inputs.len()
    ));
    out
}

/// Builds the annotation of one finding, placed on the first request of its evidence.
fn annotation(analysis: &Analysis, finding: &Finding) -> Annotation {
    let first = finding.evidence.sources.first();
    let level = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let target = match &finding.endpoint {
        Some(endpoint) => format!(
            "{} {} on {}",
            endpoint.method, endpoint.template, finding.host
        ),
        None => finding.host.to_string(),
    };
    Annotation {
        level,
        file: first.and_then(|source| file_of(input_path(analysis, source))),
        line: first.and_then(|source| source_line(analysis, source)),
        title: format!("ratelint {}: {}", finding.rule, finding.cause_title),
        message: format!(
            "{}\n{} (client {})\nFix: {}",
            finding.message, target, finding.client, finding.fix
        ),
    }
}

/// Returns the path to annotate, or `None` for standard input and unknown inputs,
/// which have no file in the repository.
fn file_of(path: &str) -> Option<String> {
    if is_stdin(std::path::Path::new(path)) || path == "?" {
        return None;
    }
    Some(path.strip_prefix("./").unwrap_or(path).to_string())
}

/// Keeps the first [`MAX_PER_LEVEL`] annotations of each level, in order, and counts the
/// others. When any is left out, one notice place is kept free for the summary notice.
fn cap(annotations: Vec<Annotation>) -> (Vec<Annotation>, usize) {
    let count = |level| annotations.iter().filter(|a| a.level == level).count();
    let overflow = ["error", "warning", "notice"]
        .iter()
        .any(|level| count(*level) > MAX_PER_LEVEL);
    let mut kept = Vec::new();
    let mut left_out = 0;
    let mut used = [0usize; 3];
    for annotation in annotations {
        let slot = match annotation.level {
            "error" => 0,
            "warning" => 1,
            _ => 2,
        };
        let limit = if slot == 2 && overflow {
            MAX_PER_LEVEL - 1
        } else {
            MAX_PER_LEVEL
        };
        if used[slot] < limit {
            used[slot] += 1;
            kept.push(annotation);
        } else {
            left_out += 1;
        }
    }
    (kept, left_out)
}

/// Writes one workflow command: `::error file=F,line=L,title=T::message`.
fn command(annotation: &Annotation) -> String {
    let mut properties = Vec::new();
    if let Some(file) = &annotation.file {
        properties.push(format!("file={}", escape_property(file)));
        if let Some(line) = annotation.line {
            properties.push(format!("line={line}"));
        }
    }
    properties.push(format!("title={}", escape_property(&annotation.title)));
    format!(
        "::{} {}::{}",
        annotation.level,
        properties.join(","),
        escape_data(&annotation.message)
    )
}

/// Escapes a command's message.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value, which also must not contain the delimiters `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_newlines() {
        assert_eq!(escape_data("50%\r\nok"), "50%25%0D%0Aok");
    }

    #[test]
    fn property_escapes_delimiters() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    fn notice(n: usize) -> Vec<Annotation> {
        (0..n)
            .map(|i| Annotation {
                level: "notice",
                file: None,
                line: None,
                title: format!("t{i}"),
                message: String::new(),
            })
            .collect()
    }

    #[test]
    fn cap_reserves_notice_for_summary() {
        let (kept, left_out) = cap(notice(12));
        assert_eq!(kept.len(), MAX_PER_LEVEL - 1);
        assert_eq!(left_out, 3);
    }

    #[test]
    fn cap_keeps_ten_without_overflow() {
        let (kept, left_out) = cap(notice(10));
        assert_eq!(kept.len(), 10);
        assert_eq!(left_out, 0);
    }
}
