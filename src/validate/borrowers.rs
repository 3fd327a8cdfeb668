//! Borrowers: a first name and a positive amount each, and their total for the
//! schedule's principal.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Borrower `i` has no first name.
pub(super) fn borrower_without_first_name(c: &mut Checker<'_>, i: usize) {
    c.push(
        "borrower-without-first-name",
        format!("entreps[{i}].first_name"),
        format!("borrower {} has no first name", i + 1),
    );
}

/// Borrower `i` has no amount: the borrowers' total is unknown.
pub(super) fn borrower_without_amount(c: &mut Checker<'_>, i: usize, total: &mut Option<Decimal>) {
    c.push(
        "borrower-without-amount",
        format!("entreps[{i}].amount"),
        format!("borrower {} has no amount", i + 1),
    );
    *total = None;
}

/// Borrower `i`'s amount once read (None when it could not be, already reported): it
/// must be positive, and it adds to the borrowers' total.
pub(super) fn borrower_amount(
    c: &mut Checker<'_>,
    i: usize,
    amount: Option<Decimal>,
    total: &mut Option<Decimal>,
) {
    match amount {
        Some(a) => {
            if a <= Decimal::ZERO {
                c.push(
                    "amount-not-positive",
                    format!("entreps[{i}].amount"),
                    format!("amount {a} is not positive"),
                );
            }
            // A total past `Decimal`'s range (amounts near 10^28) is unknown, as when an
            // amount cannot be read, rather than a panic.
            *total = total.and_then(|t| t.checked_add(a));
        }
        None => *total = None,
    }
}

/// Checks borrowers; returns the sum of their amounts when all are readable.
pub(super) fn check_borrowers(
    c: &mut Checker<'_>,
    entreps: &[Value],
    minor_units: Option<u32>,
    currency: Option<&str>,
) -> Option<Decimal> {
    let mut total = Some(Decimal::ZERO);
    for (i, e) in entreps.iter().enumerate() {
        let at = |f: &str| format!("entreps[{i}].{f}");
        if !e.is_object() {
            c.push(
                "wrong-type",
                format!("entreps[{i}]"),
                "a borrower must be an object",
            );
            total = None;
            continue;
        }
        if is_blank(e.get("first_name")) {
            borrower_without_first_name(c, i);
        }
        for key in ["client_id", "loan_id"] {
            match e.get(key) {
                Some(Value::Number(n)) if n.as_i64().is_none() && n.as_u64().is_none() => {
                    c.push(
                        "id-with-fraction",
                        at(key),
                        format!("{n} is a number with a fractional part, not an id"),
                    );
                }
                Some(Value::String(_) | Value::Number(_) | Value::Null) | None => {}
                Some(other) => c.push(
                    "wrong-type",
                    at(key),
                    format!("{other} is not an id (text)"),
                ),
            }
        }
        match e.get("gender") {
            None | Some(Value::Null) => {}
            Some(Value::String(g)) if GENDERS.contains(&g.as_str()) => {}
            Some(other) => c.push(
                "gender-invalid",
                at("gender"),
                format!("{other} is not one of {}", GENDERS.join(", ")),
            ),
        }
        match e.get("amount") {
            None | Some(Value::Null) => borrower_without_amount(c, i, &mut total),
            Some(v) => {
                let amount = check_money(c, &at("amount"), v, minor_units, currency);
                borrower_amount(c, i, amount, &mut total);
            }
        }
    }
    total
}

/// [`check_money`] on an amount of a typed draft; `field` names it (built only for a
/// diagnostic).
pub(super) fn check_amount(
    c: &mut Checker<'_>,
    field: impl Fn() -> String,
    amount: Money,
    minor_units: Option<u32>,
    currency: Option<&str>,
) -> Option<Decimal> {
    let Some(value) = amount.json_decimal() else {
        let json = serde_json::to_value(amount).unwrap_or_default();
        c.push("wrong-type", field(), format!("{json} is not a number"));
        return None;
    };
    check_precision(c, field, value, minor_units, currency);
    Some(value)
}

/// [`check_borrowers`] on a typed draft's borrowers.
pub(super) fn check_entreps(
    c: &mut Checker<'_>,
    entreps: &[Entrep],
    minor_units: Option<u32>,
    currency: Option<&str>,
) -> Option<Decimal> {
    let mut total = Some(Decimal::ZERO);
    for (i, e) in entreps.iter().enumerate() {
        let at = |f: &str| format!("entreps[{i}].{f}");
        if is_blank_text(e.first_name.as_ref()) {
            borrower_without_first_name(c, i);
        }
        if let Some(g) = &e.gender
            && !GENDERS.contains(&g.as_str())
        {
            c.push(
                "gender-invalid",
                at("gender"),
                format!("{} is not one of {}", json_text(g), GENDERS.join(", ")),
            );
        }
        match e.amount {
            None => borrower_without_amount(c, i, &mut total),
            Some(amount) => {
                let amount = check_amount(c, || at("amount"), amount, minor_units, currency);
                borrower_amount(c, i, amount, &mut total);
            }
        }
    }
    total
}
