//! Writing the drafts folder: one JSON file per loan and `summary.json`.
//!
//! Files are written atomically (a temporary file in the same folder, then a rename) so
//! an interrupted run never leaves half a draft for the upload to send. File names come
//! from the loan key, made safe for Windows, macOS and Linux, and are stable across runs.
//! The tool writes only into a folder it created (it leaves a marker file there), or
//! into an empty one, unless forced; on a rerun the drafts of the previous run are
//! removed first so no stale draft survives.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::read::text::io_message;

/// Marks a folder as written by kiva-drafts.
pub const MARKER: &str = ".kiva-drafts";
/// The summary's file name.
pub const SUMMARY: &str = "summary.json";

/// A problem with the output folder: fatal for the run.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EmitError(pub String);

fn io_error(path: &Path, what: &str, e: &std::io::Error) -> EmitError {
    EmitError(format!(
        "{}: cannot {what}: {}",
        path.display(),
        io_message(e)
    ))
}

/// Prepares the output folder: creates it, or checks it may be written to.
/// Returns the draft files of a previous run in it, to be removed once the new ones
/// are written.
pub fn prepare_dir(dir: &Path, force: bool) -> Result<Vec<PathBuf>, EmitError> {
    if dir.exists() {
        if !dir.is_dir() {
            return Err(EmitError(format!(
                "{}: exists and is not a folder",
                dir.display()
            )));
        }
        let entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| io_error(dir, "read the folder", &e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        let ours = dir.join(MARKER).exists();
        if !entries.is_empty() && !ours && !force {
            return Err(EmitError(format!(
                "{}: the folder is not empty and was not written by kiva-drafts; choose another --out or pass --force",
                dir.display()
            )));
        }
        let previous = previous_drafts(dir);
        Ok(previous)
    } else {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, "create the folder", &e))?;
        Ok(Vec::new())
    }
}

/// The draft files listed by a previous run's summary.
fn previous_drafts(dir: &Path) -> Vec<PathBuf> {
    summary_drafts(dir)
        .into_iter()
        .filter(|d| is_plain_file_name(&d.file))
        .map(|d| dir.join(d.file))
        .collect()
}

fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.contains(['/', '\\'])
        && name != ".."
        && name != "."
        && Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// Loan keys by file name, from `summary.json` when there is one.
pub fn loan_keys(dir: &Path) -> HashMap<String, String> {
    summary_drafts(dir)
        .into_iter()
        .filter_map(|d| Some((d.file, d.loan_key?)))
        .collect()
}

/// A draft as a summary lists it.
#[derive(serde::Deserialize)]
struct SummaryDraft {
    file: String,
    #[serde(default)]
    loan_key: Option<String>,
}

/// The drafts a folder's `summary.json` lists; none when it has no summary or one that
/// cannot be read. Only `drafts[].file` and `loan_key` are kept: the rest of a large
/// summary (every source row) is skipped by the parser, and the file is read as a stream,
/// so that a damaged summary of any size costs no more memory than the list.
fn summary_drafts(dir: &Path) -> Vec<SummaryDraft> {
    #[derive(serde::Deserialize)]
    struct Summary {
        #[serde(default)]
        drafts: Vec<SummaryDraft>,
    }
    let Ok(file) = std::fs::File::open(dir.join(SUMMARY)) else {
        return Vec::new();
    };
    let reader = std::io::BufReader::with_capacity(1 << 16, file);
    serde_json::from_reader::<_, Summary>(reader).map_or_else(|_| Vec::new(), |s| s.drafts)
}

/// The largest draft file read: 64 MB. A draft holds one photo (10 MB by default, a
/// third more as base64) and the loan's text and schedule, a few hundred KB at most; a
/// larger `.json` in a drafts folder is something else, and is not read into memory.
pub const MAX_DRAFT_BYTES: u64 = 64 << 20;

/// Why a draft file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadDraftError {
    /// The system's reason, for the user ("permission denied").
    #[error("cannot read: {0}")]
    Io(String),
    #[error(
        "is {} MB, more than a draft can be ({} MB: a photo and the loan's text): not a draft; move it out of the folder",
        .0.div_ceil(1 << 20),
        MAX_DRAFT_BYTES >> 20
    )]
    TooLarge(u64),
}

