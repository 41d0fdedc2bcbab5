//! `sea::parse_lanes`: the maritime lane network as GeoJSON.
#![no_main]

use kaifang_channels::formats::sea;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = sea::parse_lanes("lanes.geojson", &doc);
    }
});
