//! The `ratelint` command.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{CommandFactory as _, Parser, Subcommand, ValueEnum};

use ratelint::analyze::{self, Analysis, InputPath};
use ratelint::baseline::{self, Baseline};
use ratelint::config::Config;
use ratelint::ingest::input::{FormatChoice, InputOptions};
use ratelint::ingest::log::formats::{FormatOptions, LogFormatName};
use ratelint::ingest::log::{ClientKey, ConvertOptions};
use ratelint::redact::{self, Redactor};
use ratelint::report::{self, Format, ReportOptions};
use ratelint::rules::{self, Rule, Severity};
use ratelint::sanitize;

/// Finds the client behaviour that gets an application rate-limited (HTTP 429) in
/// captured HTTP traffic, and prints how to fix it.
#[derive(Parser, Debug)]
#[command(name = "ratelint", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Analyze HAR captures and access logs and report rate-limit anti-patterns.
    Analyze(AnalyzeArgs),
    /// Write the current findings to a baseline file, which `analyze --baseline`
    /// then leaves out, so that only new findings fail a build.
    Baseline(BaselineArgs),
    /// List the rules.
    Rules,
    /// Print a rule's documentation: what it detects, why it hurts, known false
    /// positives, an example, the fix and its thresholds.
    Explain {
        /// Rule name, e.g. `retry-after-ignored`.
        rule: String,
    },
    /// Print a shell completion script for bash, zsh, fish, elvish or PowerShell.
    Completions {
        /// Shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print the man page in roff. View it with `ratelint man | man -l -`.
    Man {
        /// Print the page of this subcommand, e.g. `analyze` for ratelint-analyze(1),
        /// instead of the overview page.
        #[arg(value_name = "SUBCOMMAND")]
        subcommand: Option<String>,
    },
    /// Print the effective configuration as TOML: the built-in defaults with
    /// `ratelint.toml` (or `--config FILE`) applied.
    Config {
        /// Configuration file. Default: `ratelint.toml` in the working directory, when
        /// there is one.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Write a copy of a HAR capture with its tokens, cookies, API keys and passwords
    /// replaced, so that it can be shared.
    Sanitize(SanitizeArgs),
}

#[derive(clap::Args, Debug)]
struct SanitizeArgs {
    /// HAR file to sanitize. It is never changed.
    #[arg(value_name = "INPUT")]
    input: PathBuf,

    /// File to write, or `-` for standard output. Default: INPUT with `.har` replaced
    /// by `.sanitized.har`.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,

    /// Also remove every response body (`content.text`), keeping its size.
    #[arg(long)]
    drop_bodies: bool,
}

#[derive(clap::Args, Debug)]
struct AnalyzeArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Report format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Table)]
    format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,

    /// Also write a report in FORMAT to FILE, e.g. `--report sarif=ratelint.sarif`.
    /// Repeatable; FORMAT is any `--format` value. `--format` still chooses the report
    /// on standard output (or `--output`).
    #[arg(long = "report", value_name = "FORMAT=FILE", value_parser = parse_report)]
    reports: Vec<(Format, PathBuf)>,

    /// Exit with code 1 when a finding of this severity or higher is reported.
    /// Default: `fail_on` of the configuration, else `error`.
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,

    /// Leave out the findings accepted in this baseline file (written by `ratelint
    /// baseline`), and list its expired and stale entries.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Exit with code 0 even when findings reach `--fail-on`. Usage errors, invalid
    /// baselines and unreadable inputs still exit with code 2.
    #[arg(long)]
    exit_zero: bool,
}

#[derive(clap::Args, Debug)]
struct BaselineArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Baseline file to write. When it exists and is a valid baseline, the `reason`
    /// and `expires` of entries that still match are kept.
    #[arg(long, short = 'o', value_name = "FILE", default_value = baseline::DEFAULT_FILE)]
    output: PathBuf,
}

