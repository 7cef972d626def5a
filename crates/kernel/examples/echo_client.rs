//! TCP echo client on an enso I/O core: opens N connections at once, sends
//! a known pattern on each and checks every byte that comes back.
//!
//! ```sh
//! cargo run --release -p enso --example echo_client -- 127.0.0.1:7000 1000 65536
//! ```

use std::time::Instant;

use enso::echo::{EchoClient, Gate};
use enso::{CoreSpec, Kernel, available_cpus};

fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:7000".into());
    let conns: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100);
    let len: u64 = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(64 * 1024);
    if let Err(e) = run(&addr, conns, len) {
        eprintln!("echo_client: {e}");
        std::process::exit(1);
    }
}

fn run(addr: &str, conns: u64, len: u64) -> Result<(), Box<dyn std::error::Error>> {
    let cpus = available_cpus();
    let topo = Kernel::builder()
        .core(
            CoreSpec::bsp("client", cpus[0])
                .tasks()
                .io()
                .max_tasks(conns as usize + 16),
        )
        .build()?;
    let running = Kernel::boot(topo)?.start()?;
    let h = running.handle().clone();
    let addr = addr.parse()?;
    let gate = Gate::new(conns as usize);
    let t0 = Instant::now();
    let core = h.core("client").ok_or("no client core")?;
    let clients = (0..conns)
        .map(|i| h.spawn_on(core, 10, EchoClient::new(addr, i, len, gate.clone())))
        .collect::<Result<Vec<_>, _>>()?;
    let (mut ok, mut bytes) = (0, 0);
    for c in clients {
        match c.join() {
            Ok(Ok(n)) => {
                ok += 1;
                bytes += n;
            }
            Ok(Err(e)) => eprintln!("echo_client: {e}"),
            Err(e) => eprintln!("echo_client: {e}"),
        }
    }
    let dt = t0.elapsed();
    running.halt();
    running.join()?;
    println!(
        "echo_client: {ok}/{conns} connections echoed {bytes} bytes in {dt:?} ({:.1} MB/s)",
        bytes as f64 / dt.as_secs_f64() / 1e6
    );
    if ok != conns {
        return Err("some connections failed".into());
    }
    Ok(())
}
