//! PostgreSQL for the tests, without Docker.
//!
//! - `INTERVIEWD_TEST_PG_URL` names a server the tests may create databases on (CI starts a
//!   throwaway cluster and exports it). Without it, the first test that needs PostgreSQL
//!   starts a throwaway cluster of its own from the installed server binaries (`initdb` and
//!   `pg_ctl` into a temporary directory, on a free loopback port, as the `postgres` user
//!   when running as root, since the server refuses to run as root), shared by the whole
//!   test process.
//! - Each test gets its own database, copied from a template migrated once per process, and
//!   dropped when the test is done (best effort).
//! - [`Cluster`] also serves tests that need a server to themselves (restarting it).
//!
//! A cluster this module starts is stopped and deleted by a small watchdog shell process as
//! soon as its owner lets go of it or the test process exits, even by a crash.

use interviewd::store::Store;
use interviewd::store::postgres::PgStore;
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How to get PostgreSQL onto a machine that lacks it.
const INSTALL_HINT: &str = "the PostgreSQL tests need the PostgreSQL server binaries: install \
     them (Debian/Ubuntu: `apt-get install postgresql`; elsewhere put `pg_ctl` on PATH or set \
     INTERVIEWD_TEST_PG_BIN to their directory), or set INTERVIEWD_TEST_PG_URL to a server on \
     which the tests may create databases";

