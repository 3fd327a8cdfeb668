//! The bundled samples, in every format, convert to the golden drafts in
//! `tests/golden/<shape>/`. Set `KIVA_UPDATE_GOLDEN=1` to rewrite the golden files
//! after a deliberate change, then review the diff.

mod common;

use std::path::Path;

use common::{arg, drafts, kiva, root, summary};
use rust_decimal::Decimal;
use serde_json::json;

fn convert(inputs: &[&str], template: &str, out: &Path) -> common::Run {
    let mut args = vec!["convert"];
    args.extend_from_slice(inputs);
    let out = arg(out);
    args.extend_from_slice(&["--template", template, "--out", &out]);
    kiva(&args)
}

/// Converts and compares every draft with the golden folder.
fn check_golden(golden: &str, inputs: &[&str], template: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drafts");
    let run = convert(inputs, template, &out);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    let got = drafts(&out);
    let golden_dir = root().join("tests/golden").join(golden);
    if std::env::var_os("KIVA_UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&golden_dir);
        std::fs::create_dir_all(&golden_dir).unwrap();
        for name in got.keys() {
            std::fs::copy(out.join(name), golden_dir.join(name)).unwrap();
        }
    }
    let want = drafts(&golden_dir);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "draft files of {inputs:?}"
    );
    for (name, value) in &want {
        assert_eq!(&got[name], value, "{name} from {inputs:?}");
    }
    summary(&out)
}

fn counts(summary: &serde_json::Value) -> serde_json::Value {
    json!({
        "loans": summary["loans"],
        "individual": summary["individual"],
        "group": summary["group"],
        "borrowers": summary["borrowers"],
        "totals": summary["totals"],
        "rows": summary["rows"],
    })
}

#[test]
fn per_loan_xlsx_and_csv_pair() {
    let s = check_golden(
        "per-loan",
        &["samples/per-loan/loans.xlsx"],
        "templates/per-loan.toml",
    );
    assert_eq!(
        counts(&s),
        json!({"loans": 6, "individual": 6, "group": 0, "borrowers": 6,
               "totals": {"USD": 7205.75}, "rows": {"read": 64, "used": 63, "ignored": 1, "blank": 0}})
    );
    assert_eq!(s["inputs"][0]["header_row"], 4);
    assert_eq!(
        s["ignored_rows"],
        json!([{"file": "samples/per-loan/loans.xlsx", "sheet": "Loans", "row": 11, "reason": "totals row"}])
    );
    let s = check_golden(
        "per-loan",
        &[
            "samples/per-loan/loans.csv",
            "samples/per-loan/schedule.csv",
        ],
        "templates/per-loan.toml",
    );
    assert_eq!(
        s["rows"],
        json!({"read": 63, "used": 63, "ignored": 0, "blank": 0})
    );
}

