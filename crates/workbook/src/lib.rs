//! Bounds on an Excel workbook (.xlsx), checked before a reader allocates for it.
//!
//! A spreadsheet reader sizes its grid from the cells' positions: a 7 KB file with one cell
//! at XFD1048576 asks for 17 billion cells. An .xlsx is a zip of XML parts, so this crate
//! walks the zip once, inflating every part as a stream with the total capped, and reads
//! from the worksheets only the tags that place cells (`<dimension ref>`, `<row r>`, `<c r>`)
//! and from the shared strings their count. Memory stays at a few buffers whatever the file
//! says; only a workbook within every limit goes on to the reader.
//!
//! Invariant: knows nothing of what the cells mean; it answers "small enough to read" or
//! names the limit and the part that broke it.

use std::io::{Read, Seek};

/// What a workbook may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Cells of the largest sheet's grid (rows × columns up to the farthest cell).
    pub max_cells: u64,
    /// Worksheets.
    pub max_sheets: u32,
    /// Entries of the shared-strings table.
    pub max_shared_strings: u64,
    /// Bytes of all the parts once inflated.
    pub max_inflated_bytes: u64,
    /// Parts (files) in the zip.
    pub max_parts: usize,
}

impl Limits {
    /// A file of records, such as a customs export: a grid of 12 million cells takes about
    /// 400 MB in the reader.
    pub const RECORDS: Limits = Limits {
        max_cells: 12_000_000,
        max_sheets: 64,
        max_shared_strings: 5_000_000,
        max_inflated_bytes: 2 << 30,
        max_parts: 10_000,
    };

    /// A form of a few hundred rows, such as the zones' yearly data.
    pub const FORM: Limits = Limits {
        max_cells: 200_000,
        max_sheets: 16,
        max_shared_strings: 100_000,
        max_inflated_bytes: 64 << 20,
        max_parts: 1_000,
    };
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::RECORDS
    }
}

/// Why a workbook is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("not a readable spreadsheet (an .xlsx workbook; truncated or damaged?): {0}")]
    NotXlsx(String),
    #[error("the workbook has {found} parts; at most {limit} are accepted")]
    Parts { found: usize, limit: usize },
    #[error("the workbook has more than {limit} sheets")]
    Sheets { limit: u32 },
    #[error("{part} reaches cell {cell}: a grid of {cells} cells, more than the {limit} accepted")]
    Cells {
        part: String,
        cell: String,
        cells: u64,
        limit: u64,
    },
    #[error("{part} declares {found} shared strings; at most {limit} are accepted")]
    SharedStrings {
        part: String,
        found: u64,
        limit: u64,
    },
    #[error("the workbook inflates to more than {limit_mb} MB; at most that is accepted")]
    Inflated { limit_mb: u64 },
    #[error("{part}: a <{tag}> tag longer than {MAX_TAG} bytes")]
    Malformed { part: String, tag: String },
}

/// What the check saw, for messages and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shape {
    pub sheets: u32,
    /// Rows and columns of the largest sheet's grid.
    pub rows: u64,
    pub columns: u64,
    pub inflated_bytes: u64,
}

/// Longest tag looked at whole; cell tags are a few dozen bytes.
const MAX_TAG: usize = 4096;

/// Checks `workbook` against `limits` without building any grid.
pub fn check(workbook: impl Read + Seek, limits: &Limits) -> Result<Shape, Refused> {
    let mut zip = zip::ZipArchive::new(workbook).map_err(|e| Refused::NotXlsx(e.to_string()))?;
    if zip.len() > limits.max_parts {
        return Err(Refused::Parts {
            found: zip.len(),
            limit: limits.max_parts,
        });
    }
    let mut shape = Shape::default();
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip
            .by_index(i)
            .map_err(|e| Refused::NotXlsx(e.to_string()))?;
        let name = part
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("part {i}"));
        let kind = PartKind::of(&name);
        if kind == PartKind::Sheet {
            shape.sheets += 1;
            if shape.sheets > limits.max_sheets {
                return Err(Refused::Sheets {
                    limit: limits.max_sheets,
                });
            }
        }
        let mut scanner = Scanner::new(&name, kind);
        loop {
            let n = match part.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Refused::NotXlsx(format!("{name}: {e}"))),
            };
            shape.inflated_bytes += n as u64;
            if shape.inflated_bytes > limits.max_inflated_bytes {
                return Err(Refused::Inflated {
                    limit_mb: limits.max_inflated_bytes >> 20,
                });
            }
            scanner.feed(&buf[..n], limits)?;
        }
        shape.rows = shape.rows.max(scanner.rows);
        shape.columns = shape.columns.max(scanner.columns);
    }
    Ok(shape)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartKind {
    Sheet,
    SharedStrings,
    Other,
}

