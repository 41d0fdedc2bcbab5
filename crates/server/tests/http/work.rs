//! Directives and appeals over HTTP: whole workflows with the roles that take each step,
//! illegal steps and lost races answered 409, enterprises kept apart, and mail through an
//! SMTP relay.

use crate::common::{Session, csv_form, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn post(s: &Session, path: &str, body: Value) -> (StatusCode, Value) {
    let r = s.post(path).json(&body).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn step(s: &Session, task: &Value, kind: &str, extra: Value) -> Value {
    let mut body = json!({ "version": task["version"], "kind": kind });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, v) = post(s, &format!("/api/tasks/{}/events", task["id"]), body).await;
    assert_eq!(status, StatusCode::OK, "{kind}: {v}");
    v
}

#[tokio::test]
async fn a_task_from_issue_to_closure_with_a_return_and_a_lost_race() {
    let app = spawn_app().await;
    let duban = app.login("duban").await;
    let hunchun = app.login("hunchun").await;
    let directive = duban.json("/api/meetings").await[0]["directives"][1]["id"].clone();
    let hc = app.org_id("hc-gov").await;
    let (status, task) = post(
        &duban,
        "/api/tasks",
        json!({ "directive_id": directive, "title": "珲春港口通道方案", "lead_org_id": hc, "working_days": 15,
                "milestones": [{ "title": "初稿", "due_on": "2099-01-05" }] }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{task}");
    assert!(
        task["message"]
            .as_str()
            .unwrap()
            .contains("after the task's deadline"),
        "{task}"
    );
    let (status, task) = post(
        &duban,
        "/api/tasks",
        json!({ "directive_id": directive, "title": "珲春港口通道方案", "lead_org_id": hc, "working_days": 15 }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{task}");
    assert_eq!(task["state"], "issued");
    assert_eq!(task["light"], "green");
    assert!(
        hunchun.json("/api/notifications").await["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["link"] == format!("/tasks/{}", task["id"])),
        "the lead organisation is told of its new task"
    );

    // Submitting before signing for it is refused with the reason, and changes nothing.
    let (status, e) = post(
        &hunchun,
        &format!("/api/tasks/{}/events", task["id"]),
        json!({ "version": task["version"], "kind": "submit" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(e["code"], "invalid_transition");
    assert!(
        e["message"].as_str().unwrap().contains("sign for it first"),
        "{e}"
    );

    let task = step(&hunchun, &task, "sign_for", json!({})).await;
    let upload: Value = hunchun
        .post("/api/uploads")
        .multipart(csv_form("进展.csv", "项目,进度\n航线比选,50%\n"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let task = step(
        &hunchun,
        &task,
        "progress",
        json!({ "body": "完成航线比选", "attachments": [upload["id"]] }),
    )
    .await;
    assert_eq!(task["state"], "in_progress");

    // Two people act on the same version: the second loses and gets the task as it is now.
    let (status, e) = post(
        &duban,
        &format!("/api/tasks/{}/events", task["id"]),
        json!({ "version": task["version"].as_i64().unwrap() - 1, "kind": "comment", "body": "催办" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(e["code"], "stale");
    assert_eq!(e["details"]["current"]["state"], "in_progress");

    // Only the supervisor closes; the lead may not close its own task.
    let task = step(&hunchun, &task, "submit", json!({ "body": "报请办结" })).await;
    let (status, _) = post(
        &hunchun,
        &format!("/api/tasks/{}/events", task["id"]),
        json!({ "version": task["version"], "kind": "close" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let task = step(
        &duban,
        &task,
        "return",
        json!({ "body": "请补充分年度目标" }),
    )
    .await;
    assert_eq!(task["state"], "returned");
    let task = step(
        &hunchun,
        &task,
        "request_extension",
        json!({ "until": "2099-12-31", "body": "等待批复" }),
    )
    .await;
    assert_eq!(task["extension_until"], "2099-12-31");
    let task = step(
        &duban,
        &task,
        "decide_extension",
        json!({ "approve": true }),
    )
    .await;
    assert_eq!(task["deadline"], "2099-12-31");
    assert_eq!(
        task["deadline_provisional"], true,
        "2099's holidays are not yet announced"
    );
    let task = step(&hunchun, &task, "submit", json!({})).await;
    let task = step(&duban, &task, "close", json!({ "body": "同意办结" })).await;
    assert_eq!(task["state"], "closed");
    assert_eq!(task["light"], "grey");
    let kinds: Vec<&str> = task["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "issued",
            "sign_for",
            "progress",
            "submit",
            "return",
            "request_extension",
            "decide_extension",
            "submit",
            "close"
        ]
    );
    assert_eq!(task["events"][2]["attachments"], json!([upload["id"]]));

    // Every step is in the audit log, and the board and its spreadsheet list the task.
    let admin = app.login("admin").await;
    let audit = admin.json("/api/audit?limit=50").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "task.create",
        "task.sign_for",
        "task.return",
        "task.decide_extension",
        "task.close",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let xlsx = hunchun
        .get("/api/tasks?format=xlsx&lang=zh")
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let mine = hunchun
        .json(&format!("/api/tasks?org={hc}&state=closed"))
        .await;
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == task["id"])
    );
}

#[tokio::test]
async fn an_appeal_is_seen_only_by_its_enterprise_and_the_departments_handling_it() {
    let app = spawn_app().await;
    let faw = app.login("faw").await;
    let commerce = app.login("commerce").await;
    let hunchun = app.login("hunchun").await;
    let leader = app.login("leader").await;
    let (status, a) = post(
        &faw,
        "/api/appeals",
        json!({ "category": "land", "title": "扩建用地指标", "description": "请协调新增用地指标。" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    assert_eq!(a["state"], "filed");
    assert!(a["deadline"].is_string());
    let path = format!("/api/appeals/{}", a["id"]);
    assert_eq!(
        hunchun.get(&path).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let (status, e) = post(
        &faw,
        "/api/appeals",
        json!({ "category": "weather", "title": "t", "description": "d" }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(e["message"].as_str().unwrap().contains("category"), "{e}");

    let hc = app.org_id("hc-gov").await;
    let (status, a) = post(
        &commerce,
        &format!("{path}/events"),
        json!({ "version": a["version"], "kind": "accept", "org_id": hc }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["state"], "assigned");
    // Now Hunchun handles it and sees it; the leader reads but may not comment.
    assert_eq!(
        hunchun.get(&path).send().await.unwrap().status(),
        StatusCode::OK
    );
    let (status, _) = post(
        &leader,
        &format!("{path}/events"),
        json!({ "version": a["version"], "kind": "comment", "body": "x" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = post(
        &commerce,
        &format!("{path}/events"),
        json!({ "version": a["version"], "kind": "answer", "body": "x" }),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "only the assigned department answers"
    );
    let (status, a) = post(
        &hunchun,
        &format!("{path}/events"),
        json!({ "version": a["version"], "kind": "answer", "body": "已纳入年度用地计划。" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let seen = faw.json(&path).await;
    assert_eq!(seen["answer"], "已纳入年度用地计划。");
    let (status, e) = post(
        &faw,
        &format!("{path}/events"),
        json!({ "version": a["version"], "kind": "rate", "score": 9 }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(e["message"].as_str().unwrap().contains("1 to 5"), "{e}");
    let (status, a) = post(
        &faw,
        &format!("{path}/events"),
        json!({ "version": a["version"], "kind": "rate", "score": 5 }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["state"], "rated");

    // The enterprise's list holds its own appeals only; Hunchun's the ones assigned to it.
    let mine = faw.json("/api/appeals").await;
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["enterprise"]["code"] == "faw-ie")
    );
    let assigned = hunchun.json("/api/appeals").await;
    assert!(
        assigned["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["assigned"]["code"] == "hc-gov")
    );
    let stats = commerce.json("/api/appeals/stats").await;
    assert_eq!(stats["total"]["total"], 7);
    assert_eq!(stats["satisfaction"][4], 1);
}

/// A minimal SMTP relay: accepts every message and hands its text to the test.
async fn fake_relay() -> (u16, tokio::sync::mpsc::Receiver<String>) {
    let relay = FakeRelay::start(Vec::new()).await;
    (relay.port, relay.mails)
}

/// A minimal SMTP relay that refuses some recipients for good (550 at `RCPT TO`), accepts the
/// rest, and remembers every recipient it was asked for.
struct FakeRelay {
    port: u16,
    mails: tokio::sync::mpsc::Receiver<String>,
    recipients: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl FakeRelay {
    async fn start(refused: Vec<String>) -> FakeRelay {
        use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        let recipients = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = recipients.clone();
        let refused = std::sync::Arc::new(refused);
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let tx = tx.clone();
                let seen = seen.clone();
                let refused = refused.clone();
                tokio::spawn(async move {
                    let (r, mut w) = sock.into_split();
                    let mut lines = BufReader::new(r).lines();
                    let _ = w.write_all(b"220 relay ready\r\n").await;
                    let mut data: Option<String> = None;
                    while let Ok(Some(line)) = lines.next_line().await {
                        if let Some(d) = data.as_mut() {
                            if line == "." {
                                let _ = tx.send(data.take().unwrap_or_default()).await;
                                let _ = w.write_all(b"250 queued\r\n").await;
                            } else {
                                d.push_str(&line);
                                d.push('\n');
                            }
                            continue;
                        }
                        let reply: &[u8] =
                            match line.get(..4).map(str::to_ascii_uppercase).as_deref() {
                                Some("DATA") => {
                                    data = Some(String::new());
                                    b"354 go ahead\r\n"
                                }
                                Some("RCPT") => {
                                    let to = line
                                        .split_once('<')
                                        .and_then(|(_, rest)| rest.split_once('>'))
                                        .map_or("", |(to, _)| to)
                                        .to_string();
                                    let refuse = refused.contains(&to);
                                    seen.lock().unwrap().push(to);
                                    if refuse {
                                        b"550 5.1.1 no such mailbox\r\n"
                                    } else {
                                        b"250 ok\r\n"
                                    }
                                }
                                Some("QUIT") => {
                                    let _ = w.write_all(b"221 bye\r\n").await;
                                    return;
                                }
                                _ => b"250 ok\r\n",
                            };
                        let _ = w.write_all(reply).await;
                    }
                });
            }
        });
        FakeRelay {
            port,
            mails: rx,
            recipients,
        }
    }

    fn asked_for(&self, to: &str) -> usize {
        self.recipients
            .lock()
            .unwrap()
            .iter()
            .filter(|r| *r == to)
            .count()
    }
}

fn smtp_config(port: u16) -> kaifang_store::Config {
    let mut config = kaifang_store::Config::default();
    config.smtp = Some(kaifang_store::config::SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        from: "Kaifang <kaifang@example.org>".into(),
        base_url: "https://kaifang.example.org".into(),
    });
    config
}

#[tokio::test]
async fn a_refused_recipient_does_not_hold_up_the_others_and_nothing_is_mailed_twice() {
    let app = spawn_app().await;
    for (user, email) in [
        ("commerce", "commerce@example.org"),
        ("duban", "duban@example.org"),
        ("hunchun", "hunchun@example.org"),
    ] {
        let r = app
            .login(user)
            .await
            .request(reqwest::Method::PUT, "/api/auth/email")
            .json(&json!({ "email": email }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
    // The sweep alone first, to know what is waiting for whom.
    let state = kaifang_server::state::AppState::new(
        app.store.clone(),
        kaifang_store::Config::default(),
        true,
    )
    .await
    .unwrap();
    kaifang_server::reminders::round(&state, None).await;
    let pending = app.store.pending_mail(1000).await.unwrap();
    assert!(pending.len() <= 100, "one round's worth: {}", pending.len());
    let mut addresses: Vec<&str> = pending.iter().map(|p| p.to.as_str()).collect();
    addresses.dedup();
    assert!(
        addresses.len() >= 2,
        "mail for several people: {addresses:?}"
    );
    // The oldest mail's recipient is refused, so a round that stopped there would send nothing.
    let refused = pending[0].to.clone();
    let for_refused = pending.iter().filter(|p| p.to == refused).count();
    let accepted = pending.len() - for_refused;

    // A relay that cannot be reached: nothing is claimed, everything waits for the next round.
    let closed = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap().port()
    };
    let config = smtp_config(closed);
    let mailer = kaifang_server::reminders::Mailer::new(config.smtp.clone().unwrap());
    kaifang_server::reminders::round(&state, Some(&mailer)).await;
    assert_eq!(
        app.store.pending_mail(1000).await.unwrap().len(),
        pending.len()
    );

    let mut relay = FakeRelay::start(vec![refused.clone()]).await;
    let config = smtp_config(relay.port);
    let mailer = kaifang_server::reminders::Mailer::new(config.smtp.clone().unwrap());
    kaifang_server::reminders::round(&state, Some(&mailer)).await;
    let mut mails = Vec::new();
    while mails.len() < accepted {
        let mail = tokio::time::timeout(std::time::Duration::from_secs(10), relay.mails.recv())
            .await
            .unwrap_or_else(|_| panic!("{} of {accepted} mails within 10 s", mails.len()))
            .unwrap();
        mails.push(mail);
    }
    assert!(mails.iter().all(|m| !m.contains(&refused)));
    assert_eq!(
        relay.asked_for(&refused),
        for_refused,
        "each refused mail tried once"
    );
    assert!(app.store.pending_mail(1000).await.unwrap().is_empty());

    // A second round (or a restart) sends nothing again and does not retry the refused ones.
    kaifang_server::reminders::round(&state, Some(&mailer)).await;
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(500), relay.mails.recv())
            .await
            .is_err(),
        "nothing mailed twice"
    );
    assert_eq!(relay.asked_for(&refused), for_refused, "refused for good");
}

#[tokio::test]
async fn notifications_are_mailed_through_the_relay_once() {
    let (port, mut mails) = fake_relay().await;
    let app = spawn_app().await;
    let hunchun = app.login("hunchun").await;
    let r = hunchun
        .request(reqwest::Method::PUT, "/api/auth/email")
        .json(&json!({ "email": "hunchun@example.org" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let mut config = kaifang_store::Config::default();
    config.smtp = Some(kaifang_store::config::SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        from: "Kaifang <kaifang@example.org>".into(),
        base_url: "https://kaifang.example.org".into(),
    });
    let state = kaifang_server::state::AppState::new(app.store.clone(), config.clone(), true)
        .await
        .unwrap();
    let mailer = kaifang_server::reminders::Mailer::new(config.smtp.clone().unwrap());
    kaifang_server::reminders::round(&state, Some(&mailer)).await;
    let mail = tokio::time::timeout(std::time::Duration::from_secs(10), mails.recv())
        .await
        .expect("a mail within 10 s")
        .unwrap();
    assert!(mail.contains("hunchun@example.org"), "{mail}");
    // Subject and body are encoded (RFC 2047, base64); this is base64 of "[开放平台] ".
    assert!(
        mail.contains("Subject: =?utf-8?b?W+W8gOaUvuW5s+WPsF0g"),
        "{mail}"
    );
    // Everything pending went in the first round; a second round sends nothing new.
    while let Ok(Some(_)) =
        tokio::time::timeout(std::time::Duration::from_millis(300), mails.recv()).await
    {}
    kaifang_server::reminders::round(&state, Some(&mailer)).await;
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(500), mails.recv())
            .await
            .is_err(),
        "a notification is mailed once"
    );
}

#[tokio::test]
async fn summaries_statistics_and_agendas_download_as_spreadsheets() {
    let app = spawn_app().await;
    let commerce = app.login("commerce").await;
    for path in [
        "/api/tasks/summary?format=xlsx&lang=zh",
        "/api/appeals/stats?format=xlsx&lang=en",
        "/api/roundtables?format=xlsx",
    ] {
        let r = commerce.get(path).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let disposition = match r.headers().get("content-disposition") {
            Some(v) => v.to_str().unwrap_or_default().to_string(),
            None => format!(
                "no disposition; content-type {:?}",
                r.headers().get("content-type")
            ),
        };
        assert!(disposition.contains(".xlsx"), "{path}: {disposition}");
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK") && bytes.len() > 2000, "{path}");
    }
    // Without a format the same routes still answer JSON.
    let summary = commerce.json("/api/tasks/summary").await;
    assert!(summary["total"]["total"].as_u64().unwrap() > 0);
}
