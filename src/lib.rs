//! kiva-drafts: MIS exports (CSV, Excel, ODS) to Kiva `loan_draft` JSON.
//!
//! The pipeline runs one way: [`read`] an export into tables, [`map`] cells to typed
//! values with a [`template`], [`group`] rows into loans with their schedules, check
//! them ([`validate`]) and [`emit`] one draft file per loan; [`kiva`] uploads them.
//! [`cli`] turns arguments into a command; each command returns an [`Outcome`] or a
//! fatal [`Error`], and `main` maps them to exit codes (0 all done, 1 some loans
//! failed, 2 usage or I/O error).
//!
//! # Where things are
//!
//! ```text
//! stage        files                        what it owns
//! ----------   --------------------------   --------------------------------------------
//! command      cli.rs                       clap arguments -> a command; exit codes
//! read         read/mod.rs                  Table, Row, Cell, Origin; inputs by name
//!              read/text/                   CSV/TSV: encoding, sniff (delimiter), stream
//!              read/workbook.rs             xlsx/xls/xlsb/ods through calamine
//!              read/container/              what a file really is (zip, OLE, text)
//!              read/biff.rs, ods.rs,        grids calamine would build, measured first
//!              sprawl.rs
//!              read/merged.rs               cells merged down over data rows
//!              read/header.rs               header row below title rows, 2-row headers
//! template     template.rs                  the TOML format, checked before reading
//! map          map.rs, dates.rs, money.rs   cells -> typed values; declared dates;
//!                                           decimal money and ISO 4217 minor units
//! group        group/mod.rs                 Loan, FailedLoan, the public types
//!              group/bind.rs                the template bound to a table's columns
//!              group/keys.rs                the loan a row belongs to (group keys)
//!              group/rows.rs                a loan's rows: fields, borrowers, installments
//!              group/plan.rs                passes over the inputs; schedule join
//!              group/build.rs               a loan's draft; members due on one schedule
//!              group/terms.rs + amortize/   schedules generated from loan terms
//! draft        draft.rs                     the loan_draft model; the only field names
//! validate     validate/                    Kiva's rules: rules (the table), group, borrowers,
//!                                           values, schedule, images, batch
//! emit         emit.rs                      safe file names, atomic writes, our folder;
//!                                           drafts and summary read back, bounded
//! report       report.rs, annotate.rs       findings as JSON/CSV; annotated workbook
//! convert      convert/mod.rs               the command: read -> group -> write
//!              convert/inputs.rs            which input is which, read options
//!              convert/pipeline.rs          the grouping and writing threads
//!              convert/summary.rs           summary.json
//! review       review/                      review.html: input, data, script_json,
//!                                           writer (loan by loan), html, page.js/css
//! upload       kiva/upload/                 bulk upload: drafts, plan, sender, results
//!              kiva/ledger.rs               the append-only ledger: none lost or sent twice
//!              kiva/client.rs, auth.rs,     HTTP, OAuth2 client credentials, tokens,
//!              connection.rs, credentials.rs,  where to send, secrets that never print
//!              secret.rs, progress.rs
//! reference    reference/, kiva/config.rs   Kiva's lists (config pull), names -> ids
//! inspect      inspect/mod.rs               an unknown export explained
//!              inspect/profile.rs           each column's type, fill, values
//!              inspect/layout.rs            sheets, header and title rows
//!              inspect/shape/               shape, keys and field evidence
//!              inspect/fields/              the four-language header dictionary
//!              inspect/template_writer.rs   the starter template, with its evidence
//!              inspect/render.rs            the report in 80 columns
//! other        blank.rs (template --blank), schedule.rs (schedule preview),
//!              validate_cmd.rs (validate on files), crash.rs (panics: one line,
//!              and one loan, draft or workbook fails, not the batch)
//! ```
//!
//! Tests: unit tests sit beside the code (a `tests.rs` in a module's folder); the
//! binary is tested end to end in `tests/` on real files (`samples/`, `tests/fixtures/`)
//! and a loopback Kiva-like server (`tests/server/`).

pub mod amortize;
pub mod annotate;
pub mod blank;
pub mod cli;
pub mod convert;
pub mod crash;
pub mod dates;
pub mod draft;
pub mod emit;
pub mod group;
pub mod inspect;
pub mod kiva;
pub mod map;
pub mod money;
pub mod read;
pub mod reference;
pub mod report;
pub mod review;
pub mod schedule;
pub mod template;
pub mod validate;
pub mod validate_cmd;

/// How a command that ran to its end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything was done.
    Success,
    /// Some loans could not be processed; the others were.
    SomeFailed,
}

/// A problem that stops a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Template(#[from] template::TemplateError),
    #[error(transparent)]
    Read(#[from] read::ReadError),
    #[error(transparent)]
    Emit(#[from] emit::EmitError),
}

/// Exit codes, as documented in the README.
pub mod exit {
    pub const SUCCESS: i32 = 0;
    pub const SOME_FAILED: i32 = 1;
    pub const FAILURE: i32 = 2;
}

/// Runs the command line and returns the process exit code. Errors are printed once
/// here, prefixed `kiva-drafts: error:`.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let command = match cli::parse(args) {
        Ok(command) => command,
        Err(code) => return code,
    };
    match cli::execute(&command) {
        Ok(Outcome::Success) => exit::SUCCESS,
        Ok(Outcome::SomeFailed) => exit::SOME_FAILED,
        Err(e) => {
            eprintln!("kiva-drafts: error: {e}");
            exit::FAILURE
        }
    }
}
