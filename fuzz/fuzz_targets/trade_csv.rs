//! `import::parse_csv_bytes`: a customs CSV export. The first byte chooses the flow given
//! for the whole file (none, import, export), the rest is the file.
#![no_main]

use kaifang_trade::Flow;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((which, bytes)) = data.split_first() else {
        return;
    };
    let flow = match which % 3 {
        0 => None,
        1 => Some(Flow::Import),
        _ => Some(Flow::Export),
    };
    let _ = kaifang_trade::fuzzing::parse_csv_bytes(bytes, flow);
});
