//! Money: decimal amounts, ISO 4217 minor units, and exact JSON numbers.
//!
//! Amounts never go through binary floating point arithmetic. They are parsed from text
//! in the export's declared number format (decimal comma, thousands separators, currency
//! signs) or taken from a workbook number cell with its binary noise rounded away, and
//! written to JSON as numbers exact to the currency's minor unit.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Active ISO 4217 codes and their minor units (number of decimals).
const CURRENCIES: &[(&str, u32)] = &[
    ("AED", 2),
    ("AFN", 2),
    ("ALL", 2),
    ("AMD", 2),
    ("ANG", 2),
    ("AOA", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("AWG", 2),
    ("AZN", 2),
    ("BAM", 2),
    ("BBD", 2),
    ("BDT", 2),
    ("BGN", 2),
    ("BHD", 3),
    ("BIF", 0),
    ("BMD", 2),
    ("BND", 2),
    ("BOB", 2),
    ("BRL", 2),
    ("BSD", 2),
    ("BTN", 2),
    ("BWP", 2),
    ("BYN", 2),
    ("BZD", 2),
    ("CAD", 2),
    ("CDF", 2),
    ("CHF", 2),
    ("CLF", 4),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CRC", 2),
    ("CUP", 2),
    ("CVE", 2),
    ("CZK", 2),
    ("DJF", 0),
    ("DKK", 2),
    ("DOP", 2),
    ("DZD", 2),
    ("EGP", 2),
    ("ERN", 2),
    ("ETB", 2),
    ("EUR", 2),
    ("FJD", 2),
    ("FKP", 2),
    ("GBP", 2),
    ("GEL", 2),
    ("GHS", 2),
    ("GIP", 2),
    ("GMD", 2),
    ("GNF", 0),
    ("GTQ", 2),
    ("GYD", 2),
    ("HKD", 2),
    ("HNL", 2),
    ("HTG", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("IQD", 3),
    ("IRR", 2),
    ("ISK", 0),
    ("JMD", 2),
    ("JOD", 3),
    ("JPY", 0),
    ("KES", 2),
    ("KGS", 2),
    ("KHR", 2),
    ("KMF", 0),
    ("KPW", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("KYD", 2),
    ("KZT", 2),
    ("LAK", 2),
    ("LBP", 2),
    ("LKR", 2),
    ("LRD", 2),
    ("LSL", 2),
    ("LYD", 3),
    ("MAD", 2),
    ("MDL", 2),
    ("MGA", 2),
    ("MKD", 2),
    ("MMK", 2),
    ("MNT", 2),
    ("MOP", 2),
    ("MRU", 2),
    ("MUR", 2),
    ("MVR", 2),
    ("MWK", 2),
    ("MXN", 2),
    ("MYR", 2),
    ("MZN", 2),
    ("NAD", 2),
    ("NGN", 2),
    ("NIO", 2),
    ("NOK", 2),
    ("NPR", 2),
    ("NZD", 2),
    ("OMR", 3),
    ("PAB", 2),
    ("PEN", 2),
    ("PGK", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("PYG", 0),
    ("QAR", 2),
    ("RON", 2),
    ("RSD", 2),
    ("RUB", 2),
    ("RWF", 0),
    ("SAR", 2),
    ("SBD", 2),
    ("SCR", 2),
    ("SDG", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("SHP", 2),
    ("SLE", 2),
    ("SOS", 2),
    ("SRD", 2),
    ("SSP", 2),
    ("STN", 2),
    ("SVC", 2),
    ("SYP", 2),
    ("SZL", 2),
    ("THB", 2),
    ("TJS", 2),
    ("TMT", 2),
    ("TND", 3),
    ("TOP", 2),
    ("TRY", 2),
    ("TTD", 2),
    ("TWD", 2),
    ("TZS", 2),
    ("UAH", 2),
    ("UGX", 0),
    ("USD", 2),
    ("UYI", 0),
    ("UYU", 2),
    ("UYW", 4),
    ("UZS", 2),
    ("VES", 2),
    ("VND", 0),
    ("VUV", 0),
    ("WST", 2),
    ("XAF", 0),
    ("XCD", 2),
    ("XOF", 0),
    ("XPF", 0),
    ("YER", 2),
    ("ZAR", 2),
    ("ZMW", 2),
    ("ZWG", 2),
];

/// The number of decimals of an ISO 4217 currency, or `None` for an unknown code.
pub fn minor_units(code: &str) -> Option<u32> {
    // Called for every amount of an export: a binary search on the sorted table, codes
    // compared as one integer each rather than as strings.
    let key = code_key(code)?;
    CURRENCIES
        .binary_search_by_key(&key, |(c, _)| code_key(c).unwrap_or(0))
        .ok()
        .map(|i| CURRENCIES[i].1)
}

/// A three-byte code as one integer that orders as the code's text does (big-endian
/// bytes); `None` for any other length (no such code is in the table).
fn code_key(code: &str) -> Option<u32> {
    match *code.as_bytes() {
        [a, b, c] => Some(u32::from_be_bytes([0, a, b, c])),
        _ => None,
    }
}

/// Rounds half away from zero to `decimals` places.
pub fn round(value: Decimal, decimals: u32) -> Decimal {
    value.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero)
}

/// An amount of money in a loan's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Money(pub Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// A workbook number: binary noise below 1e-9 is rounded away
    /// (`2000.4999999999998` is `2000.5`).
    pub fn from_f64(value: f64) -> Option<Money> {
        Decimal::from_f64_retain(value).map(|d| Money(round(d, 9).normalize()))
    }

    /// Decimals actually used (`1200.50` uses 1, `1200` uses 0).
    pub fn decimals(self) -> u32 {
        self.0.normalize().scale()
    }

    /// The amount as a whole number, when it is one that fits an `i64`: its JSON is
    /// then that integer. Whole amounts (most of them) need no normalizing, which
    /// changes only -0, whose mantissa is 0 anyway.
    pub fn whole(self) -> Option<i64> {
        if self.0.scale() == 0 {
            return i64::try_from(self.0.mantissa()).ok();
        }
        let value = self.0.normalize();
        if value.scale() == 0 {
            i64::try_from(value.mantissa()).ok()
        } else {
            None
        }
    }

    /// The exact decimal a reader of the draft's JSON gets back from this amount, as
    /// [`Serialize`] writes it and the rules read a draft file's numbers (the JSON
    /// number's text, exact or in scientific notation); `None` when that text is no
    /// decimal.
    ///
    /// Without writing the JSON when the amount is a whole number that fits in an
    /// `i64` (written as that integer), or has at most 15 significant digits: the
    /// shortest `f64` text that round-trips is then these digits (15 significant digits
    /// are exact in `f64`), and the value read back is the normalized amount.
    pub fn json_decimal(self) -> Option<Decimal> {
        if let Some(i) = self.whole() {
            return Some(Decimal::from(i));
        }
        let value = self.0.normalize();
        if value.scale() != 0 && value.mantissa().unsigned_abs() < 1_000_000_000_000_000 {
            return Some(value);
        }
        match serde_json::to_value(self).ok()? {
            serde_json::Value::Number(n) => {
                let text = n.to_string();
                Decimal::from_str_exact(&text)
                    .or_else(|_| Decimal::from_scientific(&text))
                    .ok()
            }
            _ => None,
        }
    }
}

impl std::ops::Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        Money(self.0 + other.0)
    }
}

impl std::ops::AddAssign for Money {
    fn add_assign(&mut self, other: Money) {
        self.0 += other.0;
    }
}

impl std::iter::Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.normalize())
    }
}

