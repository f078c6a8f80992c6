//! The FCP7 XML (xmeml) and FCPXML readers.
//!
//! - Against OpenTimelineIO: `tests/interchange/make_xml_samples.py` builds timelines in Python,
//!   writes them with otio-fcp-adapter and otio-fcpx-xml-adapter, and prints what the same
//!   adapters read back; each file must read here as the adapter read it (clips, gaps,
//!   transitions, source and record ranges in frames at the timeline's rate, compound clips and
//!   their insides, markers).
//! - Against our own writers: a timeline written by `interchange::xmeml` / `interchange::fcpxml`
//!   reads back the same.
//! - Hand-written files in `tests/data/xml/`, shaped like what Premiere Pro, Final Cut Pro 7 and
//!   Final Cut Pro export, with every value checked.
//! - Whatever text they are given, the readers never panic.
//!
//! Needs python3 and `pip install -r requirements-dev.txt`; without them the OpenTimelineIO tests
//! fail (they never skip).

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::python::python;
use interchange::{ReadError, Reading, fcpxml, fcpxml_read, xmeml, xmeml_read};
use protocol::{
    Clip, DISSOLVE, FrameRange, Gap, Item, Marker, Media, MediaKind, Rate, Timeline, Track,
    TrackKind, Transition,
};
use serde_json::{Map, Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn data(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/xml")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The files the adapters wrote and what they read back (made once per test run).
struct Samples {
    dir: tempfile::TempDir,
    files: Vec<Value>,
}

fn samples() -> &'static Samples {
    static SAMPLES: OnceLock<Samples> = OnceLock::new();
    SAMPLES.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let script = repo().join("tests/interchange/make_xml_samples.py");
        let out = python([script.as_os_str(), dir.path().as_os_str()]);
        let v: Value =
            serde_json::from_slice(&out.stdout).expect("make_xml_samples.py prints JSON");
        let files = v["files"].as_array().expect("files").clone();
        Samples { dir, files }
    })
}

/// The sample written by `adapter`: its text and what the adapter read back.
fn sample(adapter: &str) -> (String, &'static Value) {
    let s = samples();
    let f = s
        .files
        .iter()
        .find(|f| f["adapter"] == adapter)
        .unwrap_or_else(|| panic!("no {adapter} sample"));
    let path = s.dir.path().join(f["file"].as_str().expect("file"));
    let text = std::fs::read_to_string(&path).expect("read the sample");
    (text, f)
}

// ------------------------------------------------------------------------------------------
// What a reading looks like in the script's JSON shape.
// ------------------------------------------------------------------------------------------

fn range_json(r: FrameRange) -> Value {
    json!([r.start, r.duration])
}

fn marker_json(m: &Marker, colors: bool) -> Value {
    if colors {
        json!({"name": m.name, "color": m.color, "range": range_json(m.range)})
    } else {
        json!({"name": m.name, "range": range_json(m.range)})
    }
}

/// Each item of a track as the script prints the adapter's (`colors`: compare marker colors).
fn items_json(t: &Track, colors: bool) -> Vec<Value> {
    let mut out = Vec::new();
    let mut pos = 0;
    for (i, it) in t.items.iter().enumerate() {
        match it {
            Item::Gap(g) => out.push(json!({"type": "gap", "record": [pos, g.duration]})),
            Item::Transition(tr) => {
                let next = t.items[..=i].iter().map(Item::duration).sum::<i64>();
                out.push(json!({
                    "type": "transition", "in": tr.in_offset, "out": tr.out_offset, "record": next,
                }));
            }
            Item::Clip(c) => {
                let markers: Vec<Value> =
                    c.markers.iter().map(|m| marker_json(m, colors)).collect();
                let record = json!([pos, c.source.duration]);
                if let Some(n) = &c.media.nested {
                    out.push(json!({
                        "type": "stack",
                        "name": c.name,
                        "source": range_json(c.source),
                        "record": record,
                        "markers": markers,
                        "tracks": n.tracks.iter().map(|t| track_json(t, colors)).collect::<Vec<_>>(),
                    }));
                } else {
                    out.push(json!({
                        "type": "clip",
                        "name": c.name,
                        "media": c.media_file_name(),
                        "source": range_json(c.source),
                        "record": record,
                        "speed": c.speed,
                        "enabled": c.enabled,
                        "markers": markers,
                    }));
                }
            }
        }
        pos += it.duration();
    }
    out
}

fn track_json(t: &Track, colors: bool) -> Value {
    let kind = match t.kind {
        TrackKind::Video => "Video",
        TrackKind::Audio => "Audio",
    };
    json!({"kind": kind, "items": items_json(t, colors)})
}

/// The adapter's reading with what is not compared taken out: track names, and marker colors
/// unless `colors`.
fn adapter_track(t: &Value, colors: bool) -> Value {
    let mut items = Vec::new();
    for it in t["items"].as_array().expect("items") {
        let mut it = it.clone();
        let o = it.as_object_mut().expect("an item");
        if let Some(Value::Array(ms)) = o.get_mut("markers") {
            for m in ms.iter_mut() {
                let mo = m.as_object_mut().expect("a marker");
                if !colors {
                    mo.remove("color");
                }
            }
        }
        if let Some(Value::Array(ts)) = o.get("tracks").cloned().as_ref() {
            let inner: Vec<Value> = ts.iter().map(|t| adapter_track(t, colors)).collect();
            o.insert("tracks".into(), json!(inner));
        }
        items.push(it);
    }
    json!({"kind": t["kind"], "items": items})
}

fn read7(text: &str) -> Reading {
    xmeml_read::read_str(text).unwrap_or_else(|e| panic!("the FCP7 XML does not read: {e}"))
}

fn read_x(text: &str) -> Reading {
    fcpxml_read::read_str(text).unwrap_or_else(|e| panic!("the FCPXML does not read: {e}"))
}

fn track<'a>(tl: &'a Timeline, name: &str) -> &'a Track {
    tl.tracks
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no track {name}: {:?}", names(tl)))
}

fn names(tl: &Timeline) -> Vec<&str> {
    tl.tracks.iter().map(|t| t.name.as_str()).collect()
}

fn clips(t: &Track) -> Vec<(FrameRange, &Clip)> {
    t.clips_with_ranges().map(|(_, r, c)| (r, c)).collect()
}

