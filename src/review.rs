//! The review page: the drafts as a coordinator wants to see them.
//!
//! JSON files are right for machines and upload; a coordinator reviewing hundreds of
//! loans wants to look, not read. This module renders one self-contained HTML page
//! (inline CSS and script, no network): a summary, a sortable and filterable table of
//! drafts, and per draft, on demand, its borrowers, schedule and chart, the fields PA2
//! still needs, and each problem with its source cells. `convert` writes it as
//! `DIR/review.html`; `review DIR` rebuilds it from the draft files.
//!
//! The data goes into the page once, as JSON in a `<script type="application/json">`
//! block with `<`, `>` and `&` escaped (no text from an export can close the block), and
//! the page's script builds rows with `textContent`, never `innerHTML`: a borrower named
//! `<script>` is shown as text. A Content-Security-Policy allows only the page's own
//! script and style (by hash), as a second line of defence. Only the expanded draft's
//! details are built, and table rows are built as the table is scrolled (a hundred at a
//! time), so a page of 5,000 drafts opens and filters quickly.
//!
//! The page is built one loan at a time ([`PageWriter`]): each draft's data is written
//! to a temporary file as the loan is finished, only the summary's totals stay in
//! memory, and the page is assembled at the end. [`render`] builds the same page in
//! memory, the same way.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Read as _, Seek as _, SeekFrom, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::convert::Converted;
use crate::draft::{Entrep, LoanDraft, ScheduleItem};
use crate::emit::EmitError;
use crate::money::{self, Money};
use crate::read::Origin;
use crate::report::{Finding, SourceRef};
use crate::validate::{self, Severity};
use crate::{Error, Outcome, validate_cmd};

/// The page's file name in a drafts folder.
pub const PAGE: &str = "review.html";

const STYLE: &str = include_str!("review/page.css");
const SCRIPT: &str = include_str!("review/page.js");

/// The warning rules that are fields to fill in PA2 before it publishes a draft, with
/// the checklist's wording, in the order the page shows them.
pub const CHECKLIST: &[(&str, &str)] = &[
    ("missing-description", "Description (borrower story)"),
    ("missing-loanuse", "Loan use"),
    ("missing-activity", "Activity"),
    ("missing-theme", "Theme"),
    ("missing-location", "Location"),
    ("missing-language", "Description language"),
    ("missing-image", "Photo"),
    ("missing-waiver", "Client waiver signed"),
];

/// Everything the page shows, from a conversion or from a drafts folder.
#[derive(Debug, Clone, Default)]
pub struct ReviewInput {
    /// What the page is about: the converted inputs, or the folder.
    pub title: String,
    /// Lines about where the drafts come from (template, inputs, tool).
    pub about: Vec<String>,
    /// The conversion's row counts, when known.
    pub rows: Option<RowTotals>,
    /// Drafts in export order, then loans that could not be converted.
    pub loans: Vec<LoanEntry>,
}

/// Input rows of the conversion (see `summary.json`'s `rows`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RowTotals {
    pub read: usize,
    pub used: usize,
    pub ignored: usize,
    pub blank: usize,
}

/// One loan: a draft (written or read back), or a loan that could not be converted.
#[derive(Debug, Clone)]
pub struct LoanEntry {
    pub key: String,
    /// The draft file's name; `None` for a loan that was not converted.
    pub file: Option<String>,
    /// The draft as JSON; `None` when not converted or when the file is not JSON.
    pub draft: Option<Value>,
    /// The input rows the loan came from.
    pub rows: Vec<SourceRef>,
    /// Its problems, rule errors and warnings.
    pub findings: Vec<Finding>,
}

impl ReviewInput {
    /// The page of a conversion: its drafts, failed loans and findings with source cells.
    pub fn from_converted(converted: &Converted) -> ReviewInput {
        let mut of_file: HashMap<&str, Vec<Finding>> = HashMap::new();
        let mut of_failed: HashMap<&str, Vec<Finding>> = HashMap::new();
        for f in &converted.report.findings {
            match &f.file {
                Some(file) => of_file.entry(file).or_default().push(f.clone()),
                None => of_failed.entry(&f.draft).or_default().push(f.clone()),
            }
        }
        let mut loans: Vec<LoanEntry> = converted
            .grouped
            .loans
            .iter()
            .zip(&converted.summary.drafts)
            .map(|(loan, entry)| LoanEntry {
                key: loan.key.clone(),
                file: Some(entry.file.clone()),
                draft: serde_json::to_value(&loan.draft).ok(),
                rows: loan.rows.iter().map(SourceRef::row_of).collect(),
                findings: of_file.remove(entry.file.as_str()).unwrap_or_default(),
            })
            .collect();
        loans.extend(converted.grouped.failed.iter().map(|failed| LoanEntry {
            key: failed.key.clone(),
            file: None,
            draft: None,
            rows: failed.rows.iter().map(SourceRef::row_of).collect(),
            findings: of_failed.remove(failed.key.as_str()).unwrap_or_default(),
        }));
        let (title, about) = converted.summary.page_about();
        ReviewInput {
            title,
            about,
            rows: Some(converted.summary.row_totals()),
            loans,
        }
    }

    /// The page of a drafts folder: every draft file checked again (as `validate` does),
    /// with source rows and failed loans from the folder's `summary.json` when present.
    /// Findings carry no source cells here (the drafts do not record them); the page
    /// shows each draft's source rows instead.
    pub fn from_dir(dir: &Path, options: &validate::Options) -> Result<ReviewInput, Error> {
        let meta = std::fs::metadata(dir).map_err(|e| {
            Error::Usage(format!(
                "{}: {}",
                dir.display(),
                crate::read::text::io_message(&e)
            ))
        })?;
        if !meta.is_dir() {
            return Err(Error::Usage(format!(
                "{}: not a folder (review reads a folder of drafts)",
                dir.display()
            )));
        }
        let files = validate_cmd::collect(&[dir.to_path_buf()])?;
        let drafts = validate_cmd::load(&files);
        let report = validate_cmd::check(&drafts, options);
        let mut about = Vec::new();
        let summary = match std::fs::read_to_string(dir.join(crate::emit::SUMMARY)) {
            Ok(text) => match serde_json::from_str::<Value>(&text) {
                Ok(v) => Some(v),
                Err(e) => {
                    about.push(format!(
                        "{} is not valid JSON ({e}); read without it",
                        crate::emit::SUMMARY
                    ));
                    None
                }
            },
            Err(_) => None,
        };
        if drafts.is_empty() && summary.is_none() {
            return Err(Error::Usage(format!(
                "{}: no draft files (*.json) and no {} to review",
                dir.display(),
                crate::emit::SUMMARY
            )));
        }
        let empty = Value::Null;
        let summary_ref = summary.as_ref().unwrap_or(&empty);
        let rows_of: HashMap<&str, Vec<SourceRef>> = summary_ref["drafts"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| Some((d["file"].as_str()?, rows_from(&d["rows"]))))
            .collect();
        let mut of_path: HashMap<String, Vec<Finding>> = HashMap::new();
        for f in report.findings {
            of_path
                .entry(f.file.clone().unwrap_or_default())
                .or_default()
                .push(f);
        }
        let mut loans: Vec<LoanEntry> = drafts
            .iter()
            .map(|d| {
                let name = d
                    .path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let mut findings = of_path
                    .remove(&d.path.display().to_string())
                    .unwrap_or_default();
                for f in &mut findings {
                    f.file = Some(name.clone());
                }
                LoanEntry {
                    key: d.key.clone(),
                    rows: rows_of.get(name.as_str()).cloned().unwrap_or_default(),
                    file: Some(name),
                    draft: d.json.as_ref().ok().cloned(),
                    findings,
                }
            })
            .collect();
        loans.extend(
            summary_ref["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .map(failed_from_summary),
        );
        if let Some(s) = &summary {
            if let Some(t) = s["template"].as_str() {
                about.push(format!("template: {t}"));
            }
            for i in s["inputs"].as_array().into_iter().flatten() {
                let sheet = i["sheet"]
                    .as_str()
                    .map(|s| format!(", sheet {s}"))
                    .unwrap_or_default();
                about.push(format!(
                    "{} input: {}{sheet} (header on row {})",
                    i["role"].as_str().unwrap_or("loans"),
                    i["file"].as_str().unwrap_or("?"),
                    i["header_row"]
                ));
            }
            if let Some(t) = s["tool"].as_str() {
                about.push(format!(
                    "converted by {t}; drafts checked again from the folder"
                ));
            }
        }
        let count = |k: &str| {
            summary_ref["rows"][k]
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
        };
        let rows = match (
            count("read"),
            count("used"),
            count("ignored"),
            count("blank"),
        ) {
            (Some(read), Some(used), Some(ignored), blank) => Some(RowTotals {
                read,
                used,
                ignored,
                blank: blank.unwrap_or(0),
            }),
            _ => None,
        };
        Ok(ReviewInput {
            title: dir.display().to_string(),
            about,
            rows,
            loans,
        })
    }
}

/// Source rows from `summary.json`: ranges `[{file, sheet, from, to}]`, or single rows
/// `[{file, sheet, row, column}]` (problems, and summaries of earlier versions).
fn rows_from(rows: &Value) -> Vec<SourceRef> {
    let mut out = Vec::new();
    for r in rows.as_array().into_iter().flatten() {
        let Some(file) = r["file"].as_str() else {
            continue;
        };
        let number = |key: &str| r[key].as_u64().and_then(|n| usize::try_from(n).ok());
        let (from, to) = match (number("row"), number("from"), number("to")) {
            (Some(row), _, _) => (row, row),
            (None, Some(from), Some(to)) if from <= to => (from, to),
            _ => continue,
        };
        out.extend((from..=to).map(|row| SourceRef {
            file: file.to_string(),
            sheet: r["sheet"].as_str().map(str::to_string),
            row,
            column: r["column"].as_str().map(str::to_string),
        }));
    }
    out
}

/// A loan that `convert` could not build, from `summary.json`'s `errors`.
fn failed_from_summary(entry: &Value) -> LoanEntry {
    let key = entry["loan_key"].as_str().unwrap_or_default().to_string();
    let findings = entry["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let rule = p["rule"]
                .as_str()
                .and_then(|r| validate::RULES.iter().find(|(id, _, _)| *id == r))
                .map_or("input-value", |(id, _, _)| *id);
            Finding {
                draft: key.clone(),
                file: None,
                severity: Severity::Error,
                rule,
                field: p["column"].as_str().unwrap_or_default().to_string(),
                message: p["message"].as_str().unwrap_or_default().to_string(),
                value: p["value"].as_str().map(str::to_string),
                sources: rows_from(&Value::Array(vec![p.clone()])),
            }
        })
        .collect();
    LoanEntry {
        key,
        file: None,
        draft: None,
        rows: rows_from(&entry["rows"]),
        findings,
    }
}

