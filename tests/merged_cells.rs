//! A group loan book kept by hand in a spreadsheet: each group's name, loan number,
//! currency and disbursal date merged down over its members' rows, a title merged
//! across the top and a totals row. The file holds each merged value in its first row
//! only; the members below must still belong to their group, through the real binary,
//! whether the book is an xlsx, an xls or an ods.

mod common;

use std::io::Write as _;
use std::path::Path;

use common::xls::{biff, label, number, workbook_stream, xls_file};
use common::{arg, drafts, kiva, summary};
use rust_xlsxwriter::{Format, Workbook};

const GROUPS: u32 = 40;
const MEMBERS: u32 = 3;
const INDIVIDUALS: u32 = 5;
const HEADER: [&str; 8] = [
    "Group",
    "Loan No",
    "Currency",
    "Disbursed",
    "First name",
    "Last name",
    "Sex",
    "Amount",
];

const TEMPLATE: &str = r#"
shape = "per-borrower"

[keys]
loan = "Loan No"
group = "Loan No"

[loan]
group_name = "Group"
currency = "Currency"
disburse_time = { column = "Disbursed", format = "dd/mm/yyyy" }

[borrower]
first_name = "First name"
last_name = "Last name"
gender = { column = "Sex", map = { F = "female", M = "male" } }
amount = "Amount"
"#;

#[derive(Clone)]
enum Value {
    Text(String),
    Number(f64),
}

/// The book as cells (row, column from 0) and merges (top, left, bottom, right): title
/// on row 1, header on row 2, then GROUPS groups of MEMBERS rows whose first four
/// columns are merged, INDIVIDUALS one-row loans among them, and a totals row. Far more
/// rows than the first ones a streamed sheet is read from.
struct Book {
    cells: Vec<(u32, u16, Value)>,
    merges: Vec<(u32, u16, u32, u16)>,
    total: u32,
}

fn book() -> Book {
    let text = |s: &str| Value::Text(s.to_string());
    let mut cells = vec![(0, 0, text("Tujenge MFI - group loans 2026"))];
    let mut merges = vec![(0, 0, 0, 7)];
    for (c, h) in (0u16..).zip(HEADER) {
        cells.push((1, c, text(h)));
    }
    let mut row = 2u32;
    let mut total = 0u32;
    for g in 0..GROUPS {
        if g % 8 == 3 && g / 8 < INDIVIDUALS {
            // An individual loan between two groups: nothing merged.
            for (c, v) in [
                text(&format!("IND-{g}")),
                text("KES"),
                text("02/03/2026"),
                text("Solo"),
                text(&format!("Borrower{g}")),
                text("F"),
                Value::Number(5000.0),
            ]
            .into_iter()
            .enumerate()
            {
                cells.push((row, u16::try_from(c).unwrap() + 1, v));
            }
            total += 5000;
            row += 1;
        }
        let last = row + MEMBERS - 1;
        for (c, v) in [
            format!("Umoja {g}"),
            format!("GRP-{g:03}"),
            "KES".to_string(),
            "15/02/2026".to_string(),
        ]
        .into_iter()
        .enumerate()
        {
            let c = u16::try_from(c).unwrap();
            cells.push((row, c, Value::Text(v)));
            merges.push((row, c, last, c));
        }
        for m in 0..MEMBERS {
            let amount = 1000 * (m + 1);
            cells.push((row + m, 4, text(&format!("Member{m}"))));
            cells.push((row + m, 5, text(&format!("Of{g}"))));
            cells.push((row + m, 6, text("F")));
            cells.push((row + m, 7, Value::Number(f64::from(amount))));
            total += amount;
        }
        row = last + 1;
    }
    cells.push((row, 0, text("Total")));
    merges.push((row, 0, row, 6));
    cells.push((row, 7, Value::Number(f64::from(total))));
    Book {
        cells,
        merges,
        total,
    }
}

fn write_xlsx(book: &Book, path: &Path) {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("Loan book").unwrap();
    let format = Format::new();
    for &(top, left, bottom, right) in &book.merges {
        let value = book
            .cells
            .iter()
            .find(|(r, c, _)| (*r, *c) == (top, left))
            .map(|(_, _, v)| v.clone());
        let Some(Value::Text(text)) = value else {
            panic!("merges start on text")
        };
        sheet
            .merge_range(top, left, bottom, right, &text, &format)
            .unwrap();
    }
    for (r, c, v) in &book.cells {
        if book.merges.iter().any(|m| (m.0, m.1) == (*r, *c)) {
            continue;
        }
        match v {
            Value::Text(t) => sheet.write_string(*r, *c, t).unwrap(),
            Value::Number(n) => sheet.write_number(*r, *c, *n).unwrap(),
        };
    }
    workbook.save(path).unwrap();
}

fn write_xls(book: &Book, path: &Path) {
    let row16 = |r: u32| u16::try_from(r).unwrap();
    let mut records: Vec<Vec<u8>> = book
        .cells
        .iter()
        .map(|(r, c, v)| match v {
            Value::Text(t) => label(row16(*r), *c, t),
            Value::Number(n) => number(row16(*r), *c, *n),
        })
        .collect();
    // MERGEDCELLS: a count, then first row, last row, first column, last column.
    let mut body = u16::try_from(book.merges.len())
        .unwrap()
        .to_le_bytes()
        .to_vec();
    for &(top, left, bottom, right) in &book.merges {
        for v in [row16(top), row16(bottom), left, right] {
            body.extend(v.to_le_bytes());
        }
    }
    records.push(biff(0x00E5, &body));
    let rows = book.cells.iter().map(|c| c.0).max().unwrap() + 1;
    xls_file(
        path,
        workbook_stream("Loan book", [0, rows, 0, 8], &records),
    );
}

