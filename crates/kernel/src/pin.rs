//! Pinning a thread to a CPU, and the timer slack of reactor threads.

/// Pins the calling thread to `cpu`; `false` if the OS refused.
pub(crate) fn pin_to(cpu: usize) -> bool {
    core_affinity::set_for_current(core_affinity::CoreId { id: cpu })
}

/// Sets the calling thread's timer slack to 1 ns, so timed sleeps end when
/// asked instead of up to 50 us later (the Linux default slack).
pub(crate) fn tight_timer_slack() {
    // SAFETY: PR_SET_TIMERSLACK takes one integer argument and only affects
    // the calling thread; the unused arguments are ignored by the kernel.
    unsafe {
        libc::prctl(
            libc::PR_SET_TIMERSLACK,
            1 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        );
    }
}

/// The calling thread's CPU affinity mask, to restore after the BSP loop
/// (the thread that calls `run` gets its own affinity back).
pub(crate) struct SavedAffinity(libc::cpu_set_t);

impl SavedAffinity {
    /// Saves the calling thread's mask; `None` if the OS refuses.
    pub(crate) fn save() -> Option<SavedAffinity> {
        // SAFETY: cpu_set_t is plain data; all-zero is a valid (empty) set.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: pid 0 is the calling thread; the pointer and size describe
        // `set`, which lives for the call.
        let r =
            unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
        (r == 0).then_some(SavedAffinity(set))
    }

    /// Puts the saved mask back on the calling thread.
    pub(crate) fn restore(&self) {
        // SAFETY: pid 0 is the calling thread; the pointer and size describe
        // a valid cpu_set_t owned by `self`.
        unsafe {
            libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &self.0);
        }
    }
}
