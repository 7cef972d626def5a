//! Topology validation: each invalid declaration gives its own error, naming the field.

use std::task::Poll;
use std::time::Duration;

use enso::{
    Context, CoreSpec, IdlePolicy, Kernel, KernelBuilder, Task, TaskSpec, TimerKind, TimerTarget,
    TopologyError,
};

struct Nop;
impl Task for Nop {
    type Output = ();
    fn poll(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
}

fn two() -> KernelBuilder {
    Kernel::builder()
        .core(CoreSpec::bsp("boot", 0).all())
        .core(CoreSpec::ap("work", 1).tasks().timers())
        .ring("r", 8)
}

fn t(name: &str, core: &str) -> TaskSpec {
    TaskSpec::new(name, core, || Nop)
}

#[test]
fn valid_topology_builds() {
    let topo = two()
        .counter("c")
        .task(t("a", "work").writes("r").counter("c"))
        .task(t("b", "boot").reads("r"))
        .timer(
            "tick",
            "work",
            TimerKind::Interval(Duration::from_millis(1)),
            TimerTarget::Wake("a".into()),
        )
        .build_for(&[0, 1])
        .expect("valid");
    assert_eq!(topo.cores().len(), 2);
    assert_eq!(topo.bsp().0, 0);
}

#[test]
fn each_invalid_case_has_its_own_error() {
    type Case = (
        &'static str,
        KernelBuilder,
        fn(&TopologyError) -> bool,
        &'static str,
    );
    let cases: Vec<Case> = vec![
        (
            "no cores",
            Kernel::builder(),
            |e| matches!(e, TopologyError::NoCores),
            "no core",
        ),
        (
            "no bsp",
            Kernel::builder().core(CoreSpec::ap("a", 0).tasks()),
            |e| matches!(e, TopologyError::NoBsp),
            "BSP",
        ),
        (
            "two bsps",
            Kernel::builder()
                .core(CoreSpec::bsp("a", 0))
                .core(CoreSpec::bsp("b", 1)),
            |e| matches!(e, TopologyError::SecondBsp { .. }),
            "core `b`.role",
        ),
        (
            "duplicate core",
            Kernel::builder()
                .core(CoreSpec::bsp("a", 0))
                .core(CoreSpec::ap("a", 1)),
            |e| matches!(e, TopologyError::DuplicateName { kind: "core", .. }),
            "core `a`",
        ),
        (
            "empty name",
            Kernel::builder().core(CoreSpec::bsp("", 0)),
            |e| matches!(e, TopologyError::EmptyName { .. }),
            "core #0",
        ),
        (
            "cpu out of range",
            Kernel::builder()
                .core(CoreSpec::bsp("a", 0))
                .core(CoreSpec::ap("b", 7)),
            |e| matches!(e, TopologyError::CpuOutOfRange { cpu: 7, .. }),
            "core `b`.cpu",
        ),
        (
            "shared cpu not allowed",
            Kernel::builder()
                .core(CoreSpec::bsp("a", 0))
                .core(CoreSpec::ap("b", 0)),
            |e| matches!(e, TopologyError::SharedCpu { .. }),
            "core `b`.cpu",
        ),
        (
            "ring capacity not a power of two",
            two().ring("bad", 12),
            |e| matches!(e, TopologyError::NotPowerOfTwo { .. }),
            "ring `bad`.capacity",
        ),
        (
            "bus capacity",
            two().bus_capacity(100),
            |e| matches!(e, TopologyError::NotPowerOfTwo { .. }),
            "bus_capacity",
        ),
        (
            "duplicate ring",
            two().ring("r", 16),
            |e| matches!(e, TopologyError::DuplicateName { kind: "ring", .. }),
            "ring `r`",
        ),
        (
            "zero quantum",
            Kernel::builder().core(CoreSpec::bsp("a", 0).quanta(1, 1, 0)),
            |e| matches!(e, TopologyError::Zero { .. }),
            "core `a`.quanta.tasks",
        ),
        (
            "zero spin",
            Kernel::builder()
                .core(CoreSpec::bsp("a", 0).idle(IdlePolicy::SpinThenPark(Duration::ZERO))),
            |e| matches!(e, TopologyError::Zero { .. }),
            "core `a`.idle.spin",
        ),
        (
            "zero task slots",
            Kernel::builder().core(CoreSpec::bsp("a", 0).max_tasks(0)),
            |e| matches!(e, TopologyError::OutOfRange { .. }),
            "core `a`.max_tasks",
        ),
        (
            "unknown core",
            two().task(t("x", "nowhere")),
            |e| matches!(e, TopologyError::Unknown { kind: "core", .. }),
            "task `x`.core",
        ),
        (
            "task on a core without the task reactor",
            Kernel::builder()
                .core(CoreSpec::bsp("a", 0).io())
                .task(t("x", "a")),
            |e| {
                matches!(
                    e,
                    TopologyError::MissingReactor {
                        reactor: "tasks",
                        ..
                    }
                )
            },
            "task `x`",
        ),
        (
            "duplicate task",
            two().task(t("x", "work")).task(t("x", "boot")),
            |e| matches!(e, TopologyError::DuplicateName { kind: "task", .. }),
            "task `x`",
        ),
        (
            "unknown ring",
            two().task(t("x", "work").writes("nope")),
            |e| matches!(e, TopologyError::Unknown { kind: "ring", .. }),
            "task `x`.writes",
        ),
        (
            "unknown counter",
            two().task(t("x", "work").counter("nope")),
            |e| {
                matches!(
                    e,
                    TopologyError::Unknown {
                        kind: "counter",
                        ..
                    }
                )
            },
            "task `x`.counters",
        ),
        (
            "two writers on one spsc ring",
            two()
                .task(t("x", "work").writes("r"))
                .task(t("y", "boot").writes("r")),
            |e| matches!(e, TopologyError::RingEndTaken { end: "write", .. }),
            "task `y`.writes",
        ),
        (
            "too many boot tasks",
            Kernel::builder()
                .core(CoreSpec::bsp("a", 0).tasks().max_tasks(1))
                .task(t("x", "a"))
                .task(t("y", "a")),
            |e| matches!(e, TopologyError::OutOfRange { .. }),
            "max_tasks",
        ),
        (
            "timer on a core without timers",
            Kernel::builder()
                .core(CoreSpec::bsp("a", 0).tasks())
                .task(t("x", "a"))
                .timer(
                    "tm",
                    "a",
                    TimerKind::Oneshot(Duration::from_millis(1)),
                    TimerTarget::Wake("x".into()),
                ),
            |e| {
                matches!(
                    e,
                    TopologyError::MissingReactor {
                        reactor: "timers",
                        ..
                    }
                )
            },
            "timer `tm`",
        ),
        (
            "timer for an unknown task",
            two().timer(
                "tm",
                "work",
                TimerKind::Oneshot(Duration::from_millis(1)),
                TimerTarget::Wake("ghost".into()),
            ),
            |e| matches!(e, TopologyError::Unknown { kind: "task", .. }),
            "timer `tm`.target",
        ),
        (
            "zero interval",
            two().task(t("x", "work")).timer(
                "tm",
                "work",
                TimerKind::Interval(Duration::ZERO),
                TimerTarget::Wake("x".into()),
            ),
            |e| matches!(e, TopologyError::Zero { .. }),
            "timer `tm`.period",
        ),
        (
            "zero mailbox",
            two().mailbox(0),
            |e| matches!(e, TopologyError::Zero { .. }),
            "mailbox",
        ),
    ];
    let mut seen = Vec::new();
    for (what, builder, check, field) in cases {
        let err = builder.build_for(&[0, 1]).expect_err(what);
        assert!(check(&err), "{what}: wrong error {err:?}");
        let text = err.to_string();
        assert!(
            text.contains(field),
            "{what}: message `{text}` does not name `{field}`"
        );
        assert!(
            !seen.contains(&text),
            "{what}: message `{text}` not distinct"
        );
        seen.push(text);
    }
}

#[test]
fn shared_cpus_when_allowed() {
    let topo = Kernel::builder()
        .core(CoreSpec::bsp("a", 0).tasks())
        .core(CoreSpec::ap("b", 0).tasks())
        .core(CoreSpec::ap("c", 1).tasks())
        .allow_shared_cpus(true)
        .build_for(&[0, 1]);
    assert!(topo.is_ok(), "{topo:?}");
}
