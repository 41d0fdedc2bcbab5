//! The arrivals table import's reading (`tourism::read_csv`, and `read_xlsx` when the bytes
//! look like a zip): every cell's check and the duplicate rule, with a country lookup that
//! knows a few markets.
#![no_main]

use kaifang_invest::tourism::{read_csv, read_xlsx};
use libfuzzer_sys::fuzz_target;

fn country(t: &str) -> Result<String, String> {
    match t {
        "RU" | "俄罗斯" => Ok("RU".into()),
        "KR" | "韩国" => Ok("KR".into()),
        other => Err(format!("{other:?} is not a country")),
    }
}

fuzz_target!(|data: &[u8]| {
    let rows = if data.starts_with(b"PK") {
        read_xlsx(data, &country)
    } else {
        read_csv(data, &country)
    };
    if let Ok(rows) = rows {
        let _ = kaifang_invest::tourism::figures(&rows, 2025);
    }
});
