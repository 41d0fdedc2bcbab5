//! Kaifang's printed reports. A [`Document`] is a list of blocks — headings, paragraphs,
//! tables, charts, small print — that [`docx`] writes as a Word document (what government
//! offices edit: headings as heading styles, tables as tables, charts as pictures, page
//! numbers as fields, the document's date) and [`pdf`] typesets as PDF (what is distributed),
//! with CJK fonts found on the system ([`fonts`]).
//!
//! Invariants: knows nothing of the data directory, HTTP or SQL; a document says what it
//! shows, not where it came from — the caller puts sources and the synthetic label into it.

pub mod chart;
pub mod docx;
pub mod fonts;
pub mod pdf;

pub use chart::{Chart, ChartKind, Series};

/// A document to print.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    /// Under the title: the issuing body and the period.
    pub subtitle: String,
    /// The document's date, `(year, month, day)`.
    pub date: (i32, u8, u8),
    /// Chinese or English: the fonts' order, the page number's form.
    pub lang: Lang,
    /// Printed in the header of every page when some figures are synthetic.
    pub header_note: Option<String>,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Level 1 (a section) or 2 (a part of one).
    Heading(u8, String),
    Paragraph(String),
    Table(Table),
    Chart(Chart),
    /// Small print: a source, a caveat.
    Note(String),
    PageBreak,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns holding numbers (set right).
    pub numeric: Vec<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(
        "no font for Chinese text was found on this system: install a CJK font (Debian: fonts-noto-cjk) or put one in the folder named by KAIFANG_FONT_DIR"
    )]
    NoCjkFont,
    #[error("drawing a chart failed: {0}")]
    Chart(String),
    #[error("writing the DOCX failed: {0}")]
    Docx(String),
    #[error("typesetting the PDF failed: {0}")]
    Pdf(String),
}

pub type Result<T> = std::result::Result<T, ReportError>;

impl Document {
    /// Every chart of the document, in order (they are numbered in this order).
    pub fn charts(&self) -> impl Iterator<Item = &Chart> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Chart(c) => Some(c),
            _ => None,
        })
    }
}
