//! The pipeline's figures as a commerce department reports them: investment signed (签约额)
//! and funds arrived (到位资金) in the year to date, against the same months of the year
//! before, by city, zone, industry, source country and month; how many projects get from each
//! stage to the next (conversion), and how long they stay in each.
//!
//! Amounts are in 万元 (ten thousand yuan) of CNY; the caller converts other currencies before
//! (the use-case layer, at the year's average rate, saying which it used). A project counts as
//! signed in the month it reached [`Stage::Signed`] — or a later stage passed over it — and its
//! funds in the month they arrived.

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Date, Month};

use crate::pipeline::Stage;

/// What the figures need to know of one project.
#[derive(Debug, Clone)]
pub struct ProjectFacts {
    pub city: String,
    pub zone: Option<String>,
    /// The GB/T 4754 division (two digits), or the section letter when only that is known.
    pub industry: String,
    /// ISO 3166-1 alpha-2 of the investor; `CN` for a domestic investor.
    pub country: String,
    pub foreign: bool,
    /// The investment agreed, 万元 CNY.
    pub amount: f64,
    /// Funds arrived, 万元 CNY, once they have.
    pub arrived: Option<f64>,
    /// The day each stage was reached (stages passed over included); `Dropped` when dropped.
    pub reached: BTreeMap<Stage, Date>,
}

/// The period: January to `month` of `year`, against the same months of the year before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub year: i32,
    pub month: Month,
}

impl Period {
    pub fn new(year: i32, month: u8) -> Option<Period> {
        let month = Month::try_from(month).ok()?;
        (1990..=2100)
            .contains(&year)
            .then_some(Period { year, month })
    }

    fn end(self, year: i32) -> Date {
        let first = Date::from_calendar_date(year, self.month, 1).unwrap_or(Date::MIN);
        first
            .replace_day(first.month().length(year))
            .unwrap_or(first)
    }

    /// Which year of the comparison `d` falls in: this one, the one before, or neither.
    fn side(self, d: Date) -> Option<Side> {
        let in_span = |y: i32| d.year() == y && d <= self.end(y);
        if in_span(self.year) {
            Some(Side::Now)
        } else if in_span(self.year - 1) {
            Some(Side::Before)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Now,
    Before,
}

/// Signed and arrived figures of one group (a city, a zone, an industry, a country, a month).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Figures {
    /// Projects signed in the period.
    pub signed_projects: u32,
    /// Investment signed in the period, 万元.
    pub signed: f64,
    /// The same months of the year before.
    pub signed_before: f64,
    /// Year-on-year change of `signed`, percent; none when the year before had none.
    pub signed_yoy: Option<f64>,
    /// Funds arrived in the period, 万元.
    pub arrived: f64,
    pub arrived_before: f64,
    pub arrived_yoy: Option<f64>,
}

impl Figures {
    fn add(&mut self, f: &ProjectFacts, signed: Option<Side>, arrived: Option<Side>) {
        match signed {
            Some(Side::Now) => {
                self.signed_projects += 1;
                self.signed += f.amount;
            }
            Some(Side::Before) => self.signed_before += f.amount,
            None => {}
        }
        let a = f.arrived.unwrap_or(0.0);
        match arrived {
            Some(Side::Now) => self.arrived += a,
            Some(Side::Before) => self.arrived_before += a,
            None => {}
        }
    }

    fn finish(&mut self) {
        self.signed_yoy = yoy(self.signed, self.signed_before);
        self.arrived_yoy = yoy(self.arrived, self.arrived_before);
    }

