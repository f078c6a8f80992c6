//! One session's requests: authentication, the rate limit, and the methods. Only this module
//! and [`super::decode`] know the JSON-RPC envelope; the work itself is the library's pipeline.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use protocol::Timeline;
use protocol::wire::{
    self, ApplyReportParams, ApplyReportResult, CutListRef, EditProposed, ErrorObject,
    ExportParams, ExportResult, HelloParams, HelloResult, Id, InstructParams, InstructResult,
    MatchedRange, Notification, Progress, Role, SessionLimits, StepExplanation, SyncParams,
    SyncResult, TimelineInput, Timings, code, method,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::sync::{Notify, OwnedSemaphorePermit, mpsc};
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::decode::{decode_request, peek_id};
use super::rate::TokenBucket;
use super::state::{CachedTimeline, Outbound, SessionEntry, Shared, StoredCutList, is_large};
use engine::pipeline::{self, Refusal};
use interchange::{self, Format};

mod voice;

/// Wrong tokens a connection may present before it is closed.
const MAX_FAILED_HELLOS: u32 = 3;

/// Text past this size takes long enough to parse that it would hold up other clients: it is
/// read on the blocking pool, not on the reactor.
const LARGE_TEXT: usize = 256 * 1024;

/// What the connection does after a frame.
#[derive(Debug, PartialEq)]
pub enum Flow {
    Continue,
    Close(CloseCode, String),
}

/// What came of one frame.
#[derive(Debug)]
pub struct Handled {
    pub reply: Option<String>,
    pub flow: Flow,
}

/// A method's failure: the JSON-RPC error to answer with.
type MethodResult<T> = Result<T, ErrorObject>;

/// One connection's session.
#[derive(Debug)]
pub struct Session {
    shared: Arc<Shared>,
    peer: SocketAddr,
    out: mpsc::Sender<Outbound>,
    kick: Arc<Notify>,
    /// Requests and pings take from it.
    bucket: Arc<Mutex<TokenBucket>>,
    /// Set by a valid `session.hello`.
    id: Option<String>,
    /// One of the server's `max_sessions` places, taken at hello.
    _place: Option<OwnedSemaphorePermit>,
    /// The request being handled came in a large message: decoding it belongs off the reactor.
    big: bool,
    client: String,
    progress: bool,
    failed_hellos: u32,
    /// The panel's audio stream, between `voice.begin` and `voice.end`.
    voice: Option<voice::VoiceStream>,
    /// The microphone's stream, while `voice.listen` is on.
    mic_stream: Option<voice::VoiceStream>,
    /// Where the microphone's thread sends samples (the connection reads them).
    #[cfg_attr(not(feature = "mic"), allow(dead_code))]
    mic_tx: mpsc::Sender<Vec<f32>>,
    #[cfg(feature = "mic")]
    mic: Option<crate::mic::Mic>,
}

#[derive(Serialize)]
struct OkReply<'a, T> {
    jsonrpc: &'static str,
    id: &'a Option<Id>,
    result: &'a T,
}

#[derive(Serialize)]
struct ErrReply<'a> {
    jsonrpc: &'static str,
    id: &'a Option<Id>,
    error: &'a ErrorObject,
}

fn reply_ok<T: Serialize>(id: &Option<Id>, result: &T) -> String {
    serde_json::to_string(&OkReply {
        jsonrpc: "2.0",
        id,
        result,
    })
    .unwrap_or_else(|e| {
        reply_err(
            id,
            &ErrorObject::new(
                code::INTERNAL_ERROR,
                format!("cannot encode the result: {e}"),
            ),
        )
    })
}

pub fn reply_err(id: &Option<Id>, error: &ErrorObject) -> String {
    serde_json::to_string(&ErrReply {
        jsonrpc: "2.0",
        id,
        error,
    })
    .unwrap_or_default()
}

fn invalid_params(e: wire::DecodeError) -> ErrorObject {
    ErrorObject::new(
        code::INVALID_PARAMS,
        format!("invalid params at {}: {}", e.path, e.message),
    )
    .with_data(json!({"path": e.path}))
}

/// A notification on `out` that is dropped when the queue is full (progress, log).
fn send_lossy(out: &mpsc::Sender<Outbound>, method: &str, params: impl Serialize) {
    let n = Notification::new(method, params);
    if let Ok(text) = serde_json::to_string(&n) {
        let _ = out.try_send(Outbound::Text(Utf8Bytes::from(text)));
    }
}

