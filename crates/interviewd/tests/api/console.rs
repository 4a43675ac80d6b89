//! The recruiter console's people and sessions over HTTP: the one-time link, passwords,
//! sign-in and sign-out, cookies, expiry, disabled users, CSRF on every form, throttling,
//! roles, and `/` for a browser.

use crate::console_support::{Browser, PASSWORD, person, signed_in, user_of};
use crate::support::TestServer;
use interviewd::core::users::{self, Role};
use std::time::Duration;

#[tokio::test]
async fn a_user_chooses_a_password_through_the_link_then_signs_in_and_out() {
    let server = TestServer::start().await;
    let p = person(&server, "Acme", "ann@example.com", Role::Admin).await;
    assert!(p.link.starts_with(&format!("{}/app/sign-in/", server.base)));
    let b = Browser::new(&server);

    // The link's page, and a refused password (too short, then not confirmed).
    let page = b.get(&p.link).await.expect(200);
    assert!(page.text.contains("ann@example.com"));
    let csrf = page.csrf();
    let short = [
        ("_csrf", csrf.as_str()),
        ("password", "short"),
        ("confirmation", "short"),
    ];
    let refused = b.post(&p.link, &short).await.expect(400);
    assert!(
        refused.text.contains("at least 10 characters"),
        "{}",
        refused.text
    );
    let differ = [
        ("_csrf", csrf.as_str()),
        ("password", PASSWORD),
        ("confirmation", "another long password"),
    ];
    let refused = b.post(&p.link, &differ).await.expect(400);
    assert!(refused.text.contains("not the same"));

    // Chosen: signed in at once, with the cookie's flags (no Secure over plain http).
    let fields = [
        ("_csrf", csrf.as_str()),
        ("password", PASSWORD),
        ("confirmation", PASSWORD),
    ];
    let done = b.post(&p.link, &fields).await.expect(303);
    assert_eq!(done.location(), "/app?done=password-set");
    let cookie = done
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("interviewd_session="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "{cookie}");
    let token = cookie["interviewd_session=".len()..cookie.find(';').unwrap()].to_owned();
    let overview = b.get("/app?done=password-set").await.expect(200);
    assert!(overview.text.contains("Acme") && overview.text.contains("Your password was set"));
    // The session token is stored hashed only.
    let sessions = users::authenticate(server.store.as_ref(), &token, server.clock().now())
        .await
        .unwrap();
    assert!(sessions.is_some());

    // The link was spent.
    let spent = Browser::new(&server).get(&p.link).await.expect(404);
    assert!(spent.text.contains("expired or was already used"));

    // Sign out: the session ends and its cookie goes.
    let out = b
        .post("/app/sign-out", &[("_csrf", &overview.csrf())])
        .await
        .expect(303);
    assert_eq!(out.location(), "/app/sign-in?done=signed-out");
    assert!(
        out.set_cookies()
            .iter()
            .any(|c| c.starts_with("interviewd_session=;"))
    );
    let again = b.get("/app/jobs").await.expect(303);
    assert_eq!(again.location(), "/app/sign-in?next=%2Fapp%2Fjobs");
    let gone = users::authenticate(server.store.as_ref(), &token, server.clock().now())
        .await
        .unwrap();
    assert!(gone.is_none(), "the session was deleted");

    // Sign in with the password, back to where the user was going.
    let csrf = b
        .get("/app/sign-in?next=%2Fapp%2Fjobs")
        .await
        .expect(200)
        .csrf();
    let fields = [
        ("_csrf", csrf.as_str()),
        ("email", "ANN@example.com"),
        ("password", PASSWORD),
        ("next", "/app/jobs"),
    ];
    let back = b.post("/app/sign-in", &fields).await.expect(303);
    assert_eq!(back.location(), "/app/jobs");
    b.get("/app/jobs").await.expect(200);
    // A `next` off the console is ignored.
    let evil = Browser::new(&server);
    let csrf = evil.get("/app/sign-in").await.csrf();
    let fields = [
        ("_csrf", csrf.as_str()),
        ("email", "ann@example.com"),
        ("password", PASSWORD),
        ("next", "//evil.example/x"),
    ];
    assert_eq!(
        evil.post("/app/sign-in", &fields)
            .await
            .expect(303)
            .location(),
        "/app"
    );
}

