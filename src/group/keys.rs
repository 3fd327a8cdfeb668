//! The loan a row belongs to: its group key when it has one (several columns joined
//! with `_`, a date part read as a date), else its loan key; or why it belongs to none
//! (a totals row, no key). Worked out once while the key cells repeat.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn why_no_key(row: &Row, key_column: &str) -> String {
    if row.cells.iter().any(|c| is_totals_word(&c.display())) {
        "totals row".to_string()
    } else {
        format!("no loan key (column '{key_column}' is empty)")
    }
}

/// The key a row belongs to, or why it belongs to none.
pub(super) enum RowKey {
    Key { key: String, from_group_key: bool },
    Ignored(String),
}

impl Default for RowKey {
    fn default() -> RowKey {
        RowKey::Ignored(String::new())
    }
}

/// A value worked out from a few cells of a row (a key), kept for the next rows while
/// their cells are the same: an export repeats a loan's key on each of its rows.
#[derive(Default)]
pub(super) struct Reuse<T> {
    /// The cells `value` was worked out from, when it may be reused.
    cells: Option<Vec<Cell>>,
    value: T,
}

impl<T: Default> Reuse<T> {
    /// The value for `row`: the kept one when the row's cells in `columns` are the same as
    /// those it was worked out from, else `work()`'s, kept when its flag says it may be
    /// (a value read with a problem is worked out again on every row, which reports the
    /// problem on each).
    pub(super) fn get(
        &mut self,
        columns: &[usize],
        row: &Row,
        work: impl FnOnce() -> (T, bool),
    ) -> &T {
        let same = self.cells.as_ref().is_some_and(|cells| {
            cells.len() == columns.len()
                && columns
                    .iter()
                    .zip(cells)
                    .all(|(c, cell)| row.cell(*c).same(cell))
        });
        if !same {
            let (value, reusable) = work();
            self.value = value;
            self.cells = reusable.then(|| columns.iter().map(|c| row.cell(*c).clone()).collect());
        }
        &self.value
    }
}

/// The columns a loan's key is read from (loan key and group key).
pub(super) fn key_columns(b: &Bindings) -> Vec<usize> {
    std::iter::once(&b.loan_key)
        .chain(&b.group_key)
        .flat_map(Bound::columns)
        .collect()
}

/// [`row_key`], reused while the key columns repeat.
/// Why a row that repeats the header is ignored.
pub(super) const REPEATED_HEADER: &str = "the header again (a report's page break?)";

pub(super) fn row_key_reused<'k>(
    keys: &'k mut Reuse<RowKey>,
    columns: &[usize],
    b: &Bindings,
    template: &Template,
    table: &Table,
    row: &Row,
    problems: &mut Vec<Problem>,
) -> &'k RowKey {
    keys.get(columns, row, || {
        let before = problems.len();
        let key = row_key(b, template, table, row, problems);
        let reusable = problems.len() == before && matches!(key, RowKey::Key { .. });
        (key, reusable)
    })
}

pub(super) fn row_key(
    b: &Bindings,
    template: &Template,
    table: &Table,
    row: &Row,
    problems: &mut Vec<Problem>,
) -> RowKey {
    if table.repeats_header(row) {
        return RowKey::Ignored(REPEATED_HEADER.into());
    }
    let group_key = group_key_of(b, template, table, row, problems);
    let loan_key = read_key(&b.loan_key, table, row, problems);
    let from_group_key = group_key.is_some();
    let Some(key) = group_key.or(loan_key) else {
        return RowKey::Ignored(if problems.is_empty() {
            why_no_key(row, &template.keys.loan)
        } else {
            problems[0].to_string()
        });
    };
    if is_totals_word(&key) {
        return RowKey::Ignored("totals row".into());
    }
    RowKey::Key {
        key,
        from_group_key,
    }
}

/// Reads a key column's value as text; a problem is noted and gives None.
pub(super) fn read_key(
    bound: &Bound,
    table: &Table,
    row: &Row,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    match bound.read(table, row, None) {
        Ok(Some(v)) => Some(v.to_string()),
        Ok(None) => None,
        Err(p) => {
            problems.push(p);
            None
        }
    }
}

/// A row's group key: its parts joined with `_` (`GRP-0213_2026-04-02`), or None when
/// the first part, the group's column, is empty (a row of an individual loan). A
/// group's row with another part empty is a problem (the row is kept with its group's
/// first part alone, so that the problem lands with the group).
pub(super) fn group_key_of(
    b: &Bindings,
    template: &Template,
    table: &Table,
    row: &Row,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let (first, rest) = b.group_key.split_first()?;
    let mut key = read_key(first, table, row, problems)?;
    for part in rest {
        let before = problems.len();
        let Some(value) = read_key(part, table, row, problems) else {
            if problems.len() == before {
                let columns: Vec<String> = template
                    .keys
                    .group
                    .iter()
                    .flat_map(GroupKey::columns)
                    .map(|c| format!("'{c}'"))
                    .collect();
                problems.push(Problem {
                    rule: "input-value",
                    origin: part.origin(table, row, None),
                    value: None,
                    message: format!(
                        "is empty on a row of group '{key}': a group loan's key is {}",
                        columns.join(" + ")
                    ),
                });
            }
            return Some(key);
        };
        key.push('_');
        key.push_str(&value);
    }
    Some(key)
}
