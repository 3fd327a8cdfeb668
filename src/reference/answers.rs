//! Reading Kiva's config answers into lists, or saying why they cannot be used.
//!
//! The public material shows several shapes, and Kiva's answers changed between
//! versions: a plain list, or an object holding the list under the endpoint's name (or
//! `data`, `items`, `results`, `values`, one level down at most) next to an
//! `as_of_date_time`; field names in `snake_case`, `camelCase` or `PascalCase`; ids as
//! numbers or numeric strings. Kiva's own C# sample (fsp-sdk, get.loan.themes) reads
//! `{activity_id, activity}`, `{theme_type_id, theme_type}`, `{country, location,
//! full_name}` and locales as one item per language and currency, `{currency,
//! language_code, language_name, language_id}`; other integrations read `{id, name}`,
//! `activityId`, a `languages` list beside a `currencies` list. All of these are read.

#[allow(clippy::wildcard_imports)]
use super::*;

/// The bodies of the four config answers, as received.
#[derive(Debug, Clone, Copy)]
pub struct Answers<'a> {
    pub activities: &'a [u8],
    pub themes: &'a [u8],
    pub locations: &'a [u8],
    pub locales: &'a [u8],
}

impl<'a> Answers<'a> {
    /// The body `endpoint` answered.
    pub fn body(&self, endpoint: Endpoint) -> &'a [u8] {
        match endpoint {
            Endpoint::Activities => self.activities,
            Endpoint::Themes => self.themes,
            Endpoint::Locations => self.locations,
            Endpoint::Locales => self.locales,
        }
    }
}

/// The config endpoints `config pull` reads, under `/v3/partner/{id}/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Activities,
    Themes,
    Locations,
    Locales,
}

impl Endpoint {
    pub const ALL: [Endpoint; 4] = [
        Endpoint::Activities,
        Endpoint::Themes,
        Endpoint::Locations,
        Endpoint::Locales,
    ];

    /// `config/activities`, ...
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Activities => "config/activities",
            Endpoint::Themes => "config/themes",
            Endpoint::Locations => "config/locations",
            Endpoint::Locales => "config/locales",
        }
    }
}

/// The lists a cache holds, each required. Locations are required too: a draft's
/// `location` must be one of the partner's locations and PA2 publishes no loan without
/// one, so a partner with none cannot publish at all; Kiva's samples never show an
/// empty list; and an empty list would silently turn off the `location-unknown` check
/// and location names in templates. An empty answer is far likelier to be a changed
/// shape than a real partner without locations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Activities,
    Themes,
    Locations,
    Languages,
    Currencies,
}

impl Kind {
    pub fn endpoint(self) -> Endpoint {
        match self {
            Kind::Activities => Endpoint::Activities,
            Kind::Themes => Endpoint::Themes,
            Kind::Locations => Endpoint::Locations,
            Kind::Languages | Kind::Currencies => Endpoint::Locales,
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Kind::Activities => "activities",
            Kind::Themes => "themes",
            Kind::Locations => "locations",
            Kind::Languages => "languages",
            Kind::Currencies => "currencies",
        }
    }

    fn singular(self) -> &'static str {
        match self {
            Kind::Activities => "activity",
            Kind::Themes => "theme",
            Kind::Locations => "location",
            Kind::Languages => "language",
            Kind::Currencies => "currency",
        }
    }

    /// What one item must look like (the first name of each field is Kiva's).
    fn item_shape(self) -> &'static str {
        match self {
            Kind::Activities => "{activity_id|id, activity|name}",
            Kind::Themes => "{theme_type_id|id, theme_type|name}",
            Kind::Locations => "{location|full_name, country}",
            Kind::Languages => "{language_id|id, language_name|name, language_code|code, currency}",
            Kind::Currencies => "an ISO 4217 code such as \"UGX\"",
        }
    }

    /// What the answer must hold.
    fn expected(self) -> String {
        match self {
            Kind::Currencies => {
                "a currency on each locale, or a list of currencies, as ISO 4217 codes".into()
            }
            kind => format!("a list of {}", kind.item_shape()),
        }
    }
}

/// What made an answer unusable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The body is not JSON (or is empty).
    NotJson,
    /// No list of the kind, or an empty one.
    NoItems,
    /// A list of `total` items, none readable.
    NoneReadable { total: usize },
}

