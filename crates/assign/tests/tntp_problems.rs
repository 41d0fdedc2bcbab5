//! The field's test problems (TransportationNetworks, research data found through
//! `KAIFANG_TESTDATA`; skipped with a message without it): equilibrium to a relative gap of 1e-8,
//! checked against the best-known flows in `*_flow.tntp`: the Beckmann objective within 1e-8
//! relative, link volumes within 1e-3 relative on links carrying more than 1, and flow
//! conserved at every node.

use std::path::PathBuf;

use kaifang_assign::assignment::{Algorithm, Options, Solution, solve};
use kaifang_assign::check::{compare, conservation_error};
use kaifang_assign::tntp;

fn data(dir: &str) -> Option<PathBuf> {
    kaifang_testdata::external(&format!("tntp/{dir}"), dir)
}

struct Case {
    dir: &'static str,
    stem: &'static str,
}

fn run(
    case: &Case,
    algorithm: Algorithm,
    gap: f64,
) -> Option<(Solution, kaifang_assign::check::Comparison, f64)> {
    let dir = data(case.dir)?;
    let net_path = dir.join(format!("{}_net.tntp", case.stem));
    let (p, net, w) = tntp::load(
        &net_path,
        &dir.join(format!("{}_trips.tntp", case.stem)),
        None,
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let options = Options {
        algorithm,
        gap,
        max_iterations: 5_000,
        threads: 2,
    };
    let sol = solve(&p, &options, &mut |_| std::ops::ControlFlow::Continue(()))
        .unwrap_or_else(|e| panic!("{e}"));
    let flow_file = dir.join(format!("{}_flow.tntp", case.stem));
    let text = std::fs::read_to_string(&flow_file).unwrap_or_else(|e| panic!("{e}"));
    let name = flow_file.display().to_string();
    let flows = tntp::parse_flow(&name, &text).unwrap_or_else(|e| panic!("{e}"));
    let best = tntp::volumes_in_link_order(&name, &net, &flows).unwrap_or_else(|e| panic!("{e}"));
    let cmp = compare(&p, &sol.class_volume, &best);
    let conservation = conservation_error(&p, &sol.class_volume, &sol.unserved);
    eprintln!(
        "{} {algorithm:?}: gap {:.2e} after {} iterations in {:.2} s; objective {} vs {} ({:.1e}); worst volume {:.1e} on link {} of {}; conservation {:.1e}; weights: {}",
        case.stem,
        sol.relative_gap,
        sol.iterations,
        sol.seconds,
        cmp.objective,
        cmp.reference_objective,
        cmp.objective_difference,
        cmp.max_volume_difference,
        cmp.worst_link + 1,
        cmp.links_compared,
        conservation,
        w.source
    );
    Some((sol, cmp, conservation))
}

fn check_tight(case: &Case) {
    let Some((sol, cmp, conservation)) = run(case, Algorithm::Bush, 1e-8) else {
        return;
    };
    assert!(
        sol.converged && sol.relative_gap <= 1e-8,
        "gap {}",
        sol.relative_gap
    );
    assert!(
        cmp.objective_difference <= 1e-8,
        "objective differs by {:e}",
        cmp.objective_difference
    );
    assert!(
        cmp.max_volume_difference <= 1e-3,
        "volume differs by {:e} on link {}",
        cmp.max_volume_difference,
        cmp.worst_link + 1
    );
    assert!(conservation <= 1e-6, "conservation off by {conservation:e}");
    assert!(sol.unserved.is_empty());
}

#[test]
fn sioux_falls_to_1e_8() {
    check_tight(&Case {
        dir: "SiouxFalls",
        stem: "SiouxFalls",
    });
}

#[test]
fn anaheim_to_1e_8_without_passing_through_zones() {
    check_tight(&Case {
        dir: "Anaheim",
        stem: "Anaheim",
    });
}

#[test]
fn chicago_sketch_to_1e_8_with_distance_in_the_cost() {
    check_tight(&Case {
        dir: "Chicago-Sketch",
        stem: "ChicagoSketch",
    });
}

#[test]
fn bfw_reaches_1e_4_on_sioux_falls() {
    let Some((sol, cmp, conservation)) = run(
        &Case {
            dir: "SiouxFalls",
            stem: "SiouxFalls",
        },
        Algorithm::Bfw,
        1e-4,
    ) else {
        return;
    };
    assert!(sol.converged);
    assert!(cmp.objective_difference < 1e-4);
    assert!(conservation < 1e-6);
}
