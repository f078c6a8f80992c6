//! CMX3600 edit decision lists: the oldest interchange format every NLE imports (DaVinci Resolve
//! through *Import ▸ Timeline ▸ EDL*, Premiere through *File ▸ Import*).
//!
//! What is written, and why:
//!
//! - `TITLE:` and `FCM: DROP FRAME` / `FCM: NON-DROP FRAME`; drop-frame timecodes use `;`.
//! - Events `NNN  REEL     V     C        srcIn srcOut recIn recOut`: the main video track (V1) as
//!   channel `V`, then each audio track as `A`, `A2`, `A3`, `A4` (CMX3600 has no more). Record
//!   times start at the timeline's start timecode; gaps are simply missing record time.
//! - A dissolve is the event of its incoming clip written as two lines with one event number: a
//!   zero-length cut on the outgoing reel at the dissolve's start, then `D nnn` on the incoming
//!   reel. The dissolve starts `in_offset` frames before the cut, so the outgoing event ends there
//!   and the incoming one starts there (its source in moves back by as much).
//! - A speed change is `M2   REEL     fps×speed     srcIn` after the event, with the source out
//!   `speed × record duration` media frames after the source in (048.0 = 200 % at 24 fps).
//! - Reels are the media file names, without extension, reduced to letters, digits and `_` and
//!   cut to 8 characters. Where that is empty, or two media files would share a reel, or the result
//!   is a special source (`BL`, `BLACK`, `BARS`, `AX`), the reel is `AX` (auxiliary source) and the
//!   comments identify the media: `* FROM CLIP NAME:`, `* FROM FILE:` (the path, which
//!   otio-cmx3600-adapter reads as the media reference) and `* SOURCE FILE:` (the file name, for
//!   conforming by file name).
//! - In a dissolve event `* FROM CLIP NAME:` names the outgoing clip and `* TO CLIP NAME:` the
//!   incoming one, whose path is given as `* OTIO REFERENCE TO:` — a `* FROM FILE:` there would be
//!   read as the incoming clip's media.
//! - Generators are CMX3600's special sources: black, solid colours and slugs `BL`, bars `BARS`;
//!   an image sequence's file is its first frame.
//! - Markers are `* LOC: tc COLOR name` on the event of the clip they fall on, the timecode in the
//!   clip's *source* time (otio-cmx3600-adapter's convention; markers on a gap are not written).
//!
//! What CMX3600 cannot carry: more than one video track, transitions other than dissolves (all are
//! written as dissolves), where exactly a dissolve sits around its cut (it is written as starting
//! at the incoming event's record in), marker durations, subtitles and metadata.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use protocol::{Clip, Item, Marker, Rate, Timeline, Track, TrackKind, timecode};

use super::media_url;

/// Reels that readers treat as special sources, never as media.
const SPECIAL_REELS: [&str; 5] = ["AX", "BL", "BLK", "BLACK", "BARS"];

struct Clock {
    rate: Rate,
    drop_frame: bool,
    start: i64,
}

impl Clock {
    /// Frames in 24 hours: EDL timecode wraps there.
    fn day(&self) -> i64 {
        let base = i64::from(self.rate.timecode_base());
        if self.drop_frame {
            let drop = base / 15;
            (base * 600 - drop * 9) * 144
        } else {
            base * 86_400
        }
    }

    fn tc(&self, frame: i64) -> String {
        timecode::format(frame.rem_euclid(self.day()), self.rate, self.drop_frame)
    }

    fn record(&self, frame: i64) -> String {
        self.tc(self.start + frame)
    }
}

/// One written event: a clip's picture or sound over a record range.
struct Event<'a> {
    clip: &'a Clip,
    /// Where the clip sits on its track, before dissolves trim it.
    placed: i64,
    rec_in: i64,
    rec_out: i64,
    src_in: i64,
    src_out: i64,
    /// Length of the dissolve from the previous event into this one.
    dissolve: Option<i64>,
}

