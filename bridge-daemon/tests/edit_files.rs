//! `bridge-daemon edit` on files: it keeps what it does not understand, and it refuses bad input
//! the documented way (exit 1, one stderr line naming the file and the place, no output file).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use interchange::otio;
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/interchange/fixtures").join(name)
}

fn example(name: &str) -> PathBuf {
    repo().join("examples").join(name)
}

fn run_edit(timeline: &Path, srt: Option<&Path>, instruction: &str, output: &Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bridge-daemon"));
    cmd.arg("edit").arg("--timeline").arg(timeline);
    if let Some(s) = srt {
        cmd.arg("--subtitles").arg(s);
    }
    cmd.args(["--instruction", instruction])
        .arg("--output")
        .arg(output);
    cmd.output().expect("run bridge-daemon")
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON")
}

#[test]
fn reading_and_writing_otio_changes_nothing() {
    let text = std::fs::read_to_string(fixture("unknown_fields.otio")).expect("fixture");
    let tl = otio::read_str(&text).expect("reads");
    let written: Value = serde_json::from_str(&otio::write_string(&tl)).expect("JSON");
    let original: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(written, original);
}

#[test]
fn unknown_metadata_effects_and_missing_references_survive_edit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let input = fixture("unknown_fields.otio");
    let out = dir.path().join("out.otio");
    let o = run_edit(&input, None, "删掉最后一个镜头", &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (before, after) = (json(&input), json(&out));

    for key in ["metadata", "x_top_level", "global_start_time", "name"] {
        assert_eq!(after[key], before[key], "timeline {key}");
    }
    let (sb, sa) = (&before["tracks"], &after["tracks"]);
    assert_eq!(sa["metadata"], sb["metadata"], "stack metadata");
    for t in 0..2 {
        let (tb, ta) = (&sb["children"][t], &sa["children"][t]);
        assert_eq!(ta["metadata"], tb["metadata"], "track {t} metadata");
        assert_eq!(ta["markers"], tb["markers"], "track {t} markers");
        let kids = ta["children"].as_array().expect("children");
        assert_eq!(kids.len(), 3, "track {t}: the last clip is gone");
        // The clip with unknown effects, metadata, fields and a second media reference, the gap
        // and the Clip.1 with a MissingReference come out exactly as they went in.
        for i in 0..3 {
            assert_eq!(kids[i], tb["children"][i], "track {t} item {i}");
        }
    }
    let a = &sa["children"][0]["children"][0];
    assert_eq!(a["effects"][0]["effect_name"], "GaussianBlur");
    assert_eq!(a["effects"][1]["OTIO_SCHEMA"], "TimeEffect.1");
    assert_eq!(a["media_references"]["PROXY"]["name"], "a_proxy.mp4");
    let b = &sa["children"][0]["children"][2];
    assert_eq!(b["OTIO_SCHEMA"], "Clip.1");
    assert_eq!(b["media_reference"]["OTIO_SCHEMA"], "MissingReference.1");
    assert_eq!(b["media_reference"]["metadata"]["tape"], "R017");
}

/// Runs `edit` on bad input and checks the documented refusal; returns the stderr line.
fn refused(timeline: &Path, srt: Option<&Path>, must_name: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("out.otio");
    let o = run_edit(timeline, srt, "删掉第三个镜头", &out);
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "exit code; stderr: {stderr}");
    let line = stderr.trim_end();
    assert_eq!(line.lines().count(), 1, "one stderr line: {stderr:?}");
    let bad_file = srt.unwrap_or(timeline);
    assert!(
        line.contains(&bad_file.display().to_string()),
        "names the file: {line}"
    );
    for m in must_name {
        assert!(line.contains(m), "names {m:?}: {line}");
    }
    assert!(!out.exists(), "no output file");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "nothing written at all: {left:?}");
    line.to_string()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write input");
    p
}

/// The sample timeline with one substitution in its text.
fn sample_with(from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(example("interview.otio")).expect("sample");
    assert!(text.contains(from), "the sample holds {from:?}");
    text.replacen(from, to, 1)
}

#[test]
fn malformed_json_names_line_and_column() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text =
        "{\n    \"OTIO_SCHEMA\": \"Timeline.1\",\n    \"tracks\": {\"children\": [1, 2,,]}\n}\n";
    let p = write(dir.path(), "broken.otio", text);
    let line = refused(&p, None, &["line 3, column"]);
    assert!(!line.contains('\n'));
}

#[test]
fn unknown_schema_version_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "future.otio",
        &sample_with("\"Timeline.1\"", "\"Timeline.2\""),
    );
    refused(&p, None, &["$:", "Timeline.2"]);
}

#[test]
fn empty_timeline_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = r#"{"OTIO_SCHEMA": "Timeline.1", "name": "empty", "metadata": {},
        "global_start_time": {"OTIO_SCHEMA": "RationalTime.1", "rate": 25.0, "value": 90000.0},
        "tracks": {"OTIO_SCHEMA": "Stack.1", "children": [
            {"OTIO_SCHEMA": "Track.1", "name": "V1", "kind": "Video", "children": []}]}}"#;
    let p = write(dir.path(), "empty.otio", text);
    refused(&p, None, &["$.tracks", "empty"]);
}

