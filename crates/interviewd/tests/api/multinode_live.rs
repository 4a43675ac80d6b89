//! A node dies during a live online session: the candidate's page reconnects to another
//! node, which takes the interview up at the last committed turn and finishes it; no slot
//! stays taken. Two `interviewd serve` processes on one PostgreSQL database; the first is
//! killed with SIGKILL, so none of its shutdown path runs.

use crate::candidate_live::Page;
use crate::engine::wait_status;
use crate::engine_online::online_interview;
use crate::multinode_support::{Node, Setup};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_session_continues_on_another_node_after_a_kill_9() {
    let database = crate::pg_cluster::database().await;
    let setup = Setup::new(&database.url).await;
    let root = tempfile::tempdir().unwrap();
    for name in ["a", "b"] {
        std::fs::create_dir_all(root.path().join(name)).unwrap();
    }
    let mut a = Node::serve("a", &setup.url, &root.path().join("a"), &[]).await;
    let b = Node::serve("b", &setup.url, &root.path().join("b"), &[]).await;
    let co = setup.company("Live", 1).await;
    let (id, token) = online_interview(&a.client(&co.key), "lee@example.com").await;

    // The first answer is committed on node A; then A dies mid-session.
    let mut page = Page::connect(a.base.as_deref().unwrap(), &token).await;
    page.send(json!({ "type": "hello", "mode": "text" })).await;
    page.until_type("session").await;
    page.until_listening().await;
    page.send(json!({ "type": "text", "text": "With cargo test and proptest." }))
        .await;
    page.until_listening().await;
    assert_eq!(page.agent_lines()[1], "Tell me about SQL indexes.");
    a.kill();

    // The page reconnects — to node B — and the conversation stands where it stood.
    let mut page = Page::connect(b.base.as_deref().unwrap(), &token).await;
    page.send(json!({ "type": "hello", "mode": "text" })).await;
    let session = page.until_type("session").await;
    assert_eq!(session["resumed"], true, "{session}");
    let turns = session["transcript"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        turns
            .iter()
            .any(|t| t["text"] == "With cargo test and proptest."),
        "the committed answer is there: {session}"
    );
    page.until_listening().await;
    page.send(json!({ "type": "text", "text": "They are B-trees over columns." }))
        .await;
    let ended = page.until_type("ended").await;
    assert_eq!(ended["reason"], "completed");

    let body = wait_status(&b.client(&co.key), &id, "COMPLETED").await;
    let answers = crate::support::candidate_lines(&body);
    assert_eq!(
        answers,
        [
            "With cargo test and proptest.",
            "They are B-trees over columns."
        ],
        "each answer once, in order: {body}"
    );
    setup.wait_drained().await;
}
