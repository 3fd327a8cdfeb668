//! Tests of the text reader: encodings, delimiters, parsing, streaming, refusals.

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

/// A pass parses its records on a thread of its own, in batches: records spanning many
/// batches (with lines that a multi-line field or a blank line shifts) come in order
/// with their lines, and a pass left midway stops without holding up the next.
#[test]
fn records_parsed_ahead_come_in_order_across_batches() {
    let mut text = String::from("n;note\r\n");
    for i in 0..(AHEAD_RECORDS * AHEAD_BATCHES * 3 + 17) {
        match i % 7 {
            0 => text.push_str(&format!("{i};\"two\r\nlines\"\r\n")),
            3 => text.push_str(&format!("{i};x\r\n\r\n")),
            _ => text.push_str(&format!("{i};é\r\n")),
        }
    }
    assert_streams_like_read(text.as_bytes(), &ReadOptions::default());
    let file = temp_file(text.as_bytes());
    let prefix = read_prefix(file.path(), &ReadOptions::default(), |rows| rows.len() >= 2).unwrap();
    let rest = prefix.rest.unwrap();
    let mut left = rest.open().unwrap();
    assert!(left.next_row().unwrap().is_some());
    drop(left);
    let rows = all_records(rest.open().unwrap());
    assert_eq!(rows.len(), AHEAD_RECORDS * AHEAD_BATCHES * 3 + 17 - 1);
    assert_eq!(rows.last().map(|r| r.line), Some(text.lines().count()));
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
                assert_streams_like_read(&std::fs::read(&path).unwrap(), &ReadOptions::default());
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
        0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF4,
        0xF5, 0xFF, b';', b'a',
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

#[test]
fn a_stream_whose_first_decoded_bytes_are_a_second_mark_reads_like_the_whole_file() {
    // UTF-16LE: a mark, then U+FEFF and a lone byte. The stream's first read held only
    // U+FEFF, which the csv reader took for its mark and then saw nothing more (found
    // by fuzzing).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.csv");
    std::fs::write(&path, b"\xff\xfe\xff\xfe\xfe").unwrap();
    let whole = read(&path, &ReadOptions::default()).unwrap();
    let prefix = read_prefix(&path, &ReadOptions::default(), |_| false).unwrap();
    assert_eq!(whole.rows.len(), 1);
    assert_eq!(prefix.rows.len(), whole.rows.len());
    assert_eq!(prefix.rows[0].cells, whole.rows[0].cells);
}

/// A quote left open runs its value over the rows after it: a value holding lines with
/// as many values as the widest record before it is refused, on the in-memory and the
/// streamed reading alike; a multi-line value in quotes whose lines are text is not.
#[test]
fn a_quote_left_open_over_whole_rows_is_refused_with_its_line() {
    let good =
        "id;name;use;amount\n1;Ana;\"seeds;\nand tools\";100\n2;Bea;\"two\n\nparagraphs\";200\n";
    assert_eq!(parse(good, b';').unwrap().len(), 3);
    let open = "id;name;use;amount\n1;Ana;seeds;100\n2;Bea;\"tools;200\n3;Caro;goats;300\n4;Dee;hens;400\n";
    let message = "line 3: a value that starts on this line runs over 2 line(s) that look like rows of this file (the first: '3;Caro;goats;300'): is a quote (\") left open? Close or remove it and convert again";
    assert_eq!(parse(open, b';').unwrap_err(), message);
    assert_streams_like_read(good.as_bytes(), &ReadOptions::default());
    // Streamed, the bad record found in the prefix or in a pass after it.
    let file = temp_file(open.as_bytes());
    for stop in [1, 2, 8] {
        let refused = match read_prefix(file.path(), &ReadOptions::default(), |rows| {
            rows.len() >= stop
        }) {
            Err(e) => e.to_string(),
            Ok(prefix) => {
                let mut records = prefix.rest.unwrap().open().unwrap();
                loop {
                    match records.next_row() {
                        Ok(Some(_)) => {}
                        Ok(None) => panic!("prefix of {stop}: read to the end"),
                        Err(e) => break e.to_string(),
                    }
                }
            }
        };
        assert_eq!(
            refused,
            format!("{}: {message}", file.path().display()),
            "prefix of {stop}"
        );
    }
    // Too few columns to tell a row from text: not checked.
    assert_eq!(parse("a;b\n\"x\n1;2\n3;4", b';').unwrap().len(), 2);
}
