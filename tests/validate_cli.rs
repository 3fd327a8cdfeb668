//! `validate` on draft files and folders, the reports for machines, `--strict`, and the
//! annotated workbook of `convert`, read back with calamine. Each rule has unit tests
//! in `src/validate.rs`; these tests run the binary on real files.

mod common;

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};
use common::{arg, kiva};
use serde_json::{Value, json};

const TODAY: &str = "2026-11-27";

/// A complete individual draft that passes every rule.
fn complete() -> Value {
    json!({
        "activity_id": 61, "theme_type_id": 4, "description_language_id": 1,
        "location": "Kampala", "currency": "UGX", "disburse_time": "2026-10-05",
        "description": "Agnes sews school uniforms.", "loanuse": "To buy a sewing machine.",
        "client_waiver_signed": true,
        "image_encoded": "data:image/gif;base64,R0lGODlhAQABAAAAACw=",
        "entreps": [{"first_name": "Agnes", "last_name": "Achieng", "gender": "female",
                     "client_id": "K-1", "loan_id": "UG-1", "amount": 300_000}],
        "schedule": [
            {"date": "2026-11-05", "principal": 150_000, "interest": 7500},
            {"date": "2026-12-05", "principal": 150_000, "interest": 3750}
        ]
    })
}

fn write(dir: &Path, name: &str, value: &Value) {
    std::fs::write(dir.join(name), serde_json::to_string_pretty(value).unwrap()).unwrap();
}

#[test]
fn a_complete_draft_passes_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "UG-1.json", &complete());
    let run = kiva(&["validate", &arg(dir.path()), "--today", TODAY]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        "checked 1 draft: 0 with errors, 0 with warnings\n"
    );
}

#[test]
fn broken_and_hand_edited_drafts_are_reported_by_rule() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "A.json", &complete());
    let mut group_fields = complete();
    group_fields["group_name"] = json!("Not a group");
    group_fields["entreps"][0]["loan_id"] = json!("UG-2");
    write(dir.path(), "B.json", &group_fields);
    let mut bad_schedule = complete();
    bad_schedule["entreps"][0]["loan_id"] = json!("UG-3");
    bad_schedule["schedule"][1]["date"] = json!("2026-11-05");
    bad_schedule["schedule"][1]["principal"] = json!(140_000.5);
    write(dir.path(), "C.json", &bad_schedule);
    // The same borrower loan ids as A: the same loan twice.
    write(dir.path(), "D.json", &complete());
    std::fs::write(dir.path().join("E.json"), "{\n  \"currency\": \"UGX\",\n  \"entreps\": [\n    {\"first_name\": \"X\" \"amount\": 5}\n  ]\n}\n").unwrap();
    let report_json = dir.path().join("report.json");
    let report_csv = dir.path().join("report.csv");
    let folder = dir.path().join("");
    let run = kiva(&[
        "validate",
        &arg(&folder),
        "--today",
        TODAY,
        "--report",
        &arg(&report_json),
        "--report",
        &arg(&report_csv),
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let d = |name: &str| dir.path().join(name).display().to_string();
    assert_eq!(
        run.stdout,
        format!(
            "error amount-too-precise: 1 in 1 draft\n  error 'C': schedule[1].principal: 140000.5 has more decimals than UGX allows (0) [amount-too-precise]\n\
             error duplicate-loan: 1 in 1 draft\n  error 'D': entreps: same borrower loan ids (UG-1) as loan 'A' [duplicate-loan]\n\
             error individual-with-group-fields: 1 in 1 draft\n  error 'B': group_name: an individual loan must not carry group_name: PA2 flags it and the loan cannot be published [individual-with-group-fields]\n\
             error json-syntax: 1 in 1 draft\n  error 'E': line 4, column 24: not valid JSON: expected `,` or `}}` [json-syntax]\n\
             error schedule-dates-not-increasing: 1 in 1 draft\n  error 'C': schedule[1].date: 2026-11-05 does not come after the previous installment's 2026-11-05 [schedule-dates-not-increasing]\n\
             error schedule-principal-mismatch: 1 in 1 draft\n  error 'C': schedule: the principal sums to 290000.5 but the borrowers' amounts to 300000 [schedule-principal-mismatch]\n\
             checked 5 drafts: 4 with errors, 0 with warnings\n"
        )
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_json).unwrap()).unwrap();
    assert_eq!(report["drafts"], 5);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 6);
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "json-syntax" && f["file"] == d("E.json"))
    );
    let csv = std::fs::read_to_string(&report_csv).unwrap();
    assert_eq!(csv.lines().count(), 7);
    assert!(csv.starts_with("draft,file,severity,rule,field,message,value,source_file,source_sheet,source_row,source_column\n"));
}

