//! The `convert` command: exports in, one draft file per loan and a summary out.
//!
//! read -> group (map inside) -> emit. Fatal problems (template, unreadable input,
//! unwritable folder) stop the run; problems with one loan only keep that loan out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::TrySendError;

use serde::Serialize;

use crate::annotate;
use crate::emit;
use crate::group::{self, Counts, Done, FailedLoan, GroupError, Grouped, Loan};
use crate::map::{BindError, Problem};
use crate::money::Money;
use crate::read::header::HeaderSpec;
use crate::read::{self, InputRef, ReadOptions, Table};
use crate::report::{self, Finding, Report, Tally};
use crate::review::{self, RowRange};
use crate::template::{FieldSource, InputSpec, Template, delimiter_byte};
use crate::validate::{self, Severity};
use crate::{Error, Outcome};

/// Problems printed per loan; all of them are in summary.json.
const MAX_PROBLEMS_SHOWN: usize = 5;

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct ConvertArgs {
    pub inputs: Vec<String>,
    pub template: PathBuf,
    pub out: PathBuf,
    pub force: bool,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub header_row: Option<usize>,
    pub quiet: bool,
    /// Validation, reports, `--strict`.
    pub checks: report::Settings,
    /// `--annotate FILE.xlsx`.
    pub annotate: Option<PathBuf>,
}

/// The result of a conversion, for callers (validate, upload, review) and tests.
pub struct Converted {
    pub template: Template,
    pub tables: Vec<Table>,
    pub grouped: Grouped,
    pub summary: Summary,
    /// Problems of failed loans and rule diagnostics of the drafts.
    pub report: Report,
}

#[derive(Debug, Serialize)]
pub struct InputSummary {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub role: &'static str,
    pub header_row: usize,
    pub header_rows: usize,
    pub header_detected: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preamble: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    pub rows: usize,
    pub blank_rows: usize,
}

#[derive(Debug, Serialize)]
pub struct DraftEntry {
    pub file: String,
    pub loan_key: String,
    pub kind: &'static str,
    pub borrowers: usize,
    pub amount: Money,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    pub installments: usize,
    /// Rule errors (the draft cannot be published as is; upload skips it).
    pub errors: usize,
    /// Rule warnings (to fill in PA2 before publishing).
    pub warnings: usize,
    pub rows: RowList,
}

#[derive(Debug, Serialize)]
pub struct ProblemEntry {
    /// The rule broken (`input-value` for a cell that could not be read).
    pub rule: &'static str,
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub row: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct FailedEntry {
    pub loan_key: String,
    pub problems: Vec<ProblemEntry>,
    pub rows: RowList,
}

#[derive(Debug, Serialize)]
pub struct IgnoredEntry {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub row: usize,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct RowCounts {
    /// Data rows read (below the header, blank rows excluded).
    pub read: usize,
    /// Rows that went into a written draft.
    pub used: usize,
    /// Rows that did not (each listed in `ignored_rows` with its reason).
    pub ignored: usize,
    /// Blank rows below the headers, skipped (not in `read`).
    pub blank: usize,
}

/// `summary.json`.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub tool: String,
    pub template: String,
    pub shape: String,
    pub inputs: Vec<InputSummary>,
    pub loans: usize,
    pub individual: usize,
    pub group: usize,
    pub borrowers: usize,
    pub totals: BTreeMap<String, Money>,
    pub loans_with_errors: usize,
    pub drafts_with_rule_errors: usize,
    pub drafts_with_warnings: usize,
    pub rows: RowCounts,
    pub drafts: Vec<DraftEntry>,
    pub errors: Vec<FailedEntry>,
    pub ignored_rows: Vec<IgnoredEntry>,
}

/// The columns a template names for one input, for header detection.
fn header_spec(
    spec: &InputSpec,
    columns: Vec<String>,
    cli_header_row: Option<usize>,
) -> HeaderSpec {
    let mut named = Vec::new();
    let mut patterns = Vec::new();
    for c in columns {
        match c.split_once("{n}") {
            Some((p, s)) => patterns.push((p.to_string(), s.to_string())),
            None => named.push(c),
        }
    }
    HeaderSpec {
        header_row: cli_header_row.or(spec.header_row),
        header_rows: spec.header_rows.unwrap_or(1),
        columns: named,
        patterns,
    }
}

fn columns_of<'a>(
    sections: impl Iterator<Item = &'a BTreeMap<String, FieldSource>>,
) -> Vec<String> {
    sections
        .flat_map(|s| s.values().filter_map(|f| f.0.column.clone()))
        .collect()
}

