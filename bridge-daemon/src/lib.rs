//! The CutBridge daemon: the server ([`server`], JSON-RPC over WebSocket, with its [`client`]),
//! the command line (`main.rs`, `cli/`) and the daemon's own microphone (feature `mic`). Both are
//! thin edges over the engine (`cutbridge-engine`: `engine::pipeline::run` and `plan`), which
//! reads and writes timelines with `cutbridge-interchange` and hears with `cutbridge-voice`.

pub mod client;
#[cfg(feature = "mic")]
pub mod mic;
pub mod server;
