//! `Config::parse`: the server's configuration file (TOML).
#![no_main]

use kaifang_store::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Config::parse(text, "kaifang.toml");
    }
});
