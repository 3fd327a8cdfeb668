//! `DIR/upload-ledger.jsonl`: what was sent where, so that a rerun never sends a draft
//! twice and never counts one as sent that was not.
//!
//! One JSON object per line, appended, never rewritten; each line is on disk (flushed
//! and synced) before the upload goes on:
//!
//! ```text
//! {"time":"…","file":"000245.json","loan_key":"000245","sha256":"…","env":"stage","api":"https://partner-api-stage.dk1.kiva.org","partner_id":"123","state":"sending"}
//! {"time":"…",…,"state":"accepted","draft_id":"3f9c…"}
//! ```
//!
//! `state` is `sending` (written before the request leaves), `accepted` (with
//! `draft_id`), `rejected` (`status`, `message`: Kiva refused the draft), `failed`
//! (`status` if any, `message`: not stored, a server error, rate limit or network
//! failure before the request was sent) or `uncertain` (`reason`: sent, but the answer
//! never came). A draft is its content: the key is the SHA-256 of the file's bytes and
//! the API base URL (`api`; `env` is kept for people), so a re-edited draft is a new
//! draft and a draft sent to stage is not sent for production.
//!
//! On a rerun the last record of each key decides ([`resume`]): `accepted` is skipped,
//! `rejected` and `failed` are sent again, and `sending` (the process died while the
//! request was out) or `uncertain` are held back until the coordinator has checked PA2
//! and passes `--resend-uncertain`. Because `sending` is on disk before a request
//! leaves, killing the process at any moment leaves each draft either unsent, held as
//! uncertain, or recorded with its outcome. A line cut short by a kill is skipped when
//! reading and the next record starts on a new line. (A first Ctrl-C is no kill: the
//! upload lets the requests in flight end and records their outcome before it exits;
//! only a second one leaves them `sending`.)
//!
//! Only one upload at a time may use a folder: the ledger file is locked while open.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::read::text::io_message;

/// The ledger's file name in the drafts folder.
pub const FILE_NAME: &str = "upload-ledger.jsonl";

/// One line of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// When, in UTC (RFC 3339).
    pub time: String,
    pub file: String,
    pub loan_key: String,
    /// SHA-256 of the draft file's bytes, lower-case hex.
    pub sha256: String,
    /// `stage` or `production`.
    pub env: String,
    /// The API base URL the draft went to; with `sha256`, the key.
    pub api: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<String>,
    #[serde(flatten)]
    pub state: State,
}

/// Where a draft stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum State {
    /// The request is about to leave.
    Sending,
    /// Kiva stored the draft.
    Accepted {
        #[serde(default)]
        draft_id: Option<String>,
    },
    /// Kiva refused the draft (a 4xx answer).
    Rejected { status: u16, message: String },
    /// Not stored: a server error, a rate limit or a network failure before the request
    /// was sent. Sent again by a retry or a rerun.
    Failed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        message: String,
    },
    /// Sent, but whether Kiva stored it is unknown.
    Uncertain { reason: String },
}

/// A problem with the ledger file: fatal for the run.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LedgerError(pub String);

fn io_error(path: &Path, what: &str, e: &std::io::Error) -> LedgerError {
    LedgerError(format!(
        "{}: cannot {what}: {}",
        path.display(),
        io_message(e)
    ))
}

/// The last record of every (sha256, api) key.
#[derive(Debug, Default)]
pub struct History {
    last: HashMap<(String, String), Record>,
    /// Lines that could not be read (a line cut short by a kill, or edited by hand).
    pub unreadable: usize,
}

impl History {
    /// Reads a ledger's bytes; unreadable lines are counted and skipped.
    pub fn parse(bytes: &[u8]) -> History {
        let mut history = History::default();
        for line in bytes.split(|b| *b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Record>(line) {
                Ok(record) => {
                    history
                        .last
                        .insert((record.sha256.clone(), record.api.clone()), record);
                }
                Err(_) => history.unreadable += 1,
            }
        }
        history
    }

    /// The last record of a draft for an API.
    pub fn last(&self, sha256: &str, api: &str) -> Option<&Record> {
        self.last.get(&(sha256.to_string(), api.to_string()))
    }
}

/// What a rerun does with a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resume {
    /// Never sent, or sent and not stored: send it.
    Send,
    /// Kiva has it.
    Skip { draft_id: Option<String> },
    /// Its outcome is unknown: not sent again without `--resend-uncertain`.
    Hold { since: String, reason: String },
}

