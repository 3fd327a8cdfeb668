//! A blank input workbook, for partners whose MIS has no usable export.
//!
//! `kiva-drafts template --blank loans.xlsx` writes a workbook to fill in by hand, and
//! the template that converts it: an Instructions sheet, the loans (or borrowers) sheet
//! and the schedule sheet with date-formatted date columns, dropdown lists (data
//! validation) for gender and yes/no columns and, with Kiva's lists from `config pull`,
//! for activities, themes, locations, languages and currencies.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{
    DataValidation, Format, FormatBorder, Formula, Workbook, Worksheet, XlsxError,
};

use crate::reference::Cache;

/// The two layouts offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BlankShape {
    /// One row per loan (individual loans) + a schedule sheet.
    PerLoan,
    /// One row per borrower; a Group ID makes group loans + a schedule sheet.
    PerBorrower,
}

/// What a column holds, for its format and dropdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Input {
    Text,
    Number,
    Date,
    Gender,
    YesNo,
    /// A dropdown from one of Kiva's lists (index into the Lists sheet).
    List(usize),
}

struct Column {
    header: &'static str,
    help: &'static str,
    input: Input,
    /// The template line mapping this column.
    mapping: String,
}

const ROWS: u32 = 1000;

fn column(header: &'static str, help: &'static str, input: Input, mapping: &str) -> Column {
    Column {
        header,
        help,
        input,
        mapping: mapping.to_string(),
    }
}

/// Kiva's lists used as dropdowns: (name, values, template field).
fn lists(cache: &Cache) -> Vec<(&'static str, Vec<String>)> {
    vec![
        (
            "Activity",
            cache.activities.iter().map(|a| a.name.clone()).collect(),
        ),
        (
            "Theme",
            cache.themes.iter().map(|t| t.name.clone()).collect(),
        ),
        (
            "Location",
            cache.locations.iter().map(|l| l.location.clone()).collect(),
        ),
        (
            "Language",
            cache.languages.iter().map(|l| l.name.clone()).collect(),
        ),
        ("Currency", cache.currencies.clone()),
    ]
}

fn loan_columns(shape: BlankShape, cache: Option<&Cache>) -> Vec<Column> {
    let mut c = Vec::new();
    if shape == BlankShape::PerBorrower {
        c.push(column(
            "Group ID",
            "Same value on every member of a group loan; empty for an individual loan.",
            Input::Text,
            "group = \"Group ID\"",
        ));
        c.push(column(
            "Group Name",
            "The group's name as shown on Kiva (group loans).",
            Input::Text,
            "group_name = \"Group Name\"",
        ));
    }
    c.push(column(
        "Loan No",
        "The loan's number in your records (each member's own loan number in a group).",
        Input::Text,
        "loan = \"Loan No\"",
    ));
    c.push(column(
        "Client ID",
        "The borrower's client number in your records.",
        Input::Text,
        "client_id = \"Client ID\"",
    ));
    c.push(column(
        "First Name",
        "Borrower's first (given) names.",
        Input::Text,
        "first_name = \"First Name\"",
    ));
    c.push(column(
        "Last Name",
        "Borrower's last (family) names.",
        Input::Text,
        "last_name = \"Last Name\"",
    ));
    c.push(column(
        "Gender",
        "female, male or unknown (choose from the list).",
        Input::Gender,
        "gender = \"Gender\"",
    ));
    c.push(column(
        "Amount",
        "This borrower's part of the loan, in the loan's currency (a number).",
        Input::Number,
        "amount = \"Amount\"",
    ));
    let currency = if cache.is_some() {
        Input::List(4)
    } else {
        Input::Text
    };
    c.push(column(
        "Currency",
        "ISO 4217 code of the loan's currency (USD, UGX, PEN...).",
        currency,
        if cache.is_some() {
            "currency = { column = \"Currency\", resolve = true }"
        } else {
            "currency = \"Currency\""
        },
    ));
    c.push(column(
        "Disbursement Date",
        "The day the loan was paid out (a date).",
        Input::Date,
        "disburse_time = \"Disbursement Date\"",
    ));
    c.push(column(
        "Loan Use",
        "What the loan is for, in one sentence.",
        Input::Text,
        "loanuse = { column = \"Loan Use\", combine = \"join\" }",
    ));
    c.push(column(
        "Description",
        "The borrower's story (can also be written in PA2).",
        Input::Text,
        "description = { column = \"Description\", combine = \"first\" }",
    ));
    if cache.is_some() {
        c.push(column(
            "Activity",
            "Kiva activity (choose from the list).",
            Input::List(0),
            "activity_id = { column = \"Activity\", resolve = true }",
        ));
        c.push(column(
            "Theme",
            "Kiva loan theme, if any (choose from the list).",
            Input::List(1),
            "theme_type_id = { column = \"Theme\", resolve = true }",
        ));
        c.push(column(
            "Location",
            "One of your Kiva locations (choose from the list).",
            Input::List(2),
            "location = { column = \"Location\", resolve = true }",
        ));
        c.push(column(
            "Language",
            "Language of the description (choose from the list).",
            Input::List(3),
            "description_language_id = { column = \"Language\", resolve = true }",
        ));
    } else {
        c.push(column(
            "Location",
            "One of your Kiva locations, as defined in PA2.",
            Input::Text,
            "location = \"Location\"",
        ));
    }
    if shape == BlankShape::PerBorrower {
        c.push(column(
            "Pictured",
            "Yes if this borrower is in the group photo.",
            Input::YesNo,
            "not_pictured = { column = \"Pictured\", map = { Yes = false, No = true } }",
        ));
    }
    c.push(column(
        "Waiver Signed",
        "Yes once the borrower signed Kiva's waiver.",
        Input::YesNo,
        "client_waiver_signed = \"Waiver Signed\"",
    ));
    c
}

