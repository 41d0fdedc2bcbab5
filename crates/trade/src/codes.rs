//! The codes a customs record is made of, parsed once at the edge.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Direction of trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    Export,
    Import,
}

impl Flow {
    pub const ALL: [Flow; 2] = [Flow::Export, Flow::Import];

    pub fn as_str(self) -> &'static str {
        match self {
            Flow::Export => "export",
            Flow::Import => "import",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Flow::Export => "出口",
            Flow::Import => "进口",
        }
    }

    /// Accepts the English words and the Chinese ones the customs platform prints.
    pub fn parse(s: &str) -> Option<Flow> {
        match s.trim() {
            "export" | "Export" | "EXPORT" | "E" | "出口" => Some(Flow::Export),
            "import" | "Import" | "IMPORT" | "I" | "进口" => Some(Flow::Import),
            _ => None,
        }
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Flow {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Flow::parse(s).ok_or_else(|| format!("flow must be import or export, not {s:?}"))
    }
}

/// A calendar month, the unit of customs statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Period {
    pub year: i32,
    pub month: u32,
}

impl Period {
    pub fn new(year: i32, month: u32) -> Option<Period> {
        ((1..=12).contains(&month) && (1900..=2200).contains(&year))
            .then_some(Period { year, month })
    }

    /// `202301`, `2023-01`, `2023/01`, `2023.1`, `2023年01月`, `2023年1月`.
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim();
        let b = s.as_bytes();
        if b.len() == 6 && b.iter().all(u8::is_ascii_digit) {
            return Period::new(s[..4].parse().ok()?, s[4..].parse().ok()?);
        }
        let rest = s.get(4..)?;
        let year: i32 = s.get(..4)?.parse().ok()?;
        let rest = rest
            .strip_prefix('-')
            .or_else(|| rest.strip_prefix('/'))
            .or_else(|| rest.strip_prefix('.'))
            .or_else(|| rest.strip_prefix('年'))?;
        let rest = rest.strip_suffix('月').unwrap_or(rest);
        if rest.is_empty() || rest.len() > 2 || !rest.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Period::new(year, rest.parse().ok()?)
    }

    pub fn key(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    pub fn prev_year(self) -> Period {
        Period {
            year: self.year - 1,
            month: self.month,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A commodity code as the platform gives it: HS chapter (2 digits), heading (4), HS6, or
/// China's 8-digit tariff line (CN8). Kept as text: leading zeros matter.
pub fn parse_commodity(s: &str) -> Result<&str, String> {
    let s = s.trim();
    let ok_len = matches!(s.len(), 2 | 4 | 6 | 8 | 10);
    if !ok_len || !s.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!(
            "commodity code must be 2, 4, 6, 8 or 10 digits, not {s:?}"
        ));
    }
    let chapter: u32 = s[..2].parse().map_err(|_| format!("bad code {s:?}"))?;
    if chapter == 0 || chapter == 77 || chapter > 98 {
        return Err(format!(
            "commodity code {s:?}: there is no HS chapter {chapter:02}"
        ));
    }
    Ok(s)
}

/// Ownership of an enterprise, in the customs statistics' broad classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Ownership {
    State,
    Private,
    Foreign,
    Other,
}

impl Ownership {
    pub const ALL: [Ownership; 4] = [
        Ownership::State,
        Ownership::Private,
        Ownership::Foreign,
        Ownership::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Ownership::State => "state",
            Ownership::Private => "private",
            Ownership::Foreign => "foreign",
            Ownership::Other => "other",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Ownership::State => "国有企业",
            Ownership::Private => "民营企业",
            Ownership::Foreign => "外商投资企业",
            Ownership::Other => "其他",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Ownership::State => "State-owned enterprises",
            Ownership::Private => "Private enterprises",
            Ownership::Foreign => "Foreign-invested enterprises",
            Ownership::Other => "Other",
        }
    }

    pub fn parse(s: &str) -> Option<Ownership> {
        match s.trim() {
            "state" | "国有企业" | "国有" => Some(Ownership::State),
            "private" | "民营企业" | "私营企业" | "民营" => Some(Ownership::Private),
            "foreign" | "外商投资企业" | "外资企业" | "外商投资" => {
                Some(Ownership::Foreign)
            }
            "other" | "其他" | "其他企业" => Some(Ownership::Other),
            _ => None,
        }
    }
}

pub use kaifang_model::uscc::check_char as uscc_check_char;

