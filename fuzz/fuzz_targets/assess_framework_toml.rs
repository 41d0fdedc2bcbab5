//! `Framework::from_toml_str`: an index framework as TOML.
#![no_main]

use kaifang_assess::framework::Framework;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Framework::from_toml_str("input.toml", text);
    }
});
