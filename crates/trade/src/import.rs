//! Reading customs statistics files: the China Customs statistics-platform layout (Chinese
//! headers, GBK/GB18030 or UTF-8 with or without BOM, thousands separators, paged downloads
//! concatenated) and Kaifang's canonical layout (English headers), as CSV or XLSX; and the
//! national reference table for RCA (CSV), checked when imported and read again by `rca`.
//!
//! Parsing only: the result is a list of records (values by year and chapter for the reference
//! table) or the first error, naming file, row and column. Writing is the store's business.

use crate::codes::{self, Flow, Ownership, Period};
use crate::csv_rows::{Rows, count_byte};
use crate::error::{Location, Result, TradeError, io};
use crate::lookup::Lookups;
use crate::record::{Interner, NO_MODE, Rec};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What a column means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Period,
    Flow,
    Commodity,
    Partner,
    Mode,
    Region,
    Uscc,
    Enterprise,
    Ownership,
    Qty1,
    Unit1,
    Qty2,
    Unit2,
    Cny,
    Usd,
    /// A name column beside a code (商品名称, 贸易伙伴名称, ...): descriptive, not stored.
    Ignored,
}

/// Header names, Chinese (the customs platform's) and English (Kaifang's canonical layout).
const HEADERS: &[(&str, Col)] = &[
    ("数据年月", Col::Period),
    ("年月", Col::Period),
    ("period", Col::Period),
    ("进出口", Col::Flow),
    ("进出口标志", Col::Flow),
    ("贸易流向", Col::Flow),
    ("flow", Col::Flow),
    ("商品编码", Col::Commodity),
    ("commodity", Col::Commodity),
    ("cn8", Col::Commodity),
    ("商品名称", Col::Ignored),
    ("commodity_name", Col::Ignored),
    ("贸易伙伴编码", Col::Partner),
    ("partner", Col::Partner),
    ("贸易伙伴名称", Col::Ignored),
    ("partner_name", Col::Ignored),
    ("贸易方式编码", Col::Mode),
    ("trade_mode", Col::Mode),
    ("贸易方式名称", Col::Ignored),
    ("trade_mode_name", Col::Ignored),
    ("注册地编码", Col::Region),
    ("region", Col::Region),
    ("注册地名称", Col::Ignored),
    ("region_name", Col::Ignored),
    ("统一社会信用代码", Col::Uscc),
    ("企业代码", Col::Uscc),
    ("uscc", Col::Uscc),
    ("企业名称", Col::Enterprise),
    ("enterprise", Col::Enterprise),
    ("企业性质", Col::Ownership),
    ("ownership", Col::Ownership),
    ("第一数量", Col::Qty1),
    ("qty1", Col::Qty1),
    ("第一计量单位", Col::Unit1),
    ("unit1", Col::Unit1),
    ("第二数量", Col::Qty2),
    ("qty2", Col::Qty2),
    ("第二计量单位", Col::Unit2),
    ("unit2", Col::Unit2),
    ("人民币", Col::Cny),
    ("人民币(元)", Col::Cny),
    ("人民币（元）", Col::Cny),
    ("value_cny", Col::Cny),
    ("美元", Col::Usd),
    ("美元(美元)", Col::Usd),
    ("美元（美元）", Col::Usd),
    ("value_usd", Col::Usd),
];

/// The parsed header of one file.
#[derive(Clone)]
struct Header {
    cols: Vec<Col>,
    /// The header's cells, trimmed and without a byte-order mark.
    names: Vec<String>,
}

impl Header {
    fn parse(file: &Path, fields: &[&str], flow_given: bool) -> Result<Header> {
        let mut cols = Vec::with_capacity(fields.len());
        let mut names = Vec::with_capacity(fields.len());
        for (i, f) in fields.iter().enumerate() {
            let name = f.trim().trim_start_matches('\u{feff}');
            let col = HEADERS
                .iter()
                .find(|(h, _)| *h == name)
                .map(|(_, c)| *c)
                .ok_or_else(|| TradeError::Input {
                    at: Location {
                        file: file.to_path_buf(),
                        row: 1,
                        column: name.to_string(),
                    },
                    message: format!(
                        "unknown column {name:?} (column {}); known columns: {}",
                        i + 1,
                        HEADERS.iter().map(|h| h.0).collect::<Vec<_>>().join(", ")
                    ),
                })?;
            if col != Col::Ignored && cols.contains(&col) {
                return Err(TradeError::File {
                    file: file.to_path_buf(),
                    message: format!("column {name:?} appears twice (or with another name)"),
                });
            }
            cols.push(col);
            names.push(name.to_string());
        }
        let missing = |what: &str| TradeError::File {
            file: file.to_path_buf(),
            message: format!("missing column: {what}"),
        };
        if !cols.contains(&Col::Period) {
            return Err(missing("数据年月 (period)"));
        }
        if !cols.contains(&Col::Flow) && !flow_given {
            return Err(missing(
                "进出口 (flow); or give the flow of the whole file with --flow import|export",
            ));
        }
        if !cols.contains(&Col::Cny) && !cols.contains(&Col::Usd) {
            return Err(missing("人民币 (value_cny) or 美元 (value_usd)"));
        }
        if cols.contains(&Col::Enterprise) && !cols.contains(&Col::Uscc) {
            return Err(missing("统一社会信用代码 (uscc), needed with 企业名称"));
        }
        Ok(Header { cols, names })
    }

    fn is_repeat(&self, fields: &[&str]) -> bool {
        fields.len() == self.names.len()
            && fields
                .iter()
                .zip(&self.names)
                .all(|(a, b)| trim(a).trim_start_matches('\u{feff}') == b)
    }
}

/// `s.trim()`, quicker for the usual cell, which starts and ends with a visible character: a
/// visible ASCII one is told by its byte, another (a unit such as 千克) by its character.
fn trim(s: &str) -> &str {
    let visible = |c: Option<char>| c.is_some_and(|c| !c.is_whitespace());
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        (Some(_), Some(_)) if visible(s.chars().next()) && visible(s.chars().next_back()) => s,
        _ => s.trim(),
    }
}

