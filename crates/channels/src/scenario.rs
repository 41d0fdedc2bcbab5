//! Scenarios: named sets of edits to the network — close or open a node or a link, change a
//! tariff, a time, a frequency or a capacity, open the planned links of a candidate project —
//! kept as an overlay. The network is never copied or changed: a query under a scenario asks
//! the overlay first and the network second, so any number of scenarios share one network.
//!
//! Scenarios are written in TOML:
//!
//! ```toml
//! [[scenario]]
//! name = "dprk-closed"
//! description = "Every crossing to the DPRK closed"
//! edits = [
//!   { close_crossings = "KP" },
//!   { close = "hunchun-kraskino-road" },
//!   { open_project = "tumen-outlet" },
//!   { link = "zarubino-busan-sea", tariff_per_teu = 4200, hours = 40 },
//! ]
//! ```

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use crate::error::Error;
use crate::model::{Country, Hours, Link, Status, Tariff};
use crate::network::Network;

/// Changes to one link's figures.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LinkEdit {
    pub hours: Option<f64>,
    pub tariff: Option<Tariff>,
    pub departures_per_week: Option<f64>,
    pub capacity_per_week: Option<f64>,
}

/// A named overlay over one network.
#[derive(Debug, Clone, Default)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    node_status: HashMap<u32, Status>,
    link_status: HashMap<u32, Status>,
    link_edits: HashMap<u32, LinkEdit>,
    open_projects: HashSet<String>,
}

impl Scenario {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            ..Self::default()
        }
    }

    pub fn close_node(&mut self, i: u32) {
        self.node_status.insert(i, Status::Closed);
    }

    pub fn open_node(&mut self, i: u32) {
        self.node_status.insert(i, Status::Open);
    }

    pub fn close_link(&mut self, i: u32) {
        self.link_status.insert(i, Status::Closed);
    }

    pub fn open_link(&mut self, i: u32) {
        self.link_status.insert(i, Status::Open);
    }

    /// Opens every link planned under `project`.
    pub fn open_project(&mut self, project: &str) {
        self.open_projects.insert(project.to_string());
    }

    pub fn edit_link(&mut self, i: u32, edit: LinkEdit) {
        let e = self.link_edits.entry(i).or_default();
        e.hours = edit.hours.or(e.hours);
        e.tariff = edit.tariff.or(e.tariff);
        e.departures_per_week = edit.departures_per_week.or(e.departures_per_week);
        e.capacity_per_week = edit.capacity_per_week.or(e.capacity_per_week);
    }

    pub fn node_status(&self, i: u32) -> Option<&Status> {
        self.node_status.get(&i)
    }

    /// The link's status under this scenario, when the scenario changes it.
    pub fn link_status(&self, i: u32, link: &Link) -> Option<&Status> {
        if let Some(s) = self.link_status.get(&i) {
            return Some(s);
        }
        match &link.status {
            Status::Planned { project } if self.open_projects.contains(project) => {
                Some(&Status::Open)
            }
            _ => None,
        }
    }

    pub fn link_edit(&self, i: u32) -> Option<&LinkEdit> {
        self.link_edits.get(&i)
    }

    /// Adds `other`'s edits to this scenario (the other's win where both change the same
    /// element), for evaluating several projects together.
    pub fn merge(&mut self, other: &Scenario) {
        self.node_status
            .extend(other.node_status.iter().map(|(k, v)| (*k, v.clone())));
        self.link_status
            .extend(other.link_status.iter().map(|(k, v)| (*k, v.clone())));
        for (&i, &e) in &other.link_edits {
            self.edit_link(i, e);
        }
        self.open_projects
            .extend(other.open_projects.iter().cloned());
    }

    /// Number of edits, for listings.
    pub fn edit_count(&self) -> usize {
        self.node_status.len()
            + self.link_status.len()
            + self.link_edits.len()
            + self.open_projects.len()
    }
}

/// A scenario of `scenarios` by name; `base` (or `None`) is the network as it is. An unknown
/// name is an error listing the known ones.
pub fn find<'s>(
    scenarios: &'s [Scenario],
    name: Option<&str>,
) -> Result<Option<&'s Scenario>, Error> {
    let Some(name) = name.filter(|n| *n != "base") else {
        return Ok(None);
    };
    scenarios
        .iter()
        .find(|s| s.name == name)
        .map(Some)
        .ok_or_else(|| {
            let known: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
            Error::Scenario {
                scenario: name.to_string(),
                message: format!("no such scenario (known: base, {})", known.join(", ")),
            }
        })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    #[serde(default)]
    scenario: Vec<RawScenario>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    edits: Vec<RawEdit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEdit {
    close: Option<String>,
    open: Option<String>,
    close_crossings: Option<String>,
    open_project: Option<String>,
    link: Option<String>,
    hours: Option<f64>,
    tariff_per_teu: Option<f64>,
    tariff_per_tonne: Option<f64>,
    tariff_fixed: Option<f64>,
    departures_per_week: Option<f64>,
    capacity_per_week: Option<f64>,
}

