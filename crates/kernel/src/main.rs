//! The `enso` binary: boot a machine and talk to its zero task.
//!
//! - `enso` boots the embedded default (shaped by the number of CPUs) with
//!   the market demo as its main job, prints a banner, and opens the console.
//! - `enso boot FILE` boots from a boot script.
//! - `enso -e 'EXPR'` (with either) evaluates EXPR in the zero task, prints
//!   the result and halts: exit 0, or 1 with the error on stderr.
//!
//! The console: line editing and history when stdin is a terminal (prompt
//! `o)`), plain line-by-line evaluation otherwise. End of input closes the
//! console, not the machine; but when stdin is not a terminal the machine
//! then runs `--demo` more seconds (3 by default), prints `stats[]` and
//! halts with exit 0, unless `--forever` is given. Ctrl-C interrupts the
//! line being evaluated (a `rcv[]` that nothing answers, a long loop);
//! Ctrl-C at the prompt, and SIGTERM, halt the machine cleanly. A boot script error exits with code 2 before any thread starts.

use std::collections::VecDeque;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use enso::shell::{Event, Machine, MachineError};

/// `println!` that hands back a closed stdout (a pipe to `head`) as an
/// error instead of panicking.
macro_rules! say {
    ($($t:tt)*) => {{
        let mut out = std::io::stdout().lock();
        writeln!(out, $($t)*).and_then(|()| out.flush())
    }};
}

/// `eprintln!` that ignores a closed stderr.
macro_rules! warn {
    ($($t:tt)*) => {{
        let _ = writeln!(std::io::stderr().lock(), $($t)*);
    }};
}

/// Enso: a real-time, thread-per-core kernel, driven live from an O shell.
#[derive(Parser, Debug)]
#[command(name = "enso", version, about)]
struct Cli {
    /// Evaluate EXPR in the zero task, print the result and halt (exit 1 on error).
    #[arg(short = 'e', long = "eval", value_name = "EXPR", global = true)]
    eval: Option<String>,
    /// When stdin is not a terminal: seconds the machine runs after the input
    /// ends, before it prints stats[] and halts.
    #[arg(long, value_name = "SECS", default_value_t = 3.0, global = true)]
    demo: f64,
    /// Keep running after the input ends (until halt[], Ctrl-C or SIGTERM).
    #[arg(long, global = true)]
    forever: bool,
    /// Do not print the banner.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Print the default boot script for this machine and exit.
    #[arg(long)]
    print_default: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Boot from a boot script (see etc/README.md).
    Boot {
        /// The boot script.
        file: PathBuf,
    },
}

/// How long `-e` waits for its answer.
const EVAL_WAIT: Duration = Duration::from_secs(60);
/// How long a halt may take.
const HALT_WAIT: Duration = Duration::from_secs(20);

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default = enso::shell::defaults::script(&enso::available_cpus());
    if cli.print_default {
        let _ = write!(std::io::stdout().lock(), "{default}");
        return ExitCode::SUCCESS;
    }
    let (file, src) = match &cli.command {
        Some(Command::Boot { file }) => match std::fs::read_to_string(file) {
            Ok(s) => (file.display().to_string(), s),
            Err(e) => {
                warn!("enso: cannot read {}: {e}", file.display());
                return ExitCode::from(2);
            }
        },
        None => ("<default>".to_string(), default),
    };
    let machine = match Machine::boot(&file, &src, |_, _| {}) {
        Ok(m) => m,
        Err(MachineError::Boot(e)) => {
            warn!("enso: boot script error, nothing started:\n{e}");
            return ExitCode::from(2);
        }
        Err(e) => {
            warn!("enso: {e}");
            return ExitCode::from(2);
        }
    };
    let busy = Arc::new(AtomicBool::new(false));
    let signals = watch_signals(&machine, busy.clone());
    let code = match &cli.eval {
        Some(expr) => eval_once(machine, expr),
        None => {
            if !cli.quiet {
                banner(&machine);
            }
            console(machine, &cli, &busy)
        }
    };
    drop(signals);
    code
}

