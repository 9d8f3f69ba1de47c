//! Helpers shared by the corpus tests.

use std::path::PathBuf;

/// Returns `$RATELINT_CORPUS/<folder>`. Panics with a clear message when the variable is
/// unset or the folder does not exist, so that a CI run with a wrong path fails instead
/// of passing without reading anything.
pub fn corpus_dir(folder: &str) -> PathBuf {
    let Some(root) = std::env::var_os("RATELINT_CORPUS") else {
        panic!("RATELINT_CORPUS is not set: set it to the corpus folder that contains {folder}/");
    };
    let dir = PathBuf::from(root).join(folder);
    assert!(
        dir.is_dir(),
        "RATELINT_CORPUS must contain a {folder}/ folder; {} does not exist",
        dir.display()
    );
    dir
}
