//! A document written as DOCX, the form Word and WPS edit: headings in the heading styles
//! (so the navigation pane and a table of contents find them), tables as tables, charts as
//! PNG pictures, the page number as a field in the footer, the document's date in its
//! properties.

use std::io::Cursor;

use docx_rs::{
    AlignmentType, Docx, Footer, Header, PageNum, Paragraph, Pic, Run, RunFonts, Style, StyleType,
    Table as DocxTable, TableCell, TableRow,
};
use resvg::{tiny_skia, usvg};

use crate::chart::{HEIGHT, WIDTH};
use crate::fonts::fonts;
use crate::{Block, Chart, Document, Lang, ReportError, Result};

/// Pixels per chart pixel in the picture (sharp when printed).
const SCALE: f32 = 2.0;
/// Width of a chart on the page, in EMU (15 cm).
const CHART_EMU: u32 = 5_400_000;

/// A chart as PNG, rasterised with the system's fonts.
pub fn chart_png(chart: &Chart) -> Result<Vec<u8>> {
    let set = fonts()?;
    let opt = usvg::Options {
        fontdb: set.db.clone(),
        font_family: set.cjk.first().cloned().unwrap_or_default(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_data(chart.svg().as_bytes(), &opt)
        .map_err(|e| ReportError::Chart(e.to_string()))?;
    let (w, h) = (
        (WIDTH as f32 * SCALE) as u32,
        (HEIGHT as f32 * SCALE) as u32,
    );
    let mut pixmap =
        tiny_skia::Pixmap::new(w, h).ok_or_else(|| ReportError::Chart("no pixmap".into()))?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(SCALE, SCALE),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| ReportError::Chart(e.to_string()))
}

fn text_run(t: &str) -> Run {
    Run::new().add_text(t)
}

fn cell(t: &str, right: bool, bold: bool) -> TableCell {
    let mut run = text_run(t).size(18);
    if bold {
        run = run.bold();
    }
    let p = Paragraph::new().add_run(run).align(if right {
        AlignmentType::Right
    } else {
        AlignmentType::Left
    });
    TableCell::new().add_paragraph(p)
}

/// Writes `doc` as a .docx file.
pub fn docx(doc: &Document) -> Result<Vec<u8>> {
    let (east_asia, latin) = ("宋体", "Times New Roman");
    let heading_font = RunFonts::new()
        .east_asia("黑体")
        .ascii("Arial")
        .hi_ansi("Arial");
    let (y, m, d) = doc.date;
    let mut out = Docx::new()
        .default_fonts(
            RunFonts::new()
                .east_asia(east_asia)
                .ascii(latin)
                .hi_ansi(latin),
        )
        .default_size(21)
        .created_at(&format!("{y:04}-{m:02}-{d:02}T00:00:00Z"))
        .add_style(
            Style::new("Heading1", StyleType::Paragraph)
                .name("Heading 1")
                .size(30)
                .bold()
                .fonts(heading_font.clone())
                .outline_lvl(0),
        )
        .add_style(
            Style::new("Heading2", StyleType::Paragraph)
                .name("Heading 2")
                .size(26)
                .bold()
                .fonts(heading_font)
                .outline_lvl(1),
        )
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .add_page_num(PageNum::new())
                    .align(AlignmentType::Center),
            ),
        );
    if let Some(note) = &doc.header_note {
        out = out.header(
            Header::new().add_paragraph(
                Paragraph::new()
                    .add_run(text_run(note).size(16).color("B03A2E"))
                    .align(AlignmentType::Right),
            ),
        );
    }
    out = out
        .add_paragraph(
            Paragraph::new()
                .add_run(text_run(&doc.title).size(40).bold())
                .align(AlignmentType::Center),
        )
        .add_paragraph(
            Paragraph::new()
                .add_run(text_run(&doc.subtitle).size(22))
                .align(AlignmentType::Center),
        );
    for b in &doc.blocks {
        out = match b {
            Block::Heading(level, t) => out.add_paragraph(
                Paragraph::new()
                    .style(if *level <= 1 { "Heading1" } else { "Heading2" })
                    .add_run(text_run(t)),
            ),
            Block::Paragraph(t) => {
                let p = Paragraph::new().add_run(text_run(t));
                // Chinese body text opens each paragraph two characters in.
                let p = match doc.lang {
                    Lang::Zh => p.indent(
                        None,
                        Some(docx_rs::SpecialIndentType::FirstLine(420)),
                        None,
                        None,
                    ),
                    Lang::En => p,
                };
                out.add_paragraph(p)
            }
            Block::Note(t) => {
                out.add_paragraph(Paragraph::new().add_run(text_run(t).size(16).color("555555")))
            }
            Block::PageBreak => out.add_paragraph(Paragraph::new().page_break_before(true)),
            Block::Chart(c) => {
                let png = chart_png(c)?;
                let (w, h) = (
                    (WIDTH as f32 * SCALE) as u32,
                    (HEIGHT as f32 * SCALE) as u32,
                );
                let pic =
                    Pic::new_with_dimensions(png, w, h).size(CHART_EMU, CHART_EMU * HEIGHT / WIDTH);
                out.add_paragraph(
                    Paragraph::new()
                        .add_run(Run::new().add_image(pic))
                        .align(AlignmentType::Center),
                )
            }
            Block::Table(t) => {
                let right = |i: usize| t.numeric.get(i).copied().unwrap_or(false);
                let mut rows = vec![TableRow::new(
                    t.header
                        .iter()
                        .enumerate()
                        .map(|(i, h)| cell(h, right(i), true))
                        .collect(),
                )];
                for r in &t.rows {
                    rows.push(TableRow::new(
                        (0..t.header.len())
                            .map(|i| {
                                cell(r.get(i).map(String::as_str).unwrap_or(""), right(i), false)
                            })
                            .collect(),
                    ));
                }
                out.add_table(DocxTable::new(rows))
            }
        };
    }
    let mut buf = Cursor::new(Vec::new());
    out.build()
        .pack(&mut buf)
        .map_err(|e| ReportError::Docx(e.to_string()))?;
    Ok(buf.into_inner())
}
