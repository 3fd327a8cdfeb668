//! Kiva reference data: names resolved to ids through a config cache (exact, case- and
//! accent-insensitive, aliases, suggestions), validation against the partner's lists,
//! a stale cache, `config show`, and the blank input workbook (dropdowns in the sheet
//! XML; filled in programmatically and converted).

mod common;

use std::io::Read as _;

use common::{arg, drafts, kiva, root};
use serde_json::{Value, json};

const CACHE: &str = "samples/config-cache.json";
const TODAY: &str = "2026-11-27";

fn cache() -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join(CACHE)).unwrap()).unwrap()
}

fn id_of(list: &str, name: &str) -> u64 {
    cache()[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap()["id"]
        .as_u64()
        .unwrap()
}

#[test]
fn a_sample_export_resolves_activity_names() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let run = kiva(&[
        "convert",
        "samples/per-loan/loans.xlsx",
        "-t",
        "templates/per-loan-kiva-ids.toml",
        "--config-cache",
        CACHE,
        "-o",
        &arg(&out),
        "-q",
        "--today",
        TODAY,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let got = drafts(&out);
    assert_eq!(
        got["000245.json"]["activity_id"],
        id_of("activities", "Tailoring")
    );
    assert_eq!(
        got["000294.json"]["activity_id"],
        id_of("activities", "Retail")
    );
    assert_eq!(
        got["000263.json"]["activity_id"],
        id_of("activities", "Grocery Store")
    );
    assert_eq!(got["000245.json"]["description_language_id"], 1);
    assert_eq!(got["000245.json"]["location"], "Lima");
}

#[test]
fn exact_accents_aliases_and_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let run = kiva(&[
        "convert",
        "tests/fixtures/names.csv",
        "-t",
        "tests/fixtures/names.toml",
        "--config-cache",
        CACHE,
        "-o",
        &arg(&out),
        "-q",
        "--today",
        TODAY,
    ]);
    assert_eq!(run.code, 1);
    let f = "tests/fixtures/names.csv";
    assert_eq!(
        run.stderr,
        format!(
            "kiva-drafts: error: loan 'N4': {f}, row 5, column 'Language': 'Spanish' is not a known language (see `kiva-drafts config show`)\n\
             kiva-drafts: error: loan 'N5': {f}, row 6, column 'Activity': 'Food Production' is not a known activity; did you mean 'Food Production/Sales' or 'Food'?\n\
             kiva-drafts: error: loan 'N6': {f}, row 7, column 'Activity': 'Agricultre' is not a known activity; did you mean 'Agriculture'?\n\
             kiva-drafts: error: loan 'N7': {f}, row 8, column 'Currency': 'EUR' is not a known currency of this partner (see `kiva-drafts config show`)\n\
             kiva-drafts: error: loan 'N8': {f}, row 9, column 'Town': 'Limaa' is not a known location of this partner; did you mean 'Lima'?\n"
        )
    );
    let got = drafts(&out);
    let summary = |name: &str| {
        let d = &got[name];
        json!([
            d["activity_id"],
            d["description_language_id"],
            d["location"],
            d["currency"]
        ])
    };
    let retail = id_of("activities", "Retail");
    assert_eq!(summary("N1.json"), json!([retail, 2, "Lima", "PEN"]));
    assert_eq!(
        summary("N2.json"),
        json!([
            id_of("activities", "Grocery Store"),
            2,
            "Villa El Salvador",
            "PEN"
        ])
    );
    assert_eq!(summary("N3.json"), json!([retail, 2, "Lima", "PEN"]));
    assert_eq!(
        summary("N9.json"),
        json!([id_of("activities", "Cafe"), 4, "Cusco", "PEN"])
    );
}

#[test]
fn resolving_without_a_cache_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = kiva(&[
        "convert",
        "tests/fixtures/names.csv",
        "-t",
        "tests/fixtures/names.toml",
        "-o",
        &arg(&dir.path().join("o")),
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "kiva-drafts: error: template 'tests/fixtures/names.toml': [loan] activity_id: resolve = true needs Kiva's lists: run `kiva-drafts config pull` or pass --config-cache FILE\n"
    );
}

#[test]
fn a_cache_that_is_not_one_is_refused_unread_whatever_its_size() {
    // 3 GB that take no disk (sparse), given as the cache: read as a stream, it fails at
    // its first byte instead of being read into memory.
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("export.csv");
    common::sparse_file(&huge, 3 << 30);
    let run = kiva(&[
        "config",
        "show",
        "activities",
        "--config-cache",
        &arg(&huge),
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "kiva-drafts: error: config cache {}: not a kiva-drafts cache (expected value at line 1 column 1); run `kiva-drafts config pull`\n",
            huge.display()
        )
    );
}

#[test]
fn validation_checks_currency_and_location_and_warns_on_a_stale_cache() {
    let dir = tempfile::tempdir().unwrap();
    let mut stale = cache();
    stale["fetched_at"] = json!("2026-01-01T00:00:00Z");
    let stale_path = dir.path().join("stale.json");
    std::fs::write(&stale_path, stale.to_string()).unwrap();
    let mut draft: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/golden/per-loan/000245.json")).unwrap(),
    )
    .unwrap();
    draft["location"] = json!("Nairobi");
    draft["currency"] = json!("KES");
    let drafts_dir = dir.path().join("d");
    std::fs::create_dir(&drafts_dir).unwrap();
    std::fs::write(drafts_dir.join("000245.json"), draft.to_string()).unwrap();
    let run = kiva(&[
        "validate",
        &arg(&drafts_dir),
        "--config-cache",
        &arg(&stale_path),
        "--today",
        TODAY,
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("error currency-not-offered: 1 in 1 draft\n  error '000245': currency: KES is not one of this partner's currencies (MZN, PEN, UGX, USD, XOF) [currency-not-offered]\n"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("error location-unknown: 1 in 1 draft\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("warning config-cache-stale: 1 draft ((config cache))\n"),
        "{}",
        run.stdout
    );
    // Without a cache, neither is checked.
    let run = kiva(&["validate", &arg(&drafts_dir), "--today", TODAY]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn config_show_lists_and_searches() {
    let run = kiva(&[
        "config",
        "show",
        "activities",
        "--search",
        "FOOD",
        "--config-cache",
        CACHE,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let food = id_of("activities", "Food");
    assert_eq!(
        run.stdout,
        format!(
            "{:>6}  Food\n{:>6}  Food Market\n{:>6}  Food Production/Sales\n{:>6}  Food Stall\n",
            food,
            id_of("activities", "Food Market"),
            id_of("activities", "Food Production/Sales"),
            id_of("activities", "Food Stall")
        )
    );
    let run = kiva(&["config", "show", "locales", "--config-cache", CACHE]);
    assert!(
        run.stdout.contains("     2  Español  (es)\n") && run.stdout.contains("currency  UGX\n"),
        "{}",
        run.stdout
    );
    let run = kiva(&["config", "show", "themes", "--config-cache", "nope.json"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "kiva-drafts: error: config cache nope.json: no such file: run `kiva-drafts config pull` first, or pass --config-cache FILE\n"
    );
}

fn sheet_xml(book: &std::path::Path, index: usize) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(book).unwrap()).unwrap();
    let mut xml = String::new();
    zip.by_name(&format!("xl/worksheets/sheet{index}.xml"))
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[test]
fn blank_workbook_has_dropdowns_and_converts_once_filled_in() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("loans.xlsx");
    let run = kiva(&[
        "template",
        "--blank",
        &arg(&book),
        "--shape",
        "per-borrower",
        "--config-cache",
        CACHE,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!(
            "wrote {} and {}\n",
            book.display(),
            dir.path().join("loans.toml").display()
        )
    );
    // Sheets: Instructions, Lists (hidden), Borrowers, Schedule.
    let borrowers = sheet_xml(&book, 3);
    assert!(
        borrowers.contains("<dataValidation type=\"list\""),
        "{borrowers}"
    );
    assert!(borrowers.contains("<formula1>\"female,male,unknown\"</formula1>"));
    assert!(
        borrowers.contains("<formula1>Lists!$A$2:$A$41</formula1>"),
        "activity dropdown from the hidden Lists sheet"
    );
    assert!(borrowers.contains("<formula1>\"Yes,No\"</formula1>"));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&book).unwrap()).unwrap();
    let mut workbook_xml = String::new();
    zip.by_name("xl/workbook.xml")
        .unwrap()
        .read_to_string(&mut workbook_xml)
        .unwrap();
    assert!(
        workbook_xml.contains("<sheet name=\"Lists\" sheetId=\"2\" state=\"hidden\""),
        "{workbook_xml}"
    );
    let mut strings = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut strings)
        .unwrap();
    assert!(strings.contains("Food Production/Sales"));

    // Fill it in as a coordinator would, in a spreadsheet program (here: umya).
    let mut workbook = umya_spreadsheet::reader::xlsx::read(&book).unwrap();
    let sheet = workbook.sheet_by_name_mut("Borrowers").unwrap();
    let rows = [
        [
            "G-1",
            "Umoja",
            "L-1",
            "C-1",
            "Amina",
            "Juma",
            "female",
            "300",
            "USD",
            "2026-10-01",
            "Shop stock",
            "",
            "Retail",
            "",
            "Kampala",
            "English",
            "Yes",
            "Yes",
        ],
        [
            "G-1",
            "Umoja",
            "L-2",
            "C-2",
            "Baraka",
            "Otieno",
            "male",
            "200",
            "USD",
            "2026-10-01",
            "Shop stock",
            "",
            "Retail",
            "",
            "Kampala",
            "English",
            "No",
            "Yes",
        ],
        [
            "",
            "",
            "L-3",
            "C-3",
            "Chausiku",
            "Ali",
            "female",
            "500",
            "USD",
            "2026-10-02",
            "Sewing machine",
            "Chausiku sews.",
            "Tailoring",
            "Women",
            "Gulu",
            "English",
            "Yes",
            "No",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if value.is_empty() {
                continue;
            }
            let cell =
                sheet.cell_mut((u32::try_from(c).unwrap() + 1, u32::try_from(r).unwrap() + 2));
            if c == 7 {
                cell.set_value_number(value.parse::<f64>().unwrap());
            } else {
                cell.set_value_string(*value);
            }
        }
    }
    let schedule = workbook.sheet_by_name_mut("Schedule").unwrap();
    let installments = [
        ("L-1", "2026-11-01", 150.0, 6.0),
        ("L-1", "2026-12-01", 150.0, 3.0),
        // A group's members are due on the same dates (one schedule for the group).
        ("L-2", "2026-11-01", 100.0, 4.0),
        ("L-2", "2026-12-01", 100.0, 2.0),
        ("L-3", "2026-11-02", 500.0, 10.0),
    ];
    for (r, (loan, date, principal, interest)) in installments.iter().enumerate() {
        let row = u32::try_from(r).unwrap() + 2;
        schedule.cell_mut((1, row)).set_value_string(*loan);
        schedule.cell_mut((2, row)).set_value_string(*date);
        schedule.cell_mut((3, row)).set_value_number(*principal);
        schedule.cell_mut((4, row)).set_value_number(*interest);
    }
    let filled = dir.path().join("filled.xlsx");
    umya_spreadsheet::writer::xlsx::write(&workbook, &filled).unwrap();

    let out = dir.path().join("drafts");
    let template = dir.path().join("loans.toml");
    let run = kiva(&[
        "convert",
        &arg(&filled),
        "-t",
        &arg(&template),
        "--config-cache",
        CACHE,
        "-o",
        &arg(&out),
        "-q",
        "--today",
        TODAY,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let got = drafts(&out);
    assert_eq!(got.keys().collect::<Vec<_>>(), vec!["G-1.json", "L-3.json"]);
    let group = &got["G-1.json"];
    assert_eq!(group["group_name"], "Umoja");
    assert_eq!(group["not_pictured"], json!([false, true]));
    assert_eq!(group["activity_id"], id_of("activities", "Retail"));
    assert_eq!(
        group["schedule"],
        json!([{"date": "2026-11-01", "principal": 250, "interest": 10}, {"date": "2026-12-01", "principal": 250, "interest": 5}])
    );
    let single = &got["L-3.json"];
    assert_eq!(single["theme_type_id"], id_of("themes", "Women"));
    assert_eq!(single["client_waiver_signed"], false);
    assert_eq!(single["location"], "Gulu");
}
