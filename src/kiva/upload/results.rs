//! What the user is told: the summary on stdout, `upload-results.csv`, the
//! interrupted line, and `--dry-run`'s plan.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

pub(super) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `DIR/upload-results.csv`: file, loan key, status, draft id, message.
pub(super) fn write_results(dir: &Path, drafts: &[Draft], rows: &[Row]) -> Result<(), Error> {
    let mut csv = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| Error::Usage(format!("{RESULTS}: {e}"));
    csv.write_record(["file", "loan_key", "status", "draft_id", "message"])
        .map_err(io)?;
    for (draft, row) in drafts.iter().zip(rows) {
        let cells = [
            draft.file.as_str(),
            draft.loan_key.as_str(),
            row.status.as_str(),
            row.draft_id.as_deref().unwrap_or(""),
            row.message.as_str(),
        ];
        csv.write_record(
            cells
                .map(crate::report::spreadsheet_cell)
                .iter()
                .map(AsRef::<str>::as_ref),
        )
        .map_err(io)?;
    }
    let bytes = csv
        .into_inner()
        .map_err(|e| Error::Usage(format!("{RESULTS}: {}", e.error())))?;
    emit::write_atomic(&dir.join(RESULTS), &bytes).map_err(Error::Emit)
}

pub(super) fn print_summary(
    dir: &Path,
    target: &Endpoints,
    partner_id: Option<&str>,
    rows: &[Row],
    interrupted: bool,
) {
    let count = |status: Status| rows.iter().filter(|r| r.status == status).count();
    println!(
        "upload to {} ({}{}): {} draft{}",
        target.env,
        target.api,
        partner_id
            .map(|p| format!(", partner {p}"))
            .unwrap_or_default(),
        rows.len(),
        plural(rows.len())
    );
    println!("  accepted: {}", count(Status::Accepted));
    for (status, label) in [
        (Status::AlreadySent, "already sent"),
        (
            Status::Duplicate,
            "same content as another file (sent once)",
        ),
        (Status::Rejected, "rejected by Kiva"),
        (
            Status::Failed,
            "not stored (server or network errors; rerun to try again)",
        ),
        (Status::Uncertain, "uncertain (outcome unknown)"),
        (Status::Invalid, "not sent because invalid"),
        (
            Status::NotSent,
            if interrupted {
                "not sent (the upload was interrupted)"
            } else {
                "not sent (the upload stopped)"
            },
        ),
    ] {
        let n = count(status);
        if n > 0 {
            println!("  {label}: {n}");
        }
    }
    println!("results: {}", dir.join(RESULTS).display());
    let uncertain = count(Status::Uncertain);
    if uncertain > 0 {
        println!(
            "{uncertain} draft{} may or may not be in PA2: {CHECK_PA2}; rerun with --resend-uncertain to send the ones that are not there (move the others out of the folder)",
            plural(uncertain)
        );
    }
    if interrupted {
        println!("{}", interrupted_line(dir, rows));
    }
}

/// What an interrupted upload left to do.
pub(super) fn interrupted_line(dir: &Path, rows: &[Row]) -> String {
    let left = rows.iter().filter(|r| r.status == Status::NotSent).count();
    if left == 0 {
        return "interrupted after the last draft had gone out".to_string();
    }
    format!(
        "interrupted: {left} draft{} not sent; run kiva-drafts upload {} with the same options to send them (drafts Kiva has are not sent again)",
        plural(left),
        dir.display()
    )
}

/// Prints what would be sent where; sends nothing, needs no credentials.
pub(super) fn dry_run(
    target: &Endpoints,
    drafts: &[Draft],
    steps: &[Step],
    history: &History,
) -> Outcome {
    let partner = target.partner_id.as_deref().unwrap_or("{partnerId}");
    println!("dry run: nothing is sent");
    println!(
        "would send to {}: POST {}",
        target.env,
        client::draft_url(&target.api, partner)
    );
    println!(
        "  with a token from POST {} (audience {}, scope {SCOPE}){}",
        target.auth,
        target.api,
        if target.partner_id.is_none() {
            "; the partner id comes with the token"
        } else {
            ""
        }
    );
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (draft, step) in drafts.iter().zip(steps) {
        let (what, detail) = match step {
            Step::Send => (
                "send",
                format!("{} bytes, sha256 {}", draft.size, &draft.sha256[..12]),
            ),
            Step::Skip { draft_id } => (
                "already sent",
                draft_id
                    .as_deref()
                    .map_or_else(String::new, |id| format!("draft {id}")),
            ),
            Step::Hold { since, reason } => (
                "held",
                format!("outcome unknown since {since} ({reason}): {CHECK_PA2}"),
            ),
            Step::Invalid => ("invalid", draft.problems.join("; ")),
            Step::Duplicate { of } => {
                ("duplicate", format!("same content as {}", drafts[*of].file))
            }
        };
        *counts.entry(what).or_default() += 1;
        println!("  {what:<12} {}: {detail}", draft.label());
    }
    let n = |what: &str| counts.get(what).copied().unwrap_or(0);
    println!(
        "{} draft{}: {} to send, {} already sent, {} held (outcome unknown), {} invalid, {} duplicate",
        drafts.len(),
        plural(drafts.len()),
        n("send"),
        n("already sent"),
        n("held"),
        n("invalid"),
        n("duplicate")
    );
    if history.unreadable > 0 {
        println!(
            "{}: {} unreadable line{} skipped",
            ledger::FILE_NAME,
            history.unreadable,
            plural(history.unreadable)
        );
    }
    if n("held") + n("invalid") > 0 {
        Outcome::SomeFailed
    } else {
        Outcome::Success
    }
}
