//! Synthetic timelines for benchmarks and tests: a long, realistic-looking programme built
//! deterministically (no randomness between runs).

use protocol::{Clip, FrameRange, Marker, Media, Rate, SubtitleLine, Timeline};

const LINES: &[&str] = &[
    "这条街啊，我住了整整五十年了。",
    "嗯……",
    "他走了以后，我一个人守着这个店，晚上常常偷偷掉眼泪。",
    "哈哈，那可热闹了！过年的时候，门口排队排到街口。",
    "你每次回来就知道跟我吵，你根本不懂这个店对我意味着什么！",
    "我在上海工作十几年了，一年就回来一两次。",
    "So the old engine was, you know, held together with duct tape.",
    "Um...",
    "I really miss her. Sorry, I'm tearing up.",
    "Oh my god, this is so good. I'm so happy we came here.",
    "Don't yell at me, I'm not the one who forgot the umbrella!",
    "The train from the airport takes about an hour.",
    "We started the rewrite in the second quarter of last year.",
    "那个，那个……",
];
const SPEAKERS: &[&str] = &["李秀英", "张伟", "MAYA", "RAJ"];
const KINDS: &[&str] = &[
    "采访_李秀英",
    "空镜_老街",
    "B-roll street",
    "interview CAM A",
    "厨房_争吵",
    "rooftop",
];
const COLORS: &[&str] = &["RED", "GREEN", "BLUE", "YELLOW"];

fn empty<T: Default>() -> T {
    T::default()
}

/// A timeline of `clips` clips on V1 and a mirroring A1, with `lines` subtitle lines spread over
/// it and a marker every 50 clips. At 25 fps, 3,000 clips of 60 frames make two hours.
pub fn long_timeline(clips: usize, lines: usize) -> Timeline {
    let rate = Rate::FPS_25;
    let clip_len = 60;
    let mut v = Vec::with_capacity(clips);
    let mut markers = Vec::new();
    for i in 0..clips {
        let kind = KINDS[i % KINDS.len()];
        let start = 1000 + (i as i64 * 7919) % 100_000;
        let media = Media::at(format!("file:///media/reel{:03}/clip{:04}.mov", i % 40, i))
            .with_available(FrameRange::new(start - 100, clip_len + 200));
        let clip = Clip::new(
            format!("{:04}_{kind}", i + 1),
            media,
            FrameRange::new(start, clip_len),
        )
        .with_link(format!("l{i}"));
        v.push(clip.into());
        if i % 50 == 7 {
            markers.push(Marker {
                name: if i % 100 == 7 {
                    "NG".into()
                } else {
                    "SELECT".into()
                },
                color: COLORS[(i / 50) % COLORS.len()].into(),
                range: FrameRange::new(i as i64 * clip_len + 10, 30),
                comment: format!("note {i}"),
                metadata: empty(),
                extra: empty(),
            });
        }
    }
    let total = clips as i64 * clip_len;
    let mut subtitles = Vec::with_capacity(lines);
    let slot = total / lines.max(1) as i64;
    for i in 0..lines {
        let s = i as i64 * slot + slot / 5;
        let d = (slot * 3 / 5).max(1);
        subtitles.push(SubtitleLine {
            range: FrameRange::new(s, d),
            speaker: Some(SPEAKERS[i % SPEAKERS.len()].to_string()),
            text: LINES[(i * 5) % LINES.len()].to_string(),
        });
    }
    let mut timeline = Timeline::mirrored("synthetic two-hour programme", rate, v)
        .with_start_frame(90_000)
        .with_subtitles(subtitles);
    timeline.tracks[0].markers = markers;
    timeline
}

/// A 16-bit WAV of `tone_s`-second tone bursts (speech stand-ins, 330 Hz at 0.3 of full scale)
/// after each of `gaps` seconds of faint hiss, none after the last gap; every channel the same.
/// Deterministic. Returns its length in seconds.
pub fn tone_bursts_wav(
    path: &std::path::Path,
    rate: u32,
    channels: u16,
    gaps: &[f64],
    tone_s: f64,
) -> Result<f64, hound::Error> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec)?;
    let rate = f64::from(rate);
    let mut n = 0u64;
    let mut x = 1u32;
    let mut write = |secs: f64, tone: bool, w: &mut hound::WavWriter<_>| {
        for _ in 0..(secs * rate) as u64 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let hiss = ((x >> 16) as f64 / 65536.0 - 0.5) * 0.004;
            let s = if tone {
                0.3 * (n as f64 / rate * 330.0 * std::f64::consts::TAU).sin()
            } else {
                0.0
            };
            let v = ((s + hiss) * 32767.0) as i16;
            for _ in 0..channels {
                w.write_sample(v)?;
            }
            n += 1;
        }
        Ok::<_, hound::Error>(())
    };
    for (i, g) in gaps.iter().enumerate() {
        write(*g, false, &mut w)?;
        if i + 1 < gaps.len() {
            write(tone_s, true, &mut w)?;
        }
    }
    w.finalize()?;
    Ok(gaps.iter().sum::<f64>() + gaps.len().saturating_sub(1) as f64 * tone_s)
}
