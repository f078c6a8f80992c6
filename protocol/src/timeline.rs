//! The timeline model every part of CutBridge shares.
//!
//! All times are whole frames at the timeline's [`Rate`]. Record time ("track time") counts from
//! the timeline's first frame (0), not from its start timecode. A clip's `source` range follows
//! OpenTimelineIO's convention for retimed clips: it starts at the first media frame the clip
//! shows and lasts the clip's duration *on the timeline*; the clip plays `speed × duration` media
//! frames. Fields a reader did not understand are kept in `extra` and written back unchanged.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Rate;

/// `[start, start + duration)` in frames.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct FrameRange {
    pub start: i64,
    pub duration: i64,
}

impl FrameRange {
    pub const fn new(start: i64, duration: i64) -> Self {
        FrameRange { start, duration }
    }

    /// The range `[start, end)`; an end before the start gives an empty range.
    pub fn from_bounds(start: i64, end: i64) -> Self {
        FrameRange {
            start,
            duration: (end - start).max(0),
        }
    }

    pub const fn end(&self) -> i64 {
        self.start + self.duration
    }

    pub const fn is_empty(&self) -> bool {
        self.duration <= 0
    }

    pub fn contains(&self, frame: i64) -> bool {
        frame >= self.start && frame < self.end()
    }

    pub fn intersect(&self, other: &FrameRange) -> Option<FrameRange> {
        let s = self.start.max(other.start);
        let e = self.end().min(other.end());
        (e > s).then(|| FrameRange::from_bounds(s, e))
    }

    pub fn overlaps(&self, other: &FrameRange) -> bool {
        self.intersect(other).is_some()
    }
}

/// Merge overlapping or touching ranges; the result is sorted and disjoint.
pub fn merge_ranges(mut ranges: Vec<FrameRange>) -> Vec<FrameRange> {
    ranges.retain(|r| !r.is_empty());
    ranges.sort_by_key(|r| (r.start, r.end()));
    let mut out: Vec<FrameRange> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end() => {
                let end = last.end().max(r.end());
                *last = FrameRange::from_bounds(last.start, end);
            }
            _ => out.push(r),
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrackKind {
    Video,
    Audio,
}

/// A whole timeline (a Resolve timeline, a Premiere sequence, an OTIO Timeline).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Timeline {
    pub name: String,
    pub rate: Rate,
    /// The record timecode of the first frame, in frames at `rate` (01:00:00:00 at 25 fps = 90000).
    #[serde(default)]
    pub start_frame: i64,
    /// Whether timecodes of this timeline are shown drop-frame.
    #[serde(default)]
    pub drop_frame: bool,
    pub tracks: Vec<Track>,
    /// Markers on the whole timeline, in record time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub markers: Vec<Marker>,
    /// The transcript: subtitle lines in record time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subtitles: Vec<SubtitleLine>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub metadata: Map<String, Value>,
    /// Fields a reader kept without understanding them.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Track {
    pub name: String,
    pub kind: TrackKind,
    pub items: Vec<Item>,
    /// Markers on the track, in record time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub markers: Vec<Marker>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub metadata: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

fn yes() -> bool {
    true
}

fn one() -> f64 {
    1.0
}

fn is_one(x: &f64) -> bool {
    *x == 1.0
}

/// One thing on a track. Clips and gaps take time; a transition sits between two items and
/// takes none (it overlaps its neighbours by `in_offset` and `out_offset`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Item {
    Clip(Clip),
    Gap(Gap),
    Transition(Transition),
}

impl Item {
    /// Record frames this item takes (0 for a transition).
    pub fn duration(&self) -> i64 {
        match self {
            Item::Clip(c) => c.source.duration,
            Item::Gap(g) => g.duration,
            Item::Transition(_) => 0,
        }
    }

