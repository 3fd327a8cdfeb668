//! The findings for people: readable in an 80-column terminal.
//!
//! Per file: format, encoding and delimiter, the sheets and their sizes; per table:
//! title rows, header, data and totals rows, then one line per column (type, fill
//! rate, distinct values, samples). Then the export as a whole: shape and why, keys,
//! the field mapping with its evidence, what was not found, and the next command.
//! Every line is at most [`WIDTH`] characters.

use super::shape::{Constant, Mapping};
use super::{ColumnReport, FileReport, Inspection, SheetReport};

/// The terminal width the output fits.
pub const WIDTH: usize = 80;

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Cuts text to `max` characters, marking the cut with `…`.
fn fit(text: &str, max: usize) -> String {
    if chars(text) <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

fn pad(text: &str, width: usize) -> String {
    let t = fit(text, width);
    let n = chars(&t);
    format!("{t}{}", " ".repeat(width.saturating_sub(n)))
}

/// Wraps words to the width; the first line starts with `first`, the others with
/// `rest`. Words longer than a line are cut.
pub fn wrap(text: &str, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let room = WIDTH.saturating_sub(chars(&line) + usize::from(!empty));
        if !empty && chars(word) > room {
            lines.push(line);
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        let room = WIDTH.saturating_sub(chars(&line));
        line.push_str(&fit(word, room));
        empty = false;
    }
    lines.push(line);
    lines
}

fn push_wrapped(out: &mut String, text: &str, first: &str, rest: &str) {
    for l in wrap(text, first, rest) {
        out.push_str(l.trim_end());
        out.push('\n');
    }
}

fn samples(values: &[String], room: usize) -> String {
    let mut out = String::new();
    for v in values {
        let sep = if out.is_empty() { "" } else { ", " };
        let left = room.saturating_sub(chars(&out) + chars(sep));
        if left < 4 {
            break;
        }
        let shown = fit(v, left.min(18));
        out.push_str(sep);
        out.push_str(&shown);
    }
    out
}

fn column_line(c: &ColumnReport) -> String {
    // 2 + 4 + 21 + 8 + 4 + 2 + 5 + 2 = 48 before the samples.
    let head = format!(
        "  {}{}{}{:>4}  {:>5}  ",
        pad(&c.letter, 4),
        pad(&c.header, 20),
        pad(&format!(" {}", c.kind.as_str()), 8),
        format!("{}%", c.fill_rate),
        c.distinct,
    );
    let room = WIDTH.saturating_sub(chars(&head));
    format!("{head}{}", samples(&c.samples, room))
}

/// Columns past the first of each installment column set are folded into one line.
fn folded(sheet: &SheetReport) -> Vec<(usize, usize)> {
    // (first hidden index, last hidden index) runs.
    let numbered: Vec<Option<usize>> = sheet
        .columns
        .iter()
        .map(|c| {
            let is_schedule = c
                .field
                .as_deref()
                .is_some_and(|f| f.starts_with("schedule."));
            if !is_schedule {
                return None;
            }
            c.header
                .split(|ch: char| !ch.is_ascii_digit())
                .find(|p| !p.is_empty())
                .and_then(|p| p.parse().ok())
        })
        .collect();
    let first = numbered.iter().flatten().min().copied();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, n) in numbered.iter().enumerate() {
        let hidden = matches!((n, first), (Some(n), Some(f)) if *n != f);
        if hidden {
            match runs.last_mut() {
                Some(run) if run.1 + 1 == i => run.1 = i,
                _ => runs.push((i, i)),
            }
        }
    }
    runs
}

