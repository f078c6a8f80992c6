//! The CMX3600 EDL reader (`interchange::edl_read`), checked three ways:
//!
//! - against OpenTimelineIO's own `cmx_3600` adapter: `tests/interchange/make_edl_samples.py`
//!   writes EDLs with the adapter (avid, nucoda and premiere styles; 24, 25 and 29.97 drop-frame)
//!   and reports what the adapter reads back; our reader must see the same clips, source ranges,
//!   record positions (from the first event), speeds, transitions and markers;
//! - hand-written EDLs in the style of Premiere and Avid exports, against values worked out by
//!   hand (in the comments beside them);
//! - everything our own EDL writer produces reads back as the timeline it was written from.
//!
//! And it never panics: arbitrary text and mutated EDLs (proptest).
//!
//! Needs python3 with opentimelineio and otio-cmx3600-adapter; without them the adapter test
//! fails (it never skips) saying `pip install -r requirements-dev.txt`.

use crate::common;

use std::path::{Path, PathBuf};

use common::python::python;
use interchange::{ReadError, Reading, check_bounds, edl, edl_read};
use proptest::prelude::*;
use protocol::{
    Clip, DISSOLVE, FrameRange, Gap, Item, Marker, Media, MediaKind, Rate, Timeline, Track,
    TrackKind, Transition,
};
use serde_json::{Map, Value, json};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(text: &str, rate: Rate) -> Reading {
    match edl_read::read_str(text, rate) {
        Ok(r) => r,
        Err(e) => panic!("the EDL does not read: {e}\n{text}"),
    }
}

fn read_err(text: &str, rate: Rate) -> String {
    match edl_read::read_str(text, rate) {
        Ok(r) => panic!("expected an error, read {:#?}", summary(&r.timeline)),
        Err(e @ ReadError::Invalid { .. }) => e.to_string(),
        Err(e) => panic!("expected ReadError::Invalid, got {e:?}"),
    }
}

/// One line per item (and per marker), record positions from the timeline's first frame.
fn summary(tl: &Timeline) -> Vec<String> {
    let mut out = Vec::new();
    for t in &tl.tracks {
        let mut pos = 0;
        for item in &t.items {
            match item {
                Item::Gap(g) => out.push(format!("{} @{pos} gap {}", t.name, g.duration)),
                Item::Transition(tr) => out.push(format!(
                    "{} @{pos} {} {}/{}",
                    t.name, tr.kind, tr.in_offset, tr.out_offset
                )),
                Item::Clip(c) => {
                    let mut s = format!(
                        "{} @{pos} clip {:?} src {}+{}",
                        t.name, c.name, c.source.start, c.source.duration
                    );
                    if c.speed != 1.0 {
                        s.push_str(&format!(" x{:.3}", c.speed));
                    }
                    if let MediaKind::Generator(k) = c.media.kind() {
                        s.push_str(&format!(" gen {k}"));
                    }
                    if let Some(l) = &c.link {
                        s.push_str(&format!(" link {l}"));
                    }
                    out.push(s);
                    for m in &c.markers {
                        out.push(format!(
                            "{}   marker {} {} {:?}",
                            t.name, m.range.start, m.color, m.name
                        ));
                    }
                }
            }
            pos += item.duration();
        }
    }
    out
}

fn assert_lines(got: &[String], want: &[&str]) {
    let want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        got,
        &want[..],
        "\ngot:\n{}\nwant:\n{}",
        got.join("\n"),
        want.join("\n")
    );
}

fn clip_named<'a>(tl: &'a Timeline, track: &str, name: &str) -> &'a Clip {
    tl.tracks
        .iter()
        .filter(|t| t.name == track)
        .flat_map(|t| t.items.iter().filter_map(Item::as_clip))
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no clip {name:?} on {track}: {:#?}", summary(tl)))
}

// ---------------------------------------------------------------------------------------------
// OpenTimelineIO's adapter

/// Runs the sample script into a temporary folder: the folder and its expected.json.
fn adapter_samples() -> (tempfile::TempDir, Value) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let script = repo().join("tests/interchange/make_edl_samples.py");
    python([script.as_os_str(), dir.path().as_os_str()]);
    let text = std::fs::read_to_string(dir.path().join("expected.json")).expect("expected.json");
    let expected = serde_json::from_str(&text).expect("expected.json is JSON");
    (dir, expected)
}

fn rate_named(name: &str) -> Rate {
    match name {
        "24" => Rate::FPS_24,
        "25" => Rate::FPS_25,
        "29.97" => Rate::FPS_29_97,
        "30" => Rate::FPS_30,
        other => panic!("no rate {other}"),
    }
}

