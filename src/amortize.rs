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

/// Largest number of installments [`generate`] accepts.
pub const MAX_INSTALLMENTS: u32 = 1000;

/// Largest number of decimals a currency may have (`Terms::minor_units`).
pub const MAX_MINOR_UNITS: u32 = 8;

const FREQUENCY_WORDS: &str =
    "weekly, biweekly, every-N-days, semi-monthly, monthly, every-N-months, quarterly";

/// How principal and interest are split over the installments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Annuity: equal total installments, interest on the outstanding balance.
    DecliningBalance,
    /// Equal principal parts, interest on the outstanding balance.
    DecliningBalanceEqualPrincipal,
    /// Equal principal parts, interest on the original amount.
    Flat,
}

/// Distance between two due dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Frequency {
    /// Every N days (`weekly` = 7, `biweekly` = 14).
    Days(u32),
    /// Twice a month, on day `d` and day `d + 15` (see the module docs).
    SemiMonthly,
    /// Every N calendar months (`monthly` = 1, `quarterly` = 3).
    Months(u32),
}

/// How the interest rate of one period is derived from the annual rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayCount {
    /// Annual rate divided by the number of periods per year.
    Periodic,
    /// Annual rate times actual days in the period / 365.
    Actual365,
    /// Annual rate times 30E/360 days in the period / 360.
    Thirty360,
}

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

impl FromStr for Method {
    type Err = TermsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "declining-balance" => Ok(Method::DecliningBalance),
            "declining-balance-equal-principal" => Ok(Method::DecliningBalanceEqualPrincipal),
            "flat" => Ok(Method::Flat),
            _ => Err(TermsError::UnknownMethod(s.to_string())),
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Method::DecliningBalance => "declining-balance",
            Method::DecliningBalanceEqualPrincipal => "declining-balance-equal-principal",
            Method::Flat => "flat",
        })
    }
}

impl FromStr for Frequency {
    type Err = TermsError;

    /// Accepts the words listed in [`TermsError::UnknownFrequency`],
    /// ignoring ASCII case and surrounding whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let word = s.trim().to_ascii_lowercase();
        let frequency = match word.as_str() {
            "weekly" => Frequency::Days(7),
            "biweekly" => Frequency::Days(14),
            "semi-monthly" => Frequency::SemiMonthly,
            "monthly" => Frequency::Months(1),
            "quarterly" => Frequency::Months(3),
            _ => {
                let unknown = || TermsError::UnknownFrequency(s.to_string());
                let rest = word.strip_prefix("every-").ok_or_else(unknown)?;
                let (count, unit) = rest.split_once('-').ok_or_else(unknown)?;
                if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(unknown());
                }
                let count: u32 = count.parse().map_err(|_| unknown())?;
                match unit {
                    "days" => Frequency::Days(count),
                    "months" => Frequency::Months(count),
                    _ => return Err(unknown()),
                }
            }
        };
        if frequency.interval_is_zero() {
            return Err(TermsError::ZeroInterval(frequency));
        }
        Ok(frequency)
    }
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Frequency::Days(7) => f.write_str("weekly"),
            Frequency::Days(14) => f.write_str("biweekly"),
            Frequency::Days(n) => write!(f, "every-{n}-days"),
            Frequency::SemiMonthly => f.write_str("semi-monthly"),
            Frequency::Months(1) => f.write_str("monthly"),
            Frequency::Months(3) => f.write_str("quarterly"),
            Frequency::Months(n) => write!(f, "every-{n}-months"),
        }
    }
}

impl Frequency {
    fn interval_is_zero(self) -> bool {
        matches!(self, Frequency::Days(0) | Frequency::Months(0))
    }

    /// Length of one period as a fraction of a year, `(numerator,
    /// denominator)`: 1/52, 1/26, N/365, 1/24, N/12.
    fn year_fraction(self) -> (Decimal, Decimal) {
        match self {
            Frequency::Days(7) => (Decimal::ONE, Decimal::from(52)),
            Frequency::Days(14) => (Decimal::ONE, Decimal::from(26)),
            Frequency::Days(n) => (Decimal::from(n), Decimal::from(365)),
            Frequency::SemiMonthly => (Decimal::ONE, Decimal::from(24)),
            Frequency::Months(n) => (Decimal::from(n), Decimal::from(12)),
        }
    }
}

