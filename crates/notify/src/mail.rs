//! E-mail: one message builder, two ways out.
//!
//! Every message is built with lettre's [`Message`] builder, so the bytes are
//! the same RFC 5322 message whichever transport carries them:
//!
//! * **Outbox** (the default): the message is written to `<dir>/<name>.eml`,
//!   so candidate notifications work with no mail server. The name comes from
//!   the `Message-ID` when there is one (sending the same message again
//!   replaces its file, and [`Mailer::forget`] finds it to erase it), otherwise
//!   it is unique. The file is written under a hidden temporary name, synced
//!   and then renamed, so a reader of the directory never sees half a message;
//!   a temporary file left by a killed process is overwritten when the message
//!   is sent again, or removed by [`Mailer::sweep_temporary`].
//! * **SMTP**: lettre's async Tokio transport, one connection per message
//!   (no pool: mail is rare), with no TLS, STARTTLS or TLS from the first byte.
//!
//! [`MailError`] says whether a failure is permanent (a bad address, a 5xx
//! reply) or transient (no connection, a 4xx reply), so the caller knows
//! whether to retry. Errors never carry addresses or server reply texts,
//! which may quote them.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tokio::io::AsyncWriteExt as _;

/// One plain-text e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// `addr@example.com` or `Name <addr@example.com>`.
    pub from: String,
    /// One recipient, in the same forms as `from`.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub text_body: String,
    /// The `Message-ID` (with its angle brackets); generated when `None`.
    pub message_id: Option<String>,
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain text: only for a relay on the same host or a trusted network.
    None,
    /// Connect in plain text and require STARTTLS before anything is sent.
    StartTls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// Where mail goes.
#[derive(Clone, PartialEq, Eq)]
pub enum MailTransportConfig {
    /// Write each message as an `.eml` file into `dir` (created if missing).
    Outbox {
        /// The outbox directory.
        dir: PathBuf,
    },
    /// Send through an SMTP server.
    Smtp {
        /// Server host name (also the name its TLS certificate must carry).
        host: String,
        /// Server port.
        port: u16,
        /// Connection protection.
        tls: TlsMode,
        /// Login, when the server wants one (needs `password` too).
        username: Option<String>,
        /// Password for `username`.
        password: Option<String>,
        /// Timeout of each SMTP command.
        timeout: Duration,
    },
}

impl fmt::Debug for MailTransportConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Outbox { dir } => f.debug_struct("Outbox").field("dir", dir).finish(),
            Self::Smtp {
                host,
                port,
                tls,
                username,
                password,
                timeout,
            } => f
                .debug_struct("Smtp")
                .field("host", host)
                .field("port", port)
                .field("tls", tls)
                .field("username", username)
                .field("password", &password.as_ref().map(|_| "<redacted>"))
                .field("timeout", timeout)
                .finish(),
        }
    }
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// An address does not parse. Permanent.
    #[error("the {field} address is not valid")]
    InvalidAddress {
        /// `"from"` or `"to"`.
        field: &'static str,
    },
    /// The message could not be built. Permanent.
    #[error("the message could not be built: {0}")]
    Build(String),
    /// The transport configuration is unusable. Permanent.
    #[error("the mail transport is misconfigured: {0}")]
    Config(String),
    /// The SMTP server refused for good (a 5xx reply). Permanent.
    #[error("the SMTP server rejected the message ({code})")]
    Rejected {
        /// The reply code, such as 550.
        code: u16,
    },
    /// The SMTP server asked to try later (a 4xx reply). Transient.
    #[error("the SMTP server deferred the message ({code})")]
    Deferred {
        /// The reply code, such as 451.
        code: u16,
    },
    /// No conversation with the server: connection, TLS or timeout. Transient.
    #[error("the SMTP server could not be reached: {0}")]
    Connection(String),
    /// The outbox file could not be written. Transient.
    #[error("the outbox could not be written: {0}")]
    Outbox(#[from] std::io::Error),
}

impl MailError {
    /// True when sending the same message again cannot succeed.
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            Self::InvalidAddress { .. } | Self::Build(_) | Self::Config(_) | Self::Rejected { .. }
        )
    }

    /// True when a later retry may succeed.
    pub fn is_transient(&self) -> bool {
        !self.is_permanent()
    }
}