fn has_note(r: &Reading, parts: &[&str]) -> bool {
    r.notes.iter().any(|n| parts.iter().all(|p| n.contains(p)))
}

// ------------------------------------------------------------------------------------------
// FCP7 XML against otio-fcp-adapter.
// ------------------------------------------------------------------------------------------

#[test]
fn fcp7_reads_as_the_otio_adapter_reads_it() {
    let (text, f) = sample("fcp_xml");
    let r = read7(&text);
    let tl = &r.timeline;
    let want = &f["timeline"];
    assert_eq!(tl.rate, Rate::FPS_24);
    assert_eq!(tl.name, want["name"]);
    assert_eq!(json!(tl.start_frame), want["global_start"]);
    assert_eq!(names(tl), ["V1", "V2", "A1"]);
    let theirs = want["tracks"].as_array().expect("tracks");
    assert_eq!(tl.tracks.len(), theirs.len());
    for (mine, theirs) in tl.tracks.iter().zip(theirs) {
        // otio-fcp-adapter reads no marker colors.
        assert_eq!(
            track_json(mine, false),
            adapter_track(theirs, false),
            "track {}",
            mine.name
        );
    }
    let markers: Vec<Value> = tl.markers.iter().map(|m| marker_json(m, false)).collect();
    let theirs: Vec<Value> = want["markers"]
        .as_array()
        .expect("markers")
        .iter()
        .map(|m| json!({"name": m["name"], "range": m["range"]}))
        .collect();
    assert_eq!(markers, theirs);
    // What the adapter does not print: media kinds and the compound clip's media range.
    let v2 = track(tl, "V2");
    let slug = clips(v2)[0].1;
    assert_eq!(slug.media.kind(), MediaKind::Generator("Slug"));
    let nest = clips(v2)[1].1;
    assert_eq!(nest.media.kind(), MediaKind::Nested);
    assert_eq!(nest.media.available, Some(FrameRange::new(0, 60)));
    let pal = clips(track(tl, "V1"))[2].1;
    assert_eq!(pal.media.url.as_deref(), Some("/media/pal.mov"));
    assert_eq!(pal.media.available, Some(FrameRange::new(0, 960)));
    assert!(r.notes.is_empty(), "{:#?}", r.notes);
}

// ------------------------------------------------------------------------------------------
// FCPXML against otio-fcpx-xml-adapter.
// ------------------------------------------------------------------------------------------

#[test]
fn fcpxml_reads_as_the_otio_adapter_reads_it() {
    let (text, f) = sample("fcpx_xml");
    let r = read_x(&text);
    let tl = &r.timeline;
    let want = &f["timeline"];
    assert_eq!(tl.rate, Rate::FPS_25);
    assert_eq!(tl.name, want["name"]);
    assert_eq!(tl.start_frame, 0);
    assert_eq!(names(tl), ["V1", "A1"]);
    // The adapter names its tracks by lane: the spine is lane 0, the music lies on lane -1.
    for t in want["tracks"].as_array().expect("tracks") {
        let mine = match t["name"].as_str() {
            Some("0") => "V1",
            Some("-1") => "A1",
            other => panic!("unexpected lane {other:?}"),
        };
        assert_eq!(
            track_json(track(tl, mine), true),
            adapter_track(t, true),
            "track {mine}"
        );
    }
    let v1 = clips(track(tl, "V1"));
    assert_eq!(v1[1].1.media.kind(), MediaKind::Nested);
    assert_eq!(v1[1].1.media.available, Some(FrameRange::new(0, 60)));
    assert_eq!(v1[2].1.media.url.as_deref(), Some("/media/film.mov"));
    // 1000 frames of 24 fps media are not a whole number of frames at 25.
    assert_eq!(r.notes.len(), 1, "{:#?}", r.notes);
    assert!(
        has_note(
            &r,
            &[
                "asset[4]",
                "media end is 1041.667 frames",
                "rounded to 1042"
            ]
        ),
        "{:#?}",
        r.notes
    );
}

// ------------------------------------------------------------------------------------------
// FCP7 XML against our own writer.
// ------------------------------------------------------------------------------------------

fn media(url: &str, start: i64, len: i64) -> Media {
    Media {
        url: Some(url.into()),
        name: String::new(),
        available: Some(FrameRange::new(start, len)),
        ..Media::default()
    }
}

fn new_clip(name: &str, media: Media, start: i64, duration: i64) -> Clip {
    Clip::new(name, media, FrameRange::new(start, duration))
}

fn marker(name: &str, color: &str, start: i64, duration: i64) -> Marker {
    Marker {
        name: name.into(),
        color: color.into(),
        range: FrameRange::new(start, duration),
        comment: format!("{name} comment"),
        metadata: Map::new(),
        extra: Map::new(),
    }
}

fn dissolve(in_offset: i64, out_offset: i64) -> Item {
    Item::Transition(Transition {
        name: "Cross Dissolve".into(),
        kind: DISSOLVE.into(),
        in_offset,
        out_offset,
        metadata: Map::new(),
        extra: Map::new(),
    })
}

fn gap(duration: i64) -> Item {
    Item::Gap(Gap {
        duration,
        extra: Map::new(),
    })
}

