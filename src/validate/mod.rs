//! Kiva's rules for loan drafts: what PA2 will reject (errors) and what the coordinator
//! must still fill in by hand before publishing (warnings).
//!
//! Drafts with gaps are normal (the API accepts partial drafts); drafts that break rules
//! are not. The checks work on the draft's JSON, so hand-edited files with wrong types
//! (an amount in quotes, an id with a fraction) are diagnosed rather than refused. Each
//! [`Diagnostic`] names the rule and the field; `convert` adds the source cells.

use std::collections::HashMap;
use std::fmt;

use base64::Engine as _;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

use crate::draft::{Entrep, GENDERS, GROUP_ONLY, LoanDraft, ScheduleItem};
use crate::money::{self, Money};

mod batch;
mod borrowers;
mod group;
mod images;
mod rules;
mod schedule;
#[cfg(test)]
mod tests;
mod values;

pub use batch::*;
#[allow(clippy::wildcard_imports)]
use borrowers::*;
#[allow(clippy::wildcard_imports)]
use group::*;
pub use images::*;
pub use rules::*;
#[allow(clippy::wildcard_imports)]
use schedule::*;
#[allow(clippy::wildcard_imports)]
use values::*;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// PA2 will not publish the draft as is; upload does not send it.
    Error,
    /// PA2 will ask for it before publishing.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One finding about one draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable rule id, e.g. `individual-with-group-fields`.
    pub rule: &'static str,
    /// The draft field path, e.g. `entreps[1].amount` or `schedule[3].date`.
    pub field: String,
    pub message: String,
}

/// The severity of a rule.
pub fn severity_of(rule: &str) -> Severity {
    RULES
        .iter()
        .find(|(r, _, _)| *r == rule)
        .map_or(Severity::Error, |(_, s, _)| *s)
}

/// Settings of the checks.
#[derive(Debug, Clone)]
pub struct Options {
    /// Largest accepted image, in bytes (decoded).
    pub image_limit: u64,
    /// The day the checks run (disbursal date in the future / too old).
    pub today: NaiveDate,
    /// Kiva's reference data (`config pull`): currency and location are checked
    /// against the partner's own when present.
    pub cache: Option<std::sync::Arc<crate::reference::Cache>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            image_limit: 10 * 1024 * 1024,
            today: chrono::Local::now().date_naive(),
            cache: None,
        }
    }
}

struct Checker<'a> {
    options: &'a Options,
    out: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn push(&mut self, rule: &'static str, field: impl Into<String>, message: impl Into<String>) {
        self.out.push(Diagnostic {
            severity: severity_of(rule),
            rule,
            field: field.into(),
            message: message.into(),
        });
    }
}

fn is_blank(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim().is_empty(),
        _ => false,
    }
}

/// A JSON number as an exact decimal.
fn decimal(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => {
            let text = n.to_string();
            Decimal::from_str_exact(&text)
                .or_else(|_| Decimal::from_scientific(&text))
                .ok()
        }
        _ => None,
    }
}

fn iso_date(v: &Value) -> Option<NaiveDate> {
    iso_date_text(v.as_str()?)
}

