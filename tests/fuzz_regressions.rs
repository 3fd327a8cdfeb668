//! What the fuzzers (`fuzz/`, cargo-fuzz and libFuzzer) found, kept fixed on stable.
//!
//! The fuzz targets' harnesses (`fuzz/src/*.rs`) are compiled here as they are there,
//! and every input a fuzzer crashed, hung or ran out of memory on
//! (`fuzz/regressions/<target>/`) is fed to the harness that found it, with the seed
//! corpora (`fuzz/seeds/<target>/`), which the harnesses' checks must also pass. Each
//! finding then has a test of its own that says what the fixed code answers.

#[path = "../fuzz/src/checker.rs"]
mod checker;
#[path = "../fuzz/src/scratch.rs"]
mod scratch;
#[path = "../fuzz/src/template.rs"]
mod template;
#[path = "../fuzz/src/text_reader.rs"]
mod text_reader;
#[path = "../fuzz/src/values.rs"]
mod values;
#[path = "../fuzz/src/workbook.rs"]
mod workbook;

use std::path::Path;

use chrono::NaiveDate;
use kiva_drafts::dates::DateFormat;
use kiva_drafts::read::{self, HeaderSpec, InputRef, ReadOptions};

/// Feeds every committed seed and finding of a target to its harness.
fn replay(target: &str, harness: fn(&[u8])) {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut seen = 0;
    for dir in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz.join(dir).join(target)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        paths.sort();
        for path in paths {
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| harness(&data));
            assert!(outcome.is_ok(), "{target}: {} fails", path.display());
            seen += 1;
        }
    }
    assert!(seen > 0, "no inputs for {target}");
}

#[test]
fn text_reader_inputs_replay() {
    replay("text_reader", text_reader::run);
}

#[test]
fn template_inputs_replay() {
    replay("template", template::run);
}

#[test]
fn values_inputs_replay() {
    replay("values", values::run);
}

#[test]
fn checker_inputs_replay() {
    replay("checker", checker::run);
}

#[test]
fn workbook_inputs_replay() {
    replay("workbook", workbook::run);
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// values: a time after a date written with spaces cut the date at its first space
/// (`15 janvier 2026 00:00:00` read as `15`), so the date was refused.
#[test]
fn a_time_after_a_date_with_spaces_is_ignored() {
    let format = DateFormat::parse("dd mmmm yyyy").unwrap();
    assert_eq!(
        format.parse_date("15 janvier 2026 00:00:00"),
        Ok(ymd(2026, 1, 15))
    );
    assert_eq!(format.parse_date("15 janvier 2026"), Ok(ymd(2026, 1, 15)));
    let format = DateFormat::parse("dd/mm/yyyy").unwrap();
    assert_eq!(
        format.parse_date("15/01/2026T10:30:00Z"),
        Ok(ymd(2026, 1, 15))
    );
    assert_eq!(format.parse_date("15/01/2026 10:30"), Ok(ymd(2026, 1, 15)));
}

/// `text_reader`: a header of two rows in a file of one line indexed past the rows (a
/// panic); now an error that says so.
#[test]
fn a_two_row_header_in_a_one_line_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.csv");
    std::fs::write(&path, "Loan No;Amount\n").unwrap();
    let input = InputRef {
        path: path.clone(),
        sheet: None,
    };
    let spec = HeaderSpec {
        header_rows: 2,
        ..HeaderSpec::default()
    };
    let expected = format!(
        "{}: the header takes 2 rows but the file has only 1",
        path.display()
    );
    for read in [read::read_table, read::read_table_streamed] {
        let error = read(&input, &ReadOptions::default(), &spec).unwrap_err();
        assert_eq!(error.to_string(), expected);
    }
    let given = HeaderSpec {
        header_row: Some(1),
        ..spec
    };
    let error = read::read_table(&input, &ReadOptions::default(), &given).unwrap_err();
    assert_eq!(error.to_string(), expected);
}

/// checker: amounts near `Decimal`'s limit (7.9e28) overflowed their sum (a panic in
/// `rust_decimal`), the borrowers' total and the schedule's principal and interest
/// alike; a total out of range is now unknown, as when an amount is unreadable.
#[test]
fn amounts_past_the_decimal_range_are_checked_without_overflow() {
    let draft = serde_json::json!({
        "currency": "USD",
        "disburse_time": "2026-01-15",
        "entreps": [
            {"first_name": "Ana", "amount": 5e28, "loan_id": "L1"},
            {"first_name": "Bo", "amount": 5e28, "loan_id": "L2"}
        ],
        "schedule": [
            {"date": "2026-02-15", "principal": 5e28, "interest": 5e28},
            {"date": "2026-03-15", "principal": 5e28, "interest": 5e28}
        ]
    });
    let options = kiva_drafts::validate::Options {
        today: ymd(2026, 6, 1),
        ..kiva_drafts::validate::Options::default()
    };
    let found = kiva_drafts::validate::check_value(&draft, &options);
    let rules: Vec<&str> = found.iter().map(|d| d.rule).collect();
    assert!(rules.contains(&"group-without-name"), "{rules:?}");
    assert!(!rules.contains(&"schedule-principal-mismatch"), "{rules:?}");
    assert!(!rules.contains(&"interest-zero"), "{rules:?}");
    let typed: kiva_drafts::draft::LoanDraft = serde_json::from_value(draft).unwrap();
    assert_eq!(kiva_drafts::validate::check_draft(&typed, &options), found);
}

