//! Sheets that sprawl: a few cells spread over a grid far larger than they need.
//!
//! calamine reads the sheets of an xls or ods into dense grids that span from a sheet's
//! first cell with a value to its last, so one stray cell far from the data costs
//! memory for every cell between. [`super::biff`] (xls) and [`super::ods`] measure the
//! grids before calamine opens the file and [`Tally`] the cells; a workbook whose grids
//! are out of proportion to its cells ([`sprawls`]) is refused with the cell that
//! stretches them and where the rest of the data lies.

use super::container::grouped;

/// Grids of up to this many cells in all (65,536 rows by 32 columns; 64 MB as calamine's
/// cells, of 32 bytes each) are read whatever they hold.
pub const GRID_FLOOR: u64 = 1 << 21;

/// Above [`GRID_FLOOR`], the grids may span at most this many times the cells stored.
/// A sheet as exported is filled: a header and rows with a value in most columns, so
/// its grid is one to three times its cells. A stray cell far from the data makes it
/// hundreds or millions of times. Between the two, the memory stays in proportion to
/// the file, as every stored cell takes some bytes of it.
pub const GRID_RATIO: u64 = 8;

/// Whether grids of `grid` cells for `stored` cells are out of proportion.
pub fn sprawls(grid: u64, stored: u64) -> bool {
    grid > GRID_FLOOR && grid > GRID_RATIO.saturating_mul(stored)
}

/// A rectangle of cells: top left and bottom right, (row, column) from 0.
pub type Rect = ((u32, u32), (u32, u32));

/// The cells of a rectangle.
pub fn area(((top, left), (bottom, right)): Rect) -> u64 {
    u64::from(bottom.saturating_sub(top) + 1) * u64::from(right.saturating_sub(left) + 1)
}

