//! The cooperation registry's reference files: `partners_from_csv` and
//! `visa_policies_from_csv` (first byte chooses which).
#![no_main]

use kaifang_invest::cooperation::{partners_from_csv, visa_policies_from_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if which % 2 == 0 {
        let _ = partners_from_csv("partners.csv", text);
    } else {
        let _ = visa_policies_from_csv("visa-policies.csv", text);
    }
});