#[tokio::test]
async fn wrong_passwords_and_unknown_addresses_get_the_same_answer() {
    let server = TestServer::start().await;
    let p = person(&server, "Acme", "ann@example.com", Role::Member).await;
    let b = Browser::new(&server);
    b.accept_link(&p.link, PASSWORD).await;
    let anon = Browser::new(&server);
    let wrong = anon
        .sign_in("ann@example.com", "not the password")
        .await
        .expect(401);
    let unknown = anon
        .sign_in("nobody@example.com", PASSWORD)
        .await
        .expect(401);
    let invited = user_of(&server, &p.company, "new@example.com", Role::Member).await;
    assert!(!invited.is_empty());
    let no_password = anon.sign_in("new@example.com", "").await.expect(401);
    for page in [&wrong, &unknown, &no_password] {
        assert!(
            page.text
                .contains("The e-mail address or the password is not right.")
        );
        assert!(
            page.set_cookies()
                .iter()
                .all(|c| !c.starts_with("interviewd_session="))
        );
    }
    // The e-mail typed is kept in the form; the password is not.
    assert!(wrong.text.contains("value=\"ann@example.com\""));
    assert!(!wrong.text.contains("not the password"));
}

#[tokio::test]
async fn sign_in_is_locked_after_five_failures_for_fifteen_minutes() {
    let server = TestServer::start().await;
    let p = person(&server, "Acme", "ann@example.com", Role::Member).await;
    Browser::new(&server).accept_link(&p.link, PASSWORD).await;
    let b = Browser::new(&server);
    for _ in 0..4 {
        b.sign_in("ann@example.com", "wrong password!")
            .await
            .expect(401);
    }
    let locked = b
        .sign_in("ann@example.com", "wrong password!")
        .await
        .expect(429);
    assert!(
        locked
            .text
            .contains("Too many failed sign-ins. Try again in 15 minutes."),
        "{}",
        locked.text
    );
    // Even the right password is refused while locked, from any client.
    let other = Browser::new(&server);
    other.sign_in("ann@example.com", PASSWORD).await.expect(429);
    // An address never used is locked the same way (nothing tells accounts apart).
    for _ in 0..5 {
        b.sign_in("ghost@example.com", "x").await;
    }
    b.sign_in("ghost@example.com", "x").await.expect(429);

    server.clock().advance(Duration::from_secs(16 * 60));
    other.sign_in("ann@example.com", PASSWORD).await.expect(303);
    // A success cleared the e-mail's count.
    let fresh = Browser::new(&server);
    fresh
        .sign_in("ann@example.com", "wrong password!")
        .await
        .expect(401);
}

#[tokio::test]
async fn one_client_address_is_locked_after_twenty_failures_across_addresses() {
    let server = TestServer::start().await;
    let p = person(&server, "Acme", "ann@example.com", Role::Member).await;
    Browser::new(&server).accept_link(&p.link, PASSWORD).await;
    let b = Browser::new(&server);
    for i in 0..20 {
        b.sign_in(&format!("guess{i}@example.com"), "x").await;
    }
    // All from 127.0.0.1: the address is locked for every e-mail now.
    b.sign_in("ann@example.com", PASSWORD).await.expect(429);
}

#[tokio::test]
async fn idle_expired_and_disabled_sessions_are_signed_out() {
    let server = TestServer::start().await;
    let (p, b) = signed_in(&server, "Acme", Role::Admin).await;
    b.get("/app").await.expect(200);

    // Idle for 12 hours: signed out, the stale cookie cleared.
    server.clock().advance(Duration::from_secs(12 * 3600 + 60));
    let out = b.get("/app").await.expect(303);
    assert_eq!(out.location(), "/app/sign-in?next=%2Fapp");
    assert!(
        out.set_cookies()
            .iter()
            .any(|c| c.starts_with("interviewd_session=;"))
    );

    // Active, but 7 days after signing in: signed out.
    b.sign_in(&p.email, PASSWORD).await.expect(303);
    for _ in 0..15 {
        server.clock().advance(Duration::from_secs(11 * 3600));
        b.get("/app").await.expect(200);
    }
    server.clock().advance(Duration::from_secs(11 * 3600));
    b.get("/app").await.expect(303);

    // Disabled: the session ends at once and signing in is refused.
    b.sign_in(&p.email, PASSWORD).await.expect(303);
    b.get("/app").await.expect(200);
    let user = users::list(server.store.as_ref(), None).await.unwrap();
    users::disable(server.store.as_ref(), user[0].id, server.clock().now())
        .await
        .unwrap();
    b.get("/app").await.expect(303);
    b.sign_in(&p.email, PASSWORD).await.expect(401);
}

