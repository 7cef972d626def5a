//! A counting global allocator proves that the queues, the quantum
//! accountant and the timers allocate nothing after construction. The
//! count is per thread (the test harness's own threads, and tests running
//! in parallel, may allocate at any time).

use enso_sched::{
    EdfQueue, IntervalTimers, Quanta, QuantumAccountant, ReadyQueue, Source, TimerWheel,
};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    /// Allocations made by this thread (a const-initialised `Cell`: no
    /// allocation to reach it, so it is safe to touch from the allocator).
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: forwards to the system allocator; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        // SAFETY: same contract as our caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as our caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCS.with(Cell::get);
    f();
    ALLOCS.with(Cell::get) - before
}

#[test]
fn the_counter_sees_allocations() {
    let n = allocations_during(|| {
        std::hint::black_box(Vec::<u64>::with_capacity(16));
    });
    assert!(n >= 1);
}

#[test]
fn steady_state_allocates_nothing() {
    let mut ready = ReadyQueue::with_capacity(256).unwrap();
    let mut edf = EdfQueue::with_capacity(256).unwrap();
    let mut wheel = TimerWheel::with_capacity(4096).unwrap();
    let mut intervals = IntervalTimers::with_capacity(8).unwrap();
    let mut acc = QuantumAccountant::new(Quanta {
        bus: 4,
        io: 4,
        tasks: 8,
    })
    .unwrap();
    intervals.add(7, 1, 0u32).unwrap();

    let n = allocations_during(|| {
        let mut sum = 0u64;
        for round in 0..50u64 {
            for i in 0..256u64 {
                let h = ready.push((i * 7 % 256) as u8, i).unwrap();
                if i % 5 == 0 {
                    ready.change_priority(h, 3).unwrap();
                }
                edf.push(round * 1000 + (i * 13 % 97), i).unwrap();
            }
            if let Some((_, v)) = ready.peek() {
                sum += *v;
            }
            while let Some((_, v)) = ready.pop() {
                sum += v;
            }
            let h = ready.push(9, 1).unwrap();
            ready.remove(h).unwrap();
            while let Some((d, _)) = edf.pop() {
                sum += d;
            }
            let e = edf.push(5, 1).unwrap();
            edf.remove(e).unwrap();
            let mut handles = [None; 64];
            for i in 0..4096u64 {
                let h = wheel.insert(round * 100_000 + i * 37, i).unwrap();
                if i % 64 == 0 {
                    handles[(i / 64) as usize] = Some(h);
                }
            }
            for h in handles.into_iter().flatten() {
                wheel.cancel(h).unwrap();
            }
            sum += wheel.next_deadline().unwrap_or(0) % 2;
            for e in wheel.advance(u64::MAX / 2 + round) {
                sum += e.value;
            }
            while let Some(r) = intervals.poll(round * 100) {
                sum += r.at;
            }
            acc.begin_turn();
            for s in Source::ORDER {
                while acc.try_take(s) {}
            }
        }
        assert!(sum > 0);
    });
    assert_eq!(n, 0, "{n} allocations after construction");
}
