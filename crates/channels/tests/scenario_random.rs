//! Routing under scenario overlays against plain Dijkstra on a copy of the network with the
//! edits applied by hand, on random networks: the overlay must answer exactly as the edited
//! network would.

use kaifang_channels::costing::Shipment;
use kaifang_channels::geo::LonLat;
use kaifang_channels::model::{
    CargoClass, CargoSet, Country, Hours, Link, Mode, Node, NodeKind, RegimeSet, Set, Status,
    Tariff,
};
use kaifang_channels::network::{LinkRecord, Network, NodeRecord};
use kaifang_channels::passage::PassageSet;
use kaifang_channels::routing::Planner;
use kaifang_channels::scenario::{LinkEdit, Scenario};
use kaifang_channels::{Error, scenario};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() * n as f64) as usize % n
    }
}

fn node(i: usize, r: &mut Rng) -> NodeRecord {
    NodeRecord {
        file: "random".into(),
        row: i as u64,
        node: Node {
            id: format!("n{i}"),
            name: format!("Node {i}"),
            name_zh: String::new(),
            position: LonLat::new(r.next() * 10.0, r.next() * 10.0),
            kind: NodeKind::City,
            country: Country::CN,
            locode: None,
            status: Status::Open,
            source: "test".into(),
        },
    }
}

fn link(i: usize, a: usize, b: usize, r: &mut Rng) -> LinkRecord {
    let status = match r.below(10) {
        0 => Status::Closed,
        1 => Status::Planned {
            project: format!("p{}", r.below(3)),
        },
        _ => Status::Open,
    };
    LinkRecord {
        file: "random".into(),
        row: i as u64,
        from_id: format!("n{a}"),
        to_id: format!("n{b}"),
        link: Link {
            id: format!("l{i}"),
            name: String::new(),
            from: 0,
            to: 0,
            directed: r.below(3) == 0,
            mode: if r.below(2) == 0 {
                Mode::Road
            } else {
                Mode::Rail
            },
            length_km: 1.0 + r.next() * 500.0,
            hours: Hours::new(r.next() * 20.0).expect("hours"),
            tariff: Tariff {
                per_teu: r.next() * 1000.0,
                per_tonne: r.next() * 10.0,
                fixed: r.next() * 100.0,
            },
            departures_per_week: (r.below(2) == 0).then(|| 1.0 + r.next() * 10.0),
            capacity_per_week: None,
            delay_sd_hours: r.next() * 5.0,
            co2_g_per_tkm: 10.0 + r.next() * 60.0,
            cargo: CargoSet::of(&[CargoClass::Container]),
            regimes: RegimeSet::all(),
            passages: PassageSet::EMPTY,
            status,
            geometry: Vec::new(),
            source: "test".into(),
            time_source: String::new(),
            tariff_source: String::new(),
        },
    }
}

/// Plain Dijkstra over the links as edited by hand: closed ones dropped, figures replaced.
fn reference(
    n: usize,
    links: &[(usize, usize, bool, f64)],
    closed_nodes: &[bool],
    from: usize,
    to: usize,
) -> Option<f64> {
    if closed_nodes[from] || closed_nodes[to] {
        return None;
    }
    let mut dist = vec![f64::INFINITY; n];
    let mut done = vec![false; n];
    dist[from] = 0.0;
    loop {
        let u = (0..n)
            .filter(|&v| !done[v] && dist[v].is_finite())
            .min_by(|&a, &b| dist[a].total_cmp(&dist[b]))?;
        if u == to {
            return Some(dist[u]);
        }
        done[u] = true;
        for &(a, b, directed, w) in links {
            for (x, y) in [(a, b), (b, a)]
                .into_iter()
                .take(if directed { 1 } else { 2 })
            {
                if x == u && !closed_nodes[y] && dist[u] + w < dist[y] {
                    dist[y] = dist[u] + w;
                }
            }
        }
    }
}

