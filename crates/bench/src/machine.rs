//! The machine, compiler and date printed next to the figures.

use std::fs;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where and when the figures were measured.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Machine {
    /// CPU model name from /proc/cpuinfo.
    pub cpu: String,
    /// Online logical cores.
    pub cores: usize,
    /// Kernel release.
    pub kernel: String,
    /// The compiler that built this binary.
    pub rustc: String,
    /// UTC date and time of the run, `YYYY-MM-DD HH:MM:SS UTC`.
    pub date: String,
    /// The 1, 5 and 15 minute load averages when the run started: above
    /// zero, other work shared the cores with the benchmark.
    pub load: String,
}

impl Machine {
    /// Reads the description of this machine; unknown parts say "unknown".
    pub fn detect() -> Machine {
        let cpuinfo = fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        Machine {
            cpu: cpu_model(&cpuinfo).unwrap_or_else(|| "unknown".to_string()),
            cores: std::thread::available_parallelism().map_or(0, usize::from),
            kernel: fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|k| k.trim().to_string())
                .unwrap_or_else(|_| "unknown".to_string()),
            rustc: env!("ENSO_BENCH_RUSTC").to_string(),
            date: utc_now(),
            load: fs::read_to_string("/proc/loadavg")
                .ok()
                .and_then(|text| load_averages(&text))
                .unwrap_or_else(|| "unknown".to_string()),
        }
    }

    /// One line for the table header.
    pub fn summary(&self) -> String {
        format!(
            "{} | {} cores | Linux {} | {} | {} | load average {}",
            self.cpu, self.cores, self.kernel, self.rustc, self.date, self.load
        )
    }
}

/// The first "model name" in the text of /proc/cpuinfo.
fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(key, _)| key.trim() == "model name")
        .map(|(_, value)| value.trim().to_string())
}

/// The first three fields of /proc/loadavg.
fn load_averages(text: &str) -> Option<String> {
    let fields: Vec<&str> = text.split_whitespace().take(3).collect();
    (fields.len() == 3).then(|| fields.join(" "))
}

fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format_utc(secs)
}

/// Formats seconds since the Unix epoch as `YYYY-MM-DD HH:MM:SS UTC`.
fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days` algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert_eq!(format_utc(1_795_418_159), "2026-11-23 07:15:59 UTC");
    }

    #[test]
    fn load_averages_are_the_first_three_fields() {
        assert_eq!(
            load_averages("7.99 6.52 4.91 3/812 4242\n").as_deref(),
            Some("7.99 6.52 4.91")
        );
        assert_eq!(load_averages("1.0"), None);
    }

    #[test]
    fn cpu_model_is_the_first_model_name() {
        let text = "processor\t: 0\nmodel name\t: Example CPU @ 3GHz\nmodel name\t: Other\n";
        assert_eq!(cpu_model(text).as_deref(), Some("Example CPU @ 3GHz"));
        assert_eq!(cpu_model("processor: 0\n"), None);
    }
}
