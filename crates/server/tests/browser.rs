//! The web UI in a real headless Chromium, driven by `web/e2e/smoke.mjs` (playwright-core):
//! log in, switch language, the overview draws its charts, screenshots under
//! `target/screenshots/`.
//!
//! Runs when Chromium, Node.js and the web packages are present; otherwise it is skipped with
//! a message, unless `KAIFANG_REQUIRE_BROWSER=1`, which turns a skip into a failure.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

fn required() -> bool {
    std::env::var("KAIFANG_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

fn skip(why: &str) {
    assert!(!required(), "KAIFANG_REQUIRE_BROWSER=1 but {why}");
    eprintln!("browser test skipped: {why} (set KAIFANG_REQUIRE_BROWSER=1 to make this a failure)");
}

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CHROMIUM") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web")
}

fn screenshot_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is <target>/tmp; screenshots go beside it.
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap_or(Path::new("target"))
        .join("screenshots")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_language_and_overview_in_chromium() {
    let Some(chromium) = chromium() else {
        return skip("Chromium was not found (apt-get install chromium)");
    };
    let node_ok = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node_ok {
        return skip("Node.js was not found");
    }
    if !web_dir().join("node_modules/playwright-core").is_dir() {
        return skip("web/node_modules/playwright-core is missing (cd web && npm ci)");
    }
    if !kaifang_server::web::ui_built() {
        return skip(
            "this build carries no web UI (was Node.js missing, or KAIFANG_SKIP_WEB set?)",
        );
    }
    let app = common::spawn_app().await;
    let shots = screenshot_dir();
    std::fs::create_dir_all(&shots).unwrap();
    let run = tokio::process::Command::new("node")
        .arg(web_dir().join("e2e/smoke.mjs"))
        .env("KAIFANG_URL", app.url(""))
        .env("CHROMIUM", &chromium)
        .env("SCREENSHOT_DIR", &shots)
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(180), run)
        .await
        .expect("the browser test finished within 180 s")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    for shot in [
        "overview-zh-1366x768.png",
        "overview-en-1366x768.png",
        "overview-en-1920x1080.png",
    ] {
        let p = shots.join(shot);
        let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
        assert!(len > 10_000, "screenshot {} missing or empty", p.display());
    }
}
