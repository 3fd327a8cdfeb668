//! Compares `kiva_drafts::amortize::generate` with reference schedules that
//! were computed independently of the Rust code (see
//! `tests/reference/README.md` and `tests/reference/make_vectors.py`), and
//! with a few schedules worked out by hand below.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use kiva_drafts::amortize::{DayCount, Frequency, Installment, Method, Terms, generate};
use rust_decimal::Decimal;

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference")
}

fn dec(s: &str) -> Decimal {
    s.parse()
        .unwrap_or_else(|e| panic!("bad decimal {s:?}: {e}"))
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap_or_else(|e| panic!("bad date {s:?}: {e}"))
}

struct Vector {
    name: String,
    terms: Terms,
    /// (date, principal, interest) exactly as written in the CSV.
    rows: Vec<(String, String, String)>,
}

/// Reads a reference CSV: `# key: value` comment lines carry the terms,
/// then a `date,principal,interest` header and one line per installment.
fn load(path: &Path) -> Vector {
    let name = path.file_stem().unwrap().to_string_lossy().into_owned();
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut field = std::collections::HashMap::new();
    let mut rows = Vec::new();
    let mut seen_header = false;
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix('#') {
            if let Some((key, value)) = comment.split_once(':') {
                field.insert(key.trim().to_string(), value.trim().to_string());
            }
        } else if line == "date,principal,interest" {
            seen_header = true;
        } else if !line.trim().is_empty() {
            assert!(seen_header, "{name}: data before the header");
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells.len(), 3, "{name}: bad row {line:?}");
            rows.push((
                cells[0].to_string(),
                cells[1].to_string(),
                cells[2].to_string(),
            ));
        }
    }
    let get = |key: &str| -> &str {
        field
            .get(key)
            .unwrap_or_else(|| panic!("{name}: missing '# {key}:' line"))
    };
    let terms = Terms {
        amount: dec(get("amount")),
        annual_rate_percent: dec(get("annual_rate_percent")),
        installments: get("installments").parse().unwrap(),
        frequency: get("frequency").parse().unwrap(),
        method: get("method").parse().unwrap(),
        disbursed: date(get("disbursed")),
        first_due: match get("first_due") {
            "none" => None,
            d => Some(date(d)),
        },
        grace: get("grace").parse().unwrap(),
        day_count: get("day_count").parse().unwrap(),
        minor_units: get("minor_units").parse().unwrap(),
    };
    Vector { name, terms, rows }
}

fn load_all() -> Vec<Vector> {
    let mut paths: Vec<PathBuf> = fs::read_dir(reference_dir())
        .expect("tests/reference exists")
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    paths.sort();
    paths.iter().map(|p| load(p)).collect()
}

fn render(rows: &[Installment]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|r| {
            (
                r.date.to_string(),
                r.principal.to_string(),
                r.interest.to_string(),
            )
        })
        .collect()
}