fn schedule_columns() -> Vec<Column> {
    vec![
        column(
            "Loan No",
            "The loan (or member loan) this installment belongs to.",
            Input::Text,
            "key = \"Loan No\"",
        ),
        column(
            "Due Date",
            "The installment's due date (a date).",
            Input::Date,
            "date = \"Due Date\"",
        ),
        column(
            "Principal",
            "Principal due (a number).",
            Input::Number,
            "principal = \"Principal\"",
        ),
        column(
            "Interest",
            "Interest due (a number).",
            Input::Number,
            "interest = \"Interest\"",
        ),
    ]
}

fn sheet_names(shape: BlankShape) -> (&'static str, &'static str) {
    match shape {
        BlankShape::PerLoan => ("Loans", "Schedule"),
        BlankShape::PerBorrower => ("Borrowers", "Schedule"),
    }
}

fn lookup(columns: &[Column], prefix: &str) -> Vec<String> {
    let key = format!("{prefix} =");
    columns
        .iter()
        .filter(|c| c.mapping.starts_with(&key))
        .map(|c| c.mapping.clone())
        .collect()
}

/// The template that converts the filled-in workbook.
pub fn template_text(shape: BlankShape, cache: Option<&Cache>) -> String {
    let columns = loan_columns(shape, cache);
    let (loans, schedule) = sheet_names(shape);
    let mut t = String::new();
    t.push_str("# Converts a workbook written by `kiva-drafts template --blank` once filled in.\n");
    if cache.is_some() {
        t.push_str("# Activity, theme, location, language and currency are resolved by name through\n# Kiva's lists: convert with --config-cache FILE (or after `kiva-drafts config pull`).\n");
    }
    let shape_name = if shape == BlankShape::PerLoan {
        "per-loan"
    } else {
        "per-borrower"
    };
    t.push_str(&format!("\nname = \"Blank workbook ({shape_name})\"\nshape = \"{shape_name}\"\n\n[input]\nsheet = \"{loans}\"\nheader_row = 1\n\n[schedule_input]\nsheet = \"{schedule}\"\nheader_row = 1\nkey = \"Loan No\"\n\n[keys]\nloan = \"Loan No\"\n"));
    if shape == BlankShape::PerBorrower {
        t.push_str("group = \"Group ID\"\nborrower = \"Client ID\"\n");
    }
    t.push_str("\n[loan]\n");
    for prefix in [
        "group_name",
        "currency",
        "disburse_time",
        "loanuse",
        "description",
        "activity_id",
        "theme_type_id",
        "location",
        "description_language_id",
        "client_waiver_signed",
    ] {
        for line in lookup(&columns, prefix) {
            t.push_str(&line);
            t.push('\n');
        }
    }
    if shape == BlankShape::PerBorrower {
        t.push_str("internal_loan_id = { members = \"loan_id\" }\ninternal_client_id = { members = \"client_id\" }\n");
    }
    t.push_str("\n[borrower]\n");
    for prefix in [
        "first_name",
        "last_name",
        "gender",
        "client_id",
        "amount",
        "not_pictured",
    ] {
        for line in lookup(&columns, prefix) {
            t.push_str(&line);
            t.push('\n');
        }
    }
    t.push_str("loan_id = \"Loan No\"\n\n[schedule]\ndate = \"Due Date\"\nprincipal = \"Principal\"\ninterest = \"Interest\"\n");
    t
}

