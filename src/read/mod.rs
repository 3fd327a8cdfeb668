//! Reading exports: every supported file becomes one [`Table`].
//!
//! CSV-like text files ([`text`]) and workbooks ([`workbook`]) are read into a raw grid of
//! typed cells with the line or row number a user sees in a text editor or in Excel. The
//! header row is then located ([`header`]) and the rows below it become the table.
//! Nothing here knows about loans: that is the template's job.

pub mod biff;
pub mod container;
pub mod header;
pub mod intern;
pub mod merged;
pub mod ods;
pub mod sprawl;
pub mod text;
pub mod workbook;

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

pub use header::HeaderSpec;

/// One cell, with the type the source gave it. Text files only produce `Text` and `Empty`.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A workbook number cell (integers included).
    Number(f64),
    /// A workbook date or date-time cell, reduced to its calendar date.
    Date(NaiveDate),
    Bool(bool),
    /// A workbook error cell such as `#DIV/0!` or `#N/A`; or, starting with `=`, a
    /// formula whose value was never saved (see [`Cell::unsaved_formula`]).
    Error(String),
}

impl Cell {
    /// Whether the cell holds nothing worth reading (empty or only whitespace).
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => is_blank_text(s),
            _ => false,
        }
    }

    /// Whether the cell equals `other`, as `==` says (text compared by [`same_bytes`]).
    #[inline]
    pub fn same(&self, other: &Cell) -> bool {
        match (self, other) {
            (Cell::Text(a), Cell::Text(b)) => same_bytes(a.as_bytes(), b.as_bytes()),
            _ => self == other,
        }
    }

    /// The formula of a formula cell whose value was never saved (`=SUM(E5:E9)`): a
    /// workbook written by a program that does not compute formulas, until a spreadsheet
    /// program opens and saves it.
    pub fn unsaved_formula(&self) -> Option<&str> {
        match self {
            Cell::Error(e) if e.starts_with('=') => Some(e),
            _ => None,
        }
    }

    /// The cell as a user would read it: ids keep their digits (`123`, never `123.0` or
    /// `1.23E2`), dates are ISO.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.trim().to_string(),
            Cell::Number(n) => number_to_string(*n),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Cell::Error(e) => e.clone(),
        }
    }
}

/// Prints a float without exponent or spurious `.0`, rounding away binary noise
/// (`2000.4999999999998` prints `2000.5`).
pub fn number_to_string(n: f64) -> String {
    if n.is_finite() && n.fract() == 0.0 && n.abs() < 1e17 {
        // Exact integer: print all digits, never an exponent.
        #[allow(clippy::cast_possible_truncation)]
        return format!("{}", n as i64);
    }
    let s = format!("{n:.10}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// Words that mark a totals row in a key or label cell (accents and case ignored).
pub fn is_totals_word(text: &str) -> bool {
    let text = text.trim();
    // Most keys are ids: decide those without folding (this runs for every row).
    if text.len() > 24
        || text
            .chars()
            .next()
            .is_none_or(|c| c.is_ascii() && !matches!(c.to_ascii_lowercase(), 't' | 's' | 'g'))
    {
        return false;
    }
    let t = crate::reference::fold(text.trim_end_matches(':').trim());
    [
        "total",
        "totals",
        "totales",
        "totaux",
        "total geral",
        "grand total",
        "totale",
        "soma",
        "suma",
        "sum",
        "subtotal",
        "sous-total",
        "total general",
    ]
    .contains(&t.as_str())
}

/// Whether warnings about inputs are left out (`convert --quiet`: only errors).
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Leaves out (or prints again) the warnings of `warn_once`, as `--quiet` asks.
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}

/// Prints a warning about an input on stderr, once per file however often it is opened
/// (a workbook is opened again for each sheet and each pass); nothing under `--quiet`.
pub(crate) fn warn_once(path: &Path, message: &str) {
    static WARNED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    if QUIET.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    let mut warned = WARNED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !warned.iter().any(|p| p == path) {
        warned.push(path.to_path_buf());
        eprintln!("kiva-drafts: warning: {message}");
    }
}

/// Where a table came from, shared by all its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The file as the user named it.
    pub file: String,
    /// The sheet, for workbooks.
    pub sheet: Option<String>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(sheet) = &self.sheet {
            write!(f, ", sheet {sheet}")?;
        }
        Ok(())
    }
}

