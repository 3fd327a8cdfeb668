//! Kiva reference data: activities, themes, partner locations, languages, currencies.
//!
//! A complete draft needs Kiva's own identifiers (`activity_id`, `theme_type_id`,
//! `description_language_id`), one of the partner's locations and one of its currencies.
//! Exports carry names ("Retail", "Comercio", "Kampala", "Español"). `config pull`
//! fetches the lists into a cache file; templates then resolve names to ids through it:
//! exactly, then ignoring case and accents, then through the template's aliases; an
//! unknown name is an error with the closest known names as suggestions. The answers'
//! shapes and field names vary between Kiva's sources and versions: every one found
//! is read (see "Reading Kiva's config answers" below). A list that comes back empty or
//! unreadable stops `pull` before anything is written: an empty list in the cache
//! would quietly turn off name resolution and the currency and location checks.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One named entry with a numeric id (activity, theme, language).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub id: u64,
    pub name: String,
    /// Languages: the ISO code (`en`, `es`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A location the partner has defined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// The location as the API takes it.
    pub location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
}

/// The cache file written by `config pull`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cache {
    /// When the lists were fetched.
    pub fetched_at: DateTime<Utc>,
    /// Where from (API base URL) and for which partner.
    pub api_url: String,
    pub partner_id: String,
    pub activities: Vec<Named>,
    pub themes: Vec<Named>,
    pub locations: Vec<Location>,
    pub languages: Vec<Named>,
    pub currencies: Vec<String>,
}

/// Days after which a cache is stale.
pub const STALE_DAYS: i64 = 30;

/// The lists `config show` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum List {
    Activities,
    Themes,
    Locations,
    Locales,
}

impl Cache {
    /// Reads a cache file.
    pub fn load(path: &Path) -> Result<Cache, String> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            format!(
                "config cache {}: {}",
                path.display(),
                crate::read::text::io_message(&e)
            )
        })?;
        serde_json::from_str(&text).map_err(|e| {
            format!(
                "config cache {}: not a kiva-drafts cache ({e}); run `kiva-drafts config pull`",
                path.display()
            )
        })
    }

    /// Writes the cache atomically.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("{}: {}", dir.display(), crate::read::text::io_message(&e)))?;
        }
        let mut json = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        json.push('\n');
        crate::emit::write_atomic(path, json.as_bytes()).map_err(|e| e.0)
    }

    /// Days since the lists were fetched.
    pub fn age_days(&self, now: DateTime<Utc>) -> i64 {
        (now - self.fetched_at).num_days()
    }

    /// Builds a cache from the four config answers (their bodies as received).
    ///
    /// Every list `config pull` stores must come back non-empty and readable: an empty
    /// or unreadable list fails with the endpoint and what was expected (see
    /// [`Unusable`]), so that no cache ever holds an empty list that would quietly
    /// turn off name resolution and the currency and location checks. Items a list
    /// holds but that cannot be read are left out and reported ([`Skipped`]).
    pub fn from_answers(
        api_url: &str,
        partner_id: &str,
        answers: &Answers<'_>,
        now: DateTime<Utc>,
    ) -> Result<Pulled, Unusable> {
        let mut skipped = Vec::new();
        let activities = parse(answers.activities, Kind::Activities)?;
        let activities = tally(
            find_list(&activities, &["activities", "activity"], &[], true),
            |v| named(v, &ACTIVITY),
        )
        .require(Kind::Activities, &mut skipped)?;
        let themes = parse(answers.themes, Kind::Themes)?;
        let themes = tally(
            find_list(
                &themes,
                &["themes", "theme", "loanthemes", "themetypes"],
                &[],
                true,
            ),
            |v| named(v, &THEME),
        )
        .require(Kind::Themes, &mut skipped)?;
        let locations = parse(answers.locations, Kind::Locations)?;
        let locations = tally(
            find_list(&locations, &["locations", "location"], &[], true),
            location,
        )
        .require(Kind::Locations, &mut skipped)?;
        let locales = parse(answers.locales, Kind::Languages)?;
        let (languages, currencies) = languages_and_currencies(&locales);
        let mut languages = languages.require(Kind::Languages, &mut skipped)?;
        let mut seen = std::collections::HashSet::new();
        languages.retain(|l| seen.insert(l.id));
        let mut currencies = currencies.require(Kind::Currencies, &mut skipped)?;
        currencies.sort();
        currencies.dedup();
        Ok(Pulled {
            cache: Cache {
                fetched_at: now,
                api_url: api_url.to_string(),
                partner_id: partner_id.to_string(),
                activities,
                themes,
                locations,
                languages,
                currencies,
            },
            skipped,
        })
    }

    /// Lines for `config show`, filtered by a search text (case and accents ignored).
    pub fn show(&self, list: List, search: Option<&str>) -> Vec<String> {
        let wanted = search.map(fold);
        let keep = |text: &str| {
            wanted
                .as_ref()
                .is_none_or(|w| fold(text).contains(w.as_str()))
        };
        let named = |items: &[Named]| -> Vec<String> {
            items
                .iter()
                .filter(|n| keep(&n.name) || keep(&n.id.to_string()))
                .map(|n| match &n.code {
                    Some(code) => format!("{:>6}  {}  ({code})", n.id, n.name),
                    None => format!("{:>6}  {}", n.id, n.name),
                })
                .collect()
        };
        match list {
            List::Activities => named(&self.activities),
            List::Themes => named(&self.themes),
            List::Locations => self
                .locations
                .iter()
                .filter(|l| {
                    keep(&l.location)
                        || l.full_name.as_deref().is_some_and(keep)
                        || l.country.as_deref().is_some_and(keep)
                })
                .map(|l| match (&l.full_name, &l.country) {
                    (Some(full), _) if full != &l.location => format!("{}  ({full})", l.location),
                    (_, Some(country)) => format!("{}  ({country})", l.location),
                    _ => l.location.clone(),
                })
                .collect(),
            List::Locales => {
                let mut lines = named(&self.languages);
                lines.extend(
                    self.currencies
                        .iter()
                        .filter(|c| keep(c))
                        .map(|c| format!("currency  {c}")),
                );
                lines
            }
        }
    }
}

