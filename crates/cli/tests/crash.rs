//! `kill -9` at every step of a trade import, a backup and a restore: the data directory opens
//! cleanly afterwards, the trade store is the old or the new generation, never a mixture, and
//! once the next start has reconciled, the audit log says what the files hold.
//!
//! Each case runs the real binary with `KAIFANG_TEST_ABORT_AT=<scope>:<n>`, which aborts a debug
//! build at its n-th durable step (a directory sync, a rename, an audit entry of a write), for
//! n = 1, 2, ... until the command runs through; the import is also killed with SIGKILL at
//! spread-out moments, which lands between steps too.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use kaifang_store::audit::AuditEntry;
use kaifang_store::{DataDir, Store};

fn kaifang(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kaifang"));
    c.arg("--data-dir")
        .arg(dir)
        .env_remove("KAIFANG_TEST_ABORT_AT")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn run(dir: &Path, args: &[&str]) -> Output {
    kaifang(dir).args(args).output().expect("run kaifang")
}

/// Runs a command that aborts at its `n`-th step of `scope`; true if it ran through instead.
fn run_aborting(dir: &Path, args: &[&str], scope: &str, n: usize) -> bool {
    let o = kaifang(dir)
        .args(args)
        .env("KAIFANG_TEST_ABORT_AT", format!("{scope}:{n}"))
        .output()
        .expect("run kaifang");
    if o.status.success() {
        return true;
    }
    use std::os::unix::process::ExitStatusExt;
    assert!(
        o.status.signal().is_some(),
        "{args:?} at {scope}:{n} failed instead of aborting: {}",
        text(&o)
    );
    false
}

fn init(dir: &Path) {
    use std::io::Write;
    let mut child = kaifang(dir)
        .args(["init", "--password-stdin"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("run kaifang init");
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(b"a-strong-password\n").unwrap();
    }
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Months of exports; `months` files' worth of periods starting in January `year`.
fn exports(year: u32, months: u32, rows_per_month: u32) -> String {
    let mut s = String::from("数据年月,进出口,贸易伙伴编码,贸易方式编码,人民币\n");
    for m in 1..=months {
        for i in 0..rows_per_month {
            s.push_str(&format!(
                "{year}{m:02},出口,{},{:04},{}\n",
                101 + i % 40,
                1000 + i / 40,
                (i % 97 + 1) * m
            ));
        }
    }
    s
}

/// What the trade store holds, opened as a reader would: its generation and its periods.
fn trade_state(dir: &Path) -> (u64, Vec<(String, u64, i64)>) {
    let store = kaifang_trade::TradeStore::open(dir)
        .unwrap_or_else(|e| panic!("the trade store of {} does not open: {e}", dir.display()));
    let m = store.manifest();
    for f in m
        .partitions
        .iter()
        .map(|p| &p.file)
        .chain(m.aggregates.values())
    {
        assert!(store.dir().join(f).is_file(), "{f} is listed but missing");
    }
    let periods = m
        .partitions
        .iter()
        .map(|p| (p.period.to_string(), p.rows, p.value_cny as i64))
        .collect();
    (m.generation, periods)
}

/// Reconciles as the next start does (holding the directory's lock), and returns the audit
/// log, oldest first.
fn reconcile(dir: &Path) -> Vec<AuditEntry> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let data = DataDir::new(dir);
        let lock = data.lock().unwrap();
        let store = Store::open(&data, false).await.unwrap();
        kaifang_app::recover::reconcile(&store).await.unwrap();
        assert!(
            store
                .open_intents(&["trade.import", "backup.create"])
                .await
                .unwrap()
                .is_empty(),
            "an announcement is left unconcluded"
        );
        let mut log = store.audit(10_000).await.unwrap();
        log.reverse();
        store.close().await;
        drop(lock);
        log
    })
}

/// The entries of every intent, by target, in order.
fn intents(log: &[AuditEntry]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for e in log {
        let Some(t) = e.target.as_deref().filter(|t| t.starts_with("intent:")) else {
            continue;
        };
        match out.iter_mut().find(|(k, _)| k == t) {
            Some((_, actions)) => actions.push(e.action.clone()),
            None => out.push((t.to_string(), vec![e.action.clone()])),
        }
    }
    out
}