/// A place in the input, precise enough for a user to find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub source: &'static Source,
    /// 1-based row (workbooks) or line (text files) as the user sees it.
    pub row: usize,
    /// The column header, when the place is a cell (interned, not copied per cell).
    pub column: Option<&'static str>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, row {}", self.source, self.row)?;
        if let Some(column) = &self.column {
            write!(f, ", column '{column}'")?;
        }
        Ok(())
    }
}

/// One data row of a table.
#[derive(Debug, Clone)]
pub struct Row {
    /// 1-based row/line number as the user sees it.
    pub line: usize,
    pub cells: Vec<Cell>,
}

impl Row {
    pub fn cell(&self, index: usize) -> &Cell {
        self.cells.get(index).unwrap_or(&Cell::Empty)
    }

    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(Cell::is_blank)
    }
}

/// A row of text cells (empty text an empty cell), for tests.
#[cfg(test)]
pub(crate) fn text_row(line: usize, cells: &[&str]) -> Row {
    Row {
        line,
        cells: cells
            .iter()
            .map(|c| {
                if c.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text((*c).to_string())
                }
            })
            .collect(),
    }
}

/// Rows of text cells numbered from 1, for tests.
#[cfg(test)]
pub(crate) fn text_rows(lines: &[&[&str]]) -> Vec<Row> {
    (1..)
        .zip(lines)
        .map(|(i, cells)| text_row(i, cells))
        .collect()
}

/// Whether two byte strings are equal, as `==` says, without a call to `memcmp` when
/// they are short: the cells of a row are compared with the row before's, mostly a few
/// bytes long, and for those the call cost more than the comparison.
#[inline]
pub fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    // Two loads from each side, overlapping when the length is not twice the width.
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or([0; 8]));
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().unwrap_or([0; 4]));
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        _ => a == b,
    }
}

/// Whether text is empty or only whitespace (Unicode's, as `str::trim` sees it). Most
/// cells start with a visible ASCII character, which settles it at once.
pub fn is_blank_text(text: &str) -> bool {
    match text.as_bytes().first() {
        None => true,
        Some(b) if b.is_ascii_graphic() => false,
        Some(_) => text.trim().is_empty(),
    }
}

/// A grid as read from the file, before the header is known.
#[derive(Debug, Default)]
pub struct Grid {
    pub rows: Vec<Row>,
    /// Text files: the encoding used to decode them.
    pub encoding: Option<&'static str>,
    /// Text files: the field delimiter.
    pub delimiter: Option<u8>,
    /// Workbooks: the sheet's merged ranges ([`merged`]).
    pub merges: Vec<merged::Region>,
}

/// A table: a header and the data rows below it.
#[derive(Debug)]
pub struct Table {
    /// Interned ([`intern::source`]): every origin of the table's cells points to it.
    pub source: &'static Source,
    pub headers: Vec<String>,
    /// The headers again, shared by the origins of every cell.
    pub shared_headers: Vec<&'static str>,
    /// The first header row (1-based).
    pub header_row: usize,
    /// How many rows form the header (2 for merged two-level headers).
    pub header_rows: usize,
    /// Non-blank rows above the header (titles, export notes), as text.
    pub preamble: Vec<String>,
    /// The data rows read (non-blank rows below the header). For a streamed text file only
    /// those among the first records, read to find the header: [`Table::data_rows`] gives
    /// them all.
    pub rows: Vec<Row>,
    /// Blank rows below the header, skipped (for a streamed text file, among `rows`'
    /// records only: [`DataRows::blank_rows`] gives the total).
    pub blank_rows: usize,
    pub encoding: Option<&'static str>,
    pub delimiter: Option<u8>,
    /// Whether the header row was found by matching the template (true) or given.
    pub header_detected: bool,
    /// The records after `rows`, read from disk again on each pass; `None` when the
    /// table holds every row.
    pub(crate) stream: Option<Stream>,
    /// Cells merged down over data rows, as filled up to the end of `rows`: each pass
    /// over the rows read from disk goes on from there.
    pub(crate) merged: Option<merged::MergedDown>,
}

