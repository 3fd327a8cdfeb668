//! Workbooks (xlsx, xlsm, xlsb, xls, ods) through calamine.
//!
//! Cells keep their type: date cells become calendar dates (never serial numbers),
//! numbers stay numbers, text stays text (so ids keep their leading zeros). Row numbers
//! are the ones Excel shows, even when the used range does not start at A1.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{Data, DataRef, DataType, Reader, Xlsx, XlsxError, open_workbook_auto};

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
    let name = resolve_sheet(&file, &workbook.sheet_names(), sheet)?;
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

/// The sheet to read: by name (exact, then case-insensitive), by 1-based index, or the
/// first sheet when none is named.
fn resolve_sheet(file: &str, names: &[String], sheet: Option<&str>) -> Result<String, ReadError> {
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
    name.ok_or_else(|| ReadError::SheetNotFound {
        file: file.to_string(),
        sheet: sheet.unwrap_or("1").to_string(),
        available: names
            .iter()
            .map(|n| format!("'{n}'"))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// Whether calamine can read the workbook's sheets cell by cell (xlsx and xlsm).
pub fn streams(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["xlsx", "xlsm"].contains(&e.to_ascii_lowercase().as_str()))
}

/// Rows sent at once by the thread that reads a sheet.
const CHUNK: usize = 256;

/// An xlsx sheet read row by row by calamine's cell reader, on a thread of its own:
/// the rows come as the sheet's XML is parsed, so grouping works while calamine reads,
/// and the sheet is never held whole. Rows are what [`read`] gives: Excel's row
/// numbers, cells at their columns, blank rows inside the used range included.
#[derive(Debug, Clone)]
pub struct SheetStream {
    path: PathBuf,
    file: String,
    sheet: String,
    /// Rows at the start that the table already holds.
    skip: usize,
}

/// The rows of a [`SheetStream`], one at a time.
pub struct SheetRows {
    receiver: Receiver<Result<Vec<Row>, ReadError>>,
    chunk: std::vec::IntoIter<Row>,
    ended: bool,
}

impl SheetStream {
    /// Starts reading the sheet again, after the first `skip` rows.
    pub fn open(&self) -> SheetRows {
        let (sender, receiver) = sync_channel(8);
        let (path, file, sheet, skip) = (
            self.path.clone(),
            self.file.clone(),
            self.sheet.clone(),
            self.skip,
        );
        // The thread stops at its next send once the rows are no longer wanted.
        std::thread::spawn(move || {
            if let Err(e) = send_rows(&path, &file, &sheet, skip, &sender) {
                let _ = sender.send(Err(e));
            }
        });
        SheetRows {
            receiver,
            chunk: Vec::new().into_iter(),
            ended: false,
        }
    }
}

impl SheetRows {
    /// The next row (blank ones included), or `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<Row>, ReadError> {
        loop {
            if let Some(row) = self.chunk.next() {
                return Ok(Some(row));
            }
            if self.ended {
                return Ok(None);
            }
            match self.receiver.recv() {
                Ok(Ok(chunk)) => self.chunk = chunk.into_iter(),
                Ok(Err(e)) => {
                    self.ended = true;
                    return Err(e);
                }
                Err(_) => self.ended = true,
            }
        }
    }
}

/// Reads the sheet cell by cell and sends its rows, after the first `skip`, in chunks.
/// Stops quietly when the receiver is gone.
fn send_rows(
    path: &Path,
    file: &str,
    sheet: &str,
    skip: usize,
    sender: &SyncSender<Result<Vec<Row>, ReadError>>,
) -> Result<(), ReadError> {
    let format = |e: XlsxError| ReadError::Format {
        file: file.to_string(),
        message: format!("cannot read sheet '{sheet}': {e}"),
    };
    let mut workbook: Xlsx<_> =
        calamine::open_workbook(path).map_err(|e: XlsxError| ReadError::Format {
            file: file.to_string(),
            message: format!("not a readable workbook ({e})"),
        })?;
    let mut reader = workbook.worksheet_cells_reader(sheet).map_err(format)?;
    let mut emitted = 0usize;
    let mut chunk = Vec::with_capacity(CHUNK);
    // Returns false when the receiver is gone.
    let mut emit = |row: Row, chunk: &mut Vec<Row>| {
        emitted += 1;
        if emitted <= skip {
            return true;
        }
        chunk.push(row);
        if chunk.len() < CHUNK {
            return true;
        }
        let full = std::mem::replace(chunk, Vec::with_capacity(CHUNK));
        sender.send(Ok(full)).is_ok()
    };
    let mut current: Option<(u32, Vec<Cell>)> = None;
    let mut previous: Option<u32> = None;
    loop {
        let next = reader.next_cell().map_err(format)?;
        let position = next.as_ref().map(calamine::Cell::get_position);
        let row_done = match (&current, position) {
            (Some((r, _)), Some((row, _))) => *r != row,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if row_done && let Some((r, mut cells)) = current.take() {
            // Rows without a value inside the used range are blank rows, as in a Range.
            if let Some(p) = previous {
                for gap in p + 1..r {
                    let blank = Row {
                        line: gap as usize + 1,
                        cells: Vec::new(),
                    };
                    if !emit(blank, &mut chunk) {
                        return Ok(());
                    }
                }
            }
            while cells.last().is_some_and(Cell::is_blank) {
                cells.pop();
            }
            if !emit(
                Row {
                    line: r as usize + 1,
                    cells,
                },
                &mut chunk,
            ) {
                return Ok(());
            }
            previous = Some(r);
        }
        let Some(cell) = next else { break };
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (row, column) = cell.get_position();
        let cells = &mut current.get_or_insert_with(|| (row, Vec::new())).1;
        let column = column as usize;
        if cells.len() < column {
            cells.resize(column, Cell::Empty);
        }
        let value = convert_ref(cell.get_value().clone());
        if cells.len() == column {
            cells.push(value);
        } else {
            cells[column] = value;
        }
    }
    if !chunk.is_empty() {
        let _ = sender.send(Ok(chunk));
    }
    Ok(())
}

/// The first rows of an xlsx sheet, enough by `enough` to find its header, and the
/// stream of the rest (`None` when the first rows are the whole sheet).
pub fn read_prefix(
    path: &Path,
    sheet: Option<&str>,
    enough: impl Fn(&[Row]) -> bool,
) -> Result<(Source, Vec<Row>, Option<SheetStream>), ReadError> {
    let file = path.display().to_string();
    let workbook = open(path, &file)?;
    let name = resolve_sheet(&file, &workbook.sheet_names(), sheet)?;
    drop(workbook);
    let mut stream = SheetStream {
        path: path.to_path_buf(),
        file: file.clone(),
        sheet: name.clone(),
        skip: 0,
    };
    let mut reading = stream.open();
    let mut rows = Vec::new();
    let mut check_at = 1;
    let mut more = false;
    while let Some(row) = reading.next_row()? {
        rows.push(row);
        if rows.len() >= check_at {
            if enough(&rows) {
                more = reading.next_row()?.is_some();
                break;
            }
            check_at *= 2;
        }
    }
    stream.skip = rows.len();
    let source = Source {
        file,
        sheet: Some(name),
    };
    Ok((source, rows, more.then_some(stream)))
}

/// [`convert`] for the cell reader's values, without copying text twice.
fn convert_ref(value: DataRef<'_>) -> Cell {
    match value {
        DataRef::SharedString(s) if s.trim().is_empty() => Cell::Empty,
        DataRef::SharedString(s) => Cell::Text(s.to_string()),
        DataRef::String(s) if s.trim().is_empty() => Cell::Empty,
        DataRef::String(s) => Cell::Text(s),
        other => convert(&Data::from(other)),
    }
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
