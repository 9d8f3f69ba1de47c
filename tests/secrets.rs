//! Runs the real binary on a HAR seeded with every kind of secret that redaction
//! covers, and checks that none of them reaches standard output, standard error or a
//! report file in any format, unless `--show-secrets` is given.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Every secret value written into `tests/fixtures/secrets/seeded.har`, plus the token
/// in the copied file's name.
const SEEDED: &[&str] = &[
    // Header values.
    "00SeededSswsTokenQ1w2E3r4T5y6U7i8O9p",
    "c2VlZGVkdXNlcjpzZWVkZWRwYXNzd29yZA",
    "SeededCookieSession77",
    "SeededXApiKeyValue0042",
    "SeededSetCookieSid55",
    // The JWT, in an Authorization header, a path and a JSON body: each part.
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
    "eyJzdWIiOiJzZWVkZWQtdXNlciIsIm5hbWUiOiJTZWVkZWQifQ",
    "Qm9ndXNTaWduYXR1cmVGb3JSYXRlbGludFRlc3Rz",
    // Query parameters.
    "SeededAccessTokenQuery99",
    "SeededApiKeyQuery11",
    "SeededOauthCode88",
    "SeededOauthState12",
    "SeededSigValue31",
    "SeededSignature32",
    "SeededIdToken34",
    "SeededPlainToken35",
    "SeededKey36",
    "SeededSecret37",
    "SeededPasswd38",
    "SeededSession39",
    "SeededApikey40",
    // Form and JSON bodies.
    "SeededRefreshTokenBody33",
    "SeededClientSecretForm22",
    "SeededPasswordForm44",
    "SeededSamlResponse66",
    "SeededJsonPassword45",
    "seeded.login@mail.example.org",
    // Path segments: a plain word after `/token/`, an email and a long token.
    "opensesameplainword",
    "seeded.person@mail.example.org",
    "seeded.person%40mail.example.org",
    "Zx8Kq2LmP9vW4tYb7RcN1sQd",
    // The token in the name the test gives the copied capture.
    FILE_TOKEN,
];

/// A long random-looking token put into the input's file name, as a capture tool
/// might name a file after a session.
const FILE_TOKEN: &str = "Tk7Qm2Wp9Lx4Rz8Vb3Nc6Hd";

/// The endpoint whose plain-word secret segment `--show-secrets` must reveal.
const PLAIN_ENDPOINT: &str = "/v1/token/opensesameplainword/refresh";

const FORMATS: &[&str] = &[
    "table", "markdown", "json", "sarif", "junit", "github", "gitlab",
];

/// Copies the seeded HAR into `dir` under a name that carries a token.
fn seeded_input(dir: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/secrets/seeded.har");
    let target = dir.join(format!("capture-{FILE_TOKEN}.har"));
    std::fs::copy(source, &target).expect("copy the seeded HAR");
    target
}

fn ratelint() -> Command {
    let mut command = Command::cargo_bin("ratelint").expect("binary builds");
    command.env("NO_COLOR", "1").env("COLUMNS", "200");
    command
}

/// Panics with the secret and the place when `text` contains a seeded secret.
fn assert_no_secret(text: &str, place: &str) {
    for secret in SEEDED {
        assert!(
            !text.contains(secret),
            "{place} contains the seeded secret {secret}"
        );
    }
}

#[test]
fn stdout_redacted_every_format() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let input = seeded_input(dir.path());
    for format in FORMATS {
        let output = ratelint()
            .args(["analyze", "--exit-zero", "--format", format])
            .arg(&input)
            .output()
            .expect("ratelint runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{format}: {stderr}");
        assert!(stdout.contains("[redacted:"), "{format}: no marker");
        assert_no_secret(&stdout, &format!("{format} stdout"));
        assert_no_secret(&stderr, &format!("{format} stderr"));
    }
}

#[test]
fn report_files_redacted() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let input = seeded_input(dir.path());
    let mut command = ratelint();
    command.args(["analyze", "--exit-zero"]).arg(&input);
    for format in FORMATS {
        let file = dir.path().join(format!("report.{format}"));
        command
            .arg("--report")
            .arg(format!("{format}={}", file.display()));
    }
    let output = command.output().expect("ratelint runs");
    assert!(output.status.success());
    assert_no_secret(&String::from_utf8_lossy(&output.stderr), "stderr");
    for format in FORMATS {
        let file = dir.path().join(format!("report.{format}"));
        let text = std::fs::read_to_string(&file).expect("report written");
        assert!(text.contains("[redacted:"), "{format} file: no marker");
        assert_no_secret(&text, &format!("{format} report file"));
    }
}

