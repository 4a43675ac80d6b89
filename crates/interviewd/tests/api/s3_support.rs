//! A real S3-compatible server for the object-store tests: moto in server mode
//! (`moto_server`, installed by `.ci/setup/s3.sh`; started by the `interviewd-s3-server`
//! crate) on a loopback port of its own with one bucket, and killed when dropped. The nodes
//! reach it through the standard `AWS_*` variables ([`S3::node_env`]); the test lists the
//! bucket through `object_store` with SigV4 credentials, as a node does.
//!
//! When the server is not installed the tests print a loud SKIPPED line and pass — unless
//! `INTERVIEWD_REAL_PARTS=1` (set by CI after `.ci/setup/all.sh`), when that fails them.

use interviewd_s3_server::S3Server;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};

/// The bucket every test uses (each test has a server of its own).
pub const BUCKET: &str = "interviewd-media";
/// The key prefix the nodes are given.
pub const PREFIX: &str = "recordings";

/// A running `moto_server` with the bucket.
pub struct S3 {
    server: S3Server,
}

impl S3 {
    /// Starts the server with an empty bucket; `None` (after a SKIPPED line) when it is not
    /// installed and CI does not require it.
    pub async fn start(test: &str) -> Option<S3> {
        let Some(exe) = interviewd_s3_server::executable() else {
            let why = "moto_server is not installed (run .ci/setup/s3.sh)";
            if std::env::var("INTERVIEWD_REAL_PARTS").is_ok_and(|v| v == "1") {
                panic!("{test}: INTERVIEWD_REAL_PARTS=1 but {why}");
            }
            eprintln!("\n*** SKIPPED {test}: {why} ***\n");
            return None;
        };
        let server = tokio::task::spawn_blocking(move || S3Server::start(&exe, BUCKET))
            .await
            .unwrap()
            .unwrap();
        Some(S3 { server })
    }

    /// The settings that point a node at this server (`s3://BUCKET/PREFIX`).
    pub fn node_env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![("INTERVIEWD_BLOB_URL", format!("s3://{BUCKET}/{PREFIX}"))];
        env.extend(self.server.aws_env());
        env
    }

    fn client(&self) -> AmazonS3 {
        AmazonS3Builder::new()
            .with_bucket_name(BUCKET)
            .with_region(interviewd_s3_server::REGION)
            .with_access_key_id(interviewd_s3_server::ACCESS_KEY_ID)
            .with_secret_access_key(interviewd_s3_server::SECRET_ACCESS_KEY)
            .with_endpoint(self.server.endpoint())
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
