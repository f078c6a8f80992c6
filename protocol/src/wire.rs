//! Wire messages: JSON-RPC 2.0 envelopes and the params and results of every method the daemon
//! serves, exported as JSON Schema for the adapters (`schema::all`).
//!
//! One JSON-RPC message travels in one WebSocket text frame; binary frames are reserved for audio.
//! `docs/protocol.md` describes the conversation; this module is the contract it is checked
//! against.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{CutList, FrameRange, Intent, Operation, Timeline};

/// The protocol version a client names in `session.hello` and the server reports back.
pub const PROTOCOL_VERSION: u32 = 1;

/// Method names, as they appear in `method`.
pub mod method {
    /// Client → server: authenticate; nothing else is served before it.
    pub const HELLO: &str = "session.hello";
    /// Client → server: send a timeline snapshot; the server caches it by fingerprint.
    pub const SYNC: &str = "timeline.sync";
    /// Client → server: one instruction → a cut list.
    pub const INSTRUCT: &str = "edit.instruct";
    /// Client → server: a timeline (edited by a cut list, or as synced) rendered as a file.
    pub const EXPORT: &str = "edit.export";
    /// Client → server: a bin of takes with their transcripts and a script → an assembly.
    pub const ASSEMBLE: &str = "edit.assemble";
    /// Adapter → server: how applying a cut list went.
    pub const APPLY_REPORT: &str = "apply.report";
    /// OFX node → server (notification): features of frames the node rendered.
    pub const ANALYSIS_FRAMES: &str = "analysis.frames";
    /// Server → appliers (notification): a cut list for a timeline they synced.
    pub const EDIT_PROPOSED: &str = "edit.proposed";
    /// Server → client (notification): how far a request has got.
    pub const PROGRESS: &str = "progress";
    /// Server → client (notification): something a person may want to read.
    pub const LOG: &str = "log";
    /// Client → server: a stream of PCM audio follows in binary frames.
    pub const VOICE_BEGIN: &str = "voice.begin";
    /// Client → server: the stream is over; the last utterance ends and the result lists all.
    pub const VOICE_END: &str = "voice.end";
    /// Client → server: the daemon's own microphone on or off (push-to-talk or hands-free).
    pub const VOICE_LISTEN: &str = "voice.listen";
    /// Server → client (notification): speech started, an utterance ended, or one was too long.
    pub const VOICE_UTTERANCE: &str = "voice.utterance";
    /// Server → client (notification): the text of an utterance (needs a Whisper model).
    pub const VOICE_TRANSCRIPT: &str = "voice.transcript";
    /// Server → appliers (notification): undo the last cut list applied (a spoken "undo").
    pub const EDIT_UNDO: &str = "edit.undo";

    /// The methods a client may call, in the order a session usually calls them.
    pub const REQUESTS: [&str; 10] = [
        HELLO,
        SYNC,
        INSTRUCT,
        EXPORT,
        ASSEMBLE,
        APPLY_REPORT,
        ANALYSIS_FRAMES,
        VOICE_BEGIN,
        VOICE_END,
        VOICE_LISTEN,
    ];
    /// The notifications the server sends.
    pub const NOTIFICATIONS: [&str; 6] = [
        EDIT_PROPOSED,
        PROGRESS,
        LOG,
        VOICE_UTTERANCE,
        VOICE_TRANSCRIPT,
        EDIT_UNDO,
    ];
}

