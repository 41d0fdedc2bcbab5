//! `zones::parse_registry`: the registry of development zones (CSV).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = kaifang_assess::zones::parse_registry("zones.csv", text);
    }
});
