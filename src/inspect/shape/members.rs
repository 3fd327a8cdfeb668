//! Group loans made of the members' own accounts (Fineract, Mifos and most JLG
//! systems): a group column constant per account, shared by several accounts, filled on
//! some rows; the loan cycles told apart by the disbursal date.

#[allow(clippy::wildcard_imports)]
use super::*;

/// A flat export whose group members each have their own loan account (Fineract,
/// Mifos and most JLG systems), as found by [`member_accounts`].
pub(super) struct MemberAccounts {
    pub(super) group: usize,
    /// The disbursal date column, which tells a group's loan cycles apart.
    pub(super) cycle: Option<usize>,
    pub(super) loans: Vec<Vec<usize>>,
    pub(super) reason: String,
}

/// Words of a product or loan type that say "group loan".
pub(super) const GROUP_PRODUCT_WORDS: &[&str] = &[
    "group",
    "grupo",
    "groupe",
    "grupal",
    "solidar",
    "jlg",
    "village",
    "comunal",
    "communal",
    "collectif",
];

/// Looks for group loans made of the members' own accounts in a flat export keyed by
/// account (`k`): a group column constant on each account's rows, filled on some rows
/// (blank ones are individual loans), and some group value shared by several accounts.
/// The loans are then a group per group value and disbursal date, and an account per
/// row without a group.
pub(super) fn member_accounts(
    sheet: &Sheet,
    assigned: &[Assigned],
    k: usize,
    key_groups: &[Vec<usize>],
) -> Option<MemberAccounts> {
    let g = col_of(assigned, "keys.group")
        .or_else(|| col_of(assigned, "loan.group_name"))
        .filter(|&g| g != k)?;
    let (gp, kp) = (&sheet.columns[g], &sheet.columns[k]);
    if gp.filled == 0 || varies(gp, key_groups) {
        return None;
    }
    let accounts_of = |rows: &[usize]| -> BTreeSet<&String> {
        rows.iter().filter_map(|&r| kp.values[r].as_ref()).collect()
    };
    let by_group = groups_by(gp);
    let shared: Vec<(&String, usize)> = by_group
        .iter()
        .map(|(value, rows)| (value, accounts_of(rows).len()))
        .filter(|(_, n)| *n > 1)
        .collect();
    if shared.is_empty() {
        return None;
    }
    let cycle = col_of(assigned, "loan.disburse_time").filter(|&c| c != g && c != k);
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut loans: Vec<Vec<usize>> = Vec::new();
    for row in 0..gp.values.len() {
        let id = match (&gp.values[row], &kp.values[row]) {
            (Some(group), _) => {
                let date = cycle.and_then(|c| sheet.columns[c].values[row].as_deref());
                format!("g:{group}\u{1}{}", date.unwrap_or_default())
            }
            (None, Some(account)) => format!("k:{account}"),
            (None, None) => continue,
        };
        if let Some(&i) = index.get(&id) {
            loans[i].push(row);
        } else {
            index.insert(id, loans.len());
            loans.push(vec![row]);
        }
    }
    let group_rows = gp.filled;
    let other_rows = gp.values.len() - gp.filled;
    let examples: Vec<String> = shared
        .iter()
        .take(2)
        .map(|(value, n)| format!("'{value}' has {n}"))
        .collect();
    let mut reason = format!(
        "'{}' is filled on {group_rows} rows{}, and several '{}' share one value ({}): every member has her own loan account, one borrower each; a group's members form one group loan",
        gp.header,
        if other_rows > 0 {
            format!(" and empty on {other_rows}")
        } else {
            String::new()
        },
        kp.header,
        examples.join(", ")
    );
    if let Some(c) = cycle {
        let cp = &sheet.columns[c];
        let cycles = several_values(&by_group, cp);
        reason.push_str(&format!(" per '{}'", cp.header));
        reason.push_str(&match cycles.first() {
            Some(value) => format!(
                " ('{value}' has {} loan cycles, told apart by their disbursal date)",
                cycles.len().max(2)
            ),
            None => " (each group has one here; the date tells a group's later loan cycles apart)"
                .to_string(),
        });
    }
    if other_rows > 0 {
        reason.push_str(&format!(
            "; the rows without '{}' are individual loans, one per '{}'",
            gp.header, kp.header
        ));
    }
    reason.push_str(&format!(
        ". The group's schedule is the sum of its members' installments per date ({} loans).",
        loans.len()
    ));
    if let Some(product) = product_evidence(sheet, gp) {
        reason.push(' ');
        reason.push_str(&product);
    }
    Some(MemberAccounts {
        group: g,
        cycle,
        loans,
        reason,
    })
}

/// What a product or loan-type column says on group rows and on the others, when it
/// names group lending ("'Product' says 'Group Loan' on the group rows, 'Business
/// Loan' on the others").
pub(super) fn product_evidence(sheet: &Sheet, group: &Profile) -> Option<String> {
    const HEADERS: &[&str] = &[
        "product",
        "producto",
        "produit",
        "produto",
        "type",
        "tipo",
        "category",
        "categoria",
        "categorie",
    ];
    sheet.columns.iter().find_map(|p| {
        let header_words = fields::words(&p.header).words;
        if !header_words.iter().any(|w| HEADERS.contains(&w.as_str())) {
            return None;
        }
        let mut on_groups = BTreeSet::new();
        let mut on_others = BTreeSet::new();
        for (row, value) in p.values.iter().enumerate() {
            if let Some(v) = value {
                if group.values[row].is_some() {
                    on_groups.insert(v.as_str());
                } else {
                    on_others.insert(v.as_str());
                }
            }
        }
        let says_group = |v: &&str| {
            let folded = fields::fold(v);
            GROUP_PRODUCT_WORDS.iter().any(|w| folded.contains(w))
        };
        if on_groups.is_empty()
            || !on_groups.iter().all(says_group)
            || on_others.iter().any(says_group)
        {
            return None;
        }
        let list = |set: &BTreeSet<&str>| {
            set.iter()
                .take(3)
                .map(|v| format!("'{v}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Some(if on_others.is_empty() {
            format!(
                "'{}' says {} on the group rows.",
                p.header,
                list(&on_groups)
            )
        } else {
            format!(
                "'{}' says {} on the group rows, {} on the others.",
                p.header,
                list(&on_groups),
                list(&on_others)
            )
        })
    })
}