/// Error codes: JSON-RPC's own, then the daemon's (−32000 to −32099, reserved for servers).
/// Declares the error codes and [`code::ALL`], the one list every other copy (the schema's table,
/// `docs/protocol.md`, the Python adapter's constants) is generated from or checked against.
macro_rules! error_codes {
    ($( $(#[$doc:meta])* $name:ident = $value:expr; )*) => {
        $( $(#[$doc])* pub const $name: i64 = $value; )*
        /// Every code with its constant's name, in declaration order.
        pub const ALL: &[(i64, &str)] = &[ $( ($value, stringify!($name)) ),* ];
    };
}

pub mod code {
    error_codes! {
        /// The frame is not JSON.
        PARSE_ERROR = -32700;
        /// JSON, but not a JSON-RPC 2.0 request object (a batch, no `method`, a bad `id`).
        INVALID_REQUEST = -32600;
        /// No such method.
        METHOD_NOT_FOUND = -32601;
        /// The params do not match the method's schema; `data.path` says where.
        INVALID_PARAMS = -32602;
        /// A bug in the daemon; the message says what failed.
        INTERNAL_ERROR = -32603;
        /// No valid `session.hello` yet (or a wrong token).
        UNAUTHENTICATED = -32001;
        /// More requests per second than the session may send; retry after `data.retry_after_ms`.
        RATE_LIMITED = -32002;
        /// A binary (audio) frame outside a voice stream: send `voice.begin` first. Answered with
        /// id null; the session goes on.
        BINARY_NOT_SUPPORTED = -32003;
        /// The daemon already serves as many sessions as it may (`data.max_sessions`): the hello is
        /// refused and the connection closed (1013); try again later.
        SERVER_FULL = -32004;
        /// The instruction changed nothing; `data.kind` says why (`not_understood`, `no_match`, …).
        REFUSED = -32010;
        /// No cached timeline has this fingerprint (never synced, or evicted): sync it again.
        UNKNOWN_TIMELINE = -32011;
        /// No cut list has this id (never made, or evicted).
        UNKNOWN_CUT_LIST = -32012;
        /// The requested export format is not one the daemon writes.
        UNKNOWN_FORMAT = -32013;
        /// The timeline could not be read (bad OTIO, bad SRT, an empty timeline).
        INVALID_TIMELINE = -32014;
        /// The cut list cannot be applied to its timeline.
        INVALID_CUT_LIST = -32015;
        /// The request took longer than the daemon allows (`data.timeout_ms`); its work was
        /// cancelled and nothing it would have made was kept.
        TIMED_OUT = -32016;
        /// The reply would be larger than the daemon sends (`data.bytes`, `data.limit`): export a
        /// timeline that large with the `edit` command instead.
        REPLY_TOO_LARGE = -32017;
        /// Audio the daemon cannot take: an unknown format, an unsupported rate or channel count
        /// (`voice.begin`), or a binary frame that is not a whole number of samples (id null). The
        /// stream goes on without that frame.
        BAD_AUDIO = -32020;
        /// An utterance went on past the longest one the daemon takes (`data.max_s`): its audio was
        /// dropped (id null, or in `voice.end`). The stream goes on.
        UTTERANCE_TOO_LONG = -32021;
        /// The daemon's microphone cannot be used: built without the `mic` feature, or no input
        /// device.
        NO_INPUT_DEVICE = -32022;
    }
}

/// Always `"2.0"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Version {
    #[default]
    #[serde(rename = "2.0")]
    V2,
}

/// A request id: a number or a string, echoed in the response.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Id {
    Number(i64),
    String(String),
}

/// A call from a client. Without `id` it is a notification and gets no response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Request {
    pub jsonrpc: Version,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    pub method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
}

/// The answer to a request: exactly one of `result` or `error`. `id` is null when the request's
/// id could not be read (a parse error).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Response {
    pub jsonrpc: Version,
    pub id: Option<Id>,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// `result` or `error`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Result(Value),
    Error(ErrorObject),
}

/// A JSON-RPC error. `data` depends on the code: `{path}` for invalid params, `{kind}` for a
/// refusal, `{fingerprint}` for an unknown timeline, `{retry_after_ms}` when rate limited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema, thiserror::Error)]
#[error("{message} (error {code})")]
pub struct ErrorObject {
    pub code: i64,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl ErrorObject {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        ErrorObject {
            code,
            message: message.into(),
            data: None,
        }
    }

    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// `data.path` of an invalid-params error, `data.kind` of a refusal, … as text.
    pub fn data_str(&self, key: &str) -> Option<&str> {
        self.data.as_ref()?.get(key)?.as_str()
    }
}

/// A message from the server that answers no request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Notification {
    pub jsonrpc: Version,
    pub method: String,
    #[serde(default)]
    pub params: Value,
}

impl Response {
    pub fn result(id: Option<Id>, result: Value) -> Self {
        Response {
            jsonrpc: Version::V2,
            id,
            outcome: Outcome::Result(result),
        }
    }

