//! The unified social credit code (统一社会信用代码, GB 32100-2015): the 18 characters that
//! name an enterprise in customs records, registries and investment files alike.

use std::fmt;
use std::str::FromStr;

use crate::ParseError;

/// The 31 characters of the code: digits and capital letters without I, O, Z, S, V, which are
/// too easily misread.
const CHARS: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Each byte's value in [`CHARS`], or `NONE`: a table, since customs imports check millions
/// of codes.
const VALUES: [u8; 256] = {
    let mut t = [NONE; 256];
    let mut i = 0;
    while i < CHARS.len() {
        t[CHARS[i] as usize] = i as u8;
        i += 1;
    }
    t
};
const NONE: u8 = u8::MAX;

fn value(c: u8) -> Option<u32> {
    let v = VALUES[c as usize];
    (v != NONE).then_some(v as u32)
}

/// The check character for the first 17 characters of a code: weights are 3^i mod 31, and the
/// check is 31 − (Σ mod 31), with 31 written as 0.
pub fn check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 {
        return None;
    }
    let mut weight = 1u32;
    let mut sum = 0u32;
    for &c in first17 {
        sum += value(c)? * weight;
        weight = weight * 3 % 31;
    }
    let check = (31 - sum % 31) % 31;
    Some(CHARS[check as usize])
}

/// Whether every byte is one the code uses; the first that is not.
pub fn first_foreign_char(code: &[u8]) -> Option<u8> {
    code.iter().copied().find(|&c| value(c).is_none())
}

/// A code whose length, characters and check character are right.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(into = "String")]
pub struct Uscc(String);

impl FromStr for Uscc {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = |why| ParseError::new("unified social credit code", s, why);
        let b = s.trim().as_bytes();
        if b.len() != 18 {
            return Err(err("must have 18 characters"));
        }
        if first_foreign_char(b).is_some() {
            return Err(err(
                "may contain only digits and capital letters other than I, O, S, V and Z",
            ));
        }
        if check_char(&b[..17]) != Some(b[17]) {
            return Err(err("fails its check character"));
        }
        Ok(Uscc(s.trim().to_string()))
    }
}

impl Uscc {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Uscc> for String {
    fn from(u: Uscc) -> String {
        u.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The code the synthetic trade demo gives its largest Changchun trader and the demo registry
/// gives China FAW Import and Export, so that an enterprise account of the demo has trade of its
/// own to see. It is made up: not the company's registered code, and its records are synthetic.
pub const DEMO_ENTERPRISE: &str = "91220101MA00FAW01E";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_character_is_verified() {
        let body = b"91220101MA0Y12345";
        let check = check_char(body).unwrap() as char;
        let good = format!("{}{check}", std::str::from_utf8(body).unwrap());
        assert!(good.parse::<Uscc>().is_ok());
        let wrong = if check == '0' { '1' } else { '0' };
        let bad = format!("{}{wrong}", std::str::from_utf8(body).unwrap());
        assert!(bad.parse::<Uscc>().unwrap_err().why.contains("check"));
        assert!("91220101MA0Y1234I5".parse::<Uscc>().is_err());
        assert!("9122".parse::<Uscc>().is_err());
    }

    #[test]
    fn the_demo_enterprise_code_is_valid() {
        assert!(DEMO_ENTERPRISE.parse::<Uscc>().is_ok(), "{DEMO_ENTERPRISE}");
    }
}
