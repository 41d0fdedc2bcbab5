//! Drill-downs answered from the pair tables must equal the same questions summed from the
//! records, after imports, re-imports, failed imports, and for stores written before the pair
//! tables existed.

use crate::common::*;
use kaifang_trade::*;

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        "{what}: {a} != {b}"
    );
}

fn opt_close(a: Option<f64>, b: Option<f64>, what: &str) {
    match (a, b) {
        (Some(a), Some(b)) => close(a, b, what),
        (a, b) => assert_eq!(a, b, "{what}"),
    }
}

fn same_breakdown(agg: &Breakdown, raw: &Breakdown, what: &str) {
    close(
        agg.total.value_cny,
        raw.total.value_cny,
        &format!("{what}: total"),
    );
    opt_close(
        agg.total.yoy_pct,
        raw.total.yoy_pct,
        &format!("{what}: total yoy"),
    );
    let keys = |b: &Breakdown| b.rows.iter().map(|r| r.key.clone()).collect::<Vec<_>>();
    assert_eq!(keys(agg), keys(raw), "{what}: rows");
    for (a, r) in agg.rows.iter().zip(&raw.rows) {
        let w = format!("{what}, {}", a.key);
        assert_eq!(
            (&a.name_zh, &a.name_en, &a.iso2),
            (&r.name_zh, &r.name_en, &r.iso2),
            "{w}"
        );
        close(a.value_cny, r.value_cny, &w);
        close(a.prev_value_cny, r.prev_value_cny, &w);
        close(a.share_pct, r.share_pct, &w);
        opt_close(a.yoy_pct, r.yoy_pct, &w);
        opt_close(a.contribution_pp, r.contribution_pp, &w);
    }
}

fn same_trend(agg: &[TrendPoint], raw: &[TrendPoint], what: &str) {
    assert_eq!(agg.len(), raw.len(), "{what}: points");
    for (a, r) in agg.iter().zip(raw) {
        assert_eq!(a.period, r.period, "{what}");
        let w = format!("{what}, {}", a.period);
        close(a.month.value_cny, r.month.value_cny, &w);
        close(a.ytd.value_cny, r.ytd.value_cny, &w);
        opt_close(a.month.yoy_pct, r.month.yoy_pct, &w);
        opt_close(a.ytd.yoy_pct, r.ytd.yoy_pct, &w);
    }
}

/// Every dimension a slice file holds (end use is derived from the commodity when read).
pub(crate) const DIMS: [Dimension; 8] = [
    Dimension::Partner,
    Dimension::PartnerGroup,
    Dimension::Section,
    Dimension::Chapter,
    Dimension::TradeMode,
    Dimension::City,
    Dimension::Ownership,
    Dimension::Enterprise,
];

fn slice(dim: Dimension, key: &str) -> Slice {
    let mut s = Slice::default();
    s.add(dim, key).unwrap();
    s
}

/// Every slice × every breakdown × a few windows, and every slice's trend.
async fn check_all(store: &TradeStore, slices: &[Slice], windows: &[Filter]) -> usize {
    let mut compared = 0;
    for s in slices {
        for f in windows {
            for dim in DIMS {
                let what = format!("{s:?} by {dim:?} in {f:?}");
                let agg = breakdown_in(store, dim, f, s).await.unwrap();
                let raw = breakdown_from_records(store, dim, f, s).await.unwrap();
                same_breakdown(&agg, &raw, &what);
                compared += agg.rows.len();
            }
        }
        for flow in [None, Some(Flow::Export), Some(Flow::Import)] {
            let agg = trend_in(store, flow, s).await.unwrap();
            let raw = trend_from_records(store, flow, s).await.unwrap();
            same_trend(&agg, &raw, &format!("trend of {s:?}, {flow:?}"));
        }
    }
    compared
}

fn windows(year: i32, month: u32) -> Vec<Filter> {
    let f = Filter::new(year, month).unwrap();
    vec![
        f,
        Filter {
            flow: Some(Flow::Export),
            cumulative: false,
            ..f
        },
        Filter {
            flow: Some(Flow::Import),
            top: Some(3),
            ..f
        },
    ]
}

