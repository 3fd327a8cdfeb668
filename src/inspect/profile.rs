//! Column profiles: what each column of a table holds.
//!
//! For every column: its inferred type (date, number, money, id, text, boolean), how
//! often it is filled, how many distinct values it has and a few samples. Text exports
//! need more: the date format is inferred from the values (`15/01/2026` can only be
//! day first; when every value is ambiguous both readings are kept, never one picked),
//! and the decimal separator from values such as `1.500,00` (comma) or `1,200.50`
//! (point). Workbook date cells are dates whatever their display format.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::dates::DateFormat;
use crate::map::parse_bool;
use crate::money::{self, NumberFormat};
use crate::read::Cell;

use super::fields;

/// The type a column's values have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Date,
    Number,
    Money,
    Id,
    Text,
    Boolean,
}

impl ColumnType {
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnType::Date => "date",
            ColumnType::Number => "number",
            ColumnType::Money => "money",
            ColumnType::Id => "id",
            ColumnType::Text => "text",
            ColumnType::Boolean => "boolean",
        }
    }
}

/// Date formats tried on text dates, in order of preference.
const DATE_FORMATS: &[&str] = &[
    "yyyy-mm-dd",
    "dd/mm/yyyy",
    "mm/dd/yyyy",
    "dd-mm-yyyy",
    "mm-dd-yyyy",
    "dd.mm.yyyy",
    "mm.dd.yyyy",
    "dd/mm/yy",
    "mm/dd/yy",
    "dd-mm-yy",
    "d.m.yy",
    "yyyy/mm/dd",
    "dd-mmm-yyyy",
    "dd mmm yyyy",
    "dd/mmm/yyyy",
    "dd-mmm-yy",
];

/// How a column's dates are written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateInfo {
    /// Workbook date cells: no format needed.
    pub cells: bool,
    /// Formats that read every text value: one when decided (`yyyy-mm-dd` needs no
    /// declaration), two (`dd/mm/yyyy`, `mm/dd/yyyy`) when every value is ambiguous.
    pub formats: Vec<String>,
    /// A value that decides between day-first and month-first (`15/01/2026`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
}

impl DateInfo {
    /// The format a template must declare, when decided.
    pub fn declared(&self) -> Option<&str> {
        match self.formats.as_slice() {
            [one] if one != "yyyy-mm-dd" => Some(one),
            _ => None,
        }
    }

    pub fn ambiguous(&self) -> bool {
        self.formats.len() > 1
    }
}

/// One column of a table, profiled.
#[derive(Debug, Clone)]
pub struct Profile {
    pub index: usize,
    pub letter: String,
    pub header: String,
    pub kind: ColumnType,
    /// Data rows with a value in this column.
    pub filled: usize,
    pub distinct: usize,
    pub samples: Vec<String>,
    /// The value of every data row, as displayed (`None` when blank).
    pub values: Vec<Option<String>>,
    pub date: Option<DateInfo>,
    /// A text number only a decimal comma reads (`1.500,00`), and one only a decimal
    /// point reads (`1,200.50`).
    pub comma_example: Option<String>,
    pub point_example: Option<String>,
    /// Every number is whole.
    pub integers: bool,
    /// A currency symbol or code written around the numbers (`USh`, `$`).
    pub affix: Option<String>,
}

impl Profile {
    /// Distinct values in order of appearance.
    pub fn distinct_values(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        for v in self.values.iter().flatten() {
            if seen.insert(v.to_lowercase()) {
                out.push(v.clone());
            }
        }
        out
    }

    /// Fill rate in whole percent.
    pub fn fill_percent(&self) -> usize {
        if self.values.is_empty() {
            0
        } else {
            (self.filled * 100 + self.values.len() / 2) / self.values.len()
        }
    }
}

/// A text value's reading as a number: whether a decimal point / comma reads it, and
/// the currency affix around it.
struct TextNumber {
    point: bool,
    comma: bool,
    affix: Option<String>,
    decimals: Option<usize>,
    grouped: bool,
}

