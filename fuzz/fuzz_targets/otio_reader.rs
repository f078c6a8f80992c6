//! The OTIO reader (and the protocol-JSON reader behind `read_timeline_str`) on arbitrary bytes:
//! it must return an error, never panic; whatever it accepts, every writer must render.
#![no_main]

use interchange::{self, Format};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(tl) = interchange::read_timeline_str(text) {
        for format in [
            Format::Otio,
            Format::Json,
            Format::Edl,
            Format::Fcpxml,
            Format::Xmeml,
        ] {
            let _ = interchange::write_string(&tl, format);
        }
        // What we write, we read back.
        let again = interchange::otio::write_string(&tl);
        if let Err(e) = interchange::otio::read_str(&again) {
            panic!("cannot read back what was written: {e}\n{again}");
        }
    }
});
