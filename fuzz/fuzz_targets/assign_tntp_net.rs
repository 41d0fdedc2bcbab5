//! `tntp::parse_net`: a TNTP net file.
#![no_main]

use kaifang_assign::tntp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = tntp::parse_net("input.tntp", text);
    }
});
