//! Silences heard in the media of a timeline without a transcript: espeak-ng sentences joined by
//! sox between long (over a second) and short pauses, with a noise floor under them like room
//! tone, in WAV, in MP4 with AAC, in MOV with AAC (and H.264 picture) or PCM, and in MXF (read
//! through the ffmpeg fallback), made by ffmpeg.
//! `bridge-daemon edit` runs "remove silences longer than 1 second" and its paraphrases (Chinese,
//! spoken style, other verbs) with no `--subtitles`; the edited timeline must keep every sample of
//! speech (the truth is measured on the sentences before they were joined), remove at least 80% of
//! each long silence and none of the short ones. Then the safety of reading media: what is not a
//! regular local file is refused by name, and instructions that do not need audio never read it.

use crate::common;
use crate::need_speech_tools;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::speech::{Recording, assemble, run, under_noise};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_bridge-daemon");
const FPS: f64 = 25.0;
/// The media's start timecode (01:00:00:00 at 25 fps): source frames count from it.
const MEDIA_START: i64 = 90_000;

fn ffmpeg_missing() -> Option<String> {
    let ok = Command::new("ffmpeg")
        .arg("-version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    (!ok).then(|| "ffmpeg is not installed (apt-get install ffmpeg; scripts/test.sh does)".into())
}

/// Five sentences: long pauses (2.0, 1.6, 2.5 s) and short ones (0.4, 0.3 s), with hiss at about
/// −55 dBFS under all of it.
fn interview(dir: &Path) -> Recording {
    let mut r = assemble(
        dir,
        "interview",
        &[
            ("en", "this is the first thing I wanted to say"),
            ("en", "and then we went down to the harbour"),
            ("zh", "我们今天去吃饺子"),
            ("en", "it was cold but nobody minded"),
            ("zh", "后来大家都回家了"),
        ],
        &[0.5, 2.0, 0.4, 1.6, 0.3, 2.5],
    );
    r.wav = under_noise(&r, dir, "interview-room.wav", 0.003);
    r
}

/// The recording as `name` (by extension), encoded by ffmpeg with `args`.
fn encode(wav: &Path, dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut cmd = Command::new("ffmpeg");
    cmd.args(["-v", "error", "-y"]);
    if args.contains(&"-c:v") {
        cmd.args(["-f", "lavfi", "-i", "color=c=black:s=64x36:r=25"]);
    }
    cmd.arg("-i").arg(wav).args(args).arg(&out);
    run(&mut cmd);
    out
}

/// A timeline of the recording: V1 and A1 each hold it as two clips (cut at 40% of it, so that
/// the second starts mid-file), the media's start timecode 01:00:00:00.
fn timeline(media: &Path, seconds: f64) -> Value {
    let frames = (seconds * FPS).floor() as i64;
    let cut = frames * 2 / 5;
    let clip = |name: &str, start: i64, duration: i64| {
        json!({"type": "clip", "name": name,
               "media": {"url": format!("file://{}", media.display()),
                         "available": {"start": MEDIA_START, "duration": frames}},
               "source": {"start": MEDIA_START + start, "duration": duration}})
    };
    let items = json!([
        clip("interview a", 0, cut),
        clip("interview b", cut, frames - cut)
    ]);
    json!({"name": "silence test", "rate": {"num": 25, "den": 1}, "start_frame": 0,
           "tracks": [{"name": "V1", "kind": "video", "items": items},
                      {"name": "A1", "kind": "audio", "items": items}]})
}

/// The media seconds each A1 clip of an edited timeline still plays.
fn kept(tl: &Value) -> Vec<(f64, f64)> {
    let a1 = tl["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "audio")
        .unwrap();
    a1["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "clip")
        .map(|c| {
            let s = (c["source"]["start"].as_i64().unwrap() - MEDIA_START) as f64 / FPS;
            (
                s,
                s + c["source"]["duration"].as_i64().unwrap() as f64 / FPS,
            )
        })
        .collect()
}

fn overlap(kept: &[(f64, f64)], a: f64, b: f64) -> f64 {
    kept.iter()
        .map(|&(s, e)| (e.min(b) - s.max(a)).max(0.0))
        .sum()
}

fn edit(dir: &Path, tl: &Value, instruction: &str) -> (std::process::Output, Option<Value>) {
    edit_with(dir, tl, instruction, &[])
}

fn edit_with(
    dir: &Path,
    tl: &Value,
    instruction: &str,
    extra: &[&str],
) -> (std::process::Output, Option<Value>) {
    let input = dir.join("in.json");
    let out = dir.join("out.json");
    let _ = std::fs::remove_file(&out);
    std::fs::write(&input, tl.to_string()).unwrap();
    let o = Command::new(BIN)
        .args(["edit", "--timeline"])
        .arg(&input)
        .arg("--output")
        .arg(&out)
        .args(["--instruction", instruction])
        .args(extra)
        .env("CUTBRIDGE_PREFS_DIR", dir.join("prefs"))
        .env("CUTBRIDGE_CACHE_DIR", dir.join("cache"))
        .output()
        .unwrap();
    let edited = std::fs::read_to_string(&out)
        .ok()
        .map(|t| serde_json::from_str(&t).unwrap());
    (o, edited)
}

/// Every sample of speech kept; each pause over `min` seconds at least 80% gone, the others kept.
fn check(rec: &Recording, edited: &Value, min: f64, what: &str) {
    let k = kept(edited);
    for (i, &(a, b)) in rec.truth.iter().enumerate() {
        let lost = (b - a) - overlap(&k, a, b);
        assert!(
            lost < 1e-6,
            "{what}: {lost:.3} s of sentence {i} ({a:.2}–{b:.2} s) was cut; kept {k:?}"
        );
    }
    for w in rec.truth.windows(2) {
        let (a, b) = (w[0].1, w[1].0);
        let removed = 1.0 - overlap(&k, a, b) / (b - a);
        if b - a > min + 0.3 {
            assert!(
                removed >= 0.8,
                "{what}: the pause {a:.2}–{b:.2} s lost only {:.0}%; kept {k:?}",
                removed * 100.0
            );
        } else if b - a < min {
            assert!(
                removed < 1e-6,
                "{what}: the short pause {a:.2}–{b:.2} s was cut ({:.0}%)",
                removed * 100.0
            );
        }
    }
}

#[test]
fn silences_longer_than_a_second_are_heard_and_cut_in_wav_mp4_and_mov() {
    need_speech_tools!();
    if let Some(why) = ffmpeg_missing() {
        eprintln!("skipped: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rec = interview(dir.path());
    let media = [
        rec.wav.clone(),
        encode(
            &rec.wav,
            dir.path(),
            "interview.mp4",
            &["-c:a", "aac", "-b:a", "96k"],
        ),
        encode(
            &rec.wav,
            dir.path(),
            "interview.mov",
            &["-shortest", "-c:v", "libx264", "-c:a", "aac"],
        ),
        encode(
            &rec.wav,
            dir.path(),
            "interview-pcm.mov",
            &["-c:a", "pcm_s16le"],
        ),
        // MXF: symphonia has no demuxer for it; ffmpeg, the fallback, reads it.
        encode(
            &rec.wav,
            dir.path(),
            "interview.mxf",
            &[
                "-shortest",
                "-c:v",
                "mpeg2video",
                "-ar",
                "48000",
                "-c:a",
                "pcm_s16le",
            ],
        ),
    ];
    // The instruction as editors say it: English, Chinese, spoken with fillers, other verbs.
    let said = [
        "remove silences longer than 1 second",
        "删除超过1秒的静音",
        "um so cut like all the dead air over a second",
        "把超过一秒的空白去掉",
        "get rid of every silence over 1 sec",
    ];
    for (m, text) in media.iter().zip(said) {
        let tl = timeline(m, rec.seconds);
        let (o, edited) = edit(dir.path(), &tl, text);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}: {text}: {stderr}",
            m.display()
        );
        check(
            &rec,
            &edited.unwrap(),
            1.0,
            &format!("{} / {text}", m.display()),
        );
    }
    // A longer minimum keeps the 1.6 s pause.
    let tl = timeline(&media[0], rec.seconds);
    let (o, edited) = edit(dir.path(), &tl, "remove silences longer than 2.2 seconds");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    check(&rec, &edited.unwrap(), 2.2, "2.2 s");
    // The check has teeth: cutting pauses over 0.2 s also cuts the short ones it must keep.
    let (_, edited) = edit(dir.path(), &tl, "remove silences longer than 0.2 seconds");
    let edited = edited.unwrap();
    let strict = std::panic::catch_unwind(|| check(&rec, &edited, 1.0, "0.2 s judged at 1 s"));
    assert!(strict.is_err(), "cutting 0.3 s pauses went unnoticed");
}

#[test]
fn media_that_cannot_be_heard_is_named_and_nothing_else_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let secs = 8.0;
    for (url, says) in [
        (
            "file:///no/such/interview.wav".to_string(),
            "/no/such/interview.wav",
        ),
        ("file:///dev/zero".to_string(), "not a regular file"),
        (
            "https://example.invalid/a.wav".to_string(),
            "not a local file",
        ),
    ] {
        let mut tl = timeline(Path::new("/x"), secs);
        for t in tl["tracks"].as_array_mut().unwrap() {
            for c in t["items"].as_array_mut().unwrap() {
                c["media"]["url"] = json!(url);
            }
        }
        let (o, edited) = edit(dir.path(), &tl, "remove silences longer than 1 second");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{url}: {stderr}");
        assert!(
            stderr.contains(says) && stderr.contains("interview a"),
            "{url}: {stderr}"
        );
        assert!(edited.is_none(), "{url}: a file was written");
        // An instruction that needs no audio works on the same timeline.
        let (o, edited) = edit(dir.path(), &tl, "delete the second clip");
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(edited.is_some());
    }
}

/// A tiny random Whisper in the real layout: it says random words, but the path is the real one —
/// the speech of the clips found, transcribed piece by piece, cached per media file.
#[test]
fn without_a_transcript_one_is_made_from_the_media_and_cached() {
    need_speech_tools!();
    let dir = tempfile::tempdir().unwrap();
    let rec = interview(dir.path());
    let model = dir.path().join("whisper-tiny-random");
    inference::testing::write_tiny_whisper(&model, 13).unwrap();
    let model = model.to_str().unwrap().to_string();
    let tl = timeline(&rec.wav, rec.seconds);
    let said = "delete the lines about the harbour";
    let run = |extra: &[&str]| {
        let (o, _) = edit_with(dir.path(), &tl, said, extra);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        (o.status.code(), all)
    };
    let flags = [
        "--transcribe",
        "--whisper",
        model.as_str(),
        "--language",
        "en",
    ];
    let (code, first) = run(&flags);
    // Random words rarely mention a harbour: an edit (0) or nothing found (2), never a failure.
    assert!(matches!(code, Some(0) | Some(2)), "{first}");
    assert!(
        first.contains("lines transcribed from the media of A1 by whisper"),
        "{first}"
    );
    assert!(
        first.contains(" from the cache") && first.contains(", 0 from the cache"),
        "{first}"
    );
    let (code2, second) = run(&flags);
    assert_eq!(code2, code, "{second}");
    assert!(second.contains("(0 pieces heard now,"), "{second}");
    // Without --transcribe the instruction needs a transcript it does not have.
    let (code, plain) = run(&[]);
    assert_eq!(code, Some(2), "{plain}");
    assert!(!plain.contains("transcribed"), "{plain}");
    // --transcribe needs a model.
    let (code, no_model) = run(&["--transcribe"]);
    assert_eq!(code, Some(1), "{no_model}");
    assert!(no_model.contains("--whisper DIR"), "{no_model}");
}
