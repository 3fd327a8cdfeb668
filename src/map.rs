//! Cells to typed values, as the template says.
//!
//! A template field is bound to a table once ([`Binder::bind`]): its column found in the
//! header (or its constant taken), its value map, date and number formats prepared.
//! Reading a row then gives typed [`Value`]s, or a [`Problem`] that names the file,
//! sheet, row, column and value and says what was expected.

use std::borrow::Cow;
use std::fmt;

use chrono::NaiveDate;

use crate::dates::{self, DateFormat};
use crate::draft::{GENDERS, Kind};
use crate::money::{self, Money, NumberFormat};
use crate::read::header::{column_letter, normalize, pattern_number};
use crate::read::{Cell, Origin, Row, Table};
use crate::reference::Cache;
use crate::template::{Combine, FieldDef, InputSpec, NameSplit, scalar_text};

/// Amounts from a quadrillion up are refused: no loan is that large in any currency,
/// and sums of amounts (a loan's borrowers, a batch's totals) then stay far inside the
/// decimal range.
const MAX_AMOUNT: rust_decimal::Decimal =
    rust_decimal::Decimal::from_parts(2_764_472_320, 232_830, 0, false, 0);

/// Whether an amount is [`MAX_AMOUNT`] or more. Nearly every amount's digits alone are
/// fewer (a decimal is never more than its digits), which settles it without the
/// decimal comparison (read for two amounts on every row).
fn too_large(amount: rust_decimal::Decimal) -> bool {
    const DIGITS: u128 = 1_000_000_000_000_000;
    amount.mantissa().unsigned_abs() >= DIGITS && amount.abs() >= MAX_AMOUNT
}

/// A typed value read from a cell or a constant.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Integer(u64),
    Bool(bool),
    Money(Money),
    Date(NaiveDate),
    /// A split full name: (first, last).
    Name(String, String),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Text(s) => f.write_str(s),
            Value::Integer(i) => write!(f, "{i}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Money(m) => write!(f, "{m}"),
            Value::Date(d) => f.write_str(&dates::iso(*d)),
            Value::Name(first, last) => write!(f, "{first} {last}"),
        }
    }
}

/// The most characters a text value may have: what a spreadsheet cell holds (Excel's
/// limit). A longer one comes from a quote left open in a CSV, or is not meant for a
/// draft; only `image_encoded` (a photo as a data URI, checked against
/// `--image-limit`) may be longer.
pub const MAX_TEXT_CHARS: usize = 32_767;

/// How many characters of a value a problem quotes.
const QUOTED_CHARS: usize = 60;

/// A value as a problem quotes it: its first characters when it is long.
fn quoted(value: String) -> String {
    match value.char_indices().nth(QUOTED_CHARS) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value,
    }
}

/// What is wrong with an error cell, or a formula cell without a saved value.
fn error_cell_message(cell: &Cell) -> String {
    if cell.unsaved_formula().is_some() {
        "is a formula without a saved value: open and save the file in Excel or LibreOffice so that values are stored".to_string()
    } else {
        "is an error cell (the workbook's formula failed): fix it in the workbook".to_string()
    }
}

/// The columns of a header, for a message: the first ones when there are many.
fn column_list(headers: &[String]) -> String {
    const SHOWN: usize = 30;
    let mut list = headers
        .iter()
        .take(SHOWN)
        .map(|h| format!("'{}'", quoted(h.clone())))
        .collect::<Vec<_>>()
        .join(", ");
    if headers.len() > SHOWN {
        list.push_str(&format!(", ... ({} columns)", headers.len()));
    }
    list
}

