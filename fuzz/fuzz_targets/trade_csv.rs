//! `import::parse_csv_bytes` and the streaming reader `read_csv`: a customs CSV export. The
//! first byte chooses the flow given for the whole file (none, import, export) and the size of
//! the blocks the streaming reader cuts the file into (the whole file, or 1 to 64 bytes, so
//! that rows, quoted fields and characters are cut across blocks); the rest is the file.
#![no_main]

use kaifang_trade::Flow;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else {
        return;
    };
    let flow = match which % 3 {
        0 => None,
        1 => Some(Flow::Import),
        _ => Some(Flow::Export),
    };
    let whole = kaifang_trade::fuzzing::parse_csv_bytes(bytes, flow);
    let block = (which / 3) as usize % 65;
    if block > 0 {
        let blocks = kaifang_trade::fuzzing::read_csv_blocks(bytes, flow, block);
        // Blocks of any size read as many records as the whole file. (One may fail where the
        // other does not: a file whose blocks change encoding is refused, while the whole
        // file is decoded as GB18030.)
        if let (Ok(w), Ok(b)) = (&whole, &blocks) {
            assert_eq!(*w as u64, *b, "block {block}");
        }
    }
});
