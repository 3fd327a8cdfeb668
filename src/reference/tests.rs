//! Tests of the reference data: answers in every shape, resolution, folding.

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
    let pulled = pull(answers).unwrap_or_else(|e| panic!("{}", e.message(answers, str::to_string)));
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
