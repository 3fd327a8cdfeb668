//! The template's fields: each draft field's column (or constant, or to-do) with its
//! evidence, value maps (genders, yes/no), name splits, the currency, and what is left
//! to fill in.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The full mapping, in template order, with the unmapped fields as to-dos.
pub(super) fn build_fields(
    ctx: &Ctx,
    main: usize,
    assigned: &[Assigned],
    info: Option<&MainInfo>,
    export: &mut Export,
) {
    let sheet = &ctx.sheets[main];
    let mut out: Vec<Mapping> = Vec::new();
    let shape = info.map_or("per-loan", |i| i.shape);
    let groups_seen = export.group_loans;
    let col = |c: usize| &sheet.columns[c];
    let mark = |export: &mut Export, c: usize, field: &str| {
        export.column_fields[main][c] = Some(field.to_string());
    };

    // Keys.
    if let Some(info) = info {
        let kp = col(info.key);
        let a = assigned.iter().find(|a| a.col == info.key);
        let why = a.map_or(String::new(), |a| a.why.clone());
        let loan_col = export.keys.loan.clone().unwrap_or_default();
        let groups = groups_by(kp);
        let max = groups.iter().map(|g| g.1.len()).max().unwrap_or(0);
        let uniq = if max <= 1 {
            format!("unique on each of the {} rows", kp.values.len())
        } else {
            format!("{} values on {} rows", groups.len(), kp.values.len())
        };
        if loan_col == kp.header {
            out.push(Mapping::column("keys.loan", &kp.header, join(&why, &uniq)));
            mark(export, info.key, "keys.loan");
        } else {
            out.push(Mapping::column(
                "keys.loan",
                &loan_col,
                "a member's own id keys its loan".into(),
            ));
        }
        if let Some(g) = &export.keys.group {
            let gp = sheet.columns.iter().find(|p| &p.header == g);
            let why = gp
                .and_then(|gp| assigned.iter().find(|a| a.col == gp.index))
                .map_or(String::new(), |a| a.why.clone());
            let mut m = Mapping::column(
                "keys.group",
                g,
                join(&why, "rows sharing it form one group loan"),
            );
            for also in &export.keys.group_also {
                let Some(ap) = sheet.columns.iter().find(|p| &p.header == also) else {
                    continue;
                };
                let (format, date_why, _) = date_evidence(ap, &ctx.decided);
                m.evidence = join(
                    &m.evidence,
                    &format!("then '{also}', which tells a group's loan cycles apart; {date_why}"),
                );
                m.parts.push(KeyPart {
                    column: also.clone(),
                    format,
                });
            }
            out.push(m);
            if let Some(gp) = gp {
                mark(export, gp.index, "keys.group");
            }
        }
        if let Some(b) = &export.keys.borrower {
            let why = if export.keys.loan.as_ref() == Some(b) {
                "every member has her own account: one borrower per account"
            } else {
                "rows of a loan with the same value are one borrower"
            };
            out.push(Mapping::column("keys.borrower", b, why.into()));
        }
    } else {
        let mut m = Mapping::column(
            "keys.loan",
            "TODO: loan number column",
            "no loan key column found".into(),
        );
        m.placeholder = true;
        m.todo = Some("name the column holding the loan number".into());
        out.push(m);
    }

    let groups = info.map_or(&[][..], |i| i.groups.as_slice());
    let by_target = |t: &str| find(assigned, t);

    // Loan fields.
    for (name, _) in LOAN_FIELDS {
        let target = format!("loan.{name}");
        match *name {
            "currency" => out.push(currency(ctx, main, assigned, export)),
            "group_name" if !groups_seen => {}
            "internal_client_id" | "internal_loan_id" => {}
            _ => {
                let Some(a) = by_target(&target) else {
                    continue;
                };
                let p = col(a.col);
                let mut m = Mapping::column(&target, &p.header, a.why.clone());
                match *name {
                    "disburse_time" => {
                        let (format, why, todo) = date_evidence(p, &ctx.decided);
                        m.format = format;
                        m.evidence = join(&m.evidence, &why);
                        m.todo = todo;
                    }
                    "activity_id" | "theme_type_id" | "description_language_id" => {
                        if !(p.kind == ColumnType::Number && p.integers) {
                            // Names, not Kiva's ids: not mapped; said in the to-do.
                            continue;
                        }
                    }
                    _ => m.evidence = join(&m.evidence, &text_evidence(p)),
                }
                if !groups.is_empty() && varies(p, groups) && !matches!(*name, "disburse_time") {
                    m.combine = Some("join");
                    m.evidence = join(&m.evidence, "differs within a loan: values joined");
                }
                mark(export, a.col, &target);
                out.push(m);
            }
        }
    }
    // Group ids.
    let client = by_target("borrower.client_id").map(|a| a.col);
    // A loan key shared by the members (flat groups, or a repeated group loan number)
    // is not a member's own loan id.
    let member_loan_id = info.is_some_and(|i| !(i.key_shared && groups_seen));
    if groups_seen {
        if client.is_some() {
            out.push(Mapping::members(
                "loan.internal_client_id",
                "client_id",
                "group loans: the members' client ids, joined",
            ));
        }
        if member_loan_id {
            out.push(Mapping::members(
                "loan.internal_loan_id",
                "loan_id",
                "group loans: the members' loan ids, joined",
            ));
        } else if let Some(info) = info {
            out.push(Mapping::column(
                "loan.internal_loan_id",
                &col(info.key).header,
                "group loans: the loan number shared by the members".into(),
            ));
        }
    }

    // Borrower fields.
    for (name, _) in BORROWER_FIELDS {
        let target = format!("borrower.{name}");
        if *name == "loan_id" {
            if let Some(info) = info
                && member_loan_id
            {
                let header = export
                    .keys
                    .loan
                    .clone()
                    .unwrap_or_else(|| col(info.key).header.clone());
                out.push(Mapping::column(
                    &target,
                    &header,
                    "the loan key: one borrower per loan number".into(),
                ));
            }
            continue;
        }
        if *name == "not_pictured" {
            if let Some(m) = pictured(sheet, assigned) {
                if let Some(a) =
                    by_target("borrower.pictured").or_else(|| by_target("borrower.not_pictured"))
                {
                    mark(export, a.col, &target);
                }
                out.push(m);
            }
            continue;
        }
        let Some(a) = by_target(&target) else {
            continue;
        };
        let p = col(a.col);
        let mut m = Mapping::column(&target, &p.header, a.why.clone());
        match *name {
            "name" => {
                let (split, why) = name_split(p);
                m.split = Some(split);
                m.evidence = join(&m.evidence, &why);
            }
            "gender" => {
                let (map, unknown, note) = fields::gender_map(&p.distinct_values());
                let shown: Vec<String> = map.iter().map(|(f, t)| format!("{f} = {t}")).collect();
                m.evidence = join(&m.evidence, &format!("values {}", shown.join(", ")));
                m.map = map
                    .into_iter()
                    .map(|(from, to)| MapEntry {
                        from,
                        to: Constant::String(to.into()),
                    })
                    .collect();
                if let Some(note) = note {
                    m.todo = Some(note);
                }
                if !unknown.is_empty() {
                    m.todo = Some(format!("map {} too", values_list(&unknown, 5)));
                }
            }
            "amount" => {
                m.evidence = join(
                    &m.evidence,
                    &format!(
                        "amounts like {}",
                        p.samples.first().cloned().unwrap_or_default()
                    ),
                );
            }
            _ => m.evidence = join(&m.evidence, &text_evidence(p)),
        }
        mark(export, a.col, &target);
        out.push(m);
    }

    // Schedule or terms.
    match (shape, export.schedule) {
        (_, "columns") => {
            if let Some(info) = info {
                for field in ["date", "principal", "interest"] {
                    let target = format!("schedule.{field}");
                    if let Some(pat) = info.wide.iter().find(|p| p.target == Some(target.as_str()))
                    {
                        let first = col(pat.columns[0]);
                        let mut m = Mapping::column(
                            &target,
                            &pat.template,
                            format!(
                                "'{}' for n = {}..{}",
                                pat.template,
                                pat.numbers.first().unwrap_or(&0),
                                pat.numbers.last().unwrap_or(&0)
                            ),
                        );
                        if field == "date" {
                            let (format, why, todo) = date_evidence(first, &ctx.decided);
                            m.format = format;
                            m.evidence = join(&m.evidence, &why);
                            m.todo = todo;
                        }
                        for &c in &pat.columns {
                            mark(export, c, &target);
                        }
                        out.push(m);
                    }
                }
            }
        }
        (_, "rows") => schedule_fields(ctx, main, assigned, &mut out, export),
        (_, "sheet" | "file") => {
            if let Some(i) = export.roles.iter().position(|r| *r == "schedule") {
                let s = &ctx.sheets[i];
                let mut taken = BTreeSet::new();
                if let Some(key) = export.schedule_input.as_ref().and_then(|x| x.key.clone())
                    && let Some(p) = s.columns.iter().find(|p| p.header == key)
                {
                    taken.insert(p.index);
                }
                let sched = assign(
                    s,
                    &|t| t.starts_with("schedule.") || t == "installment",
                    &taken,
                );
                schedule_fields(ctx, i, &sched, &mut out, export);
            }
        }
        (_, "terms") => terms_fields(ctx, main, assigned, &mut out, export),
        _ => {}
    }
    complete(&mut out, export, shape);
    export.todo = todos(sheet, assigned, &out, export);
    export.fields = out;
}

