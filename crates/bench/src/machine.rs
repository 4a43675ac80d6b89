//! The machine a run measured, recorded with its results: CPU, memory, kernel, and the
//! versions of the toolchain and of both databases.

use serde::Serialize;
use std::process::Command;

/// Where the numbers came from.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Machine {
    pub cpu_model: String,
    /// CPUs this process may run on.
    pub cpus: usize,
    pub memory_mib: u64,
    pub kernel: String,
    pub os: String,
    pub rustc: String,
    pub sqlite: String,
    pub postgres: String,
    /// The PostgreSQL settings that matter for write throughput, as the server reports them.
    pub postgres_settings: Vec<(String, String)>,
    /// How the PostgreSQL server was provided (throwaway cluster or `INTERVIEWD_BENCH_PG_URL`).
    pub postgres_server: String,
    /// The scheduling policy of the measuring process ([`crate::sched`]).
    pub scheduling: String,
}

impl Machine {
    /// What `/proc` and `rustc` say; the database versions are filled in by their setups.
    pub fn probe() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let os_release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
        Self {
            cpu_model: field(&cpuinfo, "model name", ':').unwrap_or_else(|| "unknown".into()),
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
            memory_mib: field(&meminfo, "MemTotal", ':')
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
                .map_or(0, |kib| kib / 1024),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|s| s.trim().to_owned())
                .unwrap_or_else(|_| "unknown".into()),
            os: field(&os_release, "PRETTY_NAME", '=')
                .map(|v| v.trim_matches('"').to_owned())
                .unwrap_or_else(|| "unknown".into()),
            rustc: command_line("rustc", &["--version"]).unwrap_or_else(|| "unknown".into()),
            scheduling: crate::sched::policy(),
            ..Self::default()
        }
    }
}

/// The value of the first `name<sep> value` line of a `/proc`-style file.
fn field(text: &str, name: &str, sep: char) -> Option<String> {
    text.lines().find_map(|line| {
        let (key, value) = line.split_once(sep)?;
        (key.trim() == name).then(|| value.trim().to_owned())
    })
}

fn command_line(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_read_by_name() {
        let text = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t: fpu\n";
        assert_eq!(field(text, "model name", ':'), Some("AMD EPYC".into()));
        assert_eq!(
            field("PRETTY_NAME=\"Debian\"\n", "PRETTY_NAME", '='),
            Some("\"Debian\"".into())
        );
        assert_eq!(field(text, "missing", ':'), None);
    }
}
