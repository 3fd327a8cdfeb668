//! Diagnostics for people and machines.
//!
//! A [`Report`] gathers the findings of `convert` or `validate`: the problems that kept
//! loans out, the rule errors and warnings of written drafts, each with the source cells
//! when known. It prints a terminal summary grouped by rule (counts and first examples)
//! and writes JSON or CSV for machines. The annotated workbook lives in [`crate::annotate`].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::group::Loan;
use crate::map::Problem;
use crate::read::Origin;
use crate::validate::{Diagnostic, Severity};

/// How drafts are checked and where reports go (`convert` and `validate`).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--report` files (`.json` or `.csv`).
    pub reports: Vec<std::path::PathBuf>,
    /// Warnings count as failures.
    pub strict: bool,
    pub options: crate::validate::Options,
}

/// A text cell of a CSV file people open in a spreadsheet program (Excel, Calc), which
/// runs a cell that starts with `=`, `+`, `-` or `@` as a formula (CSV injection: an
/// export's cell `=HYPERLINK(...)` would become a live link in the report). Such a cell
/// gets a leading `'`, which both show as text; numbers (`-5`, `+1,234.50`) are left
/// alone.
pub fn spreadsheet_cell(text: &str) -> std::borrow::Cow<'_, str> {
    let risky = match text.as_bytes().first() {
        Some(b'=' | b'@' | b'\t' | b'\r') => true,
        Some(b'+' | b'-') => {
            let rest = &text[1..];
            !(rest.bytes().any(|b| b.is_ascii_digit())
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b".,' ".contains(&b)))
        }
        _ => false,
    };
    if risky {
        format!("'{text}").into()
    } else {
        text.into()
    }
}

/// Writes every requested report.
pub fn write_all(report: &Report, paths: &[std::path::PathBuf]) -> Result<(), String> {
    paths.iter().try_for_each(|p| report.write(p))
}

/// A cell or row of the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceRef {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    pub row: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

impl SourceRef {
    /// The row of a place, without its column.
    pub fn row_of(origin: &Origin) -> SourceRef {
        SourceRef {
            column: None,
            ..SourceRef::from_origin(origin)
        }
    }

    pub fn from_origin(origin: &Origin) -> SourceRef {
        SourceRef {
            file: origin.source.file.clone(),
            sheet: origin.source.sheet.clone(),
            row: origin.row,
            column: origin.column.map(str::to_string),
        }
    }
}

impl std::fmt::Display for SourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_place(
            f,
            &self.file,
            self.sheet.as_deref(),
            self.row,
            self.column.as_deref(),
        )
    }
}

/// A place as messages name it: `file, sheet S, row N, column 'C'`.
pub fn write_place(
    f: &mut std::fmt::Formatter<'_>,
    file: &str,
    sheet: Option<&str>,
    row: usize,
    column: Option<&str>,
) -> std::fmt::Result {
    f.write_str(file)?;
    if let Some(sheet) = sheet {
        write!(f, ", sheet {sheet}")?;
    }
    write!(f, ", row {row}")?;
    if let Some(column) = column {
        write!(f, ", column '{column}'")?;
    }
    Ok(())
}

/// One finding about one draft (or one loan that could not be built).
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The loan key, or the draft file's name when there is no key.
    pub draft: String,
    /// The draft file, when one was written or read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub severity: Severity,
    pub rule: &'static str,
    pub field: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceRef>,
}

impl Finding {
    /// A validation diagnostic on a draft written by `convert`, with its source cells.
    pub fn from_diagnostic(d: Diagnostic, loan: &Loan, file: &str) -> Finding {
        Finding {
            draft: loan.key.clone(),
            file: Some(file.to_string()),
            severity: d.severity,
            rule: d.rule,
            sources: sources_for(&d.field, loan),
            field: d.field,
            message: d.message,
            value: None,
        }
    }

    /// A problem that kept a loan out.
    pub fn from_problem(key: &str, p: &Problem) -> Finding {
        Finding {
            draft: key.to_string(),
            file: None,
            severity: Severity::Error,
            rule: p.rule,
            field: p.origin.column.unwrap_or_default().to_string(),
            message: p.message.clone(),
            value: p.value.clone(),
            sources: vec![SourceRef::from_origin(&p.origin)],
        }
    }

    /// One line for the terminal.
    pub fn line(&self) -> String {
        let mut line = format!("{} '{}': ", self.severity, self.draft);
        if let Some(source) = self.sources.first() {
            let _ = write!(line, "{source}: ");
        } else if !self.field.is_empty() {
            let _ = write!(line, "{}: ", self.field);
        }
        if let Some(value) = &self.value {
            let _ = write!(line, "'{value}' ");
        }
        let _ = write!(line, "{} [{}]", self.message, self.rule);
        line
    }
}

