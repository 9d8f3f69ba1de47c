//! Rule documentation: `ratelint explain RULE` and the pages in `docs/rules/`.
//!
//! Both come from the rule's TOML definition through one model ([`RuleDoc`]), so the
//! terminal text and the Markdown pages always list the same sections in the same order
//! and cannot drift apart. The terminal text is wrapped to 80 columns. The Markdown keeps
//! each paragraph on one line, because a wrapped line that starts with `-`, `+` or `1.`
//! would turn into a list.

use std::fmt::Write;

use crate::rules::RuleSpec;

/// Width of the terminal text. Indented examples and the thresholds table are printed as
/// written and may be wider.
const TERMINAL_WIDTH: usize = 80;

/// Environment variable that makes the `rule_docs` test rewrite `docs/rules/`.
pub const UPDATE_DOCS_ENV: &str = "RATELINT_UPDATE_DOCS";

/// Command that regenerates `docs/rules/` from `rules/*.toml`.
pub const UPDATE_DOCS_COMMAND: &str = "RATELINT_UPDATE_DOCS=1 cargo test --test rule_docs";

/// A rule's documentation split into headed sections, ready for either output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleDoc {
    pub name: String,
    pub title: String,
    /// The sentence that states the cause, the default severity and whether the rule
    /// runs by default.
    pub summary: String,
    pub sections: Vec<Section>,
}

/// One headed section of a rule's documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub heading: &'static str,
    pub blocks: Vec<Block>,
}

/// A paragraph of prose or a block of lines printed as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// Prose with its line breaks and runs of spaces collapsed into single spaces.
    Paragraph(String),
    /// Lines shown verbatim: the indented examples of the docs and the thresholds
    /// table. `language` names the Markdown fence language, if any.
    Code {
        language: Option<&'static str>,
        lines: Vec<String>,
    },
}

impl RuleDoc {
    /// Builds the documentation model of a rule from its definition.
    pub fn new(spec: &RuleSpec) -> Self {
        let mut summary = format!(
            "Cause {}: {}. Default severity {}",
            spec.cause, spec.cause_title, spec.severity
        );
        if !spec.enabled {
            summary.push_str(", disabled by default");
        }
        summary.push('.');

        let prose = [
            ("What it detects", spec.docs.detects.as_str()),
            ("Why it hurts", spec.docs.why.as_str()),
            ("Known false positives", spec.docs.false_positives.as_str()),
            ("Example", spec.docs.example.as_str()),
            ("Fix", &spec.fix),
        ];
        let mut sections: Vec<Section> = prose
            .iter()
            .map(|(heading, text)| Section {
                heading,
                blocks: parse_blocks(text),
            })
            .collect();
        sections.push(Section {
            heading: "Options",
            blocks: vec![
                Block::Paragraph(format!(
                    "The `[thresholds]` table of `rules/{}.toml`:",
                    spec.name
                )),
                Block::Code {
                    language: Some("toml"),
                    lines: spec.thresholds_toml.lines().map(str::to_string).collect(),
                },
            ],
        });

        RuleDoc {
            name: spec.name.to_string(),
            title: one_paragraph(&spec.title),
            summary,
            sections,
        }
    }

    /// Renders the documentation as plain text for a terminal, wrapped to 80 columns.
    pub fn to_terminal(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.name);
        for line in wrap(&self.title, TERMINAL_WIDTH) {
            let _ = writeln!(out, "{line}");
        }
        for line in wrap(&self.summary, TERMINAL_WIDTH) {
            let _ = writeln!(out, "{line}");
        }
        for section in &self.sections {
            let _ = writeln!(out, "\n{}", section.heading);
            let _ = writeln!(out, "{}", "-".repeat(section.heading.chars().count()));
            for (index, block) in section.blocks.iter().enumerate() {
                if index > 0 {
                    out.push('\n');
                }
                match block {
                    Block::Paragraph(text) => {
                        for line in wrap(text, TERMINAL_WIDTH) {
                            let _ = writeln!(out, "{line}");
                        }
                    }
                    Block::Code { lines, .. } => {
                        for line in lines {
                            let _ = writeln!(out, "{}", format!("    {line}").trim_end());
                        }
                    }
                }
            }
        }
        out
    }

    /// Renders the documentation as a Markdown page for `docs/rules/<name>.md`.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}\n",
            generated_notice(&format!("rules/{}.toml", self.name))
        );
        let _ = writeln!(out, "# `{}`\n", self.name);
        let _ = writeln!(out, "{}\n", escape_markdown(&self.title));
        let _ = writeln!(out, "{}", escape_markdown(&self.summary));
        for section in &self.sections {
            let _ = writeln!(out, "\n## {}", section.heading);
            for block in &section.blocks {
                out.push('\n');
                match block {
                    Block::Paragraph(text) => {
                        let _ = writeln!(out, "{}", escape_markdown(text));
                    }
                    Block::Code { language, lines } => {
                        let _ = writeln!(out, "```{}", language.unwrap_or("text"));
                        for line in lines {
                            let _ = writeln!(out, "{}", line.trim_end());
                        }
                        let _ = writeln!(out, "```");
                    }
                }
            }
        }
        out
    }
}

/// Renders a rule's documentation for `ratelint explain`.
pub fn render(spec: &RuleSpec) -> String {
    RuleDoc::new(spec).to_terminal()
}

