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
use super::log::ConvertOptions;
use super::log::detect::{Detected, detect};
use super::log::formats::{FormatError, FormatOptions, LogFormatName, parser_for};
use super::log::read::read_log;
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

    let format = match options.format {
        FormatChoice::Har => Detected::Har,
        FormatChoice::Log(name) => Detected::Log(name),
        FormatChoice::Auto => match detect(&bytes[..bytes.len().min(DETECT_BYTES)]) {
            Ok(found) => found,
            // A broken `.har` file gets the HAR reader's error, which says where the
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

/// Suffix of the file that holds a log's format string, next to the log:
/// `access.log.format` for `access.log`.
pub const SIDECAR_SUFFIX: &str = ".format";

/// Reads `<path>.format` when it exists: an nginx `log_format` directive or format
/// string, or an Apache `LogFormat` line (recognised by its leading `LogFormat`).
fn read_sidecar_format(path: &Path) -> Result<Option<(LogFormatName, String)>, InputError> {
    let mut sidecar = path.as_os_str().to_owned();
    sidecar.push(SIDECAR_SUFFIX);
    let sidecar = Path::new(&sidecar);
    let text = match std::fs::read_to_string(sidecar) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(InputError::Io {
                path: sidecar.to_path_buf(),
                source,
            });
        }
    };
    let format = text.trim().to_string();
    let name = if format.starts_with("LogFormat") {
        LogFormatName::Apache
    } else {
        LogFormatName::Nginx
    };
    Ok(Some((name, format)))
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
    let loaded = read_log(bytes, parser.as_ref(), input, &options.convert);
    check_mostly_parsed(name, &loaded, bytes)
        .map_err(|message| InputError::invalid(path, message))?;
    Ok(loaded)
}

/// Rejects a log that has no record, or in which more than half of the non-blank
/// lines are invalid: it is almost certainly in another format, and reading the few
/// lines that happen to parse would mislead. The message names the format that
/// detection guesses.
fn check_mostly_parsed(name: LogFormatName, loaded: &Loaded, bytes: &[u8]) -> Result<(), String> {
    let non_blank = loaded.records + loaded.not_access + loaded.invalid;
    if loaded.records > 0 && loaded.invalid * 2 <= non_blank {
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
        let result = check_mostly_parsed(LogFormatName::Iis, &counted(0, 0), b"#Version: 1.0\n");
        assert!(result.is_err());
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
