//! The process's allocator, set so that an import's memory bound holds for the resident size
//! an operator sees, not only for the heap the import asks for.

/// Blocks of 4 MiB (`MAPPED_FROM`) or more are mapped for their own and given back to the
/// system when freed.
///
/// Why: glibc raises its mapping threshold to the size of the largest mapped block freed (up
/// to 32 MiB), so that after the first few an import's block-sized buffers (a block of the
/// file, a piece's records, a part's encoded columns) come from the heap instead, and stay
/// there as free space once freed, in the arena of each thread that used them. A 30 M-row
/// import under the 300 MB bound peaked at 276–360 MB resident that way, and at 207 MB with
/// the threshold fixed, at the same speed (`bench/README.md`). Call it once at the start of a
/// process that imports, as the `kaifang` binary does; it does nothing on other allocators.
pub fn bound_resident_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` sets one of glibc's tunables under the allocator's own lock; any
    // value is valid for this one, and blocks allocated before keep working as they were.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MAPPED_FROM as libc::c_int);
    }
}

/// 4 MiB: large enough that the many small and middling blocks stay in the heap, where
/// reusing them is cheap; small enough to cover every buffer that scales with the bound.
const MAPPED_FROM: usize = 4 << 20;