/// A timeline with what our writers write: handles, a media timecode, dissolves (centred and
/// one-sided), a retimed clip under a dissolve, gaps, markers of every kind, linked sound.
fn writer_timeline(rate: Rate, start_frame: i64, drop_frame: bool) -> Timeline {
    let a = "/Volumes/Media/A cam.mov";
    let b = "/Volumes/Media/b-roll.mov";
    let mut c1 = new_clip("Take 1", media(a, 90_000, 5000), 90_100, 48);
    c1.markers.push(marker("smile", "RED", 90_120, 0));
    c1.markers.push(marker("hold", "RED", 90_130, 6));
    let c2 = new_clip("Take 2", media(a, 90_000, 5000), 91_000, 60);
    let mut c3 = new_clip("Fast", media(b, 0, 3000), 500, 40);
    c3.speed = 2.0;
    let c4 = new_clip("Slow", media(b, 0, 3000), 1000, 30);
    let mut c4 = c4;
    c4.speed = 0.5;
    let v1 = vec![
        Item::Clip(c1.clone()),
        dissolve(6, 6),
        Item::Clip(c2.clone()),
        dissolve(0, 8),
        Item::Clip(c3.clone()),
        gap(12),
        Item::Clip(c4.clone()),
    ];
    let mut v1 = Track::new("V1", TrackKind::Video, v1);
    v1.markers.push(marker("scene", "RED", 30, 0));
    let a1 = Track::new(
        "A1",
        TrackKind::Audio,
        vec![
            Item::Clip(c1.clone()),
            Item::Clip(c2.clone()),
            gap(50),
            Item::Clip(new_clip(
                "Music",
                media("/Volumes/Media/music.wav", 0, 9000),
                0,
                40,
            )),
        ],
    );
    let mut v2 = Track::new(
        "V2",
        TrackKind::Video,
        vec![
            gap(20),
            Item::Clip(new_clip(
                "Logo",
                media("/Volumes/Media/logo.png", 0, 1),
                0,
                25,
            )),
        ],
    );
    v2.enabled = false;
    Timeline {
        name: "Writer round trip".into(),
        rate,
        start_frame,
        drop_frame,
        tracks: vec![v1, v2, a1],
        markers: vec![marker("act", "RED", 100, 10)],
        subtitles: Vec::new(),
        metadata: Map::new(),
        extra: Map::new(),
    }
}

/// Each item of each track in short: what a reader must get back from a writer.
fn summary(t: &Track) -> Vec<String> {
    let mut pos = 0;
    let mut out = Vec::new();
    for it in &t.items {
        out.push(match it {
            Item::Clip(c) => {
                let markers: Vec<String> = c
                    .markers
                    .iter()
                    .map(|m| format!("{}@{}+{}", m.name, m.range.start, m.range.duration))
                    .collect();
                format!(
                    "clip {:?} {:?} src {}+{} rec {pos} x{} enabled {} markers {markers:?}",
                    c.name, c.media.url, c.source.start, c.source.duration, c.speed, c.enabled
                )
            }
            Item::Gap(g) => format!("gap {}", g.duration),
            Item::Transition(t) => {
                format!("transition {} {} {}", t.kind, t.in_offset, t.out_offset)
            }
        });
        pos += it.duration();
    }
    out
}

#[test]
fn fcp7_reads_what_our_writer_writes() {
    for (rate, start, df) in [
        (Rate::FPS_25, 90_000, false),
        (Rate::FPS_29_97, 107_892, true),
        (Rate::FPS_23_976, 0, false),
    ] {
        let tl = writer_timeline(rate, start, df);
        let text = xmeml::write_string(&tl);
        let r = read7(&text);
        let back = &r.timeline;
        assert_eq!(back.rate, rate);
        assert_eq!(back.start_frame, start);
        assert_eq!(back.drop_frame, df);
        assert_eq!(back.name, tl.name);
        assert_eq!(names(back), ["V1", "V2", "A1"]);
        for t in &tl.tracks {
            let b = track(back, &t.name);
            assert_eq!(summary(b), summary(t), "{rate} fps, track {}", t.name);
            assert_eq!(b.enabled, t.enabled, "{}", t.name);
        }
        // V1's markers and the timeline's are the sequence's markers; point markers last 0.
        let seq: Vec<(String, i64, i64)> = back
            .markers
            .iter()
            .map(|m| (m.name.clone(), m.range.start, m.range.duration))
            .collect();
        assert_eq!(
            seq,
            [("scene".to_string(), 30, 0), ("act".to_string(), 100, 10)]
        );
        assert_eq!(back.markers[1].comment, "act comment");
        // Picture and sound of the same clip are linked, and only they.
        let v1 = clips(track(back, "V1"));
        let a1 = clips(track(back, "A1"));
        for i in 0..2 {
            assert!(v1[i].1.link.is_some(), "{:?}", v1[i].1.name);
            assert_eq!(v1[i].1.link, a1[i].1.link);
        }
        assert_ne!(v1[0].1.link, v1[1].1.link);
        assert_eq!(v1[2].1.link, None);
        assert_eq!(a1[2].1.link, None);
        assert_eq!(v1[0].1.media.available, Some(FrameRange::new(90_000, 5000)));
        assert!(r.notes.is_empty(), "{:#?}", r.notes);
    }
}

// ------------------------------------------------------------------------------------------
// FCPXML against our own writer.
// ------------------------------------------------------------------------------------------

/// Point markers come back from FCPXML one frame long, as Final Cut Pro makes them.
fn one_frame_points(t: &Track) -> Track {
    let mut t = t.clone();
    for it in &mut t.items {
        if let Item::Clip(c) = it {
            for m in &mut c.markers {
                m.range.duration = m.range.duration.max(1);
            }
        }
    }
    t
}

#[test]
fn fcpxml_reads_what_our_writer_writes() {
    for (rate, start, df) in [
        (Rate::FPS_25, 90_000, false),
        (Rate::FPS_29_97, 107_892, true),
        (Rate::FPS_23_976, 0, false),
    ] {
        let mut tl = writer_timeline(rate, start, df);
        // FCPXML has no track markers and no disabled connected tracks: markers of the timeline
        // are written on the spine item they fall on (here a gap), and V2 is on.
        tl.tracks[0].markers.clear();
        tl.markers = vec![marker("act", "RED", 150, 4)];
        tl.tracks[1].enabled = true;
        let text = fcpxml::write_string(&tl);
        let r = read_x(&text);
        let back = &r.timeline;
        assert_eq!(back.rate, rate);
        assert_eq!(back.start_frame, start);
        assert_eq!(back.drop_frame, df);
        assert_eq!(back.name, tl.name);
        // The spine is V1, lane 1 is V2, lane -1 is A1 (the spine clips' sound is not used).
        assert_eq!(names(back), ["V1", "V2", "A1"]);
        for t in &tl.tracks {
            let b = track(back, &t.name);
            assert_eq!(
                summary(b),
                summary(&one_frame_points(t)),
                "{rate} fps, track {}",
                t.name
            );
        }
        let m: Vec<(&str, i64, i64, &str)> = back
            .markers
            .iter()
            .map(|m| {
                (
                    m.name.as_str(),
                    m.range.start,
                    m.range.duration,
                    m.color.as_str(),
                )
            })
            .collect();
        assert_eq!(m, [("act", 150, 4, "RED")]);
        assert_eq!(back.markers[0].comment, "act comment");
        assert!(
            back.tracks
                .iter()
                .flat_map(|t| clips(t))
                .all(|(_, c)| c.link.is_none())
        );
        assert!(r.notes.is_empty(), "{rate}: {:#?}", r.notes);
    }
}

