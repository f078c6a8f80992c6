//! One WebSocket connection: the handshake (origin check), then one task that reads frames,
//! handles one request at a time, writes its reply, and drains the session's bounded queue of
//! notifications.
//!
//! Limits by phase. Before hello the connection holds a place in the small pre-hello pool
//! ([`super::admission`]; a newer connection may close it) and may send only
//! `limits.pre_auth_bytes` in all ([`super::guard`]). After hello: the configured message size,
//! the rate limit (pings count against it), the idle and message timeouts.
//!
//! The task reads one message ahead while a request is in flight, so that a client that leaves
//! cancels its request instead of leaving the work to run on. A slow reader fills only its own
//! queue: its replies wait (holding up only itself), a notification that does not fit closes
//! it, and its unsent frames never grow past `limits.max_reply_bytes`. A frame over the size
//! limit closes only that connection, with 1009.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use protocol::wire::{Log, LogLevel, Notification, method};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::{Notify, mpsc, watch};
use tokio::time::{Instant, interval, sleep, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};

use super::admission::Ticket;
use super::auth::origin_allowed;
use super::guard::{Meter, Metered, Refused};
use super::session::{Flow, Handled, Session};
use super::state::{Outbound, Shared};

type Ws = WebSocketStream<Metered<TcpStream>>;

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
    #[error("closed before hello to make room for a newer connection")]
    Evicted,
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

/// The per-connection wrapper: runs [`handle_connection`] and logs how it ended. `ticket` is
/// the connection's place in the pre-hello pool.
pub async fn accept_connection(
    shared: Arc<Shared>,
    stream: TcpStream,
    peer: SocketAddr,
    ticket: Ticket,
    shutdown: watch::Receiver<bool>,
) {
    match handle_connection(shared, stream, peer, ticket, shutdown).await {
        Ok(()) => tracing::debug!(%peer, "connection closed"),
        Err(e) if e.is_normal() => tracing::debug!(%peer, "connection closed: {e}"),
        Err(ConnectionError::Evicted) => tracing::debug!(%peer, "{}", ConnectionError::Evicted),
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
    Evicted,
    ReadError(tungstenite::Error),
    WriteError(ConnectionError),
}

fn ws_config(max: usize, max_unsent: usize) -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(max))
        .max_frame_size(Some(max))
        .write_buffer_size(0)
        // Pongs to a client that pings and never reads replace each other instead of piling up.
        .max_write_buffer_size(max_unsent)
}

/// The unsent bytes a connection may hold: its largest reply, and a little for what is queued
/// behind it.
fn max_unsent(limits: &super::config::Limits) -> usize {
    limits.max_reply_bytes.saturating_add(1 << 20)
}

