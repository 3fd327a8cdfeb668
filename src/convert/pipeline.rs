//! The conversion's two threads ([`pipeline`]): one groups the rows into loans, the
//! other builds, checks and writes them in export order ([`Batch`]); whichever is ahead
//! takes over building loans, and loans travel between them in batches of eight. (A
//! streamed CSV's records are parsed ahead on a third thread: `Records::read_ahead` in
//! `src/read/text/stream.rs`.)

#[allow(clippy::wildcard_imports)]
use super::*;

/// Where the finished loans go.
pub(super) enum Output<'a> {
    /// Kept in memory ([`convert_in_memory`]).
    Memory {
        loans: Vec<Loan>,
        failed: Vec<FailedLoan>,
    },
    /// Written to the drafts folder as they come, with the review page. The drafts
    /// written are the summary's ([`Summary::drafts`], each in its `file`): no second
    /// list of them is kept.
    Folder {
        dir: &'a Path,
        page: Box<review::PageWriter>,
        /// Drafts written before grouping started over (see [`Batch::restart`]): those
        /// not written again are removed at the end.
        abandoned: Vec<PathBuf>,
    },
}

/// Everything a conversion learns about its loans as they are finished: the summary's
/// entries and counts, the findings' tally, and the findings themselves only when a
/// report, the annotated workbook or the caller needs them.
pub(super) struct Batch<'a> {
    pub(super) template: &'a Template,
    pub(super) args: &'a ConvertArgs,
    pub(super) namer: emit::FileNamer,
    pub(super) duplicates: validate::BatchCheck,
    pub(super) summary: Summary,
    /// Orders of the summary's drafts and errors, to list them in export order.
    pub(super) draft_orders: Vec<usize>,
    pub(super) error_orders: Vec<usize>,
    pub(super) failed_rows: Vec<(usize, IgnoredEntry)>,
    pub(super) used: usize,
    pub(super) tally: Tally,
    pub(super) findings: Option<Vec<Finding>>,
    pub(super) output: Output<'a>,
}

/// A loan on its way from grouping to the folder: as grouping hands it over, or already
/// built and checked (see [`pipeline`]).
pub(super) enum Work {
    /// Boxed: a loan as grouped is several times the size of the other variants.
    Complete(Box<group::Complete>),
    Prepared(Prepared),
    /// Grouping starts over: forget the loans taken so far.
    Restart,
}

/// A loan built and checked, before it is named, counted and written (which must happen
/// in order, on one thread).
pub(super) enum Prepared {
    Draft(Box<Draft>),
    Failed(FailedLoan),
}

pub(super) struct Draft {
    loan: Loan,
    /// The rules' findings, the batch rules aside.
    found: Vec<validate::Diagnostic>,
    /// The draft file's contents.
    pretty: String,
}

/// Builds and checks a loan: the part of the work that does not depend on the others.
/// A loan on which this stops with a bug (a panic) is a loan not converted, with an
/// `internal-error` problem on its first row; the others go on.
pub(super) fn prepare(
    template: &Template,
    options: &validate::Options,
    complete: group::Complete,
) -> Prepared {
    let unbuilt = complete.unbuilt();
    crate::crash::caught(|| build_and_check(template, options, complete)).unwrap_or_else(|panic| {
        Prepared::Failed(unbuilt("internal-error", crate::crash::failed(&panic)))
    })
}

fn build_and_check(
    template: &Template,
    options: &validate::Options,
    complete: group::Complete,
) -> Prepared {
    match complete.finish() {
        Done::Loan(mut loan) => {
            group::fill_member_ids(template, &mut loan);
            let mut found = validate::check_draft(&loan.draft, options);
            if let Some(group) = &loan.group_of_one {
                found.push(validate::Diagnostic {
                    severity: Severity::Warning,
                    rule: "group-of-one",
                    field: "entreps".into(),
                    message: format!(
                        "group '{group}' has one member: written as an individual loan (Kiva takes a loan with one borrower as individual; group_name and not_pictured are left out)"
                    ),
                });
            }
            let pretty = loan.draft.to_pretty_json();
            Prepared::Draft(Box::new(Draft {
                loan: *loan,
                found,
                pretty,
            }))
        }
        Done::Failed(failed) => Prepared::Failed(failed),
    }
}

/// Loans between grouping and writing at most (see [`pipeline`]), and how many travel
/// together.
pub(super) const IN_FLIGHT: usize = 64;

pub(super) const BATCH: usize = 8;

/// Places loans that could not be converted after the drafts on the review page.
pub(super) const FAILED_ORDER: usize = usize::MAX / 2;

