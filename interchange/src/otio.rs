//! OpenTimelineIO JSON: read into the timeline model, write back.
//!
//! Reading keeps what it does not interpret (metadata, unknown fields, effects other than
//! `LinearTimeWarp`, other media references) and writing puts it back, so a round trip through
//! CutBridge loses nothing an NLE wrote. Errors name the JSON path of the problem.

use protocol::{
    Clip, FrameRange, Gap, Item, Marker, Media, Nested, Rate, Timeline, Track, TrackKind,
    Transition,
};
use serde_json::{Map, Value, json};

use super::{MAX_FRAMES, ReadError, Reading, SPEEDS, num};

/// Timeline-level fields of the OTIO Stack that holds the tracks, kept for the round trip.
const STACK_EXTRA: &str = "otio.stack";
/// The rate the file wrote, when it differs in spelling from ours (29.97 vs 30000/1001).
const RATE_SPELLING: &str = "otio.rate";
/// Times the file wrote at another rate than the timeline's, or between frames, as it wrote them
/// (`{"source_range.start_time": {"value", "rate", "frames"}}`): an item an edit does not touch
/// is written back with exactly these values and rates, and one it trims keeps its own rate.
const TIMES: &str = "otio.times";
/// The schema of an item read as a clip though it is not one (a nested `Stack.1` or `Track.1`).
const ITEM_SCHEMA: &str = "otio.item_schema";

type Obj = Map<String, Value>;

struct Reader {
    rate_f: f64,
    notes: std::cell::RefCell<Vec<String>>,
}

impl Reader {
    fn new(rate_f: f64) -> Reader {
        Reader {
            rate_f,
            notes: Default::default(),
        }
    }
}

/// Show a track through a window of its items' time (OTIO's `Track.source_range`): the items
/// are cut at the window's bounds and what lies outside it goes, so record time starts at the
/// window's start; a window longer than the items ends in a gap.
fn apply_window(track: &mut Track, window: FrameRange) {
    protocol::split_at(track, window.start);
    protocol::split_at(track, window.end());
    let mut pos = 0;
    let mut kept = Vec::with_capacity(track.items.len());
    for item in track.items.drain(..) {
        let d = item.duration();
        let inside = match item {
            Item::Transition(_) => pos > window.start && pos < window.end(),
            _ => d > 0 && pos >= window.start && pos + d <= window.end(),
        };
        if inside {
            kept.push(item);
        }
        pos += d;
    }
    track.items = kept;
    let shown = track.duration();
    if shown < window.duration {
        track.items.push(Item::Gap(Gap {
            duration: window.duration - shown,
            extra: Obj::new(),
        }));
    }
    track.markers.retain_mut(|m| {
        let Some(r) = FrameRange::new(m.range.start, m.range.duration.max(1)).intersect(&window)
        else {
            return false;
        };
        m.range.start = r.start - window.start;
        true
    });
}

fn err(path: &str, why: impl Into<String>) -> ReadError {
    ReadError::Invalid {
        place: path.to_string(),
        why: why.into(),
    }
}

fn obj<'a>(v: &'a Value, path: &str) -> Result<&'a Obj, ReadError> {
    v.as_object()
        .ok_or_else(|| err(path, "expected a JSON object"))
}

fn schema_of<'a>(o: &'a Obj, path: &str) -> Result<(&'a str, u32), ReadError> {
    let s = o
        .get("OTIO_SCHEMA")
        .and_then(Value::as_str)
        .ok_or_else(|| err(path, "missing OTIO_SCHEMA"))?;
    let (name, version) = s
        .split_once('.')
        .ok_or_else(|| err(path, format!("malformed OTIO_SCHEMA {s:?}")))?;
    let version = version
        .parse()
        .map_err(|_| err(path, format!("malformed OTIO_SCHEMA {s:?}")))?;
    Ok((name, version))
}

fn expect_schema(o: &Obj, path: &str, name: &str, versions: &[u32]) -> Result<u32, ReadError> {
    let (n, v) = schema_of(o, path)?;
    if n != name {
        return Err(err(path, format!("expected a {name}, found {n}.{v}")));
    }
    if !versions.contains(&v) {
        return Err(err(
            path,
            format!("unsupported schema version {n}.{v} (this reader knows {name}.{versions:?})"),
        ));
    }
    Ok(v)
}

