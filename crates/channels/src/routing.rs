//! Route choice on the multimodal network for one shipment: the best route in generalized
//! cost, alternatives that take other corridors, the Pareto set over charges, time and CO2,
//! and, when nothing gets through, what blocks.
//!
//! The network has hundreds of nodes, so every answer is a handful of Dijkstra runs whose
//! arc costs are computed on the fly from the shipment and the scenario overlay: nothing is
//! precomputed that a scenario could invalidate.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

use serde::Serialize;

use crate::costing::{Costing, Rules, Shipment};
use crate::error::Error;
use crate::geo::{LonLat, unwrap_longitudes};
use crate::model::{Country, Mode, NodeKind, Regime};
use crate::network::{Arc, Network};
use crate::scenario::Scenario;

/// One leg: consecutive links of one mode, between gateways.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Leg {
    pub mode: Mode,
    pub from: String,
    pub to: String,
    pub km: f64,
    pub hours: f64,
    pub cost_cny: f64,
    pub co2_kg: f64,
    /// The links of the leg, by id.
    pub links: Vec<String>,
}

/// A border crossing a route passes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossingPassed {
    pub node: String,
    pub name: String,
    pub name_zh: String,
    pub countries: [String; 2],
    pub way: Mode,
    pub clearance_hours: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Totals {
    pub km: f64,
    pub hours: f64,
    pub cost_cny: f64,
    pub co2_kg: f64,
    /// Charges plus the money value of time, CO2 and unreliability: what the search minimises.
    pub generalized_cny: f64,
    pub wait_hours: f64,
    pub clearance_hours: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Route {
    pub legs: Vec<Leg>,
    pub total: Totals,
    pub border_crossings: Vec<CrossingPassed>,
    /// Node ids from origin to destination.
    pub nodes: Vec<String>,
    /// The line of the route, longitudes unwrapped to stay continuous.
    pub geometry: Vec<LonLat>,
    /// The crossings, seaports and airports passed: the corridor.
    pub corridor: Vec<String>,
}

/// Why no route exists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoRoute {
    pub from: String,
    pub to: String,
    /// Each restriction that, lifted alone, lets a route through, with the elements of that
    /// route it would otherwise forbid.
    pub blocked_by: Vec<Blocker>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Blocker {
    /// `status`, `avoided countries`, `avoided nodes`, `avoided passages`, `customs regime`,
    /// `modes and cargo class`, or `several restrictions together` when no single one blocks.
    pub restriction: &'static str,
    pub elements: Vec<String>,
}

impl std::fmt::Display for NoRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no route from {} to {}", self.from, self.to)?;
        if self.blocked_by.is_empty() {
            return write!(
                f,
                ": no link joins them even with every restriction lifted (disconnected network)"
            );
        }
        let parts: Vec<String> = self
            .blocked_by
            .iter()
            .map(|b| format!("{} ({})", b.restriction, b.elements.join(", ")))
            .collect();
        write!(f, "; blocked by: {}", parts.join("; "))
    }
}

impl std::error::Error for NoRoute {}

/// A route request on a network, optionally under a scenario.
pub struct Planner<'a> {
    pub net: &'a Network,
    pub shipment: &'a Shipment,
    pub scenario: Option<&'a Scenario>,
}

/// Elements a search must not use, on top of the shipment's own restrictions: how
/// alternatives are pushed onto other corridors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Forbidden {
    nodes: Vec<u32>,
}

impl<'a> Planner<'a> {
    pub fn new(net: &'a Network, shipment: &'a Shipment, scenario: Option<&'a Scenario>) -> Self {
        Self {
            net,
            shipment,
            scenario,
        }
    }

    /// Checks the shipment and that the ends exist and suit its regime.
    fn check(&self, from: u32, to: u32) -> Result<(), Error> {
        self.shipment.check()?;
        let n = self.net.nodes().len() as u32;
        if from >= n || to >= n {
            return Err(Error::InvalidQuery(format!(
                "node index out of range (the network has {n} nodes)"
            )));
        }
        // Domestic goods, and domestic-trade goods in transit abroad, start and end in China.
        if matches!(
            self.shipment.regime,
            Regime::Domestic | Regime::DomesticTransit
        ) {
            for v in [from, to] {
                let node = self.net.node(v);
                if node.country != Country::CN {
                    return Err(Error::InvalidQuery(format!(
                        "{} is in {}: a {} shipment starts and ends in China",
                        node.id, node.country, self.shipment.regime
                    )));
                }
            }
        }
        Ok(())
    }

