//! How much memory calamine would give an xls's sheets, measured from the workbook's
//! records before calamine opens it.
//!
//! calamine reads every sheet of an xls as soon as the file is opened, each into a dense
//! grid (its `Range`) that spans from the sheet's first cell with a value to its last.
//! One stray cell at IV65536 in a sheet whose data fills A1:F200 makes that grid 16.7
//! million cells, half a gigabyte, and as much again when the sheet is copied out. So
//! the workbook stream (which calamine loads whole anyway) is walked here record by
//! record, as calamine walks it: the cells it keeps (numbers, text, booleans and errors,
//! formulas; not the blank cells that only carry formatting) and the grids they span.
//! A workbook whose grids are out of proportion to its cells ([`sprawls`]) is refused
//! with the cell that stretches them, as is a sheet whose DIMENSIONS record claims more
//! than an xls sheet holds (calamine reserves room for that many cells up front, and a
//! failed allocation aborts the process).

use super::container::grouped;
use super::number_to_string;
use super::sprawl::{Tally, sprawls};

/// The most cells an xls sheet holds: 65,536 rows by 256 columns.
const SHEET_CELLS: u64 = 65_536 * 256;

/// The rows and columns a cell record can name (16 bits each).
const POSITIONS: usize = 1 << 16;

/// Why the workbook is not read: the message, after the file's name.
pub type Refusal = String;

/// Walks the workbook stream of an xls and refuses it when calamine's grids would be out
/// of proportion to its cells, or when a DIMENSIONS record claims more than a sheet holds.
pub fn check(stream: &[u8]) -> Result<(), Refusal> {
    let globals = globals(stream);
    let mut total = Counts::default();
    let mut largest: Option<(u64, Scan)> = None;
    let mut scan = Scan::new();
    for (name, at) in &globals.sheets {
        scan.reset(name);
        let read = scan.sheet(stream, *at, globals.strings.as_ref().map_or(0, Sst::len));
        // calamine reserves what a DIMENSIONS record claims as it comes to it, even in a
        // sheet it then stops reading.
        if let Some((rows, columns)) = scan
            .claimed
            .filter(|(r, c)| r.saturating_mul(*c) > SHEET_CELLS)
        {
            return Err(format!(
                "sheet '{name}' is damaged: its DIMENSIONS record claims {} rows by {} columns, more than an xls sheet holds (65,536 rows by 256 columns); open the file in Excel and save it again, or save the sheet as CSV, and convert again",
                grouped(rows),
                grouped(columns)
            ));
        }
        if !read {
            // calamine stops at an unreadable record, before this sheet's grid.
            break;
        }
        let grid = scan.values.area() + scan.formulas.area();
        total.grid += grid;
        total.stored += scan.tally.stored;
        if largest.as_ref().is_none_or(|(g, _)| grid > *g) {
            largest = Some((grid, std::mem::replace(&mut scan, Scan::new())));
        }
    }
    if !sprawls(total.grid, total.stored) {
        return Ok(());
    }
    let Some((grid, mut sheet)) = largest else {
        return Ok(());
    };
    let name = sheet.name.clone();
    Err(sheet.tally.refusal(&name, "xls", grid, |&(record, col)| {
        value(stream, record, col, &globals)
    }))
}

#[derive(Default)]
struct Counts {
    grid: u64,
    stored: u64,
}

/// What the workbook's globals say: its sheets, where they start, its shared strings.
struct Globals<'a> {
    sheets: Vec<(String, usize)>,
    strings: Option<Sst<'a>>,
    biff8: bool,
}

/// The records of a stream from `at`: type, body, offset; `None` at the end, `Some(Err)`
/// where a record is cut short (calamine stops there with an error).
fn record<'a>(stream: &'a [u8], at: &mut usize) -> Option<Result<(u16, &'a [u8]), ()>> {
    let rest = stream.get(*at..)?;
    if rest.is_empty() {
        return None;
    }
    if rest.len() < 4 {
        return Some(Err(()));
    }
    let typ = u16::from_le_bytes([rest[0], rest[1]]);
    let len = usize::from(u16::from_le_bytes([rest[2], rest[3]]));
    let Some(body) = rest.get(4..4 + len) else {
        return Some(Err(()));
    };
    *at += 4 + len;
    Some(Ok((typ, body)))
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// The globals substream, up to its EOF record: BOUNDSHEET (0x0085), SST (0x00FC) with
/// its CONTINUE records (0x003C), BOF (0x0809) for the version.
fn globals(stream: &[u8]) -> Globals<'_> {
    let mut globals = Globals {
        sheets: Vec::new(),
        strings: None,
        biff8: true,
    };
    let mut at = 0;
    while let Some(Ok((typ, body))) = record(stream, &mut at) {
        match typ {
            0x0809 => globals.biff8 = u16_at(body, 0).is_none_or(|v| v == 0x0600),
            0x0085 if body.len() >= 8 => {
                let Some(pos) = u32_at(body, 0) else { continue };
                let name = short_string(&body[6..], globals.biff8);
                globals.sheets.push((name, pos as usize));
            }
            0x00FC if body.len() >= 8 => {
                let mut parts = vec![&body[8..]];
                let mut next = at;
                while let Some(Ok((0x003C, more))) = record(stream, &mut next) {
                    parts.push(more);
                    at = next;
                }
                globals.strings = Some(Sst::new(parts));
            }
            0x000A => break,
            _ => (),
        }
    }
    globals
}