/// A stand-in for a field the template format requires and no column gave.
pub(super) fn placeholder(field: &str, what: &str) -> Mapping {
    let mut m = Mapping::column(
        field,
        &format!("TODO: {what} column"),
        format!("no column found for the {what}; the template needs one"),
    );
    m.placeholder = true;
    m.todo = Some(format!("name the {what} column"));
    m
}

/// Adds what `Template::parse` requires: a name, all three schedule fields once one is
/// there (or a schedule input is), a borrower key in flat exports.
pub(super) fn complete(out: &mut Vec<Mapping>, export: &Export, shape: &str) {
    let has = |out: &Vec<Mapping>, f: &str| out.iter().any(|m| m.field == f);
    if !has(out, "borrower.name") && !has(out, "borrower.first_name") {
        let mut m = placeholder("borrower.name", "borrower's name");
        m.split = Some("given-family");
        m.todo = Some("name the full-name column (or map first_name and last_name instead)".into());
        out.push(m);
    }
    let fields = ["date", "principal", "interest"];
    let any = fields.iter().any(|f| has(out, &format!("schedule.{f}")))
        || matches!(export.schedule, "sheet" | "file" | "columns" | "rows");
    if any {
        for f in fields {
            let field = format!("schedule.{f}");
            if !has(out, &field) {
                let what = match f {
                    "date" => "due date",
                    "principal" => "principal",
                    _ => "interest",
                };
                out.push(placeholder(&field, what));
            }
        }
    }
    if shape == "flat" && export.keys.borrower.is_none() && !has(out, "borrower.client_id") {
        out.push(placeholder("keys.borrower", "borrower key"));
    }
}

