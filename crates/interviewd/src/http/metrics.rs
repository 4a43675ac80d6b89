//! Prometheus metrics at `GET /metrics` (text exposition format 0.0.4), rendered by hand:
//! a few series do not need a metrics framework or a process-global recorder.
//!
//! - Request series are counted in this process, labelled by method, route *template*
//!   (axum's `MatchedPath`, so ids never become labels; `unmatched` for unknown paths) and
//!   status.
//! - Queue depth, slots in use and delivery outcomes are read from the database at scrape
//!   time ([`crate::store::metrics::MetricsStore`]), so every node reports the same,
//!   cluster-wide values for them.
//! - Open by default (the series carry no personal data, only company ids); with
//!   `metrics_token` set, the scrape must send `Authorization: Bearer <token>`.

use crate::app::AppState;
use crate::core::engine::models::{ModelTotals, Purpose};
use crate::core::ops::{self, OpsSnapshot};
use crate::http::extract::bearer;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct SeriesKey {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Debug, Default)]
struct Series {
    /// Per-bucket (not cumulative) counts; the last slot is `+Inf`.
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
    count: u64,
}

/// The in-process request series.
#[derive(Debug, Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<SeriesKey, Series>>,
    in_flight: AtomicI64,
}

impl Metrics {
    /// Records one answered request.
    pub fn observe(&self, method: &Method, route: &str, status: StatusCode, seconds: f64) {
        let key = SeriesKey {
            method: method_label(method),
            route: route.to_owned(),
            status: status.as_u16(),
        };
        let mut series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        let s = series.entry(key).or_default();
        let slot = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        s.buckets[slot] += 1;
        s.sum += seconds;
        s.count += 1;
    }

    /// The exposition text: the request series, then the database gauges (or
    /// `interviewd_store_up 0` when they could not be read).
    pub fn render(&self, ops: Option<&OpsSnapshot>) -> String {
        let mut out = String::new();
        self.render_requests(&mut out);
        let _ = writeln!(
            out,
            "# HELP interviewd_http_requests_in_flight Requests being served by this process."
        );
        let _ = writeln!(out, "# TYPE interviewd_http_requests_in_flight gauge");
        let _ = writeln!(
            out,
            "interviewd_http_requests_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        gauge(
            &mut out,
            "interviewd_store_up",
            "Whether the database answered the scrape.",
            [(String::new(), i64::from(ops.is_some()))],
        );
        if let Some(ops) = ops {
            render_ops(&mut out, ops);
        }
        out
    }

    fn render_requests(&self, out: &mut String) {
        let series = self.series.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = writeln!(
            out,
            "# HELP interviewd_http_requests_total HTTP requests answered, by method, route template and status."
        );
        let _ = writeln!(out, "# TYPE interviewd_http_requests_total counter");
        for (k, s) in series.iter() {
            let _ = writeln!(
                out,
                "interviewd_http_requests_total{{{}}} {}",
                labels(k),
                s.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP interviewd_http_request_duration_seconds Time to answer HTTP requests."
        );
        let _ = writeln!(
            out,
            "# TYPE interviewd_http_request_duration_seconds histogram"
        );
        for (k, s) in series.iter() {
            let l = labels(k);
            let mut cumulative = 0;
            for (i, bound) in BUCKETS.iter().enumerate() {
                cumulative += s.buckets[i];
                let _ = writeln!(
                    out,
                    "interviewd_http_request_duration_seconds_bucket{{{l},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "interviewd_http_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "interviewd_http_request_duration_seconds_sum{{{l}}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "interviewd_http_request_duration_seconds_count{{{l}}} {}",
                s.count
            );
        }
    }
}

fn render_ops(out: &mut String, ops: &OpsSnapshot) {
    gauge(
        out,
        "interviewd_call_queue_due",
        "Scheduled call attempts whose time has come.",
        [(String::new(), ops.calls_due)],
    );
    gauge(
        out,
        "interviewd_call_queue_later",
        "Scheduled call attempts not yet due.",
        [(String::new(), ops.calls_later)],
    );
    let slots = ops
        .slots_in_use
        .iter()
        .map(|(c, n)| (format!("company=\"{c}\""), *n));
    gauge(
        out,
        "interviewd_slots_in_use",
        "Concurrency slots held, per company holding any.",
        slots,
    );
    let webhooks = ops
        .webhook_messages
        .iter()
        .map(|(s, n)| (format!("status=\"{}\"", escape(s)), *n));
    gauge(
        out,
        "interviewd_webhook_messages",
        "Webhook messages by delivery outcome (PENDING while retrying).",
        webhooks,
    );
    let mail = ops
        .mail_messages
        .iter()
        .map(|(s, n)| (format!("status=\"{}\"", escape(s)), *n));
    gauge(
        out,
        "interviewd_mail_messages",
        "Queued e-mails by outcome (PENDING while retrying).",
        mail,
    );
}

/// Writes one gauge family; each sample is (rendered labels, value).
fn gauge(
    out: &mut String,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (String, i64)>,
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
    for (labels, value) in samples {
        if labels.is_empty() {
            let _ = writeln!(out, "{name} {value}");
        } else {
            let _ = writeln!(out, "{name}{{{labels}}} {value}");
        }
    }
}

fn labels(k: &SeriesKey) -> String {
    format!(
        "method=\"{}\",route=\"{}\",status=\"{}\"",
        k.method,
        escape(&k.route),
        k.status
    )
}

/// The language-model series of this process, by purpose (`turn`, `analysis`, `plan`).
fn render_models(out: &mut String, totals: &[(Purpose, ModelTotals)]) {
    let counter =
        |out: &mut String, name: &str, help: &str, value: &dyn Fn(&ModelTotals) -> String| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} counter");
            for (purpose, t) in totals {
                let _ = writeln!(
                    out,
                    "{name}{{purpose=\"{}\"}} {}",
                    purpose.as_str(),
                    value(t)
                );
            }
        };
    counter(
        out,
        "interviewd_model_calls_total",
        "Language-model calls made by this process.",
        &|t| t.calls.to_string(),
    );
    counter(
        out,
        "interviewd_model_fallbacks_total",
        "Model calls whose answer was not used (the built-in answered).",
        &|t| t.fallbacks.to_string(),
    );
    counter(
        out,
        "interviewd_model_prompt_tokens_total",
        "Prompt tokens the model servers reported.",
        &|t| t.prompt_tokens.to_string(),
    );
    counter(
        out,
        "interviewd_model_completion_tokens_total",
        "Completion tokens the model servers reported.",
        &|t| t.completion_tokens.to_string(),
    );
    for (name, help, sum, count) in [
        (
            "interviewd_model_call_seconds",
            "Time of model calls, request to last token.",
            &(|t: &ModelTotals| t.total_ms) as &dyn Fn(&ModelTotals) -> u64,
            &(|t: &ModelTotals| t.calls) as &dyn Fn(&ModelTotals) -> u64,
        ),
        (
            "interviewd_model_first_token_seconds",
            "Time from a model request to its first token.",
            &|t: &ModelTotals| t.first_token_ms,
            &|t: &ModelTotals| t.first_tokens,
        ),
    ] {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} summary");
        for (purpose, t) in totals {
            let p = purpose.as_str();
            let seconds = sum(t) as f64 / 1000.0;
            let _ = writeln!(out, "{name}_sum{{purpose=\"{p}\"}} {seconds}");
            let _ = writeln!(out, "{name}_count{{purpose=\"{p}\"}} {}", count(t));
        }
    }
}

