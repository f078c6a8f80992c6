//! Voice activity detection on real speech: espeak-ng sentences in Chinese and English between
//! known pauses (joined with sox), at 16 kHz, 8 kHz, 48 kHz stereo and clipped; noise and silence
//! alone; and `bridge-daemon listen --file --vad-only --json`, the offline twin of the live path.

use crate::common;
use crate::need_speech_tools;

use std::path::Path;
use std::process::Command;

use common::speech::{self, Recording};
use serde_json::Value;
use voice::{self, VadConfig, VadEvent};

/// Boundaries must be this close to the true speech start and end.
const TOLERANCE_S: f64 = 0.060;

fn spans(path: &Path) -> Vec<(f64, f64)> {
    let (samples, rate, channels) = voice::read_wav(path).expect("a WAV file");
    voice::utterances_of(&samples, rate, channels, VadConfig::default())
        .expect("supported audio")
        .into_iter()
        .filter_map(|e| match e {
            VadEvent::Utterance(u) => Some((u.start_s, u.end_s)),
            _ => None,
        })
        .collect()
}

fn check_boundaries(what: &str, got: &[(f64, f64)], truth: &[(f64, f64)]) {
    assert_eq!(
        got.len(),
        truth.len(),
        "{what}: found {got:?}, spoken {truth:?}"
    );
    for (g, t) in got.iter().zip(truth) {
        let (ds, de) = (g.0 - t.0, g.1 - t.1);
        eprintln!("{what}: start {ds:+.3} s, end {de:+.3} s");
        assert!(
            ds.abs() <= TOLERANCE_S && de.abs() <= TOLERANCE_S,
            "{what}: utterance {g:?} vs speech {t:?} (start off by {ds:+.3} s, end by {de:+.3} s)"
        );
    }
}

fn converted(rec: &Recording, dir: &Path, name: &str, effect: &[&str]) -> std::path::PathBuf {
    let out = dir.join(name);
    let mut args = vec![rec.wav.to_str().unwrap()];
    args.extend(effect.iter().take_while(|a| **a != "--"));
    args.push(out.to_str().unwrap());
    args.extend(effect.iter().skip_while(|a| **a != "--").skip(1));
    speech::sox(&args);
    out
}

#[test]
fn utterance_boundaries_are_within_60_ms_at_every_rate() {
    need_speech_tools!();
    let dir = tempfile::tempdir().unwrap();
    let rec = speech::commands(dir.path());
    check_boundaries("22.05 kHz", &spans(&rec.wav), &rec.truth);
    let r16 = converted(&rec, dir.path(), "16k.wav", &["-r", "16000"]);
    check_boundaries("16 kHz", &spans(&r16), &rec.truth);
    let r8 = converted(&rec, dir.path(), "8k.wav", &["-r", "8000"]);
    check_boundaries("8 kHz", &spans(&r8), &rec.truth);
    let r48 = converted(
        &rec,
        dir.path(),
        "48k-stereo.wav",
        &["-r", "48000", "-c", "2"],
    );
    check_boundaries("48 kHz stereo", &spans(&r48), &rec.truth);
    let f32le = converted(
        &rec,
        dir.path(),
        "f32.wav",
        &["-e", "floating-point", "-b", "32"],
    );
    check_boundaries("float", &spans(&f32le), &rec.truth);
}

#[test]
fn clipped_speech_is_still_found() {
    need_speech_tools!();
    let dir = tempfile::tempdir().unwrap();
    let rec = speech::commands(dir.path());
    // +20 dB: the peaks are clipped flat (sox warns, and clips).
    let clipped = converted(&rec, dir.path(), "clipped.wav", &["--", "gain", "20"]);
    let (s, _, _) = voice::read_wav(&clipped).unwrap();
    let flat = s.iter().filter(|x| x.abs() > 0.999).count();
    assert!(
        flat > 1000,
        "the audio is clipped: {flat} samples at full scale"
    );
    check_boundaries("clipped", &spans(&clipped), &rec.truth);
}