#[test]
fn fcpxml_spine_sound_is_a_linked_track() {
    // A1 is V1's own sound: written as the spine clips' audio, read back as a track of its own
    // whose clips are linked to their pictures, dissolves included.
    let a = "/Volumes/Media/A cam.mov";
    let mut c1 = new_clip("One", media(a, 0, 5000), 100, 50);
    c1.markers.push(marker("look", "GREEN", 110, 1));
    let c2 = new_clip("Two", media(a, 0, 5000), 1000, 40);
    let items = vec![Item::Clip(c1), dissolve(5, 5), Item::Clip(c2)];
    let tl = Timeline {
        name: "Sound".into(),
        rate: Rate::FPS_24,
        start_frame: 86_400,
        drop_frame: false,
        tracks: vec![
            Track::new("V1", TrackKind::Video, items.clone()),
            Track::new("A1", TrackKind::Audio, items),
        ],
        markers: Vec::new(),
        subtitles: Vec::new(),
        metadata: Map::new(),
        extra: Map::new(),
    };
    let r = read_x(&fcpxml::write_string(&tl));
    let back = &r.timeline;
    assert_eq!(names(back), ["V1", "A1"]);
    for t in &tl.tracks {
        assert_eq!(summary(track(back, &t.name)), summary(t), "{}", t.name);
    }
    let (v, a) = (clips(track(back, "V1")), clips(track(back, "A1")));
    assert!(v[0].1.link.is_some());
    assert_eq!(v[0].1.link, a[0].1.link);
    assert_eq!(v[1].1.link, a[1].1.link);
    assert_ne!(v[0].1.link, v[1].1.link);
    assert_eq!(v[0].1.markers[0].color, "GREEN");
    assert!(r.notes.is_empty(), "{:#?}", r.notes);
}

// ------------------------------------------------------------------------------------------
// Hand-written FCP7 XML.
// ------------------------------------------------------------------------------------------

#[test]
fn premiere_export_reads_whole() {
    let r = read7(&data("premiere_export.xml"));
    let tl = &r.timeline;
    assert_eq!(tl.name, "Interview Edit");
    assert_eq!(tl.rate, Rate::FPS_29_97);
    assert_eq!(tl.start_frame, 107_892);
    assert!(tl.drop_frame);
    // The second channel of the exploded stereo track is not a track of its own.
    assert_eq!(names(tl), ["V1", "V2", "A1", "A2"]);
    assert!(has_note(&r, &["exploded stereo"]));

    let v1 = track(tl, "V1");
    let tc = 1_078_920;
    assert_eq!(
        summary(v1),
        [
            format!(
                "clip \"Interview A\" Some(\"/Volumes/Media/Interview A.mov\") src {}+150 rec 0 x1 \
                 enabled true markers [\"Laugh@{}+0\"]",
                tc + 300,
                tc + 320
            ),
            "transition SMPTE_Dissolve 15 15".to_string(),
            // `in` reaches 15 frames into the handle under the dissolve.
            format!(
                "clip \"Interview A\" Some(\"/Volumes/Media/Interview A.mov\") src {}+150 rec 150 \
                 x1 enabled true markers []",
                tc + 1200
            ),
            "gap 30".to_string(),
            "clip \"B roll slow\" Some(\"/Volumes/Media/B roll.mov\") src 100+60 rec 330 x0.5 \
             enabled true markers []"
                .to_string(),
        ]
    );
    let c = clips(v1);
    assert_eq!(c[0].1.markers[0].color, "CYAN");
    assert_eq!(c[0].1.markers[0].comment, "she laughs");
    assert_eq!(c[0].1.media.available, Some(FrameRange::new(tc, 9000)));
    // The file is written once and referred to by id after.
    assert_eq!(c[1].1.media, c[0].1.media);
    // 2401 frames of 23.976 fps media are 3001.25 frames at 29.97.
    assert_eq!(c[2].1.media.available, Some(FrameRange::new(0, 3001)));
    assert!(
        has_note(
            &r,
            &[
                "clipitem[3]/file",
                "media end",
                "3001.25",
                "rounded to 3001"
            ]
        ),
        "{:#?}",
        r.notes
    );
    // Basic Motion is kept as an OTIO effect, and noted.
    assert_eq!(c[0].1.effects.len(), 1);
    assert_eq!(c[0].1.effects[0]["name"], "Basic Motion");
    assert_eq!(
        c[0].1.effects[0]["metadata"]["fcp_xml"]["parameter"]["value"],
        "120"
    );
    assert!(
        has_note(&r, &["clipitem[1]", "Basic Motion"]),
        "{:#?}",
        r.notes
    );

    let v2 = clips(track(tl, "V2"));
    assert_eq!(v2.len(), 1);
    assert_eq!(v2[0].0, FrameRange::new(30, 60));
    assert!(!v2[0].1.enabled);
    assert_eq!(v2[0].1.media.kind(), MediaKind::Generator("Slug"));
    assert_eq!(v2[0].1.media.url, None);

    // Links: picture and both sound channels of each take share the first clipitem's id.
    let a1 = clips(track(tl, "A1"));
    assert_eq!(a1.len(), 2);
    assert_eq!(c[0].1.link.as_deref(), Some("clipitem-1"));
    assert_eq!(a1[0].1.link.as_deref(), Some("clipitem-1"));
    assert_eq!(c[1].1.link.as_deref(), Some("clipitem-2"));
    assert_eq!(a1[1].1.link.as_deref(), Some("clipitem-2"));
    assert_eq!(c[2].1.link, None);
    assert_eq!(a1[1].1.source, FrameRange::new(tc + 1200, 150));

    let a2 = clips(track(tl, "A2"));
    assert_eq!(a2[0].1.name, "Music");
    assert_eq!(a2[0].1.media.available, Some(FrameRange::new(0, 14_400)));
    assert!(
        has_note(&r, &["Audio Levels (keyframed)"]),
        "{:#?}",
        r.notes
    );

    let m: Vec<(&str, &str, i64, i64, &str)> = tl
        .markers
        .iter()
        .map(|m| {
            (
                m.name.as_str(),
                m.color.as_str(),
                m.range.start,
                m.range.duration,
                m.comment.as_str(),
            )
        })
        .collect();
    assert_eq!(
        m,
        [
            ("Intro", "RED", 0, 0, "start here"),
            ("Chapter", "BLUE", 90, 30, "")
        ]
    );
}

