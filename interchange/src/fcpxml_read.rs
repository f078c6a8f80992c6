//! Reading FCPXML 1.8–1.11 (Final Cut Pro; DaVinci Resolve, OpenTimelineIO's `fcpx_xml` adapter
//! and [`super::fcpxml`] write the same dialect) into the timeline model.
//!
//! - The first project's `sequence` is read (`library/event/project`, `event/project` or a bare
//!   `project`); other projects are noted. Its `format`'s `frameDuration` is the timeline's rate,
//!   its `tcStart` the start timecode (`tcFormat="DF"`: drop-frame).
//! - Times are exact rationals (`1001/30000s`, `3600s`); every one is converted to frames at the
//!   timeline's rate exactly, and one that is not a whole frame is rounded and noted.
//! - Tracks: the primary storyline (the spine) is V1; connected clips and storylines on lanes
//!   above it are V2, V3, … (lane 1, 2, …, relative to their parent; one that overlaps another
//!   clip of its lane moves up a track, noted). Sound: the sound of spine clips that have it is A1
//!   (sharing [`protocol::Clip::link`] with their picture), then lanes below the spine (−1, −2,
//!   …), then the sound of connected clips above it. `srcEnable`, an asset's `hasVideo` /
//!   `hasAudio` and `audio`/`video` elements say which a clip has.
//! - Clips: `asset-clip`, `clip` (its `video`/`audio`, or the `audio` anchored in its `gap`, as
//!   OTIO's adapter writes it), `video`/`audio` of an asset; `title` and `video` of an effect are
//!   generators; `ref-clip` (a `media` holding a sequence), `sync-clip` and `mc-clip` (its video
//!   angle, noted) are compound clips read recursively into [`protocol::Nested`]. A clip's
//!   `start` is its first frame in its own time; media times are the asset's (with its start
//!   timecode). Media: `media-rep src` (1.9+) or `asset src` (1.8), percent-decoded to a path;
//!   none is missing media.
//! - Transitions in a storyline overlap their neighbours, which keep their cut-to-cut places:
//!   `in_offset` runs from the transition's `offset` to the cut. Cross Dissolve (and audio
//!   crossfades) are `SMPTE_Dissolve`; others are kept as `Custom` and noted.
//! - Speed: a `timeMap` (clip time → media time; not one straight line: its average, noted) or a
//!   `conform-rate` that changes speed (25 fps media in a 24 fps project plays at 24/25).
//! - Markers: `marker` and `chapter-marker` on clips are clip markers in source time; on a gap of
//!   the spine, timeline markers. Colors as OTIO's adapter reads them: a to-do (`completed="0"`)
//!   is RED, a done one GREEN, any other PURPLE; a chapter marker ORANGE. `note` is the comment.
//!   `keyword`s go to the clip's metadata; filters and `adjust-*` are kept as OTIO effects and
//!   noted, audio roles as metadata, noted.

use std::collections::{BTreeMap, HashMap, HashSet};

use protocol::{
    Clip, DISSOLVE, FrameRange, Gap, Item, Marker, Media, Nested, Rate, Timeline, Track, TrackKind,
    Transition,
};
use roxmltree::{Document, Node, NodeId};
use serde_json::{Map, Value, json};

use super::xmeml_read::{
    Lines, MAX_NESTING, Ratio, child, element_json, generator, invalid, looks_like_image_sequence,
    parse_document, text_of, to_frames,
};
use super::{MAX_FRAMES, ReadError, Reading, SPEEDS, media_url, num};

/// Elements that take place in a storyline.
const STORY: [&str; 11] = [
    "asset-clip",
    "clip",
    "ref-clip",
    "sync-clip",
    "mc-clip",
    "gap",
    "title",
    "video",
    "audio",
    "transition",
    "spine",
];

fn is_story(n: &Node) -> bool {
    n.is_element() && STORY.contains(&n.tag_name().name())
}

/// The largest time accepted, in seconds (more than 30 000 years).
const MAX_SECONDS: i128 = 1_000_000_000_000;

/// An FCPXML time: `N/Ds`, `Ns`, or a decimal (`1.5s`).
fn parse_time(text: &str) -> Option<Ratio> {
    let body = text.trim().strip_suffix('s')?;
    let int = |s: &str| -> Option<i128> {
        if s.is_empty() || s.len() > 18 {
            return None;
        }
        s.parse::<i64>().ok().map(i128::from)
    };
    let r = if let Some((n, d)) = body.split_once('/') {
        Ratio::new(int(n)?, int(d)?)?
    } else if let Some((i, f)) = body.split_once('.') {
        let neg = i.starts_with('-');
        let whole = if i.is_empty() || i == "-" { 0 } else { int(i)? };
        if f.len() > 12 || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let scale = 10i128.pow(f.len() as u32);
        let frac = if f.is_empty() { 0 } else { int(f)? };
        let n = whole.abs() * scale + frac;
        Ratio::new(if neg { -n } else { n }, scale)?
    } else {
        Ratio::new(int(body)?, 1)?
    };
    (r.abs().round() <= MAX_SECONDS).then_some(r)
}

fn time_attr(node: Node, name: &str) -> Result<Option<Ratio>, ReadError> {
    match node.attribute(name) {
        None => Ok(None),
        Some(t) => parse_time(t)
            .map(Some)
            .ok_or_else(|| invalid(node, format!("{name} {t:?} is not a time"))),
    }
}

fn lane_of(node: Node) -> Result<Option<i32>, ReadError> {
    match node.attribute("lane") {
        None => Ok(None),
        Some(l) => l
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|l| l.abs() <= 1000)
            .map(Some)
            .ok_or_else(|| invalid(node, format!("lane {l:?} is not a lane number"))),
    }
}

fn too_large(node: Node) -> ReadError {
    invalid(node, "the time is too large")
}

/// A track: whether it is audio, and its rank (video: lane 0, 1, …; audio: the spine's sound 0,
/// the lanes below 1, 2, …, the sound of lanes above from 1001). Video tracks sort first.
type Key = (bool, i64);

const V1: Key = (false, 0);

fn picture_key(lane: i32) -> Option<Key> {
    (lane >= 0).then_some((false, i64::from(lane)))
}

fn sound_key(lane: i32) -> Key {
    let rank = match lane {
        0 => 0,
        l if l < 0 => i64::from(-l),
        l => 1000 + i64::from(l),
    };
    (true, rank)
}

/// One item placed on a track, in record frames.
struct Entry {
    start: i64,
    end: i64,
    item: Item,
    at: NodeId,
}

type Story = BTreeMap<Key, Vec<Entry>>;

/// A storyline's clock: local time `local` is record time `record` (seconds from the first frame
/// of the timeline or compound clip being read).
#[derive(Clone, Copy, Debug)]
struct Base {
    local: Ratio,
    record: Ratio,
}

