//! Time as stored: UTC milliseconds since the epoch. Both backends keep `BIGINT`
//! milliseconds, so comparisons in SQL are integer comparisons and the same statements
//! work on SQLite and PostgreSQL.

use chrono::{DateTime, TimeZone, Utc};

/// Milliseconds since the epoch for a UTC time.
pub fn to_millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// The UTC time for stored milliseconds (out-of-range values clamp to the epoch).
pub fn from_millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// RFC 3339 with millisecond precision and a `Z` suffix, the form every dialect emits.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
