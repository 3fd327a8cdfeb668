//! The review page: the drafts as a coordinator wants to see them.
//!
//! JSON files are right for machines and upload; a coordinator reviewing hundreds of
//! loans wants to look, not read. This module renders one self-contained HTML page
//! (inline CSS and script, no network): a summary, a sortable and filterable table of
//! drafts, and per draft, on demand, its borrowers, schedule and chart, the fields PA2
//! still needs, and each problem with its source cells. `convert` writes it as
//! `DIR/review.html`; `review DIR` rebuilds it from the draft files.
//!
//! The data goes into the page once, as JSON in a `<script type="application/json">`
//! block with `<`, `>` and `&` escaped (no text from an export can close the block), and
//! the page's script builds rows with `textContent`, never `innerHTML`: a borrower named
//! `<script>` is shown as text. A Content-Security-Policy allows only the page's own
//! script and style (by hash), as a second line of defence. Only the expanded draft's
//! details are built, and table rows are built as the table is scrolled (a hundred at a
//! time), so a page of 5,000 drafts opens and filters quickly.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use base64::Engine as _;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::convert::Converted;
use crate::money::{self, Money};
use crate::report::{Finding, SourceRef};
use crate::validate::{self, Severity};
use crate::{Error, Outcome, validate_cmd};

/// The page's file name in a drafts folder.
pub const PAGE: &str = "review.html";

const STYLE: &str = include_str!("review/page.css");
const SCRIPT: &str = include_str!("review/page.js");

/// The warning rules that are fields to fill in PA2 before it publishes a draft, with
/// the checklist's wording, in the order the page shows them.
pub const CHECKLIST: &[(&str, &str)] = &[
    ("missing-description", "Description (borrower story)"),
    ("missing-loanuse", "Loan use"),
    ("missing-activity", "Activity"),
    ("missing-theme", "Theme"),
    ("missing-location", "Location"),
    ("missing-language", "Description language"),
    ("missing-image", "Photo"),
    ("missing-waiver", "Client waiver signed"),
];

/// Everything the page shows, from a conversion or from a drafts folder.
#[derive(Debug, Clone, Default)]
pub struct ReviewInput {
    /// What the page is about: the converted inputs, or the folder.
    pub title: String,
    /// Lines about where the drafts come from (template, inputs, tool).
    pub about: Vec<String>,
    /// The conversion's row counts, when known.
    pub rows: Option<RowTotals>,
    /// Drafts in export order, then loans that could not be converted.
    pub loans: Vec<LoanEntry>,
}

/// Input rows of the conversion (see `summary.json`'s `rows`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RowTotals {
    pub read: usize,
    pub used: usize,
    pub ignored: usize,
    pub blank: usize,
}

/// One loan: a draft (written or read back), or a loan that could not be converted.
#[derive(Debug, Clone)]
pub struct LoanEntry {
    pub key: String,
    /// The draft file's name; `None` for a loan that was not converted.
    pub file: Option<String>,
    /// The draft as JSON; `None` when not converted or when the file is not JSON.
    pub draft: Option<Value>,
    /// The input rows the loan came from.
    pub rows: Vec<SourceRef>,
    /// Its problems, rule errors and warnings.
    pub findings: Vec<Finding>,
}

impl ReviewInput {
    /// The page of a conversion: its drafts, failed loans and findings with source cells.
    pub fn from_converted(converted: &Converted) -> ReviewInput {
        let mut of_file: HashMap<&str, Vec<Finding>> = HashMap::new();
        let mut of_failed: HashMap<&str, Vec<Finding>> = HashMap::new();
        for f in &converted.report.findings {
            match &f.file {
                Some(file) => of_file.entry(file).or_default().push(f.clone()),
                None => of_failed.entry(&f.draft).or_default().push(f.clone()),
            }
        }
        let row = |o: &crate::read::Origin| SourceRef {
            column: None,
            ..SourceRef::from_origin(o)
        };
        let mut loans: Vec<LoanEntry> = converted
            .grouped
            .loans
            .iter()
            .zip(&converted.summary.drafts)
            .map(|(loan, entry)| LoanEntry {
                key: loan.key.clone(),
                file: Some(entry.file.clone()),
                draft: serde_json::to_value(&loan.draft).ok(),
                rows: loan.rows.iter().map(row).collect(),
                findings: of_file.remove(entry.file.as_str()).unwrap_or_default(),
            })
            .collect();
        loans.extend(converted.grouped.failed.iter().map(|failed| LoanEntry {
            key: failed.key.clone(),
            file: None,
            draft: None,
            rows: failed.rows.iter().map(row).collect(),
            findings: of_failed.remove(failed.key.as_str()).unwrap_or_default(),
        }));
        let s = &converted.summary;
        let mut files: Vec<&str> = Vec::new();
        for input in &s.inputs {
            if !files.contains(&input.file.as_str()) {
                files.push(&input.file);
            }
        }
        let mut about = vec![format!("template: {}", s.template)];
        about.extend(s.inputs.iter().map(|i| {
            let sheet = i
                .sheet
                .as_ref()
                .map(|s| format!(", sheet {s}"))
                .unwrap_or_default();
            format!(
                "{} input: {}{sheet} (header on row {})",
                i.role, i.file, i.header_row
            )
        }));
        about.push(s.tool.clone());
        ReviewInput {
            title: files.join(", "),
            about,
            rows: Some(RowTotals {
                read: s.rows.read,
                used: s.rows.used,
                ignored: s.rows.ignored,
                blank: s.rows.blank,
            }),
            loans,
        }
    }

