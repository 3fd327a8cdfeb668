//! The drafts of a folder: every `*.json` but `summary.json`, sent as the file's bytes,
//! with its loan key, its SHA-256 (the ledger's key) and the rules it breaks.

#[allow(clippy::wildcard_imports)]
use super::*;

/// One draft file. Its bytes are read again when it is sent (and checked against the
/// hash), so a large folder of drafts with photos is never held in memory at once.
#[derive(Debug)]
pub(super) struct Draft {
    pub(super) file: String,
    pub(super) path: PathBuf,
    pub(super) loan_key: String,
    pub(super) size: usize,
    pub(super) sha256: String,
    /// Validation errors, `rule: field: message`; a draft with any is not sent.
    pub(super) problems: Vec<String>,
}

impl Draft {
    /// `000245.json`, or `LN_2026_15-1a2b3c4d.json (loan LN/2026/15)`.
    pub(super) fn label(&self) -> String {
        if Path::new(&self.file).file_stem() == Some(self.loan_key.as_ref()) {
            self.file.clone()
        } else {
            format!("{} (loan {})", self.file, self.loan_key)
        }
    }

    /// The bytes to send: the file as it was when checked.
    pub(super) fn load(&self) -> Result<Arc<[u8]>, String> {
        let bytes = emit::read_draft(&self.path).map_err(|e| format!("{}: {e}", self.file))?;
        if sha256_hex(&bytes) != self.sha256 {
            return Err(format!(
                "{} changed after the upload started; rerun to send the new version",
                self.file
            ));
        }
        Ok(Arc::from(bytes))
    }
}

pub(super) fn is_draft_name(name: &str) -> bool {
    !name.starts_with('.')
        && Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        && !name.eq_ignore_ascii_case(emit::SUMMARY)
}

/// Reads and checks the drafts of `dir`, by file name.
pub(super) fn read_drafts(dir: &Path) -> Result<Vec<Draft>, Error> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: {}",
            dir.display(),
            if dir.exists() {
                "is not a folder"
            } else {
                "no such folder"
            }
        )));
    }
    let keys = emit::loan_keys(dir);
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Error::Usage(format!(
            "{}: cannot read the folder: {}",
            dir.display(),
            io_message(&e)
        ))
    })?;
    let options = validate::Options::default();
    let mut drafts = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let file = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if !is_draft_name(&file) || !path.is_file() {
            continue;
        }
        let (bytes, problems) = match emit::read_draft(&path) {
            Ok(bytes) => {
                let problems = check(&bytes, &options);
                (bytes, problems)
            }
            Err(emit::ReadDraftError::Io(message)) => {
                (Vec::new(), vec![format!("unreadable: {message}")])
            }
            Err(too_large) => (Vec::new(), vec![format!("not-a-draft: {too_large}")]),
        };
        let loan_key = keys.get(&file).cloned().unwrap_or_else(|| {
            Path::new(&file)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        drafts.push(Draft {
            sha256: sha256_hex(&bytes),
            size: bytes.len(),
            path,
            file,
            loan_key,
            problems,
        });
    }
    if drafts.is_empty() {
        return Err(Error::Usage(format!(
            "{}: no drafts to upload (no .json files besides {})",
            dir.display(),
            emit::SUMMARY
        )));
    }
    drafts.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(drafts)
}

/// The validation errors of a draft file.
pub(super) fn check(bytes: &[u8], options: &validate::Options) -> Vec<String> {
    match serde_json::from_slice::<LoanDraft>(bytes) {
        Err(e) => vec![format!("not-a-draft: {e}")],
        Ok(draft) => validate::check_draft(&draft, options)
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| {
                if d.field.is_empty() {
                    format!("{}: {}", d.rule, d.message)
                } else {
                    format!("{}: {}: {}", d.rule, d.field, d.message)
                }
            })
            .collect(),
    }
}

pub(super) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}
