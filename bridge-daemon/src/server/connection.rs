//! One WebSocket connection: the handshake (origin and capacity checks), a reader loop that
//! handles one request at a time, and a writer task that drains the session's bounded queue.
//!
//! A slow reader fills only its own queue: its replies wait (holding up only itself) and a
//! notification that does not fit closes it. A frame over the size limit closes only that
//! connection, with 1009.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use protocol::wire::{ErrorObject, Log, LogLevel, Notification, code, method};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::{Notify, OwnedSemaphorePermit, mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};

use super::auth::origin_allowed;
use super::session::{Flow, Session};
use super::state::{Outbound, Shared};

type Ws = WebSocketStream<TcpStream>;

/// Why a connection ended badly.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("websocket: {0}")]
    Ws(#[from] tungstenite::Error),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("the handshake took longer than {0:?}")]
    HandshakeTimeout(Duration),
    #[error("writing a frame took longer than {0:?}: the client is not reading")]
    WriteTimeout(Duration),
    #[error("the client fell behind its notifications and was closed")]
    TooSlow,
    #[error("the writer task failed: {0}")]
    Writer(String),
}

impl ConnectionError {
    /// Ends that are a client's ordinary way of leaving, not worth a warning.
    fn is_normal(&self) -> bool {
        use tungstenite::error::ProtocolError;
        match self {
            ConnectionError::Ws(
                tungstenite::Error::ConnectionClosed
                | tungstenite::Error::AlreadyClosed
                | tungstenite::Error::Protocol(ProtocolError::ResetWithoutClosingHandshake),
            ) => true,
            ConnectionError::Ws(tungstenite::Error::Io(e)) | ConnectionError::Io(e) => matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            ),
            _ => false,
        }
    }
}

/// The per-connection wrapper: runs [`handle_connection`] and logs how it ended. `permit` is
/// `None` when the server is full (the handshake answers 503).
pub async fn accept_connection(
    shared: Arc<Shared>,
    stream: TcpStream,
    peer: SocketAddr,
    permit: Option<OwnedSemaphorePermit>,
    shutdown: watch::Receiver<bool>,
) {
    match handle_connection(shared, stream, peer, permit, shutdown).await {
        Ok(()) => tracing::debug!(%peer, "connection closed"),
        Err(e) if e.is_normal() => tracing::debug!(%peer, "connection closed: {e}"),
        Err(e) => tracing::warn!(%peer, "connection ended: {e}"),
    }
}

/// How the reader loop ended.
enum End {
    /// The client closed or went away.
    Gone,
    Shutdown,
    Close(CloseCode, String),
    TooBig(String),
    Kicked,
    ReadError(tungstenite::Error),
    WriterEnded(Result<Result<Sink, ConnectionError>, tokio::task::JoinError>),
}

fn ws_config(max: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
        .write_buffer_size(0)
}

async fn handle_connection(
    shared: Arc<Shared>,
    stream: TcpStream,
    peer: SocketAddr,
    permit: Option<OwnedSemaphorePermit>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), ConnectionError> {
    let limits = shared.config.limits.clone();
    stream.set_nodelay(true)?;
    let full = permit.is_none();
    let extra_origins = shared.config.allowed_origins.clone();
    let check = move |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        let refuse = |status: StatusCode, why: String| {
            let mut r = ErrorResponse::new(Some(why));
            *r.status_mut() = status;
            r
        };
        let origin = req
            .headers()
            .get("origin")
            .map(|o| o.to_str().unwrap_or("<not ASCII>"));
        if !origin_allowed(origin, &extra_origins) {
            tracing::warn!(%peer, origin = ?origin, "refused a browser origin");
            return Err(refuse(
                StatusCode::FORBIDDEN,
                format!(
                    "origin {} may not connect to the CutBridge daemon\n",
                    origin.unwrap_or_default()
                ),
            ));
        }
        if full {
            return Err(refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the daemon has as many sessions as it serves; try again later\n".into(),
            ));
        }
        Ok(resp)
    };
    let handshake = tokio_tungstenite::accept_hdr_async_with_config(
        stream,
        check,
        Some(ws_config(limits.max_message_bytes)),
    );
    let ws = timeout(limits.handshake_timeout(), handshake)
        .await
        .map_err(|_| ConnectionError::HandshakeTimeout(limits.handshake_timeout()))??;
    let _permit = permit;

    let (sink, mut source) = ws.split();
    let (out_tx, out_rx) = mpsc::channel(limits.outbound_queue);
    let mut writer = tokio::spawn(write_loop(sink, out_rx, limits.write_timeout()));
    let kick = Arc::new(Notify::new());
    let mut session = Session::new(shared.clone(), peer, out_tx.clone(), kick.clone());
    let hello_deadline = sleep(limits.hello_timeout());
    tokio::pin!(hello_deadline);

    let end = loop {
        tokio::select! {
            biased;
            _ = shutdown.changed() => break End::Shutdown,
            _ = kick.notified() => break End::Kicked,
            res = &mut writer => break End::WriterEnded(res),
            _ = &mut hello_deadline, if !session.authenticated() => break End::Close(
                CloseCode::Policy,
                format!("no session.hello within {} s", limits.hello_timeout().as_secs()),
            ),
            frame = source.next() => match frame {
                None => break End::Gone,
                Some(Ok(Message::Text(text))) => {
                    if let Flow::Close(code, why) = session.handle_text(text.as_str()).await {
                        break End::Close(code, why);
                    }
                }
                Some(Ok(Message::Binary(_))) => {
                    session.reply_error(ErrorObject::new(
                        code::BINARY_NOT_SUPPORTED,
                        "binary frames are reserved for audio, which this daemon does not take yet",
                    )).await;
                }
                // The close reply is flushed by the next read, which then ends the stream.
                Some(Ok(Message::Close(_))) => {}
                Some(Ok(_)) => {}
                Some(Err(tungstenite::Error::Capacity(e))) => break End::TooBig(e.to_string()),
                Some(Err(e)) => break End::ReadError(e),
            },
        }
    };
    // Unregisters the session: no more notifications are queued for it.
    drop(session);

    match end {
        End::Kicked => {
            writer.abort();
            Err(ConnectionError::TooSlow)
        }
        End::WriterEnded(res) => match res {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e),
            Err(e) => Err(ConnectionError::Writer(e.to_string())),
        },
        End::ReadError(e) => {
            writer.abort();
            Err(e.into())
        }
        End::Gone => stop_writer(writer, out_tx, vec![Outbound::Finish], &limits)
            .await
            .map(|_| ()),
        End::Shutdown => {
            let log = Notification::new(
                method::LOG,
                Log {
                    level: LogLevel::Warning,
                    message: "the daemon is shutting down".into(),
                },
            );
            let mut last = Vec::new();
            if let Ok(text) = serde_json::to_string(&log) {
                last.push(Outbound::Text(text.into()));
            }
            last.push(Outbound::Close(
                CloseCode::Away,
                "the daemon is shutting down".into(),
            ));
            stop_writer(writer, out_tx, last, &limits).await.map(|_| ())
        }
        End::Close(code, why) => {
            tracing::info!(%peer, "closing: {why}");
            stop_writer(writer, out_tx, vec![Outbound::Close(code, why)], &limits)
                .await
                .map(|_| ())
        }
        End::TooBig(why) => {
            tracing::warn!(%peer, "closing with 1009: {why}");
            let reason = format!(
                "message too big: the limit is {} bytes",
                limits.max_message_bytes
            );
            let close = vec![Outbound::Close(CloseCode::Size, reason)];
            let sink = stop_writer(writer, out_tx, close, &limits).await?;
            if let Some(sink) = sink
                && let Ok(mut ws) = source.reunite(sink)
            {
                drain(&mut ws).await;
            }
            Ok(())
        }
    }
}

