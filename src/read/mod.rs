//! Reading exports: every supported file becomes one [`Table`].
//!
//! CSV-like text files ([`text`]) and workbooks ([`workbook`]) are read into a raw grid of
//! typed cells with the line or row number a user sees in a text editor or in Excel. The
//! header row is then located ([`header`]) and the rows below it become the table.
//! Nothing here knows about loans: that is the template's job.

pub mod header;
pub mod text;
pub mod workbook;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    /// A workbook error cell such as `#DIV/0!` or `#N/A`.
    Error(String),
}

impl Cell {
    /// Whether the cell holds nothing worth reading (empty or only whitespace).
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
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
    let t = crate::reference::fold(text.trim().trim_end_matches(':').trim());
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
    pub source: Arc<Source>,
    /// 1-based row (workbooks) or line (text files) as the user sees it.
    pub row: usize,
    /// The column header, when the place is a cell (shared, not copied per cell).
    pub column: Option<Arc<str>>,
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

/// A grid as read from the file, before the header is known.
#[derive(Debug, Default)]
pub struct Grid {
    pub rows: Vec<Row>,
    /// Text files: the encoding used to decode them.
    pub encoding: Option<&'static str>,
    /// Text files: the field delimiter.
    pub delimiter: Option<u8>,
}

/// A table: a header and the data rows below it.
#[derive(Debug)]
pub struct Table {
    pub source: Arc<Source>,
    pub headers: Vec<String>,
    /// The headers again, shared by the origins of every cell.
    pub shared_headers: Vec<Arc<str>>,
    /// The first header row (1-based).
    pub header_row: usize,
    /// How many rows form the header (2 for merged two-level headers).
    pub header_rows: usize,
    /// Non-blank rows above the header (titles, export notes), as text.
    pub preamble: Vec<String>,
    pub rows: Vec<Row>,
    /// Blank rows below the header, skipped.
    pub blank_rows: usize,
    pub encoding: Option<&'static str>,
    pub delimiter: Option<u8>,
    /// Whether the header row was found by matching the template (true) or given.
    pub header_detected: bool,
}

impl Table {
    pub fn origin(&self, row: &Row, column: Option<usize>) -> Origin {
        Origin {
            source: Arc::clone(&self.source),
            row: row.line,
            column: column.map(|c| {
                self.shared_headers
                    .get(c)
                    .cloned()
                    .unwrap_or_else(|| Arc::from(""))
            }),
        }
    }
}

// SHIM: replaced by the streaming reader.
impl Table {
    pub fn data_rows(&self) -> Result<DataRows<'_>, ReadError> {
        Ok(DataRows {
            rows: self.rows.iter(),
            blank: self.blank_rows,
        })
    }
}

pub struct DataRows<'a> {
    rows: std::slice::Iter<'a, Row>,
    blank: usize,
}

impl<'a> Iterator for DataRows<'a> {
    type Item = Result<std::borrow::Cow<'a, Row>, ReadError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.rows.next().map(|r| Ok(std::borrow::Cow::Borrowed(r)))
    }
}

impl DataRows<'_> {
    pub fn blank_rows(&self) -> usize {
        self.blank
    }
}

pub fn read_table_streamed(
    input: &InputRef,
    options: &ReadOptions,
    spec: &HeaderSpec,
) -> Result<Table, ReadError> {
    read_table(input, options, spec)
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
