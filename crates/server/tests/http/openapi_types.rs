//! The web UI's TypeScript types are generated from the OpenAPI document
//! (`web/src/api/schema.ts`, by openapi-typescript); this test fails when the committed file
//! is not what the current document generates, so the UI cannot drift from the API.
//!
//! To regenerate: `KAIFANG_UPDATE_TYPES=1 cargo test -p kaifang-server openapi_types`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn web() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web")
}

/// openapi-typescript's output for the current document, or `None` when Node.js or the web
/// packages are missing (the test then says so and passes, like the browser tests).
fn generate() -> Option<String> {
    let cli = web().join("node_modules/openapi-typescript/bin/cli.js");
    if !cli.is_file() {
        let why = format!("{} is missing (run `npm ci` in web/)", cli.display());
        assert!(
            std::env::var("KAIFANG_REQUIRE_BROWSER").is_err(),
            "{why}; KAIFANG_REQUIRE_BROWSER is set"
        );
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "SKIPPED openapi_types: {why}");
        return None;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let doc = dir.path().join("openapi.json");
    let text = kaifang_server::openapi::document().expect("the OpenAPI document serialises");
    std::fs::write(&doc, text).expect("write the document");
    let out = Command::new("node")
        .arg(&cli)
        .arg(&doc)
        // Free-form objects (job results, audit details) are `unknown`, not an empty record.
        .arg("--empty-objects-unknown")
        .current_dir(web())
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "openapi-typescript failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body = String::from_utf8(out.stdout).expect("UTF-8 from openapi-typescript");
    Some(format!(
        "// Generated from the API's OpenAPI document by openapi-typescript; do not edit.\n\
         // Regenerate: KAIFANG_UPDATE_TYPES=1 cargo test -p kaifang-server openapi_types\n\n{body}"
    ))
}

#[test]
fn the_web_types_are_generated_from_the_current_openapi_document() {
    let Some(generated) = generate() else {
        return;
    };
    let path = web().join("src/api/schema.ts");
    if std::env::var("KAIFANG_UPDATE_TYPES").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write web/src/api/schema.ts");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "web/src/api/schema.ts is stale: the API changed. Regenerate it with \
         KAIFANG_UPDATE_TYPES=1 cargo test -p kaifang-server openapi_types"
    );
}