    pub fn error(id: Option<Id>, error: ErrorObject) -> Self {
        Response {
            jsonrpc: Version::V2,
            id,
            outcome: Outcome::Error(error),
        }
    }
}

impl Notification {
    pub fn new(method: &str, params: impl Serialize) -> Self {
        Notification {
            jsonrpc: Version::V2,
            method: method.to_string(),
            params: serde_json::to_value(params).unwrap_or(Value::Null),
        }
    }
}

// ---- session.hello ----------------------------------------------------------------------------

/// What a session does besides asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Sends instructions (every session may; naming it is optional).
    Editor,
    /// Applies cut lists: receives `edit.proposed` for every timeline it syncs.
    Applier,
}

/// `session.hello` params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HelloParams {
    /// The daemon's token (the file whose path the daemon prints when it starts).
    pub token: String,
    /// Who is calling, for logs: `resolve-script`, `premiere-panel`, `ofx`, `bridge-daemon ask`.
    pub client: String,
    /// The client's own version.
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Send `progress` notifications for this session's requests.
    #[serde(default)]
    pub progress: bool,
}

/// Limits the server enforces on this session.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SessionLimits {
    /// The largest message (and frame) accepted; a bigger one closes the connection with 1009.
    pub max_message_bytes: u64,
    /// Sustained requests per second; bursts up to `burst` are allowed.
    pub requests_per_second: u32,
    pub burst: u32,
}

/// `session.hello` result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HelloResult {
    /// This session's id (in logs, in `edit.proposed.from_session`).
    pub session: String,
    pub server_version: String,
    pub protocol_version: u32,
    /// Understanding backends this daemon serves; the first is the default.
    pub backends: Vec<String>,
    /// Export formats `edit.export` accepts.
    pub formats: Vec<String>,
    pub limits: SessionLimits,
}

// ---- timelines on the wire --------------------------------------------------------------------

/// A timeline as a client sends it: OTIO text (what Resolve exports) with an optional SRT
/// transcript, or the protocol's own timeline JSON, which may carry `srt` as well.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TimelineInput {
    Otio(OtioSnapshot),
    Native(NativeSnapshot),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OtioSnapshot {
    /// OpenTimelineIO JSON, as text.
    pub otio: String,
    /// SubRip subtitles timed from the timeline's first frame; they replace any in the OTIO.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub srt: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct NativeSnapshot {
    #[serde(flatten)]
    pub timeline: Timeline,
    /// SubRip subtitles timed from the timeline's first frame; they replace `subtitles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub srt: Option<String>,
}

/// Where and why a value did not decode.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DecodeError {
    /// A JSON path from the params object: `timeline.tracks[0].kind`.
    pub path: String,
    pub message: String,
}

/// Decode `value` as a `T`, naming the path of the first problem, prefixed with `at`.
pub fn decode_at<T: serde::de::DeserializeOwned>(value: Value, at: &str) -> Result<T, DecodeError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut inner = e.path().to_string();
        let message = e.into_inner().to_string();
        // serde names a missing field in the message, at its parent's path: point at the field.
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|m| m.split('`').next())
        {
            inner = if inner == "." {
                field.to_string()
            } else {
                format!("{inner}.{field}")
            };
        }
        let path = match (at.is_empty(), inner == ".") {
            (true, true) => "$".to_string(),
            (true, false) => inner,
            (false, true) => at.to_string(),
            (false, false) if inner.starts_with('[') => format!("{at}{inner}"),
            (false, false) => format!("{at}.{inner}"),
        };
        DecodeError { path, message }
    })
}

impl TimelineInput {
    /// Decode a timeline param with a path-precise error (`timeline.tracks[0].kind`): an object
    /// with `otio` is OTIO text, any other object the protocol's timeline JSON.
    pub fn decode(value: Value, at: &str) -> Result<TimelineInput, DecodeError> {
        let Value::Object(mut map) = value else {
            return Err(DecodeError {
                path: at.to_string(),
                message: "a timeline is an object: the protocol's timeline JSON or {\"otio\": \"<OTIO text>\", \"srt\": \"<SRT text>\"}".into(),
            });
        };
        if map.contains_key("otio") {
            return decode_at(Value::Object(map), at).map(TimelineInput::Otio);
        }
        let srt = match map.remove("srt") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                return Err(DecodeError {
                    path: format!("{at}.srt"),
                    message: "srt is SubRip text (a string)".into(),
                });
            }
        };
        let timeline = decode_at(Value::Object(map), at)?;
        Ok(TimelineInput::Native(NativeSnapshot { timeline, srt }))
    }
}