/// Items as the sample script describes them, gaps left out (record positions say where the
/// clips are), record positions from `origin`, speeds to three decimals; media paths only where
/// no transition precedes the clip (the adapter gives an incoming clip its outgoing clip's media).
fn comparable(items: Vec<Value>, origin: i64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after_transition = false;
    for it in items {
        match it["type"].as_str() {
            Some("transition") => {
                out.push(json!({
                    "type": "transition",
                    "kind": it["kind"],
                    "in_offset": it["in_offset"],
                    "out_offset": it["out_offset"],
                }));
                after_transition = true;
            }
            Some("clip") => {
                let mut markers: Vec<Value> = it["markers"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|m| json!({"frame": m["frame"], "color": m["color"], "name": m["name"]}))
                    .collect();
                markers.sort_by_key(|m| m["frame"].as_i64());
                out.push(json!({
                    "type": "clip",
                    "name": it["name"],
                    "url": if after_transition { Value::Null } else { it["url"].clone() },
                    "source_start": it["source_start"],
                    "source_duration": it["source_duration"],
                    "record_start": it["record_start"].as_i64().unwrap_or(0) - origin,
                    "speed": format!("{:.3}", it["speed"].as_f64().unwrap_or(1.0)),
                    "markers": markers,
                }));
                after_transition = false;
            }
            _ => {}
        }
    }
    out
}

/// Our reading in the sample script's terms.
fn described(tl: &Timeline) -> Vec<(String, Vec<Value>)> {
    tl.tracks
        .iter()
        .map(|t| {
            let mut items = Vec::new();
            let mut pos = 0;
            for item in &t.items {
                match item {
                    Item::Gap(_) => {}
                    Item::Transition(tr) => items.push(json!({
                        "type": "transition", "kind": tr.kind,
                        "in_offset": tr.in_offset, "out_offset": tr.out_offset,
                    })),
                    Item::Clip(c) => items.push(json!({
                        "type": "clip",
                        "name": c.name,
                        "url": c.media.url,
                        "source_start": c.source.start,
                        "source_duration": c.source.duration,
                        "record_start": pos,
                        "speed": c.speed,
                        "markers": c.markers.iter().map(|m| json!({
                            "frame": m.range.start, "color": m.color, "name": m.name,
                        })).collect::<Vec<_>>(),
                    })),
                }
                pos += item.duration();
            }
            (t.name.clone(), items)
        })
        .collect()
}

#[test]
fn reads_what_the_otio_adapter_writes_as_the_adapter_reads_it() {
    let (dir, expected) = adapter_samples();
    let samples = expected["samples"].as_array().expect("samples");
    assert!(samples.len() >= 6, "{expected}");
    let mut rates = std::collections::BTreeSet::new();
    for s in samples {
        let file = s["file"].as_str().expect("file");
        let rate = rate_named(s["rate"].as_str().expect("rate"));
        rates.insert(s["rate"].as_str().unwrap_or_default().to_string());
        let text = std::fs::read_to_string(dir.path().join(file)).expect("the EDL");
        let reading = read(&text, rate);
        let tl = &reading.timeline;
        assert_eq!(tl.name, s["title"].as_str().unwrap_or_default(), "{file}");
        assert!(
            reading.notes.is_empty(),
            "{file}: nothing in it needs a note: {:#?}",
            reading.notes
        );
        let tracks = s["tracks"].as_array().expect("tracks");
        // The adapter starts each track at its own first record in; ours all start at the
        // earliest one, so compare record positions from there.
        let origin = tracks
            .iter()
            .filter_map(|t| t["items"][0]["record_start"].as_i64())
            .min()
            .expect("a record start");
        assert_eq!(tl.start_frame, origin, "{file}: the start timecode");
        let mut want: Vec<(String, Vec<Value>)> = tracks
            .iter()
            .map(|t| {
                let name = match t["name"].as_str().unwrap_or_default() {
                    "V" => "V1".to_string(),
                    other => other.to_string(),
                };
                let items = t["items"].as_array().cloned().unwrap_or_default();
                (name, comparable(items, origin))
            })
            .collect();
        want.sort_by_key(|t| (t.0.starts_with('A'), t.0.clone()));
        let got: Vec<(String, Vec<Value>)> = described(tl)
            .into_iter()
            .map(|(name, items)| (name, comparable(items, 0)))
            .collect();
        let names = |v: &[(String, Vec<Value>)]| v.iter().map(|t| t.0.clone()).collect::<Vec<_>>();
        assert_eq!(names(&got), names(&want), "{file}: the tracks");
        for ((track, g), (_, w)) in got.iter().zip(&want) {
            assert_eq!(
                g,
                w,
                "{file} {track}:\nours:    {}\nadapter: {}\n{text}",
                serde_json::to_string_pretty(g).unwrap_or_default(),
                serde_json::to_string_pretty(w).unwrap_or_default()
            );
        }
    }
    assert_eq!(
        rates.into_iter().collect::<Vec<_>>(),
        ["24", "25", "29.97"],
        "the samples cover 24, 25 and 29.97 drop-frame"
    );
}

// ---------------------------------------------------------------------------------------------
// Hand-written EDLs

/// Premiere Pro's export style: `AX` reels, names from `* FROM CLIP NAME:`, picture and sound
/// in one event (`AA/V`), `EFFECTS NAME IS` after a dissolve, FCM changing between events.
const PREMIERE_2997: &str = "TITLE: Launch Cut v3
FCM: DROP FRAME

