//! Which column is which: header words in four languages ([`super::super::fields`]),
//! checked against the column's values, installment columns that repeat with a number
//! (`Due Date 3`), name columns, and the words a report uses to show the evidence.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A column matched to a target.
#[derive(Debug, Clone)]
pub(super) struct Assigned {
    pub(super) col: usize,
    pub(super) target: &'static str,
    pub(super) why: String,
}

/// Columns that repeat with an installment number (`Prestação 3 Data`, `Due Date 3`).
#[derive(Debug, Clone)]
pub(super) struct Pattern {
    /// The template column with `{n}`.
    pub(super) template: String,
    pub(super) numbers: Vec<usize>,
    pub(super) columns: Vec<usize>,
    pub(super) target: Option<&'static str>,
}

pub(super) fn quote_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

pub(super) fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

pub(super) fn values_list(values: &[String], max: usize) -> String {
    let mut shown: Vec<String> = values.iter().take(max).map(|v| short(v, 20)).collect();
    if values.len() > max {
        shown.push("...".into());
    }
    shown.join(", ")
}

/// Whether a column's content can hold the target.
pub(super) fn fits(target: &str, p: &Profile) -> bool {
    let distinct = || p.distinct_values();
    let short_codes = || {
        p.values
            .iter()
            .flatten()
            .all(|v| v.chars().count() <= 30 && !v.contains(char::is_whitespace))
    };
    if p.filled == 0 {
        return false;
    }
    match target {
        "keys.loan" | "keys.group" | "borrower.client_id" => match p.kind {
            ColumnType::Id => true,
            ColumnType::Number => p.integers,
            ColumnType::Text => short_codes(),
            _ => false,
        },
        "loan.currency" => distinct()
            .iter()
            .all(|v| v.len() == 3 && money::minor_units(&v.to_uppercase()).is_some()),
        "loan.disburse_time" | "schedule.date" | "terms.first_due" => p.kind == ColumnType::Date,
        "borrower.amount" | "schedule.principal" | "schedule.interest" | "terms.annual_rate" => {
            matches!(p.kind, ColumnType::Money | ColumnType::Number)
        }
        "terms.installments" | "terms.grace" | "installment" => {
            p.kind == ColumnType::Number && p.integers
        }
        "borrower.gender" => {
            let (map, unknown, _) = fields::gender_map(&distinct());
            !map.is_empty() && unknown.is_empty()
        }
        "borrower.pictured" | "borrower.not_pictured" | "loan.client_waiver_signed" => {
            p.kind == ColumnType::Boolean
        }
        "loan.image_url" => p.values.iter().flatten().all(|v| v.starts_with("http")),
        "loan.image_file" => p.values.iter().flatten().all(|v| {
            let v = v.to_lowercase();
            [".jpg", ".jpeg", ".png", ".gif"]
                .iter()
                .any(|e| v.ends_with(e))
        }),
        "loan.activity_id" | "loan.theme_type_id" | "loan.description_language_id" => {
            matches!(
                p.kind,
                ColumnType::Text | ColumnType::Number | ColumnType::Id
            )
        }
        "terms.frequency" | "terms.method" | "terms.day_count" => p.kind == ColumnType::Text,
        _ => matches!(p.kind, ColumnType::Text | ColumnType::Id),
    }
}

pub(super) fn header_why(p: &Profile, c: &Candidate) -> String {
    if c.exact() {
        format!("header '{}'", p.header)
    } else {
        format!("header '{}' has '{}'", p.header, c.phrase)
    }
}

/// Greedy assignment of columns to targets, best header match first.
pub(super) fn assign(
    sheet: &Sheet,
    allowed: &dyn Fn(&str) -> bool,
    skip: &BTreeSet<usize>,
) -> Vec<Assigned> {
    let mut all: Vec<(usize, Candidate)> = Vec::new();
    for p in &sheet.columns {
        if skip.contains(&p.index) {
            continue;
        }
        for c in fields::candidates(&p.header) {
            if allowed(c.target) && fits(c.target, p) {
                all.push((p.index, c));
            }
        }
    }
    all.sort_by(|a, b| b.1.score.cmp(&a.1.score).then(a.0.cmp(&b.0)));
    let mut used_cols = BTreeSet::new();
    let mut used_targets = BTreeSet::new();
    let mut out = Vec::new();
    for (col, c) in all {
        if used_cols.contains(&col) || used_targets.contains(c.target) {
            continue;
        }
        used_cols.insert(col);
        used_targets.insert(c.target);
        out.push(Assigned {
            col,
            target: c.target,
            why: header_why(&sheet.columns[col], &c),
        });
    }
    out
}

