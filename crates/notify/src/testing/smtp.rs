//! A minimal SMTP server for tests: EHLO/HELO, MAIL FROM, RCPT TO, DATA,
//! RSET, NOOP and QUIT, no TLS and no AUTH. It records each accepted
//! message's envelope and data, and can defer the first N messages with a
//! 451 reply to exercise retries.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use super::{lock, wait_for_count};
use crate::mail::{MailTransportConfig, TlsMode};

/// One message the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedMail {
    /// The envelope sender (inside `MAIL FROM:<…>`).
    pub mail_from: String,
    /// The envelope recipients (inside each `RCPT TO:<…>`).
    pub rcpt_to: Vec<String>,
    /// The message as sent after DATA, dot-unstuffed, with CRLF line ends.
    pub data: String,
}

impl ReceivedMail {
    /// The first header called `name` (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let mut found: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(value) = found.as_mut() {
                match line.strip_prefix([' ', '\t']) {
                    Some(rest) => value.push_str(&format!(" {}", rest.trim())),
                    None => break,
                }
            } else if let Some((key, value)) = line.split_once(':')
                && key.eq_ignore_ascii_case(name)
            {
                found = Some(value.trim().to_owned());
            }
        }
        found
    }

    /// Everything after the header block.
    pub fn body(&self) -> &str {
        self.data
            .split_once("\r\n\r\n")
            .map_or("", |(_, body)| body)
    }
}

#[derive(Default)]
struct Shared {
    accepted: Mutex<Vec<ReceivedMail>>,
    to_defer: AtomicUsize,
    deferred: AtomicUsize,
}

/// A recording SMTP server on `127.0.0.1`, stopped when dropped.
///
/// ```ignore
/// let smtp = TestSmtpServer::start().await?;
/// let mailer = Mailer::new(smtp.transport_config())?;
/// mailer.send(&mail).await?;
/// let got = smtp.wait_for(1, Duration::from_secs(5)).await;
/// assert_eq!(got[0].rcpt_to, ["candidate@example.com"]);
/// ```
#[derive(Debug)]
pub struct TestSmtpServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared")
    }
}

impl TestSmtpServer {
    /// Starts a server that accepts every message.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_deferring_first(0).await
    }

    /// Starts a server that answers `451` at the end of DATA for the first
    /// `count` messages and accepts the rest.
    pub async fn start_deferring_first(count: usize) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            to_defer: AtomicUsize::new(count),
            ..Shared::default()
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        Ok(Self { addr, shared, task })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A plain-text SMTP configuration pointing at this server.
    pub fn transport_config(&self) -> MailTransportConfig {
        MailTransportConfig::Smtp {
            host: self.addr.ip().to_string(),
            port: self.addr.port(),
            tls: TlsMode::None,
            username: None,
            password: None,
            timeout: Duration::from_secs(5),
        }
    }

    /// The messages accepted so far, in order.
    pub fn received(&self) -> Vec<ReceivedMail> {
        lock(&self.shared.accepted).clone()
    }

    /// How many messages were answered with 451.
    pub fn deferred(&self) -> usize {
        self.shared.deferred.load(Ordering::SeqCst)
    }

    /// Waits until `count` messages were accepted or `timeout` passed, and
    /// returns the accepted messages.
    pub async fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        wait_for_count(count, timeout, || self.received()).await
    }
}

impl Drop for TestSmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    // Owning the connections here means aborting this task ends them too.
    let mut connections = JoinSet::new();
    while let Ok((stream, _)) = listener.accept().await {
        connections.spawn(serve_connection(stream, Arc::clone(&shared)));
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    writer.write_all(b"220 localhost test SMTP\r\n").await?;
    let mut mail_from = String::new();
    let mut rcpt_to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line).trim_end().to_owned();
        let verb = command
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-localhost\r\n250 8BITMIME\r\n",
            "HELO" | "NOOP" => b"250 OK\r\n",
            "MAIL" => {
                mail_from = angle_bracketed(&command);
                rcpt_to.clear();
                b"250 OK\r\n"
            }
            "RCPT" => {
                rcpt_to.push(angle_bracketed(&command));
                b"250 OK\r\n"
            }
            "RSET" => {
                mail_from.clear();
                rcpt_to.clear();
                b"250 OK\r\n"
            }
            "DATA" => {
                writer
                    .write_all(b"354 end data with <CRLF>.<CRLF>\r\n")
                    .await?;
                let data = read_data(&mut reader).await?;
                let mail = ReceivedMail {
                    mail_from: std::mem::take(&mut mail_from),
                    rcpt_to: std::mem::take(&mut rcpt_to),
                    data,
                };
                accept_or_defer(&shared, mail)
            }
            "QUIT" => {
                writer.write_all(b"221 bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 command not implemented\r\n",
        };
        writer.write_all(reply).await?;
    }
}

fn accept_or_defer(shared: &Shared, mail: ReceivedMail) -> &'static [u8] {
    let defer = shared
        .to_defer
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if defer {
        shared.deferred.fetch_add(1, Ordering::SeqCst);
        b"451 4.3.0 try again later\r\n"
    } else {
        lock(&shared.accepted).push(mail);
        b"250 2.0.0 queued\r\n"
    }
}

/// Reads DATA lines up to the lone `.`, undoing dot-stuffing.
async fn read_data<R: tokio::io::AsyncBufRead + Unpin>(reader: &mut R) -> std::io::Result<String> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == b".\r\n" || line == b".\n" {
            return Ok(String::from_utf8_lossy(&data).into_owned());
        }
        let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
        data.extend_from_slice(unstuffed);
    }
}

fn angle_bracketed(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map_or_else(String::new, |(inside, _)| inside.to_owned())
}