/// A cell as Excel names it: `IV65536` (row and column from 0).
pub fn reference(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(col) + 1;
    while n > 0 {
        let digit = u8::try_from((n - 1) % 26).unwrap_or(0);
        letters.push(char::from(b'A' + digit));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(u64::from(row) + 1).to_string()
}

/// The cells with a value of one sheet: how many, where, and the first ones seen at its
/// top, bottom, left and right edges, each with `T` to find its value again.
pub struct Tally<T> {
    /// Cells per row and per column, as differences from the row or column before (a
    /// block of a million repeated rows is counted in two places, not a million); as
    /// long as the farthest row and column seen.
    rows: Vec<i64>,
    cols: Vec<i64>,
    /// The most rows and columns a sheet has.
    limits: (usize, usize),
    span: Option<Rect>,
    edges: [Option<(Rect, T)>; 4],
    /// Cells stored: records or elements, as the file holds them.
    pub stored: u64,
}

impl<T: Clone> Tally<T> {
    /// A tally for sheets of up to `rows` by `cols` cells.
    pub fn new(rows: usize, cols: usize) -> Self {
        Tally {
            rows: Vec::new(),
            cols: Vec::new(),
            limits: (rows, cols),
            span: None,
            edges: [None, None, None, None],
            stored: 0,
        }
    }

    /// Empties the tally for the next sheet.
    pub fn clear(&mut self) {
        if let Some(((top, left), (bottom, right))) = self.span {
            self.rows[top as usize..=bottom as usize + 1].fill(0);
            self.cols[left as usize..=right as usize + 1].fill(0);
        }
        self.span = None;
        self.edges = [None, None, None, None];
        self.stored = 0;
    }

    /// The rectangle the cells span.
    pub fn span(&self) -> Option<Rect> {
        self.span
    }

    /// A block of cells with a value (one cell, or a repeated one), stored once.
    pub fn add(&mut self, block: Rect, origin: &T) {
        let ((top, left), (bottom, right)) = block;
        if bottom as usize >= self.limits.0
            || right as usize >= self.limits.1
            || top > bottom
            || left > right
        {
            return;
        }
        let grow = |counts: &mut Vec<i64>, last: u32| {
            if counts.len() < last as usize + 2 {
                counts.resize(last as usize + 2, 0);
            }
        };
        grow(&mut self.rows, bottom);
        grow(&mut self.cols, right);
        self.stored += 1;
        self.count(block, 1);
        let Some(((t, l), (b, r))) = self.span else {
            self.span = Some(block);
            self.edges = std::array::from_fn(|_| Some((block, origin.clone())));
            return;
        };
        for (i, beyond) in [top < t, bottom > b, left < l, right > r]
            .into_iter()
            .enumerate()
        {
            if beyond {
                self.edges[i] = Some((block, origin.clone()));
            }
        }
        self.span = Some(((t.min(top), l.min(left)), (b.max(bottom), r.max(right))));
    }

    /// Counts a block's cells in (`sign` 1) or out of (-1) the rows and columns.
    fn count(&mut self, ((top, left), (bottom, right)): Rect, sign: i64) {
        let width = i64::from(right - left + 1) * sign;
        let height = i64::from(bottom - top + 1) * sign;
        self.rows[top as usize] += width;
        self.rows[bottom as usize + 1] -= width;
        self.cols[left as usize] += height;
        self.cols[right as usize + 1] -= height;
    }

    /// The rectangle the cells span without `block`.
    fn span_without(&mut self, block: Rect) -> Option<Rect> {
        self.count(block, -1);
        let filled = |deltas: &[i64]| {
            let mut count = 0;
            let mut first = None;
            let mut last = None;
            for (i, d) in deltas.iter().enumerate() {
                count += d;
                if count > 0 {
                    first.get_or_insert(i);
                    last = Some(i);
                }
            }
            Some((u32::try_from(first?).ok()?, u32::try_from(last?).ok()?))
        };
        let rest = filled(&self.rows)
            .zip(filled(&self.cols))
            .map(|((top, bottom), (left, right))| ((top, left), (bottom, right)));
        self.count(block, 1);
        rest
    }

    /// Why the sheet `sheet` is refused, its grids having `grid` cells as `reader` lays
    /// them out: the cell at the edge whose removal shrinks the span most (the stray
    /// one), its value as `value` finds it, and where the others lie.
    pub fn refusal(
        &mut self,
        sheet: &str,
        reader: &str,
        grid: u64,
        value: impl Fn(&T) -> Option<String>,
    ) -> String {
        let Some((top_left, bottom_right)) = self.span else {
            return format!(
                "sheet '{sheet}' would take {} cells in memory",
                grouped(grid)
            );
        };
        let mut best: Option<(u64, Rect, T, Option<Rect>)> = None;
        for (block, origin) in self.edges.clone().into_iter().flatten() {
            let rest = self.span_without(block);
            let size = rest.map_or(0, area);
            if best.as_ref().is_none_or(|(s, ..)| size < *s) {
                best = Some((size, block, origin, rest));
            }
        }
        let cells = |n: u64| format!("{} cell{}", grouped(n), if n == 1 { "" } else { "s" });
        let mut message = format!(
            "sheet '{sheet}' has {} with a value but spans {}:{}, which the {reader} reader lays out as {} in memory",
            cells(self.stored),
            reference(top_left.0, top_left.1),
            reference(bottom_right.0, bottom_right.1),
            cells(grid)
        );
        let Some((_, (start, end), origin, rest)) = best else {
            return message;
        };
        // A repeated cell is named by its last place, the farthest.
        let far = if end.0 > bottom_right.0 / 2 || end.1 > bottom_right.1 / 2 {
            end
        } else {
            start
        };
        let at = reference(far.0, far.1);
        let value = value(&origin)
            .map(|v| format!(" ('{}')", shortened(&v)))
            .unwrap_or_default();
        message += &format!(": the cell at {at}{value} is far from the others");
        if let Some((first, last)) = rest {
            message += &format!(
                ", which fit in {}:{}",
                reference(first.0, first.1),
                reference(last.0, last.1)
            );
        }
        message += &format!(
            "; delete the cell at {at} (and anything else past the data) and save, or save the sheet as CSV, and convert again"
        );
        message
    }
}

/// A value for a message: 40 characters at most, without control characters.
fn shortened(text: &str) -> String {
    let mut short: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(40)
        .collect();
    if text.chars().count() > 40 {
        short.push('…');
    }
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_as_in_excel() {
        assert_eq!(reference(0, 0), "A1");
        assert_eq!(reference(65_535, 255), "IV65536");
        assert_eq!(reference(9, 26), "AA10");
        assert_eq!(reference(1_048_575, 16_383), "XFD1048576");
    }

    #[test]
    fn the_stray_cell_is_the_one_whose_removal_shrinks_the_span_most() {
        let mut tally = Tally::new(100, 100);
        for r in 0..10 {
            for c in 0..5 {
                tally.add(((r, c), (r, c)), &format!("{r},{c}"));
            }
        }
        tally.add(((99, 99), (99, 99)), &"far".to_string());
        let message = tally.refusal("S", "test", 10_000, |v| Some(v.clone()));
        assert_eq!(
            message,
            "sheet 'S' has 51 cells with a value but spans A1:CV100, which the test reader lays out as 10,000 cells in memory: the cell at CV100 ('far') is far from the others, which fit in A1:E10; delete the cell at CV100 (and anything else past the data) and save, or save the sheet as CSV, and convert again"
        );
        assert!(!sprawls(GRID_FLOOR, 1));
        assert!(sprawls(GRID_FLOOR + 1, 1));
        assert!(!sprawls(GRID_FLOOR * 8, GRID_FLOOR));
    }
}
