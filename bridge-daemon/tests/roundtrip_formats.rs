//! Each format in and out through `bridge-daemon edit`: files written by OpenTimelineIO's own
//! adapters (`tests/interchange/make_xml_samples.py`, `make_edl_samples.py`,
//! `make_otio_samples.py`) are edited ("delete the first second") into the same format, and the
//! adapter reads the result back: the clips after the first second are the same clips, in order,
//! and the timeline ends exactly one second earlier. Needs `pip install -r requirements-dev.txt`.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::python::python;
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// V1's clips as the adapter sees them: (name, record start, record duration).
fn v1_clips(file: &Path, rate: Option<u32>) -> Vec<(String, i64, i64)> {
    let script = repo().join("tests/interchange/readback.py");
    let mut args = vec![
        script.to_str().unwrap().to_string(),
        file.to_str().unwrap().to_string(),
    ];
    if let Some(r) = rate {
        args.extend(["--rate".into(), r.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let v: Value = serde_json::from_slice(&python(&args).stdout).unwrap();
    v["tracks"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "clip")
        .map(|i| {
            (
                i["name"].as_str().unwrap_or_default().to_string(),
                i["record"][0].as_i64().unwrap(),
                i["record"][1].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_format_round_trips_through_an_edit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    for script in [
        "make_xml_samples.py",
        "make_edl_samples.py",
        "make_otio_samples.py",
    ] {
        let s = repo().join("tests/interchange").join(script);
        python([s.to_str().unwrap(), d]);
    }
    for (name, rate) in [
        ("otio_premiere.xml", 24),
        ("otio_compound.fcpxml", 25),
        ("premiere_24.edl", 24),
        ("avid_24.edl", 24),
        ("nucoda_25.edl", 25),
        ("mixed_rates.otio", 24),
        ("compound.otio", 25),
    ] {
        let src = dir.path().join(name);
        let ext = name.rsplit('.').next().unwrap();
        let out = dir.path().join(format!("edited.{name}"));
        let edl_rate = (ext == "edl").then_some(rate);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bridge-daemon"));
        cmd.args(["edit", "--timeline"]).arg(&src);
        if let Some(r) = edl_rate {
            cmd.args(["--rate", &r.to_string()]);
        }
        let o = cmd
            .args(["--instruction", "delete the first second", "--output"])
            .arg(&out)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let before = v1_clips(&src, edl_rate);
        let after = v1_clips(&out, edl_rate);
        let end = |c: &[(String, i64, i64)]| c.last().map(|l| l.1 + l.2).unwrap();
        let first = before.first().unwrap().1;
        assert_eq!(
            end(&after),
            end(&before) - i64::from(rate),
            "{name}: {after:?}"
        );
        // Every clip that started after the first second is there, in order, one second earlier.
        let later: Vec<(String, i64)> = before
            .iter()
            .filter(|c| c.1 >= first + i64::from(rate))
            .map(|c| (c.0.clone(), c.1 - i64::from(rate)))
            .collect();
        let kept: Vec<(String, i64)> = after
            .iter()
            .filter(|c| c.1 >= first)
            .map(|c| (c.0.clone(), c.1))
            .skip_while(|c| !later.first().is_some_and(|l| l.0 == c.0 && l.1 == c.1))
            .collect();
        assert_eq!(kept, later, "{name}");
    }
}
