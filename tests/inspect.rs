//! `inspect` on every bundled sample and on small fixtures in four languages: the
//! inferred shape, keys and key mappings (from `--json`, parsed back), exact lines of
//! the human report, an 80-column limit, and above all that the starter template it
//! writes converts each sample to the same drafts as the hand-written template, with
//! only the documented edits that no inference could make.

mod common;

use std::path::Path;

use common::{arg, drafts, kiva};
use kiva_drafts::template::Template;
use serde_json::{Value, json};

/// Runs `inspect` with `args`; asserts success.
fn inspect(args: &[&str]) -> common::Run {
    let mut all = vec!["inspect"];
    all.extend_from_slice(args);
    let run = kiva(&all);
    assert_eq!(run.code, 0, "inspect {args:?}: {}", run.stderr);
    run
}

fn inspect_json(inputs: &[&str]) -> Value {
    let mut args = inputs.to_vec();
    args.push("--json");
    serde_json::from_str(&inspect(&args).stdout).expect("--json prints JSON")
}

/// The mapping of one template field in the JSON report.
fn field<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["export"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == name)
        .unwrap_or_else(|| panic!("no mapping for {name}"))
}

fn convert(inputs: &[&str], template: &str, out: &Path) -> common::Run {
    let mut args = vec!["convert"];
    args.extend_from_slice(inputs);
    let out = arg(out);
    args.extend_from_slice(&["--template", template, "--out", &out, "--quiet"]);
    kiva(&args)
}

/// Inspects `inputs`, writes the starter template, applies `edits` (each `from` must
/// occur exactly once), converts with it and with the hand-written `template`, and
/// compares every draft.
fn converts_like(inputs: &[&str], template: &str, edits: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let generated = dir.path().join("starter.toml");
    let mut args = inputs.to_vec();
    let generated_arg = arg(&generated);
    args.extend_from_slice(&["--write-template", &generated_arg]);
    inspect(&args);
    let mut text = std::fs::read_to_string(&generated).unwrap();
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "edit '{from}' in:\n{text}");
        text = text.replace(from, to);
    }
    Template::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    std::fs::write(&generated, &text).unwrap();

    let hand = convert(inputs, template, &dir.path().join("hand"));
    assert_eq!(hand.code, 0, "hand-written template: {}", hand.stderr);
    let starter = convert(inputs, &generated_arg, &dir.path().join("starter"));
    assert_eq!(
        starter.code, 0,
        "starter template of {inputs:?}: {}\n{text}",
        starter.stderr
    );
    let want = drafts(&dir.path().join("hand"));
    let got = drafts(&dir.path().join("starter"));
    assert!(!want.is_empty());
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "draft files of {inputs:?}"
    );
    for (name, value) in &want {
        assert_eq!(&got[name], value, "{name} from {inputs:?}");
    }
}

// The documented edits. Each sample below that needs one has no currency column, no
// currency code in any header ('Montant', 'Valor do empréstimo', 'Amount'), none
// around its amounts ('450 000', '25000.00', '1,200,000') and none in its title rows.
// French-speaking West Africa (XOF) and Central Africa (XAF) write amounts alike; so
// do Mozambique (MZN), Angola (AOA) and Brazil (BRL); a shilling amount could be UGX,
// KES or TZS. inspect therefore writes `currency = { value = "TODO" }` (which convert
// refuses with "'TODO' is not an ISO 4217 currency code"), and the edit names it.
const XOF: (&str, &str) = (
    "currency = { value = \"TODO\" }",
    "currency = { value = \"XOF\" }",
);
const MZN: (&str, &str) = (
    "currency = { value = \"TODO\" }",
    "currency = { value = \"MZN\" }",
);
const UGX: (&str, &str) = (
    "currency = { value = \"TODO\" }",
    "currency = { value = \"UGX\" }",
);

