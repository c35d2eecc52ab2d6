//! The `bms-mcp` binary. Everything but the allocator lives in the library (`cli::main`).
//!
//! The allocator is mimalloc: against glibc's malloc it took 10–14 % off the server's CPU
//! time per proxied call (BENCHMARKS.md, "The allocator"). Its one cost was idle memory,
//! which the arena setting below removes.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in mimalloc 3's `mimalloc.h` (the fifth `mi_option_t`);
/// `libmimalloc-sys` names no constant for it.
#[cfg(target_os = "linux")]
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// Commits mimalloc's arenas as they are used, not all at once. mimalloc reads the option
/// when it reserves its first arena, on the first allocation, so setting it in `main` is too
/// late (Rust's runtime has allocated by then). Eager commit, mimalloc's default on Linux,
/// made a fresh `serve` 15 MiB bigger; lazily it costs 2.6 MiB at idle and nothing under load.
#[cfg(target_os = "linux")]
extern "C" fn commit_arenas_lazily() {
    // SAFETY: `mi_option_set` stores an integer in mimalloc's option table. This runs once,
    // from the loader's constructors, before `main` and before any other thread exists.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0) };
}

/// Runs `commit_arenas_lazily` from the ELF constructors, before `main`.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static COMMIT_ARENAS_LAZILY: extern "C" fn() = commit_arenas_lazily;

fn main() -> std::process::ExitCode {
    bms_mcp::cli::main()
}
