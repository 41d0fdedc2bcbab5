//! The cooperation registry's vocabulary (对外合作): the partners a province works with abroad
//! and at home — liaison offices, chambers of commerce, friendly provinces and cities,
//! counterpart provinces, regional mechanisms, exchange platforms — and the exchanges with
//! them (delegations in and out, fairs, events in technology, education, culture, tourism).
//!
//! The sourced partners of `data/cooperation/partners.csv` and the visa policies of
//! `data/cooperation/visa-policies.csv` are read here, every problem named by line and field.

use serde::{Deserialize, Serialize};
use time::Date;

/// The kinds of partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PartnerKind {
    /// An overseas liaison office of the province (境外联络处), planned or opened.
    LiaisonOffice,
    /// A chamber of commerce abroad or of overseas Chinese (商协会).
    Chamber,
    /// Another organisation the province works through (an agency, an association).
    Organisation,
    /// A friendly province, state or prefecture (友好省州).
    FriendlyProvince,
    /// A friendly city (友好城市).
    FriendlyCity,
    /// A counterpart province or city at home (对口合作).
    Counterpart,
    /// A regional mechanism (区域合作机制), such as the north-eastern provinces' conference.
    Regional,
    /// A recurring fair or forum (展会、论坛), such as the China–Northeast Asia Expo.
    ExchangePlatform,
}

impl PartnerKind {
    pub const ALL: [PartnerKind; 8] = [
        PartnerKind::LiaisonOffice,
        PartnerKind::Chamber,
        PartnerKind::Organisation,
        PartnerKind::FriendlyProvince,
        PartnerKind::FriendlyCity,
        PartnerKind::Counterpart,
        PartnerKind::Regional,
        PartnerKind::ExchangePlatform,
    ];

    pub fn key(self) -> &'static str {
        match self {
            PartnerKind::LiaisonOffice => "liaison_office",
            PartnerKind::Chamber => "chamber",
            PartnerKind::Organisation => "organisation",
            PartnerKind::FriendlyProvince => "friendly_province",
            PartnerKind::FriendlyCity => "friendly_city",
            PartnerKind::Counterpart => "counterpart",
            PartnerKind::Regional => "regional",
            PartnerKind::ExchangePlatform => "exchange_platform",
        }
    }

    pub fn parse(s: &str) -> Option<PartnerKind> {
        PartnerKind::ALL.into_iter().find(|k| k.key() == s.trim())
    }
}

/// Where a partnership stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PartnerStatus {
    /// Being studied or prepared (an office to be set up, an agreement under negotiation).
    Planned,
    /// In force: an office opened, an agreement signed and working.
    Active,
    /// Suspended for the time being.
    Suspended,
    /// Ended or closed.
    Ended,
}

impl PartnerStatus {
    pub const ALL: [PartnerStatus; 4] = [
        PartnerStatus::Planned,
        PartnerStatus::Active,
        PartnerStatus::Suspended,
        PartnerStatus::Ended,
    ];

    pub fn key(self) -> &'static str {
        match self {
            PartnerStatus::Planned => "planned",
            PartnerStatus::Active => "active",
            PartnerStatus::Suspended => "suspended",
            PartnerStatus::Ended => "ended",
        }
    }

    pub fn parse(s: &str) -> Option<PartnerStatus> {
        PartnerStatus::ALL.into_iter().find(|k| k.key() == s.trim())
    }
}

/// The field of an exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExchangeKind {
    Economic,
    Technology,
    Education,
    Culture,
    Tourism,
    /// A fair, expo or forum.
    Fair,
}

impl ExchangeKind {
    pub const ALL: [ExchangeKind; 6] = [
        ExchangeKind::Economic,
        ExchangeKind::Technology,
        ExchangeKind::Education,
        ExchangeKind::Culture,
        ExchangeKind::Tourism,
        ExchangeKind::Fair,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ExchangeKind::Economic => "economic",
            ExchangeKind::Technology => "technology",
            ExchangeKind::Education => "education",
            ExchangeKind::Culture => "culture",
            ExchangeKind::Tourism => "tourism",
            ExchangeKind::Fair => "fair",
        }
    }

    pub fn parse(s: &str) -> Option<ExchangeKind> {
        ExchangeKind::ALL.into_iter().find(|k| k.key() == s.trim())
    }
}

/// Which way a delegation travelled, or an event the province hosted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// A delegation received (来访).
    Inbound,
    /// A delegation sent abroad or to another province (出访).
    Outbound,
    /// An event held in the province (举办).
    Hosted,
}

impl Direction {
    pub const ALL: [Direction; 3] = [Direction::Inbound, Direction::Outbound, Direction::Hosted];

