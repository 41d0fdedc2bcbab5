//! Directives and appeals in the store: the demo seeds a board with every light, each step is
//! written with its timeline entry and audit entry, stale versions lose, and illegal
//! transitions leave nothing behind.

use kaifang_store::appeals::{AppealAction, AppealScope, NewAppeal};
use kaifang_store::audit::Who;
use kaifang_store::config::WorkConfig;
use kaifang_store::rules::Rules;
use kaifang_store::tasks::{TaskAction, TaskFilter};
use kaifang_store::{Store, StoreError};
use kaifang_work::Light;
use time::macros::date;

async fn demo() -> (tempfile::TempDir, Store, Rules) {
    let tmp = tempfile::tempdir().unwrap();
    let store = kaifang_store::testing::open(tmp.path()).await;
    store.load_demo(&Who::cli("test")).await.unwrap();
    let rules = Rules::from_config(&WorkConfig::default()).unwrap();
    (tmp, store, rules)
}

fn who(actor: &str) -> Who {
    Who {
        user_id: None,
        actor: actor.into(),
        request_id: None,
    }
}

async fn audit_count(store: &Store) -> usize {
    store.audit(1000).await.unwrap().len()
}

#[tokio::test]
async fn the_demo_board_quotes_the_meeting_and_shows_every_light() {
    let (_tmp, store, rules) = demo().await;
    let today = kaifang_store::rules::today_in_china();
    let meetings = store.meetings().await.unwrap();
    assert_eq!(meetings.len(), 2);
    let directives: Vec<_> = meetings.iter().flat_map(|m| &m.directives).collect();
    assert!(directives.iter().any(|d| {
        d.quote
            .contains("accelerate the construction of maritime channels")
    }));
    assert!(directives.iter().any(|d| {
        d.quote
            .contains("roundtable meeting system for foreign-funded enterprises")
    }));
    let tasks = store
        .tasks(&TaskFilter::default(), None, &rules, today)
        .await
        .unwrap();
    assert!(tasks.len() >= 15, "{}", tasks.len());
    for light in [Light::Green, Light::Red, Light::Grey] {
        assert!(tasks.iter().any(|t| t.light == light), "no {light:?} task");
    }
    let transport = tasks.iter().find(|t| t.title.contains("海上通道")).unwrap();
    assert_eq!(
        transport.lead.code, "jl-dot",
        "the report names transportation"
    );
    let summary = store.task_summary(None, &rules, today).await.unwrap();
    assert_eq!(summary.total.total as usize, tasks.len());
    assert!(summary.total.closed_late >= 1);
    let appeals = store.appeals(None, &rules, today).await.unwrap();
    assert_eq!(appeals.len(), 6);
    assert!(
        appeals
            .iter()
            .any(|a| a.state == "rated" && a.score == Some(4))
    );
    assert!(
        appeals.iter().any(|a| a.escalated),
        "the tax appeal waits past 7 working days"
    );
    let stats = store.appeal_stats(None, &rules, today).await.unwrap();
    assert_eq!(stats.total.total, 6);
    assert_eq!(stats.satisfaction, [0, 0, 0, 1, 0]);
    let rt = store.roundtables().await.unwrap();
    assert_eq!(rt.len(), 1);
    assert!(rt[0].items.iter().filter(|i| i.appeal_id.is_some()).count() == 2);
    // The meetings were held on 13 December 2024; no demo task is issued before its meeting,
    // and the channel projects are entered into the plan then being prepared, the 15th.
    for m in &meetings {
        assert_eq!(m.held_on, "2024-12-13", "{}", m.title);
    }
    let held_on: std::collections::HashMap<i64, &str> = meetings
        .iter()
        .flat_map(|m| m.directives.iter().map(move |d| (d.id, m.held_on.as_str())))
        .collect();
    for t in &tasks {
        let held = held_on[&t.directive_id];
        assert!(
            t.issued_on.as_str() >= held,
            "{}: {} < {held}",
            t.title,
            t.issued_on
        );
        assert!(t.deadline > t.issued_on, "{}", t.title);
        assert!(!t.title.contains("十四五"), "{}", t.title);
    }
    assert!(tasks.iter().any(|t| t.title.contains("“十五五”规划")));
}

