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
