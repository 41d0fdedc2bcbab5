//! An import's memory bound holds for a file larger than the bound: the records wait on disk
//! past their share of it, the file is read a block at a time, and a month too large to sort
//! in memory is sorted on disk. Measured by counting every allocation of this test binary;
//! its tests take turns, so that nothing else allocates meanwhile.

use kaifang_trade::{ImportOptions, TradeStore};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use support::write_csv;

mod support;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed on to the system allocator unchanged; the counters only
// observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout contract is the system allocator's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `alloc` and `dealloc`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The tests' turns: one measures at a time.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Imports `rows` generated rows under a bound of `bound_mb`: the report and the heap's peak
/// above what was allocated before.
fn import_within(
    rows: u64,
    one_month: bool,
    bound_mb: u32,
) -> (kaifang_trade::ImportReport, usize, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("big.csv");
    write_csv(&csv, rows, one_month);
    let size = std::fs::metadata(&csv).expect("size").len();
    let bound = bound_mb as usize * (1 << 20);
    assert!(
        size as usize > 2 * bound,
        "the file ({size} bytes) is not larger than the bound"
    );

    let mut store = TradeStore::open(&dir.path().join("trade")).expect("store");
    let options = ImportOptions {
        memory_mb: Some(bound_mb),
        ..Default::default()
    };
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let report = store
        .import_files(&[csv], &options, &mut |_| true)
        .expect("import");
    let peak = PEAK.load(Ordering::Relaxed) - base;
    assert_eq!(report.rows, rows);
    assert!(
        peak < bound,
        "the import's heap peaked at {:.1} MB, over the bound of {bound_mb} MB",
        peak as f64 / (1 << 20) as f64
    );
    eprintln!(
        "{rows} rows, {:.1} MB of CSV, heap peak {:.1} MB (bound {bound_mb} MB)",
        size as f64 / (1 << 20) as f64,
        peak as f64 / (1 << 20) as f64
    );
    // Nothing of the import is left waiting.
    assert!(!dir.path().join("trade").join("spill").exists());
    (report, peak, dir)
}

#[test]
fn a_file_larger_than_the_memory_bound_is_imported_within_it() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let (report, _, _dir) = import_within(500_000, false, 24);
    assert_eq!(report.partitions.len(), 48);
}

/// Before months were sorted on disk, a month was taken back whole to be sorted: this one,
/// three times the bound as records, took the import over it.
#[test]
fn one_month_larger_than_the_memory_bound_is_imported_within_it() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let (report, _, _dir) = import_within(500_000, true, 24);
    assert_eq!(report.partitions.len(), 1);
    assert_eq!(report.partitions[0].2, 500_000);
}
