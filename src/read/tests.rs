//! Tests of the shared reading types: cells, rows, tables, origins.

use super::*;

#[test]
fn blank_text_is_what_trim_leaves_empty() {
    for text in [
        "",
        " ",
        "\t",
        "\r\n",
        "\u{a0}",
        "\u{2003} ",
        "\u{3000}",
        "a",
        " a",
        "\u{a0}x",
        "é",
        "~",
        "\u{b}",
        "0 ",
    ] {
        assert_eq!(is_blank_text(text), text.trim().is_empty(), "{text:?}");
    }
}

#[test]
fn numbers_print_as_users_wrote_them() {
    assert_eq!(Cell::Number(100_000.0).display(), "100000");
    assert_eq!(Cell::Number(123.0).display(), "123");
    assert_eq!(Cell::Number(1e15).display(), "1000000000000000");
    assert_eq!(Cell::Number(2_000.499_999_999_999_8).display(), "2000.5");
    assert_eq!(Cell::Number(-0.25).display(), "-0.25");
    assert_eq!(Cell::Text(" 000245 ".into()).display(), "000245");
}

#[test]
fn input_refs_name_sheets() {
    let r = InputRef::parse("export.xlsx#Schedule");
    assert_eq!(
        (r.path.to_str(), r.sheet.as_deref()),
        (Some("export.xlsx"), Some("Schedule"))
    );
    assert_eq!(InputRef::parse("export.xlsx").sheet, None);
    assert_eq!(InputRef::parse("x.xlsx#").sheet, None);
}

fn temp_csv(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
    file
}

fn spec(columns: &[&str]) -> HeaderSpec {
    HeaderSpec {
        header_rows: 1,
        columns: columns.iter().map(|c| (*c).to_string()).collect(),
        ..HeaderSpec::default()
    }
}

type Rows = Vec<(usize, Vec<Cell>)>;

/// All data rows and the blank row total, as a caller sees them.
fn pass(table: &Table) -> (Rows, usize) {
    let mut rows = table.data_rows().unwrap();
    let mut seen = Vec::new();
    while let Some(row) = rows.next_row() {
        let row = row.unwrap();
        seen.push((row.line, row.cells.clone()));
    }
    assert!(rows.next_row().is_none());
    (seen, rows.blank_rows())
}

/// `read_table_streamed` gives what `read_table` gives; returns whether it streamed.
fn assert_streams_like_loaded(path: &Path, options: &ReadOptions, spec: &HeaderSpec) -> bool {
    let input = InputRef {
        path: path.to_path_buf(),
        sheet: None,
    };
    let streamed = read_table_streamed(&input, options, spec);
    let loaded = match read_table(&input, options, spec) {
        Ok(loaded) => loaded,
        Err(e) => {
            assert_eq!(streamed.map(|_| ()).unwrap_err().to_string(), e.to_string());
            return false;
        }
    };
    let streamed = streamed.unwrap();
    assert_eq!(streamed.source, loaded.source);
    assert_eq!(streamed.headers, loaded.headers);
    assert_eq!(streamed.shared_headers, loaded.shared_headers);
    assert_eq!(
        (streamed.header_row, streamed.header_rows),
        (loaded.header_row, loaded.header_rows)
    );
    assert_eq!(streamed.preamble, loaded.preamble);
    assert_eq!(
        (streamed.encoding, streamed.delimiter),
        (loaded.encoding, loaded.delimiter)
    );
    assert_eq!(streamed.header_detected, loaded.header_detected);
    assert!(loaded.stream.is_none());
    let all: Rows = loaded
        .rows
        .iter()
        .map(|r| (r.line, r.cells.clone()))
        .collect();
    assert_eq!(pass(&loaded), (all.clone(), loaded.blank_rows));
    // Two passes, each from the first data row.
    assert_eq!(pass(&streamed), (all.clone(), loaded.blank_rows));
    assert_eq!(pass(&streamed), (all, loaded.blank_rows));
    if streamed.stream.is_none() {
        assert_eq!(streamed.rows.len(), loaded.rows.len());
        assert_eq!(streamed.blank_rows, loaded.blank_rows);
    }
    streamed.stream.is_some()
}