#[test]
fn per_loan_workbook_converts_without_edits() {
    converts_like(
        &["samples/per-loan/loans.xlsx"],
        "templates/per-loan.toml",
        &[],
    );
}

#[test]
fn per_loan_csv_pair_converts_without_edits() {
    converts_like(
        &[
            "samples/per-loan/loans.csv",
            "samples/per-loan/schedule.csv",
        ],
        "templates/per-loan.toml",
        &[],
    );
}

#[test]
fn spanish_windows_1252_pair_converts_without_edits() {
    converts_like(
        &["samples/es/prestamos.csv", "samples/es/cronograma.csv"],
        "templates/es-prestamos.toml",
        &[],
    );
}

#[test]
fn per_borrower_workbook_and_csv_pair_convert_without_edits() {
    // "Amount (UGX)" names the currency.
    converts_like(
        &["samples/per-borrower/borrowers.xlsx"],
        "templates/per-borrower.toml",
        &[],
    );
    converts_like(
        &[
            "samples/per-borrower/borrowers.csv",
            "samples/per-borrower/schedule.csv",
        ],
        "templates/per-borrower.toml",
        &[],
    );
}

#[test]
fn jlg_members_with_own_accounts_convert_without_edits_in_every_format() {
    // One row per member per installment, each member with her own account: the
    // starter template groups members by group and disbursal date, unedited.
    for file in [
        "samples/jlg/repayments.csv",
        "samples/jlg/repayments.xlsx",
        "samples/jlg/repayments.xls",
        "samples/jlg/repayments.ods",
    ] {
        converts_like(&[file], "templates/jlg.toml", &[]);
    }
}

#[test]
fn jlg_report_explains_the_member_accounts() {
    for file in ["samples/jlg/repayments.csv", "samples/jlg/repayments.xlsx"] {
        let r = inspect_json(&[file]);
        let e = &r["export"];
        assert_eq!(e["shape"], "flat", "{file}");
        assert_eq!(e["group_loans"], true);
        assert_eq!(e["loans"], 12, "8 group loans and 4 individual loans");
        assert_eq!(
            e["keys"],
            json!({"loan": "Loan Account No", "group": "Group External Id",
                   "group_also": ["Disbursement Date"], "borrower": "Loan Account No"})
        );
        let reasons = e["reasons"].to_string();
        for evidence in [
            "'Group External Id' is filled on 444 rows and empty on 38",
            "'GRP-0207' has 5",
            "'GRP-0213' has 2 loan cycles",
            "the rows without 'Group External Id' are individual loans",
            "'Product' says 'Group Loan' on the group rows, 'Business Loan' on the others",
        ] {
            assert!(reasons.contains(evidence), "{evidence} in {reasons}");
        }
        assert_eq!(field(&r, "loan.internal_loan_id")["members"], "loan_id");
        assert_eq!(field(&r, "borrower.loan_id")["column"], "Loan Account No");
        assert_eq!(
            field(&r, "borrower.amount")["column"],
            "Principal Disbursed"
        );
        assert_eq!(field(&r, "loan.group_name")["column"], "Group Name");
    }
}

#[test]
fn flat_exports_convert_with_the_currency_named() {
    for file in [
        "samples/flat/echeancier.csv",
        "samples/flat/echeancier.xlsx",
        "samples/flat/echeancier.ods",
    ] {
        converts_like(&[file], "templates/flat.toml", &[XOF]);
    }
}

#[test]
fn wide_exports_convert_with_the_currency_named() {
    for file in [
        "samples/wide/emprestimos.csv",
        "samples/wide/emprestimos.xlsx",
        "samples/wide/emprestimos.xls",
    ] {
        converts_like(&[file], "templates/wide.toml", &[MZN]);
    }
}

#[test]
fn terms_export_converts_with_the_currency_named() {
    converts_like(&["samples/terms/loans.csv"], "templates/terms.toml", &[UGX]);
}