/// Reads scenarios from TOML text and resolves their ids against `net`; errors name the
/// file, the scenario and the edit.
pub fn parse(file: &str, text: &str, net: &Network) -> Result<Vec<Scenario>, Error> {
    let doc: FileDoc = toml::from_str(text).map_err(|e| Error::File {
        file: file.to_string(),
        message: e.to_string(),
    })?;
    let mut seen = HashSet::new();
    doc.scenario
        .into_iter()
        .map(|raw| {
            if !seen.insert(raw.name.clone()) {
                return Err(Error::Scenario {
                    scenario: raw.name,
                    message: format!("{file}: defined twice"),
                });
            }
            resolve(file, raw, net)
        })
        .collect()
}

fn resolve(file: &str, raw: RawScenario, net: &Network) -> Result<Scenario, Error> {
    let mut sc = Scenario::new(&raw.name);
    sc.description = raw.description;
    for (k, e) in raw.edits.into_iter().enumerate() {
        let bad = |m: String| Error::Scenario {
            scenario: raw.name.clone(),
            message: format!("{file}, edit {}: {m}", k + 1),
        };
        let non_negative = |v: Option<f64>, what: &str| match v {
            Some(x) if !(x.is_finite() && x >= 0.0) => {
                Err(bad(format!("{what} must be a non-negative number")))
            }
            _ => Ok(v),
        };
        if let Some(id) = &e.close {
            match (net.node_index(id), net.link_index(id)) {
                (Some(n), _) => sc.close_node(n),
                (None, Some(l)) => sc.close_link(l),
                _ => return Err(bad(format!("no node or link {id:?}"))),
            }
        } else if let Some(id) = &e.open {
            match (net.node_index(id), net.link_index(id)) {
                (Some(n), _) => sc.open_node(n),
                (None, Some(l)) => sc.open_link(l),
                _ => return Err(bad(format!("no node or link {id:?}"))),
            }
        } else if let Some(c) = &e.close_crossings {
            let c: Country = c.parse().map_err(bad)?;
            let mut any = false;
            for (i, n) in net.nodes().iter().enumerate() {
                if n.kind.crossing().is_some_and(|x| x.touches(c)) {
                    sc.close_node(i as u32);
                    any = true;
                }
            }
            if !any {
                return Err(bad(format!("no border crossing touches {c}")));
            }
        } else if let Some(p) = &e.open_project {
            let known = net
                .links()
                .iter()
                .any(|l| matches!(&l.status, Status::Planned { project } if project == p));
            if !known {
                return Err(bad(format!("no link is planned under project {p:?}")));
            }
            sc.open_project(p);
        } else if let Some(id) = &e.link {
            let l = net
                .link_index(id)
                .ok_or_else(|| bad(format!("no link {id:?}")))?;
            let base = net.link(l).tariff;
            let (teu, tonne, fixed) = (
                non_negative(e.tariff_per_teu, "tariff_per_teu")?,
                non_negative(e.tariff_per_tonne, "tariff_per_tonne")?,
                non_negative(e.tariff_fixed, "tariff_fixed")?,
            );
            let tariff = (teu.is_some() || tonne.is_some() || fixed.is_some()).then(|| Tariff {
                per_teu: teu.unwrap_or(base.per_teu),
                per_tonne: tonne.unwrap_or(base.per_tonne),
                fixed: fixed.unwrap_or(base.fixed),
            });
            let hours = non_negative(e.hours, "hours")?;
            if let Some(h) = hours {
                Hours::new(h).ok_or_else(|| bad("hours must be non-negative".into()))?;
            }
            let departures = non_negative(e.departures_per_week, "departures_per_week")?;
            if departures == Some(0.0) {
                return Err(bad(
                    "departures_per_week must be positive (close the link instead)".into(),
                ));
            }
            sc.edit_link(
                l,
                LinkEdit {
                    hours,
                    tariff,
                    departures_per_week: departures,
                    capacity_per_week: non_negative(e.capacity_per_week, "capacity_per_week")?,
                },
            );
        } else {
            return Err(bad(
                "an edit needs one of close, open, close_crossings, open_project or link".into(),
            ));
        }
    }
    Ok(sc)
}