/// Options that choose and read the inputs, shared by `analyze` and `baseline`.
#[derive(clap::Args, Debug)]
struct InputArgs {
    /// HAR files, access logs, directories, quoted glob patterns, or `-` for standard
    /// input. Directories are searched recursively for `*.har`, `*.log`, `*.log.N`,
    /// `*.gz`, `*.zst`, `access*`, `*.json`, `*.ndjson` and `*.jsonl` files. gzip and
    /// zstd input is decompressed.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,

    /// Format of the inputs; `auto` detects it per file from its first lines.
    #[arg(long, value_enum, default_value_t = InputFormatArg::Auto, value_name = "FORMAT")]
    input_format: InputFormatArg,

    /// nginx `log_format` or Apache `LogFormat` string, with `--input-format nginx` or
    /// `apache`.
    #[arg(long, value_name = "STRING")]
    log_format: Option<String>,

    /// Maps a record field to a JSON key for `--input-format json`, e.g.
    /// `--field status=resp.code`. Repeatable.
    #[arg(long = "field", value_name = "NAME=FIELD", value_parser = parse_field)]
    fields: Vec<(String, String)>,

    /// How to identify the client of a log line: `ip` (peer address), `xff` (first
    /// X-Forwarded-For address, else the peer), `user-agent`, or `field:NAME`. Default:
    /// the first X-Forwarded-For address when logged, else the peer address.
    #[arg(long, value_name = "KEY", value_parser = parse_client_key)]
    client_key: Option<ClientKey>,

    /// Counts responses with these statuses (400 to 599) as throttled in access logs,
    /// e.g. `503` for nginx `limit_req` or `403` for a WAF that rate-limits.
    /// Comma-separated or repeatable. 429 always counts.
    #[arg(long, value_name = "STATUS", value_delimiter = ',', value_parser = clap::value_parser!(u16).range(400..600))]
    throttle_status: Vec<u16>,

    /// Configuration file. Default: `ratelint.toml` in the working directory, when
    /// there is one. Command-line options win over it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Print tokens, cookies, API keys, emails and other secrets found in paths,
    /// client names and messages as they are. By default each is replaced by
    /// `[redacted:KIND:HASH]`, with a hash keyed per run.
    #[arg(long)]
    show_secrets: bool,
}

/// `--input-format` values: `auto`, `har`, or an access-log format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum InputFormatArg {
    Auto,
    Har,
    Nginx,
    Apache,
    Common,
    Combined,
    NginxIngress,
    AwsAlb,
    AwsElb,
    Cloudfront,
    Iis,
    Caddy,
    Envoy,
    Haproxy,
    Cloudflare,
    Json,
}

impl InputFormatArg {
    fn choice(self) -> FormatChoice {
        let log = |name| FormatChoice::Log(name);
        match self {
            InputFormatArg::Auto => FormatChoice::Auto,
            InputFormatArg::Har => FormatChoice::Har,
            InputFormatArg::Nginx => log(LogFormatName::Nginx),
            InputFormatArg::Apache => log(LogFormatName::Apache),
            InputFormatArg::Common => log(LogFormatName::Common),
            InputFormatArg::Combined => log(LogFormatName::Combined),
            InputFormatArg::NginxIngress => log(LogFormatName::NginxIngress),
            InputFormatArg::AwsAlb => log(LogFormatName::AwsAlb),
            InputFormatArg::AwsElb => log(LogFormatName::AwsElb),
            InputFormatArg::Cloudfront => log(LogFormatName::Cloudfront),
            InputFormatArg::Iis => log(LogFormatName::Iis),
            InputFormatArg::Caddy => log(LogFormatName::Caddy),
            InputFormatArg::Envoy => log(LogFormatName::Envoy),
            InputFormatArg::Haproxy => log(LogFormatName::Haproxy),
            InputFormatArg::Cloudflare => log(LogFormatName::Cloudflare),
            InputFormatArg::Json => log(LogFormatName::Json),
        }
    }
}

fn parse_field(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        Some((name, field)) if !name.trim().is_empty() && !field.trim().is_empty() => {
            Ok((name.trim().to_string(), field.trim().to_string()))
        }
        _ => Err(format!("expected NAME=FIELD, got `{value}`")),
    }
}