#[test]
fn per_loan_workbook_report() {
    let r = inspect_json(&["samples/per-loan/loans.xlsx"]);
    let e = &r["export"];
    assert_eq!(e["shape"], "per-loan");
    assert_eq!(e["schedule"], "sheet");
    assert_eq!(e["loans"], 6);
    assert_eq!(
        e["keys"],
        json!({"loan": "Loan Account No", "group": null, "borrower": null})
    );
    assert_eq!(e["inputs"][0]["sheet"], "Loans");
    assert_eq!(e["inputs"][0]["header_row"], 4);
    assert_eq!(e["schedule_input"]["sheet"], "Schedule");
    assert_eq!(e["schedule_input"]["key"], "Loan Account No");
    assert_eq!(field(&r, "keys.loan")["column"], "Loan Account No");
    assert_eq!(field(&r, "borrower.loan_id")["column"], "Loan Account No");
    assert_eq!(field(&r, "loan.currency")["column"], "Currency");
    assert_eq!(
        field(&r, "borrower.gender")["map"],
        json!([{"from": "F", "to": "female"}, {"from": "M", "to": "male"}])
    );
    assert_eq!(field(&r, "borrower.name")["split"], "given-family");
    // Workbook date cells need no format.
    assert_eq!(field(&r, "loan.disburse_time").get("format"), None);
    let loans = &r["files"][0]["sheets"][0];
    assert_eq!(loans["role"], "loans");
    assert_eq!(loans["size"], json!({"rows": 11, "columns": 9}));
    assert_eq!(
        loans["preamble"],
        json!([
            "Active loans - Kiva portfolio",
            "Exported 2026-11-02 08:14 by Fineract"
        ])
    );
    assert_eq!(
        loans["totals_rows"],
        json!([{"row": 11, "cells": "Total | 7205.75"}])
    );
    assert_eq!(
        loans["columns"][0],
        json!({"letter": "A", "header": "Loan Account No", "type": "id", "filled": 6,
               "fill_rate": 100, "distinct": 6, "samples": ["000245", "000251", "000263"],
               "field": "keys.loan"})
    );
    assert_eq!(loans["columns"][4]["type"], "money");
    assert_eq!(r["files"][0]["sheets"][1]["role"], "schedule");
    // The activity names are not Kiva ids: a to-do, not a mapping.
    let todo = e["todo"].as_array().unwrap();
    let activity = todo
        .iter()
        .find(|t| t["field"] == "loan.activity_id")
        .unwrap();
    assert!(
        activity["why"]
            .as_str()
            .unwrap()
            .contains("'Activity' holds names")
    );
}

#[test]
fn per_loan_human_report_lines() {
    let out = inspect(&["samples/per-loan/loans.xlsx"]).stdout;
    let lines: Vec<&str> = out.lines().collect();
    for expected in [
        "samples/per-loan/loans.xlsx: xlsx, 2 sheets",
        "  Loans: 11 rows x 9 columns",
        "  Schedule: 58 rows x 5 columns",
        "Sheet Loans (loans)",
        "  title rows: Active loans - Kiva portfolio",
        "              Exported 2026-11-02 08:14 by Fineract",
        "  header: row 4; data: 6 rows (5-10)",
        "  totals row 11: Total | 7205.75",
        "  col header               type   fill   dist  samples",
        "  A   Loan Account No      id     100%      6  000245, 000251, 000263",
        "  D   Gender               text   100%      2  F, M",
        "  E   Loan Amount          money  100%      6  1200, 850.5, 1500",
        "Sheet Schedule (schedule)",
        "  header: row 1; data: 57 rows (2-58)",
        "Export: per-loan, schedule in sheet Schedule; 6 loans",
        "  - 'Loan Account No' is unique on each of the 6 data rows: one row per loan.",
        "  - Sheet Schedule has 57 rows keyed by 'Loan Account No' (up to 12 per loan)",
        "  keys: loan 'Loan Account No', schedule 'Loan Account No'",
        "  borrower.gender = 'Gender', map F=female M=male",
        "      header 'Gender'; values F = female, M = male",
        "  loan.disburse_time = 'Disbursement Date'",
        "      header 'Disbursement Date'; date cells (no format needed)",
        "Write a starter template with --write-template OUT.toml, then:",
        "  kiva-drafts convert samples/per-loan/loans.xlsx --template TEMPLATE.toml --out",
    ] {
        assert!(
            lines.contains(&expected),
            "missing line {expected:?} in:\n{out}"
        );
    }
}