/// The cells a draft field came from: the field itself, its parts (`schedule` ->
/// `schedule[0]`...), or else the loan's first row.
pub fn sources_for(field: &str, loan: &Loan) -> Vec<SourceRef> {
    // `path` is `field` followed by `separator` and more.
    let extends = |path: &str, field: &str, separator: char| {
        path.strip_prefix(field)
            .is_some_and(|rest| rest.starts_with(separator))
    };
    let schedule = field.starts_with("schedule[");
    // A path and `field` match only when one is the other or extends it, so they share
    // their first name: only those paths are written out, into one reused buffer.
    let head = crate::group::path_head(field);
    let mut buffer = String::new();
    let mut matching = |wanted: &dyn Fn(&str) -> bool| -> Vec<SourceRef> {
        loan.fields
            .iter()
            .filter(|(path, _)| {
                if path.head() != head {
                    return false;
                }
                buffer.clear();
                let _ = write!(buffer, "{path}");
                wanted(&buffer)
            })
            .map(|(_, o)| SourceRef::from_origin(o))
            .collect()
    };
    let exact = matching(&|path| path == field || (schedule && extends(field, path, '.')));
    if !exact.is_empty() {
        return exact;
    }
    if !field.is_empty() {
        let parts = matching(&|path| extends(path, field, '[') || extends(path, field, '.'));
        if !parts.is_empty() {
            return parts;
        }
    }
    loan.rows
        .first()
        .map(|o| vec![SourceRef::from_origin(o)])
        .unwrap_or_default()
}

/// The terminal summary of findings, counted as they come (findings of one draft
/// together), without keeping them.
#[derive(Debug, Default)]
pub struct Tally {
    /// Drafts checked.
    pub drafts: usize,
    rules: BTreeMap<(Severity, &'static str), RuleTally>,
    with_errors: rustc_hash::FxHashSet<String>,
    with_warnings: rustc_hash::FxHashSet<String>,
}

#[derive(Debug, Default)]
struct RuleTally {
    findings: usize,
    drafts: usize,
    last_draft: String,
    /// Warnings: the first drafts' names; errors: the first findings' lines.
    examples: Vec<String>,
}

impl Tally {
    pub fn add(&mut self, f: &Finding) {
        self.add_parts(&f.draft, f.severity, f.rule, || f.line());
    }

    /// Counts a finding given by its parts: the draft's name (as in [`Finding::draft`]),
    /// severity, rule, and its [`Finding::line`], made only when it is one of the
    /// examples shown.
    pub fn add_parts(
        &mut self,
        draft: &str,
        severity: Severity,
        rule: &'static str,
        line: impl FnOnce() -> String,
    ) {
        let r = self.rules.entry((severity, rule)).or_default();
        r.findings += 1;
        let new_draft = r.drafts == 0 || r.last_draft != draft;
        if new_draft {
            r.drafts += 1;
            draft.clone_into(&mut r.last_draft);
        }
        match severity {
            Severity::Warning => {
                if new_draft && r.examples.len() <= EXAMPLES {
                    r.examples.push(draft.to_string());
                }
                if !self.with_warnings.contains(draft) {
                    self.with_warnings.insert(draft.to_string());
                }
            }
            Severity::Error => {
                if r.examples.len() < EXAMPLES {
                    r.examples.push(line());
                }
                if !self.with_errors.contains(draft) {
                    self.with_errors.insert(draft.to_string());
                }
            }
        }
    }

    /// Errors then warnings, grouped by rule, with counts and the first examples.
    pub fn terminal(&self) -> String {
        let mut out = String::new();
        for ((severity, rule), r) in &self.rules {
            let plural = if r.drafts == 1 { "" } else { "s" };
            if *severity == Severity::Warning {
                // Warnings are gaps to fill in PA2: which drafts, not every detail.
                let mut names = r
                    .examples
                    .iter()
                    .take(EXAMPLES)
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", ");
                if r.drafts > EXAMPLES {
                    names.push_str(", ...");
                }
                let _ = writeln!(out, "warning {rule}: {} draft{plural} ({names})", r.drafts);
                continue;
            }
            let _ = writeln!(
                out,
                "error {rule}: {} in {} draft{plural}",
                r.findings, r.drafts
            );
            for line in &r.examples {
                let _ = writeln!(out, "  {line}");
            }
            if r.findings > EXAMPLES {
                let _ = writeln!(out, "  ... and {} more", r.findings - EXAMPLES);
            }
        }
        let _ = writeln!(
            out,
            "checked {} draft{}: {} with errors, {} with warnings",
            self.drafts,
            if self.drafts == 1 { "" } else { "s" },
            self.with_errors.len(),
            self.with_warnings.len()
        );
        out
    }
}

/// All findings of a run.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Drafts checked (written or read).
    pub drafts: usize,
    pub findings: Vec<Finding>,
}

/// How many examples the terminal shows per rule.
const EXAMPLES: usize = 3;