#[test]
fn overlays_route_as_the_edited_network() -> Result<(), Error> {
    let mut r = Rng(42);
    for round in 0..40 {
        let n = 8 + r.below(30);
        let m = n + r.below(3 * n);
        let nodes: Vec<NodeRecord> = (0..n).map(|i| node(i, &mut r)).collect();
        let links: Vec<LinkRecord> = (0..m)
            .map(|i| {
                let a = r.below(n);
                let b = (a + 1 + r.below(n - 1)) % n;
                link(i, a, b, &mut r)
            })
            .collect();
        let net = Network::new(nodes, links)?;
        // A random scenario.
        let mut sc = Scenario::new("random");
        let mut closed_nodes = vec![false; n];
        for _ in 0..r.below(3) {
            let v = r.below(n);
            sc.close_node(v as u32);
            closed_nodes[v] = true;
        }
        let project = format!("p{}", r.below(3));
        sc.open_project(&project);
        let mut status: Vec<bool> = net
            .links()
            .iter()
            .map(|l| match &l.status {
                Status::Open => true,
                Status::Planned { project: p } => *p == project,
                _ => false,
            })
            .collect();
        let mut figures: Vec<(f64, Tariff, Option<f64>)> = net
            .links()
            .iter()
            .map(|l| (l.hours.get(), l.tariff, l.departures_per_week))
            .collect();
        for _ in 0..r.below(5) {
            let l = r.below(m);
            match r.below(3) {
                0 => {
                    sc.close_link(l as u32);
                    status[l] = false;
                }
                1 => {
                    sc.open_link(l as u32);
                    status[l] = true;
                }
                _ => {
                    let edit = LinkEdit {
                        hours: Some(r.next() * 5.0),
                        tariff: Some(Tariff {
                            per_teu: r.next() * 200.0,
                            per_tonne: 0.0,
                            fixed: 0.0,
                        }),
                        departures_per_week: Some(1.0 + r.next() * 20.0),
                        capacity_per_week: None,
                    };
                    sc.edit_link(l as u32, edit);
                    figures[l] = (
                        edit.hours.unwrap_or_default(),
                        edit.tariff.unwrap_or_default(),
                        edit.departures_per_week,
                    );
                }
            }
        }
        let mut s = Shipment::containers(1.0 + r.below(3) as f64, 1e5 + r.next() * 1e6);
        s.modes = Set::all();
        let vot = s.value_of_time();
        let edited: Vec<(usize, usize, bool, f64)> = net
            .links()
            .iter()
            .enumerate()
            .filter(|(i, _)| status[*i])
            .map(|(i, l)| {
                let (hours, t, dep) = figures[i];
                let wait = dep.map_or(0.0, |d| 84.0 / d);
                let co2 = l.co2_g_per_tkm * s.tonnes * l.length_km / 1e6;
                // A container shipment pays per TEU; the per-tonne tariff is for bulk.
                let w = t.fixed
                    + t.per_teu * s.teu
                    + vot * (hours + wait)
                    + s.weights.carbon_cny_per_tonne * co2
                    + vot * s.weights.reliability * l.delay_sd_hours;
                (l.from as usize, l.to as usize, l.directed, w)
            })
            .collect();
        for _ in 0..10 {
            let (a, b) = (r.below(n), r.below(n));
            let want = reference(n, &edited, &closed_nodes, a, b);
            let got = Planner::new(&net, &s, Some(&sc)).best(a as u32, b as u32);
            match (want, got) {
                (Some(w), Ok(route)) => assert!(
                    (route.total.generalized_cny - w).abs() <= 1e-6 * w.max(1.0),
                    "round {round} {a}->{b}: {} vs {w}",
                    route.total.generalized_cny
                ),
                (None, Err(Error::NoRoute(_))) => {}
                (w, g) => panic!("round {round} {a}->{b}: reference {w:?}, overlay {g:?}"),
            }
        }
    }
    Ok(())
}

#[test]
fn scenario_files_name_the_bad_edit() -> Result<(), Error> {
    let net = kaifang_channels::defaults::network()?;
    let bad = [
        (
            "[[scenario]]\nname = \"x\"\nedits = [{ close = \"nowhere\" }]",
            "scenario x: s.toml, edit 1: no node or link \"nowhere\"",
        ),
        (
            "[[scenario]]\nname = \"x\"\nedits = [{ open = \"changchun\" }, { link = \"zarubino-busan-sea\", hours = -1 }]",
            "edit 2: hours must be a non-negative number",
        ),
        (
            "[[scenario]]\nname = \"x\"\nedits = [{ open_project = \"moon-base\" }]",
            "no link is planned under project \"moon-base\"",
        ),
        (
            "[[scenario]]\nname = \"x\"\nedits = [{ close_crossings = \"FR\" }]",
            "no border crossing touches FR",
        ),
        (
            "[[scenario]]\nname = \"x\"\n[[scenario]]\nname = \"x\"",
            "defined twice",
        ),
    ];
    for (text, want) in bad {
        let err = scenario::parse("s.toml", text, &net)
            .map(|_| ())
            .expect_err(want)
            .to_string();
        assert!(err.contains(want), "{err}\n  wanted: {want}");
    }
    Ok(())
}

