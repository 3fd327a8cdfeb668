//! The `convert` command: exports in, one draft file per loan and a summary out.
//!
//! read -> group (map inside) -> emit. Fatal problems (template, unreadable input,
//! unwritable folder) stop the run; problems with one loan only keep that loan out.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::annotate;
use crate::emit;
use crate::group::{self, FailedLoan, Grouped, IgnoredRow};
use crate::map::Problem;
use crate::money::Money;
use crate::read::header::HeaderSpec;
use crate::read::{self, InputRef, ReadOptions, Table};
use crate::report::{self, Finding, Report};
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
pub struct RowRef {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub row: usize,
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
    pub rows: Vec<RowRef>,
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
    pub rows: Vec<RowRef>,
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

fn row_ref(origin: &read::Origin) -> RowRef {
    RowRef {
        file: origin.source.file.clone(),
        sheet: origin.source.sheet.clone(),
        row: origin.row,
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
    let mut refs: Vec<InputRef> = args.inputs.iter().map(|a| InputRef::parse(a)).collect();
    let keys = &template.keys;
    let mut main_columns =
        columns_of([&template.loan, &template.borrower, &template.terms].into_iter());
    main_columns.extend(
        [
            Some(keys.loan.clone()),
            keys.group.clone(),
            keys.borrower.clone(),
        ]
        .into_iter()
        .flatten(),
    );
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
        .map(|r| read::read_table(r, &options, &main_spec).map_err(Error::Read))
        .collect::<Result<Vec<_>, _>>()?;
    let schedule = match (schedule_ref, &template.schedule_input) {
        (Some(r), Some(spec)) => {
            let mut columns = columns_of(std::iter::once(&template.schedule));
            columns.extend(spec.key.clone());
            let hs = header_spec(spec, columns, None);
            let options = read_options(spec, args)?;
            Some(read::read_table(&r, &options, &hs).map_err(Error::Read)?)
        }
        _ => None,
    };
    Ok((main, schedule))
}

fn input_summary(table: &Table, role: &'static str) -> InputSummary {
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
        rows: table.rows.len(),
        blank_rows: table.blank_rows,
    }
}

/// Builds the summary of a grouping; `files` are the draft file names, in loan order.
fn summarize(
    template_path: &Path,
    template: &Template,
    tables: &[Table],
    schedule: Option<&Table>,
    grouped: &Grouped,
    files: &[String],
) -> Summary {
    let mut inputs: Vec<InputSummary> = tables.iter().map(|t| input_summary(t, "loans")).collect();
    inputs.extend(schedule.map(|t| input_summary(t, "schedule")));
    let mut totals: BTreeMap<String, Money> = BTreeMap::new();
    let mut drafts = Vec::new();
    for (loan, file) in grouped.loans.iter().zip(files) {
        let amount = loan.draft.amount();
        let currency = loan.draft.currency.clone();
        *totals
            .entry(currency.clone().unwrap_or_else(|| "(no currency)".into()))
            .or_default() += amount;
        drafts.push(DraftEntry {
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
            errors: 0,
            warnings: 0,
            rows: loan.rows.iter().map(row_ref).collect(),
        });
    }
    let used: usize = grouped.loans.iter().map(|l| l.rows.len()).sum();
    let mut ignored_rows: Vec<IgnoredEntry> = grouped
        .ignored
        .iter()
        .map(|i: &IgnoredRow| IgnoredEntry {
            file: i.origin.source.file.clone(),
            sheet: i.origin.source.sheet.clone(),
            row: i.origin.row,
            reason: i.reason.clone(),
        })
        .collect();
    for failed in &grouped.failed {
        for r in &failed.rows {
            ignored_rows.push(IgnoredEntry {
                file: r.source.file.clone(),
                sheet: r.source.sheet.clone(),
                row: r.row,
                reason: format!("loan '{}' has errors", failed.key),
            });
        }
    }
    let individual = grouped.loans.iter().filter(|l| !l.draft.is_group()).count();
    Summary {
        tool: format!("kiva-drafts {}", env!("CARGO_PKG_VERSION")),
        template: template_path.display().to_string(),
        shape: template.shape.to_string(),
        inputs,
        loans: grouped.loans.len(),
        individual,
        group: grouped.loans.len() - individual,
        borrowers: grouped.loans.iter().map(|l| l.draft.entreps.len()).sum(),
        totals,
        loans_with_errors: grouped.failed.len(),
        drafts_with_rule_errors: 0,
        drafts_with_warnings: 0,
        rows: RowCounts {
            read: grouped.rows_read,
            used,
            ignored: ignored_rows.len(),
            blank: tables.iter().chain(schedule).map(|t| t.blank_rows).sum(),
        },
        drafts,
        errors: grouped
            .failed
            .iter()
            .map(|f: &FailedLoan| FailedEntry {
                loan_key: f.key.clone(),
                problems: f.problems.iter().map(problem_entry).collect(),
                rows: f.rows.iter().map(row_ref).collect(),
            })
            .collect(),
        ignored_rows,
    }
}

/// Validates the built drafts and gathers every finding; fills the summary's counts.
fn check(grouped: &Grouped, summary: &mut Summary, options: &validate::Options) -> Report {
    let mut report = Report {
        drafts: grouped.loans.len(),
        findings: Vec::new(),
    };
    report.note_stale_cache(options);
    for failed in &grouped.failed {
        report.findings.extend(
            failed
                .problems
                .iter()
                .map(|p| Finding::from_problem(&failed.key, p)),
        );
    }
    let values: Vec<serde_json::Value> = grouped
        .loans
        .iter()
        .map(|l| serde_json::to_value(&l.draft).unwrap_or_default())
        .collect();
    let mut diagnostics: Vec<Vec<validate::Diagnostic>> = values
        .iter()
        .map(|v| validate::check_value(v, options))
        .collect();
    let keyed: Vec<(&str, Vec<String>)> = grouped
        .loans
        .iter()
        .zip(&values)
        .map(|(l, v)| (l.key.as_str(), validate::loan_ids(v)))
        .collect();
    for (i, d) in validate::check_batch(&keyed) {
        diagnostics[i].push(d);
    }
    for ((loan, entry), found) in grouped
        .loans
        .iter()
        .zip(summary.drafts.iter_mut())
        .zip(diagnostics)
    {
        entry.errors = found
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        entry.warnings = found.len() - entry.errors;
        summary.drafts_with_rule_errors += usize::from(entry.errors > 0);
        summary.drafts_with_warnings += usize::from(entry.warnings > 0);
        report.findings.extend(
            found
                .into_iter()
                .map(|d| Finding::from_diagnostic(d, loan, &entry.file)),
        );
    }
    report
}

/// The Status of every input row, for the annotated workbook.
fn statuses(converted: &Converted) -> annotate::Statuses {
    let mut statuses = annotate::Statuses::new();
    for ignored in &converted.summary.ignored_rows {
        statuses
            .entry((ignored.file.clone(), ignored.sheet.clone(), ignored.row))
            .or_default()
            .ignored = Some(ignored.reason.clone());
    }
    for f in &converted.report.findings {
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

/// Reads, groups, validates and summarizes without writing anything.
pub fn convert_in_memory(args: &ConvertArgs) -> Result<Converted, Error> {
    let template = Template::load(&args.template).map_err(Error::Template)?;
    let (tables, schedule) = read_inputs(&template, args)?;
    let mut grouped = group::group(
        &template,
        &tables,
        schedule.as_ref(),
        &group::Options {
            image_limit: args.checks.options.image_limit,
            cache: args.checks.options.cache.as_deref(),
        },
    )
    .map_err(|e| Error::Usage(format!("template '{}': {}", args.template.display(), e.0)))?;
    for loan in &mut grouped.loans {
        group::fill_member_ids(&template, loan);
    }
    let keys: Vec<&str> = grouped.loans.iter().map(|l| l.key.as_str()).collect();
    let files = emit::file_names(&keys);
    let mut summary = summarize(
        &args.template,
        &template,
        &tables,
        schedule.as_ref(),
        &grouped,
        &files,
    );
    let mut all = tables;
    all.extend(schedule);
    if args.annotate.is_none() {
        // The rows are only needed again for the annotated workbook: free them before
        // validation, the largest step after reading.
        for table in &mut all {
            table.rows = Vec::new();
        }
    }
    let report = check(&grouped, &mut summary, &args.checks.options);
    Ok(Converted {
        template,
        tables: all,
        grouped,
        summary,
        report,
    })
}

/// Runs `convert`.
pub fn run(args: &ConvertArgs) -> Result<Outcome, Error> {
    let converted = convert_in_memory(args)?;
    let say = |line: String| {
        if !args.quiet {
            eprintln!("kiva-drafts: {line}");
        }
    };
    for input in &converted.summary.inputs {
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
        say(line);
    }
    let previous = emit::prepare_dir(&args.out, args.force).map_err(Error::Emit)?;
    emit::mark(&args.out).map_err(Error::Emit)?;
    let mut written = HashSet::new();
    for (loan, entry) in converted
        .grouped
        .loans
        .iter()
        .zip(&converted.summary.drafts)
    {
        let path = args.out.join(&entry.file);
        emit::write_draft(&path, loan.draft.to_pretty_json().as_bytes()).map_err(Error::Emit)?;
        written.insert(path);
    }
    emit::remove_stale(&previous, &written).map_err(Error::Emit)?;
    let mut json = serde_json::to_string_pretty(&converted.summary).unwrap_or_default();
    json.push('\n');
    emit::sync_dir(&args.out);
    emit::write_atomic(&args.out.join(emit::SUMMARY), json.as_bytes()).map_err(Error::Emit)?;
    crate::review::write(&args.out, &converted)?;

    for failed in &converted.grouped.failed {
        for p in failed.problems.iter().take(MAX_PROBLEMS_SHOWN) {
            eprintln!("kiva-drafts: error: loan '{}': {p}", failed.key);
        }
        if failed.problems.len() > MAX_PROBLEMS_SHOWN {
            eprintln!(
                "kiva-drafts: error: loan '{}': ... and {} more problems (see summary.json)",
                failed.key,
                failed.problems.len() - MAX_PROBLEMS_SHOWN
            );
        }
    }
    let s = &converted.summary;
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for i in &converted.grouped.ignored {
        *reasons.entry(i.reason.as_str()).or_default() += 1;
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
        let written = Report {
            drafts: converted.report.drafts,
            findings: converted
                .report
                .findings
                .iter()
                .filter(|f| f.file.is_some())
                .cloned()
                .collect(),
        };
        print!("{}", written.terminal());
    }
    report::write_all(&converted.report, &args.checks.reports).map_err(Error::Usage)?;
    if let Some(path) = &args.annotate {
        annotate::write(path, &converted.tables, &statuses(&converted)).map_err(Error::Usage)?;
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
