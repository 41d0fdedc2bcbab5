//! What the memory tests share: a generated customs file of any size.

use kaifang_trade::codes::uscc_check_char;
use std::io::Write;

/// A customs file of `rows` rows over two years and both flows, or all of one month and flow
/// when `one_month`, from a thousand enterprises.
pub fn write_csv(path: &std::path::Path, rows: u64, one_month: bool) {
    let ents: Vec<String> = (0..1000)
        .map(|i| {
            let body = format!("91220101MA{i:07}");
            let c = uscc_check_char(body.as_bytes()).expect("valid body") as char;
            format!("{body}{c}")
        })
        .collect();
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    writeln!(
        w,
        "period,flow,commodity,partner,trade_mode,region,uscc,enterprise,qty1,unit1,value_cny"
    )
    .expect("write");
    for i in 0..rows {
        let (month, year) = if one_month {
            (3, 2025)
        } else {
            (i % 12 + 1, 2024 + (i / 12) % 2)
        };
        let flow = if one_month || (i / 24) % 2 == 0 {
            "export"
        } else {
            "import"
        };
        // Distinct within a period and flow: the row number does it.
        let code = format!("87{:06}", (i / 48) % 1_000_000);
        let ent = &ents[(i % 1000) as usize];
        writeln!(
            w,
            "{year}-{month:02},{flow},{code},344,0110,220104,{ent},吉林示例汽车零部件有限公司{},{},千克,\"{},{:03}\"",
            i % 1000,
            i % 97 + 1,
            i % 900 + 1,
            i % 1000
        )
        .expect("write");
    }
    w.flush().expect("flush");
}