/// An ods as `LibreOffice` writes one, in its least: the merged cell spans its rows and
/// columns, the cells it covers are `covered-table-cell`s.
fn write_ods(book: &Book, path: &Path) {
    let rows = book.cells.iter().map(|c| c.0).max().unwrap() + 1;
    let mut table = String::new();
    for r in 0..rows {
        table.push_str("<table:table-row>");
        for c in 0u16..8 {
            let covered = book.merges.iter().any(|&(t, l, b, rt)| {
                (t..=b).contains(&r) && (l..=rt).contains(&c) && (t, l) != (r, c)
            });
            if covered {
                table.push_str("<table:covered-table-cell/>");
                continue;
            }
            let span = book
                .merges
                .iter()
                .find(|m| (m.0, m.1) == (r, c))
                .map(|&(t, l, b, rt)| {
                    format!(
                        r#" table:number-rows-spanned="{}" table:number-columns-spanned="{}""#,
                        b - t + 1,
                        rt - l + 1
                    )
                })
                .unwrap_or_default();
            match book.cells.iter().find(|(cr, cc, _)| (*cr, *cc) == (r, c)) {
                Some((_, _, Value::Text(t))) => table.push_str(&format!(
                    r#"<table:table-cell office:value-type="string"{span}><text:p>{t}</text:p></table:table-cell>"#
                )),
                Some((_, _, Value::Number(n))) => table.push_str(&format!(
                    r#"<table:table-cell office:value-type="float" office:value="{n}"{span}><text:p>{n}</text:p></table:table-cell>"#
                )),
                None => table.push_str("<table:table-cell/>"),
            }
        }
        table.push_str("</table:table-row>");
    }
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:spreadsheet><table:table table:name="Loan book"><table:table-column table:number-columns-repeated="8"/>{table}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, data) in [
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        ("content.xml", content.as_str()),
        (
            "META-INF/manifest.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
        ),
    ] {
        zip.start_file(name, stored).unwrap();
        zip.write_all(data.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn members_of_merged_group_cells_belong_to_their_group_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let book = book();
    let template = dir.path().join("book.toml");
    std::fs::write(&template, TEMPLATE).unwrap();
    let data_rows = GROUPS * MEMBERS + INDIVIDUALS + 1;
    let merged_down = GROUPS * 4;
    let mut results = Vec::new();
    for (format, write) in [
        ("xlsx", write_xlsx as fn(&Book, &Path)),
        ("xls", write_xls),
        ("ods", write_ods),
    ] {
        let path = dir.path().join(format!("loan-book.{format}"));
        write(&book, &path);
        // xlsx: streamed, and loaded whole (as --annotate reads it); xls, ods: loaded.
        let mut runs = vec![("read", None)];
        if format == "xlsx" {
            runs.push(("loaded", Some("annotated.xlsx")));
        }
        for (how, annotate) in runs {
            let name = format!("{format}, {how}");
            let out = dir.path().join(format!("{format}-{how}"));
            let mut args = vec![
                "convert".to_string(),
                arg(&path),
                "-t".into(),
                arg(&template),
                "-o".into(),
                arg(&out),
            ];
            if let Some(file) = annotate {
                args.extend(["--annotate".to_string(), arg(&dir.path().join(file))]);
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let run = kiva(&args);
            assert_eq!(run.code, 0, "{name}: {}", run.stderr);
            assert!(
                run.stderr.contains(&format!(
                    "loan-book.{format}, sheet Loan book: header on row 2 (1 title row above it skipped), {data_rows} data rows ({merged_down} merged cells over several rows, read on each of them)",
                )),
                "{name}: {}",
                run.stderr
            );
            let found = drafts(&out);
            assert_eq!(
                u32::try_from(found.len()).unwrap(),
                GROUPS + INDIVIDUALS,
                "{name}"
            );
            let mut sum = 0u64;
            for (file, draft) in &found {
                let entreps = draft["entreps"].as_array().unwrap();
                if file.starts_with("GRP-") {
                    assert_eq!(
                        u32::try_from(entreps.len()).unwrap(),
                        MEMBERS,
                        "{name}: {file}"
                    );
                    let g: u32 = file[4..7].parse().unwrap();
                    assert_eq!(draft["group_name"], format!("Umoja {g}"), "{name}: {file}");
                    assert_eq!(draft["disburse_time"], "2026-02-15", "{name}: {file}");
                } else {
                    assert_eq!(entreps.len(), 1, "{name}: {file}");
                }
                sum += entreps
                    .iter()
                    .map(|e| e["amount"].as_u64().unwrap())
                    .sum::<u64>();
            }
            assert_eq!(sum, u64::from(book.total), "{name}");
            let s = summary(&out);
            assert_eq!(s["rows"]["read"], data_rows, "{name}");
            assert_eq!(s["rows"]["ignored"], 1, "{name}: the totals row");
            assert_eq!(s["inputs"][0]["merged_ranges"], merged_down, "{name}");
            results.push((name, found));
        }
    }
    for (name, found) in &results[1..] {
        assert_eq!(found, &results[0].1, "{name} and {} agree", results[0].0);
    }
}

#[test]
fn inspect_sees_the_groups_of_a_merged_loan_book() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loan-book.xlsx");
    write_xlsx(&book(), &path);
    let template = dir.path().join("starter.toml");
    let run = kiva(&["inspect", &arg(&path), "--write-template", &arg(&template)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read_to_string(&template).unwrap();
    assert!(written.contains("group = \"Loan No\""), "{written}");
    let out = dir.path().join("out");
    let run = kiva(&[
        "convert",
        &arg(&path),
        "-t",
        &arg(&template),
        "-o",
        &arg(&out),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        u32::try_from(drafts(&out).len()).unwrap(),
        GROUPS + INDIVIDUALS
    );
}
