//! The machine's fast paths (fused local/constant dyads and conditional
//! jumps, borrowed chunks in recursion, frames reused by adverb jobs) give
//! the same results as the general paths, also when run in fuel slices.

use enso_o::{ErrorKind, Interp, Limits, NoHost, Outcome};

/// Evaluates `src` in slices of `fuel`, returning the printed result or error.
fn sliced(src: &str, fuel: u64) -> String {
    sliced_with(src, Limits::default(), fuel).0
}

/// Checks `src` gives `want` whole and in slices of 1 and 7.
fn check(src: &str, want: &str) {
    for fuel in [u64::MAX, 1, 7] {
        assert_eq!(sliced(src, fuel), want, "{src} with fuel {fuel}");
    }
}

#[test]
fn fused_dyads_on_ints_and_other_types() {
    check("{x-1}5", "4");
    check("{x-1.5}5", "3.5");
    check("{x+y}[2;3]", "5");
    check("{x+y}[2.5;3]", "5.5");
    check("{x,y}[1;2]", "1 2");
    check("{x-1}1 2 3", "0 1 2");
    check("{x*0N}5", "0N");
}

#[test]
fn fused_conditions_on_ints_and_other_types() {
    check("f:{$[x<2.5;x;f[x-1]]}; f 5", "2");
    check("{$[x<\"b\";1;2]}\"a\"", "1");
    check("{$[x=1;`one;x=2;`two;`many]}'1 2 3", "`one`two`many");
    check("{$[x<2;1;2]}1 2 3", "1");
    check("{$[x<2;1;2]}[!0]", "2");
    check("{$[x~1;`y;`n]}1", "`y");
}

#[test]
fn unset_locals_fall_back_to_globals_in_fused_ops() {
    check("a:5;{c:a<7;a:1;c}[]", "1");
    check("a:5;b:2;{c:a+b;a:1;b:1;c}[]", "7");
}

#[test]
fn recursion_survives_redefinition_of_its_function() {
    check("f:{$[x=0;f::0;1+f x-1]}; r:f 3; (r;f)", "3 0");
    check("f:{$[x=0;f::0;f x-1]}; r:f 3; (r;f)", "0 0");
    check("f:{$[x=0;0*#f::{x};f x-1]}; r:f 3; (r;f 7)", "0 7");
    check("f:{$[x=0;0;1+f x-1]}; g:f; f:{x}; g 3", "3");
}

#[test]
fn adverb_jobs_reuse_their_lambda_frame() {
    check("{x+y}/1 2 3", "6");
    check("{x+y}/(1 2;3 4)", "4 6");
    check("{x,y}/1 2 3", "1 2 3");
    check("{[a;b] a-b}/10 1 2", "7");
    check("{x+y}\\1 2 3", "1 3 6");
    check("{x*2}'1 2 3", "2 4 6");
    check("{x+y}'[1 2;3 4]", "4 6");
    check("{[n] {x+n}'1 2 3}[10]", "11 12 13");
    check("{[n] {x+y+n}/1 2 3}[10]", "26");
    check("{a:x*2;a+1}'1 2 3", "3 5 7");
    check("{x+y}/1+!1000", "500500");
    // A rerun frame starts with its other locals unset again.
    check("a:5;{b:a;a:x;b}'1 2 3", "5 5 5");
    check("{x+y}/(1 2;3;4 5)", "8 10");
    check("{x+y}/0N 1 2", "0N");
}

#[test]
fn nested_conditions_return_from_any_branch() {
    check("f:{$[x<5;$[x<2;`a;`b];f x-1]}; f'0 3 9", "`a`b`b");
    check("f:{$[x>0;$[x>5;f x-2;f x-1];`done]}; f 20", "`done");
    check("{$[x;$[y;1;2];$[y;3;4]]}'[0 0 1 1;0 1 0 1]", "4 3 2 1");
    check("{a:$[x<2;10;20]; a+1}'0 5", "11 21");
    check(
        "{$[x<2;x;x>5;$[x>8;`big;`mid];`small]}'0 1 3 6 9",
        "(0;1;`small;`mid;`big)",
    );
}

