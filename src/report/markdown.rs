//! `--format markdown`: an audit report to paste into a ticket or a pull request.
//!
//! The output is plain GitHub-flavoured Markdown without HTML. Paths, hosts, templates
//! and messages come from the inputs, so every value is escaped before it is written:
//! a `|` would split a table cell, a `*` or `_` would start emphasis and a `<` could
//! start an HTML tag.

use std::fmt::Write as _;
use std::io;

use super::{
    ReportOptions, Reporter, count_noun, input_path, one_line, position_label, severity_breakdown,
    time_span,
};
use crate::analyze::{Analysis, InputSummary};
use crate::ingest::InputFormat;
use crate::model::Endpoint;
use crate::model::time::format_duration_micros;
use crate::rules::{Confidence, Finding};

/// Number of evidence locations listed per finding; the rest are counted.
const EVIDENCE_SHOWN: usize = 10;

/// Number of skip reasons listed per input; the rest are counted.
const SKIPPED_SHOWN: usize = 10;

/// Renders the report as GitHub-flavoured Markdown.
pub struct MarkdownReporter {
    pub options: ReportOptions,
}

impl Reporter for MarkdownReporter {
    fn write(&self, analysis: &Analysis, out: &mut dyn io::Write) -> io::Result<()> {
        let mut doc = String::new();
        doc.push_str("# Rate-limit audit\n\n");
        write_summary(&mut doc, analysis);
        write_overview(&mut doc, analysis);
        write_findings(&mut doc, analysis, &self.options);
        write_limitations(&mut doc, analysis);
        write_baseline(&mut doc, analysis);
        write_inputs(&mut doc, analysis);
        // Every section ends with a blank line; the file ends with exactly one newline.
        let doc = doc.trim_end();
        writeln!(out, "{doc}")
    }
}

fn write_summary(doc: &mut String, analysis: &Analysis) {
    let summary = &analysis.summary;
    doc.push_str("## Summary\n\n");

    let mut inputs = summary.inputs.to_string();
    if summary.inputs_failed > 0 {
        let _ = write!(inputs, " ({} failed)", summary.inputs_failed);
    }
    let _ = writeln!(doc, "- Inputs: {inputs}");

    let span = match time_span(summary) {
        Some((first, last)) => format!(
            "{first} to {last} ({})",
            format_duration_micros(last.micros_since(first))
        ),
        None => "no requests".to_string(),
    };
    let _ = writeln!(doc, "- Time span: {span}");
    let _ = writeln!(doc, "- API calls: {}", summary.api_calls);
    let _ = writeln!(
        doc,
        "- Not counted toward rate limits: {} static assets, {} cache hits, {} other requests",
        summary.static_assets, summary.cache_hits, summary.other_requests
    );
    let _ = writeln!(doc, "- Throttled responses: {}", summary.throttled);

    let mut findings = analysis.findings.len().to_string();
    if !analysis.findings.is_empty() {
        let _ = write!(findings, " ({})", severity_breakdown(&analysis.findings));
    }
    let _ = writeln!(doc, "- Findings: {findings}\n");
}

/// Writes the per-endpoint table of requests, throttled responses and peak rates.
fn write_overview(doc: &mut String, analysis: &Analysis) {
    doc.push_str("## Throttling overview\n\n");
    if analysis.overview.is_empty() {
        doc.push_str("No API calls reached the network.\n\n");
        return;
    }
    doc.push_str(
        "| Host | Endpoint | Requests | Throttled | Peak requests per minute | Limit seen |\n",
    );
    doc.push_str("| :--- | :--- | ---: | ---: | ---: | ---: |\n");
    for stats in analysis.overview.iter().take(MAX_OVERVIEW_ROWS) {
        let limit = stats
            .limit_seen
            .map_or_else(|| "none".to_string(), |limit| limit.to_string());
        let _ = writeln!(
            doc,
            "| {} | {} | {} | {} | {} | {} |",
            code(&stats.host, true),
            code(&stats.endpoint.to_string(), true),
            stats.requests,
            stats.throttled,
            stats.peak_per_minute,
            limit
        );
    }
    let rest = &analysis.overview[analysis.overview.len().min(MAX_OVERVIEW_ROWS)..];
    if !rest.is_empty() {
        let requests: u64 = rest.iter().map(|s| s.requests).sum();
        let throttled: u64 = rest.iter().map(|s| s.throttled).sum();
        let _ = writeln!(
            doc,
            "\n{} more endpoints ({requests} requests, {throttled} throttled) are not shown; \
             the JSON report lists every endpoint.",
            rest.len(),
        );
    }
    doc.push('\n');
}

