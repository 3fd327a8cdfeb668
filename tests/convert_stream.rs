//! `convert` streams its inputs: each loan is written when its last row has been read.
//! These tests check that the order of rows in the export does not change the drafts,
//! whether each loan's rows are together (the common case) or spread over the file.

mod common;

use common::{drafts, kiva, root};

/// The flat sample's lines: the header, then its loans' rows, by loan (in file order;
/// the totals row left out).
fn sample() -> (String, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(root().join("samples/flat/echeancier.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let mut loans: Vec<(String, Vec<String>)> = Vec::new();
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let key = line.split(';').next().unwrap().to_string();
        if !key.starts_with(|c: char| c.is_ascii_digit()) {
            continue; // the totals row
        }
        match loans.iter_mut().find(|(k, _)| *k == key) {
            Some((_, rows)) => rows.push(line.to_string()),
            None => loans.push((key, vec![line.to_string()])),
        }
    }
    (header, loans.into_iter().map(|(_, rows)| rows).collect())
}

fn convert(dir: &std::path::Path, name: &str, lines: &[String]) -> std::path::PathBuf {
    convert_file(&write_csv(dir, name, lines), &dir.join(name))
}

/// Writes `lines` as `dir/name.csv` (CRLF line ends), whose path it returns.
fn write_csv(dir: &std::path::Path, name: &str, lines: &[String]) -> std::path::PathBuf {
    let input = dir.join(format!("{name}.csv"));
    std::fs::write(&input, lines.join("\r\n") + "\r\n").unwrap();
    input
}

/// Runs `convert` on `input` with the flat template into `out`, with `extra` arguments.
fn run_flat(input: &std::path::Path, out: &std::path::Path, extra: &[&str]) -> common::Run {
    let mut args = vec![
        "convert",
        input.to_str().unwrap(),
        "--template",
        "templates/flat.toml",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    kiva(&args)
}

/// Converts `input` with the flat template into `out`, which it returns.
fn convert_file(input: &std::path::Path, out: &std::path::Path) -> std::path::PathBuf {
    let run = run_flat(input, out, &["--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    out.to_path_buf()
}

/// Converts `lines` (`;`-separated, the header first) written as the flat template's
/// sheet of an xlsx workbook, every cell as text.
fn convert_xlsx(dir: &std::path::Path, name: &str, lines: &[String]) -> std::path::PathBuf {
    let input = dir.join(format!("{name}.xlsx"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Échéancier").unwrap();
    for (r, line) in lines.iter().enumerate() {
        let line = line.trim_start_matches('\u{feff}');
        for (c, cell) in line.split(';').enumerate() {
            if !cell.is_empty() {
                let (r, c) = (u32::try_from(r).unwrap(), u16::try_from(c).unwrap());
                sheet.write_string(r, c, cell).unwrap();
            }
        }
    }
    book.save(&input).unwrap();
    convert_file(&input, &dir.join(name))
}

/// Round robin over the loans: the first row of every loan, then the second of every
/// loan... Each loan's rows keep their order but are spread over the whole file.
fn interleave(header: &str, loans: &[Vec<String>]) -> Vec<String> {
    let mut lines = vec![header.to_string()];
    let longest = loans.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..longest {
        lines.extend(loans.iter().filter_map(|rows| rows.get(i).cloned()));
    }
    lines
}

fn summary(dir: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn interleaved_loans_give_the_same_drafts_as_grouped_ones() {
    let (header, loans) = sample();
    assert!(loans.len() >= 3, "the sample has several loans");
    let tmp = tempfile::tempdir().unwrap();
    let mut grouped = vec![header.clone()];
    grouped.extend(loans.iter().flatten().cloned());
    let interleaved = interleave(&header, &loans);
    let a = convert(tmp.path(), "grouped", &grouped);
    let b = convert(tmp.path(), "interleaved", &interleaved);
    let (da, db) = (drafts(&a), drafts(&b));
    assert_eq!(da.len(), loans.len());
    assert_eq!(da, db, "same drafts whatever the row order");
    let (sa, sb) = (summary(&a), summary(&b));
    let keys = |s: &serde_json::Value| -> Vec<String> {
        s["drafts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["loan_key"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(keys(&sa), keys(&sb), "drafts listed in export order");
    assert_eq!(sa["rows"], sb["rows"]);
    // Every input row is accounted for in both, each in its loan's entry.
    let rows = |s: &serde_json::Value| -> u64 {
        s["drafts"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["rows"].as_array().unwrap())
            .map(|r| r["to"].as_u64().unwrap() - r["from"].as_u64().unwrap() + 1)
            .sum()
    };
    assert_eq!(rows(&sa), rows(&sb));
    assert_eq!(sb["rows"]["read"], sb["rows"]["used"]);
}

#[test]
fn a_large_export_streams_and_accounts_for_every_row() {
    // 40 copies of the sample's loans under new keys: more rows than the reader's first
    // block, so most are read from disk by both passes.
    let (header, loans) = sample();
    let tmp = tempfile::tempdir().unwrap();
    let mut lines = vec![header];
    let mut expected = 0;
    for copy in 0..40 {
        for rows in &loans {
            for row in rows {
                let (key, rest) = row.split_once(';').unwrap();
                lines.push(format!("{key}-{copy};{rest}"));
                expected += 1;
            }
        }
    }
    let out = convert(tmp.path(), "big", &lines);
    let s = summary(&out);
    assert_eq!(s["loans"], loans.len() * 40);
    assert_eq!(s["rows"]["read"], expected);
    assert_eq!(s["rows"]["used"], expected);
    let streamed = drafts(&out);
    assert_eq!(streamed.len(), loans.len() * 40);
    // Every copy's drafts are the sample's, read whole (it fits in the first block), but
    // for a group's loan number: rows read from disk give the same loans as rows in memory
    // (cells that repeat from row to row, or come back with a group's members, included).
    let mut sample_lines = vec![lines[0].clone()];
    sample_lines.extend(loans.iter().flatten().cloned());
    let loaded = drafts(&convert(tmp.path(), "sample", &sample_lines));
    assert_eq!(loaded.len(), loans.len());
    for copy in [0, 1, 20, 39] {
        for (name, draft) in &loaded {
            let key = name.trim_end_matches(".json");
            let mut copied = streamed[&format!("{key}-{copy}.json")].clone();
            if let Some(id) = copied.get_mut("internal_loan_id") {
                assert_eq!(*id, format!("{key}-{copy}"));
                *id = draft["internal_loan_id"].clone();
            }
            assert_eq!(&copied, draft, "copy {copy} of {key}");
        }
    }
    // The page of the folder lists every draft.
    let page = std::fs::read_to_string(out.join("review.html")).unwrap();
    let first = loans[0][0].split(';').next().unwrap();
    assert!(page.contains(&format!("\"key\":\"{first}-39\"")));
    // No temporary file is left behind.
    let leftovers: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n != ".kiva-drafts")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The loans of the 40-copy export, keyed `{key}-{suffix}` where copy 0's suffix is `a`
/// and copy 1's is `A` (two keys whose file names differ only in case, which the
/// drafts folder names apart whatever order the loans are finished in).
fn copies(loans: &[Vec<String>]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for copy in 0..40 {
        let suffix = match copy {
            0 => "a".to_string(),
            1 => "A".to_string(),
            n => n.to_string(),
        };
        for rows in loans {
            out.push(
                rows.iter()
                    .map(|row| {
                        let (key, rest) = row.split_once(';').unwrap();
                        format!("{key}-{suffix};{rest}")
                    })
                    .collect(),
            );
        }
    }
    out
}

/// The folder's files, summary.json, review.html and the marker aside.
fn files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !matches!(n.as_str(), "summary.json" | "review.html" | ".kiva-drafts"))
        .collect();
    names.sort();
    names
}

#[test]
fn a_loan_row_after_its_loan_ended_starts_over_and_leaves_no_stale_draft() {
    // Loans are read on the guess that each one's rows come together. Here the last row
    // of the very first loan comes at the end of the file, after thousands of drafts
    // were written on that guess: the conversion starts over and must give the drafts
    // it gives when that row is in its place, with no draft of the first attempt left.
    let (header, loans) = sample();
    let tmp = tempfile::tempdir().unwrap();
    let loans = copies(&loans);
    let mut in_place = vec![header.clone()];
    in_place.extend(loans.iter().flatten().cloned());
    let mut late = vec![header];
    let (first, rest) = loans.split_first().unwrap();
    let (straggler, first_rows) = first.split_last().unwrap();
    late.extend(first_rows.iter().cloned());
    late.extend(rest.iter().flatten().cloned());
    late.push(straggler.clone());
    let a = convert(tmp.path(), "in-place", &in_place);
    let b = convert(tmp.path(), "late", &late);
    let (sa, sb) = (summary(&a), summary(&b));
    assert_eq!(sb["loans"], loans.len());
    assert_eq!(sb["rows"]["read"], sb["rows"]["used"]);
    assert_eq!(sa["rows"]["read"], sb["rows"]["read"]);
    // The folder holds exactly the drafts summary.json lists.
    let mut listed: Vec<String> = sb["drafts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap().to_string())
        .collect();
    listed.sort();
    assert_eq!(files(&b), listed);
    // The same drafts, whatever their file names.
    let values = |d: std::collections::BTreeMap<String, serde_json::Value>| {
        let mut v: Vec<String> = d.into_values().map(|v| v.to_string()).collect();
        v.sort();
        v
    };
    assert_eq!(values(drafts(&a)), values(drafts(&b)));
    // Both case-twins are there, named apart.
    let twins: Vec<&String> = listed
        .iter()
        .filter(|n| {
            n.to_lowercase()
                .starts_with(&first[0].split(';').next().unwrap().to_lowercase())
        })
        .filter(|n| n.contains("-a") || n.contains("-A"))
        .collect();
    assert_eq!(twins.len(), 2, "{twins:?}");
}

#[test]
fn a_workbook_sheet_streams_its_loans_and_starts_over_when_they_are_not_sorted() {
    // 40 copies of the sample's loans in an xlsx sheet: more rows than the reader's first
    // block, so the sheet is streamed as calamine parses it. Sorted, each loan is written
    // when the next starts; interleaved, a loan comes back after it ended, and the sheet
    // is read again. Either way the drafts are those of the same rows as a CSV.
    let (header, loans) = sample();
    let loans = copies(&loans);
    let tmp = tempfile::tempdir().unwrap();
    let mut grouped = vec![header.clone()];
    grouped.extend(loans.iter().flatten().cloned());
    let interleaved = interleave(&header, &loans);
    let csv = drafts(&convert(tmp.path(), "csv", &grouped));
    assert_eq!(csv.len(), loans.len());
    for (name, lines) in [("sorted", &grouped), ("interleaved", &interleaved)] {
        let out = convert_xlsx(tmp.path(), name, lines);
        assert_eq!(drafts(&out), csv, "{name}");
        let s = summary(&out);
        assert_eq!(s["rows"]["read"], grouped.len() - 1, "{name}");
        assert_eq!(s["rows"]["used"], grouped.len() - 1, "{name}");
        // Nothing of the abandoned first reading is left behind.
        assert_eq!(
            files(&out),
            files(tmp.path().join("csv").as_path()),
            "{name}"
        );
    }
}

/// A loan cell that changes on a later row of the same loan and changes back (a
/// disbursal date typed differently on one installment row) is found on that row,
/// whether the loan's rows are together or spread over the file: rows whose loan cells
/// are all as before are skipped unread, so the one that is not must still be read.
/// The sample comes three times (loan numbers 1xxxxx, 2xxxxx, 3xxxxx), so that the
/// changed row is well past the first records, which are read before streaming starts.
#[test]
fn a_loan_cell_changed_on_one_later_row_is_reported_on_that_row() {
    let dir = tempfile::tempdir().unwrap();
    let (header, sample_loans) = sample();
    let mut loans: Vec<Vec<String>> = Vec::new();
    for copy in 1..=3 {
        for rows in &sample_loans {
            loans.push(rows.iter().map(|r| format!("{copy}{}", &r[1..])).collect());
        }
    }
    let loan = loans.iter().rposition(|rows| rows.len() >= 4).unwrap();
    let mut cells: Vec<String> = loans[loan][2].split(';').map(str::to_string).collect();
    cells[7] = "01/01/2027".to_string();
    loans[loan][2] = cells.join(";");
    let key = cells[0].clone();
    for (name, lines) in [
        (
            "together",
            std::iter::once(header.clone())
                .chain(loans.concat())
                .collect(),
        ),
        ("spread", interleave(&header, &loans)),
    ] {
        let lines: Vec<String> = lines;
        let input = write_csv(dir.path(), name, &lines);
        let out = dir.path().join(name);
        let run = run_flat(&input, &out, &[]);
        let line = 1 + lines.iter().position(|l| l.contains("01/01/2027")).unwrap();
        let expected = format!(
            "loan '{key}': {}, row {line}, column 'Date de décaissement': '2027-01-01' differs from",
            input.display()
        );
        assert!(
            run.stderr.contains(&expected),
            "{name}: {expected} not in\n{}",
            run.stderr
        );
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        // Every other loan is converted.
        assert_eq!(drafts(&out).len(), loans.len() - 1, "{name}");
    }
}

/// The errors of a summary: per loan key, each problem's row, column and message (the
/// same for a CSV and a workbook of the same cells, whose files differ).
/// A problem's row, column and message.
type Place = (u64, String, String);

fn problems(s: &serde_json::Value) -> Vec<(String, Vec<Place>)> {
    s["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let found = e["problems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| {
                    let text = |k: &str| p[k].as_str().unwrap_or_default().to_string();
                    (p["row"].as_u64().unwrap(), text("column"), text("message"))
                })
                .collect();
            (e["loan_key"].as_str().unwrap().to_string(), found)
        })
        .collect()
}

/// Rows of a flat CSV whose loan, borrower and key cells are those of the row before
/// are taken as another installment of the same loan and member without reading those
/// cells again (a workbook's rows have no stamps and are read in full). A borrower's
/// cells changed on two rows and back, a bad amount, an empty borrower key and a loan key
/// that changes for one row must be found on their rows all the same: the CSV and a
/// workbook of the same cells give the same drafts, errors and row counts.
#[test]
fn rows_repeating_the_row_before_give_what_reading_them_in_full_gives() {
    let (header, sample_loans) = sample();
    let loans = copies(&sample_loans);
    let mut lines = vec![header.clone()];
    lines.extend(loans.iter().flatten().cloned());
    let columns = header.split(';').count();
    // (line, column, new text): cells of later rows of loans past the first block.
    let edits: [(usize, usize, &str); 6] = [
        (301, 3, "Awa-Changed"), // a first name differs on one row...
        (302, 4, "Other-Name"),  // ...a last name on the next, then both are as before
        (420, 2, ""),            // no borrower key on one row
        (515, 6, "abc"),         // a borrower amount that is no number
        (640, 0, "999999"),      // one row of another loan in the middle of a loan (a draft)
        (777, 5, "Inconnu"),     // a gender outside the value map
    ];
    for (line, column, text) in edits {
        assert!(line < lines.len(), "the export has line {line}");
        let mut cells: Vec<String> = lines[line].split(';').map(str::to_string).collect();
        assert_eq!(cells.len(), columns);
        cells[column] = text.to_string();
        lines[line] = cells.join(";");
    }
    let tmp = tempfile::tempdir().unwrap();
    let csv_input = write_csv(tmp.path(), "edited", &lines);
    let csv = tmp.path().join("csv");
    let run = run_flat(&csv_input, &csv, &["--quiet"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let xlsx_input = tmp.path().join("edited.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Échéancier").unwrap();
    for (r, line) in lines.iter().enumerate() {
        for (c, cell) in line.trim_start_matches('\u{feff}').split(';').enumerate() {
            if !cell.is_empty() {
                let (r, c) = (u32::try_from(r).unwrap(), u16::try_from(c).unwrap());
                sheet.write_string(r, c, cell).unwrap();
            }
        }
    }
    book.save(&xlsx_input).unwrap();
    let xlsx = tmp.path().join("xlsx");
    let run = run_flat(&xlsx_input, &xlsx, &["--quiet"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(drafts(&csv), drafts(&xlsx));
    let (a, b) = (summary(&csv), summary(&xlsx));
    assert_eq!(a["rows"], b["rows"]);
    let found = problems(&a);
    assert_eq!(found, problems(&b));
    // Each edit but the loan key is reported on its own row (the CSV's rows are its
    // lines); the other loan's row makes a draft of its own.
    assert!(
        a["drafts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["loan_key"] == "999999" && d["rows"][0]["from"] == 641),
        "{:#}",
        a["drafts"]
    );
    for (line, _, _) in edits.iter().filter(|(_, column, _)| *column != 0) {
        let row = u64::try_from(line + 1).unwrap();
        assert!(
            found.iter().flat_map(|(_, p)| p).any(|p| p.0 == row),
            "nothing reported on line {}: {found:#?}",
            line + 1
        );
    }
}

/// The (loan key, row) of each problem of `rule` in a summary.
fn broken_by(s: &serde_json::Value, rule: &str) -> Vec<(String, u64)> {
    s["errors"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| {
            e["problems"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["rule"] == rule)
                .map(|p| {
                    (
                        e["loan_key"].as_str().unwrap().to_string(),
                        p["row"].as_u64().unwrap(),
                    )
                })
        })
        .collect()
}

/// A value with the delimiter in it, not quoted, splits in two: the row has more values
/// than the header has columns, and the values after the split are under the wrong
/// columns. Such a row fails its loan, with what is past the header, whether the row is
/// read in full or as a repeat of the row before (a note added at the end of an
/// installment row changes no loan cell); a delimiter at the end of a line (an empty
/// value past the header) is no problem. Every other loan converts.
#[test]
fn values_past_the_header_fail_their_loan_and_only_theirs() {
    let (header, sample_loans) = sample();
    let loans = copies(&sample_loans);
    let mut lines = vec![header.clone()];
    lines.extend(loans.iter().flatten().cloned());
    let columns = header.split(';').count();
    let purpose = 8;
    assert_eq!(header.split(';').nth(purpose), Some("Objet du prêt"));
    let key_of = |line: &str| line.split(';').next().unwrap().to_string();
    // An installment row mid-loan with a note after its last value: read as a repeat.
    lines[301].push_str(";payé en retard");
    // A loan use with a semicolon in it, on the first row of a loan (read in full).
    let first = (400..lines.len())
        .find(|&i| key_of(&lines[i]) != key_of(&lines[i - 1]))
        .unwrap();
    let mut cells: Vec<String> = lines[first].split(';').map(str::to_string).collect();
    cells[purpose] = cells[purpose].replacen(' ', "; ", 1);
    lines[first] = cells.join(";");
    assert_eq!(lines[first].split(';').count(), columns + 1);
    // An empty value past the header, on another loan's row.
    lines[515].push(';');
    let tmp = tempfile::tempdir().unwrap();
    let input = write_csv(tmp.path(), "split", &lines);
    let out = tmp.path().join("out");
    let run = run_flat(&input, &out, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let s = summary(&out);
    let rows = broken_by(&s, "values-past-header");
    assert_eq!(
        rows,
        vec![
            (key_of(&lines[301]), 302),
            (key_of(&lines[first]), u64::try_from(first + 1).unwrap()),
        ]
    );
    let expected = format!(
        "loan '{}': {}, row 302: 'payé en retard' is past the header's last column ('Intérêts', column M): the row has 14 values where the header has 13 columns. Is a value with ';' in it not quoted? Then it was split in two, and the values after it are under the wrong columns: put such values in quotes (or export with another delimiter) and convert again",
        key_of(&lines[301]),
        input.display()
    );
    assert!(
        run.stderr.contains(&expected),
        "{expected}\nnot in\n{}",
        run.stderr
    );
    // Every other loan is a draft, the one with an empty value past the header too.
    let keys: Vec<String> = s["drafts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["loan_key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys.len(), loans.len() - 2);
    assert!(keys.contains(&key_of(&lines[515])));
    // Every row is accounted for: read = the lines below the header.
    assert_eq!(s["rows"]["read"], lines.len() - 1);
}

/// A line break in a loan use that is not quoted cuts its row in two: two short rows
/// whose values add up to one more than the header's columns. Both halves' loans fail
/// with `row-cut` (the first half's would have had its loan use cut short), whether the
/// cut row is in the middle of its loan (whose key comes back after the second half, so
/// the file is read twice) or is its loan's last row (which the second reading ends
/// there). The other loans convert, and every row is accounted for.
#[test]
fn a_row_cut_by_a_line_break_fails_both_halves_loans() {
    let (header, sample_loans) = sample();
    let loans = copies(&sample_loans);
    let mut lines = vec![header.clone()];
    lines.extend(loans.iter().flatten().cloned());
    let purpose = 8;
    let key_of = |line: &str| line.split(';').next().unwrap().to_string();
    let cut = |line: &str| {
        let mut cells: Vec<String> = line.split(';').map(str::to_string).collect();
        let space = cells[purpose].find(' ').unwrap();
        cells[purpose].replace_range(space..=space, "\r\n");
        cells.join(";")
    };
    // Mid-loan: the row after it is of the same loan.
    let middle = 301;
    assert_eq!(key_of(&lines[middle]), key_of(&lines[middle + 1]));
    // A loan's last row.
    let last = (500..lines.len() - 1)
        .find(|&i| key_of(&lines[i]) != key_of(&lines[i + 1]))
        .unwrap();
    let (middle_key, last_key) = (key_of(&lines[middle]), key_of(&lines[last]));
    lines[middle] = cut(&lines[middle]);
    lines[last] = cut(&lines[last]);
    let tmp = tempfile::tempdir().unwrap();
    let input = write_csv(tmp.path(), "cut", &lines);
    let out = tmp.path().join("out");
    let run = run_flat(&input, &out, &["--quiet"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let s = summary(&out);
    let mut cuts = broken_by(&s, "row-cut");
    cuts.sort_by_key(|c| c.1);
    // The file's rows: each line above a cut row moves the rows below it down by one.
    let row = |i: usize, before: u64| u64::try_from(i + 1).unwrap() + before;
    let first_halves: Vec<(String, u64)> = cuts
        .iter()
        .filter(|c| c.0 == middle_key || c.0 == last_key)
        .cloned()
        .collect();
    assert_eq!(
        first_halves,
        vec![
            (middle_key.clone(), row(middle, 0)),
            (last_key.clone(), row(last, 1))
        ],
        "{cuts:?}"
    );
    // The second halves: a loan keyed by the rest of the loan use, failed too.
    assert_eq!(cuts.len(), 4, "{cuts:?}");
    assert_eq!(cuts[1].1, row(middle, 1));
    assert_eq!(cuts[3].1, row(last, 2));
    let message = format!(
        "rows {} and {} look like one row cut in two by a line break in a value that is not quoted: they have 9 and 5 values where the header has 13 columns (the value cut in two counted twice). Put that value in quotes (or remove its line breaks) and convert again",
        row(middle, 0),
        row(middle, 1)
    );
    assert!(
        run.stderr.contains(&message),
        "{message}\nnot in\n{}",
        run.stderr
    );
    let keys: Vec<&str> = s["drafts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["loan_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys.len(), loans.len() - 2);
    assert!(!keys.contains(&middle_key.as_str()) && !keys.contains(&last_key.as_str()));
    // Every row is accounted for: the lines below the header, two more for the cuts.
    assert_eq!(s["rows"]["read"], lines.len() - 1 + 2);
}