/// The directory of `initdb` and `pg_ctl`: `INTERVIEWD_TEST_PG_BIN`, the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian's layout), or `pg_config --bindir`.
fn bin_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("INTERVIEWD_TEST_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let dir = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    dir.join("initdb").exists().then_some(dir)
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// A throwaway PostgreSQL cluster on a loopback port, removed when dropped.
pub struct Cluster {
    port: u16,
    data: PathBuf,
    bin: PathBuf,
    as_postgres: bool,
    keepalive: PathBuf,
    watchdog: Option<Child>,
}

impl Cluster {
    /// Creates and starts a cluster (takes a few seconds).
    pub fn start() -> Result<Self, String> {
        let bin = bin_dir().ok_or_else(|| INSTALL_HINT.to_owned())?;
        let as_postgres = running_as_root();
        let dir = tempfile::Builder::new()
            .prefix("interviewd-pg-")
            .tempdir()
            .map_err(|e| format!("creating a directory for PostgreSQL: {e}"))?
            .keep();
        let keepalive = dir.join("keepalive");
        std::fs::write(&keepalive, b"").map_err(|e| e.to_string())?;
        let mut cluster = Self {
            port: 0,
            data: dir.join("data"),
            bin,
            as_postgres,
            keepalive,
            watchdog: None,
        };
        // From here on the watchdog removes the directory whatever happens.
        cluster.watchdog = Some(cluster.spawn_watchdog(&dir)?);
        if as_postgres {
            run(Command::new("chown").arg("-R").arg("postgres:").arg(&dir))?;
        }
        let initdb = cluster.bin.join("initdb");
        run(cluster.command(&initdb).arg("-D").arg(&cluster.data).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ]))?;
        let mut last = String::new();
        for _ in 0..3 {
            cluster.port = free_port()?;
            match cluster.pg_ctl(&["start"], &dir) {
                Ok(()) => return Ok(cluster),
                Err(e) => last = e,
            }
        }
        Err(format!("starting PostgreSQL failed: {last}"))
    }

    /// The URL of the `postgres` database as the superuser `postgres`.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Restarts the server (`pg_ctl restart -m fast`): every connection is cut, and the
    /// server is back when this returns.
    #[allow(dead_code)] // The PostgreSQL run's restart test only.
    pub fn restart(&self) {
        self.pg_ctl(&["-m", "fast", "restart"], &self.dir())
            .expect("restarting PostgreSQL");
    }

    /// Stops the server (`pg_ctl stop -m fast`) until [`Self::start_again`].
    #[allow(dead_code)] // The PostgreSQL run's restart test only.
    pub fn stop(&self) {
        self.pg_ctl(&["-m", "fast", "stop"], &self.dir())
            .expect("stopping PostgreSQL");
    }

    /// Starts a stopped server again, on the same port.
    #[allow(dead_code)] // The PostgreSQL run's restart test only.
    pub fn start_again(&self) {
        self.pg_ctl(&["start"], &self.dir())
            .expect("starting PostgreSQL");
    }

    fn dir(&self) -> PathBuf {
        self.data.parent().unwrap_or(&self.data).to_path_buf()
    }

    fn command(&self, program: &Path) -> Command {
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        command.stdin(Stdio::null());
        command
    }

    fn pg_ctl(&self, action: &[&str], dir: &Path) -> Result<(), String> {
        let options = format!(
            "-k {} -p {} -c listen_addresses=127.0.0.1 -c max_connections=400 \
             -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            dir.display(),
            self.port
        );
        run(self
            .command(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(&self.data)
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-w", "-t", "60", "-o", &options])
            .args(action))
    }

    /// A shell that waits while the keep-alive file exists and this process lives, then
    /// stops the server and deletes the directory.
    fn spawn_watchdog(&self, dir: &Path) -> Result<Child, String> {
        const SCRIPT: &str = r#"
            while [ -e "$1" ] && kill -0 "$2" 2>/dev/null; do sleep 0.2; done
            if [ -e "$4/postmaster.pid" ]; then $5 "$3/pg_ctl" -D "$4" -m immediate -w stop; fi
            rm -rf "$6"
        "#;
        let run_as = if self.as_postgres {
            "runuser -u postgres --"
        } else {
            ""
        };
        Command::new("sh")
            .arg("-c")
            .arg(SCRIPT)
            .arg("watchdog")
            .arg(&self.keepalive)
            .arg(std::process::id().to_string())
            .arg(&self.bin)
            .arg(&self.data)
            .arg(run_as)
            .arg(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting the cluster's watchdog: {e}"))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.keepalive);
        if let Some(mut watchdog) = self.watchdog.take() {
            let _ = watchdog.wait();
        }
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let out = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("running {command:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let mut url = reqwest::Url::parse(url).expect("a PostgreSQL URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

/// The server the tests of this process use, and the template their databases copy.
struct Shared {
    admin_url: String,
    template: String,
    _cluster: Option<Cluster>,
}

static SHARED: tokio::sync::OnceCell<Shared> = tokio::sync::OnceCell::const_new();

async fn shared() -> &'static Shared {
    SHARED
        .get_or_init(|| async {
            let (admin_url, cluster) = match std::env::var("INTERVIEWD_TEST_PG_URL") {
                Ok(url) if !url.is_empty() => (url, None),
                _ => {
                    let cluster = Cluster::start().unwrap_or_else(|e| panic!("{e}"));
                    (cluster.admin_url(), Some(cluster))
                }
            };
            let template = format!("t_template_{}", uuid::Uuid::new_v4().simple());
            admin(&admin_url, &format!("CREATE DATABASE {template}")).await;
            let store = PgStore::connect(&with_database(&admin_url, &template), 2)
                .await
                .expect("connecting to the template database");
            store
                .migrate()
                .await
                .expect("migrating the template database");
            store.pool().close().await;
            Shared {
                admin_url,
                template,
                _cluster: cluster,
            }
        })
        .await
}

/// Runs one statement on a fresh connection to `url`.
pub async fn admin(url: &str, sql: &str) {
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = conn.close().await;
}

/// A database for one test, migrated; dropped (best effort) with this guard.
pub struct TestDatabase {
    pub url: String,
    name: String,
    admin_url: String,
}

/// A fresh, migrated database on the tests' server.
pub async fn database() -> TestDatabase {
    let shared = shared().await;
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    let sql = format!("CREATE DATABASE {name} TEMPLATE {}", shared.template);
    let mut conn = sqlx::PgConnection::connect(&shared.admin_url)
        .await
        .expect("connecting to the tests' PostgreSQL server");
    // The template's last connection may still be on its way out.
    for attempt in 0.. {
        match sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
            .execute(&mut conn)
            .await
        {
            Ok(_) => break,
            Err(e) if attempt < 50 => {
                tracing::debug!(error = %e, "creating a test database; retrying");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{sql}: {e}"),
        }
    }
    let _ = conn.close().await;
    TestDatabase {
        url: with_database(&shared.admin_url, &name),
        name,
        admin_url: shared.admin_url.clone(),
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin_url, sql) = (
            self.admin_url.clone(),
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
        // Its own thread and runtime: this may run inside (or after) the test's runtime.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut conn = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await
                    .ok()?;
                conn.close().await.ok()
            })
        });
        let _ = dropped.join();
    }
}
