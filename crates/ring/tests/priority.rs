//! Priority select: highest non-empty level first, closing, errors.

use enso_ring::priority::{self, Select};
use enso_ring::{Config, PopError, RingError, spsc};

#[test]
fn zero_levels_is_an_error() {
    assert_eq!(
        priority::channel::<u8>(0, Config::new(4)).unwrap_err(),
        RingError::NoLevels
    );
    assert_eq!(
        Select::<spsc::Consumer<u8>>::new(Vec::new()).unwrap_err(),
        RingError::NoLevels
    );
    assert_eq!(
        priority::channel::<u8>(2, Config::new(3)).unwrap_err(),
        RingError::CapacityNotPowerOfTwo { capacity: 3 }
    );
}

#[test]
fn highest_non_empty_level_first() {
    let (mut tx, mut select) = priority::channel::<u32>(3, Config::new(4)).unwrap();
    assert!(tx.level(3).is_none());
    tx.level(2).unwrap().try_push(20).unwrap();
    tx.level(1).unwrap().try_push(10).unwrap();
    tx.level(2).unwrap().try_push(21).unwrap();
    tx.level(0).unwrap().try_push(0).unwrap();
    assert_eq!(select.try_select(), Ok((0, 0)));
    assert_eq!(select.try_select(), Ok((1, 10)));
    tx.level(0).unwrap().try_push(1).unwrap();
    assert_eq!(select.try_select(), Ok((0, 1)));
    assert_eq!(select.try_select(), Ok((2, 20)));
    assert_eq!(select.select(), Ok((2, 21)));
    assert_eq!(select.try_select(), Err(PopError::Empty));
    drop(tx);
    assert_eq!(select.select(), Err(PopError::Closed));
}

#[test]
fn select_over_spsc_rings_closes_when_all_levels_close() {
    let (mut hi_tx, hi_rx) = spsc::channel::<u8>(2).unwrap();
    let (mut lo_tx, lo_rx) = spsc::channel::<u8>(2).unwrap();
    let mut select = Select::new(vec![hi_rx, lo_rx]).unwrap();
    lo_tx.try_push(2).unwrap();
    drop(lo_tx);
    hi_tx.try_push(1).unwrap();
    assert_eq!(select.try_select(), Ok((0, 1)));
    assert_eq!(select.try_select(), Ok((1, 2)));
    assert_eq!(select.try_select(), Err(PopError::Empty));
    drop(hi_tx);
    assert_eq!(select.try_select(), Err(PopError::Closed));
    assert_eq!(select.levels(), 2);
    assert!(select.level_mut(1).is_some());
}

#[test]
fn blocking_select_across_threads() {
    let (tx, mut select) = priority::channel::<u64>(2, Config::new(16)).unwrap();
    let n = if cfg!(debug_assertions) {
        2_000
    } else {
        100_000
    };
    let writers: Vec<_> = (0..2)
        .map(|level| {
            let mut tx = tx.clone();
            std::thread::spawn(move || {
                for i in 0..n {
                    tx.level(level).unwrap().push(i).unwrap();
                }
            })
        })
        .collect();
    drop(tx);
    let mut next = [0u64; 2];
    while let Ok((level, v)) = select.select() {
        assert_eq!(v, next[level]);
        next[level] += 1;
    }
    writers.into_iter().for_each(|w| w.join().unwrap());
    assert_eq!(next, [n, n]);
}