/// Leading zeros lost when a spreadsheet stored a code as a number.
fn pad<'a>(s: &'a str, width: usize) -> Cow<'a, str> {
    if s.len() < width && !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) {
        Cow::Owned(format!("{s:0>width$}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// Turns the cells of data rows into records.
pub(crate) struct RowParser<'a> {
    file: &'a Path,
    file_index: u16,
    header: Header,
    flow: Option<Flow>,
    pub strings: &'a mut Interner,
}

impl<'a> RowParser<'a> {
    fn err(&self, row: usize, col: usize, message: String) -> TradeError {
        TradeError::Input {
            at: Location {
                file: self.file.to_path_buf(),
                row,
                column: self.header.names.get(col).cloned().unwrap_or_default(),
            },
            message,
        }
    }

    /// One data row; `Ok(None)` for a repeated header or a total line.
    fn row(&mut self, row: usize, fields: &[&str]) -> Result<Option<Rec>> {
        if self.header.is_repeat(fields) {
            return Ok(None);
        }
        if fields.len() != self.header.cols.len() {
            if fields.iter().all(|f| f.trim().is_empty()) {
                return Ok(None);
            }
            return Err(TradeError::Input {
                at: Location {
                    file: self.file.to_path_buf(),
                    row,
                    column: String::new(),
                },
                message: format!(
                    "{} cells where the header has {} (a truncated or misaligned line)",
                    fields.len(),
                    self.header.cols.len()
                ),
            });
        }
        // Platform downloads may end with a total line; it is not a record.
        if let Some(first) = fields.iter().map(|f| f.trim()).find(|f| !f.is_empty())
            && matches!(first, "合计" | "总计" | "总值" | "Total" | "total")
        {
            return Ok(None);
        }
        let mut rec = Rec {
            period: Period { year: 0, month: 0 },
            flow: self.flow.unwrap_or(Flow::Export),
            code_len: 0,
            code: [0; 10],
            partner: 0,
            mode: NO_MODE,
            region: 0,
            uscc: None,
            name: 0,
            ownership: None,
            qty1: f64::NAN,
            unit1: 0,
            qty2: f64::NAN,
            unit2: 0,
            cny: f64::NAN,
            usd: f64::NAN,
            file: self.file_index,
            row: row as u32,
        };
        let mut name_given = false;
        for (i, (&col, raw)) in self.header.cols.iter().zip(fields).enumerate() {
            let v = trim(raw);
            let amount = |s: &str| codes::parse_amount(s).map_err(|m| self.err(row, i, m));
            match col {
                Col::Ignored => {}
                Col::Period => {
                    rec.period = Period::parse(v).ok_or_else(|| {
                        self.err(
                            row,
                            i,
                            format!("{v:?} is not a year and month (e.g. 202301)"),
                        )
                    })?;
                }
                Col::Flow => {
                    let f = Flow::parse(v).ok_or_else(|| {
                        self.err(
                            row,
                            i,
                            format!("{v:?} is neither 进口/import nor 出口/export"),
                        )
                    })?;
                    if let Some(given) = self.flow
                        && given != f
                    {
                        return Err(self.err(
                            row,
                            i,
                            format!("the row says {f} but --flow says {given}"),
                        ));
                    }
                    rec.flow = f;
                }
                Col::Commodity => {
                    if v.is_empty() {
                        continue;
                    }
                    let v = if v.len() % 2 == 1 {
                        pad(v, v.len() + 1)
                    } else {
                        Cow::Borrowed(v)
                    };
                    let c = codes::parse_commodity(&v).map_err(|m| self.err(row, i, m))?;
                    rec.code_len = c.len() as u8;
                    rec.code[..c.len()].copy_from_slice(c.as_bytes());
                }
                Col::Partner => {
                    if v.is_empty() {
                        continue;
                    }
                    let p = pad(v, 3);
                    let n: u16 = (p.len() == 3)
                        .then(|| p.parse().ok())
                        .flatten()
                        .filter(|n| (101..=799).contains(n))
                        .ok_or_else(|| {
                            self.err(
                                row,
                                i,
                                format!("{v:?} is not a 3-digit customs country code"),
                            )
                        })?;
                    rec.partner = n;
                }
                Col::Mode => {
                    if v.is_empty() {
                        continue;
                    }
                    let p = pad(v, 4);
                    rec.mode = (p.len() == 4)
                        .then(|| p.parse::<u16>().ok())
                        .flatten()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| {
                            self.err(row, i, format!("{v:?} is not a 4-digit trade mode code"))
                        })?;
                }
                Col::Region => {
                    if v.is_empty() {
                        continue;
                    }
                    let r = codes::parse_region(v).map_err(|m| self.err(row, i, m))?;
                    rec.region = r
                        .parse()
                        .map_err(|_| self.err(row, i, "bad region".into()))?;
                }
                Col::Uscc => {
                    if v.is_empty() {
                        continue;
                    }
                    let u = codes::parse_uscc(v).map_err(|m| self.err(row, i, m))?;
                    let mut b = [0u8; 18];
                    b.copy_from_slice(u.as_bytes());
                    rec.uscc = Some(b);
                }
                Col::Enterprise => {
                    name_given = !v.is_empty();
                    rec.name = self.strings.intern(v);
                }
                Col::Ownership => {
                    if v.is_empty() {
                        continue;
                    }
                    rec.ownership = Some(Ownership::parse(v).ok_or_else(|| {
                        self.err(
                            row,
                            i,
                            format!("{v:?}: ownership must be 国有企业/民营企业/外商投资企业/其他 (state/private/foreign/other)"),
                        )
                    })?);
                }
                Col::Qty1 => rec.qty1 = amount(v)?.unwrap_or(f64::NAN),
                Col::Qty2 => rec.qty2 = amount(v)?.unwrap_or(f64::NAN),
                Col::Unit1 => rec.unit1 = self.strings.intern(v),
                Col::Unit2 => rec.unit2 = self.strings.intern(v),
                Col::Cny => rec.cny = amount(v)?.unwrap_or(f64::NAN),
                Col::Usd => rec.usd = amount(v)?.unwrap_or(f64::NAN),
            }
        }
        if rec.cny.is_nan() && rec.usd.is_nan() {
            let i = self
                .header
                .cols
                .iter()
                .position(|c| *c == Col::Cny || *c == Col::Usd)
                .unwrap_or(0);
            return Err(self.err(row, i, "no value: 人民币 and 美元 are both empty".into()));
        }
        if name_given && rec.uscc.is_none() {
            let i = self
                .header
                .cols
                .iter()
                .position(|c| *c == Col::Uscc)
                .unwrap_or(0);
            return Err(self.err(
                row,
                i,
                "enterprise named without its unified social credit code".into(),
            ));
        }
        Ok(Some(rec))
    }
}

/// Decodes a CSV file's bytes: UTF-8 (BOM or not), otherwise GB18030 (a superset of GBK).
pub(crate) fn decode<'b>(file: &Path, bytes: &'b [u8]) -> Result<Cow<'b, str>> {
    let bad = |message: String| TradeError::File {
        file: file.to_path_buf(),
        message,
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(bad(
            "the file is UTF-16; save it as UTF-8 or GBK (CSV) and import again".into(),
        ));
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(body) {
        return Ok(Cow::Borrowed(s));
    }
    gb18030(file, body, 0).map(Cow::Owned)
}

