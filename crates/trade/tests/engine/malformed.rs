//! Malformed input: each file gives its own clear error, naming file, row and column, and
//! leaves the store byte for byte as it was.

use crate::common::*;
use kaifang_trade::*;
use std::path::PathBuf;

struct Case {
    dir: tempfile::TempDir,
    store: TradeStore,
    before: Vec<(String, Vec<u8>)>,
}

fn setup() -> Case {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "fixture.csv", fixture_csv());
    let mut store = TradeStore::open(dir.path()).unwrap();
    store
        .import_files(&[f], &ImportOptions::default(), &mut no_progress())
        .unwrap();
    let before = snapshot(&dir.path().join("trade"));
    Case { dir, store, before }
}

impl Case {
    fn file(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        write(self.dir.path(), name, bytes)
    }

    /// Imports, expects an error containing every one of `needles`, and checks the store.
    fn fails(&mut self, files: &[PathBuf], options: &ImportOptions, needles: &[&str]) -> String {
        let e = self
            .store
            .import_files(files, options, &mut no_progress())
            .expect_err("import should fail")
            .to_string();
        for n in needles {
            assert!(e.contains(n), "error {e:?} lacks {n:?}");
        }
        assert!(
            self.before == snapshot(&self.dir.path().join("trade")),
            "store changed after: {e}"
        );
        e
    }
}

fn line(fields: &str) -> String {
    format!("{HEADER}\n{fields}\n")
}

fn good_row() -> String {
    format!(
        "2024-01,export,87032300,344,0110,220104,{},示例汽车甲,foreign,10,辆,1000",
        a()
    )
}

#[test]
fn wrong_encoding() {
    let mut c = setup();
    let mut utf16 = vec![0xFF, 0xFE];
    for u in line(&good_row()).encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    let f = c.file("utf16.csv", utf16);
    c.fails(&[f], &ImportOptions::default(), &["utf16.csv", "UTF-16"]);
    // 0xFF is a byte neither UTF-8 nor GB18030 has.
    let mut bytes = line(&good_row()).into_bytes();
    bytes.extend([0xFF, 0xFF, b'\n']);
    let f = c.file("binary.csv", bytes);
    c.fails(
        &[f],
        &ImportOptions::default(),
        &["binary.csv", "neither UTF-8 nor GBK", "line 3"],
    );
}

#[test]
fn missing_and_unknown_columns() {
    let mut c = setup();
    let f = c.file("nop.csv", "flow,commodity,value_cny\nexport,87032300,5\n");
    c.fails(
        &[f],
        &ImportOptions::default(),
        &["nop.csv", "missing column: 数据年月"],
    );
    let f = c.file(
        "noflow.csv",
        "period,commodity,value_cny\n2024-01,87032300,5\n",
    );
    c.fails(&[f], &ImportOptions::default(), &["--flow"]);
    let f = c.file(
        "extra.csv",
        "period,flow,colour,value_cny\n2024-01,export,red,5\n",
    );
    c.fails(
        &[f],
        &ImportOptions::default(),
        &["extra.csv", "row 1", "column colour", "unknown column"],
    );
}

#[test]
fn bad_codes_and_check_digits() {
    let mut c = setup();
    let row = good_row().replace(",344,", ",3X4,");
    let f = c.file("partner.csv", line(&row));
    c.fails(
        &[f],
        &ImportOptions::default(),
        &[
            "partner.csv, row 2, column partner",
            "3-digit customs country code",
        ],
    );
    let row = good_row().replace("87032300", "77010000");
    let f = c.file("hs.csv", line(&row));
    c.fails(
        &[f],
        &ImportOptions::default(),
        &["column commodity", "chapter 77"],
    );
    let row = good_row().replace(",0110,", ",01A0,");
    let f = c.file("mode.csv", line(&row));
    c.fails(&[f], &ImportOptions::default(), &["column trade_mode"]);
    let row = good_row().replace(",220104,", ",990104,");
    let f = c.file("region.csv", line(&row));
    c.fails(
        &[f],
        &ImportOptions::default(),
        &["column region", "no province 99"],
    );
    let row = good_row().replace("2024-01", "2024-13");
    let f = c.file("period.csv", line(&row));
    c.fails(&[f], &ImportOptions::default(), &["column period"]);
    // The last character of a valid code, changed.
    let good = a();
    let last = good.chars().last().unwrap();
    let bad = format!("{}{}", &good[..17], if last == '0' { '1' } else { '0' });
    let row = good_row().replace(&good, &bad);
    let f = c.file("uscc.csv", line(&row));
    c.fails(
        &[f],
        &ImportOptions::default(),
        &["uscc.csv, row 2, column uscc", "fails its check digit"],
    );
}

#[test]
fn negative_and_non_numeric_values() {
    let mut c = setup();
    let row = good_row().replace(",1000", ",-1000");
    let f = c.file(
        "neg.csv",
        line(&format!(
            "{}\n{row}",
            good_row().replace("2024-01", "2024-02")
        )),
    );
    c.fails(
        &[f],
        &ImportOptions::default(),
        &["neg.csv, row 3, column value_cny", "negative"],
    );
    let row = good_row().replace(",10,", ",1O,");
    let f = c.file("nan.csv", line(&row));
    c.fails(
        &[f],
        &ImportOptions::default(),
        &["row 2, column qty1", "not a number"],
    );
}

