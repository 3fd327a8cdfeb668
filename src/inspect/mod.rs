//! `inspect`: understand an unknown export and draft its template.
//!
//! Writing a template from nothing is where new users give up, so `inspect` reads the
//! export the way a person would: it finds the header below the title rows by content
//! ([`layout`]), profiles every column ([`profile`]), recognizes headers in English,
//! Spanish, French and Portuguese ([`fields`]), infers the shape and the keys with the
//! evidence for each decision ([`shape`]), prints it all readable at 80 columns
//! ([`render`]) or as JSON, and writes a starter template ([`template_writer`]) that
//! says why it guessed what it guessed and lists what it could not find.

pub mod fields;
pub mod layout;
pub mod profile;
pub mod render;
pub mod shape;
pub mod template_writer;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::read::header::{HeaderSpec, build_table, column_letter};
use crate::read::{Cell, Grid, InputRef, ReadError, Row, Source, Table, text, workbook};
use crate::{Error, Outcome};

use profile::{ColumnType, Profile};
use shape::Export;

/// `kiva-drafts inspect FILE...`.
#[derive(Debug, Clone, clap::Args)]
pub struct InspectArgs {
    /// Export files to inspect (CSV/TSV/TXT, xlsx, xls, ods); `file.xlsx#Sheet` names a
    /// sheet. Give the loans export and, when separate, the schedule export.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Inspect only this sheet of the workbooks (name or 1-based index).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Write a starter template here, every guess commented with its evidence.
    #[arg(long, value_name = "OUT.toml")]
    pub write_template: Option<PathBuf>,
    /// Print the findings as JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// One sheet of a workbook, or a text file, as read and profiled.
#[derive(Debug)]
pub struct Sheet {
    /// The file as the user named it.
    pub file: String,
    /// `csv`, `tsv`, `txt`, `xlsx`, `xls`, `ods`, ...
    pub format: String,
    pub workbook: bool,
    pub sheet: Option<String>,
    /// Rows and columns of the used range, as the file holds them.
    pub size: (usize, usize),
    pub encoding: Option<&'static str>,
    pub delimiter: Option<u8>,
    /// `None` when the sheet is blank.
    pub table: Option<Table>,
    /// Trailing totals rows: (row, cells joined with " | ").
    pub totals: Vec<(usize, String)>,
    /// Row numbers of the data rows (totals excluded).
    pub data_lines: Vec<usize>,
    /// Row numbers of the data rows with values past the header's last column
    /// ([`Table::values_past_header`]), whose loans `convert` fails.
    pub past_header: Vec<usize>,
    /// Rows that repeat the header ([`Table::repeats_header`]), left out of the data.
    pub repeated_header: Vec<usize>,
    /// Groups of data rows (their row numbers) that look like one row cut by line
    /// breaks in a value that is not quoted ([`cut_rows`]).
    pub cut: Vec<Vec<usize>>,
    pub columns: Vec<Profile>,
}

/// The rows that look like one row cut by line breaks in a value that is not quoted, as
/// `convert` finds them ([`crate::group::Cuts`]): each cut row's parts, in order.
fn cut_rows(table: &Table, rows: &[&Row]) -> Vec<Vec<usize>> {
    let mut cuts = crate::group::Cuts::default();
    let mut found: Vec<Vec<usize>> = Vec::new();
    for row in rows {
        let Some(cut) = cuts.check(table, row) else {
            continue;
        };
        match (cut.first, found.last_mut()) {
            (None, Some(parts)) => parts.push(cut.this.origin.row),
            (first, _) => found.push(
                first
                    .map(|(_, p)| p.origin.row)
                    .into_iter()
                    .chain([cut.this.origin.row])
                    .collect(),
            ),
        }
    }
    found
}

impl Sheet {
    /// The file's name without its folder.
    pub fn file_name(&self) -> String {
        Path::new(&self.file)
            .file_name()
            .map_or_else(|| self.file.clone(), |n| n.to_string_lossy().into_owned())
    }
}

/// A column as reported.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnReport {
    pub letter: String,
    pub header: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    pub filled: usize,
    /// Percent of data rows with a value.
    pub fill_rate: usize,
    pub distinct: usize,
    pub samples: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<profile::DateInfo>,
    /// The template field this column feeds, when mapped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// A totals row below the data.
#[derive(Debug, Clone, Serialize)]
pub struct TotalsRow {
    pub row: usize,
    pub cells: String,
}

/// A sheet (or text file) as reported.
#[derive(Debug, Clone, Serialize)]
pub struct SheetReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// The used range as the file holds it.
    pub size: Size,
    /// `loans`, `schedule`, `other` or `empty`.
    pub role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_row: Option<usize>,
    pub header_rows: usize,
    pub preamble: Vec<String>,
    pub data_rows: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_data_row: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_data_row: Option<usize>,
    pub totals_rows: Vec<TotalsRow>,
    /// Data rows with values past the header's last column (text files): a value with
    /// the delimiter in it, not quoted? `convert` fails their loans.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows_past_header: Vec<usize>,
    /// Rows that repeat the header (a report's page breaks), not counted as data.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub header_repeated: Vec<usize>,
    /// Groups of consecutive rows that look like one row cut by line breaks in a value
    /// that is not quoted (text files).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows_cut: Vec<Vec<usize>>,
    pub columns: Vec<ColumnReport>,
}