    /// The page of a drafts folder: every draft file checked again (as `validate` does),
    /// with source rows and failed loans from the folder's `summary.json` when present.
    /// Findings carry no source cells here (the drafts do not record them); the page
    /// shows each draft's source rows instead.
    pub fn from_dir(dir: &Path, options: &validate::Options) -> Result<ReviewInput, Error> {
        let meta = std::fs::metadata(dir).map_err(|e| {
            Error::Usage(format!(
                "{}: {}",
                dir.display(),
                crate::read::text::io_message(&e)
            ))
        })?;
        if !meta.is_dir() {
            return Err(Error::Usage(format!(
                "{}: not a folder (review reads a folder of drafts)",
                dir.display()
            )));
        }
        let files = validate_cmd::collect(&[dir.to_path_buf()])?;
        let drafts = validate_cmd::load(&files);
        let report = validate_cmd::check(&drafts, options);
        let mut about = Vec::new();
        let summary = match std::fs::read_to_string(dir.join(crate::emit::SUMMARY)) {
            Ok(text) => match serde_json::from_str::<Value>(&text) {
                Ok(v) => Some(v),
                Err(e) => {
                    about.push(format!(
                        "{} is not valid JSON ({e}); read without it",
                        crate::emit::SUMMARY
                    ));
                    None
                }
            },
            Err(_) => None,
        };
        if drafts.is_empty() && summary.is_none() {
            return Err(Error::Usage(format!(
                "{}: no draft files (*.json) and no {} to review",
                dir.display(),
                crate::emit::SUMMARY
            )));
        }
        let empty = Value::Null;
        let summary_ref = summary.as_ref().unwrap_or(&empty);
        let rows_of: HashMap<&str, Vec<SourceRef>> = summary_ref["drafts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| Some((d["file"].as_str()?, rows_from(&d["rows"]))))
            .collect();
        let mut of_path: HashMap<String, Vec<Finding>> = HashMap::new();
        for f in report.findings {
            of_path
                .entry(f.file.clone().unwrap_or_default())
                .or_default()
                .push(f);
        }
        let mut loans: Vec<LoanEntry> = drafts
            .iter()
            .map(|d| {
                let name = d
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let mut findings = of_path
                    .remove(&d.path.display().to_string())
                    .unwrap_or_default();
                for f in &mut findings {
                    f.file = Some(name.clone());
                }
                LoanEntry {
                    key: d.key.clone(),
                    rows: rows_of.get(name.as_str()).cloned().unwrap_or_default(),
                    file: Some(name),
                    draft: d.json.as_ref().ok().cloned(),
                    findings,
                }
            })
            .collect();
        loans.extend(
            summary_ref["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .map(failed_from_summary),
        );
        if let Some(s) = &summary {
            if let Some(t) = s["template"].as_str() {
                about.push(format!("template: {t}"));
            }
            for i in s["inputs"].as_array().into_iter().flatten() {
                let sheet = i["sheet"]
                    .as_str()
                    .map(|s| format!(", sheet {s}"))
                    .unwrap_or_default();
                about.push(format!(
                    "{} input: {}{sheet} (header on row {})",
                    i["role"].as_str().unwrap_or("loans"),
                    i["file"].as_str().unwrap_or("?"),
                    i["header_row"]
                ));
            }
            if let Some(t) = s["tool"].as_str() {
                about.push(format!(
                    "converted by {t}; drafts checked again from the folder"
                ));
            }
        }
        let count = |k: &str| {
            summary_ref["rows"][k]
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
        };
        let rows = match (
            count("read"),
            count("used"),
            count("ignored"),
            count("blank"),
        ) {
            (Some(read), Some(used), Some(ignored), blank) => Some(RowTotals {
                read,
                used,
                ignored,
                blank: blank.unwrap_or(0),
            }),
            _ => None,
        };
        Ok(ReviewInput {
            title: dir.display().to_string(),
            about,
            rows,
            loans,
        })
    }
}

/// Source rows from `summary.json` (`[{file, sheet, row}]`).
fn rows_from(rows: &Value) -> Vec<SourceRef> {
    rows.as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some(SourceRef {
                file: r["file"].as_str()?.to_string(),
                sheet: r["sheet"].as_str().map(str::to_string),
                row: usize::try_from(r["row"].as_u64()?).ok()?,
                column: r["column"].as_str().map(str::to_string),
            })
        })
        .collect()
}