    fn is_empty(&self) -> bool {
        self.signed == 0.0
            && self.signed_before == 0.0
            && self.arrived == 0.0
            && self.arrived_before == 0.0
            && self.signed_projects == 0
    }
}

fn yoy(now: f64, before: f64) -> Option<f64> {
    (before > 0.0).then(|| (now / before - 1.0) * 100.0)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Group {
    /// The city's or zone's organisation code, the industry code, the country's ISO code, or
    /// the month (`YYYY-MM`).
    pub key: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// From one stage to the next: of the projects that reached `from`, how many reached `to`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Conversion {
    pub from: Stage,
    pub to: Stage,
    pub reached_from: u32,
    pub reached_to: u32,
    /// Dropped while at `from`.
    pub dropped: u32,
    /// `reached_to / reached_from`, percent; none when no project reached `from`.
    pub rate: Option<f64>,
}

/// How long projects stay in a stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct StageTime {
    pub stage: Stage,
    /// Projects that left the stage (moved on or were dropped) by the period's end.
    pub left: u32,
    /// Days between reaching and leaving the stage, of those that left: median and mean.
    pub median_days: Option<f64>,
    pub mean_days: Option<f64>,
    /// Projects still in the stage at the period's end, and the median of their days in it.
    pub still_in: u32,
    pub still_in_median_days: Option<f64>,
}

/// The pipeline's figures for one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct Stats {
    pub year: i32,
    /// The last month of the period (1–12).
    pub month: u8,
    pub total: Figures,
    /// Foreign-funded projects alone (外资).
    pub foreign: Figures,
    pub by_city: Vec<Group>,
    pub by_zone: Vec<Group>,
    pub by_industry: Vec<Group>,
    pub by_country: Vec<Group>,
    /// Each month of the period, against the same month of the year before.
    pub by_month: Vec<Group>,
    /// Projects at each stage at the period's end (those that existed by then).
    pub at_stage: Vec<StageCount>,
    pub conversion: Vec<Conversion>,
    pub time_in_stage: Vec<StageTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(utoipa::ToSchema))]
pub struct StageCount {
    pub stage: Stage,
    pub projects: u32,
}

/// The day a project reached a stage, or a later forward stage (passing over it).
fn signed_on(f: &ProjectFacts) -> Option<Date> {
    f.reached.get(&Stage::Signed).copied()
}

/// The figures of `projects` for `period`.
pub fn stats(projects: &[ProjectFacts], period: Period) -> Stats {
    let mut total = Figures::default();
    let mut foreign = Figures::default();
    let mut by: [BTreeMap<String, Figures>; 4] = Default::default();
    let mut months: BTreeMap<u8, Figures> = (1..=u8::from(period.month))
        .map(|m| (m, Figures::default()))
        .collect();
    for f in projects {
        let signed = signed_on(f).and_then(|d| period.side(d));
        let arrived = f
            .reached
            .get(&Stage::FundsArrived)
            .and_then(|d| period.side(*d));
        if signed.is_none() && arrived.is_none() {
            continue;
        }
        total.add(f, signed, arrived);
        if f.foreign {
            foreign.add(f, signed, arrived);
        }
        let keys = [
            Some(&f.city),
            f.zone.as_ref(),
            Some(&f.industry),
            Some(&f.country),
        ];
        for (map, key) in by.iter_mut().zip(keys) {
            if let Some(k) = key {
                map.entry(k.clone()).or_default().add(f, signed, arrived);
            }
        }
        // Each month takes what was signed and arrived in that month of either year.
        let mut month_of = |d: Option<Date>, signed_part: bool| {
            let Some(d) = d else { return };
            let Some(side) = period.side(d) else { return };
            let Some(m) = months.get_mut(&u8::from(d.month())) else {
                return;
            };
            if signed_part {
                m.add(f, Some(side), None);
            } else {
                m.add(f, None, Some(side));
            }
        };
        month_of(signed_on(f), true);
        month_of(f.reached.get(&Stage::FundsArrived).copied(), false);
    }
    total.finish();
    foreign.finish();
    let [city, zone, industry, country] = by.map(groups);
    let by_month = months
        .into_iter()
        .map(|(m, mut figures)| {
            figures.finish();
            Group {
                key: format!("{}-{m:02}", period.year),
                figures,
            }
        })
        .collect();
    let end = period.end(period.year);
    Stats {
        year: period.year,
        month: u8::from(period.month),
        total,
        foreign,
        by_city: city,
        by_zone: zone,
        by_industry: industry,
        by_country: country,
        by_month,
        at_stage: at_stage(projects, end),
        conversion: conversion(projects, end),
        time_in_stage: time_in_stage(projects, end),
    }
}

/// Groups with anything in either year, the largest signed first (then arrived, then key).
fn groups(map: BTreeMap<String, Figures>) -> Vec<Group> {
    let mut out: Vec<Group> = map
        .into_iter()
        .filter(|(_, f)| !f.is_empty())
        .map(|(key, mut figures)| {
            figures.finish();
            Group { key, figures }
        })
        .collect();
    out.sort_by(|a, b| {
        b.figures
            .signed
            .total_cmp(&a.figures.signed)
            .then(b.figures.arrived.total_cmp(&a.figures.arrived))
            .then(a.key.cmp(&b.key))
    });
    out
}