/// A BOUNDSHEET's name: a length byte, in BIFF8 a flags byte, then the characters.
fn short_string(bytes: &[u8], biff8: bool) -> String {
    let Some(&count) = bytes.first() else {
        return String::new();
    };
    let count = usize::from(count);
    if !biff8 {
        return bytes
            .iter()
            .skip(1)
            .take(count)
            .map(|b| char::from(*b))
            .collect();
    }
    let wide = bytes.get(1).is_some_and(|f| f & 1 == 1);
    decode(bytes.get(2..).unwrap_or_default(), count, wide).replace('\0', "")
}

/// `count` characters of BIFF8 text: UTF-16 when `wide`, else one byte each (Latin-1).
fn decode(bytes: &[u8], count: usize, wide: bool) -> String {
    if wide {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .take(count)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        bytes.iter().take(count).map(|b| char::from(*b)).collect()
    }
}

/// The shared strings table: the SST record's strings, over its CONTINUE records.
struct Sst<'a> {
    parts: Vec<&'a [u8]>,
    len: usize,
}

impl<'a> Sst<'a> {
    fn new(parts: Vec<&'a [u8]>) -> Self {
        let mut sst = Sst { parts, len: 0 };
        let mut reader = Pieces::new(&sst.parts);
        while reader.string().is_some() {
            sst.len += 1;
        }
        sst
    }

    /// How many strings calamine reads from it.
    fn len(&self) -> usize {
        self.len
    }

    fn get(&self, index: usize) -> Option<String> {
        let mut reader = Pieces::new(&self.parts);
        for _ in 0..index {
            reader.string()?;
        }
        reader.string()
    }
}

/// A reader over a record's body and its CONTINUE records.
struct Pieces<'p, 'a> {
    parts: &'p [&'a [u8]],
    part: usize,
    at: usize,
}

impl<'p, 'a> Pieces<'p, 'a> {
    fn new(parts: &'p [&'a [u8]]) -> Self {
        Pieces {
            parts,
            part: 0,
            at: 0,
        }
    }

    /// Moves to the next part when this one is read; false at the end.
    fn more(&mut self) -> bool {
        while self.at >= self.parts.get(self.part).map_or(0, |p| p.len()) {
            if self.part + 1 >= self.parts.len() {
                return false;
            }
            self.part += 1;
            self.at = 0;
        }
        true
    }

    fn byte(&mut self) -> Option<u8> {
        if !self.more() {
            return None;
        }
        let b = self.parts[self.part][self.at];
        self.at += 1;
        Some(b)
    }

    fn bytes<const N: usize>(&mut self) -> Option<[u8; N]> {
        let mut out = [0; N];
        for b in &mut out {
            *b = self.byte()?;
        }
        Some(out)
    }

    /// One string of the table (`XLUnicodeRichExtendedString`): its characters may go on
    /// in the next CONTINUE record, which starts with a flags byte of its own.
    fn string(&mut self) -> Option<String> {
        if !self.more() {
            return None;
        }
        let count = u16::from_le_bytes(self.bytes()?);
        let flags = self.byte()?;
        let runs = if flags & 0x8 != 0 {
            usize::from(u16::from_le_bytes(self.bytes()?))
        } else {
            0
        };
        let extra = if flags & 0x4 != 0 {
            u32::from_le_bytes(self.bytes()?) as usize
        } else {
            0
        };
        let mut wide = flags & 1 == 1;
        let mut units = Vec::with_capacity(usize::from(count));
        while units.len() < usize::from(count) {
            if self.at >= self.parts[self.part].len() {
                if !self.more() {
                    return None;
                }
                wide = self.byte()? & 1 == 1;
                continue;
            }
            units.push(if wide {
                u16::from_le_bytes(self.bytes()?)
            } else {
                u16::from(self.byte()?)
            });
        }
        for _ in 0..runs * 4 + extra {
            self.byte()?;
        }
        Some(String::from_utf16_lossy(&units))
    }
}