#[test]
fn fcp7_project_reads_whole() {
    let r = read7(&data("fcp7_project.xml"));
    let tl = &r.timeline;
    // The sequence the others are nested in; the unused one is noted.
    assert_eq!(tl.name, "Main edit");
    assert_eq!(tl.rate, Rate::FPS_25);
    assert_eq!(tl.start_frame, 900_000);
    assert!(!tl.drop_frame);
    assert!(has_note(&r, &["Rough cut 1", "not read"]), "{:#?}", r.notes);
    assert!(
        !has_note(&r, &["Opening titles", "not read"]),
        "{:#?}",
        r.notes
    );
    assert_eq!(names(tl), ["V1", "V2", "A1"]);

    let v1 = track(tl, "V1");
    let interview = "Some(\"/Volumes/Footage/My Interview (1).mov\")";
    assert_eq!(
        summary(v1),
        [
            "transition SMPTE_Dissolve 0 10".to_string(),
            "clip \"Opening\" None src 5+60 rec 0 x1 enabled true markers []".to_string(),
            "clip \"Opening again\" None src 40+30 rec 60 x1 enabled true markers []".to_string(),
            "transition SMPTE_Dissolve 6 6".to_string(),
            format!(
                "clip \"Interview\" {interview} src 91000+110 rec 90 x1 enabled true markers []"
            ),
            "transition Custom 10 0".to_string(),
            format!(
                "clip \"Interview end\" {interview} src 92000+60 rec 200 x2 enabled true markers \
                 [\"look@92010+20\"]"
            ),
        ]
    );
    assert!(
        has_note(&r, &["Band Wipe", "not a dissolve"]),
        "{:#?}",
        r.notes
    );
    // Both compound clips show the one nested sequence, read into its own tracks.
    let c = clips(v1);
    for i in [0, 1] {
        let m = &c[i].1.media;
        assert_eq!(m.kind(), MediaKind::Nested);
        assert_eq!(m.available, Some(FrameRange::new(0, 75)));
        let n = m.nested.as_deref().expect("nested");
        assert_eq!(n.name, "Opening titles");
        assert_eq!(n.markers.len(), 1);
        assert_eq!(
            (n.markers[0].name.as_str(), n.markers[0].range.start),
            ("title in", 10)
        );
        let inner = clips(&n.tracks[0]);
        assert_eq!(inner.len(), 2);
        assert_eq!(inner[0].0, FrameRange::new(0, 50));
        assert_eq!(inner[0].1.media.kind(), MediaKind::Generator("Text"));
        assert_eq!(inner[0].1.media.name, "Text");
        assert_eq!(
            inner[0].1.media.metadata["fcp_xml"]["parameter"]["value"],
            "The Valley"
        );
        assert_eq!(inner[1].0, FrameRange::new(50, 25));
        // 00:00:10:00 of 25 fps media.
        assert_eq!(inner[1].1.source, FrameRange::new(250, 25));
        assert_eq!(inner[1].1.media.available, Some(FrameRange::new(250, 500)));
    }

    let v2 = track(tl, "V2");
    assert!(!v2.enabled);
    assert_eq!(summary(v2)[0], "gap 100");
    let off = clips(v2)[0].1;
    assert_eq!(off.media.kind(), MediaKind::Missing);
    assert_eq!(off.media.name, "lost.mov");
    assert_eq!(off.source, FrameRange::new(20, 50));

    let nar = clips(track(tl, "A1"))[0].1;
    assert_eq!(nar.media.available, Some(FrameRange::new(0, 400)));
    assert_eq!(nar.markers[0].color, "CYAN");
    assert_eq!(tl.markers[0].color, "YELLOW");
    assert_eq!(tl.markers[0].comment, "act one");
}

#[test]
fn fcp7_errors_name_the_place() {
    let err = |text: &str| match xmeml_read::read_str(text) {
        Ok(r) => panic!("read: {:?}", r.timeline),
        Err(e) => e,
    };
    match err("<xmeml><sequence><name>x</name>\n<rate><timebase>25</timebase></rat>") {
        ReadError::Syntax { line, .. } => assert_eq!(line, 2),
        e => panic!("{e}"),
    }
    let e = err("<fcpxml version=\"1.10\"/>").to_string();
    assert!(e.contains("not FCP7 XML"), "{e}");
    let seq = |track: &str| {
        format!(
            "<xmeml version=\"4\"><sequence><rate><timebase>25</timebase></rate><media><video>\n\
             <track>{track}</track></video></media></sequence></xmeml>"
        )
    };
    let clip = |start: &str, end: &str| {
        format!(
            "<clipitem><name>c</name><start>{start}</start><end>{end}</end><in>0</in></clipitem>"
        )
    };
    let e = err(&seq(&format!("{}{}", clip("0", "50"), clip("-1", "80")))).to_string();
    assert!(
        e.starts_with("line 2: /xmeml/sequence/media/video/track/clipitem[2]:"),
        "{e}"
    );
    assert!(e.contains("no transition comes before it"), "{e}");
    let e = err(&seq(&format!("{}{}", clip("0", "50"), clip("40", "80")))).to_string();
    assert!(e.contains("before the item before it ends"), "{e}");
    let e = err(&seq(&clip("0", "x"))).to_string();
    assert!(
        e.contains("/clipitem/end") && e.contains("not a whole number"),
        "{e}"
    );
    let e = err(&seq("")).to_string();
    assert!(e.contains("empty"), "{e}");
    let e = err("<xmeml><sequence><name>x</name></sequence></xmeml>").to_string();
    assert!(e.contains("no <rate>"), "{e}");
    // A sequence inside itself.
    let e = err(
        "<xmeml><sequence id=\"s\"><rate><timebase>25</timebase></rate><media><video><track>\
         <clipitem><start>0</start><end>5</end><in>0</in><sequence id=\"s\"/></clipitem>\
         </track></video></media></sequence></xmeml>",
    )
    .to_string();
    assert!(e.contains("contains itself"), "{e}");
}

