//! CPU time and resident set of the processes a live cell runs, sampled from `/proc` while
//! it runs: the server, the instant model and this process (the pages), and the whole
//! machine's busy share, so a report can say who used the two CPUs.

use crate::memory::Process;
use serde::Serialize;
use std::time::{Duration, Instant};

/// Clock ticks per second of `/proc/<pid>/stat` (`USER_HZ`): 100 on Linux.
const TICKS_PER_SECOND: f64 = 100.0;

/// User plus system CPU time of a process, in seconds.
pub fn cpu_seconds(process: Process) -> Option<f64> {
    let path = match process {
        Process::This => "/proc/self/stat".to_owned(),
        Process::Pid(pid) => format!("/proc/{pid}/stat"),
    };
    let stat = std::fs::read_to_string(path).ok()?;
    // The fields after the command name (which may hold spaces) in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line: 12 and 13 after the name.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / TICKS_PER_SECOND)
}

/// The machine's busy and total CPU time (all CPUs), in ticks, from `/proc/stat`.
pub fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let values: Vec<u64> = line
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    let total: u64 = values.iter().take(8).sum();
    // idle and iowait.
    let idle = values.get(3)? + values.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

/// One reading of every process of a cell.
#[derive(Clone, Copy, Debug)]
pub struct Reading {
    pub at: Instant,
    pub server: f64,
    pub model: f64,
    pub pages: f64,
    pub machine: (u64, u64),
    pub server_rss_kib: u64,
}

impl Reading {
    /// Reads now.
    pub fn take(server: Process, model: Process) -> Self {
        Self {
            at: Instant::now(),
            server: cpu_seconds(server).unwrap_or(0.0),
            model: cpu_seconds(model).unwrap_or(0.0),
            pages: cpu_seconds(Process::This).unwrap_or(0.0),
            machine: machine_ticks().unwrap_or((0, 0)),
            server_rss_kib: server.rss_kib().unwrap_or(0),
        }
    }
}

/// CPU used between two readings, in CPUs (1.0 = one CPU busy all the time).
#[derive(Clone, Copy, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CpuUse {
    pub seconds: f64,
    pub server_cpus: f64,
    pub model_cpus: f64,
    pub pages_cpus: f64,
    /// The machine's busy share of all its CPUs (0–1), everything included.
    pub machine_busy: f64,
}

impl CpuUse {
    /// What was used from `from` to `to`.
    pub fn between(from: &Reading, to: &Reading) -> Self {
        let seconds = to.at.duration_since(from.at).as_secs_f64();
        let per = |a: f64, b: f64| {
            if seconds > 0.0 {
                round2((b - a) / seconds)
            } else {
                0.0
            }
        };
        let busy = to.machine.0.saturating_sub(from.machine.0) as f64;
        let total = to.machine.1.saturating_sub(from.machine.1) as f64;
        Self {
            seconds: round2(seconds),
            server_cpus: per(from.server, to.server),
            model_cpus: per(from.model, to.model),
            pages_cpus: per(from.pages, to.pages),
            machine_busy: if total > 0.0 {
                round2(busy / total)
            } else {
                0.0
            },
        }
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Readings every `every` until `stop` fires, with a count the cell reports (sessions
/// streaming) taken at each.
pub async fn sample(
    server: Process,
    model: Process,
    every: Duration,
    count: impl Fn() -> usize,
    stop: tokio_util::sync::CancellationToken,
) -> Vec<(Reading, usize)> {
    let mut readings = Vec::new();
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            _ = tick.tick() => readings.push((Reading::take(server, model), count())),
            () = stop.cancelled() => {
                readings.push((Reading::take(server, model), count()));
                return readings;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_used_some_cpu_and_the_machine_some_more() {
        let mut x = 0_u64;
        for i in 0..5_000_000_u64 {
            x = x.wrapping_add(i * i);
        }
        assert!(x > 0);
        assert!(cpu_seconds(Process::This).is_some());
        let (busy, total) = machine_ticks().expect("/proc/stat");
        assert!(busy <= total && total > 0);
    }
}
