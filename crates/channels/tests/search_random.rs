//! The fast search against a plain reference Dijkstra written here, on random graphs with
//! random passage tags and random closures.

use kaifang_channels::graph::{Edge, Graph, NodeId};
use kaifang_channels::passage::{Passage, PassageSet};
use kaifang_channels::search::{Landmarks, SearchSpace, shortest_path};

/// SplitMix64: tiny, deterministic, good enough to shuffle test graphs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Reference: Dijkstra by linear scan over an adjacency list, no heap, no bounds.
fn reference(n: usize, edges: &[Edge], from: usize, avoid: PassageSet) -> Vec<f64> {
    let mut adj = vec![Vec::new(); n];
    for e in edges {
        if !e.passages.intersects(avoid) {
            adj[e.a.index()].push((e.b.index(), e.length_km));
            adj[e.b.index()].push((e.a.index(), e.length_km));
        }
    }
    let mut dist = vec![f64::INFINITY; n];
    let mut done = vec![false; n];
    dist[from] = 0.0;
    loop {
        let next = (0..n)
            .filter(|v| !done[*v] && dist[*v].is_finite())
            .min_by(|a, b| dist[*a].total_cmp(&dist[*b]));
        let Some(u) = next else { break };
        done[u] = true;
        for &(v, w) in &adj[u] {
            dist[v] = dist[v].min(dist[u] + w);
        }
    }
    dist
}

fn random_graph(rng: &mut Rng) -> (usize, Vec<Edge>) {
    let n = 2 + rng.below(120) as usize;
    let m = rng.below(4 * n as u64) as usize;
    let tags = [
        Passage::Suez,
        Passage::Panama,
        Passage::Malacca,
        Passage::NorthernSeaRoute,
    ];
    let edges = (0..m)
        .map(|_| {
            let passages = if rng.below(5) == 0 {
                PassageSet::EMPTY.with(tags[rng.below(tags.len() as u64) as usize])
            } else {
                PassageSet::EMPTY
            };
            // Some zero lengths and some parallel edges, as real networks have.
            let length_km = if rng.below(20) == 0 {
                0.0
            } else {
                (rng.unit() * 1000.0).round() / 10.0
            };
            Edge {
                a: NodeId(rng.below(n as u64) as u32),
                b: NodeId(rng.below(n as u64) as u32),
                length_km,
                passages,
            }
        })
        .collect::<Vec<Edge>>();
    // Half the graphs have their edges drawn as chains of short pieces, as sea lanes are:
    // the search takes such chains in one step, and must still stop inside one.
    if rng.below(2) == 0 {
        return subdivide(rng, n, edges);
    }
    (n, edges)
}

fn subdivide(rng: &mut Rng, mut n: usize, edges: Vec<Edge>) -> (usize, Vec<Edge>) {
    let mut out = Vec::new();
    for e in edges {
        let pieces = 1 + rng.below(4) as usize;
        let mut a = e.a;
        for k in 0..pieces {
            let b = if k + 1 == pieces {
                e.b
            } else {
                n += 1;
                NodeId(n as u32 - 1)
            };
            // The passage tag sits on one piece only, as on a lane through a strait.
            let passages = if k == pieces / 2 {
                e.passages
            } else {
                PassageSet::EMPTY
            };
            out.push(Edge {
                a,
                b,
                length_km: e.length_km / pieces as f64,
                passages,
            });
            a = b;
        }
    }
    (n, out)
}

#[test]
fn matches_reference_dijkstra_on_random_graphs() -> Result<(), kaifang_channels::Error> {
    let mut rng = Rng(20240601);
    let closures = [
        PassageSet::EMPTY,
        PassageSet::of(&[Passage::Suez]),
        PassageSet::of(&[Passage::Suez, Passage::Panama]),
        PassageSet::of(&[Passage::NorthernSeaRoute, Passage::Malacca]),
    ];
    let mut space = SearchSpace::new();
    let mut compared = 0usize;
    let mut unreachable = 0usize;
    for _ in 0..100 {
        let (n, edges) = random_graph(&mut rng);
        let graph = Graph::from_undirected(n, &edges)?;
        // Bounds computed with various closures: used when valid, ignored otherwise.
        let bound_sets: Vec<Landmarks> = std::iter::once(Landmarks::none())
            .chain(
                closures
                    .iter()
                    .map(|c| Landmarks::choose(&graph, 1 + rng.below(16) as usize, *c)),
            )
            .collect();
        for _ in 0..10 {
            let from = rng.below(n as u64) as usize;
            let avoid = closures[rng.below(closures.len() as u64) as usize];
            let want = reference(n, &edges, from, avoid);
            for (to, &want_to) in want.iter().enumerate() {
                for landmarks in &bound_sets {
                    let got = shortest_path(
                        &graph,
                        landmarks,
                        NodeId(from as u32),
                        NodeId(to as u32),
                        avoid,
                        &mut space,
                    );
                    match got {
                        None => {
                            assert!(
                                want_to.is_infinite(),
                                "{from}->{to}: none, reference {}",
                                want_to
                            );
                            unreachable += 1;
                        }
                        Some(path) => {
                            assert!(
                                (path.length_km - want_to).abs() <= 1e-9 * want_to.max(1.0),
                                "{from}->{to} avoiding {avoid}: {} vs reference {}",
                                path.length_km,
                                want_to
                            );
                            // The path is a real path of that length that avoids what it must.
                            assert_eq!(path.nodes.first(), Some(&NodeId(from as u32)));
                            assert_eq!(path.nodes.last(), Some(&NodeId(to as u32)));
                            assert_eq!(path.edges.len() + 1, path.nodes.len());
                            let mut sum = 0.0;
                            for (k, id) in path.edges.iter().enumerate() {
                                let e = graph.edge(*id).expect("edge id from the search");
                                assert_eq!(e.head, path.nodes[k + 1].0);
                                assert!(!e.passages.intersects(avoid));
                                sum += e.length_km;
                            }
                            assert!((sum - path.length_km).abs() <= 1e-9 * sum.max(1.0));
                            compared += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(
        compared > 20_000 && unreachable > 500,
        "{compared} compared, {unreachable} unreachable"
    );
    Ok(())
}