/// A loan that `convert` could not build, from `summary.json`'s `errors`.
fn failed_from_summary(entry: &Value) -> LoanEntry {
    let key = entry["loan_key"].as_str().unwrap_or_default().to_string();
    let findings = entry["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let rule = p["rule"]
                .as_str()
                .and_then(|r| validate::RULES.iter().find(|(id, _, _)| *id == r))
                .map_or("input-value", |(id, _, _)| *id);
            Finding {
                draft: key.clone(),
                file: None,
                severity: Severity::Error,
                rule,
                field: p["column"].as_str().unwrap_or_default().to_string(),
                message: p["message"].as_str().unwrap_or_default().to_string(),
                value: p["value"].as_str().map(str::to_string),
                sources: rows_from(&Value::Array(vec![p.clone()])),
            }
        })
        .collect();
    LoanEntry {
        key,
        file: None,
        draft: None,
        rows: rows_from(&entry["rows"]),
        findings,
    }
}

/// Runs `review DIR`: rebuilds `DIR/review.html` from the draft files. The page is a
/// view, not a check: it is written (exit 0) whatever the drafts' findings.
pub fn run(dir: &Path, options: &validate::Options, quiet: bool) -> Result<Outcome, Error> {
    let input = ReviewInput::from_dir(dir, options)?;
    let page = page_data(&input);
    let path = dir.join(PAGE);
    crate::emit::write_atomic(&path, page_html(&input, &page).as_bytes()).map_err(Error::Emit)?;
    if !quiet {
        let s = &page.summary;
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut line = format!("wrote {} ({}", path.display(), plural(s.drafts, "draft"));
        if s.not_converted > 0 {
            line.push_str(&format!(
                ", {} not converted",
                plural(s.not_converted, "loan")
            ));
        }
        println!(
            "{line}; {} with errors, {} with warnings only)",
            s.errors, s.warnings
        );
    }
    Ok(Outcome::Success)
}

/// Writes `DIR/review.html` for a conversion (called by `convert` after the drafts).
pub fn write(dir: &Path, converted: &Converted) -> Result<(), Error> {
    let html = render(&ReviewInput::from_converted(converted));
    crate::emit::write_atomic(&dir.join(PAGE), html.as_bytes()).map_err(Error::Emit)
}

/// The page's data, embedded as JSON.
#[derive(Debug, Serialize)]
struct PageData<'a> {
    title: &'a str,
    /// Minor units of the currencies in the page, for formatting amounts.
    currencies: BTreeMap<String, u32>,
    checklist: Vec<ChecklistItem>,
    /// Descriptions of the rules found.
    rules: BTreeMap<&'static str, &'static str>,
    summary: SummaryData,
    drafts: Vec<DraftData<'a>>,
}

#[derive(Debug, Serialize)]
struct ChecklistItem {
    rule: &'static str,
    label: &'static str,
}

#[derive(Debug, Serialize)]
struct SummaryData {
    /// Draft files (written or read), including unreadable ones.
    drafts: usize,
    individual: usize,
    group: usize,
    /// Loans that could not be converted (no draft).
    not_converted: usize,
    borrowers: usize,
    /// Amounts per currency, drafts only.
    totals: BTreeMap<String, Money>,
    /// Loans (drafts and not converted) by status.
    ok: usize,
    warnings: usize,
    errors: usize,
    rules: Vec<RuleCount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rows: Option<RowTotals>,
}