fn string(o: &Obj, key: &str) -> String {
    o.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn map(o: &Obj, key: &str) -> Obj {
    o.get(key)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Everything in `o` but the listed keys.
fn rest(o: &Obj, known: &[&str]) -> Obj {
    o.iter()
        .filter(|(k, _)| !known.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn rational(v: &Value, path: &str) -> Result<(f64, f64), ReadError> {
    let o = obj(v, path)?;
    expect_schema(o, path, "RationalTime", &[1])?;
    let rate = o
        .get("rate")
        .and_then(Value::as_f64)
        .ok_or_else(|| err(path, "RationalTime without a rate"))?;
    let value = o
        .get("value")
        .and_then(Value::as_f64)
        .ok_or_else(|| err(path, "RationalTime without a value"))?;
    if !(rate.is_finite() && rate > 0.0) {
        return Err(err(
            path,
            format!("rate {} is not a positive number", num(rate)),
        ));
    }
    if !value.is_finite() || value.abs() > 1e12 {
        return Err(err(
            path,
            format!("time value {} is out of range", num(value)),
        ));
    }
    Ok((value, rate))
}

impl Reader {
    /// Frames at the timeline's rate; where they do not hold the file's time exactly, the time
    /// as written goes into `keep` under `key`.
    fn frames_kept(
        &self,
        v: &Value,
        path: &str,
        keep: &mut Obj,
        key: &str,
    ) -> Result<i64, ReadError> {
        let frames = self.frames(v, path)?;
        let (value, rate) = rational(v, path)?;
        if rate != self.rate_f || value != frames as f64 {
            keep.insert(
                key.to_string(),
                json!({"value": value, "rate": rate, "frames": frames}),
            );
        }
        Ok(frames)
    }

    /// A `TimeRange` that passes every check of [`Reader::range`], with each time as written
    /// (value, rate); `None` for anything else, which [`Reader::range`] then names. Most ranges
    /// of a file are fine: this reads them without building the paths an error would need.
    fn range_quick(&self, v: &Value) -> Option<(FrameRange, [(f64, f64); 2])> {
        let o = v.as_object()?;
        if o.get("OTIO_SCHEMA")?.as_str()? != "TimeRange.1" {
            return None;
        }
        let time = |t: &Value| -> Option<(i64, f64, f64)> {
            let t = t.as_object()?;
            if t.get("OTIO_SCHEMA")?.as_str()? != "RationalTime.1" {
                return None;
            }
            let rate = t.get("rate")?.as_f64()?;
            let value = t.get("value")?.as_f64()?;
            if !(rate.is_finite() && rate > 0.0 && value.is_finite()) || value.abs() > 1e12 {
                return None;
            }
            self.convert(value, rate)
                .map(|frames| (frames, value, rate))
        };
        let (start, sv, sr) = time(o.get("start_time")?)?;
        let (duration, dv, dr) = time(o.get("duration")?)?;
        (duration >= 0).then_some((FrameRange::new(start, duration), [(sv, sr), (dv, dr)]))
    }

    fn range_kept(
        &self,
        v: &Value,
        path: &str,
        keep: &mut Obj,
        key: &str,
    ) -> Result<FrameRange, ReadError> {
        if let Some((r, [(sv, sr), (dv, dr)])) = self.range_quick(v) {
            for (field, frames, value, rate) in [
                ("start_time", r.start, sv, sr),
                ("duration", r.duration, dv, dr),
            ] {
                if rate != self.rate_f || value != frames as f64 {
                    keep.insert(
                        format!("{key}.{field}"),
                        json!({"value": value, "rate": rate, "frames": frames}),
                    );
                }
            }
            return Ok(r);
        }
        let r = self.range(v, path)?;
        let o = obj(v, path)?;
        for (field, frames) in [("start_time", r.start), ("duration", r.duration)] {
            let t = o.get(field).unwrap_or(&Value::Null);
            let (value, rate) = rational(t, &format!("{path}.{field}"))?;
            if rate != self.rate_f || value != frames as f64 {
                keep.insert(
                    format!("{key}.{field}"),
                    json!({"value": value, "rate": rate, "frames": frames}),
                );
            }
        }
        Ok(r)
    }

    /// `value` at `rate` in whole frames at the timeline's rate, when within ±[`MAX_FRAMES`].
    fn convert(&self, value: f64, rate: f64) -> Option<i64> {
        let frames = if (rate - self.rate_f).abs() < 1e-3 {
            value
        } else {
            value * self.rate_f / rate
        };
        (frames.is_finite() && frames.abs() <= MAX_FRAMES as f64).then(|| frames.round() as i64)
    }

    fn frames(&self, v: &Value, path: &str) -> Result<i64, ReadError> {
        let (value, rate) = rational(v, path)?;
        self.convert(value, rate).ok_or_else(|| {
            err(
                path,
                format!(
                    "{} at {} fps is out of range at the timeline's {} fps",
                    num(value),
                    num(rate),
                    num(self.rate_f)
                ),
            )
        })
    }

    fn range(&self, v: &Value, path: &str) -> Result<FrameRange, ReadError> {
        if let Some((r, _)) = self.range_quick(v) {
            return Ok(r);
        }
        let o = obj(v, path)?;
        expect_schema(o, path, "TimeRange", &[1])?;
        let start = self.frames(
            o.get("start_time").unwrap_or(&Value::Null),
            &format!("{path}.start_time"),
        )?;
        let duration = self.frames(
            o.get("duration").unwrap_or(&Value::Null),
            &format!("{path}.duration"),
        )?;
        if duration < 0 {
            return Err(err(path, format!("negative duration {duration}")));
        }
        Ok(FrameRange::new(start, duration))
    }

    fn markers(&self, o: &Obj, path: &str) -> Result<Vec<Marker>, ReadError> {
        let Some(list) = o.get("markers").and_then(Value::as_array) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(list.len());
        for (i, m) in list.iter().enumerate() {
            let p = format!("{path}.markers[{i}]");
            let mo = obj(m, &p)?;
            expect_schema(mo, &p, "Marker", &[1, 2])?;
            let mut keep = Obj::new();
            let range = self.range_kept(
                mo.get("marked_range").unwrap_or(&Value::Null),
                &format!("{p}.marked_range"),
                &mut keep,
                "marked_range",
            )?;
            let mut extra = rest(
                mo,
                &[
                    "OTIO_SCHEMA",
                    "name",
                    "color",
                    "marked_range",
                    "comment",
                    "metadata",
                ],
            );
            if !keep.is_empty() {
                extra.insert(TIMES.into(), Value::Object(keep));
            }
            out.push(Marker {
                name: string(mo, "name"),
                color: string(mo, "color").to_ascii_uppercase(),
                range,
                comment: string(mo, "comment"),
                metadata: map(mo, "metadata"),
                extra,
            });
        }
        Ok(out)
    }

    fn media(&self, v: &Value, path: &str) -> Result<Media, ReadError> {
        let o = obj(v, path)?;
        let (name, _) = schema_of(o, path)?;
        let mut keep = Obj::new();
        let available = match o.get("available_range") {
            Some(Value::Null) | None => None,
            Some(r) => Some(self.range_kept(
                r,
                &format!("{path}.available_range"),
                &mut keep,
                "available_range",
            )?),
        };
        let mut extra = rest(o, &["name", "target_url", "available_range", "metadata"]);
        if !keep.is_empty() {
            extra.insert(TIMES.into(), Value::Object(keep));
        }
        let url = (name == "ExternalReference")
            .then(|| string(o, "target_url"))
            .filter(|u| !u.is_empty());
        // A file's reference is what the writer writes for a media with a url: not kept.
        if url.is_some() && extra.get("OTIO_SCHEMA") == Some(&json!("ExternalReference.1")) {
            extra.remove("OTIO_SCHEMA");
        }
        Ok(Media {
            url,
            name: string(o, "name"),
            available,
            metadata: map(o, "metadata"),
            nested: None,
            extra,
        })
    }

    /// A clip's or a stack's effects: the product of its `LinearTimeWarp`s as a speed, and the
    /// others kept as they are.
    fn effects(&self, o: &Obj, path: &str) -> Result<(f64, Vec<Value>), ReadError> {
        let mut speed = 1.0;
        let mut effects = Vec::new();
        if let Some(list) = o.get("effects").and_then(Value::as_array) {
            for (i, e) in list.iter().enumerate() {
                let p = format!("{path}.effects[{i}]");
                let eo = obj(e, &p)?;
                let (name, _) = schema_of(eo, &p)?;
                if name == "LinearTimeWarp" {
                    let s = eo.get("time_scalar").and_then(Value::as_f64).unwrap_or(1.0);
                    if !(s.is_finite() && s > 0.0) {
                        return Err(err(
                            &p,
                            format!("time_scalar {} is not a positive speed", num(s)),
                        ));
                    }
                    speed *= s;
                    if !SPEEDS.contains(&speed) {
                        return Err(err(
                            &p,
                            format!(
                                "time_scalar {} makes the clip's speed {}, outside {}–{}",
                                num(s),
                                num(speed),
                                SPEEDS.start(),
                                SPEEDS.end()
                            ),
                        ));
                    }
                } else {
                    effects.push(e.clone());
                }
            }
        }
        Ok((speed, effects))
    }

    /// A Stack or a Track inside a track: a compound clip whose media is its inside.
    fn compound(&self, o: &Obj, path: &str, schema: &str) -> Result<Clip, ReadError> {
        let version = if schema == "Stack" {
            expect_schema(o, path, "Stack", &[1])?
        } else {
            expect_schema(o, path, "Track", &[1])?
        };
        let tracks = if schema == "Stack" {
            let children = o
                .get("children")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            children
                .iter()
                .enumerate()
                .map(|(i, t)| self.track(t, &format!("{path}.children[{i}]")))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            vec![self.track_items(o, path)?]
        };
        let nested = Nested {
            name: string(o, "name"),
            tracks,
            ..Nested::default()
        };
        let full = FrameRange::new(0, nested.duration());
        let mut keep = Obj::new();
        let source = match o.get("source_range") {
            Some(Value::Null) | None => full,
            Some(r) => self.range_kept(
                r,
                &format!("{path}.source_range"),
                &mut keep,
                "source_range",
            )?,
        };
        let (speed, effects) = self.effects(o, path)?;
        let mut extra = rest(
            o,
            &[
                "OTIO_SCHEMA",
                "name",
                "source_range",
                "effects",
                "markers",
                "enabled",
                "metadata",
                "children",
                "kind",
            ],
        );
        extra.insert(ITEM_SCHEMA.into(), json!(format!("{schema}.{version}")));
        if !keep.is_empty() {
            extra.insert(TIMES.into(), Value::Object(keep));
        }
        Ok(Clip {
            name: string(o, "name"),
            media: Media {
                name: string(o, "name"),
                available: Some(full),
                nested: Some(Box::new(nested)),
                ..Media::default()
            },
            source,
            speed,
            // A nested Track keeps its markers itself; a Stack's are the clip's.
            markers: if schema == "Stack" {
                self.markers(o, path)?
            } else {
                Vec::new()
            },
            enabled: o.get("enabled").and_then(Value::as_bool).unwrap_or(true),
            link: None,
            metadata: if schema == "Stack" {
                map(o, "metadata")
            } else {
                Obj::new()
            },
            effects,
            extra,
        })
    }

    fn clip(&self, o: &Obj, path: &str) -> Result<Clip, ReadError> {
        let version = expect_schema(o, path, "Clip", &[1, 2])?;
        let (media, media_extra) = if version == 2 {
            let key = o
                .get("active_media_reference_key")
                .and_then(Value::as_str)
                .unwrap_or("DEFAULT_MEDIA");
            let refs = map(o, "media_references");
            let media = match refs.get(key) {
                Some(r) => self.media(r, &format!("{path}.media_references.{key}"))?,
                None => Media::default(),
            };
            let others: Obj = refs.into_iter().filter(|(k, _)| k != key).collect();
            let mut extra = Obj::new();
            if !others.is_empty() {
                extra.insert("media_references".into(), Value::Object(others));
            }
            // The usual key is what the writer writes anyway: not kept per clip.
            if key != "DEFAULT_MEDIA" {
                extra.insert("active_media_reference_key".into(), json!(key));
            }
            (media, extra)
        } else {
            let media = match o.get("media_reference") {
                Some(Value::Null) | None => Media::default(),
                Some(r) => self.media(r, &format!("{path}.media_reference"))?,
            };
            (media, Obj::new())
        };
        let mut keep = Obj::new();
        let source = match o.get("source_range") {
            Some(Value::Null) | None => media.available.ok_or_else(|| {
                err(
                    path,
                    "clip has neither a source_range nor a media available_range",
                )
            })?,
            Some(r) => self.range_kept(
                r,
                &format!("{path}.source_range"),
                &mut keep,
                "source_range",
            )?,
        };
        let (speed, effects) = self.effects(o, path)?;
        let mut extra = rest(
            o,
            &[
                "OTIO_SCHEMA",
                "name",
                "source_range",
                "effects",
                "markers",
                "enabled",
                "metadata",
                "media_reference",
                "media_references",
                "active_media_reference_key",
            ],
        );
        extra.extend(media_extra);
        if !keep.is_empty() {
            extra.insert(TIMES.into(), Value::Object(keep));
        }
        if version == 1 {
            extra.insert("otio.clip_version".into(), json!(1));
        }
        Ok(Clip {
            name: string(o, "name"),
            media,
            source,
            speed,
            markers: self.markers(o, path)?,
            enabled: o.get("enabled").and_then(Value::as_bool).unwrap_or(true),
            link: None,
            metadata: map(o, "metadata"),
            effects,
            extra,
        })
    }

    /// A track of a stack: its items, shown through its `source_range` when it has one.
    fn track(&self, v: &Value, path: &str) -> Result<Track, ReadError> {
        let o = obj(v, path)?;
        let track = self.track_items(o, path)?;
        self.windowed(o, track, path)
    }

    /// `track` shown through the window of its `source_range`, when it has one.
    fn windowed(&self, o: &Obj, mut track: Track, path: &str) -> Result<Track, ReadError> {
        if let Some(r) = o.get("source_range").filter(|r| !r.is_null()) {
            let window = self.range(r, &format!("{path}.source_range"))?;
            let before = track.duration();
            apply_window(&mut track, window);
            if window.start > 0 || before > window.end() {
                self.notes.borrow_mut().push(format!(
                    "{path}.source_range: track {:?} shows frames {}–{} of its items; the {} \
                     frames it hides are left out",
                    track.name,
                    window.start,
                    window.end(),
                    window.start + (before - window.end()).max(0)
                ));
            }
        }
        Ok(track)
    }

    /// One child of a track: a clip, gap, transition or compound clip.
    fn item(&self, c: &Value, p: &str) -> Result<Item, ReadError> {
        let p = p.to_string();
        let co = obj(c, &p)?;
        let (name, version) = schema_of(co, &p)?;
        let item = match name {
            "Clip" => Item::Clip(self.clip(co, &p)?),
            "Gap" => {
                expect_schema(co, &p, "Gap", &[1])?;
                let mut keep = Obj::new();
                let duration = match co.get("source_range") {
                    Some(Value::Null) | None => 0,
                    Some(r) => {
                        self.range_kept(r, &format!("{p}.source_range"), &mut keep, "source_range")?
                            .duration
                    }
                };
                let mut extra = rest(co, &["OTIO_SCHEMA", "source_range"]);
                if !keep.is_empty() {
                    extra.insert(TIMES.into(), Value::Object(keep));
                }
                Item::Gap(Gap { duration, extra })
            }
            "Transition" => {
                expect_schema(co, &p, "Transition", &[1])?;
                let mut keep = Obj::new();
                let in_offset = self.frames_kept(
                    co.get("in_offset").unwrap_or(&Value::Null),
                    &format!("{p}.in_offset"),
                    &mut keep,
                    "in_offset",
                )?;
                let out_offset = self.frames_kept(
                    co.get("out_offset").unwrap_or(&Value::Null),
                    &format!("{p}.out_offset"),
                    &mut keep,
                    "out_offset",
                )?;
                let mut extra = rest(
                    co,
                    &[
                        "OTIO_SCHEMA",
                        "name",
                        "transition_type",
                        "in_offset",
                        "out_offset",
                        "metadata",
                    ],
                );
                if !keep.is_empty() {
                    extra.insert(TIMES.into(), Value::Object(keep));
                }
                for (name, f) in [("in_offset", in_offset), ("out_offset", out_offset)] {
                    if f < 0 {
                        return Err(err(&format!("{p}.{name}"), format!("negative offset {f}")));
                    }
                }
                Item::Transition(Transition {
                    name: string(co, "name"),
                    kind: string(co, "transition_type"),
                    in_offset,
                    out_offset,
                    metadata: map(co, "metadata"),
                    extra,
                })
            }
            "Stack" | "Track" => Item::Clip(self.compound(co, &p, name)?),
            _ => return Err(err(&p, format!("unknown item schema {name}.{version}"))),
        };
        Ok(item)
    }

    /// A track's items and fields, its `source_range` left to the caller.
    fn track_items(&self, o: &Obj, path: &str) -> Result<Track, ReadError> {
        let children = o
            .get("children")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let items = children
            .iter()
            .enumerate()
            .map(|(i, c)| self.item(c, &format!("{path}.children[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        self.track_of(o, items, path)
    }

    /// A track from its fields and its items, read already.
    fn track_of(&self, o: &Obj, items: Vec<Item>, path: &str) -> Result<Track, ReadError> {
        expect_schema(o, path, "Track", &[1])?;
        let kind = match o.get("kind").and_then(Value::as_str) {
            Some("Video") => TrackKind::Video,
            Some("Audio") => TrackKind::Audio,
            other => {
                return Err(err(
                    path,
                    format!("track kind {other:?} is not Video or Audio"),
                ));
            }
        };
        Ok(Track {
            name: string(o, "name"),
            kind,
            items,
            markers: self.markers(o, path)?,
            enabled: o.get("enabled").and_then(Value::as_bool).unwrap_or(true),
            metadata: map(o, "metadata"),
            extra: rest(
                o,
                &[
                    "OTIO_SCHEMA",
                    "name",
                    "kind",
                    "children",
                    "markers",
                    "enabled",
                    "metadata",
                    "source_range",
                ],
            ),
        })
    }
}

/// A rate and the JSON path it was found at.
type FoundRate = Option<(f64, String)>;

/// Find the timeline's rate: its start time's, else the one an NLE's adapter recorded
/// (`metadata.fcp_xml.rate`), else the rate most of its clips and gaps are timed at (never just
/// the first clip's: a 25 fps clip first in a 24 fps timeline must not re-time the rest), else any
/// rate in the file; with the JSON path it was found at, for errors.
fn find_rate(root: &Value) -> FoundRate {
    fn walk(v: &Value, path: &str, found: &mut dyn FnMut(&Obj, &str)) {
        match v {
            Value::Object(o) => {
                found(o, path);
                for (k, c) in o {
                    walk(c, &format!("{path}.{k}"), found);
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    walk(c, &format!("{path}[{i}]"), found);
                }
            }
            _ => {}
        }
    }
    if let Some(r) = root
        .get("global_start_time")
        .and_then(|g| g.get("rate"))
        .and_then(Value::as_f64)
    {
        return Some((r, "$.global_start_time.rate".to_string()));
    }
    if let Some(fcp) = root.pointer("/metadata/fcp_xml/rate") {
        let base = fcp.get("timebase").and_then(|t| {
            t.as_str()
                .and_then(|s| s.parse::<f64>().ok())
                .or(t.as_f64())
        });
        let ntsc = fcp
            .get("ntsc")
            .and_then(Value::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case("true"));
        if let Some(b) = base.filter(|b| *b > 0.0) {
            let r = if ntsc { b * 1000.0 / 1001.0 } else { b };
            return Some((r, "$.metadata.fcp_xml.rate".to_string()));
        }
    }
    // (rate, count, first path), in order of first appearance.
    let mut seen: Vec<(f64, usize, String)> = Vec::new();
    let mut count = |o: &Obj, path: &str| {
        let item = o
            .get("OTIO_SCHEMA")
            .and_then(Value::as_str)
            .is_some_and(|s| s.starts_with("Clip.") || s.starts_with("Gap."));
        let rate = o
            .get("source_range")
            .and_then(|r| r.get("duration"))
            .and_then(|d| d.get("rate"))
            .and_then(Value::as_f64);
        if let (true, Some(r)) = (item, rate) {
            match seen.iter_mut().find(|(x, _, _)| (*x - r).abs() < 1e-9) {
                Some(e) => e.1 += 1,
                None => seen.push((r, 1, format!("{path}.source_range.duration.rate"))),
            }
        }
    };
    walk(root, "$", &mut count);
    let best = seen
        .iter()
        .enumerate()
        .max_by_key(|(i, (_, n, _))| (*n, std::cmp::Reverse(*i)))
        .map(|(_, (r, _, p))| (*r, p.clone()));
    if best.is_some() {
        return best;
    }
    let mut any: FoundRate = None;
    walk(root, "$", &mut |o: &Obj, path: &str| {
        if any.is_none() {
            any = o
                .get("rate")
                .and_then(Value::as_f64)
                .map(|r| (r, format!("{path}.rate")));
        }
    });
    any
}

/// Read an OTIO JSON document (a `Timeline.1`).
pub fn read_str(text: &str) -> Result<Timeline, ReadError> {
    read(text).map(|r| r.timeline)
}

/// Read an OTIO JSON document (a `Timeline.1`), with a note for what the model could not hold.
///
/// A document of the shape OpenTimelineIO writes is read as a stream ([`stream`]): each item of
/// a track is converted as soon as it is parsed, so no tree of the whole file is ever held (a
/// feature-length timeline is mostly its items). Anything else — a document with a part of an
/// unexpected type, which the error must name by its JSON path — is read as a tree.
pub fn read(text: &str) -> Result<Reading, ReadError> {
    let src = stream::Source::Text(text);
    if let Some(found) = stream::probe_rate(src) {
        match stream::read(src, found) {
            Ok(r) => return Ok(r),
            Err(stream::Failed::Refused(e)) => return Err(e),
            Err(stream::Failed::Shape) => {}
        }
    }
    read_tree(text)
}

/// [`read`] from a file, read as a stream: the text is never held whole. `None` when the
/// stream cannot read it (its shape, its encoding): then read its bytes with [`read`].
pub fn read_file(path: &std::path::Path) -> Option<Result<Reading, ReadError>> {
    let src = stream::Source::File(path);
    let found = stream::probe_rate(src)?;
    match stream::read(src, found) {
        Ok(r) => Some(Ok(r)),
        Err(stream::Failed::Refused(e)) => Some(Err(e)),
        Err(stream::Failed::Shape) => None,
    }
}

/// [`read`] through a `serde_json::Value` of the whole document.
pub fn read_tree(text: &str) -> Result<Reading, ReadError> {
    let root: Value = serde_json::from_str(text).map_err(|e| ReadError::Syntax {
        line: e.line(),
        column: e.column(),
        why: e
            .to_string()
            .split(" at line")
            .next()
            .unwrap_or_default()
            .to_string(),
    })?;
    let o = obj(&root, "$")?;
    expect_schema(o, "$", "Timeline", &[1])?;
    let found =
        find_rate(&root).ok_or_else(|| err("$", "no frame rate anywhere in the timeline"))?;
    Rate::from_f64(found.0).map_err(|e| err(&found.1, e.to_string()))?;
    let reader = Reader::new(found.0);
    let stack_v = o
        .get("tracks")
        .ok_or_else(|| err("$", "timeline has no tracks"))?;
    let stack = obj(stack_v, "$.tracks")?;
    expect_schema(stack, "$.tracks", "Stack", &[1])?;
    let children = stack
        .get("children")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let tracks = children
        .iter()
        .enumerate()
        .map(|(i, t)| reader.track(t, &format!("$.tracks.children[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    finish(reader, found, o, stack, tracks)
}

/// The timeline from its top-level fields, its stack's and its tracks, read already.
fn finish(
    reader: Reader,
    (rate_f, rate_path): (f64, String),
    o: &Obj,
    stack: &Obj,
    tracks: Vec<Track>,
) -> Result<Reading, ReadError> {
    expect_schema(o, "$", "Timeline", &[1])?;
    expect_schema(stack, "$.tracks", "Stack", &[1])?;
    let rate = Rate::from_f64(rate_f).map_err(|e| err(&rate_path, e.to_string()))?;
    let start_frame = match o.get("global_start_time") {
        Some(Value::Null) | None => 0,
        Some(g) => reader.frames(g, "$.global_start_time")?,
    };
    if tracks.iter().all(|t| t.items.is_empty()) {
        return Err(err(
            "$.tracks",
            "the timeline is empty: no track holds a clip",
        ));
    }
    let mut extra = rest(
        o,
        &[
            "OTIO_SCHEMA",
            "name",
            "global_start_time",
            "tracks",
            "metadata",
        ],
    );
    let stack_rest = rest(stack, &["OTIO_SCHEMA", "children", "markers"]);
    if !stack_rest.is_empty() {
        extra.insert(STACK_EXTRA.into(), Value::Object(stack_rest));
    }
    if (rate.as_f64() - rate_f).abs() > 1e-9 {
        extra.insert(RATE_SPELLING.into(), json!(rate_f));
    }
    let name = string(o, "name");
    let drop_frame = rate.supports_drop_frame()
        && o.get("metadata")
            .and_then(|m| m.pointer("/cutbridge/drop_frame"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
    let tl = Timeline {
        name,
        rate,
        start_frame,
        drop_frame,
        markers: reader.markers(stack, "$.tracks")?,
        tracks,
        subtitles: Vec::new(),
        metadata: map(o, "metadata"),
        extra,
    };
    // A safety net: the checks above name JSON paths; this one covers anything they miss.
    super::check_bounds(&tl)?;
    Ok(Reading {
        timeline: tl,
        notes: reader.notes.into_inner(),
    })
}

/// Reading a document as a stream: the timeline's rate found by a first pass that keeps only
/// the times ([`probe_rate`]), then a second that converts each track item as it is parsed.
mod stream {
    use std::cell::RefCell;
    use std::fmt;

    use serde::Deserialize;
    use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
    use serde_json::Value;

    use super::{FoundRate, Obj, ReadError, Reader, Reading, Track, finish};
    use protocol::{Item, Rate};

    /// Why the stream did not read the document.
    pub(super) enum Failed {
        /// What the document says is wrong: the error to report.
        Refused(ReadError),
        /// A part has a shape the stream does not read (a type error): the tree reader names it.
        Shape,
    }

    #[derive(Deserialize)]
    struct Top {
        global_start_time: Option<Value>,
        metadata: Option<Meta>,
        tracks: Option<Node>,
    }

    #[derive(Deserialize)]
    struct Meta {
        fcp_xml: Option<Fcp>,
    }

    #[derive(Deserialize)]
    struct Fcp {
        rate: Option<Value>,
    }

    /// An object of the tree, with only what says a rate.
    #[derive(Deserialize)]
    struct Node {
        #[serde(rename = "OTIO_SCHEMA")]
        schema: Option<String>,
        source_range: Option<Value>,
        children: Option<Vec<Node>>,
    }

    /// The timeline's rate as [`super::find_rate`] finds it — the start time's, an adapter's,
    /// else the one most clips and gaps use — from a pass that keeps nothing else; `None` when
    /// the document is not of the shape this pass reads or names no rate those ways.
    /// The top-level fields before `tracks` (OpenTimelineIO writes `global_start_time` and
    /// `metadata` there): parsing stops at `tracks`, so this costs next to nothing.
    #[derive(Default)]
    struct Head {
        global_start_time: Option<Value>,
        metadata: Option<Value>,
    }

    impl<'de> Visitor<'de> for &mut Head {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an OTIO Timeline")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<String>()? {
                match key.as_str() {
                    "tracks" => return Err(de::Error::custom("stop")),
                    "global_start_time" => self.global_start_time = Some(map.next_value()?),
                    "metadata" => self.metadata = Some(map.next_value()?),
                    _ => {
                        map.next_value::<de::IgnoredAny>()?;
                    }
                }
            }
            Ok(())
        }
    }

    /// The rate the head of the document gives: its start time's, or an adapter's.
    /// Where the document is: in memory, or in a file read as a stream (a feature-length
    /// timeline is then never held whole, not even as text).
    #[derive(Clone, Copy)]
    pub(super) enum Source<'a> {
        Text(&'a str),
        File(&'a std::path::Path),
    }

    impl Source<'_> {
        /// Run `seed` over the document: over all of it (`whole`: nothing may follow), or only
        /// as far as the seed reads. `None` when the file cannot be opened.
        fn parse<S, T>(self, seed: S, whole: bool) -> Option<Result<T, serde_json::Error>>
        where
            S: for<'de> DeserializeSeed<'de, Value = T>,
        {
            fn run<'de, R: serde_json::de::Read<'de>, S: DeserializeSeed<'de>>(
                mut de: serde_json::Deserializer<R>,
                seed: S,
                whole: bool,
            ) -> Result<S::Value, serde_json::Error> {
                let v = seed.deserialize(&mut de)?;
                if whole {
                    de.end()?;
                }
                Ok(v)
            }
            Some(match self {
                Source::Text(text) => run(serde_json::Deserializer::from_str(text), seed, whole),
                Source::File(path) => {
                    let file = std::fs::File::open(path).ok()?;
                    let buffered = std::io::BufReader::with_capacity(1 << 16, file);
                    run(serde_json::Deserializer::from_reader(buffered), seed, whole)
                }
            })
        }
    }

    impl<'de> DeserializeSeed<'de> for &mut Head {
        type Value = ();
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }

    fn head_rate(src: Source<'_>) -> FoundRate {
        let mut head = Head::default();
        // It stops at `tracks` with an error, by design: what it read is in `head`.
        let _ = src.parse(&mut head, false)?;
        let mut root = Obj::new();
        if let Some(g) = head.global_start_time {
            root.insert("global_start_time".into(), g);
        }
        if let Some(m) = head.metadata {
            root.insert("metadata".into(), m);
        }
        let root = Value::Object(root);
        let found = super::find_rate(&root)?;
        // Only what `find_rate` takes before looking at items.
        (found.1 == "$.global_start_time.rate" || found.1 == "$.metadata.fcp_xml.rate")
            .then_some(found)
    }

    pub(super) fn probe_rate(src: Source<'_>) -> FoundRate {
        if let Some(found) = head_rate(src) {
            return Some(found);
        }
        let top: Top = src.parse(std::marker::PhantomData, true)?.ok()?;
        if let Some(r) = top
            .global_start_time
            .as_ref()
            .and_then(|g| g.get("rate"))
            .and_then(Value::as_f64)
        {
            return Some((r, "$.global_start_time.rate".into()));
        }
        if let Some(fcp) = top.metadata.and_then(|m| m.fcp_xml).and_then(|f| f.rate) {
            let mut root = Obj::new();
            root.insert(
                "metadata".into(),
                serde_json::json!({"fcp_xml": {"rate": fcp}}),
            );
            if let Some(found) = super::find_rate(&Value::Object(root)) {
                return Some(found);
            }
        }
        let mut seen: Vec<(f64, usize, String)> = Vec::new();
        fn walk(n: &Node, path: &str, seen: &mut Vec<(f64, usize, String)>) {
            let item = n
                .schema
                .as_deref()
                .is_some_and(|s| s.starts_with("Clip.") || s.starts_with("Gap."));
            let rate = n
                .source_range
                .as_ref()
                .and_then(|r| r.get("duration"))
                .and_then(|d| d.get("rate"))
                .and_then(Value::as_f64);
            if let (true, Some(r)) = (item, rate) {
                match seen.iter_mut().find(|(x, _, _)| (*x - r).abs() < 1e-9) {
                    Some(e) => e.1 += 1,
                    None => seen.push((r, 1, format!("{path}.source_range.duration.rate"))),
                }
            }
            for (i, c) in n.children.iter().flatten().enumerate() {
                walk(c, &format!("{path}.children[{i}]"), seen);
            }
        }
        walk(top.tracks.as_ref()?, "$.tracks", &mut seen);
        seen.iter()
            .enumerate()
            .max_by_key(|(i, (_, n, _))| (*n, std::cmp::Reverse(*i)))
            .map(|(_, (r, _, p))| (*r, p.clone()))
    }

    /// What the seeds share: the reader, and the first error it gave (serde carries only text).
    struct Ctx {
        reader: Reader,
        error: RefCell<Option<ReadError>>,
    }

    impl Ctx {
        fn fail<E: de::Error>(&self, e: ReadError) -> E {
            self.error.borrow_mut().get_or_insert(e);
            E::custom("refused")
        }
    }

    pub(super) fn read(src: Source<'_>, found: (f64, String)) -> Result<Reading, Failed> {
        if Rate::from_f64(found.0).is_err() {
            return Err(Failed::Shape);
        }
        let ctx = Ctx {
            reader: Reader::new(found.0),
            error: RefCell::new(None),
        };
        let parsed = src.parse(TimelineSeed(&ctx), true).ok_or(Failed::Shape)?;
        let (top, stack) = match parsed {
            Ok(t) => t,
            Err(_) => {
                return Err(match ctx.error.into_inner() {
                    Some(e) => Failed::Refused(e),
                    None => Failed::Shape,
                });
            }
        };
        let Some((stack, tracks)) = stack else {
            return Err(Failed::Shape);
        };
        finish(ctx.reader, found, &top, &stack, tracks).map_err(Failed::Refused)
    }

    /// The timeline object: every field kept as it is but `tracks`, read as a stream.
    struct TimelineSeed<'c>(&'c Ctx);

    type Stack = Option<(Obj, Vec<Track>)>;

    impl<'de> DeserializeSeed<'de> for TimelineSeed<'_> {
        type Value = (Obj, Stack);
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for TimelineSeed<'_> {
        type Value = (Obj, Stack);
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an OTIO Timeline")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut top = Obj::new();
            let mut stack = None;
            while let Some(key) = map.next_key::<String>()? {
                if key == "tracks" && stack.is_none() {
                    stack = Some(map.next_value_seed(StackSeed(self.0))?);
                } else {
                    top.insert(key, map.next_value::<Value>()?);
                }
            }
            Ok((top, stack))
        }
    }

    /// The Stack of tracks: every field kept but `children`, the tracks.
    struct StackSeed<'c>(&'c Ctx);

    impl<'de> DeserializeSeed<'de> for StackSeed<'_> {
        type Value = (Obj, Vec<Track>);
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for StackSeed<'_> {
        type Value = (Obj, Vec<Track>);
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an OTIO Stack")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut fields = Obj::new();
            let mut tracks = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                if key == "children" {
                    tracks = map.next_value_seed(TracksSeed(self.0))?;
                } else {
                    fields.insert(key, map.next_value::<Value>()?);
                }
            }
            Ok((fields, tracks))
        }
    }

    struct TracksSeed<'c>(&'c Ctx);

    impl<'de> DeserializeSeed<'de> for TracksSeed<'_> {
        type Value = Vec<Track>;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de> Visitor<'de> for TracksSeed<'_> {
        type Value = Vec<Track>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of OTIO Tracks")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut tracks = Vec::new();
            loop {
                let path = format!("$.tracks.children[{}]", tracks.len());
                match seq.next_element_seed(TrackSeed(self.0, &path))? {
                    Some(t) => tracks.push(t),
                    None => return Ok(tracks),
                }
            }
        }
    }

    /// A track: its fields kept, its children converted one by one as they are parsed.
    struct TrackSeed<'c, 'p>(&'c Ctx, &'p str);

    impl<'de> DeserializeSeed<'de> for TrackSeed<'_, '_> {
        type Value = Track;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for TrackSeed<'_, '_> {
        type Value = Track;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an OTIO Track")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Track, A::Error> {
            let (ctx, path) = (self.0, self.1);
            let mut fields = Obj::new();
            let mut items = Vec::new();
            while let Some(key) = map.next_key::<String>()? {
                if key == "children" {
                    items = map.next_value_seed(ItemsSeed(ctx, path))?;
                } else {
                    fields.insert(key, map.next_value::<Value>()?);
                }
            }
            let track = ctx
                .reader
                .track_of(&fields, items, path)
                .map_err(|e| ctx.fail::<A::Error>(e))?;
            ctx.reader
                .windowed(&fields, track, path)
                .map_err(|e| ctx.fail(e))
        }
    }

    struct ItemsSeed<'c, 'p>(&'c Ctx, &'p str);

    impl<'de> DeserializeSeed<'de> for ItemsSeed<'_, '_> {
        type Value = Vec<Item>;
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_seq(self)
        }
    }

    impl<'de> Visitor<'de> for ItemsSeed<'_, '_> {
        type Value = Vec<Item>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list of track items")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Item>, A::Error> {
            let (ctx, path) = (self.0, self.1);
            let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(v) = seq.next_element::<Value>()? {
                let p = format!("{path}.children[{}]", items.len());
                items.push(
                    ctx.reader
                        .item(&v, &p)
                        .map_err(|e| ctx.fail::<A::Error>(e))?,
                );
            }
            items.shrink_to_fit();
            Ok(items)
        }
    }
}

