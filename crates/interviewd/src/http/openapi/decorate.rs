//! What the shared layers add to every operation of a dialect, applied to the document the
//! annotations produced: the security scheme, the `companyId` and `Idempotency-Key`
//! parameters, the rate-limit headers, and the error statuses of authentication, rate limits,
//! idempotency, the body limit, timeouts and panics — each with the dialect's error body.
//!
//! The rules mirror `crate::http::mod.rs`'s layers; an operation's own annotation wins where
//! it already documents a status (its description is kept, the layer's reason appended).

use super::Spec;
use super::schemas::IvRateLimitedBody;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

/// Paths of the online-interview protocol: the invite token is the credential.
const PUBLIC_PREFIX: &str = "/i/";

/// Methods that change state: idempotency keys apply to them.
const WRITES: [&str; 4] = ["post", "put", "patch", "delete"];

/// The rate-limit headers on every response to an authenticated request.
const RATE_HEADERS: [(&str, &str); 6] = [
    (
        "X-RateLimit-Limit-Minute",
        "Requests allowed in the current minute.",
    ),
    (
        "X-RateLimit-Limit-Hour",
        "Requests allowed in the current hour.",
    ),
    (
        "X-RateLimit-Remaining-Minute",
        "Requests left in the current minute.",
    ),
    (
        "X-RateLimit-Remaining-Hour",
        "Requests left in the current hour.",
    ),
    (
        "X-RateLimit-Reset-Minute",
        "When the minute window resets (Unix seconds).",
    ),
    (
        "X-RateLimit-Reset-Hour",
        "When the hour window resets (Unix seconds).",
    ),
];

struct Dialect {
    title: &'static str,
    summary: &'static str,
    scheme: &'static str,
    security: Value,
    /// The error schemas (`Error`, `RateLimited`) and the schemas they refer to.
    schemas: Map<String, Value>,
    /// Whether 429 has a body of its own (`RateLimited`).
    rate_limited: bool,
}

/// `T`'s schema under its name, with every schema it refers to.
fn schemas_of<T: ToSchema>(into: &mut Map<String, Value>) {
    let mut found = vec![(T::name().into_owned(), T::schema())];
    T::schemas(&mut found);
    for (name, schema) in found {
        into.insert(name, serde_json::to_value(schema).unwrap_or_default());
    }
}

fn dialect(spec: Spec) -> Dialect {
    let mut schemas = Map::new();
    match spec {
        Spec::InstaView => Dialect {
            title: "interviewd — InstaView dialect",
            summary: "Mounted at `/v1/...` and, identically, without the prefix. Bearer keys, \
                      camelCase JSON, 201 on create. The online-interview protocol under `/i/{token}` \
                      needs no key.",
            scheme: "bearerAuth",
            security: json!({ "type": "http", "scheme": "bearer", "description": "An API key (`sk_…`)." }),
            schemas: {
                schemas_of::<crate::wire::instaview::ErrorBody>(&mut schemas);
                schemas_of::<IvRateLimitedBody>(&mut schemas);
                schemas
            },
            rate_limited: true,
        },
        Spec::Alpharun => Dialect {
            title: "interviewd — Alpharun dialect",
            summary: "Mounted at `/api/v1`. Bearer keys, snake_case JSON, creates answer 200, errors \
                      are `{\"error\": <status>, \"message\": …}`.",
            scheme: "bearerAuth",
            security: json!({ "type": "http", "scheme": "bearer", "description": "An API key (`sk_…`)." }),
            schemas: {
                schemas_of::<crate::wire::alpharun::ErrorBody>(&mut schemas);
                schemas
            },
            rate_limited: false,
        },
        Spec::Xobin => Dialect {
            title: "interviewd — Xobin dialect",
            summary: "Mounted at `/api/v2`. The key goes in the `apiKey` header; ids are integers; \
                      errors are `{\"error\": \"…\"}`.",
            scheme: "apiKey",
            security: json!({ "type": "apiKey", "in": "header", "name": "apiKey", "description": "An API key (`sk_…`)." }),
            schemas: {
                schemas_of::<crate::wire::xobin::ErrorBody>(&mut schemas);
                schemas
            },
            rate_limited: false,
        },
    }
}

