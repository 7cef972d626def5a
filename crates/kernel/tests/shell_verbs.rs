//! Every system verb from O, end to end, across two cores; and preemption
//! of O tasks under fuel.

use std::time::{Duration, Instant};

use enso::shell::{Event, Machine};

/// Two cores (sharing the first usable CPU when only one exists, unpinned).
const TWO_CORES: &str = "\
core[`bsp;*cpus;`bsp;`all]
core[`c1;*|cpus;`ap;`tasks`timers]
share 1; pin 0
ring[`r;64]; ring[`f;4;`fail]
";

const WAIT: Duration = Duration::from_secs(30);

fn boot() -> Machine {
    Machine::boot("<test>", TWO_CORES, |_, _| {}).expect("boots")
}

/// Evaluates `src`, expecting success; returns the printed result.
fn ok(m: &mut Machine, src: &str) -> String {
    match m.eval(src, WAIT) {
        Ok((_, Ok(v))) => v,
        Ok((_, Err(e))) => panic!("{src}: error {e}"),
        Err(e) => panic!("{src}: {e}"),
    }
}

/// Evaluates `src`, expecting an O error; returns its message.
fn fails(m: &mut Machine, src: &str) -> String {
    match m.eval(src, WAIT) {
        Ok((_, Err(e))) => e,
        other => panic!("{src}: expected an error, got {other:?}"),
    }
}

/// Evaluates `src` until `cond` holds on its result.
fn eventually(m: &mut Machine, src: &str, cond: impl Fn(&str) -> bool) -> String {
    let t0 = Instant::now();
    loop {
        let v = ok(m, src);
        if cond(&v) {
            return v;
        }
        assert!(t0.elapsed() < WAIT, "{src}: never held, last {v}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn spawn_snd_rcv_across_cores() {
    let mut m = boot();
    // A task on c1 answers its parent.
    ok(&mut m, "t:spawn[`c1;10;\"snd[parent;6*7]\"]");
    assert_eq!(ok(&mut m, "rcv[]"), "42");
    // An echo task on c1: waits for a word, sends back one more.
    ok(&mut m, "e:spawn[`c1;10;\"snd[parent;1+rcv[]]\"]");
    assert_eq!(ok(&mut m, "snd[e;41]"), "1");
    assert_eq!(ok(&mut m, "rcv[]"), "42");
    // spawn with an argument; core by index.
    ok(&mut m, "spawn[1;10;\"snd[parent;+/arg]\";1 2 3]");
    assert_eq!(ok(&mut m, "rcv[]"), "6");
    // Errors say what is wrong.
    assert!(fails(&mut m, "spawn[`nope;1;\"1\"]").contains("no core `nope`"));
    assert!(fails(&mut m, "spawn[`c1;1;\"1+(\"]").contains("expected"));
    assert!(fails(&mut m, "snd[12345;1]").contains("snd"));
    m.halt(WAIT).expect("halts");
}

#[test]
fn one_o_task_spawns_a_thousand_tasks_across_two_cores() {
    let mut m = boot();
    // Each spawn goes over the bus (half of them to the other core) and the
    // zero task is woken with the id; its core never waits on an inbox.
    ok(&mut m, "e:spawn[`c1;10;\"snd[parent;1+rcv[]]\"]");
    ok(&mut m, "ids:{spawn[$[x<500;0;1];10;\"1\"]}'!1000");
    assert_eq!(ok(&mut m, "#ids"), "1000");
    assert_eq!(ok(&mut m, "#?ids"), "1000", "every id distinct");
    assert_eq!(ok(&mut m, "+/0=ids"), "0", "every spawn placed");
    assert_eq!(ok(&mut m, "snd[e;41]"), "1");
    assert_eq!(ok(&mut m, "rcv[]"), "42");
    // They ran and ended (joined): none is listed any more.
    eventually(&mut m, "#tasks[]", |v| {
        v.parse::<usize>().is_ok_and(|n| n < 10)
    });
    // A registered Rust task by name, the same way.
    assert!(fails(&mut m, "spawn[`c1;10;`nope]").contains("no task registered as `nope`"));
    m.halt(WAIT).expect("halts");
}

