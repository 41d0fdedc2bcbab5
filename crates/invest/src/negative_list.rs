//! The negative list for foreign investment access (外商投资准入特别管理措施（负面清单）), one
//! data file per edition under `data/invest/negative-list/`, and the check of an industry or
//! a described activity against one edition.
//!
//! Editions are data, not code: the list is revised every year or two, and a zone may follow
//! the free-trade-zone edition while the rest of the province follows the national one, so the
//! application must be able to load a new edition from a folder without a new release.
//!
//! The check is a pointer, not a ruling. Its industry matching is only as precise as the
//! GB/T 4754 codes an item is filed under (most items cover part of a class), and its text
//! matching is keyword search; every match quotes the item in full so that the official
//! reads the decree's own words before deciding.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::industry::{Classification, IndustryCode};

/// The longest free-text description [`Query`] accepts, in characters: a paragraph about a
/// project, not a whole feasibility study.
pub const MAX_TEXT_CHARS: usize = 2000;

/// A data file or a set of editions is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    /// Not valid TOML, or a field is missing or of the wrong type; the message has the line.
    #[error("{origin}: {message}")]
    Syntax { origin: String, message: String },
    /// A field of the edition itself.
    #[error("{origin}, field {field}: {message}")]
    Edition {
        origin: String,
        field: &'static str,
        message: String,
    },
    /// A field of one item; `item` is the item's number as written in the file.
    #[error("{origin}, item {item}, field {field}: {message}")]
    Item {
        origin: String,
        item: u32,
        field: &'static str,
        message: String,
    },
    /// Two editions with the same id were given to one [`Editions`].
    #[error("edition {id:?} is given twice")]
    Duplicate { id: String },
}

/// A query the check cannot run; `field` is `industry` or `text`, as the request names them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct CheckError {
    pub field: &'static str,
    pub message: String,
}

/// Where an edition applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(as = NegativeListScope))]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The whole country (全国版).
    National,
    /// The pilot free trade zones (自贸试验区版), whose list is shorter.
    Ftz,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::National => "national",
            Scope::Ftz => "ftz",
        }
    }
}

/// The kind of a special administrative measure, as the lists word them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MeasureKind {
    /// 禁止投资. Without a condition it covers the whole item and makes the verdict
    /// "prohibited"; with one (e.g. airport towers) only that part is prohibited.
    Prohibited,
    /// 须由中方控股.
    ChineseControl,
    /// 须由中方相对控股: the Chinese side is the largest shareholder.
    ChineseRelativeControl,
    /// 中方股比不低于 `pct` %.
    ChineseMinShare,
    /// 外资股比不超过 `pct` %, or one foreign investor's share at most `pct` %.
    ForeignMaxShare,
    /// 限于合资.
    JointVentureOnly,
    /// 限于中外合作（办学）.
    CooperationOnly,
    /// 须由中方主导: Chinese members are at least half of the governing board.
    ChineseLed,
    /// 法定代表人、校长或主要行政负责人须为中国籍.
    ChineseNationalExecutive,
    /// Open only within a stated scope (e.g. telecom services China committed to open at the
    /// WTO).
    ScopeLimited,
}

impl MeasureKind {
    /// Whether the kind is a share and so needs `pct`.
    pub fn takes_pct(self) -> bool {
        matches!(
            self,
            MeasureKind::ChineseMinShare | MeasureKind::ForeignMaxShare
        )
    }
}

/// One requirement of an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub kind: MeasureKind,
    /// The percentage of a share kind; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pct: Option<u8>,
    /// Which part of the item the measure applies to, in the item's words; absent when it
    /// applies to all of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// One numbered item (条目) of an edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(as = NegativeListItem))]
pub struct Item {
    pub no: u32,
    pub sector_zh: String,
    pub sector_en: String,
    /// The item as the decree words it.
    pub text_zh: String,
    /// An unofficial English rendering.
    pub text_en: String,
    pub measures: Vec<Measure>,
    /// Codes all of whose activities the item covers.
    pub codes: Vec<IndustryCode>,
    /// Codes of which the item covers only some activities (most items: "inland water
    /// transport" is a class, "domestic water transport companies" is part of several).
    pub partly: Vec<IndustryCode>,
    /// Words that, found in a description, point to this item.
    pub keywords: Vec<String>,
    /// Why an official should check this item by hand: a doubt about its wording, its codes,
    /// or a pilot that relaxes it somewhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
}

