//! A loan's rows as they are read ([`Pending`]): loan fields merged as `combine` says
//! (by default they must agree), borrowers added or found again (flat exports repeat
//! them on each installment row), installments with the member they belong to. The
//! cells a flat export repeats are parsed once ([`Seen`], [`read_changed`]).

#[allow(clippy::wildcard_imports)]
use super::*;

/// A loan whose row has values past the header's last column
/// ([`Table::values_past_header`]) fails with this problem, which shows them: the row's
/// values cannot be trusted (a loan use cut at its first comma, the activity read from
/// the rest of it).
#[inline]
pub(super) fn past_header(table: &Table, row: &Row, problems: &mut Vec<Problem>) {
    // Checked on every row: most have no value past the header.
    if row.cells.len() > table.headers.len() {
        past_header_problem(table, row, problems);
    }
}

#[cold]
fn past_header_problem(table: &Table, row: &Row, problems: &mut Vec<Problem>) {
    let (Some(extra), Some(delimiter)) = (table.values_past_header(row), table.delimiter) else {
        return;
    };
    let (name, delimiter) = match delimiter {
        b'\t' => ("tab".to_string(), '\t'),
        d => (format!("'{}'", char::from(d)), char::from(d)),
    };
    let width = table.headers.len();
    let past: Vec<String> = extra
        .iter()
        .map(|cell| match cell {
            Cell::Text(text) => text.clone(),
            other => other.display(),
        })
        .collect();
    let last = width
        .checked_sub(1)
        .map(|i| {
            format!(
                " ('{}', column {})",
                table.headers[i],
                crate::read::header::column_letter(i)
            )
        })
        .unwrap_or_default();
    // A value over a line break: a quote left open took the row below into this one.
    let open_quote = row
        .cells
        .iter()
        .any(|cell| matches!(cell, Cell::Text(t) if t.contains(['\n', '\r'])));
    let why = if open_quote {
        "A value in it runs over a line break: is a quote (\") left open, taking in the row below? Close or remove it and convert again".to_string()
    } else {
        format!(
            "Is a value with {name} in it not quoted? Then it was split in two, and the values after it are under the wrong columns: put such values in quotes (or export with another delimiter) and convert again"
        )
    };
    problems.push(Problem {
        rule: "values-past-header",
        origin: table.origin(row, None),
        value: Some(past.join(&delimiter.to_string())),
        message: format!(
            "is past the header's last column{last}: the row has {} values where the header has {width} columns. {why}",
            row.cells.len()
        ),
    });
}

/// Finds rows cut by a line break in a value that is not quoted ([`Table::cut_in_two`]):
/// the first part's loan would have had a loan use cut short and its last cells empty,
/// each later part a loan of its own keyed by the rest of the value: all fail instead.
/// A value with several line breaks (a description in paragraphs) leaves rows that hold
/// one value only between the first part and the last; a row that holds one value only
/// right below a short row is taken as such a part at once (no loan row holds its key
/// and nothing else), and the rows after it as long as they are too.
#[derive(Default)]
pub struct Cuts {
    state: State,
}

#[derive(Default)]
enum State {
    #[default]
    Idle,
    /// The row before was short: it may be a cut row's first part.
    Short(Part),
    /// A cut row found, whose parts may go on (rows holding one value only, then the
    /// last part): its first part.
    Cut(Part),
}

struct Part {
    line: usize,
    values: usize,
    /// Its loan, once known.
    key: Option<String>,
}

/// A row found cut: the problem of this part, and that of the first part with its loan
/// key when this part is the one that shows the cut.
pub struct Cut {
    pub first: Option<(Option<String>, Problem)>,
    pub this: Problem,
}

impl Cuts {
    /// Checks `row` against the rows before it.
    #[inline]
    pub fn check(&mut self, table: &Table, row: &Row) -> Option<Cut> {
        let short = table.delimiter.is_some() && row.cells.len() < table.headers.len();
        if !short && matches!(self.state, State::Idle) {
            return None;
        }
        self.cut(table, row, short)
    }

