//! `RowParser::row`: data rows of a customs file under a header, as records: a header of
//! known columns and rows of cells, each cell either text or a plausible value of its kind
//! (period, HS code, USCC, region, amount), so that the checks of every field are reached.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use kaifang_trade::Flow;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Cell {
    Text(String),
    Period(u16, u8),
    Digits(u64),
    Amount(f64),
    Uscc([u8; 18]),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Period(y, m) => format!("{y}{m:02}"),
            Cell::Digits(d) => d.to_string(),
            Cell::Amount(a) => a.to_string(),
            Cell::Uscc(b) => b.iter().map(|c| char::from(b'0' + c % 43)).collect(),
        }
    }
}

#[derive(Debug, Arbitrary)]
struct Rows {
    header: Vec<u8>,
    flow: Option<bool>,
    rows: Vec<Vec<Cell>>,
}

fn known() -> &'static [&'static str] {
    static K: OnceLock<Vec<&'static str>> = OnceLock::new();
    K.get_or_init(kaifang_trade::fuzzing::known_columns)
}

fuzz_target!(|r: Rows| {
    let header: Vec<&str> = r
        .header
        .iter()
        .map(|i| known()[usize::from(*i) % known().len()])
        .collect();
    let flow = r
        .flow
        .map(|import| if import { Flow::Import } else { Flow::Export });
    let cells: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|row| row.iter().map(Cell::text).collect())
        .collect();
    let rows: Vec<Vec<&str>> = cells
        .iter()
        .map(|row| row.iter().map(String::as_str).collect())
        .collect();
    let _ = kaifang_trade::fuzzing::rows(&header, flow, &rows);
});
