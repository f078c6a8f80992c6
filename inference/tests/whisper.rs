//! Whisper on a tiny random checkpoint written by the test in the real Hugging Face layout: the
//! real loading path, decoding in zh, en and auto through the worker, long inputs cut into 30 s
//! windows, and broken folders reported as errors, never panics. (Speech made with espeak-ng is
//! transcribed by the daemon's tests, bridge-daemon/tests/voice.rs.)

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use inference::testing::write_tiny_whisper;
use inference::{Error, SpeechRequest, WhisperEngine, WhisperOptions, Worker};

const LONG: Duration = Duration::from_secs(60);

/// A voiced sound: a 150 Hz buzz with harmonics, `seconds` long, after 0.2 s of quiet.
fn buzz(seconds: f64) -> Vec<f32> {
    let n = (seconds * 16_000.0) as usize;
    (0..n)
        .map(|i| {
            let t = i as f32 / 16_000.0;
            if t < 0.2 {
                return 0.0;
            }
            (1..=8)
                .map(|h| (2.0 * std::f32::consts::PI * 150.0 * h as f32 * t).sin() / h as f32)
                .sum::<f32>()
                * 0.1
        })
        .collect()
}

fn load(dir: &Path) -> Result<WhisperEngine, Error> {
    WhisperEngine::load(dir, &WhisperOptions::default(), &mut |_, _| {})
}

test_device!(
    a_tiny_whisper_transcribes_in_zh_en_and_auto_behind_the_worker,
    a_tiny_whisper_transcribes_in_zh_en_and_auto_behind_the_worker_cpu,
    a_tiny_whisper_transcribes_in_zh_en_and_auto_behind_the_worker_cuda,
    a_tiny_whisper_transcribes_in_zh_en_and_auto_behind_the_worker_metal
);

fn a_tiny_whisper_transcribes_in_zh_en_and_auto_behind_the_worker(dev: &candle_core::Device) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_tiny_whisper(dir.path(), 7).unwrap();
    assert_eq!((cfg.d_model, cfg.num_mel_bins), (64, 80));
    let path = dir.path().to_path_buf();
    let progress = Arc::new(Mutex::new(Vec::new()));
    let p = progress.clone();
    let opts = WhisperOptions {
        device: dev.clone(),
        ..WhisperOptions::default()
    };
    let w: Worker<SpeechRequest, inference::Transcript> = Worker::spawn(
        move |report| WhisperEngine::load(&path, &opts, report),
        move |pr| p.lock().unwrap().push(pr),
        8,
    )
    .unwrap();
    let seen = progress.lock().unwrap().clone();
    assert_eq!(seen.first().map(|p| p.fraction), Some(0.0));
    assert_eq!(seen.last().map(|p| p.fraction), Some(1.0));
    assert!(seen.iter().any(|p| p.message.contains("model.safetensors")));

    let audio = buzz(3.0);
    for language in [Some("zh"), Some("en"), None] {
        let t = w
            .generate(
                0,
                SpeechRequest {
                    samples: audio.clone(),
                    language: language.map(String::from),
                },
                LONG,
            )
            .unwrap();
        // Random weights say nothing sensible, but they say something, within the limit.
        assert!(t.tokens >= 1 && t.tokens <= 224, "{language:?}: {t:?}");
        assert_eq!(t.windows, 1);
        match language {
            Some(l) => assert_eq!(t.language, l),
            None => assert!(["zh", "en"].contains(&t.language.as_str()), "{t:?}"),
        }
        assert!(t.mel_ms > 0.0 && t.encode_ms > 0.0 && t.decode_ms > 0.0);
    }
    // Greedy decoding is deterministic.
    let req = SpeechRequest {
        samples: audio.clone(),
        language: Some("en".into()),
    };
    let a = w.generate(0, req.clone(), LONG).unwrap();
    let b = w.generate(1, req, LONG).unwrap();
    assert_eq!((a.text, a.tokens), (b.text, b.tokens));
    // Empty audio is one silent window, not an error.
    let t = w.generate(0, SpeechRequest::default(), LONG).unwrap();
    assert_eq!(t.windows, 1);
}