#[test]
fn speech_over_noise_is_found() {
    need_speech_tools!();
    let dir = tempfile::tempdir().unwrap();
    let rec = speech::commands(dir.path());
    let mixed = speech::under_noise(&rec, dir.path(), "mixed.wav", 0.01);
    check_boundaries("over noise", &spans(&mixed), &rec.truth);
}

#[test]
fn noise_and_silence_alone_make_no_utterance() {
    need_speech_tools!();
    let dir = tempfile::tempdir().unwrap();
    for (name, synth) in [
        ("silence", vec!["trim", "0", "6"]),
        ("noise-low", vec!["synth", "6", "whitenoise", "vol", "0.02"]),
        (
            "noise-moderate",
            vec!["synth", "6", "whitenoise", "vol", "0.3"],
        ),
        ("pink-noise", vec!["synth", "6", "pinknoise", "vol", "0.2"]),
        (
            "brown-noise-48k",
            vec!["synth", "6", "brownnoise", "vol", "0.3"],
        ),
    ] {
        let p = dir.path().join(format!("{name}.wav"));
        let rate = if name.ends_with("48k") {
            "48000"
        } else {
            "16000"
        };
        // `-R`: sox seeds its noise, so every run hears the same noise. (Unseeded brown noise at
        // this level starts a false utterance in about 4 runs of 30: a known limit of the
        // detector, in the issue's note, that a random seed made a flaky test of.)
        let mut args = vec![
            "-R",
            "-n",
            "-r",
            rate,
            "-c",
            "1",
            "-b",
            "16",
            p.to_str().unwrap(),
        ];
        args.extend(synth);
        speech::sox(&args);
        let got = spans(&p);
        assert!(got.is_empty(), "{name}: {got:?}");
    }
}

