//! A job read off its posting's web page (InstaView's `POST /jobs/url`).
//!
//! The page is fetched through the webhooks' egress guard ([`GuardedResolver`]: no private,
//! loopback or link-local address unless `webhook_allow_private`, checked again on every
//! redirect), at most [`MAX_PAGE_BYTES`] of it, within [`FETCH_TIMEOUT`]. What it says is
//! read, in this order:
//!
//! 1. a schema.org `JobPosting` in JSON-LD (`<script type="application/ld+json">`), which job
//!    boards and applicant-tracking systems publish for search engines: title, description,
//!    skills, employment type, salary, place, remote work, education and experience;
//! 2. otherwise the page's own title (`og:title`, then the first `<h1>`, then `<title>`) and
//!    description (`og:description`, then `<meta name="description">`).
//!
//! No language model is involved: what is read is what the page states, and a page that
//! states no title is refused rather than guessed at.

use std::sync::Arc;
use std::time::Duration;

use interviewd_notify::egress::{self, GuardedResolver};
use serde_json::Value;

use super::CoreError;

/// The most of a page that is read; JSON-LD and the head come first on real pages.
pub const MAX_PAGE_BYTES: usize = 2 * 1024 * 1024;
/// How long fetching a page may take, redirects included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
const MAX_REDIRECTS: usize = 5;
const MAX_DESCRIPTION_CHARS: usize = 15_000;
const MAX_SKILLS: usize = 10;

/// What a posting's page states about the job. Every field is as read; the caller validates.
#[derive(Debug, Default, PartialEq)]
pub struct Posting {
    pub title: Option<String>,
    pub description: Option<String>,
    pub skills: Vec<String>,
    /// One of InstaView's contract types.
    pub contract_type: Option<&'static str>,
    pub salary: Option<Salary>,
    pub location: Option<Place>,
    pub education: Vec<String>,
    pub experience: Option<String>,
    pub benefits: Option<String>,
}

/// A salary range as the page states it.
#[derive(Debug, Default, PartialEq)]
pub struct Salary {
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub currency: Option<String>,
    /// `HOURLY` … `YEARLY`.
    pub period: Option<&'static str>,
}

/// Where the job is done.
#[derive(Debug, Default, PartialEq)]
pub struct Place {
    /// `REMOTE` when the page says the job is done remotely.
    pub work_mode: Option<&'static str>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    /// Two letters, when the page gives a code.
    pub country_code: Option<String>,
}

/// Why a page gave no job.
fn failed(message: impl Into<String>) -> CoreError {
    CoreError::Unprocessable {
        field: "jobUrl".into(),
        message: message.into(),
    }
}

/// Checks `url` as a posting's address: http(s), at most 2,048 characters, and unless
/// `allow_private` no private or loopback host.
pub fn check_url(url: &str, allow_private: bool) -> Result<reqwest::Url, CoreError> {
    egress::validate_url(url, allow_private)
        .map_err(|e| CoreError::invalid("jobUrl", format!("jobUrl is not a usable URL: {e}")))
}

/// Fetches the page at `url` (already [`check_url`]ed) and reads the posting on it.
pub async fn fetch(url: &reqwest::Url, allow_private: bool) -> Result<Posting, CoreError> {
    let client = reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver::new(allow_private)))
        .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
        .timeout(FETCH_TIMEOUT)
        .user_agent(concat!(
            "interviewd/",
            env!("CARGO_PKG_VERSION"),
            " (job import)"
        ))
        .build()
        .map_err(|e| CoreError::Internal(format!("building the page client: {e}")))?;
    let mut response = client
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "text/html,application/xhtml+xml")
        .send()
        .await
        .map_err(|e| failed(format!("the page could not be fetched: {}", reason(&e))))?;
    let status = response.status();
    if !status.is_success() {
        return Err(failed(format!(
            "the page answered HTTP {}",
            status.as_u16()
        )));
    }
    let kind = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("text/html")
        .to_ascii_lowercase();
    if !(kind.starts_with("text/html") || kind.starts_with("application/xhtml")) {
        return Err(failed(format!("the page is not HTML but {kind}")));
    }
    let mut body = Vec::new();
    while body.len() < MAX_PAGE_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => {
                return Err(failed(format!(
                    "the page could not be read: {}",
                    reason(&e)
                )));
            }
        }
    }
    body.truncate(MAX_PAGE_BYTES);
    Ok(read(&String::from_utf8_lossy(&body)))
}