impl Item {
    /// Whether a measure prohibits the whole item, not just a part of it.
    pub fn prohibits_all(&self) -> bool {
        self.measures
            .iter()
            .any(|m| m.kind == MeasureKind::Prohibited && m.condition.is_none())
    }
}

/// One edition of the list, as published by decree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(as = NegativeListEdition))]
pub struct Edition {
    /// e.g. `national-2024`.
    pub id: String,
    pub scope: Scope,
    pub title_zh: String,
    pub title_en: String,
    /// The decree that issued it, e.g. 国家发展改革委 商务部令2024年第23号.
    pub decree: String,
    #[serde(serialize_with = "iso_date::serialize")]
    #[cfg_attr(feature = "schema", schema(value_type = String, format = Date))]
    pub issued: Date,
    #[serde(serialize_with = "iso_date::serialize")]
    #[cfg_attr(feature = "schema", schema(value_type = String, format = Date))]
    pub effective: Date,
    /// Where the decree is published (a URL or a citation).
    pub source: String,
    pub items: Vec<Item>,
}

mod iso_date {
    use serde::Serializer;
    use time::Date;
    use time::format_description::BorrowedFormatItem;
    use time::macros::format_description;

    const FORMAT: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        let text = d.format(FORMAT).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn parse(s: &str) -> Option<Date> {
        Date::parse(s.trim(), FORMAT).ok()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEdition {
    id: String,
    scope: Scope,
    title_zh: String,
    title_en: String,
    decree: String,
    /// A string or a TOML date: both are natural to write by hand.
    issued: toml::Value,
    effective: toml::Value,
    source: String,
    #[serde(default)]
    item: Vec<RawItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    no: u32,
    sector_zh: String,
    sector_en: String,
    text_zh: String,
    text_en: String,
    #[serde(default)]
    measures: Vec<Measure>,
    #[serde(default)]
    codes: Vec<String>,
    #[serde(default)]
    partly: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    review: Option<String>,
}

fn date_of(v: &toml::Value) -> Option<Date> {
    match v {
        toml::Value::String(s) => iso_date::parse(s),
        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => {
            iso_date::parse(&d.to_string())
        }
        _ => None,
    }
}

impl Edition {
    /// Parses and checks one edition file; `origin` (the file name) starts every error, and an
    /// error in an item names its number and the field.
    ///
    /// Checked: items numbered 1..=n in order, every code known to GB/T 4754-2017, every item
    /// with at least one measure and one keyword, and an item filed under no code carries a
    /// `review` note, because the check can then only find it by its keywords.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Edition, ListError> {
        let raw: RawEdition = toml::from_str(text).map_err(|e| ListError::Syntax {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        let edition_err = |field: &'static str, message: String| ListError::Edition {
            origin: origin.to_string(),
            field,
            message,
        };
        if raw.id.is_empty()
            || !raw
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(edition_err(
                "id",
                format!("{:?}: use lower-case letters, digits and '-'", raw.id),
            ));
        }
        for (field, v) in [
            ("title_zh", &raw.title_zh),
            ("title_en", &raw.title_en),
            ("decree", &raw.decree),
            ("source", &raw.source),
        ] {
            if v.trim().is_empty() {
                return Err(edition_err(field, "empty".into()));
            }
        }
        let issued = date_of(&raw.issued)
            .ok_or_else(|| edition_err("issued", "expected a date YYYY-MM-DD".into()))?;
        let effective = date_of(&raw.effective)
            .ok_or_else(|| edition_err("effective", "expected a date YYYY-MM-DD".into()))?;
        if effective < issued {
            return Err(edition_err(
                "effective",
                "before the date the edition was issued".into(),
            ));
        }
        if raw.item.is_empty() {
            return Err(edition_err("item", "the edition has no items".into()));
        }
        let table = Classification::gbt4754_2017();
        let mut items = Vec::with_capacity(raw.item.len());
        for (i, r) in raw.item.into_iter().enumerate() {
            let no = r.no;
            let bad = |field: &'static str, message: String| ListError::Item {
                origin: origin.to_string(),
                item: no,
                field,
                message,
            };
            let expected = u32::try_from(i + 1).unwrap_or(u32::MAX);
            if no != expected {
                return Err(bad(
                    "no",
                    format!(
                        "expected {expected}: items are numbered 1, 2, 3 … in order, without gaps"
                    ),
                ));
            }
            for (field, v) in [
                ("sector_zh", &r.sector_zh),
                ("sector_en", &r.sector_en),
                ("text_zh", &r.text_zh),
                ("text_en", &r.text_en),
            ] {
                if v.trim().is_empty() {
                    return Err(bad(field, "empty".into()));
                }
            }
            if r.measures.is_empty() {
                return Err(bad("measures", "an item needs at least one measure".into()));
            }
            for m in &r.measures {
                match (m.kind.takes_pct(), m.pct) {
                    (true, None) => {
                        return Err(bad("measures", format!("{:?} needs pct", m.kind)));
                    }
                    (true, Some(p)) if !(1..=99).contains(&p) => {
                        return Err(bad("measures", format!("pct {p} is not 1 to 99")));
                    }
                    (false, Some(_)) => {
                        return Err(bad("measures", format!("{:?} takes no pct", m.kind)));
                    }
                    _ => {}
                }
                if m.condition.as_deref().is_some_and(|c| c.trim().is_empty()) {
                    return Err(bad("measures", "an empty condition".into()));
                }
            }
            let parse_codes = |field: &'static str, list: &[String]| {
                list.iter()
                    .map(|s| {
                        let code: IndustryCode =
                            s.parse().map_err(|e| bad(field, format!("{e}")))?;
                        table.check(&code).map_err(|e| bad(field, format!("{e}")))?;
                        Ok(code)
                    })
                    .collect::<Result<Vec<_>, ListError>>()
            };
            let codes = parse_codes("codes", &r.codes)?;
            let partly = parse_codes("partly", &r.partly)?;
            let review = match r.review {
                Some(t) if t.trim().is_empty() => {
                    return Err(bad("review", "empty; leave it out instead".into()));
                }
                other => other,
            };
            if codes.is_empty() && partly.is_empty() && review.is_none() {
                return Err(bad(
                    "review",
                    "an item filed under no code needs a review note saying why".into(),
                ));
            }
            if r.keywords.is_empty() {
                return Err(bad("keywords", "an item needs at least one keyword".into()));
            }
            for k in &r.keywords {
                if k.trim().chars().count() < 2 || k.trim() != k {
                    return Err(bad(
                        "keywords",
                        format!("{k:?}: a keyword has at least 2 characters and no outer spaces"),
                    ));
                }
            }
            items.push(Item {
                no,
                sector_zh: r.sector_zh,
                sector_en: r.sector_en,
                text_zh: r.text_zh,
                text_en: r.text_en,
                measures: r.measures,
                codes,
                partly,
                keywords: r.keywords,
                review,
            });
        }
        Ok(Edition {
            id: raw.id,
            scope: raw.scope,
            title_zh: raw.title_zh,
            title_en: raw.title_en,
            decree: raw.decree,
            issued,
            effective,
            source: raw.source,
            items,
        })
    }

    pub fn item(&self, no: u32) -> Option<&Item> {
        self.items.iter().find(|i| i.no == no)
    }
}

