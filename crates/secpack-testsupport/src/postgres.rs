//! A throwaway PostgreSQL server for tests: `initdb` and `pg_ctl` in a
//! temporary folder, listening on a free port of 127.0.0.1 only, stopped
//! (immediately) and removed when dropped.
//!
//! The binaries are looked for on `PATH` and in `/usr/lib/postgresql/*/bin`
//! (Debian's package `postgresql`). When they are absent, [`TempPostgres::start`]
//! prints why and returns `None`, and the test returns (CI installs them, so
//! there the tests run). `initdb` refuses to run as root: as root, the
//! cluster belongs to the `postgres` user (else `nobody`) and the commands
//! run through `runuser`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running throwaway cluster.
pub struct TempPostgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    owner: Option<String>,
    /// Its port on 127.0.0.1.
    pub port: u16,
}

impl TempPostgres {
    /// Starts a cluster, or says why not (`skipped: ...`) and returns `None`.
    pub fn start() -> Option<Self> {
        let Some(bin) = find_bin() else {
            eprintln!(
                "skipped: PostgreSQL's initdb and pg_ctl are not installed \
                 (apt-get install postgresql)"
            );
            return None;
        };
        let owner = is_root().then(|| {
            if user_exists("postgres") {
                "postgres".to_string()
            } else {
                "nobody".to_string()
            }
        });
        let dir = tempfile::Builder::new()
            .prefix("secpack-pg-")
            .tempdir()
            .unwrap();
        if let Some(owner) = &owner {
            let status = Command::new("chown")
                .arg(owner)
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success(), "chown {owner} {}", dir.path().display());
        }
        let mut pg = Self {
            dir,
            bin,
            owner,
            port: 0,
        };
        let data = pg.data();
        pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "secpack",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
        );
        // A free port, then the server on it (retried: another process may
        // take the port in between).
        for attempt in 0..5 {
            pg.port = free_port();
            let options = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200",
                pg.port,
                pg.dir.path().display()
            );
            let log = pg.dir.path().join("server.log");
            let ok = pg.try_run(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-l",
                    log.to_str().unwrap(),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    &options,
                    "start",
                ],
            );
            if ok {
                return Some(pg);
            }
            eprintln!(
                "pg_ctl start failed (attempt {attempt}): {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        panic!("PostgreSQL did not start");
    }

    /// The URL of database `postgres` as user `secpack`.
    pub fn url(&self) -> String {
        format!("postgres://secpack@127.0.0.1:{}/postgres", self.port)
    }

    /// Runs `sql` with `psql` (output returned).
    pub fn psql(&self, sql: &str) -> String {
        let out = self
            .command("psql")
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", "secpack", "-d", "postgres", "-At", "-c", sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "psql: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The folder holding the cluster's files.
    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        match &self.owner {
            Some(owner) => {
                let mut c = Command::new("runuser");
                c.args(["-u", owner, "--"]).arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    fn try_run(&self, program: &str, args: &[&str]) -> bool {
        let out = self
            .command(program)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        if !out.status.success() {
            eprintln!(
                "{program}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        out.status.success()
    }

    fn run(&self, program: &str, args: &[&str]) {
        assert!(self.try_run(program, args), "{program} failed");
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self
            .command("pg_ctl")
            .args([
                "-D",
                data.to_str().unwrap(),
                "-m",
                "immediate",
                "-w",
                "stop",
            ])
            .current_dir(self.dir.path())
            .output();
    }
}

fn find_bin() -> Option<PathBuf> {
    let has = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin"))
            .collect();
        versions.sort();
        candidates.extend(versions.into_iter().rev());
    }
    candidates.into_iter().find(|d| has(d)).map(|d| {
        // Debian links initdb into /usr/local/bin or elsewhere: use the
        // folder the real binary is in, where psql and pg_ctl are too.
        std::fs::canonicalize(d.join("initdb"))
            .ok()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .filter(|p| has(p))
            .unwrap_or(d)
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn user_exists(name: &str) -> bool {
    Command::new("id")
        .arg(name)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_answers_on_its_port_and_stops_when_dropped() {
        let Some(pg) = TempPostgres::start() else {
            return;
        };
        assert_eq!(pg.psql("SELECT 1 + 1").trim(), "2");
        assert!(pg.url().ends_with(&format!(":{}/postgres", pg.port)));
        let port = pg.port;
        drop(pg);
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    }
}
