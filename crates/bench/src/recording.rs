//! Issue 17's recording fetch: a 1 MiB recording served through the HTTP API from the
//! data directory and from an S3-compatible object store, each against reading the same
//! bytes straight from where they are stored, in one run.
//!
//! The S3-compatible store is `moto_server` (PyPI `moto[server]`, installed by
//! `.ci/setup/s3.sh` into `~/.cache/interviewd/venv-s3`; `--moto-server` or
//! `INTERVIEWD_MOTO_SERVER` name another), started on a loopback port with SigV4 credentials,
//! as the tests start it. One SQLite database and data directory serve both halves:
//!
//! 1. a server with recordings in the data directory completes the template interview with
//!    the simulator (a real recording); its file is then replaced by a 1 MiB WAV and the same
//!    bytes are put in the bucket under the same key;
//! 2. the cells fetch the attempt's recording (`GET /v1/interviews/{id}/call-attempts/{attempt}/recording`,
//!    InstaView's route, Bearer key), checking every answer is 200 and 1 MiB, at 1 and 16
//!    clients; the baseline reads the file (`tokio::fs::read`);
//! 3. the file is deleted and the server restarted with `blob_url = s3://bench/recordings`
//!    and the `AWS_*` settings of the store, and the same cells run again; the baseline is an
//!    `object_store` GET of the object from the same store, as the server makes it.
//!
//! The server reads a recording whole and answers it from memory (`core/engine/blobs.rs`;
//! no presigned redirect), so the HTTP cell pays the store's GET plus the copy to the client.

use crate::db::{Backend, BenchDb};
use crate::fixtures;
use crate::memory::Process;
use crate::runner::{Budget, Op, OpFuture, run_cell};
use crate::server::{self, Server};
use crate::stats::{Summary, ratio};
use anyhow::{Context, bail};
use interviewd_s3_server::S3Server;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The recording's size.
const SIZE: usize = 1024 * 1024;
const BUCKET: &str = "bench";
const PREFIX: &str = "recordings";

/// `recording`'s options.
#[derive(Clone, Debug, clap::Args)]
pub struct RecordingArgs {
    /// Concurrent clients of each cell.
    #[arg(long, value_delimiter = ',', default_values_t = vec![1, 16])]
    pub clients: Vec<usize>,
    /// Fetches measured per cell (at most; a cell also stops after 20 s).
    #[arg(long, default_value_t = 400)]
    pub requests: u64,
    /// The S3-compatible server to start (default: `INTERVIEWD_MOTO_SERVER`, then the one
    /// `.ci/setup/s3.sh` installs).
    #[arg(long)]
    pub moto_server: Option<PathBuf>,
    /// Where `recording.json` and `recording.md` go.
    #[arg(long, default_value = "target/bench")]
    pub out: PathBuf,
}

/// One measured cell.
#[derive(Debug, Serialize)]
struct Cell {
    store: &'static str,
    clients: usize,
    http: Summary,
    direct: Summary,
}

impl Cell {
    fn row(&self) -> String {
        let mib_s = |s: &Summary| s.throughput * SIZE as f64 / (1024.0 * 1024.0);
        let p99 = |s: &Summary| s.p99_ms.map_or("–".into(), |v| format!("{v:.2}"));
        let share = ratio(self.http.throughput, self.direct.throughput)
            .map_or("–".into(), |r| format!("{:.0}%", r * 100.0));
        format!(
            "| {} | {} | {:.0} | {:.0} | {} | {:.0} | {} | {} | {} |",
            self.store,
            self.clients,
            self.http.throughput,
            mib_s(&self.http),
            p99(&self.http),
            self.direct.throughput,
            p99(&self.direct),
            share,
            self.http.errors + self.direct.errors,
        )
    }
}

/// The S3-compatible server (`interviewd-s3-server`), stopped when dropped.
struct Moto(S3Server);