/// Escapes a label value (backslash, double quote, newline).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A bounded set of method labels.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Counts the requests in flight; the drop runs even when the request is cut short.
struct InFlight(Arc<Metrics>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The middleware recording every request (it runs after routing, so the template is known).
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    metrics.in_flight.fetch_add(1, Ordering::Relaxed);
    let _in_flight = InFlight(metrics.clone());
    let started = Instant::now();
    let res = next.run(req).await;
    metrics.observe(
        &method,
        &route,
        res.status(),
        started.elapsed().as_secs_f64(),
    );
    res
}

/// What `GET /metrics` needs.
#[derive(Clone)]
pub struct MetricsState {
    pub metrics: Arc<Metrics>,
    pub app: AppState,
    pub token: Option<crate::secret::Secret>,
}

/// `GET /metrics`.
pub async fn serve(State(state): State<MetricsState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.token {
        let presented = bearer(&headers).unwrap_or("");
        if !crate::core::keys::hashes_equal(
            &crate::core::keys::hash(presented),
            &crate::core::keys::hash(token.expose()),
        ) {
            return (StatusCode::UNAUTHORIZED, "metrics token required\n").into_response();
        }
    }
    let ops = match ops::snapshot(&state.app).await {
        Ok(ops) => Some(ops),
        Err(e) => {
            tracing::warn!(error = %e, "reading database gauges failed");
            None
        }
    };
    let mut body = state.metrics.render(ops.as_ref());
    render_models(&mut body, &state.app.engine.models.metrics.snapshot());
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.observe(&Method::GET, "/v1/jobs/{id}", StatusCode::OK, 0.003);
        m.observe(&Method::GET, "/v1/jobs/{id}", StatusCode::OK, 0.2);
        m.observe(&Method::GET, "/v1/jobs/{id}", StatusCode::OK, 99.0);
        let text = m.render(None);
        let l = r#"method="GET",route="/v1/jobs/{id}",status="200""#;
        assert!(
            text.contains(&format!("interviewd_http_requests_total{{{l}}} 3")),
            "{text}"
        );
        assert!(text.contains(&format!(
            "interviewd_http_request_duration_seconds_bucket{{{l},le=\"0.005\"}} 1"
        )));
        assert!(text.contains(&format!(
            "interviewd_http_request_duration_seconds_bucket{{{l},le=\"0.25\"}} 2"
        )));
        assert!(text.contains(&format!(
            "interviewd_http_request_duration_seconds_bucket{{{l},le=\"30\"}} 2"
        )));
        assert!(text.contains(&format!(
            "interviewd_http_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} 3"
        )));
        assert!(text.contains("interviewd_store_up 0"));
    }
}