impl Base {
    fn at(self, t: Ratio) -> Option<Ratio> {
        self.record.add(t.sub(self.local)?)
    }
}

/// One step from a clip's own time towards media time.
#[derive(Clone, Debug)]
enum Step {
    /// `to + (t − from)`: into a contained element's time.
    Shift { from: Ratio, to: Ratio },
    /// A `timeMap`: (time, value) points, linear between them and beyond the ends.
    Map(Vec<(Ratio, Ratio)>),
    /// `anchor + (t − anchor) × speed`: a conform-rate.
    Scale { anchor: Ratio, speed: Ratio },
}

fn apply(steps: &[Step], t: Ratio) -> Option<Ratio> {
    let mut t = t;
    for s in steps {
        t = match s {
            Step::Shift { from, to } => to.add(t.sub(*from)?)?,
            Step::Scale { anchor, speed } => anchor.add(t.sub(*anchor)?.mul(*speed)?)?,
            Step::Map(points) => map_time(points, t)?,
        };
    }
    Some(t)
}

/// A time map at `t`: linear between its points, extended from its first and last segments.
fn map_time(points: &[(Ratio, Ratio)], t: Ratio) -> Option<Ratio> {
    match points {
        [] => Some(t),
        [(t0, v0)] => v0.add(t.sub(*t0)?),
        _ => {
            // The segment holding t: the last one whose start is at or before t.
            let mut seg = 0;
            for (j, w) in points.windows(2).enumerate() {
                if !t.sub(w[0].0)?.is_negative() {
                    seg = j;
                }
            }
            let (t0, v0) = points[seg];
            let (t1, v1) = points[seg + 1];
            let span = t1.sub(t0)?;
            if span == Ratio::ZERO {
                return v0.add(t.sub(t0)?);
            }
            v0.add(t.sub(t0)?.mul(v1.sub(v0)?)?.div(span)?)
        }
    }
}

/// What a story element shows.
struct Resolved {
    media: Media,
    picture: bool,
    sound: bool,
    /// From the element's own time to media time (seconds).
    steps: Vec<Step>,
    /// The media time of source frame 0 (a compound clip's first frame).
    origin: Ratio,
    /// Elements inside whose markers, keywords and effects are the clip's too, with the steps
    /// from the clip's time to theirs.
    inner: Vec<(NodeId, Vec<Step>)>,
}

#[derive(Clone)]
struct AssetInfo {
    media: Media,
    has_video: Option<bool>,
    has_audio: Option<bool>,
    start: Ratio,
}

struct Reader<'a, 'i> {
    doc: &'a Document<'i>,
    lines: Lines,
    rate: Rate,
    resources: HashMap<String, NodeId>,
    notes: Vec<String>,
    assets: HashMap<NodeId, AssetInfo>,
    /// Compound clips already read: the nested timeline and its origin.
    nested: HashMap<NodeId, (Nested, Ratio)>,
    open: Vec<NodeId>,
    links: usize,
    roles: HashSet<String>,
    /// Story elements placed, and whether they carry sound.
    sounds: HashMap<NodeId, bool>,
}

impl<'a, 'i> Reader<'a, 'i> {
    fn note(&mut self, node: Node, what: impl AsRef<str>) {
        let place = self.lines.place(node);
        self.notes.push(format!("{place}: {}", what.as_ref()));
    }

    fn frames(&mut self, node: Node, seconds: Ratio, what: &str) -> Result<i64, ReadError> {
        to_frames(seconds, self.rate, node, what, &self.lines, &mut self.notes)
    }

    fn resource(&self, node: Node<'a, 'i>, attr: &str) -> Result<Node<'a, 'i>, ReadError> {
        let id = node
            .attribute(attr)
            .ok_or_else(|| invalid(node, format!("no {attr} attribute")))?;
        self.resources
            .get(id)
            .and_then(|&n| self.doc.get_node(n))
            .ok_or_else(|| invalid(node, format!("{attr} {id:?} names no resource")))
    }

    /// A `format`'s frame rate.
    fn format_rate(&self, format: Node) -> Result<Rate, ReadError> {
        let fd = format
            .attribute("frameDuration")
            .ok_or_else(|| invalid(format, "the format has no frameDuration"))?;
        let bad = || {
            invalid(
                format,
                format!("frameDuration {fd:?} is not a frame duration"),
            )
        };
        let r = parse_time(fd).ok_or_else(bad)?;
        let (n, d) = (r.numer(), r.denom());
        if n <= 0 {
            return Err(bad());
        }
        let (n, d) = (
            u32::try_from(n).map_err(|_| bad())?,
            u32::try_from(d).map_err(|_| bad())?,
        );
        Rate::new(d, n).map_err(|e| invalid(format, e.to_string()))
    }

    fn asset(&mut self, asset: Node<'a, 'i>) -> Result<AssetInfo, ReadError> {
        if let Some(a) = self.assets.get(&asset.id()) {
            return Ok(a.clone());
        }
        let reps: Vec<Node> = asset
            .children()
            .filter(|c| c.has_tag_name("media-rep"))
            .collect();
        let src = reps
            .iter()
            .find(|r| r.attribute("kind").is_none_or(|k| k == "original-media"))
            .or(reps.first())
            .and_then(|r| r.attribute("src"))
            .or(asset.attribute("src"))
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let mut media = Media {
            name: asset.attribute("name").unwrap_or_default().to_string(),
            ..Media::default()
        };
        if let Some(src) = src {
            let path = media_url::to_path(src);
            if looks_like_image_sequence(&path) {
                self.note(
                    asset,
                    "the media looks like an image sequence: kept as the url of its first frame",
                );
            }
            media.url = Some(path);
        }
        let start = time_attr(asset, "start")?.unwrap_or(Ratio::ZERO);
        if let Some(d) = time_attr(asset, "duration")?.filter(|d| !d.is_negative())
            && d != Ratio::ZERO
        {
            let first = self.frames(asset, start, "media start")?;
            let end = start.add(d).ok_or_else(|| too_large(asset))?;
            let end = self.frames(asset, end, "media end")?;
            media.available = Some(FrameRange::from_bounds(first, end));
        }
        let flag = |name: &str| asset.attribute(name).map(|v| v.trim() == "1");
        let info = AssetInfo {
            media,
            has_video: flag("hasVideo"),
            has_audio: flag("hasAudio"),
            start,
        };
        self.assets.insert(asset.id(), info.clone());
        Ok(info)
    }