/// The editions the application knows: the built-in ones and any it read from a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editions {
    /// By scope, then by the date they took effect.
    list: Vec<Edition>,
}

const BUILTIN: [(&str, &str); 2] = [
    (
        "data/invest/negative-list/national-2024.toml",
        include_str!("../../../data/invest/negative-list/national-2024.toml"),
    ),
    (
        "data/invest/negative-list/ftz-2021.toml",
        include_str!("../../../data/invest/negative-list/ftz-2021.toml"),
    ),
];

impl Editions {
    /// The editions shipped in `data/invest/negative-list/`.
    pub fn builtin() -> Editions {
        let list = BUILTIN
            .iter()
            .map(|(origin, text)| {
                Edition::from_toml_str(text, origin)
                    .unwrap_or_else(|e| panic!("built-in edition, checked by the tests: {e}"))
            })
            .collect();
        Editions::new(list).unwrap_or_else(|e| panic!("built-in editions: {e}"))
    }

    /// Exactly these editions; ids must be unique.
    pub fn new(mut list: Vec<Edition>) -> Result<Editions, ListError> {
        let mut seen = HashSet::new();
        for e in &list {
            if !seen.insert(e.id.clone()) {
                return Err(ListError::Duplicate { id: e.id.clone() });
            }
        }
        list.sort_by(|a, b| {
            (a.scope.as_str(), a.effective, &a.id).cmp(&(b.scope.as_str(), b.effective, &b.id))
        });
        Ok(Editions { list })
    }