/// Take `timeline` out of a params object and decode it with [`TimelineInput::decode`], so that
/// an error inside a timeline names its full path; the rest decodes with the params' own type.
fn take_timeline(params: &mut Value) -> Result<Option<TimelineInput>, DecodeError> {
    match params.as_object_mut().and_then(|m| m.remove("timeline")) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => TimelineInput::decode(v, "timeline").map(Some),
    }
}

impl SyncParams {
    /// Decode `timeline.sync` params with a path-precise error.
    pub fn decode(mut params: Value) -> Result<SyncParams, DecodeError> {
        if !params.is_object() {
            return decode_at::<SyncParams>(params, "");
        }
        match take_timeline(&mut params)? {
            Some(timeline) => Ok(SyncParams { timeline }),
            None => Err(DecodeError {
                path: "timeline".into(),
                message: "missing field `timeline`".into(),
            }),
        }
    }
}

impl InstructParams {
    /// Decode `edit.instruct` params with a path-precise error.
    pub fn decode(mut params: Value) -> Result<InstructParams, DecodeError> {
        let timeline = take_timeline(&mut params)?;
        let mut p: InstructParams = decode_at(params, "")?;
        p.timeline = timeline;
        Ok(p)
    }
}

// ---- timeline.sync ----------------------------------------------------------------------------

/// `timeline.sync` params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SyncParams {
    pub timeline: TimelineInput,
}

/// `timeline.sync` result: the snapshot's fingerprint and what the daemon read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SyncResult {
    pub fingerprint: String,
    pub name: String,
    /// Record frames of the longest track.
    pub duration: i64,
    /// Clips on the main picture track.
    pub clips: usize,
    pub subtitles: usize,
}

// ---- edit.instruct ----------------------------------------------------------------------------

/// `edit.instruct` params: the text and a timeline, inline or by the fingerprint of a sync.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InstructParams {
    /// The instruction, in Chinese or English.
    pub text: String,
    /// The timeline to edit, inline (it is cached as if synced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<TimelineInput>,
    /// The fingerprint a `timeline.sync` returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The editor's selection (record frames): operations are clipped to it. Honoured for
    /// one-step instructions; a several-step instruction with a selection is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<FrameRange>,
}

/// One thing a target matched.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MatchedRange {
    pub what: String,
    pub range: FrameRange,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

/// How one step of the instruction was resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepExplanation {
    pub action: String,
    pub matches: Vec<MatchedRange>,
    pub operations: Vec<Operation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// Where the server spent its time on a request, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Timings {
    /// Reading and indexing an inline timeline (0 for a synced one).
    pub timeline_us: u64,
    /// Text → intent.
    pub understand_us: u64,
    /// Intent → cut list.
    pub resolve_us: u64,
    /// Everything, from the frame read to the reply written to the session's queue.
    pub total_us: u64,
}

/// `edit.instruct` result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InstructResult {
    /// The cut list, with its `id` (for `edit.export` and `apply.report`) and the fingerprint of
    /// the snapshot it was made for.
    pub cut_list: CutList,
    pub intent: Intent,
    /// Per step: what matched and the operations it became.
    pub explanation: Vec<StepExplanation>,
    /// The same, as text for a person.
    pub summary: String,
    /// The fingerprint of the timeline after the cut list.
    pub result_fingerprint: String,
    pub timings: Timings,
    /// The instruction stated a standing preference of the project ("always leave 10 frames
    /// around cuts", "保护第三句"): it was saved, and the cut list is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preference_saved: Option<PreferenceSaved>,
}

/// A standing preference said as an instruction and saved for the project.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PreferenceSaved {
    /// What was saved, as a person reads it.
    pub said: String,
    /// The project (the timeline's name) it belongs to.
    pub project: String,
}

