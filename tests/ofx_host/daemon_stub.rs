//! A stand-in for bridge-daemon's WebSocket server: JSON-RPC 2.0 on 127.0.0.1 (port 0), with
//! the contract of DESIGN.md and `protocol::wire`: `session.hello {token, client, version, roles}`
//! first (a wrong token gets error -32001 and nothing else is served before a good hello), then
//! `edit.instruct {text}` answered with a summary, and `analysis.frames {node, frames}`
//! notifications recorded. Everything received is logged for the test to inspect.

use serde_json::{Value, json};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket};

/// An address where no daemon listens (a loopback port that was free a moment ago).
pub fn unused_address() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().unwrap().to_string()
}

/// One JSON-RPC message the stub received, by method.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub params: Value,
    /// Whether it carried an id (a request) or not (a notification).
    pub request: bool,
}

#[derive(Debug)]
pub struct StubDaemon {
    pub address: String,
    log: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl StubDaemon {
    /// Listens on a free loopback port and serves sessions that present `token`.
    pub fn start(token: &str) -> StubDaemon {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the stub daemon");
        let address = listener.local_addr().unwrap().to_string();
        listener.set_nonblocking(true).unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let (log, stop, token) = (log.clone(), stop.clone(), token.to_string());
            std::thread::spawn(move || {
                let mut sessions = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (log, stop, token) = (log.clone(), stop.clone(), token.clone());
                            sessions.push(std::thread::spawn(move || {
                                serve(stream, &token, &log, &stop)
                            }));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
                for session in sessions {
                    let _ = session.join();
                }
            })
        };
        StubDaemon {
            address,
            log,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// Everything received with `method`.
    pub fn received(&self, method: &str) -> Vec<Received> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.method == method)
            .cloned()
            .collect()
    }

    /// Waits (up to `timeout`) until `done` holds for what was received.
    pub fn wait_for(&self, timeout: Duration, done: impl Fn(&[Received]) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            // A copy, so that `done` may itself ask the stub what it received.
            let received = self.log.lock().unwrap().clone();
            if done(&received) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for StubDaemon {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn serve(stream: TcpStream, token: &str, log: &Mutex<Vec<Received>>, stop: &AtomicBool) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let Ok(mut socket) = tungstenite::accept(stream) else {
        return;
    };
    // Short reads from now on, so that the session notices `stop`.
    socket
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let mut authenticated = false;
    while !stop.load(Ordering::SeqCst) {
        let text = match socket.read() {
            Ok(Message::Text(text)) => text.to_string(),
            Ok(Message::Close(_)) => return,
            Ok(_) => continue,
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(_) => return,
        };
        let Ok(message) = serde_json::from_str::<Value>(&text) else {
            reply(&mut socket, Value::Null, Err((-32700, "not JSON".into())));
            continue;
        };
        let id = message.get("id").cloned();
        let method = message["method"].as_str().unwrap_or_default().to_string();
        let params = message.get("params").cloned().unwrap_or(Value::Null);
        log.lock().unwrap().push(Received {
            method: method.clone(),
            params: params.clone(),
            request: id.is_some(),
        });
        let answer = match method.as_str() {
            "session.hello" => {
                if params["token"].as_str() == Some(token) {
                    authenticated = true;
                    Ok(json!({
                        "session": "stub-1", "server_version": "stub", "protocol_version": 1,
                        "backends": ["rules"], "formats": ["otio"],
                        "limits": {"max_message_bytes": 16777216, "requests_per_second": 50, "burst": 100},
                    }))
                } else {
                    Err((-32001, "wrong token".to_string()))
                }
            }
            _ if !authenticated => Err((-32001, "say session.hello first".to_string())),
            "edit.instruct" => match params["text"].as_str() {
                Some(text) => Ok(json!({
                    "summary": format!("stub understood: {text}"),
                    "cut_list": {"operations": []},
                })),
                None => Err((-32602, "text must be a string".to_string())),
            },
            "analysis.frames" => {
                Ok(json!({"accepted": params["frames"].as_array().map_or(0, Vec::len)}))
            }
            other => Err((-32601, format!("no method {other}"))),
        };
        // Notifications get no answer (JSON-RPC 2.0).
        if let Some(id) = id {
            reply(&mut socket, id, answer);
        }
    }
}

fn reply(socket: &mut WebSocket<TcpStream>, id: Value, answer: Result<Value, (i64, String)>) {
    let message = match answer {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err((code, message)) => {
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
        }
    };
    let _ = socket.send(Message::text(message.to_string()));
}
