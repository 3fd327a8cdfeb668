//! The passes over the inputs ([`Plan`]): loans handed over as soon as they end, on the
//! guess that each loan's rows come together; a second pass when the guess was wrong;
//! a separate schedule table joined by loan key or a member's loan id.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The template bound to the inputs: checked before anything is read or written.
pub struct Plan<'a> {
    template: &'a Template,
    main: &'a [Table],
    schedule: Option<(&'a Table, ScheduleBindings)>,
    options: Options<'a>,
    bindings: Vec<Bindings>,
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
            let mut cuts = Cuts::default();
            while let Some(row) = rows.next_row() {
                let row = row.map_err(GroupError::Read)?;
                // A row cut in two keeps the first half's loan open to the second half,
                // where the pass finds the cut.
                if let Some(first) = cuts
                    .check(table, row)
                    .and_then(|cut| cut.first)
                    .and_then(|(key, _)| key)
                {
                    last.insert(first, ordinal);
                }
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
                    cuts.keyed(key);
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
                         mut pending: Pending| {
            // What was seen of the rows is freed here, where it was allocated (cheaper
            // than from the thread that builds the loan).
            pending.forget_seen();
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
            let watched = Repeat::watched(b);
            let mut repeat: Option<Repeat> = None;
            let mut cuts = Cuts::default();
            while let Some(row) = rows.next_stamped_row() {
                let stamped = row.map_err(GroupError::Read)?;
                let row = stamped.row;
                let this = ordinal;
                ordinal += 1;
                read += 1;
                let row_origin = table.origin(row, None);
                let mut problems = Vec::new();
                past_header(table, row, &mut problems);
                if let Some(cut) = cuts.check(table, row) {
                    // The first part's loan is still open: a second pass ends it here
                    // (`last_rows` found the cut too).
                    if let Some((Some(key), problem)) = cut.first
                        && let Some(first) = pending.get_mut(&key)
                    {
                        first.problems.push(problem);
                        if first.ends_at == Some(this)
                            && let Some(p) = pending.remove(&key)
                        {
                            hand_over(done, p)?;
                        }
                    }
                    problems.push(cut.this);
                }
                // Most rows of a flat export: another installment of the row before's loan
                // and member.
                if let Some(r) = repeat.as_ref().filter(|r| r.covers(stamped, &watched))
                    && let Some(loan) = pending.get_mut(r.key.as_str())
                {
                    cuts.keyed(&r.key);
                    loan.rows.push(row_origin);
                    add_installments(
                        loan,
                        &b.schedule,
                        &wide_numbers,
                        table,
                        row,
                        r.member,
                        &mut problems,
                    );
                    loan.problems.extend(problems);
                    if loan.ends_at == Some(this) {
                        if let Some(p) = pending.remove(r.key.as_str()) {
                            hand_over(done, p)?;
                        }
                        repeat = None;
                    }
                    continue;
                }
                repeat = None;
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
                    } => {
                        cuts.keyed(key);
                        (key.as_str(), *from_group_key)
                    }
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
                    (Shape::Flat, Some(Some(k))) => borrower_with_key(&loan.borrowers, k),
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
                if template.shape == Shape::Flat && problems.is_empty() {
                    repeat = Repeat::after(stamped, key, member);
                }
                add_installments(
                    loan,
                    &b.schedule,
                    &wide_numbers,
                    table,
                    row,
                    member,
                    &mut problems,
                );
                loan.problems.extend(problems);
                if loan.ends_at == Some(this) {
                    let key = loan.key.clone();
                    if let Some(p) = pending.remove(&key) {
                        hand_over(done, p)?;
                    }
                    repeat = None;
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
pub(super) enum Ends {
    /// Each loan ends at the row ordinal a first pass noted for its key.
    LastRow(HashMap<String, usize>),
    /// A loan ends where the next loan's rows begin, on the guess that each loan's rows
    /// come together. The keys of ended loans are kept to catch one that comes back.
    KeyChange(HashSet<String>),
    /// Every loan ends after the last row.
    End,
}

/// How a pass went.
pub(super) enum Pass {
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

pub(super) fn join_schedule(
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
        if table.repeats_header(row) {
            out.ignored.push(IgnoredRow {
                origin,
                reason: REPEATED_HEADER.into(),
            });
            continue;
        }
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
        past_header(table, row, &mut problems);
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