impl FromStr for DayCount {
    type Err = TermsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "periodic" => Ok(DayCount::Periodic),
            "actual/365" => Ok(DayCount::Actual365),
            "30/360" => Ok(DayCount::Thirty360),
            _ => Err(TermsError::UnknownDayCount(s.to_string())),
        }
    }
}

impl fmt::Display for DayCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DayCount::Periodic => "periodic",
            DayCount::Actual365 => "actual/365",
            DayCount::Thirty360 => "30/360",
        })
    }
}

/// The first `count` due dates of a schedule whose first installment falls
/// on `first_due` (monthly dates keep `first_due`'s day, clamped to month
/// end; see the module docs for semi-monthly). At most
/// [`MAX_INSTALLMENTS`] dates.
pub fn due_dates(
    first_due: NaiveDate,
    frequency: Frequency,
    count: u32,
) -> Result<Vec<NaiveDate>, TermsError> {
    if count > MAX_INSTALLMENTS {
        return Err(TermsError::TooManyInstallments(count));
    }
    dates_from(first_due, frequency, 0..count)
}

/// Dates `anchor + k * period` for each `k`.
fn dates_from(
    anchor: NaiveDate,
    frequency: Frequency,
    ks: std::ops::Range<u32>,
) -> Result<Vec<NaiveDate>, TermsError> {
    if frequency.interval_is_zero() {
        return Err(TermsError::ZeroInterval(frequency));
    }
    ks.map(|k| {
        nth_date(anchor, frequency, k).ok_or(TermsError::DateOutOfRange { anchor, frequency })
    })
    .collect()
}

/// `anchor + k` periods; `None` when outside chrono's calendar.
fn nth_date(anchor: NaiveDate, frequency: Frequency, k: u32) -> Option<NaiveDate> {
    match frequency {
        Frequency::Days(n) => anchor.checked_add_days(Days::new(u64::from(n) * u64::from(k))),
        // chrono clamps the day to the end of the target month.
        Frequency::Months(n) => anchor.checked_add_months(Months::new(n.checked_mul(k)?)),
        Frequency::SemiMonthly => {
            let day = anchor.day();
            let (first_day, anchor_is_second) = if day <= 15 { (day, 0) } else { (day - 15, 1) };
            let slot = k.checked_add(anchor_is_second)?;
            let month = anchor
                .with_day(1)?
                .checked_add_months(Months::new(slot / 2))?;
            let wanted = if slot % 2 == 0 {
                first_day
            } else {
                first_day + 15
            };
            month.with_day(wanted.min(days_in_month(month)?))
        }
    }
}

fn days_in_month(first_of_month: NaiveDate) -> Option<u32> {
    let next = first_of_month.checked_add_months(Months::new(1))?;
    u32::try_from(next.signed_duration_since(first_of_month).num_days()).ok()
}

/// 30E/360 day count (ISDA 2006 §4.16(g)): day 31 counts as day 30.
fn days_30e_360(start: NaiveDate, end: NaiveDate) -> i64 {
    let d1 = i64::from(start.day().min(30));
    let d2 = i64::from(end.day().min(30));
    360 * i64::from(end.year() - start.year())
        + 30 * (i64::from(end.month()) - i64::from(start.month()))
        + (d2 - d1)
}