/// Reads a draft file, refusing one over [`MAX_DRAFT_BYTES`] without reading it (and
/// reading no more than that, should it grow meanwhile).
pub fn read_draft(path: &Path) -> Result<Vec<u8>, ReadDraftError> {
    use std::io::Read as _;
    let cannot = |e: &std::io::Error| ReadDraftError::Io(io_message(e));
    let file = std::fs::File::open(path).map_err(|e| cannot(&e))?;
    let size = file.metadata().map_err(|e| cannot(&e))?.len();
    if size > MAX_DRAFT_BYTES {
        return Err(ReadDraftError::TooLarge(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(MAX_DRAFT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| cannot(&e))?;
    if bytes.len() as u64 > MAX_DRAFT_BYTES {
        return Err(ReadDraftError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Writes `contents` to `path` atomically.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), EmitError> {
    write_renamed(path, contents, true)
}

/// Writes a large file atomically through a buffer: `fill` writes the contents. The
/// buffer is given as its own type, not as `dyn Write`: a serializer's many small writes
/// then copy into the buffer without a call each (a 17 MB summary.json took a third less
/// time).
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), EmitError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let tmp = dir.join(temp_name(path));
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        fill(&mut w)?;
        let file = w
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_error(path, "write", &e)
    })
}

fn temp_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    format!(".{name}.{}.tmp", std::process::id())
}

/// Writes a draft in place, in one write, without waiting for the disk: an fsync per
/// draft made a 100,000-loan conversion 30 times slower, and a temporary file renamed
/// into place doubled the directory work (on ext4, a 48,000-draft convert took 13.6 s instead of
/// 8.7 s). Nothing reads the folder while `convert` writes it (`--upload` starts after),
/// and a draft cut short by a crash or power cut is not valid JSON, which `validate` and
/// `upload` report instead of sending it. [`sync_dir`] runs once at the end.
pub fn write_draft(path: &Path, contents: &[u8]) -> Result<(), EmitError> {
    std::fs::write(path, contents).map_err(|e| io_error(path, "write", &e))
}

/// Flushes a folder's entries (the renames) to disk, where the system supports it.
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

fn write_renamed(path: &Path, contents: &[u8], sync: bool) -> Result<(), EmitError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let tmp = dir.join(temp_name(path));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(contents)?;
        if sync {
            file.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_error(path, "write", &e)
    })
}

/// Marks the folder as ours.
pub fn mark(dir: &Path) -> Result<(), EmitError> {
    write_atomic(
        &dir.join(MARKER),
        b"Written by kiva-drafts. Reruns may replace the drafts listed in summary.json.\n",
    )
}

/// Removes drafts of a previous run that this run did not write again.
pub fn remove_stale<S: std::hash::BuildHasher>(
    previous: &[PathBuf],
    written: &HashSet<PathBuf, S>,
) -> Result<(), EmitError> {
    for path in previous {
        if !written.contains(path) && path.exists() {
            std::fs::remove_file(path).map_err(|e| io_error(path, "remove the stale draft", &e))?;
        }
    }
    Ok(())
}

const RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// A short stable hash (FNV-1a) for disambiguating file names.
fn short_hash(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:08x}", h & 0xffff_ffff)
}

/// A file name (without `.json`) for a loan key, safe on every system. Keys that are
/// already safe are kept as they are; others are cleaned and get a hash of the key so
/// that two keys never clean to the same name.
pub fn file_stem(key: &str) -> String {
    if is_safe_stem(key) {
        return key.to_string();
    }
    let (truncated, reserved) = cleaned_stem(key);
    if is_own_stem(key, &truncated, reserved) {
        truncated
    } else {
        format!(
            "{}{}-{}",
            if truncated.is_empty() || reserved {
                "loan_"
            } else {
                ""
            },
            truncated,
            short_hash(key)
        )
    }
}