// Reading Kiva's config answers.
//
// The public material shows several shapes, and Kiva's answers changed between
// versions: a plain list, or an object holding the list under the endpoint's name (or
// `data`, `items`, `results`, `values`, one level down at most) next to an
// `as_of_date_time`; field names in snake_case, camelCase or PascalCase; ids as
// numbers or numeric strings. Kiva's own C# sample (fsp-sdk, get.loan.themes) reads
// `{activity_id, activity}`, `{theme_type_id, theme_type}`, `{country, location,
// full_name}` and locales as one item per language and currency, `{currency,
// language_code, language_name, language_id}`; other integrations read `{id, name}`,
// `activityId`, a `languages` list beside a `currencies` list. All of these are read.

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

fn parse(body: &[u8], kind: Kind) -> Result<Value, Unusable> {
    serde_json::from_slice(body).map_err(|_| Unusable {
        kind,
        problem: Problem::NotJson,
    })
}

/// A field name as compared: lower case, without `_`, `-` and spaces, so that
/// `activity_id`, `activityId` and `ActivityId` are one name. `wanted` is already so.
fn same_name(field: &str, wanted: &str) -> bool {
    field
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .eq(wanted.chars())
}

/// The first of `names` (in that order of preference) that `v` has with a value
/// `read` accepts.
fn read_field<T>(v: &Value, names: &[&str], read: impl Fn(&Value) -> Option<T>) -> Option<T> {
    let object = v.as_object()?;
    names.iter().find_map(|name| {
        object
            .iter()
            .filter(|(field, _)| same_name(field, name))
            .find_map(|(_, value)| read(value))
    })
}