#[test]
fn every_sample_report_fits_80_columns() {
    let samples: [&[&str]; 14] = [
        &["samples/jlg/repayments.csv"],
        &["samples/jlg/repayments.xlsx"],
        &["samples/per-loan/loans.xlsx"],
        &[
            "samples/per-loan/loans.csv",
            "samples/per-loan/schedule.csv",
        ],
        &["samples/es/prestamos.csv", "samples/es/cronograma.csv"],
        &["samples/per-borrower/borrowers.xlsx"],
        &[
            "samples/per-borrower/borrowers.csv",
            "samples/per-borrower/schedule.csv",
        ],
        &["samples/flat/echeancier.csv"],
        &["samples/flat/echeancier.xlsx"],
        &["samples/flat/echeancier.ods"],
        &["samples/wide/emprestimos.csv"],
        &["samples/wide/emprestimos.xlsx"],
        &["samples/wide/emprestimos.xls"],
        &["samples/terms/loans.csv"],
    ];
    for inputs in samples {
        let out = inspect(inputs).stdout;
        for line in out.lines() {
            assert!(
                line.chars().count() <= 80,
                "{inputs:?}: {} characters: {line}",
                line.chars().count()
            );
        }
    }
}

#[test]
fn spanish_pair_report() {
    let r = inspect_json(&["samples/es/prestamos.csv", "samples/es/cronograma.csv"]);
    let e = &r["export"];
    assert_eq!(
        (&e["shape"], &e["schedule"]),
        (&json!("per-loan"), &json!("file"))
    );
    assert_eq!(e["keys"]["loan"], "Nº Préstamo");
    assert_eq!(e["schedule_input"]["key"], "Nº Préstamo");
    assert_eq!(e["inputs"][0]["encoding"], "windows-1252");
    assert_eq!(e["inputs"][0]["delimiter"], ";");
    assert_eq!(e["inputs"][0]["decimal"], ",");
    assert_eq!(e["schedule_input"]["decimal"], ",");
    assert_eq!(r["files"][0]["encoding"], "windows-1252");
    assert_eq!(field(&r, "borrower.first_name")["column"], "Nombres");
    assert_eq!(field(&r, "borrower.last_name")["column"], "Apellidos");
    assert_eq!(field(&r, "borrower.amount")["column"], "Monto");
    assert_eq!(
        field(&r, "loan.disburse_time")["column"],
        "Fecha de desembolso"
    );
    assert_eq!(field(&r, "loan.disburse_time")["format"], "dd/mm/yyyy");
    assert_eq!(field(&r, "schedule.interest")["column"], "Interés");
    assert_eq!(
        field(&r, "borrower.gender")["map"],
        json!([{"from": "Mujer", "to": "female"}, {"from": "Hombre", "to": "male"}])
    );
}

#[test]
fn per_borrower_report() {
    let r = inspect_json(&["samples/per-borrower/borrowers.xlsx"]);
    let e = &r["export"];
    assert_eq!(e["shape"], "per-borrower");
    assert_eq!(e["group_loans"], true);
    assert_eq!(e["loans"], 5);
    assert_eq!(
        e["keys"],
        json!({"loan": "Loan No", "group": "Group ID", "borrower": "Client No"})
    );
    assert_eq!(e["schedule_input"]["key"], "Loan No");
    assert!(
        e["reasons"][0]
            .as_str()
            .unwrap()
            .contains("'Group ID' is shared by up to 5 rows (3 groups)")
    );
    assert_eq!(
        field(&r, "loan.currency")["value"],
        "UGX",
        "'Amount (UGX)' names the currency"
    );
    assert_eq!(field(&r, "loan.loanuse")["combine"], "join");
    assert_eq!(field(&r, "loan.internal_loan_id")["members"], "loan_id");
    assert_eq!(field(&r, "loan.internal_client_id")["members"], "client_id");
    assert_eq!(
        field(&r, "borrower.not_pictured")["map"],
        json!([{"from": "Yes", "to": false}, {"from": "No", "to": true}])
    );
}

