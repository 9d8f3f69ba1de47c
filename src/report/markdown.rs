//! `--format markdown`.

use std::io;

use super::{ReportOptions, Reporter};
use crate::analyze::Analysis;

pub struct MarkdownReporter {
    pub options: ReportOptions,
}

impl Reporter for MarkdownReporter {
    fn write(&self, analysis: &Analysis, out: &mut dyn io::Write) -> io::Result<()> {
        let _ = &self.options;
        writeln!(out, "{} findings", analysis.findings.len())
    }
}