pub(super) fn find<'a>(assigned: &'a [Assigned], target: &str) -> Option<&'a Assigned> {
    assigned.iter().find(|a| a.target == target)
}

pub(super) fn col_of(assigned: &[Assigned], target: &str) -> Option<usize> {
    find(assigned, target).map(|a| a.col)
}

/// The single standalone number in a header: (before, number, after).
pub(super) fn split_number(header: &str) -> Option<(String, usize, String)> {
    let chars: Vec<char> = header.chars().collect();
    let mut found = None;
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let bounded_left = start == 0 || !chars[start - 1].is_alphanumeric();
            let bounded_right = i == chars.len() || !chars[i].is_alphanumeric();
            if bounded_left && bounded_right {
                if found.is_some() {
                    return None;
                }
                let n: usize = chars[start..i].iter().collect::<String>().parse().ok()?;
                found = Some((
                    chars[..start].iter().collect::<String>(),
                    n,
                    chars[i..].iter().collect::<String>(),
                ));
            }
        } else {
            i += 1;
        }
    }
    found
}

/// Installment column sets: headers equal but for a number, seen with 2+ numbers,
/// whose words name a schedule field.
pub(super) fn patterns(sheet: &Sheet) -> Vec<Pattern> {
    let mut groups: BTreeMap<(String, String), Vec<(usize, usize)>> = BTreeMap::new();
    let mut order: Vec<(String, String)> = Vec::new();
    for p in &sheet.columns {
        if let Some((before, n, after)) = split_number(&p.header) {
            let key = (before, after);
            if !groups.contains_key(&key) {
                order.push(key.clone());
            }
            groups.entry(key).or_default().push((n, p.index));
        }
    }
    let mut out: Vec<Pattern> = Vec::new();
    for key in order {
        let members = &groups[&key];
        let numbers: BTreeSet<usize> = members.iter().map(|m| m.0).collect();
        if numbers.len() < 2 {
            continue;
        }
        let label = format!("{} {}", key.0, key.1);
        let target = fields::candidates(&label)
            .into_iter()
            .find(|c| c.target.starts_with("schedule."))
            .map(|c| c.target);
        out.push(Pattern {
            template: format!("{}{{n}}{}", key.0, key.1).trim().to_string(),
            numbers: numbers.into_iter().collect(),
            columns: members.iter().map(|m| m.1).collect(),
            target,
        });
    }
    // One pattern per schedule field: the one with the most installments.
    let mut best: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (i, p) in out.iter().enumerate() {
        if let Some(t) = p.target {
            let better = best
                .get(t)
                .is_none_or(|&j| out[j].numbers.len() < p.numbers.len());
            if better {
                best.insert(t, i);
            }
        }
    }
    let keep: BTreeSet<usize> = best.values().copied().collect();
    for (i, p) in out.iter_mut().enumerate() {
        if !keep.contains(&i) {
            p.target = None;
        }
    }
    out
}

pub(super) fn date_evidence(
    p: &Profile,
    decided: &[(String, String, String)],
) -> (Option<String>, String, Option<String>) {
    let Some(info) = &p.date else {
        return (None, String::new(), None);
    };
    if info.formats.is_empty() {
        return (None, "date cells (no format needed)".into(), None);
    }
    if info.ambiguous() {
        if let Some((header, format, example)) = decided
            .iter()
            .find(|(h, f, _)| h != &p.header && info.formats.contains(f))
        {
            return (
                Some(format.clone()),
                format!(
                    "every date reads both ways, but '{header}' has '{example}': {format} like it"
                ),
                Some(format!(
                    "check: every value reads as {} too",
                    info.formats
                        .iter()
                        .find(|f| *f != format)
                        .cloned()
                        .unwrap_or_default()
                )),
            );
        }
        let example = p.samples.first().cloned().unwrap_or_default();
        return (
            None,
            format!("every date reads both ways ('{example}')"),
            Some(format!(
                "add format = \"{}\" or format = \"{}\"",
                info.formats[0], info.formats[1]
            )),
        );
    }
    match (info.declared(), &info.decided_by) {
        (None, _) => (
            None,
            "ISO dates (yyyy-mm-dd, no format needed)".into(),
            None,
        ),
        (Some(f), Some(by)) => {
            let first: String = by.chars().take_while(char::is_ascii_digit).collect();
            let why = if f.starts_with("dd") {
                format!("'{by}': {first} > 12 is a day")
            } else {
                format!("'{by}': the second number is over 12")
            };
            (Some(f.to_string()), format!("{why}, so {f}"), None)
        }
        (Some(f), None) => (
            Some(f.to_string()),
            format!(
                "dates like '{}': {f}",
                p.samples.first().cloned().unwrap_or_default()
            ),
            None,
        ),
    }
}

