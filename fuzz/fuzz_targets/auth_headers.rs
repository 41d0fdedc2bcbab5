//! Credentials from request headers: `credentials::cookie` over the `Cookie` headers (the
//! input split at NUL bytes into several headers) and `credentials::bearer` on the whole.
#![no_main]

use kaifang_model::credentials::{bearer, cookie};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let headers: Vec<&str> = text.split('\0').collect();
    if let Some(v) = cookie(headers.iter().copied(), "kaifang_session") {
        assert!(text.contains(v));
    }
    if let Some(t) = bearer(text) {
        assert!(t.len() < text.len());
    }
});