type Sink = SplitSink<Ws, Message>;

/// The writer task: frames from the session's queue to the socket, flushing when the queue is
/// empty. Each frame must be written within `write_timeout`. Returns the sink when told to stop.
async fn write_loop(
    mut sink: Sink,
    mut rx: mpsc::Receiver<Outbound>,
    write_timeout: Duration,
) -> Result<Sink, ConnectionError> {
    let timed = |d| ConnectionError::WriteTimeout(d);
    while let Some(out) = rx.recv().await {
        match out {
            Outbound::Text(text) => {
                timeout(write_timeout, sink.feed(Message::Text(text)))
                    .await
                    .map_err(|_| timed(write_timeout))??;
                if rx.is_empty() {
                    timeout(write_timeout, sink.flush())
                        .await
                        .map_err(|_| timed(write_timeout))??;
                }
            }
            Outbound::Close(code, reason) => {
                let frame = CloseFrame {
                    code,
                    reason: reason.into(),
                };
                // The peer may already be gone; a failed goodbye is not an error.
                let _ = timeout(write_timeout, sink.send(Message::Close(Some(frame)))).await;
                break;
            }
            Outbound::Finish => {
                let _ = timeout(write_timeout, sink.flush()).await;
                break;
            }
        }
    }
    Ok(sink)
}

/// Queue the last frames, then wait (bounded) for the writer to send them and hand back the sink.
async fn stop_writer(
    writer: JoinHandle<Result<Sink, ConnectionError>>,
    out: mpsc::Sender<Outbound>,
    last: Vec<Outbound>,
    limits: &super::config::Limits,
) -> Result<Option<Sink>, ConnectionError> {
    let budget = limits.write_timeout().min(Duration::from_secs(5));
    let queued = timeout(budget, async {
        for frame in last {
            if out.send(frame).await.is_err() {
                break;
            }
        }
    })
    .await;
    drop(out);
    if queued.is_err() {
        writer.abort();
        return Ok(None);
    }
    let abort = writer.abort_handle();
    match timeout(budget + Duration::from_secs(1), writer).await {
        Ok(Ok(Ok(sink))) => Ok(Some(sink)),
        Ok(Ok(Err(e))) => Err(e),
        Ok(Err(e)) => Err(ConnectionError::Writer(e.to_string())),
        Err(_) => {
            abort.abort();
            Ok(None)
        }
    }
}

/// After refusing an oversized frame, read and discard what the client still sends (bounded in
/// bytes and time) so that closing the socket does not reset it before the client has read the
/// close frame. Reading it through the WebSocket would buffer the whole frame.
async fn drain(ws: &mut Ws) {
    const MAX_BYTES: u64 = 512 << 20;
    let tcp = ws.get_mut();
    let mut buf = vec![0u8; 64 * 1024];
    let deadline = Instant::now() + Duration::from_secs(5);
    let idle = Duration::from_millis(300);
    let mut total = 0u64;
    while total < MAX_BYTES {
        let wait = deadline.saturating_duration_since(Instant::now()).min(idle);
        match timeout(wait, tcp.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => total += n as u64,
            _ => break,
        }
    }
    tracing::debug!(bytes = total, "drained after an oversized frame");
}
