//! The node's connection to bridge-daemon: JSON-RPC 2.0 over a WebSocket, on a thread of its own.
//!
//! Knows nothing of OpenFX. A host thread never touches the socket: it hands work to the
//! connection thread through two channels and goes on. Frames (from render calls) go through a
//! bounded queue with `try_send`, so a render call never blocks: when the queue is full or the
//! daemon is away, frames are dropped and counted. Instructions (from the Send button) go through
//! the command channel, each with its own answer channel (the request carries its response
//! channel), and the caller decides how long to wait for the answer.
//!
//! The conversation: connect (lazily, when there is something to send), `session.hello {token,
//! client: "ofx", version, roles: ["editor"]}` and wait for its result, then `edit.instruct {text}`
//! requests and `analysis.frames {node, frames}` notifications. While the daemon is unreachable,
//! frames make at most one connection attempt per [`RETRY_AFTER`]; an instruction always tries.
//!
//! The token is read at each connection, from `CUTBRIDGE_TOKEN` (the token itself), else the file
//! named by `CUTBRIDGE_TOKEN_FILE`, else the daemon's default token file
//! `<config dir>/cutbridge/token` (Linux `$XDG_CONFIG_HOME` or `~/.config`, macOS
//! `~/Library/Application Support`, Windows `%APPDATA%`).

use crate::analysis::FrameFeatures;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TryRecvError, TrySendError};
use protocol::wire;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket};

/// Where the daemon listens unless the node's address parameter says otherwise.
pub const DEFAULT_ADDRESS: &str = "127.0.0.1:7717";
/// Frames waiting for the connection thread; more are dropped.
pub const FRAME_QUEUE: usize = 64;
/// Frames in one `analysis.frames` notification at most.
const FRAMES_PER_MESSAGE: usize = 32;
/// After a failed connection, frames wait this long before the next attempt.
pub const RETRY_AFTER: Duration = Duration::from_secs(2);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// For the WebSocket handshake and `session.hello`, and for any one write.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long the thread waits for work before it looks at the socket again.
const POLL: Duration = Duration::from_millis(20);
/// How long one look at the socket may block when nothing has arrived.
const READ_TIMEOUT: Duration = Duration::from_millis(1);

/// What went wrong between the node and the daemon. The messages are what the node's status
/// parameter shows.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("daemon not reachable at {address} ({reason}); is bridge-daemon running?")]
    Unreachable { address: String, reason: String },
    #[error("bad daemon address {0:?}: write host:port or ws://host:port/path")]
    BadAddress(String),
    #[error("no daemon token: {0}")]
    NoToken(String),
    #[error("the daemon refused the session: {0}")]
    Refused(String),
    #[error("the daemon answered with error {code}: {message}")]
    Rpc { code: i64, message: String },
    #[error("the connection to the daemon was lost: {0}")]
    Lost(String),
}

/// One analysed frame as it travels in `analysis.frames`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FrameReport {
    /// Clip time, in frames.
    pub time: f64,
    pub width: u32,
    pub height: u32,
    /// [`crate::analysis::shot_change`] against the frame at `time - 1`, when that one was seen.
    pub shot_change: Option<f32>,
    #[serde(flatten)]
    pub features: FrameFeatures,
}

enum Command {
    Instruct {
        text: String,
        answer: Sender<Result<String, LinkError>>,
    },
    SetAddress(String),
    Shutdown,
}

/// The answer to one instruction, when it comes.
#[derive(Debug)]
pub struct Answer(Receiver<Result<String, LinkError>>);

impl Answer {
    /// Waits up to `timeout`; `None` when the daemon has not answered yet.
    pub fn wait(&self, timeout: Duration) -> Option<Result<String, LinkError>> {
        match self.0.recv_timeout(timeout) {
            Ok(answer) => Some(answer),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => Some(Err(thread_gone())),
        }
    }

    /// The answer if it has come, without waiting.
    pub fn try_take(&self) -> Option<Result<String, LinkError>> {
        match self.0.try_recv() {
            Ok(answer) => Some(answer),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(thread_gone())),
        }
    }
}

fn thread_gone() -> LinkError {
    LinkError::Lost("the connection thread stopped".into())
}