/// Where the rows after a table's first ones come from.
#[derive(Debug, Clone)]
pub(crate) enum Stream {
    Text(text::TextStream),
    Sheet(workbook::SheetStream),
}

impl Table {
    /// A text file's row's values past the header's last column, when one is not blank:
    /// a value with the delimiter in it, not quoted, split in two (and every value after
    /// it moved one column right). A delimiter at the end of each line (blank values
    /// past the header) is not one; neither is a workbook's cell beside the table (no
    /// delimiter splits cells there, and a note typed beside the table is common).
    pub fn values_past_header<'r>(&self, row: &'r Row) -> Option<&'r [Cell]> {
        self.delimiter?;
        let extra = row.cells.get(self.headers.len()..)?;
        (!extra.iter().all(Cell::is_blank)).then_some(extra)
    }

    /// Whether a text file's row with `values` values and the data row before it (with
    /// `before` values; blank lines between them aside) look like one row cut in two by a
    /// line break in a value that is not quoted: both have fewer values than the header
    /// has columns, and together they hold one more than it has (the value cut in two
    /// counted twice). An export that leaves out empty trailing values makes short rows
    /// too, but two in a row adding up to exactly that only by chance.
    pub fn cut_in_two(&self, before: usize, values: usize) -> bool {
        let width = self.headers.len();
        self.delimiter.is_some() && before < width && values < width && before + values == width + 1
    }

    /// Whether a data row repeats the header (a one-row header): its cells are the
    /// header's names, in their columns, for at least half of the named columns, and
    /// nothing else. Reports exported page by page repeat their header on each page.
    pub fn repeats_header(&self, row: &Row) -> bool {
        if self.header_rows != 1 {
            return false;
        }
        let mut same = 0usize;
        for (i, cell) in row.cells.iter().enumerate() {
            if cell.is_blank() {
                continue;
            }
            match (cell, self.headers.get(i)) {
                (Cell::Text(text), Some(name)) if text.trim() == name.trim() => same += 1,
                _ => return false,
            }
        }
        let named = self.headers.iter().filter(|h| !h.trim().is_empty()).count();
        same > 0 && same * 2 >= named
    }

    pub fn origin(&self, row: &Row, column: Option<usize>) -> Origin {
        Origin {
            source: self.source,
            row: row.line,
            column: column.map(|c| self.shared_headers.get(c).copied().unwrap_or("")),
        }
    }

    /// Merged cells below the header that span several rows, each read on every row
    /// it covers ([`merged`]).
    pub fn merged_ranges(&self) -> usize {
        self.merged.as_ref().map_or(0, |m| m.ranges)
    }

    /// Whether another pass over the rows costs little next to the work done per row:
    /// a text file's records are split fast, a workbook sheet is slow to parse again.
    pub fn rereads_cheaply(&self) -> bool {
        !matches!(self.stream, Some(Stream::Sheet(_)))
    }

    /// Every data row below the header, blank rows skipped, in file order: the rows in
    /// `self.rows`, then, for a streamed text file, the rest read from disk. Each call
    /// starts over from the first data row, so callers can make several passes.
    pub fn data_rows(&self) -> Result<DataRows<'_>, ReadError> {
        self.data_rows_keeping(None)
    }

    /// [`Table::data_rows`], where rows read from disk have only the cells of `columns`
    /// (the others empty): for a pass that reads a few columns. Loaded rows are whole.
    pub fn data_rows_keeping(&self, columns: Option<&[usize]>) -> Result<DataRows<'_>, ReadError> {
        let stream = match &self.stream {
            None => None,
            Some(Stream::Text(t)) => Some(Rows::Text(Box::new(t.open()?))),
            Some(Stream::Sheet(s)) => Some(Rows::Sheet(s.open())),
        };
        let keep = columns.map(|columns| {
            let mut keep = vec![false; columns.iter().max().map_or(0, |m| m + 1)];
            for c in columns {
                keep[*c] = true;
            }
            keep
        });
        Ok(DataRows {
            loaded: self.rows.iter(),
            stream,
            blank_rows: self.blank_rows,
            keep,
            buffer: Row {
                line: 0,
                cells: Vec::new(),
            },
            stamps: text::Stamps::default(),
            merged: self.merged.clone(),
        })
    }
}

