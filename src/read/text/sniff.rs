//! The delimiter, sniffed among `,` `;` tab `|` by how consistently it splits the
//! first lines, quotes respected.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(super) const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Picks the delimiter that splits the most of the first lines into the same number of
/// fields (more than one). Title lines above the header usually hold no delimiter and do
/// not disturb this. Falls back to `,`.
pub fn sniff_delimiter(text: &str) -> u8 {
    let mut sniffer = Sniffer::default();
    sniffer.feed(text);
    sniffer.pick()
}

/// How many of the first non-blank lines the delimiter is sniffed on.
pub(super) const SNIFF_LINES: usize = 50;

/// Counts the candidate delimiters outside quotes on each of the first non-blank lines.
/// It takes the text in pieces, so that a streamed file is sniffed without being read
/// whole; lines are split as `str::lines` splits them (on `\n`; a lone `\r` does not end
/// a line), and quotes do not carry over from one line to the next.
#[derive(Debug, Default)]
pub(super) struct Sniffer {
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

/// Decoded bytes read at a time while sniffing the delimiter.
pub(super) const SNIFF_CHUNK: usize = 1 << 16;

/// Sniffs the delimiter of a file as [`sniff_delimiter`] would on its whole decoded text,
/// reading only as far as the lines it looks at.
pub(super) fn sniff_file(path: &Path, file: &str, decoding: Decoding) -> Result<u8, ReadError> {
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