fn parse_report(value: &str) -> Result<(Format, PathBuf), String> {
    let formats = || {
        Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let Some((name, file)) = value.split_once('=') else {
        return Err(format!(
            "expected FORMAT=FILE, e.g. sarif=ratelint.sarif, got `{value}`"
        ));
    };
    if file.is_empty() {
        return Err(format!("missing FILE after `{name}=`"));
    }
    let format = Format::from_str(name.trim(), true).map_err(|_| {
        format!(
            "unknown report format `{name}`: expected one of {}",
            formats()
        )
    })?;
    Ok((format, PathBuf::from(file)))
}

fn parse_client_key(value: &str) -> Result<ClientKey, String> {
    ratelint::config::parse_client_key(value)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl From<ratelint::config::FailOn> for FailOn {
    fn from(value: ratelint::config::FailOn) -> Self {
        match value {
            ratelint::config::FailOn::Error => FailOn::Error,
            ratelint::config::FailOn::Warning => FailOn::Warning,
            ratelint::config::FailOn::Info => FailOn::Info,
            ratelint::config::FailOn::Never => FailOn::Never,
        }
    }
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

/// Exit code when no finding reaches the `--fail-on` threshold.
const EXIT_CLEAN: u8 = 0;
/// Exit code when a finding reaches the `--fail-on` threshold.
const EXIT_FINDINGS: u8 = 1;
/// Exit code for usage errors and inputs that could not be read.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let show_secrets = match &cli.command {
        Command::Analyze(args) => args.input.show_secrets,
        Command::Baseline(args) => args.input.show_secrets,
        _ => false,
    };
    let redactor = if show_secrets {
        Redactor::disabled()
    } else {
        Redactor::new()
    };
    match run(cli, &redactor) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            // Errors name input paths and values, which can carry a secret.
            eprintln!("error: {}", redactor.redact(&format!("{error:#}")));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: Cli, redactor: &Redactor) -> anyhow::Result<u8> {
    let rules = rules::builtin_rules().context("invalid built-in rule definition")?;
    match cli.command {
        Command::Analyze(args) => {
            let config = Config::load(args.input.config.as_deref())?;
            run_analyze(args, config, redactor)
        }
        Command::Baseline(args) => {
            let config = Config::load(args.input.config.as_deref())?;
            run_baseline(args, config, redactor)
        }
        Command::Config { config } => {
            let config = Config::load(config.as_deref())?;
            write_ignoring_broken_pipe(io::stdout().write_all(config.to_toml()?.as_bytes()))?;
            Ok(EXIT_CLEAN)
        }
        Command::Rules => {
            write_ignoring_broken_pipe(print_rules(&rules))?;
            Ok(EXIT_CLEAN)
        }
        Command::Explain { rule } => {
            let Some(found) = rules.iter().find(|r| r.spec().name == rule) else {
                bail!(
                    "unknown rule `{rule}`; run `ratelint rules` to list the rules ({})",
                    rules::RULE_NAMES.join(", ")
                );
            };
            write_ignoring_broken_pipe(
                io::stdout().write_all(report::explain::render(found.spec()).as_bytes()),
            )?;
            Ok(EXIT_CLEAN)
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "ratelint", &mut script);
            write_ignoring_broken_pipe(io::stdout().write_all(&script))?;
            Ok(EXIT_CLEAN)
        }
        Command::Man { subcommand } => {
            let page = render_man_page(subcommand.as_deref())?;
            write_ignoring_broken_pipe(io::stdout().write_all(&page))?;
            Ok(EXIT_CLEAN)
        }
        Command::Sanitize(args) => run_sanitize(args),
    }
}

