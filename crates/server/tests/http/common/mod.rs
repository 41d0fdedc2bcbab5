//! Shared by the server's integration tests: the real application on 127.0.0.1:0 with a fresh
//! temporary data directory holding the demo, and logged-in clients.
#![allow(dead_code)]

use kaifang_server::Application;
use kaifang_store::{Config, Store};
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::OnceLock;

pub const DEMO_PASSWORD: &str = kaifang_store::demo::DEMO_PASSWORD;

pub struct TestApp {
    pub addr: SocketAddr,
    pub store: Store,
    pub dir: tempfile::TempDir,
}

/// Starts the app with the demo data and the default configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("error")
        .with_test_writer()
        .try_init();
    let dir = tempfile::tempdir().expect("temp dir");
    let data = kaifang_store::testing::data_dir(&dir.path().join("data")).await;
    copy_dir(&trade_demo().join("trade"), &data.root().join("trade"));
    let prepared = kaifang_server::prepare(&data, |_| None, &Default::default())
        .await
        .expect("prepare data dir");
    let store = prepared.store.clone();
    let addr = serve(prepared, configure).await;
    TestApp { addr, store, dir }
}

/// Builds the application on `prepared` with the tests' configuration (changed by
/// `configure`) and serves it in the background until the test ends; its address.
async fn serve(
    prepared: kaifang_server::Prepared,
    configure: impl FnOnce(&mut Config),
) -> SocketAddr {
    let mut config = prepared.config.clone();
    config.server.addr = "127.0.0.1:0".into();
    // Tests that count notifications or alerts run the evaluation themselves.
    config.work.risk_evaluation = false;
    // Tests that count bulletins issue them themselves.
    config.bulletin.day = 0;
    configure(&mut config);
    let app = Application::build(prepared.store.clone(), config, prepared.demo)
        .await
        .expect("build app");
    let addr = app.local_addr().expect("bound");
    let lock = prepared.lock;
    tokio::spawn(async move {
        let _lock = lock;
        let _ = app.run_until_stopped(std::future::pending()).await;
    });
    addr
}

/// Rows of the tests' trade demo: the totals are calibrated whatever the count.
pub const TRADE_DEMO_ROWS: u64 = 20_000;

/// The synthetic trade demo, generated once per test binary and copied into each test's new
/// data directory, where `prepare` finds trade data and generates none. (The folder is left
/// in the system's temporary directory when the binary exits.)
pub fn trade_demo() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = kaifang_trade::TradeStore::open(dir.path()).expect("trade store");
        let options = kaifang_trade::demo::DemoOptions {
            rows: TRADE_DEMO_ROWS,
            ..Default::default()
        };
        kaifang_trade::demo::generate(&mut store, &options, &mut |_| true).expect("trade demo");
        dir
    })
    .path()
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A client with no session.
    pub fn anonymous(&self) -> Session {
        Session {
            app_url: self.url(""),
            client: client(),
            csrf: None,
        }
    }

    /// A client that proves who it is with an API token (`Authorization: Bearer`), as a
    /// machine client does: no cookie, no CSRF header.
    pub fn bearer(&self, token: &str) -> Session {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {token}").parse().expect("header"),
        );
        Session {
            app_url: self.url(""),
            client: Client::builder()
                .default_headers(headers)
                .build()
                .expect("client"),
            csrf: None,
        }
    }

    /// A new API token of `s`'s account.
    pub async fn token_of(&self, s: &Session) -> String {
        let r = s
            .post("/api/tokens")
            .json(&serde_json::json!({ "name": "test" }))
            .send()
            .await
            .expect("request");
        assert_eq!(r.status(), StatusCode::CREATED);
        let body: Value = r.json().await.expect("json");
        body["token"].as_str().expect("the token").to_string()
    }

    pub async fn login(&self, username: &str) -> Session {
        self.login_with(username, DEMO_PASSWORD)
            .await
            .unwrap_or_else(|s| panic!("login as {username}: {s}"))
    }

    pub async fn login_with(&self, username: &str, password: &str) -> Result<Session, StatusCode> {
        let client = client();
        let r = client
            .post(self.url("/api/auth/login"))
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("request");
        if r.status() != StatusCode::OK {
            return Err(r.status());
        }
        let body: Value = r.json().await.expect("json");
        let csrf = body["csrf_token"].as_str().map(str::to_string);
        Ok(Session {
            app_url: self.url(""),
            client,
            csrf,
        })
    }

    /// A second instance serving this app's data directory, as a second `serve` process
    /// behind a load balancer would; its base URL. `None` on SQLite, after checking that the
    /// directory refuses it there (one process has an SQLite directory to itself).
    pub async fn second_instance(&self) -> Option<String> {
        let data = self.store.data_dir().clone();
        let prepared = kaifang_server::prepare(&data, |_| None, &Default::default()).await;
        if !kaifang_store::testing::on_postgres(&data) {
            let e = prepared
                .err()
                .expect("a second process on an SQLite directory");
            assert!(e.to_string().contains("in use"), "{e}");
            return None;
        }
        let prepared = prepared.expect("prepare the second instance");
        let addr = serve(prepared, |_| {}).await;
        Some(format!("http://{addr}"))
    }

    pub async fn org_id(&self, code: &str) -> i64 {
        self.store.org_by_code(code).await.expect("org").id
    }

    /// A connection of the test's own to the app's database, to set up what the API cannot
    /// (a token past its expiry, a session left idle). The store's connections are not
    /// offered outside it; SQLite in WAL mode lets both write in turn.
    pub async fn raw_db(&self) -> sqlx::AnyPool {
        kaifang_store::testing::raw_pool(self.store.data_dir()).await
    }
}

fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .build()
        .expect("client")
}

/// A logged-in (or anonymous) browser-like client that sends the CSRF header on writes.
pub struct Session {
    app_url: String,
    pub client: Client,
    pub csrf: Option<String>,
}

impl Session {
    /// The same client (its cookie, its CSRF token) talking to another instance at `app_url`.
    pub fn at(&self, app_url: &str) -> Session {
        Session {
            app_url: app_url.to_string(),
            client: self.client.clone(),
            csrf: self.csrf.clone(),
        }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let mut r = self
            .client
            .request(method.clone(), format!("{}{}", self.app_url, path));
        if let Some(t) = self.csrf.as_ref().filter(|_| method != Method::GET) {
            r = r.header("x-csrf-token", t);
        }
        r
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.request(Method::POST, path)
    }

    pub async fn json(&self, path: &str) -> Value {
        let r = self.get(path).send().await.expect("request");
        assert_eq!(r.status(), StatusCode::OK, "GET {path}");
        r.json().await.expect("json")
    }
}

/// Uploads `bytes` as the file `name` (201 expected) and returns the upload's id.
pub async fn upload_id(s: &Session, name: &str, bytes: impl Into<Vec<u8>>) -> i64 {
    let part = reqwest::multipart::Part::bytes(bytes.into()).file_name(name.to_string());
    let r = s
        .post("/api/uploads")
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("an id")
}

/// The result of the job a request started: the answer must be 202, and the job must succeed.
pub async fn job_result(s: &Session, r: reqwest::Response) -> Value {
    assert_eq!(
        r.status(),
        StatusCode::ACCEPTED,
        "{}",
        r.text().await.unwrap()
    );
    let job: Value = r.json().await.unwrap();
    let done = finished(s, job["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "succeeded", "{done}");
    done["result"].clone()
}

/// Polls a job until it has finished (neither queued nor running) and returns its record.
pub async fn finished(s: &Session, id: &str) -> Value {
    for _ in 0..1200 {
        let j = s.json(&format!("/api/jobs/{id}")).await;
        if j["status"] != "running" && j["status"] != "queued" {
            return j;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("job {id} did not finish");
}

/// Asserts the one error body shape and returns it.
pub async fn error_body(r: reqwest::Response) -> Value {
    let body: Value = r.json().await.expect("error body is JSON");
    assert!(body["code"].is_string(), "code in {body}");
    assert!(body["message"].is_string(), "message in {body}");
    assert!(body.get("details").is_some(), "details in {body}");
    body
}

/// A CSV upload form.
pub fn csv_form(name: &str, text: &str) -> reqwest::multipart::Form {
    let part =
        reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name(name.to_string());
    reqwest::multipart::Form::new().part("file", part)
}

/// Every file under `dir` (relative name and contents), to compare a folder before and after.
pub fn snapshot_dir(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, d: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(d) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let name = p.strip_prefix(root).unwrap_or(&p).display().to_string();
                out.push((name, std::fs::read(&p).unwrap_or_default()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Runs the test `name` (its path in this binary) again in a child process of its own and
/// returns false; in that child returns true. For tests that measure the process itself (its
/// memory), which the other tests running beside them in this process would disturb.
pub fn in_own_process(name: &str) -> bool {
    const VAR: &str = "KAIFANG_TEST_ALONE";
    if std::env::var_os(VAR).is_some() {
        return true;
    }
    let exe = std::env::current_exe().expect("test binary");
    let status = std::process::Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(VAR, "1")
        .status()
        .expect("run the test alone");
    assert!(status.success(), "{name} failed in its own process");
    false
}

/// The resident memory of this process, in MiB (Linux; 0 elsewhere).
pub fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

/// Samples the resident memory every few milliseconds until the returned guard is stopped;
/// `stop` gives the highest value seen.
pub struct PeakRss {
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
}

impl PeakRss {
    pub fn start() -> PeakRss {
        use std::sync::atomic::Ordering;
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = done.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = rss_mib();
            while !flag.load(Ordering::Relaxed) {
                peak = peak.max(rss_mib());
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            peak.max(rss_mib())
        });
        PeakRss { done, thread }
    }

    pub fn stop(self) -> u64 {
        self.done.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().expect("sampler")
    }
}
