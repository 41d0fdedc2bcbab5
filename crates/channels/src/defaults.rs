//! The default network: `data/channels` (nodes, links, scenarios) embedded in the library,
//! so every face answers with the same data and a deployment needs no files.

use crate::error::Error;
use crate::formats::gmns;
use crate::network::Network;
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