/// The media frame shown `x` record frames into the clip.
fn media_at(c: &Clip, x: i64) -> i64 {
    c.source
        .start
        .saturating_add((x as f64 * c.speed).round() as i64)
}

fn playable(item: Option<&Item>) -> Option<&Clip> {
    match item {
        Some(Item::Clip(c)) if c.enabled && c.source.duration > 0 => Some(c),
        _ => None,
    }
}

fn events(track: &Track) -> Vec<Event<'_>> {
    let items = &track.items;
    let mut out = Vec::new();
    let mut pos = 0;
    for (i, item) in items.iter().enumerate() {
        let dur = item.duration();
        if let Some(c) = playable(Some(item)) {
            let lead = match (i.checked_sub(1).map(|j| &items[j]), i.checked_sub(2)) {
                (Some(Item::Transition(t)), Some(j)) if playable(items.get(j)).is_some() => Some(t),
                _ => None,
            };
            let trail = match (items.get(i + 1), playable(items.get(i + 2))) {
                (Some(Item::Transition(t)), Some(_)) => t.in_offset.clamp(0, dur),
                _ => 0,
            };
            let lead_frames = lead.map_or(0, |t| t.in_offset.max(0));
            out.push(Event {
                clip: c,
                placed: pos,
                rec_in: pos - lead_frames,
                rec_out: pos + dur - trail,
                src_in: media_at(c, -lead_frames),
                src_out: media_at(c, dur - trail),
                dissolve: lead.map(|t| (t.in_offset + t.out_offset).max(1)),
            });
        }
        pos += dur;
    }
    out
}

fn media_key(c: &Clip) -> String {
    match &media_url::location(&c.media) {
        Some(u) => format!("url:{u}"),
        None if !c.media.name.is_empty() => format!("name:{}", c.media.name),
        None => format!("clip:{}", c.name),
    }
}

fn reel_candidate(c: &Clip) -> String {
    // Generators are the special sources CMX3600 has: black (`BL`) and colour bars (`BARS`).
    if let protocol::MediaKind::Generator(kind) = c.media.kind() {
        let k = kind.to_ascii_lowercase();
        if k.contains("bars") {
            return "BARS".to_string();
        }
        if ["black", "solid", "color", "colour", "slug", "matte"]
            .iter()
            .any(|w| k.contains(w))
        {
            return "BL".to_string();
        }
    }
    let base = media_url::location(&c.media)
        .as_deref()
        .and_then(media_url::file_stem)
        .or_else(|| (!c.media.name.is_empty()).then(|| c.media.name.clone()))
        .unwrap_or_else(|| c.name.clone());
    let reel: String = base
        .chars()
        .filter(|ch| ch.is_ascii_alphanumeric() || *ch == '_')
        .take(8)
        .collect();
    if reel.is_empty()
        || SPECIAL_REELS
            .iter()
            .any(|s| s.eq_ignore_ascii_case(reel.as_str()))
    {
        "AX".to_string()
    } else {
        reel
    }
}

/// A reel per media, `AX` where reels would collide.
fn reels<'a>(clips: impl Iterator<Item = &'a Clip>) -> HashMap<String, String> {
    let mut by_media: HashMap<String, String> = HashMap::new();
    let mut media_of_reel: HashMap<String, HashSet<String>> = HashMap::new();
    for c in clips {
        let key = media_key(c);
        let reel = reel_candidate(c);
        media_of_reel
            .entry(reel.clone())
            .or_default()
            .insert(key.clone());
        by_media.insert(key, reel);
    }
    for reel in by_media.values_mut() {
        let special = reel == "BL" || reel == "BARS";
        if !special && media_of_reel.get(reel).is_some_and(|m| m.len() > 1) {
            *reel = "AX".to_string();
        }
    }
    by_media
}

/// One line of comment text: no line breaks.
fn one_line(s: &str) -> String {
    s.split(['\r', '\n']).collect::<Vec<_>>().join(" ")
}