/// A value that could not be read, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The rule broken (see `validate::RULES`): `input-value` for unreadable values.
    pub rule: &'static str,
    pub origin: Origin,
    /// The raw value as the user sees it (None when the problem is not one cell's).
    pub value: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(v) => write!(f, "{}: '{}' {}", self.origin, v, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

/// Where a bound field takes its value from.
#[derive(Debug, Clone)]
enum From {
    Column(usize),
    /// Wide exports: installment number to column.
    Columns(Vec<(usize, usize)>),
    Constant(String),
    /// Derived later from the members (group internal ids).
    Members,
}

/// A template field bound to one table.
#[derive(Debug, Clone)]
pub struct Bound {
    pub name: &'static str,
    pub kind: Kind,
    from: From,
    /// Value map: (normalized source value, source value as written, draft value).
    map: Vec<(String, String, String)>,
    default: Option<String>,
    date_format: Option<DateFormat>,
    number: NumberFormat,
    split: Option<NameSplit>,
    /// How values from several rows combine (loan fields).
    pub combine: Combine,
    /// Separator for `Combine::Join`.
    pub separator: String,
    /// Names resolved through Kiva's reference data (`resolve = true`).
    resolver: Option<Resolver>,
}

/// Known names and what they resolve to, with the template's aliases.
#[derive(Debug, Clone)]
struct Resolver {
    what: &'static str,
    candidates: Vec<(String, String)>,
    aliases: Vec<(String, String)>,
}

impl Resolver {
    fn new(field: &str, cache: &Cache, aliases: Vec<(String, String)>) -> Resolver {
        let ids = |items: &[crate::reference::Named]| {
            items
                .iter()
                .map(|n| (n.name.clone(), n.id.to_string()))
                .collect()
        };
        let (what, candidates) = match field {
            "activity_id" => ("activity", ids(&cache.activities)),
            "theme_type_id" => ("theme", ids(&cache.themes)),
            "description_language_id" => {
                let mut c: Vec<(String, String)> = ids(&cache.languages);
                c.extend(
                    cache
                        .languages
                        .iter()
                        .filter_map(|l| Some((l.code.clone()?, l.id.to_string()))),
                );
                ("language", c)
            }
            "location" => {
                // A location's own name, its full name, and the town before the first
                // comma of its full name ("Gulu" for "Gulu, Northern, Uganda").
                let mut c: Vec<(String, String)> = Vec::new();
                for l in &cache.locations {
                    c.push((l.location.clone(), l.location.clone()));
                    if let Some(full) = &l.full_name {
                        c.push((full.clone(), l.location.clone()));
                    }
                }
                for l in &cache.locations {
                    let town = l
                        .full_name
                        .as_deref()
                        .unwrap_or(&l.location)
                        .split(',')
                        .next()
                        .unwrap_or("")
                        .trim();
                    if !town.is_empty() && !c.iter().any(|(n, _)| n == town) {
                        c.push((town.to_string(), l.location.clone()));
                    }
                }
                ("location of this partner", c)
            }
            _ => (
                "currency of this partner",
                cache
                    .currencies
                    .iter()
                    .map(|c| (c.clone(), c.clone()))
                    .collect(),
            ),
        };
        Resolver {
            what,
            candidates,
            aliases,
        }
    }
}

/// Binds template fields to a table's columns.
pub struct Binder<'a> {
    pub table: &'a Table,
    pub number: NumberFormat,
    pub section: &'static str,
    /// Kiva's reference data, for `resolve = true` fields.
    pub cache: Option<&'a Cache>,
}

/// Reasons a template cannot be applied to a table: fatal for the run.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BindError(pub String);

