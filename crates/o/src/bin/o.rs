//! `o`: the O interpreter on the command line.
//!
//! - `o -e 'EXPR'` prints the value of EXPR and exits (status 1 on error).
//! - `o FILE` runs a script and prints its final value (if not nil).
//! - `o` with no arguments is a REPL: line editing and history when stdin is
//!   a terminal, otherwise it evaluates stdin line by line, printing each result.
//!
//! Host verbs: `print x` writes x (strings raw) and a newline to stdout.

use enso_o::host::{FnHost, HostResult};
use enso_o::{Arity, Interp, Value};
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

fn setup() -> (Interp, FnHost) {
    let mut o = Interp::new();
    let mut h = FnHost::default();
    h.add(
        &mut o,
        "print",
        Arity::Monadic,
        Box::new(|a: &[Value]| {
            let v = a.first().cloned().unwrap_or(Value::Nil);
            let text = match &v {
                Value::Chars(c) => String::from_utf8_lossy(c).into_owned(),
                Value::Char(c) => (*c as char).to_string(),
                other => other.to_string(),
            };
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
            HostResult::Value(v)
        }),
    );
    (o, h)
}

/// Evaluates `src`; prints a non-nil result; returns false on error.
fn eval_print(o: &mut Interp, h: &mut FnHost, src: &str) -> bool {
    match o.eval_with(src, h) {
        Ok(Value::Nil) => true,
        Ok(v) => {
            println!("{v}");
            true
        }
        Err(e) => {
            println!("{}", e.render());
            false
        }
    }
}

fn repl_terminal(o: &mut Interp, h: &mut FnHost) -> ExitCode {
    let mut ed = match rustyline::DefaultEditor::new() {
        Ok(ed) => ed,
        Err(e) => {
            eprintln!("o: cannot start line editor: {e}");
            return repl_lines(o, h);
        }
    };
    loop {
        match ed.readline("  ") {
            Ok(line) => {
                if line.trim().is_empty() {
                    continue;
                }
                let _ = ed.add_history_entry(line.as_str());
                if line.trim() == "\\\\" {
                    break;
                }
                eval_print(o, h, &line);
            }
            Err(rustyline::error::ReadlineError::Interrupted) => continue,
            Err(_) => break,
        }
    }
    ExitCode::SUCCESS
}

fn repl_lines(o: &mut Interp, h: &mut FnHost) -> ExitCode {
    let mut ok = true;
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        ok &= eval_print(o, h, &line);
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut o, mut h) = setup();
    match args.as_slice() {
        [] if std::io::stdin().is_terminal() => repl_terminal(&mut o, &mut h),
        [] => repl_lines(&mut o, &mut h),
        [flag, expr] if flag == "-e" => {
            if eval_print(&mut o, &mut h, expr) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        [file] if !file.starts_with('-') => match std::fs::read_to_string(file) {
            Ok(src) => {
                if eval_print(&mut o, &mut h, &src) {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
            Err(e) => {
                eprintln!("o: {file}: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: o [-e EXPR | FILE]");
            ExitCode::FAILURE
        }
    }
}
