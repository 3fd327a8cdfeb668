//! The annotated workbook: a copy of the input rows with a Status column.
//!
//! Like Fineract's bulk-import re-upload sheet, it sends the coordinator back to the
//! export where it was made: every input row, in order, with its header, its values
//! (numbers as numbers, dates as dates) and a Status cell saying `OK`, `IGNORED: ...` or
//! each error and warning, the row coloured red, yellow, grey or green.

use std::collections::HashMap;
use std::path::Path;

use chrono::Datelike;
use rust_xlsxwriter::{Color, ExcelDateTime, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::read::{Cell, Table};
use crate::validate::Severity;

/// The state of one input row.
#[derive(Debug, Clone, Default)]
pub struct RowStatus {
    /// Errors and warnings, already worded for the Status cell.
    pub notes: Vec<(Severity, String)>,
    /// Why the row was not used, when it was not.
    pub ignored: Option<String>,
}

impl RowStatus {
    /// The Status cell's text.
    pub fn text(&self) -> String {
        if self.notes.is_empty() {
            return match &self.ignored {
                Some(reason) => format!("IGNORED: {reason}"),
                None => "OK".to_string(),
            };
        }
        let mut notes: Vec<&(Severity, String)> = self.notes.iter().collect();
        notes.sort_by_key(|(s, _)| *s);
        notes.dedup();
        notes
            .iter()
            .map(|(s, m)| {
                format!(
                    "{}: {m}",
                    if *s == Severity::Error {
                        "ERROR"
                    } else {
                        "WARNING"
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn worst(&self) -> Option<Severity> {
        self.notes.iter().map(|(s, _)| *s).min()
    }
}

/// Row statuses keyed by (file, sheet, row).
pub type Statuses = HashMap<(String, Option<String>, usize), RowStatus>;

/// Writes the annotated workbook: one sheet per input table.
pub fn write(path: &Path, tables: &[Table], statuses: &Statuses) -> Result<(), String> {
    let bytes = build(tables, statuses)
        .map_err(|e| format!("{}: cannot write the workbook: {e}", path.display()))?;
    crate::emit::write_atomic(path, &bytes).map_err(|e| e.0)
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, unique.
fn sheet_name(table: &Table, used: &mut Vec<String>) -> String {
    let base = table.source.sheet.clone().unwrap_or_else(|| {
        Path::new(&table.source.file)
            .file_stem()
            .map_or_else(|| "Sheet".to_string(), |s| s.to_string_lossy().to_string())
    });
    let clean: String = base
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(28)
        .collect();
    let mut name = clean.clone();
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) {
        name = format!("{clean} {n}");
        n += 1;
    }
    used.push(name.clone());
    name
}

fn build(tables: &[Table], statuses: &Statuses) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0x00D9_E1F2))
        .set_border_bottom(FormatBorder::Thin);
    let fills = [
        (Some(Severity::Error), Color::RGB(0x00FF_C7CE)),
        (Some(Severity::Warning), Color::RGB(0x00FF_EB9C)),
        (None, Color::RGB(0x00C6_EFCE)),
    ];
    let ignored_fill = Color::RGB(0x00E7_E6E6);
    let mut used = Vec::new();
    for table in tables {
        let sheet = workbook.add_worksheet();
        sheet.set_name(sheet_name(table, &mut used))?;
        let status_col = u16::try_from(table.headers.len()).unwrap_or(u16::MAX - 1);
        for (c, name) in table.headers.iter().enumerate() {
            sheet.write_string_with_format(0, col(c), name, &header)?;
        }
        sheet.write_string_with_format(0, status_col, "Status", &header)?;
        sheet.write_string_with_format(0, status_col + 1, "Source row", &header)?;
        for (r, row) in table.rows.iter().enumerate() {
            let key = (
                table.source.file.clone(),
                table.source.sheet.clone(),
                row.line,
            );
            let status = statuses.get(&key).cloned().unwrap_or_default();
            let fill = if status.notes.is_empty() && status.ignored.is_some() {
                ignored_fill
            } else {
                fills
                    .iter()
                    .find(|(s, _)| *s == status.worst())
                    .map_or(ignored_fill, |(_, c)| *c)
            };
            let text = Format::new().set_background_color(fill);
            let date = Format::new()
                .set_background_color(fill)
                .set_num_format("yyyy-mm-dd");
            let excel_row = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for c in 0..table.headers.len() {
                write_cell(sheet, excel_row, col(c), row.cell(c), &text, &date)?;
            }
            sheet.write_string_with_format(excel_row, status_col, status.text(), &text)?;
            sheet.write_number_with_format(
                excel_row,
                status_col + 1,
                f64::from(u32::try_from(row.line).unwrap_or(0)),
                &text,
            )?;
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofit();
        sheet.set_column_width(status_col, 60)?;
    }
    if tables.is_empty() {
        workbook.add_worksheet();
    }
    workbook.save_to_buffer()
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX - 2)
}

fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    cell: &Cell,
    text: &Format,
    date: &Format,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Empty => sheet.write_blank(row, column, text).map(|_| ()),
        Cell::Text(s) => sheet
            .write_string_with_format(row, column, s, text)
            .map(|_| ()),
        Cell::Number(n) => sheet
            .write_number_with_format(row, column, *n, text)
            .map(|_| ()),
        Cell::Bool(b) => sheet
            .write_boolean_with_format(row, column, *b, text)
            .map(|_| ()),
        Cell::Error(e) => sheet
            .write_string_with_format(row, column, e, text)
            .map(|_| ()),
        Cell::Date(d) => {
            let (y, m, dd) = (
                u16::try_from(d.year()).unwrap_or(1900),
                u8::try_from(d.month()).unwrap_or(1),
                u8::try_from(d.day()).unwrap_or(1),
            );
            match ExcelDateTime::from_ymd(y, m, dd) {
                Ok(value) => sheet
                    .write_datetime_with_format(row, column, &value, date)
                    .map(|_| ()),
                Err(_) => sheet
                    .write_string_with_format(row, column, cell.display(), text)
                    .map(|_| ()),
            }
        }
    }
}
