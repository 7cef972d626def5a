//! TCP echo server on an enso I/O core.
//!
//! ```sh
//! cargo run --release -p enso --example echo_server -- 127.0.0.1:7000 [halt-after-N-connections]
//! ```
//!
//! The BSP (CPU 0) runs the maintenance loop; the server core (CPU 1 when
//! there is one) runs the I/O and task reactors: one acceptor task and one
//! task per connection.

use std::sync::atomic::Ordering;

use enso::echo::EchoServer;
use enso::{CoreSpec, Kernel, available_cpus};

fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:7000".into());
    let halt_after: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    if let Err(e) = run(&addr, halt_after) {
        eprintln!("echo_server: {e}");
        std::process::exit(1);
    }
}

fn run(addr: &str, halt_after: u64) -> Result<(), Box<dyn std::error::Error>> {
    let cpus = available_cpus();
    let io_cpu = *cpus.get(1).unwrap_or(&cpus[0]);
    let topo = Kernel::builder()
        .core(CoreSpec::bsp("bsp", cpus[0]).tasks())
        .core(CoreSpec::ap("io", io_cpu).tasks().io().max_tasks(4096))
        .allow_shared_cpus(true)
        .build()?;
    let kernel = Kernel::boot(topo)?;
    let h = kernel.handle();
    let server = EchoServer::bind(addr.parse()?)?;
    println!("echo_server: listening on {}", server.local_addr()?);
    let stats = server.stats();
    stats.halt_after.store(halt_after, Ordering::Relaxed);
    h.spawn_on(h.core("io").ok_or("no io core")?, 200, server)?;
    // The calling thread becomes the BSP until the kernel halts.
    let report = kernel.run()?;
    println!(
        "echo_server: {} connections, {} bytes echoed, peak {} open; {report}",
        stats.accepted.load(Ordering::Relaxed),
        stats.bytes.load(Ordering::Relaxed),
        stats.peak.load(Ordering::Relaxed),
    );
    Ok(())
}