/// Where the currency comes from: a column, a header (`Amount (UGX)`), a symbol in the
/// amounts (`USh`), a code in the title rows; else a placeholder to fill in.
pub(super) fn currency(
    ctx: &Ctx,
    main: usize,
    assigned: &[Assigned],
    export: &mut Export,
) -> Mapping {
    let sheet = &ctx.sheets[main];
    if let Some(a) = find(assigned, "loan.currency") {
        let p = &sheet.columns[a.col];
        export.column_fields[main][a.col] = Some("loan.currency".into());
        return Mapping::column(
            "loan.currency",
            &p.header,
            join(
                &a.why,
                &format!("values {}", values_list(&p.distinct_values(), 4)),
            ),
        );
    }
    let amount = find(assigned, "borrower.amount").map(|a| a.col);
    let mut headers: Vec<&Profile> = amount.map(|c| &sheet.columns[c]).into_iter().collect();
    headers.extend(ctx.sheets.iter().flat_map(|s| s.columns.iter()));
    for p in &headers {
        if let Some(code) = fields::words(&p.header).currency {
            return Mapping::value(
                "loan.currency",
                Constant::String(code.clone()),
                format!("header '{}' names {code}", p.header),
            );
        }
    }
    if let Some(c) = amount {
        let p = &sheet.columns[c];
        if let Some(affix) = &p.affix {
            let code = if affix.len() == 3 && money::minor_units(affix).is_some() {
                Some(affix.as_str())
            } else {
                fields::currency_of_symbol(affix)
            };
            if let Some(code) = code {
                return Mapping::value(
                    "loan.currency",
                    Constant::String(code.to_string()),
                    format!("amounts in '{}' are written with '{affix}'", p.header),
                );
            }
        }
    }
    if let Some(table) = &sheet.table {
        for line in &table.preamble {
            let codes = fields::currencies_in_text(line);
            if let [code] = codes.as_slice() {
                return Mapping::value(
                    "loan.currency",
                    Constant::String(code.clone()),
                    format!("the title rows say '{}'", short(line, 40)),
                );
            }
        }
    }
    let mut m = Mapping::value(
        "loan.currency",
        Constant::String("TODO".into()),
        "no currency column, and no currency code in a header, an amount or a title row".into(),
    );
    m.placeholder = true;
    m.todo =
        Some("name the loans' ISO 4217 currency: { value = \"...\" } (USD, PEN, UGX, ...)".into());
    m
}

