//! Reporters: each renders an [`Analysis`] in one output format.

pub mod explain;
pub mod json;
pub mod markdown;
pub mod table;

use std::io;

use crate::analyze::Analysis;
use crate::rules::RuleSpec;

/// Output formats of `ratelint analyze`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Markdown,
    Json,
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

/// Renders an analysis.
pub trait Reporter {
    fn write(&self, analysis: &Analysis, out: &mut dyn io::Write) -> io::Result<()>;
}

/// Returns the reporter for a format.
pub fn reporter(format: Format, options: ReportOptions) -> Box<dyn Reporter> {
    match format {
        Format::Table => Box::new(table::TableReporter { options }),
        Format::Markdown => Box::new(markdown::MarkdownReporter { options }),
        Format::Json => Box::new(json::JsonReporter { options }),
    }
}
