//! The registry of risk indicators (`data/risk/indicators.toml`): what each measures, where
//! its values come from, who owns it, and the thresholds of its levels.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::level::{Level, Reading};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RiskError {
    /// The registry file is not valid TOML or misses a field; names the file and the place.
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    /// One indicator is wrong; names the file, the indicator and the field.
    #[error("{file}, indicator {indicator:?}, field {field}: {message}")]
    Indicator {
        file: String,
        indicator: String,
        field: String,
        message: String,
    },
}

/// The module whose data an indicator is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Trade,
    Channels,
    Governance,
}

impl Source {
    pub const ALL: [Source; 3] = [Source::Trade, Source::Channels, Source::Governance];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::Trade => "trade",
            Source::Channels => "channels",
            Source::Governance => "governance",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Which side of the thresholds is the risky one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema), schema(as = RiskDirection))]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// A value at or above a threshold reaches its level (a share, a count of overdue tasks).
    Above,
    /// A value at or below a threshold reaches its level (growth, satisfaction).
    Below,
}

/// One level's threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Threshold {
    pub level: Level,
    pub at: f64,
}

/// A level's rule as users read it: `≥ 2500：橙色` / `≥ 2500: orange`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Rule {
    pub level: Level,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Indicator {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
    /// What is measured, and how.
    pub definition: String,
    pub unit: String,
    pub source: Source,
    /// The code of the organisation (department) that owns the indicator and its alerts.
    pub owner: String,
    pub direction: Direction,
    /// From the mildest level to the most serious.
    pub thresholds: Vec<Threshold>,
    /// Why these thresholds: a published band, or the owner's choice.
    pub basis: String,
    /// Each threshold as users read it.
    pub rules: Vec<Rule>,
}

impl Indicator {
    /// The level `value` reaches and the threshold it reached. A value that is not a number
    /// reaches none.
    pub fn classify(&self, value: f64) -> (Level, Option<f64>) {
        if !value.is_finite() {
            return (Level::Normal, None);
        }
        self.thresholds
            .iter()
            .rev()
            .find(|t| match self.direction {
                Direction::Above => value >= t.at,
                Direction::Below => value <= t.at,
            })
            .map_or((Level::Normal, None), |t| (t.level, Some(t.at)))
    }

