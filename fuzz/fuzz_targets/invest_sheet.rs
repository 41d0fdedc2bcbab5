//! The project list import's reading of the uploaded bytes (`sheet::read_xlsx`): the workbook
//! guard, calamine, and every cell's check, with a registry that knows one city, zone and
//! organisation.
#![no_main]

use kaifang_invest::sheet::{Resolve, read_xlsx};
use libfuzzer_sys::fuzz_target;

struct Registry;

impl Resolve for Registry {
    fn city(&self, t: &str) -> Result<i64, String> {
        (t == "cc-gov").then_some(1).ok_or_else(|| "no city".into())
    }
    fn zone(&self, t: &str, _: i64) -> Result<i64, String> {
        (t == "cc-etdz").then_some(2).ok_or_else(|| "no zone".into())
    }
    fn lead(&self, t: &str) -> Result<i64, String> {
        (t == "jl-doc").then_some(3).ok_or_else(|| "no organisation".into())
    }
    fn country(&self, t: &str) -> Result<String, String> {
        (t.len() == 2).then(|| t.to_uppercase()).ok_or_else(|| "no country".into())
    }
    fn uscc(&self, t: &str) -> Result<String, String> {
        (t.len() == 18).then(|| t.to_string()).ok_or_else(|| "bad code".into())
    }
}

fuzz_target!(|data: &[u8]| {
    let today = time::macros::date!(2025 - 06 - 30);
    let _ = read_xlsx(data, today, &Registry);
});