    /// The best route, or [`Error::NoRoute`] explaining what blocks it.
    pub fn best(&self, from: u32, to: u32) -> Result<Route, Error> {
        self.check(from, to)?;
        let costing = Costing::new(self.shipment, self.scenario);
        match self.search(&costing, from, to, &Forbidden::default()) {
            Some(arcs) => Ok(self.assemble(&costing, from, &arcs)),
            None => Err(self.explain(from, to)),
        }
    }

    /// The best route and up to `k` alternatives through other corridors, best first.
    ///
    /// Alternatives are found as in Yen's k-shortest paths, but over corridors: for each
    /// route found, each of its gateways (border crossings, seaports, airports) is forbidden
    /// in turn, on top of what that route's own search forbade; the best of these candidates
    /// whose corridor differs from every route kept is the next alternative. A detour that
    /// keeps the same crossings and ports is therefore never an alternative.
    pub fn alternatives(&self, from: u32, to: u32, k: usize) -> Result<Vec<Route>, Error> {
        self.check(from, to)?;
        let costing = Costing::new(self.shipment, self.scenario);
        let Some(first) = self.search(&costing, from, to, &Forbidden::default()) else {
            return Err(self.explain(from, to));
        };
        let mut kept: Vec<(Vec<Arc>, Forbidden)> = vec![(first, Forbidden::default())];
        let mut corridors: HashSet<Vec<u32>> = HashSet::new();
        corridors.insert(self.corridor(from, &kept[0].0));
        let mut candidates: Vec<(f64, Vec<Arc>, Forbidden)> = Vec::new();
        let mut tried: HashSet<Vec<u32>> = HashSet::new();
        let mut expanded = 0;
        while kept.len() <= k {
            // Spawn candidates from routes not yet expanded.
            while expanded < kept.len() {
                let (arcs, forbidden) = kept[expanded].clone();
                expanded += 1;
                for g in self.corridor(from, &arcs) {
                    if g == from || g == to {
                        continue;
                    }
                    let mut f = forbidden.clone();
                    f.nodes.push(g);
                    f.nodes.sort_unstable();
                    f.nodes.dedup();
                    if !tried.insert(f.nodes.clone()) {
                        continue;
                    }
                    if let Some(p) = self.search(&costing, from, to, &f) {
                        let cost = self.generalized(&costing, from, &p);
                        candidates.push((cost, p, f));
                    }
                }
            }
            candidates.sort_by(|a, b| a.0.total_cmp(&b.0));
            let next = candidates
                .iter()
                .position(|(_, p, _)| !corridors.contains(&self.corridor(from, p)));
            let Some(i) = next else { break };
            let (_, p, f) = candidates.remove(i);
            corridors.insert(self.corridor(from, &p));
            kept.push((p, f));
        }
        Ok(kept
            .iter()
            .map(|(arcs, _)| self.assemble(&costing, from, arcs))
            .collect())
    }

    /// The Pareto set over charges, hours and CO2: every route that no other route beats on
    /// all three, thinned so that routes within [`PARETO_EPSILON`] of a cheaper one on all
    /// three are dropped. Sorted by generalized cost. Label-setting (Martins' algorithm) with at most
    /// `MAX_LABELS` labels per node, far above what the default network produces.
    pub fn pareto(&self, from: u32, to: u32) -> Result<Vec<Route>, Error> {
        self.pareto_within(from, to, PARETO_EPSILON)
    }