#[test]
fn listings_are_asked_over_the_bus_from_any_core() {
    let mut m = boot();
    // No user timer: the listing's own deadline wake is not listed.
    assert_eq!(ok(&mut m, "#timers[]"), "0");
    // From a task on the other core: it lists itself and the zero task.
    ok(&mut m, "spawn[`c1;10;\"snd[parent;#tasks[]]\"]");
    let n: usize = ok(&mut m, "rcv[]").parse().expect("a count");
    assert!(n >= 2, "{n}");
    // Repeated listings leave no timers or helper threads behind.
    ok(&mut m, "{#tasks[]}'!50");
    assert_eq!(ok(&mut m, "#timers[]"), "0");
    m.halt(WAIT).expect("halts");
}

#[test]
fn pub_sub_through_a_ring_between_cores() {
    let mut m = boot();
    ok(&mut m, "spawn[`c1;10;\"pub[`r;10 20 30]\"]");
    assert_eq!(ok(&mut m, "+/{sub[`r]}'!3"), "60");
    // The writer end went back to the registry when the task ended, so
    // another task can publish; a reader waits (suspended) for data.
    ok(&mut m, "spawn[`c1;10;\"sleep 20; pub[`r;7]\"]");
    assert_eq!(ok(&mut m, "sub[`r]"), "7");
    // A `block ring waits for room: 200 words through 64 slots.
    ok(&mut m, "spawn[`c1;10;\"pub[`r;!200]\"]");
    assert_eq!(ok(&mut m, "+/{sub[`r]}'!200"), "19900");
    // A `fail ring publishes what fits.
    assert_eq!(ok(&mut m, "pub[`f;1 2 3 4 5 6]"), "4");
    assert_eq!(ok(&mut m, "sub[`f;10]"), "1 2 3 4");
    let rings = ok(&mut m, "rings[]");
    assert!(
        rings.contains("backpressure") && rings.contains("fail"),
        "{rings}"
    );
    assert!(fails(&mut m, "pub[`nope;1]").contains("no ring `nope`"));
    m.halt(WAIT).expect("halts");
}

#[test]
fn timers_kill_qos_and_listings() {
    let mut m = boot();
    // A timer sends a word to this task.
    assert_eq!(ok(&mut m, "timer[5;0;me[];99]"), "`bsp");
    assert_eq!(ok(&mut m, "rcv[]"), "99");
    // An interval timer for a task on c1, which forwards three fires.
    ok(&mut m, "w:spawn[`c1;10;\"{snd[parent;rcv[]]}'!3\"]");
    ok(&mut m, "timer[1;2;w;5]");
    assert_eq!(ok(&mut m, "+/{rcv[]}'!3"), "15");
    // sleep suspends the task, not the core.
    let t0 = Instant::now();
    ok(&mut m, "sleep 30");
    assert!(t0.elapsed() >= Duration::from_millis(30));
    let timers = ok(&mut m, "timers[]");
    assert!(
        timers.contains("period_ms") && timers.contains("2"),
        "{timers}"
    );
    // kill: a task that would never end on its own (a runaway loop) ends;
    // it leaves the listing and its id goes stale.
    ok(&mut m, "k:spawn[`c1;10;\"{1}{x+1}/0\"]");
    assert_eq!(ok(&mut m, "#&k={x`id}'tasks[]"), "1");
    assert_eq!(ok(&mut m, "kill k"), "1");
    eventually(&mut m, "#&k={x`id}'tasks[]", |v| v == "0");
    assert!(fails(&mut m, "snd[k;1]").contains("stale"));
    assert!(fails(&mut m, "kill k").contains("stale"));
    // qos changes a core's quanta live.
    assert_eq!(ok(&mut m, "qos[`c1;128;64;32]"), "128 64 32");
    eventually(&mut m, "cores[]", |v| v.contains("128 64 32"));
    assert!(fails(&mut m, "qos[`c1;0;1;1]").contains("quantum"));
    // print goes to the console; stats is a table (empty without metrics).
    let (printed, r) = m.eval("print \"hi\"; print 1 2", WAIT).expect("answers");
    assert_eq!(printed, ["hi", "1 2"]);
    assert_eq!(r, Ok(String::new()));
    ok(&mut m, "stats[]");
    // prom prints every statistic as Prometheus text.
    let (printed, r) = m.eval("prom[]", WAIT).expect("answers");
    assert_eq!(r, Ok(String::new()));
    let text = printed.join("\n");
    assert!(
        text.contains("# TYPE") && text.contains("core=\"c1\""),
        "{text}"
    );
    // halt from O stops the machine.
    m.post("halt[]").expect("posted");
    let t0 = Instant::now();
    while !m.is_halted() {
        m.next_event(Duration::from_millis(50));
        assert!(t0.elapsed() < WAIT, "halt[] did not halt");
    }
}

