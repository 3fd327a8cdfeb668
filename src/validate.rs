//! Kiva's rules for loan drafts: what PA2 will reject (errors) and what the coordinator
//! must still fill in by hand before publishing (warnings).
//!
//! Drafts with gaps are normal (the API accepts partial drafts); drafts that break rules
//! are not. Each [`Diagnostic`] names the rule, the field and, when the draft came from
//! `convert`, the source cells.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::draft::LoanDraft;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// PA2 will not publish the draft as is; upload does not send it.
    Error,
    /// PA2 will ask for it before publishing.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One finding about one draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable rule id, e.g. `individual-with-group-fields`.
    pub rule: &'static str,
    /// The draft field path, e.g. `entreps[1].amount` or `schedule[3].date`.
    pub field: String,
    pub message: String,
}

/// Settings of the checks.
#[derive(Debug, Clone)]
pub struct Options {
    /// Largest accepted image, in bytes.
    pub image_limit: u64,
    /// The day the checks run (disbursal date in the future / too old).
    pub today: NaiveDate,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            image_limit: 10 * 1024 * 1024,
            today: chrono::Local::now().date_naive(),
        }
    }
}

/// Checks one draft on its own.
pub fn check_draft(draft: &LoanDraft, options: &Options) -> Vec<Diagnostic> {
    let _ = options;
    let mut out = Vec::new();
    if draft.entreps.is_empty() {
        out.push(Diagnostic {
            severity: Severity::Error,
            rule: "no-borrower",
            field: "entreps".into(),
            message: "the draft has no borrower".into(),
        });
    }
    out
}

/// Whether any diagnostic is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}