/// A `YYYY-MM-DD` date: ten characters that `%Y-%m-%d` reads. Four, two and two ASCII
/// digits are read here (every date of a converted draft), anything else by chrono.
fn iso_date_text(s: &str) -> Option<NaiveDate> {
    if s.len() != 10 {
        return None;
    }
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    if b[4] == b'-'
        && b[7] == b'-'
        && let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10))
    {
        return i32::try_from(year)
            .ok()
            .and_then(|year| NaiveDate::from_ymd_opt(year, month, day));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A JSON string as the JSON value prints in messages (quoted and escaped).
fn json_text(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// Text that is absent or blank.
fn is_blank_text(s: Option<&String>) -> bool {
    s.is_none_or(|s| s.trim().is_empty())
}

/// Checks one draft, given as JSON.
pub fn check_value(draft: &Value, options: &Options) -> Vec<Diagnostic> {
    let mut c = Checker {
        options,
        out: Vec::new(),
    };
    let Some(obj) = draft.as_object() else {
        c.push("wrong-type", "", "the draft is not a JSON object");
        return c.out;
    };
    let entreps: &[Value] = match obj.get("entreps") {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => &[],
        Some(_) => {
            c.push(
                "wrong-type",
                "entreps",
                "entreps must be a list of borrowers",
            );
            &[]
        }
    };
    let currency = obj.get("currency").and_then(Value::as_str).map(str::trim);
    let minor_units = currency.and_then(money::minor_units);
    match obj.get("currency") {
        None | Some(Value::Null) => {}
        Some(Value::String(code)) if money::minor_units(code).is_some() => {}
        Some(other) => c.push(
            "currency-not-iso",
            "currency",
            format!("{other} is not an ISO 4217 currency code"),
        ),
    }
    let disbursed = match obj.get("disburse_time") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let d = iso_date(v);
            if d.is_none() {
                c.push(
                    "disburse-time-not-date",
                    "disburse_time",
                    format!("{v} is not a date (YYYY-MM-DD)"),
                );
            }
            d
        }
    };
    check_reference(
        &mut c,
        obj.get("currency").and_then(Value::as_str),
        obj.get("location").and_then(Value::as_str),
    );
    check_group_rules(&mut c, obj, entreps);
    let amounts = check_borrowers(&mut c, entreps, minor_units, currency);
    check_schedule(
        &mut c,
        obj.get("schedule"),
        disbursed,
        amounts,
        minor_units,
        currency,
    );
    check_image(&mut c, obj);
    check_reference_ids(&mut c, obj);
    check_warnings(&mut c, obj, disbursed);
    c.out
}

/// With a config cache: the currency and location (when text) must be the partner's.
fn check_reference(c: &mut Checker<'_>, currency: Option<&str>, location: Option<&str>) {
    let Some(cache) = c.options.cache.clone() else {
        return;
    };
    if let Some(code) = currency
        && !cache.currencies.is_empty()
        && !cache.currencies.iter().any(|c| c == code)
    {
        {
            c.push(
                "currency-not-offered",
                "currency",
                format!(
                    "{code} is not one of this partner's currencies ({})",
                    cache.currencies.join(", ")
                ),
            );
        }
    }
    if let Some(location) = location
        && !cache.locations.is_empty()
        && !cache.locations.iter().any(|l| l.location == location)
    {
        {
            c.push("location-unknown", "location", format!("'{location}' is not one of this partner's locations (see `kiva-drafts config show locations`)"));
        }
    }
}

/// A warning when the cache is older than [`crate::reference::STALE_DAYS`].
pub fn stale_cache(options: &Options, now: chrono::DateTime<chrono::Utc>) -> Option<Diagnostic> {
    let cache = options.cache.as_ref()?;
    let age = cache.age_days(now);
    (age > crate::reference::STALE_DAYS).then(|| Diagnostic {
        severity: Severity::Warning,
        rule: "config-cache-stale",
        field: String::new(),
        message: format!("Kiva's lists were fetched {age} days ago: run `kiva-drafts config pull` to refresh them"),
    })
}

/// An id as text, if present: a string, or a whole number.
fn id_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn check_reference_ids(c: &mut Checker<'_>, obj: &serde_json::Map<String, Value>) {
    for key in ["activity_id", "theme_type_id", "description_language_id"] {
        match obj.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Number(n)) if n.as_u64().is_some() => {}
            Some(Value::Number(n)) => c.push(
                "id-with-fraction",
                key,
                format!("{n} is not a whole number"),
            ),
            Some(other) => c.push("wrong-type", key, format!("{other} is not a number")),
        }
    }
    if let Some(v) = obj.get("client_waiver_signed")
        && !v.is_boolean()
        && !v.is_null()
    {
        c.push(
            "wrong-type",
            "client_waiver_signed",
            format!("{v} is not true or false"),
        );
    }
}

/// The loan fields PA2 asks for before publishing, in the order they are reported:
/// field, rule, what is missing.
const MISSING: [(&str, &str, &str); 6] = [
    (
        "description",
        "missing-description",
        "no description (the borrower's story)",
    ),
    ("loanuse", "missing-loanuse", "no loan use"),
    ("activity_id", "missing-activity", "no activity"),
    ("theme_type_id", "missing-theme", "no theme"),
    ("location", "missing-location", "no location"),
    (
        "description_language_id",
        "missing-language",
        "no description language",
    ),
];