    #[cold]
    fn cut(&mut self, table: &Table, row: &Row, short: bool) -> Option<Cut> {
        let width = table.headers.len();
        let values = row.cells.len();
        // One value only, in a table of three columns or more: not a whole row.
        let lone = values == 1 && width > 2;
        let problem = |line, message: &str| Problem {
            rule: "row-cut",
            origin: Origin {
                source: table.source,
                row: line,
                column: None,
            },
            value: None,
            message: format!(
                "{message}. Put that value in quotes (or remove its line breaks) and convert again"
            ),
        };
        let next = |this: Part| {
            if short {
                State::Short(this)
            } else {
                State::Idle
            }
        };
        let this = Part {
            line: row.line,
            values,
            key: None,
        };
        match std::mem::take(&mut self.state) {
            State::Short(first) if lone || table.cut_in_two(first.values, values) => {
                let message = if lone {
                    format!(
                        "rows {} and {} look like one row cut by a line break in a value that is not quoted: row {0} has {} values where the header has {width} columns, and row {1} holds one value only",
                        first.line, row.line, first.values
                    )
                } else {
                    format!(
                        "rows {} and {} look like one row cut in two by a line break in a value that is not quoted: they have {} and {values} values where the header has {width} columns (the value cut in two counted twice)",
                        first.line, row.line, first.values
                    )
                };
                let cut = Cut {
                    first: Some((first.key.clone(), problem(first.line, &message))),
                    this: problem(row.line, &message),
                };
                if lone {
                    self.state = State::Cut(first);
                }
                Some(cut)
            }
            State::Cut(first) if lone || first.values + values == width + 1 => {
                let message = format!(
                    "row {} goes on with row {}, cut by line breaks in a value that is not quoted: {}",
                    row.line,
                    first.line,
                    if lone {
                        "it holds one value only".to_string()
                    } else {
                        format!(
                            "its {values} values and row {}'s {} add up to one more than the header's {width} columns (the value cut counted twice)",
                            first.line, first.values
                        )
                    }
                );
                if lone {
                    self.state = State::Cut(first);
                }
                Some(Cut {
                    first: None,
                    this: problem(row.line, &message),
                })
            }
            _ => {
                self.state = next(this);
                None
            }
        }
    }

    /// Notes the loan of the row just checked, when it may be a cut row's first part.
    #[inline]
    pub(super) fn keyed(&mut self, key: &str) {
        if let State::Short(part) = &mut self.state {
            part.key = Some(key.to_string());
        }
    }
}

#[derive(Default)]
pub(super) struct Borrower {
    pub(super) key: Option<String>,
    pub(super) values: Fields,
    pub(super) row: usize,
    pub(super) seen: Seen,
}

/// The cells a loan's (or a borrower's) fields were last read from, per bound: the
/// loan and borrower values a flat export repeats on every installment row are parsed
/// once, not on every row (a problem in them is reported once, too).
#[derive(Default)]
pub(super) struct Seen {
    /// The main table the cells come from (bounds differ between tables).
    table: usize,
    /// Per bound: where it was last read from.
    cells: Vec<Last>,
    /// The columns of the bounds that read a cell, when each has its own column (not a
    /// wide field), and the latest of their stamps when they were last read or compared:
    /// while none of them has a later stamp, none changed, and the row needs no look.
    stamped: Option<(Vec<usize>, u64)>,
}

impl Seen {
    /// Starts over for the bounds of table `table_index`.
    fn reset(&mut self, bounds: &[Bound], table_index: usize) {
        self.table = table_index;
        self.cells = vec![Last::Unread; bounds.len()];
        let mut columns = Vec::with_capacity(bounds.len());
        let mut all = true;
        for b in bounds {
            if b.reads_cell() {
                match b.column_for(None) {
                    Some(c) => columns.push(c),
                    None => all = false,
                }
            }
        }
        self.stamped = all.then_some((columns, 0));
    }

    /// Whether none of the cells changed since they were last read (by their stamps).
    fn unchanged(&self, stamps: Option<&[u64]>) -> bool {
        match (stamps, &self.stamped) {
            (Some(stamps), Some((columns, at))) if *at > 0 => columns
                .iter()
                .all(|c| stamps.get(*c).is_some_and(|s| s <= at)),
            _ => false,
        }
    }

    /// Notes the latest stamp of the cells just read or compared.
    fn confirm(&mut self, stamps: Option<&[u64]>) {
        let Some((columns, at)) = &mut self.stamped else {
            return;
        };
        *at = match stamps {
            Some(stamps) => columns
                .iter()
                .try_fold(1, |latest: u64, c| stamps.get(*c).map(|s| latest.max(*s)))
                .unwrap_or(0),
            None => 0,
        };
    }
}

/// Where a field was last read from.
#[derive(Clone, PartialEq)]
pub(super) enum Last {
    Unread,
    /// A constant or member-derived field: read once.
    Constant,
    /// A cell, with its stamp when it has one (see [`crate::read::text::Stamps`]): the
    /// same stamp is the same cell, with no need to compare them.
    Cell(Cell, Option<u64>),
}