    /// The Pareto set thinned with a relative tolerance `epsilon` (0: the whole front).
    pub fn pareto_within(&self, from: u32, to: u32, epsilon: f64) -> Result<Vec<Route>, Error> {
        self.check(from, to)?;
        let costing = Costing::new(self.shipment, self.scenario);
        let net = self.net;
        if !costing.node_open(from, net.node(from)) || !costing.node_open(to, net.node(to)) {
            return Err(self.explain(from, to));
        }
        #[derive(Clone)]
        struct Label {
            node: u32,
            cost: [f64; 3],
            key: f64,
            parent: Option<usize>,
            arc: Option<Arc>,
        }
        let mut labels: Vec<Label> = vec![Label {
            node: from,
            cost: [0.0; 3],
            key: 0.0,
            parent: None,
            arc: None,
        }];
        let mut at: Vec<Vec<usize>> = vec![Vec::new(); net.nodes().len()];
        at[from as usize].push(0);
        let mut heap = BinaryHeap::new();
        heap.push(Entry::new(0.0, 0));
        let dominated = |a: &[f64; 3], b: &[f64; 3]| {
            // b dominates (or equals) a
            b.iter().zip(a).all(|(x, y)| x <= y)
        };
        let mut dead = vec![false; 1];
        while let Some(e) = heap.pop() {
            let li = e.node as usize;
            if dead[li] {
                continue;
            }
            let l = labels[li].clone();
            if l.node == to {
                continue;
            }
            for arc in net.out_arcs(l.node) {
                let Some(c) = costing.arc(arc, net.link(arc.link), net.node(arc.head)) else {
                    continue;
                };
                let cost = [
                    l.cost[0] + c.charges_cny,
                    l.cost[1] + c.hours,
                    l.cost[2] + c.co2_kg,
                ];
                let h = arc.head as usize;
                if at[h]
                    .iter()
                    .any(|&o| !dead[o] && dominated(&cost, &labels[o].cost))
                {
                    continue;
                }
                // Prune against labels already at the destination as well.
                if at[to as usize]
                    .iter()
                    .any(|&o| !dead[o] && dominated(&cost, &labels[o].cost))
                {
                    continue;
                }
                let live = at[h].iter().filter(|&&o| !dead[o]).count();
                if live >= MAX_LABELS {
                    continue;
                }
                for &o in &at[h] {
                    if !dead[o] && dominated(&labels[o].cost, &cost) {
                        dead[o] = true;
                    }
                }
                let key = l.key + c.generalized;
                labels.push(Label {
                    node: arc.head,
                    cost,
                    key,
                    parent: Some(li),
                    arc: Some(*arc),
                });
                dead.push(false);
                let id = labels.len() - 1;
                at[h].push(id);
                heap.push(Entry::new(key, id as u32));
            }
        }
        let mut routes: Vec<(f64, Route)> = at[to as usize]
            .iter()
            .filter(|&&o| !dead[o])
            .map(|&o| {
                let mut arcs = Vec::new();
                let mut cur = o;
                while let (Some(p), Some(a)) = (labels[cur].parent, labels[cur].arc) {
                    arcs.push(a);
                    cur = p;
                }
                arcs.reverse();
                (labels[o].key, self.assemble(&costing, from, &arcs))
            })
            .collect();
        if routes.is_empty() {
            return Err(self.explain(from, to));
        }
        routes.sort_by(|a, b| a.0.total_cmp(&b.0));
        // Thin the front: a route within epsilon of a cheaper kept route on all three
        // criteria is the same choice for a planner (a road instead of a rail feeder, a few
        // yuan apart), and listing it hides the real trade-offs.
        let mut kept: Vec<Route> = Vec::new();
        for (_, r) in routes {
            let near = |k: &Route| {
                let e = 1.0 + epsilon;
                k.total.cost_cny <= r.total.cost_cny * e
                    && k.total.hours <= r.total.hours * e
                    && k.total.co2_kg <= r.total.co2_kg * e
            };
            if !kept.iter().any(near) {
                kept.push(r);
            }
        }
        Ok(kept)
    }

    /// Dijkstra on generalized cost; the arcs of the cheapest path.
    fn search(
        &self,
        costing: &Costing,
        from: u32,
        to: u32,
        forbidden: &Forbidden,
    ) -> Option<Vec<Arc>> {
        let net = self.net;
        let n = net.nodes().len();
        if from as usize >= n || to as usize >= n {
            return None;
        }
        let usable = |v: u32| costing.node_open(v, net.node(v)) && !forbidden.nodes.contains(&v);
        if !usable(from) || !usable(to) {
            return None;
        }
        let mut dist = vec![f64::INFINITY; n];
        let mut parent: Vec<Option<Arc>> = vec![None; n];
        let mut heap = BinaryHeap::new();
        dist[from as usize] = 0.0;
        heap.push(Entry::new(0.0, from));
        while let Some(e) = heap.pop() {
            let u = e.node;
            if e.key() > dist[u as usize] {
                continue;
            }
            if u == to {
                break;
            }
            for arc in net.out_arcs(u) {
                if forbidden.nodes.contains(&arc.head) {
                    continue;
                }
                let Some(c) = costing.arc(arc, net.link(arc.link), net.node(arc.head)) else {
                    continue;
                };
                let nd = dist[u as usize] + c.generalized;
                if nd < dist[arc.head as usize] {
                    dist[arc.head as usize] = nd;
                    parent[arc.head as usize] = Some(*arc);
                    heap.push(Entry::new(nd, arc.head));
                }
            }
        }
        if !dist[to as usize].is_finite() {
            return None;
        }
        let mut arcs = Vec::new();
        let mut v = to;
        while v != from {
            let a = parent[v as usize]?;
            arcs.push(a);
            let l = net.link(a.link);
            v = if a.reversed { l.to } else { l.from };
        }
        arcs.reverse();
        Some(arcs)
    }

