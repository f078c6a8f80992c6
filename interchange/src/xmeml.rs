//! Final Cut Pro 7 XML (`xmeml` version 4): what Premiere Pro imports (*File ▸ Import*) and
//! DaVinci Resolve reads as "FCP 7 XML".
//!
//! One `sequence` with its `rate` (`timebase` + `ntsc`: 29.97 is timebase 30, NTSC TRUE), its start
//! `timecode`, and `media` with a `video` and an `audio` section holding every track of that kind.
//!
//! - A clip is a `clipitem`: `start`/`end` are record frames from the sequence's first frame,
//!   `in`/`out` media frames counted from the media's start timecode (given in its `file`), `out`
//!   being `speed × duration` frames after `in`. A `file` is written whole once and referred to
//!   by id afterwards (`<file id="file-1"/>`), as Final Cut Pro 7 does.
//! - Speed is a *Time Remap* filter (`timeremap`, `speed` in percent). A retimed clipitem's
//!   `in`/`out` are the media it plays, so `out − in` = speed × (`end − start`): Apple's
//!   "Final Cut Pro XML Interchange Format", *XMEML Topics ▸ Timing Values* ("in and out encode
//!   the initial and final points that specify the media content associated with a clip or
//!   clipitem"; start/end its placement; "applying speed to a clipitem … can alter the duration").
//!   OpenTimelineIO's fcp_xml adapter reads only `in` and the record length (the filter becomes a
//!   plain effect) and writes `out = in + record length`, so it cannot carry speed either way;
//!   Premiere's importer and both Premiere hosts' verification (`extendscript/host/cutbridge.jsx`,
//!   `extendscript/uxp/host.js`: source start, record length, speed) follow Apple's reading.
//! - A transition between two clips is a `transitionitem` from `cut − in_offset` to
//!   `cut + out_offset`, aligned `center` (or `start`/`end` when one side is 0); the clip edges
//!   under it are `-1` and the clips' in/out reach into their handles by the transition's length,
//!   the FCP7 convention.
//! - Picture and sound of one clip (same media and record range on a video and an audio track)
//!   are joined by `link` elements, so they stay linked after import.
//! - V1's markers and the timeline's markers are sequence markers (`in`, and `out` = −1 for a
//!   point); clip markers are clip markers in the clip's media frames, counted like `in`.
//!
//! - A generator (OTIO `GeneratorReference`: a colour matte, slug, bars, a title) is a
//!   `generatoritem` whose effect is its kind; an image sequence's file is its first frame; missing
//!   media is a `file` with no `pathurl`, which FCP7 and Premiere show offline; a compound clip is
//!   written as such an offline clip named after it (its inside is not written).
//!
//! Not representable: marker colors, transitions next to a gap (not written), subtitles and
//! metadata.

use std::collections::HashMap;

use protocol::{Clip, Item, Marker, Rate, Timeline, Track, TrackKind, Transition, timecode};

use super::media_url;
use super::xml::Xml;

fn rate_elements(x: &mut Xml, rate: Rate) {
    x.open("rate", &[]);
    x.text("timebase", &rate.timecode_base().to_string());
    x.text("ntsc", if rate.den() == 1001 { "TRUE" } else { "FALSE" });
    x.close("rate");
}

fn timecode_element(x: &mut Xml, frame: i64, rate: Rate, drop_frame: bool) {
    let df = drop_frame && rate.supports_drop_frame();
    x.open("timecode", &[]);
    rate_elements(x, rate);
    x.text("string", &timecode::format(frame, rate, df));
    x.text("frame", &frame.to_string());
    x.text("displayformat", if df { "DF" } else { "NDF" });
    x.close("timecode");
}

fn media_key(c: &Clip) -> String {
    match &media_url::location(&c.media) {
        Some(u) => format!("url:{u}"),
        None if !c.media.name.is_empty() => format!("name:{}", c.media.name),
        None => format!("clip:{}", c.name),
    }
}

/// A media file as the sequence uses it.
struct FileInfo {
    id: String,
    has_video: bool,
    has_audio: bool,
    written: bool,
}

/// A clipitem's identity for links: its id, media type, track and clip index (1-based).
#[derive(Clone)]
struct LinkRef {
    id: String,
    audio: bool,
    track: usize,
    clip: usize,
}

