//! The `schedule` command: preview a generated repayment schedule from loan terms.
//!
//! The same engine ([`crate::amortize`]) fills `[terms]` templates during `convert`;
//! this command lets a coordinator check a loan product's numbers against the MIS
//! before converting a whole export. `--format json` prints exactly the draft's
//! `schedule` array.

use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::amortize::{self, Installment, Terms};
use crate::dates;
use crate::draft::ScheduleItem;
use crate::money::Money;

/// Output formats of `schedule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: installment, date, principal, interest, total, balance, totals.
    Table,
    /// The draft's `schedule` array.
    Json,
    /// One line per installment with a header.
    Csv,
}

/// Renders a schedule in the chosen format.
pub fn render(terms: &Terms, installments: &[Installment], format: Format) -> String {
    match format {
        Format::Json => {
            let items: Vec<ScheduleItem> = installments
                .iter()
                .map(|i| ScheduleItem {
                    date: dates::iso(i.date),
                    principal: Money(i.principal),
                    interest: Money(i.interest),
                })
                .collect();
            let mut json = serde_json::to_string_pretty(&items).unwrap_or_default();
            json.push('\n');
            json
        }
        Format::Csv => {
            let mut out = String::from("installment,date,principal,interest,total,balance\n");
            for (n, i, balance) in rows(terms, installments) {
                let _ = writeln!(
                    out,
                    "{n},{},{},{},{},{balance}",
                    dates::iso(i.date),
                    i.principal,
                    i.interest,
                    i.principal + i.interest
                );
            }
            out
        }
        Format::Table => table(terms, installments),
    }
}

/// Each installment with its number and the balance after it.
fn rows<'a>(
    terms: &Terms,
    installments: &'a [Installment],
) -> impl Iterator<Item = (usize, &'a Installment, Decimal)> {
    let mut balance = terms.amount;
    installments.iter().enumerate().map(move |(k, i)| {
        balance -= i.principal;
        (k + 1, i, balance)
    })
}

fn table(terms: &Terms, installments: &[Installment]) -> String {
    let headers = ["#", "date", "principal", "interest", "total", "balance"];
    let mut cells: Vec<[String; 6]> = rows(terms, installments)
        .map(|(n, i, balance)| {
            [
                n.to_string(),
                dates::iso(i.date),
                i.principal.to_string(),
                i.interest.to_string(),
                (i.principal + i.interest).to_string(),
                balance.to_string(),
            ]
        })
        .collect();
    let principal: Decimal = installments.iter().map(|i| i.principal).sum();
    let interest: Decimal = installments.iter().map(|i| i.interest).sum();
    cells.push([
        "total".into(),
        String::new(),
        principal.to_string(),
        interest.to_string(),
        (principal + interest).to_string(),
        String::new(),
    ]);
    let widths: Vec<usize> = (0..6)
        .map(|c| {
            cells
                .iter()
                .map(|r| r[c].len())
                .chain([headers[c].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let line = |out: &mut String, row: &[String]| {
        for (c, cell) in row.iter().enumerate() {
            let sep = if c == 0 { "" } else { "  " };
            // Numbers right-aligned, the date left-aligned.
            if c == 1 {
                let _ = write!(out, "{sep}{cell:<w$}", w = widths[c]);
            } else {
                let _ = write!(out, "{sep}{cell:>w$}", w = widths[c]);
            }
        }
        let end = out.trim_end_matches(' ').len();
        out.truncate(end);
        out.push('\n');
    };
    line(&mut out, &headers.map(String::from));
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(&mut out, &rule);
    let last = cells.len() - 1;
    for (k, row) in cells.iter().enumerate() {
        if k == last {
            line(&mut out, &rule);
        }
        line(&mut out, row);
    }
    out
}

/// Generates and renders; errors are the engine's clear messages.
pub fn run(terms: &Terms, format: Format) -> Result<String, amortize::TermsError> {
    let installments = amortize::generate(terms)?;
    Ok(render(terms, &installments, format))
}