#[test]
fn listen_vad_only_json_prints_the_utterances() {
    need_speech_tools!();
    let dir = tempfile::tempdir().unwrap();
    let rec = speech::commands(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_bridge-daemon"))
        .args(["listen", "--vad-only", "--json", "--file"])
        .arg(&rec.wav)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let got: Vec<(f64, f64)> = doc["utterances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["start_s"].as_f64().unwrap(), u["end_s"].as_f64().unwrap()))
        .collect();
    check_boundaries("listen --json", &got, &rec.truth);
    assert_eq!(doc["rate"], 22050);
    assert!(doc.get("transcription").is_none() || doc["transcription"].is_null());
}

#[test]
fn listen_without_a_model_prints_utterances_and_says_what_is_missing() {
    need_speech_tools!();
    let dir = tempfile::tempdir().unwrap();
    let rec = speech::assemble(
        dir.path(),
        "one",
        &[("en", "cut the last clip")],
        &[0.5, 0.8],
    );
    let out = Command::new(env!("CARGO_BIN_EXE_bridge-daemon"))
        .args(["listen", "--file"])
        .arg(&rec.wav)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Utterances found, no text: "nothing to change" (2), with the reason.
    assert_eq!(out.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(stdout.lines().count() == 1, "{stdout}");
    assert!(stderr.contains("Whisper model folder"), "{stderr}");
    assert!(stderr.contains("--whisper"), "{stderr}");
    // A missing file is bad input (1), named.
    let out = Command::new(env!("CARGO_BIN_EXE_bridge-daemon"))
        .args(["listen", "--vad-only", "--file", "/nonexistent.wav"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent.wav"));
}

/// A tiny random Whisper written in the real Hugging Face layout (see `inference::testing`).
fn tiny_whisper(dir: &Path) -> std::path::PathBuf {
    let w = dir.join("whisper-tiny-random");
    inference::testing::write_tiny_whisper(&w, 11).expect("a tiny Whisper folder");
    w
}

/// The 16 kHz utterances of an espeak recording, as the daemon cuts them.
fn utterances_16k(rec: &Recording) -> Vec<voice::Utterance> {
    let (samples, rate, channels) = voice::read_wav(&rec.wav).unwrap();
    voice::utterances_of(&samples, rate, channels, VadConfig::default())
        .unwrap()
        .into_iter()
        .filter_map(|e| match e {
            VadEvent::Utterance(u) => Some(u),
            _ => None,
        })
        .collect()
}

/// Random weights say nothing sensible, but the real loading path, the mel window, the encoder
/// and the decoder run on real speech and give tokens, in every language mode.
#[test]
fn a_tiny_whisper_transcribes_espeak_speech_in_zh_en_and_auto() {
    need_speech_tools!();
    let dir = tempfile::tempdir().unwrap();
    let model = voice::Whisper::load(&tiny_whisper(dir.path())).expect("the tiny model loads");
    assert!(voice::Transcribe::name(&model).starts_with("whisper"));
    let rec = speech::assemble(
        dir.path(),
        "mixed",
        &[("en", "cut the last clip"), ("zh", "把刚才那段加速两倍")],
        &[0.5, 0.8, 0.6],
    );
    let utterances = utterances_16k(&rec);
    assert_eq!(utterances.len(), 2);
    for u in &utterances {
        for language in [Some("zh"), Some("en"), None] {
            let t = model
                .transcript(&u.samples, language)
                .unwrap_or_else(|e| panic!("{language:?}: {e}"));
            assert!(t.tokens >= 1 && t.tokens <= 224, "{language:?}: {t:?}");
            match language {
                Some(l) => assert_eq!(t.language, l),
                None => assert!(["zh", "en"].contains(&t.language.as_str())),
            }
            // Through the Transcribe seam too.
            let text = voice::Transcribe::transcribe(&model, &u.samples, language).unwrap();
            assert_eq!(text, t.text);
        }
    }
}

#[test]
fn a_broken_whisper_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let w = tiny_whisper(dir.path());
    let weights = w.join("model.safetensors");
    let len = std::fs::metadata(&weights).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&weights)
        .unwrap()
        .set_len(len / 3)
        .unwrap();
    let e = voice::transcriber(Some(&w)).expect_err("an error");
    let m = e.to_string();
    assert!(
        m.contains("model.safetensors") && m.contains("Whisper model"),
        "{m}"
    );

    std::fs::write(w.join("config.json"), "garbage").unwrap();
    let m = voice::transcriber(Some(&w))
        .expect_err("an error")
        .to_string();
    assert!(m.contains("config.json"), "{m}");

    std::fs::remove_file(w.join("tokenizer.json")).unwrap();
    let m = voice::transcriber(Some(&w))
        .expect_err("an error")
        .to_string();
    assert!(m.contains("lacks tokenizer.json"), "{m}");
}

#[test]
fn listen_with_a_whisper_folder_prints_text_per_utterance() {
    need_speech_tools!();
    let dir = tempfile::tempdir().unwrap();
    let w = tiny_whisper(dir.path());
    let rec = speech::commands(dir.path());
    for language in ["auto", "zh", "en"] {
        let out = Command::new(env!("CARGO_BIN_EXE_bridge-daemon"))
            .args(["listen", "--json", "--language", language, "--whisper"])
            .arg(&w)
            .arg("--file")
            .arg(&rec.wav)
            .env("CUTBRIDGE_DEVICE", "cpu")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{language}: {stderr}");
        // Loading progress on stderr.
        assert!(stderr.contains("whisper: 100% ready"), "{stderr}");
        let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
        let utterances = doc["utterances"].as_array().unwrap();
        assert_eq!(utterances.len(), rec.truth.len(), "{doc}");
        for u in utterances {
            assert!(u["text"].is_string(), "{u}");
        }
        assert!(doc["transcription"].is_null(), "{doc}");
    }
    // A broken folder: the utterances still, and why there is no text.
    std::fs::write(w.join("config.json"), "{}").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_bridge-daemon"))
        .args(["listen", "--json", "--whisper"])
        .arg(&w)
        .arg("--file")
        .arg(&rec.wav)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        doc["transcription"]
            .as_str()
            .unwrap()
            .contains("config.json"),
        "{doc}"
    );
}
