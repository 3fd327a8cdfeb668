//! Rows to loans: the four export shapes.
//!
//! Every data row is given a loan key (the group key when it has one, else the loan
//! key) and lands in that loan, or is ignored with a reason (no key, a totals row, a
//! schedule row for no known loan). Within a loan, rows become borrowers (de-duplicated
//! by borrower key in flat exports) and installments (from the same row, from `{n}`
//! columns, or from a schedule input joined by key), summed per date for group loans.
//! Loan-level values repeated on several rows must agree. A loan with any problem is
//! not built; its problems and rows are reported and the other loans go on.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use chrono::NaiveDate;

use crate::amortize::{self, DayCount, Frequency, Method, TermsError};
use crate::draft::{
    BORROWER_FIELDS, Entrep, Kind, LOAN_FIELDS, LoanDraft, SCHEDULE_FIELDS, ScheduleItem,
    TERMS_FIELDS,
};
use crate::map::{BindError, Binder, Bound, Problem, Value, check_minor_units, number_format};
use crate::money::Money;
use crate::read::{Cell, Origin, Row, StampedRow, Table, is_totals_word, same_bytes};
use crate::reference::Cache;
use crate::template::{Combine, GroupKey, Shape, Template};

mod bind;
mod build;
mod keys;
mod plan;
mod rows;
mod terms;
#[cfg(test)]
mod tests;

#[allow(clippy::wildcard_imports)]
use bind::*;
pub use build::fill_member_ids;
#[allow(clippy::wildcard_imports)]
use build::*;
#[allow(clippy::wildcard_imports)]
use keys::*;
pub use plan::Plan;
#[allow(clippy::wildcard_imports)]
use rows::*;
pub use rows::{Cut, Cuts};
#[allow(clippy::wildcard_imports)]
use terms::*;

/// Settings of grouping that come from the command line.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// Largest accepted photo (`image_file`), in bytes.
    pub image_limit: u64,
    /// Kiva's reference data, for `resolve = true` fields.
    pub cache: Option<&'a Cache>,
}

/// A loan built from the export, with where each part came from.
#[derive(Debug, Clone)]
pub struct Loan {
    pub key: String,
    /// Where the loan first appears among the main inputs' data rows (export order).
    pub order: usize,
    pub draft: LoanDraft,
    /// The input rows that made this loan.
    pub rows: Vec<Origin>,
    /// Draft field paths (`disburse_time`, `entreps[1].amount`, `schedule[3]`) and the
    /// cell each came from.
    pub fields: Vec<(FieldPath, Origin)>,
    /// Rows keyed by a group with a single member: Kiva takes a loan with one borrower as
    /// an individual loan, so the draft is one; this keeps the group's name (or key) to
    /// say so.
    pub group_of_one: Option<String>,
}

/// A loan that could not be built.
#[derive(Debug, Clone)]
pub struct FailedLoan {
    pub key: String,
    /// Where the loan first appears among the main inputs' data rows (export order).
    pub order: usize,
    pub problems: Vec<Problem>,
    pub rows: Vec<Origin>,
}

/// A row that does not belong to any loan.
#[derive(Debug, Clone)]
pub struct IgnoredRow {
    pub origin: Origin,
    pub reason: String,
}

/// The outcome of grouping.
#[derive(Debug, Default)]
pub struct Grouped {
    pub loans: Vec<Loan>,
    pub failed: Vec<FailedLoan>,
    pub ignored: Vec<IgnoredRow>,
    /// Data rows read from all inputs (blank rows excluded).
    pub rows_read: usize,
}

type Fields = Vec<(&'static str, Value, Origin)>;

/// A loan whose rows have all been read, to be built with [`Complete::finish`] (by the
/// receiver, on its own thread: building is a good part of the work).
pub struct Complete {
    pending: Pending,
    image_limit: u64,
}

impl Complete {
    /// Builds the draft, or collects why it cannot be built.
    pub fn finish(self) -> Done {
        finish(self.pending, self.image_limit)
    }

    /// The loan as one that could not be built because of `why` (an internal error):
    /// made before [`Complete::finish`], so that its rows are still at hand when
    /// building stops on a bug. The problem is placed on the loan's first row.
    pub fn unbuilt(&self) -> impl FnOnce(&'static str, String) -> FailedLoan + use<> {
        let (key, order, rows) = (
            self.pending.key.clone(),
            self.pending.order,
            self.pending.rows.clone(),
        );
        move |rule, message| FailedLoan {
            problems: rows
                .first()
                .map(|first| Problem {
                    rule,
                    origin: Origin {
                        column: None,
                        ..first.clone()
                    },
                    value: None,
                    message,
                })
                .into_iter()
                .collect(),
            key,
            order,
            rows,
        }
    }
}

/// A loan built from its rows, or one that could not be.
#[derive(Debug)]
pub enum Done {
    Loan(Box<Loan>),
    Failed(FailedLoan),
}

/// Why grouping stopped.
#[derive(Debug)]
pub enum GroupError {
    /// The template does not fit the input (a column not found...).
    Bind(BindError),
    /// An input could not be read to its end.
    Read(crate::read::ReadError),
    /// The receiver of the loans failed (an unwritable folder...).
    Stop(crate::Error),
}

/// What grouping counted besides the loans.
#[derive(Debug, Default)]
pub struct Counts {
    pub ignored: Vec<IgnoredRow>,
    /// Data rows read from all inputs (blank rows excluded).
    pub rows_read: usize,
    /// Per input (main tables, then the schedule table): data rows and blank rows.
    pub inputs: Vec<(usize, usize)>,
}

/// A draft field's path: `disburse_time`, `entreps[1].amount`, `not_pictured[1]`,
/// `schedule[3]` (written out only when a finding needs its cell: every field of every
/// loan has one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldPath {
    Loan(&'static str),
    Entrep(usize, &'static str),
    NotPictured(usize),
    Schedule(usize),
}

impl FieldPath {
    /// The path's first name, up to the first `[` or `.` (`entreps` for
    /// `entreps[0].first_name`): two paths where one is the other or extends it share it.
    pub fn head(&self) -> &'static str {
        match self {
            FieldPath::Loan(name) => path_head(name),
            FieldPath::Entrep(..) => "entreps",
            FieldPath::NotPictured(_) => "not_pictured",
            FieldPath::Schedule(_) => "schedule",
        }
    }
}

/// A field path's first name: up to the first `[` or `.`.
pub fn path_head(path: &str) -> &str {
    path.find(['[', '.']).map_or(path, |end| &path[..end])
}

impl std::fmt::Display for FieldPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldPath::Loan(name) => f.write_str(name),
            FieldPath::Entrep(i, name) => write!(f, "entreps[{i}].{name}"),
            FieldPath::NotPictured(i) => write!(f, "not_pictured[{i}]"),
            FieldPath::Schedule(i) => write!(f, "schedule[{i}]"),
        }
    }
}
