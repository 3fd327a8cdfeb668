//! Workbooks (xlsx, xlsm, xlsb, xls, ods) through calamine.
//!
//! Cells keep their type: date cells become calendar dates (never serial numbers),
//! numbers stay numbers, text stays text (so ids keep their leading zeros). Row numbers
//! are the ones Excel shows, even when the used range does not start at A1.
//!
//! The format is the one the file's bytes say ([`super::container`]), whatever its
//! name: an xlsx renamed `.xls` is read as xlsx, with a warning. xlsx sheets are read
//! cell by cell, never as calamine's dense `Range` (a stray cell at XFD1048576 would make
//! it 17 billion cells); a formula cell without a saved value becomes an error cell
//! that names the formula.

use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use calamine::{
    Data, DataRef, DataType, Reader, Sheets, XlsError, Xlsb, Xlsx, XlsxError, XlsxFormulaMetadata,
};

use super::container::{self, Kind, Sniff};
use super::{Cell, Grid, ReadError, Row, Source};

const EXTENSIONS: [&str; 6] = ["xlsx", "xlsm", "xlsb", "xls", "xla", "ods"];

/// Excel's last row and column: cells past them are not from a spreadsheet program.
const MAX_ROWS: u32 = 1_048_576;
const MAX_COLUMNS: u32 = 16_384;

/// The path's extension, in lower case.
fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// Whether the path's name says it is a workbook.
pub fn has_workbook_extension(path: &Path) -> bool {
    extension(path).is_some_and(|e| EXTENSIONS.contains(&e.as_str()))
}

/// Whether the file is read as a workbook: a zip or OLE file whatever its name, text
/// never (a CSV named `.xls` is read as the text it is); otherwise by its name.
pub fn is_workbook(path: &Path) -> bool {
    match container::sniff(path) {
        Ok(Sniff::Zip | Sniff::Ole) => true,
        Ok(Sniff::Text) => false,
        _ => has_workbook_extension(path),
    }
}

/// The workbook format the file holds, or why it cannot be read as a workbook (missing,
/// empty, cut short, a zip bomb, encrypted, not a workbook at all).
pub fn detect(path: &Path, file: &str) -> Result<Kind, ReadError> {
    let io = |e: std::io::Error| ReadError::Io {
        file: file.to_string(),
        message: super::text::io_message(&e),
    };
    let refuse = |message: String| ReadError::Format {
        file: file.to_string(),
        message,
    };
    match container::sniff(path).map_err(io)? {
        Sniff::Empty => Err(ReadError::Empty {
            input: Source {
                file: file.to_string(),
                sheet: None,
            },
        }),
        Sniff::Zip => container::zip_workbook(path).map_err(io)?.map_err(refuse),
        Sniff::Ole => container::ole_workbook(path).map_err(io)?.map_err(refuse),
        Sniff::Html => Err(refuse(
            "the file is a web page (HTML), not a workbook: open it in Excel and save it as .xlsx, or export CSV"
                .to_string(),
        )),
        Sniff::Text => Err(refuse(
            "the file is text, not a workbook: name it .csv".to_string(),
        )),
        Sniff::Binary => Err(refuse(
            "the file is not a workbook: its bytes are neither xlsx, xls nor ods (nor text)".to_string(),
        )),
    }
}

/// The sheet names of a workbook, in order.
pub fn sheet_names(path: &Path) -> Result<Vec<String>, ReadError> {
    let file = path.display().to_string();
    guard(&file, || Ok(open(path, &file)?.sheet_names()))
}

/// Runs a reading step, turning a panic of the workbook reader into an error that
/// names the file and the panic's message, so that a streamed sheet does not end early
/// as if it had no more rows.
fn guard<T>(file: &str, read: impl FnOnce() -> Result<T, ReadError>) -> Result<T, ReadError> {
    crate::crash::caught(read).unwrap_or_else(|panic| {
        Err(ReadError::Format {
            file: file.to_string(),
            message: format!(
                "not a readable workbook (the workbook reader failed on it: a damaged file? {panic})"
            ),
        })
    })
}