struct Writer {
    rate: f64,
}

impl Writer {
    fn time(&self, frames: i64) -> Value {
        json!({"OTIO_SCHEMA": "RationalTime.1", "rate": self.rate, "value": frames as f64})
    }

    /// `frames` as the file wrote it where the reader kept its time under `key` (see [`TIMES`]):
    /// the same value and rate when the frames did not change, else moved by the change, at the
    /// file's rate.
    fn time_kept(&self, frames: i64, keep: Option<&Value>, key: &str) -> Value {
        let (rate, value) = self.time_parts(frames, keep, key);
        json!({"OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": value})
    }

    /// The rate and value [`Writer::time_kept`] writes.
    fn time_parts(&self, frames: i64, keep: Option<&Value>, key: &str) -> (f64, f64) {
        let kept = keep.and_then(|k| k.get(key)).and_then(|k| {
            Some((
                k.get("value")?.as_f64()?,
                k.get("rate")?.as_f64()?,
                k.get("frames")?.as_i64()?,
            ))
        });
        match kept {
            Some((value, rate, f0)) if rate > 0.0 => {
                let value = if frames == f0 {
                    value
                } else {
                    value + (frames - f0) as f64 * rate / self.rate
                };
                (rate, value)
            }
            _ => (self.rate, frames as f64),
        }
    }

