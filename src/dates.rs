//! Calendar dates in the formats exports use, declared per column.
//!
//! `15/01/2026` is January 15th in Lima and nonsense in Chicago; `03/04/2026` is
//! ambiguous everywhere. A date in text is read with the format the template declares
//! for its column (`dd/mm/yyyy`, `mm/dd/yyyy`, `d.m.yy`, `dd-mmm-yyyy`, ...); without one,
//! only ISO `yyyy-mm-dd` is accepted and the error says which format the value fits.
//! Month names are understood in English, Spanish, French and Portuguese.

use chrono::{Datelike, NaiveDate};

/// A character of a date's text: a `char`, or a byte of ASCII text.
trait Unit: Copy {
    fn char(self) -> char;
    fn is(self, c: char) -> bool {
        self.char() == c
    }
    fn digit(self) -> Option<u32> {
        self.char().to_digit(10)
    }
}

impl Unit for char {
    fn char(self) -> char {
        self
    }
}

impl Unit for u8 {
    fn char(self) -> char {
        char::from(self)
    }
    fn digit(self) -> Option<u32> {
        self.is_ascii_digit().then(|| u32::from(self - b'0'))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Day,
    Month,
    MonthName,
    Year4,
    Year2,
    Literal(char),
}

/// A declared date format such as `dd/mm/yyyy`, or Excel serial day numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFormat {
    pattern: String,
    tokens: Vec<Token>,
    serial: bool,
}

const MONTHS: [&[&str]; 12] = [
    &[
        "jan", "ene", "janv", "janeiro", "enero", "january", "janvier",
    ],
    &[
        "feb",
        "fev",
        "fév",
        "févr",
        "fevr",
        "february",
        "febrero",
        "février",
        "fevereiro",
    ],
    &["mar", "mars", "march", "marzo", "março", "marco"],
    &["apr", "abr", "avr", "april", "abril", "avril"],
    &["may", "mai", "mayo", "maio"],
    &["jun", "juin", "june", "junio", "junho"],
    &["jul", "juil", "july", "julio", "juillet", "julho"],
    &["aug", "ago", "août", "aout", "august", "agosto"],
    &[
        "sep",
        "sept",
        "set",
        "september",
        "septiembre",
        "setiembre",
        "septembre",
        "setembro",
    ],
    &["oct", "out", "october", "octubre", "octobre", "outubro"],
    &["nov", "november", "noviembre", "novembre", "novembro"],
    &[
        "dec",
        "dic",
        "déc",
        "dez",
        "december",
        "diciembre",
        "décembre",
        "dezembro",
    ],
];

impl DateFormat {
    /// The ISO format accepted when none is declared.
    pub fn iso() -> DateFormat {
        DateFormat::parse("yyyy-mm-dd").unwrap_or_else(|_| unreachable!())
    }

    /// Reads a pattern: `dd`/`d` day, `mm`/`m` month, `mmm`/`mmmm` month name, `yyyy`,
    /// `yy`, other characters literal; or `excel-serial` for day numbers.
    pub fn parse(pattern: &str) -> Result<DateFormat, String> {
        let pattern_lc = pattern.trim().to_lowercase();
        if pattern_lc == "excel-serial" {
            return Ok(DateFormat {
                pattern: pattern_lc,
                tokens: Vec::new(),
                serial: true,
            });
        }
        let chars: Vec<char> = pattern_lc.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let run = chars[i..].iter().take_while(|&&x| x == c).count();
            let token = match (c, run) {
                ('d', 1 | 2) => Token::Day,
                ('m', 1 | 2) => Token::Month,
                ('m', 3 | 4) => Token::MonthName,
                ('y', 4) => Token::Year4,
                ('y', 2) => Token::Year2,
                ('d' | 'm' | 'y', _) => {
                    return Err(format!(
                        "date format '{pattern}': '{}' is not understood (use dd, mm, mmm, yyyy or yy)",
                        c.to_string().repeat(run)
                    ));
                }
                (c, _) if c.is_alphanumeric() => {
                    return Err(format!(
                        "date format '{pattern}': unexpected '{c}' (use dd, mm, mmm, yyyy or yy and separators)"
                    ));
                }
                _ => {
                    tokens.extend(std::iter::repeat_n(Token::Literal(c), run));
                    i += run;
                    continue;
                }
            };
            tokens.push(token);
            i += run;
        }
        let has = |t: &Token| tokens.contains(t);
        if !(has(&Token::Day)
            && (has(&Token::Month) || has(&Token::MonthName))
            && (has(&Token::Year4) || has(&Token::Year2)))
        {
            return Err(format!(
                "date format '{pattern}' needs a day, a month and a year"
            ));
        }
        Ok(DateFormat {
            pattern: pattern.trim().to_string(),
            tokens,
            serial: false,
        })
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    pub fn is_serial(&self) -> bool {
        self.serial
    }

