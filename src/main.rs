//! The `kiva-drafts` binary: everything happens in the library.

fn main() {
    std::process::exit(kiva_drafts::run(std::env::args_os()));
}