    fn generalized(&self, costing: &Costing, _from: u32, arcs: &[Arc]) -> f64 {
        arcs.iter()
            .filter_map(|a| costing.arc(a, self.net.link(a.link), self.net.node(a.head)))
            .map(|c| c.generalized)
            .sum()
    }

    /// The gateways a path passes, in order, origin and destination included when they are
    /// gateways themselves.
    fn corridor(&self, from: u32, arcs: &[Arc]) -> Vec<u32> {
        std::iter::once(from)
            .chain(arcs.iter().map(|a| a.head))
            .filter(|&v| self.net.node(v).kind.is_gateway())
            .collect()
    }

    fn assemble(&self, costing: &Costing, from: u32, arcs: &[Arc]) -> Route {
        let net = self.net;
        let mut legs: Vec<Leg> = Vec::new();
        let mut total = Totals::default();
        let mut crossings = Vec::new();
        let mut nodes = vec![net.node(from).id.clone()];
        let mut geometry: Vec<LonLat> = vec![net.node(from).position];
        let mut tail = from;
        for a in arcs {
            let link = net.link(a.link);
            let c = costing.arc(a, link, net.node(a.head)).unwrap_or_default();
            total.km += c.km;
            total.hours += c.hours;
            total.cost_cny += c.charges_cny;
            total.co2_kg += c.co2_kg;
            total.generalized_cny += c.generalized;
            total.wait_hours += c.wait_hours;
            total.clearance_hours += c.clearance_hours;
            let (tn, hn) = (net.node(tail), net.node(a.head));
            // A leg runs on while the mode stays the same; it ends at a gateway, so that
            // every crossing and port shows as a leg end.
            let joinable = legs
                .last()
                .is_some_and(|l: &Leg| l.mode == link.mode && !tn.kind.is_gateway());
            let last = if joinable { legs.last_mut() } else { None };
            if let Some(l) = last {
                l.to = hn.name.clone();
                l.km += c.km;
                l.hours += c.hours;
                l.cost_cny += c.charges_cny;
                l.co2_kg += c.co2_kg;
                l.links.push(link.id.clone());
            } else {
                legs.push(Leg {
                    mode: link.mode,
                    from: tn.name.clone(),
                    to: hn.name.clone(),
                    km: c.km,
                    hours: c.hours,
                    cost_cny: c.charges_cny,
                    co2_kg: c.co2_kg,
                    links: vec![link.id.clone()],
                });
            }
            if let NodeKind::BorderCrossing(x) = &hn.kind {
                crossings.push(CrossingPassed {
                    node: hn.id.clone(),
                    name: hn.name.clone(),
                    name_zh: hn.name_zh.clone(),
                    countries: [x.countries.0.to_string(), x.countries.1.to_string()],
                    way: x.way,
                    clearance_hours: x.clearance_hours,
                });
            }
            let mut line = link.geometry.clone();
            if line.is_empty() {
                line = vec![tn.position, hn.position];
            } else if a.reversed {
                line.reverse();
            }
            geometry.extend(line.into_iter().skip(1));
            nodes.push(hn.id.clone());
            tail = a.head;
        }
        unwrap_longitudes(&mut geometry);
        Route {
            legs,
            total,
            border_crossings: crossings,
            corridor: self
                .corridor(from, arcs)
                .into_iter()
                .map(|v| net.node(v).id.clone())
                .collect(),
            nodes,
            geometry,
        }
    }

