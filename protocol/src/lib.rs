//! CutBridge's shared vocabulary, used by every Rust part and exported as JSON Schema for the
//! Python and JavaScript adapters: frame rates and timecode, the timeline model, cut lists and the
//! pure function that applies them, and the intent that understanding backends produce.
//!
//! This crate is an **API boundary**: the daemon, the OFX plugin and (through the schemas) the
//! adapters all depend on these types. It knows nothing of files, sockets or hosts.

mod apply;
mod cutlist;
mod error;
pub mod intent;
pub mod paths;
mod rate;
mod refusal;
pub mod schema;
pub mod timecode;
mod timeline;
pub mod wire;

pub use apply::{apply, apply_in_place, apply_operations, split_at};
pub use cutlist::{CutList, Operation};
pub use error::Error;
pub use intent::Intent;
pub use rate::Rate;
pub use refusal::{Refusal, RefusalKind};
pub use timeline::*;