/// Rows of the overview table. The overview is sorted by throttled responses, then by
/// requests, so the rows left out are the quietest endpoints.
const MAX_OVERVIEW_ROWS: usize = 25;

/// Writes the findings grouped by cause, in cause order; within a cause they keep
/// report order (most severe first).
fn write_findings(doc: &mut String, analysis: &Analysis, options: &ReportOptions) {
    doc.push_str("## Findings\n\n");
    if analysis.findings.is_empty() {
        if analysis
            .baseline
            .as_ref()
            .is_some_and(|outcome| !outcome.suppressed.is_empty())
        {
            doc.push_str("No findings outside the baseline.\n\n");
            return;
        }
        let enabled = options.rules.iter().filter(|r| r.enabled).count() as u64;
        if enabled == 0 {
            doc.push_str("No findings.\n\n");
        } else {
            let _ = writeln!(
                doc,
                "No findings: {} checked the traffic and none matched.\n",
                count_noun(enabled, "rule", "rules")
            );
        }
        return;
    }

    let mut causes: Vec<u8> = analysis.findings.iter().map(|f| f.cause).collect();
    causes.sort_unstable();
    causes.dedup();
    for cause in causes {
        let group: Vec<&Finding> = analysis
            .findings
            .iter()
            .filter(|f| f.cause == cause)
            .collect();
        let title = group
            .first()
            .map(|f| text(&f.cause_title))
            .unwrap_or_default();
        let _ = writeln!(doc, "### Cause {cause}: {title}\n");
        for finding in group {
            write_finding(doc, analysis, finding);
        }
    }
}

fn write_finding(doc: &mut String, analysis: &Analysis, finding: &Finding) {
    let _ = write!(
        doc,
        "#### {}: {}",
        finding.severity,
        code(finding.rule, false)
    );
    if let Some(endpoint) = &finding.endpoint {
        let _ = write!(doc, " on {}", code(&endpoint.to_string(), false));
    }
    doc.push_str("\n\n");

    let _ = writeln!(doc, "- Rule: {}", code(finding.rule, false));
    let _ = writeln!(doc, "- Severity: {}", finding.severity);
    let _ = writeln!(doc, "- Client: {}", code(&finding.client, false));
    let _ = writeln!(doc, "- {}", place(&finding.endpoint, &finding.host));
    let _ = writeln!(doc, "- Start: {}", finding.start);
    let _ = writeln!(
        doc,
        "- End: {} ({} after the start)",
        finding.end,
        format_duration_micros(finding.end.micros_since(finding.start))
    );
    if finding.confidence == Confidence::Low {
        doc.push_str(
            "- Confidence: low (part of the pattern was inferred, for example a wait \
             that the input did not record)\n",
        );
    }
    let _ = writeln!(doc, "\n{}\n", text(&finding.message));

    write_evidence(doc, analysis, finding);

    // The fix comes from the rule's definition, not from an input. It keeps its line
    // breaks and code spans, so paragraphs, lists and `names` render as written.
    doc.push_str("**Fix:**");
    let mut separator = " ";
    for line in finding.fix.lines() {
        let _ = writeln!(doc, "{separator}{}", escape(line, false));
        separator = "";
    }
    doc.push('\n');
}

