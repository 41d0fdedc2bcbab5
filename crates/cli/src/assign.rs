//! `kaifang assign`: traffic assignment on TNTP files. Glue only: read, call
//! `kaifang_assign`, write the link volumes, print.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use kaifang_assign::assignment::{Algorithm, Options, Solution, solve};
use kaifang_assign::check::{compare, conservation_error};
use kaifang_assign::costing::Objective;
use kaifang_assign::tntp;
use serde_json::json;

#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct AssignArgs {
    /// Network: a TNTP `_net.tntp` file.
    #[arg(long, value_name = "NET")]
    pub net: PathBuf,
    /// Demand: a TNTP `_trips.tntp` file.
    #[arg(long, value_name = "TRIPS")]
    pub trips: PathBuf,
    /// Stop at this relative gap.
    #[arg(long, default_value_t = 1e-6)]
    pub gap: f64,
    /// bush (Algorithm B), bfw (bi-conjugate Frank–Wolfe), cfw, fw or aon.
    #[arg(long, default_value = "bush")]
    pub algorithm: Algorithm,
    #[arg(long, default_value_t = 10_000)]
    pub max_iterations: usize,
    /// System optimum instead of user equilibrium.
    #[arg(long)]
    pub system_optimum: bool,
    /// Minutes per toll unit [default: the net file's <TOLL FACTOR>, else the README next to
    /// it, else 0].
    #[arg(long)]
    pub toll_factor: Option<f64>,
    /// Minutes per distance unit [default: as for --toll-factor].
    #[arg(long)]
    pub distance_factor: Option<f64>,
    /// Threads for shortest paths (0: all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Where to write the link volumes (TNTP flow layout: From To Volume Cost)
    /// [default: NAME_kaifang_flow.tntp in the current directory].
    #[arg(long, value_name = "FILE")]
    pub flows: Option<PathBuf>,
    /// Compare with a reference solution (e.g. the problem's best-known `_flow.tntp`).
    #[arg(long, value_name = "FLOW")]
    pub check: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(a: AssignArgs) -> Result<()> {
    if !(a.gap.is_finite() && a.gap >= 0.0) {
        bail!("--gap must be a number ≥ 0");
    }
    let (mut problem, net, weights) =
        tntp::load(&a.net, &a.trips, a.toll_factor, a.distance_factor)?;
    if a.system_optimum {
        problem.objective = Objective::SystemOptimum;
    }
    let options = Options {
        algorithm: a.algorithm,
        gap: a.gap,
        max_iterations: a.max_iterations,
        threads: a.threads,
    };
    let table = matches!(a.format, Format::Table);
    let bar = crate::progress::bar("assign");
    if !table {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    // The gap falls roughly geometrically, so progress is measured in orders of magnitude
    // from the first gap to the target.
    let mut first_gap = None;
    let target = a.gap.max(1e-16);
    let sol = solve(&problem, &options, &mut |step| {
        let g0 = *first_gap.get_or_insert(step.relative_gap.max(target));
        let g = step.relative_gap.max(target);
        let done = if g0 > target {
            (g0 / g).ln() / (g0 / target).ln()
        } else {
            1.0
        };
        bar.set_position((done.clamp(0.0, 1.0) * 1000.0) as u64);
        bar.set_message(format!("gap {:.1e}", step.relative_gap));
        ControlFlow::Continue(())
    })?;
    bar.finish_and_clear();

    let flows = a.flows.clone().unwrap_or_else(|| default_flow_path(&a.net));
    write_flows(&flows, &net, &sol).with_context(|| format!("writing {}", flows.display()))?;
    let conservation = conservation_error(&problem, &sol.class_volume, &sol.unserved);
    let check = match &a.check {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let name = path.display().to_string();
            let reference = tntp::parse_flow(&name, &text)?;
            let reference = tntp::volumes_in_link_order(&name, &net, &reference)?;
            Some(compare(&problem, &sol.class_volume, &reference))
        }
        None => None,
    };
    match a.format {
        Format::Json => {
            let out = json!({
                "objective": sol.objective,
                "relative_gap": sol.relative_gap,
                "iterations": sol.iterations,
                "seconds": sol.seconds,
                "converged": sol.converged,
                "algorithm": a.algorithm,
                "total_cost": sol.total_cost,
                "flows": flows.display().to_string(),
                "weights": {"toll": weights.toll, "distance": weights.distance, "source": weights.source},
                "conservation_error": conservation,
                "unserved": sol.unserved.iter().map(|u| json!({
                    "origin": u.origin + 1, "destination": u.destination + 1, "amount": u.amount
                })).collect::<Vec<_>>(),
                "steps": sol.steps,
                "check": check,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        Format::Table => {
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "{:?}: relative gap {:.3e} after {} iterations in {:.3} s{}",
                a.algorithm,
                sol.relative_gap,
                sol.iterations,
                sol.seconds,
                if sol.converged {
                    ""
                } else {
                    " (NOT converged)"
                }
            )?;
            writeln!(
                out,
                "objective {:.10e}; total cost {:.10e}",
                sol.objective, sol.total_cost
            )?;
            writeln!(out, "cost weights: {}", weights.source)?;
            writeln!(
                out,
                "flow conservation: largest imbalance {conservation:.2e}"
            )?;
            if !sol.unserved.is_empty() {
                let total: f64 = sol.unserved.iter().map(|u| u.amount).sum();
                writeln!(
                    out,
                    "UNSERVED: {} cells, {total} trips, e.g.:",
                    sol.unserved.len()
                )?;
                for u in sol.unserved.iter().take(10) {
                    writeln!(
                        out,
                        "  {} → {}: {}",
                        u.origin + 1,
                        u.destination + 1,
                        u.amount
                    )?;
                }
            }
            if let Some(c) = &check {
                writeln!(
                    out,
                    "against {}: objective differs by {:.2e} (relative); largest link volume difference {:.2e} on link {} ({} links with volume > 1)",
                    a.check
                        .as_deref()
                        .map(Path::display)
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                    c.objective_difference,
                    c.max_volume_difference,
                    c.worst_link + 1,
                    c.links_compared
                )?;
            }
            writeln!(out, "link volumes: {}", flows.display())?;
        }
    }
    if !sol.unserved.is_empty() && table {
        eprintln!("warning: some demand could not be routed (listed above)");
    }
    Ok(())
}

fn default_flow_path(net: &Path) -> PathBuf {
    let stem = net
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("network")
        .trim_end_matches("_net");
    PathBuf::from(format!("{stem}_kaifang_flow.tntp"))
}

/// Writes link volumes in the layout of the test problems' `_flow.tntp` files, via a
/// temporary file renamed into place so a failure leaves no half-written file.
fn write_flows(path: &Path, net: &tntp::TntpNetwork, sol: &Solution) -> Result<()> {
    let mut text = String::from("From \tTo \tVolume \tCost \n");
    for (i, l) in net.links.iter().enumerate() {
        text.push_str(&format!(
            "{} \t{} \t{} \t{} \n",
            l.from, l.to, sol.volume[i], sol.time[i]
        ));
    }
    let tmp = path.with_extension("tntp.partial");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}
