//! Mapping templates: how an export's columns become draft fields.
//!
//! A template is a TOML file (documented with examples in `templates/README.md`). It
//! names the export shape, how to read each input, the key columns, and for each draft
//! field either a column or a constant, with value maps, date formats, number formats
//! and name splitting. It is checked as a whole when loaded, so a typo is reported with
//! its line before any export is read.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::dates::DateFormat;
use crate::draft::{BORROWER_FIELDS, Kind, LOAN_FIELDS, SCHEDULE_FIELDS, TERMS_FIELDS};

/// How the rows of an export relate to loans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shape {
    /// One row per loan; the schedule in another sheet or file, keyed by loan.
    PerLoan,
    /// One row per borrower; borrowers sharing a group key form a group loan.
    PerBorrower,
    /// One row per installment (per borrower per installment for groups).
    Flat,
    /// One row per loan with installment columns (Due Date 1, Principal 1, ...).
    Wide,
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Shape::PerLoan => "per-loan",
            Shape::PerBorrower => "per-borrower",
            Shape::Flat => "flat",
            Shape::Wide => "wide",
        })
    }
}

/// How a full name splits into first and last name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameSplit {
    /// "Rosa Elena Quispe": the last word is the last name.
    GivenFamily,
    /// "María José Ibáñez Peña": the last two words are the last name (two surnames).
    GivenFamily2,
    /// "NAMUGGA Sarah": the first word is the last name.
    FamilyGiven,
    /// "Quispe Mamani, Rosa": last name before the comma.
    FamilyCommaGiven,
}

impl NameSplit {
    /// Splits a name; a single word is a first name with no last name.
    pub fn split(self, name: &str) -> (String, String) {
        let words: Vec<&str> = name.split_whitespace().collect();
        let join = |w: &[&str]| w.join(" ");
        if self == NameSplit::FamilyCommaGiven {
            return match name.split_once(',') {
                Some((family, given)) => (
                    join(&given.split_whitespace().collect::<Vec<_>>()),
                    join(&family.split_whitespace().collect::<Vec<_>>()),
                ),
                None => NameSplit::GivenFamily.split(name),
            };
        }
        if words.len() < 2 {
            return (join(&words), String::new());
        }
        let at = match self {
            NameSplit::GivenFamily => words.len() - 1,
            NameSplit::GivenFamily2 => words.len().saturating_sub(2).max(1),
            NameSplit::FamilyGiven => 1,
            NameSplit::FamilyCommaGiven => unreachable!(),
        };
        if self == NameSplit::FamilyGiven {
            (join(&words[at..]), join(&words[..at]))
        } else {
            (join(&words[..at]), join(&words[at..]))
        }
    }
}

/// A field's definition as written: a column name, or a table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    /// Source column header (for wide exports with `{n}` for the installment number).
    pub column: Option<String>,
    /// A constant used for every loan.
    pub value: Option<toml::Value>,
    /// Value map: source value (case-insensitive) to draft value; `"*"` catches the rest.
    pub map: Option<BTreeMap<String, toml::Value>>,
    /// Used when the column's cell is empty.
    pub default: Option<toml::Value>,
    /// Date format of the column (`dd/mm/yyyy`, `mm/dd/yyyy`, `excel-serial`, ...).
    pub format: Option<String>,
    /// For `name`: how to split it.
    pub split: Option<NameSplit>,
    /// Number format of this column, overriding the input's.
    pub decimal: Option<char>,
    pub thousands: Option<String>,
    /// Group loans: take this borrower field of every member, joined (internal ids).
    pub members: Option<String>,
    /// Separator for `members` and `combine = "join"` (default ", " and "; ").
    pub separator: Option<String>,
    /// Loan fields read from several rows (group members, installments): `same` (the
    /// default: they must agree), `first`, or `join` (distinct values joined).
    #[serde(default)]
    pub combine: Combine,
    /// Names to Kiva ids (or known locations/currencies) through the `config pull`
    /// cache: for `activity_id`, `theme_type_id`, `description_language_id`, location, currency.
    #[serde(default)]
    pub resolve: bool,
    /// With `resolve`: the export's own names for Kiva's ("Comercio" = "Retail").
    pub aliases: Option<BTreeMap<String, String>>,
}

/// Fields whose names can be resolved through Kiva's reference data.
pub const RESOLVABLE: &[&str] = &[
    "activity_id",
    "theme_type_id",
    "description_language_id",
    "location",
    "currency",
];

