//! How to read the input, as the template will say it: where the header is, the title
//! rows above it, and the decimal separator the values show.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn where_of(sheet: &Sheet) -> String {
    match &sheet.sheet {
        Some(name) => format!("sheet {name}"),
        None => format!("file {}", sheet.file_name()),
    }
}

pub(super) fn settings(sheet: &Sheet, decimal: Option<(String, String)>) -> InputSettings {
    let table = sheet.table.as_ref();
    InputSettings {
        file: sheet.file.clone(),
        sheet: sheet.sheet.clone(),
        header_row: table.map_or(0, |t| t.header_row),
        header_rows: table.map_or(1, |t| t.header_rows),
        title_rows: table.map_or(0, |t| t.preamble.len()),
        encoding: sheet.encoding.map(str::to_string),
        delimiter: sheet.delimiter.map(|d| {
            if d == b'\t' {
                "tab".to_string()
            } else {
                (d as char).to_string()
            }
        }),
        decimal: decimal.as_ref().map(|d| d.0.clone()),
        decimal_evidence: decimal.map(|d| d.1),
        key: None,
        workbook: sheet.workbook,
    }
}

/// The decimal separator the numbers written as text show, with the value showing it.
pub(super) fn decimal_of(sheet: &Sheet, warnings: &mut Vec<String>) -> Option<(String, String)> {
    let numeric = || {
        sheet
            .columns
            .iter()
            .filter(|p| matches!(p.kind, ColumnType::Money | ColumnType::Number))
    };
    let comma = numeric().find_map(|p| {
        p.comma_example
            .as_ref()
            .map(|e| (p.header.clone(), e.clone()))
    });
    let point = numeric().find_map(|p| {
        p.point_example
            .as_ref()
            .map(|e| (p.header.clone(), e.clone()))
    });
    match (comma, point) {
        (Some((h, e)), None) => Some((
            ",".into(),
            format!("'{e}' in '{h}' reads only with a decimal comma"),
        )),
        (Some((h1, e1)), Some((h2, e2))) => {
            warnings.push(format!(
                "{}: '{e1}' in '{h1}' needs a decimal comma but '{e2}' in '{h2}' a decimal point; set decimal per column",
                where_of(sheet)
            ));
            None
        }
        _ => None,
    }
}