/// Returns the endpoint line of a finding: `Endpoint: GET /x on api.example.com`, or
/// only the host when the finding is about no single endpoint.
fn place(endpoint: &Option<Endpoint>, host: &str) -> String {
    match endpoint {
        Some(endpoint) => format!(
            "Endpoint: {} on {}",
            code(&endpoint.to_string(), false),
            code(host, false)
        ),
        None => format!("Host: {}", code(host, false)),
    }
}

fn write_evidence(doc: &mut String, analysis: &Analysis, finding: &Finding) {
    let evidence = &finding.evidence;
    if evidence.sources.is_empty() {
        return;
    }
    let _ = writeln!(
        doc,
        "Evidence ({}):\n",
        count_noun(evidence.total() as u64, "request", "requests")
    );
    for source in evidence.sources.iter().take(EVIDENCE_SHOWN) {
        let _ = writeln!(
            doc,
            "- {} {}",
            code(input_path(analysis, source), false),
            position_label(source.position)
        );
    }
    let shown = evidence.sources.len().min(EVIDENCE_SHOWN);
    let rest = evidence.total() - shown;
    if rest > 0 {
        let _ = writeln!(doc, "- and {rest} more");
    }
    doc.push('\n');
}

/// Writes what the inputs cannot show, one item per rule and reason. The section is
/// left out when every input supports every rule.
fn write_limitations(doc: &mut String, analysis: &Analysis) {
    if analysis.limitations.is_empty() {
        return;
    }
    doc.push_str(
        "## What the inputs cannot show

",
    );
    for limitation in &analysis.limitations {
        let inputs: Vec<String> = limitation
            .inputs
            .iter()
            .map(|path| code(path, false))
            .collect();
        let _ = writeln!(
            doc,
            "- `{}` on {}: {}",
            limitation.rule,
            inputs.join(", "),
            text(&limitation.reason)
        );
    }
    doc.push('\n');
}

/// Writes how many findings the baseline suppressed and lists its expired and stale
/// entries. The section is left out when no baseline was given.
fn write_baseline(doc: &mut String, analysis: &Analysis) {
    let Some(outcome) = &analysis.baseline else {
        return;
    };
    doc.push_str("## Baseline\n\n");
    let _ = writeln!(doc, "{}\n", text(&outcome.suppressed_line()));
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
        let _ = writeln!(doc, "{title}\n");
        for note in notes {
            let _ = writeln!(doc, "- {}", text(&note));
        }
        doc.push('\n');
    }
}

/// Writes the inputs table, then what was skipped in each input and why.
fn write_inputs(doc: &mut String, analysis: &Analysis) {
    doc.push_str("## Inputs\n\n");
    if analysis.inputs.is_empty() {
        doc.push_str("No inputs.\n\n");
        return;
    }
    doc.push_str("| Input | Format | Records | Exchanges | Cache hits | Skipped | Error |\n");
    doc.push_str("| :--- | :--- | ---: | ---: | ---: | ---: | :--- |\n");
    for input in &analysis.inputs {
        let format = match input.format {
            Some(InputFormat::Har) => "HAR",
            Some(other) => other.as_str(),
            None => "unknown",
        };
        let error = input.error.as_deref().map(text).unwrap_or_default();
        let _ = writeln!(
            doc,
            "| {} | {format} | {} | {} | {} | {} | {error} |",
            code(&input.path, true),
            input.records,
            input.exchanges,
            input.cache_hits,
            input.skipped_total,
        );
    }
    doc.push('\n');

    for input in analysis.inputs.iter().filter(|i| i.skipped_total > 0) {
        write_skipped(doc, input);
    }
    for input in analysis.inputs.iter().filter(|i| !i.warnings.is_empty()) {
        let _ = writeln!(doc, "### Warnings for {}\n", code(&input.path, false));
        for warning in &input.warnings {
            let _ = writeln!(doc, "- {}", text(warning));
        }
        doc.push('\n');
    }
}

