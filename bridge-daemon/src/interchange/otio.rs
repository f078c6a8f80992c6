//! OpenTimelineIO JSON: read into the timeline model, write back.
//!
//! Reading keeps what it does not interpret (metadata, unknown fields, effects other than
//! `LinearTimeWarp`, other media references) and writing puts it back, so a round trip through
//! CutBridge loses nothing an NLE wrote. Errors name the JSON path of the problem.

use protocol::{
    Clip, FrameRange, Gap, Item, Marker, Media, Rate, Timeline, Track, TrackKind, Transition,
};
use serde_json::{Map, Value, json};

use super::{MAX_FRAMES, ReadError, SPEEDS, num};

/// Timeline-level fields of the OTIO Stack that holds the tracks, kept for the round trip.
const STACK_EXTRA: &str = "otio.stack";
/// The rate the file wrote, when it differs in spelling from ours (29.97 vs 30000/1001).
const RATE_SPELLING: &str = "otio.rate";

type Obj = Map<String, Value>;

struct Reader {
    rate_f: f64,
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
    fn frames(&self, v: &Value, path: &str) -> Result<i64, ReadError> {
        let (value, rate) = rational(v, path)?;
        let frames = if (rate - self.rate_f).abs() < 1e-3 {
            value
        } else {
            value * self.rate_f / rate
        };
        if !frames.is_finite() || frames.abs() > MAX_FRAMES as f64 {
            return Err(err(
                path,
                format!(
                    "{} at {} fps is out of range at the timeline's {} fps",
                    num(value),
                    num(rate),
                    num(self.rate_f)
                ),
            ));
        }
        Ok(frames.round() as i64)
    }

    fn range(&self, v: &Value, path: &str) -> Result<FrameRange, ReadError> {
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
            let range = self.range(
                mo.get("marked_range").unwrap_or(&Value::Null),
                &format!("{p}.marked_range"),
            )?;
            out.push(Marker {
                name: string(mo, "name"),
                color: string(mo, "color").to_ascii_uppercase(),
                range,
                comment: string(mo, "comment"),
                metadata: map(mo, "metadata"),
                extra: rest(
                    mo,
                    &[
                        "OTIO_SCHEMA",
                        "name",
                        "color",
                        "marked_range",
                        "comment",
                        "metadata",
                    ],
                ),
            });
        }
        Ok(out)
    }

    fn media(&self, v: &Value, path: &str) -> Result<Media, ReadError> {
        let o = obj(v, path)?;
        let (name, _) = schema_of(o, path)?;
        let available = match o.get("available_range") {
            Some(Value::Null) | None => None,
            Some(r) => Some(self.range(r, &format!("{path}.available_range"))?),
        };
        let url = (name == "ExternalReference")
            .then(|| string(o, "target_url"))
            .filter(|u| !u.is_empty());
        Ok(Media {
            url,
            name: string(o, "name"),
            available,
            metadata: map(o, "metadata"),
            nested: None,
            extra: rest(o, &["name", "target_url", "available_range", "metadata"]),
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
            extra.insert("active_media_reference_key".into(), json!(key));
            (media, extra)
        } else {
            let media = match o.get("media_reference") {
                Some(Value::Null) | None => Media::default(),
                Some(r) => self.media(r, &format!("{path}.media_reference"))?,
            };
            (media, Obj::new())
        };
        let source = match o.get("source_range") {
            Some(Value::Null) | None => media.available.ok_or_else(|| {
                err(
                    path,
                    "clip has neither a source_range nor a media available_range",
                )
            })?,
            Some(r) => self.range(r, &format!("{path}.source_range"))?,
        };
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

    fn track(&self, v: &Value, path: &str) -> Result<Track, ReadError> {
        let o = obj(v, path)?;
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
        let mut items = Vec::new();
        let children = o
            .get("children")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (i, c) in children.iter().enumerate() {
            let p = format!("{path}.children[{i}]");
            let co = obj(c, &p)?;
            let (name, version) = schema_of(co, &p)?;
            let item = match name {
                "Clip" => Item::Clip(self.clip(co, &p)?),
                "Gap" => {
                    expect_schema(co, &p, "Gap", &[1])?;
                    let duration = match co.get("source_range") {
                        Some(Value::Null) | None => 0,
                        Some(r) => self.range(r, &format!("{p}.source_range"))?.duration,
                    };
                    Item::Gap(Gap {
                        duration,
                        extra: rest(co, &["OTIO_SCHEMA", "source_range"]),
                    })
                }
                "Transition" => {
                    expect_schema(co, &p, "Transition", &[1])?;
                    let in_offset = self.frames(
                        co.get("in_offset").unwrap_or(&Value::Null),
                        &format!("{p}.in_offset"),
                    )?;
                    let out_offset = self.frames(
                        co.get("out_offset").unwrap_or(&Value::Null),
                        &format!("{p}.out_offset"),
                    )?;
                    for (name, f) in [("in_offset", in_offset), ("out_offset", out_offset)] {
                        if f < 0 {
                            return Err(err(
                                &format!("{p}.{name}"),
                                format!("negative offset {f}"),
                            ));
                        }
                    }
                    Item::Transition(Transition {
                        name: string(co, "name"),
                        kind: string(co, "transition_type"),
                        in_offset,
                        out_offset,
                        metadata: map(co, "metadata"),
                        extra: rest(
                            co,
                            &[
                                "OTIO_SCHEMA",
                                "name",
                                "transition_type",
                                "in_offset",
                                "out_offset",
                                "metadata",
                            ],
                        ),
                    })
                }
                "Stack" | "Track" => {
                    return Err(err(
                        &p,
                        "nested stacks and tracks (compound clips) are not supported",
                    ));
                }
                _ => return Err(err(&p, format!("unknown item schema {name}.{version}"))),
            };
            items.push(item);
        }
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
                ],
            ),
        })
    }
}

