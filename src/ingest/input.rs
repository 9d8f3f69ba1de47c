//! Opening one input: read the file or standard input, decompress it, detect its
//! format and hand it to the HAR or access-log reader.
//!
//! Compression is recognised by magic bytes, not by extension, because rotated logs
//! are often renamed (`access.log.2.gz` piped through tools, `.zst` archives without a
//! suffix). Decompressed size is capped, so a small archive cannot fill the memory.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use super::har::parse_har;
use super::log::detect::{Detected, detect};
use super::log::formats::{FormatError, FormatOptions, LogFormatName, parser_for};
use super::log::read::read_log;
use super::log::{ClientKey, ConvertOptions};
use super::{InputError, InputFormat, Loaded};

/// Default cap on the decompressed size of one input: 8 GiB.
pub const DEFAULT_MAX_INPUT_BYTES: u64 = 8 * 1024 * 1024 * 1024;

/// Bytes looked at for format detection.
const DETECT_BYTES: usize = 256 * 1024;

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

/// The format an input is read as: detected per file, or forced for all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FormatChoice {
    #[default]
    Auto,
    Har,
    Log(LogFormatName),
}

/// Settings for reading inputs.
#[derive(Clone, Debug)]
pub struct InputOptions {
    pub format: FormatChoice,
    pub format_options: FormatOptions,
    pub convert: ConvertOptions,
    /// Maximum decompressed size of one input, in bytes.
    pub max_input_bytes: u64,
}

impl Default for InputOptions {
    fn default() -> Self {
        InputOptions {
            format: FormatChoice::Auto,
            format_options: FormatOptions::default(),
            convert: ConvertOptions::default(),
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
        }
    }
}

/// Returns whether a command-line path means standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Reads one input (a path, or `-` for standard input) and returns its format and
/// what it yielded.
pub fn read_input(
    path: &Path,
    input: u32,
    options: &InputOptions,
) -> Result<(InputFormat, Loaded), InputError> {
    let raw = read_raw(path)?;
    let bytes = decompress(raw, options.max_input_bytes).map_err(|error| match error {
        Decompress::Io(source) => InputError::Io {
            path: path.to_path_buf(),
            source,
        },
        Decompress::TooLarge => InputError::invalid(
            path,
            format!(
                "decompressed size exceeds the limit of {} bytes; split the file",
                options.max_input_bytes
            ),
        ),
    })?;

    // A custom format cannot be detected, so a `<log>.format` file next to the log may
    // give it, unless the command line already does.
    let sidecar = if options.format_options.log_format.is_none() && !is_stdin(path) {
        read_sidecar_format(path)?
    } else {
        None
    };
    let sidecar_options;
    let options = match &sidecar {
        Some((name, format)) if matches!(options.format, FormatChoice::Auto) => {
            sidecar_options = InputOptions {
                format: FormatChoice::Log(*name),
                format_options: FormatOptions {
                    log_format: Some(format.clone()),
                    ..options.format_options.clone()
                },
                ..options.clone()
            };
            &sidecar_options
        }
        _ => options,
    };

    // A log just rotated is empty: no requests, not an error. An empty `.har` file is
    // still an error, because an export always writes a document.
    let blank = bytes.iter().all(u8::is_ascii_whitespace);
    if blank && matches!(options.format, FormatChoice::Auto) && !has_har_name(path) {
        let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64;
        let loaded = Loaded {
            lines,
            blank: lines,
            ..Loaded::default()
        };
        return Ok((InputFormat::Empty, loaded));
    }

    let format = match options.format {
        FormatChoice::Har => Detected::Har,
        FormatChoice::Log(name) => Detected::Log(name),
        FormatChoice::Auto => match detect(&bytes[..bytes.len().min(DETECT_BYTES)]) {
            Ok(found) => found,
            // A broken `.har` file gets the HAR reader's error, which names where the
            // JSON breaks, instead of a generic "not recognised".
            Err(_) if has_har_name(path) => Detected::Har,
            Err(error) => return Err(InputError::invalid(path, error.to_string())),
        },
    };
    match format {
        Detected::Har => {
            let loaded = parse_har(&bytes, input, client_name(path))
                .map_err(|message| InputError::invalid(path, message))?;
            Ok((InputFormat::Har, loaded))
        }
        Detected::Log(name) => {
            let loaded = read_log_input(path, &bytes, name, input, options)?;
            Ok((InputFormat::Log(name), loaded))
        }
    }
}

/// Suffix of the file that contains a log's format string, next to the log:
/// `access.log.format` for `access.log`.
pub const SIDECAR_SUFFIX: &str = ".format";

