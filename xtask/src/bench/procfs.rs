//! What a server process costs, read from `/proc`: CPU time (utime + stime, the figure that
//! stays stable on a shared machine) and resident memory.

use std::process::Command;

use anyhow::Context;

/// CPU time a process has used so far, in clock ticks.
pub fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading /proc/{pid}/stat"))?;
    parse_cpu_ticks(&stat).with_context(|| format!("/proc/{pid}/stat has no utime and stime"))
}

/// utime + stime: fields 14 and 15, counted after the `)` that ends the command name (which
/// may itself hold spaces).
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // After the name, field 3 (state) is index 0, so field N is index N - 3.
    let utime: u64 = fields.get(14 - 3)?.parse().ok()?;
    let stime: u64 = fields.get(15 - 3)?.parse().ok()?;
    Some(utime + stime)
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux when that cannot be asked).
pub fn ticks_per_second() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

/// Resident memory in KiB (`VmRSS`).
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("/proc/{pid}/status has no VmRSS"))
}

/// CPU time of one process over a stretch of work.
pub struct CpuMeter {
    pid: u32,
    start: u64,
}

impl CpuMeter {
    pub fn start(pid: u32) -> anyhow::Result<CpuMeter> {
        Ok(CpuMeter {
            pid,
            start: cpu_ticks(pid)?,
        })
    }

    /// Microseconds of CPU per call for `calls` calls since `start`.
    pub fn micros_per_call(&self, calls: u64, ticks_per_second: u64) -> anyhow::Result<f64> {
        let used = cpu_ticks(self.pid)?.saturating_sub(self.start);
        if calls == 0 {
            return Ok(0.0);
        }
        Ok(used as f64 * 1e6 / ticks_per_second as f64 / calls as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_utime_plus_stime_even_with_spaces_in_the_name() {
        let stat = "4242 (tokio worker) S 1 4242 4242 0 -1 4194560 900 0 0 0 1234 56 0 0 20 0 \
                    3 0 100 1000000 500 18446744073709551615";
        assert_eq!(parse_cpu_ticks(stat), Some(1290));
    }

    #[test]
    fn this_process_has_a_resident_size() {
        assert!(rss_kib(std::process::id()).expect("readable") > 0);
    }
}
