//! The values of a route request as a person or a client writes them: an avoid-list item
//! (`suez`, `KP`, a place), an amount (`30000USD`), months (`5-10`, `6|7|8`) and a country,
//! resolved against the default network. The input is a record of those texts.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use kaifang_channels::costing::Cny;
use kaifang_channels::model::{Country, Months};
use kaifang_channels::network::Network;
use kaifang_channels::query::Avoid;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Request {
    avoid: Vec<String>,
    value: String,
    months: String,
    country: String,
}

fn network() -> &'static Network {
    static N: OnceLock<Network> = OnceLock::new();
    N.get_or_init(|| kaifang_channels::defaults::network().expect("default network"))
}

fuzz_target!(|r: Request| {
    for item in &r.avoid {
        let _ = Avoid::parse(item, network());
    }
    let _ = r.value.parse::<Cny>();
    let _ = r.months.parse::<Months>();
    let _ = r.country.parse::<Country>();
});