/// The rectangle cells span, and how many there are.
#[derive(Default, Clone, Copy)]
struct Extent {
    first: Option<(u32, u32)>,
    last: (u32, u32),
    cells: u64,
}

impl Extent {
    fn add(&mut self, row: u32, col: u32) {
        let (r, c) = self.first.unwrap_or((row, col));
        self.first = Some((r.min(row), c.min(col)));
        self.last = (self.last.0.max(row), self.last.1.max(col));
        self.cells += 1;
    }

    /// The cells of the grid that spans them.
    fn area(&self) -> u64 {
        self.first.map_or(0, |(r, c)| {
            u64::from(self.last.0 - r + 1) * u64::from(self.last.1 - c + 1)
        })
    }
}

/// One sheet, walked.
struct Scan {
    name: String,
    /// The cells of calamine's two grids: values, formulas.
    values: Extent,
    formulas: Extent,
    /// The rows and columns the largest DIMENSIONS record claims, as calamine counts them.
    claimed: Option<(u64, u64)>,
    /// The cells with a value or formula, each with its record and column.
    tally: Tally<(usize, u16)>,
}

impl Scan {
    fn new() -> Self {
        Scan {
            name: String::new(),
            values: Extent::default(),
            formulas: Extent::default(),
            claimed: None,
            tally: Tally::new(POSITIONS, POSITIONS),
        }
    }

    fn reset(&mut self, name: &str) {
        name.clone_into(&mut self.name);
        self.values = Extent::default();
        self.formulas = Extent::default();
        self.claimed = None;
        self.tally.clear();
    }

    /// A cell calamine keeps, in the record at `record`.
    fn cell(&mut self, row: u16, col: u16, record: usize, formula: bool) {
        let (r, c) = (u32::from(row), u32::from(col));
        if formula {
            self.formulas.add(r, c);
        } else {
            self.values.add(r, c);
        }
        self.tally.add(((r, c), (r, c)), &(record, col));
    }

    /// Walks the sheet's records from `at` as calamine does; false where calamine would
    /// stop with an error before making the sheet's grid.
    fn sheet(&mut self, stream: &[u8], at: usize, strings: usize) -> bool {
        if at > stream.len() {
            return false;
        }
        let mut at = at;
        let mut seen_bof = false;
        let mut depth = 0usize;
        // Where the last formula was: a STRING record (its text value) goes there.
        let mut formula_at = None;
        loop {
            let start = at;
            let (typ, body) = match record(stream, &mut at) {
                None => return true,
                Some(Err(())) => return false,
                Some(Ok(r)) => r,
            };
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => (),
                }
                continue;
            }
            let position = || Some((u16_at(body, 0)?, u16_at(body, 2)?));
            let needs = |len: usize| body.len() >= len;
            match typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x000A => return true,
                // DIMENSIONS: calamine reserves rows x columns cells.
                0x0200 => match claimed(body) {
                    Some(claim) => {
                        let cells = |(r, c): (u64, u64)| r.saturating_mul(c);
                        if self.claimed.is_none_or(|old| cells(claim) > cells(old)) {
                            self.claimed = Some(claim);
                        }
                    }
                    None => return false,
                },
                // NUMBER, LABEL, RSTRING, BOOLERR, RK, LABELSST.
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD => {
                    let least = match typ {
                        0x0203 => 14,
                        0x0205 => 8,
                        0x027E | 0x00FD => 10,
                        _ => 6,
                    };
                    let Some((row, col)) = position().filter(|_| needs(least)) else {
                        return false;
                    };
                    if typ == 0x0205 && body[7] > 1 {
                        return false;
                    }
                    if typ == 0x00FD && u32_at(body, 6).is_none_or(|i| i as usize >= strings) {
                        continue;
                    }
                    self.cell(row, col, start, false);
                }
                // MULRK: one row, columns first to last, 6 bytes each.
                0x00BD => {
                    let (Some((row, first)), Some(last)) =
                        (position(), u16_at(body, body.len().saturating_sub(2)))
                    else {
                        return false;
                    };
                    let count = usize::from(last.wrapping_sub(first).wrapping_add(1));
                    if !needs(6) || body.len() != 6 + 6 * count {
                        return false;
                    }
                    for i in 0..(body.len() - 6) / 6 {
                        let Ok(i) = u16::try_from(i) else { break };
                        self.cell(row, first.wrapping_add(i), start, false);
                    }
                }
                // FORMULA: in the formula grid always; its value where it is not text.
                0x0006 => {
                    let Some((row, col)) = position().filter(|_| needs(20)) else {
                        return false;
                    };
                    formula_at = Some((row, col));
                    self.cell(row, col, start, true);
                    match (body[6], body[12..14] == [0xFF, 0xFF]) {
                        // Text: its value is in the STRING record that follows.
                        (0, true) => (),
                        (1..=3, true) | (_, false) => {
                            self.values.add(u32::from(row), u32::from(col));
                        }
                        _ => return false,
                    }
                }
                // STRING: the text value of the formula before it (A1 when none was).
                0x0207 => match formula_at {
                    Some((row, col)) => self.values.add(u32::from(row), u32::from(col)),
                    None => self.cell(0, 0, start, false),
                },
                _ => (),
            }
        }
    }
}