#[test]
fn generated_schedules_match_reference_csvs() {
    let vectors = load_all();
    assert!(vectors.len() >= 10, "expected at least 10 reference CSVs");
    let mut failures = Vec::new();
    for v in &vectors {
        let got = match generate(&v.terms) {
            Ok(rows) => render(&rows),
            Err(e) => {
                failures.push(format!("{}: generate failed: {e}", v.name));
                continue;
            }
        };
        if got.len() != v.rows.len() {
            failures.push(format!(
                "{}: {} rows generated, {} expected",
                v.name,
                got.len(),
                v.rows.len()
            ));
            continue;
        }
        for (k, (g, want)) in got.iter().zip(&v.rows).enumerate() {
            // Compared as text: this also checks that every value carries
            // exactly `minor_units` decimals ("10.00", not "10").
            if g != want {
                failures.push(format!(
                    "{} row {}: got {g:?}, expected {want:?}",
                    v.name,
                    k + 1
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Differential test against `random/terms.csv` + `random/schedules.csv`:
/// pseudo-random terms (month ends, grace, every method, frequency and day
/// count) run through the same independent Python implementation.
#[test]
fn generated_schedules_match_random_reference_cases() {
    let dir = reference_dir().join("random");
    let data_lines = |file: &str| -> Vec<Vec<String>> {
        let text = fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .skip(1) // column header
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect()
    };
    let mut expected: std::collections::HashMap<String, Vec<(String, String, String)>> =
        std::collections::HashMap::new();
    for cells in data_lines("schedules.csv") {
        let [case, k, date, principal, interest] = <[String; 5]>::try_from(cells).unwrap();
        let rows = expected.entry(case).or_default();
        assert_eq!(k.parse::<usize>().unwrap(), rows.len() + 1);
        rows.push((date, principal, interest));
    }
    let cases = data_lines("terms.csv");
    assert!(cases.len() >= 100, "expected at least 100 random cases");
    let mut failures = Vec::new();
    for cells in cases {
        let [
            case,
            amount,
            rate,
            n,
            frequency,
            method,
            disbursed,
            first_due,
            grace,
            day_count,
            mu,
        ] = <[String; 11]>::try_from(cells).unwrap();
        let terms = Terms {
            amount: dec(&amount),
            annual_rate_percent: dec(&rate),
            installments: n.parse().unwrap(),
            frequency: frequency.parse().unwrap(),
            method: method.parse().unwrap(),
            disbursed: date(&disbursed),
            first_due: (first_due != "none").then(|| date(&first_due)),
            grace: grace.parse().unwrap(),
            day_count: day_count.parse().unwrap(),
            minor_units: mu.parse().unwrap(),
        };
        let want = expected.remove(&case).unwrap_or_default();
        match generate(&terms) {
            Ok(rows) if render(&rows) == want => {}
            Ok(rows) => {
                let got = render(&rows);
                let first_diff = got.iter().zip(&want).position(|(g, w)| g != w);
                failures.push(format!(
                    "{case} ({terms:?}): {} rows vs {} expected, first difference at row {:?}: \
                     got {:?}, expected {:?}",
                    got.len(),
                    want.len(),
                    first_diff.map(|i| i + 1),
                    first_diff.map(|i| &got[i]),
                    first_diff.map(|i| &want[i]),
                ));
            }
            Err(e) => failures.push(format!("{case}: generate failed: {e}")),
        }
    }
    assert!(
        expected.is_empty(),
        "schedules without terms: {:?}",
        expected.keys()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Guards against the reference set silently shrinking below what it is
/// meant to cover.
#[test]
fn reference_vectors_cover_the_required_cases() {
    let vectors = load_all();
    let methods: BTreeSet<String> = vectors.iter().map(|v| v.terms.method.to_string()).collect();
    let frequencies: BTreeSet<String> = vectors
        .iter()
        .map(|v| v.terms.frequency.to_string())
        .collect();
    let day_counts: BTreeSet<String> = vectors
        .iter()
        .map(|v| v.terms.day_count.to_string())
        .collect();
    let minor_units: BTreeSet<u32> = vectors.iter().map(|v| v.terms.minor_units).collect();
    for m in [
        Method::DecliningBalance,
        Method::DecliningBalanceEqualPrincipal,
        Method::Flat,
    ] {
        assert!(methods.contains(&m.to_string()), "no vector for {m}");
    }
    for f in [
        Frequency::Days(7),
        Frequency::Days(14),
        Frequency::Days(10),
        Frequency::SemiMonthly,
        Frequency::Months(1),
        Frequency::Months(2),
        Frequency::Months(3),
    ] {
        assert!(frequencies.contains(&f.to_string()), "no vector for {f}");
    }
    for c in [DayCount::Periodic, DayCount::Actual365, DayCount::Thirty360] {
        assert!(day_counts.contains(&c.to_string()), "no vector for {c}");
    }
    for mu in [0, 2, 3] {
        assert!(minor_units.contains(&mu), "no vector with {mu} decimals");
    }
    assert!(
        vectors.iter().any(|v| v.terms.grace > 0),
        "no vector with grace"
    );
    assert!(
        vectors.iter().any(|v| v.terms.first_due.is_some()),
        "no vector with an explicit first due date"
    );
    assert!(
        vectors
            .iter()
            .any(|v| v.terms.annual_rate_percent.is_zero()),
        "no zero-rate vector"
    );
}

fn usd_monthly(amount: &str, rate: &str, installments: u32) -> Terms {
    Terms {
        amount: dec(amount),
        annual_rate_percent: dec(rate),
        installments,
        frequency: Frequency::Months(1),
        method: Method::DecliningBalance,
        disbursed: date("2026-01-15"),
        first_due: None,
        grace: 0,
        day_count: DayCount::Periodic,
        minor_units: 2,
    }
}

fn table(rows: &[Installment]) -> Vec<(String, String)> {
    rows.iter()
        .map(|r| (r.principal.to_string(), r.interest.to_string()))
        .collect()
}

/// The textbook annuity: 1000 USD over 12 months at 12 %/year, i = 1 %/month.
///
/// PMT = 1000 * 0.01 / (1 - 1.01^-12) = 10 / (1 - 0.887449...) = 10 / 0.112551
///     = 88.8488 -> 88.85.
/// Row 1: interest 1000.00 * 0.01 = 10.00, principal 88.85 - 10.00 = 78.85,
///        balance 921.15.
/// Row 2: interest 921.15 * 0.01 = 9.2115 -> 9.21, principal 79.64,
///        balance 841.51.
#[test]
fn textbook_usd_1000_12_months_12_percent() {
    let rows = generate(&usd_monthly("1000", "12", 12)).unwrap();
    let t = table(&rows);
    assert_eq!(t[0], ("78.85".into(), "10.00".into()));
    assert_eq!(t[1], ("79.64".into(), "9.21".into()));
    assert!(rows[..11].iter().all(|r| r.total() == dec("88.85")));
    assert_eq!(
        rows.iter().map(|r| r.principal).sum::<Decimal>(),
        dec("1000")
    );
}

/// Worked by hand: 1000 USD over 3 months at 12 %/year (i = 1 %/month).
///
/// 1.01^3 = 1.030301, 1.01^-3 = 0.970590147..., 1 - 0.970590147 = 0.029409852
/// PMT = 10 / 0.029409852 = 340.0221 -> 340.02
/// Row 1: interest 1000.00 * 0.01 = 10.00;   principal 340.02 - 10.00 = 330.02; balance 669.98
/// Row 2: interest  669.98 * 0.01 = 6.6998 -> 6.70; principal 333.32;         balance 336.66
/// Row 3: interest  336.66 * 0.01 = 3.3666 -> 3.37; principal = balance 336.66 (last absorbs;
///        this installment is 340.03)
#[test]
fn hand_computed_three_month_annuity() {
    let rows = generate(&usd_monthly("1000", "12", 3)).unwrap();
    assert_eq!(
        table(&rows),
        [
            ("330.02".into(), "10.00".into()),
            ("333.32".into(), "6.70".into()),
            ("336.66".into(), "3.37".into()),
        ]
    );
    let dates: Vec<String> = rows.iter().map(|r| r.date.to_string()).collect();
    assert_eq!(dates, ["2026-02-15", "2026-03-15", "2026-04-15"]);
}

/// Worked by hand: 1,200,000 UGX flat at 24 %/year, 12 monthly installments,
/// 2 of them grace.
/// Interest every month: 1,200,000 * 24 / 100 / 12 = 24,000.
/// Principal over the 10 amortizing months: 1,200,000 / 10 = 120,000.
#[test]
fn hand_computed_flat_ugx_with_grace() {
    let terms = Terms {
        amount: dec("1200000"),
        annual_rate_percent: dec("24"),
        method: Method::Flat,
        grace: 2,
        minor_units: 0,
        ..usd_monthly("1", "0", 12)
    };
    let rows = generate(&terms).unwrap();
    let mut expected = vec![("0".to_string(), "24000".to_string()); 2];
    expected.extend(vec![("120000".to_string(), "24000".to_string()); 10]);
    assert_eq!(table(&rows), expected);
}

/// Worked by hand: 1,500,000 UGX declining balance with equal principal at
/// 30 %/year, 4 quarterly installments (i = 30 / 4 = 7.5 %/quarter).
/// Principal 1,500,000 / 4 = 375,000 each.
/// Interest: 1,500,000 * 0.075 = 112,500; 1,125,000 * 0.075 = 84,375;
///           750,000 * 0.075 = 56,250;    375,000 * 0.075 = 28,125.
#[test]
fn hand_computed_equal_principal_ugx_quarterly() {
    let terms = Terms {
        amount: dec("1500000"),
        annual_rate_percent: dec("30"),
        installments: 4,
        frequency: Frequency::Months(3),
        method: Method::DecliningBalanceEqualPrincipal,
        minor_units: 0,
        ..usd_monthly("1", "0", 1)
    };
    let rows = generate(&terms).unwrap();
    assert_eq!(
        table(&rows),
        [
            ("375000".into(), "112500".into()),
            ("375000".into(), "84375".into()),
            ("375000".into(), "56250".into()),
            ("375000".into(), "28125".into()),
        ]
    );
    let dates: Vec<String> = rows.iter().map(|r| r.date.to_string()).collect();
    assert_eq!(
        dates,
        ["2026-04-15", "2026-07-15", "2026-10-15", "2027-01-15"]
    );
}