/// A percentage without trailing zeros (`200`, `33.3333`).
fn percent(speed: f64) -> String {
    let s = format!("{:.4}", speed * 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

struct Writer<'a> {
    tl: &'a Timeline,
    files: HashMap<String, FileInfo>,
    /// Link groups: (media, record start, duration) → members.
    links: HashMap<(String, i64, i64), Vec<LinkRef>>,
}

impl Writer<'_> {
    fn file(&mut self, x: &mut Xml, c: &Clip) {
        let rate = self.tl.rate;
        let Some(info) = self.files.get_mut(&media_key(c)) else {
            return;
        };
        if info.written {
            x.empty("file", &[("id", &info.id)]);
            return;
        }
        info.written = true;
        let (has_video, has_audio) = (info.has_video, info.has_audio);
        x.open("file", &[("id", &info.id)]);
        let location = media_url::location(&c.media);
        let url = location.as_deref();
        let name = url
            .and_then(media_url::file_name)
            .or_else(|| (!c.media.name.is_empty()).then(|| c.media.name.clone()))
            .unwrap_or_else(|| c.name.clone());
        x.text("name", &name);
        if let Some(u) = url {
            x.text("pathurl", &media_url::to_url(u, "localhost"));
        }
        rate_elements(x, rate);
        if let Some(a) = c.media.available {
            x.text("duration", &a.duration.to_string());
            timecode_element(x, a.start, rate, self.tl.drop_frame);
        }
        x.open("media", &[]);
        if has_video {
            x.open("video", &[]);
            x.open("samplecharacteristics", &[]);
            rate_elements(x, rate);
            x.text("width", "1920");
            x.text("height", "1080");
            x.close("samplecharacteristics");
            x.close("video");
        }
        if has_audio {
            x.open("audio", &[]);
            x.open("samplecharacteristics", &[]);
            x.text("depth", "16");
            x.text("samplerate", "48000");
            x.close("samplecharacteristics");
            x.text("channelcount", "2");
            x.close("audio");
        }
        x.close("media");
        x.close("file");
    }

    fn time_remap(x: &mut Xml, speed: f64, audio: bool) {
        x.open("filter", &[]);
        x.open("effect", &[]);
        x.text("name", "Time Remap");
        x.text("effectid", "timeremap");
        x.text("effectcategory", "motion");
        x.text("effecttype", "motion");
        x.text("mediatype", if audio { "audio" } else { "video" });
        for (id, min, max, value) in [
            ("variablespeed", "0", "1", "0".to_string()),
            ("speed", "-100000", "100000", percent(speed)),
        ] {
            x.open("parameter", &[]);
            x.text("parameterid", id);
            x.text("name", id);
            x.text("valuemin", min);
            x.text("valuemax", max);
            x.text("value", &value);
            x.close("parameter");
        }
        for id in ["reverse", "frameblending"] {
            x.open("parameter", &[]);
            x.text("parameterid", id);
            x.text("name", id);
            x.text("value", "FALSE");
            x.close("parameter");
        }
        x.close("effect");
        x.close("filter");
    }

    fn marker(x: &mut Xml, m: &Marker, start: i64) {
        x.open("marker", &[]);
        x.text("comment", &m.comment);
        x.text("name", &m.name);
        x.text("in", &start.to_string());
        let out = if m.is_point() {
            -1
        } else {
            start + m.range.duration
        };
        x.text("out", &out.to_string());
        x.close("marker");
    }

    fn clipitem(
        &mut self,
        x: &mut Xml,
        c: &Clip,
        pos: i64,
        head: Option<&Transition>,
        tail: Option<&Transition>,
        me: &LinkRef,
    ) {
        let rate = self.tl.rate;
        let media_start = c.media.available.map_or(0, |a| a.start);
        let dur = c.source.duration;
        let media_frames = |record: i64| (record as f64 * c.speed).round() as i64;
        let lead = head.map_or(0, |t| t.in_offset);
        let trail = tail.map_or(0, |t| t.out_offset);
        let first = c.source.start.saturating_sub(media_start);
        let in_ = first.saturating_sub(media_frames(lead));
        let out = first.saturating_add(media_frames(dur.saturating_add(trail)));
        x.open("clipitem", &[("id", &me.id)]);
        x.text("name", &c.name);
        x.text("enabled", if c.enabled { "TRUE" } else { "FALSE" });
        let full = c.media.available.map_or(out - in_, |a| a.duration).max(0);
        x.text("duration", &full.to_string());
        rate_elements(x, rate);
        let start = if head.is_some() { -1 } else { pos };
        let end = if tail.is_some() { -1 } else { pos + dur };
        x.text("start", &start.to_string());
        x.text("end", &end.to_string());
        x.text("in", &in_.to_string());
        x.text("out", &out.to_string());
        self.file(x, c);
        if me.audio {
            x.open("sourcetrack", &[]);
            x.text("mediatype", "audio");
            x.text("trackindex", "1");
            x.close("sourcetrack");
        }
        if c.speed != 1.0 {
            Self::time_remap(x, c.speed, me.audio);
        }
        let key = (media_key(c), pos, dur);
        if let Some(group) = self.links.get(&key).filter(|g| g.len() > 1) {
            for l in group {
                x.open("link", &[]);
                x.text("linkclipref", &l.id);
                x.text("mediatype", if l.audio { "audio" } else { "video" });
                x.text("trackindex", &l.track.to_string());
                x.text("clipindex", &l.clip.to_string());
                x.close("link");
            }
        }
        for m in &c.markers {
            Self::marker(x, m, m.range.start - media_start);
        }
        x.close("clipitem");
    }

    /// A generator (a colour matte, a slug, bars, a title): FCP7's `generatoritem`, whose
    /// `effect` names what makes the frames (FCP7 XML reference, "generatoritem").
    fn generatoritem(&self, x: &mut Xml, c: &Clip, kind: &str, pos: i64) {
        let rate = self.tl.rate;
        let dur = c.source.duration;
        let lower = kind.to_ascii_lowercase();
        let category = if lower.contains("text") || lower.contains("title") {
            "Text"
        } else {
            "Matte"
        };
        x.open("generatoritem", &[]);
        x.text("name", &c.name);
        x.text("enabled", if c.enabled { "TRUE" } else { "FALSE" });
        x.text("duration", &dur.to_string());
        rate_elements(x, rate);
        x.text("start", &pos.to_string());
        x.text("end", &(pos + dur).to_string());
        x.text("in", "0");
        x.text("out", &dur.to_string());
        x.open("effect", &[]);
        x.text("name", kind);
        x.text("effectid", kind);
        x.text("effectcategory", category);
        x.text("effecttype", "generator");
        x.text("mediatype", "video");
        x.close("effect");
        x.close("generatoritem");
    }

    fn transition(x: &mut Xml, t: &Transition, cut: i64, rate: Rate, audio: bool) {
        x.open("transitionitem", &[]);
        x.text("start", &(cut - t.in_offset).to_string());
        x.text("end", &(cut + t.out_offset).to_string());
        let alignment = if t.in_offset == 0 {
            "start"
        } else if t.out_offset == 0 {
            "end"
        } else {
            "center"
        };
        x.text("alignment", alignment);
        rate_elements(x, rate);
        x.open("effect", &[]);
        if audio {
            x.text("name", "Cross Fade (+3dB)");
            x.text("effectid", "KGAudioTransCrossFade3dB");
            x.text("effectcategory", "audiotransition");
            x.text("effecttype", "transition");
            x.text("mediatype", "audio");
        } else {
            x.text("name", "Cross Dissolve");
            x.text("effectid", "Cross Dissolve");
            x.text("effectcategory", "Dissolve");
            x.text("effecttype", "transition");
            x.text("mediatype", "video");
        }
        x.close("effect");
        x.close("transitionitem");
    }

    /// The transition at `items[i]` when it sits between two clips.
    fn between_clips(items: &[Item], i: usize) -> Option<&Transition> {
        match (
            i.checked_sub(1).map(|j| &items[j]),
            items.get(i),
            items.get(i + 1),
        ) {
            (Some(Item::Clip(_)), Some(Item::Transition(t)), Some(Item::Clip(_)))
                if t.in_offset + t.out_offset > 0 =>
            {
                Some(t)
            }
            _ => None,
        }
    }

    fn track(
        &mut self,
        x: &mut Xml,
        track: &Track,
        refs: &HashMap<(usize, usize), LinkRef>,
        ti: usize,
    ) {
        let rate = self.tl.rate;
        let audio = track.kind == TrackKind::Audio;
        x.open("track", &[]);
        let items = &track.items;
        let mut pos = 0;
        for (i, item) in items.iter().enumerate() {
            match item {
                Item::Clip(c) if c.source.duration > 0 && !audio => {
                    if let protocol::MediaKind::Generator(kind) = c.media.kind() {
                        self.generatoritem(x, c, kind, pos);
                    } else {
                        let head = i.checked_sub(1).and_then(|j| Self::between_clips(items, j));
                        let tail = Self::between_clips(items, i + 1);
                        if let Some(me) = refs.get(&(ti, i)) {
                            let me = me.clone();
                            self.clipitem(x, c, pos, head, tail, &me);
                        }
                    }
                }
                Item::Clip(c) if c.source.duration > 0 => {
                    let head = i.checked_sub(1).and_then(|j| Self::between_clips(items, j));
                    let tail = Self::between_clips(items, i + 1);
                    if let Some(me) = refs.get(&(ti, i)) {
                        let me = me.clone();
                        self.clipitem(x, c, pos, head, tail, &me);
                    }
                }
                Item::Transition(t) if Self::between_clips(items, i).is_some() => {
                    Self::transition(x, t, pos, rate, audio);
                }
                _ => {}
            }
            pos += item.duration();
        }
        x.text("enabled", if track.enabled { "TRUE" } else { "FALSE" });
        x.text("locked", "FALSE");
        x.close("track");
    }
}