    fn range_kept(&self, r: FrameRange, keep: Option<&Value>, key: &str) -> Value {
        json!({
            "OTIO_SCHEMA": "TimeRange.1",
            "duration": self.time_kept(r.duration, keep, &format!("{key}.duration")),
            "start_time": self.time_kept(r.start, keep, &format!("{key}.start_time")),
        })
    }

    fn markers(&self, ms: &[Marker]) -> Value {
        Value::Array(
            ms.iter()
                .map(|m| {
                    let mut o = Obj::new();
                    o.insert("OTIO_SCHEMA".into(), json!("Marker.2"));
                    o.insert("metadata".into(), Value::Object(m.metadata.clone()));
                    o.insert("name".into(), json!(m.name));
                    o.insert("color".into(), json!(m.color));
                    o.insert(
                        "marked_range".into(),
                        self.range_kept(m.range, m.extra.get(TIMES), "marked_range"),
                    );
                    o.insert("comment".into(), json!(m.comment));
                    o.extend(without_kept(&m.extra));
                    Value::Object(o)
                })
                .collect(),
        )
    }

    fn media(&self, m: &Media) -> Value {
        let mut o = Obj::new();
        let schema = m
            .extra
            .get("OTIO_SCHEMA")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                if m.url.is_some() {
                    "ExternalReference.1"
                } else {
                    "MissingReference.1"
                }
                .to_string()
            });
        o.insert("OTIO_SCHEMA".into(), json!(schema));
        o.insert("metadata".into(), Value::Object(m.metadata.clone()));
        o.insert("name".into(), json!(m.name));
        o.insert(
            "available_range".into(),
            m.available.map_or(Value::Null, |r| {
                self.range_kept(r, m.extra.get(TIMES), "available_range")
            }),
        );
        if let Some(url) = &m.url {
            o.insert("target_url".into(), json!(url));
        }
        o.extend(
            without_kept(&m.extra)
                .into_iter()
                .filter(|(k, _)| k != "OTIO_SCHEMA"),
        );
        Value::Object(o)
    }

    fn clip(&self, c: &Clip) -> Value {
        let mut o = Obj::new();
        let v1 = c.extra.get("otio.clip_version").is_some();
        o.insert(
            "OTIO_SCHEMA".into(),
            json!(if v1 { "Clip.1" } else { "Clip.2" }),
        );
        o.insert("metadata".into(), Value::Object(c.metadata.clone()));
        o.insert("name".into(), json!(c.name));
        o.insert(
            "source_range".into(),
            self.range_kept(c.source, c.extra.get(TIMES), "source_range"),
        );
        o.insert("effects".into(), Value::Array(effects_of(c)));
        o.insert("markers".into(), self.markers(&c.markers));
        o.insert("enabled".into(), json!(c.enabled));
        let mut extra = without_kept(&c.extra);
        extra.remove("otio.clip_version");
        if v1 {
            o.insert("media_reference".into(), self.media(&c.media));
        } else {
            let key = extra
                .remove("active_media_reference_key")
                .and_then(|k| k.as_str().map(str::to_string))
                .unwrap_or_else(|| "DEFAULT_MEDIA".into());
            let mut refs = match extra.remove("media_references") {
                Some(Value::Object(m)) => m,
                _ => Obj::new(),
            };
            refs.insert(key.clone(), self.media(&c.media));
            o.insert("media_references".into(), Value::Object(refs));
            o.insert("active_media_reference_key".into(), json!(key));
        }
        o.extend(extra);
        Value::Object(o)
    }

    /// A compound clip: the Stack (or Track) it was, showing `source` of its inside.
    fn compound(&self, c: &Clip, nested: &Nested) -> Value {
        let schema = c
            .extra
            .get(ITEM_SCHEMA)
            .and_then(Value::as_str)
            .unwrap_or("Stack.1");
        let as_track = schema.starts_with("Track.") && nested.tracks.len() == 1;
        let mut o = if as_track {
            match self.track(&nested.tracks[0]) {
                Value::Object(o) => o,
                _ => Obj::new(),
            }
        } else {
            let mut o = Obj::new();
            o.insert("OTIO_SCHEMA".into(), json!("Stack.1"));
            o.insert("metadata".into(), Value::Object(c.metadata.clone()));
            o.insert("markers".into(), self.markers(&c.markers));
            o.insert(
                "children".into(),
                Value::Array(nested.tracks.iter().map(|t| self.track(t)).collect()),
            );
            o
        };
        o.insert("name".into(), json!(c.name));
        o.insert(
            "source_range".into(),
            self.range_kept(c.source, c.extra.get(TIMES), "source_range"),
        );
        o.insert("effects".into(), Value::Array(effects_of(c)));
        o.insert("enabled".into(), json!(c.enabled));
        o.extend(without_kept(&c.extra));
        Value::Object(o)
    }

    fn item(&self, it: &Item) -> Value {
        match it {
            Item::Clip(c) => match &c.media.nested {
                Some(n) => self.compound(c, n),
                None => self.clip(c),
            },
            Item::Gap(g) => {
                let mut o = Obj::new();
                o.insert("OTIO_SCHEMA".into(), json!("Gap.1"));
                o.insert("metadata".into(), json!({}));
                o.insert("name".into(), json!(""));
                let keep = g.extra.get(TIMES);
                // A gap has no media: its start is whatever the file wrote.
                let start = keep
                    .and_then(|k| k.pointer("/source_range.start_time/frames"))
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                o.insert(
                    "source_range".into(),
                    self.range_kept(FrameRange::new(start, g.duration), keep, "source_range"),
                );
                o.insert("effects".into(), json!([]));
                o.insert("markers".into(), json!([]));
                o.insert("enabled".into(), json!(true));
                o.extend(
                    without_kept(&g.extra)
                        .into_iter()
                        .filter(|(k, _)| !o_has_gap_key(k)),
                );
                Value::Object(o)
            }
            Item::Transition(t) => {
                let mut o = Obj::new();
                o.insert("OTIO_SCHEMA".into(), json!("Transition.1"));
                o.insert("metadata".into(), Value::Object(t.metadata.clone()));
                o.insert("name".into(), json!(t.name));
                let keep = t.extra.get(TIMES);
                o.insert(
                    "in_offset".into(),
                    self.time_kept(t.in_offset, keep, "in_offset"),
                );
                o.insert(
                    "out_offset".into(),
                    self.time_kept(t.out_offset, keep, "out_offset"),
                );
                o.insert("transition_type".into(), json!(t.kind));
                o.extend(without_kept(&t.extra));
                Value::Object(o)
            }
        }
    }

    fn track(&self, t: &Track) -> Value {
        let mut o = self.track_fields(t);
        o.insert(
            "children".into(),
            Value::Array(t.items.iter().map(|i| self.item(i)).collect()),
        );
        Value::Object(o)
    }

    /// A track's fields in the order they are written, `children` a `null` placeholder.
    fn track_fields(&self, t: &Track) -> Obj {
        let mut o = Obj::new();
        o.insert("OTIO_SCHEMA".into(), json!("Track.1"));
        o.insert("metadata".into(), Value::Object(t.metadata.clone()));
        o.insert("name".into(), json!(t.name));
        o.insert("source_range".into(), Value::Null);
        o.insert("effects".into(), json!([]));
        o.insert("markers".into(), self.markers(&t.markers));
        o.insert("enabled".into(), json!(t.enabled));
        o.insert("children".into(), Value::Null);
        o.insert(
            "kind".into(),
            json!(if t.kind == TrackKind::Video {
                "Video"
            } else {
                "Audio"
            }),
        );
        o.extend(t.extra.clone());
        o
    }
}

