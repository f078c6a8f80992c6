//! The real daemon process and a hand-driven WebSocket client, for the attack tests
//! (`tests/attacks.rs`) and their benchmark (`benches/attacks.rs`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub use super::daemon::Daemon;

/// What the tests read of the daemon process in /proc.
impl Daemon {
    /// A line of /proc/PID/status in kB.
    pub fn status_kb(&self, key: &str) -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        s.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {key} in /proc status"))
    }

    /// The peak resident set so far, in MB.
    pub fn peak_mb(&self) -> u64 {
        self.status_kb("VmHWM:") / 1024
    }

    pub fn rss_mb(&self) -> u64 {
        self.status_kb("VmRSS:") / 1024
    }

    pub fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .map(|d| d.count())
            .unwrap_or(0)
    }
}

/// A client frame (masked, as RFC 6455 §5.3 requires of clients).
pub fn frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![(if fin { 0x80 } else { 0 }) | opcode];
    frame_header_len(&mut f, payload.len() as u64);
    let key = [0x37, 0xfa, 0x21, 0x3d];
    f.extend(key);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    f
}

pub fn frame_header_len(f: &mut Vec<u8>, len: u64) {
    match len {
        0..=125 => f.push(0x80 | len as u8),
        126..=65535 => {
            f.push(0x80 | 126);
            f.extend((len as u16).to_be_bytes());
        }
        _ => {
            f.push(0x80 | 127);
            f.extend(len.to_be_bytes());
        }
    }
}

pub const UPGRADE: &str = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

/// A hand-driven WebSocket client on a blocking socket: it can do what well-behaved libraries
/// refuse to (never read, flood, announce huge frames).
pub struct Raw {
    pub tcp: TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    pub fn connect(addr: &str) -> Raw {
        let mut tcp = TcpStream::connect(addr).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        tcp.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
        tcp.write_all(UPGRADE.as_bytes()).unwrap();
        let mut raw = Raw {
            tcp,
            buf: Vec::new(),
        };
        let mut chunk = [0u8; 4096];
        while !raw.buf.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = raw.tcp.read(&mut chunk).unwrap();
            assert!(n > 0, "closed during the handshake");
            raw.buf.extend_from_slice(&chunk[..n]);
        }
        let end = raw.buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        let head = String::from_utf8_lossy(&raw.buf[..end]).to_string();
        assert!(head.starts_with("HTTP/1.1 101"), "{head}");
        raw.buf.drain(..end);
        raw
    }

    pub fn send_text(&mut self, text: &str) {
        self.tcp
            .write_all(&frame(true, 1, text.as_bytes()))
            .unwrap();
    }

    /// The next server frame: opcode and payload; `None` when the socket closed.
    pub fn next_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        loop {
            if self.buf.len() >= 2 {
                let len7 = (self.buf[1] & 0x7f) as usize;
                let (len, at) = match len7 {
                    126 if self.buf.len() >= 4 => {
                        (u16::from_be_bytes([self.buf[2], self.buf[3]]) as usize, 4)
                    }
                    127 if self.buf.len() >= 10 => (
                        u64::from_be_bytes(self.buf[2..10].try_into().unwrap()) as usize,
                        10,
                    ),
                    126 | 127 => (usize::MAX, 0),
                    n => (n, 2),
                };
                if len != usize::MAX && self.buf.len() >= at + len {
                    let op = self.buf[0] & 0x0f;
                    let payload = self.buf[at..at + len].to_vec();
                    self.buf.drain(..at + len);
                    return Some((op, payload));
                }
            }
            let mut chunk = [0u8; 65536];
            match self.tcp.read(&mut chunk) {
                Ok(0) | Err(_) => return None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// The next text frame that is a response (notifications and pings skipped).
    pub fn response(&mut self) -> Value {
        loop {
            match self.next_frame() {
                Some((1, p)) => {
                    let v: Value = serde_json::from_slice(&p).unwrap();
                    if v.get("method").is_none() {
                        return v;
                    }
                }
                Some((8, p)) => panic!("closed: {}", String::from_utf8_lossy(&p)),
                Some(_) => {}
                None => panic!("the connection ended before a response"),
            }
        }
    }

    pub fn call(&mut self, id: i64, method: &str, params: Value) -> Value {
        self.send_text(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string(),
        );
        let r = self.response();
        assert_eq!(r["id"], id, "{r}");
        r
    }

    pub fn hello(&mut self, token: &str) {
        let r = self.call(
            0,
            "session.hello",
            json!({"token": token, "client": "attack test"}),
        );
        assert!(r.get("result").is_some(), "{r}");
    }

    /// The close code the server sent, if the connection ends with one (bounded wait).
    pub fn close_code(&mut self) -> Option<u16> {
        self.tcp
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        for _ in 0..100_000 {
            match self.next_frame() {
                Some((8, p)) if p.len() >= 2 => return Some(u16::from_be_bytes([p[0], p[1]])),
                Some((8, _)) | None => return None,
                Some(_) => {}
            }
        }
        None
    }
}

/// An editor with the token: connect, hello, sync a small timeline; how long it took.
pub fn editor_served(d: &Daemon) -> Duration {
    let t = Instant::now();
    let mut e = Raw::connect(&d.addr);
    e.hello(&d.token);
    let r = e.call(
        1,
        "timeline.sync",
        json!({"timeline": super::timeline_json(8)}),
    );
    assert!(r["result"]["fingerprint"].is_string(), "{r}");
    t.elapsed()
}

/// Write `bytes` over and over until the socket refuses or `budget` passes; bytes written.
pub fn flood(tcp: &mut TcpStream, bytes: &[u8], budget: Duration) -> usize {
    tcp.set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let t = Instant::now();
    let mut sent = 0;
    while t.elapsed() < budget {
        match tcp.write(bytes) {
            Ok(0) | Err(_) => break,
            Ok(n) => sent += n,
        }
    }
    sent
}

/// The soft limit on open files of this process.
pub fn fd_limit() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3)?.parse().ok())
        })
        .unwrap_or(1024)
}

