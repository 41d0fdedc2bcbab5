//! Exact figures on a hand-checked fixture. The expected numbers are worked out in the
//! comments from the eleven rows in `common/mod.rs`.

use crate::common::*;
use kaifang_trade::*;

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

fn opt(a: Option<f64>, b: f64) {
    close(a.expect("a value"), b);
}

async fn store_with_fixture() -> (tempfile::TempDir, TradeStore) {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "fixture.csv", fixture_csv());
    let mut store = TradeStore::open(dir.path()).unwrap();
    let report = store
        .import_files(&[f], &ImportOptions::default(), &mut no_progress())
        .unwrap();
    assert_eq!(report.rows, 11);
    assert_eq!(report.partitions.len(), 8);
    (dir, store)
}

#[tokio::test]
async fn month_ytd_yoy_and_contributions() {
    let (_d, store) = store_with_fixture().await;
    let s = summary(&store, 2023, 2).await.unwrap();
    // Feb 2023: 1500 + 600 + 1100 = 3200; Feb 2022: 1500 + 1000 = 2500 → +28 %.
    close(s.month.value_cny, 3200.0);
    opt(s.month.yoy_pct, 28.0);
    // Jan–Feb 2023: 1800 + 700 + 2200 + 3200 = 7900; 2022: 1000 + 500 + 2000 + 2500 = 6000.
    close(s.ytd.value_cny, 7900.0);
    opt(s.ytd.yoy_pct, 7900.0 / 6000.0 * 100.0 - 100.0);
    // Exports: month 2100 vs 1500 (+40 %), YTD 4600 vs 3000; imports: 1100 vs 1000, 3300 vs 3000.
    let ex = &s.by_flow[0];
    assert_eq!(ex.flow, Flow::Export);
    close(ex.month.value_cny, 2100.0);
    opt(ex.month.yoy_pct, 40.0);
    close(ex.ytd.value_cny, 4600.0);
    opt(ex.ytd.yoy_pct, 4600.0 / 3000.0 * 100.0 - 100.0);
    let im = &s.by_flow[1];
    close(im.month.value_cny, 1100.0);
    opt(im.month.yoy_pct, 10.0);
    opt(im.ytd.yoy_pct, 10.0);
    // Partners YTD: Germany 3300 (3000), Russia 3300 (2500), Japan 700 (0), Korea 600 (500).
    let keys: Vec<&str> = s.top_partners.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["304", "344", "116", "133"]);
    let ru = &s.top_partners[1];
    assert_eq!(ru.name_en, "Russian Federation");
    assert_eq!(ru.iso2.as_deref(), Some("RU"));
    opt(ru.yoy_pct, 32.0);
    close(ru.share_pct, 3300.0 / 7900.0 * 100.0);
    // Contribution: (3300 − 2500) / 6000 = 13.33 pp; all four add up to the total's growth.
    opt(ru.contribution_pp, 800.0 / 6000.0 * 100.0);
    assert_eq!(s.top_partners[2].yoy_pct, None);
    opt(s.top_partners[2].contribution_pp, 700.0 / 6000.0 * 100.0);
    let sum: f64 = s
        .top_partners
        .iter()
        .filter_map(|r| r.contribution_pp)
        .sum();
    close(sum, s.ytd.yoy_pct.unwrap());
}

#[tokio::test]
async fn summary_json_has_the_documented_shape() {
    let (_d, store) = store_with_fixture().await;
    let s = summary(&store, 2023, 2).await.unwrap();
    let v = serde_json::to_value(&s).unwrap();
    let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["by_flow", "month", "top_partners", "ytd"]);
    assert_eq!(v["month"]["value_cny"], 3200.0);
    assert_eq!(v["ytd"]["value_cny"], 7900.0);
}