001  AX       AA/V  C        00:00:10;00 00:00:15;00 01:00:00;00 01:00:05;00
* FROM CLIP NAME: Interview_A.mov

FCM: NON-DROP FRAME
002  AX       V     C        00:01:00:00 00:01:02:00 01:00:05:00 01:00:07:00
* FROM CLIP NAME: Broll_01.mov

003  AX       V     C        00:01:02:00 00:01:02:00 01:00:07:00 01:00:07:00
003  AX       V     D    015 00:00:40:00 00:00:45:00 01:00:07:00 01:00:12:00
EFFECTS NAME IS Cross Dissolve
* FROM CLIP NAME: Broll_01.mov
* TO CLIP NAME: Broll_02.mov

004  AX       A2    C        00:00:00:00 00:00:10:00 01:00:05:00 01:00:15:00
* FROM CLIP NAME: Music.wav

FCM: DROP FRAME
005  AX       V     C        00:10:00;00 00:10:02;00 01:00:14;00 01:00:16;00
M2   AX       059.94                   00:10:00;00
* FROM CLIP NAME: Drone.mov
";

#[test]
fn premiere_style_with_fcm_changes_and_picture_with_sound() {
    let r = read(PREMIERE_2997, Rate::FPS_29_97);
    let tl = &r.timeline;
    assert_eq!(tl.name, "Launch Cut v3");
    assert!(tl.drop_frame);
    // 01:00:00;00 drop-frame is frame 107892.
    assert_eq!(tl.start_frame, 107_892);
    // The record keeps the header's drop-frame mode although FCM says NON-DROP before event 002
    // (01:00:05:00 → 150 frames in); that FCM describes the sources: 00:01:00:00 non-drop is
    // frame 1800, and 00:00:40:00 is 1200. Event 005 is back in drop-frame: 00:10:00;00 = 17982.
    // Its M2 at 59.94 fps plays it twice as fast.
    assert_lines(
        &summary(tl),
        &[
            "V1 @0 clip \"Interview_A.mov\" src 300+150 link edl-001",
            "V1 @150 clip \"Broll_01.mov\" src 1800+60",
            "V1 @210 SMPTE_Dissolve 0/15",
            "V1 @210 clip \"Broll_02.mov\" src 1200+150",
            "V1 @360 gap 60",
            "V1 @420 clip \"Drone.mov\" src 17982+60 x2.000",
            "A1 @0 clip \"Interview_A.mov\" src 300+150 link edl-001",
            "A2 @0 clip \"Interview_A.mov\" src 300+150 link edl-001",
            "A2 @150 clip \"Music.wav\" src 0+300",
        ],
    );
    assert!(r.notes.is_empty(), "{:#?}", r.notes);
    let b2 = clip_named(tl, "V1", "Broll_02.mov");
    assert_eq!(
        b2.metadata["cmx_3600"]["comments"],
        json!(["EFFECTS NAME IS Cross Dissolve"]),
        "lines the reader does not interpret are kept"
    );
    assert!(
        b2.metadata["cmx_3600"].get("reel").is_none(),
        "AX is no reel"
    );
}

/// Avid Media Composer's export style: tape-like reels, `AA` and `B` channels, record-time
/// locators, ASC CDL comments, a dissolve, speed, reverse and freeze M2s, black, a wipe, a key.
const AVID_25: &str = "TITLE: PROMO_V12
FCM: NON-DROP FRAME

001  A001C003 V     C        10:04:21:05 10:04:25:05 10:00:00:00 10:00:04:00
* FROM CLIP NAME:  A001C003_200101_R1AB
* LOC: 10:00:02:00 YELLOW  FIX THE FLARE
*ASC_SOP (1.0200 0.9800 1.0000)(0.0100 -0.0050 0.0000)(1.0000 1.0000 1.0000)
*ASC_SAT 0.9000

002  A001C003 AA    C        10:04:21:05 10:04:25:05 10:00:00:00 10:00:04:00
* FROM CLIP NAME:  A001C003_200101_R1AB

003  B005C001 B     C        14:22:10:00 14:22:12:00 10:00:04:00 10:00:06:00
* FROM CLIP NAME:  B005C001_200102_R2CD
* COMMENT: HANDHELD

004  B005C001 V     C        14:22:12:00 14:22:12:00 10:00:06:00 10:00:06:00
004  A002C001 V     D    025 11:30:00:00 11:30:04:00 10:00:06:00 10:00:10:00
* FROM CLIP NAME:  B005C001_200102_R2CD
* TO CLIP NAME:  A002C001_200103_R3EF

005  A002C002 V     C        11:40:00:00 11:40:04:00 10:00:10:00 10:00:12:00
M2   A002C002       050.0                11:40:00:00
* FROM CLIP NAME:  A002C002_200103_R3EF

006  A002C003 V     C        11:50:10:00 11:50:08:00 10:00:12:00 10:00:14:00
M2   A002C003      -025.0                11:50:10:00
* FROM CLIP NAME:  A002C003_200103_R3EF