#[tokio::test]
async fn demo_slices_from_aggregates_equal_the_records() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = TradeStore::open(dir.path()).unwrap();
    let opts = demo::DemoOptions {
        rows: 20_000,
        seed: 11,
        enterprises: 300,
    };
    demo::generate(&mut store, &opts, &mut no_progress()).unwrap();
    let slices = [
        slice(Dimension::Partner, "344"),
        slice(Dimension::Partner, "999"),
        slice(Dimension::Section, "17"),
        slice(Dimension::Chapter, "12"),
        slice(Dimension::City, "222400"),
        slice(Dimension::TradeMode, "9710"),
        // One enterprise: the demo's linked one, answered from the enterprise slice files.
        slice(Dimension::Enterprise, kaifang_model::uscc::DEMO_ENTERPRISE),
    ];
    let wins = windows(2024, 12);
    let compared = check_all(&store, &slices, &wins).await;
    assert!(compared > 1_000, "only {compared} rows compared");
    // Two conditions at once are answered from the records, and the same as filtering them.
    let mut two = slice(Dimension::Partner, "344");
    two.add(Dimension::Chapter, "87").unwrap();
    let b = breakdown_in(&store, Dimension::City, &wins[0], &two)
        .await
        .unwrap();
    let want = store
        .sql(
            "SELECT SUM(value_cny) FROM records WHERE year = 2024 AND partner = '344' AND chapter = '87'",
            1,
        )
        .await
        .unwrap();
    close(
        b.total.value_cny,
        want.rows[0][0].as_f64().unwrap(),
        "two conditions",
    );
}

async fn fixture_store() -> (tempfile::TempDir, TradeStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = store_with(dir.path(), "fixture.csv", fixture_csv());
    (dir, store)
}

fn fixture_slices() -> Vec<Slice> {
    vec![
        slice(Dimension::Partner, "344"),
        slice(Dimension::Partner, "133"),
        slice(Dimension::Chapter, "87"),
        slice(Dimension::Section, "17"),
        slice(Dimension::City, "220100"),
        slice(Dimension::TradeMode, "0615"),
    ]
}

#[tokio::test]
async fn fixture_slices_by_hand_and_against_the_records() {
    let (_d, store) = fixture_store().await;
    let f = Filter::new(2023, 2).unwrap();
    // Russia, Jan–Feb 2023, by city: all in Changchun (220104 → 220100): 1800 + 1500 = 3300
    // against 1000 + 1500 = 2500.
    let b = breakdown_in(
        &store,
        Dimension::City,
        &f,
        &slice(Dimension::Partner, "344"),
    )
    .await
    .unwrap();
    assert_eq!(b.rows.len(), 1);
    assert_eq!(b.rows[0].key, "220100");
    close(b.rows[0].value_cny, 3300.0, "Russia in Changchun");
    close(b.rows[0].prev_value_cny, 2500.0, "a year earlier");
    close(b.total.value_cny, 3300.0, "Russia");
    // Processing with imported materials (0615), by partner: Germany, February only, 1100
    // against 1000.
    let b = breakdown_in(
        &store,
        Dimension::Partner,
        &Filter {
            cumulative: false,
            ..f
        },
        &slice(Dimension::TradeMode, "0615"),
    )
    .await
    .unwrap();
    assert_eq!(b.rows.len(), 1);
    assert_eq!(b.rows[0].iso2.as_deref(), Some("DE"));
    close(b.rows[0].value_cny, 1100.0, "0615 Germany");
    close(b.rows[0].yoy_pct.unwrap(), 10.0, "0615 Germany yoy");
    // Chapter 87 by section: one row, section 17, everything but the ginseng (700).
    let b = breakdown_in(
        &store,
        Dimension::Section,
        &f,
        &slice(Dimension::Chapter, "87"),
    )
    .await
    .unwrap();
    assert_eq!(b.rows.len(), 1);
    close(b.rows[0].value_cny, 7900.0 - 700.0, "chapter 87");
    // The trend of Korea (133): 500 in Jan 2022, 600 in Feb 2023.
    let t = trend_in(&store, None, &slice(Dimension::Partner, "133"))
        .await
        .unwrap();
    let months: Vec<(String, f64)> = t
        .iter()
        .map(|p| (p.period.to_string(), p.month.value_cny))
        .collect();
    assert_eq!(
        months,
        [
            ("2022-01".to_string(), 500.0),
            ("2023-02".to_string(), 600.0)
        ]
    );
    check_all(&store, &fixture_slices(), &windows(2023, 2)).await;
}

