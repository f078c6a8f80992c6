//! A small async client of the daemon, for `bridge-daemon ask`, the tests and the benchmark.
//!
//! One request at a time: [`Client::call`] sends a request and reads frames until its response,
//! keeping notifications that arrive meanwhile for [`Client::next_notification`].

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use protocol::wire::{
    ErrorObject, ExportParams, ExportResult, HelloParams, HelloResult, Id, InstructParams,
    InstructResult, Notification, Outcome, Request, Response, Role, SyncParams, SyncResult,
    TimelineInput, Version, method,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// What can go wrong talking to the daemon.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No daemon answered at the address (nothing listening, handshake refused).
    #[error("cannot connect to {url}: {source}")]
    Connect {
        url: String,
        source: tungstenite::Error,
    },
    #[error("no answer from {url} within {timeout:?}")]
    Timeout { url: String, timeout: Duration },
    /// The daemon answered with a JSON-RPC error.
    #[error("{0}")]
    Rpc(ErrorObject),
    #[error("the daemon closed the connection{}", match .0 { Some((code, why)) => format!(" ({code}: {why})"), None => String::new() })]
    Closed(Option<(u16, String)>),
    #[error("websocket: {0}")]
    Ws(#[from] tungstenite::Error),
    #[error("the daemon sent something unexpected: {0}")]
    Protocol(String),
}

impl ClientError {
    /// The JSON-RPC error, when the daemon answered with one.
    pub fn rpc(&self) -> Option<&ErrorObject> {
        match self {
            ClientError::Rpc(e) => Some(e),
            _ => None,
        }
    }
}

/// A connected, authenticated session.
#[derive(Debug)]
pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: i64,
    notifications: VecDeque<Notification>,
    /// What the daemon said to the hello.
    pub hello: HelloResult,
}

/// What a client says in its hello.
#[derive(Clone, Debug)]
pub struct Hello {
    pub token: String,
    pub client: String,
    pub roles: Vec<Role>,
    pub progress: bool,
}

impl Hello {
    pub fn new(token: impl Into<String>, client: impl Into<String>) -> Hello {
        Hello {
            token: token.into(),
            client: client.into(),
            roles: Vec::new(),
            progress: false,
        }
    }

    pub fn roles(mut self, roles: &[Role]) -> Hello {
        self.roles = roles.to_vec();
        self
    }

    pub fn progress(mut self, on: bool) -> Hello {
        self.progress = on;
        self
    }
}

impl Client {
    /// Connect to `url` (`ws://127.0.0.1:7717`) and say hello; `timeout` bounds each step.
    pub async fn connect(
        url: &str,
        hello: Hello,
        timeout: Duration,
    ) -> Result<Client, ClientError> {
        let config = WebSocketConfig::default()
            .max_message_size(Some(256 << 20))
            .max_frame_size(Some(256 << 20));
        let connect = tokio_tungstenite::connect_async_with_config(url, Some(config), true);
        let (ws, _) = tokio::time::timeout(timeout, connect)
            .await
            .map_err(|_| ClientError::Timeout {
                url: url.to_string(),
                timeout,
            })?
            .map_err(|source| ClientError::Connect {
                url: url.to_string(),
                source,
            })?;
        let mut client = Client {
            ws,
            next_id: 0,
            notifications: VecDeque::new(),
            hello: HelloResult {
                session: String::new(),
                server_version: String::new(),
                protocol_version: 0,
                backends: Vec::new(),
                formats: Vec::new(),
                limits: protocol::wire::SessionLimits {
                    max_message_bytes: 0,
                    requests_per_second: 0,
                    burst: 0,
                },
            },
        };
        let params = HelloParams {
            token: hello.token,
            client: hello.client,
            version: env!("CARGO_PKG_VERSION").to_string(),
            roles: hello.roles,
            progress: hello.progress,
        };
        let call = client.call(method::HELLO, &params);
        client.hello =
            tokio::time::timeout(timeout, call)
                .await
                .map_err(|_| ClientError::Timeout {
                    url: url.to_string(),
                    timeout,
                })??;
        Ok(client)
    }

