//! `Framework::from_imeta_str`: an index framework as a COINr iMeta CSV.
#![no_main]

use kaifang_assess::framework::Framework;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Framework::from_imeta_str("input.csv", text);
    }
});
