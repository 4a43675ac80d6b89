//! The Alpharun dialect against <https://dev.alpharun.com/api-reference>.

use crate::alpharun::imported;
use crate::engine::{fast, wait_status};
use crate::support::{Client, TestServer, fixture};
use crate::xobin_report::take_interview;
use serde_json::{Value, json};

/// A job type and an opening of it.
async fn opening(c: &Client) -> String {
    let jt = c
        .post("/api/v1/job-types", json!({ "name": "Store Manager", "job_description": "Run the store and its team every day." }))
        .await
        .expect(200)
        .str("/data/job_type/id");
    c.post(
        "/api/v1/job-openings",
        json!({ "name": "Store Manager — SF", "job_type_id": jt }),
    )
    .await
    .expect(200)
    .str("/data/job_opening/id")
}

/// "Returns all contacts in the company, ordered with the most recently created first", paged
/// by `next_cursor` until `null`:
/// <https://dev.alpharun.com/api-reference/endpoint/list-contacts.md>.
#[tokio::test]
async fn a3_contacts_are_listed_newest_first() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let mut created = Vec::new();
    for i in 0..3 {
        let contact = c
            .post(
                "/api/v1/contacts",
                json!({ "email": format!("c{i}@example.com") }),
            )
            .await
            .expect(200);
        created.push(contact.str("/id"));
    }
    let first = c.get("/api/v1/contacts?limit=2").await.expect(200);
    let ids = |page: &Value| -> Vec<String> {
        page["data"]["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&first.body), [created[2].clone(), created[1].clone()]);
    let cursor = first.str("/next_cursor");
    let second = c
        .get(&format!("/api/v1/contacts?limit=2&cursor={cursor}"))
        .await
        .expect(200);
    assert_eq!(ids(&second.body), [created[0].clone()]);
    assert_eq!(second.body["next_cursor"], Value::Null);
    assert_eq!(
        ids(&c.get("/api/v1/contacts").await.expect(200).body).len(),
        3
    );
}

/// The vendor's schemas (OpenAPI 3.0.1 without `additionalProperties: false`) accept members
/// they do not model: a create with an extra member succeeds, and interviewd names what it
/// ignored, with the field a misspelt member was probably meant to be:
/// <https://dev.alpharun.com/api-reference/endpoint/create-contact.md>,
/// <https://dev.alpharun.com/api-reference/endpoint/create-job-opening.md>.
#[tokio::test]
async fn c2_unknown_members_are_ignored_and_reported() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let made = c
        .post(
            "/api/v1/contacts",
            json!({ "email": "ann@example.com", "first_name": "Ann", "source": "ats", "frist_name": "Ann" }),
        )
        .await
        .expect(200);
    assert_eq!(made.headers["x-ignored-fields"], "frist_name, source");
    assert_eq!(
        made.headers["x-ignored-fields-suggestions"],
        "frist_name=first_name"
    );
    let op = opening(&c).await;
    let imported = c
        .post(
            "/api/v1/contacts",
            json!([{ "job_opening_id": op, "email": "bo@example.com", "linkedin": "x" }]),
        )
        .await
        .expect(200);
    assert_eq!(
        imported.body["successful_imports_count"], 1,
        "{}",
        imported.text
    );
    assert_eq!(imported.headers["x-ignored-fields"], "0.linkedin");
    // A body without unknown members carries no such header.
    let clean = c
        .post("/api/v1/contacts", json!({ "email": "cy@example.com" }))
        .await
        .expect(200);
    assert!(clean.headers.get("x-ignored-fields").is_none());
}

