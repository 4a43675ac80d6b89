//! The command line: `serve`, `migrate` and the admin commands. Every subcommand reads the
//! same layered configuration (see [`crate::config`]).

use crate::admin::{self, NewKeyArgs};
use crate::config::{Config, Overrides};
use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use interviewd_domain::Plan;
use std::path::PathBuf;
use tokio_util::sync::CancellationToken;

/// Self-hostable AI-interview platform server.
#[derive(Parser, Debug)]
#[command(name = "interviewd", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand accepts.
#[derive(Args, Debug)]
pub struct GlobalArgs {
    /// Data directory (SQLite database, recordings, mail outbox).
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL (`sqlite://…` or `postgres://…`).
    #[arg(long, global = true)]
    pub database_url: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server: the APIs, the console, the candidates' pages, the docs and every worker.
    ///
    /// Serves the three APIs (InstaView at /v1, Alpharun at /api/v1, Xobin at /api/v2), the
    /// recruiter console (/app), the candidates' interview pages (/i/…) and the API docs
    /// (/docs), and runs every background worker in this process — calls, analysis, webhooks,
    /// e-mail, retention — until SIGINT or SIGTERM (in-flight requests then get a bounded
    /// grace). Creates and migrates the database on first start, and logs where the data
    /// lives, which database and mail transport and which interviewer, analyst and speech
    /// providers are used, and the URLs to open.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080; setting `listen`).
        #[arg(long)]
        listen: Option<String>,
    },
    /// Run the background workers alone, without the HTTP API.
    ///
    /// Calls, analysis, webhooks, e-mail and retention; any number of workers may run against
    /// the same database.
    Worker,
    /// Create the database if needed, apply migrations, and exit.
    Migrate,
    /// Copy the live SQLite database to PATH (consistent, while the server runs).
    ///
    /// Restore by putting the copy in place of `<data_dir>/interviewd.db` (server stopped) or
    /// by pointing `database_url` at it. PostgreSQL is backed up with pg_dump.
    Backup {
        /// The new file (must not exist).
        path: PathBuf,
    },
    /// Manage companies.
    #[command(subcommand)]
    Companies(CompanyCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Keys(KeyCommand),
    /// Manage the people who sign in to the recruiter console (`/app`).
    #[command(subcommand)]
    Users(UserCommand),
    /// Say which interviewer, analyst, plan generator and speech providers the configuration
    /// selects, and whether each configured server answers; exits non-zero if one does not.
    Doctor,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a console user; prints a one-time sign-in link (valid 24 hours) where they
    /// choose their password.
    Create {
        /// The user's company (a UUID).
        #[arg(long)]
        company: String,
        #[arg(long)]
        email: String,
        /// `admin` (everything, settings and deletions included) or `member`.
        #[arg(long, default_value = "member", value_parser = parse_role)]
        role: crate::core::users::Role,
    },
    /// List console users (of one company with --company).
    List {
        #[arg(long)]
        company: Option<String>,
    },
    /// Print a new one-time sign-in link for a user (a forgotten password); older unused
    /// links stop working.
    Link { id: String },
    /// Disable a user: their sessions end at once and they can no longer sign in.
    Disable { id: String },
}

fn parse_role(s: &str) -> Result<crate::core::users::Role, String> {
    s.parse()
}

#[derive(Subcommand, Debug)]
pub enum CompanyCommand {
    /// Create a company.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "TRIAL", value_parser = parse_plan)]
        plan: Plan,
        /// Simultaneous live sessions (default depends on the plan).
        #[arg(long)]
        concurrency: Option<u32>,
    },
    /// List companies.
    List,
    /// Change a company's plan (records plan_changed_at).
    SetPlan {
        id: String,
        #[arg(value_parser = parse_plan)]
        plan: Plan,
    },
    /// Set how many days after an interview finishes its recordings and transcript are
    /// erased (`off`: the deployment's `media_retention_days`, unset by default: kept).
    SetRetention {
        id: String,
        #[arg(value_parser = parse_retention)]
        days: Retention,
    },
}

/// A retention period given on the command line: a number of days, or `off`.
#[derive(Clone, Copy, Debug)]
pub struct Retention(pub Option<u32>);

