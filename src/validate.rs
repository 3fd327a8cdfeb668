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

/// The rules, with their severity and what they mean (for reports and the README).
pub const RULES: &[(&str, Severity, &str)] = &[
    (
        "individual-with-group-fields",
        Severity::Error,
        "individual loan carrying group_name, internal_client_id, internal_loan_id or not_pictured",
    ),
    (
        "group-without-name",
        Severity::Error,
        "group loan without group_name",
    ),
    (
        "group-without-not-pictured",
        Severity::Error,
        "group loan without not_pictured",
    ),
    (
        "not-pictured-length",
        Severity::Error,
        "not_pictured has not one entry per borrower",
    ),
    ("no-borrower", Severity::Error, "no borrower in entreps"),
    (
        "borrower-without-first-name",
        Severity::Error,
        "borrower without first name",
    ),
    (
        "borrower-without-amount",
        Severity::Error,
        "borrower without amount",
    ),
    (
        "amount-not-positive",
        Severity::Error,
        "borrower amount zero or negative",
    ),
    (
        "schedule-date-format",
        Severity::Error,
        "schedule date not YYYY-MM-DD",
    ),
    (
        "schedule-dates-not-increasing",
        Severity::Error,
        "schedule dates not strictly increasing",
    ),
    (
        "schedule-before-disbursal",
        Severity::Error,
        "installment on or before the disbursal date",
    ),
    (
        "schedule-negative",
        Severity::Error,
        "negative principal or interest",
    ),
    (
        "schedule-principal-mismatch",
        Severity::Error,
        "total principal differs from the borrowers' amounts",
    ),
    (
        "currency-not-iso",
        Severity::Error,
        "currency not an ISO 4217 code",
    ),
    (
        "disburse-time-not-date",
        Severity::Error,
        "disburse_time not a YYYY-MM-DD date",
    ),
    (
        "gender-invalid",
        Severity::Error,
        "gender not female, male or unknown",
    ),
    (
        "id-with-fraction",
        Severity::Error,
        "an id given as a number with a fractional part",
    ),
    (
        "wrong-type",
        Severity::Error,
        "a field of the wrong JSON type",
    ),
    (
        "amount-too-precise",
        Severity::Error,
        "an amount with more decimals than the currency has",
    ),
    (
        "duplicate-loan",
        Severity::Error,
        "the same loan twice in a batch (same key or same borrower loan ids)",
    ),
    (
        "duplicate-borrower",
        Severity::Error,
        "the same borrower twice in one group",
    ),
    (
        "image-invalid",
        Severity::Error,
        "image_encoded not a base64 JPEG/PNG/GIF data URI, or too large",
    ),
    (
        "image-file",
        Severity::Error,
        "image file missing, not an image, or too large",
    ),
    (
        "json-syntax",
        Severity::Error,
        "a draft file that is not valid JSON (validate)",
    ),
    (
        "currency-not-offered",
        Severity::Error,
        "currency not among the partner's (with a config cache)",
    ),
    (
        "location-unknown",
        Severity::Error,
        "location not among the partner's (with a config cache)",
    ),
    (
        "config-cache-stale",
        Severity::Warning,
        "Kiva's lists older than 30 days",
    ),
    (
        "input-value",
        Severity::Error,
        "a value in the export could not be read (convert)",
    ),
    (
        "missing-description",
        Severity::Warning,
        "no description (borrower story)",
    ),
    ("missing-loanuse", Severity::Warning, "no loan use"),
    ("missing-activity", Severity::Warning, "no activity_id"),
    ("missing-theme", Severity::Warning, "no theme_type_id"),
    ("missing-location", Severity::Warning, "no location"),
    (
        "missing-language",
        Severity::Warning,
        "no description_language_id",
    ),
    ("missing-image", Severity::Warning, "no image"),
    (
        "missing-waiver",
        Severity::Warning,
        "client_waiver_signed not true",
    ),
    (
        "image-url-deprecated",
        Severity::Warning,
        "image_url is deprecated; send image_encoded",
    ),
    (
        "group-without-internal-ids",
        Severity::Warning,
        "group loan without internal_client_id / internal_loan_id",
    ),
    (
        "disbursal-in-future",
        Severity::Warning,
        "disbursal date in the future",
    ),
    (
        "disbursal-old",
        Severity::Warning,
        "disbursal date more than a year back",
    ),
    ("interest-zero", Severity::Warning, "total interest of zero"),
    (
        "group-of-one",
        Severity::Warning,
        "a group with one member, written as an individual loan (convert)",
    ),
];

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

