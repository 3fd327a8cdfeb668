//! Panics, said the way every other error is: a bug in kiva-drafts (or in a crate it
//! uses) must not print Rust's debug message, and must not take a whole batch with it.
//!
//! - [`install`] (called by `main`) replaces Rust's panic message with one line on
//!   stderr that says it is an internal error, where, and what to report. The process
//!   then exits with [`EXIT`] (Rust's code for a panic, documented in the README).
//! - [`caught`] runs one unit of work (one loan, one draft file, one workbook read) and
//!   turns a panic inside it into an `Err` with the panic's message, printing nothing:
//!   the caller reports it against that unit (its file, row, loan) and goes on with the
//!   others.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, PanicHookInfo, catch_unwind};

/// The exit code of a run that stopped on an internal error (Rust's for a panic).
pub const EXIT: i32 = 101;

thread_local! {
    /// How many [`caught`] calls this thread is inside: their panics are not printed.
    static CATCHING: Cell<usize> = const { Cell::new(0) };
}

/// Replaces the panic message with kiva-drafts' own (see the module docs).
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        if CATCHING.with(Cell::get) == 0 {
            eprintln!("{}", report(info));
        }
    }));
}

/// The line printed for a panic nobody catches.
fn report(info: &PanicHookInfo<'_>) -> String {
    let place = info
        .location()
        .map(|l| format!(" (at {}:{})", l.file(), l.line()))
        .unwrap_or_default();
    internal_error(&message(info.payload()), &place)
}

fn internal_error(message: &str, place: &str) -> String {
    format!(
        "kiva-drafts: internal error: {message}{place}. This is a bug in kiva-drafts, not a problem with your files: please report it with the command you ran (and, if you can, the input)."
    )
}

/// Runs `work`; a panic inside it becomes `Err` with the panic's message, and is not
/// printed. Use it around a unit of work that touches nothing shared, so that the
/// others can go on after it failed.
pub fn caught<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    struct Inside;
    impl Drop for Inside {
        fn drop(&mut self) {
            CATCHING.with(|c| c.set(c.get() - 1));
        }
    }
    CATCHING.with(|c| c.set(c.get() + 1));
    let _inside = Inside;
    catch_unwind(AssertUnwindSafe(work)).map_err(|payload| message(payload.as_ref()))
}

/// A panic's message: its text when it has one (as `panic!` and failed assertions do).
fn message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}

/// The message a unit of work that panicked is reported with.
pub fn failed(message: &str) -> String {
    format!(
        "internal error in kiva-drafts: {message} (a bug, not a problem with this input: please report it)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_becomes_its_message_and_the_thread_goes_on() {
        assert_eq!(caught(|| 7), Ok(7));
        let index = 9;
        let out_of_bounds = caught(|| [1, 2, 3][std::hint::black_box(index)]);
        assert_eq!(
            out_of_bounds,
            Err("index out of bounds: the len is 3 but the index is 9".to_string())
        );
        assert_eq!(
            caught(|| -> u8 { panic!("static text") }),
            Err("static text".to_string())
        );
        let payload = 5_u8;
        assert_eq!(
            caught(|| std::panic::panic_any(payload)),
            Err("a panic without a message".to_string())
        );
        // Nested: the inner one is caught; the outer goes on.
        let nested = caught(|| caught(|| -> u8 { panic!("inner") }));
        assert_eq!(nested, Ok(Err("inner".to_string())));
        assert_eq!(CATCHING.with(Cell::get), 0);
    }

    #[test]
    fn the_report_says_it_is_a_bug_and_where() {
        let line = internal_error("index out of bounds", " (at src/group/build.rs:80)");
        assert!(line.starts_with(
            "kiva-drafts: internal error: index out of bounds (at src/group/build.rs:80). This is a bug"
        ));
        assert!(!line.contains('\n'));
    }
}