fn write_skipped(doc: &mut String, input: &InputSummary) {
    let _ = writeln!(doc, "### Skipped in {}\n", code(&input.path, false));
    doc.push_str(&super::skipped_of(input));
    if let Some(accounting) = super::line_accounting(input) {
        let _ = write!(doc, " ({accounting})");
    }
    if input.skipped.is_empty() {
        doc.push_str(".\n\n");
        return;
    }
    doc.push_str(":\n\n");
    for skipped in input.skipped.iter().take(SKIPPED_SHOWN) {
        let _ = writeln!(
            doc,
            "- {}: {}",
            position_label(skipped.position),
            text(&skipped.reason)
        );
    }
    let shown = input.skipped.len().min(SKIPPED_SHOWN) as u64;
    let rest = input.skipped_total.saturating_sub(shown);
    if rest > 0 {
        let _ = writeln!(doc, "- and {rest} more");
    }
    doc.push('\n');
}

/// Escapes a value for Markdown text, in a table cell or not: every character that can
/// start emphasis, a link, a code span, an HTML tag or a cell boundary gets a
/// backslash, and line breaks become spaces.
fn text(value: &str) -> String {
    escape(value, true)
}

/// Escapes like [`text`], but leaves backticks alone unless `escape_backticks` is set.
fn escape(value: &str, escape_backticks: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for c in one_line(value).chars() {
        let special = matches!(
            c,
            '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#'
        );
        if special || (escape_backticks && c == '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Writes a value as an inline code span, which shows it verbatim. The fence is one
/// backtick longer than the longest backtick run inside the value.
///
/// A `|` in a table cell must be written `\|` even inside a code span, as the GFM
/// spec's tables extension shows. A backslash right before that `|` would turn it
/// into a cell boundary again and cannot be written in a code span, so such a value
/// is written as escaped text instead.
fn code(value: &str, in_table: bool) -> String {
    let mut value = one_line(value);
    if value.trim().is_empty() {
        return "(none)".to_string();
    }
    if in_table {
        if value.contains("\\|") {
            return text(&value);
        }
        value = value.replace('|', "\\|");
    }
    let mut longest_run = 0;
    let mut run = 0;
    for c in value.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest_run = longest_run.max(run);
    }
    let fence = "`".repeat(longest_run + 1);
    // A space on each side keeps a leading or trailing backtick apart from the fence;
    // CommonMark strips one space from each side again.
    let pad = if value.starts_with(['`', ' ']) || value.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{value}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_pipe_and_star() {
        assert_eq!(text("a|b*c"), "a\\|b\\*c");
    }

    #[test]
    fn text_escapes_html_start() {
        assert_eq!(text("<script>"), "\\<script\\>");
    }

    #[test]
    fn text_joins_lines() {
        assert_eq!(text("one\ntwo"), "one two");
    }

    #[test]
    fn code_plain_value() {
        assert_eq!(code("GET /users/{id}", false), "`GET /users/{id}`");
    }

    #[test]
    fn code_value_with_backticks() {
        assert_eq!(code("a``b", false), "```a``b```");
    }

    #[test]
    fn code_value_starting_with_backtick() {
        assert_eq!(code("`x", false), "`` `x ``");
    }

    #[test]
    fn code_escapes_pipe_in_table() {
        assert_eq!(code("a|b", true), "`a\\|b`");
    }

    #[test]
    fn code_keeps_pipe_outside_table() {
        assert_eq!(code("a|b", false), "`a|b`");
    }

    #[test]
    fn code_backslash_pipe_in_table() {
        assert_eq!(code("a\\|b", true), "a\\\\\\|b");
    }

    #[test]
    fn code_empty_value() {
        assert_eq!(code("", false), "(none)");
    }
}