007  A002C004 V     C        11:55:00:00 11:55:00:01 10:00:14:00 10:00:15:00
M2   A002C004       000.0                11:55:00:00
* FROM CLIP NAME:  A002C004_200103_R3EF

008  BL       V     C        00:00:00:00 00:00:01:00 10:00:15:00 10:00:16:00

009  BL       V     C        00:00:00:00 00:00:00:00 10:00:16:00 10:00:16:00
009  A003C001 V     W001 010 12:00:00:00 12:00:02:00 10:00:16:00 10:00:18:00
* TO CLIP NAME:  A003C001_200104_R4GH

010  A003C002 V     K B      12:10:00:00 12:10:02:00 10:00:18:00 10:00:20:00
010  GFX01    V     K    000 00:00:00:00 00:00:02:00 10:00:18:00 10:00:20:00
* FROM CLIP NAME:  A003C002_200104_R4GH
";

#[test]
fn avid_style_with_channels_cdl_speeds_black_wipe_and_key() {
    let r = read(AVID_25, Rate::FPS_25);
    let tl = &r.timeline;
    assert_eq!(tl.name, "PROMO_V12");
    assert!(!tl.drop_frame);
    assert_eq!(tl.start_frame, 900_000, "10:00:00:00 at 25 fps");
    // Sources: 10:04:21:05 = 906530, 14:22:10:00 = 1293250, 11:30:00:00 = 1035000,
    // 11:40:00:00 = 1050000, 11:50:08:00 = 1065200 (reverse: the lower timecode),
    // 11:55:00:00 = 1072500, 12:00:00:00 = 1080000, 12:10:00:00 = 1095000.
    // The locator 10:00:02:00 is outside the clip's source but 50 frames into its record:
    // source 906530 + 50.
    assert_lines(
        &summary(tl),
        &[
            "V1 @0 clip \"A001C003_200101_R1AB\" src 906530+100",
            "V1   marker 906580 YELLOW \"FIX THE FLARE\"",
            "V1 @100 clip \"B005C001_200102_R2CD\" src 1293250+50 link edl-003",
            "V1 @150 SMPTE_Dissolve 0/25",
            "V1 @150 clip \"A002C001_200103_R3EF\" src 1035000+100",
            "V1 @250 clip \"A002C002_200103_R3EF\" src 1050000+50 x2.000",
            "V1 @300 clip \"A002C003_200103_R3EF\" src 1065200+50",
            "V1 @350 clip \"A002C004_200103_R3EF\" src 1072500+25",
            "V1 @375 clip \"BL\" src 0+25 gen black",
            "V1 @400 SMPTE_Wipe 0/10",
            "V1 @400 clip \"A003C001_200104_R4GH\" src 1080000+50",
            "V1 @450 clip \"A003C002_200104_R4GH\" src 1095000+50",
            "A1 @0 clip \"A001C003_200101_R1AB\" src 906530+100 link edl-002",
            "A1 @100 clip \"B005C001_200102_R2CD\" src 1293250+50 link edl-003",
            "A2 @0 clip \"A001C003_200101_R1AB\" src 906530+100 link edl-002",
        ],
    );
    let first = clip_named(tl, "V1", "A001C003_200101_R1AB");
    assert_eq!(first.metadata["cmx_3600"]["reel"], "A001C003");
    assert_eq!(
        first.metadata["cdl"],
        json!({"asc_sat": 0.9, "asc_sop": {
            "slope": [1.02, 0.98, 1.0], "offset": [0.01, -0.005, 0.0], "power": [1.0, 1.0, 1.0]}})
    );
    let handheld = clip_named(tl, "V1", "B005C001_200102_R2CD");
    assert_eq!(
        handheld.metadata["cmx_3600"]["comments"],
        json!(["COMMENT: HANDHELD"])
    );
    let reverse = clip_named(tl, "V1", "A002C003_200103_R3EF");
    assert_eq!(reverse.metadata["cmx_3600"]["reverse"], true);
    let freeze = clip_named(tl, "V1", "A002C004_200103_R3EF");
    assert_eq!(freeze.effects[0]["OTIO_SCHEMA"], "FreezeFrame.1");
    let wipe = tl.tracks[0]
        .items
        .iter()
        .find_map(|i| match i {
            Item::Transition(t) if t.kind == "SMPTE_Wipe" => Some(t),
            _ => None,
        })
        .expect("the wipe");
    assert_eq!(wipe.metadata["cmx_3600"]["transition"], "W001");
    // Each thing the model cannot hold is named, with its line.
    let notes = r.notes.join("\n");
    assert_eq!(r.notes.len(), 4, "{notes}");
    for (line, what) in [
        (27, "reverse"),
        (31, "freeze frame"),
        (37, "wipe W001"),
        (41, "key"),
    ] {
        assert!(
            r.notes
                .iter()
                .any(|n| n.starts_with(&format!("line {line}: ")) && n.contains(what)),
            "no note on line {line} about {what}: {notes}"
        );
    }
}

/// Resolve-like names and paths, a list that runs past midnight, long reels with dots and dashes,
/// `A3/A4`, `NONE` with `AUD 3`, an event recorded over the middle of another, and A5.
const MIDNIGHT_24: &str = "TITLE: Midnight
FCM: NON-DROP FRAME

