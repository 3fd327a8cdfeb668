#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| kiva_drafts_fuzz::text_reader::run(data));