/// workbook: an xls (OLE compound file) whose directory's chain of sectors loops was
/// handed to calamine, which followed the loop until memory ran out (2 GB in the
/// fuzzer), also when the header's count of FAT sectors (0) hid the FAT from the check;
/// it is now refused when its directory is read, before calamine opens it.
#[test]
fn an_xls_whose_directory_loops_is_refused() {
    for name in [
        "xls-directory-chain-loops",
        "xls-fat-count-zero-directory-loops",
    ] {
        let input = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/regressions/workbook")
            .join(name);
        let bytes = std::fs::read(input).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("loops.xls");
        // The harness's option byte first, then the file.
        std::fs::write(&path, &bytes[1..]).unwrap();
        let error = read::workbook::sheet_names(&path).unwrap_err().to_string();
        assert!(error.contains("sectors loops"), "{name}: {error}");
        let input = InputRef { path, sheet: None };
        let error = read::read_table(&input, &ReadOptions::default(), &HeaderSpec::default())
            .unwrap_err()
            .to_string();
        assert!(error.contains("sectors loops"), "{name}: {error}");
    }
}

/// workbook: an xls whose directory starts past the end of the file (a FAT sector cut
/// short): the check left it to calamine, which read the cut sector leniently and
/// followed the directory around a loop until memory ran out (2 GB in the fuzzer, on
/// this session's rerun). A directory that cannot be followed is now refused.
#[test]
fn an_xls_whose_directory_cannot_be_followed_is_refused() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions/workbook/xls-directory-past-the-end-loops-in-calamine");
    let bytes = std::fs::read(input).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.xls");
    std::fs::write(&path, &bytes[1..]).unwrap();
    let error = read::workbook::sheet_names(&path).unwrap_err().to_string();
    assert_eq!(
        error,
        format!(
            "{}: the file is damaged or cut short (its directory cannot be read): copy, download or export it again",
            path.display()
        )
    );
}

/// workbook: a damaged xls whose NUMBER record holds NaN gave a number cell that is
/// not equal to itself, so the same sheet read twice was not the same. Excel cannot
/// store NaN and shows `#NUM!`: that error cell is what it reads as now.
#[test]
fn a_nan_number_reads_as_the_error_cell_excel_shows() {
    let input =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/workbook/xls-nan-number-cell");
    let bytes = std::fs::read(input).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nan.xls");
    std::fs::write(&path, &bytes[1..]).unwrap();
    let (_, grid) = read::workbook::read(&path, None).unwrap();
    let row = grid.rows.iter().find(|r| r.line == 93).unwrap();
    assert_eq!(row.cells[15], read::Cell::Error("#NUM!".to_string()));
    assert!(grid.rows.iter().flat_map(|r| &r.cells).all(|c| c == c));
}

/// `text_reader`: after a UTF-8 byte order mark (where bad bytes are replaced, not
/// refused), bad bytes on both sides of a delimiter make a valid character of the
/// record's bytes: a field cut inside it panicked when streamed. Each such field is now
/// repaired on its own, as the whole file read at once repairs it.
#[test]
fn bad_bytes_around_a_delimiter_after_a_byte_order_mark() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.csv");
    std::fs::write(&path, b"\xef\xbb\xbfName;Town\nLu\xc3;\xada\n").unwrap();
    let input = InputRef { path, sheet: None };
    let spec = HeaderSpec {
        header_rows: 1,
        ..HeaderSpec::default()
    };
    for read in [read::read_table, read::read_table_streamed] {
        let table = read(&input, &ReadOptions::default(), &spec).unwrap();
        let mut rows = table.data_rows().unwrap();
        let row = rows.next_row().unwrap().unwrap();
        assert_eq!(
            row.cells,
            [
                read::Cell::Text("Lu\u{fffd}".into()),
                read::Cell::Text("\u{fffd}a".into())
            ]
        );
    }
}

/// workbook: damaged xls files on which calamine panics (an index out of bounds in its
/// compound-file reader, an assertion in its record reader): each is an error naming
/// the file, not a crash.
#[test]
fn xls_files_calamine_panics_on_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "xls-calamine-panic-cfb-320-caught",
        "xls-calamine-panic-cfb-344-caught",
        "xls-calamine-panic-utils-29-caught",
        "xls-calamine-panic-xls-987-caught",
    ] {
        let input = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/regressions/workbook")
            .join(name);
        let bytes = std::fs::read(input).unwrap();
        let path = dir.path().join(format!("{name}.xls"));
        std::fs::write(&path, &bytes[1..]).unwrap();
        let input = InputRef {
            path: path.clone(),
            sheet: None,
        };
        let error = read::read_table(&input, &ReadOptions::default(), &HeaderSpec::default())
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(&path.display().to_string()),
            "{name}: {error}"
        );
    }
}