impl FromStr for Money {
    type Err = rust_decimal::Error;
    fn from_str(s: &str) -> Result<Money, Self::Err> {
        Decimal::from_str_exact(s).map(Money)
    }
}

/// Written as a plain JSON number with no exponent and no trailing zeros: `1200`,
/// `850.5`. Integers go out as integers; fractions through their exact decimal text.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if let Some(i) = self.whole() {
            return serializer.serialize_i64(i);
        }
        let value = self.0.normalize();
        // A decimal with at most 28 significant digits and a small scale: the shortest
        // f64 that round-trips prints back exactly this text for every money amount
        // below 10^15 (15 significant digits are exact in f64).
        let text = value.to_string();
        let float: f64 = text.parse().map_err(serde::ser::Error::custom)?;
        serializer.serialize_f64(float)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        let number = serde_json::Number::deserialize(deserializer)?;
        let text = number.to_string();
        Decimal::from_str_exact(&text)
            .or_else(|_| Decimal::from_scientific(&text))
            .map(|d| Money(d.normalize()))
            .map_err(|_| serde::de::Error::custom(format!("{text} is not a decimal amount")))
    }
}

/// How numbers are written in a text export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberFormat {
    /// The decimal separator: `.` or `,`.
    pub decimal: char,
    /// Accepted thousands separators (any of them; none when empty).
    pub thousands: Vec<char>,
}