/// Decodes GB18030 (a superset of GBK) text whose lines are numbered from `lines_before + 1`;
/// the error names the first line that is neither UTF-8 nor GB18030.
fn gb18030(file: &Path, bytes: &[u8], lines_before: usize) -> Result<String> {
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if !had_errors {
        return Ok(text.into_owned());
    }
    let line = bytes
        .split(|&b| b == b'\n')
        .position(|l| {
            std::str::from_utf8(l).is_err() && encoding_rs::GB18030.decode_without_bom_handling(l).1
        })
        .map(|p| lines_before + p + 1)
        .unwrap_or(0);
    Err(TradeError::File {
        file: file.to_path_buf(),
        message: format!(
            "the file is neither UTF-8 nor GBK/GB18030 (first undecodable bytes on line {line}); save it as UTF-8 or GBK"
        ),
    })
}

/// Progress in a phase: called with a fraction of the file done; false cancels.
pub(crate) type Tick<'p> = &'p mut dyn FnMut(f64) -> bool;

/// Where parsed records go, in file order: it takes the records it keeps out of the vector
/// (what it leaves is dropped), whose memory the reader then fills again.
pub(crate) type Sink<'s> = &'s mut dyn FnMut(&mut Vec<Rec>) -> Result<()>;

pub(crate) struct Parsed {
    pub recs: Vec<Rec>,
}

/// Parses one CSV or XLSX file (chosen by extension; `.xlsx`/`.xlsm` are spreadsheets,
/// checked against `xlsx_limits` before they are read), handing its records to `sink` in file
/// order: a CSV file block by block (about `block_bytes` of the file at a time), a spreadsheet
/// at once (its size is bounded by the limits). The number of records.
#[allow(clippy::too_many_arguments)]
pub(crate) fn parse_file(
    file: &Path,
    file_index: u16,
    flow: Option<Flow>,
    xlsx_limits: &kaifang_workbook::Limits,
    block_bytes: usize,
    strings: &mut Interner,
    tick: Tick<'_>,
    sink: Sink<'_>,
) -> Result<u64> {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    if matches!(ext.as_str(), "xls" | "xlsb" | "ods") {
        // Their grids cannot be measured before reading: refuse rather than risk the memory.
        return Err(TradeError::File {
            file: file.to_path_buf(),
            message: format!(
                "a .{ext} file is not accepted; save it as .xlsx or .csv (UTF-8 or GBK) and import that"
            ),
        });
    }
    if matches!(ext.as_str(), "xlsx" | "xlsm") {
        let reader = std::fs::File::open(file).map_err(io(file))?;
        kaifang_workbook::check(std::io::BufReader::new(reader), xlsx_limits).map_err(|e| {
            TradeError::File {
                file: file.to_path_buf(),
                message: e.to_string(),
            }
        })?;
        let mut recs = parse_xlsx(file, file_index, flow, strings, tick)?.recs;
        let n = recs.len() as u64;
        sink(&mut recs)?;
        Ok(n)
    } else {
        let f = std::fs::File::open(file).map_err(io(file))?;
        let size = f.metadata().map_err(io(file))?.len();
        read_csv(
            file,
            file_index,
            f,
            size,
            flow,
            block_bytes,
            strings,
            tick,
            sink,
        )
    }
}

/// Parses a whole CSV file held in memory (the fuzz targets' entry, and small inputs).
pub(crate) fn parse_csv_bytes(
    file: &Path,
    file_index: u16,
    bytes: &[u8],
    flow: Option<Flow>,
    strings: &mut Interner,
    tick: Tick<'_>,
) -> Result<Parsed> {
    let mut recs = Vec::new();
    read_csv(
        file,
        file_index,
        bytes,
        bytes.len() as u64,
        flow,
        bytes.len().max(1),
        strings,
        tick,
        &mut |r| {
            recs.append(r);
            Ok(())
        },
    )?;
    Ok(Parsed { recs })
}

/// The longest row a CSV file may have: a row with no line end in sight is refused, not read
/// on without bound.
pub(crate) const MAX_ROW_BYTES: usize = 1 << 20;

/// The encoding of a CSV file, as far as its blocks have told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    /// Only ASCII so far: UTF-8 and GB18030 read it alike.
    Ascii,
    Utf8,
    Gb18030,
}

impl Encoding {
    /// Decodes one block (whole lines); `lines_before` numbers its lines in the file.
    fn decode<'b>(
        &mut self,
        file: &Path,
        bytes: &'b [u8],
        lines_before: usize,
    ) -> Result<Cow<'b, str>> {
        match self.decode_piece(file, bytes, lines_before)? {
            Decoded::Text(text) => {
                self.saw(&text);
                Ok(text)
            }
            Decoded::NotUtf8 { line } => {
                self.not_utf8(file, line)?;
                gb18030(file, bytes, lines_before).map(Cow::Owned)
            }
        }
    }

    /// Decodes a piece of a block as the blocks before it have shown the file to be, leaving
    /// the encoding as it is: the pieces of one block are decoded side by side.
    fn decode_piece<'b>(
        self,
        file: &Path,
        bytes: &'b [u8],
        lines_before: usize,
    ) -> Result<Decoded<'b>> {
        if self == Encoding::Gb18030 {
            return gb18030(file, bytes, lines_before).map(|s| Decoded::Text(Cow::Owned(s)));
        }
        Ok(match std::str::from_utf8(bytes) {
            Ok(s) => Decoded::Text(Cow::Borrowed(s)),
            Err(e) => Decoded::NotUtf8 {
                line: lines_before + 1 + line_count_bytes(&bytes[..e.valid_up_to()]),
            },
        })
    }

    /// A block decoded as UTF-8: a file of ASCII so far is UTF-8 from its first other
    /// character on.
    fn saw(&mut self, text: &str) {
        self.saw_wide(*self == Encoding::Ascii && !text.is_ascii());
    }

    /// `wide`: a block decoded as UTF-8 held a character past ASCII.
    fn saw_wide(&mut self, wide: bool) {
        if wide && *self == Encoding::Ascii {
            *self = Encoding::Utf8;
        }
    }

    /// A block that is not UTF-8 from `line` on: a file of ASCII so far is GB18030; one
    /// that has been UTF-8 is refused.
    fn not_utf8(&mut self, file: &Path, line: usize) -> Result<()> {
        if *self == Encoding::Utf8 {
            return Err(TradeError::File {
                file: file.to_path_buf(),
                message: format!(
                    "the file is UTF-8 up to line {line}, where it is not; save it in one encoding (UTF-8 or GBK)"
                ),
            });
        }
        *self = Encoding::Gb18030;
        Ok(())
    }
}