/// Every simple path from `from` to `to`, as (charges, hours, CO2), by depth-first search.
fn all_paths(net: &Network, s: &Shipment, from: u32, to: u32) -> Vec<[f64; 3]> {
    use kaifang_channels::costing::Costing;
    let costing = Costing::new(s, None);
    let mut out = Vec::new();
    let mut on_path = vec![false; net.nodes().len()];
    fn walk(
        net: &Network,
        costing: &Costing,
        v: u32,
        to: u32,
        acc: [f64; 3],
        on_path: &mut Vec<bool>,
        out: &mut Vec<[f64; 3]>,
    ) {
        if v == to {
            out.push(acc);
            return;
        }
        on_path[v as usize] = true;
        for a in net.out_arcs(v) {
            if on_path[a.head as usize] {
                continue;
            }
            if let Some(c) = costing.arc(a, net.link(a.link), net.node(a.head)) {
                let next = [acc[0] + c.charges_cny, acc[1] + c.hours, acc[2] + c.co2_kg];
                walk(net, costing, a.head, to, next, on_path, out);
            }
        }
        on_path[v as usize] = false;
    }
    if costing.node_open(from, net.node(from)) {
        walk(net, &costing, from, to, [0.0; 3], &mut on_path, &mut out);
    }
    out
}

/// The whole Pareto front (no thinning) against brute force over all simple paths.
#[test]
fn pareto_front_matches_brute_force() -> Result<(), Error> {
    let mut r = Rng(7);
    let mut fronts = 0;
    for _ in 0..60 {
        let n = 4 + r.below(6);
        let m = n + r.below(2 * n);
        let nodes: Vec<NodeRecord> = (0..n).map(|i| node(i, &mut r)).collect();
        let links: Vec<LinkRecord> = (0..m)
            .map(|i| {
                let a = r.below(n);
                let b = (a + 1 + r.below(n - 1)) % n;
                link(i, a, b, &mut r)
            })
            .collect();
        let net = Network::new(nodes, links)?;
        let s = Shipment::containers(1.0, 1e5 + r.next() * 1e6);
        let (a, b) = (r.below(n) as u32, r.below(n) as u32);
        if a == b {
            continue;
        }
        let paths = all_paths(&net, &s, a, b);
        let dominated = |p: &[f64; 3], q: &[f64; 3]| q.iter().zip(p).all(|(x, y)| x <= y) && q != p;
        let mut want: Vec<[f64; 3]> = paths
            .iter()
            .filter(|p| !paths.iter().any(|q| dominated(p, q)))
            .copied()
            .collect();
        let got = Planner::new(&net, &s, None).pareto_within(a, b, 0.0);
        match got {
            Err(Error::NoRoute(_)) => assert!(want.is_empty()),
            Err(e) => return Err(e),
            Ok(routes) => {
                let mut got: Vec<[f64; 3]> = routes
                    .iter()
                    .map(|r| [r.total.cost_cny, r.total.hours, r.total.co2_kg])
                    .collect();
                let key = |v: &[f64; 3]| (v[0] * 1e6).round() as i64;
                want.sort_by_key(key);
                want.dedup_by(|x, y| x.iter().zip(y.iter()).all(|(p, q)| (p - q).abs() < 1e-6));
                got.sort_by_key(key);
                assert_eq!(
                    got.len(),
                    want.len(),
                    "front {got:?} vs brute force {want:?}"
                );
                for (g, w) in got.iter().zip(&want) {
                    for k in 0..3 {
                        assert!(
                            (g[k] - w[k]).abs() <= 1e-6 * w[k].max(1.0),
                            "{g:?} vs {w:?}"
                        );
                    }
                }
                fronts += 1;
            }
        }
    }
    assert!(fronts > 20, "{fronts}");
    Ok(())
}
