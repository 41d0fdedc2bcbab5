//! An import's memory bound holds for the process's resident size too, what an operator
//! sees in `top`, once the allocator is set as the `kaifang` binary sets it. Its own test
//! binary, and one test in it, so that the process's peak is this import's.

#![cfg(target_os = "linux")]

use kaifang_trade::{ImportOptions, TradeStore, bound_resident_memory};
use support::write_csv;

mod support;

/// A figure of `/proc/self/status` in kB.
fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

#[test]
fn the_resident_size_of_an_import_stays_within_the_memory_bound() {
    bound_resident_memory();
    let bound_mb = 64u32;
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("big.csv");
    // Both layouts that matter: months that fit in the part limit, spilled and taken back,
    // and one month sorted on disk.
    let rows = 1_200_000;
    write_csv(&csv, rows, false);
    let month = dir.path().join("month.csv");
    write_csv(&month, rows, true);
    // The code an import runs, its threads and the allocator's own tables are the process's
    // whatever the file's size: a small import first brings them in, so that what is measured
    // is what a large file adds.
    let small = dir.path().join("small.csv");
    write_csv(&small, 20_000, false);
    TradeStore::open(&dir.path().join("warm-up"))
        .expect("store")
        .import_files(&[small], &ImportOptions::default(), &mut |_| true)
        .expect("warm-up import");
    for file in [csv, month] {
        let size = std::fs::metadata(&file).expect("size").len();
        assert!(
            size > (2 * bound_mb as u64) << 20,
            "the file is not larger than the bound"
        );
        let mut store =
            TradeStore::open(&dir.path().join(file.file_stem().expect("name"))).expect("store");
        // The peak from here on: writing 5 to clear_refs resets VmHWM to the present size.
        std::fs::write("/proc/self/clear_refs", "5").expect("reset the peak");
        let before = status_kb("VmRSS:");
        let options = ImportOptions {
            memory_mb: Some(bound_mb),
            ..Default::default()
        };
        let report = store
            .import_files(std::slice::from_ref(&file), &options, &mut |_| true)
            .expect("import");
        assert_eq!(report.rows, rows);
        let grew_mb = status_kb("VmHWM:").saturating_sub(before) as f64 / 1024.0;
        eprintln!(
            "{}: {:.0} MB of CSV, resident size grew by {grew_mb:.1} MB (bound {bound_mb} MB)",
            file.display(),
            size as f64 / (1 << 20) as f64
        );
        assert!(
            grew_mb < bound_mb as f64,
            "{}: the resident size grew by {grew_mb:.1} MB, over the bound of {bound_mb} MB",
            file.display()
        );
    }
}
