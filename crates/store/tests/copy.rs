//! Moving the operational database between engines: the demo copied from SQLite into the
//! test run's engine (PostgreSQL when `KAIFANG_TEST_POSTGRES` is set) and back into a new
//! SQLite file answers exactly as the original, and new rows get new ids after the copy.

use kaifang_store::audit::Who;
use kaifang_store::copy::copy_database;
use kaifang_store::{DataDir, Location, Store, StoreError};

async fn demo_on_sqlite(path: &std::path::Path) -> Store {
    let store = Store::open(&DataDir::new(path), true).await.unwrap();
    store.load_demo(&Who::cli("test")).await.unwrap();
    store
}

#[tokio::test]
async fn the_demo_copied_there_and_back_answers_as_the_original() {
    let tmp = tempfile::tempdir().unwrap();
    let original = demo_on_sqlite(&tmp.path().join("a")).await;
    let from = Location::of(original.data_dir()).unwrap();

    let there_dir = kaifang_store::testing::data_dir(&tmp.path().join("b")).await;
    let there = Location::of(&there_dir).unwrap();
    let mut seen = Vec::new();
    let copied = copy_database(&from, &there, |t, n| seen.push((t.to_string(), n)))
        .await
        .unwrap();
    assert_eq!(seen.len(), copied.len());
    let audit = copied.iter().find(|c| c.table == "audit_log").unwrap();
    assert!(audit.rows > 0, "{copied:?}");
    // Organisations come before the users that belong to them.
    let pos = |t: &str| copied.iter().position(|c| c.table == t).unwrap();
    assert!(pos("organisations") < pos("users"));

    let copy = Store::open(&there_dir, false).await.unwrap();
    assert_eq!(copy.users().await.unwrap(), original.users().await.unwrap());
    assert_eq!(
        copy.orgs(None).await.unwrap(),
        original.orgs(None).await.unwrap()
    );
    assert_eq!(
        copy.audit(10_000).await.unwrap(),
        original.audit(10_000).await.unwrap()
    );
    // The ids written by the copy are not handed out again.
    copy.record(
        &Who::cli("test"),
        "test.after_copy",
        None,
        serde_json::json!({}),
    )
    .await
    .unwrap();
    let newest = copy.audit(1).await.unwrap();
    assert_eq!(newest[0].action, "test.after_copy");
    assert!(newest[0].id > original.audit(1).await.unwrap()[0].id);

    let back = DataDir::new(tmp.path().join("c"));
    copy_database(&there, &Location::Sqlite(back.db_path()), |_, _| {})
        .await
        .unwrap();
    let back = Store::open(&back, false).await.unwrap();
    assert_eq!(back.users().await.unwrap(), original.users().await.unwrap());
    assert_eq!(
        back.audit(10_000).await.unwrap(),
        copy.audit(10_000).await.unwrap()
    );
    assert!(back.check().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_copy_into_a_database_that_holds_tables_is_refused_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let original = demo_on_sqlite(&tmp.path().join("a")).await;
    let from = Location::of(original.data_dir()).unwrap();
    let target = kaifang_store::testing::open(&tmp.path().join("b")).await;
    target
        .record(&Who::cli("test"), "test.mine", None, serde_json::json!({}))
        .await
        .unwrap();
    let to = Location::of(target.data_dir()).unwrap();
    let e = copy_database(&from, &to, |_, _| {}).await.unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e}");
    let entries = target.audit(100).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "test.mine");

    // An SQLite target must be a new file.
    let e = copy_database(&from, &from, |_, _| {}).await.unwrap_err();
    assert!(e.to_string().contains("exists already"), "{e}");
}