/// Title lines, blank lines and blank records, CRLF, quoted fields over lines.
fn export(titles: usize, blanks_above: usize, rows: usize) -> String {
    let mut text = String::new();
    for i in 0..titles {
        text.push_str(&format!("Export note {i}\r\n"));
    }
    text.push_str(&"\r\n;;\r\n".repeat(blanks_above));
    text.push_str("Loan No;Client;Amount\r\n");
    for i in 0..rows {
        match i % 7 {
            0 => text.push_str("\r\n"),
            1 => text.push_str(" ; ;\r\n"),
            2 => text.push_str(&format!("{i};\"Ana\r\nMaría\";{i}00\r\n")),
            _ => text.push_str(&format!("{i};Bo;{i}0\r\n")),
        }
    }
    text.push_str("Total;;12345");
    text
}

#[test]
fn streamed_tables_match_loaded_ones() {
    let options = ReadOptions::default();
    let named = spec(&["loan no", "Amount"]);
    let file = temp_csv(&export(3, 1, 400));
    assert!(assert_streams_like_loaded(file.path(), &options, &named));
    // Header not named by the template: the first plain header wins.
    assert!(assert_streams_like_loaded(
        file.path(),
        &options,
        &spec(&[])
    ));
    // Two-level header.
    let two = HeaderSpec {
        header_rows: 2,
        ..named.clone()
    };
    assert!(assert_streams_like_loaded(file.path(), &options, &two));
    // As many title lines as the header search looks at, give or take.
    for titles in [44, 47, 48, 49, 50, 51, 80] {
        let file = temp_csv(&export(titles, 0, 300));
        assert!(assert_streams_like_loaded(file.path(), &options, &named));
        assert!(assert_streams_like_loaded(file.path(), &options, &two));
        assert!(assert_streams_like_loaded(
            file.path(),
            &options,
            &spec(&[])
        ));
    }
    // Hundreds of blank rows above the header.
    let file = temp_csv(&export(0, 300, 300));
    assert!(assert_streams_like_loaded(file.path(), &options, &named));
    // Small files are loaded.
    let file = temp_csv(&export(1, 1, 20));
    assert!(!assert_streams_like_loaded(file.path(), &options, &named));
}

#[test]
fn streamed_tables_take_given_header_rows_and_errors_alike() {
    let options = ReadOptions::default();
    let file = temp_csv(&export(2, 1, 700));
    for line in [1, 3, 4, 5, 6, 7, 300, 301, 302, 2000] {
        for header_rows in [1, 2] {
            let given = HeaderSpec {
                header_row: Some(line),
                header_rows,
                ..HeaderSpec::default()
            };
            assert_streams_like_loaded(file.path(), &options, &given);
        }
    }
    for text in ["", "\r\n\r\n", &";;\n".repeat(500), &"\n;\n".repeat(300)] {
        let file = temp_csv(text);
        assert!(!assert_streams_like_loaded(
            file.path(),
            &options,
            &spec(&[])
        ));
        let given = HeaderSpec {
            header_row: Some(2),
            header_rows: 1,
            ..HeaderSpec::default()
        };
        assert!(!assert_streams_like_loaded(file.path(), &options, &given));
    }
    let file = temp_csv(&format!("{}a;b\n1;2\n", ";;\n".repeat(500)));
    assert!(!assert_streams_like_loaded(
        file.path(),
        &options,
        &spec(&[])
    ));
}