    /// A `timeMap` or a speed-changing `conform-rate` of an element; `anchor`: the media time a
    /// conform keeps in place.
    fn retime(&mut self, el: Node, anchor: Ratio) -> Result<Vec<Step>, ReadError> {
        if let Some(tm) = child(el, "timeMap") {
            let mut points = Vec::new();
            for p in tm.children().filter(|c| c.has_tag_name("timept")) {
                let t = time_attr(p, "time")?.ok_or_else(|| invalid(p, "no time"))?;
                let v = time_attr(p, "value")?.ok_or_else(|| invalid(p, "no value"))?;
                points.push((t, v));
            }
            points.sort_by(|a, b| {
                a.0.sub(b.0)
                    .map_or(std::cmp::Ordering::Equal, |d| d.to_f64().total_cmp(&0.0))
            });
            if child(el, "conform-rate").is_some() {
                self.note(
                    el,
                    "conform-rate beside a timeMap: the timeMap's speed is read",
                );
            }
            return Ok(if points.is_empty() {
                Vec::new()
            } else {
                vec![Step::Map(points)]
            });
        }
        let Some(cr) = child(el, "conform-rate") else {
            return Ok(Vec::new());
        };
        if cr
            .attribute("scaleEnabled")
            .is_some_and(|s| s.trim() == "0")
        {
            return Ok(Vec::new());
        }
        let Some(src) = cr
            .attribute("srcFrameRate")
            .and_then(|s| s.trim().parse::<f64>().ok())
            .and_then(|f| Rate::from_f64(f).ok())
        else {
            return Ok(Vec::new());
        };
        // Final Cut Pro plays media of a nearby rate (or twice it) frame for frame.
        let base = Ratio::fps(self.rate)
            .div(Ratio::fps(src))
            .ok_or_else(|| too_large(cr))?;
        let candidates = [
            base,
            base.mul(Ratio::int(2)).ok_or_else(|| too_large(cr))?,
            base.div(Ratio::int(2)).ok_or_else(|| too_large(cr))?,
        ];
        let speed = candidates
            .into_iter()
            .min_by(|a, b| {
                (a.to_f64() - 1.0)
                    .abs()
                    .total_cmp(&(b.to_f64() - 1.0).abs())
            })
            .unwrap_or(base);
        if speed == Ratio::int(1) || (speed.to_f64() - 1.0).abs() > 0.05 {
            return Ok(Vec::new());
        }
        self.note(
            cr,
            format!(
                "conform-rate: {src} fps media plays at speed {}",
                num((speed.to_f64() * 1e6).round() / 1e6)
            ),
        );
        Ok(vec![Step::Scale { anchor, speed }])
    }

    /// What a story element shows, from its own time to media time.
    fn resolve(&mut self, el: Node<'a, 'i>, depth: usize) -> Result<Option<Resolved>, ReadError> {
        if depth > MAX_NESTING {
            return Err(invalid(el, "clips nest too deep"));
        }
        let src_enable = el.attribute("srcEnable").unwrap_or("all").trim();
        let (want_picture, want_sound) = match src_enable {
            "video" => (true, false),
            "audio" => (false, true),
            _ => (true, true),
        };
        let tag = el.tag_name().name();
        let mut r = match tag {
            "asset-clip" | "video" | "audio" => {
                let res = self.resource(el, "ref")?;
                if res.has_tag_name("effect") {
                    // A generator (`video` of an effect: a solid, a pattern).
                    let kind = effect_kind(res);
                    Resolved {
                        media: Media {
                            name: res.attribute("name").unwrap_or_default().to_string(),
                            extra: generator(&kind),
                            ..Media::default()
                        },
                        picture: true,
                        sound: false,
                        steps: Vec::new(),
                        origin: Ratio::ZERO,
                        inner: Vec::new(),
                    }
                } else if res.has_tag_name("asset") {
                    let a = self.asset(res)?;
                    let (mut picture, mut sound) = match tag {
                        "video" => (true, false),
                        "audio" => (false, true),
                        // Both default to 0; an asset that says neither is taken as picture.
                        _ => (
                            a.has_video == Some(true)
                                || (a.has_video.is_none() && a.has_audio != Some(true)),
                            a.has_audio == Some(true),
                        ),
                    };
                    if !picture && !sound {
                        picture = a.has_video.is_none();
                        sound = !picture;
                    }
                    let steps = self.retime(el, a.start)?;
                    Resolved {
                        media: a.media,
                        picture,
                        sound,
                        steps,
                        origin: Ratio::ZERO,
                        inner: Vec::new(),
                    }
                } else {
                    return Err(invalid(
                        el,
                        format!("ref names a <{}>, not an asset", res.tag_name().name()),
                    ));
                }
            }
            "title" => {
                let effect = self.resource(el, "ref").ok();
                let kind = effect.map_or_else(|| "title".to_string(), effect_kind);
                let mut metadata = Map::new();
                let text: Vec<String> = el
                    .children()
                    .filter(|c| c.has_tag_name("text"))
                    .map(text_of)
                    .filter(|t| !t.is_empty())
                    .collect();
                if !text.is_empty() {
                    metadata.insert("text".into(), json!(text.join("\n")));
                }
                Resolved {
                    media: Media {
                        name: effect
                            .and_then(|e| e.attribute("name"))
                            .unwrap_or("Title")
                            .to_string(),
                        metadata,
                        extra: generator(&kind),
                        ..Media::default()
                    },
                    picture: true,
                    sound: false,
                    steps: Vec::new(),
                    origin: Ratio::ZERO,
                    inner: Vec::new(),
                }
            }
            "clip" => return self.resolve_clip(el, depth),
            "ref-clip" => {
                let media = self.resource(el, "ref")?;
                let seq = child(media, "sequence")
                    .ok_or_else(|| invalid(media, "the compound clip's media holds no sequence"))?;
                let (nested, origin) = self.nested(media.id(), seq, media, depth)?;
                self.compound(el, nested, origin)?
            }
            "sync-clip" => {
                let (nested, origin) = self.nested(el.id(), el, el, depth)?;
                let mut r = self.compound(el, nested, origin)?;
                r.media.name = el.attribute("name").unwrap_or_default().to_string();
                r
            }
            "mc-clip" => {
                let media = self.resource(el, "ref")?;
                let mc = child(media, "multicam")
                    .ok_or_else(|| invalid(media, "the multicam clip's media holds no multicam"))?;
                let angles: Vec<Node> = mc
                    .children()
                    .filter(|c| c.has_tag_name("mc-angle"))
                    .collect();
                let sources: Vec<Node> = el
                    .children()
                    .filter(|c| c.has_tag_name("mc-source"))
                    .collect();
                let video_source = sources
                    .iter()
                    .find(|s| {
                        s.attribute("srcEnable")
                            .is_some_and(|e| e == "video" || e == "all")
                    })
                    .or(sources.first());
                let angle = video_source
                    .and_then(|s| s.attribute("angleID"))
                    .and_then(|id| angles.iter().find(|a| a.attribute("angleID") == Some(id)))
                    .or(angles.first())
                    .copied()
                    .ok_or_else(|| invalid(mc, "the multicam clip has no angle"))?;
                let name = angle.attribute("name").unwrap_or_default().to_string();
                self.note(
                    el,
                    format!(
                        "a multicam clip: read as its angle {name:?}; its {} other angles are not \
                         kept",
                        angles.len().saturating_sub(1)
                    ),
                );
                let (mut nested, origin) = self.nested(angle.id(), angle, mc, depth)?;
                nested.name = format!("{} ({name})", media.attribute("name").unwrap_or_default());
                self.compound(el, nested, origin)?
            }
            _ => return Ok(None),
        };
        r.picture &= want_picture;
        r.sound &= want_sound;
        if !r.picture && !r.sound {
            // An element showing nothing of what it has still takes its place as picture.
            r.picture = want_picture || !want_sound;
            r.sound = !r.picture;
        }
        Ok(Some(r))
    }

