//! The rules' table: every rule id, its severity and what it means (for reports, the
//! review page and the README).

#[allow(clippy::wildcard_imports)]
use super::*;

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
        "values-past-header",
        Severity::Error,
        "a CSV row with values past the header's last column (a value with the delimiter in it, not quoted?)",
    ),
    (
        "row-cut",
        Severity::Error,
        "two CSV rows that look like one cut by a line break in a value that is not quoted",
    ),
    (
        "internal-error",
        Severity::Error,
        "a loan or draft file on which kiva-drafts stopped with a bug (the others went on)",
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
