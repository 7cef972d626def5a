//! Release-mode stress (run by CI as `cargo test --release --test stress`):
//! millions of timers under a random mix of insert, cancel and advance,
//! checked for exactly-once, never-early, in-order firing with counters
//! instead of a reference model, so the wheel runs at full size.

use enso_sched::{TimerHandle, TimerWheel};

struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

#[test]
fn millions_of_timers_fire_exactly_once_in_order() {
    let capacity: usize = if cfg!(debug_assertions) {
        100_000
    } else {
        2_000_000
    };
    let ops: u64 = if cfg!(debug_assertions) {
        400_000
    } else {
        12_000_000
    };
    let mut wheel = TimerWheel::with_capacity(capacity).unwrap();
    let mut rng = Lcg(42);
    // Per id: 0 pending, 1 fired, 2 cancelled.
    let mut state: Vec<u8> = Vec::with_capacity(ops as usize);
    let mut live: Vec<(TimerHandle, u64)> = Vec::with_capacity(capacity);
    let mut now = 0u64;
    let (mut fired, mut cancelled) = (0u64, 0u64);
    for _ in 0..ops {
        match rng.next() % 16 {
            0..=9 if live.len() < capacity => {
                let id = state.len() as u64;
                // Mostly near deadlines, some far (up to 2^40 ticks away).
                let delta = match rng.next() % 8 {
                    0 => rng.next() << 9,
                    1..=3 => rng.next() % 100_000,
                    _ => rng.next() % 1_000,
                };
                let h = wheel.insert(now + delta, id).unwrap();
                state.push(0);
                live.push((h, id));
            }
            10..=12 if !live.is_empty() => {
                let k = (rng.next() as usize) % live.len();
                let (h, id) = live.swap_remove(k);
                match wheel.cancel(h) {
                    Ok(v) => {
                        assert_eq!(v, id);
                        assert_eq!(state[id as usize], 0);
                        state[id as usize] = 2;
                        cancelled += 1;
                    }
                    // Already fired: its handle must be stale.
                    Err(_) => assert_eq!(state[id as usize], 1),
                }
            }
            _ => {
                now += rng.next() % 2_000;
                let mut last = 0;
                while let Some(e) = wheel.poll(now) {
                    assert!(e.deadline <= now && e.deadline >= last);
                    last = e.deadline;
                    assert_eq!(state[e.value as usize], 0, "fired twice or after cancel");
                    state[e.value as usize] = 1;
                    fired += 1;
                }
            }
        }
        // Drop fired handles from `live` lazily: only when it grows large.
        if live.len() == capacity {
            live.retain(|&(_, id)| state[id as usize] == 0);
        }
    }
    let pending = wheel.len() as u64;
    let total = state.len() as u64;
    assert_eq!(fired + cancelled + pending, total);
    for e in wheel.advance(u64::MAX) {
        assert_eq!(state[e.value as usize], 0);
        state[e.value as usize] = 1;
    }
    assert!(state.iter().all(|&s| s != 0), "a timer was lost");
}