/// A piece of a block, decoded.
enum Decoded<'b> {
    Text(Cow<'b, str>),
    /// Not UTF-8 from this line of the file on.
    NotUtf8 {
        line: usize,
    },
}

/// Reads CSV rows from `input` (`size` bytes, for progress) in blocks of about `block_bytes`
/// cut at line ends outside quotes, so that memory holds a block or two whatever the file's
/// size. Each block is cut into a piece per core, and each piece decoded and parsed on its
/// core, as the file has shown itself so far (UTF-8, or GB18030, a superset of GBK: a line
/// end or a quote is never part of a character in either); the records go to `sink` in file
/// order, their line numbers those of the whole file. The number of records.
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_csv(
    file: &Path,
    file_index: u16,
    mut input: impl std::io::Read,
    size: u64,
    flow: Option<Flow>,
    block_bytes: usize,
    strings: &mut Interner,
    tick: Tick<'_>,
    sink: Sink<'_>,
) -> Result<u64> {
    use std::io::Read;
    let block_bytes = block_bytes.max(1);
    let mut buf: Vec<u8> = Vec::new();
    let (mut eof, mut started) = (false, false);
    let mut encoding = Encoding::Ascii;
    let mut header: Option<Header> = None;
    let (mut lines_before, mut read, mut rows) = (0usize, 0u64, 0u64);
    let mut want = block_bytes;
    // The previous block's records, a vector per piece: handed on as they were parsed, not
    // joined into one (a copy of every record, and a block-sized allocation, per block).
    let mut pending: Vec<Vec<Rec>> = Vec::new();
    // Their vectors once the sink has taken the records, for the next block's pieces to fill:
    // past the first two blocks, a block's records are not allocated afresh, which the
    // allocator would have to find memory for (or map and fault in) every time.
    let mut spare: Vec<Vec<Rec>> = Vec::new();
    loop {
        if buf.len() < want && !eof {
            let need = want - buf.len();
            let got = (&mut input)
                .take(need as u64)
                .read_to_end(&mut buf)
                .map_err(io(file))?;
            read += got as u64;
            eof = got < need;
        }
        if !started {
            started = true;
            if buf.starts_with(&[0xFF, 0xFE]) || buf.starts_with(&[0xFE, 0xFF]) {
                return Err(TradeError::File {
                    file: file.to_path_buf(),
                    message: "the file is UTF-16; save it as UTF-8 or GBK (CSV) and import again"
                        .into(),
                });
            }
            if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
                buf.drain(..3);
            }
        }
        if buf.is_empty() {
            break;
        }
        let cut = match (eof, last_row_end(&buf)) {
            (true, _) => buf.len(),
            (false, Some(c)) => c,
            (false, None) if buf.len() >= MAX_ROW_BYTES.max(block_bytes) => {
                return Err(TradeError::Input {
                    at: Location {
                        file: file.to_path_buf(),
                        row: lines_before + 1,
                        column: String::new(),
                    },
                    message: format!(
                        "a row longer than {} bytes (no line end, or a quote never closed)",
                        MAX_ROW_BYTES
                    ),
                });
            }
            (false, None) => {
                want = buf.len() + block_bytes;
                continue;
            }
        };
        want = block_bytes;
        let block = &buf[..cut];
        // The previous block's records go to the sink while this block is parsed.
        let buffers = std::mem::take(&mut spare);
        let mut flush = || {
            for mut piece in std::mem::take(&mut pending) {
                if !piece.is_empty() {
                    sink(&mut piece)?;
                }
                piece.clear();
                spare.push(piece);
            }
            Ok(())
        };
        let n = match &header {
            // Past the header, a block is decoded where it is parsed: piece by piece.
            Some(h) => {
                let recs = parse_block(
                    file,
                    file_index,
                    block,
                    lines_before,
                    &mut encoding,
                    h,
                    flow,
                    strings,
                    buffers,
                    &mut flush,
                )?;
                pending = recs;
                pending.iter().map(|p| p.len() as u64).sum()
            }
            None => {
                let text = encoding.decode(file, block, lines_before)?;
                match find_header(file, &text, flow)? {
                    Some((h, body)) => {
                        let recs = parse_text(
                            file,
                            file_index,
                            &text,
                            body,
                            lines_before,
                            &h,
                            flow,
                            strings,
                            &mut flush,
                        )?;
                        header = Some(h);
                        pending = recs;
                        pending.iter().map(|p| p.len() as u64).sum()
                    }
                    None => 0,
                }
            }
        };
        let lines = line_count_bytes(block);
        rows += n;
        lines_before += lines;
        buf.drain(..cut);
        if !tick(read as f64 / size.max(1) as f64) {
            return Err(TradeError::Cancelled);
        }
    }
    for mut piece in pending.into_iter().filter(|p| !p.is_empty()) {
        sink(&mut piece)?;
    }
    if header.is_none() {
        return Err(TradeError::File {
            file: file.to_path_buf(),
            message: "the file is empty".into(),
        });
    }
    if rows == 0 {
        return Err(TradeError::File {
            file: file.to_path_buf(),
            message: "no data rows".into(),
        });
    }
    Ok(rows)
}

