//! Property tests over generated exports: every row is accounted for (read = used +
//! ignored), and a draft's schedule principal sums to its borrowers' amounts whenever
//! the input's did.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use kiva_drafts::convert::{ConvertArgs, convert_in_memory};
use proptest::prelude::*;
use rust_decimal::Decimal;

const TEMPLATE: &str = r#"
shape = "per-borrower"
[schedule_input]
key = "Loan No"
[keys]
loan = "Loan No"
group = "Group"
borrower = "Client"
[loan]
currency = { value = "USD" }
disburse_time = "Disbursed"
group_name = "Group"
[borrower]
first_name = "Name"
client_id = "Client"
loan_id = "Loan No"
amount = "Amount"
[schedule]
date = "Due"
principal = "Principal"
interest = "Interest"
"#;

#[derive(Debug, Clone)]
struct Member {
    cents: i64,
    installments: usize,
    /// Principal of the first installment shifted by this many cents (0: exact).
    skew: i64,
    bad_date: bool,
}

#[derive(Debug, Clone)]
struct Loan {
    /// A group's members share the first member's number of installments (a group loan
    /// has one schedule).
    members: Vec<Member>,
    /// A group loan whose last member's last installment is a day late: an error.
    stray: bool,
}

#[derive(Debug, Clone)]
struct Noise {
    blank_rows: usize,
    totals_row: bool,
    keyless_rows: usize,
    orphan_schedule_rows: usize,
}

fn member() -> impl Strategy<Value = Member> {
    (
        1i64..500_000,
        1usize..6,
        prop_oneof![8 => Just(0i64), 1 => -50i64..50],
        prop::bool::weighted(0.05),
    )
        .prop_map(|(cents, installments, skew, bad_date)| Member {
            cents,
            installments,
            skew,
            bad_date,
        })
}

fn loans() -> impl Strategy<Value = Vec<Loan>> {
    prop::collection::vec(
        prop_oneof![3 => prop::collection::vec(member(), 1..=1), 2 => prop::collection::vec(member(), 2..5)]
            .prop_flat_map(|members| {
                (Just(members), prop::bool::weighted(0.15))
            })
            .prop_map(|(mut members, stray)| {
                let installments = members[0].installments;
                for m in &mut members {
                    m.installments = installments;
                }
                Loan { members, stray }
            }),
        1..10,
    )
}

fn noise() -> impl Strategy<Value = Noise> {
    (0usize..3, any::<bool>(), 0usize..3, 0usize..3).prop_map(
        |(blank_rows, totals_row, keyless_rows, orphan_schedule_rows)| Noise {
            blank_rows,
            totals_row,
            keyless_rows,
            orphan_schedule_rows,
        },
    )
}

fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// Writes the borrowers and schedule CSVs; returns, per loan key, whether its input
/// schedule summed to its amounts.
fn write_export(loans: &[Loan], noise: &Noise, dir: &std::path::Path) -> BTreeMap<String, bool> {
    let mut borrowers = String::from("Group,Client,Loan No,Name,Amount,Disbursed\n");
    let mut schedule = String::from("Loan No,Due,Principal,Interest\n");
    let mut exact = BTreeMap::new();
    let mut client = 0;
    for (i, loan) in loans.iter().enumerate() {
        let group = if loan.members.len() > 1 {
            format!("G{i}")
        } else {
            String::new()
        };
        let mut loan_exact = true;
        for (j, m) in loan.members.iter().enumerate() {
            client += 1;
            let loan_no = format!("L{i}-{j}");
            writeln!(
                borrowers,
                "{group},C{client},{loan_no},Name {client},{},2026-01-10",
                money(m.cents)
            )
            .unwrap();
            let n = i64::try_from(m.installments).unwrap();
            let part = m.cents / n;
            for k in 0..m.installments {
                let mut principal = if k + 1 == m.installments {
                    m.cents - part * (n - 1)
                } else {
                    part
                };
                if k == 0 {
                    principal += m.skew;
                }
                let late = loan.stray && j + 1 == loan.members.len() && k + 1 == m.installments;
                let date = if m.bad_date && k == 0 {
                    "2026-02-30".to_string()
                } else if late && !group.is_empty() {
                    format!("2026-{:02}-11", k + 2)
                } else {
                    format!("2026-{:02}-10", k + 2)
                };
                writeln!(schedule, "{loan_no},{date},{},1.00", money(principal)).unwrap();
            }
            loan_exact &= m.skew == 0;
        }
        let key = if group.is_empty() {
            format!("L{i}-0")
        } else {
            group
        };
        exact.insert(key, loan_exact);
        if i == 0 {
            for _ in 0..noise.blank_rows {
                borrowers.push_str(",,,,,\n");
            }
            for _ in 0..noise.keyless_rows {
                borrowers.push_str(",,,Nobody,5.00,2026-01-10\n");
            }
        }
    }
    for k in 0..noise.orphan_schedule_rows {
        writeln!(schedule, "ZZ{k},2026-03-01,1.00,0.00").unwrap();
    }
    if noise.totals_row {
        borrowers.push_str("Total,,,,999.00,\n");
    }
    std::fs::write(dir.join("borrowers.csv"), borrowers).unwrap();
    std::fs::write(dir.join("schedule.csv"), schedule).unwrap();
    std::fs::write(dir.join("t.toml"), TEMPLATE).unwrap();
    exact
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn rows_are_accounted_for_and_schedules_sum(loans in loans(), noise in noise()) {
        let dir = tempfile::tempdir().unwrap();
        let exact = write_export(&loans, &noise, dir.path());
        let args = ConvertArgs {
            inputs: vec![dir.path().join("borrowers.csv").display().to_string(), dir.path().join("schedule.csv").display().to_string()],
            template: dir.path().join("t.toml"),
            out: dir.path().join("out"),
            force: false,
            encoding: None,
            delimiter: None,
            header_row: None,
            quiet: true,
            checks: kiva_drafts::report::Settings::default(),
            annotate: None,
        };
        let converted = convert_in_memory(&args).unwrap();
        let s = &converted.summary;
        let borrower_rows: usize = loans.iter().map(|l| l.members.len()).sum();
        let schedule_rows: usize = loans.iter().flat_map(|l| &l.members).map(|m| m.installments).sum();
        let expected_read = borrower_rows + noise.keyless_rows + usize::from(noise.totals_row) + schedule_rows + noise.orphan_schedule_rows;
        prop_assert_eq!(s.rows.read, expected_read);
        prop_assert_eq!(s.rows.read, s.rows.used + s.rows.ignored);
        prop_assert_eq!(s.rows.blank, noise.blank_rows);
        prop_assert_eq!(s.loans + s.loans_with_errors, loans.len());
        for loan in &converted.grouped.loans {
            let amount: Decimal = loan.draft.entreps.iter().map(|e| e.amount.unwrap().0).sum();
            let principal: Decimal = loan.draft.schedule.iter().map(|i| i.principal.0).sum();
            if exact[&loan.key] {
                prop_assert_eq!(amount, principal, "loan {}", loan.key);
            }
            prop_assert_eq!(loan.draft.is_group(), loan.draft.group_name.is_some());
        }
        // A bad date, or a group member due on a date the others are not.
        let failed_with_bad_date = loans
            .iter()
            .filter(|l| l.members.iter().any(|m| m.bad_date) || (l.stray && l.members.len() > 1))
            .count();
        prop_assert_eq!(s.loans_with_errors, failed_with_bad_date);
    }
}
