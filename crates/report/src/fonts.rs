//! Fonts for the reports, found once per process: the system's fonts (fontconfig's folders)
//! and those in the folder named by `KAIFANG_FONT_DIR`. A report needs a CJK face; without
//! one it fails with [`ReportError::NoCjkFont`] rather than printing boxes.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::{ReportError, Result};

/// Families tried first, in order: the CJK faces Debian and most Linux distributions ship.
const PREFERRED: [&str; 6] = [
    "Noto Sans CJK SC",
    "Noto Serif CJK SC",
    "Source Han Sans SC",
    "Source Han Serif SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
];

/// The fonts a report may use.
pub struct FontSet {
    /// Every face found, for the charts' rasteriser.
    pub db: Arc<fontdb::Database>,
    /// The CJK families found, in the order of preference.
    pub cjk: Vec<String>,
    /// The font files holding those families (each read once when typesetting starts).
    pub files: Vec<PathBuf>,
}

fn is_cjk(family: &str) -> bool {
    let f = family.to_ascii_lowercase();
    [
        "cjk",
        "han sans",
        "han serif",
        "wenquanyi",
        "droid sans fallback",
    ]
    .iter()
    .any(|k| f.contains(k))
}

fn load() -> Result<FontSet> {
    let mut db = fontdb::Database::new();
    db.load_system_fonts();
    if let Some(dir) = std::env::var_os("KAIFANG_FONT_DIR") {
        db.load_fonts_dir(dir);
    }
    let mut by_family: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for face in db.faces() {
        let path = match &face.source {
            fontdb::Source::File(p) | fontdb::Source::SharedFile(p, _) => p.clone(),
            fontdb::Source::Binary(_) => continue,
        };
        for (family, _) in &face.families {
            if is_cjk(family) {
                by_family
                    .entry(family.clone())
                    .or_default()
                    .push(path.clone());
            }
        }
    }
    if by_family.is_empty() {
        return Err(ReportError::NoCjkFont);
    }
    let mut cjk: Vec<String> = PREFERRED
        .iter()
        .filter(|f| by_family.contains_key(**f))
        .map(|f| f.to_string())
        .collect();
    if cjk.is_empty() {
        cjk.extend(by_family.keys().cloned());
    }
    let mut files: Vec<PathBuf> = cjk
        .iter()
        .flat_map(|f| by_family[f].iter().cloned())
        .collect();
    files.sort();
    files.dedup();
    Ok(FontSet {
        db: Arc::new(db),
        cjk,
        files,
    })
}

/// The process's fonts, found on first use.
pub fn fonts() -> Result<&'static FontSet> {
    static FONTS: OnceLock<std::result::Result<FontSet, String>> = OnceLock::new();
    match FONTS.get_or_init(|| load().map_err(|e| e.to_string())) {
        Ok(f) => Ok(f),
        Err(_) => Err(ReportError::NoCjkFont),
    }
}