    /// A compound clip's media: the nested timeline, from the origin of its time.
    fn compound(&mut self, el: Node, nested: Nested, origin: Ratio) -> Result<Resolved, ReadError> {
        let has = |kind: TrackKind| {
            nested
                .tracks
                .iter()
                .any(|t| t.kind == kind && t.items.iter().any(|i| matches!(i, Item::Clip(_))))
        };
        let (picture, sound) = (has(TrackKind::Video), has(TrackKind::Audio));
        let anchor = origin;
        let steps = self.retime(el, anchor)?;
        Ok(Resolved {
            media: Media {
                name: nested.name.clone(),
                available: Some(FrameRange::new(0, nested.duration())),
                nested: Some(Box::new(nested)),
                ..Media::default()
            },
            picture: picture || !sound,
            sound,
            steps,
            origin,
            inner: Vec::new(),
        })
    }

    /// A `clip`: its own time, then the element it holds (a `video`, an `audio`, the `audio`
    /// anchored in its `gap`, or any clip).
    fn resolve_clip(
        &mut self,
        el: Node<'a, 'i>,
        depth: usize,
    ) -> Result<Option<Resolved>, ReadError> {
        let mut steps = self.retime(el, Ratio::ZERO)?;
        let Some(inner) = el
            .children()
            .filter(|c| is_story(c) && c.attribute("lane").is_none())
            .find(|c| !c.has_tag_name("transition") && !c.has_tag_name("spine"))
        else {
            self.note(el, "the clip holds nothing: its media is missing");
            return Ok(Some(Resolved {
                media: Media::default(),
                picture: true,
                sound: false,
                steps,
                origin: Ratio::ZERO,
                inner: Vec::new(),
            }));
        };
        let shift = |n: Node| -> Result<Step, ReadError> {
            Ok(Step::Shift {
                from: time_attr(n, "offset")?.unwrap_or(Ratio::ZERO),
                to: time_attr(n, "start")?.unwrap_or(Ratio::ZERO),
            })
        };
        let mut steps_in = vec![shift(inner)?];
        let mut content = inner;
        let mut lead = Vec::new();
        if inner.has_tag_name("gap") {
            // OTIO's adapter: <clip><gap><audio lane="-1" ref=…/></gap></clip>.
            let Some(a) = inner.children().find(|c| {
                (c.has_tag_name("audio") || c.has_tag_name("video") || c.has_tag_name("asset-clip"))
                    && c.attribute("ref").is_some()
            }) else {
                self.note(el, "the clip holds only a gap: its media is missing");
                steps.append(&mut steps_in);
                return Ok(Some(Resolved {
                    media: Media::default(),
                    picture: true,
                    sound: false,
                    steps,
                    origin: Ratio::ZERO,
                    inner: Vec::new(),
                }));
            };
            lead.push(shift(a)?);
            content = a;
        }
        let Some(mut r) = self.resolve(content, depth + 1)? else {
            return Ok(None);
        };
        // The sound anchored to the clip's picture, of the same media, is the clip's own sound.
        if content.has_tag_name("video")
            && content
                .children()
                .any(|c| c.has_tag_name("audio") && c.attribute("ref") == content.attribute("ref"))
        {
            r.sound = true;
        }
        // Each holder of markers and effects, with the steps from its own time to media time.
        let content_steps = r.steps.clone();
        let mut inner_list = vec![(content.id(), content_steps.clone())];
        if content != inner {
            let mut gap_steps = lead.clone();
            gap_steps.extend(content_steps.iter().cloned());
            inner_list.push((inner.id(), gap_steps));
        }
        steps.append(&mut steps_in);
        steps.extend(lead);
        steps.extend(content_steps);
        r.steps = steps;
        r.inner = inner_list;
        let (want_picture, want_sound) = match el.attribute("srcEnable").unwrap_or("all").trim() {
            "video" => (true, false),
            "audio" => (false, true),
            _ => (true, true),
        };
        if (r.picture && want_picture) || (r.sound && want_sound) {
            r.picture &= want_picture;
            r.sound &= want_sound;
        }
        Ok(Some(r))
    }

    /// A compound clip's inside (a `sequence`, a `sync-clip`, a multicam angle), read once; `key`
    /// names it for the cache, `clock` holds its `tcStart`.
    fn nested(
        &mut self,
        key: NodeId,
        node: Node<'a, 'i>,
        clock: Node<'a, 'i>,
        depth: usize,
    ) -> Result<(Nested, Ratio), ReadError> {
        if let Some(n) = self.nested.get(&key) {
            return Ok(n.clone());
        }
        if self.open.contains(&key) {
            return Err(invalid(node, "the compound clip contains itself"));
        }
        if self.open.len() >= MAX_NESTING || depth > MAX_NESTING {
            return Err(invalid(
                node,
                format!("compound clips nest more than {MAX_NESTING} deep"),
            ));
        }
        self.open.push(key);
        let (container, origin) = if node.has_tag_name("sequence") {
            let spine =
                child(node, "spine").ok_or_else(|| invalid(node, "the sequence has no spine"))?;
            (spine, time_attr(node, "tcStart")?.unwrap_or(Ratio::ZERO))
        } else if node.has_tag_name("mc-angle") {
            (node, time_attr(clock, "tcStart")?.unwrap_or(Ratio::ZERO))
        } else {
            // A sync-clip: its time starts at its first clip.
            let first = node
                .children()
                .filter(|c| is_story(c) && c.attribute("lane").is_none())
                .find_map(|c| c.attribute("offset").and_then(parse_time))
                .unwrap_or(Ratio::ZERO);
            (node, first)
        };
        let mut story = Story::new();
        let mut markers = Vec::new();
        let base = Base {
            local: origin,
            record: Ratio::ZERO,
        };
        self.container(container, base, 0, &mut story, &mut markers, depth + 1)?;
        let tracks = self.tracks(story, false);
        let name = clock
            .attribute("name")
            .or_else(|| node.attribute("name"))
            .unwrap_or_default()
            .to_string();
        let nested = Nested {
            name,
            tracks,
            markers,
            metadata: Map::new(),
            extra: Map::new(),
        };
        self.open.pop();
        self.nested.insert(key, (nested.clone(), origin));
        Ok((nested, origin))
    }

