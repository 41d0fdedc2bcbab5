//! Several instances on one database: two stores opened on the same data directory stand for
//! two `serve` processes. On PostgreSQL (`KAIFANG_TEST_POSTGRES`) they take turns at the
//! background round and conclude each other's jobs only once their leases have run out; on
//! SQLite, where the directory lock admits one process, the checks are what one process sees.

use kaifang_store::jobs::JobStatus;
use kaifang_store::{Backend, Store};

async fn two_instances() -> (tempfile::TempDir, Store, Store) {
    let tmp = tempfile::tempdir().unwrap();
    let a = kaifang_store::testing::open(tmp.path()).await;
    let b = Store::open(a.data_dir(), false).await.unwrap();
    (tmp, a, b)
}

#[tokio::test]
async fn one_instance_at_a_time_does_the_background_round() {
    let (_tmp, a, b) = two_instances().await;
    let turn = a.background_turn().await.unwrap().expect("a's turn");
    let other = b.background_turn().await.unwrap();
    if a.backend() == Backend::Postgres {
        assert!(other.is_none(), "b must wait while a does the round");
        turn.end().await;
        let taken = b
            .background_turn()
            .await
            .unwrap()
            .expect("b's turn after a's");
        assert!(a.background_turn().await.unwrap().is_none());
        // A turn dropped without ending (its task cancelled) is given back too.
        drop(taken);
        let mut again = None;
        for _ in 0..50 {
            again = a.background_turn().await.unwrap();
            if again.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        again.expect("the dropped turn is released").end().await;
    } else {
        assert!(other.is_some(), "one process: the turn is always its own");
    }
}

#[tokio::test]
async fn a_job_is_concluded_by_another_instance_only_once_its_lease_has_run_out() {
    let (_tmp, a, b) = two_instances().await;
    a.insert_job("live", "test", None, None, None)
        .await
        .unwrap();
    a.job_started("live").await.unwrap();
    a.insert_job("orphan", "test", None, None, None)
        .await
        .unwrap();
    a.job_started("orphan").await.unwrap();
    assert!(
        a.renew_job_leases(&[("live".into(), 0.5)])
            .await
            .unwrap()
            .is_empty()
    );
    // "orphan"'s instance stopped a while ago: its lease ran out.
    let pool = kaifang_store::testing::raw_pool(a.data_dir()).await;
    sqlx::query("UPDATE jobs SET lease_until = '2000-01-01T00:00:00.000000Z' WHERE id = 'orphan'")
        .execute(&pool)
        .await
        .unwrap();

    let concluded = b.fail_interrupted_jobs().await.unwrap();
    let orphan = b.job("orphan").await.unwrap();
    let live = b.job("live").await.unwrap();
    assert_eq!(orphan.status, JobStatus::Failed);
    assert!(orphan.message.unwrap().contains("interrupted"));
    if a.backend() == Backend::Postgres {
        assert_eq!(concluded, 1);
        assert_eq!(
            live.status,
            JobStatus::Running,
            "a's running job is left to a"
        );
        assert_eq!(live.progress, 0.5, "its progress is seen from b");
    } else {
        // One process: at its start every unfinished job is one it interrupted.
        assert_eq!(concluded, 2);
        assert_eq!(live.status, JobStatus::Failed);
    }
}

#[tokio::test]
async fn a_cancellation_asked_of_another_instance_reaches_the_one_running_the_job() {
    let (_tmp, a, b) = two_instances().await;
    a.insert_job("j", "test", None, None, None).await.unwrap();
    a.job_started("j").await.unwrap();
    assert!(b.request_job_cancel("j").await.unwrap());
    let asked = a.renew_job_leases(&[("j".into(), 0.25)]).await.unwrap();
    assert_eq!(asked, ["j"]);
    a.job_finished("j", JobStatus::Cancelled, 0.25, Some("cancelled"), None)
        .await
        .unwrap();
    assert!(
        !b.request_job_cancel("j").await.unwrap(),
        "a finished job is not cancelled"
    );
}

/// A job that can start over is taken over by one instance once its own instance stopped
/// renewing its lease, and queued again under the new lease; a job that cannot start over, or
/// has been started [`MAX_ATTEMPTS`] times, is concluded as failed instead.
#[tokio::test]
async fn a_stopped_instances_job_that_can_start_over_is_taken_over_once() {
    use kaifang_store::jobs::MAX_ATTEMPTS;
    let (_tmp, a, b) = two_instances().await;
    let resume = serde_json::json!({ "who": "admin" });
    a.insert_job("again", "backup", None, None, Some(&resume))
        .await
        .unwrap();
    a.job_started("again").await.unwrap();
    a.insert_job("once", "test", None, None, None)
        .await
        .unwrap();
    a.job_started("once").await.unwrap();
    a.insert_job("tired", "backup", None, None, Some(&resume))
        .await
        .unwrap();
    let pool = kaifang_store::testing::raw_pool(a.data_dir()).await;
    sqlx::query("UPDATE jobs SET attempts = $1 WHERE id = 'tired'")
        .bind(MAX_ATTEMPTS)
        .execute(&pool)
        .await
        .unwrap();
    // Nothing is taken while the leases run.
    assert!(b.take_over_jobs().await.unwrap().is_empty());
    sqlx::query("UPDATE jobs SET lease_until = '2000-01-01T00:00:00.000000Z'")
        .execute(&pool)
        .await
        .unwrap();

    let (first, second) = tokio::join!(b.take_over_jobs(), a.take_over_jobs());
    let taken: Vec<_> = first.unwrap().into_iter().chain(second.unwrap()).collect();
    if a.backend() == Backend::Sqlite {
        assert!(taken.is_empty(), "one process: nothing to take over");
        return;
    }
    assert_eq!(taken.len(), 1, "{taken:?}");
    let t = &taken[0];
    assert_eq!(
        (t.id.as_str(), t.kind.as_str(), t.user_id, t.org_id),
        ("again", "backup", None, None)
    );
    assert_eq!(t.resume, resume);
    let again = b.job("again").await.unwrap();
    assert_eq!(again.status, JobStatus::Queued);
    assert!(again.message.unwrap().contains("taken over"));
    // Its new lease runs: neither taken again nor concluded.
    assert!(b.take_over_jobs().await.unwrap().is_empty());
    assert_eq!(b.fail_interrupted_jobs().await.unwrap(), 2);
    assert_eq!(b.job("once").await.unwrap().status, JobStatus::Failed);
    assert_eq!(b.job("tired").await.unwrap().status, JobStatus::Failed);
    assert_eq!(b.job("again").await.unwrap().status, JobStatus::Queued);
}