    /// Finds what blocks: lifts one restriction at a time and reports, for each that lets a
    /// route through, the elements on that route the restriction forbids.
    fn explain(&self, from: u32, to: u32) -> Error {
        let net = self.net;
        let strict = Costing::new(self.shipment, self.scenario);
        let lifts: [(&'static str, Rules); 6] = [
            (
                "status (closed, planned or out of season)",
                Rules {
                    status: false,
                    ..Rules::ALL
                },
            ),
            (
                "avoided countries",
                Rules {
                    countries: false,
                    ..Rules::ALL
                },
            ),
            (
                "avoided nodes",
                Rules {
                    nodes: false,
                    ..Rules::ALL
                },
            ),
            (
                "avoided passages",
                Rules {
                    passages: false,
                    ..Rules::ALL
                },
            ),
            (
                "customs regime",
                Rules {
                    regime: false,
                    ..Rules::ALL
                },
            ),
            (
                "modes and cargo class",
                Rules {
                    modes: false,
                    ..Rules::ALL
                },
            ),
        ];
        let none = Rules {
            status: false,
            countries: false,
            nodes: false,
            passages: false,
            regime: false,
            modes: false,
        };
        let mut blocked_by = Vec::new();
        // One restriction at a time first; when no single one is to blame, all together, so
        // that "disconnected" is said only when even that finds nothing.
        let together = [("several restrictions together", none)];
        for (i, (name, rules)) in lifts.iter().chain(&together).copied().enumerate() {
            if i == lifts.len() && !blocked_by.is_empty() {
                break;
            }
            let lifted = Costing::new(self.shipment, self.scenario).with_rules(rules);
            let Some(arcs) = self.search(&lifted, from, to, &Forbidden::default()) else {
                continue;
            };
            let mut elements = Vec::new();
            let mut seen = HashSet::new();
            let show_status = !rules.status;
            let mut check_node = |v: u32, elements: &mut Vec<String>| {
                let node = net.node(v);
                if !strict.node_open(v, node) && seen.insert(v) {
                    elements.push(if show_status {
                        format!("node {} ({})", node.id, node.status)
                    } else {
                        format!("node {}", node.id)
                    });
                }
            };
            check_node(from, &mut elements);
            for a in &arcs {
                let link = net.link(a.link);
                if !strict.link_open(a.link, link) {
                    elements.push(if show_status {
                        format!("link {} ({})", link.id, link.status)
                    } else {
                        format!("link {}", link.id)
                    });
                }
                check_node(a.head, &mut elements);
            }
            blocked_by.push(Blocker {
                restriction: name,
                elements,
            });
        }
        Error::NoRoute(Box::new(NoRoute {
            from: net.node(from).id.clone(),
            to: net.node(to).id.clone(),
            blocked_by,
        }))
    }
}

/// Relative tolerance within which Pareto routes count as the same choice.
pub const PARETO_EPSILON: f64 = 0.05;

/// Most labels kept per node in the Pareto search.
pub const MAX_LABELS: usize = 64;

/// A heap entry ordered so that `BinaryHeap` pops the smallest key first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    key_bits: u64,
    node: u32,
}

impl Entry {
    fn new(key: f64, node: u32) -> Self {
        // Keys are sums of non-negative costs; bits of a non-negative f64 order as numbers.
        Self {
            key_bits: (key.max(0.0) + 0.0).to_bits(),
            node,
        }
    }

