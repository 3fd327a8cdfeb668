//! A loan built from its rows ([`finish`]): the draft's fields, its borrowers, the
//! schedule summed per date (a group's members must be due on the same dates), the
//! field paths and their cells for findings, or the problems that stop it.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A date as `YYYY-MM-DD`, as [`crate::dates::iso`] writes it (written here digit by
/// digit for every installment; years outside 0-9999 by `dates::iso`).
pub(super) fn iso_text(date: NaiveDate) -> String {
    use chrono::Datelike as _;
    let year = match u32::try_from(date.year()) {
        Ok(year) if year <= 9999 => year,
        _ => return crate::dates::iso(date),
    };
    let digit = |n: u32| b"0123456789"[(n % 10) as usize];
    let text = [
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(date.month() / 10),
        digit(date.month()),
        b'-',
        digit(date.day() / 10),
        digit(date.day()),
    ];
    // ASCII digits and dashes: always UTF-8.
    String::from_utf8(text.to_vec()).unwrap_or_else(|_| crate::dates::iso(date))
}

/// A value as text, as its `Display` writes it (text values taken as they are).
pub(super) fn into_text(value: Value) -> String {
    match value {
        Value::Text(text) => text,
        other => other.to_string(),
    }
}

/// Builds a loan from its rows. The borrowers' values and places are moved into the
/// draft and its field list, not copied.
pub(super) fn finish(mut p: Pending, image_limit: u64) -> Done {
    let group = p.borrowers.len() > 1;
    let group_of_one = (p.from_group_key && p.borrowers.len() == 1)
        .then(|| text_of(&p.loan, "group_name").unwrap_or_else(|| p.key.clone()));
    if group {
        let found = member_date_problems(&p);
        p.problems.extend(found);
    }
    let mut draft = LoanDraft::default();
    let values = p.borrowers.iter().map(|b| b.values.len()).sum::<usize>();
    let mut fields: Vec<(FieldPath, Origin)> =
        Vec::with_capacity(p.loan.len() + values + p.installments.len());
    let currency = text_of(&p.loan, "currency");
    // An amount can only have more decimals than the currency when it is written with
    // more: only those go through `check_minor_units`, which looks the currency up.
    let units = currency.as_deref().and_then(crate::money::minor_units);
    let precision_problem = |m: Money, origin: &Origin| -> Option<Problem> {
        let c = currency.as_deref()?;
        if units.is_none_or(|u| m.0.scale() <= u) {
            return None;
        }
        check_minor_units(m, c).err().map(|message| Problem {
            rule: "input-value",
            origin: origin.clone(),
            value: Some(m.to_string()),
            message,
        })
    };
    for (name, value, origin) in &p.loan {
        if !group && crate::draft::GROUP_ONLY.contains(name) {
            continue;
        }
        if *name == "image_file" {
            let relative = std::path::PathBuf::from(value.to_string());
            let base = std::path::Path::new(&origin.source.file)
                .parent()
                .unwrap_or(std::path::Path::new(""));
            let path = if relative.is_absolute() {
                relative
            } else {
                base.join(relative)
            };
            match crate::validate::load_image_file(&path, image_limit) {
                Ok(uri) => draft.image_encoded = Some(uri),
                Err(message) => p.problems.push(Problem {
                    rule: "image-file",
                    origin: origin.clone(),
                    value: Some(value.to_string()),
                    message,
                }),
            }
            fields.push((FieldPath::Loan("image_encoded"), origin.clone()));
            continue;
        }
        set_loan_field(&mut draft, name, value);
        fields.push((FieldPath::Loan(name), origin.clone()));
    }
    let mut not_pictured = Vec::new();
    for (i, b) in std::mem::take(&mut p.borrowers).into_iter().enumerate() {
        let mut e = Entrep::default();
        let mut pictured = false;
        for (name, value, origin) in b.values {
            match (name, value) {
                ("name", Value::Name(first, last)) => {
                    e.first_name = Some(first).filter(|s| !s.is_empty());
                    e.last_name = Some(last).filter(|s| !s.is_empty());
                }
                ("first_name", v) => e.first_name = Some(into_text(v)),
                ("last_name", v) => e.last_name = Some(into_text(v)),
                ("gender", v) => e.gender = Some(into_text(v)),
                ("client_id", v) => e.client_id = Some(into_text(v)),
                ("loan_id", v) => e.loan_id = Some(into_text(v)),
                ("amount", Value::Money(m)) => {
                    p.problems.extend(precision_problem(m, &origin));
                    e.amount = Some(m);
                }
                ("not_pictured", Value::Bool(b)) => pictured = b,
                _ => {}
            }
            let path = if name == "not_pictured" {
                FieldPath::NotPictured(i)
            } else {
                FieldPath::Entrep(i, name)
            };
            fields.push((path, origin));
        }
        not_pictured.push(pictured);
        draft.entreps.push(e);
    }
    if group {
        draft.not_pictured = Some(not_pictured);
    }
    if !p.terms.is_empty() && p.installments.is_empty() && p.problems.is_empty() {
        match generate_schedule(&p, draft.amount(), currency.as_deref()) {
            Ok(installments) => p.installments = installments,
            Err(problem) => p.problems.push(problem),
        }
    }
    let mut by_date: BTreeMap<NaiveDate, (Money, Money, Origin)> = BTreeMap::new();
    for Installment {
        date,
        principal,
        interest,
        origin,
        ..
    } in p.installments
    {
        for m in [principal, interest] {
            p.problems.extend(precision_problem(m, &origin));
        }
        let slot = by_date
            .entry(date)
            .or_insert((Money::ZERO, Money::ZERO, origin));
        slot.0 += principal;
        slot.1 += interest;
    }
    draft.schedule.reserve(by_date.len());
    for (i, (date, (principal, interest, origin))) in by_date.into_iter().enumerate() {
        draft.schedule.push(ScheduleItem {
            date: iso_text(date),
            principal,
            interest,
        });
        fields.push((FieldPath::Schedule(i), origin));
    }
    if !p.problems.is_empty() {
        return Done::Failed(FailedLoan {
            key: p.key,
            order: p.order,
            problems: p.problems,
            rows: p.rows,
        });
    }
    Done::Loan(Box::new(Loan {
        key: p.key,
        order: p.order,
        draft,
        rows: p.rows,
        fields,
        group_of_one,
    }))
}

