//! Small validated strings: account names, passwords, administrative-division codes.

use std::fmt;
use std::str::FromStr;

/// Why a value was refused; the message is meant for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {value:?}: {why}")]
pub struct ParseError {
    pub what: &'static str,
    pub value: String,
    pub why: &'static str,
}

impl ParseError {
    pub fn new(what: &'static str, value: &str, why: &'static str) -> Self {
        // Never echo a whole password back; the length is enough to act on.
        let value = if what == "password" {
            format!("<{} characters>", value.chars().count())
        } else {
            value.to_string()
        };
        ParseError { what, value, why }
    }
}

/// A login name: 2–32 characters of lower-case ASCII letters, digits, `.`, `_` or `-`,
/// starting with a letter. Kept ASCII so that it types the same on every keyboard layout.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

impl FromStr for Username {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = |why| ParseError::new("username", s, why);
        if !(2..=32).contains(&s.len()) {
            return Err(err("must be 2 to 32 characters long"));
        }
        if !s.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(err("must start with a lower-case letter"));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        {
            return Err(err("may contain only a-z, 0-9, '.', '_' and '-'"));
        }
        Ok(Username(s.to_string()))
    }
}

impl Username {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password that meets the policy: at least 8 characters, at most 256 (argon2 input
/// stays bounded), not only one repeated character.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl FromStr for Password {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = |why| ParseError::new("password", s, why);
        let n = s.chars().count();
        if n < 8 {
            return Err(err("must be at least 8 characters long"));
        }
        if n > 256 {
            return Err(err("must be at most 256 characters long"));
        }
        let mut chars = s.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) {
            return Err(err("must not be one character repeated"));
        }
        Ok(Password(s.to_string()))
    }
}

impl Password {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A six-digit administrative-division code of GB/T 2260 (e.g. 220100 Changchun, 222404 Hunchun).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RegionCode(u32);

impl FromStr for RegionCode {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        let err = |why| ParseError::new("region code", s, why);
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("must be six digits (GB/T 2260)"));
        }
        // Province-level prefixes run from 11 (Beijing) to 82 (Macao).
        let province: u32 = s[..2].parse().map_err(|_| err("must be six digits"))?;
        if !(11..=82).contains(&province) {
            return Err(err("first two digits are not a province-level code"));
        }
        s.parse()
            .map(RegionCode)
            .map_err(|_| err("must be six digits"))
    }
}

impl RegionCode {
    /// The province-level code this division belongs to (220100 → 220000).
    pub fn province(self) -> RegionCode {
        RegionCode(self.0 / 10_000 * 10_000)
    }

    /// Whether `other` lies within this division: a province (220000) holds every code of
    /// its two digits, a prefecture-level city (220100) every code of its four, and a
    /// county-level division (222404 Hunchun) only itself.
    pub fn contains(self, other: RegionCode) -> bool {
        if self.0.is_multiple_of(10_000) {
            self.0 / 10_000 == other.0 / 10_000
        } else if self.0.is_multiple_of(100) {
            self.0 / 100 == other.0 / 100
        } else {
            self == other
        }
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divisions_contain_their_counties() {
        let code = |s: &str| s.parse::<RegionCode>().unwrap();
        assert!(code("220100").contains(code("220104")));
        assert!(!code("220100").contains(code("220200")));
        assert!(code("220000").contains(code("222404")));
        assert!(code("222404").contains(code("222404")));
        assert!(!code("222404").contains(code("222401")));
    }

    #[test]
    fn usernames() {
        assert!("admin".parse::<Username>().is_ok());
        assert!("zone.staff-2".parse::<Username>().is_ok());
        assert!("A".parse::<Username>().is_err());
        assert!("Admin".parse::<Username>().is_err());
        assert!("1abc".parse::<Username>().is_err());
        assert!("张三".parse::<Username>().is_err());
        assert!("a b".parse::<Username>().is_err());
    }

    #[test]
    fn passwords_follow_the_policy_and_never_print() {
        assert!("short".parse::<Password>().is_err());
        assert!("aaaaaaaaaa".parse::<Password>().is_err());
        let p: Password = "kaifang-demo".parse().unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
        let e = "secret1".parse::<Password>().unwrap_err();
        assert!(!e.to_string().contains("secret1"), "{e}");
    }

    #[test]
    fn region_codes() {
        let cc: RegionCode = "220100".parse().unwrap();
        assert_eq!(cc.to_string(), "220100");
        assert_eq!(cc.province().to_string(), "220000");
        assert!("22010".parse::<RegionCode>().is_err());
        assert!("990100".parse::<RegionCode>().is_err());
        assert!("22010x".parse::<RegionCode>().is_err());
    }
}
