//! `Pipeline::from_toml_str`: an assessment pipeline as TOML.
#![no_main]

use kaifang_assess::Pipeline;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Pipeline::from_toml_str("input.toml", text);
    }
});