impl Moto {
    /// `arg`, else the installed server (`interviewd_s3_server::executable`).
    fn executable(arg: Option<&Path>) -> anyhow::Result<PathBuf> {
        match arg {
            Some(path) if path.exists() => Ok(path.to_owned()),
            Some(path) => bail!("{} does not exist", path.display()),
            None => interviewd_s3_server::executable()
                .context("moto_server is not installed: run .ci/setup/s3.sh or pass --moto-server"),
        }
    }

    /// Starts the server and creates the bucket.
    async fn start(exe: PathBuf) -> anyhow::Result<Self> {
        let server = tokio::task::spawn_blocking(move || S3Server::start(&exe, BUCKET)).await?;
        Ok(Self(server.map_err(anyhow::Error::msg)?))
    }

    /// The settings a node needs for this store.
    fn env(&self) -> Vec<(String, String)> {
        self.0
            .aws_env()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect()
    }

    /// The bucket under the prefix, as the server opens it.
    fn store(&self) -> anyhow::Result<Arc<dyn ObjectStore>> {
        let s3 = AmazonS3Builder::new()
            .with_bucket_name(BUCKET)
            .with_region(interviewd_s3_server::REGION)
            .with_endpoint(self.0.endpoint())
            .with_allow_http(true)
            .with_access_key_id(interviewd_s3_server::ACCESS_KEY_ID)
            .with_secret_access_key(interviewd_s3_server::SECRET_ACCESS_KEY)
            .build()?;
        Ok(Arc::new(PrefixStore::new(s3, PREFIX)))
    }
}

/// A 16 kHz mono PCM16 WAV of exactly [`SIZE`] bytes (a quiet ramp).
fn wav() -> Vec<u8> {
    let header = interviewd_speech::wav::header(16_000, 1, (SIZE - HEADER) as u64);
    let mut out = Vec::with_capacity(SIZE);
    out.extend_from_slice(&header);
    out.extend((0..SIZE - HEADER).map(|i| (i % 251) as u8));
    out
}

/// A WAV header's length.
const HEADER: usize = interviewd_speech::wav::HEADER_LEN;

