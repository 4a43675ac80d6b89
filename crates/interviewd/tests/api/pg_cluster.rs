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
//! The cluster itself is `interviewd-pg-cluster` (shared with the benchmarks): a small watchdog
//! shell process stops and deletes it as soon as its owner lets go of it or the test process
//! exits, even by a crash.

use interviewd::store::Store;
use interviewd::store::postgres::PgStore;
use interviewd_pg_cluster::{Options, THROWAWAY_SETTINGS};
use sqlx::Connection;
use std::path::PathBuf;
use std::time::Duration;

/// How to get PostgreSQL onto a machine that lacks it.
const INSTALL_HINT: &str = "the PostgreSQL tests need the PostgreSQL server binaries: install \
     them (Debian/Ubuntu: `apt-get install postgresql`; elsewhere put `pg_ctl` on PATH or set \
     INTERVIEWD_TEST_PG_BIN to their directory), or set INTERVIEWD_TEST_PG_URL to a server on \
     which the tests may create databases";

/// A throwaway PostgreSQL cluster on a loopback port, removed when dropped
/// (`interviewd-pg-cluster`, with the tests' fast, non-durable settings).
pub struct Cluster(interviewd_pg_cluster::Cluster);

impl Cluster {
    /// Creates and starts a cluster (takes a few seconds) from the binaries in
    /// `INTERVIEWD_TEST_PG_BIN`, or the installed ones.
    pub fn start() -> Result<Self, String> {
        let mut options = Options::with_settings(THROWAWAY_SETTINGS);
        options.bin_dir = std::env::var_os("INTERVIEWD_TEST_PG_BIN").map(PathBuf::from);
        if interviewd_pg_cluster::bin_dir(options.bin_dir.as_deref()).is_none() {
            return Err(INSTALL_HINT.to_owned());
        }
        interviewd_pg_cluster::Cluster::start(&options)
            .map(Self)
            .map_err(|e| e.to_string())
    }

    /// The URL of the `postgres` database as the superuser `postgres`.
    pub fn admin_url(&self) -> String {
        self.0.admin_url()
    }

    /// Restarts the server (`pg_ctl restart -m fast`): every connection is cut, and the
    /// server is back when this returns.
    #[allow(dead_code)] // The PostgreSQL run's restart test only.
    pub fn restart(&self) {
        self.0.restart().expect("restarting PostgreSQL");
    }

    /// Stops the server (`pg_ctl stop -m fast`) until [`Self::start_again`].
    #[allow(dead_code)] // The PostgreSQL run's restart test only.
    pub fn stop(&self) {
        self.0.stop().expect("stopping PostgreSQL");
    }

    /// Starts a stopped server again, on the same port.
    #[allow(dead_code)] // The PostgreSQL run's restart test only.
    pub fn start_again(&self) {
        self.0.start_again().expect("starting PostgreSQL");
    }
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
