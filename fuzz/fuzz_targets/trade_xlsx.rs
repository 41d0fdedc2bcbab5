//! `import::parse_xlsx` behind the workbook guard, as an import of an `.xlsx` file runs
//! them. The reader takes a path, so each input is written to a file of this process first.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn path() -> &'static PathBuf {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| std::env::temp_dir().join(format!("kaifang-fuzz-{}.xlsx", std::process::id())))
}

fuzz_target!(|data: &[u8]| {
    std::fs::write(path(), data).expect("write the input");
    let _ = kaifang_trade::fuzzing::parse_file(path(), None);
});