    /// An Excel serial day number (1900 date system) as a date.
    pub fn from_serial(serial: f64) -> Option<NaiveDate> {
        if !(1.0..2_958_466.0).contains(&serial) {
            return None;
        }
        #[allow(clippy::cast_possible_truncation)]
        let days = serial.floor() as i64;
        // Excel counts the non-existent 1900-02-29: day 60 and later are shifted.
        let base = NaiveDate::from_ymd_opt(1899, 12, if days >= 60 { 30 } else { 31 })?;
        base.checked_add_signed(chrono::TimeDelta::days(days))
    }

    /// Parses text in this format. A trailing time of day (`15/01/2026 00:00:00`) is
    /// ignored.
    pub fn parse_date(&self, raw: &str) -> Result<NaiveDate, String> {
        // Nearly every date of an export fills the pattern's full width (`05/03/2026`):
        // read straight from its bytes, before trimming or looking for a time.
        if let Some(date) = self.parse_full_width(raw.as_bytes()) {
            return date;
        }
        let text = strip_time(raw.trim());
        if self.serial {
            return text
                .parse::<f64>()
                .ok()
                .and_then(DateFormat::from_serial)
                .ok_or_else(|| "not an Excel serial date".to_string());
        }
        // This runs for every installment of every loan: ASCII text (nearly every date) is
        // read as bytes, other text as characters, which fit on the stack.
        if text.is_ascii() {
            return self.parse_units(text.as_bytes());
        }
        let mut buffer = ['\0'; 48];
        let mut count = 0;
        for c in text.chars() {
            if count == buffer.len() {
                return Err(self.expected());
            }
            buffer[count] = c;
            count += 1;
        }
        self.parse_units(&buffer[..count])
    }

    /// [`DateFormat::parse_date`] of text laid out exactly as the pattern at its full
    /// width: two digits for a day, month or two-digit year, four for a year, and the
    /// pattern's separators (neither a space nor `T`, which could start a time). `None`
    /// for anything else, left to the general reading, which gives the same answer here.
    fn parse_full_width(&self, bytes: &[u8]) -> Option<Result<NaiveDate, String>> {
        if self.serial {
            return None;
        }
        let (mut day, mut month, mut year) = (0, 0, 0);
        let mut i = 0;
        for token in &self.tokens {
            let width = match token {
                Token::Literal(c) => {
                    let c = u8::try_from(*c).ok()?;
                    if c == b' '
                        || c == b'T'
                        || !c.is_ascii_punctuation()
                        || bytes.get(i) != Some(&c)
                    {
                        return None;
                    }
                    i += 1;
                    continue;
                }
                Token::Year4 => 4,
                Token::Day | Token::Month | Token::Year2 => 2,
                Token::MonthName => return None,
            };
            let mut n = 0u32;
            for b in bytes.get(i..i + width)? {
                if !b.is_ascii_digit() {
                    return None;
                }
                n = n * 10 + u32::from(b - b'0');
            }
            i += width;
            match token {
                Token::Day => day = n,
                Token::Month => month = n,
                Token::Year2 => year = 2000 + n,
                _ => year = n,
            }
        }
        (i == bytes.len()).then(|| self.date(year, month, day))
    }

    /// The date of a year, month and day read in this format, or why there is none.
    fn date(&self, year: u32, month: u32, day: u32) -> Result<NaiveDate, String> {
        #[allow(clippy::cast_possible_wrap)]
        NaiveDate::from_ymd_opt(year as i32, month, day)
            .ok_or_else(|| format!("is not a date (expected {}; no such day)", self.pattern))
    }

    /// [`DateFormat::parse_date`] of text as its characters (or, when ASCII, its bytes).
    fn parse_units<C: Unit>(&self, chars: &[C]) -> Result<NaiveDate, String> {
        let (mut day, mut month, mut year) = (None, None, None);
        let mut i = 0;
        for token in &self.tokens {
            match token {
                Token::Literal(c) => {
                    if !chars.get(i).is_some_and(|u| u.is(*c)) {
                        return Err(self.expected());
                    }
                    i += 1;
                }
                Token::Day | Token::Month | Token::Year2 | Token::Year4 => {
                    let max = if *token == Token::Year4 { 4 } else { 2 };
                    // Up to `max` digits.
                    let (mut n, mut len) = (0u32, 0);
                    while len < max {
                        let Some(d) = chars.get(i + len).and_then(|c| c.digit()) else {
                            break;
                        };
                        n = n * 10 + d;
                        len += 1;
                    }
                    if len == 0 || (*token == Token::Year4 && len != 4) {
                        return Err(self.expected());
                    }
                    i += len;
                    match token {
                        Token::Day => day = Some(n),
                        Token::Month => month = Some(n),
                        Token::Year2 => year = Some(2000 + n),
                        _ => year = Some(n),
                    }
                }
                Token::MonthName => {
                    let len = chars[i..]
                        .iter()
                        .take_while(|c| c.char().is_alphabetic() || c.is('.'))
                        .count();
                    let name: String = chars[i..i + len]
                        .iter()
                        .map(|c| c.char())
                        .collect::<String>()
                        .trim_end_matches('.')
                        .to_lowercase();
                    i += len;
                    let found = MONTHS
                        .iter()
                        .position(|names| names.contains(&name.as_str()));
                    month =
                        Some(u32::try_from(found.ok_or_else(|| self.expected())? + 1).unwrap_or(0));
                }
            }
        }
        if i != chars.len() {
            return Err(self.expected());
        }
        let (Some(d), Some(m), Some(y)) = (day, month, year) else {
            return Err(self.expected());
        };
        self.date(y, m, d)
    }