#[test]
fn spanish_windows_1252_pair_keeps_accents() {
    let s = check_golden(
        "es",
        &["samples/es/prestamos.csv", "samples/es/cronograma.csv"],
        "templates/es-prestamos.toml",
    );
    assert_eq!(s["inputs"][0]["encoding"], "windows-1252");
    assert_eq!(s["inputs"][0]["delimiter"], ";");
    assert_eq!(s["totals"], json!({"PEN": 20001.25}));
    let golden = drafts(&root().join("tests/golden/es"));
    let names: Vec<String> = golden
        .values()
        .map(|d| d["entreps"][0]["last_name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"Ibáñez Peña".to_string()), "{names:?}");
    assert!(names.contains(&"Nuñez Quispe".to_string()), "{names:?}");
    assert!(
        golden
            .values()
            .any(|d| d["loanuse"].as_str().unwrap().contains("Código"))
    );
}

#[test]
fn per_borrower_groups_xlsx_and_csv() {
    for inputs in [
        vec!["samples/per-borrower/borrowers.xlsx"],
        vec![
            "samples/per-borrower/borrowers.csv",
            "samples/per-borrower/schedule.csv",
        ],
    ] {
        let s = check_golden("per-borrower", &inputs, "templates/per-borrower.toml");
        assert_eq!(
            counts(&s),
            json!({"loans": 5, "individual": 2, "group": 3, "borrowers": 14,
                   "totals": {"UGX": 19_600_000}, "rows": {"read": 102, "used": 102, "ignored": 0, "blank": 0}})
        );
    }
    let golden = drafts(&root().join("tests/golden/per-borrower"));
    let group = &golden["G-0112.json"];
    // The last member comes after an individual's row in the export; source order kept.
    assert_eq!(group["entreps"].as_array().unwrap().len(), 4);
    assert_eq!(group["not_pictured"].as_array().unwrap().len(), 4);
    let individual = &golden["L-559001.json"];
    for field in [
        "group_name",
        "internal_client_id",
        "internal_loan_id",
        "not_pictured",
    ] {
        assert!(
            individual.get(field).is_none(),
            "individual loan carries {field}"
        );
    }
}

#[test]
fn flat_csv_xlsx_and_ods() {
    for input in [
        "samples/flat/echeancier.csv",
        "samples/flat/echeancier.xlsx",
        "samples/flat/echeancier.ods",
    ] {
        let s = check_golden("flat", &[input], "templates/flat.toml");
        assert_eq!(
            counts(&s),
            json!({"loans": 5, "individual": 3, "group": 2, "borrowers": 10,
                   "totals": {"XOF": 3_675_000}, "rows": {"read": 75, "used": 74, "ignored": 1, "blank": 0}})
        );
    }
    // CRLF line ends: rows keep the numbers a text editor shows.
    let s = check_golden(
        "flat",
        &["samples/flat/echeancier.csv"],
        "templates/flat.toml",
    );
    assert_eq!(
        s["drafts"][0]["rows"],
        serde_json::json!([{"file": "samples/flat/echeancier.csv", "from": 2, "to": 9}])
    );
    assert_eq!(s["ignored_rows"][0]["row"], 76);
    assert_eq!(s["ignored_rows"][0]["reason"], "totals row");
}

#[test]
fn jlg_members_with_own_accounts_in_every_format() {
    for input in [
        "samples/jlg/repayments.csv",
        "samples/jlg/repayments.xlsx",
        "samples/jlg/repayments.xls",
        "samples/jlg/repayments.ods",
    ] {
        let s = check_golden("jlg", &[input], "templates/jlg.toml");
        assert_eq!(
            counts(&s),
            json!({"loans": 12, "individual": 4, "group": 8, "borrowers": 41,
                   "totals": {"KES": 1_072_000}, "rows": {"read": 483, "used": 482, "ignored": 1, "blank": 0}}),
            "{input}"
        );
        assert_eq!(s["ignored_rows"][0]["row"], 488);
        assert_eq!(s["ignored_rows"][0]["reason"], "totals row");
    }
    // Worked out again here from the CSV's rows, independently of the converter: a
    // group loan is a group id and disbursal date, its schedule the members' sums.
    let golden = drafts(&root().join("tests/golden/jlg"));
    let expected = jlg_loans_from_csv();
    assert_eq!(golden.len(), expected.len());
    for (name, draft) in &golden {
        let accounts: Vec<String> = draft["entreps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["loan_id"].as_str().unwrap().to_string())
            .collect();
        let want = expected
            .iter()
            .find(|l| l.accounts == accounts)
            .unwrap_or_else(|| panic!("{name}: no loan of the CSV has the accounts {accounts:?}"));
        let schedule: Vec<(String, Decimal, Decimal)> = draft["schedule"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["date"].as_str().unwrap().to_string(),
                    dec(&i["principal"]),
                    dec(&i["interest"]),
                )
            })
            .collect();
        assert_eq!(schedule, want.schedule, "{name}");
        let amounts: Vec<Decimal> = draft["entreps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| dec(&e["amount"]))
            .collect();
        assert_eq!(amounts, want.amounts, "{name}");
        let group = accounts.len() > 1;
        assert_eq!(draft.get("group_name").is_some(), group, "{name}");
        if group {
            assert_eq!(draft["group_name"], want.group_name.as_str(), "{name}");
            assert_eq!(draft["internal_loan_id"], accounts.join(", "), "{name}");
            assert_eq!(
                draft["not_pictured"].as_array().unwrap().len(),
                accounts.len()
            );
        }
    }
    // The member whose rounding remainder is on her first installment: the group's
    // first and last installments differ from the others.
    let first = &golden["GRP-0207_2026-02-10.json"]["schedule"];
    assert_eq!(first.as_array().unwrap().len(), 12);
    assert_ne!(first[0]["principal"], first[1]["principal"]);
}

fn dec(v: &serde_json::Value) -> Decimal {
    Decimal::from_str_exact(&v.to_string()).unwrap()
}

/// A loan of the JLG sample as its rows say.
struct CsvLoan {
    key: String,
    accounts: Vec<String>,
    amounts: Vec<Decimal>,
    group_name: String,
    /// Principal and interest per ISO due date.
    by_date: std::collections::BTreeMap<String, (Decimal, Decimal)>,
    schedule: Vec<(String, Decimal, Decimal)>,
}

/// The JLG sample's loans read with the csv crate: rows with a group id form a loan per
/// group id and disbursal date, the others a loan per account; installments summed per
/// due date (dates as `dd Month yyyy`, English).
fn jlg_loans_from_csv() -> Vec<CsvLoan> {
    let text = std::fs::read_to_string(root().join("samples/jlg/repayments.csv")).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let header = rows
        .iter()
        .position(|r| r.get(0) == Some("Office"))
        .unwrap();
    let col = |name: &str| rows[header].iter().position(|h| h == name).unwrap();
    let (group, gname, account, disbursed, amount, due, principal, interest) = (
        col("Group External Id"),
        col("Group Name"),
        col("Loan Account No"),
        col("Disbursement Date"),
        col("Principal Disbursed"),
        col("Due Date"),
        col("Principal Due"),
        col("Interest Due"),
    );
    let iso = |text: &str| {
        chrono::NaiveDate::parse_from_str(text, "%d %B %Y")
            .unwrap()
            .format("%Y-%m-%d")
            .to_string()
    };
    let mut loans: Vec<CsvLoan> = Vec::new();
    for row in &rows[header + 1..] {
        if row.get(0) == Some("Total") {
            continue;
        }
        let key = if row[group].is_empty() {
            row[account].to_string()
        } else {
            format!("{} {}", &row[group], &row[disbursed])
        };
        let at = loans.iter().position(|l| l.key == key).unwrap_or_else(|| {
            loans.push(CsvLoan {
                key: key.clone(),
                accounts: Vec::new(),
                amounts: Vec::new(),
                group_name: row[gname].to_string(),
                by_date: std::collections::BTreeMap::new(),
                schedule: Vec::new(),
            });
            loans.len() - 1
        });
        let loan = &mut loans[at];
        if !loan.accounts.iter().any(|a| a == &row[account]) {
            loan.accounts.push(row[account].to_string());
            loan.amounts.push(row[amount].parse().unwrap());
        }
        let slot = loan.by_date.entry(iso(&row[due])).or_default();
        slot.0 += row[principal].parse::<Decimal>().unwrap();
        slot.1 += row[interest].parse::<Decimal>().unwrap();
    }
    for loan in &mut loans {
        loan.schedule = std::mem::take(&mut loan.by_date)
            .into_iter()
            .map(|(d, (p, i))| (d, p, i))
            .collect();
    }
    loans
}

#[test]
fn wide_csv_xlsx_and_xls_with_merged_headers() {
    for input in [
        "samples/wide/emprestimos.csv",
        "samples/wide/emprestimos.xlsx",
        "samples/wide/emprestimos.xls",
    ] {
        let s = check_golden("wide", &[input], "templates/wide.toml");
        assert_eq!(
            counts(&s),
            json!({"loans": 5, "individual": 5, "group": 0, "borrowers": 5,
                   "totals": {"MZN": 128_250.5}, "rows": {"read": 6, "used": 5, "ignored": 1, "blank": 0}})
        );
    }
    let golden = drafts(&root().join("tests/golden/wide"));
    let lengths: Vec<usize> = golden
        .values()
        .map(|d| d["schedule"].as_array().unwrap().len())
        .collect();
    assert_eq!(lengths, vec![6, 4, 6, 5, 4]);
}

#[test]
fn every_golden_schedule_sums_to_the_loan_amount() {
    for shape in ["per-loan", "es", "per-borrower", "flat", "wide", "jlg"] {
        for (name, draft) in drafts(&root().join("tests/golden").join(shape)) {
            let cents = |v: &serde_json::Value| {
                rust_decimal::Decimal::from_str_exact(&v.to_string()).unwrap()
            };
            let amount: rust_decimal::Decimal = draft["entreps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| cents(&e["amount"]))
                .sum();
            let principal: rust_decimal::Decimal = draft["schedule"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| cents(&i["principal"]))
                .sum();
            assert_eq!(amount, principal, "{shape}/{name}");
        }
    }
}

#[test]
fn rerun_replaces_its_own_drafts_and_refuses_foreign_folders() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drafts");
    assert_eq!(
        convert(
            &["samples/wide/emprestimos.csv"],
            "templates/wide.toml",
            &out
        )
        .code,
        0
    );
    // A stale draft from the previous run is removed on the next one.
    let summary_path = out.join("summary.json");
    let mut s = summary(&out);
    s["drafts"]
        .as_array_mut()
        .unwrap()
        .push(json!({"file": "OLD-1.json"}));
    std::fs::write(&summary_path, s.to_string()).unwrap();
    std::fs::write(out.join("OLD-1.json"), "{}").unwrap();
    assert_eq!(
        convert(
            &["samples/wide/emprestimos.csv"],
            "templates/wide.toml",
            &out
        )
        .code,
        0
    );
    assert!(!out.join("OLD-1.json").exists());
    assert_eq!(drafts(&out).len(), 5);

    let foreign = dir.path().join("mine");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "keep me").unwrap();
    let run = convert(
        &["samples/wide/emprestimos.csv"],
        "templates/wide.toml",
        &foreign,
    );
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!(
            "kiva-drafts: error: {}: the folder is not empty and was not written by kiva-drafts; choose another --out or pass --force\n",
            foreign.display()
        )
    );
    let forced = kiva(&[
        "convert",
        "samples/wide/emprestimos.csv",
        "-t",
        "templates/wide.toml",
        "-o",
        &arg(&foreign),
        "--force",
        "--quiet",
    ]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(foreign.join("notes.txt").exists());
    assert_eq!(forced.stdout, "");
}