/// After an interrupted import and the reconciliation: the store is the old or the new one,
/// and the audit log has a completed import exactly when the new generation is there.
fn check_import(
    d: &Path,
    before: &(u64, Vec<(String, u64, i64)>),
    after: &(u64, Vec<(String, u64, i64)>),
    what: &str,
) -> bool {
    let state = trade_state(d);
    let new = if state.1 == before.1 && state.0 == before.0 {
        false
    } else if state.1 == after.1 && state.0 == after.0 {
        true
    } else {
        panic!("{what}: the trade store is neither the old nor the new one: {state:?}");
    };
    let log = reconcile(d);
    let imports: Vec<_> = intents(&log)
        .into_iter()
        .filter(|(_, a)| a[0] == "trade.import.begin")
        .collect();
    // The base directory's own import, then (maybe) the interrupted one's.
    let last = imports.last().map(|(_, a)| a.clone()).unwrap_or_default();
    if imports.len() == 1 {
        assert!(!new, "{what}: a new generation without its announcement");
    } else {
        assert_eq!(imports.len(), 2, "{what}: {imports:?}");
        let concluded = if new {
            "trade.import"
        } else {
            "trade.import.abandoned"
        };
        assert_eq!(
            last,
            ["trade.import.begin", concluded],
            "{what}: the audit log disagrees with the store (new generation: {new})"
        );
    }
    new
}

