//! Load test of a running `kaifang serve --demo` with goose: signed-in users on the dashboard
//! endpoints while one user runs heavy analyst SQL in a loop and another runs criticality
//! studies one after the other. `bench/load/run` starts the server and calls this.
//!
//! Usage: kaifang-load --host URL [--users 100] [--seconds 60] [--think-ms 1000-3000]
//!                     [--launch-rate 20]
//!
//! Prints one `CASE` line per request (p50, p99, errors), then `SUMMARY` lines: the heavy
//! queries' and studies' outcomes and the targets (zero errors, p99 < 100 ms on the
//! dashboard's GET endpoints).

use goose::goose::GooseResponse;
use goose::prelude::*;
use serde_json::{Value, json};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Every demo account's password (`kaifang_store::demo::DEMO_PASSWORD`).
const PASSWORD: &str = "kaifang-demo";
/// Demo accounts that see every dashboard and may run analyst SQL; users sign in round robin.
const ACCOUNTS: &[&str] = &["admin", "leader", "duban", "commerce"];

/// The dashboard's GET endpoints, as the web UI calls them; the p99 target applies to these.
const PAGES: &[(&str, &[&str])] = &[
    ("overview", &["/api/overview", "/api/tasks/summary"]),
    (
        "trade",
        &[
            "/api/trade/summary",
            "/api/trade/breakdown?by=partner",
            "/api/trade/breakdown?by=section",
            "/api/trade/breakdown?by=chapter",
            "/api/trade/breakdown?by=city",
            "/api/trade/breakdown?by=trade_mode",
        ],
    ),
    ("tasks", &["/api/tasks"]),
    ("zones", &["/api/zones/assessment?uncertainty=1000"]),
];
const TARGET_P99_MS: f64 = 100.0;

/// How often the study user asks whether its study has finished.
const POLL: Duration = Duration::from_millis(250);

/// Heavy analyst queries, taken in turn: one outgrows the per-query memory limit, the other
/// runs into the time limit (a cross join of the 1.2 M records with themselves).
const HEAVY_SQL: &[&str] = &[
    "SELECT array_agg(a.enterprise) FROM records a CROSS JOIN records b",
    "SELECT max(a.value_cny + b.value_cny) FROM records a CROSS JOIN records b",
];

/// What one signed-in user carries: the session cookie lives in its client's cookie store.
#[derive(Clone)]
struct Session {
    csrf: String,
    next_sql: usize,
}

/// Outcomes gathered outside goose's request metrics (which are reset once all users run).
static SIGN_INS: Mutex<(usize, usize)> = Mutex::new((0, 0));
static HEAVY: Mutex<Vec<(String, Duration)>> = Mutex::new(Vec::new());
static STUDIES: Mutex<Vec<(String, Duration)>> = Mutex::new(Vec::new());

fn custom(message: String) -> Box<TransactionError> {
    Box::new(TransactionError::Custom(message))
}

struct Args {
    host: String,
    users: usize,
    seconds: usize,
    think: (u64, u64),
    launch_rate: usize,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        host: String::new(),
        users: 100,
        seconds: 60,
        think: (1000, 3000),
        launch_rate: 20,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let number = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: {v:?} is not a number"))
        };
        match flag.as_str() {
            "--host" => a.host = value,
            "--users" => a.users = number(&value)? as usize,
            "--seconds" => a.seconds = number(&value)? as usize,
            "--launch-rate" => a.launch_rate = number(&value)?.max(1) as usize,
            "--think-ms" => {
                let (lo, hi) = value.split_once('-').unwrap_or((&value, &value));
                a.think = (number(lo)?, number(hi)?.max(number(lo)?));
            }
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    if a.host.is_empty() {
        return Err("--host URL is required".into());
    }
    if a.users < 3 {
        return Err("--users: at least 3 (one heavy SQL user, one study user, dashboards)".into());
    }
    Ok(a)
}

/// Signs in once, as the account its place in the launch order picks; waits out the server's
/// "busy" answer (all password checkers taken) a few times.
async fn sign_in(user: &mut GooseUser) -> TransactionResult {
    let account = ACCOUNTS[user.weighted_users_index % ACCOUNTS.len()];
    let body = json!({ "username": account, "password": PASSWORD });
    for _ in 0..20 {
        let mut r = user.post_json("/api/auth/login", &body).await?;
        let response = r.response.as_ref().map_err(|e| custom(e.to_string()))?;
        let status = response.status().as_u16();
        if status == 429 {
            // Not counted as a failure: the limiter asked us to come back.
            user.set_success(&mut r.request)?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        }
        let text = body_text(r).await?;
        if status != 200 {
            SIGN_INS.lock().unwrap().1 += 1;
            return Err(custom(format!("sign-in as {account}: {status} {text}")));
        }
        let v: Value = serde_json::from_str(&text).map_err(|e| custom(e.to_string()))?;
        let csrf = v["csrf_token"].as_str().unwrap_or_default().to_string();
        user.set_session_data(Session { csrf, next_sql: 0 });
        SIGN_INS.lock().unwrap().0 += 1;
        return Ok(());
    }
    SIGN_INS.lock().unwrap().1 += 1;
    Err(custom(format!("sign-in as {account}: still busy")))
}