    /// The built-in editions and `extra` (e.g. read from the data directory); an extra edition
    /// may not reuse a built-in id, so that an id always means one text.
    pub fn with(extra: Vec<Edition>) -> Result<Editions, ListError> {
        let mut list = Editions::builtin().list;
        list.extend(extra);
        Editions::new(list)
    }

    pub fn get(&self, id: &str) -> Option<&Edition> {
        self.list.iter().find(|e| e.id == id)
    }

    /// The edition of `scope` in force on `on`: the one that took effect last, on or before
    /// that day. `None` before the first known edition of that scope.
    pub fn current(&self, scope: Scope, on: Date) -> Option<&Edition> {
        self.list
            .iter()
            .filter(|e| e.scope == scope && e.effective <= on)
            .max_by_key(|e| e.effective)
    }

    /// All editions, by scope and then by the date they took effect.
    pub fn list(&self) -> &[Edition] {
        &self.list
    }
}

/// What to check: an industry, a description of the activity, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    industry: Option<IndustryCode>,
    text: Option<String>,
}

impl Query {
    /// Checks the bounds: at least one of the two, an industry known to GB/T 4754-2017, and a
    /// text that is not blank and at most [`MAX_TEXT_CHARS`] characters.
    pub fn new(industry: Option<IndustryCode>, text: Option<String>) -> Result<Query, CheckError> {
        if let Some(code) = &industry {
            Classification::gbt4754_2017()
                .check(code)
                .map_err(|e| CheckError {
                    field: "industry",
                    message: e.to_string(),
                })?;
        }
        if let Some(t) = &text {
            if t.trim().is_empty() {
                return Err(CheckError {
                    field: "text",
                    message: "empty; leave it out or describe the activity".into(),
                });
            }
            let n = t.chars().count();
            if n > MAX_TEXT_CHARS {
                return Err(CheckError {
                    field: "text",
                    message: format!("{n} characters; at most {MAX_TEXT_CHARS}"),
                });
            }
        }
        if industry.is_none() && text.is_none() {
            return Err(CheckError {
                field: "industry",
                message:
                    "give an industry code (GB/T 4754), a description of the activity, or both"
                        .into(),
            });
        }
        Ok(Query { industry, text })
    }

    /// As [`Query::new`], from the strings of a form or a request; a blank industry counts as
    /// none.
    pub fn parse(industry: Option<&str>, text: Option<&str>) -> Result<Query, CheckError> {
        let industry = match industry.map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(s.parse::<IndustryCode>().map_err(|e| CheckError {
                field: "industry",
                message: e.to_string(),
            })?),
        };
        Query::new(industry, text.map(str::to_string))
    }

    pub fn industry(&self) -> Option<&IndustryCode> {
        self.industry.as_ref()
    }

    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }
}

/// The answer, from the most to the least severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// A matched item prohibits foreign investment outright.
    Prohibited,
    /// Matched items allow it under conditions (shares, forms, executives).
    Restricted,
    /// No item matched: national treatment, as for domestic investment.
    NotListed,
}

/// How an item was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum MatchedBy {
    Industry,
    Text,
}

/// One item that applies to the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(as = NegativeListMatch))]
pub struct Match {
    pub item: u32,
    pub sector_zh: String,
    pub sector_en: String,
    /// The item in full, as the decree words it.
    pub text_zh: String,
    pub text_en: String,
    pub measures: Vec<Measure>,
    pub matched_by: MatchedBy,
    /// The item's code or the keyword that matched.
    pub on: String,
    /// Only part of the queried industry (or only part of the item's code) is on the list: the
    /// official has to see whether the activity is that part.
    pub partial: bool,
    pub review: Option<String>,
}

/// The result of [`check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "schema", schema(as = NegativeListCheck))]
pub struct Check {
    /// The edition's id.
    pub edition: String,
    pub edition_title_zh: String,
    pub verdict: Verdict,
    /// By item number, one per item.
    pub matches: Vec<Match>,
    /// The answer in one sentence, in Chinese and then in English.
    pub note: String,
}

/// How one item matches by industry: which code, and whether only partly.
fn industry_match(item: &Item, query: &IndustryCode) -> Option<(String, bool)> {
    if let Some(c) = item.codes.iter().find(|c| query.is_within(c)) {
        return Some((c.to_string(), false));
    }
    item.partly
        .iter()
        .find(|c| query.is_within(c))
        .or_else(|| {
            item.codes
                .iter()
                .chain(&item.partly)
                .find(|c| c.is_within(query))
        })
        .map(|c| (c.to_string(), true))
}

