//! The Alpharun dialect at `/api/v1`: job types, job openings, contacts, interviews.

use crate::support::{Client, TestServer};
use serde_json::{Value, json};

const DESCRIPTION: &str = "We need a store manager.\n- retail operations\n- team leadership\n";

async fn job_type(c: &Client, name: &str) -> String {
    let res = c
        .post("/api/v1/job-types", json!({ "name": name, "job_description": DESCRIPTION, "ai_interviewer_guidance": "Be friendly and professional" }))
        .await
        .expect(200);
    res.str("/data/job_type/id")
}

async fn opening(c: &Client, job_type: &str) -> String {
    c.post("/api/v1/job-openings", json!({ "name": "Store Manager - SF", "job_type_id": job_type, "location": "SF", "pay": "$80k" }))
        .await
        .expect(200)
        .str("/data/job_opening/id")
}

/// Imports `contact` (one item of the bulk import, with its `email`) onto opening `op`; returns
/// the contact's id, its interview's id and that interview's invite link.
pub async fn imported(c: &Client, op: &str, mut contact: Value) -> (String, String, String) {
    contact["job_opening_id"] = json!(op);
    let email = contact["email"].as_str().expect("email").to_owned();
    c.post("/api/v1/contacts", json!([contact]))
        .await
        .expect(200);
    let id = c
        .get(&format!("/api/v1/contacts/alt:email:{email}"))
        .await
        .expect(200)
        .str("/id");
    let listed = c
        .get(&format!("/v1/interviews?candidateId={id}"))
        .await
        .expect(200);
    (
        id,
        listed.str("/data/0/id"),
        listed.str("/data/0/inviteUrl"),
    )
}

#[tokio::test]
async fn job_types_and_openings() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let jt = job_type(&c, "Store Manager").await;
    let got = c.get(&format!("/api/v1/job-types/{jt}")).await.expect(200);
    assert_eq!(
        got.body["data"]["job_type"]["qualifications"],
        json!(["retail operations", "team leadership"])
    );
    assert_eq!(
        got.body["data"]["job_type"]["ai_interviewer_guidance"],
        "Be friendly and professional"
    );
    // Names are unique among the company's job types.
    let dup = c
        .post(
            "/api/v1/job-types",
            json!({ "name": "Store Manager", "job_description": DESCRIPTION }),
        )
        .await
        .expect(400);
    assert_eq!(dup.body["error"], 400);
    assert!(dup.body["message"].is_string());
    let patched = c
        .patch(&format!("/api/v1/job-types/{jt}"), json!({ "ai_interviewer_guidance": null, "resume_collection_type": "before_interview", "should_record_video": true }))
        .await
        .expect(200);
    assert_eq!(
        patched.body["data"]["job_type"]["ai_interviewer_guidance"],
        Value::Null
    );
    assert_eq!(
        patched.body["data"]["job_type"]["should_record_video"],
        true
    );
    c.patch(
        &format!("/api/v1/job-types/{jt}"),
        json!({ "job_description": "too short" }),
    )
    .await
    .expect(400);
    c.patch(
        &format!("/api/v1/job-types/{jt}"),
        json!({ "resume_collection_type": "never" }),
    )
    .await
    .expect(400);
    c.patch("/api/v1/job-types/not-a-uuid", json!({}))
        .await
        .expect(400);
    c.patch(
        &format!("/api/v1/job-types/{}", uuid::Uuid::now_v7()),
        json!({}),
    )
    .await
    .expect(404);

    let created = c
        .post("/api/v1/job-openings", json!({ "name": "Store Manager - SF", "job_type_id": jt, "link_access": { "restricted": true }, "owner_emails": ["boss@acme.test"] }))
        .await
        .expect(200);
    let id = created.str("/data/job_opening/id");
    assert_eq!(
        created.body["data"]["job_opening"]["job_type"]["id"],
        jt.as_str()
    );
    assert!(
        created
            .str("/data/job_opening/interview_link")
            .contains("/i/")
    );
    let inline = c
        .post("/api/v1/job-openings", json!({ "name": "Cashier - NYC", "job_type": { "name": "Cashier", "job_description": "Handle the till and greet customers." } }))
        .await
        .expect(200);
    assert_ne!(inline.str("/data/job_opening/job_type/id"), jt);
    let got = c
        .get(&format!("/api/v1/job-openings/{id}"))
        .await
        .expect(200);
    assert_eq!(
        got.body["data"]["job_opening"]["name"],
        "Store Manager - SF"
    );
    assert_eq!(
        got.body["data"]["job_opening"]["link_access"]["restricted"],
        true
    );
    c.post("/api/v1/job-openings", json!({ "name": "No type" }))
        .await
        .expect(400);
    c.post(
        "/api/v1/job-openings",
        json!({ "name": "Ghost", "job_type_id": uuid::Uuid::now_v7().to_string() }),
    )
    .await
    .expect(404);
    c.post(
        "/api/v1/job-openings",
        json!({ "name": "x", "job_type_id": jt }),
    )
    .await
    .expect(400);

    // Another company sees nothing; no key is 401 in Alpharun's shape.
    let beta = server.company("Beta").await;
    let b = server.client(&beta.key);
    b.get(&format!("/api/v1/job-openings/{id}"))
        .await
        .expect(404);
    b.get(&format!("/api/v1/job-types/{jt}")).await.expect(404);
    let res = server
        .anonymous()
        .get(&format!("/api/v1/job-openings/{id}"))
        .await
        .expect(401);
    assert_eq!(
        res.body,
        json!({ "error": 401, "message": "Unauthorized - Invalid or missing API key" })
    );
}

