//! The `validate` command: check draft files, including hand-edited ones.
//!
//! Paths may be files or folders (every `*.json` but `summary.json`). A file that is not
//! valid JSON is reported with its line and column; the others are checked one by one
//! and then as a batch (the same loan twice). Reading and checking run on all cores:
//! a folder of 10,000 drafts is checked in well under a second.

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

/// Reads and parses draft files on all cores, keeping their order.
pub fn load(files: &[PathBuf]) -> Vec<DraftFile> {
    let mut keys: HashMap<PathBuf, HashMap<String, String>> = HashMap::new();
    for f in files {
        let dir = f.parent().unwrap_or(Path::new("")).to_path_buf();
        keys.entry(dir.clone())
            .or_insert_with(|| crate::emit::loan_keys(&dir));
    }
    let read = |path: &PathBuf| {
        let dir = path.parent().unwrap_or(Path::new(""));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let key = keys
            .get(dir)
            .and_then(|k| k.get(&name).cloned())
            .unwrap_or_else(|| {
                path.file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_default()
            });
        let json = std::fs::read(path)
            .map_err(|e| format!("cannot read: {}", crate::read::text::io_message(&e)))
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
            path: path.clone(),
            key,
            json,
        }
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(8);
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(read).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

/// `serde_json` ends its messages with " at line L column C"; the line and column are
/// given first here.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// Checks loaded drafts: syntax, rules, then the batch.
pub fn check(drafts: &[DraftFile], options: &validate::Options) -> Report {
    let mut report = Report {
        drafts: drafts.len(),
        findings: Vec::new(),
    };
    report.note_stale_cache(options);
    let name = |d: &DraftFile| d.path.display().to_string();
    let mut parsed: Vec<(usize, &str, &Value)> = Vec::new();
    for (i, d) in drafts.iter().enumerate() {
        match &d.json {
            Err(message) => report.findings.push(Finding {
                draft: d.key.clone(),
                file: Some(name(d)),
                severity: Severity::Error,
                rule: "json-syntax",
                field: String::new(),
                message: message.clone(),
                value: None,
                sources: Vec::new(),
            }),
            Ok(value) => {
                for diagnostic in validate::check_value(value, options) {
                    report.findings.push(finding(d, diagnostic));
                }
                parsed.push((i, d.key.as_str(), value));
            }
        }
    }
    let keyed: Vec<(&str, &Value)> = parsed.iter().map(|(_, k, v)| (*k, *v)).collect();
    for (j, diagnostic) in validate::check_batch(&keyed) {
        report
            .findings
            .push(finding(&drafts[parsed[j].0], diagnostic));
    }
    report
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
    let drafts = load(&files);
    let report = check(&drafts, &settings.options);
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