/// The timeline as an FCP7 XML (xmeml) document.
pub fn write_string(tl: &Timeline) -> String {
    let rate = tl.rate;
    let mut files: HashMap<String, FileInfo> = HashMap::new();
    let mut links: HashMap<(String, i64, i64), Vec<LinkRef>> = HashMap::new();
    let mut refs: HashMap<(usize, usize), LinkRef> = HashMap::new();
    // Video tracks first (V1 first of them), then audio, in the order the sequence lists them.
    let mut order: Vec<usize> = Vec::new();
    if let Some(v) = tl.v1_index() {
        order.push(v);
    }
    for kind in [TrackKind::Video, TrackKind::Audio] {
        for (i, t) in tl.tracks.iter().enumerate() {
            if t.kind == kind && !order.contains(&i) {
                order.push(i);
            }
        }
    }
    let (mut video_n, mut audio_n, mut clip_n) = (0, 0, 0);
    for &ti in &order {
        let t = &tl.tracks[ti];
        let audio = t.kind == TrackKind::Audio;
        let track_number = if audio {
            audio_n += 1;
            audio_n
        } else {
            video_n += 1;
            video_n
        };
        let mut index_in_track = 0;
        let mut pos = 0;
        for (i, item) in t.items.iter().enumerate() {
            if let Item::Clip(c) = item
                && c.source.duration > 0
            {
                clip_n += 1;
                index_in_track += 1;
                let key = media_key(c);
                let n = files.len() + 1;
                let f = files.entry(key.clone()).or_insert_with(|| FileInfo {
                    id: format!("file-{n}"),
                    has_video: false,
                    has_audio: false,
                    written: false,
                });
                if audio {
                    f.has_audio = true;
                } else {
                    f.has_video = true;
                }
                let r = LinkRef {
                    id: format!("clipitem-{clip_n}"),
                    audio,
                    track: track_number,
                    clip: index_in_track,
                };
                links
                    .entry((key, pos, c.source.duration))
                    .or_default()
                    .push(r.clone());
                refs.insert((ti, i), r);
            }
            pos += item.duration();
        }
    }
    let mut w = Writer { tl, files, links };

    let mut x = Xml::new(Some("xmeml"));
    x.open("xmeml", &[("version", "4")]);
    x.open("sequence", &[("id", "sequence-1")]);
    x.text(
        "name",
        if tl.name.trim().is_empty() {
            "CutBridge"
        } else {
            &tl.name
        },
    );
    x.text("duration", &tl.duration().to_string());
    rate_elements(&mut x, rate);
    timecode_element(&mut x, tl.start_frame, rate, tl.drop_frame);
    x.open("media", &[]);
    x.open("video", &[]);
    x.open("format", &[]);
    x.open("samplecharacteristics", &[]);
    rate_elements(&mut x, rate);
    x.text("width", "1920");
    x.text("height", "1080");
    x.text("pixelaspectratio", "square");
    x.text("fielddominance", "none");
    x.close("samplecharacteristics");
    x.close("format");
    for &ti in order
        .iter()
        .filter(|&&i| tl.tracks[i].kind == TrackKind::Video)
    {
        w.track(&mut x, &tl.tracks[ti], &refs, ti);
    }
    x.close("video");
    x.open("audio", &[]);
    x.text("numOutputChannels", "2");
    x.open("format", &[]);
    x.open("samplecharacteristics", &[]);
    x.text("depth", "16");
    x.text("samplerate", "48000");
    x.close("samplecharacteristics");
    x.close("format");
    for &ti in order
        .iter()
        .filter(|&&i| tl.tracks[i].kind == TrackKind::Audio)
    {
        w.track(&mut x, &tl.tracks[ti], &refs, ti);
    }
    x.close("audio");
    x.close("media");
    let mut seq_markers: Vec<&Marker> = tl.markers.iter().collect();
    if let Some(v) = tl.v1_index() {
        seq_markers.extend(&tl.tracks[v].markers);
    }
    seq_markers.sort_by_key(|m| m.range.start);
    for m in seq_markers {
        Writer::marker(&mut x, m, m.range.start);
    }
    x.close("sequence");
    x.close("xmeml");
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages() {
        assert_eq!(percent(2.0), "200");
        assert_eq!(percent(0.5), "50");
        assert_eq!(percent(1.0 / 3.0), "33.3333");
    }
}
