//! Group and individual loans: an individual loan carries no group fields; a group
//! loan needs its name, `not_pictured` for every borrower and its internal ids, and no
//! borrower twice.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn check_group_rules(
    c: &mut Checker<'_>,
    obj: &serde_json::Map<String, Value>,
    entreps: &[Value],
) {
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
pub(super) fn group_without_name(c: &mut Checker<'_>, borrowers: usize) {
    c.push(
        "group-without-name",
        "group_name",
        format!("a group loan ({borrowers} borrowers) needs group_name"),
    );
}

pub(super) fn group_without_not_pictured(c: &mut Checker<'_>) {
    c.push(
        "group-without-not-pictured",
        "not_pictured",
        "a group loan needs not_pictured, one true/false per borrower",
    );
}

pub(super) fn not_pictured_length(c: &mut Checker<'_>, entries: usize, borrowers: usize) {
    if entries != borrowers {
        c.push(
            "not-pictured-length",
            "not_pictured",
            format!("not_pictured has {entries} entries for {borrowers} borrowers"),
        );
    }
}

pub(super) fn group_without_internal_ids(c: &mut Checker<'_>) {
    c.push(
        "group-without-internal-ids",
        "internal_loan_id",
        "a group loan should carry internal_client_id and internal_loan_id",
    );
}

/// The same borrower twice in one group, by each borrower's identity (`client_id X`,
/// `loan_id X` or `name F L`), when it has one.
pub(super) fn duplicate_borrowers(
    c: &mut Checker<'_>,
    identities: impl Iterator<Item = Option<String>>,
) {
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

pub(super) fn individual_with_group_field(c: &mut Checker<'_>, field: &'static str) {
    c.push(
        "individual-with-group-fields",
        field,
        format!(
            "an individual loan must not carry {field}: PA2 flags it and the loan cannot be published"
        ),
    );
}

/// [`check_group_rules`] on a typed draft.
pub(super) fn check_group_draft(c: &mut Checker<'_>, d: &LoanDraft) {
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