/// Rows and columns of a sheet.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Size {
    pub rows: usize,
    pub columns: usize,
}

/// A file as reported.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub file: String,
    pub format: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    pub sheets: Vec<SheetReport>,
}

/// Everything `inspect` found; `--json` prints this.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    pub files: Vec<FileReport>,
    pub export: Export,
    /// The command line that converts the export with the starter template.
    pub convert: String,
    /// Where the template was written, with `--write-template`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// The starter template's text.
    #[serde(skip)]
    pub template_text: String,
}

fn format_of(path: &Path) -> String {
    path.extension().map_or_else(
        || "text".to_string(),
        |e| e.to_string_lossy().to_lowercase(),
    )
}

/// Reads a grid, finds its header by content and profiles its columns.
fn analyse(
    file: &str,
    format: String,
    workbook: bool,
    source: Source,
    grid: Grid,
) -> Result<Sheet, Error> {
    let size = (
        grid.rows.last().map_or(0, |r| r.line),
        grid.rows.iter().map(|r| r.cells.len()).max().unwrap_or(0),
    );
    let (encoding, delimiter) = (grid.encoding, grid.delimiter);
    let mut sheet = Sheet {
        file: file.to_string(),
        format,
        workbook,
        sheet: source.sheet.clone(),
        size,
        encoding,
        delimiter,
        table: None,
        totals: Vec::new(),
        data_lines: Vec::new(),
        past_header: Vec::new(),
        repeated_header: Vec::new(),
        cut: Vec::new(),
        columns: Vec::new(),
    };
    let Some(header) = layout::find_header(&grid.rows) else {
        return Ok(sheet);
    };
    let spec = HeaderSpec {
        header_row: Some(header.row),
        header_rows: header.rows,
        ..HeaderSpec::default()
    };
    let table = build_table(source, grid, &spec)?;
    let mut data_end = table.rows.len();
    while data_end > 0 && layout::is_totals_row(&table.rows[data_end - 1]) {
        data_end -= 1;
    }
    sheet.totals = table.rows[data_end..]
        .iter()
        .map(|r| {
            let cells: Vec<String> = r
                .cells
                .iter()
                .filter(|c| !c.is_blank())
                .map(Cell::display)
                .collect();
            (r.line, cells.join(" | "))
        })
        .collect();
    // The header repeated on a new page of a report is no data row (`convert` ignores it).
    let (repeated, data): (Vec<&Row>, Vec<&Row>) = table.rows[..data_end]
        .iter()
        .partition(|r| table.repeats_header(r));
    sheet.repeated_header = repeated.iter().map(|r| r.line).collect();
    sheet.data_lines = data.iter().map(|r| r.line).collect();
    sheet.past_header = data
        .iter()
        .filter(|r| table.values_past_header(r).is_some())
        .map(|r| r.line)
        .collect();
    sheet.cut = cut_rows(&table, &data);
    sheet.columns = table
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let cells: Vec<&Cell> = data.iter().map(|r| r.cell(i)).collect();
            profile::profile(i, column_letter(i), h.clone(), &cells)
        })
        .collect();
    sheet.table = Some(table);
    Ok(sheet)
}

/// Reads a text export as `convert` does (decoding, delimiter sniffing, line numbers).
fn read_text(path: &Path) -> Result<Grid, ReadError> {
    text::read(path, &crate::read::ReadOptions::default())
}

/// Reads one command-line input: every sheet of a workbook (or the one asked for), or
/// the text file.
fn load(arg: &str, only_sheet: Option<&str>) -> Result<Vec<Sheet>, Error> {
    let input = InputRef::parse(arg);
    input.check()?;
    let file = input.path.display().to_string();
    let format = format_of(&input.path);
    if input.is_workbook() {
        let names = match input.sheet.as_deref().or(only_sheet) {
            Some(wanted) => vec![wanted.to_string()],
            None => workbook::sheet_names(&input.path)?,
        };
        let mut out = Vec::new();
        for name in names {
            let (source, grid) = workbook::read(&input.path, Some(&name))?;
            out.push(analyse(&file, format.clone(), true, source, grid)?);
        }
        Ok(out)
    } else {
        let grid = read_text(&input.path)?;
        let source = Source {
            file: file.clone(),
            sheet: None,
        };
        if grid.rows.iter().all(Row::is_blank) {
            return Err(Error::Read(crate::read::ReadError::Empty { input: source }));
        }
        Ok(vec![analyse(&file, format, false, source, grid)?])
    }
}