#[test]
fn runaway_o_task_is_preempted_and_its_core_keeps_running() {
    let mut m = boot();
    // Two runaways on c1 and one on the BSP, at the priority of the tasks
    // that must keep running next to them.
    ok(&mut m, "r1:spawn[`c1;10;\"{1}{x+1}/0\"]");
    ok(&mut m, "r2:spawn[`c1;10;\"{1}{x+1}/0\"]");
    ok(&mut m, "r0:spawn[`bsp;100;\"{1}{x+1}/0\"]");
    // A worker on c1 sends 50 words, one per slice at most.
    ok(&mut m, "spawn[`c1;10;\"{snd[parent;x]}'!50\"]");
    assert_eq!(ok(&mut m, "+/{rcv[]}'!50"), "1225");
    // The zero task (on the BSP, next to r0) still answers.
    assert_eq!(ok(&mut m, "1+1"), "2");
    // The runaways were preempted slice after slice: many polls each, and
    // no poll much longer than a slice.
    let polls = eventually(
        &mut m,
        "t:tasks[]; {(t@*&x={x`id}'t)`polls}'r1,r2,r0",
        |v| v.split(' ').all(|p| p.parse::<u64>().is_ok_and(|n| n > 10)),
    );
    assert_eq!(polls.split(' ').count(), 3, "{polls}");
    ok(&mut m, "kill r1; kill r2; kill r0");
    m.halt(WAIT).expect("halts");
}

/// Waits for a printed line satisfying `want`, including lines printed
/// while `src` was evaluated.
fn printed_after(m: &mut Machine, src: &str, want: impl Fn(&str) -> bool) {
    let (printed, r) = m.eval(src, WAIT).expect("answers");
    assert!(r.is_ok(), "{r:?}");
    if printed.iter().any(|p| want(p)) {
        return;
    }
    let t0 = Instant::now();
    loop {
        if let Some(Event::Print(p)) = m.next_event(Duration::from_millis(100))
            && want(&p)
        {
            return;
        }
        assert!(t0.elapsed() < WAIT, "{src}: nothing printed");
    }
}

#[test]
fn background_prints_reach_the_console() {
    let mut m = boot();
    printed_after(&mut m, "spawn[`c1;10;\"print `from`c1\"]", |p| {
        p == "`from`c1"
    });
    // A failing task reports its error.
    printed_after(&mut m, "spawn[`c1;10;\"1+`a\"]", |p| {
        p.contains("number expected")
    });
    m.halt(WAIT).expect("halts");
}

#[test]
fn periodic_o_tasks_are_admitted_or_refused() {
    let mut m = boot();
    // A periodic O task: budget 1 ms, period 5 ms; each job sends its number.
    ok(&mut m, "p:periodic[`c1;`tick;1;5;5;\"snd[parent;job]\"]");
    assert_eq!(ok(&mut m, "{rcv[]}'!3"), "0 1 2");
    let tasks = eventually(&mut m, "tasks[]", |v| v.contains("1/5/5ms"));
    assert!(tasks.contains("tick"), "{tasks}");
    // Admission control refuses what would overload the core, and says why.
    let e = fails(&mut m, "periodic[`c1;`hog;9;10;10;\"1\"]");
    assert!(e.contains("refused") && e.contains("hog"), "{e}");
    assert!(fails(&mut m, "periodic[`c1;`bad;1;0;5;\"1\"]").contains("periodic"));
    // A live quanta change is re-checked against the admitted set: 8000
    // events of 1 us per turn would make `tick` miss; refused, naming it,
    // and nothing changes.
    let before = ok(&mut m, "{x`quanta}'cores[]");
    let e = fails(&mut m, "qos[`c1;4000;4000;32]");
    assert!(
        e.contains("qos") && e.contains("refused") && e.contains("`tick`"),
        "{e}"
    );
    assert_eq!(ok(&mut m, "{x`quanta}'cores[]"), before);
    // A change that still fits is applied.
    assert_eq!(ok(&mut m, "qos[`c1;16;16;8]"), "16 16 8");
    eventually(&mut m, "cores[]", |v| v.contains("16 16 8"));
    ok(&mut m, "kill p");
    m.halt(WAIT).expect("halts");
}