/// A config answer that does not hold a list `pull` needs: `pull` stops and writes
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unusable {
    pub kind: Kind,
    pub problem: Problem,
}

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = self.kind;
        write!(f, "{}: ", kind.endpoint().path())?;
        match self.problem {
            Problem::NotJson => f.write_str("the answer is not JSON")?,
            Problem::NoItems => write!(f, "no {} in the answer", kind.plural())?,
            Problem::NoneReadable { total: 1 } => {
                write!(
                    f,
                    "the only {} in the answer could not be read",
                    kind.singular()
                )?;
            }
            Problem::NoneReadable { total } => write!(
                f,
                "none of the {total} {} in the answer could be read",
                kind.plural()
            )?,
        }
        write!(f, " (expected {})", kind.expected())
    }
}

impl Unusable {
    /// The whole message: what was wrong and expected, then how the answer began (its
    /// first [`EXCERPT_BYTES`] bytes, passed through `redact` before being cut).
    pub fn message(&self, answers: &Answers<'_>, redact: impl Fn(&str) -> String) -> String {
        let body = String::from_utf8_lossy(answers.body(self.kind.endpoint()));
        if body.trim().is_empty() {
            format!("{self}; the answer was empty")
        } else {
            format!(
                "{self}; the answer began: {}",
                excerpt(&redact(&body), EXCERPT_BYTES)
            )
        }
    }
}

/// Items of a list that could not be read and were left out of the cache.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub kind: Kind,
    /// How many were left out, of how many.
    pub count: usize,
    pub total: usize,
    /// The first one left out.
    pub first: Value,
}

impl Skipped {
    /// The warning: the endpoint, the count, what was expected and the first item
    /// left out (at most [`EXCERPT_BYTES`] bytes of it, redacted before being cut).
    pub fn message(&self, redact: impl Fn(&str) -> String) -> String {
        let item = excerpt(&redact(&self.first.to_string()), EXCERPT_BYTES);
        let (verb, lead) = if self.count == 1 {
            ("was", ": ")
        } else {
            ("were", "; the first: ")
        };
        format!(
            "{}: {} of {} {} could not be read and {verb} left out (expected {}){lead}{item}",
            self.kind.endpoint().path(),
            self.count,
            self.total,
            self.kind.plural(),
            self.kind.item_shape(),
        )
    }
}

/// A cache built from answers, and what had to be left out of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pulled {
    pub cache: Cache,
    pub skipped: Vec<Skipped>,
}

/// How much of an answer or an item messages show.
pub const EXCERPT_BYTES: usize = 200;

/// The first `limit` bytes of `text`, cut on a character boundary (`...` marks the
/// cut), with control characters and invisible direction marks escaped (`\n`,
/// `\u{1b}`, `\u{202e}`) so that a server's answer cannot garble the terminal.
pub fn excerpt(text: &str, limit: usize) -> String {
    let mut out = String::with_capacity(limit.min(text.len()) + 3);
    let mut used = 0;
    for c in text.chars() {
        used += c.len_utf8();
        if used > limit {
            out.push_str("...");
            break;
        }
        let invisible = matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2069}' | '\u{feff}');
        if c.is_control() || invisible {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

pub(super) fn parse(body: &[u8], kind: Kind) -> Result<Value, Unusable> {
    serde_json::from_slice(body).map_err(|_| Unusable {
        kind,
        problem: Problem::NotJson,
    })
}

/// A field name as compared: lower case, without `_`, `-` and spaces, so that
/// `activity_id`, `activityId` and `ActivityId` are one name. `wanted` is already so.
pub(super) fn same_name(field: &str, wanted: &str) -> bool {
    field
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .eq(wanted.chars())
}

/// The first of `names` (in that order of preference) that `v` has with a value
/// `read` accepts.
pub(super) fn read_field<T>(
    v: &Value,
    names: &[&str],
    read: impl Fn(&Value) -> Option<T>,
) -> Option<T> {
    let object = v.as_object()?;
    names.iter().find_map(|name| {
        object
            .iter()
            .filter(|(field, _)| same_name(field, name))
            .find_map(|(_, value)| read(value))
    })
}

/// The value of the first of `names` that `v` has, not null.
pub(super) fn field<'a>(v: &'a Value, names: &[&str]) -> Option<&'a Value> {
    let object = v.as_object()?;
    names.iter().find_map(|name| {
        object
            .iter()
            .find(|(field, value)| same_name(field, name) && !value.is_null())
            .map(|(_, value)| value)
    })
}