/// Reads `<path>.format` when it exists: an nginx `log_format` directive or format
/// string, or an Apache `LogFormat` line (recognised by its leading `LogFormat`). A
/// rotated log (`access.log.1`, `access.log.2.gz`) uses the file of its live log
/// (`access.log.format`) when it has none of its own.
fn read_sidecar_format(path: &Path) -> Result<Option<(LogFormatName, String)>, InputError> {
    let mut text = None;
    for candidate in sidecar_candidates(path) {
        match std::fs::read_to_string(&candidate) {
            Ok(found) => {
                text = Some(found);
                break;
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => {
                return Err(InputError::Io {
                    path: candidate,
                    source,
                });
            }
        }
    }
    let Some(text) = text else {
        return Ok(None);
    };
    let format = text.trim().to_string();
    let name = if format.starts_with("LogFormat") {
        LogFormatName::Apache
    } else {
        LogFormatName::Nginx
    };
    Ok(Some((name, format)))
}

/// Returns the format files that may describe `path`: `<path>.format`, then the one of
/// the live log when `path` is a rotated copy.
fn sidecar_candidates(path: &Path) -> Vec<std::path::PathBuf> {
    let mut own = path.as_os_str().to_owned();
    own.push(SIDECAR_SUFFIX);
    let mut candidates = vec![std::path::PathBuf::from(own)];
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return candidates;
    };
    let plain = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(name);
    let live = match plain.rsplit_once('.') {
        Some((stem, number))
            if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) =>
        {
            stem
        }
        _ => plain,
    };
    if live != name {
        candidates.push(path.with_file_name(format!("{live}{SIDECAR_SUFFIX}")));
    }
    candidates
}

/// Reads a text log and rejects it when most of it is not in the format.
fn read_log_input(
    path: &Path,
    bytes: &[u8],
    name: LogFormatName,
    input: u32,
    options: &InputOptions,
) -> Result<Loaded, InputError> {
    let parser = parser_for(name, &options.format_options).map_err(|error| match error {
        FormatError::NotBuilt(_) => InputError::invalid(path, error.to_string()),
        FormatError::Invalid(message) => InputError::invalid(path, message),
    })?;
    let mut loaded = read_log(bytes, parser.as_ref(), input, &options.convert);
    check_mostly_parsed(name, &loaded, bytes)
        .map_err(|message| InputError::invalid(path, message))?;
    loaded
        .warnings
        .extend(log_warnings(name, &loaded, bytes, options));
    Ok(loaded)
}

/// Minimum number of bare 503 responses that suggests `--throttle-status 503`.
const BARE_503_HINT_MIN: usize = 3;

/// Notes what a reader of the report should know about how a log was read.
fn log_warnings(
    name: LogFormatName,
    loaded: &Loaded,
    bytes: &[u8],
    options: &InputOptions,
) -> Vec<String> {
    let mut warnings = Vec::new();

    let preset = matches!(name, LogFormatName::Combined | LogFormatName::Common);
    if preset && options.format_options.log_format.is_none() {
        let sample = &bytes[..bytes.len().min(DETECT_BYTES)];
        if let Some(extra) = extra_fields_after_preset(name, sample) {
            warnings.push(format!(
                "lines carry {extra} beyond the {name} format, which ratelint ignores; if \
                 they log timings or headers (nginx $request_time, $msec, \
                 $sent_http_retry_after), give the format with --input-format nginx \
                 --log-format or in a <log>{SIDECAR_SUFFIX} file next to the log"
            ));
        }
    }

    let bare_503 = loaded
        .exchanges
        .iter()
        .filter(|e| e.status == 503 && e.signals.throttle.is_none())
        .count();
    if bare_503 >= BARE_503_HINT_MIN && !options.convert.throttle_statuses.contains(&503) {
        warnings.push(format!(
            "{bare_503} responses are 503 without Retry-After, which ratelint does not count \
             as throttling; if the server throttles with 503 (nginx limit_req does by \
             default), pass --throttle-status 503"
        ));
    }

    if let ClientKey::Field(field) = &options.convert.client_key
        && !loaded.exchanges.is_empty()
        && loaded.exchanges.iter().all(|e| &*e.client == "-")
    {
        warnings.push(format!(
            "no line has a value for the client key field `{field}`, so every request is \
             attributed to one client `-`; check the field name against the log format"
        ));
    }
    warnings
}

