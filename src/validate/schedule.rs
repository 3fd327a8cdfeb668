//! The schedule: dates `YYYY-MM-DD`, strictly increasing, after disbursal; no negative
//! amounts; principal equal to the borrowers' amounts ([`ScheduleRun`], shared by the
//! JSON and typed checks).

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn check_schedule(
    c: &mut Checker<'_>,
    schedule: Option<&Value>,
    disbursed: Option<NaiveDate>,
    amounts: Option<Decimal>,
    minor_units: Option<u32>,
    currency: Option<&str>,
) {
    let items = match schedule {
        None | Some(Value::Null) => return,
        Some(Value::Array(items)) => items,
        Some(_) => {
            c.push(
                "wrong-type",
                "schedule",
                "schedule must be a list of installments",
            );
            return;
        }
    };
    let mut run = ScheduleRun::new();
    for (i, item) in items.iter().enumerate() {
        let at = |f: &str| format!("schedule[{i}].{f}");
        match item.get("date") {
            Some(v) => match iso_date(v) {
                Some(date) => run.date(c, || at("date"), date, disbursed),
                None => c.push(
                    "schedule-date-format",
                    at("date"),
                    format!("{v} is not a date (YYYY-MM-DD)"),
                ),
            },
            None => c.push(
                "schedule-date-format",
                at("date"),
                format!("installment {} has no date", i + 1),
            ),
        }
        for key in ["principal", "interest"] {
            let amount = if let Some(v) = item.get(key) {
                check_money(c, &at(key), v, minor_units, currency)
            } else {
                c.push(
                    "wrong-type",
                    at(key),
                    format!("installment {} has no {key}", i + 1),
                );
                None
            };
            run.amount(c, || at(key), key, amount);
        }
    }
    if items.is_empty() {
        return;
    }
    run.finish(c, amounts);
}

/// What the schedule checks carry from one installment to the next (shared by the
/// checks on JSON and on a typed draft).
pub(super) struct ScheduleRun {
    previous: Option<NaiveDate>,
    /// The principal so far; None once one could not be read, or the total left
    /// `Decimal`'s range.
    principal: Option<Decimal>,
    /// The interest so far; None once it left `Decimal`'s range.
    interest: Option<Decimal>,
}

impl ScheduleRun {
    fn new() -> ScheduleRun {
        ScheduleRun {
            previous: None,
            principal: Some(Decimal::ZERO),
            interest: Some(Decimal::ZERO),
        }
    }

    /// An installment's due date: after the previous installment's and the disbursal.
    fn date(
        &mut self,
        c: &mut Checker<'_>,
        field: impl Fn() -> String,
        date: NaiveDate,
        disbursed: Option<NaiveDate>,
    ) {
        if let Some(p) = self.previous
            && date <= p
        {
            c.push(
                "schedule-dates-not-increasing",
                field(),
                format!("{date} does not come after the previous installment's {p}"),
            );
        }
        if let Some(d) = disbursed
            && date <= d
        {
            c.push(
                "schedule-before-disbursal",
                field(),
                format!("{date} is on or before the disbursal date {d}"),
            );
        }
        self.previous = Some(date);
    }

    /// An installment's `principal` or `interest` (`key`); None when it could not be
    /// read (already reported).
    fn amount(
        &mut self,
        c: &mut Checker<'_>,
        field: impl Fn() -> String,
        key: &str,
        amount: Option<Decimal>,
    ) {
        match amount {
            Some(a) => {
                if a < Decimal::ZERO {
                    c.push(
                        "schedule-negative",
                        field(),
                        format!("{key} {a} is negative"),
                    );
                }
                if key == "principal" {
                    self.principal = self.principal.and_then(|t| t.checked_add(a));
                } else {
                    self.interest = self.interest.and_then(|t| t.checked_add(a));
                }
            }
            None if key == "principal" => self.principal = None,
            None => {}
        }
    }

    /// The totals: the principal against the borrowers' amounts, and some interest.
    fn finish(self, c: &mut Checker<'_>, amounts: Option<Decimal>) {
        if let (Some(p), Some(a)) = (self.principal, amounts)
            && p != a
        {
            c.push(
                "schedule-principal-mismatch",
                "schedule",
                format!(
                    "the principal sums to {} but the borrowers' amounts to {}",
                    p.normalize(),
                    a.normalize()
                ),
            );
        }
        if self.interest.as_ref().is_some_and(Decimal::is_zero) {
            c.push(
                "interest-zero",
                "schedule",
                "the schedule's interest totals zero",
            );
        }
    }
}

/// [`check_schedule`] on a typed draft's installments.
pub(super) fn check_installments(
    c: &mut Checker<'_>,
    items: &[ScheduleItem],
    disbursed: Option<NaiveDate>,
    amounts: Option<Decimal>,
    minor_units: Option<u32>,
    currency: Option<&str>,
) {
    if items.is_empty() {
        return;
    }
    let mut run = ScheduleRun::new();
    for (i, item) in items.iter().enumerate() {
        let at = |f: &str| format!("schedule[{i}].{f}");
        match iso_date_text(&item.date) {
            Some(date) => run.date(c, || at("date"), date, disbursed),
            None => c.push(
                "schedule-date-format",
                at("date"),
                format!("{} is not a date (YYYY-MM-DD)", json_text(&item.date)),
            ),
        }
        for (key, amount) in [("principal", item.principal), ("interest", item.interest)] {
            let amount = check_amount(c, || at(key), amount, minor_units, currency);
            run.amount(c, || at(key), key, amount);
        }
    }
    run.finish(c, amounts);
}
