//! How much memory calamine would give an ods's tables, measured from `content.xml`
//! before calamine opens it.
//!
//! calamine reads every table of an ods when the file is opened, each into a dense grid
//! from its first cell with a value to its last, and holds each row's cells one by one
//! on the way, the empty ones before a value included. Rows and cells repeat
//! (`table:number-rows-repeated`, `table:number-columns-repeated`), so a 15 KB file
//! whose one stray cell sits at column 140 of row 100,000 takes 1.4 GB. calamine caps a
//! table at 100 million cells (3.2 GB); the grids are measured here, streaming the XML
//! as calamine does, and refused when out of proportion ([`super::sprawl::sprawls`]).
//! The same pass notes the cells merged over several rows, which calamine does not give
//! ([`super::merged`]).

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use super::merged::Region;
use super::sprawl::{Tally, sprawls};

/// calamine's limits for an ods table: rows, columns, cells of a grid.
const MAX_ROWS: u64 = 1_048_576;
const MAX_COLUMNS: u64 = 16_384;
const MAX_CELLS: u64 = 100_000_000;

/// Why the workbook is not read: the message, after the file's name.
pub type Refusal = String;

/// The merged cells of each table that has some, by table name.
pub type Spans = Vec<(String, Vec<Region>)>;

/// Measures the tables of the ods at `path` and refuses it when calamine's grids would
/// be out of proportion to its cells. A `content.xml` that cannot be read is left to
/// calamine, which says what is wrong.
pub fn check(path: &Path) -> io::Result<Result<Spans, Refusal>> {
    let Ok(mut archive) = zip::ZipArchive::new(File::open(path)?) else {
        return Ok(Ok(Spans::new()));
    };
    let Ok(content) = archive.by_name("content.xml") else {
        return Ok(Ok(Spans::new()));
    };
    Ok(measure(BufReader::new(content)))
}

/// Streams the tables of a `content.xml` as calamine reads them and refuses grids out of
/// proportion to their cells.
fn measure(content: impl BufRead) -> Result<Spans, Refusal> {
    let mut spans = Spans::new();
    let mut xml = Xml::new(content);
    let mut scan = Scan::default();
    let mut tally = new_tally();
    let mut largest: Option<(u64, String, Tally<Option<String>>)> = None;
    let mut total = (0u64, 0u64);
    loop {
        let capture = scan.cell.as_ref().is_some_and(|c| c.text.is_some());
        // At the end, or XML calamine stops at, the tables before were read.
        let Ok(Some(token)) = xml.next(capture) else {
            break;
        };
        let ended = scan.token(&token, &mut tally);
        xml.recycle(token);
        if let Some((name, grid, merged)) = ended {
            if !merged.is_empty() {
                spans.push((name.clone(), merged));
            }
            total.0 += grid;
            total.1 += tally.stored;
            if largest.as_ref().is_none_or(|(g, ..)| grid > *g) {
                let kept = std::mem::replace(&mut tally, new_tally());
                largest = Some((grid, name, kept));
            } else {
                tally.clear();
            }
        }
    }
    if !sprawls(total.0, total.1) {
        return Ok(spans);
    }
    let Some((grid, name, mut tally)) = largest else {
        return Ok(spans);
    };
    Err(tally.refusal(&name, "ods", grid, Clone::clone))
}

/// A tally for tables of calamine's largest size.
fn new_tally() -> Tally<Option<String>> {
    Tally::new(1 << 20, 1 << 14)
}

/// A piece of XML: a start tag (its name, attributes, whether it is also the end), an
/// end tag, or text.
enum Token {
    Start { tag: Vec<u8>, empty: bool },
    End(Vec<u8>),
    Text(Vec<u8>),
}

/// A minimal XML tokenizer over a stream: tags, and text when asked for.
struct Xml<R> {
    reader: R,
    tag: Vec<u8>,
    /// A tag read after text, given next.
    pending: Option<Token>,
}

impl<R: BufRead> Xml<R> {
    fn new(reader: R) -> Self {
        Xml {
            reader,
            tag: Vec::new(),
            pending: None,
        }
    }

    /// The next token; text only when `text` (else it is skipped, not held). `None` at
    /// the end, or where the stream ends inside a tag.
    fn next(&mut self, text: bool) -> io::Result<Option<Token>> {
        loop {
            if let Some(token) = self.pending.take() {
                return Ok(Some(token));
            }
            let mut content = Vec::new();
            if text {
                self.reader.read_until(b'<', &mut content)?;
                if content.pop() != Some(b'<') {
                    return Ok(None);
                }
            } else if self.reader.skip_until(b'<')? == 0 {
                return Ok(None);
            }
            match self.read_tag() {
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
                other => other?,
            }
            let token = self.tag_token();
            if !content.is_empty() {
                self.pending = token;
                return Ok(Some(Token::Text(content)));
            }
            if token.is_some() {
                return Ok(token);
            }
        }
    }