/// Writes the sanitized copy of a HAR file and prints what was replaced to standard
/// error.
fn run_sanitize(args: SanitizeArgs) -> anyhow::Result<u8> {
    let output = args
        .output
        .unwrap_or_else(|| sanitize::default_output(&args.input));
    let to_stdout = output == Path::new("-");
    let same_file = output == args.input
        || std::fs::canonicalize(&output)
            .is_ok_and(|o| std::fs::canonicalize(&args.input).is_ok_and(|i| i == o));
    if !to_stdout && same_file {
        bail!(
            "--output {} is the input, which sanitize never overwrites; name another file",
            output.display()
        );
    }

    let bytes = std::fs::read(&args.input)
        .with_context(|| format!("cannot read {}", args.input.display()))?;
    let options = sanitize::Options {
        drop_bodies: args.drop_bodies,
    };
    let (sanitized, summary) = sanitize::sanitize_har(&bytes, options)
        .map_err(|message| anyhow::anyhow!("{}: {message}", args.input.display()))?;
    if to_stdout {
        write_ignoring_broken_pipe(io::stdout().write_all(&sanitized))?;
    } else {
        std::fs::write(&output, sanitized)
            .with_context(|| format!("cannot write {}", output.display()))?;
    }

    let target = if to_stdout {
        "standard output".to_string()
    } else {
        output.display().to_string()
    };
    eprintln!(
        "sanitized {} ({} entries) into {target}; replaced:",
        args.input.display(),
        summary.entries
    );
    for line in summary.lines() {
        eprintln!("  {line}");
    }
    Ok(EXIT_CLEAN)
}

/// Renders the man page of `ratelint`, or of `ratelint SUBCOMMAND` when one is named.
fn render_man_page(subcommand: Option<&str>) -> anyhow::Result<Vec<u8>> {
    let mut command = Cli::command();
    command.build();
    let (command, title) = match subcommand {
        None => (command, "RATELINT".to_string()),
        Some(name) => {
            // clap's generated `help` subcommand has no page of its own.
            let found = command.find_subcommand(name).filter(|_| name != "help");
            let Some(found) = found else {
                let names: Vec<&str> = command
                    .get_subcommands()
                    .map(|c| c.get_name())
                    .filter(|name| *name != "help")
                    .collect();
                bail!(
                    "unknown subcommand `{name}`; expected one of {}",
                    names.join(", ")
                );
            };
            let full_name = format!("ratelint-{name}");
            let title = full_name.to_uppercase();
            (found.clone().display_name(full_name), title)
        }
    };
    let mut page = Vec::new();
    clap_mangen::Man::new(command)
        .title(title)
        .source(format!("ratelint {}", env!("CARGO_PKG_VERSION")))
        .render(&mut page)?;
    Ok(page)
}

fn run_analyze(args: AnalyzeArgs, config: Config, redactor: &Redactor) -> anyhow::Result<u8> {
    let rules = &config.rules;
    // The baseline is read first, so that a mistake in it fails before the inputs are.
    let accepted = match &args.baseline {
        Some(path) => Some(Baseline::load(path)?),
        None => None,
    };
    for (index, (_, path)) in args.reports.iter().enumerate() {
        let earlier = args.reports[..index].iter().map(|(_, p)| p);
        if args.output.iter().chain(earlier).any(|other| other == path) {
            bail!(
                "{} is named by two reports; give each report its own file",
                path.display()
            );
        }
    }
    let mut outputs: Vec<(&str, &Path)> = args
        .output
        .iter()
        .map(|path| ("--output", path.as_path()))
        .collect();
    outputs.extend(
        args.reports
            .iter()
            .map(|(_, path)| ("--report", path.as_path())),
    );
    let mut analysis = load_analysis(&args.input, &config, &outputs, redactor)?;
    if let Some(accepted) = &accepted {
        baseline::apply(&mut analysis, accepted, baseline::today_utc());
        if let Some(outcome) = &mut analysis.baseline {
            redact::redact_baseline_outcome(outcome, redactor);
            for line in outcome.warning_lines() {
                eprintln!("warning: {line}");
            }
        }
    }

    let to_terminal = args.output.is_none() && io::stdout().is_terminal();
    let options = ReportOptions {
        color: to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        width: table_width(to_terminal),
        rules: rules.iter().map(|r| r.spec().clone()).collect(),
    };
    write_extra_reports(&analysis, &args.reports, &options)?;
    let reporter = report::reporter(args.format, options);
    match &args.output {
        Some(path) => {
            let mut buffer = Vec::new();
            reporter.write(&analysis, &mut buffer)?;
            std::fs::write(path, buffer)
                .with_context(|| format!("cannot write the report to {}", path.display()))?;
        }
        None => {
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            write_ignoring_broken_pipe(reporter.write(&analysis, &mut out))?;
            write_ignoring_broken_pipe(out.flush())?;
        }
    }

    let fail_on = args
        .fail_on
        .or(config.fail_on.map(FailOn::from))
        .unwrap_or(FailOn::Error);
    Ok(exit_code(&analysis, fail_on, args.exit_zero))
}

