//! The analyze pipeline: inputs -> exchanges -> findings, plus the figures reports show.

use rayon::prelude::*;
use serde::Serialize;
use std::path::{Path, PathBuf};

use crate::baseline::BaselineOutcome;
use crate::ingest::input::{InputOptions, is_stdin, read_input};
use crate::ingest::{InputError, InputFormat, Skipped};
use crate::model::overview::{EndpointStats, endpoint_overview};
use crate::model::{self, Exchange, Position, Source, Timestamp};
use crate::rules::{self, Context, Finding, Limitation, Profiles, Rule, Severity};

/// Per-input counts and problems of one run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct InputSummary {
    /// The path as given on the command line or found in a directory.
    pub path: String,
    /// Format the input was read as (detected or given); `None` when the file could
    /// not be read at all.
    pub format: Option<InputFormat>,
    /// Records (HAR entries, or log lines parsed as access entries) found in the input.
    pub records: u64,
    /// Lines of a text log; 0 for HAR files.
    pub lines: u64,
    /// Empty lines of a text log.
    pub blank: u64,
    /// Records turned into exchanges.
    pub exchanges: u64,
    /// Exchanges served from a browser cache, which do not count as requests.
    pub cache_hits: u64,
    /// Records that could not be used, with the reason; may list only the first few.
    pub skipped: Vec<Skipped>,
    pub skipped_total: u64,
    /// Log lines that the format writes besides access entries (W3C directives,
    /// startup messages), which are not errors.
    pub not_access: u64,
    /// Things the user should know about how the input was read.
    pub warnings: Vec<String>,
    /// Reason the input could not be read, when it could not.
    pub error: Option<String>,
    /// One-based line on which each HAR entry starts, by entry index (0 when unknown);
    /// empty for logs. Only CI reports use it, so it is left out of the JSON report.
    #[serde(skip)]
    pub entry_lines: Vec<u32>,
}

/// Counts over the whole run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub inputs: usize,
    pub inputs_failed: usize,
    pub exchanges: u64,
    /// Exchanges that reached the network as API calls.
    pub api_calls: u64,
    /// Scripts, styles, images, fonts and media that reached the network.
    pub static_assets: u64,
    /// Exchanges served from a browser cache.
    pub cache_hits: u64,
    /// Other exchanges that reached the network: pages, WebSocket upgrades, beacons.
    pub other_requests: u64,
    /// Throttled responses (429, 503 with Retry-After, ...).
    pub throttled: u64,
    pub clients: usize,
    pub hosts: usize,
    pub first_request: Option<Timestamp>,
    pub last_request: Option<Timestamp>,
    pub findings: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// Everything a report needs.
#[derive(Clone, Debug)]
pub struct Analysis {
    pub inputs: Vec<InputSummary>,
    pub summary: Summary,
    pub overview: Vec<EndpointStats>,
    pub findings: Vec<Finding>,
    /// Rules that some inputs cannot fully support, and why.
    pub limitations: Vec<Limitation>,
    /// Result of `--baseline`: the findings it left out and its expired and stale
    /// entries. `None` when no baseline was given.
    pub baseline: Option<BaselineOutcome>,
}

impl Analysis {
    /// Names a source for people: `capture.har entry 12` or `access.log line 34`.
    pub fn source_label(&self, source: &Source) -> String {
        let path = self
            .inputs
            .get(source.input as usize)
            .map(|i| i.path.as_str())
            .unwrap_or("?");
        match source.position {
            Position::Entry(index) => format!("{path} entry {index}"),
            Position::Line(line) => format!("{path} line {line}"),
        }
    }

    /// Returns the maximum severity among the findings, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }
}

/// An input named on the command line, or found in a directory, ready to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InputPath {
    /// A file, or `-` for standard input.
    File(PathBuf),
    /// A path that could not be opened, with the reason; it is reported like an
    /// unreadable file so that the other inputs are still analyzed.
    Unreadable { path: PathBuf, reason: String },
}

/// Expands files, directories, `-` (standard input) and glob patterns into the list of
/// inputs. A file named explicitly is always taken; directories are walked recursively
/// for files that [`is_known_input`] accepts. Files found by a directory or a pattern
/// are sorted by name, with rotated logs oldest first. A path named twice, directly or
/// through a directory, is read once. A path that cannot be opened becomes an
/// [`InputPath::Unreadable`] entry instead of stopping the run.
pub fn collect_inputs(paths: &[PathBuf]) -> Vec<InputPath> {
    let mut inputs = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        if is_stdin(path) {
            inputs.push(InputPath::File(path.clone()));
            continue;
        }
        let mut found = Vec::new();
        if let Err(error) = expand_path(path, &mut found) {
            inputs.push(InputPath::Unreadable {
                path: path.clone(),
                reason: error.to_string(),
            });
        }
        for file in found {
            let identity = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
            if seen.insert(identity) {
                inputs.push(InputPath::File(file));
            }
        }
    }
    inputs
}