// ------------------------------------------------------------------------------------------
// Hand-written FCPXML.
// ------------------------------------------------------------------------------------------

fn markers_of(c: &Clip) -> Vec<(&str, &str, i64, i64)> {
    c.markers
        .iter()
        .map(|m| {
            (
                m.name.as_str(),
                m.color.as_str(),
                m.range.start,
                m.range.duration,
            )
        })
        .collect()
}

#[test]
fn fcpxml_1_8_export_reads_whole() {
    let r = read_x(&data("fcpxml_1_8.fcpxml"));
    let tl = &r.timeline;
    assert_eq!(tl.name, "Doc cut");
    assert_eq!(tl.rate, Rate::FPS_23_976);
    assert_eq!(tl.start_frame, 86_400);
    assert!(!tl.drop_frame);
    assert_eq!(names(tl), ["V1", "V2", "V3", "A1", "A2"]);
    let cam = "Some(\"/Users/ed/Movies/Interview A.mov\")";
    let take1 = format!(
        "clip \"Interview 1\" {cam} src 86640+120 rec 0 x1 enabled true markers \
         [\"Standard@86650+1\", \"Fix color@86660+1\", \"Chapter 1@86645+1\"]"
    );
    let take2 =
        format!("clip \"Interview 2\" {cam} src 88400+96 rec 120 x1 enabled true markers []");
    let take4 =
        format!("clip \"Interview 4\" {cam} src 90400+24 rec 312 x1 enabled false markers []");
    assert_eq!(
        summary(track(tl, "V1")),
        [
            take1.clone(),
            "transition SMPTE_Dissolve 12 12".to_string(),
            take2.clone(),
            "gap 48".to_string(),
            // A timeMap of half speed; srcEnable="video": no sound.
            format!("clip \"Interview 3\" {cam} src 89400+48 rec 264 x0.5 enabled true markers []"),
            take4.clone(),
        ]
    );
    // The clips' own sound, with the crossfade.
    assert_eq!(
        summary(track(tl, "A1")),
        [
            take1,
            "transition SMPTE_Dissolve 12 12".to_string(),
            take2,
            "gap 96".to_string(),
            take4,
        ]
    );
    let (v1, a1) = (clips(track(tl, "V1")), clips(track(tl, "A1")));
    for (v, a) in [(0, 0), (1, 1), (3, 2)] {
        assert!(v1[v].1.link.is_some());
        assert_eq!(v1[v].1.link, a1[a].1.link);
    }
    assert_eq!(v1[2].1.link, None);
    let c = v1[0].1;
    assert_eq!(
        markers_of(c),
        [
            ("Standard", "PURPLE", 86_650, 1),
            ("Fix color", "RED", 86_660, 1),
            ("Chapter 1", "ORANGE", 86_645, 1)
        ]
    );
    assert_eq!(c.markers[0].comment, "a plain marker");
    assert_eq!(
        c.metadata["keywords"],
        json!([{"value": "interview, Jane", "range": [86_640, 60]}])
    );
    assert_eq!(c.metadata["audio_role"], "dialogue");
    assert_eq!(c.media.available, Some(FrameRange::new(86_400, 24_000)));
    assert_eq!(c.effects.len(), 2);
    assert!(has_note(
        &r,
        &[
            "asset-clip[1]",
            "effects",
            "adjust-volume",
            "Gaussian Blur (keyframed)"
        ]
    ));
    assert!(has_note(&r, &["audio role \"dialogue\""]));
    assert!(has_note(&r, &["audio role \"music\""]));
    // The connected title (lane 1), from the clip's local time.
    let v2 = clips(track(tl, "V2"));
    assert_eq!(v2[0].0, FrameRange::new(24, 48));
    assert_eq!(v2[0].1.name, "Lower third");
    assert_eq!(v2[0].1.media.kind(), MediaKind::Generator("Basic Title"));
    assert_eq!(v2[0].1.media.metadata["text"], "Jane Doe");
    // The storyline on lane 2 of the gap: 25 fps media, frame-sampled, not whole frames here.
    assert_eq!(
        summary(track(tl, "V3"))[1..],
        [
            "clip \"B roll 1\" Some(\"/Users/ed/Movies/broll25.mov\") src 48+24 rec 216 x1 enabled true markers []",
            "clip \"B roll 2\" Some(\"/Users/ed/Movies/broll25.mov\") src 240+24 rec 240 x1 enabled true markers []",
        ]
    );
    assert!(
        has_note(
            &r,
            &["gap/spine/asset-clip[1]", "47.952 frames", "rounded to 48"]
        ),
        "{:#?}",
        r.notes
    );
    // The music below the spine.
    let a2 = clips(track(tl, "A2"));
    assert_eq!(a2[0].0, FrameRange::new(0, 300));
    assert_eq!(
        a2[0].1.media.url.as_deref(),
        Some("/Users/ed/Music/theme.m4a")
    );
    // The marker on the spine's gap marks the timeline.
    let m: Vec<(&str, &str, i64)> = tl
        .markers
        .iter()
        .map(|m| (m.name.as_str(), m.color.as_str(), m.range.start))
        .collect();
    assert_eq!(m, [("Act two", "PURPLE", 226)]);
    assert!(!has_note(&r, &["below the spine"]), "{:#?}", r.notes);
}

