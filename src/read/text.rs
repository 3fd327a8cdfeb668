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
//! [`parse`] would, only never holding more than a buffer of them.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use encoding_rs::{CoderResult, Decoder, Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use super::{Cell, Grid, ReadError, ReadOptions, Row, is_blank_text};

const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

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

/// Decodes bytes to UTF-8 text. With a label, that encoding is used (a BOM still wins, as
/// in browsers); without, a BOM decides, then UTF-16 without a BOM (NUL bytes in every
/// other place), then valid UTF-8, then Windows-1252 (a superset of Latin-1 for
/// printable text). Returns the text without BOM and the encoding name.
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
    // UTF-16 first: ASCII text in UTF-16 is valid UTF-8 too, full of NUL bytes.
    let encoding = match (forced, looks_like_utf16(bytes)) {
        (Some(e), _) | (None, Some(e)) => e,
        (None, None) if std::str::from_utf8(bytes).is_ok() => UTF_8,
        (None, None) => WINDOWS_1252,
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    // A NUL byte is refused by `parse`, on its line, before the encoding matters.
    if had_errors && encoding == UTF_8 && memchr::memchr(0, bytes).is_none() {
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
    let mut sniffer = Sniffer::default();
    sniffer.feed(text);
    sniffer.pick()
}

/// How many of the first non-blank lines the delimiter is sniffed on.
const SNIFF_LINES: usize = 50;

/// Counts the candidate delimiters outside quotes on each of the first non-blank lines.
/// It takes the text in pieces, so that a streamed file is sniffed without being read
/// whole; lines are split as `str::lines` splits them (on `\n`; a lone `\r` does not end
/// a line), and quotes do not carry over from one line to the next.
#[derive(Debug, Default)]
struct Sniffer {
    /// Per non-blank line, how often each of `CANDIDATES` occurs outside quotes.
    lines: Vec<[usize; CANDIDATES.len()]>,
    current: [usize; CANDIDATES.len()],
    quoted: bool,
    /// Whether the current line holds anything but whitespace.
    filled: bool,
}

impl Sniffer {
    fn done(&self) -> bool {
        self.lines.len() >= SNIFF_LINES
    }

    fn feed(&mut self, text: &str) {
        for c in text.chars() {
            if self.done() {
                return;
            }
            match c {
                '\n' => self.end_line(),
                '"' => {
                    self.quoted = !self.quoted;
                    self.filled = true;
                }
                c => {
                    if !self.quoted
                        && let Some(i) = CANDIDATES.iter().position(|&d| char::from(d) == c)
                    {
                        self.current[i] += 1;
                    }
                    if !c.is_whitespace() {
                        self.filled = true;
                    }
                }
            }
        }
    }

    fn end_line(&mut self) {
        if self.filled {
            self.lines.push(self.current);
        }
        self.current = [0; CANDIDATES.len()];
        self.quoted = false;
        self.filled = false;
    }

    /// The delimiter, once all the text (or enough lines) was fed.
    fn pick(mut self) -> u8 {
        if !self.done() {
            self.end_line();
        }
        let mut best = (0usize, 0usize, b',');
        for (index, &d) in CANDIDATES.iter().enumerate() {
            // The most frequent non-zero count, and on how many lines it occurs.
            let mut freq: Vec<(usize, usize)> = Vec::new();
            for c in self.lines.iter().map(|l| l[index]).filter(|c| *c > 0) {
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

/// The longest record read: 64 MiB. No export has one (Excel holds at most 32,767
/// characters in a cell); a quote left open makes one of the rest of the file. Larger
/// records are refused, so that memory stays bounded whatever the file; a cell of a few
/// MB (a photo as a data URI) still reads.
pub const MAX_RECORD: u64 = 64 << 20;

/// Why a record cannot be read, said the same way by [`parse`] and by the stream.
fn refused_nul(line: usize) -> String {
    format!(
        "line {line}: a NUL byte, which no text export holds: the file is damaged or is not text (export it again)"
    )
}

fn refused_long(line: usize) -> String {
    format!(
        "line {line}: a record longer than {} MB, which no export holds: is a quote (\") left open?",
        MAX_RECORD >> 20
    )
}

/// The csv reader's buffer when streaming: large reads, few system calls.
const STREAM_BUFFER: usize = 1 << 18;
/// Bytes read at a time while checking that a file is UTF-8.
const CHECK_CHUNK: usize = 1 << 20;
/// Decoded bytes read at a time while sniffing the delimiter.
const SNIFF_CHUNK: usize = 1 << 16;
/// Bytes looked at for a byte order mark and for UTF-16 without one (as `decode` does).
const HEAD: u64 = 512;

/// How a text file's bytes become UTF-8, as detection decided for the whole file.
#[derive(Debug, Clone, Copy)]
struct Decoding {
    encoding: &'static Encoding,
    /// Length of the byte order mark, skipped.
    bom: u64,
    /// The bytes after the mark are read as they are: UTF-8 without a mark was checked
    /// whole; after a UTF-8 mark the file is not checked, and a field that is not UTF-8
    /// has its bad bytes replaced, as `decode` replaces them.
    verbatim: bool,
    /// The pass that checked the file found a NUL byte, which the first pass over the
    /// records will refuse.
    nul: bool,
}

impl Decoding {
    /// Whether fields that are not UTF-8 are repaired rather than refused.
    fn lossy(self) -> bool {
        self.verbatim && self.bom > 0
    }
}

/// A text file's start, read far enough to find its header, and how to read the rest.
#[derive(Debug)]
pub struct Prefix {
    /// Every record read, blank ones included, with its line.
    pub rows: Vec<Row>,
    pub encoding: &'static str,
    pub delimiter: u8,
    /// The records after `rows`; `None` when `rows` holds the whole file.
    pub rest: Option<TextStream>,
}

/// Reads a delimited text file's first records, until `enough` says they suffice (it is
/// asked after 1, 2, 4, 8... records, so it may get more than the least it needs) or the
/// file ends. Encoding and delimiter are decided as [`read`] decides them: unless a byte
/// order mark or a label other than UTF-8 decides, detection reads the whole file once,
/// in chunks, to know whether it is all UTF-8.
pub fn read_prefix(
    path: &Path,
    options: &ReadOptions,
    enough: impl Fn(&[Row]) -> bool,
) -> Result<Prefix, ReadError> {
    let file = path.display().to_string();
    warn_if_named_workbook(path, &file);
    let decoding = detect(path, &file, options.encoding.as_deref())?;
    let delimiter = match options.delimiter {
        Some(d) => d,
        None => sniff_file(path, &file, decoding)?,
    };
    if decoding.nul {
        // Refused before any row is used, with the line that every pass names.
        let mut reading = Records::open(path, &file, decoding, delimiter)?;
        while reading.advance()?.is_some() {}
    }
    let mut records = Records::open(path, &file, decoding, delimiter)?;
    let mut rows = Vec::new();
    let mut check_at = 1;
    let mut ended = true;
    while let Some(row) = records.next_row()? {
        rows.push(row);
        if rows.len() >= check_at {
            if enough(&rows) {
                ended = false;
                break;
            }
            check_at *= 2;
        }
    }
    // One more record tells whether the file goes on past the prefix (it is read again
    // with the rest).
    if !ended && records.advance()?.is_none() {
        ended = true;
    }
    let rest = (!ended).then(|| TextStream {
        path: path.to_path_buf(),
        file,
        decoding,
        delimiter,
        skip: rows.len(),
    });
    Ok(Prefix {
        rows,
        encoding: decoding.encoding.name(),
        delimiter,
        rest,
    })
}

/// The rest of a streamed text file: what detection found and how many records the
/// prefix took, so that each pass can read the file again from disk.
#[derive(Debug, Clone)]
pub struct TextStream {
    path: PathBuf,
    /// The file as the user named it, for messages.
    file: String,
    decoding: Decoding,
    delimiter: u8,
    /// Records at the start that the table already holds.
    skip: usize,
}

impl TextStream {
    /// Opens the file again and positions the reader after the prefix's records.
    pub fn open(&self) -> Result<Records, ReadError> {
        let mut records = Records::open(&self.path, &self.file, self.decoding, self.delimiter)?;
        for _ in 0..self.skip {
            if records.advance()?.is_none() {
                break;
            }
        }
        Ok(records)
    }
}

/// Records read one at a time from a UTF-8 stream, each with the line it starts on.
pub struct Records {
    reader: csv::Reader<LineEnds<Box<dyn Read + Send>>>,
    /// Reused for every record: only the cells' strings are allocated per row.
    record: csv::ByteRecord,
    /// Fields that are not UTF-8 get U+FFFD for their bad bytes instead of an error.
    lossy: bool,
    file: String,
}

impl Records {
    fn open(
        path: &Path,
        file: &str,
        decoding: Decoding,
        delimiter: u8,
    ) -> Result<Records, ReadError> {
        let mut records = Records::new(
            open_decoded(path, file, decoding)?,
            delimiter,
            STREAM_BUFFER,
            file.to_string(),
        );
        records.lossy = decoding.lossy();
        Ok(records)
    }

    fn new(source: Box<dyn Read + Send>, delimiter: u8, capacity: usize, file: String) -> Records {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .buffer_capacity(capacity)
            .from_reader(LineEnds::new(source));
        Records {
            reader,
            record: csv::ByteRecord::new(),
            lossy: false,
            file,
        }
    }

    fn error(&self, message: String) -> ReadError {
        ReadError::Format {
            file: self.file.clone(),
            message,
        }
    }

    /// Reads the next record into `self.record`; its line, or `None` at the end.
    fn advance(&mut self) -> Result<Option<usize>, ReadError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let offset = self.record.position().map_or(0, csv::Position::byte);
                let line = self.reader.get_mut().line_at(offset);
                let end = self.reader.position().byte();
                if end - offset > MAX_RECORD {
                    return Err(self.error(refused_long(line)));
                }
                self.reader.get_mut().record_start = end;
                Ok(Some(line))
            }
            Err(e) => {
                let refused = match e.kind() {
                    csv::ErrorKind::Io(io) => io
                        .get_ref()
                        .and_then(|inner| inner.downcast_ref::<Refused>()),
                    _ => None,
                };
                match refused {
                    Some(Refused::Nul { line }) => Err(self.error(refused_nul(*line))),
                    Some(Refused::Long) => {
                        // The record being read, from its start.
                        let offset = self.record.position().map_or(0, csv::Position::byte);
                        let line = self.reader.get_mut().line_at(offset);
                        Err(self.error(refused_long(line)))
                    }
                    None => {
                        // I/O errors carry no position: name the line being read.
                        let offset = e
                            .position()
                            .map_or_else(|| self.reader.position().byte(), csv::Position::byte);
                        let line = self.reader.get_mut().line_at(offset);
                        Err(self.error(format!("line {line}: cannot parse: {e}")))
                    }
                }
            }
        }
    }

    /// The next record as a row (blank ones included), or `None` at the end.
    pub fn next_row(&mut self) -> Result<Option<Row>, ReadError> {
        let mut row = Row {
            line: 0,
            cells: Vec::new(),
        };
        Ok(self.fill_row(None, &mut row, None)?.map(|_| row))
    }

    /// Reads the next record into `row`, reusing its cells' strings (a pass over a large
    /// file then allocates almost nothing per row), with only the columns marked in `keep`
    /// (when given) filled in. Says whether the whole record is blank (as
    /// [`Row::is_blank`] would say of it), or `None` at the end.
    ///
    /// With `stamps`, a cell whose text is the one `row` already holds is left alone and
    /// keeps its stamp; the others get this row's (see [`Stamps`]).
    pub fn fill_row(
        &mut self,
        keep: Option<&[bool]>,
        row: &mut Row,
        mut stamps: Option<&mut Stamps>,
    ) -> Result<Option<bool>, ReadError> {
        let Some(line) = self.advance()? else {
            return Ok(None);
        };
        row.line = line;
        let fields = self.record.len();
        row.cells.truncate(fields);
        row.cells.resize(fields, Cell::Empty);
        let now = stamps.as_deref_mut().map_or(0, |s| s.start(fields));
        // Marks cell `index` as changed on this row.
        let mut changed = |index: usize| {
            if let Some(stamps) = stamps.as_deref_mut() {
                stamps.of[index] = now;
            }
        };
        // One UTF-8 check for the whole record; each field is then a slice of it (a
        // field ends at an ASCII delimiter, quote or line end, never inside a character).
        let whole = std::str::from_utf8(self.record.as_slice()).ok();
        let mut blank = true;
        for (index, cell) in row.cells.iter_mut().enumerate() {
            let field = &self.record[index];
            if field.is_empty() {
                if !matches!(cell, Cell::Empty) {
                    *cell = Cell::Empty;
                    changed(index);
                }
                continue;
            }
            let text = match whole {
                Some(whole) => Ok(self.record.range(index).map_or("", |r| &whole[r])),
                None => std::str::from_utf8(field),
            };
            if let Some(keep) = keep
                && !keep.get(index).copied().unwrap_or(false)
            {
                // Blank as `Cell::is_blank` sees it (Unicode whitespace), without a copy;
                // once a field is not, the others need no look.
                if blank {
                    blank = text.is_ok_and(is_blank_text);
                }
                if !matches!(cell, Cell::Empty) {
                    *cell = Cell::Empty;
                    changed(index);
                }
                continue;
            }
            match text {
                Ok(text) => {
                    blank = blank && is_blank_text(text);
                    if !matches!(cell, Cell::Text(s) if s == text) {
                        set_text(cell, text);
                        changed(index);
                    }
                }
                // Bad bytes are replaced one field at a time as in the whole file: what
                // ends a field (a delimiter, quote or line end) is ASCII, which also ends
                // a malformed sequence.
                Err(_) if self.lossy => {
                    *cell = Cell::Text(String::from_utf8_lossy(field).into_owned());
                    changed(index);
                }
                // Detection made the stream UTF-8; only a file changed since gets here.
                Err(e) => {
                    return Err(self.error(format!(
                        "line {line}: cannot parse: field {}: {e}",
                        index + 1
                    )));
                }
            }
        }
        Ok(Some(blank && row.is_blank()))
    }
}

/// When the cells of rows read one after another into the same [`Row`] changed: per
/// column, the number of the row (counted from 1 over one [`Stamps`]) on which the cell
/// got the content it has. Two equal stamps of a column mean the same content, with
/// nothing to compare: the grouping skips the loan cells a flat export repeats on every
/// installment row without looking at them.
#[derive(Debug, Default)]
pub struct Stamps {
    now: u64,
    of: Vec<u64>,
}

impl Stamps {
    /// The stamps of the last row read: one per field of its record.
    pub fn get(&self) -> &[u64] {
        &self.of
    }

    /// Starts a row of `fields` fields: its stamp. Fields the previous record did not
    /// have count as changed.
    fn start(&mut self, fields: usize) -> u64 {
        self.now += 1;
        self.of.truncate(fields);
        self.of.resize(fields, self.now);
        self.now
    }
}

/// Makes `cell` hold `text`, in the string it already has when it is a text cell.
fn set_text(cell: &mut Cell, text: &str) {
    if let Cell::Text(s) = cell {
        s.clear();
        s.push_str(text);
    } else {
        *cell = Cell::Text(text.to_owned());
    }
}

fn io_error(file: &str, e: &io::Error) -> ReadError {
    ReadError::Io {
        file: file.to_string(),
        message: io_message(e),
    }
}

/// Reads into `buf`, retrying when a signal interrupted the read.
fn read_some(source: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match source.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            result => return result,
        }
    }
}

