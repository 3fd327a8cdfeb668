//! The template parser on any text, and a template that parses applied to a table.
//!
//! Input: the template's text (bytes that are not UTF-8 are replaced). A template that
//! `Template::parse` accepts is bound, field by field as `convert` binds it, to a table
//! whose header names every column it reads (with installments 1 and 2 for `{n}`),
//! and each field is read from rows of sample values: value maps, defaults, date and
//! number formats, name splits and, with Kiva's lists, names resolved to ids.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use kiva_drafts::draft::{BORROWER_FIELDS, Kind, LOAN_FIELDS, SCHEDULE_FIELDS, TERMS_FIELDS};
use kiva_drafts::map::{Binder, number_format};
use kiva_drafts::read::header::build_table;
use kiva_drafts::read::{Cell, Grid, HeaderSpec, Row, Source};
use kiva_drafts::reference::Cache;
use kiva_drafts::template::{FieldDef, FieldSource, Template, delimiter_byte};

/// A template section: its name, its fields, the fields it may have.
type Section<'a> = (
    &'static str,
    &'a BTreeMap<String, FieldSource>,
    &'static [(&'static str, Kind)],
);

/// Values the sample rows hold, one per column in turn.
const VALUES: [&str; 16] = [
    "L-001",
    "2026-01-15",
    "15/01/2026",
    "1,500.00",
    "1.500,00",
    "Rosa Elena Quispe",
    "Quispe Mamani, Rosa",
    "F",
    "female",
    "USD",
    "yes",
    "Retail",
    "Kampala",
    "45123",
    "(25.00)",
    " ",
];

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| {
        serde_json::from_str(include_str!("../../samples/config-cache.json"))
            .expect("samples/config-cache.json reads")
    })
}

/// The columns a field definition reads: `{n}` becomes 1 and 2.
fn columns_of(def: &FieldDef, into: &mut Vec<String>) {
    if let Some(column) = &def.column {
        if column.contains("{n}") {
            into.push(column.replace("{n}", "1"));
            into.push(column.replace("{n}", "2"));
        } else {
            into.push(column.clone());
        }
    }
}

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(template) = Template::parse(&text) else {
        return;
    };
    for spec in std::iter::once(&template.input).chain(template.schedule_input.as_ref()) {
        let _ = number_format(spec).describe();
        if let Some(d) = &spec.delimiter {
            assert!(delimiter_byte(d).is_ok(), "a checked delimiter {d:?}");
        }
    }

    let sections: [Section<'_>; 4] = [
        ("loan", &template.loan, LOAN_FIELDS),
        ("borrower", &template.borrower, BORROWER_FIELDS),
        ("schedule", &template.schedule, SCHEDULE_FIELDS),
        ("terms", &template.terms, TERMS_FIELDS),
    ];
    let mut headers: Vec<String> = Vec::new();
    headers.push(template.keys.loan.clone());
    headers.extend(template.keys.borrower.clone());
    for part in template.keys.group.iter().flat_map(|g| &g.parts) {
        columns_of(part, &mut headers);
    }
    for (_, defs, _) in sections {
        for FieldSource(def) in defs.values() {
            columns_of(def, &mut headers);
        }
    }
    headers.truncate(64);
    let cell = |text: &str| {
        if text.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(text.to_string())
        }
    };
    let mut rows = vec![Row {
        line: 1,
        cells: headers.iter().map(|h| cell(h)).collect(),
    }];
    for line in 2..5 {
        rows.push(Row {
            line,
            cells: (0..headers.len())
                .map(|i| cell(VALUES[(i * 3 + line) % VALUES.len()]))
                .collect(),
        });
    }
    let spec = HeaderSpec {
        header_row: Some(1),
        header_rows: 1,
        ..HeaderSpec::default()
    };
    let source = Source {
        file: "export.csv".into(),
        sheet: None,
    };
    let grid = Grid {
        rows,
        encoding: None,
        delimiter: None,
        merges: Vec::new(),
    };
    let Ok(table) = build_table(source, grid, &spec) else {
        return;
    };
    let cache = cache();
    for (section, defs, registry) in sections {
        let binder = Binder {
            table: &table,
            number: number_format(&template.input),
            section,
            cache: Some(cache),
        };
        for (name, kind) in registry {
            let Some(FieldSource(def)) = defs.get(*name) else {
                continue;
            };
            let Ok(bound) = binder.bind(name, *kind, def) else {
                continue;
            };
            let installments = bound.installments();
            let numbers: Vec<Option<usize>> = if installments.is_empty() {
                vec![None]
            } else {
                installments.into_iter().map(Some).collect()
            };
            for row in &table.rows {
                for n in &numbers {
                    match bound.read(&table, row, *n) {
                        Ok(value) => {
                            let _ = value.map(|v| v.to_string());
                        }
                        Err(problem) => assert!(!problem.to_string().is_empty()),
                    }
                }
            }
        }
    }
}
