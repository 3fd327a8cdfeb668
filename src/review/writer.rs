//! The page written one loan at a time ([`PageWriter`]): each draft's data goes to a
//! temporary parts file as its loan is finished, only the totals stay in memory, and
//! the page is assembled from the parts at the end (64 KB blocks, no draft held twice).

#[allow(clippy::wildcard_imports)]
use super::*;

/// The temporary file of a [`PageWriter`] in the drafts folder. Hidden and not `*.json`,
/// so `validate`, `review` and `upload` never take it for a draft; one fixed name, so a
/// run that was killed before it could remove the file leaves no more than one, which
/// the next run replaces.
pub(super) const PARTS: &str = ".review.html.parts";

/// Buffer size of the temporary file and of the page: a draft's data is a few KB.
pub(super) const BUFFER: usize = 64 * 1024;

/// What the page says in its summary (for the `review` command's one-line output and
/// tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageCounts {
    /// Draft files, including unreadable ones.
    pub drafts: usize,
    /// Loans that could not be converted (no draft).
    pub not_converted: usize,
    /// Loans (drafts and not converted) by status.
    pub ok: usize,
    pub warnings: usize,
    pub errors: usize,
}

/// Builds a review page one loan at a time. Per-draft data goes to a temporary file in
/// the drafts folder; only the page's totals stay in memory.
///
/// A conversion of 1.5 million rows makes some 48,000 drafts and a page of hundreds of
/// MB; `convert` finishes its loans one at a time and never holds them all, and neither
/// does the page. Each draft's data is written once, as the JSON the page embeds, and
/// copied into the page by [`PageWriter::finish`] in the loans' order, whatever order
/// they were added in. The summary, which comes first in the page, needs every loan:
/// it is made from the totals, which is why nothing is written before `finish`.
///
/// After an error from [`PageWriter::add`] the page cannot be finished (the temporary
/// file may hold part of a draft): drop the writer, which removes its temporary file, as
/// it does whenever the writer is dropped without `finish`.
pub struct PageWriter {
    dir: PathBuf,
    page: Page,
}

impl PageWriter {
    /// Starts a page for the folder `dir` (the temporary file, `.review.html.parts`, goes
    /// there).
    pub fn new(dir: &Path) -> Result<PageWriter, Error> {
        let path = dir.join(PARTS);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(|e| io_error(&path, "create", &e))?;
        Ok(PageWriter {
            dir: dir.to_path_buf(),
            page: Page::new(Store::File(PartsFile {
                path,
                writer: Some(BufWriter::with_capacity(BUFFER, file)),
                len: 0,
            })),
        })
    }

    /// Adds one loan. `order` is its place in the page (ascending); loans may arrive in
    /// any order (e.g. 7, 2, 9) and the page lists them sorted by `order` (loans with the
    /// same `order` in the order they were added).
    pub fn add(&mut self, order: usize, entry: &LoanEntry) -> Result<(), Error> {
        self.page
            .add(order, entry)
            .map_err(|e| io_error(&self.dir.join(PARTS), "write", &e))
    }

    /// Adds one draft of a conversion, as [`PageWriter::add`] adds a [`LoanEntry`] whose
    /// `draft` is the typed draft's JSON (the page is the same), without building that
    /// JSON or copying the source rows.
    pub fn add_draft(&mut self, order: usize, view: &DraftView<'_>) -> Result<(), Error> {
        self.page
            .add_draft(order, view)
            .map_err(|e| io_error(&self.dir.join(PARTS), "write", &e))
    }

