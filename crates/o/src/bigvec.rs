//! Allocation of large uniform vectors.
//!
//! A vector of millions of elements is a fresh `mmap` from the allocator
//! each time (glibc maps anything above its threshold, at most 32 MiB,
//! directly), so writing it faults in one 4 KiB page at a time: for
//! `!10000000` (80 MB) that is some 20,000 page faults, more time than
//! computing the values. On Linux, [`with_capacity`] asks for transparent
//! huge pages on such a buffer before anything is written to it
//! (`madvise(MADV_HUGEPAGE)`, what NumPy does for its arrays of 4 MiB and
//! more), so it faults in 2 MiB at a time. The advice changes how the
//! memory is backed, never its contents; where huge pages are unavailable
//! the call fails and the vector is simply backed by small pages.
//!
//! Measured on the benchmark VM (thread on-CPU time, fault time included,
//! 4 runs each side by side): `{x+y}/1+!10000000` 70-83 ms with small
//! pages, 22-26 ms with huge pages; building `x` and `y` of 10M floats and
//! `x*y` 432-499 ms against 225-235 ms. One run in four with huge pages was
//! slower instead (309 ms, 714-753 ms): that VM reports free 2 MiB blocks
//! to its host (virtio-balloon free page reporting), and a huge page the
//! host has taken back costs host faults when it is first written.
//!
//! ```
//! let v: Vec<i64> = enso_o::bigvec::with_capacity(10);
//! assert!(v.capacity() >= 10 && v.is_empty());
//! let w = enso_o::bigvec::collect([1, 2, 3].iter().map(|x| x * 2));
//! assert_eq!(w, [2, 4, 6]);
//! ```

/// Buffers from this many bytes up get the huge-page advice.
pub const HUGE_FROM: usize = 4 << 20;

/// An empty vector with room for `n` elements, backed by huge pages when
/// it is large and the system allows (see the module doc).
pub fn with_capacity<T>(n: usize) -> Vec<T> {
    let v: Vec<T> = Vec::with_capacity(n);
    advise_huge(v.as_ptr().cast(), v.capacity() * size_of::<T>());
    v
}

/// The items of `it` in a vector allocated by [`with_capacity`].
pub fn collect<T>(it: impl ExactSizeIterator<Item = T>) -> Vec<T> {
    let mut v = with_capacity(it.len());
    v.extend(it);
    v
}

/// Advises huge pages for the whole pages inside `[start, start + bytes)`.
#[cfg(target_os = "linux")]
fn advise_huge(start: *const u8, bytes: usize) {
    const PAGE: usize = 4096;
    if bytes < HUGE_FROM {
        return;
    }
    let first = (start as usize).next_multiple_of(PAGE);
    let end = (start as usize + bytes) & !(PAGE - 1);
    if end > first {
        // SAFETY: `[first, end)` lies inside the allocation just made for
        // the vector (whole pages rounded inwards), which owns it. The
        // advice only changes how the kernel backs those pages, not their
        // contents or mapping, so no Rust invariant depends on it; an error
        // (no THP, or a page size other than 4 KiB) leaves the memory as it
        // was and is ignored on purpose.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge(_start: *const u8, _bytes: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_vectors_hold_what_is_written() {
        for n in [0, 1, 1000, HUGE_FROM / 8 + 123] {
            let mut v: Vec<i64> = with_capacity(n);
            assert!(v.capacity() >= n);
            v.extend(0..n as i64);
            assert_eq!(v.len(), n);
            assert_eq!(v.iter().sum::<i64>(), (n as i64) * (n as i64 - 1) / 2);
        }
    }
}