001  Reel.With-Dashes_and.dots_0001 V     C        00:00:00:00 00:00:05:00 23:59:55:00 00:00:00:00
* FROM FILE: C:\\Media\\midnight.mov
* SOURCE FILE: midnight.mov

002  Reel.With-Dashes_and.dots_0001 V     C        00:00:05:00 00:00:10:00 00:00:00:00 00:00:05:00
003  SFX      A3/A4 C        00:00:00:00 00:00:04:00 23:59:58:00 00:00:02:00
004  SFX2     NONE  C        00:00:00:00 00:00:01:00 00:00:03:00 00:00:04:00
AUD  3
005  OVER     V     C        01:00:00:00 01:00:01:00 00:00:02:00 00:00:03:00
006  X        A5    C        00:00:00:00 00:00:01:00 00:00:04:00 00:00:05:00
";

#[test]
fn midnight_wrap_long_reels_aud_lines_and_overwrites() {
    let r = read(MIDNIGHT_24, Rate::FPS_24);
    let tl = &r.timeline;
    // 23:59:55:00 = 2073480 at 24 fps; 00:00:00:00 after it is the next day's 2073600.
    assert_eq!(tl.start_frame, 2_073_480);
    // Event 005 lands inside event 002 (120..240): 002 is split around it, its tail starting
    // 72 frames into its source (120 + 72 = 192).
    assert_lines(
        &summary(tl),
        &[
            "V1 @0 clip \"midnight\" src 0+120",
            "V1 @120 clip \"Reel.With-Dashes_and.dots_0001\" src 120+48",
            "V1 @168 clip \"OVER\" src 86400+24",
            "V1 @192 clip \"Reel.With-Dashes_and.dots_0001\" src 192+48",
            "A3 @0 gap 72",
            "A3 @72 clip \"SFX\" src 0+96 link edl-003",
            "A3 @168 gap 24",
            "A3 @192 clip \"SFX2\" src 0+24",
            "A4 @0 gap 72",
            "A4 @72 clip \"SFX\" src 0+96 link edl-003",
            "A5 @0 gap 216",
            "A5 @216 clip \"X\" src 0+24",
        ],
    );
    let first = &tl.tracks[0].items[0].as_clip().expect("a clip").media;
    assert_eq!(first.url.as_deref(), Some("C:\\Media\\midnight.mov"));
    assert_eq!(first.name, "midnight.mov");
    let notes = r.notes.join("\n");
    assert_eq!(r.notes.len(), 2, "{notes}");
    assert!(
        r.notes[0].starts_with("line 12: ") && r.notes[0].contains("event 002"),
        "{notes}"
    );
    assert!(
        r.notes[1].starts_with("line 13: ") && r.notes[1].contains("A5"),
        "{notes}"
    );
}

#[test]
fn dissolves_from_and_to_black() {
    // A fade in after a gap, a fade out to black, and a dissolve at the very start (nothing to
    // come from: a cut, noted).
    let text = "TITLE: Fades
001  BL       V     C        00:00:00:00 00:00:00:00 01:00:00:00 01:00:00:00
001  A001     V     D    010 00:00:10:00 00:00:12:00 01:00:00:00 01:00:02:00
* TO CLIP NAME: first

002  BL       V     C        00:00:00:00 00:00:00:00 01:00:03:00 01:00:03:00
002  A002     V     D    012 00:00:20:00 00:00:22:00 01:00:03:00 01:00:05:00
* TO CLIP NAME: second

003  A002     V     C        00:00:22:00 00:00:22:00 01:00:05:00 01:00:05:00
003  BL       V     D    024 00:00:00:00 00:00:01:00 01:00:05:00 01:00:06:00
* FROM CLIP NAME: second
";
    let r = read(text, Rate::FPS_24);
    assert_lines(
        &summary(&r.timeline),
        &[
            "V1 @0 clip \"first\" src 240+48",
            "V1 @48 gap 24",
            "V1 @72 SMPTE_Dissolve 0/12",
            "V1 @72 clip \"second\" src 480+48",
            "V1 @120 SMPTE_Dissolve 0/24",
            "V1 @120 clip \"BL\" src 0+24 gen black",
        ],
    );
    assert_eq!(r.notes.len(), 1, "{:#?}", r.notes);
    assert!(r.notes[0].starts_with("line 3: "), "{:#?}", r.notes);
}

