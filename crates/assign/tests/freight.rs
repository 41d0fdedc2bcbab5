//! The province's default freight network: the base assignment, the criticality ranking of
//! every link and node, and the project appraisal.

use std::ops::ControlFlow;
use std::time::Instant;

use kaifang_assign::check::conservation_error;
use kaifang_assign::freight;
use kaifang_assign::study::{self, Inputs, Which};

fn go<T>(_: T) -> ControlFlow<()> {
    ControlFlow::Continue(())
}

#[test]
fn the_base_assignment_converges_and_conserves_flow() {
    let inputs = Inputs::defaults().unwrap_or_else(|e| panic!("{e}"));
    let options = study::default_options();
    let report = study::assign(&inputs, None, &options, &mut go).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        report.relative_gap <= options.gap,
        "gap {}",
        report.relative_gap
    );
    assert!(report.unserved.is_empty(), "{:?}", report.unserved);
    let teu: f64 = report.classes.iter().map(|c| c.total).sum();
    assert!(teu > 100_000.0);
    // The demand is for this demo heavy enough that some capacitated element is loaded.
    let busiest = report
        .nodes
        .iter()
        .map(|n| n.utilisation)
        .fold(0.0, f64::max);
    assert!(busiest > 0.3, "busiest node at {busiest}");
    eprintln!(
        "base: {} TEU, cost {:.3e} CNY/yr, gap {:.1e} in {} iterations, {:.3} s; busiest node {:.2}",
        teu, report.total_cost, report.relative_gap, report.iterations, report.seconds, busiest
    );
    // Conservation, independently of the algorithm.
    let model = freight::build(&inputs.network, None, &inputs.demand, &inputs.capacity)
        .unwrap_or_else(|e| panic!("{e}"));
    let sol = kaifang_assign::assignment::solve(&model.problem, &options, &mut |_| {
        ControlFlow::Continue(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(conservation_error(&model.problem, &sol.class_volume, &sol.unserved) < 1e-6);
}

#[test]
fn every_link_and_node_is_ranked_in_under_ten_seconds() {
    let inputs = Inputs::defaults().unwrap_or_else(|e| panic!("{e}"));
    let options = study::default_options();
    let start = Instant::now();
    let mut calls = 0;
    let ranked = study::critical(&inputs, None, Which::All, &[], &options, &mut |_, _| {
        calls += 1;
        ControlFlow::Continue(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let secs = start.elapsed().as_secs_f64();
    eprintln!("{} elements in {secs:.2} s; top 5:", ranked.len());
    for r in ranked.iter().take(5) {
        eprintln!(
            "  {} {}: unserved {:.0}, cost +{:.3e}, rerouted {:.0}",
            r.element.id, r.element.name, r.unserved, r.cost_change, r.rerouted
        );
    }
    assert_eq!(calls, ranked.len());
    assert!(ranked.len() > 150, "{} elements", ranked.len());
    assert!(secs < 10.0, "{secs} s");
    assert!(ranked.iter().all(|r| r.relative_gap <= options.gap));
    // The ranking is ordered: unserved first, then cost.
    assert!(ranked.windows(2).all(|w| w[0].unserved >= w[1].unserved));
    // Closing the only road into Hunchun's road crossing must matter more than closing a
    // transatlantic sailing nobody uses.
    let pos = |id: &str| ranked.iter().position(|r| r.element.id == id);
    assert!(pos("cn-ru-hunchun-road") < pos("shanghai-new-york-sea"));
}

#[test]
fn projects_are_valued_and_a_portfolio_chosen_within_budget() {
    let inputs = Inputs::defaults().unwrap_or_else(|e| panic!("{e}"));
    let options = study::default_options();
    let budget = 5.0e9;
    let a = study::appraise(
        &inputs,
        Default::default(),
        budget,
        &options,
        &mut |_, _| ControlFlow::Continue(()),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.projects.len(), inputs.projects.len());
    assert!(
        a.projects
            .windows(2)
            .all(|w| w[0].value.npv >= w[1].value.npv)
    );
    assert!(a.portfolio.capex <= budget && a.portfolio.exact);
    for p in &a.projects {
        eprintln!(
            "  {}: saves {:.3e}/yr, NPV {:.3e}, BCR {:.2}, served {:+.0}",
            p.id, p.annual_saving, p.value.npv, p.value.bcr, p.served_change
        );
    }
}