#[tokio::test]
async fn contacts_crud_alt_ids_and_cursor() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let created = c
        .post("/api/v1/contacts", json!({ "email": "John@Example.com", "phone_number": 14155550120u64, "ext_id": "ext_789", "first_name": "John", "custom_fields": [{ "key": "preferred_contact_method", "value": "email" }] }))
        .await
        .expect(200);
    let id = created.str("/id");
    assert_eq!(created.body["phone_number"], "+14155550120");
    assert_eq!(created.body["email"], "john@example.com");
    assert_eq!(
        created.body["custom_fields"][0]["display_name"],
        "preferred_contact_method"
    );
    assert_eq!(created.body["custom_fields"][0]["type"], "text");
    for path in [
        format!("/api/v1/contacts/{id}"),
        "/api/v1/contacts/alt:ext_id:ext_789".to_owned(),
        "/api/v1/contacts/alt:email:JOHN@example.com".to_owned(),
        "/api/v1/contacts/alt:phone_number:+1%20(415)%20555-0120".to_owned(),
    ] {
        assert_eq!(c.get(&path).await.expect(200).str("/id"), id, "{path}");
    }
    c.get("/api/v1/contacts/alt:ext_id:missing")
        .await
        .expect(404);
    c.get("/api/v1/contacts/contact123").await.expect(404);
    c.get("/api/v1/contacts/alt:phone_number:12")
        .await
        .expect(400);
    // Validation and uniqueness.
    c.post("/api/v1/contacts", json!({ "first_name": "Nobody" }))
        .await
        .expect(400);
    c.post("/api/v1/contacts", json!({ "email": "john@EXAMPLE.com" }))
        .await
        .expect(400);
    c.post(
        "/api/v1/contacts",
        json!({ "phone_number": "+1 415 555 0120" }),
    )
    .await
    .expect(400);
    c.post("/api/v1/contacts", json!({ "phone_number": "not a phone" }))
        .await
        .expect(400);
    // Update by path and by body, custom-field set/remove.
    let upd = c
        .patch(&format!("/api/v1/contacts/{id}"), json!({ "last_name": "Doe", "custom_fields": { "set": [{ "key": "shift", "value": "night" }], "remove": ["preferred_contact_method"] } }))
        .await
        .expect(200);
    assert_eq!(upd.body["last_name"], "Doe");
    assert_eq!(
        upd.body["custom_fields"],
        json!([{ "key": "shift", "value": "night", "type": "text", "display_name": "shift" }])
    );
    let upd = c
        .patch(
            "/api/v1/contacts",
            json!({ "id": "alt:email:john@example.com", "first_name": "Johnny" }),
        )
        .await
        .expect(200);
    assert_eq!(upd.body["first_name"], "Johnny");
    c.patch("/api/v1/contacts", json!({ "first_name": "No id" }))
        .await
        .expect(400);
    c.patch(
        "/api/v1/contacts",
        json!({ "id": "alt:ext_id:nope", "first_name": "X" }),
    )
    .await
    .expect(404);
    c.patch(
        &format!("/api/v1/contacts/{id}"),
        json!({ "phone_number": "bad" }),
    )
    .await
    .expect(400);
    c.patch(
        &format!("/api/v1/contacts/{id}"),
        json!({ "email": null, "phone_number": null, "ext_id": null }),
    )
    .await
    .expect(400);

    for i in 0..4 {
        c.post(
            "/api/v1/contacts",
            json!({ "email": format!("p{i}@example.com") }),
        )
        .await
        .expect(200);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let path = match &cursor {
            Some(cur) => format!("/api/v1/contacts?limit=2&cursor={cur}"),
            None => "/api/v1/contacts?limit=2".to_owned(),
        };
        let page = c.get(&path).await.expect(200);
        for contact in page.body["data"]["contacts"].as_array().unwrap() {
            seen.push(contact["id"].as_str().unwrap().to_owned());
        }
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    seen.dedup();
    assert_eq!(seen.len(), 5);
    for bad in ["limit=0", "limit=101", "limit=x", "cursor=%%%"] {
        c.get(&format!("/api/v1/contacts?{bad}")).await.expect(400);
    }
    // Isolation.
    let beta = server.company("Beta").await;
    let b = server.client(&beta.key);
    b.get(&format!("/api/v1/contacts/{id}")).await.expect(404);
    b.get("/api/v1/contacts/alt:email:john@example.com")
        .await
        .expect(404);
    assert_eq!(
        b.get("/api/v1/contacts").await.expect(200).body["data"]["contacts"],
        json!([])
    );
    b.patch(
        &format!("/api/v1/contacts/{id}"),
        json!({ "first_name": "Hijack" }),
    )
    .await
    .expect(404);
}