/// The rows and columns a DIMENSIONS record claims, as calamine reckons them to reserve
/// room (its 32-bit arithmetic wrapping as in a release build); `None` when calamine
/// rejects the record.
fn claimed(body: &[u8]) -> Option<(u64, u64)> {
    let (first_row, last_row, first_col, last_col) = match body.len() {
        10 => (
            u32::from(u16_at(body, 0)?),
            u32::from(u16_at(body, 2)?),
            u32::from(u16_at(body, 4)?),
            u32::from(u16_at(body, 6)?),
        ),
        14 | 16 => (
            u32_at(body, 0)?,
            u32_at(body, 4)?,
            u32::from(u16_at(body, 8)?),
            u32::from(u16_at(body, 10)?),
        ),
        _ => return None,
    };
    let first_col = if first_col > 0xFF || last_col < first_col {
        0
    } else {
        first_col
    };
    if last_row >= 1 && last_col >= 1 {
        let rows = (last_row - 1).wrapping_sub(first_row).wrapping_add(1);
        let cols = (last_col - 1).wrapping_sub(first_col).wrapping_add(1);
        Some((u64::from(rows), u64::from(cols)))
    } else {
        Some((1, 1))
    }
}

/// The value of the cell in column `col` of the record at `record`, for the message:
/// numbers, booleans, errors and text (BIFF8); `None` for a formula or what cannot be
/// read.
fn value(stream: &[u8], record: usize, col: u16, globals: &Globals<'_>) -> Option<String> {
    let mut at = record;
    let (typ, body) = self::record(stream, &mut at)?.ok()?;
    let text = match typ {
        0x0203 => number_to_string(f64::from_le_bytes(body.get(6..14)?.try_into().ok()?)),
        0x027E => rk(u32_at(body, 6)?),
        0x00BD => {
            let first = u16_at(body, 2)?;
            let i = usize::from(col.wrapping_sub(first));
            rk(u32_at(body, 4 + 6 * i + 2)?)
        }
        0x0205 => match (body[6], body[7]) {
            (0, 0) => "FALSE".to_string(),
            (_, 0) => "TRUE".to_string(),
            (code, _) => match code {
                0x00 => "#NULL!",
                0x07 => "#DIV/0!",
                0x0F => "#VALUE!",
                0x17 => "#REF!",
                0x1D => "#NAME?",
                0x24 => "#NUM!",
                0x2A => "#N/A",
                _ => "#GETTING_DATA",
            }
            .to_string(),
        },
        0x0204 | 0x00D6 if globals.biff8 => {
            let count = usize::from(u16_at(body, 6)?);
            decode(body.get(9..)?, count, *body.get(8)? & 1 == 1)
        }
        0x00FD => globals.strings.as_ref()?.get(u32_at(body, 6)? as usize)?,
        _ => return None,
    };
    Some(text)
}