#[test]
fn flat_french_reports() {
    for (file, format) in [
        ("samples/flat/echeancier.csv", Some("dd/mm/yyyy")),
        ("samples/flat/echeancier.xlsx", None),
        ("samples/flat/echeancier.ods", None),
    ] {
        let r = inspect_json(&[file]);
        let e = &r["export"];
        assert_eq!(
            (&e["shape"], &e["schedule"]),
            (&json!("flat"), &json!("rows")),
            "{file}"
        );
        assert_eq!(
            e["keys"],
            json!({"loan": "N° Prêt", "group": null, "borrower": "Code client"}),
            "{file}"
        );
        assert_eq!(e["group_loans"], true);
        let reason = e["reasons"][0].as_str().unwrap();
        assert!(
            reason.starts_with("'N° Prêt' is repeated up to")
                && reason.ends_with("one row per installment."),
            "{reason}"
        );
        assert_eq!(field(&r, "loan.internal_loan_id")["column"], "N° Prêt");
        assert_eq!(field(&r, "loan.group_name")["column"], "Nom du groupe");
        assert_eq!(field(&r, "schedule.date")["column"], "Date d'échéance");
        assert_eq!(
            field(&r, "schedule.date")
                .get("format")
                .and_then(Value::as_str),
            format
        );
        assert_eq!(
            field(&r, "borrower.gender")["map"],
            json!([{"from": "Femme", "to": "female"}, {"from": "Homme", "to": "male"}])
        );
        assert_eq!(field(&r, "loan.currency")["placeholder"], true);
        let sheet = &r["files"][0]["sheets"][0];
        assert_eq!(sheet["totals_rows"].as_array().unwrap().len(), 1, "{file}");
    }
}

#[test]
fn wide_portuguese_reports() {
    for file in [
        "samples/wide/emprestimos.csv",
        "samples/wide/emprestimos.xlsx",
        "samples/wide/emprestimos.xls",
    ] {
        let r = inspect_json(&[file]);
        let e = &r["export"];
        assert_eq!(
            (&e["shape"], &e["schedule"]),
            (&json!("wide"), &json!("columns")),
            "{file}"
        );
        assert_eq!(e["inputs"][0]["header_rows"], 2, "{file}");
        assert_eq!(e["keys"]["loan"], "Nº Empréstimo");
        assert_eq!(field(&r, "schedule.date")["column"], "Prestação {n} Data");
        assert_eq!(
            field(&r, "schedule.principal")["column"],
            "Prestação {n} Capital"
        );
        assert_eq!(
            field(&r, "schedule.interest")["column"],
            "Prestação {n} Juros"
        );
        assert_eq!(
            field(&r, "borrower.amount")["column"],
            "Valor do empréstimo"
        );
        assert_eq!(
            field(&r, "borrower.gender")["map"],
            json!([{"from": "Feminino", "to": "female"}, {"from": "Masculino", "to": "male"}])
        );
    }
}