fn parse_retention(s: &str) -> Result<Retention, String> {
    if s.eq_ignore_ascii_case("off") {
        return Ok(Retention(None));
    }
    match s.parse::<u32>() {
        Ok(days) if (1..=36_500).contains(&days) => Ok(Retention(Some(days))),
        _ => Err("a number of days from 1 to 36500, or `off`".into()),
    }
}

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Create a key; prints it once, with its secret.
    Create {
        /// The key's company (repeatable with --ats: the companies it manages).
        #[arg(long)]
        company: Vec<String>,
        /// An ATS integration key (may create and manage companies).
        #[arg(long)]
        ats: bool,
        /// Comma-separated scopes, or `all`.
        #[arg(long)]
        scopes: String,
        #[arg(long)]
        name: Option<String>,
        /// RFC 3339 expiry time.
        #[arg(long)]
        expires_at: Option<String>,
    },
    /// List keys (never their secrets).
    List,
    /// Revoke a key.
    Revoke { id: String },
}

fn parse_plan(s: &str) -> Result<Plan, String> {
    s.parse()
}

fn print(value: &serde_json::Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Runs the parsed command line.
pub async fn execute(cli: Cli) -> anyhow::Result<()> {
    let listen = match &cli.command {
        Command::Serve { listen } => listen.clone(),
        _ => None,
    };
    let overrides = Overrides {
        listen,
        data_dir: cli.global.data_dir,
        database_url: cli.global.database_url,
    };
    let config = Config::load(&overrides)?;
    init_tracing(&config);
    if matches!(cli.command, Command::Doctor) {
        return doctor(&config).await;
    }
    match cli.command {
        Command::Serve { .. } => serve(config).await,
        Command::Worker => worker(config).await,
        Command::Migrate => {
            let store = crate::open_store(&config).await?;
            tracing::info!(database = %store.describe(), "migrations applied");
            store.close().await;
            Ok(())
        }
        admin => {
            // Never a new, empty database: say which one was opened, or why none was.
            let store = crate::open_existing_store(&config).await?;
            eprintln!("database: {}", store.describe());
            let done = match admin {
                Command::Companies(cmd) => companies(&store, cmd).await,
                Command::Keys(cmd) => keys(&store, cmd).await,
                Command::Users(cmd) => users(&store, &config.public_url(), cmd).await,
                Command::Backup { path } => backup(&store, &path).await,
                Command::Serve { .. } | Command::Worker | Command::Migrate | Command::Doctor => {
                    Ok(())
                }
            };
            store.close().await;
            done
        }
    }
}

/// Prints the active interview parts and probes the configured servers.
async fn doctor(config: &Config) -> anyhow::Result<()> {
    let mut report = crate::core::engine::models::doctor(config).await?;
    report.push(crate::core::carrier::doctor(config).await?);
    let mut healthy = true;
    for line in &report {
        let state = match line.answers {
            None => "built in".to_owned(),
            Some(true) => format!("answers: {}", line.detail),
            Some(false) => {
                healthy = false;
                format!("DOES NOT ANSWER: {}", line.detail)
            }
        };
        println!("{:<12} {} ({state})", format!("{}:", line.part), line.what);
    }
    if healthy {
        Ok(())
    } else {
        anyhow::bail!("a configured server does not answer")
    }
}

async fn backup(store: &crate::store::DynStore, path: &std::path::Path) -> anyhow::Result<()> {
    if path.exists() {
        anyhow::bail!("{} exists already; name a new file", path.display());
    }
    store.backup(path).await?;
    print(&serde_json::json!({ "backup": path.display().to_string(), "from": store.describe() }))
}

async fn worker(config: Config) -> anyhow::Result<()> {
    let store = crate::open_store(&config).await?;
    let shutdown = CancellationToken::new();
    let trigger = shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        trigger.cancel();
    });
    crate::run_workers(config, store, shutdown).await
}

async fn serve(config: Config) -> anyhow::Result<()> {
    if is_root() {
        tracing::warn!("running as root is not recommended");
    }
    let store = crate::open_store(&config).await?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("listening on {} (listen)", config.listen))?;
    let shutdown = CancellationToken::new();
    let trigger = shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutting down");
        trigger.cancel();
    });
    crate::run(config, store, listener, shutdown).await
}

