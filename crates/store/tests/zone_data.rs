//! Zones' yearly data in the store: the submission's states, versions that lose, the audit
//! entry written with each step, approved values entering the assessment, and a bad form
//! that leaves nothing behind.

use kaifang_assess::zones;
use kaifang_assess::{Framework, Panel};
use kaifang_store::audit::Who;
use kaifang_store::zone_data::{SOURCE_APPROVED, SOURCE_SYNTHETIC, SubmissionFilter, ValueInput};
use kaifang_store::{Store, StoreError};
use kaifang_work::submission::SubmissionState;

async fn store() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let store = kaifang_store::testing::open(tmp.path()).await;
    store.load_demo(&Who::cli("test")).await.unwrap();
    (tmp, store)
}

fn who(actor: &str) -> Who {
    Who {
        user_id: None,
        actor: actor.into(),
        request_id: None,
    }
}

fn engine() -> (Framework, Panel) {
    let fw = zones::default_framework().unwrap();
    let panel = zones::demo_panel(&fw, &zones::registry().unwrap()).unwrap();
    (fw, panel)
}

fn value(indicator: &str, value: f64) -> ValueInput {
    ValueInput {
        indicator: indicator.into(),
        value,
        note: String::new(),
    }
}

async fn audit_count(store: &Store) -> usize {
    store.audit(10_000).await.unwrap().len()
}

fn at(panel: &Panel, zone: &str, year: i32, fw: &Framework, indicator: &str) -> f64 {
    let i = panel.units().iter().position(|u| u.code == zone).unwrap();
    let j = fw.find(indicator).unwrap();
    panel.values(year).unwrap().get(i, j)
}

