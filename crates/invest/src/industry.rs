//! The national industry classification, GB/T 4754-2017 《国民经济行业分类》
//! (`data/invest/gbt4754-2017.csv`).
//!
//! Projects, statistics and the items of the negative list are all filed under these codes, so
//! they are parsed once into [`IndustryCode`] and checked against one table. The table holds
//! the 20 sections and 97 divisions in full, but only those groups and classes the negative
//! list points at: a deeper code whose division exists is accepted, because departments file
//! projects at whatever depth they know, and refusing a valid class the table lacks would be
//! worse than naming it by its division.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndustryError {
    /// Not the shape of a code; names what was given.
    #[error("industry code {input:?}: {reason}")]
    Code { input: String, reason: String },
    /// Well formed, but neither its division nor its section is in the classification.
    #[error("industry code {code}: not in GB/T 4754-2017 (no such {missing})")]
    Unknown { code: String, missing: &'static str },
    /// A row of the classification file is wrong; `row` is the line in the file.
    #[error("industry classification, row {row}, field {field}: {message}")]
    Row {
        row: u64,
        field: String,
        message: String,
    },
}

/// A GB/T 4754 code: a section letter `A`–`T`, or a division, group or class of 2–4 digits.
///
/// Carried as a type so that a code is checked once, where it enters, and nowhere else.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(value_type = String, example = "8610"))]
pub struct IndustryCode(String);

impl IndustryCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The section letter, when the code is a section.
    pub fn section_letter(&self) -> Option<char> {
        let mut chars = self.0.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_uppercase() => Some(c),
            _ => None,
        }
    }

    /// The two-digit division a numeric code belongs to; a section has none.
    pub fn division(&self) -> Option<&str> {
        if self.section_letter().is_some() {
            None
        } else {
            self.0.get(..2)
        }
    }

    /// Whether every activity of `self` is also an activity of `other`: "8610" is within "86"
    /// and within "R". A section's divisions are known only from the table, which is why this
    /// asks the built-in classification.
    pub fn is_within(&self, other: &IndustryCode) -> bool {
        match (self.section_letter(), other.section_letter()) {
            (Some(a), Some(b)) => a == b,
            (None, Some(b)) => Classification::gbt4754_2017().section_of(self) == Some(b),
            (Some(_), None) => false,
            (None, None) => self.0.starts_with(&other.0),
        }
    }
}

impl FromStr for IndustryCode {
    type Err = IndustryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let bad = |reason: &str| IndustryError::Code {
            input: s.to_string(),
            reason: reason.to_string(),
        };
        if t.is_empty() {
            return Err(bad("empty"));
        }
        let mut chars = t.chars();
        if let (Some(c), None) = (chars.next(), chars.next())
            && c.is_ascii_alphabetic()
        {
            let c = c.to_ascii_uppercase();
            return if ('A'..='T').contains(&c) {
                Ok(IndustryCode(c.to_string()))
            } else {
                Err(bad("a section is a letter from A to T"))
            };
        }
        if !t.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad("expected a section letter A–T or 2 to 4 digits"));
        }
        if !(2..=4).contains(&t.len()) {
            return Err(bad("a division, group or class has 2 to 4 digits"));
        }
        Ok(IndustryCode(t.to_string()))
    }
}

impl TryFrom<String> for IndustryCode {
    type Error = IndustryError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl fmt::Display for IndustryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for IndustryCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for IndustryCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// How deep in the classification an entry sits (门类, 大类, 中类, 小类).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(as = IndustryLevel))]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Section,
    Division,
    Group,
    Class,
}

impl Level {
    fn parse(s: &str) -> Option<Level> {
        match s {
            "section" => Some(Level::Section),
            "division" => Some(Level::Division),
            "group" => Some(Level::Group),
            "class" => Some(Level::Class),
            _ => None,
        }
    }

    /// The level a code of this shape has.
    fn of(code: &IndustryCode) -> Level {
        match code.as_str().len() {
            1 => Level::Section,
            2 => Level::Division,
            3 => Level::Group,
            _ => Level::Class,
        }
    }
}

/// One row of the classification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(as = IndustryEntry))]
pub struct Entry {
    pub code: IndustryCode,
    pub level: Level,
    /// The section letter the entry belongs to, so a UI can group without another look-up.
    #[cfg_attr(feature = "schema", schema(value_type = String, example = "R"))]
    pub section: char,
    pub name_zh: String,
    pub name_en: String,
}

/// The classification table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// In file order, which is the standard's order: sections each followed by their divisions.
    entries: Vec<Entry>,
    index: HashMap<String, usize>,
}

const HEADER: [&str; 5] = ["code", "level", "name_zh", "name_en", "source"];

static GBT4754_2017: LazyLock<Classification> = LazyLock::new(|| {
    Classification::from_csv_str(include_str!("../../../data/invest/gbt4754-2017.csv"))
        .expect("data/invest/gbt4754-2017.csv is checked by the crate's tests")
});