pub(super) fn pictured(sheet: &Sheet, assigned: &[Assigned]) -> Option<Mapping> {
    let (a, inverted) = match (
        find(assigned, "borrower.pictured"),
        find(assigned, "borrower.not_pictured"),
    ) {
        (Some(a), _) => (a, true),
        (None, Some(a)) => (a, false),
        _ => return None,
    };
    let p = &sheet.columns[a.col];
    let mut m = Mapping::column("borrower.not_pictured", &p.header, a.why.clone());
    let mut shown = Vec::new();
    for v in p.distinct_values() {
        if let Some(b) = crate::map::parse_bool(&v) {
            let to = if inverted { !b } else { b };
            shown.push(format!("{v} = {to}"));
            m.map.push(MapEntry {
                from: v,
                to: Constant::Bool(to),
            });
        }
    }
    let how = if inverted {
        "in the photo, so not_pictured is its opposite"
    } else {
        "not in the photo"
    };
    m.evidence = join(&m.evidence, &format!("{how}: {}", shown.join(", ")));
    Some(m)
}

/// How full names split, from the values: "Quispe, Rosa" is family-comma-given,
/// "NAMUGGA Sarah" family-given, otherwise the last word is the family name.
pub(super) fn name_split(p: &Profile) -> (&'static str, String) {
    let values: Vec<&String> = p.values.iter().flatten().collect();
    let example = values.first().map_or(String::new(), |v| (*v).clone());
    let header = fields::words(&p.header).words;
    if values.iter().filter(|v| v.contains(',')).count() * 2 > values.len() {
        return (
            "family-comma-given",
            format!("names like '{example}': family name before the comma"),
        );
    }
    if header == ["nom", "prenom"] {
        return (
            "family-given",
            "the header puts the family name first".into(),
        );
    }
    let caps_first = values
        .iter()
        .filter(|v| {
            let mut w = v.split_whitespace();
            let first = w.next().unwrap_or("");
            w.next().is_some()
                && first.chars().count() > 1
                && first.chars().all(|c| !c.is_lowercase())
                && v.chars().any(char::is_lowercase)
        })
        .count();
    if caps_first * 2 > values.len() {
        return (
            "family-given",
            format!("names like '{example}': family name first, in capitals"),
        );
    }
    (
        "given-family",
        format!("full names like '{example}': the last word taken as the family name"),
    )
}

