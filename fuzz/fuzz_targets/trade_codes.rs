//! `codes::{Period::parse, parse_commodity, parse_uscc, parse_region, parse_amount}` and
//! the flow and ownership names: the first byte chooses the parser, the rest is the cell.
#![no_main]

use kaifang_trade::codes;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((which, rest)) = data.split_first() else {
        return;
    };
    let Ok(s) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 7 {
        0 => {
            if let Some(p) = codes::Period::parse(s) {
                let _ = (p.key(), p.prev_year(), p.to_string());
            }
        }
        1 => {
            let _ = codes::parse_commodity(s);
        }
        2 => {
            let _ = codes::uscc_check_char(rest);
            if let Ok(u) = codes::parse_uscc(s) {
                let _ = codes::uscc_check_char(&u.as_bytes()[..17]);
            }
        }
        3 => {
            if let Ok(r) = codes::parse_region(s) {
                let _ = codes::city_of(r);
            }
        }
        4 => {
            let _ = codes::parse_amount(s);
        }
        5 => {
            let _ = codes::Flow::parse(s);
        }
        _ => {
            let _ = codes::Ownership::parse(s);
        }
    }
});
