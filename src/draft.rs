//! The `loan_draft` body of Kiva's Partner API (`POST /v3/partner/{id}/loan_draft`).
//!
//! This is the one place where the API's field names live: the serde model below and
//! the registry of fields a template may fill ([`LOAN_FIELDS`], [`BORROWER_FIELDS`],
//! [`SCHEDULE_FIELDS`]) with the kind of value each holds.

use serde::{Deserialize, Serialize};

use crate::money::Money;

/// A loan draft as the API accepts it. Absent fields are left out, not sent as null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct LoanDraft {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theme_type_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description_language_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disburse_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loanuse: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_waiver_signed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_encoded: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_loan_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_pictured: Option<Vec<bool>>,
    #[serde(default)]
    pub entreps: Vec<Entrep>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<ScheduleItem>,
}

/// One borrower of a loan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Entrep {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loan_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<Money>,
}

/// One installment of the repayment schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleItem {
    pub date: String,
    pub principal: Money,
    pub interest: Money,
}

/// The kind of value a draft field holds, which decides how a cell is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text, trimmed.
    Text,
    /// An identifier from the MIS: text; a number cell must be whole and prints without
    /// `.0` or exponent.
    Id,
    /// A Kiva reference id (activity, theme, language): a whole number.
    Integer,
    /// Yes/no in English, Spanish, French or Portuguese, `1`/`0`, `x`, or a boolean cell.
    Bool,
    /// An amount in the loan's currency.
    Money,
    /// A plain decimal number (an interest rate in percent).
    Number,
    /// A calendar date.
    Date,
    /// `female`, `male` or `unknown` after the template's value map.
    Gender,
    /// An ISO 4217 currency code.
    Currency,
    /// A full name to be split into first and last name.
    FullName,
}

/// Loan-level fields a template may fill.
pub const LOAN_FIELDS: &[(&str, Kind)] = &[
    ("activity_id", Kind::Integer),
    ("theme_type_id", Kind::Integer),
    ("description_language_id", Kind::Integer),
    ("location", Kind::Text),
    ("currency", Kind::Currency),
    ("disburse_time", Kind::Date),
    ("description", Kind::Text),
    ("loanuse", Kind::Text),
    ("client_waiver_signed", Kind::Bool),
    ("image_encoded", Kind::Text),
    ("image_url", Kind::Text),
    // Not an API field: a JPEG/PNG/GIF file (path relative to the export's folder) read
    // and sent as `image_encoded`.
    ("image_file", Kind::Text),
    ("group_name", Kind::Text),
    ("internal_client_id", Kind::Id),
    ("internal_loan_id", Kind::Id),
];

/// Borrower-level fields (`name` is split into `first_name` and `last_name`;
/// `not_pictured` goes to the loan's list, in borrower order).
pub const BORROWER_FIELDS: &[(&str, Kind)] = &[
    ("first_name", Kind::Text),
    ("last_name", Kind::Text),
    ("name", Kind::FullName),
    ("gender", Kind::Gender),
    ("client_id", Kind::Id),
    ("loan_id", Kind::Id),
    ("amount", Kind::Money),
    ("not_pictured", Kind::Bool),
];

/// Installment fields.
pub const SCHEDULE_FIELDS: &[(&str, Kind)] = &[
    ("date", Kind::Date),
    ("principal", Kind::Money),
    ("interest", Kind::Money),
];

/// Loan terms from which a schedule is generated (template section `[terms]`); not
/// draft fields, but read like them.
pub const TERMS_FIELDS: &[(&str, Kind)] = &[
    ("installments", Kind::Integer),
    ("frequency", Kind::Text),
    ("method", Kind::Text),
    ("annual_rate", Kind::Number),
    ("first_due", Kind::Date),
    ("grace", Kind::Integer),
    ("day_count", Kind::Text),
];

/// Genders the API accepts.
pub const GENDERS: &[&str] = &["female", "male", "unknown"];

/// Fields only group loans may carry.
pub const GROUP_ONLY: &[&str] = &[
    "group_name",
    "internal_client_id",
    "internal_loan_id",
    "not_pictured",
];

