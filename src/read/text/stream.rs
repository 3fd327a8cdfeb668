//! A text file streamed ([`read_prefix`], then [`TextStream::open`] for each pass):
//! the csv reader is fed exactly the bytes a whole-file read would give it, through
//! [`LineEnds`], which refuses NUL bytes and records over [`MAX_RECORD`] as they pass;
//! rows are filled into a reused buffer with [`Stamps`] of the row each cell last
//! changed on.

#[allow(clippy::wildcard_imports)]
use super::*;
use std::sync::mpsc::{Receiver, SyncSender};

/// The longest record read: 64 MiB. No export has one (Excel holds at most 32,767
/// characters in a cell); a quote left open makes one of the rest of the file. Larger
/// records are refused, so that memory stays bounded whatever the file; a cell of a few
/// MB (a photo as a data URI) still reads.
pub const MAX_RECORD: u64 = 64 << 20;

/// Why a record cannot be read, said the same way by [`parse`] and by the stream.
pub(super) fn refused_nul(line: usize) -> String {
    format!(
        "line {line}: a NUL byte, which no text export holds: the file is damaged or is not text (export it again)"
    )
}

pub(super) fn refused_long(line: usize) -> String {
    format!(
        "line {line}: a record longer than {} MB, which no export holds: is a quote (\") left open?",
        MAX_RECORD >> 20
    )
}

/// Why a record is refused when one of its values holds lines that look like whole
/// rows of the file (as many values as the widest record before it, `widest`): a quote
/// (`"`) left open runs the value on over the rows after it, to the next quote or to
/// the end of the file, and those rows would be lost without a word. `None` for any
/// other record (a multi-line loan use in quotes holds no such lines).
pub(super) fn refused_swallowed(
    record: &csv::ByteRecord,
    delimiter: u8,
    widest: usize,
    line: usize,
) -> Option<String> {
    if widest < 3 || memchr::memchr2(b'\n', b'\r', record.as_slice()).is_none() {
        return None;
    }
    record.iter().find_map(|field| {
        let rows: Vec<&[u8]> = field
            .split(|&b| b == b'\n' || b == b'\r')
            .skip(1)
            .filter(|l| memchr::memchr_iter(delimiter, l).count() + 1 >= widest)
            .collect();
        let first = String::from_utf8_lossy(rows.first()?);
        let shown: String = first.chars().take(60).collect();
        let more = if shown.len() < first.len() { "..." } else { "" };
        Some(format!(
            "line {line}: a value that starts on this line runs over {} line(s) that look like rows of this file (the first: '{shown}{more}'): is a quote (\") left open? Close or remove it and convert again",
            rows.len()
        ))
    })
}

/// The csv reader's buffer when streaming: large reads, few system calls.
pub(super) const STREAM_BUFFER: usize = 1 << 18;

/// Bytes read at a time while checking that a file is UTF-8.
pub(super) const CHECK_CHUNK: usize = 1 << 20;