#[test]
fn fcpxml_1_11_compounds_read_whole() {
    let r = read_x(&data("fcpxml_1_11.fcpxml"));
    let tl = &r.timeline;
    assert_eq!(
        (tl.name.as_str(), tl.rate, tl.start_frame),
        ("Short", Rate::FPS_25, 0)
    );
    assert_eq!(names(tl), ["V1", "A1", "A2"]);
    assert_eq!(
        summary(track(tl, "V1")),
        [
            "clip \"Compound 1\" None src 25+75 rec 0 x1 enabled true markers []",
            "clip \"Compound 1 again\" None src 0+25 rec 75 x1 enabled true markers []",
            "clip \"Film\" Some(\"/Volumes/Shoot/film 24p.mov\") src 50+50 rec 100 x1.0416666666666667 \
             enabled true markers []",
            "transition Custom 5 5",
            "clip \"Multicam 1\" None src 250+50 rec 150 x1 enabled true markers []",
            "clip \"Synced\" None src 0+50 rec 200 x1 enabled true markers [\"clap@25+1\"]",
            "clip \"Offline shot\" None src 0+25 rec 250 x1 enabled true markers []",
        ]
    );
    assert!(
        has_note(&r, &["conform-rate", "speed 1.041667"]),
        "{:#?}",
        r.notes
    );
    assert!(has_note(&r, &["Slide", "not a dissolve"]), "{:#?}", r.notes);
    assert!(
        has_note(&r, &["mc-clip", "angle \"Close\""]),
        "{:#?}",
        r.notes
    );
    let v1 = clips(track(tl, "V1"));
    // The compound clip: its sequence from its own tcStart (3600 s), read once, shown twice.
    let n = v1[0].1.media.nested.as_deref().expect("nested");
    assert_eq!(v1[1].1.media.nested.as_deref(), Some(n));
    assert_eq!(v1[0].1.media.available, Some(FrameRange::new(0, 100)));
    assert_eq!(n.name, "Compound 1");
    assert_eq!(
        summary(&n.tracks[0]),
        [
            "clip \"cam a 1\" Some(\"/Volumes/Shoot/cam a.mov\") src 250+50 rec 0 x1 enabled true markers []",
            "gap 25",
            "clip \"cam a 2\" Some(\"/Volumes/Shoot/cam a.mov\") src 500+25 rec 75 x1 enabled true markers []",
        ]
    );
    assert_eq!(n.tracks[1].kind, TrackKind::Audio);
    assert_eq!(
        (n.markers[0].name.as_str(), n.markers[0].range.start),
        ("inside", 55)
    );
    // The original media, not the proxy.
    assert_eq!(
        clips(&n.tracks[0])[0].1.media.url.as_deref(),
        Some("/Volumes/Shoot/cam a.mov")
    );
    // The multicam clip shows its video angle.
    let mc = v1[3].1.media.nested.as_deref().expect("multicam");
    assert_eq!(mc.name, "Multicam 1 (Close)");
    assert_eq!(clips(&mc.tracks[0])[0].1.name, "film");
    // The synchronized clip: its picture and its sound, the recorder below.
    let sync = v1[4].1.media.nested.as_deref().expect("sync-clip");
    assert_eq!(names_of(&sync.tracks), ["V1", "A1", "A2"]);
    assert_eq!(clips(&sync.tracks[2])[0].1.name, "zoom");
    assert_eq!(v1[4].1.markers[0].color, "GREEN");
    assert_eq!(v1[5].1.media.kind(), MediaKind::Missing);
    // Sound: the compound clip's and the synchronized clip's (linked), the second use of the
    // compound clip shows only its picture.
    assert_eq!(
        summary(track(tl, "A1"))
            .iter()
            .map(|l| l.split(" src").next().unwrap_or_default().to_string())
            .collect::<Vec<_>>(),
        [
            "clip \"Compound 1\" None",
            "gap 125",
            "clip \"Synced\" None"
        ]
    );
    let a1 = clips(track(tl, "A1"));
    assert_eq!(a1[0].1.link, v1[0].1.link);
    assert_eq!(a1[1].1.link, v1[4].1.link);
    assert!(clips(track(tl, "A2")).is_empty() || names(tl).len() == 3);
}

fn names_of(tracks: &[Track]) -> Vec<&str> {
    tracks.iter().map(|t| t.name.as_str()).collect()
}

#[test]
fn fcpxml_errors_name_the_place() {
    let err = |text: &str| match fcpxml_read::read_str(text) {
        Ok(r) => panic!("read: {:?}", r.timeline),
        Err(e) => e.to_string(),
    };
    let doc = |spine: &str| {
        format!(
            "<fcpxml version=\"1.10\"><resources><format id=\"r1\" frameDuration=\"1/25s\"/>\
             <asset id=\"a\" start=\"0s\" duration=\"100s\" hasVideo=\"1\"/></resources>\
             <library><event><project name=\"p\"><sequence format=\"r1\">\n<spine>{spine}</spine>\
             </sequence></project></event></library></fcpxml>"
        )
    };
    let e = err("<xmeml version=\"4\"/>");
    assert!(e.contains("not FCPXML"), "{e}");
    let e = err(&doc("<asset-clip ref=\"a\" offset=\"0s\" duration=\"x\"/>"));
    assert!(
        e.starts_with("line 2: /fcpxml/library/event/project/sequence/spine/asset-clip:"),
        "{e}"
    );
    assert!(e.contains("duration \"x\" is not a time"), "{e}");
    let e = err(&doc(
        "<asset-clip ref=\"nope\" offset=\"0s\" duration=\"1s\"/>",
    ));
    assert!(e.contains("names no resource"), "{e}");
    let e = err(&doc("<gap offset=\"0s\" duration=\"1s\"/>"));
    assert!(e.contains("empty"), "{e}");
    let e = err("<fcpxml version=\"1.9\"><resources/></fcpxml>");
    assert!(e.contains("no project"), "{e}");
    let e = err(
        "<fcpxml><resources><format id=\"r1\" frameDuration=\"0/25s\"/></resources>\
         <project><sequence format=\"r1\"><spine/></sequence></project></fcpxml>",
    );
    assert!(e.contains("frameDuration"), "{e}");
    // A compound clip inside itself.
    let e = err(
        "<fcpxml><resources><format id=\"r1\" frameDuration=\"1/25s\"/><media id=\"m\">\
         <sequence format=\"r1\"><spine><ref-clip ref=\"m\" offset=\"0s\" duration=\"1s\"/>\
         </spine></sequence></media></resources><project><sequence format=\"r1\"><spine>\
         <ref-clip ref=\"m\" offset=\"0s\" duration=\"1s\"/></spine></sequence></project></fcpxml>",
    );
    assert!(e.contains("contains itself"), "{e}");
}