/// How a loan field read from several rows is combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Combine {
    #[default]
    Same,
    First,
    Join,
}

impl<'de> Deserialize<'de> for FieldSource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Not an untagged enum: that would hide the inner error ("unknown field `mapp`").
        let value = toml::Value::deserialize(d)?;
        match value {
            toml::Value::String(s) => Ok(FieldSource(FieldDef {
                column: Some(s),
                ..FieldDef::default()
            })),
            toml::Value::Table(t) => FieldDef::deserialize(toml::Value::Table(t))
                .map(FieldSource)
                .map_err(serde::de::Error::custom),
            other => Err(serde::de::Error::custom(format!(
                "expected a column name or a table such as {{ column = \"...\" }} or {{ value = ... }}, found {}",
                other.type_str()
            ))),
        }
    }
}

/// A field definition (string shorthand = column name).
#[derive(Debug, Clone)]
pub struct FieldSource(pub FieldDef);

/// How to read one input.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    /// Sheet name or 1-based index, for workbooks.
    pub sheet: Option<String>,
    /// First header row (1-based), when detection should not be used.
    pub header_row: Option<usize>,
    /// Number of header rows (2 for merged two-level headers).
    pub header_rows: Option<usize>,
    /// Text files: encoding label.
    pub encoding: Option<String>,
    /// Text files: delimiter (one character, or "tab").
    pub delimiter: Option<String>,
    /// Decimal separator of numbers written as text (`.` default, or `,`).
    pub decimal: Option<char>,
    /// Thousands separators accepted (default: the usual ones for the decimal separator).
    pub thousands: Option<String>,
    /// Schedule input only: the column holding the loan key (or a member's loan id).
    pub key: Option<String>,
}

/// Which columns identify loans, borrowers and groups.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keys {
    /// The loan key column: one value per loan (per member loan in per-borrower exports).
    pub loan: String,
    /// The group key: rows sharing a non-empty group key form one group loan. One
    /// column, or several (`["Group External Id", { column = "Disbursed", format =
    /// "dd/mm/yyyy" }]`: a group's loan cycles are told apart by their disbursal date).
    pub group: Option<GroupKey>,
    /// The borrower key column: rows of one loan with the same value are one borrower.
    pub borrower: Option<String>,
}

/// The columns of a group key, in order. The first names the group: a row whose first
/// part is empty belongs to no group (an individual loan keyed by `keys.loan`).
#[derive(Debug, Clone, Default)]
pub struct GroupKey {
    pub parts: Vec<FieldDef>,
}

impl GroupKey {
    /// The headers of the key's columns.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| p.column.as_deref())
    }

    /// A key of one column, as `group = "Group ID"` writes it.
    pub fn column(header: &str) -> GroupKey {
        GroupKey {
            parts: vec![FieldDef {
                column: Some(header.to_string()),
                ..FieldDef::default()
            }],
        }
    }
}

impl<'de> Deserialize<'de> for GroupKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let part = |value: toml::Value| -> Result<FieldDef, String> {
            let def = FieldSource::deserialize(value)
                .map_err(|e| e.to_string())?
                .0;
            let extra = def.value.is_some()
                || def.map.is_some()
                || def.default.is_some()
                || def.split.is_some()
                || def.decimal.is_some()
                || def.thousands.is_some()
                || def.members.is_some()
                || def.separator.is_some()
                || def.resolve
                || def.aliases.is_some()
                || def.combine != Combine::Same;
            match &def.column {
                None => Err("keys.group: each part needs a column".to_string()),
                Some(_) if extra => Err(
                    "keys.group: a part is a column name or { column = \"...\", format = \"...\" } (format for a date column)"
                        .to_string(),
                ),
                Some(_) => {
                    if let Some(f) = &def.format {
                        DateFormat::parse(f).map_err(|e| format!("keys.group: {e}"))?;
                    }
                    Ok(def)
                }
            }
        };
        let value = toml::Value::deserialize(d)?;
        let parts = match value {
            toml::Value::Array(items) if items.is_empty() => {
                return Err(D::Error::custom("keys.group: name at least one column"));
            }
            toml::Value::Array(items) => items
                .into_iter()
                .map(part)
                .collect::<Result<Vec<_>, _>>()
                .map_err(D::Error::custom)?,
            other => vec![part(other).map_err(D::Error::custom)?],
        };
        Ok(GroupKey { parts })
    }
}