#[tokio::test]
async fn breakdowns_groups_sections_and_concentration() {
    let (_d, store) = store_with_fixture().await;
    let f = Filter::new(2023, 2).unwrap();
    let g = breakdown(&store, Dimension::PartnerGroup, &f)
        .await
        .unwrap();
    // RCEP in Feb 2023: Japan 700 + Korea 600 = 1300 (2022: Korea 500); the EU: Germany.
    let rcep = g.rows.iter().find(|r| r.key == "rcep").unwrap();
    close(rcep.value_cny, 1300.0);
    close(rcep.prev_value_cny, 500.0);
    let eu = g.rows.iter().find(|r| r.key == "eu").unwrap();
    close(eu.value_cny, 3300.0);
    assert!(g.overlapping);
    // Sections: XVII (vehicles) 7200, II (vegetable products: ginseng) 700.
    let s = breakdown(&store, Dimension::Section, &f).await.unwrap();
    assert_eq!(s.rows[0].key, "17");
    close(s.rows[0].value_cny, 7200.0);
    assert_eq!(s.rows[1].key, "2");
    // Cities: Changchun 220100 holds A and B: 7200; Yanbian 222400: 700.
    let c = breakdown(&store, Dimension::City, &f).await.unwrap();
    assert_eq!(c.rows[0].key, "220100");
    close(c.rows[0].value_cny, 7200.0);
    assert_eq!(c.rows[1].name_zh, "延边朝鲜族自治州");
    // Trade modes in Feb 2023 alone: 0110 2100, 0615 1100.
    let m = breakdown(
        &store,
        Dimension::TradeMode,
        &Filter {
            cumulative: false,
            ..f
        },
    )
    .await
    .unwrap();
    assert_eq!(m.rows[0].key, "0110");
    close(m.rows[0].value_cny, 2100.0);
    close(m.rows[1].value_cny, 1100.0);
    // HHI by partner, YTD: (3300² + 3300² + 700² + 600²) / 7900² × 10 000.
    let k = concentration(&store, &f).await.unwrap();
    close(
        k.by_partner.hhi,
        (2.0 * 3300f64.powi(2) + 700f64.powi(2) + 600f64.powi(2)) / 7900f64.powi(2) * 1e4,
    );
    close(k.by_partner.top5_share_pct, 100.0);
    assert_eq!(k.by_partner.count, 4);
    // Chapters 87 (7200) and 12 (700).
    close(
        k.by_product.hhi,
        (7200f64.powi(2) + 700f64.powi(2)) / 7900f64.powi(2) * 1e4,
    );
}

#[tokio::test]
async fn enterprise_dynamics_and_price_volume() {
    let (_d, store) = store_with_fixture().await;
    let f = Filter::new(2023, 2).unwrap();
    let d = enterprise_dynamics(&store, &f, 5).await.unwrap();
    let ex = d.by_flow.iter().find(|x| x.flow == Flow::Export).unwrap();
    // Exporters: A and C in 2023, only A in 2022 → one entrant (C, 700), no exit.
    assert_eq!(
        (ex.active, ex.active_prev, ex.entrants, ex.exits),
        (2, 1, 1, 0)
    );
    close(ex.entrants_value_cny, 700.0);
    assert_eq!(ex.top[0].key, a());
    assert_eq!(ex.top[0].name_zh, "示例汽车甲");
    let im = d.by_flow.iter().find(|x| x.flow == Flow::Import).unwrap();
    assert_eq!(
        (im.active, im.active_prev, im.entrants, im.exits),
        (1, 1, 0, 0)
    );
    // Exports, YTD: cars 3300/22 vs 2500/20: price (150 − 125)·22 = 550, volume (22 − 20)·125 =
    // 250; parts 600/100 vs 500/100: price 100; ginseng is new: 700 unmatched.
    let pv = price_volume(
        &store,
        &Filter {
            flow: Some(Flow::Export),
            ..f
        },
        10,
    )
    .await
    .unwrap();
    close(pv.value_change_cny, 1600.0);
    close(pv.price_effect_cny, 650.0);
    close(pv.volume_effect_cny, 250.0);
    close(pv.unmatched_change_cny, 700.0);
    // Paasche price: 3900 / (125·22 + 5·100) = 3900 / 3250; Laspeyres volume: 3250 / 3000.
    opt(pv.price_index, 3900.0 / 3250.0 * 100.0);
    opt(pv.volume_index, 3250.0 / 3000.0 * 100.0);
}

