//! Group loans whose members each have their own account (`samples/jlg/`, a Fineract
//! JLG repayment-schedule report): the sample's own rows, edited the way real exports go
//! wrong, through the real binary.

mod common;

use std::path::Path;

use common::{arg, drafts, kiva, summary};

const TEMPLATE: &str = "templates/jlg.toml";

/// The sample CSV's lines, as written.
fn sample_lines() -> Vec<String> {
    let text = std::fs::read_to_string(common::root().join("samples/jlg/repayments.csv")).unwrap();
    text.split('\n').map(str::to_string).collect()
}

fn write(dir: &Path, name: &str, lines: &[String]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n")).unwrap();
    arg(&path)
}

fn convert(input: &str, out: &Path) -> common::Run {
    kiva(&["convert", input, "--template", TEMPLATE, "--out", &arg(out)])
}

fn error_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("kiva-drafts: error:"))
        .collect()
}

#[test]
fn group_and_individual_rows_interleaved() {
    // In the sample, individual account 000104203 sits between two members of
    // GRP-0207, and GRP-0213's second cycle comes back after other groups.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drafts");
    let run = convert("samples/jlg/repayments.csv", &out);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let s = summary(&out);
    let rows_of = |key: &str| {
        s["drafts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["loan_key"] == key)
            .unwrap_or_else(|| panic!("{key} in {s}"))["rows"]
            .clone()
    };
    let file = "samples/jlg/repayments.csv";
    assert_eq!(
        rows_of("GRP-0207_2026-02-10"),
        serde_json::json!([{"file": file, "from": 6, "to": 29}, {"file": file, "from": 39, "to": 74}])
    );
    assert_eq!(
        rows_of("000104203"),
        serde_json::json!([{"file": file, "from": 30, "to": 38}])
    );
    let d = drafts(&out);
    let individual = &d["000104203.json"];
    assert_eq!(individual["entreps"].as_array().unwrap().len(), 1);
    assert!(individual.get("group_name").is_none());
    let cycles: Vec<&String> = d.keys().filter(|k| k.starts_with("GRP-0213_")).collect();
    assert_eq!(
        cycles,
        ["GRP-0213_2026-04-02.json", "GRP-0213_2026-04-30.json"]
    );
    assert_eq!(
        d["GRP-0213_2026-04-02.json"]["entreps"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(
        d["GRP-0213_2026-04-30.json"]["entreps"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn a_member_due_on_other_dates_fails_her_group_with_the_rows_named() {
    let dir = tempfile::tempdir().unwrap();
    // Member 000104205 of GRP-0207 (rows 51-62): her third installment a day late.
    let lines: Vec<String> = sample_lines()
        .into_iter()
        .map(|l| {
            if l.contains(",000104205,") && l.contains(",3,24 March 2026,") {
                l.replace(",3,24 March 2026,", ",3,25 March 2026,")
            } else {
                l
            }
        })
        .collect();
    let input = write(dir.path(), "late.csv", &lines);
    let out = dir.path().join("drafts");
    let run = convert(&input, &out);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        error_lines(&run.stderr),
        [
            format!(
                "kiva-drafts: error: loan 'GRP-0207_2026-02-10': {input}, row 53, column 'Due Date': '2026-03-25' is a due date of member '000104205' (row 51) only: the other members of group loan 'GRP-0207_2026-02-10' are due on 12 dates from 2026-02-24 to 2026-07-28. A group loan has one schedule (its members' installments summed per date), so every member must be due on the same dates"
            ),
            format!(
                "kiva-drafts: error: loan 'GRP-0207_2026-02-10': {input}, row 51, column 'Due Date': member '000104205' (row 51) of group loan 'GRP-0207_2026-02-10' has no installment due on 2026-03-24, when the other members are due on 12 dates from 2026-02-24 to 2026-07-28"
            ),
        ]
    );
    // The rest of the batch goes through, and every row is accounted for.
    let d = drafts(&out);
    assert_eq!(d.len(), 11);
    assert!(!d.contains_key("GRP-0207_2026-02-10.json"));
    let s = summary(&out);
    assert_eq!(
        s["rows"],
        serde_json::json!({"read": 483, "used": 422, "ignored": 61, "blank": 0})
    );
    assert_eq!(s["errors"][0]["loan_key"], "GRP-0207_2026-02-10");
}

#[test]
fn a_group_with_one_member_is_an_individual_loan_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    // GRP-0213's second cycle keeps only its first member, 000104240.
    let lines: Vec<String> = sample_lines()
        .into_iter()
        .filter(|l| !l.contains(",000104241,") && !l.contains(",000104242,"))
        .collect();
    let input = write(dir.path(), "one.csv", &lines);
    let out = dir.path().join("drafts");
    let report = dir.path().join("report.json");
    let run = kiva(&[
        "convert",
        &input,
        "--template",
        TEMPLATE,
        "--out",
        &arg(&out),
        "--report",
        &arg(&report),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("warning group-of-one: 1 draft (GRP-0213_2026-04-30)"),
        "{}",
        run.stdout
    );
    let d = drafts(&out);
    let single = &d["GRP-0213_2026-04-30.json"];
    assert_eq!(single["entreps"].as_array().unwrap().len(), 1);
    assert_eq!(single["entreps"][0]["loan_id"], "000104240");
    for field in [
        "group_name",
        "internal_client_id",
        "internal_loan_id",
        "not_pictured",
    ] {
        assert!(single.get(field).is_none(), "{field} on a one-member group");
    }
    let s = summary(&out);
    assert_eq!(s["individual"], 5);
    assert_eq!(s["group"], 7);
    let findings = std::fs::read_to_string(&report).unwrap();
    let findings: serde_json::Value = serde_json::from_str(&findings).unwrap();
    let of_one: Vec<&serde_json::Value> = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "group-of-one")
        .collect();
    assert_eq!(of_one.len(), 1, "{findings}");
    assert_eq!(of_one[0]["severity"], "warning");
    assert_eq!(
        of_one[0]["message"],
        "group 'Baraka Traders' has one member: written as an individual loan (Kiva takes a loan with one borrower as individual; group_name and not_pictured are left out)"
    );
}

#[test]
fn a_group_row_without_its_disbursal_date_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // GRP-0211's member 000104211, installment 1, its disbursal date blanked.
    let mut lines = sample_lines();
    let at = lines
        .iter()
        .position(|l| l.contains(",000104211,") && l.contains(",1,17 March 2026,"))
        .unwrap();
    lines[at] = lines[at].replacen(",03 March 2026,", ",,", 1);
    let input = write(dir.path(), "blank-date.csv", &lines);
    let out = dir.path().join("drafts");
    let run = convert(&input, &out);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let row = at + 1;
    let wanted = format!(
        "kiva-drafts: error: loan 'GRP-0211': {input}, row {row}, column 'Disbursement Date': is empty on a row of group 'GRP-0211': a group loan's key is 'Group External Id' + 'Disbursement Date'"
    );
    let errors = error_lines(&run.stderr);
    assert!(errors.contains(&wanted.as_str()), "{errors:#?}");
    // The member's other rows stay with the group, which now lacks one of her dates.
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("kiva-drafts: error: loan 'GRP-0211_2026-03-03':")),
        "{errors:#?}"
    );
    let s = summary(&out);
    assert_eq!(s["rows"]["read"], 483);
    assert_eq!(
        s["rows"]["read"].as_u64().unwrap(),
        s["rows"]["used"].as_u64().unwrap() + s["rows"]["ignored"].as_u64().unwrap()
    );
}