#[tokio::test]
async fn a_form_without_its_csrf_token_is_refused() {
    let server = TestServer::start().await;
    let (_, b) = signed_in(&server, "Acme", Role::Admin).await;
    let job = [
        ("title", "Backend Engineer"),
        ("status", "OPEN"),
        ("channel", "ONLINE"),
        ("language", "EN"),
        ("duration", "15"),
        ("follow_ups", "1"),
        ("questions", "Why Rust?"),
    ];

    // No token, a wrong one, another site's request: a 403 page, and nothing was created.
    let none = b.post("/app/jobs/new", &job).await.expect(403);
    assert!(none.is_html() && none.text.contains("This form has expired"));
    let mut wrong = vec![("_csrf", "forged-token")];
    wrong.extend_from_slice(&job);
    b.post("/app/jobs/new", &wrong).await.expect(403);
    let csrf = b.get("/app/jobs/new").await.csrf();
    let mut right = vec![("_csrf", csrf.as_str())];
    right.extend_from_slice(&job);
    b.post_with("/app/jobs/new", &right, &[("sec-fetch-site", "cross-site")])
        .await
        .expect(403);
    assert!(b.get("/app/jobs").await.text.contains("No jobs yet"));

    // The token in the form, or in the header htmx sends: accepted.
    b.post("/app/jobs/new", &right).await.expect(303);
    b.post_with("/app/jobs/new", &job, &[("x-csrf-token", &csrf)])
        .await
        .expect(303);

    // Signing in needs the pre-session token too (login CSRF).
    let anon = Browser::new(&server);
    anon.post(
        "/app/sign-in",
        &[("email", "a@example.com"), ("password", PASSWORD)],
    )
    .await
    .expect(403);
    // Signing out too.
    b.post("/app/sign-out", &[]).await.expect(403);
}

#[tokio::test]
async fn members_work_but_settings_and_deletions_are_for_administrators() {
    let server = TestServer::start().await;
    let (admin, _) = signed_in(&server, "Acme", Role::Admin).await;
    let link = user_of(&server, &admin.company, "mia@example.com", Role::Member).await;
    let member = Browser::new(&server);
    member.accept_link(&link, PASSWORD).await;

    member.get("/app/jobs").await.expect(200);
    let settings = member.get("/app/settings").await.expect(200);
    assert!(settings.text.contains("BUSINESS") && !settings.text.contains("/app/settings/keys"));
    for path in ["/app/settings/keys", "/app/settings/webhooks"] {
        let page = member.get(path).await.expect(403);
        assert!(page.text.contains("Only administrators"));
    }
    let csrf = settings.csrf();
    member
        .post(
            "/app/settings/keys",
            &[("_csrf", &csrf), ("name", "x"), ("scope", "read:jobs")],
        )
        .await
        .expect(403);
    let any = uuid::Uuid::now_v7();
    member
        .get(&format!("/app/interviews/{any}/delete"))
        .await
        .expect(403);
}

#[tokio::test]
async fn the_root_sends_browsers_to_the_console_and_api_clients_get_json() {
    let server = TestServer::start().await;
    let b = Browser::new(&server);
    let page = b.get("/").await.expect(303);
    assert_eq!(page.location(), "/app");
    let json = server.anonymous().get("/").await.expect(404);
    assert_eq!(json.code(), "RESOURCE_NOT_FOUND");
    let to_sign_in = b.get("/app").await.expect(303);
    assert_eq!(to_sign_in.location(), "/app/sign-in?next=%2Fapp");
    let sign_in = Browser::new(&server).get("/app/sign-in").await.expect(200);
    assert!(sign_in.is_html());
    for header in [
        "content-security-policy",
        "x-frame-options",
        "referrer-policy",
    ] {
        assert!(sign_in.headers.contains_key(header), "{header}");
    }
    assert_eq!(sign_in.headers["cache-control"], "no-store");
    let csrf_cookie = sign_in
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("interviewd_csrf="))
        .expect("pre-session CSRF cookie");
    assert!(csrf_cookie.contains("SameSite=Strict") && csrf_cookie.contains("HttpOnly"));
    // Unknown console pages are pages too.
    let missing = b.get("/app/nothing/here").await.expect(404);
    assert!(missing.is_html() && missing.text.contains("Not found"));
}