    fn expected(&self) -> String {
        format!("is not a date (expected {})", self.pattern)
    }
}

/// The date before a time of day (`15/01/2026 00:00:00`, `2026-01-15T10:30Z`): the text
/// up to the first space or `T` after which a time starts, so that a date written with
/// spaces keeps them (`15 janvier 2026 00:00`).
fn strip_time(text: &str) -> &str {
    // Most dates have no time: nothing to look for.
    if memchr::memchr2(b' ', b'T', text.as_bytes()).is_none() {
        return text;
    }
    for (at, sep) in text.match_indices([' ', 'T']) {
        if is_time(text[at + sep.len()..].trim()) {
            return text[..at].trim_end();
        }
    }
    text
}

/// A time of day, its zone or AM/PM after it: it starts with the hour, one or two
/// digits, and a colon.
fn is_time(t: &str) -> bool {
    let hour = t.bytes().take_while(u8::is_ascii_digit).count();
    t.len() >= 4
        && (1..=2).contains(&hour)
        && t.as_bytes().get(hour) == Some(&b':')
        && t.chars()
            .all(|c| c.is_ascii_digit() || ":.+-Z ".contains(c) || c.is_alphabetic())
}

/// A date in text with no declared format: ISO only, and an error that says which
/// format the value fits when it is not ISO.
pub fn parse_undeclared(raw: &str) -> Result<NaiveDate, String> {
    let iso = DateFormat::iso();
    if let Ok(date) = iso.parse_date(raw) {
        return Ok(date);
    }
    let text = strip_time(raw.trim());
    let parts: Vec<&str> = text.split(['/', '-', '.']).collect();
    let numbers: Vec<Option<u32>> = parts.iter().map(|p| p.parse().ok()).collect();
    if let [Some(a), Some(b), Some(_)] = numbers[..] {
        let sep = text
            .chars()
            .find(|c| ['/', '-', '.'].contains(c))
            .unwrap_or('/');
        let (dmy, mdy) = (format!("dd{sep}mm{sep}yyyy"), format!("mm{sep}dd{sep}yyyy"));
        let hint = if a > 12 && b <= 12 {
            format!("it looks like {dmy}: declare format = \"{dmy}\" for this column")
        } else if b > 12 && a <= 12 {
            format!("it looks like {mdy}: declare format = \"{mdy}\" for this column")
        } else {
            format!(
                "day and month are ambiguous: declare format = \"{dmy}\" or \"{mdy}\" for this column"
            )
        };
        return Err(format!("is not an ISO date (yyyy-mm-dd); {hint}"));
    }
    Err("is not a date (expected yyyy-mm-dd, or declare the column's format)".to_string())
}

