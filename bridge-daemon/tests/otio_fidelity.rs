//! OTIO files as other tools write them, kept exactly: `tests/interchange/make_otio_samples.py`
//! writes timelines with OpenTimelineIO (mixed rates, a track shown through its own
//! `source_range`, compound clips, generators and image sequences), CutBridge reads and writes
//! them, and `tests/interchange/otio_fidelity.py` checks with OpenTimelineIO that nothing changed
//! that an edit did not touch. Needs python3 and `pip install -r requirements-dev.txt`.

use std::path::{Path, PathBuf};
use std::process::Command;

use interchange::otio;
use protocol::{FrameRange, Item, MediaKind, Operation, Rate, apply_operations};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn python(args: &[&str]) -> std::process::Output {
    let out = Command::new("python3")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "python3 cannot be run ({e}): install it, then pip install -r requirements-dev.txt"
            )
        });
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("ModuleNotFoundError"),
        "OpenTimelineIO is missing: pip install -r requirements-dev.txt\n{err}"
    );
    out
}

/// The samples, written once per test into a temporary folder.
fn samples() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let script = repo().join("tests/interchange/make_otio_samples.py");
    let out = python(&[script.to_str().unwrap(), dir.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "make_otio_samples.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn check(original: &Path, written: &Path, deleted: Option<FrameRange>) {
    let script = repo().join("tests/interchange/otio_fidelity.py");
    let mut args = vec![
        script.to_str().unwrap().to_string(),
        original.to_str().unwrap().to_string(),
        written.to_str().unwrap().to_string(),
    ];
    if let Some(r) = deleted {
        args.push(r.start.to_string());
        args.push(r.duration.to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = python(&args);
    assert!(
        out.status.success(),
        "{} → {}: {}{}",
        original.display(),
        written.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

const SAMPLES: [&str; 4] = ["mixed_rates", "track_offset", "compound", "references"];

#[test]
fn reading_and_writing_changes_nothing() {
    let dir = samples();
    for name in SAMPLES {
        let src = dir.path().join(format!("{name}.otio"));
        let text = std::fs::read_to_string(&src).unwrap();
        let reading = otio::read(&text).unwrap();
        let tree = otio::read_tree(&text).unwrap();
        assert_eq!(reading.timeline, tree.timeline, "{name}");
        assert_eq!(reading.notes, tree.notes, "{name}");
        // The streamed writer writes what the JSON value says, byte for byte.
        let value = otio::to_value(&reading.timeline);
        let mut pretty = Vec::new();
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        serde::Serialize::serialize(
            &value,
            &mut serde_json::Serializer::with_formatter(&mut pretty, fmt),
        )
        .unwrap();
        assert_eq!(
            otio::write_string(&reading.timeline),
            String::from_utf8(pretty).unwrap(),
            "{name}"
        );
        let out = dir.path().join(format!("{name}.out.otio"));
        std::fs::write(&out, otio::write_string(&reading.timeline)).unwrap();
        if name == "track_offset" {
            // The window is applied on reading: what OTIO shows is the same, the hidden frames go.
            assert_eq!(reading.notes.len(), 1, "{:?}", reading.notes);
            assert!(
                reading.notes[0].contains("source_range"),
                "{:?}",
                reading.notes
            );
            continue;
        }
        check(&src, &out, None);
    }
}

#[test]
fn the_rate_comes_from_the_start_time_not_the_first_clip() {
    let dir = samples();
    let text = std::fs::read_to_string(dir.path().join("mixed_rates.otio")).unwrap();
    let tl = otio::read_str(&text).unwrap();
    assert_eq!(tl.rate, Rate::FPS_24);
    assert_eq!(tl.start_frame, 86_400);
    let v1 = tl.v1().unwrap();
    // The 25 fps clip: 75 frames at 25 fps = 3 s = 72 frames at 24; its media starts 2 s in.
    let pal = v1.items[0].as_clip().unwrap();
    assert_eq!(pal.source, FrameRange::new(48, 72));
    // The trailing gap on A1 is kept: both tracks are as long as each other.
    assert_eq!(tl.tracks[1].duration(), 360);
}

#[test]
fn deleting_keeps_everything_outside_the_range_identical() {
    let dir = samples();
    for (name, range) in [
        // Inside the 24 fps clip after the 25 fps one.
        ("mixed_rates", FrameRange::new(80, 20)),
        // Across the cut between the 29.97 media clip and the gap.
        ("mixed_rates", FrameRange::new(170, 30)),
        // From the start: the 25 fps clip loses its head.
        ("mixed_rates", FrameRange::new(0, 10)),
        // Inside the compound clip (its inside stays as it is).
        ("compound", FrameRange::new(60, 20)),
        ("references", FrameRange::new(60, 30)),
    ] {
        let src = dir.path().join(format!("{name}.otio"));
        let tl = otio::read_str(&std::fs::read_to_string(&src).unwrap()).unwrap();
        let edited = apply_operations(&tl, &[Operation::Delete { range }]).unwrap();
        let out = dir
            .path()
            .join(format!("{name}.{}-{}.otio", range.start, range.duration));
        std::fs::write(&out, otio::write_string(&edited)).unwrap();
        check(&src, &out, Some(range));
    }
}

#[test]
fn compound_clips_are_items_with_their_inside_kept() {
    let dir = samples();
    let text = std::fs::read_to_string(dir.path().join("compound.otio")).unwrap();
    let tl = otio::read_str(&text).unwrap();
    let v1 = tl.v1().unwrap();
    let names: Vec<&str> = v1
        .items
        .iter()
        .filter_map(Item::as_clip)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["before", "Interview compound", "after"]);
    let compound = v1.items[1].as_clip().unwrap();
    assert_eq!(compound.media.kind(), MediaKind::Nested);
    assert_eq!(compound.source, FrameRange::new(10, 100));
    let inside = compound.media.nested.as_ref().unwrap();
    assert_eq!(inside.tracks.len(), 2);
    assert_eq!(inside.duration(), 140);
    assert_eq!(compound.markers.len(), 1);
    // Its sound, a nested Track on A1, is a compound clip too.
    let a1 = &tl.tracks[1];
    assert_eq!(a1.duration(), 200);
    assert_eq!(
        a1.items[1].as_clip().unwrap().media.kind(),
        MediaKind::Nested
    );
}

#[test]
fn references_say_what_they_are() {
    let dir = samples();
    let text = std::fs::read_to_string(dir.path().join("references.otio")).unwrap();
    let tl = otio::read_str(&text).unwrap();
    let kinds: Vec<MediaKind> = tl
        .v1()
        .unwrap()
        .items
        .iter()
        .filter_map(Item::as_clip)
        .map(|c| c.media.kind())
        .collect();
    assert_eq!(
        kinds,
        [
            MediaKind::File,
            MediaKind::Generator("SolidColor"),
            MediaKind::ImageSequence,
            MediaKind::Missing
        ]
    );
}

#[test]
fn a_track_shown_through_its_source_range_is_cut_where_otio_shows_it() {
    let dir = samples();
    let text = std::fs::read_to_string(dir.path().join("track_offset.otio")).unwrap();
    let tl = otio::read_str(&text).unwrap();
    let v1 = tl.v1().unwrap();
    // The track shows frames 3–100 of its two 50-frame clips: 97 frames.
    assert_eq!(v1.duration(), 97);
    let first = v1.items[0].as_clip().unwrap();
    assert_eq!(first.source, FrameRange::new(3, 47));
    // Deleting record frames 10–20 removes media frames 13–23 of the first clip: what is left of
    // it shows 3–13 and 23–50.
    let edited = apply_operations(
        &tl,
        &[Operation::Delete {
            range: FrameRange::new(10, 10),
        }],
    )
    .unwrap();
    let out = dir.path().join("offset.cut.otio");
    std::fs::write(&out, otio::write_string(&edited)).unwrap();
    let script = "import opentimelineio as otio, sys\n\
        t = otio.adapters.read_from_file(sys.argv[1])\n\
        v = t.tracks[0]\n\
        print(v.duration().value, [(c.name, c.source_range.start_time.value, c.source_range.duration.value) for c in v])";
    let o = python(&["-c", script, out.to_str().unwrap()]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "87.0 [('one', 3.0, 10.0), ('one', 23.0, 27.0), ('two', 0.0, 50.0)]",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// What `readback.py` (OpenTimelineIO's adapters) sees in a written file: per track, the items
/// as (type, name, media file, record range).
fn adapter_items(file: &Path, rate: Option<f64>) -> Vec<(String, String, String, (i64, i64))> {
    let script = repo().join("tests/interchange/readback.py");
    let mut args = vec![
        script.to_str().unwrap().to_string(),
        file.to_str().unwrap().to_string(),
    ];
    if let Some(r) = rate {
        args.extend(["--rate".to_string(), r.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = python(&args);
    assert!(
        out.status.success(),
        "readback of {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = |x: &serde_json::Value| x.as_str().unwrap_or_default().to_string();
    v["tracks"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let rec = &i["record"];
            (
                s(&i["type"]),
                s(&i["name"]),
                s(&i["media"]),
                (rec[0].as_i64().unwrap(), rec[1].as_i64().unwrap()),
            )
        })
        .collect()
}

#[test]
fn generators_sequences_and_missing_media_are_written_as_what_they_are() {
    use interchange::{Format, write_string};
    let dir = samples();
    let text = std::fs::read_to_string(dir.path().join("references.otio")).unwrap();
    let tl = otio::read_str(&text).unwrap();
    let write = |format: Format, ext: &str| {
        let body = write_string(&tl, format);
        let p = dir.path().join(format!("references.{ext}"));
        std::fs::write(&p, &body).unwrap();
        (p, body)
    };
    let clip = |name: &str, media: &str, rec: (i64, i64)| {
        ("clip".to_string(), name.to_string(), media.to_string(), rec)
    };

    // EDL: black is the special source BL, the sequence's first frame is its file, the
    // offline clip keeps its name; every event where it was (from 01:00:00:00).
    let (edl, body) = write(Format::Edl, "edl");
    assert!(body.contains("002  BL "), "{body}");
    assert!(
        body.contains("* FROM FILE: /renders/vfx010/vfx010.1001.exr"),
        "{body}"
    );
    let items = adapter_items(&edl, Some(25.0));
    let records: Vec<(i64, i64)> = items.iter().map(|i| i.3).collect();
    assert_eq!(
        records,
        [(90000, 50), (90050, 25), (90075, 40), (90115, 30)],
        "{items:?}"
    );
    assert_eq!(items[2].2, "vfx010.1001.exr");

    // FCP7 XML: a generatoritem, the sequence's first frame as its pathurl, the missing media
    // a file with no pathurl (offline), never an empty one.
    let (xml, body) = write(Format::Xmeml, "xml");
    assert!(body.contains("<generatoritem>"), "{body}");
    assert!(body.contains("<effectid>SolidColor</effectid>"), "{body}");
    assert!(!body.contains("<pathurl></pathurl>"), "{body}");
    assert_eq!(
        adapter_items(&xml, None),
        [
            clip("shot", "shot.mov", (0, 50)),
            clip("Black Video", "", (50, 25)),
            clip("vfx010", "vfx010.1001.exr", (75, 40)),
            clip("offline", "", (115, 30)),
        ]
    );

    // FCPXML: generators as Final Cut's own (a solid, a Placeholder for the missing media), no
    // asset with an empty source.
    let (fcpxml, body) = write(Format::Fcpxml, "fcpxml");
    assert!(!body.contains("src=\"\""), "{body}");
    assert!(body.contains("Solids.localized/Custom"), "{body}");
    assert!(body.contains("Placeholder.motn"), "{body}");
    let items = adapter_items(&fcpxml, None);
    let named: Vec<(String, String)> = items
        .iter()
        .filter(|i| i.0 == "clip")
        .map(|i| (i.1.clone(), i.2.clone()))
        .collect();
    assert_eq!(
        named,
        [
            ("shot".to_string(), "shot.mov".to_string()),
            ("vfx010".to_string(), "vfx010.1001.exr".to_string())
        ]
    );
}

mod property {
    //! Random OTIO timelines as OpenTimelineIO writes them — clips timed at several rates in one
    //! timeline, gaps (trailing ones too), transitions, tracks shown through a `source_range`
    //! window, compound clips (nested stacks) — read, cut by one delete, written: every item
    //! wholly before or after the deleted range comes out as the same JSON (values and rates), a
    //! compound clip's inside is never changed, and each track is exactly as much shorter as the
    //! range covered of it.

    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    const RATES: [f64; 5] = [24.0, 25.0, 30.0, 24000.0 / 1001.0, 30000.0 / 1001.0];
    const TL_RATE: f64 = 24.0;

    fn rt(value: f64, rate: f64) -> Value {
        json!({"OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": value})
    }

    fn tr(start: f64, dur: f64, rate: f64) -> Value {
        json!({"OTIO_SCHEMA": "TimeRange.1", "start_time": rt(start, rate), "duration": rt(dur, rate)})
    }

    /// An item and its length in timeline frames (0 for a transition).
    #[derive(Clone, Debug)]
    enum Spec {
        Clip { rate: usize, start: u16, dur: u16 },
        Gap { dur: u16 },
        Dissolve,
        Compound { start: u16, dur: u16 },
    }

    fn frames(value: f64, rate: f64) -> i64 {
        (value * TL_RATE / rate).round() as i64
    }

    fn clip(i: usize, rate: f64, start: f64, dur: f64) -> Value {
        json!({
            "OTIO_SCHEMA": "Clip.2", "metadata": {}, "name": format!("c{i}"),
            "source_range": tr(start, dur, rate), "effects": [], "markers": [], "enabled": true,
            "media_references": {"DEFAULT_MEDIA": {
                "OTIO_SCHEMA": "ExternalReference.1", "metadata": {}, "name": "",
                "available_range": tr(0.0, 10_000.0, rate), "available_image_bounds": null,
                "target_url": format!("file:///m/c{i}.mov")}},
            "active_media_reference_key": "DEFAULT_MEDIA"
        })
    }

    fn gap(dur: f64) -> Value {
        json!({"OTIO_SCHEMA": "Gap.1", "metadata": {}, "name": "", "source_range": tr(0.0, dur, TL_RATE),
               "effects": [], "markers": [], "enabled": true})
    }

    fn track(name: &str, children: Vec<Value>, window: Option<Value>) -> Value {
        json!({"OTIO_SCHEMA": "Track.1", "metadata": {}, "name": name, "source_range": window,
               "effects": [], "markers": [], "enabled": true, "children": children, "kind": "Video"})
    }

    /// Children of a track, each with its record position and length in timeline frames (a
    /// transition sits at the cut, length 0); a dissolve only between two clips long enough.
    fn build(specs: &[Spec]) -> Vec<(Value, i64, i64)> {
        let mut out: Vec<(Value, i64, i64)> = Vec::new();
        let mut pos = 0;
        for (i, s) in specs.iter().enumerate() {
            let (v, len) = match *s {
                Spec::Clip { rate, start, dur } => {
                    let r = RATES[rate];
                    (
                        clip(i, r, f64::from(start), f64::from(dur)),
                        frames(f64::from(dur), r),
                    )
                }
                Spec::Gap { dur } => (gap(f64::from(dur)), i64::from(dur)),
                Spec::Dissolve => {
                    let prev_ok = out
                        .last()
                        .is_some_and(|(v, _, l)| v["OTIO_SCHEMA"] == "Clip.2" && *l >= 4);
                    let next_ok =
                        matches!(specs.get(i + 1), Some(Spec::Clip { dur, .. }) if *dur >= 8);
                    if !(prev_ok && next_ok) {
                        continue;
                    }
                    let t = json!({"OTIO_SCHEMA": "Transition.1", "metadata": {}, "name": "",
                        "in_offset": rt(2.0, TL_RATE), "out_offset": rt(2.0, TL_RATE),
                        "transition_type": "SMPTE_Dissolve"});
                    (t, 0)
                }
                Spec::Compound { start, dur } => {
                    let inner = vec![
                        track("V1", vec![clip(100 + i, 25.0, 0.0, 80.0), gap(20.0)], None),
                        track("V2", vec![gap(10.0), clip(200 + i, 24.0, 5.0, 60.0)], None),
                    ];
                    let start = f64::from(start % 40);
                    let dur = f64::from(dur).min(100.0 - start).max(1.0);
                    let v = json!({"OTIO_SCHEMA": "Stack.1", "metadata": {}, "name": format!("compound {i}"),
                        "source_range": tr(start, dur, TL_RATE), "effects": [], "markers": [],
                        "enabled": true, "children": inner});
                    (v, dur as i64)
                }
            };
            if len == 0 && !matches!(s, Spec::Dissolve) {
                continue;
            }
            out.push((v, pos, len));
            pos += len;
        }
        out
    }

    fn spec() -> impl Strategy<Value = Spec> {
        prop_oneof![
            4 => (0..RATES.len(), 0u16..500, 1u16..120).prop_map(|(rate, start, dur)| Spec::Clip { rate, start, dur }),
            1 => (1u16..60).prop_map(|dur| Spec::Gap { dur }),
            1 => Just(Spec::Dissolve),
            1 => (0u16..40, 1u16..100).prop_map(|(start, dur)| Spec::Compound { start, dur }),
        ]
    }

    fn duration_of(tl: &protocol::Timeline, track: usize) -> i64 {
        tl.tracks[track].duration()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

        #[test]
        fn a_delete_changes_only_what_it_covers(
            v1 in prop::collection::vec(spec(), 1..12),
            v2 in prop::collection::vec(spec(), 0..8),
            window_start in 0i64..6,
            cut in (0.0f64..1.0, 0.0f64..0.5),
        ) {
            let a = build(&v1);
            let b = build(&v2);
            prop_assume!(!a.is_empty());
            let a_len: i64 = a.iter().map(|x| x.2).sum();
            // V2 is shown through a window from `window_start` when it is long enough.
            let b_len: i64 = b.iter().map(|x| x.2).sum();
            let window = (b_len > window_start + 2)
                .then(|| (window_start, b_len - window_start));
            let doc = json!({
                "OTIO_SCHEMA": "Timeline.1", "metadata": {}, "name": "random",
                "global_start_time": rt(86400.0, TL_RATE),
                "tracks": {"OTIO_SCHEMA": "Stack.1", "metadata": {}, "name": "tracks",
                    "source_range": null, "effects": [], "markers": [], "enabled": true,
                    "children": [
                        track("V1", a.iter().map(|x| x.0.clone()).collect(), None),
                        track("V2", b.iter().map(|x| x.0.clone()).collect(),
                              window.map(|(s, d)| tr(s as f64, d as f64, TL_RATE))),
                    ]}
            });
            let text = doc.to_string();
            let tl = otio::read_str(&text).expect("a timeline OTIO wrote reads");
            // The stream and the tree read the same.
            let tree = otio::read_tree(&text).unwrap();
            prop_assert_eq!(&tl, &tree.timeline);
            prop_assert_eq!(duration_of(&tl, 0), a_len);
            let total = tl.duration();
            let start = ((total as f64) * cut.0) as i64;
            let len = (((total as f64) * cut.1) as i64).clamp(1, (total - start).max(1));
            prop_assume!(start + len <= total);
            let range = FrameRange::new(start, len);
            let edited = apply_operations(&tl, &[Operation::Delete { range }]).unwrap();
            let written: Value = serde_json::from_str(&otio::write_string(&edited)).unwrap();
            // A delete that covers every frame of every track leaves nothing to read back:
            // the reader refuses an empty timeline by name, and the edit itself is measured.
            let reread = if edited.tracks.iter().all(|t| t.items.is_empty()) {
                let e = otio::read_str(&written.to_string()).unwrap_err();
                prop_assert!(e.to_string().contains("the timeline is empty"), "{}", e);
                edited.clone()
            } else {
                otio::read_str(&written.to_string()).unwrap()
            };
            for (t, before) in [(0usize, a_len), (1, window.map_or(b_len, |w| w.1))] {
                let covered = (range.end().min(before) - range.start).max(0);
                prop_assert_eq!(duration_of(&reread, t), before - covered, "track {}", t);
            }
            // V1 (no window): items wholly before the range, from the start, and wholly after
            // it, from the end, are the same JSON.
            let out = written["tracks"]["children"][0]["children"].as_array().unwrap().clone();
            let is_before = |(_, pos, len): &(Value, i64, i64)| {
                if *len == 0 { *pos < range.start } else { pos + len <= range.start }
            };
            let is_after = |(_, pos, len): &(Value, i64, i64)| {
                if *len == 0 { *pos > range.end() } else { *pos >= range.end() }
            };
            let prefix: Vec<&Value> = a.iter().take_while(|x| is_before(x)).map(|x| &x.0).collect();
            let suffix: Vec<&Value> = a.iter().rev().take_while(|x| is_after(x)).map(|x| &x.0).collect();
            for (k, v) in prefix.iter().enumerate() {
                prop_assert_eq!(Some(*v), out.get(k), "item {} before the cut", k);
            }
            for (k, v) in suffix.iter().enumerate() {
                prop_assert_eq!(Some(*v), out.get(out.len().wrapping_sub(k + 1)), "item {} from the end", k);
            }
            // A compound clip's inside is the same, cut or not.
            let insides = |items: &[Value]| -> Vec<Value> {
                items.iter().filter(|v| v["OTIO_SCHEMA"] == "Stack.1").map(|v| v["children"].clone()).collect()
            };
            let before: Vec<Value> = insides(&a.iter().map(|x| x.0.clone()).collect::<Vec<_>>());
            for inside in insides(&out) {
                prop_assert!(before.contains(&inside), "a compound clip's inside changed");
            }
        }
    }

    /// The case CI's proptest run found: a delete that covers the whole of a one-frame
    /// timeline writes an empty OTIO timeline, which OTIO reads and our reader refuses by name.
    #[test]
    fn deleting_every_frame_writes_an_empty_timeline_the_reader_names() {
        let doc = json!({
            "OTIO_SCHEMA": "Timeline.1", "metadata": {}, "name": "one frame",
            "global_start_time": rt(86400.0, TL_RATE),
            "tracks": {"OTIO_SCHEMA": "Stack.1", "metadata": {}, "name": "tracks",
                "source_range": null, "effects": [], "markers": [], "enabled": true,
                "children": [track("V1", vec![clip(0, TL_RATE, 10.0, 1.0)], None),
                             track("V2", vec![], None)]}
        });
        let tl = otio::read_str(&doc.to_string()).unwrap();
        assert_eq!(tl.duration(), 1);
        let range = FrameRange::new(0, 1);
        let edited = apply_operations(&tl, &[Operation::Delete { range }]).unwrap();
        assert!(edited.tracks.iter().all(|t| t.items.is_empty()));
        let written: Value = serde_json::from_str(&otio::write_string(&edited)).unwrap();
        assert_eq!(written["OTIO_SCHEMA"], "Timeline.1");
        assert_eq!(written["tracks"]["children"].as_array().unwrap().len(), 2);
        let e = otio::read_str(&written.to_string()).unwrap_err();
        assert!(e.to_string().contains("the timeline is empty"), "{e}");
    }
}

/// Clips inside a compound clip are found by name: the edit cuts the compound clip where they
/// show and leaves its inside as it is.
#[test]
fn instructions_that_name_a_clip_inside_a_compound_clip_resolve_through_it() {
    use engine::pipeline::instruct;
    use engine::understand::rules::Rules;
    let dir = samples();
    let text = std::fs::read_to_string(dir.path().join("compound.otio")).unwrap();
    let tl = otio::read_str(&text).unwrap();
    let inside_before = tl.v1().unwrap().items[1]
        .as_clip()
        .unwrap()
        .media
        .nested
        .clone();
    // The compound clip shows frames 10–110 of its inside at record 50–150: nina_close (inside
    // 60–140) shows at 100–150, the title card (inside 30–70, on its V2) at 70–110.
    for (text, range) in [
        ("delete the nina close shot", FrameRange::new(100, 50)),
        ("删掉nina close那个镜头", FrameRange::new(100, 50)),
        (
            "uh get rid of the nina close clip",
            FrameRange::new(100, 50),
        ),
        ("cut the title card", FrameRange::new(70, 40)),
    ] {
        let o = instruct(&tl, text, &Rules).unwrap_or_else(|e| panic!("{text}: {}", e.message));
        assert_eq!(
            o.cut_list.operations,
            [Operation::Delete { range }],
            "{text}"
        );
        let notes = o.explanation[0].notes.join(" ");
        assert!(notes.contains("Interview compound"), "{text}: {notes}");
        // The compound clip is trimmed, its inside untouched.
        let v1 = o.timeline.v1().unwrap();
        let compound = v1
            .items
            .iter()
            .filter_map(Item::as_clip)
            .find(|c| c.media.nested.is_some())
            .unwrap();
        assert_eq!(compound.media.nested, inside_before, "{text}");
    }
}
