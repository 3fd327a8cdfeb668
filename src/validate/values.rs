//! Amounts as JSON numbers: the right type, and no more decimals than the currency
//! has.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn check_money(
    c: &mut Checker<'_>,
    field: &str,
    value: &Value,
    minor_units: Option<u32>,
    currency: Option<&str>,
) -> Option<Decimal> {
    let Some(amount) = decimal(value) else {
        c.push("wrong-type", field, format!("{value} is not a number"));
        return None;
    };
    check_precision(c, || field.to_string(), amount, minor_units, currency);
    Some(amount)
}

/// An amount may have no more decimals than its currency's minor units. `field` names
/// it (built only for a diagnostic).
pub(super) fn check_precision(
    c: &mut Checker<'_>,
    field: impl Fn() -> String,
    amount: Decimal,
    minor_units: Option<u32>,
    currency: Option<&str>,
) {
    // The scale bounds the normalized scale: most amounts are settled without normalizing.
    if let (Some(units), Some(code)) = (minor_units, currency)
        && amount.scale() > units
        && amount.normalize().scale() > units
    {
        c.push(
            "amount-too-precise",
            field(),
            format!("{amount} has more decimals than {code} allows ({units})"),
        );
    }
}
