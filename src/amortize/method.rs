//! Amortization methods (declining balance, equal principal, flat), the annuity
//! payment and the rounding to the currency's minor unit.

#[allow(clippy::wildcard_imports)]
use super::*;

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

/// Rounds half away from zero to exactly `minor_units` decimals; fails when
/// the value is too large to carry that many decimals.
pub(super) fn round(value: Decimal, minor_units: u32) -> Result<Decimal, TermsError> {
    let mut rounded =
        value.round_dp_with_strategy(minor_units, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(minor_units);
    if rounded.scale() == minor_units {
        Ok(rounded)
    } else {
        Err(TermsError::Overflow)
    }
}

/// Textbook annuity payment `P * i / (1 - (1 + i)^-n)`, rounded; `P / n`
/// when the rate is zero (or too small to register in 28 digits).
pub(super) fn annuity_payment(
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