    /// The story elements of a storyline (a spine, or the inside of a sync-clip or multicam
    /// angle): `base` is its clock, `lane` the lane it lies on.
    fn container(
        &mut self,
        node: Node<'a, 'i>,
        base: Base,
        lane: i32,
        story: &mut Story,
        markers: &mut Vec<Marker>,
        depth: usize,
    ) -> Result<(), ReadError> {
        if depth > 4 * MAX_NESTING {
            return Err(invalid(node, "storylines nest too deep"));
        }
        let mut cursor = base.local;
        // (element, record start, record end) of every primary element, in order.
        let mut placed: Vec<(Node, Ratio, Ratio)> = Vec::new();
        for el in node.children().filter(is_story) {
            if let Some(l) = lane_of(el)? {
                if !node.has_tag_name("spine") {
                    // Anchored to the storyline's own clock (a sync-clip's audio).
                    self.anchored(el, base, lane + l, story, markers, depth)?;
                    continue;
                }
                if el.has_tag_name("spine") {
                    self.note(
                        el,
                        "a storyline inside a storyline on a lane: read on its lane",
                    );
                }
            }
            if el.has_tag_name("spine") {
                // A storyline without a lane inside a storyline: its items in order.
                let offset = time_attr(el, "offset")?.unwrap_or(cursor);
                let at = base.at(offset).ok_or_else(|| too_large(el))?;
                let inner = Base {
                    local: Ratio::ZERO,
                    record: at,
                };
                self.container(el, inner, lane, story, markers, depth + 1)?;
                continue;
            }
            let offset = time_attr(el, "offset")?.unwrap_or(cursor);
            let duration = self.duration(el)?;
            let start = base.at(offset).ok_or_else(|| too_large(el))?;
            let end = start.add(duration).ok_or_else(|| too_large(el))?;
            if !el.has_tag_name("transition") {
                cursor = offset.add(duration).ok_or_else(|| too_large(el))?;
            }
            placed.push((el, start, end));
        }
        // Clips first, so that transitions know which of their neighbours have sound.
        let transitions_last = placed
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.0.has_tag_name("transition"))
            .chain(
                placed
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.0.has_tag_name("transition")),
            );
        for (i, &(el, start, end)) in transitions_last {
            match el.tag_name().name() {
                "transition" => {
                    let next = placed[i + 1..]
                        .iter()
                        .find(|p| !p.0.has_tag_name("transition"));
                    let prev = placed[..i]
                        .iter()
                        .rev()
                        .find(|p| !p.0.has_tag_name("transition"));
                    let cut = match (next, prev) {
                        (Some(n), _) => n.1,
                        (None, Some(p)) => p.2,
                        (None, None) => start,
                    };
                    let s = self.frames(el, start, "transition start")?;
                    let c = self.frames(el, cut, "cut")?;
                    let e = self.frames(el, end, "transition end")?;
                    if c < s || c > e {
                        self.note(el, "the transition does not cover its cut: left out");
                        continue;
                    }
                    let t = self.transition(el, c - s, e - c);
                    let sound_both = [next, prev].iter().all(|p| {
                        p.is_some_and(|p| self.sounds.get(&p.0.id()).copied().unwrap_or(false))
                    });
                    let audio_filter =
                        child(el, "filter-audio").is_some() || child(el, "filter-video").is_none();
                    if let Some(k) = picture_key(lane) {
                        story.entry(k).or_default().push(Entry {
                            start: c,
                            end: c,
                            item: Item::Transition(t.clone()),
                            at: el.id(),
                        });
                    }
                    if sound_both && audio_filter {
                        story.entry(sound_key(lane)).or_default().push(Entry {
                            start: c,
                            end: c,
                            item: Item::Transition(t),
                            at: el.id(),
                        });
                    }
                }
                "gap" => {
                    let gap_start = time_attr(el, "start")?.unwrap_or(Ratio::ZERO);
                    let clock = Base {
                        local: gap_start,
                        record: start,
                    };
                    // Markers on a gap of the spine mark the timeline itself.
                    for m in el
                        .children()
                        .filter(|c| c.has_tag_name("marker") || c.has_tag_name("chapter-marker"))
                    {
                        let mut mk = self.marker(m, &[], Ratio::ZERO)?;
                        let at = clock
                            .at(time_attr(m, "start")?.unwrap_or(gap_start))
                            .ok_or_else(|| too_large(m))?;
                        let rec = self.frames(m, at, "marker start")?;
                        mk.range.start = rec;
                        if lane == 0 {
                            markers.push(mk);
                        } else {
                            self.note(m, "a marker on a gap of a connected storyline: left out");
                        }
                    }
                    self.anchored_children(el, clock, lane, story, markers, depth)?;
                }
                _ => {
                    self.place(el, start, end, lane, story)?;
                    let own = time_attr(el, "start")?.unwrap_or(Ratio::ZERO);
                    let clock = Base {
                        local: own,
                        record: start,
                    };
                    self.anchored_children(el, clock, lane, story, markers, depth)?;
                }
            }
        }
        Ok(())
    }

    /// An element's duration; an asset-clip without one lasts as long as its asset.
    fn duration(&mut self, el: Node<'a, 'i>) -> Result<Ratio, ReadError> {
        if let Some(d) = time_attr(el, "duration")? {
            if d.is_negative() {
                return Err(invalid(el, "negative duration"));
            }
            return Ok(d);
        }
        if el.has_tag_name("asset-clip")
            && let Ok(a) = self.resource(el, "ref")
            && let Some(d) = time_attr(a, "duration")?
        {
            return Ok(d);
        }
        Err(invalid(el, "no duration"))
    }

    /// The elements anchored to `el` (`lane`): connected clips and storylines, on its clock.
    fn anchored_children(
        &mut self,
        el: Node<'a, 'i>,
        clock: Base,
        lane: i32,
        story: &mut Story,
        markers: &mut Vec<Marker>,
        depth: usize,
    ) -> Result<(), ReadError> {
        for c in el.children().filter(is_story) {
            if let Some(l) = lane_of(c)? {
                self.anchored(c, clock, lane + l, story, markers, depth)?;
            }
        }
        Ok(())
    }

    /// One anchored element on lane `lane`, `clock` being its parent's.
    fn anchored(
        &mut self,
        c: Node<'a, 'i>,
        clock: Base,
        lane: i32,
        story: &mut Story,
        markers: &mut Vec<Marker>,
        depth: usize,
    ) -> Result<(), ReadError> {
        if depth > 4 * MAX_NESTING {
            return Err(invalid(c, "connected clips nest too deep"));
        }
        let offset = time_attr(c, "offset")?.unwrap_or(Ratio::ZERO);
        let at = clock.at(offset).ok_or_else(|| too_large(c))?;
        match c.tag_name().name() {
            "spine" => {
                let inner = Base {
                    local: Ratio::ZERO,
                    record: at,
                };
                self.container(c, inner, lane, story, markers, depth + 1)
            }
            "transition" => {
                self.note(c, "a transition anchored outside a storyline: left out");
                Ok(())
            }
            "gap" => {
                let own = time_attr(c, "start")?.unwrap_or(Ratio::ZERO);
                let inner = Base {
                    local: own,
                    record: at,
                };
                self.anchored_children(c, inner, lane, story, markers, depth + 1)
            }
            _ => {
                let duration = self.duration(c)?;
                let end = at.add(duration).ok_or_else(|| too_large(c))?;
                self.place(c, at, end, lane, story)?;
                let own = time_attr(c, "start")?.unwrap_or(Ratio::ZERO);
                let inner = Base {
                    local: own,
                    record: at,
                };
                self.anchored_children(c, inner, lane, story, markers, depth + 1)
            }
        }
    }

    /// A clip from a story element, placed at record seconds `[start, end)` on `lane`'s tracks.
    fn place(
        &mut self,
        el: Node<'a, 'i>,
        start: Ratio,
        end: Ratio,
        lane: i32,
        story: &mut Story,
    ) -> Result<(), ReadError> {
        let Some(r) = self.resolve(el, 0)? else {
            return Ok(());
        };
        self.sounds.insert(el.id(), r.sound);
        let mut s = self.frames(el, start, "record start")?;
        let e = self.frames(el, end, "record end")?;
        if e <= s {
            self.note(el, "a clip of no duration: left out");
            return Ok(());
        }
        let own = time_attr(el, "start")?.unwrap_or(Ratio::ZERO);
        let duration = end.sub(start).ok_or_else(|| too_large(el))?;
        let media_at = |t: Ratio| apply(&r.steps, t);
        let m0 = media_at(own).ok_or_else(|| too_large(el))?;
        let m1 = own
            .add(duration)
            .and_then(media_at)
            .ok_or_else(|| too_large(el))?;
        let mut speed = 1.0;
        let mut first = m0;
        if !r.steps.iter().all(|st| matches!(st, Step::Shift { .. })) && duration != Ratio::ZERO {
            let ratio = m1
                .sub(m0)
                .and_then(|d| d.div(duration))
                .ok_or_else(|| too_large(el))?;
            if ratio.is_negative() {
                self.note(el, "reverse speed: read forwards");
                first = m1;
            }
            speed = ratio.abs().to_f64();
            if !linear(&r.steps, own, duration) {
                self.note(
                    el,
                    "variable speed (a timeMap of several speeds): read as its average",
                );
            }
            if speed == 0.0 {
                self.note(el, "a freeze frame (speed 0): read at 100 %");
                speed = 1.0;
            }
            if !SPEEDS.contains(&speed) {
                return Err(invalid(
                    el,
                    format!(
                        "speed {} is outside {}–{}",
                        num(speed),
                        SPEEDS.start(),
                        SPEEDS.end()
                    ),
                ));
            }
        }
        let source_at = first.sub(r.origin).ok_or_else(|| too_large(el))?;
        let mut source_start = self.frames(el, source_at, "source start")?;
        if s < 0 {
            self.note(
                el,
                format!("the clip starts {} frames before the timeline: trimmed", -s),
            );
            if e <= 0 {
                return Ok(());
            }
            source_start += ((-s) as f64 * speed).round() as i64;
            s = 0;
        }
        if source_start.abs() > MAX_FRAMES {
            return Err(invalid(el, "the source start is out of range"));
        }
        // Markers, keywords and effects of the clip and of what it holds.
        let mut markers = Vec::new();
        let mut metadata = Map::new();
        let mut effects = Vec::new();
        let mut effect_names = Vec::new();
        let mut holders: Vec<(NodeId, Vec<Step>)> = vec![(el.id(), r.steps.clone())];
        holders.extend(r.inner.iter().cloned());
        let mut keywords = Vec::new();
        for (id, own_steps) in &holders {
            let Some(h) = self.doc.get_node(*id) else {
                continue;
            };
            for m in h
                .children()
                .filter(|c| c.has_tag_name("marker") || c.has_tag_name("chapter-marker"))
            {
                markers.push(self.marker(m, own_steps, r.origin)?);
            }
            for k in h.children().filter(|c| c.has_tag_name("keyword")) {
                let value = k.attribute("value").unwrap_or_default();
                let at = time_attr(k, "start")?.unwrap_or(own);
                let len = time_attr(k, "duration")?.unwrap_or(duration);
                let a = apply(own_steps, at)
                    .and_then(|m| m.sub(r.origin))
                    .ok_or_else(|| too_large(k))?;
                let b = at
                    .add(len)
                    .and_then(|t| apply(own_steps, t))
                    .and_then(|m| m.sub(r.origin))
                    .ok_or_else(|| too_large(k))?;
                let fa = self.frames(k, a, "keyword start")?;
                let fb = self.frames(k, b, "keyword end")?;
                keywords.push(json!({"value": value, "range": [fa, fb - fa]}));
            }
            for f in h.children().filter(|c| {
                c.is_element()
                    && (c.has_tag_name("filter-video")
                        || c.has_tag_name("filter-audio")
                        || c.tag_name().name().starts_with("adjust-"))
            }) {
                let name = f
                    .attribute("name")
                    .map(str::to_string)
                    .or_else(|| {
                        self.resource(f, "ref")
                            .ok()
                            .and_then(|e| e.attribute("name").map(str::to_string))
                    })
                    .unwrap_or_else(|| f.tag_name().name().to_string());
                let keyframed = f.descendants().any(|d| d.has_tag_name("keyframe"));
                effect_names.push(if keyframed {
                    format!("{name} (keyframed)")
                } else {
                    name.clone()
                });
                let mut md = Map::new();
                md.insert(
                    "fcpx_xml".into(),
                    json!({ f.tag_name().name(): element_json(f) }),
                );
                effects.push(json!({
                    "OTIO_SCHEMA": "Effect.1",
                    "name": name,
                    "effect_name": f.tag_name().name(),
                    "metadata": md,
                }));
            }
            for role in ["audioRole", "videoRole", "role"] {
                if let Some(v) = h.attribute(role) {
                    let key = if role == "videoRole" {
                        "video_role"
                    } else if role == "audioRole" || h.has_tag_name("audio") {
                        "audio_role"
                    } else {
                        "role"
                    };
                    metadata.insert(key.into(), json!(v));
                    if key == "audio_role" && self.roles.insert(v.to_string()) {
                        self.note(h, format!("audio role {v:?}: kept as metadata only"));
                    }
                }
            }
        }
        if !keywords.is_empty() {
            metadata.insert("keywords".into(), Value::Array(keywords));
        }
        if !effect_names.is_empty() {
            self.note(
                el,
                format!("effects kept, not applied: {}", effect_names.join(", ")),
            );
        }
        let enabled = el.attribute("enabled").is_none_or(|v| v.trim() != "0");
        let name = el
            .attribute("name")
            .map(str::to_string)
            .unwrap_or_else(|| r.media.name.clone());
        let link = (r.picture && r.sound && picture_key(lane).is_some()).then(|| {
            self.links += 1;
            format!("fcpxml-{}", self.links)
        });
        if r.picture && picture_key(lane).is_none() {
            if r.sound {
                self.note(
                    el,
                    "the picture of a clip below the spine: only its sound is read",
                );
            } else {
                self.note(
                    el,
                    "a picture below the spine: read on the lane's sound track",
                );
            }
        }
        let clip = Clip {
            name,
            media: r.media,
            source: FrameRange::new(source_start, e - s),
            speed,
            markers,
            enabled,
            link,
            metadata,
            effects,
            extra: Map::new(),
        };
        let mut keys = Vec::new();
        match picture_key(lane) {
            Some(k) if r.picture => keys.push(k),
            None if r.picture && !r.sound => keys.push(sound_key(lane)),
            _ => {}
        }
        if r.sound {
            keys.push(sound_key(lane));
        }
        for k in keys {
            story.entry(k).or_default().push(Entry {
                start: s,
                end: e,
                item: Item::Clip(clip.clone()),
                at: el.id(),
            });
        }
        Ok(())
    }

    fn marker(&mut self, m: Node, steps: &[Step], origin: Ratio) -> Result<Marker, ReadError> {
        let start = time_attr(m, "start")?.ok_or_else(|| invalid(m, "the marker has no start"))?;
        let len = time_attr(m, "duration")?.unwrap_or(Ratio::ZERO);
        let a = apply(steps, start)
            .and_then(|t| t.sub(origin))
            .ok_or_else(|| too_large(m))?;
        let b = start
            .add(len)
            .and_then(|t| apply(steps, t))
            .and_then(|t| t.sub(origin))
            .ok_or_else(|| too_large(m))?;
        let fa = self.frames(m, a, "marker start")?;
        let fb = self.frames(m, b, "marker end")?;
        let chapter = m.has_tag_name("chapter-marker");
        let color = if chapter {
            "ORANGE"
        } else {
            match m.attribute("completed").map(str::trim) {
                Some("0") => "RED",
                Some("1") => "GREEN",
                _ => "PURPLE",
            }
        };
        let mut metadata = Map::new();
        if chapter {
            metadata.insert("chapter".into(), json!(true));
        }
        Ok(Marker {
            name: m.attribute("value").unwrap_or_default().to_string(),
            color: color.to_string(),
            range: FrameRange::new(fa, (fb - fa).max(0)),
            comment: m.attribute("note").unwrap_or_default().to_string(),
            metadata,
            extra: Map::new(),
        })
    }

    fn transition(&mut self, el: Node, in_offset: i64, out_offset: i64) -> Transition {
        let mut names: Vec<String> = el
            .attribute("name")
            .map(str::to_string)
            .into_iter()
            .collect();
        let mut uids = Vec::new();
        for f in el
            .children()
            .filter(|c| c.has_tag_name("filter-video") || c.has_tag_name("filter-audio"))
        {
            names.extend(f.attribute("name").map(str::to_string));
            if let Ok(e) = self.resource(f, "ref") {
                names.extend(e.attribute("name").map(str::to_string));
                uids.extend(e.attribute("uid").map(str::to_string));
            }
        }
        let all = format!("{} {}", names.join(" "), uids.join(" ")).to_ascii_lowercase();
        let dissolve = all.trim().is_empty()
            || all.contains("cross dissolve")
            || all.contains("4731e73a-8dac-4113-9a30-ae85b1761265")
            || names
                .iter()
                .all(|n| n.to_ascii_lowercase().contains("crossfade") || n == "Cross Dissolve");
        let name = names
            .first()
            .cloned()
            .unwrap_or_else(|| "Cross Dissolve".to_string());
        let kind = if dissolve {
            DISSOLVE.to_string()
        } else {
            self.note(
                el,
                format!("transition {name:?} is not a dissolve: kept as a custom transition"),
            );
            "Custom".to_string()
        };
        Transition {
            name,
            kind,
            in_offset,
            out_offset,
            metadata: Map::new(),
            extra: Map::new(),
        }
    }

    /// The tracks of a story: items in record order with gaps between; a clip overlapping the one
    /// before it on its track moves to the next track of its kind. The spine's picture (V1) is
    /// always there when `v1`.
    fn tracks(&mut self, mut story: Story, v1: bool) -> Vec<Track> {
        if v1 {
            story.entry(V1).or_default();
        }
        let mut built: Vec<(Key, Vec<Item>)> = Vec::new();
        while let Some((key, mut entries)) = story.pop_first() {
            entries.sort_by_key(|e| (e.start, !matches!(e.item, Item::Transition(_))));
            let mut items = Vec::new();
            let mut cursor = 0;
            let mut overflow = Vec::new();
            for e in entries {
                if let Item::Transition(_) = e.item {
                    if e.start > cursor {
                        items.push(Item::Gap(Gap {
                            duration: e.start - cursor,
                            extra: Map::new(),
                        }));
                        cursor = e.start;
                    }
                    items.push(e.item);
                    continue;
                }
                if e.start < cursor {
                    overflow.push(e);
                    continue;
                }
                if e.start > cursor {
                    items.push(Item::Gap(Gap {
                        duration: e.start - cursor,
                        extra: Map::new(),
                    }));
                }
                cursor = e.end;
                items.push(e.item);
            }
            if !overflow.is_empty() {
                let next = (key.0, key.1 + 1);
                for e in &overflow {
                    if let Some(n) = self.doc.get_node(e.at) {
                        self.note(
                            n,
                            "overlaps another clip on its lane: moved to the next track",
                        );
                    }
                }
                story.entry(next).or_default().extend(overflow);
            }
            let keep = items.iter().any(|i| matches!(i, Item::Clip(_))) || (v1 && key == V1);
            if keep {
                built.push((key, items));
            }
        }
        let (mut v, mut a) = (0, 0);
        built
            .into_iter()
            .map(|(key, items)| {
                let (name, kind) = if key.0 {
                    a += 1;
                    (format!("A{a}"), TrackKind::Audio)
                } else {
                    v += 1;
                    (format!("V{v}"), TrackKind::Video)
                };
                Track::new(name, kind, items)
            })
            .collect()
    }
}

