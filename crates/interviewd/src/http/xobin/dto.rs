//! Xobin request dates (`YYYY-MM-DD HH:MM`, GMT).

use chrono::{DateTime, NaiveDateTime, Utc};

/// Parses a `start_date` / `expiry_date`: `YYYY-MM-DD HH:MM` in GMT (seconds, and a `T`
/// separator, are accepted too).
pub fn parse_gmt(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
    .map(|t| t.and_utc())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_parse() {
        let t = parse_gmt("2025-01-15 10:32").unwrap();
        assert_eq!(t, Utc.with_ymd_and_hms(2025, 1, 15, 10, 32, 0).unwrap());
        assert!(parse_gmt("15/01/2025").is_none());
        assert!(parse_gmt("2025-02-30 10:00").is_none());
    }
}