/// Just past the last line end of `b` outside quotes (blocks start outside quotes); None when
/// there is none. A line end is outside quotes when an even number of quotes comes before
/// it; counting them is a loop the compiler vectorises, unlike following the quotes' state.
fn last_row_end(b: &[u8]) -> Option<usize> {
    let quotes = |b: &[u8]| count_byte(b, b'"');
    let mut end = b.len();
    let mut before = quotes(b);
    while let Some(nl) = b[..end].iter().rposition(|&c| c == b'\n') {
        before -= quotes(&b[nl..end]);
        if before.is_multiple_of(2) {
            return Some(nl + 1);
        }
        end = nl;
    }
    None
}

/// The header (the first non-empty line) of a block and where its body starts; None when the
/// block has only empty lines.
fn find_header(file: &Path, text: &str, flow: Option<Flow>) -> Result<Option<(Header, usize)>> {
    let mut rows = Rows::new(text, 0);
    let mut cells = Vec::new();
    while rows.next_into(&mut cells).is_some() {
        if cells.iter().any(|f| !f.trim().is_empty()) {
            let fields: Vec<&str> = cells.iter().map(|c| &**c).collect();
            let header = Header::parse(file, &fields, flow.is_some())?;
            return Ok(Some((header, rows.position())));
        }
    }
    Ok(None)
}

/// Blocks larger than this are cut into pieces parsed side by side.
#[cfg(not(test))]
const PARALLEL_BYTES: usize = 4 << 20;
/// Small in unit tests, so that their files take the path of large ones.
#[cfg(test)]
const PARALLEL_BYTES: usize = 256;

/// The pieces to cut `len` bytes into: one per core (at most four) for a large block.
#[cfg(not(test))]
fn pieces_for(len: usize) -> usize {
    if len <= PARALLEL_BYTES {
        return 1;
    }
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4)
}

/// Three, whatever the machine, in unit tests.
#[cfg(test)]
fn pieces_for(len: usize) -> usize {
    if len <= PARALLEL_BYTES { 1 } else { 3 }
}

/// The records of `text[body_start..]`, a vector per piece (whole lines; `lines_before`
/// lines of the file come before `text`): the block that holds the header, decoded already.
#[allow(clippy::too_many_arguments)]
fn parse_text(
    file: &Path,
    file_index: u16,
    text: &str,
    body_start: usize,
    lines_before: usize,
    header: &Header,
    flow: Option<Flow>,
    strings: &mut Interner,
    meanwhile: &mut dyn FnMut() -> Result<()>,
) -> Result<Vec<Vec<Rec>>> {
    let lines_before = lines_before + line_count(&text[..body_start]);
    let pieces = cut_block(&text.as_bytes()[body_start..], lines_before);
    let parsed = on_threads(file, &pieces, meanwhile, |(lines, range), own| {
        let piece = text[body_start..].get(range.clone()).unwrap_or_default();
        parse_piece(
            file,
            file_index,
            Vec::new(),
            piece,
            *lines,
            header.clone(),
            flow,
            own,
            &mut |_| true,
        )
    })?;
    let mut recs = Vec::new();
    for (result, own) in parsed {
        adopt(&mut recs, result?, &own, strings);
    }
    Ok(recs)
}

/// The records of a block of whole lines after the header, a vector per piece
/// (`lines_before` lines of the file come before it; `buffers`, vectors to fill). Its pieces
/// are decoded where they are parsed, side by side, as the file has shown itself so far; the
/// first piece that is not UTF-8 decides for the whole block, as if it had been decoded at
/// once: a file of ASCII so far is read again as GB18030, one that has been UTF-8 is refused.
#[allow(clippy::too_many_arguments)]
fn parse_block(
    file: &Path,
    file_index: u16,
    block: &[u8],
    lines_before: usize,
    encoding: &mut Encoding,
    header: &Header,
    flow: Option<Flow>,
    strings: &mut Interner,
    buffers: Vec<Vec<Rec>>,
    meanwhile: &mut dyn FnMut() -> Result<()>,
) -> Result<Vec<Vec<Rec>>> {
    // Each piece with a vector to fill (taken by the first pass: one read again as GB18030
    // starts anew).
    let mut buffers = buffers.into_iter();
    let pieces: Vec<_> = cut_block(block, lines_before)
        .into_iter()
        .map(|(lines, range)| (lines, range, Mutex::new(buffers.next().unwrap_or_default())))
        .collect();
    let mut waiting = Some(meanwhile);
    loop {
        let as_read = *encoding;
        // Runs once, whichever pass of the block comes first.
        let mut earlier = || waiting.take().map_or(Ok(()), |m| m());
        let parsed = on_threads(
            file,
            &pieces,
            &mut earlier,
            |(lines, range, buffer), own| {
                let text = match as_read.decode_piece(file, &block[range.clone()], *lines)? {
                    Decoded::Text(text) => text,
                    Decoded::NotUtf8 { line } => return Ok(Err(line)),
                };
                let buffer = std::mem::take(&mut *buffer.lock().unwrap_or_else(|e| e.into_inner()));
                let recs = parse_piece(
                    file,
                    file_index,
                    buffer,
                    &text,
                    *lines,
                    header.clone(),
                    flow,
                    own,
                    &mut |_| true,
                )?;
                Ok(Ok((recs, as_read == Encoding::Ascii && !text.is_ascii())))
            },
        )?;
        if let Some(line) = parsed
            .iter()
            .find_map(|(r, _)| r.as_ref().ok().and_then(|p| p.as_ref().err()))
        {
            // Not UTF-8 after all: this block is read again as GB18030, the file's encoding.
            encoding.not_utf8(file, *line)?;
            continue;
        }
        let mut recs = Vec::new();
        for (result, own) in parsed {
            let Ok((part, wide)) = result? else { continue };
            encoding.saw_wide(wide);
            adopt(&mut recs, part, &own, strings);
        }
        return Ok(recs);
    }
}

/// Ranges cutting a block at line ends outside quotes into a piece per core (one for a
/// small block), each with the lines of the file before it. A line end, a quote or a comma
/// is never part of a character in UTF-8 or GB18030, so the cuts hold for the text too.
fn cut_block(block: &[u8], lines_before: usize) -> Vec<(usize, std::ops::Range<usize>)> {
    let cuts = split_points(block, pieces_for(block.len()));
    let mut lines = lines_before;
    cuts.windows(2)
        .map(|w| {
            let piece = (lines, w[0]..w[1]);
            lines += line_count_bytes(&block[w[0]..w[1]]);
            piece
        })
        .collect()
}