fn sheet_section(out: &mut String, f: &FileReport, s: &SheetReport) {
    let (file, delimiter) = (f.file.as_str(), f.delimiter.as_deref());
    let title = match &s.sheet {
        Some(name) => format!("Sheet {name}"),
        None => file.to_string(),
    };
    push_wrapped(out, &format!("{title} ({})", s.role), "", "  ");
    let Some(header_row) = s.header_row else {
        out.push_str("  blank\n");
        return;
    };
    for (i, p) in s.preamble.iter().enumerate() {
        let first = if i == 0 {
            "  title rows: "
        } else {
            "              "
        };
        out.push_str(&fit(&format!("{first}{p}"), WIDTH));
        out.push('\n');
    }
    let header = if s.header_rows > 1 {
        format!("rows {header_row}-{} (merged two-level)", header_row + 1)
    } else {
        format!("row {header_row}")
    };
    let data = match (s.first_data_row, s.last_data_row) {
        (Some(a), Some(b)) => format!("{} rows ({a}-{b})", s.data_rows),
        _ => "no rows".to_string(),
    };
    push_wrapped(
        out,
        &format!("header: {header}; data: {data}"),
        "  ",
        "    ",
    );
    if !s.header_repeated.is_empty() {
        let rows: Vec<String> = s.header_repeated.iter().map(ToString::to_string).collect();
        push_wrapped(
            out,
            &format!(
                "the header again on row{} {} (a report's page breaks?): not data, skipped as convert skips it",
                if rows.len() == 1 { "" } else { "s" },
                rows.join(", ")
            ),
            "  ",
            "    ",
        );
    }
    if !s.rows_past_header.is_empty() {
        let rows = &s.rows_past_header;
        let shown: Vec<String> = rows.iter().take(10).map(ToString::to_string).collect();
        let more = match rows.len() {
            n if n > 10 => format!(" and {} more", n - 10),
            _ => String::new(),
        };
        let delimiter = delimiter.map_or_else(String::new, |d| format!(" with '{d}' in it"));
        push_wrapped(
            out,
            &format!(
                "values past the header's last column on row{} {}{more}: a value{delimiter} not quoted, split in two? convert fails these rows' loans",
                if rows.len() == 1 { "" } else { "s" },
                shown.join(", ")
            ),
            "  ",
            "    ",
        );
    }
    for parts in &s.rows_cut {
        let rows: Vec<String> = parts.iter().map(ToString::to_string).collect();
        let which = match rows.split_last() {
            Some((last, rest)) if !rest.is_empty() => {
                format!("rows {} and {last}", rest.join(", "))
            }
            _ => format!("row {}", rows.join("")),
        };
        push_wrapped(
            out,
            &format!(
                "{which} look like one row cut by a line break in a value that is not quoted: quote the value or remove its line breaks (convert fails these rows' loans)"
            ),
            "  ",
            "    ",
        );
    }
    for t in &s.totals_rows {
        out.push_str(&fit(&format!("  totals row {}: {}", t.row, t.cells), WIDTH));
        out.push('\n');
    }
    out.push_str(&format!(
        "  {}{}{}{:>4}  {:>5}  samples\n",
        pad("col", 4),
        pad("header", 20),
        pad(" type", 8),
        "fill",
        "dist"
    ));
    let runs = folded(s);
    let mut i = 0;
    while i < s.columns.len() {
        if let Some(run) = runs.iter().find(|r| r.0 == i) {
            let letters = format!("{}-{}", s.columns[run.0].letter, s.columns[run.1].letter);
            out.push_str(&format!(
                "  {} ({} more installment columns, like the ones above)\n",
                pad(&letters, 4),
                run.1 - run.0 + 1
            ));
            i = run.1 + 1;
            continue;
        }
        out.push_str(&column_line(&s.columns[i]));
        out.push('\n');
        i += 1;
    }
}

fn mapping_target(m: &Mapping) -> String {
    let mut parts = Vec::new();
    if let Some(c) = &m.column {
        parts.push(format!("'{c}'"));
    }
    if let Some(v) = &m.value {
        parts.push(match v {
            Constant::String(s) => format!("value \"{s}\""),
            other => format!("value {other}"),
        });
    }
    if let Some(members) = m.members {
        parts.push(format!("members' {members}"));
    }
    if let Some(f) = &m.format {
        parts.push(f.clone());
    }
    if let Some(s) = m.split {
        parts.push(format!("split {s}"));
    }
    if !m.map.is_empty() {
        let entries: Vec<String> = m
            .map
            .iter()
            .map(|e| match &e.to {
                Constant::String(s) => format!("{}={s}", e.from),
                other => format!("{}={other}", e.from),
            })
            .collect();
        parts.push(format!("map {}", entries.join(" ")));
    }
    if let Some(c) = m.combine {
        parts.push(format!("combine {c}"));
    }
    parts.join(", ")
}

