//! Locating the header row.
//!
//! Exports often carry a title, an export date or a logo row above the header, and
//! workbooks sometimes a two-level header whose upper cells are merged ("Installment 1"
//! over "Date | Principal | Interest"). The header is the row (or pair of rows) among the
//! first ones that names the most columns the template asks for; the user can also give
//! it. Merged upper cells are carried right until the next non-empty one, so the column
//! under "Installment 2" is called "Installment 2 Date".

use super::merged::MergedDown;
use super::{Cell, Grid, ReadError, Row, Source, Table};

/// How many rows from the top are searched for the header.
const SEARCH_ROWS: usize = 50;

/// What the template expects of an input's header.
#[derive(Debug, Clone, Default)]
pub struct HeaderSpec {
    /// The first header row, 1-based, when given by the user.
    pub header_row: Option<usize>,
    /// Rows forming the header (1, or 2 for merged two-level headers).
    pub header_rows: usize,
    /// Column names the template refers to.
    pub columns: Vec<String>,
    /// Column name patterns with `{n}` (wide exports): (prefix, suffix).
    pub patterns: Vec<(String, String)>,
}

/// Normalises a header for comparison: trimmed, inner whitespace collapsed, lower case.
pub fn normalize(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The spreadsheet letter of a 0-based column index (0 -> A, 26 -> AA).
pub fn column_letter(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        #[allow(clippy::cast_possible_truncation)]
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// If `name` matches the pattern (prefix, suffix) with a number in place of `{n}`,
/// returns that number.
pub fn pattern_number(name: &str, prefix: &str, suffix: &str) -> Option<usize> {
    let middle = name.strip_prefix(prefix)?.strip_suffix(suffix)?.trim();
    if middle.is_empty() || !middle.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    middle.parse().ok()
}

fn header_names(rows: &[Row], at: usize, count: usize) -> Vec<String> {
    let lower = &rows[at + count - 1];
    if count == 1 {
        return lower.cells.iter().map(name_of).collect();
    }
    let upper = &rows[at];
    let width = upper.cells.len().max(lower.cells.len());
    let mut carried = String::new();
    (0..width)
        .map(|i| {
            let up = name_of(upper.cell(i));
            if !up.is_empty() {
                carried = up;
            }
            let low = name_of(lower.cell(i));
            match (carried.is_empty(), low.is_empty()) {
                (true, _) => low,
                (false, true) => carried.clone(),
                (false, false) => format!("{carried} {low}"),
            }
        })
        .collect()
}

/// The most bytes of a header name (or of a title cell above the header) kept: a
/// longer cell is cut, with `…`. Names are short; a cell of megabytes (a quote left
/// open) would otherwise be copied for every row the header search looks at.
const MAX_NAME: usize = 512;

/// A cell as a header name: inner whitespace collapsed, at most [`MAX_NAME`] bytes.
fn name_of(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => clean(text),
        other => clean(&other.display()),
    }
}

/// Whitespace collapsed to single spaces, cut after [`MAX_NAME`] bytes.
fn clean(s: &str) -> String {
    let mut out = String::new();
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        let room = MAX_NAME.saturating_sub(out.len());
        if word.len() > room {
            out.push_str(prefix(word, room));
            out.truncate(out.trim_end().len());
            out.push('…');
            break;
        }
        out.push_str(word);
    }
    out
}

/// The longest start of `s` of at most `bytes` bytes that ends on a character.
fn prefix(s: &str, bytes: usize) -> &str {
    let end = s
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .take_while(|end| *end <= bytes)
        .last()
        .unwrap_or(0);
    &s[..end]
}

/// A title cell above the header as the table keeps it: trimmed, cut after
/// [`MAX_NAME`] bytes.
fn title_of(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) if text.trim().len() > MAX_NAME => {
            format!("{}…", prefix(text.trim(), MAX_NAME))
        }
        other => other.display(),
    }
}

fn score(names: &[String], spec: &HeaderSpec) -> usize {
    let normalized: Vec<String> = names.iter().map(|n| normalize(n)).collect();
    let named = spec
        .columns
        .iter()
        .filter(|c| normalized.contains(&normalize(c)))
        .count();
    let patterned = spec
        .patterns
        .iter()
        .filter(|(p, s)| {
            let (p, s) = (normalize(p), normalize(s));
            normalized
                .iter()
                .any(|n| pattern_number(n, &p, &s).is_some())
        })
        .count();
    named + patterned
}

/// A row that looks like a plain header: two or more cells, all text.
fn looks_like_header(row: &Row) -> bool {
    let filled: Vec<&Cell> = row.cells.iter().filter(|c| !c.is_blank()).collect();
    filled.len() >= 2 && filled.iter().all(|c| matches!(c, Cell::Text(_)))
}