/// A group loan has one schedule, its members' installments summed per date, so every
/// member must be due on the same dates: a member due on other dates would make a sum
/// that is nobody's schedule. The group's dates are those most members share (the first
/// member's on a tie); each date a member has beyond them, and the dates she lacks, are
/// problems naming her rows. Installments not tied to a member (schedule rows naming the
/// whole group) are left out of the comparison.
pub(super) fn member_date_problems(p: &Pending) -> Vec<Problem> {
    const SHOWN: usize = 3;
    let n = p.borrowers.len();
    let mut dates: Vec<BTreeMap<NaiveDate, &Origin>> = vec![BTreeMap::new(); n];
    let mut any = false;
    for i in &p.installments {
        if let Some(m) = i.member.filter(|m| *m < n) {
            dates[m].entry(i.date).or_insert(&i.origin);
            any = true;
        }
    }
    if !any {
        return Vec::new();
    }
    let same = |a: &BTreeMap<NaiveDate, &Origin>, b: &BTreeMap<NaiveDate, &Origin>| {
        a.len() == b.len() && a.keys().eq(b.keys())
    };
    if dates.iter().all(|d| same(d, &dates[0])) {
        return Vec::new();
    }
    let sharing = |m: usize| dates.iter().filter(|d| same(d, &dates[m])).count();
    let group = (0..n)
        .max_by_key(|&m| (sharing(m), std::cmp::Reverse(m)))
        .unwrap_or(0);
    let reference = &dates[group];
    let span = match (reference.keys().next(), reference.keys().next_back()) {
        (Some(first), Some(last)) => format!(
            "{} dates from {} to {}",
            reference.len(),
            iso_text(*first),
            iso_text(*last)
        ),
        _ => "no dates".to_string(),
    };
    let list = |dates: &[NaiveDate]| {
        let mut text: Vec<String> = dates.iter().take(SHOWN).map(|d| iso_text(*d)).collect();
        if dates.len() > SHOWN {
            text.push(format!("and {} more", dates.len() - SHOWN));
        }
        text.join(", ")
    };
    let mut out = Vec::new();
    for (m, own) in dates.iter().enumerate() {
        if same(own, reference) {
            continue;
        }
        let b = &p.borrowers[m];
        let who = match &b.key {
            Some(k) => format!("'{k}' (row {})", b.row),
            None => format!("of row {}", b.row),
        };
        let extra: Vec<(&NaiveDate, &&Origin)> = own
            .iter()
            .filter(|(d, _)| !reference.contains_key(d))
            .collect();
        for (date, origin) in extra.iter().take(SHOWN) {
            out.push(Problem {
                rule: "input-value",
                origin: (**origin).clone(),
                value: Some(iso_text(**date)),
                message: format!(
                    "is a due date of member {who} only: the other members of group loan '{}' are due on {span}. A group loan has one schedule (its members' installments summed per date), so every member must be due on the same dates",
                    p.key
                ),
            });
        }
        let missing: Vec<NaiveDate> = reference
            .keys()
            .filter(|d| !own.contains_key(d))
            .copied()
            .collect();
        if !missing.is_empty() {
            let origin = own
                .values()
                .next()
                .map(|o| (*o).clone())
                .or_else(|| p.rows.iter().find(|o| o.row == b.row).cloned())
                .unwrap_or_else(|| p.rows[0].clone());
            out.push(Problem {
                rule: "input-value",
                origin,
                value: None,
                message: format!(
                    "member {who} of group loan '{}' has no installment due on {}, when the other members are due on {span}",
                    p.key,
                    list(&missing)
                ),
            });
        }
    }
    out
}

