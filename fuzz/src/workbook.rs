//! Workbooks (xlsx, xls, ods, xlsb) through calamine, as `convert` opens them, on any
//! bytes.
//!
//! Input: one option byte, then the file. The option byte picks the extension the file
//! gets (which decides how it is opened), the sheet asked for, the header the template
//! asks for, and whether the bytes are the file itself or, to get past the zip
//! container and its checksums, the parts of an xlsx that is made around them: the
//! sheet's XML, then (after a 0 byte) the styles, then (after another) the shared
//! strings. The workbook is read whole (`read_table`) and streamed
//! (`read_table_streamed`, and the cell reader from any row on): both must give the
//! same table and rows.

use std::io::Write;

use kiva_drafts::read::{self, Cell, InputRef, ReadOptions, Row, workbook};

use crate::scratch::Scratch;
use crate::text_reader::{assert_same, spec};

const EXTENSIONS: [&str; 4] = ["xlsx", "xls", "ods", "xlsb"];
const SHEETS: [Option<&str>; 4] = [None, Some("2"), Some("schedule"), Some("Loans")];

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;

const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Loans" sheetId="1" r:id="rId1"/></sheets></workbook>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// An xlsx (entries stored, not compressed) whose sheet, styles and shared strings are
/// the parts of `bytes` between 0 bytes.
pub fn xlsx_around(bytes: &[u8]) -> Vec<u8> {
    let mut parts = bytes.splitn(3, |b| *b == 0);
    let (sheet, styles, strings) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, content) in [
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/styles.xml", styles),
        ("xl/sharedStrings.xml", strings),
    ] {
        zip.start_file(name, options)
            .and_then(|()| zip.write_all(content).map_err(Into::into))
            .expect("cannot write an xlsx in memory");
    }
    zip.finish()
        .expect("cannot write an xlsx in memory")
        .into_inner()
}

/// The rows of a sheet that hold something, as (row, cells).
fn filled(rows: &[Row]) -> Vec<(usize, Vec<Cell>)> {
    rows.iter()
        .filter(|r| !r.is_blank())
        .map(|r| (r.line, r.cells.clone()))
        .collect()
}

/// calamine panics on some damaged files; the tool catches those panics around every
/// call into calamine (`read::workbook::guard`) and reports the file as unreadable.
/// libFuzzer's panic hook would abort on them all the same: it is replaced by one that
/// only prints, so that a caught panic is no finding while one that escapes still ends
/// the run (libfuzzer-sys aborts on it).
fn contained_panics_are_no_findings() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            eprintln!("(caught, unless the run stops) {info}");
        }));
    });
}

pub fn run(data: &[u8]) {
    contained_panics_are_no_findings();
    let [options, bytes @ ..] = data else {
        return;
    };
    let wrapped = options >> 6 == 3;
    let (file, extension) = if wrapped {
        (Scratch::new(&xlsx_around(bytes), "export.xlsx"), "xlsx")
    } else {
        let extension = EXTENSIONS[usize::from(options & 3)];
        (
            Scratch::new(bytes, &format!("export.{extension}")),
            extension,
        )
    };
    let sheet = SHEETS[usize::from((options >> 2) & 3)];
    let spec = spec(options >> 4);
    let input = InputRef {
        path: file.path.clone(),
        sheet: sheet.map(String::from),
    };
    let read_options = ReadOptions::default();

    let names = workbook::sheet_names(&file.path);
    let whole = workbook::read(&file.path, sheet);
    if let (Ok(names), Ok((source, _))) = (&names, &whole) {
        assert!(
            source.sheet.as_ref().is_some_and(|s| names.contains(s)),
            "read a sheet that is not in the workbook"
        );
    }
    let loaded = read::read_table(&input, &read_options, &spec);
    let streamed = read::read_table_streamed(&input, &read_options, &spec);
    assert_same("read_table and read_table_streamed", &loaded, &streamed);

    // The cell reader from any row on gives the rows of the sheet read whole.
    if extension == "xlsx"
        && let Ok((_, grid)) = &whole
    {
        let stop = usize::from(bytes.first().copied().unwrap_or(1) % 8).max(1);
        let streamed = workbook::read_prefix(&file.path, sheet, |rows| rows.len() >= stop)
            .and_then(|(_, mut rows, rest, _)| {
                if let Some(rest) = rest {
                    let mut reading = rest.open();
                    while let Some(row) = reading.next_row()? {
                        rows.push(row);
                    }
                }
                Ok(rows)
            });
        match streamed {
            Ok(rows) => assert_eq!(filled(&grid.rows), filled(&rows), "streamed rows differ"),
            // A sheet calamine reads whole but not cell by cell (or the other way)
            // gives an error, not wrong rows.
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}