/// A thousand pings of 125 bytes: one write of a ping flood.
pub fn pings() -> Vec<u8> {
    (0..1000)
        .flat_map(|_| frame(true, 9, &[7u8; 125]))
        .collect()
}

/// Before hello, announce a 31 MB text message and send its bytes for `budget`: how many the
/// socket took, and the close code the daemon sent.
pub fn big_message_before_hello(addr: &str, budget: Duration) -> (usize, Option<u16>) {
    let mut a = Raw::connect(addr);
    let mut head = vec![0x81];
    frame_header_len(&mut head, 31 << 20);
    head.extend([1, 2, 3, 4]);
    a.tcp.write_all(&head).unwrap();
    let sent = flood(&mut a.tcp, &vec![b' '; 1 << 20], budget);
    (sent, a.close_code())
}

/// Instructions that each make a cut list of every clip, taken in turn by the memory attack.
pub const EVERY_CLIP_EDITS: [&str; 4] = [
    "add a 12-frame dissolve between every shot",
    "speed up every clip 2x",
    "delete the third shot",
    "add a 6-frame dissolve between every shot",
];

/// `n` instructions on the synced timeline `fingerprint`, ids from `first_id`; each must answer
/// with a result.
pub fn instruct_many(e: &mut Raw, fingerprint: &str, first_id: i64, n: i64) {
    for i in 0..n {
        let text = EVERY_CLIP_EDITS[i as usize % EVERY_CLIP_EDITS.len()];
        let r = e.call(
            first_id + i,
            "edit.instruct",
            json!({"text": text, "fingerprint": fingerprint}),
        );
        assert!(r.get("result").is_some(), "{r}");
    }
}

/// `serve` with the OpenAI-compatible model server at `model_url` (one that does not answer in
/// time), an instruction waiting on it (`asked` says when the server has it), then SIGTERM: how
/// long the daemon took to exit, and how it exited.
pub fn sigterm_with_a_blocked_request(
    dir: &Path,
    model_url: &str,
    asked: impl Fn() -> bool,
) -> (Duration, ExitStatus) {
    let mut d = Daemon::start(
        dir,
        "127.0.0.1:0",
        &[
            "--backend",
            "openai",
            "--openai-url",
            model_url,
            "--openai-model",
            "glm",
            "--openai-timeout",
            "120",
        ],
    );
    let mut c = Raw::connect(&d.addr);
    c.hello(&d.token);
    c.send_text(
        &json!({"jsonrpc": "2.0", "id": 1, "method": "edit.instruct",
                "params": {"text": "delete the second shot",
                           "timeline": super::timeline_json(6)}})
        .to_string(),
    );
    let until = Instant::now() + Duration::from_secs(20);
    while !asked() {
        assert!(
            Instant::now() < until,
            "the request never reached the model server"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let t = Instant::now();
    let status = d.terminate();
    (t.elapsed(), status)
}