/// A rate and the JSON path it was found at.
type FoundRate = Option<(f64, String)>;

/// Find the timeline's rate: the first clip's, else the start time's, else any rate in the file;
/// with the JSON path it was found at, for errors.
fn find_rate(root: &Value) -> FoundRate {
    fn walk(v: &Value, path: &str, found: &dyn Fn(&Obj, &str) -> FoundRate) -> FoundRate {
        match v {
            Value::Object(o) => found(o, path).or_else(|| {
                o.iter()
                    .find_map(|(k, c)| walk(c, &format!("{path}.{k}"), found))
            }),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .find_map(|(i, c)| walk(c, &format!("{path}[{i}]"), found)),
            _ => None,
        }
    }
    let clip_rate = |o: &Obj, path: &str| {
        let is_clip = o
            .get("OTIO_SCHEMA")
            .and_then(Value::as_str)
            .is_some_and(|s| s.starts_with("Clip."));
        let rate = o
            .get("source_range")
            .and_then(|r| r.get("duration"))
            .and_then(|d| d.get("rate"))
            .and_then(Value::as_f64);
        match (is_clip, rate) {
            (true, Some(r)) => Some((r, format!("{path}.source_range.duration.rate"))),
            _ => None,
        }
    };
    let any_rate = |o: &Obj, path: &str| {
        o.get("rate")
            .and_then(Value::as_f64)
            .map(|r| (r, format!("{path}.rate")))
    };
    walk(root, "$", &clip_rate)
        .or_else(|| {
            root.get("global_start_time")
                .and_then(|g| g.get("rate"))
                .and_then(Value::as_f64)
                .map(|r| (r, "$.global_start_time.rate".to_string()))
        })
        .or_else(|| walk(root, "$", &any_rate))
}

/// Read an OTIO JSON document (a `Timeline.1`).
pub fn read_str(text: &str) -> Result<Timeline, ReadError> {
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
    let (rate_f, rate_path) =
        find_rate(&root).ok_or_else(|| err("$", "no frame rate anywhere in the timeline"))?;
    let rate = Rate::from_f64(rate_f).map_err(|e| err(&rate_path, e.to_string()))?;
    let reader = Reader { rate_f };
    let start_frame = match o.get("global_start_time") {
        Some(Value::Null) | None => 0,
        Some(g) => reader.frames(g, "$.global_start_time")?,
    };
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
    Ok(tl)
}

struct Writer {
    rate: f64,
}

impl Writer {
    fn time(&self, frames: i64) -> Value {
        json!({"OTIO_SCHEMA": "RationalTime.1", "rate": self.rate, "value": frames as f64})
    }

