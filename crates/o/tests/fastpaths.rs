//! The machine's fast paths (fused local/constant dyads and conditional
//! jumps, borrowed chunks in recursion, frames reused by adverb jobs) give
//! the same results as the general paths, also when run in fuel slices.

use enso_o::{ErrorKind, Interp, Limits, NoHost, Outcome};

/// Evaluates `src` in slices of `fuel`, returning the printed result or error.
fn sliced(src: &str, fuel: u64) -> String {
    let mut o = Interp::new();
    if let Err(e) = o.load(src) {
        return format!("error: {e}");
    }
    loop {
        match o.run(fuel, &mut NoHost) {
            Outcome::Done(v) => return v.to_string(),
            Outcome::Error(e) => return format!("error: {e}"),
            Outcome::Suspended => {}
            Outcome::Waiting => return "waiting".to_string(),
        }
    }
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
    let mut o = Interp::new();
    o.load(src).expect("loads");
    let mut total = 0;
    loop {
        let r = o.run(fuel, &mut NoHost);
        total += o.fuel_spent();
        match r {
            Outcome::Suspended => {}
            _ => return total,
        }
    }
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
