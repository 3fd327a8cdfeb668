//! Repayment schedules generated from loan terms.
//!
//! Kiva loan drafts carry a repayment schedule, but many microfinance MIS
//! exports only contain the loan *terms* (amount, rate, number of
//! installments, frequency, method). This module turns such terms into the
//! installment table the MIS would have printed, exact to the currency's
//! minor unit, without touching any I/O: [`generate`] is a pure function of
//! [`Terms`].
//!
//! # Conventions
//!
//! * **Arithmetic** is done entirely in [`Decimal`] (28 significant digits);
//!   no `f64` is involved. The annuity factor uses
//!   [`MathematicalOps::checked_powu`], and every operation that could
//!   overflow is checked, so absurd inputs yield [`TermsError::Overflow`] (or
//!   [`TermsError::DateOutOfRange`]) instead of a panic.
//! * **Rounding**: every principal and interest value (and the annuity
//!   payment) is rounded to `minor_units` decimals with
//!   [`RoundingStrategy::MidpointAwayFromZero`] (0.5 -> 1, 2.345 -> 2.35) and
//!   carries exactly `minor_units` decimals. Interest is computed as
//!   `balance * annual% * year-fraction numerator / (100 * denominator)`, the
//!   division last, so an exact midpoint is recognised as one. The last
//!   installment's principal is whatever balance is left, so the principal
//!   column sums to the amount exactly.
//! * **Methods**: [`Method::DecliningBalance`] is an annuity (equal total
//!   installments, `PMT = P * i / (1 - (1 + i)^-n)` on the *periodic* rate,
//!   principal = payment - interest); [`Method::DecliningBalanceEqualPrincipal`]
//!   repays `amount / n` each period with interest on the outstanding
//!   balance; [`Method::Flat`] charges interest on the original amount every
//!   period with equal principal parts. A principal part is never negative
//!   and never larger than the outstanding balance (with actual day counts a
//!   long first period can cost more interest than the payment: that
//!   installment then repays no principal).
//! * **Grace**: the first `grace` installments pay interest only; principal
//!   (and, for annuities, the payment) is spread over the remaining
//!   `installments - grace`.
//! * **Day count**: [`DayCount::Periodic`] uses `annual rate / periods per
//!   year` (weekly 52, biweekly 26, every-N-days 365/N, semi-monthly 24,
//!   monthly 12, every-N-months 12/N, quarterly 4). [`DayCount::Actual365`]
//!   uses actual days / 365 and [`DayCount::Thirty360`] uses 30E/360 days /
//!   360 (Eurobond basis, ISDA 2006 §4.16(g), Excel `DAYS360(start, end,
//!   TRUE)`: a day 31 counts as 30, nothing else is adjusted). The first
//!   period runs from disbursal to the first due date. With actual day counts
//!   the annuity payment is still computed from the periodic rate; interest
//!   follows the actual days and the last installment absorbs the difference.
//! * **Dates**: without an explicit first due date the schedule is anchored on
//!   the disbursal date and the first installment falls one period after it;
//!   with one, the schedule is anchored on the first due date. Installment
//!   `k` is always computed from the anchor (`anchor + k * period`), never
//!   from the previous, possibly clamped, date: monthly from Jan 31 gives
//!   Feb 28/29, Mar 31, Apr 30. Days past a month's end are clamped to it.
//! * **Semi-monthly** follows the common MIS convention "day `d` and day
//!   `d + 15` of every month": `d` is the anchor's day if it is at most 15,
//!   otherwise the anchor's day minus 15 (so the anchor is the second date of
//!   its month). Both days are clamped to the month's end, e.g. anchor Jan 31
//!   gives Jan 31, Feb 16, Feb 28, Mar 16, Mar 31; anchor Jan 10 gives Jan
//!   10, Jan 25, Feb 10, Feb 25.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate};
use rust_decimal::{Decimal, MathematicalOps, RoundingStrategy};

mod calendar;
mod day_count;
mod method;
#[cfg(test)]
mod tests;

