//! The standard library's bounded channel, `std::sync::mpsc::sync_channel`.

use std::sync::mpsc::{Receiver, SyncSender};

use super::{Queue, setup_error};
use crate::harness::BenchError;

/// `std::sync::mpsc::sync_channel::<u64>`.
pub struct StdSyncChannel;

impl Queue for StdSyncChannel {
    type Tx = SyncSender<u64>;
    type Rx = Receiver<u64>;

    fn channel(run: &str, capacity: usize) -> Result<(Self::Tx, Self::Rx), BenchError> {
        if capacity == 0 {
            // sync_channel(0) is a rendezvous channel, a different thing.
            return Err(setup_error(run, "sync_channel needs a capacity above zero"));
        }
        Ok(std::sync::mpsc::sync_channel(capacity))
    }

    #[inline(always)]
    fn try_send(tx: &mut Self::Tx, value: u64) -> bool {
        tx.try_send(value).is_ok()
    }

    #[inline(always)]
    fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.try_recv().ok()
    }
}
