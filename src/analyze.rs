//! The analyze pipeline: inputs -> exchanges -> findings, plus the figures reports show.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use crate::ingest::{self, InputError, InputFormat, Skipped};
use crate::model::overview::{EndpointStats, endpoint_overview};
use crate::model::{self, Exchange, Position, Source, Timestamp};
use crate::rules::{self, Context, Finding, Limitation, Profiles, Rule, Severity};

/// Per-input counts and problems of one run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct InputSummary {
    /// The path as given on the command line or found in a directory.
    pub path: String,
    /// `None` when the file could not be read at all.
    pub format: Option<InputFormat>,
    /// Records (HAR entries, log lines) found in the input.
    pub records: u64,
    /// Records turned into exchanges.
    pub exchanges: u64,
    /// Exchanges served from a browser cache, which do not count as requests.
    pub cache_hits: u64,
    /// Records that could not be used, with the reason; may list only the first few.
    pub skipped: Vec<Skipped>,
    pub skipped_total: u64,
    /// Reason the input could not be read, when it could not.
    pub error: Option<String>,
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
    File(PathBuf),
    /// A path that could not be opened, with the reason; it is reported like an
    /// unreadable file so that the other inputs are still analyzed.
    Unreadable {
        path: PathBuf,
        reason: String,
    },
}

/// Expands files and directories into the list of inputs, sorted for stable output.
/// Directories are walked recursively and only files with a known extension are taken
/// from them; a file named explicitly is always taken. A path named twice, directly or
/// through a directory, is read once. A path that cannot be opened becomes an
/// [`InputPath::Unreadable`] entry instead of stopping the run.
pub fn collect_inputs(paths: &[PathBuf]) -> Vec<InputPath> {
    let mut inputs = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        let mut found = Vec::new();
        let listed = match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => walk_directory(path, &mut found),
            Ok(_) => {
                found.push(path.clone());
                Ok(())
            }
            Err(source) => Err(InputError::Io {
                path: path.clone(),
                source,
            }),
        };
        if let Err(error) = listed {
            inputs.push(InputPath::Unreadable {
                path: path.clone(),
                reason: error.to_string(),
            });
        }
        found.sort();
        for file in found {
            let identity = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
            if seen.insert(identity) {
                inputs.push(InputPath::File(file));
            }
        }
    }
    inputs
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

fn is_known_input(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("har"))
}

/// Reads every input, in parallel, and returns the exchanges of all of them sorted by
/// start time together with a summary per input. A file that cannot be read is
/// reported in its summary and does not stop the run.
pub fn load_inputs(inputs: &[InputPath]) -> (Vec<Exchange>, Vec<InputSummary>) {
    let loaded: Vec<_> = inputs
        .par_iter()
        .enumerate()
        .map(|(index, input)| match input {
            InputPath::File(path) => {
                let client: Arc<str> = client_name(path).into();
                (
                    path,
                    ingest::har::read_har(path, index as u32, client).map_err(|e| e.to_string()),
                )
            }
            InputPath::Unreadable { path, reason } => (path, Err(reason.clone())),
        })
        .collect();

    let mut exchanges = Vec::new();
    let mut summaries = Vec::with_capacity(loaded.len());
    for (path, result) in loaded {
        let display = path.display().to_string();
        match result {
            Ok(loaded) => {
                summaries.push(InputSummary {
                    path: display,
                    format: Some(InputFormat::Har),
                    records: loaded.records,
                    exchanges: loaded.exchanges.len() as u64,
                    cache_hits: loaded.cache_hits,
                    skipped: loaded.skipped,
                    skipped_total: loaded.skipped_total,
                    error: None,
                });
                exchanges.extend(loaded.exchanges);
            }
            Err(error) => summaries.push(InputSummary {
                path: display,
                format: None,
                records: 0,
                exchanges: 0,
                cache_hits: 0,
                skipped: Vec::new(),
                skipped_total: 0,
                error: Some(error),
            }),
        }
    }
    model::sort_exchanges(&mut exchanges);
    (exchanges, summaries)
}

/// Names the client of a HAR capture after its path as given, because one capture is
/// one client. The whole path keeps two captures with the same file name apart, as
/// Playwright and Polly.js name every recording `recording.har`.
fn client_name(path: &Path) -> String {
    path.display().to_string()
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