#[tokio::test]
async fn reimporting_a_period_replaces_it() {
    let (dir, mut store) = store_with_fixture().await;
    let again = format!(
        "{HEADER}\n2023-02,export,87032300,344,0110,220104,{},示例汽车甲,foreign,10,辆,999\n",
        a()
    );
    let f = write(dir.path(), "again.csv", again);
    let r = store
        .import_files(&[f], &ImportOptions::default(), &mut no_progress())
        .unwrap();
    assert_eq!(r.replaced, 1);
    let s = summary(&store, 2023, 2).await.unwrap();
    // Feb 2023 exports are now 999 alone; imports 1100 unchanged.
    close(s.month.value_cny, 999.0 + 1100.0);
    // And the store reopened from disk says the same.
    let reopened = TradeStore::open(dir.path()).unwrap();
    let s2 = summary(&reopened, 2023, 2).await.unwrap();
    assert_eq!(s, s2);
    assert_eq!(reopened.manifest().partitions.len(), 8);
}

#[tokio::test]
async fn sql_reads_and_refuses_writes() {
    let (dir, store) = store_with_fixture().await;
    let r = store
        .sql(
            "SELECT SUM(value_cny) AS v FROM records WHERE year = 2023",
            10,
        )
        .await
        .unwrap();
    assert_eq!(r.columns, ["v"]);
    assert_eq!(r.rows[0][0], serde_json::json!(7900.0));
    let before = snapshot(dir.path());
    for q in [
        "CREATE TABLE t AS SELECT 1",
        "INSERT INTO records SELECT * FROM records",
        "DROP TABLE records",
        "COPY records TO 'out.parquet'",
        "SET datafusion.execution.batch_size = 1",
    ] {
        let e = store.sql(q, 10).await.unwrap_err();
        assert!(matches!(e, TradeError::Refused(_)), "{q}: {e}");
    }
    assert_eq!(before, snapshot(dir.path()));
}

#[tokio::test]
async fn rca_against_a_reference_table() {
    let (dir, mut store) = store_with_fixture().await;
    // National exports 2023: chapter 87 = 100, chapter 12 = 100, chapter 85 = 800.
    let f = write(
        dir.path(),
        "ref.csv",
        "year,chapter,value,source\n2023,87,100,test\n2023,12,100,test\n2023,85,800,test\n",
    );
    assert_eq!(store.import_reference(&f).unwrap(), 3);
    let r = rca(&store, 2023).await.unwrap();
    // Province 2023 exports: 87 → 3300 + 600 = 3900, 12 → 700; total 4600.
    let ch87 = r.rows.iter().find(|x| x.chapter == "87").unwrap();
    close(ch87.rca, (3900.0 / 4600.0) / 0.1);
    let ch12 = r.rows.iter().find(|x| x.chapter == "12").unwrap();
    close(ch12.rca, (700.0 / 4600.0) / 0.1);
}

#[tokio::test]
async fn trend_series() {
    let (_d, store) = store_with_fixture().await;
    let t = trend(&store, Some(Flow::Import)).await.unwrap();
    assert_eq!(t.len(), 4);
    let last = t.last().unwrap();
    assert_eq!(last.period, Period::new(2023, 2).unwrap());
    close(last.month.value_cny, 1100.0);
    opt(last.ytd.yoy_pct, 10.0);
}