enum Transport {
    Outbox(PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Sends [`OutgoingMail`] through the configured transport. Share it behind
/// an `Arc`; each SMTP send opens its own connection.
pub struct Mailer {
    transport: Transport,
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.transport {
            Transport::Outbox(dir) => format!("Outbox({})", dir.display()),
            Transport::Smtp(_) => "Smtp".to_owned(),
        };
        f.debug_struct("Mailer").field("transport", &kind).finish()
    }
}

impl Mailer {
    /// Sets up the transport. Nothing is contacted until the first send.
    ///
    /// For SMTP this must run inside a Tokio runtime: should lettre's `pool`
    /// feature ever be switched on through another crate, building the
    /// transport spawns a task, and this returns an error instead of panicking.
    pub fn new(config: MailTransportConfig) -> Result<Self, MailError> {
        let transport = match config {
            MailTransportConfig::Outbox { dir } => Transport::Outbox(dir),
            MailTransportConfig::Smtp {
                host,
                port,
                tls,
                username,
                password,
                timeout,
            } => {
                if tokio::runtime::Handle::try_current().is_err() {
                    let text = "the SMTP mailer must be created inside a Tokio runtime";
                    return Err(MailError::Config(text.to_owned()));
                }
                let tls = match tls {
                    TlsMode::None => Tls::None,
                    TlsMode::StartTls => Tls::Required(tls_parameters(&host)?),
                    TlsMode::Tls => Tls::Wrapper(tls_parameters(&host)?),
                };
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .port(port)
                    .tls(tls)
                    .timeout(Some(timeout));
                match (username, password) {
                    (Some(user), Some(pass)) => {
                        builder = builder.credentials(Credentials::new(user, pass));
                    }
                    (None, None) => {}
                    _ => {
                        let text = "SMTP username and password go together";
                        return Err(MailError::Config(text.to_owned()));
                    }
                }
                Transport::Smtp(builder.build())
            }
        };
        Ok(Self { transport })
    }

    /// Sends one message.
    pub async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError> {
        let message = build_message(mail)?;
        match &self.transport {
            Transport::Outbox(dir) => {
                let name = match mail.message_id.as_deref().and_then(outbox_stem) {
                    Some(stem) => stem,
                    None => unique_name()?,
                };
                let path = write_to_outbox(dir, &name, &message.formatted()).await?;
                tracing::debug!(path = %path.display(), "mail written to the outbox");
            }
            Transport::Smtp(transport) => {
                transport.send(message).await.map_err(classify_smtp_error)?;
                tracing::debug!("mail handed to the SMTP server");
            }
        }
        Ok(())
    }
}

fn tls_parameters(host: &str) -> Result<TlsParameters, MailError> {
    TlsParameters::new(host.to_owned()).map_err(|e| MailError::Config(e.to_string()))
}

/// Builds the RFC 5322 message both transports carry.
pub fn build_message(mail: &OutgoingMail) -> Result<Message, MailError> {
    let from: Mailbox = mail
        .from
        .parse()
        .map_err(|_| MailError::InvalidAddress { field: "from" })?;
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|_| MailError::InvalidAddress { field: "to" })?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.clone())
        .message_id(mail.message_id.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(mail.text_body.clone())
        .map_err(|e| MailError::Build(e.to_string()))
}

fn classify_smtp_error(error: lettre::transport::smtp::Error) -> MailError {
    // The reply text can quote the recipient's address: keep only the code.
    let code = error.status().map(u16::from);
    match code {
        Some(code) if error.is_permanent() => MailError::Rejected { code },
        Some(code) => MailError::Deferred { code },
        None => MailError::Connection(error.to_string()),
    }
}

impl Mailer {
    /// The outbox directory, when mail goes there.
    pub fn outbox(&self) -> Option<&Path> {
        match &self.transport {
            Transport::Outbox(dir) => Some(dir),
            Transport::Smtp(_) => None,
        }
    }

