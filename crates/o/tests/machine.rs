//! The machine's guarantees: deep recursion without Rust recursion, fuel
//! slicing that resumes exactly, bounded memory, host suspend and wake.

use enso_o::host::{FnHost, HostResult};
use enso_o::{Arity, ErrorKind, Interp, Limits, NoHost, Outcome, Value};
use std::sync::{Arc, Mutex};

/// Runs `f` on a thread with a small stack, so any Rust recursion that
/// grows with O recursion would overflow.
fn small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic")
}

#[test]
fn deep_recursion_100000() {
    let r = small_stack(|| {
        Interp::new()
            .eval("f:{$[x=0;0;1+f[x-1]]};f 100000")
            .map(|v| v.to_string())
    });
    assert_eq!(r.as_deref(), Ok("100000"));
}

#[test]
fn deep_recursion_through_adverbs() {
    let r = small_stack(|| {
        Interp::new()
            .eval("g:{$[x=0;0;1+*g'[,x-1]]};g 20000")
            .map(|v| v.to_string())
    });
    assert_eq!(r.as_deref(), Ok("20000"));
}

/// Runs `src` with `fuel` per slice, recording what `print` prints.
fn run_sliced(src: &str, fuel: u64) -> (String, Vec<String>) {
    let out = Arc::new(Mutex::new(Vec::new()));
    let mut o = Interp::new();
    let mut h = FnHost::default();
    let sink = out.clone();
    h.add(
        &mut o,
        "print",
        Arity::Monadic,
        Box::new(move |a: &[Value]| {
            sink.lock().expect("lock").push(a[0].to_string());
            HostResult::Value(a[0].clone())
        }),
    );
    o.load(src).expect("parses");
    let mut slices = 0u64;
    let v = loop {
        match o.run(fuel, &mut h) {
            Outcome::Suspended => slices += 1,
            Outcome::Done(v) => break v.to_string(),
            Outcome::Error(e) => break format!("'{e}"),
            Outcome::Waiting => panic!("unexpected wait"),
        }
        assert!(slices < 10_000_000, "no progress");
    };
    if fuel == 1 {
        assert!(slices > 0, "fuel 1 must suspend");
    }
    let printed = out.lock().expect("lock").clone();
    (v, printed)
}

#[test]
fn fuel_slicing_gives_same_result_and_output() {
    let programs = [
        "f:{$[x<2;x;f[x-1]+f[x-2]]};print f 15",
        "a:0;{print x;x*2}'1 2 3",
        "{print x;x<100}{x*2}\\1",
        "s:0;{s::s+x}'!100;print s;+/{print x}'\"abc\"",
        "fac:{$[x<2;1;x*fac[x-1]]};print fac'1 2 3 4 5;(+/!10;,/(1 2;3))",
        "t:(1 2;3 4);t[0;1]:99;print t;{x+y}/[0;!5]",
        "{[a;b]print a,b;a+b}.(1;2)",
        "p:{x,y}[1];print p 2;(2!)#!10",
        "1+`a",
    ];
    for p in programs {
        let whole = run_sliced(p, u64::MAX);
        assert_eq!(run_sliced(p, 1), whole, "fuel 1: {p}");
        assert_eq!(run_sliced(p, 7), whole, "fuel 7: {p}");
    }
}

#[test]
fn infinite_loop_runs_in_slices_forever() {
    let mut o = Interp::new();
    o.load("{1}{x+1}/0").expect("parses");
    for _ in 0..2000 {
        assert!(matches!(o.run(1000, &mut NoHost), Outcome::Suspended));
    }
    o.load("f:{f x};f 1").expect("parses");
    let limited = Limits {
        max_frames: 10_000,
        ..Limits::default()
    };
    let mut o2 = Interp::with_limits(limited);
    o2.load("f:{1+f x};f 1").expect("parses");
    match o2.run(u64::MAX, &mut NoHost) {
        Outcome::Error(e) => assert_eq!(e.kind(), ErrorKind::Limit),
        other => panic!("expected a limit error, got {other:?}"),
    }
}

#[test]
fn runaway_memory_is_a_limit_error() {
    let mut o = Interp::with_limits(Limits {
        max_items: 1_000_000,
        ..Limits::default()
    });
    let e = o.eval("{x,x}/[40;1]").expect_err("must hit the limit");
    assert_eq!(e.kind(), ErrorKind::Limit);
    let e = o.eval("!100000000").expect_err("must hit the limit");
    assert_eq!(e.kind(), ErrorKind::Limit);
    assert_eq!(
        o.eval("#!1000").map(|v| v.to_string()).as_deref(),
        Ok("1000")
    );
}

#[test]
fn host_verb_can_wait_and_be_woken() {
    let mut o = Interp::new();
    let id = o.register("rcv", Arity::Monadic);
    struct Queue {
        id: u32,
        calls: usize,
    }
    impl enso_o::Host for Queue {
        fn call(&mut self, id: u32, _name: &str, _args: &[Value]) -> HostResult {
            assert_eq!(id, self.id);
            self.calls += 1;
            HostResult::Wait
        }
    }
    let mut q = Queue { id, calls: 0 };
    o.load("a:rcv`q;b:rcv`q;a+b").expect("parses");
    assert!(matches!(o.run(u64::MAX, &mut q), Outcome::Waiting));
    assert!(
        matches!(o.run(u64::MAX, &mut q), Outcome::Waiting),
        "still waiting until woken"
    );
    o.wake(Value::Int(40));
    assert!(matches!(o.run(u64::MAX, &mut q), Outcome::Waiting));
    o.wake(Value::Int(2));
    match o.run(u64::MAX, &mut q) {
        Outcome::Done(v) => assert_eq!(v.to_string(), "42"),
        other => panic!("{other:?}"),
    }
    assert_eq!(q.calls, 2);
}

