//! The `kiva-drafts` binary: everything happens in the library.

/// mimalloc instead of the system allocator: `convert` allocates and frees many small
/// strings per input row on two threads, where glibc's allocator spent a fifth of the
/// time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    kiva_drafts::crash::install();
    std::process::exit(kiva_drafts::run(std::env::args_os()));
}