/// Opens a workbook as the format its bytes say, warning when its name says otherwise.
fn open(path: &Path, file: &str) -> Result<Sheets<std::io::BufReader<std::fs::File>>, ReadError> {
    let kind = detect(path, file)?;
    if let Some(extension) = extension(path)
        && !kind.has_extension(&extension)
    {
        super::warn_once(
            path,
            &format!(
                "{file} is an {} workbook, not what its name says: read as {0} (rename it to {})",
                kind.name(),
                path.with_extension(kind.name()).display()
            ),
        );
    }
    let unreadable = |e: &dyn std::fmt::Display| ReadError::Format {
        file: file.to_string(),
        message: format!("not a readable workbook ({e})"),
    };
    Ok(match kind {
        Kind::Xlsx => {
            Sheets::Xlsx(calamine::open_workbook(path).map_err(|e: XlsxError| unreadable(&e))?)
        }
        Kind::Xlsb => Sheets::Xlsb(
            calamine::open_workbook(path).map_err(|e: calamine::XlsbError| unreadable(&e))?,
        ),
        Kind::Ods => Sheets::Ods({
            once(path, || ods_fits(path, file))?;
            calamine::open_workbook(path).map_err(|e: calamine::OdsError| unreadable(&e))?
        }),
        Kind::Xls => Sheets::Xls({
            once(path, || xls_fits(path, file))?;
            calamine::open_workbook(path).map_err(|e: XlsError| match e {
                XlsError::Password => ReadError::Format {
                    file: file.to_string(),
                    message: container::ENCRYPTED.to_string(),
                },
                e => unreadable(&e),
            })?
        }),
    })
}

/// Runs a check of the file at `path` once in the process: a workbook is opened again
/// for each sheet and each pass, and the file does not change in between.
fn once(path: &Path, check: impl FnOnce() -> Result<(), ReadError>) -> Result<(), ReadError> {
    static PASSED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    let passed = |p: &Vec<PathBuf>| p.iter().any(|p| p == path);
    if passed(
        &PASSED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    ) {
        return Ok(());
    }
    check()?;
    PASSED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(path.to_path_buf());
    Ok(())
}

/// The merged cells of the ods files checked so far, by file and table: found by the
/// check's pass over the tables (see [`ods_fits`]), which runs once per file.
static ODS_SPANS: std::sync::Mutex<Vec<(PathBuf, super::ods::Spans)>> =
    std::sync::Mutex::new(Vec::new());

/// Refuses an ods whose tables calamine would lay out in far more memory than their
/// cells need, before calamine reads them all on opening (see [`super::ods`]); keeps
/// the merged cells the same pass found.
fn ods_fits(path: &Path, file: &str) -> Result<(), ReadError> {
    match super::ods::check(path) {
        Ok(Ok(spans)) => {
            if !spans.is_empty() {
                ODS_SPANS
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((path.to_path_buf(), spans));
            }
            Ok(())
        }
        Ok(Err(message)) => Err(ReadError::Format {
            file: file.to_string(),
            message,
        }),
        Err(e) => Err(ReadError::Io {
            file: file.to_string(),
            message: super::text::io_message(&e),
        }),
    }
}

/// Refuses an xls whose sheets calamine would lay out in far more memory than their
/// cells need, before calamine reads them all on opening (see [`super::biff`]).
fn xls_fits(path: &Path, file: &str) -> Result<(), ReadError> {
    let refuse = |message: String| ReadError::Format {
        file: file.to_string(),
        message,
    };
    let stream = match container::xls_stream(path) {
        Ok(stream) => stream,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => return Err(refuse(e.to_string())),
        Err(e) => {
            return Err(ReadError::Io {
                file: file.to_string(),
                message: super::text::io_message(&e),
            });
        }
    };
    match stream {
        Some(stream) => super::biff::check(&stream).map_err(refuse),
        None => Ok(()),
    }
}

/// Reads one sheet: by name (exact, then case-insensitive), by 1-based index, or the
/// first sheet when none is named.
pub fn read(path: &Path, sheet: Option<&str>) -> Result<(Source, Grid), ReadError> {
    let file = path.display().to_string();
    guard(&file, || {
        let mut workbook = open(path, &file)?;
        let name = resolve_sheet(&file, &workbook.sheet_names(), sheet)?;
        let mut rows = Vec::new();
        let push = |row| {
            rows.push(row);
            true
        };
        match &mut workbook {
            Sheets::Xlsx(xlsx) => xlsx_rows(xlsx, &file, &name, push)?,
            Sheets::Xlsb(xlsb) => xlsb_rows(xlsb, &file, &name, push)?,
            other => rows = range_rows(other, &file, &name)?,
        }
        let merges = merges(&workbook, path, &name);
        Ok((
            Source {
                file: file.clone(),
                sheet: Some(name),
            },
            Grid {
                rows,
                encoding: None,
                delimiter: None,
                merges,
            },
        ))
    })
}