/// Checks `query` against `edition`.
///
/// An item matches by industry when the queried code lies within one of its codes (the whole
/// activity is covered), or lies within a code it covers only partly, or is broader than one
/// of its codes; the last two are `partial`. It matches by text when one of its keywords occurs
/// in the description (ASCII case ignored). A whole match by industry is reported before a
/// match by text, and a match by text before a partial one, since a keyword names the activity
/// more closely than a broad code does.
///
/// The verdict is "prohibited" when a matched item prohibits all it covers, "restricted" when
/// items match but none does, "not listed" otherwise; whole matches decide when there are
/// any, partial ones only when there are no others (the note then says "part of").
pub fn check(edition: &Edition, query: &Query) -> Check {
    let lowered = query.text.as_deref().map(str::to_ascii_lowercase);
    let mut matches = Vec::new();
    for item in &edition.items {
        let by_industry = query
            .industry
            .as_ref()
            .and_then(|q| industry_match(item, q));
        let by_text = lowered.as_deref().and_then(|t| {
            item.keywords
                .iter()
                .find(|k| t.contains(&k.to_ascii_lowercase()))
        });
        let (matched_by, on, partial) = match (by_industry, by_text) {
            (Some((code, false)), _) => (MatchedBy::Industry, code, false),
            (_, Some(k)) => (MatchedBy::Text, k.clone(), false),
            (Some((code, true)), None) => (MatchedBy::Industry, code, true),
            (None, None) => continue,
        };
        matches.push(Match {
            item: item.no,
            sector_zh: item.sector_zh.clone(),
            sector_en: item.sector_en.clone(),
            text_zh: item.text_zh.clone(),
            text_en: item.text_en.clone(),
            measures: item.measures.clone(),
            matched_by,
            on,
            partial,
            review: item.review.clone(),
        });
    }
    // Whole matches decide when there are any: a market-research firm (7242, item "market
    // research") should not read "prohibited" because social surveys, also filed somewhere in
    // group 724, are. Partial matches stay in the list for the official to rule out.
    let whole: Vec<&Match> = matches.iter().filter(|m| !m.partial).collect();
    let decisive: Vec<&Match> = if whole.is_empty() {
        matches.iter().collect()
    } else {
        whole
    };
    let prohibiting: Vec<&Match> = decisive
        .iter()
        .copied()
        .filter(|m| edition.item(m.item).is_some_and(Item::prohibits_all))
        .collect();
    let verdict = if !prohibiting.is_empty() {
        Verdict::Prohibited
    } else if !decisive.is_empty() {
        Verdict::Restricted
    } else {
        Verdict::NotListed
    };
    let note = note(edition, verdict, &prohibiting, &decisive);
    Check {
        edition: edition.id.clone(),
        edition_title_zh: edition.title_zh.clone(),
        verdict,
        matches,
        note,
    }
}

fn numbers(ms: &[&Match]) -> (String, String) {
    let nos: Vec<String> = ms.iter().map(|m| m.item.to_string()).collect();
    let en = match nos.as_slice() {
        [one] => format!("item {one}"),
        many => format!("items {}", many.join(", ")),
    };
    (nos.join("、"), en)
}

