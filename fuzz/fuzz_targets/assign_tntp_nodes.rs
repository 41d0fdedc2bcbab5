//! `tntp::parse_nodes`: a TNTP node (coordinate) file for a network of `nodes` nodes. The
//! first two bytes are the node count (little-endian), the rest the file.
#![no_main]

use kaifang_assign::tntp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((count, rest)) = data.split_first_chunk::<2>() else {
        return;
    };
    if let Ok(text) = std::str::from_utf8(rest) {
        let _ = tntp::parse_nodes(
            "input_node.tntp",
            text,
            u32::from(u16::from_le_bytes(*count)),
        );
    }
});
