//! Kiva reference data: activities, themes, partner locations, languages, currencies.
//!
//! A complete draft needs Kiva's own identifiers (`activity_id`, `theme_type_id`,
//! `description_language_id`), one of the partner's locations and one of its currencies.
//! Exports carry names ("Retail", "Comercio", "Kampala", "Español"). `config pull`
//! fetches the lists into a cache file; templates then resolve names to ids through it:
//! exactly, then ignoring case and accents, then through the template's aliases; an
//! unknown name is an error with the closest known names as suggestions. The answers'
//! shapes and field names vary between Kiva's sources and versions: every one found
//! is read (see `reference/answers.rs`). A list that comes back empty or
//! unreadable stops `pull` before anything is written: an empty list in the cache
//! would quietly turn off name resolution and the currency and location checks.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

mod answers;
#[cfg(test)]
mod tests;

#[allow(clippy::wildcard_imports)]
use answers::*;
pub use answers::{
    Answers, EXCERPT_BYTES, Endpoint, Kind, Problem, Pulled, Skipped, Unusable, excerpt,
};

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
        let file = std::fs::File::open(path).map_err(|e| {
            format!(
                "config cache {}: {}",
                path.display(),
                crate::read::text::io_message(&e)
            )
        })?;
        // Read as a stream: a file that is not a cache costs no memory whatever its size.
        serde_json::from_reader(std::io::BufReader::new(file)).map_err(|e| {
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
