//! Generated schedules end to end: the `schedule` preview command and `[terms]`
//! templates in `convert`. The engine's numbers are checked against independent
//! reference tables in `amortize_reference.rs`.

mod common;

use common::{arg, drafts, kiva, root, summary};
use serde_json::json;

const TEXTBOOK: &[&str] = &[
    "schedule",
    "--amount",
    "1000",
    "--annual-rate",
    "12",
    "--installments",
    "12",
    "--frequency",
    "monthly",
    "--method",
    "declining-balance",
    "--disbursed",
    "2026-01-15",
];

#[test]
fn table_for_people() {
    let run = kiva(TEXTBOOK);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "    #  date        principal  interest    total  balance"
    );
    assert_eq!(
        lines[2],
        "    1  2026-02-15      78.85     10.00    88.85   921.15"
    );
    assert_eq!(
        lines[13],
        "   12  2027-01-15      87.96      0.88    88.84     0.00"
    );
    assert_eq!(lines[15], "total                1000.00     66.19  1066.19");
    assert_eq!(lines.len(), 16);
}

#[test]
fn json_is_the_drafts_schedule_array() {
    let mut args = TEXTBOOK.to_vec();
    args.extend([
        "--format",
        "json",
        "--installments",
        "3",
        "--method",
        "flat",
        "--disbursed",
        "2026-01-31",
    ]);
    let run = kiva(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        value,
        json!([
            {"date": "2026-02-28", "principal": 333.33, "interest": 10},
            {"date": "2026-03-31", "principal": 333.33, "interest": 10},
            {"date": "2026-04-30", "principal": 333.34, "interest": 10}
        ])
    );
}

#[test]
fn csv_in_a_zero_decimal_currency() {
    let run = kiva(&[
        "schedule",
        "--amount",
        "1500000",
        "--annual-rate",
        "30",
        "--installments",
        "4",
        "--frequency",
        "weekly",
        "--method",
        "declining-balance",
        "--disbursed",
        "2026-01-15",
        "--currency",
        "UGX",
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "installment,date,principal,interest,total,balance\n\
         1,2026-01-22,371770,8654,380424,1128230\n\
         2,2026-01-29,373915,6509,380424,754315\n\
         3,2026-02-05,376072,4352,380424,378243\n\
         4,2026-02-12,378243,2182,380425,0\n"
    );
}

#[test]
fn bad_terms_are_usage_errors() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--installments", "0"],
            "installments must be at least 1 (got 0)",
        ),
        (
            &["--annual-rate", "-5"],
            "annual interest rate must not be negative (got -5)",
        ),
        (
            &["--frequency", "fortnightly"],
            "unknown frequency 'fortnightly' (expected weekly, biweekly, every-N-days, semi-monthly, monthly, every-N-months, quarterly)",
        ),
        (
            &["--first-due", "2026-01-10"],
            "first due date 2026-01-10 is on or before the disbursal date 2026-01-15",
        ),
        (
            &["--currency", "XYZ"],
            "--currency: 'XYZ' is not an ISO 4217 currency code",
        ),
        (
            &["--disbursed", "15/01/2026"],
            "--disbursed: '15/01/2026' is not a date (expected yyyy-mm-dd)",
        ),
    ];
    for (extra, message) in cases {
        let mut args = TEXTBOOK.to_vec();
        args.extend_from_slice(extra);
        let run = kiva(&args);
        assert_eq!(run.code, 2, "{extra:?}");
        assert_eq!(
            run.stderr,
            format!("kiva-drafts: error: {message}\n"),
            "{extra:?}"
        );
        assert_eq!(run.stdout, "");
    }
}

#[test]
fn terms_only_sample_converts_with_generated_schedules() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drafts");
    let run = kiva(&[
        "convert",
        "samples/terms/loans.csv",
        "-t",
        "templates/terms.toml",
        "-o",
        &arg(&out),
        "-q",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let got = drafts(&out);
    let golden = drafts(&root().join("tests/golden/terms"));
    assert_eq!(got, golden);
    let lengths: Vec<usize> = got
        .values()
        .map(|d| d["schedule"].as_array().unwrap().len())
        .collect();
    assert_eq!(lengths, vec![12, 16, 6, 10, 4]);
    // 1,200,000 UGX, 30 %/year, 12 monthly: PMT = 116,985 (1,200,000 x 0.025 / (1 - 1.025^-12)).
    assert_eq!(
        got["UG-24001.json"]["schedule"][0],
        json!({"date": "2026-02-05", "principal": 86985, "interest": 30000})
    );
    // Two grace installments pay interest only.
    assert_eq!(got["UG-24004.json"]["schedule"][1]["principal"], 0);
    // The given first repayment date anchors the monthly dates.
    assert_eq!(got["UG-24003.json"]["schedule"][1]["date"], "2026-03-28");
    assert_eq!(summary(&out)["totals"], json!({"UGX": 6_850_000}));
}

#[test]
fn bad_terms_in_an_export_name_their_cell() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drafts");
    let run = kiva(&[
        "convert",
        "tests/fixtures/bad-terms.csv",
        "-t",
        "templates/terms.toml",
        "-o",
        &arg(&out),
        "-q",
    ]);
    assert_eq!(run.code, 1);
    let f = "tests/fixtures/bad-terms.csv";
    assert_eq!(
        run.stderr,
        format!(
            "kiva-drafts: error: loan 'B-1': {f}, row 2, column 'Installments': the schedule cannot be generated: installments must be at least 1 (got 0)\n\
             kiva-drafts: error: loan 'B-2': {f}, row 3, column 'Rate (% p.a.)': the schedule cannot be generated: annual interest rate must not be negative (got -3)\n\
             kiva-drafts: error: loan 'B-3': {f}, row 4, column 'Frequency': 'Daily' is not in the value map of frequency (known: Fortnightly, Monthly, Quarterly, Weekly)\n\
             kiva-drafts: error: loan 'B-4': {f}, row 5, column 'First Repayment': the schedule cannot be generated: first due date 2026-01-01 is on or before the disbursal date 2026-01-05\n\
             kiva-drafts: error: loan 'B-5': {f}, row 6, column 'Grace': the schedule cannot be generated: grace period (6 installments) must be shorter than the loan (6 installments)\n"
        )
    );
    assert_eq!(drafts(&out).keys().collect::<Vec<_>>(), vec!["B-6.json"]);
}
