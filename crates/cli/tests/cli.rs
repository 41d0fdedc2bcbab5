//! The `kaifang` binary as a user runs it: commands, bad input, faults.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn kaifang(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kaifang"));
    c.arg("--data-dir")
        .arg(dir)
        .env_remove("KAIFANG_ADDR")
        // `demo` and `serve` generate synthetic trade records: a small set keeps tests quick.
        .env("KAIFANG_TRADE_DEMO_ROWS", "5000")
        .env("NO_COLOR", "1");
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    kaifang(dir).args(args).output().expect("run kaifang")
}

fn run_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    let mut child = kaifang(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A running `kaifang serve`, stopped (SIGKILL) on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(dir: &Path) -> Server {
        Server::start_with(dir, &[])
    }

    /// Starts with extra environment variables.
    fn start_with(dir: &Path, env: &[(&str, &str)]) -> Server {
        let started = Instant::now();
        let mut child = kaifang(dir)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let l = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("serving on http://").nth(1) {
                    let addr: String = rest.chars().take_while(|c| *c != '/').collect();
                    let _ = tx.send(addr);
                }
                l.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(a) => a.parse().unwrap(),
            Err(_) => {
                let mut err = String::new();
                let _ = child.kill();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                panic!("server did not start: {}{err}", log.lock().unwrap());
            }
        };
        let s = Server { child, addr, log };
        while http(s.addr, "GET", "/healthz", &[], "").0 != 200 {
            assert!(started.elapsed() < Duration::from_secs(30), "no /healthz");
            std::thread::sleep(Duration::from_millis(20));
        }
        s
    }

    fn terminate(mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("server did not stop on SIGTERM");
    }
}

/// Minimal HTTP/1.1 client: (status, headers, body).
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return (0, String::new(), String::new());
    };
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    if s.write_all(req.as_bytes()).is_err() {
        return (0, String::new(), String::new());
    }
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    let (head, body) = resp.split_once("\r\n\r\n").unwrap_or((&resp, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

/// Logs in; returns (cookie header value, csrf token).
fn login(addr: SocketAddr, user: &str, password: &str) -> (String, String) {
    let body = format!(r#"{{"username":"{user}","password":"{password}"}}"#);
    let (status, head, body) = http(
        addr,
        "POST",
        "/api/auth/login",
        &[("content-type", "application/json")],
        &body,
    );
    assert_eq!(status, 200, "{body}");
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_string();
    let csrf = body
        .split(r#""csrf_token":""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    (cookie, csrf)
}

#[test]
fn version_names_the_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run(tmp.path(), &["version"]);
    assert!(o.status.success());
    assert!(text(&o).contains("schema version"), "{}", text(&o));
}

#[test]
fn init_users_and_check() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let o = run_stdin(&dir, &["init", "--password-stdin"], "a-strong-password\n");
    assert!(o.status.success(), "{}", text(&o));
    assert!(dir.join("kaifang.toml").is_file());
    let again = run(&dir, &["init"]);
    assert!(!again.status.success());
    assert!(
        text(&again).contains("refusing to overwrite"),
        "{}",
        text(&again)
    );

    let o = run(
        &dir,
        &[
            "user",
            "add",
            "zone.staff",
            "--role",
            "local",
            "--org",
            "cc-etdz",
            "--name",
            "园区",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("password: "),
        "a generated password is shown once"
    );
    let o = run(
        &dir,
        &["user", "add", "bad", "--role", "local", "--org", "jl-doc"],
    );
    assert!(
        !o.status.success() && text(&o).contains("cannot belong"),
        "{}",
        text(&o)
    );
    let o = run(
        &dir,
        &["user", "add", "xy", "--role", "emperor", "--org", "jl-doc"],
    );
    assert!(
        !o.status.success() && text(&o).contains("role"),
        "{}",
        text(&o)
    );
    let o = run_stdin(
        &dir,
        &["user", "passwd", "zone.staff", "--password-stdin"],
        "another-password\n",
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = run(&dir, &["user", "disable", "zone.staff"]);
    assert!(o.status.success(), "{}", text(&o));
    let list = text(&run(&dir, &["user", "list"]));
    assert!(
        list.contains("admin") && list.contains("zone.staff") && list.contains("disabled"),
        "{list}"
    );

    let o = run(&dir, &["check"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("ok"));

    // The administrator logs in over HTTP with the password given at init.
    let server = Server::start(&dir);
    login(server.addr, "admin", "a-strong-password");
    assert!(
        !server.log.lock().unwrap().contains("demo accounts"),
        "not a demo directory"
    );
}

#[test]
fn invalid_config_names_the_file_and_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert!(run(dir, &["demo"]).status.success());
    std::fs::write(
        dir.join("kaifang.toml"),
        "[server]\nrequest_timeout_secs = \"soon\"\n",
    )
    .unwrap();
    let o = run(dir, &["serve", "--addr", "127.0.0.1:0"]);
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("kaifang.toml") && t.contains("server.request_timeout_secs"),
        "{t}"
    );
    std::fs::write(dir.join("kaifang.toml"), "[server]\nport = 1\n").unwrap();
    let t = text(&run(dir, &["check"]));
    assert!(t.contains("kaifang.toml") && t.contains("port"), "{t}");
}

#[test]
fn a_corrupt_or_newer_database_is_refused_and_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("kaifang.db"), b"definitely not sqlite").unwrap();
    let o = run(dir, &["serve", "--addr", "127.0.0.1:0"]);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("not a usable Kaifang database"),
        "{}",
        text(&o)
    );
    assert_eq!(
        std::fs::read(dir.join("kaifang.db")).unwrap(),
        b"definitely not sqlite"
    );

    let newer = tmp.path().join("newer");
    assert!(run(&newer, &["demo"]).status.success());
    // Simulate a newer binary having migrated the directory.
    let db = newer.join("kaifang.db");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&db);
        let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
             VALUES (99990101000000, 'future', '2099-01-01', 1, x'00', 0)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    });
    let before = std::fs::read(&db).unwrap();
    let o = run(&newer, &["serve", "--addr", "127.0.0.1:0"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("newer Kaifang"), "{}", text(&o));
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn a_port_in_use_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let o = run(tmp.path(), &["serve", "--addr", &addr]);
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains(&format!("cannot listen on {addr}")) && t.contains("--addr"),
        "{t}"
    );
}

