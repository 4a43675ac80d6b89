//! Configuration, layered: built-in defaults, then an optional `interviewd.toml` in the
//! working directory (or the file named by `INTERVIEWD_CONFIG`), then `INTERVIEWD_*`
//! environment variables (with `DATABASE_URL` honoured when `INTERVIEWD_DATABASE_URL` is
//! unset), then command-line flags. Every subcommand reads the same configuration.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Everything that can be configured.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address the HTTP API listens on.
    pub listen: String,
    /// Directory for the SQLite database, recordings and the mail outbox.
    pub data_dir: PathBuf,
    /// Database URL; `sqlite://…` or `postgres://…`. Default: SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// Base URL used in links handed to candidates (invite links, recording URLs).
    /// Default: `http://{listen}`.
    pub public_url: Option<String>,
    /// `text` (default) or `json` log lines.
    pub log_format: String,
    // ---- engine (calls, slots, sessions) ----
    // ---- webhooks and e-mail ----
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            database_url: None,
            public_url: None,
            log_format: "text".into(),
            // ---- engine defaults ----
            // ---- webhooks and e-mail defaults ----
        }
    }
}

/// Values given on the command line; `None` leaves the layered value alone.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

impl Config {
    /// Loads the layered configuration.
    pub fn load(overrides: &Overrides) -> Result<Self, Box<figment::Error>> {
        let file = std::env::var("INTERVIEWD_CONFIG").unwrap_or_else(|_| "interviewd.toml".into());
        let mut figment =
            Figment::from(Serialized::defaults(Config::default())).merge(Toml::file(file));
        if std::env::var_os("INTERVIEWD_DATABASE_URL").is_none() {
            if let Ok(url) = std::env::var("DATABASE_URL") {
                figment = figment.merge(Serialized::default("database_url", url));
            }
        }
        figment
            .merge(Env::prefixed("INTERVIEWD_").only(&[
                "listen",
                "data_dir",
                "database_url",
                "public_url",
                "log_format",
            ]))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(Box::new)
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| sqlite_url(&self.data_dir.join("interviewd.db")))
    }

    /// The public base URL without a trailing slash.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_owned()
    }
}

/// A `sqlite://` URL for a path.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}
