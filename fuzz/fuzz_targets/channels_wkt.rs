//! `gmns::parse_wkt_linestring`: a link's geometry as WKT.
#![no_main]

use kaifang_channels::formats::gmns;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = gmns::parse_wkt_linestring(text);
    }
});