#[tokio::test]
async fn a_stale_version_loses_and_an_illegal_step_changes_nothing() {
    let (_tmp, store, rules) = demo().await;
    let today = kaifang_store::rules::today_in_china();
    let tasks = store
        .tasks(&TaskFilter::default(), None, &rules, today)
        .await
        .unwrap();
    let issued = tasks.iter().find(|t| t.state == "issued").unwrap();
    let before = audit_count(&store).await;
    let e = store
        .act_on_task(
            &who("x"),
            issued.id,
            issued.version,
            &TaskAction::Submit {
                body: String::new(),
            },
            &[],
            &rules,
            today,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Transition(ref m) if m.contains("sign for it first")),
        "{e}"
    );
    assert_eq!(audit_count(&store).await, before);
    let t = store
        .act_on_task(
            &who("x"),
            issued.id,
            issued.version,
            &TaskAction::SignFor,
            &[],
            &rules,
            today,
        )
        .await
        .unwrap();
    assert_eq!(t.item.state, "signed_for");
    assert_eq!(t.item.version, issued.version + 1);
    assert_eq!(t.events.last().unwrap().kind, "sign_for");
    let e = store
        .act_on_task(
            &who("y"),
            issued.id,
            issued.version,
            &TaskAction::Comment {
                body: "late".into(),
            },
            &[],
            &rules,
            today,
        )
        .await
        .unwrap_err();
    match e {
        StoreError::Stale { current, .. } => assert_eq!(current["state"], "signed_for"),
        other => panic!("{other}"),
    }
    assert_eq!(audit_count(&store).await, before + 1);
}

#[tokio::test]
async fn an_appeal_filed_before_the_national_day_holiday_is_due_after_it() {
    let (_tmp, store, rules) = demo().await;
    let faw = store.org_by_code("faw-ie").await.unwrap().id;
    let new = NewAppeal {
        enterprise_org_id: faw,
        category: "logistics".into(),
        title: "t".into(),
        description: "d".into(),
        filed_on: date!(2026 - 09 - 29),
    };
    let a = store
        .file_appeal(&who("faw"), &new, &[], &rules)
        .await
        .unwrap();
    // 2026: 1–7 October off, Saturday 10 October worked: 30 Sep, 8, 9, 10, 12, 13, 14.
    assert_eq!(a.item.deadline.as_deref(), Some("2026-10-14"));
    assert!(!a.item.escalated);
    let on = date!(2026 - 10 - 15);
    let later = store.appeal(a.item.id, &rules, on).await.unwrap();
    assert!(later.item.escalated);
    let dept = store.org_by_code("jl-dot").await.unwrap().id;
    let accepted = store
        .act_on_appeal(
            &who("commerce"),
            a.item.id,
            a.item.version,
            &AppealAction::Accept {
                assign_to: Some(dept),
                body: String::new(),
            },
            &[],
            &rules,
            on,
        )
        .await
        .unwrap();
    assert_eq!(accepted.item.state, "assigned");
    assert_eq!(accepted.item.assigned.as_ref().unwrap().code, "jl-dot");
    let mine = store
        .appeals(Some(AppealScope::AssignedTo(dept)), &rules, on)
        .await
        .unwrap();
    assert!(mine.iter().any(|x| x.id == a.item.id));
    let e = store
        .act_on_appeal(
            &who("faw"),
            a.item.id,
            accepted.item.version,
            &AppealAction::Rate {
                score: 5,
                body: String::new(),
            },
            &[],
            &rules,
            on,
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("has not answered yet"), "{e}");
}