impl Default for NumberFormat {
    fn default() -> Self {
        NumberFormat {
            decimal: '.',
            thousands: vec![',', ' ', '\u{a0}', '\u{202f}', '\''],
        }
    }
}

impl NumberFormat {
    /// The format for a decimal separator, with the usual thousands separators for it.
    pub fn with_decimal(decimal: char) -> NumberFormat {
        let thousands = if decimal == ',' {
            vec!['.', ' ', '\u{a0}', '\u{202f}']
        } else {
            vec![',', ' ', '\u{a0}', '\u{202f}', '\'']
        };
        NumberFormat { decimal, thousands }
    }

    /// Describes the format for messages: "decimal ',' and thousands '.'".
    pub fn describe(&self) -> String {
        let thousands = self.thousands.iter().find(|c| !c.is_whitespace()).copied();
        match thousands {
            Some(t) => format!("decimal '{}', thousands '{t}'", self.decimal),
            None => format!("decimal '{}'", self.decimal),
        }
    }

    /// A plain amount as most cells hold it (`56 250`, `1,200.50`): ASCII digits, the
    /// format's thousands separators grouping them by three, and a decimal part, starting
    /// and ending with a digit, at most 18 digits. Read in one pass, to the same value
    /// [`NumberFormat::parse`] gives; `None` for anything else, which that reads.
    fn parse_plain(&self, raw: &str) -> Option<Decimal> {
        let bytes = raw.as_bytes();
        if !bytes.first()?.is_ascii_digit() || !bytes.last()?.is_ascii_digit() {
            return None;
        }
        let decimal = u8::try_from(self.decimal).ok()?;
        let (mut mantissa, mut digits, mut scale) = (0u64, 0u32, None::<u32>);
        let (mut groups, mut current) = (0usize, 0usize);
        for &b in bytes {
            if b.is_ascii_digit() {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                digits += 1;
                if digits > 18 {
                    return None;
                }
                current += 1;
                if let Some(scale) = &mut scale {
                    *scale += 1;
                }
            } else if b == decimal && scale.is_none() {
                scale = Some(0);
            } else if b.is_ascii() && scale.is_none() && self.thousands.contains(&char::from(b)) {
                // A group before a separator: the first has 1 to 3 digits, the others 3.
                let ok = if groups == 0 {
                    (1..=3).contains(&current)
                } else {
                    current == 3
                };
                if !ok {
                    return None;
                }
                groups += 1;
                current = 0;
            } else {
                return None;
            }
        }
        // The digits after the last separator (before the decimal part) form a group too.
        let int_digits = current - scale.unwrap_or(0) as usize;
        if groups > 0 && int_digits != 3 {
            return None;
        }
        Some(Decimal::from_i128_with_scale(
            i128::from(mantissa),
            scale.unwrap_or(0),
        ))
    }

    /// Parses a number written by people or by an MIS: `1,500,000`, `1.500,00`,
    /// `150 000`, `$ 1,200.50`, `USh 500000`, `(25.00)` (negative), `-3`, `12 %`.
    /// Thousands separators must group digits by three; anything else is an error rather
    /// than a guess, so `1,5` is refused when the decimal separator is `.`.
    pub fn parse(&self, raw: &str) -> Result<Decimal, String> {
        match self.parse_plain(raw) {
            Some(value) => Ok(value),
            None => self.parse_any(raw),
        }
    }

