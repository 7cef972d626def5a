//! Property tests: random input never panics the parser or the evaluator,
//! and evaluation under fuel always returns.

use enso_o::{Interp, Limits, NoHost, Outcome};
use proptest::prelude::*;

fn limits() -> Limits {
    Limits {
        max_frames: 10_000,
        max_stack: 100_000,
        max_items: 100_000,
    }
}

/// Runs `src` on its own thread; a case that does not finish in 10 s fails
/// (every step is bounded by fuel and limits, so none should).
fn run(src: &str) {
    let owned = src.to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        run_here(&owned);
        let _ = tx.send(());
    });
    if rx.recv_timeout(std::time::Duration::from_secs(10)).is_err() {
        panic!("hang or panic on {src:?}");
    }
}

fn run_here(src: &str) {
    let mut o = Interp::with_limits(limits());
    if o.load(src).is_ok() {
        for _ in 0..20 {
            match o.run(500, &mut NoHost) {
                Outcome::Suspended => continue,
                Outcome::Done(v) => {
                    let _ = v.to_string();
                    break;
                }
                _ => break,
            }
        }
    }
}

const ALPHABET: &[&str] = &[
    "+", "-", "*", "%", "!", "&", "|", "<", ">", "=", "~", ",", "^", "#", "_", "$", "?", "@", ".",
    ":", "'", "/", "\\", "':", "/:", "\\:", "(", ")", "[", "]", "{", "}", ";", " ", "\n", "x", "y",
    "z", "a", "f", "0", "1", "2", "3", "10", "-1", "0N", "0w", "1.5", "\"ab\"", "\"c\"", "`a",
    "`b`c", "$[", " /", "f:", "a:", "{x}", "{x+y}", "!5", "2 3", "()", "[a:1]",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: if cfg!(debug_assertions) { 1500 } else { 20000 }, ..ProptestConfig::default() })]

    #[test]
    fn random_tokens_never_panic(toks in proptest::collection::vec(proptest::sample::select(ALPHABET), 0..40)) {
        run(&toks.concat());
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..60)) {
        run(&String::from_utf8_lossy(&bytes));
    }
}
