//! Properties of the engine on small problems: system optimum against user equilibrium
//! (Braess), demand that cannot be routed, and classes sharing capacity.

use std::ops::ControlFlow;

use kaifang_assign::assignment::{Algorithm, Class, Options, Problem, solve};
use kaifang_assign::costing::{Objective, Vdf};
use kaifang_assign::demand::Matrix;
use kaifang_assign::graph::Graph;
use kaifang_assign::tntp;

fn go(_: &kaifang_assign::assignment::Step) -> ControlFlow<()> {
    ControlFlow::Continue(())
}

fn options(algorithm: Algorithm) -> Options {
    Options {
        algorithm,
        gap: 1e-10,
        max_iterations: 5_000,
        threads: 1,
    }
}

#[test]
fn the_system_optimum_costs_less_than_equilibrium_on_braess() {
    let dir = kaifang_testdata::repo("braess");
    let (mut p, _, _) = tntp::load(
        &dir.join("braess_net.tntp"),
        &dir.join("braess_trips.tntp"),
        None,
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let ue = solve(&p, &options(Algorithm::Bush), &mut go).unwrap_or_else(|e| panic!("{e}"));
    p.objective = Objective::SystemOptimum;
    let so = solve(&p, &options(Algorithm::Bush), &mut go).unwrap_or_else(|e| panic!("{e}"));
    // Total travel time Σ x t(x) of each, with the plain (user) times.
    let tt = |v: &[f64]| -> f64 { v.iter().zip(&p.vdf).map(|(x, f)| x * f.time(*x)).sum() };
    assert!(ue.converged && so.converged);
    // The textbook figures: 6 travellers pay 92 each at equilibrium, 83 each at the optimum.
    assert!(
        (tt(&ue.volume) - 552.0).abs() < 1e-3,
        "UE {}",
        tt(&ue.volume)
    );
    assert!(
        (tt(&so.volume) - 498.0).abs() < 1e-3,
        "SO {}",
        tt(&so.volume)
    );
    assert!(
        tt(&so.volume) < tt(&ue.volume) - 1e-6,
        "SO {} vs UE {}",
        tt(&so.volume),
        tt(&ue.volume)
    );
    let bfw = {
        p.objective = Objective::UserEquilibrium;
        solve(
            &p,
            &Options {
                gap: 1e-6,
                ..options(Algorithm::Bfw)
            },
            &mut go,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };
    assert!((tt(&bfw.volume) - tt(&ue.volume)).abs() < 1e-3 * tt(&ue.volume));
}

/// Zones 0, 1, 2; 0→1 exists, nothing reaches 2.
fn island() -> (Graph, Vec<Vdf>) {
    let g = Graph::new(4, 3, 0, &[(0, 3), (3, 1), (0, 1)]).unwrap_or_else(|e| panic!("{e}"));
    let vdf = vec![
        Vdf::bpr(1.0, 0.15, 10.0, 4.0).unwrap_or_else(|e| panic!("{e}")),
        Vdf::bpr(1.0, 0.15, 10.0, 4.0).unwrap_or_else(|e| panic!("{e}")),
        Vdf::bpr(3.0, 0.15, 10.0, 4.0).unwrap_or_else(|e| panic!("{e}")),
    ];
    (g, vdf)
}

#[test]
fn demand_without_a_route_is_listed_not_dropped() {
    let (g, vdf) = island();
    let m = Matrix::from_cells(3, [(0, 1, 20.0), (0, 2, 5.0)]).unwrap_or_else(|e| panic!("{e}"));
    let p =
        Problem::new(g, vdf, vec![Class::single(m, Vec::new())]).unwrap_or_else(|e| panic!("{e}"));
    for alg in [Algorithm::Bush, Algorithm::Bfw, Algorithm::Aon] {
        let s = solve(&p, &options(alg), &mut go).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.unserved.len(), 1, "{alg:?}");
        assert_eq!((s.unserved[0].destination, s.unserved[0].amount), (2, 5.0));
        assert!((s.volume[0] + s.volume[2] - 20.0).abs() < 1e-9);
    }
}

#[test]
fn two_identical_classes_load_like_one() {
    let (g, vdf) = island();
    let one = Matrix::from_cells(3, [(0, 1, 30.0)]).unwrap_or_else(|e| panic!("{e}"));
    let half = one.scaled(0.5);
    let single = Problem::new(g.clone(), vdf.clone(), vec![Class::single(one, Vec::new())])
        .unwrap_or_else(|e| panic!("{e}"));
    let mut a = Class::single(half.clone(), Vec::new());
    a.name = "a".into();
    let mut b = Class::single(half, Vec::new());
    b.name = "b".into();
    let double = Problem::new(g, vdf, vec![a, b]).unwrap_or_else(|e| panic!("{e}"));
    let s1 = solve(&single, &options(Algorithm::Bush), &mut go).unwrap_or_else(|e| panic!("{e}"));
    let s2 = solve(&double, &options(Algorithm::Bush), &mut go).unwrap_or_else(|e| panic!("{e}"));
    for (x, y) in s1.volume.iter().zip(&s2.volume) {
        assert!((x - y).abs() < 1e-6, "{:?} vs {:?}", s1.volume, s2.volume);
    }
    // Both routes are used at equilibrium, with equal times.
    assert!(s1.volume[0] > 0.0 && s1.volume[2] > 0.0);
}