    pub fn key(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
            Direction::Hosted => "hosted",
        }
    }

    pub fn parse(s: &str) -> Option<Direction> {
        Direction::ALL.into_iter().find(|k| k.key() == s.trim())
    }
}

/// A partner as the reference file states it.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerRecord {
    /// A stable key, e.g. `zj-counterpart`.
    pub code: String,
    pub kind: PartnerKind,
    pub name_zh: String,
    pub name_en: String,
    /// ISO 3166-1 alpha-2 (`CN` for partners at home).
    pub country: String,
    pub region: String,
    /// The year the relationship began, when known.
    pub since: Option<i32>,
    pub status: PartnerStatus,
    pub lat: f64,
    pub lon: f64,
    pub agreements: String,
    pub source: String,
    /// Checked against the source; `false` marks a row still to be confirmed.
    pub verified: bool,
}

/// A problem of a reference file, where a person can find it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}, line {line}, {field}: {message}")]
pub struct RecordError {
    pub file: String,
    /// The line (1 is the header).
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// At most this many rows in a reference file.
pub const MAX_RECORDS: usize = 10_000;
const MAX_FIELD: usize = 2_000;

/// Reads rows of a CSV whose header names the fields, handing each row to `row` as a lookup
/// of field to text. Bounds: `MAX_RECORDS` rows, `MAX_FIELD` characters a field.
fn read_csv<T>(
    file: &str,
    text: &str,
    required: &[&str],
    mut row: impl FnMut(&dyn Fn(&str) -> String, usize) -> Result<T, (String, String)>,
) -> Result<Vec<T>, RecordError> {
    let err = |line: usize, field: &str, message: String| RecordError {
        file: file.into(),
        line,
        field: field.into(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| err(1, "header", e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if let Some(missing) = required.iter().find(|f| !header.iter().any(|h| h == *f)) {
        return Err(err(1, missing, "the header lacks this column".into()));
    }
    let mut out = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        if i >= MAX_RECORDS {
            return Err(err(line, "file", format!("more than {MAX_RECORDS} rows")));
        }
        let record = record.map_err(|e| err(line, "row", e.to_string()))?;
        if let Some((j, _)) = record
            .iter()
            .enumerate()
            .find(|(_, f)| f.chars().count() > MAX_FIELD)
        {
            return Err(err(
                line,
                &header[j],
                format!("longer than {MAX_FIELD} characters"),
            ));
        }
        let get = |field: &str| -> String {
            header
                .iter()
                .position(|h| h == field)
                .and_then(|j| record.get(j))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        out.push(row(&get, line).map_err(|(f, m)| err(line, &f, m))?);
    }
    Ok(out)
}

fn required_text(get: &dyn Fn(&str) -> String, field: &str) -> Result<String, (String, String)> {
    let t = get(field);
    if t.is_empty() {
        return Err((field.into(), "must not be empty".into()));
    }
    Ok(t)
}

fn country_of(get: &dyn Fn(&str) -> String) -> Result<String, (String, String)> {
    let c = get("country");
    if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err((
            "country".into(),
            format!("{c:?} is not an ISO 3166-1 alpha-2 code"),
        ));
    }
    Ok(c)
}

fn yes_no(get: &dyn Fn(&str) -> String, field: &str) -> Result<bool, (String, String)> {
    match get(field).as_str() {
        "yes" => Ok(true),
        "no" => Ok(false),
        other => Err((field.into(), format!("{other:?}: write yes or no"))),
    }
}

/// Reads the partners' reference file (`data/cooperation/partners.csv`).
pub fn partners_from_csv(file: &str, text: &str) -> Result<Vec<PartnerRecord>, RecordError> {
    let required = [
        "code",
        "kind",
        "name_zh",
        "name_en",
        "country",
        "region",
        "since",
        "status",
        "lat",
        "lon",
        "agreements",
        "source",
        "verified",
    ];
    let rows = read_csv(file, text, &required, |get, _| {
        let code = required_text(get, "code")?;
        if !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err((
                "code".into(),
                format!("{code:?}: use lower-case letters, digits and '-'"),
            ));
        }
        let kind = PartnerKind::parse(&get("kind")).ok_or_else(|| {
            (
                "kind".to_string(),
                format!("unknown kind {:?}", get("kind")),
            )
        })?;
        let status = PartnerStatus::parse(&get("status")).ok_or_else(|| {
            (
                "status".to_string(),
                format!("unknown status {:?}", get("status")),
            )
        })?;
        let since = match get("since").as_str() {
            "" => None,
            y => Some(
                y.parse::<i32>()
                    .ok()
                    .filter(|y| (1900..=2100).contains(y))
                    .ok_or_else(|| ("since".to_string(), format!("{y:?} is not a year")))?,
            ),
        };
        let coord = |field: &str, limit: f64| -> Result<f64, (String, String)> {
            get(field)
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && v.abs() <= limit)
                .ok_or_else(|| {
                    (
                        field.to_string(),
                        format!("{:?} is not a coordinate", get(field)),
                    )
                })
        };
        Ok(PartnerRecord {
            code,
            kind,
            name_zh: required_text(get, "name_zh")?,
            name_en: required_text(get, "name_en")?,
            country: country_of(get)?,
            region: get("region"),
            since,
            status,
            lat: coord("lat", 90.0)?,
            lon: coord("lon", 180.0)?,
            agreements: get("agreements"),
            source: required_text(get, "source")?,
            verified: yes_no(get, "verified")?,
        })
    })?;
    let mut seen = std::collections::HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        if !seen.insert(r.code.as_str()) {
            return Err(RecordError {
                file: file.into(),
                line: i + 2,
                field: "code".into(),
                message: format!("{:?} appears twice", r.code),
            });
        }
    }
    Ok(rows)
}