/// Whether the steps map `[t, t + len]` onto one straight line (a constant speed).
fn linear(steps: &[Step], t: Ratio, len: Ratio) -> bool {
    let Some(end) = t.add(len) else {
        return true;
    };
    let (Some(a), Some(b)) = (apply(steps, t), apply(steps, end)) else {
        return true;
    };
    // Every timeMap point inside the range, brought back to the clip's time, lies on the line.
    let mut inside = Vec::new();
    let mut pre: Vec<Step> = Vec::new();
    for s in steps {
        if let Step::Map(points) = s {
            for (pt, _) in points {
                // Only maps met first (from the clip's own time) are checked exactly.
                if pre.is_empty() {
                    inside.push(*pt);
                }
            }
        }
        pre.push(s.clone());
    }
    inside.into_iter().all(|p| {
        let within = p.sub(t).is_some_and(|d| !d.is_negative())
            && end.sub(p).is_some_and(|d| !d.is_negative());
        if !within {
            return true;
        }
        let (Some(v), Some(lin)) = (
            apply(steps, p),
            p.sub(t)
                .and_then(|d| d.mul(b.sub(a)?))
                .and_then(|x| x.div(len))
                .and_then(|x| a.add(x)),
        ) else {
            return true;
        };
        v == lin
    })
}

