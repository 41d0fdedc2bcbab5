//! Levels of warning and one measured value with its level.

use serde::{Deserialize, Serialize};

/// How serious a value is. Ordered: `Normal < Blue < Yellow < Orange < Red`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Below every threshold.
    Normal,
    /// 蓝色: watch.
    Blue,
    /// 黄色: warning.
    Yellow,
    /// 橙色: serious.
    Orange,
    /// 红色: alert; may become a supervision task.
    Red,
}

impl Level {
    pub const WARNINGS: [Level; 4] = [Level::Blue, Level::Yellow, Level::Orange, Level::Red];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Normal => "normal",
            Level::Blue => "blue",
            Level::Yellow => "yellow",
            Level::Orange => "orange",
            Level::Red => "red",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Level::Normal => "正常",
            Level::Blue => "蓝色",
            Level::Yellow => "黄色",
            Level::Orange => "橙色",
            Level::Red => "红色",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        [Level::Normal]
            .into_iter()
            .chain(Level::WARNINGS)
            .find(|l| l.as_str() == s)
    }
}

/// One indicator's value for one subject (the province, a partner, a department) and period,
/// with the level its thresholds give.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Reading {
    /// The indicator's id in the registry.
    pub indicator: String,
    /// What the value is about: `province`, `partner:344`, `org:jl-doc`, ...
    pub subject: String,
    pub subject_zh: String,
    pub subject_en: String,
    /// `2025-06`: the trade month, or for figures of a day (overdue tasks) its month.
    pub period: String,
    pub value: f64,
    pub level: Level,
    /// The threshold the value reached, when it reached one.
    pub threshold: Option<f64>,
    /// The value comes from synthetic demo data.
    pub synthetic: bool,
}
