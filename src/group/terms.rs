//! Schedules generated from loan terms (`[terms]`): the terms read from the loan's
//! fields and handed to [`crate::amortize`], errors pointing at the term's cell.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The term field a generation error is about, to point at its cell.
pub(super) fn term_field_of(error: &TermsError) -> &'static str {
    match error {
        TermsError::NoInstallments(_) | TermsError::TooManyInstallments(_) => "installments",
        TermsError::NegativeRate(_) => "annual_rate",
        TermsError::GraceTooLong { .. } => "grace",
        TermsError::FirstDueNotAfterDisbursal { .. } => "first_due",
        TermsError::UnknownFrequency(_) | TermsError::ZeroInterval(_) => "frequency",
        TermsError::UnknownMethod(_) => "method",
        TermsError::UnknownDayCount(_) => "day_count",
        _ => "",
    }
}

/// Generates a loan's schedule from its terms (`[terms]` in the template).
pub(super) fn generate_schedule(
    p: &Pending,
    amount: Money,
    currency: Option<&str>,
) -> Result<Vec<Installment>, Problem> {
    let row = p.rows[0].clone();
    let field = |name: &str| p.terms.iter().find(|(n, _, _)| *n == name);
    let origin_of = |name: &str| field(name).map_or_else(|| row.clone(), |(_, _, o)| o.clone());
    let fail = |name: &str, message: String| Problem {
        rule: "input-value",
        origin: origin_of(name),
        value: field(name).map(|(_, v, _)| v.to_string()),
        message,
    };
    let word = |name: &str| field(name).map(|(_, v, _)| v.to_string());
    let integer = |name: &str| match field(name) {
        Some((_, Value::Integer(i), _)) => {
            u32::try_from(*i).map_err(|_| fail(name, "is too large".into()))
        }
        _ => Ok(0),
    };
    let disbursed = match p.loan.iter().find(|(n, _, _)| *n == "disburse_time") {
        Some((_, Value::Date(d), _)) => *d,
        _ => {
            return Err(Problem {
                rule: "input-value",
                origin: row,
                value: None,
                message: "no disbursal date: the schedule cannot be generated".into(),
            });
        }
    };
    let Some(minor_units) = currency.and_then(crate::money::minor_units) else {
        return Err(Problem {
            rule: "input-value",
            origin: row,
            value: None,
            message: "no currency: the schedule cannot be generated".into(),
        });
    };
    let parse = |name: &str, default: &str| word(name).unwrap_or_else(|| default.to_string());
    let frequency: Frequency = parse("frequency", "")
        .parse()
        .map_err(|e: TermsError| fail("frequency", format!("cannot be used: {e}")))?;
    let method: Method = parse("method", "")
        .parse()
        .map_err(|e: TermsError| fail("method", format!("cannot be used: {e}")))?;
    let day_count: DayCount = parse("day_count", "periodic")
        .parse()
        .map_err(|e: TermsError| fail("day_count", format!("cannot be used: {e}")))?;
    let annual_rate_percent = match field("annual_rate") {
        Some((_, Value::Money(m), _)) => m.0,
        _ => rust_decimal::Decimal::ZERO,
    };
    let first_due = match field("first_due") {
        Some((_, Value::Date(d), _)) => Some(*d),
        _ => None,
    };
    let terms = amortize::Terms {
        amount: amount.0,
        annual_rate_percent,
        installments: integer("installments")?,
        frequency,
        method,
        disbursed,
        first_due,
        grace: integer("grace")?,
        day_count,
        minor_units,
    };
    let installments = amortize::generate(&terms).map_err(|e| {
        let name = term_field_of(&e);
        Problem {
            rule: "input-value",
            origin: origin_of(name),
            value: None,
            message: format!("the schedule cannot be generated: {e}"),
        }
    })?;
    let origin = origin_of("installments");
    Ok(installments
        .into_iter()
        .map(|i| {
            Installment::of(
                (
                    i.date,
                    Money(i.principal),
                    Money(i.interest),
                    origin.clone(),
                ),
                None,
            )
        })
        .collect())
}
