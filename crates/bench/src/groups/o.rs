//! The O interpreter (`enso-o`) against Lua 5.4 and plain Rust, one thread:
//!
//! - `o-fib`: naive doubly recursive `fib`, nanoseconds per call. The full
//!   run is `fib 27` (635,621 calls); other sizes run a few `fib k` whose
//!   call counts add up to exactly `n`. Every result is checked.
//! - `o-loop`: the scalar loop summing `1..n`, nanoseconds per iteration;
//!   the sum is checked.
//! - `o-sum`: `+/!n` over ints, throughput in elements (1000 M element/s is
//!   one element per nanosecond); the sum is checked.
//! - `o-mul`: `x*y` on two float vectors of `n`, same unit; every element
//!   of the result is checked against Rust's product.
//!
//! O rows time [`Interp::eval`] of the expression (parse and compile
//! included: a few microseconds); the operands of the vector rows are built
//! before the clock starts and the result is dropped after it stops. Lua rows
//! run `lua5.4 -e <script>` as an external process; the script builds its
//! inputs, times only the computation with `os.clock` (CPU time, which on an
//! unloaded core equals wall time) and prints the elapsed seconds and the
//! result, which the row checks. When `lua5.4` is not on `PATH` the Lua rows
//! are left out and the group says so. The `Rust` rows are the floor: the
//! same computation as a plain compiled loop.

use std::hint::black_box;
use std::process::Command;
use std::time::Duration;

use enso_o::{Interp, Value};

use crate::harness::{self, BenchError, Worker};
use crate::model::{Group, Items, Kind, Params, Row, Sample, Unit};

/// The O definition of `fib` the fib rows run.
const FIB: &str = "fib:{$[x<2;x;fib[x-1]+fib[x-2]]}";
/// The Lua interpreter the peer rows run.
const LUA: &str = "lua5.4";

/// The O interpreter groups.
pub fn groups() -> Vec<Group> {
    let lua = lua_available();
    vec![fib(lua), scalar_loop(lua), int_sum(lua), float_mul(lua)]
}