#[tokio::test]
async fn reimport_and_failed_import_keep_slices_equal_to_the_records() {
    let (dir, mut store) = fixture_store().await;
    let f = Filter::new(2023, 2).unwrap();
    let russia = slice(Dimension::Partner, "344");
    // February 2023's exports again, now with Russia at 4000 in Jilin city and a new partner.
    let (a, c) = (a(), c());
    let again = format!(
        "{HEADER}\n2023-02,export,87032300,344,0110,220204,{a},示例汽车甲,foreign,10,辆,4000\n\
         2023-02,export,12112000,502,0110,222404,{c},示例人参丙,private,5,千克,300\n"
    );
    let file = write(dir.path(), "again.csv", again);
    store
        .import_files(&[file], &ImportOptions::default(), &mut no_progress())
        .unwrap();
    let b = breakdown_in(&store, Dimension::City, &f, &russia)
        .await
        .unwrap();
    let cities: Vec<(&str, f64)> = b
        .rows
        .iter()
        .map(|r| (r.key.as_str(), r.value_cny))
        .collect();
    assert_eq!(cities, [("220200", 4000.0), ("220100", 1800.0)]);
    check_all(&store, &fixture_slices(), &windows(2023, 2)).await;
    // An import that fails after writing a file changes nothing a reader sees.
    let before = breakdown_in(&store, Dimension::Chapter, &f, &russia)
        .await
        .unwrap();
    let bad = write(
        dir.path(),
        "bad.csv",
        format!(
            "{HEADER}\n2023-01,export,87032300,344,0110,220104,{a},示例汽车甲,foreign,1,辆,9\n\
             2023-02,export,87032300,344,0110,220104,{a},示例汽车甲,foreign,1,辆,9\n"
        ),
    );
    let opts = ImportOptions {
        fail_after_files: Some(1),
        ..Default::default()
    };
    assert!(
        store
            .import_files(&[bad], &opts, &mut no_progress())
            .is_err()
    );
    let store = TradeStore::open(dir.path()).unwrap();
    let after = breakdown_in(&store, Dimension::Chapter, &f, &russia)
        .await
        .unwrap();
    assert_eq!(before, after);
    check_all(&store, &fixture_slices(), &windows(2023, 2)).await;
}

/// One export row of a month, in a file of its own.
fn one_row(period: &str) -> String {
    format!(
        "{HEADER}\n{period},export,87032300,344,0110,220104,{},示例汽车甲,foreign,1,辆,10\n",
        a()
    )
}

/// A month's import writes the aggregate files of its year and no others: the other years'
/// files stay as they were, and every answer still equals the records'.
#[tokio::test]
async fn an_import_rewrites_only_the_aggregate_files_of_its_year() {
    let (dir, mut store) = fixture_store().await;
    let before = store.manifest().aggregates.clone();
    for table in ["total", "partner", "enterprise", "hs6", "partner_chapter"] {
        for year in [2022, 2023] {
            assert!(
                before.contains_key(&format!("{table}/{year}")),
                "{before:?}"
            );
        }
    }
    assert!(before.keys().all(|k| k.contains('/')), "{before:?}");
    let file = write(dir.path(), "march.csv", one_row("2023-03"));
    store
        .import_files(&[file], &ImportOptions::default(), &mut no_progress())
        .unwrap();
    let after = store.manifest().aggregates.clone();
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    let trade = dir.path().join("trade");
    for (k, f) in &before {
        if k.ends_with("/2022") {
            assert_eq!(&after[k], f, "{k} was rewritten");
            assert!(trade.join(f).exists(), "{f}");
        } else {
            assert_ne!(&after[k], f, "{k} was not rewritten");
            assert!(!trade.join(f).exists(), "{f} was left behind");
        }
    }
    let store = TradeStore::open(dir.path()).unwrap();
    check_all(&store, &fixture_slices(), &windows(2023, 3)).await;
    check_all(&store, &fixture_slices(), &windows(2022, 2)).await;
}

