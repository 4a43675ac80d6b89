//! The scheduling policy the bench ran under, recorded with its results.
//!
//! The processes a run starts (the server under test, the instant model, a throwaway
//! PostgreSQL) inherit it. BENCHMARKS.md ("The server's own accept loop; checkpoints off the
//! commit path; scheduling") has what a real-time policy changed in the live benchmark.

/// The scheduling policy of this process, as `/proc/self/stat` gives it (field 41):
/// `SCHED_OTHER`, `SCHED_FIFO`, `SCHED_RR`, `SCHED_BATCH`, `SCHED_IDLE` or `SCHED_DEADLINE`.
pub fn policy() -> String {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    policy_of(&stat).to_owned()
}

fn policy_of(stat: &str) -> &'static str {
    // The command name (field 2) is in parentheses and may hold spaces: count from the
    // last `)`, after which field 3 comes first.
    let number = stat
        .rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(41 - 3))
        .and_then(|field| field.parse::<u32>().ok());
    match number {
        Some(0) => "SCHED_OTHER",
        Some(1) => "SCHED_FIFO",
        Some(2) => "SCHED_RR",
        Some(3) => "SCHED_BATCH",
        Some(5) => "SCHED_IDLE",
        Some(6) => "SCHED_DEADLINE",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::policy_of;

    fn stat(comm: &str, policy: u32) -> String {
        // Fields 3..=40, then the policy (41) and two more.
        let middle = vec!["0"; 38].join(" ");
        format!("1234 ({comm}) {middle} {policy} 0 0")
    }

    #[test]
    fn reads_the_policy_after_the_command_name() {
        assert_eq!(policy_of(&stat("interviewd-bench", 0)), "SCHED_OTHER");
        assert_eq!(policy_of(&stat("a ) b", 1)), "SCHED_FIFO");
        assert_eq!(policy_of(&stat("x", 2)), "SCHED_RR");
        assert_eq!(policy_of("garbage"), "unknown");
    }

    #[test]
    fn this_process_has_a_known_policy() {
        assert_ne!(super::policy(), "unknown");
    }
}
