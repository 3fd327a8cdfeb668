//! CSV, TSV and TXT exports: encoding detection, delimiter sniffing, parsing.
//!
//! MIS exports on Windows arrive as UTF-8 (often with a BOM), UTF-16 (Excel's "Unicode
//! text") or Windows-1252; they are transcoded to UTF-8 here, at the edge, so that
//! "Nuñez" stays "Nuñez". The delimiter is sniffed among `,` `;` tab `|` by how
//! consistently it splits the first lines, quotes respected.
//!
//! A file is either read whole ([`read`]) or streamed ([`read_prefix`], then
//! [`TextStream::open`] for each pass over the rest). Both give the same encoding,
//! delimiter, rows and line numbers: the stream feeds the csv reader exactly the bytes
//! [`parse`] would, only never holding more than a buffer of them. Each pass parses its
//! records on a thread of its own, a few batches ahead of the grouping.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use encoding_rs::{CoderResult, Decoder, Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use super::{Cell, Grid, ReadError, ReadOptions, Row, is_blank_text, same_bytes};

mod encoding;
mod sniff;
mod stream;
#[cfg(test)]
mod tests;

pub use encoding::*;
pub use sniff::*;
pub use stream::*;

/// Reads a delimited text file into a grid of text cells.
pub fn read(path: &Path, options: &ReadOptions) -> Result<Grid, ReadError> {
    let file = path.display().to_string();
    warn_if_named_workbook(path, &file);
    let bytes = std::fs::read(path).map_err(|e| ReadError::Io {
        file: file.clone(),
        message: io_message(&e),
    })?;
    // The common case, UTF-8 without a mark, keeps the bytes as the text (no copy of a
    // large file); the others are decoded as `decode` decodes them.
    let plain = options.encoding.is_none()
        && Encoding::for_bom(&bytes).is_none()
        && looks_like_utf16(&bytes).is_none();
    let (text, encoding) = match String::from_utf8(bytes) {
        Ok(text) if plain => Ok((text, UTF_8.name())),
        Ok(text) => decode(text.as_bytes(), options.encoding.as_deref()),
        Err(e) => decode(e.as_bytes(), options.encoding.as_deref()),
    }
    .map_err(|message| ReadError::Format {
        file: file.clone(),
        message,
    })?;
    let delimiter = options.delimiter.unwrap_or_else(|| sniff_delimiter(&text));
    let rows = parse(&text, delimiter).map_err(|message| ReadError::Format {
        file: file.clone(),
        message,
    })?;
    Ok(Grid {
        rows,
        encoding: Some(encoding),
        delimiter: Some(delimiter),
        merges: Vec::new(),
    })
}

/// Warns that a file read as text is named as a workbook (the "Excel export" of many web
/// MIS is a CSV or tab-separated file named `.xls`).
fn warn_if_named_workbook(path: &Path, file: &str) {
    if super::workbook::has_workbook_extension(path) {
        super::warn_once(
            path,
            &format!(
                "{file} is text, not a workbook: read as delimited text (rename it to {})",
                path.with_extension("csv").display()
            ),
        );
    }
}

/// A short, user-facing description of an I/O error.
pub fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// Parses delimited text; each record keeps the line it starts on. Lines are counted
/// here from each record's byte offset: the csv crate reports the previous line for a
/// record after a CRLF (rust-csv issue 395) or after a blank line (issue 208).
pub fn parse(text: &str, delimiter: u8) -> Result<Vec<Row>, String> {
    let normalized;
    let text = if text.contains('\r') {
        normalized = text.replace("\r\n", "\n").replace('\r', "\n");
        normalized.as_str()
    } else {
        text
    };
    let bytes = text.as_bytes();
    if let Some(at) = memchr::memchr(0, bytes) {
        return Err(refused_nul(
            1 + memchr::memchr_iter(b'\n', &bytes[..at]).count(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let mut rows = Vec::new();
    let mut widest = 0;
    let mut record = csv::StringRecord::new();
    let (mut counted, mut line) = (0usize, 1usize);
    let mut line_at = |offset: u64| {
        let mut start = usize::try_from(offset)
            .unwrap_or(bytes.len())
            .min(bytes.len());
        while bytes.get(start) == Some(&b'\n') {
            start += 1;
        }
        if start > counted {
            // Record starts follow a line end: always a character boundary.
            line += text
                .get(counted..start)
                .map_or(0, |s| s.matches('\n').count());
            counted = start;
        }
        line
    };
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let start = record.position().map_or(0, csv::Position::byte);
                let line = line_at(start);
                if reader.position().byte() - start > MAX_RECORD {
                    return Err(refused_long(line));
                }
                if let Some(refused) =
                    refused_swallowed(record.as_byte_record(), delimiter, widest, line)
                {
                    return Err(refused);
                }
                widest = widest.max(record.len());
                let cells = record
                    .iter()
                    .map(|f| {
                        if f.is_empty() {
                            Cell::Empty
                        } else {
                            Cell::Text(f.to_string())
                        }
                    })
                    .collect();
                rows.push(Row { line, cells });
            }
            Err(e) => {
                let line = line_at(e.position().map_or(0, csv::Position::byte));
                return Err(format!("line {line}: cannot parse: {e}"));
            }
        }
    }
    Ok(rows)
}