#[tokio::test]
async fn a_submission_goes_from_draft_to_approved_and_returns_with_a_reason() {
    let (_tmp, store) = store().await;
    let (fw, _) = engine();
    let zone = "hc-bezc";
    let s = store
        .save_zone_draft(
            &who("hunchun"),
            zone,
            2025,
            0,
            &[value("open_fdi", 1200.0)],
            &fw,
        )
        .await
        .unwrap();
    assert_eq!((s.item.state.as_str(), s.item.version), ("draft", 1));
    let s = store
        .submit_zone_data(&who("hunchun"), zone, 2025, 1)
        .await
        .unwrap();
    assert_eq!((s.item.state.as_str(), s.item.version), ("submitted", 2));
    assert_eq!(s.item.submitted_by.as_deref(), Some("hunchun"));

    // Under review nothing is edited or submitted again.
    let err = store
        .save_zone_draft(
            &who("hunchun"),
            zone,
            2025,
            2,
            &[value("open_fdi", 1.0)],
            &fw,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Transition(_)), "{err}");
    let err = store
        .submit_zone_data(&who("hunchun"), zone, 2025, 2)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Transition(_)), "{err}");

    // Returned without a reason: refused; with one: returned, corrected, submitted again.
    let err = store
        .return_zone_data(&who("commerce"), zone, 2025, 2, "  ")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid { ref field, .. } if field == "reason"));
    let s = store
        .return_zone_data(
            &who("commerce"),
            zone,
            2025,
            2,
            "外商投资额较上年翻倍，请核实",
        )
        .await
        .unwrap();
    assert_eq!(s.item.state, "returned");
    assert_eq!(
        s.item.reason.as_deref(),
        Some("外商投资额较上年翻倍，请核实")
    );
    let s = store
        .save_zone_draft(
            &who("hunchun"),
            zone,
            2025,
            3,
            &[value("open_fdi", 610.0)],
            &fw,
        )
        .await
        .unwrap();
    assert_eq!((s.item.state.as_str(), s.item.version), ("returned", 4));
    assert_eq!(s.values[0].value, 610.0);
    store
        .submit_zone_data(&who("hunchun"), zone, 2025, 4)
        .await
        .unwrap();
    let s = store
        .approve_zone_data(&who("commerce"), zone, 2025, 5)
        .await
        .unwrap();
    assert_eq!((s.item.state.as_str(), s.item.version), ("approved", 6));
    assert_eq!(s.item.reviewed_by.as_deref(), Some("commerce"));
    let kinds: Vec<&str> = s.history.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["save", "submit", "return", "save", "submit", "approve"]
    );
    assert_eq!(s.history[2].body, "外商投资额较上年翻倍，请核实");

    // Approved data is final.
    for err in [
        store
            .approve_zone_data(&who("commerce"), zone, 2025, 6)
            .await
            .unwrap_err(),
        store
            .return_zone_data(&who("commerce"), zone, 2025, 6, "again")
            .await
            .unwrap_err(),
        store
            .save_zone_draft(&who("hunchun"), zone, 2025, 6, &[], &fw)
            .await
            .unwrap_err(),
    ] {
        assert!(matches!(err, StoreError::Transition(_)), "{err}");
    }
    // A draft is not reviewed.
    store
        .save_zone_draft(
            &who("hunchun"),
            "hc-cbz",
            2025,
            0,
            &[value("open_fdi", 5.0)],
            &fw,
        )
        .await
        .unwrap();
    let err = store
        .approve_zone_data(&who("commerce"), "hc-cbz", 2025, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Transition(_)), "{err}");

    let submitted = store
        .zone_submissions(&SubmissionFilter {
            year: Some(2025),
            state: Some(SubmissionState::Approved),
            zones: None,
        })
        .await
        .unwrap();
    assert_eq!(submitted.len(), 1);
    assert_eq!(submitted[0].zone_code, zone);
    let own = store
        .zone_submissions(&SubmissionFilter {
            zones: Some(vec!["hc-cbz".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].values, 1);
}

#[tokio::test]
async fn a_stale_version_loses_with_the_current_submission() {
    let (_tmp, store) = store().await;
    let (fw, _) = engine();
    store
        .save_zone_draft(
            &who("a"),
            "cc-etdz",
            2025,
            0,
            &[value("open_fdi", 1.0)],
            &fw,
        )
        .await
        .unwrap();
    // A second "first" draft, and an edit of version 1 after someone saved version 2.
    let err = store
        .save_zone_draft(&who("b"), "cc-etdz", 2025, 0, &[], &fw)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Stale { .. }), "{err}");
    store
        .save_zone_draft(
            &who("a"),
            "cc-etdz",
            2025,
            1,
            &[value("open_fdi", 2.0)],
            &fw,
        )
        .await
        .unwrap();
    let before = audit_count(&store).await;
    match store.submit_zone_data(&who("b"), "cc-etdz", 2025, 1).await {
        Err(StoreError::Stale { current, message }) => {
            assert_eq!(current["version"], 2, "{current}");
            assert_eq!(current["state"], "draft");
            assert_eq!(current["values"][0]["value"], 2.0);
            assert!(message.contains("version 1"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        audit_count(&store).await,
        before,
        "a lost step writes no audit"
    );
    let err = store
        .submit_zone_data(&who("b"), "cc-etdz", 2024, 1)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
}

#[tokio::test]
async fn every_step_writes_its_audit_entry_and_a_refused_one_writes_none() {
    let (_tmp, store) = store().await;
    let (fw, _) = engine();
    let start = audit_count(&store).await;
    store
        .save_zone_draft(
            &who("hunchun"),
            "hc-bezc",
            2024,
            0,
            &[value("open_fdi", 1.0)],
            &fw,
        )
        .await
        .unwrap();
    store
        .submit_zone_data(&who("hunchun"), "hc-bezc", 2024, 1)
        .await
        .unwrap();
    store
        .approve_zone_data(&who("commerce"), "hc-bezc", 2024, 2)
        .await
        .unwrap();
    let entries = store.audit(3).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["zone_data.approve", "zone_data.submit", "zone_data.save"]
    );
    assert!(
        entries
            .iter()
            .all(|e| e.target.as_deref() == Some("zone_submission:hc-bezc/2024"))
    );
    assert_eq!(entries[0].actor, "commerce");
    assert_eq!(entries[0].details["from"], "submitted");
    assert_eq!(entries[0].details["to"], "approved");
    assert_eq!(audit_count(&store).await, start + 3);
    // Refused steps change nothing and leave no entry.
    let _ = store
        .approve_zone_data(&who("commerce"), "hc-bezc", 2024, 3)
        .await;
    let _ = store.submit_zone_data(&who("x"), "hc-bezc", 2023, 0).await;
    assert_eq!(audit_count(&store).await, start + 3);
}

#[tokio::test]
async fn approved_values_replace_the_demo_values_in_the_assessment_input() {
    let (_tmp, store) = store().await;
    let (fw, base) = engine();
    let synthetic = at(&base, "hc-bezc", 2025, &fw, "open_fdi");
    assert!(synthetic.is_finite());
    let given = synthetic * 1.2 + 1.0;
    store
        .save_zone_draft(
            &who("hunchun"),
            "hc-bezc",
            2025,
            0,
            &[value("open_fdi", given)],
            &fw,
        )
        .await
        .unwrap();
    store
        .submit_zone_data(&who("hunchun"), "hc-bezc", 2025, 1)
        .await
        .unwrap();
    // Submitted but not approved: the assessment still runs on the demo value.
    let input = store.zone_assessment_input(&base, &fw).await.unwrap();
    assert_eq!(
        at(&input.panel, "hc-bezc", 2025, &fw, "open_fdi"),
        synthetic
    );
    assert_eq!(
        input.source_of("hc-bezc", 2025, "open_fdi"),
        SOURCE_SYNTHETIC
    );

    store
        .approve_zone_data(&who("commerce"), "hc-bezc", 2025, 2)
        .await
        .unwrap();
    let input = store.zone_assessment_input(&base, &fw).await.unwrap();
    assert_eq!(at(&input.panel, "hc-bezc", 2025, &fw, "open_fdi"), given);
    assert_eq!(
        input.source_of("hc-bezc", 2025, "open_fdi"),
        SOURCE_APPROVED
    );
    assert_eq!(
        input.source_of("hc-bezc", 2025, "open_trade"),
        SOURCE_SYNTHETIC
    );
    // Everything else is as it was.
    assert_eq!(
        at(&input.panel, "hc-bezc", 2025, &fw, "open_trade"),
        at(&base, "hc-bezc", 2025, &fw, "open_trade")
    );
    assert_eq!(
        at(&input.panel, "cc-etdz", 2025, &fw, "open_fdi"),
        at(&base, "cc-etdz", 2025, &fw, "open_fdi")
    );
    assert!(input.panel.source().contains("SYNTHETIC"));
    assert!(input.panel.source().contains("approved"));

    // A year ahead of the demo data is added with the approved values alone.
    store
        .save_zone_draft(
            &who("hunchun"),
            "hc-bezc",
            2026,
            0,
            &[value("open_fdi", 700.0)],
            &fw,
        )
        .await
        .unwrap();
    store
        .submit_zone_data(&who("hunchun"), "hc-bezc", 2026, 1)
        .await
        .unwrap();
    store
        .approve_zone_data(&who("commerce"), "hc-bezc", 2026, 2)
        .await
        .unwrap();
    let input = store.zone_assessment_input(&base, &fw).await.unwrap();
    assert_eq!(input.panel.latest_year(), 2026);
    assert_eq!(at(&input.panel, "hc-bezc", 2026, &fw, "open_fdi"), 700.0);
    assert!(at(&input.panel, "cc-etdz", 2026, &fw, "open_fdi").is_nan());
}

#[tokio::test]
async fn a_bad_form_leaves_nothing_behind() {
    let (_tmp, store) = store().await;
    let (fw, _) = engine();
    let start = audit_count(&store).await;
    let bad_sets = [
        (
            vec![value("open_fdi", 1.0), value("open_trade_share", 140.0)],
            "values[1].value",
        ),
        (vec![value("open_fdi", -3.0)], "values[0].value"),
        (vec![value("nonsense", 1.0)], "values[0].indicator"),
        (
            vec![value("open_fdi", 1.0), value("open_fdi", 2.0)],
            "values[1].indicator",
        ),
        (vec![value("open_fdi", f64::NAN)], "values[0].value"),
    ];
    for (values, want) in &bad_sets {
        match store
            .save_zone_draft(&who("hunchun"), "hc-bezc", 2025, 0, values, &fw)
            .await
        {
            Err(StoreError::Invalid { field, .. }) => assert_eq!(&field, want),
            other => panic!("{want}: {other:?}"),
        }
    }
    assert!(
        store
            .zone_submissions(&SubmissionFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(audit_count(&store).await, start);

    // A bad correction keeps the draft as it was.
    store
        .save_zone_draft(
            &who("hunchun"),
            "hc-bezc",
            2025,
            0,
            &[value("open_fdi", 9.0)],
            &fw,
        )
        .await
        .unwrap();
    let err = store
        .save_zone_draft(
            &who("hunchun"),
            "hc-bezc",
            2025,
            1,
            &[value("open_trade", 3.0), value("open_trade_share", 101.0)],
            &fw,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid { .. }), "{err}");
    let s = store.zone_submission("hc-bezc", 2025).await.unwrap();
    assert_eq!(s.item.version, 1);
    assert_eq!(s.values.len(), 1);
    assert_eq!(
        (s.values[0].indicator.as_str(), s.values[0].value),
        ("open_fdi", 9.0)
    );
    assert_eq!(audit_count(&store).await, start + 1);
}
