//! The synthetic demo: customs-like records for 2019–2025, deterministic for a seed, and
//! labelled synthetic in the manifest and in every result.
//!
//! Calibration. Public figures used: Jilin Province's total goods trade of about 155.9 bn CNY
//! in 2022 and 167.9 bn in 2023, and exports of about 62.7 bn in 2023 (provincial statistical
//! releases). Every other year's total and export share below is an assumption, chosen to be
//! plausible, and says so. Partners, products, trade modes and cities are weighted to look like
//! a border province with a large car industry; the weights are invented. Enterprise names
//! contain 示例 ("example") and their credit codes are generated (valid check digits, but
//! belonging to no one).

use crate::codes::{Flow, Ownership, Period, uscc_check_char};
use crate::error::Result;
use crate::record::{Interner, NO_MODE, Rec};
use crate::store::{Part, TradeStore};
use std::collections::HashMap;

/// (year, total trade in bn CNY, export share, whether the total is a public figure).
const YEARS: [(i32, f64, f64, &str); 7] = [
    (2019, 130.2, 0.256, "assumed"),
    (2020, 128.1, 0.262, "assumed"),
    (2021, 150.4, 0.290, "assumed"),
    (2022, 155.9, 0.3185, "public total; export share assumed"),
    (2023, 167.9, 62.7 / 167.9, "public total and exports"),
    (2024, 169.5, 0.380, "assumed"),
    (2025, 173.0, 0.390, "assumed"),
];

/// CNY per USD, annual averages rounded (for the synthetic USD column only).
const CNY_PER_USD: [f64; 7] = [6.90, 6.90, 6.45, 6.73, 7.05, 7.12, 7.18];

/// Spring Festival dip, year-end peak.
const SEASON: [f64; 12] = [
    0.82, 0.70, 1.0, 1.0, 1.02, 1.02, 1.01, 1.03, 1.05, 0.97, 1.08, 1.30,
];

/// (customs code, export weight, import weight). Invented, except that the shares of total
/// trade put Germany (304), Russia (344) and Mexico (429) first, second and third, as in
/// Jilin's published ranking of partners (provincial Department of Commerce, January 2024).
const PARTNERS: &[(u16, f64, f64)] = &[
    (344, 0.19, 0.10),
    (133, 0.10, 0.06),
    (116, 0.08, 0.08),
    (502, 0.07, 0.04),
    (304, 0.05, 0.28),
    (141, 0.04, 0.02),
    (136, 0.03, 0.02),
    (122, 0.03, 0.02),
    (112, 0.03, 0.02),
    (111, 0.03, 0.01),
    (145, 0.03, 0.01),
    (149, 0.02, 0.005),
    (429, 0.10, 0.09),
    (410, 0.02, 0.05),
    (138, 0.02, 0.005),
    (131, 0.02, 0.01),
    (137, 0.02, 0.005),
    (309, 0.02, 0.01),
    (303, 0.02, 0.01),
    (601, 0.02, 0.05),
    (132, 0.02, 0.01),
    (129, 0.02, 0.005),
    (110, 0.03, 0.002),
    (124, 0.02, 0.02),
    (327, 0.01, 0.005),
    (412, 0.01, 0.01),
    (353, 0.005, 0.03),
    (352, 0.005, 0.02),
    (321, 0.005, 0.02),
    (315, 0.005, 0.02),
    (305, 0.01, 0.03),
    (307, 0.01, 0.02),
    (312, 0.01, 0.02),
    (330, 0.005, 0.01),
    (501, 0.01, 0.01),
    (609, 0.005, 0.01),
    (109, 0.005, 0.005),
    (340, 0.01, 0.005),
    (127, 0.01, 0.002),
    (103, 0.005, 0.001),
];

