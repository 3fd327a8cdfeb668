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
use crate::read::{Cell, Origin, Row, StampedRow, Table, is_totals_word};
use crate::reference::Cache;
use crate::template::{Combine, GroupKey, Shape, Template};

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

#[derive(Default)]
struct Borrower {
    key: Option<String>,
    values: Fields,
    row: usize,
    seen: Seen,
}

/// The cells a loan's (or a borrower's) fields were last read from, per bound: the
/// loan and borrower values a flat export repeats on every installment row are parsed
/// once, not on every row (a problem in them is reported once, too).
#[derive(Default)]
struct Seen {
    /// The main table the cells come from (bounds differ between tables).
    table: usize,
    /// Per bound: where it was last read from.
    cells: Vec<Last>,
}

/// Where a field was last read from.
#[derive(Clone, PartialEq)]
enum Last {
    Unread,
    /// A constant or member-derived field: read once.
    Constant,
    /// A cell, with its stamp when it has one (see [`crate::read::text::Stamps`]): the
    /// same stamp is the same cell, with no need to compare them.
    Cell(Cell, Option<u64>),
}

/// Reads the fields whose cell differs from the one they were last read from.
fn read_changed(
    bounds: &[Bound],
    table_index: usize,
    table: &Table,
    row: StampedRow<'_>,
    seen: &mut Seen,
    problems: &mut Vec<Problem>,
) -> Fields {
    // Stamps are compared within one pass over one table only: `seen` starts over for
    // another table, and belongs to a loan of this pass.
    if seen.table != table_index || seen.cells.len() != bounds.len() {
        seen.table = table_index;
        seen.cells = vec![Last::Unread; bounds.len()];
    }
    let mut out = Vec::new();
    for (b, last) in bounds.iter().zip(&mut seen.cells) {
        let cell = b.cell(row.row, None);
        let stamp = match (cell, row.stamps) {
            (Some(_), Some(stamps)) => b.column_for(None).and_then(|i| stamps.get(i)).copied(),
            _ => None,
        };
        let same = match (&mut *last, cell) {
            (Last::Constant, None) => true,
            (Last::Cell(_, Some(previous)), Some(_)) if stamp == Some(*previous) => true,
            // A member's cells change on the rows of the other members of a group loan,
            // and come back: compared (and the new stamp kept).
            (Last::Cell(previous, previous_stamp), Some(c)) if previous == c => {
                *previous_stamp = stamp;
                true
            }
            _ => false,
        };
        if same {
            continue;
        }
        match b.read(table, row.row, None) {
            Ok(Some(v)) => out.push((b.name, v, b.origin(table, row.row, None))),
            Ok(None) => {}
            Err(p) => problems.push(p),
        }
        *last = cell.map_or(Last::Constant, |c| Last::Cell(c.clone(), stamp));
    }
    out
}

/// One installment as read, before a group's are summed per date.
struct Installment {
    date: NaiveDate,
    principal: Money,
    interest: Money,
    origin: Origin,
    /// The borrower whose installment it is, when the row says (a member's own row, or a
    /// schedule row naming her loan id); None for a schedule row naming the whole loan.
    member: Option<usize>,
}

impl Installment {
    fn of(read: (NaiveDate, Money, Money, Origin), member: Option<usize>) -> Installment {
        let (date, principal, interest, origin) = read;
        Installment {
            date,
            principal,
            interest,
            origin,
            member,
        }
    }
}

#[derive(Default)]
struct Pending {
    key: String,
    order: usize,
    from_group_key: bool,
    rows: Vec<Origin>,
    problems: Vec<Problem>,
    loan: Fields,
    borrowers: Vec<Borrower>,
    installments: Vec<Installment>,
    terms: Fields,
    seen_loan: Seen,
    seen_terms: Seen,
    /// The row ordinal of the loan's last row, when a first pass found it.
    ends_at: Option<usize>,
}

struct Bindings {
    loan_key: Bound,
    /// The group key's parts (none without `keys.group`).
    group_key: Vec<Bound>,
    borrower_key: Option<Bound>,
    loan: Vec<Bound>,
    borrower: Vec<Bound>,
    schedule: Vec<Bound>,
    terms: Vec<Bound>,
}

