//! Day counts: how much of a year an installment's interest covers (`periodic`,
//! `actual/365`, `30E/360`), and the interest on a balance, the division last so that
//! an exact midpoint rounds as one.

#[allow(clippy::wildcard_imports)]
use super::*;

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

/// 30E/360 day count (ISDA 2006 §4.16(g)): day 31 counts as day 30.
pub(super) fn days_30e_360(start: NaiveDate, end: NaiveDate) -> i64 {
    let d1 = i64::from(start.day().min(30));
    let d2 = i64::from(end.day().min(30));
    360 * i64::from(end.year() - start.year())
        + 30 * (i64::from(end.month()) - i64::from(start.month()))
        + (d2 - d1)
}

/// `round(base * annual% * num / (100 * den))`, division last.
pub(super) fn interest_on(
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