#[test]
fn audio_over_30_s_is_cut_into_windows_and_a_deadline_stops_decoding() {
    let dir = tempfile::tempdir().unwrap();
    write_tiny_whisper(dir.path(), 8).unwrap();
    let mut engine = load(dir.path()).unwrap();
    let t = engine
        .transcribe(
            &SpeechRequest {
                samples: buzz(31.0),
                language: Some("zh".into()),
            },
            &|| None,
        )
        .unwrap();
    assert_eq!(t.windows, 2, "{t:?}");

    // The benchmarks' knob: exactly n tokens per window, whatever the weights say.
    let opts = WhisperOptions {
        fixed_tokens: Some(5),
        ..WhisperOptions::default()
    };
    let mut fixed = WhisperEngine::load(dir.path(), &opts, &mut |_, _| {}).unwrap();
    let t = fixed
        .transcribe(
            &SpeechRequest {
                samples: buzz(3.0),
                language: None,
            },
            &|| None,
        )
        .unwrap();
    assert_eq!(t.tokens, 5, "{t:?}");

    let err = engine
        .transcribe(
            &SpeechRequest {
                samples: buzz(1.0),
                language: None,
            },
            &|| Some(Error::Timeout(0.01)),
        )
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err}");

    let err = engine
        .transcribe(
            &SpeechRequest {
                samples: buzz(1.0),
                language: Some("fr".into()),
            },
            &|| None,
        )
        .unwrap_err();
    assert!(err.to_string().contains("<|fr|>"), "{err}");
}

fn expect_bad(dir: &Path, says: &str) {
    let err = load(dir).unwrap_err();
    let m = err.to_string();
    assert!(m.contains(says), "expected {says:?} in: {m}");
}

#[test]
fn broken_folders_are_clear_errors() {
    let good = tempfile::tempdir().unwrap();
    write_tiny_whisper(good.path(), 9).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let copy = |name: &str| {
        let d = scratch.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        for f in inference::whisper::FILES {
            std::fs::copy(good.path().join(f), d.join(f)).unwrap();
        }
        d
    };

    expect_bad(Path::new("/nonexistent/whisper"), "no such folder");

    let d = copy("no-tokenizer");
    std::fs::remove_file(d.join("tokenizer.json")).unwrap();
    expect_bad(&d, "lacks tokenizer.json");

    let d = copy("truncated");
    let weights = d.join("model.safetensors");
    let len = std::fs::metadata(&weights).unwrap().len();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&weights)
        .unwrap();
    f.set_len(len / 2).unwrap();
    expect_bad(&d, "model.safetensors");

    let d = copy("garbage-config");
    std::fs::write(d.join("config.json"), "{ this is not json").unwrap();
    expect_bad(&d, "not a Whisper config.json");

    // Well-formed JSON whose sizes the weights do not have: candle would panic or fail deep
    // inside; here it is one line naming the file.
    let d = copy("wrong-shape");
    let mut cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("config.json")).unwrap()).unwrap();
    cfg["d_model"] = 128.into();
    std::fs::write(d.join("config.json"), cfg.to_string()).unwrap();
    expect_bad(&d, "model.safetensors");

    let d = copy("bad-heads");
    cfg["d_model"] = 64.into();
    cfg["encoder_attention_heads"] = 0.into();
    std::fs::write(d.join("config.json"), cfg.to_string()).unwrap();
    expect_bad(&d, "attention heads");

    let d = copy("garbage-tokenizer");
    std::fs::write(d.join("tokenizer.json"), "[1, 2, 3]").unwrap();
    expect_bad(&d, "tokenizer.json");

    // A tokenizer without Whisper's tokens (the GLM one).
    let d = copy("glm-tokenizer");
    inference::testing::write_tokenizer(&d.join("tokenizer.json"), 300).unwrap();
    expect_bad(&d, "not a Whisper tokenizer");

    // The worker hands a failed load back as the same error.
    let d2 = d.clone();
    let err = Worker::<SpeechRequest, inference::Transcript>::spawn(
        move |r| WhisperEngine::load(&d2, &WhisperOptions::default(), r),
        |_| {},
        4,
    )
    .unwrap_err();
    assert!(err.to_string().contains("not a Whisper tokenizer"), "{err}");
}
