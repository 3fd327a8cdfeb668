//! The schedule: another sheet or file keyed by loan, the installment columns of the
//! loans table, or loan terms that generate it; and its fields.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Finds the schedule among the other sheets: a table with a due date and amounts whose
/// key column's values are loan keys (or group keys) of the loans table.
pub(super) fn find_schedule(
    ctx: &Ctx,
    main: usize,
    extra: &[usize],
    key_cols: &[usize],
    export: &mut Export,
) {
    let sheets = ctx.sheets;
    let loans = &sheets[main];
    let mut best: Option<(usize, usize, usize, usize)> = None; // (matched, sheet, col, main col)
    for (i, s) in sheets.iter().enumerate() {
        if i == main || extra.contains(&i) || s.table.is_none() {
            continue;
        }
        let has_date = s.columns.iter().any(|p| p.kind == ColumnType::Date);
        let has_money = s
            .columns
            .iter()
            .any(|p| matches!(p.kind, ColumnType::Money | ColumnType::Number));
        if !has_date || !has_money {
            continue;
        }
        for p in &s.columns {
            if !matches!(
                p.kind,
                ColumnType::Id | ColumnType::Number | ColumnType::Text
            ) || p.filled == 0
            {
                continue;
            }
            let values: BTreeSet<&String> = p.values.iter().flatten().collect();
            for &m in key_cols {
                let keys: BTreeSet<&String> = loans.columns[m].values.iter().flatten().collect();
                let matched = values.iter().filter(|v| keys.contains(*v)).count();
                if matched * 10 >= values.len() * 8
                    && matched > 0
                    && best.is_none_or(|b| matched > b.0)
                {
                    best = Some((matched, i, p.index, m));
                }
            }
        }
    }
    let Some((_, i, col, m)) = best else { return };
    let s = &sheets[i];
    export.roles[i] = "schedule";
    let kp = &s.columns[col];
    let mut warnings = Vec::new();
    let decimal = decimal_of(s, &mut warnings).or_else(|| {
        let main_decimal = export.inputs[0].decimal.clone()?;
        Some((main_decimal, format!("like {}", where_of(loans))))
    });
    let mut input = settings(s, decimal);
    input.key = Some(kp.header.clone());
    export.schedule_input = Some(input);
    export.warnings.extend(warnings);
    export.schedule = if s.workbook && s.file == loans.file {
        "sheet"
    } else {
        "file"
    };
    let per_key = groups_by(kp);
    let max = per_key.iter().map(|g| g.1.len()).max().unwrap_or(0);
    let all_loans = loans.columns[m]
        .values
        .iter()
        .flatten()
        .collect::<BTreeSet<_>>()
        .len();
    let covered = per_key.len();
    export.reasons.push(format!(
        "{} has {} rows keyed by '{}' (up to {max} per loan) whose values are {} of '{}' in {}: the repayment schedule, joined by '{}'.",
        capitalize(&where_of(s)),
        kp.values.len(),
        kp.header,
        if covered == all_loans { "all the values".to_string() } else { format!("{covered} of the {all_loans} values") },
        loans.columns[m].header,
        where_of(loans),
        kp.header
    ));
    export.column_fields[i][col] = Some("schedule_input.key".into());
}

