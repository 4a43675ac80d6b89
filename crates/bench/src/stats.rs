//! The numbers of one cell: throughput, latency percentiles and errors.
//!
//! Every operation's latency is kept (a cell is bounded by an operation count, so the vector
//! is too), sorted once, and read by nearest rank: p99 of 100 samples is the 99th smallest,
//! never an interpolation between two samples that were actually measured.

use serde::Serialize;
use std::time::Duration;

/// The value at percentile `p` (0–100] of `sorted` by nearest rank: the smallest sample with
/// at least `p` per cent of the samples at or below it. `None` when there are no samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    // Nearest rank: ceil(p/100 · n), 1-based, clamped to [1, n].
    let rank = ((p / 100.0) * n as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, n) - 1])
}

/// `numerator / denominator`, or `None` when the denominator is not a positive rate.
pub fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0 && numerator.is_finite()).then(|| numerator / denominator)
}

/// Milliseconds with two decimals, as the reports print them.
pub fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 100_000.0).round() / 100.0
}

/// `count` over `elapsed`, per second (0 for no time).
pub fn per_second(count: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

/// The middle of `values` (the mean of the two middle ones for an even count), ignoring
/// values that are not numbers; `None` when none is.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// What one cell measured, ready to report.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Operations that completed with the expected answer.
    pub ok: u64,
    /// Operations that failed (wrong status or body, transport or database error).
    pub errors: u64,
    /// Wall time from the first operation to the last answer.
    pub elapsed_s: f64,
    /// Successful operations per second of wall time.
    pub throughput: f64,
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    /// A few distinct error messages, for the report.
    pub sample_errors: Vec<String>,
}

impl Summary {
    /// Summarises the latencies of the successful operations (in any order).
    pub fn new(
        mut latencies: Vec<Duration>,
        errors: u64,
        elapsed: Duration,
        sample_errors: Vec<String>,
    ) -> Self {
        latencies.sort_unstable();
        let ok = latencies.len() as u64;
        let secs = elapsed.as_secs_f64();
        Self {
            ok,
            errors,
            elapsed_s: secs,
            throughput: per_second(ok, elapsed),
            p50_ms: percentile(&latencies, 50.0).map(ms),
            p99_ms: percentile(&latencies, 99.0).map(ms),
            max_ms: latencies.last().copied().map(ms),
            sample_errors,
        }
    }

    /// Whether the cell must be flagged: any operation failed, or none succeeded.
    pub fn flagged(&self) -> bool {
        self.errors > 0 || self.ok == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(values: &[u64]) -> Vec<Duration> {
        values.iter().map(|&v| Duration::from_millis(v)).collect()
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let sorted = millis(&(1..=100).collect::<Vec<_>>());
        assert_eq!(percentile(&sorted, 50.0), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&sorted, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&sorted, 100.0), Some(Duration::from_millis(100)));
        assert_eq!(percentile(&sorted, 0.1), Some(Duration::from_millis(1)));
    }

    #[test]
    fn percentiles_of_few_samples_are_samples() {
        let sorted = millis(&[3, 7, 40]);
        assert_eq!(percentile(&sorted, 50.0), Some(Duration::from_millis(7)));
        // p99 of three samples is the largest: no interpolation invents a value.
        assert_eq!(percentile(&sorted, 99.0), Some(Duration::from_millis(40)));
        assert_eq!(
            percentile(&millis(&[5]), 99.0),
            Some(Duration::from_millis(5))
        );
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn a_summary_sorts_and_counts() {
        let s = Summary::new(millis(&[9, 1, 5, 3]), 2, Duration::from_secs(2), vec![]);
        assert_eq!((s.ok, s.errors), (4, 2));
        assert!((s.throughput - 2.0).abs() < 1e-9);
        assert_eq!(s.p50_ms, Some(3.0));
        assert_eq!(s.p99_ms, Some(9.0));
        assert_eq!(s.max_ms, Some(9.0));
        assert!(s.flagged());
        let clean = Summary::new(millis(&[1]), 0, Duration::from_secs(1), vec![]);
        assert!(!clean.flagged());
    }

    #[test]
    fn an_empty_cell_is_flagged_and_has_no_percentiles() {
        let s = Summary::new(vec![], 0, Duration::ZERO, vec![]);
        assert_eq!((s.ok, s.throughput, s.p50_ms), (0, 0.0, None));
        assert!(s.flagged());
    }

    #[test]
    fn milliseconds_keep_two_decimals() {
        assert_eq!(ms(Duration::from_micros(1_234)), 1.23);
        assert_eq!(ms(Duration::from_micros(1_236)), 1.24);
        assert_eq!(ms(Duration::from_nanos(4_999)), 0.0);
    }

    #[test]
    fn a_median_is_the_middle_value_or_the_mean_of_the_middle_two() {
        assert_eq!(median(&[0.5, 0.3, 0.9]), Some(0.5));
        assert_eq!(median(&[0.4, 0.2, 0.6, 0.8]), Some(0.5));
        assert_eq!(median(&[f64::NAN, 0.7]), Some(0.7));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn ratios_need_a_positive_denominator() {
        assert_eq!(ratio(500.0, 1000.0), Some(0.5));
        assert_eq!(ratio(1500.0, 1000.0), Some(1.5));
        assert_eq!(ratio(10.0, 0.0), None);
        assert_eq!(ratio(f64::NAN, 1.0), None);
    }
}