async fn handle_connection(
    shared: Arc<Shared>,
    stream: TcpStream,
    peer: SocketAddr,
    ticket: Ticket,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), ConnectionError> {
    let limits = shared.config.limits.clone();
    stream.set_nodelay(true)?;
    let meter = Meter::new(limits.pre_auth_bytes);
    let stream = Metered::new(stream, meter.clone());
    let evicted = ticket.evicted();
    let mut ticket = Some(ticket);
    let allowed = shared.config.allowed_origins.clone();
    // The error type is tungstenite's HTTP response; its size is not ours to choose.
    #[allow(clippy::result_large_err)]
    let check = move |req: &Request, resp: Response| -> Result<Response, ErrorResponse> {
        let origin = req
            .headers()
            .get("origin")
            .map(|o| o.to_str().unwrap_or("<not ASCII>"));
        if !origin_allowed(origin, &allowed) {
            tracing::warn!(%peer, origin = ?origin, "refused a browser origin");
            let mut r = ErrorResponse::new(Some(format!(
                "origin {} may not connect to the CutBridge daemon (allowed_origins in its config \
                 names those that may)\n",
                origin.unwrap_or_default()
            )));
            *r.status_mut() = StatusCode::FORBIDDEN;
            return Err(r);
        }
        Ok(resp)
    };
    let handshake = tokio_tungstenite::accept_hdr_async_with_config(
        stream,
        check,
        Some(ws_config(limits.max_message_bytes, max_unsent(&limits))),
    );
    let ws = tokio::select! {
        r = timeout(limits.handshake_timeout(), handshake) => r
            .map_err(|_| ConnectionError::HandshakeTimeout(limits.handshake_timeout()))??,
        _ = evicted.notified() => return Err(ConnectionError::Evicted),
    };
    meter.handshake_done();

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
    // The message read ahead while a request is in flight (at most one).
    let mut ahead: Option<Message> = None;
    let hello_deadline = sleep(limits.hello_timeout());
    tokio::pin!(hello_deadline);
    // Pings take from the same allowance as requests.
    let bucket = session.as_ref().expect("not in flight").bucket();
    // Often enough to see the keep-alive and message timeouts within a second of their due.
    let mut tick = interval(Duration::from_millis(
        limits
            .keepalive_ms
            .min(limits.message_timeout_ms)
            .clamp(50, 1_000),
    ));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut pinged = Instant::now();

    let end = loop {
        // A message read ahead is handled as soon as the request before it is answered.
        if inflight.is_none()
            && let Some(msg) = ahead.take()
        {
            let s = session.take().expect("no request in flight");
            inflight = Some(dispatch(s, msg));
        }
        tokio::select! {
            biased;
            _ = kick.notified() => break End::Kicked,
            _ = evicted.notified(), if !authenticated => break End::Evicted,
            // In-flight requests finish before the connection closes.
            _ = shutdown.changed(), if inflight.is_none() => break End::Shutdown,
            Some(out) = out_rx.recv() => {
                if let Err(e) = write(&mut sink, &mut out_rx, out, None, write_timeout).await {
                    break End::WriteError(e);
                }
            }
            (back, handled) = async { inflight.as_mut().expect("guarded").await }, if inflight.is_some() => {
                inflight = None;
                if back.authenticated() && !authenticated {
                    authenticated = true;
                    // Out of the pre-hello pool; the configured limits apply.
                    drop(ticket.take());
                    meter.authenticated();
                }
                session = Some(back);
                if let Some(reply) = handled.reply {
                    let reply = Outbound::Text(reply.into());
                    // Queued notifications (progress) go first: they are about this request.
                    let first = out_rx.try_recv().ok();
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
            Some(samples) = mic_rx.recv(), if inflight.is_none() && ahead.is_none() => {
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
            _ = tick.tick() => {
                if let Some(busy) = meter.busy_for().filter(|b| *b > limits.message_timeout()) {
                    break End::Close(
                        CloseCode::Policy,
                        format!(
                            "a message begun {} s ago is still not finished (the limit is {} s)",
                            busy.as_secs(),
                            limits.message_timeout().as_secs()
                        ),
                    );
                }
                let silent = meter.silent_for();
                if silent > limits.idle_timeout() {
                    break End::Close(
                        CloseCode::Away,
                        format!("nothing from the client for {} s", silent.as_secs()),
                    );
                }
                // A silent client is pinged (it answers by itself), so that only a dead one
                // reaches the idle timeout.
                if authenticated && silent > limits.keepalive() && pinged.elapsed() > limits.keepalive() {
                    pinged = Instant::now();
                    let ping = timeout(write_timeout, sink.send(Message::Ping(Default::default())));
                    if let Err(e) = ping.await.map_err(|_| ConnectionError::WriteTimeout(write_timeout)).and_then(|r| r.map_err(ConnectionError::from)) {
                        break End::WriteError(e);
                    }
                }
            }
            frame = source.next(), if ahead.is_none() => match frame {
                // The client left: a request in flight is cancelled (dropped below).
                None => break End::Gone,
                Some(Ok(msg @ (Message::Text(_) | Message::Binary(_)))) => {
                    if inflight.is_none() {
                        let s = session.take().expect("no request in flight");
                        inflight = Some(dispatch(s, msg));
                    } else {
                        ahead = Some(msg);
                    }
                }
                Some(Ok(Message::Ping(_))) => {
                    let refused = bucket
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .take(std::time::Instant::now())
                        .is_err();
                    if refused {
                        let l = &limits;
                        break End::Close(
                            CloseCode::Policy,
                            format!(
                                "too many pings: pings count against the rate limit of {} a second (bursts of {})",
                                l.requests_per_second, l.burst
                            ),
                        );
                    }
                }
                // The close reply is flushed by the next read, which then ends the stream.
                Some(Ok(_)) => {}
                Some(Err(tungstenite::Error::Capacity(e))) => break End::TooBig(e.to_string()),
                Some(Err(tungstenite::Error::Io(e))) if Refused::of(&e).is_some() => {
                    break End::TooBig(Refused::of(&e).map(|r| r.to_string()).unwrap_or_default())
                }
                Some(Err(e)) => break End::ReadError(e),
            },
        }
    };
    if inflight.is_some() && matches!(end, End::Gone | End::ReadError(_)) {
        tracing::info!(%peer, "the client left with a request in flight: cancelling it");
    }
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
        End::Evicted => {
            let why = "too many connections are waiting to say hello: this one waited longest";
            let _ = timeout(budget, sink.send(goodbye(CloseCode::Again, why.into()))).await;
            Err(ConnectionError::Evicted)
        }
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
            let reason = if authenticated {
                format!(
                    "message too big: the limit is {} bytes",
                    limits.max_message_bytes
                )
            } else {
                format!(
                    "before session.hello a connection may send {} bytes",
                    limits.pre_auth_bytes
                )
            };
            let _ = timeout(budget, sink.send(goodbye(CloseCode::Size, reason))).await;
            if let Ok(mut ws) = source.reunite(sink) {
                // Before hello a client is owed little: a short drain, not hundreds of MB.
                let max = if authenticated { 512 << 20 } else { 256 << 10 };
                drain(&mut ws, max).await;
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
async fn drain(ws: &mut Ws, max_bytes: u64) {
    let tcp = ws.get_mut().raw();
    let mut buf = vec![0u8; 64 * 1024];
    let deadline = Instant::now() + Duration::from_secs(5);
    let idle = Duration::from_millis(300);
    let mut total = 0u64;
    while total < max_bytes {
        let wait = deadline.saturating_duration_since(Instant::now()).min(idle);
        match timeout(wait, tcp.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => total += n as u64,
            _ => break,
        }
    }
    tracing::debug!(bytes = total, "drained after an oversized frame");
}

/// Start handling one data message: text is a request, binary is audio of the voice stream.
fn dispatch(mut s: Session, msg: Message) -> BoxFuture<'static, (Session, Handled)> {
    Box::pin(async move {
        let handled = match msg {
            Message::Text(text) => s.handle_text(text).await,
            Message::Binary(bytes) => s.handle_binary(bytes).await,
            _ => Handled {
                reply: None,
                flow: Flow::Continue,
            },
        };
        (s, handled)
    })
}
