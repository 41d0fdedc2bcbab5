//! The bulletin archive: a file and its record, written together or not at all, also when an
//! issue stopped between the two.

use kaifang_store::StoreError;
use kaifang_store::audit::Who;
use kaifang_store::bulletins::NewBulletin;
use sha2::{Digest, Sha256};

fn bulletin<'a>(month: &'a str, bytes: &'a [u8]) -> NewBulletin<'a> {
    NewBulletin {
        month,
        lang: "zh",
        format: "docx",
        bytes,
        pages: None,
        synthetic: true,
        figures: serde_json::json!({}),
        notify_leaders: false,
    }
}

/// Where the archive keeps a bulletin of these bytes.
fn archived_at(store: &kaifang_store::Store, month: &str, bytes: &[u8]) -> std::path::PathBuf {
    let sha = hex::encode(Sha256::digest(bytes));
    let dir = store.data_dir().root().join("bulletins");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{month}-zh-{}.docx", &sha[..12]))
}

/// Regression: an instance killed after writing the file and before recording it left a file
/// that made every later issue of the same bulletin a conflict, so the job started over on
/// another instance could never finish.
#[tokio::test]
async fn a_file_left_without_its_record_is_adopted_when_the_same_bulletin_is_issued_again() {
    let tmp = tempfile::tempdir().unwrap();
    let store = kaifang_store::testing::open(tmp.path()).await;
    let who = Who::cli("test");
    let bytes = b"the same figures, typeset the same day".as_slice();
    // As the killed issue left it: the file written, its record never committed.
    let left = archived_at(&store, "2026-01", bytes);
    std::fs::write(&left, bytes).unwrap();

    let issued = store
        .archive_bulletin(&who, &bulletin("2026-01", bytes))
        .await
        .unwrap();
    assert_eq!(store.bulletin_path(&issued), left);
    assert_eq!(std::fs::read(&left).unwrap(), bytes);
    assert_eq!(store.bulletins().await.unwrap().len(), 1);

    // Other bytes under a bulletin's name are somebody else's file: refused, left as they are.
    let theirs = archived_at(&store, "2026-02", bytes);
    std::fs::write(&theirs, b"something else").unwrap();
    let refused = store
        .archive_bulletin(&who, &bulletin("2026-02", bytes))
        .await;
    assert!(
        matches!(&refused, Err(StoreError::Conflict(m)) if m.contains("other contents")),
        "{refused:?}"
    );
    assert_eq!(std::fs::read(&theirs).unwrap(), b"something else");
    assert_eq!(store.bulletins().await.unwrap().len(), 1);
}