#[test]
fn a_read_error_in_the_stream_ends_it() {
    let file = temp_csv(&export(0, 0, 400));
    let input = InputRef {
        path: file.path().to_path_buf(),
        sheet: None,
    };
    let table = read_table_streamed(&input, &ReadOptions::default(), &spec(&["Amount"])).unwrap();
    assert!(table.stream.is_some());
    // The file changes under the table: a byte that is not UTF-8 on line 300, in place
    // of another, and its modification time put back (a change that size and time do not
    // show, which the stream must still stop at).
    let modified = std::fs::metadata(file.path()).unwrap().modified().unwrap();
    let mut bytes = std::fs::read(file.path()).unwrap();
    let at = bytes.len() - 2000;
    let line = bytes[..at].split(|b| *b == b'\n').count();
    bytes[at] = 0xFF;
    std::fs::write(file.path(), bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(file.path())
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let mut rows = table.data_rows().unwrap();
    let error = loop {
        match rows.next_row() {
            Some(Ok(_)) => {}
            Some(Err(e)) => break e.to_string(),
            None => panic!("the changed file reads without error"),
        }
    };
    assert!(
        error.starts_with(&format!(
            "{}: line {line}: cannot parse",
            input.path.display()
        )),
        "{error}"
    );
    assert!(rows.next_row().is_none());
    drop(file);
    assert!(matches!(table.data_rows(), Err(ReadError::Io { .. })));
}

#[test]
fn xlsx_streams_like_loaded_with_offsets_gaps_and_typed_cells() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.xlsx");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Prêts").unwrap();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    // A title in B2, the header on row 4 from column C, data with gaps.
    sheet.write_string(1, 1, "Export du portefeuille").unwrap();
    for (c, h) in (2u16..).zip(["Loan", "Name", "Amount", "Disbursed"]) {
        sheet.write_string(3, c, h).unwrap();
    }
    let mut row = 4;
    for i in 0..300u32 {
        if i % 37 == 5 {
            row += 2; // two rows without any cell
        }
        if i % 53 == 7 {
            sheet.write_string(row, 3, "   ").unwrap(); // only blanks
            row += 1;
        }
        sheet.write_string(row, 2, format!("L{i:04}")).unwrap();
        if i % 3 != 0 {
            sheet.write_string(row, 3, format!("Nuñez {i}")).unwrap();
        }
        sheet.write_number(row, 4, f64::from(i) * 12.5).unwrap();
        let day = ExcelDateTime::from_ymd(2026, 1 + (i % 12) as u8, 1 + (i % 28) as u8).unwrap();
        sheet
            .write_datetime_with_format(row, 5, &day, &date)
            .unwrap();
        if i % 11 == 0 {
            sheet.write_boolean(row, 7, true).unwrap(); // past the header's columns
        }
        row += 1;
    }
    sheet.write_string(row + 1, 2, "Total").unwrap();
    workbook.save(&path).unwrap();
    assert!(assert_streams_like_loaded(
        &path,
        &ReadOptions::default(),
        &spec(&["Loan", "Name", "Amount", "Disbursed"])
    ));
    let input = InputRef {
        path: path.clone(),
        sheet: Some("prêts".into()),
    };
    let table = read_table_streamed(&input, &ReadOptions::default(), &spec(&[])).unwrap();
    assert_eq!(table.header_row, 4);
    let (rows, blank) = pass(&table);
    assert_eq!(rows.len(), 301);
    assert!(blank > 0);
    assert_eq!(
        rows[0].1[5],
        Cell::Date(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap())
    );
}

#[test]
fn xlsx_sheets_stream_like_loaded_and_other_workbooks_are_read_whole() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/flat");
    let streams = |name: &str| {
        assert_streams_like_loaded(&samples.join(name), &ReadOptions::default(), &spec(&[]))
    };
    // The sample has more rows than are read to find the header.
    assert!(streams("echeancier.xlsx"));
    assert!(!streams("echeancier.ods"));
}

proptest::proptest! {
    /// `same_bytes` says what `==` says, at every length around its load widths, for
    /// equal strings and strings differing in one byte anywhere.
    #[test]
    fn same_bytes_is_equality(
        a in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
        at in proptest::prelude::any::<proptest::sample::Index>(),
        flip in 1u8..,
        cut in 0usize..3,
    ) {
        proptest::prop_assert!(same_bytes(&a, &a.clone()));
        if !a.is_empty() {
            let mut b = a.clone();
            let i = at.index(a.len());
            b[i] ^= flip;
            proptest::prop_assert!(!same_bytes(&a, &b));
            proptest::prop_assert!(!same_bytes(&b, &a));
            let shorter = &a[..a.len().saturating_sub(cut)];
            proptest::prop_assert_eq!(same_bytes(&a, shorter), a.as_slice() == shorter);
        }
        let text = |s: &[u8]| Cell::Text(String::from_utf8_lossy(s).into_owned());
        proptest::prop_assert!(text(&a).same(&text(&a)));
        proptest::prop_assert!(!text(&a).same(&Cell::Number(1.0)));
    }
}
