//! Runs every case of the shared oK conformance corpus and compares the
//! printed result exactly (for `'` cases: requires an error with the same
//! message). Cases listed in `conformance-exceptions.txt` (with a reason)
//! are expected to fail; an exception that passes fails the test, so the
//! list can only shrink.

use enso_o::{Interp, Limits, NoHost, Outcome};
use std::collections::HashMap;

const CASES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/o-conformance/cases.tsv"
));
const EXCEPTIONS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/conformance-exceptions.txt"
));

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some('\\') => out.push('\\'),
                Some(o) => {
                    out.push('\\');
                    out.push(o);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs one case in a fresh interpreter on a thread with a small stack.
fn run(expr: &str) -> Result<String, String> {
    let e = expr.to_string();
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let limits = Limits {
                max_frames: 200_000,
                max_stack: 2_000_000,
                max_items: 10_000_000,
            };
            let mut o = Interp::with_limits(limits);
            if let Err(err) = o.load(&e) {
                return Err(err.message().to_string());
            }
            match o.run(50_000_000, &mut NoHost) {
                Outcome::Done(v) => Ok(v.to_string()),
                Outcome::Error(err) => Err(err.message().to_string()),
                other => Err(format!("{other:?}")),
            }
        })
        .expect("spawn")
        .join()
        .unwrap_or_else(|_| Err("PANIC".into()))
}

#[test]
fn conformance() {
    let exceptions: HashMap<String, String> = EXCEPTIONS
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('\t'))
        .filter_map(|l| l.split_once('\t'))
        .map(|(e, r)| (unescape(e), r.to_string()))
        .collect();
    let (mut total, mut passed) = (0, 0);
    let mut unexpected = Vec::new();
    let mut stale = Vec::new();
    for line in CASES.lines() {
        if !line.contains('\t') {
            continue;
        }
        let mut fields = line.split('\t');
        let expr = unescape(fields.next().unwrap_or(""));
        let want = unescape(fields.next().unwrap_or(""));
        total += 1;
        let got = run(&expr);
        let ok = match (&got, want.strip_prefix('\'')) {
            (Err(m), Some(msg)) => m == msg,
            (Ok(s), None) => *s == want,
            _ => false,
        };
        if ok {
            passed += 1;
            if exceptions.contains_key(&expr) {
                stale.push(expr.clone());
            }
        } else if !exceptions.contains_key(&expr) {
            unexpected.push(format!("{expr:?}\n   want {want:?}\n   got  {got:?}"));
        }
    }
    println!(
        "conformance: {passed}/{total} passed, {} listed exceptions",
        exceptions.len()
    );
    for u in &unexpected {
        println!("FAIL {u}");
    }
    for s in &stale {
        println!("STALE exception (now passes, remove it): {s:?}");
    }
    assert!(total >= 483, "corpus not found or short: {total}");
    assert!(
        unexpected.is_empty(),
        "{} unexpected failures",
        unexpected.len()
    );
    assert!(stale.is_empty(), "{} stale exceptions", stale.len());
}
