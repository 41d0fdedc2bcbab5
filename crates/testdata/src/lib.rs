//! Where Kaifang's tests find their data.
//!
//! Two kinds of test data exist. Data whose licence allows redistribution ships in the
//! repository under `data/testdata/` ([`repo`]); those tests always run. Data whose terms limit
//! it to research use (the TransportationNetworks problems) stays outside the repository and is
//! found through `KAIFANG_TESTDATA` ([`external`]). When it is missing a test skips with a
//! message naming what is missing, unless `KAIFANG_REQUIRE_TESTDATA=1` is set (CI sets it),
//! which turns the skip into a failure.

use std::path::{Path, PathBuf};

/// The repository's root (two levels above each crate's manifest).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file or folder under the repository's `data/testdata/`. Always present.
pub fn repo(relative: &str) -> PathBuf {
    repo_root().join("data/testdata").join(relative)
}

/// A file of the repository's `data/` (the shipped datasets).
pub fn data(relative: &str) -> PathBuf {
    repo_root().join("data").join(relative)
}

/// The folder that holds research data outside the repository (`KAIFANG_TESTDATA`), if one
/// is named.
pub fn external_root() -> Option<PathBuf> {
    std::env::var_os("KAIFANG_TESTDATA")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
}

/// Whether a missing external data set fails the test instead of skipping it.
pub fn required() -> bool {
    std::env::var("KAIFANG_REQUIRE_TESTDATA").is_ok_and(|v| v == "1" || v == "true")
}

/// `relative` under [`external_root`], or `None` after printing why the test skips.
///
/// Panics when the data is missing and `KAIFANG_REQUIRE_TESTDATA=1`.
pub fn external(relative: &str, test: &str) -> Option<PathBuf> {
    let message = match external_root() {
        Some(root) if root.join(relative).exists() => return Some(root.join(relative)),
        Some(root) => format!(
            "{test}: research test data {} is missing (KAIFANG_TESTDATA names the folder that holds {relative})",
            root.join(relative).display()
        ),
        None => format!(
            "{test}: research test data {relative} is not available (set KAIFANG_TESTDATA to the folder that holds it)"
        ),
    };
    assert!(!required(), "{message}; KAIFANG_REQUIRE_TESTDATA is set");
    // Written to stderr directly: the test harness captures `eprintln!`, and a skip must show.
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {message}");
    None
}

/// Reads a file of [`repo`], panicking with the path when it cannot be read.
pub fn read_repo(relative: &str) -> String {
    let path = repo(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_test_data_is_present() {
        for f in [
            "sea/marnet_searoute.geojson",
            "sea/ports.geojson",
            "sea/peer_sea_distances.csv",
            "coinr-asem/ASEM_iData.csv",
            "coinr-asem/ASEM_iMeta.csv",
        ] {
            assert!(repo(f).is_file(), "{f} is missing from data/testdata");
        }
    }
}