#[test]
fn baseline_file_redacted() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let input = seeded_input(dir.path());
    let baseline = dir.path().join("baseline.toml");
    let output = ratelint()
        .args(["baseline", "--output"])
        .arg(&baseline)
        .arg(&input)
        .output()
        .expect("ratelint runs");
    assert!(output.status.success());
    assert_no_secret(&String::from_utf8_lossy(&output.stderr), "stderr");
    let text = std::fs::read_to_string(&baseline).expect("baseline written");
    assert_no_secret(&text, "baseline file");

    // The fingerprints are taken before redaction, so the baseline written with one
    // per-run key still suppresses every finding of a run with another key.
    let output = ratelint()
        .args(["analyze", "--format", "json", "--baseline"])
        .arg(&baseline)
        .arg(&input)
        .output()
        .expect("ratelint runs");
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("JSON report parses");
    assert_eq!(json["summary"]["findings"], 0, "baseline matched nothing");
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn error_message_redacted() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let missing = dir.path().join(format!("missing-{FILE_TOKEN}.har"));
    let output = ratelint()
        .arg("analyze")
        .arg(&missing)
        .output()
        .expect("ratelint runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("[redacted:token:"), "{stderr}");
    assert_no_secret(&stderr, "stderr");
}

#[test]
fn show_secrets_prints_plain_endpoint() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let input = seeded_input(dir.path());
    let redacted = ratelint()
        .args(["analyze", "--exit-zero", "--format", "markdown"])
        .arg(&input)
        .output()
        .expect("ratelint runs");
    let with_secrets = ratelint()
        .args([
            "analyze",
            "--exit-zero",
            "--format",
            "markdown",
            "--show-secrets",
        ])
        .arg(&input)
        .output()
        .expect("ratelint runs");
    let redacted = String::from_utf8_lossy(&redacted.stdout);
    let with_secrets = String::from_utf8_lossy(&with_secrets.stdout);
    assert!(!redacted.contains(PLAIN_ENDPOINT));
    assert!(with_secrets.contains(PLAIN_ENDPOINT));
    assert!(with_secrets.contains(FILE_TOKEN));
    assert!(!with_secrets.contains("[redacted:"));
}

#[test]
fn marker_same_within_run() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let input = seeded_input(dir.path());
    let output = ratelint()
        .args(["analyze", "--exit-zero", "--format", "markdown"])
        .arg(&input)
        .output()
        .expect("ratelint runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut markers: Vec<&str> = stdout
        .match_indices("/v1/token/[redacted:path:")
        .map(|(start, _)| &stdout[start..start + 34])
        .collect();
    assert!(markers.len() >= 2, "{stdout}");
    markers.dedup();
    assert_eq!(markers.len(), 1, "{markers:?}");
}

#[test]
fn secret_client_field_redacted() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let log = dir.path().join("keys.log");
    let lines: String = (0..60)
        .map(|second| {
            format!(
                "10.0.0.1 [01/Mar/2026:10:00:{:02} +0000] \"GET /v1/jobs/status HTTP/1.1\" \
                 429 10 PlainCustomerKey\n",
                second % 60
            )
        })
        .collect();
    std::fs::write(&log, lines).expect("write the log");
    let run = |extra: &[&str]| {
        let output = ratelint()
            .args(["analyze", "--exit-zero", "--format", "markdown"])
            .args(["--input-format", "nginx", "--client-key", "field:api_key"])
            .args([
                "--log-format",
                "$remote_addr [$time_local] \"$request\" $status $body_bytes_sent $api_key",
            ])
            .args(extra)
            .arg(&log)
            .output()
            .expect("ratelint runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let redacted = run(&[]);
    let with_secrets = run(&["--show-secrets"]);
    assert!(redacted.contains("[redacted:client:"), "{redacted}");
    assert!(!redacted.contains("PlainCustomerKey"), "{redacted}");
    assert!(with_secrets.contains("PlainCustomerKey"), "{with_secrets}");
}
