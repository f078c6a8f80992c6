//! One WebSocket connection: the handshake (origin and capacity checks), then one task that
//! reads frames, handles one request at a time, writes its reply, and drains the session's
//! bounded queue of notifications.
//!
//! A slow reader fills only its own queue: its replies wait (holding up only itself) and a
//! notification that does not fit closes it. A frame over the size limit closes only that
//! connection, with 1009.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use protocol::wire::{Log, LogLevel, Notification, method};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::{Notify, OwnedSemaphorePermit, mpsc, watch};
use tokio::time::{Instant, sleep, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};

use super::auth::origin_allowed;
use super::session::{Flow, Handled, Session};
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
    WriteError(ConnectionError),
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
    // The error type is tungstenite's HTTP response; its size is not ours to choose.
    #[allow(clippy::result_large_err)]
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

    let (mut sink, mut source) = ws.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Outbound>(limits.outbound_queue);
    let kick = Arc::new(Notify::new());
    let write_timeout = limits.write_timeout();
    // The session moves into the request being handled and comes back with its reply, so that
    // this task keeps writing notifications (progress) while a long request runs.
    // Samples from the daemon's microphone, while this session has it on (`voice.listen`).
    let (mic_tx, mut mic_rx) = mpsc::channel::<Vec<f32>>(64);
    let mut session = Some(Session::new(
        shared.clone(),
        peer,
        out_tx,
        kick.clone(),
        mic_tx,
    ));
    let mut authenticated = false;
    let mut inflight: Option<BoxFuture<'static, (Session, Handled)>> = None;
    let hello_deadline = sleep(limits.hello_timeout());
    tokio::pin!(hello_deadline);

    let end = loop {
        tokio::select! {
            biased;
            _ = kick.notified() => break End::Kicked,
            // In-flight requests finish before the connection closes.
            _ = shutdown.changed(), if inflight.is_none() => break End::Shutdown,
            Some(out) = out_rx.recv() => {
                if let Err(e) = write(&mut sink, &mut out_rx, out, None, write_timeout).await {
                    break End::WriteError(e);
                }
            }
            (back, handled) = async { inflight.as_mut().expect("guarded").await }, if inflight.is_some() => {
                inflight = None;
                authenticated = back.authenticated();
                session = Some(back);
                if let Some(reply) = handled.reply {
                    // Queued notifications (progress) go first: they are about this request.
                    let first = out_rx.try_recv().ok();
                    let reply = Outbound::Text(reply.into());
                    let r = match first {
                        Some(f) => write(&mut sink, &mut out_rx, f, Some(reply), write_timeout).await,
                        None => write(&mut sink, &mut out_rx, reply, None, write_timeout).await,
                    };
                    if let Err(e) = r {
                        break End::WriteError(e);
                    }
                }
                if let Flow::Close(code, why) = handled.flow {
                    break End::Close(code, why);
                }
            }
            Some(samples) = mic_rx.recv(), if inflight.is_none() => {
                let mut s = session.take().expect("no request in flight");
                inflight = Some(Box::pin(async move {
                    s.handle_mic(samples).await;
                    (s, Handled { reply: None, flow: Flow::Continue })
                }));
            }
            _ = &mut hello_deadline, if !authenticated => break End::Close(
                CloseCode::Policy,
                format!("no session.hello within {} s", limits.hello_timeout().as_secs()),
            ),
            frame = source.next(), if inflight.is_none() => match frame {
                None => break End::Gone,
                Some(Ok(Message::Text(text))) => {
                    let mut s = session.take().expect("no request in flight");
                    inflight = Some(Box::pin(async move {
                        let handled = s.handle_text(text.as_str()).await;
                        (s, handled)
                    }));
                }
                // Audio of the session's voice stream, handled in order like a request.
                Some(Ok(Message::Binary(bytes))) => {
                    let mut s = session.take().expect("no request in flight");
                    inflight = Some(Box::pin(async move {
                        let handled = s.handle_binary(&bytes).await;
                        (s, handled)
                    }));
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
    drop(inflight);
    drop(session);

    let goodbye = |code: CloseCode, reason: String| {
        Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        }))
    };
    let budget = write_timeout.min(Duration::from_secs(5));
    match end {
        End::Kicked => Err(ConnectionError::TooSlow),
        End::WriteError(e) => Err(e),
        End::ReadError(e) => Err(e.into()),
        End::Gone => {
            let _ = timeout(budget, sink.flush()).await;
            Ok(())
        }
        End::Shutdown => {
            let log = Notification::new(
                method::LOG,
                Log {
                    level: LogLevel::Warning,
                    message: "the daemon is shutting down".into(),
                },
            );
            let _ = timeout(budget, async {
                if let Ok(text) = serde_json::to_string(&log) {
                    sink.feed(Message::text(text)).await?;
                }
                sink.send(goodbye(
                    CloseCode::Away,
                    "the daemon is shutting down".into(),
                ))
                .await
            })
            .await;
            Ok(())
        }
        End::Close(code, why) => {
            tracing::info!(%peer, "closing: {why}");
            let _ = timeout(budget, sink.send(goodbye(code, why))).await;
            Ok(())
        }
        End::TooBig(why) => {
            tracing::warn!(%peer, "closing with 1009: {why}");
            let reason = format!(
                "message too big: the limit is {} bytes",
                limits.max_message_bytes
            );
            let _ = timeout(budget, sink.send(goodbye(CloseCode::Size, reason))).await;
            if let Ok(mut ws) = source.reunite(sink) {
                drain(&mut ws).await;
            }
            Ok(())
        }
    }
}

type Sink = SplitSink<Ws, Message>;

/// Write `first` (then `then`), and whatever else is already queued, flushing once at the end;
/// every step within `write_timeout`.
async fn write(
    sink: &mut Sink,
    queue: &mut mpsc::Receiver<Outbound>,
    first: Outbound,
    then: Option<Outbound>,
    write_timeout: Duration,
) -> Result<(), ConnectionError> {
    let timed = || ConnectionError::WriteTimeout(write_timeout);
    let mut next = Some(first);
    let mut then = then;
    // Bounded: a queue refilled as fast as it drains must not starve the caller's other work.
    for _ in 0..64 {
        let Some(Outbound::Text(text)) = next.take() else {
            break;
        };
        timeout(write_timeout, sink.feed(Message::Text(text)))
            .await
            .map_err(|_| timed())??;
        next = queue.try_recv().ok().or_else(|| then.take());
    }
    if let Some(Outbound::Text(text)) = then.take() {
        timeout(write_timeout, sink.feed(Message::Text(text)))
            .await
            .map_err(|_| timed())??;
    }
    timeout(write_timeout, sink.flush())
        .await
        .map_err(|_| timed())??;
    Ok(())
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
