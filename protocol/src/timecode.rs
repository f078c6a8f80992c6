//! SMPTE timecode: parse and format, non-drop (`:`) and drop-frame (`;`, 29.97 and 59.94).
//!
//! A timecode here is a frame count from 00:00:00:00 at a [`Rate`]. Drop-frame numbering skips
//! frame numbers 0 and 1 (0–3 at 59.94) at the start of every minute except each tenth minute, so
//! that the displayed clock stays within a frame of wall time.

use crate::{Error, Rate};

/// A parsed timecode: the frame it names and whether it was written drop-frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timecode {
    pub frame: i64,
    pub drop_frame: bool,
}

fn drop_count(rate: Rate) -> i64 {
    // Frame numbers dropped per minute: 2 at 29.97, 4 at 59.94.
    i64::from(rate.timecode_base()) / 15
}

/// Parse `HH:MM:SS:FF` (non-drop) or `HH:MM:SS;FF` (drop-frame; `;` or `.` before the frames).
/// Hours may be omitted (`MM:SS:FF`). Fields out of range are errors.
pub fn parse(text: &str, rate: Rate) -> Result<Timecode, Error> {
    let bad = |why: &str| Error::InvalidTimecode {
        text: text.to_string(),
        why: why.to_string(),
    };
    let t = text.trim();
    let drop_frame = t.contains(';') || t.contains('.');
    let parts: Vec<&str> = t.split([':', ';', '.']).collect();
    if !(3..=4).contains(&parts.len()) {
        return Err(bad("expected HH:MM:SS:FF"));
    }
    let mut nums = [0i64; 4];
    let offset = 4 - parts.len();
    for (i, p) in parts.iter().enumerate() {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("each field must be a number"));
        }
        nums[i + offset] = p.parse().map_err(|_| bad("each field must be a number"))?;
    }
    let [h, m, s, f] = nums;
    let base = i64::from(rate.timecode_base());
    if m >= 60 || s >= 60 {
        return Err(bad("minutes and seconds must be below 60"));
    }
    if f >= base {
        return Err(bad(&format!("frames must be below {base} at {rate} fps")));
    }
    if drop_frame {
        if !rate.supports_drop_frame() {
            return Err(bad(&format!(
                "drop-frame timecode does not exist at {rate} fps"
            )));
        }
        let drop = drop_count(rate);
        if s == 0 && m % 10 != 0 && f < drop {
            return Err(bad("this frame number is dropped in drop-frame timecode"));
        }
        let total_minutes = 60 * h + m;
        let frame =
            ((h * 3600 + m * 60 + s) * base + f) - drop * (total_minutes - total_minutes / 10);
        Ok(Timecode { frame, drop_frame })
    } else {
        Ok(Timecode {
            frame: (h * 3600 + m * 60 + s) * base + f,
            drop_frame,
        })
    }
}

/// Format a frame count as `HH:MM:SS:FF`, or `HH:MM:SS;FF` when `drop_frame` (only at 29.97/59.94;
/// other rates fall back to non-drop). Negative frames are written with a leading `-`.
pub fn format(frame: i64, rate: Rate, drop_frame: bool) -> String {
    let sign = if frame < 0 { "-" } else { "" };
    let mut n = frame.abs();
    let base = i64::from(rate.timecode_base());
    let df = drop_frame && rate.supports_drop_frame();
    if df {
        let drop = drop_count(rate);
        let per_10min = base * 600 - drop * 9;
        let per_min = base * 60 - drop;
        let tens = n / per_10min;
        let rem = n % per_10min;
        n += drop * 9 * tens;
        if rem >= drop {
            n += drop * ((rem - drop) / per_min);
        }
    }
    let f = n % base;
    let total_s = n / base;
    let (h, m, s) = (total_s / 3600, (total_s / 60) % 60, total_s % 60);
    let sep = if df { ';' } else { ':' };
    format!("{sign}{h:02}:{m:02}:{s:02}{sep}{f:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn non_drop_round_trip_known_values() {
        let tc = parse("01:00:00:00", Rate::FPS_25).unwrap();
        assert_eq!(tc.frame, 90000);
        assert_eq!(format(90000, Rate::FPS_25, false), "01:00:00:00");
        assert_eq!(
            parse("00:01:12:05", Rate::FPS_24).unwrap().frame,
            72 * 24 + 5
        );
    }

    #[test]
    fn drop_frame_known_values() {
        // The first frame of minute one is 00:01:00;02 at 29.97 DF.
        assert_eq!(format(1800, Rate::FPS_29_97, true), "00:01:00;02");
        assert_eq!(parse("00:01:00;02", Rate::FPS_29_97).unwrap().frame, 1800);
        // Ten minutes hold 17982 frames; minute ten keeps frames 0 and 1.
        assert_eq!(format(17982, Rate::FPS_29_97, true), "00:10:00;00");
        assert_eq!(parse("01:00:00;00", Rate::FPS_29_97).unwrap().frame, 107892);
        assert_eq!(format(107892, Rate::FPS_29_97, true), "01:00:00;00");
        // 59.94 drops four.
        assert_eq!(format(3600, Rate::FPS_59_94, true), "00:01:00;04");
    }

    #[test]
    fn bad_timecodes_are_refused_with_a_reason() {
        assert!(
            parse("00:01:00;00", Rate::FPS_29_97).is_err(),
            "dropped frame number"
        );
        assert!(parse("00:00:00;00", Rate::FPS_25).is_err(), "no DF at 25");
        assert!(parse("00:61:00:00", Rate::FPS_25).is_err());
        assert!(parse("00:00:00:25", Rate::FPS_25).is_err());
        assert!(parse("1:2", Rate::FPS_25).is_err());
        assert!(parse("aa:bb:cc:dd", Rate::FPS_25).is_err());
        let e = parse("00:00:00:30", Rate::FPS_25).unwrap_err().to_string();
        assert!(e.contains("below 25"), "{e}");
    }

    fn rates() -> impl Strategy<Value = Rate> {
        prop_oneof![
            Just(Rate::FPS_23_976),
            Just(Rate::FPS_24),
            Just(Rate::FPS_25),
            Just(Rate::FPS_29_97),
            Just(Rate::FPS_30),
            Just(Rate::FPS_50),
            Just(Rate::FPS_59_94),
            Just(Rate::FPS_60),
        ]
    }

    proptest! {
        #[test]
        fn format_then_parse_is_identity(frame in 0i64..(24 * 3600 * 60), rate in rates(), df: bool) {
            let text = format(frame, rate, df);
            let back = parse(&text, rate).unwrap();
            prop_assert_eq!(back.frame, frame, "{}", text);
            prop_assert_eq!(back.drop_frame, df && rate.supports_drop_frame());
        }

        #[test]
        fn drop_frame_is_monotonic(frame in 0i64..(24 * 3600 * 30)) {
            let a = format(frame, Rate::FPS_29_97, true);
            let b = format(frame + 1, Rate::FPS_29_97, true);
            prop_assert!(a < b, "{} !< {}", a, b);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = parse(&s, Rate::FPS_29_97);
        }
    }
}