#[test]
fn malformed_lines_are_errors_naming_their_line() {
    let cases: &[(&str, Rate, &str, &str)] = &[
        (
            "TITLE: x\n001  A  V  C  00:00:00:00 00:00:01:00 01:00:00:00\n",
            Rate::FPS_25,
            "line 2",
            "7 fields",
        ),
        (
            "001  A  V  C  00:00:00:00 00:00:00:25 01:00:00:00 01:00:00:25\n",
            Rate::FPS_25,
            "line 1",
            "below 25",
        ),
        (
            "\n\n001  A  V  C  00:00:00;00 00:00:01;00 01:00:00;00 01:00:01;00\n",
            Rate::FPS_25,
            "line 3",
            "drop-frame",
        ),
        (
            "001  A  X  C  00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n",
            Rate::FPS_25,
            "line 1",
            "channel",
        ),
        (
            "001  A  V  Q  00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n",
            Rate::FPS_25,
            "line 1",
            "edit type",
        ),
        (
            "001  A  V  D  00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n",
            Rate::FPS_25,
            "line 1",
            "length",
        ),
        (
            "001  A  V  C  00:00:02:00 00:00:01:00 01:00:00:00 01:00:01:00\n",
            Rate::FPS_25,
            "line 1",
            "source out is before",
        ),
        (
            "001  A  V  C  00:00:00:00 00:00:01:00 01:00:05:00 01:00:01:00\n",
            Rate::FPS_25,
            "line 1",
            "record out",
        ),
        (
            "0x1  A  V  C  00:00:00:00 00:00:01:00 01:00:00:00 01:00:01:00\n",
            Rate::FPS_25,
            "line 1",
            "event number",
        ),
        (
            "TITLE: nothing\nFCM: NON-DROP FRAME\n",
            Rate::FPS_25,
            "line 2",
            "no events",
        ),
        ("", Rate::FPS_25, "line 1", "no events"),
    ];
    for (text, rate, place, why) in cases {
        let e = read_err(text, *rate);
        assert!(
            e.starts_with(&format!("{place}: ")) && e.contains(why),
            "{text:?}: {e:?} should name {place} and say {why:?}"
        );
    }
}

#[test]
fn frame_counts_crlf_and_an_fcm_drop_frame_at_25_are_read_leniently() {
    let text = "TITLE: lenient\r\nFCM: DROP FRAME\r\n001  A  V  C  100 150 90000 90050\r\n* FROM CLIP NAME: a\r\n";
    let r = read(text, Rate::FPS_25);
    assert_lines(&summary(&r.timeline), &["V1 @0 clip \"a\" src 100+50"]);
    assert_eq!(r.timeline.start_frame, 90_000);
    assert_eq!(r.notes.len(), 1, "{:#?}", r.notes);
    assert!(r.notes[0].starts_with("line 2: "), "{:#?}", r.notes);
}

// ---------------------------------------------------------------------------------------------
// Our own writer

fn clip(name: &str, url: &str, start: i64, duration: i64) -> Clip {
    Clip::new(name, Media::at(url), FrameRange::new(start, duration))
}

fn marker(frame: i64, color: &str, name: &str) -> Marker {
    Marker {
        name: name.into(),
        color: color.into(),
        range: FrameRange::new(frame, 0),
        comment: String::new(),
        metadata: Map::new(),
        extra: Map::new(),
    }
}

fn gap(duration: i64) -> Item {
    Item::Gap(Gap {
        duration,
        extra: Map::new(),
    })
}

fn dissolve(in_offset: i64, out_offset: i64) -> Item {
    Item::Transition(Transition {
        name: String::new(),
        kind: DISSOLVE.into(),
        in_offset,
        out_offset,
        metadata: Map::new(),
        extra: Map::new(),
    })
}

fn timeline(rate: Rate, start: i64, drop_frame: bool, tracks: Vec<Track>) -> Timeline {
    let mut tl = Timeline::new("Round trip", rate, tracks).with_start_frame(start);
    tl.drop_frame = drop_frame;
    tl
}

/// The written timelines: dissolves with no frames before their cut (which CMX3600 can say
/// exactly), speeds, markers, gaps, two audio tracks, at 25 and 29.97 drop-frame.
fn written_timelines() -> Vec<Timeline> {
    let mut fast = clip("fast", "/media/fast.mov", 500, 40);
    fast.speed = 2.0;
    let mut slow = clip("slow", "/media/slow.mov", 800, 30);
    slow.speed = 0.5;
    let mut a = clip("interview", "/media/interview.mov", 100, 75);
    a.markers = vec![marker(110, "GREEN", "good"), marker(150, "BLUE", "laugh")];
    let pal = timeline(
        Rate::FPS_25,
        90_000,
        false,
        vec![
            Track::new(
                "V1",
                TrackKind::Video,
                vec![
                    Item::Clip(a),
                    gap(25),
                    Item::Clip(fast),
                    dissolve(0, 10),
                    Item::Clip(clip("cutaway", "/media/cutaway.mov", 1000, 50)),
                    Item::Clip(slow),
                ],
            ),
            Track::new(
                "A1",
                TrackKind::Audio,
                vec![
                    Item::Clip(clip("interview", "/media/interview.mov", 100, 75)),
                    gap(25),
                    Item::Clip(clip("room", "/media/room.wav", 0, 120)),
                ],
            ),
            Track::new(
                "A2",
                TrackKind::Audio,
                vec![
                    gap(10),
                    Item::Clip(clip("music", "/media/music.wav", 250, 200)),
                    dissolve(0, 20),
                    Item::Clip(clip("music two", "/media/music2.wav", 0, 60)),
                ],
            ),
        ],
    );
    let mut ntsc_fast = clip("ntsc fast", "/media/n_fast.mov", 3000, 900);
    ntsc_fast.speed = 2.0;
    let mut ntsc_a = clip("ntsc a", "/media/n_a.mov", 17_000, 2000);
    ntsc_a.markers = vec![marker(17_982, "RED", "minute ten")];
    let ntsc = timeline(
        Rate::FPS_29_97,
        107_892,
        true,
        vec![Track::new(
            "V1",
            TrackKind::Video,
            vec![
                Item::Clip(ntsc_a),
                dissolve(0, 30),
                Item::Clip(ntsc_fast),
                gap(1800),
                Item::Clip(clip("ntsc b", "/media/n_b.mov", 0, 100)),
            ],
        )],
    );
    vec![pal, ntsc]
}