fn params<T: DeserializeOwned>(p: Option<Value>) -> MethodResult<T> {
    wire::decode_at(p.unwrap_or_else(|| json!({})), "").map_err(invalid_params)
}

fn refused(r: &Refusal) -> ErrorObject {
    ErrorObject::new(code::REFUSED, r.message.clone()).with_data(json!({"kind": r.kind}))
}

fn unknown_timeline(fp: &str) -> ErrorObject {
    ErrorObject::new(
        code::UNKNOWN_TIMELINE,
        format!("no timeline with fingerprint {fp} is cached: send it with timeline.sync"),
    )
    .with_data(json!({"fingerprint": fp}))
}

fn micros(since: Instant) -> u64 {
    since.elapsed().as_micros().try_into().unwrap_or(u64::MAX)
}

use engine::task::{self, Scope, cancelled};

/// The refusal of work that was cancelled (nobody reads it: the request is gone).
fn cancelled_refusal() -> Refusal {
    Refusal::new(
        pipeline::RefusalKind::BadInput,
        "the request was cancelled before it finished",
    )
}

/// Cancels its scope when the future waiting for the work is dropped (the request was given up).
struct CancelOnDrop(Scope);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// Run `f` on the blocking pool when `heavy`, else right here (the common small case costs
/// less than a thread hop). Work on the pool can see, through [`task::cancelled`], that its
/// request was given up.
pub(super) async fn work<T: Send + 'static>(
    heavy: bool,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    work_in(Scope::new(None), heavy, f).await
}