/// An RK number: 30 bits of an integer or of a float's high bits, maybe divided by 100.
fn rk(rk: u32) -> String {
    let n = if rk & 2 == 0 {
        f64::from_bits(u64::from(rk & 0xFFFF_FFFC) << 32)
    } else {
        f64::from((rk.cast_signed()) >> 2)
    };
    number_to_string(if rk & 1 == 1 { n / 100.0 } else { n })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(typ: u16, body: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend(u16::try_from(body.len()).unwrap().to_le_bytes());
        out.extend(body);
        out
    }

    /// A workbook stream with one sheet named "S" holding `cells`.
    fn stream(globals: &[Vec<u8>], cells: &[Vec<u8>]) -> Vec<u8> {
        let bof = |kind: u8| record(0x0809, &[0, 6, kind, 0, 0, 0, 0, 0]);
        let extra: usize = globals.iter().map(Vec::len).sum();
        let sheet_at = u32::try_from(12 + 13 + extra + 4).unwrap();
        let mut s = bof(5);
        s.extend(record(
            0x0085,
            &[&sheet_at.to_le_bytes()[..], &[0, 0, 1, 0, b'S']].concat(),
        ));
        for g in globals {
            s.extend(g);
        }
        s.extend(record(0x000A, &[]));
        s.extend(bof(0x10));
        for c in cells {
            s.extend(c);
        }
        s.extend(record(0x000A, &[]));
        s
    }

    fn rk_cell(row: u16, col: u16, value: i32) -> Vec<u8> {
        let rk = (value << 2) | 2;
        record(
            0x027E,
            &[
                &row.to_le_bytes()[..],
                &col.to_le_bytes(),
                &[0, 0],
                &rk.to_le_bytes(),
            ]
            .concat(),
        )
    }

    fn sst_cell(row: u16, col: u16, index: u32) -> Vec<u8> {
        record(
            0x00FD,
            &[
                &row.to_le_bytes()[..],
                &col.to_le_bytes(),
                &[0, 0],
                &index.to_le_bytes(),
            ]
            .concat(),
        )
    }

    #[test]
    fn numbers_read_as_excel_shows_them() {
        assert_eq!(grouped(16_777_216), "16,777,216");
        assert_eq!(grouped(999), "999");
        assert_eq!(rk(((-7i32) << 2 | 2).cast_unsigned()), "-7");
        assert_eq!(rk((1234 << 2 | 3) as u32), "12.34");
    }

    #[test]
    fn a_grid_in_proportion_to_its_cells_is_read() {
        // Four cells at the corners of 2,000 x 200: 400,000 cells, under the floor.
        let cells = [
            rk_cell(0, 0, 1),
            rk_cell(0, 199, 2),
            rk_cell(1999, 0, 3),
            rk_cell(1999, 199, 4),
        ];
        assert_eq!(check(&stream(&[], &cells)), Ok(()));
        // 65,536 rows of five numbers and one cell further right: a grid of 40 columns
        // is eight times the cells stored, and read; one of 41 columns is refused.
        let rows: Vec<_> = (0..=65_535u16)
            .flat_map(|r| (0..5).map(move |c| rk_cell(r, c, 1)))
            .collect();
        let with = |col: u16| [&rows[..], &[rk_cell(0, col, 7)]].concat();
        assert_eq!(check(&stream(&[], &with(39))), Ok(()));
        assert_eq!(
            check(&stream(&[], &with(40))),
            Err("sheet 'S' has 327,681 cells with a value but spans A1:AO65536, which the xls reader lays out as 2,686,976 cells in memory: the cell at AO1 ('7') is far from the others, which fit in A1:E65536; delete the cell at AO1 (and anything else past the data) and save, or save the sheet as CSV, and convert again".to_string())
        );
    }

    #[test]
    fn a_stray_cell_is_named_with_its_value() {
        // Shared strings over a CONTINUE record: "Name", then "stray" split after "st",
        // the rest in two-byte characters.
        let mut sst = vec![2, 0, 0, 0, 2, 0, 0, 0];
        sst.extend([4, 0, 0]);
        sst.extend(b"Name");
        sst.extend([5, 0, 0]);
        sst.extend(b"st");
        let continued = [&[1u8][..], &[b'r', 0, b'a', 0, b'y', 0]].concat();
        let globals = [record(0x00FC, &sst), record(0x003C, &continued)];
        let cells = [
            sst_cell(0, 0, 0),
            rk_cell(1, 0, 5),
            sst_cell(65_535, 255, 1),
            sst_cell(70, 70, 9),
        ];
        let refusal = check(&stream(&globals, &cells)).unwrap_err();
        assert_eq!(
            refusal,
            "sheet 'S' has 3 cells with a value but spans A1:IV65536, which the xls reader lays out as 16,777,216 cells in memory: the cell at IV65536 ('stray') is far from the others, which fit in A1:A2; delete the cell at IV65536 (and anything else past the data) and save, or save the sheet as CSV, and convert again"
        );
    }

    #[test]
    fn blank_cells_are_not_counted() {
        // BLANK and MULBLANK carry formatting only: calamine drops them.
        let blank = record(0x0201, &[0xFF, 0xFF, 0xFF, 0, 0, 0]);
        let cells = [rk_cell(0, 0, 1), blank];
        assert_eq!(check(&stream(&[], &cells)), Ok(()));
    }
}
