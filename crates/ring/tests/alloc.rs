//! Steady-state send and receive allocate nothing: a counting global
//! allocator counts allocations made by threads that opt in, while every
//! driver (one item at a time and in batches) runs after construction.

use enso_ring::broadcast::{self, lossy};
use enso_ring::priority;
use enso_ring::sector::Sector;
use enso_ring::{Config, Policy, WaitStrategy, mpsc, rpc, spsc, work};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    /// Whether this thread counts its allocations.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    /// Allocations this thread made while counting (per thread, so tests
    /// running in parallel do not see each other's).
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation() {
    if COUNTING.with(Cell::get) {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
    }
}

// SAFETY: defers to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation();
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` with allocation counting on for this thread; returns the count.
fn count(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get) - before
}

const ROUNDS: u64 = 10_000;

#[test]
fn the_counter_counts() {
    assert_eq!(count(|| drop(vec![1u8; 16])), 1);
}

#[test]
fn single_thread_steady_state_allocates_nothing() {
    let (mut s_tx, mut s_rx) = spsc::channel::<u64>(64).unwrap();
    let (m_tx, mut m_rx) = mpsc::channel::<u64>(64).unwrap();
    let mut m_tx2 = m_tx.clone();
    let mut m_tx = m_tx;
    let (mut w_tx, mut w_rx) = work::channel::<u64>(64).unwrap();
    let (mut publisher, mut sub) = broadcast::channel::<u64>(64).unwrap();
    let (mut l_pub, mut l_sub) = lossy::channel::<[u64; 4]>(64).unwrap();
    let (mut p_tx, mut select) = priority::channel::<u64>(3, Config::new(16)).unwrap();
    let allocations = count(|| {
        for i in 0..ROUNDS {
            s_tx.try_push(i).unwrap();
            assert_eq!(s_rx.try_pop(), Ok(i));
            m_tx.try_push(i).unwrap();
            m_tx2.try_push(i).unwrap();
            assert_eq!(m_rx.try_pop(), Ok(i));
            assert_eq!(m_rx.pop(), Ok(i));
            w_tx.push(i).unwrap();
            assert_eq!(w_rx.pop(), Ok(i));
            publisher.publish(|v| *v = i).unwrap();
            assert_eq!(*sub.recv().unwrap(), i);
            l_pub.publish(|v| *v = [i; 4]).unwrap();
            assert_eq!(l_sub.try_recv(), Ok([i; 4]));
            p_tx.level((i % 3) as usize).unwrap().try_push(i).unwrap();
            assert_eq!(select.try_select(), Ok(((i % 3) as usize, i)));

            let mut chunk = s_tx.write_chunk(8).unwrap();
            chunk.fill_with(|k| k as u64);
            chunk.commit();
            assert_eq!(s_rx.read_chunk(8).unwrap().len(), 8);
            let mut chunk = m_tx.write_chunk(8).unwrap();
            chunk.fill_with(|k| k as u64);
            chunk.commit();
            assert_eq!(m_rx.read_chunk(8).unwrap().len(), 8);
            let mut chunk = w_tx.write_chunk(8).unwrap();
            chunk.fill_with(|k| k as u64);
            chunk.commit();
            assert_eq!(w_rx.read_chunk(8).unwrap().len(), 8);
            let mut chunk = publisher.write_chunk(8).unwrap();
            *chunk.get_mut(0).unwrap() = i;
            chunk.commit();
            assert_eq!(sub.read_chunk(8).unwrap()[0], i);
        }
    });
    assert_eq!(allocations, 0);
}

#[test]
fn sector_rings_allocate_nothing_after_boot() {
    let mut carves = Sector::<u64>::new(256, &[1, 1])
        .unwrap()
        .into_carves()
        .into_iter();
    let (mut a_tx, mut a_rx) = carves.next().unwrap().spsc(Policy::default()).unwrap();
    let (mut b_tx, mut b_rx) = carves.next().unwrap().mpsc(Policy::default()).unwrap();
    let allocations = count(|| {
        for i in 0..ROUNDS {
            a_tx.try_push(i).unwrap();
            b_tx.try_push(i).unwrap();
            assert_eq!(a_rx.try_pop(), Ok(i));
            assert_eq!(b_rx.try_pop(), Ok(i));
        }
    });
    assert_eq!(allocations, 0);
}

#[test]
fn cross_thread_ping_pong_allocates_nothing_even_when_parking() {
    for wait in [WaitStrategy::SpinThenYield, WaitStrategy::Park] {
        let config = Config::new(8).wait(wait);
        let (mut tx, mut rx) = spsc::with_config::<u64>(config).unwrap();
        let (mut back_tx, mut back_rx) = spsc::with_config::<u64>(config).unwrap();
        let echo = std::thread::spawn(move || {
            // Warm up the thread (its handle, its locals), then count.
            let first = rx.pop().unwrap();
            back_tx.push(first).unwrap();
            count(|| {
                while let Ok(v) = rx.pop() {
                    back_tx.push(v).unwrap();
                }
            })
        });
        tx.push(0).unwrap();
        assert_eq!(back_rx.pop(), Ok(0));
        let mine = count(|| {
            for i in 1..2_000 {
                tx.push(i).unwrap();
                assert_eq!(back_rx.pop(), Ok(i));
            }
        });
        drop(tx);
        assert_eq!(mine, 0, "{wait:?}");
        assert_eq!(echo.join().unwrap(), 0, "{wait:?}");
    }
}

#[test]
fn rpc_calls_allocate_nothing_even_when_parking() {
    for wait in [WaitStrategy::SpinThenYield, WaitStrategy::Park] {
        let config = Config::new(8).wait(wait);
        let (mut client, mut server) = rpc::with_config::<u64, u64>(config).unwrap();
        let echo = std::thread::spawn(move || {
            // Warm up the thread (its handle, its locals), then count.
            server.serve(|x| *x + 1).unwrap();
            count(|| while server.serve(|x| *x + 1).is_ok() {})
        });
        assert_eq!(client.call(0), Ok(1));
        let mine = count(|| {
            for i in 1..2_000 {
                assert_eq!(client.call(i), Ok(i + 1));
                client.try_send(i).unwrap();
                client.try_send(i + 1).unwrap();
                let mut sum = 0;
                while client.in_flight() > 0 {
                    sum += client.recv().unwrap();
                }
                assert_eq!(sum, 2 * i + 3);
            }
        });
        drop(client);
        assert_eq!(mine, 0, "{wait:?}");
        assert_eq!(echo.join().unwrap(), 0, "{wait:?}");
    }
}
