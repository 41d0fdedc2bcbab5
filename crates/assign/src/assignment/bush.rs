//! Algorithm B (R. B. Dial, "A path-based user-equilibrium traffic assignment algorithm that
//! obviates path storage and enumeration", Transportation Research B 40, 2006), an
//! origin-based algorithm that reaches tight gaps.
//!
//! Each origin (per class) keeps a **bush**: an acyclic set of links reaching every node its
//! trips can reach, and its own flow on them. An iteration, per bush:
//!
//! 1. **Improve the bush.** Drop links that carry none of its flow (keeping one way into every
//!    node), compute each node's longest-path cost `U` over the bush, and add every link
//!    `(i, j)` with `U_i + c_ij < U_j`. Such a link cannot close a cycle: `U` never decreases
//!    along a bush link (costs are not negative), and the new link increases it strictly.
//! 2. **Equilibrate.** Compute the shortest (`L`) and longest used (`U`) path to every node;
//!    in reverse topological order, where they differ, trace both back to where they split
//!    and move flow from the longer segment to the shorter by a Newton step
//!    `Δ = (C_long − C_short) / (Σ slopes on both)`, at most the smallest bush flow on the
//!    long segment. Costs are updated as flow moves, so later nodes see the new costs.
//!
//! Flows are kept per bush, so every origin's flow is conserved exactly; link volumes are
//! summed again from the bushes before each gap is measured, so no rounding drift builds up.

use std::time::Instant;

use super::aon::all_or_nothing;
use super::{Options, Problem, Progress, Solution, Step, Unserved, relative_gap, since};
use crate::costing::time_and_slope;
use crate::error::Error;
use crate::graph::NONE;
use crate::search::{Tree, load};

/// One origin's bush for one class.
#[derive(Debug, Clone)]
pub struct Bush {
    pub class: usize,
    /// Index of the origin's row in the class's matrix.
    pub row: usize,
    pub origin: u32,
    /// Per link, this origin's flow in the class's demand units.
    pub flow: Vec<f64>,
    member: Vec<bool>,
    /// The bush's nodes in topological order, origin first.
    order: Vec<u32>,
}

/// The state of a bush-based assignment, which can be carried to a changed problem and
/// solved again from where it stood (a warm start).
#[derive(Debug, Clone)]
pub struct State {
    pub bushes: Vec<Bush>,
    /// Per link, total volume in capacity units.
    pub volume: Vec<f64>,
    pub unserved: Vec<Unserved>,
}

/// Work arrays shared by every bush.
struct Scratch {
    lmin: Vec<f64>,
    lmax: Vec<f64>,
    pmin: Vec<u32>,
    pmax: Vec<u32>,
    pos: Vec<u32>,
    /// Whether a node is reached by a path of links carrying the bush's flow.
    live: Vec<bool>,
    seg_min: Vec<u32>,
    seg_max: Vec<u32>,
    indegree: Vec<u32>,
    tree: Tree,
    node_load: Vec<f64>,
    cost: Vec<f64>,
}

impl Scratch {
    fn new(n: usize, m: usize) -> Scratch {
        Scratch {
            lmin: vec![0.0; n],
            lmax: vec![0.0; n],
            pmin: vec![NONE; n],
            pmax: vec![NONE; n],
            pos: vec![NONE; n],
            live: vec![false; n],
            seg_min: Vec::new(),
            seg_max: Vec::new(),
            indegree: vec![0; n],
            tree: Tree::new(n),
            node_load: vec![0.0; n],
            cost: vec![0.0; m],
        }
    }
}

/// Link times and slopes at the current volumes, kept up to date link by link as flow moves.
struct Links<'p> {
    p: &'p Problem,
    volume: Vec<f64>,
    time: Vec<f64>,
    slope: Vec<f64>,
}

