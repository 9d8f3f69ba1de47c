//! `--format json`.

use std::io;

use super::{ReportOptions, Reporter};
use crate::analyze::Analysis;

pub struct JsonReporter {
    pub options: ReportOptions,
}

impl Reporter for JsonReporter {
    fn write(&self, analysis: &Analysis, out: &mut dyn io::Write) -> io::Result<()> {
        let _ = &self.options;
        writeln!(out, "{} findings", analysis.findings.len())
    }
}