const SYMBOLS: &[&str] = &[
    "$", "€", "£", "₦", "₱", "₹", "S/.", "S/", "R$", "USh", "Ush", "KSh", "Ksh", "TSh", "FCFA",
    "CFA", "MT", "Mt", "GH₵", "%",
];

fn strip_affix(s: &str) -> (&str, Option<String>) {
    let s = s.trim();
    for sym in SYMBOLS {
        if let Some(rest) = s.strip_prefix(sym) {
            return (rest.trim(), Some((*sym).to_string()));
        }
        if let Some(rest) = s.strip_suffix(sym) {
            return (rest.trim(), Some((*sym).to_string()));
        }
    }
    if let Some((code, rest)) = s.split_once(' ')
        && code.len() == 3
        && money::minor_units(code).is_some()
    {
        return (rest.trim(), Some(code.to_string()));
    }
    if let Some((rest, code)) = s.rsplit_once(' ')
        && code.len() == 3
        && money::minor_units(code).is_some()
    {
        return (rest.trim(), Some(code.to_string()));
    }
    (s, None)
}

fn text_number(raw: &str) -> Option<TextNumber> {
    let (body, affix) = strip_affix(raw);
    let body = body.trim();
    let core = body
        .trim_start_matches(['-', '+', '('])
        .trim_end_matches([')', '-']);
    if !core.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    if !core
        .chars()
        .all(|c| c.is_ascii_digit() || ".,' \u{a0}\u{202f}".contains(c))
    {
        return None;
    }
    let point = NumberFormat::default().parse(body).is_ok();
    let comma = NumberFormat::with_decimal(',').parse(body).is_ok();
    if !point && !comma {
        return None;
    }
    let separator = if comma && !point { ',' } else { '.' };
    let decimals = core.rfind(separator).map(|i| core.len() - i - 1);
    let grouped = core.contains([' ', '\u{a0}', '\u{202f}', '\''])
        || (point && !comma && core.contains(','))
        || (comma && !point && core.contains('.'));
    Some(TextNumber {
        point,
        comma,
        affix,
        decimals,
        grouped,
    })
}