/// Runs `review DIR`: rebuilds `DIR/review.html` from the draft files. The page is a
/// view, not a check: it is written (exit 0) whatever the drafts' findings.
pub fn run(dir: &Path, options: &validate::Options, quiet: bool) -> Result<Outcome, Error> {
    let input = ReviewInput::from_dir(dir, options)?;
    let s = write_input(dir, &input)?;
    if !quiet {
        let path = dir.join(PAGE);
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut line = format!("wrote {} ({}", path.display(), plural(s.drafts, "draft"));
        if s.not_converted > 0 {
            line.push_str(&format!(
                ", {} not converted",
                plural(s.not_converted, "loan")
            ));
        }
        println!(
            "{line}; {} with errors, {} with warnings only)",
            s.errors, s.warnings
        );
    }
    Ok(Outcome::Success)
}

/// Writes `DIR/review.html` for a conversion (called by `convert` after the drafts).
pub fn write(dir: &Path, converted: &Converted) -> Result<(), Error> {
    write_input(dir, &ReviewInput::from_converted(converted)).map(|_| ())
}

/// Writes the page of loans already in memory through a [`PageWriter`], so that there is
/// one way a page is built, whether its loans come at once or one by one.
fn write_input(dir: &Path, input: &ReviewInput) -> Result<PageCounts, Error> {
    let mut page = PageWriter::new(dir)?;
    for (order, entry) in input.loans.iter().enumerate() {
        page.add(order, entry)?;
    }
    page.finish(&input.title, &input.about, input.rows)
}

/// The temporary file of a [`PageWriter`] in the drafts folder. Hidden and not `*.json`,
/// so `validate`, `review` and `upload` never take it for a draft; one fixed name, so a
/// run that was killed before it could remove the file leaves no more than one, which
/// the next run replaces.
const PARTS: &str = ".review.html.parts";

/// Buffer size of the temporary file and of the page: a draft's data is a few KB.
const BUFFER: usize = 64 * 1024;

/// What the page says in its summary (for the `review` command's one-line output and
/// tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageCounts {
    /// Draft files, including unreadable ones.
    pub drafts: usize,
    /// Loans that could not be converted (no draft).
    pub not_converted: usize,
    /// Loans (drafts and not converted) by status.
    pub ok: usize,
    pub warnings: usize,
    pub errors: usize,
}

/// Builds a review page one loan at a time. Per-draft data goes to a temporary file in
/// the drafts folder; only the page's totals stay in memory.
///
/// A conversion of 1.5 million rows makes some 48,000 drafts and a page of hundreds of
/// MB; `convert` finishes its loans one at a time and never holds them all, and neither
/// does the page. Each draft's data is written once, as the JSON the page embeds, and
/// copied into the page by [`PageWriter::finish`] in the loans' order, whatever order
/// they were added in. The summary, which comes first in the page, needs every loan:
/// it is made from the totals, which is why nothing is written before `finish`.
///
/// After an error from [`PageWriter::add`] the page cannot be finished (the temporary
/// file may hold part of a draft): drop the writer, which removes its temporary file, as
/// it does whenever the writer is dropped without `finish`.
pub struct PageWriter {
    dir: PathBuf,
    page: Page,
}

impl PageWriter {
    /// Starts a page for the folder `dir` (the temporary file, `.review.html.parts`, goes
    /// there).
    pub fn new(dir: &Path) -> Result<PageWriter, Error> {
        let path = dir.join(PARTS);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(|e| io_error(&path, "create", &e))?;
        Ok(PageWriter {
            dir: dir.to_path_buf(),
            page: Page::new(Store::File(PartsFile {
                path,
                writer: Some(BufWriter::with_capacity(BUFFER, file)),
                len: 0,
            })),
        })
    }

    /// Adds one loan. `order` is its place in the page (ascending); loans may arrive in
    /// any order (e.g. 7, 2, 9) and the page lists them sorted by `order` (loans with the
    /// same `order` in the order they were added).
    pub fn add(&mut self, order: usize, entry: &LoanEntry) -> Result<(), Error> {
        self.page
            .add(order, entry)
            .map_err(|e| io_error(&self.dir.join(PARTS), "write", &e))
    }

    /// Adds one draft of a conversion, as [`PageWriter::add`] adds a [`LoanEntry`] whose
    /// `draft` is the typed draft's JSON (the page is the same), without building that
    /// JSON or copying the source rows.
    pub fn add_draft(&mut self, order: usize, view: &DraftView<'_>) -> Result<(), Error> {
        self.page
            .add_draft(order, view)
            .map_err(|e| io_error(&self.dir.join(PARTS), "write", &e))
    }