    pub fn as_clip(&self) -> Option<&Clip> {
        match self {
            Item::Clip(c) => Some(c),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Clip {
    pub name: String,
    pub media: Media,
    /// First media frame shown, and the duration on the timeline.
    pub source: FrameRange,
    /// Playback speed (2.0 = twice as fast); the clip shows `speed × source.duration` media frames.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub speed: f64,
    /// Markers in the clip's source (media) time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub markers: Vec<Marker>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Items on other tracks that share this id and overlap in record time are linked to it
    /// (picture and its sound). Pieces split from one clip keep the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Keywords, comments and anything else the host knows about the clip.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub metadata: Map<String, Value>,
    /// Effects CutBridge does not interpret, kept verbatim (OTIO JSON objects).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub effects: Vec<Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

impl Clip {
    /// A clip of `media` showing `source` at normal speed, enabled, unlinked, with no markers,
    /// effects or metadata: the start of a clip built in code (tests, synthetic timelines,
    /// assemble). The `with_…` methods set the rest.
    pub fn new(name: impl Into<String>, media: Media, source: FrameRange) -> Clip {
        Clip {
            name: name.into(),
            media,
            source,
            speed: 1.0,
            markers: Vec::new(),
            enabled: true,
            link: None,
            metadata: Map::new(),
            effects: Vec::new(),
            extra: Map::new(),
        }
    }

    /// The same clip at `speed` (2.0 = twice as fast).
    pub fn with_speed(mut self, speed: f64) -> Clip {
        self.speed = speed;
        self
    }

    /// The same clip linked by `link` to the items on other tracks that share it.
    pub fn with_link(mut self, link: impl Into<String>) -> Clip {
        self.link = Some(link.into());
        self
    }

    /// Media frames the clip shows: `[source.start, source.start + speed × duration)`.
    pub fn media_span(&self) -> (f64, f64) {
        let s = self.source.start as f64;
        (s, s + self.speed * self.source.duration as f64)
    }

    /// The media file's name without its folder (`clip03.mov`).
    pub fn media_file_name(&self) -> Option<&str> {
        let url = self.media.url.as_deref()?;
        let path = url.split(['?', '#']).next().unwrap_or(url);
        path.rsplit(['/', '\\']).next().filter(|s| !s.is_empty())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Media {
    /// Where the media lives (`file:///…` or a plain path); `None` for a missing reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The frames the media file holds, in its own time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<FrameRange>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub metadata: Map<String, Value>,
    /// The inside of a compound clip (a nested sequence, an OTIO Stack in a track): the clip
    /// shows `source` of it like any media, and edits at the top level never change it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nested: Option<Box<Nested>>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

impl Media {
    /// A media file at `url` (`file:///…` or a path), nothing else known.
    pub fn at(url: impl Into<String>) -> Media {
        Media {
            url: Some(url.into()),
            ..Media::default()
        }
    }

    /// The same media, holding the frames `available` (its handles around what clips show).
    pub fn with_available(mut self, available: FrameRange) -> Media {
        self.available = Some(available);
        self
    }

    /// What the reference is, as the writers of each format need to know it.
    pub fn kind(&self) -> MediaKind<'_> {
        let schema = self
            .extra
            .get("OTIO_SCHEMA")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if self.nested.is_some() {
            MediaKind::Nested
        } else if schema.starts_with("GeneratorReference.") {
            let kind = self
                .extra
                .get("generator_kind")
                .and_then(Value::as_str)
                .unwrap_or("generator");
            MediaKind::Generator(kind)
        } else if schema.starts_with("ImageSequenceReference.") {
            MediaKind::ImageSequence
        } else if self.url.is_some() {
            MediaKind::File
        } else {
            MediaKind::Missing
        }
    }
}

/// The kinds of media reference the formats tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind<'a> {
    /// A media file (`url`).
    File,
    /// Frames in numbered files (OTIO `ImageSequenceReference`).
    ImageSequence,
    /// Made by the NLE, no file: `SolidColor`, `Bars`, `Black`, a title (`generator_kind`).
    Generator(&'a str),
    /// A compound clip: see [`Media::nested`].
    Nested,
    /// The media is offline or was never known.
    Missing,
}

/// The inside of a compound clip: tracks in their own record time (frames at the timeline's
/// rate, 0 = the first frame of the nested sequence).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Nested {
    #[serde(default)]
    pub name: String,
    pub tracks: Vec<Track>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub markers: Vec<Marker>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub metadata: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

impl Nested {
    pub fn duration(&self) -> i64 {
        self.tracks.iter().map(Track::duration).max().unwrap_or(0)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Gap {
    pub duration: i64,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Transition {
    #[serde(default)]
    pub name: String,
    /// OTIO transition type; `SMPTE_Dissolve` for a cross dissolve.
    pub kind: String,
    /// Frames before the cut that the transition covers.
    pub in_offset: i64,
    /// Frames after the cut that the transition covers.
    pub out_offset: i64,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub metadata: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

pub const DISSOLVE: &str = "SMPTE_Dissolve";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Marker {
    #[serde(default)]
    pub name: String,
    /// OTIO color name in capitals: RED, GREEN, BLUE, YELLOW, CYAN, MAGENTA, ORANGE, PINK, PURPLE,
    /// WHITE, BLACK.
    pub color: String,
    /// A duration of 0 or 1 is a point marker.
    pub range: FrameRange,
    #[serde(default)]
    pub comment: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub metadata: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
}

impl Marker {
    pub fn is_point(&self) -> bool {
        self.range.duration <= 1
    }
}

/// One line of the transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SubtitleLine {
    /// Record frames the line covers.
    pub range: FrameRange,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speaker: Option<String>,
    pub text: String,
}

impl From<Clip> for Item {
    fn from(c: Clip) -> Item {
        Item::Clip(c)
    }
}

impl Track {
    /// An enabled track of `items`, with no markers or metadata.
    pub fn new(name: impl Into<String>, kind: TrackKind, items: Vec<Item>) -> Track {
        Track {
            name: name.into(),
            kind,
            items,
            markers: Vec::new(),
            enabled: true,
            metadata: Map::new(),
            extra: Map::new(),
        }
    }

    pub fn duration(&self) -> i64 {
        self.items.iter().map(Item::duration).sum()
    }

    /// Each clip with its record range, in order.
    pub fn clips_with_ranges(&self) -> impl Iterator<Item = (usize, FrameRange, &Clip)> + '_ {
        let mut pos = 0;
        self.items.iter().enumerate().filter_map(move |(i, it)| {
            let start = pos;
            pos += it.duration();
            it.as_clip()
                .map(|c| (i, FrameRange::new(start, c.source.duration), c))
        })
    }
}

impl Timeline {
    /// A timeline of `tracks` at `rate` starting at frame 0 (not drop-frame), with no markers,
    /// transcript or metadata. The `with_…` methods set the rest.
    pub fn new(name: impl Into<String>, rate: Rate, tracks: Vec<Track>) -> Timeline {
        Timeline {
            name: name.into(),
            rate,
            start_frame: 0,
            drop_frame: false,
            tracks,
            markers: Vec::new(),
            subtitles: Vec::new(),
            metadata: Map::new(),
            extra: Map::new(),
        }
    }

    /// A timeline whose picture track V1 holds `items` and whose sound track A1 mirrors it (the
    /// same items: picture and its sound), as most cuts are.
    pub fn mirrored(name: impl Into<String>, rate: Rate, items: Vec<Item>) -> Timeline {
        Timeline::new(
            name,
            rate,
            vec![
                Track::new("V1", TrackKind::Video, items.clone()),
                Track::new("A1", TrackKind::Audio, items),
            ],
        )
    }

    /// The same timeline with its first frame at record timecode `start_frame`.
    pub fn with_start_frame(mut self, start_frame: i64) -> Timeline {
        self.start_frame = start_frame;
        self
    }

    /// The same timeline with `subtitles` as its transcript.
    pub fn with_subtitles(mut self, subtitles: Vec<SubtitleLine>) -> Timeline {
        self.subtitles = subtitles;
        self
    }

    /// Record frames of the longest track.
    pub fn duration(&self) -> i64 {
        self.tracks.iter().map(Track::duration).max().unwrap_or(0)
    }

    /// The main picture track: the one named V1, else the first video track.
    pub fn v1_index(&self) -> Option<usize> {
        self.tracks
            .iter()
            .position(|t| t.kind == TrackKind::Video && t.name == "V1")
            .or_else(|| self.tracks.iter().position(|t| t.kind == TrackKind::Video))
    }

    pub fn v1(&self) -> Option<&Track> {
        self.v1_index().map(|i| &self.tracks[i])
    }

    /// A stable fingerprint of the timeline's content (a 64-bit hash of its canonical JSON); an
    /// adapter compares it before applying a cut list made for this snapshot.
    pub fn fingerprint(&self) -> String {
        /// A 64-bit hash of the bytes written to it, eight at a time (FxHash's mixing, then a
        /// final avalanche): the JSON is hashed as it is written, never held.
        struct Words {
            h: u64,
            carry: [u8; 8],
            n: usize,
            len: u64,
        }
        impl Words {
            fn mix(&mut self, w: u64) {
                self.h = (self.h.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
            }
        }
        impl std::io::Write for Words {
            fn write(&mut self, mut buf: &[u8]) -> std::io::Result<usize> {
                let total = buf.len();
                self.len += total as u64;
                if self.n > 0 {
                    let take = (8 - self.n).min(buf.len());
                    self.carry[self.n..self.n + take].copy_from_slice(&buf[..take]);
                    self.n += take;
                    buf = &buf[take..];
                    if self.n < 8 {
                        return Ok(total);
                    }
                    let w = u64::from_le_bytes(self.carry);
                    self.mix(w);
                    self.n = 0;
                }
                let mut words = buf.chunks_exact(8);
                for c in &mut words {
                    self.mix(u64::from_le_bytes(c.try_into().expect("eight bytes")));
                }
                let rest = words.remainder();
                self.carry[..rest.len()].copy_from_slice(rest);
                self.n = rest.len();
                Ok(total)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut h = Words {
            h: 0xcbf2_9ce4_8422_2325,
            carry: [0; 8],
            n: 0,
            len: 0,
        };
        // A timeline always serializes; a failure would hash what was written so far.
        let _ = serde_json::to_writer(std::io::BufWriter::with_capacity(1 << 16, &mut h), self);
        let mut last = [0u8; 8];
        last[..h.n].copy_from_slice(&h.carry[..h.n]);
        let (tail, len) = (u64::from_le_bytes(last), h.len);
        h.mix(tail);
        h.mix(len);
        // Avalanche (SplitMix64's finaliser) so that near-identical timelines differ everywhere.
        let mut z = h.h;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        format!("{z:016x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_joins_touching_and_overlapping() {
        let m = merge_ranges(vec![
            FrameRange::from_bounds(10, 20),
            FrameRange::from_bounds(0, 5),
            FrameRange::from_bounds(20, 25),
            FrameRange::from_bounds(22, 23),
            FrameRange::from_bounds(30, 30),
        ]);
        assert_eq!(
            m,
            vec![
                FrameRange::from_bounds(0, 5),
                FrameRange::from_bounds(10, 25)
            ]
        );
    }

    #[test]
    fn fingerprints_follow_content() {
        let tl = |d: i64, name: &str| Timeline {
            name: name.into(),
            rate: Rate::FPS_25,
            start_frame: 0,
            drop_frame: false,
            tracks: vec![Track {
                name: "V1".into(),
                kind: TrackKind::Video,
                items: vec![Item::Gap(Gap {
                    duration: d,
                    extra: Map::new(),
                })],
                markers: vec![],
                enabled: true,
                metadata: Map::new(),
                extra: Map::new(),
            }],
            markers: vec![],
            subtitles: vec![],
            metadata: Map::new(),
            extra: Map::new(),
        };
        let a = tl(100, "a");
        assert_eq!(a.fingerprint(), tl(100, "a").fingerprint());
        assert_eq!(a.fingerprint().len(), 16);
        assert_ne!(a.fingerprint(), tl(101, "a").fingerprint());
        assert_ne!(a.fingerprint(), tl(100, "b").fingerprint());
        // Names of every length, so the tail of the JSON falls at every place in a word.
        let prints: std::collections::HashSet<String> = (0..24)
            .map(|n| tl(100, &"x".repeat(n)).fingerprint())
            .collect();
        assert_eq!(prints.len(), 24);
    }

    #[test]
    fn media_file_name_strips_folders() {
        let media = Media::at("file:///Volumes/x/clip03.mov");
        let c = Clip::new("a", media, FrameRange::new(0, 10));
        assert_eq!(c.media_file_name(), Some("clip03.mov"));
    }
}