/// Adds the files that one command-line path names: itself, the files of a directory,
/// or the matches of a glob pattern.
fn expand_path(path: &Path, found: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(source) => {
            return match expand_glob(path)? {
                Some(mut matched) => {
                    sort_inputs(&mut matched);
                    found.extend(matched);
                    Ok(())
                }
                None => Err(InputError::Io {
                    path: path.to_path_buf(),
                    source,
                }),
            };
        }
    };
    if metadata.is_dir() {
        walk_directory(path, found)?;
        sort_inputs(found);
    } else {
        found.push(path.to_path_buf());
    }
    Ok(())
}

/// Expands a quoted glob pattern (the shell expands unquoted ones). Returns `None` when
/// the path contains no pattern characters, and an error when a pattern matches nothing.
fn expand_glob(path: &Path) -> Result<Option<Vec<PathBuf>>, InputError> {
    let text = path.to_string_lossy();
    if !text.contains(['*', '?', '[']) {
        return Ok(None);
    }
    let invalid = |message: String| InputError::invalid(path, message);
    let entries =
        glob::glob(&text).map_err(|error| invalid(format!("invalid glob pattern: {error}")))?;
    let mut matched = Vec::new();
    for entry in entries {
        let found = entry.map_err(|error| invalid(format!("cannot read a match: {error}")))?;
        if found.is_file() {
            matched.push(found);
        }
    }
    if matched.is_empty() {
        return Err(invalid("the pattern matches no file".to_string()));
    }
    Ok(Some(matched))
}

fn walk_directory(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), InputError> {
    let io_error = |source| InputError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io_error)? {
        let entry = entry.map_err(io_error)?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(io_error)?;
        if file_type.is_dir() {
            walk_directory(&path, files)?;
        } else if is_known_input(&path) {
            files.push(path);
        }
    }
    Ok(())
}

/// Decides whether a file found in a directory is an input: by name only, so that a
/// walk never opens unrelated files. Taken are `*.har`, `*.log`, rotated `*.log.N`,
/// compressed `*.gz` and `*.zst`, names starting with `access`, and JSON lines
/// (`*.json`, `*.ndjson`, `*.jsonl`). Other files are skipped even when their content
/// is a log; name them explicitly to read them.
pub fn is_known_input(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let name = name.to_ascii_lowercase();
    // `access.log.format` contains the format of `access.log`, so it is not a log itself.
    if name.ends_with(crate::ingest::input::SIDECAR_SUFFIX) {
        return false;
    }
    let (stem, _) = rotation(&name);
    let stem = stem
        .strip_suffix(".gz")
        .or_else(|| stem.strip_suffix(".zst"))
        .unwrap_or(stem);
    let (stem, _) = rotation(stem);
    name.ends_with(".gz")
        || name.ends_with(".zst")
        || name.starts_with("access")
        || [".har", ".log", ".json", ".ndjson", ".jsonl"]
            .iter()
            .any(|extension| stem.ends_with(extension))
}

/// Splits a rotation suffix off a file name: `access.log.2.gz` gives
/// (`access.log`, Some(2)) once the compression suffix is removed by the caller.
fn rotation(name: &str) -> (&str, Option<u64>) {
    match name.rsplit_once('.') {
        Some((stem, number))
            if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (stem, number.parse().ok())
        }
        _ => (name, None),
    }
}

/// Sorts by name, except that rotated copies of one log come oldest first: logrotate
/// numbers the newest copy `.1`, so `access.log.2.gz`, `access.log.1`, `access.log`.
fn sort_inputs(files: &mut [PathBuf]) {
    files.sort_by_cached_key(|path| {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let plain = name
            .strip_suffix(".gz")
            .or_else(|| name.strip_suffix(".zst"))
            .unwrap_or(&name);
        let (stem, number) = rotation(plain);
        let stem = stem.to_string();
        // Higher numbers are older and sort first; the live file (no number) is newest.
        let order = number.map_or(u64::MAX, |n| (u64::MAX - 1).saturating_sub(n));
        (path.parent().map(Path::to_path_buf), stem, order)
    });
}