/// Writes the baseline file. It is not written when an input could not be read,
/// because it would then miss that input's findings.
fn run_baseline(args: BaselineArgs, config: Config, redactor: &Redactor) -> anyhow::Result<u8> {
    // An existing baseline is read first, both to keep its acknowledgements and to
    // avoid overwriting a file that is not a baseline.
    let previous = if args.output.exists() {
        Some(Baseline::load(&args.output).with_context(|| {
            format!(
                "{} exists and is not a valid baseline; fix it, remove it or give another \
                 --output",
                args.output.display()
            )
        })?)
    } else {
        None
    };
    let analysis = load_analysis(
        &args.input,
        &config,
        &[("--output", &args.output)],
        redactor,
    )?;
    if analysis.summary.inputs_failed > 0 {
        bail!(
            "the baseline was not written because {} of the inputs could not be read; fix \
             or leave out the inputs listed above",
            analysis.summary.inputs_failed
        );
    }
    let text = baseline::render(&analysis.findings, previous.as_ref());
    std::fs::write(&args.output, text)
        .with_context(|| format!("cannot write the baseline to {}", args.output.display()))?;
    eprintln!(
        "wrote the baseline {} (findings: {})",
        redactor.redact(&args.output.display().to_string()),
        analysis.findings.len()
    );
    Ok(EXIT_CLEAN)
}

