//! `kiva-drafts upload DIR`: sends a drafts folder to Kiva's Partner API, safe to
//! rerun after any failure or kill.
//!
//! 1. The folder is read: every `*.json` but `summary.json` is a draft (hidden files
//!    are skipped), sent as the file's bytes; its loan key comes from `summary.json`
//!    when listed there, else from the file name. Drafts that break a rule of
//!    [`crate::validate`] are listed and not sent.
//! 2. The ledger ([`super::ledger`]) says which drafts Kiva already has for this API
//!    (skipped) and which have an unknown outcome (held back unless
//!    `--resend-uncertain`).
//! 3. The others go out through `--concurrency` worker threads that share one HTTP
//!    client (kept connections) and one token ([`super::auth`]). Each answer is sorted
//!    by [`super::client::classify`]: recorded, retried (server errors and network
//!    failures with backoff, 429 after `Retry-After`, a refused token once after
//!    renewing it), or recorded as uncertain when the draft may have arrived.
//! 4. A summary on stdout and `DIR/upload-results.csv` tell what became of each draft.
//!
//! Ctrl-C (SIGINT) or SIGTERM while drafts go out (see `interrupt` below) stops the
//! run gracefully: no draft and no retry starts any more, the requests already out
//! get their answer recorded, and step 4 runs as usual; a second one ends the process
//! at once, as a kill does (the ledger then holds the drafts in flight as `sending`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::auth::{SCOPE, Tokens};
use super::client::{self, Answer, Backoff, PartnerApi};
use super::connection::{Connection, Endpoints, Session};
use super::ledger::{self, History, Ledger, Record, Resume, State};
use super::progress::{Kind, Line, Progress};
use crate::draft::LoanDraft;
use crate::read::text::io_message;
use crate::validate::{self, Severity};
use crate::{Error, Outcome, emit};

/// The results file's name in the drafts folder.
pub const RESULTS: &str = "upload-results.csv";
/// Rate-limit waits per draft before it is left for a rerun.
const RATE_LIMIT_WAITS: u32 = 30;
/// What the coordinator must do about a draft whose outcome is unknown.
const CHECK_PA2: &str = "check PA2 > Loans > Drafts first";
/// Why a draft was not sent, or not tried again, after Ctrl-C.
const INTERRUPTED: &str = "the upload was interrupted (rerun to send it)";

