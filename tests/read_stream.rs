//! `read_table_streamed` gives the tables `read_table` gives, on the bundled samples.
//!
//! `stream_throughput` (ignored) times one pass over a large export:
//! `KIVA_STREAM_INPUT=big.csv cargo test --release --test read_stream -- --ignored
//! --nocapture`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use kiva_drafts::read::{
    Cell, HeaderSpec, InputRef, ReadOptions, Table, read_table, read_table_streamed,
};

fn samples() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pending = vec![root.join("samples"), root.join("tests/fixtures")];
    let mut found = Vec::new();
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .is_some_and(|e| ["csv", "xlsx", "xls", "ods"].iter().any(|x| e == *x))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

type Rows = Vec<(usize, Vec<Cell>)>;

fn all_rows(table: &Table) -> (Rows, usize) {
    let mut rows = table.data_rows().unwrap();
    let mut seen = Vec::new();
    while let Some(row) = rows.next_row() {
        let row = row.unwrap();
        seen.push((row.line, row.cells.clone()));
    }
    (seen, rows.blank_rows())
}

#[test]
fn samples_stream_as_they_load() {
    let specs = [
        HeaderSpec {
            header_rows: 1,
            ..HeaderSpec::default()
        },
        HeaderSpec {
            header_rows: 1,
            columns: vec!["Montant".into(), "Amount".into(), "Monto".into()],
            ..HeaderSpec::default()
        },
        HeaderSpec {
            header_row: Some(2),
            header_rows: 2,
            ..HeaderSpec::default()
        },
    ];
    let files = samples();
    assert!(files.len() >= 15, "{files:?}");
    for path in files {
        let input = InputRef {
            path: path.clone(),
            sheet: None,
        };
        for spec in &specs {
            let options = ReadOptions::default();
            let streamed = read_table_streamed(&input, &options, spec);
            let loaded = match read_table(&input, &options, spec) {
                Ok(loaded) => loaded,
                Err(e) => {
                    let streamed = streamed.map(|_| ()).unwrap_err();
                    assert_eq!(streamed.to_string(), e.to_string());
                    continue;
                }
            };
            let streamed = streamed.unwrap();
            let what = format!("{} {spec:?}", path.display());
            assert_eq!(streamed.headers, loaded.headers, "{what}");
            assert_eq!(streamed.header_row, loaded.header_row, "{what}");
            assert_eq!(streamed.preamble, loaded.preamble, "{what}");
            assert_eq!(streamed.encoding, loaded.encoding, "{what}");
            assert_eq!(streamed.delimiter, loaded.delimiter, "{what}");
            assert_eq!(all_rows(&streamed), all_rows(&loaded), "{what}");
        }
    }
}

/// A CSV of `rows` data rows, more than the first records a streamed table holds.
fn long_csv(path: &Path, rows: usize) {
    let mut text = String::from("Loan;Amount\n");
    for i in 0..rows {
        text.push_str(&format!("L{i};{i}00\n"));
    }
    std::fs::write(path, text).unwrap();
}

fn streamed(path: &Path) -> Table {
    let spec = HeaderSpec {
        header_rows: 1,
        columns: vec!["Loan".into()],
        ..HeaderSpec::default()
    };
    let table = read_table_streamed(
        &InputRef::parse(&path.display().to_string()),
        &ReadOptions::default(),
        &spec,
    )
    .unwrap();
    assert!(table.rows.len() < 1000, "the table streams");
    table
}

#[test]
fn a_file_that_changes_between_passes_or_during_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.csv");
    let file = path.display().to_string();
    let appended = |path: &Path| {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        f.write_all(b"L9999;1\n").unwrap();
    };
    // Between passes: the next pass does not start.
    long_csv(&path, 1000);
    let size = std::fs::metadata(&path).unwrap().len();
    let message = format!(
        "{file}: the file changed while it was being read (it was {size} bytes, now {}): wait until it is completely written or copied, then run again",
        size + 8
    );
    let table = streamed(&path);
    assert_eq!(all_rows(&table).0.len(), 1000);
    appended(&path);
    let error = table.data_rows().err().expect("refused").to_string();
    assert_eq!(error, message);
    // During a pass: the pass ends with the error instead of a last row.
    long_csv(&path, 1000);
    let table = streamed(&path);
    let mut rows = table.data_rows().unwrap();
    for _ in 0..10 {
        rows.next_row().unwrap().unwrap();
    }
    appended(&path);
    let mut last = None;
    while let Some(row) = rows.next_row() {
        last = Some(row.map(|r| r.line).map_err(|e| e.to_string()));
    }
    assert_eq!(last, Some(Err(message)));
}

#[test]
#[ignore = "times a large file named by KIVA_STREAM_INPUT"]
fn stream_throughput() {
    let Some(path) = std::env::var_os("KIVA_STREAM_INPUT") else {
        return;
    };
    let input = InputRef {
        path: PathBuf::from(path),
        sheet: None,
    };
    let start = Instant::now();
    let table =
        read_table_streamed(&input, &ReadOptions::default(), &HeaderSpec::default()).unwrap();
    let opened = start.elapsed();
    for pass in 1..=2 {
        let start = Instant::now();
        let mut rows = table.data_rows().unwrap();
        let (mut count, mut cells) = (0usize, 0usize);
        while let Some(row) = rows.next_row() {
            let row = row.unwrap();
            count += 1;
            cells += row.cells.len();
        }
        let seconds = start.elapsed().as_secs_f64();
        #[allow(clippy::cast_precision_loss)]
        let rate = count as f64 / seconds;
        println!(
            "pass {pass}: {count} rows, {cells} cells, {} blank, {seconds:.3} s, {rate:.0} rows/s",
            rows.blank_rows()
        );
    }
    println!(
        "read_table_streamed (detection, sniffing, header): {:.3} s",
        opened.as_secs_f64()
    );
}