    fn range(&self, r: FrameRange) -> Value {
        json!({"OTIO_SCHEMA": "TimeRange.1", "duration": self.time(r.duration), "start_time": self.time(r.start)})
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
                    o.insert("marked_range".into(), self.range(m.range));
                    o.insert("comment".into(), json!(m.comment));
                    o.extend(m.extra.clone());
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
            m.available.map_or(Value::Null, |r| self.range(r)),
        );
        if let Some(url) = &m.url {
            o.insert("target_url".into(), json!(url));
        }
        o.extend(
            m.extra
                .iter()
                .filter(|(k, _)| *k != "OTIO_SCHEMA")
                .map(|(k, v)| (k.clone(), v.clone())),
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
        o.insert("source_range".into(), self.range(c.source));
        let mut effects = c.effects.clone();
        if c.speed != 1.0 {
            effects.push(json!({
                "OTIO_SCHEMA": "LinearTimeWarp.1", "metadata": {}, "name": "", "effect_name": "LinearTimeWarp",
                "time_scalar": c.speed
            }));
        }
        o.insert("effects".into(), Value::Array(effects));
        o.insert("markers".into(), self.markers(&c.markers));
        o.insert("enabled".into(), json!(c.enabled));
        let mut extra = c.extra.clone();
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

    fn item(&self, it: &Item) -> Value {
        match it {
            Item::Clip(c) => self.clip(c),
            Item::Gap(g) => {
                let mut o = Obj::new();
                o.insert("OTIO_SCHEMA".into(), json!("Gap.1"));
                o.insert("metadata".into(), json!({}));
                o.insert("name".into(), json!(""));
                o.insert(
                    "source_range".into(),
                    self.range(FrameRange::new(0, g.duration)),
                );
                o.insert("effects".into(), json!([]));
                o.insert("markers".into(), json!([]));
                o.insert("enabled".into(), json!(true));
                o.extend(
                    g.extra
                        .iter()
                        .filter(|(k, _)| !o_has_gap_key(k))
                        .map(|(k, v)| (k.clone(), v.clone())),
                );
                Value::Object(o)
            }
            Item::Transition(t) => {
                let mut o = Obj::new();
                o.insert("OTIO_SCHEMA".into(), json!("Transition.1"));
                o.insert("metadata".into(), Value::Object(t.metadata.clone()));
                o.insert("name".into(), json!(t.name));
                o.insert("in_offset".into(), self.time(t.in_offset));
                o.insert("out_offset".into(), self.time(t.out_offset));
                o.insert("transition_type".into(), json!(t.kind));
                o.extend(t.extra.clone());
                Value::Object(o)
            }
        }
    }

    fn track(&self, t: &Track) -> Value {
        let mut o = Obj::new();
        o.insert("OTIO_SCHEMA".into(), json!("Track.1"));
        o.insert("metadata".into(), Value::Object(t.metadata.clone()));
        o.insert("name".into(), json!(t.name));
        o.insert("source_range".into(), Value::Null);
        o.insert("effects".into(), json!([]));
        o.insert("markers".into(), self.markers(&t.markers));
        o.insert("enabled".into(), json!(t.enabled));
        o.insert(
            "children".into(),
            Value::Array(t.items.iter().map(|i| self.item(i)).collect()),
        );
        o.insert(
            "kind".into(),
            json!(if t.kind == TrackKind::Video {
                "Video"
            } else {
                "Audio"
            }),
        );
        o.extend(t.extra.clone());
        Value::Object(o)
    }
}

fn o_has_gap_key(k: &str) -> bool {
    matches!(k, "OTIO_SCHEMA" | "source_range")
}

/// The timeline as an OTIO JSON value.
pub fn to_value(tl: &Timeline) -> Value {
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
    stack.insert(
        "children".into(),
        Value::Array(tl.tracks.iter().map(|t| w.track(t)).collect()),
    );
    let mut metadata = tl.metadata.clone();
    set_drop_frame(&mut metadata, tl.drop_frame);
    let mut o = Obj::new();
    o.insert("OTIO_SCHEMA".into(), json!("Timeline.1"));
    o.insert("metadata".into(), Value::Object(metadata));
    o.insert("name".into(), json!(tl.name));
    o.insert("global_start_time".into(), w.time(tl.start_frame));
    o.insert("tracks".into(), Value::Object(stack));
    o.extend(
        tl.extra
            .iter()
            .filter(|(k, _)| !k.starts_with("otio."))
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    Value::Object(o)
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
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(&to_value(tl), &mut ser).expect("a JSON value always serializes");
    String::from_utf8(buf).expect("serde_json writes UTF-8")
}
