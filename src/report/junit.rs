//! JUnit XML report, for the test report views of CI servers (GitLab, Jenkins, Azure
//! Pipelines, GitHub test-report actions).
//!
//! There is no JUnit XML standard: consumers follow the Ant task's format loosely. The
//! report keeps to what they all read: one `testsuite` inside `testsuites`, one
//! `testcase` per enabled rule, and a `failure` per finding, with `tests`, `failures`
//! and `errors` counted the way the Ant schema defines them (test cases, not findings).
//! An input that could not be read becomes a test case with an `error`, so a broken
//! capture fails the test report too.

use std::fmt::Write as _;
use std::io;

use super::{ReportOptions, Reporter, position_label};
use crate::analyze::Analysis;
use crate::rules::Finding;

/// Renders an analysis as JUnit XML.
pub struct JunitReporter {
    pub options: ReportOptions,
}

impl Reporter for JunitReporter {
    fn write(&self, analysis: &Analysis, out: &mut dyn io::Write) -> io::Result<()> {
        out.write_all(render(analysis, &self.options).as_bytes())
    }
}

/// One test case of the suite, with its failures or errors.
struct TestCase {
    name: String,
    classname: String,
    /// `failure` or `error` elements, already rendered.
    body: String,
    failed: bool,
    errored: bool,
}

/// Renders the whole document.
fn render(analysis: &Analysis, options: &ReportOptions) -> String {
    let mut cases = Vec::new();
    for spec in options.rules.iter().filter(|spec| spec.enabled) {
        let findings: Vec<&Finding> = analysis
            .findings
            .iter()
            .filter(|finding| finding.rule == spec.name)
            .collect();
        let mut body = String::new();
        for finding in &findings {
            body.push_str(&failure(analysis, finding));
        }
        cases.push(TestCase {
            name: spec.name.to_string(),
            classname: format!("ratelint.{}", spec.cause_title),
            body,
            failed: !findings.is_empty(),
            errored: false,
        });
    }
    // Findings of a rule that `options.rules` does not list would otherwise be lost.
    for finding in &analysis.findings {
        if !options.rules.iter().any(|spec| spec.name == finding.rule)
            && !cases.iter().any(|case| case.name == finding.rule)
        {
            let body = analysis
                .findings
                .iter()
                .filter(|other| other.rule == finding.rule)
                .map(|other| failure(analysis, other))
                .collect();
            cases.push(TestCase {
                name: finding.rule.to_string(),
                classname: format!("ratelint.{}", finding.rule),
                body,
                failed: true,
                errored: false,
            });
        }
    }
    let unreadable: Vec<_> = analysis
        .inputs
        .iter()
        .filter_map(|input| Some((input.path.as_str(), input.error.as_deref()?)))
        .collect();
    if !unreadable.is_empty() {
        let mut body = String::new();
        for (path, error) in &unreadable {
            let _ = writeln!(
                body,
                "      <error message=\"{}\" type=\"input\">{}</error>",
                escape(&format!("cannot read {path}")),
                escape(error)
            );
        }
        cases.push(TestCase {
            name: "inputs".to_string(),
            classname: "ratelint.inputs".to_string(),
            body,
            failed: false,
            errored: true,
        });
    }

    let tests = cases.len();
    let failures = cases.iter().filter(|case| case.failed).count();
    let errors = cases.iter().filter(|case| case.errored).count();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let counts = format!("tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\"");
    let _ = writeln!(xml, "<testsuites name=\"ratelint\" {counts}>");
    let _ = writeln!(
        xml,
        "  <testsuite name=\"ratelint\" {counts} skipped=\"0\" time=\"0\">"
    );
    let _ = writeln!(xml, "    <properties>");
    let _ = writeln!(
        xml,
        "      <property name=\"findings\" value=\"{}\"/>",
        analysis.findings.len()
    );
    let _ = writeln!(
        xml,
        "      <property name=\"inputs\" value=\"{}\"/>",
        analysis.inputs.len()
    );
    let _ = writeln!(xml, "    </properties>");
    for case in &cases {
        let attributes = format!(
            "name=\"{}\" classname=\"{}\" time=\"0\"",
            escape(&case.name),
            escape(&case.classname)
        );
        if case.body.is_empty() {
            let _ = writeln!(xml, "    <testcase {attributes}/>");
        } else {
            let _ = writeln!(xml, "    <testcase {attributes}>");
            xml.push_str(&case.body);
            let _ = writeln!(xml, "    </testcase>");
        }
    }
    let _ = writeln!(xml, "  </testsuite>");
    let _ = writeln!(xml, "</testsuites>");
    xml
}

/// Renders the `failure` element of one finding: the message as attribute, and the
/// place, evidence and fix as text.
fn failure(analysis: &Analysis, finding: &Finding) -> String {
    let mut text = String::new();
    let target = match &finding.endpoint {
        Some(endpoint) => format!("{} {}", endpoint.method, endpoint.template),
        None => "any endpoint".to_string(),
    };
    let _ = writeln!(text, "{}", finding.message);
    let _ = writeln!(
        text,
        "Client {} on {}, {}, from {} to {}.",
        finding.client, finding.host, target, finding.start, finding.end
    );
    let _ = writeln!(text, "Evidence: {}.", evidence(analysis, finding));
    let _ = writeln!(text, "Fix: {}", finding.fix);
    let _ = write!(text, "Fingerprint: {}", finding.fingerprint());
    format!(
        "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
        escape(&finding.message),
        finding.severity,
        escape(&text)
    )
}

/// Lists the requests behind a finding. Consecutive requests of one input share its
/// path: `a.har: entry 0, entry 2 and 5 more`.
fn evidence(analysis: &Analysis, finding: &Finding) -> String {
    let mut groups: Vec<(u32, Vec<String>)> = Vec::new();
    for source in &finding.evidence.sources {
        let label = position_label(source.position);
        match groups.last_mut() {
            Some((input, labels)) if *input == source.input => labels.push(label),
            _ => groups.push((source.input, vec![label])),
        }
    }

    let listed: Vec<String> = groups
        .iter()
        .map(|(input, labels)| {
            let path = analysis
                .inputs
                .get(*input as usize)
                .map_or("?", |input| input.path.as_str());
            format!("{path}: {}", labels.join(", "))
        })
        .collect();
    let mut text = listed.join("; ");
    if finding.evidence.more > 0 {
        text.push_str(&format!(" and {} more", finding.evidence.more));
    }
    text
}

/// Escapes text for an XML attribute or element. XML 1.0 forbids C0 control
/// characters other than tab and line breaks, and U+FFFE and U+FFFF, even as character
/// references, so they are replaced with U+FFFD. Line breaks and tabs become character
/// references, so that attribute values keep them.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_markup_characters() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
    }

    #[test]
    fn escape_replaces_invalid_controls() {
        assert_eq!(escape("a\u{1b}b\u{0}"), "a\u{fffd}b\u{fffd}");
        assert_eq!(escape("a\nb"), "a&#10;b");
    }
}
