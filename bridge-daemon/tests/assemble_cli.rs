//! `bridge-daemon assemble` end to end (issues 10 and 21): bins built here — English, Chinese and
//! mixed takes; disfluent, broken-off and restarted, paraphrased and near-miss takes; a take that
//! holds two script lines; a script line never shot. The real binary must give every shot line
//! its best take, give no unshot line any take (a red-marked slug, exit 2, the assembly still
//! written), put the other takes of a line on disabled lower tracks (checked with
//! OpenTimelineIO's own reader), and list everything in the HTML report.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

use common::python::python;
use interchange::{otio, read_timeline_str};
use protocol::{Clip, FrameRange, Item, Media, Rate, Timeline, Track, TrackKind};

fn clip(name: &str, start: i64) -> Item {
    let media =
        Media::at(format!("file:///media/{name}.mov")).with_available(FrameRange::new(start, 200));
    Clip::new(name, media, FrameRange::new(start, 100)).into()
}

/// Takes of 100 frames at 25 fps, each from its own media file.
fn bin(names: &[&str]) -> Timeline {
    let items = names
        .iter()
        .enumerate()
        .map(|(i, n)| clip(n, 1000 * (i as i64 + 1)))
        .collect();
    Timeline::new(
        "bin",
        Rate::FPS_25,
        vec![Track::new("V1", TrackKind::Video, items)],
    )
}

/// A take's transcript: one line from 0.4 s to 3.6 s (frames 10–90).
fn srt(text: &str) -> String {
    format!("1\n00:00:00,400 --> 00:00:03,600\n{text}\n")
}

/// Write the bin, its transcripts and the script, run `assemble`; the output and the process.
fn run(dir: &Path, takes: &[(&str, &str)], script: &str) -> Output {
    let names: Vec<&str> = takes.iter().map(|(n, _)| *n).collect();
    std::fs::write(dir.join("bin.otio"), otio::write_string(&bin(&names))).unwrap();
    std::fs::create_dir_all(dir.join("subs")).unwrap();
    for (name, text) in takes {
        std::fs::write(dir.join("subs").join(format!("{name}.srt")), srt(text)).unwrap();
    }
    std::fs::write(dir.join("script.txt"), script).unwrap();
    Command::new(env!("CARGO_BIN_EXE_bridge-daemon"))
        .arg("assemble")
        .arg("--script")
        .arg(dir.join("script.txt"))
        .arg("--clips")
        .arg(dir.join("bin.otio"))
        .arg("--subtitles")
        .arg(dir.join("subs"))
        .arg("--output")
        .arg(dir.join("out.otio"))
        .arg("--report")
        .arg(dir.join("report.html"))
        .output()
        .unwrap()
}

const TAKES: [(&str, &str); 12] = [
    ("t1a", "Um, we we opened the -- the shop in 1983."),
    ("t1b", "We opened the shop in 1983."),
    ("t1c", "We opened the shop in 1985."),
    ("t2a", "The street was full of people back then."),
    (
        "t2b",
        "Back then -- the street was full of people back then.",
    ),
    ("p1", "The shop opened in the eighties."),
    ("t3", "I never said I wanted to leave."),
    ("z1", "嗯，这家店，这家店开了三十年了"),
    ("z2", "这家店开了三十年了"),
    ("z3", "这家店开了二十年"),
    ("m1", "我们今天去吃饺子。I will keep the doors open."),
    ("t4", "The street is full of people now."),
];

const SCRIPT: &str = "# scene 4\n\
We opened the shop in 1983.\n\
The street was full of people back then.\n\
This line was never shot.\n\
\n\
这家店开了三十年了\n\
我们今天去吃饺子\n\
I will keep the doors open.\n";

