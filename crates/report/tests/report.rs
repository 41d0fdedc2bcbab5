//! A sample report written both ways and read back: the DOCX with a DOCX reader, the PDF
//! with poppler's text extractor and rasteriser (in the browser-test environment).

use std::process::Command;

use kaifang_report::{Block, Chart, ChartKind, Document, Lang, Series, Table};

fn sample() -> Document {
    Document {
        title: "吉林省对外开放月度通报".into(),
        subtitle: "2025年12月 · 吉林省人民政府办公厅".into(),
        date: (2026, 1, 15),
        lang: Lang::Zh,
        header_note: Some("含合成演示数据，非官方统计".into()),
        blocks: vec![
            Block::Heading(1, "一、总体情况".into()),
            Block::Paragraph(
                "2025年1–12月，全省货物贸易进出口总值1730.0亿元，同比增长2.1%。".into(),
            ),
            Block::Heading(1, "二、对外贸易".into()),
            Block::Chart(Chart {
                title: "月度进出口（亿元）".into(),
                kind: ChartKind::Line,
                categories: (1..=12).map(|m| format!("{m}月")).collect(),
                series: vec![Series {
                    name: "2025".into(),
                    values: (1..=12).map(|m| Some(130.0 + m as f64)).collect(),
                }],
                unit: "亿元".into(),
            }),
            Block::Table(Table {
                header: vec![
                    "贸易伙伴".into(),
                    "进出口（亿元）".into(),
                    "同比（%）".into(),
                ],
                rows: vec![
                    vec!["德国".into(), "302.1".into(), "1.0".into()],
                    vec!["俄罗斯联邦".into(), "206.0".into(), "6.2".into()],
                ],
                numeric: vec![false, true, true],
            }),
            Block::Note("来源：海关统计（合成演示数据）；#set \"不是标记\" \\".into()),
            Block::PageBreak,
            Block::Heading(1, "三、督办任务".into()),
            Block::Paragraph("督办任务共16项，逾期1项。".into()),
        ],
    }
}

fn required() -> bool {
    std::env::var_os("KAIFANG_REQUIRE_BROWSER").is_some()
}

#[test]
fn the_docx_reads_back_with_its_headings_table_and_figures() {
    let bytes = kaifang_report::docx::docx(&sample()).expect("docx");
    let doc = docx_rs::read_docx(&bytes).expect("a DOCX reader opens it");
    let json = doc.json();
    for expected in [
        "一、总体情况",
        "三、督办任务",
        "1730.0亿元",
        "俄罗斯联邦",
        "Heading1",
    ] {
        assert!(json.contains(expected), "{expected} missing from the DOCX");
    }
    // The chart is a picture inside the package.
    assert!(
        bytes
            .windows(b"word/media/".len())
            .any(|w| w == b"word/media/"),
        "no picture in the DOCX"
    );
}

#[test]
fn the_pdf_has_its_pages_text_and_a_first_page_that_is_not_blank() {
    let pdf = kaifang_report::pdf::pdf(&sample()).expect("pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    assert_eq!(pdf.pages, 2, "the page break makes two pages");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("r.pdf");
    std::fs::write(&file, &pdf.bytes).unwrap();
    let text = match Command::new("pdftotext").arg(&file).arg("-").output() {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).into_owned(),
        _ if required() => panic!("pdftotext (poppler-utils) is needed to check the PDF"),
        _ => {
            eprintln!("pdftotext not installed: the PDF's text is not checked");
            return;
        }
    };
    for expected in [
        "吉林省对外开放月度通报",
        "1730.0",
        "俄罗斯联邦",
        "不是标记",
        "含合成演示数据",
    ] {
        assert!(
            text.contains(expected),
            "{expected} missing from the PDF text:\n{text}"
        );
    }
    let png = dir.path().join("p");
    let ok = Command::new("pdftoppm")
        .args(["-png", "-r", "40", "-f", "1", "-l", "1"])
        .arg(&file)
        .arg(&png)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "pdftoppm renders the first page");
    let first = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with("p"))
        .expect("a PNG of page 1");
    let size = std::fs::metadata(first.path()).unwrap().len();
    // A blank A4 page at 40 dpi compresses to a few hundred bytes; text and a chart do not.
    assert!(size > 5_000, "the first page looks blank ({size} bytes)");
}

#[test]
fn a_chart_rasterises_with_chinese_text() {
    let Block::Chart(chart) = &sample().blocks[3] else {
        unreachable!()
    };
    let png = kaifang_report::docx::chart_png(chart).expect("png");
    assert!(png.starts_with(b"\x89PNG"));
}
