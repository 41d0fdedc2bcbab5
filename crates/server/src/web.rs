//! The web UI, embedded in the binary at build time; history-mode routes fall back to
//! `index.html`. When the binary was built without Node.js, `/` explains how to get the UI.

use axum::http::{HeaderValue, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;

use crate::error::ApiError;

#[derive(RustEmbed)]
#[folder = "$OUT_DIR/web"]
struct Assets;

pub fn ui_built() -> bool {
    Assets::get("index.html").is_some()
}

pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path.starts_with("api/") || path == "api" {
        return ApiError::not_found(format!("API route /{path}")).into_response();
    }
    if let Some(file) = Assets::get(path).filter(|_| !path.is_empty()) {
        let mime = file.metadata.mimetype().to_string();
        // Vite puts a content hash in every file name under assets/: cache those for good.
        let cache = if path.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_str(&mime)
                        .unwrap_or(HeaderValue::from_static("application/octet-stream")),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
            ],
            file.data,
        )
            .into_response();
    }
    match Assets::get("index.html") {
        Some(index) => (
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"))],
            Html(index.data),
        )
            .into_response(),
        None => Html(NOT_BUILT).into_response(),
    }
}

const NOT_BUILT: &str = r#"<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Kaifang 开放</title>
<style>body{font-family:system-ui,sans-serif;max-width:44rem;margin:4rem auto;padding:0 1rem;line-height:1.6;color:#1f2d3d}
code{background:#f2f4f7;padding:.1rem .3rem;border-radius:4px}</style></head>
<body>
<h1>开放 Kaifang</h1>
<p><strong>网页界面未随本程序构建。</strong>构建时未找到 Node.js。请安装 Node.js 20 或更高版本，然后重新运行
<code>cargo run --release -- serve</code>。API 仍在运行：见 <a href="/api/docs">/api/docs</a>。</p>
<p><strong>The web UI was not built into this binary</strong>: Node.js was not found when it was compiled.
Install Node.js 20 or later and run <code>cargo run --release -- serve</code> again.
The API is running meanwhile: see <a href="/api/docs">/api/docs</a>.</p>
</body></html>"#;
