//! Boot scripts: evaluation into a topology, and errors with positions.

use enso::shell::boot::{Body, evaluate};
use enso::shell::{Machine, MachineError};

/// Names of this process's threads.
fn thread_names() -> Vec<String> {
    let mut v = Vec::new();
    if let Ok(d) = std::fs::read_dir("/proc/self/task") {
        for e in d.flatten() {
            if let Ok(n) = std::fs::read_to_string(e.path().join("comm")) {
                v.push(n.trim().to_string());
            }
        }
    }
    v
}

fn err_at(src: &str) -> (usize, usize, String) {
    let e = evaluate("t.o", src, &[0, 1]).expect_err("should fail");
    assert_eq!(e.file, "t.o");
    (e.line, e.column, e.message)
}

// One test: no other test in this binary boots, so the thread check holds.
#[test]
fn boot_scripts() {
    // A full script evaluates into a plan.
    let src = "/ two cores\n\
               core[`b;0;`bsp;`all]; core[`c;1;`ap;`tasks`timers]\n\
               quanta[`c;128;0;32]; idle[`c;`spin]; idle[`b;20]\n\
               ring[`r;1024;`fail]; counter[`n]\n\
               task[`f;`c;200;`market.feed;10]\n\
               task[`o;`c;50;\"1+1\"]\n\
               writes[`f;`r]; reads[`o;`r]\n\
               timer[`t;`c;`every;0.5;`f]; timer[`u;`b;`after;10;`o;7]\n";
    let p = evaluate("ok.o", src, &[0, 1]).expect("evaluates");
    assert_eq!(p.cores.len(), 2);
    assert_eq!(p.cores[1].0.quanta.bus, 128);
    assert_eq!(p.cores[1].0.idle, enso::IdlePolicy::Spin);
    assert_eq!(p.tasks[0].body, Body::Rust("market.feed".into(), 10));
    assert_eq!(p.tasks[1].body, Body::O("1+1".into()));
    assert_eq!(p.tasks[0].writes, ["r"]);
    assert_eq!(p.timers.len(), 2);
    assert_eq!(p.bsp(), Some("b"));

    // O works in boot scripts: names, lambdas, conditions, ncpu.
    let p = evaluate(
        "o.o",
        "mk:{core[x;y;`ap;`tasks]}\ncore[`b;0;`bsp;`all]\n$[ncpu>1;mk[`c;1];0]",
        &[0, 1],
    )
    .expect("evaluates");
    assert_eq!(p.cores.len(), 2);

    // Errors: line and column of the verb at fault.
    let (l, c, m) = err_at("core[`b;0;`bsp;`all]\n\n   quanta[`x;1;1;1]");
    assert_eq!((l, c), (3, 4), "{m}");
    assert!(m.contains("unknown core `x`"), "{m}");
    let (l, c, m) = err_at("core[`b;0;`bsp;`all]; core[`b;1;`ap;`tasks]");
    assert_eq!((l, c), (1, 23), "{m}");
    assert!(m.contains("declared twice"), "{m}");
    let (l, c, m) = err_at("core[`b;7;`bsp;`all]");
    assert_eq!((l, c), (1, 1));
    assert!(m.contains("cpu 7"), "{m}");
    // Parse errors: the exact character.
    let (l, c, m) = err_at("core[`b;0;`bsp;`all]\nring[`r;(64]");
    assert_eq!((l, c), (2, 12), "{m}");
    // A task script that does not parse is reported where the task is declared.
    let (l, _, m) = err_at("core[`b;0;`bsp;`all]\ntask[`t;`b;1;\"1+(\"]");
    assert_eq!(l, 2);
    assert!(m.contains("script of task `t`"), "{m}");
    let (l, _, m) = err_at("core[`b;0;`bsp;`timers]\ntask[`t;`b;1;\"1\"]");
    assert_eq!(l, 2);
    assert!(m.contains("tasks reactor"), "{m}");

    // Per-core real-time dispatch.
    let p = evaluate("d.o", "core[`b;0;`bsp;`all]; dispatch[`b;`edf]", &[0]).expect("evaluates");
    assert_eq!(p.cores[0].0.rt.dispatch, enso::Dispatch::Edf);
    let (_, c, m) = err_at("core[`b;0;`bsp;`all]; dispatch[`b;`rr]");
    assert_eq!(c, 23, "{m}");
    assert!(m.contains("`fp or `edf"), "{m}");

    // Topics and sectors (broadcast rings; a sector splits one region).
    let p = evaluate(
        "t.o",
        "topic[`n;64;`overwrite]\nsector[`s;1000;`a`b;1 3;`fail]",
        &[0],
    )
    .expect("evaluates");
    let caps: Vec<usize> = p.topics.iter().map(|t| t.capacity).collect();
    assert_eq!(caps, [64, 128, 512]);
    assert_eq!(p.topics[2].sector, Some(("s".into(), 1)));
    let (l, c, m) = err_at("topic[`n;8]\n ring[`n;8]");
    assert_eq!((l, c), (2, 2), "{m}");
    assert!(m.contains("declared twice"), "{m}");
    let (l, _, m) = err_at("\nsector[`s;1024;`a`b;1 2 3]");
    assert_eq!(l, 2);
    assert!(m.contains("2 topics but 3 proportions"), "{m}");
    let (_, _, m) = err_at("sector[`s;1024;`a;1;`overwrite]");
    assert!(m.contains("`block or `fail"), "{m}");
    let (_, _, m) = err_at("topic[`t;10]");
    assert!(m.contains("not a power of two"), "{m}");

    // The default script adapts to the CPUs.
    for (cpus, cores) in [
        (vec![0], 1),
        (vec![0, 1], 2),
        (vec![0, 1, 2], 3),
        (vec![0, 1, 2, 3, 4, 5], 6),
    ] {
        let src = enso::shell::defaults::script(&cpus);
        let p = evaluate("<default>", &src, &cpus).expect("default evaluates");
        assert_eq!(p.cores.len(), cores, "{src}");
        assert_eq!(p.bsp(), Some("bsp"));
        let feed = p.tasks.iter().find(|t| t.name == "feed").expect("feed");
        let vwap = p.tasks.iter().find(|t| t.name == "vwap").expect("vwap");
        if cores > 1 {
            assert_ne!(feed.core, vwap.core, "subscribers on another core: {src}");
        }
    }

    // A topology error found at build time (zero quantum) is located at the
    // core's declaration, and no thread starts.
    let before = thread_names();
    assert!(!before.iter().any(|n| n.starts_with("enso-")), "{before:?}");
    let src = "core[`b;*cpus;`bsp;`all]\n  quanta[`b;0;1;1]";
    match Machine::boot("q.o", src, |_, _| {}) {
        Err(MachineError::Boot(e)) => {
            assert_eq!((e.line, e.column), (1, 1), "{e}");
            assert!(e.message.contains("quanta.bus"), "{e}");
        }
        other => panic!("expected a boot error, got {other:?}"),
    }
    let src = "core[`b;*cpus;`bsp;`all]\ntask[`x;`b;1;`no.such.task]";
    match Machine::boot("r.o", src, |_, _| {}) {
        Err(MachineError::Boot(e)) => {
            assert_eq!(e.line, 2, "{e}");
            assert!(e.message.contains("no Rust task registered"), "{e}");
        }
        other => panic!("expected a boot error, got {other:?}"),
    }
    let after = thread_names();
    assert!(
        !after.iter().any(|n| n.starts_with("enso-")),
        "threads started: {after:?}"
    );
}