/// Wrappers a list may sit in.
pub(super) const WRAPPERS: [&str; 6] = ["data", "items", "results", "result", "values", "response"];

/// The list in an answer: the answer itself when it is a list (if `generic`), else the
/// value of the first of `names` (then, if `generic`, of a wrapper such as `data`)
/// that is a list, looking one object down. Failing those, if `generic`, the object's
/// only list that is not one of `others`. (`generic` is off for a list that sits
/// beside the main one, such as `currencies` beside `locales`.)
pub(super) fn find_list<'a>(
    answer: &'a Value,
    names: &[&str],
    others: &[&str],
    generic: bool,
) -> Option<&'a [Value]> {
    fn find<'a>(
        answer: &'a Value,
        names: &[&str],
        others: &[&str],
        generic: bool,
        depth: u8,
    ) -> Option<&'a [Value]> {
        if let Some(list) = answer.as_array() {
            return generic.then_some(list.as_slice());
        }
        let object = answer.as_object()?;
        let wrappers: &[&str] = if generic { &WRAPPERS } else { &[] };
        let keyed = names.iter().chain(wrappers).find_map(|name| {
            object
                .iter()
                .find_map(|(field, value)| value.as_array().filter(|_| same_name(field, name)))
        });
        if let Some(list) = keyed {
            return Some(list);
        }
        if depth > 0 {
            // One object down: `{"data": {"activities": [...]}}`, also for a list that
            // is not found by wrappers itself (`{"data": {"currencies": [...]}}`).
            let inner = names.iter().chain(&WRAPPERS).flat_map(|name| {
                object
                    .iter()
                    .filter(move |(field, v)| same_name(field, name) && v.is_object())
                    .map(|(_, value)| value)
            });
            for value in inner {
                if let Some(list) = find(value, names, others, generic, depth - 1) {
                    return Some(list);
                }
            }
        }
        if !generic {
            return None;
        }
        let mut lists = object
            .iter()
            .filter(|(field, _)| !others.iter().any(|o| same_name(field, o)))
            .filter_map(|(_, v)| v.as_array());
        match (lists.next(), lists.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }
    find(answer, names, others, generic, 1)
}

/// A numeric id: a number or a numeric string (`61`, `"61"`, `61.0`).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // whole, 0..2^53: exact
pub(super) fn id(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && (0.0..9.0e15).contains(f))
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A non-empty text, trimmed.
pub(super) fn text(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The field names of one kind of named item, compared as by [`same_name`]; the first
/// of each list is Kiva's own.
pub(super) struct Fields {
    ids: &'static [&'static str],
    names: &'static [&'static str],
    codes: &'static [&'static str],
}

pub(super) const ACTIVITY: Fields = Fields {
    ids: &["activityid", "id"],
    names: &[
        "activity",
        "activityname",
        "name",
        "value",
        "label",
        "displayname",
        "englishname",
        "title",
    ],
    codes: &[],
};

pub(super) const THEME: Fields = Fields {
    ids: &["themetypeid", "loanthemetypeid", "themeid", "id"],
    names: &[
        "themetype",
        "themetypename",
        "loanthemetype",
        "themename",
        "theme",
        "name",
        "value",
        "label",
        "displayname",
        "title",
    ],
    codes: &[],
};

pub(super) const LANGUAGE: Fields = Fields {
    ids: &["languageid", "descriptionlanguageid", "langid", "id"],
    names: &[
        "languagename",
        "language",
        "name",
        "englishname",
        "displayname",
        "value",
        "label",
    ],
    codes: &[
        "languagecode",
        "code",
        "isocode",
        "languageisocode",
        "iso6391",
    ],
};

pub(super) const CURRENCY: [&str; 5] = [
    "currency",
    "currencycode",
    "currencyisocode",
    "code",
    "isocode",
];

