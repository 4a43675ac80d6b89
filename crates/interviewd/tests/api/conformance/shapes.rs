//! Every documented endpoint against the fields its vendor page shows.
//!
//! `shapes/<dialect>.shapes` lists, for each endpoint a vendor documents and interviewd
//! implements, the page it follows and each documented response field with its JSON type
//! (names and types only, read off the vendor's page; the format is described at
//! [`parse`]). One test per dialect builds one fixture — a company with a completed interview
//! and everything around it — then sends every block's request in file order and checks the
//! status and every field, reporting all that differ at once, each with the page it follows.

use crate::engine::{fast, wait_status};
use crate::support::{Client, Resp, TestServer, fixture};
use crate::webhooks_support::create_webhook;
use crate::xobin::{ai_interview, invite, invite_body};
use crate::xobin_report::{report_when_completed, take_interview};
use interviewd_notify::testing::TestWebhookReceiver;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashMap;

/// One documented endpoint.
#[derive(Debug, Default)]
struct Block {
    method: String,
    path: String,
    status: u16,
    source: String,
    headers: Vec<(String, String)>,
    body: Option<String>,
    fields: Vec<Field>,
    /// Members whose value the vendor's page states (`value <path> <json>`): an error's code.
    values: Vec<(String, Value)>,
}

/// One documented response field: where, and its type (`nullable` when the vendor says it may
/// be `null`).
#[derive(Debug, Clone)]
struct Field {
    path: String,
    kind: String,
    nullable: bool,
}

/// Reads a shapes file. Blank lines and `#` comments are skipped; each block opens with
/// `endpoint <METHOD> <path> <status>` and may carry `source <url>`, `header <Name>: <value>`,
/// `body <json>`, `field <path> <type>[?]` and `value <path> <json>` (the member is exactly
/// that value; member names only) lines. A path joins member names with `.`;
/// `[]` after a name (or at the start) means every element of that array; `.` alone is the
/// body itself. Types: `string`, `integer`, `number`, `boolean`, `object`, `array`, `any`.
fn parse(text: &str) -> Result<Vec<Block>, String> {
    let mut blocks: Vec<Block> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |what: &str| format!("line {}: {what}: {line}", n + 1);
        let (word, rest) = line.split_once(' ').ok_or_else(|| at("no value"))?;
        let rest = rest.trim();
        if word == "endpoint" {
            let parts: Vec<&str> = rest.split_whitespace().collect();
            let [method, path, status] = parts[..] else {
                return Err(at("want `endpoint METHOD PATH STATUS`"));
            };
            blocks.push(Block {
                method: method.to_owned(),
                path: path.to_owned(),
                status: status.parse().map_err(|_| at("bad status"))?,
                ..Block::default()
            });
            continue;
        }
        let block = blocks
            .last_mut()
            .ok_or_else(|| at("before any `endpoint`"))?;
        match word {
            "source" => block.source = rest.to_owned(),
            "header" => {
                let (name, value) = rest
                    .split_once(':')
                    .ok_or_else(|| at("want `Name: value`"))?;
                block
                    .headers
                    .push((name.trim().to_owned(), value.trim().to_owned()));
            }
            "body" => block.body = Some(rest.to_owned()),
            "value" => {
                let (path, json) = rest
                    .split_once(' ')
                    .ok_or_else(|| at("want `value PATH JSON`"))?;
                if path == "." || path.contains("[]") {
                    return Err(at("a value names one member: `a.b`, no `[]`"));
                }
                let json = serde_json::from_str(json.trim()).map_err(|_| at("bad JSON"))?;
                block.values.push((path.to_owned(), json));
            }
            "field" => {
                let (path, kind) = rest
                    .rsplit_once(' ')
                    .ok_or_else(|| at("want `field PATH TYPE`"))?;
                let (kind, nullable) = match kind.strip_suffix('?') {
                    Some(kind) => (kind, true),
                    None => (kind, false),
                };
                if ![
                    "string", "integer", "number", "boolean", "object", "array", "any",
                ]
                .contains(&kind)
                {
                    return Err(at("unknown type"));
                }
                block.fields.push(Field {
                    path: path.trim().to_owned(),
                    kind: kind.to_owned(),
                    nullable,
                });
            }
            _ => return Err(at("unknown line")),
        }
    }
    for block in &blocks {
        if !block.source.starts_with("https://") {
            return Err(format!(
                "{} {}: no vendor page (`source`)",
                block.method, block.path
            ));
        }
    }
    Ok(blocks)
}

/// One step of a field path.
#[derive(Debug, PartialEq)]
enum Step {
    Member(String),
    Each,
}

