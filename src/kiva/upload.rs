//! Bulk upload of drafts to the Partner API (being built).

use std::path::PathBuf;

use crate::{Error, Outcome};

/// Where and how to upload (shared by `upload` and `convert --upload`).
#[derive(Debug, Clone, clap::Args)]
pub struct UploadOptions {
    /// Do everything but send: show what would be sent where.
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

/// Runs an upload.
pub fn run(args: &UploadArgs) -> Result<Outcome, Error> {
    let _ = args;
    Err(Error::Usage("upload is not available yet".into()))
}