/// Where and how to upload (shared by `upload` and `convert --upload`).
#[derive(Debug, Clone, clap::Args)]
pub struct UploadOptions {
    #[command(flatten)]
    pub connection: Connection,
    /// Drafts sent at the same time.
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Send again the drafts whose outcome is unknown (check PA2 > Loans > Drafts
    /// first: those already there would be created twice).
    #[arg(long)]
    pub resend_uncertain: bool,
    /// Do everything but send: show what would be sent where (no credentials needed).
    #[arg(long)]
    pub dry_run: bool,
}

/// `kiva-drafts upload DIR`.
#[derive(Debug, Clone, clap::Args)]
pub struct UploadArgs {
    /// The drafts folder written by `convert`.
    pub dir: PathBuf,
    #[command(flatten)]
    pub options: UploadOptions,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs `upload`.
pub fn run(args: &UploadArgs) -> Result<Outcome, Error> {
    upload_dir(&args.dir, &args.options, args.quiet)
}

/// Uploads the drafts of `dir`: `Success` when Kiva has every draft, `SomeFailed` when
/// some were invalid, rejected, not stored or of unknown outcome, an error when the
/// upload could not run (usage, credentials, I/O) or had to stop.
pub fn upload_dir(dir: &Path, options: &UploadOptions, quiet: bool) -> Result<Outcome, Error> {
    let target = options.connection.endpoints()?;
    let drafts = read_drafts(dir)?;
    let history = ledger::read(dir).map_err(|e| Error::Usage(e.0))?;
    let mut steps = plan(&drafts, &history, &target.api, options.resend_uncertain);
    if options.dry_run {
        return Ok(dry_run(&target, &drafts, &steps, &history));
    }

    let sender = if steps.contains(&Step::Send) {
        let (sender, locked) = Sender::prepare(dir, options)?;
        // Planned again under the ledger's lock: an upload that ran meanwhile counts.
        steps = plan(&drafts, &locked, &target.api, options.resend_uncertain);
        Some(sender)
    } else {
        None
    };
    if history.unreadable > 0 && !quiet {
        eprintln!(
            "kiva-drafts: {}: skipped {} unreadable line{} (cut short when an earlier upload was stopped?)",
            ledger::FILE_NAME,
            history.unreadable,
            plural(history.unreadable)
        );
    }
    let mut rows: Vec<Option<Row>> = drafts
        .iter()
        .zip(&steps)
        .map(|(draft, step)| step.row(draft))
        .collect();
    for ((draft, step), row) in drafts.iter().zip(&steps).zip(&rows) {
        match (step, row) {
            (Step::Invalid, _) => {
                for problem in &draft.problems {
                    eprintln!("kiva-drafts: error: {}: not sent: {problem}", draft.label());
                }
            }
            (_, Some(row)) if !row.status.ok() => {
                eprintln!("kiva-drafts: error: {}: {}", draft.label(), row.message);
            }
            _ => {}
        }
    }

    let mut partner_id = target.partner_id.clone();
    let mut stopped = None;
    let mut interrupted = false;
    if let Some(sender) = &sender {
        partner_id = Some(sender.partner_id.clone());
        let queue: Vec<usize> = (0..drafts.len())
            .filter(|&i| matches!(steps[i], Step::Send))
            .collect();
        if !quiet {
            eprintln!(
                "kiva-drafts: sending {} draft{} to {} ({}), {} at a time",
                queue.len(),
                plural(queue.len()),
                target.env,
                client::draft_url(&target.api, &sender.partner_id),
                options
                    .concurrency
                    .min(u16::try_from(queue.len()).unwrap_or(u16::MAX))
            );
        }
        interrupted = sender.send_all(
            &drafts,
            &queue,
            &mut rows,
            usize::from(options.concurrency),
            quiet,
        );
        stopped = sender.stop.reason();
        let why = match &stopped {
            Some(reason) => format!("the upload stopped: {reason}"),
            None if interrupted => INTERRUPTED.to_string(),
            None => "the upload stopped: unknown reason".to_string(),
        };
        for &i in &queue {
            if rows[i].is_none() {
                rows[i] = Some(Row::not_sent(&why));
            }
        }
    }
    let rows = settle_duplicates(&drafts, &steps, rows);

    write_results(dir, &drafts, &rows)?;
    let interrupted = interrupted && stopped.is_none();
    if !quiet {
        print_summary(dir, &target, partner_id.as_deref(), &rows, interrupted);
    } else if interrupted {
        eprintln!("kiva-drafts: {}", interrupted_line(dir, &rows));
    }
    if let Some(reason) = stopped {
        return Err(Error::Usage(format!("the upload stopped: {reason}")));
    }
    Ok(if rows.iter().all(|r| r.status.ok()) {
        Outcome::Success
    } else {
        Outcome::SomeFailed
    })
}

/// One draft file. Its bytes are read again when it is sent (and checked against the
/// hash), so a large folder of drafts with photos is never held in memory at once.
#[derive(Debug)]
struct Draft {
    file: String,
    path: PathBuf,
    loan_key: String,
    size: usize,
    sha256: String,
    /// Validation errors, `rule: field: message`; a draft with any is not sent.
    problems: Vec<String>,
}

impl Draft {
    /// `000245.json`, or `LN_2026_15-1a2b3c4d.json (loan LN/2026/15)`.
    fn label(&self) -> String {
        if Path::new(&self.file).file_stem() == Some(self.loan_key.as_ref()) {
            self.file.clone()
        } else {
            format!("{} (loan {})", self.file, self.loan_key)
        }
    }

