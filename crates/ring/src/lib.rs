//! Preallocated lock-free rings for enso: the transport under the InterCore
//! bus, pub/sub between tasks and the hand-off between cores.
//!
//! Work in progress: the drivers land in the modules of this crate.
