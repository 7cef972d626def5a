//! Loom models of every driver. Run with
//! `RUSTFLAGS="--cfg loom" cargo test --release -p enso-ring --test loom`.
//! Capacities are shrunk (1 or 2 slots) so that wrap-around, full and empty
//! are all reached within a few operations; the preemption bound keeps the
//! whole run within a few minutes on two cores.
#![cfg(loom)]

use enso_ring::{Config, PopError, PushError, WaitStrategy, spsc};
use loom::model::Builder;
use loom::thread;

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

fn config(capacity: usize) -> Config {
    Config::new(capacity).wait(WaitStrategy::SpinThenYield)
}

#[test]
fn spsc_in_order_across_the_wrap_then_closed() {
    model(|| {
        let (mut tx, mut rx) = spsc::with_config::<u32>(config(2)).unwrap();
        let producer = thread::spawn(move || {
            for i in 0..3 {
                tx.push(i).unwrap();
            }
        });
        for i in 0..3 {
            assert_eq!(rx.pop(), Ok(i));
        }
        assert_eq!(rx.pop(), Err(PopError::Closed));
        producer.join().unwrap();
    });
}

#[test]
fn spsc_chunks() {
    model(|| {
        let (mut tx, mut rx) = spsc::with_config::<u32>(config(2)).unwrap();
        let producer = thread::spawn(move || {
            let mut next = 0;
            while next < 4 {
                if let Ok(mut chunk) = tx.write_chunk(2) {
                    chunk.fill_with(|i| next + i as u32);
                    next += chunk.commit() as u32;
                } else {
                    thread::yield_now();
                }
            }
        });
        let mut expected = 0;
        while expected < 4 {
            match rx.read_chunk(2) {
                Ok(run) => {
                    for v in run.iter() {
                        assert_eq!(*v, expected);
                        expected += 1;
                    }
                }
                Err(PopError::Empty) => thread::yield_now(),
                Err(PopError::Closed) => panic!("closed before everything was read"),
            }
        }
        producer.join().unwrap();
    });
}

#[test]
fn spsc_consumer_gone_drops_once() {
    model(|| {
        let drops = std::sync::Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        struct D(std::sync::Arc<loom::sync::atomic::AtomicUsize>);
        impl Drop for D {
            fn drop(&mut self) {
                self.0.fetch_add(1, loom::sync::atomic::Ordering::SeqCst);
            }
        }
        let (mut tx, mut rx) = spsc::with_config::<D>(config(1)).unwrap();
        let d = drops.clone();
        let producer = thread::spawn(move || {
            for _ in 0..2 {
                match tx.push(D(d.clone())) {
                    Ok(()) => {}
                    Err(PushError::Closed(v)) => drop(v),
                    Err(PushError::Full(_)) => unreachable!("push blocks"),
                }
            }
        });
        let _ = rx.try_pop();
        drop(rx);
        producer.join().unwrap();
        assert_eq!(drops.load(loom::sync::atomic::Ordering::SeqCst), 2);
    });
}