/// Decides the encoding as [`decode`] does, without holding the file: the byte order mark
/// wins, then the label, then UTF-16 without a mark, then whether every byte of the file
/// is UTF-8 (read in chunks), then Windows-1252.
fn detect(path: &Path, file: &str, label: Option<&str>) -> Result<Decoding, ReadError> {
    let forced =
        match label {
            Some(label) => Some(Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
                ReadError::Format {
                    file: file.to_string(),
                    message: format!(
                        "unknown encoding '{label}' (try utf-8, windows-1252, latin1, utf-16le)"
                    ),
                }
            })?),
            None => None,
        };
    let mut source = File::open(path).map_err(|e| io_error(file, &e))?;
    let mut head = Vec::new();
    (&mut source)
        .take(HEAD)
        .read_to_end(&mut head)
        .map_err(|e| io_error(file, &e))?;
    let mut scan_all = || -> Result<Scan, ReadError> {
        source
            .rewind()
            .and_then(|()| scan(&mut source))
            .map_err(|e| io_error(file, &e))
    };
    if let Some((encoding, bom)) = Encoding::for_bom(&head) {
        // After a UTF-8 mark nothing needs checking: bad bytes are replaced either way.
        return Ok(Decoding {
            encoding,
            bom: bom as u64,
            verbatim: encoding == UTF_8,
            nul: false,
        });
    }
    // A NUL byte found on the way is refused at its line, whatever the encoding.
    let (encoding, nul) = match forced {
        Some(e) if e == UTF_8 => {
            let scan = scan_all()?;
            if !scan.utf8 && !scan.nul {
                return Err(ReadError::Format {
                    file: file.to_string(),
                    message: "the file is not valid UTF-8 (use --encoding to name its encoding)"
                        .into(),
                });
            }
            (UTF_8, scan.nul)
        }
        Some(e) => (e, false),
        // UTF-16 first: ASCII text in UTF-16 is valid UTF-8 too, full of NUL bytes.
        None => {
            if let Some(e) = looks_like_utf16(&head) {
                (e, false)
            } else {
                let scan = scan_all()?;
                (if scan.utf8 { UTF_8 } else { WINDOWS_1252 }, scan.nul)
            }
        }
    };
    Ok(Decoding {
        encoding,
        bom: 0,
        verbatim: encoding == UTF_8,
        nul,
    })
}

