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

mod columns;
mod input;
mod keys;
mod mapping;
mod members;
mod rows;
mod schedule;
#[cfg(test)]
mod tests;

#[allow(clippy::wildcard_imports)]
use columns::*;
#[allow(clippy::wildcard_imports)]
use input::*;
#[allow(clippy::wildcard_imports)]
use keys::*;
#[allow(clippy::wildcard_imports)]
use mapping::*;
#[allow(clippy::wildcard_imports)]
use members::*;
#[allow(clippy::wildcard_imports)]
use rows::*;
#[allow(clippy::wildcard_imports)]
use schedule::*;

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

/// The inputs' shared knowledge while inferring.
struct Ctx<'a> {
    sheets: &'a [Sheet],
    /// Decided text date formats: (header, format, deciding value).
    decided: Vec<(String, String, String)>,
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