#[test]
fn serve_starts_fast_on_an_existing_directory_and_idles_small() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(run(tmp.path(), &["demo"]).status.success());
    let t0 = Instant::now();
    let server = Server::start(tmp.path());
    let ready = t0.elapsed();
    // Generous for an unoptimised test build on a loaded machine; the release binary is far
    // quicker (see the README).
    assert!(ready < Duration::from_secs(3), "healthz after {ready:?}");
    let log = server.log.lock().unwrap().clone();
    assert!(
        log.contains("demo accounts")
            && log.contains("kaifang-demo")
            && log.contains("data directory"),
        "{log}"
    );
    let (cookie, _) = login(server.addr, "leader", "kaifang-demo");
    // The registry's pages; the cockpit (/api/overview) loads the freight network and the
    // zones' assessment into their caches, which is working memory, not idle memory.
    for path in ["/api/registry/counts", "/api/orgs", "/api/audit"] {
        assert_eq!(
            http(server.addr, "GET", path, &[("cookie", &cookie)], "").0,
            200
        );
    }
    std::thread::sleep(Duration::from_millis(300));
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap_or_default();
    // The process's own memory (anonymous pages). The file-backed part is mostly the pages of
    // the unoptimised binary itself (700 MB on disk, a hundred MB of it touched at start by
    // its relocations), shared and reclaimable, and it grows with every linked library.
    if let Some(kb) = status
        .lines()
        .find_map(|l| l.strip_prefix("RssAnon:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
    {
        // The demo directory holds synthetic trade records, whose aggregate tables the server
        // keeps in memory: about 75 MB of its own idle here (unoptimised build).
        assert!(kb < 150 * 1024, "idle anonymous RSS {kb} kB");
    }
    assert_eq!(
        http(
            server.addr,
            "GET",
            "/api/overview",
            &[("cookie", &cookie)],
            ""
        )
        .0,
        200
    );
    server.terminate();
}

#[test]
fn backup_while_serving_then_restore_when_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let server = Server::start(&dir);
    let backup = tmp.path().join("snap");
    let o = run(&dir, &["backup", backup.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    for part in ["backup.json", "kaifang.db", "trade/manifest.json"] {
        assert!(backup.join(part).is_file(), "the backup holds {part}");
    }
    let o = run(&dir, &["restore", backup.to_str().unwrap()]);
    assert!(!o.status.success(), "restore must refuse while serving");
    assert!(text(&o).contains("in use"), "{}", text(&o));
    server.terminate();

    assert!(
        run(
            &dir,
            &[
                "user",
                "add",
                "after.backup",
                "--role",
                "leader",
                "--org",
                "jl-gov"
            ]
        )
        .status
        .success()
    );
    assert!(text(&run(&dir, &["user", "list"])).contains("after.backup"));
    let o = run(&dir, &["restore", backup.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("kept as"), "{}", text(&o));
    assert!(!text(&run(&dir, &["user", "list"])).contains("after.backup"));
    assert!(run(&dir, &["check"]).status.success());
    // What the restore replaced is itself a backup: restoring it undoes the restore.
    let kept = text(&o)
        .lines()
        .find_map(|l| l.split("kept as ").nth(1))
        .map(|p| p.trim().to_string())
        .unwrap();
    let o = run(&dir, &["restore", &kept]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&run(&dir, &["user", "list"])).contains("after.backup"));
    assert!(run(&dir, &["check"]).status.success());
    let o = run(&dir, &["restore", backup.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));

    let o = run(
        &dir,
        &["restore", dir.join("kaifang.toml").to_str().unwrap()],
    );
    assert!(
        !o.status.success(),
        "a file that is not a database is refused"
    );
    assert!(
        run(&dir, &["check"]).status.success(),
        "and the database is untouched"
    );

    // A single-file backup of earlier versions still restores the database (alone).
    let old = tmp.path().join("old.db");
    std::fs::copy(backup.join("kaifang.db"), &old).unwrap();
    let o = run(&dir, &["restore", old.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("database"), "{}", text(&o));
    assert!(run(&dir, &["check"]).status.success());
    // A backup whose files no longer match its list is refused, naming the file.
    std::fs::write(backup.join("trade/manifest.json"), "{}").unwrap();
    let o = run(&dir, &["restore", backup.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o).contains("manifest.json"), "{}", text(&o));
}

#[test]
fn a_backup_that_would_eat_into_the_disk_reserve_is_refused_and_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let o = run_stdin(&dir, &["init", "--password-stdin"], "a-strong-password\n");
    assert!(o.status.success(), "{}", text(&o));
    let toml = std::fs::read_to_string(dir.join("kaifang.toml")).unwrap();
    assert!(toml.contains("[uploads]\n"), "{toml}");
    // A reserve no disk has: every backup must be refused before it copies anything.
    std::fs::write(
        dir.join("kaifang.toml"),
        toml.replace(
            "[uploads]\n",
            "[uploads]\ndisk_reserve_mb = 1099511627776\n",
        ),
    )
    .unwrap();
    let dest = tmp.path().join("snap");
    let o = run(&dir, &["backup", dest.to_str().unwrap()]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("reserve"), "{}", text(&o));
    assert!(!dest.exists(), "nothing is left at the destination");
    assert!(
        !tmp.path().join("snap.partial").exists(),
        "nor a partial copy"
    );
    let o = run(&dir, &["check"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("interrupted writes: none"),
        "the refused backup is concluded in the audit log: {}",
        text(&o)
    );
}

/// A new data directory `d` in `tmp` for a test that serves it: SQLite, or its own schema on
/// PostgreSQL when `KAIFANG_TEST_POSTGRES` names a server (the durability tests run on both).
fn fresh_dir(tmp: &Path) -> std::path::PathBuf {
    let dir = tmp.join("d");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(kaifang_store::testing::data_dir(&dir));
    dir
}

#[test]
fn kill_9_during_writes_loses_no_committed_data() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fresh_dir(tmp.path());
    let mut server = Server::start(&dir);
    let (cookie, csrf) = login(server.addr, "admin", "kaifang-demo");
    let addr = server.addr;
    let writer = std::thread::spawn(move || {
        let mut acknowledged = Vec::new();
        for i in 0..10_000 {
            let body = format!(r#"{{"name":"durable-{i}"}}"#);
            let (status, _, _) = http(
                addr,
                "POST",
                "/api/tokens",
                &[
                    ("cookie", &cookie),
                    ("x-csrf-token", &csrf),
                    ("content-type", "application/json"),
                ],
                &body,
            );
            if status != 201 {
                break;
            }
            acknowledged.push(i);
        }
        acknowledged
    });
    std::thread::sleep(Duration::from_millis(700));
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    let acknowledged = writer.join().unwrap();
    assert!(
        acknowledged.len() > 3,
        "the writer got going ({} writes)",
        acknowledged.len()
    );
    drop(server);

    let server = Server::start(&dir);
    let (cookie, _) = login(server.addr, "admin", "kaifang-demo");
    let (_, _, body) = http(
        server.addr,
        "GET",
        "/api/tokens",
        &[("cookie", &cookie)],
        "",
    );
    for i in &acknowledged {
        assert!(
            body.contains(&format!("\"durable-{i}\"")),
            "acknowledged write {i} lost"
        );
    }
    let o = run(&dir, &["check"]);
    assert!(o.status.success(), "{}", text(&o));
}

/// The backup jobs the server lists (as JSON), by an administrator's cookie; none when the
/// server does not answer.
fn backup_jobs(addr: SocketAddr, cookie: &str) -> Option<Vec<serde_json::Value>> {
    let (_, _, body) = http(addr, "GET", "/api/jobs", &[("cookie", cookie)], "");
    let jobs: serde_json::Value = serde_json::from_str(&body).ok()?;
    Some(
        jobs["items"]
            .as_array()?
            .iter()
            .filter(|j| j["kind"] == "backup")
            .cloned()
            .collect(),
    )
}

/// A backup job of the server stopped at each durable step in turn (a debug build's
/// `KAIFANG_TEST_ABORT_AT`, which aborts as `kill -9` would): the next start records the job's
/// end as the files show it, succeeded exactly when the backup is complete on disk.
#[test]
fn a_backup_job_cut_short_is_concluded_from_the_disk_at_the_next_start() {
    if !cfg!(debug_assertions) {
        return; // the abort points exist in debug builds only
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    Server::start(&dir).terminate();
    let mut seen: Vec<serde_json::Value> = Vec::new();
    let mut outcomes = Vec::new();
    for n in 1.. {
        let abort = format!("store:{n}");
        let mut server = Server::start_with(&dir, &[("KAIFANG_TEST_ABORT_AT", &abort)]);
        let (cookie, csrf) = login(server.addr, "admin", "kaifang-demo");
        // The answer may not come back: the process can abort before it is written.
        http(
            server.addr,
            "POST",
            "/api/backups",
            &[("cookie", &cookie), ("x-csrf-token", &csrf)],
            "",
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        let aborted = loop {
            if let Ok(Some(_)) = server.child.try_wait() {
                break true;
            }
            let done = backup_jobs(server.addr, &cookie)
                .into_iter()
                .flatten()
                .any(|j| !seen.contains(&j["id"]) && j["status"] == "succeeded");
            if done {
                break false;
            }
            assert!(
                Instant::now() < deadline,
                "the backup job neither ended nor aborted"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        if !aborted {
            server.terminate();
            assert!(n > 3, "the backup took only {} steps", n - 1);
            break;
        }
        drop(server);

        let server = Server::start(&dir);
        let (cookie, _) = login(server.addr, "admin", "kaifang-demo");
        let job = backup_jobs(server.addr, &cookie)
            .expect("the restarted server lists its jobs")
            .into_iter()
            .find(|j| !seen.contains(&j["id"]))
            .unwrap_or_else(|| panic!("aborted at {abort}: the backup job is not listed"));
        seen.push(job["id"].clone());
        let backups: Vec<_> = std::fs::read_dir(dir.join("backups"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        assert!(
            backups
                .iter()
                .all(|p| p.extension().is_none_or(|x| x != "partial")),
            "aborted at {abort}: a partial copy is left: {backups:?}"
        );
        let status = job["status"].as_str().unwrap_or_default().to_string();
        match status.as_str() {
            "succeeded" => {
                assert_eq!(backups.len(), 1, "aborted at {abort}: {backups:?}");
                kaifang_store::backup::verify(&backups[0]).unwrap_or_else(|e| {
                    panic!("aborted at {abort}: succeeded, but the backup does not check: {e}")
                });
                let named = job["result"]["path"]
                    .as_str()
                    .or(job["result"]["file"].as_str())
                    .and_then(|p| Path::new(p).file_name());
                assert_eq!(
                    named,
                    backups[0].file_name(),
                    "aborted at {abort}: the job names another backup: {job}"
                );
            }
            "failed" => assert!(
                backups.is_empty(),
                "aborted at {abort}: failed, yet a backup is there: {backups:?}"
            ),
            other => panic!("aborted at {abort}: the job is {other} after the restart"),
        }
        outcomes.push(status);
        server.terminate();
        for b in backups {
            std::fs::remove_dir_all(b).unwrap();
        }
    }
    assert!(outcomes.iter().any(|s| s == "failed"), "{outcomes:?}");
    assert!(outcomes.iter().any(|s| s == "succeeded"), "{outcomes:?}");
}

#[test]
fn demo_reset_replaces_the_database() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert!(run(dir, &["demo"]).status.success());
    let again = run(dir, &["demo"]);
    assert!(!again.status.success() && text(&again).contains("--reset"));
    assert!(
        run(
            dir,
            &[
                "user",
                "add",
                "temp.user",
                "--role",
                "leader",
                "--org",
                "jl-gov"
            ]
        )
        .status
        .success()
    );
    let o = run(dir, &["demo", "--reset"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("kaifang-demo"));
    assert!(!text(&run(dir, &["user", "list"])).contains("temp.user"));
}

/// `kaifang demo` loads what `serve` loads into a new directory: the trade records too.
#[test]
fn demo_includes_the_synthetic_trade_records() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let o = run(dir, &["demo"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("synthetic trade records"), "{}", text(&o));
    let o = run(dir, &["trade", "summary", "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(
        v["ytd"]["value_cny"].as_f64().is_some_and(|x| x > 0.0),
        "{v}"
    );
    assert!(text(&o).contains("synthetic"), "{}", text(&o));
}

/// `kaifang openapi` prints the document the server serves, with the typed route answer.
#[test]
fn openapi_prints_the_document() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run(tmp.path(), &["openapi"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let ok = &v["paths"]["/api/channels/route"]["post"]["responses"]["200"];
    assert_eq!(
        ok["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/RoutePlan",
        "{ok}"
    );
    assert_eq!(
        v["paths"]["/api/channels/route"]["post"]["operationId"],
        "post_channels_route"
    );
}

/// The risk watch for scripts: an evaluation that raises alerts (once), the alert list, and a
/// drill naming the enterprises whose trade used the closed crossing — the same use cases as
/// the API's.
#[test]
fn risk_evaluate_raise_list_and_drill() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert!(run(dir, &["demo"]).status.success());
    // Loading the demo evaluated once: its alerts are there, computed from the demo data.
    let o = run(dir, &["risk", "list", "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let raised = list.as_array().unwrap().len();
    assert!(raised > 0, "{list}");
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|a| a["synthetic"] == true)
    );
    // Evaluating again the same day raises nothing new.
    let o = run(dir, &["risk", "evaluate", "--raise", "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let again: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(again["alerts"]["raised"], 0, "{again}");
    let o = run(dir, &["risk", "list", "--format", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(list.as_array().unwrap().len(), raised);

    let o = run(
        dir,
        &[
            "risk",
            "drill",
            "--close",
            "珲春铁路口岸",
            "--close",
            "cn-ru-hunchun-road",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let d: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(d["synthetic"], true);
    assert!(!d["by_enterprise"].as_array().unwrap().is_empty(), "{d}");
    let o = run(
        dir,
        &["risk", "drill", "--close", "no-such-crossing-anywhere"],
    );
    assert!(!o.status.success());
    assert!(
        text(&o).contains("no-such-crossing-anywhere"),
        "{}",
        text(&o)
    );
}

/// A workflow record's kind as the comment kill test drives it.
struct Kind {
    /// `tasks` or `appeals`: the API's collection and the audit target's prefix's plural.
    collection: &'static str,
    /// `task` or `appeal`.
    kind: &'static str,
    /// The demo user who comments, and how to pick their record from the list.
    user: &'static str,
    pick: fn(&serde_json::Value) -> bool,
}

/// One write a test repeats against a running server: given its address, the user's cookie
/// and CSRF token, the run and the write's number, it writes and returns what the server
/// acknowledged (none once the server stops answering).
type Writer =
    std::sync::Arc<dyn Fn(SocketAddr, &str, &str, u64, u64) -> Option<String> + Send + Sync>;

/// Kills the server (SIGKILL) at spread-out moments while `user` repeats `write`, 50 times
/// over, and returns everything the server acknowledged.
fn kill_9_while_writing(dir: &Path, user: &'static str, write: Writer) -> Vec<String> {
    const RUNS: u64 = 50;
    let mut acknowledged: Vec<String> = Vec::new();
    for run in 0..RUNS {
        let mut server = Server::start(dir);
        let addr = server.addr;
        let (cookie, csrf) = login(addr, user, "kaifang-demo");
        let write = write.clone();
        let writer = std::thread::spawn(move || {
            let mut done = Vec::new();
            for i in 0.. {
                match write(addr, &cookie, &csrf, run, i) {
                    Some(ack) => done.push(ack),
                    None => break,
                }
            }
            done
        });
        // Kill points spread over the writes: 30 to 400 ms in.
        std::thread::sleep(Duration::from_millis(30 + (run * 7919) % 370));
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        acknowledged.extend(writer.join().unwrap());
        drop(server);
    }
    assert!(
        acknowledged.len() as u64 > RUNS,
        "the writer got going ({} writes)",
        acknowledged.len()
    );
    acknowledged
}

/// The version of the JSON record at `path`, as `pointer` finds it (0 when absent); none when
/// the server does not answer.
fn version_at(addr: SocketAddr, cookie: &str, path: &str, pointer: &str) -> Option<i64> {
    let (status, _, body) = http(addr, "GET", path, &[("cookie", cookie)], "");
    if status != 200 {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(&body).ok()?;
    Some(v.pointer(pointer).and_then(|x| x.as_i64()).unwrap_or(0))
}

/// Kills the server (SIGKILL) at spread-out moments while `k.user` comments on one record,
/// 50 times over, then checks that every comment the server acknowledged is on the
/// record's timeline, and that the timeline and the audit log agree entry for entry.
fn kill_9_while_commenting(k: Kind) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fresh_dir(tmp.path());
    let server = Server::start(&dir);
    let (cookie, _) = login(server.addr, k.user, "kaifang-demo");
    let (_, _, body) = http(
        server.addr,
        "GET",
        &format!("/api/{}", k.collection),
        &[("cookie", &cookie)],
        "",
    );
    let list: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let id = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| (k.pick)(r))
        .unwrap_or_else(|| panic!("a {} of {}'s", k.kind, k.user))["id"]
        .as_i64()
        .unwrap();
    server.terminate();

    let collection = k.collection;
    let acknowledged = kill_9_while_writing(
        &dir,
        k.user,
        std::sync::Arc::new(move |addr, cookie, csrf, run, i| {
            let path = format!("/api/{collection}/{id}");
            let version = version_at(addr, cookie, &path, "/version")?;
            let text = format!("run {run} comment {i}");
            let (status, _, _) = http(
                addr,
                "POST",
                &format!("{path}/events"),
                &[
                    ("cookie", cookie),
                    ("x-csrf-token", csrf),
                    ("content-type", "application/json"),
                ],
                &format!(r#"{{"version":{version},"kind":"comment","body":"{text}"}}"#),
            );
            (status == 200).then_some(text)
        }),
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (comments, audited) = rt.block_on(async {
        let data = kaifang_store::DataDir::new(&dir);
        let store = kaifang_store::Store::open(&data, false).await.unwrap();
        let rules = kaifang_store::rules::Rules::from_config(&Default::default()).unwrap();
        let today = kaifang_store::rules::today_in_china();
        let events = match k.kind {
            "task" => store.task(id, &rules, today).await.unwrap().events,
            _ => store.appeal(id, &rules, today).await.unwrap().events,
        };
        let comments: Vec<String> = events
            .iter()
            .filter(|e| e.kind == "comment")
            .map(|e| e.body.clone())
            .collect();
        let action = format!("{}.comment", k.kind);
        let audited = store
            .audit_of(&format!("{}:{id}", k.kind))
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == action)
            .count();
        store.close().await;
        (comments, audited)
    });
    for a in &acknowledged {
        assert!(comments.contains(a), "acknowledged comment {a:?} lost");
    }
    assert_eq!(
        comments.len(),
        audited,
        "the timeline and the audit log disagree"
    );
    let o = run(&dir, &["check"]);
    assert!(o.status.success(), "{}", text(&o));
}

/// A workflow step is one transaction: the step, its timeline entry, its audit entry and its
/// notifications. A task's steps killed 50 times mid-stream lose nothing acknowledged.
#[test]
fn kill_9_during_task_steps_loses_nothing_acknowledged_and_leaves_nothing_half_written() {
    kill_9_while_commenting(Kind {
        collection: "tasks",
        kind: "task",
        user: "hunchun",
        pick: |t| t["lead"]["code"] == "hc-gov",
    });
}

/// The same for an enterprise's appeal, commented on by the enterprise.
#[test]
fn kill_9_during_appeal_steps_loses_nothing_acknowledged_and_leaves_nothing_half_written() {
    kill_9_while_commenting(Kind {
        collection: "appeals",
        kind: "appeal",
        user: "faw",
        pick: |a| a["enterprise"]["code"] == "faw-ie",
    });
}

/// A zone's yearly data saved as a draft again and again by its staff while the server is
/// killed, 50 times over: every save acknowledged is in the submission's history, and the
/// history and the audit log agree entry for entry.
#[test]
fn kill_9_during_zone_data_saves_loses_nothing_acknowledged_and_leaves_nothing_half_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = fresh_dir(tmp.path());
    Server::start(&dir).terminate();
    let path = "/api/zones/hc-bezc/submissions/2025";
    let acknowledged = kill_9_while_writing(
        &dir,
        "hunchun",
        std::sync::Arc::new(move |addr, cookie, csrf, _run, i| {
            let version = version_at(addr, cookie, path, "/submission/version")?;
            let (status, _, body) = http(
                addr,
                "PUT",
                path,
                &[
                    ("cookie", cookie),
                    ("x-csrf-token", csrf),
                    ("content-type", "application/json"),
                ],
                &format!(
                    r#"{{"version":{version},"values":[{{"indicator":"open_fdi","value":{}}}]}}"#,
                    10 + i % 50
                ),
            );
            if status != 200 {
                return None;
            }
            let form: serde_json::Value = serde_json::from_str(&body).ok()?;
            form.pointer("/submission/version")
                .and_then(|v| v.as_i64())
                .map(|v| v.to_string())
        }),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (versions, audited) = rt.block_on(async {
        let data = kaifang_store::DataDir::new(&dir);
        let store = kaifang_store::Store::open(&data, false).await.unwrap();
        let s = store.zone_submission("hc-bezc", 2025).await.unwrap();
        let versions: Vec<String> = s
            .history
            .iter()
            .filter(|e| e.kind == "save")
            .map(|e| e.version.to_string())
            .collect();
        let audited = store
            .audit_of("zone_submission:hc-bezc/2025")
            .await
            .unwrap()
            .iter()
            .filter(|e| e.action == "zone_data.save")
            .count();
        store.close().await;
        (versions, audited)
    });
    for a in &acknowledged {
        assert!(versions.contains(a), "acknowledged save (version {a}) lost");
    }
    assert_eq!(
        versions.len(),
        audited,
        "the history and the audit log disagree"
    );
    let o = run(&dir, &["check"]);
    assert!(o.status.success(), "{}", text(&o));
}

/// Investment attraction for scripts: the negative-list check names the item that prohibits a
/// news agency, a bad code is refused naming the flag, the pipeline's figures add up, and a
/// project list with a bad row is refused naming its row with nothing saved.
#[test]
fn invest_check_stats_and_import() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert!(run(dir, &["demo"]).status.success());
    let o = run(
        dir,
        &[
            "invest",
            "check-negative-list",
            "--industry",
            "8610",
            "--format",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let c: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(c["verdict"], "prohibited", "{c}");
    assert_eq!(c["matches"][0]["item"], 23, "{c}");
    let o = run(
        dir,
        &["invest", "check-negative-list", "--text", "设立通讯社"],
    );
    assert!(text(&o).contains("PROHIBITED"), "{}", text(&o));
    let o = run(dir, &["invest", "check-negative-list", "--industry", "9x"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("--industry"), "{}", text(&o));

    let o = run(dir, &["invest", "stats", "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(s["synthetic"], true);
    let by_city: f64 = s["by_city"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["signed"].as_f64().unwrap())
        .sum();
    assert!(
        (by_city - s["total"]["signed"].as_f64().unwrap()).abs() < 1e-6,
        "{s}"
    );
    let projects = s["projects"].as_u64().unwrap();
    assert!(projects > 30, "{s}");

    // A sheet whose second project names a stage that does not exist.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    let header = [
        "项目名称",
        "投资方",
        "投资方国别（地区）",
        "是否外资",
        "统一社会信用代码",
        "行业代码",
        "投资额（万元）",
        "币种",
        "所在市（州）",
        "所在开发区",
        "牵头单位",
        "阶段",
        "阶段日期",
        "到位资金（万元）",
        "备注",
    ];
    let good = [
        "项目",
        "投资方",
        "KR",
        "是",
        "",
        "39",
        "1000",
        "人民币",
        "cc-gov",
        "",
        "jl-doc",
        "洽谈",
        "2025-01-05",
        "",
        "",
    ];
    let mut bad = good;
    bad[11] = "批准";
    for (r, row) in [&header, &good, &bad].iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    let file = dir.join("list.xlsx");
    wb.save(&file).unwrap();
    let o = run(dir, &["invest", "import", file.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(text(&o).contains("row 3, column L (stage)"), "{}", text(&o));
    let o = run(dir, &["invest", "stats", "--format", "json"]);
    let after: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(
        after["projects"].as_u64().unwrap(),
        projects,
        "nothing saved"
    );
}

/// `copy-db` moves the demo's database out of its directory into the test run's engine
/// (PostgreSQL when `KAIFANG_TEST_POSTGRES` names one, a new SQLite file otherwise), and the
/// directory configured for it is checked, migrated, listed and reset from there.
#[test]
fn copy_db_moves_the_database_and_the_commands_work_on_the_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let from = tmp.path().join("a");
    let to = tmp.path().join("b");
    assert!(run(&from, &["demo"]).status.success());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let target = runtime.block_on(kaifang_store::testing::data_dir(&to));
    let url = match kaifang_store::Location::of(&target).unwrap() {
        kaifang_store::Location::Postgres(url) => url,
        kaifang_store::Location::Sqlite(path) => path.display().to_string(),
    };
    let o = run(&from, &["copy-db", "--to", &url]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("rows counted on both sides"),
        "{}",
        text(&o)
    );
    assert!(text(&o).contains("audit_log"), "{}", text(&o));
    // A second copy into the same database is refused: it holds tables now.
    let o = run(&from, &["copy-db", "--to", &url]);
    assert!(!o.status.success(), "{}", text(&o));

    let o = run(&to, &["check"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("organisations:"), "{}", text(&o));
    let o = run(&to, &["migrate"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("schema version"), "{}", text(&o));
    assert_eq!(
        text(&run(&to, &["user", "list"])),
        text(&run(&from, &["user", "list"]))
    );
    let o = run(&to, &["demo", "--reset"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&run(&to, &["user", "list"])).contains("leader"));
}

/// Two `kaifang serve` processes on one PostgreSQL database and one data directory (run when
/// `KAIFANG_TEST_POSTGRES` names a server; skipped with a message otherwise). One dies in the
/// middle of a backup job (a debug build's abort point, as `kill -9`); the other, which served
/// all along, takes the job over once its lease has run out and runs it again to the end: the
/// backup is complete, the dead one's partial copy is gone, the audit log says the first
/// attempt was abandoned, and the session the dead one opened is still good.
#[test]
fn an_instance_killed_mid_job_has_its_job_finished_by_the_other() {
    if !cfg!(debug_assertions) {
        return; // the abort points exist in debug builds only
    }
    if kaifang_store::testing::postgres().is_none() {
        eprintln!("SKIPPED: several instances need PostgreSQL; set KAIFANG_TEST_POSTGRES");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(kaifang_store::testing::data_dir(&dir));
    let mut config = std::fs::read_to_string(dir.join("kaifang.toml")).unwrap();
    config.push_str("\n[jobs]\nlease_secs = 2\n");
    std::fs::write(dir.join("kaifang.toml"), config).unwrap();
    Server::start(&dir).terminate();

    let mut a = Server::start_with(&dir, &[("KAIFANG_TEST_ABORT_AT", "store:2")]);
    let b = Server::start(&dir);
    let (cookie, csrf) = login(a.addr, "admin", "kaifang-demo");
    http(
        a.addr,
        "POST",
        "/api/backups",
        &[("cookie", &cookie), ("x-csrf-token", &csrf)],
        "",
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !matches!(a.child.try_wait(), Ok(Some(_))) {
        assert!(Instant::now() < deadline, "instance a did not die mid-job");
        std::thread::sleep(Duration::from_millis(20));
    }

    // The session opened on a is good on b, which takes a's job over once its lease has run
    // out and finishes it.
    let deadline = Instant::now() + Duration::from_secs(60);
    let job = loop {
        let jobs = backup_jobs(b.addr, &cookie).expect("b lists the jobs to a's session");
        let job = jobs.first().cloned().expect("the backup job started on a");
        if job["status"] != "running" && job["status"] != "queued" {
            break job;
        }
        assert!(Instant::now() < deadline, "b never finished a's job: {job}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(job["status"], "succeeded", "{job}");
    assert!(
        b.log.lock().unwrap().contains("taken over"),
        "b's log says it took the job over"
    );
    let made = job["result"]["file"].as_str().expect("the backup's name");
    let left: Vec<_> = std::fs::read_dir(dir.join("backups"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(
        left.iter()
            .all(|p| p.extension().is_none_or(|x| x != "partial")),
        "a partial backup is left: {left:?}"
    );
    assert!(
        left.iter().any(|p| p.ends_with(made)),
        "{made} is not in {left:?}"
    );
    kaifang_store::backup::verify(&dir.join("backups").join(made))
        .unwrap_or_else(|e| panic!("the backup b finished does not verify: {e}"));
    let id = job["id"].as_str().unwrap().to_string();
    let actions: Vec<String> = runtime.block_on(async {
        let data = kaifang_store::DataDir::new(&dir);
        let store = kaifang_store::Store::open(&data, false).await.unwrap();
        let entries = store.audit_of(&format!("intent:{id}")).await.unwrap();
        entries.into_iter().map(|e| e.action).collect()
    });
    assert_eq!(
        actions,
        [
            "backup.create.begin",
            "backup.create.abandoned",
            "backup.create.begin",
            "backup.create"
        ],
        "a's attempt abandoned, b's complete"
    );
    assert_eq!(http(b.addr, "GET", "/healthz", &[], "").0, 200);
    b.terminate();
}