/// What a pass over a file's bytes found.
struct Scan {
    /// Every byte is UTF-8 (false when the pass stopped at a NUL byte first).
    utf8: bool,
    /// A byte is NUL.
    nul: bool,
}

/// Reads what `source` yields, a chunk at a time, to know whether it is all UTF-8 (a
/// character cut by the end of a chunk is completed by the next one), up to the first
/// NUL byte: the file is refused then, whatever its encoding (Windows-1252 is said, so
/// that the records before the NUL read without an error of their own).
fn scan(source: &mut impl Read) -> io::Result<Scan> {
    let mut buf = vec![0u8; CHECK_CHUNK];
    // Bytes of a character cut by the previous chunk, moved to the front.
    let mut kept = 0;
    let mut utf8 = true;
    loop {
        let n = read_some(source, &mut buf[kept..])?;
        if n == 0 {
            return Ok(Scan {
                utf8: utf8 && kept == 0,
                nul: false,
            });
        }
        let len = kept + n;
        if memchr::memchr(0, &buf[kept..len]).is_some() {
            return Ok(Scan {
                utf8: false,
                nul: true,
            });
        }
        kept = 0;
        if utf8 {
            match std::str::from_utf8(&buf[..len]) {
                Ok(_) => {}
                Err(e) if e.error_len().is_none() => {
                    buf.copy_within(e.valid_up_to()..len, 0);
                    kept = len - e.valid_up_to();
                }
                Err(_) => utf8 = false,
            }
        }
    }
}