/// A whole template as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub name: Option<String>,
    pub description: Option<String>,
    pub shape: Shape,
    #[serde(default)]
    pub input: InputSpec,
    pub schedule_input: Option<InputSpec>,
    pub keys: Keys,
    #[serde(default)]
    pub loan: BTreeMap<String, FieldSource>,
    #[serde(default)]
    pub borrower: BTreeMap<String, FieldSource>,
    #[serde(default)]
    pub schedule: BTreeMap<String, FieldSource>,
    /// Loan terms to generate the schedule from, when the export has no installments.
    #[serde(default)]
    pub terms: BTreeMap<String, FieldSource>,
}

/// A template that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("template '{file}': {message}")]
pub struct TemplateError {
    pub file: String,
    pub message: String,
}

impl Template {
    /// Loads and checks a template file.
    pub fn load(path: &Path) -> Result<Template, TemplateError> {
        /// The largest template read: 16 MB. Templates are a few KB of TOML (a value map
        /// of thousands of codes, a few hundred KB); a larger file is something else,
        /// most likely the export given as the template, and is not read into memory.
        const MAX_BYTES: u64 = 16 << 20;
        let file = path.display().to_string();
        let error = |message: String| TemplateError {
            file: file.clone(),
            message,
        };
        let cannot = |e: &std::io::Error| {
            error(format!("cannot read: {}", crate::read::text::io_message(e)))
        };
        let size = std::fs::metadata(path).map_err(|e| cannot(&e))?.len();
        if size > MAX_BYTES {
            return Err(error(format!(
                "is {} MB, not a template (templates are a few KB of TOML): is it the export? Give the export as an input and the template with --template",
                size.div_ceil(1 << 20)
            )));
        }
        let text = std::fs::read_to_string(path).map_err(|e| cannot(&e))?;
        Template::parse(&text).map_err(|message| TemplateError { file, message })
    }

    /// Parses and checks template text.
    pub fn parse(text: &str) -> Result<Template, String> {
        let template: Template = toml::from_str(text).map_err(|e| {
            let message = e.message().to_string();
            match e.span() {
                Some(span) => {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!("line {line}: {message}")
                }
                None => message,
            }
        })?;
        template.check()?;
        Ok(template)
    }

