//! The startup summary: what a new user needs to know once `serve` is up — where the data
//! lives, which database and mail transport are used, which providers run the interviews,
//! and the URLs to open. Built as `(label, value)` lines so that other subsystems add theirs
//! (the interviewer, analyst and speech providers pass their `describe()` lines as `extra`),
//! and logged one line each.

use crate::config::Config;
use crate::store::Store;
use interviewd_notify::{MailTransportConfig, TlsMode};
use std::net::SocketAddr;

/// The summary's lines, in order: the process, where the data lives, the database, mail,
/// then `extra` (other subsystems' lines), then how to reach the server.
pub fn startup_lines(
    config: &Config,
    store: &dyn Store,
    listening: SocketAddr,
    extra: &[(String, String)],
) -> Vec<(String, String)> {
    let data_dir =
        std::path::absolute(&config.data_dir).unwrap_or_else(|_| config.data_dir.clone());
    let base = match &config.public_url {
        Some(_) => config.public_url(),
        None => format!("http://{listening}"),
    };
    let mut lines = vec![
        (
            "interviewd".to_owned(),
            env!("CARGO_PKG_VERSION").to_owned(),
        ),
        ("data".to_owned(), data_dir.display().to_string()),
        ("database".to_owned(), store.describe()),
        ("mail".to_owned(), mail_line(config)),
    ];
    lines.extend(extra.iter().cloned());
    lines.extend([
        ("listening".to_owned(), listening.to_string()),
        ("console".to_owned(), format!("{base}/app")),
        ("API docs".to_owned(), format!("{base}/docs")),
        (
            "APIs".to_owned(),
            format!("{base}/v1 (InstaView), {base}/api/v1 (Alpharun), {base}/api/v2 (Xobin)"),
        ),
    ]);
    lines
}

/// Logs the summary, one line per entry.
pub fn log(lines: &[(String, String)]) {
    let width = lines
        .iter()
        .map(|(label, _)| label.len())
        .max()
        .unwrap_or(0);
    for (label, value) in lines {
        tracing::info!(target: "interviewd::startup", "{label:>width$}  {value}");
    }
}

/// How mail leaves: the SMTP server, or the outbox directory when none is configured.
fn mail_line(config: &Config) -> String {
    match crate::workers::mail::transport_config(config) {
        Ok(MailTransportConfig::Outbox { dir }) => {
            let dir = std::path::absolute(&dir).unwrap_or(dir);
            format!(
                "written to {} (no smtp_host set: nothing is sent)",
                dir.display()
            )
        }
        Ok(MailTransportConfig::Smtp {
            host,
            port,
            tls,
            username,
            ..
        }) => {
            let tls = match tls {
                TlsMode::None => "no TLS",
                TlsMode::StartTls => "STARTTLS",
                TlsMode::Tls => "TLS",
            };
            let login = username.map_or_else(String::new, |u| format!(", as {u}"));
            format!("SMTP {host}:{port} ({tls}{login})")
        }
        Err(error) => format!("not usable: {error}; queued mail is kept"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mail_says_where_it_goes() {
        let mut config = Config::default();
        assert!(mail_line(&config).contains("no smtp_host set"));
        config.smtp_host = Some("mail.example.com".into());
        config.smtp_username = Some("bot".into());
        assert_eq!(
            mail_line(&config),
            "SMTP mail.example.com:587 (STARTTLS, as bot)"
        );
        config.smtp_tls = "ssl".into();
        assert!(mail_line(&config).contains("smtp_tls"));
    }
}
