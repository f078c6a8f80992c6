//! `bridge-daemon assemble` end to end (issue 10): a bin with several takes per script line,
//! built here; the real binary picks the fluent takes in script order and lists what it could
//! not find.

use std::process::Command;

use bridge_daemon::interchange::{otio, read_timeline_str};
use protocol::{Clip, FrameRange, Item, Media, Rate, Timeline, Track, TrackKind};

fn clip(name: &str, file: &str, start: i64) -> Item {
    Item::Clip(Clip {
        name: name.into(),
        media: Media {
            url: Some(format!("file:///media/{file}")),
            available: Some(FrameRange::new(start, 200)),
            ..Media::default()
        },
        source: FrameRange::new(start, 100),
        speed: 1.0,
        markers: vec![],
        enabled: true,
        link: None,
        metadata: Default::default(),
        effects: vec![],
        extra: Default::default(),
    })
}

/// Five takes of 100 frames at 25 fps; the second is named differently from its media file.
fn bin() -> Timeline {
    let items = vec![
        clip("t1a", "t1a.mov", 1000),
        clip("take 1b", "t1b.mov", 2000),
        clip("t2a", "t2a.mov", 3000),
        clip("t2b", "t2b.mov", 4000),
        clip("t3", "t3.mov", 5000),
    ];
    Timeline {
        name: "bin".into(),
        rate: Rate::FPS_25,
        start_frame: 0,
        drop_frame: false,
        tracks: vec![Track {
            name: "V1".into(),
            kind: TrackKind::Video,
            items,
            markers: vec![],
            enabled: true,
            metadata: Default::default(),
            extra: Default::default(),
        }],
        markers: vec![],
        subtitles: vec![],
        metadata: Default::default(),
        extra: Default::default(),
    }
}

fn srt(text: &str) -> String {
    format!("1\n00:00:00,400 --> 00:00:03,600\nMAYA: {text}\n")
}

const TAKES: [(&str, &str); 5] = [
    ("t1a", "Um, we we opened the -- the shop in 1983."),
    ("t1b", "We opened the shop in 1983."),
    ("t2a", "The street was full of people back then."),
    (
        "t2b",
        "The street was, uh, full of, um, people back then, you know, really full.",
    ),
    ("t3", "I will keep the doors open."),
];

const SCRIPT: &str = "# scene 4\n\
The street was full of people back then.\n\
We opened the shop in 1983.\n\
\n\
Nobody remembers the old cinema.\n\
I will keep the doors open.\n";

#[test]
fn assembles_fluent_takes_in_script_order() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    std::fs::write(p("bin.otio"), otio::write_string(&bin())).unwrap();
    std::fs::create_dir(p("subs")).unwrap();
    for (name, text) in TAKES {
        std::fs::write(p("subs").join(format!("{name}.srt")), srt(text)).unwrap();
    }
    std::fs::write(p("script.txt"), SCRIPT).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_bridge-daemon"))
        .arg("assemble")
        .arg("--script")
        .arg(p("script.txt"))
        .arg("--clips")
        .arg(p("bin.otio"))
        .arg("--subtitles")
        .arg(p("subs"))
        .arg("--output")
        .arg(p("out.otio"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains("unmatched script line 3: Nobody remembers the old cinema."),
        "{stderr}"
    );
    let mut tl = read_timeline_str(&std::fs::read_to_string(p("out.otio")).unwrap()).unwrap();
    // The transcript is written beside the timeline.
    tl.subtitles = bridge_daemon::interchange::srt::read_str(
        &std::fs::read_to_string(p("out.srt")).unwrap(),
        tl.rate,
    )
    .unwrap();
    let picked: Vec<(String, i64, i64)> = tl.tracks[0]
        .clips_with_ranges()
        .map(|(_, _, c)| {
            (
                c.media_file_name().unwrap_or_default().to_string(),
                c.source.start,
                c.source.duration,
            )
        })
        .collect();
    // Each take's line covers frames [10, 90) of its clip.
    assert_eq!(
        picked,
        vec![
            ("t2a.mov".to_string(), 3010, 80),
            ("t1b.mov".to_string(), 2010, 80),
            ("t3.mov".to_string(), 5010, 80),
        ]
    );
    assert_eq!(tl.tracks[1].kind, TrackKind::Audio, "A1 mirrors V1");
    let said: Vec<&str> = tl.subtitles.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        said,
        vec![
            "The street was full of people back then.",
            "We opened the shop in 1983.",
            "I will keep the doors open."
        ]
    );
    assert_eq!(tl.subtitles[1].range, FrameRange::new(80, 80));
}

#[test]
fn nothing_found_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    std::fs::write(p("bin.otio"), otio::write_string(&bin())).unwrap();
    std::fs::create_dir(p("subs")).unwrap();
    std::fs::write(p("subs").join("t1a.srt"), srt("Hello there.")).unwrap();
    std::fs::write(p("script.txt"), "Completely different words.\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_bridge-daemon"))
        .args(["assemble", "--script"])
        .arg(p("script.txt"))
        .arg("--clips")
        .arg(p("bin.otio"))
        .arg("--subtitles")
        .arg(p("subs"))
        .arg("--output")
        .arg(p("out.otio"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(!p("out.otio").exists());
}
