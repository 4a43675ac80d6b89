//! The recruiter console in a real browser: `e2e/console/console.test.js` (headless Debian
//! Chromium, keyboard only, axe on every page) against this server, with an administrator's
//! and a member's one-time links, an API key to confirm the console's actions with, and
//! another company's interview to be refused. Skipped with a loud line where Node, Chromium
//! or the e2e modules are missing, unless `INTERVIEWD_REAL_PARTS=1`.

use crate::browser_support::{available, run_node_test};
use crate::console_support::{person, user_of};
use crate::engine::fast;
use crate::support::{TestServer, fixture};
use interviewd::core::users::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_works_in_a_real_browser() {
    if !available("console_browser::the_console_works_in_a_real_browser") {
        return;
    }
    let server = TestServer::start_with(|c| {
        fast(c);
        c.webhook_allow_private = true;
    })
    .await;
    let admin = person(&server, "Acme Recruiting", "ada@acme.example", Role::Admin).await;
    let member = user_of(&server, &admin.company, "max@acme.example", Role::Member).await;
    let other = server.company("Other Co").await;
    let theirs = fixture(
        &server.client(&other.key),
        "+14155550100",
        "zoe@example.com",
    )
    .await;
    run_node_test(
        "e2e/console/console.test.js",
        &[
            ("INTERVIEWD_E2E_BASE_URL", server.base.clone()),
            ("INTERVIEWD_E2E_SIGN_IN_LINK", admin.link.clone()),
            ("INTERVIEWD_E2E_EMAIL", admin.email.clone()),
            ("INTERVIEWD_E2E_MEMBER_LINK", member),
            ("INTERVIEWD_E2E_API_KEY", admin.key.clone()),
            ("INTERVIEWD_E2E_OTHER_INTERVIEW", theirs.interview),
        ],
    )
    .await;
}
