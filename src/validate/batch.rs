//! Rules across a batch: the same loan twice (same key, or the same borrower loan
//! ids).

#[allow(clippy::wildcard_imports)]
use super::*;

/// [`loan_ids`] of a typed draft.
pub fn draft_loan_ids(draft: &LoanDraft) -> Vec<String> {
    let mut ids: Vec<String> = draft
        .entreps
        .iter()
        .filter_map(|e| e.loan_id.as_deref().map(str::trim))
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect();
    ids.sort();
    ids
}

/// A draft's borrower loan ids, sorted: what makes two drafts the same loan.
pub fn loan_ids(draft: &Value) -> Vec<String> {
    let mut ids: Vec<String> = draft["entreps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| id_text(e.get("loan_id")))
        .collect();
    ids.sort();
    ids
}

/// Batch rules, one draft at a time: the same loan twice (same key, or the same set of
/// borrower loan ids). Only keys and ids are kept, not the drafts.
#[derive(Debug, Default)]
pub struct BatchCheck {
    keys: rustc_hash::FxHashSet<String>,
    ids: rustc_hash::FxHashMap<Vec<String>, String>,
}

impl BatchCheck {
    /// Checks the next draft of the batch against those before it.
    pub fn check(&mut self, key: &str, ids: Vec<String>) -> Option<Diagnostic> {
        if !self.keys.insert(key.to_string()) {
            return Some(Diagnostic {
                severity: Severity::Error,
                rule: "duplicate-loan",
                field: String::new(),
                message: format!("loan '{key}' appears twice in the batch (also {key})"),
            });
        }
        if ids.is_empty() {
            return None;
        }
        if let Some(first) = self.ids.get(&ids) {
            return Some(Diagnostic {
                severity: Severity::Error,
                rule: "duplicate-loan",
                field: "entreps".into(),
                message: format!(
                    "same borrower loan ids ({}) as loan '{first}'",
                    ids.join(", ")
                ),
            });
        }
        self.ids.insert(ids, key.to_string());
        None
    }
}

/// Batch rules over a whole batch: `drafts` are (key, [`loan_ids`]); returns (index,
/// diagnostic) pairs.
pub fn check_batch(drafts: &[(&str, Vec<String>)]) -> Vec<(usize, Diagnostic)> {
    let mut check = BatchCheck::default();
    drafts
        .iter()
        .enumerate()
        .filter_map(|(i, (key, ids))| check.check(key, ids.clone()).map(|d| (i, d)))
        .collect()
}