/// The stage a project was at on `end`, if it existed then.
fn stage_on(f: &ProjectFacts, end: Date) -> Option<Stage> {
    f.reached
        .iter()
        .filter(|(_, d)| **d <= end)
        .max_by_key(|(s, d)| (**d, s.rank().unwrap_or(usize::MAX)))
        .map(|(s, _)| *s)
}

fn at_stage(projects: &[ProjectFacts], end: Date) -> Vec<StageCount> {
    let mut counts: BTreeMap<Stage, u32> = Stage::ALL.into_iter().map(|s| (s, 0)).collect();
    for s in projects.iter().filter_map(|f| stage_on(f, end)) {
        *counts.entry(s).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(stage, projects)| StageCount { stage, projects })
        .collect()
}

fn conversion(projects: &[ProjectFacts], end: Date) -> Vec<Conversion> {
    Stage::FORWARD
        .windows(2)
        .map(|w| {
            let (from, to) = (w[0], w[1]);
            let by_end = |f: &ProjectFacts, s: Stage| f.reached.get(&s).is_some_and(|d| *d <= end);
            let reached_from = projects.iter().filter(|f| by_end(f, from)).count() as u32;
            let reached_to = projects.iter().filter(|f| by_end(f, to)).count() as u32;
            let dropped = projects
                .iter()
                .filter(|f| by_end(f, Stage::Dropped) && stage_before_drop(f) == Some(from))
                .count() as u32;
            Conversion {
                from,
                to,
                reached_from,
                reached_to,
                dropped,
                rate: (reached_from > 0)
                    .then(|| f64::from(reached_to) / f64::from(reached_from) * 100.0),
            }
        })
        .collect()
}

/// The last forward stage a dropped project had reached.
fn stage_before_drop(f: &ProjectFacts) -> Option<Stage> {
    f.reached
        .keys()
        .filter(|s| s.rank().is_some())
        .max()
        .copied()
}

