//! The one sync facade of the crate: every atomic, cell, `Arc` and wait
//! primitive the rings use comes from here, so `RUSTFLAGS="--cfg loom"`
//! swaps the whole crate onto loom's model-checked versions at once.
//!
//! [`UnsafeCell`] follows loom's closure API (`with`, `with_mut`) so that loom
//! can check every access to a slot; in the std build the closures inline to
//! a plain pointer access.
//!
//! [`Doorbell`] is the sleeping half of the `Park` wait strategy. Protocol
//! (Dekker style, both sides use `SeqCst` so one of them must see the other):
//! a sleeper increments `sleepers`, fences, takes the lock, re-checks its
//! condition and only then waits; a notifier publishes its change, fences,
//! and if `sleepers` is non-zero takes the lock and wakes everyone. The lock
//! closes the window between the sleeper's re-check and its wait. A timeout
//! bounds the sleep in any case. Under loom the same code runs on loom's
//! mutex and condition variable, whose timed wait never times out, so a lost
//! wake-up shows up as a deadlock in the models.

#[cfg(not(loom))]
mod imp {
    pub(crate) use std::sync::Arc;
    pub(crate) use std::sync::atomic::{AtomicUsize, Ordering, fence};
    pub(crate) use std::sync::{Condvar, Mutex};
    pub(crate) use std::thread::yield_now;

    /// Spins, then yields, before a `Park` waiter sleeps.
    pub(crate) const PARK_AFTER: (u32, u32) = (64, 256);

    /// A cell whose accesses go through closures (loom-compatible API).
    #[derive(Debug)]
    pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    impl<T> UnsafeCell<T> {
        /// Wraps `value`.
        pub(crate) const fn new(value: T) -> Self {
            Self(std::cell::UnsafeCell::new(value))
        }

        /// Runs `f` with a shared pointer to the contents.
        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Runs `f` with a mutable pointer to the contents.
        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }

    /// One step of busy waiting.
    #[inline(always)]
    pub(crate) fn spin_loop() {
        std::hint::spin_loop();
    }

    /// A cell shared under a seqlock: written by one writer with a volatile
    /// copy, read by racing readers with a volatile copy that they validate
    /// before use (see `broadcast::lossy`). Deliberately outside loom's tracking
    /// in both builds: loom would rightly call these copies a race; the
    /// protocol discards every copy that overlapped a write.
    #[derive(Debug)]
    pub(crate) struct RacyCell<T>(std::cell::UnsafeCell<T>);

    // SAFETY: the value is `Copy` data moved only through validated copies.
    unsafe impl<T: Send> Sync for RacyCell<T> {}

    impl<T: Copy> RacyCell<T> {
        /// Wraps `value`.
        pub(crate) const fn new(value: T) -> Self {
            Self(std::cell::UnsafeCell::new(value))
        }

        /// Copies the value out; the copy may be torn.
        ///
        /// # Safety
        /// The caller validates the copy (seqlock) before treating it as a `T`
        /// that was ever written, and only uses `T: Copy` types with no invalid
        /// bit patterns reachable from torn halves of valid values it discards.
        #[inline(always)]
        pub(crate) unsafe fn read(&self) -> T {
            // SAFETY: the pointer is valid and aligned; a racing write may tear
            // the copy, which the caller discards (caller's contract).
            unsafe { std::ptr::read_volatile(self.0.get()) }
        }

        /// Copies `value` in.
        ///
        /// # Safety
        /// Only one writer at a time (the single publisher).
        #[inline(always)]
        pub(crate) unsafe fn write(&self, value: T) {
            // SAFETY: valid, aligned, single writer (caller's contract).
            unsafe { std::ptr::write_volatile(self.0.get(), value) }
        }
    }
}

#[cfg(loom)]
mod imp {
    pub(crate) use loom::cell::UnsafeCell;
    pub(crate) use loom::sync::Arc;
    #[allow(unused_imports)]
    pub(crate) use loom::sync::atomic::{AtomicUsize, Ordering, fence};
    pub(crate) use loom::sync::{Condvar, Mutex};
    pub(crate) use loom::thread::yield_now;

