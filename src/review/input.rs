//! What the page shows ([`ReviewInput`]): the loans of a conversion, or of a drafts
//! folder read back (`review DIR`), with their source rows and findings.

#[allow(clippy::wildcard_imports)]
use super::*;

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
        // Read as a stream: a damaged summary of any size costs no more than its tree.
        let summary = match std::fs::File::open(dir.join(crate::emit::SUMMARY)) {
            Ok(file) => match serde_json::from_reader::<_, Value>(std::io::BufReader::new(file)) {
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
pub(super) fn rows_from(rows: &Value) -> Vec<SourceRef> {
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
pub(super) fn failed_from_summary(entry: &Value) -> LoanEntry {
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