#[derive(Debug, Serialize)]
struct RuleCount {
    rule: &'static str,
    severity: Severity,
    findings: usize,
    /// Loans concerned.
    loans: usize,
}

#[derive(Debug, Serialize)]
struct DraftData<'a> {
    key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    /// `individual`, `group`, `not converted` or `unreadable`.
    kind: &'static str,
    /// `ok`, `warnings` or `errors`.
    status: &'static str,
    errors: usize,
    warnings: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    currency: Option<String>,
    amount: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disbursed: Option<String>,
    installments: usize,
    interest: Option<Money>,
    borrowers: Vec<BorrowerData>,
    /// Loan fields to show (present ones only), by API name.
    fields: BTreeMap<&'static str, String>,
    /// Installments as `[date, principal, interest]`, values as in the draft.
    schedule: Vec<[Value; 3]>,
    /// Checklist rules this draft breaks (fields still to fill in PA2).
    missing: Vec<&'static str>,
    /// The other findings.
    findings: Vec<FindingData<'a>>,
    rows: Vec<RowRange>,
}

#[derive(Debug, Serialize)]
struct BorrowerData {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    gender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    loan_id: Option<String>,
    amount: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pictured: Option<bool>,
}

#[derive(Debug, Serialize)]
struct FindingData<'a> {
    severity: Severity,
    rule: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    field: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    sources: &'a [SourceRef],
}

/// Consecutive rows of one sheet: `from..=to`.
#[derive(Debug, PartialEq, Eq, Serialize)]
struct RowRange {
    file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    sheet: Option<String>,
    from: usize,
    to: usize,
}

/// A JSON value as display text: strings as they are, other values as JSON.
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// A JSON number as an exact decimal.
fn decimal(v: &Value) -> Option<Decimal> {
    let Value::Number(n) = v else { return None };
    let s = n.to_string();
    Decimal::from_str_exact(&s)
        .or_else(|_| Decimal::from_scientific(&s))
        .ok()
}

/// The sum of the values, when every one is a number.
fn sum<'a>(values: impl Iterator<Item = Option<&'a Value>>) -> Option<Money> {
    values
        .map(|v| v.and_then(decimal))
        .sum::<Option<Decimal>>()
        .map(|d| Money(d.normalize()))
}

