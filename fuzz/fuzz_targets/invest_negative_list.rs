//! `Edition::from_toml_str` (an edition of the negative list, as an administrator drops it in
//! the data directory's `negative-list/`) and, for an edition it accepts, the check of a query
//! made of the same bytes as industry code and text.
#![no_main]

use kaifang_invest::negative_list::{Edition, Query, check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(edition) = Edition::from_toml_str(text, "input.toml") {
        let code = text.get(..text.len().min(4)).and_then(|c| c.parse().ok());
        if let Ok(q) = Query::new(code, Some(text.chars().take(2000).collect())) {
            let _ = check(&edition, &q);
        }
    }
    let _ = Query::parse(Some(text), Some(text));
});
