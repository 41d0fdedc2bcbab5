//! The default network: `data/channels` (nodes, links, scenarios) embedded in the library,
//! so every face answers with the same data and a deployment needs no files.

use crate::error::Error;
use crate::formats::gmns;
use crate::network::Network;
use crate::query::{self, Comparison, RouteAnswer, RouteRequest};
use crate::scenario::{self, Scenario};

pub const NODES_FILE: &str = "data/channels/nodes.csv";
pub const LINKS_FILE: &str = "data/channels/links.csv";
pub const SCENARIOS_FILE: &str = "data/channels/scenarios.toml";

pub const NODES: &str = include_str!("../../../data/channels/nodes.csv");
pub const LINKS: &str = include_str!("../../../data/channels/links.csv");
pub const SCENARIOS: &str = include_str!("../../../data/channels/scenarios.toml");

/// The default network.
pub fn network() -> Result<Network, Error> {
    gmns::parse(NODES_FILE, NODES, LINKS_FILE, LINKS)
}

/// The default scenarios, resolved against `net`.
pub fn scenarios(net: &Network) -> Result<Vec<Scenario>, Error> {
    scenario::parse(SCENARIOS_FILE, SCENARIOS, net)
}

/// A network with its scenarios: what a server keeps loaded, and what a request names a
/// scenario of.
#[derive(Debug, Clone)]
pub struct Channels {
    pub network: Network,
    pub scenarios: Vec<Scenario>,
}

impl Channels {
    /// The default network and scenarios.
    pub fn load() -> Result<Channels, Error> {
        let network = network()?;
        let scenarios = scenarios(&network)?;
        Ok(Channels { network, scenarios })
    }

    /// A scenario by name; `base` (or `None`) is the network as it is.
    pub fn scenario(&self, name: Option<&str>) -> Result<Option<&Scenario>, Error> {
        scenario::find(&self.scenarios, name)
    }

    /// Routes a request under the scenario it names.
    pub fn plan(&self, req: &RouteRequest) -> Result<RouteAnswer, Error> {
        query::plan(&self.network, self.scenario(req.scenario.as_deref())?, req)
    }

    /// The request's best route under its scenario and under `other`.
    pub fn compare(&self, req: &RouteRequest, other: &str) -> Result<Comparison, Error> {
        let a = self.scenario(req.scenario.as_deref())?;
        let b = self.scenario(Some(other))?;
        query::compare(&self.network, a, b, req)
    }
}