/// A row from [`DataRows::next_stamped_row`], with the stamps of its cells when it has
/// them.
#[derive(Clone, Copy)]
pub struct StampedRow<'r> {
    pub row: &'r Row,
    pub stamps: Option<&'r [u64]>,
    /// This row's own stamp (that of the cells it changed); 0 without stamps.
    pub now: u64,
}

/// Rows being read from disk.
enum Rows {
    Text(Box<text::Records>),
    Sheet(workbook::SheetRows),
}

/// The data rows of a table, from [`Table::data_rows`], one at a time with
/// [`DataRows::next_row`]: those the table holds, then those read from the file. A read
/// error ends it.
pub struct DataRows<'a> {
    loaded: std::slice::Iter<'a, Row>,
    stream: Option<Rows>,
    blank_rows: usize,
    /// Columns to fill in rows read from disk (all when None).
    keep: Option<Vec<bool>>,
    /// The row [`DataRows::next_row`] reads into.
    buffer: Row,
    /// When `buffer`'s cells changed (text files).
    stamps: text::Stamps,
    /// Fills the cells merged down over the rows read from disk (workbooks).
    merged: Option<merged::MergedDown>,
}

impl DataRows<'_> {
    /// Blank rows below the header skipped so far, those the table skipped when it was
    /// read included: once the iterator is exhausted, the table's total.
    pub fn blank_rows(&self) -> usize {
        self.blank_rows
    }

    /// The next data row, like [`Iterator::next`], but read from disk into a buffer that
    /// the next call reuses: a pass over a large file allocates almost nothing per row.
    pub fn next_row(&mut self) -> Option<Result<&Row, ReadError>> {
        self.next_stamped_row().map(|row| row.map(|r| r.row))
    }

    /// [`DataRows::next_row`], with the stamps of its cells (see [`text::Stamps`]) when
    /// it was read from a text file: a row the table holds, or read from a workbook, has
    /// none.
    pub fn next_stamped_row(&mut self) -> Option<Result<StampedRow<'_>, ReadError>> {
        if let Some(row) = self.loaded.next() {
            return Some(Ok(StampedRow {
                row,
                stamps: None,
                now: 0,
            }));
        }
        loop {
            let next = match self.stream.as_mut()? {
                Rows::Text(records) => records.fill_row(
                    self.keep.as_deref(),
                    &mut self.buffer,
                    Some(&mut self.stamps),
                ),
                Rows::Sheet(rows) => rows.next_row().map(|row| {
                    row.map(|mut row| {
                        let blank = row.is_blank();
                        if let Some(merged) = self.merged.as_mut().filter(|_| !blank) {
                            merged.fill(&mut row);
                        }
                        self.buffer = row;
                        blank
                    })
                }),
            };
            match next {
                Ok(Some(true)) => self.blank_rows += 1,
                Ok(Some(false)) => {
                    let (stamps, now) = match self.stream {
                        Some(Rows::Text(_)) => (Some(self.stamps.get()), self.stamps.now()),
                        _ => (None, 0),
                    };
                    return Some(Ok(StampedRow {
                        row: &self.buffer,
                        stamps,
                        now,
                    }));
                }
                Ok(None) => {
                    self.stream = None;
                    return None;
                }
                Err(e) => {
                    self.stream = None;
                    return Some(Err(e));
                }
            }
        }
    }
}

/// What the user asked to read: a path and, for workbooks, a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRef {
    pub path: PathBuf,
    pub sheet: Option<String>,
}

impl InputRef {
    /// Parses `file.xlsx#Sheet` (or `file.xlsx#2`). A `#` that is part of an existing
    /// file's name is kept.
    pub fn parse(arg: &str) -> InputRef {
        if !Path::new(arg).exists()
            && let Some((path, sheet)) = arg.rsplit_once('#')
            && !sheet.is_empty()
        {
            return InputRef {
                path: PathBuf::from(path),
                sheet: Some(sheet.to_string()),
            };
        }
        InputRef {
            path: PathBuf::from(arg),
            sheet: None,
        }
    }

