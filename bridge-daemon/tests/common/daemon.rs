//! `bridge-daemon serve` as a process, for the tests and benchmarks that drive the real binary:
//! on a loopback address with a token file, audit log and preferences of its own, its log in
//! `daemon.log`; killed when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_bridge-daemon");

pub struct Daemon {
    pub child: Child,
    /// `ws://HOST:PORT`, as the daemon printed it.
    pub url: String,
    /// `HOST:PORT`.
    pub addr: String,
    pub token_file: PathBuf,
    /// The token the daemon read or made at start.
    pub token: String,
    pub dir: PathBuf,
}

impl Daemon {
    /// Start `serve --listen LISTEN` (and `extra` flags) with its files in `dir`; returns once it
    /// printed its address and token file (bounded).
    pub fn start(dir: &Path, listen: &str, extra: &[&str]) -> Daemon {
        let token_file = dir.join("token");
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", listen, "--token-file"])
            .arg(&token_file)
            .arg("--audit-log")
            .arg(dir.join("audit.jsonl"))
            .args(extra)
            // Preferences of the test's own, never the user's.
            .env("CUTBRIDGE_PREFS_DIR", dir.join("prefs"))
            .env("CUTBRIDGE_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("daemon.log")).unwrap())
            .spawn()
            .expect("bridge-daemon starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut url = None;
        let mut lines = Vec::new();
        while url.is_none() && Instant::now() < deadline {
            let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) else {
                continue;
            };
            if let Some(u) = line.strip_prefix("bridge-daemon: listening on ") {
                url = Some(u.trim().to_string());
            }
            lines.push(line);
        }
        let url = url.unwrap_or_else(|| panic!("no address printed: {lines:?}"));
        // The token file line follows: the file is there by then.
        let line = rx
            .recv_timeout(Duration::from_secs(5))
            .expect("the token file line");
        assert!(line.contains(&token_file.display().to_string()), "{line}");
        let token = std::fs::read_to_string(&token_file)
            .unwrap()
            .trim()
            .to_string();
        Daemon {
            child,
            addr: url.trim_start_matches("ws://").to_string(),
            url,
            token_file,
            token,
            dir: dir.to_path_buf(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// What the daemon logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("daemon.log")).unwrap_or_default()
    }

    /// SIGTERM and wait (bounded: 30 s); the exit status.
    pub fn terminate(&mut self) -> ExitStatus {
        let ok = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the daemon ignored SIGTERM for 30 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