/// Items written straight to the serializer, the JSON [`Writer::item`] builds but without
/// building it: a feature-length timeline is mostly its clips, and this is most of writing it.
/// A clip whose `extra` would replace one of the fields written here (possible only in a
/// timeline that did not come from an OTIO file) takes the [`Writer::item`] path.
mod direct {
    use serde::Serialize;
    use serde::ser::{SerializeMap, Serializer};
    use serde_json::Value;

    use super::{ITEM_SCHEMA, TIMES, Writer};
    use protocol::{Clip, FrameRange, Item, Media};

    struct Time(f64, f64);

    impl Serialize for Time {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(3))?;
            m.serialize_entry("OTIO_SCHEMA", "RationalTime.1")?;
            m.serialize_entry("rate", &self.0)?;
            m.serialize_entry("value", &self.1)?;
            m.end()
        }
    }

    struct Range<'a>(&'a Writer, FrameRange, Option<&'a Value>, &'static str);

    impl Serialize for Range<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let (w, r, keep, key) = (self.0, self.1, self.2, self.3);
            let (dr, dv) = w.time_parts(r.duration, keep, &format!("{key}.duration"));
            let (sr, sv) = w.time_parts(r.start, keep, &format!("{key}.start_time"));
            let mut m = s.serialize_map(Some(3))?;
            m.serialize_entry("OTIO_SCHEMA", "TimeRange.1")?;
            m.serialize_entry("duration", &Time(dr, dv))?;
            m.serialize_entry("start_time", &Time(sr, sv))?;
            m.end()
        }
    }

    const CLIP_FIELDS: [&str; 9] = [
        "OTIO_SCHEMA",
        "metadata",
        "name",
        "source_range",
        "effects",
        "markers",
        "enabled",
        "media_references",
        "active_media_reference_key",
    ];
    const MEDIA_FIELDS: [&str; 5] = [
        "OTIO_SCHEMA",
        "metadata",
        "name",
        "available_range",
        "target_url",
    ];

    /// Whether `c` is written here: an OTIO 2 clip of a media reference (not a compound clip)
    /// whose kept fields replace none of the written ones.
    fn direct(c: &Clip) -> bool {
        c.media.nested.is_none()
            && !c.extra.contains_key("otio.clip_version")
            && !c
                .extra
                .keys()
                .any(|k| CLIP_FIELDS[..7].contains(&k.as_str()))
            && !c
                .media
                .extra
                .keys()
                .any(|k| MEDIA_FIELDS[1..].contains(&k.as_str()))
            && c.extra.get("media_references").is_none_or(|r| {
                let key = c
                    .extra
                    .get("active_media_reference_key")
                    .and_then(Value::as_str)
                    .unwrap_or("DEFAULT_MEDIA");
                r.as_object().is_some_and(|o| !o.contains_key(key))
            })
    }

    struct MediaOut<'a>(&'a Writer, &'a Media);

    impl Serialize for MediaOut<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let (w, md) = (self.0, self.1);
            let schema = md
                .extra
                .get("OTIO_SCHEMA")
                .and_then(Value::as_str)
                .unwrap_or(if md.url.is_some() {
                    "ExternalReference.1"
                } else {
                    "MissingReference.1"
                });
            let mut m = s.serialize_map(None)?;
            m.serialize_entry("OTIO_SCHEMA", schema)?;
            m.serialize_entry("metadata", &md.metadata)?;
            m.serialize_entry("name", &md.name)?;
            match md.available {
                Some(r) => m.serialize_entry(
                    "available_range",
                    &Range(w, r, md.extra.get(TIMES), "available_range"),
                )?,
                None => m.serialize_entry("available_range", &Value::Null)?,
            }
            if let Some(url) = &md.url {
                m.serialize_entry("target_url", url)?;
            }
            for (k, v) in &md.extra {
                if k != TIMES && k != ITEM_SCHEMA && k != "OTIO_SCHEMA" {
                    m.serialize_entry(k, v)?;
                }
            }
            m.end()
        }
    }

    struct Refs<'a>(&'a Writer, &'a Clip, &'a str);

    impl Serialize for Refs<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let (w, c, key) = (self.0, self.1, self.2);
            let mut m = s.serialize_map(None)?;
            if let Some(Value::Object(others)) = c.extra.get("media_references") {
                for (k, v) in others {
                    if k != key {
                        m.serialize_entry(k, v)?;
                    }
                }
            }
            m.serialize_entry(key, &MediaOut(w, &c.media))?;
            m.end()
        }
    }

    struct ClipOut<'a>(&'a Writer, &'a Clip);

    impl Serialize for ClipOut<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let (w, c) = (self.0, self.1);
            let mut m = s.serialize_map(None)?;
            m.serialize_entry("OTIO_SCHEMA", "Clip.2")?;
            m.serialize_entry("metadata", &c.metadata)?;
            m.serialize_entry("name", &c.name)?;
            m.serialize_entry(
                "source_range",
                &Range(w, c.source, c.extra.get(TIMES), "source_range"),
            )?;
            if c.speed != 1.0 {
                m.serialize_entry("effects", &super::effects_of(c))?;
            } else {
                m.serialize_entry("effects", &c.effects)?;
            }
            if c.markers.is_empty() {
                m.serialize_entry("markers", &[(); 0])?;
            } else {
                m.serialize_entry("markers", &w.markers(&c.markers))?;
            }
            m.serialize_entry("enabled", &c.enabled)?;
            let key = c
                .extra
                .get("active_media_reference_key")
                .and_then(Value::as_str)
                .unwrap_or("DEFAULT_MEDIA");
            m.serialize_entry("media_references", &Refs(w, c, key))?;
            m.serialize_entry("active_media_reference_key", key)?;
            for (k, v) in &c.extra {
                let own = k == TIMES
                    || k == ITEM_SCHEMA
                    || k == "media_references"
                    || k == "active_media_reference_key";
                if !own {
                    m.serialize_entry(k, v)?;
                }
            }
            m.end()
        }
    }

    /// One track item, written.
    pub(super) fn item<S: Serializer>(w: &Writer, it: &Item, s: S) -> Result<S::Ok, S::Error> {
        match it {
            Item::Clip(c) if direct(c) => ClipOut(w, c).serialize(s),
            _ => w.item(it).serialize(s),
        }
    }
}

