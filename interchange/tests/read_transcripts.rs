//! The transcript reader against independent SRT libraries.
//!
//! `tests/data/transcripts/crosscheck.py` uses the PyPI `srt` and `pysrt` libraries to write SRT
//! files (Chinese and English, multi-line cues, speakers; UTF-8, UTF-8 with a BOM, UTF-16 and
//! GB18030; one timed from a 01:00:00:00 start timecode, as Resolve writes) and to parse a set of
//! untidy SRT files (CRLF, missing or repeated numbers, blank lines, markup, ...). Every file is
//! read here with `transcript::read_bytes` and compared with what the libraries wrote or parsed:
//! start and end in milliseconds (the rate is 1000 fps, so frames are milliseconds) and text.
//!
//! Needs python3 with `srt` and `pysrt` (`pip install -r requirements-dev.txt`); without them the
//! test fails (it never skips).

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::python::python;
use interchange::transcript::{self, Transcript};
use protocol::Rate;
use serde_json::Value;

const PIP: &str = "pip install -r requirements-dev.txt";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/transcripts/crosscheck.py")
}

/// The script's output, and the folder its files are in (made once for all tests).
fn crosscheck() -> &'static (Value, tempfile::TempDir) {
    static RUN: OnceLock<(Value, tempfile::TempDir)> = OnceLock::new();
    RUN.get_or_init(|| {
        match Command::new("python3")
            .args(["-c", "import srt, pysrt"])
            .output()
        {
            Err(e) => panic!("python3 cannot be run ({e}); install Python 3, then: {PIP}"),
            Ok(o) if !o.status.success() => panic!(
                "the Python packages srt and pysrt are missing ({}); run: {PIP}",
                String::from_utf8_lossy(&o.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim()
            ),
            Ok(_) => {}
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let o = python([script().as_os_str(), dir.path().as_os_str()]);
        let json = serde_json::from_slice(&o.stdout).expect("crosscheck.py prints JSON");
        (json, dir)
    })
}

/// A rate whose frames are milliseconds.
fn ms() -> Rate {
    Rate::new(1000, 1).expect("1000 fps")
}

fn read(name: &str, offset_ms: i64) -> Transcript {
    let (_, dir) = crosscheck();
    let bytes = std::fs::read(dir.path().join(name)).expect("the script wrote it");
    transcript::read_bytes(&bytes, Some(name), ms(), offset_ms)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn entries(key: &str) -> &'static [Value] {
    crosscheck().0[key].as_array().expect("a list")
}

fn int(v: &Value) -> i64 {
    v.as_i64().expect("a number")
}

#[test]
fn files_written_by_srt_and_pysrt_read_as_written() {
    let written = entries("written");
    assert_eq!(written.len(), 5);
    for file in written {
        let name = file["file"].as_str().expect("a name");
        let t = read(name, int(&file["offset_ms"]));
        let cues = file["cues"].as_array().expect("cues");
        assert_eq!(t.lines.len(), cues.len(), "{name}: {:?}", t.lines);
        for (line, cue) in t.lines.iter().zip(cues) {
            assert_eq!(line.range.start, int(&cue["start"]), "{name}: {line:?}");
            assert_eq!(line.range.end(), int(&cue["end"]), "{name}: {line:?}");
            assert_eq!(line.speaker.as_deref(), cue["speaker"].as_str(), "{name}");
            assert_eq!(line.text, cue["text"].as_str().expect("text"), "{name}");
        }
        let noted = |words: &[&str]| {
            assert!(
                t.notes.iter().any(|n| words.iter().all(|w| n.contains(w))),
                "{name}: no note with {words:?}: {:?}",
                t.notes
            );
        };
        match name {
            "srt_gb18030.srt" => noted(&["GB18030"]),
            "pysrt_utf16.srt" => noted(&["UTF-16 LE", "byte-order mark"]),
            "resolve_from_1h.srt" => noted(&["01:00:00,000", "subtracted"]),
            _ => assert!(t.notes.is_empty(), "{name}: {:?}", t.notes),
        }
    }
}

/// Text compared without whitespace, a speaker label as `name:` (the libraries keep the label
/// in the text, and the lines of a cue as lines).
fn squeeze(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == '：' { ':' } else { c })
        .collect()
}

#[test]
fn untidy_files_read_as_srt_and_pysrt_parse_them() {
    let parsed = entries("parsed");
    assert!(parsed.len() >= 10);
    let mut compared = 0;
    for case in parsed {
        let name = case["file"].as_str().expect("a name");
        let t = read(name, int(&case["offset_ms"]));
        let ours: Vec<(i64, i64, String)> = t
            .lines
            .iter()
            .map(|l| {
                let label = l.speaker.as_deref().map(|s| format!("{s}:"));
                (
                    l.range.start,
                    l.range.end(),
                    squeeze(&(label.unwrap_or_default() + &l.text)),
                )
            })
            .collect();
        let mut agreed = 0;
        for library in ["srt", "pysrt"] {
            let Some(cues) = case[library].as_array() else {
                // A library that refuses an untidy file the reader takes (pysrt: `-- >`).
                eprintln!("{name}: {library} refused it: {}", case[library]["error"]);
                continue;
            };
            // The libraries keep the file's order; the reader sorts by start.
            let mut theirs: Vec<(i64, i64, String)> = cues
                .iter()
                .map(|c| {
                    let text = c["text"].as_str().expect("text");
                    (int(&c["start"]), int(&c["end"]), squeeze(text))
                })
                .collect();
            theirs.sort_by_key(|c| c.0);
            assert_eq!(ours, theirs, "{name}: ours, then {library}'s");
            agreed += 1;
        }
        assert!(agreed >= 1, "{name}: neither library read it");
        compared += agreed;
    }
    assert!(compared >= 2 * parsed.len() - 1, "{compared} comparisons");
}

#[test]
fn untidy_files_get_the_notes_they_need() {
    let t = read("out_of_order.srt", 0);
    assert!(
        t.notes.iter().any(|n| n.contains("out of order")),
        "{:?}",
        t.notes
    );
    let t = read("overlapping.srt", 0);
    assert!(
        t.notes.iter().any(|n| n.contains("overlap")),
        "{:?}",
        t.notes
    );
    for name in ["crlf.srt", "markup.srt", "digits_in_text.srt", "dots.srt"] {
        assert!(read(name, 0).notes.is_empty(), "{name}");
    }
}
