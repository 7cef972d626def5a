//! The `enso` binary run as a user runs it.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const ENSO: &str = env!("CARGO_BIN_EXE_enso");

/// Runs `enso args` with stdin closed, killing it after `limit`.
fn run(args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(ENSO)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the enso binary starts");
    let t0 = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "enso {args:?} still running after {limit:?}\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn default_machine_boots_evaluates_and_halts() {
    let out = run(&["-e", "+/1+!10"], Duration::from_secs(60));
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "55");
}

#[test]
fn listings_print_as_tables() {
    let out = run(&["-e", "cores[]"], Duration::from_secs(60));
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let s = text(&out.stdout);
    let header = s.lines().next().unwrap_or_default();
    for col in ["core", "cpu", "role", "reactors", "busy%"] {
        assert!(header.contains(col), "no column {col} in:\n{s}");
    }
    assert!(s.contains("bsp"), "{s}");
}

#[test]
fn bad_expression_exits_non_zero_with_the_error() {
    let out = run(&["-e", "1+`a"], Duration::from_secs(60));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("error: number expected, found symbol."),
        "stderr: {}",
        text(&out.stderr)
    );
    let out = run(&["-e", "1+(2"], Duration::from_secs(60));
    assert!(!out.status.success());
    let e = text(&out.stderr);
    assert!(
        e.contains("')' expected") && e.contains("line 1, column 5"),
        "{e}"
    );
}

#[test]
fn halt_from_o_exits_zero() {
    let out = run(&["-e", "halt[]"], Duration::from_secs(60));
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
}

#[test]
fn boot_script_error_names_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("enso-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("bad.o");
    let mut f = std::fs::File::create(&file).expect("create");
    writeln!(
        f,
        "/ a bad boot script\ncore[`bsp;0;`bsp;`all]\n  ring[`q;1000]"
    )
    .expect("write");
    drop(f);
    let path = file.to_str().expect("utf-8 path");
    let out = run(&["boot", path, "-e", "1"], Duration::from_secs(30));
    assert_eq!(out.status.code(), Some(2), "stdout: {}", text(&out.stdout));
    let e = text(&out.stderr);
    assert!(e.contains(&format!("{path}:3:3:")), "{e}");
    assert!(
        e.contains("not a power of two") && e.contains("nothing started"),
        "{e}"
    );
    assert!(
        out.stdout.is_empty(),
        "printed before failing: {}",
        text(&out.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn boot_from_a_file() {
    let dir = std::env::temp_dir().join(format!("enso-cli-ok-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("one.o");
    std::fs::write(&file, "core[`solo;*cpus;`bsp;`all]\nn:6*7\n").expect("write");
    let out = run(
        &[
            "boot",
            file.to_str().expect("utf-8"),
            "-e",
            "(#cores[]),#tasks[]",
        ],
        Duration::from_secs(60),
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    // One core; one task (the zero task).
    assert_eq!(text(&out.stdout).trim(), "1 1");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn default_run_without_a_terminal_runs_the_demo_and_halts() {
    let out = run(&["--demo", "1"], Duration::from_secs(90));
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("zero (O shell)"), "no banner:\n{s}");
    assert!(
        s.contains("o) stats[]") && s.contains("vwap.0"),
        "no stats:\n{s}"
    );
    assert!(s.contains("o) cores[]"), "no cores:\n{s}");
    // The subscribers received quotes: `vwap.0  bsp  <count> ...`.
    for m in ["feed.quotes", "vwap.0", "vwap.1"] {
        let row = s.lines().find(|l| l.starts_with(m)).expect("a row");
        let count: u64 = row
            .split_whitespace()
            .nth(2)
            .and_then(|c| c.parse().ok())
            .expect("a count");
        assert!(count > 0, "{m} counted nothing:\n{s}");
    }
}

#[test]
fn console_reads_lines_from_a_pipe() {
    let mut child = Command::new(ENSO)
        .args(["--quiet", "--demo", "0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    {
        let mut stdin = child.stdin.take().expect("stdin");
        writeln!(stdin, "a:20\nprint \"hello\"\na+22\n1+`x\n2*3").expect("write");
    }
    let t0 = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        assert!(
            t0.elapsed() < Duration::from_secs(90),
            "console did not end"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    assert!(out.status.success());
    let s = text(&out.stdout);
    let lines: Vec<&str> = s.lines().take(4).collect();
    assert_eq!(
        lines,
        ["hello", "42", "error: number expected, found symbol.", "6"],
        "{s}"
    );
}

/// Sends `signal` to a running console and checks it halts cleanly.
fn signal_halts_cleanly(signal: &str) {
    let mut child = Command::new(ENSO)
        .args(["--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut stdin = child.stdin.take().expect("stdin");
    // Wait until the console answers (and is idle: the answer is shown
    // after the console marks itself idle).
    writeln!(stdin, "1+1").expect("write");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 2];
    std::io::Read::read_exact(&mut stdout, &mut first).expect("the console answers");
    assert_eq!(&first, b"2\n");
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let t0 = Instant::now();
    let code = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the signal did not halt"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(stdin);
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut e, &mut err);
    }
    assert!(code.success(), "exit {code:?}, stderr: {err}");
    assert!(err.contains("halting") && err.contains("halted"), "{err}");
}

#[test]
fn sigterm_halts_cleanly() {
    signal_halts_cleanly("-TERM");
}

#[test]
fn sigint_halts_cleanly() {
    signal_halts_cleanly("-INT");
}

#[test]
fn sigint_interrupts_the_line_being_evaluated() {
    use std::io::BufRead;
    let mut child = Command::new(ENSO)
        .args(["--quiet", "--demo", "0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    // The print shows the line is being evaluated; then it waits forever.
    writeln!(stdin, "print `waiting; rcv[]").expect("write");
    let mut line = String::new();
    out.read_line(&mut line).expect("read");
    assert_eq!(line.trim(), "`waiting");
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    line.clear();
    out.read_line(&mut line).expect("read");
    assert_eq!(line.trim(), "error: interrupted.");
    // The machine runs on: the next line is answered.
    writeln!(stdin, "1+1").expect("write");
    line.clear();
    out.read_line(&mut line).expect("read");
    assert_eq!(line.trim(), "2");
    drop(stdin);
    let t0 = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        assert!(t0.elapsed() < Duration::from_secs(60), "did not end");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(child.wait().expect("status").success());
}

#[test]
fn closed_stdout_ends_the_run_without_a_panic() {
    use std::io::BufRead;
    let mut child = Command::new(ENSO)
        .args(["--demo", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    {
        // Read the banner's first line, then stop reading (like `| head -1`).
        let mut out = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        out.read_line(&mut line).expect("read");
        assert!(line.starts_with("enso "), "{line}");
    }
    let t0 = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        assert!(t0.elapsed() < Duration::from_secs(60), "did not end");
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.success(), "{err}");
}