fn write_sheet(
    sheet: &mut Worksheet,
    columns: &[Column],
    lists_ranges: &[String],
    header: &Format,
    date: &Format,
) -> Result<(), XlsxError> {
    for (i, c) in columns.iter().enumerate() {
        let col = u16::try_from(i).unwrap_or(0);
        sheet.write_string_with_format(0, col, c.header, header)?;
        let width = u16::try_from(c.header.len() + 4).unwrap_or(40).max(14);
        sheet.set_column_width(col, f64::from(width))?;
        let validation = match c.input {
            Input::Date => {
                sheet.set_column_format(col, date)?;
                Some(
                    DataValidation::new()
                        .allow_any_value()
                        .set_input_message(c.help)?,
                )
            }
            Input::Gender => {
                Some(DataValidation::new().allow_list_strings(&["female", "male", "unknown"])?)
            }
            Input::YesNo => Some(DataValidation::new().allow_list_strings(&["Yes", "No"])?),
            Input::List(k) => lists_ranges
                .get(k)
                .map(|r| DataValidation::new().allow_list_formula(Formula::new(r))),
            Input::Number => Some(DataValidation::new().allow_decimal_number(
                rust_xlsxwriter::DataValidationRule::GreaterThanOrEqualTo(0.0),
            )),
            Input::Text => None,
        };
        if let Some(v) = validation {
            let v = v.set_input_message(c.help)?;
            sheet.add_data_validation(1, col, ROWS, col, &v)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// Builds the workbook's bytes.
pub fn build(shape: BlankShape, cache: Option<&Cache>) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_background_color(rust_xlsxwriter::Color::RGB(0x00D9_E1F2))
        .set_border_bottom(FormatBorder::Thin);
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let columns = loan_columns(shape, cache);
    let schedule = schedule_columns();
    let (loans_name, schedule_name) = sheet_names(shape);

    let instructions = workbook.add_worksheet();
    instructions.set_name("Instructions")?;
    let bold = Format::new().set_bold();
    instructions.write_string_with_format(0, 0, "How to fill in this workbook", &bold)?;
    let mut lines: Vec<String> = vec![
        format!("1. One row per {} in the '{loans_name}' sheet; one row per installment in the '{schedule_name}' sheet.", if shape == BlankShape::PerLoan { "loan" } else { "borrower" }),
        "2. Dates are dates (the cells are formatted as yyyy-mm-dd); amounts are plain numbers in the loan's currency.".into(),
        "3. Choose values from the dropdown lists where a column has one.".into(),
        "4. Save, then: kiva-drafts convert THIS.xlsx --template THIS.toml --out drafts".into(),
    ];
    if shape == BlankShape::PerBorrower {
        lines.insert(1, "   Borrowers sharing a Group ID form one group loan; leave Group ID empty for an individual loan.".into());
    }
    lines.push(String::new());
    lines.push("Columns:".into());
    for c in columns.iter().chain(&schedule) {
        lines.push(format!("{}: {}", c.header, c.help));
    }
    for (i, line) in lines.iter().enumerate() {
        instructions.write_string(u32::try_from(i + 2).unwrap_or(0), 0, line)?;
    }
    instructions.set_column_width(0, 110)?;

    // Kiva's lists on a hidden sheet, referenced by the dropdowns.
    let mut ranges = Vec::new();
    if let Some(cache) = cache {
        let lists = lists(cache);
        let sheet = workbook.add_worksheet();
        sheet.set_name("Lists")?;
        for (k, (name, values)) in lists.iter().enumerate() {
            let col = u16::try_from(k).unwrap_or(0);
            sheet.write_string_with_format(0, col, *name, &header)?;
            for (r, v) in values.iter().enumerate() {
                sheet.write_string(u32::try_from(r + 1).unwrap_or(0), col, v)?;
            }
            let letter = crate::read::header::column_letter(k);
            ranges.push(format!(
                "=Lists!${letter}$2:${letter}${}",
                values.len().max(1) + 1
            ));
        }
        sheet.set_hidden(true);
    }
    let loans = workbook.add_worksheet();
    loans.set_name(loans_name)?;
    write_sheet(loans, &columns, &ranges, &header, &date)?;
    loans.set_active(true);
    let sched = workbook.add_worksheet();
    sched.set_name(schedule_name)?;
    write_sheet(sched, &schedule, &ranges, &header, &date)?;
    workbook.save_to_buffer()
}

/// Writes the workbook and its template (`<name>.toml` beside it); returns the template
/// path.
pub fn write(path: &Path, shape: BlankShape, cache: Option<&Cache>) -> Result<PathBuf, String> {
    let bytes = build(shape, cache)
        .map_err(|e| format!("{}: cannot write the workbook: {e}", path.display()))?;
    crate::emit::write_atomic(path, &bytes).map_err(|e| e.0)?;
    let template = path.with_extension("toml");
    crate::emit::write_atomic(&template, template_text(shape, cache).as_bytes())
        .map_err(|e| e.0)?;
    Ok(template)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_templates_are_valid() {
        let cache: Cache =
            serde_json::from_str(include_str!("../samples/config-cache.json")).unwrap();
        for shape in [BlankShape::PerLoan, BlankShape::PerBorrower] {
            for cache in [None, Some(&cache)] {
                let text = template_text(shape, cache);
                crate::template::Template::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            }
        }
    }
}