/// A key cleaned for a file name (unsafe characters replaced, dots trimmed, at most 80
/// characters), and whether it starts with a name Windows reserves.
fn cleaned_stem(key: &str) -> (String, bool) {
    let cleaned: String = key
        .chars()
        .map(|c| {
            if c.is_alphanumeric() && c.is_ascii() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cleaned = cleaned.trim_end_matches(['.', ' ']).trim_start_matches('.');
    let truncated: String = cleaned.chars().take(80).collect();
    let reserved = RESERVED.contains(&truncated.to_lowercase().split('.').next().unwrap_or(""));
    (truncated, reserved)
}

/// Whether a key's cleaned form can be its file stem as it is.
fn is_own_stem(key: &str, cleaned: &str, reserved: bool) -> bool {
    cleaned == key && !reserved && !cleaned.is_empty() && cleaned != summary_stem()
}

/// Whether a key is its own file stem in [`file_stem`] (most keys are: `000245`,
/// `G-0107`): at most 80 ASCII letters, digits, `-`, `_` and `.`, not starting or ending
/// with `.`, no reserved name before its first `.`, and not `summary`. Decided without
/// building the cleaned text.
fn is_safe_stem(key: &str) -> bool {
    let bytes = key.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 80
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !key.starts_with('.')
        && !key.ends_with('.')
        && key != summary_stem()
        && !RESERVED.iter().any(|r| {
            key.split('.')
                .next()
                .is_some_and(|first| first.eq_ignore_ascii_case(r))
        })
}

fn summary_stem() -> &'static str {
    "summary"
}

/// File names for the keys of a batch, one at a time: [`file_stem`], and where a name
/// differs only by case from one given before (the same file on Windows and macOS), the
/// key's hash is added (then a counter, should that be taken too).
#[derive(Debug, Default)]
pub struct FileNamer {
    taken: rustc_hash::FxHashSet<String>,
}

impl FileNamer {
    pub fn name(&mut self, key: &str) -> String {
        let stem = file_stem(key);
        let mut name = [stem.as_str(), ".json"].concat();
        let mut lower = name.to_lowercase();
        if self.taken.contains(&lower) {
            name = format!("{stem}-{}.json", short_hash(key));
            lower = name.to_lowercase();
            let mut n = 2;
            while self.taken.contains(&lower) {
                name = format!("{stem}-{}-{n}.json", short_hash(key));
                lower = name.to_lowercase();
                n += 1;
            }
        }
        self.taken.insert(lower);
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_keys_are_kept_and_others_cleaned_with_a_hash() {
        assert_eq!(file_stem("000245"), "000245");
        assert_eq!(file_stem("G-0107"), "G-0107");
        let slash = file_stem("LN/2026/15");
        assert!(
            slash.starts_with("LN_2026_15-") && slash.len() == "LN_2026_15-".len() + 8,
            "{slash}"
        );
        assert_ne!(file_stem("A/1"), file_stem("A_1"));
        assert!(file_stem("CON").starts_with("loan_CON-"));
        assert!(file_stem("Préstamo 1").starts_with("Pr_stamo_1-"));
        assert!(file_stem("summary").starts_with("summary-"));
        assert_eq!(file_stem("A/1"), file_stem("A/1"));
    }

    /// The shortcut for keys that are their own stem gives what cleaning gives.
    #[test]
    fn safe_keys_shortcut_agrees_with_cleaning() {
        for key in [
            "000245", "G-0107", "a.b", ".a", "a.", "CON", "con.1", "Con", "lpt9.x", "x.con",
            "summary", "Summary", "a b", "é", "", "_", "-", "..", "a..b",
        ] {
            let slow = |key: &str| {
                let (cleaned, reserved) = cleaned_stem(key);
                is_own_stem(key, &cleaned, reserved)
            };
            assert_eq!(is_safe_stem(key), slow(key), "{key:?}");
        }
        let long = "a".repeat(81);
        assert!(!is_safe_stem(&long) && is_safe_stem(&long[..80]));
    }

    #[test]
    fn case_collisions_get_hashes() {
        let mut namer = FileNamer::default();
        let names: Vec<String> = ["ab", "AB", "cd"].iter().map(|k| namer.name(k)).collect();
        assert_ne!(names[0].to_lowercase(), names[1].to_lowercase());
        assert_eq!(names[2], "cd.json");
    }

    #[test]
    fn refuses_foreign_non_empty_folders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        let err = prepare_dir(dir.path(), false).unwrap_err();
        assert!(err.0.contains("not written by kiva-drafts"));
        assert!(prepare_dir(dir.path(), true).is_ok());
        let fresh = dir.path().join("new");
        assert!(prepare_dir(&fresh, false).unwrap().is_empty());
        assert!(fresh.is_dir());
    }
}