/// The resume rule: from a draft's last record, what to do with it now.
pub fn resume(last: Option<&Record>, resend_uncertain: bool) -> Resume {
    let Some(record) = last else {
        return Resume::Send;
    };
    let hold = |reason: &str| {
        if resend_uncertain {
            Resume::Send
        } else {
            Resume::Hold {
                since: record.time.clone(),
                reason: reason.to_string(),
            }
        }
    };
    match &record.state {
        State::Accepted { draft_id } => Resume::Skip {
            draft_id: draft_id.clone(),
        },
        State::Rejected { .. } | State::Failed { .. } => Resume::Send,
        State::Sending => hold("an earlier run stopped while sending it"),
        State::Uncertain { reason } => hold(reason),
    }
}

/// Reads the folder's ledger without locking it (for `--dry-run`); none is empty.
pub fn read(dir: &Path) -> Result<History, LedgerError> {
    let path = dir.join(FILE_NAME);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(History::parse(&bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(History::default()),
        Err(e) => Err(io_error(&path, "read the upload ledger", &e)),
    }
}

/// The open ledger of a folder, locked against other uploads, for appending.
///
/// Appends are group-committed: each caller waits until its record is synced, and one
/// sync covers every record queued meanwhile, so workers do not queue behind each
/// other's syncs.
#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    file: File,
    batch: Mutex<Batch>,
    synced: Condvar,
}

#[derive(Debug, Default)]
struct Batch {
    /// Lines not yet written.
    pending: Vec<u8>,
    /// Records queued so far, and how many of them are on disk.
    queued: u64,
    durable: u64,
    /// A caller is writing and syncing a batch.
    writing: bool,
    /// The first write error: every later append fails too.
    broken: Option<String>,
}