#[test]
fn a_returned_dyad_that_runs_a_job_returns_its_result() {
    check("{{x>1}#x}1 2 3", "2 3");
    check("{{x>1}_x}1 2 3", ",1");
    check("{a:x;{x>1}#a}1 2 3", "2 3");
    check("f:{$[x<1;0;x]}; {f x}'0 1 2", "0 1 2");
}

#[test]
fn fused_call_of_a_global_with_a_computed_argument() {
    check("f:{x}; {f[x-1.5]}3", "1.5");
    check("f:{x*2}; {f[x-1]}'(1;2.5)", "0 3");
    check("l:10 20 30; {l[x-1]}2", "20");
    check("a:5;f:{x};{c:f[a+1];a:1;c}[]", "6");
    check("f:{x+y}; {f[x-1]}3", "{[x;y]x+y}[2;]");
    check("p:{x+y}[1]; {p[x-1]}3", "3");
    check("fib:{$[x<2;x;fib[x-1]+fib[x-2]]}; fib 15", "610");
}

/// Total fuel `src` spends when run in slices of `fuel`.
fn total_fuel(src: &str, fuel: u64) -> u64 {
    sliced_with(src, Limits::default(), fuel).1
}

#[test]
fn int_folds_of_kernel_lambdas() {
    check("{x+y}/1+!1000", "500500");
    check("{x-y}/10 1 2 3", "4");
    check("{x*y}/1+!20", "2432902008176640000");
    check("{x*y}/1+!30", "-8764578968847253504");
    check("{x+y}/0N 1 2", "0N");
    check("{x+y}/1 2 0N 4", "0N");
    check("10{x+y}/1 2 3", "16");
    check("{x+y}\\1 2 3 4", "1 3 6 10");
    check("5{x+y}\\1 2 3", "6 8 11");
    check("{$[x>y;x;y]}/3 1 4 1 5 9 2 6", "9");
    check("{$[x>10;$[y>2;x-y;x+y];x*y+1]}/1+!20", "132");
    check("{x;y}/1 2 3", "3");
    check("{x<y}/1 2 3", "1");
    check("{[a;b] b-a}/1 2 3", "2");
    check("{y}/1 2 3", "3");
    check("{7}/1 2 3", "7");
    check("{[n] {x+y*n}/1 2 3}[10]", "51");
    check("{[n] {x+y*n}/1 2 3}[1.5]", "8.5");
    check("{[n] {x+y*n}\\1 2 3}[2]", "1 5 11");
    check("1.5{x+y}/1 2 3", "7.5");
    check("{x+y}/(1 2;3;4 5)", "8 10");
    check("{y-x}\\1 2 3 4", "1 1 2 2");
    check("{y-x}/1+!1000", "500");
    check("{x&y}/3 1 4 1 5", "1");
    check("{x=y}\\1 1 0 1", "1 1 0 0");
    check("{x,y}/1 2 3", "1 2 3");
    check("a:1;{x+y+a}/1 2 3", "8");
    check("{a:x+y;a}/1 2 3", "6");
}

#[test]
fn errors_inside_an_int_fold_are_reported_as_before() {
    check(
        "{$[y<3;x+y;x+`a]}/1 2 3 4",
        "error: number expected, found symbol.",
    );
    check(
        "{$[y<300;x+y;x+`a]}/1+!1000",
        "error: number expected, found symbol.",
    );
    check(
        "{$[y<3;x+y;f x]}/1 2 3 4",
        "error: the name 'f' has not been defined.",
    );
    check(
        "{[n] {x+y*n}/1 2 3}[`a]",
        "error: number expected, found symbol.",
    );
    check("{$[y<300;x+y;x%0]}/1+!1000", "0w");
}

#[test]
fn int_folds_spend_the_same_fuel_in_any_slices() {
    for src in [
        "{x+y}/1+!1000",
        "{x+y}\\1+!100",
        "{$[x>y;x;y]}/3 1 4 1 5 9 2 6",
        "{$[x>10;$[y>2;x-y;x+y];x*y+1]}/1+!50",
        "{[n] {x+y*n}/1+!40}[10]",
        "{y-x}\\1+!30",
        "{x-y}/1+!30",
        "{x|y}/3 1 4 1 5 9 2 6",
        "{y<x}\\3 1 4 1 5",
        "{x*y}/1+!40",
        "7{x+y}/0N 1 2",
    ] {
        let whole = total_fuel(src, u64::MAX);
        for fuel in [1, 2, 3, 7, 100] {
            assert_eq!(total_fuel(src, fuel), whole, "{src} in slices of {fuel}");
        }
    }
}