fn check_warnings(
    c: &mut Checker<'_>,
    obj: &serde_json::Map<String, Value>,
    disbursed: Option<NaiveDate>,
) {
    warn(
        c,
        MISSING.map(|(field, _, _)| is_blank(obj.get(field))),
        is_blank(obj.get("image_encoded")) && is_blank(obj.get("image_url")),
        obj.get("client_waiver_signed") == Some(&Value::Bool(true)),
        disbursed,
    );
}

/// The warnings: `missing` says which of [`MISSING`] are blank.
fn warn(
    c: &mut Checker<'_>,
    missing: [bool; 6],
    no_image: bool,
    waiver_signed: bool,
    disbursed: Option<NaiveDate>,
) {
    for ((field, rule, message), blank) in MISSING.into_iter().zip(missing) {
        if blank {
            c.push(
                rule,
                field,
                [message, ": fill it in PA2 before publishing"].concat(),
            );
        }
    }
    if no_image {
        c.push(
            "missing-image",
            "image_encoded",
            "no photo: add one in PA2 before publishing",
        );
    }
    if !waiver_signed {
        c.push(
            "missing-waiver",
            "client_waiver_signed",
            "the client waiver is not marked as signed",
        );
    }
    if let Some(d) = disbursed {
        let today = c.options.today;
        if d > today {
            c.push(
                "disbursal-in-future",
                "disburse_time",
                format!("disbursal date {d} is in the future"),
            );
        } else if d < today - chrono::Months::new(12) {
            c.push(
                "disbursal-old",
                "disburse_time",
                format!("disbursal date {d} is more than a year back"),
            );
        }
    }
}

/// Checks one typed draft: the diagnostics [`check_value`] gives for the draft's JSON,
/// in the same order, without building the JSON (`convert` checks every draft it
/// writes). The rules about JSON types cannot be broken by a typed draft; amounts are
/// checked as the JSON holds them ([`Money::json_decimal`]).
pub fn check_draft(draft: &LoanDraft, options: &Options) -> Vec<Diagnostic> {
    let mut c = Checker {
        options,
        out: Vec::new(),
    };
    let currency = draft.currency.as_deref().map(str::trim);
    let minor_units = currency.and_then(money::minor_units);
    if let Some(code) = &draft.currency
        && money::minor_units(code).is_none()
    {
        c.push(
            "currency-not-iso",
            "currency",
            format!("{} is not an ISO 4217 currency code", json_text(code)),
        );
    }
    let disbursed = draft.disburse_time.as_deref().and_then(|text| {
        let d = iso_date_text(text);
        if d.is_none() {
            c.push(
                "disburse-time-not-date",
                "disburse_time",
                format!("{} is not a date (YYYY-MM-DD)", json_text(text)),
            );
        }
        d
    });
    check_reference(&mut c, draft.currency.as_deref(), draft.location.as_deref());
    check_group_draft(&mut c, draft);
    let amounts = check_entreps(&mut c, &draft.entreps, minor_units, currency);
    check_installments(
        &mut c,
        &draft.schedule,
        disbursed,
        amounts,
        minor_units,
        currency,
    );
    if let Some(uri) = &draft.image_encoded {
        check_image_encoded(&mut c, uri);
    }
    if !is_blank_text(draft.image_url.as_ref()) {
        image_url_deprecated(&mut c);
    }
    let missing = MISSING.map(|(field, _, _)| match field {
        "description" => is_blank_text(draft.description.as_ref()),
        "loanuse" => is_blank_text(draft.loanuse.as_ref()),
        "activity_id" => draft.activity_id.is_none(),
        "theme_type_id" => draft.theme_type_id.is_none(),
        "location" => is_blank_text(draft.location.as_ref()),
        _ => draft.description_language_id.is_none(),
    });
    warn(
        &mut c,
        missing,
        is_blank_text(draft.image_encoded.as_ref()) && is_blank_text(draft.image_url.as_ref()),
        draft.client_waiver_signed == Some(true),
        disbursed,
    );
    c.out
}

/// A typed draft's id as [`id_text`] reads it from the JSON: trimmed, when not blank.
fn id_of(v: Option<&String>) -> Option<&str> {
    v.map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// Whether any diagnostic is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}