/// Content-only guesses for columns whose header says nothing known: genders and
/// currency codes are recognizable by their values.
pub(super) fn fallbacks(sheet: &Sheet, assigned: &mut Vec<Assigned>, skip: &BTreeSet<usize>) {
    let free = |assigned: &Vec<Assigned>, p: &Profile| {
        !skip.contains(&p.index) && !assigned.iter().any(|a| a.col == p.index)
    };
    let names = ["borrower.name", "borrower.first_name", "borrower.last_name"];
    if names.iter().all(|t| find(assigned, t).is_none())
        && let Some(p) = sheet
            .columns
            .iter()
            .find(|p| free(assigned, p) && p.kind == ColumnType::Text && looks_like_names(p))
    {
        assigned.push(Assigned {
            col: p.index,
            target: "borrower.name",
            why: format!("values of '{}' look like full names", p.header),
        });
    }
    if find(assigned, "borrower.gender").is_none()
        && let Some(p) = sheet.columns.iter().find(|p| {
            free(assigned, p)
                && p.kind == ColumnType::Text
                && p.distinct <= 4
                && fits("borrower.gender", p)
        })
    {
        assigned.push(Assigned {
            col: p.index,
            target: "borrower.gender",
            why: format!("values of '{}' are genders", p.header),
        });
    }
    if find(assigned, "loan.currency").is_none()
        && let Some(p) = sheet.columns.iter().find(|p| {
            free(assigned, p)
                && p.kind == ColumnType::Text
                && p.distinct_values()
                    .iter()
                    .all(|v| v.len() == 3 && v.chars().all(|c| c.is_ascii_uppercase()))
                && fits("loan.currency", p)
        })
    {
        assigned.push(Assigned {
            col: p.index,
            target: "loan.currency",
            why: format!("values of '{}' are currency codes", p.header),
        });
    }
}

/// Two to five capitalized words without digits, mostly different from row to row.
pub(super) fn looks_like_names(p: &Profile) -> bool {
    let values: Vec<&String> = p.values.iter().flatten().collect();
    !values.is_empty()
        && p.distinct * 2 > values.len()
        && values.iter().all(|v| {
            let words: Vec<&str> = v.split_whitespace().collect();
            (2..=5).contains(&words.len())
                && !v.chars().any(|c| c.is_ascii_digit())
                && words
                    .iter()
                    .all(|w| w.chars().next().is_some_and(char::is_uppercase))
        })
}

/// First and last name need each other; alone, a "Nombre" or "Nom" column is a full
/// name. Given both, a full-name column is not needed.
pub(super) fn fix_names(sheet: &Sheet, assigned: &mut [Assigned]) {
    let first = col_of(assigned, "borrower.first_name");
    let last = col_of(assigned, "borrower.last_name");
    let name = col_of(assigned, "borrower.name");
    let multiword = |c: usize| {
        let p = &sheet.columns[c];
        let many = p
            .values
            .iter()
            .flatten()
            .filter(|v| v.split_whitespace().count() >= 2)
            .count();
        many * 2 >= p.filled.max(1)
    };
    let retarget = |assigned: &mut [Assigned], col: usize, target: &'static str, why: &str| {
        if let Some(a) = assigned.iter_mut().find(|a| a.col == col) {
            a.target = target;
            a.why = format!("{}; {why}", a.why);
        }
    };
    match (first, last, name) {
        (Some(f), None, None) if multiword(f) => {
            retarget(
                assigned,
                f,
                "borrower.name",
                "no family-name column and most values have several words: a full name",
            );
        }
        (None, Some(l), None) if multiword(l) => {
            retarget(
                assigned,
                l,
                "borrower.name",
                "no given-name column and most values have several words: a full name",
            );
        }
        (Some(_), Some(_), Some(n)) => {
            retarget(
                assigned,
                n,
                "ignored.name",
                "given and family names have their own columns",
            );
        }
        _ => {}
    }
}

pub(super) fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub(super) fn text_evidence(p: &Profile) -> String {
    match p.samples.first() {
        Some(v) => format!("e.g. '{}'", short(v, 28)),
        None => String::new(),
    }
}

pub(super) fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}; {b}"),
    }
}
