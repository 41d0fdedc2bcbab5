//! `freight::{parse_demand, parse_capacity}`: freight demand and capacity CSV.
#![no_main]

use kaifang_assign::freight;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = freight::parse_demand("demand.csv", text);
        let _ = freight::parse_capacity("capacity.csv", text);
    }
});