/// Whether everything `source` yields is UTF-8 (see [`scan`]).
#[cfg(test)]
fn is_utf8(source: &mut impl Read) -> io::Result<bool> {
    scan(source).map(|s| s.utf8)
}

/// Opens the file as UTF-8: past its byte order mark, transcoded unless it already is.
fn open_decoded(
    path: &Path,
    file: &str,
    decoding: Decoding,
) -> Result<Box<dyn Read + Send>, ReadError> {
    let mut source = File::open(path).map_err(|e| io_error(file, &e))?;
    source
        .seek(SeekFrom::Start(decoding.bom))
        .map_err(|e| io_error(file, &e))?;
    Ok(decoded(source, decoding))
}

/// `source` (already past any byte order mark) as UTF-8.
fn decoded(source: impl Read + Send + 'static, decoding: Decoding) -> Box<dyn Read + Send> {
    if decoding.verbatim {
        Box::new(source)
    } else {
        Box::new(Transcoder::new(
            source,
            decoding.encoding.new_decoder_without_bom_handling(),
        ))
    }
}

/// Sniffs the delimiter of a file as [`sniff_delimiter`] would on its whole decoded text,
/// reading only as far as the lines it looks at.
fn sniff_file(path: &Path, file: &str, decoding: Decoding) -> Result<u8, ReadError> {
    let mut source = open_decoded(path, file, decoding)?;
    let mut sniffer = Sniffer::default();
    let mut buf = vec![0u8; SNIFF_CHUNK];
    // Bytes of a character cut by the previous read, moved to the front.
    let mut kept = 0;
    while !sniffer.done() {
        let n = read_some(&mut source, &mut buf[kept..]).map_err(|e| io_error(file, &e))?;
        if n == 0 {
            sniffer.feed(&String::from_utf8_lossy(&buf[..kept]));
            break;
        }
        let len = kept + n;
        let mut used = 0;
        while used < len {
            match std::str::from_utf8(&buf[used..len]) {
                Ok(text) => {
                    sniffer.feed(text);
                    used = len;
                }
                Err(e) => {
                    let valid = used + e.valid_up_to();
                    sniffer.feed(std::str::from_utf8(&buf[used..valid]).unwrap_or_default());
                    // Bad bytes (after a UTF-8 mark) read as U+FFFD, as `decode` reads
                    // them: neither a delimiter nor a quote, but not blank either. A
                    // character cut by the end of the read waits for the next one.
                    let Some(bad) = e.error_len() else {
                        used = valid;
                        break;
                    };
                    sniffer.feed("\u{fffd}");
                    used = valid + bad;
                }
            }
        }
        buf.copy_within(used..len, 0);
        kept = len - used;
    }
    Ok(sniffer.pick())
}

