//! The CutBridge daemon as a library: interchange formats, instruction understanding, the resolver
//! that turns an intent into a cut list on a timeline, and the pipeline that joins them. The binary
//! (`main.rs`, `cli/`) and the server ([`server`], with its [`client`]) are thin edges over
//! [`pipeline::run`] and [`pipeline::plan`].

pub mod assemble;
pub mod audio;
pub mod client;
pub mod index;
#[cfg(feature = "mic")]
pub mod mic;
pub mod pipeline;
pub mod prefs;
pub mod report;
pub mod resolver;
pub mod selection;
pub mod server;
pub mod synthetic;
pub mod task;
pub mod text;
pub mod understand;

/// The readers and writers, a crate of their own (`cutbridge-interchange`).
pub use ::interchange;
/// Audio in, utterances and speech to text (`cutbridge-voice`).
pub use ::voice;

pub use pipeline::{Outcome, Refusal, RefusalKind, instruct};
