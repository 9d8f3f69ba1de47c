use super::*;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse("ratelint.toml", text, Path::new(""))
}

/// Returns `(line, column, message)` of an invalid configuration.
fn invalid(text: &str) -> (usize, usize, String) {
    match parse(text) {
        Err(ConfigError::Invalid {
            line,
            column,
            message,
            ..
        }) => (line, column, message),
        Err(other) => panic!("expected an invalid configuration, got {other}"),
        Ok(_) => panic!("expected an error for:\n{text}"),
    }
}

#[test]
fn empty_file_is_defaults() {
    let config = parse("").expect("empty file is valid");
    assert!(config.overrides.is_empty());
    assert!(config.endpoints.groups.is_empty());
    assert_eq!(config.rules.len(), rules::RULE_NAMES.len());
}

#[test]
fn threshold_override_applies() {
    let config = parse("[rules.tight-polling]\nmin_requests = 20\nseverity = \"error\"\n")
        .expect("valid override");
    let rule = config
        .rules
        .iter()
        .find(|r| r.spec().name == "tight-polling")
        .expect("rule loaded");
    assert_eq!(rule.spec().severity, Severity::Error);
    let text = config.to_toml().expect("renders");
    assert!(text.contains("min_requests = 20"), "{text}");
}

#[test]
fn integer_accepted_for_fraction() {
    let config = parse("[rules.tight-polling]\nmin_unchanged_fraction = 1\n");
    assert!(config.is_ok());
}

#[test]
fn unknown_threshold_points_at_key() {
    let (line, column, message) = invalid("[rules.tight-polling]\n\nmin_request = 3\n");
    assert_eq!((line, column), (3, 1));
    assert!(
        message.contains("unknown thresholds.min_request"),
        "{message}"
    );
}

#[test]
fn negative_count_points_at_value() {
    let (line, column, message) = invalid("[rules.n-plus-one]\nmin_item_requests = -1\n");
    assert_eq!((line, column), (2, 21));
    assert!(
        message.contains("thresholds.min_item_requests"),
        "{message}"
    );
}

#[test]
fn rule_validation_points_at_value() {
    let (line, column, message) = invalid("[rules.tight-polling]\nmin_requests = 2\n");
    assert_eq!((line, column), (2, 16));
    assert!(message.contains("3 or more"), "{message}");
}

#[test]
fn backticked_key_message_points_at_value() {
    let (line, column, message) = invalid("[rules.endpoint-hotspot]\nnear_limit_fraction = 1.5\n");
    assert_eq!((line, column), (2, 23));
    assert!(message.contains("near_limit_fraction"), "{message}");
}

#[test]
fn prefix_alias_matches_below() {
    let config =
        parse("[endpoints]\nusers = [\"/api/v1/users/**\"]\nme = [\"/api/v1/users/me\"]\n")
            .expect("valid groups");
    let alias = |t: &str| config.endpoints.alias_for(t).map(|a| a.to_string());
    assert_eq!(alias("/api/v1/users/{id}"), Some("users".into()));
    assert_eq!(alias("/api/v1/users"), Some("users".into()));
    assert_eq!(alias("/api/v1/users/me"), Some("me".into()));
    assert_eq!(alias("/api/v1/usersx"), None);
}

#[test]
fn client_key_auto_accepted() {
    let config = parse("client_key = \"auto\"\n").expect("valid key");
    assert_eq!(config.client_key, Some(ClientKey::Auto));
}

#[test]
fn example_file_is_valid() {
    let text = include_str!("../../ratelint.toml.example");
    let config = parse(text).expect("the example configuration is valid");
    assert_eq!(config.fail_on, Some(FailOn::Warning));
    assert_eq!(config.builtin_profiles.get("github"), Some(&false));
    assert_eq!(config.endpoints.groups.len(), 1);
}

#[test]
fn profile_files_come_first() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let profile = "name = \"acme\"\ndescription = \"Test.\"\nhosts = [\"api.github.com\"]\n\
                   [[buckets]]\nname = \"all\"\npaths = [\"/**\"]\nlimit = 7\nwindow_s = 60\n\
                   note = \"Test.\"\n";
    std::fs::write(dir.path().join("acme.toml"), profile).expect("write profile");
    let config = Config::parse(
        "ratelint.toml",
        "[profiles]\nfiles = [\"acme.toml\"]\n",
        dir.path(),
    )
    .expect("valid profile file");
    let bucket = config
        .profiles
        .bucket_for("api.github.com", "GET", "/repos");
    assert_eq!(bucket.map(|b| b.limit), Some(7));
}

#[test]
fn disabled_builtin_profile_removed() {
    let config = parse("[profiles.builtin]\nokta = false\n").expect("valid");
    let names: Vec<&str> = config.profiles.iter().map(|p| p.name.as_ref()).collect();
    assert_eq!(names, ["github"]);
}
