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

mod drafts;
mod plan;
mod results;
mod sender;
#[cfg(test)]
mod tests;

#[allow(clippy::wildcard_imports)]
use drafts::*;
#[allow(clippy::wildcard_imports)]
use plan::*;
#[allow(clippy::wildcard_imports)]
use results::*;
#[allow(clippy::wildcard_imports)]
use sender::*;

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