impl<'a> Batch<'a> {
    pub(super) fn new(
        template: &'a Template,
        args: &'a ConvertArgs,
        keep_findings: bool,
        output: Output<'a>,
    ) -> Batch<'a> {
        Batch {
            template,
            args,
            namer: emit::FileNamer::default(),
            duplicates: validate::BatchCheck::default(),
            summary: Summary {
                tool: format!("kiva-drafts {}", env!("CARGO_PKG_VERSION")),
                template: args.template.display().to_string(),
                shape: template.shape.to_string(),
                inputs: Vec::new(),
                loans: 0,
                individual: 0,
                group: 0,
                borrowers: 0,
                totals: BTreeMap::new(),
                loans_with_errors: 0,
                drafts_with_rule_errors: 0,
                drafts_with_warnings: 0,
                rows: RowCounts {
                    read: 0,
                    used: 0,
                    ignored: 0,
                    blank: 0,
                },
                drafts: Vec::new(),
                errors: Vec::new(),
                ignored_rows: Vec::new(),
            },
            draft_orders: Vec::new(),
            error_orders: Vec::new(),
            failed_rows: Vec::new(),
            used: 0,
            tally: Tally::default(),
            findings: keep_findings.then(Vec::new),
            output,
        }
    }

    fn take(&mut self, work: Work) -> Result<(), Error> {
        let prepared = match work {
            Work::Complete(complete) => {
                prepare(self.template, &self.args.checks.options, *complete)
            }
            Work::Prepared(prepared) => prepared,
            Work::Restart => return self.restart(),
        };
        match prepared {
            Prepared::Draft(draft) => self.draft(*draft),
            Prepared::Failed(failed) => self.failed(failed),
        }
    }

    /// Forgets the loans taken so far: grouping guessed that each loan's rows come
    /// together, found a loan's rows after it had ended, and starts over. The drafts
    /// written so far stay until the end, where those not written again are removed.
    fn restart(&mut self) -> Result<(), Error> {
        let empty = || Output::Memory {
            loans: Vec::new(),
            failed: Vec::new(),
        };
        let output = match std::mem::replace(&mut self.output, empty()) {
            Output::Memory { .. } => empty(),
            Output::Folder {
                dir,
                page,
                mut abandoned,
            } => {
                // The page's temporary file goes before its successor takes its name.
                drop(page);
                abandoned.extend(self.summary.draft_paths(dir));
                Output::Folder {
                    dir,
                    page: Box::new(review::PageWriter::new(dir)?),
                    abandoned,
                }
            }
        };
        *self = Batch::new(self.template, self.args, self.findings.is_some(), output);
        Ok(())
    }

    /// A built loan: checked, counted, written, added to the review page.
    ///
    /// Its findings are made into [`Finding`]s (with every source cell) only when they
    /// are kept; otherwise the tally and the page take the diagnostics as they are, with
    /// the source cells of those the page shows with theirs.
    fn draft(&mut self, draft: Draft) -> Result<(), Error> {
        let Draft {
            loan,
            mut found,
            pretty,
        } = draft;
        let file = self.namer.name(&loan.key);
        found.extend(
            self.duplicates
                .check(&loan.key, validate::draft_loan_ids(&loan.draft)),
        );
        let errors = found
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let warnings = found.len() - errors;
        let kept: Option<Vec<Finding>> = self.findings.is_some().then(|| {
            std::mem::take(&mut found)
                .into_iter()
                .map(|d| Finding::from_diagnostic(d, &loan, &file))
                .collect()
        });
        match &kept {
            Some(findings) => {
                for f in findings {
                    self.tally.add(f);
                }
            }
            None => {
                for d in &found {
                    self.tally.add_parts(&loan.key, d.severity, d.rule, || {
                        Finding::from_diagnostic(d.clone(), &loan, &file).line()
                    });
                }
            }
        }
        self.tally.drafts += 1;
        let s = &mut self.summary;
        let amount = loan.draft.amount();
        let currency = loan.draft.currency.clone();
        let total = currency.as_deref().unwrap_or("(no currency)");
        match s.totals.get_mut(total) {
            Some(sum) => *sum += amount,
            None => {
                s.totals
                    .insert(total.to_string(), Money::default() + amount);
            }
        }
        s.loans += 1;
        if loan.draft.is_group() {
            s.group += 1;
        } else {
            s.individual += 1;
        }
        s.borrowers += loan.draft.entreps.len();
        s.drafts_with_rule_errors += usize::from(errors > 0);
        s.drafts_with_warnings += usize::from(warnings > 0);
        let rows = RowList::of(&loan.rows);
        self.used += rows.len();
        s.drafts.push(DraftEntry {
            file: file.clone(),
            loan_key: loan.key.clone(),
            kind: if loan.draft.is_group() {
                "group"
            } else {
                "individual"
            },
            borrowers: loan.draft.entreps.len(),
            amount,
            currency,
            installments: loan.draft.schedule.len(),
            errors,
            warnings,
            rows,
        });
        self.draft_orders.push(loan.order);
        if let Output::Folder { dir, page, .. } = &mut self.output {
            emit::write_draft(&dir.join(&file), pretty.as_bytes()).map_err(Error::Emit)?;
            // The page shows the source cells of findings outside its checklist.
            let sources: Vec<Vec<report::SourceRef>> = match &kept {
                Some(_) => Vec::new(),
                None => found
                    .iter()
                    .map(|d| {
                        if review::is_checklist(d.rule) {
                            Vec::new()
                        } else {
                            report::sources_for(&d.field, &loan)
                        }
                    })
                    .collect(),
            };
            let shown: Vec<review::FindingData<'_>> = match &kept {
                Some(findings) => findings.iter().map(review::FindingData::of).collect(),
                None => found
                    .iter()
                    .zip(&sources)
                    .map(|(d, sources)| review::FindingData {
                        severity: d.severity,
                        rule: d.rule,
                        field: &d.field,
                        message: &d.message,
                        value: None,
                        sources,
                    })
                    .collect(),
            };
            page.add_draft(
                loan.order,
                &review::DraftView {
                    key: &loan.key,
                    file: &file,
                    draft: &loan.draft,
                    rows: &loan.rows,
                    findings: &shown,
                },
            )?;
        }
        if let (Some(all), Some(findings)) = (&mut self.findings, kept) {
            all.extend(findings);
        }
        if let Output::Memory { loans, .. } = &mut self.output {
            loans.push(loan);
        }
        Ok(())
    }

    /// Adds a loan to the review page (when writing a folder) and keeps its findings
    /// when they are wanted.
    fn show(&mut self, order: usize, entry: review::LoanEntry) -> Result<(), Error> {
        if let Output::Folder { page, .. } = &mut self.output {
            page.add(order, &entry)?;
        }
        if let Some(all) = &mut self.findings {
            all.extend(entry.findings);
        }
        Ok(())
    }

    /// A loan that could not be built: its problems reported, its rows ignored.
    fn failed(&mut self, failed: FailedLoan) -> Result<(), Error> {
        let findings: Vec<Finding> = failed
            .problems
            .iter()
            .map(|p| Finding::from_problem(&failed.key, p))
            .collect();
        for r in &failed.rows {
            self.failed_rows.push((
                failed.order,
                IgnoredEntry {
                    file: r.source.file.clone(),
                    sheet: r.source.sheet.clone(),
                    row: r.row,
                    reason: format!("loan '{}' has errors", failed.key),
                },
            ));
        }
        self.summary.loans_with_errors += 1;
        self.summary.errors.push(FailedEntry {
            loan_key: failed.key.clone(),
            problems: failed.problems.iter().map(problem_entry).collect(),
            rows: RowList::of(&failed.rows),
        });
        self.error_orders.push(failed.order);
        let entry = review::LoanEntry {
            rows: failed.rows.iter().map(report::SourceRef::row_of).collect(),
            key: failed.key.clone(),
            file: None,
            draft: None,
            findings,
        };
        let order = FAILED_ORDER + failed.order;
        if let Output::Memory { failed: all, .. } = &mut self.output {
            all.push(failed);
        }
        self.show(order, entry)
    }

    /// Completes the summary once every loan is in: inputs, row counts, export order.
    pub(super) fn close(&mut self, tables: &[Table], schedule: Option<&Table>, counts: &Counts) {
        let s = &mut self.summary;
        let roles = tables
            .iter()
            .map(|t| (t, "loans"))
            .chain(schedule.map(|t| (t, "schedule")));
        s.inputs = roles
            .zip(&counts.inputs)
            .map(|((t, role), c)| input_summary(t, role, *c))
            .collect();
        in_export_order(&mut s.drafts, std::mem::take(&mut self.draft_orders));
        in_export_order(&mut s.errors, std::mem::take(&mut self.error_orders));
        s.ignored_rows = counts
            .ignored
            .iter()
            .map(|i| IgnoredEntry {
                file: i.origin.source.file.clone(),
                sheet: i.origin.source.sheet.clone(),
                row: i.origin.row,
                reason: i.reason.clone(),
            })
            .collect();
        self.failed_rows.sort_by_key(|(order, _)| *order);
        s.ignored_rows.extend(
            std::mem::take(&mut self.failed_rows)
                .into_iter()
                .map(|(_, e)| e),
        );
        s.rows = RowCounts {
            read: counts.rows_read,
            used: self.used,
            ignored: s.ignored_rows.len(),
            blank: counts.inputs.iter().map(|(_, blank)| blank).sum(),
        };
    }

    /// The findings kept, as a report (with the stale-cache warning first).
    pub(super) fn report(&mut self) -> Report {
        let mut report = Report {
            drafts: self.summary.loans,
            findings: Vec::new(),
        };
        report.note_stale_cache(&self.args.checks.options);
        report
            .findings
            .extend(self.findings.take().unwrap_or_default());
        report
    }
}