/// Runs `recording`.
pub async fn run(args: &RecordingArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let moto = Moto::start(Moto::executable(args.moto_server.as_deref())?).await?;
    let db = BenchDb::create(Backend::Sqlite, None).await?;
    let config = server::config(&db.url, db.data_dir.clone());

    // The template interview, recorded in the data directory.
    let local = Server::start(config.clone(), false).await?;
    let tenant = fixtures::tenant(&local).await?;
    let templates = fixtures::templates(&local, &tenant).await?;
    let interview = templates.completed.interview;
    let api = crate::client::Api::new(&local.base, &tenant.key)?;
    let detail = api
        .call(
            reqwest::Method::GET,
            &format!("/v1/interviews/{interview}"),
            None,
            200,
        )
        .await?;
    let attempt = crate::client::string_at(&detail, "/callAttempts/0/id")?;
    let pool = sqlx::SqlitePool::connect(&db.url).await?;
    let key: String = sqlx::query_scalar("SELECT recording_key FROM call_attempts WHERE id = $1")
        .bind(attempt.parse::<uuid::Uuid>()?)
        .fetch_one(&pool)
        .await
        .context("the template's recording key")?;
    pool.close().await;
    let bytes = wav();
    let file = db.data_dir.join("recordings").join(&key);
    std::fs::write(&file, &bytes).with_context(|| format!("writing {}", file.display()))?;
    let bucket = moto.store()?;
    bucket
        .put(&ObjectPath::from(key.as_str()), PutPayload::from(bytes))
        .await
        .context("putting the recording in the bucket")?;

    let path = format!("/v1/interviews/{interview}/call-attempts/{attempt}/recording");
    let budget = Budget {
        max_ops: args.requests,
        max_time: Duration::from_secs(20),
        warmup: 10,
    };
    let mut cells = Vec::new();
    let fetch = http_op(&local.base, &tenant.key, &path)?;
    let read = file_op(file.clone());
    for &clients in &args.clients {
        eprintln!("recording: data directory, {clients} client(s)");
        let http = run_cell(clients, &budget, &fetch, local.process()).await;
        let direct = run_cell(clients, &budget, &read, Process::This).await;
        cells.push(Cell {
            store: "data directory",
            clients,
            http: http.summary,
            direct: direct.summary,
        });
    }
    local.stop().await?;
    // From here on the bucket is the only copy: a fetch that answers came from it.
    std::fs::remove_file(db.data_dir.join("recordings").join(&key))?;

    let mut s3_config = config;
    s3_config.blob_url = Some(format!("s3://{BUCKET}/{PREFIX}"));
    let s3 = Server::start_with_env(s3_config, false, moto.env()).await?;
    let fetch = http_op(&s3.base, &tenant.key, &path)?;
    let get = object_op(bucket, key);
    for &clients in &args.clients {
        eprintln!("recording: S3 (moto_server), {clients} client(s)");
        let http = run_cell(clients, &budget, &fetch, s3.process()).await;
        let direct = run_cell(clients, &budget, &get, Process::This).await;
        cells.push(Cell {
            store: "S3 (moto_server)",
            clients,
            http: http.summary,
            direct: direct.summary,
        });
    }
    s3.stop().await?;

    let failed = cells.iter().any(|c| c.http.flagged() || c.direct.flagged());
    let md = markdown(&cells, started.elapsed());
    std::fs::create_dir_all(&args.out)?;
    std::fs::write(args.out.join("recording.md"), &md)?;
    std::fs::write(
        args.out.join("recording.json"),
        serde_json::to_string_pretty(&cells)?,
    )?;
    println!("{md}");
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn markdown(cells: &[Cell], took: Duration) -> String {
    let mut md = format!(
        "### Fetching a 1 MiB recording ({:.0} s)\n\n\
         | store | clients | HTTP fetches/s | HTTP MiB/s | HTTP p99 ms | direct reads/s | direct p99 ms | HTTP/direct | errors |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        took.as_secs_f64()
    );
    for cell in cells {
        md.push_str(&cell.row());
        md.push('\n');
    }
    for cell in cells {
        for e in cell
            .http
            .sample_errors
            .iter()
            .chain(&cell.direct.sample_errors)
        {
            md.push_str(&format!(
                "\n- {} at {} client(s): {e}",
                cell.store, cell.clients
            ));
        }
    }
    md
}

/// Fetches the recording through the API and checks it whole.
fn http_op(base: &str, key: &str, path: &str) -> anyhow::Result<Op> {
    let http = reqwest::Client::builder()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(usize::MAX)
        .build()?;
    let url = format!("{base}{path}");
    let bearer = format!("Bearer {key}");
    Ok(Arc::new(move || -> OpFuture {
        let (http, url, bearer) = (http.clone(), url.clone(), bearer.clone());
        Box::pin(async move {
            let res = http
                .get(&url)
                .header("authorization", bearer)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            let status = res.status().as_u16();
            let body = res.bytes().await.map_err(|e| e.to_string())?;
            if status != 200 || body.len() != SIZE {
                return Err(format!("{status}, {} bytes", body.len()));
            }
            Ok(())
        })
    }))
}

/// Reads the file the data directory holds.
fn file_op(file: PathBuf) -> Op {
    Arc::new(move || -> OpFuture {
        let file = file.clone();
        Box::pin(async move {
            let body = tokio::fs::read(&file).await.map_err(|e| e.to_string())?;
            if body.len() != SIZE {
                return Err(format!("{} bytes", body.len()));
            }
            Ok(())
        })
    })
}

/// GETs the object from the bucket, as the server does.
fn object_op(bucket: Arc<dyn ObjectStore>, key: String) -> Op {
    let key = ObjectPath::from(key.as_str());
    Arc::new(move || -> OpFuture {
        let (bucket, key) = (bucket.clone(), key.clone());
        Box::pin(async move {
            let body = bucket
                .get(&key)
                .await
                .map_err(|e| e.to_string())?
                .bytes()
                .await
                .map_err(|e| e.to_string())?;
            if body.len() != SIZE {
                return Err(format!("{} bytes", body.len()));
            }
            Ok(())
        })
    })
}