    /// [`NumberFormat::parse`] for any text.
    fn parse_any(&self, raw: &str) -> Result<Decimal, String> {
        let mut s = raw.trim();
        let mut negative = false;
        if s.starts_with('(') && s.ends_with(')') {
            negative = true;
            s = &s[1..s.len() - 1];
        }
        // Strip currency codes and signs on either side (letters and symbols).
        let is_affix = |c: char| {
            c.is_alphabetic()
                || c == '$'
                || c == '€'
                || c == '£'
                || c == '%'
                || c == '/'
                || c == '₦'
                || c == '₱'
                || c == '₹'
                || c.is_whitespace()
        };
        s = s.trim_matches(is_affix);
        if let Some(rest) = s.strip_prefix('-') {
            negative = !negative;
            s = rest.trim_start_matches(is_affix);
        } else if let Some(rest) = s.strip_suffix('-') {
            negative = !negative;
            s = rest;
        } else if let Some(rest) = s.strip_prefix('+') {
            s = rest;
        }
        if s.is_empty()
            || !s
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit() || c == self.decimal)
        {
            return Err("is not a number".into());
        }
        let (int_part, frac_part) = match s.rfind(self.decimal) {
            Some(i) => (&s[..i], Some(&s[i + self.decimal.len_utf8()..])),
            None => (s, None),
        };
        let mut digits = String::with_capacity(s.len());
        // Digits per group: the first group's size, and whether any later one is not 3.
        let (mut groups, mut first_group, mut later_not_three, mut current) = (0, 0, false, 0);
        let mut end_group = |current: usize| {
            if groups == 0 {
                first_group = current;
            } else if current != 3 {
                later_not_three = true;
            }
            groups += 1;
        };
        for c in int_part.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                current += 1;
            } else if self.thousands.contains(&c) {
                end_group(current);
                current = 0;
            } else {
                return Err(format!("is not a number ({})", self.describe()));
            }
        }
        end_group(current);
        if groups > 1 && (first_group == 0 || first_group > 3 || later_not_three) {
            return Err(format!("is not a number ({})", self.describe()));
        }
        if let Some(frac) = frac_part {
            if !frac.chars().all(|c| c.is_ascii_digit()) {
                return Err(format!("is not a number ({})", self.describe()));
            }
            digits.push('.');
            digits.push_str(frac);
        }
        if digits.is_empty() || digits == "." {
            return Err("is not a number".into());
        }
        let value = Decimal::from_str_exact(&digits).map_err(|_| "is out of range".to_string())?;
        Ok(if negative { -value } else { value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str_exact(s).unwrap()
    }

    #[test]
    fn parses_the_formats_exports_use() {
        let dot = NumberFormat::default();
        let comma = NumberFormat::with_decimal(',');
        assert_eq!(dot.parse("1,500,000").unwrap(), d("1500000"));
        assert_eq!(dot.parse("$ 1,200.50").unwrap(), d("1200.50"));
        assert_eq!(dot.parse("USh 500000").unwrap(), d("500000"));
        assert_eq!(dot.parse("(25.00)").unwrap(), d("-25.00"));
        assert_eq!(dot.parse("-3").unwrap(), d("-3"));
        assert_eq!(dot.parse("12 %").unwrap(), d("12"));
        assert_eq!(dot.parse(".5").unwrap(), d("0.5"));
        assert_eq!(comma.parse("1.500,00").unwrap(), d("1500.00"));
        assert_eq!(comma.parse("150 000").unwrap(), d("150000"));
        assert_eq!(comma.parse("150\u{a0}000 FCFA").unwrap(), d("150000"));
        assert_eq!(comma.parse("S/ 2.345,5").unwrap(), d("2345.5"));
        assert_eq!(comma.parse("12,5").unwrap(), d("12.5"));
    }

    #[test]
    fn plain_amounts_read_fast_as_the_general_path_reads_them() {
        let inputs = [
            "0",
            "7",
            "007",
            "56250",
            "56 250",
            "1 350 000",
            "1,500,000",
            "1,200.50",
            "1.500,00",
            "1 234,5",
            "1234,5",
            "0,50",
            "12.5",
            "1,5",
            "1,50,000",
            "1234,567",
            "12 34",
            "1 2345",
            "1.",
            "1,",
            "999999999999999999",
            "9999999999999999999",
            "1\u{a0}000",
            "1 000 000,000001",
            "1,000.5.5",
            "1,000,00",
        ];
        for format in [NumberFormat::default(), NumberFormat::with_decimal(',')] {
            let mut fast = 0;
            for raw in inputs {
                let any = format.parse_any(raw);
                if let Some(value) = format.parse_plain(raw) {
                    fast += 1;
                    let any = any.unwrap_or_else(|e| panic!("{raw:?}: fast {value}, general {e}"));
                    // The same value and the same scale (as printed).
                    assert_eq!(value.to_string(), any.to_string(), "{raw:?}");
                }
            }
            assert!(fast >= 8, "most plain amounts take the fast path ({fast})");
        }
    }

    #[test]
    fn long_numbers_parse_as_decimal_does() {
        let dot = NumberFormat::default();
        // Past the fast path's 18 digits; Decimal has 28 significant digits.
        let long = format!("0.{}1", "0".repeat(45));
        assert_eq!(
            dot.parse(&long).map_err(|_| ()),
            Decimal::from_str_exact(&long).map_err(|_| ())
        );
        let digits = "1234567890".repeat(5);
        assert_eq!(dot.parse(&digits), Err("is out of range".to_string()));
        assert_eq!(
            dot.parse("0012345678901234567890.12345").unwrap(),
            d("12345678901234567890.12345")
        );
    }

    #[test]
    fn refuses_what_it_would_have_to_guess() {
        let dot = NumberFormat::default();
        assert!(dot.parse("1,5").is_err());
        assert!(dot.parse("1.500,00").is_err());
        assert!(dot.parse("12a4").is_err());
        assert!(dot.parse("").is_err());
        assert!(dot.parse("abc").is_err());
        assert!(NumberFormat::with_decimal(',').parse("1,500.00").is_err());
    }

    #[test]
    fn money_json_is_exact() {
        let amounts = [
            "1200",
            "850.5",
            "0.1",
            "2000.49",
            "1500000",
            "0.001",
            "123456789012.34",
        ];
        for a in amounts {
            let json = serde_json::to_string(&Money(d(a))).unwrap();
            assert_eq!(json, a);
            let back: Money = serde_json::from_str(&json).unwrap();
            assert_eq!(back, Money(d(a)));
        }
        assert_eq!(serde_json::to_string(&Money(d("1200.00"))).unwrap(), "1200");
    }

    /// What a reader of the JSON gets back, the way the rules read a draft file.
    fn read_back(m: Money) -> Option<Decimal> {
        let text = serde_json::to_value(m).ok()?.to_string();
        Decimal::from_str_exact(&text)
            .or_else(|_| Decimal::from_scientific(&text))
            .ok()
    }

    #[test]
    fn json_decimal_is_what_the_json_holds() {
        for a in [
            "1200",
            "1200.00",
            "-0",
            "850.5",
            "-2.35",
            "0.1",
            "0.0000001",
            "0.000000000000000000000000001",
            "123456789012.34",
            "999999999999999.9",
            "1234567890123456.78",
            "99999999999999999999",
            "0.1234567890123456789",
            "79228162514264337593543950335",
        ] {
            let m = Money(d(a));
            let got = m.json_decimal().map(|x| x.to_string());
            assert_eq!(got, read_back(m).map(|x| x.to_string()), "{a}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 5000,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        #[test]
        fn json_decimal_reads_back_any_amount(mantissa in proptest::prelude::any::<i64>(), scale in 0u32..=28) {
            let m = Money(Decimal::new(mantissa, scale));
            let got = m.json_decimal().map(|x| x.to_string());
            proptest::prop_assert_eq!(got, read_back(m).map(|x| x.to_string()));
        }
    }

    #[test]
    fn workbook_float_noise_is_rounded_away() {
        assert_eq!(
            Money::from_f64(2_000.499_999_999_999_8)
                .unwrap()
                .to_string(),
            "2000.5"
        );
        assert_eq!(Money::from_f64(0.1 + 0.2).unwrap().to_string(), "0.3");
        assert_eq!(Money::from_f64(1_500_000.0).unwrap().to_string(), "1500000");
    }

    #[test]
    fn minor_units_follow_iso_4217() {
        assert_eq!(minor_units("UGX"), Some(0));
        assert_eq!(minor_units("XOF"), Some(0));
        assert_eq!(minor_units("USD"), Some(2));
        assert_eq!(minor_units("KWD"), Some(3));
        assert_eq!(minor_units("XYZ"), None);
        assert!(
            CURRENCIES.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted for binary search"
        );
        assert!(CURRENCIES.iter().all(|(c, _)| minor_units(c).is_some()));
        assert_eq!(round(d("2.345"), 2), d("2.35"));
        assert_eq!(round(d("-2.5"), 0), d("-3"));
    }
}