/// The cause of a fetch failure, without reqwest's wrapping.
fn reason(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return format!("no answer within {} s", FETCH_TIMEOUT.as_secs());
    }
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// Reads a posting from a page's HTML.
pub fn read(html: &str) -> Posting {
    let mut posting = json_ld(html).map(|p| from_schema(&p)).unwrap_or_default();
    if posting.title.is_none() {
        posting.title = meta(html, "og:title")
            .or_else(|| element_text(html, "h1"))
            .or_else(|| element_text(html, "title"));
    }
    if posting.description.is_none() {
        posting.description = meta(html, "og:description").or_else(|| meta(html, "description"));
    }
    posting.description = posting.description.map(|d| clip(&d, MAX_DESCRIPTION_CHARS));
    posting
}

/// The first `JobPosting` among the page's JSON-LD blocks (top level, in an array or in
/// `@graph`).
fn json_ld(html: &str) -> Option<Value> {
    let mut rest = html;
    while let Some((attrs, inner, after)) = next_element(rest, "script") {
        rest = after;
        let is_ld = attribute(attrs, "type")
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"));
        if !is_ld {
            continue;
        }
        let Ok(value) = serde_json::from_str::<Value>(inner.trim()) else {
            continue;
        };
        if let Some(found) = find_posting(value) {
            return Some(found);
        }
    }
    None
}

fn find_posting(value: Value) -> Option<Value> {
    match value {
        Value::Array(items) => items.into_iter().find_map(find_posting),
        Value::Object(mut map) => {
            let is_posting = match map.get("@type") {
                Some(Value::String(t)) => t == "JobPosting",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "JobPosting"),
                _ => false,
            };
            if is_posting {
                return Some(Value::Object(map));
            }
            map.remove("@graph").and_then(find_posting)
        }
        _ => None,
    }
}

/// Maps a schema.org `JobPosting` onto the job's fields.
fn from_schema(p: &Value) -> Posting {
    let skills = texts(p.get("skills"))
        .into_iter()
        .flat_map(|s| {
            s.split([',', ';', '\n'])
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .map(|s| plain(&s))
        .filter(|s| !s.is_empty())
        .take(MAX_SKILLS)
        .collect();
    let remote = texts(p.get("jobLocationType"))
        .iter()
        .any(|t| t.eq_ignore_ascii_case("TELECOMMUTE"));
    let mut location = first(p.get("jobLocation")).and_then(place);
    if remote {
        location.get_or_insert_with(Place::default).work_mode = Some("REMOTE");
    }
    Posting {
        title: text(p.get("title")).map(|t| plain(&t)),
        description: text(p.get("description")).map(|d| plain(&d)),
        skills,
        contract_type: texts(p.get("employmentType"))
            .iter()
            .find_map(|t| contract(t)),
        salary: p.get("baseSalary").and_then(salary),
        location,
        education: texts(p.get("educationRequirements"))
            .into_iter()
            .chain(
                as_list(p.get("educationRequirements"))
                    .filter_map(|e| text(e.get("credentialCategory"))),
            )
            .map(|e| plain(&e))
            .filter(|e| !e.is_empty())
            .take(MAX_SKILLS)
            .collect(),
        experience: experience(p.get("experienceRequirements")),
        benefits: text(p.get("jobBenefits")).map(|b| plain(&b)),
    }
}

fn contract(kind: &str) -> Option<&'static str> {
    Some(
        match kind.to_ascii_uppercase().replace([' ', '-'], "_").as_str() {
            "FULL_TIME" => "FULL_TIME",
            "PART_TIME" => "PART_TIME",
            "CONTRACTOR" | "CONTRACT" => "CONTRACT",
            "TEMPORARY" => "TEMPORARY",
            "INTERN" | "INTERNSHIP" => "INTERNSHIP",
            _ => return None,
        },
    )
}

fn salary(v: &Value) -> Option<Salary> {
    let amount = v.get("value").unwrap_or(v);
    let number = |key: &str| amount.get(key).and_then(number_of);
    let exact = match amount {
        Value::Number(_) | Value::String(_) => number_of(amount),
        _ => number("value"),
    };
    let min = number("minValue").or(exact);
    let max = number("maxValue").or(exact);
    let unit = text(amount.get("unitText")).or_else(|| text(v.get("unitText")));
    let period = unit.and_then(|u| {
        Some(match u.to_ascii_uppercase().as_str() {
            "HOUR" => "HOURLY",
            "DAY" => "DAILY",
            "WEEK" => "WEEKLY",
            "MONTH" => "MONTHLY",
            "YEAR" => "YEARLY",
            _ => return None,
        })
    });
    let currency = text(v.get("currency")).filter(|c| c.len() == 3);
    (min.is_some() || max.is_some()).then_some(Salary {
        min,
        max,
        currency,
        period,
    })
}

fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().replace(',', "").parse().ok(),
        _ => None,
    }
    .filter(|n: &f64| n.is_finite() && *n >= 0.0)
}

