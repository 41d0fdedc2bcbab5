//! Investment projects in the store: a project moves through its stages, each step dated and
//! written with its timeline and audit entries; stages passed over count as reached; stale
//! versions and illegal steps change nothing; problems become tasks or appeals once; an import
//! is all or nothing; and the registry takes cross-border e-commerce zones.

use kaifang_invest::pipeline::Stage;
use kaifang_invest::sheet::Currency;
use kaifang_model::{OrgKind, ZoneType};
use kaifang_store::accounts::NewOrg;
use kaifang_store::audit::Who;
use kaifang_store::invest::{NegativeCheck, NewProject, ProjectAction, ProjectFilter};
use kaifang_store::tasks::NewTask;
use kaifang_store::{DataDir, Store, StoreError};
use time::Date;
use time::macros::date;

const TODAY: Date = date!(2025 - 06 - 30);

async fn demo() -> (tempfile::TempDir, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let store = kaifang_store::testing::open(tmp.path()).await;
    store.load_demo(&Who::cli("test")).await.unwrap();
    (tmp, store)
}

fn who() -> Who {
    Who::cli("test")
}

async fn org(store: &Store, code: &str) -> i64 {
    store.org_by_code(code).await.unwrap().id
}

async fn project(store: &Store) -> NewProject {
    NewProject {
        name: "零部件项目".into(),
        investor: "某德资企业".into(),
        country: "DE".into(),
        foreign_funded: true,
        uscc: None,
        investor_org_id: Some(org(store, "faw-ie").await),
        industry: "36".into(),
        amount: 5000.0,
        currency: Currency::Cny,
        arrived: None,
        city_org_id: org(store, "cc-gov").await,
        zone_org_id: Some(org(store, "cc-etdz").await),
        lead_org_id: org(store, "jl-doc").await,
        stage: Stage::Negotiating,
        stage_on: date!(2025 - 01 - 10),
        note: String::new(),
        negative: NegativeCheck {
            edition: "national-2024".into(),
            verdict: "not_listed".into(),
            items: vec![],
        },
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
        .collect()
}

#[tokio::test]
async fn a_project_moves_from_negotiating_to_funds_arrived_with_every_step_dated_and_audited() {
    let (_tmp, store) = demo().await;
    let p = store
        .create_project(&who(), &project(&store).await, TODAY)
        .await
        .unwrap();
    let id = p.item.id;
    let stages: Vec<Stage> = p.stages.iter().map(|s| s.stage).collect();
    assert_eq!(stages, [Stage::Lead, Stage::Negotiating]);
    assert!(p.stages.iter().all(|s| s.on == "2025-01-10"));

    let signed = store
        .act_on_project(
            &who(),
            id,
            p.item.version,
            &ProjectAction::Advance {
                to: Stage::Signed,
                on: date!(2025 - 02 - 01),
                arrived: None,
                body: "签约仪式".into(),
            },
            TODAY,
        )
        .await
        .unwrap();
    assert_eq!(signed.item.stage, Stage::Signed);
    // Funds arrived passes over registered and construction: both reached that day.
    let arrived = store
        .act_on_project(
            &who(),
            id,
            signed.item.version,
            &ProjectAction::Advance {
                to: Stage::FundsArrived,
                on: date!(2025 - 05 - 20),
                arrived: Some(3000.0),
                body: String::new(),
            },
            TODAY,
        )
        .await
        .unwrap();
    assert_eq!(arrived.item.stage, Stage::FundsArrived);
    assert_eq!(arrived.item.stage_on, "2025-05-20");
    assert_eq!(arrived.item.arrived, Some(3000.0));
    let reached: Vec<(Stage, &str)> = arrived
        .stages
        .iter()
        .map(|s| (s.stage, s.on.as_str()))
        .collect();
    assert_eq!(
        reached,
        [
            (Stage::Lead, "2025-01-10"),
            (Stage::Negotiating, "2025-01-10"),
            (Stage::Signed, "2025-02-01"),
            (Stage::Registered, "2025-05-20"),
            (Stage::Construction, "2025-05-20"),
            (Stage::FundsArrived, "2025-05-20"),
        ]
    );
    let kinds: Vec<&str> = arrived.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["created", "advance", "advance"]);
    let actions = audit_actions(&store).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.starts_with("invest.project."))
            .count(),
        3,
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_stale_version_or_an_illegal_step_changes_nothing() {
    let (_tmp, store) = demo().await;
    let p = store
        .create_project(&who(), &project(&store).await, TODAY)
        .await
        .unwrap();
    let id = p.item.id;
    let before = audit_actions(&store).await.len();
    let stale = store
        .act_on_project(
            &who(),
            id,
            p.item.version + 1,
            &ProjectAction::Note { body: "x".into() },
            TODAY,
        )
        .await
        .unwrap_err();
    assert!(matches!(stale, StoreError::Stale { .. }), "{stale:?}");
    for illegal in [
        ProjectAction::Advance {
            to: Stage::Lead,
            on: TODAY,
            arrived: None,
            body: String::new(),
        },
        ProjectAction::Advance {
            to: Stage::Signed,
            on: date!(2024 - 12 - 31),
            arrived: None,
            body: String::new(),
        },
        ProjectAction::Advance {
            to: Stage::Signed,
            on: date!(2025 - 07 - 01),
            arrived: None,
            body: String::new(),
        },
        ProjectAction::Advance {
            to: Stage::Production,
            on: TODAY,
            arrived: None,
            body: String::new(),
        },
        ProjectAction::Drop {
            on: TODAY,
            reason: " ".into(),
        },
    ] {
        let e = store
            .act_on_project(&who(), id, p.item.version, &illegal, TODAY)
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Transition(_) | StoreError::Invalid { .. }),
            "{illegal:?}: {e:?}"
        );
    }
    let after = store.project(id).await.unwrap();
    assert_eq!(after.item.version, p.item.version);
    assert_eq!(after.stages.len(), 2);
    assert_eq!(audit_actions(&store).await.len(), before);

    let dropped = store
        .act_on_project(
            &who(),
            id,
            p.item.version,
            &ProjectAction::Drop {
                on: TODAY,
                reason: "投资方撤回".into(),
            },
            TODAY,
        )
        .await
        .unwrap();
    assert_eq!(dropped.item.stage, Stage::Dropped);
    assert_eq!(dropped.item.drop_reason.as_deref(), Some("投资方撤回"));
    let again = store
        .act_on_project(
            &who(),
            id,
            dropped.item.version,
            &ProjectAction::Advance {
                to: Stage::Signed,
                on: TODAY,
                arrived: None,
                body: String::new(),
            },
            TODAY,
        )
        .await
        .unwrap_err();
    assert!(matches!(again, StoreError::Transition(_)), "{again:?}");
}

