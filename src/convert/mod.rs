//! The `convert` command: exports in, one draft file per loan and a summary out.
//!
//! read -> group (map inside) -> emit. Fatal problems (template, unreadable input,
//! unwritable folder) stop the run; problems with one loan only keep that loan out.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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

mod inputs;
mod pipeline;
mod summary;

#[allow(clippy::wildcard_imports)]
use inputs::*;
#[allow(clippy::wildcard_imports)]
use pipeline::*;
#[allow(clippy::wildcard_imports)]
use summary::*;
pub use summary::{
    DraftEntry, FailedEntry, IgnoredEntry, InputSummary, ProblemEntry, RowCounts, RowList, Summary,
};

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
    if input.merged_ranges > 0 {
        let n = input.merged_ranges;
        line.push_str(&format!(
            " ({n} merged cell{} over several rows, read on each of them)",
            if n == 1 { "" } else { "s" }
        ));
    }
    line
}

/// A run stopped by a fatal error (an input unreadable part-way through, a full disk)
/// leaves no half batch that `upload` would send: the drafts it wrote, and the previous
/// run's drafts, summary and page (some of them already replaced), are removed, and the
/// error says so.
fn discard(out: &Path, previous: &[PathBuf], batch: Batch<'_>, error: Error) -> Error {
    let Output::Folder { dir, abandoned, .. } = batch.output else {
        return error;
    };
    let mut ours = abandoned;
    ours.extend(batch.summary.draft_paths(dir));
    // The draft being written when the run stopped has its entry but may have no file.
    ours.sort_unstable();
    ours.dedup();
    ours.retain(|p| p.exists());
    let drafts = ours.len();
    let mut gone = ours;
    gone.extend(previous.iter().cloned());
    gone.extend([out.join(emit::SUMMARY), out.join(review::PAGE)]);
    let mut left = Vec::new();
    for path in gone.iter().filter(|p| p.exists()) {
        if std::fs::remove_file(path).is_err() {
            left.push(path.display().to_string());
        }
    }
    emit::sync_dir(out);
    if drafts == 0 && left.is_empty() {
        return error;
    }
    let mut message = format!(
        "{error} (nothing was converted: the {drafts} draft{} written before the error {} removed",
        if drafts == 1 { "" } else { "s" },
        if drafts == 1 { "was" } else { "were" }
    );
    if !left.is_empty() {
        message.push_str(&format!("; could not remove {}", left.join(", ")));
    }
    message.push(')');
    Error::Usage(message)
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
        page: Box::new(review::PageWriter::new(&args.out)?),
        abandoned: Vec::new(),
    };
    let keep = !args.checks.reports.is_empty() || args.annotate.is_some();
    let mut batch = Batch::new(&template, args, keep, output);
    let counts = match pipeline(&plan, &mut batch, args) {
        Ok(counts) => counts,
        Err(e) => return Err(discard(&args.out, &previous, batch, e)),
    };
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
        dir,
        page,
        abandoned,
    } = output
    else {
        unreachable!("convert writes its loans to the folder")
    };
    if !previous.is_empty() || !abandoned.is_empty() {
        let written: rustc_hash::FxHashSet<PathBuf> = s.draft_paths(dir).collect();
        emit::remove_stale(&previous, &written).map_err(Error::Emit)?;
        emit::remove_stale(&abandoned, &written).map_err(Error::Emit)?;
    }
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