fn bind_section(
    binder: &mut Binder<'_>,
    section: &'static str,
    defs: &BTreeMap<String, crate::template::FieldSource>,
    registry: &[(&'static str, Kind)],
) -> Result<Vec<Bound>, BindError> {
    binder.section = section;
    registry
        .iter()
        .filter_map(|(name, kind)| defs.get(*name).map(|d| binder.bind(name, *kind, &d.0)))
        .collect()
}

fn key_bound(
    binder: &mut Binder<'_>,
    name: &'static str,
    column: &str,
) -> Result<Bound, BindError> {
    binder.section = "keys";
    let def = crate::template::FieldDef {
        column: Some(column.to_string()),
        ..Default::default()
    };
    binder.bind(name, Kind::Id, &def)
}

fn bind_main(
    template: &Template,
    table: &Table,
    cache: Option<&Cache>,
) -> Result<Bindings, BindError> {
    let mut binder = Binder {
        table,
        number: number_format(&template.input),
        section: "keys",
        cache,
    };
    let keys = &template.keys;
    let loan_key = key_bound(&mut binder, "loan", &keys.loan)?;
    let group_key = keys
        .group
        .iter()
        .flat_map(|g| &g.parts)
        .map(|def| {
            // A date part (a loan cycle's disbursal) is read as a date, so that the key
            // is the same whether the cell is a workbook date or text.
            let kind = if def.format.is_some() {
                Kind::Date
            } else {
                Kind::Id
            };
            binder.bind("group", kind, def)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let borrower_key = keys
        .borrower
        .as_deref()
        .map(|c| key_bound(&mut binder, "borrower", c))
        .transpose()?;
    let loan = bind_section(&mut binder, "loan", &template.loan, LOAN_FIELDS)?;
    let borrower = bind_section(&mut binder, "borrower", &template.borrower, BORROWER_FIELDS)?;
    let terms = bind_section(&mut binder, "terms", &template.terms, TERMS_FIELDS)?;
    let schedule = if template.schedule_input.is_none() {
        bind_section(&mut binder, "schedule", &template.schedule, SCHEDULE_FIELDS)?
    } else {
        Vec::new()
    };
    Ok(Bindings {
        loan_key,
        group_key,
        borrower_key,
        loan,
        borrower,
        schedule,
        terms,
    })
}

fn why_no_key(row: &Row, key_column: &str) -> String {
    if row.cells.iter().any(|c| is_totals_word(&c.display())) {
        "totals row".to_string()
    } else {
        format!("no loan key (column '{key_column}' is empty)")
    }
}

/// Merges values into `into` as each field's `combine` says; by default values must
/// agree and a disagreement is a problem.
fn merge_agreeing(
    into: &mut Fields,
    values: Fields,
    bounds: &[Bound],
    what: &str,
    problems: &mut Vec<Problem>,
) {
    for (name, value, origin) in values {
        let bound = bounds.iter().find(|b| b.name == name);
        let combine = bound.map_or(Combine::Same, |b| b.combine);
        match into.iter_mut().find(|(n, _, _)| *n == name) {
            Some(_) if combine == Combine::First => {}
            Some((_, Value::Text(existing), _)) if combine == Combine::Join => {
                let separator = bound.map_or("; ", |b| b.separator.as_str());
                let new = value.to_string();
                if !existing.split(separator).any(|part| part == new) {
                    existing.push_str(separator);
                    existing.push_str(&new);
                }
            }
            Some((_, existing, first)) if *existing != value => problems.push(Problem {
                rule: "input-value",
                origin: origin.clone(),
                value: Some(value.to_string()),
                message: format!(
                    "differs from '{existing}' on row {} for the same {what} ({name})",
                    first.row
                ),
            }),
            Some(_) => {}
            None => into.push((name, value, origin)),
        }
    }
}

/// Reads one installment (flat row or wide column set); None when all three are empty.
fn read_installment(
    bounds: &[Bound],
    table: &Table,
    row: &Row,
    n: Option<usize>,
    problems: &mut Vec<Problem>,
) -> Option<(NaiveDate, Money, Money, Origin)> {
    let before = problems.len();
    // The first field read, and the date field when read (with its date, if it is one).
    let mut first: Option<&Bound> = None;
    let mut date: Option<(&Bound, Option<NaiveDate>)> = None;
    let (mut principal, mut interest) = (Money::ZERO, Money::ZERO);
    for bound in bounds {
        match bound.read(table, row, n) {
            Ok(Some(value)) => {
                first.get_or_insert(bound);
                match (bound.name, value) {
                    ("date", Value::Date(d)) => date = Some((bound, Some(d))),
                    ("date", _) => date = Some((bound, None)),
                    ("principal", Value::Money(m)) => principal = m,
                    ("interest", Value::Money(m)) => interest = m,
                    _ => {}
                }
            }
            Ok(None) => {}
            Err(p) => problems.push(p),
        }
    }
    let first = first?;
    let Some((bound, Some(date))) = date else {
        if problems.len() == before {
            let bound = date.map_or(first, |(b, _)| b);
            problems.push(Problem {
                rule: "input-value",
                origin: bound.origin(table, row, n),
                value: None,
                message: "installment without a due date".into(),
            });
        }
        return None;
    };
    if problems.len() > before {
        return None;
    }
    Some((date, principal, interest, bound.origin(table, row, n)))
}

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

/// The key a row belongs to, or why it belongs to none.
enum RowKey {
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
struct Reuse<T> {
    /// The cells `value` was worked out from, when it may be reused.
    cells: Option<Vec<Cell>>,
    value: T,
}

impl<T: Default> Reuse<T> {
    /// The value for `row`: the kept one when the row's cells in `columns` are the same as
    /// those it was worked out from, else `work()`'s, kept when its flag says it may be
    /// (a value read with a problem is worked out again on every row, which reports the
    /// problem on each).
    fn get(&mut self, columns: &[usize], row: &Row, work: impl FnOnce() -> (T, bool)) -> &T {
        let same = self.cells.as_ref().is_some_and(|cells| {
            cells.len() == columns.len()
                && columns
                    .iter()
                    .zip(cells)
                    .all(|(c, cell)| row.cell(*c) == cell)
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
fn key_columns(b: &Bindings) -> Vec<usize> {
    std::iter::once(&b.loan_key)
        .chain(&b.group_key)
        .flat_map(Bound::columns)
        .collect()
}

/// [`row_key`], reused while the key columns repeat.
fn row_key_reused<'k>(
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

fn row_key(
    b: &Bindings,
    template: &Template,
    table: &Table,
    row: &Row,
    problems: &mut Vec<Problem>,
) -> RowKey {
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
fn read_key(
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
fn group_key_of(
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

/// The template bound to the inputs: checked before anything is read or written.
pub struct Plan<'a> {
    template: &'a Template,
    main: &'a [Table],
    schedule: Option<(&'a Table, ScheduleBindings)>,
    options: Options<'a>,
    bindings: Vec<Bindings>,
}

struct ScheduleBindings {
    key_column: String,
    key: Bound,
    bounds: Vec<Bound>,
}

impl<'a> Plan<'a> {
    /// Binds the template to every input; a column the template names and an input
    /// lacks is an error here.
    pub fn new(
        template: &'a Template,
        main: &'a [Table],
        schedule: Option<&'a Table>,
        options: &Options<'a>,
    ) -> Result<Plan<'a>, BindError> {
        let bindings = main
            .iter()
            .map(|t| bind_main(template, t, options.cache))
            .collect::<Result<Vec<_>, _>>()?;
        let schedule = match (schedule, template.schedule_input.as_ref()) {
            (Some(table), Some(spec)) => {
                let key_column = spec.key.clone().unwrap_or_default();
                let mut binder = Binder {
                    table,
                    number: number_format(spec),
                    section: "schedule_input",
                    cache: None,
                };
                let key = key_bound(&mut binder, "key", &key_column)?;
                let bounds =
                    bind_section(&mut binder, "schedule", &template.schedule, SCHEDULE_FIELDS)?;
                Some((
                    table,
                    ScheduleBindings {
                        key_column,
                        key,
                        bounds,
                    },
                ))
            }
            _ => None,
        };
        Ok(Plan {
            template,
            main,
            schedule,
            options: *options,
            bindings,
        })
    }

    /// Whether loans are handed over while the rows are read, rather than all at the end
    /// (a separate schedule table is joined once every loan is in).
    pub fn completes_while_reading(&self) -> bool {
        self.schedule.is_none()
    }

    /// Reads the inputs and hands over each loan as soon as it is complete, so that only
    /// the loans still open are held:
    /// - the inputs are read once on the guess that each loan's rows come together (as
    ///   exports sorted by loan list them), a loan ending where the next one starts;
    /// - when a loan's key comes back after it ended, the guess was wrong: `restart` is
    ///   called (the loans handed over so far are to be forgotten) and the inputs are
    ///   read again. Text files, quick to read, after a pass over their key columns that
    ///   notes the row where each key is seen last; a workbook sheet, which calamine
    ///   parses as slowly the second time, once more, holding every loan to the end;
    /// - with a separate schedule table, every loan is handed over after the last row.
    pub fn run(
        &self,
        done: &mut dyn FnMut(Complete) -> Result<(), crate::Error>,
        restart: &mut dyn FnMut() -> Result<(), crate::Error>,
    ) -> Result<Counts, GroupError> {
        if !self.completes_while_reading() {
            return self.pass(Ends::End, done).map(Pass::counts);
        }
        if let Pass::Done(counts) = self.pass(Ends::KeyChange(HashSet::default()), done)? {
            return Ok(counts);
        }
        restart().map_err(GroupError::Stop)?;
        if !self.main.iter().all(Table::rereads_cheaply) {
            return self.pass(Ends::End, done).map(Pass::counts);
        }
        let last = self.last_rows()?;
        self.pass(Ends::LastRow(last), done).map(Pass::counts)
    }

    /// The ordinal (over all main tables' data rows) of the row where each key is seen
    /// last. Only the key columns are read.
    fn last_rows(&self) -> Result<HashMap<String, usize>, GroupError> {
        let mut last: HashMap<String, usize> = HashMap::default();
        let mut ordinal = 0usize;
        for (table, b) in self.main.iter().zip(&self.bindings) {
            let columns = key_columns(b);
            let mut rows = table
                .data_rows_keeping(Some(&columns))
                .map_err(GroupError::Read)?;
            let mut keys = Reuse::default();
            while let Some(row) = rows.next_row() {
                let row = row.map_err(GroupError::Read)?;
                let mut problems = Vec::new();
                let key = row_key_reused(
                    &mut keys,
                    &columns,
                    b,
                    self.template,
                    table,
                    row,
                    &mut problems,
                );
                if let RowKey::Key { key, .. } = key {
                    match last.get_mut(key.as_str()) {
                        Some(at) => *at = ordinal,
                        None => {
                            last.insert(key.clone(), ordinal);
                        }
                    }
                }
                ordinal += 1;
            }
        }
        Ok(last)
    }

    /// One pass over the inputs, handing over loans as `ends` says they end.
    fn pass(
        &self,
        mut ends: Ends,
        done: &mut dyn FnMut(Complete) -> Result<(), crate::Error>,
    ) -> Result<Pass, GroupError> {
        let (template, main, options, bindings) =
            (self.template, self.main, &self.options, &self.bindings);
        let mut counts = Counts::default();
        let hand_over = |done: &mut dyn FnMut(Complete) -> Result<(), crate::Error>,
                         pending: Pending| {
            done(Complete {
                pending,
                image_limit: options.image_limit,
            })
            .map_err(GroupError::Stop)
        };
        // The loan whose rows are being read (`Ends::KeyChange`).
        let mut open: Option<String> = None;
        let mut pending: HashMap<String, Pending> = HashMap::default();
        let mut ordinal = 0usize;
        for (table_index, (table, b)) in main.iter().zip(bindings).enumerate() {
            let wide_numbers: Vec<usize> = {
                let mut all: Vec<usize> = b.schedule.iter().flat_map(Bound::installments).collect();
                all.sort_unstable();
                all.dedup();
                all
            };
            let columns = key_columns(b);
            let borrower_columns = b.borrower_key.as_ref().map(Bound::columns);
            let mut keys = Reuse::default();
            let mut borrower_keys: Reuse<Option<String>> = Reuse::default();
            let mut rows = table.data_rows().map_err(GroupError::Read)?;
            let mut read = 0usize;
            while let Some(row) = rows.next_stamped_row() {
                let stamped = row.map_err(GroupError::Read)?;
                let row = stamped.row;
                let this = ordinal;
                ordinal += 1;
                read += 1;
                let row_origin = table.origin(row, None);
                let mut problems = Vec::new();
                let (key, from_group_key) = match row_key_reused(
                    &mut keys,
                    &columns,
                    b,
                    template,
                    table,
                    row,
                    &mut problems,
                ) {
                    RowKey::Key {
                        key,
                        from_group_key,
                    } => (key.as_str(), *from_group_key),
                    RowKey::Ignored(reason) => {
                        counts.ignored.push(IgnoredRow {
                            origin: row_origin,
                            reason: reason.clone(),
                        });
                        continue;
                    }
                };
                if let Ends::KeyChange(ended) = &mut ends
                    && open.as_deref() != Some(key)
                {
                    if ended.contains(key) {
                        return Ok(Pass::Unsorted);
                    }
                    if let Some(previous) = open.replace(key.to_string()) {
                        if let Some(p) = pending.remove(&previous) {
                            hand_over(done, p)?;
                        }
                        ended.insert(previous);
                    }
                }
                // One look-up for the rows of a loan already started (most rows).
                let loan = if let Some(loan) = pending.get_mut(key) {
                    loan
                } else {
                    let loan = Pending {
                        key: key.to_string(),
                        from_group_key,
                        order: this,
                        ends_at: match &mut ends {
                            Ends::LastRow(last) => last.remove(key),
                            _ => None,
                        },
                        ..Pending::default()
                    };
                    pending.entry(key.to_string()).or_insert(loan)
                };
                loan.rows.push(row_origin.clone());
                let values = read_changed(
                    &b.loan,
                    table_index,
                    table,
                    stamped,
                    &mut loan.seen_loan,
                    &mut problems,
                );
                merge_agreeing(&mut loan.loan, values, &b.loan, "loan", &mut problems);
                let values = read_changed(
                    &b.terms,
                    table_index,
                    table,
                    stamped,
                    &mut loan.seen_terms,
                    &mut problems,
                );
                merge_agreeing(&mut loan.terms, values, &b.terms, "loan", &mut problems);
                let explicit_key = match (&b.borrower_key, &borrower_columns) {
                    (Some(k), Some(columns)) => Some(
                        borrower_keys
                            .get(columns, row, || match k.read(table, row, None) {
                                Ok(v) => (v.map(|v| v.to_string()), true),
                                Err(p) => {
                                    problems.push(p);
                                    (None, false)
                                }
                            })
                            .as_deref(),
                    ),
                    _ => None,
                };
                // A flat export repeats a borrower on each of its installment rows.
                let known = match (template.shape, explicit_key) {
                    (Shape::Flat, Some(Some(k))) => loan
                        .borrowers
                        .iter()
                        .position(|x| x.key.as_deref() == Some(k)),
                    _ => None,
                };
                let mut seen = Seen::default();
                let values = read_changed(
                    &b.borrower,
                    table_index,
                    table,
                    stamped,
                    known.map_or(&mut seen, |i| &mut loan.borrowers[i].seen),
                    &mut problems,
                );
                let client_id;
                let borrower_key = if let Some(k) = explicit_key {
                    k
                } else {
                    client_id = values
                        .iter()
                        .find(|(n, _, _)| *n == "client_id")
                        .map(|(_, v, _)| v.to_string());
                    client_id.as_deref()
                };
                let member = add_borrower(
                    loan,
                    template.shape,
                    borrower_key,
                    values,
                    seen,
                    &b.borrower,
                    &row_origin,
                    &mut problems,
                );
                if wide_numbers.is_empty() {
                    if !b.schedule.is_empty() {
                        loan.installments.extend(
                            read_installment(&b.schedule, table, row, None, &mut problems)
                                .map(|i| Installment::of(i, member)),
                        );
                    }
                } else {
                    for n in &wide_numbers {
                        loan.installments.extend(
                            read_installment(&b.schedule, table, row, Some(*n), &mut problems)
                                .map(|i| Installment::of(i, member)),
                        );
                    }
                }
                loan.problems.extend(problems);
                if loan.ends_at == Some(this) {
                    let key = loan.key.clone();
                    if let Some(p) = pending.remove(&key) {
                        hand_over(done, p)?;
                    }
                }
            }
            counts.rows_read += read;
            counts.inputs.push((read, rows.blank_rows()));
        }
        let mut pending: Vec<Pending> = pending.into_values().collect();
        pending.sort_by_key(|p| p.order);
        if let Some((table, sb)) = &self.schedule {
            let index: HashMap<String, usize> = pending
                .iter()
                .enumerate()
                .map(|(i, p)| (p.key.clone(), i))
                .collect();
            join_schedule(sb, table, &mut pending, &index, &mut counts)?;
        }
        for p in pending {
            hand_over(done, p)?;
        }
        Ok(Pass::Done(counts))
    }
}

/// When the loans read so far are known to be complete.
enum Ends {
    /// Each loan ends at the row ordinal a first pass noted for its key.
    LastRow(HashMap<String, usize>),
    /// A loan ends where the next loan's rows begin, on the guess that each loan's rows
    /// come together. The keys of ended loans are kept to catch one that comes back.
    KeyChange(HashSet<String>),
    /// Every loan ends after the last row.
    End,
}

/// How a pass went.
enum Pass {
    Done(Counts),
    /// A loan's rows came back after it ended (only with `Ends::KeyChange`).
    Unsorted,
}

impl Pass {
    /// The counts of a pass that cannot find its guess wrong.
    fn counts(self) -> Counts {
        match self {
            Pass::Done(counts) => counts,
            Pass::Unsorted => unreachable!("only a pass that guesses can find it wrong"),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn add_borrower(
    loan: &mut Pending,
    shape: Shape,
    key: Option<&str>,
    values: Fields,
    seen: Seen,
    bounds: &[Bound],
    row: &Origin,
    problems: &mut Vec<Problem>,
) -> Option<usize> {
    let existing = key.and_then(|k| {
        loan.borrowers
            .iter()
            .position(|b| b.key.as_deref() == Some(k))
    });
    let push = |loan: &mut Pending, values: Fields, seen: Seen| {
        loan.borrowers.push(Borrower {
            key: key.map(str::to_string),
            values,
            row: row.row,
            seen,
        });
        Some(loan.borrowers.len() - 1)
    };
    match (shape, existing) {
        (Shape::Flat, Some(i)) => {
            merge_agreeing(
                &mut loan.borrowers[i].values,
                values,
                bounds,
                "borrower",
                problems,
            );
            Some(i)
        }
        (Shape::Flat, None) if key.is_none() => {
            problems.push(Problem {
                rule: "input-value",
                origin: row.clone(),
                value: None,
                message: "no borrower key: in a flat export each row must name its borrower".into(),
            });
            None
        }
        (Shape::Flat, None) => push(loan, values, seen),
        (_, Some(i)) => {
            problems.push(Problem {
                rule: "input-value",
                origin: row.clone(),
                value: key.map(str::to_string),
                message: format!(
                    "is the same borrower as on row {} of loan '{}'",
                    loan.borrowers[i].row, loan.key
                ),
            });
            None
        }
        (_, None) if !loan.from_group_key && !loan.borrowers.is_empty() => {
            problems.push(Problem {
            rule: "input-value",
            origin: row.clone(),
            value: Some(loan.key.clone()),
            message: format!(
                "loan key already used on row {}: each loan must be on one row in a {shape} export",
                loan.borrowers[0].row
            ),
            });
            None
        }
        _ => push(loan, values, seen),
    }
}

fn join_schedule(
    sb: &ScheduleBindings,
    table: &Table,
    pending: &mut [Pending],
    index: &HashMap<String, usize>,
    out: &mut Counts,
) -> Result<(), GroupError> {
    let (key_column, key, bounds) = (&sb.key_column, &sb.key, &sb.bounds);
    // Member loan ids find their group loan, and the member, too.
    let mut members: HashMap<String, (usize, usize)> = HashMap::default();
    for (i, p) in pending.iter().enumerate() {
        for (j, b) in p.borrowers.iter().enumerate() {
            if let Some((_, v, _)) = b.values.iter().find(|(n, _, _)| *n == "loan_id") {
                members.entry(v.to_string()).or_insert((i, j));
            }
        }
    }
    let mut rows = table.data_rows().map_err(GroupError::Read)?;
    let mut read = 0usize;
    while let Some(row) = rows.next_row() {
        let row = row.map_err(GroupError::Read)?;
        read += 1;
        let origin = table.origin(row, None);
        let value = match key.read(table, row, None) {
            Ok(v) => v.map(|v| v.to_string()),
            Err(p) => {
                out.ignored.push(IgnoredRow {
                    origin,
                    reason: p.to_string(),
                });
                continue;
            }
        };
        let Some(value) = value else {
            out.ignored.push(IgnoredRow {
                origin,
                reason: why_no_key(row, key_column),
            });
            continue;
        };
        if is_totals_word(&value) {
            out.ignored.push(IgnoredRow {
                origin,
                reason: "totals row".into(),
            });
            continue;
        }
        let found = match index.get(&value) {
            Some(&at) => Some((at, None)),
            None => members.get(&value).map(|&(at, member)| (at, Some(member))),
        };
        let Some((at, member)) = found else {
            out.ignored.push(IgnoredRow {
                origin,
                reason: format!("schedule row for loan '{value}', which is not in the loans input"),
            });
            continue;
        };
        let loan = &mut pending[at];
        loan.rows.push(origin);
        let mut problems = Vec::new();
        loan.installments.extend(
            read_installment(bounds, table, row, None, &mut problems)
                .map(|i| Installment::of(i, member)),
        );
        loan.problems.extend(problems);
    }
    out.rows_read += read;
    out.inputs.push((read, rows.blank_rows()));
    Ok(())
}

fn text_of(fields: &Fields, name: &str) -> Option<String> {
    fields
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, v, _)| v.to_string())
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

/// A date as `YYYY-MM-DD`, as [`crate::dates::iso`] writes it (written here digit by
/// digit for every installment; years outside 0-9999 by `dates::iso`).
fn iso_text(date: NaiveDate) -> String {
    use chrono::Datelike as _;
    let year = match u32::try_from(date.year()) {
        Ok(year) if year <= 9999 => year,
        _ => return crate::dates::iso(date),
    };
    let digit = |n: u32| char::from(b"0123456789"[(n % 10) as usize]);
    let mut text = String::with_capacity(10);
    text.extend([
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        '-',
        digit(date.month() / 10),
        digit(date.month()),
        '-',
        digit(date.day() / 10),
        digit(date.day()),
    ]);
    text
}

/// A value as text, as its `Display` writes it (text values taken as they are).
fn into_text(value: Value) -> String {
    match value {
        Value::Text(text) => text,
        other => other.to_string(),
    }
}

/// Builds a loan from its rows. The borrowers' values and places are moved into the
/// draft and its field list, not copied.
fn finish(mut p: Pending, image_limit: u64) -> Done {
    let group = p.borrowers.len() > 1;
    let group_of_one = (p.from_group_key && p.borrowers.len() == 1)
        .then(|| text_of(&p.loan, "group_name").unwrap_or_else(|| p.key.clone()));
    if group {
        let found = member_date_problems(&p);
        p.problems.extend(found);
    }
    let mut draft = LoanDraft::default();
    let values = p.borrowers.iter().map(|b| b.values.len()).sum::<usize>();
    let mut fields: Vec<(FieldPath, Origin)> =
        Vec::with_capacity(p.loan.len() + values + p.installments.len());
    let currency = text_of(&p.loan, "currency");
    // An amount can only have more decimals than the currency when it is written with
    // more: only those go through `check_minor_units`, which looks the currency up.
    let units = currency.as_deref().and_then(crate::money::minor_units);
    let may_be_too_precise = |m: Money| units.is_some_and(|u| m.0.scale() > u);
    for (name, value, origin) in &p.loan {
        if !group && crate::draft::GROUP_ONLY.contains(name) {
            continue;
        }
        if *name == "image_file" {
            let relative = std::path::PathBuf::from(value.to_string());
            let base = std::path::Path::new(&origin.source.file)
                .parent()
                .unwrap_or(std::path::Path::new(""));
            let path = if relative.is_absolute() {
                relative
            } else {
                base.join(relative)
            };
            match crate::validate::load_image_file(&path, image_limit) {
                Ok(uri) => draft.image_encoded = Some(uri),
                Err(message) => p.problems.push(Problem {
                    rule: "image-file",
                    origin: origin.clone(),
                    value: Some(value.to_string()),
                    message,
                }),
            }
            fields.push((FieldPath::Loan("image_encoded"), origin.clone()));
            continue;
        }
        set_loan_field(&mut draft, name, value);
        fields.push((FieldPath::Loan(name), origin.clone()));
    }
    let mut not_pictured = Vec::new();
    for (i, b) in std::mem::take(&mut p.borrowers).into_iter().enumerate() {
        let mut e = Entrep::default();
        let mut pictured = false;
        for (name, value, origin) in b.values {
            match (name, value) {
                ("name", Value::Name(first, last)) => {
                    e.first_name = Some(first).filter(|s| !s.is_empty());
                    e.last_name = Some(last).filter(|s| !s.is_empty());
                }
                ("first_name", v) => e.first_name = Some(into_text(v)),
                ("last_name", v) => e.last_name = Some(into_text(v)),
                ("gender", v) => e.gender = Some(into_text(v)),
                ("client_id", v) => e.client_id = Some(into_text(v)),
                ("loan_id", v) => e.loan_id = Some(into_text(v)),
                ("amount", Value::Money(m)) => {
                    if let Some(c) = &currency
                        && may_be_too_precise(m)
                        && let Err(message) = check_minor_units(m, c)
                    {
                        p.problems.push(Problem {
                            rule: "input-value",
                            origin: origin.clone(),
                            value: Some(m.to_string()),
                            message,
                        });
                    }
                    e.amount = Some(m);
                }
                ("not_pictured", Value::Bool(b)) => pictured = b,
                _ => {}
            }
            let path = if name == "not_pictured" {
                FieldPath::NotPictured(i)
            } else {
                FieldPath::Entrep(i, name)
            };
            fields.push((path, origin));
        }
        not_pictured.push(pictured);
        draft.entreps.push(e);
    }
    if group {
        draft.not_pictured = Some(not_pictured);
    }
    if !p.terms.is_empty() && p.installments.is_empty() && p.problems.is_empty() {
        match generate_schedule(&p, draft.amount(), currency.as_deref()) {
            Ok(installments) => p.installments = installments,
            Err(problem) => p.problems.push(problem),
        }
    }
    let mut by_date: BTreeMap<NaiveDate, (Money, Money, Origin)> = BTreeMap::new();
    for Installment {
        date,
        principal,
        interest,
        origin,
        ..
    } in p.installments
    {
        if let Some(c) = &currency {
            for m in [principal, interest] {
                if may_be_too_precise(m)
                    && let Err(message) = check_minor_units(m, c)
                {
                    p.problems.push(Problem {
                        rule: "input-value",
                        origin: origin.clone(),
                        value: Some(m.to_string()),
                        message,
                    });
                }
            }
        }
        let slot = by_date
            .entry(date)
            .or_insert((Money::ZERO, Money::ZERO, origin));
        slot.0 += principal;
        slot.1 += interest;
    }
    draft.schedule.reserve(by_date.len());
    for (i, (date, (principal, interest, origin))) in by_date.into_iter().enumerate() {
        draft.schedule.push(ScheduleItem {
            date: iso_text(date),
            principal,
            interest,
        });
        fields.push((FieldPath::Schedule(i), origin));
    }
    if !p.problems.is_empty() {
        return Done::Failed(FailedLoan {
            key: p.key,
            order: p.order,
            problems: p.problems,
            rows: p.rows,
        });
    }
    Done::Loan(Box::new(Loan {
        key: p.key,
        order: p.order,
        draft,
        rows: p.rows,
        fields,
        group_of_one,
    }))
}

/// A group loan has one schedule, its members' installments summed per date, so every
/// member must be due on the same dates: a member due on other dates would make a sum
/// that is nobody's schedule. The group's dates are those most members share (the first
/// member's on a tie); each date a member has beyond them, and the dates she lacks, are
/// problems naming her rows. Installments not tied to a member (schedule rows naming the
/// whole group) are left out of the comparison.
fn member_date_problems(p: &Pending) -> Vec<Problem> {
    const SHOWN: usize = 3;
    let n = p.borrowers.len();
    let mut dates: Vec<BTreeMap<NaiveDate, &Origin>> = vec![BTreeMap::new(); n];
    let mut any = false;
    for i in &p.installments {
        if let Some(m) = i.member.filter(|m| *m < n) {
            dates[m].entry(i.date).or_insert(&i.origin);
            any = true;
        }
    }
    if !any {
        return Vec::new();
    }
    let same = |a: &BTreeMap<NaiveDate, &Origin>, b: &BTreeMap<NaiveDate, &Origin>| {
        a.len() == b.len() && a.keys().eq(b.keys())
    };
    if dates.iter().all(|d| same(d, &dates[0])) {
        return Vec::new();
    }
    let sharing = |m: usize| dates.iter().filter(|d| same(d, &dates[m])).count();
    let group = (0..n)
        .max_by_key(|&m| (sharing(m), std::cmp::Reverse(m)))
        .unwrap_or(0);
    let reference = &dates[group];
    let span = match (reference.keys().next(), reference.keys().next_back()) {
        (Some(first), Some(last)) => format!(
            "{} dates from {} to {}",
            reference.len(),
            iso_text(*first),
            iso_text(*last)
        ),
        _ => "no dates".to_string(),
    };
    let list = |dates: &[NaiveDate]| {
        let mut text: Vec<String> = dates.iter().take(SHOWN).map(|d| iso_text(*d)).collect();
        if dates.len() > SHOWN {
            text.push(format!("and {} more", dates.len() - SHOWN));
        }
        text.join(", ")
    };
    let mut out = Vec::new();
    for (m, own) in dates.iter().enumerate() {
        if same(own, reference) {
            continue;
        }
        let b = &p.borrowers[m];
        let who = match &b.key {
            Some(k) => format!("'{k}' (row {})", b.row),
            None => format!("of row {}", b.row),
        };
        let extra: Vec<(&NaiveDate, &&Origin)> = own
            .iter()
            .filter(|(d, _)| !reference.contains_key(d))
            .collect();
        for (date, origin) in extra.iter().take(SHOWN) {
            out.push(Problem {
                rule: "input-value",
                origin: (**origin).clone(),
                value: Some(iso_text(**date)),
                message: format!(
                    "is a due date of member {who} only: the other members of group loan '{}' are due on {span}. A group loan has one schedule (its members' installments summed per date), so every member must be due on the same dates",
                    p.key
                ),
            });
        }
        let missing: Vec<NaiveDate> = reference
            .keys()
            .filter(|d| !own.contains_key(d))
            .copied()
            .collect();
        if !missing.is_empty() {
            let origin = own
                .values()
                .next()
                .map(|o| (*o).clone())
                .or_else(|| p.rows.iter().find(|o| o.row == b.row).cloned())
                .unwrap_or_else(|| p.rows[0].clone());
            out.push(Problem {
                rule: "input-value",
                origin,
                value: None,
                message: format!(
                    "member {who} of group loan '{}' has no installment due on {}, when the other members are due on {span}",
                    p.key,
                    list(&missing)
                ),
            });
        }
    }
    out
}

/// Group internal ids derived from members, per the template.
pub fn fill_member_ids(template: &Template, loan: &mut Loan) {
    if !loan.draft.is_group() {
        return;
    }
    for (name, source) in &template.loan {
        let Some(member) = &source.0.members else {
            continue;
        };
        let separator = source
            .0
            .separator
            .clone()
            .unwrap_or_else(|| ", ".to_string());
        let ids: Vec<String> = loan
            .draft
            .entreps
            .iter()
            .filter_map(|e| {
                if member == "client_id" {
                    e.client_id.clone()
                } else {
                    e.loan_id.clone()
                }
            })
            .collect();
        let joined = ids.join(&separator);
        match name.as_str() {
            "internal_client_id" => loan.draft.internal_client_id = Some(joined),
            "internal_loan_id" => loan.draft.internal_loan_id = Some(joined),
            _ => {}
        }
    }
}

fn set_loan_field(d: &mut LoanDraft, name: &str, value: &Value) {
    let text = || {
        Some(match value {
            Value::Text(text) => text.clone(),
            other => other.to_string(),
        })
    };
    let int = || {
        if let Value::Integer(i) = value {
            Some(*i)
        } else {
            None
        }
    };
    match name {
        "activity_id" => d.activity_id = int(),
        "theme_type_id" => d.theme_type_id = int(),
        "description_language_id" => d.description_language_id = int(),
        "location" => d.location = text(),
        "currency" => d.currency = text(),
        "disburse_time" => d.disburse_time = text(),
        "description" => d.description = text(),
        "loanuse" => d.loanuse = text(),
        "client_waiver_signed" => {
            d.client_waiver_signed = if let Value::Bool(b) = value {
                Some(*b)
            } else {
                None
            }
        }
        "image_encoded" => d.image_encoded = text(),
        "image_url" => d.image_url = text(),
        "group_name" => d.group_name = text(),
        "internal_client_id" => d.internal_client_id = text(),
        "internal_loan_id" => d.internal_loan_id = text(),
        _ => {}
    }
}

/// The term field a generation error is about, to point at its cell.
fn term_field_of(error: &TermsError) -> &'static str {
    match error {
        TermsError::NoInstallments(_) | TermsError::TooManyInstallments(_) => "installments",
        TermsError::NegativeRate(_) => "annual_rate",
        TermsError::GraceTooLong { .. } => "grace",
        TermsError::FirstDueNotAfterDisbursal { .. } => "first_due",
        TermsError::UnknownFrequency(_) | TermsError::ZeroInterval(_) => "frequency",
        TermsError::UnknownMethod(_) => "method",
        TermsError::UnknownDayCount(_) => "day_count",
        _ => "",
    }
}

/// Generates a loan's schedule from its terms (`[terms]` in the template).
fn generate_schedule(
    p: &Pending,
    amount: Money,
    currency: Option<&str>,
) -> Result<Vec<Installment>, Problem> {
    let row = p.rows[0].clone();
    let field = |name: &str| p.terms.iter().find(|(n, _, _)| *n == name);
    let origin_of = |name: &str| field(name).map_or_else(|| row.clone(), |(_, _, o)| o.clone());
    let fail = |name: &str, message: String| Problem {
        rule: "input-value",
        origin: origin_of(name),
        value: field(name).map(|(_, v, _)| v.to_string()),
        message,
    };
    let word = |name: &str| field(name).map(|(_, v, _)| v.to_string());
    let integer = |name: &str| match field(name) {
        Some((_, Value::Integer(i), _)) => {
            u32::try_from(*i).map_err(|_| fail(name, "is too large".into()))
        }
        _ => Ok(0),
    };
    let disbursed = match p.loan.iter().find(|(n, _, _)| *n == "disburse_time") {
        Some((_, Value::Date(d), _)) => *d,
        _ => {
            return Err(Problem {
                rule: "input-value",
                origin: row,
                value: None,
                message: "no disbursal date: the schedule cannot be generated".into(),
            });
        }
    };
    let Some(minor_units) = currency.and_then(crate::money::minor_units) else {
        return Err(Problem {
            rule: "input-value",
            origin: row,
            value: None,
            message: "no currency: the schedule cannot be generated".into(),
        });
    };
    let parse = |name: &str, default: &str| word(name).unwrap_or_else(|| default.to_string());
    let frequency: Frequency = parse("frequency", "")
        .parse()
        .map_err(|e: TermsError| fail("frequency", format!("cannot be used: {e}")))?;
    let method: Method = parse("method", "")
        .parse()
        .map_err(|e: TermsError| fail("method", format!("cannot be used: {e}")))?;
    let day_count: DayCount = parse("day_count", "periodic")
        .parse()
        .map_err(|e: TermsError| fail("day_count", format!("cannot be used: {e}")))?;
    let annual_rate_percent = match field("annual_rate") {
        Some((_, Value::Money(m), _)) => m.0,
        _ => rust_decimal::Decimal::ZERO,
    };
    let first_due = match field("first_due") {
        Some((_, Value::Date(d), _)) => Some(*d),
        _ => None,
    };
    let terms = amortize::Terms {
        amount: amount.0,
        annual_rate_percent,
        installments: integer("installments")?,
        frequency,
        method,
        disbursed,
        first_due,
        grace: integer("grace")?,
        day_count,
        minor_units,
    };
    let installments = amortize::generate(&terms).map_err(|e| {
        let name = term_field_of(&e);
        Problem {
            rule: "input-value",
            origin: origin_of(name),
            value: None,
            message: format!("the schedule cannot be generated: {e}"),
        }
    })?;
    let origin = origin_of("installments");
    Ok(installments
        .into_iter()
        .map(|i| {
            Installment::of(
                (
                    i.date,
                    Money(i.principal),
                    Money(i.interest),
                    origin.clone(),
                ),
                None,
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_dates_are_written_as_format_writes_them() {
        for i in [0, 7, 10, 99, 1234, usize::MAX] {
            assert_eq!(FieldPath::Schedule(i).to_string(), format!("schedule[{i}]"));
            assert_eq!(
                FieldPath::Entrep(i, "amount").to_string(),
                format!("entreps[{i}].amount")
            );
            assert_eq!(
                FieldPath::NotPictured(i).to_string(),
                format!("not_pictured[{i}]")
            );
        }
        for (y, m, d) in [
            (2026, 1, 5),
            (2027, 12, 31),
            (1, 2, 3),
            (0, 1, 1),
            (9999, 9, 9),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(iso_text(date), crate::dates::iso(date));
        }
        let far = NaiveDate::from_ymd_opt(-5, 1, 1).unwrap();
        assert_eq!(iso_text(far), crate::dates::iso(far));
    }
}