/// Bytes looked at for a byte order mark and for UTF-16 without one (as `decode` does).
pub(super) const HEAD: u64 = 512;

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
    let fingerprint = Fingerprint::of(path, &file)?;
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
    if ended {
        // Read whole in this one pass, which must have read one version of it.
        fingerprint.check(path, &file)?;
    }
    let rest = (!ended).then(|| TextStream {
        path: path.to_path_buf(),
        file,
        decoding,
        delimiter,
        skip: rows.len(),
        fingerprint,
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
    /// The file as it was when its first records were read: each pass checks that it is
    /// still the same file.
    fingerprint: Fingerprint,
}

impl TextStream {
    /// Opens the file again and positions the reader after the prefix's records.
    pub fn open(&self) -> Result<Records, ReadError> {
        self.fingerprint.check(&self.path, &self.file)?;
        let parser = Parser::open(&self.path, &self.file, self.decoding, self.delimiter)?;
        let mut records = Records::read_ahead(parser, self.decoding.lossy())?;
        records.unchanged = Some((self.path.clone(), self.fingerprint));
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
    source: Source,
    /// The record last read. Only the cells' strings are allocated per row.
    pub(super) record: csv::ByteRecord,
    /// Fields that are not UTF-8 get U+FFFD for their bad bytes instead of an error.
    pub(super) lossy: bool,
    pub(super) file: String,
    /// The file's path and what it was like when first read, checked again when the
    /// reader reaches its end (not when a thread parsing ahead does: the file must not
    /// change until the last row is used).
    unchanged: Option<(PathBuf, Fingerprint)>,
}

/// Where records come from: parsed on the caller's thread, or ahead of it on a thread of
/// their own ([`Records::read_ahead`]).
enum Source {
    Here(Box<Parser>),
    Ahead(Ahead),
}

/// The csv reader over a file's text, and what it needs to name lines: the part of
/// [`Records`] that may run on a thread of its own.
struct Parser {
    reader: csv::Reader<LineEnds<Box<dyn Read + Send>>>,
    file: String,
    delimiter: u8,
    /// The most values a record read so far had ([`refused_swallowed`]).
    widest: usize,
}

/// Records parsed on another thread ([`Records::read_ahead`]), received in batches.
struct Ahead {
    batches: Receiver<Parsed>,
    /// Batches read, handed back to be filled again (no allocation per record).
    spare: SyncSender<Batch>,
    batch: Batch,
    /// The batch's next record.
    next: usize,
    /// The end or an error was received: no more records.
    finished: bool,
}

/// Records parsed ahead, each with its line.
#[derive(Default)]
struct Batch {
    records: Vec<csv::ByteRecord>,
    lines: Vec<usize>,
}

/// What the reading thread sends: records, then the end or the error that stopped it.
enum Parsed {
    Records(Batch),
    End,
    Failed(ReadError),
}

/// Records parsed ahead per batch, and batches parsed ahead at most: a few hundred KB.
pub(super) const AHEAD_RECORDS: usize = 256;
pub(super) const AHEAD_BATCHES: usize = 4;

/// A file's size and modification time: a file read in several passes (the first
/// records, then each pass over the rest) must be the same file on each. An export still
/// being written or copied, or written again meanwhile, would otherwise give rows of two
/// versions of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl Fingerprint {
    pub(crate) fn of(path: &Path, file: &str) -> Result<Fingerprint, ReadError> {
        let meta = std::fs::metadata(path).map_err(|e| io_error(file, &e))?;
        Ok(Fingerprint {
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }

    /// An error unless the file is still as it was.
    pub(crate) fn check(&self, path: &Path, file: &str) -> Result<(), ReadError> {
        let now = Fingerprint::of(path, file)?;
        if now == *self {
            return Ok(());
        }
        let how = if now.len == self.len {
            "it was written again".to_string()
        } else {
            format!("it was {} bytes, now {}", self.len, now.len)
        };
        Err(ReadError::Format {
            file: file.to_string(),
            message: format!(
                "the file changed while it was being read ({how}): wait until it is completely written or copied, then run again"
            ),
        })
    }
}

impl Records {
    /// Records parsed on the caller's thread.
    fn open(
        path: &Path,
        file: &str,
        decoding: Decoding,
        delimiter: u8,
    ) -> Result<Records, ReadError> {
        let parser = Parser::open(path, file, decoding, delimiter)?;
        Ok(Records::with_source(
            Source::Here(Box::new(parser)),
            decoding.lossy(),
            file.to_string(),
        ))
    }

    /// Records of any source (the tests' trickling readers and small buffers).
    #[cfg(test)]
    pub(super) fn new(
        source: Box<dyn Read + Send>,
        delimiter: u8,
        capacity: usize,
        file: String,
    ) -> Records {
        let parser = Parser::new(source, delimiter, capacity, file.clone());
        Records::with_source(Source::Here(Box::new(parser)), false, file)
    }

    fn with_source(source: Source, lossy: bool, file: String) -> Records {
        Records {
            source,
            record: csv::ByteRecord::new(),
            lossy,
            file,
            unchanged: None,
        }
    }

    fn error(&self, message: String) -> ReadError {
        format_error(&self.file, message)
    }

    /// Records parsed by `parser` on a thread of its own, a few batches ahead of the
    /// caller: a pass over a large file then reads and groups on two cores. Records,
    /// lines and errors are the same, in the same order.
    fn read_ahead(mut parser: Parser, lossy: bool) -> Result<Records, ReadError> {
        let file = parser.file.clone();
        let (sender, batches) = std::sync::mpsc::sync_channel(AHEAD_BATCHES);
        let (spare, spares) = std::sync::mpsc::sync_channel::<Batch>(AHEAD_BATCHES + 2);
        std::thread::Builder::new()
            .name("read".into())
            .spawn(move || parse_ahead(&mut parser, &sender, &spares))
            .map_err(|e| io_error(&file, &e))?;
        let ahead = Ahead {
            batches,
            spare,
            batch: Batch::default(),
            next: 0,
            finished: false,
        };
        Ok(Records::with_source(Source::Ahead(ahead), lossy, file))
    }

    /// Reads the next record into `self.record`; its line, or `None` at the end.
    fn advance(&mut self) -> Result<Option<usize>, ReadError> {
        let line = match &mut self.source {
            Source::Here(parser) => parser.advance(&mut self.record),
            Source::Ahead(ahead) => ahead.advance(&mut self.record, &self.file),
        }?;
        if line.is_none()
            && let Some((path, fingerprint)) = &self.unchanged
        {
            fingerprint.check(path, &self.file)?;
        }
        Ok(line)
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
        // One UTF-8 check for the whole record; each field is then a slice of it. A field
        // ends at an ASCII delimiter, quote or line end, so inside a character only when
        // bad bytes on either side of it make one (after a UTF-8 mark, where bad bytes
        // are replaced): that field is checked on its own (found by fuzzing: a panic).
        // (simdutf8 checks a record of accented names several times faster than the
        // standard library, which is quick only over ASCII.)
        let whole = simdutf8::basic::from_utf8(self.record.as_slice()).ok();
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
            let text = match whole.and_then(|whole| whole.get(self.record.range(index)?)) {
                Some(text) => Ok(text),
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
                    if !matches!(cell, Cell::Text(s) if same_bytes(s.as_bytes(), text.as_bytes())) {
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

/// A record that cannot be read, in file `file`.
fn format_error(file: &str, message: String) -> ReadError {
    ReadError::Format {
        file: file.to_string(),
        message,
    }
}

/// The reading thread of [`Records::read_ahead`]: parses batches of records (refilling
/// batches handed back when there are some) and sends them, then the end or the error
/// that stopped it. Returns early when the records are no longer wanted.
fn parse_ahead(parser: &mut Parser, sender: &SyncSender<Parsed>, spares: &Receiver<Batch>) {
    loop {
        let mut batch = spares.try_recv().unwrap_or_default();
        batch.lines.clear();
        let last = loop {
            let at = batch.lines.len();
            if at == AHEAD_RECORDS {
                break None;
            }
            if batch.records.len() == at {
                batch.records.push(csv::ByteRecord::new());
            }
            match parser.advance(&mut batch.records[at]) {
                Ok(Some(line)) => batch.lines.push(line),
                Ok(None) => break Some(Parsed::End),
                Err(e) => break Some(Parsed::Failed(e)),
            }
        };
        // The reader gone (it stopped early) stops this thread too.
        if !batch.lines.is_empty() && sender.send(Parsed::Records(batch)).is_err() {
            return;
        }
        if let Some(last) = last {
            let _ = sender.send(last);
            return;
        }
    }
}

impl Ahead {
    /// The next record parsed ahead, swapped into `record`; its line, or `None` at the end.
    fn advance(
        &mut self,
        record: &mut csv::ByteRecord,
        file: &str,
    ) -> Result<Option<usize>, ReadError> {
        loop {
            if let Some(&line) = self.batch.lines.get(self.next) {
                std::mem::swap(record, &mut self.batch.records[self.next]);
                self.next += 1;
                return Ok(Some(line));
            }
            if self.finished {
                return Ok(None);
            }
            // A spare batch saves the thread allocating; none wanted, it is dropped.
            let _ = self.spare.try_send(std::mem::take(&mut self.batch));
            self.next = 0;
            match self.batches.recv() {
                Ok(Parsed::Records(batch)) => self.batch = batch,
                Ok(Parsed::End) => self.finished = true,
                Ok(Parsed::Failed(e)) => {
                    self.finished = true;
                    return Err(e);
                }
                // The thread ended without saying why: it panicked.
                Err(_) => {
                    self.finished = true;
                    return Err(ReadError::Io {
                        file: file.to_string(),
                        message: "reading stopped unexpectedly".into(),
                    });
                }
            }
        }
    }
}

impl Parser {
    fn open(
        path: &Path,
        file: &str,
        decoding: Decoding,
        delimiter: u8,
    ) -> Result<Parser, ReadError> {
        let source = open_decoded(path, file, decoding)?;
        Ok(Parser::new(
            source,
            delimiter,
            STREAM_BUFFER,
            file.to_string(),
        ))
    }

    fn new(source: Box<dyn Read + Send>, delimiter: u8, capacity: usize, file: String) -> Parser {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .buffer_capacity(capacity)
            .from_reader(LineEnds::new(source));
        Parser {
            reader,
            file,
            delimiter,
            widest: 0,
        }
    }

    fn error(&self, message: String) -> ReadError {
        format_error(&self.file, message)
    }

    /// Reads the next record into `record`; its line, or `None` at the end.
    fn advance(&mut self, record: &mut csv::ByteRecord) -> Result<Option<usize>, ReadError> {
        match self.reader.read_byte_record(record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let offset = record.position().map_or(0, csv::Position::byte);
                let line = self.reader.get_mut().line_at(offset);
                let end = self.reader.position().byte();
                if end - offset > MAX_RECORD {
                    return Err(self.error(refused_long(line)));
                }
                if let Some(refused) = refused_swallowed(record, self.delimiter, self.widest, line)
                {
                    return Err(self.error(refused));
                }
                self.widest = self.widest.max(record.len());
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
                        let offset = record.position().map_or(0, csv::Position::byte);
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

    /// The stamp of the last row read.
    pub fn now(&self) -> u64 {
        self.now
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
pub(super) fn set_text(cell: &mut Cell, text: &str) {
    if let Cell::Text(s) = cell {
        s.clear();
        s.push_str(text);
    } else {
        *cell = Cell::Text(text.to_owned());
    }
}

pub(super) fn io_error(file: &str, e: &io::Error) -> ReadError {
    ReadError::Io {
        file: file.to_string(),
        message: io_message(e),
    }
}

/// Reads into `buf`, retrying when a signal interrupted the read.
pub(super) fn read_some(source: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match source.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            result => return result,
        }
    }
}

/// Turns `\r\n` and lone `\r` into `\n` as [`parse`] does, so that the csv reader gets the
/// same bytes and quoted fields the same text, and remembers where the line ends are
/// until the records around them were read: the csv crate's own line numbers are wrong
/// after a CRLF or a blank line (rust-csv issues 395 and 208).
pub(super) struct LineEnds<R> {
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
pub(super) enum Refused {
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
    pub(super) fn new(inner: R) -> LineEnds<R> {
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
pub(super) fn find_line_end(bytes: &[u8]) -> Option<usize> {
    memchr::memchr2(b'\n', b'\r', bytes)
}