/// `fps × speed` as CMX3600 writes it: `050.0`, or three decimals where one is not exact.
fn speed_field(rate: Rate, speed: f64) -> String {
    let fps = rate.as_f64() * speed;
    let tenths = fps * 10.0;
    if (tenths - tenths.round()).abs() < 1e-6 {
        format!("{fps:05.1}")
    } else {
        format!("{fps:07.3}")
    }
}

struct Writer<'a> {
    clock: Clock,
    reels: HashMap<String, String>,
    out: String,
    number: usize,
    /// Markers in record time (the main track's and the timeline's), for the video events.
    record_markers: Vec<&'a Marker>,
}

impl Writer<'_> {
    fn reel(&self, c: &Clip) -> &str {
        self.reels.get(&media_key(c)).map_or("AX", String::as_str)
    }

    fn line(
        &mut self,
        reel: &str,
        channel: &str,
        dissolve: Option<i64>,
        src: (i64, i64),
        rec: (i64, i64),
    ) {
        let edit = match dissolve {
            Some(len) => format!("D    {len:03}"),
            None => "C       ".to_string(),
        };
        let (si, so) = (self.clock.tc(src.0), self.clock.tc(src.1));
        let (ri, ro) = (self.clock.record(rec.0), self.clock.record(rec.1));
        let _ = writeln!(
            self.out,
            "{:03}  {reel:<8} {channel:<5} {edit} {si} {so} {ri} {ro}",
            self.number
        );
    }

    fn m2(&mut self, c: &Clip, src_in: i64) {
        if c.speed != 1.0 {
            let reel = self.reel(c).to_string();
            let field = speed_field(self.clock.rate, c.speed);
            let tc = self.clock.tc(src_in);
            let _ = writeln!(self.out, "M2   {reel:<8}       {field}                {tc}");
        }
    }

    fn media_comments(&mut self, c: &Clip, path_label: &str) {
        if let Some(url) = &media_url::location(&c.media) {
            let path = one_line(&media_url::to_path(url));
            let _ = writeln!(self.out, "* {path_label}: {path}");
            if let Some(name) = media_url::file_name(url) {
                let _ = writeln!(self.out, "* SOURCE FILE: {}", one_line(&name));
            }
        }
    }

    fn name_comment(&mut self, label: &str, c: &Clip) {
        let name = one_line(&c.name);
        if !name.trim().is_empty() {
            let _ = writeln!(self.out, "* {label} CLIP NAME:  {name}");
        }
    }

    fn locators(&mut self, ev: &Event<'_>) {
        let c = ev.clip;
        let (lo, hi) = (ev.src_in.min(ev.src_out), ev.src_in.max(ev.src_out));
        let mut locs: Vec<(i64, &Marker)> = c
            .markers
            .iter()
            .filter(|m| m.range.start >= lo && m.range.start < hi.max(lo + 1))
            .map(|m| (m.range.start, m))
            .collect();
        let placed = ev.placed;
        let dur = c.source.duration;
        for m in &self.record_markers {
            let p = m.range.start;
            if p >= placed && p < placed + dur {
                locs.push((media_at(c, p - placed), m));
            }
        }
        locs.sort_by_key(|(f, _)| *f);
        for (frame, m) in locs {
            let color = if m.color.is_empty() {
                "RED".to_string()
            } else {
                m.color.to_ascii_uppercase()
            };
            let text = match (m.name.trim().is_empty(), m.comment.trim().is_empty()) {
                (false, true) | (true, true) => one_line(&m.name),
                (true, false) => one_line(&m.comment),
                (false, false) => format!("{} - {}", one_line(&m.name), one_line(&m.comment)),
            };
            let tc = self.clock.tc(frame);
            let _ = writeln!(self.out, "* LOC: {tc} {color:<7} {text}");
        }
    }

    fn track(&mut self, track: &Track, channel: &str, with_markers: bool) {
        let evs = events(track);
        for (k, ev) in evs.iter().enumerate() {
            self.number += 1;
            let c = ev.clip;
            let reel = self.reel(c).to_string();
            let prev = k.checked_sub(1).map(|j| &evs[j]);
            match (ev.dissolve, prev) {
                (Some(len), Some(p)) => {
                    let preel = self.reel(p.clip).to_string();
                    self.line(
                        &preel,
                        channel,
                        None,
                        (p.src_out, p.src_out),
                        (p.rec_out, p.rec_out),
                    );
                    self.line(
                        &reel,
                        channel,
                        Some(len),
                        (ev.src_in, ev.src_out),
                        (ev.rec_in, ev.rec_out),
                    );
                    self.m2(p.clip, p.src_in);
                    self.m2(c, ev.src_in);
                    self.name_comment("FROM", p.clip);
                    self.name_comment("TO", c);
                    self.media_comments(c, "OTIO REFERENCE TO");
                }
                _ => {
                    self.line(
                        &reel,
                        channel,
                        None,
                        (ev.src_in, ev.src_out),
                        (ev.rec_in, ev.rec_out),
                    );
                    self.m2(c, ev.src_in);
                    self.name_comment("FROM", c);
                    self.media_comments(c, "FROM FILE");
                }
            }
            if with_markers {
                self.locators(ev);
            }
            self.out.push('\n');
        }
    }
}