    /// Under loom a `Park` waiter sleeps almost at once, so that the model
    /// checks the doorbell protocol (a lost wake-up is a loom deadlock:
    /// loom's `wait_timeout` never times out).
    pub(crate) const PARK_AFTER: (u32, u32) = (1, 2);

    /// Under loom a spin is a yield, so the model can schedule the other side.
    pub(crate) fn spin_loop() {
        loom::thread::yield_now();
    }

    /// Loom build of the seqlock cell: the value is copied byte by byte
    /// through loom atomics (`Relaxed`), so loom sees the data accesses and
    /// can check the seqlock's fences (with plain copies it could not).
    #[derive(Debug)]
    pub(crate) struct RacyCell<T> {
        bytes: Box<[loom::sync::atomic::AtomicU8]>,
        _value: std::marker::PhantomData<T>,
    }

    impl<T: Copy> RacyCell<T> {
        /// Wraps `value`.
        pub(crate) fn new(value: T) -> Self {
            let bytes = (0..std::mem::size_of::<T>())
                .map(|_| loom::sync::atomic::AtomicU8::new(0))
                .collect();
            let cell = Self {
                bytes,
                _value: std::marker::PhantomData,
            };
            // SAFETY: nobody else sees the cell yet.
            unsafe { cell.write(value) };
            cell
        }

        /// Copies the value out byte by byte.
        ///
        /// # Safety
        /// As for the std build: the caller validates the copy; `T` has no
        /// padding (loom tests use plain integers).
        pub(crate) unsafe fn read(&self) -> T {
            let mut out = std::mem::MaybeUninit::<T>::uninit();
            for (i, byte) in self.bytes.iter().enumerate() {
                let b = byte.load(Ordering::Relaxed);
                // SAFETY: `i < size_of::<T>()`, inside `out`.
                unsafe { out.as_mut_ptr().cast::<u8>().add(i).write(b) };
            }
            // SAFETY: every byte was written above.
            unsafe { out.assume_init() }
        }

        /// Copies `value` in byte by byte.
        ///
        /// # Safety
        /// Single writer; `T` has no padding.
        pub(crate) unsafe fn write(&self, value: T) {
            let src = (&value as *const T).cast::<u8>();
            for (i, byte) in self.bytes.iter().enumerate() {
                // SAFETY: `i < size_of::<T>()`, inside `value`.
                byte.store(unsafe { src.add(i).read() }, Ordering::Relaxed);
            }
        }
    }
}

pub(crate) use imp::*;

/// Where parked waiters sleep until a notifier rings (see module doc).
#[derive(Debug, Default)]
pub(crate) struct Doorbell {
    sleepers: AtomicUsize,
    lock: Mutex<()>,
    cond: Condvar,
}

impl Doorbell {
    /// Sleeps at most `timeout`, unless `ready()` holds after registering.
    pub(crate) fn sleep_unless(&self, ready: impl Fn() -> bool, timeout: std::time::Duration) {
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        // Order the registration before the re-check (pairs with notify).
        fence(Ordering::SeqCst);
        let guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if !ready() {
            drop(self.cond.wait_timeout(guard, timeout));
        } else {
            drop(guard);
        }
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
    }

    /// Wakes every sleeper; costs one fence when nobody sleeps.
    ///
    /// Never inlined: the ring ends call it behind a `Park` check, and the
    /// lock and condition variable inlined into `try_push` / `try_pop` would
    /// make those too large for the caller to inline (and push callee-saved
    /// registers on every fast path).
    #[inline(never)]
    pub(crate) fn notify(&self) {
        // Order the caller's publication before reading `sleepers`.
        fence(Ordering::SeqCst);
        if self.sleepers.load(Ordering::Relaxed) != 0 {
            drop(self.lock.lock().unwrap_or_else(|e| e.into_inner()));
            self.cond.notify_all();
        }
    }
}