#[test]
fn duplicated_rows() {
    let mut c = setup();
    let f = c.file("dup.csv", line(&format!("{}\n{}", good_row(), good_row())));
    c.fails(
        &[f],
        &ImportOptions::default(),
        &["dup.csv, row 3", "duplicated row", "row 2"],
    );
}

#[test]
fn truncated_lines_and_xlsx() {
    let mut c = setup();
    let f = c.file("short.csv", line("2024-01,export,87032300"));
    c.fails(
        &[f],
        &ImportOptions::default(),
        &["short.csv, row 2", "truncated"],
    );
    // A valid workbook, cut in half.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (i, h) in ["数据年月", "进出口", "人民币"].iter().enumerate() {
        ws.write_string(0, i as u16, *h).unwrap();
    }
    for r in 1..200u32 {
        ws.write_string(r, 0, "202401").unwrap();
        ws.write_string(r, 1, "出口").unwrap();
        ws.write_number(r, 2, r as f64).unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    let f = c.file("cut.xlsx", &bytes[..bytes.len() / 2]);
    c.fails(
        &[f],
        &ImportOptions::default(),
        &["cut.xlsx", "not a readable spreadsheet"],
    );
}

#[test]
fn a_workbook_reaching_the_far_corner_is_refused_before_it_is_read() {
    let mut c = setup();
    // 7 KB that a reader would turn into a grid of 17 billion cells.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "数据年月").unwrap();
    ws.write_number(1_048_575, 16_383, 1.0).unwrap();
    let f = c.file("bomb.xlsx", wb.save_to_buffer().unwrap());
    c.fails(
        &[f],
        &ImportOptions::default(),
        &["bomb.xlsx", "XFD1048576", "12000000"],
    );
    // Formats whose grid cannot be measured first are refused with the way out.
    let old = c.file("old.xls", b"\xd0\xcf\x11\xe0");
    c.fails(
        &[old],
        &ImportOptions::default(),
        &["old.xls", ".xlsx or .csv"],
    );
}

#[test]
fn one_bad_file_stops_all_files() {
    let mut c = setup();
    let good = c.file("good.csv", line(&good_row()));
    let bad = c.file("bad.csv", line(&good_row().replace(",1000", ",x")));
    c.fails(&[good, bad], &ImportOptions::default(), &["bad.csv, row 2"]);
}

#[tokio::test]
async fn an_import_killed_half_way_leaves_the_store_as_before() {
    let mut c = setup();
    let before_summary = summary(&c.store, 2023, 2).await.unwrap();
    // Two periods, so that the failure comes after one Parquet file is written.
    let rows = format!(
        "{}\n{}",
        good_row().replace("2024-01", "2023-02"),
        good_row().replace("2024-01", "2023-03")
    );
    let f = c.file("two.csv", line(&rows));
    let options = ImportOptions {
        fail_after_files: Some(1),
        ..ImportOptions::default()
    };
    let e = c
        .store
        .import_files(std::slice::from_ref(&f), &options, &mut no_progress())
        .unwrap_err();
    assert!(e.to_string().contains("simulated failure"), "{e}");
    // What readers see is unchanged: the manifest, and the figures, in this process and after
    // a restart.
    let manifest = std::fs::read(c.dir.path().join("trade/manifest.json")).unwrap();
    let before_manifest = &c.before.iter().find(|f| f.0 == "manifest.json").unwrap().1;
    assert_eq!(&manifest, before_manifest);
    assert_eq!(summary(&c.store, 2023, 2).await.unwrap(), before_summary);
    let reopened = TradeStore::open(c.dir.path()).unwrap();
    assert_eq!(summary(&reopened, 2023, 2).await.unwrap(), before_summary);
    // The next write removes what the interrupted one left behind.
    let mut store = reopened;
    store
        .import_files(&[f], &ImportOptions::default(), &mut no_progress())
        .unwrap();
    let listed: std::collections::HashSet<String> = store
        .manifest()
        .partitions
        .iter()
        .map(|p| p.file.clone())
        .chain(
            store
                .manifest()
                .partitions
                .iter()
                .filter_map(|p| p.enterprise_slices.clone()),
        )
        .chain(store.manifest().aggregates.values().cloned())
        .chain(store.manifest().reference.clone())
        .collect();
    for (path, _) in snapshot(&c.dir.path().join("trade")) {
        assert!(
            path == "manifest.json" || listed.contains(&path),
            "left over: {path}"
        );
    }
}

#[test]
fn cancelling_leaves_the_store_as_before() {
    let mut c = setup();
    let f = c.file("ok.csv", line(&good_row()));
    let e = c
        .store
        .import_files(&[f], &ImportOptions::default(), &mut |p| p < 0.85)
        .unwrap_err();
    assert!(matches!(e, TradeError::Cancelled), "{e}");
    assert!(c.before == snapshot(&c.dir.path().join("trade")));
}