    /// Writes `dir/review.html` atomically (a temporary file renamed into place, as
    /// [`crate::emit::write_atomic`] does, but written as it goes rather than built as
    /// one string), removes the temporary file of the drafts' data, and returns the
    /// page's counts.
    pub fn finish(
        mut self,
        title: &str,
        about: &[String],
        rows: Option<RowTotals>,
    ) -> Result<PageCounts, Error> {
        let path = self.dir.join(PAGE);
        if self.page.broken {
            return Err(Error::Emit(EmitError(format!(
                "{}: not written: the data of a draft could not be written to {}",
                path.display(),
                self.dir.join(PARTS).display()
            ))));
        }
        let tmp = self.dir.join(format!(".{PAGE}.{}.tmp", std::process::id()));
        let page = &mut self.page;
        let written = (|| -> std::io::Result<()> {
            let mut out = BufWriter::with_capacity(BUFFER, File::create(&tmp)?);
            page.write(&mut out, title, about, rows)?;
            let file = out
                .into_inner()
                .map_err(std::io::IntoInnerError::into_error)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(io_error(&path, "write", &e));
        }
        let counts = self.page.tally.counts();
        // Dropping the writer removes the temporary file.
        drop(self);
        Ok(counts)
    }
}

fn io_error(path: &Path, what: &str, e: &std::io::Error) -> Error {
    Error::Emit(EmitError(format!(
        "{}: cannot {what}: {}",
        path.display(),
        crate::read::text::io_message(e)
    )))
}

/// A page being built: its totals, and where each draft's data is in the store.
struct Page {
    tally: Tally,
    chunks: Vec<Chunk>,
    store: Store,
    /// Set when a draft could not be written: the store may hold part of it.
    broken: bool,
    /// Reused for every draft: its JSON, escaped for the script block.
    json: Vec<u8>,
}

/// One draft's data in the store: `len` bytes at `offset`, a JSON value written by
/// [`write_script_json`].
#[derive(Debug, Clone, Copy)]
struct Chunk {
    order: usize,
    offset: u64,
    len: usize,
}

/// Where the drafts' data waits for the page: a temporary file in the drafts folder
/// ([`PageWriter`]), or memory ([`render`], whose page is a string anyway).
enum Store {
    Memory(Vec<u8>),
    File(PartsFile),
}

/// The temporary file of a [`PageWriter`], removed when dropped: after `finish`, on an
/// error, or when the writer is dropped without `finish`.
struct PartsFile {
    path: PathBuf,
    /// Always there until dropped (taken out to close the file before removing it).
    writer: Option<BufWriter<File>>,
    /// Bytes written so far: the next draft's offset.
    len: u64,
}

impl PartsFile {
    fn writer(&mut self) -> std::io::Result<&mut BufWriter<File>> {
        self.writer
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the temporary file is closed"))
    }
}

impl Drop for PartsFile {
    fn drop(&mut self) {
        // Closed without flushing what is buffered: the file is removed anyway, and
        // Windows removes a file only once it is closed.
        if let Some(writer) = self.writer.take() {
            drop(writer.into_parts());
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Page {
    fn new(store: Store) -> Page {
        Page {
            tally: Tally::default(),
            chunks: Vec::new(),
            store,
            broken: false,
            json: Vec::new(),
        }
    }

    /// Adds a loan: its data to the store, then to the totals (so a loan that could not
    /// be written is not counted).
    fn add(&mut self, order: usize, entry: &LoanEntry) -> std::io::Result<()> {
        if self.broken {
            return Err(std::io::Error::other(
                "an earlier draft could not be written",
            ));
        }
        let data = draft_data(entry);
        let findings = entry.findings.iter().map(|f| (f.severity, f.rule));
        self.add_data(order, &data, entry.file.is_some(), findings)
    }

    /// Adds a draft of a conversion, from the typed draft (no JSON value is built).
    fn add_draft(&mut self, order: usize, view: &DraftView<'_>) -> std::io::Result<()> {
        if self.broken {
            return Err(std::io::Error::other(
                "an earlier draft could not be written",
            ));
        }
        let data = typed_draft_data(view);
        let findings = view.findings.iter().map(|f| (f.severity, f.rule));
        self.add_data(order, &data, true, findings)
    }

    /// Writes a loan's data to the store, then adds it to the totals: `converted` when
    /// it is a draft file, `findings` the severity and rule of each of its findings.
    fn add_data(
        &mut self,
        order: usize,
        data: &DraftData<'_>,
        converted: bool,
        findings: impl Iterator<Item = (Severity, &'static str)>,
    ) -> std::io::Result<()> {
        let (offset, len) = match &mut self.store {
            Store::Memory(bytes) => {
                let start = bytes.len();
                write_draft_data(bytes, data);
                (start as u64, bytes.len() - start)
            }
            Store::File(parts) => {
                self.json.clear();
                write_draft_data(&mut self.json, data);
                let offset = parts.len;
                if let Err(e) = parts.writer().and_then(|w| w.write_all(&self.json)) {
                    self.broken = true;
                    return Err(e);
                }
                parts.len += self.json.len() as u64;
                (offset, self.json.len())
            }
        };
        self.chunks.push(Chunk { order, offset, len });
        self.tally.add(converted, data, findings);
        Ok(())
    }

    /// Writes the page: the summary from the totals, then the data block, its fields and
    /// then the drafts copied from the store in the loans' order.
    fn write(
        &mut self,
        out: &mut impl Write,
        title: &str,
        about: &[String],
        rows: Option<RowTotals>,
    ) -> std::io::Result<()> {
        let rules: BTreeMap<&'static str, &'static str> = validate::RULES
            .iter()
            .filter(|(rule, _, _)| self.tally.rules.keys().any(|(_, r)| r == rule))
            .map(|(rule, _, description)| (*rule, *description))
            .collect();
        let summary = self.tally.summary(rows);
        out.write_all(page_top(title, about, &summary, &rules).as_bytes())?;
        let head = script_json(&PageHead {
            title,
            currencies: &self.tally.currencies,
            checklist: CHECKLIST
                .iter()
                .map(|(rule, label)| ChecklistItem { rule, label })
                .collect(),
            rules: &rules,
            summary: &summary,
        });
        // `drafts` is the last field: the object's closing brace comes after it.
        match head.strip_suffix('}') {
            Some(fields) => {
                out.write_all(fields.as_bytes())?;
                out.write_all(b",\"drafts\":[")?;
            }
            None => out.write_all(b"{\"drafts\":[")?,
        }
        self.chunks.sort_by_key(|c| c.order);
        copy_chunks(&mut self.store, &self.chunks, &mut self.json, out)?;
        write!(
            out,
            "]}}</script>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
        )
    }
}

/// Copies the drafts' data from the store to the page, comma-separated, in the order of
/// `chunks`. The file is read one draft at a time, seeking only when the next draft is
/// not the one that follows in the file (loans added out of order).
fn copy_chunks(
    store: &mut Store,
    chunks: &[Chunk],
    buffer: &mut Vec<u8>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    match store {
        Store::Memory(bytes) => {
            for (i, c) in chunks.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                let chunk = usize::try_from(c.offset)
                    .ok()
                    .and_then(|start| bytes.get(start..start.checked_add(c.len)?))
                    .ok_or_else(|| std::io::Error::other("a draft's data is missing"))?;
                out.write_all(chunk)?;
            }
        }
        Store::File(parts) => {
            let writer = parts.writer()?;
            writer.flush()?;
            let mut file: &File = writer.get_ref();
            file.seek(SeekFrom::Start(0))?;
            // Read in large blocks: drafts in file order (the usual case) need no seek.
            let mut file = std::io::BufReader::with_capacity(BUFFER, file);
            let mut at = Some(0);
            for (i, c) in chunks.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                if at != Some(c.offset) {
                    file.seek(SeekFrom::Start(c.offset))?;
                }
                buffer.resize(c.len, 0);
                file.read_exact(buffer)?;
                out.write_all(buffer)?;
                at = Some(c.offset + c.len as u64);
            }
        }
    }
    Ok(())
}

/// The page's data, embedded as JSON: these fields, then `drafts`, spliced in by
/// [`Page::write`] (last, so the drafts are copied into the page and never held as one
/// value).
#[derive(Debug, Serialize)]
struct PageHead<'a> {
    title: &'a str,
    /// Minor units of the currencies in the page, for formatting amounts.
    currencies: &'a BTreeMap<String, u32>,
    checklist: Vec<ChecklistItem>,
    /// Descriptions of the rules found.
    rules: &'a BTreeMap<&'static str, &'static str>,
    summary: &'a SummaryData<'a>,
}

#[derive(Debug, Serialize)]
struct ChecklistItem {
    rule: &'static str,
    label: &'static str,
}

#[derive(Debug, Serialize)]
struct SummaryData<'a> {
    /// Draft files (written or read), including unreadable ones.
    drafts: usize,
    individual: usize,
    group: usize,
    /// Loans that could not be converted (no draft).
    not_converted: usize,
    borrowers: usize,
    /// Amounts per currency, drafts only.
    totals: &'a BTreeMap<String, Money>,
    /// Loans (drafts and not converted) by status.
    ok: usize,
    warnings: usize,
    errors: usize,
    rules: Vec<RuleCount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rows: Option<RowTotals>,
}

#[derive(Debug, Serialize)]
struct RuleCount {
    rule: &'static str,
    severity: Severity,
    findings: usize,
    /// Loans concerned.
    loans: usize,
}

/// A draft of a conversion as [`PageWriter::add_draft`] takes it: borrowed from the
/// conversion's loan, its file name and its findings.
pub struct DraftView<'a> {
    pub key: &'a str,
    pub file: &'a str,
    pub draft: &'a LoanDraft,
    /// The input rows the loan came from.
    pub rows: &'a [Origin],
    /// Its rule errors and warnings (the source cells are only shown for those not in
    /// [`CHECKLIST`]).
    pub findings: &'a [FindingData<'a>],
}

#[derive(Debug, Serialize)]
struct DraftData<'a> {
    key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    /// `individual`, `group`, `not converted` or `unreadable`.
    kind: &'static str,
    /// `ok`, `warnings` or `errors`.
    status: &'static str,
    errors: usize,
    warnings: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    currency: Option<Cow<'a, str>>,
    amount: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disbursed: Option<Cow<'a, str>>,
    installments: usize,
    interest: Option<Money>,
    borrowers: Borrowers<'a>,
    /// Loan fields to show (present ones only), by API name.
    fields: Fields<'a>,
    /// Installments as `[date, principal, interest]`, values as in the draft.
    schedule: Schedule<'a>,
    /// Checklist rules this draft breaks (fields still to fill in PA2).
    missing: Vec<&'static str>,
    /// The other findings.
    findings: Vec<FindingData<'a>>,
    rows: Vec<RowRange<'a>>,
}

/// A value of the draft as the page's data holds it: from a draft's JSON, or from a
/// typed draft, written as its JSON would be.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(untagged)]
enum Json<'a> {
    Value(&'a Value),
    Money(Money),
    Null,
}

/// A draft's borrowers: built from a draft's JSON, or a typed draft's, each written as
/// it is serialized (nothing built per draft).
#[derive(Debug)]
enum Borrowers<'a> {
    Built(Vec<BorrowerData<'a>>),
    Typed {
        entreps: &'a [Entrep],
        not_pictured: Option<&'a [bool]>,
    },
}

impl Borrowers<'_> {
    fn len(&self) -> usize {
        match self {
            Borrowers::Built(list) => list.len(),
            Borrowers::Typed { entreps, .. } => entreps.len(),
        }
    }
}

impl Borrowers<'_> {
    /// Calls `f` with each borrower's data, in order (a typed draft's made as it goes,
    /// the names joined in one buffer), until `f` fails.
    fn try_each<E>(&self, mut f: impl FnMut(&BorrowerData<'_>) -> Result<(), E>) -> Result<(), E> {
        let (entreps, not_pictured) = match self {
            Borrowers::Built(list) => return list.iter().try_for_each(f),
            Borrowers::Typed {
                entreps,
                not_pictured,
            } => (entreps, not_pictured),
        };
        let mut buffer = String::new();
        for (i, e) in entreps.iter().enumerate() {
            f(&BorrowerData {
                name: Cow::Borrowed(join_name(
                    e.first_name.as_deref(),
                    e.last_name.as_deref(),
                    &mut buffer,
                )),
                gender: e.gender.as_deref().map(Cow::Borrowed),
                client_id: e.client_id.as_deref().map(Cow::Borrowed),
                loan_id: e.loan_id.as_deref().map(Cow::Borrowed),
                amount: e.amount.map_or(Json::Null, Json::Money),
                pictured: not_pictured.and_then(|list| list.get(i)).map(|not| !not),
            })?;
        }
        Ok(())
    }
}

impl Serialize for Borrowers<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let mut seq = serializer.serialize_seq(Some(self.len()))?;
        self.try_each(|b| seq.serialize_element(b))?;
        seq.end()
    }
}

/// A draft's installments: built from a draft's JSON, or a typed draft's, each written
/// as `[date, principal, interest]` as it is serialized (nothing built per draft).
#[derive(Debug)]
enum Schedule<'a> {
    Built(Vec<[Json<'a>; 3]>),
    Typed(&'a [ScheduleItem]),
}

impl Serialize for Schedule<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Schedule::Built(list) => list.serialize(serializer),
            // A tuple is written as an array, as `[Json; 3]` is.
            Schedule::Typed(items) => serializer.collect_seq(
                items
                    .iter()
                    .map(|i| (i.date.as_str(), i.principal, i.interest)),
            ),
        }
    }
}