#[tokio::test]
async fn ownership_and_enterprise_breakdowns() {
    let (_d, store) = store_with_fixture().await;
    let f = Filter::new(2023, 2).unwrap();
    let o = breakdown(&store, Dimension::Ownership, &f).await.unwrap();
    // A is foreign (3900 in 2023, 3000 in 2022), B state (3300, 3000), C private (700, 0).
    let keys: Vec<(&str, f64, f64)> = o
        .rows
        .iter()
        .map(|r| (r.key.as_str(), r.value_cny, r.prev_value_cny))
        .collect();
    assert_eq!(
        keys,
        [
            ("foreign", 3900.0, 3000.0),
            ("state", 3300.0, 3000.0),
            ("private", 700.0, 0.0)
        ]
    );
    assert_eq!(o.rows[0].name_zh, "外商投资企业");
    let e = breakdown(&store, Dimension::Enterprise, &f).await.unwrap();
    assert_eq!(e.rows[0].key, a());
    assert_eq!(e.rows[2].name_zh, "示例人参丙");
    close(e.rows[2].value_cny, 700.0);
}

#[tokio::test]
async fn year_to_date_over_a_missing_month() {
    // No imports in March or April 2023: January–April YTD for imports is January and February,
    // 3300; the enterprises' YTD agrees with the other dimensions.
    let (dir, mut store) = store_with_fixture().await;
    let more = format!(
        "{HEADER}\n2023-04,export,87032300,344,0110,220104,{},示例汽车甲,foreign,1,辆,100\n",
        a()
    );
    let f = write(dir.path(), "april.csv", more);
    store
        .import_files(&[f], &ImportOptions::default(), &mut no_progress())
        .unwrap();
    let f = Filter {
        flow: Some(Flow::Import),
        ..Filter::new(2023, 4).unwrap()
    };
    let by_ent = breakdown(&store, Dimension::Enterprise, &f).await.unwrap();
    let by_partner = breakdown(&store, Dimension::Partner, &f).await.unwrap();
    close(by_ent.rows[0].value_cny, 3300.0);
    close(by_partner.rows[0].value_cny, 3300.0);
    close(by_ent.total.value_cny, 3300.0);
}

#[test]
fn the_store_can_be_shared_between_request_handlers() {
    fn shareable<T: Send + Sync>() {}
    shareable::<TradeStore>();
}

#[tokio::test]
async fn end_use_by_broad_economic_categories() {
    let (_d, store) = store_with_fixture().await;
    let f = Filter::new(2023, 2).unwrap();
    let b = breakdown(&store, Dimension::Bec, &f).await.unwrap();
    assert!(b.source.as_deref().unwrap().contains("BEC Rev.4"));
    let got: Vec<(&str, f64, f64)> = b
        .rows
        .iter()
        .map(|r| (r.key.as_str(), r.value_cny, r.prev_value_cny))
        .collect();
    // 870323 (cars) is left unclassified by BEC (51): 1800 + 1500 against 1000 + 1500;
    // 870899 (parts, 53) is intermediate: 2200 + 600 + 1100 against 500 + 2000 + 1000;
    // 121120 (ginseng) is in 122 and 21, consumption and intermediate: not split.
    assert_eq!(
        got,
        [
            ("intermediate", 3900.0, 3500.0),
            ("unclassified", 3300.0, 2500.0),
            ("mixed", 700.0, 0.0),
        ]
    );
    assert_eq!(b.rows[0].name_zh, "中间品");
    close(b.total.value_cny, 7900.0);
    // In a slice (Russia: cars only) the same classes come from the records.
    let mut russia = Slice::default();
    russia.add(Dimension::Partner, "344").unwrap();
    let b = breakdown_in(&store, Dimension::Bec, &f, &russia)
        .await
        .unwrap();
    let got: Vec<(&str, f64)> = b
        .rows
        .iter()
        .map(|r| (r.key.as_str(), r.value_cny))
        .collect();
    assert_eq!(got, [("unclassified", 3300.0)]);
}
