//! Encodings, transcoded to UTF-8 at the edge: a byte-order mark, UTF-16 without one
//! (Excel's "Unicode text"), UTF-8 checked over the whole file, else Windows-1252; a
//! declared label overrides. [`Transcoder`] decodes a stream as it is read.

#[allow(clippy::wildcard_imports)]
use super::*;

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
pub(super) fn looks_like_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
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

/// How a text file's bytes become UTF-8, as detection decided for the whole file.
#[derive(Debug, Clone, Copy)]
pub(super) struct Decoding {
    pub(super) encoding: &'static Encoding,
    /// Length of the byte order mark, skipped.
    pub(super) bom: u64,
    /// The bytes after the mark are read as they are: UTF-8 without a mark was checked
    /// whole; after a UTF-8 mark the file is not checked, and a field that is not UTF-8
    /// has its bad bytes replaced, as `decode` replaces them.
    pub(super) verbatim: bool,
    /// The pass that checked the file found a NUL byte, which the first pass over the
    /// records will refuse.
    pub(super) nul: bool,
}

impl Decoding {
    /// Whether fields that are not UTF-8 are repaired rather than refused.
    pub(super) fn lossy(self) -> bool {
        self.verbatim && self.bom > 0
    }
}

/// Decides the encoding as [`decode`] does, without holding the file: the byte order mark
/// wins, then the label, then UTF-16 without a mark, then whether every byte of the file
/// is UTF-8 (read in chunks), then Windows-1252.
pub(super) fn detect(path: &Path, file: &str, label: Option<&str>) -> Result<Decoding, ReadError> {
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
pub(super) struct Scan {
    /// Every byte is UTF-8 (false when the pass stopped at a NUL byte first).
    utf8: bool,
    /// A byte is NUL.
    nul: bool,
}

/// Reads what `source` yields, a chunk at a time, to know whether it is all UTF-8 (a
/// character cut by the end of a chunk is completed by the next one), up to the first
/// NUL byte: the file is refused then, whatever its encoding (Windows-1252 is said, so
/// that the records before the NUL read without an error of their own).
pub(super) fn scan(source: &mut impl Read) -> io::Result<Scan> {
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
pub(super) fn is_utf8(source: &mut impl Read) -> io::Result<bool> {
    scan(source).map(|s| s.utf8)
}

/// Opens the file as UTF-8: past its byte order mark, transcoded unless it already is.
pub(super) fn open_decoded(
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
pub(super) fn decoded(
    source: impl Read + Send + 'static,
    decoding: Decoding,
) -> Box<dyn Read + Send> {
    if decoding.verbatim {
        Box::new(source)
    } else {
        Box::new(Transcoder::new(
            source,
            decoding.encoding.new_decoder_without_bom_handling(),
        ))
    }
}

/// Reads bytes of any encoding as UTF-8 through an `encoding_rs` decoder (malformed
/// sequences become U+FFFD, as `Encoding::decode_without_bom_handling` makes them).
pub(super) struct Transcoder<R> {
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
    /// More than a byte order mark's worth was handed out.
    started: bool,
}

impl<R: Read> Transcoder<R> {
    pub(super) fn new(inner: R, decoder: Decoder) -> Transcoder<R> {
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
            started: false,
        }
    }
}

impl<R: Read> Read for Transcoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if !self.ready.is_empty() && (self.started || self.finished) {
                let n = buf.len().min(self.ready.len());
                buf[..n].copy_from_slice(&self.output[self.ready.start..self.ready.start + n]);
                self.ready.start += n;
                if self.ready.is_empty() {
                    self.ready = 0..0;
                }
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
            // Decoded after what is ready: at the start of the stream, a first read of
            // only a byte order mark's worth (U+FEFF, a second mark) would be taken by
            // the csv reader for its mark and the stream for ended (found by fuzzing: a
            // 5-byte UTF-16 file whose whole read has a row, its stream none).
            let at = self.ready.end;
            let (result, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.pending.clone()],
                &mut self.output[at..],
                self.eof,
            );
            self.pending.start += read;
            self.ready = self.ready.start..at + written;
            self.finished = self.eof && result == CoderResult::InputEmpty;
            if !self.started && self.ready.len() <= 3 && !self.finished {
                continue;
            }
            self.started = true;
        }
    }
}