#[test]
fn rate_zero_is_refused_where_it_is() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = write(
        dir.path(),
        "start_rate0.otio",
        &sample_with("\"rate\": 25.0", "\"rate\": 0.0"),
    );
    refused(&p, None, &["$.global_start_time", "rate 0"]);
    // The timeline's rate comes from its start time; a 0 in a clip's time is named there.
    let mut v = json(&example("interview.otio"));
    v["tracks"]["children"][0]["children"][0]["source_range"]["duration"]["rate"] = 0.0.into();
    let p = write(dir.path(), "clip_rate0.otio", &v.to_string());
    refused(
        &p,
        None,
        &[
            "$.tracks.children[0].children[0].source_range.duration",
            "rate 0 is not a positive number",
        ],
    );
}

#[test]
fn overlapping_subtitles_are_kept_and_said() {
    // Two people talking over each other: both lines are real, so both are kept; the editor is
    // told, on stderr and in --explain.
    let dir = tempfile::tempdir().expect("tempdir");
    let srt = "1\n00:00:01,000 --> 00:00:03,000\n李秀英：第一句。\n\n2\n00:00:02,500 --> 00:00:04,000\nBOB: overlapping.\n";
    let s = write(dir.path(), "overlap.srt", srt);
    let out = dir.path().join("out.otio");
    let o = run_edit(&example("interview.otio"), Some(&s), "删掉第三个镜头", &out);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("overlap"), "{stderr}");
    assert!(out.exists());
}

#[test]
fn bad_subtitle_timing_is_refused_at_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let srt = "1\n00:00:01,000 --> 00:00:03,000\nfine\n\n2\n00:00:04,000 --> 00:00:0x,500\nbad\n";
    let s = write(dir.path(), "timing.srt", srt);
    refused(
        &example("interview.otio"),
        Some(&s),
        &["line 6", "00:00:0x,500"],
    );
    let srt = "1\n00:00:05,000 --> 00:00:03,000\nbackwards\n";
    let s = write(dir.path(), "backwards.srt", srt);
    refused(
        &example("interview.otio"),
        Some(&s),
        &["line 2", "ends before it starts"],
    );
}

/// An EDL as Premiere writes it, from 01:00:00:00, with a Resolve-style SRT timed from the same
/// start timecode and saved as GB18030: `edit` says what it read, finds the line, and writes OTIO.
#[test]
fn an_edl_with_a_transcript_from_the_start_timecode() {
    let dir = tempfile::tempdir().expect("tempdir");
    let edl = "TITLE: Interview\nFCM: NON-DROP FRAME\n\n\
        001  A001     V     C        00:00:10:00 00:00:14:00 01:00:00:00 01:00:04:00\n\
        * FROM CLIP NAME: kitchen wide\n\n\
        002  A002     V     C        00:00:20:00 00:00:26:00 01:00:04:00 01:00:10:00\n\
        * FROM CLIP NAME: street\n";
    let edl_path = write(dir.path(), "cut.edl", edl);
    let srt = "1\n01:00:00,500 --> 01:00:03,000\n张伟：今天天气很好。\n\n\
               2\n01:00:05,000 --> 01:00:08,000\n张伟：我们去老街吧。\n";
    let (gb, _, _) = encoding_rs::GB18030.encode(srt);
    let srt_path = dir.path().join("cut.srt");
    std::fs::write(&srt_path, &gb).unwrap();
    let out = dir.path().join("out.otio");
    let o = Command::new(env!("CARGO_BIN_EXE_bridge-daemon"))
        .args(["edit", "--rate", "25", "--explain", "--timeline"])
        .arg(&edl_path)
        .arg("--subtitles")
        .arg(&srt_path)
        .args(["--instruction", "删掉去老街那句话", "--output"])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("as a CMX3600 EDL at 25 fps"), "{stdout}");
    assert!(stdout.contains("GB18030"), "{stdout}");
    assert!(stdout.contains("01:00:00:00"), "{stdout}");
    // The second line, 5–8 s into the timeline, is gone: 10 s become 7 s.
    let written = json(&out);
    let v1 = &written["tracks"]["children"][0]["children"];
    let total: f64 = v1
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c["source_range"]["duration"]["value"]
                .as_f64()
                .unwrap_or(0.0)
        })
        .sum();
    assert_eq!(total, 175.0, "{written}");
    assert_eq!(written["global_start_time"]["value"], 90000.0);
}

/// An EDL without --rate is refused with what to do.
#[test]
fn an_edl_without_a_rate_says_to_give_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let edl =
        "TITLE: x\n001  A001     V     C        00:00:10:00 00:00:14:00 01:00:00:00 01:00:04:00\n";
    let p = write(dir.path(), "x.edl", edl);
    refused(&p, None, &["--rate"]);
}