    pub fn is_workbook(&self) -> bool {
        workbook::is_workbook(&self.path)
    }

    /// Refuses an input that is not a regular file, before anything opens it: a folder,
    /// or a pipe or device (`<(zcat export.csv.gz)`, `/dev/stdin`), which can be read
    /// only once while an export is read several times (detection, then each pass): the
    /// second read would wait forever. A missing file is left to the readers.
    pub fn check(&self) -> Result<(), ReadError> {
        let Ok(meta) = std::fs::metadata(&self.path) else {
            return Ok(());
        };
        let refuse = |message: &str| {
            Err(ReadError::Format {
                file: self.path.display().to_string(),
                message: message.to_string(),
            })
        };
        if meta.is_dir() {
            refuse("is a folder, not an export file")
        } else if !meta.is_file() {
            refuse(
                "is a pipe or a device, not a file: an export is read more than once, so save it to a file and give that",
            )
        } else {
            Ok(())
        }
    }
}

/// Options for reading one input, from the template and the command line.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Encoding label (`windows-1252`, `utf-8`, ...) overriding detection.
    pub encoding: Option<String>,
    /// Delimiter overriding sniffing.
    pub delimiter: Option<u8>,
    /// Sheet name or 1-based index used when the input names none.
    pub sheet: Option<String>,
}

/// An input that could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{file}: cannot read: {message}")]
    Io { file: String, message: String },
    #[error("{file}: {message}")]
    Format { file: String, message: String },
    #[error("{file}: sheet '{sheet}' not found (sheets: {available})")]
    SheetNotFound {
        file: String,
        sheet: String,
        available: String,
    },
    #[error("{input}: the file is empty")]
    Empty { input: Source },
    #[error("{input}: {message}")]
    Header { input: Source, message: String },
}

/// Reads an input into a table, locating its header with `spec`.
pub fn read_table(
    input: &InputRef,
    options: &ReadOptions,
    spec: &HeaderSpec,
) -> Result<Table, ReadError> {
    let (source, grid) = if input.is_workbook() {
        let sheet = input.sheet.as_deref().or(options.sheet.as_deref());
        workbook::read(&input.path, sheet)?
    } else {
        let source = Source {
            file: input.path.display().to_string(),
            sheet: None,
        };
        let grid = text::read(&input.path, options)?;
        (source, grid)
    };
    header::build_table(source, grid, spec)
}

/// Reads an input like [`read_table`], but a delimited text file is not loaded whole:
/// only its first rows are read (enough to find the header); the rest is read again from
/// disk by each [`Table::data_rows`] call, so memory stays bounded whatever the file's
/// size. Workbooks are read as by [`read_table`].
///
/// The table's fields are those [`read_table`] gives, except that `rows` and `blank_rows`
/// cover the first records only. A file that fits in those records is loaded.
pub fn read_table_streamed(
    input: &InputRef,
    options: &ReadOptions,
    spec: &HeaderSpec,
) -> Result<Table, ReadError> {
    if input.is_workbook() {
        if !workbook::streams(&input.path) {
            return read_table(input, options, spec);
        }
        let sheet = input.sheet.as_deref().or(options.sheet.as_deref());
        let (source, rows, rest, merges) = workbook::read_prefix(&input.path, sheet, |rows| {
            header::has_enough_rows(rows, spec)
        })?;
        let grid = Grid {
            rows,
            encoding: None,
            delimiter: None,
            merges,
        };
        let mut table = header::build_table(source, grid, spec)?;
        table.stream = rest.map(Stream::Sheet);
        return Ok(table);
    }
    let source = Source {
        file: input.path.display().to_string(),
        sheet: None,
    };
    let prefix = text::read_prefix(&input.path, options, |rows| {
        header::has_enough_rows(rows, spec)
    })?;
    let grid = Grid {
        rows: prefix.rows,
        encoding: Some(prefix.encoding),
        delimiter: Some(prefix.delimiter),
        merges: Vec::new(),
    };
    // The header search only looks at the first rows: on enough of them it finds what it
    // finds on the whole file.
    let mut table = header::build_table(source, grid, spec)?;
    table.stream = prefix.rest.map(Stream::Text);
    Ok(table)
}

#[cfg(test)]
mod tests;