/// The kinds of entry and exit facilitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum VisaKind {
    /// Visa-free entry for ordinary passport holders of listed countries (单方面免签).
    VisaFree,
    /// Visa-free transit to a third country (过境免签).
    TransitVisaFree,
    /// Visa-free entry for tourist groups under an agreement (团体免签).
    GroupVisaFree,
    /// A visa issued on arrival at a designated port (口岸签证).
    PortVisa,
}

impl VisaKind {
    pub const ALL: [VisaKind; 4] = [
        VisaKind::VisaFree,
        VisaKind::TransitVisaFree,
        VisaKind::GroupVisaFree,
        VisaKind::PortVisa,
    ];

    pub fn key(self) -> &'static str {
        match self {
            VisaKind::VisaFree => "visa_free",
            VisaKind::TransitVisaFree => "transit_visa_free",
            VisaKind::GroupVisaFree => "group_visa_free",
            VisaKind::PortVisa => "port_visa",
        }
    }

    pub fn parse(s: &str) -> Option<VisaKind> {
        VisaKind::ALL.into_iter().find(|k| k.key() == s.trim())
    }
}

/// An entry facilitation policy and where it applies.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct VisaPolicy {
    pub code: String,
    pub kind: VisaKind,
    pub name_zh: String,
    pub name_en: String,
    /// ISO alpha-2 codes of the countries whose citizens it serves; empty: as the policy's
    /// text says (a long list, or every country).
    pub countries: Vec<String>,
    /// Days of stay allowed, when the policy fixes them.
    pub stay_days: Option<u32>,
    /// The ports of entry where it applies (network node ids), or empty when every port open
    /// to foreigners applies it.
    pub ports: Vec<String>,
    /// `YYYY-MM-DD`.
    #[cfg_attr(feature = "schema", schema(value_type = String))]
    #[serde(serialize_with = "ymd")]
    pub since: Date,
    /// `YYYY-MM-DD`, when the policy has an end.
    #[cfg_attr(feature = "schema", schema(value_type = Option<String>))]
    #[serde(serialize_with = "ymd_opt")]
    pub until: Option<Date>,
    pub conditions: String,
    pub source: String,
    pub verified: bool,
}

// A date as people read it; `time`'s own form is a [year, ordinal] pair.
fn ymd<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!(
        "{:04}-{:02}-{:02}",
        d.year(),
        u8::from(d.month()),
        d.day()
    ))
}

fn ymd_opt<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => ymd(d, s),
        None => s.serialize_none(),
    }
}

impl VisaPolicy {
    /// Whether it is in force on `day`.
    pub fn in_force(&self, day: Date) -> bool {
        self.since <= day && self.until.is_none_or(|u| day <= u)
    }
}

fn date_of(get: &dyn Fn(&str) -> String, field: &str) -> Result<Option<Date>, (String, String)> {
    let t = get(field);
    if t.is_empty() {
        return Ok(None);
    }
    crate::sheet::parse_date(&t).map(Some).ok_or_else(|| {
        (
            field.to_string(),
            format!("{t:?} is not a date (YYYY-MM-DD)"),
        )
    })
}