/// Validates an 18-character unified social credit code, check character included.
pub fn parse_uscc(s: &str) -> Result<&str, String> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() != 18 {
        return Err(format!(
            "unified social credit code must have 18 characters, {s:?} has {}",
            s.chars().count()
        ));
    }
    if let Some(bad) = kaifang_model::uscc::first_foreign_char(b) {
        return Err(format!(
            "unified social credit code {s:?} contains {:?}, which GB 32100 does not use",
            bad as char
        ));
    }
    let expected = uscc_check_char(&b[..17]).ok_or_else(|| format!("bad code {s:?}"))?;
    if expected != b[17] {
        return Err(format!(
            "unified social credit code {s:?} fails its check digit (expected {:?}, found {:?})",
            expected as char, b[17] as char
        ));
    }
    Ok(s)
}

/// A GB/T 2260 administrative division code: six digits with a province prefix.
pub fn parse_region(s: &str) -> Result<&str, String> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return Err(format!(
            "region code must be 6 digits (GB/T 2260), not {s:?}"
        ));
    }
    let province: u32 = s[..2].parse().map_err(|_| format!("bad code {s:?}"))?;
    if !(11..=82).contains(&province) {
        return Err(format!("region code {s:?}: no province {province}"));
    }
    Ok(s)
}

/// The prefecture-level code of a GB/T 2260 county or city code: `222404` → `222400`.
pub fn city_of(region: &str) -> String {
    let mut c = String::with_capacity(6);
    c.push_str(&region[..4]);
    c.push_str("00");
    c
}

/// A non-negative amount as the platform prints it: `1,234,567`, `1234567.89`, `-` or empty
/// for nothing.
pub fn parse_amount(s: &str) -> Result<Option<f64>, String> {
    let s = s.trim();
    if s.is_empty() || s == "-" || s == "--" {
        return Ok(None);
    }
    let v: f64 = if s.contains(',') {
        // Thousands separators: copy the rest to a stack buffer rather than allocate.
        let mut buf = [0u8; 64];
        let mut n = 0;
        for &b in s.as_bytes().iter().filter(|&&b| b != b',') {
            if n == buf.len() {
                return Err(format!("{s:?} is not a number"));
            }
            buf[n] = b;
            n += 1;
        }
        std::str::from_utf8(&buf[..n])
            .map_err(|_| format!("{s:?} is not a number"))?
            .parse()
    } else {
        s.parse()
    }
    .map_err(|_| format!("{s:?} is not a number"))?;
    if !v.is_finite() {
        return Err(format!("{s:?} is not a finite number"));
    }
    if v < 0.0 {
        return Err(format!(
            "{s:?} is negative; customs amounts are never negative"
        ));
    }
    Ok(Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uscc_check_digit() {
        // Built from the rule itself, then one character changed.
        let body = b"91220101MA0Y12345";
        let check = uscc_check_char(body).unwrap();
        let mut code = String::from_utf8(body.to_vec()).unwrap();
        code.push(check as char);
        assert!(parse_uscc(&code).is_ok());
        let mut wrong = code.clone().into_bytes();
        wrong[17] = if wrong[17] == b'0' { b'1' } else { b'0' };
        assert!(parse_uscc(std::str::from_utf8(&wrong).unwrap()).is_err());
        assert!(parse_uscc("91220101MA0Y1234I5").is_err());
    }

    #[test]
    fn uscc_known_weights() {
        // Weights 3^i mod 31 as tabulated in GB 32100-2015.
        let mut w = 1u32;
        let mut ws = vec![];
        for _ in 0..17 {
            ws.push(w);
            w = w * 3 % 31;
        }
        assert_eq!(
            ws,
            [
                1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
            ]
        );
    }

    #[test]
    fn periods() {
        for s in [
            "202301",
            "2023-01",
            "2023/1",
            "2023年01月",
            "2023年1月",
            "2023.01",
        ] {
            assert_eq!(Period::parse(s), Period::new(2023, 1), "{s}");
        }
        for s in ["202313", "2023", "23-01", "2023-001", ""] {
            assert_eq!(Period::parse(s), None, "{s}");
        }
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("1,234,567"), Ok(Some(1234567.0)));
        assert_eq!(parse_amount(" 12.5 "), Ok(Some(12.5)));
        assert_eq!(parse_amount(""), Ok(None));
        assert!(parse_amount("-5").is_err());
        assert!(parse_amount("abc").is_err());
    }
}
