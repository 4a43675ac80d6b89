//! A real S3-compatible server for the object-store tests: moto in server mode
//! (`moto_server`, installed by `.ci/setup/s3.sh`), started on a loopback port of its own
//! with one bucket, and killed when dropped. The nodes reach it through the standard
//! `AWS_*` variables ([`S3::node_env`]); the test lists the bucket through `object_store`
//! with SigV4 credentials, as a node does.
//!
//! When the server is not installed the tests print a loud SKIPPED line and pass — unless
//! `INTERVIEWD_REAL_PARTS=1` (set by CI after `.ci/setup/all.sh`), when that fails them.

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The bucket every test uses (each test has a server of its own).
pub const BUCKET: &str = "interviewd-media";
/// The key prefix the nodes are given.
pub const PREFIX: &str = "recordings";

/// A running `moto_server`.
pub struct S3 {
    pub endpoint: String,
    child: Child,
}

/// The server's executable, if installed.
fn moto_server() -> Option<PathBuf> {
    let path = std::env::var_os("INTERVIEWD_MOTO_SERVER")
        .map(PathBuf::from)
        .or_else(|| {
            let cache = std::env::var_os("INTERVIEWD_CACHE")
                .map(PathBuf::from)
                .or_else(|| {
                    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/interviewd"))
                })?;
            Some(cache.join("venv-s3/bin/moto_server"))
        })?;
    path.exists().then_some(path)
}

impl S3 {
    /// Starts the server with an empty bucket; `None` (after a SKIPPED line) when it is not
    /// installed and CI does not require it.
    pub async fn start(test: &str) -> Option<S3> {
        let Some(exe) = moto_server() else {
            let why = "moto_server is not installed (run .ci/setup/s3.sh)";
            if std::env::var("INTERVIEWD_REAL_PARTS").is_ok_and(|v| v == "1") {
                panic!("{test}: INTERVIEWD_REAL_PARTS=1 but {why}");
            }
            eprintln!("\n*** SKIPPED {test}: {why} ***\n");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(exe)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let s3 = S3 {
            endpoint: format!("http://127.0.0.1:{port}"),
            child,
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            // Creating the bucket is also the readiness probe.
            let made = http
                .put(format!("{}/{BUCKET}", s3.endpoint))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if made {
                return Some(s3);
            }
            assert!(Instant::now() < deadline, "moto_server did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The settings that point a node at this server (`s3://BUCKET/PREFIX`).
    pub fn node_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("INTERVIEWD_BLOB_URL", format!("s3://{BUCKET}/{PREFIX}")),
            ("AWS_ACCESS_KEY_ID", "interviewd-test".into()),
            ("AWS_SECRET_ACCESS_KEY", "interviewd-test-secret".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }

    fn client(&self) -> AmazonS3 {
        AmazonS3Builder::new()
            .with_bucket_name(BUCKET)
            .with_region("us-east-1")
            .with_access_key_id("interviewd-test")
            .with_secret_access_key("interviewd-test-secret")
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .build()
            .unwrap()
    }

    /// Every key in the bucket.
    pub async fn keys(&self) -> Vec<String> {
        use futures_util::TryStreamExt;
        let client = self.client();
        let listed: Vec<_> = client.list(None).try_collect().await.unwrap();
        listed.into_iter().map(|o| o.location.to_string()).collect()
    }

    /// The bytes of `key`.
    pub async fn object(&self, key: &str) -> Vec<u8> {
        let got = self.client().get(&ObjectPath::from(key)).await.unwrap();
        got.bytes().await.unwrap().to_vec()
    }
}

impl Drop for S3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
