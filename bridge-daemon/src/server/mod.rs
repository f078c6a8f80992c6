//! The resident daemon: JSON-RPC 2.0 over WebSocket text frames (tokio + tokio-tungstenite).
//!
//! ```text
//! accept ─► connection::accept_connection (handshake: origin, capacity)
//!             ├─ reader loop: frame ─► session::Session::handle_text ─► pipeline (the library)
//!             └─ writer task: bounded queue ─► socket
//! ```
//!
//! Only this module tree knows WebSockets and JSON-RPC envelopes; the message types themselves
//! live in `protocol::wire`. Security: loopback by default, a token per session
//! ([`auth`]), browser origins refused at the handshake, a pre-hello pool and byte budget
//! (`admission`, `guard`), size, rate, idle and request-time limits ([`config`]), caches bounded
//! in bytes ([`state`]), and an audit log of every instruction, cut list and apply report
//! ([`audit`]).

mod admission;
pub mod audit;
pub mod auth;
pub mod config;
mod connection;
pub mod decode;
mod guard;
pub mod rate;
mod session;
pub mod state;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub use audit::AuditLog;
pub use auth::Token;
pub use config::{Config, DEFAULT_PORT, Limits};
pub use session::wire_explanation;

use engine::understand::Understand;
use engine::understand::rules::Rules;
use state::Shared;
use voice::Transcribe;

/// Everything that can stop the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("config file {path}: {why}")]
    Config { path: PathBuf, why: String },
    #[error(
        "refusing to listen on {0}: it is not a loopback address. Pass --allow-remote to do it anyway \
         (the daemon has no TLS: the token and timelines cross the network in clear)"
    )]
    RemoteNotAllowed(SocketAddr),
    #[error("setting {name}: {why}")]
    InvalidSetting { name: &'static str, why: String },
    #[error("this system has no config folder for the token file: give --token-file")]
    NoConfigDir,
    #[error("token file {path}: {why}")]
    BadTokenFile { path: PathBuf, why: String },
    #[error("cannot generate a token: {0}")]
    Random(String),
}

/// A bound, not yet running server.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    shared: Arc<Shared>,
}

impl Server {
    /// Check the config, open the audit log (when configured) and bind the listener. The rules
    /// backend understands instructions.
    pub async fn bind(config: Config, token: Token) -> Result<Server, ServerError> {
        Server::bind_with_backend(config, token, Arc::new(Rules)).await
    }

    pub async fn bind_with_backend(
        config: Config,
        token: Token,
        backend: Arc<dyn Understand>,
    ) -> Result<Server, ServerError> {
        config.check()?;
        if !config.listen.ip().is_loopback() {
            tracing::warn!(
                "listening on {}, which is not loopback: anyone who can reach it and has the token \
                 can edit timelines, and there is no TLS",
                config.listen
            );
        }
        let audit = match &config.audit_log {
            Some(p) => Some(AuditLog::open(
                p,
                audit::AuditLimits {
                    max_bytes: config.audit_max_bytes,
                    keep: config.audit_keep,
                    max_record_bytes: config.audit_max_record_bytes,
                    keep_per_kind: config.audit_keep_per_kind,
                },
            )?),
            None => None,
        };
        let transcriber = match config.whisper_dir.clone() {
            None => None,
            // Loading reads a model: off the runtime.
            Some(dir) => {
                match tokio::task::spawn_blocking(move || voice::transcriber(Some(&dir)))
                    .await
                    .unwrap_or_else(|e| {
                        Err(voice::VoiceError::NoModel(format!(
                            "loading the Whisper model failed: {e}"
                        )))
                    }) {
                    Ok(t) => Some((t, None)),
                    Err(e) => {
                        tracing::warn!("voice: no speech to text: {e}");
                        let none: Arc<dyn Transcribe> = Arc::new(voice::NoModel);
                        Some((none, Some(e.to_string())))
                    }
                }
            }
        };
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| ServerError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let mut shared = Shared::new(config, token, backend, audit);
        if let Some((t, why)) = transcriber {
            shared.set_transcriber(t, why);
        }
        Ok(Server {
            listener,
            shared: Arc::new(shared),
        })
    }

    /// Use `transcriber` for speech to text (a Whisper model), instead of what the config's
    /// `whisper_dir` gave. Call before [`Server::run`].
    pub fn with_transcriber(mut self, transcriber: Arc<dyn Transcribe>) -> Server {
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.set_transcriber(transcriber, None);
        }
        self
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or(self.shared.config.listen)
    }

    /// `ws://ADDR`, for clients.
    pub fn url(&self) -> String {
        format!("ws://{}", self.local_addr())
    }

    pub fn audit_path(&self) -> Option<&std::path::Path> {
        self.shared.audit.as_ref().map(|a| a.path())
    }

    /// Serve until `shutdown` completes; then stop accepting, let every connection finish the
    /// request it is handling (up to `limits.shutdown_grace_ms`), close them with 1001 and return.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<(), ServerError> {
        let Server { listener, shared } = self;
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut connections = JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        // A place in the pre-hello pool (the longest-waiting connection makes
                        // room when it is full); a session place is taken at hello.
                        let ticket = shared.admission.admit(peer.ip());
                        connections.spawn(connection::accept_connection(
                            shared.clone(),
                            stream,
                            peer,
                            ticket,
                            stop_rx.clone(),
                        ));
                    }
                    Err(e) => {
                        // Out of file descriptors and the like: pause instead of spinning.
                        tracing::error!("accept failed: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        drop(listener);
        tracing::info!(
            sessions = shared.session_count(),
            "shutting down: finishing in-flight requests"
        );
        let _ = stop_tx.send(true);
        let grace = shared.config.limits.shutdown_grace();
        let drained = tokio::time::timeout(grace, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                "{} connections still open after {grace:?}: dropping them",
                connections.len()
            );
            connections.abort_all();
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// A future that resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM. The handlers are installed
/// when this is called (inside a runtime), not when the future is first polled, so a signal that
/// arrives while the server is still starting is not lost to the default action.
pub fn shutdown_signal() -> std::io::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut int = signal(SignalKind::interrupt())?;
        let mut term = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = int.recv() => tracing::info!("SIGINT"),
                _ = term.recv() => tracing::info!("SIGTERM"),
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("Ctrl-C");
        })
    }
}