/// (HS6, unit, unit value CNY in 2019, yearly price drift, export weight, import weight)
const PRODUCTS: &[(&str, &str, f64, f64, f64, f64)] = &[
    ("870323", "辆", 180_000.0, 0.04, 0.12, 0.04),
    ("870380", "辆", 150_000.0, -0.03, 0.08, 0.01),
    ("870899", "千克", 110.0, 0.02, 0.05, 0.22),
    ("870840", "千克", 140.0, 0.02, 0.02, 0.10),
    ("870829", "千克", 75.0, 0.01, 0.02, 0.06),
    ("840734", "台", 28_000.0, 0.02, 0.02, 0.04),
    ("850440", "个", 480.0, 0.0, 0.02, 0.02),
    ("850760", "个", 320.0, -0.05, 0.03, 0.02),
    ("854442", "千克", 60.0, 0.03, 0.02, 0.02),
    ("860390", "辆", 9_000_000.0, 0.02, 0.03, 0.0),
    ("860799", "千克", 95.0, 0.02, 0.02, 0.01),
    ("901890", "千克", 1_800.0, 0.01, 0.01, 0.02),
    ("300490", "千克", 450.0, 0.02, 0.02, 0.02),
    ("121120", "千克", 280.0, 0.05, 0.02, 0.0),
    ("100590", "千克", 2.1, 0.03, 0.005, 0.02),
    ("120190", "千克", 3.9, 0.04, 0.0, 0.06),
    ("440710", "立方米", 2_400.0, 0.03, 0.0, 0.04),
    ("440320", "立方米", 1_150.0, 0.03, 0.0, 0.02),
    ("270112", "千克", 0.9, 0.06, 0.0, 0.04),
    ("260111", "千克", 0.8, 0.04, 0.0, 0.05),
    ("271019", "千克", 5.2, 0.05, 0.0, 0.03),
    ("390210", "千克", 8.8, 0.01, 0.04, 0.02),
    ("290250", "千克", 7.6, 0.02, 0.02, 0.0),
    ("382499", "千克", 14.0, 0.01, 0.02, 0.01),
    ("030389", "千克", 14.0, 0.03, 0.01, 0.02),
    ("160420", "千克", 24.0, 0.02, 0.02, 0.0),
    ("020714", "千克", 11.5, 0.02, 0.02, 0.0),
    ("071290", "千克", 19.0, 0.01, 0.01, 0.0),
    ("610910", "件", 24.0, 0.01, 0.03, 0.0),
    ("620342", "条", 58.0, 0.01, 0.02, 0.0),
    ("940360", "千克", 19.0, 0.01, 0.02, 0.0),
    ("730890", "千克", 7.8, 0.02, 0.03, 0.0),
    ("720851", "千克", 4.9, 0.03, 0.02, 0.01),
    ("847130", "台", 2_900.0, -0.02, 0.01, 0.01),
];

/// (trade mode, export weight, import weight)
const MODES: &[(u16, f64, f64)] = &[
    (110, 0.70, 0.68),
    (615, 0.08, 0.10),
    (214, 0.02, 0.02),
    (4019, 0.05, 0.04),
    (9610, 0.02, 0.0),
    (9710, 0.03, 0.0),
    (9810, 0.02, 0.0),
    (1210, 0.01, 0.02),
    (1233, 0.0, 0.04),
    (1234, 0.03, 0.04),
    (2225, 0.0, 0.02),
    (6033, 0.0, 0.02),
    (9739, 0.03, 0.02),
];

/// (GB/T 2260 code, weight, city name used in the example enterprise names)
const PLACES: &[(u32, f64, &str)] = &[
    (220102, 0.08, "长春"),
    (220103, 0.06, "长春"),
    (220104, 0.12, "长春"),
    (220105, 0.05, "长春"),
    (220106, 0.14, "长春"),
    (220112, 0.03, "长春"),
    (220113, 0.03, "长春"),
    (220182, 0.02, "长春"),
    (220183, 0.02, "长春"),
    (220184, 0.03, "长春"),
    (220200, 0.10, "吉林"),
    (220300, 0.03, "四平"),
    (220400, 0.02, "辽源"),
    (220500, 0.04, "通化"),
    (220600, 0.02, "白山"),
    (220700, 0.02, "松原"),
    (220800, 0.01, "白城"),
    (222401, 0.04, "延吉"),
    (222402, 0.02, "图们"),
    (222403, 0.02, "敦化"),
    (222404, 0.08, "珲春"),
];

const TRADES: &[&str] = &[
    "汽车零部件",
    "进出口贸易",
    "机械",
    "化工",
    "食品",
    "木业",
    "医药",
    "电子",
    "轨道交通装备",
    "农产品",
];

