//! `Username`, `Password` and `RegionCode` from text: the first byte chooses which.
#![no_main]

use kaifang_model::{Password, RegionCode, Username};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 3 {
        0 => {
            if let Ok(u) = text.parse::<Username>() {
                // A name that parsed parses again to itself.
                assert_eq!(u.as_str().parse::<Username>().ok().as_ref(), Some(&u));
            }
        }
        1 => {
            let _ = text.parse::<Password>();
        }
        _ => {
            if let Ok(r) = text.parse::<RegionCode>() {
                let _ = r.province();
                assert_eq!(r.to_string().parse::<RegionCode>().ok(), Some(r));
            }
        }
    }
});
