//! Parse errors name the line and column and render a caret; any nesting
//! fails cleanly instead of overflowing the stack.

use enso_o::{ErrorKind, Interp};

fn perr(src: &str) -> enso_o::OError {
    let e = Interp::new().eval(src).expect_err("must fail");
    assert_eq!(e.kind(), ErrorKind::Parse, "{src:?}: {e}");
    e
}

fn at(src: &str) -> (usize, usize) {
    let e = perr(src);
    let p = e.pos().expect("position");
    (p.line, p.column)
}

#[test]
fn positions_are_exact() {
    assert_eq!(at("1+(2"), (1, 5));
    assert_eq!(at("8)"), (1, 2));
    assert_eq!(at("x:1\ny:(2;3"), (2, 7));
    assert_eq!(at("a:1\nb:2\n  {x+]}"), (3, 6));
    assert_eq!(at("[a 1]"), (1, 4));
    assert_eq!(at("\"abc"), (1, 1));
}

#[test]
fn messages_follow_ok() {
    assert_eq!(perr("(5").message(), "parse error. ')' expected.");
    assert_eq!(perr("8)").message(), "unexpected character ')'");
    assert_eq!(perr("{1;2").message(), "parse error. '}' expected.");
}

#[test]
fn caret_points_at_the_column() {
    let e = perr("x:1\n  y:(2");
    assert_eq!(
        e.render(),
        "parse error. ')' expected.\nat line 2, column 7\n  y:(2\n      ^"
    );
}

#[test]
fn deep_nesting_is_an_error_not_an_overflow() {
    let r = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let mut kinds = Vec::new();
            for src in [
                "(".repeat(100_000),
                "{".repeat(100_000),
                "[".repeat(100_000),
                "$[".repeat(50_000),
                format!("{}1", "1+".repeat(100_000)),
                format!("{}1", "-".repeat(100_000)),
                format!("{}x", "f ".repeat(100_000)),
                format!("{}1{}", "(".repeat(5_000), ")".repeat(5_000)),
            ] {
                kinds.push(Interp::new().eval(&src).map_err(|e| e.kind()).err());
            }
            kinds
        })
        .expect("spawn")
        .join()
        .expect("no stack overflow");
    assert!(r.iter().all(|k| *k == Some(ErrorKind::Parse)), "{r:?}");
}

#[test]
fn moderate_nesting_works() {
    let src = format!("{}1{}", "(".repeat(50), ")".repeat(50));
    assert_eq!(
        Interp::new().eval(&src).map(|v| v.to_string()).as_deref(),
        Ok("1")
    );
    let chain = format!("{}1", "1+".repeat(60));
    assert_eq!(
        Interp::new().eval(&chain).map(|v| v.to_string()).as_deref(),
        Ok("61")
    );
}
