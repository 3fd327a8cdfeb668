//! CSV/TSV/TXT exports: encoding detection, delimiter sniffing, parsing and header
//! detection, on any bytes.
//!
//! Input: two option bytes, then the file. The first picks the encoding label, the
//! delimiter and the header the template asks for; the second how many records a
//! streamed read takes before the rest is read from disk. The bytes are read in
//! memory (`text::decode`, `text::sniff_delimiter`, `text::parse`, then
//! `header::build_table`), from a file whole (`read_table`) and streamed
//! (`read_table_streamed`, `text::read_prefix` with the rest read again from disk):
//! all must agree, rows, line numbers and error messages alike (`read_table` may find
//! a workbook in a file named `.csv`: it is then compared with the streamed read only).

use kiva_drafts::read::header::build_table;
use kiva_drafts::read::{
    self, Cell, Grid, HeaderSpec, InputRef, ReadError, ReadOptions, Row, Source, Table, text,
};

use crate::scratch::Scratch;

const LABELS: [Option<&str>; 8] = [
    None,
    None,
    None,
    Some("utf-8"),
    Some("latin1"),
    Some("utf-16le"),
    Some("utf-16be"),
    Some("klingon"),
];

const DELIMITERS: [Option<u8>; 8] = [
    None,
    None,
    None,
    Some(b','),
    Some(b';'),
    Some(b'\t'),
    Some(b'|'),
    Some(b'"'),
];

/// The header a template may ask for, by the option byte's top two bits.
pub fn spec(choice: u8) -> HeaderSpec {
    let columns = ["Loan No", "Amount", "Client", "Disbursed", "N° Prêt"]
        .map(String::from)
        .to_vec();
    let patterns = vec![("Due Date ".to_string(), String::new())];
    match choice & 3 {
        0 => HeaderSpec {
            header_rows: 1,
            columns,
            patterns,
            ..HeaderSpec::default()
        },
        1 => HeaderSpec {
            header_rows: 2,
            columns,
            patterns,
            ..HeaderSpec::default()
        },
        2 => HeaderSpec {
            header_row: Some(2),
            header_rows: 1,
            ..HeaderSpec::default()
        },
        _ => HeaderSpec {
            header_rows: 1,
            ..HeaderSpec::default()
        },
    }
}

type Rows = Vec<(usize, Vec<Cell>)>;

fn plain(rows: &[Row]) -> Rows {
    rows.iter().map(|r| (r.line, r.cells.clone())).collect()
}

/// Every data row of a table and its blank rows, as a caller sees them, or the error
/// that ended the pass.
fn pass(table: &Table) -> Result<(Rows, usize), String> {
    let mut rows = table.data_rows().map_err(|e| e.to_string())?;
    let mut seen = Vec::new();
    while let Some(row) = rows.next_row() {
        let row = row.map_err(|e| e.to_string())?;
        seen.push((row.line, row.cells.clone()));
    }
    assert!(rows.next_row().is_none(), "rows after the end");
    Ok((seen, rows.blank_rows()))
}

/// What a caller can see of a table: everything but its rows.
fn head(t: &Table) -> impl PartialEq + std::fmt::Debug {
    (
        t.source.clone(),
        t.headers.clone(),
        t.shared_headers.clone(),
        (t.header_row, t.header_rows, t.header_detected),
        t.preamble.clone(),
        (t.encoding, t.delimiter),
    )
}

/// Two reads of the same file give the same table, or the same error.
pub fn assert_same(what: &str, a: &Result<Table, ReadError>, b: &Result<Table, ReadError>) {
    match (a, b) {
        (Ok(a), Ok(b)) => {
            assert_eq!(head(a), head(b), "{what}: tables differ");
            let rows = pass(a);
            assert_eq!(rows, pass(b), "{what}: rows differ");
            // A second pass starts over.
            assert_eq!(rows, pass(b), "{what}: second pass differs");
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{what}: errors differ"),
        // A streamed sheet is read as it is used: what the whole read refuses at once,
        // the stream refuses when its rows get there.
        (Err(_), Ok(b)) if b.encoding.is_none() => {
            assert!(
                pass(b).is_err(),
                "{what}: the stream reads what the whole read refuses"
            );
        }
        (a, b) => panic!(
            "{what}: one read fails, the other not: {:?} / {:?}",
            a.as_ref().err().map(ToString::to_string),
            b.as_ref().err().map(ToString::to_string)
        ),
    }
}

pub fn run(data: &[u8]) {
    let [options, stop, bytes @ ..] = data else {
        return;
    };
    let label = LABELS[usize::from(options & 7)];
    let delimiter = DELIMITERS[usize::from((options >> 3) & 7)];
    let spec = spec(options >> 6);
    let read_options = ReadOptions {
        encoding: label.map(String::from),
        delimiter,
        sheet: None,
    };

    // In memory, as `text::read` reads a file's bytes.
    let records = text::decode(bytes, label).and_then(|(text, encoding)| {
        let delimiter = delimiter.unwrap_or_else(|| text::sniff_delimiter(&text));
        text::parse(&text, delimiter).map(|rows| (rows, encoding, delimiter))
    });

    let file = Scratch::new(bytes, "export.csv");
    let name = file.path.display().to_string();
    let in_memory = match &records {
        Ok((rows, encoding, delimiter)) => {
            let source = Source {
                file: name.clone(),
                sheet: None,
            };
            let grid = Grid {
                rows: rows.clone(),
                encoding: Some(encoding),
                delimiter: Some(*delimiter),
                merges: Vec::new(),
            };
            build_table(source, grid, &spec)
        }
        Err(message) => Err(ReadError::Format {
            file: name.clone(),
            message: message.clone(),
        }),
    };

    // From the file: whole, then streamed.
    let input = InputRef {
        path: file.path.clone(),
        sheet: None,
    };
    let loaded = read::read_table(&input, &read_options, &spec);
    // A file whose bytes say it is a workbook is read as one whatever its name: the
    // bytes read as text are compared with a table read as text only.
    if loaded.as_ref().is_ok_and(|t| t.encoding.is_some()) {
        assert_same("in memory and read_table", &in_memory, &loaded);
    }
    let streamed = read::read_table_streamed(&input, &read_options, &spec);
    assert_same("read_table and read_table_streamed", &loaded, &streamed);

    // The first records, any number of them, then the rest from disk (twice).
    let stop = usize::from(*stop).max(1);
    let prefixed = text::read_prefix(&file.path, &read_options, |rows| rows.len() >= stop)
        .and_then(|prefix| {
            let mut rows = prefix.rows;
            if let Some(rest) = &prefix.rest {
                let (mut first, mut again) = (Vec::new(), Vec::new());
                for into in [&mut first, &mut again] {
                    let mut records = rest.open()?;
                    while let Some(row) = records.next_row()? {
                        into.push(row);
                    }
                }
                assert_eq!(
                    plain(&first),
                    plain(&again),
                    "two passes over the rest differ"
                );
                rows.extend(first);
            }
            Ok((plain(&rows), prefix.encoding, prefix.delimiter))
        });
    match (&records, prefixed) {
        (Ok((rows, encoding, delimiter)), Ok(prefixed)) => {
            assert_eq!(
                (plain(rows), *encoding, *delimiter),
                prefixed,
                "streamed records differ"
            );
        }
        (Err(message), Err(ReadError::Format { message: m, .. })) => {
            assert_eq!(message, &m, "streamed errors differ");
        }
        (records, prefixed) => panic!(
            "one read fails, the other not: {:?} / {:?}",
            records.as_ref().err(),
            prefixed.err().map(|e| e.to_string())
        ),
    }
}