    /// A reading of this indicator.
    pub fn read(
        &self,
        subject: (&str, &str, &str),
        period: &str,
        value: f64,
        synthetic: bool,
    ) -> Reading {
        let (level, threshold) = self.classify(value);
        Reading {
            indicator: self.id.clone(),
            subject: subject.0.to_string(),
            subject_zh: subject.1.to_string(),
            subject_en: subject.2.to_string(),
            period: period.to_string(),
            value,
            level,
            threshold,
            synthetic,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Registry {
    pub indicators: Vec<Indicator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegistry {
    #[serde(default)]
    indicator: Vec<RawIndicator>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    id: String,
    name_zh: String,
    name_en: String,
    definition: String,
    unit: String,
    source: Source,
    owner: String,
    direction: Direction,
    thresholds: BTreeMap<String, f64>,
    basis: String,
}

impl Registry {
    /// The registry shipped in `data/risk/indicators.toml`.
    pub fn default_registry() -> Result<Registry, RiskError> {
        Registry::from_toml_str(
            "data/risk/indicators.toml",
            include_str!("../../../data/risk/indicators.toml"),
        )
    }

    /// Parses and checks a registry; every error names `file`, the indicator and the field.
    pub fn from_toml_str(file: &str, text: &str) -> Result<Registry, RiskError> {
        let raw: RawRegistry = toml::from_str(text).map_err(|e| RiskError::Syntax {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        let mut seen = HashSet::new();
        let mut indicators = Vec::with_capacity(raw.indicator.len());
        for r in raw.indicator {
            let bad = |field: &str, message: String| RiskError::Indicator {
                file: file.to_string(),
                indicator: r.id.clone(),
                field: field.to_string(),
                message,
            };
            if r.id.trim().is_empty() || !seen.insert(r.id.clone()) {
                return Err(bad("id", "empty or given twice".into()));
            }
            for (field, v) in [
                ("name_zh", &r.name_zh),
                ("name_en", &r.name_en),
                ("definition", &r.definition),
                ("owner", &r.owner),
                ("basis", &r.basis),
            ] {
                if v.trim().is_empty() {
                    return Err(bad(field, "must not be empty".into()));
                }
            }
            let mut thresholds = Vec::new();
            for (name, at) in &r.thresholds {
                let level = Level::parse(name)
                    .filter(|l| *l != Level::Normal)
                    .ok_or_else(|| {
                        bad(
                            "thresholds",
                            format!("{name:?} is not a level: blue, yellow, orange or red"),
                        )
                    })?;
                if !at.is_finite() {
                    return Err(bad("thresholds", format!("{name} is not a number")));
                }
                thresholds.push(Threshold { level, at: *at });
            }
            if thresholds.is_empty() {
                return Err(bad("thresholds", "give at least one level".into()));
            }
            thresholds.sort_by_key(|t| t.level);
            // A more serious level must lie further on the risky side.
            for w in thresholds.windows(2) {
                let ordered = match r.direction {
                    Direction::Above => w[1].at > w[0].at,
                    Direction::Below => w[1].at < w[0].at,
                };
                if !ordered {
                    let side = match r.direction {
                        Direction::Above => "above",
                        Direction::Below => "below",
                    };
                    return Err(bad(
                        "thresholds",
                        format!(
                            "{} ({}) must lie {side} {} ({}) for direction {side:?}",
                            w[1].level.as_str(),
                            w[1].at,
                            w[0].level.as_str(),
                            w[0].at
                        ),
                    ));
                }
            }
            let sign = match r.direction {
                Direction::Above => "≥",
                Direction::Below => "≤",
            };
            let rules = thresholds
                .iter()
                .map(|t| Rule {
                    level: t.level,
                    zh: format!("{sign} {} {}：{}", t.at, r.unit, t.level.name_zh()),
                    en: format!("{sign} {} {}: {}", t.at, r.unit, t.level.as_str()),
                })
                .collect();
            indicators.push(Indicator {
                id: r.id,
                name_zh: r.name_zh,
                name_en: r.name_en,
                definition: r.definition,
                unit: r.unit,
                source: r.source,
                owner: r.owner,
                direction: r.direction,
                thresholds,
                basis: r.basis,
                rules,
            });
        }
        Ok(Registry { indicators })
    }

    pub fn get(&self, id: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"
[[indicator]]
id = "x"
name_zh = "某指标"
name_en = "Some indicator"
definition = "d"
unit = "%"
source = "trade"
owner = "jl-doc"
direction = "above"
thresholds = { yellow = 30, red = 50, orange = 40 }
basis = "b"
"#;

    #[test]
    fn levels_follow_the_thresholds_in_both_directions() {
        let r = Registry::from_toml_str("t.toml", ONE).unwrap();
        let i = r.get("x").unwrap();
        assert_eq!(i.classify(29.9), (Level::Normal, None));
        assert_eq!(i.classify(30.0), (Level::Yellow, Some(30.0)));
        assert_eq!(i.classify(45.0), (Level::Orange, Some(40.0)));
        assert_eq!(i.classify(99.0), (Level::Red, Some(50.0)));
        assert_eq!(i.classify(f64::NAN), (Level::Normal, None));
        assert_eq!(i.rules[0].zh, "≥ 30 %：黄色");
        assert_eq!(i.rules[2].en, "≥ 50 %: red");

        let below = ONE.replace("\"above\"", "\"below\"").replace(
            "{ yellow = 30, red = 50, orange = 40 }",
            "{ blue = -5, yellow = -10, red = -30 }",
        );
        let r = Registry::from_toml_str("t.toml", &below).unwrap();
        let i = r.get("x").unwrap();
        assert_eq!(i.classify(0.0).0, Level::Normal);
        assert_eq!(i.classify(-5.0).0, Level::Blue);
        assert_eq!(i.classify(-12.0).0, Level::Yellow);
        assert_eq!(i.classify(-31.0), (Level::Red, Some(-30.0)));
    }

    #[test]
    fn a_bad_indicator_is_named_with_its_field() {
        let e = Registry::from_toml_str("t.toml", &ONE.replace("red = 50", "red = 35"))
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "t.toml, indicator \"x\", field thresholds: red (35) must lie above orange (40)"
            ),
            "{e}"
        );
        let e = Registry::from_toml_str("t.toml", &ONE.replace("yellow = 30", "amber = 30"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("\"amber\" is not a level"), "{e}");
        let twice = format!("{ONE}{ONE}");
        let e = Registry::from_toml_str("t.toml", &twice)
            .unwrap_err()
            .to_string();
        assert!(e.contains("field id"), "{e}");
        let e = Registry::from_toml_str(
            "t.toml",
            &ONE.replace("source = \"trade\"", "source = \"weather\""),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("t.toml: "), "{e}");
    }

    #[test]
    fn the_shipped_registry_loads_with_trade_and_governance_indicators() {
        let r = Registry::default_registry().unwrap();
        for s in [Source::Trade, Source::Governance] {
            assert!(r.indicators.iter().any(|i| i.source == s), "{s:?}");
        }
    }
}
