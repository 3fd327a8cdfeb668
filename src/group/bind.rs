//! The template bound to a table: its key columns and each section's fields found in
//! the header once, before any row is read (a column the template names and the input
//! lacks is an error here).

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) struct Bindings {
    pub(super) loan_key: Bound,
    /// The group key's parts (none without `keys.group`).
    pub(super) group_key: Vec<Bound>,
    pub(super) borrower_key: Option<Bound>,
    pub(super) loan: Vec<Bound>,
    pub(super) borrower: Vec<Bound>,
    pub(super) schedule: Vec<Bound>,
    pub(super) terms: Vec<Bound>,
}

pub(super) fn bind_section(
    binder: &mut Binder<'_>,
    section: &'static str,
    defs: &BTreeMap<String, crate::template::FieldSource>,
    registry: &[(&'static str, Kind)],
) -> Result<Vec<Bound>, BindError> {
    binder.section = section;
    registry
        .iter()
        .filter_map(|(name, kind)| defs.get(*name).map(|d| binder.bind(name, *kind, &d.0)))
        .collect()
}

pub(super) fn key_bound(
    binder: &mut Binder<'_>,
    name: &'static str,
    column: &str,
) -> Result<Bound, BindError> {
    binder.section = "keys";
    let def = crate::template::FieldDef {
        column: Some(column.to_string()),
        ..Default::default()
    };
    binder.bind(name, Kind::Id, &def)
}

pub(super) fn bind_main(
    template: &Template,
    table: &Table,
    cache: Option<&Cache>,
) -> Result<Bindings, BindError> {
    let mut binder = Binder {
        table,
        number: number_format(&template.input),
        section: "keys",
        cache,
    };
    let keys = &template.keys;
    let loan_key = key_bound(&mut binder, "loan", &keys.loan)?;
    let group_key = keys
        .group
        .iter()
        .flat_map(|g| &g.parts)
        .map(|def| {
            // A date part (a loan cycle's disbursal) is read as a date, so that the key
            // is the same whether the cell is a workbook date or text.
            let kind = if def.format.is_some() {
                Kind::Date
            } else {
                Kind::Id
            };
            binder.bind("group", kind, def)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let borrower_key = keys
        .borrower
        .as_deref()
        .map(|c| key_bound(&mut binder, "borrower", c))
        .transpose()?;
    let loan = bind_section(&mut binder, "loan", &template.loan, LOAN_FIELDS)?;
    let borrower = bind_section(&mut binder, "borrower", &template.borrower, BORROWER_FIELDS)?;
    let terms = bind_section(&mut binder, "terms", &template.terms, TERMS_FIELDS)?;
    let schedule = if template.schedule_input.is_none() {
        bind_section(&mut binder, "schedule", &template.schedule, SCHEDULE_FIELDS)?
    } else {
        Vec::new()
    };
    Ok(Bindings {
        loan_key,
        group_key,
        borrower_key,
        loan,
        borrower,
        schedule,
        terms,
    })
}

pub(super) struct ScheduleBindings {
    pub(super) key_column: String,
    pub(super) key: Bound,
    pub(super) bounds: Vec<Bound>,
}