/// Reads the whole body, so the connection is reused and the time is the client's.
async fn body_text(r: GooseResponse) -> Result<String, Box<TransactionError>> {
    match r.response {
        Ok(resp) => resp
            .text()
            .await
            .map_err(|e| Box::new(TransactionError::Reqwest(e))),
        Err(e) => Err(Box::new(TransactionError::Reqwest(e))),
    }
}

async fn get(user: &mut GooseUser, path: &str) -> Result<(u16, String), Box<TransactionError>> {
    let r = user.get(path).await?;
    let status = r.request.status_code;
    Ok((status, body_text(r).await?))
}

/// A POST with the session's CSRF token, named `name` in the metrics.
async fn post(
    user: &mut GooseUser,
    path: &str,
    name: &str,
    body: &Value,
) -> Result<GooseResponse, Box<TransactionError>> {
    let csrf = user
        .get_session_data::<Session>()
        .map(|s| s.csrf.clone())
        .unwrap_or_default();
    let builder = user
        .get_request_builder(&GooseMethod::Post, path)?
        .header("x-csrf-token", csrf)
        .json(body);
    let request = GooseRequest::builder()
        .method(GooseMethod::Post)
        .path(path)
        .name(name)
        .set_request_builder(builder)
        .build();
    user.request(request).await
}

async fn page(user: &mut GooseUser, paths: &[&str]) -> TransactionResult {
    for path in paths {
        get(user, path).await?;
    }
    Ok(())
}

async fn overview(user: &mut GooseUser) -> TransactionResult {
    page(user, PAGES[0].1).await
}
async fn trade(user: &mut GooseUser) -> TransactionResult {
    page(user, PAGES[1].1).await
}
async fn tasks(user: &mut GooseUser) -> TransactionResult {
    page(user, PAGES[2].1).await
}
async fn zones(user: &mut GooseUser) -> TransactionResult {
    page(user, PAGES[3].1).await
}

/// The route planner, as the channels page asks it by default.
async fn channels(user: &mut GooseUser) -> TransactionResult {
    let body = json!({
        "from": "长春", "to": "Busan", "cargo": "container", "teu": 1,
        "value": "30000USD", "avoid": [], "alternatives": 3, "pareto": false, "scenario": "base"
    });
    let r = post(user, "/api/channels/route", "/api/channels/route", &body).await?;
    body_text(r).await?;
    Ok(())
}

/// One heavy query; a 422 that says the memory or time limit stopped it is the expected
/// answer, anything else but a 200 is an error.
async fn heavy_sql(user: &mut GooseUser) -> TransactionResult {
    let i = user
        .get_session_data::<Session>()
        .map(|s| s.next_sql)
        .unwrap_or(0);
    if let Some(s) = user.get_session_data_mut::<Session>() {
        s.next_sql = (i + 1) % HEAVY_SQL.len();
    }
    let query = HEAVY_SQL[i];
    let started = Instant::now();
    let r = post(
        user,
        "/api/trade/sql",
        "/api/trade/sql",
        &json!({ "query": query, "max_rows": 1000 }),
    )
    .await?;
    let status = r.request.status_code;
    let mut request = r.request.clone();
    let text = body_text(r).await?;
    let message = serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|v| v["message"].as_str().map(str::to_string))
        .unwrap_or_default();
    let outcome = match status {
        422 if message.contains("MiB") => "stopped: memory limit",
        422 if message.contains("stopped") => "stopped: time limit",
        200 => "answered",
        _ => "error",
    };
    if outcome != "error" {
        user.set_success(&mut request)?;
    }
    HEAVY
        .lock()
        .unwrap()
        .push((format!("{outcome} ({status})"), started.elapsed()));
    Ok(())
}