#[tokio::test]
async fn assets_are_served_from_the_binary_with_long_caching_for_the_current_version() {
    let server = TestServer::start().await;
    let b = Browser::new(&server);
    let page = b.get("/app/sign-in").await;
    let at = page
        .text
        .find("/assets/console.css?v=")
        .expect("versioned link");
    let href = &page.text[at..at + page.text[at..].find('"').unwrap()];
    let css = b.get(href).await.expect(200);
    assert_eq!(
        css.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        css.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let htmx = b.get("/assets/htmx.min.js").await.expect(200);
    assert!(htmx.text.starts_with("/*! htmx 2.0.11"));
    assert_eq!(htmx.headers["cache-control"], "no-cache");
}

/// Runs the binary's admin command `args` on the SQLite database in `dir`; its JSON output.
fn admin(dir: &std::path::Path, args: &[&str]) -> Result<serde_json::Value, String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_interviewd"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("INTERVIEWD_PUBLIC_URL", "https://hire.example.com")
        .env_remove("INTERVIEWD_DATABASE_URL")
        .env_remove("DATABASE_URL")
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
}

#[test]
fn the_users_commands_print_json_with_a_one_time_link() {
    let dir = tempfile::tempdir().unwrap();
    // The admin commands never create a database; `migrate` does.
    let migrated = std::process::Command::new(env!("CARGO_BIN_EXE_interviewd"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("migrate")
        .env_remove("INTERVIEWD_DATABASE_URL")
        .env_remove("DATABASE_URL")
        .status()
        .unwrap();
    assert!(migrated.success());
    let company = admin(dir.path(), &["companies", "create", "--name", "Acme"]).unwrap();
    let id = company["id"].as_str().unwrap();
    let made = admin(
        dir.path(),
        &[
            "users",
            "create",
            "--company",
            id,
            "--email",
            "Ada@Acme.Example",
            "--role",
            "admin",
        ],
    )
    .unwrap();
    assert_eq!(made["email"], "ada@acme.example");
    assert_eq!(made["role"], "admin");
    assert_eq!(made["hasPassword"], false);
    let link = made["signInLink"].as_str().unwrap();
    assert!(
        link.starts_with("https://hire.example.com/app/sign-in/"),
        "{link}"
    );
    assert!(made["signInLinkExpiresAt"].is_string());

    let user = made["id"].as_str().unwrap();
    let listed = admin(dir.path(), &["users", "list", "--company", id]).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(
        listed[0].get("signInLink").is_none(),
        "a listing never shows a link"
    );
    let again = admin(dir.path(), &["users", "link", user]).unwrap();
    assert_ne!(again["signInLink"], made["signInLink"]);
    let member = admin(
        dir.path(),
        &[
            "users",
            "create",
            "--company",
            id,
            "--email",
            "max@acme.example",
        ],
    )
    .unwrap();
    assert_eq!(member["role"], "member");
    let off = admin(dir.path(), &["users", "disable", user]).unwrap();
    assert_eq!(off["disabled"], true);
    assert!(
        admin(dir.path(), &["users", "link", user]).is_err(),
        "no link for a disabled user"
    );
    let taken = admin(
        dir.path(),
        &[
            "users",
            "create",
            "--company",
            id,
            "--email",
            "ada@acme.example",
        ],
    );
    assert!(taken.unwrap_err().contains("email"));
    let unknown = admin(
        dir.path(),
        &[
            "users",
            "create",
            "--company",
            &uuid::Uuid::now_v7().to_string(),
            "--email",
            "x@y.io",
        ],
    );
    assert!(unknown.unwrap_err().contains("not found"));
}
