//! Tenant isolation and scope checks on every InstaView route: another company's key, a key
//! lacking the scope, and no key at all.

use crate::support::{Fixture, TestServer, fixture};
use reqwest::Method;
use serde_json::json;

/// Every company-scoped route that names a resource, with a valid body where one is needed.
fn resource_routes(f: &Fixture) -> Vec<(Method, String, Option<serde_json::Value>)> {
    vec![
        (Method::GET, format!("/v1/jobs/{}", f.job), None),
        (
            Method::PATCH,
            format!("/v1/jobs/{}", f.job),
            Some(json!({ "status": "CLOSED" })),
        ),
        (Method::GET, format!("/v1/agents/{}", f.agent), None),
        (
            Method::PATCH,
            format!("/v1/agents/{}", f.agent),
            Some(json!({ "name": "Renamed" })),
        ),
        (Method::DELETE, format!("/v1/agents/{}", f.agent), None),
        (Method::GET, format!("/v1/candidates/{}", f.candidate), None),
        (
            Method::PATCH,
            format!("/v1/candidates/{}", f.candidate),
            Some(json!({ "firstName": "Eve" })),
        ),
        (Method::GET, format!("/v1/interviews/{}", f.interview), None),
        (Method::GET, format!("/jobs/{}", f.job), None),
        (Method::GET, format!("/interviews/{}", f.interview), None),
    ]
}

/// Every route, for the scope and anonymous checks.
fn all_routes(f: &Fixture, company: &str) -> Vec<(Method, String, Option<serde_json::Value>)> {
    let mut routes = resource_routes(f);
    routes.extend([
        (Method::GET, "/v1/jobs".to_owned(), None),
        (
            Method::POST,
            "/v1/jobs".to_owned(),
            Some(json!({ "title": "Another job" })),
        ),
        (Method::GET, "/v1/agents".to_owned(), None),
        (
            Method::POST,
            "/v1/agents".to_owned(),
            Some(json!({ "name": "Another" })),
        ),
        (Method::GET, "/v1/candidates".to_owned(), None),
        (
            Method::POST,
            "/v1/candidates".to_owned(),
            Some(json!({ "email": "new@example.com" })),
        ),
        (Method::GET, "/v1/interviews".to_owned(), None),
        (
            Method::POST,
            "/v1/interviews".to_owned(),
            Some(json!({ "candidateId": f.candidate, "agentId": f.agent })),
        ),
        (Method::GET, "/v1/company".to_owned(), None),
        (Method::GET, "/v1/companies".to_owned(), None),
        (Method::GET, format!("/v1/company/{company}"), None),
        (
            Method::PATCH,
            format!("/v1/company/{company}"),
            Some(json!({ "name": "Renamed Co" })),
        ),
        (
            Method::POST,
            "/v1/company".to_owned(),
            Some(json!({ "name": "New Co" })),
        ),
    ]);
    routes
}

#[tokio::test]
async fn another_companys_key_gets_403_on_every_resource_and_sees_nothing_in_lists() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let beta = server.company("Beta").await;
    let f = fixture(&server.client(&acme.key), "+14155550110", "ann@example.com").await;
    let other = server.client(&beta.key);
    for (method, path, body) in resource_routes(&f) {
        let res = other
            .send(method.clone(), &path, body.map(|b| b.to_string()), &[])
            .await;
        assert_eq!(res.status, 403, "{method} {path}: {}", res.text);
        assert_eq!(res.code(), "COMPANY_MISMATCH", "{method} {path}");
    }
    for list in ["/v1/jobs", "/v1/agents", "/v1/candidates", "/v1/interviews"] {
        let res = other.get(list).await.expect(200);
        assert_eq!(res.body["total"], 0, "{list} leaked another company's data");
    }
    other
        .get(&format!("/v1/company/{}", acme.id))
        .await
        .expect(403);
    other
        .patch(
            &format!("/v1/company/{}", acme.id),
            json!({ "name": "Hijack" }),
        )
        .await
        .expect(403);
    // Body references to another company's resources are not found, never used.
    other
        .post(
            "/v1/interviews",
            json!({ "candidateId": f.candidate, "agentId": f.agent }),
        )
        .await
        .expect(404);
    other
        .post(
            "/v1/candidates",
            json!({ "email": "x@example.com", "jobId": f.job }),
        )
        .await
        .expect(404);
    // Nothing was changed by the attempts.
    let a = server.client(&acme.key);
    assert_eq!(
        a.get(&format!("/v1/jobs/{}", f.job)).await.body["status"],
        "OPEN"
    );
    a.get(&format!("/v1/agents/{}", f.agent)).await.expect(200);
    assert_eq!(
        a.get(&format!("/v1/candidates/{}", f.candidate)).await.body["firstName"],
        "Ann"
    );
    // An ATS key managing only Beta cannot reach Acme's resources either.
    let ats = server.ats_key(&[&beta.id], "all").await;
    let res = server
        .client(&ats)
        .get(&format!("/v1/jobs/{}?companyId={}", f.job, beta.id))
        .await
        .expect(403);
    assert_eq!(res.code(), "COMPANY_MISMATCH");
    server
        .client(&ats)
        .get(&format!("/v1/jobs/{}?companyId={}", f.job, acme.id))
        .await
        .expect(403);
}

#[tokio::test]
async fn a_key_without_the_scope_gets_403_everywhere() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let f = fixture(&server.client(&acme.key), "+14155550111", "ann@example.com").await;
    let weak = server.key(&acme.id, "read:billing").await;
    let client = server.client(&weak);
    for (method, path, body) in all_routes(&f, &acme.id) {
        let res = client
            .send(method.clone(), &path, body.map(|b| b.to_string()), &[])
            .await;
        assert_eq!(res.status, 403, "{method} {path}: {}", res.text);
        assert_eq!(res.code(), "INSUFFICIENT_PERMISSIONS", "{method} {path}");
    }
    // Read scope does not grant write, and the extra scopes of interviews are enforced.
    let read = server.client(&server.key(&acme.id, "read:jobs,read:interviews").await);
    read.get("/v1/jobs").await.expect(200);
    read.post("/v1/jobs", json!({ "title": "Not allowed" }))
        .await
        .expect(403);
    let res = read.get("/v1/interviews").await.expect(403);
    assert_eq!(
        res.body["error"]["details"]["requiredScope"],
        "read:candidates"
    );
}

#[tokio::test]
async fn no_key_gets_401_everywhere_before_anything_else() {
    let server = TestServer::start().await;
    let acme = server.company("Acme").await;
    let f = fixture(&server.client(&acme.key), "+14155550112", "ann@example.com").await;
    let anon = server.anonymous();
    for (method, path, body) in all_routes(&f, &acme.id) {
        let res = anon
            .send(method.clone(), &path, body.map(|b| b.to_string()), &[])
            .await;
        assert_eq!(res.status, 401, "{method} {path}");
        assert_eq!(res.code(), "INVALID_API_KEY");
    }
    // 401 comes before path validation.
    anon.get("/v1/jobs/not-a-uuid").await.expect(401);
}