/// Reads bytes of any encoding as UTF-8 through an `encoding_rs` decoder (malformed
/// sequences become U+FFFD, as `Encoding::decode_without_bom_handling` makes them).
struct Transcoder<R> {
    inner: R,
    decoder: Decoder,
    input: Box<[u8]>,
    /// The undecoded bytes of `input`.
    pending: std::ops::Range<usize>,
    /// `inner` has no more bytes.
    eof: bool,
    output: Box<[u8]>,
    /// The decoded bytes of `output` not yet handed out.
    ready: std::ops::Range<usize>,
    /// The decoder was flushed: nothing more will come.
    finished: bool,
}

impl<R: Read> Transcoder<R> {
    fn new(inner: R, decoder: Decoder) -> Transcoder<R> {
        Transcoder {
            inner,
            decoder,
            input: vec![0; 1 << 16].into_boxed_slice(),
            pending: 0..0,
            eof: false,
            // Room for at least one character, whatever the input chunk.
            output: vec![0; 1 << 17].into_boxed_slice(),
            ready: 0..0,
            finished: false,
        }
    }
}

impl<R: Read> Read for Transcoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if !self.ready.is_empty() {
                let n = buf.len().min(self.ready.len());
                buf[..n].copy_from_slice(&self.output[self.ready.start..self.ready.start + n]);
                self.ready.start += n;
                return Ok(n);
            }
            if self.finished || buf.is_empty() {
                return Ok(0);
            }
            if self.pending.is_empty() && !self.eof {
                let n = read_some(&mut self.inner, &mut self.input)?;
                self.pending = 0..n;
                self.eof = n == 0;
            }
            let (result, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.pending.clone()],
                &mut self.output,
                self.eof,
            );
            self.pending.start += read;
            self.ready = 0..written;
            self.finished = self.eof && result == CoderResult::InputEmpty;
        }
    }
}

/// Turns `\r\n` and lone `\r` into `\n` as [`parse`] does, so that the csv reader gets the
/// same bytes and quoted fields the same text, and remembers where the line ends are
/// until the records around them were read: the csv crate's own line numbers are wrong
/// after a CRLF or a blank line (rust-csv issues 395 and 208).
struct LineEnds<R> {
    inner: R,
    /// The last byte handed out was a `\r` turned into `\n`: a `\n` next belongs to it.
    after_cr: bool,
    /// Bytes handed out so far (offsets as the csv reader counts them).
    delivered: u64,
    /// Offsets of the `\n`s handed out but not yet known to be above a record's start.
    newlines: VecDeque<u64>,
    /// Line ends above the last record start asked about.
    passed: usize,
    /// Where the record being read starts (the end of the last one read).
    record_start: u64,
}

/// What [`LineEnds`] refuses to hand the csv reader: a NUL byte (on this line), or more
/// than [`MAX_RECORD`] bytes past the start of the record being read, besides what the
/// csv reader's buffer may hold unread: the csv reader never holds a longer record.
#[derive(Debug)]
enum Refused {
    Nul { line: usize },
    Long,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Nul { line } => f.write_str(&refused_nul(*line)),
            Refused::Long => f.write_str("a record too long"),
        }
    }
}

impl std::error::Error for Refused {}

impl<R: Read> LineEnds<R> {
    fn new(inner: R) -> LineEnds<R> {
        LineEnds {
            inner,
            after_cr: false,
            delivered: 0,
            newlines: VecDeque::new(),
            passed: 0,
            record_start: 0,
        }
    }