// ------------------------------------------------------------------------------------------
// Never a panic.
// ------------------------------------------------------------------------------------------

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let n = 5000;
    let x = format!(
        "<fcpxml><resources><format id=\"r1\" frameDuration=\"1/25s\"/><asset id=\"a\" \
         duration=\"9s\" hasVideo=\"1\"/></resources><project><sequence format=\"r1\"><spine>\
         <gap offset=\"0s\" duration=\"5s\">{}{}</gap></spine></sequence></project></fcpxml>",
        "<asset-clip ref=\"a\" lane=\"1\" offset=\"0s\" duration=\"1s\">".repeat(n),
        "</asset-clip>".repeat(n)
    );
    assert!(fcpxml_read::read_str(&x).is_err());
    let x = format!(
        "<fcpxml><resources><format id=\"r1\" frameDuration=\"1/25s\"/></resources><project>\
         <sequence format=\"r1\"><spine>{}{}</spine></sequence></project></fcpxml>",
        "<spine lane=\"1\" offset=\"0s\">".repeat(n),
        "</spine>".repeat(n)
    );
    assert!(fcpxml_read::read_str(&x).is_err());
    let seq = "<sequence><rate><timebase>25</timebase></rate><media><video><track>\
               <clipitem><start>0</start><end>5</end><in>0</in>";
    let x = format!(
        "<xmeml>{}{}</xmeml>",
        seq.repeat(n),
        "</clipitem></track></video></media></sequence>".repeat(n)
    );
    assert!(xmeml_read::read_str(&x).is_err());
    // Shallower, the readers' own limits hold.
    let x = format!(
        "<fcpxml><resources><format id=\"r1\" frameDuration=\"1/25s\"/><asset id=\"a\" \
         duration=\"9s\" hasVideo=\"1\"/></resources><project><sequence format=\"r1\"><spine>\
         <gap offset=\"0s\" duration=\"5s\">{}{}</gap></spine></sequence></project></fcpxml>",
        "<asset-clip ref=\"a\" lane=\"1\" offset=\"0s\" duration=\"1s\">".repeat(100),
        "</asset-clip>".repeat(100)
    );
    let e = fcpxml_read::read_str(&x)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("too deep"), "{e}");
    // Just below the limit the parser copes; entities cannot nest elements behind its back.
    let x = format!("<xmeml>{}{}</xmeml>", "<a>".repeat(500), "</a>".repeat(500));
    assert!(xmeml_read::read_str(&x).is_err());
    let e = xmeml_read::read_str("<!DOCTYPE xmeml [<!ENTITY e \"<a>&e;</a>\">]><xmeml>&e;</xmeml>")
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("entity"), "{e}");
    let r = xmeml_read::read_str("<!DOCTYPE xmeml [<!ENTITY n \"x\">]><xmeml>&n;</xmeml>");
    assert!(r.is_err_and(|e| e.to_string().contains("no sequence")));
}

// ------------------------------------------------------------------------------------------
// ------------------------------------------------------------------------------------------

mod robust {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::Index;

    fn corpus() -> Vec<String> {
        let tl = writer_timeline(Rate::FPS_29_97, 107_892, true);
        vec![
            data("premiere_export.xml"),
            data("fcp7_project.xml"),
            xmeml::write_string(&tl),
            data("fcpxml_1_8.fcpxml"),
            data("fcpxml_1_11.fcpxml"),
            fcpxml::write_string(&tl),
        ]
    }

    /// Every reader, on any text.
    fn exercise(text: &str) {
        for read in [xmeml_read::read_str, fcpxml_read::read_str] {
            let Ok(r) = read(text) else {
                continue;
            };
            // What a reader returns, every writer can write, and OTIO JSON reads back.
            let otio = interchange::otio::write_string(&r.timeline);
            if let Err(e) = interchange::otio::read_str(&otio) {
                panic!("the reading does not survive OTIO JSON: {e}");
            }
            let _ = interchange::edl::write_string(&r.timeline);
            let _ = xmeml::write_string(&r.timeline);
            let _ = interchange::fcpxml::write_string(&r.timeline);
        }
    }

    /// Numbers a mutation puts in place of a number.
    const NUMBERS: [&str; 12] = [
        "-1",
        "0",
        "1",
        "-2",
        "999999999999999",
        "-999999999999",
        "1e400",
        "NaN",
        "2.5",
        "",
        "18446744073709551616",
        "00",
    ];

    fn mutate(text: &str, ops: &[(u8, Index, Index, String)]) -> String {
        let number = regex::Regex::new(r"-?\d+").expect("a regex");
        let mut s = text.to_string();
        for (op, a, b, junk) in ops {
            if s.is_empty() {
                break;
            }
            let bounds: Vec<usize> = (0..=s.len()).filter(|&i| s.is_char_boundary(i)).collect();
            let (mut i, mut j) = (a.get(&bounds).to_owned(), b.get(&bounds).to_owned());
            if i > j {
                std::mem::swap(&mut i, &mut j);
            }
            // A char boundary at or before `k`.
            let floor = |s: &str, mut k: usize| {
                while !s.is_char_boundary(k) {
                    k -= 1;
                }
                k
            };
            match op % 5 {
                0 => s.replace_range(i..floor(&s, j.min(i + 64)), ""),
                1 => s.insert_str(i, junk),
                2 => {
                    let chunk = s[i..floor(&s, j.min(i + 400))].to_string();
                    s.insert_str(j, &chunk);
                }
                _ => {
                    // Replace the n-th number with an extreme one.
                    let nums: Vec<(usize, usize)> =
                        number.find_iter(&s).map(|m| (m.start(), m.end())).collect();
                    if !nums.is_empty() {
                        let (x, y) = nums[i % nums.len()];
                        let n = NUMBERS[j % NUMBERS.len()];
                        s.replace_range(x..y, n);
                    }
                }
            }
        }
        s
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn any_text_never_panics(s in "\\PC{0,300}") {
            exercise(&s);
        }

        #[test]
        fn tag_soup_never_panics(s in "(<(xmeml|sequence|media|video|audio|track|clipitem|file|rate|timebase|start|end|in|out|transitionitem|alignment|marker|link|linkclipref|fcpxml|spine|project)>|<(asset-clip|gap|format|asset|ref-clip|transition) (ref|offset|duration|start|lane|id|frameDuration)=\"(r1|a|-?[0-9]{1,3}(/[0-9]{1,3})?s)\"/?>|</[a-z-]+>|-?[0-9]{1,4}|TRUE| )*") {
            exercise(&s);
        }

        #[test]
        fn mutated_files_never_panic(
            which in 0usize..6,
            ops in proptest::collection::vec(
                (any::<u8>(), any::<Index>(), any::<Index>(), "\\PC{0,12}"), 1..6),
        ) {
            let corpus = corpus();
            let text = mutate(&corpus[which], &ops);
            exercise(&text);
        }
    }
}