    /// The bytes to send: the file as it was when checked.
    fn load(&self) -> Result<Arc<[u8]>, String> {
        let bytes = std::fs::read(&self.path)
            .map_err(|e| format!("cannot read {}: {}", self.file, io_message(&e)))?;
        if sha256_hex(&bytes) != self.sha256 {
            return Err(format!(
                "{} changed after the upload started; rerun to send the new version",
                self.file
            ));
        }
        Ok(Arc::from(bytes))
    }
}

fn is_draft_name(name: &str) -> bool {
    !name.starts_with('.')
        && Path::new(name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        && !name.eq_ignore_ascii_case(emit::SUMMARY)
}

/// Reads and checks the drafts of `dir`, by file name.
fn read_drafts(dir: &Path) -> Result<Vec<Draft>, Error> {
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
        let (bytes, problems) = match std::fs::read(&path) {
            Ok(bytes) => {
                let problems = check(&bytes, &options);
                (bytes, problems)
            }
            Err(e) => (Vec::new(), vec![format!("unreadable: {}", io_message(&e))]),
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
fn check(bytes: &[u8], options: &validate::Options) -> Vec<String> {
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

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

/// What this run does with a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Send,
    /// Kiva has it from an earlier run.
    Skip {
        draft_id: Option<String>,
    },
    /// Outcome unknown from an earlier run; not sent without `--resend-uncertain`.
    Hold {
        since: String,
        reason: String,
    },
    Invalid,
    /// The same bytes as an earlier file of the folder: sent once, for both.
    Duplicate {
        of: usize,
    },
}

fn plan(drafts: &[Draft], history: &History, api: &str, resend_uncertain: bool) -> Vec<Step> {
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    drafts
        .iter()
        .enumerate()
        .map(|(i, draft)| {
            if !draft.problems.is_empty() {
                return Step::Invalid;
            }
            if let Some(&of) = first_of.get(draft.sha256.as_str()) {
                return Step::Duplicate { of };
            }
            first_of.insert(&draft.sha256, i);
            match ledger::resume(history.last(&draft.sha256, api), resend_uncertain) {
                Resume::Send => Step::Send,
                Resume::Skip { draft_id } => Step::Skip { draft_id },
                Resume::Hold { since, reason } => Step::Hold { since, reason },
            }
        })
        .collect()
}

impl Step {
    /// The result row of a draft this run does not send (duplicates are settled last).
    fn row(&self, draft: &Draft) -> Option<Row> {
        match self {
            Step::Send | Step::Duplicate { .. } => None,
            Step::Skip { draft_id } => Some(Row {
                status: Status::AlreadySent,
                draft_id: draft_id.clone(),
                message: "sent by an earlier run".into(),
            }),
            Step::Hold { since, reason } => Some(Row {
                status: Status::Uncertain,
                draft_id: None,
                message: format!(
                    "outcome unknown since {since} ({reason}); not sent again: {CHECK_PA2}, then rerun with --resend-uncertain if it is not there"
                ),
            }),
            Step::Invalid => Some(Row {
                status: Status::Invalid,
                draft_id: None,
                message: format!("not sent: {}", draft.problems.join("; ")),
            }),
        }
    }
}

/// What became of a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Accepted,
    AlreadySent,
    Duplicate,
    Rejected,
    Failed,
    Uncertain,
    Invalid,
    NotSent,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::AlreadySent => "already-sent",
            Status::Duplicate => "duplicate",
            Status::Rejected => "rejected",
            Status::Failed => "failed",
            Status::Uncertain => "uncertain",
            Status::Invalid => "invalid",
            Status::NotSent => "not-sent",
        }
    }

    /// Kiva has the draft.
    fn ok(self) -> bool {
        matches!(
            self,
            Status::Accepted | Status::AlreadySent | Status::Duplicate
        )
    }
}

/// A line of the results.
#[derive(Debug, Clone)]
struct Row {
    status: Status,
    draft_id: Option<String>,
    message: String,
}

impl Row {
    fn new(status: Status, message: String) -> Self {
        Row {
            status,
            draft_id: None,
            message,
        }
    }

    fn not_sent(reason: &str) -> Self {
        Row::new(Status::NotSent, format!("not sent: {reason}"))
    }
}

/// A duplicate shares the fate of the file it duplicates.
fn settle_duplicates(drafts: &[Draft], steps: &[Step], rows: Vec<Option<Row>>) -> Vec<Row> {
    let settled: Vec<Option<Row>> = rows.clone();
    rows.into_iter()
        .zip(steps)
        .map(|(row, step)| match (row, step) {
            (Some(row), _) => row,
            (None, Step::Duplicate { of }) => {
                let original = settled[*of]
                    .clone()
                    .unwrap_or_else(|| Row::not_sent("no outcome recorded"));
                if original.status.ok() {
                    Row {
                        status: Status::Duplicate,
                        draft_id: original.draft_id,
                        message: format!("same content as {}: sent once", drafts[*of].file),
                    }
                } else {
                    Row {
                        message: format!(
                            "same content as {}: {}",
                            drafts[*of].file, original.message
                        ),
                        ..original
                    }
                }
            }
            (None, _) => Row::not_sent("no outcome recorded"),
        })
        .collect()
}

/// Why the workers must stop taking drafts (the first reason is kept).
#[derive(Debug, Default)]
struct Stop {
    flag: AtomicBool,
    reason: Mutex<Option<String>>,
}

impl Stop {
    fn set(&self, reason: String) {
        let mut slot = self.reason.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(reason);
        }
        self.flag.store(true, Ordering::SeqCst);
    }