    /// Reads a tag after its `<` into `self.tag`, up to its `>` outside quotes; comments,
    /// CDATA and processing instructions up to their own ends.
    fn read_tag(&mut self) -> io::Result<()> {
        self.tag.clear();
        let mut quote = None;
        loop {
            let start = self.tag.len();
            if self.reader.read_until(b'>', &mut self.tag)? == 0 || self.tag.last() != Some(&b'>') {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            for &b in &self.tag[start..] {
                match quote {
                    Some(q) if b == q => quote = None,
                    None if b == b'"' || b == b'\'' => quote = Some(b),
                    _ => (),
                }
            }
            let done = if self.tag.starts_with(b"!--") {
                self.tag.ends_with(b"-->")
            } else if self.tag.starts_with(b"![CDATA[") {
                self.tag.ends_with(b"]]>")
            } else if self.tag.starts_with(b"?") || self.tag.starts_with(b"!") {
                true
            } else {
                quote.is_none()
            };
            if done {
                self.tag.pop();
                return Ok(());
            }
        }
    }

    /// Takes back the buffer of a token, for the next tag.
    fn recycle(&mut self, token: Token) {
        if let Token::Start { tag, .. } | Token::End(tag) = token {
            self.tag = tag;
        }
    }

    /// The tag just read as a token; `None` for comments and the like.
    fn tag_token(&mut self) -> Option<Token> {
        let tag = std::mem::take(&mut self.tag);
        match tag.first() {
            Some(b'/') => Some(Token::End(tag)),
            Some(b'!' | b'?') | None => {
                self.tag = tag;
                None
            }
            Some(_) => {
                let empty = tag.ends_with(b"/");
                Some(Token::Start { tag, empty })
            }
        }
    }
}

/// A tag's name.
fn name(tag: &[u8]) -> &[u8] {
    let end = tag
        .iter()
        .position(|b| b.is_ascii_whitespace() || *b == b'/')
        .unwrap_or(tag.len());
    &tag[..end]
}

/// The attributes of a tag: names and raw values, in order, up to one that does not
/// parse.
fn attributes(tag: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut rest = &tag[name(tag).len()..];
    std::iter::from_fn(move || {
        rest = rest.trim_ascii_start();
        let eq = rest.iter().position(|b| *b == b'=')?;
        let key = rest[..eq].trim_ascii();
        let after = rest[eq + 1..].trim_ascii_start();
        let quote = *after.first().filter(|q| matches!(q, b'"' | b'\''))?;
        let len = after[1..].iter().position(|b| *b == quote)?;
        rest = &after[len + 2..];
        Some((key, &after[1..=len]))
    })
}

/// The raw value of attribute `key` of a tag.
fn attribute<'t>(tag: &'t [u8], key: &[u8]) -> Option<&'t [u8]> {
    attributes(tag).find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// A repeat count as calamine parses it: digits; `None` (calamine fails) otherwise.
fn repeats(tag: &[u8], key: &[u8]) -> Option<u64> {
    let Some(value) = attribute(tag, key) else {
        return Some(1);
    };
    let text = std::str::from_utf8(value).ok()?;
    text.parse::<u64>().ok()
}