/// A date as the API wants it.
pub fn iso(date: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn declared_formats() {
        let dmy = DateFormat::parse("dd/mm/yyyy").unwrap();
        assert_eq!(dmy.parse_date("15/01/2026").unwrap(), ymd(2026, 1, 15));
        assert_eq!(dmy.parse_date("5/1/2026").unwrap(), ymd(2026, 1, 5));
        assert_eq!(
            dmy.parse_date("15/01/2026 00:00:00").unwrap(),
            ymd(2026, 1, 15)
        );
        assert_eq!(
            dmy.parse_date("31/02/2026").unwrap_err(),
            "is not a date (expected dd/mm/yyyy; no such day)"
        );
        assert_eq!(
            dmy.parse_date("2026-01-15").unwrap_err(),
            "is not a date (expected dd/mm/yyyy)"
        );
        let mdy = DateFormat::parse("mm/dd/yyyy").unwrap();
        assert_eq!(mdy.parse_date("01/15/2026").unwrap(), ymd(2026, 1, 15));
        let named = DateFormat::parse("dd-mmm-yyyy").unwrap();
        assert_eq!(named.parse_date("05-Ene-2026").unwrap(), ymd(2026, 1, 5));
        assert_eq!(named.parse_date("05-févr.-2026").unwrap(), ymd(2026, 2, 5));
        assert_eq!(named.parse_date("05-Sep-2026").unwrap(), ymd(2026, 9, 5));
        let short = DateFormat::parse("d.m.yy").unwrap();
        assert_eq!(short.parse_date("5.1.26").unwrap(), ymd(2026, 1, 5));
        // A time after a date written with spaces (found by the fuzzer).
        let spaced = DateFormat::parse("dd mmmm yyyy").unwrap();
        for text in [
            "15 janvier 2026 00:00:00",
            "15 janvier 2026T10:30",
            "15 janvier 2026 10:30 PM",
        ] {
            assert_eq!(spaced.parse_date(text).unwrap(), ymd(2026, 1, 15), "{text}");
        }
        let spaced = DateFormat::parse("dd mm yyyy").unwrap();
        assert_eq!(
            spaced.parse_date("15 01 2026 00:00").unwrap(),
            ymd(2026, 1, 15)
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 3000,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// ASCII text is read as bytes: the same answer, and the same error, as read as
        /// characters.
        #[test]
        fn ascii_dates_read_as_bytes_as_as_characters(
            text in "[0-9/.\\- ]{0,6}[0-9]{0,4}[/.\\-]?[0-9a-zA-Z.]{0,5}[/.\\-]?[0-9]{0,5}",
            format in 0usize..5,
        ) {
            let pattern = ["dd/mm/yyyy", "mm/dd/yyyy", "d.m.yy", "dd-mmm-yyyy", "yyyy-mm-dd"][format];
            let f = DateFormat::parse(pattern).unwrap();
            let chars: Vec<char> = text.chars().collect();
            proptest::prop_assert_eq!(f.parse_units(text.as_bytes()), f.parse_units(&chars[..]));
        }

        /// Text at the pattern's full width, read straight from its bytes: the same
        /// answer as the general reading (trimmed, without a time, token by token).
        /// The texts are near each pattern's full width: a digit more or less, another
        /// separator, days and months out of range, a space or time after.
        #[test]
        fn full_width_dates_read_as_the_general_reading(
            (pattern, text) in proptest::prop_oneof![
                (proptest::strategy::Just("dd/mm/yyyy"), "[0-9]{1,3}[/.]?[0-9]{2,3}/[0-9]{3,5}( |T00:00)?"),
                (proptest::strategy::Just("mm/dd/yyyy"), "[0-9]{2}/[0-9]{1,2}[/-][0-9]{4}"),
                (proptest::strategy::Just("d.m.yy"), "[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{2,3}"),
                (proptest::strategy::Just("yy.mm.dd"), "[0-9]{2}\\.[0-9]{2}\\.[0-9]{1,2} ?"),
                (proptest::strategy::Just("yyyy-mm-dd"), " ?[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9:]{5})?"),
                (proptest::strategy::Just("ddmmyyyy"), "[0-9]{7,9}"),
                (proptest::strategy::Just("excel-serial"), "[0-9]{5}"),
            ],
        ) {
            let f = DateFormat::parse(pattern).unwrap();
            if let Some(fast) = f.parse_full_width(text.as_bytes()) {
                let general = f.parse_units(strip_time(text.trim()).as_bytes());
                proptest::prop_assert_eq!(fast, general);
            }
        }
    }

    #[test]
    fn bad_formats_are_refused() {
        assert!(
            DateFormat::parse("dd/mm")
                .unwrap_err()
                .contains("needs a day, a month and a year")
        );
        assert!(DateFormat::parse("ddd/mm/yyyy").is_err());
        assert!(DateFormat::parse("dd/mm/yyyy hh").is_err());
    }

    #[test]
    fn undeclared_dates_are_iso_or_explained() {
        assert_eq!(parse_undeclared("2026-03-04").unwrap(), ymd(2026, 3, 4));
        assert!(
            parse_undeclared("15/01/2026")
                .unwrap_err()
                .contains("it looks like dd/mm/yyyy")
        );
        assert!(
            parse_undeclared("01/15/2026")
                .unwrap_err()
                .contains("it looks like mm/dd/yyyy")
        );
        assert!(
            parse_undeclared("03/04/2026")
                .unwrap_err()
                .contains("ambiguous")
        );
    }

    #[test]
    fn excel_serials() {
        assert_eq!(DateFormat::from_serial(46_037.0), Some(ymd(2026, 1, 15)));
        assert_eq!(DateFormat::from_serial(61.0), Some(ymd(1900, 3, 1)));
        assert_eq!(
            DateFormat::parse("excel-serial")
                .unwrap()
                .parse_date("46037")
                .unwrap(),
            ymd(2026, 1, 15)
        );
    }
}