fn check_group_rules(c: &mut Checker<'_>, obj: &serde_json::Map<String, Value>, entreps: &[Value]) {
    if entreps.is_empty() {
        c.push("no-borrower", "entreps", "the draft has no borrower");
        return;
    }
    if entreps.len() == 1 {
        for field in GROUP_ONLY {
            if obj.get(*field).is_some_and(|v| !v.is_null()) {
                individual_with_group_field(c, field);
            }
        }
        return;
    }
    if is_blank(obj.get("group_name")) {
        group_without_name(c, entreps.len());
    }
    match obj.get("not_pictured") {
        None | Some(Value::Null) => group_without_not_pictured(c),
        Some(Value::Array(list)) => {
            not_pictured_length(c, list.len(), entreps.len());
            for (i, v) in list.iter().enumerate() {
                if !v.is_boolean() {
                    c.push(
                        "wrong-type",
                        format!("not_pictured[{i}]"),
                        format!("{v} is not true or false"),
                    );
                }
            }
        }
        Some(other) => c.push(
            "wrong-type",
            "not_pictured",
            format!("{other} is not a list of true/false"),
        ),
    }
    if is_blank(obj.get("internal_client_id")) || is_blank(obj.get("internal_loan_id")) {
        group_without_internal_ids(c);
    }
    duplicate_borrowers(
        c,
        entreps.iter().map(|e| {
            ["client_id", "loan_id"]
                .iter()
                .find_map(|k| id_text(e.get(*k)).map(|v| format!("{k} {v}")))
                .or_else(|| {
                    let first = e.get("first_name").and_then(Value::as_str).unwrap_or("");
                    let last = e.get("last_name").and_then(Value::as_str).unwrap_or("");
                    (!first.is_empty()).then(|| format!("name {first} {last}"))
                })
        }),
    );
}

/// The group-rule diagnostics both forms of a draft share (one place for each message).
fn group_without_name(c: &mut Checker<'_>, borrowers: usize) {
    c.push(
        "group-without-name",
        "group_name",
        format!("a group loan ({borrowers} borrowers) needs group_name"),
    );
}

fn group_without_not_pictured(c: &mut Checker<'_>) {
    c.push(
        "group-without-not-pictured",
        "not_pictured",
        "a group loan needs not_pictured, one true/false per borrower",
    );
}

fn not_pictured_length(c: &mut Checker<'_>, entries: usize, borrowers: usize) {
    if entries != borrowers {
        c.push(
            "not-pictured-length",
            "not_pictured",
            format!("not_pictured has {entries} entries for {borrowers} borrowers"),
        );
    }
}

fn group_without_internal_ids(c: &mut Checker<'_>) {
    c.push(
        "group-without-internal-ids",
        "internal_loan_id",
        "a group loan should carry internal_client_id and internal_loan_id",
    );
}

/// The same borrower twice in one group, by each borrower's identity (`client_id X`,
/// `loan_id X` or `name F L`), when it has one.
fn duplicate_borrowers(c: &mut Checker<'_>, identities: impl Iterator<Item = Option<String>>) {
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, identity) in identities.enumerate() {
        if let Some(id) = identity
            && let Some(j) = seen.insert(id.clone(), i)
        {
            c.push(
                "duplicate-borrower",
                format!("entreps[{i}]"),
                format!(
                    "borrower {} is the same as borrower {} ({id})",
                    i + 1,
                    j + 1
                ),
            );
        }
    }
}

/// Borrower `i` has no first name.
fn borrower_without_first_name(c: &mut Checker<'_>, i: usize) {
    c.push(
        "borrower-without-first-name",
        format!("entreps[{i}].first_name"),
        format!("borrower {} has no first name", i + 1),
    );
}

