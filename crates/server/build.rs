//! Builds the web UI (web/, Vue + Vite) into OUT_DIR/web when its sources change, so that
//! `cargo build` alone gives a binary with the UI embedded. Without Node.js the build goes on
//! without the UI and the server explains at `/` how to get it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let web = manifest.join("../../web");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("web");
    std::fs::create_dir_all(&out).expect("create OUT_DIR/web");

    for p in [
        "src",
        "public",
        "index.html",
        "package.json",
        "package-lock.json",
        "vite.config.ts",
        "tsconfig.json",
        "tsconfig.app.json",
        "tsconfig.node.json",
    ] {
        println!("cargo:rerun-if-changed={}", web.join(p).display());
    }
    println!("cargo:rerun-if-env-changed=KAIFANG_SKIP_WEB");

    if std::env::var_os("KAIFANG_SKIP_WEB").is_some() {
        println!("cargo:warning=KAIFANG_SKIP_WEB is set: building without the web UI");
        return clear(&out);
    }
    if !web.join("package.json").is_file() {
        println!("cargo:warning=web/package.json not found: building without the web UI");
        return clear(&out);
    }
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    if !Command::new(npm)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        println!(
            "cargo:warning=Node.js/npm not found: building without the web UI (install Node.js 20 and rebuild)"
        );
        return clear(&out);
    }
    if needs_install(&web) {
        let ok = Command::new(npm)
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&web)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            println!("cargo:warning=`npm ci` failed in web/: building without the web UI");
            return clear(&out);
        }
    }
    let status = Command::new(npm)
        .args(["run", "build", "--", "--outDir"])
        .arg(&out)
        .arg("--emptyOutDir")
        .current_dir(&web)
        .status();
    match status {
        Ok(s) if s.success() => {}
        // Node is there and the UI does not build: that is a bug to fix, not to hide.
        _ => panic!("building the web UI failed (`npm run build` in web/); see the output above"),
    }
}

fn needs_install(web: &Path) -> bool {
    let marker = web.join("node_modules/.package-lock.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(&marker), modified(&web.join("package-lock.json"))) {
        (Some(installed), Some(lock)) => lock > installed,
        _ => true,
    }
}

fn clear(out: &Path) {
    let _ = std::fs::remove_dir_all(out);
    let _ = std::fs::create_dir_all(out);
}
