//! Inputs the fuzz targets (`fuzz/`) found to crash, hang or allocate without bound, each fed
//! again to the reader that broke: it must answer (Ok or Err) without panicking. A file under
//! `tests/fuzz_regressions/<target>/` holds the input as that target takes it.

use std::path::Path;

use kaifang_assign::tntp;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let path = e.expect("directory entry").path();
            let bytes = std::fs::read(&path).expect("regression input");
            (path.display().to_string(), bytes)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no inputs in {}", dir.display());
    out
}

/// The `assign_tntp_problem` target: a net file, a NUL byte, a trips file, read and made a
/// problem as `tntp::load` does.
fn problem(bytes: &[u8]) -> Result<(), kaifang_assign::Error> {
    let text = String::from_utf8_lossy(bytes);
    let (net, trips) = text.split_once('\0').unwrap_or((&text, ""));
    let net = tntp::parse_net("net.tntp", net)?;
    let (zones, cells) = tntp::parse_trips("trips.tntp", trips)?;
    let weights = tntp::Weights {
        toll: 0.0,
        distance: 0.0,
        source: String::new(),
    };
    tntp::problem(&net, zones, cells, &weights).map(|_| ())
}

/// A net file of three lines declaring four billion nodes and zones made the problem's graph
/// and demand ask for tens of gigabytes (an abort, not an error).
#[test]
fn tntp_declared_node_counts_are_bounded() {
    for (name, bytes) in inputs("assign_tntp_problem") {
        let answer = problem(&bytes);
        assert!(answer.is_err(), "{name}: {answer:?}");
    }
    // `parse_nodes` takes the count from its caller: the same bound.
    assert!(tntp::parse_nodes("node.tntp", "1 0 0 ;\n", u32::MAX).is_err());
}