/// Runs `parse` on each piece, on a thread of its own with its own names table (a lone
/// piece on this thread), while this thread runs `meanwhile`. The results in file order, each
/// with its names; an error of `meanwhile` comes first (it is about earlier rows).
fn on_threads<P: Sync, R: Send>(
    file: &Path,
    pieces: &[P],
    meanwhile: &mut dyn FnMut() -> Result<()>,
    parse: impl Fn(&P, &mut Interner) -> Result<R> + Sync,
) -> Result<Vec<(Result<R>, Interner)>> {
    if let [piece] = pieces {
        let mut own = Interner::new();
        let r = parse(piece, &mut own);
        meanwhile()?;
        return Ok(vec![(r, own)]);
    }
    let parse = &parse;
    std::thread::scope(|scope| {
        let handles: Vec<_> = pieces
            .iter()
            .map(|piece| {
                scope.spawn(move || {
                    let mut own = Interner::new();
                    let r = parse(piece, &mut own);
                    (r, own)
                })
            })
            .collect();
        let earlier = meanwhile();
        let results: Vec<(Result<R>, Interner)> = handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    let failed = TradeError::File {
                        file: file.to_path_buf(),
                        message: "the reader failed".into(),
                    };
                    (Err(failed), Interner::new())
                })
            })
            .collect();
        earlier.map(|()| results)
    })
}

/// Adds a piece's records to `recs`, their names and units renumbered from the piece's
/// table into the shared one.
fn adopt(recs: &mut Vec<Vec<Rec>>, mut part: Vec<Rec>, own: &Interner, strings: &mut Interner) {
    let map: Vec<u32> = (0..own.len() as u32)
        .map(|id| own.get(id).map(|s| strings.intern(s)).unwrap_or(0))
        .collect();
    for r in &mut part {
        r.name = map[r.name as usize];
        r.unit1 = map[r.unit1 as usize];
        r.unit2 = map[r.unit2 as usize];
    }
    recs.push(part);
}

fn line_count(s: &str) -> usize {
    line_count_bytes(s.as_bytes())
}

fn line_count_bytes(b: &[u8]) -> usize {
    count_byte(b, b'\n')
}

/// Byte offsets cutting `b` (whole lines) into about `n` pieces at line ends outside quotes.
fn split_points(b: &[u8], n: usize) -> Vec<usize> {
    let mut cuts = vec![0];
    let mut quotes = 0usize;
    let mut scanned = 0;
    for i in 1..n {
        let mut pos = b.len() * i / n;
        if pos <= *cuts.last().unwrap_or(&0) {
            continue;
        }
        loop {
            match b[pos..].iter().position(|&c| c == b'\n') {
                None => {
                    pos = b.len();
                    break;
                }
                Some(off) => pos += off + 1,
            }
            quotes += count_byte(&b[scanned..pos], b'"');
            scanned = pos;
            // An even number of quotes so far: this line end is not inside a quoted field.
            if quotes.is_multiple_of(2) {
                break;
            }
        }
        if pos < b.len() {
            cuts.push(pos);
        }
    }
    cuts.push(b.len());
    cuts
}

#[allow(clippy::too_many_arguments)]
fn parse_piece(
    file: &Path,
    file_index: u16,
    mut recs: Vec<Rec>,
    piece: &str,
    lines_before: usize,
    header: Header,
    flow: Option<Flow>,
    strings: &mut Interner,
    tick: Tick<'_>,
) -> Result<Vec<Rec>> {
    let total = piece.len().max(1) as f64;
    let mut parser = RowParser {
        file,
        file_index,
        header,
        flow,
        strings,
    };
    recs.clear();
    recs.reserve(piece.len() / 60);
    let mut rows = Rows::new(piece, lines_before);
    let mut cells = Vec::with_capacity(32);
    let mut n = 0usize;
    while let Some(row) = rows.next_into(&mut cells) {
        // A stack buffer: no allocation per row for the usual widths.
        let mut buf = [""; 32];
        let heap: Vec<&str>;
        let fields: &[&str] = if cells.len() <= buf.len() {
            for (b, f) in buf.iter_mut().zip(&cells) {
                *b = f;
            }
            &buf[..cells.len()]
        } else {
            heap = cells.iter().map(|c| &**c).collect();
            &heap
        };
        if let Some(r) = parser.row(row, fields)? {
            recs.push(r);
        }
        n += 1;
        if n.is_multiple_of(65536) && !tick(rows.position() as f64 / total) {
            return Err(TradeError::Cancelled);
        }
    }
    Ok(recs)
}

fn cell_string(c: &calamine::Data) -> Cow<'_, str> {
    use calamine::Data;
    match c {
        Data::Empty => Cow::Borrowed(""),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cow::Borrowed(s),
        Data::Int(i) => Cow::Owned(i.to_string()),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
            Cow::Owned(format!("{}", *f as i64))
        }
        Data::Float(f) => Cow::Owned(f.to_string()),
        Data::Bool(b) => Cow::Owned(b.to_string()),
        Data::DateTime(d) => Cow::Owned(d.to_string()),
        Data::Error(e) => Cow::Owned(format!("#ERROR {e:?}")),
    }
}