    /// Connect, retrying while nothing answers (the daemon restarting), up to `attempts` times.
    pub async fn connect_retrying(
        url: &str,
        hello: Hello,
        timeout: Duration,
        attempts: u32,
        pause: Duration,
    ) -> Result<Client, ClientError> {
        let mut last = None;
        for _ in 0..attempts.max(1) {
            match Client::connect(url, hello.clone(), timeout).await {
                Ok(c) => return Ok(c),
                Err(e @ (ClientError::Connect { .. } | ClientError::Timeout { .. })) => {
                    last = Some(e);
                    tokio::time::sleep(pause).await;
                }
                Err(e) => return Err(e),
            }
        }
        Err(last.expect("at least one attempt"))
    }

    /// Send a request and wait for its response.
    pub async fn call<P: Serialize, R: DeserializeOwned>(
        &mut self,
        method: &str,
        params: &P,
    ) -> Result<R, ClientError> {
        self.next_id += 1;
        let id = Id::Number(self.next_id);
        let req = Request {
            jsonrpc: Version::V2,
            id: Some(id.clone()),
            method: method.to_string(),
            params: Some(
                serde_json::to_value(params).map_err(|e| ClientError::Protocol(e.to_string()))?,
            ),
        };
        let text = serde_json::to_string(&req).map_err(|e| ClientError::Protocol(e.to_string()))?;
        self.ws.send(Message::text(text)).await?;
        loop {
            let frame = self.read_text().await?;
            let v: serde_json::Value = serde_json::from_str(&frame)
                .map_err(|e| ClientError::Protocol(format!("{e}: {frame}")))?;
            if v.get("method").is_some() && v.get("id").is_none() {
                let n: Notification =
                    serde_json::from_value(v).map_err(|e| ClientError::Protocol(e.to_string()))?;
                self.notifications.push_back(n);
                continue;
            }
            let r: Response =
                serde_json::from_value(v).map_err(|e| ClientError::Protocol(e.to_string()))?;
            if r.id.as_ref().is_some_and(|rid| *rid != id) {
                return Err(ClientError::Protocol(format!(
                    "a response to request {:?} while waiting for {id:?}",
                    r.id
                )));
            }
            return match r.outcome {
                Outcome::Result(v) => {
                    serde_json::from_value(v).map_err(|e| ClientError::Protocol(e.to_string()))
                }
                Outcome::Error(e) => Err(ClientError::Rpc(e)),
            };
        }
    }

    async fn read_text(&mut self) -> Result<String, ClientError> {
        loop {
            match self.ws.next().await {
                None => return Err(ClientError::Closed(None)),
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(Message::Text(t))) => return Ok(t.to_string()),
                Some(Ok(Message::Close(f))) => {
                    return Err(ClientError::Closed(
                        f.map(|f| (u16::from(f.code), f.reason.to_string())),
                    ));
                }
                Some(Ok(_)) => {}
            }
        }
    }

    /// The next notification (one already received, or the next to arrive).
    pub async fn next_notification(&mut self) -> Result<Notification, ClientError> {
        if let Some(n) = self.notifications.pop_front() {
            return Ok(n);
        }
        loop {
            let frame = self.read_text().await?;
            if let Ok(n) = serde_json::from_str::<Notification>(&frame) {
                return Ok(n);
            }
        }
    }

    pub async fn sync(&mut self, timeline: TimelineInput) -> Result<SyncResult, ClientError> {
        self.call(method::SYNC, &SyncParams { timeline }).await
    }

    pub async fn instruct(
        &mut self,
        params: &InstructParams,
    ) -> Result<InstructResult, ClientError> {
        self.call(method::INSTRUCT, params).await
    }

    pub async fn export(&mut self, params: &ExportParams) -> Result<ExportResult, ClientError> {
        self.call(method::EXPORT, params).await
    }

    /// Close the connection politely.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
        // Read until the server's close reply so that it sees a clean close.
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            while let Some(Ok(_)) = self.ws.next().await {}
        })
        .await;
    }
}
