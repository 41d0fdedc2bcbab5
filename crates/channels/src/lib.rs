//! Open channels: the multimodal freight network with its border crossings, routing over
//! it, and scenarios. A pure library: no HTTP, no SQL, no async; the server and the CLI are
//! two thin faces over the same calls.
//!
//! One module per concept of the domain, named so a transport modeller knows where to look:
//!
//! | module | what |
//! |---|---|
//! | [`geo`] | positions, great-circle distances |
//! | [`passage`] | maritime passages (Suez, Panama, Malacca, ...) a query may avoid |
//! | [`graph`] | the network as a compact CSR graph |
//! | [`snap`] | snapping positions to the nearest node |
//! | [`search`] | exact shortest paths (A* with landmark bounds), blocking passages per query |
//! | [`sea`] | the sea-lane network, ports, sea routes |
//! | [`model`] | node kinds, link modes, cargo classes, customs regimes, status |
//! | [`network`] | the multimodal network: nodes, links, adjacency, place look-up |
//! | [`costing`] | a shipment, and the charges, time, CO2 and generalized cost of a link for it |
//! | [`routing`] | best route, corridor alternatives, Pareto set, what blocks an unreachable one |
//! | [`scenario`] | named edit sets applied as an overlay |
//! | [`query`] | a route request as typed (names, amounts, avoid lists) and its answer; what the faces call |
//! | [`defaults`] | the default network of `data/channels`, embedded |
//! | [`formats`] | GMNS-style CSV, GeoJSON, sea lanes: in (and out), with validation (TNTP lives with assignment, in `kaifang-assign`) |
//!
//! A sea route, end to end:
//!
//! ```no_run
//! use kaifang_channels::{formats, passage::{Passage, PassageSet}, sea, search::SearchSpace};
//! # fn main() -> Result<(), kaifang_channels::Error> {
//! let (net, ports) = formats::sea::load(
//!     "marnet_searoute.geojson".as_ref(),
//!     "ports.geojson".as_ref(),
//! )?;
//! let (from, to) = (ports.find("CNSHA"), ports.find("NLRTM"));
//! # let (Some(from), Some(to)) = (from, to) else { return Ok(()) };
//! let query = sea::SeaQuery::new(from.position, to.position)
//!     .avoiding(PassageSet::ARCTIC.with(Passage::Suez));
//! let route = sea::route(&net, &query, &mut SearchSpace::new())?;
//! println!("{:.0} km via {}", route.total_km(), route.passages);
//! # Ok(()) }
//! ```

pub mod costing;
pub mod defaults;
pub mod error;
pub mod formats;
pub mod geo;
pub mod graph;
pub mod model;
pub mod network;
pub mod passage;
pub mod query;
pub mod routing;
pub mod scenario;
pub mod sea;
pub mod search;
pub mod snap;

pub use error::{Blockage, Error, Unreachable};
