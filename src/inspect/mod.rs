//! `inspect`: understand an unknown export and draft its template (being built).

use std::path::PathBuf;

use crate::{Error, Outcome};

/// `kiva-drafts inspect FILE...`.
#[derive(Debug, Clone, clap::Args)]
pub struct InspectArgs {
    /// Export files to inspect.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Inspect only this sheet of a workbook.
    #[arg(long)]
    pub sheet: Option<String>,
    /// Write a starter template here.
    #[arg(long, value_name = "OUT.toml")]
    pub write_template: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `inspect`.
pub fn run(args: &InspectArgs) -> Result<Outcome, Error> {
    let _ = args;
    Err(Error::Usage("inspect is not available yet".into()))
}