/// Reads the fields whose cell differs from the one they were last read from.
pub(super) fn read_changed(
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
        seen.reset(bounds, table_index);
    } else if seen.unchanged(row.stamps) {
        // The loan and borrower cells a flat export repeats on each installment row.
        return Vec::new();
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
            (Last::Cell(previous, previous_stamp), Some(c)) if previous.same(c) => {
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
    seen.confirm(row.stamps);
    out
}

/// The row before, when a flat export's next row may repeat it: on a loan's installment
/// rows after its first only the schedule's cells change, and such a row adds an
/// installment to the loan and member of the row before, which nothing else in it can
/// change. The cells' stamps say when a row is such a repeat ([`Repeat::covers`]); the
/// grouping then skips the key, loan, terms and borrower steps, which would find
/// nothing new (the same key, values already read, the same member).
pub(super) struct Repeat {
    /// The loan (by key) and member the row before went to.
    pub(super) key: String,
    pub(super) member: Option<usize>,
    /// The stamp of the row before: a cell stamped no later holds what it held there.
    at: u64,
}

impl Repeat {
    /// The columns that decide a row's loan, loan fields, terms and member: every bound
    /// column but the schedule's.
    pub(super) fn watched(b: &Bindings) -> Vec<usize> {
        let mut columns: Vec<usize> = std::iter::once(&b.loan_key)
            .chain(&b.group_key)
            .chain(&b.borrower_key)
            .chain(&b.loan)
            .chain(&b.terms)
            .chain(&b.borrower)
            .flat_map(Bound::columns)
            .collect();
        columns.sort_unstable();
        columns.dedup();
        columns
    }

    /// A row of a flat export that went to `key` and `member` with no problem outside
    /// its installment, as the row the next ones may repeat (rows without stamps are
    /// never repeated).
    pub(super) fn after(row: StampedRow<'_>, key: &str, member: Option<usize>) -> Option<Repeat> {
        row.stamps.map(|_| Repeat {
            key: key.to_string(),
            member,
            at: row.now,
        })
    }

    /// Whether `row` repeats the row before: none of the `watched` cells changed since.
    pub(super) fn covers(&self, row: StampedRow<'_>, watched: &[usize]) -> bool {
        row.stamps.is_some_and(|stamps| {
            watched
                .iter()
                .all(|c| stamps.get(*c).is_some_and(|s| *s <= self.at))
        })
    }
}

/// Reads a row's installments (one on a flat row, one per number of a wide one) into
/// `loan`, as the installments of `member`.
pub(super) fn add_installments(
    loan: &mut Pending,
    schedule: &[Bound],
    wide_numbers: &[usize],
    table: &Table,
    row: &Row,
    member: Option<usize>,
    problems: &mut Vec<Problem>,
) {
    if wide_numbers.is_empty() {
        if !schedule.is_empty() {
            loan.installments.extend(
                read_installment(schedule, table, row, None, problems)
                    .map(|i| Installment::of(i, member)),
            );
        }
    } else {
        for n in wide_numbers {
            loan.installments.extend(
                read_installment(schedule, table, row, Some(*n), problems)
                    .map(|i| Installment::of(i, member)),
            );
        }
    }
}

/// One installment as read, before a group's are summed per date.
pub(super) struct Installment {
    pub(super) date: NaiveDate,
    pub(super) principal: Money,
    pub(super) interest: Money,
    pub(super) origin: Origin,
    /// The borrower whose installment it is, when the row says (a member's own row, or a
    /// schedule row naming her loan id); None for a schedule row naming the whole loan.
    pub(super) member: Option<usize>,
}

impl Installment {
    pub(super) fn of(
        read: (NaiveDate, Money, Money, Origin),
        member: Option<usize>,
    ) -> Installment {
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
pub(super) struct Pending {
    pub(super) key: String,
    pub(super) order: usize,
    pub(super) from_group_key: bool,
    pub(super) rows: Vec<Origin>,
    pub(super) problems: Vec<Problem>,
    pub(super) loan: Fields,
    pub(super) borrowers: Vec<Borrower>,
    pub(super) installments: Vec<Installment>,
    pub(super) terms: Fields,
    pub(super) seen_loan: Seen,
    pub(super) seen_terms: Seen,
    /// The row ordinal of the loan's last row, when a first pass found it.
    pub(super) ends_at: Option<usize>,
}

impl Pending {
    /// Drops the cells kept to skip unchanged ones ([`Seen`]): a loan handed over reads
    /// no more rows.
    pub(super) fn forget_seen(&mut self) {
        self.seen_loan = Seen::default();
        self.seen_terms = Seen::default();
        for b in &mut self.borrowers {
            b.seen = Seen::default();
        }
    }
}

/// Merges values into `into` as each field's `combine` says; by default values must
/// agree and a disagreement is a problem.
pub(super) fn merge_agreeing(
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
pub(super) fn read_installment(
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

/// The borrower of a loan with key `key`.
pub(super) fn borrower_with_key(borrowers: &[Borrower], key: &str) -> Option<usize> {
    borrowers.iter().position(|b| {
        b.key
            .as_deref()
            .is_some_and(|x| same_bytes(x.as_bytes(), key.as_bytes()))
    })
}

#[allow(clippy::too_many_arguments)]
pub(super) fn add_borrower(
    loan: &mut Pending,
    shape: Shape,
    key: Option<&str>,
    values: Fields,
    seen: Seen,
    bounds: &[Bound],
    row: &Origin,
    problems: &mut Vec<Problem>,
) -> Option<usize> {
    let existing = key.and_then(|k| borrower_with_key(&loan.borrowers, k));
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

pub(super) fn text_of(fields: &Fields, name: &str) -> Option<String> {
    fields
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, v, _)| v.to_string())
}
