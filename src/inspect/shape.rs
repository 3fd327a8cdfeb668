//! The export's shape, its keys and the mapping of its columns to draft fields.
//!
//! The loans table is the one whose headers name the most borrower and loan fields;
//! its loan key column decides the shape: unique on every row is one row per loan
//! (per-loan, or wide when installment columns repeat as `Due Date 1`, `Due Date 2`),
//! unique while a group key repeats is one row per borrower, repeated with changing
//! due dates or installment numbers is one row per installment (flat). Another sheet
//! or file whose key values are loan keys is the schedule, joined by that column; with
//! no schedule anywhere, loan terms (installments, frequency, rate, method) generate
//! it. Every decision keeps its evidence, in words, for the report and the template.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::draft::{BORROWER_FIELDS, LOAN_FIELDS, SCHEDULE_FIELDS, TERMS_FIELDS};
use crate::money;

use super::Sheet;
use super::fields::{self, Candidate};
use super::profile::{ColumnType, Profile};

/// A value a field maps a code to, or a constant.
pub type Constant = serde_json::Value;

/// One entry of a value map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapEntry {
    pub from: String,
    pub to: Constant,
}

/// A further column of a key, with its date format when it is a text date column.
#[derive(Debug, Clone, Serialize)]
pub struct KeyPart {
    pub column: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// A draft field (or key) and where it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct Mapping {
    /// Template path: `keys.loan`, `loan.currency`, `borrower.gender`, `schedule.date`.
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// A constant instead of a column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<Constant>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub map: Vec<MapEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub split: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub combine: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<&'static str>,
    /// Keys of several columns: the columns after the first, each with its date format.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<KeyPart>,
    /// Why this guess.
    pub evidence: String,
    /// What is left to check or decide.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub todo: Option<String>,
    /// A stand-in the template needs to parse; convert will ask for the real thing.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub placeholder: bool,
}

impl Mapping {
    fn column(field: &str, column: &str, evidence: String) -> Mapping {
        Mapping {
            field: field.to_string(),
            column: Some(column.to_string()),
            value: None,
            map: Vec::new(),
            format: None,
            split: None,
            combine: None,
            members: None,
            parts: Vec::new(),
            evidence,
            todo: None,
            placeholder: false,
        }
    }

    fn value(field: &str, value: Constant, evidence: String) -> Mapping {
        Mapping {
            column: None,
            value: Some(value),
            ..Mapping::column(field, "", evidence)
        }
    }

    fn members(field: &str, members: &'static str, evidence: &str) -> Mapping {
        Mapping {
            column: None,
            members: Some(members),
            ..Mapping::column(field, "", evidence.to_string())
        }
    }

    /// The section (`loan`) and the field name (`currency`).
    pub fn section_and_name(&self) -> (&str, &str) {
        self.field.split_once('.').unwrap_or(("", &self.field))
    }
}

/// A draft field no column was found for.
#[derive(Debug, Clone, Serialize)]
pub struct Todo {
    pub field: String,
    pub why: String,
}

/// How to read one input, as the template will say it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InputSettings {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub header_row: usize,
    pub header_rows: usize,
    pub title_rows: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// The decimal separator, when a value shows it (`1.500,00`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decimal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decimal_evidence: Option<String>,
    /// Schedule input only: the column naming the loan of each row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip)]
    pub workbook: bool,
}

/// The key columns.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Keys {
    pub loan: Option<String>,
    pub group: Option<String>,
    /// Further columns of the group key: the disbursal date that tells a group's loan
    /// cycles apart, when members have their own accounts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_also: Vec<String>,
    pub borrower: Option<String>,
}

/// What `inspect` concluded about the export as a whole.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    /// `per-loan`, `per-borrower`, `flat` or `wide`; `None` when no loans table was found.
    pub shape: Option<String>,
    /// Where the schedule is: `sheet`, `file`, `rows` (flat), `columns` (wide),
    /// `terms` (generated) or `none`.
    pub schedule: &'static str,
    /// Whether some loans have several borrowers.
    pub group_loans: bool,
    pub loans: usize,
    pub inputs: Vec<InputSettings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_input: Option<InputSettings>,
    pub keys: Keys,
    /// Why: one sentence per decision.
    pub reasons: Vec<String>,
    pub fields: Vec<Mapping>,
    pub todo: Vec<Todo>,
    pub warnings: Vec<String>,
    /// Role of every inspected sheet (same order as the files' sheets).
    #[serde(skip)]
    pub roles: Vec<&'static str>,
    /// The field each column feeds, per sheet.
    #[serde(skip)]
    pub column_fields: Vec<Vec<Option<String>>>,
}

/// A column matched to a target.
#[derive(Debug, Clone)]
struct Assigned {
    col: usize,
    target: &'static str,
    why: String,
}

/// Columns that repeat with an installment number (`Prestação 3 Data`, `Due Date 3`).
#[derive(Debug, Clone)]
struct Pattern {
    /// The template column with `{n}`.
    template: String,
    numbers: Vec<usize>,
    columns: Vec<usize>,
    target: Option<&'static str>,
}

fn quote_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