/// The whole report.
pub fn human(inspection: &Inspection) -> String {
    let mut out = String::new();
    for f in &inspection.files {
        let mut line = format!("{}: {}", f.file, f.format);
        if let Some(e) = &f.encoding {
            line.push_str(&format!(", {e}"));
        }
        if let Some(d) = &f.delimiter {
            line.push_str(&format!(", delimiter '{d}'"));
        }
        if f.sheets.iter().any(|s| s.sheet.is_some()) {
            let n = f.sheets.len();
            line.push_str(&format!(", {n} sheet{}", if n == 1 { "" } else { "s" }));
        }
        push_wrapped(&mut out, &line, "", "  ");
        for s in &f.sheets {
            if let Some(name) = &s.sheet {
                push_wrapped(
                    &mut out,
                    &format!("{name}: {} rows x {} columns", s.size.rows, s.size.columns),
                    "  ",
                    "    ",
                );
            }
        }
        for s in &f.sheets {
            out.push('\n');
            sheet_section(&mut out, f, s);
        }
        out.push('\n');
    }
    let e = &inspection.export;
    let shape = e.shape.as_deref().unwrap_or("unknown");
    let schedule = match e.schedule {
        "sheet" | "file" => {
            let s = e.schedule_input.as_ref();
            let place = match s.and_then(|s| s.sheet.clone().filter(|_| s.workbook)) {
                Some(sheet) => format!("sheet {sheet}"),
                None => s.map_or(String::new(), |s| s.file.clone()),
            };
            format!("schedule in {place}")
        }
        "rows" => "schedule in the same rows".into(),
        "columns" => "schedule in installment columns".into(),
        "terms" => "schedule generated from loan terms".into(),
        _ => "no schedule found".into(),
    };
    push_wrapped(
        &mut out,
        &format!(
            "Export: {shape}, {schedule}; {} loan{}{}",
            e.loans,
            if e.loans == 1 { "" } else { "s" },
            if e.group_loans {
                ", some with several borrowers"
            } else {
                ""
            }
        ),
        "",
        "  ",
    );
    for r in &e.reasons {
        push_wrapped(&mut out, r, "  - ", "    ");
    }
    let mut keys = Vec::new();
    if let Some(k) = &e.keys.loan {
        keys.push(format!("loan '{k}'"));
    }
    if let Some(k) = &e.keys.group {
        let mut parts = vec![format!("'{k}'")];
        parts.extend(e.keys.group_also.iter().map(|c| format!("'{c}'")));
        keys.push(format!("group {}", parts.join(" + ")));
    }
    if let Some(k) = &e.keys.borrower {
        keys.push(format!("borrower '{k}'"));
    }
    if let Some(k) = e.schedule_input.as_ref().and_then(|s| s.key.as_ref()) {
        keys.push(format!("schedule '{k}'"));
    }
    if !keys.is_empty() {
        push_wrapped(
            &mut out,
            &format!("keys: {}", keys.join(", ")),
            "  ",
            "    ",
        );
    }
    for input in e.inputs.iter().take(1).chain(e.schedule_input.as_ref()) {
        if let (Some(d), Some(why)) = (&input.decimal, &input.decimal_evidence) {
            let place = match (&input.sheet, input.workbook) {
                (Some(sheet), true) => format!("sheet {sheet}"),
                _ => std::path::Path::new(&input.file)
                    .file_name()
                    .map_or_else(|| input.file.clone(), |n| n.to_string_lossy().into_owned()),
            };
            push_wrapped(
                &mut out,
                &format!("decimal separator '{d}' in {place}: {why}"),
                "  ",
                "    ",
            );
        }
    }
    out.push_str("\nFields:\n");
    for m in &e.fields {
        push_wrapped(
            &mut out,
            &format!("{} = {}", m.field, mapping_target(m)),
            "  ",
            "      ",
        );
        push_wrapped(&mut out, &m.evidence, "      ", "      ");
        if let Some(todo) = &m.todo {
            push_wrapped(&mut out, &format!("TODO: {todo}"), "      ", "      ");
        }
    }
    if !e.todo.is_empty() {
        out.push_str("\nNot found (TODO in the template):\n");
        for t in &e.todo {
            push_wrapped(&mut out, &format!("{}: {}", t.field, t.why), "  ", "      ");
        }
    }
    if !e.warnings.is_empty() {
        out.push_str("\nWarnings:\n");
        for w in &e.warnings {
            push_wrapped(&mut out, w, "  ", "    ");
        }
    }
    out.push('\n');
    match &inspection.template {
        Some(path) => push_wrapped(
            &mut out,
            &format!("Template written to {path}. Check it, then:"),
            "",
            "",
        ),
        None => push_wrapped(
            &mut out,
            "Write a starter template with --write-template OUT.toml, then:",
            "",
            "",
        ),
    }
    push_wrapped(&mut out, &inspection.convert, "  ", "      ");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_line_within_the_width() {
        let text = "word ".repeat(50) + &"x".repeat(120);
        let lines = wrap(&text, "  - ", "    ");
        assert!(lines.iter().all(|l| chars(l) <= WIDTH), "{lines:?}");
        assert!(lines[0].starts_with("  - word"));
        assert!(lines[1].starts_with("    word"));
    }

    #[test]
    fn fit_and_pad() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(pad("ab", 4), "ab  ");
        assert_eq!(pad("Préstamo largo", 6), "Prést…");
    }
}
