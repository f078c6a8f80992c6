//! Helpers shared by the server tests and the benchmark: a small timeline built in code, and a
//! server running in-process on 127.0.0.1 port 0.
#![allow(dead_code)]

#[cfg(target_os = "linux")]
pub mod attack;
pub mod daemon;
// Shared with the interchange crate's tests, where the readers are checked.
#[path = "../../../interchange/tests/common/python.rs"]
pub mod python;
pub mod speech;

use std::time::Duration;

use bridge_daemon::client::{Client, Hello};
use bridge_daemon::server::{Config, Server, Token};
use engine::understand::Understand;
use engine::understand::rules::Rules;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Lines of the fixture's transcript, one per clip, cycling.
const LINES: [(&str, &str); 6] = [
    ("张伟", "今天天气真好，我们去老街走走"),
    ("张伟", "我很难过，心里很痛，想哭"),
    ("BOB", "um"),
    ("BOB", "We need to talk about the budget for the next shoot"),
    ("李雅", "这家店开了三十年了，我从小就在这里吃"),
    ("BOB", "I am so sad and heartbroken about this"),
];

/// A timeline in the protocol's JSON: `clips` clips of 100 frames at 25 fps on V1, mirrored
/// on A1, one subtitle line per clip.
pub fn timeline_json(clips: usize) -> Value {
    let clip = |i: usize| {
        json!({
            "type": "clip",
            "name": format!("shot {}", i + 1),
            "media": {"url": format!("file:///media/clip{:03}.mov", i + 1),
                      "available": {"start": 0, "duration": 100_000}},
            "source": {"start": 1000 + 10 * i as i64, "duration": 100},
            "link": format!("L{i}"),
        })
    };
    let items: Vec<Value> = (0..clips).map(clip).collect();
    let subtitles: Vec<Value> = (0..clips)
        .map(|i| {
            let (speaker, text) = LINES[i % LINES.len()];
            json!({"range": {"start": 100 * i as i64 + 10, "duration": 80},
                   "speaker": speaker, "text": text})
        })
        .collect();
    json!({
        "name": format!("fixture-{clips}"),
        "rate": {"num": 25, "den": 1},
        "start_frame": 90000,
        "tracks": [
            {"name": "V1", "kind": "video", "items": items},
            {"name": "A1", "kind": "audio", "items": items},
        ],
        "subtitles": subtitles,
    })
}

pub fn timeline(clips: usize) -> protocol::Timeline {
    serde_json::from_value(timeline_json(clips)).expect("the fixture is a timeline")
}

pub const TOKEN: &str = "test-token-0123456789abcdef0123456789abcdef";

/// A server running on a tokio task; dropped or [`TestServer::stop`]ped, it shuts down.
pub struct TestServer {
    pub url: String,
    pub addr: std::net::SocketAddr,
    pub dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestServer {
    pub async fn start(tune: impl FnOnce(&mut Config)) -> TestServer {
        TestServer::start_with(tune, None).await
    }

    /// A server whose voice streams are transcribed by `transcriber`.
    pub async fn start_with(
        tune: impl FnOnce(&mut Config),
        transcriber: Option<std::sync::Arc<dyn voice::Transcribe>>,
    ) -> TestServer {
        TestServer::start_full(std::sync::Arc::new(Rules), tune, transcriber).await
    }

    /// [`TestServer::start`] with another understanding backend.
    pub async fn start_with_backend(
        backend: std::sync::Arc<dyn Understand>,
        tune: impl FnOnce(&mut Config),
    ) -> TestServer {
        TestServer::start_full(backend, tune, None).await
    }

    async fn start_full(
        backend: std::sync::Arc<dyn Understand>,
        tune: impl FnOnce(&mut Config),
        transcriber: Option<std::sync::Arc<dyn voice::Transcribe>>,
    ) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            listen: "127.0.0.1:0".parse().unwrap(),
            audit_log: Some(dir.path().join("audit.jsonl")),
            ..Config::default()
        };
        tune(&mut config);
        let server = Server::bind_with_backend(config, Token::from_text(TOKEN).unwrap(), backend)
            .await
            .expect("the server binds");
        let server = match transcriber {
            Some(t) => server.with_transcriber(t),
            None => server,
        };
        let addr = server.local_addr();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            server
                .run(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        TestServer {
            url: format!("ws://{addr}"),
            addr,
            dir,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// Ask the server to shut down (in-flight requests finish) and wait for it, bounded.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(20), task)
                .await
                .expect("the server stops within 20 s")
                .unwrap();
        }
    }

    pub fn trigger_stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }

    pub async fn client(&self, name: &str) -> Client {
        Client::connect(&self.url, Hello::new(TOKEN, name), Duration::from_secs(10))
            .await
            .expect("the client connects")
    }

    pub fn audit(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.path().join("audit.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.trigger_stop();
    }
}