#[test]
fn reads_back_what_our_writer_writes() {
    for tl in written_timelines() {
        let text = edl::write_string(&tl);
        let r = read(&text, tl.rate);
        let back = &r.timeline;
        assert!(r.notes.is_empty(), "{:#?}\n{text}", r.notes);
        assert_eq!(back.start_frame, tl.start_frame, "{text}");
        assert_eq!(back.drop_frame, tl.drop_frame, "{text}");
        assert_eq!(back.name, tl.name);
        assert_lines(
            &summary(back),
            &summary(&tl).iter().map(String::as_str).collect::<Vec<_>>(),
        );
        for (t, u) in tl.tracks.iter().zip(&back.tracks) {
            for (a, b) in t
                .items
                .iter()
                .filter_map(Item::as_clip)
                .zip(u.items.iter().filter_map(Item::as_clip))
            {
                assert_eq!(a.media.url, b.media.url, "{text}");
                assert_eq!(
                    b.media.name,
                    a.media
                        .url
                        .as_deref()
                        .unwrap_or_default()
                        .rsplit('/')
                        .next()
                        .unwrap_or_default()
                );
            }
        }
    }
}

#[test]
fn a_dissolve_around_its_cut_reads_back_starting_at_the_incoming_record_in() {
    // CMX3600 has no cut point inside a dissolve: the writer starts it `in_offset` frames before
    // the cut, so the outgoing clip comes back shorter and the incoming one longer by as much.
    let mut b = clip("b", "/m/b.mov", 200, 50);
    b.speed = 2.0;
    let tl = timeline(
        Rate::FPS_25,
        90_000,
        false,
        vec![Track::new(
            "V1",
            TrackKind::Video,
            vec![
                Item::Clip(clip("a", "/m/a.mov", 100, 50)),
                dissolve(6, 6),
                Item::Clip(b),
            ],
        )],
    );
    let r = read(&edl::write_string(&tl), tl.rate);
    assert_lines(
        &summary(&r.timeline),
        &[
            "V1 @0 clip \"a\" src 100+44",
            "V1 @44 SMPTE_Dissolve 0/12",
            "V1 @44 clip \"b\" src 188+56 x2.000",
        ],
    );
}

