//! The cooperation registry in the store: partners change on the version read and never
//! vanish; an exchange with a partner or project that does not exist writes nothing; a table
//! of arrivals imported again replaces its months whole; every write is audited.

use kaifang_invest::cooperation::{Direction, ExchangeKind, PartnerKind, PartnerStatus};
use kaifang_invest::tourism::{Month, TourismRow};
use kaifang_store::audit::Who;
use kaifang_store::cooperation::{Contact, ExchangeFilter, NewExchange, NewPartner, PartnerChange};
use kaifang_store::{DataDir, Store, StoreError};
use time::macros::date;

async fn demo() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let store = kaifang_store::testing::open(tmp.path()).await;
    store.load_demo(&Who::cli("test")).await.unwrap();
    (tmp, store)
}

fn who() -> Who {
    Who::cli("test")
}

fn partner(code: &str) -> NewPartner {
    NewPartner {
        code: code.into(),
        kind: PartnerKind::FriendlyCity,
        name_zh: "示例市".into(),
        name_en: "Example City".into(),
        country: "KR".into(),
        region: String::new(),
        since: Some(2010),
        status: PartnerStatus::Active,
        lat: 37.5,
        lon: 127.0,
        agreements: String::new(),
        contacts: vec![Contact {
            name: "联系人".into(),
            role: String::new(),
            phone: String::new(),
            email: String::new(),
        }],
        lead_org_id: None,
        note: String::new(),
        source: "test".into(),
        verified: false,
        synthetic: false,
    }
}

async fn audit_actions(store: &Store) -> Vec<String> {
    store
        .audit(10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("cooperation."))
        .collect()
}

#[tokio::test]
async fn a_partner_changes_on_the_version_read_and_a_stale_change_changes_nothing() {
    let (_tmp, store) = demo().await;
    let p = store
        .create_partner(&who(), &partner("ex-city"))
        .await
        .unwrap();
    assert_eq!(p.item.version, 1);
    let change = PartnerChange {
        status: Some(PartnerStatus::Suspended),
        note: Some("暂停交流".into()),
        ..Default::default()
    };
    let after = store
        .update_partner(&who(), p.item.id, 1, &change)
        .await
        .unwrap();
    assert_eq!(after.item.status, PartnerStatus::Suspended);
    assert_eq!(after.item.version, 2);
    assert_eq!(after.item.contacts.len(), 1, "contacts untouched");
    let again = PartnerChange {
        status: Some(PartnerStatus::Ended),
        ..Default::default()
    };
    match store.update_partner(&who(), p.item.id, 1, &again).await {
        Err(StoreError::Stale { current, .. }) => assert_eq!(current["version"], 2),
        other => panic!("expected stale, got {other:?}"),
    }
    assert_eq!(
        store.partner(p.item.id).await.unwrap().item.status,
        PartnerStatus::Suspended
    );
    assert!(matches!(
        store.create_partner(&who(), &partner("ex-city")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        audit_actions(&store).await,
        ["cooperation.partner.create", "cooperation.partner.update"]
            .iter()
            .rev()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn an_exchange_naming_a_missing_partner_writes_nothing() {
    let (_tmp, store) = demo().await;
    let p = store
        .create_partner(&who(), &partner("ex-city"))
        .await
        .unwrap();
    let lead = store.org_by_code("jl-doc").await.unwrap().id;
    let mut x = NewExchange {
        title: "友城代表团来访".into(),
        kind: ExchangeKind::Culture,
        direction: Direction::Inbound,
        starts_on: date!(2025 - 05 - 10),
        ends_on: date!(2025 - 05 - 12),
        place: "长春".into(),
        country: "KR".into(),
        participants: 12,
        agreements: 1,
        outcomes: String::new(),
        lead_org_id: lead,
        partner_ids: vec![p.item.id, 999_999],
        project_ids: vec![],
        synthetic: false,
    };
    let e = store.create_exchange(&who(), &x).await.unwrap_err();
    assert!(
        matches!(e, StoreError::Invalid { ref field, .. } if field == "partner_ids"),
        "{e}"
    );
    assert!(
        store
            .exchanges(&ExchangeFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    x.partner_ids = vec![p.item.id];
    let made = store.create_exchange(&who(), &x).await.unwrap();
    assert_eq!(made.partners[0].code, "ex-city");
    let detail = store.partner(p.item.id).await.unwrap();
    assert_eq!(detail.item.exchanges, 1);
    assert_eq!(detail.activities[0].title, "友城代表团来访");
    let by_year = ExchangeFilter {
        year: Some(2024),
        ..Default::default()
    };
    assert!(store.exchanges(&by_year).await.unwrap().is_empty());
}

#[tokio::test]
async fn partners_are_kept_by_the_database_itself() {
    let (tmp, store) = demo().await;
    store
        .create_partner(&who(), &partner("ex-city"))
        .await
        .unwrap();
    // The store offers no delete; the trigger refuses one made behind its back.
    let conn = kaifang_store::testing::raw_pool(&DataDir::new(tmp.path())).await;
    for sql in ["DELETE FROM coop_partners"] {
        assert!(sqlx::query(sql).execute(&conn).await.is_err(), "{sql}");
    }
    assert_eq!(store.partners(None).await.unwrap().len(), 1);
}

fn row(month: u8, market: &str, visitors: u64) -> TourismRow {
    TourismRow {
        row: 0,
        month: Month { year: 2025, month },
        market: market.into(),
        visitors,
        overnight: None,
        receipts: None,
    }
}

#[tokio::test]
async fn a_table_imported_again_replaces_its_months_whole() {
    let (_tmp, store) = demo().await;
    let first = [row(1, "RU", 100), row(1, "KR", 50), row(2, "RU", 80)];
    store
        .import_tourism(&who(), &first, "table A", false)
        .await
        .unwrap();
    // The corrected January names Russia only: Korea's January must not linger.
    store
        .import_tourism(&who(), &[row(1, "RU", 120)], "table B", false)
        .await
        .unwrap();
    let stored = store.tourism().await.unwrap();
    let got: Vec<(String, String, i64, String)> = stored
        .into_iter()
        .map(|r| (r.month, r.market, r.visitors, r.source))
        .collect();
    assert_eq!(
        got,
        [
            ("2025-01".into(), "RU".into(), 120, "table B".into()),
            ("2025-02".into(), "RU".into(), 80, "table A".into()),
        ]
    );
    assert_eq!(
        audit_actions(&store).await,
        ["cooperation.tourism.import", "cooperation.tourism.import"]
    );
}