#[test]
fn every_shot_line_gets_its_best_take_and_no_unshot_line_any() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    let o = run(dir.path(), &TAKES, SCRIPT);
    let stderr = String::from_utf8_lossy(&o.stderr);
    let stdout = String::from_utf8_lossy(&o.stdout);
    // Partial: written, and exit 2 says a line is missing.
    assert_eq!(o.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("line 3 is said in no take, left as a slug: This line was never shot.")
            && stderr.contains("(closest: clip ")
            && stderr.contains("says 20% of it"),
        "{stderr}"
    );
    assert!(stderr.contains("1 of 6 script lines"), "{stderr}");
    assert!(stdout.contains("line 1: clip 2 \"t1b\""), "{stdout}");
    assert!(
        stdout.contains("complete, fluent, no repeats; 1 alternate"),
        "{stdout}"
    );

    let mut tl = read_timeline_str(&std::fs::read_to_string(p("out.otio")).unwrap()).unwrap();
    tl.subtitles =
        interchange::srt::read_str(&std::fs::read_to_string(p("out.srt")).unwrap(), tl.rate)
            .unwrap();
    let v1 = &tl.tracks[0];
    // V1: the clean take of each line; a 2 s slug for the unshot one; the take holding lines 5
    // and 6 once.
    let layout: Vec<String> = v1
        .items
        .iter()
        .map(|it| match it {
            Item::Clip(c) => format!("{} {}+{}", c.name, c.source.start, c.source.duration),
            Item::Gap(g) => format!("gap {}", g.duration),
            Item::Transition(_) => "transition".into(),
        })
        .collect();
    assert_eq!(
        layout,
        [
            "t1b 2010+80",
            "t2a 4010+80",
            "gap 50",
            "z2 9010+80",
            "m1 11010+80"
        ]
    );
    // Timeline markers (Resolve keeps no track markers): green on each chosen take (score and
    // why), red on the slug with the line.
    let marks: Vec<(String, String, i64)> = tl
        .markers
        .iter()
        .map(|m| (m.color.clone(), m.name.clone(), m.range.start))
        .collect();
    assert_eq!(marks.len(), 5, "{marks:?}");
    assert_eq!(marks[2], ("RED".into(), "line 3 not shot".into(), 160));
    assert!(
        marks[0].0 == "GREEN" && marks[0].1.starts_with("line 1: t1b (score"),
        "{marks:?}"
    );
    assert_eq!(tl.markers[2].comment, "This line was never shot.");
    // The transcript says what each take says, and marks the missing line.
    let said: Vec<&str> = tl.subtitles.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        said,
        [
            "We opened the shop in 1983.",
            "The street was full of people back then.",
            "[not shot] This line was never shot.",
            "这家店开了三十年了",
            "我们今天去吃饺子。I will keep the doors open."
        ]
    );

    // Alternates, read back by OpenTimelineIO itself: on V2/A2, disabled, in line with their
    // takes; near misses (1985, 二十年, "is … now") and paraphrases are nowhere.
    let check = r#"
import json, sys
import opentimelineio as otio
tl = otio.adapters.read_from_file(sys.argv[1])
out = []
for t in tl.tracks:
    at = 0
    items = []
    for it in t:
        d = it.duration().to_frames()
        if isinstance(it, otio.schema.Clip):
            items.append([it.name, at, it.enabled])
        at += d
    out.append([t.name, t.kind, items])
print(json.dumps(out))
"#;
    let out = p("out.otio");
    let py = python(["-c".as_ref(), check.as_ref(), out.as_os_str()]);
    let tracks: serde_json::Value = serde_json::from_slice(&py.stdout).unwrap();
    let tracks = tracks.as_array().unwrap();
    let names: Vec<&str> = tracks.iter().map(|t| t[0].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["V1", "V2 alternates 1", "A1", "A2 alternates 1"],
        "{tracks:?}"
    );
    for t in &tracks[..2] {
        assert_eq!(t[1], "Video");
    }
    let v2 = &tracks[1][2];
    assert_eq!(
        v2,
        &serde_json::json!([["t1a", 0, false], ["t2b", 80, false], ["z1", 210, false]]),
        "{tracks:?}"
    );
    assert_eq!(tracks[3][2], *v2, "A2 mirrors V2");
    assert!(
        tracks[0][2]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c[2] == true)
    );
    let everywhere = serde_json::to_string(&tracks).unwrap();
    for never in ["t1c", "p1", "t3", "z3", "t4"] {
        assert!(
            !everywhere.contains(&format!("\"{never}\"")),
            "{never} was used: {everywhere}"
        );
    }

    // The report: every script line, chosen takes with why, alternates with scores, the gap.
    let html = std::fs::read_to_string(p("report.html")).unwrap();
    for s in [
        "5 of 6 script lines found",
        "This line was never shot.",
        "not shot",
        "closest: ",
        "<b>t1b</b>",
        "complete, fluent, no repeats",
        "t1a (",
        "t2b (",
        "the same take as the line before",
        "这家店开了三十年了",
    ] {
        assert!(html.contains(s), "{s} missing from the report");
    }
}

#[test]
fn a_complete_assembly_exits_0_and_nothing_found_is_exit_2_without_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[
            ("a", "We opened the shop in 1983."),
            ("b", "嗯我们今天去吃饺子吧"),
        ],
        "我们今天去吃饺子\nWe opened the shop in 1983.\n",
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let o = run(
        dir.path(),
        &[("a", "Hello there.")],
        "Completely different words.\n",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(!dir.path().join("out.otio").exists());
}