/// Rounds half away from zero to exactly `minor_units` decimals; fails when
/// the value is too large to carry that many decimals.
fn round(value: Decimal, minor_units: u32) -> Result<Decimal, TermsError> {
    let mut rounded =
        value.round_dp_with_strategy(minor_units, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(minor_units);
    if rounded.scale() == minor_units {
        Ok(rounded)
    } else {
        Err(TermsError::Overflow)
    }
}

/// `round(base * annual% * num / (100 * den))`, division last.
fn interest_on(
    base: Decimal,
    annual_rate_percent: Decimal,
    (num, den): (Decimal, Decimal),
    minor_units: u32,
) -> Result<Decimal, TermsError> {
    let numerator = base
        .checked_mul(annual_rate_percent)
        .and_then(|x| x.checked_mul(num))
        .ok_or(TermsError::Overflow)?;
    let denominator = den
        .checked_mul(Decimal::ONE_HUNDRED)
        .ok_or(TermsError::Overflow)?;
    let interest = numerator
        .checked_div(denominator)
        .ok_or(TermsError::Overflow)?;
    round(interest, minor_units)
}

/// Textbook annuity payment `P * i / (1 - (1 + i)^-n)`, rounded; `P / n`
/// when the rate is zero (or too small to register in 28 digits).
fn annuity_payment(
    amount: Decimal,
    periodic_rate: Decimal,
    periods: u32,
    minor_units: u32,
) -> Result<Decimal, TermsError> {
    let overflow = || TermsError::Overflow;
    let n = Decimal::from(periods);
    if periodic_rate.is_zero() {
        return round(amount.checked_div(n).ok_or_else(overflow)?, minor_units);
    }
    // (1 + i)^-n as (1 / (1 + i))^n: it tends to 0 instead of overflowing
    // for very high rates.
    let discount = Decimal::ONE
        .checked_div(
            Decimal::ONE
                .checked_add(periodic_rate)
                .ok_or_else(overflow)?,
        )
        .ok_or_else(overflow)?;
    let annuity_factor = Decimal::ONE
        - discount
            .checked_powu(u64::from(periods))
            .ok_or_else(overflow)?;
    let payment = if annuity_factor.is_zero() {
        amount.checked_div(n)
    } else {
        amount
            .checked_mul(periodic_rate)
            .and_then(|x| x.checked_div(annuity_factor))
    }
    .ok_or_else(overflow)?;
    round(payment, minor_units)
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn terms() -> Terms {
        Terms {
            amount: dec("1000"),
            annual_rate_percent: dec("12"),
            installments: 12,
            frequency: Frequency::Months(1),
            method: Method::DecliningBalance,
            disbursed: d(2026, 1, 15),
            first_due: None,
            grace: 0,
            day_count: DayCount::Periodic,
            minor_units: 2,
        }
    }

    fn error_of(t: &Terms) -> String {
        generate(t).unwrap_err().to_string()
    }

    // ---- dates -------------------------------------------------------

    #[test]
    fn monthly_from_jan_31_clamps_without_drifting() {
        let dates = due_dates(d(2026, 1, 31), Frequency::Months(1), 5).unwrap();
        assert_eq!(
            dates,
            [
                d(2026, 1, 31),
                d(2026, 2, 28),
                d(2026, 3, 31),
                d(2026, 4, 30),
                d(2026, 5, 31)
            ]
        );
    }

    #[test]
    fn monthly_in_leap_year_uses_feb_29() {
        let dates = due_dates(d(2028, 1, 30), Frequency::Months(1), 3).unwrap();
        assert_eq!(dates, [d(2028, 1, 30), d(2028, 2, 29), d(2028, 3, 30)]);
        let dates = due_dates(d(2028, 2, 29), Frequency::Months(12), 3).unwrap();
        assert_eq!(dates, [d(2028, 2, 29), d(2029, 2, 28), d(2030, 2, 28)]);
    }

    #[test]
    fn quarterly_and_every_n_months() {
        let dates = due_dates(d(2025, 11, 30), Frequency::Months(3), 4).unwrap();
        assert_eq!(
            dates,
            [
                d(2025, 11, 30),
                d(2026, 2, 28),
                d(2026, 5, 30),
                d(2026, 8, 30)
            ]
        );
        let dates = due_dates(d(2025, 12, 31), Frequency::Months(2), 3).unwrap();
        assert_eq!(dates, [d(2025, 12, 31), d(2026, 2, 28), d(2026, 4, 30)]);
    }

    #[test]
    fn every_n_days_weekly_biweekly() {
        let dates = due_dates(d(2026, 12, 28), Frequency::Days(7), 3).unwrap();
        assert_eq!(dates, [d(2026, 12, 28), d(2027, 1, 4), d(2027, 1, 11)]);
        let dates = due_dates(d(2028, 2, 20), Frequency::Days(10), 3).unwrap();
        assert_eq!(dates, [d(2028, 2, 20), d(2028, 3, 1), d(2028, 3, 11)]);
        let dates = due_dates(d(2026, 1, 1), Frequency::Days(14), 2).unwrap();
        assert_eq!(dates, [d(2026, 1, 1), d(2026, 1, 15)]);
    }

    #[test]
    fn semi_monthly_first_half_anchor() {
        let dates = due_dates(d(2026, 1, 10), Frequency::SemiMonthly, 4).unwrap();
        assert_eq!(
            dates,
            [
                d(2026, 1, 10),
                d(2026, 1, 25),
                d(2026, 2, 10),
                d(2026, 2, 25)
            ]
        );
        // day 15 pairs with day 30, clamped in February
        let dates = due_dates(d(2027, 1, 15), Frequency::SemiMonthly, 4).unwrap();
        assert_eq!(
            dates,
            [
                d(2027, 1, 15),
                d(2027, 1, 30),
                d(2027, 2, 15),
                d(2027, 2, 28)
            ]
        );
    }

    #[test]
    fn semi_monthly_second_half_anchor_clamps() {
        let dates = due_dates(d(2028, 1, 31), Frequency::SemiMonthly, 5).unwrap();
        assert_eq!(
            dates,
            [
                d(2028, 1, 31),
                d(2028, 2, 16),
                d(2028, 2, 29),
                d(2028, 3, 16),
                d(2028, 3, 31)
            ]
        );
        let dates = due_dates(d(2026, 1, 20), Frequency::SemiMonthly, 3).unwrap();
        assert_eq!(dates, [d(2026, 1, 20), d(2026, 2, 5), d(2026, 2, 20)]);
    }

    #[test]
    fn default_first_due_is_one_period_after_disbursal() {
        let cases = [
            (
                Frequency::Months(1),
                d(2026, 1, 31),
                [d(2026, 2, 28), d(2026, 3, 31)],
            ),
            (
                Frequency::Months(3),
                d(2026, 1, 15),
                [d(2026, 4, 15), d(2026, 7, 15)],
            ),
            (
                Frequency::Days(7),
                d(2026, 1, 15),
                [d(2026, 1, 22), d(2026, 1, 29)],
            ),
            (
                Frequency::SemiMonthly,
                d(2026, 1, 10),
                [d(2026, 1, 25), d(2026, 2, 10)],
            ),
            (
                Frequency::SemiMonthly,
                d(2026, 1, 20),
                [d(2026, 2, 5), d(2026, 2, 20)],
            ),
        ];
        for (frequency, disbursed, expected) in cases {
            let t = Terms {
                frequency,
                disbursed,
                installments: 2,
                ..terms()
            };
            assert_eq!(schedule_dates(&t).unwrap(), expected, "{frequency}");
        }
    }

    #[test]
    fn thirty_e_360_counts_day_31_as_30() {
        assert_eq!(days_30e_360(d(2026, 1, 31), d(2026, 2, 28)), 28);
        assert_eq!(days_30e_360(d(2026, 2, 28), d(2026, 3, 31)), 32);
        assert_eq!(days_30e_360(d(2026, 1, 15), d(2026, 2, 15)), 30);
        assert_eq!(days_30e_360(d(2025, 12, 20), d(2026, 1, 31)), 40);
    }

    // ---- parsing -----------------------------------------------------

    #[test]
    fn frequency_words_round_trip() {
        let words = [
            ("weekly", Frequency::Days(7)),
            ("biweekly", Frequency::Days(14)),
            ("every-10-days", Frequency::Days(10)),
            ("semi-monthly", Frequency::SemiMonthly),
            ("monthly", Frequency::Months(1)),
            ("every-2-months", Frequency::Months(2)),
            ("quarterly", Frequency::Months(3)),
        ];
        for (word, frequency) in words {
            assert_eq!(word.parse::<Frequency>().unwrap(), frequency);
            assert_eq!(frequency.to_string(), word);
        }
        assert_eq!(
            " Monthly ".parse::<Frequency>().unwrap(),
            Frequency::Months(1)
        );
        assert_eq!(
            "every-7-days".parse::<Frequency>().unwrap(),
            Frequency::Days(7)
        );
    }

    #[test]
    fn bad_frequency_words() {
        assert_eq!(
            "fortnightly".parse::<Frequency>().unwrap_err().to_string(),
            "unknown frequency 'fortnightly' (expected weekly, biweekly, every-N-days, \
             semi-monthly, monthly, every-N-months, quarterly)"
        );
        for word in [
            "every--days",
            "every-x-days",
            "every-+3-days",
            "every-3-weeks",
            "every-3",
        ] {
            assert!(
                matches!(
                    word.parse::<Frequency>(),
                    Err(TermsError::UnknownFrequency(_))
                ),
                "{word}"
            );
        }
        assert_eq!(
            "every-0-days".parse::<Frequency>().unwrap_err().to_string(),
            "frequency every-0-days must have an interval of at least 1"
        );
    }

    #[test]
    fn method_and_day_count_words() {
        for m in [
            Method::DecliningBalance,
            Method::DecliningBalanceEqualPrincipal,
            Method::Flat,
        ] {
            assert_eq!(m.to_string().parse::<Method>().unwrap(), m);
        }
        for c in [DayCount::Periodic, DayCount::Actual365, DayCount::Thirty360] {
            assert_eq!(c.to_string().parse::<DayCount>().unwrap(), c);
        }
        assert!("annuity".parse::<Method>().is_err());
        assert!("act/360".parse::<DayCount>().is_err());
    }

    // ---- errors ------------------------------------------------------

    #[test]
    fn error_messages() {
        assert_eq!(
            error_of(&Terms {
                installments: 0,
                ..terms()
            }),
            "installments must be at least 1 (got 0)"
        );
        assert_eq!(
            error_of(&Terms {
                installments: 1001,
                ..terms()
            }),
            "installments must be at most 1000 (got 1001)"
        );
        assert_eq!(
            error_of(&Terms {
                annual_rate_percent: dec("-5"),
                ..terms()
            }),
            "annual interest rate must not be negative (got -5)"
        );
        assert_eq!(
            error_of(&Terms {
                amount: dec("0"),
                ..terms()
            }),
            "loan amount must be positive (got 0)"
        );
        assert_eq!(
            error_of(&Terms {
                amount: dec("-10"),
                ..terms()
            }),
            "loan amount must be positive (got -10)"
        );
        assert_eq!(
            error_of(&Terms {
                amount: dec("100.5"),
                minor_units: 0,
                ..terms()
            }),
            "loan amount 100.5 has more decimals than the currency allows (0)"
        );
        assert_eq!(
            error_of(&Terms {
                minor_units: 9,
                ..terms()
            }),
            "currency minor units must be at most 8 (got 9)"
        );
        assert_eq!(
            error_of(&Terms {
                grace: 12,
                ..terms()
            }),
            "grace period (12 installments) must be shorter than the loan (12 installments)"
        );
        assert_eq!(
            error_of(&Terms {
                first_due: Some(d(2026, 1, 10)),
                ..terms()
            }),
            "first due date 2026-01-10 is on or before the disbursal date 2026-01-15"
        );
        assert_eq!(
            error_of(&Terms {
                first_due: Some(d(2026, 1, 15)),
                ..terms()
            }),
            "first due date 2026-01-15 is on or before the disbursal date 2026-01-15"
        );
        assert_eq!(
            error_of(&Terms {
                frequency: Frequency::Months(0),
                ..terms()
            }),
            "frequency every-0-months must have an interval of at least 1"
        );
        // trailing zeros are not extra precision
        assert!(
            generate(&Terms {
                amount: dec("100.000"),
                minor_units: 0,
                ..terms()
            })
            .is_ok()
        );
        assert!(
            generate(&Terms {
                annual_rate_percent: dec("-0"),
                ..terms()
            })
            .is_ok()
        );
    }

    #[test]
    fn out_of_range_and_overflow_are_errors_not_panics() {
        let far = Terms {
            disbursed: NaiveDate::MAX - Days::new(10),
            frequency: Frequency::Months(1),
            ..terms()
        };
        assert!(matches!(
            generate(&far),
            Err(TermsError::DateOutOfRange { .. })
        ));
        let huge_interval = Terms {
            frequency: Frequency::Days(u32::MAX),
            ..terms()
        };
        assert!(matches!(
            generate(&huge_interval),
            Err(TermsError::DateOutOfRange { .. })
        ));
        let huge_months = Terms {
            frequency: Frequency::Months(u32::MAX),
            ..terms()
        };
        assert!(matches!(
            generate(&huge_months),
            Err(TermsError::DateOutOfRange { .. })
        ));
        let huge_amount = Terms {
            amount: Decimal::MAX,
            ..terms()
        };
        assert_eq!(
            generate(&huge_amount).unwrap_err().to_string(),
            "loan amount 79228162514264337593543950335 is too large to be handled with 2 decimals"
        );
        let big_amount_high_rate = Terms {
            amount: dec("1e24"),
            annual_rate_percent: dec("100000"),
            ..terms()
        };
        assert_eq!(generate(&big_amount_high_rate), Err(TermsError::Overflow));
        // an absurd but finite rate still works: the payment is about P * i
        let usurious = Terms {
            annual_rate_percent: dec("1000000"),
            installments: 1000,
            ..terms()
        };
        let rows = generate(&usurious).unwrap();
        assert_eq!(
            rows.iter().map(|r| r.principal).sum::<Decimal>(),
            dec("1000")
        );
        assert!(due_dates(d(2026, 1, 1), Frequency::Days(7), 1001).is_err());
    }

    // ---- amounts -----------------------------------------------------

    #[test]
    fn textbook_annuity_first_rows() {
        // 1000 at 1 %/month over 12 months: PMT = 10 / (1 - 1.01^-12) = 88.8488 -> 88.85
        let rows = generate(&terms()).unwrap();
        assert_eq!(rows[0].interest, dec("10.00"));
        assert_eq!(rows[0].principal, dec("78.85"));
        assert_eq!(rows[0].principal.to_string(), "78.85");
        assert_eq!(rows[1].interest, dec("9.21")); // 921.15 * 1 % = 9.2115
        assert!(rows[..11].iter().all(|r| r.total() == dec("88.85")));
    }

    #[test]
    fn zero_rate_gives_zero_interest() {
        for method in [
            Method::DecliningBalance,
            Method::DecliningBalanceEqualPrincipal,
            Method::Flat,
        ] {
            for day_count in [DayCount::Periodic, DayCount::Actual365, DayCount::Thirty360] {
                let t = Terms {
                    amount: dec("1000"),
                    annual_rate_percent: Decimal::ZERO,
                    installments: 3,
                    method,
                    day_count,
                    minor_units: 0,
                    grace: 1,
                    ..terms()
                };
                let rows = generate(&t).unwrap();
                assert!(rows.iter().all(|r| r.interest.is_zero()));
                let principal: Vec<_> = rows.iter().map(|r| r.principal).collect();
                assert_eq!(principal, [dec("0"), dec("500"), dec("500")]);
            }
        }
    }

    #[test]
    fn midpoints_round_away_from_zero() {
        // 10 / 4 = 2.5 -> 3, so 3 + 3 + 3 + 1
        let t = Terms {
            amount: dec("10"),
            annual_rate_percent: Decimal::ZERO,
            installments: 4,
            method: Method::Flat,
            minor_units: 0,
            ..terms()
        };
        let principal: Vec<_> = generate(&t).unwrap().iter().map(|r| r.principal).collect();
        assert_eq!(principal, [dec("3"), dec("3"), dec("3"), dec("1")]);
        // 780 * 10 % / 52 = 1.5 exactly: the midpoint must be seen as one.
        // The weekly rate 10 / 5200 = 0.00192307692307...; rounded to 28
        // digits first it would give 780 * rate = 1.4999... -> 1, hence the
        // division comes last.
        let t = Terms {
            amount: dec("780"),
            annual_rate_percent: dec("10"),
            installments: 2,
            frequency: Frequency::Days(7),
            method: Method::Flat,
            minor_units: 0,
            ..terms()
        };
        assert!(generate(&t).unwrap().iter().all(|r| r.interest == dec("2")));
        let rate_first = dec("780") * (dec("10") / dec("5200"));
        assert_eq!(rate_first.round_dp(0), dec("1"));
    }

    #[test]
    fn long_first_period_never_gives_negative_principal() {
        // 6 months to the first due date on a monthly annuity at 120 %/year:
        // actual/365 interest (about 60 %) exceeds the payment.
        let t = Terms {
            annual_rate_percent: dec("120"),
            installments: 3,
            first_due: Some(d(2026, 7, 15)),
            day_count: DayCount::Actual365,
            ..terms()
        };
        let rows = generate(&t).unwrap();
        assert_eq!(rows[0].principal, Decimal::ZERO);
        assert!(rows[0].interest > dec("500"));
        assert_eq!(
            rows.iter().map(|r| r.principal).sum::<Decimal>(),
            dec("1000")
        );
    }

    #[test]
    fn values_carry_exactly_minor_units_decimals() {
        let t = Terms {
            amount: dec("1200"),
            method: Method::Flat,
            minor_units: 3,
            ..terms()
        };
        for row in generate(&t).unwrap() {
            assert_eq!(row.principal.scale(), 3);
            assert_eq!(row.interest.scale(), 3);
        }
    }

    // ---- properties --------------------------------------------------

    fn arb_terms() -> impl Strategy<Value = Terms> {
        let amount = prop_oneof![
            (1i64..=10_000_000).prop_map(|a| (Decimal::from(a), 0u32)),
            (1i64..=1_000_000_000).prop_map(|c| (Decimal::new(c, 2), 2u32)),
        ];
        let frequency = prop::sample::select(vec![
            Frequency::Days(7),
            Frequency::Days(14),
            Frequency::Days(10),
            Frequency::SemiMonthly,
            Frequency::Months(1),
            Frequency::Months(2),
            Frequency::Months(3),
        ]);
        let method = prop::sample::select(vec![
            Method::DecliningBalance,
            Method::DecliningBalanceEqualPrincipal,
            Method::Flat,
        ]);
        let day_count = prop::sample::select(vec![
            DayCount::Periodic,
            DayCount::Actual365,
            DayCount::Thirty360,
        ]);
        let rate = prop_oneof![
            Just(Decimal::ZERO),
            (0i64..=6000).prop_map(|r| Decimal::new(r, 2))
        ];
        let start = d(2000, 1, 1);
        let disbursed = (0u64..15_000).prop_map(move |o| start + Days::new(o));
        let first_due_after = prop::option::of(1u64..120);
        (1u32..=60)
            .prop_flat_map(|n| (Just(n), 0..n))
            .prop_flat_map(move |(n, grace)| {
                (
                    Just(n),
                    Just(grace),
                    amount.clone(),
                    rate.clone(),
                    frequency.clone(),
                    method.clone(),
                    day_count.clone(),
                    disbursed.clone(),
                    first_due_after.clone(),
                )
            })
            .prop_map(
                |(
                    n,
                    grace,
                    (amount, minor_units),
                    rate,
                    frequency,
                    method,
                    day_count,
                    disbursed,
                    after,
                )| {
                    Terms {
                        amount,
                        annual_rate_percent: rate,
                        installments: n,
                        frequency,
                        method,
                        disbursed,
                        first_due: after.map(|a| disbursed + Days::new(a)),
                        grace,
                        day_count,
                        minor_units,
                    }
                },
            )
    }

    proptest! {
        // No failure persistence: proptest would write proptest-regressions/
        // at the crate root; a failing case is printed in full instead.
        #![proptest_config(ProptestConfig {
            cases: 2000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn schedules_are_exact_and_well_formed(t in arb_terms()) {
            let rows = generate(&t).unwrap();
            prop_assert_eq!(rows.len(), t.installments as usize);
            let principal: Decimal = rows.iter().map(|r| r.principal).sum();
            prop_assert_eq!(principal, t.amount);
            prop_assert!(rows[0].date > t.disbursed);
            if let Some(first_due) = t.first_due {
                prop_assert_eq!(rows[0].date, first_due);
            }
            for pair in rows.windows(2) {
                prop_assert!(pair[0].date < pair[1].date);
            }
            for (k, row) in rows.iter().enumerate() {
                prop_assert!(!row.principal.is_sign_negative() || row.principal.is_zero());
                prop_assert!(!row.interest.is_sign_negative() || row.interest.is_zero());
                prop_assert_eq!(row.principal.scale(), t.minor_units);
                prop_assert_eq!(row.interest.scale(), t.minor_units);
                if k < t.grace as usize {
                    prop_assert!(row.principal.is_zero());
                }
                if t.annual_rate_percent.is_zero() {
                    prop_assert!(row.interest.is_zero());
                }
            }
        }

        #[test]
        fn periodic_shapes(t in arb_terms()) {
            let t = Terms { day_count: DayCount::Periodic, ..t };
            let rows = generate(&t).unwrap();
            match t.method {
                // same rate every period, never-growing balance
                Method::DecliningBalance | Method::DecliningBalanceEqualPrincipal => {
                    for pair in rows.windows(2) {
                        prop_assert!(pair[0].interest >= pair[1].interest);
                    }
                }
                Method::Flat => {
                    prop_assert!(rows.iter().all(|r| r.interest == rows[0].interest));
                }
            }
        }

        /// Wild inputs (any amount, scale, rate, interval, date) must give an
        /// error or a valid schedule, never a panic.
        #[test]
        fn arbitrary_terms_never_panic(
            amount in prop_oneof![
                (any::<u32>(), any::<u32>(), any::<u32>(), any::<bool>(), 0u32..=28)
                    .prop_map(|(lo, mid, hi, neg, scale)| Decimal::from_parts(lo, mid, hi, neg, scale)),
                (-10i64..1_000_000_000_000, 0u32..=6).prop_map(|(m, scale)| Decimal::new(m, scale)),
            ],
            annual_rate_percent in prop_oneof![
                (any::<u32>(), any::<u32>(), 0u32..=28)
                    .prop_map(|(lo, mid, scale)| Decimal::from_parts(lo, mid, 0, false, scale)),
                (0i64..1_000_000, 0u32..=3).prop_map(|(m, scale)| Decimal::new(m, scale)),
            ],
            installments in prop_oneof![0u32..=3, 4u32..=120, 990u32..=1002, any::<u32>()],
            grace in 0u32..=4,
            interval in prop_oneof![0u32..=3, 4u32..=40, any::<u32>()],
            kind in 0u8..3,
            method in prop::sample::select(vec![
                Method::DecliningBalance,
                Method::DecliningBalanceEqualPrincipal,
                Method::Flat,
            ]),
            day_count in prop::sample::select(vec![DayCount::Periodic, DayCount::Actual365, DayCount::Thirty360]),
            disbursed in prop_oneof![
                Just(NaiveDate::MIN),
                Just(NaiveDate::MAX),
                (-100_000i32..100_000).prop_map(|o| d(2000, 1, 1) + chrono::TimeDelta::days(i64::from(o))),
            ],
            first_due_after in prop::option::of(-5i64..400),
            minor_units in 0u32..=10,
        ) {
            let frequency = match kind {
                0 => Frequency::Days(interval),
                1 => Frequency::Months(interval),
                _ => Frequency::SemiMonthly,
            };
            let t = Terms {
                amount,
                annual_rate_percent,
                installments,
                frequency,
                method,
                disbursed,
                first_due: first_due_after
                    .and_then(|a| disbursed.checked_add_signed(chrono::TimeDelta::days(a))),
                grace,
                day_count,
                minor_units,
            };
            // (the `Err` branch only has to not panic)
            if let Ok(rows) = generate(&t) {
                prop_assert_eq!(rows.len(), t.installments as usize);
                prop_assert_eq!(rows.iter().map(|r| r.principal).sum::<Decimal>(), t.amount);
                prop_assert!(rows.iter().all(|r| r.principal >= Decimal::ZERO && r.interest >= Decimal::ZERO));
            }
        }

        #[test]
        fn parsing_round_trips(n in 1u32..400, months in any::<bool>()) {
            let f = if months { Frequency::Months(n) } else { Frequency::Days(n) };
            prop_assert_eq!(f.to_string().parse::<Frequency>().unwrap(), f);
        }
    }
}