pub(super) fn schedule_fields(
    ctx: &Ctx,
    at: usize,
    assigned: &[Assigned],
    out: &mut Vec<Mapping>,
    export: &mut Export,
) {
    let s = &ctx.sheets[at];
    let mut used: BTreeSet<usize> = assigned.iter().map(|a| a.col).collect();
    if let Some(key) = export.schedule_input.as_ref().and_then(|x| x.key.clone())
        && export.roles[at] == "schedule"
        && let Some(p) = s.columns.iter().find(|p| p.header == key)
    {
        used.insert(p.index);
    }
    for field in ["date", "principal", "interest"] {
        let target = format!("schedule.{field}");
        let found = find(assigned, &target)
            .map(|a| (a.col, a.why.clone()))
            .or_else(|| {
                // By content: the first free date column, then money columns in order.
                let kind_ok = |p: &Profile| {
                    if field == "date" {
                        p.kind == ColumnType::Date
                    } else {
                        matches!(p.kind, ColumnType::Money | ColumnType::Number) && !p.integers
                    }
                };
                s.columns
                    .iter()
                    .find(|p| !used.contains(&p.index) && kind_ok(p))
                    .map(|p| {
                        (
                            p.index,
                            format!(
                                "'{}' by position: the next {} column",
                                p.header,
                                if field == "date" { "date" } else { "amount" }
                            ),
                        )
                    })
            });
        let Some((c, why)) = found else { continue };
        used.insert(c);
        let p = &s.columns[c];
        let mut m = Mapping::column(&target, &p.header, why);
        if field != "date" {
            m.evidence = join(
                &m.evidence,
                &format!(
                    "amounts like {}",
                    p.samples.first().cloned().unwrap_or_default()
                ),
            );
        }
        if field == "date" {
            let (format, why, todo) = date_evidence(p, &ctx.decided);
            m.format = format;
            m.evidence = join(&m.evidence, &why);
            m.todo = todo;
        }
        export.column_fields[at][c] = Some(target.clone());
        out.push(m);
    }
    if let Some(a) = find(assigned, "installment") {
        export.column_fields[at][a.col] = Some("installment".into());
    }
}

pub(super) fn terms_fields(
    ctx: &Ctx,
    main: usize,
    assigned: &[Assigned],
    out: &mut Vec<Mapping>,
    export: &mut Export,
) {
    let s = &ctx.sheets[main];
    for (name, _) in TERMS_FIELDS {
        let target = format!("terms.{name}");
        let Some(a) = find(assigned, &target) else {
            if ["installments", "frequency", "annual_rate", "method"].contains(name) {
                let mut m = Mapping::column(
                    &target,
                    &format!("TODO: {name} column"),
                    "required by [terms]; no column found".into(),
                );
                m.placeholder = true;
                m.todo = Some(format!("name the {name} column, or give {{ value = ... }}"));
                out.push(m);
            }
            continue;
        };
        let p = &s.columns[a.col];
        let mut m = Mapping::column(&target, &p.header, a.why.clone());
        match *name {
            "first_due" => {
                let (format, why, todo) = date_evidence(p, &ctx.decided);
                m.format = format;
                m.evidence = join(&m.evidence, &why);
                m.todo = todo;
            }
            "frequency" | "method" => {
                let of: fn(&str) -> Option<&'static str> = if *name == "frequency" {
                    fields::frequency_of
                } else {
                    fields::method_of
                };
                let values = p.distinct_values();
                let mut unknown = Vec::new();
                for v in &values {
                    match of(v) {
                        Some(to) => m.map.push(MapEntry {
                            from: v.clone(),
                            to: Constant::String(to.into()),
                        }),
                        None => unknown.push(v.clone()),
                    }
                }
                let shown: Vec<String> = m
                    .map
                    .iter()
                    .map(|e| format!("{} = {}", e.from, e.to.as_str().unwrap_or_default()))
                    .collect();
                m.evidence = join(&m.evidence, &format!("values {}", shown.join(", ")));
                if !unknown.is_empty() {
                    m.todo = Some(format!("map {} too", values_list(&unknown, 5)));
                }
            }
            "annual_rate" => {
                let folded = fields::fold(&p.header);
                if ["month", "mensual", "mensuel", "mensal", "p.m", "pm"]
                    .iter()
                    .any(|w| folded.contains(w))
                {
                    m.todo = Some(
                        "the header suggests a monthly rate; annual_rate wants % per year".into(),
                    );
                }
                m.evidence = join(
                    &m.evidence,
                    &format!(
                        "values like {}",
                        p.samples.first().cloned().unwrap_or_default()
                    ),
                );
            }
            _ => {
                m.evidence = join(
                    &m.evidence,
                    &format!(
                        "values like {}",
                        p.samples.first().cloned().unwrap_or_default()
                    ),
                );
            }
        }
        export.column_fields[main][a.col] = Some(target.clone());
        out.push(m);
    }
}
