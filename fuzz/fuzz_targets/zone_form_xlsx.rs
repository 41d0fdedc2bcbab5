//! The zone form upload's reading, as the server does it: `zone_form::read_form` — the
//! workbook guard (the form's limits), calamine's reading of the form's sheet, the header's
//! columns, and `zones::check_entry` on each row — for a zone and year of the demo.
#![no_main]

use std::sync::OnceLock;

use kaifang_assess::framework::Framework;
use kaifang_assess::zone_form::read_form;
use libfuzzer_sys::fuzz_target;

fn framework() -> &'static Framework {
    static F: OnceLock<Framework> = OnceLock::new();
    F.get_or_init(|| kaifang_assess::zones::default_framework().expect("zones framework"))
}

fuzz_target!(|data: &[u8]| {
    let _ = read_form(framework(), "cc-etdz", 2025, data);
});