fn is_leading_zero_id(s: &str) -> bool {
    s.len() > 1 && s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_id_like(s: &str) -> bool {
    let s = s.trim();
    if s.is_empty() || s.len() > 30 || !s.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_/.#".contains(c))
    {
        return false;
    }
    s.chars().any(|c| c.is_ascii_alphabetic()) || s.contains(['-', '/', '_']) || s.starts_with('0')
}

fn is_bool_word(s: &str) -> bool {
    let t = s.trim().to_lowercase();
    parse_bool(&t).is_some()
        && !t.bytes().all(|b| b.is_ascii_digit())
        && t != "f"
        && t != "v"
        && t != "-"
        && t != "o"
}

/// Formats that read every value, the decided one first; for day/month pairs that
/// both read everything, both are kept.
fn date_formats(values: &[&str]) -> (Vec<String>, Option<String>) {
    // Parsed once: a sheet of 100,000 columns profiles each of them.
    static PARSED: std::sync::LazyLock<Vec<DateFormat>> = std::sync::LazyLock::new(|| {
        DATE_FORMATS
            .iter()
            .filter_map(|f| DateFormat::parse(f).ok())
            .collect()
    });
    if values.is_empty() {
        return (Vec::new(), None);
    }
    let fits: Vec<&DateFormat> = PARSED
        .iter()
        .filter(|f| values.iter().all(|v| f.parse_date(v).is_ok()))
        .collect();
    let Some(first) = fits.first() else {
        return (Vec::new(), None);
    };
    let pattern = first.pattern().to_string();
    // The month-first twin of a day-first pattern (or the reverse).
    let twin = if pattern.starts_with("dd") {
        pattern
            .replacen("dd", "DD", 1)
            .replacen("mm", "dd", 1)
            .replacen("DD", "mm", 1)
    } else if pattern.starts_with("mm") {
        pattern
            .replacen("mm", "MM", 1)
            .replacen("dd", "mm", 1)
            .replacen("MM", "dd", 1)
    } else {
        String::new()
    };
    if fits.iter().any(|f| f.pattern() == twin) {
        return (vec![pattern, twin], None);
    }
    let decided_by = if pattern.starts_with("dd") || pattern.starts_with("mm") {
        // A value whose first number is over 12 (or second, month first).
        let day_first = pattern.starts_with("dd");
        values
            .iter()
            .find(|v| {
                let parts: Vec<u32> = v
                    .split(|c: char| !c.is_ascii_digit())
                    .filter_map(|p| p.parse().ok())
                    .collect();
                match parts[..] {
                    [a, b, ..] => {
                        if day_first {
                            a > 12 && b <= 12
                        } else {
                            b > 12 && a <= 12
                        }
                    }
                    _ => false,
                }
            })
            .map(|v| (*v).to_string())
    } else {
        None
    };
    (vec![pattern], decided_by)
}

/// Profiles one column of the given data rows.
pub fn profile(index: usize, letter: String, header: String, cells: &[&Cell]) -> Profile {
    let values: Vec<Option<String>> = cells
        .iter()
        .map(|c| (!c.is_blank()).then(|| c.display()))
        .collect();
    let filled_cells: Vec<&Cell> = cells.iter().copied().filter(|c| !c.is_blank()).collect();
    let texts: Vec<&str> = filled_cells
        .iter()
        .filter_map(|c| match c {
            Cell::Text(s) => Some(s.trim()),
            _ => None,
        })
        .collect();
    let all =
        |f: &dyn Fn(&Cell) -> bool| !filled_cells.is_empty() && filled_cells.iter().all(|c| f(c));

    let mut date = None;
    let mut comma_example = None;
    let mut point_example = None;
    let mut affix = None;
    let mut integers = true;
    let kind = if filled_cells.is_empty() {
        ColumnType::Text
    } else if all(&|c| matches!(c, Cell::Bool(_)) || matches!(c, Cell::Text(s) if is_bool_word(s)))
    {
        ColumnType::Boolean
    } else if let Some(info) = {
        let date_cells = filled_cells
            .iter()
            .filter(|c| matches!(c, Cell::Date(_)))
            .count();
        let non_date: Vec<&Cell> = filled_cells
            .iter()
            .copied()
            .filter(|c| !matches!(c, Cell::Date(_)))
            .collect();
        if non_date.iter().all(|c| matches!(c, Cell::Text(_))) {
            let (formats, decided_by) = date_formats(&texts);
            if texts.is_empty() || !formats.is_empty() {
                Some(DateInfo {
                    cells: date_cells > 0,
                    formats,
                    decided_by,
                })
            } else {
                None
            }
        } else {
            None
        }
    } {
        date = Some(info);
        ColumnType::Date
    } else {
        let numbers: Vec<Option<TextNumber>> = filled_cells
            .iter()
            .map(|c| match c {
                Cell::Number(n) => {
                    if n.fract() != 0.0 {
                        integers = false;
                    }
                    Some(TextNumber {
                        point: true,
                        comma: true,
                        affix: None,
                        decimals: None,
                        grouped: false,
                    })
                }
                Cell::Text(s) => text_number(s),
                _ => None,
            })
            .collect();
        if numbers.iter().all(Option::is_some) {
            let mut two_decimals = false;
            let mut grouped = false;
            for (n, cell) in numbers.iter().flatten().zip(&filled_cells) {
                let text = cell.display();
                if n.comma && !n.point && comma_example.is_none() {
                    comma_example = Some(text.clone());
                }
                if n.point && !n.comma && point_example.is_none() {
                    point_example = Some(text.clone());
                }
                if n.decimals.is_some_and(|d| d > 0) {
                    integers = false;
                }
                two_decimals |= n.decimals == Some(2);
                grouped |= n.grouped;
                if affix.is_none() {
                    affix.clone_from(&n.affix);
                }
            }
            if texts.iter().any(|t| is_leading_zero_id(t)) {
                ColumnType::Id
            } else if fields::is_money_header(&header)
                || two_decimals
                || grouped
                || affix.as_deref().is_some_and(|a| a != "%")
            {
                ColumnType::Money
            } else {
                ColumnType::Number
            }
        } else if all(&|c| {
            matches!(c, Cell::Text(s) if is_id_like(s))
                || matches!(c, Cell::Number(n) if n.fract() == 0.0)
        }) {
            ColumnType::Id
        } else {
            ColumnType::Text
        }
    };
    if kind == ColumnType::Id {
        comma_example = None;
        point_example = None;
    }
    let mut seen = BTreeSet::new();
    let mut samples = Vec::new();
    let mut distinct = 0;
    for v in values.iter().flatten() {
        if seen.insert(v.clone()) {
            distinct += 1;
            if samples.len() < 3 {
                samples.push(v.clone());
            }
        }
    }
    Profile {
        index,
        letter,
        header,
        kind,
        filled: filled_cells.len(),
        distinct,
        samples,
        values,
        date,
        comma_example,
        point_example,
        integers,
        affix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(values: &[&str]) -> Profile {
        let cells: Vec<Cell> = values
            .iter()
            .map(|v| {
                if v.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text((*v).to_string())
                }
            })
            .collect();
        let refs: Vec<&Cell> = cells.iter().collect();
        profile(0, "A".into(), "X".into(), &refs)
    }

    #[test]
    fn types_from_text_values() {
        assert_eq!(text(&["000245", "000251"]).kind, ColumnType::Id);
        assert_eq!(text(&["C-10231", "C-10244"]).kind, ColumnType::Id);
        assert_eq!(text(&["1200.00", "850.50"]).kind, ColumnType::Money);
        assert_eq!(text(&["1", "2", "3"]).kind, ColumnType::Number);
        assert_eq!(text(&["Yes", "No"]).kind, ColumnType::Boolean);
        assert_eq!(text(&["F", "M"]).kind, ColumnType::Text);
        assert_eq!(text(&["Rosa Quispe", ""]).kind, ColumnType::Text);
        let p = text(&["Rosa Quispe", ""]);
        assert_eq!((p.filled, p.fill_percent(), p.distinct), (1, 50, 1));
    }

    #[test]
    fn decimal_separators_from_values() {
        let p = text(&["1.500,00", "850,00"]);
        assert_eq!(p.kind, ColumnType::Money);
        assert_eq!(p.comma_example.as_deref(), Some("1.500,00"));
        assert_eq!(p.point_example, None);
        let p = text(&["1,500,000", "800,000"]);
        assert_eq!(p.point_example.as_deref(), Some("1,500,000"));
        let p = text(&["450 000", "56 250"]);
        assert_eq!(
            (p.kind, p.point_example.clone(), p.comma_example.clone()),
            (ColumnType::Money, None, None)
        );
    }

    #[test]
    fn date_formats_from_values() {
        let p = text(&["03/02/2026", "15/01/2026"]);
        let d = p.date.unwrap();
        assert_eq!(d.formats, vec!["dd/mm/yyyy"]);
        assert_eq!(d.decided_by.as_deref(), Some("15/01/2026"));
        let d = text(&["01/15/2026"]).date.unwrap();
        assert_eq!(d.declared(), Some("mm/dd/yyyy"));
        let d = text(&["03/04/2026", "05/06/2026"]).date.unwrap();
        assert!(d.ambiguous());
        assert_eq!(d.formats, vec!["dd/mm/yyyy", "mm/dd/yyyy"]);
        let d = text(&["2026-02-10"]).date.unwrap();
        assert_eq!((d.declared(), d.ambiguous()), (None, false));
        assert_eq!(
            text(&["05-Ene-2026"]).date.unwrap().declared(),
            Some("dd-mmm-yyyy")
        );
    }
}