/// A running connection thread. Dropping it stops the thread and waits for it (so that no code of
/// the plug-in runs after the host unloads the binary).
#[derive(Debug)]
pub struct DaemonLink {
    commands: Sender<Command>,
    frames: Sender<FrameReport>,
    dropped: AtomicU64,
    worker: Option<JoinHandle<()>>,
}

impl DaemonLink {
    /// Starts the connection thread for the node `node` (its id in `analysis.frames`). Nothing
    /// connects until there is something to send.
    pub fn start(address: &str, node: String) -> std::io::Result<DaemonLink> {
        let (commands, command_rx) = crossbeam_channel::unbounded();
        let (frames, frame_rx) = crossbeam_channel::bounded(FRAME_QUEUE);
        let worker = Worker {
            address: address.trim().to_string(),
            node,
            commands: command_rx,
            frames: frame_rx,
            session: None,
            retry_at: Instant::now(),
            batch: Vec::new(),
        };
        let handle = std::thread::Builder::new()
            .name("cutbridge-ofx-daemon".into())
            .spawn(move || worker.run())?;
        Ok(DaemonLink {
            commands,
            frames,
            dropped: AtomicU64::new(0),
            worker: Some(handle),
        })
    }

    /// Queues a frame for `analysis.frames` without waiting; false (and counted) when the queue
    /// is full.
    pub fn offer_frame(&self, frame: FrameReport) -> bool {
        match self.frames.try_send(frame) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    /// Frames dropped so far because the queue was full.
    pub fn frames_dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Sends `edit.instruct {text}`; the answer is the result's summary.
    pub fn instruct(&self, text: &str) -> Answer {
        let (answer, rx) = crossbeam_channel::bounded(1);
        let command = Command::Instruct {
            text: text.to_string(),
            answer,
        };
        // A send error means the thread is gone; the dropped sender then answers that.
        let _ = self.commands.send(command);
        Answer(rx)
    }

    /// Talks to the daemon at `address` from now on (the current connection is closed).
    pub fn set_address(&self, address: &str) {
        let _ = self
            .commands
            .send(Command::SetAddress(address.trim().to_string()));
    }
}

impl Drop for DaemonLink {
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Shutdown);
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

/// An authenticated connection.
struct Session {
    socket: WebSocket<TcpStream>,
    next_id: u64,
    /// Instructions sent and not answered yet, by request id.
    waiting: HashMap<u64, Sender<Result<String, LinkError>>>,
}

struct Worker {
    address: String,
    node: String,
    commands: Receiver<Command>,
    frames: Receiver<FrameReport>,
    session: Option<Session>,
    /// Frames do not try to connect before this.
    retry_at: Instant,
    batch: Vec<FrameReport>,
}

impl Worker {
    fn run(mut self) {
        loop {
            let wait = if self.session.is_some() {
                POLL
            } else {
                POLL * 10
            };
            crossbeam_channel::select! {
                recv(self.commands) -> command => match command {
                    Ok(Command::Shutdown) | Err(_) => break,
                    Ok(command) => self.handle(command),
                },
                recv(self.frames) -> frame => match frame {
                    Ok(frame) => self.batch.push(frame),
                    Err(_) => break,
                },
                default(wait) => {}
            }
            self.batch.extend(self.frames.try_iter().take(FRAME_QUEUE));
            self.send_frames();
            self.read_incoming();
        }
        if let Some(mut session) = self.session.take() {
            let _ = session.socket.close(None);
            let _ = session.socket.flush();
        }
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Instruct { text, answer } => {
                // An instruction is the editor's explicit wish: try now, whatever the backoff.
                if let Err(e) = self.ensure_session() {
                    self.retry_at = Instant::now() + RETRY_AFTER;
                    let _ = answer.send(Err(e));
                    return;
                }
                let Some(session) = self.session.as_mut() else {
                    return;
                };
                let id = session.next_id;
                session.next_id += 1;
                let request = message(
                    Some(id),
                    wire::method::INSTRUCT,
                    wire::InstructParams {
                        text,
                        timeline: None,
                        fingerprint: None,
                        selection: None,
                    },
                );
                match session.socket.send(Message::text(request)) {
                    Ok(()) => {
                        session.waiting.insert(id, answer);
                    }
                    Err(e) => {
                        let _ = answer.send(Err(LinkError::Lost(e.to_string())));
                        self.lose(e.to_string());
                    }
                }
            }
            Command::SetAddress(address) => {
                if address != self.address {
                    self.address = address;
                    self.lose("the daemon address changed".into());
                    self.retry_at = Instant::now();
                }
            }
            Command::Shutdown => {}
        }
    }