fn read_options(spec: &InputSpec, args: &ConvertArgs) -> Result<ReadOptions, Error> {
    let delimiter = match args.delimiter.as_deref().or(spec.delimiter.as_deref()) {
        Some(d) => Some(delimiter_byte(d).map_err(Error::Usage)?),
        None => None,
    };
    Ok(ReadOptions {
        encoding: args.encoding.clone().or_else(|| spec.encoding.clone()),
        delimiter,
        sheet: spec.sheet.clone(),
    })
}

/// Reads the inputs as the template says: the last input is the schedule input when
/// the template has one and there are several inputs; with a single workbook, the
/// schedule is its sheet named in `[schedule_input]`.
fn read_inputs(
    template: &Template,
    args: &ConvertArgs,
) -> Result<(Vec<Table>, Option<Table>), Error> {
    // The annotated workbook copies every row: then the inputs are loaded whole.
    let read_table = if args.annotate.is_some() {
        read::read_table
    } else {
        read::read_table_streamed
    };
    let mut refs: Vec<InputRef> = args.inputs.iter().map(|a| InputRef::parse(a)).collect();
    let keys = &template.keys;
    let mut main_columns =
        columns_of([&template.loan, &template.borrower, &template.terms].into_iter());
    main_columns.push(keys.loan.clone());
    main_columns.extend(
        keys.group
            .iter()
            .flat_map(|g| g.columns().map(str::to_string)),
    );
    main_columns.extend(keys.borrower.clone());
    let schedule_ref = match &template.schedule_input {
        None => {
            main_columns.extend(columns_of(std::iter::once(&template.schedule)));
            None
        }
        Some(spec) if refs.len() > 1 => {
            let _ = spec;
            refs.pop()
        }
        Some(spec) => {
            let only = &refs[0];
            if !only.is_workbook() || spec.sheet.is_none() {
                return Err(Error::Usage(
                    "this template reads the schedule from a second input: give the loans file and the schedule file (or a workbook whose schedule sheet the template names in [schedule_input] sheet)".into(),
                ));
            }
            Some(InputRef {
                path: only.path.clone(),
                sheet: None,
            })
        }
    };
    let main_spec = header_spec(&template.input, main_columns, args.header_row);
    let options = read_options(&template.input, args)?;
    let main = refs
        .iter()
        .map(|r| read_table(r, &options, &main_spec).map_err(Error::Read))
        .collect::<Result<Vec<_>, _>>()?;
    let schedule = match (schedule_ref, &template.schedule_input) {
        (Some(r), Some(spec)) => {
            let mut columns = columns_of(std::iter::once(&template.schedule));
            columns.extend(spec.key.clone());
            let hs = header_spec(spec, columns, None);
            let options = read_options(spec, args)?;
            Some(read_table(&r, &options, &hs).map_err(Error::Read)?)
        }
        _ => None,
    };
    Ok((main, schedule))
}