/// Describes fields that follow a common or combined line in most sample lines, e.g.
/// "2 more fields", or returns `None` when lines end where the format ends.
fn extra_fields_after_preset(name: LogFormatName, sample: &[u8]) -> Option<String> {
    let quoted_after_request = if name == LogFormatName::Combined {
        2
    } else {
        0
    };
    let mut with_extra = 0;
    let mut lines = 0;
    let mut max_extra = 0;
    for line in sample
        .split(|b| *b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
        .take(50)
    {
        lines += 1;
        if let Some(extra) = ncsa_extra_fields(line.trim_ascii_end(), quoted_after_request)
            && extra > 0
        {
            with_extra += 1;
            max_extra = max_extra.max(extra);
        }
    }
    (lines > 0 && with_extra * 2 > lines).then(|| {
        if max_extra == 1 {
            "1 more field".to_string()
        } else {
            format!("{max_extra} more fields")
        }
    })
}

/// Counts the space-separated fields of an NCSA line after its status, size and
/// `quoted_after_request` quoted fields (referer and user agent for combined).
fn ncsa_extra_fields(line: &[u8], quoted_after_request: usize) -> Option<usize> {
    let request_start = memchr::memchr(b'"', line)?;
    let request_end = request_start + 1 + memchr::memchr(b'"', &line[request_start + 1..])?;
    let mut rest = line[request_end + 1..].trim_ascii_start();
    // Status and size.
    for _ in 0..2 {
        let end = memchr::memchr(b' ', rest).unwrap_or(rest.len());
        rest = rest[end..].trim_ascii_start();
    }
    for _ in 0..quoted_after_request {
        let open = rest.strip_prefix(b"\"")?;
        let close = memchr::memchr(b'"', open)?;
        rest = open[close + 1..].trim_ascii_start();
    }
    Some(count_fields(rest))
}

/// Counts fields separated by spaces, a quoted field counting once.
fn count_fields(mut rest: &[u8]) -> usize {
    let mut count = 0;
    while !rest.is_empty() {
        count += 1;
        let end = if let Some(open) = rest.strip_prefix(b"\"") {
            memchr::memchr(b'"', open).map_or(rest.len(), |close| close + 2)
        } else {
            memchr::memchr(b' ', rest).unwrap_or(rest.len())
        };
        rest = rest[end.min(rest.len())..].trim_ascii_start();
    }
    count
}

/// Rejects a log that has no record, or in which more than half of the non-blank
/// lines are invalid: it is almost certainly in another format, and reading the few
/// lines that happen to parse would mislead. The message names the format that
/// detection guesses.
fn check_mostly_parsed(name: LogFormatName, loaded: &Loaded, bytes: &[u8]) -> Result<(), String> {
    let non_blank = loaded.records + loaded.not_access + loaded.invalid;
    // An empty log (just rotated, say, or W3C directives only) is a log with no
    // requests, not a wrong format.
    let empty = loaded.records == 0 && loaded.invalid == 0;
    if empty || (loaded.records > 0 && loaded.invalid * 2 <= non_blank) {
        return Ok(());
    }
    let hint = match detect(&bytes[..bytes.len().min(DETECT_BYTES)]) {
        Ok(Detected::Log(guess)) if guess != name => {
            format!("; it looks like --input-format {guess}")
        }
        Ok(Detected::Har) => "; it looks like --input-format har".to_string(),
        Ok(Detected::Log(_)) => String::new(),
        Err(error) => format!("; {error}"),
    };
    Err(format!(
        "not a {name} log: {} of {non_blank} non-blank lines are invalid and {} parsed{hint}",
        loaded.invalid, loaded.records
    ))
}

fn read_raw(path: &Path) -> Result<Vec<u8>, InputError> {
    let io_error = |source| InputError::Io {
        path: path.to_path_buf(),
        source,
    };
    if is_stdin(path) {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(io_error)?;
        Ok(bytes)
    } else {
        std::fs::read(path).map_err(io_error)
    }
}

enum Decompress {
    Io(std::io::Error),
    TooLarge,
}

/// Decompresses gzip (every member, as `cat a.gz b.gz` produces) and zstd input,
/// recognised by magic bytes; other input is returned as is. Only one layer of
/// compression is removed.
fn decompress(raw: Vec<u8>, max: u64) -> Result<Vec<u8>, Decompress> {
    let mut reader: Box<dyn Read + '_> = if raw.starts_with(GZIP_MAGIC) {
        Box::new(flate2::read::MultiGzDecoder::new(raw.as_slice()))
    } else if raw.starts_with(ZSTD_MAGIC) {
        Box::new(zstd::stream::read::Decoder::new(raw.as_slice()).map_err(Decompress::Io)?)
    } else {
        if raw.len() as u64 > max {
            return Err(Decompress::TooLarge);
        }
        return Ok(raw);
    };
    let mut out = Vec::new();
    reader
        .by_ref()
        .take(max.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(Decompress::Io)?;
    if out.len() as u64 > max {
        return Err(Decompress::TooLarge);
    }
    Ok(out)
}

/// Checks for a `.har` name, also under a `.gz` or `.zst` suffix.
fn has_har_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    name.ends_with(".har")
}

