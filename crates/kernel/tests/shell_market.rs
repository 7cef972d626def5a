//! The default main job on one core: quotes flow from the feed through the
//! broadcast ring to both subscribers, and `stats[]` reports them.

use std::time::{Duration, Instant};

use enso::shell::Machine;

#[test]
fn default_job_on_one_cpu_delivers_quotes() {
    let cpus = enso::available_cpus();
    let src = enso::shell::defaults::script(&cpus[..1]);
    let mut m = Machine::boot("<default>", &src, |_, _| {}).expect("boots");
    let counts = "{x`count}'stats[]";
    let t0 = Instant::now();
    loop {
        let (_, r) = m.eval(counts, Duration::from_secs(30)).expect("answers");
        let v = r.expect("stats[] works");
        // feed.dropped feed.quotes vwap.0 vwap.1 (sorted by name)
        let n: Vec<u64> = v.split(' ').filter_map(|x| x.parse().ok()).collect();
        if n.len() == 4 && n[2] > 1000 && n[3] > 1000 {
            // Subscribers never see more than was published.
            assert!(n[2] <= n[1] && n[3] <= n[1], "{v}");
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(60), "no quotes: {v}");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (_, r) = m.eval("stats[]", Duration::from_secs(30)).expect("answers");
    let table = r.expect("stats[] works");
    for col in [
        "metric",
        "per_s",
        "p50_us",
        "p99_us",
        "vwap.0",
        "feed.quotes",
    ] {
        assert!(table.contains(col), "{table}");
    }
    m.halt(Duration::from_secs(30)).expect("halts");
}