fn place(v: &Value) -> Option<Place> {
    let address = v.get("address")?;
    if let Value::String(s) = address {
        return Some(Place {
            city: Some(plain(s)).filter(|s| !s.is_empty()),
            ..Place::default()
        });
    }
    let country = address.get("addressCountry").and_then(|c| match c {
        Value::Object(_) => text(c.get("name")),
        other => text(Some(other)),
    });
    Some(Place {
        work_mode: None,
        street: text(address.get("streetAddress")).map(|s| plain(&s)),
        city: text(address.get("addressLocality")).map(|s| plain(&s)),
        postal_code: text(address.get("postalCode")).map(|s| plain(&s)),
        country_code: country
            .filter(|c| c.len() == 2 && c.chars().all(|c| c.is_ascii_alphabetic()))
            .map(|c| c.to_ascii_uppercase()),
    })
}

fn experience(v: Option<&Value>) -> Option<String> {
    let v = first(v)?;
    if let Some(months) = v.get("monthsOfExperience").and_then(number_of) {
        let months = months.round() as u64;
        return Some(if months.is_multiple_of(12) && months >= 12 {
            format!("{} years", months / 12)
        } else {
            format!("{months} months")
        });
    }
    text(Some(v))
        .or_else(|| text(v.get("description")))
        .map(|e| clip(&plain(&e), 200))
}

/// A string value, or the first string of an array.
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Array(items) => items.iter().find_map(|i| text(Some(i))),
        _ => None,
    }
}

/// Every string of a value that is a string or an array of strings.
fn texts(v: Option<&Value>) -> Vec<String> {
    as_list(v).filter_map(|i| text(Some(i))).collect()
}

fn as_list(v: Option<&Value>) -> Box<dyn Iterator<Item = &Value> + '_> {
    match v {
        Some(Value::Array(items)) => Box::new(items.iter()),
        Some(other) => Box::new(std::iter::once(other)),
        None => Box::new(std::iter::empty()),
    }
}

fn first(v: Option<&Value>) -> Option<&Value> {
    as_list(v).next()
}

/// The `content` of `<meta property=name>` or `<meta name=name>`.
fn meta(html: &str, name: &str) -> Option<String> {
    let mut rest = html;
    while let Some((attrs, after)) = next_tag(rest, "meta") {
        rest = after;
        let named = ["property", "name"]
            .iter()
            .any(|a| attribute(attrs, a).is_some_and(|v| v.eq_ignore_ascii_case(name)));
        if named
            && let Some(content) = attribute(attrs, "content").map(|c| plain(&c))
            && !content.is_empty()
        {
            return Some(content);
        }
    }
    None
}