impl LoanDraft {
    /// The sum of the borrowers' amounts.
    pub fn amount(&self) -> Money {
        self.entreps.iter().filter_map(|e| e.amount).sum()
    }

    pub fn is_group(&self) -> bool {
        self.entreps.len() > 1
    }

    /// The draft as pretty JSON, with a final newline.
    pub fn to_pretty_json(&self) -> String {
        // Written into a buffer of about the draft's size, rather than one grown as the
        // JSON is written (an installment takes some 90 bytes, a borrower 200).
        let text = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        let size = 512
            + 200 * self.entreps.len()
            + 96 * self.schedule.len()
            + [
                &self.description,
                &self.loanuse,
                &self.image_encoded,
                &self.internal_client_id,
            ]
            .into_iter()
            .map(text)
            .sum::<usize>();
        let mut out = Vec::with_capacity(size);
        if serde_json::to_writer_pretty(&mut out, self).is_err() {
            return "\n".to_string();
        }
        out.push(b'\n');
        String::from_utf8(out).unwrap_or_else(|_| "\n".to_string())
    }
}

/// Random drafts for property tests; each test gives the values its checks care about.
#[cfg(test)]
pub(crate) mod arbitrary {
    use super::{Entrep, LoanDraft, ScheduleItem};
    use crate::money::Money;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    /// Amounts, absent or present: signs, scales up to 19, whole half the time (the most
    /// common), mantissas up to 10^21.
    pub fn money() -> impl Strategy<Value = Option<Money>> {
        prop::option::of(
            (
                -3i64..1_000_000_000_000_000_000,
                prop_oneof![Just(0u32), 0u32..20],
                prop::sample::select(vec![1i64, 10, 1000, 7]),
            )
                .prop_map(|(m, scale, f)| {
                    Money(Decimal::from_i128_with_scale(
                        i128::from(m) * i128::from(f),
                        scale,
                    ))
                }),
        )
    }

    /// Drafts built from the given texts, ids, amounts (each a strategy maker) and
    /// installment dates: every
    /// optional field absent or present, 0 to 3 borrowers, 0 to 4 installments (absent
    /// amounts there are zero).
    pub fn draft<T, I, M, D>(
        text: impl Fn() -> T,
        id: impl Fn() -> I,
        money: impl Fn() -> M,
        date: D,
    ) -> impl Strategy<Value = LoanDraft>
    where
        T: Strategy<Value = Option<String>>,
        I: Strategy<Value = Option<u64>>,
        M: Strategy<Value = Option<Money>>,
        D: Strategy<Value = String>,
    {
        let t = &text;
        let entrep = (t(), t(), t(), t(), t(), money()).prop_map(
            |(first_name, last_name, gender, client_id, loan_id, amount)| Entrep {
                first_name,
                last_name,
                gender,
                client_id,
                loan_id,
                amount,
            },
        );
        let installment = (date, money(), money()).prop_map(|(date, p, i)| ScheduleItem {
            date,
            principal: p.unwrap_or_default(),
            interest: i.unwrap_or_default(),
        });
        (
            (id(), id(), id(), t(), t(), t(), t(), t()),
            (
                prop::option::of(any::<bool>()),
                t(),
                t(),
                t(),
                t(),
                t(),
                prop::option::of(prop::collection::vec(any::<bool>(), 0..4)),
            ),
            prop::collection::vec(entrep, 0..4),
            prop::collection::vec(installment, 0..5),
        )
            .prop_map(|(a, b, entreps, schedule)| LoanDraft {
                activity_id: a.0,
                theme_type_id: a.1,
                description_language_id: a.2,
                location: a.3,
                currency: a.4,
                disburse_time: a.5,
                description: a.6,
                loanuse: a.7,
                client_waiver_signed: b.0,
                image_encoded: b.1,
                image_url: b.2,
                group_name: b.3,
                internal_client_id: b.4,
                internal_loan_id: b.5,
                not_pictured: b.6,
                entreps,
                schedule,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_draft_has_its_borrowers_list() {
        assert_eq!(
            LoanDraft::default().to_pretty_json(),
            "{\n  \"entreps\": []\n}\n"
        );
    }
}