/// The timeline as a CMX3600 EDL.
pub fn write_string(tl: &Timeline) -> String {
    let drop_frame = tl.drop_frame && tl.rate.supports_drop_frame();
    let video = tl.v1_index();
    let audio: Vec<&Track> = tl
        .tracks
        .iter()
        .filter(|t| t.kind == TrackKind::Audio && t.enabled)
        .take(4)
        .collect();
    let written = video
        .map(|i| &tl.tracks[i])
        .into_iter()
        .chain(audio.iter().copied());
    let reels = reels(written.flat_map(|t| t.items.iter().filter_map(Item::as_clip)));
    let mut record_markers: Vec<&Marker> = tl.markers.iter().collect();
    if let Some(i) = video {
        record_markers.extend(tl.tracks[i].markers.iter());
    }
    let title = one_line(&tl.name);
    let mut w = Writer {
        clock: Clock {
            rate: tl.rate,
            drop_frame,
            start: tl.start_frame,
        },
        reels,
        out: String::new(),
        number: 0,
        record_markers,
    };
    let _ = writeln!(
        w.out,
        "TITLE: {}",
        if title.trim().is_empty() {
            "CutBridge"
        } else {
            title.as_str()
        }
    );
    let _ = writeln!(
        w.out,
        "FCM: {}\n",
        if drop_frame {
            "DROP FRAME"
        } else {
            "NON-DROP FRAME"
        }
    );
    if let Some(i) = video {
        w.track(&tl.tracks[i], "V", true);
    }
    for (n, t) in audio.iter().enumerate() {
        let channel = if n == 0 {
            "A".to_string()
        } else {
            format!("A{}", n + 1)
        };
        w.track(t, &channel, false);
    }
    w.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{FrameRange, Media, Transition};
    use serde_json::Map;

    fn clip(name: &str, url: &str, start: i64, dur: i64) -> Item {
        Clip::new(name, Media::at(url), FrameRange::new(start, dur)).into()
    }

    fn timeline(rate: Rate, start: i64, items: Vec<Item>) -> Timeline {
        Timeline::new(
            "Test",
            rate,
            vec![Track::new("V1", TrackKind::Video, items)],
        )
        .with_start_frame(start)
    }

    #[test]
    fn cuts_with_record_times_from_the_start_timecode() {
        let tl = timeline(
            Rate::FPS_25,
            90_000,
            vec![
                clip("a", "file:///m/clip01.mov", 100, 50),
                Item::Gap(protocol::Gap {
                    duration: 25,
                    extra: Map::new(),
                }),
                clip("b", "file:///m/clip02.mov", 0, 25),
            ],
        );
        let edl = write_string(&tl);
        let expected = "TITLE: Test
FCM: NON-DROP FRAME

001  clip01   V     C        00:00:04:00 00:00:06:00 01:00:00:00 01:00:02:00
* FROM CLIP NAME:  a
* FROM FILE: /m/clip01.mov
* SOURCE FILE: clip01.mov

002  clip02   V     C        00:00:00:00 00:00:01:00 01:00:03:00 01:00:04:00
* FROM CLIP NAME:  b
* FROM FILE: /m/clip02.mov
* SOURCE FILE: clip02.mov

";
        assert_eq!(edl, expected);
    }

    #[test]
    fn dissolve_is_two_lines_with_one_event_number() {
        let mut items = vec![
            clip("a", "file:///m/a.mov", 100, 50),
            Item::Transition(Transition {
                name: String::new(),
                kind: protocol::DISSOLVE.into(),
                in_offset: 6,
                out_offset: 6,
                metadata: Map::new(),
                extra: Map::new(),
            }),
            clip("b", "file:///m/b.mov", 200, 50),
        ];
        if let Item::Clip(c) = &mut items[2] {
            c.speed = 2.0;
        }
        let edl = write_string(&timeline(Rate::FPS_25, 90_000, items));
        let lines: Vec<&str> = edl.lines().collect();
        assert_eq!(
            lines[3],
            "001  a        V     C        00:00:04:00 00:00:05:19 01:00:00:00 01:00:01:19"
        );
        assert_eq!(
            lines[8],
            "002  a        V     C        00:00:05:19 00:00:05:19 01:00:01:19 01:00:01:19"
        );
        // b starts 6 record frames (12 media frames at 2×) before the cut.
        assert_eq!(
            lines[9],
            "002  b        V     D    012 00:00:07:13 00:00:12:00 01:00:01:19 01:00:04:00"
        );
        assert_eq!(
            lines[10],
            "M2   b              050.0                00:00:07:13"
        );
        assert_eq!(lines[11], "* FROM CLIP NAME:  a");
        assert_eq!(lines[12], "* TO CLIP NAME:  b");
        assert_eq!(lines[13], "* OTIO REFERENCE TO: /m/b.mov");
    }

    #[test]
    fn colliding_or_unusable_reels_become_ax() {
        let tl = timeline(
            Rate::FPS_24,
            0,
            vec![
                clip("x", "file:///m/interview_a.mov", 0, 10),
                clip("y", "file:///m/interview_b.mov", 0, 10),
                clip("z", "file:///m/%E8%80%81%E8%A1%97.mov", 0, 10),
                clip("w", "file:///m/bl.mov", 0, 10),
                clip("v", "file:///m/A001_C002.mov", 0, 10),
            ],
        );
        let edl = write_string(&tl);
        let reels: Vec<&str> = edl
            .lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()))
            .map(|l| l.split_whitespace().nth(1).unwrap_or(""))
            .collect();
        assert_eq!(reels, ["AX", "AX", "AX", "AX", "A001_C00"]);
        assert!(edl.contains("* SOURCE FILE: 老街.mov"), "{edl}");
    }

    #[test]
    fn drop_frame_uses_semicolons_and_the_fcm_line() {
        let mut tl = timeline(
            Rate::FPS_29_97,
            107_892,
            vec![clip("a", "/m/a.mov", 0, 1800)],
        );
        tl.drop_frame = true;
        let edl = write_string(&tl);
        assert!(edl.contains("FCM: DROP FRAME"), "{edl}");
        assert!(
            edl.contains("00:00:00;00 00:01:00;02 01:00:00;00 01:01:00;02"),
            "{edl}"
        );
    }

    #[test]
    fn speed_fields() {
        assert_eq!(speed_field(Rate::FPS_24, 2.0), "048.0");
        assert_eq!(speed_field(Rate::FPS_25, 0.5), "012.5");
        assert_eq!(speed_field(Rate::FPS_29_97, 2.0), "059.940");
    }
}