/// The loan fields the detail view shows, those present only. Declared in the order of
/// their names, which is the order of the keys in the page's data (that of a map
/// sorted by key), without building a map per draft.
#[derive(Debug, Default, Serialize)]
struct Fields<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    activity_id: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_waiver_signed: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description_language_id: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_name: Option<Cow<'a, str>>,
    /// What the page shows of the image ([`image_note`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    internal_client_id: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    internal_loan_id: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    loanuse: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    theme_type_id: Option<Cow<'a, str>>,
}

#[derive(Debug, Serialize)]
struct BorrowerData<'a> {
    /// First and last name, either or both (as [`full_name`] joins them).
    name: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gender: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    loan_id: Option<Cow<'a, str>>,
    amount: Json<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pictured: Option<bool>,
}

/// A finding as the page shows it (borrowed from a [`Finding`], or from a diagnostic
/// and its source cells).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct FindingData<'a> {
    pub severity: Severity,
    pub rule: &'static str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub field: &'a str,
    pub message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub sources: &'a [SourceRef],
}

impl<'a> FindingData<'a> {
    pub fn of(f: &'a Finding) -> FindingData<'a> {
        FindingData {
            severity: f.severity,
            rule: f.rule,
            field: &f.field,
            message: &f.message,
            value: f.value.as_deref(),
            sources: &f.sources,
        }
    }
}

/// Whether the page lists a rule's findings as fields to fill in PA2 (without their
/// messages and source cells).
pub fn is_checklist(rule: &str) -> bool {
    CHECKLIST.iter().any(|(r, _)| *r == rule)
}

/// Consecutive rows of one sheet, `from..=to`: in the page's data and in
/// `summary.json`.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub(crate) struct RowRange<'a> {
    pub file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sheet: Option<&'a str>,
    pub from: usize,
    pub to: usize,
}

/// A JSON value as display text: strings as they are, other values as JSON.
fn text(v: Option<&Value>) -> Option<Cow<'_, str>> {
    match v? {
        Value::Null => None,
        Value::String(s) => Some(Cow::Borrowed(s)),
        other => Some(Cow::Owned(other.to_string())),
    }
}

/// A JSON number as an exact decimal.
fn decimal(v: &Value) -> Option<Decimal> {
    let Value::Number(n) = v else { return None };
    let s = n.to_string();
    Decimal::from_str_exact(&s)
        .or_else(|_| Decimal::from_scientific(&s))
        .ok()
}

/// The sum of the values, when every one is a number.
fn sum<'a>(values: impl Iterator<Item = Option<&'a Value>>) -> Option<Money> {
    values
        .map(|v| v.and_then(decimal))
        .sum::<Option<Decimal>>()
        .map(|d| Money(d.normalize()))
}

/// Source rows, `(file, sheet, row)`, collapsed into ranges per file and sheet (first
/// seen first).
fn row_ranges<'a>(
    rows: impl Iterator<Item = (&'a str, Option<&'a str>, usize)>,
) -> Vec<RowRange<'a>> {
    type Sheet<'a> = (&'a str, Option<&'a str>);
    let mut sheets: Vec<(Sheet<'a>, Vec<usize>)> = Vec::new();
    for (file, sheet, row) in rows {
        let at = (file, sheet);
        match sheets.iter_mut().find(|(k, _)| *k == at) {
            Some((_, list)) => list.push(row),
            None => sheets.push((at, vec![row])),
        }
    }
    let mut out = Vec::new();
    for ((file, sheet), mut list) in sheets {
        list.sort_unstable();
        list.dedup();
        for row in list {
            match out.last_mut() {
                Some(RowRange {
                    file: f,
                    sheet: s,
                    to,
                    ..
                }) if *f == file && *s == sheet && *to + 1 == row => *to = row,
                _ => out.push(RowRange {
                    file,
                    sheet,
                    from: row,
                    to: row,
                }),
            }
        }
    }
    out
}

/// [`row_ranges`] of a loan's input rows. A loan's rows mostly come from one sheet,
/// in order: then the ranges are made as the rows come, without sorting them by sheet.
fn origin_ranges(rows: &[Origin]) -> Vec<RowRange<'_>> {
    let Some(first) = rows.first() else {
        return Vec::new();
    };
    let in_order = rows.windows(2).all(|w| w[0].row <= w[1].row)
        && rows
            .iter()
            .all(|o| std::sync::Arc::ptr_eq(&o.source, &first.source));
    if !in_order {
        return row_ranges(
            rows.iter()
                .map(|o| (o.source.file.as_str(), o.source.sheet.as_deref(), o.row)),
        );
    }
    let (file, sheet) = (first.source.file.as_str(), first.source.sheet.as_deref());
    let mut out: Vec<RowRange<'_>> = Vec::new();
    for o in rows {
        match out.last_mut() {
            // The same row twice (several installments on one row) counts once.
            Some(range) if o.row <= range.to + 1 => range.to = o.row.max(range.to),
            _ => out.push(RowRange {
                file,
                sheet,
                from: o.row,
                to: o.row,
            }),
        }
    }
    out
}

/// What the page shows of an image (`image_encoded`, else `image_url`, when text): its
/// kind and size, not the data.
fn image_note(encoded: Option<&str>, url: Option<&str>) -> Option<String> {
    if let Some(uri) = encoded {
        let data = uri.split_once(',').map_or("", |(_, d)| d);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .ok();
        return Some(match bytes {
            Some(b) => format!(
                "{} image, {} KB",
                validate::image_kind(&b).unwrap_or("unknown"),
                b.len().div_ceil(1024)
            ),
            None => "image_encoded (not readable)".to_string(),
        });
    }
    url.map(|u| format!("image_url {u}"))
}

/// The data of a loan, its draft aside: status and findings, source rows.
fn loan_data<'a>(
    key: &'a str,
    file: Option<&'a str>,
    all: impl Iterator<Item = FindingData<'a>>,
    rows: Vec<RowRange<'a>>,
) -> DraftData<'a> {
    let mut errors = 0;
    let mut warnings = 0;
    let mut missing = Vec::new();
    let mut findings = Vec::new();
    for f in all {
        match f.severity {
            Severity::Error => errors += 1,
            Severity::Warning => warnings += 1,
        }
        match CHECKLIST.iter().find(|(rule, _)| *rule == f.rule) {
            Some((rule, _)) => missing.push(*rule),
            None => findings.push(f),
        }
    }
    let status = if errors > 0 {
        "errors"
    } else if warnings > 0 {
        "warnings"
    } else {
        "ok"
    };
    DraftData {
        key,
        file,
        kind: if file.is_some() {
            "unreadable"
        } else {
            "not converted"
        },
        status,
        errors,
        warnings,
        currency: None,
        amount: None,
        disbursed: None,
        installments: 0,
        interest: None,
        borrowers: Borrowers::Built(Vec::new()),
        fields: Fields::default(),
        schedule: Schedule::Built(Vec::new()),
        missing,
        findings,
        rows,
    }
}

fn draft_data(entry: &LoanEntry) -> DraftData<'_> {
    let rows = entry
        .rows
        .iter()
        .map(|r| (r.file.as_str(), r.sheet.as_deref(), r.row));
    let mut data = loan_data(
        &entry.key,
        entry.file.as_deref(),
        entry.findings.iter().map(FindingData::of),
        row_ranges(rows),
    );
    let Some(obj) = entry.draft.as_ref().and_then(Value::as_object) else {
        return data;
    };
    let entreps: &[Value] = obj
        .get("entreps")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let not_pictured = obj.get("not_pictured").and_then(Value::as_array);
    let schedule: &[Value] = obj
        .get("schedule")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    data.kind = if entreps.len() > 1 {
        "group"
    } else {
        "individual"
    };
    data.currency = text(obj.get("currency"));
    data.disbursed = text(obj.get("disburse_time"));
    data.amount = if entreps.is_empty() {
        None
    } else {
        sum(entreps.iter().map(|e| e.get("amount")))
    };
    data.installments = schedule.len();
    data.interest = if schedule.is_empty() {
        None
    } else {
        sum(schedule.iter().map(|i| i.get("interest")))
    };
    data.borrowers = Borrowers::Built(
        entreps
            .iter()
            .enumerate()
            .map(|(i, e)| BorrowerData {
                name: Cow::Owned(full_name(
                    text(e.get("first_name")).as_deref(),
                    text(e.get("last_name")).as_deref(),
                )),
                gender: text(e.get("gender")),
                client_id: text(e.get("client_id")),
                loan_id: text(e.get("loan_id")),
                amount: e.get("amount").map_or(Json::Null, Json::Value),
                pictured: not_pictured
                    .and_then(|list| list.get(i))
                    .and_then(Value::as_bool)
                    .map(|not| !not),
            })
            .collect(),
    );
    let field = |name: &str| text(obj.get(name));
    let image = image_note(
        obj.get("image_encoded").and_then(Value::as_str),
        obj.get("image_url").and_then(Value::as_str),
    );
    data.fields = Fields {
        activity_id: field("activity_id"),
        client_waiver_signed: field("client_waiver_signed"),
        description: field("description"),
        description_language_id: field("description_language_id"),
        group_name: field("group_name"),
        image: image.map(Cow::Owned),
        internal_client_id: field("internal_client_id"),
        internal_loan_id: field("internal_loan_id"),
        loanuse: field("loanuse"),
        location: field("location"),
        theme_type_id: field("theme_type_id"),
    };
    data.schedule = Schedule::Built(
        schedule
            .iter()
            .map(|i| {
                let get = |k: &str| i.get(k).map_or(Json::Null, Json::Value);
                [get("date"), get("principal"), get("interest")]
            })
            .collect(),
    );
    data
}