fn quote_arg(arg: &str) -> String {
    if arg.is_empty()
        || arg
            .chars()
            .any(|c| c.is_whitespace() || "'\"$`\\!*?#&;|<>()".contains(c))
    {
        format!("'{}'", arg.replace('\'', "'\\''"))
    } else {
        arg.to_string()
    }
}

/// The convert command for the inferred inputs.
fn convert_command(export: &Export, template: &str) -> String {
    let mut files: Vec<String> = Vec::new();
    for i in &export.inputs {
        if !files.contains(&i.file) {
            files.push(i.file.clone());
        }
    }
    if export.schedule == "file"
        && let Some(s) = &export.schedule_input
    {
        let arg = match (&s.sheet, s.workbook) {
            (Some(sheet), true) => format!("{}#{sheet}", s.file),
            _ => s.file.clone(),
        };
        files.push(arg);
    }
    let inputs: Vec<String> = files.iter().map(|f| quote_arg(f)).collect();
    format!(
        "kiva-drafts convert {} --template {} --out drafts",
        inputs.join(" "),
        quote_arg(template)
    )
}

/// Inspects the inputs; `template` is where the starter template will be written (for
/// the suggested command).
pub fn inspect(
    files: &[String],
    sheet: Option<&str>,
    template: Option<&Path>,
) -> Result<Inspection, Error> {
    let mut sheets = Vec::new();
    for f in files {
        sheets.extend(load(f, sheet)?);
    }
    let export = shape::infer(&sheets);
    let template_name =
        template.map_or_else(|| "TEMPLATE.toml".to_string(), |t| t.display().to_string());
    let convert = convert_command(&export, &template_name);
    let template_text = template_writer::write(&export, files, &convert);
    let mut reports: Vec<FileReport> = Vec::new();
    for (i, s) in sheets.iter().enumerate() {
        let table = s.table.as_ref();
        let report = SheetReport {
            sheet: s.sheet.clone(),
            size: Size {
                rows: s.size.0,
                columns: s.size.1,
            },
            role: export.roles[i],
            header_row: table.map(|t| t.header_row),
            header_rows: table.map_or(1, |t| t.header_rows),
            preamble: table.map_or_else(Vec::new, |t| t.preamble.clone()),
            data_rows: s.data_lines.len(),
            first_data_row: s.data_lines.first().copied(),
            last_data_row: s.data_lines.last().copied(),
            totals_rows: s
                .totals
                .iter()
                .map(|(row, cells)| TotalsRow {
                    row: *row,
                    cells: cells.clone(),
                })
                .collect(),
            rows_past_header: s.past_header.clone(),
            header_repeated: s.repeated_header.clone(),
            rows_cut: s.cut.clone(),
            columns: s
                .columns
                .iter()
                .map(|p| ColumnReport {
                    letter: p.letter.clone(),
                    header: p.header.clone(),
                    kind: p.kind,
                    filled: p.filled,
                    fill_rate: p.fill_percent(),
                    distinct: p.distinct,
                    samples: p.samples.clone(),
                    date: p.date.clone(),
                    field: export.column_fields[i].get(p.index).cloned().flatten(),
                })
                .collect(),
        };
        match reports.last_mut() {
            Some(last) if last.file == s.file => last.sheets.push(report),
            _ => reports.push(FileReport {
                file: s.file.clone(),
                format: s.format.clone(),
                encoding: s.encoding.map(str::to_string),
                delimiter: s.delimiter.map(|d| {
                    if d == b'\t' {
                        "tab".to_string()
                    } else {
                        (d as char).to_string()
                    }
                }),
                sheets: vec![report],
            }),
        }
    }
    Ok(Inspection {
        files: reports,
        export,
        convert,
        template: template.map(|t| t.display().to_string()),
        template_text,
    })
}

/// Runs `inspect`.
pub fn run(args: &InspectArgs) -> Result<Outcome, Error> {
    let inspection = inspect(
        &args.files,
        args.sheet.as_deref(),
        args.write_template.as_deref(),
    )?;
    if let Some(path) = &args.write_template {
        crate::template::Template::parse(&inspection.template_text).map_err(|e| {
            Error::Usage(format!(
                "internal error: the starter template does not parse ({e}); please report it"
            ))
        })?;
        std::fs::write(path, &inspection.template_text).map_err(|e| {
            Error::Usage(format!(
                "cannot write template '{}': {}",
                path.display(),
                text::io_message(&e)
            ))
        })?;
    }
    if args.json {
        let mut json = serde_json::to_string_pretty(&inspection).unwrap_or_default();
        json.push('\n');
        print!("{json}");
    } else {
        print!("{}", render::human(&inspection));
    }
    Ok(Outcome::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_arguments_are_quoted_when_needed() {
        assert_eq!(
            quote_arg("samples/es/prestamos.csv"),
            "samples/es/prestamos.csv"
        );
        assert_eq!(
            quote_arg("my export.xlsx#Hoja 1"),
            "'my export.xlsx#Hoja 1'"
        );
        assert_eq!(quote_arg("it's.csv"), "'it'\\''s.csv'");
    }
}