fn parse_xlsx(
    file: &Path,
    file_index: u16,
    flow: Option<Flow>,
    strings: &mut Interner,
    tick: Tick<'_>,
) -> Result<Parsed> {
    use calamine::Reader;
    let bad = |m: String| TradeError::File {
        file: file.to_path_buf(),
        message: m,
    };
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(file).map_err(|e| {
        bad(format!(
            "not a readable spreadsheet (truncated or damaged?): {e}"
        ))
    })?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| bad("the workbook has no sheet".into()))?
        .map_err(|e| {
            bad(format!(
                "the first sheet is not readable (truncated or damaged?): {e}"
            ))
        })?;
    let (start_row, _) = range.start().unwrap_or((0, 0));
    let height = range.height().max(1) as f64;
    let mut rows = range.rows().enumerate();
    let mut cells: Vec<Cow<'_, str>> = Vec::new();
    let header = loop {
        let Some((_, r)) = rows.next() else {
            return Err(bad("the first sheet is empty".into()));
        };
        cells.clear();
        cells.extend(r.iter().map(cell_string));
        // Trailing empty cells of a wider used range are not columns.
        while cells.last().is_some_and(|c| c.trim().is_empty()) {
            cells.pop();
        }
        if !cells.is_empty() {
            let fields: Vec<&str> = cells.iter().map(|c| c.as_ref()).collect();
            break Header::parse(file, &fields, flow.is_some())?;
        }
    };
    let width = header.cols.len();
    let mut parser = RowParser {
        file,
        file_index,
        header,
        flow,
        strings,
    };
    let mut recs = Vec::new();
    for (i, r) in rows {
        cells.clear();
        cells.extend(r.iter().map(cell_string));
        while cells.len() > width && cells.last().is_some_and(|c| c.trim().is_empty()) {
            cells.pop();
        }
        let fields: Vec<&str> = cells.iter().map(|c| c.as_ref()).collect();
        let row = start_row as usize + i + 1;
        if let Some(rec) = parser.row(row, &fields)? {
            recs.push(rec);
        }
        if i.is_multiple_of(65536) && !tick(i as f64 / height) {
            return Err(TradeError::Cancelled);
        }
    }
    if recs.is_empty() {
        return Err(bad("no data rows".into()));
    }
    Ok(Parsed { recs })
}

/// Files by index, for messages about records.
pub(crate) fn file_name(files: &[PathBuf], i: u16) -> PathBuf {
    files.get(i as usize).cloned().unwrap_or_default()
}

/// (year, chapter) → value, from the reference CSV `year,chapter,value,source`.
pub(crate) fn parse_reference(
    file: &Path,
    text: &str,
) -> Result<HashMap<(i32, String), (f64, String)>> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| TradeError::File {
            file: file.to_path_buf(),
            message: e.to_string(),
        })?
        .clone();
    let want = ["year", "chapter", "value", "source"];
    let idx: Vec<usize> = want
        .iter()
        .map(|w| {
            headers
                .iter()
                .position(|h| h.trim() == *w)
                .ok_or_else(|| TradeError::File {
                    file: file.to_path_buf(),
                    message: format!("missing column {w} (need year, chapter, value, source)"),
                })
        })
        .collect::<Result<_>>()?;
    let mut out = HashMap::new();
    for (n, r) in rdr.records().enumerate() {
        let row = n + 2;
        let at = |c: usize| Location {
            file: file.to_path_buf(),
            row,
            column: want[c].to_string(),
        };
        let r = r.map_err(|e| TradeError::Input {
            at: at(0),
            message: e.to_string(),
        })?;
        let year: i32 = r[idx[0]].trim().parse().map_err(|_| TradeError::Input {
            at: at(0),
            message: format!("{:?} is not a year", &r[idx[0]]),
        })?;
        let chapter = r[idx[1]].trim();
        let chapter = if chapter.len() == 1 {
            format!("0{chapter}")
        } else {
            chapter.to_string()
        };
        if !Lookups::get().chapters.contains_key(&chapter) {
            return Err(TradeError::Input {
                at: at(1),
                message: format!("{chapter:?} is not an HS chapter"),
            });
        }
        let value = crate::codes::parse_amount(&r[idx[2]])
            .map_err(|m| TradeError::Input {
                at: at(2),
                message: m,
            })?
            .unwrap_or(0.0);
        let source = r[idx[3]].trim();
        if source.is_empty() {
            return Err(TradeError::Input {
                at: at(3),
                message: "every row needs its source".into(),
            });
        }
        if out
            .insert((year, chapter.clone()), (value, source.to_string()))
            .is_some()
        {
            return Err(TradeError::Input {
                at: at(1),
                message: format!("chapter {chapter} of {year} appears twice"),
            });
        }
    }
    Ok(out)
}

/// The import's readers for the fuzz targets under `fuzz/`: each runs one private reader as
/// an import does. Not an API; hidden from the documentation.
pub mod fuzzing {
    use super::*;

    const FILE: &str = "input.csv";