impl Report {
    /// Adds a warning when Kiva's lists are older than 30 days.
    pub fn note_stale_cache(&mut self, options: &crate::validate::Options) {
        if let Some(d) = crate::validate::stale_cache(options, chrono::Utc::now()) {
            self.findings.push(Finding {
                draft: "(config cache)".into(),
                file: None,
                severity: d.severity,
                rule: d.rule,
                field: d.field,
                message: d.message,
                value: None,
                sources: Vec::new(),
            });
        }
    }

    /// Drafts (or loans) with at least one error.
    pub fn drafts_with(&self, severity: Severity) -> usize {
        let mut names: Vec<&str> = self
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .map(|f| f.draft.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// The terminal summary: errors then warnings, grouped by rule, with counts and the
    /// first examples.
    pub fn terminal(&self) -> String {
        let mut tally = Tally::default();
        for f in &self.findings {
            tally.add(f);
        }
        tally.drafts = self.drafts;
        tally.terminal()
    }

    /// Writes the report as JSON or CSV, by the file's extension.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let bytes = match ext.as_deref() {
            Some("json") => {
                let mut json = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
                json.push('\n');
                json.into_bytes()
            }
            Some("csv") => self.csv()?,
            _ => {
                return Err(format!(
                    "{}: a report must end in .json or .csv",
                    path.display()
                ));
            }
        };
        crate::emit::write_atomic(path, &bytes).map_err(|e| e.0)
    }

    fn csv(&self) -> Result<Vec<u8>, String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let header = [
            "draft",
            "file",
            "severity",
            "rule",
            "field",
            "message",
            "value",
            "source_file",
            "source_sheet",
            "source_row",
            "source_column",
        ];
        w.write_record(header).map_err(|e| e.to_string())?;
        for f in &self.findings {
            let source = f.sources.first();
            let row = [
                f.draft.as_str(),
                f.file.as_deref().unwrap_or(""),
                &f.severity.to_string(),
                f.rule,
                &f.field,
                &f.message,
                f.value.as_deref().unwrap_or(""),
                source.map_or("", |s| s.file.as_str()),
                source.and_then(|s| s.sheet.as_deref()).unwrap_or(""),
                &source.map(|s| s.row.to_string()).unwrap_or_default(),
                source.and_then(|s| s.column.as_deref()).unwrap_or(""),
            ];
            w.write_record(row.map(spreadsheet_cell).iter().map(AsRef::<str>::as_ref))
                .map_err(|e| e.to_string())?;
        }
        w.into_inner().map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::FieldPath;
    use crate::read::Source;

    #[test]
    fn cells_a_spreadsheet_would_run_are_quoted_and_numbers_are_not() {
        for (text, shown) in [
            (
                "=HYPERLINK(\"http://x\",\"a\")",
                "'=HYPERLINK(\"http://x\",\"a\")",
            ),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("-", "'-"),
            ("\t=1", "'\t=1"),
            ("-5", "-5"),
            ("+1,234.50", "+1,234.50"),
            ("-1 500", "-1 500"),
            ("000245", "000245"),
            ("'31/02/2026' is not a date", "'31/02/2026' is not a date"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_cell(text), shown, "{text}");
        }
    }

    /// The rows of the source cells found for `field` (each field below comes from
    /// its own row).
    fn rows_for(field: &str, loan: &Loan) -> Vec<usize> {
        sources_for(field, loan).iter().map(|s| s.row).collect()
    }

    #[test]
    fn sources_are_the_field_its_parts_or_the_first_row() {
        let source = crate::read::intern::source(Source {
            file: "in.csv".into(),
            sheet: None,
        });
        let at = |row: usize| crate::read::Origin {
            source,
            row,
            column: Some("C"),
        };
        let loan = Loan {
            key: "L1".into(),
            order: 0,
            draft: crate::draft::LoanDraft::default(),
            rows: vec![at(1)],
            fields: vec![
                (FieldPath::Loan("description"), at(2)),
                (FieldPath::Loan("description_language_id"), at(3)),
                (FieldPath::Entrep(0, "first_name"), at(4)),
                (FieldPath::Entrep(1, "first_name"), at(5)),
                (FieldPath::Entrep(1, "amount"), at(6)),
                (FieldPath::NotPictured(1), at(7)),
                (FieldPath::Schedule(0), at(8)),
                (FieldPath::Schedule(3), at(9)),
            ],
            group_of_one: None,
        };
        assert_eq!(rows_for("description", &loan), [2]);
        assert_eq!(rows_for("entreps[1].amount", &loan), [6]);
        assert_eq!(rows_for("entreps[1]", &loan), [5, 6]);
        assert_eq!(rows_for("entreps", &loan), [4, 5, 6]);
        assert_eq!(rows_for("not_pictured", &loan), [7]);
        assert_eq!(rows_for("schedule", &loan), [8, 9]);
        // An installment's amount comes from the installment's row.
        assert_eq!(rows_for("schedule[3].principal", &loan), [9]);
        // Nothing for the field: the loan's first row.
        assert_eq!(rows_for("image", &loan), [1]);
        assert_eq!(rows_for("schedule[1]", &loan), [1]);
        assert_eq!(rows_for("", &loan), [1]);
    }
}