/// Reads every input, in parallel, and returns the exchanges of all of them sorted by
/// start time together with a summary per input. An input that cannot be read is
/// reported in its summary and does not stop the run.
pub fn load_inputs(
    inputs: &[InputPath],
    options: &InputOptions,
) -> (Vec<Exchange>, Vec<InputSummary>) {
    let loaded: Vec<_> = inputs
        .par_iter()
        .enumerate()
        .map(|(index, input)| match input {
            InputPath::File(path) => (
                path,
                read_input(path, index as u32, options).map_err(|e| e.to_string()),
            ),
            InputPath::Unreadable { path, reason } => (path, Err(reason.clone())),
        })
        .collect();

    let mut exchanges = Vec::new();
    let mut summaries = Vec::with_capacity(loaded.len());
    for (path, result) in loaded {
        let display = path.display().to_string();
        match result {
            Ok((format, loaded)) => {
                summaries.push(InputSummary {
                    path: display,
                    format: Some(format),
                    records: loaded.records,
                    lines: loaded.lines,
                    blank: loaded.blank,
                    exchanges: loaded.exchanges.len() as u64,
                    cache_hits: loaded.cache_hits,
                    skipped: loaded.skipped,
                    skipped_total: loaded.skipped_total,
                    not_access: loaded.not_access,
                    warnings: loaded.warnings,
                    error: None,
                    entry_lines: loaded.entry_lines,
                });
                exchanges.extend(loaded.exchanges);
            }
            Err(error) => summaries.push(InputSummary {
                path: display,
                format: None,
                records: 0,
                lines: 0,
                blank: 0,
                exchanges: 0,
                cache_hits: 0,
                skipped: Vec::new(),
                skipped_total: 0,
                not_access: 0,
                warnings: Vec::new(),
                error: Some(error),
                entry_lines: Vec::new(),
            }),
        }
    }
    model::sort_exchanges(&mut exchanges);
    (exchanges, summaries)
}

/// Runs the rules over loaded exchanges and assembles the analysis.
pub fn analyze_exchanges(
    exchanges: &[Exchange],
    inputs: Vec<InputSummary>,
    rules: &[Box<dyn Rule>],
    profiles: &Profiles,
) -> Analysis {
    let ctx = Context::new(exchanges, profiles);
    let findings = rules::run_rules(rules, &ctx);
    let paths: Vec<&str> = inputs.iter().map(|i| i.path.as_str()).collect();
    let limitations = rules::rule_limitations(rules, &ctx, &paths);
    let overview = endpoint_overview(exchanges);
    let summary = summarize(exchanges, &inputs, &findings);
    Analysis {
        inputs,
        summary,
        overview,
        findings,
        limitations,
        baseline: None,
    }
}

fn summarize(exchanges: &[Exchange], inputs: &[InputSummary], findings: &[Finding]) -> Summary {
    let api: Vec<&Exchange> = exchanges.iter().filter(|e| e.is_api_call()).collect();
    let mut clients: Vec<&str> = api.iter().map(|e| &*e.client).collect();
    clients.sort_unstable();
    clients.dedup();
    let mut hosts: Vec<&str> = api.iter().map(|e| &*e.host).collect();
    hosts.sort_unstable();
    hosts.dedup();
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    Summary {
        inputs: inputs.len(),
        inputs_failed: inputs.iter().filter(|i| i.error.is_some()).count(),
        exchanges: exchanges.len() as u64,
        api_calls: api.len() as u64,
        static_assets: exchanges
            .iter()
            .filter(|e| e.is_network() && e.kind.is_static_asset())
            .count() as u64,
        cache_hits: exchanges.iter().filter(|e| e.cache_hit).count() as u64,
        other_requests: exchanges
            .iter()
            .filter(|e| e.is_network() && !e.is_api_call() && !e.kind.is_static_asset())
            .count() as u64,
        throttled: exchanges.iter().filter(|e| e.is_throttled()).count() as u64,
        clients: clients.len(),
        hosts: hosts.len(),
        first_request: exchanges.first().map(|e| e.start),
        last_request: exchanges.iter().map(|e| e.start).max(),
        findings: findings.len(),
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_inputs_by_name() {
        for name in [
            "a.har",
            "access.log",
            "access.log.3",
            "access.log.2.gz",
            "error.log.zst",
            "access",
            "access_ssl",
            "events.ndjson",
            "events.jsonl",
            "cf.json",
        ] {
            assert!(is_known_input(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn other_files_not_inputs() {
        for name in ["notes.txt", "README.md", "app.pid", "log"] {
            assert!(!is_known_input(Path::new(name)), "{name}");
        }
    }

    #[test]
    fn rotated_sorted_oldest_first() {
        let mut files: Vec<PathBuf> = [
            "d/b.log",
            "d/access.log",
            "d/access.log.1",
            "d/access.log.2.gz",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        sort_inputs(&mut files);
        let names: Vec<&str> = files.iter().filter_map(|p| p.to_str()).collect();
        assert_eq!(
            names,
            [
                "d/access.log.2.gz",
                "d/access.log.1",
                "d/access.log",
                "d/b.log"
            ]
        );
    }
}
