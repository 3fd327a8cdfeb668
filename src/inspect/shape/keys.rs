//! The loans table's shape and keys: one row per loan, per borrower with a group key,
//! per installment (flat), or wide installment columns, decided from the loan key's
//! repetitions and what changes within them, each decision with its evidence.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) fn infer_main(ctx: &Ctx, main: usize, export: &mut Export) {
    let sheets = ctx.sheets;
    let sheet = &sheets[main];
    export.roles[main] = "loans";
    let mut warnings = Vec::new();
    let decimal = decimal_of(sheet, &mut warnings);
    export.inputs.push(settings(sheet, decimal.clone()));
    // Other inputs with the same columns are more of the same loans.
    let headers = normalized_headers(sheet);
    let mut extra_loans = Vec::new();
    for (i, s) in sheets.iter().enumerate() {
        if i != main
            && s.table.is_some()
            && normalized_headers(s) == headers
            && s.file != sheet.file
        {
            export.roles[i] = "loans";
            export.inputs.push(settings(s, decimal.clone()));
            extra_loans.push(i);
        }
    }

    let wide: Vec<Pattern> = patterns(sheet);
    let installment_cols: BTreeSet<usize> = wide
        .iter()
        .filter(|p| p.target.is_some())
        .flat_map(|p| p.columns.iter().copied())
        .collect();
    let is_wide = ["schedule.date", "schedule.principal"]
        .iter()
        .all(|t| wide.iter().any(|p| p.target == Some(t)));
    let skip = if is_wide {
        installment_cols.clone()
    } else {
        BTreeSet::new()
    };
    let mut assigned = assign(sheet, &|_| true, &skip);
    fallbacks(sheet, &mut assigned, &skip);
    fix_names(sheet, &mut assigned);

    // The loan key.
    let loan_key = if let Some(c) = col_of(&assigned, "keys.loan") {
        Some(c)
    } else {
        {
            let found = sheet.columns.iter().find(|p| {
                p.kind == ColumnType::Id
                    && p.filled == p.values.len()
                    && !assigned.iter().any(|a| a.col == p.index)
            });
            if let Some(p) = found {
                assigned.push(Assigned {
                    col: p.index,
                    target: "keys.loan",
                    why: format!("'{}' is the first id column filled on every row", p.header),
                });
            }
            found.map(|p| p.index)
        }
    };
    let Some(k) = loan_key else {
        export.warnings.push(format!(
            "{}: no loan key column found (a loan number on every row)",
            where_of(sheet)
        ));
        export.warnings.extend(warnings);
        build_fields(ctx, main, &assigned, None, export);
        return;
    };
    let kp = &sheet.columns[k];
    let rows = kp.values.len();
    let by_key = groups_by(kp);
    let key_groups: Vec<Vec<usize>> = by_key.iter().map(|g| g.1.clone()).collect();
    let max_per_key = key_groups.iter().map(Vec::len).max().unwrap_or(0);
    let group_col = col_of(&assigned, "keys.group");
    let client_col = col_of(&assigned, "borrower.client_id");
    let date_col = col_of(&assigned, "schedule.date");
    let inst_col = col_of(&assigned, "installment");

    let mut shape = "per-loan";
    let mut group_key = None;
    // A group key's further column, and whether members have their own accounts.
    let mut group_also: Option<usize> = None;
    let mut member_accounts_seen = false;
    let mut borrower_key = None;
    let mut loan_groups = key_groups.clone();
    if is_wide {
        shape = "wide";
        let named: Vec<String> = wide
            .iter()
            .filter(|p| p.target.is_some())
            .map(|p| p.template.clone())
            .collect();
        let numbers = wide
            .iter()
            .filter(|p| p.target.is_some())
            .map(|p| p.numbers.len())
            .max()
            .unwrap_or(0);
        let two = if export.inputs[0].header_rows == 2 {
            " under a two-row header"
        } else {
            ""
        };
        let refs: Vec<&str> = named.iter().map(String::as_str).collect();
        export.reasons.push(format!(
            "Columns {} repeat for {numbers} installments{two}: installments in columns, one row per loan ('{}' is {}).",
            quote_list(&refs),
            kp.header,
            uniqueness(max_per_key, rows, by_key.len())
        ));
        export.schedule = "columns";
    } else if max_per_key > 1 {
        let changing: Vec<usize> = [date_col, inst_col]
            .into_iter()
            .flatten()
            .filter(|&c| varies(&sheet.columns[c], &key_groups))
            .collect();
        if changing.is_empty() {
            // Rows of a loan differ by borrower: the key is a group key.
            shape = "per-borrower";
            group_key = Some(k);
            borrower_key = client_col;
            export.reasons.push(format!(
                "'{}' is repeated up to {max_per_key} times with changing borrower columns and no due dates: one row per borrower, the rows of a value forming one group loan.",
                kp.header
            ));
        } else {
            shape = "flat";
            let same = constant_columns(sheet, &assigned, &key_groups, k);
            let changing_names: Vec<&str> = changing
                .iter()
                .map(|&c| sheet.columns[c].header.as_str())
                .collect();
            export.reasons.push(format!(
                "'{}' is repeated up to {max_per_key} times ({} loans, {rows} rows) with identical {} and changing {}: one row per installment.",
                kp.header,
                by_key.len(),
                if same.is_empty() { "loan columns".to_string() } else { quote_list(&same) },
                quote_list(&changing_names)
            ));
            export.schedule = "rows";
            borrower_key = client_col
                .or_else(|| col_of(&assigned, "borrower.name"))
                .or_else(|| col_of(&assigned, "borrower.first_name"));
            if let Some(b) = borrower_key {
                let bp = &sheet.columns[b];
                let multi: Vec<&str> = several_values(&by_key, bp)
                    .into_iter()
                    .map(String::as_str)
                    .collect();
                if !multi.is_empty() {
                    export.group_loans = true;
                    let shown: Vec<&str> = multi.iter().take(3).copied().collect();
                    export.reasons.push(format!(
                        "Within a loan, '{}' changes: {} {} several borrowers (group loans); each borrower is one '{}'.",
                        bp.header,
                        quote_list(&shown),
                        if multi.len() == 1 { "has" } else { "have" },
                        bp.header
                    ));
                }
            }
        }
        if let Some(found) = member_accounts(sheet, &assigned, k, &key_groups) {
            export.reasons.push(found.reason);
            group_key = Some(found.group);
            group_also = found.cycle;
            borrower_key = Some(k);
            member_accounts_seen = true;
            export.group_loans = true;
            loan_groups = found.loans;
        }
    } else if let Some(g) =
        group_col.filter(|&g| groups_by(&sheet.columns[g]).iter().any(|x| x.1.len() > 1))
    {
        shape = "per-borrower";
        group_key = Some(g);
        borrower_key = client_col;
        let gp = &sheet.columns[g];
        let gg: Vec<Vec<usize>> = groups_by(gp).into_iter().map(|x| x.1).collect();
        let max_group = gg.iter().map(Vec::len).max().unwrap_or(0);
        let same = constant_columns(sheet, &assigned, &gg, g);
        let changing: Vec<&str> = [
            "borrower.name",
            "borrower.first_name",
            "borrower.amount",
            "borrower.client_id",
        ]
        .iter()
        .filter_map(|t| col_of(&assigned, t))
        .filter(|&c| varies(&sheet.columns[c], &gg))
        .take(2)
        .map(|c| sheet.columns[c].header.as_str())
        .collect();
        let empty = gp.values.len() - gp.filled;
        export.reasons.push(format!(
            "'{}' is unique on each of the {rows} rows, but '{}' is shared by up to {max_group} rows ({} groups) with identical {} and changing {}: one row per borrower, grouped by '{}'{}.",
            kp.header,
            gp.header,
            gg.len(),
            if same.is_empty() { "group columns".to_string() } else { quote_list(&same) },
            if changing.is_empty() { "borrower columns".to_string() } else { quote_list(&changing) },
            gp.header,
            if empty > 0 { format!("; the {empty} rows without it are individual loans") } else { String::new() }
        ));
        export.group_loans = true;
        // Loans: a group per group key, else a loan per loan key.
        loan_groups = loans_of(gp, kp);
    } else {
        export.reasons.push(format!(
            "'{}' is unique on each of the {rows} data rows: one row per loan.",
            kp.header
        ));
    }
    if shape == "per-borrower" && group_key == Some(k) {
        // The repeated key is the group's; a member's own id keys its loan.
        let member = col_of(&assigned, "borrower.client_id");
        if let Some(m) = member {
            export.keys.loan = Some(sheet.columns[m].header.clone());
        }
        export.group_loans = true;
    }
    export.shape = Some(shape.to_string());
    export.loans = loan_groups.len();
    if export.keys.loan.is_none() {
        export.keys.loan = Some(kp.header.clone());
    }
    export.keys.group = group_key.map(|g| sheet.columns[g].header.clone());
    export.keys.group_also = group_also
        .map(|c| sheet.columns[c].header.clone())
        .into_iter()
        .collect();
    if matches!(shape, "flat" | "per-borrower") {
        export.keys.borrower = borrower_key.map(|b| sheet.columns[b].header.clone());
    }

    // The schedule: another sheet or file keyed by loan.
    if matches!(shape, "per-loan" | "per-borrower") {
        let mut key_cols: Vec<usize> = vec![k];
        key_cols.extend(group_key);
        find_schedule(ctx, main, &extra_loans, &key_cols, export);
    }
    if shape == "per-loan" && export.schedule_input.is_none() {
        let terms: Vec<&str> = [
            "terms.installments",
            "terms.frequency",
            "terms.annual_rate",
            "terms.method",
        ]
        .into_iter()
        .filter(|t| find(&assigned, t).is_some())
        .collect();
        if terms.len() >= 2 {
            export.schedule = "terms";
            let names: Vec<&str> = terms
                .iter()
                .filter_map(|t| col_of(&assigned, t))
                .map(|c| sheet.columns[c].header.as_str())
                .collect();
            export.reasons.push(format!(
                "No schedule sheet, file or columns, but loan terms {}: the schedule is generated from them ([terms]).",
                quote_list(&names)
            ));
        } else {
            export.warnings.push(
                "no repayment schedule found (no schedule sheet or file, no installment columns, no loan terms): give the schedule file too, or fill [schedule] / [terms]".into(),
            );
        }
    }
    // Loan fields that differ within a loan: joined (purposes of group members).
    let ctx_groups = if shape == "flat" || shape == "per-borrower" {
        loan_groups
    } else {
        Vec::new()
    };
    export.warnings.extend(warnings);
    let info = MainInfo {
        key: k,
        key_shared: (shape == "flat" && !member_accounts_seen) || group_key == Some(k),
        shape,
        groups: ctx_groups,
        wide,
    };
    build_fields(ctx, main, &assigned, Some(&info), export);
}

pub(super) struct MainInfo {
    pub(super) key: usize,
    /// Several borrowers share a loan key value.
    pub(super) key_shared: bool,
    pub(super) shape: &'static str,
    /// Rows of each loan (flat and per-borrower), to see what differs within a loan.
    pub(super) groups: Vec<Vec<usize>>,
    pub(super) wide: Vec<Pattern>,
}
