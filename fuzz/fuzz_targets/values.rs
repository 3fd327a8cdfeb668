#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kiva_drafts_fuzz::values::run(data));