#[test]
fn terms_report() {
    let r = inspect_json(&["samples/terms/loans.csv"]);
    let e = &r["export"];
    assert_eq!(
        (&e["shape"], &e["schedule"]),
        (&json!("per-loan"), &json!("terms"))
    );
    assert_eq!(field(&r, "terms.annual_rate")["column"], "Rate (% p.a.)");
    assert_eq!(field(&r, "terms.first_due")["format"], "dd/mm/yyyy");
    let frequency = field(&r, "terms.frequency")["map"]
        .as_array()
        .unwrap()
        .clone();
    assert!(frequency.contains(&json!({"from": "Fortnightly", "to": "biweekly"})));
    let method = field(&r, "terms.method")["map"].as_array().unwrap().clone();
    assert!(
        method.contains(
            &json!({"from": "Equal principal", "to": "declining-balance-equal-principal"})
        )
    );
}

#[test]
fn english_wide_single_header_with_month_first_dates() {
    let r = inspect_json(&["tests/fixtures/inspect/wide-en.csv"]);
    let e = &r["export"];
    assert_eq!(e["shape"], "wide");
    assert_eq!(e["inputs"][0]["header_rows"], 1);
    assert_eq!(field(&r, "schedule.date")["column"], "Due Date {n}");
    assert_eq!(field(&r, "schedule.date")["format"], "mm/dd/yyyy");
    assert_eq!(field(&r, "loan.disburse_time")["format"], "mm/dd/yyyy");
    assert_eq!(field(&r, "loan.currency")["value"], "USD");
    // "Client" holds full names, not ids.
    assert_eq!(field(&r, "borrower.name")["column"], "Client");
    // The starter template converts as is.
    let dir = tempfile::tempdir().unwrap();
    let t = arg(&dir.path().join("t.toml"));
    inspect(&["tests/fixtures/inspect/wide-en.csv", "--write-template", &t]);
    let run = convert(
        &["tests/fixtures/inspect/wide-en.csv"],
        &t,
        &dir.path().join("out"),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let got = drafts(&dir.path().join("out"));
    let first = &got["L-1001.json"];
    assert_eq!(first["currency"], "USD");
    assert_eq!(first["disburse_time"], "2026-01-15");
    assert_eq!(
        first["schedule"][2],
        json!({"date": "2026-04-15", "principal": 100, "interest": 2})
    );
    assert_eq!(got["L-1002.json"]["schedule"].as_array().unwrap().len(), 2);
}

#[test]
fn ambiguous_dates_are_a_todo_with_both_formats() {
    // Spanish, Windows-1252, decimal comma, H/M genders, every date ambiguous.
    let file = "tests/fixtures/inspect/ambiguo.csv";
    let r = inspect_json(&[file]);
    let e = &r["export"];
    assert_eq!(e["shape"], "per-loan");
    assert_eq!(e["keys"]["loan"], "Nº Crédito");
    assert_eq!(e["inputs"][0]["header_row"], 2);
    assert_eq!(e["inputs"][0]["decimal"], ",");
    let date = field(&r, "loan.disburse_time");
    assert_eq!(date.get("format"), None, "never guessed");
    assert_eq!(
        date["todo"],
        "add format = \"dd/mm/yyyy\" or format = \"mm/dd/yyyy\""
    );
    assert_eq!(
        field(&r, "borrower.gender")["map"],
        json!([{"from": "M", "to": "female"}, {"from": "H", "to": "male"}]),
        "H/M is Hombre/Mujer"
    );
    assert_eq!(field(&r, "loan.currency")["value"], "PEN");
    assert_eq!(field(&r, "borrower.name")["column"], "Nombre completo");
    assert!(
        e["warnings"][0]
            .as_str()
            .unwrap()
            .contains("no repayment schedule found")
    );
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.toml");
    inspect(&[file, "--write-template", &arg(&t)]);
    let text = std::fs::read_to_string(&t).unwrap();
    assert!(text.contains(
        "# TODO: add format = \"dd/mm/yyyy\" or format = \"mm/dd/yyyy\"\ndisburse_time = \"Fecha desembolso\"\n"
    ), "{text}");
    Template::parse(&text).unwrap();
}

#[test]
fn french_groups_with_a_schedule_file_convert_without_edits() {
    let inputs = [
        "tests/fixtures/inspect/groupes.csv",
        "tests/fixtures/inspect/echeances.csv",
    ];
    let r = inspect_json(&inputs);
    let e = &r["export"];
    assert_eq!(
        (&e["shape"], &e["schedule"]),
        (&json!("per-borrower"), &json!("file"))
    );
    assert_eq!(
        e["keys"],
        json!({"loan": "N° Prêt", "group": "Code groupe", "borrower": "Code client"})
    );
    assert_eq!(e["inputs"][0]["header_row"], 3);
    assert_eq!(field(&r, "loan.currency")["value"], "XOF");
    assert_eq!(field(&r, "loan.disburse_time")["format"], "dd.mm.yyyy");
    assert_eq!(field(&r, "borrower.name")["column"], "Prénom Nom");
    assert_eq!(
        field(&r, "borrower.not_pictured")["map"],
        json!([{"from": "Oui", "to": false}, {"from": "Non", "to": true}])
    );
    let dir = tempfile::tempdir().unwrap();
    let t = arg(&dir.path().join("t.toml"));
    let mut args = inputs.to_vec();
    args.extend_from_slice(&["--write-template", &t]);
    inspect(&args);
    let run = convert(&inputs, &t, &dir.path().join("out"));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let got = drafts(&dir.path().join("out"));
    let group = &got["GR-01.json"];
    assert_eq!(group["group_name"], "Groupement Espoir");
    assert_eq!(group["not_pictured"], json!([false, true]));
    assert_eq!(group["internal_loan_id"], "P-101, P-102");
    assert_eq!(group["loanuse"], "Achat de tissus; Achat de poisson");
    assert_eq!(
        group["schedule"][0],
        json!({"date": "2026-02-15", "principal": 125_000, "interest": 5000})
    );
    assert_eq!(got["P-103.json"]["entreps"][0]["gender"], "male");
}

#[test]
fn one_sheet_only_and_unreadable_files() {
    let r = inspect_json(&["samples/per-loan/loans.xlsx", "--sheet", "Loans"]);
    assert_eq!(r["files"][0]["sheets"].as_array().unwrap().len(), 1);
    assert_eq!(r["export"]["schedule"], "none");
    let run = kiva(&["inspect", "samples/nope.csv"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "kiva-drafts: error: samples/nope.csv: cannot read: no such file\n"
    );
}

#[test]
fn every_fixture_gets_a_template_that_parses() {
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["tests/fixtures", "tests/fixtures/inspect"] {
        for entry in std::fs::read_dir(common::root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "csv") {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 4);
    let out = tempfile::tempdir().unwrap();
    let t = out.path().join("t.toml");
    for path in files {
        let file = arg(&path);
        let run = kiva(&["inspect", &file, "--write-template", &arg(&t)]);
        if std::fs::metadata(&path).unwrap().len() == 0 {
            assert_eq!(run.code, 2, "{file}");
            continue;
        }
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        Template::parse(&std::fs::read_to_string(&t).unwrap()).unwrap();
    }
}

/// A CSV row with a value past the header's last column (a loan use with a comma in it,
/// not quoted, split in two) is named, in the report and in its JSON, before `convert`
/// fails that row's loan; a delimiter at the end of another line is not.
#[test]
fn rows_with_values_past_the_header_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let loans = std::fs::read_to_string("samples/per-loan/loans.csv").unwrap();
    let quoted = "\"To stock her grocery store with rice, sugar, cooking oil and canned goods.\"";
    let mut lines: Vec<String> = loans
        .replace(
            quoted,
            "To stock her grocery store with rice, sugar and canned goods.",
        )
        .lines()
        .map(str::to_string)
        .collect();
    lines[5].push(',');
    let path = dir.path().join("loans.csv");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let path = path.to_str().unwrap();
    let run = inspect(&[path]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "  values past the header's last column on row 4: a value with ',' in it not\n    quoted, split in two? convert fails these rows' loans\n"
        ),
        "{}",
        run.stdout
    );
    let report = inspect_json(&[path]);
    assert_eq!(
        report["files"][0]["sheets"][0]["rows_past_header"],
        serde_json::json!([4])
    );
    let clean = inspect_json(&["samples/per-loan/loans.csv"]);
    assert!(
        clean["files"][0]["sheets"][0]
            .get("rows_past_header")
            .is_none()
    );
}

/// Rows that look like one cut by line breaks in a loan use that is not quoted are named
/// in the report and its JSON: two short rows whose values add up to one more than the
/// header's columns, or, for a loan use in paragraphs (a blank line between them), a
/// short row, a row holding one value only, and the last part. `convert` fails each
/// part's loan, with the rows in its message.
#[test]
fn a_row_cut_by_line_breaks_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let loans = std::fs::read_to_string("samples/per-loan/loans.csv").unwrap();
    let quoted = "\"To stock her grocery store with rice, sugar, cooking oil and canned goods.\"";
    for (name, broken, rows, text) in [
        (
            "two",
            "To stock her grocery store\nwith rice and canned goods.",
            serde_json::json!([[4, 5]]),
            "  rows 4 and 5 look like one row cut by a line break in a value that is not\n    quoted: quote the value or remove its line breaks (convert fails these rows'\n    loans)\n",
        ),
        (
            "paragraphs",
            "To stock her grocery store\n\nwith rice\nand canned goods.",
            serde_json::json!([[4, 6, 7]]),
            "  rows 4, 6 and 7 look like one row cut by a line break in a value that is not\n    quoted: quote the value or remove its line breaks (convert fails these rows'\n    loans)\n",
        ),
    ] {
        let path = dir.path().join(format!("{name}.csv"));
        std::fs::write(&path, loans.replace(quoted, broken)).unwrap();
        let path = path.to_str().unwrap();
        let run = inspect(&[path]);
        assert!(run.stdout.contains(text), "{name}: {}", run.stdout);
        let report = inspect_json(&[path]);
        assert_eq!(report["files"][0]["sheets"][0]["rows_cut"], rows, "{name}");
        let out = dir.path().join(format!("{name}-drafts"));
        let run = convert(
            &[path, "samples/per-loan/schedule.csv"],
            "templates/per-loan.toml",
            &out,
        );
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        let failed: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.contains("a value that is not quoted"))
            .collect();
        assert_eq!(
            failed.len(),
            rows[0].as_array().unwrap().len(),
            "{name}: {}",
            run.stderr
        );
        assert!(
            failed[0].starts_with("kiva-drafts: error: loan '000263': "),
            "{name}: {}",
            run.stderr
        );
        // The other five loans convert.
        assert_eq!(
            std::fs::read_dir(&out)
                .unwrap()
                .filter(|e| e
                    .as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with("000"))
                .count(),
            5,
            "{name}"
        );
    }
}

/// The header repeated on a new page of a report is named and left out of the data, so
/// that the columns keep their types (amounts, dates) as in the export without it.
#[test]
fn the_header_repeated_on_a_new_page_is_not_data() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("samples/flat/echeancier.csv").unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines[0].trim_start_matches('\u{feff}');
    lines.insert(30, header);
    let path = dir.path().join("paged.csv");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let path = path.to_str().unwrap();
    let run = inspect(&[path]);
    assert!(
        run.stdout.contains(
            "  the header again on row 31 (a report's page breaks?): not data, skipped as\n    convert skips it\n"
        ),
        "{}",
        run.stdout
    );
    let paged = inspect_json(&[path]);
    let plain = inspect_json(&["samples/flat/echeancier.csv"]);
    let sheet = |r: &Value| r["files"][0]["sheets"][0].clone();
    assert_eq!(sheet(&paged)["header_repeated"], serde_json::json!([31]));
    assert_eq!(sheet(&paged)["columns"], sheet(&plain)["columns"]);
}
