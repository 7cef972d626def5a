//! Topics (broadcast rings of words) from O, across two cores: every
//! subscriber sees every word; `block`, `fail` and `overwrite` backpressure;
//! topics carved from a sector.

use std::time::{Duration, Instant};

use enso::shell::Machine;

const SCRIPT: &str = "\
core[`bsp;*cpus;`bsp;`all]
core[`c1;*|cpus;`ap;`tasks`timers]
share 1; pin 0
topic[`news;16]; topic[`lossy;4;`overwrite]
sector[`s;1024;`a`b`c;1 1 2;`fail]
";

const WAIT: Duration = Duration::from_secs(30);

fn ok(m: &mut Machine, src: &str) -> String {
    match m.eval(src, WAIT) {
        Ok((_, Ok(v))) => v,
        other => panic!("{src}: {other:?}"),
    }
}

/// Waits until `src` evaluates to `want`.
fn until(m: &mut Machine, src: &str, want: &str) {
    let t0 = Instant::now();
    loop {
        if ok(m, src) == want {
            return;
        }
        assert!(t0.elapsed() < WAIT, "{src} never became {want}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Subscribers of topic `t`, from `rings[]`.
fn readers(t: &str) -> String {
    format!("*{{x`readers}}'r@&`{t}={{x`ring}}'r:rings[]")
}

#[test]
fn every_subscriber_sees_every_word_across_cores() {
    let mut m = Machine::boot("<topics>", SCRIPT, |_, _| {}).expect("boots");
    // Two subscribers on c1 and one here; each sums 40 words.
    let sub = "snd[parent;+/{sub[`news]}'!40]";
    ok(&mut m, &format!("spawn[`c1;10;\"{sub}\"]"));
    ok(&mut m, &format!("spawn[`c1;10;\"{sub}\"]"));
    until(&mut m, &readers("news"), "2");
    // 40 words through 16 slots: `block makes the publisher wait (here on
    // the BSP, in a task of its own) for the slowest subscriber.
    ok(&mut m, "spawn[`bsp;10;\"pub[`news;!40]\"]");
    assert_eq!(ok(&mut m, "rcv[]+rcv[]"), "1560");
    let rings = ok(&mut m, "rings[]");
    assert!(
        rings.contains("news") && rings.contains("broadcast"),
        "{rings}"
    );
    m.halt(WAIT).expect("halts");
}

#[test]
fn fail_and_overwrite_backpressure() {
    let mut m = Machine::boot("<topics>", SCRIPT, |_, _| {}).expect("boots");
    // Sector topics: capacities by proportion.
    let caps = ok(&mut m, "{x`capacity}'r@&`s={x`sector}'r:rings[]");
    assert_eq!(caps, "256 256 512");
    // `fail: a subscriber that never reads fills the ring; pub returns what fit.
    ok(&mut m, "spawn[`c1;10;\"sub[`a]; rcv[]\"]");
    until(&mut m, &readers("a"), "1");
    ok(&mut m, "pub[`a;1]");
    until(&mut m, "{x`popped}'r@&`a={x`ring}'r:rings[]", ",1");
    assert_eq!(ok(&mut m, "pub[`a;!300]"), "256");
    // `overwrite never waits; a subscriber that lags skips ahead and the
    // words it missed are counted.
    ok(
        &mut m,
        "t:spawn[`c1;10;\"snd[parent;sub[`lossy]]; rcv[]; snd[parent;*|sub[`lossy;100]]\"]",
    );
    until(&mut m, &readers("lossy"), "1");
    assert_eq!(ok(&mut m, "pub[`lossy;7]"), "1");
    assert_eq!(ok(&mut m, "rcv[]"), "7");
    assert_eq!(ok(&mut m, "pub[`lossy;!10]"), "10");
    ok(&mut m, "snd[t;0]");
    assert_eq!(ok(&mut m, "rcv[]"), "9");
    let lagged = ok(&mut m, "*{x`lagged}'r@&`lossy={x`ring}'r:rings[]");
    assert!(lagged.parse::<u64>().is_ok_and(|n| n >= 6), "{lagged}");
    m.halt(WAIT).expect("halts");
}
