//! SubRip (SRT) subtitles: the transcript of a timeline, with speaker labels (`张伟：`, `BOB:`).
//!
//! Times are offsets from the timeline's first frame; a line covers the record frames
//! `[round(start × fps), round(end × fps))`.

use protocol::{FrameRange, Rate, SubtitleLine};

use super::ReadError;

fn bad(line: usize, why: impl Into<String>) -> ReadError {
    ReadError::Invalid {
        place: format!("line {line}"),
        why: why.into(),
    }
}

/// `HH:MM:SS,mmm` (or `.mmm`) in milliseconds.
fn parse_time(s: &str, line: usize) -> Result<i64, ReadError> {
    let s = s.trim();
    let (hms, ms) = s
        .rsplit_once([',', '.'])
        .ok_or_else(|| bad(line, format!("time {s:?} lacks milliseconds")))?;
    let parts: Vec<&str> = hms.split(':').collect();
    let num = |p: &str| -> Result<i64, ReadError> {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(line, format!("time {s:?} is not HH:MM:SS,mmm")));
        }
        p.parse::<i64>()
            .map_err(|_| bad(line, format!("time {s:?} is not HH:MM:SS,mmm")))
    };
    let (h, m, sec) = match parts.as_slice() {
        [h, m, sec] => (num(h)?, num(m)?, num(sec)?),
        [m, sec] => (0, num(m)?, num(sec)?),
        _ => return Err(bad(line, format!("time {s:?} is not HH:MM:SS,mmm"))),
    };
    if m >= 60 || sec >= 60 {
        return Err(bad(
            line,
            format!("time {s:?} has minutes or seconds of 60 or more"),
        ));
    }
    let frac = num(ms)?;
    let millis = match ms.len() {
        1 => frac * 100,
        2 => frac * 10,
        _ => frac,
    };
    Ok(((h * 60 + m) * 60 + sec) * 1000 + millis)
}

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

/// Parse SRT text into subtitle lines in record frames at `rate`.
pub fn read_str(text: &str, rate: Rate) -> Result<Vec<SubtitleLine>, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let mut out: Vec<SubtitleLine> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            i += 1;
            continue;
        }
        let block_start = i + 1;
        // An optional numeric index line, then the timing line.
        if !lines[i].contains("-->") {
            if !lines[i].trim().bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(
                    block_start,
                    format!(
                        "expected a cue number or a timing line, found {:?}",
                        lines[i]
                    ),
                ));
            }
            i += 1;
        }
        let timing = lines
            .get(i)
            .ok_or_else(|| bad(block_start, "cue without a timing line"))?;
        let (a, b) = timing
            .split_once("-->")
            .ok_or_else(|| bad(i + 1, format!("expected `start --> end`, found {timing:?}")))?;
        // Position hints may follow the end time (`00:00:01,000 --> 00:00:02,000 X1:0`).
        let b = b.split_whitespace().next().unwrap_or("");
        let start = parse_time(a, i + 1)?;
        let end = parse_time(b, i + 1)?;
        if end < start {
            return Err(bad(i + 1, "the cue ends before it starts"));
        }
        i += 1;
        let mut body = Vec::new();
        while i < lines.len() && !lines[i].trim().is_empty() {
            body.push(lines[i].trim());
            i += 1;
        }
        let joined = body.join(" ");
        let (speaker, text) = split_speaker(&joined);
        let range =
            FrameRange::from_bounds(rate.millis_to_frames(start), rate.millis_to_frames(end));
        if let Some(prev) = out.last()
            && range.start < prev.range.end()
            && start < end
        {
            return Err(bad(
                block_start,
                format!(
                    "this cue overlaps the previous one (which ends at frame {})",
                    prev.range.end()
                ),
            ));
        }
        out.push(SubtitleLine {
            range,
            speaker,
            text,
        });
    }
    Ok(out)
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
