//! xls workbooks written by hand for the tests: BIFF8 records in the "Workbook" stream
//! of an OLE compound file (version 3, 512-byte sectors, one FAT sector).

use std::path::Path;

/// A BIFF record: type, length, body.
pub fn biff(typ: u16, body: &[u8]) -> Vec<u8> {
    let mut out = typ.to_le_bytes().to_vec();
    out.extend(u16::try_from(body.len()).unwrap().to_le_bytes());
    out.extend(body);
    out
}

/// A cell record's start: row, column (from 0), format 0.
pub fn at(row: u16, col: u16) -> Vec<u8> {
    [row.to_le_bytes(), col.to_le_bytes(), [0, 0]].concat()
}

/// A LABEL cell (BIFF8: length, flags 1 for two bytes per character, the characters).
pub fn label(row: u16, col: u16, text: &str) -> Vec<u8> {
    let mut body = at(row, col);
    body.extend(
        u16::try_from(text.encode_utf16().count())
            .unwrap()
            .to_le_bytes(),
    );
    body.push(1);
    body.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    biff(0x0204, &body)
}

/// A NUMBER cell.
pub fn number(row: u16, col: u16, value: f64) -> Vec<u8> {
    biff(
        0x0203,
        &[at(row, col), value.to_le_bytes().to_vec()].concat(),
    )
}

/// A workbook stream with one sheet: a DIMENSIONS record (first row, last row + 1,
/// first column, last column + 1) and the cell records given.
pub fn workbook_stream(sheet: &str, dimensions: [u32; 4], cells: &[Vec<u8>]) -> Vec<u8> {
    let bof = |kind: u16| {
        biff(
            0x0809,
            &[&0x0600u16.to_le_bytes()[..], &kind.to_le_bytes(), &[0; 12]].concat(),
        )
    };
    let boundsheet = |pos: u32| {
        let mut body = pos.to_le_bytes().to_vec();
        body.extend([0, 0, u8::try_from(sheet.len()).unwrap(), 0]);
        body.extend(sheet.bytes());
        biff(0x0085, &body)
    };
    let globals_len = bof(5).len() + boundsheet(0).len() + 4;
    let mut stream = [
        bof(5),
        boundsheet(u32::try_from(globals_len).unwrap()),
        biff(0x000A, &[]),
    ]
    .concat();
    stream.extend(bof(0x10));
    let [first_row, rows_end, first_col, cols_end] = dimensions;
    let mut body = [first_row.to_le_bytes(), rows_end.to_le_bytes()].concat();
    body.extend(u16::try_from(first_col).unwrap().to_le_bytes());
    body.extend(u16::try_from(cols_end).unwrap().to_le_bytes());
    body.extend([0, 0]);
    stream.extend(biff(0x0200, &body));
    for cell in cells {
        stream.extend(cell);
    }
    stream.extend(biff(0x000A, &[]));
    stream
}

/// An OLE compound file holding `stream` as "Workbook": sector 0 the FAT, sector 1 the
/// directory, the stream from sector 2. The stream is padded to 4096 bytes, so it lives
/// in sectors of its own rather than the mini stream.
pub fn xls_file(path: &Path, mut stream: Vec<u8>) {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    let len = stream.len().max(4096);
    stream.resize(len.div_ceil(512) * 512, 0);
    let sectors = u32::try_from(stream.len() / 512).unwrap();
    assert!(sectors + 2 <= 128, "one FAT sector");
    let mut header = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    header.extend([0; 16]);
    for value in [0x3Eu16, 3, 0xFFFE, 9, 6] {
        header.extend(value.to_le_bytes());
    }
    header.extend([0; 6]);
    for value in [0u32, 1, 1, 0, 4096, END, 0, END, 0, 0] {
        header.extend(value.to_le_bytes());
    }
    header.extend((0..108).flat_map(|_| FREE.to_le_bytes()));
    assert_eq!(header.len(), 512);
    let mut fat = vec![0xFFFF_FFFDu32, END];
    fat.extend((3..sectors + 2).chain([END]));
    fat.resize(128, FREE);
    let mut directory = directory_entry("Root Entry", 5, 1, END, 0);
    directory.extend(directory_entry(
        "Workbook",
        2,
        FREE,
        2,
        u32::try_from(len).unwrap(),
    ));
    directory.resize(512, 0);
    let mut file = header;
    file.extend(fat.iter().flat_map(|v| v.to_le_bytes()));
    file.extend(directory);
    file.extend(stream);
    std::fs::write(path, file).unwrap();
}

/// An OLE compound file holding `stream` (under 4096 bytes) as "Workbook" in the mini
/// stream, as Excel stores small streams: sector 0 the FAT, 1 the directory, 2 the mini
/// FAT, the mini stream (the root's stream) from sector 3.
pub fn xls_file_mini(path: &Path, stream: &[u8]) {
    const END: u32 = 0xFFFF_FFFE;
    const FREE: u32 = 0xFFFF_FFFF;
    assert!(stream.len() < 4096);
    let minis = u32::try_from(stream.len().div_ceil(64)).unwrap();
    let mut mini_stream = stream.to_vec();
    mini_stream.resize(stream.len().div_ceil(512) * 512, 0);
    let sectors = u32::try_from(mini_stream.len() / 512).unwrap();
    let mut header = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    header.extend([0; 16]);
    for value in [0x3Eu16, 3, 0xFFFE, 9, 6] {
        header.extend(value.to_le_bytes());
    }
    header.extend([0; 6]);
    for value in [0u32, 1, 1, 0, 4096, 2, 1, END, 0, 0] {
        header.extend(value.to_le_bytes());
    }
    header.extend((0..108).flat_map(|_| FREE.to_le_bytes()));
    let table = |mut entries: Vec<u32>| {
        entries.resize(128, FREE);
        entries
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<u8>>()
    };
    let mut fat = vec![0xFFFF_FFFD, END, END];
    fat.extend((4..sectors + 3).chain([END]));
    let mini_fat: Vec<u32> = (1..minis).chain([END]).collect();
    let mut directory = directory_entry("Root Entry", 5, 1, 3, minis * 64);
    directory.extend(directory_entry(
        "Workbook",
        2,
        FREE,
        0,
        u32::try_from(stream.len()).unwrap(),
    ));
    directory.resize(512, 0);
    let file = [header, table(fat), directory, table(mini_fat), mini_stream].concat();
    std::fs::write(path, file).unwrap();
}

/// An OLE directory entry: its name, kind (5 root, 2 stream), child, first sector and
/// size; no siblings.
fn directory_entry(name: &str, kind: u8, child: u32, start: u32, size: u32) -> Vec<u8> {
    const FREE: u32 = 0xFFFF_FFFF;
    let mut e: Vec<u8> = name
        .encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect();
    let name_len = u16::try_from(e.len()).unwrap();
    e.resize(64, 0);
    e.extend(name_len.to_le_bytes());
    e.extend([kind, 1]);
    e.extend([FREE, FREE, child].iter().flat_map(|v| v.to_le_bytes()));
    e.resize(116, 0);
    e.extend(start.to_le_bytes());
    e.extend(size.to_le_bytes());
    e.resize(128, 0);
    e
}
