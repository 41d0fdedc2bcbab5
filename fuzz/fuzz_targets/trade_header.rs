//! `Header::parse`: a customs file's header row, a record of column names (mostly known
//! ones, so that the checks behind the name lookup are reached).
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Column {
    Known(u8),
    Text(String),
}

#[derive(Debug, Arbitrary)]
struct HeaderRow {
    columns: Vec<Column>,
    flow_given: bool,
}

pub fn known() -> &'static [&'static str] {
    static K: OnceLock<Vec<&'static str>> = OnceLock::new();
    K.get_or_init(kaifang_trade::fuzzing::known_columns)
}

fuzz_target!(|h: HeaderRow| {
    let fields: Vec<&str> = h
        .columns
        .iter()
        .map(|c| match c {
            Column::Known(i) => known()[usize::from(*i) % known().len()],
            Column::Text(s) => s.as_str(),
        })
        .collect();
    let _ = kaifang_trade::fuzzing::header(&fields, h.flow_given);
});