fn time_in_stage(projects: &[ProjectFacts], end: Date) -> Vec<StageTime> {
    Stage::FORWARD[..Stage::FORWARD.len() - 1]
        .iter()
        .map(|&stage| {
            let mut left = Vec::new();
            let mut still = Vec::new();
            for f in projects {
                let Some(&since) = f.reached.get(&stage).filter(|d| **d <= end) else {
                    continue;
                };
                // It left the stage on the first later event by the period's end: the next
                // forward stage it reached, or its drop.
                let out = f
                    .reached
                    .iter()
                    .filter(|(s, d)| {
                        **d <= end && (s.rank() > stage.rank() || **s == Stage::Dropped)
                    })
                    .map(|(_, d)| *d)
                    .min();
                match out {
                    Some(d) => left.push((d - since).whole_days() as f64),
                    None => still.push((end - since).whole_days() as f64),
                }
            }
            StageTime {
                stage,
                left: left.len() as u32,
                median_days: median(&mut left),
                mean_days: (!left.is_empty()).then(|| left.iter().sum::<f64>() / left.len() as f64),
                still_in: still.len() as u32,
                still_in_median_days: median(&mut still),
            }
        })
        .collect()
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn project(city: &str, country: &str, amount: f64, steps: &[(Stage, Date)]) -> ProjectFacts {
        ProjectFacts {
            city: city.into(),
            zone: None,
            industry: "36".into(),
            country: country.into(),
            foreign: country != "CN",
            amount,
            arrived: steps
                .iter()
                .any(|(s, _)| *s == Stage::FundsArrived)
                .then_some(amount / 2.0),
            reached: steps.iter().copied().collect(),
        }
    }

    fn sample() -> Vec<ProjectFacts> {
        use Stage::*;
        vec![
            // Signed in March 2025, funds in May 2025.
            project(
                "cc",
                "DE",
                1000.0,
                &[
                    (Lead, date!(2025 - 01 - 05)),
                    (Negotiating, date!(2025 - 02 - 01)),
                    (Signed, date!(2025 - 03 - 10)),
                    (Registered, date!(2025 - 05 - 20)),
                    (Construction, date!(2025 - 05 - 20)),
                    (FundsArrived, date!(2025 - 05 - 20)),
                ],
            ),
            // Signed in February 2024: the year before.
            project(
                "cc",
                "CN",
                400.0,
                &[
                    (Lead, date!(2023 - 11 - 01)),
                    (Signed, date!(2024 - 02 - 15)),
                    (Registered, date!(2024 - 02 - 15)),
                ],
            ),
            // Signed in July 2025: after the period (through June).
            project(
                "jl",
                "KR",
                300.0,
                &[
                    (Lead, date!(2025 - 01 - 01)),
                    (Signed, date!(2025 - 07 - 01)),
                ],
            ),
            // Dropped while negotiating.
            project(
                "jl",
                "RU",
                900.0,
                &[
                    (Lead, date!(2025 - 01 - 01)),
                    (Negotiating, date!(2025 - 01 - 11)),
                    (Dropped, date!(2025 - 04 - 01)),
                ],
            ),
        ]
    }

    #[test]
    fn signed_and_arrived_against_the_year_before_by_hand() {
        let s = stats(&sample(), Period::new(2025, 6).unwrap());
        assert_eq!(s.total.signed_projects, 1);
        assert_eq!(s.total.signed, 1000.0);
        assert_eq!(s.total.signed_before, 400.0);
        assert_eq!(s.total.signed_yoy, Some(150.0));
        assert_eq!(s.total.arrived, 500.0);
        assert_eq!(s.total.arrived_yoy, None);
        assert_eq!(s.foreign.signed, 1000.0);
        assert_eq!(s.foreign.signed_before, 0.0);
        assert_eq!(s.by_city.len(), 1, "jl signed nothing in either period");
        assert_eq!(s.by_city[0].key, "cc");
        assert_eq!(
            s.by_country
                .iter()
                .map(|g| g.key.as_str())
                .collect::<Vec<_>>(),
            ["DE", "CN"]
        );
        assert_eq!(s.by_month.len(), 6);
        assert_eq!(s.by_month[1].figures.signed_before, 400.0); // February
        assert_eq!(s.by_month[2].figures.signed, 1000.0); // March
        assert_eq!(s.by_month[4].figures.arrived, 500.0); // May
        assert_eq!(
            s.by_month.iter().map(|m| m.figures.signed).sum::<f64>(),
            s.total.signed
        );
    }

    #[test]
    fn conversion_counts_stages_passed_over_and_drops() {
        let s = stats(&sample(), Period::new(2025, 6).unwrap());
        let c = |from: Stage| s.conversion.iter().find(|c| c.from == from).unwrap();
        // Lead: all four; negotiating: the first and the dropped one (the second passed over
        // negotiating without recording it, so it does not count as having negotiated).
        assert_eq!(c(Stage::Lead).reached_from, 4);
        assert_eq!(c(Stage::Lead).reached_to, 2);
        assert_eq!(c(Stage::Lead).rate, Some(50.0));
        assert_eq!(c(Stage::Negotiating).dropped, 1);
        // By the end of June the July signing has not happened.
        assert_eq!(c(Stage::Negotiating).reached_to, 2);
        let at = |st: Stage| s.at_stage.iter().find(|c| c.stage == st).unwrap().projects;
        assert_eq!(at(Stage::FundsArrived), 1);
        assert_eq!(at(Stage::Registered), 1);
        assert_eq!(at(Stage::Lead), 1);
        assert_eq!(at(Stage::Dropped), 1);
    }

    #[test]
    fn time_in_stage_by_hand() {
        let s = stats(&sample(), Period::new(2025, 6).unwrap());
        let t = |st: Stage| s.time_in_stage.iter().find(|t| t.stage == st).unwrap();
        // Negotiating: 2025-02-01 → 03-10 (37 days) and 01-11 → 04-01 dropped (80 days).
        assert_eq!(t(Stage::Negotiating).left, 2);
        assert_eq!(t(Stage::Negotiating).median_days, Some(58.5));
        // Lead: the July project is still a lead at the end of June (2025-01-01 → 06-30).
        assert_eq!(t(Stage::Lead).still_in, 1);
        assert_eq!(t(Stage::Lead).still_in_median_days, Some(180.0));
    }

    #[test]
    fn periods_are_bounded() {
        assert!(Period::new(2025, 0).is_none());
        assert!(Period::new(2025, 13).is_none());
        assert!(Period::new(3000, 1).is_none());
        let p = Period::new(2024, 2).unwrap();
        assert_eq!(p.end(2024), date!(2024 - 02 - 29));
        assert_eq!(p.end(2023), date!(2023 - 02 - 28));
    }
}
