//! `zones::check_entry`: one row of a zone's yearly form (indicator, value, unit), a record,
//! so the input is structured. The indicator is mostly one of the framework's, so that the
//! value and unit checks behind the lookup are reached.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use kaifang_assess::Location;
use kaifang_assess::framework::Framework;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Indicator {
    Known(u8),
    Text(String),
}

#[derive(Debug, Arbitrary)]
struct Entry {
    indicator: Indicator,
    value: String,
    unit: Option<String>,
    /// Whether to give the framework's own unit (a unit check that passes).
    right_unit: bool,
}

fn framework() -> &'static Framework {
    static F: OnceLock<Framework> = OnceLock::new();
    F.get_or_init(|| kaifang_assess::zones::default_framework().expect("zones framework"))
}

fuzz_target!(|e: Entry| {
    let f = framework();
    let indicators = f.indicators();
    let (code, j) = match &e.indicator {
        Indicator::Known(i) => {
            let j = usize::from(*i) % indicators.len();
            (indicators[j].code.clone(), Some(j))
        }
        Indicator::Text(s) => (s.clone(), None),
    };
    let unit = match (e.right_unit, j) {
        (true, Some(j)) => f.node(j).unit.clone(),
        _ => e.unit,
    };
    let at = Location::row("form", 2);
    let _ = kaifang_assess::zones::check_entry(f, &code, &e.value, unit.as_deref(), &at);
});