    fn send_frames(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let backing_off = self.session.is_none() && Instant::now() < self.retry_at;
        if backing_off || self.ensure_session().is_err() {
            if !backing_off {
                self.retry_at = Instant::now() + RETRY_AFTER;
            }
            // Analysis is best effort: frames seen while the daemon is away are not kept.
            self.batch.clear();
            return;
        }
        let Some(session) = self.session.as_mut() else {
            return;
        };
        let mut failure = None;
        for frames in self.batch.chunks(FRAMES_PER_MESSAGE) {
            // FrameReport is wire::AnalysisFrame with the fields the daemon does not read (size,
            // histogram), which the schema allows (a test checks one reads as the other).
            let note = message(
                None,
                wire::method::ANALYSIS_FRAMES,
                json!({"node": self.node, "frames": frames}),
            );
            if let Err(e) = session.socket.send(Message::text(note)) {
                failure = Some(e.to_string());
                break;
            }
        }
        self.batch.clear();
        if let Some(why) = failure {
            self.lose(why);
        }
    }

    /// Reads whatever the daemon has sent, without blocking for more than [`READ_TIMEOUT`].
    fn read_incoming(&mut self) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        loop {
            match session.socket.read() {
                Ok(Message::Text(text)) => dispatch(session, text.as_str()),
                Ok(Message::Close(_)) => {
                    self.lose("the daemon closed the connection".into());
                    return;
                }
                // Pings are answered by tungstenite itself; binary frames are not for us.
                Ok(_) => {}
                Err(tungstenite::Error::Io(e)) if is_timeout(&e) => return,
                Err(e) => {
                    self.lose(e.to_string());
                    return;
                }
            }
        }
    }

    /// Drops the connection; every instruction waiting on it is answered with the reason.
    fn lose(&mut self, why: String) {
        if let Some(session) = self.session.take() {
            for (_, answer) in session.waiting {
                let _ = answer.send(Err(LinkError::Lost(why.clone())));
            }
        }
    }

    fn ensure_session(&mut self) -> Result<(), LinkError> {
        if self.session.is_none() {
            self.session = Some(connect(&self.address)?);
        }
        Ok(())
    }
}

/// Routes one message from the daemon: answers go to the instruction waiting for them; the
/// daemon's notifications (`edit.proposed`, `progress`, `log`) are not for this node.
fn dispatch(session: &mut Session, text: &str) {
    let Ok(message) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let Some(id) = message.get("id").and_then(Value::as_u64) else {
        return;
    };
    let Some(answer) = session.waiting.remove(&id) else {
        return;
    };
    let _ = answer.send(match message.get("error") {
        Some(error) => Err(rpc_error(error)),
        None => Ok(summarise(message.get("result").unwrap_or(&Value::Null))),
    });
}

fn rpc_error(error: &Value) -> LinkError {
    LinkError::Rpc {
        code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
        message: error
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("no message")
            .to_string(),
    }
}