#[tokio::test]
async fn a_problem_becomes_a_task_or_the_investors_appeal_once() {
    let (_tmp, store) = demo().await;
    let p = store
        .create_project(&who(), &project(&store).await, TODAY)
        .await
        .unwrap();
    let id = p.item.id;
    let logged = store
        .act_on_project(
            &who(),
            id,
            p.item.version,
            &ProjectAction::Problem {
                body: "用地指标未落实".into(),
            },
            TODAY,
        )
        .await
        .unwrap();
    let problem = logged.events.last().unwrap().id;
    let directive = store.meetings().await.unwrap()[0].directives[0].id;
    let to_task = ProjectAction::ToTask {
        problem,
        task: NewTask {
            directive_id: directive,
            title: "协调用地".into(),
            description: "见项目".into(),
            lead_org_id: org(&store, "cc-gov").await,
            co_org_ids: vec![],
            issued_on: TODAY,
            deadline: date!(2025 - 07 - 30),
            milestones: vec![],
        },
    };
    let tasked = store
        .act_on_project(&who(), id, logged.item.version, &to_task, TODAY)
        .await
        .unwrap();
    let task_id = tasked.events.last().unwrap().data["task_id"]
        .as_i64()
        .unwrap();
    let rules =
        kaifang_store::rules::Rules::from_config(&kaifang_store::config::WorkConfig::default())
            .unwrap();
    assert_eq!(
        store.task(task_id, &rules, TODAY).await.unwrap().item.title,
        "协调用地"
    );
    let twice = store
        .act_on_project(&who(), id, tasked.item.version, &to_task, TODAY)
        .await
        .unwrap_err();
    assert!(matches!(twice, StoreError::Transition(_)), "{twice:?}");

    let second = store
        .act_on_project(
            &who(),
            id,
            tasked.item.version,
            &ProjectAction::Problem {
                body: "外籍人员工作许可".into(),
            },
            TODAY,
        )
        .await
        .unwrap();
    let problem2 = second.events.last().unwrap().id;
    let appealed = store
        .act_on_project(
            &who(),
            id,
            second.item.version,
            &ProjectAction::ToAppeal {
                problem: problem2,
                category: "permits".into(),
            },
            TODAY,
        )
        .await
        .unwrap();
    let appeal = appealed.events.last().unwrap().data["appeal_id"]
        .as_i64()
        .unwrap();
    let faw = org(&store, "faw-ie").await;
    let a = store.appeal(appeal, &rules, TODAY).await.unwrap();
    assert_eq!(a.item.enterprise.id, faw);
    assert!(a.item.title.contains("外籍人员工作许可"));
    // A note is not a problem.
    let not_a_problem = store
        .act_on_project(
            &who(),
            id,
            appealed.item.version,
            &ProjectAction::ToAppeal {
                problem: p.events[0].id,
                category: "other".into(),
            },
            TODAY,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(not_a_problem, StoreError::Invalid { .. }),
        "{not_a_problem:?}"
    );
}