/// Sorts `entries` by their `orders` (stable), leaving them as they are when they came
/// in export order already, as they do unless grouping took a loan out of turn: the
/// drafts of a large export are not copied twice more at the end of the run.
fn in_export_order<T>(entries: &mut Vec<T>, orders: Vec<usize>) {
    if orders.is_sorted() {
        return;
    }
    let mut paired: Vec<(usize, T)> = orders.into_iter().zip(std::mem::take(entries)).collect();
    paired.sort_by_key(|(order, _)| *order);
    *entries = paired.into_iter().map(|(_, e)| e).collect();
}

/// Groups on one thread while this one checks and writes the loans as they come (the
/// machines this runs on have two cores or more). A bounded channel keeps only a few
/// finished loans in flight; when it is full, the grouping thread builds and checks the
/// next loan itself, so that neither thread waits for the other.
pub(super) fn pipeline(
    plan: &group::Plan<'_>,
    batch: &mut Batch<'_>,
    args: &ConvertArgs,
) -> Result<Counts, Error> {
    // Loans travel in small batches: one hand-over (and wake-up) per batch, not per loan.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Work>>(IN_FLIGHT / BATCH);
    // When the loans only complete once every row has been read (a separate schedule
    // table is joined at the end), the grouping thread has nothing else to do: it builds
    // and checks them too.
    let build_here = !plan.completes_while_reading();
    let (template, options) = (batch.template, &args.checks.options);
    std::thread::scope(|scope| {
        let grouping = scope.spawn(move || {
            let stopped = || Error::Usage("stopped".into());
            // Hands a batch over to the writing thread, to be built there, unless that
            // thread has fallen behind (the channel is full): this thread then builds
            // the batch's loans itself, and the two share the work whichever is slower.
            let hand_over = |work: Vec<Work>| match sender.try_send(work) {
                Ok(()) => Ok(()),
                Err(TrySendError::Full(work)) => {
                    let built = work
                        .into_iter()
                        .map(|w| match w {
                            Work::Complete(complete) => {
                                Work::Prepared(prepare(template, options, *complete))
                            }
                            other => other,
                        })
                        .collect();
                    sender.send(built).map_err(|_| stopped())
                }
                Err(TrySendError::Disconnected(_)) => Err(stopped()),
            };
            let pending = std::cell::RefCell::new(Vec::with_capacity(BATCH));
            let take = || std::mem::replace(&mut *pending.borrow_mut(), Vec::with_capacity(BATCH));
            let counts = plan.run(
                &mut |complete| {
                    let full = {
                        let mut pending = pending.borrow_mut();
                        pending.push(if build_here {
                            Work::Prepared(prepare(template, options, complete))
                        } else {
                            Work::Complete(Box::new(complete))
                        });
                        pending.len() >= BATCH
                    };
                    if full { hand_over(take()) } else { Ok(()) }
                },
                &mut || {
                    // The loans not handed over yet are forgotten with the others.
                    let mut work = take();
                    work.clear();
                    work.push(Work::Restart);
                    hand_over(work)
                },
            )?;
            let rest = take();
            if !rest.is_empty() {
                hand_over(rest).map_err(group::GroupError::Stop)?;
            }
            Ok(counts)
        });
        let mut failure = None;
        'receive: for work in &receiver {
            for done in work {
                if let Err(e) = batch.take(done) {
                    failure = Some(e);
                    break 'receive;
                }
            }
        }
        // A failed writer stops the grouping at its next loan.
        drop(receiver);
        let grouped = grouping
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        match (failure, grouped) {
            (Some(e), _) => Err(e),
            (None, Ok(counts)) => Ok(counts),
            (None, Err(e)) => Err(group_error(args, e)),
        }
    })
}