/// A borrower's name as the page shows it: first and last name, either or both.
fn full_name(first: Option<&str>, last: Option<&str>) -> String {
    join_name(first, last, &mut String::new()).to_string()
}

/// [`full_name`], a name in two parts joined in `buffer` (reused for every borrower of
/// a draft), a name in one part borrowed as it is.
fn join_name<'a>(first: Option<&'a str>, last: Option<&'a str>, buffer: &'a mut String) -> &'a str {
    match (first, last) {
        (Some(first), Some(last)) => {
            buffer.clear();
            buffer.extend([first, " ", last]);
            buffer
        }
        (first, last) => first.or(last).unwrap_or_default(),
    }
}

/// The sum of amounts as the draft's JSON holds them, when every one is there.
fn sum_money(amounts: impl Iterator<Item = Option<Money>>) -> Option<Money> {
    amounts
        .map(|m| m.and_then(Money::json_decimal))
        .sum::<Option<Decimal>>()
        .map(|d| Money(d.normalize()))
}

/// [`draft_data`] of a typed draft: the data its JSON would give.
fn typed_draft_data<'a>(view: &DraftView<'a>) -> DraftData<'a> {
    let mut data = loan_data(
        view.key,
        Some(view.file),
        view.findings.iter().copied(),
        origin_ranges(view.rows),
    );
    let d = view.draft;
    let borrowed = |s: &'a Option<String>| s.as_deref().map(Cow::Borrowed);
    data.kind = if d.entreps.len() > 1 {
        "group"
    } else {
        "individual"
    };
    data.currency = borrowed(&d.currency);
    data.disbursed = borrowed(&d.disburse_time);
    data.amount = if d.entreps.is_empty() {
        None
    } else {
        sum_money(d.entreps.iter().map(|e| e.amount))
    };
    data.installments = d.schedule.len();
    data.interest = if d.schedule.is_empty() {
        None
    } else {
        sum_money(d.schedule.iter().map(|i| Some(i.interest)))
    };
    data.borrowers = Borrowers::Typed {
        entreps: &d.entreps,
        not_pictured: d.not_pictured.as_deref(),
    };
    let number = |n: Option<u64>| n.map(|n| Cow::Owned(n.to_string()));
    data.fields = Fields {
        activity_id: number(d.activity_id),
        client_waiver_signed: d
            .client_waiver_signed
            .map(|b| Cow::Borrowed(if b { "true" } else { "false" })),
        description: borrowed(&d.description),
        description_language_id: number(d.description_language_id),
        group_name: borrowed(&d.group_name),
        image: image_note(d.image_encoded.as_deref(), d.image_url.as_deref()).map(Cow::Owned),
        internal_client_id: borrowed(&d.internal_client_id),
        internal_loan_id: borrowed(&d.internal_loan_id),
        loanuse: borrowed(&d.loanuse),
        location: borrowed(&d.location),
        theme_type_id: number(d.theme_type_id),
    };
    data.schedule = Schedule::Typed(&d.schedule);
    data
}

/// The page's totals, fed one loan at a time: what the summary needs, and nothing that
/// grows with the number of loans (only with the currencies and rules found).
#[derive(Debug, Default)]
struct Tally {
    /// Loans added, which numbers them for `rules`.
    loans: usize,
    drafts: usize,
    not_converted: usize,
    individual: usize,
    group: usize,
    borrowers: usize,
    ok: usize,
    warnings: usize,
    errors: usize,
    totals: BTreeMap<String, Money>,
    currencies: BTreeMap<String, u32>,
    rules: BTreeMap<(Severity, &'static str), RuleTally>,
}

#[derive(Debug)]
struct RuleTally {
    findings: usize,
    loans: usize,
    /// The last loan counted in `loans`: a loan with the same finding twice (two
    /// borrowers without a gender) counts once.
    last: usize,
}

impl Tally {
    /// Counts a loan: `converted` when it is a draft file, `findings` the severity and
    /// rule of each of its findings.
    fn add(
        &mut self,
        converted: bool,
        d: &DraftData<'_>,
        findings: impl Iterator<Item = (Severity, &'static str)>,
    ) {
        let loan = self.loans;
        self.loans += 1;
        if converted {
            self.drafts += 1;
        } else {
            self.not_converted += 1;
        }
        match d.kind {
            "individual" => self.individual += 1,
            "group" => self.group += 1,
            _ => {}
        }
        self.borrowers += d.borrowers.len();
        match d.status {
            "ok" => self.ok += 1,
            "warnings" => self.warnings += 1,
            _ => self.errors += 1,
        }
        if let Some(code) = d.currency.as_deref()
            && !self.currencies.contains_key(code)
            && let Some(units) = money::minor_units(code)
        {
            self.currencies.insert(code.to_string(), units);
        }
        if matches!(d.kind, "individual" | "group") {
            let amount = d.amount.unwrap_or_default();
            let currency = d.currency.as_deref().unwrap_or("(no currency)");
            match self.totals.get_mut(currency) {
                Some(total) => *total += amount,
                None => {
                    self.totals
                        .insert(currency.to_string(), Money::default() + amount);
                }
            }
        }
        for (severity, rule) in findings {
            let rule = self.rules.entry((severity, rule)).or_insert(RuleTally {
                findings: 0,
                loans: 0,
                last: usize::MAX,
            });
            rule.findings += 1;
            if rule.last != loan {
                rule.last = loan;
                rule.loans += 1;
            }
        }
    }

    fn summary(&self, rows: Option<RowTotals>) -> SummaryData<'_> {
        SummaryData {
            drafts: self.drafts,
            individual: self.individual,
            group: self.group,
            not_converted: self.not_converted,
            borrowers: self.borrowers,
            totals: &self.totals,
            ok: self.ok,
            warnings: self.warnings,
            errors: self.errors,
            rules: self
                .rules
                .iter()
                .map(|((severity, rule), tally)| RuleCount {
                    rule,
                    severity: *severity,
                    findings: tally.findings,
                    loans: tally.loans,
                })
                .collect(),
            rows,
        }
    }

