//! Enso: a real-time, thread-per-core kernel for low-latency Rust services.
//!
//! The kernel is not built yet; see the README for what exists today.
