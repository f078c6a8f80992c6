//! SubRip (SRT) subtitles: the transcript of a timeline, with speaker labels (`张伟：`, `BOB:`).
//!
//! Times are offsets from the timeline's first frame; a line covers the record frames
//! `[round(start × fps), round(end × fps))`.

use protocol::{Rate, SubtitleLine};

use super::ReadError;
use super::transcript::{self, Order};

/// Split a leading speaker label off a line of text: `张伟：你好` → (`张伟`, `你好`).
pub fn split_speaker(text: &str) -> (Option<String>, String) {
    let t = text.trim();
    let t = t.strip_prefix("- ").unwrap_or(t);
    let cut = t.char_indices().find(|(_, c)| *c == '：' || *c == ':');
    if let Some((i, c)) = cut {
        let name = t[..i].trim();
        let rest = t[i + c.len_utf8()..].trim();
        let words = name.split_whitespace().count();
        // Digits are fine in a label ("Speaker 2:") but not a time ("At 3:00, …").
        let plausible = !name.is_empty()
            && name.chars().count() <= 24
            && words <= 3
            && !rest.is_empty()
            && !rest.starts_with(|ch: char| ch.is_ascii_digit())
            && name.chars().any(char::is_alphabetic)
            && !name
                .chars()
                .any(|ch| "，。！？,.!?\"“”'（）()".contains(ch));
        if plausible {
            return (Some(name.to_string()), rest.to_string());
        }
    }
    (None, t.to_string())
}

/// Parse SRT (or WebVTT) text into subtitle lines in record frames at `rate`, times counted from
/// the timeline's first frame. The tolerant reader of [`super::transcript`] with the order kept
/// strict: a cue that starts before the previous one ends is refused at its line. Cues without
/// duration are skipped; [`super::transcript::read_bytes`] says so in its notes.
pub fn read_str(text: &str, rate: Rate) -> Result<Vec<SubtitleLine>, ReadError> {
    let mut notes = Vec::new();
    transcript::read_text(text, None, rate, 0, Order::Strict, &mut notes)
}

/// Write subtitle lines as SRT (times from record frames at `rate`).
pub fn write_string(lines: &[SubtitleLine], rate: Rate) -> String {
    let fmt = |frames: i64| {
        let ms = (rate.frames_to_seconds(frames) * 1000.0).round() as i64;
        format!(
            "{:02}:{:02}:{:02},{:03}",
            ms / 3_600_000,
            (ms / 60_000) % 60,
            (ms / 1000) % 60,
            ms % 1000
        )
    };
    let mut s = String::new();
    for (n, l) in lines.iter().enumerate() {
        let text = match &l.speaker {
            Some(sp) if sp.is_ascii() => format!("{sp}: {}", l.text),
            Some(sp) => format!("{sp}：{}", l.text),
            None => l.text.clone(),
        };
        s.push_str(&format!(
            "{}\n{} --> {}\n{}\n\n",
            n + 1,
            fmt(l.range.start),
            fmt(l.range.end()),
            text
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::FrameRange;

    #[test]
    fn reads_speakers_and_frames() {
        let srt = "1\n00:00:02,200 --> 00:00:05,600\n李秀英：这条街啊。\n\n2\r\n00:00:08,600 --> 00:00:11,800\r\nBOB: Hello there\r\nsecond line\r\n";
        let lines = read_str(srt, Rate::FPS_25).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].speaker.as_deref(), Some("李秀英"));
        assert_eq!(lines[0].text, "这条街啊。");
        assert_eq!(lines[0].range, FrameRange::from_bounds(55, 140));
        assert_eq!(lines[1].speaker.as_deref(), Some("BOB"));
        assert_eq!(lines[1].text, "Hello there second line");
    }

    #[test]
    fn plain_lines_have_no_speaker() {
        assert_eq!(
            split_speaker("Well: it is 3:00 now").0.as_deref(),
            Some("Well")
        );
        assert_eq!(split_speaker("At 3:00, we left").0, None);
        assert_eq!(
            split_speaker("Speaker 2: hello").0.as_deref(),
            Some("Speaker 2")
        );
        assert_eq!(split_speaker("嗯……").0, None);
    }

    #[test]
    fn errors_name_the_line() {
        let e = read_str("1\n00:00:02,200 -> 00:00:05,600\nx\n", Rate::FPS_25)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
        let e = read_str(
            "1\n00:00:05,000 --> 00:00:06,000\na\n\n2\n00:00:05,500 --> 00:00:07,000\nb\n",
            Rate::FPS_25,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("overlaps"), "{e}");
        assert!(read_str("1\n00:00:09,000 --> 00:00:06,000\na\n", Rate::FPS_25).is_err());
    }

    #[test]
    fn write_then_read_round_trips() {
        let srt = "1\n00:00:02,200 --> 00:00:05,600\n李秀英：这条街啊。\n\n2\n00:00:08,600 --> 00:00:11,800\nBOB: Hello\n\n";
        let lines = read_str(srt, Rate::FPS_25).unwrap();
        assert_eq!(
            read_str(&write_string(&lines, Rate::FPS_25), Rate::FPS_25).unwrap(),
            lines
        );
    }
}