    fn counts(&self) -> PageCounts {
        PageCounts {
            drafts: self.drafts,
            not_converted: self.not_converted,
            ok: self.ok,
            warnings: self.warnings,
            errors: self.errors,
        }
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON for a `<script type="application/json">` block: `<`, `>` and `&` (which only
/// occur inside strings) are written as `\u003c`, `\u003e`, `\u0026`, so no text can
/// close the block or open a comment; U+2028 and U+2029 likewise, for old parsers.
pub fn script_json(value: &impl Serialize) -> String {
    let mut out = Vec::new();
    write_script_json(&mut out, value);
    // Valid UTF-8 in, whole characters replaced by ASCII: valid UTF-8 out.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Appends [`script_json`] of `value` to `out`: `null` if it cannot be serialized (never
/// expected, but the page stays valid JSON). Each draft's data is escaped on its own, so
/// every part of the data block keeps the guarantee.
fn write_script_json(out: &mut Vec<u8>, value: &impl Serialize) {
    let start = out.len();
    let mut serializer = serde_json::Serializer::with_formatter(&mut *out, ScriptFormatter);
    if value.serialize(&mut serializer).is_err() {
        out.truncate(start);
        out.extend_from_slice(b"null");
    }
}

/// A draft's page data written by hand, byte for byte as [`write_script_json`] writes
/// it (compact JSON, escaped for a script block), without a serializer call per field:
/// the page holds the data of every draft of a conversion. Strings with nothing to
/// escape (nearly all) are copied whole; the others, and values read from a draft's JSON,
/// go through [`write_script_json`].
struct ScriptJson<'o> {
    out: &'o mut Vec<u8>,
    /// Whether the open object or array has a member yet (a comma goes before the next).
    has_value: bool,
}

impl ScriptJson<'_> {
    fn open(&mut self, bracket: u8) {
        self.out.push(bracket);
        self.has_value = false;
    }

    fn close(&mut self, bracket: u8) {
        self.out.push(bracket);
        self.has_value = true;
    }

    /// Starts an array element: a comma after the previous one.
    fn element(&mut self) {
        if self.has_value {
            self.out.push(b',');
        }
        self.has_value = true;
    }

    /// Starts an object's field (field names need no escaping).
    fn key(&mut self, name: &str) {
        self.element();
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn string(&mut self, value: &str) {
        // One pass that the compiler vectorizes (no early exit): JSON's escapes, and the
        // script block's (`<`, `>`, `&`, and the first byte of U+2028 and U+2029).
        let special = value.bytes().fold(0u8, |found, b| {
            found
                | u8::from(b < 0x20)
                | u8::from(matches!(b, b'"' | b'\\' | b'<' | b'>' | b'&' | 0xE2))
        });
        if special == 0 {
            self.out.push(b'"');
            self.out.extend_from_slice(value.as_bytes());
            self.out.push(b'"');
        } else {
            write_script_json(self.out, &value);
        }
    }

    /// A text field, left out when absent.
    fn text(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.key(name);
            self.string(value);
        }
    }

    fn strings<'s>(&mut self, values: impl Iterator<Item = &'s str>) {
        self.open(b'[');
        for value in values {
            self.element();
            self.string(value);
        }
        self.close(b']');
    }

    fn count(&mut self, n: usize) {
        self.out
            .extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
    }

    /// An amount as [`Money`]'s `Serialize` writes it (see [`Money::whole`]), `null` when
    /// absent.
    fn money(&mut self, amount: Option<Money>) {
        // A number needs no escaping for the script block; one that cannot be written
        // is `null`, as `write_script_json` makes it.
        if amount.is_none_or(|a| a.write_json(self.out).is_err()) {
            self.out.extend_from_slice(b"null");
        }
    }

    fn json(&mut self, value: Json<'_>) {
        match value {
            Json::Value(v) => write_script_json(self.out, v),
            Json::Money(m) => self.money(Some(m)),
            Json::Null => self.out.extend_from_slice(b"null"),
        }
    }

    fn draft(&mut self, d: &DraftData<'_>) {
        self.open(b'{');
        self.key("key");
        self.string(d.key);
        self.text("file", d.file);
        self.key("kind");
        self.string(d.kind);
        self.key("status");
        self.string(d.status);
        self.key("errors");
        self.count(d.errors);
        self.key("warnings");
        self.count(d.warnings);
        self.text("currency", d.currency.as_deref());
        self.key("amount");
        self.money(d.amount);
        self.text("disbursed", d.disbursed.as_deref());
        self.key("installments");
        self.count(d.installments);
        self.key("interest");
        self.money(d.interest);
        self.key("borrowers");
        self.borrowers(&d.borrowers);
        self.key("fields");
        self.fields(&d.fields);
        self.key("schedule");
        self.schedule(&d.schedule);
        self.key("missing");
        self.strings(d.missing.iter().copied());
        self.key("findings");
        self.open(b'[');
        for f in &d.findings {
            self.element();
            self.finding(f);
        }
        self.close(b']');
        self.key("rows");
        self.open(b'[');
        for r in &d.rows {
            self.element();
            self.open(b'{');
            self.key("file");
            self.string(r.file);
            self.text("sheet", r.sheet);
            self.key("from");
            self.count(r.from);
            self.key("to");
            self.count(r.to);
            self.close(b'}');
        }
        self.close(b']');
        self.close(b'}');
    }

    fn borrowers(&mut self, borrowers: &Borrowers<'_>) {
        self.open(b'[');
        let written: Result<(), std::convert::Infallible> = borrowers.try_each(|b| {
            self.element();
            self.borrower(b);
            Ok(())
        });
        let Ok(()) = written;
        self.close(b']');
    }

    fn borrower(&mut self, b: &BorrowerData<'_>) {
        self.open(b'{');
        self.key("name");
        self.string(&b.name);
        self.text("gender", b.gender.as_deref());
        self.text("client_id", b.client_id.as_deref());
        self.text("loan_id", b.loan_id.as_deref());
        self.key("amount");
        self.json(b.amount);
        if let Some(pictured) = b.pictured {
            self.key("pictured");
            self.out
                .extend_from_slice(if pictured { b"true" } else { b"false" });
        }
        self.close(b'}');
    }

    fn fields(&mut self, f: &Fields<'_>) {
        self.open(b'{');
        self.text("activity_id", f.activity_id.as_deref());
        self.text("client_waiver_signed", f.client_waiver_signed.as_deref());
        self.text("description", f.description.as_deref());
        self.text(
            "description_language_id",
            f.description_language_id.as_deref(),
        );
        self.text("group_name", f.group_name.as_deref());
        self.text("image", f.image.as_deref());
        self.text("internal_client_id", f.internal_client_id.as_deref());
        self.text("internal_loan_id", f.internal_loan_id.as_deref());
        self.text("loanuse", f.loanuse.as_deref());
        self.text("location", f.location.as_deref());
        self.text("theme_type_id", f.theme_type_id.as_deref());
        self.close(b'}');
    }

    fn schedule(&mut self, schedule: &Schedule<'_>) {
        self.open(b'[');
        match schedule {
            Schedule::Built(list) => {
                for [date, principal, interest] in list {
                    self.element();
                    self.open(b'[');
                    for value in [date, principal, interest] {
                        self.element();
                        self.json(*value);
                    }
                    self.close(b']');
                }
            }
            Schedule::Typed(items) => {
                for i in *items {
                    self.element();
                    self.open(b'[');
                    self.string(&i.date);
                    self.out.push(b',');
                    self.money(Some(i.principal));
                    self.out.push(b',');
                    self.money(Some(i.interest));
                    self.close(b']');
                }
            }
        }
        self.close(b']');
    }

    fn finding(&mut self, f: &FindingData<'_>) {
        self.open(b'{');
        self.key("severity");
        self.string(match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        });
        self.key("rule");
        self.string(f.rule);
        if !f.field.is_empty() {
            self.key("field");
            self.string(f.field);
        }
        self.key("message");
        self.string(f.message);
        self.text("value", f.value);
        if !f.sources.is_empty() {
            self.key("sources");
            self.open(b'[');
            for s in f.sources {
                self.element();
                self.open(b'{');
                self.key("file");
                self.string(&s.file);
                self.text("sheet", s.sheet.as_deref());
                self.key("row");
                self.count(s.row);
                self.text("column", s.column.as_deref());
                self.close(b'}');
            }
            self.close(b']');
        }
        self.close(b'}');
    }
}

/// Appends a draft's page data to `out` ([`ScriptJson`]).
fn write_draft_data(out: &mut Vec<u8>, data: &DraftData<'_>) {
    ScriptJson {
        out,
        has_value: false,
    }
    .draft(data);
}

/// Compact JSON whose strings (keys included) are escaped for a script block as they
/// are written, rather than in a second pass over the whole text.
struct ScriptFormatter;

impl serde_json::ser::Formatter for ScriptFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let bytes = fragment.as_bytes();
        // Most strings have nothing to escape: one branch-free look (vectorized) says so.
        let special = |b: u8| matches!(b, b'<' | b'>' | b'&' | 0xE2);
        if !bytes.iter().fold(false, |found, &b| found | special(b)) {
            return writer.write_all(bytes);
        }
        let mut copied = 0;
        let mut i = 0;
        while let Some(at) = bytes[i..].iter().position(|&b| special(b)) {
            let at = i + at;
            // U+2028 and U+2029 are the bytes E2 80 A8 and E2 80 A9, which occur in UTF-8
            // only as those characters.
            let (escape, width): (&[u8], usize) = match &bytes[at..] {
                [b'<', ..] => (b"\\u003c", 1),
                [b'>', ..] => (b"\\u003e", 1),
                [b'&', ..] => (b"\\u0026", 1),
                [0xE2, 0x80, 0xA8, ..] => (b"\\u2028", 3),
                [0xE2, 0x80, 0xA9, ..] => (b"\\u2029", 3),
                _ => {
                    i = at + 1;
                    continue;
                }
            };
            writer.write_all(&bytes[copied..at])?;
            writer.write_all(escape)?;
            i = at + width;
            copied = i;
        }
        writer.write_all(&bytes[copied..])
    }
}

/// A count with thousands separators: `5,000`.
fn count(n: usize) -> String {
    group_digits(&n.to_string())
}

fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An amount with thousands separators and the currency's decimals: `19,600,000`,
/// `1,250.50` (more decimals are kept, never rounded away).
pub fn format_money(amount: Money, currency: &str) -> String {
    let value = amount.0.normalize();
    let text = value.abs().to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut frac = frac.to_string();
    if let Some(units) = money::minor_units(currency) {
        while frac.len() < units as usize {
            frac.push('0');
        }
    }
    let sign = if value.is_sign_negative() && !value.is_zero() {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{}", group_digits(int))
    } else {
        format!("{sign}{}.{frac}", group_digits(int))
    }
}