/// A small, fast, deterministic generator (SplitMix64); no dependence on a crate's stream.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(1e-12), self.unit());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Cumulative weights for sampling by binary search.
struct Picker(Vec<f64>);

impl Picker {
    fn new(weights: impl Iterator<Item = f64>) -> Picker {
        let mut acc = 0.0;
        Picker(
            weights
                .map(|w| {
                    acc += w.max(0.0);
                    acc
                })
                .collect(),
        )
    }
    fn pick(&self, rng: &mut Rng) -> usize {
        let total = self.0.last().copied().unwrap_or(0.0);
        let x = rng.unit() * total;
        self.0
            .partition_point(|&c| c <= x)
            .min(self.0.len().saturating_sub(1))
    }
}

struct Enterprise {
    uscc: [u8; 18],
    name: u32,
    ownership: Ownership,
    region: u32,
    weight: f64,
    from_year: i32,
    to_year: i32,
    exports: bool,
    imports: bool,
    product: usize,
    suffix: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    /// Target number of records over the 84 months and two flows.
    pub rows: u64,
    pub seed: u64,
    pub enterprises: usize,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            rows: 1_200_000,
            seed: 2023,
            enterprises: 4000,
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoReport {
    pub rows: u64,
    pub partitions: usize,
    pub seconds: f64,
    pub synthetic: bool,
}

fn make_enterprises(rng: &mut Rng, n: usize, strings: &mut Interner) -> Vec<Enterprise> {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let places = Picker::new(PLACES.iter().map(|p| p.1));
    // An enterprise's main product follows the province's product mix (cars and parts first).
    let products = Picker::new(PRODUCTS.iter().map(|p| p.4 + p.5));
    (0..n)
        .map(|i| {
            let place = PLACES[places.pick(rng)];
            let mut body = [0u8; 17];
            body[0] = b'9';
            body[1] = b'1';
            body[2..8].copy_from_slice(format!("{:06}", place.0).as_bytes());
            for b in &mut body[8..17] {
                *b = CHARS[rng.below(CHARS.len())];
            }
            let mut uscc = [0u8; 18];
            uscc[..17].copy_from_slice(&body);
            uscc[17] = uscc_check_char(&body).unwrap_or(b'0');
            // Pareto-like sizes: a few large traders carry most of the value.
            let weight = (1.0 / (rng.unit().max(1e-9))).powf(0.9).min(3e3);
            let ownership = match rng.unit() {
                u if u < 0.15 + (weight > 100.0) as u8 as f64 * 0.2 => Ownership::State,
                u if u < 0.45 + (weight > 100.0) as u8 as f64 * 0.2 => Ownership::Foreign,
                u if u < 0.95 => Ownership::Private,
                _ => Ownership::Other,
            };
            let trade = TRADES[rng.below(TRADES.len())];
            let name = format!("{}示例{}有限公司{:04}", place.2, trade, i + 1);
            let from_year = if rng.unit() < 0.6 {
                2019
            } else {
                2019 + rng.below(7) as i32
            };
            let to_year = if rng.unit() < 0.8 {
                2025
            } else {
                from_year + rng.below(7) as i32
            };
            let kind = rng.unit();
            Enterprise {
                uscc,
                name: strings.intern(&name),
                ownership,
                region: place.0,
                weight,
                from_year,
                to_year: to_year.min(2025),
                exports: kind < 0.75,
                imports: kind > 0.45,
                product: products.pick(rng),
                suffix: ["00", "10", "90"][rng.below(3)],
            }
        })
        .collect()
}

/// Gives [`DEMO_ENTERPRISE`](kaifang_model::uscc::DEMO_ENTERPRISE), the code the demo registry
/// gives an enterprise account, to the largest Changchun trader that trades both ways in every
/// year, so that account has trade of its own to look at. Only the code changes: the random
/// draws, and so every figure of the demo, stay as they were.
fn link_demo_enterprise(ents: &mut [Enterprise]) {
    let rank = |e: &Enterprise| {
        (
            e.region / 100 == 2201,
            e.exports && e.imports && e.from_year <= 2019 && e.to_year >= 2025,
            e.weight,
        )
    };
    let best = ents.iter_mut().max_by(|a, b| {
        rank(a)
            .partial_cmp(&rank(b))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    if let Some(e) = best {
        e.uscc
            .copy_from_slice(kaifang_model::uscc::DEMO_ENTERPRISE.as_bytes());
    }
}

/// Generates the demo into the store, replacing everything it held.
pub fn generate(
    store: &mut TradeStore,
    options: &DemoOptions,
    progress: &mut dyn FnMut(f64) -> bool,
) -> Result<DemoReport> {
    let start = std::time::Instant::now();
    let mut rng = Rng(options.seed ^ 0x004B_4149_4641_4E47);
    let mut strings = Interner::new();
    let mut ents = make_enterprises(&mut rng, options.enterprises.max(10), &mut strings);
    link_demo_enterprise(&mut ents);
    let units: Vec<u32> = PRODUCTS.iter().map(|p| strings.intern(p.1)).collect();
    let partners: HashMap<Flow, Picker> = Flow::ALL
        .iter()
        .map(|&f| {
            (
                f,
                Picker::new(
                    PARTNERS
                        .iter()
                        .map(|p| if f == Flow::Export { p.1 } else { p.2 }),
                ),
            )
        })
        .collect();
    let products: HashMap<Flow, Picker> = Flow::ALL
        .iter()
        .map(|&f| {
            (
                f,
                Picker::new(
                    PRODUCTS
                        .iter()
                        .map(|p| if f == Flow::Export { p.4 } else { p.5 }),
                ),
            )
        })
        .collect();
    let modes: HashMap<Flow, Picker> = Flow::ALL
        .iter()
        .map(|&f| {
            (
                f,
                Picker::new(
                    MODES
                        .iter()
                        .map(|p| if f == Flow::Export { p.1 } else { p.2 }),
                ),
            )
        })
        .collect();
    // Month weights per year and flow: the seasonal pattern with some noise, normalised so
    // that every year adds up to its calibrated total exactly.
    let mut weights: HashMap<(i32, Flow), [f64; 12]> = HashMap::new();
    for (year, ..) in YEARS {
        for flow in Flow::ALL {
            let mut w = [0.0; 12];
            for (m, x) in w.iter_mut().enumerate() {
                *x = SEASON[m] * (1.0 + 0.06 * rng.normal()).max(0.5);
            }
            let sum: f64 = w.iter().sum();
            w.iter_mut().for_each(|x| *x /= sum);
            weights.insert((year, flow), w);
        }
    }
    let per_part = (options.rows as f64 / (YEARS.len() * 24) as f64).max(1.0);
    let total_parts = YEARS.len() * 24;
    let mut periods = Vec::new();
    for (yi, y) in YEARS.iter().enumerate() {
        for m in 1..=12u32 {
            for flow in Flow::ALL {
                periods.push((yi, y.0, m, flow));
            }
        }
    }
    let mut rows_total = 0u64;
    let strings_ref = &strings;
    let rng_ref = &mut rng;
    let mut iter = periods.into_iter().map(|(yi, year, month, flow)| {
        let (_, total_bn, export_share, _) = YEARS[yi];
        let flow_share = if flow == Flow::Export {
            export_share
        } else {
            1.0 - export_share
        };
        let target = total_bn * 1e9 * flow_share * weights[&(year, flow)][month as usize - 1];
        let active: Vec<&Enterprise> = ents
            .iter()
            .filter(|e| e.from_year <= year && year <= e.to_year)
            .filter(|e| {
                if flow == Flow::Export {
                    e.exports
                } else {
                    e.imports
                }
            })
            .collect();
        let pick_ent = Picker::new(active.iter().map(|e| e.weight));
        let n = (per_part * SEASON[month as usize - 1]).round() as usize;
        let mut merged: HashMap<(usize, usize, usize, usize), (f64, f64)> =
            HashMap::with_capacity(n);
        // Draw until there are n distinct records (repeated keys are summed), with a bound in
        // case the combinations run out.
        let mut attempts = 0usize;
        while merged.len() < n && attempts < n * 20 {
            attempts += 1;
            let e = pick_ent.pick(rng_ref);
            // Half the time the enterprise's main product, when it trades it in this direction.
            let own = active[e].product;
            let own_weight = if flow == Flow::Export {
                PRODUCTS[own].4
            } else {
                PRODUCTS[own].5
            };
            let p = if own_weight > 0.0 && rng_ref.unit() < 0.5 {
                own
            } else {
                products[&flow].pick(rng_ref)
            };
            let partner = partners[&flow].pick(rng_ref);
            let mode = modes[&flow].pick(rng_ref);
            let value = (rng_ref.normal() * 1.2).exp();
            let prod = PRODUCTS[p];
            let price =
                prod.2 * (1.0 + prod.3).powi(year - 2019) * (1.0 + 0.1 * rng_ref.normal()).max(0.3);
            let entry = merged.entry((e, p, partner, mode)).or_default();
            entry.0 += value;
            entry.1 += value / price;
        }
        let raw_total: f64 = merged.values().map(|v| v.0).sum();
        let scale = if raw_total > 0.0 {
            target / raw_total
        } else {
            0.0
        };
        let rate = CNY_PER_USD[yi];
        let mut recs: Vec<Rec> = merged
            .into_iter()
            .map(|((e, p, partner, mode), (v, q))| {
                let ent = active[e];
                let mut code = [0u8; 10];
                code[..6].copy_from_slice(PRODUCTS[p].0.as_bytes());
                code[6..8].copy_from_slice(ent.suffix.as_bytes());
                let cny = (v * scale).round().max(1.0);
                Rec {
                    period: Period { year, month },
                    flow,
                    code_len: 8,
                    code,
                    partner: PARTNERS[partner].0,
                    mode: MODES[mode].0,
                    region: ent.region,
                    uscc: Some(ent.uscc),
                    name: ent.name,
                    ownership: Some(ent.ownership),
                    qty1: (q * scale).max(1.0).round(),
                    unit1: units[p],
                    qty2: f64::NAN,
                    unit2: 0,
                    cny,
                    usd: (cny / rate).round(),
                    file: 0,
                    row: 0,
                }
            })
            .collect();
        // Two enterprises can share no key (the credit code is in it), so no duplicates.
        let _ = crate::record::sort_part(&mut recs);
        rows_total += recs.len() as u64;
        Ok((
            Part {
                period: Period { year, month },
                flow,
                files: vec![0],
                recs: crate::store::Records::Held(recs),
            },
            vec!["synthetic demo".to_string()],
        ))
    });
    let _ = NO_MODE;
    let mut k = 0usize;
    let writing = crate::store::Writing {
        synthetic: true,
        fail_after_files: None,
        max_rows_in_flight: crate::store::ImportOptions::default().rows_in_flight(),
    };
    store.commit(&mut iter, strings_ref, writing, &mut |_| {
        k += 1;
        progress(k as f64 / total_parts as f64)
    })?;
    drop(iter);
    store.write_reference(&synthetic_reference(options.seed), true)?;
    Ok(DemoReport {
        rows: rows_total,
        partitions: total_parts,
        seconds: start.elapsed().as_secs_f64(),
        synthetic: true,
    })
}

/// A synthetic national export table by chapter (for RCA in the demo), labelled as such.
fn synthetic_reference(seed: u64) -> String {
    let mut rng = Rng(seed ^ 0x5245_4645);
    let l = crate::lookup::Lookups::get();
    let mut chapters: Vec<&String> = l.chapters.keys().collect();
    chapters.sort();
    let mut out = String::from("year,chapter,value,source\n");
    for (year, ..) in YEARS {
        for c in &chapters {
            // Machinery and electrical equipment dominate national exports; the rest is spread.
            let base = match c.as_str() {
                "84" => 3.0e12,
                "85" => 4.2e12,
                "87" => 1.2e12,
                "61" | "62" | "94" | "95" | "39" | "73" => 0.6e12,
                _ => 0.15e12,
            };
            let v =
                base * (1.0 + 0.05 * (year - 2019) as f64) * (1.0 + 0.1 * rng.normal()).max(0.2);
            out.push_str(&format!(
                "{year},{c},{v:.0},synthetic demo reference (not national statistics)\n"
            ));
        }
    }
    out
}
