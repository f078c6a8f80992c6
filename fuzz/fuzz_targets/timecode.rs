//! Timecode parsing on arbitrary text at every rate: an error, never a panic; a timecode that
//! parses formats back to one that parses to the same frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use protocol::{Rate, timecode};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for rate in [
        Rate::FPS_23_976,
        Rate::FPS_24,
        Rate::FPS_25,
        Rate::FPS_29_97,
        Rate::FPS_30,
        Rate::FPS_50,
        Rate::FPS_59_94,
        Rate::FPS_60,
    ] {
        if let Ok(tc) = timecode::parse(text, rate) {
            let again = timecode::format(tc.frame, rate, tc.drop_frame);
            let back = timecode::parse(&again, rate)
                .unwrap_or_else(|e| panic!("{text:?} → {again:?} does not parse: {e}"));
            assert_eq!(back.frame, tc.frame, "{text:?} → {again:?}");
        }
    }
});
