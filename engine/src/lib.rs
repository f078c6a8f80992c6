//! The CutBridge engine: what an instruction means and what it does to a timeline, with no
//! transport. Understanding (rules, or a model: ChatGLM in process, any OpenAI-compatible
//! server), the index of a timeline's lines and clips, the resolver that turns an intent into a
//! cut list, the project's preferences, assemble (script → rough cut) and the report, joined by
//! [`pipeline::run`] and [`pipeline::plan`], the one entry point every front end calls.
//!
//! No tokio and no WebSocket here (the daemon, `bridge-daemon`, is the transport); reading and
//! writing timeline files is `cutbridge-interchange`, audio and speech `cutbridge-voice`.

pub mod assemble;
pub mod audio;
pub mod index;
pub mod pipeline;
pub mod prefs;
pub mod report;
pub mod resolver;
pub mod selection;
pub mod synthetic;
pub mod task;
pub mod text;
pub mod understand;

pub use pipeline::{Outcome, Refusal, RefusalKind, instruct};