    fn key(self) -> f64 {
        f64::from_bits(self.key_bits)
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .key_bits
            .cmp(&self.key_bits)
            .then(other.node.cmp(&self.node))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::gmns;

    const NODES: &str = "node_id,name,x_coord,y_coord,node_type,country,source
a,A,0,0,city,CN,test
b,B,1,0,city,CN,test
c,C,2,0,city,CN,test
";

    /// A river open May to October beside a long road.
    fn net() -> Network {
        let links =
            "link_id,from_node_id,to_node_id,mode,length,free_speed,tariff_teu,status,source
river,a,c,inland_waterway,200,10,100,seasonal:5-10,test
road1,a,b,road,300,60,1000,open,test
road2,b,c,road,300,60,1000,open,test
";
        gmns::parse("n.csv", NODES, "l.csv", links).expect("test network")
    }

    #[test]
    fn seasonal_links_follow_the_month() -> Result<(), Error> {
        let net = net();
        let mut s = Shipment::containers(1.0, 1e5);
        let (a, c) = (0, 2);
        s.month = Some(7);
        let summer = Planner::new(&net, &s, None).best(a, c)?;
        assert_eq!(summer.legs[0].mode, Mode::InlandWaterway);
        s.month = Some(1);
        let winter = Planner::new(&net, &s, None).best(a, c)?;
        assert!(winter.legs.iter().all(|l| l.mode == Mode::Road));
        // Without the road, the winter answer says the river is shut for the season.
        let mut sc = Scenario::new("no road");
        sc.close_link(net.link_index("road1").expect("link"));
        match Planner::new(&net, &s, Some(&sc)).best(a, c) {
            Err(Error::NoRoute(why)) => {
                let text = why.to_string();
                assert!(text.contains("status"), "{text}");
                assert!(
                    text.contains("link river (seasonal:5|6|7|8|9|10)"),
                    "{text}"
                );
            }
            other => panic!("expected no route, got {other:?}"),
        }
        Ok(())
    }

    #[test]
    fn alternatives_differ_by_corridor_and_pareto_is_a_front() -> Result<(), Error> {
        let net = net();
        let mut s = Shipment::containers(1.0, 1e6);
        s.month = Some(7);
        let p = Planner::new(&net, &s, None);
        // No gateway between a and c: there is no other corridor to offer.
        assert_eq!(p.alternatives(0, 2, 3)?.len(), 1);
        // The river is cheap and slow, the road dear and fast: both are on the front.
        let front = p.pareto(0, 2)?;
        assert_eq!(front.len(), 2);
        assert!(front[0].total.cost_cny != front[1].total.cost_cny);
        Ok(())
    }
}

#[cfg(test)]
mod explain_tests {
    use super::*;
    use crate::formats::gmns;

    #[test]
    fn blocked_only_by_two_restrictions_together() -> Result<(), Error> {
        let nodes = "node_id,name,x_coord,y_coord,node_type,country,source
a,A,0,0,city,CN,test
b,B,1,0,city,CN,test
c,C,2,0,city,CN,test
d,D,3,0,city,CN,test
";
        // Two ways from a to c: through b (which the query avoids) and by a closed link.
        let links = "link_id,from_node_id,to_node_id,mode,length,free_speed,status,source
ab,a,b,road,10,60,open,test
bc,b,c,road,10,60,open,test
ac,a,c,road,30,60,closed,test
";
        let net = gmns::parse("n.csv", nodes, "l.csv", links)?;
        let mut s = Shipment::containers(1.0, 1e5);
        s.avoid_nodes = vec![1];
        match Planner::new(&net, &s, None).best(0, 2) {
            Err(Error::NoRoute(why)) => {
                let text = why.to_string();
                assert!(text.contains("status (closed"), "{text}");
                assert!(text.contains("link ac (closed)"), "{text}");
                assert!(text.contains("avoided nodes (node b)"), "{text}");
            }
            other => panic!("expected no route, got {other:?}"),
        }
        // Only a to c through b, over a lane through Suez: avoiding b and Suez, only lifting
        // both restrictions together lets a route by.
        let links2 = "link_id,from_node_id,to_node_id,mode,length,free_speed,passages,source
ab,a,b,road,10,60,,test
bc,b,c,sea,10,60,suez,test
";
        let net2 = gmns::parse("n.csv", nodes, "l.csv", links2)?;
        s.avoid_passages = s.avoid_passages.with(crate::passage::Passage::Suez);
        match Planner::new(&net2, &s, None).best(0, 2) {
            Err(Error::NoRoute(why)) => {
                let text = why.to_string();
                assert_eq!(why.blocked_by.len(), 1, "{text}");
                assert!(text.contains("several restrictions together"), "{text}");
                assert!(
                    text.contains("node b") && text.contains("link bc"),
                    "{text}"
                );
            }
            other => panic!("expected no route, got {other:?}"),
        }
        // d has no link at all: disconnected.
        match Planner::new(&net, &s, None).best(0, 3) {
            Err(Error::NoRoute(why)) => {
                assert!(why.blocked_by.is_empty());
                assert!(why.to_string().contains("disconnected"), "{why}");
            }
            other => panic!("expected no route, got {other:?}"),
        }
        Ok(())
    }
}