/// Every draft field the mapping leaves out, with why.
pub(super) fn todos(
    sheet: &Sheet,
    assigned: &[Assigned],
    fields_out: &[Mapping],
    export: &Export,
) -> Vec<Todo> {
    let mapped = |f: &str| fields_out.iter().any(|m| m.field == f);
    let mut out = Vec::new();
    let mut push = |field: String, why: String| out.push(Todo { field, why });
    let names_of = |t: &str| {
        find(assigned, t).map(|a| {
            let p = &sheet.columns[a.col];
            (p.header.clone(), values_list(&p.distinct_values(), 3))
        })
    };
    for (name, _) in LOAN_FIELDS {
        let field = format!("loan.{name}");
        if mapped(&field) {
            continue;
        }
        let why = match *name {
            "activity_id" | "theme_type_id" | "description_language_id" => {
                let what = match *name {
                    "activity_id" => "activity",
                    "theme_type_id" => "theme",
                    _ => "description language",
                };
                match names_of(&field) {
                    Some((header, values)) => format!(
                        "'{header}' holds names ({values}); Kiva wants its {what} id: {{ value = N }} or a column of ids"
                    ),
                    None => {
                        format!("Kiva's {what} id (a number): {{ value = N }} or a column of ids")
                    }
                }
            }
            "location" => "the borrower's town or region: a column or { value = \"...\" }".into(),
            "description" => "the borrower's story: a column, or written in PA2".into(),
            "loanuse" => "what the loan is for: no column found".into(),
            "disburse_time" => "the disbursal date: no date column found".into(),
            "client_waiver_signed" => "{ value = true } once the waivers are signed".into(),
            "image_encoded" | "image_url" | "image_file" => "a photo: no photo column found".into(),
            "group_name" | "internal_client_id" | "internal_loan_id" if !export.group_loans => {
                "group loans only: none seen in this export".into()
            }
            "group_name" => "the group's name: no column found".into(),
            _ => "no column found".into(),
        };
        push(field, why);
    }
    let has_name = mapped("borrower.name");
    for (name, _) in BORROWER_FIELDS {
        let field = format!("borrower.{name}");
        if mapped(&field) {
            continue;
        }
        let why = match *name {
            "first_name" | "last_name" if has_name => continue,
            "name" if mapped("borrower.first_name") => continue,
            "name" => "the borrower's full name (or first_name and last_name)".into(),
            "not_pictured" => "default false (everyone in the photo); group loans only".into(),
            "loan_id" => "the member's own loan number: no column found".into(),
            _ => "no column found".into(),
        };
        push(field, why);
    }
    match export.schedule {
        "terms" => {
            for (name, _) in TERMS_FIELDS {
                let field = format!("terms.{name}");
                if !mapped(&field) {
                    let why = match *name {
                        "first_due" => "default: one period after disbursal",
                        "grace" => "default 0: no interest-only installments",
                        "day_count" => "default periodic (annual rate / periods per year)",
                        _ => "no column found",
                    };
                    push(field, why.into());
                }
            }
        }
        _ => {
            for (name, _) in SCHEDULE_FIELDS {
                let field = format!("schedule.{name}");
                if !mapped(&field) {
                    push(
                        field,
                        "no column found ([terms] can generate the schedule instead)".into(),
                    );
                }
            }
        }
    }
    out
}
