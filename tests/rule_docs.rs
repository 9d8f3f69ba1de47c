//! Generated documentation: the rule pages in `docs/rules/`, shell completions and the
//! man page.
//!
//! The rule pages are rendered from `rules/*.toml` by the same code as `ratelint
//! explain`. The pages are committed so that they can be read on the forge, and the
//! check below fails when they differ from the rendering. Setting
//! `RATELINT_UPDATE_DOCS=1` makes it rewrite them instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use ratelint::report::explain::{self, RuleDoc, UPDATE_DOCS_COMMAND, UPDATE_DOCS_ENV};
use ratelint::rules::{self, RuleSpec};

fn ratelint() -> Command {
    Command::cargo_bin("ratelint").expect("the ratelint binary is built")
}

fn rule_specs() -> Vec<RuleSpec> {
    rules::builtin_rules()
        .expect("embedded rule files are valid")
        .iter()
        .map(|rule| rule.spec().clone())
        .collect()
}

/// Returns every file of `docs/rules/` as it should be, by file name.
fn expected_pages() -> BTreeMap<String, String> {
    let specs = rule_specs();
    let mut pages: BTreeMap<String, String> = specs
        .iter()
        .map(|spec| (format!("{}.md", spec.name), explain::render_markdown(spec)))
        .collect();
    let references: Vec<&RuleSpec> = specs.iter().collect();
    pages.insert("README.md".to_string(), explain::render_index(&references));
    pages
}

fn docs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join("rules")
}

/// Returns the names of the Markdown files in `docs/rules/`.
fn markdown_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .collect();
    names.sort();
    names
}

fn update_requested() -> bool {
    std::env::var_os(UPDATE_DOCS_ENV).is_some_and(|value| !value.is_empty() && value != "0")
}