fn short(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

fn values_list(values: &[String], max: usize) -> String {
    let mut shown: Vec<String> = values.iter().take(max).map(|v| short(v, 20)).collect();
    if values.len() > max {
        shown.push("...".into());
    }
    shown.join(", ")
}

/// Whether a column's content can hold the target.
fn fits(target: &str, p: &Profile) -> bool {
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

fn header_why(p: &Profile, c: &Candidate) -> String {
    if c.exact() {
        format!("header '{}'", p.header)
    } else {
        format!("header '{}' has '{}'", p.header, c.phrase)
    }
}

/// Greedy assignment of columns to targets, best header match first.
fn assign(sheet: &Sheet, allowed: &dyn Fn(&str) -> bool, skip: &BTreeSet<usize>) -> Vec<Assigned> {
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

fn find<'a>(assigned: &'a [Assigned], target: &str) -> Option<&'a Assigned> {
    assigned.iter().find(|a| a.target == target)
}

fn col_of(assigned: &[Assigned], target: &str) -> Option<usize> {
    find(assigned, target).map(|a| a.col)
}

/// The single standalone number in a header: (before, number, after).
fn split_number(header: &str) -> Option<(String, usize, String)> {
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
fn patterns(sheet: &Sheet) -> Vec<Pattern> {
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

/// Data rows grouped by a column's value, in order of first appearance (blank skipped).
fn groups_by(p: &Profile) -> Vec<(String, Vec<usize>)> {
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
fn several_values<'g>(groups: &'g [(String, Vec<usize>)], p: &Profile) -> Vec<&'g String> {
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
fn varies(p: &Profile, groups: &[Vec<usize>]) -> bool {
    groups.iter().any(|rows| {
        let distinct: BTreeSet<&String> =
            rows.iter().filter_map(|&r| p.values[r].as_ref()).collect();
        distinct.len() > 1
    })
}

fn is_constant_within(p: &Profile, groups: &[Vec<usize>]) -> bool {
    p.filled > 0 && !varies(p, groups)
}

fn date_evidence(
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

/// The inputs' shared knowledge while inferring.
struct Ctx<'a> {
    sheets: &'a [Sheet],
    /// Decided text date formats: (header, format, deciding value).
    decided: Vec<(String, String, String)>,
}

fn where_of(sheet: &Sheet) -> String {
    match &sheet.sheet {
        Some(name) => format!("sheet {name}"),
        None => format!("file {}", sheet.file_name()),
    }
}

fn settings(sheet: &Sheet, decimal: Option<(String, String)>) -> InputSettings {
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
fn decimal_of(sheet: &Sheet, warnings: &mut Vec<String>) -> Option<(String, String)> {
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

/// Infers the export from every inspected sheet.
pub fn infer(sheets: &[Sheet]) -> Export {
    let mut decided = Vec::new();
    for s in sheets {
        for p in &s.columns {
            if let Some(info) = &p.date
                && let (Some(f), Some(by)) = (info.declared(), &info.decided_by)
            {
                decided.push((p.header.clone(), f.to_string(), by.clone()));
            }
        }
    }
    let ctx = Ctx { sheets, decided };
    let mut export = Export {
        shape: None,
        schedule: "none",
        group_loans: false,
        loans: 0,
        inputs: Vec::new(),
        schedule_input: None,
        keys: Keys::default(),
        reasons: Vec::new(),
        fields: Vec::new(),
        todo: Vec::new(),
        warnings: Vec::new(),
        roles: sheets
            .iter()
            .map(|s| if s.table.is_some() { "other" } else { "empty" })
            .collect(),
        column_fields: sheets.iter().map(|s| vec![None; s.columns.len()]).collect(),
    };
    let main_targets =
        |t: &str| t.starts_with("borrower.") || (t.starts_with("loan.") && t != "loan.currency");
    // The loans table: the one naming the most borrower and loan fields.
    let scored: Vec<(usize, usize)> = sheets
        .iter()
        .enumerate()
        .filter(|(_, s)| s.table.is_some() && !s.columns.is_empty())
        .map(|(i, s)| {
            let found = assign(s, &main_targets, &BTreeSet::new()).len();
            (found, i)
        })
        .collect();
    let Some(&(score, main)) = scored
        .iter()
        .max_by_key(|(found, i)| (*found, std::cmp::Reverse(*i)))
    else {
        export.warnings.push("no table with data was found".into());
        return export;
    };
    if score < 2 {
        export.warnings.push(format!(
            "{}: few columns look like loan or borrower fields; the guesses below are weak",
            where_of(&sheets[main])
        ));
    }
    infer_main(&ctx, main, &mut export);
    export
}

fn normalized_headers(sheet: &Sheet) -> Vec<String> {
    sheet
        .columns
        .iter()
        .map(|p| fields::fold(&p.header))
        .collect()
}

fn infer_main(ctx: &Ctx, main: usize, export: &mut Export) {
    let sheets = ctx.sheets;
    let sheet = &sheets[main];
    export.roles[main] = "loans";
    let mut warnings = Vec::new();
    let decimal = decimal_of(sheet, &mut warnings);
    export.inputs.push(settings(sheet, decimal.clone()));
    // Other inputs with the same columns are more of the same loans.
    let headers = normalized_headers(sheet);
    let mut extra_loans = Vec::new();
    for (i, s) in sheets.iter().enumerate() {
        if i != main
            && s.table.is_some()
            && normalized_headers(s) == headers
            && s.file != sheet.file
        {
            export.roles[i] = "loans";
            export.inputs.push(settings(s, decimal.clone()));
            extra_loans.push(i);
        }
    }

    let wide: Vec<Pattern> = patterns(sheet);
    let installment_cols: BTreeSet<usize> = wide
        .iter()
        .filter(|p| p.target.is_some())
        .flat_map(|p| p.columns.iter().copied())
        .collect();
    let is_wide = ["schedule.date", "schedule.principal"]
        .iter()
        .all(|t| wide.iter().any(|p| p.target == Some(t)));
    let skip = if is_wide {
        installment_cols.clone()
    } else {
        BTreeSet::new()
    };
    let mut assigned = assign(sheet, &|_| true, &skip);
    fallbacks(sheet, &mut assigned, &skip);
    fix_names(sheet, &mut assigned);

    // The loan key.
    let loan_key = if let Some(c) = col_of(&assigned, "keys.loan") {
        Some(c)
    } else {
        {
            let found = sheet.columns.iter().find(|p| {
                p.kind == ColumnType::Id
                    && p.filled == p.values.len()
                    && !assigned.iter().any(|a| a.col == p.index)
            });
            if let Some(p) = found {
                assigned.push(Assigned {
                    col: p.index,
                    target: "keys.loan",
                    why: format!("'{}' is the first id column filled on every row", p.header),
                });
            }
            found.map(|p| p.index)
        }
    };
    let Some(k) = loan_key else {
        export.warnings.push(format!(
            "{}: no loan key column found (a loan number on every row)",
            where_of(sheet)
        ));
        export.warnings.extend(warnings);
        build_fields(ctx, main, &assigned, None, export);
        return;
    };
    let kp = &sheet.columns[k];
    let rows = kp.values.len();
    let by_key = groups_by(kp);
    let key_groups: Vec<Vec<usize>> = by_key.iter().map(|g| g.1.clone()).collect();
    let max_per_key = key_groups.iter().map(Vec::len).max().unwrap_or(0);
    let group_col = col_of(&assigned, "keys.group");
    let client_col = col_of(&assigned, "borrower.client_id");
    let date_col = col_of(&assigned, "schedule.date");
    let inst_col = col_of(&assigned, "installment");

    let mut shape = "per-loan";
    let mut group_key = None;
    // A group key's further column, and whether members have their own accounts.
    let mut group_also: Option<usize> = None;
    let mut member_accounts_seen = false;
    let mut borrower_key = None;
    let mut loan_groups = key_groups.clone();
    if is_wide {
        shape = "wide";
        let named: Vec<String> = wide
            .iter()
            .filter(|p| p.target.is_some())
            .map(|p| p.template.clone())
            .collect();
        let numbers = wide
            .iter()
            .filter(|p| p.target.is_some())
            .map(|p| p.numbers.len())
            .max()
            .unwrap_or(0);
        let two = if export.inputs[0].header_rows == 2 {
            " under a two-row header"
        } else {
            ""
        };
        let refs: Vec<&str> = named.iter().map(String::as_str).collect();
        export.reasons.push(format!(
            "Columns {} repeat for {numbers} installments{two}: installments in columns, one row per loan ('{}' is {}).",
            quote_list(&refs),
            kp.header,
            uniqueness(max_per_key, rows, by_key.len())
        ));
        export.schedule = "columns";
    } else if max_per_key > 1 {
        let changing: Vec<usize> = [date_col, inst_col]
            .into_iter()
            .flatten()
            .filter(|&c| varies(&sheet.columns[c], &key_groups))
            .collect();
        if changing.is_empty() {
            // Rows of a loan differ by borrower: the key is a group key.
            shape = "per-borrower";
            group_key = Some(k);
            borrower_key = client_col;
            export.reasons.push(format!(
                "'{}' is repeated up to {max_per_key} times with changing borrower columns and no due dates: one row per borrower, the rows of a value forming one group loan.",
                kp.header
            ));
        } else {
            shape = "flat";
            let same = constant_columns(sheet, &assigned, &key_groups, k);
            let changing_names: Vec<&str> = changing
                .iter()
                .map(|&c| sheet.columns[c].header.as_str())
                .collect();
            export.reasons.push(format!(
                "'{}' is repeated up to {max_per_key} times ({} loans, {rows} rows) with identical {} and changing {}: one row per installment.",
                kp.header,
                by_key.len(),
                if same.is_empty() { "loan columns".to_string() } else { quote_list(&same) },
                quote_list(&changing_names)
            ));
            export.schedule = "rows";
            borrower_key = client_col
                .or_else(|| col_of(&assigned, "borrower.name"))
                .or_else(|| col_of(&assigned, "borrower.first_name"));
            if let Some(b) = borrower_key {
                let bp = &sheet.columns[b];
                let multi: Vec<&str> = several_values(&by_key, bp)
                    .into_iter()
                    .map(String::as_str)
                    .collect();
                if !multi.is_empty() {
                    export.group_loans = true;
                    let shown: Vec<&str> = multi.iter().take(3).copied().collect();
                    export.reasons.push(format!(
                        "Within a loan, '{}' changes: {} {} several borrowers (group loans); each borrower is one '{}'.",
                        bp.header,
                        quote_list(&shown),
                        if multi.len() == 1 { "has" } else { "have" },
                        bp.header
                    ));
                }
            }
        }
        if let Some(found) = member_accounts(sheet, &assigned, k, &key_groups) {
            export.reasons.push(found.reason);
            group_key = Some(found.group);
            group_also = found.cycle;
            borrower_key = Some(k);
            member_accounts_seen = true;
            export.group_loans = true;
            loan_groups = found.loans;
        }
    } else if let Some(g) =
        group_col.filter(|&g| groups_by(&sheet.columns[g]).iter().any(|x| x.1.len() > 1))
    {
        shape = "per-borrower";
        group_key = Some(g);
        borrower_key = client_col;
        let gp = &sheet.columns[g];
        let gg: Vec<Vec<usize>> = groups_by(gp).into_iter().map(|x| x.1).collect();
        let max_group = gg.iter().map(Vec::len).max().unwrap_or(0);
        let same = constant_columns(sheet, &assigned, &gg, g);
        let changing: Vec<&str> = [
            "borrower.name",
            "borrower.first_name",
            "borrower.amount",
            "borrower.client_id",
        ]
        .iter()
        .filter_map(|t| col_of(&assigned, t))
        .filter(|&c| varies(&sheet.columns[c], &gg))
        .take(2)
        .map(|c| sheet.columns[c].header.as_str())
        .collect();
        let empty = gp.values.len() - gp.filled;
        export.reasons.push(format!(
            "'{}' is unique on each of the {rows} rows, but '{}' is shared by up to {max_group} rows ({} groups) with identical {} and changing {}: one row per borrower, grouped by '{}'{}.",
            kp.header,
            gp.header,
            gg.len(),
            if same.is_empty() { "group columns".to_string() } else { quote_list(&same) },
            if changing.is_empty() { "borrower columns".to_string() } else { quote_list(&changing) },
            gp.header,
            if empty > 0 { format!("; the {empty} rows without it are individual loans") } else { String::new() }
        ));
        export.group_loans = true;
        // Loans: a group per group key, else a loan per loan key.
        loan_groups = loans_of(gp, kp);
    } else {
        export.reasons.push(format!(
            "'{}' is unique on each of the {rows} data rows: one row per loan.",
            kp.header
        ));
    }
    if shape == "per-borrower" && group_key == Some(k) {
        // The repeated key is the group's; a member's own id keys its loan.
        let member = col_of(&assigned, "borrower.client_id");
        if let Some(m) = member {
            export.keys.loan = Some(sheet.columns[m].header.clone());
        }
        export.group_loans = true;
    }
    export.shape = Some(shape.to_string());
    export.loans = loan_groups.len();
    if export.keys.loan.is_none() {
        export.keys.loan = Some(kp.header.clone());
    }
    export.keys.group = group_key.map(|g| sheet.columns[g].header.clone());
    export.keys.group_also = group_also
        .map(|c| sheet.columns[c].header.clone())
        .into_iter()
        .collect();
    if matches!(shape, "flat" | "per-borrower") {
        export.keys.borrower = borrower_key.map(|b| sheet.columns[b].header.clone());
    }

    // The schedule: another sheet or file keyed by loan.
    if matches!(shape, "per-loan" | "per-borrower") {
        let mut key_cols: Vec<usize> = vec![k];
        key_cols.extend(group_key);
        find_schedule(ctx, main, &extra_loans, &key_cols, export);
    }
    if shape == "per-loan" && export.schedule_input.is_none() {
        let terms: Vec<&str> = [
            "terms.installments",
            "terms.frequency",
            "terms.annual_rate",
            "terms.method",
        ]
        .into_iter()
        .filter(|t| find(&assigned, t).is_some())
        .collect();
        if terms.len() >= 2 {
            export.schedule = "terms";
            let names: Vec<&str> = terms
                .iter()
                .filter_map(|t| col_of(&assigned, t))
                .map(|c| sheet.columns[c].header.as_str())
                .collect();
            export.reasons.push(format!(
                "No schedule sheet, file or columns, but loan terms {}: the schedule is generated from them ([terms]).",
                quote_list(&names)
            ));
        } else {
            export.warnings.push(
                "no repayment schedule found (no schedule sheet or file, no installment columns, no loan terms): give the schedule file too, or fill [schedule] / [terms]".into(),
            );
        }
    }
    // Loan fields that differ within a loan: joined (purposes of group members).
    let ctx_groups = if shape == "flat" || shape == "per-borrower" {
        loan_groups
    } else {
        Vec::new()
    };
    export.warnings.extend(warnings);
    let info = MainInfo {
        key: k,
        key_shared: (shape == "flat" && !member_accounts_seen) || group_key == Some(k),
        shape,
        groups: ctx_groups,
        wide,
    };
    build_fields(ctx, main, &assigned, Some(&info), export);
}

/// A flat export whose group members each have their own loan account (Fineract,
/// Mifos and most JLG systems), as found by [`member_accounts`].
struct MemberAccounts {
    group: usize,
    /// The disbursal date column, which tells a group's loan cycles apart.
    cycle: Option<usize>,
    loans: Vec<Vec<usize>>,
    reason: String,
}

/// Words of a product or loan type that say "group loan".
const GROUP_PRODUCT_WORDS: &[&str] = &[
    "group",
    "grupo",
    "groupe",
    "grupal",
    "solidar",
    "jlg",
    "village",
    "comunal",
    "communal",
    "collectif",
];

/// Looks for group loans made of the members' own accounts in a flat export keyed by
/// account (`k`): a group column constant on each account's rows, filled on some rows
/// (blank ones are individual loans), and some group value shared by several accounts.
/// The loans are then a group per group value and disbursal date, and an account per
/// row without a group.
fn member_accounts(
    sheet: &Sheet,
    assigned: &[Assigned],
    k: usize,
    key_groups: &[Vec<usize>],
) -> Option<MemberAccounts> {
    let g = col_of(assigned, "keys.group")
        .or_else(|| col_of(assigned, "loan.group_name"))
        .filter(|&g| g != k)?;
    let (gp, kp) = (&sheet.columns[g], &sheet.columns[k]);
    if gp.filled == 0 || varies(gp, key_groups) {
        return None;
    }
    let accounts_of = |rows: &[usize]| -> BTreeSet<&String> {
        rows.iter().filter_map(|&r| kp.values[r].as_ref()).collect()
    };
    let by_group = groups_by(gp);
    let shared: Vec<(&String, usize)> = by_group
        .iter()
        .map(|(value, rows)| (value, accounts_of(rows).len()))
        .filter(|(_, n)| *n > 1)
        .collect();
    if shared.is_empty() {
        return None;
    }
    let cycle = col_of(assigned, "loan.disburse_time").filter(|&c| c != g && c != k);
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut loans: Vec<Vec<usize>> = Vec::new();
    for row in 0..gp.values.len() {
        let id = match (&gp.values[row], &kp.values[row]) {
            (Some(group), _) => {
                let date = cycle.and_then(|c| sheet.columns[c].values[row].as_deref());
                format!("g:{group}\u{1}{}", date.unwrap_or_default())
            }
            (None, Some(account)) => format!("k:{account}"),
            (None, None) => continue,
        };
        if let Some(&i) = index.get(&id) {
            loans[i].push(row);
        } else {
            index.insert(id, loans.len());
            loans.push(vec![row]);
        }
    }
    let group_rows = gp.filled;
    let other_rows = gp.values.len() - gp.filled;
    let examples: Vec<String> = shared
        .iter()
        .take(2)
        .map(|(value, n)| format!("'{value}' has {n}"))
        .collect();
    let mut reason = format!(
        "'{}' is filled on {group_rows} rows{}, and several '{}' share one value ({}): every member has her own loan account, one borrower each; a group's members form one group loan",
        gp.header,
        if other_rows > 0 {
            format!(" and empty on {other_rows}")
        } else {
            String::new()
        },
        kp.header,
        examples.join(", ")
    );
    if let Some(c) = cycle {
        let cp = &sheet.columns[c];
        let cycles = several_values(&by_group, cp);
        reason.push_str(&format!(" per '{}'", cp.header));
        reason.push_str(&match cycles.first() {
            Some(value) => format!(
                " ('{value}' has {} loan cycles, told apart by their disbursal date)",
                cycles.len().max(2)
            ),
            None => " (each group has one here; the date tells a group's later loan cycles apart)"
                .to_string(),
        });
    }
    if other_rows > 0 {
        reason.push_str(&format!(
            "; the rows without '{}' are individual loans, one per '{}'",
            gp.header, kp.header
        ));
    }
    reason.push_str(&format!(
        ". The group's schedule is the sum of its members' installments per date ({} loans).",
        loans.len()
    ));
    if let Some(product) = product_evidence(sheet, gp) {
        reason.push(' ');
        reason.push_str(&product);
    }
    Some(MemberAccounts {
        group: g,
        cycle,
        loans,
        reason,
    })
}

/// What a product or loan-type column says on group rows and on the others, when it
/// names group lending ("'Product' says 'Group Loan' on the group rows, 'Business
/// Loan' on the others").
fn product_evidence(sheet: &Sheet, group: &Profile) -> Option<String> {
    const HEADERS: &[&str] = &[
        "product",
        "producto",
        "produit",
        "produto",
        "type",
        "tipo",
        "category",
        "categoria",
        "categorie",
    ];
    sheet.columns.iter().find_map(|p| {
        let header_words = fields::words(&p.header).words;
        if !header_words.iter().any(|w| HEADERS.contains(&w.as_str())) {
            return None;
        }
        let mut on_groups = BTreeSet::new();
        let mut on_others = BTreeSet::new();
        for (row, value) in p.values.iter().enumerate() {
            if let Some(v) = value {
                if group.values[row].is_some() {
                    on_groups.insert(v.as_str());
                } else {
                    on_others.insert(v.as_str());
                }
            }
        }
        let says_group = |v: &&str| {
            let folded = fields::fold(v);
            GROUP_PRODUCT_WORDS.iter().any(|w| folded.contains(w))
        };
        if on_groups.is_empty()
            || !on_groups.iter().all(says_group)
            || on_others.iter().any(says_group)
        {
            return None;
        }
        let list = |set: &BTreeSet<&str>| {
            set.iter()
                .take(3)
                .map(|v| format!("'{v}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Some(if on_others.is_empty() {
            format!(
                "'{}' says {} on the group rows.",
                p.header,
                list(&on_groups)
            )
        } else {
            format!(
                "'{}' says {} on the group rows, {} on the others.",
                p.header,
                list(&on_groups),
                list(&on_others)
            )
        })
    })
}

/// Loans of a per-borrower table: rows sharing a group key, else each loan key.
fn loans_of(group: &Profile, key: &Profile) -> Vec<Vec<usize>> {
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

fn uniqueness(max: usize, rows: usize, distinct: usize) -> String {
    if max <= 1 {
        format!("unique on each of the {rows} rows")
    } else {
        format!("repeated: {distinct} values on {rows} rows")
    }
}

/// Up to two mapped loan-level columns whose value is the same on every row of a loan.
fn constant_columns<'a>(
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

/// Content-only guesses for columns whose header says nothing known: genders and
/// currency codes are recognizable by their values.
fn fallbacks(sheet: &Sheet, assigned: &mut Vec<Assigned>, skip: &BTreeSet<usize>) {
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
fn looks_like_names(p: &Profile) -> bool {
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
fn fix_names(sheet: &Sheet, assigned: &mut [Assigned]) {
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

struct MainInfo {
    key: usize,
    /// Several borrowers share a loan key value.
    key_shared: bool,
    shape: &'static str,
    /// Rows of each loan (flat and per-borrower), to see what differs within a loan.
    groups: Vec<Vec<usize>>,
    wide: Vec<Pattern>,
}

/// Finds the schedule among the other sheets: a table with a due date and amounts whose
/// key column's values are loan keys (or group keys) of the loans table.
fn find_schedule(ctx: &Ctx, main: usize, extra: &[usize], key_cols: &[usize], export: &mut Export) {
    let sheets = ctx.sheets;
    let loans = &sheets[main];
    let mut best: Option<(usize, usize, usize, usize)> = None; // (matched, sheet, col, main col)
    for (i, s) in sheets.iter().enumerate() {
        if i == main || extra.contains(&i) || s.table.is_none() {
            continue;
        }
        let has_date = s.columns.iter().any(|p| p.kind == ColumnType::Date);
        let has_money = s
            .columns
            .iter()
            .any(|p| matches!(p.kind, ColumnType::Money | ColumnType::Number));
        if !has_date || !has_money {
            continue;
        }
        for p in &s.columns {
            if !matches!(
                p.kind,
                ColumnType::Id | ColumnType::Number | ColumnType::Text
            ) || p.filled == 0
            {
                continue;
            }
            let values: BTreeSet<&String> = p.values.iter().flatten().collect();
            for &m in key_cols {
                let keys: BTreeSet<&String> = loans.columns[m].values.iter().flatten().collect();
                let matched = values.iter().filter(|v| keys.contains(*v)).count();
                if matched * 10 >= values.len() * 8
                    && matched > 0
                    && best.is_none_or(|b| matched > b.0)
                {
                    best = Some((matched, i, p.index, m));
                }
            }
        }
    }
    let Some((_, i, col, m)) = best else { return };
    let s = &sheets[i];
    export.roles[i] = "schedule";
    let kp = &s.columns[col];
    let mut warnings = Vec::new();
    let decimal = decimal_of(s, &mut warnings).or_else(|| {
        let main_decimal = export.inputs[0].decimal.clone()?;
        Some((main_decimal, format!("like {}", where_of(loans))))
    });
    let mut input = settings(s, decimal);
    input.key = Some(kp.header.clone());
    export.schedule_input = Some(input);
    export.warnings.extend(warnings);
    export.schedule = if s.workbook && s.file == loans.file {
        "sheet"
    } else {
        "file"
    };
    let per_key = groups_by(kp);
    let max = per_key.iter().map(|g| g.1.len()).max().unwrap_or(0);
    let all_loans = loans.columns[m]
        .values
        .iter()
        .flatten()
        .collect::<BTreeSet<_>>()
        .len();
    let covered = per_key.len();
    export.reasons.push(format!(
        "{} has {} rows keyed by '{}' (up to {max} per loan) whose values are {} of '{}' in {}: the repayment schedule, joined by '{}'.",
        capitalize(&where_of(s)),
        kp.values.len(),
        kp.header,
        if covered == all_loans { "all the values".to_string() } else { format!("{covered} of the {all_loans} values") },
        loans.columns[m].header,
        where_of(loans),
        kp.header
    ));
    export.column_fields[i][col] = Some("schedule_input.key".into());
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn text_evidence(p: &Profile) -> String {
    match p.samples.first() {
        Some(v) => format!("e.g. '{}'", short(v, 28)),
        None => String::new(),
    }
}

fn join(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a}; {b}"),
    }
}

/// The full mapping, in template order, with the unmapped fields as to-dos.
fn build_fields(
    ctx: &Ctx,
    main: usize,
    assigned: &[Assigned],
    info: Option<&MainInfo>,
    export: &mut Export,
) {
    let sheet = &ctx.sheets[main];
    let mut out: Vec<Mapping> = Vec::new();
    let shape = info.map_or("per-loan", |i| i.shape);
    let groups_seen = export.group_loans;
    let col = |c: usize| &sheet.columns[c];
    let mark = |export: &mut Export, c: usize, field: &str| {
        export.column_fields[main][c] = Some(field.to_string());
    };

    // Keys.
    if let Some(info) = info {
        let kp = col(info.key);
        let a = assigned.iter().find(|a| a.col == info.key);
        let why = a.map_or(String::new(), |a| a.why.clone());
        let loan_col = export.keys.loan.clone().unwrap_or_default();
        let groups = groups_by(kp);
        let max = groups.iter().map(|g| g.1.len()).max().unwrap_or(0);
        let uniq = if max <= 1 {
            format!("unique on each of the {} rows", kp.values.len())
        } else {
            format!("{} values on {} rows", groups.len(), kp.values.len())
        };
        if loan_col == kp.header {
            out.push(Mapping::column("keys.loan", &kp.header, join(&why, &uniq)));
            mark(export, info.key, "keys.loan");
        } else {
            out.push(Mapping::column(
                "keys.loan",
                &loan_col,
                "a member's own id keys its loan".into(),
            ));
        }
        if let Some(g) = &export.keys.group {
            let gp = sheet.columns.iter().find(|p| &p.header == g);
            let why = gp
                .and_then(|gp| assigned.iter().find(|a| a.col == gp.index))
                .map_or(String::new(), |a| a.why.clone());
            let mut m = Mapping::column(
                "keys.group",
                g,
                join(&why, "rows sharing it form one group loan"),
            );
            for also in &export.keys.group_also {
                let Some(ap) = sheet.columns.iter().find(|p| &p.header == also) else {
                    continue;
                };
                let (format, date_why, _) = date_evidence(ap, &ctx.decided);
                m.evidence = join(
                    &m.evidence,
                    &format!("then '{also}', which tells a group's loan cycles apart; {date_why}"),
                );
                m.parts.push(KeyPart {
                    column: also.clone(),
                    format,
                });
            }
            out.push(m);
            if let Some(gp) = gp {
                mark(export, gp.index, "keys.group");
            }
        }
        if let Some(b) = &export.keys.borrower {
            let why = if export.keys.loan.as_ref() == Some(b) {
                "every member has her own account: one borrower per account"
            } else {
                "rows of a loan with the same value are one borrower"
            };
            out.push(Mapping::column("keys.borrower", b, why.into()));
        }
    } else {
        let mut m = Mapping::column(
            "keys.loan",
            "TODO: loan number column",
            "no loan key column found".into(),
        );
        m.placeholder = true;
        m.todo = Some("name the column holding the loan number".into());
        out.push(m);
    }

    let groups = info.map_or(&[][..], |i| i.groups.as_slice());
    let by_target = |t: &str| find(assigned, t);

    // Loan fields.
    for (name, _) in LOAN_FIELDS {
        let target = format!("loan.{name}");
        match *name {
            "currency" => out.push(currency(ctx, main, assigned, export)),
            "group_name" if !groups_seen => {}
            "internal_client_id" | "internal_loan_id" => {}
            _ => {
                let Some(a) = by_target(&target) else {
                    continue;
                };
                let p = col(a.col);
                let mut m = Mapping::column(&target, &p.header, a.why.clone());
                match *name {
                    "disburse_time" => {
                        let (format, why, todo) = date_evidence(p, &ctx.decided);
                        m.format = format;
                        m.evidence = join(&m.evidence, &why);
                        m.todo = todo;
                    }
                    "activity_id" | "theme_type_id" | "description_language_id" => {
                        if !(p.kind == ColumnType::Number && p.integers) {
                            // Names, not Kiva's ids: not mapped; said in the to-do.
                            continue;
                        }
                    }
                    _ => m.evidence = join(&m.evidence, &text_evidence(p)),
                }
                if !groups.is_empty() && varies(p, groups) && !matches!(*name, "disburse_time") {
                    m.combine = Some("join");
                    m.evidence = join(&m.evidence, "differs within a loan: values joined");
                }
                mark(export, a.col, &target);
                out.push(m);
            }
        }
    }
    // Group ids.
    let client = by_target("borrower.client_id").map(|a| a.col);
    // A loan key shared by the members (flat groups, or a repeated group loan number)
    // is not a member's own loan id.
    let member_loan_id = info.is_some_and(|i| !(i.key_shared && groups_seen));
    if groups_seen {
        if client.is_some() {
            out.push(Mapping::members(
                "loan.internal_client_id",
                "client_id",
                "group loans: the members' client ids, joined",
            ));
        }
        if member_loan_id {
            out.push(Mapping::members(
                "loan.internal_loan_id",
                "loan_id",
                "group loans: the members' loan ids, joined",
            ));
        } else if let Some(info) = info {
            out.push(Mapping::column(
                "loan.internal_loan_id",
                &col(info.key).header,
                "group loans: the loan number shared by the members".into(),
            ));
        }
    }

    // Borrower fields.
    for (name, _) in BORROWER_FIELDS {
        let target = format!("borrower.{name}");
        if *name == "loan_id" {
            if let Some(info) = info
                && member_loan_id
            {
                let header = export
                    .keys
                    .loan
                    .clone()
                    .unwrap_or_else(|| col(info.key).header.clone());
                out.push(Mapping::column(
                    &target,
                    &header,
                    "the loan key: one borrower per loan number".into(),
                ));
            }
            continue;
        }
        if *name == "not_pictured" {
            if let Some(m) = pictured(sheet, assigned) {
                if let Some(a) =
                    by_target("borrower.pictured").or_else(|| by_target("borrower.not_pictured"))
                {
                    mark(export, a.col, &target);
                }
                out.push(m);
            }
            continue;
        }
        let Some(a) = by_target(&target) else {
            continue;
        };
        let p = col(a.col);
        let mut m = Mapping::column(&target, &p.header, a.why.clone());
        match *name {
            "name" => {
                let (split, why) = name_split(p);
                m.split = Some(split);
                m.evidence = join(&m.evidence, &why);
            }
            "gender" => {
                let (map, unknown, note) = fields::gender_map(&p.distinct_values());
                let shown: Vec<String> = map.iter().map(|(f, t)| format!("{f} = {t}")).collect();
                m.evidence = join(&m.evidence, &format!("values {}", shown.join(", ")));
                m.map = map
                    .into_iter()
                    .map(|(from, to)| MapEntry {
                        from,
                        to: Constant::String(to.into()),
                    })
                    .collect();
                if let Some(note) = note {
                    m.todo = Some(note);
                }
                if !unknown.is_empty() {
                    m.todo = Some(format!("map {} too", values_list(&unknown, 5)));
                }
            }
            "amount" => {
                m.evidence = join(
                    &m.evidence,
                    &format!(
                        "amounts like {}",
                        p.samples.first().cloned().unwrap_or_default()
                    ),
                );
            }
            _ => m.evidence = join(&m.evidence, &text_evidence(p)),
        }
        mark(export, a.col, &target);
        out.push(m);
    }

    // Schedule or terms.
    match (shape, export.schedule) {
        (_, "columns") => {
            if let Some(info) = info {
                for field in ["date", "principal", "interest"] {
                    let target = format!("schedule.{field}");
                    if let Some(pat) = info.wide.iter().find(|p| p.target == Some(target.as_str()))
                    {
                        let first = col(pat.columns[0]);
                        let mut m = Mapping::column(
                            &target,
                            &pat.template,
                            format!(
                                "'{}' for n = {}..{}",
                                pat.template,
                                pat.numbers.first().unwrap_or(&0),
                                pat.numbers.last().unwrap_or(&0)
                            ),
                        );
                        if field == "date" {
                            let (format, why, todo) = date_evidence(first, &ctx.decided);
                            m.format = format;
                            m.evidence = join(&m.evidence, &why);
                            m.todo = todo;
                        }
                        for &c in &pat.columns {
                            mark(export, c, &target);
                        }
                        out.push(m);
                    }
                }
            }
        }
        (_, "rows") => schedule_fields(ctx, main, assigned, &mut out, export),
        (_, "sheet" | "file") => {
            if let Some(i) = export.roles.iter().position(|r| *r == "schedule") {
                let s = &ctx.sheets[i];
                let mut taken = BTreeSet::new();
                if let Some(key) = export.schedule_input.as_ref().and_then(|x| x.key.clone())
                    && let Some(p) = s.columns.iter().find(|p| p.header == key)
                {
                    taken.insert(p.index);
                }
                let sched = assign(
                    s,
                    &|t| t.starts_with("schedule.") || t == "installment",
                    &taken,
                );
                schedule_fields(ctx, i, &sched, &mut out, export);
            }
        }
        (_, "terms") => terms_fields(ctx, main, assigned, &mut out, export),
        _ => {}
    }
    complete(&mut out, export, shape);
    export.todo = todos(sheet, assigned, &out, export);
    export.fields = out;
}

/// A stand-in for a field the template format requires and no column gave.
fn placeholder(field: &str, what: &str) -> Mapping {
    let mut m = Mapping::column(
        field,
        &format!("TODO: {what} column"),
        format!("no column found for the {what}; the template needs one"),
    );
    m.placeholder = true;
    m.todo = Some(format!("name the {what} column"));
    m
}

/// Adds what `Template::parse` requires: a name, all three schedule fields once one is
/// there (or a schedule input is), a borrower key in flat exports.
fn complete(out: &mut Vec<Mapping>, export: &Export, shape: &str) {
    let has = |out: &Vec<Mapping>, f: &str| out.iter().any(|m| m.field == f);
    if !has(out, "borrower.name") && !has(out, "borrower.first_name") {
        let mut m = placeholder("borrower.name", "borrower's name");
        m.split = Some("given-family");
        m.todo = Some("name the full-name column (or map first_name and last_name instead)".into());
        out.push(m);
    }
    let fields = ["date", "principal", "interest"];
    let any = fields.iter().any(|f| has(out, &format!("schedule.{f}")))
        || matches!(export.schedule, "sheet" | "file" | "columns" | "rows");
    if any {
        for f in fields {
            let field = format!("schedule.{f}");
            if !has(out, &field) {
                let what = match f {
                    "date" => "due date",
                    "principal" => "principal",
                    _ => "interest",
                };
                out.push(placeholder(&field, what));
            }
        }
    }
    if shape == "flat" && export.keys.borrower.is_none() && !has(out, "borrower.client_id") {
        out.push(placeholder("keys.borrower", "borrower key"));
    }
}

fn schedule_fields(
    ctx: &Ctx,
    at: usize,
    assigned: &[Assigned],
    out: &mut Vec<Mapping>,
    export: &mut Export,
) {
    let s = &ctx.sheets[at];
    let mut used: BTreeSet<usize> = assigned.iter().map(|a| a.col).collect();
    if let Some(key) = export.schedule_input.as_ref().and_then(|x| x.key.clone())
        && export.roles[at] == "schedule"
        && let Some(p) = s.columns.iter().find(|p| p.header == key)
    {
        used.insert(p.index);
    }
    for field in ["date", "principal", "interest"] {
        let target = format!("schedule.{field}");
        let found = find(assigned, &target)
            .map(|a| (a.col, a.why.clone()))
            .or_else(|| {
                // By content: the first free date column, then money columns in order.
                let kind_ok = |p: &Profile| {
                    if field == "date" {
                        p.kind == ColumnType::Date
                    } else {
                        matches!(p.kind, ColumnType::Money | ColumnType::Number) && !p.integers
                    }
                };
                s.columns
                    .iter()
                    .find(|p| !used.contains(&p.index) && kind_ok(p))
                    .map(|p| {
                        (
                            p.index,
                            format!(
                                "'{}' by position: the next {} column",
                                p.header,
                                if field == "date" { "date" } else { "amount" }
                            ),
                        )
                    })
            });
        let Some((c, why)) = found else { continue };
        used.insert(c);
        let p = &s.columns[c];
        let mut m = Mapping::column(&target, &p.header, why);
        if field != "date" {
            m.evidence = join(
                &m.evidence,
                &format!(
                    "amounts like {}",
                    p.samples.first().cloned().unwrap_or_default()
                ),
            );
        }
        if field == "date" {
            let (format, why, todo) = date_evidence(p, &ctx.decided);
            m.format = format;
            m.evidence = join(&m.evidence, &why);
            m.todo = todo;
        }
        export.column_fields[at][c] = Some(target.clone());
        out.push(m);
    }
    if let Some(a) = find(assigned, "installment") {
        export.column_fields[at][a.col] = Some("installment".into());
    }
}

fn terms_fields(
    ctx: &Ctx,
    main: usize,
    assigned: &[Assigned],
    out: &mut Vec<Mapping>,
    export: &mut Export,
) {
    let s = &ctx.sheets[main];
    for (name, _) in TERMS_FIELDS {
        let target = format!("terms.{name}");
        let Some(a) = find(assigned, &target) else {
            if ["installments", "frequency", "annual_rate", "method"].contains(name) {
                let mut m = Mapping::column(
                    &target,
                    &format!("TODO: {name} column"),
                    "required by [terms]; no column found".into(),
                );
                m.placeholder = true;
                m.todo = Some(format!("name the {name} column, or give {{ value = ... }}"));
                out.push(m);
            }
            continue;
        };
        let p = &s.columns[a.col];
        let mut m = Mapping::column(&target, &p.header, a.why.clone());
        match *name {
            "first_due" => {
                let (format, why, todo) = date_evidence(p, &ctx.decided);
                m.format = format;
                m.evidence = join(&m.evidence, &why);
                m.todo = todo;
            }
            "frequency" | "method" => {
                let of: fn(&str) -> Option<&'static str> = if *name == "frequency" {
                    fields::frequency_of
                } else {
                    fields::method_of
                };
                let values = p.distinct_values();
                let mut unknown = Vec::new();
                for v in &values {
                    match of(v) {
                        Some(to) => m.map.push(MapEntry {
                            from: v.clone(),
                            to: Constant::String(to.into()),
                        }),
                        None => unknown.push(v.clone()),
                    }
                }
                let shown: Vec<String> = m
                    .map
                    .iter()
                    .map(|e| format!("{} = {}", e.from, e.to.as_str().unwrap_or_default()))
                    .collect();
                m.evidence = join(&m.evidence, &format!("values {}", shown.join(", ")));
                if !unknown.is_empty() {
                    m.todo = Some(format!("map {} too", values_list(&unknown, 5)));
                }
            }
            "annual_rate" => {
                let folded = fields::fold(&p.header);
                if ["month", "mensual", "mensuel", "mensal", "p.m", "pm"]
                    .iter()
                    .any(|w| folded.contains(w))
                {
                    m.todo = Some(
                        "the header suggests a monthly rate; annual_rate wants % per year".into(),
                    );
                }
                m.evidence = join(
                    &m.evidence,
                    &format!(
                        "values like {}",
                        p.samples.first().cloned().unwrap_or_default()
                    ),
                );
            }
            _ => {
                m.evidence = join(
                    &m.evidence,
                    &format!(
                        "values like {}",
                        p.samples.first().cloned().unwrap_or_default()
                    ),
                );
            }
        }
        export.column_fields[main][a.col] = Some(target.clone());
        out.push(m);
    }
}

/// Where the currency comes from: a column, a header (`Amount (UGX)`), a symbol in the
/// amounts (`USh`), a code in the title rows; else a placeholder to fill in.
fn currency(ctx: &Ctx, main: usize, assigned: &[Assigned], export: &mut Export) -> Mapping {
    let sheet = &ctx.sheets[main];
    if let Some(a) = find(assigned, "loan.currency") {
        let p = &sheet.columns[a.col];
        export.column_fields[main][a.col] = Some("loan.currency".into());
        return Mapping::column(
            "loan.currency",
            &p.header,
            join(
                &a.why,
                &format!("values {}", values_list(&p.distinct_values(), 4)),
            ),
        );
    }
    let amount = find(assigned, "borrower.amount").map(|a| a.col);
    let mut headers: Vec<&Profile> = amount.map(|c| &sheet.columns[c]).into_iter().collect();
    headers.extend(ctx.sheets.iter().flat_map(|s| s.columns.iter()));
    for p in &headers {
        if let Some(code) = fields::words(&p.header).currency {
            return Mapping::value(
                "loan.currency",
                Constant::String(code.clone()),
                format!("header '{}' names {code}", p.header),
            );
        }
    }
    if let Some(c) = amount {
        let p = &sheet.columns[c];
        if let Some(affix) = &p.affix {
            let code = if affix.len() == 3 && money::minor_units(affix).is_some() {
                Some(affix.as_str())
            } else {
                fields::currency_of_symbol(affix)
            };
            if let Some(code) = code {
                return Mapping::value(
                    "loan.currency",
                    Constant::String(code.to_string()),
                    format!("amounts in '{}' are written with '{affix}'", p.header),
                );
            }
        }
    }
    if let Some(table) = &sheet.table {
        for line in &table.preamble {
            let codes = fields::currencies_in_text(line);
            if let [code] = codes.as_slice() {
                return Mapping::value(
                    "loan.currency",
                    Constant::String(code.clone()),
                    format!("the title rows say '{}'", short(line, 40)),
                );
            }
        }
    }
    let mut m = Mapping::value(
        "loan.currency",
        Constant::String("TODO".into()),
        "no currency column, and no currency code in a header, an amount or a title row".into(),
    );
    m.placeholder = true;
    m.todo =
        Some("name the loans' ISO 4217 currency: { value = \"...\" } (USD, PEN, UGX, ...)".into());
    m
}

fn pictured(sheet: &Sheet, assigned: &[Assigned]) -> Option<Mapping> {
    let (a, inverted) = match (
        find(assigned, "borrower.pictured"),
        find(assigned, "borrower.not_pictured"),
    ) {
        (Some(a), _) => (a, true),
        (None, Some(a)) => (a, false),
        _ => return None,
    };
    let p = &sheet.columns[a.col];
    let mut m = Mapping::column("borrower.not_pictured", &p.header, a.why.clone());
    let mut shown = Vec::new();
    for v in p.distinct_values() {
        if let Some(b) = crate::map::parse_bool(&v) {
            let to = if inverted { !b } else { b };
            shown.push(format!("{v} = {to}"));
            m.map.push(MapEntry {
                from: v,
                to: Constant::Bool(to),
            });
        }
    }
    let how = if inverted {
        "in the photo, so not_pictured is its opposite"
    } else {
        "not in the photo"
    };
    m.evidence = join(&m.evidence, &format!("{how}: {}", shown.join(", ")));
    Some(m)
}

/// How full names split, from the values: "Quispe, Rosa" is family-comma-given,
/// "NAMUGGA Sarah" family-given, otherwise the last word is the family name.
fn name_split(p: &Profile) -> (&'static str, String) {
    let values: Vec<&String> = p.values.iter().flatten().collect();
    let example = values.first().map_or(String::new(), |v| (*v).clone());
    let header = fields::words(&p.header).words;
    if values.iter().filter(|v| v.contains(',')).count() * 2 > values.len() {
        return (
            "family-comma-given",
            format!("names like '{example}': family name before the comma"),
        );
    }
    if header == ["nom", "prenom"] {
        return (
            "family-given",
            "the header puts the family name first".into(),
        );
    }
    let caps_first = values
        .iter()
        .filter(|v| {
            let mut w = v.split_whitespace();
            let first = w.next().unwrap_or("");
            w.next().is_some()
                && first.chars().count() > 1
                && first.chars().all(|c| !c.is_lowercase())
                && v.chars().any(char::is_lowercase)
        })
        .count();
    if caps_first * 2 > values.len() {
        return (
            "family-given",
            format!("names like '{example}': family name first, in capitals"),
        );
    }
    (
        "given-family",
        format!("full names like '{example}': the last word taken as the family name"),
    )
}

/// Every draft field the mapping leaves out, with why.
fn todos(
    sheet: &Sheet,
    assigned: &[Assigned],
    fields_out: &[Mapping],
    export: &Export,
) -> Vec<Todo> {
    let mapped = |f: &str| fields_out.iter().any(|m| m.field == f);
    let mut out = Vec::new();
    let mut push = |field: String, why: String| out.push(Todo { field, why });
    let names_of = |t: &str| {
        find(assigned, t).map(|a| {
            let p = &sheet.columns[a.col];
            (p.header.clone(), values_list(&p.distinct_values(), 3))
        })
    };
    for (name, _) in LOAN_FIELDS {
        let field = format!("loan.{name}");
        if mapped(&field) {
            continue;
        }
        let why = match *name {
            "activity_id" | "theme_type_id" | "description_language_id" => {
                let what = match *name {
                    "activity_id" => "activity",
                    "theme_type_id" => "theme",
                    _ => "description language",
                };
                match names_of(&field) {
                    Some((header, values)) => format!(
                        "'{header}' holds names ({values}); Kiva wants its {what} id: {{ value = N }} or a column of ids"
                    ),
                    None => {
                        format!("Kiva's {what} id (a number): {{ value = N }} or a column of ids")
                    }
                }
            }
            "location" => "the borrower's town or region: a column or { value = \"...\" }".into(),
            "description" => "the borrower's story: a column, or written in PA2".into(),
            "loanuse" => "what the loan is for: no column found".into(),
            "disburse_time" => "the disbursal date: no date column found".into(),
            "client_waiver_signed" => "{ value = true } once the waivers are signed".into(),
            "image_encoded" | "image_url" | "image_file" => "a photo: no photo column found".into(),
            "group_name" | "internal_client_id" | "internal_loan_id" if !export.group_loans => {
                "group loans only: none seen in this export".into()
            }
            "group_name" => "the group's name: no column found".into(),
            _ => "no column found".into(),
        };
        push(field, why);
    }
    let has_name = mapped("borrower.name");
    for (name, _) in BORROWER_FIELDS {
        let field = format!("borrower.{name}");
        if mapped(&field) {
            continue;
        }
        let why = match *name {
            "first_name" | "last_name" if has_name => continue,
            "name" if mapped("borrower.first_name") => continue,
            "name" => "the borrower's full name (or first_name and last_name)".into(),
            "not_pictured" => "default false (everyone in the photo); group loans only".into(),
            "loan_id" => "the member's own loan number: no column found".into(),
            _ => "no column found".into(),
        };
        push(field, why);
    }
    match export.schedule {
        "terms" => {
            for (name, _) in TERMS_FIELDS {
                let field = format!("terms.{name}");
                if !mapped(&field) {
                    let why = match *name {
                        "first_due" => "default: one period after disbursal",
                        "grace" => "default 0: no interest-only installments",
                        "day_count" => "default periodic (annual rate / periods per year)",
                        _ => "no column found",
                    };
                    push(field, why.into());
                }
            }
        }
        _ => {
            for (name, _) in SCHEDULE_FIELDS {
                let field = format!("schedule.{name}");
                if !mapped(&field) {
                    push(
                        field,
                        "no column found ([terms] can generate the schedule instead)".into(),
                    );
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::Cell;

    fn column(header: &str, values: &[&str]) -> Profile {
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
        crate::inspect::profile::profile(0, "A".into(), header.into(), &refs)
    }

    #[test]
    fn installment_numbers_in_headers() {
        assert_eq!(
            split_number("Prestação 12 Data"),
            Some(("Prestação ".into(), 12, " Data".into()))
        );
        assert_eq!(
            split_number("Due Date 3"),
            Some(("Due Date ".into(), 3, String::new()))
        );
        assert_eq!(split_number("Q1 Amount"), None);
        assert_eq!(split_number("Rate 1 of 2"), None);
        assert_eq!(split_number("Amount (UGX)"), None);
    }

    #[test]
    fn name_splits_from_values() {
        let p = column("Name", &["Rosa Quispe", "Juan Carlos Mamani"]);
        assert_eq!(name_split(&p).0, "given-family");
        let p = column("Name", &["Quispe Mamani, Rosa", "Peña, Ana"]);
        assert_eq!(name_split(&p).0, "family-comma-given");
        let p = column("Name", &["NAMUGGA Sarah", "OKELLO Moses"]);
        assert_eq!(name_split(&p).0, "family-given");
        let p = column("Nom Prénom", &["Diop Aminata"]);
        assert_eq!(name_split(&p).0, "family-given");
    }

    #[test]
    fn content_fits_the_field() {
        assert!(fits("loan.currency", &column("Moneda", &["PEN", "usd"])));
        assert!(!fits("loan.currency", &column("Moneda", &["Soles"])));
        assert!(fits(
            "borrower.gender",
            &column("Sexo", &["Mujer", "Hombre"])
        ));
        assert!(!fits("borrower.gender", &column("Sexo", &["Mujer", "?"])));
        // Ids have no spaces: a column of names is not a client id.
        assert!(fits(
            "borrower.client_id",
            &column("Client", &["C-1", "C-2"])
        ));
        assert!(!fits(
            "borrower.client_id",
            &column("Client", &["Ana Díaz"])
        ));
        assert!(!fits("loan.disburse_time", &column("Disbursed", &["soon"])));
        assert!(looks_like_names(&column(
            "Socio",
            &["Ana Díaz", "Bea Ruiz"]
        )));
        assert!(!looks_like_names(&column("Note", &["paid in 2 parts"])));
    }

    #[test]
    fn per_borrower_loans_are_groups_or_single_keys() {
        let group = column("Group", &["G1", "G1", "", "G1"]);
        let key = column("Loan", &["L1", "L2", "L3", "L4"]);
        assert_eq!(loans_of(&group, &key), vec![vec![0, 1, 3], vec![2]]);
    }
}