impl Summary {
    /// The review page's title (the input files) and its lines about the conversion.
    pub fn page_about(&self) -> (String, Vec<String>) {
        let mut files: Vec<&str> = Vec::new();
        for input in &self.inputs {
            if !files.contains(&input.file.as_str()) {
                files.push(&input.file);
            }
        }
        let mut about = vec![format!("template: {}", self.template)];
        about.extend(self.inputs.iter().map(|i| {
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
        about.push(self.tool.clone());
        (files.join(", "), about)
    }

    /// The row counts, as the review page shows them.
    pub fn row_totals(&self) -> review::RowTotals {
        review::RowTotals {
            read: self.rows.read,
            used: self.rows.used,
            ignored: self.rows.ignored,
            blank: self.rows.blank,
        }
    }
}

/// Source rows of a draft, kept and written to `summary.json` as ranges of consecutive
/// rows (a loan's rows mostly are).
#[derive(Debug, Default, Clone)]
pub struct RowList(Vec<(Arc<read::Source>, usize, usize)>);

impl RowList {
    pub fn of(origins: &[read::Origin]) -> RowList {
        let mut list = RowList::default();
        for o in origins {
            match list.0.last_mut() {
                Some((source, _, to)) if Arc::ptr_eq(source, &o.source) && *to + 1 == o.row => {
                    *to = o.row;
                }
                _ => list.0.push((Arc::clone(&o.source), o.row, o.row)),
            }
        }
        list
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.0.iter().map(|(_, from, to)| to - from + 1).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for RowList {
    /// As ranges, `[{file, sheet, from, to}]`: a summary listing every source row as
    /// its own object grew to 125 MB for 1.5M rows.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|(source, from, to)| RowRange {
            file: &source.file,
            sheet: source.sheet.as_deref(),
            from: *from,
            to: *to,
        }))
    }
}

fn problem_entry(p: &Problem) -> ProblemEntry {
    ProblemEntry {
        rule: p.rule,
        file: p.origin.source.file.clone(),
        sheet: p.origin.source.sheet.clone(),
        row: p.origin.row,
        column: p.origin.column.as_deref().map(str::to_string),
        value: p.value.clone(),
        message: p.message.clone(),
    }
}

impl std::fmt::Display for ProblemEntry {
    /// As [`Problem`] prints: the place, the value, what is wrong.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        report::write_place(
            f,
            &self.file,
            self.sheet.as_deref(),
            self.row,
            self.column.as_deref(),
        )?;
        match &self.value {
            Some(v) => write!(f, ": '{v}' {}", self.message),
            None => write!(f, ": {}", self.message),
        }
    }
}

fn input_summary(table: &Table, role: &'static str, (rows, blank): (usize, usize)) -> InputSummary {
    InputSummary {
        file: table.source.file.clone(),
        sheet: table.source.sheet.clone(),
        role,
        header_row: table.header_row,
        header_rows: table.header_rows,
        header_detected: table.header_detected,
        preamble: table.preamble.clone(),
        encoding: table.encoding,
        delimiter: table.delimiter.map(|d| {
            if d == b'\t' {
                "tab".to_string()
            } else {
                (d as char).to_string()
            }
        }),
        rows,
        blank_rows: blank,
    }
}

/// Where the finished loans go.
enum Output<'a> {
    /// Kept in memory ([`convert_in_memory`]).
    Memory {
        loans: Vec<Loan>,
        failed: Vec<FailedLoan>,
    },
    /// Written to the drafts folder as they come, with the review page.
    Folder {
        dir: &'a Path,
        written: rustc_hash::FxHashSet<PathBuf>,
        page: Box<review::PageWriter>,
        /// Drafts written before grouping started over (see [`Batch::restart`]): those
        /// not written again are removed at the end.
        abandoned: Vec<PathBuf>,
    },
}

/// Everything a conversion learns about its loans as they are finished: the summary's
/// entries and counts, the findings' tally, and the findings themselves only when a
/// report, the annotated workbook or the caller needs them.
struct Batch<'a> {
    template: &'a Template,
    args: &'a ConvertArgs,
    namer: emit::FileNamer,
    duplicates: validate::BatchCheck,
    summary: Summary,
    /// Orders of the summary's drafts and errors, to list them in export order.
    draft_orders: Vec<usize>,
    error_orders: Vec<usize>,
    failed_rows: Vec<(usize, IgnoredEntry)>,
    used: usize,
    tally: Tally,
    findings: Option<Vec<Finding>>,
    output: Output<'a>,
}

