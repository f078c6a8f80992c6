//! FCPXML 1.10, the format DaVinci Resolve and Final Cut Pro exchange (Resolve: *File ▸ Import ▸
//! Timeline*), written to the 1.10 DTD.
//!
//! Layout: `resources` (one `format` for the timeline's rate, the dissolve effects when used, one
//! `asset` per media file with a `media-rep`), then `library/event/project/sequence/spine`.
//! Times are exact rational seconds (`N/Ds`), so every frame of every rate is exact.
//!
//! - The main video track (V1) is the spine: `asset-clip`s, `gap`s and `transition`s. Spine
//!   offsets count from the sequence's `tcStart`, the timeline's start timecode. A transition sits
//!   between its clips with `offset` at its start (`in_offset` before the cut), overlapping both;
//!   the clips keep their cut-to-cut offsets and durations.
//! - Sound: FCPXML has no audio tracks. When an audio track mirrors V1 (same media, source and
//!   record ranges, as picture and its sound do) its sound is the spine clips' own audio. Any other
//!   track becomes connected clips on lanes (video above, 1, 2, …; audio below, −1, −2, …,
//!   `srcEnable="audio"`, the spine clips then `srcEnable="video"`), each anchored to the spine
//!   item where it starts, its offset in that item's local time.
//! - Speed: a `timeMap` with two linear points mapping the clip's local time onto media time, so
//!   that `start` stays the first media frame shown (local time equals media time at the in point)
//!   and the clip shows `speed × duration` media frames.
//! - Markers go on the spine item they fall on (clip markers from media time, track and timeline
//!   markers from record time), in that item's local time; a point marker lasts one frame, as in
//!   Final Cut Pro. Colors: FCPXML has none; RED is written as a to-do marker (`completed="0"`,
//!   shown red) and GREEN as a completed one (`completed="1"`, shown green), as OTIO's adapter
//!   does; the comment is the marker's `note`.
//!
//! - A clip without a media file is a `clip` holding a generator of Final Cut Pro's own: a title
//!   (Basic Title) or solid colour (Custom) for OTIO generators of those kinds, and a Placeholder,
//!   named after the clip, for missing media, other generators and compound clips (whose inside is
//!   not written); an image sequence's asset is its first frame's file. No asset has an empty
//!   `src` (Final Cut Pro refuses the whole file then).
//!
//! Not representable: transitions other than a cross dissolve (all are written as Cross Dissolve),
//! transitions on tracks other than V1, disabled tracks other than V1, subtitles and metadata.

use std::collections::HashMap;

use protocol::{Clip, Item, Marker, Rate, Timeline, Track, TrackKind};

use super::media_url;
use super::xml::Xml;

const CROSS_DISSOLVE_UID: &str = "FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265";

/// Final Cut Pro's own generators, as its exports name them (`uid` relative to its bundle).
const PLACEHOLDER: (&str, &str, &str) = (
    "video",
    "Placeholder",
    ".../Generators.localized/Elements.localized/Placeholder.localized/Placeholder.motn",
);
const SOLID: (&str, &str, &str) = (
    "video",
    "Custom",
    ".../Generators.localized/Solids.localized/Custom.localized/Custom.motn",
);
const BASIC_TITLE: (&str, &str, &str) = (
    "title",
    "Basic Title",
    ".../Titles.localized/Bumper:Opener.localized/Basic Title.localized/Basic Title.moti",
);

/// What a clip with no media file is written as: a generator as the nearest of Final Cut Pro's
/// (a title, a solid colour), and missing media or a compound clip's inside as a Placeholder
/// named after the clip, so the edit keeps its place and length and says what is missing.
fn generator_for(c: &Clip) -> Option<(&'static str, &'static str, &'static str)> {
    use protocol::MediaKind;
    match c.media.kind() {
        MediaKind::File | MediaKind::ImageSequence if media_url::location(&c.media).is_some() => {
            None
        }
        MediaKind::Generator(kind) => {
            let k = kind.to_ascii_lowercase();
            Some(if k.contains("title") || k.contains("text") {
                BASIC_TITLE
            } else if ["solid", "color", "colour", "black", "matte", "slug"]
                .iter()
                .any(|w| k.contains(w))
            {
                SOLID
            } else {
                PLACEHOLDER
            })
        }
        _ => Some(PLACEHOLDER),
    }
}
const AUDIO_CROSSFADE_UID: &str = "FFAudioTransition";

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `num / den` frames at `rate` as an FCPXML time: `3600s`, `1001/30000s`, `0s`.
fn frames_ratio(num: i128, den: i128, rate: Rate) -> String {
    let n = num * i128::from(rate.den());
    let d = den * i128::from(rate.num());
    if n == 0 || d == 0 {
        return "0s".to_string();
    }
    let g = gcd(n, d);
    let (n, d) = if d < 0 {
        (-n / g, -d / g)
    } else {
        (n / g, d / g)
    };
    if d == 1 {
        format!("{n}s")
    } else {
        format!("{n}/{d}s")
    }
}