/// `data` of a [`code::REFUSED`] error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RefusalData {
    /// Why: `not_understood`, `unsupported`, `no_match`, `ambiguous`, `too_much`, `impossible`,
    /// `bad_input`, or `backend` (the understanding backend's model server failed, timed out or
    /// answered no intent).
    pub kind: crate::RefusalKind,
}

/// `data` of a [`code::INVALID_PARAMS`] error.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct InvalidParamsData {
    /// Where in the params: `timeline.tracks[0].kind`, `text`, `$` for the params themselves.
    pub path: String,
}

// ---- edit.export ------------------------------------------------------------------------------

/// A cut list by the id `edit.instruct` gave it, or a whole cut list (applied to the cached
/// timeline its `fingerprint` names).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum CutListRef {
    Id(String),
    Inline(CutList),
}

/// `edit.export` params: give `cut_list` (the edited timeline) or `fingerprint` (a synced
/// timeline as it is, e.g. to convert it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExportParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cut_list: Option<CutListRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// A format name as `hello.formats` lists them: `otio`, `json`, …
    pub format: String,
}

/// `edit.export` result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExportResult {
    pub format: String,
    /// The file's contents.
    pub text: String,
    /// The fingerprint of the exported timeline.
    pub fingerprint: String,
}

// ---- edit.assemble ----------------------------------------------------------------------------

/// `edit.assemble` params: the takes, what each says, and the script.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AssembleParams {
    /// The bin: its V1 clips are the takes.
    pub bin: TimelineInput,
    /// Each take's transcript (SRT or WebVTT text, timed from the clip's first frame), keyed by
    /// the clip's name or its media file's name without extension.
    pub transcripts: std::collections::BTreeMap<String, String>,
    /// The script: one line of dialogue per line (blank lines and `#` comments skipped).
    pub script: String,
    /// The assembly's name [default: "assembly"].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The format of `text`, as `hello.formats` lists them [default: `otio`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// A take of a script line, as the assembly judged it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AssembledTake {
    /// The take's clip name in the bin.
    pub clip: String,
    /// What the take says.
    pub text: String,
    /// Share of the line's words it says, in order (0–1).
    pub coverage: f64,
    pub score: f64,
    /// Why, in a few words: "complete, fluent, no repeats".
    pub why: String,
}

/// One script line of an assembly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AssembledLine {
    /// 1-based line of the script (comments and blank lines not counted).
    pub line: u32,
    pub text: String,
    /// The take on V1; none for a line no take says (a red-marked slug stands in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chosen: Option<AssembledTake>,
    /// The other takes that say the line, best first, on the disabled alternate tracks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternates: Vec<AssembledTake>,
    /// For a line no take says: the take that came closest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closest: Option<AssembledTake>,
}

/// `edit.assemble` result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AssembleResult {
    pub format: String,
    /// The assembled timeline's file.
    pub text: String,
    pub lines: Vec<AssembledLine>,
    /// Script lines said in no take.
    pub missing: u32,
    /// Clips of the bin that had no transcript (never chosen).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub untranscribed: Vec<String>,
    /// The coverage report as one HTML page.
    pub report_html: String,
}

// ---- apply.report -----------------------------------------------------------------------------

/// How an adapter's apply ended as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplyStatus {
    /// Every operation was applied.
    Applied,
    /// Something failed and the timeline was put back as it was.
    RolledBack,
    /// Something failed and the timeline is partly edited (the backup is the way back).
    Partial,
}

/// What happened to one operation of the cut list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OperationResult {
    /// 0-based position in `cut_list.operations`.
    pub index: usize,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
}

/// `analysis.frames` params: what the OFX node saw in the frames it rendered. Sent as a
/// notification (no id, no reply). `time` is the node's render time in frames; the daemon takes it
/// as record time of the timeline last synced (the node sits on the timeline, or on an adjustment
/// clip spanning it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AnalysisFramesParams {
    /// Which node instance sent them.
    #[serde(default)]
    pub node: String,
    pub frames: Vec<AnalysisFrame>,
}