    /// Removes the outbox copy of the message with `message_id` (an erasure). True when a
    /// file was removed; nothing to do over SMTP, where the message has left this server.
    pub async fn forget(&self, message_id: &str) -> std::io::Result<bool> {
        let (Some(dir), Some(stem)) = (self.outbox(), outbox_stem(message_id)) else {
            return Ok(false);
        };
        match tokio::fs::remove_file(dir.join(format!("{stem}.eml"))).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Removes hidden temporary files of the outbox older than `age`: what a process killed
    /// while writing a message left behind (the message itself is sent again). Returns how
    /// many were removed.
    pub async fn sweep_temporary(&self, age: Duration) -> std::io::Result<usize> {
        let Some(dir) = self.outbox() else {
            return Ok(0);
        };
        let mut entries = match tokio::fs::read_dir(dir).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e),
        };
        let mut removed = 0;
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if !(name.starts_with('.') && name.ends_with(".tmp")) {
                continue;
            }
            let old_enough = entry
                .metadata()
                .await
                .and_then(|m| m.modified())
                .ok()
                .and_then(|at| at.elapsed().ok())
                .is_some_and(|elapsed| elapsed >= age);
            if old_enough && tokio::fs::remove_file(entry.path()).await.is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// The file name (without `.eml`) of the message with `message_id`: its local part
/// (`<local@domain>`), when that is made of letters, digits, `-` and `_` only.
fn outbox_stem(message_id: &str) -> Option<String> {
    let inner = message_id
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>');
    let local = inner.split('@').next()?;
    let plain = !local.is_empty()
        && local.len() <= 128
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plain.then(|| local.to_owned())
}

/// Writes `bytes` to `<dir>/<name>.eml`, atomically (replacing an earlier copy).
async fn write_to_outbox(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    tokio::fs::create_dir_all(dir).await?;
    let final_path = dir.join(format!("{name}.eml"));
    // One temporary name per message: a copy half written by a killed process is overwritten
    // when the message is sent again.
    let temp_path = dir.join(format!(".{name}.tmp"));
    let written = async {
        let mut file = tokio::fs::File::create(&temp_path).await?;
        file.write_all(bytes).await?;
        file.sync_all().await?;
        tokio::fs::rename(&temp_path, &final_path).await
    }
    .await;
    if let Err(e) = written {
        // Best effort: the temporary file is hidden and named apart anyway.
        let _ = tokio::fs::remove_file(&temp_path).await;
        return Err(e);
    }
    Ok(final_path)
}

/// Millisecond time first so that a directory listing sorts by age.
fn unique_name() -> std::io::Result<String> {
    let millis = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(format!("{millis:013}-{:016x}", u64::from_le_bytes(random)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> OutgoingMail {
        OutgoingMail {
            from: "InstaView <no-reply@interviewd.test>".into(),
            to: "candidate@example.com".into(),
            subject: "Your interview".into(),
            text_body: "Hello,\r\nyour interview is ready.\r\n".into(),
            message_id: Some("<m1@interviewd.test>".into()),
        }
    }

    #[tokio::test]
    async fn the_outbox_holds_one_complete_message_per_send() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("outbox/nested");
        let mailer = Mailer::new(MailTransportConfig::Outbox { dir: dir.clone() }).unwrap();
        mailer.send(&mail()).await.unwrap();
        // The same message again (a retry) replaces its copy; another one is a second file.
        mailer.send(&mail()).await.unwrap();
        let mut other = mail();
        other.message_id = Some("<m2@interviewd.test>".into());
        mailer.send(&other).await.unwrap();

        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(
            names
                .iter()
                .all(|n| n.ends_with(".eml") && !n.starts_with('.'))
        );

        let text = std::fs::read_to_string(dir.join(&names[0])).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let header = |name: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                .map(str::to_owned)
        };
        assert_eq!(
            header("From").as_deref(),
            Some("InstaView <no-reply@interviewd.test>")
        );
        assert_eq!(header("To").as_deref(), Some("candidate@example.com"));
        assert_eq!(header("Subject").as_deref(), Some("Your interview"));
        assert_eq!(
            header("Message-ID").as_deref(),
            Some("<m1@interviewd.test>")
        );
        assert!(header("Date").is_some());
        assert!(header("Content-Type").unwrap().starts_with("text/plain"));
        assert_eq!(body, "Hello,\r\nyour interview is ready.\r\n");
        assert_eq!(names, ["m1.eml", "m2.eml"]);
    }

    #[tokio::test]
    async fn an_erased_message_and_stale_temporary_files_leave_the_outbox() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().to_path_buf();
        let mailer = Mailer::new(MailTransportConfig::Outbox { dir: dir.clone() }).unwrap();
        mailer.send(&mail()).await.unwrap();
        std::fs::write(dir.join(".m9.tmp"), "half a message").unwrap();
        assert!(mailer.forget("<m1@interviewd.test>").await.unwrap());
        assert!(
            !mailer.forget("<m1@interviewd.test>").await.unwrap(),
            "already gone"
        );
        assert!(
            !mailer.forget("<../../etc@x>").await.unwrap(),
            "never outside the outbox"
        );
        assert_eq!(
            mailer
                .sweep_temporary(Duration::from_secs(3600))
                .await
                .unwrap(),
            0
        );
        assert_eq!(mailer.sweep_temporary(Duration::ZERO).await.unwrap(), 1);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn bad_addresses_are_permanent_errors() {
        let root = tempfile::tempdir().unwrap();
        let mailer = Mailer::new(MailTransportConfig::Outbox {
            dir: root.path().into(),
        })
        .unwrap();
        let mut bad = mail();
        bad.to = "not an address".into();
        let err = mailer.send(&bad).await.unwrap_err();
        assert!(
            matches!(err, MailError::InvalidAddress { field: "to" }),
            "{err}"
        );
        assert!(err.is_permanent());
        assert!(!err.to_string().contains("not an address"));
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn credentials_come_in_pairs_and_passwords_stay_hidden() {
        let config = MailTransportConfig::Smtp {
            host: "smtp.example.com".into(),
            port: 587,
            tls: TlsMode::StartTls,
            username: Some("user".into()),
            password: None,
            timeout: Duration::from_secs(10),
        };
        assert!(matches!(Mailer::new(config), Err(MailError::Config(_))));
        let config = MailTransportConfig::Smtp {
            host: "smtp.example.com".into(),
            port: 587,
            tls: TlsMode::StartTls,
            username: Some("user".into()),
            password: Some("hunter2".into()),
            timeout: Duration::from_secs(10),
        };
        assert!(!format!("{config:?}").contains("hunter2"));
        assert!(Mailer::new(config).is_ok());
    }
}