    fn check(&self) -> Result<(), String> {
        check_section("loan", &self.loan, LOAN_FIELDS)?;
        check_section("borrower", &self.borrower, BORROWER_FIELDS)?;
        check_section("schedule", &self.schedule, SCHEDULE_FIELDS)?;
        check_section("terms", &self.terms, TERMS_FIELDS)?;
        if !self.terms.is_empty() {
            if !self.schedule.is_empty() {
                return Err(
                    "[terms] generates the schedule: remove [schedule] (or [terms])".into(),
                );
            }
            for required in ["installments", "frequency", "annual_rate", "method"] {
                if !self.terms.contains_key(required) {
                    return Err(format!("[terms] needs {required} (a column or a value)"));
                }
            }
            if !self.loan.contains_key("disburse_time") {
                return Err(
                    "[terms] needs [loan] disburse_time: schedules start at disbursal".into(),
                );
            }
            if !self.loan.contains_key("currency") {
                return Err(
                    "[terms] needs [loan] currency: installments are rounded to its minor unit"
                        .into(),
                );
            }
            for word in ["frequency", "method", "day_count"] {
                if let Some(FieldSource(def)) = self.terms.get(word)
                    && let Some(value) = def.value.as_ref().and_then(scalar_text)
                {
                    let parsed = match word {
                        "frequency" => value.parse::<crate::amortize::Frequency>().map(|_| ()),
                        "method" => value.parse::<crate::amortize::Method>().map(|_| ()),
                        _ => value.parse::<crate::amortize::DayCount>().map(|_| ()),
                    };
                    parsed.map_err(|e| format!("[terms] {word}: {e}"))?;
                }
            }
        }
        let has = |name: &str| self.borrower.contains_key(name);
        if !has("first_name") && !has("name") {
            return Err("[borrower] needs first_name (and last_name) or name".into());
        }
        if has("name") && (has("first_name") || has("last_name")) {
            return Err("[borrower] has both name and first_name/last_name: keep one".into());
        }
        if let Some(FieldSource(def)) = self.borrower.get("name")
            && def.split.is_none()
        {
            return Err("[borrower] name: say how to split it: split = \"given-family\", \"given-family2\", \"family-given\" or \"family-comma-given\"".into());
        }
        for (name, FieldSource(def)) in &self.loan {
            if let Some(member) = &def.members
                && !["client_id", "loan_id"].contains(&member.as_str())
            {
                return Err(format!(
                    "[loan] {name}: members must be \"client_id\" or \"loan_id\""
                ));
            }
        }
        if !self.schedule.is_empty() {
            for required in ["date", "principal", "interest"] {
                if !self.schedule.contains_key(required) {
                    return Err(format!("[schedule] needs {required}"));
                }
            }
        }
        let wide = self
            .schedule
            .values()
            .any(|FieldSource(d)| d.column.as_deref().is_some_and(|c| c.contains("{n}")));
        match self.shape {
            Shape::Wide if !wide && self.terms.is_empty() => {
                return Err("shape \"wide\" needs [schedule] columns with {n} for the installment number, e.g. date = \"Due Date {n}\"".into());
            }
            Shape::Flat if self.schedule_input.is_some() => {
                return Err(
                    "shape \"flat\" reads the schedule from the same rows: remove [schedule_input]"
                        .into(),
                );
            }
            Shape::Flat
                if self.keys.borrower.is_none() && !self.borrower.contains_key("client_id") =>
            {
                return Err("shape \"flat\" repeats borrowers on each installment row: set keys.borrower (or map borrower.client_id)".into());
            }
            _ => {}
        }
        if wide && self.shape != Shape::Wide {
            return Err(format!(
                "{{n}} in [schedule] columns is only for shape \"wide\" (this template says \"{}\")",
                self.shape
            ));
        }
        if let Some(input) = &self.schedule_input {
            if input.key.is_none() {
                return Err("[schedule_input] needs key: the column holding the loan key".into());
            }
            if self.schedule.is_empty() {
                return Err("[schedule_input] is set but [schedule] maps no columns".into());
            }
        }
        for spec in std::iter::once(&self.input).chain(self.schedule_input.as_ref()) {
            if let Some(d) = spec.decimal
                && d != '.'
                && d != ','
            {
                return Err(format!("decimal must be \".\" or \",\" (got \"{d}\")"));
            }
            if let Some(n) = spec.header_rows
                && !(1..=2).contains(&n)
            {
                return Err(format!("header_rows must be 1 or 2 (got {n})"));
            }
            if spec.header_row == Some(0) {
                return Err("header_row counts from 1".into());
            }
            if let Some(d) = &spec.delimiter {
                delimiter_byte(d)?;
            }
        }
        Ok(())
    }
}

/// The byte of a delimiter written in a template or on the command line.
pub fn delimiter_byte(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        s if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        s => Err(format!(
            "delimiter must be one ASCII character or \"tab\" (got \"{s}\")"
        )),
    }
}

fn check_section(
    section: &str,
    fields: &BTreeMap<String, FieldSource>,
    known: &[(&str, Kind)],
) -> Result<(), String> {
    for (name, FieldSource(def)) in fields {
        let Some((_, kind)) = known.iter().find(|(n, _)| n == name) else {
            let names: Vec<&str> = known.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "[{section}] unknown field '{name}' (known: {})",
                names.join(", ")
            ));
        };
        let sources = usize::from(def.column.is_some())
            + usize::from(def.value.is_some())
            + usize::from(def.members.is_some());
        if sources != 1 {
            return Err(format!(
                "[{section}] {name}: give exactly one of column, value{}",
                if section == "loan" { " or members" } else { "" }
            ));
        }
        if def.members.is_some() && section != "loan" {
            return Err(format!(
                "[{section}] {name}: members is only for [loan] fields"
            ));
        }
        if let Some(format) = &def.format {
            if *kind != Kind::Date {
                return Err(format!("[{section}] {name}: format is only for dates"));
            }
            DateFormat::parse(format).map_err(|e| format!("[{section}] {name}: {e}"))?;
        }
        if (def.resolve || def.aliases.is_some())
            && (section != "loan" || !RESOLVABLE.contains(&name.as_str()))
        {
            return Err(format!(
                "[{section}] {name}: resolve and aliases are only for {}",
                RESOLVABLE.join(", ")
            ));
        }
        if def.aliases.is_some() && !def.resolve {
            return Err(format!("[{section}] {name}: aliases need resolve = true"));
        }
        if def.split.is_some() && *kind != Kind::FullName {
            return Err(format!("[{section}] {name}: split is only for name"));
        }
        if let Some(d) = def.decimal
            && d != '.'
            && d != ','
        {
            return Err(format!(
                "[{section}] {name}: decimal must be \".\" or \",\""
            ));
        }
    }
    Ok(())
}