/// One analysed frame (fields the daemon does not use, such as the histogram, are allowed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AnalysisFrame {
    pub time: f64,
    /// Mean Rec. 709 luma, 1.0 = full scale.
    pub mean_luma: f32,
    /// `(R − B) / (R + B)` of the means, −1..1; positive is warm.
    pub warmth: f32,
    #[serde(default)]
    pub black: bool,
    #[serde(default)]
    pub dark: bool,
    #[serde(default)]
    pub bright: bool,
    /// Histogram distance to the frame before (0 same, 1 nothing alike), when that one was seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shot_change: Option<f32>,
}

/// `apply.report` params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApplyReportParams {
    pub cut_list_id: String,
    pub results: Vec<OperationResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ApplyStatus>,
    /// Where the adapter kept the original (a duplicated timeline's name, a file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
}

/// `apply.report` result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApplyReportResult {
    /// The report was written to the audit log.
    pub recorded: bool,
    /// Whether the daemon knew the cut list (a report for an unknown id is still recorded).
    pub known_cut_list: bool,
}

// ---- notifications ----------------------------------------------------------------------------

/// `edit.proposed` params: a cut list for a timeline this applier synced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EditProposed {
    pub cut_list: CutList,
    pub intent: Intent,
    /// The instruction as said.
    pub text: String,
    pub summary: String,
    /// The session that asked.
    pub from_session: String,
}

/// `progress` params (sent only to sessions that asked for progress in their hello).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Progress {
    /// The request this is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    /// `timeline`, `understand`, `audio` (hearing the media of a timeline without a transcript),
    /// `resolve`, `done`.
    pub stage: String,
    /// 0.0 to 1.0.
    pub fraction: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Info,
    Warning,
    Error,
}

/// `log` params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Log {
    pub level: LogLevel,
    pub message: String,
}

// ---- voice ------------------------------------------------------------------------------------

/// `voice.begin` params: the audio that binary frames will carry until `voice.end`. A panel sends
/// 20 ms a frame (any length of whole samples works).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VoiceBeginParams {
    /// `s16le` (signed 16-bit little endian) or `f32le` (32-bit float, ±1.0).
    pub format: String,
    /// Samples per second: 8000 to 48000 (resampled to 16 kHz by the daemon).
    pub rate: u32,
    /// 1 (mono) or 2 (interleaved stereo, mixed down).
    #[serde(default = "one")]
    pub channels: u16,
    /// `zh`, `en` or `auto` (the default) for speech to text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Act on what is said: transcripts become `edit.instruct` (and "撤销"/"undo" becomes
    /// `edit.undo` to the appliers). Default true; false only reports utterances and text.
    #[serde(default = "yes")]
    pub instruct: bool,
}

fn one() -> u16 {
    1
}

fn yes() -> bool {
    true
}

/// `voice.begin` result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VoiceBeginResult {
    /// This stream's id, in its notifications.
    pub stream: String,
    /// The speech-to-text model, or `none`.
    pub transcriber: String,
    /// Why there will be no text, when there will be none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcription_unavailable: Option<String>,
    /// Longer utterances are refused with [`code::UTTERANCE_TOO_LONG`].
    pub max_utterance_s: f64,
}

/// `voice.end` params (all optional: what the client thinks it sent, for the log).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VoiceEndParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
}

/// One utterance of a stream, in seconds from the stream's first sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UtteranceSpan {
    pub start_s: f64,
    pub end_s: f64,
    /// Its text, when a model transcribed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Why it has no text or was dropped (too long, no model, a transcription error).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `voice.end` result: every utterance of the stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VoiceEndResult {
    pub stream: String,
    /// Seconds of audio received.
    pub audio_s: f64,
    /// Binary frames received (and refused).
    pub frames: u64,
    pub bad_frames: u64,
    pub utterances: Vec<UtteranceSpan>,
    /// Why there is no text, when a model was needed and there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcription_unavailable: Option<String>,
}

/// What a `voice.utterance` notification reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UtteranceEvent {
    /// Speech began (`end_s` absent).
    Start,
    /// An utterance ended.
    End,
    /// Speech went on past the maximum: dropped.
    TooLong,
}

/// Where voice came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum VoiceSource {
    /// Binary frames of this session.
    Stream,
    /// The daemon's microphone.
    Mic,
}