    /// Writes `dir/review.html` atomically (a temporary file renamed into place, as
    /// [`crate::emit::write_atomic`] does, but written as it goes rather than built as
    /// one string), removes the temporary file of the drafts' data, and returns the
    /// page's counts.
    pub fn finish(
        mut self,
        title: &str,
        about: &[String],
        rows: Option<RowTotals>,
    ) -> Result<PageCounts, Error> {
        let path = self.dir.join(PAGE);
        if self.page.broken {
            return Err(Error::Emit(EmitError(format!(
                "{}: not written: the data of a draft could not be written to {}",
                path.display(),
                self.dir.join(PARTS).display()
            ))));
        }
        let tmp = self.dir.join(format!(".{PAGE}.{}.tmp", std::process::id()));
        let page = &mut self.page;
        let written = (|| -> std::io::Result<()> {
            let mut out = BufWriter::with_capacity(BUFFER, File::create(&tmp)?);
            page.write(&mut out, title, about, rows)?;
            let file = out
                .into_inner()
                .map_err(std::io::IntoInnerError::into_error)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(io_error(&path, "write", &e));
        }
        let counts = self.page.tally.counts();
        // Dropping the writer removes the temporary file.
        drop(self);
        Ok(counts)
    }
}

pub(super) fn io_error(path: &Path, what: &str, e: &std::io::Error) -> Error {
    Error::Emit(EmitError(format!(
        "{}: cannot {what}: {}",
        path.display(),
        crate::read::text::io_message(e)
    )))
}

/// A page being built: its totals, and where each draft's data is in the store.
pub(super) struct Page {
    tally: Tally,
    chunks: Vec<Chunk>,
    pub(super) store: Store,
    /// Set when a draft could not be written: the store may hold part of it.
    broken: bool,
    /// Reused for every draft: its JSON, escaped for the script block.
    json: Vec<u8>,
}

/// One draft's data in the store: `len` bytes at `offset`, a JSON value written by
/// [`write_script_json`]. Each value is followed in the store by a comma, so that
/// drafts stored one after the other are copied to the page in one piece.
#[derive(Debug, Clone, Copy)]
pub(super) struct Chunk {
    order: usize,
    offset: u64,
    len: usize,
}

/// Where the drafts' data waits for the page: a temporary file in the drafts folder
/// ([`PageWriter`]), or memory ([`render`], whose page is a string anyway).
pub(super) enum Store {
    Memory(Vec<u8>),
    File(PartsFile),
}

/// The temporary file of a [`PageWriter`], removed when dropped: after `finish`, on an
/// error, or when the writer is dropped without `finish`.
pub(super) struct PartsFile {
    path: PathBuf,
    /// Always there until dropped (taken out to close the file before removing it).
    writer: Option<BufWriter<File>>,
    /// Bytes written so far: the next draft's offset.
    len: u64,
}

impl PartsFile {
    fn writer(&mut self) -> std::io::Result<&mut BufWriter<File>> {
        self.writer
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the temporary file is closed"))
    }
}

impl Drop for PartsFile {
    fn drop(&mut self) {
        // Closed without flushing what is buffered: the file is removed anyway, and
        // Windows removes a file only once it is closed.
        if let Some(writer) = self.writer.take() {
            drop(writer.into_parts());
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Page {
    pub(super) fn new(store: Store) -> Page {
        Page {
            tally: Tally::default(),
            chunks: Vec::new(),
            store,
            broken: false,
            json: Vec::new(),
        }
    }

    /// Adds a loan: its data to the store, then to the totals (so a loan that could not
    /// be written is not counted).
    pub(super) fn add(&mut self, order: usize, entry: &LoanEntry) -> std::io::Result<()> {
        if self.broken {
            return Err(std::io::Error::other(
                "an earlier draft could not be written",
            ));
        }
        let data = draft_data(entry);
        let findings = entry.findings.iter().map(|f| (f.severity, f.rule));
        self.add_data(order, &data, entry.file.is_some(), findings)
    }

    /// Adds a draft of a conversion, from the typed draft (no JSON value is built).
    fn add_draft(&mut self, order: usize, view: &DraftView<'_>) -> std::io::Result<()> {
        if self.broken {
            return Err(std::io::Error::other(
                "an earlier draft could not be written",
            ));
        }
        let data = typed_draft_data(view);
        let findings = view.findings.iter().map(|f| (f.severity, f.rule));
        self.add_data(order, &data, true, findings)
    }

    /// Writes a loan's data to the store, then adds it to the totals: `converted` when
    /// it is a draft file, `findings` the severity and rule of each of its findings.
    fn add_data(
        &mut self,
        order: usize,
        data: &DraftData<'_>,
        converted: bool,
        findings: impl Iterator<Item = (Severity, &'static str)>,
    ) -> std::io::Result<()> {
        let (offset, len) = match &mut self.store {
            Store::Memory(bytes) => {
                let start = bytes.len();
                write_draft_data(bytes, data);
                let len = bytes.len() - start;
                bytes.push(b',');
                (start as u64, len)
            }
            Store::File(parts) => {
                self.json.clear();
                write_draft_data(&mut self.json, data);
                let len = self.json.len();
                self.json.push(b',');
                let offset = parts.len;
                if let Err(e) = parts.writer().and_then(|w| w.write_all(&self.json)) {
                    self.broken = true;
                    return Err(e);
                }
                parts.len += self.json.len() as u64;
                (offset, len)
            }
        };
        self.chunks.push(Chunk { order, offset, len });
        self.tally.add(converted, data, findings);
        Ok(())
    }

    /// Writes the page: the summary from the totals, then the data block, its fields and
    /// then the drafts copied from the store in the loans' order.
    pub(super) fn write(
        &mut self,
        out: &mut impl Write,
        title: &str,
        about: &[String],
        rows: Option<RowTotals>,
    ) -> std::io::Result<()> {
        let rules: BTreeMap<&'static str, &'static str> = validate::RULES
            .iter()
            .filter(|(rule, _, _)| self.tally.rules.keys().any(|(_, r)| r == rule))
            .map(|(rule, _, description)| (*rule, *description))
            .collect();
        let summary = self.tally.summary(rows);
        out.write_all(page_top(title, about, &summary, &rules).as_bytes())?;
        let head = script_json(&PageHead {
            title,
            currencies: &self.tally.currencies,
            checklist: CHECKLIST
                .iter()
                .map(|(rule, label)| ChecklistItem { rule, label })
                .collect(),
            rules: &rules,
            summary: &summary,
        });
        // `drafts` is the last field: the object's closing brace comes after it.
        match head.strip_suffix('}') {
            Some(fields) => {
                out.write_all(fields.as_bytes())?;
                out.write_all(b",\"drafts\":[")?;
            }
            None => out.write_all(b"{\"drafts\":[")?,
        }
        self.chunks.sort_by_key(|c| c.order);
        copy_chunks(&mut self.store, &self.chunks, out)?;
        write!(
            out,
            "]}}</script>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
        )
    }
}

/// Copies the drafts' data from the store to the page, comma-separated, in the order of
/// `chunks`. Drafts that follow one another in the store (loans added in order, the
/// usual case) go as one piece: from the temporary file with `std::io::copy`, which on
/// Linux copies inside the kernel when `out` is a file. Drafts out of order are sought
/// one at a time.
pub(super) fn copy_chunks(
    store: &mut Store,
    chunks: &[Chunk],
    out: &mut impl Write,
) -> std::io::Result<()> {
    let missing = || std::io::Error::other("a draft's data is missing");
    match store {
        Store::Memory(bytes) => {
            for (i, (offset, len)) in runs(chunks).enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                let run = usize::try_from(offset)
                    .ok()
                    .and_then(|start| {
                        bytes.get(start..start.checked_add(usize::try_from(len).ok()?)?)
                    })
                    .ok_or_else(missing)?;
                out.write_all(run)?;
            }
        }
        Store::File(parts) => {
            let writer = parts.writer()?;
            writer.flush()?;
            let mut file: &File = writer.get_ref();
            for (i, (offset, len)) in runs(chunks).enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                file.seek(SeekFrom::Start(offset))?;
                if std::io::copy(&mut file.take(len), out)? != len {
                    return Err(missing());
                }
            }
        }
    }
    Ok(())
}

/// The pieces of the store to copy for `chunks`, in their order, as (offset, length):
/// chunks that follow one another in the store, with the comma between them, make one
/// piece.
fn runs(chunks: &[Chunk]) -> impl Iterator<Item = (u64, u64)> + '_ {
    let mut rest = chunks.iter().peekable();
    std::iter::from_fn(move || {
        let first = rest.next()?;
        let mut end = first.offset + first.len as u64;
        while let Some(next) = rest.next_if(|c| c.offset == end + 1) {
            end = next.offset + next.len as u64;
        }
        Some((first.offset, end - first.offset))
    })
}
