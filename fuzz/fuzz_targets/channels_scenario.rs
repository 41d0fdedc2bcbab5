//! `scenario::parse`: scenario TOML, resolved against the default network.
#![no_main]

use std::sync::OnceLock;

use kaifang_channels::network::Network;
use libfuzzer_sys::fuzz_target;

fn network() -> &'static Network {
    static N: OnceLock<Network> = OnceLock::new();
    N.get_or_init(|| kaifang_channels::defaults::network().expect("default network"))
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = kaifang_channels::scenario::parse("scenarios.toml", text, network());
    }
});
