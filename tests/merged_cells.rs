//! A group loan book kept by hand in Excel: each group's name, loan number, currency and
//! disbursal date merged down over its members' rows, a title merged across the top and
//! a totals row. The file holds each merged value in its first row only; the members
//! below must still belong to their group, through the real binary.

mod common;

use std::path::Path;

use common::{arg, drafts, kiva, summary};
use rust_xlsxwriter::{Format, Workbook};

const GROUPS: u32 = 40;
const MEMBERS: u32 = 3;
const INDIVIDUALS: u32 = 5;

const TEMPLATE: &str = r#"
shape = "per-borrower"

[keys]
loan = "Loan No"
group = "Loan No"

[loan]
group_name = "Group"
currency = "Currency"
disburse_time = { column = "Disbursed", format = "dd/mm/yyyy" }

[borrower]
first_name = "First name"
last_name = "Last name"
gender = { column = "Sex", map = { F = "female", M = "male" } }
amount = "Amount"
"#;

/// The loan book: title on row 1, header on row 2, then GROUPS groups of MEMBERS rows
/// whose group columns are merged, with INDIVIDUALS one-row loans among them, and a
/// totals row. Far more rows than the first ones a streamed sheet is read from.
fn loan_book(path: &Path) -> u32 {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Loan book").unwrap();
    let merge = Format::new();
    sheet
        .merge_range(0, 0, 0, 7, "Tujenge MFI - group loans 2026", &merge)
        .unwrap();
    for (c, h) in [
        "Group",
        "Loan No",
        "Currency",
        "Disbursed",
        "First name",
        "Last name",
        "Sex",
        "Amount",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    let mut row = 2u32;
    let mut total = 0u32;
    for g in 0..GROUPS {
        if g % 8 == 3 && g / 8 < INDIVIDUALS {
            // An individual loan between two groups: nothing merged.
            for (c, v) in ["", &format!("IND-{g}"), "KES", "02/03/2026"]
                .iter()
                .enumerate()
            {
                if !v.is_empty() {
                    sheet.write_string(row, c as u16, *v).unwrap();
                }
            }
            sheet.write_string(row, 4, "Solo").unwrap();
            sheet.write_string(row, 5, &format!("Borrower{g}")).unwrap();
            sheet.write_string(row, 6, "F").unwrap();
            sheet.write_number(row, 7, 5000.0).unwrap();
            total += 5000;
            row += 1;
        }
        let last = row + MEMBERS - 1;
        for (c, v) in [
            format!("Umoja {g}"),
            format!("GRP-{g:03}"),
            "KES".to_string(),
            "15/02/2026".to_string(),
        ]
        .iter()
        .enumerate()
        {
            sheet
                .merge_range(row, c as u16, last, c as u16, v, &merge)
                .unwrap();
        }
        for m in 0..MEMBERS {
            sheet
                .write_string(row + m, 4, &format!("Member{m}"))
                .unwrap();
            sheet.write_string(row + m, 5, &format!("Of{g}")).unwrap();
            sheet.write_string(row + m, 6, "F").unwrap();
            let amount = 1000 * (m + 1);
            sheet.write_number(row + m, 7, f64::from(amount)).unwrap();
            total += amount;
        }
        row = last + 1;
    }
    sheet.merge_range(row, 0, row, 6, "Total", &merge).unwrap();
    sheet.write_number(row, 7, f64::from(total)).unwrap();
    book.save(path).unwrap();
    total
}

#[test]
fn members_of_merged_group_cells_belong_to_their_group_streamed_or_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("loan-book.xlsx");
    let total = loan_book(&book);
    let template = dir.path().join("book.toml");
    std::fs::write(&template, TEMPLATE).unwrap();
    let mut results = Vec::new();
    // Streamed, and loaded whole (as --annotate reads it).
    for (name, extra) in [("streamed", None), ("loaded", Some("annotated.xlsx"))] {
        let out = dir.path().join(name);
        let mut args = vec![
            "convert".to_string(),
            arg(&book),
            "-t".into(),
            arg(&template),
            "-o".into(),
            arg(&out),
        ];
        if let Some(file) = extra {
            args.extend(["--annotate".to_string(), arg(&dir.path().join(file))]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = kiva(&args);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!(
                "loan-book.xlsx, sheet Loan book: header on row 2 (1 title row above it skipped), {} data rows ({} merged cells over several rows, read on each of them)",
                GROUPS * MEMBERS + INDIVIDUALS + 1,
                GROUPS * 4
            )),
            "{name}: {}",
            run.stderr
        );
        let found = drafts(&out);
        assert_eq!(found.len() as u32, GROUPS + INDIVIDUALS, "{name}");
        let mut sum = 0u64;
        for (file, draft) in &found {
            let entreps = draft["entreps"].as_array().unwrap();
            if file.starts_with("GRP-") {
                assert_eq!(entreps.len() as u32, MEMBERS, "{name}: {file}");
                let g: u32 = file[4..7].parse().unwrap();
                assert_eq!(draft["group_name"], format!("Umoja {g}"), "{name}: {file}");
                assert_eq!(draft["disburse_time"], "2026-02-15");
            } else {
                assert_eq!(entreps.len(), 1, "{name}: {file}");
            }
            sum += entreps
                .iter()
                .map(|e| e["amount"].as_u64().unwrap())
                .sum::<u64>();
        }
        assert_eq!(sum, u64::from(total), "{name}");
        let s = summary(&out);
        assert_eq!(s["rows"]["read"], GROUPS * MEMBERS + INDIVIDUALS + 1);
        assert_eq!(s["rows"]["ignored"], 1, "{name}: the totals row");
        assert_eq!(s["inputs"][0]["merged_ranges"], GROUPS * 4);
        results.push(found);
    }
    assert_eq!(results[0], results[1], "streamed and loaded agree");
}

#[test]
fn inspect_sees_the_groups_of_a_merged_loan_book() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("loan-book.xlsx");
    loan_book(&book);
    let template = dir.path().join("starter.toml");
    let run = kiva(&["inspect", &arg(&book), "--write-template", &arg(&template)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read_to_string(&template).unwrap();
    assert!(written.contains("group = \"Loan No\""), "{written}");
    let out = dir.path().join("out");
    let run = kiva(&[
        "convert",
        &arg(&book),
        "-t",
        &arg(&template),
        "-o",
        &arg(&out),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(drafts(&out).len() as u32, GROUPS + INDIVIDUALS);
}
