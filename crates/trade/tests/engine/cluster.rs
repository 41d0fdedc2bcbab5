//! The trade queries on a Ballista cluster (a scheduler and two executors on loopback) answer
//! exactly as in one process; what reads only files goes to the cluster, and both executors
//! take part.

use crate::common::{ballista, no_progress};
use kaifang_trade::analytics::Dimension;
use kaifang_trade::demo::DemoOptions;
use kaifang_trade::*;
use std::path::Path;
use std::time::Duration;

fn demo(dir: &Path) {
    let mut store = TradeStore::open(dir).unwrap();
    let options = DemoOptions {
        rows: 60_000,
        seed: 11,
        enterprises: 400,
    };
    kaifang_trade::demo::generate(&mut store, &options, &mut no_progress()).unwrap();
}

fn limits() -> SqlLimits {
    SqlLimits {
        memory_bytes: 256 << 20,
        max_rows: 10_000,
        timeout: Duration::from_secs(60),
    }
}

async fn analyst(store: &TradeStore, query: &str) -> (Vec<String>, Vec<Vec<serde_json::Value>>) {
    let r = store
        .prepare_sql(query, limits())
        .unwrap()
        .run()
        .await
        .unwrap();
    (r.columns, r.rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_trade_query_answers_on_the_cluster_as_in_one_process() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    let cluster = ballista::start(2, 2).await;
    let local = TradeStore::open(dir.path()).unwrap();
    let remote = TradeStore::open_on(dir.path(), Engine::Cluster(cluster.url.clone())).unwrap();
    assert_eq!(local.cluster_queries(), None);
    assert_eq!(remote.cluster_queries(), Some(0));

    // The dashboard: from the aggregates in memory on both.
    let f = Filter::new(2024, 9).unwrap();
    let mut month = f;
    month.cumulative = false;
    month.flow = Some(Flow::Export);
    assert_eq!(
        summary(&local, 2024, 9).await.unwrap(),
        summary(&remote, 2024, 9).await.unwrap()
    );
    for dim in crate::slices::DIMS.into_iter().chain([Dimension::Bec]) {
        for f in [&f, &month] {
            assert_eq!(
                breakdown(&local, dim, f).await.unwrap(),
                breakdown(&remote, dim, f).await.unwrap(),
                "{dim:?}"
            );
        }
    }
    for flow in [None, Some(Flow::Import)] {
        assert_eq!(
            trend(&local, flow).await.unwrap(),
            trend(&remote, flow).await.unwrap()
        );
    }
    assert_eq!(
        enterprise_dynamics(&local, &f, 10).await.unwrap(),
        enterprise_dynamics(&remote, &f, 10).await.unwrap()
    );
    assert_eq!(
        concentration(&local, &f).await.unwrap(),
        concentration(&remote, &f).await.unwrap()
    );
    assert_eq!(
        remote.cluster_queries(),
        Some(0),
        "the dashboard stays here"
    );

    // What scans files goes to the cluster: RCA, price and volume, drill-downs the
    // aggregates cannot answer, and the analysts' queries over the files.
    let rca_here = rca(&local, 2024).await.unwrap();
    assert!(!rca_here.rows.is_empty());
    assert_eq!(rca_here, rca(&remote, 2024).await.unwrap());
    for f in [&f, &month] {
        assert_eq!(
            price_volume(&local, f, 10).await.unwrap(),
            price_volume(&remote, f, 10).await.unwrap()
        );
    }
    let mut slice = Slice::default();
    slice.add(Dimension::Partner, "304").unwrap();
    slice.add(Dimension::Chapter, "87").unwrap();
    for dim in [Dimension::City, Dimension::Enterprise, Dimension::TradeMode] {
        let here = breakdown_in(&local, dim, &f, &slice).await.unwrap();
        assert!(!here.rows.is_empty(), "{dim:?}");
        assert_eq!(here, breakdown_in(&remote, dim, &f, &slice).await.unwrap());
    }
    assert_eq!(
        trend_in(&local, None, &slice).await.unwrap(),
        trend_in(&remote, None, &slice).await.unwrap()
    );
    let mut one = Slice::default();
    one.add(Dimension::City, "220100").unwrap();
    assert_eq!(
        breakdown_from_records(&local, Dimension::Partner, &f, &one)
            .await
            .unwrap(),
        breakdown_from_records(&remote, Dimension::Partner, &f, &one)
            .await
            .unwrap()
    );
    assert_eq!(
        trend_from_records(&local, Some(Flow::Export), &one)
            .await
            .unwrap(),
        trend_from_records(&remote, Some(Flow::Export), &one)
            .await
            .unwrap()
    );
    for query in [
        "SELECT year, flow, COUNT(*) AS n, SUM(value_cny) AS v FROM records \
         GROUP BY year, flow ORDER BY year, flow",
        "SELECT key, SUM(value_cny) AS v FROM agg_partner WHERE year = 2024 \
         GROUP BY key ORDER BY v DESC, key LIMIT 5",
        "SELECT r.partner, COUNT(*) AS n FROM records r \
         WHERE r.city IN (SELECT DISTINCT city FROM records WHERE chapter = '87') \
         GROUP BY r.partner ORDER BY n DESC, r.partner LIMIT 10",
    ] {
        let here = analyst(&local, query).await;
        assert!(!here.1.is_empty(), "{query}");
        assert_eq!(here, analyst(&remote, query).await, "{query}");
    }
    let sent = remote.cluster_queries().unwrap();
    assert!(sent >= 12, "{sent} queries went to the cluster");

    // A lookup table lives in memory: a query joining it runs here, with the same answer.
    let joined = "SELECT c.name_en, SUM(r.value_cny) AS v FROM records r \
                  JOIN countries c ON c.customs_code = r.partner \
                  GROUP BY c.name_en ORDER BY v DESC, c.name_en LIMIT 3";
    assert_eq!(
        analyst(&local, joined).await,
        analyst(&remote, joined).await
    );
    assert_eq!(remote.cluster_queries(), Some(sent));

    let tasks = cluster.tasks();
    assert!(
        tasks.iter().all(|&t| t > 0),
        "tasks per executor: {tasks:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_that_does_not_answer_is_named_and_the_dashboard_still_answers() {
    let dir = tempfile::tempdir().unwrap();
    demo(dir.path());
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = ClusterUrl::new("127.0.0.1", port).unwrap();
    let remote = TradeStore::open_on(dir.path(), Engine::Cluster(url.clone())).unwrap();
    let err = tokio::time::timeout(Duration::from_secs(120), rca(&remote, 2024))
        .await
        .expect("an answer within two minutes")
        .unwrap_err();
    assert!(matches!(err, TradeError::Cluster(_)), "{err:?}");
    assert!(err.to_string().contains(&url.to_string()), "{err}");
    summary(&remote, 2024, 9).await.unwrap();
}

#[test]
fn cluster_addresses_are_parsed() {
    let ok: ClusterUrl = "df://10.0.0.7:50050".parse().unwrap();
    assert_eq!(ok.to_string(), "df://10.0.0.7:50050");
    let named: ClusterUrl = " df://ballista.example.gov.cn:50050 ".parse().unwrap();
    assert_eq!(named.to_string(), "df://ballista.example.gov.cn:50050");
    let v6: ClusterUrl = "df://[::1]:50050".parse().unwrap();
    assert_eq!(v6.to_string(), "df://[::1]:50050");
    for bad in [
        "http://10.0.0.7:50050",
        "df://10.0.0.7",
        "df://:50050",
        "df://10.0.0.7:0",
        "df://10.0.0.7:70000",
        "df://a b:50050",
        "df://h/x:50050",
    ] {
        let err = bad.parse::<ClusterUrl>().unwrap_err();
        assert!(err.to_string().contains("df://"), "{bad}: {err}");
    }
}