/// Names the client of a HAR capture after its path as given, because one capture is
/// one client. The whole path keeps two captures with the same file name apart, as
/// Playwright and Polly.js name every recording `recording.har`.
fn client_name(path: &Path) -> Arc<str> {
    if is_stdin(path) {
        return Arc::from("stdin");
    }
    // `./x.har` and `x.har` are the same capture, and baselines match on the client.
    let path = path.strip_prefix(".").unwrap_or(path);
    path.display().to_string().into()
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gzip_multi_member_read_whole() {
        let mut data = gzip(b"one\n");
        data.extend(gzip(b"two\n"));
        let out = decompress(data, 1024).ok().unwrap();
        assert_eq!(out, b"one\ntwo\n");
    }

    #[test]
    fn zstd_decompressed_by_magic() {
        let data = zstd::encode_all(&b"line\n"[..], 3).unwrap();
        let out = decompress(data, 1024).ok().unwrap();
        assert_eq!(out, b"line\n");
    }

    #[test]
    fn decompressed_size_capped() {
        let data = gzip(&[b'a'; 4096]);
        assert!(matches!(decompress(data, 100), Err(Decompress::TooLarge)));
    }

    fn counted(records: u64, invalid: u64) -> Loaded {
        Loaded {
            records,
            invalid,
            lines: records + invalid,
            ..Loaded::default()
        }
    }

    #[test]
    fn mostly_invalid_log_rejected() {
        let envoy = b"[2019-04-08T16:16:55.931Z] \"GET / HTTP/1.1\" 200 - 0 89 5 4 \"-\" \"-\" \"-\" \"-\" \"-\"\n";
        let result = check_mostly_parsed(LogFormatName::Combined, &counted(1, 2), envoy);
        let Err(message) = result else {
            panic!("a mostly invalid log was accepted");
        };
        assert!(message.contains("not a combined log"), "{message}");
        assert!(message.contains("2 of 3 non-blank lines"), "{message}");
        assert!(message.contains("--input-format envoy"), "{message}");
    }

    #[test]
    fn log_without_records_rejected() {
        let result = check_mostly_parsed(LogFormatName::Iis, &counted(0, 1), b"garbage\n");
        assert!(result.is_err());
    }

    #[test]
    fn empty_log_accepted() {
        let directives_only = Loaded {
            lines: 2,
            not_access: 2,
            ..Loaded::default()
        };
        let text = b"#Version: 1.0\n#Fields: date time\n";
        assert!(check_mostly_parsed(LogFormatName::Iis, &directives_only, text).is_ok());
        assert!(check_mostly_parsed(LogFormatName::Combined, &Loaded::default(), b"").is_ok());
    }

    #[test]
    fn extra_fields_after_combined_noticed() {
        let line = b"10.0.0.1 - - [24/Mar/2026:09:00:01 +0000] \"GET /a HTTP/1.1\" 200 12 \"-\" \"curl/8\" \"-\" 1774342801.250 0.120\n";
        assert_eq!(
            extra_fields_after_preset(LogFormatName::Combined, line).as_deref(),
            Some("3 more fields")
        );
        let plain = b"10.0.0.1 - - [24/Mar/2026:09:00:01 +0000] \"GET /a HTTP/1.1\" 200 12 \"-\" \"curl/8\"\n";
        assert_eq!(
            extra_fields_after_preset(LogFormatName::Combined, plain),
            None
        );
    }

    #[test]
    fn rotated_log_uses_live_format_file() {
        let candidates = sidecar_candidates(Path::new("logs/access.log.2.gz"));
        assert_eq!(
            candidates,
            [
                Path::new("logs/access.log.2.gz.format"),
                Path::new("logs/access.log.format")
            ]
        );
    }

    #[test]
    fn half_invalid_log_accepted() {
        assert!(check_mostly_parsed(LogFormatName::Combined, &counted(2, 2), b"").is_ok());
    }

    #[test]
    fn har_names_recognised() {
        assert!(has_har_name(Path::new("dir/Capture.HAR")));
        assert!(has_har_name(Path::new("capture.har.gz")));
        assert!(!has_har_name(Path::new("access.log")));
        assert!(!has_har_name(Path::new("-")));
    }

    #[test]
    fn plain_input_unchanged() {
        let out = decompress(b"plain".to_vec(), 1024).ok().unwrap();
        assert_eq!(out, b"plain");
    }
}
