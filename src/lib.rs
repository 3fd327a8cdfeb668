//! kiva-drafts: MIS exports (CSV, Excel, ODS) to Kiva `loan_draft` JSON.
//!
//! The pipeline runs one way: [`read`] an export into tables, [`map`] cells to typed
//! values with a [`template`], [`group`] rows into loans with their schedules, and
//! [`emit`] one draft file per loan. [`cli`] turns arguments into a command; each
//! command returns an [`Outcome`] or a fatal [`Error`], and `main` maps them to exit
//! codes (0 all done, 1 some loans failed, 2 usage or I/O error).

pub mod amortize;
pub mod annotate;
pub mod blank;
pub mod cli;
pub mod convert;
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