/// Group internal ids derived from members, per the template.
pub fn fill_member_ids(template: &Template, loan: &mut Loan) {
    if !loan.draft.is_group() {
        return;
    }
    for (name, source) in &template.loan {
        let Some(member) = &source.0.members else {
            continue;
        };
        let separator = source
            .0
            .separator
            .clone()
            .unwrap_or_else(|| ", ".to_string());
        let ids: Vec<String> = loan
            .draft
            .entreps
            .iter()
            .filter_map(|e| {
                if member == "client_id" {
                    e.client_id.clone()
                } else {
                    e.loan_id.clone()
                }
            })
            .collect();
        let joined = ids.join(&separator);
        match name.as_str() {
            "internal_client_id" => loan.draft.internal_client_id = Some(joined),
            "internal_loan_id" => loan.draft.internal_loan_id = Some(joined),
            _ => {}
        }
    }
}

pub(super) fn set_loan_field(d: &mut LoanDraft, name: &str, value: &Value) {
    let text = || {
        Some(match value {
            Value::Text(text) => text.clone(),
            other => other.to_string(),
        })
    };
    let int = || {
        if let Value::Integer(i) = value {
            Some(*i)
        } else {
            None
        }
    };
    match name {
        "activity_id" => d.activity_id = int(),
        "theme_type_id" => d.theme_type_id = int(),
        "description_language_id" => d.description_language_id = int(),
        "location" => d.location = text(),
        "currency" => d.currency = text(),
        "disburse_time" => d.disburse_time = text(),
        "description" => d.description = text(),
        "loanuse" => d.loanuse = text(),
        "client_waiver_signed" => {
            d.client_waiver_signed = if let Value::Bool(b) = value {
                Some(*b)
            } else {
                None
            }
        }
        "image_encoded" => d.image_encoded = text(),
        "image_url" => d.image_url = text(),
        "group_name" => d.group_name = text(),
        "internal_client_id" => d.internal_client_id = text(),
        "internal_loan_id" => d.internal_loan_id = text(),
        _ => {}
    }
}