/// `frames` at `rate` as an FCPXML time.
fn time(frames: i64, rate: Rate) -> String {
    frames_ratio(i128::from(frames), 1, rate)
}

/// A speed as a fraction `p / q` (continued fractions, denominators up to 10 000), for speeds
/// within 10⁻⁶–10⁶ (others are clamped there; readers accept far less).
fn speed_ratio(x: f64) -> (i128, i128) {
    if !x.is_finite() || x <= 0.0 {
        return (1, 1);
    }
    let x = x.clamp(1e-6, 1e6);
    let (mut h0, mut h1, mut k0, mut k1) = (0i128, 1i128, 1i128, 0i128);
    let mut v = x;
    for _ in 0..32 {
        let a = v.floor();
        let ai = a as i128;
        let h2 = ai * h1 + h0;
        let k2 = ai * k1 + k0;
        if k2 > 10_000 {
            break;
        }
        (h0, h1, k0, k1) = (h1, h2, k1, k2);
        let frac = v - a;
        if frac.abs() < 1e-9 || ((h1 as f64 / k1 as f64) - x).abs() < 1e-12 {
            break;
        }
        v = 1.0 / frac;
    }
    if k1 == 0 { (1, 1) } else { (h1, k1) }
}

fn format_name(rate: Rate) -> Option<&'static str> {
    Some(match (rate.num(), rate.den()) {
        (24000, 1001) => "FFVideoFormat1080p2398",
        (24, 1) => "FFVideoFormat1080p24",
        (25, 1) => "FFVideoFormat1080p25",
        (30000, 1001) => "FFVideoFormat1080p2997",
        (30, 1) => "FFVideoFormat1080p30",
        (50, 1) => "FFVideoFormat1080p50",
        (60000, 1001) => "FFVideoFormat1080p5994",
        (60, 1) => "FFVideoFormat1080p60",
        _ => return None,
    })
}

fn media_key(c: &Clip) -> String {
    match &media_url::location(&c.media) {
        Some(u) => format!("url:{u}"),
        None if !c.media.name.is_empty() => format!("name:{}", c.media.name),
        None => format!("clip:{}", c.name),
    }
}

struct Asset {
    id: String,
    name: String,
    src: String,
    start: i64,
    end: i64,
    has_video: bool,
    has_audio: bool,
}

/// The picture and sound of both tracks are the same edit.
fn mirrors(v: &Track, a: &Track) -> bool {
    let key = |t: &Track| {
        t.clips_with_ranges()
            .map(|(_, r, c)| (r, c.media.url.clone(), c.source, c.speed, c.enabled))
            .collect::<Vec<_>>()
    };
    let kv = key(v);
    !kv.is_empty() && kv == key(a)
}

