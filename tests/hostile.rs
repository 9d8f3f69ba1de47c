//! Broken and hostile inputs through the real binary. Each must give an error that
//! names the file (and the position, where the input has one) while the other inputs
//! of the run are still read. The run exits with 2 only when an input could not be
//! read, and never panics.

use std::io::Write;
use std::path::Path;

use assert_cmd::Command;

/// A sample that reads cleanly, given next to each hostile input.
const GOOD: &str = "samples/clean.har";

/// What one run produced.
struct Run {
    code: Option<i32>,
    stderr: String,
    report: serde_json::Value,
}

/// Runs `ratelint analyze -f json` on `inputs` with extra environment variables.
fn analyze(inputs: &[&Path], env: &[(&str, &str)]) -> Run {
    let mut command = Command::cargo_bin("ratelint").expect("binary is built");
    command.args(["analyze", "-f", "json"]).args(inputs);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("ratelint runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    Run {
        code: output.status.code(),
        stderr,
        report,
    }
}

/// Returns the report's summary of the input whose path ends with `name`.
fn input_summary<'a>(run: &'a Run, name: &str) -> &'a serde_json::Value {
    run.report["inputs"]
        .as_array()
        .and_then(|inputs| {
            inputs
                .iter()
                .find(|input| input["path"].as_str().is_some_and(|p| p.ends_with(name)))
        })
        .unwrap_or(&serde_json::Value::Null)
}

/// Checks the common contract: exit 2, an error naming `name`, no panic, and the good
/// sample still read.
fn assert_rejected(run: &Run, name: &str) {
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "stderr: {}", run.stderr);
    assert!(
        run.stderr.contains(&format!("error: {name}")) || run.stderr.contains(&format!("/{name}:")),
        "stderr does not name {name}: {}",
        run.stderr
    );
    let good = input_summary(run, "clean.har");
    assert!(good["error"].is_null(), "good input failed: {good}");
    assert!(
        good["exchanges"].as_u64().unwrap_or(0) > 0,
        "good input not read: {good}"
    );
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write input");
    path
}

#[test]
fn truncated_har_names_position() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sample = std::fs::read(GOOD).expect("read sample");
    let path = write(dir.path(), "truncated.har", &sample[..sample.len() / 2]);
    let run = analyze(&[&path, Path::new(GOOD)], &[]);
    assert_rejected(&run, "truncated.har");
    assert!(run.stderr.contains("truncated"), "{}", run.stderr);
    assert!(run.stderr.contains(" line "), "{}", run.stderr);
    assert!(run.stderr.contains(" column "), "{}", run.stderr);
}