#[tokio::test]
async fn add_contacts_to_openings_creates_interviews() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let jt = job_type(&c, "Store Manager").await;
    let op = opening(&c, &jt).await;
    let res = c
        .post(
            "/api/v1/contacts",
            json!([
                { "job_opening_id": op, "email": "a@example.com", "first_name": "A", "interview_custom_fields": [{ "key": "source", "value": "ats" }] },
                { "job_opening_id": op, "email": "b@example.com", "phone_number": "+14155550130" },
                { "job_opening_id": op, "email": "not-an-email" },
                { "job_opening_id": uuid::Uuid::now_v7().to_string(), "email": "c@example.com" },
                { "job_opening_id": op, "email": "a@example.com" }
            ]),
        )
        .await
        .expect(200);
    assert_eq!(res.body["successful_imports_count"], 3);
    assert_eq!(res.body["failed_imports_count"], 2);
    assert_eq!(res.body["failed_contacts"][0]["email"], "not-an-email");
    let a = c
        .get("/api/v1/contacts/alt:email:a@example.com")
        .await
        .expect(200);
    let listed = c
        .get(&format!("/v1/interviews?candidateId={}", a.str("/id")))
        .await
        .expect(200);
    assert_eq!(
        listed.body["total"], 1,
        "a repeated import does not duplicate the open interview"
    );
    let interview = listed.str("/data/0/id");
    let got = c
        .get(&format!("/api/v1/job-openings/{op}/interviews/{interview}"))
        .await
        .expect(200);
    let iv = &got.body["data"]["interview"];
    assert_eq!(iv["job_opening"]["name"], "Store Manager - SF");
    assert_eq!(iv["status"], "in_progress");
    assert_eq!(iv["contact"]["email"], "a@example.com");
    assert_eq!(iv["custom_fields"][0]["key"], "source");
    // The interview is only found under its own opening and company.
    let other = opening(&c, &jt).await;
    c.get(&format!(
        "/api/v1/job-openings/{other}/interviews/{interview}"
    ))
    .await
    .expect(404);
    let beta = server.company("Beta").await;
    server
        .client(&beta.key)
        .get(&format!("/api/v1/job-openings/{op}/interviews/{interview}"))
        .await
        .expect(404);
    c.post("/api/v1/contacts", json!([])).await.expect(400);
}

#[tokio::test]
async fn a_completed_interview_has_transcript_insights_and_calls() {
    let server = TestServer::start_with(crate::engine::fast).await;
    let acme = server.company("Acme").await;
    let c = server.client(&acme.key);
    let jt = job_type(&c, "Store Manager").await;
    let op = opening(&c, &jt).await;
    let (_, interview, link) = imported(
        &c,
        &op,
        json!({ "email": "a@example.com", "first_name": "A" }),
    )
    .await;
    let link = link.trim_start_matches(&server.base).to_owned();
    let web = server.anonymous();
    let mut step = web
        .post(&format!("{link}/start"), json!({}))
        .await
        .expect(200);
    for _ in 0..20 {
        if step.body["status"] == "FINISHED" {
            break;
        }
        let answer = json!({
            "answer": "I ran retail operations for six years and led a team of twelve through two store openings.",
            "questionIndex": step.body["questionIndex"],
        });
        step = web
            .post(&format!("{link}/answer"), answer)
            .await
            .expect(200);
    }
    assert_eq!(step.body["status"], "FINISHED", "{}", step.text);
    crate::engine::wait_status(&c, &interview, "COMPLETED").await;
    let got = c
        .get(&format!("/api/v1/job-openings/{op}/interviews/{interview}"))
        .await
        .expect(200);
    let iv = &got.body["data"]["interview"];
    assert_eq!(iv["status"], "completed");
    assert!(iv["completed_at"].is_string());
    let fragments = iv["transcript_fragments"].as_array().unwrap();
    assert!(fragments.len() >= 2);
    assert!(fragments.iter().any(
        |f| f["role"] == "participant" && f["transcript"].as_str().unwrap().contains("retail")
    ));
    let score = iv["insights"]["assessment_score"].as_u64().unwrap();
    assert!((1..=5).contains(&score));
    assert!(iv["insights"]["strengths"].is_array());
    assert!(!iv["assessment_criteria"].as_array().unwrap().is_empty());
    // A typed interview has no recording.
    assert!(iv["calls"][0]["recording_url"].is_null(), "{}", iv["calls"]);
}