#[test]
fn rule_pages_up_to_date() {
    let dir = docs_dir();
    let expected = expected_pages();

    if update_requested() {
        std::fs::create_dir_all(&dir).expect("docs/rules can be created");
        for (name, text) in &expected {
            std::fs::write(dir.join(name), text).expect("docs/rules is writable");
        }
        // Pages of rules that no longer exist would otherwise stay behind.
        for name in markdown_files(&dir) {
            if !expected.contains_key(&name) {
                std::fs::remove_file(dir.join(&name)).expect("stale page can be removed");
            }
        }
        return;
    }

    let mut problems = Vec::new();
    for (name, text) in &expected {
        match std::fs::read_to_string(dir.join(name)) {
            Ok(actual) if actual == *text => {}
            Ok(_) => problems.push(format!("docs/rules/{name} differs from the rendering")),
            Err(_) => problems.push(format!("docs/rules/{name} is missing")),
        }
    }
    for name in markdown_files(&dir) {
        if !expected.contains_key(&name) {
            problems.push(format!("docs/rules/{name} belongs to no rule"));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nThe rule pages are generated from rules/*.toml; regenerate them with:\n    {}",
        problems.join("\n"),
        UPDATE_DOCS_COMMAND
    );
}

#[test]
fn index_links_every_rule_page() {
    let index = expected_pages()
        .remove("README.md")
        .expect("index rendered");
    for name in rules::RULE_NAMES {
        assert!(
            index.contains(&format!("[`{name}`]({name}.md)")),
            "index lacks a link to {name}"
        );
    }
}

/// The terminal text and the Markdown page show the same sections in the same order.
#[test]
fn explain_and_page_same_sections() {
    for spec in rule_specs() {
        let doc = RuleDoc::new(&spec);
        let terminal = doc.to_terminal();
        let markdown = doc.to_markdown();

        let mut terminal_from = 0;
        let mut markdown_from = 0;
        for section in &doc.sections {
            let heading = format!("\n{}\n", section.heading);
            let found = terminal[terminal_from..].find(&heading);
            assert!(
                found.is_some(),
                "{}: explain lacks {heading:?} in order",
                spec.name
            );
            terminal_from += found.unwrap_or(0) + heading.len();

            let heading = format!("\n## {}\n", section.heading);
            let found = markdown[markdown_from..].find(&heading);
            assert!(
                found.is_some(),
                "{}: page lacks {heading:?} in order",
                spec.name
            );
            markdown_from += found.unwrap_or(0) + heading.len();
        }
    }
}

/// Prose lines of `ratelint explain` fit 80 columns. Indented examples and the
/// thresholds table are printed as written, so they are not checked.
#[test]
fn explain_prose_fits_80_columns() {
    for spec in rule_specs() {
        let text = explain::render(&spec);
        for line in text.lines().filter(|line| !line.starts_with("    ")) {
            assert!(
                line.chars().count() <= 80,
                "{}: line wider than 80 columns: {line}",
                spec.name
            );
        }
    }
}

#[test]
fn explain_command_prints_rendering() {
    let specs = rule_specs();
    let Some(spec) = specs.iter().find(|s| s.name == "tight-polling") else {
        panic!("tight-polling is a built-in rule");
    };
    let output = ratelint()
        .args(["explain", "tight-polling"])
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        explain::render(spec)
    );
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = ratelint()
            .args(["completions", shell])
            .output()
            .expect("ratelint runs");
        assert_eq!(output.status.code(), Some(0), "{shell}: exit code");
        let script = String::from_utf8_lossy(&output.stdout);
        assert!(!script.trim().is_empty(), "{shell}: empty script");
        assert!(
            script.contains("analyze"),
            "{shell}: no `analyze` in script"
        );
        // fish spells long options as `-l fail-on`, so the leading dashes are left out.
        assert!(
            script.contains("fail-on"),
            "{shell}: no `fail-on` option in script"
        );
    }
}

#[test]
fn completions_unknown_shell_rejected() {
    let output = ratelint()
        .args(["completions", "tcsh"])
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
}

/// Checks that `page` looks like a roff man page: `.TH` with the title first, the usual
/// sections, and only request lines that name a macro.
fn assert_roff_page(page: &str, title: &str) {
    let requests: Vec<&str> = page.lines().filter(|line| line.starts_with('.')).collect();
    let first_macro = requests
        .iter()
        .find(|line| !line.starts_with(".ie") && !line.starts_with(".el"));
    assert!(
        first_macro.is_some_and(|line| line.starts_with(&format!(".TH {title} 1 "))),
        "first macro is not `.TH {title} 1`: {first_macro:?}"
    );
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS"] {
        assert!(requests.contains(&section), "{title}: no `{section}`");
    }
    for request in &requests {
        let name = request[1..].split_whitespace().next().unwrap_or("");
        assert!(
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()),
            "{title}: malformed request line: {request}"
        );
    }
}

#[test]
fn man_page_is_roff() {
    let output = ratelint().arg("man").output().expect("ratelint runs");
    assert_eq!(output.status.code(), Some(0));
    let page = String::from_utf8_lossy(&output.stdout);
    assert_roff_page(&page, "RATELINT");
    assert!(page.contains(".SH SUBCOMMANDS"), "no subcommand list");
    assert!(
        page.contains("ratelint\\-analyze(1)"),
        "no ratelint-analyze(1)"
    );
}

#[test]
fn man_page_of_analyze() {
    let output = ratelint()
        .args(["man", "analyze"])
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(0));
    let page = String::from_utf8_lossy(&output.stdout);
    assert_roff_page(&page, "RATELINT-ANALYZE");
    assert!(page.contains("\\-\\-fail\\-on"), "no --fail-on option");
}

#[test]
fn man_page_unknown_subcommand() {
    let output = ratelint()
        .args(["man", "no-such-command"])
        .output()
        .expect("ratelint runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("analyze"),
        "stderr lists no subcommands: {stderr}"
    );
}