    /// Every column name a header may use, for targets that build headers.
    pub fn known_columns() -> Vec<&'static str> {
        HEADERS.iter().map(|(h, _)| *h).collect()
    }

    /// `decode`: the decoded text's length, or why the bytes are refused.
    pub fn decode(bytes: &[u8]) -> Result<usize> {
        super::decode(Path::new(FILE), bytes).map(|t| t.len())
    }

    /// `parse_csv_bytes`: how many records a CSV file's bytes give.
    pub fn parse_csv_bytes(bytes: &[u8], flow: Option<Flow>) -> Result<usize> {
        let mut strings = Interner::new();
        super::parse_csv_bytes(Path::new(FILE), 0, bytes, flow, &mut strings, &mut |_| true)
            .map(|p| p.recs.len())
    }

    /// `read_csv` in blocks of about `block` bytes (the streaming import's cutting, decoding
    /// and parsing of a block at a time): how many records the file gives.
    pub fn read_csv_blocks(bytes: &[u8], flow: Option<Flow>, block: usize) -> Result<u64> {
        let mut strings = Interner::new();
        super::read_csv(
            Path::new(FILE),
            0,
            bytes,
            bytes.len() as u64,
            flow,
            block,
            &mut strings,
            &mut |_| true,
            &mut |_| Ok(()),
        )
    }

    /// `parse_file` on a file already written: for an `.xlsx`, the workbook guard with the
    /// import's default limits and then `parse_xlsx`, which reads only from a path.
    pub fn parse_file(path: &Path, flow: Option<Flow>) -> Result<usize> {
        let mut strings = Interner::new();
        let limits = kaifang_workbook::Limits::default();
        let n = super::parse_file(
            path,
            0,
            flow,
            &limits,
            1 << 20,
            &mut strings,
            &mut |_| true,
            &mut |_| Ok(()),
        )?;
        Ok(n as usize)
    }

    /// `Header::parse` of a header row.
    pub fn header(fields: &[&str], flow_given: bool) -> Result<()> {
        Header::parse(Path::new(FILE), fields, flow_given).map(|_| ())
    }

    /// `RowParser::row` on each of `rows` under the header `header`: how many records they
    /// give, or the first error.
    pub fn rows(header: &[&str], flow: Option<Flow>, rows: &[Vec<&str>]) -> Result<usize> {
        let header = Header::parse(Path::new(FILE), header, flow.is_some())?;
        let mut strings = Interner::new();
        let mut parser = RowParser {
            file: Path::new(FILE),
            file_index: 0,
            header,
            flow,
            strings: &mut strings,
        };
        let mut n = 0;
        for (i, fields) in rows.iter().enumerate() {
            if parser.row(i + 2, fields)?.is_some() {
                n += 1;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str =
        "period,flow,commodity,partner,trade_mode,region,uscc,enterprise,value_cny";

    /// Rows whose enterprise names hold commas, quotes and line ends, a blank line and a
    /// repeated header in the middle, as pasted pages of the platform's downloads have.
    fn csv(rows: usize, bad_at: Option<usize>) -> String {
        let uscc = kaifang_model::uscc::DEMO_ENTERPRISE;
        let mut s = format!("\u{feff}{HEADER}\n");
        let mut line = 1;
        for i in 0..rows {
            if i == rows / 2 {
                s.push('\n');
                s.push_str(HEADER);
                s.push('\n');
                line += 2;
            }
            line += 1;
            let partner = if Some(line) == bad_at { "1" } else { "344" };
            let name = match i % 3 {
                0 => format!("\"长春示例, 汽车\"\"{i}\"\"\n有限公司\""),
                1 => format!("吉林示例{i}"),
                _ => format!("\"Jilin Example {i}, Ltd.\""),
            };
            if i % 3 == 0 {
                // The quoted line end starts a new line of the file.
                line += 1;
            }
            s.push_str(&format!(
                "2025-{:02},export,8703{:04},{partner},0110,220104,{uscc},{name},\"{},000\"\n",
                i % 12 + 1,
                i,
                i + 1
            ));
        }
        s
    }

    /// (key, row, name) of each record of `bytes` read in blocks of `block` bytes.
    fn read(bytes: &[u8], block: usize) -> Result<Vec<(String, u32, String)>> {
        let mut strings = Interner::new();
        let mut recs = Vec::new();
        read_csv(
            Path::new("t.csv"),
            0,
            bytes,
            bytes.len() as u64,
            None,
            block,
            &mut strings,
            &mut |_| true,
            &mut |r| {
                recs.append(r);
                Ok(())
            },
        )?;
        Ok(recs
            .iter()
            .map(|r| {
                (
                    format!("{:?}", r.key()),
                    r.row,
                    strings.get(r.name).unwrap_or("").to_string(),
                )
            })
            .collect())
    }

    #[test]
    fn blocks_of_any_size_read_the_same_records_with_the_same_rows() {
        let text = csv(300, None);
        let whole = read(text.as_bytes(), text.len()).unwrap();
        assert_eq!(whole.len(), 300);
        assert!(
            whole
                .iter()
                .any(|r| r.2.contains('\n') && r.2.contains('"'))
        );
        let gbk = encoding_rs::GB18030.encode(&text[3..]).0.into_owned();
        assert!(
            std::str::from_utf8(&gbk).is_err(),
            "the GBK copy is not UTF-8"
        );
        for block in [1, 7, 64, 1000, 4096] {
            assert_eq!(
                read(text.as_bytes(), block).unwrap(),
                whole,
                "UTF-8, {block}"
            );
            assert_eq!(read(&gbk, block).unwrap(), whole, "GBK, {block}");
        }
    }

    #[test]
    fn an_error_in_a_late_block_names_its_row_in_the_file() {
        let text = csv(300, Some(250));
        let whole = read(text.as_bytes(), text.len()).unwrap_err().to_string();
        assert!(whole.contains("row 250"), "{whole}");
        for block in [7, 512] {
            assert_eq!(read(text.as_bytes(), block).unwrap_err().to_string(), whole);
        }
    }

    #[test]
    fn a_file_changing_encoding_midway_is_refused_with_its_line() {
        let text = csv(40, None);
        let mut bytes = text.as_bytes().to_vec();
        // A GBK row after UTF-8 ones.
        let row = "2025-01,export,87030001,344,0110,220104,91220101MA00FAW01E,吉林,5\n";
        bytes.extend_from_slice(&encoding_rs::GB18030.encode(row).0);
        let e = read(&bytes, 256).unwrap_err().to_string();
        assert!(e.contains("UTF-8 up to line"), "{e}");
    }

    #[test]
    fn a_gbk_file_of_ascii_at_first_is_read_as_gbk_from_the_block_its_first_character_is_in() {
        let uscc = kaifang_model::uscc::DEMO_ENTERPRISE;
        let mut text = format!("{HEADER}\n");
        for i in 0..120 {
            // Chinese names only in the last rows: the first blocks are ASCII.
            let name = if i < 100 {
                format!("Example {i}")
            } else {
                format!("吉林示例{i}")
            };
            text.push_str(&format!(
                "2025-01,export,8703{i:04},344,0110,220104,{uscc},{name},{}\n",
                i + 1
            ));
        }
        let whole = read(text.as_bytes(), text.len()).unwrap();
        assert!(whole[119].2.starts_with("吉林"), "{:?}", whole[119]);
        let gbk = encoding_rs::GB18030.encode(&text).0.into_owned();
        assert!(std::str::from_utf8(&gbk).is_err());
        // Blocks whose later pieces hold the first GBK characters, and blocks after them.
        for block in [300, 1500, 4000, gbk.len()] {
            assert_eq!(read(&gbk, block).unwrap(), whole, "GBK, {block}");
        }
    }

    #[test]
    fn the_quick_trim_trims_as_str_trim_does() {
        for s in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "a b",
            "千克",
            " 千克",
            "千克 ",
            "\u{3000}千克",
            "千克\u{3000}",
            "\u{a0}5",
            "5\u{a0}",
            "\u{feff}period",
            "\t吉林\r",
            "吉",
            "\u{2028}",
        ] {
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn a_row_with_no_end_in_sight_is_refused_not_read_on() {
        let mut text = format!("{HEADER}\n2025-01,export,87030001,344,0110,220104,x,\"");
        text.push_str(&"长".repeat(MAX_ROW_BYTES / 3 + 10));
        text.push_str("\n2025-01,export,87030001,344,0110,220104,x,y,5\n");
        let e = read(text.as_bytes(), 4096).unwrap_err().to_string();
        assert!(e.contains("row 2") && e.contains("longer than"), "{e}");
    }
}
