//! Standing preferences end to end (issue 10): set by instruction or by `bridge-daemon prefs`,
//! kept on disk between runs of the real binary, and honoured by `edit`; and the front ends
//! (`edit`, `ask` offline, `ask` through a running daemon) agreeing on outcome and exit code,
//! preferences said as instructions included.

use crate::common;
use crate::fixture;

use std::process::{Command, Output};

use protocol::Timeline;
use serde_json::Value;

/// Four clips of 100 frames at 25 fps (16 s), V1 and a mirroring A1, named "shop interview".
fn sample() -> Timeline {
    let clip = |name: &str, start| fixture::clip(name, &format!("{name}.mov"), start, 100);
    fixture::mirrored(
        "shop interview",
        0,
        vec![
            clip("a", 1000),
            clip("b", 2000),
            clip("c", 3000),
            clip("d", 4000),
        ],
    )
}

// Lines at [10,75) [100,150) [200,250) [263,300) [310,375); the one pause over a second is
// [150,200).
const SRT: &str = "1\n00:00:00,400 --> 00:00:03,000\nMAYA: We opened the shop in 1983.\n\n\
2\n00:00:04,000 --> 00:00:06,000\nBEN: I still miss him every day.\n\n\
3\n00:00:08,000 --> 00:00:10,000\nMAYA: The street was full of people back then.\n\n\
4\n00:00:10,500 --> 00:00:12,000\nBEN: It was loud.\n\n\
5\n00:00:12,400 --> 00:00:15,000\nMAYA: And I will keep the doors open.\n";

use fixture::Case;

impl Case {
    fn for_prefs() -> Case {
        Case::with(&sample(), SRT)
    }

    /// The real binary with the preferences kept in this case's folder (by the variable).
    fn bin(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_bridge-daemon"));
        c.env("CUTBRIDGE_PREFS_DIR", self.path("prefs"));
        c
    }

    fn edit(&self, instruction: &str) -> Output {
        self.bin()
            .arg("edit")
            .arg("--timeline")
            .arg(self.path("in.otio"))
            .arg("--subtitles")
            .arg(self.path("in.srt"))
            .arg("--instruction")
            .arg(instruction)
            .arg("--json")
            .output()
            .unwrap()
    }

