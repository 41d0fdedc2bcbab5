//! An upload's name and bytes: `uploads::detect_type` and `uploads::sanitize_filename`. The
//! input is a record (file name, contents).
#![no_main]

use arbitrary::Arbitrary;
use kaifang_store::uploads;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Upload<'a> {
    filename: &'a str,
    bytes: &'a [u8],
}

fuzz_target!(|u: Upload<'_>| {
    let _ = uploads::detect_type(u.filename, u.bytes);
    let clean = uploads::sanitize_filename(u.filename);
    // What the sanitiser promises: one path component, no control characters.
    assert!(!clean.contains(['/', '\\']), "{clean:?}");
    assert!(!clean.chars().any(char::is_control), "{clean:?}");
    assert!(!clean.trim().is_empty());
});