/// What the spine holds at a place, with where it is.
enum SpineKind<'a> {
    Clip(&'a Clip),
    Gap,
    Transition(&'a protocol::Transition),
}

struct SpineItem<'a> {
    pos: i64,
    dur: i64,
    kind: SpineKind<'a>,
    /// Local time (frames) at the item's first frame: its `start`.
    local_start: i64,
    /// Connected clips (lane, clip, record position) anchored here.
    connected: Vec<(i32, &'a Clip, i64)>,
    /// Markers and the local frame they start at.
    markers: Vec<(i64, &'a Marker)>,
}

struct Writer<'a> {
    tl: &'a Timeline,
    rate: Rate,
    assets: Vec<Asset>,
    asset_of: HashMap<String, usize>,
    /// Spine clips play their own audio (an audio track mirrors V1).
    spine_audio: bool,
    dissolve_id: Option<String>,
    crossfade_id: Option<String>,
    /// Generator effects used, by uid: (id, name, uid).
    generators: Vec<(String, &'static str, &'static str)>,
}

impl<'a> Writer<'a> {
    fn t(&self, frames: i64) -> String {
        time(frames, self.rate)
    }

    fn add_asset(&mut self, c: &Clip, kind: TrackKind, next_id: &mut usize) {
        if let Some((_, name, uid)) = generator_for(c) {
            if !self.generators.iter().any(|(_, _, u)| *u == uid) {
                self.generators.push((format!("r{next_id}"), name, uid));
                *next_id += 1;
            }
            return;
        }
        let key = media_key(c);
        let media_frames = (c.speed * c.source.duration as f64).ceil() as i64;
        let (lo, hi) = match c.media.available {
            Some(r) => (r.start, r.end()),
            None => (
                c.source.start,
                c.source.start.saturating_add(media_frames.max(0)),
            ),
        };
        let i = match self.asset_of.get(&key) {
            Some(&i) => i,
            None => {
                let location = media_url::location(&c.media);
                let url = location.as_deref();
                let name = url
                    .and_then(media_url::file_name)
                    .or_else(|| (!c.media.name.is_empty()).then(|| c.media.name.clone()))
                    .unwrap_or_else(|| c.name.clone());
                self.assets.push(Asset {
                    id: format!("r{next_id}"),
                    name,
                    src: url.map(|u| media_url::to_url(u, "")).unwrap_or_default(),
                    start: lo,
                    end: hi,
                    has_video: false,
                    has_audio: false,
                });
                *next_id += 1;
                self.asset_of.insert(key, self.assets.len() - 1);
                self.assets.len() - 1
            }
        };
        let a = &mut self.assets[i];
        if c.media.available.is_none() {
            a.start = a.start.min(lo);
            a.end = a.end.max(hi);
        }
        match kind {
            TrackKind::Video => a.has_video = true,
            TrackKind::Audio => a.has_audio = true,
        }
    }

    fn asset(&self, c: &Clip) -> Option<&Asset> {
        self.asset_of.get(&media_key(c)).map(|&i| &self.assets[i])
    }

    fn marker(&self, x: &mut Xml, local: i64, m: &Marker) {
        let start = self.t(local);
        let duration = self.t(m.range.duration.max(1));
        let mut attrs: Vec<(&str, &str)> = vec![
            ("start", &start),
            ("duration", &duration),
            ("value", &m.name),
        ];
        match m.color.to_ascii_uppercase().as_str() {
            "RED" => attrs.push(("completed", "0")),
            "GREEN" => attrs.push(("completed", "1")),
            _ => {}
        }
        if !m.comment.is_empty() {
            attrs.push(("note", &m.comment));
        }
        x.empty("marker", &attrs);
    }

    /// Local time of a clip at media frame `m`: local time equals media time at the in point and
    /// runs at timeline speed.
    fn media_to_local(c: &Clip, m: i64) -> i64 {
        let s = c.source.start;
        s.saturating_add((m.saturating_sub(s) as f64 / c.speed).round() as i64)
    }

    /// An `asset-clip` for `c` at `offset` (already formatted); `children` writes what is
    /// anchored to it and its markers, when it has any.
    fn asset_clip(
        &self,
        x: &mut Xml,
        c: &Clip,
        lane: Option<i32>,
        offset: &str,
        src_enable: Option<&str>,
        children: Option<&dyn Fn(&mut Xml)>,
    ) {
        // A file's clip is an asset-clip; a generator's, a `video` or `title` of its effect.
        let (tag, id) = match (self.asset(c), generator_for(c)) {
            (_, Some((tag, _, uid))) => match self.generators.iter().find(|(_, _, u)| *u == uid) {
                Some((id, _, _)) => (tag, id.clone()),
                None => return,
            },
            (Some(asset), None) => ("asset-clip", asset.id.clone()),
            (None, None) => return,
        };
        let src_enable = src_enable.filter(|_| tag == "asset-clip");
        let lane_s = lane.map(|l| l.to_string());
        let start = self.t(c.source.start);
        let duration = self.t(c.source.duration);
        // A generator goes inside a `clip` of its own, as Final Cut Pro nests a generator it
        // was given in a clip; the clip holds the timing, markers and anything anchored.
        let generator = tag != "asset-clip";
        let outer = if generator { "clip" } else { "asset-clip" };
        let mut attrs: Vec<(&str, &str)> = Vec::new();
        if !generator {
            attrs.push(("ref", &id));
        }
        if let Some(l) = &lane_s {
            attrs.push(("lane", l));
        }
        attrs.extend([
            ("offset", offset),
            ("name", c.name.as_str()),
            ("start", &start),
            ("duration", &duration),
        ]);
        if !c.enabled {
            attrs.push(("enabled", "0"));
        }
        if let Some(s) = src_enable {
            attrs.push(("srcEnable", s));
        }
        let retimed = c.speed != 1.0;
        let own_markers: Vec<&Marker> = if lane.is_some() {
            c.markers.iter().collect()
        } else {
            Vec::new()
        };
        if !generator && !retimed && children.is_none() && own_markers.is_empty() {
            x.empty(outer, &attrs);
            return;
        }
        x.open(outer, &attrs);
        if generator {
            x.empty(
                tag,
                &[
                    ("ref", id.as_str()),
                    ("offset", start.as_str()),
                    ("start", start.as_str()),
                    ("duration", duration.as_str()),
                ],
            );
        }
        if retimed {
            let (p, q) = speed_ratio(c.speed);
            let s = i128::from(c.source.start);
            let d = i128::from(c.source.duration);
            let end_local = self.t(c.source.start + c.source.duration);
            let end_media = frames_ratio(s * q + p * d, q, self.rate);
            x.open("timeMap", &[]);
            x.empty(
                "timept",
                &[("time", &start), ("value", &start), ("interp", "linear")],
            );
            x.empty(
                "timept",
                &[
                    ("time", &end_local),
                    ("value", &end_media),
                    ("interp", "linear"),
                ],
            );
            x.close("timeMap");
        }
        if let Some(write_children) = children {
            write_children(x);
        }
        for m in own_markers {
            self.marker(x, Self::media_to_local(c, m.range.start), m);
        }
        x.close(outer);
    }

    fn connected(&self, x: &mut Xml, anchor: &SpineItem<'_>, lane: i32, c: &Clip, pos: i64) {
        let offset = self.t(anchor.local_start + (pos - anchor.pos));
        let asset = self.asset(c);
        let src_enable = match lane {
            l if l < 0 && asset.is_some_and(|a| a.has_video) => Some("audio"),
            l if l > 0 && asset.is_some_and(|a| a.has_audio) => Some("video"),
            _ => None,
        };
        self.asset_clip(x, c, Some(lane), &offset, src_enable, None);
    }

    fn spine_item(&self, x: &mut Xml, item: &SpineItem<'_>) {
        let offset = self.t(self.tl.start_frame + item.pos);
        let children = |x: &mut Xml| {
            for (lane, c, pos) in &item.connected {
                self.connected(x, item, *lane, c, *pos);
            }
            for (local, m) in &item.markers {
                self.marker(x, *local, m);
            }
        };
        let has_children = !item.connected.is_empty() || !item.markers.is_empty();
        match item.kind {
            SpineKind::Clip(c) => {
                let src_enable = match self.asset(c) {
                    Some(a) if a.has_audio && !self.spine_audio => Some("video"),
                    _ => None,
                };
                let children: Option<&dyn Fn(&mut Xml)> = has_children.then_some(&children);
                self.asset_clip(x, c, None, &offset, src_enable, children);
            }
            SpineKind::Gap => {
                let duration = self.t(item.dur);
                let attrs = [
                    ("name", "Gap"),
                    ("offset", offset.as_str()),
                    ("start", offset.as_str()),
                    ("duration", duration.as_str()),
                ];
                if has_children {
                    x.open("gap", &attrs);
                    children(x);
                    x.close("gap");
                } else {
                    x.empty("gap", &attrs);
                }
            }
            SpineKind::Transition(t) => {
                let offset = self.t(self.tl.start_frame + item.pos - t.in_offset);
                let duration = self.t(t.in_offset + t.out_offset);
                x.open(
                    "transition",
                    &[
                        ("name", "Cross Dissolve"),
                        ("offset", &offset),
                        ("duration", &duration),
                    ],
                );
                if let Some(id) = &self.dissolve_id {
                    x.empty("filter-video", &[("ref", id), ("name", "Cross Dissolve")]);
                }
                if let Some(id) = &self.crossfade_id {
                    x.empty("filter-audio", &[("ref", id), ("name", "Audio Crossfade")]);
                }
                x.close("transition");
            }
        }
    }
}

/// The spine's items with their places; a trailing gap covers what other tracks hold beyond V1.
fn spine_items<'a>(v1: Option<&'a Track>, total: i64, start_frame: i64) -> Vec<SpineItem<'a>> {
    let mut out = Vec::new();
    let mut pos = 0;
    let new = |pos, dur, kind, local_start| SpineItem {
        pos,
        dur,
        kind,
        local_start,
        connected: Vec::new(),
        markers: Vec::new(),
    };
    for item in v1.map(|t| t.items.as_slice()).unwrap_or_default() {
        let dur = item.duration();
        match item {
            Item::Clip(c) if dur > 0 => out.push(new(pos, dur, SpineKind::Clip(c), c.source.start)),
            Item::Gap(_) if dur > 0 => {
                out.push(new(pos, dur, SpineKind::Gap, start_frame + pos));
            }
            Item::Transition(t) if t.in_offset + t.out_offset > 0 => {
                out.push(new(pos, 0, SpineKind::Transition(t), 0));
            }
            _ => {}
        }
        pos += dur;
    }
    if total > pos {
        out.push(new(pos, total - pos, SpineKind::Gap, start_frame + pos));
    }
    out
}