/// Applies the shared layers' contract to `doc` (the annotations' document of `spec`).
pub fn decorate(spec: Spec, mut doc: Value) -> Value {
    let d = dialect(spec);
    doc["info"] = json!({
        "title": d.title,
        "version": env!("CARGO_PKG_VERSION"),
        "description": format!("{} Every operation lists every status it can answer; see `docs/openapi.md`.", d.summary),
        "license": { "name": "Apache-2.0", "identifier": "Apache-2.0" },
    });
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                operation(&d, path, method, op);
            }
        }
    }
    components(&d, spec, &mut doc);
    doc
}

fn components(d: &Dialect, spec: Spec, doc: &mut Value) {
    let components = doc
        .as_object_mut()
        .map(|o| o.entry("components").or_insert_with(|| json!({})));
    let Some(components) = components.and_then(Value::as_object_mut) else {
        return;
    };
    let schemas = components.entry("schemas").or_insert_with(|| json!({}));
    if let Some(schemas) = schemas.as_object_mut() {
        schemas.extend(d.schemas.clone());
    }
    components.insert("securitySchemes".into(), json!({ d.scheme: d.security }));
    let company = "Required for ATS keys on company-scoped operations: the company to act for \
                   (a UUID of a company the key manages). Company keys act for their own company \
                   and ignore it.";
    let idempotency = "Makes a retry safe: the first response is stored for 24 hours per company \
                       and replayed (with `Idempotent-Replayed: true`) for the same request; the \
                       same key with a different request is 422, while the first is running 409. \
                       1 to 255 printable ASCII characters.";
    components.insert(
        "parameters".into(),
        json!({
            "companyId": { "name": "companyId", "in": "query", "required": false, "description": company, "schema": { "type": "string" } },
            "IdempotencyKey": { "name": "Idempotency-Key", "in": "header", "required": false, "description": idempotency,
                "schema": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]([\\x20-\\x7e]*[\\x21-\\x7e])?$" } },
        }),
    );
    let mut headers = Map::new();
    for (name, description) in RATE_HEADERS {
        headers.insert(
            name.into(),
            json!({ "description": description, "schema": { "type": "integer" } }),
        );
    }
    headers.insert(
        "Retry-After".into(),
        json!({ "description": "Seconds to wait before retrying.", "required": true, "schema": { "type": "integer", "minimum": 0 } }),
    );
    components.insert("headers".into(), Value::Object(headers));
    if spec == Spec::InstaView {
        doc["tags"] = json!([
            { "name": "Companies" }, { "name": "Jobs" }, { "name": "Agents" }, { "name": "Candidates" },
            { "name": "Interviews" }, { "name": "Webhooks" },
            { "name": "Online interview", "description": "The candidate's side of an ONLINE interview; the invite token is the credential." },
        ]);
    }
}