/// `voice.utterance` params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VoiceUtterance {
    pub stream: String,
    pub source: VoiceSource,
    pub event: UtteranceEvent,
    pub start_s: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_s: Option<f64>,
}

/// `voice.transcript` params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VoiceTranscript {
    pub stream: String,
    pub text: String,
    /// True for the text of a whole utterance (partials are false).
    #[serde(rename = "final")]
    pub is_final: bool,
    pub start_s: f64,
    pub end_s: f64,
    /// What the daemon does with it: `instruct`, `undo`, `ignored` (hands-free without the wake
    /// phrase), or `none` (the stream asked not to act).
    pub action: String,
}

/// How the daemon's microphone listens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListenMode {
    /// Between `voice.listen {on: true}` and `{on: false}`; every utterance counts.
    #[default]
    PushToTalk,
    /// Always on; an utterance counts only after the wake phrase ("CutBridge …", "剪桥 …").
    HandsFree,
}

/// `voice.listen` params.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VoiceListenParams {
    pub on: bool,
    #[serde(default)]
    pub mode: ListenMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// `voice.listen` result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct VoiceListenResult {
    pub on: bool,
    pub mode: ListenMode,
    /// The input device's name, while listening.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The microphone's stream id, in `voice.utterance` notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
}

/// `edit.undo` params: a spoken "undo" for the appliers of a timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EditUndo {
    /// The timeline it is for (the one synced last).
    pub fingerprint: String,
    /// The words said.
    pub text: String,
    pub from_session: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn response_has_exactly_one_of_result_and_error() {
        let ok =
            serde_json::to_value(Response::result(Some(Id::Number(1)), json!({"a": 1}))).unwrap();
        assert_eq!(ok, json!({"jsonrpc": "2.0", "id": 1, "result": {"a": 1}}));
        let err = Response::error(None, ErrorObject::new(code::PARSE_ERROR, "bad"));
        let v = serde_json::to_value(&err).unwrap();
        assert_eq!(
            v,
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "bad"}})
        );
        assert_eq!(serde_json::from_value::<Response>(v).unwrap(), err);
    }

    #[test]
    fn timeline_errors_name_their_path() {
        let bad = json!({"name": "t", "rate": {"num": 25, "den": 1}, "tracks": [{"name": "V1", "kind": "vid", "items": []}]});
        let e = TimelineInput::decode(bad, "timeline").unwrap_err();
        assert_eq!(e.path, "timeline.tracks[0].kind");
        let e = TimelineInput::decode(json!({"otio": 5}), "timeline").unwrap_err();
        assert_eq!(e.path, "timeline.otio");
        let e = TimelineInput::decode(json!([]), "timeline").unwrap_err();
        assert_eq!(e.path, "timeline");
        let e = InstructParams::decode(json!({"text": "x", "timeline": {"name": "t", "rate": {"num": 25, "den": 1}, "tracks": [{"name": "V1", "kind": "video", "items": [{"type": "clip"}]}]}})).unwrap_err();
        assert!(e.path.starts_with("timeline.tracks[0].items[0]"), "{e}");
        let e = InstructParams::decode(json!({"text": 3})).unwrap_err();
        assert_eq!(e.path, "text");
        let e = SyncParams::decode(json!({})).unwrap_err();
        assert_eq!(e.path, "timeline");
    }

    #[test]
    fn decode_at_paths() {
        let e = decode_at::<HelloParams>(json!({"token": 1, "client": "x"}), "").unwrap_err();
        assert_eq!(e.path, "token");
        let e = decode_at::<HelloParams>(json!({"client": "x"}), "").unwrap_err();
        assert_eq!(e.path, "token");
        let e = decode_at::<SyncResult>(json!({}), "x").unwrap_err();
        assert_eq!(e.path, "x.fingerprint");
        let e = decode_at::<HelloParams>(json!([]), "").unwrap_err();
        assert_eq!(e.path, "$");
        let e = decode_at::<HelloParams>(json!({"token": "t", "client": "c", "roles": ["x"]}), "")
            .unwrap_err();
        assert_eq!(e.path, "roles[0]");
    }
}