/// Starts a criticality study and follows it to its end.
async fn criticality(user: &mut GooseUser) -> TransactionResult {
    let started = Instant::now();
    let r = post(
        user,
        "/api/assign/runs",
        "/api/assign/runs",
        &json!({ "kind": "critical" }),
    )
    .await?;
    let status = r.request.status_code;
    let text = body_text(r).await?;
    if status != 202 {
        STUDIES
            .lock()
            .unwrap()
            .push((format!("not started ({status})"), started.elapsed()));
        return Err(custom(format!("start: {status} {text}")));
    }
    let job: Value = serde_json::from_str(&text).map_err(|e| custom(e.to_string()))?;
    let id = job["id"].as_str().unwrap_or_default().to_string();
    let path = format!("/api/assign/runs/{id}");
    let outcome = loop {
        tokio::time::sleep(POLL).await;
        let r = user
            .request(
                GooseRequest::builder()
                    .path(path.as_str())
                    .name("/api/assign/runs/{id}")
                    .build(),
            )
            .await?;
        let status = r.request.status_code;
        let text = body_text(r).await?;
        if status != 200 {
            break format!("poll failed ({status})");
        }
        let v: Value = serde_json::from_str(&text).map_err(|e| custom(e.to_string()))?;
        match v["status"].as_str() {
            Some("queued" | "running") => continue,
            Some(s) => break s.to_string(),
            None => break "no status".to_string(),
        }
    };
    STUDIES.lock().unwrap().push((outcome, started.elapsed()));
    Ok(())
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn tally(items: &[(String, Duration)]) -> String {
    let mut kinds: Vec<(String, usize, f64)> = Vec::new();
    for (outcome, took) in items {
        match kinds.iter_mut().find(|k| &k.0 == outcome) {
            Some(k) => {
                k.1 += 1;
                k.2 = k.2.max(took.as_secs_f64());
            }
            None => kinds.push((outcome.clone(), 1, took.as_secs_f64())),
        }
    }
    kinds
        .iter()
        .map(|(o, n, max)| format!("{n}× {o} (longest {max:.1} s)"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[tokio::main]
async fn main() -> Result<(), GooseError> {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("kaifang-load: {e}");
            std::process::exit(2);
        }
    };
    let think = (
        Duration::from_millis(a.think.0),
        Duration::from_millis(a.think.1),
    );
    // Round robin over weights (users − 2, 1, 1): exactly one heavy SQL user and one study
    // user, whatever the number of users.
    let dashboard = scenario!("dashboard")
        .set_weight(a.users - 2)?
        .set_wait_time(think.0, think.1)?
        .register_transaction(transaction!(sign_in).set_on_start())
        .register_transaction(transaction!(overview))
        .register_transaction(transaction!(trade))
        .register_transaction(transaction!(tasks))
        .register_transaction(transaction!(zones))
        .register_transaction(transaction!(channels));
    let sql = scenario!("heavy_sql")
        .set_weight(1)?
        .register_transaction(transaction!(sign_in).set_on_start())
        .register_transaction(transaction!(heavy_sql));
    let study = scenario!("criticality")
        .set_weight(1)?
        .register_transaction(transaction!(sign_in).set_on_start())
        .register_transaction(transaction!(criticality));

    let metrics = GooseAttack::initialize_with_config(Default::default())?
        .register_scenario(dashboard)
        .register_scenario(sql)
        .register_scenario(study)
        .set_default(GooseDefault::Host, a.host.as_str())?
        .set_default(GooseDefault::Users, a.users)?
        .set_default(
            GooseDefault::IncreaseRate,
            a.launch_rate.to_string().as_str(),
        )?
        .set_default(GooseDefault::RunTime, a.seconds)?
        .set_default(GooseDefault::NoPrintMetrics, true)?
        .set_default(GooseDefault::NoErrorSummary, true)?
        .set_default(GooseDefault::Quiet, 1)?
        .execute()
        .await?;

    let gets: Vec<String> = PAGES
        .iter()
        .flat_map(|(_, paths)| paths.iter().map(|p| format!("GET {p}")))
        .collect();
    let mut keys: Vec<&String> = metrics.requests.keys().collect();
    keys.sort_by_key(|k| {
        (
            gets.iter().position(|g| g == *k).unwrap_or(usize::MAX),
            (*k).clone(),
        )
    });
    let mut errors = 0;
    let mut over = Vec::new();
    let mut total = 0;
    for key in keys {
        let m = &metrics.requests[key];
        let t = &m.raw_data;
        errors += m.fail_count;
        total += t.counter;
        let p99 = ms(t.percentile_us(0.99));
        let target = if gets.contains(key) {
            if p99 >= TARGET_P99_MS {
                over.push(key.clone());
            }
            format!(
                " target_p99_ms={TARGET_P99_MS} {}",
                if p99 < TARGET_P99_MS { "ok" } else { "MISSED" }
            )
        } else {
            String::new()
        };
        println!(
            "CASE {key} n={} errors={} p50_ms={:.1} p99_ms={p99:.1} max_ms={:.1}{target}",
            t.counter,
            m.fail_count,
            ms(t.percentile_us(0.5)),
            ms(t.maximum_time_us),
        );
    }
    let (signed_in, refused) = *SIGN_INS.lock().unwrap();
    let secs = metrics.duration.max(1);
    println!(
        "SUMMARY users={} seconds={} requests={total} rps={:.1} sign_ins={signed_in} sign_in_failures={refused}",
        a.users,
        metrics.duration,
        total as f64 / secs as f64
    );
    println!("SUMMARY heavy_sql: {}", tally(&HEAVY.lock().unwrap()));
    println!(
        "SUMMARY criticality studies: {}",
        tally(&STUDIES.lock().unwrap())
    );
    let failed_studies = STUDIES
        .lock()
        .unwrap()
        .iter()
        .filter(|(o, _)| o != "succeeded")
        .count();
    let errors = errors + refused + failed_studies;
    println!(
        "SUMMARY target errors=0: {errors} {}",
        if errors == 0 { "ok" } else { "MISSED" }
    );
    println!(
        "SUMMARY target p99<{TARGET_P99_MS}ms on dashboard GETs: {}",
        if over.is_empty() {
            "ok".to_string()
        } else {
            format!("MISSED on {}", over.join(", "))
        }
    );
    Ok(())
}