impl PartKind {
    fn of(name: &str) -> PartKind {
        let lower = name.to_ascii_lowercase();
        if lower.starts_with("xl/worksheets/") && lower.ends_with(".xml") {
            PartKind::Sheet
        } else if lower == "xl/sharedstrings.xml" {
            PartKind::SharedStrings
        } else {
            PartKind::Other
        }
    }
}

/// Reads the tags that matter from a part's XML as it streams by.
struct Scanner<'a> {
    part: &'a str,
    kind: PartKind,
    /// An unfinished tag carried over from the previous chunk.
    carry: Vec<u8>,
    /// Farthest row and column (1-based) any cell or row reaches, and cells in the current
    /// row (cells without a position follow the previous one).
    rows: u64,
    columns: u64,
    row_cells: u64,
    /// Shared strings counted (`<si>`).
    strings: u64,
}

impl<'a> Scanner<'a> {
    fn new(part: &'a str, kind: PartKind) -> Scanner<'a> {
        Scanner {
            part,
            kind,
            carry: Vec::new(),
            rows: 0,
            columns: 0,
            row_cells: 0,
            strings: 0,
        }
    }

    fn feed(&mut self, chunk: &[u8], limits: &Limits) -> Result<(), Refused> {
        if self.kind == PartKind::Other {
            return Ok(());
        }
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(chunk);
        let mut at = 0;
        while let Some(lt) = find(&data[at..], b'<') {
            let start = at + lt;
            let Some(gt) = tag_end(&data[start..]) else {
                if data.len() - start > MAX_TAG {
                    return Err(self.malformed(&data[start..]));
                }
                self.carry = data[start..].to_vec();
                return Ok(());
            };
            let tag = &data[start + 1..start + gt];
            if tag.len() > MAX_TAG {
                return Err(self.malformed(tag));
            }
            self.tag(tag, limits)?;
            at = start + gt + 1;
        }
        Ok(())
    }

    fn malformed(&self, tag: &[u8]) -> Refused {
        let name: String = tag
            .iter()
            .skip(1)
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b':')
            .map(|b| *b as char)
            .collect();
        Refused::Malformed {
            part: self.part.to_string(),
            tag: name,
        }
    }

