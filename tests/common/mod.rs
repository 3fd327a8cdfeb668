//! Helpers shared by the integration tests: run the real binary, read folders of JSON.

#![allow(dead_code)]

pub mod xls;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The output of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `kiva-drafts` with `args` from the repository root.
pub fn kiva(args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_kiva-drafts"))
        .args(args)
        .current_dir(root())
        .env_remove("KIVA_CLIENT_ID")
        .env_remove("KIVA_CLIENT_SECRET")
        // No config cache from the machine's user: tests name theirs.
        .env("XDG_CACHE_HOME", root().join("target/no-cache-here"))
        .output()
        .expect("the binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `*.json` draft in a folder (not summary.json), parsed, by file name.
pub fn drafts(dir: &Path) -> BTreeMap<String, serde_json::Value> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("folder exists") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.extension().is_some_and(|e| e == "json") && name != "summary.json" {
            let text = std::fs::read_to_string(&path).unwrap();
            out.insert(name, serde_json::from_str(&text).unwrap());
        }
    }
    out
}

pub fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

/// A path inside a temporary folder as a string argument.
pub fn arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// A file of `bytes` zeros that takes no disk (sparse): a huge file where a small one is
/// expected.
pub fn sparse_file(path: &Path, bytes: u64) {
    std::fs::File::create(path)
        .expect("the file is created")
        .set_len(bytes)
        .expect("the file is sized");
}