impl Binder<'_> {
    /// Finds a column by header (trimmed, case-insensitive, spaces collapsed).
    pub fn column(&self, field: &str, header: &str) -> Result<usize, BindError> {
        let wanted = normalize(header);
        let found: Vec<usize> = self
            .table
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| normalize(h) == wanted)
            .map(|(i, _)| i)
            .collect();
        match found[..] {
            [i] => Ok(i),
            [] => Err(BindError(format!(
                "{}: {field}: column '{header}' not found in {} (columns: {})",
                self.where_header(),
                self.header_place(),
                column_list(&self.table.headers)
            ))),
            _ => Err(BindError(format!(
                "{}: {field}: column '{header}' appears {} times in {} (columns {}); name it uniquely (for a two-level header set header_rows = 2)",
                self.where_header(),
                found.len(),
                self.header_place(),
                found
                    .iter()
                    .map(|i| column_letter(*i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    fn where_header(&self) -> String {
        format!("{}", self.table.source)
    }

    fn header_place(&self) -> String {
        if self.table.header_rows > 1 {
            format!(
                "header rows {}-{}",
                self.table.header_row,
                self.table.header_row + 1
            )
        } else {
            format!("header row {}", self.table.header_row)
        }
    }

    /// Binds one field definition.
    pub fn bind(&self, name: &'static str, kind: Kind, def: &FieldDef) -> Result<Bound, BindError> {
        let label = format!("[{}] {name}", self.section);
        let from = if let Some(header) = &def.column {
            if let Some((prefix, suffix)) = header.split_once("{n}") {
                let (p, s) = (normalize(prefix), normalize(suffix));
                let mut columns: Vec<(usize, usize)> = self
                    .table
                    .headers
                    .iter()
                    .enumerate()
                    .filter_map(|(i, h)| pattern_number(&normalize(h), &p, &s).map(|n| (n, i)))
                    .collect();
                columns.sort_unstable();
                if columns.is_empty() {
                    return Err(BindError(format!(
                        "{}: {label}: no column matches '{header}' in {}",
                        self.where_header(),
                        self.header_place()
                    )));
                }
                From::Columns(columns)
            } else {
                From::Column(self.column(&label, header)?)
            }
        } else if let Some(value) = &def.value {
            From::Constant(scalar_text(value).ok_or_else(|| {
                BindError(format!(
                    "{label}: value must be text, a number or true/false"
                ))
            })?)
        } else {
            From::Members
        };
        let mut number = self.number.clone();
        if let Some(d) = def.decimal {
            number = NumberFormat::with_decimal(d);
        }
        if let Some(t) = &def.thousands {
            number.thousands = t.chars().collect();
        }
        let map = def
            .map
            .iter()
            .flatten()
            .map(|(k, v)| {
                Ok((
                    map_key(k),
                    k.clone(),
                    scalar_text(v).ok_or_else(|| {
                        BindError(format!(
                            "{label}: map values must be text, numbers or true/false"
                        ))
                    })?,
                ))
            })
            .collect::<Result<Vec<_>, BindError>>()?;
        let resolver = if def.resolve {
            let cache = self.cache.ok_or_else(|| {
                BindError(format!(
                    "{label}: resolve = true needs Kiva's lists: run `kiva-drafts config pull` or pass --config-cache FILE"
                ))
            })?;
            let aliases = def
                .aliases
                .iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Some(Resolver::new(name, cache, aliases))
        } else {
            None
        };
        Ok(Bound {
            resolver,
            name,
            kind,
            from,
            map,
            default: def.default.as_ref().and_then(scalar_text),
            date_format: def
                .format
                .as_deref()
                .map(DateFormat::parse)
                .transpose()
                .map_err(BindError)?,
            number,
            split: def.split,
            combine: def.combine,
            separator: def.separator.clone().unwrap_or_else(|| "; ".to_string()),
        })
    }
}

fn map_key(s: &str) -> String {
    normalize(s)
}

impl Bound {
    /// Whether the field is derived from the members rather than read.
    pub fn is_members(&self) -> bool {
        matches!(self.from, From::Members)
    }

    /// The installment numbers of a wide field.
    pub fn installments(&self) -> Vec<usize> {
        match &self.from {
            From::Columns(c) => c.iter().map(|(n, _)| *n).collect(),
            _ => Vec::new(),
        }
    }

    /// The column index this field reads for installment `n` (wide) or always.
    pub fn column_for(&self, n: Option<usize>) -> Option<usize> {
        match (&self.from, n) {
            (From::Column(i), _) => Some(*i),
            (From::Columns(c), Some(n)) => c.iter().find(|(k, _)| *k == n).map(|(_, i)| *i),
            _ => None,
        }
    }

    /// The columns this field reads (several for a wide field).
    pub fn columns(&self) -> Vec<usize> {
        match &self.from {
            From::Column(i) => vec![*i],
            From::Columns(c) => c.iter().map(|(_, i)| *i).collect(),
            From::Constant(_) | From::Members => Vec::new(),
        }
    }

    /// Whether this field reads a cell (not a constant or a member-derived field).
    pub fn reads_cell(&self) -> bool {
        matches!(self.from, From::Column(_) | From::Columns(_))
    }

    /// The cell this field reads in a row; None for constants and member-derived fields.
    pub fn cell<'r>(&self, row: &'r Row, n: Option<usize>) -> Option<&'r Cell> {
        static EMPTY: Cell = Cell::Empty;
        match &self.from {
            From::Column(_) | From::Columns(_) => {
                Some(self.column_for(n).map_or(&EMPTY, |i| row.cell(i)))
            }
            From::Constant(_) | From::Members => None,
        }
    }

    /// The origin of this field in a row (the cell, or the row for constants).
    pub fn origin(&self, table: &Table, row: &Row, n: Option<usize>) -> Origin {
        table.origin(row, self.column_for(n))
    }

    /// Reads the field from a row; `Ok(None)` when empty and without default.
    /// `n` is the installment number for wide fields.
    pub fn read(
        &self,
        table: &Table,
        row: &Row,
        n: Option<usize>,
    ) -> Result<Option<Value>, Problem> {
        let problem = |value: &Cell, message: String| Problem {
            rule: "input-value",
            origin: self.origin(table, row, n),
            value: Some(quoted(value.display())),
            message,
        };
        // Most cells are read as they are: a value with no default, value map or
        // reference names to apply, converted in place (the steps below would hand the
        // same cell to `convert`, moved through each of them).
        if let Some(cell) = self.cell(row, n)
            && self.map.is_empty()
            && self.resolver.is_none()
            && !cell.is_blank()
            && !matches!(cell, Cell::Error(_))
            && !matches!(cell, Cell::Text(t) if t.len() > MAX_TEXT_CHARS)
        {
            return self
                .convert(cell)
                .map(Some)
                .map_err(|message| problem(cell, message));
        }
        let cell: Cow<'_, Cell> = match &self.from {
            From::Constant(text) => Cow::Owned(Cell::Text(text.clone())),
            From::Members => return Ok(None),
            From::Column(_) | From::Columns(_) => match self.cell(row, n) {
                Some(c) => Cow::Borrowed(c),
                None => Cow::Owned(Cell::Empty),
            },
        };
        match cell.as_ref() {
            Cell::Error(_) => return Err(problem(&cell, error_cell_message(&cell))),
            Cell::Text(text)
                if text.len() > MAX_TEXT_CHARS
                    && self.name != "image_encoded"
                    && text.chars().count() > MAX_TEXT_CHARS =>
            {
                let length = text.chars().count();
                return Err(problem(
                    &cell,
                    format!(
                        "is {length} characters long, more than a spreadsheet cell holds ({MAX_TEXT_CHARS}): is a quote (\") left open in the export?"
                    ),
                ));
            }
            _ => {}
        }
        let cell = if cell.is_blank() {
            match &self.default {
                Some(d) => Cow::Owned(Cell::Text(d.clone())),
                None => return Ok(None),
            }
        } else if self.map.is_empty() {
            cell
        } else {
            let key = map_key(&cell.display());
            let mapped = self
                .map
                .iter()
                .find(|(k, _, _)| *k == key)
                .or_else(|| self.map.iter().find(|(k, _, _)| k == "*"));
            let Some((_, _, v)) = mapped else {
                let known: Vec<&str> = self
                    .map
                    .iter()
                    .map(|(_, original, _)| original.as_str())
                    .filter(|k| *k != "*")
                    .collect();
                return Err(problem(
                    &cell,
                    format!(
                        "is not in the value map of {} (known: {})",
                        self.name,
                        known.join(", ")
                    ),
                ));
            };
            Cow::Owned(Cell::Text(v.clone()))
        };
        let cell = match &self.resolver {
            Some(r) if !(self.kind == Kind::Integer && is_whole(&cell)) => {
                let name = cell.display();
                match crate::reference::resolve(&name, &r.candidates, &r.aliases, r.what) {
                    Ok(value) => Cow::Owned(Cell::Text(value.clone())),
                    Err(message) => return Err(problem(&cell, message)),
                }
            }
            _ => cell,
        };
        self.convert(&cell)
            .map(Some)
            .map_err(|message| problem(&cell, message))
    }

    fn convert(&self, cell: &Cell) -> Result<Value, String> {
        match self.kind {
            Kind::Text => Ok(Value::Text(cell.display())),
            Kind::FullName => {
                let text = cell.display();
                let (first, last) = self.split.unwrap_or(NameSplit::GivenFamily).split(&text);
                Ok(Value::Name(first, last))
            }
            Kind::Id => match cell {
                Cell::Number(n) if n.fract() != 0.0 => {
                    Err("is a number with a fractional part, not an id (format the column as text in the workbook)".into())
                }
                Cell::Error(_) => Err("is an error cell, not an id".into()),
                _ => Ok(Value::Text(cell.display())),
            },
            Kind::Integer => {
                let text = cell.display();
                text.parse::<u64>().map(Value::Integer).map_err(|_| "is not a whole number".to_string())
            }
            Kind::Bool => match cell {
                Cell::Bool(b) => Ok(Value::Bool(*b)),
                _ => parse_bool(&cell.display()).map(Value::Bool).ok_or_else(|| {
                    "is not yes/no (expected yes, no, sí, non, sim, não, true, false, 1, 0; or map it)".to_string()
                }),
            },
            Kind::Money | Kind::Number => match cell {
                Cell::Number(n) => Money::from_f64(*n).map(Value::Money).ok_or_else(|| "is not a number".to_string()),
                Cell::Text(t) => self.number.parse(t).map(|d| Value::Money(Money(d))),
                Cell::Date(_) => Err("is a date cell, not an amount".into()),
                _ => Err("is not a number".into()),
            }
            .and_then(|value| match value {
                // Sums of amounts stay far inside the decimal range (about 7.9e28).
                Value::Money(m) if self.kind == Kind::Money && too_large(m.0) => Err(
                    "is too large for an amount (a quadrillion or more): is it an id or a phone number in the wrong column?".into(),
                ),
                other => Ok(other),
            }),
            Kind::Date => match cell {
                Cell::Date(d) => Ok(Value::Date(*d)),
                Cell::Number(n) => match &self.date_format {
                    Some(f) if f.is_serial() => DateFormat::from_serial(*n).map(Value::Date).ok_or_else(|| "is not an Excel serial date".into()),
                    _ => Err("is a number, not a date (format the column as dates in the workbook, or declare format = \"excel-serial\")".into()),
                },
                Cell::Text(t) => match &self.date_format {
                    Some(f) => f.parse_date(t),
                    None => dates::parse_undeclared(t),
                }
                .map(Value::Date),
                _ => Err("is not a date".into()),
            },
            Kind::Gender => {
                let text = cell.display().to_lowercase();
                if GENDERS.contains(&text.as_str()) {
                    Ok(Value::Text(text))
                } else {
                    Err(format!("is not a gender Kiva accepts ({}); map it, e.g. map = {{ F = \"female\", M = \"male\" }}", GENDERS.join(", ")))
                }
            }
            Kind::Currency => {
                let code = cell.display().to_uppercase();
                if money::minor_units(&code).is_some() {
                    Ok(Value::Text(code))
                } else {
                    Err("is not an ISO 4217 currency code (e.g. USD, UGX, PEN, XOF)".into())
                }
            }
        }
    }
}

/// A cell holding a whole number (an id rather than a name).
fn is_whole(cell: &Cell) -> bool {
    match cell {
        Cell::Number(n) => n.fract() == 0.0,
        Cell::Text(t) => !t.trim().is_empty() && t.trim().bytes().all(|b| b.is_ascii_digit()),
        _ => false,
    }
}

/// Yes/no in the export languages.
pub fn parse_bool(text: &str) -> Option<bool> {
    const YES: &[&str] = &[
        "yes",
        "y",
        "true",
        "1",
        "x",
        "si",
        "sí",
        "s",
        "oui",
        "o",
        "sim",
        "verdadero",
        "vrai",
        "verdadeiro",
        "v",
    ];
    const NO: &[&str] = &[
        "no", "n", "false", "0", "non", "não", "nao", "falso", "faux", "f", "-",
    ];
    let t = text.trim().to_lowercase();
    if YES.contains(&t.as_str()) {
        Some(true)
    } else if NO.contains(&t.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// The number format an input declares.
pub fn number_format(spec: &InputSpec) -> NumberFormat {
    let mut format = spec
        .decimal
        .map_or_else(NumberFormat::default, NumberFormat::with_decimal);
    if let Some(t) = &spec.thousands {
        format.thousands = t.chars().collect();
    }
    format
}

/// Checks that an amount fits the currency's minor unit.
pub fn check_minor_units(amount: Money, currency: &str) -> Result<(), String> {
    match money::minor_units(currency) {
        Some(units) if amount.decimals() > units => Err(format!(
            "has more decimals than {currency} allows ({units})"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn booleans_in_four_languages() {
        for yes in ["Yes", "sí", "Oui", "Sim", "1", "x", "TRUE"] {
            assert_eq!(parse_bool(yes), Some(true), "{yes}");
        }
        for no in ["No", "non", "Não", "0", "false"] {
            assert_eq!(parse_bool(no), Some(false), "{no}");
        }
        assert_eq!(parse_bool("maybe"), None);
    }

    /// `too_large` says what comparing with the quadrillion says, around it and far
    /// from it, whatever the scale and sign.
    #[test]
    fn too_large_is_a_quadrillion_or_more() {
        for (text, large) in [
            ("1000000000000000", true),
            ("-1000000000000000", true),
            ("1000000000000000.00", true),
            ("999999999999999.99", false),
            ("-999999999999999.999999", false),
            ("99999999999999999", true),
            ("0.0000000000000001", false),
            ("150000", false),
            ("0", false),
        ] {
            let amount: rust_decimal::Decimal = text.parse().unwrap();
            assert_eq!(too_large(amount), large, "{text}");
            assert_eq!(too_large(amount), amount.abs() >= MAX_AMOUNT, "{text}");
        }
    }
}