fn is_root() -> bool {
    std::env::var("USER").is_ok_and(|u| u == "root")
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

async fn companies(store: &crate::store::DynStore, cmd: CompanyCommand) -> anyhow::Result<()> {
    match cmd {
        CompanyCommand::Create {
            name,
            plan,
            concurrency,
        } => {
            let c = admin::create_company(store, &name, plan, concurrency).await?;
            print(&admin::company_json(&c))
        }
        CompanyCommand::List => {
            let all = admin::list_companies(store).await?;
            print(&serde_json::Value::Array(
                all.iter().map(admin::company_json).collect(),
            ))
        }
        CompanyCommand::SetPlan { id, plan } => print(&admin::company_json(
            &admin::set_plan(store, &id, plan).await?,
        )),
        CompanyCommand::SetRetention { id, days } => {
            let company: interviewd_domain::CompanyId =
                id.parse().context("company id must be a UUID")?;
            if !store.set_media_retention(company, days.0).await? {
                anyhow::bail!("no such company");
            }
            print(&serde_json::json!({ "id": id, "mediaRetentionDays": days.0 }))
        }
    }
}

async fn keys(store: &crate::store::DynStore, cmd: KeyCommand) -> anyhow::Result<()> {
    match cmd {
        KeyCommand::Create {
            company,
            ats,
            scopes,
            name,
            expires_at,
        } => {
            let (key, secret) = admin::create_key(
                store,
                NewKeyArgs {
                    company,
                    ats,
                    scopes,
                    name,
                    expires_at,
                },
            )
            .await?;
            let mut out = admin::key_json(&key);
            out["key"] = secret.into();
            print(&out)
        }
        KeyCommand::List => {
            let all = store.list_keys().await?;
            print(&serde_json::Value::Array(
                all.iter().map(admin::key_json).collect(),
            ))
        }
        KeyCommand::Revoke { id } => {
            admin::revoke_key(store, &id).await?;
            print(&serde_json::json!({ "id": id, "revoked": true }))
        }
    }
}

fn user_json(u: &crate::core::users::ConsoleUser) -> serde_json::Value {
    use interviewd_domain::time::rfc3339;
    serde_json::json!({
        "id": u.id.to_string(),
        "companyId": u.company_id.to_string(),
        "email": u.email.as_str(),
        "role": u.role.as_str(),
        "hasPassword": u.has_password,
        "disabledAt": u.disabled_at.map(rfc3339),
        "lastSignInAt": u.last_sign_in_at.map(rfc3339),
        "createdAt": rfc3339(u.created_at),
    })
}

fn link_json(link: &crate::core::users::IssuedLink) -> serde_json::Value {
    let mut out = user_json(&link.user);
    out["signInLink"] = link.url.clone().into();
    out["signInLinkExpiresAt"] = interviewd_domain::time::rfc3339(link.expires_at).into();
    out
}

fn uuid_arg(raw: &str, what: &str) -> anyhow::Result<uuid::Uuid> {
    raw.trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("{what} must be a UUID"))
}

async fn users(
    store: &crate::store::DynStore,
    public_url: &str,
    cmd: UserCommand,
) -> anyhow::Result<()> {
    use crate::core::users;
    let now = chrono::Utc::now();
    let store = store.as_ref();
    match cmd {
        UserCommand::Create {
            company,
            email,
            role,
        } => {
            let company = uuid_arg(&company, "--company")?.into();
            let link = users::create(store, public_url, company, &email, role, now).await?;
            print(&link_json(&link))
        }
        UserCommand::List { company } => {
            let company = company
                .map(|c| uuid_arg(&c, "--company").map(Into::into))
                .transpose()?;
            let all = users::list(store, company).await?;
            print(&serde_json::Value::Array(
                all.iter().map(user_json).collect(),
            ))
        }
        UserCommand::Link { id } => {
            let link =
                users::new_link(store, public_url, uuid_arg(&id, "the user id")?, now).await?;
            print(&link_json(&link))
        }
        UserCommand::Disable { id } => {
            users::disable(store, uuid_arg(&id, "the user id")?, now).await?;
            print(&serde_json::json!({ "id": id, "disabled": true }))
        }
    }
}

/// Logs go to stderr so admin commands keep stdout for their JSON.
pub fn init_tracing(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Colours only for a person at a terminal, never in files or pipes.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = if config.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory as _;

    /// `serve --help` says what `serve` does today.
    #[test]
    fn serve_help_names_what_serve_runs() {
        let mut cli = Cli::command();
        let serve = cli
            .find_subcommand_mut("serve")
            .map(|c| c.render_long_help());
        let help = serve.map(|h| h.to_string()).unwrap_or_default();
        for part in [
            "/v1",
            "/api/v1",
            "/api/v2",
            "/app",
            "/i/",
            "/docs",
            "retention",
            "SIGTERM",
        ] {
            assert!(help.contains(part), "{part} missing from:\n{help}");
        }
    }
}
