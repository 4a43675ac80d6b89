//! A throwaway PostgreSQL cluster on a loopback port, without Docker: the tests and the
//! benchmarks start one from the installed server binaries.
//!
//! [`Cluster::start`] runs `initdb` into a temporary directory and `pg_ctl start` on a free
//! port of 127.0.0.1 — as the `postgres` user when running as root, since the server refuses
//! to run as root. A small watchdog shell process stops the server and deletes the directory
//! as soon as the [`Cluster`] is dropped or the owning process exits, even by a crash, so no
//! cluster outlives its owner.
//!
//! The server settings are the caller's: the tests trade durability for speed
//! ([`THROWAWAY_SETTINGS`]), the benchmarks keep PostgreSQL's defaults.

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// How to get PostgreSQL onto a machine that lacks it.
pub const INSTALL_HINT: &str = "the PostgreSQL server binaries are needed: install them \
     (Debian/Ubuntu: `apt-get install postgresql`; elsewhere put `pg_ctl` on PATH or name \
     their directory in the environment variable the caller documents)";

/// Settings for a cluster whose data may be lost: no fsync, asynchronous commit, no full-page
/// writes, and room for many connections. Fast, and only fit for tests.
pub const THROWAWAY_SETTINGS: &[(&str, &str)] = &[
    ("max_connections", "400"),
    ("fsync", "off"),
    ("synchronous_commit", "off"),
    ("full_page_writes", "off"),
];

/// What went wrong starting or driving a cluster.
#[derive(Debug, Clone)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Self(message)
    }
}

/// How to start a cluster.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The directory of `initdb` and `pg_ctl`; found with [`bin_dir`] when `None`.
    pub bin_dir: Option<PathBuf>,
    /// Server settings passed as `-c name=value` (besides the port, the socket directory and
    /// `listen_addresses`, which the cluster sets itself).
    pub settings: Vec<(String, String)>,
}

impl Options {
    /// Options with `settings` and the binaries found by [`bin_dir`].
    pub fn with_settings(settings: &[(&str, &str)]) -> Self {
        Self {
            bin_dir: None,
            settings: settings
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }
}

/// The directory of `initdb` and `pg_ctl`: `explicit` when given, else the newest
/// `/usr/lib/postgresql/<version>/bin` (Debian's layout), else `pg_config --bindir`.
pub fn bin_dir(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(dir) = explicit {
        return Some(dir.to_path_buf());
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
    settings: Vec<(String, String)>,
    as_postgres: bool,
    keepalive: PathBuf,
    watchdog: Option<Child>,
}

impl Cluster {
    /// Creates and starts a cluster (takes a few seconds).
    pub fn start(options: &Options) -> Result<Self, Error> {
        let bin = bin_dir(options.bin_dir.as_deref()).ok_or_else(|| INSTALL_HINT.to_owned())?;
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
            settings: options.settings.clone(),
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
        let mut last = Error(String::new());
        for _ in 0..3 {
            cluster.port = free_port()?;
            match cluster.pg_ctl(&["start"]) {
                Ok(()) => return Ok(cluster),
                Err(e) => last = e,
            }
        }
        Err(format!("starting PostgreSQL failed: {last}").into())
    }

    /// The URL of the `postgres` database as the superuser `postgres`.
    pub fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The directory of the server binaries this cluster runs.
    pub fn bin_dir(&self) -> &Path {
        &self.bin
    }

    /// The server settings this cluster was started with.
    pub fn settings(&self) -> &[(String, String)] {
        &self.settings
    }

    /// Restarts the server (`pg_ctl restart -m fast`): every connection is cut, and the
    /// server is back when this returns.
    pub fn restart(&self) -> Result<(), Error> {
        self.pg_ctl(&["-m", "fast", "restart"])
    }

    /// Stops the server (`pg_ctl stop -m fast`) until [`Self::start_again`].
    pub fn stop(&self) -> Result<(), Error> {
        self.pg_ctl(&["-m", "fast", "stop"])
    }

    /// Starts a stopped server again, on the same port.
    pub fn start_again(&self) -> Result<(), Error> {
        self.pg_ctl(&["start"])
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

    fn pg_ctl(&self, action: &[&str]) -> Result<(), Error> {
        let dir = self.dir();
        let mut options = format!(
            "-k {} -p {} -c listen_addresses=127.0.0.1",
            dir.display(),
            self.port
        );
        for (name, value) in &self.settings {
            options.push_str(&format!(" -c {name}={value}"));
        }
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
    fn spawn_watchdog(&self, dir: &Path) -> Result<Child, Error> {
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
            .map_err(|e| Error(format!("starting the cluster's watchdog: {e}")))
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

fn run(command: &mut Command) -> Result<(), Error> {
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
        )
        .into())
    }
}

fn free_port() -> Result<u16, Error> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_explicit_binary_directory_wins() {
        let dir = Path::new("/opt/pg/bin");
        assert_eq!(bin_dir(Some(dir)), Some(dir.to_path_buf()));
    }

    #[test]
    fn options_carry_the_settings() {
        let options = Options::with_settings(THROWAWAY_SETTINGS);
        assert!(options.settings.contains(&("fsync".into(), "off".into())));
        assert_eq!(options.bin_dir, None);
    }
}
