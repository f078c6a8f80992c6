//! The daemon's JSON-RPC message decoder, and the params decoders behind it, on arbitrary text:
//! an error object, never a panic.
#![no_main]

use bridge_daemon::server::decode::decode_request;
use libfuzzer_sys::fuzz_target;
use protocol::wire::{InstructParams, decode_at};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(req) = decode_request(text)
        && let Some(params) = req.params
    {
        let _ = InstructParams::decode(params.clone());
        let _ = decode_at::<protocol::wire::AnalysisFramesParams>(params, "");
    }
});