fn steps(path: &str) -> Vec<Step> {
    let mut out = Vec::new();
    if path == "." {
        return out;
    }
    for part in path.split('.') {
        let mut name = part;
        let mut each = 0;
        while let Some(rest) = name.strip_suffix("[]") {
            name = rest;
            each += 1;
        }
        if !name.is_empty() {
            out.push(Step::Member(name.to_owned()));
        }
        out.extend((0..each).map(|_| Step::Each));
    }
    out
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn fits(v: &Value, field: &Field) -> bool {
    match (v, field.kind.as_str()) {
        (Value::Null, _) => field.nullable,
        (_, "any") => true,
        (Value::Number(_), "number") => true,
        (v, kind) => type_of(v) == kind,
    }
}

/// What is wrong with `field` in `body` (nothing when it is there with its type). A `null`
/// on the way is accepted where the block declares that prefix nullable.
fn check(body: &Value, field: &Field, nullable: &[String]) -> Vec<String> {
    let steps = steps(&field.path);
    let mut wrong = Vec::new();
    walk(body, &steps, String::new(), field, nullable, &mut wrong);
    wrong
}

fn walk(
    v: &Value,
    rest: &[Step],
    at: String,
    field: &Field,
    nullable: &[String],
    wrong: &mut Vec<String>,
) {
    let Some((step, rest)) = rest.split_first() else {
        if !fits(v, field) {
            let want = format!("{}{}", field.kind, if field.nullable { "?" } else { "" });
            wrong.push(format!("{at}: is {}, documented {want}", type_of(v)));
        }
        return;
    };
    if v.is_null() && nullable.contains(&at) {
        return;
    }
    match step {
        Step::Member(name) => match v.get(name) {
            Some(next) => {
                let at = if at.is_empty() {
                    name.clone()
                } else {
                    format!("{at}.{name}")
                };
                walk(next, rest, at, field, nullable, wrong);
            }
            None if v.is_object() && at.is_empty() => wrong.push(format!("{name}: missing")),
            None if v.is_object() => wrong.push(format!("{at}.{name}: missing")),
            None => wrong.push(format!("{at}: is {}, not an object", type_of(v))),
        },
        Step::Each => match v.as_array() {
            Some(items) if !items.is_empty() => {
                for item in items {
                    walk(item, rest, format!("{at}[]"), field, nullable, wrong);
                }
            }
            Some(_) => wrong.push(format!(
                "{at}: empty, so its items' fields cannot be checked"
            )),
            None => wrong.push(format!("{at}: is {}, not an array", type_of(v))),
        },
    }
}

/// Replaces every `{name}` of `vars` in `text`.
fn fill(text: &str, vars: &HashMap<&str, String>) -> String {
    let mut out = text.to_owned();
    for (name, value) in vars {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// What is wrong with the member at `path` (member names joined by `.`) when it is not `want`.
fn differs(body: &Value, path: &str, want: &Value) -> Option<String> {
    let pointer = format!("/{}", path.replace('.', "/"));
    match body.pointer(&pointer) {
        Some(got) if got == want => None,
        Some(got) => Some(format!("{path} is {got}, documented {want}")),
        None => Some(format!("{path} is missing, documented {want}")),
    }
}

/// Runs every block of `shapes` with `vars` and returns what differs, one line each.
async fn run(
    client: &Client,
    shapes: &str,
    vars: &HashMap<&str, String>,
    auth: &[(&str, &str)],
) -> Vec<String> {
    let blocks = parse(shapes).expect("the shapes file parses");
    assert!(!blocks.is_empty(), "no endpoint in the shapes file");
    let mut wrong = Vec::new();
    for block in &blocks {
        let path = fill(&block.path, vars);
        assert!(
            !path.contains('{'),
            "{} {}: a placeholder the fixture does not provide",
            block.method,
            block.path
        );
        let headers: Vec<(String, String)> = block
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), fill(v, vars)))
            .collect();
        let mut all: Vec<(&str, &str)> = auth.to_vec();
        all.extend(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let body = block.body.as_ref().map(|b| fill(b, vars));
        let method = Method::from_bytes(block.method.as_bytes()).expect("method");
        let res: Resp = client.send(method, &path, body, &all).await;
        let name = format!("{} {} ({})", block.method, block.path, block.source);
        if res.status != block.status {
            wrong.push(format!(
                "{name}: answered {}, documented {}: {}",
                res.status,
                block.status,
                res.text.chars().take(300).collect::<String>()
            ));
            continue;
        }
        let nullable: Vec<String> = block
            .fields
            .iter()
            .filter(|f| f.nullable)
            .map(|f| f.path.clone())
            .collect();
        for (path, want) in &block.values {
            if let Some(problem) = differs(&res.body, path, want) {
                wrong.push(format!("{name}: {problem}"));
            }
        }
        for field in &block.fields {
            for problem in check(&res.body, field, &nullable) {
                let line = format!("{name}: {problem}");
                if !wrong.contains(&line) {
                    wrong.push(line);
                }
            }
        }
    }
    wrong
}

fn report(dialect: &str, wrong: Vec<String>) {
    assert!(
        wrong.is_empty(),
        "{dialect}: {} difference(s) from the vendor's pages:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// A company of the InstaView dialect with a completed phone interview (analysis, transcript,
/// recording) and a webhook.
#[tokio::test]
async fn instaview_endpoints_carry_the_documented_fields() {
    let server = TestServer::start_with(|config| {
        fast(config);
        crate::webhooks_support::fast(config);
    })
    .await;
    let receiver = TestWebhookReceiver::start().await.unwrap();
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let f = fixture(&c, "+14155550100", "ann@example.com").await;
    let done = wait_status(&c, &f.interview, "COMPLETED").await;
    server.run_pending_background_jobs().await;
    let attempt = done["callAttempts"][0]["id"].as_str().unwrap().to_owned();
    let webhook = create_webhook(
        &c,
        &receiver.url("/iv"),
        json!(["interview.completed"]),
        json!({}),
    )
    .await;
    let webhook = webhook
        .pointer("/data/id")
        .or_else(|| webhook.pointer("/id"))
        .and_then(Value::as_str)
        .unwrap()
        .to_owned();
    // Every optional member the vendor shows filled is filled, so that its type is checked.
    let filled = [
        (
            format!("/v1/jobs/{}", f.job),
            json!({
                "description": "Builds and runs the backend.", "jobUrl": "https://example.com/careers/1",
                "benefits": "Remote first", "niceToHaveSkills": ["Kubernetes"],
                "languageRequirements": [{ "language": "EN", "proficiency": "C1" }],
                "education": ["MASTER_LEVEL"], "experience": "THREE_TO_5_YEARS",
                "contractType": "FULL_TIME",
                "location": { "workMode": "HYBRID", "street": "Main 7", "city": "Kosice", "postalCode": "04001", "countryCode": "SK" },
                "salary": { "min": 40000, "max": 60000, "currency": "EUR", "period": "YEARLY" },
            }),
        ),
        (
            format!("/v1/agents/{}", f.agent),
            json!({ "instructions": "Keep it short.", "voiceId": "ALEX", "cefrLevel": "B2" }),
        ),
        (
            format!("/v1/candidates/{}", f.candidate),
            json!({ "gdprExpiryDate": "2031-06-30" }),
        ),
        (
            format!("/v1/company/{}", acme.id),
            json!({ "description": "Hires engineers." }),
        ),
        (
            format!("/v1/webhooks/{webhook}"),
            json!({ "description": "The ATS's receiver" }),
        ),
    ];
    for (path, body) in filled {
        c.patch(&path, body).await.expect(200);
    }
    let scheduled = c
        .post(
            "/v1/interviews",
            json!({
                "candidateId": f.candidate, "agentId": f.agent,
                "scheduledAt": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339(),
            }),
        )
        .await
        .expect(201)
        .str("/id");
    let vars = HashMap::from([
        ("companyId", acme.id.to_string()),
        ("scheduledInterviewId", scheduled),
        ("jobId", f.job),
        ("agentId", f.agent),
        ("candidateId", f.candidate),
        ("interviewId", f.interview),
        ("attemptId", attempt),
        ("webhookId", webhook),
    ]);
    let wrong = run(&c, include_str!("shapes/instaview.shapes"), &vars, &[]).await;
    report("InstaView", wrong);
}

/// A company of the Alpharun dialect: a job type, an opening, a contact imported onto it whose
/// interview was taken through its link and analysed.
#[tokio::test]
async fn alpharun_endpoints_carry_the_documented_fields() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let job_type = c
        .post(
            "/api/v1/job-types",
            json!({ "name": "Store Manager", "job_description": "Run the store and its team every day." }),
        )
        .await
        .expect(200)
        .str("/data/job_type/id");
    let opening = c
        .post(
            "/api/v1/job-openings",
            json!({ "name": "Store Manager — SF", "job_type_id": job_type }),
        )
        .await
        .expect(200)
        .str("/data/job_opening/id");
    let (contact, interview, link) = crate::alpharun::imported(
        &c,
        &opening,
        json!({
            "email": "ann@example.com", "first_name": "Ann", "last_name": "Lee",
            "phone_number": "+14155550101", "custom_fields": [{ "key": "source", "value": "ats" }],
        }),
    )
    .await;
    take_interview(&server, &link).await;
    wait_status(&c, &interview, "COMPLETED").await;
    server.run_pending_background_jobs().await;
    let vars = HashMap::from([
        ("jobTypeId", job_type),
        ("jobOpeningId", opening),
        ("contactId", contact),
        ("interviewId", interview.clone()),
        ("interactionId", interview),
    ]);
    let wrong = run(&c, include_str!("shapes/alpharun.shapes"), &vars, &[]).await;
    report("Alpharun", wrong);
}

/// A company of the Xobin dialect: a generated AI interview and a candidate who took it.
#[tokio::test]
async fn xobin_endpoints_carry_the_documented_fields() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let ai = ai_interview(&server, &acme.key, "Backend Engineer").await;
    let mut body = invite_body("ann@example.com", ai);
    body["custom_field_id"] = json!("ats-7001");
    let invited = invite(&server, &acme.key, body).await.expect(200);
    let response = invited.body["response_id"].as_i64().unwrap();
    take_interview(&server, &invited.str("/invite_link")).await;
    report_when_completed(&server, &acme.key, response).await;
    server.run_pending_background_jobs().await;
    let job = crate::xobin::xb(
        &server,
        &acme.key,
        Method::POST,
        "/ai-interviews/generate-interview",
        Some(json!({ "job_role": "Data Engineer", "job_description": "- Build pipelines." })),
    )
    .await
    .expect(202)
    .str("/job_id");
    crate::xobin::wait_generation(&server, &acme.key, &job).await;
    let vars = HashMap::from([
        ("aiInterviewId", ai.to_string()),
        ("responseId", response.to_string()),
        ("jobId", job),
        ("email", "ann@example.com".to_owned()),
    ]);
    let wrong = run(
        &server.anonymous(),
        include_str!("shapes/xobin.shapes"),
        &vars,
        &[("apiKey", acme.key.as_str())],
    )
    .await;
    report("Xobin", wrong);
}

#[test]
fn paths_and_types_are_read_as_documented() {
    assert_eq!(
        steps("data[].analysis.general"),
        vec![
            Step::Member("data".into()),
            Step::Each,
            Step::Member("analysis".into()),
            Step::Member("general".into()),
        ]
    );
    assert_eq!(steps("[].id"), vec![Step::Each, Step::Member("id".into())]);
    assert!(steps(".").is_empty());
    let field = |path: &str, kind: &str, nullable| Field {
        path: path.into(),
        kind: kind.into(),
        nullable,
    };
    let body = json!({ "data": [{ "id": "a", "n": 1.5, "k": 2, "x": null }], "s": null });
    assert!(check(&body, &field("data[].id", "string", false), &[]).is_empty());
    assert!(check(&body, &field("data[].n", "number", false), &[]).is_empty());
    assert!(check(&body, &field("data[].k", "number", false), &[]).is_empty());
    assert!(!check(&body, &field("data[].n", "integer", false), &[]).is_empty());
    assert!(check(&body, &field("data[].x", "string", true), &[]).is_empty());
    assert!(!check(&body, &field("data[].x", "string", false), &[]).is_empty());
    assert!(!check(&body, &field("data[].missing", "any", true), &[]).is_empty());
    assert!(check(&body, &field("s.inner", "string", false), &["s".into()]).is_empty());
    assert!(!check(&body, &field("s.inner", "string", false), &[]).is_empty());
    let parsed = parse(
        "# c\nendpoint GET /v1/x/{id} 200\nsource https://example.com/p\nheader X-A: {id}\nbody {\"a\":1}\nfield data.id string?\n",
    )
    .unwrap();
    assert_eq!(parsed.len(), 1);
    assert_eq!(parsed[0].headers, vec![("X-A".into(), "{id}".into())]);
    assert!(parsed[0].fields[0].nullable);
    assert!(parse("endpoint GET /x 200\nfield a strnig\n").is_err());
    let valued = parse(
        "endpoint GET /x 404\nsource https://example.com/p\nvalue error.code \"NOT_FOUND\"\n",
    )
    .unwrap();
    assert_eq!(
        valued[0].values,
        vec![("error.code".into(), json!("NOT_FOUND"))]
    );
    let err = json!({ "error": { "code": "NOT_FOUND" } });
    assert_eq!(differs(&err, "error.code", &json!("NOT_FOUND")), None);
    assert!(differs(&err, "error.code", &json!("GONE")).is_some());
    assert!(differs(&err, "error.message", &json!("x")).is_some());
    assert!(parse("endpoint GET /x 200\nvalue a {bad\n").is_err());
    assert!(parse("endpoint GET /x 200\nvalue data[].id 1\n").is_err());
    assert!(
        parse("endpoint GET /x 200\nfield a string\n").is_err(),
        "no source"
    );
}