/// An effect's kind for a generator: its name, else the last part of its uid.
fn effect_kind(effect: Node) -> String {
    effect
        .attribute("name")
        .filter(|n| !n.trim().is_empty())
        .map(str::to_string)
        .or_else(|| {
            effect.attribute("uid").map(|u| {
                let last = u.rsplit(['/', ':']).next().unwrap_or(u);
                last.trim_end_matches(".moti")
                    .trim_end_matches(".motn")
                    .to_string()
            })
        })
        .unwrap_or_else(|| "generator".to_string())
}

/// The project to read, and the others.
fn projects<'a, 'i>(root: Node<'a, 'i>) -> Vec<Node<'a, 'i>> {
    root.descendants()
        .filter(|n| n.has_tag_name("project") && child(*n, "sequence").is_some())
        .filter(|n| {
            n.ancestors()
                .skip(1)
                .filter(Node::is_element)
                .all(|a| a == root || a.has_tag_name("library") || a.has_tag_name("event"))
        })
        .collect()
}

/// Read an FCPXML document.
pub fn read_str(text: &str) -> Result<Reading, ReadError> {
    let doc = parse_document(text)?;
    let root = doc.root_element();
    if root.tag_name().name() != "fcpxml" {
        return Err(invalid(
            root,
            format!(
                "this is not FCPXML: the root element is <{}>, not <fcpxml>",
                root.tag_name().name()
            ),
        ));
    }
    let mut r = Reader {
        doc: &doc,
        lines: Lines::new(&doc),
        rate: Rate::FPS_25,
        resources: HashMap::new(),
        notes: Vec::new(),
        assets: HashMap::new(),
        nested: HashMap::new(),
        open: Vec::new(),
        links: 0,
        roles: HashSet::new(),
        sounds: HashMap::new(),
    };
    let version = root
        .attribute("version")
        .unwrap_or_default()
        .trim()
        .to_string();
    let known = version
        .strip_prefix("1.")
        .and_then(|m| m.parse::<u32>().ok())
        .is_some_and(|m| (8..=11).contains(&m));
    if !known {
        r.note(
            root,
            format!("FCPXML version {version:?}: read as 1.8–1.11 would be"),
        );
    }
    for res in root
        .children()
        .filter(|c| c.has_tag_name("resources"))
        .flat_map(|c| c.children())
        .filter(|c| c.is_element())
    {
        if let Some(id) = res.attribute("id") {
            r.resources.entry(id.to_string()).or_insert(res.id());
        }
    }
    let projects = projects(root);
    let Some(&project) = projects.first() else {
        return Err(invalid(root, "the file holds no project with a sequence"));
    };
    for other in &projects[1..] {
        r.note(
            *other,
            format!(
                "another project ({:?}): not read, only the first one is",
                other.attribute("name").unwrap_or_default()
            ),
        );
    }
    let seq = child(project, "sequence").ok_or_else(|| invalid(project, "no sequence"))?;
    let format = r.resource(seq, "format")?;
    r.rate = r.format_rate(format)?;
    let rate = r.rate;
    let tc_start = time_attr(seq, "tcStart")?.unwrap_or(Ratio::ZERO);
    let start_frame = r.frames(seq, tc_start, "start timecode")?;
    let drop_frame =
        rate.supports_drop_frame() && seq.attribute("tcFormat").is_some_and(|f| f.trim() == "DF");
    let spine = child(seq, "spine").ok_or_else(|| invalid(seq, "the sequence has no spine"))?;
    let mut story = Story::new();
    let mut markers = Vec::new();
    let base = Base {
        local: tc_start,
        record: Ratio::ZERO,
    };
    r.container(spine, base, 0, &mut story, &mut markers, 0)?;
    let tracks = r.tracks(story, true);
    if tracks
        .iter()
        .all(|t| !t.items.iter().any(|i| matches!(i, Item::Clip(_))))
    {
        return Err(invalid(
            seq,
            "the sequence is empty: no storyline holds a clip",
        ));
    }
    let mut metadata = Map::new();
    if !version.is_empty() {
        metadata.insert("fcpxml_version".into(), json!(version));
    }
    let tl = Timeline {
        name: project.attribute("name").unwrap_or_default().to_string(),
        rate,
        start_frame,
        drop_frame,
        tracks,
        markers,
        subtitles: Vec::new(),
        metadata,
        extra: Map::new(),
    };
    super::check_bounds(&tl)?;
    Ok(Reading {
        timeline: tl,
        notes: r.notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let r = |n, d| Ratio::new(n, d).unwrap();
        assert_eq!(parse_time("1001/30000s"), Some(r(1001, 30000)));
        assert_eq!(parse_time("3600s"), Some(r(3600, 1)));
        assert_eq!(parse_time("0s"), Some(Ratio::ZERO));
        assert_eq!(parse_time("1.5s"), Some(r(3, 2)));
        assert_eq!(parse_time("-2/4s"), Some(r(-1, 2)));
        assert_eq!(parse_time("12"), None);
        assert_eq!(parse_time("1/0s"), None);
        assert_eq!(parse_time("99999999999999999999s"), None);
    }

    #[test]
    fn time_maps() {
        let r = |n, d| Ratio::new(n, d).unwrap();
        let pts = vec![(r(0, 1), r(0, 1)), (r(10, 1), r(20, 1))];
        assert_eq!(map_time(&pts, r(2, 1)), Some(r(4, 1)));
        assert_eq!(map_time(&pts, r(12, 1)), Some(r(24, 1)));
        let steps = vec![Step::Map(vec![
            (r(0, 1), r(0, 1)),
            (r(2, 1), r(2, 1)),
            (r(4, 1), r(6, 1)),
        ])];
        assert!(!linear(&steps, r(0, 1), r(4, 1)));
        assert!(linear(&steps, r(2, 1), r(2, 1)));
    }
}