/// The value of the first of `names` that `v` has, not null.
fn field<'a>(v: &'a Value, names: &[&str]) -> Option<&'a Value> {
    let object = v.as_object()?;
    names.iter().find_map(|name| {
        object
            .iter()
            .find(|(field, value)| same_name(field, name) && !value.is_null())
            .map(|(_, value)| value)
    })
}

/// Wrappers a list may sit in.
const WRAPPERS: [&str; 6] = ["data", "items", "results", "result", "values", "response"];

/// The list in an answer: the answer itself when it is a list (if `generic`), else the
/// value of the first of `names` (then, if `generic`, of a wrapper such as `data`)
/// that is a list, looking one object down. Failing those, if `generic`, the object's
/// only list that is not one of `others`. (`generic` is off for a list that sits
/// beside the main one, such as `currencies` beside `locales`.)
fn find_list<'a>(
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
fn id(v: &Value) -> Option<u64> {
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
fn text(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The field names of one kind of named item, compared as by [`same_name`]; the first
/// of each list is Kiva's own.
struct Fields {
    ids: &'static [&'static str],
    names: &'static [&'static str],
    codes: &'static [&'static str],
}

const ACTIVITY: Fields = Fields {
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

const THEME: Fields = Fields {
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

const LANGUAGE: Fields = Fields {
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

const CURRENCY: [&str; 5] = [
    "currency",
    "currencycode",
    "currencyisocode",
    "code",
    "isocode",
];

fn named(v: &Value, fields: &Fields) -> Option<Named> {
    Some(Named {
        id: read_field(v, fields.ids, id)?,
        name: read_field(v, fields.names, text)?,
        code: read_field(v, fields.codes, text),
    })
}

/// A location: an object, or just its name.
fn location(v: &Value) -> Option<Location> {
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
fn currency(v: &Value) -> Option<String> {
    let code = text(v)
        .or_else(|| read_field(v, &CURRENCY, text))?
        .to_uppercase();
    crate::money::minor_units(&code).map(|_| code)
}

/// Items of a list as read, with those that could not be.
struct Tally<T> {
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
    fn require(self, kind: Kind, skipped: &mut Vec<Skipped>) -> Result<Vec<T>, Unusable> {
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

fn tally<T>(list: Option<&[Value]>, read: impl Fn(&Value) -> Option<T>) -> Tally<T> {
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
fn languages_and_currencies(answer: &Value) -> (Tally<Named>, Tally<String>) {
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

/// Lower case without accents, spaces collapsed: the key for tolerant matching.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let base = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'ª' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'º' | '°' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            'ý' | 'ÿ' => 'y',
            '’' | '‘' | '`' => '\'',
            c => c,
        };
        out.push(base);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Edit distance, for suggestions.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            previous = current;
        }
    }
    row[b.len()]
}

/// Finds `name` among `(name, value)` candidates: exact, then case- and
/// accent-insensitive, then through `aliases` (alias -> known name). On failure, the
/// message suggests up to three close names.
pub fn resolve<'a, T>(
    name: &str,
    candidates: &'a [(String, T)],
    aliases: &[(String, String)],
    what: &str,
) -> Result<&'a T, String> {
    let trimmed = name.trim();
    if let Some((_, v)) = candidates.iter().find(|(n, _)| n == trimmed) {
        return Ok(v);
    }
    let folded = fold(trimmed);
    if let Some((_, v)) = candidates.iter().find(|(n, _)| fold(n) == folded) {
        return Ok(v);
    }
    if let Some((_, target)) = aliases.iter().find(|(alias, _)| fold(alias) == folded) {
        let target_folded = fold(target);
        return candidates
            .iter()
            .find(|(n, _)| fold(n) == target_folded)
            .map(|(_, v)| v)
            .ok_or_else(|| format!("is an alias of '{target}', which is not a known {what}"));
    }
    let mut scored: Vec<(usize, &str)> = candidates
        .iter()
        .map(|(n, _)| {
            let f = fold(n);
            // Prefix and containment count as close: "Food" for "Food Production/Sales".
            let d = if f.starts_with(&folded) {
                0
            } else if f.contains(&folded) {
                1
            } else if folded.contains(&f) {
                2
            } else {
                distance(&folded, &f)
            };
            (d, n.as_str())
        })
        .collect();
    scored.sort_unstable();
    let limit = folded.chars().count() / 3 + 1;
    let mut close: Vec<String> = Vec::new();
    for (_, n) in scored.iter().filter(|(d, _)| *d <= limit) {
        let quoted = format!("'{n}'");
        if !close.contains(&quoted) {
            close.push(quoted);
        }
        if close.len() == 3 {
            break;
        }
    }
    if close.is_empty() {
        Err(format!(
            "is not a known {what} (see `kiva-drafts config show`)"
        ))
    } else {
        Err(format!(
            "is not a known {what}; did you mean {}?",
            or_list(&close)
        ))
    }
}

fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Where the cache lives unless `--config-cache` says otherwise: the user's cache
/// directory (`$XDG_CACHE_HOME` or `~/.cache`, `%LOCALAPPDATA%` on Windows).
pub fn default_path() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("LOCALAPPDATA").map(PathBuf::from))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("kiva-drafts").join("config.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn activities() -> Vec<(String, u64)> {
        [
            "Retail",
            "Food Production/Sales",
            "Agriculture",
            "Cattle",
            "Tailoring",
            "Café",
        ]
        .iter()
        .enumerate()
        .map(|(i, n)| ((*n).to_string(), i as u64 + 1))
        .collect()
    }

    #[test]
    fn resolves_exactly_then_without_case_and_accents_then_by_alias() {
        let list = activities();
        let aliases = vec![("Comercio".to_string(), "Retail".to_string())];
        assert_eq!(resolve("Retail", &list, &aliases, "activity"), Ok(&1));
        assert_eq!(resolve("  retail ", &list, &aliases, "activity"), Ok(&1));
        assert_eq!(resolve("CAFE", &list, &aliases, "activity"), Ok(&6));
        assert_eq!(resolve("comercio", &list, &aliases, "activity"), Ok(&1));
    }

    #[test]
    fn unknown_names_get_suggestions() {
        let list = activities();
        assert_eq!(
            resolve("Food Production", &list, &[], "activity"),
            Err("is not a known activity; did you mean 'Food Production/Sales'?".to_string())
        );
        assert_eq!(
            resolve("Agricultre", &list, &[], "activity"),
            Err("is not a known activity; did you mean 'Agriculture'?".to_string())
        );
        assert_eq!(
            resolve("Zzzzzzzzzzzzzzz", &list, &[], "activity"),
            Err("is not a known activity (see `kiva-drafts config show`)".to_string())
        );
        let aliases = vec![("Comercio".to_string(), "Retal".to_string())];
        assert_eq!(
            resolve("Comercio", &list, &aliases, "activity"),
            Err("is an alias of 'Retal', which is not a known activity".to_string())
        );
    }

    const ACTIVITIES: &str = r#"{"activities":[{"activity_id":61,"activity":"Agriculture"}]}"#;
    const THEMES: &str = r#"{"themes":[{"theme_type_id":1,"theme_type":"General"}]}"#;
    const LOCATIONS: &str = r#"{"locations":[{"country":"Uganda","location":"Kampala","full_name":"Kampala, Central, Uganda"}]}"#;
    const LOCALES: &str = r#"{"locales":[{"currency":"UGX","language_code":"en","language_name":"English","language_id":1}]}"#;

    fn answers<'a>(
        activities: &'a str,
        themes: &'a str,
        locations: &'a str,
        locales: &'a str,
    ) -> Answers<'a> {
        Answers {
            activities: activities.as_bytes(),
            themes: themes.as_bytes(),
            locations: locations.as_bytes(),
            locales: locales.as_bytes(),
        }
    }

    fn pull(answers: &Answers<'_>) -> Result<Pulled, Unusable> {
        Cache::from_answers("https://api", "12", answers, Utc::now())
    }

    fn ok(answers: &Answers<'_>) -> Cache {
        let pulled =
            pull(answers).unwrap_or_else(|e| panic!("{}", e.message(answers, str::to_string)));
        assert_eq!(pulled.skipped, vec![]);
        pulled.cache
    }

    fn named(id: u64, name: &str, code: Option<&str>) -> Named {
        Named {
            id,
            name: name.into(),
            code: code.map(str::to_string),
        }
    }

    fn activities_of(body: &str) -> Vec<Named> {
        ok(&answers(body, THEMES, LOCATIONS, LOCALES)).activities
    }

    fn locales_of(body: &str) -> (Vec<Named>, Vec<String>) {
        let cache = ok(&answers(ACTIVITIES, THEMES, LOCATIONS, body));
        (cache.languages, cache.currencies)
    }

    /// Why an answer was refused, with how it began.
    fn refusal(answers: &Answers<'_>) -> String {
        pull(answers).unwrap_err().message(answers, str::to_string)
    }

    #[test]
    fn kivas_sample_shape() {
        // The shapes of Kiva's C# sample (fsp-sdk), as Kiva's stage server answered.
        let cache = ok(&answers(
            r#"{"as_of_date_time":"2026-11-27T08:00:00Z","activities":[{"activity_id":61,"activity":"Agriculture"},{"activity_id":"120","activity":"Food Production/Sales"}]}"#,
            r#"{"as_of_date_time":"2026-11-27T08:00:00Z","themes":[{"theme_type_id":1,"theme_type":"General"}]}"#,
            LOCATIONS,
            r#"{"as_of_date_time":"2026-11-27T08:00:00Z","locales":[{"currency":"UGX","language_code":"en","language_name":"English","language_id":1},{"currency":"USD","language_code":"en","language_name":"English","language_id":1},{"currency":"UGX","language_code":"es","language_name":"Español","language_id":2}]}"#,
        ));
        assert_eq!(
            cache.activities,
            vec![
                named(61, "Agriculture", None),
                named(120, "Food Production/Sales", None)
            ]
        );
        assert_eq!(cache.themes, vec![named(1, "General", None)]);
        assert_eq!(
            cache.locations,
            vec![Location {
                location: "Kampala".into(),
                country: Some("Uganda".into()),
                full_name: Some("Kampala, Central, Uganda".into()),
            }]
        );
        // One locale per language and currency: each language once, each currency once.
        assert_eq!(
            cache.languages,
            vec![
                named(1, "English", Some("en")),
                named(2, "Español", Some("es"))
            ]
        );
        assert_eq!(cache.currencies, vec!["UGX", "USD"]);
    }

    #[test]
    fn answers_in_snake_and_camel_case() {
        let body = answers(
            r#"{"as_of_date_time": "2026-11-01T00:00:00Z", "activities": [{"activity_id": 61, "name": "Retail"}, {"activityId": "62", "name": "Cattle"}]}"#,
            r#"[{"themeTypeId": 4, "value": "Women"}, {"theme_type_id": 5, "name": "Rural Exclusion"}]"#,
            r#"{"locations": [{"country": "Uganda", "location": "Kampala", "full_name": "Kampala, Central, Uganda"}, {"fullName": "Gulu, Northern, Uganda"}]}"#,
            r#"{"languages": [{"id": 1, "code": "en", "name": "English"}, {"languageId": 2, "code": "es", "name": "Español"}], "currencies": ["UGX", {"code": "usd"}, "XXX9"]}"#,
        );
        let pulled = pull(&body).unwrap();
        let cache = pulled.cache;
        assert_eq!(
            cache.activities.iter().map(|a| a.id).collect::<Vec<_>>(),
            vec![61, 62]
        );
        assert_eq!(
            cache
                .themes
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>(),
            vec!["Women", "Rural Exclusion"]
        );
        assert_eq!(cache.locations[1].location, "Gulu, Northern, Uganda");
        assert_eq!(cache.languages[1].id, 2);
        assert_eq!(cache.currencies, vec!["UGX", "USD"]);
        // A code that is no ISO 4217 currency is left out, and said so.
        assert_eq!(
            pulled
                .skipped
                .iter()
                .map(|s| s.message(str::to_string))
                .collect::<Vec<_>>(),
            vec![
                r#"config/locales: 1 of 3 currencies could not be read and was left out (expected an ISO 4217 code such as "UGX"): "XXX9""#
            ]
        );
        assert_eq!(
            cache.show(List::Locales, Some("espanol")),
            vec!["     2  Español  (es)"]
        );
        assert_eq!(
            cache.show(List::Locations, Some("kampala")),
            vec!["Kampala  (Kampala, Central, Uganda)"]
        );
    }

    #[test]
    fn lists_plain_wrapped_and_nested() {
        let expected = vec![named(61, "Agriculture", None), named(62, "Retail", None)];
        for body in [
            // Plain.
            r#"[{"id": 61, "name": "Agriculture"}, {"id": 62, "name": "Retail"}]"#,
            // Under the endpoint's name, in any case.
            r#"{"asOfDateTime": "2026-11-01", "Activities": [{"activity_id": 61, "activity": "Agriculture"}, {"activity_id": 62, "activity": "Retail"}]}"#,
            // Under a generic wrapper.
            r#"{"as_of_date_time": "2026-11-01", "data": [{"activityId": 61, "activityName": "Agriculture"}, {"activityId": 62, "activityName": "Retail"}]}"#,
            r#"{"items": [{"ActivityId": 61, "Activity": "Agriculture"}, {"ActivityId": 62, "Activity": "Retail"}]}"#,
            r#"{"results": [{"id": "61", "name": "Agriculture"}, {"id": " 62 ", "name": "Retail"}]}"#,
            r#"{"total": 2, "values": [{"id": 61.0, "label": "Agriculture"}, {"id": 62, "label": "Retail"}]}"#,
            // One level down.
            r#"{"data": {"as_of_date_time": "2026-11-01", "activities": [{"activity_id": 61, "activity": "Agriculture"}, {"activity_id": 62, "activity": "Retail"}]}}"#,
            // The object's only list, whatever its name.
            r#"{"as_of_date_time": "2026-11-01", "activity_list": [{"ACTIVITY_ID": 61, "ACTIVITY": "Agriculture"}, {"activity-id": 62, "activity name": "Retail"}]}"#,
            // The known name wins over another list.
            r#"{"errors": [], "activities": [{"id": 61, "name": " Agriculture "}, {"id": 62, "name": "Retail"}]}"#,
        ] {
            assert_eq!(activities_of(body), expected, "{body}");
        }
    }

    #[test]
    fn themes_and_locations_in_their_variants() {
        let cache = ok(&answers(
            ACTIVITIES,
            r#"{"data": [{"themeTypeId": "1", "themeType": "General"}, {"theme_type_id": 4, "theme_type_name": "Women"}, {"id": 7, "name": "Green"}, {"loanThemeTypeId": 9, "value": "Rural Exclusion"}]}"#,
            r#"["Kampala", {"locationName": "Gulu", "country": {"name": "Uganda", "isoCode": "UG"}}, {"full_location": "Lira, Northern, Uganda"}]"#,
            LOCALES,
        ));
        assert_eq!(
            cache.themes,
            vec![
                named(1, "General", None),
                named(4, "Women", None),
                named(7, "Green", None),
                named(9, "Rural Exclusion", None)
            ]
        );
        let locations: Vec<_> = cache
            .locations
            .iter()
            .map(|l| (l.location.as_str(), l.country.as_deref()))
            .collect();
        assert_eq!(
            locations,
            vec![
                ("Kampala", None),
                ("Gulu", Some("Uganda")),
                ("Lira, Northern, Uganda", None)
            ]
        );
    }

    #[test]
    fn locales_in_their_variants() {
        let en_es = vec![
            named(1, "English", Some("en")),
            named(2, "Español", Some("es")),
        ];
        for body in [
            // A plain list of locales, camelCase.
            r#"[{"currency": "ugx", "languageCode": "en", "languageName": "English", "languageId": "1"}, {"currency": "USD", "languageCode": "es", "languageName": "Español", "languageId": 2}]"#,
            // Languages beside currencies given as objects.
            r#"{"as_of_date_time": "x", "languages": [{"id": 1, "name": "English", "code": "en"}, {"id": 2, "name": "Español", "iso_code": "es"}], "currencies": [{"iso_code": "UGX"}, {"currency": "USD"}]}"#,
            // Wrapped in data, currencies as codes.
            r#"{"data": {"languages": [{"language_id": 1, "language": "English", "language_code": "en"}, {"language_id": 2, "language": "Español", "language_code": "es"}], "currencies": ["UGX", "USD"]}}"#,
            // A language of its own in each locale, a currency object.
            r#"{"locales": [{"language": {"id": 1, "name": "English", "code": "en"}, "currency": {"code": "UGX"}}, {"language": {"id": 2, "name": "Español", "code": "es"}, "currency": {"isoCode": "USD"}}]}"#,
            // Currencies listed in each locale.
            r#"{"items": [{"languageId": 1, "languageName": "English", "languageCode": "en", "currencies": ["UGX"]}, {"languageId": 2, "languageName": "Español", "languageCode": "es", "currencies": [{"code": "USD"}, "UGX"]}]}"#,
        ] {
            assert_eq!(
                locales_of(body),
                (en_es.clone(), vec!["UGX".to_string(), "USD".to_string()]),
                "{body}"
            );
        }
    }

    #[test]
    fn empty_or_unknown_answers_are_refused_with_how_they_began() {
        assert_eq!(
            refusal(&answers(r#"{"foo":[]}"#, THEMES, LOCATIONS, LOCALES)),
            r#"config/activities: no activities in the answer (expected a list of {activity_id|id, activity|name}); the answer began: {"foo":[]}"#
        );
        assert_eq!(
            refusal(&answers(ACTIVITIES, r#"{"foo": 1}"#, LOCATIONS, LOCALES)),
            r#"config/themes: no themes in the answer (expected a list of {theme_type_id|id, theme_type|name}); the answer began: {"foo": 1}"#
        );
        assert_eq!(
            refusal(&answers(ACTIVITIES, THEMES, "[]", LOCALES)),
            "config/locations: no locations in the answer (expected a list of {location|full_name, country}); the answer began: []"
        );
        assert_eq!(
            refusal(&answers(
                ACTIVITIES,
                THEMES,
                LOCATIONS,
                r#"{"currencies": ["UGX"]}"#
            )),
            r#"config/locales: no languages in the answer (expected a list of {language_id|id, language_name|name, language_code|code, currency}); the answer began: {"currencies": ["UGX"]}"#
        );
        assert_eq!(
            refusal(&answers(
                ACTIVITIES,
                THEMES,
                LOCATIONS,
                r#"{"languages": [{"id": 1, "name": "English"}]}"#
            )),
            r#"config/locales: no currencies in the answer (expected a currency on each locale, or a list of currencies, as ISO 4217 codes); the answer began: {"languages": [{"id": 1, "name": "English"}]}"#
        );
        assert_eq!(
            refusal(&answers(
                ACTIVITIES,
                THEMES,
                LOCATIONS,
                r#"[{"language_id": 1, "language_name": "English", "currency": "??"}]"#
            )),
            r#"config/locales: the only currency in the answer could not be read (expected a currency on each locale, or a list of currencies, as ISO 4217 codes); the answer began: [{"language_id": 1, "language_name": "English", "currency": "??"}]"#
        );
        assert_eq!(
            refusal(&answers(
                r#"{"activities": [{"name": "Retail"}, {"id": "x", "name": "Cattle"}, {"id": 3}]}"#,
                THEMES,
                LOCATIONS,
                LOCALES
            )),
            r#"config/activities: none of the 3 activities in the answer could be read (expected a list of {activity_id|id, activity|name}); the answer began: {"activities": [{"name": "Retail"}, {"id": "x", "name": "Cattle"}, {"id": 3}]}"#
        );
        assert_eq!(
            refusal(&answers(
                ACTIVITIES,
                "<html><body>\r\n<h1>Maintenance</h1>",
                LOCATIONS,
                LOCALES
            )),
            r"config/themes: the answer is not JSON (expected a list of {theme_type_id|id, theme_type|name}); the answer began: <html><body>\r\n<h1>Maintenance</h1>"
        );
        assert_eq!(
            refusal(&answers(ACTIVITIES, THEMES, LOCATIONS, " \n")),
            "config/locales: the answer is not JSON (expected a list of {language_id|id, language_name|name, language_code|code, currency}); the answer was empty"
        );
        // Two lists of unknown names: neither is guessed.
        assert_eq!(
            pull(&answers(
                r#"{"a": [{"id": 1, "name": "x"}], "b": []}"#,
                THEMES,
                LOCATIONS,
                LOCALES
            ))
            .unwrap_err(),
            Unusable {
                kind: Kind::Activities,
                problem: Problem::NoItems
            }
        );
    }

    #[test]
    fn unreadable_items_are_left_out_and_reported() {
        let body = answers(
            r#"{"activities": [{"activity_id": 61, "activity": "Agriculture"}, {"activity": "Retail"}, {"activity_id": 63, "activity": ""}, {"activity_id": 64, "activity": "Cattle"}]}"#,
            THEMES,
            LOCATIONS,
            r#"{"locales": [{"language_id": 1, "language_name": "English", "currency": "UGX"}, {"language_code": "fr", "currency": "USD"}]}"#,
        );
        let pulled = pull(&body).unwrap();
        assert_eq!(
            pulled.cache.activities,
            vec![named(61, "Agriculture", None), named(64, "Cattle", None)]
        );
        assert_eq!(pulled.cache.languages, vec![named(1, "English", None)]);
        // The locale without a language still gives its currency.
        assert_eq!(pulled.cache.currencies, vec!["UGX", "USD"]);
        assert_eq!(
            pulled
                .skipped
                .iter()
                .map(|s| s.message(str::to_string))
                .collect::<Vec<_>>(),
            vec![
                r#"config/activities: 2 of 4 activities could not be read and were left out (expected {activity_id|id, activity|name}); the first: {"activity":"Retail"}"#,
                r#"config/locales: 1 of 2 languages could not be read and was left out (expected {language_id|id, language_name|name, language_code|code, currency}): {"currency":"USD","language_code":"fr"}"#,
            ]
        );
    }

    #[test]
    fn excerpts_are_cut_on_characters_escaped_and_redacted_first() {
        assert_eq!(excerpt("abc", 200), "abc");
        // "é" is two bytes: it does not fit in the fourth and fifth byte of 4.
        assert_eq!(excerpt("abcé", 4), "abc...");
        assert_eq!(excerpt("abcé", 5), "abcé");
        assert_eq!(
            excerpt("a\tb\n\u{1b}[31mred\u{202e}x\u{7f}", 200),
            r"a\tb\n\u{1b}[31mred\u{202e}x\u{7f}"
        );
        assert_eq!(
            excerpt(&"x".repeat(300), 200),
            format!("{}...", "x".repeat(200))
        );
        // A secret across the cut is redacted whole before the cut.
        let secret = "tok-0123456789abcdef";
        // `{"error": "` is 11 bytes: the secret begins at byte 191 of 200.
        let body = format!("{{\"error\": \"{}{secret} is invalid\"}}", "x".repeat(180));
        let unusable = pull(&answers(&body, THEMES, LOCATIONS, LOCALES)).unwrap_err();
        let message = unusable.message(&answers(&body, THEMES, LOCATIONS, LOCALES), |t| {
            t.replace(secret, "[redacted]")
        });
        assert!(message.ends_with("xxx[redacted..."), "{message}");
        assert!(!message.contains("tok-0"), "{message}");
    }

    #[test]
    fn folding() {
        assert_eq!(fold("  Español  Básico "), "espanol basico");
        assert_eq!(fold("Women’s"), "women's");
    }
}
