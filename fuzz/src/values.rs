//! The readers of cell values: dates, numbers and money, ids, yes/no, names, currency
//! codes, column letters.
//!
//! Input: one byte that picks what is read (its low three bits) and how, then the
//! text (bytes that are not UTF-8 are replaced), or for the float and decimal modes
//! the bytes of the number. Where a text is a pattern and a value, a line end
//! separates them. Besides not panicking:
//! - a date or a number reads the same with spaces around it (the fast reading of
//!   plain values agrees with the general one);
//! - an amount's JSON is its integer when it is whole, and reads back as
//!   `Money::json_decimal` says.

use chrono::NaiveDate;
use kiva_drafts::dates::{self, DateFormat};
use kiva_drafts::map::{check_minor_units, parse_bool};
use kiva_drafts::money::{self, Money, NumberFormat};
use kiva_drafts::read::header::{column_letter, normalize, pattern_number};
use kiva_drafts::read::{Cell, is_blank_text, is_totals_word};
use kiva_drafts::template::NameSplit;
use rust_decimal::Decimal;

pub fn run(data: &[u8]) {
    let [mode, bytes @ ..] = data else {
        return;
    };
    let text = String::from_utf8_lossy(bytes);
    let (pattern, raw) = text.split_once('\n').unwrap_or(("dd/mm/yyyy", &text));
    match mode & 7 {
        0 => declared_date(pattern, raw),
        1 => undeclared_date(&text),
        2 => serial_date(bytes, &text),
        3 => number(*mode, pattern, raw),
        4 => money(Money::from_f64(float(bytes))),
        5 => money(Some(Money(decimal(bytes)))),
        6 => cell_text(&text, float(bytes)),
        _ => header_names(bytes, pattern, raw),
    }
}

/// The first eight bytes as a float (zeros when shorter).
fn float(bytes: &[u8]) -> f64 {
    let mut eight = [0u8; 8];
    for (to, from) in eight.iter_mut().zip(bytes) {
        *to = *from;
    }
    f64::from_le_bytes(eight)
}

/// Any decimal: 96 bits of mantissa, a sign and a scale from 0 to 28.
fn decimal(bytes: &[u8]) -> Decimal {
    let word = |i: usize| {
        let mut four = [0u8; 4];
        for (to, from) in four.iter_mut().zip(bytes.iter().skip(i * 4)) {
            *to = *from;
        }
        u32::from_le_bytes(four)
    };
    let flags = bytes.get(12).copied().unwrap_or(0);
    Decimal::from_parts(
        word(0),
        word(1),
        word(2),
        flags & 0x80 != 0,
        u32::from(flags & 0x7f) % 29,
    )
}

/// `raw` and `raw` with spaces around it read alike.
fn alike<T: PartialEq + std::fmt::Debug>(read: impl Fn(&str) -> T, raw: &str) -> T {
    let value = read(raw);
    assert_eq!(value, read(&format!(" {raw}")), "{raw:?} and \" {raw}\"");
    assert_eq!(value, read(&format!("{raw}\t")), "{raw:?} and \"{raw}\\t\"");
    value
}

fn declared_date(pattern: &str, raw: &str) {
    let Ok(format) = DateFormat::parse(pattern) else {
        return;
    };
    let _ = format.pattern();
    // A time of day after the date is ignored: neither space may come back.
    if raw.trim() == raw {
        let date = alike(|text| format.parse_date(text), raw);
        if let Ok(date) = date {
            assert_eq!(
                format.parse_date(&format!("{raw} 00:00:00")),
                Ok(date),
                "{raw:?} with a time"
            );
        }
    } else {
        let _ = format.parse_date(raw);
    }
}

fn undeclared_date(text: &str) {
    let date = alike(dates::parse_undeclared, text);
    if let Ok(date) = date {
        assert_eq!(DateFormat::iso().parse_date(text), Ok(date));
        assert_eq!(dates::parse_undeclared(&dates::iso(date)), Ok(date));
    }
}

fn serial_date(bytes: &[u8], text: &str) {
    let serial = float(bytes);
    if let Some(date) = DateFormat::from_serial(serial) {
        assert!(date >= NaiveDate::from_ymd_opt(1899, 12, 31).unwrap_or_default());
    }
    let format = DateFormat::parse("excel-serial").expect("excel-serial is a format");
    if format.parse_date(text).is_ok() {
        assert!(text.trim().parse::<f64>().is_ok() || text.contains(':'));
    }
}

fn number(mode: u8, thousands: &str, raw: &str) {
    let mut format = NumberFormat::with_decimal(if mode & 8 == 0 { '.' } else { ',' });
    if mode & 16 != 0 {
        format.thousands = thousands.chars().take(8).collect();
    }
    let _ = format.describe();
    if let Ok(value) = alike(|text| format.parse(text).map(|d| d.to_string()), raw)
        && let Ok(value) = Decimal::from_str_exact(&value)
    {
        money(Some(Money(value)));
    }
}

/// What the JSON of an amount holds, read back as the checks read a draft file.
fn read_back(m: Money) -> Option<Decimal> {
    let text = serde_json::to_value(m).ok()?.to_string();
    Decimal::from_str_exact(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()
}

fn money(amount: Option<Money>) {
    let Some(m) = amount else {
        return;
    };
    let _ = (m.decimals(), m.whole(), m.to_string());
    let json = serde_json::to_string(&m).expect("an amount is written as JSON");
    if let Some(whole) = m.whole() {
        assert_eq!(json, whole.to_string(), "{m:?}: a whole amount");
    }
    assert_eq!(
        m.json_decimal().map(|d| d.to_string()),
        read_back(m).map(|d| d.to_string()),
        "{m:?}: json_decimal"
    );
    for code in ["USD", "UGX", "KWD", "CLF", "XYZ"] {
        let _ = check_minor_units(m, code);
    }
    for decimals in [0, 2, 9, 28] {
        let _ = money::round(m.0, decimals);
    }
}

fn cell_text(text: &str, number: f64) {
    let _ = Cell::Number(number).display();
    let _ = Cell::Text(text.to_string()).display();
    let _ = (is_totals_word(text), parse_bool(text));
    assert_eq!(is_blank_text(text), text.trim().is_empty(), "{text:?}");
    if let Some(units) = money::minor_units(text) {
        assert!(text.len() == 3 && units <= 4, "{text:?}");
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    for split in [
        NameSplit::GivenFamily,
        NameSplit::GivenFamily2,
        NameSplit::FamilyGiven,
        NameSplit::FamilyCommaGiven,
    ] {
        let (first, last) = split.split(text);
        if split != NameSplit::FamilyCommaGiven || !text.contains(',') {
            // No word is lost or made up.
            let mut both: Vec<&str> = first.split_whitespace().collect();
            both.extend(last.split_whitespace());
            both.sort_unstable();
            let mut expected = words.clone();
            expected.sort_unstable();
            assert_eq!(both, expected, "{split:?} of {text:?}");
        }
    }
}

fn header_names(bytes: &[u8], pattern: &str, name: &str) {
    let index = usize::try_from(float(bytes).to_bits() % (1 << 40)).unwrap_or(0);
    let letters = column_letter(index);
    assert!(!letters.is_empty() && letters.bytes().all(|b| b.is_ascii_uppercase()));
    let (prefix, suffix) = pattern.split_once("{n}").unwrap_or((pattern, ""));
    let (name, prefix, suffix) = (normalize(name), normalize(prefix), normalize(suffix));
    let _ = pattern_number(&name, &prefix, &suffix);
}
