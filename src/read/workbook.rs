//! Workbooks (xlsx, xlsm, xlsb, xls, ods) through calamine.
//!
//! Cells keep their type: date cells become calendar dates (never serial numbers),
//! numbers stay numbers, text stays text (so ids keep their leading zeros). Row numbers
//! are the ones Excel shows, even when the used range does not start at A1.

use std::path::Path;

use calamine::{Data, DataType, Reader, open_workbook_auto};

use super::{Cell, Grid, ReadError, Row, Source};

const EXTENSIONS: [&str; 6] = ["xlsx", "xlsm", "xlsb", "xls", "xla", "ods"];

/// Whether the path names a workbook (by extension).
pub fn is_workbook(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The sheet names of a workbook, in order.
pub fn sheet_names(path: &Path) -> Result<Vec<String>, ReadError> {
    let file = path.display().to_string();
    let workbook = open(path, &file)?;
    Ok(workbook.sheet_names())
}

fn open(
    path: &Path,
    file: &str,
) -> Result<calamine::Sheets<std::io::BufReader<std::fs::File>>, ReadError> {
    if let Err(e) = std::fs::metadata(path) {
        return Err(ReadError::Io {
            file: file.to_string(),
            message: super::text::io_message(&e),
        });
    }
    open_workbook_auto(path).map_err(|e| ReadError::Format {
        file: file.to_string(),
        message: format!("not a readable workbook ({e})"),
    })
}

/// Reads one sheet: by name (exact, then case-insensitive), by 1-based index, or the
/// first sheet when none is named.
pub fn read(path: &Path, sheet: Option<&str>) -> Result<(Source, Grid), ReadError> {
    let file = path.display().to_string();
    let mut workbook = open(path, &file)?;
    let names = workbook.sheet_names();
    let name = match sheet {
        None => names.first().cloned(),
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .or_else(|| {
                names
                    .iter()
                    .find(|n| n.to_lowercase() == wanted.to_lowercase())
            })
            .cloned()
            .or_else(|| {
                wanted
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| i.checked_sub(1))
                    .and_then(|i| names.get(i).cloned())
            }),
    };
    let Some(name) = name else {
        return Err(ReadError::SheetNotFound {
            file,
            sheet: sheet.unwrap_or("1").to_string(),
            available: names
                .iter()
                .map(|n| format!("'{n}'"))
                .collect::<Vec<_>>()
                .join(", "),
        });
    };
    let range = workbook
        .worksheet_range(&name)
        .map_err(|e| ReadError::Format {
            file: file.clone(),
            message: format!("cannot read sheet '{name}': {e}"),
        })?;
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let mut rows = Vec::with_capacity(range.height());
    for (i, data_row) in range.rows().enumerate() {
        // Columns left of the used range are empty; keep positions as in the sheet.
        let mut cells = vec![Cell::Empty; first_col as usize];
        cells.extend(data_row.iter().map(convert));
        while cells.last().is_some_and(Cell::is_blank) {
            cells.pop();
        }
        rows.push(Row {
            line: first_row as usize + i + 1,
            cells,
        });
    }
    Ok((
        Source {
            file,
            sheet: Some(name),
        },
        Grid {
            rows,
            encoding: None,
            delimiter: None,
        },
    ))
}

fn convert(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => {
            if s.trim().is_empty() {
                Cell::Empty
            } else {
                Cell::Text(s.clone())
            }
        }
        #[allow(clippy::cast_precision_loss)]
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) if dt.is_duration() => Cell::Number(dt.as_f64()),
        Data::DateTime(_) | Data::DateTimeIso(_) => match data.as_date() {
            Some(date) => Cell::Date(date),
            None => Cell::Text(data.to_string()),
        },
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}
