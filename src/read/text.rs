//! CSV, TSV and TXT exports: encoding detection, delimiter sniffing, parsing.
//!
//! MIS exports on Windows arrive as UTF-8 (often with a BOM), UTF-16 (Excel's "Unicode
//! text") or Windows-1252; they are transcoded to UTF-8 here, at the edge, so that
//! "Nuñez" stays "Nuñez". The delimiter is sniffed among `,` `;` tab `|` by how
//! consistently it splits the first lines, quotes respected.

use std::path::Path;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use super::{Cell, Grid, ReadError, ReadOptions, Row};

const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Reads a delimited text file into a grid of text cells.
pub fn read(path: &Path, options: &ReadOptions) -> Result<Grid, ReadError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ReadError::Io {
        file: file.clone(),
        message: io_message(&e),
    })?;
    let (text, encoding) =
        decode(&bytes, options.encoding.as_deref()).map_err(|message| ReadError::Format {
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
    })
}

/// A short, user-facing description of an I/O error.
pub fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// Decodes bytes to UTF-8 text. With a label, that encoding is used (a BOM still wins, as
/// in browsers); without, a BOM decides, then valid UTF-8, then Windows-1252 (a superset
/// of Latin-1 for printable text). Returns the text without BOM and the encoding name.
pub fn decode(bytes: &[u8], label: Option<&str>) -> Result<(String, &'static str), String> {
    let forced = match label {
        Some(label) => Some(Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
            format!("unknown encoding '{label}' (try utf-8, windows-1252, latin1, utf-16le)")
        })?),
        None => None,
    };
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom_len..]);
        return Ok((text.into_owned(), encoding.name()));
    }
    let encoding = match forced {
        Some(e) => e,
        None if std::str::from_utf8(bytes).is_ok() => UTF_8,
        None if looks_like_utf16(bytes).is_some() => looks_like_utf16(bytes).unwrap_or(UTF_8),
        None => WINDOWS_1252,
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors && encoding == UTF_8 {
        return Err("the file is not valid UTF-8 (use --encoding to name its encoding)".into());
    }
    Ok((text.into_owned(), encoding.name()))
}

/// UTF-16 without BOM: many zero bytes at even or odd positions.
fn looks_like_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(512)];
    if sample.len() < 4 {
        return None;
    }
    let zeros_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|b| **b == 0)
            .count()
    };
    let half = sample.len() / 2;
    if zeros_at(1) * 10 > half * 8 {
        Some(UTF_16LE)
    } else if zeros_at(0) * 10 > half * 8 {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Picks the delimiter that splits the most of the first lines into the same number of
/// fields (more than one). Title lines above the header usually hold no delimiter and do
/// not disturb this. Falls back to `,`.
pub fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(50)
        .collect();
    let mut best = (0usize, 0usize, b',');
    for &d in &CANDIDATES {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        // The most frequent non-zero count, and on how many lines it occurs.
        let mut freq: Vec<(usize, usize)> = Vec::new();
        for &c in counts.iter().filter(|c| **c > 0) {
            match freq.iter_mut().find(|(k, _)| *k == c) {
                Some((_, n)) => *n += 1,
                None => freq.push((c, 1)),
            }
        }
        if let Some(&(count, lines_with)) = freq.iter().max_by_key(|(k, n)| (*n, *k))
            && (lines_with, count) > (best.0, best.1)
        {
            best = (lines_with, count, d);
        }
    }
    best.2
}

fn count_outside_quotes(line: &str, delimiter: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for b in line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delimiter && !quoted {
            n += 1;
        }
    }
    n
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
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(bytes);
    let mut rows = Vec::new();
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
                let line = line_at(record.position().map_or(0, csv::Position::byte));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_windows_1252_when_not_utf8() {
        let bytes = b"Nu\xf1ez;C\xf3digo;Ib\xe1\xf1ez";
        let (text, enc) = decode(bytes, None).unwrap();
        assert_eq!(text, "Nuñez;Código;Ibáñez");
        assert_eq!(enc, "windows-1252");
    }

    #[test]
    fn strips_utf8_bom_and_reads_utf16_with_bom() {
        let (text, enc) = decode("\u{feff}Prénom;Nom".as_bytes(), None).unwrap();
        assert_eq!((text.as_str(), enc), ("Prénom;Nom", "UTF-8"));
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "Peña,1".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        let (text, enc) = decode(&utf16, None).unwrap();
        assert_eq!((text.as_str(), enc), ("Peña,1", "UTF-16LE"));
    }

    #[test]
    fn encoding_label_overrides_detection() {
        // Valid UTF-8 bytes read as Latin-1 on request.
        let (text, enc) = decode("é".as_bytes(), Some("latin1")).unwrap();
        assert_eq!((text.as_str(), enc), ("Ã©", "windows-1252"));
        assert!(
            decode(b"x", Some("klingon"))
                .unwrap_err()
                .contains("unknown encoding")
        );
    }

    #[test]
    fn sniffs_delimiters_despite_title_lines_and_quotes() {
        assert_eq!(
            sniff_delimiter("Title\n\na;b;c\n1;\"2;3\";4\n5;6;7\n"),
            b';'
        );
        assert_eq!(sniff_delimiter("a,b\n\"1,5\",2\n"), b',');
        assert_eq!(sniff_delimiter("a\tb\tc\n1\t2,5\t3\n"), b'\t');
        assert_eq!(sniff_delimiter("a|b\n1|2\n"), b'|');
        // Decimal commas inside a `;` file do not win.
        assert_eq!(sniff_delimiter("a;b;c\n1,5;2,25;3\n4,5;1;2\n"), b';');
    }

    #[test]
    fn lines_survive_crlf_blank_lines_and_multiline_fields() {
        let lines = |text: &str| {
            parse(text, b',')
                .unwrap()
                .iter()
                .map(|r| r.line)
                .collect::<Vec<_>>()
        };
        assert_eq!(lines("Title\n\na,b\n1,2\n"), vec![1, 3, 4]);
        assert_eq!(lines("a,b\n\"x\ny\",2\n\n3,4\n"), vec![1, 2, 5]);
        assert_eq!(lines("a,b\n1,2"), vec![1, 2]);
        assert_eq!(lines("a,b\r\n1,2\r\n\r\n3,4\r\n"), vec![1, 2, 4]);
    }

    #[test]
    fn parse_keeps_line_numbers_of_records() {
        let rows = parse("h1,h2\n\"multi\nline\",x\nlast,y\n", b',').unwrap();
        assert_eq!(
            rows.iter().map(|r| r.line).collect::<Vec<_>>(),
            vec![1, 2, 4]
        );
        assert_eq!(rows[1].cells[0], Cell::Text("multi\nline".into()));
    }
}