#[test]
fn an_int_argument_goes_straight_into_the_callee() {
    check("f:{$[x<1;0;1+f[x-1]]}; f 1000", "1000");
    check("f:{$[x<1;`done;f[x-1]]}; f 100000", "`done");
    check("f:3 4 5; {f[x-1]}2", "4");
    check("f:{x*2}; {f[x+1]}'1 2 3", "4 6 8");
    // The stack and call-depth limits are checked as on the general path.
    let mut o = Interp::with_limits(Limits {
        max_frames: 1000,
        ..Limits::default()
    });
    let e = o
        .eval("f:{$[x<1;0;1+f[x-1]]}; f 5000")
        .expect_err("too deep");
    assert_eq!(e.kind(), ErrorKind::Limit, "{e}");
    assert_eq!(o.eval("f 500").expect("fits").to_string(), "500");
}

/// Runs `src` with `limits` in slices of `fuel`: the printed result or
/// error, and the fuel spent in all.
fn sliced_with(src: &str, limits: Limits, fuel: u64) -> (String, u64) {
    let mut o = Interp::with_limits(limits);
    if let Err(e) = o.load(src) {
        return (format!("error: {e}"), 0);
    }
    let mut total = 0;
    loop {
        let r = o.run(fuel, &mut NoHost);
        total += o.fuel_spent();
        match r {
            Outcome::Done(v) => return (v.to_string(), total),
            Outcome::Error(e) => return (format!("error: {e}"), total),
            Outcome::Suspended => {}
            Outcome::Waiting => return ("waiting".to_string(), total),
        }
    }
}

#[test]
fn calls_in_int_kernels_give_what_the_general_path_gives() {
    // Each result and its fuel were recorded from the general path (before
    // calls ran in int kernels); the kernel must give the same, whole and
    // in slices, under the default limits (0), a call depth of 1000 (1) and
    // a stack of 1000 (2). The programs run calls in the kernel, stop it
    // (a call of a global that is not a kernel lambda, a limit) and resume.
    let limits = [
        Limits::default(),
        Limits {
            max_frames: 1000,
            ..Limits::default()
        },
        Limits {
            max_stack: 1000,
            ..Limits::default()
        },
    ];
    // limits | program | result | fuel
    let cases = "\
0 | fib:{$[x<2;x;fib[x-1]+fib[x-2]]}; fib 15 | 610 | 5923
0 | f:{$[x<1;0;1+f[x-1]]}; f 1000 | 1000 | 4008
0 | f:{$[x<1;y;f[x-1;y+x]]}; f[1000;0] | 500500 | 4008
0 | f:{$[x<1;y;f[x-1;y*3]]}; f[100;1] | -2984622845537545263 | 408
0 | e:{$[x=0;1;o[x-1]]}; o:{$[x=0;0;e[x-1]]}; (e 101;o 101) | 0 1 | 422
0 | a:{$[x=0;y+1;y=0;a[x-1;1];a[x-1;a[x;y-1]]]}; a[2;3] | 9 | 224
0 | g:{x%2}; f:{$[x<1;0;f[x-1]+g[x]]}; f 10 | 27.5 | 81
0 | g:10 20 30 40; f:{$[x<1;0;f[x-1]+g[x]]}; f 3 | 90 | 26
0 | g:{x+y}; f:{$[x<1;0;f[x-1]+g[x]]}; f 3 | error: number expected, found function. | 24
0 | f:{$[x<1;0;f[x-1]+h[x]]}; f 3 | error: the name 'h' has not been defined. | 8
0 | g:{x*y}; f:{$[x<1;1;g[x;f[x-1]]]}; f 20 | 2432902008176640000 | 131
0 | g:{[a;b;c] a-b*c}; f:{$[x<1;1;g[x;f[x-1];2]]}; f 10 | 800 | 91
0 | f:{$[x<1;0;1+f[x-1]]}; f 5000 | 5000 | 20008
0 | f:{$[x<2;x;f[x-1]+f[x-2]]}; f'!12 | 0 1 1 2 3 5 8 13 21 34 55 89 | 2230
0 | f:{$[x<1;0;1+f[x-1]]}; {x+f y}/1 2 3 | 6 | 45
0 | f:{$[x<1;0;1+f[x-1]]}; f 100000 | 100000 | 400008
0 | f:{x+1}; g:{f[x]*2}; g 5 | 12 | 14
0 | f:{$[x<1;0;x+f x-1]}; f 100 | 5050 | 408
0 | f:{[a;b] $[a<1;b;f[a-1;b+1]+0]}; f[50;0] | 50 | 308
0 | f:{[a;b] $[a<1;b;f[b;a-1]]}; f[5;7] | 2 | 48
1 | f:{$[x<1;0;1+f[x-1]]}; f 1000 | error: limit error: call depth. | 2005
1 | f:{$[x<1;0;1+f[x-1]]}; f 5000 | error: limit error: call depth. | 2005
1 | f:{$[x<1;0;1+f[x-1]]}; f 100000 | error: limit error: call depth. | 2005
2 | f:{$[x<1;0;1+f[x-1]]}; f 1000 | error: limit error: stack. | 2003
2 | f:{$[x<1;0;1+f[x-1]]}; f 5000 | error: limit error: stack. | 2003
2 | f:{$[x<1;0;1+f[x-1]]}; f 100000 | error: limit error: stack. | 2003";
    for case in cases.lines() {
        let f: Vec<&str> = case.split(" | ").collect();
        let [l, src, want, fuel] = f[..] else {
            panic!("bad case {case:?}");
        };
        let l: usize = l.parse().expect("limits index");
        let fuel: u64 = fuel.parse().expect("fuel");
        for slice in [u64::MAX, 1, 2, 3, 7] {
            assert_eq!(
                sliced_with(src, limits[l], slice),
                (want.to_string(), fuel),
                "{src} with limits {l} in slices of {slice}"
            );
        }
    }
}

