//! How values spread over the data rows: rows grouped by a column's value, what varies
//! or stays the same within a group, how many values a key has. The shape is read from
//! these counts.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Data rows grouped by a column's value, in order of first appearance (blank skipped).
pub(super) fn groups_by(p: &Profile) -> Vec<(String, Vec<usize>)> {
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for (row, v) in p.values.iter().enumerate() {
        let Some(v) = v else { continue };
        if let Some(&i) = index.get(v) {
            out[i].1.push(row);
        } else {
            index.insert(v.clone(), out.len());
            out.push((v.clone(), vec![row]));
        }
    }
    out
}

/// The groups (from [`groups_by`]) whose rows hold several values of `p`.
pub(super) fn several_values<'g>(
    groups: &'g [(String, Vec<usize>)],
    p: &Profile,
) -> Vec<&'g String> {
    groups
        .iter()
        .filter(|(_, rows)| {
            rows.iter()
                .filter_map(|&r| p.values[r].as_ref())
                .collect::<BTreeSet<_>>()
                .len()
                > 1
        })
        .map(|(value, _)| value)
        .collect()
}

/// Whether the column's non-blank values differ within some group of rows.
pub(super) fn varies(p: &Profile, groups: &[Vec<usize>]) -> bool {
    groups.iter().any(|rows| {
        let distinct: BTreeSet<&String> =
            rows.iter().filter_map(|&r| p.values[r].as_ref()).collect();
        distinct.len() > 1
    })
}

pub(super) fn is_constant_within(p: &Profile, groups: &[Vec<usize>]) -> bool {
    p.filled > 0 && !varies(p, groups)
}

/// Loans of a per-borrower table: rows sharing a group key, else each loan key.
pub(super) fn loans_of(group: &Profile, key: &Profile) -> Vec<Vec<usize>> {
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut out: Vec<Vec<usize>> = Vec::new();
    for row in 0..group.values.len() {
        let id = match (&group.values[row], &key.values[row]) {
            (Some(g), _) => format!("g:{g}"),
            (None, Some(k)) => format!("k:{k}"),
            (None, None) => continue,
        };
        if let Some(&i) = index.get(&id) {
            out[i].push(row);
        } else {
            index.insert(id, out.len());
            out.push(vec![row]);
        }
    }
    out
}

pub(super) fn uniqueness(max: usize, rows: usize, distinct: usize) -> String {
    if max <= 1 {
        format!("unique on each of the {rows} rows")
    } else {
        format!("repeated: {distinct} values on {rows} rows")
    }
}

/// Up to two mapped loan-level columns whose value is the same on every row of a loan.
pub(super) fn constant_columns<'a>(
    sheet: &'a Sheet,
    assigned: &[Assigned],
    groups: &[Vec<usize>],
    key: usize,
) -> Vec<&'a str> {
    let preferred = [
        "loan.group_name",
        "loan.disburse_time",
        "borrower.amount",
        "loan.currency",
        "borrower.name",
        "borrower.first_name",
    ];
    preferred
        .iter()
        .filter_map(|t| col_of(assigned, t))
        .filter(|&c| {
            c != key
                && is_constant_within(&sheet.columns[c], groups)
                && groups.iter().any(|g| g.len() > 1)
        })
        .take(2)
        .map(|c| sheet.columns[c].header.as_str())
        .collect()
}