fn list_of(get: &dyn Fn(&str) -> String, field: &str) -> Vec<String> {
    get(field)
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads the visa policies' reference file (`data/cooperation/visa-policies.csv`).
pub fn visa_policies_from_csv(file: &str, text: &str) -> Result<Vec<VisaPolicy>, RecordError> {
    let required = [
        "code",
        "kind",
        "name_zh",
        "name_en",
        "countries",
        "stay_days",
        "ports",
        "since",
        "until",
        "conditions",
        "source",
        "verified",
    ];
    read_csv(file, text, &required, |get, _| {
        let kind = VisaKind::parse(&get("kind")).ok_or_else(|| {
            (
                "kind".to_string(),
                format!("unknown kind {:?}", get("kind")),
            )
        })?;
        let countries = list_of(get, "countries");
        if let Some(c) = countries
            .iter()
            .find(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase()))
        {
            return Err((
                "countries".into(),
                format!("{c:?} is not an ISO 3166-1 alpha-2 code"),
            ));
        }
        let stay_days = match get("stay_days").as_str() {
            "" => None,
            d => Some(
                d.parse::<u32>()
                    .ok()
                    .filter(|d| (1..=3650).contains(d))
                    .ok_or_else(|| {
                        (
                            "stay_days".to_string(),
                            format!("{d:?} is not a count of days"),
                        )
                    })?,
            ),
        };
        let since = date_of(get, "since")?
            .ok_or_else(|| ("since".to_string(), "must not be empty".to_string()))?;
        let until = date_of(get, "until")?;
        if until.is_some_and(|u| u < since) {
            return Err(("until".into(), "ends before it begins".into()));
        }
        Ok(VisaPolicy {
            code: required_text(get, "code")?,
            kind,
            name_zh: required_text(get, "name_zh")?,
            name_en: required_text(get, "name_en")?,
            countries,
            stay_days,
            ports: list_of(get, "ports"),
            since,
            until,
            conditions: get("conditions"),
            source: required_text(get, "source")?,
            verified: yes_no(get, "verified")?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILTIN_PARTNERS: &str = include_str!("../../../data/cooperation/partners.csv");
    const BUILTIN_VISAS: &str = include_str!("../../../data/cooperation/visa-policies.csv");

    #[test]
    fn the_reference_partners_read_and_each_names_its_source() {
        let rows = partners_from_csv("partners.csv", BUILTIN_PARTNERS).unwrap();
        assert!(rows.len() >= 8);
        let zj = rows.iter().find(|r| r.code == "zj-counterpart").unwrap();
        assert_eq!(zj.kind, PartnerKind::Counterpart);
        assert_eq!(zj.since, Some(2017));
        assert!(zj.verified);
        assert!(rows.iter().all(|r| !r.source.is_empty()));
    }

    #[test]
    fn a_bad_partner_row_is_named_by_line_and_field() {
        let text = "code,kind,name_zh,name_en,country,region,since,status,lat,lon,agreements,source,verified\n\
                    a,counterpart,甲,A,CN,,2017,active,30,120,,src,yes\n\
                    b,friendly_city,乙,B,Japan,,,active,30,120,,src,no\n";
        let e = partners_from_csv("p.csv", text).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (3, "country"));
        let twice = "code,kind,name_zh,name_en,country,region,since,status,lat,lon,agreements,source,verified\n\
                     a,counterpart,甲,A,CN,,2017,active,30,120,,src,yes\n\
                     a,counterpart,甲,A,CN,,2017,active,30,120,,src,yes\n";
        let e = partners_from_csv("p.csv", twice).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (3, "code"));
        let far = "code,kind,name_zh,name_en,country,region,since,status,lat,lon,agreements,source,verified\n\
                   a,counterpart,甲,A,CN,,2017,active,95,120,,src,yes\n";
        assert_eq!(partners_from_csv("p.csv", far).unwrap_err().field, "lat");
    }

    #[test]
    fn the_reference_visa_policies_read_with_sources() {
        let rows = visa_policies_from_csv("visa-policies.csv", BUILTIN_VISAS).unwrap();
        assert!(rows.len() >= 4);
        assert!(rows.iter().all(|r| !r.source.is_empty()));
        let group = rows
            .iter()
            .find(|r| r.kind == VisaKind::GroupVisaFree)
            .unwrap();
        assert_eq!(group.countries, ["RU"]);
    }

    #[test]
    fn a_policy_is_in_force_between_its_dates() {
        let mut p = visa_policies_from_csv("visa-policies.csv", BUILTIN_VISAS).unwrap()[0].clone();
        p.since = time::macros::date!(2024 - 01 - 01);
        p.until = Some(time::macros::date!(2024 - 12 - 31));
        assert!(p.in_force(time::macros::date!(2024 - 06 - 01)));
        assert!(!p.in_force(time::macros::date!(2025 - 01 - 01)));
        assert!(!p.in_force(time::macros::date!(2023 - 12 - 31)));
    }
}