#[test]
fn an_import_stopped_at_any_step_leaves_the_old_or_the_new_generation_and_an_audit_that_says_which()
{
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let small = tmp.path().join("small.csv");
    std::fs::write(&small, exports(2023, 2, 50)).unwrap();
    let file = tmp.path().join("exports.csv");
    std::fs::write(&file, exports(2024, 3, 200)).unwrap();
    let base = tmp.path().join("base");
    init(&base);
    let o = run(&base, &["import", "trade", small.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let before = trade_state(&base);
    let complete = tmp.path().join("complete");
    copy_dir(&base, &complete);
    let args = ["import", "trade", file.to_str().unwrap()];
    let o = run(&complete, &args);
    assert!(o.status.success(), "{}", text(&o));
    let after = trade_state(&complete);
    assert_ne!(before, after);

    let mut runs = 0;
    let (mut old, mut new) = (0, 0);
    for scope in ["store", "trade"] {
        for n in 1.. {
            let d = tmp.path().join(format!("{scope}-{n}"));
            copy_dir(&base, &d);
            if run_aborting(&d, &args, scope, n) {
                assert!(n > 1, "{scope}: no step at all");
                break;
            }
            runs += 1;
            if check_import(&d, &before, &after, &format!("aborted at {scope}:{n}")) {
                new += 1;
            } else {
                old += 1;
            }
            std::fs::remove_dir_all(&d).unwrap();
        }
    }

    // SIGKILL at moments spread over an import's duration, which also lands between steps.
    let timed = Instant::now();
    let d = tmp.path().join("timed");
    copy_dir(&base, &d);
    assert!(run(&d, &args).status.success());
    let span = timed.elapsed().as_millis().max(50) as u64;
    for k in 0..12u64 {
        let d = tmp.path().join(format!("killed-{k}"));
        copy_dir(&base, &d);
        let mut child = kaifang(&d).args(args).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(span * k / 10));
        let _ = child.kill(); // SIGKILL: no clean-up code runs
        let _ = child.wait();
        runs += 1;
        if check_import(
            &d,
            &before,
            &after,
            &format!("killed after {} ms", span * k / 10),
        ) {
            new += 1;
        } else {
            old += 1;
        }
        // The next import runs, and clears what the killed one left.
        let o = run(&d, &args);
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(trade_state(&d).1, after.1);
        std::fs::remove_dir_all(&d).unwrap();
    }
    eprintln!(
        "{runs} interrupted imports: {old} left the old generation, {new} the new one ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    assert!(
        runs >= 20 && old > 0 && new > 0,
        "{runs} runs, {old} old, {new} new"
    );
}

/// A data directory with trade data and an upload, for the backup cases.
fn with_upload(dir: &Path, csv: &Path) {
    init(dir);
    let o = run(dir, &["import", "trade", csv.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let data = DataDir::new(dir);
        let store = Store::open(&data, false).await.unwrap();
        let org = store.orgs(None).await.unwrap()[0].id;
        store
            .save_upload(
                &kaifang_store::audit::Who::cli("test"),
                org,
                "evidence.txt",
                b"a letter from the customs office",
                kaifang_store::uploads::SpaceLimits {
                    org_quota: u64::MAX,
                    disk_reserve: 0,
                },
            )
            .await
            .unwrap();
        store.close().await;
    });
}

#[test]
fn a_backup_stopped_at_any_step_is_complete_or_absent_and_restores_into_a_working_directory() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("exports.csv");
    std::fs::write(&csv, exports(2024, 2, 100)).unwrap();
    let base = tmp.path().join("base");
    with_upload(&base, &csv);
    let state = trade_state(&base);

    let mut runs = 0;
    let mut complete: Vec<PathBuf> = Vec::new();
    for scope in ["store", "trade"] {
        for n in 1.. {
            let d = tmp.path().join(format!("{scope}-{n}"));
            copy_dir(&base, &d);
            let dest = d.join("backups/b");
            if run_aborting(&d, &["backup", dest.to_str().unwrap()], scope, n) {
                assert!(n > 1, "{scope}: no step at all");
                break;
            }
            runs += 1;
            let what = format!("aborted at {scope}:{n}");
            let exists = dest.exists();
            if exists {
                kaifang_store::backup::verify(&dest).unwrap_or_else(|e| {
                    panic!("{what}: a backup under its final name does not check: {e}")
                });
            }
            // `check` (which takes no lock and changes nothing) reports a write left open.
            let o = run(&d, &["check"]);
            let reported = text(&o).contains("announced but not concluded: 1");
            let log = reconcile(&d);
            let reconciled = log
                .iter()
                .any(|e| e.details.get("reconciled") == Some(&serde_json::json!(true)));
            assert_eq!(
                reported,
                reconciled,
                "{what}: check's report disagrees with what was open: {}",
                text(&o)
            );
            assert!(
                !d.join("backups/b.partial").exists(),
                "{what}: the partial copy is left"
            );
            let backups: Vec<_> = intents(&log)
                .into_iter()
                .filter(|(_, a)| a[0] == "backup.create.begin")
                .collect();
            match backups.as_slice() {
                [] => assert!(!exists, "{what}: a backup without its announcement"),
                [(_, actions)] => assert_eq!(
                    actions,
                    &[
                        "backup.create.begin",
                        if exists {
                            "backup.create"
                        } else {
                            "backup.create.abandoned"
                        }
                    ],
                    "{what}: the audit log disagrees with the backups folder"
                ),
                more => panic!("{what}: {more:?}"),
            }
            if exists {
                complete.push(d);
            } else {
                std::fs::remove_dir_all(&d).unwrap();
            }
        }
    }
    assert!(!complete.is_empty(), "some aborted backups were complete");

    // Every complete backup restores into a working directory holding what was backed up.
    for d in complete.iter().take(3) {
        let target = tmp.path().join("restored");
        copy_dir(&base, &target);
        let o = run(&target, &["import", "trade", csv.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
        let o = run(&target, &["restore", d.join("backups/b").to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
        assert_eq!(trade_state(&target).1, state.1);
        let o = run(&target, &["check"]);
        assert!(o.status.success(), "{}", text(&o));
        std::fs::remove_dir_all(&target).unwrap();
    }

    // A restore stopped at any step leaves the directory as it was, once the next process
    // takes the lock.
    let backup = complete[0].join("backups/b");
    for n in 1.. {
        let target = tmp.path().join(format!("restore-{n}"));
        copy_dir(&base, &target);
        let o = run(&target, &["import", "trade", csv.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
        let changed = trade_state(&target);
        if run_aborting(&target, &["restore", backup.to_str().unwrap()], "store", n) {
            assert_eq!(trade_state(&target).1, state.1);
            break;
        }
        runs += 1;
        reconcile(&target);
        let now = trade_state(&target);
        assert!(
            now == changed || now.1 == state.1,
            "restore aborted at store:{n}: the trade store is neither the old nor the restored one"
        );
        assert!(!target.join("restore-journal.json").exists());
        let o = run(&target, &["check"]);
        assert!(
            o.status.success(),
            "restore aborted at store:{n}: {}",
            text(&o)
        );
        std::fs::remove_dir_all(&target).unwrap();
    }
    eprintln!(
        "{runs} interrupted backups and restores ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
}