/// The merged ranges of a sheet ([`super::merged`]): an xlsx's read from the end of
/// its sheet's XML, an xls's from calamine, an ods's from the check of its tables. An
/// xlsb's are not read (calamine gives none), nor those of a sheet whose end cannot be
/// read: its cells then fail too.
fn merges<RS: Read + Seek>(
    workbook: &Sheets<RS>,
    path: &Path,
    name: &str,
) -> Vec<super::merged::Region> {
    match workbook {
        Sheets::Xlsx(_) => super::merged::xlsx_regions(path, name).unwrap_or_default(),
        Sheets::Xls(xls) => xls
            .merge_cells_by_sheet_name(name)
            .unwrap_or_default()
            .into_iter()
            .map(|d| (d.start, d.end))
            .collect(),
        Sheets::Ods(_) => ODS_SPANS
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .filter(|(p, _)| p == path)
            .flat_map(|(_, tables)| tables.iter())
            .find(|(table, _)| table == name)
            .map(|(_, spans)| spans.clone())
            .unwrap_or_default(),
        Sheets::Xlsb(_) => Vec::new(),
    }
}

/// The rows of a sheet of an xls or ods workbook, from calamine's `Range`.
fn range_rows<RS: Read + Seek>(
    workbook: &mut Sheets<RS>,
    file: &str,
    name: &str,
) -> Result<Vec<Row>, ReadError> {
    let range = workbook
        .worksheet_range(name)
        .map_err(|e| ReadError::Format {
            file: file.to_string(),
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
    Ok(rows)
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

/// Whether calamine can read the workbook's sheets cell by cell: an xlsx, xlsm or xlsb,
/// by its bytes.
pub fn streams(path: &Path) -> bool {
    detect(path, &path.display().to_string())
        .is_ok_and(|kind| matches!(kind, Kind::Xlsx | Kind::Xlsb))
}

/// Rows sent at once by the thread that reads a sheet...
const CHUNK: usize = 256;
/// ...or fewer, when they hold this many cells: wide rows (up to 16,384 cells each)
/// waiting in the channel stay within a few MB.
const CHUNK_CELLS: usize = 1 << 16;

/// An xlsx or xlsb sheet read row by row by calamine's cell reader, on a thread of its own:
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
            if let Err(e) = guard(&file, || send_rows(&path, &file, &sheet, skip, &sender)) {
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
    let mut workbook = open(path, file)?;
    let mut emitted = 0usize;
    let mut chunk = Vec::with_capacity(CHUNK);
    let mut cells = 0;
    let mut receiver_gone = false;
    let emit = |row: Row| {
        emitted += 1;
        if emitted <= skip {
            return true;
        }
        cells += row.cells.len() + 1;
        chunk.push(row);
        if chunk.len() < CHUNK && cells < CHUNK_CELLS {
            return true;
        }
        cells = 0;
        let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
        receiver_gone = sender.send(Ok(full)).is_err();
        !receiver_gone
    };
    match &mut workbook {
        Sheets::Xlsx(xlsx) => xlsx_rows(xlsx, file, sheet, emit)?,
        Sheets::Xlsb(xlsb) => xlsb_rows(xlsb, file, sheet, emit)?,
        _ => unreachable!("only xlsx and xlsb sheets are streamed"),
    }
    if !chunk.is_empty() && !receiver_gone {
        let _ = sender.send(Ok(chunk));
    }
    Ok(())
}

/// One cell from calamine's cell reader: its (row, column), and its value, `None` for a
/// cell without one (formatting only). An error is the reader's message.
type NextCell = Result<Option<((u32, u32), Option<Cell>)>, String>;

/// The rows of an xlsx sheet, read cell by cell, for `emit` (see [`sheet_rows`]).
fn xlsx_rows<RS: Read + Seek>(
    workbook: &mut Xlsx<RS>,
    file: &str,
    sheet: &str,
    emit: impl FnMut(Row) -> bool,
) -> Result<(), ReadError> {
    let mut reader = match workbook.worksheet_cells_reader(sheet) {
        Ok(reader) => reader,
        // A chart sheet: no cells, as calamine's `Range` has none.
        Err(XlsxError::NotAWorksheet(_)) => return Ok(()),
        Err(e) => return Err(cannot_read(file, sheet, &e)),
    };
    let next = || -> NextCell {
        let Some(cell) = reader
            .next_cell_with_formula_metadata()
            .map_err(|e| e.to_string())?
        else {
            return Ok(None);
        };
        let value = match (cell.value, cell.formula) {
            (DataRef::Empty, None) => None,
            (DataRef::Empty, Some(formula)) => Some(Cell::Error(unsaved_formula(formula))),
            (value, _) => Some(convert_ref(value)),
        };
        Ok(Some((cell.pos, value)))
    };
    sheet_rows(next, file, sheet, emit)
}

/// The rows of an xlsb sheet, read cell by cell, for `emit` (see [`sheet_rows`]): never
/// calamine's dense `Range`, as for xlsx.
fn xlsb_rows<RS: Read + Seek>(
    workbook: &mut Xlsb<RS>,
    file: &str,
    sheet: &str,
    emit: impl FnMut(Row) -> bool,
) -> Result<(), ReadError> {
    let mut reader = workbook
        .worksheet_cells_reader(sheet)
        .map_err(|e| cannot_read(file, sheet, &e))?;
    let next = || -> NextCell {
        let Some(cell) = reader.next_cell().map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        let value = match cell.get_value() {
            DataRef::Empty => None,
            value => Some(convert_ref(value.clone())),
        };
        Ok(Some((cell.get_position(), value)))
    };
    sheet_rows(next, file, sheet, emit)
}

fn cannot_read(file: &str, sheet: &str, e: &dyn std::fmt::Display) -> ReadError {
    ReadError::Format {
        file: file.to_string(),
        message: format!("cannot read sheet '{sheet}': {e}"),
    }
}

/// Hands `emit` the rows of a sheet whose cells `next` gives one by one, in order:
/// Excel's row numbers, cells at their columns (trailing blank ones dropped), and the
/// rows without a value between two rows with one as blank rows, as in calamine's
/// `Range`. Rows and cells without a value (formatting only) are not rows of the sheet.
/// Stops when `emit` returns false.
fn sheet_rows(
    mut next: impl FnMut() -> NextCell,
    file: &str,
    sheet: &str,
    mut emit: impl FnMut(Row) -> bool,
) -> Result<(), ReadError> {
    let failed = |message: String| cannot_read(file, sheet, &message);
    let mut current: Option<(u32, Vec<Cell>)> = None;
    let mut previous: Option<u32> = None;
    loop {
        let next = next().map_err(&failed)?;
        let position = next.as_ref().map(|(pos, _)| *pos);
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
                    if !emit(blank) {
                        return Ok(());
                    }
                }
            }
            while cells.last().is_some_and(Cell::is_blank) {
                cells.pop();
            }
            if !emit(Row {
                line: r as usize + 1,
                cells,
            }) {
                return Ok(());
            }
            previous = Some(r);
        }
        let Some(((row, column), value)) = next else {
            break;
        };
        let Some(value) = value else { continue };
        if row >= MAX_ROWS || column >= MAX_COLUMNS {
            return Err(failed(format!(
                "a cell at row {}, column {} is past Excel's last row ({MAX_ROWS}) or column ({MAX_COLUMNS}): the file is damaged",
                u64::from(row) + 1,
                u64::from(column) + 1
            )));
        }
        let cells = &mut current.get_or_insert_with(|| (row, Vec::new())).1;
        let column = column as usize;
        if cells.len() < column {
            cells.resize(column, Cell::Empty);
        }
        if cells.len() == column {
            cells.push(value);
        } else {
            cells[column] = value;
        }
    }
    Ok(())
}