impl Classification {
    /// The table shipped in `data/invest/gbt4754-2017.csv`, parsed on first use.
    pub fn gbt4754_2017() -> &'static Classification {
        &GBT4754_2017
    }

    /// Parses a table with the columns `code,level,name_zh,name_en,source`.
    ///
    /// A division belongs to the section row above it, as in the printed standard, since the
    /// file has no parent column; so the order of rows matters and is checked. Every error
    /// names the row (the line in the file) and the field.
    pub fn from_csv_str(text: &str) -> Result<Classification, IndustryError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let header = reader.headers().map_err(|e| IndustryError::Row {
            row: 1,
            field: "header".into(),
            message: e.to_string(),
        })?;
        if header.iter().map(str::trim).ne(HEADER) {
            return Err(IndustryError::Row {
                row: 1,
                field: "header".into(),
                message: format!("expected the columns {}", HEADER.join(",")),
            });
        }
        let mut entries: Vec<Entry> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut section: Option<char> = None;
        for record in reader.records() {
            let record = record.map_err(|e| IndustryError::Row {
                row: e.position().map_or(0, |p| p.line()),
                field: "record".into(),
                message: e.to_string(),
            })?;
            let row = record.position().map_or(0, |p| p.line());
            let bad = |field: &str, message: String| IndustryError::Row {
                row,
                field: field.to_string(),
                message,
            };
            let field = |i: usize| record.get(i).unwrap_or("").trim();
            let code: IndustryCode = field(0).parse().map_err(|e| bad("code", format!("{e}")))?;
            let level = Level::parse(field(1)).ok_or_else(|| {
                bad(
                    "level",
                    format!(
                        "{:?} is not one of section, division, group, class",
                        field(1)
                    ),
                )
            })?;
            if level != Level::of(&code) {
                return Err(bad(
                    "level",
                    format!("{code} has the shape of a {:?}", Level::of(&code)),
                ));
            }
            for (i, name) in [(2, "name_zh"), (3, "name_en"), (4, "source")] {
                if field(i).is_empty() {
                    return Err(bad(name, "empty".into()));
                }
            }
            if index.contains_key(code.as_str()) {
                return Err(bad("code", format!("{code} is given twice")));
            }
            let own_section = match level {
                Level::Section => {
                    section = code.section_letter();
                    section
                }
                Level::Division => section,
                Level::Group | Level::Class => {
                    let parent = &code.as_str()[..code.as_str().len() - 1];
                    let division = &code.as_str()[..2];
                    if !index.contains_key(division)
                        || (level == Level::Class && !index.contains_key(parent))
                    {
                        return Err(bad(
                            "code",
                            format!("{code} comes before the entry it belongs to ({parent})"),
                        ));
                    }
                    Some(entries[index[division]].section)
                }
            };
            let Some(own_section) = own_section else {
                return Err(bad(
                    "code",
                    format!("division {code} comes before any section"),
                ));
            };
            index.insert(code.as_str().to_string(), entries.len());
            entries.push(Entry {
                code,
                level,
                section: own_section,
                name_zh: field(2).to_string(),
                name_en: field(3).to_string(),
            });
        }
        Ok(Classification { entries, index })
    }

    /// The entry with exactly this code.
    pub fn get(&self, code: &IndustryCode) -> Option<&Entry> {
        self.index.get(code.as_str()).map(|&i| &self.entries[i])
    }

    /// The deepest entry at or above `code`: the class if the table has it, else its group,
    /// else its division. A code the table lacks is still named by what it falls in.
    pub fn name(&self, code: &IndustryCode) -> Option<Entry> {
        let s = code.as_str();
        let shortest = if code.section_letter().is_some() {
            1
        } else {
            2
        };
        (shortest..=s.len())
            .rev()
            .find_map(|n| self.index.get(&s[..n]))
            .map(|&i| self.entries[i].clone())
    }

    /// The section letter a code belongs to, if its division (or the section) is known.
    pub fn section_of(&self, code: &IndustryCode) -> Option<char> {
        match code.section_letter() {
            Some(c) => self.index.get(code.as_str()).map(|_| c),
            None => self
                .index
                .get(code.division()?)
                .map(|&i| self.entries[i].section),
        }
    }

    /// Accepts a code whose section, or whose division, is in the table; deeper digits are
    /// accepted as they are (see the module's note).
    pub fn check(&self, code: &IndustryCode) -> Result<(), IndustryError> {
        let (key, missing) = match code.division() {
            Some(d) => (d, "division"),
            None => (code.as_str(), "section"),
        };
        if self.index.contains_key(key) {
            Ok(())
        } else {
            Err(IndustryError::Unknown {
                code: code.to_string(),
                missing,
            })
        }
    }

    /// The 20 sections, in order.
    pub fn sections(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.level == Level::Section)
    }

    /// The divisions, in order, for pick lists.
    pub fn divisions(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.level == Level::Division)
    }

    /// Every entry, in the standard's order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> IndustryCode {
        s.parse().unwrap()
    }

    #[test]
    fn the_shipped_table_has_all_sections_and_divisions() {
        let c = Classification::gbt4754_2017();
        let sections: String = c.sections().map(|e| e.code.as_str()).collect();
        assert_eq!(sections, "ABCDEFGHIJKLMNOPQRST");
        let divisions: Vec<&str> = c.divisions().map(|e| e.code.as_str()).collect();
        let expected: Vec<String> = (1..=97).map(|n| format!("{n:02}")).collect();
        assert_eq!(divisions, expected);
    }

    #[test]
    fn divisions_sit_in_their_sections() {
        let c = Classification::gbt4754_2017();
        for (d, s) in [
            ("01", 'A'),
            ("05", 'A'),
            ("06", 'B'),
            ("12", 'B'),
            ("13", 'C'),
            ("43", 'C'),
            ("44", 'D'),
            ("50", 'E'),
            ("52", 'F'),
            ("60", 'G'),
            ("62", 'H'),
            ("65", 'I'),
            ("69", 'J'),
            ("70", 'K'),
            ("72", 'L'),
            ("75", 'M'),
            ("79", 'N'),
            ("82", 'O'),
            ("83", 'P'),
            ("85", 'Q'),
            ("90", 'R'),
            ("96", 'S'),
            ("97", 'T'),
        ] {
            assert_eq!(c.section_of(&code(d)), Some(s), "division {d}");
        }
    }

    #[test]
    fn known_names() {
        let c = Classification::gbt4754_2017();
        for (d, zh) in [
            ("16", "烟草制品业"),
            ("44", "电力、热力生产和供应业"),
            ("63", "电信、广播电视和卫星传输服务"),
            ("64", "互联网和相关服务"),
            ("72", "商务服务业"),
            ("86", "新闻和出版业"),
            ("87", "广播、电视、电影和录音制作业"),
            ("8610", "新闻业"),
        ] {
            assert_eq!(c.get(&code(d)).map(|e| e.name_zh.as_str()), Some(zh), "{d}");
        }
    }

    #[test]
    fn codes_parse_trimmed_and_name_their_input() {
        assert_eq!(code(" 8610 ").as_str(), "8610");
        assert_eq!(code("r").as_str(), "R");
        for bad in ["", "U", "1", "12345", "8a", "AB", "８６"] {
            let e = bad.parse::<IndustryCode>().unwrap_err();
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
    }

    #[test]
    fn containment() {
        assert!(code("8610").is_within(&code("86")));
        assert!(code("8610").is_within(&code("861")));
        assert!(code("86").is_within(&code("86")));
        assert!(!code("86").is_within(&code("8610")));
        assert!(!code("8710").is_within(&code("86")));
        assert!(code("8610").is_within(&code("R")));
        assert!(code("86").is_within(&code("R")));
        assert!(!code("86").is_within(&code("Q")));
        assert!(!code("R").is_within(&code("86")));
        assert!(code("R").is_within(&code("R")));
        assert_eq!(code("8610").division(), Some("86"));
        assert_eq!(code("R").division(), None);
    }

    #[test]
    fn names_fall_back_to_what_the_code_falls_in() {
        let c = Classification::gbt4754_2017();
        assert_eq!(c.name(&code("8611")).unwrap().code.as_str(), "861");
        assert_eq!(c.name(&code("3611")).unwrap().code.as_str(), "36");
        assert_eq!(c.name(&code("R")).unwrap().name_zh, "文化、体育和娱乐业");
        assert!(c.name(&code("98")).is_none());
    }

    #[test]
    fn check_wants_a_known_division_or_section() {
        let c = Classification::gbt4754_2017();
        assert!(c.check(&code("3611")).is_ok());
        assert!(c.check(&code("R")).is_ok());
        let e = c.check(&code("9901")).unwrap_err();
        assert!(e.to_string().contains("9901"), "{e}");
        assert!(c.check(&code("98")).is_err());
    }

    #[test]
    fn bad_rows_are_named() {
        let head = "code,level,name_zh,name_en,source\n";
        let cases = [
            ("01,division,农业,Crop farming,x\n", "row 2, field code"),
            (
                "A,section,农,Ag,x\n01,group,农业,Crop,x\n",
                "row 3, field level",
            ),
            (
                "A,section,农,Ag,x\n01,division,,Crop,x\n",
                "row 3, field name_zh",
            ),
            (
                "A,section,农,Ag,x\nA,section,农,Ag,x\n",
                "row 3, field code",
            ),
            ("A,section,农,Ag,x\n011,group,x,y,x\n", "row 3, field code"),
            ("A,section,农,Ag,\n", "row 2, field source"),
            (
                "A,section,农,Ag,x\nX1,division,x,y,x\n",
                "row 3, field code",
            ),
        ];
        for (body, want) in cases {
            let e = Classification::from_csv_str(&format!("{head}{body}")).unwrap_err();
            assert!(e.to_string().contains(want), "{body:?}: {e}");
        }
        let e = Classification::from_csv_str("code,name\nA,x\n").unwrap_err();
        assert!(e.to_string().contains("field header"), "{e}");
    }

    #[test]
    fn serialises_as_a_string() {
        let c = code("8610");
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"8610\"");
        let back: IndustryCode = serde_json::from_str("\"86\"").unwrap();
        assert_eq!(back.as_str(), "86");
        assert!(serde_json::from_str::<IndustryCode>("\"x9\"").is_err());
    }
}