/// SIGTERM halts the machine. SIGINT interrupts the console text being
/// evaluated if there is one (`busy`), and halts otherwise.
fn watch_signals(m: &Machine, busy: Arc<AtomicBool>) -> Option<signal_hook::iterator::Handle> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        Ok(s) => s,
        Err(e) => {
            warn!("enso: cannot watch signals ({e}); Ctrl-C will not halt cleanly");
            return None;
        }
    };
    let handle = signals.handle();
    let kernel = m.handle().clone();
    let shell = m.shell().clone();
    let spawned = std::thread::Builder::new()
        .name("enso-signals".into())
        .spawn(move || {
            for sig in signals.forever() {
                if sig == SIGINT && busy.swap(false, Ordering::AcqRel) {
                    shell.interrupt();
                    continue;
                }
                warn!("\nenso: signal {sig}: halting");
                kernel.halt();
                break;
            }
        });
    spawned.ok().map(|_| handle)
}

fn eval_once(mut m: Machine, expr: &str) -> ExitCode {
    let r = m.eval_with(expr, EVAL_WAIT, |p| {
        let _ = say!("{p}");
    });
    let code = match r {
        Ok(Ok(v)) => {
            if !v.is_empty() {
                let _ = say!("{v}");
            }
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            warn!("error: {e}");
            ExitCode::FAILURE
        }
        // `-e 'halt[]'` halts before answering: that is a success.
        Err(MachineError::Halted) => return ExitCode::SUCCESS,
        Err(e) => {
            warn!("enso: {e}");
            ExitCode::FAILURE
        }
    };
    finish(m, code)
}

fn finish(m: Machine, code: ExitCode) -> ExitCode {
    match m.halt(HALT_WAIT) {
        Ok(_) => code,
        Err(MachineError::Halted) => code,
        Err(e) => {
            warn!("enso: {e}");
            ExitCode::FAILURE
        }
    }
}

fn banner(m: &Machine) {
    let plan = m.plan();
    let _ = say!(
        "enso {}: {} core(s) from {}",
        env!("CARGO_PKG_VERSION"),
        plan.cores.len(),
        plan.file
    );
    let mut rows = Vec::new();
    for (c, _) in &plan.cores {
        let mut re = Vec::new();
        for (on, n) in [
            (c.reactors.tasks, "tasks"),
            (c.reactors.timers, "timers"),
            (c.reactors.io, "io"),
        ] {
            if on {
                re.push(n);
            }
        }
        let mut tasks: Vec<String> = plan
            .tasks
            .iter()
            .filter(|t| t.core == c.name)
            .map(|t| match &t.body {
                enso::shell::boot::Body::Rust(r, _) => format!("{} ({r})", t.name),
                enso::shell::boot::Body::O(_) => format!("{} (O)", t.name),
            })
            .collect();
        if plan.bsp() == Some(c.name.as_str()) {
            tasks.insert(0, "zero (O shell)".into());
        }
        for t in &plan.timers {
            if t.core == c.name {
                tasks.push(format!("timer {}", t.name));
            }
        }
        rows.push(format!(
            "  {:<5} cpu {:<3} {:<4} {:<16} {}",
            c.name,
            c.cpu,
            if c.role == enso::Role::Bsp {
                "bsp"
            } else {
                "ap"
            },
            re.join(","),
            tasks.join(", ")
        ));
    }
    for r in rows {
        let _ = say!("{r}");
    }
    let _ =
        say!("help[] lists the system verbs; stats[] shows the main job; halt[] or Ctrl-C stops.");
}

/// What the input thread reports.
enum Input {
    Line(String),
    End,
    Interrupted,
}

/// Reads stdin on its own thread: rustyline on a terminal (waiting for
/// `ack` before each prompt, so answers print before it), lines otherwise.
fn read_input(tty: bool, tx: Sender<Input>, ack: Receiver<()>) {
    let _ = std::thread::Builder::new()
        .name("enso-console".into())
        .spawn(move || {
            if tty {
                read_terminal(&tx, &ack);
            } else {
                for line in std::io::stdin().lock().lines() {
                    match line {
                        Ok(l) => {
                            if tx.send(Input::Line(l)).is_err() {
                                return;
                            }
                        }
                        Err(_) => break,
                    }
                }
                let _ = tx.send(Input::End);
            }
        });
}

fn read_terminal(tx: &Sender<Input>, ack: &Receiver<()>) {
    use rustyline::error::ReadlineError;
    let Ok(mut rl) = rustyline::DefaultEditor::new() else {
        let _ = tx.send(Input::End);
        return;
    };
    let history = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".enso_history"));
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    loop {
        match rl.readline("o) ") {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = rl.add_history_entry(line.as_str());
                }
                if tx.send(Input::Line(line)).is_err() || ack.recv().is_err() {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => {
                let _ = tx.send(Input::Interrupted);
                break;
            }
            Err(_) => {
                let _ = tx.send(Input::End);
                break;
            }
        }
    }
    if let Some(h) = &history {
        let _ = rl.save_history(h);
    }
}