impl<'p> Links<'p> {
    fn new(p: &'p Problem, volume: Vec<f64>) -> Links<'p> {
        let m = p.graph.links();
        let mut l = Links {
            p,
            volume,
            time: vec![0.0; m],
            slope: vec![0.0; m],
        };
        p.times(&l.volume, &mut l.time, &mut l.slope);
        l
    }

    #[inline]
    fn cost(&self, class: usize, a: u32) -> f64 {
        let a = a as usize;
        self.p.fixed(class, a) + self.p.classes[class].time_weight * self.time[a]
    }

    /// d cost / d (this class's flow).
    #[inline]
    fn slope(&self, class: usize, a: u32) -> f64 {
        let c = &self.p.classes[class];
        c.time_weight * c.pce * self.slope[a as usize]
    }

    #[inline]
    fn add(&mut self, class: usize, a: u32, amount: f64) {
        let a = a as usize;
        let v = &mut self.volume[a];
        *v = (*v + self.p.classes[class].pce * amount).max(0.0);
        let (t, s) = time_and_slope(&self.p.vdf[a], self.p.objective, *v);
        self.time[a] = t;
        self.slope[a] = s;
    }

    fn refresh(&mut self) {
        self.p.times(&self.volume, &mut self.time, &mut self.slope);
    }
}

/// Solves from scratch, or from `warm` when given (whose bushes must belong to `p`'s
/// classes and rows).
pub fn solve(
    p: &Problem,
    options: &Options,
    warm: Option<State>,
    progress: Progress,
) -> Result<Solution, Error> {
    solve_state(p, options, warm, progress).map(|(s, _)| s)
}

/// As [`solve`], also returning the final state for later warm starts.
pub fn solve_state(
    p: &Problem,
    options: &Options,
    warm: Option<State>,
    progress: Progress,
) -> Result<(Solution, State), Error> {
    let start = Instant::now();
    let threads = options.thread_count();
    let (n, m) = (p.graph.nodes(), p.graph.links());
    let mut s = Scratch::new(n, m);
    let (mut bushes, mut links, unserved) = match warm {
        Some(state) => (state.bushes, Links::new(p, state.volume), state.unserved),
        None => {
            let mut links = Links::new(p, vec![0.0; m]);
            let mut bushes = Vec::new();
            let mut unserved = Vec::new();
            for (k, class) in p.classes.iter().enumerate() {
                for r in 0..class.matrix.rows().len() {
                    let (bush, lost) = init_bush(p, k, r, &mut links, &mut s);
                    unserved.extend(lost);
                    bushes.push(bush);
                }
            }
            (bushes, links, unserved)
        }
    };

    // One scratch per thread for the bush improvements, which run in parallel.
    let mut scratches: Vec<Scratch> = (0..threads.clamp(1, bushes.len().max(1)))
        .map(|_| Scratch::new(n, m))
        .collect();
    let mut steps = Vec::new();
    let mut iteration = 0;
    let mut converged;
    let (mut gap, mut tstt, mut objective);
    let mut next_measure = 0;
    let mut last: Option<(usize, f64)> = None;
    loop {
        if iteration >= next_measure || iteration >= options.max_iterations {
            // Sum the volumes from the bushes again so rounding in the incremental updates does
            // not accumulate, then measure.
            let class_volume = class_volumes(p, &bushes);
            links.volume = p.total_volume(&class_volume);
            links.refresh();
            let costs: Vec<Vec<f64>> = (0..p.classes.len())
                .map(|k| {
                    let mut c = vec![0.0; m];
                    p.class_costs(k, &links.time, &mut c);
                    c
                })
                .collect();
            let sp = all_or_nothing(p, &costs, threads, false);
            tstt = class_volume
                .iter()
                .zip(&costs)
                .map(|(v, c)| {
                    v.iter()
                        .zip(c)
                        .filter(|(x, _)| **x > 0.0)
                        .map(|(x, c)| x * c)
                        .sum::<f64>()
                })
                .sum::<f64>();
            gap = relative_gap(tstt, sp.sptt);
            objective = p.objective_value(&class_volume);
            let step = Step {
                iteration,
                relative_gap: gap,
                objective,
                seconds: since(start),
            };
            steps.push(step);
            let stop = progress(&step).is_break();
            converged = gap <= options.gap;
            if converged || stop || iteration >= options.max_iterations {
                break;
            }
            // Measuring the gap takes a shortest-path tree per origin, a third of an iteration's
            // work. Far from the target, the gap's rate of fall so far says how many iterations
            // remain; measure again after half of them (at most 8), never overshooting by much.
            let skip = match last {
                Some((i0, g0)) if g0 > gap && gap > 0.0 && iteration > i0 => {
                    let rate = (gap / g0).powf(1.0 / (iteration - i0) as f64);
                    let remaining = (options.gap.max(1e-300) / gap).ln() / rate.ln();
                    if remaining.is_finite() {
                        ((remaining * 0.5).floor().max(0.0) as usize).min(8)
                    } else {
                        0
                    }
                }
                _ => 0,
            };
            last = Some((iteration, gap));
            next_measure = iteration + 1 + skip;
        }
        iteration += 1;
        sweep(p, &mut bushes, &mut links, &mut scratches, &mut s)?;
    }
    let class_volume = class_volumes(p, &bushes);
    let volume = p.total_volume(&class_volume);
    let mut time = vec![0.0; m];
    let mut slope = vec![0.0; m];
    p.times(&volume, &mut time, &mut slope);
    let solution = Solution {
        volume: volume.clone(),
        class_volume,
        time,
        relative_gap: gap,
        objective,
        total_cost: tstt,
        iterations: iteration,
        seconds: since(start),
        converged,
        steps,
        unserved: unserved.clone(),
    };
    Ok((
        solution,
        State {
            bushes,
            volume,
            unserved,
        },
    ))
}

/// Carries a solved state to `p`, the same problem with some links closed: bushes that
/// contain a closed link start again from a shortest-path tree at the current costs; the
/// others keep their flows. Solving from the result is a warm start.
pub fn reopen(p: &Problem, mut state: State) -> State {
    let m = p.graph.links();
    let mut s = Scratch::new(p.graph.nodes(), m);
    let affected: Vec<bool> = state
        .bushes
        .iter()
        .map(|b| (0..m).any(|a| p.closed[a] && b.member[a]))
        .collect();
    let mut links = Links::new(p, std::mem::take(&mut state.volume));
    for (b, hit) in state.bushes.iter().zip(&affected) {
        if *hit {
            for (a, &f) in b.flow.iter().enumerate() {
                if f > 0.0 {
                    links.add(b.class, a as u32, -f);
                }
            }
        }
    }
    let keep: Vec<(usize, u32)> = state
        .bushes
        .iter()
        .zip(&affected)
        .filter(|(_, hit)| !**hit)
        .map(|(b, _)| (b.class, b.origin))
        .collect();
    let mut unserved: Vec<Unserved> = state
        .unserved
        .into_iter()
        .filter(|u| keep.contains(&(u.class, u.origin)))
        .collect();
    for (b, hit) in state.bushes.iter_mut().zip(&affected) {
        if *hit {
            let (fresh, lost) = init_bush(p, b.class, b.row, &mut links, &mut s);
            *b = fresh;
            unserved.extend(lost);
        }
    }
    State {
        bushes: state.bushes,
        volume: links.volume,
        unserved,
    }
}

/// Equilibration passes per bush per iteration; more passes than this rarely pay before the
/// bush itself is improved again.
const INNER_PASSES: usize = 2;

/// Per class, per link: the sum of the class's bush flows.
fn class_volumes(p: &Problem, bushes: &[Bush]) -> Vec<Vec<f64>> {
    let m = p.graph.links();
    let mut v = vec![vec![0.0; m]; p.classes.len()];
    for b in bushes {
        for (acc, f) in v[b.class].iter_mut().zip(&b.flow) {
            *acc += f;
        }
    }
    v
}

/// A new bush for row `r` of class `k`: the shortest-path tree at current costs, with the
/// row loaded on it (and added to the link volumes).
fn init_bush(
    p: &Problem,
    k: usize,
    r: usize,
    links: &mut Links,
    s: &mut Scratch,
) -> (Bush, Vec<Unserved>) {
    let g = &p.graph;
    let row = &p.classes[k].matrix.rows()[r];
    p.class_costs(k, &links.time, &mut s.cost);
    s.tree.grow(g, &s.cost, row.origin);
    let mut member = vec![false; g.links()];
    for &v in &s.tree.order {
        let a = s.tree.pred[v as usize];
        if a != NONE {
            member[a as usize] = true;
        }
    }
    let mut flow = vec![0.0; g.links()];
    let loaded = load(g, &s.tree, row, 1.0, &mut flow, &mut s.node_load);
    for (a, &f) in flow.iter().enumerate() {
        if f > 0.0 {
            links.add(k, a as u32, f);
        }
    }
    let lost = loaded
        .unserved
        .into_iter()
        .map(|(d, amount)| Unserved {
            class: k,
            origin: row.origin,
            destination: d,
            amount,
        })
        .collect();
    (
        Bush {
            class: k,
            row: r,
            origin: row.origin,
            flow,
            member,
            order: s.tree.order.clone(),
        },
        lost,
    )
}

/// Marks each bush node's position in the topological order.
fn mark_positions(bush: &Bush, s: &mut Scratch) {
    for &v in &bush.order {
        s.pos[v as usize] = NONE;
    }
    for (i, &v) in bush.order.iter().enumerate() {
        s.pos[v as usize] = i as u32;
    }
}

fn clear_positions(bush: &Bush, s: &mut Scratch) {
    for &v in &bush.order {
        s.pos[v as usize] = NONE;
    }
}

/// Step 1: drop unused links (keeping a way into every node), add shortcuts against the
/// longest-path costs, and sort the bush again if it changed.
fn improve(p: &Problem, bush: &mut Bush, links: &Links, s: &mut Scratch) -> Result<(), Error> {
    let g = &p.graph;
    let k = bush.class;
    // Rounding in the shifts leaves crumbs of flow (1e-16 of a trip) on links whose tail no
    // longer receives any. A crumb makes a link look used, so its long path would hold the
    // bush's longest-path costs up and block shortcuts. Sweep them away; what this takes
    // from conservation is far below any tolerance that matters.
    let crumb = 1e-12
        * p.classes[k].matrix.rows()[bush.row]
            .cells
            .iter()
            .map(|c| c.1)
            .sum::<f64>();
    for f in bush.flow.iter_mut() {
        if *f < crumb {
            *f = 0.0;
        }
    }
    mark_positions(bush, s);
    // Shortest paths over the bush, to choose which unused link to keep into a node.
    s.lmin[bush.origin as usize] = 0.0;
    for &j in bush.order.iter().skip(1) {
        let mut best = f64::INFINITY;
        let mut keep = NONE;
        let mut used = false;
        for &a in g.incoming(j) {
            if !bush.member[a as usize] {
                continue;
            }
            let c = s.lmin[g.from(a) as usize] + links.cost(k, a);
            if c < best {
                best = c;
                keep = a;
            }
            used |= bush.flow[a as usize] > 0.0;
        }
        s.lmin[j as usize] = best;
        for &a in g.incoming(j) {
            let a_ = a as usize;
            if bush.member[a_] && bush.flow[a_] <= 0.0 && (used || a != keep) {
                bush.member[a_] = false;
                bush.flow[a_] = 0.0;
            }
        }
    }
    // Longest paths over what remains.
    s.lmax[bush.origin as usize] = 0.0;
    for &j in bush.order.iter().skip(1) {
        let mut worst = f64::NEG_INFINITY;
        for &a in g.incoming(j) {
            if bush.member[a as usize] {
                worst = worst.max(s.lmax[g.from(a) as usize] + links.cost(k, a));
            }
        }
        s.lmax[j as usize] = worst;
    }
    let mut added = false;
    for &i in &bush.order {
        if !g.passable(i, bush.origin) {
            continue;
        }
        let ui = s.lmax[i as usize];
        for &a in g.outgoing(i) {
            let a_ = a as usize;
            if bush.member[a_] || p.closed[a_] {
                continue;
            }
            let j = g.to(a);
            if j == bush.origin || s.pos[j as usize] == NONE {
                continue;
            }
            if ui + links.cost(k, a) < s.lmax[j as usize] {
                bush.member[a_] = true;
                added = true;
            }
        }
    }
    clear_positions(bush, s);
    if added {
        sort(p, bush, s)?;
    }
    Ok(())
}

/// One iteration: improve every bush, then equilibrate each in turn.
fn sweep(
    p: &Problem,
    bushes: &mut [Bush],
    links: &mut Links,
    scratches: &mut [Scratch],
    s: &mut Scratch,
) -> Result<(), Error> {
    improve_all(p, bushes, links, scratches)?;
    for bush in bushes.iter_mut() {
        for _ in 0..INNER_PASSES {
            if !equilibrate(p, bush, links, s) {
                break;
            }
        }
    }
    Ok(())
}

/// Improves every bush against the same link costs. Improving reads the costs and changes
/// only its own bush, so the bushes are shared out over threads; the flow shifts that follow
/// stay sequential (each sees the costs the previous one left).
fn improve_all(
    p: &Problem,
    bushes: &mut [Bush],
    links: &Links,
    scratches: &mut [Scratch],
) -> Result<(), Error> {
    if scratches.len() <= 1 {
        let s = scratches
            .first_mut()
            .ok_or_else(|| Error::Invalid("no scratch".into()))?;
        return bushes.iter_mut().try_for_each(|b| improve(p, b, links, s));
    }
    let chunk = bushes.len().div_ceil(scratches.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = bushes
            .chunks_mut(chunk)
            .zip(scratches.iter_mut())
            .map(|(part, s)| {
                scope.spawn(move || part.iter_mut().try_for_each(|b| improve(p, b, links, s)))
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    })
}

/// Kahn's algorithm over the bush's links; the node set does not change.
fn sort(p: &Problem, bush: &mut Bush, s: &mut Scratch) -> Result<(), Error> {
    let g = &p.graph;
    for &v in &bush.order {
        s.indegree[v as usize] = g
            .incoming(v)
            .iter()
            .filter(|a| bush.member[**a as usize])
            .count() as u32;
    }
    let count = bush.order.len();
    let mut order = Vec::with_capacity(count);
    order.push(bush.origin);
    let mut head = 0;
    while head < order.len() {
        let v = order[head];
        head += 1;
        for &a in g.outgoing(v) {
            if bush.member[a as usize] {
                let w = g.to(a) as usize;
                s.indegree[w] -= 1;
                if s.indegree[w] == 0 {
                    order.push(w as u32);
                }
            }
        }
    }
    if order.len() != count {
        return Err(Error::Invalid(format!(
            "the bush of origin {} became cyclic ({} of {count} nodes sorted); costs must not be negative",
            bush.origin + 1,
            order.len()
        )));
    }
    bush.order = order;
    Ok(())
}

/// Step 2: one pass of flow shifts over the bush. Returns whether any flow moved.
fn equilibrate(p: &Problem, bush: &mut Bush, links: &mut Links, s: &mut Scratch) -> bool {
    let g = &p.graph;
    let k = bush.class;
    let o = bush.origin as usize;
    mark_positions(bush, s);
    s.lmin[o] = 0.0;
    s.lmax[o] = 0.0;
    s.pmin[o] = NONE;
    s.pmax[o] = NONE;
    s.live[o] = true;
    for &j in bush.order.iter().skip(1) {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        let (mut plo, mut phi) = (NONE, NONE);
        for &a in g.incoming(j) {
            let a_ = a as usize;
            if !bush.member[a_] {
                continue;
            }
            let i = g.from(a) as usize;
            let c = links.cost(k, a);
            if s.lmin[i] + c < lo {
                lo = s.lmin[i] + c;
                plo = a;
            }
            // Only a path of links that all carry flow counts as used: rounding can leave a
            // crumb of flow on a link whose tail receives none, and a "longest used path"
            // through it would have nothing to shift.
            if bush.flow[a_] > 0.0 && s.live[i] && s.lmax[i] + c > hi {
                hi = s.lmax[i] + c;
                phi = a;
            }
        }
        let j = j as usize;
        s.lmin[j] = lo;
        s.pmin[j] = plo;
        s.live[j] = phi != NONE;
        if phi == NONE {
            s.lmax[j] = lo;
            s.pmax[j] = plo;
        } else {
            s.lmax[j] = hi;
            s.pmax[j] = phi;
        }
    }
    let mut moved = false;
    for idx in (1..bush.order.len()).rev() {
        let j = bush.order[idx] as usize;
        if !s.live[j] || s.pmax[j] == s.pmin[j] {
            continue;
        }
        if s.lmax[j] - s.lmin[j] <= 1e-14 * s.lmax[j].abs().max(1.0) {
            continue;
        }
        // Trace both paths back to the node where they split.
        s.seg_min.clear();
        s.seg_max.clear();
        // Both paths end at j by different links: take those first, then walk back whichever
        // is further along the topological order until they meet.
        let (lmin, lmax) = (s.pmin[j], s.pmax[j]);
        s.seg_min.push(lmin);
        s.seg_max.push(lmax);
        let mut cmin = links.cost(k, lmin);
        let mut cmax = links.cost(k, lmax);
        let mut dsum = links.slope(k, lmin) + links.slope(k, lmax);
        let mut limit = bush.flow[lmax as usize];
        let (mut a, mut b) = (g.from(lmin) as usize, g.from(lmax) as usize);
        while a != b {
            if s.pos[a] > s.pos[b] {
                let l = s.pmin[a];
                s.seg_min.push(l);
                cmin += links.cost(k, l);
                dsum += links.slope(k, l);
                a = g.from(l) as usize;
            } else {
                let l = s.pmax[b];
                s.seg_max.push(l);
                cmax += links.cost(k, l);
                dsum += links.slope(k, l);
                limit = limit.min(bush.flow[l as usize]);
                b = g.from(l) as usize;
            }
        }
        let diff = cmax - cmin;
        if diff.is_nan() || diff <= 0.0 || limit.is_nan() || limit <= 0.0 {
            continue;
        }
        let mut delta = if dsum > 0.0 { diff / dsum } else { limit };
        // A step that nearly empties the long segment empties it, so no dust of flow is
        // left to keep links "used".
        if delta >= limit * (1.0 - 1e-9) {
            delta = limit;
        }
        for &l in &s.seg_max {
            let f = &mut bush.flow[l as usize];
            *f = if delta == limit && *f == limit {
                0.0
            } else {
                (*f - delta).max(0.0)
            };
            links.add(k, l, -delta);
        }
        for &l in &s.seg_min {
            bush.flow[l as usize] += delta;
            links.add(k, l, delta);
        }
        moved = true;
    }
    clear_positions(bush, s);
    moved
}