/// A clip's effects as written: those kept from the file, and its speed as a `LinearTimeWarp`.
fn effects_of(c: &Clip) -> Vec<Value> {
    let mut effects = c.effects.clone();
    if c.speed != 1.0 {
        effects.push(json!({
            "OTIO_SCHEMA": "LinearTimeWarp.1", "metadata": {}, "name": "", "effect_name": "LinearTimeWarp",
            "time_scalar": c.speed
        }));
    }
    effects
}

/// `extra` without the reader's own bookkeeping ([`TIMES`], [`ITEM_SCHEMA`]).
fn without_kept(extra: &Obj) -> Obj {
    extra
        .iter()
        .filter(|(k, _)| *k != TIMES && *k != ITEM_SCHEMA)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn o_has_gap_key(k: &str) -> bool {
    matches!(k, "OTIO_SCHEMA" | "source_range")
}

/// The timeline as an OTIO JSON value.
pub fn to_value(tl: &Timeline) -> Value {
    let (w, mut o, mut stack) = containers(tl);
    stack.insert(
        "children".into(),
        Value::Array(tl.tracks.iter().map(|t| w.track(t)).collect()),
    );
    o.insert("tracks".into(), Value::Object(stack));
    Value::Object(o)
}

/// The writer, and the timeline's and its stack's fields in the order they are written, with
/// `null` placeholders where the tracks go (`tracks`, then the stack's `children`).
fn containers(tl: &Timeline) -> (Writer, Obj, Obj) {
    let rate = tl
        .extra
        .get(RATE_SPELLING)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| tl.rate.as_f64());
    let w = Writer { rate };
    let mut stack = Obj::new();
    stack.insert("OTIO_SCHEMA".into(), json!("Stack.1"));
    stack.insert("metadata".into(), json!({}));
    stack.insert("name".into(), json!("tracks"));
    stack.insert("source_range".into(), Value::Null);
    stack.insert("effects".into(), json!([]));
    stack.insert("markers".into(), w.markers(&tl.markers));
    stack.insert("enabled".into(), json!(true));
    if let Some(Value::Object(extra)) = tl.extra.get(STACK_EXTRA) {
        stack.extend(extra.clone());
    }
    stack.insert("children".into(), Value::Null);
    let mut metadata = tl.metadata.clone();
    set_drop_frame(&mut metadata, tl.drop_frame);
    let mut o = Obj::new();
    o.insert("OTIO_SCHEMA".into(), json!("Timeline.1"));
    o.insert("metadata".into(), Value::Object(metadata));
    o.insert("name".into(), json!(tl.name));
    o.insert("global_start_time".into(), w.time(tl.start_frame));
    o.insert("tracks".into(), Value::Null);
    o.extend(
        tl.extra
            .iter()
            .filter(|(k, _)| !k.starts_with("otio."))
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    (w, o, stack)
}

/// The timeline written as a stream: the same JSON as [`to_value`], but each track item is
/// made and written one at a time, so no tree of the whole document is ever held.
struct Streamed<'a> {
    w: Writer,
    tl: &'a Timeline,
    top: Obj,
    stack: Obj,
}

