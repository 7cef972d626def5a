//! Debug helper for the property test: runs each stdin line under tight
//! limits and fuel, printing the line first (so a crash names its input).
use enso_o::{Interp, Limits, NoHost, Outcome};
use std::io::{BufRead, Write};
fn main() {
    for line in std::io::stdin().lock().lines() {
        let Ok(src) = line else { break };
        let src = src.replace("\\n", "\n");
        let t = std::time::Instant::now();
        if std::env::var("ECHO").is_ok() {
            eprintln!("RUN {src:?}");
            let _ = std::io::stderr().flush();
        }
        let mut o = Interp::with_limits(Limits {
            max_frames: 10_000,
            max_stack: 100_000,
            max_items: 100_000,
        });
        if o.load(&src).is_ok() {
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
        if t.elapsed().as_millis() > 200 {
            eprintln!("SLOW {} ms: {src:?}", t.elapsed().as_millis());
            let _ = std::io::stderr().flush();
        }
    }
}