#[test]
fn timeline_markers_come_back_on_the_clips_they_fall_on() {
    let mut tl = timeline(
        Rate::FPS_24,
        86_400,
        false,
        vec![Track::new(
            "V1",
            TrackKind::Video,
            vec![
                Item::Clip(clip("a", "/m/a.mov", 1000, 48)),
                Item::Clip(clip("b", "/m/b.mov", 2000, 48)),
            ],
        )],
    );
    tl.markers = vec![marker(10, "RED", "first"), marker(60, "CYAN", "second")];
    let r = read(&edl::write_string(&tl), tl.rate);
    assert_lines(
        &summary(&r.timeline),
        &[
            "V1 @0 clip \"a\" src 1000+48",
            "V1   marker 1010 RED \"first\"",
            "V1 @48 clip \"b\" src 2000+48",
            "V1   marker 2012 CYAN \"second\"",
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Never a panic

/// What every successful reading holds to.
fn well_formed(r: &Reading) {
    let tl = &r.timeline;
    check_bounds(tl).unwrap_or_else(|e| panic!("out of bounds: {e}"));
    assert!(tl.tracks.iter().any(|t| !t.items.is_empty()));
    for t in &tl.tracks {
        for (i, item) in t.items.iter().enumerate() {
            match item {
                Item::Transition(tr) => {
                    assert!(i > 0, "a transition first on {}", t.name);
                    assert!(
                        matches!(t.items.get(i + 1), Some(Item::Clip(c)) if c.source.duration >= tr.out_offset),
                        "a transition not before a clip long enough on {}",
                        t.name
                    );
                    assert!(!matches!(t.items[i - 1], Item::Transition(_)));
                }
                other => assert!(other.duration() > 0, "an empty item on {}", t.name),
            }
        }
    }
    for n in &r.notes {
        assert!(n.starts_with("line "), "a note without its line: {n}");
        assert!(!n.contains('\n'), "a note of more than one line: {n}");
    }
    // Whatever was read can be written and read again, where an EDL can say it: within 12
    // hours of timecode (the writer wraps at 24) and with an event the writer writes.
    let again = edl::write_string(tl);
    let half_day = i64::from(tl.rate.timecode_base()) * 43_200;
    let has_event = again
        .lines()
        .any(|l| l.starts_with(|c: char| c.is_ascii_digit()));
    if has_event && tl.start_frame + tl.duration() < half_day {
        if let Err(e) = edl_read::read_str(&again, tl.rate) {
            panic!("the EDL written from a reading does not read: {e}\n{again}");
        }
    }
}

fn exercise(text: &str) {
    for rate in [Rate::FPS_24, Rate::FPS_25, Rate::FPS_29_97, Rate::FPS_59_94] {
        if let Ok(r) = edl_read::read_str(text, rate) {
            well_formed(&r);
        }
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, String),
    DuplicateLine(usize),
    DropLine(usize),
    SwapLines(usize, usize),
    Digit(usize, char),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..20).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (
            any::<usize>(),
            prop_oneof![
                "\\PC{0,12}".boxed(),
                Just(" D 030 ".to_string()).boxed(),
                Just("\nM2   A001   -048.0   00:00:01:00\n".to_string()).boxed(),
                Just("\n* LOC: 99:99:99:99 RED x\n".to_string()).boxed(),
                Just(";".to_string()).boxed(),
                Just("\nFCM: DROP FRAME\n".to_string()).boxed(),
                Just("\nAUD 3 4\n".to_string()).boxed(),
                Just("/V".to_string()).boxed(),
                Just("999999999999".to_string()).boxed(),
            ]
        )
            .prop_map(|(a, s)| Mutation::Insert(a, s)),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        any::<usize>().prop_map(Mutation::DropLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<usize>(), proptest::char::range('0', '9')).prop_map(|(a, d)| Mutation::Digit(a, d)),
    ]
}

fn mutate(text: &str, muts: &[Mutation]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for m in muts {
        match m {
            Mutation::Delete(at, n) if !chars.is_empty() => {
                let a = at % chars.len();
                let b = (a + n).min(chars.len());
                chars.drain(a..b);
            }
            Mutation::Insert(at, s) => {
                let a = at % (chars.len() + 1);
                chars.splice(a..a, s.chars());
            }
            Mutation::Digit(at, d) if !chars.is_empty() => {
                let a = at % chars.len();
                if chars[a].is_ascii_digit() {
                    chars[a] = *d;
                }
            }
            Mutation::DuplicateLine(i) | Mutation::DropLine(i) | Mutation::SwapLines(i, _) => {
                let s: String = chars.iter().collect();
                let mut lines: Vec<String> = s.split('\n').map(str::to_string).collect();
                let k = i % lines.len();
                match m {
                    Mutation::DuplicateLine(_) => lines.insert(k, lines[k].clone()),
                    Mutation::DropLine(_) => {
                        lines.remove(k);
                    }
                    Mutation::SwapLines(_, j) => {
                        let j = j % lines.len();
                        lines.swap(k, j);
                    }
                    _ => {}
                }
                chars = lines.join("\n").chars().collect();
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

fn valid_edls() -> Vec<String> {
    let mut v = vec![
        PREMIERE_2997.to_string(),
        AVID_25.to_string(),
        MIDNIGHT_24.to_string(),
    ];
    v.extend(written_timelines().iter().map(edl::write_string));
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,300}") {
        exercise(&s);
    }

    #[test]
    fn event_shaped_lines_never_panic(
        lines in proptest::collection::vec(
            (
                "[0-9]{1,4}",
                prop_oneof![Just("A001".to_string()), Just("BL".to_string()), "[A-Z.]{1,3}".prop_map(|s| s)],
                prop_oneof![Just("V"), Just("A"), Just("AA/V"), Just("B"), Just("A5"), Just("NONE")],
                prop_oneof![Just("C"), Just("D 010"), Just("W001 005"), Just("K B"), Just("K"), Just("D 999999")],
                proptest::collection::vec((0u32..30, 0u32..60, 0u32..60, 0u32..32), 4),
                prop_oneof![Just(""), Just("\nM2 A001 050.0 00:00:00:00"), Just("\nM2 A001 -1e308 00:00:00:00"), Just("\n* LOC: 00:00:00:10 RED m"), Just("\nFCM: DROP FRAME"), Just("\nSPLIT: AUDIO DELAY= 00:00:00:05")],
            ),
            1..12,
        )
    ) {
        let text: String = lines
            .iter()
            .map(|(n, reel, chan, edit, tcs, extra)| {
                let tc: Vec<String> = tcs
                    .iter()
                    .map(|(h, m, s, f)| format!("{h:02}:{m:02}:{s:02}:{f:02}"))
                    .collect();
                format!("{n}  {reel}  {chan}  {edit}  {}{extra}\n", tc.join(" "))
            })
            .collect();
        exercise(&text);
    }

    #[test]
    fn mutated_edls_never_panic(
        which in any::<usize>(),
        muts in proptest::collection::vec(mutation(), 1..6),
    ) {
        let edls = valid_edls();
        let text = mutate(&edls[which % edls.len()], &muts);
        exercise(&text);
    }
}
