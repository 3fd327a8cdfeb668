//! Writes the starter template: every guess with its evidence in a comment above it,
//! every draft field not found as a commented TODO, in the format of
//! `templates/README.md`. The text always parses with `Template::parse`; where the
//! format needs a value nothing in the export gave (a currency, a loan key), it holds
//! an explicit `TODO` that `convert` will refuse with a clear message.

use super::shape::{Constant, Export, InputSettings, Mapping};

/// Comment lines are wrapped at this width.
const WIDTH: usize = 88;

/// A TOML basic string.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML key: bare when it can be, quoted otherwise.
fn key(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        text.to_string()
    } else {
        string(text)
    }
}

fn constant(value: &Constant) -> String {
    match value {
        Constant::String(s) => string(s),
        Constant::Bool(b) => b.to_string(),
        Constant::Number(n) => n.to_string(),
        other => string(&other.to_string()),
    }
}

/// `# text`, wrapped.
fn comment(out: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.chars().count() + 1 + word.chars().count() > WIDTH && line != "#" {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#  ");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

/// The right-hand side of a field line.
fn field_value(m: &Mapping) -> String {
    if !m.parts.is_empty() {
        // A key of several columns: `["Group", { column = "Date", format = "..." }]`.
        let first = Mapping {
            parts: Vec::new(),
            ..m.clone()
        };
        let mut items = vec![field_value(&first)];
        for part in &m.parts {
            items.push(match &part.format {
                Some(format) => format!(
                    "{{ column = {}, format = {} }}",
                    string(&part.column),
                    string(format)
                ),
                None => string(&part.column),
            });
        }
        return format!("[{}]", items.join(", "));
    }
    let simple = m.value.is_none()
        && m.members.is_none()
        && m.map.is_empty()
        && m.format.is_none()
        && m.split.is_none()
        && m.combine.is_none();
    if simple && let Some(column) = &m.column {
        return string(column);
    }
    let mut parts = Vec::new();
    if let Some(column) = &m.column {
        parts.push(format!("column = {}", string(column)));
    }
    if let Some(value) = &m.value {
        parts.push(format!("value = {}", constant(value)));
    }
    if let Some(members) = m.members {
        parts.push(format!("members = {}", string(members)));
    }
    if let Some(format) = &m.format {
        parts.push(format!("format = {}", string(format)));
    }
    if let Some(split) = m.split {
        parts.push(format!("split = {}", string(split)));
    }
    if !m.map.is_empty() {
        let entries: Vec<String> = m
            .map
            .iter()
            .map(|e| format!("{} = {}", key(&e.from), constant(&e.to)))
            .collect();
        parts.push(format!("map = {{ {} }}", entries.join(", ")));
    }
    if let Some(combine) = m.combine {
        parts.push(format!("combine = {}", string(combine)));
    }
    format!("{{ {} }}", parts.join(", "))
}

fn field(out: &mut String, m: &Mapping) {
    let (_, name) = m.section_and_name();
    comment(out, &m.evidence);
    if let Some(todo) = &m.todo {
        comment(out, &format!("TODO: {todo}"));
    }
    out.push_str(&format!("{name} = {}\n", field_value(m)));
}

fn input_section(out: &mut String, title: &str, input: &InputSettings, reason: Option<&str>) {
    out.push_str(&format!("\n[{title}]\n"));
    if let Some(reason) = reason {
        comment(out, reason);
    }
    if input.workbook
        && let Some(sheet) = &input.sheet
    {
        out.push_str(&format!("sheet = {}\n", string(sheet)));
    }
    if input.header_rows > 1 {
        comment(
            out,
            &format!(
                "a merged two-row header on rows {}-{}: the upper labels are carried right",
                input.header_row,
                input.header_row + 1
            ),
        );
        out.push_str(&format!("header_rows = {}\n", input.header_rows));
    }
    let titles = match input.title_rows {
        0 => String::new(),
        1 => " below 1 title row".to_string(),
        n => format!(" below {n} title rows"),
    };
    out.push_str(&format!(
        "# header_row = {}                # found automatically{titles}\n",
        input.header_row
    ));
    if let Some(encoding) = &input.encoding
        && !encoding.eq_ignore_ascii_case("utf-8")
    {
        comment(
            out,
            &format!("detected {encoding} (not UTF-8); saying it is safer"),
        );
        out.push_str(&format!(
            "encoding = {}\n",
            string(&encoding.to_lowercase())
        ));
    }
    if let Some(delimiter) = &input.delimiter
        && delimiter != ","
    {
        out.push_str(&format!(
            "delimiter = {}            # sniffed\n",
            string(delimiter)
        ));
    }
    if let Some(decimal) = &input.decimal {
        if let Some(why) = &input.decimal_evidence {
            comment(out, why);
        }
        out.push_str(&format!("decimal = {}\n", string(decimal)));
    }
    if let Some(k) = &input.key {
        comment(out, "the column naming the loan of each schedule row");
        out.push_str(&format!("key = {}\n", string(k)));
    }
}

/// The template text. `convert` is the command line that uses it.
pub fn write(export: &Export, files: &[String], convert: &str) -> String {
    let mut out = String::new();
    out.push_str("# Starter template written by `kiva-drafts inspect` from:\n");
    for f in files {
        out.push_str(&format!("#   {f}\n"));
    }
    out.push_str(
        "# Each guess has its evidence in the comment above it: check them, fill in the\n\
         # TODOs (fields not found are listed commented out), then convert:\n#\n",
    );
    out.push_str(&format!("#   {convert}\n\n"));
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            std::path::Path::new(f)
                .file_name()
                .map_or_else(|| f.clone(), |n| n.to_string_lossy().into_owned())
        })
        .collect();
    out.push_str(&format!(
        "name = {}\n",
        string(&format!("Starter template for {}", names.join(" + ")))
    ));
    let loan_reasons: Vec<&String> = export
        .reasons
        .iter()
        .filter(|r| !r.contains("the repayment schedule") && !r.contains("[terms]"))
        .collect();
    for r in &loan_reasons {
        comment(&mut out, r);
    }
    if let Some(shape) = &export.shape {
        out.push_str(&format!("shape = {}\n", string(shape)));
    } else {
        comment(
            &mut out,
            "TODO: the shape could not be inferred: per-loan, per-borrower, flat or wide",
        );
        out.push_str("shape = \"per-loan\"\n");
    }
    for w in &export.warnings {
        comment(&mut out, &format!("warning: {w}"));
    }
    if let Some(input) = export.inputs.first() {
        input_section(&mut out, "input", input, None);
    }
    if let Some(input) = &export.schedule_input {
        let reason = export
            .reasons
            .iter()
            .find(|r| r.contains("the repayment schedule"))
            .map(String::as_str);
        input_section(&mut out, "schedule_input", input, reason);
    }
    let sections: [(&str, &str); 5] = [
        ("keys", "keys"),
        ("loan", "loan"),
        ("borrower", "borrower"),
        ("schedule", "schedule"),
        ("terms", "terms"),
    ];
    for (section, title) in sections {
        let mapped: Vec<&Mapping> = export
            .fields
            .iter()
            .filter(|m| m.section_and_name().0 == section)
            .collect();
        let todos: Vec<_> = export
            .todo
            .iter()
            .filter(|t| t.field.split_once('.').is_some_and(|(s, _)| s == section))
            .collect();
        if mapped.is_empty() && todos.is_empty() {
            continue;
        }
        let active = !mapped.is_empty();
        out.push('\n');
        if active {
            out.push_str(&format!("[{title}]\n"));
        } else {
            out.push_str(&format!("# [{title}]\n"));
        }
        if section == "terms"
            && let Some(r) = export.reasons.iter().find(|r| r.contains("[terms]"))
        {
            comment(&mut out, r);
        }
        for m in mapped {
            field(&mut out, m);
        }
        for t in todos {
            let name = t.field.split_once('.').map_or(t.field.as_str(), |x| x.1);
            let line = format!("# {name} = \"TODO\"   # TODO: {}", t.why);
            if line.chars().count() <= WIDTH {
                out.push_str(&line);
                out.push('\n');
            } else {
                comment(&mut out, &format!("{name} = \"TODO\"   # TODO: {}", t.why));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_keys_are_valid_toml() {
        assert_eq!(string("Date d'échéance"), "\"Date d'échéance\"");
        assert_eq!(string("a \"b\" \\"), "\"a \\\"b\\\" \\\\\"");
        assert_eq!(key("F"), "F");
        assert_eq!(key("Equal principal"), "\"Equal principal\"");
        let parsed: toml::Table = toml::from_str(&format!("{} = 1", key("Nº"))).unwrap();
        assert!(parsed.contains_key("Nº"));
    }

    #[test]
    fn comments_wrap() {
        let mut out = String::new();
        comment(&mut out, &"word ".repeat(40));
        assert!(
            out.lines()
                .all(|l| l.starts_with('#') && l.chars().count() <= WIDTH)
        );
        assert!(out.lines().count() > 1);
    }
}