    fn is_set(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    fn reason(&self) -> Option<String> {
        self.reason
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A pause every worker honours after a 429, so the rate limit is respected by all.
#[derive(Debug, Default)]
struct Pause(Mutex<Option<Instant>>);

impl Pause {
    fn until(&self, until: Instant) {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none_or(|t| t < until) {
            *slot = Some(until);
        }
    }

    fn deadline(&self) -> Option<Instant> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Messages from the workers to the display.
enum Event {
    Retry { index: usize, why: String },
    Done { index: usize, row: Row },
}

/// Everything the workers share.
struct Sender {
    api: PartnerApi,
    tokens: Tokens,
    ledger: Ledger,
    env: &'static str,
    api_base: String,
    partner_id: String,
    backoff: Backoff,
    pause: Pause,
    stop: Stop,
    /// Requests sent and not yet answered.
    in_flight: AtomicUsize,
}

impl Sender {
    /// Opens the connection (credentials, first token, partner id: wrong credentials
    /// stop the run before anything is sent), then locks the ledger.
    fn prepare(dir: &Path, options: &UploadOptions) -> Result<(Sender, History), Error> {
        let Session {
            endpoints,
            client,
            tokens,
            partner_id,
            redactor,
            backoff,
        } = options.connection.open(usize::from(options.concurrency))?;
        let (ledger, history) = Ledger::open(dir).map_err(|e| Error::Usage(e.0))?;
        let sender = Sender {
            api: PartnerApi::new(client, &endpoints.api, &partner_id, redactor),
            tokens,
            ledger,
            env: endpoints.env,
            api_base: endpoints.api,
            partner_id,
            backoff,
            pause: Pause::default(),
            stop: Stop::default(),
            in_flight: AtomicUsize::new(0),
        };
        Ok((sender, history))
    }

    /// Sends the queued drafts with `workers` threads; fills the rows of the drafts
    /// that were sent (the others are left `None`). True if Ctrl-C (or SIGTERM)
    /// interrupted the sending.
    fn send_all(
        &self,
        drafts: &[Draft],
        queue: &[usize],
        rows: &mut [Option<Row>],
        workers: usize,
        quiet: bool,
    ) -> bool {
        let next = AtomicUsize::new(0);
        let (events, received) = mpsc::channel::<Event>();
        let catch = interrupt::Catch::start();
        let mut progress = Progress::start(queue.len(), quiet);
        let mut interrupted = false;
        std::thread::scope(|scope| {
            for _ in 0..workers.min(queue.len()) {
                let events = events.clone();
                let next = &next;
                scope.spawn(move || {
                    while !self.stop.is_set() && !interrupt::requested() {
                        let Some(&index) = queue.get(next.fetch_add(1, Ordering::SeqCst)) else {
                            break;
                        };
                        let Some(row) = self.send(&drafts[index], index, &events) else {
                            // Interrupted before its first attempt: left for a rerun.
                            break;
                        };
                        if events.send(Event::Done { index, row }).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(events);
            loop {
                // Woken now and then to tell at once that a signal came.
                let event = received.recv_timeout(Duration::from_millis(100));
                if !interrupted && interrupt::requested() {
                    interrupted = true;
                    progress.interrupted(self.in_flight.load(Ordering::SeqCst));
                }
                let event = match event {
                    Ok(event) => event,
                    Err(mpsc::RecvTimeoutError::Timeout) => continue,
                    Err(mpsc::RecvTimeoutError::Disconnected) => break,
                };
                match event {
                    Event::Retry { index, why } => {
                        progress.retrying(index, &drafts[index].label(), &why);
                    }
                    Event::Done { index, row } => {
                        let kind = match row.status {
                            s if s.ok() => Kind::Accepted,
                            Status::Uncertain => Kind::Uncertain,
                            _ => Kind::Rejected,
                        };
                        let text = if kind == Kind::Accepted {
                            row.draft_id
                                .as_deref()
                                .map_or_else(|| row.message.clone(), |id| format!("draft {id}"))
                        } else {
                            row.message.clone()
                        };
                        progress.finished(
                            index,
                            &Line {
                                draft: &drafts[index].label(),
                                kind,
                                text: &text,
                            },
                        );
                        rows[index] = Some(row);
                    }
                }
            }
        });
        // From here on a signal ends the process again (the ledger is complete).
        let interrupted = interrupted || interrupt::requested();
        drop(catch);
        progress.finish();
        interrupted
    }

    /// Sends one draft until it has an outcome for this run; `None` if the upload was
    /// interrupted before its first attempt.
    fn send(&self, draft: &Draft, index: usize, events: &mpsc::Sender<Event>) -> Option<Row> {
        let retry = |why: String| {
            let _ = events.send(Event::Retry { index, why });
        };
        let mut failures = 0;
        let mut waits = 0;
        let mut renewed = false;
        // What went wrong with the last attempt, when there was one.
        let mut last_failure: Option<String> = None;
        loop {
            self.wait_for_pause();
            if self.stop.is_set() {
                return Some(Row::not_sent(&format!(
                    "the upload stopped: {}",
                    self.stop.reason().unwrap_or_default()
                )));
            }
            if interrupt::requested() {
                // No new attempt: the last one's `failed` record lets a rerun send it.
                return last_failure.map(|text| {
                    Row::new(
                        Status::Failed,
                        format!("not stored: {text}; not tried again: {INTERRUPTED}"),
                    )
                });
            }
            let token = match self.tokens.current() {
                Ok(token) => token,
                Err(e) => {
                    self.stop.set(e.to_string());
                    return Some(Row::not_sent(&e.to_string()));
                }
            };
            let bytes = match draft.load() {
                Ok(bytes) => bytes,
                Err(reason) => return Some(Row::not_sent(&reason)),
            };
            if !self.record(draft, State::Sending) {
                return Some(Row::not_sent("the ledger could not be written"));
            }
            self.in_flight.fetch_add(1, Ordering::SeqCst);
            let answer = self.api.post_draft(&token.access, &bytes);
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            if matches!(
                answer,
                Answer::Accepted { .. }
                    | Answer::Rejected { .. }
                    | Answer::RateLimited { .. }
                    | Answer::ServerError { .. }
            ) {
                token.prove();
            }
            match answer {
                Answer::Accepted { draft_id, message } => {
                    self.record(
                        draft,
                        State::Accepted {
                            draft_id: draft_id.clone(),
                        },
                    );
                    return Some(Row {
                        status: Status::Accepted,
                        draft_id,
                        message: message.unwrap_or_default(),
                    });
                }
                Answer::Rejected { status, message } => {
                    let text = format!("rejected by Kiva ({status}): {message}");
                    self.record(draft, State::Rejected { status, message });
                    return Some(Row::new(Status::Rejected, text));
                }
                Answer::Unknown { reason } => {
                    let text = format!(
                        "outcome unknown ({reason}): {CHECK_PA2}, then rerun with --resend-uncertain if it is not there"
                    );
                    self.record(draft, State::Uncertain { reason });
                    return Some(Row::new(Status::Uncertain, text));
                }
                Answer::TokenRefused { status, message } => {
                    // A new token refused before the API ever took it: the credentials
                    // cannot create drafts. A token that worked and is now refused was
                    // revoked or expired, even right after a renewal: renew again.
                    if renewed && !token.is_proven() {
                        let text = format!("token refused twice ({status}): {message}");
                        self.stop.set(format!(
                            "Kiva refused a new token too ({status}: {message}); check in PA2 > Account > API Access that these credentials may create loan drafts (scope {SCOPE})"
                        ));
                        self.record(draft, State::Rejected { status, message });
                        return Some(Row::new(Status::Rejected, text));
                    }
                    renewed = true;
                    let text = format!("token refused ({status}: {message})");
                    self.record(
                        draft,
                        State::Failed {
                            status: Some(status),
                            message,
                        },
                    );
                    last_failure = Some(text.clone());
                    if interrupt::requested() {
                        continue;
                    }
                    if let Err(e) = self.tokens.renew_after_refusal(&token) {
                        self.stop.set(e.to_string());
                        return Some(Row::not_sent(&e.to_string()));
                    }
                    retry(format!("{text}; retrying with a new token"));
                }
                Answer::RateLimited {
                    retry_after,
                    message,
                } => {
                    waits += 1;
                    let text = format!("rate limited (429: {message})");
                    self.record(
                        draft,
                        State::Failed {
                            status: Some(429),
                            message,
                        },
                    );
                    if waits > RATE_LIMIT_WAITS {
                        return Some(Row::new(
                            Status::Failed,
                            format!("{text} {RATE_LIMIT_WAITS} times; rerun later"),
                        ));
                    }
                    last_failure = Some(text.clone());
                    if interrupt::requested() {
                        continue;
                    }
                    let wait = retry_after.unwrap_or_else(|| self.backoff.delay(waits));
                    self.pause.until(Instant::now() + wait);
                    retry(format!("{text}, waiting {}", seconds(wait)));
                }
                answer @ (Answer::ServerError { .. } | Answer::NotSent { .. }) => {
                    let (status, text) = match answer {
                        Answer::ServerError { status, message } => {
                            (Some(status), format!("server error ({status}: {message})"))
                        }
                        Answer::NotSent { reason } => (None, reason),
                        _ => unreachable!("matched above"),
                    };
                    failures += 1;
                    self.record(
                        draft,
                        State::Failed {
                            status,
                            message: text.clone(),
                        },
                    );
                    if failures >= self.backoff.attempts {
                        return Some(Row::new(
                            Status::Failed,
                            format!(
                                "not stored: {text}; gave up after {failures} attempts (rerun to try again)"
                            ),
                        ));
                    }
                    last_failure = Some(text.clone());
                    if interrupt::requested() {
                        continue;
                    }
                    let delay = self.backoff.delay(failures);
                    retry(format!(
                        "{text}; attempt {} of {} in {}",
                        failures + 1,
                        self.backoff.attempts,
                        seconds(delay)
                    ));
                    self.sleep(delay);
                }
            }
        }
    }

    /// Appends a ledger record; on failure stops the run and returns false.
    fn record(&self, draft: &Draft, state: State) -> bool {
        let record = Record {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            file: draft.file.clone(),
            loan_key: draft.loan_key.clone(),
            sha256: draft.sha256.clone(),
            env: self.env.to_string(),
            api: self.api_base.clone(),
            partner_id: Some(self.partner_id.clone()),
            state,
        };
        match self.ledger.append(&record) {
            Ok(()) => true,
            Err(e) => {
                self.stop.set(e.0);
                false
            }
        }
    }

    /// Waits out a rate-limit pause, waking early if the run stops or is interrupted.
    fn wait_for_pause(&self) {
        while let Some(until) = self.pause.deadline() {
            let now = Instant::now();
            if until <= now || self.stop.is_set() || interrupt::requested() {
                return;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(200)));
        }
    }

    /// Sleeps, waking early if the run stops or is interrupted.
    fn sleep(&self, duration: Duration) {
        let end = Instant::now() + duration;
        loop {
            let now = Instant::now();
            if now >= end || self.stop.is_set() || interrupt::requested() {
                return;
            }
            std::thread::sleep((end - now).min(Duration::from_millis(200)));
        }
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `DIR/upload-results.csv`: file, loan key, status, draft id, message.
fn write_results(dir: &Path, drafts: &[Draft], rows: &[Row]) -> Result<(), Error> {
    let mut csv = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::Usage(format!("{RESULTS}: {e}"));
    csv.write_record(["file", "loan_key", "status", "draft_id", "message"])
        .map_err(io)?;
    for (draft, row) in drafts.iter().zip(rows) {
        csv.write_record([
            draft.file.as_str(),
            draft.loan_key.as_str(),
            row.status.as_str(),
            row.draft_id.as_deref().unwrap_or(""),
            row.message.as_str(),
        ])
        .map_err(io)?;
    }
    let bytes = csv
        .into_inner()
        .map_err(|e| Error::Usage(format!("{RESULTS}: {}", e.error())))?;
    emit::write_atomic(&dir.join(RESULTS), &bytes).map_err(Error::Emit)
}

fn print_summary(
    dir: &Path,
    target: &Endpoints,
    partner_id: Option<&str>,
    rows: &[Row],
    interrupted: bool,
) {
    let count = |status: Status| rows.iter().filter(|r| r.status == status).count();
    println!(
        "upload to {} ({}{}): {} draft{}",
        target.env,
        target.api,
        partner_id
            .map(|p| format!(", partner {p}"))
            .unwrap_or_default(),
        rows.len(),
        plural(rows.len())
    );
    println!("  accepted: {}", count(Status::Accepted));
    for (status, label) in [
        (Status::AlreadySent, "already sent"),
        (
            Status::Duplicate,
            "same content as another file (sent once)",
        ),
        (Status::Rejected, "rejected by Kiva"),
        (
            Status::Failed,
            "not stored (server or network errors; rerun to try again)",
        ),
        (Status::Uncertain, "uncertain (outcome unknown)"),
        (Status::Invalid, "not sent because invalid"),
        (
            Status::NotSent,
            if interrupted {
                "not sent (the upload was interrupted)"
            } else {
                "not sent (the upload stopped)"
            },
        ),
    ] {
        let n = count(status);
        if n > 0 {
            println!("  {label}: {n}");
        }
    }
    println!("results: {}", dir.join(RESULTS).display());
    let uncertain = count(Status::Uncertain);
    if uncertain > 0 {
        println!(
            "{uncertain} draft{} may or may not be in PA2: {CHECK_PA2}; rerun with --resend-uncertain to send the ones that are not there (move the others out of the folder)",
            plural(uncertain)
        );
    }
    if interrupted {
        println!("{}", interrupted_line(dir, rows));
    }
}

/// What an interrupted upload left to do.
fn interrupted_line(dir: &Path, rows: &[Row]) -> String {
    let left = rows.iter().filter(|r| r.status == Status::NotSent).count();
    if left == 0 {
        return "interrupted after the last draft had gone out".to_string();
    }
    format!(
        "interrupted: {left} draft{} not sent; run kiva-drafts upload {} with the same options to send them (drafts Kiva has are not sent again)",
        plural(left),
        dir.display()
    )
}

/// Prints what would be sent where; sends nothing, needs no credentials.
fn dry_run(target: &Endpoints, drafts: &[Draft], steps: &[Step], history: &History) -> Outcome {
    let partner = target.partner_id.as_deref().unwrap_or("{partnerId}");
    println!("dry run: nothing is sent");
    println!(
        "would send to {}: POST {}",
        target.env,
        client::draft_url(&target.api, partner)
    );
    println!(
        "  with a token from POST {} (audience {}, scope {SCOPE}){}",
        target.auth,
        target.api,
        if target.partner_id.is_none() {
            "; the partner id comes with the token"
        } else {
            ""
        }
    );
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (draft, step) in drafts.iter().zip(steps) {
        let (what, detail) = match step {
            Step::Send => (
                "send",
                format!("{} bytes, sha256 {}", draft.size, &draft.sha256[..12]),
            ),
            Step::Skip { draft_id } => (
                "already sent",
                draft_id
                    .as_deref()
                    .map_or_else(String::new, |id| format!("draft {id}")),
            ),
            Step::Hold { since, reason } => (
                "held",
                format!("outcome unknown since {since} ({reason}): {CHECK_PA2}"),
            ),
            Step::Invalid => ("invalid", draft.problems.join("; ")),
            Step::Duplicate { of } => {
                ("duplicate", format!("same content as {}", drafts[*of].file))
            }
        };
        *counts.entry(what).or_default() += 1;
        println!("  {what:<12} {}: {detail}", draft.label());
    }
    let n = |what: &str| counts.get(what).copied().unwrap_or(0);
    println!(
        "{} draft{}: {} to send, {} already sent, {} held (outcome unknown), {} invalid, {} duplicate",
        drafts.len(),
        plural(drafts.len()),
        n("send"),
        n("already sent"),
        n("held"),
        n("invalid"),
        n("duplicate")
    );
    if history.unreadable > 0 {
        println!(
            "{}: {} unreadable line{} skipped",
            ledger::FILE_NAME,
            history.unreadable,
            plural(history.unreadable)
        );
    }
    if n("held") + n("invalid") > 0 {
        Outcome::SomeFailed
    } else {
        Outcome::Success
    }
}

/// Ctrl-C (SIGINT) and SIGTERM while drafts go out.
///
/// The first one only sets a flag: the workers start no new draft and no new attempt,
/// and the requests already out end as usual, so their outcome is recorded. The next
/// one takes the signal's default action at once, from the signal handler itself, so
/// it works even while the process waits on the network: the process dies as if the
/// signal had not been caught (exit status 130 for SIGINT in a shell), and the ledger
/// holds each draft then in flight as `sending`, reported as uncertain by a rerun.
/// Outside [`Catch`] (before the first draft and once the last one has its outcome)
/// every signal takes its default action, as it always did.
///
/// Unix only. Elsewhere nothing is caught: Ctrl-C ends the upload at once, with the
/// same ledger guarantees.
mod interrupt {
    use std::sync::atomic::{AtomicBool, Ordering};

    /// A signal arrived during the current [`Catch`].
    static REQUESTED: AtomicBool = AtomicBool::new(false);
    /// The next signal ends the process (its default action).
    static FATAL: AtomicBool = AtomicBool::new(true);

    /// Catches the signals until dropped.
    pub struct Catch(());

    impl Catch {
        /// From now on the first signal is noted, not fatal (if the handlers could be
        /// installed; if not, signals stay fatal).
        pub fn start() -> Catch {
            REQUESTED.store(false, Ordering::SeqCst);
            FATAL.store(!install(), Ordering::SeqCst);
            Catch(())
        }
    }

    impl Drop for Catch {
        fn drop(&mut self) {
            FATAL.store(true, Ordering::SeqCst);
        }
    }

    /// A signal arrived: start nothing new.
    pub fn requested() -> bool {
        REQUESTED.load(Ordering::SeqCst)
    }

    /// Installs the handlers once per process; true if they are in place.
    #[cfg(unix)]
    fn install() -> bool {
        use signal_hook::consts::{SIGINT, SIGTERM};
        use signal_hook::flag;
        static INSTALLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *INSTALLED.get_or_init(|| {
            [SIGINT, SIGTERM].into_iter().all(|signal| {
                // Run in this order: a signal checks whether it is fatal, makes the next
                // one fatal, then is noted.
                flag::register_conditional_default(signal, &FATAL).is_ok()
                    && flag::register(signal, &FATAL).is_ok()
                    && flag::register(signal, &REQUESTED).is_ok()
            })
        })
    }

    #[cfg(not(unix))]
    fn install() -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(file: &str, bytes: &str, problems: &[&str]) -> Draft {
        Draft {
            file: file.into(),
            path: PathBuf::from(file),
            loan_key: file.trim_end_matches(".json").into(),
            sha256: sha256_hex(bytes.as_bytes()),
            size: bytes.len(),
            problems: problems.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn only_draft_files_are_drafts() {
        assert!(is_draft_name("000245.json"));
        assert!(is_draft_name("A.JSON"));
        assert!(!is_draft_name("summary.json"));
        assert!(!is_draft_name(".kiva-drafts"));
        assert!(!is_draft_name(".x.json.123.tmp"));
        assert!(!is_draft_name(".hidden.json"));
        assert!(!is_draft_name(ledger::FILE_NAME));
        assert!(!is_draft_name(RESULTS));
    }

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn plan_skips_sent_holds_unknown_and_sends_the_rest_once() {
        let drafts = vec![
            draft("a.json", "{a}", &[]),
            draft("b.json", "{b}", &[]),
            draft("c.json", "{c}", &["no-borrower: entreps: none"]),
            draft("d.json", "{a}", &[]),
            draft("e.json", "{e}", &[]),
        ];
        let api = "https://api";
        let line = |d: &Draft, state: &str| {
            format!(
                r#"{{"time":"t","file":"{}","loan_key":"k","sha256":"{}","env":"stage","api":"{api}",{state}}}"#,
                d.file, d.sha256
            )
        };
        let ledger = [
            line(&drafts[0], r#""state":"sending""#),
            line(&drafts[0], r#""state":"accepted","draft_id":"d-a""#),
            line(&drafts[1], r#""state":"sending""#),
        ]
        .join("\n");
        let history = History::parse(ledger.as_bytes());
        let steps = plan(&drafts, &history, api, false);
        assert_eq!(
            steps,
            vec![
                Step::Skip {
                    draft_id: Some("d-a".into())
                },
                Step::Hold {
                    since: "t".into(),
                    reason: "an earlier run stopped while sending it".into()
                },
                Step::Invalid,
                Step::Duplicate { of: 0 },
                Step::Send,
            ]
        );
        assert_eq!(plan(&drafts, &history, api, true)[1], Step::Send);
        assert_eq!(
            plan(&drafts, &history, "https://other", false)[0],
            Step::Send
        );
        let rows: Vec<Option<Row>> = drafts.iter().zip(&steps).map(|(d, s)| s.row(d)).collect();
        let rows = settle_duplicates(&drafts, &steps, rows);
        assert_eq!(rows[3].status, Status::Duplicate);
        assert_eq!(rows[3].draft_id.as_deref(), Some("d-a"));
    }
}