/// What the node shows of an `edit.instruct` result: its `summary`, or failing that the number
/// of operations, or failing that the JSON itself (shortened).
pub fn summarise(result: &Value) -> String {
    if let Some(summary) = result.get("summary").and_then(Value::as_str) {
        return summary.to_string();
    }
    if let Some(ops) = result
        .pointer("/cut_list/operations")
        .and_then(Value::as_array)
    {
        return format!("{} operation(s)", ops.len());
    }
    let mut text = result.to_string();
    if text.len() > 200 {
        let mut cut = 200;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// `host:port` and the WebSocket URL for an address as the editor writes it: `host:port`,
/// `host` (port 7717), or `ws://host:port/path`.
pub fn parse_address(address: &str) -> Result<(String, String), LinkError> {
    let bad = || LinkError::BadAddress(address.to_string());
    let trimmed = address.trim();
    let rest = match trimmed.split_once("://") {
        Some(("ws", rest)) => rest,
        Some(_) => return Err(bad()),
        None => trimmed,
    };
    let (host_port, path) = match rest.find('/') {
        Some(slash) => (&rest[..slash], &rest[slash..]),
        None => (rest, "/"),
    };
    if host_port.is_empty() || host_port.contains(char::is_whitespace) {
        return Err(bad());
    }
    let has_port = match host_port.rfind(']') {
        Some(bracket) => host_port[bracket..].contains(':'),
        None => host_port.contains(':'),
    };
    let host_port = if has_port {
        host_port.to_string()
    } else {
        format!("{host_port}:7717")
    };
    let url = format!("ws://{host_port}{path}");
    Ok((host_port, url))
}

/// Connects, shakes hands and says hello; returns the authenticated session.
fn connect(address: &str) -> Result<Session, LinkError> {
    let (host_port, url) = parse_address(address)?;
    let unreachable = |reason: String| LinkError::Unreachable {
        address: host_port.clone(),
        reason,
    };
    let targets: Vec<SocketAddr> = host_port
        .to_socket_addrs()
        .map_err(|e| unreachable(e.to_string()))?
        .collect();
    let mut last = String::from("no address");
    let mut stream = None;
    for target in targets {
        match TcpStream::connect_timeout(&target, CONNECT_TIMEOUT) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = e.to_string(),
        }
    }
    let stream = stream.ok_or_else(|| unreachable(last))?;
    let io = |e: std::io::Error| unreachable(e.to_string());
    stream.set_nodelay(true).map_err(io)?;
    stream
        .set_read_timeout(Some(HANDSHAKE_TIMEOUT))
        .map_err(io)?;
    stream
        .set_write_timeout(Some(HANDSHAKE_TIMEOUT))
        .map_err(io)?;
    let (mut socket, _) = tungstenite::client(url.as_str(), stream)
        .map_err(|e| unreachable(format!("WebSocket handshake failed: {e}")))?;

    let token = read_token()?;
    let hello = message(
        Some(0),
        wire::method::HELLO,
        wire::HelloParams {
            token,
            client: "ofx".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            roles: vec![wire::Role::Editor],
            progress: false,
        },
    );
    socket
        .send(Message::text(hello))
        .map_err(|e| unreachable(e.to_string()))?;
    let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
    loop {
        if Instant::now() > deadline {
            return Err(unreachable("no answer to session.hello".into()));
        }
        let text = match socket.read() {
            Ok(Message::Text(text)) => text,
            Ok(Message::Close(_)) => return Err(unreachable("closed during session.hello".into())),
            Ok(_) => continue,
            Err(tungstenite::Error::Io(e)) if is_timeout(&e) => {
                return Err(unreachable("no answer to session.hello".into()));
            }
            Err(e) => return Err(unreachable(e.to_string())),
        };
        let Ok(reply) = serde_json::from_str::<Value>(text.as_str()) else {
            continue;
        };
        if reply.get("id").and_then(Value::as_u64) != Some(0) {
            continue;
        }
        if let Some(error) = reply.get("error") {
            return Err(LinkError::Refused(rpc_error(error).to_string()));
        }
        break;
    }
    socket
        .get_mut()
        .set_read_timeout(Some(READ_TIMEOUT))
        .map_err(io)?;
    Ok(Session {
        socket,
        next_id: 1,
        waiting: HashMap::new(),
    })
}

/// A JSON-RPC message as `protocol::wire` defines it: a request with `id`, a notification without.
fn message(id: Option<u64>, method: &str, params: impl Serialize) -> String {
    let request = wire::Request {
        jsonrpc: wire::Version::V2,
        id: id.map(|i| wire::Id::Number(i as i64)),
        method: method.into(),
        // Plain structs and numbers: serializing them cannot fail.
        params: serde_json::to_value(params).ok(),
    };
    serde_json::to_string(&request).unwrap_or_default()
}

/// The token, from the environment or the daemon's token file (see the module docs).
fn read_token() -> Result<String, LinkError> {
    if let Ok(token) = std::env::var("CUTBRIDGE_TOKEN") {
        return Ok(token.trim().to_string());
    }
    // protocol::paths: $CUTBRIDGE_TOKEN_FILE, else <config dir>/cutbridge/token.
    let path = protocol::paths::default_token_file().ok_or_else(|| {
        LinkError::NoToken("this system has no config folder; set CUTBRIDGE_TOKEN_FILE".into())
    })?;
    match std::fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => Ok(text.trim().to_string()),
        Ok(_) => Err(LinkError::NoToken(format!("{} is empty", path.display()))),
        Err(e) => Err(LinkError::NoToken(format!(
            "cannot read {}: {e} (bridge-daemon writes it when it first starts)",
            path.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_the_protocols_types() {
        let hello: wire::Request = serde_json::from_str(&message(
            Some(0),
            wire::method::HELLO,
            wire::HelloParams {
                token: "t".into(),
                client: "ofx".into(),
                version: "1".into(),
                roles: vec![wire::Role::Editor],
                progress: false,
            },
        ))
        .unwrap();
        assert_eq!(hello.id, Some(wire::Id::Number(0)));
        let params: wire::HelloParams = serde_json::from_value(hello.params.unwrap()).unwrap();
        assert_eq!(params.roles, vec![wire::Role::Editor]);
        // A frame report reads as the protocol's analysis frame (its extra fields are allowed).
        let report = FrameReport {
            time: 12.0,
            width: 64,
            height: 36,
            shot_change: Some(0.25),
            features: FrameFeatures {
                mean_luma: 0.5,
                warmth: 0.1,
                temperature: crate::analysis::Temperature::Neutral,
                histogram: [0.0; crate::analysis::HISTOGRAM_BINS],
                black: false,
                dark: false,
                bright: false,
                samples: 100,
            },
        };
        let note: wire::Request = serde_json::from_str(&message(
            None,
            wire::method::ANALYSIS_FRAMES,
            json!({"node": "n1", "frames": [report]}),
        ))
        .unwrap();
        assert_eq!(note.id, None, "a notification has no id");
        let frames: wire::AnalysisFramesParams =
            serde_json::from_value(note.params.unwrap()).unwrap();
        assert_eq!(frames.node, "n1");
        assert_eq!(frames.frames[0].time, 12.0);
        assert_eq!(frames.frames[0].shot_change, Some(0.25));
        assert!((frames.frames[0].mean_luma - 0.5).abs() < 1e-6);
    }

    #[test]
    fn addresses_as_the_editor_writes_them() {
        let ok = |a: &str| parse_address(a).unwrap();
        assert_eq!(ok("127.0.0.1:7717").1, "ws://127.0.0.1:7717/");
        assert_eq!(ok(" localhost ").0, "localhost:7717");
        assert_eq!(ok("ws://host:9/rpc").1, "ws://host:9/rpc");
        assert_eq!(ok("[::1]").0, "[::1]:7717");
        assert_eq!(ok("[::1]:80").0, "[::1]:80");
        for bad in ["", "wss://host:1", "http://x", "a b:1"] {
            assert!(
                matches!(parse_address(bad), Err(LinkError::BadAddress(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_result_is_summarised_for_the_node() {
        assert_eq!(
            summarise(&json!({"summary": "deleted 3 clips"})),
            "deleted 3 clips"
        );
        assert_eq!(
            summarise(&json!({"cut_list": {"operations": [1, 2]}})),
            "2 operation(s)"
        );
        let long = summarise(&json!({"x": "é".repeat(300)}));
        assert!(long.ends_with('…') && long.len() <= 204);
    }

    #[test]
    fn an_unreachable_daemon_is_reported_as_such() {
        // A port that was just free: nothing listens there.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let link = DaemonLink::start(&format!("127.0.0.1:{port}"), "test".into()).unwrap();
        let answer = link.instruct("delete the first clip");
        let got = answer.wait(Duration::from_secs(5)).expect("an answer");
        let e = got.unwrap_err();
        assert!(matches!(e, LinkError::Unreachable { .. }), "{e:?}");
        assert!(e.to_string().starts_with("daemon not reachable"), "{e}");
    }
}