/// Renders a rule's page for `docs/rules/<name>.md`.
pub fn render_markdown(spec: &RuleSpec) -> String {
    RuleDoc::new(spec).to_markdown()
}

/// Renders `docs/rules/README.md`: a table of the rules, in the order given, that links
/// each rule's page.
pub fn render_index(specs: &[&RuleSpec]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", generated_notice("rules/*.toml"));
    let _ = writeln!(out, "# Rules\n");
    let _ = writeln!(
        out,
        "Each rule detects one cause of throttling. `ratelint rules` lists them and \
         `ratelint explain RULE` prints a rule's page in the terminal.\n"
    );
    let _ = writeln!(out, "| Rule | Cause | Default severity | Title |");
    let _ = writeln!(out, "|---|---|---|---|");
    for spec in specs {
        let _ = writeln!(
            out,
            "| [`{name}`]({name}.md) | {cause}: {cause_title} | {severity} | {title} |",
            name = spec.name,
            cause = spec.cause,
            cause_title = escape_table_cell(&spec.cause_title),
            severity = spec.severity,
            title = escape_table_cell(&one_paragraph(&spec.title)),
        );
    }
    out
}

/// Returns the HTML comment that opens every generated page: where the text comes from
/// and how to regenerate the page.
fn generated_notice(source: &str) -> String {
    format!("<!-- Generated from {source}: edit that file, then run `{UPDATE_DOCS_COMMAND}`. -->")
}

/// Splits a documentation text into paragraphs and verbatim blocks. Lines indented by at
/// least four spaces or a tab are verbatim, as in Markdown. Other lines join into
/// paragraphs, which blank lines separate.
fn parse_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut code: Vec<String> = Vec::new();

    let flush_paragraph = |paragraph: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            blocks.push(Block::Paragraph(one_paragraph(&paragraph.join(" "))));
            paragraph.clear();
        }
    };
    let flush_code = |code: &mut Vec<String>, blocks: &mut Vec<Block>| {
        if !code.is_empty() {
            blocks.push(Block::Code {
                language: None,
                lines: std::mem::take(code),
            });
        }
    };

    for line in text.lines() {
        if line.trim().is_empty() {
            flush_paragraph(&mut paragraph, &mut blocks);
            flush_code(&mut code, &mut blocks);
        } else if let Some(verbatim) = line.strip_prefix("    ").or(line.strip_prefix('\t')) {
            flush_paragraph(&mut paragraph, &mut blocks);
            code.push(verbatim.trim_end().to_string());
        } else {
            flush_code(&mut code, &mut blocks);
            paragraph.push(line);
        }
    }
    flush_paragraph(&mut paragraph, &mut blocks);
    flush_code(&mut code, &mut blocks);
    blocks
}

/// Collapses line breaks and runs of whitespace into single spaces.
fn one_paragraph(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Escapes the characters that Markdown would read as emphasis, HTML or links, outside
/// code spans. Code spans (between backticks) are kept as written, because Markdown
/// shows their content literally.
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code_span = false;
    for c in text.chars() {
        if c == '`' {
            in_code_span = !in_code_span;
        } else if !in_code_span && matches!(c, '\\' | '*' | '_' | '<' | '>' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes a value for a Markdown table cell, where `|` would end the cell.
fn escape_table_cell(text: &str) -> String {
    escape_markdown(text).replace('|', "\\|")
}

/// Wraps text at spaces into lines of at most `width` characters. A word longer than
/// `width` stays whole on its own line.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_split_prose_and_code() {
        let blocks =
            parse_blocks("First line\nsame paragraph.\n\n    GET /a\n    GET /b\n\nAfter.\n");
        assert_eq!(blocks.len(), 3);
        assert_eq!(
            blocks[0],
            Block::Paragraph("First line same paragraph.".to_string())
        );
        assert_eq!(
            blocks[1],
            Block::Code {
                language: None,
                lines: vec!["GET /a".to_string(), "GET /b".to_string()],
            }
        );
        assert_eq!(blocks[2], Block::Paragraph("After.".to_string()));
    }

    #[test]
    fn blocks_code_ends_at_prose_line() {
        let blocks = parse_blocks("    GET /a\nFinding: one.");
        assert_eq!(blocks.len(), 2);
        assert!(matches!(blocks[0], Block::Code { .. }));
        assert_eq!(blocks[1], Block::Paragraph("Finding: one.".to_string()));
    }

    #[test]
    fn blocks_of_blank_text_empty() {
        assert!(parse_blocks("").is_empty());
        assert!(parse_blocks("\n  \n\n").is_empty());
    }

    #[test]
    fn markdown_escape_skips_code_spans() {
        assert_eq!(
            escape_markdown("X-RateLimit-*, `min_operations` and a_b"),
            "X-RateLimit-\\*, `min_operations` and a\\_b"
        );
        assert_eq!(escape_markdown("<b> [x]"), "\\<b\\> \\[x\\]");
    }

    #[test]
    fn table_cell_escapes_pipe() {
        assert_eq!(escape_table_cell("a | b"), "a \\| b");
    }

    #[test]
    fn wrap_keeps_long_word_whole() {
        let long = "x".repeat(90);
        let lines = wrap(&format!("short {long} end"), 80);
        assert_eq!(lines, vec!["short".to_string(), long, "end".to_string()]);
    }

    #[test]
    fn wrap_fills_lines_up_to_width() {
        let lines = wrap("aa bb cc dd", 5);
        assert_eq!(lines, vec!["aa bb", "cc dd"]);
    }
}