/// [`work`] in a scope of the caller's (with its progress sink).
pub(super) async fn work_in<T: Send + 'static>(
    scope: Scope,
    heavy: bool,
    f: impl FnOnce() -> T + Send + 'static,
) -> T {
    if heavy {
        let _cancel_on_drop = CancelOnDrop(scope.clone());
        match tokio::task::spawn_blocking(move || scope.run(f)).await {
            Ok(v) => v,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    } else {
        scope.run(f)
    }
}

/// The resolver's account of each step, as the wire carries it.
pub fn wire_explanation(steps: Vec<engine::resolver::StepExplanation>) -> Vec<StepExplanation> {
    steps
        .into_iter()
        .map(|s| StepExplanation {
            action: s.action,
            matches: s
                .matches
                .into_iter()
                .map(|m| MatchedRange {
                    what: m.what,
                    range: m.range,
                    score: m.score,
                })
                .collect(),
            operations: s.operations,
            notes: s.notes,
        })
        .collect()
}

/// Read a timeline param into a cached, indexed snapshot.
fn load_timeline(input: TimelineInput) -> MethodResult<CachedTimeline> {
    let bad = |place: &str, e: &dyn std::fmt::Display| {
        ErrorObject::new(code::INVALID_TIMELINE, format!("{place}: {e}"))
            .with_data(json!({"path": place}))
    };
    let (mut tl, srt): (Timeline, Option<String>) = match input {
        TimelineInput::Otio(o) => {
            let tl = interchange::otio::read_str(&o.otio).map_err(|e| bad("timeline.otio", &e))?;
            (tl, o.srt)
        }
        TimelineInput::Native(n) => {
            if n.timeline.tracks.iter().all(|t| t.items.is_empty()) {
                return Err(bad("timeline.tracks", &"the timeline is empty"));
            }
            // Checked as a file's timeline is: frames within bounds (so no sum of them can
            // wrap), no negative durations or offsets, speeds finite and within limits.
            if let Err(interchange::ReadError::Invalid { place, why }) =
                interchange::check_bounds(&n.timeline)
            {
                let place = place.replacen('$', "timeline", 1);
                return Err(bad(&place, &why));
            }
            (n.timeline, n.srt)
        }
    };
    if let Some(srt) = srt {
        let reading = interchange::Reading::new(tl)
            .with_transcript(srt.as_bytes(), None)
            .map_err(|e| bad("timeline.srt", &e))?;
        for note in &reading.notes {
            tracing::info!("timeline.srt: {note}");
        }
        tl = reading.timeline;
    }
    Ok(CachedTimeline::new(tl))
}

impl Session {
    pub fn new(
        shared: Arc<Shared>,
        peer: SocketAddr,
        out: mpsc::Sender<Outbound>,
        kick: Arc<Notify>,
        mic_tx: mpsc::Sender<Vec<f32>>,
    ) -> Session {
        let l = &shared.config.limits;
        let bucket = Arc::new(Mutex::new(TokenBucket::new(l.requests_per_second, l.burst)));
        Session {
            shared,
            peer,
            out,
            kick,
            bucket,
            id: None,
            _place: None,
            big: false,
            client: String::new(),
            progress: false,
            failed_hellos: 0,
            voice: None,
            mic_stream: None,
            mic_tx,
            #[cfg(feature = "mic")]
            mic: None,
        }
    }

    pub fn authenticated(&self) -> bool {
        self.id.is_some()
    }

    /// The session's rate allowance (the connection takes from it for pings).
    pub fn bucket(&self) -> Arc<Mutex<TokenBucket>> {
        self.bucket.clone()
    }

    /// Send a `log` notification (may be dropped when the queue is full).
    pub(super) fn log(&self, level: protocol::wire::LogLevel, message: impl Into<String>) {
        self.notify_lossy(
            method::LOG,
            protocol::wire::Log {
                level,
                message: message.into(),
            },
        );
    }

    /// Write an audit record; when it cannot be written the client is told (a `log` warning)
    /// and `false` comes back.
    fn audit(&self, event: &str, fields: impl Serialize) -> bool {
        match self.shared.audit(event, fields) {
            Ok(recorded) => recorded,
            Err(e) => {
                self.log(
                    protocol::wire::LogLevel::Warning,
                    format!(
                        "the audit log could not be written, so this {event} is not recorded: {e}"
                    ),
                );
                false
            }
        }
    }

    /// A notification that may be dropped when the queue is full (progress, log).
    fn notify_lossy(&self, method: &str, params: impl Serialize) {
        send_lossy(&self.out, method, params);
    }

    /// Where the work of request `id` reports its progress (when the client asked for it).
    fn progress_sink(&self, id: &Option<Id>) -> Option<task::ProgressFn> {
        if !self.progress {
            return None;
        }
        let out = self.out.clone();
        let id = id.clone();
        Some(Arc::new(move |stage: &str, fraction: f64| {
            send_lossy(
                &out,
                method::PROGRESS,
                Progress {
                    id: id.clone(),
                    stage: stage.into(),
                    fraction,
                },
            );
        }))
    }

    fn progress(&self, id: &Option<Id>, stage: &str, fraction: f64) {
        if self.progress {
            self.notify_lossy(
                method::PROGRESS,
                Progress {
                    id: id.clone(),
                    stage: stage.into(),
                    fraction,
                },
            );
        }
    }

    /// Handle one text frame: rate limit, decode, authenticate, dispatch, each request within
    /// `limits.request_timeout_ms`. The reply (none for a JSON-RPC notification) is for the
    /// connection to write.
    pub async fn handle_text(&mut self, text: Utf8Bytes) -> Handled {
        let started = Instant::now();
        let reply = |text: String| Handled {
            reply: Some(text),
            flow: Flow::Continue,
        };
        let limited = self
            .bucket
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take(started);
        if let Err(wait) = limited {
            let ms = wait.as_millis().max(1);
            let l = &self.shared.config.limits;
            let e = ErrorObject::new(
                code::RATE_LIMITED,
                format!(
                    "too many requests: at most {} a second (bursts of {}); retry in {ms} ms",
                    l.requests_per_second, l.burst
                ),
            )
            .with_data(json!({"retry_after_ms": ms}));
            // The refusal echoes the id, however large the frame (read off the reactor).
            let id = work(text.len() > LARGE_TEXT, move || peek_id(&text)).await;
            return reply(reply_err(&id, &e));
        }
        // Parsing megabytes of JSON takes long enough to hold up other clients: off the reactor.
        self.big = text.len() > LARGE_TEXT;
        let decoded = work(self.big, move || decode_request(&text)).await;
        let req = match decoded {
            Ok(r) => r,
            Err(f) => return reply(reply_err(&f.id, &f.error)),
        };
        let id = req.id;
        if !self.authenticated() && req.method != method::HELLO {
            let e = ErrorObject::new(
                code::UNAUTHENTICATED,
                "not authenticated: send session.hello with the daemon's token first",
            );
            return Handled {
                reply: id.as_ref().map(|_| reply_err(&id, &e)),
                flow: Flow::Continue,
            };
        }
        let deadline = self.shared.config.limits.request_timeout();
        let method = req.method;
        let result = match tokio::time::timeout(
            deadline,
            self.call(&id, &method, req.params, started),
        )
        .await
        {
            Ok(r) => r,
            Err(_) => {
                tracing::warn!(peer = %self.peer, %method, "request timed out: cancelled");
                Err(ErrorObject::new(
                    code::TIMED_OUT,
                    format!(
                        "{method} took longer than {} s, so it was cancelled; nothing was changed",
                        deadline.as_secs_f64()
                    ),
                )
                .with_data(json!({"timeout_ms": deadline.as_millis() as u64})))
            }
        };
        let mut flow = Flow::Continue;
        let text = match result {
            Ok(text) => {
                let limit = self.shared.config.limits.max_reply_bytes;
                if text.len() > limit {
                    reply_err(
                        &id,
                        &ErrorObject::new(
                            code::REPLY_TOO_LARGE,
                            format!(
                                "the reply would be {} bytes, more than the {limit} the daemon \
                                 sends: export a timeline this large with `bridge-daemon edit`",
                                text.len()
                            ),
                        )
                        .with_data(json!({"bytes": text.len(), "limit": limit})),
                    )
                } else {
                    text
                }
            }
            Err(e) => {
                if e.code == code::UNAUTHENTICATED && self.failed_hellos >= MAX_FAILED_HELLOS {
                    flow = Flow::Close(CloseCode::Policy, "too many wrong tokens".into());
                }
                if e.code == code::SERVER_FULL {
                    flow = Flow::Close(CloseCode::Again, "the daemon is full".into());
                }
                reply_err(&id, &e)
            }
        };
        Handled {
            // A request without an id is a notification: JSON-RPC sends it no response.
            reply: id.as_ref().map(|_| text),
            flow,
        }
    }

    /// One method.
    async fn call(
        &mut self,
        id: &Option<Id>,
        method: &str,
        params: Option<Value>,
        started: Instant,
    ) -> MethodResult<String> {
        match method {
            method::HELLO => self.hello(id, params),
            method::SYNC => self.sync(id, params).await,
            method::INSTRUCT => self.instruct(id, params, started).await,
            method::EXPORT => self.export(id, params).await,
            method::ASSEMBLE => self.assemble(id, params).await,
            method::APPLY_REPORT => self.apply_report(id, params),
            method::ANALYSIS_FRAMES => self.analysis_frames(id, params),
            method::VOICE_BEGIN => self.voice_begin(id, params),
            method::VOICE_END => self.voice_end(id, params).await,
            method::VOICE_LISTEN => self.voice_listen(id, params).await,
            other => Err(ErrorObject::new(
                code::METHOD_NOT_FOUND,
                format!(
                    "unknown method {other:?}; the daemon serves {}",
                    method::REQUESTS.join(", ")
                ),
            )),
        }
    }

    fn hello(&mut self, id: &Option<Id>, p: Option<Value>) -> MethodResult<String> {
        if self.authenticated() {
            return Err(ErrorObject::new(
                code::INVALID_REQUEST,
                "this session already said hello",
            ));
        }
        let p: HelloParams = params(p)?;
        if !self.shared.token.matches(&p.token) {
            self.failed_hellos += 1;
            tracing::warn!(peer = %self.peer, client = %p.client, "wrong token");
            return Err(ErrorObject::new(
                code::UNAUTHENTICATED,
                "wrong token: use the one in the token file the daemon printed when it started",
            ));
        }
        // A place among the authenticated sessions: only a client with the token takes one.
        let place = self
            .shared
            .capacity
            .clone()
            .try_acquire_owned()
            .map_err(|_| {
                let max = self.shared.config.limits.max_sessions;
                tracing::warn!(peer = %self.peer, "refused a session: {max} are open");
                ErrorObject::new(
                    code::SERVER_FULL,
                    format!("the daemon already serves {max} sessions, its limit; try again later"),
                )
                .with_data(json!({"max_sessions": max}))
            })?;
        self._place = Some(place);
        let session = self.shared.new_id("s");
        self.shared.register_session(
            session.clone(),
            SessionEntry {
                out: self.out.clone(),
                kick: self.kick.clone(),
                applier: p.roles.contains(&Role::Applier),
                timelines: VecDeque::new(),
            },
        );
        self.client = p.client.clone();
        self.progress = p.progress;
        self.id = Some(session.clone());
        tracing::info!(peer = %self.peer, %session, client = %p.client, version = %p.version, roles = ?p.roles, "session opened");
        let l = &self.shared.config.limits;
        let result = HelloResult {
            session,
            server_version: env!("CARGO_PKG_VERSION").to_string(),
            protocol_version: wire::PROTOCOL_VERSION,
            backends: vec![self.shared.backend.name().to_string()],
            formats: Format::NAMES.split(", ").map(str::to_string).collect(),
            limits: SessionLimits {
                max_message_bytes: l.max_message_bytes as u64,
                requests_per_second: l.requests_per_second,
                burst: l.burst,
            },
        };
        Ok(reply_ok(id, &result))
    }

    fn session_id(&self) -> &str {
        self.id.as_deref().unwrap_or("")
    }

    /// Parse, index and cache a timeline param; the session is noted as having it open.
    async fn take_timeline(
        &self,
        id: &Option<Id>,
        input: TimelineInput,
    ) -> MethodResult<Arc<CachedTimeline>> {
        self.progress(id, "timeline", 0.0);
        let heavy = match &input {
            TimelineInput::Otio(o) => o.otio.len() > LARGE_TEXT,
            TimelineInput::Native(n) => is_large(&n.timeline),
        };
        let cached = work(heavy, move || load_timeline(input)).await?;
        let cached = self.shared.cache_timeline(cached);
        self.shared
            .session_synced(self.session_id(), &cached.fingerprint);
        Ok(cached)
    }

    async fn sync(&mut self, id: &Option<Id>, p: Option<Value>) -> MethodResult<String> {
        let p = work(self.big, move || {
            SyncParams::decode(p.unwrap_or_else(|| json!({})))
        })
        .await
        .map_err(invalid_params)?;
        let t = self.take_timeline(id, p.timeline).await?;
        let tl = &t.timeline;
        let clips = tl.v1().map(|v| v.clips_with_ranges().count()).unwrap_or(0);
        let result = SyncResult {
            fingerprint: t.fingerprint.clone(),
            name: tl.name.clone(),
            duration: tl.duration(),
            clips,
            subtitles: tl.subtitles.len(),
        };
        self.progress(id, "done", 1.0);
        Ok(reply_ok(id, &result))
    }

    async fn instruct(
        &mut self,
        id: &Option<Id>,
        p: Option<Value>,
        started: Instant,
    ) -> MethodResult<String> {
        self.instruct_as(id, p, started, false).await
    }

    /// `edit.instruct`; `spoken` instructions (from this session's voice) are proposed to this
    /// session too when it is an applier, since no reply shows them the cut list.
    async fn instruct_as(
        &mut self,
        id: &Option<Id>,
        p: Option<Value>,
        started: Instant,
        spoken: bool,
    ) -> MethodResult<String> {
        let p = work(self.big, move || {
            InstructParams::decode(p.unwrap_or_else(|| json!({})))
        })
        .await
        .map_err(invalid_params)?;
        let mut timings = Timings::default();
        let t0 = Instant::now();
        let cached = match (p.timeline, &p.fingerprint) {
            (Some(input), fp) => {
                let t = self.take_timeline(id, input).await?;
                if let Some(fp) = fp.as_ref().filter(|fp| **fp != t.fingerprint) {
                    return Err(invalid_params(wire::DecodeError {
                        path: "fingerprint".into(),
                        message: format!(
                            "{fp} is not the fingerprint of the timeline sent ({})",
                            t.fingerprint
                        ),
                    }));
                }
                timings.timeline_us = micros(t0);
                t
            }
            (None, Some(fp)) => self
                .shared
                .timeline(fp)
                .ok_or_else(|| unknown_timeline(fp))?,
                        // The OFX node names no timeline: the one an adapter synced last is meant.
            (None, None) => self.shared.last_timeline().ok_or_else(|| {
                invalid_params(wire::DecodeError {
                    path: "timeline".into(),
                    message: "give the timeline, or the fingerprint timeline.sync returned (no timeline has been synced yet)".into(),
                })
            })?,
        };
        let text = p.text;
        let selection = p.selection;
        // A standing preference said as an instruction is saved, as `edit` and `ask` do, and
        // answered with an empty cut list.
        let store = engine::prefs::PrefStore::default_location().ok();
        if let Some(saved) = pipeline::spoken_preference(&cached.timeline, &text, store.as_ref()) {
            let mut result = saved.map_err(|r| refused(&r))?;
            result.cut_list.id = self.shared.new_id("cl");
            result.timings.total_us = micros(started);
            self.audit(
                "preference",
                json!({"session": self.session_id(), "client": self.client, "text": text,
                       "project": cached.timeline.name,
                       "saved": result.preference_saved.as_ref().map(|p| p.said.clone())}),
            );
            self.progress(id, "done", 1.0);
            return Ok(reply_ok(id, &result));
        }
        let backend = self.shared.backend.clone();
        let heavy = cached.is_large();
        self.progress(id, "understand", 0.25);
        let work_cached = cached.clone();
        let pictures = self.shared.pictures();
        let work_text = text.clone();
        let work_shared = self.shared.clone();
        let client = self.session_id().to_string();
        // A backend that waits on a model or the network runs on the blocking pool, never on a
        // reactor thread.
        // Without a transcript, pauses are heard in the media: decoding is blocking work.
        let blocking = heavy || !backend.is_quick() || cached.timeline.subtitles.is_empty();
        let mut scope = Scope::new(self.progress_sink(id));
        if self.shared.config.transcribe_media && self.shared.transcription_unavailable.is_none() {
            scope = scope.with_transcriber(self.shared.transcriber.clone(), None);
        }
        let (outcome, understand_us, resolve_us) = work_in(scope, blocking, move || {
            let t = &work_cached;
            // The project's standing preferences (none saved: an empty set). A preferences file
            // that cannot be read refuses the edit: a range the editor protected must not be
            // cut because its file was damaged.
            let prefs = match engine::prefs::PrefStore::default_location() {
                Err(_) => engine::prefs::Preferences::default(),
                Ok(store) => store.load(&t.timeline.name).map_err(|e| {
                    pipeline::Refusal::new(
                        pipeline::RefusalKind::BadInput,
                        format!(
                            "the project's preferences cannot be read, so nothing was edited: {e}"
                        ),
                    )
                })?,
            };
            // Lines by emotion: the backend's model labels them, once per timeline (cached).
            let labels = || work_shared.emotion_labels(t);
            let stop = || cancelled().then(cancelled_refusal);
            let request = pipeline::InstructRequest {
                client: &client,
                preferences: Some(&prefs),
                index: Some((&t.index, &t.context)),
                selection,
                // What an OFX node saw: the index gets its eyes.
                pictures,
                labels: Some(&labels),
                stop: Some(&stop),
                ..pipeline::InstructRequest::new(&t.timeline, &work_text, &*backend)
            };
            let (outcome, times) = pipeline::run_timed(&request)?;
            Ok::<_, Refusal>((outcome, times.understand_us, times.resolve_us))
        })
        .await
        .map_err(|r| {
            self.audit(
                "refusal",
                json!({"session": self.session_id(), "client": self.client, "text": text,
                       "fingerprint": cached.fingerprint, "kind": r.kind, "message": r.message}),
            );
            refused(&r)
        })?;
        timings.understand_us = understand_us;
        timings.resolve_us = resolve_us;
        self.progress(id, "resolve", 0.75);

        let summary = pipeline::explain_text(&cached.timeline, &outcome);
        let mut cut_list = outcome.cut_list;
        cut_list.id = self.shared.new_id("cl");
        let explanation = wire_explanation(outcome.explanation);
        let result_fingerprint = outcome.timeline.fingerprint();
        #[derive(Serialize)]
        struct InstructionRecord<'a> {
            session: &'a str,
            client: &'a str,
            text: &'a str,
            fingerprint: &'a str,
            selection: Option<protocol::FrameRange>,
            intent: &'a protocol::Intent,
            cut_list: &'a protocol::CutList,
        }
        self.audit(
            "instruction",
            InstructionRecord {
                session: self.session_id(),
                client: &self.client,
                text: &text,
                fingerprint: &cached.fingerprint,
                selection,
                intent: &outcome.intent,
                cut_list: &cut_list,
            },
        );
        self.shared.store_cut_list(StoredCutList {
            cut_list: cut_list.clone(),
        });
        drop(outcome.timeline);
        let except = if spoken { "" } else { self.session_id() };
        if self.shared.has_appliers(&cached.fingerprint, except) {
            let proposed = Notification::new(
                method::EDIT_PROPOSED,
                EditProposed {
                    cut_list: cut_list.clone(),
                    intent: outcome.intent.clone(),
                    text,
                    summary: summary.clone(),
                    from_session: self.session_id().to_string(),
                },
            );
            if let Ok(t) = serde_json::to_string(&proposed) {
                self.shared
                    .notify_appliers(&cached.fingerprint, except, &Utf8Bytes::from(t));
            }
        }
        timings.total_us = micros(started);
        let result = InstructResult {
            cut_list,
            intent: outcome.intent,
            explanation,
            summary,
            result_fingerprint,
            timings,
            preference_saved: None,
        };
        self.progress(id, "done", 1.0);
        Ok(reply_ok(id, &result))
    }

    async fn export(&mut self, id: &Option<Id>, p: Option<Value>) -> MethodResult<String> {
        let p: ExportParams = params(p)?;
        let format = Format::from_name(&p.format).ok_or_else(|| {
            ErrorObject::new(
                code::UNKNOWN_FORMAT,
                format!(
                    "unknown format {:?}: the daemon writes {}",
                    p.format,
                    Format::NAMES
                ),
            )
            .with_data(json!({"formats": Format::NAMES.split(", ").collect::<Vec<_>>()}))
        })?;
        enum Source {
            Apply(Arc<CachedTimeline>, protocol::CutList),
            AsIs(Arc<CachedTimeline>),
        }
        let source = match (p.cut_list, p.fingerprint) {
            (Some(CutListRef::Id(cl)), _) => {
                let stored = self.shared.cut_list(&cl).ok_or_else(|| {
                    ErrorObject::new(
                        code::UNKNOWN_CUT_LIST,
                        format!("no cut list {cl:?}: it was never made here, or it is too old"),
                    )
                    .with_data(json!({"cut_list_id": cl}))
                })?;
                // The edited timeline is made again from the cached one (kept cut lists do not
                // hold it).
                let fp = &stored.cut_list.fingerprint;
                let t = self
                    .shared
                    .timeline(fp)
                    .ok_or_else(|| unknown_timeline(fp))?;
                Source::Apply(t, stored.cut_list.clone())
            }
            (Some(CutListRef::Inline(cl)), fp) => {
                let fp = fp.unwrap_or_else(|| cl.fingerprint.clone());
                if fp.is_empty() {
                    return Err(invalid_params(wire::DecodeError {
                        path: "cut_list.fingerprint".into(),
                        message: "a cut list needs the fingerprint of its timeline".into(),
                    }));
                }
                let t = self
                    .shared
                    .timeline(&fp)
                    .ok_or_else(|| unknown_timeline(&fp))?;
                Source::Apply(t, cl)
            }
            (None, Some(fp)) => Source::AsIs(
                self.shared
                    .timeline(&fp)
                    .ok_or_else(|| unknown_timeline(&fp))?,
            ),
            (None, None) => {
                return Err(invalid_params(wire::DecodeError {
                    path: "cut_list".into(),
                    message: "give a cut list (its id or itself) or a fingerprint".into(),
                }));
            }
        };
        let heavy = match &source {
            Source::Apply(t, _) | Source::AsIs(t) => t.is_large(),
        };
        let name = p.format;
        let result = work(heavy, move || {
            let render = |tl: &Timeline| ExportResult {
                format: name.clone(),
                text: interchange::write_string(tl, format),
                fingerprint: tl.fingerprint(),
            };
            match source {
                Source::AsIs(t) => Ok(render(&t.timeline)),
                Source::Apply(t, cl) => protocol::apply(&t.timeline, &cl)
                    .map(|tl| render(&tl))
                    .map_err(|e| {
                        ErrorObject::new(code::INVALID_CUT_LIST, format!("cut list: {e}"))
                    }),
            }
        })
        .await?;
        Ok(reply_ok(id, &result))
    }

    /// `edit.assemble`: a bin of takes, their transcripts and a script → an assembly (the same
    /// as `bridge-daemon assemble`), for adapters that assemble from a bin of the NLE.
    async fn assemble(&mut self, id: &Option<Id>, p: Option<Value>) -> MethodResult<String> {
        let p: wire::AssembleParams = work(self.big, move || params(p)).await?;
        let format_name = p.format.clone().unwrap_or_else(|| "otio".to_string());
        let format = Format::from_name(&format_name).ok_or_else(|| {
            ErrorObject::new(
                code::UNKNOWN_FORMAT,
                format!(
                    "unknown format {format_name:?}: the daemon writes {}",
                    Format::NAMES
                ),
            )
        })?;
        let scope = Scope::new(self.progress_sink(id));
        let result = work_in(
            scope,
            true,
            move || -> MethodResult<wire::AssembleResult> {
                use engine::assemble;
                let script = assemble::script_lines(&p.script);
                if script.is_empty() {
                    return Err(invalid_params(wire::DecodeError {
                        path: "script".into(),
                        message: "the script has no lines".into(),
                    }));
                }
                let mut bin = load_timeline(p.bin)?.timeline;
                let rate = bin.rate;
                let mut bad: Option<(String, String)> = None;
                let untranscribed = assemble::place_transcripts(&mut bin, |clip| {
                    let (key, text) = assemble::transcript_names(clip)
                        .into_iter()
                        .find_map(|n| p.transcripts.get(&n).map(|t| (n, t)))?;
                    match interchange::transcript::read_bytes(text.as_bytes(), None, rate, 0) {
                        Ok(t) => Some(t.lines),
                        Err(e) => {
                            bad.get_or_insert((key, e.to_string()));
                            None
                        }
                    }
                });
                if let Some((key, e)) = bad {
                    return Err(invalid_params(wire::DecodeError {
                        path: format!("transcripts.{key}"),
                        message: e,
                    }));
                }
                let name = p.name.unwrap_or_else(|| "assembly".to_string());
                let a = assemble::assemble(&bin, &script, &name);
                let take = |t: &assemble::Take| wire::AssembledTake {
                    clip: t.clip_name.clone(),
                    text: t.text.clone(),
                    coverage: t.said.coverage,
                    score: t.score,
                    why: t.said.reasons(),
                };
                let lines: Vec<wire::AssembledLine> = a
                    .lines
                    .iter()
                    .map(|l| wire::AssembledLine {
                        line: l.line as u32 + 1,
                        text: l.text.clone(),
                        chosen: l.chosen.as_ref().map(take),
                        alternates: l.alternates.iter().map(take).collect(),
                        closest: l.closest.as_ref().map(take),
                    })
                    .collect();
                Ok(wire::AssembleResult {
                    format: format_name,
                    text: interchange::write_string(&a.timeline, format),
                    missing: a.unmatched().count() as u32,
                    lines,
                    untranscribed,
                    report_html: assemble::render_report(&a, "the script"),
                })
            },
        )
        .await?;
        self.audit(
            "assemble",
            json!({"session": self.session_id(), "client": self.client,
                   "lines": result.lines.len(), "missing": result.missing}),
        );
        Ok(reply_ok(id, &result))
    }

    /// `analysis.frames` from an OFX node: kept for picture targets ("cut the dark shots").
    fn analysis_frames(&mut self, id: &Option<Id>, p: Option<Value>) -> MethodResult<String> {
        let p: protocol::wire::AnalysisFramesParams = params(p)?;
        self.shared.add_pictures(&p.frames);
        Ok(reply_ok(id, &json!({"frames": p.frames.len()})))
    }

    fn apply_report(&mut self, id: &Option<Id>, p: Option<Value>) -> MethodResult<String> {
        let p: ApplyReportParams = params(p)?;
        let known = self.shared.cut_list(&p.cut_list_id);
        let failed = p.results.iter().filter(|r| !r.ok).count();
        let recorded = self.audit(
            "apply_report",
            json!({"session": self.session_id(), "client": self.client,
                   "cut_list_id": p.cut_list_id,
                   "fingerprint": known.as_ref().map(|k| k.cut_list.fingerprint.clone()),
                   "status": p.status, "backup": p.backup, "failed": failed,
                   "results": p.results}),
        );
        tracing::info!(session = %self.session_id(), cut_list = %p.cut_list_id, failed, "apply report");
        Ok(reply_ok(
            id,
            &ApplyReportResult {
                recorded,
                known_cut_list: known.is_some(),
            },
        ))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(id) = &self.id {
            self.shared.unregister_session(id);
            tracing::debug!(session = %id, "session closed");
        }
    }
}
