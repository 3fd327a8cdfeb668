//! Kiva reference data: activities, themes, partner locations, languages, currencies.
//!
//! A complete draft needs Kiva's own identifiers (`activity_id`, `theme_type_id`,
//! `description_language_id`), one of the partner's locations and one of its currencies.
//! Exports carry names ("Retail", "Comercio", "Kampala", "Español"). `config pull`
//! fetches the lists into a cache file; templates then resolve names to ids through it:
//! exactly, then ignoring case and accents, then through the template's aliases; an
//! unknown name is an error with the closest known names as suggestions. The answers'
//! field names vary between Kiva's sources (`snake_case` or `camelCase`): both are read.

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

    /// Builds a cache from the four config answers.
    pub fn from_answers(
        api_url: &str,
        partner_id: &str,
        activities: &Value,
        themes: &Value,
        locations: &Value,
        locales: &Value,
        now: DateTime<Utc>,
    ) -> Cache {
        Cache {
            fetched_at: now,
            api_url: api_url.to_string(),
            partner_id: partner_id.to_string(),
            activities: items(activities, &["activities"])
                .iter()
                .filter_map(|v| named(v, &["activity_id", "activityId", "id"]))
                .collect(),
            themes: items(themes, &["themes", "loan_themes", "loanThemes"])
                .iter()
                .filter_map(|v| {
                    named(
                        v,
                        &[
                            "theme_type_id",
                            "themeTypeId",
                            "loan_theme_type_id",
                            "loanThemeTypeId",
                            "id",
                        ],
                    )
                })
                .collect(),
            locations: items(locations, &["locations"])
                .iter()
                .filter_map(location)
                .collect(),
            languages: items(locales, &["languages", "locales"])
                .iter()
                .filter_map(|v| {
                    named(
                        v,
                        &[
                            "language_id",
                            "languageId",
                            "description_language_id",
                            "descriptionLanguageId",
                            "id",
                        ],
                    )
                })
                .collect(),
            currencies: currencies(locales),
        }
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

/// The list in an answer: the answer itself when it is a list, or the first of `keys`
/// (or any list value) in an object such as `{"as_of_date_time": ..., "activities": [...]}`.
fn items<'a>(answer: &'a Value, keys: &[&str]) -> &'a [Value] {
    if let Some(list) = answer.as_array() {
        return list;
    }
    for key in keys {
        if let Some(list) = answer.get(*key).and_then(Value::as_array) {
            return list;
        }
    }
    for key in ["data", "items", "results"] {
        if let Some(list) = answer.get(key).and_then(Value::as_array) {
            return list;
        }
    }
    answer
        .as_object()
        .and_then(|o| o.values().find_map(Value::as_array))
        .map_or(&[], Vec::as_slice)
}

fn first_of<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| v.get(*k).filter(|x| !x.is_null()))
}

fn as_id(v: &Value) -> Option<u64> {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn named(v: &Value, id_keys: &[&str]) -> Option<Named> {
    let id = as_id(first_of(v, id_keys)?)?;
    let name = first_of(
        v,
        &[
            "name",
            "value",
            "label",
            "display_name",
            "displayName",
            "english_name",
            "englishName",
        ],
    )?
    .as_str()?
    .trim()
    .to_string();
    let code = first_of(
        v,
        &[
            "code",
            "iso_code",
            "isoCode",
            "language_code",
            "languageCode",
        ],
    )
    .and_then(Value::as_str)
    .map(str::to_string);
    Some(Named { id, name, code })
}

fn location(v: &Value) -> Option<Location> {
    let text = |keys: &[&str]| {
        first_of(v, keys)
            .and_then(Value::as_str)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let full_name = text(&["full_name", "fullName", "full_location", "fullLocation"]);
    let location = text(&["location", "name", "city"]).or_else(|| full_name.clone())?;
    Some(Location {
        location,
        country: text(&["country", "country_name", "countryName"]),
        full_name,
    })
}

fn currencies(locales: &Value) -> Vec<String> {
    let mut out: Vec<String> = items(locales, &["currencies"])
        .iter()
        .filter_map(|c| {
            c.as_str().map(str::to_string).or_else(|| {
                first_of(
                    c,
                    &[
                        "code",
                        "currency",
                        "currency_code",
                        "currencyCode",
                        "iso_code",
                        "isoCode",
                    ],
                )
                .and_then(Value::as_str)
                .map(str::to_string)
            })
        })
        .map(|c| c.trim().to_uppercase())
        .filter(|c| crate::money::minor_units(c).is_some())
        .collect();
    out.sort();
    out.dedup();
    out
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
    use serde_json::json;

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

    #[test]
    fn answers_in_snake_and_camel_case() {
        let now = Utc::now();
        let cache = Cache::from_answers(
            "https://api",
            "12",
            &json!({"as_of_date_time": "2026-11-01T00:00:00Z", "activities": [{"activity_id": 61, "name": "Retail"}, {"activityId": "62", "name": "Cattle"}]}),
            &json!([{"themeTypeId": 4, "value": "Women"}, {"theme_type_id": 5, "name": "Rural Exclusion"}]),
            &json!({"locations": [{"country": "Uganda", "location": "Kampala", "full_name": "Kampala, Central, Uganda"}, {"fullName": "Gulu, Northern, Uganda"}]}),
            &json!({"languages": [{"id": 1, "code": "en", "name": "English"}, {"languageId": 2, "code": "es", "name": "Español"}], "currencies": ["UGX", {"code": "usd"}, "XXX9"]}),
            now,
        );
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
    fn folding() {
        assert_eq!(fold("  Español  Básico "), "espanol basico");
        assert_eq!(fold("Women’s"), "women's");
    }
}
