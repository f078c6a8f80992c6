//! The `edit` command end to end: the real binary on timeline files built here, checking exit
//! codes, stderr lines, that nothing is written on failure, and the edited timeline.

use crate::fixture;

use std::path::Path;
use std::process::{Command, Output};

use interchange::read_timeline_str;
use protocol::Timeline;

use fixture::interview_sample as sample;

const SRT: &str = "1\n00:00:00,400 --> 00:00:03,000\nANNA: We opened the shop in 1983.\n\n\
2\n00:00:04,000 --> 00:00:06,000\nANNA: I still miss him every day, I cry at night.\n\n\
3\n00:00:06,000 --> 00:00:07,000\nBEN: Um...\n\n\
4\n00:00:08,000 --> 00:00:12,000\nBEN: We are so happy the street is alive again!\n";

use fixture::Case;

impl Case {
    fn for_edit() -> Case {
        Case::with(&sample(), SRT)
    }

    fn run(&self, instruction: &str, extra: &[&str]) -> Output {
        self.edit_cmd(instruction).args(extra).output().unwrap()
    }

    fn result(&self) -> Timeline {
        read_timeline_str(&std::fs::read_to_string(self.path("out.otio")).unwrap()).unwrap()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn v1_sources(tl: &Timeline, track: usize) -> Vec<(String, i64, i64)> {
    tl.tracks[track]
        .clips_with_ranges()
        .map(|(_, _, c)| {
            (
                c.media_file_name().unwrap_or_default().to_string(),
                c.source.start,
                c.source.end(),
            )
        })
        .collect()
}

fn only_temporary_free(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn deletes_the_sad_line_on_every_track() {
    let c = Case::for_edit();
    let o = c.run("delete the sad lines", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let tl = c.result();
    // Line 2 covers frames [100, 150): all of clip 2's first half.
    let want = vec![
        ("a.mov".to_string(), 1000, 1100),
        ("b.mov".to_string(), 2050, 2100),
        ("c.mov".to_string(), 3000, 3100),
        ("d.mov".to_string(), 4000, 4100),
    ];
    assert_eq!(v1_sources(&tl, 0), want);
    assert_eq!(v1_sources(&tl, 1), want, "A1 mirrors V1");
    assert_eq!(tl.duration(), 350);
}

#[test]
fn refusals_exit_2_with_one_line_and_write_nothing() {
    let c = Case::for_edit();
    for (instruction, says) in [
        ("make it look more cinematic", "cannot judge"),
        ("delete everything Carla says", "speakers here: ANNA, BEN"),
        ("把画面调成暖色调", "colour grading"),
        ("delete the orange markers", "no orange markers"),
    ] {
        let o = c.run(instruction, &[]);
        assert_eq!(o.status.code(), Some(2), "{instruction}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains(says), "{instruction}: {err}");
        assert!(!c.path("out.otio").exists(), "{instruction} wrote a file");
    }
    assert_eq!(
        only_temporary_free(c.dir.path()).len(),
        2,
        "no temporary files left behind"
    );
}

#[test]
fn deleting_most_of_the_timeline_needs_all() {
    let c = Case::for_edit();
    let o = c.run("cut from 0:01 to 0:15", &[]);
    assert!(
        o.status.success(),
        "an explicit range is explicit: {}",
        stderr(&o)
    );
    // The guard itself is tested in the resolver's unit tests.
}

#[test]
fn bad_input_exits_1_naming_file_and_place() {
    let c = Case::for_edit();
    std::fs::write(
        c.path("in.otio"),
        "{\"OTIO_SCHEMA\": \"Timeline.1\", \"tracks\": ",
    )
    .unwrap();
    let o = c.run("delete the third clip", &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("in.otio") && err.contains("line 1"), "{err}");
    assert!(!c.path("out.otio").exists());

    let c = Case::for_edit();
    std::fs::write(
        c.path("in.srt"),
        "1\n00:00:05,000 --> 00:00:04,000\nback to front\n",
    )
    .unwrap();
    let o = c.run("delete the third clip", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("in.srt") && stderr(&o).contains("line 2"),
        "{}",
        stderr(&o)
    );

    let c = Case::for_edit();
    let o = Command::new(env!("CARGO_BIN_EXE_bridge-daemon"))
        .args(["edit", "--timeline"])
        .arg(c.path("in.otio"))
        .args(["--instruction", "delete the third clip", "--output"])
        .arg(c.path("out.docx"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("unknown output format"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn compound_instruction_resolves_each_step_on_the_result_of_the_last() {
    let c = Case::for_edit();
    let o = c.run("删掉第一个镜头，然后把最后一个镜头移到开头", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let names: Vec<String> = v1_sources(&c.result(), 0)
        .into_iter()
        .map(|(m, _, _)| m)
        .collect();
    assert_eq!(names, ["d.mov", "b.mov", "c.mov"]);
}

#[test]
fn explain_and_json_show_the_reasoning() {
    let c = Case::for_edit();
    let o = c.run(
        "remove the line where Anna says they opened the shop",
        &["--explain", "--json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("We opened the shop in 1983"), "{out}");
    assert!(
        out.contains("\"cut_list\"") && out.contains("\"op\": \"delete\""),
        "{out}"
    );
}

#[test]
fn impossible_timecodes_are_bad_input_and_spans_outside_match_nothing() {
    let c = Case::for_edit();
    let o = c.run("delete from 01:00:02:30 to 01:00:04:00", &[]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "frame 30 does not exist at 25 fps: {}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("below 25"), "{}", stderr(&o));
    let o = c.run("delete from 05:00:00:00 to 05:00:10:00", &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!c.path("out.otio").exists());
}