/// Prints what an O task said; an error means stdout is gone.
fn print_event(e: &Event) -> std::io::Result<()> {
    match e {
        Event::Print(p) => say!("{p}"),
        Event::Result(Ok(v)) if v.is_empty() => Ok(()),
        Event::Result(Ok(v)) => say!("{v}"),
        Event::Result(Err(e)) => say!("error: {e}"),
        Event::ZeroReady(_) | Event::Halted(_) => Ok(()),
    }
}

fn console(mut m: Machine, cli: &Cli, busy_flag: &AtomicBool) -> ExitCode {
    let tty = std::io::stdin().is_terminal();
    let (tx, rx) = channel();
    let (ack_tx, ack_rx) = channel();
    read_input(tty, tx, ack_rx);
    let mut queue: VecDeque<String> = VecDeque::new();
    let mut busy = false;
    let mut closed = false;
    let mut demo_end: Option<Instant> = None;
    loop {
        while let Some(e) = m.next_event(Duration::from_millis(10)) {
            if let Event::Halted(r) = &e {
                if tty {
                    restore_terminal();
                }
                match r {
                    Ok(rep) => warn!("enso: halted ({rep})"),
                    Err(err) => warn!("enso: halted with an error: {err}"),
                }
                return ExitCode::SUCCESS;
            }
            if matches!(e, Event::Result(_)) {
                // Before the answer shows: a Ctrl-C after it halts.
                busy_flag.store(false, Ordering::Release);
            }
            if print_event(&e).is_err() {
                // Nobody reads the output any more: stop the machine.
                return finish(m, ExitCode::SUCCESS);
            }
            if matches!(e, Event::Result(_)) {
                busy = false;
                if tty {
                    let _ = ack_tx.send(());
                }
            }
        }
        while let Ok(i) = rx.try_recv() {
            match i {
                Input::Line(l) if l.trim() == "\\\\" => closed = true,
                Input::Line(l) if l.trim().is_empty() => {
                    if tty {
                        let _ = ack_tx.send(());
                    }
                }
                Input::Line(l) => queue.push_back(l),
                Input::End => closed = true,
                Input::Interrupted => {
                    warn!("enso: interrupted: halting");
                    m.handle().halt();
                }
            }
        }
        if !busy && let Some(l) = queue.pop_front() {
            busy_flag.store(true, Ordering::Release);
            if m.post(&l).is_err() {
                busy_flag.store(false, Ordering::Release);
                continue;
            }
            busy = true;
        }
        if closed && !busy && queue.is_empty() {
            if tty || cli.forever {
                if demo_end.is_none() {
                    warn!("enso: console closed; the machine runs on (Ctrl-C or SIGTERM halts it)");
                    demo_end = Some(Instant::now() + Duration::from_secs(u64::MAX / 4));
                }
                continue;
            }
            let end = *demo_end.get_or_insert_with(|| {
                Instant::now() + Duration::from_secs_f64(cli.demo.clamp(0.0, 1e6))
            });
            if Instant::now() >= end {
                return demo_report(m);
            }
        }
    }
}

/// The console thread may be inside `readline` (raw mode) when the machine
/// halts under it: put the terminal back as the shell expects it.
fn restore_terminal() {
    let _ = std::process::Command::new("stty")
        .arg("sane")
        .stdin(std::process::Stdio::inherit())
        .status();
}

/// End of a non-interactive run: the main job's stats, the cores, then halt.
fn demo_report(mut m: Machine) -> ExitCode {
    for (title, expr) in [("stats[]", "stats[]"), ("cores[]", "cores[]")] {
        let r = m.eval_with(expr, EVAL_WAIT, |p| {
            let _ = say!("{p}");
        });
        let shown = match r {
            Ok(Ok(v)) => say!("o) {title}\n{v}"),
            Ok(Err(e)) => say!("o) {title}\nerror: {e}"),
            Err(MachineError::Halted) => return ExitCode::SUCCESS,
            Err(e) => {
                warn!("enso: {e}");
                return finish(m, ExitCode::FAILURE);
            }
        };
        if shown.is_err() {
            break;
        }
    }
    finish(m, ExitCode::SUCCESS)
}
