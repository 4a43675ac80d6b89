//! The console's two cookies, read and written in one place.
//!
//! - The session cookie holds a random token (the database keeps only its hash):
//!   `HttpOnly; SameSite=Lax` — Lax so that following a link into the console from an
//!   e-mail keeps the user signed in, while cross-site form posts arrive without it.
//! - The pre-session CSRF cookie holds a random nonce for the forms shown before signing in
//!   (sign-in, choosing a password): `HttpOnly; SameSite=Strict`.
//!
//! Both are `Path=/` and, when the public URL is `https://`, `Secure` with the `__Host-`
//! name prefix, which a browser accepts only from this very host over HTTPS, so a sibling
//! subdomain cannot plant one. Neither is signed: each is an unguessable random value
//! checked against the server's own record (the session table) or the form, and there is
//! nothing in them a signature would protect.

use axum::http::{HeaderMap, HeaderValue, header};

/// The session cookie's base name.
pub const SESSION: &str = "interviewd_session";
/// The pre-session CSRF cookie's base name.
pub const CSRF: &str = "interviewd_csrf";

/// How a cookie is scoped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameSite {
    Lax,
    Strict,
}

/// The cookie name in use: `__Host-` prefixed when `secure`.
pub fn name(base: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{base}")
    } else {
        base.to_owned()
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value; `max_age_secs` 0 removes the cookie.
pub fn set(
    name: &str,
    value: &str,
    same_site: SameSite,
    secure: bool,
    max_age_secs: i64,
) -> HeaderValue {
    let same_site = match same_site {
        SameSite::Lax => "Lax",
        SameSite::Strict => "Strict",
    };
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{name}={value}; Path=/; HttpOnly; SameSite={same_site}{secure}; Max-Age={max_age_secs}"
    );
    // Names and values are ours (base62 tokens), so this always parses.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A `Set-Cookie` value that removes cookie `name`.
pub fn clear(name: &str, same_site: SameSite, secure: bool) -> HeaderValue {
    set(name, "", same_site, secure, 0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_among_others_and_written_with_their_flags() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            "a=1; interviewd_session=tok; b=2".parse().unwrap(),
        );
        headers.append(header::COOKIE, "__Host-interviewd_csrf=n".parse().unwrap());
        assert_eq!(get(&headers, SESSION).as_deref(), Some("tok"));
        assert_eq!(get(&headers, &name(CSRF, true)).as_deref(), Some("n"));
        assert_eq!(get(&headers, CSRF), None);
        let v = set(&name(SESSION, true), "tok", SameSite::Lax, true, 60);
        assert_eq!(
            v.to_str().unwrap(),
            "__Host-interviewd_session=tok; Path=/; HttpOnly; SameSite=Lax; Secure; Max-Age=60"
        );
        let c = clear(CSRF, SameSite::Strict, false);
        assert_eq!(
            c.to_str().unwrap(),
            "interviewd_csrf=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
        );
    }
}