/// A TOML scalar as the text a cell would hold.
pub fn scalar_text(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        toml::Value::Datetime(d) => Some(d.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        shape = "per-loan"
        [keys]
        loan = "Loan No"
        [borrower]
        first_name = "First"
        amount = { column = "Amount", decimal = "," }
    "#;

    #[test]
    fn parses_shorthand_and_tables() {
        let t = Template::parse(MINIMAL).unwrap();
        assert_eq!(t.shape, Shape::PerLoan);
        assert_eq!(t.borrower["first_name"].0.column.as_deref(), Some("First"));
        assert_eq!(t.borrower["amount"].0.decimal, Some(','));
    }

    #[test]
    fn reports_mistakes_with_their_line() {
        let bad = MINIMAL.replace("decimal = \",\"", "decimals = \",\"");
        let err = Template::parse(&bad).unwrap_err();
        assert!(err.starts_with("line 7: unknown field `decimals`"), "{err}");
        let bad = MINIMAL.replace("first_name", "firstname");
        let err = Template::parse(&bad).unwrap_err();
        assert!(
            err.starts_with("[borrower] unknown field 'firstname'"),
            "{err}"
        );
        let bad = MINIMAL.replace("\"per-loan\"", "\"per-row\"");
        assert!(
            Template::parse(&bad)
                .unwrap_err()
                .contains("unknown variant `per-row`")
        );
        let bad = MINIMAL.replace(
            "amount = { column = \"Amount\", decimal = \",\" }",
            "amount = { value = 3, column = \"A\" }",
        );
        assert!(
            Template::parse(&bad)
                .unwrap_err()
                .contains("exactly one of")
        );
    }

    #[test]
    fn shape_rules() {
        let wide = MINIMAL.replace("per-loan", "wide");
        assert!(Template::parse(&wide).unwrap_err().contains("{n}"));
        let flat = MINIMAL.replace("per-loan", "flat");
        assert!(
            Template::parse(&flat)
                .unwrap_err()
                .contains("keys.borrower")
        );
    }

    #[test]
    fn group_keys_of_one_or_several_columns() {
        let with = |group: &str| {
            Template::parse(&MINIMAL.replace(
                "loan = \"Loan No\"",
                &format!("loan = \"Loan No\"\n        group = {group}"),
            ))
        };
        let one = with("\"Group\"").unwrap();
        assert_eq!(
            one.keys.group.unwrap().columns().collect::<Vec<_>>(),
            ["Group"]
        );
        let two = with("[\"Group\", { column = \"Disbursed\", format = \"dd/mm/yyyy\" }]")
            .unwrap()
            .keys
            .group
            .unwrap();
        assert_eq!(two.columns().collect::<Vec<_>>(), ["Group", "Disbursed"]);
        assert_eq!(two.parts[1].format.as_deref(), Some("dd/mm/yyyy"));
        for (bad, message) in [
            ("[]", "keys.group: name at least one column"),
            ("[{ value = 3 }]", "keys.group: each part needs a column"),
            (
                "[\"G\", { column = \"D\", map = { a = \"b\" } }]",
                "keys.group: a part is a column name or { column",
            ),
            (
                "[\"G\", { column = \"D\", format = \"qq\" }]",
                "keys.group: ",
            ),
            ("3", "expected a column name or a table"),
        ] {
            let err = with(bad).unwrap_err();
            assert!(err.contains(message), "{bad}: {err}");
        }
    }

    #[test]
    fn name_splits() {
        assert_eq!(
            NameSplit::GivenFamily.split("Rosa Elena Quispe"),
            ("Rosa Elena".into(), "Quispe".into())
        );
        assert_eq!(
            NameSplit::GivenFamily2.split("María José Ibáñez Peña"),
            ("María José".into(), "Ibáñez Peña".into())
        );
        assert_eq!(
            NameSplit::GivenFamily2.split("Ana Peña"),
            ("Ana".into(), "Peña".into())
        );
        assert_eq!(
            NameSplit::FamilyGiven.split("NAMUGGA Sarah K."),
            ("Sarah K.".into(), "NAMUGGA".into())
        );
        assert_eq!(
            NameSplit::FamilyCommaGiven.split("Quispe Mamani, Rosa"),
            ("Rosa".into(), "Quispe Mamani".into())
        );
        assert_eq!(
            NameSplit::GivenFamily.split("  Madonna "),
            ("Madonna".into(), String::new())
        );
    }
}