impl Ledger {
    /// Opens (or creates) the ledger of `dir`, locks it and reads its history.
    pub fn open(dir: &Path) -> Result<(Ledger, History), LedgerError> {
        let path = dir.join(FILE_NAME);
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(|e| io_error(&path, "open the upload ledger", &e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(LedgerError(format!(
                    "{}: another upload of this folder is running (its ledger is locked); wait for it to finish",
                    path.display()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(io_error(&path, "lock the upload ledger", &e));
            }
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| io_error(&path, "read the upload ledger", &e))?;
        if bytes.last().is_some_and(|b| *b != b'\n') {
            // A line cut short by a kill: end it so the next record starts clean.
            (&file)
                .write_all(b"\n")
                .and_then(|()| file.sync_data())
                .map_err(|e| io_error(&path, "write the upload ledger", &e))?;
        }
        if !existed {
            sync_dir(dir);
        }
        let ledger = Ledger {
            path,
            file,
            batch: Mutex::new(Batch::default()),
            synced: Condvar::new(),
        };
        Ok((ledger, History::parse(&bytes)))
    }

    /// Appends a record and returns once it is on disk.
    pub fn append(&self, record: &Record) -> Result<(), LedgerError> {
        let mut line = serde_json::to_vec(record).map_err(|e| LedgerError(e.to_string()))?;
        line.push(b'\n');
        let mut batch = self.batch.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(message) = &batch.broken {
            return Err(LedgerError(message.clone()));
        }
        batch.pending.extend_from_slice(&line);
        batch.queued += 1;
        let mine = batch.queued;
        loop {
            if batch.durable >= mine {
                return Ok(());
            }
            if let Some(message) = &batch.broken {
                return Err(LedgerError(message.clone()));
            }
            if batch.writing {
                batch = self
                    .synced
                    .wait(batch)
                    .unwrap_or_else(PoisonError::into_inner);
                continue;
            }
            // Lead: write and sync everything queued so far, without holding the lock.
            batch.writing = true;
            let lines = std::mem::take(&mut batch.pending);
            let upto = batch.queued;
            drop(batch);
            let result = (&self.file)
                .write_all(&lines)
                .and_then(|()| self.file.sync_data());
            batch = self.batch.lock().unwrap_or_else(PoisonError::into_inner);
            batch.writing = false;
            match result {
                Ok(()) => batch.durable = upto,
                Err(e) => {
                    batch.broken = Some(io_error(&self.path, "write the upload ledger", &e).0);
                }
            }
            self.synced.notify_all();
        }
    }
}

/// Makes a new file's name durable (Unix); elsewhere the rename is left to the system.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(sha: &str, state: State) -> Record {
        Record {
            time: "2026-05-01T10:00:00Z".into(),
            file: format!("{sha}.json"),
            loan_key: sha.into(),
            sha256: sha.into(),
            env: "stage".into(),
            api: "https://api".into(),
            partner_id: Some("7".into()),
            state,
        }
    }

    #[test]
    fn records_are_flat_json_lines() {
        let r = record(
            "ab",
            State::Rejected {
                status: 422,
                message: "bad".into(),
            },
        );
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(
            json,
            r#"{"time":"2026-05-01T10:00:00Z","file":"ab.json","loan_key":"ab","sha256":"ab","env":"stage","api":"https://api","partner_id":"7","state":"rejected","status":422,"message":"bad"}"#
        );
        assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), r);
        let sending = serde_json::to_string(&record("ab", State::Sending)).unwrap();
        assert!(sending.ends_with(r#""state":"sending"}"#), "{sending}");
        assert_eq!(
            serde_json::from_str::<Record>(&sending).unwrap().state,
            State::Sending
        );
    }

    #[test]
    fn the_last_record_per_draft_and_api_decides() {
        let mut text = String::new();
        for r in [
            record("a", State::Sending),
            record(
                "a",
                State::Accepted {
                    draft_id: Some("d1".into()),
                },
            ),
            record("b", State::Sending),
            record("c", State::Sending),
            record(
                "c",
                State::Failed {
                    status: Some(503),
                    message: "busy".into(),
                },
            ),
            record("d", State::Sending),
            record(
                "d",
                State::Uncertain {
                    reason: "timeout".into(),
                },
            ),
        ] {
            text.push_str(&serde_json::to_string(&r).unwrap());
            text.push('\n');
        }
        let mut other_api = record("b", State::Accepted { draft_id: None });
        other_api.api = "https://other".into();
        text.push_str(&serde_json::to_string(&other_api).unwrap());
        text.push_str("\n{\"time\":\"2026-05-01T10:00:01Z\",\"file\":\"e.json\",\"sha2");
        let history = History::parse(text.as_bytes());
        assert_eq!(history.unreadable, 1);
        let api = "https://api";
        assert_eq!(
            resume(history.last("a", api), false),
            Resume::Skip {
                draft_id: Some("d1".into())
            }
        );
        assert!(matches!(
            resume(history.last("b", api), false),
            Resume::Hold { .. }
        ));
        assert_eq!(resume(history.last("b", api), true), Resume::Send);
        assert_eq!(resume(history.last("c", api), false), Resume::Send);
        assert_eq!(
            resume(history.last("d", api), false),
            Resume::Hold {
                since: "2026-05-01T10:00:00Z".into(),
                reason: "timeout".into()
            }
        );
        assert_eq!(resume(history.last("e", api), false), Resume::Send);
        assert_eq!(
            resume(history.last("b", "https://other"), false),
            Resume::Skip { draft_id: None }
        );
    }

    #[test]
    fn a_cut_line_is_ended_before_appending_and_appends_are_durable_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let first = serde_json::to_string(&record("a", State::Sending)).unwrap();
        std::fs::write(&path, format!("{first}\n{{\"time\":\"2026")).unwrap();
        let (ledger, history) = Ledger::open(dir.path()).unwrap();
        assert_eq!(history.unreadable, 1);
        assert_eq!(
            history.last("a", "https://api").unwrap().state,
            State::Sending
        );
        std::thread::scope(|s| {
            for i in 0..8 {
                let ledger = &ledger;
                s.spawn(move || {
                    for j in 0..20 {
                        ledger
                            .append(&record(&format!("t{i}-{j}"), State::Sending))
                            .unwrap();
                    }
                });
            }
        });
        drop(ledger);
        let history = read(dir.path()).unwrap();
        assert_eq!(history.unreadable, 1);
        assert_eq!(history.last.len(), 1 + 8 * 20);
    }

    #[test]
    fn a_second_upload_of_the_same_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (_ledger, _) = Ledger::open(dir.path()).unwrap();
        let err = Ledger::open(dir.path()).unwrap_err();
        assert!(
            err.0.contains("another upload of this folder is running"),
            "{err}"
        );
    }
}