/// The text of the first `<tag>` element.
fn element_text(html: &str, tag: &str) -> Option<String> {
    let (_, inner, _) = next_element(html, tag)?;
    Some(plain(inner)).filter(|t| !t.is_empty())
}

/// The next `<tag …>` (any case): its attribute text and what follows it.
fn next_tag<'a>(html: &'a str, tag: &str) -> Option<(&'a str, &'a str)> {
    let bytes = html.as_bytes();
    let mut from = 0;
    while let Some(at) = html[from..].find('<') {
        let start = from + at + 1;
        let name_end = start + tag.len();
        let boundary = bytes.get(name_end).copied();
        if html
            .get(start..name_end)
            .is_some_and(|n| n.eq_ignore_ascii_case(tag))
            && matches!(boundary, Some(b' ' | b'\t' | b'\n' | b'\r' | b'>' | b'/'))
        {
            let close = html[name_end..].find('>')? + name_end;
            return Some((&html[name_end..close], &html[close + 1..]));
        }
        from = start;
    }
    None
}

/// The next `<tag …>…</tag>`: attributes, inner text and what follows the closing tag.
fn next_element<'a>(html: &'a str, tag: &str) -> Option<(&'a str, &'a str, &'a str)> {
    let (attrs, after) = next_tag(html, tag)?;
    let closing = format!("</{tag}");
    let end = find_ignore_case(after, &closing)?;
    let rest = &after[end..];
    let rest = rest.find('>').map_or("", |i| &rest[i + 1..]);
    Some((attrs, &after[..end], rest))
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The value of `name` in a tag's attribute text (quoted or not), entities decoded.
fn attribute(attrs: &str, name: &str) -> Option<String> {
    let mut rest = attrs;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if rest.is_empty() {
            return None;
        }
        let key_end = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '>')
            .unwrap_or(rest.len());
        let key = &rest[..key_end];
        rest = rest[key_end..].trim_start();
        let value = if let Some(after_eq) = rest.strip_prefix('=') {
            let after_eq = after_eq.trim_start();
            let (value, after) = match after_eq.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after_eq[1..];
                    let end = body.find(q).unwrap_or(body.len());
                    (&body[..end], body.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after_eq.find(char::is_whitespace).unwrap_or(after_eq.len());
                    (&after_eq[..end], &after_eq[end..])
                }
            };
            rest = after;
            value
        } else {
            ""
        };
        if key.eq_ignore_ascii_case(name) {
            return Some(decode_entities(value));
        }
        if key.is_empty() {
            return None;
        }
    }
}

/// Text without tags, with entities decoded and white space collapsed. JSON-LD descriptions
/// often carry escaped HTML, so tags are stripped after decoding; a block element's edge is
/// a space, an inline element's is nothing.
fn plain(html: &str) -> String {
    const BLOCKS: &[&str] = &[
        "p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
        "section", "article", "hr", "dd", "dt", "table",
    ];
    let decoded = decode_entities(html);
    let mut text = String::with_capacity(decoded.len());
    let mut rest = decoded.as_str();
    while let Some(at) = rest.find('<') {
        text.push_str(&rest[..at]);
        let tag = &rest[at + 1..];
        let Some(end) = tag.find('>') else {
            rest = "";
            break;
        };
        let name = tag[..end]
            .trim_start_matches('/')
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if BLOCKS.contains(&name.as_str()) {
            text.push(' ');
        }
        rest = &tag[end + 1..];
    }
    text.push_str(rest);
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes the character references pages commonly use.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.bytes().take(12).position(|b| b == b';');
        let decoded = end.and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => ' ',
                _ => {
                    let code =
                        if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                            u32::from_str_radix(hex, 16).ok()
                        } else {
                            name.strip_prefix('#').and_then(|d| d.parse().ok())
                        };
                    code.and_then(char::from_u32)?
                }
            };
            Some((c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// At most `max` characters, cut at a character boundary.
fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].trim_end().to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // A panic is how a test reports failure.
mod tests;
