//! `geojson::parse`: a network as a GeoJSON FeatureCollection (read with serde_json first, as
//! every caller does).
#![no_main]

use kaifang_channels::formats::geojson;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = geojson::parse("input.geojson", &doc);
    }
});