/// What writes one field's value into a map being serialized.
type FieldWriter<'a, S> = dyn Fn(&mut <S as serde::Serializer>::SerializeMap) -> Result<(), <S as serde::Serializer>::Error>
    + 'a;

/// A map of `fields` in order, the one named `at` written by `f` instead of its placeholder.
fn map_with<S: serde::Serializer>(
    s: S,
    fields: &Obj,
    at: &str,
    f: &FieldWriter<'_, S>,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut m = s.serialize_map(Some(fields.len()))?;
    for (k, v) in fields {
        if k == at {
            m.serialize_key(k)?;
            f(&mut m)?;
        } else {
            m.serialize_entry(k, v)?;
        }
    }
    m.end()
}

impl serde::Serialize for Streamed<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        struct Tracks<'a>(&'a Streamed<'a>);
        struct Stack<'a>(&'a Streamed<'a>);
        struct TrackOut<'a>(&'a Writer, &'a Track);
        struct Items<'a>(&'a Writer, &'a [Item]);
        impl serde::Serialize for Items<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                struct One<'a>(&'a Writer, &'a Item);
                impl serde::Serialize for One<'_> {
                    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                        direct::item(self.0, self.1, s)
                    }
                }
                let mut q = s.serialize_seq(Some(self.1.len()))?;
                for it in self.1 {
                    q.serialize_element(&One(self.0, it))?;
                }
                q.end()
            }
        }
        impl serde::Serialize for TrackOut<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let fields = self.0.track_fields(self.1);
                map_with(s, &fields, "children", &|m| {
                    m.serialize_value(&Items(self.0, &self.1.items))
                })
            }
        }
        impl serde::Serialize for Tracks<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut q = s.serialize_seq(Some(self.0.tl.tracks.len()))?;
                for t in &self.0.tl.tracks {
                    q.serialize_element(&TrackOut(&self.0.w, t))?;
                }
                q.end()
            }
        }
        impl serde::Serialize for Stack<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                map_with(s, &self.0.stack, "children", &|m| {
                    m.serialize_value(&Tracks(self.0))
                })
            }
        }
        map_with(s, &self.top, "tracks", &|m| m.serialize_value(&Stack(self)))
    }
}