/// Borrower `i` has no amount: the borrowers' total is unknown.
fn borrower_without_amount(c: &mut Checker<'_>, i: usize, total: &mut Option<Decimal>) {
    c.push(
        "borrower-without-amount",
        format!("entreps[{i}].amount"),
        format!("borrower {} has no amount", i + 1),
    );
    *total = None;
}

/// Borrower `i`'s amount once read (None when it could not be, already reported): it
/// must be positive, and it adds to the borrowers' total.
fn borrower_amount(
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

fn individual_with_group_field(c: &mut Checker<'_>, field: &'static str) {
    c.push(
        "individual-with-group-fields",
        field,
        format!(
            "an individual loan must not carry {field}: PA2 flags it and the loan cannot be published"
        ),
    );
}

/// An id as text, if present: a string, or a whole number.
fn id_text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn check_money(
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
fn check_precision(
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

/// Checks borrowers; returns the sum of their amounts when all are readable.
fn check_borrowers(
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

fn check_schedule(
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
struct ScheduleRun {
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

/// The kind of image in decoded bytes, from its magic number.
pub fn image_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("gif")
    } else {
        None
    }
}

/// Checks a `data:image/...;base64,...` URI; returns a message when it is not right.
pub fn check_data_uri(uri: &str, limit: u64) -> Result<(), String> {
    let Some((head, data)) = uri.split_once(',') else {
        return Err("is not a data URI (data:image/jpeg;base64,...)".into());
    };
    let Some(mime) = head
        .strip_prefix("data:")
        .and_then(|h| h.strip_suffix(";base64"))
    else {
        return Err("is not a base64 data URI (data:image/jpeg;base64,...)".into());
    };
    let declared = match mime {
        "image/jpeg" | "image/jpg" => "jpeg",
        "image/png" => "png",
        "image/gif" => "gif",
        other => {
            return Err(format!(
                "has type '{other}'; Kiva accepts image/jpeg, image/png, image/gif"
            ));
        }
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|e| format!("is not valid base64 ({e})"))?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "is {} bytes, more than the limit of {limit}",
            bytes.len()
        ));
    }
    match image_kind(&bytes) {
        Some(kind) if kind == declared => Ok(()),
        Some(kind) => Err(format!("says image/{declared} but holds a {kind} image")),
        None => Err(format!("says image/{declared} but does not hold an image")),
    }
}

/// Reads an image file into a data URI for `image_encoded`; the message says what is
/// wrong (missing, not a JPEG/PNG/GIF, larger than `limit`).
pub fn load_image_file(path: &std::path::Path, limit: u64) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| {
        format!(
            "image file {}: {}",
            path.display(),
            crate::read::text::io_message(&e)
        )
    })?;
    if meta.len() > limit {
        return Err(format!(
            "image file {} is {} bytes, more than the limit of {limit}",
            path.display(),
            meta.len()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        format!(
            "image file {}: {}",
            path.display(),
            crate::read::text::io_message(&e)
        )
    })?;
    let kind = image_kind(&bytes)
        .ok_or_else(|| format!("{} is not a JPEG, PNG or GIF image", path.display()))?;
    Ok(format!(
        "data:image/{kind};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    ))
}

fn check_image(c: &mut Checker<'_>, obj: &serde_json::Map<String, Value>) {
    match obj.get("image_encoded") {
        None | Some(Value::Null) => {}
        Some(Value::String(uri)) => check_image_encoded(c, uri),
        Some(_) => c.push(
            "image-invalid",
            "image_encoded",
            "image_encoded must be a data URI string",
        ),
    }
    if !is_blank(obj.get("image_url")) {
        image_url_deprecated(c);
    }
}

fn check_image_encoded(c: &mut Checker<'_>, uri: &str) {
    if let Err(message) = check_data_uri(uri, c.options.image_limit) {
        c.push(
            "image-invalid",
            "image_encoded",
            format!("image_encoded {message}"),
        );
    }
}

fn image_url_deprecated(c: &mut Checker<'_>) {
    c.push(
        "image-url-deprecated",
        "image_url",
        "image_url is deprecated since 2022-09: send the photo as image_encoded",
    );
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

/// [`check_group_rules`] on a typed draft.
fn check_group_draft(c: &mut Checker<'_>, d: &LoanDraft) {
    let entreps = &d.entreps;
    if entreps.is_empty() {
        c.push("no-borrower", "entreps", "the draft has no borrower");
        return;
    }
    if entreps.len() == 1 {
        let present = [
            d.group_name.is_some(),
            d.internal_client_id.is_some(),
            d.internal_loan_id.is_some(),
            d.not_pictured.is_some(),
        ];
        for (field, present) in GROUP_ONLY.iter().zip(present) {
            if present {
                individual_with_group_field(c, field);
            }
        }
        return;
    }
    if is_blank_text(d.group_name.as_ref()) {
        group_without_name(c, entreps.len());
    }
    match &d.not_pictured {
        None => group_without_not_pictured(c),
        Some(list) => {
            not_pictured_length(c, list.len(), entreps.len());
        }
    }
    if is_blank_text(d.internal_client_id.as_ref()) || is_blank_text(d.internal_loan_id.as_ref()) {
        group_without_internal_ids(c);
    }
    duplicate_borrowers(
        c,
        entreps.iter().map(|e| {
            if let Some(v) = id_of(e.client_id.as_ref()) {
                Some(format!("client_id {v}"))
            } else if let Some(v) = id_of(e.loan_id.as_ref()) {
                Some(format!("loan_id {v}"))
            } else {
                let first = e.first_name.as_deref().unwrap_or("");
                let last = e.last_name.as_deref().unwrap_or("");
                (!first.is_empty()).then(|| format!("name {first} {last}"))
            }
        }),
    );
}

/// [`check_money`] on an amount of a typed draft; `field` names it (built only for a
/// diagnostic).
fn check_amount(
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
fn check_entreps(
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

/// [`check_schedule`] on a typed draft's installments.
fn check_installments(
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

/// [`loan_ids`] of a typed draft.
pub fn draft_loan_ids(draft: &LoanDraft) -> Vec<String> {
    let mut ids: Vec<String> = draft
        .entreps
        .iter()
        .filter_map(|e| e.loan_id.as_deref().map(str::trim))
        .filter(|id| !id.is_empty())
        .map(str::to_string)
        .collect();
    ids.sort();
    ids
}

/// A draft's borrower loan ids, sorted: what makes two drafts the same loan.
pub fn loan_ids(draft: &Value) -> Vec<String> {
    let mut ids: Vec<String> = draft["entreps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| id_text(e.get("loan_id")))
        .collect();
    ids.sort();
    ids
}

/// Batch rules, one draft at a time: the same loan twice (same key, or the same set of
/// borrower loan ids). Only keys and ids are kept, not the drafts.
#[derive(Debug, Default)]
pub struct BatchCheck {
    keys: rustc_hash::FxHashSet<String>,
    ids: rustc_hash::FxHashMap<Vec<String>, String>,
}

impl BatchCheck {
    /// Checks the next draft of the batch against those before it.
    pub fn check(&mut self, key: &str, ids: Vec<String>) -> Option<Diagnostic> {
        if !self.keys.insert(key.to_string()) {
            return Some(Diagnostic {
                severity: Severity::Error,
                rule: "duplicate-loan",
                field: String::new(),
                message: format!("loan '{key}' appears twice in the batch (also {key})"),
            });
        }
        if ids.is_empty() {
            return None;
        }
        if let Some(first) = self.ids.get(&ids) {
            return Some(Diagnostic {
                severity: Severity::Error,
                rule: "duplicate-loan",
                field: "entreps".into(),
                message: format!(
                    "same borrower loan ids ({}) as loan '{first}'",
                    ids.join(", ")
                ),
            });
        }
        self.ids.insert(ids, key.to_string());
        None
    }
}

/// Batch rules over a whole batch: `drafts` are (key, [`loan_ids`]); returns (index,
/// diagnostic) pairs.
pub fn check_batch(drafts: &[(&str, Vec<String>)]) -> Vec<(usize, Diagnostic)> {
    let mut check = BatchCheck::default();
    drafts
        .iter()
        .enumerate()
        .filter_map(|(i, (key, ids))| check.check(key, ids.clone()).map(|d| (i, d)))
        .collect()
}

/// Whether any diagnostic is an error.
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn options() -> Options {
        Options {
            image_limit: 1000,
            today: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            cache: None,
        }
    }

    fn cache(fetched_days_ago: i64) -> crate::reference::Cache {
        crate::reference::Cache {
            fetched_at: chrono::Utc::now() - chrono::TimeDelta::days(fetched_days_ago),
            api_url: "http://x".into(),
            partner_id: "1".into(),
            activities: Vec::new(),
            themes: Vec::new(),
            locations: vec![crate::reference::Location {
                location: "Kampala".into(),
                country: None,
                full_name: None,
            }],
            languages: Vec::new(),
            currencies: vec!["USD".into(), "UGX".into()],
        }
    }

    #[test]
    fn with_a_cache_currency_and_location_are_the_partners() {
        let mut options = options();
        options.cache = Some(std::sync::Arc::new(cache(2)));
        assert!(check_value(&valid(), &options).is_empty());
        let mut d = valid();
        d["currency"] = json!("PEN");
        d["location"] = json!("Lima");
        let rules: Vec<&str> = check_value(&d, &options)
            .into_iter()
            .map(|x| x.rule)
            .collect();
        assert!(
            rules.contains(&"currency-not-offered") && rules.contains(&"location-unknown"),
            "{rules:?}"
        );
        assert!(stale_cache(&options, chrono::Utc::now()).is_none());
        options.cache = Some(std::sync::Arc::new(cache(31)));
        assert_eq!(
            stale_cache(&options, chrono::Utc::now()).unwrap().rule,
            "config-cache-stale"
        );
    }

    /// A complete, valid individual draft: no diagnostics at all.
    fn valid() -> Value {
        json!({
            "activity_id": 61, "theme_type_id": 4, "description_language_id": 1,
            "location": "Kampala", "currency": "USD", "disburse_time": "2026-01-15",
            "description": "Rosa sells fabric.", "loanuse": "To buy fabric.",
            "client_waiver_signed": true,
            "image_encoded": format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\nrest")),
            "entreps": [{"first_name": "Rosa", "last_name": "Quispe", "gender": "female", "client_id": "C1", "loan_id": "L1", "amount": 100.5}],
            "schedule": [
                {"date": "2026-02-15", "principal": 50, "interest": 2},
                {"date": "2026-03-15", "principal": 50.5, "interest": 1}
            ]
        })
    }

    fn group() -> Value {
        let mut d = valid();
        d["entreps"] = json!([
            {"first_name": "Ana", "client_id": "C1", "loan_id": "L1", "amount": 60},
            {"first_name": "Bea", "client_id": "C2", "loan_id": "L2", "amount": 40.5}
        ]);
        d["group_name"] = json!("Tusubira");
        d["not_pictured"] = json!([false, true]);
        d["internal_client_id"] = json!("C1, C2");
        d["internal_loan_id"] = json!("L1, L2");
        d
    }

    fn rules(d: &Value) -> Vec<&'static str> {
        check_value(d, &options())
            .into_iter()
            .map(|x| x.rule)
            .collect()
    }

    /// Applies `edit` to a valid draft and expects exactly `rule`.
    fn triggers(base: fn() -> Value, edit: impl Fn(&mut Value), rule: &str) {
        let mut d = base();
        edit(&mut d);
        let got = rules(&d);
        assert!(got.contains(&rule), "expected {rule}, got {got:?} for {d}");
    }

    #[test]
    fn valid_drafts_pass() {
        assert_eq!(rules(&valid()), Vec::<&str>::new());
        assert_eq!(rules(&group()), Vec::<&str>::new());
    }

    #[test]
    fn every_error_rule_triggers() {
        triggers(
            valid,
            |d| d["group_name"] = json!("X"),
            "individual-with-group-fields",
        );
        triggers(
            valid,
            |d| d["not_pictured"] = json!([false]),
            "individual-with-group-fields",
        );
        triggers(
            group,
            |d| d["group_name"] = json!(" "),
            "group-without-name",
        );
        triggers(
            group,
            |d| {
                d.as_object_mut().unwrap().remove("not_pictured");
            },
            "group-without-not-pictured",
        );
        triggers(
            group,
            |d| d["not_pictured"] = json!([false]),
            "not-pictured-length",
        );
        triggers(valid, |d| d["entreps"] = json!([]), "no-borrower");
        triggers(
            valid,
            |d| d["entreps"][0]["first_name"] = json!(""),
            "borrower-without-first-name",
        );
        triggers(
            valid,
            |d| {
                d["entreps"][0].as_object_mut().unwrap().remove("amount");
            },
            "borrower-without-amount",
        );
        triggers(
            valid,
            |d| d["entreps"][0]["amount"] = json!(0),
            "amount-not-positive",
        );
        triggers(
            valid,
            |d| d["schedule"][0]["date"] = json!("15/02/2026"),
            "schedule-date-format",
        );
        triggers(
            valid,
            |d| d["schedule"][1]["date"] = json!("2026-02-15"),
            "schedule-dates-not-increasing",
        );
        triggers(
            valid,
            |d| d["schedule"][0]["date"] = json!("2026-01-15"),
            "schedule-before-disbursal",
        );
        triggers(
            valid,
            |d| d["schedule"][0]["interest"] = json!(-1),
            "schedule-negative",
        );
        triggers(
            valid,
            |d| d["schedule"][0]["principal"] = json!(49),
            "schedule-principal-mismatch",
        );
        triggers(valid, |d| d["currency"] = json!("usd$"), "currency-not-iso");
        triggers(
            valid,
            |d| d["disburse_time"] = json!("2026-13-01"),
            "disburse-time-not-date",
        );
        triggers(
            valid,
            |d| d["entreps"][0]["gender"] = json!("F"),
            "gender-invalid",
        );
        triggers(
            valid,
            |d| d["entreps"][0]["client_id"] = json!(123.5),
            "id-with-fraction",
        );
        triggers(
            valid,
            |d| d["activity_id"] = json!(61.5),
            "id-with-fraction",
        );
        triggers(
            valid,
            |d| d["entreps"][0]["amount"] = json!("100.5"),
            "wrong-type",
        );
        triggers(
            valid,
            |d| d["entreps"][0]["amount"] = json!(100.505),
            "amount-too-precise",
        );
        triggers(
            group,
            |d| d["entreps"][1]["client_id"] = json!("C1"),
            "duplicate-borrower",
        );
        triggers(
            valid,
            |d| d["image_encoded"] = json!("data:image/png;base64,!!!"),
            "image-invalid",
        );
        triggers(
            valid,
            |d| d["image_encoded"] = json!("data:image/bmp;base64,Qk0="),
            "image-invalid",
        );
        triggers(
            valid,
            |d| {
                d["image_encoded"] = json!(format!(
                    "data:image/jpeg;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode(b"GIF89a...")
                ));
            },
            "image-invalid",
        );
        triggers(
            valid,
            |d| {
                d["image_encoded"] = json!(format!(
                    "data:image/gif;base64,{}",
                    base64::engine::general_purpose::STANDARD.encode([b'G'; 2000])
                ));
            },
            "image-invalid",
        );
    }

    #[test]
    fn every_warning_rule_triggers() {
        for (field, rule) in [
            ("description", "missing-description"),
            ("loanuse", "missing-loanuse"),
            ("activity_id", "missing-activity"),
            ("theme_type_id", "missing-theme"),
            ("location", "missing-location"),
            ("description_language_id", "missing-language"),
            ("client_waiver_signed", "missing-waiver"),
        ] {
            triggers(
                valid,
                |d| {
                    d.as_object_mut().unwrap().remove(field);
                },
                rule,
            );
        }
        triggers(
            valid,
            |d| {
                d.as_object_mut().unwrap().remove("image_encoded");
            },
            "missing-image",
        );
        triggers(
            valid,
            |d| d["image_url"] = json!("https://example.org/a.jpg"),
            "image-url-deprecated",
        );
        triggers(
            group,
            |d| {
                d.as_object_mut().unwrap().remove("internal_loan_id");
            },
            "group-without-internal-ids",
        );
        triggers(
            valid,
            |d| d["disburse_time"] = json!("2026-07-01"),
            "disbursal-in-future",
        );
        triggers(
            valid,
            |d| {
                d["disburse_time"] = json!("2025-01-01");
                d["schedule"][0]["date"] = json!("2025-02-01");
            },
            "disbursal-old",
        );
        triggers(
            valid,
            |d| {
                d["schedule"][0]["interest"] = json!(0);
                d["schedule"][1]["interest"] = json!(0);
            },
            "interest-zero",
        );
        for (_, severity, _) in RULES.iter().filter(|(r, _, _)| r.starts_with("missing-")) {
            assert_eq!(*severity, Severity::Warning);
        }
    }

    #[test]
    fn batch_duplicates() {
        let a = valid();
        let mut b = valid();
        b["entreps"][0]["loan_id"] = json!("L9");
        let found = check_batch(&[
            ("A", loan_ids(&a)),
            ("B", loan_ids(&b)),
            ("A", loan_ids(&b)),
        ]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 2);
        let found = check_batch(&[("A", loan_ids(&a)), ("C", loan_ids(&a))]);
        assert_eq!(
            found[0].1.message,
            "same borrower loan ids (L1) as loan 'A'"
        );
        assert!(check_batch(&[("A", loan_ids(&a)), ("B", loan_ids(&b))]).is_empty());
    }

    mod typed {
        use super::super::*;
        use proptest::prelude::*;

        fn text() -> impl Strategy<Value = Option<String>> {
            prop::option::of(prop::sample::select(vec![
                "",
                " ",
                "Ana",
                " Ana ",
                "C1",
                "L1",
                "L2",
                "female",
                "F",
                "USD",
                " USD",
                "XOF",
                "usd$",
                "2026-01-15",
                "2026-13-01",
                "15/01/2026",
                "Kampala",
                "data:image/png;base64,!!!",
                "https://x/a.jpg",
                "\"q\" <é>",
            ]))
            .prop_map(|s| s.map(str::to_string))
        }

        fn date() -> impl Strategy<Value = String> {
            prop::sample::select(vec![
                "2026-01-15",
                "2026-02-15",
                "2026-02-15",
                "2025-12-31",
                "2026-02-30",
                "2026-1-15",
                "x",
            ])
            .prop_map(str::to_string)
        }

        fn draft() -> impl Strategy<Value = LoanDraft> {
            let ids = || prop::option::of(prop::sample::select(vec![0u64, 1, 61]));
            crate::draft::arbitrary::draft(text, ids, crate::draft::arbitrary::money, date())
        }

        proptest! {
            #![proptest_config(ProptestConfig {
                cases: 3000,
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            /// The typed checks say what the checks of the draft's JSON say.
            #[test]
            fn typed_checks_match_the_json_checks(d in draft(), cached in any::<bool>()) {
                let mut options = super::options();
                if cached {
                    options.cache = Some(std::sync::Arc::new(super::cache(2)));
                }
                let value = serde_json::to_value(&d).unwrap();
                prop_assert_eq!(check_draft(&d, &options), check_value(&value, &options));
                prop_assert_eq!(draft_loan_ids(&d), loan_ids(&value));
            }
        }
    }

    #[test]
    fn every_rule_is_registered() {
        // Rules are raised here, or by convert while reading the export (group/) or
        // checking a loan it built (convert/pipeline.rs).
        let source = [
            include_str!("validate.rs"),
            include_str!("group/mod.rs"),
            include_str!("group/bind.rs"),
            include_str!("group/build.rs"),
            include_str!("group/keys.rs"),
            include_str!("group/plan.rs"),
            include_str!("group/rows.rs"),
            include_str!("group/terms.rs"),
            include_str!("convert/pipeline.rs"),
            include_str!("validate_cmd.rs"),
        ]
        .concat();
        for (rule, _, _) in RULES {
            assert!(
                source.matches(&format!("\"{rule}\"")).count() >= 2,
                "rule {rule} is never raised"
            );
        }
    }
}
