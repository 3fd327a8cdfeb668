//! Due dates: the frequencies (weekly to quarterly, every N days or months, twice a
//! month) and the dates they give, monthly dates keeping the first due date's day and
//! clamped to the month's end (Jan 31, Feb 28, Mar 31).

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) const FREQUENCY_WORDS: &str =
    "weekly, biweekly, every-N-days, semi-monthly, monthly, every-N-months, quarterly";

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
    pub(super) fn interval_is_zero(self) -> bool {
        matches!(self, Frequency::Days(0) | Frequency::Months(0))
    }

    /// Length of one period as a fraction of a year, `(numerator,
    /// denominator)`: 1/52, 1/26, N/365, 1/24, N/12.
    pub(super) fn year_fraction(self) -> (Decimal, Decimal) {
        match self {
            Frequency::Days(7) => (Decimal::ONE, Decimal::from(52)),
            Frequency::Days(14) => (Decimal::ONE, Decimal::from(26)),
            Frequency::Days(n) => (Decimal::from(n), Decimal::from(365)),
            Frequency::SemiMonthly => (Decimal::ONE, Decimal::from(24)),
            Frequency::Months(n) => (Decimal::from(n), Decimal::from(12)),
        }
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
pub(super) fn dates_from(
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
pub(super) fn nth_date(anchor: NaiveDate, frequency: Frequency, k: u32) -> Option<NaiveDate> {
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

pub(super) fn days_in_month(first_of_month: NaiveDate) -> Option<u32> {
    let next = first_of_month.checked_add_months(Months::new(1))?;
    u32::try_from(next.signed_duration_since(first_of_month).num_days()).ok()
}