#[allow(clippy::wildcard_imports)]
use calendar::*;
pub use calendar::{Frequency, due_dates};
pub use day_count::DayCount;
#[allow(clippy::wildcard_imports)]
use day_count::*;
pub use method::Method;
#[allow(clippy::wildcard_imports)]
use method::*;

/// Largest number of installments [`generate`] accepts.
pub const MAX_INSTALLMENTS: u32 = 1000;

/// Largest number of decimals a currency may have (`Terms::minor_units`).
pub const MAX_MINOR_UNITS: u32 = 8;

/// Loan terms as an MIS records them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    /// Disbursed amount, positive, with at most `minor_units` decimals.
    pub amount: Decimal,
    /// Nominal annual interest rate in percent (`30` means 30 %/year).
    pub annual_rate_percent: Decimal,
    /// Number of installments, 1..=[`MAX_INSTALLMENTS`].
    pub installments: u32,
    pub frequency: Frequency,
    pub method: Method,
    pub disbursed: NaiveDate,
    /// First due date; `None` means one period after `disbursed`.
    pub first_due: Option<NaiveDate>,
    /// Number of leading interest-only installments (< `installments`).
    pub grace: u32,
    pub day_count: DayCount,
    /// Decimals of the currency: 0 for UGX/KES/XOF, 2 for USD/PEN, 3 for KWD.
    pub minor_units: u32,
}

/// One row of a repayment schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installment {
    pub date: NaiveDate,
    pub principal: Decimal,
    pub interest: Decimal,
}

impl Installment {
    /// Amount due on `date` (principal + interest).
    pub fn total(&self) -> Decimal {
        self.principal + self.interest
    }
}

/// Why loan terms (or their textual form) were rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
    #[error("installments must be at least 1 (got {0})")]
    NoInstallments(u32),
    #[error("installments must be at most {MAX_INSTALLMENTS} (got {0})")]
    TooManyInstallments(u32),
    #[error("loan amount must be positive (got {0})")]
    AmountNotPositive(Decimal),
    #[error("loan amount {amount} has more decimals than the currency allows ({minor_units})")]
    AmountTooPrecise { amount: Decimal, minor_units: u32 },
    #[error("loan amount {amount} is too large to be handled with {minor_units} decimals")]
    AmountTooLarge { amount: Decimal, minor_units: u32 },
    #[error("currency minor units must be at most {MAX_MINOR_UNITS} (got {0})")]
    TooManyMinorUnits(u32),
    #[error("annual interest rate must not be negative (got {0})")]
    NegativeRate(Decimal),
    #[error(
        "grace period ({grace} installments) must be shorter than the loan ({installments} installments)"
    )]
    GraceTooLong { grace: u32, installments: u32 },
    #[error("first due date {first_due} is on or before the disbursal date {disbursed}")]
    FirstDueNotAfterDisbursal {
        first_due: NaiveDate,
        disbursed: NaiveDate,
    },
    #[error("frequency {0} must have an interval of at least 1")]
    ZeroInterval(Frequency),
    #[error("due dates run past the supported calendar (from {anchor}, {frequency})")]
    DateOutOfRange {
        anchor: NaiveDate,
        frequency: Frequency,
    },
    #[error("arithmetic overflow while computing the schedule (amount or rate too large)")]
    Overflow,
    #[error("unknown frequency '{0}' (expected {FREQUENCY_WORDS})")]
    UnknownFrequency(String),
    #[error(
        "unknown repayment method '{0}' (expected declining-balance, declining-balance-equal-principal, flat)"
    )]
    UnknownMethod(String),
    #[error("unknown day count '{0}' (expected periodic, actual/365, 30/360)")]
    UnknownDayCount(String),
}