/// Write the timeline as OTIO JSON (pretty-printed, 4 spaces like OpenTimelineIO's own writer)
/// into `out`, item by item.
pub fn write_to(tl: &Timeline, out: impl std::io::Write) -> std::io::Result<()> {
    let (w, top, stack) = containers(tl);
    let doc = Streamed { w, tl, top, stack };
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    serde::Serialize::serialize(&doc, &mut ser).map_err(std::io::Error::other)?;
    std::io::Write::flush(&mut out)
}

/// OTIO has no drop-frame flag: it lives in `metadata.cutbridge.drop_frame`, written when set (or
/// when the file already had the key), so that a drop-frame timeline stays drop-frame.
fn set_drop_frame(metadata: &mut Obj, drop_frame: bool) {
    let present = metadata
        .get("cutbridge")
        .and_then(|c| c.get("drop_frame"))
        .is_some();
    if !drop_frame && !present {
        return;
    }
    let entry = metadata
        .entry("cutbridge")
        .or_insert_with(|| Value::Object(Obj::new()));
    if !entry.is_object() {
        *entry = Value::Object(Obj::new());
    }
    if let Value::Object(c) = entry {
        c.insert("drop_frame".into(), json!(drop_frame));
    }
}

/// The timeline as OTIO JSON text (pretty-printed, 4 spaces like OpenTimelineIO's own writer).
pub fn write_string(tl: &Timeline) -> String {
    let mut buf = Vec::new();
    write_to(tl, &mut buf).expect("writing to memory cannot fail");
    String::from_utf8(buf).expect("serde_json writes UTF-8")
}
