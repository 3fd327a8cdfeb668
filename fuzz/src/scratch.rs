//! Inputs written to disk, for the readers that take a path.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A file holding one input, removed when dropped. Every input gets a name of its own
/// in a folder of the process's own: a sheet reader's thread may still hold the
/// previous input's file open, and `validate` looks for a `summary.json` beside it.
pub struct Scratch {
    pub path: PathBuf,
}

impl Scratch {
    pub fn new(bytes: &[u8], name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("kiva-drafts-fuzz-{}", std::process::id()));
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = dir.join(n.to_string());
        std::fs::create_dir_all(&dir).expect("cannot create a folder for the fuzz input");
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("cannot write the fuzz input");
        Scratch { path }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        if let Some(dir) = self.path.parent() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}
