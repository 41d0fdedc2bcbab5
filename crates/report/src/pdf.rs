//! A document typeset as PDF with typst, used as a library: the document becomes typst
//! markup (every text a string literal, so nothing in the data is read as markup), the
//! charts SVG files of an in-memory project, the fonts the system's CJK faces.

use std::collections::HashMap;
use std::sync::OnceLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::fonts::fonts;
use crate::{Block, Document, Lang, ReportError, Result};

/// A typeset document.
pub struct Pdf {
    pub bytes: Vec<u8>,
    pub pages: usize,
}

struct TypstFonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

/// The CJK faces read once per process (the files are tens of megabytes).
fn typst_fonts() -> Result<&'static TypstFonts> {
    static FONTS: OnceLock<std::result::Result<TypstFonts, String>> = OnceLock::new();
    let loaded = FONTS.get_or_init(|| {
        let set = fonts().map_err(|e| e.to_string())?;
        let mut list = Vec::new();
        for path in &set.files {
            let Ok(data) = std::fs::read(path) else {
                continue;
            };
            list.extend(Font::iter(Bytes::new(data)));
        }
        let mut book = FontBook::new();
        for f in &list {
            book.push(f.info().clone());
        }
        Ok(TypstFonts {
            book: LazyHash::new(book),
            fonts: list,
        })
    });
    match loaded {
        Ok(f) if !f.fonts.is_empty() => Ok(f),
        _ => Err(ReportError::NoCjkFont),
    }
}

struct ReportWorld {
    library: LazyHash<Library>,
    fonts: &'static TypstFonts,
    main: Source,
    files: HashMap<FileId, Bytes>,
    today: Datetime,
}

fn file_id(name: &str) -> Result<FileId> {
    let path = VirtualPath::new(name).map_err(|e| ReportError::Pdf(format!("{name}: {e:?}")))?;
    Ok(RootedPath::new(VirtualRoot::Project, path).intern())
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files.get(&id).cloned().ok_or(FileError::AccessDenied)
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// A typst string literal.
fn lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The document as typst markup, with the chart files it refers to.
fn markup(doc: &Document, cjk: &[String]) -> (String, Vec<(String, String)>) {
    let fonts: Vec<String> = cjk.iter().map(|f| lit(f)).collect();
    let fonts = fonts.join(", ");
    let (lang, region, page_num) = match doc.lang {
        Lang::Zh => ("zh", "cn", "— 1 —"),
        Lang::En => ("en", "gb", "1"),
    };
    let (y, m, d) = doc.date;
    let mut s = String::new();
    s += &format!(
        "#set document(title: {}, date: datetime(year: {y}, month: {m}, day: {d}))\n",
        lit(&doc.title)
    );
    let header = doc
        .header_note
        .as_deref()
        .map(|n| {
            format!(
                "align(right, text(size: 8pt, fill: rgb(\"#b03a2e\"), {}))",
                lit(n)
            )
        })
        .unwrap_or_else(|| "none".into());
    s += &format!(
        "#set page(paper: \"a4\", margin: (x: 2.4cm, y: 2.4cm), header: {header}, footer: context align(center, text(size: 9pt, counter(page).display({}))))\n",
        lit(page_num)
    );
    s += &format!(
        "#set text(font: ({fonts},), size: 10.5pt, lang: \"{lang}\", region: \"{region}\")\n"
    );
    s += "#set par(justify: true, leading: 0.8em, spacing: 1.1em)\n";
    s += "#set table(stroke: 0.5pt + rgb(\"#999999\"), inset: 5pt)\n";
    s += "#show heading.where(level: 1): set text(size: 14pt)\n";
    s += "#show heading.where(level: 2): set text(size: 12pt)\n";
    s += "#show heading: set block(above: 1.4em, below: 0.8em)\n";
    s += &format!(
        "#align(center, text(size: 20pt, weight: \"bold\", {}))\n",
        lit(&doc.title)
    );
    s += &format!(
        "#align(center, text(size: 11pt, {}))\n#v(1em)\n",
        lit(&doc.subtitle)
    );
    let mut files = Vec::new();
    for b in &doc.blocks {
        match b {
            Block::Heading(level, t) => {
                s += &format!("#heading(level: {}, {})\n", level.clamp(&1, &3), lit(t));
            }
            Block::Paragraph(t) => s += &format!("#par({})\n", lit(t)),
            Block::Note(t) => {
                s += &format!(
                    "#block(text(size: 8.5pt, fill: rgb(\"#555555\"), {}))\n",
                    lit(t)
                )
            }
            Block::PageBreak => s += "#pagebreak()\n",
            Block::Chart(c) => {
                let name = format!("chart-{}.svg", files.len() + 1);
                s += &format!("#align(center, image({}, width: 95%))\n", lit(&name));
                files.push((name, c.svg()));
            }
            Block::Table(t) => {
                let n = t.header.len().max(1);
                let align: Vec<&str> = (0..n)
                    .map(|i| {
                        if t.numeric.get(i).copied().unwrap_or(false) {
                            "right"
                        } else {
                            "left"
                        }
                    })
                    .collect();
                s += &format!(
                    "#text(size: 9pt, table(columns: {n}, align: ({},), table.header(",
                    align.join(", ")
                );
                for h in &t.header {
                    s += &format!("strong({}), ", lit(h));
                }
                s += "), ";
                for row in &t.rows {
                    for i in 0..n {
                        s += &lit(row.get(i).map(String::as_str).unwrap_or(""));
                        s += ", ";
                    }
                }
                s += "))\n";
            }
        }
    }
    (s, files)
}

/// Typesets `doc` as PDF.
pub fn pdf(doc: &Document) -> Result<Pdf> {
    let fonts = typst_fonts()?;
    let cjk = &crate::fonts::fonts()?.cjk;
    let (text, charts) = markup(doc, cjk);
    let mut files = HashMap::new();
    for (name, svg) in charts {
        files.insert(file_id(&name)?, Bytes::new(svg.into_bytes()));
    }
    let (y, m, d) = doc.date;
    let world = ReportWorld {
        library: LazyHash::new(Library::default()),
        fonts,
        main: Source::new(file_id("main.typ")?, text),
        files,
        today: Datetime::from_ymd(y, m, d)
            .ok_or_else(|| ReportError::Pdf(format!("no such day: {y}-{m}-{d}")))?,
    };
    let typeset: typst_layout::PagedDocument = typst::compile(&world)
        .output
        .map_err(|diags| typst_error(&diags))?;
    let pages = typeset.pages().len();
    let bytes = typst_pdf::pdf(&typeset, &typst_pdf::PdfOptions::default())
        .map_err(|diags| typst_error(&diags))?;
    Ok(Pdf { bytes, pages })
}

/// Typst's diagnostics as one error.
fn typst_error(diags: &[typst::diag::SourceDiagnostic]) -> ReportError {
    ReportError::Pdf(
        diags
            .iter()
            .map(|d| d.message.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_is_never_markup() {
        assert_eq!(lit(r##"#set "x" \ y"##), r##""#set \"x\" \\ y""##);
    }
}
