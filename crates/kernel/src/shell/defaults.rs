//! The embedded default boot script, shaped by the number of CPUs.
//!
//! - 1 CPU: everything on one core (`bsp`).
//! - 2 CPUs: the BSP (console, zero task, timers, I/O, subscribers) and one
//!   AP (`t1`) running the market feed.
//! - more: the BSP (console and zero task), a timer and I/O core (`tio`),
//!   and the rest task cores (`t1`, `t2`, ...): the feed on `t1`, the
//!   subscribers on `t2` (or on the BSP if there is no `t2`).
//!
//! The main job is the market demo (see [`crate::market`]): a feed task
//! publishes synthetic quotes every millisecond into a broadcast ring;
//! two subscribers each compute a VWAP and a publish-to-receive latency
//! histogram. A named ring `px` and a topic `news` are there for the
//! console to play with.

/// The default boot script for the usable CPUs `cpus` (sorted, not empty).
///
/// ```
/// let s = enso::shell::defaults::script(&[0, 1]);
/// assert!(s.contains("core[`bsp;0;`bsp;`all]"));
/// assert!(s.contains("core[`t1;1;`ap;`tasks]"));
/// ```
pub fn script(cpus: &[usize]) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "/ enso default boot script for {} usable CPU(s): {:?}\n",
        cpus.len(),
        cpus
    ));
    let cpu = |i: usize| cpus.get(i).copied().unwrap_or(0);
    let (timer_core, feed_core, sub_core) = match cpus.len() {
        0 | 1 => {
            s.push_str(&format!("core[`bsp;{};`bsp;`all]\n", cpu(0)));
            ("bsp", "bsp".to_string(), "bsp".to_string())
        }
        2 => {
            s.push_str(&format!("core[`bsp;{};`bsp;`all]\n", cpu(0)));
            s.push_str(&format!("core[`t1;{};`ap;`tasks]\n", cpu(1)));
            ("bsp", "t1".to_string(), "bsp".to_string())
        }
        n => {
            s.push_str(&format!("core[`bsp;{};`bsp;`tasks`io]\n", cpu(0)));
            s.push_str(&format!("core[`tio;{};`ap;`timers`io]\n", cpu(1)));
            for k in 2..n {
                s.push_str(&format!("core[`t{};{};`ap;`tasks]\n", k - 1, cpu(k)));
            }
            let sub = if n >= 4 { "t2" } else { "bsp" };
            ("tio", "t1".to_string(), sub.to_string())
        }
    };
    s.push_str(&format!(
        "/ the main job: a quote feed on `{feed_core}, two subscribers on `{sub_core}\n\
         task[`feed;`{feed_core};200;`market.feed;50]\n\
         task[`vwap;`{sub_core};150;`market.vwap;0]\n\
         task[`lat;`{sub_core};150;`market.vwap;1]\n\
         timer[`tick;`{timer_core};`every;1;`feed]\n\
         ring[`px;1024]; topic[`news;1024]\n"
    ));
    s
}