/// XML text with its five named entities decoded.
fn unescape(text: &[u8]) -> String {
    if !text.contains(&b'&') {
        return String::from_utf8_lossy(text).into_owned();
    }
    String::from_utf8_lossy(text)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The span of rows and columns of a grid, growing.
#[derive(Default, Clone, Copy)]
struct Span {
    rows: Option<(u64, u64)>,
    cols: Option<(u64, u64)>,
}

impl Span {
    fn add(&mut self, rows: (u64, u64), cols: (u64, u64)) {
        let grow = |span: Option<(u64, u64)>, (a, b): (u64, u64)| {
            Some(span.map_or((a, b), |(x, y)| (x.min(a), y.max(b))))
        };
        self.rows = grow(self.rows, rows);
        self.cols = grow(self.cols, cols);
    }

    /// Its cells, as calamine caps them.
    fn cells(&self) -> u64 {
        match (self.rows, self.cols) {
            (Some((top, bottom)), Some((left, right))) => {
                ((bottom - top + 1) * (right - left + 1)).min(MAX_CELLS)
            }
            _ => 0,
        }
    }
}

/// The cell being read: where it is and what it says.
struct OpenCell {
    /// Rows (absolute, from 0) and columns it covers.
    rows: (u64, u64),
    cols: (u64, u64),
    /// Its value from an attribute, or its text so far (`Some` while capturing).
    value: Option<String>,
    text: Option<String>,
}

/// The table being read, as calamine reads it.
#[derive(Default)]
struct Scan {
    table: Option<String>,
    /// Rows so far (calamine caps them at `MAX_ROWS`).
    rows: u64,
    /// The row being read: its first row, how many times it repeats, cells pushed,
    /// empty cells waiting for a value.
    row: Option<(u64, u64, u64, u64)>,
    /// Cells calamine holds while reading the table (empty ones before a value too).
    pushed: u64,
    values: Span,
    formulas: Span,
    cell: Option<OpenCell>,
    /// Inside an annotation, whose text is no value.
    annotation: usize,
    /// The table's cells with a value merged over several rows or columns
    /// (`table:number-rows-spanned`): calamine does not give them ([`super::merged`]).
    spans: Vec<Region>,
}

impl Scan {
    /// Takes one token; at the end of a table, its name and the cells of its grids.
    fn token(
        &mut self,
        token: &Token,
        tally: &mut Tally<Option<String>>,
    ) -> Option<(String, u64, Vec<Region>)> {
        match token {
            Token::Start { tag, empty } => {
                let (tag, empty) = (tag.as_slice(), *empty);
                let name = name(tag);
                if name == b"table:table" {
                    if let Some(table) = attribute(tag, b"table:name") {
                        *self = Scan {
                            table: Some(unescape(table)),
                            ..Scan::default()
                        };
                    }
                    return None;
                }
                // Outside a table, nothing counts.
                self.table.as_ref()?;
                if name == b"table:table-row" {
                    let repeat = repeats(tag, b"table:number-rows-repeated").unwrap_or(1);
                    let repeat = repeat.min(MAX_ROWS.saturating_sub(self.rows));
                    self.row = Some((self.rows, repeat, 0, 0));
                    self.rows += repeat;
                    if empty {
                        self.row = None;
                    }
                } else if name == b"table:table-cell" || name == b"table:covered-table-cell" {
                    self.cell_start(tag);
                    if empty {
                        self.cell_end(tally);
                    }
                } else if name == b"office:annotation" && !empty {
                    self.annotation += 1;
                }
                None
            }
            Token::End(tag) => {
                let name = tag[1..].trim_ascii();
                if name == b"table:table-cell" || name == b"table:covered-table-cell" {
                    self.cell_end(tally);
                } else if name == b"table:table-row" {
                    self.row = None;
                } else if name == b"office:annotation" {
                    self.annotation = self.annotation.saturating_sub(1);
                } else if name == b"table:table" {
                    let table = self.table.take()?;
                    let grid = self.pushed + self.values.cells() + self.formulas.cells();
                    return Some((table, grid, std::mem::take(&mut self.spans)));
                }
                None
            }
            Token::Text(text) => {
                if self.annotation == 0
                    && let Some(captured) = self.cell.as_mut().and_then(|c| c.text.as_mut())
                    && captured.chars().count() <= 40
                {
                    captured.push_str(&unescape(text));
                }
                None
            }
        }
    }

    /// A cell starts: its empty cells before are pushed, then it, when it has a value
    /// or a formula (calamine's test), as many times as it repeats.
    fn cell_start(&mut self, tag: &[u8]) {
        let Some((first_row, row_repeats, pushed, waiting)) = self.row.as_mut() else {
            return;
        };
        // One pass over the attributes: the repeat, a value, its type, a formula.
        let mut repeat = 1;
        let mut value = None;
        let mut string = false;
        let mut formula = false;
        let mut spanned = (1u64, 1u64);
        let number = |raw: &[u8]| std::str::from_utf8(raw).ok().and_then(|r| r.parse().ok());
        for (key, raw) in attributes(tag) {
            match key {
                b"table:number-columns-repeated" => repeat = number(raw).unwrap_or(1),
                b"table:number-rows-spanned" => spanned.0 = number(raw).unwrap_or(1),
                b"table:number-columns-spanned" => spanned.1 = number(raw).unwrap_or(1),
                b"office:value"
                | b"office:string-value"
                | b"office:date-value"
                | b"office:time-value"
                | b"office:boolean-value" => {
                    value = value.or_else(|| Some(unescape(raw)));
                }
                b"office:value-type" => string = raw == b"string",
                b"table:formula" => formula = true,
                _ => (),
            }
        }
        let empties = (*waiting).min(MAX_COLUMNS.saturating_sub(*pushed));
        *pushed += empties;
        self.pushed += empties;
        let repeat = repeat.min(MAX_COLUMNS.saturating_sub(*pushed));
        if value.is_none() && !string && !formula {
            *waiting = repeat;
            return;
        }
        *waiting = 0;
        let cols = (*pushed, *pushed + repeat.max(1) - 1);
        *pushed += repeat;
        self.pushed += repeat;
        if repeat == 0 || *row_repeats == 0 {
            return;
        }
        let rows = (*first_row, *first_row + *row_repeats - 1);
        if spanned.0 > 1 || spanned.1 > 1 {
            self.spans.push((
                (clamp(rows.0), clamp(cols.0)),
                (
                    clamp(rows.0 + spanned.0.max(1) - 1),
                    clamp(cols.0 + spanned.1.max(1) - 1),
                ),
            ));
        }
        if value.is_some() || string {
            self.values.add(rows, cols);
        }
        if formula {
            self.formulas.add(rows, cols);
        }
        let text = if value.is_none() && string {
            Some(String::new())
        } else {
            None
        };
        self.cell = Some(OpenCell {
            rows,
            cols,
            value,
            text,
        });
    }

    /// A cell ends: counted, with its value.
    fn cell_end(&mut self, tally: &mut Tally<Option<String>>) {
        let Some(cell) = self.cell.take() else {
            return;
        };
        let block = (
            (clamp(cell.rows.0), clamp(cell.cols.0)),
            (clamp(cell.rows.1), clamp(cell.cols.1)),
        );
        tally.add(block, &cell.value.or(cell.text));
    }
}

fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(xml: &str) -> Vec<String> {
        let mut x = Xml::new(xml.as_bytes());
        let mut out = Vec::new();
        while let Some(t) = x.next(true).unwrap() {
            out.push(match t {
                Token::Start { tag, empty } => {
                    format!(
                        "<{}{}>",
                        String::from_utf8_lossy(name(&tag)),
                        if empty { "/" } else { "" }
                    )
                }
                Token::End(n) => format!("</{}>", String::from_utf8_lossy(&n[1..])),
                Token::Text(t) => String::from_utf8_lossy(&t).into_owned(),
            });
        }
        out
    }

    /// A `content.xml` with one table "T" of `rows`.
    fn content(rows: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content><office:body><office:spreadsheet><table:table table:name="T"><table:table-column table:number-columns-repeated="3"/>{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        )
    }

    const CELL: &str = r#"<table:table-cell office:value-type="float" office:value="1"/>"#;

    #[test]
    fn filled_tables_are_read_however_they_repeat() {
        // 200,000 rows of three numbers, written as repeated rows: 600,000 cells.
        let rows = format!(
            r#"<table:table-row table:number-rows-repeated="200000">{CELL}{CELL}{CELL}</table:table-row>"#
        );
        assert_eq!(measure(content(&rows).as_bytes()), Ok(Vec::new()));
        // Two cells far apart in a small grid.
        let rows = format!(
            r#"<table:table-row>{CELL}</table:table-row><table:table-row table:number-rows-repeated="1000"><table:table-cell table:number-columns-repeated="100"/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="99"/>{CELL}</table:table-row>"#
        );
        assert_eq!(measure(content(&rows).as_bytes()), Ok(Vec::new()));
    }

    #[test]
    fn cells_merged_over_rows_are_noted_by_table() {
        let rows = format!(
            r#"<table:table-row><table:table-cell office:value-type="string" table:number-rows-spanned="3"><text:p>G1</text:p></table:table-cell>{CELL}</table:table-row><table:table-row><table:covered-table-cell/>{CELL}</table:table-row><table:table-row><table:covered-table-cell/><table:table-cell table:number-columns-spanned="2" office:value-type="float" office:value="5"/></table:table-row>"#
        );
        assert_eq!(
            measure(content(&rows).as_bytes()),
            Ok(vec![(
                "T".to_string(),
                vec![((0, 0), (2, 0)), ((2, 1), (2, 2))]
            )])
        );
    }

    #[test]
    fn a_stray_cell_is_named_with_its_text() {
        let rows = format!(
            r#"<table:table-row>{CELL}<table:table-cell office:value-type="string"><text:p>Name &amp; co</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="500000"><table:table-cell table:number-columns-repeated="40"/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="39"/><table:table-cell office:value-type="string"><text:p>st<text:span>ray</text:span></text:p><office:annotation><text:p>note</text:p></office:annotation></table:table-cell></table:table-row>"#
        );
        assert_eq!(
            measure(content(&rows).as_bytes()),
            Err("sheet 'T' has 3 cells with a value but spans A1:AN500002, which the ods reader lays out as 20,000,122 cells in memory: the cell at AN500002 ('stray') is far from the others, which fit in A1:B1; delete the cell at AN500002 (and anything else past the data) and save, or save the sheet as CSV, and convert again".to_string())
        );
    }

    #[test]
    fn xml_is_read_as_tags_and_text() {
        assert_eq!(
            tokens(r#"<?xml version="1.0"?><a x="1>2"><!-- <b> --><b/>t &amp; u</a>"#),
            ["<a>", "<b/>", "t &amp; u", "</a>"]
        );
        assert_eq!(attribute(br#"c a="1" b = '2'"#, b"b"), Some(&b"2"[..]));
        assert_eq!(attribute(br#"c ab="1""#, b"b"), None);
    }
}