/// A xorshift generator, so the random programs below are the same on
/// every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, m: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % m
    }
}

/// A random expression of depth `d` over `x`, `y` and ints, with int verbs,
/// conditions and calls of `f` (recursive), `g` and `h`.
fn random_expr(r: &mut Rng, d: u32) -> String {
    const ATOMS: [&str; 5] = ["x", "y", "1", "2", "0N"];
    const VERBS: [&str; 8] = ["+", "-", "*", "<", ">", "=", "&", "|"];
    let atom = |r: &mut Rng| ATOMS[r.below(5) as usize].to_string();
    if d == 0 {
        return atom(r);
    }
    match r.below(6) {
        0 | 1 => {
            let v = VERBS[r.below(8) as usize];
            format!("({}{v}{})", random_expr(r, d - 1), random_expr(r, d - 1))
        }
        2 => format!("f[x-{};{}]", 1 + r.below(2), random_expr(r, d - 1)),
        3 => format!("g[x-{}]", 1 + r.below(2)),
        4 => format!(
            "$[{};{};{}]",
            random_expr(r, d - 1),
            random_expr(r, d - 1),
            random_expr(r, d - 1)
        ),
        _ => format!("h[{}]", random_expr(r, d - 1)),
    }
}

#[test]
fn random_int_programs_give_the_same_in_any_slices() {
    // Run whole, calls of int lambdas run in the kernel; in slices of 1 a
    // kernel run stops before its first instruction, so nearly all runs the
    // general way. `h` is an int lambda, or something the kernel cannot call.
    let hs = ["h:{x+1}", "h:{x%2}", "h:3 4 5", "h:{x,1}", "h:{x*x}"];
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..1000 {
        let f = format!("f:{{$[x<1;y;{}]}}", random_expr(&mut r, 3));
        let g = format!(
            "g:{{$[x<1;0;{}]}}",
            random_expr(&mut r, 2).replace('y', "x")
        );
        let h = hs[r.below(hs.len() as u64) as usize];
        let src = format!("{h};{g};{f};f[{};{}]", r.below(9), r.below(5));
        let whole = sliced_with(&src, Limits::default(), u64::MAX);
        for slice in [1, 5, 13] {
            let got = sliced_with(&src, Limits::default(), slice);
            assert_eq!(got, whole, "{src} in slices of {slice}");
        }
    }
}
