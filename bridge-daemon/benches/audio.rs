//! How fast the media is heard: an hour of 16-bit 48 kHz WAV and ten minutes of AAC in MP4
//! (made by ffmpeg, when it is installed) decoded to levels, as real-time factors (goal ≥ 500×
//! on this CPU); then "remove silences longer than 1 second" on a timeline of that hour, the
//! first time (decoding), again from the memory cache, and from the disk cache (memory cleared):
//! what a second instruction costs.
//!
//!     cargo bench -p bridge-daemon --bench audio

use std::time::Instant;

use engine::audio::levels;
use engine::pipeline::{InstructRequest, plan};
use engine::prefs::Preferences;
use engine::task::Scope;
use engine::understand::rules::Rules;

fn rtf(secs: f64, took: f64) -> String {
    format!(
        "{took:.2} s for {:.0} s of audio = {:.0}× real time",
        secs,
        secs / took
    )
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    // SAFETY: set before any thread of this process starts.
    unsafe { std::env::set_var("CUTBRIDGE_CACHE_DIR", dir.path().join("cache")) };
    let hour = dir.path().join("hour.wav");
    // Four seconds of tone, then 1.5 s of pause, over and over: an hour of it.
    let gaps: Vec<f64> = std::iter::once(0.0)
        .chain(std::iter::repeat_n(1.5, 655))
        .collect();
    engine::synthetic::tone_bursts_wav(&hour, 48_000, 1, &gaps, 4.0).unwrap();
    let size = std::fs::metadata(&hour).unwrap().len();
    let t = Instant::now();
    let l = levels::decode(&hour, size).unwrap().unwrap();
    println!(
        "WAV 48 kHz 16-bit, one hour:  {}",
        rtf(l.seconds(), t.elapsed().as_secs_f64())
    );

    let aac = dir.path().join("ten.mp4");
    let made = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&hour)
        .args(["-t", "600", "-c:a", "aac", "-b:a", "128k"])
        .arg(&aac)
        .status()
        .is_ok_and(|s| s.success());
    if made {
        let size = std::fs::metadata(&aac).unwrap().len();
        let t = Instant::now();
        let l = levels::decode(&aac, size).unwrap().unwrap();
        println!(
            "AAC in MP4, ten minutes:      {}",
            rtf(l.seconds(), t.elapsed().as_secs_f64())
        );
    } else {
        println!("AAC in MP4: skipped (no ffmpeg to make it)");
    }

    let frames = 3600 * 25;
    let timeline: protocol::Timeline = serde_json::from_value(serde_json::json!({
        "name": "an hour", "rate": {"num": 25, "den": 1}, "start_frame": 0,
        "tracks": [{"name": "A1", "kind": "audio", "items": [{"type": "clip", "name": "hour",
            "media": {"url": format!("file://{}", hour.display()), "available": {"start": 0, "duration": frames}},
            "source": {"start": 0, "duration": frames}}]}],
    }))
    .unwrap();
    let instruct = || {
        let t = Instant::now();
        let plan = Scope::new(None)
            .run(|| {
                let prefs = Preferences::default();
                plan(
                    &InstructRequest::new(
                        &timeline,
                        "remove silences longer than 1 second",
                        &Rules,
                    )
                    .with_preferences(&prefs),
                )
            })
            .unwrap();
        (t.elapsed().as_secs_f64(), plan.cut_list.operations.len())
    };
    let (first, ops) = instruct();
    let (again, _) = instruct();
    levels::clear_memory_cache();
    let (disk, _) = instruct();
    println!("\"remove silences longer than 1 second\" on the hour ({ops} cuts):");
    println!("  first, decoding:          {:>8.1} ms", first * 1000.0);
    println!(
        "  again, memory cache:      {:>8.1} ms  ({:.0}× faster)",
        again * 1000.0,
        first / again
    );
    println!(
        "  new process, disk cache:  {:>8.1} ms  ({:.0}× faster)",
        disk * 1000.0,
        first / disk
    );
}
