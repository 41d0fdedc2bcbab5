//! `gmns::parse`: a GMNS network, node.csv and link.csv. The input is the node file, a NUL
//! byte, then the link file (CSV text never holds a NUL).
#![no_main]

use kaifang_channels::formats::gmns;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (nodes, links) = text.split_once('\0').unwrap_or((text, ""));
    let _ = gmns::parse("node.csv", nodes, "link.csv", links);
});