/// Source rows collapsed into ranges per file and sheet (first seen first).
fn row_ranges(rows: &[SourceRef]) -> Vec<RowRange> {
    type Sheet<'a> = (&'a str, Option<&'a str>);
    let mut sheets: Vec<(Sheet<'_>, Vec<usize>)> = Vec::new();
    for r in rows {
        let at = (r.file.as_str(), r.sheet.as_deref());
        match sheets.iter_mut().find(|(k, _)| *k == at) {
            Some((_, list)) => list.push(r.row),
            None => sheets.push((at, vec![r.row])),
        }
    }
    let mut out = Vec::new();
    for ((file, sheet), mut list) in sheets {
        list.sort_unstable();
        list.dedup();
        for row in list {
            match out.last_mut() {
                Some(RowRange {
                    file: f,
                    sheet: s,
                    to,
                    ..
                }) if f == file && s.as_deref() == sheet && *to + 1 == row => *to = row,
                _ => out.push(RowRange {
                    file: file.to_string(),
                    sheet: sheet.map(str::to_string),
                    from: row,
                    to: row,
                }),
            }
        }
    }
    out
}

/// What the page shows of an image: its kind and size, not the data.
fn image_note(obj: &serde_json::Map<String, Value>) -> Option<String> {
    if let Some(uri) = obj.get("image_encoded").and_then(Value::as_str) {
        let data = uri.split_once(',').map_or("", |(_, d)| d);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .ok();
        return Some(match bytes {
            Some(b) => format!(
                "{} image, {} KB",
                validate::image_kind(&b).unwrap_or("unknown"),
                b.len().div_ceil(1024)
            ),
            None => "image_encoded (not readable)".to_string(),
        });
    }
    obj.get("image_url")
        .and_then(Value::as_str)
        .map(|u| format!("image_url {u}"))
}

/// Loan fields the detail view shows, in this order.
const SHOWN_FIELDS: &[&str] = &[
    "group_name",
    "location",
    "description",
    "loanuse",
    "activity_id",
    "theme_type_id",
    "description_language_id",
    "client_waiver_signed",
    "internal_client_id",
    "internal_loan_id",
];

fn draft_data(entry: &LoanEntry) -> DraftData<'_> {
    let errors = entry
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = entry.findings.len() - errors;
    let status = if errors > 0 {
        "errors"
    } else if warnings > 0 {
        "warnings"
    } else {
        "ok"
    };
    let mut missing = Vec::new();
    let mut findings = Vec::new();
    for f in &entry.findings {
        match CHECKLIST.iter().find(|(rule, _)| *rule == f.rule) {
            Some((rule, _)) => missing.push(*rule),
            None => findings.push(FindingData {
                severity: f.severity,
                rule: f.rule,
                field: &f.field,
                message: &f.message,
                value: f.value.as_deref(),
                sources: &f.sources,
            }),
        }
    }
    let mut data = DraftData {
        key: &entry.key,
        file: entry.file.as_deref(),
        kind: if entry.file.is_some() {
            "unreadable"
        } else {
            "not converted"
        },
        status,
        errors,
        warnings,
        currency: None,
        amount: None,
        disbursed: None,
        installments: 0,
        interest: None,
        borrowers: Vec::new(),
        fields: BTreeMap::new(),
        schedule: Vec::new(),
        missing,
        findings,
        rows: row_ranges(&entry.rows),
    };
    let Some(obj) = entry.draft.as_ref().and_then(Value::as_object) else {
        return data;
    };
    let entreps: &[Value] = obj
        .get("entreps")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let not_pictured = obj.get("not_pictured").and_then(Value::as_array);
    let schedule: &[Value] = obj
        .get("schedule")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    data.kind = if entreps.len() > 1 {
        "group"
    } else {
        "individual"
    };
    data.currency = text(obj.get("currency"));
    data.disbursed = text(obj.get("disburse_time"));
    data.amount = if entreps.is_empty() {
        None
    } else {
        sum(entreps.iter().map(|e| e.get("amount")))
    };
    data.installments = schedule.len();
    data.interest = if schedule.is_empty() {
        None
    } else {
        sum(schedule.iter().map(|i| i.get("interest")))
    };
    data.borrowers = entreps
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let name = [text(e.get("first_name")), text(e.get("last_name"))]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            BorrowerData {
                name,
                gender: text(e.get("gender")),
                client_id: text(e.get("client_id")),
                loan_id: text(e.get("loan_id")),
                amount: e.get("amount").cloned().unwrap_or(Value::Null),
                pictured: not_pictured
                    .and_then(|list| list.get(i))
                    .and_then(Value::as_bool)
                    .map(|not| !not),
            }
        })
        .collect();
    for field in SHOWN_FIELDS {
        if let Some(value) = text(obj.get(*field)) {
            data.fields.insert(field, value);
        }
    }
    if let Some(note) = image_note(obj) {
        data.fields.insert("image", note);
    }
    data.schedule = schedule
        .iter()
        .map(|i| {
            let get = |k: &str| i.get(k).cloned().unwrap_or(Value::Null);
            [get("date"), get("principal"), get("interest")]
        })
        .collect();
    data
}

