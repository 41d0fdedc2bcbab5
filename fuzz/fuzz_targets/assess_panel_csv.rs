//! `Panel::from_csv_str`: a panel CSV (wide or long) read against the zones' framework and
//! against COINr's ASEM framework, the two shipped frameworks.
#![no_main]

use std::sync::OnceLock;

use kaifang_assess::Panel;
use kaifang_assess::framework::Framework;
use libfuzzer_sys::fuzz_target;

fn frameworks() -> &'static [Framework; 2] {
    static F: OnceLock<[Framework; 2]> = OnceLock::new();
    F.get_or_init(|| {
        let zones = kaifang_assess::zones::default_framework().expect("zones framework");
        let asem = Framework::from_imeta_str(
            "ASEM_iMeta.csv",
            include_str!("../../data/testdata/coinr-asem/ASEM_iMeta.csv"),
        )
        .expect("ASEM framework");
        [zones, asem]
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for f in frameworks() {
        let _ = Panel::from_csv_str("input.csv", text, f);
    }
});
