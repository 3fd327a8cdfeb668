//! The `validate` command: check draft files, including hand-edited ones.
//!
//! Paths may be files or folders (every `*.json` but `summary.json`). A file that is not
//! valid JSON is reported with its line and column; the others are checked one by one
//! and then as a batch (the same loan twice). Reading and checking run on 16 threads
//! (reads from a cold cache wait on the disk): a folder of 10,000 drafts is checked in
//! well under a second.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::report::{Finding, Report, Settings};
use crate::validate::{self, Severity};
use crate::{Error, Outcome};

/// One draft file read back.
#[derive(Debug)]
pub struct DraftFile {
    pub path: PathBuf,
    /// The loan key (from the folder's summary.json), or the file stem.
    pub key: String,
    /// The parsed JSON, or the syntax error with its line and column.
    pub json: Result<Value, String>,
}

/// Expands paths into draft files: folders give their `*.json` files (sorted, without
/// `summary.json`).
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| {
            Error::Usage(format!(
                "{}: {}",
                path.display(),
                crate::read::text::io_message(&e)
            ))
        })?;
        if meta.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| {
                    Error::Usage(format!(
                        "{}: {}",
                        path.display(),
                        crate::read::text::io_message(&e)
                    ))
                })?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| is_draft_file(p))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn is_draft_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        && name != crate::emit::SUMMARY
        && !name.starts_with('.')
}

/// Loan keys of the folders the files are in, from their summary.json.
fn folder_keys(files: &[PathBuf]) -> HashMap<PathBuf, HashMap<String, String>> {
    let mut keys: HashMap<PathBuf, HashMap<String, String>> = HashMap::new();
    for f in files {
        let dir = f.parent().unwrap_or(Path::new("")).to_path_buf();
        keys.entry(dir.clone())
            .or_insert_with(|| crate::emit::loan_keys(&dir));
    }
    keys
}

