//! The registry of access-log formats: names as the CLI spells them, and the parser of
//! each.
//!
//! The parsers live in their own modules and are written separately, so this file is
//! the one place that ties a name to a constructor. Expected constructors:
//!
//! - `nginx::NginxFormat::compile(&str) -> Result<NginxFormat, FormatError>`, with the
//!   presets `common`, `combined` and `nginx-ingress`;
//! - `apache::ApacheFormat::compile(&str) -> Result<ApacheFormat, FormatError>`;
//! - `cloud::AwsAlb`, `cloud::AwsElb`, `cloud::W3c::cloudfront()`, `cloud::W3c::iis()`;
//! - `proxy::Envoy`, `proxy::Haproxy`;
//! - `json::Caddy`, `json::Cloudflare`, `json::JsonLines::new(mapping)`.
//!
//! Until a module is merged, its formats return [`FormatError::NotBuilt`].

use serde::Serialize;

use super::LineParser;

/// An access-log format that `--input-format` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum LogFormatName {
    /// nginx `log_format` string given with `--log-format`; `combined` when absent.
    Nginx,
    /// Apache httpd `LogFormat` string given with `--log-format`.
    Apache,
    /// NCSA common log format.
    Common,
    /// NCSA combined log format (common plus referer and user agent).
    Combined,
    /// ingress-nginx's default format: combined plus request length, timing and
    /// upstream fields.
    NginxIngress,
    AwsAlb,
    /// AWS Classic Load Balancer.
    AwsElb,
    Cloudfront,
    /// IIS W3C extended log.
    Iis,
    Caddy,
    Envoy,
    Haproxy,
    /// Cloudflare Logpush HTTP requests (JSON lines).
    Cloudflare,
    /// Any JSON lines, read with `--field` mappings.
    Json,
}

impl LogFormatName {
    /// Returns the name as `--input-format` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormatName::Nginx => "nginx",
            LogFormatName::Apache => "apache",
            LogFormatName::Common => "common",
            LogFormatName::Combined => "combined",
            LogFormatName::NginxIngress => "nginx-ingress",
            LogFormatName::AwsAlb => "aws-alb",
            LogFormatName::AwsElb => "aws-elb",
            LogFormatName::Cloudfront => "cloudfront",
            LogFormatName::Iis => "iis",
            LogFormatName::Caddy => "caddy",
            LogFormatName::Envoy => "envoy",
            LogFormatName::Haproxy => "haproxy",
            LogFormatName::Cloudflare => "cloudflare",
            LogFormatName::Json => "json",
        }
    }
}

impl std::fmt::Display for LogFormatName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Settings that some formats need.
#[derive(Clone, Debug, Default)]
pub struct FormatOptions {
    /// nginx `log_format` or Apache `LogFormat` string (`--log-format`).
    pub log_format: Option<String>,
    /// `--field NAME=FIELD` mappings for generic JSON lines, as (name, field).
    pub fields: Vec<(String, String)>,
}

/// Error from building a format's parser.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The format's parser is not part of this build yet.
    #[error("format {0} not built yet; this build of ratelint cannot read it")]
    NotBuilt(LogFormatName),
    /// A required option is missing or invalid, e.g. an Apache format without
    /// `--log-format`.
    #[error("{0}")]
    Invalid(String),
}

/// Builds the parser of a format.
pub fn parser_for(
    format: LogFormatName,
    options: &FormatOptions,
) -> Result<Box<dyn LineParser>, FormatError> {
    match format {
        LogFormatName::Apache if options.log_format.is_none() => Err(FormatError::Invalid(
            "--input-format apache needs --log-format with the LogFormat string".to_string(),
        )),
        LogFormatName::Json if options.fields.is_empty() => Err(FormatError::Invalid(
            "--input-format json needs --field mappings, e.g. --field time=ts --field \
             status=status --field path=uri"
                .to_string(),
        )),
        // TODO: the lead replaces these stubs with the constructors listed above when
        // the parser modules are merged.
        other => Err(FormatError::NotBuilt(other)),
    }
}