/// `'sha256-...'` for a Content-Security-Policy.
fn csp_hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The page: static summary, the table's frame, the data, the script. Built as
/// [`PageWriter`] builds it, in memory.
pub fn render(input: &ReviewInput) -> String {
    let mut page = Page::new(Store::Memory(Vec::new()));
    // In memory nothing can fail: the store and the page are vectors.
    for (order, entry) in input.loans.iter().enumerate() {
        let _ = page.add(order, entry);
    }
    let size = match &page.store {
        Store::Memory(bytes) => bytes.len(),
        Store::File(_) => 0,
    };
    let mut html = Vec::with_capacity(size + 128 * 1024);
    let _ = page.write(&mut html, &input.title, &input.about, input.rows);
    String::from_utf8(html).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The page up to the data: head, summary, the table's frame, and the data block's
/// opening tag.
fn page_top(
    title: &str,
    about: &[String],
    s: &SummaryData<'_>,
    rules: &BTreeMap<&'static str, &'static str>,
) -> String {
    let mut html = String::with_capacity(64 * 1024);
    let title = if title.is_empty() {
        "Review of loan drafts".to_string()
    } else {
        format!("Review: {title}")
    };
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         script-src {}; style-src {}; img-src data:\">\n\
         <meta name=\"generator\" content=\"kiva-drafts {}\">\n<title>{}</title>\n\
         <style>{STYLE}</style>\n</head>\n<body>\n",
        csp_hash(SCRIPT),
        csp_hash(STYLE),
        env!("CARGO_PKG_VERSION"),
        escape_html(&title)
    );
    let _ = write!(html, "<header>\n<h1>{}</h1>\n", escape_html(&title));
    if !about.is_empty() {
        html.push_str("<ul class=\"about\">\n");
        for line in about {
            let _ = writeln!(html, "<li>{}</li>", escape_html(line));
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</header>\n<main>\n");
    summary_html(&mut html, s, rules);
    html.push_str(DRAFTS_SECTION);
    html.push_str("</main>\n<script type=\"application/json\" id=\"review-data\">");
    html
}

fn stat(html: &mut String, name: &str, label: &str, value: usize) {
    let _ = writeln!(
        html,
        "<div class=\"stat\"><dt>{label}</dt><dd data-stat=\"{name}\">{}</dd></div>",
        count(value)
    );
}

fn summary_html(
    html: &mut String,
    s: &SummaryData<'_>,
    rules: &BTreeMap<&'static str, &'static str>,
) {
    html.push_str(
        "<section id=\"summary\" aria-labelledby=\"summary-title\">\n\
         <h2 id=\"summary-title\">Summary</h2>\n<dl class=\"stats\">\n",
    );
    stat(html, "drafts", "Drafts", s.drafts);
    stat(html, "individual", "Individual", s.individual);
    stat(html, "group", "Group", s.group);
    if s.not_converted > 0 {
        stat(html, "not_converted", "Not converted", s.not_converted);
    }
    stat(html, "borrowers", "Borrowers", s.borrowers);
    stat(html, "ok", "Ready", s.ok);
    stat(html, "warnings", "With warnings only", s.warnings);
    stat(html, "errors", "With errors", s.errors);
    html.push_str("</dl>\n");
    if let Some(rows) = &s.rows {
        let _ = writeln!(
            html,
            "<p class=\"rows\" data-rows>Input rows: {} read, {} used, {} ignored{}.</p>",
            count(rows.read),
            count(rows.used),
            count(rows.ignored),
            if rows.blank > 0 {
                format!(" ({} blank skipped)", count(rows.blank))
            } else {
                String::new()
            }
        );
    }
    html.push_str("<div class=\"tables\">\n");
    if !s.totals.is_empty() {
        html.push_str(
            "<table class=\"totals\">\n<caption>Totals per currency</caption>\n\
             <thead><tr><th scope=\"col\">Currency</th><th scope=\"col\" class=\"num\">Amount</th></tr></thead>\n<tbody>\n",
        );
        for (currency, total) in s.totals {
            let _ = writeln!(
                html,
                "<tr data-currency=\"{c}\"><th scope=\"row\">{c}</th><td class=\"num\" data-total>{}</td></tr>",
                escape_html(&format_money(*total, currency)),
                c = escape_html(currency)
            );
        }
        html.push_str("</tbody>\n</table>\n");
    }
    if s.rules.is_empty() {
        html.push_str("<p class=\"clean\">No errors or warnings.</p>\n");
    } else {
        html.push_str(
            "<table class=\"rules\">\n<caption>Errors and warnings by rule</caption>\n\
             <thead><tr><th scope=\"col\">Rule</th>\
             <th scope=\"col\" class=\"num\">Findings</th><th scope=\"col\" class=\"num\">Loans</th>\
             <th scope=\"col\"><span class=\"visually-hidden\">Filter</span></th></tr></thead>\n<tbody>\n",
        );
        for r in &s.rules {
            let _ = writeln!(
                html,
                "<tr class=\"sev-{sev}\" data-rule=\"{rule}\"><th scope=\"row\"><span class=\"badge {sev}\">{sev}</span>\
                 <code>{rule}</code><span class=\"rule-text\">{desc}</span></th>\
                 <td class=\"num\" data-findings>{}</td><td class=\"num\" data-loans>{}</td>\
                 <td><button type=\"button\" class=\"rule-filter\" data-rule=\"{rule}\">Show loans</button></td></tr>",
                count(r.findings),
                count(r.loans),
                sev = r.severity,
                rule = escape_html(r.rule),
                desc = escape_html(rules.get(r.rule).copied().unwrap_or(""))
            );
        }
        html.push_str("</tbody>\n</table>\n");
    }
    html.push_str("</div>\n</section>\n");
}

/// The drafts table's frame; the script fills it.
const DRAFTS_SECTION: &str = r#"<section id="drafts" aria-labelledby="drafts-title">
<h2 id="drafts-title">Drafts</h2>
<form class="filters" role="search" aria-label="Filter drafts" id="filters">
<label>Status <select id="f-status" name="status"><option value="">all</option><option value="ok">ok</option><option value="warnings">warnings</option><option value="errors">errors</option></select></label>
<label>Currency <select id="f-currency" name="currency"><option value="">all</option></select></label>
<label>Kind <select id="f-kind" name="kind"><option value="">all</option><option value="individual">individual</option><option value="group">group</option><option value="not converted">not converted</option><option value="unreadable">unreadable</option></select></label>
<label class="search">Search <input type="search" id="f-text" name="q" placeholder="loan, borrower, id, file…" autocomplete="off"></label>
<span id="f-rule-box" hidden>Rule <code id="f-rule"></code> <button type="button" id="f-rule-clear">clear</button></span>
<button type="reset" id="f-reset">Reset</button>
<output id="count" aria-live="polite"></output>
</form>
<noscript><p class="warning">The table of drafts needs JavaScript; the summary above does not.</p></noscript>
<table id="drafts-table">
<caption class="visually-hidden">Loan drafts; activate a loan key to show its details</caption>
<colgroup><col class="c-key"><col class="c-kind"><col class="c-borrowers"><col class="c-amount"><col class="c-currency"><col class="c-date"><col class="c-inst"><col class="c-interest"><col class="c-status"></colgroup>
<thead><tr>
<th scope="col" aria-sort="none"><button type="button" data-sort="key">Loan</button></th>
<th scope="col" aria-sort="none"><button type="button" data-sort="kind">Kind</button></th>
<th scope="col" aria-sort="none"><button type="button" data-sort="borrowers">Borrowers</button></th>
<th scope="col" aria-sort="none" class="num"><button type="button" data-sort="amount">Amount</button></th>
<th scope="col" aria-sort="none"><button type="button" data-sort="currency">Currency</button></th>
<th scope="col" aria-sort="none"><button type="button" data-sort="disbursed">Disbursed</button></th>
<th scope="col" aria-sort="none" class="num"><button type="button" data-sort="installments">Inst.</button></th>
<th scope="col" aria-sort="none" class="num"><button type="button" data-sort="interest">Interest</button></th>
<th scope="col" aria-sort="none"><button type="button" data-sort="status">Status</button></th>
</tr></thead>
<tbody id="rows"></tbody>
</table>
<p id="empty" hidden>No loan matches the filters.</p>
<p class="more"><button type="button" id="more" hidden>Show more</button></p>
</section>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_block() {
        let json = script_json(&serde_json::json!({"name": "</script><!-- & \u{2028}"}));
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        assert_eq!(
            json,
            r#"{"name":"\u003c/script\u003e\u003c!-- \u0026 \u2028"}"#
        );
        let back: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["name"], "</script><!-- & \u{2028}");
    }

    #[test]
    fn script_json_keeps_other_characters() {
        let text = "é € \u{2028}\u{2029} 😀 <>&";
        let json = script_json(&text);
        assert_eq!(json, "\"é € \\u2028\\u2029 😀 \\u003c\\u003e\\u0026\"");
        assert_eq!(serde_json::from_str::<String>(&json).unwrap(), text);
    }

    fn finding(severity: Severity, rule: &'static str) -> Finding {
        Finding {
            draft: String::new(),
            file: None,
            severity,
            rule,
            field: String::new(),
            message: "m".into(),
            value: None,
            sources: Vec::new(),
        }
    }

    fn loan(key: &str, converted: bool, findings: Vec<Finding>) -> LoanEntry {
        LoanEntry {
            key: key.into(),
            file: converted.then(|| format!("{key}.json")),
            draft: converted.then(|| {
                serde_json::json!({
                    "currency": "USD", "disburse_time": "2026-01-15",
                    "entreps": [{"first_name": key, "amount": 100}],
                    "schedule": [{"date": "2026-02-15", "principal": 100, "interest": 3}]
                })
            }),
            rows: Vec::new(),
            findings,
        }
    }

    fn data_block(html: &str) -> Value {
        let open = r#"<script type="application/json" id="review-data">"#;
        let start = html.find(open).unwrap() + open.len();
        let end = start + html[start..].find("</script>").unwrap();
        serde_json::from_str(&html[start..end]).unwrap()
    }

    #[test]
    fn page_writer_lists_loans_by_order_and_removes_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let parts = dir.path().join(PARTS);
        let image = || finding(Severity::Warning, "missing-image");
        let l2 = loan("L2", true, vec![image(), image()]);
        let l7 = loan("L7</script>", true, Vec::new());
        let l9 = loan("L9", false, vec![finding(Severity::Error, "input-value")]);
        let mut writer = PageWriter::new(dir.path()).unwrap();
        assert!(parts.exists());
        for (order, entry) in [(7, &l7), (2, &l2), (9, &l9)] {
            writer.add(order, entry).unwrap();
        }
        let about = vec!["template: t.toml".to_string()];
        let counts = writer.finish("in.csv", &about, None).unwrap();
        assert_eq!(
            counts,
            PageCounts {
                drafts: 2,
                not_converted: 1,
                ok: 1,
                warnings: 1,
                errors: 1
            }
        );
        assert!(!parts.exists());
        let html = std::fs::read_to_string(dir.path().join(PAGE)).unwrap();
        // The same page as in memory, from the loans in order.
        let input = ReviewInput {
            title: "in.csv".into(),
            about,
            rows: None,
            loans: vec![l2, l7, l9],
        };
        assert!(html == render(&input));
        assert_eq!(html.matches("<script").count(), 2);
        let page = data_block(&html);
        let keys: Vec<&str> = page["drafts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["L2", "L7</script>", "L9"]);
        assert_eq!(page["summary"]["totals"]["USD"], 200);
        // Two findings of one rule in one loan: one loan (errors' rules come first).
        let rule = &page["summary"]["rules"][1];
        assert_eq!(
            (&rule["rule"], &rule["findings"], &rule["loans"]),
            (&"missing-image".into(), &2.into(), &1.into())
        );
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [PAGE]);
    }

    #[test]
    fn page_writer_dropped_without_finish_removes_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = PageWriter::new(dir.path()).unwrap();
        writer.add(0, &loan("L1", true, Vec::new())).unwrap();
        assert!(dir.path().join(PARTS).exists());
        drop(writer);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn an_empty_page_is_valid() {
        let dir = tempfile::tempdir().unwrap();
        let counts = PageWriter::new(dir.path())
            .unwrap()
            .finish("", &[], None)
            .unwrap();
        assert_eq!(counts.drafts + counts.not_converted, 0);
        let html = std::fs::read_to_string(dir.path().join(PAGE)).unwrap();
        assert!(html == render(&ReviewInput::default()));
        assert_eq!(data_block(&html)["drafts"], serde_json::json!([]));
    }

    #[test]
    fn escapes_html() {
        assert_eq!(
            escape_html(r#"<img src=x onerror="a('1')">&"#),
            "&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;"
        );
    }

    #[test]
    fn formats_money_per_currency() {
        let m = |s: &str| Money(s.parse().unwrap());
        assert_eq!(format_money(m("19600000"), "UGX"), "19,600,000");
        assert_eq!(format_money(m("1250.5"), "USD"), "1,250.50");
        assert_eq!(format_money(m("10.005"), "USD"), "10.005");
        assert_eq!(format_money(m("-999"), "USD"), "-999.00");
        assert_eq!(format_money(m("100"), "(no currency)"), "100");
        assert_eq!(count(5000), "5,000");
        assert_eq!(count(12), "12");
    }

    #[test]
    fn collapses_rows_into_ranges() {
        let r = |sheet, row| ("b.xlsx", Some(sheet), row);
        let ranges = row_ranges(
            [
                r("A", 4),
                r("A", 6),
                r("A", 5),
                r("S", 2),
                r("S", 3),
                r("A", 9),
            ]
            .into_iter(),
        );
        let got: Vec<(&str, usize, usize)> = ranges
            .iter()
            .map(|x| (x.sheet.unwrap(), x.from, x.to))
            .collect();
        assert_eq!(got, [("A", 4, 6), ("A", 9, 9), ("S", 2, 3)]);
    }

    /// The ranges of a loan's rows in order are those of any order.
    #[test]
    fn origin_ranges_are_row_ranges() {
        let a = std::sync::Arc::new(crate::read::Source {
            file: "b.xlsx".into(),
            sheet: Some("A".into()),
        });
        let a2 = std::sync::Arc::new(crate::read::Source {
            file: "b.xlsx".into(),
            sheet: Some("A".into()),
        });
        let s = std::sync::Arc::new(crate::read::Source {
            file: "b.xlsx".into(),
            sheet: Some("S".into()),
        });
        let o = |source: &std::sync::Arc<crate::read::Source>, row| Origin {
            source: source.clone(),
            row,
            column: None,
        };
        for rows in [
            vec![],
            vec![o(&a, 4)],
            vec![o(&a, 4), o(&a, 4), o(&a, 5), o(&a, 7), o(&a, 8), o(&a, 8)],
            vec![o(&a, 4), o(&a, 6), o(&a, 5), o(&s, 2), o(&s, 3), o(&a, 9)],
            vec![o(&a, 4), o(&a2, 5), o(&a, 6)],
            vec![o(&s, 2), o(&a, 3)],
        ] {
            let any_order = row_ranges(
                rows.iter()
                    .map(|o| (o.source.file.as_str(), o.source.sheet.as_deref(), o.row)),
            );
            assert_eq!(origin_ranges(&rows), any_order);
        }
    }

    #[test]
    fn status_and_checklist_from_findings() {
        let finding = |severity, rule| Finding {
            draft: "L1".into(),
            file: Some("L1.json".into()),
            ..finding(severity, rule)
        };
        let mut entry = LoanEntry {
            key: "L1".into(),
            file: Some("L1.json".into()),
            draft: Some(serde_json::json!({
                "currency": "USD", "disburse_time": "2026-01-15",
                "entreps": [{"first_name": "Ana", "amount": 100}, {"first_name": "Bo", "amount": 50.5}],
                "not_pictured": [false, true],
                "schedule": [{"date": "2026-02-15", "principal": 150.5, "interest": 3.25}]
            })),
            rows: Vec::new(),
            findings: vec![finding(Severity::Warning, "missing-image")],
        };
        let d = draft_data(&entry);
        assert_eq!(
            (d.kind, d.status, d.missing.as_slice(), d.findings.len()),
            ("group", "warnings", &["missing-image"][..], 0)
        );
        assert_eq!(d.amount, Some(Money("150.5".parse().unwrap())));
        assert_eq!(d.interest, Some(Money("3.25".parse().unwrap())));
        let Borrowers::Built(borrowers) = &d.borrowers else {
            panic!("a draft's JSON gives built borrowers");
        };
        assert_eq!(borrowers[1].pictured, Some(false));
        entry
            .findings
            .push(finding(Severity::Error, "schedule-negative"));
        let d = draft_data(&entry);
        assert_eq!(
            (d.status, d.errors, d.warnings, d.findings.len()),
            ("errors", 1, 1, 1)
        );
        entry.draft = None;
        entry.file = None;
        assert_eq!(draft_data(&entry).kind, "not converted");
    }

    /// The fields are written in the order of their names, as a map sorted by key is.
    #[test]
    fn fields_are_written_sorted_by_name() {
        let f = |s: &'static str| Some(Cow::Borrowed(s));
        let fields = Fields {
            activity_id: f("1"),
            client_waiver_signed: f("2"),
            description: f("3"),
            description_language_id: f("4"),
            group_name: f("5"),
            image: f("6"),
            internal_client_id: f("7"),
            internal_loan_id: f("8"),
            loanuse: f("9"),
            location: f("10"),
            theme_type_id: f("11"),
        };
        let json = script_json(&fields);
        let map: BTreeMap<String, String> = serde_json::from_str(&json).unwrap();
        assert_eq!(map.len(), 11);
        assert_eq!(json, script_json(&map));
        assert_eq!(script_json(&Fields::default()), "{}");
    }

    mod typed {
        use super::super::*;
        use crate::read::Source;
        use proptest::prelude::*;
        use std::sync::Arc;

        fn text() -> impl Strategy<Value = Option<String>> {
            prop::option::of(prop::sample::select(vec![
                "",
                " ",
                "Ana",
                " Ana ",
                "C1",
                "female",
                "USD",
                "XOF",
                "2026-01-15",
                "Kampala",
                "data:image/png;base64,!!!",
                "data:image/png;base64,iVBORw0KGgo=",
                "https://x/a.jpg",
                "\"q\" <é>",
                "</script>&\u{2028}\u{2029}\\\u{1}",
                // One character to escape each, in JSON or in a script block.
                "a\\b",
                "a\"b",
                "a\tb",
                "a<b",
                "a>b",
                "a&b",
                "a\u{2028}b",
                "\u{2029}",
                "\u{20ac}",
            ]))
            .prop_map(|s| s.map(str::to_string))
        }

        /// Random drafts, as in the typed checks' test (`validate`).
        fn draft() -> impl Strategy<Value = LoanDraft> {
            let ids = || prop::option::of(prop::sample::select(vec![0u64, 1, 61]));
            let date = text().prop_map(Option::unwrap_or_default);
            crate::draft::arbitrary::draft(text, ids, crate::draft::arbitrary::money, date)
        }

        fn findings() -> impl Strategy<Value = Vec<Finding>> {
            let rule = prop::sample::select(vec![
                "missing-image",
                "missing-loanuse",
                "input-value",
                "schedule-negative",
            ]);
            let sources = prop::collection::vec((text(), text(), 1usize..9, text()), 0..3);
            prop::collection::vec((any::<bool>(), rule, text(), sources), 0..4).prop_map(|list| {
                list.into_iter()
                    .map(|(error, rule, value, sources)| Finding {
                        draft: "L1".into(),
                        file: Some("L1.json".into()),
                        severity: if error {
                            Severity::Error
                        } else {
                            Severity::Warning
                        },
                        rule,
                        field: value.clone().unwrap_or_default(),
                        message: "m".into(),
                        value,
                        sources: sources
                            .into_iter()
                            .map(|(file, sheet, row, column)| SourceRef {
                                file: file.unwrap_or_default(),
                                sheet,
                                row,
                                column,
                            })
                            .collect(),
                    })
                    .collect()
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: 2000,
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            /// A typed draft's data is that of its JSON, byte for byte; and the data the
            /// page writer writes by hand ([`ScriptJson`]) is what `serde_json` writes.
            #[test]
            fn typed_data_is_the_data_of_the_json(
                d in draft(),
                findings in findings(),
                rows in prop::collection::vec(1usize..9, 0..5),
                file in text(),
                sheet in text(),
            ) {
                let source = Arc::new(Source { file: file.unwrap_or_default(), sheet });
                let origins: Vec<Origin> = rows
                    .iter()
                    .map(|&row| Origin { source: source.clone(), row, column: None })
                    .collect();
                let shown: Vec<FindingData<'_>> = findings.iter().map(FindingData::of).collect();
                let typed = typed_draft_data(&DraftView {
                    key: "L1",
                    file: "L1.json",
                    draft: &d,
                    rows: &origins,
                    findings: &shown,
                });
                let entry = LoanEntry {
                    key: "L1".into(),
                    file: Some("L1.json".into()),
                    draft: Some(serde_json::to_value(&d).unwrap()),
                    rows: origins.iter().map(SourceRef::row_of).collect(),
                    findings: findings.clone(),
                };
                let json = draft_data(&entry);
                prop_assert_eq!(script_json(&typed), script_json(&json));
                prop_assert_eq!(typed.borrowers.len(), json.borrowers.len());
                for data in [&typed, &json] {
                    let mut by_hand = Vec::new();
                    write_draft_data(&mut by_hand, data);
                    prop_assert_eq!(String::from_utf8(by_hand).unwrap(), script_json(data));
                }
            }
        }
    }
}