    /// Refuses a NUL byte among the last `kept` bytes handed out (at the start of `buf`),
    /// and a record that grew too long.
    fn check(&self, buf: &[u8]) -> io::Result<()> {
        let first = self.delivered - buf.len() as u64;
        if let Some(at) = memchr::memchr(0, buf) {
            let at = first + at as u64;
            let line = self.passed + 1 + self.newlines.iter().filter(|&&n| n < at).count();
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                Refused::Nul { line },
            ));
        }
        if self.delivered - self.record_start > MAX_RECORD + STREAM_BUFFER as u64 {
            return Err(io::Error::new(io::ErrorKind::InvalidData, Refused::Long));
        }
        Ok(())
    }

    /// The 1-based line of a record the csv reader says starts at `offset`. The line ends
    /// right at `offset` are blank lines the reader skipped before the record, so they
    /// count too. Offsets must not decrease from one call to the next.
    fn line_at(&mut self, offset: u64) -> usize {
        while self.newlines.front().is_some_and(|&at| at < offset) {
            self.newlines.pop_front();
            self.passed += 1;
        }
        let mut start = offset;
        while self.newlines.front() == Some(&start) {
            self.newlines.pop_front();
            self.passed += 1;
            start += 1;
        }
        self.passed + 1
    }

    /// Rewrites line ends in place; returns how many bytes remain.
    fn normalize(&mut self, buf: &mut [u8]) -> usize {
        let len = buf.len();
        let mut read = 0;
        if std::mem::take(&mut self.after_cr) && buf.first() == Some(&b'\n') {
            read = 1;
        }
        let mut written = 0;
        while read < len {
            let end = find_line_end(&buf[read..]).map_or(len, |i| read + i);
            if written != read {
                buf.copy_within(read..end, written);
            }
            written += end - read;
            if end == len {
                break;
            }
            self.newlines.push_back(self.delivered + written as u64);
            let cr = buf[end] == b'\r';
            buf[written] = b'\n';
            written += 1;
            read = end + 1;
            if cr {
                match buf.get(read) {
                    Some(b'\n') => read += 1,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
        }
        self.delivered += written as u64;
        written
    }
}

impl<R: Read> Read for LineEnds<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.inner.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            // A read of only the `\n` of a split `\r\n` leaves nothing: read on.
            let kept = self.normalize(&mut buf[..n]);
            if kept > 0 {
                self.check(&buf[..kept])?;
                return Ok(kept);
            }
        }
    }
}

