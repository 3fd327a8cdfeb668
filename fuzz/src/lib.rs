//! The fuzz harnesses: what each fuzz target (`fuzz_targets/*.rs`) does with one input.
//!
//! They live here, not in the targets, so that `tests/fuzz_regressions.rs` compiles the
//! same files on stable (with `#[path]`) and replays every finding through the exact
//! path that found it. Beyond "no panic, no hang, no runaway memory", each harness
//! checks what the code promises on any input: a streamed table is the table read
//! whole, a date or number reads the same with a space around it, a typed draft is
//! checked as its JSON is, ... A broken promise is a panic, which libFuzzer reports.

pub mod checker;
pub mod scratch;
pub mod template;
pub mod text_reader;
pub mod values;
pub mod workbook;
