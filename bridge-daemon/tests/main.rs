//! bridge-daemon's integration tests, in one test binary: each file of this folder is a module
//! (one binary links the crate and its dependencies once, where one per file linked them
//! twenty-two times). `common`, `fixture` and `fake_openai` are the shared helpers.

mod common;
mod fake_openai;
mod fixture;

mod assemble_cli;
mod attacks;
mod chatglm_backend;
mod daemon_cli;
mod edit_cli;
mod edit_files;
mod install_cli;
mod interchange_readback;
mod model_cli;
mod openai_backend;
mod otio_fidelity;
mod prefs_cli;
mod report_cli;
mod roundtrip_formats;
mod server;
mod silence;
mod voice;
mod voice_ws;