/// Stores written before the aggregate files were per year have one file per table; they
/// are read as they are, and their next import writes every year's file.
#[tokio::test]
async fn a_store_with_one_aggregate_file_per_table_is_read_and_then_written_per_year() {
    let dir = tempfile::tempdir().unwrap();
    let only_2023: String = fixture_csv()
        .lines()
        .filter(|l| !l.starts_with("2022"))
        .map(|l| format!("{l}\n"))
        .collect();
    let store = store_with(dir.path(), "fixture.csv", only_2023);
    let want = summary(&store, 2023, 2).await.unwrap();
    drop(store);
    // One year only, so that its files hold every year: the older layout exactly.
    let path = dir.path().join("trade/manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let aggs = m["aggregates"].as_object_mut().unwrap();
    let whole: serde_json::Map<String, serde_json::Value> = aggs
        .iter()
        .map(|(k, v)| (k.trim_end_matches("/2023").to_string(), v.clone()))
        .collect();
    assert!(whole.keys().all(|k| !k.contains('/')), "{whole:?}");
    let tables: Vec<String> = whole.keys().cloned().collect();
    *aggs = whole;
    std::fs::write(&path, serde_json::to_vec(&m).unwrap()).unwrap();
    let mut store = TradeStore::open(dir.path()).unwrap();
    assert_eq!(summary(&store, 2023, 2).await.unwrap(), want);
    check_all(&store, &fixture_slices(), &windows(2023, 2)).await;
    // A month of another year: both years' files are written, the old ones go.
    let file = write(dir.path(), "2022.csv", one_row("2022-02"));
    store
        .import_files(&[file], &ImportOptions::default(), &mut no_progress())
        .unwrap();
    let aggs = &store.manifest().aggregates;
    let mut want: Vec<String> = tables
        .iter()
        .flat_map(|t| [format!("{t}/2022"), format!("{t}/2023")])
        .collect();
    want.sort();
    assert_eq!(aggs.keys().cloned().collect::<Vec<_>>(), want);
    let store = TradeStore::open(dir.path()).unwrap();
    check_all(&store, &fixture_slices(), &windows(2023, 2)).await;
}

#[tokio::test]
async fn a_store_without_pair_tables_derives_them_from_its_records() {
    let (dir, store) = fixture_store().await;
    let f = Filter::new(2023, 2).unwrap();
    let want = breakdown_in(
        &store,
        Dimension::City,
        &f,
        &slice(Dimension::Partner, "344"),
    )
    .await
    .unwrap();
    drop(store);
    // As an older version wrote it: only the one-dimension tables in the manifest, and no
    // enterprise slice files (enterprises within a slice then come from the records).
    let path = dir.path().join("trade/manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let aggs = m["aggregates"].as_object_mut().unwrap();
    aggs.retain(|k, _| {
        [
            "total",
            "partner",
            "chapter",
            "trade_mode",
            "city",
            "ownership",
            "enterprise",
            "hs6",
        ]
        .contains(&k.split('/').next().unwrap_or_default())
    });
    for p in m["partitions"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("enterprise_slices");
    }
    std::fs::write(&path, serde_json::to_vec(&m).unwrap()).unwrap();
    let mut store = TradeStore::open(dir.path()).unwrap();
    let got = breakdown_in(
        &store,
        Dimension::City,
        &f,
        &slice(Dimension::Partner, "344"),
    )
    .await
    .unwrap();
    assert_eq!(got, want);
    check_all(&store, &fixture_slices(), &windows(2023, 2)).await;
    // The next import writes them, with the periods it did not touch.
    let file = write(dir.path(), "more.csv", one_row("2023-03"));
    store
        .import_files(&[file], &ImportOptions::default(), &mut no_progress())
        .unwrap();
    assert!(
        store
            .manifest()
            .aggregates
            .contains_key("partner_chapter/2023")
    );
    let store = TradeStore::open(dir.path()).unwrap();
    let got = breakdown_in(
        &store,
        Dimension::City,
        &f,
        &slice(Dimension::Partner, "344"),
    )
    .await
    .unwrap();
    assert_eq!(got, want);
    check_all(&store, &fixture_slices(), &windows(2023, 3)).await;
}

#[tokio::test]
async fn slices_are_checked() {
    let mut s = Slice::default();
    for (dim, key) in [
        (Dimension::Partner, "34"),
        (Dimension::Partner, "3x4"),
        (Dimension::Chapter, "870"),
        (Dimension::Section, "23"),
        (Dimension::City, "2201"),
        (Dimension::TradeMode, "110"),
        (Dimension::Enterprise, "91220101MA0Y1AAA1X"),
    ] {
        let e = s.add(dim, key).unwrap_err().to_string();
        assert!(e.contains(dim.as_str()), "{e}");
    }
    assert!(s.is_empty());
}