fn note(
    edition: &Edition,
    verdict: Verdict,
    prohibiting: &[&Match],
    decisive: &[&Match],
) -> String {
    let title = &edition.title_zh;
    match verdict {
        Verdict::NotListed => format!(
            "未列入《{title}》，按照内外资一致原则管理（准入前国民待遇），仍须遵守《市场准入负面清单》和行业许可规定。 \
             Not on the list ({}): foreign investment is treated like domestic investment, though the market-access negative list and sector licences still apply.",
            edition.title_en
        ),
        Verdict::Prohibited => {
            let (zh, en) = numbers(prohibiting);
            if prohibiting.iter().all(|m| m.partial) {
                format!(
                    "所查行业中有部分活动属于《{title}》第{zh}条禁止外商投资的领域，请核对具体活动是否在其范围内。 \
                     Part of this industry is closed to foreign investment by {en} of the list; check whether the activity falls within it."
                )
            } else {
                format!(
                    "属于《{title}》第{zh}条禁止外商投资的领域。 \
                     Foreign investment in this activity is prohibited by {en} of the list."
                )
            }
        }
        Verdict::Restricted => {
            let (zh, en) = numbers(decisive);
            if decisive.iter().all(|m| m.partial) {
                format!(
                    "所查行业中有部分活动属于《{title}》第{zh}条的限制类领域，请核对具体活动；如在其范围内，须符合所列股权、高管等要求。 \
                     Part of this industry is restricted by {en} of the list; if the activity falls within it, the equity and management requirements below apply."
                )
            } else {
                format!(
                    "属于《{title}》第{zh}条的限制类领域，外商投资须符合所列股权、高管等要求。 \
                     Foreign investment is allowed under {en} of the list only on the equity and management terms below."
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edition() -> Edition {
        Edition::from_toml_str(
            r#"
id = "t-1"
scope = "national"
title_zh = "测试"
title_en = "Test"
decree = "令"
issued = 2024-01-02
effective = "2024-02-01"
source = "here"

[[item]]
no = 1
sector_zh = "甲"
sector_en = "A"
text_zh = "禁止投资新闻机构。"
text_en = "No news agencies."
measures = [{ kind = "prohibited" }]
codes = ["861"]
keywords = ["通讯社", "News Agency"]

[[item]]
no = 2
sector_zh = "乙"
sector_en = "B"
text_zh = "民用机场须由中方相对控股。外方不得参与建设、运营机场塔台。"
text_en = "Airports."
measures = [{ kind = "chinese_relative_control" }, { kind = "prohibited", condition = "塔台" }]
codes = ["5631"]
partly = ["5632"]
keywords = ["机场"]
"#,
            "t.toml",
        )
        .unwrap()
    }

    fn q(industry: Option<&str>, text: Option<&str>) -> Query {
        Query::parse(industry, text).unwrap()
    }

    #[test]
    fn toml_and_string_dates_both_parse() {
        let e = edition();
        assert_eq!(e.issued, time::macros::date!(2024 - 01 - 02));
        assert_eq!(e.effective, time::macros::date!(2024 - 02 - 01));
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["issued"], "2024-01-02");
        assert_eq!(json["items"][1]["measures"][1]["condition"], "塔台");
    }

    #[test]
    fn a_conditional_prohibition_restricts_rather_than_prohibits() {
        let c = check(&edition(), &q(Some("5631"), None));
        assert_eq!(c.verdict, Verdict::Restricted);
        assert_eq!(c.matches.len(), 1);
        assert!(!c.matches[0].partial);
        let c = check(&edition(), &q(Some("5632"), None));
        assert_eq!(c.verdict, Verdict::Restricted);
        assert!(c.matches[0].partial);
    }

    #[test]
    fn whole_industry_beats_text_beats_partial() {
        let c = check(&edition(), &q(Some("8610"), Some("设立通讯社")));
        assert_eq!(c.matches[0].matched_by, MatchedBy::Industry);
        assert_eq!(c.matches[0].on, "861");
        let c = check(&edition(), &q(Some("86"), Some("a NEWS agency")));
        assert_eq!(c.matches[0].matched_by, MatchedBy::Text);
        assert_eq!(c.matches[0].on, "News Agency");
        assert!(!c.matches[0].partial);
        let c = check(&edition(), &q(Some("R"), None));
        assert!(c.matches[0].partial);
        assert_eq!(c.verdict, Verdict::Prohibited);
        assert!(c.note.contains("部分"), "{}", c.note);
    }

    #[test]
    fn current_picks_the_latest_in_force() {
        let mut a = edition();
        let mut b = edition();
        b.id = "t-2".into();
        b.effective = time::macros::date!(2025 - 01 - 01);
        a.scope = Scope::National;
        let set = Editions::new(vec![b.clone(), a]).unwrap();
        let on = |d| set.current(Scope::National, d).map(|e| e.id.as_str());
        assert_eq!(on(time::macros::date!(2024 - 01 - 31)), None);
        assert_eq!(on(time::macros::date!(2024 - 02 - 01)), Some("t-1"));
        assert_eq!(on(time::macros::date!(2025 - 06 - 01)), Some("t-2"));
        assert_eq!(
            set.current(Scope::Ftz, time::macros::date!(2025 - 06 - 01)),
            None
        );
        let dup = Editions::new(vec![b.clone(), b]).unwrap_err();
        assert_eq!(dup, ListError::Duplicate { id: "t-2".into() });
    }
}