/// The offset of the first `\r` or `\n` in `bytes`.
fn find_line_end(bytes: &[u8]) -> Option<usize> {
    memchr::memchr2(b'\n', b'\r', bytes)
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

    fn plain(rows: &[Row]) -> Vec<(usize, Vec<Cell>)> {
        rows.iter().map(|r| (r.line, r.cells.clone())).collect()
    }

    fn temp_file(bytes: &[u8]) -> tempfile::NamedTempFile {
        let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
        std::io::Write::write_all(&mut file, bytes).unwrap();
        file
    }

    /// Hands out 1 to 3 bytes per read, so that records, characters and CRLFs are cut
    /// anywhere.
    struct Trickle {
        bytes: Vec<u8>,
        at: usize,
        reads: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = (self.reads % 3 + 1)
                .min(buf.len())
                .min(self.bytes.len() - self.at);
            buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
            self.at += n;
            self.reads += 1;
            Ok(n)
        }
    }

    fn all_records(mut records: Records) -> Vec<Row> {
        let mut rows = Vec::new();
        while let Some(row) = records.next_row().unwrap() {
            rows.push(row);
        }
        rows
    }

    /// Checks that every way of streaming `bytes` gives what `read` gives: prefixes of
    /// several lengths then the rest from disk, and a trickling source into a tiny csv
    /// buffer.
    fn assert_streams_like_read(bytes: &[u8], options: &ReadOptions) {
        let file = temp_file(bytes);
        let path = file.path();
        let whole = read(path, options).unwrap();
        let expected = plain(&whole.rows);
        for stop in [1, 2, 3, 5, 8, usize::MAX] {
            let prefix = read_prefix(path, options, |rows| rows.len() >= stop).unwrap();
            assert_eq!(Some(prefix.encoding), whole.encoding);
            assert_eq!(Some(prefix.delimiter), whole.delimiter);
            let mut rows = prefix.rows;
            if let Some(rest) = &prefix.rest {
                assert!(rows.len() < whole.rows.len());
                // Two passes over the rest give the same rows.
                assert_eq!(plain(&all_records(rest.open().unwrap())), {
                    plain(&all_records(rest.open().unwrap()))
                });
                rows.extend(all_records(rest.open().unwrap()));
            }
            assert_eq!(plain(&rows), expected, "prefix of {stop} records");
        }
        let decoding = detect(path, "x.csv", options.encoding.as_deref()).unwrap();
        let start = usize::try_from(decoding.bom).unwrap();
        let trickle = Trickle {
            bytes: bytes[start..].to_vec(),
            at: 0,
            reads: 0,
        };
        let mut records = Records::new(
            decoded(trickle, decoding),
            whole.delimiter.unwrap(),
            16,
            "x.csv".into(),
        );
        records.lossy = decoding.lossy();
        assert_eq!(plain(&all_records(records)), expected, "trickled");
    }

    #[test]
    fn streams_crlf_blank_lines_and_multiline_fields_like_parse() {
        let options = ReadOptions::default();
        for text in [
            "Title\n\na,b\n1,2\n",
            "a,b\n\"x\ny\",2\n\n3,4\n",
            "a,b\n1,2",
            "a,b\r\n1,2\r\n\r\n3,4\r\n",
            "a,b\r\n\"multi\r\nline\",x\r\n\r\n\r\nlast,y",
            "a;b\r\r1;2\r\"q\rr\";3\r",
            "a,b\r\n1,2\r3,4\n\r\n5,6\n\r",
            "\n\n\r\n,,\n  ,\t\na,b\n,\n1,2\n",
            "h1,h2\n\"multi\nline\",x\nlast,y\n",
            "a,b\n\"un\"closed,\"quote\n1,2\n",
            "only one line without end",
            "\u{feff}Prénom;Nom\r\nAnaïs;Peña\r\n",
            "",
            "\n\r\n",
        ] {
            assert_streams_like_read(text.as_bytes(), &options);
        }
    }

    #[test]
    fn streams_records_longer_than_every_buffer() {
        let long = "é".repeat(100_000);
        let text = format!("a,b\r\n\"{long}\r\n{long}\",x\r\n1,{long}\r\n\r\n2,3");
        assert_streams_like_read(text.as_bytes(), &ReadOptions::default());
    }

    #[test]
    fn streams_windows_1252_and_utf16() {
        let options = ReadOptions::default();
        assert_streams_like_read(
            b"Nom;Pr\xe9nom\r\nNu\xf1ez;Ib\xe1\xf1ez\r\n\r\n\"x\r\ny\";z\r\n",
            &options,
        );
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "Nom,Prénom\r\nPeña,Ana 😀\r\n\r\n\"a\r\nb\",€\r\n".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        assert_streams_like_read(&utf16, &options);
        // Without a mark, and with an odd last byte (replaced, as `decode` does).
        let mut utf16 = utf16[2..].to_vec();
        utf16.push(b'x');
        assert_streams_like_read(&utf16, &options);
        let mut utf16be = vec![0xFE, 0xFF];
        for unit in "a\tb\n1\t2\n".encode_utf16() {
            utf16be.extend_from_slice(&unit.to_be_bytes());
        }
        assert_streams_like_read(&utf16be, &options);
        // A mark wins over a label; invalid bytes after a UTF-8 mark are replaced.
        let latin = ReadOptions {
            encoding: Some("latin1".into()),
            ..ReadOptions::default()
        };
        assert_streams_like_read("\u{feff}a,b\né,ü\n".as_bytes(), &latin);
        assert_streams_like_read("a,b\né,ü\n".as_bytes(), &latin);
        for bad in [
            &b"\xef\xbb\xbfa,b\n\xff,1\n"[..],
            b"\xef\xbb\xbf\xff\n\xe2\x82\n\n\xc3;x\xe2\x82;\xf0\x9f\x98\r\n\xed\xa0\x80,\"\xc0\xaf\"\n\xf4\x90\x80\x80",
            b"\xef\xbb\xbf\xe2\x82\n\xe2\x82\n\xe2\x82\n\xe2\x82\na;b\n",
        ] {
            assert_streams_like_read(bad, &options);
        }
    }

    /// The first error of a pass over a streamed file: while its first records are read,
    /// or in the rest.
    fn stream_error(path: &Path, options: &ReadOptions) -> Option<String> {
        let prefix = match read_prefix(path, options, |rows| rows.len() >= 2) {
            Ok(prefix) => prefix,
            Err(e) => return Some(e.to_string()),
        };
        let mut records = prefix.rest?.open().ok()?;
        loop {
            match records.next_row() {
                Ok(Some(_)) => {}
                Ok(None) => return None,
                Err(e) => return Some(e.to_string()),
            }
        }
    }

    #[test]
    fn nul_bytes_are_refused_on_their_line_whole_and_streamed() {
        let long = "1,2\r\n".repeat(300_000);
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "a,b\r\n1,\u{0}\r\n".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        for (bytes, line) in [
            (b"a,b\n1,\0\n".to_vec(), 2),
            (b"\0".to_vec(), 1),
            // Line ends of every kind, a multi-line field, Windows-1252.
            (b"a,b\r\n1,\xe92\r\n\r3,\"x\n\n\0y\"\n".to_vec(), 6),
            // Past the first chunks, after a UTF-8 mark (not scanned before reading).
            (
                format!("\u{feff}a,b\r\n{long}x,\0\r\n").into_bytes(),
                300_002,
            ),
            // Past the first chunks, without a mark (scanned first).
            (format!("a,b\r\n{long}x,\0\r\n").into_bytes(), 300_002),
            (utf16, 2),
        ] {
            let file = temp_file(&bytes);
            let expected = format!("{}: {}", file.path().display(), refused_nul(line));
            let options = ReadOptions::default();
            assert_eq!(
                read(file.path(), &options).unwrap_err().to_string(),
                expected
            );
            assert_eq!(stream_error(file.path(), &options), Some(expected));
        }
        // Named UTF-8, with bytes that are not: the NUL is what is said.
        let file = temp_file(b"a,b\n\xff,1\n2,\0\n");
        let options = ReadOptions {
            encoding: Some("utf-8".into()),
            ..ReadOptions::default()
        };
        let expected = format!("{}: {}", file.path().display(), refused_nul(3));
        assert_eq!(
            read(file.path(), &options).unwrap_err().to_string(),
            expected
        );
        assert_eq!(stream_error(file.path(), &options), Some(expected));
        // UTF-16 without a mark is all NUL bytes and high ones: not refused.
        let utf16: Vec<u8> = "a,b\n1,2\n".bytes().flat_map(|b| [b, 0]).collect();
        let file = temp_file(&utf16);
        assert_eq!(
            read(file.path(), &ReadOptions::default())
                .unwrap()
                .rows
                .len(),
            2
        );
        assert_eq!(stream_error(file.path(), &ReadOptions::default()), None);
    }

    #[test]
    fn a_utf8_label_on_other_bytes_is_refused() {
        let file = temp_file(b"a,b\nNu\xf1ez,1\n");
        let options = ReadOptions {
            encoding: Some("utf-8".into()),
            ..ReadOptions::default()
        };
        let whole = read(file.path(), &options).unwrap_err().to_string();
        let streamed = read_prefix(file.path(), &options, |_| true)
            .unwrap_err()
            .to_string();
        assert_eq!(whole, streamed);
        assert!(
            streamed.contains("not valid UTF-8 (use --encoding"),
            "{streamed}"
        );
        let options = ReadOptions {
            encoding: Some("klingon".into()),
            ..ReadOptions::default()
        };
        assert!(
            read_prefix(file.path(), &options, |_| true)
                .unwrap_err()
                .to_string()
                .contains("unknown encoding 'klingon'")
        );
    }

    #[test]
    fn utf8_is_checked_across_chunk_ends() {
        // A character cut by every chunk end, then a file whose last byte starts one.
        let text = "é".repeat(CHECK_CHUNK);
        assert!(is_utf8(&mut text.as_bytes()).unwrap());
        let mut cut = format!("a{text}").into_bytes();
        assert!(is_utf8(&mut cut.as_slice()).unwrap());
        cut.push(0xC3);
        assert!(!is_utf8(&mut cut.as_slice()).unwrap());
        assert!(!is_utf8(&mut &b"ab\xff"[..]).unwrap());
    }

    #[test]
    fn sniffs_streams_as_whole_texts() {
        // Lone CRs do not end lines for the sniffer, as for `str::lines`.
        for text in [
            "a;b,c\r1;2,3\r4;5,6\r",
            "a,b\r\n1,2;3;4\r\n\u{a0}\u{a0}\r\n;;;\n",
            "x|y\n\"1|2\n3\"|4\n",
        ] {
            assert_streams_like_read(text.as_bytes(), &ReadOptions::default());
        }
        // A file with lone CRs is one line to the sniffer, however long: here its first
        // 64 KiB favour `;`, the whole of it `,`.
        let lone_cr = format!("{}{}", "a;b\r".repeat(10_000), "x,y,z\r".repeat(20_000));
        assert_eq!(sniff_delimiter(&lone_cr), b',');
        assert_eq!(sniff_delimiter(&lone_cr[..1 << 16]), b';');
        assert_streams_like_read(lone_cr.as_bytes(), &ReadOptions::default());
        let many: String = (0..200).map(|i| i.to_string() + ";a,b\n").collect();
        assert_streams_like_read(format!("x,y\n{many}").as_bytes(), &ReadOptions::default());
    }

    #[test]
    fn streams_the_bundled_samples_like_read() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut pending = vec![root.join("samples"), root.join("tests/fixtures")];
        let mut seen = 0;
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == "csv") {
                    assert_streams_like_read(
                        &std::fs::read(&path).unwrap(),
                        &ReadOptions::default(),
                    );
                    seen += 1;
                }
            }
        }
        assert!(seen >= 10, "{seen} samples");
    }

    #[test]
    fn fields_are_repaired_as_whole_files_are() {
        // Random bytes, mostly from the ranges malformed sequences are made of.
        let mut seed = 0x2545_f491_u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        let alphabet = [
            0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0,
            0xF4, 0xF5, 0xFF, b';', b'a',
        ];
        for _ in 0..20_000 {
            let len = next() % 12;
            let bytes: Vec<u8> = (0..len)
                .map(|_| alphabet[next() as usize % alphabet.len()])
                .collect();
            let (whole, _) = UTF_8.decode_without_bom_handling(&bytes);
            let fields: Vec<String> = bytes
                .split(|b| *b == b';')
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            assert_eq!(whole, fields.join(";"), "{bytes:x?}");
        }
    }

    #[test]
    fn stamps_change_with_the_cells() {
        let text = "a;b;c\na;x;c\na;x\na;x;c\n;x;c\n;x;c\n";
        let mut records = Records::new(
            Box::new(io::Cursor::new(text.as_bytes().to_vec())),
            b';',
            STREAM_BUFFER,
            "t.csv".into(),
        );
        let (mut row, mut stamps) = (
            Row {
                line: 0,
                cells: Vec::new(),
            },
            Stamps::default(),
        );
        let mut seen = Vec::new();
        while records
            .fill_row(None, &mut row, Some(&mut stamps))
            .unwrap()
            .is_some()
        {
            seen.push(stamps.get().to_vec());
        }
        assert_eq!(
            seen,
            [
                vec![1, 1, 1],
                // Only the changed cell gets the row's stamp.
                vec![1, 2, 1],
                // A shorter record, then a longer one: the field that comes back is new.
                vec![1, 2],
                vec![1, 2, 4],
                // A cell emptied changes; an empty one that stays empty does not.
                vec![5, 2, 4],
                vec![5, 2, 4],
            ]
        );
    }
}