/// Splits a grid into preamble, header and data rows.
pub fn build_table(source: Source, grid: Grid, spec: &HeaderSpec) -> Result<Table, ReadError> {
    let rows = grid.rows;
    if rows.iter().all(Row::is_blank) {
        return Err(ReadError::Empty { input: source });
    }
    let count = spec.header_rows.max(1);
    // A header of two rows in a file of one (found by fuzzing: an index out of bounds).
    let Some(last_start) = rows.len().checked_sub(count) else {
        return Err(ReadError::Header {
            input: source,
            message: format!(
                "the header takes {count} rows but the file has only {}",
                rows.len()
            ),
        });
    };
    let (at, detected) = if let Some(line) = spec.header_row {
        match rows.iter().position(|r| r.line == line && !r.is_blank()) {
            Some(i) if i <= last_start => (i, false),
            _ => {
                return Err(ReadError::Header {
                    input: source,
                    message: format!("header row {line} is blank or past the end of the data"),
                });
            }
        }
    } else {
        let candidates: Vec<usize> = (0..=last_start)
            .filter(|&i| !rows[i].is_blank())
            .take(SEARCH_ROWS)
            .collect();
        let best = candidates
            .iter()
            .map(|&i| (score(&header_names(&rows, i, count), spec), i))
            .max_by_key(|&(s, i)| (s, std::cmp::Reverse(i)));
        match best {
            Some((s, i)) if s > 0 => (i, true),
            _ => {
                let fallback = candidates
                    .iter()
                    .copied()
                    .find(|&i| looks_like_header(&rows[i]))
                    .or_else(|| candidates.first().copied());
                match fallback {
                    Some(i) => (i, true),
                    None => return Err(ReadError::Empty { input: source }),
                }
            }
        }
    };
    let headers: Vec<String> = header_names(&rows, at, count)
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            if name.is_empty() {
                format!("(column {})", column_letter(i))
            } else {
                name
            }
        })
        .collect();
    let header_row = rows[at].line;
    let preamble = rows[..at]
        .iter()
        .filter(|r| !r.is_blank())
        .map(|r| {
            r.cells
                .iter()
                .filter(|c| !c.is_blank())
                .map(title_of)
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect();
    let below = rows.len() - (at + count);
    let header_end = rows[at + count - 1].line;
    let mut data: Vec<Row> = rows
        .into_iter()
        .skip(at + count)
        .filter(|r| !r.is_blank())
        .collect();
    let mut merged = MergedDown::new(&grid.merges, header_end);
    if let Some(merged) = &mut merged {
        for row in &mut data {
            merged.fill(row);
        }
    }
    let blank_rows = below - data.len();
    let shared_headers = headers
        .iter()
        .map(|h: &String| super::intern::text(h))
        .collect();
    Ok(Table {
        source: super::intern::source(source),
        headers,
        shared_headers,
        header_row,
        header_rows: count,
        preamble,
        rows: data,
        blank_rows,
        encoding: grid.encoding,
        delimiter: grid.delimiter,
        header_detected: detected,
        stream: None,
        merged,
    })
}

/// Whether `rows`, the first records of a file, are enough for [`build_table`] to give
/// the same header, preamble and errors as on the whole file: past the given header row
/// and its `header_rows`, or past the first `SEARCH_ROWS` non-blank rows plus as many
/// as a header needs below the last of them, and never only blank rows (the file may
/// still hold a header, or be empty).
pub(crate) fn has_enough_rows(rows: &[Row], spec: &HeaderSpec) -> bool {
    let count = spec.header_rows.max(1);
    if let Some(line) = spec.header_row {
        return rows.iter().any(|r| !r.is_blank())
            && rows
                .iter()
                .position(|r| r.line >= line)
                .is_some_and(|at| rows.len() >= at + count);
    }
    rows.iter()
        .enumerate()
        .filter(|(_, r)| !r.is_blank())
        .nth(SEARCH_ROWS - 1)
        .is_some_and(|(last, _)| rows.len() >= last + count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::text_rows;

    fn source() -> Source {
        Source {
            file: "x.csv".into(),
            sheet: None,
        }
    }

    #[test]
    fn finds_the_header_below_title_rows() {
        let rows = text_rows(&[
            &["Active loans"],
            &["Exported by Fineract", "2026-11-02"],
            &[],
            &["Loan No", "Client", "Amount"],
            &["1", "Ana", "100"],
            &[],
            &["2", "Bo", "200"],
        ]);
        let spec = HeaderSpec {
            header_rows: 1,
            columns: vec!["loan no".into(), "Amount".into()],
            ..HeaderSpec::default()
        };
        let table = build_table(
            source(),
            Grid {
                rows,
                ..Grid::default()
            },
            &spec,
        )
        .unwrap();
        assert_eq!(table.header_row, 4);
        assert_eq!(table.headers, vec!["Loan No", "Client", "Amount"]);
        assert_eq!(
            table.preamble,
            vec!["Active loans", "Exported by Fineract | 2026-11-02"]
        );
        assert_eq!(
            table.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![5, 7]
        );
    }

    #[test]
    fn two_level_headers_carry_merged_cells_right() {
        let rows = text_rows(&[
            &["", "", "Cuota 1", "", "Cuota 2", ""],
            &["Nº", "Monto", "Fecha", "Capital", "Fecha", "Capital"],
            &["1", "100", "2026-01-01", "50", "2026-02-01", "50"],
        ]);
        let spec = HeaderSpec {
            header_rows: 2,
            patterns: vec![("Cuota ".into(), " Fecha".into())],
            ..HeaderSpec::default()
        };
        let table = build_table(
            source(),
            Grid {
                rows,
                ..Grid::default()
            },
            &spec,
        )
        .unwrap();
        assert_eq!(
            table.headers,
            vec![
                "Nº",
                "Monto",
                "Cuota 1 Fecha",
                "Cuota 1 Capital",
                "Cuota 2 Fecha",
                "Cuota 2 Capital"
            ]
        );
        assert_eq!(table.rows.len(), 1);
    }

    #[test]
    fn given_header_row_wins_and_blank_is_an_error() {
        let rows = text_rows(&[&["a", "b"], &["c", "d"], &[]]);
        let spec = HeaderSpec {
            header_row: Some(2),
            header_rows: 1,
            ..HeaderSpec::default()
        };
        let grid = Grid {
            rows: rows.clone(),
            ..Grid::default()
        };
        assert_eq!(
            build_table(source(), grid, &spec).unwrap().headers,
            vec!["c", "d"]
        );
        let spec = HeaderSpec {
            header_row: Some(3),
            header_rows: 1,
            ..HeaderSpec::default()
        };
        let err = build_table(
            source(),
            Grid {
                rows,
                ..Grid::default()
            },
            &spec,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.csv: header row 3 is blank or past the end of the data"
        );
    }

    #[test]
    fn column_letters_and_patterns() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(pattern_number("due date 12", "due date ", ""), Some(12));
        assert_eq!(pattern_number("due date x", "due date ", ""), None);
    }

    /// The header row, names and preamble the table takes from `rows`, or its error.
    fn outcome(
        rows: &[Row],
        spec: &HeaderSpec,
    ) -> Result<(usize, Vec<String>, Vec<String>), String> {
        let grid = Grid {
            rows: rows.to_vec(),
            ..Grid::default()
        };
        build_table(source(), grid, spec)
            .map(|t| (t.header_row, t.headers, t.preamble))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn enough_rows_find_the_header_of_the_whole_file() {
        let title = ["Title"];
        let header = ["Loan No", "Amount"];
        let data = ["1", "100"];
        for (blanks, titles) in [
            (0, 0),
            (0, 48),
            (0, 49),
            (0, 50),
            (14, 48),
            (14, 49),
            (3, 60),
        ] {
            let mut lines: Vec<&[&str]> = vec![&[]; blanks];
            lines.extend(std::iter::repeat_n(&title[..], titles));
            lines.extend([&header[..], &header[..], &data[..], &[][..], &data[..]]);
            let rows = text_rows(&lines);
            let specs = [
                HeaderSpec {
                    header_rows: 1,
                    columns: vec!["amount".into()],
                    ..HeaderSpec::default()
                },
                HeaderSpec {
                    header_rows: 2,
                    columns: vec!["loan no loan no".into()],
                    ..HeaderSpec::default()
                },
                HeaderSpec {
                    header_rows: 2,
                    ..HeaderSpec::default()
                },
                HeaderSpec {
                    header_row: Some(blanks + titles + 1),
                    header_rows: 2,
                    ..HeaderSpec::default()
                },
                HeaderSpec {
                    header_row: Some(blanks),
                    header_rows: 1,
                    ..HeaderSpec::default()
                },
            ];
            for spec in &specs {
                let whole = outcome(&rows, spec);
                let least = (1..=rows.len())
                    .find(|&n| has_enough_rows(&rows[..n], spec))
                    .unwrap_or(rows.len());
                assert!(least == rows.len() || has_enough_rows(&rows[..least], spec));
                for n in least..=rows.len() {
                    assert!(n == rows.len() || has_enough_rows(&rows[..n], spec));
                    assert_eq!(outcome(&rows[..n], spec), whole, "{n} rows, {spec:?}");
                }
                // One row fewer would not do (when it would make a difference).
                if least > 1 && least < rows.len() {
                    assert!(!has_enough_rows(&rows[..least - 1], spec));
                }
            }
        }
    }
}