#[test]
fn strict_turns_warnings_into_failures() {
    let dir = tempfile::tempdir().unwrap();
    let mut partial = complete();
    partial.as_object_mut().unwrap().remove("description");
    write(dir.path(), "UG-1.json", &partial);
    let run = kiva(&["validate", &arg(dir.path()), "--today", TODAY]);
    assert_eq!(run.code, 0);
    assert_eq!(
        run.stdout,
        "warning missing-description: 1 draft (UG-1)\nchecked 1 draft: 0 with errors, 1 with warnings\n"
    );
    let run = kiva(&[
        "validate",
        &arg(&dir.path().join("UG-1.json")),
        "--today",
        TODAY,
        "--strict",
        "--quiet",
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "checked 1 draft: 0 with errors, 1 with warnings\n"
    );
}

#[test]
fn converted_samples_validate_with_only_warnings_and_keys_from_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drafts");
    let run = kiva(&[
        "convert",
        "samples/per-borrower/borrowers.xlsx",
        "-t",
        "templates/per-borrower.toml",
        "-o",
        &arg(&out),
        "-q",
        "--today",
        TODAY,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = dir.path().join("r.json");
    let run = kiva(&[
        "validate",
        &arg(&out),
        "--today",
        TODAY,
        "--report",
        &arg(&report),
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] == "warning")
    );
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["draft"] == "G-0107")
    );
}

#[test]
fn convert_reports_carry_the_source_cells() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let run = kiva(&[
        "convert",
        "tests/fixtures/bad-values.csv",
        "-t",
        "tests/fixtures/simple.toml",
        "-o",
        &arg(&dir.path().join("o")),
        "-q",
        "--today",
        TODAY,
        "--report",
        &arg(&report),
    ]);
    assert_eq!(run.code, 1);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let date = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["draft"] == "L2")
        .unwrap();
    assert_eq!(
        date,
        &json!({"draft": "L2", "severity": "error", "rule": "input-value", "field": "Disbursed",
                "message": "is not a date (expected dd/mm/yyyy; no such day)", "value": "31/02/2026",
                "sources": [{"file": "tests/fixtures/bad-values.csv", "row": 3, "column": "Disbursed"}]})
    );
    let warning = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["draft"] == "L1" && f["rule"] == "missing-loanuse")
        .unwrap();
    assert_eq!(warning["file"], "L1.json");
    assert_eq!(
        warning["sources"],
        json!([{"file": "tests/fixtures/bad-values.csv", "row": 2}])
    );
}

#[test]
fn image_files_are_read_checked_and_encoded() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let run = kiva(&[
        "convert",
        "tests/fixtures/with-images.csv",
        "-t",
        "tests/fixtures/with-images.toml",
        "-o",
        &arg(&out),
        "-q",
        "--today",
        TODAY,
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "kiva-drafts: error: loan 'P2': tests/fixtures/with-images.csv, row 3, column 'Photo': 'images/missing.jpg' image file tests/fixtures/images/missing.jpg: no such file\n\
         kiva-drafts: error: loan 'P3': tests/fixtures/with-images.csv, row 4, column 'Photo': 'images/notes.png' tests/fixtures/images/notes.png is not a JPEG, PNG or GIF image\n"
    );
    let p1: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("P1.json")).unwrap()).unwrap();
    assert!(
        p1["image_encoded"]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,iVBORw0KGgo")
    );
    let p4: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("P4.json")).unwrap()).unwrap();
    assert!(p4.get("image_encoded").is_none());
    // A limit below the photo's size refuses it.
    let run = kiva(&[
        "convert",
        "tests/fixtures/with-images.csv",
        "-t",
        "tests/fixtures/with-images.toml",
        "-o",
        &arg(&dir.path().join("o2")),
        "-q",
        "--image-limit",
        "0",
    ]);
    assert!(
        run.stderr
            .contains("images/rosa.png is 69 bytes, more than the limit of 0"),
        "{}",
        run.stderr
    );
}