#[tokio::test]
async fn an_import_with_one_bad_row_saves_none_and_names_the_row() {
    let (_tmp, store) = demo().await;
    let good = project(&store).await;
    let mut bad = good.clone();
    bad.zone_org_id = Some(org(&store, "hc-bezc").await); // a Hunchun zone for a Changchun project
    let before = store
        .projects(&ProjectFilter::default())
        .await
        .unwrap()
        .len();
    let e = store
        .import_projects(&who(), &[(2, good.clone()), (3, bad)], "list.xlsx", TODAY)
        .await
        .unwrap_err();
    match e {
        StoreError::Invalid { field, message } => {
            assert_eq!(field, "zone_org_id");
            assert!(message.contains("list.xlsx, row 3"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store
            .projects(&ProjectFilter::default())
            .await
            .unwrap()
            .len(),
        before
    );
    let ids = store
        .import_projects(&who(), &[(2, good.clone()), (3, good)], "list.xlsx", TODAY)
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert!(
        audit_actions(&store)
            .await
            .contains(&"invest.project.import".to_string())
    );
}

#[tokio::test]
async fn scopes_show_a_city_its_own_projects() {
    let (_tmp, store) = demo().await;
    store
        .create_project(&who(), &project(&store).await, TODAY)
        .await
        .unwrap();
    let hunchun = org(&store, "hc-gov").await;
    let scoped = store
        .projects(&ProjectFilter {
            scope: Some(hunchun),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(scoped.iter().all(|p| {
        p.city.id == hunchun
            || p.lead.id == hunchun
            || p.zone.as_ref().is_some_and(|z| z.id == hunchun)
    }));
    assert!(!scoped.iter().any(|p| p.name == "零部件项目"));
}

#[tokio::test]
async fn projects_are_never_deleted_and_their_history_never_rewritten() {
    let (tmp, store) = demo().await;
    let p = store
        .create_project(&who(), &project(&store).await, TODAY)
        .await
        .unwrap();
    let conn = kaifang_store::testing::raw_pool(&DataDir::new(tmp.path())).await;
    for sql in [
        "DELETE FROM invest_projects",
        "UPDATE invest_project_stages SET reached_on = '2000-01-01'",
        "UPDATE invest_project_events SET body = 'x'",
        "DELETE FROM invest_project_events",
    ] {
        assert!(sqlx::query(sql).execute(&conn).await.is_err(), "{sql}");
    }
    assert_eq!(store.project(p.item.id).await.unwrap().events.len(), 1);
}

#[tokio::test]
async fn the_registry_takes_cross_border_e_commerce_zones() {
    let (_tmp, store) = demo().await;
    // The registry's own (regression: this test once created the code the registry now holds).
    let held = store.orgs(None).await.unwrap();
    let changchun = held
        .iter()
        .find(|o| o.code == "cc-cbec")
        .expect("cc-cbec in the registry");
    assert_eq!(changchun.zone_type, Some(ZoneType::Cbec));
    let zone = store
        .create_org(
            &who(),
            &NewOrg {
                code: "test-cbec".into(),
                kind: OrgKind::Zone,
                name_zh: "中国（长春）跨境电子商务综合试验区".into(),
                name_en: "China (Changchun) Cross-border E-commerce Comprehensive Pilot Zone"
                    .into(),
                region_code: Some("220100".parse().unwrap()),
                zone_type: Some(ZoneType::Cbec),
                modules: vec![],
                source: "test".into(),
                uscc: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(zone.zone_type, Some(ZoneType::Cbec));
}
