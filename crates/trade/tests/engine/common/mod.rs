#![allow(dead_code)]
//! A small fixture whose figures are worked out by hand in `fixture.rs`, and a Ballista
//! cluster on loopback.

pub mod ballista;

use kaifang_trade::codes::uscc_check_char;
use std::path::{Path, PathBuf};

/// A valid unified social credit code built from a 17-character body.
pub fn uscc(body: &str) -> String {
    let c = uscc_check_char(body.as_bytes()).expect("valid body");
    format!("{body}{}", c as char)
}

pub fn a() -> String {
    uscc("91220101MA0Y1AAA1")
}
pub fn b() -> String {
    uscc("91220106MA0Y2BBB2")
}
pub fn c() -> String {
    uscc("92222404MA0Y3CCC3")
}

pub const HEADER: &str = "period,flow,commodity,partner,trade_mode,region,uscc,enterprise,ownership,qty1,unit1,value_cny";

/// The fixture in Kaifang's canonical layout.
pub fn fixture_csv() -> String {
    let (a, b, c) = (a(), b(), c());
    let rows = [
        format!("2022-01,export,87032300,344,0110,220104,{a},示例汽车甲,foreign,10,辆,1000"),
        format!("2022-01,export,87089900,133,0110,220104,{a},示例汽车甲,foreign,100,千克,500"),
        format!("2022-01,import,87089900,304,0110,220106,{b},示例零件乙,state,200,千克,2000"),
        format!("2022-02,export,87032300,344,0110,220104,{a},示例汽车甲,foreign,10,辆,1500"),
        format!("2022-02,import,87089900,304,0615,220106,{b},示例零件乙,state,100,千克,1000"),
        format!("2023-01,export,87032300,344,0110,220104,{a},示例汽车甲,foreign,12,辆,1800"),
        format!("2023-01,export,12112000,116,0110,222404,{c},示例人参丙,private,50,千克,700"),
        format!("2023-01,import,87089900,304,0110,220106,{b},示例零件乙,state,220,千克,2200"),
        format!("2023-02,export,87032300,344,0110,220104,{a},示例汽车甲,foreign,10,辆,1500"),
        format!("2023-02,export,87089900,133,0110,220104,{a},示例汽车甲,foreign,100,千克,600"),
        format!("2023-02,import,87089900,304,0615,220106,{b},示例零件乙,state,100,千克,1100"),
    ];
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

pub fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write test file");
    p
}

/// The trade store of `dir` after importing one file `name` holding `bytes`.
pub fn store_with(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> kaifang_trade::TradeStore {
    let f = write(dir, name, bytes);
    let mut store = kaifang_trade::TradeStore::open(dir).expect("open the store");
    store
        .import_files(&[f], &Default::default(), &mut no_progress())
        .expect("import");
    store
}

pub fn no_progress() -> impl FnMut(f64) -> bool {
    |_| true
}

/// Every file under `dir` with its contents, to compare a store before and after.
pub fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    fn walk(root: &Path, d: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(d) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    walk(dir, dir, &mut out);
    out.sort();
    out
}