/// A draft's key when its folder's summary does not list it: the file name without
/// `.json`.
fn file_key(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// Reads and parses one draft file.
fn read_one(path: &Path, keys: &HashMap<PathBuf, HashMap<String, String>>) -> DraftFile {
    let dir = path.parent().unwrap_or(Path::new(""));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let key = keys
        .get(dir)
        .and_then(|k| k.get(&name).cloned())
        .unwrap_or_else(|| file_key(path));
    let json = crate::emit::read_draft(path)
        .map_err(|e| e.to_string())
        .and_then(|bytes| {
            serde_json::from_slice::<Value>(&bytes).map_err(|e| {
                format!(
                    "line {}, column {}: not valid JSON: {}",
                    e.line(),
                    e.column(),
                    strip_position(&e.to_string())
                )
            })
        });
    DraftFile {
        path: path.to_path_buf(),
        key,
        json,
    }
}

/// Threads that read draft files. Reading 10,000 files from a cold page cache waits
/// on the disk for each file: with one read in flight per core (2 here) it took 1.2 to
/// 1.5 s, as long as `cat` reading them one after another, while 16 reads in flight
/// read the same bytes in 0.44 s (BENCHMARKS.md, "validate from a cold cache"). Parsing
/// is light beside it, so more threads than cores cost nothing measurable when warm.
const READERS: usize = 16;

/// Maps files on `threads` threads, keeping their order.
fn par_map<T: Send>(files: &[PathBuf], threads: usize, f: impl Fn(&PathBuf) -> T + Sync) -> Vec<T> {
    let chunk = files.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// Reads and parses draft files on all cores, keeping their order.
pub fn load(files: &[PathBuf]) -> Vec<DraftFile> {
    let keys = folder_keys(files);
    par_map(files, READERS, |p| read_one(p, &keys))
}

/// `serde_json` ends its messages with " at line L column C"; the line and column are
/// given first here.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// One draft's findings, and its loan ids for the batch rules (None if unreadable).
fn check_one(d: &DraftFile, options: &validate::Options) -> (Vec<Finding>, Option<Vec<String>>) {
    match &d.json {
        Err(message) => (
            vec![Finding {
                draft: d.key.clone(),
                file: Some(d.path.display().to_string()),
                severity: Severity::Error,
                rule: "json-syntax",
                field: String::new(),
                message: message.clone(),
                value: None,
                sources: Vec::new(),
            }],
            None,
        ),
        Ok(value) => (
            validate::check_value(value, options)
                .into_iter()
                .map(|x| finding(d, x))
                .collect(),
            Some(validate::loan_ids(value)),
        ),
    }
}

/// One checked draft: key, file, findings, loan ids (None when unreadable).
type Checked = (String, PathBuf, Vec<Finding>, Option<Vec<String>>);

/// Gathers per-draft findings, then adds the batch rules.
fn assemble(checked: &[Checked], options: &validate::Options) -> Report {
    let mut report = Report {
        drafts: checked.len(),
        findings: Vec::new(),
    };
    report.note_stale_cache(options);
    let mut keyed: Vec<(&str, Vec<String>)> = Vec::new();
    let mut index: Vec<usize> = Vec::new();
    for (i, (key, _, findings, ids)) in checked.iter().enumerate() {
        report.findings.extend(findings.iter().cloned());
        if let Some(ids) = ids {
            keyed.push((key.as_str(), ids.clone()));
            index.push(i);
        }
    }
    for (j, diagnostic) in validate::check_batch(&keyed) {
        let (key, path, _, _) = &checked[index[j]];
        report.findings.push(Finding {
            draft: key.clone(),
            file: Some(path.display().to_string()),
            severity: diagnostic.severity,
            rule: diagnostic.rule,
            field: diagnostic.field,
            message: diagnostic.message,
            value: None,
            sources: Vec::new(),
        });
    }
    report
}

/// Checks loaded drafts: syntax, rules, then the batch.
pub fn check(drafts: &[DraftFile], options: &validate::Options) -> Report {
    let checked: Vec<Checked> = drafts
        .iter()
        .map(|d| {
            guarded(&d.path, || {
                let (findings, ids) = check_one(d, options);
                (d.key.clone(), d.path.clone(), findings, ids)
            })
        })
        .collect();
    assemble(&checked, options)
}

/// Reads and checks draft files on all cores without keeping them in memory.
pub fn check_files(files: &[PathBuf], options: &validate::Options) -> Report {
    let keys = folder_keys(files);
    let checked = par_map(files, READERS, |p| {
        guarded(p, || {
            let d = read_one(p, &keys);
            let (findings, ids) = check_one(&d, options);
            (d.key, d.path, findings, ids)
        })
    });
    assemble(&checked, options)
}

/// Reads or checks the draft file at `path` with `work`; when it stops on an internal
/// error (a panic), the file gets an error finding of its own, so that it is counted and
/// the others are still checked.
fn guarded(path: &Path, work: impl FnOnce() -> Checked) -> Checked {
    crate::crash::caught(work).unwrap_or_else(|panic| not_checked(path, &panic))
}

fn not_checked(path: &Path, panic: &str) -> Checked {
    let key = file_key(path);
    let finding = Finding {
        draft: key.clone(),
        file: Some(path.display().to_string()),
        severity: Severity::Error,
        rule: "internal-error",
        field: String::new(),
        message: crate::crash::failed(panic),
        value: None,
        sources: Vec::new(),
    };
    (key, path.to_path_buf(), vec![finding], None)
}

fn finding(d: &DraftFile, diagnostic: validate::Diagnostic) -> Finding {
    Finding {
        draft: d.key.clone(),
        file: Some(d.path.display().to_string()),
        severity: diagnostic.severity,
        rule: diagnostic.rule,
        field: diagnostic.field,
        message: diagnostic.message,
        value: None,
        sources: Vec::new(),
    }
}

/// Runs `validate`.
pub fn run(paths: &[PathBuf], settings: &Settings, quiet: bool) -> Result<Outcome, Error> {
    let files = collect(paths)?;
    let report = check_files(&files, &settings.options);
    if quiet {
        let text = report.terminal();
        print!(
            "{}",
            text.lines()
                .last()
                .map(|l| format!("{l}\n"))
                .unwrap_or_default()
        );
    } else {
        print!("{}", report.terminal());
    }
    crate::report::write_all(&report, &settings.reports).map_err(Error::Usage)?;
    let failed = report.count(Severity::Error) > 0
        || (settings.strict && report.count(Severity::Warning) > 0);
    Ok(if failed {
        Outcome::SomeFailed
    } else {
        Outcome::Success
    })
}
