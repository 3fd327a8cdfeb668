//! Where the header of an unknown export is, judged by content alone.
//!
//! `convert` finds the header by the column names its template asks for; `inspect`
//! has no template. The header is the first row among the top ones whose cells are
//! mostly filled with text labels and whose following rows look like data (numbers,
//! dates). The row right above it is the upper half of a merged two-level header when
//! it holds a few sparse labels ("Prestação 1" over "Data | Capital | Juros") that make
//! the repeated lower labels unique. Trailing rows labelled `Total` are totals rows.

use crate::dates::DateFormat;
use crate::read::{Cell, Row, is_totals_word};

use super::fields::fold;

/// How many non-blank rows from the top may hold the header.
const SEARCH_ROWS: usize = 30;

/// The header found, with the 1-based row number the user sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub row: usize,
    /// 2 for a merged two-level header.
    pub rows: usize,
}

fn looks_like_value(text: &str) -> bool {
    // Parsed once: this runs for every cell of the first rows.
    static FORMATS: std::sync::LazyLock<Vec<DateFormat>> = std::sync::LazyLock::new(|| {
        ["dd/mm/yyyy", "mm/dd/yyyy", "yyyy-mm-dd", "dd-mmm-yyyy"]
            .iter()
            .filter_map(|f| DateFormat::parse(f).ok())
            .collect()
    });
    let t = text.trim();
    let numeric = t
        .trim_start_matches(['-', '+', '(', '$'])
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit())
        && t.chars().filter(|c| c.is_alphabetic()).count() <= 4;
    numeric || FORMATS.iter().any(|f| f.parse_date(t).is_ok())
}

/// A header label: text that is not a number or a date.
fn is_label(cell: &Cell) -> bool {
    matches!(cell, Cell::Text(s) if !s.trim().is_empty() && !looks_like_value(s))
}

fn filled(row: &Row) -> usize {
    row.cells.iter().filter(|c| !c.is_blank()).count()
}

/// A data row: at least one number, date or yes/no cell, typed or written as text.
fn looks_like_data(row: &Row) -> bool {
    row.cells.iter().any(|c| match c {
        Cell::Number(_) | Cell::Date(_) | Cell::Bool(_) => true,
        Cell::Text(s) => looks_like_value(s),
        Cell::Empty | Cell::Error(_) => false,
    })
}

/// Whether a data row is a totals row.
pub fn is_totals_row(row: &Row) -> bool {
    row.cells.iter().any(|c| is_totals_word(&c.display()))
}

/// Finds the header by content; `None` when the grid is blank.
pub fn find_header(rows: &[Row]) -> Option<Header> {
    let width = rows.iter().take(500).map(filled).max().unwrap_or(0);
    let top: Vec<usize> = (0..rows.len())
        .filter(|&i| filled(&rows[i]) > 0)
        .take(SEARCH_ROWS)
        .collect();
    let is_headerish = |i: usize| {
        let row = &rows[i];
        let f = filled(row);
        let labels = row.cells.iter().filter(|c| is_label(c)).count();
        (f >= 2 || width == 1) && f * 10 >= width * 6 && labels * 10 >= f * 8
    };
    let followed_by_data = |i: usize| {
        rows[i + 1..]
            .iter()
            .filter(|r| filled(r) > 0)
            .take(3)
            .any(looks_like_data)
    };
    let at = top
        .iter()
        .copied()
        .find(|&i| is_headerish(i) && followed_by_data(i))
        .or_else(|| top.iter().copied().find(|&i| is_headerish(i)))
        .or_else(|| top.first().copied())?;
    if at > 0 && is_upper_header(&rows[at - 1], &rows[at]) {
        return Some(Header {
            row: rows[at - 1].line,
            rows: 2,
        });
    }
    Some(Header {
        row: rows[at].line,
        rows: 1,
    })
}

fn label_at(row: &Row, i: usize) -> String {
    let c = row.cell(i);
    if c.is_blank() {
        String::new()
    } else {
        fold(&c.display())
    }
}

/// The upper row of a merged two-level header: directly above, only labels, fewer of
/// them, sparse (a label followed by empty cells), over lower labels that repeat and
/// that the carried upper labels make unique.
fn is_upper_header(upper: &Row, lower: &Row) -> bool {
    if upper.line + 1 != lower.line {
        return false;
    }
    let up = filled(upper);
    if up == 0 || up >= filled(lower) || !upper.cells.iter().filter(|c| !c.is_blank()).all(is_label)
    {
        return false;
    }
    let width = upper.cells.len().max(lower.cells.len());
    let lower_labels: Vec<String> = (0..width).map(|i| label_at(lower, i)).collect();
    let repeated = |names: &[String]| {
        let mut seen = std::collections::BTreeSet::new();
        names
            .iter()
            .filter(|n| !n.is_empty())
            .filter(|n| !seen.insert((*n).clone()))
            .count()
    };
    let before = repeated(&lower_labels);
    if before == 0 {
        return false;
    }
    let mut carried = String::new();
    let combined: Vec<String> = (0..width)
        .map(|i| {
            let u = label_at(upper, i);
            if !u.is_empty() {
                carried = u;
            }
            format!("{carried} {}", lower_labels[i])
        })
        .collect();
    repeated(&combined) < before
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::text_rows;

    #[test]
    fn header_below_title_rows() {
        let grid = text_rows(&[
            &["Active loans"],
            &["Exported 2026-11-02 by Fineract"],
            &[],
            &["Loan No", "Client", "Amount"],
            &["1", "Ana", "100"],
        ]);
        assert_eq!(find_header(&grid), Some(Header { row: 4, rows: 1 }));
    }

    #[test]
    fn merged_two_level_header() {
        let grid = text_rows(&[
            &["Cartera"],
            &["", "", "Cuota 1", "", "Cuota 2", ""],
            &["Nº", "Monto", "Fecha", "Capital", "Fecha", "Capital"],
            &["1", "100", "01/02/2026", "50", "01/03/2026", "50"],
        ]);
        assert_eq!(find_header(&grid), Some(Header { row: 2, rows: 2 }));
    }

    #[test]
    fn a_title_right_above_is_not_an_upper_header() {
        let grid = text_rows(&[
            &["Loans to publish"],
            &["Loan No", "Client", "Amount"],
            &["1", "Ana", "100"],
        ]);
        assert_eq!(find_header(&grid), Some(Header { row: 2, rows: 1 }));
    }

    #[test]
    fn totals_words() {
        assert!(is_totals_word("Total"));
        assert!(is_totals_word("Total geral"));
        assert!(is_totals_word("TOTAL GÉNÉRAL:"));
        assert!(!is_totals_word("Totalizador"));
    }
}