fn validate(terms: &Terms) -> Result<(), TermsError> {
    let n = terms.installments;
    if n == 0 {
        return Err(TermsError::NoInstallments(n));
    }
    if n > MAX_INSTALLMENTS {
        return Err(TermsError::TooManyInstallments(n));
    }
    if terms.amount <= Decimal::ZERO {
        return Err(TermsError::AmountNotPositive(terms.amount));
    }
    if terms.minor_units > MAX_MINOR_UNITS {
        return Err(TermsError::TooManyMinorUnits(terms.minor_units));
    }
    if terms.amount.normalize().scale() > terms.minor_units {
        return Err(TermsError::AmountTooPrecise {
            amount: terms.amount,
            minor_units: terms.minor_units,
        });
    }
    let mut at_minor_units = terms.amount;
    at_minor_units.rescale(terms.minor_units);
    if at_minor_units.scale() != terms.minor_units {
        return Err(TermsError::AmountTooLarge {
            amount: terms.amount,
            minor_units: terms.minor_units,
        });
    }
    if terms.annual_rate_percent.is_sign_negative() && !terms.annual_rate_percent.is_zero() {
        return Err(TermsError::NegativeRate(terms.annual_rate_percent));
    }
    if terms.grace >= n {
        return Err(TermsError::GraceTooLong {
            grace: terms.grace,
            installments: n,
        });
    }
    if terms.frequency.interval_is_zero() {
        return Err(TermsError::ZeroInterval(terms.frequency));
    }
    if let Some(first_due) = terms.first_due
        && first_due <= terms.disbursed
    {
        return Err(TermsError::FirstDueNotAfterDisbursal {
            first_due,
            disbursed: terms.disbursed,
        });
    }
    Ok(())
}

/// The due dates of `terms`' installments (see the module docs).
pub fn schedule_dates(terms: &Terms) -> Result<Vec<NaiveDate>, TermsError> {
    validate(terms)?;
    let n = terms.installments;
    match terms.first_due {
        Some(first_due) => dates_from(first_due, terms.frequency, 0..n),
        None => dates_from(terms.disbursed, terms.frequency, 1..n + 1),
    }
}

/// Computes the repayment schedule for `terms`.
///
/// Returns exactly `terms.installments` rows with strictly increasing dates,
/// non-negative values rounded to `terms.minor_units` decimals, and
/// principal summing to `terms.amount`.
pub fn generate(terms: &Terms) -> Result<Vec<Installment>, TermsError> {
    let dates = schedule_dates(terms)?;
    let mu = terms.minor_units;
    let n = terms.installments;
    let amortizing = n - terms.grace;
    let rate = terms.annual_rate_percent.normalize();
    let mut amount = terms.amount;
    amount.rescale(mu); // exact: checked by `validate`

    let periodic_fraction = terms.frequency.year_fraction();
    let periodic_rate = rate
        .checked_mul(periodic_fraction.0)
        .and_then(|x| x.checked_div(periodic_fraction.1.checked_mul(Decimal::ONE_HUNDRED)?))
        .ok_or(TermsError::Overflow)?;
    // Installment amount (annuity) or principal part (the other methods).
    let per_period = match terms.method {
        Method::DecliningBalance => annuity_payment(amount, periodic_rate, amortizing, mu)?,
        Method::DecliningBalanceEqualPrincipal | Method::Flat => round(
            amount
                .checked_div(Decimal::from(amortizing))
                .ok_or(TermsError::Overflow)?,
            mu,
        )?,
    };

    let mut schedule = Vec::with_capacity(dates.len());
    let mut balance = amount;
    let mut start = terms.disbursed;
    for (k, &date) in (0..n).zip(&dates) {
        let fraction = match terms.day_count {
            DayCount::Periodic => periodic_fraction,
            DayCount::Actual365 => (Decimal::from((date - start).num_days()), Decimal::from(365)),
            DayCount::Thirty360 => (Decimal::from(days_30e_360(start, date)), Decimal::from(360)),
        };
        let base = match terms.method {
            Method::Flat => amount,
            _ => balance,
        };
        let interest = interest_on(base, rate, fraction, mu)?;
        let principal = if k < terms.grace {
            Decimal::ZERO
        } else if k == n - 1 {
            balance
        } else {
            let due = match terms.method {
                Method::DecliningBalance => (per_period - interest).max(Decimal::ZERO),
                Method::DecliningBalanceEqualPrincipal | Method::Flat => per_period,
            };
            due.min(balance)
        };
        balance -= principal;
        schedule.push(Installment {
            date,
            principal: round(principal, mu)?,
            interest,
        });
        start = date;
    }
    debug_assert!(balance.is_zero());
    Ok(schedule)
}
