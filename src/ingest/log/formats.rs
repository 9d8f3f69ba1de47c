//! The registry of access-log formats: names as the CLI spells them, and the parser of
//! each.
//!
//! The parsers live in their own modules, so this file is the one place that ties a
//! name to a constructor.

use serde::Serialize;

use super::LineParser;
use super::apache::ApacheFormat;
use super::cloud::{AwsAlb, AwsElb, W3c};
use super::json::{Caddy, Cloudflare, FieldMapping, JsonLines};
use super::nginx::NginxFormat;
use super::proxy::{Envoy, Haproxy};

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
             status=status --field method=method --field path=uri"
                .to_string(),
        )),
        LogFormatName::Nginx => match &options.log_format {
            Some(format) => Ok(Box::new(
                NginxFormat::compile(format).map_err(|e| FormatError::Invalid(e.to_string()))?,
            )),
            None => Ok(Box::new(NginxFormat::combined())),
        },
        LogFormatName::Apache => {
            let format = options.log_format.as_deref().unwrap_or_default();
            Ok(Box::new(
                ApacheFormat::compile(format).map_err(|e| FormatError::Invalid(e.to_string()))?,
            ))
        }
        LogFormatName::Common => Ok(Box::new(ApacheFormat::common())),
        LogFormatName::Combined => Ok(Box::new(ApacheFormat::combined())),
        LogFormatName::NginxIngress => Ok(Box::new(NginxFormat::ingress())),
        LogFormatName::AwsAlb => Ok(Box::new(AwsAlb)),
        LogFormatName::AwsElb => Ok(Box::new(AwsElb)),
        LogFormatName::Cloudfront => Ok(Box::new(W3c::cloudfront())),
        LogFormatName::Iis => Ok(Box::new(W3c::iis())),
        LogFormatName::Caddy => Ok(Box::new(Caddy)),
        LogFormatName::Envoy => Ok(Box::new(Envoy)),
        LogFormatName::Haproxy => Ok(Box::new(Haproxy)),
        LogFormatName::Cloudflare => Ok(Box::new(Cloudflare)),
        LogFormatName::Json => {
            let mapping =
                FieldMapping::from_pairs(&options.fields).map_err(FormatError::Invalid)?;
            Ok(Box::new(
                JsonLines::new(mapping).map_err(FormatError::Invalid)?,
            ))
        }
    }
}