/// The spine item (not a transition) holding record frame `at`.
fn anchor_index(spine: &[SpineItem<'_>], at: i64) -> Option<usize> {
    spine
        .iter()
        .position(|s| s.dur > 0 && at >= s.pos && at < s.pos + s.dur)
        .or_else(|| spine.iter().rposition(|s| s.dur > 0))
}

/// The timeline as an FCPXML 1.10 document.
pub fn write_string(tl: &Timeline) -> String {
    let rate = tl.rate;
    let v1_index = tl.v1_index();
    let v1 = v1_index.map(|i| &tl.tracks[i]);
    let mirrored: Vec<usize> = tl
        .tracks
        .iter()
        .enumerate()
        .filter(|(_, t)| t.kind == TrackKind::Audio && v1.is_some_and(|v| mirrors(v, t)))
        .map(|(i, _)| i)
        .collect();
    let spine_audio = !mirrored.is_empty();
    let has_transitions = v1.is_some_and(|t| {
        t.items
            .iter()
            .any(|i| matches!(i, Item::Transition(t) if t.in_offset + t.out_offset > 0))
    });

    let mut w = Writer {
        tl,
        rate,
        assets: Vec::new(),
        asset_of: HashMap::new(),
        spine_audio,
        dissolve_id: None,
        crossfade_id: None,
        generators: Vec::new(),
    };
    let mut next_id = 2;
    if has_transitions {
        w.dissolve_id = Some(format!("r{next_id}"));
        next_id += 1;
        if spine_audio {
            w.crossfade_id = Some(format!("r{next_id}"));
            next_id += 1;
        }
    }

    // Lanes for every other track, and the assets every written clip uses.
    let mut lanes: Vec<(i32, &Track)> = Vec::new();
    let (mut up, mut down) = (0, 0);
    for (i, t) in tl.tracks.iter().enumerate() {
        if Some(i) == v1_index {
            continue;
        }
        if mirrored.contains(&i) {
            // Its sound is the spine clips' own.
            for c in t.items.iter().filter_map(Item::as_clip) {
                w.add_asset(c, TrackKind::Audio, &mut next_id);
            }
            continue;
        }
        if !t.enabled {
            continue;
        }
        match t.kind {
            TrackKind::Video => {
                up += 1;
                lanes.push((up, t));
            }
            TrackKind::Audio => {
                down -= 1;
                lanes.push((down, t));
            }
        }
    }
    if let Some(v) = v1 {
        for c in v.items.iter().filter_map(Item::as_clip) {
            w.add_asset(c, TrackKind::Video, &mut next_id);
        }
    }
    for (_, t) in &lanes {
        for c in t.items.iter().filter_map(Item::as_clip) {
            w.add_asset(c, t.kind, &mut next_id);
        }
    }

    let total = tl.duration();
    let mut spine = spine_items(v1, total, tl.start_frame);
    for (lane, t) in &lanes {
        for (_, r, c) in t.clips_with_ranges() {
            if r.duration > 0
                && let Some(a) = anchor_index(&spine, r.start)
            {
                spine[a].connected.push((*lane, c, r.start));
            }
        }
    }
    // Clip markers in media time, track and timeline markers in record time.
    for s in &mut spine {
        if let SpineKind::Clip(c) = s.kind {
            for m in &c.markers {
                s.markers
                    .push((Writer::media_to_local(c, m.range.start), m));
            }
        }
    }
    let record_markers = tl
        .markers
        .iter()
        .chain(v1.into_iter().flat_map(|t| &t.markers));
    for m in record_markers {
        if let Some(a) = anchor_index(&spine, m.range.start) {
            let s = &mut spine[a];
            let local = s.local_start + (m.range.start - s.pos);
            s.markers.push((local, m));
        }
    }
    for s in &mut spine {
        s.markers.sort_by_key(|(f, _)| *f);
    }

    let mut x = Xml::new(Some("fcpxml"));
    x.open("fcpxml", &[("version", "1.10")]);
    x.open("resources", &[]);
    let frame = time(1, rate);
    let mut fattrs: Vec<(&str, &str)> = vec![("id", "r1")];
    if let Some(n) = format_name(rate) {
        fattrs.push(("name", n));
    }
    fattrs.extend([
        ("frameDuration", frame.as_str()),
        ("width", "1920"),
        ("height", "1080"),
    ]);
    x.empty("format", &fattrs);
    if let Some(id) = &w.dissolve_id {
        x.empty(
            "effect",
            &[
                ("id", id),
                ("name", "Cross Dissolve"),
                ("uid", CROSS_DISSOLVE_UID),
            ],
        );
    }
    if let Some(id) = &w.crossfade_id {
        x.empty(
            "effect",
            &[
                ("id", id),
                ("name", "Audio Crossfade"),
                ("uid", AUDIO_CROSSFADE_UID),
            ],
        );
    }
    for (id, name, uid) in &w.generators {
        x.empty("effect", &[("id", id), ("name", name), ("uid", uid)]);
    }
    for a in &w.assets {
        let start = time(a.start, rate);
        let duration = time(a.end - a.start, rate);
        let mut attrs: Vec<(&str, &str)> = vec![
            ("id", &a.id),
            ("name", &a.name),
            ("start", &start),
            ("duration", &duration),
            ("hasVideo", if a.has_video { "1" } else { "0" }),
            ("format", "r1"),
            ("hasAudio", if a.has_audio { "1" } else { "0" }),
        ];
        if a.has_audio {
            attrs.extend([
                ("audioSources", "1"),
                ("audioChannels", "2"),
                ("audioRate", "48000"),
            ]);
        }
        x.open("asset", &attrs);
        x.empty("media-rep", &[("kind", "original-media"), ("src", &a.src)]);
        x.close("asset");
    }
    x.close("resources");

    let name = if tl.name.trim().is_empty() {
        "CutBridge"
    } else {
        tl.name.as_str()
    };
    x.open("library", &[]);
    x.open("event", &[("name", name)]);
    x.open("project", &[("name", name)]);
    let duration = time(total, rate);
    let tc_start = time(tl.start_frame, rate);
    let df = tl.drop_frame && rate.supports_drop_frame();
    x.open(
        "sequence",
        &[
            ("format", "r1"),
            ("duration", &duration),
            ("tcStart", &tc_start),
            ("tcFormat", if df { "DF" } else { "NDF" }),
            ("audioLayout", "stereo"),
            ("audioRate", "48k"),
        ],
    );
    x.open("spine", &[]);
    for s in &spine {
        w.spine_item(&mut x, s);
    }
    x.close("spine");
    x.close("sequence");
    x.close("project");
    x.close("event");
    x.close("library");
    x.close("fcpxml");
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_exact_reduced_rationals() {
        assert_eq!(time(90_000, Rate::FPS_25), "3600s");
        assert_eq!(time(1, Rate::FPS_29_97), "1001/30000s");
        assert_eq!(time(2, Rate::FPS_29_97), "1001/15000s");
        assert_eq!(time(7, Rate::FPS_25), "7/25s");
        assert_eq!(time(0, Rate::FPS_24), "0s");
        assert_eq!(time(-25, Rate::FPS_25), "-1s");
    }

    #[test]
    fn speeds_become_small_fractions() {
        assert_eq!(speed_ratio(2.0), (2, 1));
        assert_eq!(speed_ratio(0.5), (1, 2));
        assert_eq!(speed_ratio(1.0 / 3.0), (1, 3));
        assert_eq!(speed_ratio(1.25), (5, 4));
    }
}
