//! The zone form reader's handling of the uploaded bytes: the workbook guard
//! (`kaifang_workbook::check` with the form's limits) and then, only for workbooks it lets
//! through, calamine's reading of the first sheet and `zones::check_entry` on each row, in
//! the order the server's form upload does them.
#![no_main]

use std::io::Cursor;
use std::sync::OnceLock;

use calamine::Reader;
use kaifang_assess::Location;
use kaifang_assess::framework::Framework;
use libfuzzer_sys::fuzz_target;

fn framework() -> &'static Framework {
    static F: OnceLock<Framework> = OnceLock::new();
    F.get_or_init(|| kaifang_assess::zones::default_framework().expect("zones framework"))
}

fuzz_target!(|data: &[u8]| {
    if kaifang_workbook::check(Cursor::new(data), &kaifang_workbook::Limits::FORM).is_err() {
        return;
    }
    let Ok(mut wb) = calamine::Xlsx::new(Cursor::new(data)) else {
        return;
    };
    let Some(sheet) = wb.sheet_names().first().cloned() else {
        return;
    };
    let Ok(range) = wb.worksheet_range(&sheet) else {
        return;
    };
    let at = Location::row(sheet.as_str(), 2);
    for row in range.rows().skip(1) {
        let text: Vec<String> = row.iter().take(3).map(|c| c.to_string()).collect();
        if let [indicator, value, ..] = text.as_slice() {
            let unit = text.get(2).map(String::as_str);
            let _ = kaifang_assess::zones::check_entry(framework(), indicator, value, unit, &at);
        }
    }
});