    fn tag(&mut self, tag: &[u8], limits: &Limits) -> Result<(), Refused> {
        let name_end = tag
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/')
            .unwrap_or(tag.len());
        // Namespace prefixes (`x:c`) name the same elements.
        let name = tag[..name_end]
            .rsplit(|b| *b == b':')
            .next()
            .unwrap_or_default();
        let attrs = &tag[name_end..];
        match (self.kind, name) {
            (PartKind::Sheet, b"dimension") => {
                if let Some(r) = attr(attrs, b"ref") {
                    let last = r.rsplit(|b| *b == b':').next().unwrap_or(r);
                    if let Some((row, col)) = cell_ref(last) {
                        self.grid(row, col, last, limits)?;
                    }
                }
            }
            (PartKind::Sheet, b"row") => {
                self.row_cells = 0;
                if let Some(row) = attr(attrs, b"r").and_then(number) {
                    self.grid(row, self.columns, b"", limits)?;
                }
            }
            (PartKind::Sheet, b"c") => {
                self.row_cells += 1;
                let (row, col) = attr(attrs, b"r")
                    .and_then(cell_ref)
                    .unwrap_or((self.rows.max(1), self.row_cells));
                self.row_cells = self.row_cells.max(col);
                let at = attr(attrs, b"r").unwrap_or_default();
                self.grid(row, col, at, limits)?;
            }
            (PartKind::SharedStrings, b"sst") => {
                for key in [&b"uniqueCount"[..], b"count"] {
                    if let Some(n) = attr(attrs, key).and_then(number) {
                        self.strings_at_most(n, limits)?;
                    }
                }
            }
            (PartKind::SharedStrings, b"si") => {
                self.strings += 1;
                self.strings_at_most(self.strings, limits)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn strings_at_most(&self, n: u64, limits: &Limits) -> Result<(), Refused> {
        if n > limits.max_shared_strings {
            return Err(Refused::SharedStrings {
                part: self.part.to_string(),
                found: n,
                limit: limits.max_shared_strings,
            });
        }
        Ok(())
    }

    /// Widens the grid to reach (`row`, `col`) and refuses it past the limit.
    fn grid(&mut self, row: u64, col: u64, cell: &[u8], limits: &Limits) -> Result<(), Refused> {
        self.rows = self.rows.max(row);
        self.columns = self.columns.max(col);
        let cells = self.rows.saturating_mul(self.columns.max(1));
        if cells > limits.max_cells {
            let cell = if cell.is_empty() {
                format!("{}{}", column_name(self.columns.max(1)), self.rows)
            } else {
                String::from_utf8_lossy(cell).into_owned()
            };
            return Err(Refused::Cells {
                part: self.part.to_string(),
                cell,
                cells,
                limit: limits.max_cells,
            });
        }
        Ok(())
    }
}

fn find(data: &[u8], b: u8) -> Option<usize> {
    data.iter().position(|x| *x == b)
}

/// The `>` that ends the tag starting `data`, skipping any inside quoted attribute values
/// (`<c foo=">" r="XFD1">` must not hide its position).
fn tag_end(data: &[u8]) -> Option<usize> {
    let mut quote = None;
    for (i, b) in data.iter().enumerate() {
        match (quote, *b) {
            (None, b'"' | b'\'') => quote = Some(*b),
            (Some(q), b) if b == q => quote = None,
            (None, b'>') => return Some(i),
            _ => {}
        }
    }
    None
}

/// The value of attribute `key` (`key="v"` or `key='v'`) among `attrs`.
fn attr<'t>(attrs: &'t [u8], key: &[u8]) -> Option<&'t [u8]> {
    let mut rest = attrs;
    while !rest.is_empty() {
        let k_start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
        rest = &rest[k_start..];
        let eq = rest.iter().position(|b| *b == b'=')?;
        let k = rest[..eq].trim_ascii();
        let after = rest[eq + 1..].trim_ascii_start();
        let quote = *after.first()?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let end = after[1..].iter().position(|b| *b == quote)?;
        let v = &after[1..1 + end];
        if k == key {
            return Some(v);
        }
        rest = &after[end + 2..];
    }
    None
}

fn number(v: &[u8]) -> Option<u64> {
    std::str::from_utf8(v).ok()?.trim().parse().ok()
}

/// `AB12` → row 12, column 28 (1-based); `$A$1` is read as `A1`.
fn cell_ref(r: &[u8]) -> Option<(u64, u64)> {
    let r: Vec<u8> = r.iter().copied().filter(|b| *b != b'$').collect();
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let col = r[..letters].iter().fold(0u64, |acc, b| {
        acc * 26 + u64::from(b.to_ascii_uppercase() - b'A' + 1)
    });
    let row = number(&r[letters..])?;
    Some((row, col))
}

fn column_name(mut col: u64) -> String {
    let mut s = Vec::new();
    while col > 0 {
        let rem = ((col - 1) % 26) as u8;
        s.push(b'A' + rem);
        col = (col - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn workbook(fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        fill(wb.add_worksheet());
        wb.save_to_buffer().unwrap()
    }

    /// A workbook written part by part, for what no spreadsheet program would write.
    fn raw(sheet_xml: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        zip.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        zip.write_all(sheet_xml.as_bytes()).unwrap();
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn an_ordinary_form_passes() {
        let bytes = workbook(|ws| {
            for r in 0..200 {
                for c in 0..5 {
                    ws.write(r, c, format!("v{r}-{c}")).unwrap();
                }
            }
        });
        let shape = check(Cursor::new(bytes), &Limits::FORM).unwrap();
        assert_eq!((shape.sheets, shape.rows, shape.columns), (1, 200, 5));
    }

    #[test]
    fn one_cell_at_the_far_corner_is_refused() {
        let bytes = workbook(|ws| {
            ws.write(0, 0, "iCode").unwrap();
            ws.write(1_048_575, 16_383, 1).unwrap();
        });
        assert!(bytes.len() < 10_000, "{} bytes", bytes.len());
        let e = check(Cursor::new(bytes), &Limits::FORM).unwrap_err();
        assert!(
            matches!(&e, Refused::Cells { cell, .. } if cell == "XFD1048576" || cell == "A1:XFD1048576"),
            "{e}"
        );
        assert!(e.to_string().contains("200000"), "{e}");
    }

    #[test]
    fn a_position_hidden_behind_a_quoted_bracket_is_found() {
        let sheet = r#"<worksheet><sheetData><row><c foo=">" r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#;
        assert!(matches!(
            check(Cursor::new(raw(sheet)), &Limits::FORM),
            Err(Refused::Cells { .. })
        ));
        let ok = r#"<worksheet><dimension ref="A1:B2"/><sheetData><row r="2"><c r="B2"><v>1</v></c></row></sheetData></worksheet>"#;
        assert_eq!(
            check(Cursor::new(raw(ok)), &Limits::FORM).unwrap().columns,
            2
        );
    }

    #[test]
    fn cells_without_positions_follow_each_other() {
        let many = "<c/>".repeat(300_000);
        let sheet =
            format!("<worksheet><sheetData><row r=\"1\">{many}</row></sheetData></worksheet>");
        assert!(matches!(
            check(Cursor::new(raw(&sheet)), &Limits::FORM),
            Err(Refused::Cells { .. })
        ));
    }

    #[test]
    fn inflated_size_sheets_and_strings_are_bounded() {
        let bytes = workbook(|ws| {
            for r in 0..50 {
                ws.write(r, 0, format!("distinct string {r}")).unwrap();
            }
        });
        let tight = |f: fn(&mut Limits)| {
            let mut l = Limits::FORM;
            f(&mut l);
            check(Cursor::new(bytes.clone()), &l).unwrap_err()
        };
        assert!(matches!(
            tight(|l| l.max_shared_strings = 10),
            Refused::SharedStrings { .. }
        ));
        assert!(matches!(
            tight(|l| l.max_inflated_bytes = 1000),
            Refused::Inflated { .. }
        ));
        assert!(matches!(
            tight(|l| l.max_sheets = 0),
            Refused::Sheets { .. }
        ));
        assert!(matches!(tight(|l| l.max_parts = 2), Refused::Parts { .. }));
        assert!(matches!(
            check(Cursor::new(b"not a zip".to_vec()), &Limits::FORM),
            Err(Refused::NotXlsx(_))
        ));
    }

    #[test]
    fn cell_refs_and_attributes() {
        assert_eq!(cell_ref(b"A1"), Some((1, 1)));
        assert_eq!(cell_ref(b"$AB$12"), Some((12, 28)));
        assert_eq!(cell_ref(b"XFD1048576"), Some((1_048_576, 16_384)));
        assert_eq!(cell_ref(b"12"), None);
        assert_eq!(column_name(16_384), "XFD");
        assert_eq!(attr(br#" r="B2" s='3' t="s""#, b"s"), Some(&b"3"[..]));
        assert_eq!(attr(br#" r="B2""#, b"t"), None);
    }
}