#[test]
fn wrong_types_har_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases: [(&str, &[u8]); 3] = [
        ("entries-string.har", br#"{"log":{"entries":"x"}}"#),
        ("log-number.har", br#"{"log":42}"#),
        ("top-array.har", br#"[{"log":{"entries":[]}}]"#),
    ];
    for (name, bytes) in cases {
        let path = write(dir.path(), name, bytes);
        let run = analyze(&[&path, Path::new(GOOD)], &[]);
        assert_rejected(&run, name);
        assert!(run.stderr.contains(" column "), "{name}: {}", run.stderr);
    }
}

#[test]
fn wrong_entry_types_skipped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let har = br#"{"log":{"entries":[1,"x",null,{"request":[]},{"response":{"status":"429"}}]}}"#;
    let path = write(dir.path(), "entries.har", har);
    let run = analyze(&[&path, Path::new(GOOD)], &[]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let summary = input_summary(&run, "entries.har");
    assert_eq!(summary["skipped_total"].as_u64(), Some(5), "{summary}");
}

#[test]
fn deeply_nested_json_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let depth = 100_000;
    let open_close = |prefix: &str, open: &str, close: &str, suffix: &str| {
        let mut text = String::from(prefix);
        text.push_str(&open.repeat(depth));
        if !close.is_empty() {
            text.push('1');
        }
        text.push_str(&close.repeat(depth));
        text.push_str(suffix);
        text.into_bytes()
    };
    let cases = [
        ("top.har", "[".repeat(depth).into_bytes()),
        (
            "in-entries.har",
            open_close(r#"{"log":{"entries":["#, "[", "]", "]}}"),
        ),
        (
            "in-unknown-key.har",
            open_close(r#"{"log":{"x":"#, r#"{"a":"#, "}", "}}"),
        ),
        (
            "unclosed.har",
            open_close(r#"{"log":{"entries":["#, "[", "", ""),
        ),
    ];
    for (name, bytes) in cases {
        let path = write(dir.path(), name, &bytes);
        let run = analyze(&[&path, Path::new(GOOD)], &[]);
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
        assert!(
            run.code.is_some(),
            "{name} killed by a signal: {}",
            run.stderr
        );
        let good = input_summary(&run, "clean.har");
        assert!(good["error"].is_null(), "{name}: good input failed: {good}");
    }
}

#[test]
fn very_long_line_rejected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "long.log", &vec![b'a'; 50 * 1024 * 1024]);
    let run = analyze(&[&path, Path::new(GOOD)], &[]);
    assert_rejected(&run, "long.log");
}

#[test]
fn invalid_utf8_har_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut har = br#"{"log":{"entries":[{"startedDateTime":"2024-01-01T00:00:00Z","time":1,"request":{"method":"GET","url":"https://h/a/"#.to_vec();
    har.extend_from_slice(b"\xff\xfe\xc3");
    har.extend_from_slice(br#"","headers":[]},"response":{"status":200,"headers":[]}}]}}"#);
    let path = write(dir.path(), "utf8.har", &har);
    let run = analyze(&[&path, Path::new(GOOD)], &[]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let summary = input_summary(&run, "utf8.har");
    assert_eq!(summary["exchanges"].as_u64(), Some(1), "{summary}");
}

#[test]
fn invalid_utf8_log_lines_counted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let line =
        b"127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET /a HTTP/1.1\" 200 2 \"-\" \"ua\"\n";
    let mut log = line.repeat(3);
    log.extend_from_slice(b"127.0.0.1 - - [10/Oct/2000:13:55:37 -0700] \"GET /\xff\xfe HTTP/1.1\" 200 2 \"-\" \"\xc3\"\n");
    log.extend_from_slice(b"\xff\xff\xff\xff\n");
    let path = write(dir.path(), "utf8.log", &log);
    let mut command = Command::cargo_bin("ratelint").expect("binary is built");
    let output = command
        .args(["analyze", "-f", "json", "--input-format", "combined"])
        .arg(&path)
        .output()
        .expect("ratelint runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json report");
    let summary = &report["inputs"][0];
    assert_eq!(summary["lines"].as_u64(), Some(5), "{summary}");
    assert_eq!(summary["exchanges"].as_u64(), Some(4), "{summary}");
}

#[test]
fn gzip_bomb_capped() {
    let dir = tempfile::tempdir().expect("temp dir");
    // 16 MiB of zeros deflate to a few KiB. The cap is lowered to 1 MiB so that the
    // test need not inflate gigabytes to pass the default 8 GiB cap.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..16 {
        encoder.write_all(&zeros).expect("compress");
    }
    let bomb = encoder.finish().expect("compress");
    assert!(bomb.len() < 64 * 1024, "bomb is {} bytes", bomb.len());
    let path = write(dir.path(), "bomb.log.gz", &bomb);
    let run = analyze(
        &[&path, Path::new(GOOD)],
        &[("RATELINT_MAX_INPUT_BYTES", "1048576")],
    );
    assert_rejected(&run, "bomb.log.gz");
    assert!(
        run.stderr.contains("exceeds the limit of 1048576 bytes"),
        "{}",
        run.stderr
    );
}

#[test]
fn max_input_bytes_invalid_rejected() {
    let run = analyze(&[Path::new(GOOD)], &[("RATELINT_MAX_INPUT_BYTES", "lots")]);
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert!(
        run.stderr.contains("RATELINT_MAX_INPUT_BYTES"),
        "{}",
        run.stderr
    );
}

#[test]
fn empty_files_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let har = write(dir.path(), "empty.har", b"");
    let run = analyze(&[&har, Path::new(GOOD)], &[]);
    assert_rejected(&run, "empty.har");
    assert!(run.stderr.contains("empty"), "{}", run.stderr);

    // An empty log (just rotated) is a log without requests, which is no error, with
    // or without its format given.
    let log = write(dir.path(), "empty.log", b"");
    for format in ["combined", "auto"] {
        let mut command = Command::cargo_bin("ratelint").expect("binary is built");
        let output = command
            .args(["analyze", "--format", "json", "--input-format", format])
            .arg(&log)
            .output()
            .expect("ratelint runs");
        assert_eq!(output.status.code(), Some(0), "--input-format {format}");
    }
    let mut command = Command::cargo_bin("ratelint").expect("binary is built");
    let output = command
        .args(["analyze", "--format", "json"])
        .arg(&log)
        .output()
        .expect("ratelint runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains(r#""format": "empty""#), "{text}");
}

#[cfg(unix)]
#[test]
fn unreadable_file_reported() {
    use std::os::unix::fs::PermissionsExt;

    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "secret.har", b"{}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    // Root (and CAP_DAC_OVERRIDE) reads the file anyway, so there is nothing to test.
    if std::fs::read(&path).is_ok() {
        eprintln!("skipped: mode 000 does not stop this user from reading");
        return;
    }
    let run = analyze(&[&path, Path::new(GOOD)], &[]);
    assert_rejected(&run, "secret.har");
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);
}

#[test]
fn many_files_directory_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let count = 5_000;
    for index in 0..count {
        let har = format!(
            r#"{{"log":{{"entries":[{{"startedDateTime":"2024-01-01T00:00:{:02}Z","time":1,"request":{{"method":"GET","url":"https://h/items/{index}","headers":[]}},"response":{{"status":200,"headers":[]}}}}]}}}}"#,
            index % 60
        );
        write(dir.path(), &format!("capture-{index}.har"), har.as_bytes());
    }
    let run = analyze(&[dir.path()], &[]);
    assert_eq!(run.code, Some(0), "stderr: {}", run.stderr);
    let inputs = run.report["inputs"].as_array().map_or(0, Vec::len);
    assert_eq!(inputs, count);
}