#[test]
fn host_errors_and_values() {
    let mut o = Interp::new();
    let mut h = FnHost::default();
    h.add(
        &mut o,
        "fail",
        Arity::Monadic,
        Box::new(|_a: &[Value]| HostResult::Error(enso_o::OError::new(ErrorKind::Host, "no."))),
    );
    h.add(
        &mut o,
        "sum3",
        Arity::Variadic,
        Box::new(|a: &[Value]| {
            HostResult::Value(Value::Int(a.iter().filter_map(|v| v.as_int()).sum()))
        }),
    );
    assert_eq!(
        o.eval_with("sum3[1;2;3]", &mut h)
            .map(|v| v.to_string())
            .as_deref(),
        Ok("6")
    );
    assert_eq!(
        o.eval_with("fail 1", &mut h).map_err(|e| e.to_string()),
        Err("no.".to_string())
    );
    assert_eq!(
        o.eval_with("sum3'[1 2;3 4;5 6]", &mut h)
            .map(|v| v.to_string())
            .as_deref(),
        Ok("9 12")
    );
}

#[test]
fn interpreter_is_send() {
    let mut o = Interp::new();
    o.eval("f:{x*x}").expect("ok");
    let r = std::thread::spawn(move || o.eval("f 12").map(|v| v.to_string()))
        .join()
        .expect("join");
    assert_eq!(r.as_deref(), Ok("144"));
}

#[test]
fn deep_values_are_a_limit_error_not_an_overflow() {
    // Values nest at most MAX_VALUE_DEPTH deep, so printing, matching and
    // dropping them fit a default 2 MiB thread stack even in debug builds.
    let r = std::thread::spawn(|| {
        let mut o = Interp::new();
        let a = o.eval("a:{,x}/[100000;1];1").map_err(|e| e.kind());
        let b = o.eval("{(,`a)!,x}/[100000;1]").map_err(|e| e.kind());
        let c = o
            .eval("a:{,x}/[998;1];(#$a;a~a;#-a)")
            .map(|v| v.to_string());
        (a, b, c)
    })
    .join()
    .expect("no overflow");
    assert_eq!(r.0, Err(ErrorKind::Limit));
    assert_eq!(r.1, Err(ErrorKind::Limit));
    assert_eq!(r.2.as_deref(), Ok("1 1 1"));
}

#[test]
fn deep_functions_are_a_limit_error_not_an_overflow() {
    // Projections, curried verbs and derived verbs hold values and nest
    // like lists: a chain of them past MAX_VALUE_DEPTH is a limit error
    // (it used to overflow the stack when dropped or printed).
    let r = std::thread::spawn(|| {
        let mut o = Interp::new();
        let proj = o
            .eval("h:{[a;b]a+b};f:{$[x<1;y;f[x-1;f[x-1;f[x-1;h[y]]]]]};r:f[12;1];1")
            .map_err(|e| e.kind());
        let curry = o.eval("g:1;{g::g+}/[100000;0];1").map_err(|e| e.kind());
        let derived = o.eval("g:{x};{g::g'}/[100000;0];1").map_err(|e| e.kind());
        let shallow = o.eval("#$f[5;1]").map(|v| v.to_string());
        let again = o.eval("g:{x};{g::g'}/[900;0];g~g").map(|v| v.to_string());
        (proj, curry, derived, shallow, again)
    })
    .join()
    .expect("no overflow");
    assert_eq!(r.0, Err(ErrorKind::Limit));
    assert_eq!(r.1, Err(ErrorKind::Limit));
    assert_eq!(r.2, Err(ErrorKind::Limit));
    assert_eq!(r.3.as_deref(), Ok("1574"));
    assert_eq!(r.4.as_deref(), Ok("1"));
}

#[test]
fn tail_calls_run_in_constant_space() {
    let mut o = Interp::with_limits(Limits {
        max_frames: 100,
        ..Limits::default()
    });
    let n: i64 = if cfg!(debug_assertions) {
        100_000
    } else {
        1_000_000
    };
    let src = format!("f:{{[i;s]$[i>{n};s;f[i+1;s+i]]}};f[1;0]");
    let want = (n * (n + 1) / 2).to_string();
    assert_eq!(o.eval(&src).map(|v| v.to_string()), Ok(want));
    assert_eq!(
        o.eval("g:{$[x>0;g x-1;`done]};g 50000")
            .map(|v| v.to_string())
            .as_deref(),
        Ok("`done")
    );
    // Not a tail call: needs a frame per level, so it hits the limit.
    let e = o
        .eval("h:{$[x=0;0;1+h[x-1]]};h 1000")
        .expect_err("depth limit");
    assert_eq!(e.kind(), ErrorKind::Limit);
}