/// Reads the inputs, runs the rules and redacts the result. `outputs` are the files
/// the command will write, which must not be inputs.
fn load_analysis(
    args: &InputArgs,
    config: &Config,
    outputs: &[(&str, &Path)],
    redactor: &Redactor,
) -> anyhow::Result<Analysis> {
    let files = analyze::collect_inputs(&args.inputs);
    if files.is_empty() {
        bail!(
            "no HAR files or access logs found in {}; give them or directories that contain \
             them",
            args.inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for (option, output) in outputs {
        reject_output_over_input(option, output, &files)?;
    }

    if args.log_format.is_some()
        && !matches!(
            args.input_format,
            InputFormatArg::Nginx | InputFormatArg::Apache
        )
    {
        bail!("--log-format needs --input-format nginx or --input-format apache");
    }
    let options = InputOptions {
        format: args.input_format.choice(),
        format_options: FormatOptions {
            log_format: args.log_format.clone(),
            fields: args.fields.clone(),
        },
        convert: ConvertOptions {
            client_key: args
                .client_key
                .clone()
                .or_else(|| config.client_key.clone())
                .unwrap_or_default(),
            throttle_statuses: args.throttle_status.clone(),
            default_host: None,
        },
        max_input_bytes: max_input_bytes()?,
    };
    let (mut exchanges, inputs) = analyze::load_inputs(&files, &options);
    config.endpoints.apply(&mut exchanges);
    let mut analysis =
        analyze::analyze_exchanges(&exchanges, inputs, &config.rules, &config.profiles);
    redact::redact_analysis(&mut analysis, redactor);
    if let ClientKey::Field(name) = &options.convert.client_key
        && redact::is_secret_name(name)
    {
        redact::redact_secret_clients(&mut analysis, redactor);
    }
    report_input_problems(&analysis);
    Ok(analysis)
}

/// Environment variable that lowers the cap on the decompressed size of one input, in
/// bytes. It exists so that tests can check the cap with a small gzip bomb.
const MAX_INPUT_BYTES_VAR: &str = "RATELINT_MAX_INPUT_BYTES";

/// Returns the cap on the decompressed size of one input: `RATELINT_MAX_INPUT_BYTES`
/// when set, else 8 GiB.
fn max_input_bytes() -> anyhow::Result<u64> {
    let Some(value) = std::env::var_os(MAX_INPUT_BYTES_VAR) else {
        return Ok(ratelint::ingest::input::DEFAULT_MAX_INPUT_BYTES);
    };
    let value = value.to_string_lossy();
    match value.trim().parse::<u64>() {
        Ok(bytes) if bytes > 0 => Ok(bytes),
        _ => bail!("invalid {MAX_INPUT_BYTES_VAR} {value:?}: expected a positive number of bytes"),
    }
}

/// Writes the `--report FORMAT=FILE` reports, without colour.
fn write_extra_reports(
    analysis: &Analysis,
    reports: &[(Format, PathBuf)],
    options: &ReportOptions,
) -> anyhow::Result<()> {
    for (format, path) in reports {
        let options = ReportOptions {
            color: false,
            ..options.clone()
        };
        let mut buffer = Vec::new();
        report::reporter(*format, options).write(analysis, &mut buffer)?;
        std::fs::write(path, buffer)
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    Ok(())
}

/// Prints inputs that could not be read, or had skipped records, to standard error so
/// they are seen even when the report goes to a file.
fn report_input_problems(analysis: &Analysis) {
    for input in &analysis.inputs {
        if let Some(error) = &input.error {
            eprintln!("error: {error}");
        } else if input.skipped_total > 0 {
            eprintln!(
                "warning: {}: {} records or lines skipped, {} exchanges read (first: {})",
                input.path,
                input.skipped_total,
                input.exchanges,
                input
                    .skipped
                    .first()
                    .map(|s| s.reason.as_str())
                    .unwrap_or("see the report")
            );
        }
    }
}

/// Fails when `--output` names one of the inputs, which the report would overwrite.
fn reject_output_over_input(
    option: &str,
    output: &Path,
    inputs: &[InputPath],
) -> anyhow::Result<()> {
    let Ok(output_identity) = std::fs::canonicalize(output) else {
        // The output does not exist yet, so it cannot be an input.
        return Ok(());
    };
    for input in inputs {
        if let InputPath::File(path) = input
            && std::fs::canonicalize(path).is_ok_and(|identity| identity == output_identity)
        {
            bail!(
                "{option} {} is also an input; write the report to another file",
                output.display()
            );
        }
    }
    Ok(())
}

/// Returns the exit code: 2 when an input could not be read, even with
/// `--exit-zero` (as ruff's `--exit-zero` still fails on errors), else 0 with
/// `--exit-zero`, else 1 when a finding reaches `--fail-on`.
fn exit_code(analysis: &Analysis, fail_on: FailOn, exit_zero: bool) -> u8 {
    if analysis.summary.inputs_failed > 0 {
        return EXIT_ERROR;
    }
    if exit_zero {
        return EXIT_CLEAN;
    }
    match (fail_on.threshold(), analysis.max_severity()) {
        (Some(threshold), Some(max)) if max >= threshold => EXIT_FINDINGS,
        _ => EXIT_CLEAN,
    }
}

/// Width for the table: `COLUMNS` when set to a usable value, else the terminal's
/// width when the report goes to a terminal, else 80 so that output pastes cleanly
/// into tickets.
fn table_width(to_terminal: bool) -> u16 {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|c| *c >= 40);
    if let Some(columns) = columns {
        return columns;
    }
    if to_terminal {
        // comfy-table queries the terminal size when standard output is a terminal.
        if let Some(width) = comfy_table::Table::new().width() {
            return width.max(40);
        }
    }
    80
}

fn write_ignoring_broken_pipe(result: io::Result<()>) -> io::Result<()> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

fn print_rules(rules: &[Box<dyn Rule>]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "Each rule detects one cause of throttling; `ratelint explain RULE` tells more.\n"
    )?;
    for rule in rules {
        let spec = rule.spec();
        writeln!(
            out,
            "{:<24} {:<8} cause {}",
            spec.name, spec.severity, spec.cause
        )?;
        for line in wrap(&spec.title, 76) {
            writeln!(out, "    {line}")?;
        }
    }
    Ok(())
}

/// Wraps text at spaces into lines of at most `width` characters (longer words stay
/// whole).
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
