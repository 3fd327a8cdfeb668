//! What to do with each draft given the ledger's history ([`Step`]: send, skip as sent,
//! hold back as uncertain, refuse as invalid), and what became of it ([`Row`]),
//! identical files settled once.

#[allow(clippy::wildcard_imports)]
use super::*;

/// What this run does with a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Step {
    Send,
    /// Kiva has it from an earlier run.
    Skip {
        draft_id: Option<String>,
    },
    /// Outcome unknown from an earlier run; not sent without `--resend-uncertain`.
    Hold {
        since: String,
        reason: String,
    },
    Invalid,
    /// The same bytes as an earlier file of the folder: sent once, for both.
    Duplicate {
        of: usize,
    },
}

pub(super) fn plan(
    drafts: &[Draft],
    history: &History,
    api: &str,
    resend_uncertain: bool,
) -> Vec<Step> {
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    drafts
        .iter()
        .enumerate()
        .map(|(i, draft)| {
            if !draft.problems.is_empty() {
                return Step::Invalid;
            }
            if let Some(&of) = first_of.get(draft.sha256.as_str()) {
                return Step::Duplicate { of };
            }
            first_of.insert(&draft.sha256, i);
            match ledger::resume(history.last(&draft.sha256, api), resend_uncertain) {
                Resume::Send => Step::Send,
                Resume::Skip { draft_id } => Step::Skip { draft_id },
                Resume::Hold { since, reason } => Step::Hold { since, reason },
            }
        })
        .collect()
}

impl Step {
    /// The result row of a draft this run does not send (duplicates are settled last).
    pub(super) fn row(&self, draft: &Draft) -> Option<Row> {
        match self {
            Step::Send | Step::Duplicate { .. } => None,
            Step::Skip { draft_id } => Some(Row {
                status: Status::AlreadySent,
                draft_id: draft_id.clone(),
                message: "sent by an earlier run".into(),
            }),
            Step::Hold { since, reason } => Some(Row {
                status: Status::Uncertain,
                draft_id: None,
                message: format!(
                    "outcome unknown since {since} ({reason}); not sent again: {CHECK_PA2}, then rerun with --resend-uncertain if it is not there"
                ),
            }),
            Step::Invalid => Some(Row {
                status: Status::Invalid,
                draft_id: None,
                message: format!("not sent: {}", draft.problems.join("; ")),
            }),
        }
    }
}

/// What became of a draft.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Status {
    Accepted,
    AlreadySent,
    Duplicate,
    Rejected,
    Failed,
    Uncertain,
    Invalid,
    NotSent,
}

impl Status {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::AlreadySent => "already-sent",
            Status::Duplicate => "duplicate",
            Status::Rejected => "rejected",
            Status::Failed => "failed",
            Status::Uncertain => "uncertain",
            Status::Invalid => "invalid",
            Status::NotSent => "not-sent",
        }
    }

    /// Kiva has the draft.
    pub(super) fn ok(self) -> bool {
        matches!(
            self,
            Status::Accepted | Status::AlreadySent | Status::Duplicate
        )
    }
}

/// A line of the results.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub(super) status: Status,
    pub(super) draft_id: Option<String>,
    pub(super) message: String,
}

impl Row {
    pub(super) fn new(status: Status, message: String) -> Self {
        Row {
            status,
            draft_id: None,
            message,
        }
    }

    pub(super) fn not_sent(reason: &str) -> Self {
        Row::new(Status::NotSent, format!("not sent: {reason}"))
    }
}

/// A duplicate shares the fate of the file it duplicates.
pub(super) fn settle_duplicates(
    drafts: &[Draft],
    steps: &[Step],
    rows: Vec<Option<Row>>,
) -> Vec<Row> {
    let settled: Vec<Option<Row>> = rows.clone();
    rows.into_iter()
        .zip(steps)
        .map(|(row, step)| match (row, step) {
            (Some(row), _) => row,
            (None, Step::Duplicate { of }) => {
                let original = settled[*of]
                    .clone()
                    .unwrap_or_else(|| Row::not_sent("no outcome recorded"));
                if original.status.ok() {
                    Row {
                        status: Status::Duplicate,
                        draft_id: original.draft_id,
                        message: format!("same content as {}: sent once", drafts[*of].file),
                    }
                } else {
                    Row {
                        message: format!(
                            "same content as {}: {}",
                            drafts[*of].file, original.message
                        ),
                        ..original
                    }
                }
            }
            (None, _) => Row::not_sent("no outcome recorded"),
        })
        .collect()
}
