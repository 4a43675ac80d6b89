//! The console's settings over HTTP, checked against the API: an API key created with
//! scopes (its secret shown once) works until it is revoked; a webhook endpoint created (its
//! signing secret shown once), sent a test event as a page and as an htmx fragment, and
//! refused with a bad URL.

use crate::console_support::signed_in;
use crate::support::TestServer;
use interviewd::core::users::Role;

#[tokio::test]
async fn api_keys_and_webhook_endpoints_are_managed_by_administrators() {
    let server = TestServer::start_with(|c| c.webhook_allow_private = true).await;
    let (_, b) = signed_in(&server, "Acme", Role::Admin).await;

    // A key: its secret shown once, working on the API until revoked.
    let made = b
        .submit(
            "/app/settings/keys",
            "/app/settings/keys",
            &[
                ("name", "ATS sync"),
                ("scope", "read:jobs"),
                ("scope", "read:candidates"),
            ],
        )
        .await
        .expect(200);
    let at = made
        .text
        .find("id=\"new-key\" type=\"text\" readonly value=\"")
        .unwrap();
    let rest = &made.text[at..];
    let start = rest.find("sk_").unwrap();
    let secret = &rest[start..start + rest[start..].find('"').unwrap()];
    let api = server.client(secret);
    api.get("/v1/jobs").await.expect(200);
    api.get("/v1/webhooks").await.expect(403);
    let list = b.get("/app/settings/keys").await.expect(200);
    assert!(
        list.text.contains("ATS sync") && !list.text.contains(secret),
        "shown once"
    );
    let none = b
        .submit(
            "/app/settings/keys",
            "/app/settings/keys",
            &[("name", "No scopes")],
        )
        .await
        .expect(400);
    assert!(none.text.contains("choose at least one scope"));
    let revoke_at = list.text.find("/revoke\">Revoke").unwrap();
    let href_start = list.text[..revoke_at].rfind("href=\"").unwrap() + 6;
    let revoke = format!("{}/revoke", &list.text[href_start..revoke_at]);
    let confirm = b.get(&revoke).await.expect(200);
    b.post(&revoke, &[("_csrf", &confirm.csrf())])
        .await
        .expect(303);
    api.get("/v1/jobs").await.expect(401);

    // A webhook endpoint: its signing secret shown once; a test event queued.
    let made = b
        .submit(
            "/app/settings/webhooks",
            "/app/settings/webhooks",
            &[
                ("url", "http://127.0.0.1:9/hook"),
                ("name", "Local receiver"),
                ("format", "instaview"),
                ("event", "interview.completed"),
            ],
        )
        .await
        .expect(200);
    assert!(made.text.contains("whsec_"));
    let href = made.text.find("/app/settings/webhooks/").unwrap();
    let id_start = href + "/app/settings/webhooks/".len();
    let id = &made.text[id_start..id_start + 36];
    let page = b
        .get(&format!("/app/settings/webhooks/{id}"))
        .await
        .expect(200);
    assert!(page.text.contains("Local receiver") && !page.text.contains("whsec_"));
    let sent = b
        .post(
            &format!("/app/settings/webhooks/{id}/test"),
            &[("_csrf", &page.csrf())],
        )
        .await
        .expect(303);
    assert!(sent.location().ends_with("?done=test-sent"));
    let fragment = b
        .post_with(
            &format!("/app/settings/webhooks/{id}/test"),
            &[("_csrf", &page.csrf())],
            &[("hx-request", "true")],
        )
        .await
        .expect(200);
    assert!(fragment.text.contains("A test event was queued") && !fragment.text.contains("<html"));
    let refused = b
        .submit(
            "/app/settings/webhooks",
            "/app/settings/webhooks",
            &[
                ("url", "ftp://example.com"),
                ("event", "interview.completed"),
            ],
        )
        .await
        .expect(400);
    assert!(refused.text.contains("url"));
}