/// A customer interaction (an interview, `docs/api-alpharun.md`) has the vendor's fields, and
/// `PATCH` sets custom fields by key, keeping the others, with 400 without `custom_fields`:
/// <https://dev.alpharun.com/api-reference/endpoint/fetch-customer-interaction>,
/// <https://dev.alpharun.com/api-reference/endpoint/update-customer-interaction>,
/// <https://dev.alpharun.com/api-reference/endpoint/list-contact-customer-interactions>.
#[tokio::test]
async fn a11_a13_customer_interactions() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let f = fixture(&c, "+14155550100", "ann@example.com").await;
    wait_status(&c, &f.interview, "COMPLETED").await;

    let got = c
        .get(&format!("/api/v1/customer-interactions/{}", f.interview))
        .await
        .expect(200);
    let ci = &got.body["data"]["customer_interaction"];
    let mut keys: Vec<&String> = ci.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "account",
            "contacts",
            "custom_fields",
            "data_extraction_fields",
            "id",
            "summary",
            "teammate"
        ]
    );
    assert_eq!(ci["id"], f.interview.as_str());
    assert!(ci["summary"].as_str().unwrap().starts_with("Overall"));
    let field = &ci["data_extraction_fields"][0];
    assert_eq!(field["type"], "number");
    assert!(field["value"].is_u64() && field["key"].is_string() && field["name"].is_string());
    assert_eq!(ci["contacts"][0]["email"], "ann@example.com");
    assert_eq!(ci["contacts"][0]["id"], f.candidate.as_str());

    let path = format!("/api/v1/customer-interactions/{}", f.interview);
    let set = c
        .patch(&path, json!({ "custom_fields": [{ "key": "priority", "value": "high" }, { "key": "tier", "value": 2 }] }))
        .await
        .expect(200);
    assert_eq!(
        set.body,
        json!({ "data": { "customer_interaction": { "id": f.interview, "custom_fields": [
            { "key": "priority", "name": "priority", "type": "text", "value": "high" },
            { "key": "tier", "name": "tier", "type": "text", "value": "2" },
        ] } } })
    );
    let again = c
        .patch(
            &path,
            json!({ "custom_fields": [{ "key": "priority", "value": "low" }] }),
        )
        .await
        .expect(200);
    let fields = &again.body["data"]["customer_interaction"]["custom_fields"];
    assert_eq!(fields.as_array().unwrap().len(), 2, "{fields}");
    c.patch(&path, json!({})).await.expect(400);
    c.get("/api/v1/customer-interactions/not-a-uuid")
        .await
        .expect(400);
    let unknown = c
        .get(&format!(
            "/api/v1/customer-interactions/{}",
            uuid::Uuid::now_v7()
        ))
        .await
        .expect(404);
    assert_eq!(unknown.body["error"], 404);
    let beta = server.company("Beta").await;
    server.client(&beta.key).get(&path).await.expect(404);

    // The contact's interactions, by id or alt: key, paged.
    let second = c
        .post("/v1/interviews", json!({ "candidateId": f.candidate, "agentId": f.agent, "scheduledAt": (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339() }))
        .await
        .expect(201)
        .str("/id");
    let listed = c
        .get("/api/v1/contacts/alt:email:ann@example.com/customer-interactions?limit=1")
        .await
        .expect(200);
    let first = &listed.body["data"]["customer_interactions"];
    assert_eq!(first.as_array().unwrap().len(), 1);
    assert_eq!(first[0]["id"], f.interview.as_str());
    let cursor = listed.str("/next_cursor");
    let rest = c
        .get(&format!(
            "/api/v1/contacts/{}/customer-interactions?cursor={cursor}",
            f.candidate
        ))
        .await
        .expect(200);
    assert_eq!(
        rest.body["data"]["customer_interactions"][0]["id"],
        second.as_str()
    );
    assert_eq!(rest.body["next_cursor"], Value::Null);
    for bad in ["limit=0", "limit=101", "cursor=%%%"] {
        c.get(&format!(
            "/api/v1/contacts/{}/customer-interactions?{bad}",
            f.candidate
        ))
        .await
        .expect(400);
    }
    c.get("/api/v1/contacts/alt:email:nobody@example.com/customer-interactions")
        .await
        .expect(404);
}