fn text(cell: &Data) -> String {
    match cell {
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => format!("{i}"),
        other => other.to_string(),
    }
}

#[test]
fn annotated_workbook_lines_up_with_the_input_rows() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("annotated.xlsx");
    let run = kiva(&[
        "convert",
        "tests/fixtures/bad-values.csv",
        "-t",
        "tests/fixtures/simple.toml",
        "-o",
        &arg(&dir.path().join("o")),
        "-q",
        "--today",
        TODAY,
        "--annotate",
        &arg(&book),
    ]);
    assert_eq!(run.code, 1);
    let mut workbook = open_workbook_auto(&book).unwrap();
    assert_eq!(workbook.sheet_names(), vec!["bad-values"]);
    let range = workbook.worksheet_range("bad-values").unwrap();
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(text).collect()).collect();
    assert_eq!(
        rows[0],
        vec![
            "Loan",
            "First",
            "Last",
            "Sex",
            "Amount",
            "Currency",
            "Disbursed",
            "Status",
            "Source row"
        ]
    );
    let keys: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(keys, vec!["L1", "L2", "L3", "L4", "L5", "Total"]);
    let source_rows: Vec<&str> = rows[1..].iter().map(|r| r[8].as_str()).collect();
    assert_eq!(source_rows, vec!["2", "3", "4", "5", "6", "8"]);
    assert!(rows[1][7].starts_with("WARNING: "), "{}", rows[1][7]);
    assert_eq!(
        rows[2][7],
        "ERROR: Disbursed: '31/02/2026' is not a date (expected dd/mm/yyyy; no such day)"
    );
    assert_eq!(
        rows[4][7],
        "ERROR: Sex: 'X' is not in the value map of gender (known: F, M)"
    );
    assert_eq!(rows[6][7], "IGNORED: totals row");
    assert_eq!(rows[1][2], "Díaz");
}

#[test]
fn annotated_workbook_keeps_sheets_and_cell_types_of_a_workbook_input() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("annotated.xlsx");
    let run = kiva(&[
        "convert",
        "samples/per-loan/loans.xlsx",
        "-t",
        "templates/per-loan.toml",
        "-o",
        &arg(&dir.path().join("o")),
        "-q",
        "--today",
        TODAY,
        "--annotate",
        &arg(&book),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut workbook = open_workbook_auto(&book).unwrap();
    assert_eq!(workbook.sheet_names(), vec!["Loans", "Schedule"]);
    let loans = workbook.worksheet_range("Loans").unwrap();
    assert_eq!(loans.height(), 8, "header, 6 loans and the totals row");
    assert!(
        matches!(loans.get((1, 6)), Some(Data::DateTime(_))),
        "{:?}",
        loans.get((1, 6))
    );
    assert_eq!(loans.get((1, 0)), Some(&Data::String("000245".into())));
    assert_eq!(text(loans.get((7, 9)).unwrap()), "IGNORED: totals row");
    assert_eq!(text(loans.get((7, 10)).unwrap()), "11");
    let schedule = workbook.worksheet_range("Schedule").unwrap();
    assert_eq!(schedule.height(), 58);
    assert!(schedule.rows().skip(1).all(|r| text(&r[5]) == "OK"));
}

#[test]
fn a_huge_json_file_or_summary_in_the_folder_is_not_read_into_memory() {
    // 3 GB files that take no disk (sparse): a `.json` that is not a draft, and a damaged
    // summary.json. Neither is read whole: the draft is refused by its size, the summary
    // is read as a stream and fails at its first byte (its keys are then the file names).
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "A.json", &complete());
    common::sparse_file(&dir.path().join("huge.json"), 3 << 30);
    common::sparse_file(&dir.path().join("summary.json"), 3 << 30);
    let run = kiva(&["validate", &arg(dir.path()), "--today", TODAY]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        "error json-syntax: 1 in 1 draft\n  error 'huge': is 3072 MB, more than a draft can be (64 MB: a photo and the loan's text): not a draft; move it out of the folder [json-syntax]\n\
         checked 2 drafts: 1 with errors, 0 with warnings\n"
    );
}