fn operation(d: &Dialect, path: &str, method: &str, op: &mut Value) {
    let public = path.starts_with(PUBLIC_PREFIX);
    let write = WRITES.contains(&method);
    let has_body = op.get("requestBody").is_some();
    let Some(op) = op.as_object_mut() else { return };
    let tag = op
        .get("tags")
        .and_then(|t| t.get(0))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if public {
        op.insert("security".into(), json!([]));
    } else {
        op.insert("security".into(), json!([{ d.scheme: [] }]));
        let params = op.entry("parameters").or_insert_with(|| json!([]));
        if let Some(params) = params.as_array_mut() {
            if tag != "Companies" {
                params.push(json!({ "$ref": "#/components/parameters/companyId" }));
            }
            if write {
                params.push(json!({ "$ref": "#/components/parameters/IdempotencyKey" }));
            }
        }
    }
    let responses = op.entry("responses").or_insert_with(|| json!({}));
    let Some(responses) = responses.as_object_mut() else {
        return;
    };
    let mut add = |status: &str, why: &str| match responses.get_mut(status) {
        Some(existing) => {
            let text = existing["description"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if !text.contains(why) {
                existing["description"] = Value::String(format!("{text} {why}").trim().to_owned());
            }
            admit_layer_error(existing);
        }
        None => {
            responses.insert(status.into(), json!({ "description": why }));
        }
    };
    if !public {
        add(
            "400",
            "Malformed `companyId` or, for ATS keys, a missing one.",
        );
        add(
            "401",
            "Missing, malformed, unknown, revoked or expired API key.",
        );
        add(
            "403",
            "The key lacks a scope this operation needs, or may not act for the company.",
        );
        add(
            "429",
            "The key's rate limit is spent; retry after `Retry-After` seconds.",
        );
        if write {
            add("400", "Malformed `Idempotency-Key`.");
            add(
                "409",
                "A request with this `Idempotency-Key` is still running.",
            );
            add(
                "422",
                "This `Idempotency-Key` was used for a different request.",
            );
        }
    }
    if has_body {
        add("413", "The request body is over 1 MiB.");
    }
    add(
        "500",
        "Internal error; the details are logged, never returned.",
    );
    add(
        "503",
        "The database is unavailable or the request timed out; retry later.",
    );
    for (status, response) in responses.iter_mut() {
        fill(d, public, status, response);
    }
}

/// A shared layer answers in the dialect's `Error` body. Where an operation documents its own
/// body for the same status (Xobin's `{"success": false, "error": …}` refusals), the layer's
/// body is admitted beside it.
fn admit_layer_error(response: &mut Value) {
    const ERROR: &str = "#/components/schemas/Error";
    // `AnyError` is the online-interview routes' `oneOf` that already holds `Error`.
    const ADMITTING: [&str; 2] = [ERROR, "#/components/schemas/AnyError"];
    let Some(schema) = response.pointer_mut("/content/application~1json/schema") else {
        return;
    };
    let admitted = |s: &Value| {
        s.get("$ref")
            .and_then(Value::as_str)
            .is_some_and(|r| ADMITTING.contains(&r))
    };
    let already = admitted(schema)
        || schema
            .get("anyOf")
            .and_then(Value::as_array)
            .is_some_and(|all| all.iter().any(admitted));
    if !already {
        let own = schema.take();
        *schema = json!({ "anyOf": [own, { "$ref": ERROR }] });
    }
}

/// Gives an error response the dialect's body, and every response to an authenticated request
/// the rate-limit headers.
fn fill(d: &Dialect, public: bool, status: &str, response: &mut Value) {
    let code: u16 = status.parse().unwrap_or(0);
    if code >= 400 && response.get("content").is_none() {
        let schema = match status {
            "429" if d.rate_limited && !public => "#/components/schemas/RateLimited",
            _ => "#/components/schemas/Error",
        };
        response["content"] = json!({ "application/json": { "schema": { "$ref": schema } } });
    }
    let Some(response) = response.as_object_mut() else {
        return;
    };
    let headers = response.entry("headers").or_insert_with(|| json!({}));
    let Some(headers) = headers.as_object_mut() else {
        return;
    };
    // Every response to an authenticated request carries them; they are listed where a client
    // acts on them (successes and 429) to keep the document readable.
    if !public && ((200..300).contains(&code) || code == 429) {
        for (name, _) in RATE_HEADERS {
            headers.insert(
                name.into(),
                json!({ "$ref": format!("#/components/headers/{name}") }),
            );
        }
    }
    if code == 429 {
        headers.insert(
            "Retry-After".into(),
            json!({ "$ref": "#/components/headers/Retry-After" }),
        );
    }
    if headers.is_empty() {
        response.remove("headers");
    }
}
