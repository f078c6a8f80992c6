//! `bridge-daemon report` end to end (issue 10): the real binary writes the HTML page and the
//! Markdown summary; golden-structure checks on the SVG, and a headless Chromium screenshot that
//! must not be blank.

use crate::fixture;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fixture::interview_sample as sample;

const SRT: &str = "1\n00:00:00,400 --> 00:00:03,000\nANNA: We opened the shop in 1983.\n\n\
2\n00:00:04,000 --> 00:00:06,000\nANNA: I still miss him every day, I cry at night.\n\n\
3\n00:00:06,000 --> 00:00:07,000\nBEN: Um...\n\n\
4\n00:00:08,000 --> 00:00:12,000\nBEN: We are so happy the street is alive again!\n\n\
5\n00:00:12,500 --> 00:00:15,000\nBEN: Stop it! I'm furious, get out!\n";

const LINES: usize = 5;

use fixture::Case;

impl Case {
    fn for_report() -> Case {
        Case::with(&sample(), SRT)
    }

    fn report(&self, extra: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_bridge-daemon"))
            .env("CUTBRIDGE_PREFS_DIR", self.path("prefs"))
            .arg("report")
            .arg("--timeline")
            .arg(self.path("in.otio"))
            .arg("--subtitles")
            .arg(self.path("in.srt"))
            .arg("--output")
            .arg(self.path("report.html"))
            .args(extra)
            .output()
            .unwrap()
    }

    fn html(&self) -> String {
        std::fs::read_to_string(self.path("report.html")).unwrap()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The value of `attr` on each element that has `class="{class}"`.
fn attr_of_class(html: &str, class: &str, attr: &str) -> Vec<String> {
    let needle = format!("class=\"{class}\"");
    html.match_indices(&needle)
        .map(|(at, _)| {
            let tag_end = at + html[at..].find('>').unwrap();
            let tag = &html[at..tag_end];
            let key = format!("{attr}=\"");
            let s = tag.find(&key).map(|p| p + key.len()).unwrap_or(0);
            tag[s..s + tag[s..].find('"').unwrap_or(0)].to_string()
        })
        .collect()
}

#[test]
fn report_from_instructions_marks_the_removed_line() {
    let c = Case::for_report();
    let o = c.report(&["--instruction", "delete the sad lines"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = c.html();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script"), "self-contained, no scripts");
    assert!(!html.contains("http://") || !html.contains("src=\"http"));
    assert_eq!(html.matches("<svg").count(), 2, "the strip and the curve");
    assert_eq!(
        html.matches("class=\"clip\"").count(),
        4,
        "one rect per clip"
    );
    // Line 2 covers [100, 150).
    let starts = attr_of_class(&html, "mark mark-delete", "data-start");
    let ends = attr_of_class(&html, "mark mark-delete", "data-end");
    assert_eq!((starts, ends), (vec!["100".into()], vec!["150".into()]));
    let points = attr_of_class(&html, "emotion-curve", "points");
    assert_eq!(points.len(), 1);
    assert_eq!(
        points[0].split_whitespace().count(),
        LINES,
        "a point per line"
    );
    assert_eq!(html.matches("class=\"line-dot\"").count(), LINES);
    assert!(
        html.contains("I still miss him every day"),
        "the match is listed"
    );
    assert!(html.contains("class=\"suggestion\""));
    assert!(html.contains("hard cut"), "happy → angry is a hard cut");
    assert!(html.contains("120–150 BPM"), "angry music tempo");
    let md = std::fs::read_to_string(c.path("report.md")).unwrap();
    assert!(md.starts_with("# CutBridge report: sample"), "{md}");
    assert!(
        md.contains("- delete 01:00:04:00 – 01:00:06:00: removed"),
        "{md}"
    );
    assert!(md.contains("## Music and transitions"));
}

#[test]
fn report_from_a_cut_list_file_maps_later_operations_back() {
    let c = Case::for_report();
    let list = r#"{"operations": [
        {"op": "delete", "range": {"start": 300, "duration": 50}},
        {"op": "delete", "range": {"start": 10, "duration": 20}},
        {"op": "transition", "at": 100, "duration": 12}
    ]}"#;
    std::fs::write(c.path("cuts.json"), list).unwrap();
    let o = c.report(&["--cut-list", c.path("cuts.json").to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = c.html();
    let starts = attr_of_class(&html, "mark mark-delete", "data-start");
    assert_eq!(starts, vec!["300", "10"]);
    let at = attr_of_class(&html, "mark mark-transition", "data-start");
    assert_eq!(
        at,
        vec!["114"],
        "frame 100 after the 20-frame delete is 120, minus 6"
    );
}

#[test]
fn a_refused_instruction_is_reported_not_fatal() {
    let c = Case::for_report();
    let o = c.report(&["--instruction", "delete the part about dinosaurs"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(c.html().contains("changed nothing"));
    assert_eq!(c.html().matches("class=\"mark ").count(), 0);
}

#[test]
fn a_bad_cut_list_is_bad_input() {
    let c = Case::for_report();
    std::fs::write(c.path("cuts.json"), "{\"ops\": 1}").unwrap();
    let o = c.report(&["--cut-list", c.path("cuts.json").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not a cut list"), "{}", stderr(&o));
    assert!(!c.path("report.html").exists());
}

fn chromium() -> PathBuf {
    for name in ["chromium", "chromium-browser"] {
        for dir in std::env::var("PATH").unwrap_or_default().split(':') {
            let p = Path::new(dir).join(name);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!("chromium is not installed: run `apt-get install -y chromium` (scripts/test.sh does)");
}

#[test]
fn report_renders_in_headless_chromium() {
    let c = Case::for_report();
    let o = c.report(&["--instruction", "delete the sad lines"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let shot = c.path("report.png");
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1200,900",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", c.path("report.html").display()))
        .output()
        .unwrap();
    assert!(shot.exists(), "no screenshot: {}", stderr(&out));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1200, 900));
    let px = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
    let distinct: std::collections::HashSet<&[u8]> = pixels.iter().copied().collect();
    assert!(
        distinct.len() > 8,
        "a blank page: {} colours",
        distinct.len()
    );
    // The strip's delete mark is drawn in red: some pixels are clearly red.
    let reddish = pixels
        .iter()
        .filter(|p| px >= 3 && p[0] > 180 && p[1] < 150 && p[2] < 150)
        .count();
    assert!(
        reddish > 50,
        "no removed range drawn ({reddish} red pixels)"
    );
}

#[test]
fn crossfades_follow_the_projects_default_transition() {
    let c = Case::for_report();
    let prefs = c.path("prefs");
    let p = prefs.to_str().unwrap();
    let set = Command::new(env!("CARGO_BIN_EXE_bridge-daemon"))
        .args(["prefs", "set", "--project", "sample", "--transition", "0.5"])
        .args(["--prefs-dir", p])
        .output()
        .unwrap();
    assert!(set.status.success(), "{}", stderr(&set));
    let o = c.report(&["--prefs-dir", p]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = std::fs::read_to_string(c.path("report.md")).unwrap();
    assert!(md.contains("crossfade 0.5 s (13 frames)"), "{md}");
}