/// True when `lua5.4` runs.
fn lua_available() -> bool {
    Command::new(LUA)
        .args(["-e", "print(1)"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Group notes, plus why the Lua row is missing when it is.
fn notes(lua: bool, extra: &[&str]) -> Vec<String> {
    let mut notes: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    if !lua {
        notes.push(format!("no Lua row: `{LUA}` is not on PATH"));
    }
    notes
}

/// The compiled-Rust row is the floor when Lua (the peer the targets name)
/// has a row; without Lua it is the group's only comparison, so a peer.
fn rust_kind(lua: bool) -> Kind {
    if lua { Kind::Floor } else { Kind::Peer }
}

/// `rows` with the Lua row appended when Lua is available.
fn with_lua(mut rows: Vec<Row>, lua: bool, row: Row) -> Vec<Row> {
    if lua {
        rows.push(row);
    }
    rows
}

fn fib(lua: bool) -> Group {
    Group {
        name: "o-fib",
        title: "naive recursive fib 27, one thread",
        unit: Unit::NanosPer("call"),
        items: Items {
            full: fib_calls(27),
            quick: fib_calls(20),
        },
        capacity: 0,
        batch: 1,
        notes: notes(lua, &["target: O within 2x of Lua 5.4"]),
        rows: with_lua(
            vec![
                Row::new(
                    Kind::Enso,
                    "O",
                    "fib:{$[x<2;x;fib[x-1]+fib[x-2]]}; fib 27",
                    o_fib,
                ),
                Row::new(
                    rust_kind(lua),
                    "Rust (floor)",
                    "fn fib(n: i64) -> i64, the same recursion compiled",
                    rust_fib,
                ),
            ],
            lua,
            Row::new(
                Kind::Peer,
                "Lua 5.4",
                "local function fib(n) if n<2 then return n end return fib(n-1)+fib(n-2) end",
                lua_fib,
            ),
        ),
    }
}

fn scalar_loop(lua: bool) -> Group {
    Group {
        name: "o-loop",
        title: "scalar loop summing 1..n, one thread",
        unit: Unit::NanosPer("iteration"),
        items: Items {
            full: 10_000_000,
            quick: 500_000,
        },
        capacity: 0,
        batch: 1,
        notes: notes(lua, &["target: O within 2x of Lua 5.4"]),
        rows: with_lua(
            vec![
                Row::new(
                    Kind::Enso,
                    "O",
                    "{x+y}/1+!n: a lambda folded over the range (building 1+!n is timed too)",
                    o_loop,
                ),
                Row::new(
                    rust_kind(lua),
                    "Rust (floor)",
                    "for i in 1..=n { s += black_box(i) }",
                    rust_loop,
                ),
            ],
            lua,
            Row::new(
                Kind::Peer,
                "Lua 5.4",
                "local s=0 for i=1,n do s=s+i end",
                lua_loop,
            ),
        ),
    }
}

fn int_sum(lua: bool) -> Group {
    Group {
        name: "o-sum",
        title: "+/ over n ints, one thread",
        unit: Unit::MillionsPerSec("element"),
        items: Items {
            full: 10_000_000,
            quick: 1_000_000,
        },
        capacity: 0,
        batch: 1,
        notes: notes(
            lua,
            &["1000 M element/s = 1 element/ns; target: O at least 1 element/ns"],
        ),
        rows: with_lua(
            vec![
                Row::new(
                    Kind::Enso,
                    "O",
                    "+/i with i:!n built before the clock",
                    o_sum,
                ),
                Row::new(
                    rust_kind(lua),
                    "Rust (floor)",
                    "v.iter().sum::<i64>() over a Vec<i64>",
                    rust_sum,
                ),
            ],
            lua,
            Row::new(
                Kind::Peer,
                "Lua 5.4",
                "for i=1,#t do s=s+t[i] end over a table built before the clock",
                lua_sum,
            ),
        ),
    }
}

fn float_mul(lua: bool) -> Group {
    Group {
        name: "o-mul",
        title: "x*y on two float vectors of n, new result, one thread",
        unit: Unit::MillionsPerSec("element"),
        items: Items {
            full: 10_000_000,
            quick: 1_000_000,
        },
        capacity: 0,
        batch: 1,
        notes: notes(
            lua,
            &[
                "1000 M element/s = 1 element/ns; x and y are globals, so the result is a new vector",
            ],
        ),
        rows: with_lua(
            vec![
                Row::new(
                    Kind::Enso,
                    "O",
                    "x*y, x and y built before the clock",
                    o_mul,
                ),
                Row::new(
                    rust_kind(lua),
                    "Rust (floor)",
                    "x.iter().zip(&y).map(|(a, b)| a * b).collect::<Vec<f64>>()",
                    rust_mul,
                ),
            ],
            lua,
            Row::new(
                Kind::Peer,
                "Lua 5.4",
                "local z={} for i=1,n do z[i]=x[i]*y[i] end",
                lua_mul,
            ),
        ),
    }
}

/// Calls made by the naive `fib k`: `2 fib(k+1) - 1`.
fn fib_calls(k: u64) -> u64 {
    2 * fib_value(k + 1) - 1
}

/// The `k`th Fibonacci number.
fn fib_value(k: u64) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..k {
        (a, b) = (b, a + b);
    }
    a
}

/// Arguments whose naive `fib` calls add up to exactly `calls`, largest first.
fn fib_args(calls: u64) -> Vec<u64> {
    let mut left = calls;
    let mut args = Vec::new();
    while left > 0 {
        // fib_calls(0) = 1, so this always finds an argument.
        let k = (0..=90).take_while(|&k| fib_calls(k) <= left).last();
        let Some(k) = k else { break };
        args.push(k);
        left -= fib_calls(k);
    }
    args
}

fn setup<E: std::fmt::Display>(p: &Params) -> impl Fn(E) -> BenchError + '_ {
    move |e| BenchError::Setup {
        run: p.label.clone(),
        reason: e.to_string(),
    }
}

/// Runs `job` on core 0 and returns its time and checksum.
fn solo(p: &Params, job: impl FnOnce() -> u64 + Send) -> Result<(Duration, u64), BenchError> {
    let outcome = harness::run_team(&p.label, vec![Worker::new(0, job)])?;
    Ok((outcome.elapsed, outcome.checksums[0]))
}

/// The int an O result must be, or 0 (never a valid checksum here).
fn as_int(v: &Value) -> u64 {
    match v {
        Value::Int(i) => *i as u64,
        _ => 0,
    }
}

fn o_fib(p: &Params) -> Result<Sample, BenchError> {
    let args = fib_args(p.items);
    let mut o = Interp::new();
    o.eval(FIB).map_err(setup(p))?;
    let srcs: Vec<String> = args.iter().map(|k| format!("fib {k}")).collect();
    let (elapsed, got) = solo(p, || {
        srcs.iter()
            .map(|src| o.eval(src).map_or(0, |v| as_int(&v)))
            .fold(0u64, u64::wrapping_add)
    })?;
    let want = args.iter().map(|&k| fib_value(k)).sum();
    harness::verify(&p.label, "fib", want, got)?;
    Ok(Sample {
        elapsed,
        items: p.items,
    })
}

fn rust_fib(p: &Params) -> Result<Sample, BenchError> {
    fn fib(n: i64) -> i64 {
        if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
    }
    let args = fib_args(p.items);
    let (elapsed, got) = solo(p, || {
        args.iter()
            .map(|&k| fib(black_box(k as i64)) as u64)
            .fold(0u64, u64::wrapping_add)
    })?;
    let want = args.iter().map(|&k| fib_value(k)).sum();
    harness::verify(&p.label, "fib", want, got)?;
    Ok(Sample {
        elapsed,
        items: p.items,
    })
}

fn lua_fib(p: &Params) -> Result<Sample, BenchError> {
    let args = fib_args(p.items);
    let list: Vec<String> = args.iter().map(u64::to_string).collect();
    let script = format!(
        "local function fib(n) if n<2 then return n end return fib(n-1)+fib(n-2) end \
         local args={{{}}} local t=os.clock() local s=0 \
         for i=1,#args do s=s+fib(args[i]) end \
         print(string.format('%.9f %d', os.clock()-t, s))",
        list.join(",")
    );
    let want = args.iter().map(|&k| fib_value(k)).sum();
    lua_run(p, &script, want)
}

fn o_loop(p: &Params) -> Result<Sample, BenchError> {
    let mut o = Interp::new();
    let src = format!("{{x+y}}/1+!{}", p.items);
    let (elapsed, got) = solo(p, || o.eval(&src).map_or(0, |v| as_int(&v)))?;
    harness::verify(&p.label, "sum", harness::sum_of_range(1, p.items), got)?;
    Ok(Sample {
        elapsed,
        items: p.items,
    })
}

fn rust_loop(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items;
    let (elapsed, got) = solo(p, move || {
        let mut s = 0u64;
        for i in 1..=n {
            s = s.wrapping_add(black_box(i));
        }
        s
    })?;
    harness::verify(&p.label, "sum", harness::sum_of_range(1, p.items), got)?;
    Ok(Sample {
        elapsed,
        items: p.items,
    })
}

fn lua_loop(p: &Params) -> Result<Sample, BenchError> {
    let script = format!(
        "local n={} local t=os.clock() local s=0 for i=1,n do s=s+i end \
         print(string.format('%.9f %d', os.clock()-t, s))",
        p.items
    );
    lua_run(p, &script, harness::sum_of_range(1, p.items))
}

fn o_sum(p: &Params) -> Result<Sample, BenchError> {
    let n = p.items as i64;
    let mut o = Interp::new();
    o.set("i", Value::Ints((0..n).collect::<Vec<i64>>().into()));
    let (elapsed, got) = solo(p, || o.eval("+/i").map_or(0, |v| as_int(&v)))?;
    harness::verify(&p.label, "sum", harness::sum_of_range(0, p.items - 1), got)?;
    Ok(Sample {
        elapsed,
        items: p.items,
    })
}

fn rust_sum(p: &Params) -> Result<Sample, BenchError> {
    let v: Vec<i64> = (0..p.items as i64).collect();
    let (elapsed, got) = solo(p, || black_box(&v).iter().sum::<i64>() as u64)?;
    harness::verify(&p.label, "sum", harness::sum_of_range(0, p.items - 1), got)?;
    Ok(Sample {
        elapsed,
        items: p.items,
    })
}

fn lua_sum(p: &Params) -> Result<Sample, BenchError> {
    let script = format!(
        "local n={} local v={{}} for i=1,n do v[i]=i-1 end \
         local t=os.clock() local s=0 for i=1,#v do s=s+v[i] end \
         print(string.format('%.9f %d', os.clock()-t, s))",
        p.items
    );
    lua_run(p, &script, harness::sum_of_range(0, p.items - 1))
}

/// The operands of the multiply rows: `1.5*i` and `0.5*i`.
fn mul_operands(n: u64) -> (Vec<f64>, Vec<f64>) {
    let x = (0..n).map(|i| 1.5 * i as f64).collect();
    let y = (0..n).map(|i| 0.5 * i as f64).collect();
    (x, y)
}

/// Checks every element of `z` against `x*y`; a checksum of the mismatches.
fn mul_mismatches(x: &[f64], y: &[f64], z: &[f64]) -> u64 {
    if z.len() != x.len() {
        return u64::MAX;
    }
    x.iter()
        .zip(y)
        .zip(z)
        .filter(|((a, b), c)| (*a * *b).to_bits() != c.to_bits())
        .count() as u64
}

fn o_mul(p: &Params) -> Result<Sample, BenchError> {
    let (x, y) = mul_operands(p.items);
    let mut o = Interp::new();
    o.set("x", Value::Floats(x.clone().into()));
    o.set("y", Value::Floats(y.clone().into()));
    let mut out = None;
    let (elapsed, _) = solo(p, || {
        out = o.eval("x*y").ok();
        0
    })?;
    let bad = match &out {
        Some(Value::Floats(z)) => mul_mismatches(&x, &y, z),
        _ => u64::MAX,
    };
    harness::verify(&p.label, "mismatched elements", 0, bad)?;
    Ok(Sample {
        elapsed,
        items: p.items,
    })
}

fn rust_mul(p: &Params) -> Result<Sample, BenchError> {
    let (x, y) = mul_operands(p.items);
    let mut out = Vec::new();
    let (elapsed, _) = solo(p, || {
        out = black_box(&x)
            .iter()
            .zip(black_box(&y))
            .map(|(a, b)| a * b)
            .collect::<Vec<f64>>();
        0
    })?;
    harness::verify(
        &p.label,
        "mismatched elements",
        0,
        mul_mismatches(&x, &y, &out),
    )?;
    Ok(Sample {
        elapsed,
        items: p.items,
    })
}

fn lua_mul(p: &Params) -> Result<Sample, BenchError> {
    // The checksum is the number of elements that differ from x[i]*y[i]
    // computed again after the clock stops (Lua floats are IEEE doubles).
    let script = format!(
        "local n={} local x={{}} local y={{}} \
         for i=1,n do x[i]=1.5*(i-1) y[i]=0.5*(i-1) end \
         local t=os.clock() local z={{}} for i=1,n do z[i]=x[i]*y[i] end \
         local e=os.clock()-t local bad=0 \
         for i=1,n do if z[i]~=1.5*(i-1)*(0.5*(i-1)) then bad=bad+1 end end \
         print(string.format('%.9f %d', e, bad))",
        p.items
    );
    lua_run(p, &script, 0)
}

/// Runs a Lua script that prints "<seconds> <checksum>" and checks the checksum.
fn lua_run(p: &Params, script: &str, want: u64) -> Result<Sample, BenchError> {
    let out = Command::new(LUA)
        .args(["-e", script])
        .output()
        .map_err(setup(p))?;
    if !out.status.success() {
        return Err(setup(p)(format!(
            "{LUA} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut words = text.split_whitespace();
    let secs = words.next().and_then(|w| w.parse::<f64>().ok());
    let got = words.next().and_then(|w| w.parse::<i64>().ok());
    let (Some(secs), Some(got)) = (secs, got) else {
        return Err(setup(p)(format!(
            "{LUA} printed {text:?}, not '<seconds> <result>'"
        )));
    };
    harness::verify(&p.label, "lua result", want, got as u64)?;
    Ok(Sample {
        elapsed: Duration::from_secs_f64(secs.max(1e-9)),
        items: p.items,
    })
}
