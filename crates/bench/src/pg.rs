//! The PostgreSQL server a run measures: the one `INTERVIEWD_BENCH_PG_URL` names (a role that
//! may create databases), or a throwaway cluster started from the installed binaries
//! (`INTERVIEWD_BENCH_PG_BIN` names their directory if they are not in a standard place),
//! on a free loopback port, removed at the end.
//!
//! The throwaway cluster runs with the settings a real deployment would keep — durable
//! commits (`fsync`, `synchronous_commit` and `full_page_writes` at their defaults, on) —
//! and only these changed from PostgreSQL's defaults: [`CLUSTER_SETTINGS`].

use anyhow::Context;
use interviewd_pg_cluster::{Cluster, Options};
use sqlx::Connection;
use std::path::PathBuf;
use std::sync::Arc;

/// The settings of the throwaway cluster besides PostgreSQL's defaults: a buffer cache a
/// dedicated database machine would give (512 MB rather than 128 MB) and room for the WAL
/// of the bulk seeding (4 GB rather than 1 GB between checkpoints). Durability is untouched.
pub const CLUSTER_SETTINGS: &[(&str, &str)] = &[
    ("shared_buffers", "512MB"),
    ("max_wal_size", "4GB"),
    ("max_connections", "200"),
];

/// The settings reported with the results, as the server answers them.
const REPORTED: &[&str] = &[
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "wal_level",
    "shared_buffers",
    "max_wal_size",
    "max_connections",
    "effective_cache_size",
    "work_mem",
];

/// A PostgreSQL server to create benchmark databases on.
#[derive(Clone)]
pub struct PgServer {
    inner: Arc<Inner>,
}

struct Inner {
    admin_url: String,
    description: String,
    _cluster: Option<Cluster>,
}

impl PgServer {
    /// The server of `INTERVIEWD_BENCH_PG_URL`, or a new throwaway cluster.
    pub async fn start() -> anyhow::Result<Self> {
        if let Ok(url) = std::env::var("INTERVIEWD_BENCH_PG_URL")
            && !url.is_empty()
        {
            return Ok(Self::new(
                url,
                "existing server (INTERVIEWD_BENCH_PG_URL)".into(),
                None,
            ));
        }
        let mut options = Options::with_settings(CLUSTER_SETTINGS);
        options.bin_dir = std::env::var_os("INTERVIEWD_BENCH_PG_BIN").map(PathBuf::from);
        let cluster = tokio::task::spawn_blocking(move || Cluster::start(&options))
            .await?
            .context(
                "starting a PostgreSQL cluster (install PostgreSQL, set INTERVIEWD_BENCH_PG_BIN, \
                 or point INTERVIEWD_BENCH_PG_URL at a server)",
            )?;
        let description = format!(
            "throwaway cluster from {}, defaults except {}",
            cluster.bin_dir().display(),
            CLUSTER_SETTINGS
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(Self::new(cluster.admin_url(), description, Some(cluster)))
    }

    fn new(admin_url: String, description: String, cluster: Option<Cluster>) -> Self {
        Self {
            inner: Arc::new(Inner {
                admin_url,
                description,
                _cluster: cluster,
            }),
        }
    }

    /// How the server was provided.
    pub fn description(&self) -> &str {
        &self.inner.description
    }

    /// Creates database `name` and returns its URL.
    pub async fn create_database(&self, name: &str) -> anyhow::Result<String> {
        self.admin(&format!("CREATE DATABASE {name}")).await?;
        with_database(&self.inner.admin_url, name)
    }

    /// Drops database `name`, cutting its connections.
    pub async fn drop_database(&self, name: &str) -> anyhow::Result<()> {
        self.admin(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
    }

    /// The server's version and the settings that matter for writes.
    pub async fn describe(&self) -> anyhow::Result<(String, Vec<(String, String)>)> {
        let mut conn = sqlx::PgConnection::connect(&self.inner.admin_url).await?;
        let version: String = sqlx::query_scalar("SHOW server_version")
            .fetch_one(&mut conn)
            .await?;
        let mut settings = Vec::new();
        for name in REPORTED {
            let value: String = sqlx::query_scalar("SELECT current_setting($1)")
                .bind(*name)
                .fetch_one(&mut conn)
                .await?;
            settings.push(((*name).to_owned(), value));
        }
        let _ = conn.close().await;
        Ok((format!("PostgreSQL {version}"), settings))
    }

    async fn admin(&self, sql: &str) -> anyhow::Result<()> {
        let mut conn = sqlx::PgConnection::connect(&self.inner.admin_url)
            .await
            .context("connecting to the PostgreSQL server")?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await
            .with_context(|| sql.to_owned())?;
        let _ = conn.close().await;
        Ok(())
    }
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> anyhow::Result<String> {
    let mut url = reqwest::Url::parse(url).context("INTERVIEWD_BENCH_PG_URL is not a URL")?;
    url.set_path(&format!("/{name}"));
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_keeps_the_server_and_credentials() {
        let url = with_database(
            "postgres://bench:pw@127.0.0.1:5433/postgres?sslmode=disable",
            "bench_1",
        )
        .expect("a URL");
        assert_eq!(
            url,
            "postgres://bench:pw@127.0.0.1:5433/bench_1?sslmode=disable"
        );
    }
}
