//! Client-chosen request ids. A caller may send `x-request-id` to correlate its logs with
//! ours; the id is echoed in the response and written to every log line of the request. Only
//! a safe form is taken — a UUID, or 16 to 64 letters, digits, `-` and `_` (a ULID, a trace
//! id) — so an e-mail address, a phone number or a log-forging line sent as an id never
//! reaches the logs: anything else is dropped here and a fresh UUID is made in its place.

use axum::extract::Request;

/// The header.
pub const HEADER: &str = "x-request-id";

/// Whether `id` may be used as a request id as sent.
pub fn is_safe(id: &str) -> bool {
    is_uuid(id)
        || ((16..=64).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

fn is_uuid(id: &str) -> bool {
    id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Drops an unsafe (or repeated) `x-request-id`, so the request-id layer makes a new one.
pub async fn sanitize(mut req: Request) -> Request {
    let headers = req.headers_mut();
    let keep = {
        let mut values = headers.get_all(HEADER).iter();
        match (values.next(), values.next()) {
            (Some(one), None) => one.to_str().is_ok_and(is_safe),
            (None, _) => true,
            (Some(_), Some(_)) => false,
        }
    };
    if !keep {
        headers.remove(HEADER);
    }
    req
}

#[cfg(test)]
mod tests {
    use super::is_safe;

    #[test]
    fn ids_are_taken_only_in_a_safe_form() {
        for ok in [
            "0192f3a4-1b2c-7d3e-8f40-123456789abc",
            "01HZY3K4M5N6P7Q8R9S0T1V2W3",
            "4bf92f3577b34da6a3ce929d0e0e4736",
            "req_2024-01-01_abcdef",
        ] {
            assert!(is_safe(ok), "{ok}");
        }
        for bad in [
            "",
            "ann.lee@example.com",
            "+14155550100",
            "14155550100",
            "short-id",
            "id with spaces and more",
            "line\nbreak-injected-entry",
            &"x".repeat(65),
            "ünïcödé-ünïcödé-ünïcödé",
        ] {
            assert!(!is_safe(bad), "{bad:?}");
        }
    }
}