/// A loan on its way from grouping to the folder: as grouping hands it over, or already
/// built and checked (see [`pipeline`]).
enum Work {
    Complete(group::Complete),
    Prepared(Prepared),
    /// Grouping starts over: forget the loans taken so far.
    Restart,
}

/// A loan built and checked, before it is named, counted and written (which must happen
/// in order, on one thread).
enum Prepared {
    Draft(Box<Draft>),
    Failed(FailedLoan),
}

struct Draft {
    loan: Loan,
    /// The rules' findings, the batch rules aside.
    found: Vec<validate::Diagnostic>,
    /// The draft file's contents.
    pretty: String,
}

/// Builds and checks a loan: the part of the work that does not depend on the others.
fn prepare(
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
const IN_FLIGHT: usize = 64;
const BATCH: usize = 8;

/// Places loans that could not be converted after the drafts on the review page.
const FAILED_ORDER: usize = usize::MAX / 2;

impl<'a> Batch<'a> {
    fn new(
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
            Work::Complete(complete) => prepare(self.template, &self.args.checks.options, complete),
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
                written,
                page,
                mut abandoned,
            } => {
                // The page's temporary file goes before its successor takes its name.
                drop(page);
                abandoned.extend(written);
                Output::Folder {
                    dir,
                    written: rustc_hash::FxHashSet::default(),
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
        if let Output::Folder {
            dir, written, page, ..
        } = &mut self.output
        {
            let path = dir.join(&file);
            emit::write_draft(&path, pretty.as_bytes()).map_err(Error::Emit)?;
            written.insert(path);
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
    fn close(&mut self, tables: &[Table], schedule: Option<&Table>, counts: &Counts) {
        let s = &mut self.summary;
        let roles = tables
            .iter()
            .map(|t| (t, "loans"))
            .chain(schedule.map(|t| (t, "schedule")));
        s.inputs = roles
            .zip(&counts.inputs)
            .map(|((t, role), c)| input_summary(t, role, *c))
            .collect();
        let mut drafts: Vec<(usize, DraftEntry)> = std::mem::take(&mut self.draft_orders)
            .into_iter()
            .zip(std::mem::take(&mut s.drafts))
            .collect();
        drafts.sort_by_key(|(order, _)| *order);
        s.drafts = drafts.into_iter().map(|(_, d)| d).collect();
        let mut errors: Vec<(usize, FailedEntry)> = std::mem::take(&mut self.error_orders)
            .into_iter()
            .zip(std::mem::take(&mut s.errors))
            .collect();
        errors.sort_by_key(|(order, _)| *order);
        s.errors = errors.into_iter().map(|(_, e)| e).collect();
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
    fn report(&mut self) -> Report {
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

/// The Status of every input row, for the annotated workbook.
fn statuses(summary: &Summary, report: &Report) -> annotate::Statuses {
    let mut statuses = annotate::Statuses::new();
    for ignored in &summary.ignored_rows {
        statuses
            .entry((ignored.file.clone(), ignored.sheet.clone(), ignored.row))
            .or_default()
            .ignored = Some(ignored.reason.clone());
    }
    for f in &report.findings {
        for source in &f.sources {
            let mut note = String::new();
            if let Some(column) = &source.column {
                note.push_str(&format!("{column}: "));
            }
            if let Some(value) = &f.value {
                note.push_str(&format!("'{value}' "));
            }
            note.push_str(&f.message);
            statuses
                .entry((source.file.clone(), source.sheet.clone(), source.row))
                .or_default()
                .notes
                .push((f.severity, note));
        }
    }
    statuses
}

fn bind_error(args: &ConvertArgs, e: &BindError) -> Error {
    Error::Usage(format!("template '{}': {}", args.template.display(), e.0))
}

fn group_error(args: &ConvertArgs, e: GroupError) -> Error {
    match e {
        GroupError::Bind(e) => bind_error(args, &e),
        GroupError::Read(e) => Error::Read(e),
        GroupError::Stop(e) => e,
    }
}

fn group_options(args: &ConvertArgs) -> group::Options<'_> {
    group::Options {
        image_limit: args.checks.options.image_limit,
        cache: args.checks.options.cache.as_deref(),
    }
}

/// Groups on one thread while this one checks and writes the loans as they come (the
/// machines this runs on have two cores or more). A bounded channel keeps only a few
/// finished loans in flight; when it is full, the grouping thread builds and checks the
/// next loan itself, so that neither thread waits for the other.
fn pipeline(
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
                                Work::Prepared(prepare(template, options, complete))
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
                            Work::Complete(complete)
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

/// Reads, groups, validates and summarizes without writing anything.
pub fn convert_in_memory(args: &ConvertArgs) -> Result<Converted, Error> {
    let template = Template::load(&args.template).map_err(Error::Template)?;
    let (tables, schedule) = read_inputs(&template, args)?;
    let options = group_options(args);
    let plan = group::Plan::new(&template, &tables, schedule.as_ref(), &options)
        .map_err(|e| bind_error(args, &e))?;
    let output = Output::Memory {
        loans: Vec::new(),
        failed: Vec::new(),
    };
    let mut batch = Batch::new(&template, args, true, output);
    let counts = pipeline(&plan, &mut batch, args)?;
    drop(plan);
    batch.close(&tables, schedule.as_ref(), &counts);
    let (ignored, rows_read) = (counts.ignored, counts.rows_read);
    let report = batch.report();
    let Batch {
        summary, output, ..
    } = batch;
    let Output::Memory {
        mut loans,
        mut failed,
    } = output
    else {
        unreachable!("convert_in_memory keeps its loans in memory")
    };
    loans.sort_by_key(|l| l.order);
    failed.sort_by_key(|f| f.order);
    let mut all = tables;
    all.extend(schedule);
    Ok(Converted {
        template,
        tables: all,
        grouped: Grouped {
            loans,
            failed,
            ignored,
            rows_read,
        },
        summary,
        report,
    })
}

/// One line per input: format, header, rows.
fn input_line(input: &InputSummary) -> String {
    let mut line = format!(
        "{}{}: ",
        input.file,
        input
            .sheet
            .as_ref()
            .map(|s| format!(", sheet {s}"))
            .unwrap_or_default()
    );
    if let Some(enc) = input.encoding {
        let delimiter = input.delimiter.as_deref().unwrap_or(",");
        line.push_str(&format!("{enc}, delimiter '{delimiter}', "));
    }
    if input.header_rows > 1 {
        line.push_str(&format!(
            "header on rows {}-{}",
            input.header_row,
            input.header_row + 1
        ));
    } else {
        line.push_str(&format!("header on row {}", input.header_row));
    }
    if !input.preamble.is_empty() {
        let n = input.preamble.len();
        line.push_str(&format!(
            " ({n} title row{} above it skipped)",
            if n == 1 { "" } else { "s" }
        ));
    }
    line.push_str(&format!(", {} data rows", input.rows));
    line
}

/// Runs `convert`: loans are checked and written as soon as their last row is read, so
/// only the loans still open are held in memory.
pub fn run(args: &ConvertArgs) -> Result<Outcome, Error> {
    let template = Template::load(&args.template).map_err(Error::Template)?;
    let (tables, schedule) = read_inputs(&template, args)?;
    let options = group_options(args);
    let plan = group::Plan::new(&template, &tables, schedule.as_ref(), &options)
        .map_err(|e| bind_error(args, &e))?;
    let previous = emit::prepare_dir(&args.out, args.force).map_err(Error::Emit)?;
    emit::mark(&args.out).map_err(Error::Emit)?;
    let output = Output::Folder {
        dir: &args.out,
        written: rustc_hash::FxHashSet::default(),
        page: Box::new(review::PageWriter::new(&args.out)?),
        abandoned: Vec::new(),
    };
    let keep = !args.checks.reports.is_empty() || args.annotate.is_some();
    let mut batch = Batch::new(&template, args, keep, output);
    let counts = pipeline(&plan, &mut batch, args)?;
    drop(plan);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for i in &counts.ignored {
        *reasons.entry(i.reason.clone()).or_default() += 1;
    }
    batch.close(&tables, schedule.as_ref(), &counts);
    let report = batch.report();
    let Batch {
        summary: s,
        tally,
        output,
        ..
    } = batch;
    let Output::Folder {
        written,
        page,
        abandoned,
        ..
    } = output
    else {
        unreachable!("convert writes its loans to the folder")
    };
    emit::remove_stale(&previous, &written).map_err(Error::Emit)?;
    emit::remove_stale(&abandoned, &written).map_err(Error::Emit)?;
    emit::sync_dir(&args.out);
    // summary.json and the review page are written side by side: both are large for a
    // large export, and they are the last thing the run waits for.
    let (title, about) = s.page_about();
    let row_totals = s.row_totals();
    std::thread::scope(|scope| {
        let summary = scope.spawn(|| {
            emit::write_atomic_with(&args.out.join(emit::SUMMARY), |w| {
                serde_json::to_writer_pretty(&mut *w, &s)?;
                std::io::Write::write_all(w, b"\n")
            })
            .map_err(Error::Emit)
        });
        let page = page.finish(&title, &about, Some(row_totals));
        let summary = summary
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        summary.and(page.map(drop))
    })?;

    let say = |line: String| {
        if !args.quiet {
            eprintln!("kiva-drafts: {line}");
        }
    };
    for input in &s.inputs {
        say(input_line(input));
    }
    for failed in &s.errors {
        for p in failed.problems.iter().take(MAX_PROBLEMS_SHOWN) {
            eprintln!("kiva-drafts: error: loan '{}': {p}", failed.loan_key);
        }
        if failed.problems.len() > MAX_PROBLEMS_SHOWN {
            eprintln!(
                "kiva-drafts: error: loan '{}': ... and {} more problems (see summary.json)",
                failed.loan_key,
                failed.problems.len() - MAX_PROBLEMS_SHOWN
            );
        }
    }
    if !args.quiet {
        println!(
            "wrote {} draft{} to {} ({} individual, {} group, {} borrower{})",
            s.loans,
            if s.loans == 1 { "" } else { "s" },
            args.out.display(),
            s.individual,
            s.group,
            s.borrowers,
            if s.borrowers == 1 { "" } else { "s" }
        );
        for (currency, total) in &s.totals {
            println!("  total {currency}: {total}");
        }
        print!(
            "rows: {} read, {} used, {} ignored",
            s.rows.read, s.rows.used, s.rows.ignored
        );
        match s.rows.blank {
            0 => println!(),
            1 => println!(" (and 1 blank row skipped)"),
            n => println!(" (and {n} blank rows skipped)"),
        }
        for (reason, n) in reasons {
            println!("  ignored {n}: {reason}");
        }
        if s.loans_with_errors > 0 {
            println!(
                "{} loan{} not converted because of errors (listed above and in summary.json)",
                s.loans_with_errors,
                if s.loans_with_errors == 1 { "" } else { "s" }
            );
        }
        print!("{}", tally.terminal());
    }
    report::write_all(&report, &args.checks.reports).map_err(Error::Usage)?;
    if let Some(path) = &args.annotate {
        let mut all = tables;
        all.extend(schedule);
        annotate::write(path, &all, &statuses(&s, &report)).map_err(Error::Usage)?;
    }
    let rule_errors = s.drafts_with_rule_errors > 0;
    let strict_failure = args.checks.strict && s.drafts_with_warnings > 0;
    Ok(
        if s.loans_with_errors > 0 || rule_errors || strict_failure {
            Outcome::SomeFailed
        } else {
            Outcome::Success
        },
    )
}