/// A formula cell without a saved value, as an error cell holding the formula
/// (`=SUM(E5:E9)`); see [`Cell::unsaved_formula`].
fn unsaved_formula(formula: XlsxFormulaMetadata) -> String {
    match formula {
        XlsxFormulaMetadata::Normal { formula } | XlsxFormulaMetadata::Shared { formula, .. } => {
            format!("={formula}")
        }
        _ => "=(a shared formula)".to_string(),
    }
}

/// The first rows of an xlsx or xlsb sheet, enough by `enough` to find its header, and the
/// stream of the rest (`None` when the first rows are the whole sheet).
#[allow(clippy::type_complexity)]
pub fn read_prefix(
    path: &Path,
    sheet: Option<&str>,
    enough: impl Fn(&[Row]) -> bool,
) -> Result<
    (
        Source,
        Vec<Row>,
        Option<SheetStream>,
        Vec<super::merged::Region>,
    ),
    ReadError,
> {
    let file = path.display().to_string();
    let (name, merges) = guard(&file, || {
        let workbook = open(path, &file)?;
        let name = resolve_sheet(&file, &workbook.sheet_names(), sheet)?;
        let merges = merges(&workbook, path, &name);
        Ok((name, merges))
    })?;
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
    Ok((source, rows, more.then_some(stream), merges))
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

/// A number cell. Excel cannot store NaN or an infinity (it shows `#NUM!`): only a
/// damaged file holds one (found by fuzzing), and it reads as the error cell it would
/// show.
fn number(f: f64) -> Cell {
    if f.is_finite() {
        Cell::Number(f)
    } else {
        Cell::Error("#NUM!".to_string())
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
        Data::Float(f) => number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) if dt.is_duration() => number(dt.as_f64()),
        Data::DateTime(_) | Data::DateTimeIso(_) => match data.as_date() {
            Some(date) => Cell::Date(date),
            None => Cell::Text(data.to_string()),
        },
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}
