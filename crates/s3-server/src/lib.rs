//! A throwaway S3-compatible server on a loopback port: `moto` in server mode
//! (`moto_server`, installed by `.ci/setup/s3.sh` into the project's cache), with one bucket,
//! killed when dropped. The tests and the benchmarks start one each; nodes reach it through
//! the standard `AWS_*` variables ([`S3Server::aws_env`]) with SigV4 credentials, as they
//! would reach any S3 service.
//!
//! Starting is blocking (a child process and a bucket created over plain HTTP on loopback);
//! async callers run it on a blocking thread.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The access key the server is reached with (moto accepts any SigV4 credentials).
pub const ACCESS_KEY_ID: &str = "interviewd-test";
/// Its secret.
pub const SECRET_ACCESS_KEY: &str = "interviewd-test-secret";
/// The region the clients sign for.
pub const REGION: &str = "us-east-1";
/// How long the server may take to answer its first request.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A running `moto_server` with one bucket.
pub struct S3Server {
    endpoint: String,
    child: Child,
}

/// The installed `moto_server`: `INTERVIEWD_MOTO_SERVER`, else `venv-s3/bin/moto_server`
/// in the project's cache (`INTERVIEWD_CACHE`, by default `~/.cache/interviewd`); `None`
/// when it is not there.
pub fn executable() -> Option<PathBuf> {
    let path = match std::env::var_os("INTERVIEWD_MOTO_SERVER") {
        Some(path) => PathBuf::from(path),
        None => {
            let cache = std::env::var_os("INTERVIEWD_CACHE")
                .map(PathBuf::from)
                .or_else(|| {
                    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/interviewd"))
                })?;
            cache.join("venv-s3/bin/moto_server")
        }
    };
    path.exists().then_some(path)
}

impl S3Server {
    /// Starts `exe` on a free loopback port and creates `bucket`, which is also the readiness
    /// probe (retried for up to 30 s).
    pub fn start(exe: &Path, bucket: &str) -> Result<Self, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free loopback port: {e}"))?
            .port();
        let child = Command::new(exe)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", exe.display()))?;
        let server = Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            child,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        while !create_bucket(port, bucket) {
            if Instant::now() > deadline {
                return Err(format!(
                    "moto_server did not start within {} s",
                    START_TIMEOUT.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(server)
    }

    /// `http://127.0.0.1:{port}`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The standard variables that point an S3 client (a node) at this server.
    pub fn aws_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY.into()),
            ("AWS_REGION", REGION.into()),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `PUT /{bucket}` on the server; whether it answered 2xx.
fn create_bucket(port: u16, bucket: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!(
        "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\n\
         Connection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    // `HTTP/1.x 2..`
    let mut head = [0_u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && head[9] == b'2'
}