fn page_data(input: &ReviewInput) -> PageData<'_> {
    let drafts: Vec<DraftData<'_>> = input.loans.iter().map(draft_data).collect();
    let mut totals: BTreeMap<String, Money> = BTreeMap::new();
    let mut currencies = BTreeMap::new();
    for d in &drafts {
        if let Some(code) = &d.currency
            && let Some(units) = money::minor_units(code)
        {
            currencies.insert(code.clone(), units);
        }
        if matches!(d.kind, "individual" | "group") {
            *totals
                .entry(d.currency.clone().unwrap_or_else(|| "(no currency)".into()))
                .or_default() += d.amount.unwrap_or_default();
        }
    }
    let mut by_rule: BTreeMap<(Severity, &'static str), (usize, Vec<&str>)> = BTreeMap::new();
    for entry in &input.loans {
        for f in &entry.findings {
            let (count, loans) = by_rule.entry((f.severity, f.rule)).or_default();
            *count += 1;
            if loans.last() != Some(&entry.key.as_str()) {
                loans.push(&entry.key);
            }
        }
    }
    let rules: BTreeMap<&'static str, &'static str> = validate::RULES
        .iter()
        .filter(|(rule, _, _)| by_rule.keys().any(|(_, r)| r == rule))
        .map(|(rule, _, description)| (*rule, *description))
        .collect();
    let status = |s: &str| drafts.iter().filter(|d| d.status == s).count();
    let summary = SummaryData {
        drafts: input.loans.iter().filter(|l| l.file.is_some()).count(),
        individual: drafts.iter().filter(|d| d.kind == "individual").count(),
        group: drafts.iter().filter(|d| d.kind == "group").count(),
        not_converted: input.loans.iter().filter(|l| l.file.is_none()).count(),
        borrowers: drafts.iter().map(|d| d.borrowers.len()).sum(),
        totals,
        ok: status("ok"),
        warnings: status("warnings"),
        errors: status("errors"),
        rules: by_rule
            .into_iter()
            .map(|((severity, rule), (findings, mut loans))| {
                loans.sort_unstable();
                loans.dedup();
                RuleCount {
                    rule,
                    severity,
                    findings,
                    loans: loans.len(),
                }
            })
            .collect(),
        rows: input.rows,
    };
    PageData {
        title: &input.title,
        currencies,
        checklist: CHECKLIST
            .iter()
            .map(|(rule, label)| ChecklistItem { rule, label })
            .collect(),
        rules,
        summary,
        drafts,
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON for a `<script type="application/json">` block: `<`, `>` and `&` (which only
/// occur inside strings) are written as `\u003c`, `\u003e`, `\u0026`, so no text can
/// close the block or open a comment; U+2028 and U+2029 likewise, for old parsers.
pub fn script_json(value: &impl Serialize) -> String {
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A count with thousands separators: `5,000`.
fn count(n: usize) -> String {
    group_digits(&n.to_string())
}

fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An amount with thousands separators and the currency's decimals: `19,600,000`,
/// `1,250.50` (more decimals are kept, never rounded away).
pub fn format_money(amount: Money, currency: &str) -> String {
    let value = amount.0.normalize();
    let text = value.abs().to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut frac = frac.to_string();
    if let Some(units) = money::minor_units(currency) {
        while frac.len() < units as usize {
            frac.push('0');
        }
    }
    let sign = if value.is_sign_negative() && !value.is_zero() {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{}", group_digits(int))
    } else {
        format!("{sign}{}.{frac}", group_digits(int))
    }
}

/// `'sha256-...'` for a Content-Security-Policy.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The page: static summary, the table's frame, the data, the script.
pub fn render(input: &ReviewInput) -> String {
    page_html(input, &page_data(input))
}

fn page_html(input: &ReviewInput, page: &PageData<'_>) -> String {
    let s = &page.summary;
    let mut html = String::with_capacity(64 * 1024 + input.loans.len() * 1024);
    let title = if input.title.is_empty() {
        "Review of loan drafts".to_string()
    } else {
        format!("Review: {}", input.title)
    };
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         script-src {}; style-src {}; img-src data:\">\n\
         <meta name=\"generator\" content=\"kiva-drafts {}\">\n<title>{}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n",
        csp_hash(SCRIPT),
        csp_hash(STYLE),
        env!("CARGO_PKG_VERSION"),
        escape_html(&title)
    );
    let _ = write!(html, "<header>\n<h1>{}</h1>\n", escape_html(&title));
    if !input.about.is_empty() {
        html.push_str("<ul class=\"about\">\n");
        for line in &input.about {
            let _ = writeln!(html, "<li>{}</li>", escape_html(line));
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</header>\n<main>\n");
    summary_html(&mut html, s, &page.rules);
    html.push_str(DRAFTS_SECTION);
    let _ = write!(
        html,
        "</main>\n<script type=\"application/json\" id=\"review-data\">{}</script>\n\
         <script>{SCRIPT}</script>\n</body>\n</html>\n",
        script_json(&page)
    );
    html
}

fn stat(html: &mut String, name: &str, label: &str, value: usize) {
    let _ = writeln!(
        html,
        "<div class=\"stat\"><dt>{label}</dt><dd data-stat=\"{name}\">{}</dd></div>",
        count(value)
    );
}

fn summary_html(html: &mut String, s: &SummaryData, rules: &BTreeMap<&'static str, &'static str>) {
    html.push_str(
        "<section id=\"summary\" aria-labelledby=\"summary-title\">\n\
         <h2 id=\"summary-title\">Summary</h2>\n<dl class=\"stats\">\n",
    );
    stat(html, "drafts", "Drafts", s.drafts);
    stat(html, "individual", "Individual", s.individual);
    stat(html, "group", "Group", s.group);
    if s.not_converted > 0 {
        stat(html, "not_converted", "Not converted", s.not_converted);
    }
    stat(html, "borrowers", "Borrowers", s.borrowers);
    stat(html, "ok", "Ready", s.ok);
    stat(html, "warnings", "With warnings only", s.warnings);
    stat(html, "errors", "With errors", s.errors);
    html.push_str("</dl>\n");
    if let Some(rows) = &s.rows {
        let _ = writeln!(
            html,
            "<p class=\"rows\" data-rows>Input rows: {} read, {} used, {} ignored{}.</p>",
            count(rows.read),
            count(rows.used),
            count(rows.ignored),
            if rows.blank > 0 {
                format!(" ({} blank skipped)", count(rows.blank))
            } else {
                String::new()
            }
        );
    }
    html.push_str("<div class=\"tables\">\n");
    if !s.totals.is_empty() {
        html.push_str(
            "<table class=\"totals\">\n<caption>Totals per currency</caption>\n\
             <thead><tr><th scope=\"col\">Currency</th><th scope=\"col\" class=\"num\">Amount</th></tr></thead>\n<tbody>\n",
        );
        for (currency, total) in &s.totals {
            let _ = writeln!(
                html,
                "<tr data-currency=\"{c}\"><th scope=\"row\">{c}</th><td class=\"num\" data-total>{}</td></tr>",
                escape_html(&format_money(*total, currency)),
                c = escape_html(currency)
            );
        }
        html.push_str("</tbody>\n</table>\n");
    }
    if s.rules.is_empty() {
        html.push_str("<p class=\"clean\">No errors or warnings.</p>\n");
    } else {
        html.push_str(
            "<table class=\"rules\">\n<caption>Errors and warnings by rule</caption>\n\
             <thead><tr><th scope=\"col\">Rule</th>\
             <th scope=\"col\" class=\"num\">Findings</th><th scope=\"col\" class=\"num\">Loans</th>\
             <th scope=\"col\"><span class=\"visually-hidden\">Filter</span></th></tr></thead>\n<tbody>\n",
        );
        for r in &s.rules {
            let _ = writeln!(
                html,
                "<tr class=\"sev-{sev}\" data-rule=\"{rule}\"><th scope=\"row\"><span class=\"badge {sev}\">{sev}</span>\
                 <code>{rule}</code><span class=\"rule-text\">{desc}</span></th>\
                 <td class=\"num\" data-findings>{}</td><td class=\"num\" data-loans>{}</td>\
                 <td><button type=\"button\" class=\"rule-filter\" data-rule=\"{rule}\">Show loans</button></td></tr>",
                count(r.findings),
                count(r.loans),
                sev = r.severity,
                rule = escape_html(r.rule),
                desc = escape_html(rules.get(r.rule).copied().unwrap_or(""))
            );
        }
        html.push_str("</tbody>\n</table>\n");
    }
    html.push_str("</div>\n</section>\n");
}

/// The drafts table's frame; the script fills it.
const DRAFTS_SECTION: &str = r#"<section id="drafts" aria-labelledby="drafts-title">
<h2 id="drafts-title">Drafts</h2>
<form class="filters" role="search" aria-label="Filter drafts" id="filters">
<label>Status <select id="f-status" name="status"><option value="">all</option><option value="ok">ok</option><option value="warnings">warnings</option><option value="errors">errors</option></select></label>
<label>Currency <select id="f-currency" name="currency"><option value="">all</option></select></label>
<label>Kind <select id="f-kind" name="kind"><option value="">all</option><option value="individual">individual</option><option value="group">group</option><option value="not converted">not converted</option><option value="unreadable">unreadable</option></select></label>
<label class="search">Search <input type="search" id="f-text" name="q" placeholder="loan, borrower, id, file…" autocomplete="off"></label>
<span id="f-rule-box" hidden>Rule <code id="f-rule"></code> <button type="button" id="f-rule-clear">clear</button></span>
<button type="reset" id="f-reset">Reset</button>
<output id="count" aria-live="polite"></output>
</form>
<noscript><p class="warning">The table of drafts needs JavaScript; the summary above does not.</p></noscript>
<table id="drafts-table">
<caption class="visually-hidden">Loan drafts; activate a loan key to show its details</caption>
<colgroup><col class="c-key"><col class="c-kind"><col class="c-borrowers"><col class="c-amount"><col class="c-currency"><col class="c-date"><col class="c-inst"><col class="c-interest"><col class="c-status"></colgroup>
<thead><tr>
<th scope="col" aria-sort="none"><button type="button" data-sort="key">Loan</button></th>
<th scope="col" aria-sort="none"><button type="button" data-sort="kind">Kind</button></th>
<th scope="col" aria-sort="none"><button type="button" data-sort="borrowers">Borrowers</button></th>
<th scope="col" aria-sort="none" class="num"><button type="button" data-sort="amount">Amount</button></th>
<th scope="col" aria-sort="none"><button type="button" data-sort="currency">Currency</button></th>
<th scope="col" aria-sort="none"><button type="button" data-sort="disbursed">Disbursed</button></th>
<th scope="col" aria-sort="none" class="num"><button type="button" data-sort="installments">Inst.</button></th>
<th scope="col" aria-sort="none" class="num"><button type="button" data-sort="interest">Interest</button></th>
<th scope="col" aria-sort="none"><button type="button" data-sort="status">Status</button></th>
</tr></thead>
<tbody id="rows"></tbody>
</table>
<p id="empty" hidden>No loan matches the filters.</p>
<p class="more"><button type="button" id="more" hidden>Show more</button></p>
</section>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_block() {
        let json = script_json(&serde_json::json!({"name": "</script><!-- & \u{2028}"}));
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        assert_eq!(
            json,
            r#"{"name":"\u003c/script\u003e\u003c!-- \u0026 \u2028"}"#
        );
        let back: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["name"], "</script><!-- & \u{2028}");
    }

    #[test]
    fn escapes_html() {
        assert_eq!(
            escape_html(r#"<img src=x onerror="a('1')">&"#),
            "&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;"
        );
    }

    #[test]
    fn formats_money_per_currency() {
        let m = |s: &str| Money(s.parse().unwrap());
        assert_eq!(format_money(m("19600000"), "UGX"), "19,600,000");
        assert_eq!(format_money(m("1250.5"), "USD"), "1,250.50");
        assert_eq!(format_money(m("10.005"), "USD"), "10.005");
        assert_eq!(format_money(m("-999"), "USD"), "-999.00");
        assert_eq!(format_money(m("100"), "(no currency)"), "100");
        assert_eq!(count(5000), "5,000");
        assert_eq!(count(12), "12");
    }

    #[test]
    fn collapses_rows_into_ranges() {
        let r = |sheet: &str, row| SourceRef {
            file: "b.xlsx".into(),
            sheet: Some(sheet.into()),
            row,
            column: None,
        };
        let ranges = row_ranges(&[
            r("A", 4),
            r("A", 6),
            r("A", 5),
            r("S", 2),
            r("S", 3),
            r("A", 9),
        ]);
        let got: Vec<(&str, usize, usize)> = ranges
            .iter()
            .map(|x| (x.sheet.as_deref().unwrap(), x.from, x.to))
            .collect();
        assert_eq!(got, [("A", 4, 6), ("A", 9, 9), ("S", 2, 3)]);
    }

    #[test]
    fn status_and_checklist_from_findings() {
        let finding = |severity, rule| Finding {
            draft: "L1".into(),
            file: Some("L1.json".into()),
            severity,
            rule,
            field: String::new(),
            message: "m".into(),
            value: None,
            sources: Vec::new(),
        };
        let mut entry = LoanEntry {
            key: "L1".into(),
            file: Some("L1.json".into()),
            draft: Some(serde_json::json!({
                "currency": "USD", "disburse_time": "2026-01-15",
                "entreps": [{"first_name": "Ana", "amount": 100}, {"first_name": "Bo", "amount": 50.5}],
                "not_pictured": [false, true],
                "schedule": [{"date": "2026-02-15", "principal": 150.5, "interest": 3.25}]
            })),
            rows: Vec::new(),
            findings: vec![finding(Severity::Warning, "missing-image")],
        };
        let d = draft_data(&entry);
        assert_eq!(
            (d.kind, d.status, d.missing.as_slice(), d.findings.len()),
            ("group", "warnings", &["missing-image"][..], 0)
        );
        assert_eq!(d.amount, Some(Money("150.5".parse().unwrap())));
        assert_eq!(d.interest, Some(Money("3.25".parse().unwrap())));
        assert_eq!(d.borrowers[1].pictured, Some(false));
        entry
            .findings
            .push(finding(Severity::Error, "schedule-negative"));
        let d = draft_data(&entry);
        assert_eq!(
            (d.status, d.errors, d.warnings, d.findings.len()),
            ("errors", 1, 1, 1)
        );
        entry.draft = None;
        entry.file = None;
        assert_eq!(draft_data(&entry).kind, "not converted");
    }
}
