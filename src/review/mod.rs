//! The review page: the drafts as a coordinator wants to see them.
//!
//! JSON files are right for machines and upload; a coordinator reviewing hundreds of
//! loans wants to look, not read. This module renders one self-contained HTML page
//! (inline CSS and script, no network): a summary, a sortable and filterable table of
//! drafts, and per draft, on demand, its borrowers, schedule and chart, the fields PA2
//! still needs, and each problem with its source cells. `convert` writes it as
//! `DIR/review.html`; `review DIR` rebuilds it from the draft files.
//!
//! The data goes into the page once, as JSON in a `<script type="application/json">`
//! block with `<`, `>` and `&` escaped (no text from an export can close the block), and
//! the page's script builds rows with `textContent`, never `innerHTML`: a borrower named
//! `<script>` is shown as text. A Content-Security-Policy allows only the page's own
//! script and style (by hash), as a second line of defence. Only the expanded draft's
//! details are built, and table rows are built as the table is scrolled (a hundred at a
//! time), so a page of 5,000 drafts opens and filters quickly.
//!
//! The page is built one loan at a time ([`PageWriter`]): each draft's data is written
//! to a temporary file as the loan is finished, only the summary's totals stay in
//! memory, and the page is assembled at the end. [`render`] builds the same page in
//! memory, the same way.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Read as _, Seek as _, SeekFrom, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::convert::Converted;
use crate::draft::{Entrep, LoanDraft, ScheduleItem};
use crate::emit::EmitError;
use crate::money::{self, Money};
use crate::read::Origin;
use crate::report::{Finding, SourceRef};
use crate::validate::{self, Severity};
use crate::{Error, Outcome, validate_cmd};

/// The page's file name in a drafts folder.
pub const PAGE: &str = "review.html";

const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// The warning rules that are fields to fill in PA2 before it publishes a draft, with
/// the checklist's wording, in the order the page shows them.
pub const CHECKLIST: &[(&str, &str)] = &[
    ("missing-description", "Description (borrower story)"),
    ("missing-loanuse", "Loan use"),
    ("missing-activity", "Activity"),
    ("missing-theme", "Theme"),
    ("missing-location", "Location"),
    ("missing-language", "Description language"),
    ("missing-image", "Photo"),
    ("missing-waiver", "Client waiver signed"),
];

mod data;
mod html;
mod input;
mod script_json;
#[cfg(test)]
mod tests;
mod writer;

pub use data::*;
pub use html::*;
pub use input::*;
pub use script_json::*;
pub use writer::*;

/// Runs `review DIR`: rebuilds `DIR/review.html` from the draft files. The page is a
/// view, not a check: it is written (exit 0) whatever the drafts' findings.
pub fn run(dir: &Path, options: &validate::Options, quiet: bool) -> Result<Outcome, Error> {
    let input = ReviewInput::from_dir(dir, options)?;
    let s = write_input(dir, &input)?;
    if !quiet {
        let path = dir.join(PAGE);
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let mut line = format!("wrote {} ({}", path.display(), plural(s.drafts, "draft"));
        if s.not_converted > 0 {
            line.push_str(&format!(
                ", {} not converted",
                plural(s.not_converted, "loan")
            ));
        }
        println!(
            "{line}; {} with errors, {} with warnings only)",
            s.errors, s.warnings
        );
    }
    Ok(Outcome::Success)
}

/// Writes `DIR/review.html` for a conversion (called by `convert` after the drafts).
pub fn write(dir: &Path, converted: &Converted) -> Result<(), Error> {
    write_input(dir, &ReviewInput::from_converted(converted)).map(|_| ())
}

/// Writes the page of loans already in memory through a [`PageWriter`], so that there is
/// one way a page is built, whether its loans come at once or one by one.
fn write_input(dir: &Path, input: &ReviewInput) -> Result<PageCounts, Error> {
    let mut page = PageWriter::new(dir)?;
    for (order, entry) in input.loans.iter().enumerate() {
        page.add(order, entry)?;
    }
    page.finish(&input.title, &input.about, input.rows)
}
