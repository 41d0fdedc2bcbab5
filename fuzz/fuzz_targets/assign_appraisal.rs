//! `appraisal::parse_projects`: candidate projects for the appraisal, as TOML.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = kaifang_assign::appraisal::parse_projects("projects.toml", text);
    }
});