    fn prefs(&self, args: &[&str]) -> Output {
        self.bin().arg("prefs").args(args).output().unwrap()
    }
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The delete ranges of an `edit --json` reply, and its notes.
fn deletes(stdout: &str) -> (Vec<(i64, i64)>, Vec<String>) {
    let v: Value = serde_json::from_str(stdout).unwrap();
    let ranges = v["cut_list"]["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["op"] == "delete")
        .map(|o| {
            let s = o["range"]["start"].as_i64().unwrap();
            (s, s + o["range"]["duration"].as_i64().unwrap())
        })
        .collect();
    let notes = v["explanation"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["notes"].as_array().cloned().unwrap_or_default())
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    (ranges, notes)
}

#[test]
fn a_protected_line_survives_deleting_everything_its_speaker_says() {
    let c = Case::for_prefs();
    let before = deletes(&ok(&c.edit("delete everything Maya says"))).0;
    assert_eq!(before, vec![(310, 375), (200, 250), (10, 75)]);
    let said: Value = serde_json::from_str(&ok(&c.edit("never cut Maya's last line"))).unwrap();
    assert_eq!(said["project"], "shop interview");
    assert_eq!(said["preferences"]["protected_lines"][0]["speaker"], "Maya");
    let (after, notes) = deletes(&ok(&c.edit("delete everything Maya says")));
    assert_eq!(after, vec![(200, 250), (10, 75)], "the last line is kept");
    assert!(
        notes.iter().any(
            |n| n.contains("project preference") && n.contains("MAYA's last line")
                || n.contains("Maya's last line")
        ),
        "{notes:?}"
    );
}

#[test]
fn a_protected_chinese_line_by_instruction() {
    let c = Case::for_prefs();
    ok(&c.edit("不要删MAYA的最后一句"));
    let (after, _) = deletes(&ok(&c.edit("delete everything Maya says")));
    assert_eq!(after, vec![(200, 250), (10, 75)]);
}

#[test]
fn a_margin_changes_a_pause_cut_by_exactly_the_margin() {
    let c = Case::for_prefs();
    let (before, notes) = deletes(&ok(&c.edit("remove pauses longer than 1 second")));
    assert_eq!(before, vec![(150, 200)]);
    assert!(notes.iter().all(|n| !n.contains("preference")));
    ok(&c.edit("always keep 0.2 s of air around every cut"));
    let (after, notes) = deletes(&ok(&c.edit("remove pauses longer than 1 second")));
    assert_eq!(
        after,
        vec![(155, 195)],
        "5 frames (0.2 s at 25 fps) each side"
    );
    assert!(
        notes.iter().any(|n| n.contains("0.2 s (5 frames)")),
        "{notes:?}"
    );
}

#[test]
fn preferences_persist_across_processes_and_clear() {
    let c = Case::for_prefs();
    // Process 1 sets, process 2 shows, process 3 edits with it, process 4 clears.
    ok(&c.prefs(&[
        "set",
        "--project",
        "shop interview",
        "--say",
        "以后每个剪辑点都留0.2秒",
        "--keep-word",
        "Like",
    ]));
    let shown: Value =
        serde_json::from_str(&ok(&c.prefs(&["show", "--project", "shop interview"]))).unwrap();
    assert_eq!(shown["margin_seconds"], 0.2);
    assert_eq!(shown["keep_words"][0], "like");
    let (after, _) = deletes(&ok(&c.edit("remove pauses longer than 1 second")));
    assert_eq!(after, vec![(155, 195)]);
    // Another project is not affected.
    let other: Value =
        serde_json::from_str(&ok(&c.prefs(&["show", "--project", "other"]))).unwrap();
    assert_eq!(other, serde_json::json!({}));
    assert!(ok(&c.prefs(&["clear", "--project", "shop interview"])).contains("cleared"));
    let (after, _) = deletes(&ok(&c.edit("remove pauses longer than 1 second")));
    assert_eq!(after, vec![(150, 200)]);
}

#[test]
fn the_prefs_dir_flag_and_bad_values() {
    let c = Case::for_prefs();
    let dir = c.path("elsewhere");
    let d = dir.to_str().unwrap();
    ok(&c.prefs(&[
        "set",
        "--project",
        "p",
        "--prefs-dir",
        d,
        "--protect-range",
        "1-2.5",
        "--protect-line",
        "MAYA:first",
    ]));
    let shown: Value =
        serde_json::from_str(&ok(&c.prefs(&["show", "--project", "p", "--prefs-dir", d]))).unwrap();
    assert_eq!(shown["protected_ranges"][0]["to"], 2.5);
    assert_eq!(shown["protected_lines"][0]["position"], 1);
    let o = c.prefs(&["set", "--project", "p", "--protect-range", "5-2"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--protect-range"));
    let o = c.prefs(&["set", "--project", "p", "--say", "delete the sad lines"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn a_protected_range_splits_a_delete() {
    let c = Case::for_prefs();
    ok(&c.prefs(&[
        "set",
        "--project",
        "shop interview",
        "--protect-range",
        "1-2",
    ]));
    let (after, notes) = deletes(&ok(&c.edit("delete everything Maya says")));
    assert_eq!(after, vec![(310, 375), (200, 250), (50, 75), (10, 25)]);
    assert!(notes.iter().any(|n| n.contains("1 s – 2 s")), "{notes:?}");
}

/// The transition lengths of an `edit --json` reply.
fn transitions(stdout: &str) -> Vec<i64> {
    let v: Value = serde_json::from_str(stdout).unwrap();
    v["cut_list"]["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["op"] == "transition")
        .map(|o| o["duration"].as_i64().unwrap())
        .collect()
}

#[test]
fn a_default_transition_length_applies_only_when_none_is_said() {
    let c = Case::for_prefs();
    let before = transitions(&ok(&c.edit("add a dissolve between every clip")));
    assert_eq!(before.len(), 3);
    ok(&c.edit("by default make every transition 20 frames"));
    let out = ok(&c.edit("add a dissolve between every clip"));
    assert_eq!(transitions(&out), vec![20, 20, 20], "{out}");
    assert!(
        out.contains("project preference: transitions are 0.8 s"),
        "{out}"
    );
    let said = transitions(&ok(&c.edit("add a 12 frame dissolve between every clip")));
    assert_eq!(said, vec![12, 12, 12], "a length said wins");
}

#[test]
fn a_word_that_is_not_filler_keeps_its_line() {
    let c = Case::for_prefs();
    let srt = "1\n00:00:00,400 --> 00:00:03,000\nMAYA: We opened the shop in 1983.\n\n\
2\n00:00:04,000 --> 00:00:05,000\nBEN: Um...\n\n\
3\n00:00:08,000 --> 00:00:09,000\nMAYA: Like...\n";
    std::fs::write(c.path("in.srt"), srt).unwrap();
    let before = deletes(&ok(&c.edit("delete the filler"))).0;
    assert_eq!(before, vec![(200, 225), (100, 125)]);
    ok(&c.edit("never count \"like\" as filler"));
    let (after, notes) = deletes(&ok(&c.edit("delete the filler")));
    assert_eq!(after, vec![(100, 125)]);
    assert!(
        notes.iter().any(|n| n.contains("\"like\" is not filler")),
        "{notes:?}"
    );
}

/// What a front end answered: exit code, delete ranges, whether a preference was saved.
type Answer = (i32, Vec<(i64, i64)>, bool);

#[derive(Clone, Copy, Debug)]
enum FrontEnd {
    Edit,
    AskOffline,
    AskOnline,
}

/// One instruction through `front`, with the preferences in `prefs`: exit code, and the delete
/// ranges with whether a preference was saved.
fn run_front_end(c: &Case, front: FrontEnd, daemon: &common::daemon::Daemon, text: &str) -> Answer {
    let mut cmd = c.bin();
    match front {
        FrontEnd::Edit => {
            cmd.args(["edit", "--json", "--timeline"])
                .arg(c.path("in.otio"))
                .arg("--subtitles")
                .arg(c.path("in.srt"))
                .arg("--instruction")
                .arg(text);
        }
        FrontEnd::AskOffline | FrontEnd::AskOnline => {
            cmd.arg("ask");
            match front {
                // Nothing listens on port 9 of loopback: ask runs the instruction itself.
                FrontEnd::AskOffline => cmd.args(["--url", "ws://127.0.0.1:9", "--token-file"]),
                _ => cmd.args(["--url", &daemon.url, "--token-file"]),
            };
            cmd.arg(&daemon.token_file)
                .arg("--timeline")
                .arg(c.path("in.otio"))
                .arg("--subtitles")
                .arg(c.path("in.srt"))
                .arg(text);
        }
    }
    let o = cmd.output().unwrap();
    let code = o.status.code().unwrap();
    if code != 0 {
        return (code, Vec::new(), false);
    }
    let out = String::from_utf8_lossy(&o.stdout);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{front:?}: {e}: {out}"));
    let saved = v.get("preference_saved").is_some_and(|p| !p.is_null());
    if saved && matches!(front, FrontEnd::Edit) {
        return (code, Vec::new(), true);
    }
    (code, deletes(&out).0, saved)
}

#[test]
fn edit_ask_offline_and_the_daemon_agree_on_outcomes_exit_codes_and_preferences() {
    let dir = tempfile::tempdir().unwrap();
    let mut outcomes = Vec::new();
    for front in [FrontEnd::Edit, FrontEnd::AskOffline, FrontEnd::AskOnline] {
        // Each front end with preferences of its own; the daemon's are in its own folder.
        let c = Case::for_prefs();
        let ddir = dir.path().join(format!("{front:?}"));
        std::fs::create_dir_all(&ddir).unwrap();
        let daemon = common::daemon::Daemon::start(&ddir, "127.0.0.1:0", &[]);
        let prefs_dir = match front {
            FrontEnd::AskOnline => ddir.join("prefs"),
            _ => c.path("prefs"),
        };
        let steps = [
            "remove pauses longer than 1 second",
            // A standing preference, said as an instruction: saved, nothing edited.
            "always keep 0.2 s of air around every cut",
            "remove pauses longer than 1 second",
            // An edit CutBridge does not make: refused, exit 2, by every front end.
            "add a J-cut between the first two clips",
        ];
        let got: Vec<Answer> = steps
            .iter()
            .map(|t| run_front_end(&c, front, &daemon, t))
            .collect();
        assert!(
            std::fs::read_dir(&prefs_dir)
                .map(|d| d.count() > 0)
                .unwrap_or(false),
            "{front:?}: the preference was saved in {}",
            prefs_dir.display()
        );
        outcomes.push((front, got));
    }
    let (_, want) = &outcomes[0];
    assert_eq!(want[0], (0, vec![(150, 200)], false));
    assert_eq!(want[1], (0, vec![], true));
    assert_eq!(want[2], (0, vec![(155, 195)], false), "the margin applies");
    assert_eq!(want[3].0, 2);
    for (front, got) in &outcomes[1..] {
        assert_eq!(got, want, "{front:?} differs from edit");
    }
}
