//! A TNTP net file and trips file made an assignment problem, as `tntp::load` does: the
//! counts the files declare size the graph and the demand. The input is the net file, a NUL
//! byte, then the trips file.
#![no_main]

use kaifang_assign::tntp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (net, trips) = text.split_once('\0').unwrap_or((text, ""));
    let Ok(net) = tntp::parse_net("net.tntp", net) else {
        return;
    };
    let Ok((zones, cells)) = tntp::parse_trips("trips.tntp", trips) else {
        return;
    };
    let weights = tntp::Weights {
        toll: 0.0,
        distance: 0.0,
        source: String::new(),
    };
    let _ = tntp::problem(&net, zones, cells, &weights);
});
