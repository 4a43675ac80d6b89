//! The memory of a process, from `/proc/<pid>`: this one, or the server child it measures.
//!
//! The peak of one cell is read by resetting the kernel's high-water mark before it (`5`
//! written to `/proc/<pid>/clear_refs`, Linux 4.0+) and reading `VmHWM` after it.

/// A process whose memory a cell reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Process {
    /// This process (the benchmark's clients and raw pools).
    This,
    /// Another process, by id (the server under test).
    Pid(u32),
}

impl Process {
    fn path(self, file: &str) -> String {
        match self {
            Process::This => format!("/proc/self/{file}"),
            Process::Pid(pid) => format!("/proc/{pid}/{file}"),
        }
    }

    /// A field of `/proc/<pid>/status` in KiB (`VmHWM`, `VmRSS`).
    fn status_kib(self, field: &str) -> Option<u64> {
        let status = std::fs::read_to_string(self.path("status")).ok()?;
        let line = status
            .lines()
            .find(|l| l.strip_prefix(field).is_some_and(|r| r.starts_with(':')))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// Resets the resident-set high-water mark to the current resident set. False when the
    /// kernel refused (then [`Process::peak_kib`] is the peak since the process started).
    pub fn reset_peak(self) -> bool {
        std::fs::write(self.path("clear_refs"), b"5").is_ok()
    }

    /// The resident-set high-water mark (`VmHWM`) since the last reset, in KiB.
    pub fn peak_kib(self) -> Option<u64> {
        self.status_kib("VmHWM")
    }

    /// The resident set now (`VmRSS`), in KiB.
    pub fn rss_kib(self) -> Option<u64> {
        self.status_kib("VmRSS")
    }
}

/// KiB as MiB with one decimal.
pub fn mib(kib: u64) -> f64 {
    (kib as f64 / 1024.0 * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_resident_set_and_a_peak() {
        let rss = Process::This.rss_kib().expect("VmRSS");
        let peak = Process::This.peak_kib().expect("VmHWM");
        let pid = Process::Pid(std::process::id());
        assert!(pid.rss_kib().is_some());
        assert!(rss > 0 && peak >= rss / 2);
        assert_eq!(mib(1536), 1.5);
    }
}
