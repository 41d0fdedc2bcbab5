//! `import::decode`: a customs CSV file's bytes to text (UTF-8 or GBK/GB18030).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = kaifang_trade::fuzzing::decode(data);
});
