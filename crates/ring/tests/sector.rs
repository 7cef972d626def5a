//! Sectors: proportional carving, line-aligned layout, every driver on one
//! region, and drops when the rings go.

mod common;

use common::{Counted, counter, drops};
use enso_ring::sector::Sector;
use enso_ring::{Config, Policy, RingError};

#[test]
fn bad_splits_are_errors() {
    assert_eq!(
        Sector::<u64>::new(64, &[]).unwrap_err(),
        RingError::BadProportions
    );
    assert_eq!(
        Sector::<u64>::new(64, &[1, 0]).unwrap_err(),
        RingError::BadProportions
    );
    assert_eq!(
        Sector::<u64>::new(4, &[1, 100]).unwrap_err(),
        RingError::SectorTooSmall { index: 0 }
    );
}

#[test]
fn shares_round_down_to_powers_of_two() {
    let sector = Sector::<u64>::new(1000, &[1, 1, 2]).unwrap();
    assert_eq!(sector.capacities(), vec![128, 128, 256]);
    let sector = Sector::<u8>::new(10, &[3, 1, 1]).unwrap();
    assert_eq!(sector.capacities(), vec![4, 2, 2]);
}

#[test]
fn every_driver_runs_on_one_region() {
    let carves = Sector::<u64>::new(64, &[1, 1, 1, 1]).unwrap().into_carves();
    let mut carves = carves.into_iter();
    let (mut s_tx, mut s_rx) = carves.next().unwrap().spsc(Policy::default()).unwrap();
    let (mut m_tx, mut m_rx) = carves.next().unwrap().mpsc(Policy::default()).unwrap();
    let (mut w_tx, mut w_rx) = carves.next().unwrap().work(Policy::default()).unwrap();
    let (mut publisher, mut sub) = carves
        .next()
        .unwrap()
        .broadcast(Config::new(0), || 0u64)
        .unwrap();
    for round in 0..40u64 {
        s_tx.try_push(round).unwrap();
        m_tx.try_push(round + 1).unwrap();
        w_tx.try_push(round + 2).unwrap();
        publisher.try_publish(|v| *v = round + 3).unwrap();
        assert_eq!(s_rx.try_pop(), Ok(round));
        assert_eq!(m_rx.try_pop(), Ok(round + 1));
        assert_eq!(w_rx.try_pop(), Ok(round + 2));
        assert_eq!(*sub.try_recv().unwrap(), round + 3);
    }
}

#[test]
fn rings_of_a_sector_drop_their_own_unread_messages() {
    let count = counter();
    let mut carves = Sector::<Counted>::new(16, &[1, 1])
        .unwrap()
        .into_carves()
        .into_iter();
    let (mut a_tx, a_rx) = carves.next().unwrap().spsc(Policy::default()).unwrap();
    let (mut b_tx, b_rx) = carves.next().unwrap().mpsc(Policy::default()).unwrap();
    for i in 0..5 {
        a_tx.try_push(Counted::new(i, &count)).unwrap();
        b_tx.try_push(Counted::new(i, &count)).unwrap();
    }
    drop((a_tx, a_rx));
    assert_eq!(drops(&count), 5);
    drop((b_tx, b_rx));
    assert_eq!(drops(&count), 10);
}
