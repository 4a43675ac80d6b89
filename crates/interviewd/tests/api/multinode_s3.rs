//! Nodes that share nothing on disk: two `interviewd serve` processes with data directories
//! of their own, one PostgreSQL database and one S3-compatible server (moto, real SigV4
//! over HTTP). An interview recorded by one node is served, analysed and erased through the
//! other, and its objects leave the bucket; a node that dies between an erasure's commit and
//! the deletion of the objects leaves them to the others' deletion queue.

use crate::multinode_support::{Node, Setup, WAIT, fixture, interview};
use crate::s3_support::{PREFIX, S3};
use crate::support::Client;
use std::path::Path;
use std::time::Instant;

/// Starts a node on its own data directory under `root`, with `env` besides.
async fn node(name: &str, setup: &Setup, root: &Path, env: &[(&'static str, String)]) -> Node {
    let data = root.join(name);
    std::fs::create_dir_all(&data).unwrap();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Node::serve(name, &setup.url, &data, &env).await
}

/// Waits until the interview is COMPLETED (its analysis done) as `client` sees it; the body.
async fn completed(client: &Client, id: &str) -> serde_json::Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let got = client
            .get(&format!("/v1/interviews/{id}"))
            .await
            .expect(200);
        if got.body["status"] == "COMPLETED" && !got.body["analysis"].is_null() {
            return got.body;
        }
        assert!(Instant::now() < deadline, "not completed: {}", got.text);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Waits until the bucket holds none of `keys`.
async fn gone_from_bucket(s3: &S3, keys: &[String]) {
    let deadline = Instant::now() + WAIT;
    loop {
        let left: Vec<String> = s3
            .keys()
            .await
            .into_iter()
            .filter(|k| keys.contains(k))
            .collect();
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "objects left in the bucket: {left:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// The recording of `id`'s first attempt, fetched from `base` with `key`.
async fn recording(base: &str, key: &str, body: &serde_json::Value) -> Vec<u8> {
    let url = body["callAttempts"][0]["recordingUrl"].as_str().unwrap();
    let path = url
        .split_once("/v1/")
        .map(|(_, p)| format!("/v1/{p}"))
        .unwrap();
    let res = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.bytes().await.unwrap().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interview_recorded_on_one_node_is_served_and_erased_through_another() {
    let Some(s3) = S3::start("multinode_s3::an_interview_recorded_on_one_node").await else {
        return;
    };
    let database = crate::pg_cluster::database().await;
    let setup = Setup::new(&database.url).await;
    let root = tempfile::tempdir().unwrap();
    let env = s3.node_env();
    let a = node("a", &setup, root.path(), &env).await;
    let co = setup.company("Shared", 2).await;
    let (agent, candidate) = fixture(&a.client(&co.key), 0).await;
    let id = interview(&a.client(&co.key), &agent, &candidate, None).await;
    let body = completed(&a.client(&co.key), &id).await;

    // The recording is in the bucket under the prefix, and nowhere on the node's disk.
    let keys: Vec<String> = s3.keys().await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(
        keys[0].starts_with(&format!("{PREFIX}/{}/", co.id)),
        "{keys:?}"
    );
    assert!(
        !root.path().join("a/recordings").exists()
            || dir_is_empty(&root.path().join("a/recordings"))
    );

    // Node B, with a data directory of its own, serves it byte for byte and the analysis.
    let b = node("b", &setup, root.path(), &env).await;
    let base_b = b.base.clone().unwrap();
    let served = recording(&base_b, &co.key, &body).await;
    assert!(served.starts_with(b"RIFF"), "a WAV file");
    assert_eq!(served, s3.object(&keys[0]).await);
    let seen = completed(&b.client(&co.key), &id).await;
    assert_eq!(seen["analysis"], body["analysis"]);

    // Erased through B: gone from both nodes and from the bucket.
    b.client(&co.key)
        .delete(&format!("/v1/interviews/{id}"))
        .await
        .expect(200);
    a.client(&co.key)
        .get(&format!("/v1/interviews/{id}"))
        .await
        .expect(404);
    gone_from_bucket(&s3, &keys).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erasure_whose_node_dies_before_deleting_the_objects_still_empties_the_bucket() {
    let Some(s3) = S3::start("multinode_s3::an_erasure_whose_node_dies").await else {
        return;
    };
    let database = crate::pg_cluster::database().await;
    let setup = Setup::new(&database.url).await;
    let root = tempfile::tempdir().unwrap();
    let env = s3.node_env();
    let a = node("a", &setup, root.path(), &env).await;
    let co = setup.company("Shared", 2).await;
    let (agent, candidate) = fixture(&a.client(&co.key), 0).await;
    let id = interview(&a.client(&co.key), &agent, &candidate, None).await;
    completed(&a.client(&co.key), &id).await;
    let keys = s3.keys().await;
    assert_eq!(keys.len(), 1, "{keys:?}");

    // Node C cannot reach the object store (its endpoint is a closed port): its erasure
    // commits, its deletion of the object cannot happen, and it is killed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut broken = env.clone();
    for (k, v) in &mut broken {
        if *k == "AWS_ENDPOINT_URL" {
            *v = dead.clone();
        }
    }
    let mut c = node("c", &setup, root.path(), &broken).await;
    c.client(&co.key)
        .delete(&format!("/v1/interviews/{id}"))
        .await
        .expect(200);
    c.kill();

    // The deletion was queued in the erasure's transaction: node A deletes the object.
    gone_from_bucket(&s3, &keys).await;
    a.client(&co.key)
        .get(&format!("/v1/interviews/{id}"))
        .await
        .expect(404);
}

fn dir_is_empty(dir: &Path) -> bool {
    walk(dir).is_empty()
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
