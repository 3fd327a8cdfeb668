//! Cells merged down over data rows.
//!
//! A loan book kept by hand often merges a group's name, loan number and disbursal date
//! over its members' rows, one row per member: the file stores the value in the first
//! row only and leaves the others empty, while a person reads it on every row. So does
//! this tool: below the header, a cell merged down from the row above reads as the value
//! at the top of its merge. Only a merge's first column is filled: a merge across columns
//! shows one value, which belongs to the column it starts in. Merges in and above the
//! header are left to the header's own rule ([`super::header`]).
//!
//! Where the merges come from: an xlsx sheet lists them after its cells, so they are
//! found by inflating the sheet's XML once and reading what follows its cells
//! ([`xlsx_regions`]), without parsing the cells again; calamine gives an xls sheet's.

use std::io::Read;
use std::path::Path;

use quick_xml::events::Event;

use super::{Cell, Row};

/// A merged range: (top row, left column), (bottom row, right column), from 0.
pub type Region = ((u32, u32), (u32, u32));

/// The most bytes of an xlsx sheet read after its cells (the merges, page setup and the
/// like): a sheet of 100,000 merges takes about 3 MB.
const MAX_TAIL: u64 = 64 << 20;

/// Fills the cells merged down over data rows, row after row (see the module doc).
/// Rows must come in order; a row left out (blank) breaks nothing.
#[derive(Debug, Clone, Default)]
pub struct MergedDown {
    /// Merges that span several rows, by top row, not yet reached.
    waiting: Vec<Region>,
    /// Merges being filled: the last row and the column to fill, and the value.
    open: Vec<(u32, u32, Cell)>,
    /// Cells filled so far.
    pub filled: usize,
    /// The merges below the header that span several rows.
    pub ranges: usize,
}

impl MergedDown {
    /// The merges of a sheet whose data rows start after row `header_end` (1-based, as
    /// rows are numbered): merges that start in or above the header are left out, and
    /// merges of one row (across columns only) have nothing to fill.
    pub fn new(regions: &[Region], header_end: usize) -> Option<MergedDown> {
        let mut waiting: Vec<Region> = regions
            .iter()
            .copied()
            .filter(|&((top, _), (bottom, _))| bottom > top && top as usize >= header_end)
            .collect();
        if waiting.is_empty() {
            return None;
        }
        // Popped from the end: the lowest top row last.
        waiting.sort_unstable_by(|a, b| b.cmp(a));
        Some(MergedDown {
            ranges: waiting.len(),
            waiting,
            open: Vec::new(),
            filled: 0,
        })
    }

    /// Fills `row`'s cells merged down from a row above it, and takes the values of the
    /// merges that start on it.
    pub fn fill(&mut self, row: &mut Row) {
        let Ok(at) = u32::try_from(row.line.saturating_sub(1)) else {
            return;
        };
        self.open.retain(|(bottom, _, _)| *bottom >= at);
        for (_, column, value) in &self.open {
            let column = *column as usize;
            if row.cell(column).is_blank() {
                if row.cells.len() <= column {
                    row.cells.resize(column + 1, Cell::Empty);
                }
                row.cells[column] = value.clone();
                self.filled += 1;
            }
        }
        while let Some(&((top, left), (bottom, _))) = self.waiting.last() {
            if top > at {
                break;
            }
            self.waiting.pop();
            // A merge whose top row was left out (blank) has no value to carry.
            let value = row.cell(left as usize);
            if top == at && !value.is_blank() {
                self.open.push((bottom, left, value.clone()));
            }
        }
    }
}

/// The merged ranges of sheet `sheet` of an xlsx workbook, or why they cannot be read.
pub fn xlsx_regions(path: &Path, sheet: &str) -> Result<Vec<Region>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| e.to_string())?;
    let workbook = office_document(&mut zip)?;
    let Some(part) = sheet_part(&mut zip, &workbook, sheet)? else {
        return Ok(Vec::new());
    };
    let tail = after_cells(&mut zip, &part)?;
    Ok(merge_refs(&tail))
}

/// A small part of the package, whole (an empty one when it is missing).
fn small_part(zip: &mut zip::ZipArchive<std::fs::File>, name: &str) -> Result<Vec<u8>, String> {
    let Ok(part) = zip.by_name(name) else {
        return Ok(Vec::new());
    };
    let mut bytes = Vec::new();
    part.take(MAX_TAIL)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{name}: {e}"))?;
    Ok(bytes)
}