pub(super) fn named(v: &Value, fields: &Fields) -> Option<Named> {
    Some(Named {
        id: read_field(v, fields.ids, id)?,
        name: read_field(v, fields.names, text)?,
        code: read_field(v, fields.codes, text),
    })
}

/// A location: an object, or just its name.
pub(super) fn location(v: &Value) -> Option<Location> {
    if let Some(name) = text(v) {
        return Some(Location {
            location: name,
            country: None,
            full_name: None,
        });
    }
    let full_name = read_field(
        v,
        &[
            "fullname",
            "fulllocation",
            "fulllocationname",
            "displayname",
        ],
        text,
    );
    let location = read_field(v, &["location", "locationname", "name", "city"], text)
        .or_else(|| full_name.clone())?;
    let country = read_field(v, &["country", "countryname"], |c| {
        text(c).or_else(|| read_field(c, &["name", "countryname"], text))
    });
    Some(Location {
        location,
        country,
        full_name,
    })
}

/// A currency: an ISO 4217 code, as text or as an object holding one.
pub(super) fn currency(v: &Value) -> Option<String> {
    let code = text(v)
        .or_else(|| read_field(v, &CURRENCY, text))?
        .to_uppercase();
    crate::money::minor_units(&code).map(|_| code)
}

/// Items of a list as read, with those that could not be.
pub(super) struct Tally<T> {
    read: Vec<T>,
    total: usize,
    unreadable: usize,
    first_unreadable: Option<Value>,
}

impl<T> Tally<T> {
    fn new() -> Self {
        Tally {
            read: Vec::new(),
            total: 0,
            unreadable: 0,
            first_unreadable: None,
        }
    }

    fn add(&mut self, item: &Value, read: Option<T>) {
        self.total += 1;
        if let Some(t) = read {
            self.read.push(t);
        } else {
            self.unreadable += 1;
            self.first_unreadable.get_or_insert_with(|| item.clone());
        }
    }

    /// The items read; an error when there are none; a [`Skipped`] for those left out.
    pub(super) fn require(
        self,
        kind: Kind,
        skipped: &mut Vec<Skipped>,
    ) -> Result<Vec<T>, Unusable> {
        if self.total == 0 {
            return Err(Unusable {
                kind,
                problem: Problem::NoItems,
            });
        }
        if self.read.is_empty() {
            return Err(Unusable {
                kind,
                problem: Problem::NoneReadable { total: self.total },
            });
        }
        if let Some(first) = self.first_unreadable {
            skipped.push(Skipped {
                kind,
                count: self.unreadable,
                total: self.total,
                first,
            });
        }
        Ok(self.read)
    }
}

pub(super) fn tally<T>(list: Option<&[Value]>, read: impl Fn(&Value) -> Option<T>) -> Tally<T> {
    let mut tally = Tally::new();
    for item in list.unwrap_or_default() {
        tally.add(item, read(item));
    }
    tally
}

/// The languages and currencies of a `config/locales` answer: a list of locales, one
/// per language and currency (`{language_id, language_name, language_code,
/// currency}`, the language possibly an object of its own), or a list of languages
/// beside a `currencies` list (of codes or of objects holding one), or both.
pub(super) fn languages_and_currencies(answer: &Value) -> (Tally<Named>, Tally<String>) {
    let mut languages = Tally::new();
    let mut currencies = Tally::new();
    let locales = find_list(
        answer,
        &["languages", "locales", "language", "locale"],
        &["currencies"],
        true,
    );
    for item in locales.unwrap_or_default() {
        let language = read_field(item, &["language"], |l| {
            l.is_object().then(|| named(l, &LANGUAGE)).flatten()
        })
        .or_else(|| named(item, &LANGUAGE));
        languages.add(item, language);
        // The locale's own currency (only the locale's: its language's `code` is not one).
        if let Some(own) = field(item, &CURRENCY[..3]) {
            currencies.add(own, currency(own));
        }
        let listed = field(item, &["currencies"]).and_then(Value::as_array);
        for c in listed.map(Vec::as_slice).unwrap_or_default() {
            currencies.add(c, currency(c));
        }
    }
    let listed = find_list(answer, &["currencies", "currency"], &[], false);
    for c in listed.unwrap_or_default() {
        currencies.add(c, currency(c));
    }
    (languages, currencies)
}
