//! `config pull`: Kiva's reference data fetched with the partner's credentials.

use std::path::Path;

use crate::{Error, Outcome};

/// Where to fetch from (the same options as upload's connection).
#[derive(Debug, Clone, clap::Args)]
pub struct PullArgs {}

/// Fetches the four lists and writes the cache.
pub fn pull(args: &PullArgs, path: &Path) -> Result<Outcome, Error> {
    let _ = (args, path);
    Err(Error::Usage("config pull is being built".into()))
}