/// The workbook part (`xl/workbook.xml` unless the package says otherwise).
fn office_document(zip: &mut zip::ZipArchive<std::fs::File>) -> Result<String, String> {
    let rels = small_part(zip, "_rels/.rels")?;
    let target = relationships(&rels)
        .into_iter()
        .find(|(_, kind, _)| kind.ends_with("/officeDocument"))
        .map(|(_, _, target)| target.trim_start_matches('/').to_string());
    Ok(target.unwrap_or_else(|| "xl/workbook.xml".to_string()))
}

/// The part holding the sheet named `sheet`, as calamine finds it: the workbook's
/// `<sheet name r:id>`, then its relationship's target.
fn sheet_part(
    zip: &mut zip::ZipArchive<std::fs::File>,
    workbook: &str,
    sheet: &str,
) -> Result<Option<String>, String> {
    let (dir, name) = workbook.rsplit_once('/').unwrap_or(("", workbook));
    let book = small_part(zip, workbook)?;
    let mut reader = quick_xml::Reader::from_reader(book.as_slice());
    let mut buf = Vec::new();
    let mut id = None;
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sheet" => {
                let (mut this, mut rel) = (None, None);
                for a in e.attributes().flatten() {
                    let value = unescaped(&a.value);
                    let key: &str = a.key.as_ref();
                    // `r:id`, whatever the prefix, as calamine reads it.
                    if key == "name" {
                        this = value;
                    } else if key.ends_with(":id") {
                        rel = value;
                    }
                }
                if this.as_deref() == Some(sheet) {
                    id = rel;
                    break;
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    let Some(id) = id else {
        return Ok(None);
    };
    let rels = small_part(zip, &format!("{dir}/_rels/{name}.rels"))?;
    Ok(relationships(&rels)
        .into_iter()
        .find(|(rel, _, _)| *rel == id)
        .map(|(_, _, target)| match target.strip_prefix('/') {
            Some(absolute) => absolute.to_string(),
            None if dir.is_empty() => target,
            None => format!("{dir}/{target}"),
        }))
}

/// The `<Relationship Id Type Target>` of a relationships part.
fn relationships(xml: &[u8]) -> Vec<(String, String, String)> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "Relationship" => {
                let mut fields = [String::new(), String::new(), String::new()];
                for a in e.attributes().flatten() {
                    let slot = match a.key.local_name().as_ref() {
                        "Id" => 0,
                        "Type" => 1,
                        "Target" => 2,
                        _ => continue,
                    };
                    if let Some(value) = unescaped(&a.value) {
                        fields[slot] = value;
                    }
                }
                let [id, kind, target] = fields;
                out.push((id, kind, target));
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// What follows a sheet's cells: its XML from the first `mergeCells` element on (none
/// when it has none), read without holding the cells.
fn after_cells(zip: &mut zip::ZipArchive<std::fs::File>, part: &str) -> Result<Vec<u8>, String> {
    const NEEDLE: &[u8] = b"mergeCells";
    let Ok(mut xml) = zip.by_name(part) else {
        return Ok(Vec::new());
    };
    let finder = memchr::memmem::Finder::new(NEEDLE);
    let mut chunk = vec![0u8; 1 << 20];
    // The end of the previous chunk, in case the element's name is cut between two.
    let mut carry: Vec<u8> = Vec::new();
    let mut tail: Vec<u8> = Vec::new();
    let mut found = false;
    loop {
        let n = xml.read(&mut chunk).map_err(|e| format!("{part}: {e}"))?;
        if n == 0 {
            break;
        }
        if found {
            if (tail.len() + n) as u64 > MAX_TAIL {
                return Err(format!(
                    "{part}: more than {} MB after the cells",
                    MAX_TAIL >> 20
                ));
            }
            tail.extend_from_slice(&chunk[..n]);
            continue;
        }
        carry.extend_from_slice(&chunk[..n]);
        // An element's name, not text: text and attribute values escape `<`, so the
        // name follows `<` or a namespace prefix's `:`.
        let start = finder.find_iter(&carry).find(|&at| {
            at > 0
                && matches!(carry[at - 1], b'<' | b':')
                && matches!(
                    carry.get(at + NEEDLE.len()),
                    Some(b' ' | b'>' | b'/' | b'\t' | b'\r' | b'\n')
                )
        });
        if let Some(at) = start {
            let open = carry[..at].iter().rposition(|&b| b == b'<').unwrap_or(at);
            tail = carry.split_off(open);
            found = true;
        } else {
            let keep = carry.len().saturating_sub(NEEDLE.len() + 64);
            carry.drain(..keep);
        }
    }
    Ok(tail)
}

/// The ranges of the `<mergeCell ref="A2:A4"/>` elements in `xml`.
fn merge_refs(xml: &[u8]) -> Vec<Region> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "mergeCell" => {
                for a in e.attributes().flatten() {
                    if a.key.local_name().as_ref() == "ref"
                        && let Some(region) = range(&a.value)
                    {
                        out.push(region);
                    }
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == "mergeCells" => break,
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// An attribute's value with its entities (`&amp;`) replaced.
fn unescaped(raw: &str) -> Option<String> {
    quick_xml::escape::unescape(raw)
        .ok()
        .map(std::borrow::Cow::into_owned)
}

/// `A2:B4` as a region; `None` for anything else.
fn range(text: &str) -> Option<Region> {
    let (from, to) = text.split_once(':')?;
    let (a, b) = (cell_ref(from)?, cell_ref(to)?);
    Some(((a.0.min(b.0), a.1.min(b.1)), (a.0.max(b.0), a.1.max(b.1))))
}

/// `B4` (or `$B$4`) as (row, column) from 0.
fn cell_ref(text: &str) -> Option<(u32, u32)> {
    let text = text.trim().replace('$', "");
    let digits = text.find(|c: char| c.is_ascii_digit())?;
    let (letters, number) = text.split_at(digits);
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut column = 0u32;
    for c in letters.chars() {
        if !c.is_ascii_alphabetic() {
            return None;
        }
        column = column * 26 + u32::from(c.to_ascii_uppercase() as u8 - b'A' + 1);
    }
    let row: u32 = number.parse().ok()?;
    Some((row.checked_sub(1)?, column - 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::text_row;

    fn texts(row: &Row) -> Vec<String> {
        row.cells.iter().map(Cell::display).collect()
    }

    #[test]
    fn references_and_ranges() {
        assert_eq!(cell_ref("A1"), Some((0, 0)));
        assert_eq!(cell_ref("$AB$12"), Some((11, 27)));
        assert_eq!(cell_ref("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(cell_ref("A0"), None);
        assert_eq!(cell_ref("12"), None);
        assert_eq!(range("B4:A2"), Some(((1, 0), (3, 1))));
        assert_eq!(range("A2"), None);
    }

    #[test]
    fn merged_down_cells_read_as_their_top_value_below_the_header_only() {
        // Header on row 1; A2:A4 and C2:D3 merged down, B5:C5 across, A1:A2 from the
        // header into the data (left to the header), a blank top row (A7:A8).
        let regions = [
            ((1, 0), (3, 0)),
            ((1, 2), (2, 3)),
            ((4, 1), (4, 2)),
            ((0, 0), (1, 0)),
            ((6, 0), (7, 0)),
        ];
        let mut merged = MergedDown::new(&regions, 1).unwrap();
        let mut rows = vec![
            text_row(2, &["G1", "Ana", "USD", ""]),
            text_row(3, &["", "Bea"]),
            text_row(4, &["", "Cy", "", ""]),
            text_row(5, &["G2", "Di", "", ""]),
            text_row(8, &["", "Eve"]),
        ];
        for r in &mut rows {
            merged.fill(r);
        }
        assert_eq!(texts(&rows[0]), ["G1", "Ana", "USD", ""]);
        assert_eq!(texts(&rows[1]), ["G1", "Bea", "USD"]);
        assert_eq!(texts(&rows[2]), ["G1", "Cy", "", ""]);
        assert_eq!(texts(&rows[3]), ["G2", "Di", "", ""]);
        assert_eq!(texts(&rows[4]), ["", "Eve"]);
        assert_eq!(merged.filled, 3);
        assert!(MergedDown::new(&[((0, 0), (1, 0)), ((3, 1), (3, 4))], 1).is_none());
    }

    #[test]
    fn merges_are_found_after_the_cells_with_or_without_a_prefix() {
        let xml = br#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>mergeCells &lt;mergeCells</t></is></c></row></sheetData><mergeCells count="2"><mergeCell ref="A2:A4"/><mergeCell ref="C2:D3"/></mergeCells><pageMargins/></worksheet>"#;
        assert_eq!(merge_refs(xml), [((1, 0), (3, 0)), ((1, 2), (2, 3))]);
        let prefixed = br#"<x:mergeCells count="1"><x:mergeCell ref="B2:B9"/></x:mergeCells>"#;
        assert_eq!(merge_refs(prefixed), [((1, 1), (8, 1))]);
    }
}