/// The interview webhook and the REST interview carry the stored custom fields — the contact's
/// and the interview's (the import's `interview_custom_fields`) — as `{key, name, type, value}`:
/// <https://dev.alpharun.com/api-reference/webhook/interview-webhooks>,
/// <https://dev.alpharun.com/api-reference/endpoint/add-contacts>.
#[tokio::test]
async fn a9_interviews_carry_their_custom_fields() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let op = opening(&c).await;
    let (_, interview, link) = imported(
        &c,
        &op,
        json!({
            "email": "ann@example.com", "first_name": "Ann",
            "custom_fields": [{ "key": "source", "value": "ats" }],
            "interview_custom_fields": [{ "key": "req", "value": "R-7" }],
        }),
    )
    .await;
    take_interview(&server, &link).await;
    wait_status(&c, &interview, "COMPLETED").await;
    let got = c
        .get(&format!("/api/v1/job-openings/{op}/interviews/{interview}"))
        .await
        .expect(200);
    let i = &got.body["data"]["interview"];
    assert_eq!(i["status"], "completed");
    assert_eq!(
        i["contact"]["custom_fields"],
        json!([{ "key": "source", "name": "source", "type": "text", "value": "ats" }])
    );
    assert_eq!(
        i["custom_fields"],
        json!([{ "key": "req", "name": "req", "type": "text", "value": "R-7" }])
    );
    let ci = c
        .get(&format!("/api/v1/customer-interactions/{interview}"))
        .await
        .expect(200);
    assert_eq!(
        ci.body["data"]["customer_interaction"]["custom_fields"],
        i["custom_fields"]
    );
}

/// "Return the transcripts for the given customer interaction … each line is a speaker's
/// utterance" (<https://dev.alpharun.com/api-reference/endpoint/fetch-customer-interaction-transcripts>):
/// the interview's conversation as one transcript, the interviewer's and the candidate's lines
/// in order; another company's interaction and a removed one are 404.
#[tokio::test]
async fn a14_an_interaction_has_its_transcripts() {
    let server = TestServer::start_with(fast).await;
    let acme = server.company("Acme").await;
    let other = server.company("Other").await;
    let c = server.client(&acme.key);
    let op = opening(&c).await;
    let (_, interview, link) = imported(
        &c,
        &op,
        json!({ "email": "tia@example.com", "first_name": "Tia", "last_name": "Lo" }),
    )
    .await;
    let path = format!("/api/v1/customer-interactions/{interview}/transcripts");
    let before = c.get(&path).await.expect(200);
    assert_eq!(
        before.body,
        json!({ "data": { "customer_interaction": { "id": interview, "transcripts": [] } } })
    );
    take_interview(&server, &link).await;
    wait_status(&c, &interview, "COMPLETED").await;
    let after = c.get(&path).await.expect(200);
    let transcripts = after.body["data"]["customer_interaction"]["transcripts"]
        .as_array()
        .unwrap();
    assert_eq!(transcripts.len(), 1, "{}", after.text);
    let text = transcripts[0]["transcript"].as_str().unwrap();
    let lines: Vec<&str> = text.split('\n').collect();
    assert!(lines.len() >= 3, "{text}");
    assert!(lines[0].starts_with("Interviewer (agent): "), "{text}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Tia Lo (participant): I have built REST APIs")),
        "{text}"
    );
    assert!(transcripts[0]["date"].as_str().unwrap().ends_with('Z'));
    assert!(transcripts[0]["duration"].is_u64());

    server.client(&other.key).get(&path).await.expect(404);
    c.get("/api/v1/customer-interactions/nope/transcripts")
        .await
        .expect(400);
    c.delete_json(
        &format!("/api/v1/job-openings/{op}/interviews"),
        json!({ "email": "tia@example.com" }),
    )
    .await
    .expect(200);
    c.get(&path).await.expect(404);
}

/// Recording assessment (<https://dev.alpharun.com/api-reference/endpoint/upload-recording>)
/// is not implemented (docs/api-alpharun.md, "Not implemented"): the route is 404 in the
/// dialect's error shape, whatever the body, and nothing is created.
#[tokio::test]
async fn a15_recording_upload_is_an_unknown_route() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let res = c
        .post(
            "/api/v1/recordings/upload",
            json!({ "teammate_email": "ann@example.com", "contacts": [{ "email": "bo@example.com" }] }),
        )
        .await
        .expect(404);
    assert_eq!(res.body["error"], 404, "{}", res.text);
    assert!(res.body["message"].is_string(), "{}", res.text);
    let contacts = c.get("/api/v1/contacts").await.expect(200);
    assert_eq!(contacts.body["data"]["contacts"], json!([]));
}
